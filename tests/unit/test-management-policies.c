/* SPDX-License-Identifier: MIT */
/* The pure parts of cwmpd's Device.ManagementServer. policies and Device.Security.: which
 * Informs an InformParameter's EventList joins, which autonomous transfers
 * AutonomousTransferCompletePolicy lets through, and a certificate as TR-181 shows it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "autonomous-transfer.h"
#include "inform.h"
#include "security-certificates.h"
#include "util.h"

static void test_event_list(void **state)
{
        const char *boot[] = {"0 BOOTSTRAP", "1 BOOT"};
        const char *value_change[] = {"4 VALUE CHANGE"};
        const char *periodic_and_change[] = {"4 VALUE CHANGE", "2 PERIODIC"};
        const char *download[] = {"7 TRANSFER COMPLETE", "M Download"};

        assert_true(inform_event_list_matches("1 BOOT", boot, 2));
        assert_true(inform_event_list_matches("2 PERIODIC, 1 BOOT", boot, 2));
        assert_false(inform_event_list_matches("2 PERIODIC", boot, 2));
        assert_false(inform_event_list_matches("1 BOO", boot, 2));
        assert_false(inform_event_list_matches("1 BOOTSTRAP", boot, 2));
        assert_true(inform_event_list_matches("M Download", download, 2));
        assert_false(inform_event_list_matches("M Upload", download, 2));
        /* empty: every event but 4 VALUE CHANGE */
        assert_true(inform_event_list_matches("", boot, 2));
        assert_false(inform_event_list_matches("", value_change, 1));
        assert_true(inform_event_list_matches("", periodic_and_change, 2));
        assert_false(inform_event_list_matches("", NULL, 0));
        assert_false(inform_event_list_matches("1 BOOT", NULL, 0));
}

static void test_parameter_pattern(void **state)
{
        assert_true(inform_pattern_matches("Device.A.B", "Device.A.B"));
        assert_false(inform_pattern_matches("Device.A.B", "Device.A.BC"));
        assert_false(inform_pattern_matches("Device.A.BC", "Device.A.B"));
        assert_true(inform_pattern_matches("Device.A.", "Device.A.B"));
        assert_true(inform_pattern_matches("Device.A.", "Device.A.T.3.X"));
        assert_false(inform_pattern_matches("Device.A.", "Device.AB.X"));
        assert_true(inform_pattern_matches("Device.T.*.X", "Device.T.12.X"));
        assert_false(inform_pattern_matches("Device.T.*.X", "Device.T.12.Y"));
        assert_false(inform_pattern_matches("Device.T.*.X", "Device.T.[wan].X"));
        assert_false(inform_pattern_matches("Device.T.*.X", "Device.T..X"));
        assert_true(inform_pattern_matches("Device.T.*.U.*.", "Device.T.1.U.20.V"));
        assert_false(inform_pattern_matches("Device.T.*.U.*.", "Device.T.1.U.V"));
        assert_true(inform_pattern_matches("Device.T.*", "Device.T.4"));
        assert_false(inform_pattern_matches("", "Device.T.4"));
}

static const char *const ALL_TYPES =
        "1 Firmware Upgrade Image,2 Web Content,3 Vendor Configuration File,4 Vendor Log File";

static void test_policy_filters(void **state)
{
        struct autonomous_transfer_policy p = {true, "Both", "Both", ALL_TYPES};

        assert_true(autonomous_transfer_policy_allows(&p, true, 0, "1 Firmware Upgrade Image"));
        assert_true(autonomous_transfer_policy_allows(&p, false, 9011, "2 Vendor Log File"));
        p.enable = false;
        assert_false(autonomous_transfer_policy_allows(&p, true, 0, "1 Firmware Upgrade Image"));
        p.enable = true;

        p.transfer_type_filter = "Upload";
        assert_false(autonomous_transfer_policy_allows(&p, true, 0, "3 Vendor Configuration File"));
        assert_true(autonomous_transfer_policy_allows(&p, false, 0, "1 Vendor Configuration File"));
        p.transfer_type_filter = "Download";
        assert_true(autonomous_transfer_policy_allows(&p, true, 0, "3 Vendor Configuration File"));
        assert_false(
                autonomous_transfer_policy_allows(&p, false, 0, "1 Vendor Configuration File"));
        p.transfer_type_filter = "Both";

        p.result_type_filter = "Success";
        assert_true(autonomous_transfer_policy_allows(&p, true, 0, "1 Firmware Upgrade Image"));
        assert_false(autonomous_transfer_policy_allows(&p, true, 9010, "1 Firmware Upgrade Image"));
        p.result_type_filter = "Failure";
        assert_false(autonomous_transfer_policy_allows(&p, true, 0, "1 Firmware Upgrade Image"));
        assert_true(autonomous_transfer_policy_allows(&p, true, 9010, "1 Firmware Upgrade Image"));
        p.result_type_filter = "Both";
}

static void test_policy_file_types(void **state)
{
        struct autonomous_transfer_policy p = {true, "Both", "Both", "4 Vendor Log File"};

        /* an Upload's numbering differs from the filter's: matched by name */
        assert_true(autonomous_transfer_policy_allows(&p, false, 0, "2 Vendor Log File"));
        assert_true(autonomous_transfer_policy_allows(&p, false, 0, "4 Vendor Log File 3"));
        assert_false(autonomous_transfer_policy_allows(&p, false, 0, "4 Vendor Log File x"));
        assert_false(autonomous_transfer_policy_allows(&p, false, 0, "4 Vendor Log Files"));
        assert_false(
                autonomous_transfer_policy_allows(&p, false, 0, "1 Vendor Configuration File"));
        assert_false(autonomous_transfer_policy_allows(&p, true, 0, "1 Firmware Upgrade Image"));

        p.file_type_filter = "X 00D09E Crash Dump, 1 Firmware Upgrade Image";
        assert_true(autonomous_transfer_policy_allows(&p, false, 0, "X 00D09E Crash Dump"));
        assert_false(autonomous_transfer_policy_allows(&p, false, 0, "X 00D09E Crash Dump 2"));
        assert_false(autonomous_transfer_policy_allows(&p, false, 0, "X 00D09F Crash Dump"));
        assert_true(autonomous_transfer_policy_allows(&p, true, 0, "1 Firmware Upgrade Image"));

        /* an empty filter lets nothing through */
        p.file_type_filter = "";
        assert_false(autonomous_transfer_policy_allows(&p, true, 0, "1 Firmware Upgrade Image"));
}

/* Made with: openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -days 3650
 * -set_serial 0x00A123456789ABCDEF -subj '/O=Example/CN=Unit Test' -addext
 * 'subjectAltName=DNS:a.example,IP:192.0.2.7,IP:2001:db8::1,email:x@example.com,
 * URI:http://x.example/a%2Cb' */
static const char PEM[] = "-----BEGIN CERTIFICATE-----\n"
                          "MIIB7DCCAZOgAwIBAgIJAKEjRWeJq83vMAoGCCqGSM49BAMCMCYxEDAOBgNVBAoM\n"
                          "B0V4YW1wbGUxEjAQBgNVBAMMCVVuaXQgVGVzdDAeFw0yNjExMjYxNjI0MjNaFw0z\n"
                          "NjExMjMxNjI0MjNaMCYxEDAOBgNVBAoMB0V4YW1wbGUxEjAQBgNVBAMMCVVuaXQg\n"
                          "VGVzdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABG0e4DDR42qw+JLMVAv2fBOz\n"
                          "sO99PM/ppsNtMYGq7UbN9ByXcJ7WG3Dsl623eBrQsG5lQL0DORfGItmG1dwnCNmj\n"
                          "gakwgaYwHQYDVR0OBBYEFCuXB+HJsApvfTw0fgXB5b3/Sx+bMB8GA1UdIwQYMBaA\n"
                          "FCuXB+HJsApvfTw0fgXB5b3/Sx+bMA8GA1UdEwEB/wQFMAMBAf8wUwYDVR0RBEww\n"
                          "SoIJYS5leGFtcGxlhwTAAAIHhxAgAQ24AAAAAAAAAAAAAAABgQ14QGV4YW1wbGUu\n"
                          "Y29thhZodHRwOi8veC5leGFtcGxlL2ElMkNiMAoGCCqGSM49BAMCA0cAMEQCIEKv\n"
                          "KQDDRBWNryxxgAY6Y6gpmfizMn9oBGYWCs89ma6qAiBjYjTZcXx16kAiw1CB5txq\n"
                          "y7PQ78qoyEfdEEPS7K7CRw==\n"
                          "-----END CERTIFICATE-----\n";

static char *write_temp(const char *text)
{
        char *path = strdup("/tmp/test-management-policies-XXXXXX");
        assert_non_null(path);
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        size_t len = strlen(text);
        assert_int_equal(write(fd, text, len), (ssize_t)len);
        close(fd);
        return path;
}

static void test_certificate_info(void **state)
{
        char *bundle = NULL;
        assert_true(asprintf(&bundle, "%s%s", PEM, PEM) > 0);
        char *path = write_temp(bundle);
        struct certificate_info *infos = NULL;
        size_t n = 0;

        assert_int_equal(certificate_info_read_pem(path, &infos, &n), 0);
        assert_int_equal(n, 2); /* a bundle: each certificate, in file order */
        assert_string_equal(infos[0].serial_number, "A123456789ABCDEF");
        assert_string_equal(infos[0].subject, "CN=Unit Test,O=Example");
        assert_string_equal(infos[0].issuer, "CN=Unit Test,O=Example");
        assert_string_equal(infos[0].not_before, "2026-11-26T16:24:23Z");
        assert_string_equal(infos[0].not_after, "2036-11-23T16:24:23Z");
        assert_string_equal(infos[0].signature_algorithm, "ecdsa-with-SHA256");
        /* every kind of name, IPv6 in its short form */
        assert_string_equal(infos[0].subject_alt,
                            "a.example,192.0.2.7,2001:db8::1,x@example.com,http://x.example/a%2Cb");
        assert_string_equal(infos[0].fingerprint,
                            "3c8d9a1b8d6e723c905590b90c5fdaafa423b6f67b51679f3974f570ae2829e7");
        assert_string_equal(infos[1].fingerprint, infos[0].fingerprint);
        certificate_info_free_array(infos, n);
        unlink(path);
        free(path);
        free(bundle);

        /* no certificate in the file: no row, no error; no file: an error */
        path = write_temp("not a certificate\n");
        assert_int_equal(certificate_info_read_pem(path, &infos, &n), 0);
        assert_int_equal(n, 0);
        free(infos);
        unlink(path);
        assert_true(certificate_info_read_pem(path, &infos, &n) < 0);
        free(path);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_event_list),       cmocka_unit_test(test_parameter_pattern),
                cmocka_unit_test(test_policy_filters),   cmocka_unit_test(test_policy_file_types),
                cmocka_unit_test(test_certificate_info),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
