/* SPDX-License-Identifier: MIT */
/* Which TransferComplete fault each HTTP outcome and each bad request gets. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "request-check.h"
#include "transfer-fault.h"

static uint32_t dl(int error, long status, uint32_t file_size)
{
        struct http_response r = {.error = error, .status = status, .error_message = "detail"};
        char message[256] = "";
        uint32_t code = download_fault(&r, file_size, message, sizeof(message));
        if (code)
                assert_true(message[0] != '\0');
        return code;
}

static uint32_t up(int error, long status)
{
        struct http_response r = {.error = error, .status = status, .error_message = "detail"};
        char message[256] = "";
        return upload_fault(&r, message, sizeof(message));
}

static void test_download_faults(void **state)
{
        assert_int_equal(dl(0, 200, 0), 0);
        assert_int_equal(dl(0, 204, 0), 0);
        assert_int_equal(dl(0, 401, 0), 9012);
        assert_int_equal(dl(0, 407, 0), 9012);
        assert_int_equal(dl(-EACCES, 0, 0), 9012);
        assert_int_equal(dl(0, 403, 0), 9016);
        assert_int_equal(dl(0, 404, 0), 9016);
        assert_int_equal(dl(0, 500, 0), 9016);
        assert_int_equal(dl(-ELOOP, 301, 0), 9016);
        assert_int_equal(dl(-ECONNREFUSED, 0, 0), 9015);
        assert_int_equal(dl(-EHOSTUNREACH, 0, 0), 9015);
        assert_int_equal(dl(-ETIMEDOUT, 0, 0), 9015);
        assert_int_equal(dl(-EPROTO, 0, 0), 9015);
        assert_int_equal(dl(-ETIMEDOUT, 200, 0), 9017);
        assert_int_equal(dl(-EPROTO, 200, 0), 9017);
        assert_int_equal(dl(-ECONNRESET, 200, 0), 9017);
        assert_int_equal(dl(-EFBIG, 200, 10), 9018);
        assert_int_equal(dl(-EFBIG, 200, 0), 9010);
        assert_int_equal(dl(-EIO, 200, 0), 9010);
}

static void test_upload_faults(void **state)
{
        assert_int_equal(up(0, 200), 0);
        assert_int_equal(up(0, 201), 0);
        assert_int_equal(up(0, 401), 9012);
        assert_int_equal(up(-EACCES, 0), 9012);
        assert_int_equal(up(-ECONNREFUSED, 0), 9015);
        assert_int_equal(up(0, 404), 9011);
        assert_int_equal(up(0, 507), 9011);
        assert_int_equal(up(-EIO, 0), 9011);
}

static void test_urls(void **state)
{
        const char *reason = NULL;

        assert_int_equal(transfer_check_url("http://10.0.0.1/fw.bin", &reason), 0);
        assert_int_equal(transfer_check_url("HTTPS://files.example.net:8443/a?b=c", &reason), 0);
        assert_int_equal(transfer_check_url("ftp://files.example.net/a", &reason), 9013);
        assert_int_equal(transfer_check_url("tftp://10.0.0.1/a", &reason), 9013);
        assert_int_equal(transfer_check_url("file:///etc/passwd", &reason), 9013);
        assert_int_equal(transfer_check_url("/relative", &reason), 9003);
        assert_int_equal(transfer_check_url("", &reason), 9003);
        assert_int_equal(transfer_check_url("http://", &reason), 9003);
        assert_int_equal(transfer_check_url("ht tp://x/", &reason), 9003);
        char long_url[300];
        memset(long_url, 'a', sizeof(long_url));
        memcpy(long_url, "http://", 7);
        long_url[sizeof(long_url) - 1] = '\0';
        assert_int_equal(transfer_check_url(long_url, &reason), 9003);
        assert_non_null(reason);
}

static void test_windows_and_types(void **state)
{
        const char *reason = NULL;
        struct window_request ok[2] = {{0, 10, "1 At Any Time", "", -1},
                                       {10, 20, "4 Confirmation Needed", "hi", 0}};
        struct window_request overlap[2] = {{0, 10, "1 At Any Time", "", -1},
                                            {5, 20, "2 Immediately", "", 0}};
        struct window_request reversed[1] = {{10, 10, "1 At Any Time", "", -1}};
        struct window_request mode[1] = {{0, 10, "X 00D09E Later", "", -1}};
        struct window_request retries[1] = {{0, 10, "3 When Idle", "", -2}};

        assert_int_equal(transfer_check_windows(ok, 2, &reason), 0);
        assert_int_equal(transfer_check_windows(ok, 0, &reason), 9003);
        assert_int_equal(transfer_check_windows(overlap, 2, &reason), 9003);
        assert_int_equal(transfer_check_windows(reversed, 1, &reason), 9003);
        assert_int_equal(transfer_check_windows(mode, 1, &reason), 9003);
        assert_int_equal(transfer_check_windows(retries, 1, &reason), 9003);
        assert_true(window_mode_usable("3 When Idle"));
        assert_false(window_mode_usable("4 Confirmation Needed"));

        assert_int_equal(download_file_kind("1 Firmware Upgrade Image"), FILE_FIRMWARE);
        assert_int_equal(download_file_kind("3 Vendor Configuration File"), FILE_VENDOR_CONFIG);
        assert_int_equal(download_file_kind("2 Web Content"), FILE_UNSUPPORTED);
        assert_int_equal(upload_file_kind("1 Vendor Configuration File"), FILE_VENDOR_CONFIG);
        assert_int_equal(upload_file_kind("2 Vendor Log File"), FILE_VENDOR_LOG);
        assert_int_equal(upload_file_kind("3 Vendor Configuration File 1"), FILE_UNSUPPORTED);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_download_faults),
                cmocka_unit_test(test_upload_faults),
                cmocka_unit_test(test_urls),
                cmocka_unit_test(test_windows_and_types),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
