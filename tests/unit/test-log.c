/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"
#include "util.h"

/* Points stderr at a fresh temporary file; returns the file's descriptor. */
struct capture {
        int saved_stderr;
        int fd;
};

static void capture_start(struct capture *c)
{
        char path[] = "/tmp/test-log-XXXXXX";
        c->fd = mkstemp(path);
        assert_true(c->fd >= 0);
        unlink(path);
        c->saved_stderr = dup(STDERR_FILENO);
        assert_true(c->saved_stderr >= 0);
        assert_true(dup2(c->fd, STDERR_FILENO) >= 0);
}

/* Restores stderr and returns what was written (free() it). */
static char *capture_end(struct capture *c)
{
        assert_true(dup2(c->saved_stderr, STDERR_FILENO) >= 0);
        close(c->saved_stderr);
        off_t size = lseek(c->fd, 0, SEEK_END);
        assert_true(size >= 0);
        char *text = calloc(1, (size_t)size + 1);
        assert_non_null(text);
        assert_int_equal(pread(c->fd, text, (size_t)size, 0), size);
        close(c->fd);
        return text;
}

static void test_level_from_string(void **state)
{
        assert_int_equal(log_level_from_string("debug"), LOG_DEBUG);
        assert_int_equal(log_level_from_string("info"), LOG_INFO);
        assert_int_equal(log_level_from_string("notice"), LOG_NOTICE);
        assert_int_equal(log_level_from_string("warning"), LOG_WARNING);
        assert_int_equal(log_level_from_string("err"), LOG_ERR);
        assert_int_equal(log_level_from_string("ERROR"), LOG_ERR);
        assert_int_equal(log_level_from_string("emerg"), LOG_EMERG);
        assert_int_equal(log_level_from_string("0"), 0);
        assert_int_equal(log_level_from_string("7"), 7);
        assert_int_equal(log_level_from_string("8"), -EINVAL);
        assert_int_equal(log_level_from_string("07"), -EINVAL);
        assert_int_equal(log_level_from_string(""), -EINVAL);
        assert_int_equal(log_level_from_string(NULL), -EINVAL);
        assert_int_equal(log_level_from_string("verbose"), -EINVAL);
}

static void test_plain_format_and_errno_text(void **state)
{
        struct capture c;
        unsetenv("JOURNAL_STREAM");
        unsetenv("CWMP_LOG_LEVEL");
        log_open("testd");
        log_set_max_level(LOG_INFO);

        capture_start(&c);
        errno = EPERM;
        assert_int_equal(log_error_errno(EIO, "Failed to write %s: %m", "state.db"), -EIO);
        assert_int_equal(errno, EPERM); /* the caller's errno survives */
        assert_int_equal(log_warning_errno(-ENOENT, "Missing: %m"), -ENOENT);
        assert_int_equal(log_info("plain %d", 42), 0);
        assert_int_equal(log_debug("hidden below the level"), 0);
        assert_int_equal(log_debug_errno(ENOMEM, "hidden too: %m"), -ENOMEM);
        assert_int_equal(log_notice("two\nlines"), 0);
        _cleanup_free_ char *out = capture_end(&c);

        char expected[1024];
        int pid = (int)getpid();
        snprintf(expected, sizeof(expected),
                 "testd[%d]: error: Failed to write state.db: %s\n"
                 "testd[%d]: warning: Missing: %s\n"
                 "testd[%d]: info: plain 42\n"
                 "testd[%d]: notice: two\n"
                 "testd[%d]: notice: lines\n",
                 pid, strerror(EIO), pid, strerror(ENOENT), pid, pid, pid);
        assert_string_equal(out, expected);
}

static void test_journal_format_when_stream_matches(void **state)
{
        struct capture c;
        unsetenv("CWMP_LOG_LEVEL");
        capture_start(&c);

        struct stat st;
        assert_int_equal(fstat(STDERR_FILENO, &st), 0);
        char value[64];
        snprintf(value, sizeof(value), "%ju:%ju", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino);
        setenv("JOURNAL_STREAM", value, 1);
        log_open("testd");
        log_set_max_level(LOG_DEBUG);

        assert_int_equal(log_error("broken"), 0);
        assert_int_equal(log_debug_errno(EACCES, "denied: %m"), -EACCES);
        _cleanup_free_ char *out = capture_end(&c);

        char expected[256];
        snprintf(expected, sizeof(expected), "<3>broken\n<7>denied: %s\n", strerror(EACCES));
        assert_string_equal(out, expected);
        unsetenv("JOURNAL_STREAM");
}

static void test_journal_stream_of_another_file_is_ignored(void **state)
{
        struct capture c;
        setenv("JOURNAL_STREAM", "1:2", 1);
        capture_start(&c);
        log_open("testd");
        log_set_max_level(LOG_INFO);
        log_info("hello");
        _cleanup_free_ char *out = capture_end(&c);
        assert_true(startswith(out, "testd["));
        assert_non_null(strstr(out, "]: info: hello\n"));

        setenv("JOURNAL_STREAM", "garbage", 1);
        capture_start(&c);
        log_open("testd");
        log_info("again");
        _cleanup_free_ char *out2 = capture_end(&c);
        assert_true(startswith(out2, "testd["));
        unsetenv("JOURNAL_STREAM");
}

static void test_level_from_environment(void **state)
{
        unsetenv("JOURNAL_STREAM");
        log_set_max_level(LOG_INFO);
        setenv("CWMP_LOG_LEVEL", "debug", 1);
        log_open("testd");
        assert_int_equal(log_get_max_level(), LOG_DEBUG);

        setenv("CWMP_LOG_LEVEL", "3", 1);
        log_open("testd");
        assert_int_equal(log_get_max_level(), LOG_ERR);

        struct capture c;
        capture_start(&c);
        log_warning("filtered");
        log_error("shown");
        _cleanup_free_ char *out = capture_end(&c);
        assert_null(strstr(out, "filtered"));
        assert_non_null(strstr(out, "shown"));

        /* A bad value leaves the level alone. */
        setenv("CWMP_LOG_LEVEL", "chatty", 1);
        log_open("testd");
        assert_int_equal(log_get_max_level(), LOG_ERR);
        unsetenv("CWMP_LOG_LEVEL");

        log_set_max_level(99);
        assert_int_equal(log_get_max_level(), LOG_DEBUG);
        log_set_max_level(-1);
        assert_int_equal(log_get_max_level(), LOG_EMERG);
}

static void test_zero_error_returns_zero(void **state)
{
        struct capture c;
        unsetenv("JOURNAL_STREAM");
        log_open("testd");
        log_set_max_level(LOG_INFO);
        capture_start(&c);
        assert_int_equal(log_error_errno(0, "no error"), 0);
        _cleanup_free_ char *out = capture_end(&c);
        assert_non_null(strstr(out, "error: no error\n"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_level_from_string),
                cmocka_unit_test(test_plain_format_and_errno_text),
                cmocka_unit_test(test_journal_format_when_stream_matches),
                cmocka_unit_test(test_journal_stream_of_another_file_is_ignored),
                cmocka_unit_test(test_level_from_environment),
                cmocka_unit_test(test_zero_error_returns_zero),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
