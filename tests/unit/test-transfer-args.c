/* SPDX-License-Identifier: MIT */
/* The transfer methods from the ACS: Download, Upload, ScheduleDownload and CancelTransfer
 * decoded as GenieACS and others send them, and every argument the schemas forbid refused
 * with fault 9003 and a precise reason. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "soap.h"
#include "transfer-args.h"
#include "util.h"

#define DETAIL_SIZE 256

static char *envelope(const char *body)
{
        char *s = NULL;
        int r = asprintf(&s,
                         "<soap-env:Envelope "
                         "xmlns:soap-env=\"http://schemas.xmlsoap.org/soap/envelope/\" "
                         "xmlns:soap-enc=\"http://schemas.xmlsoap.org/soap/encoding/\" "
                         "xmlns:cwmp=\"urn:dslforum-org:cwmp-1-2\"><soap-env:Header><cwmp:ID "
                         "soap-env:mustUnderstand=\"1\">t-1</cwmp:ID></soap-env:Header>"
                         "<soap-env:Body>%s</soap-env:Body></soap-env:Envelope>",
                         body);
        assert_true(r > 0);
        return s;
}

/* Decodes `body` and runs the checks; returns their result, the reason in detail. */
static int check_body(const char *body, struct soap_message *m, char detail[DETAIL_SIZE])
{
        _cleanup_free_ char *xml = envelope(body);
        uint32_t code = 0;
        int r = soap_decode(xml, strlen(xml), m, &code, detail, DETAIL_SIZE);
        if (r < 0)
                fail_msg("not decoded (%u): %s\n%s", code, detail, xml);
        memset(detail, 'x', DETAIL_SIZE); /* must come back NUL-terminated */
        r = transfer_args_check(m, detail, DETAIL_SIZE);
        assert_non_null(memchr(detail, '\0', DETAIL_SIZE));
        return r;
}

static void expect_ok(const char *body)
{
        struct soap_message m;
        char detail[DETAIL_SIZE];

        if (check_body(body, &m, detail) < 0)
                fail_msg("refused: %s\n%s", detail, body);
        assert_string_equal(detail, "");
        soap_message_done(&m);
}

static void expect_refused(const char *body, const char *reason)
{
        struct soap_message m;
        char detail[DETAIL_SIZE];

        assert_int_equal(check_body(body, &m, detail), -EINVAL);
        if (!strstr(detail, reason))
                fail_msg("reason \"%s\" lacks \"%s\"", detail, reason);
        soap_message_done(&m);
}

/* A Download with the given FileType, URL, FileSize and TargetFileName, everything else
 * empty or 0 as GenieACS sends it. */
static char *download(const char *type, const char *url, const char *size, const char *target)
{
        char *s = NULL;
        int r = asprintf(&s,
                         "<cwmp:Download><CommandKey>dl</CommandKey><FileType>%s</FileType>"
                         "<URL>%s</URL><Username></Username><Password></Password>"
                         "<FileSize>%s</FileSize><TargetFileName>%s</TargetFileName>"
                         "<DelaySeconds>0</DelaySeconds><SuccessURL></SuccessURL>"
                         "<FailureURL></FailureURL></cwmp:Download>",
                         type, url, size, target);
        assert_true(r > 0);
        return s;
}

static char *schedule_download(const char *windows)
{
        char *s = NULL;
        int r = asprintf(&s,
                         "<cwmp:ScheduleDownload><CommandKey>sd</CommandKey><FileType>1 "
                         "Firmware Upgrade Image</FileType><URL>https://fw.example/img</URL>"
                         "<Username/><Password/><FileSize>0</FileSize><TargetFileName/>"
                         "<TimeWindowList soap-enc:arrayType=\"cwmp:TimeWindowStruct[2]\">%s"
                         "</TimeWindowList></cwmp:ScheduleDownload>",
                         windows);
        assert_true(r > 0);
        return s;
}

static char *window(unsigned start, unsigned end, const char *mode, const char *retries)
{
        char *s = NULL;
        int r = asprintf(&s,
                         "<TimeWindowStruct><WindowStart>%u</WindowStart><WindowEnd>%u"
                         "</WindowEnd><WindowMode>%s</WindowMode><UserMessage>Please wait"
                         "</UserMessage><MaxRetries>%s</MaxRetries></TimeWindowStruct>",
                         start, end, mode, retries);
        assert_true(r > 0);
        return s;
}

static void test_file_types(void **state)
{
        static const char *const good[] = {
                "1 Firmware Upgrade Image",
                "2 Web Content",
                "3 Vendor Configuration File",
                "4 Tone File",
                "5 Ringer File",
                "6 Vendor Configuration File 2",
                "12 Future Type",
                "X 00D09E Bootloader",
                "X acme.com Language pack",
        };
        static const char *const bad[] = {
                "",
                "1",
                "0 Firmware Upgrade Image",
                "01 Firmware Upgrade Image",
                "1  Firmware Upgrade Image", /* two blanks make an empty word */
                "1 Firmware Upgrade Image ",
                "Firmware Upgrade Image",
                "X 00D09E",
                "X  name",
                "X 00D09E line\nbreak",
                "x 00D09E Bootloader",
                "1 A-file-type-name-that-is-much-longer-than-sixty-four-characters-in-all",
        };

        for (size_t i = 0; i < ELEMENTSOF(good); i++)
                if (!transfer_type_valid(good[i]))
                        fail_msg("\"%s\" refused", good[i]);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                if (transfer_type_valid(bad[i]))
                        fail_msg("\"%s\" accepted", bad[i]);
        assert_false(transfer_type_valid(NULL));
}

static void test_download_genieacs(void **state)
{
        struct soap_message m;
        char detail[DETAIL_SIZE];

        /* GenieACS: all ten arguments, empty strings, a raw '&' in the URL. */
        _cleanup_free_ char *body = download("3 Vendor Configuration File",
                                             "http://10.0.0.1:7567/file?a=1&b=2", "0", "");
        assert_int_equal(check_body(body, &m, detail), 0);
        assert_int_equal(m.method, SOAP_DOWNLOAD);
        assert_string_equal(m.url, "http://10.0.0.1:7567/file?a=1&b=2");
        assert_string_equal(m.username, "");
        assert_string_equal(m.target_file_name, "");
        assert_string_equal(m.success_url, "");
        assert_int_equal(m.file_size, 0);
        assert_int_equal(m.delay_seconds, 0);
        soap_message_done(&m);

        _cleanup_free_ char *vendor =
                download("X 00D09E Bootloader", "https://[2001:db8::1]/b.bin", "4294967295", "b");
        expect_ok(vendor);
}

static void test_download_refused(void **state)
{
        static const struct {
                const char *type, *url, *size, *target, *reason;
        } cases[] = {
                {"Firmware", "http://f/x", "0", "", "Download: FileType \"Firmware\" is not a"},
                {"", "http://f/x", "0", "", "Download: FileType \"\" is not a file type"},
                {"1 Firmware Upgrade Image", "", "0", "", "Download: URL is empty"},
                {"1 Firmware Upgrade Image", "fw.example/x", "0", "",
                 "Download: URL \"fw.example/x\" has no scheme://"},
                {"1 Firmware Upgrade Image", "://fw.example/x", "0", "", "has no scheme://"},
                {"1 Firmware Upgrade Image", "ht tp://fw.example/x", "0", "", "has no scheme://"},
                {"1 Firmware Upgrade Image", "http://f/x", "4294967296", "",
                 "Download: FileSize 4294967296 is more than an unsignedInt"},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *body =
                        download(cases[i].type, cases[i].url, cases[i].size, cases[i].target);
                expect_refused(body, cases[i].reason);
        }

        char long_name[300];
        memset(long_name, 'n', 257);
        long_name[257] = '\0';
        _cleanup_free_ char *body =
                download("1 Firmware Upgrade Image", "http://f/x", "0", long_name);
        expect_refused(body, "Download: TargetFileName is longer than 256 characters");
        /* 256 characters, some of them two bytes long, are fine */
        char utf8[600] = "";
        for (int i = 0; i < 128; i++)
                strcat(utf8, "\xc3\xa9n");
        _cleanup_free_ char *body2 = download("1 Firmware Upgrade Image", "http://f/x", "0", utf8);
        expect_ok(body2);
}

static void test_upload(void **state)
{
        expect_ok("<cwmp:Upload><CommandKey>up</CommandKey><FileType>2 Vendor Log File"
                  "</FileType><URL>http://logs.example/put</URL><Username>u</Username>"
                  "<Password>p</Password><DelaySeconds>30</DelaySeconds></cwmp:Upload>");
        expect_ok("<cwmp:Upload><CommandKey>up</CommandKey><FileType>3 Vendor Configuration "
                  "File 2</FileType><URL>http://logs.example/put</URL><Username/>"
                  "<Password/><DelaySeconds>0</DelaySeconds></cwmp:Upload>");
        expect_refused("<cwmp:Upload><CommandKey>up</CommandKey><FileType>Log</FileType>"
                       "<URL>http://logs.example/put</URL><Username/><Password/>"
                       "<DelaySeconds>0</DelaySeconds></cwmp:Upload>",
                       "Upload: FileType \"Log\" is not a file type");
        expect_refused("<cwmp:Upload><CommandKey>up</CommandKey><FileType>1 Vendor "
                       "Configuration File</FileType><URL></URL><Username/><Password/>"
                       "<DelaySeconds>0</DelaySeconds></cwmp:Upload>",
                       "Upload: URL is empty");
}

static void test_schedule_download(void **state)
{
        _cleanup_free_ char *w1 = window(0, 3600, "1 At Any Time", "-1");
        _cleanup_free_ char *w2 = window(7200, 9000, "X 00D09E Night", "3");
        _cleanup_free_ char *both = NULL, *reversed = NULL, *one = NULL;
        struct soap_message m;
        char detail[DETAIL_SIZE];

        assert_true(asprintf(&both, "%s%s", w1, w2) > 0);
        assert_true(asprintf(&reversed, "%s%s", w2, w1) > 0);
        one = schedule_download(w1);
        expect_ok(one);
        _cleanup_free_ char *body = schedule_download(both);
        assert_int_equal(check_body(body, &m, detail), 0);
        assert_int_equal(m.n_time_windows, 2);
        assert_int_equal(m.time_windows[1].window_start, 7200);
        assert_string_equal(m.time_windows[1].window_mode, "X 00D09E Night");
        assert_int_equal(m.time_windows[0].max_retries, -1);
        soap_message_done(&m);
        _cleanup_free_ char *body2 = schedule_download(reversed);
        expect_ok(body2); /* windows in either order, as long as they do not overlap */
}

static void test_schedule_download_refused(void **state)
{
        static const struct {
                unsigned s1, e1;
                const char *mode1, *retries1;
                unsigned s2, e2; /* e2 == 0: one window */
                const char *reason;
        } cases[] = {
                {100, 50, "1 At Any Time", "0", 0, 0,
                 "TimeWindowList item 1: WindowEnd 50 is before WindowStart 100"},
                {0, 60, "At Any Time", "0", 0, 0,
                 "TimeWindowList item 1: WindowMode \"At Any Time\" is not a window mode"},
                {0, 60, "1 At Any Time", "-2", 0, 0,
                 "TimeWindowList item 1: MaxRetries -2 is below -1"},
                {0, 60, "1 At Any Time", "0", 30, 90, "the two time windows overlap"},
                {0, 60, "1 At Any Time", "0", 90, 80,
                 "TimeWindowList item 2: WindowEnd 80 is before WindowStart 90"},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *a =
                        window(cases[i].s1, cases[i].e1, cases[i].mode1, cases[i].retries1);
                _cleanup_free_ char *b =
                        cases[i].e2 ? window(cases[i].s2, cases[i].e2, "2 Immediately", "0")
                                    : strdup("");
                _cleanup_free_ char *windows = NULL;
                assert_true(asprintf(&windows, "%s%s", a, b) > 0);
                _cleanup_free_ char *body = schedule_download(windows);
                expect_refused(body, cases[i].reason);
        }
}

static void test_others_pass(void **state)
{
        expect_ok("<cwmp:CancelTransfer><CommandKey>dl-1</CommandKey></cwmp:CancelTransfer>");
        expect_ok("<cwmp:GetQueuedTransfers/>");
        expect_ok("<cwmp:GetAllQueuedTransfers/>");
        expect_ok("<cwmp:Reboot><CommandKey/></cwmp:Reboot>");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_file_types),
                cmocka_unit_test(test_download_genieacs),
                cmocka_unit_test(test_download_refused),
                cmocka_unit_test(test_upload),
                cmocka_unit_test(test_schedule_download),
                cmocka_unit_test(test_schedule_download_refused),
                cmocka_unit_test(test_others_pass),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
