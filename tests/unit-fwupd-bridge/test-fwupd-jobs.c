/* SPDX-License-Identifier: MIT */
/* The job store: what is written comes back whole after a restart, a damaged record is set
 * aside instead of half-loaded, a removed job stays removed. */
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

#include "jobs.h"
#include "util.h"

static char *make_dir(void)
{
        char *dir = strdup("/tmp/test-fwupd-jobs-XXXXXX");
        assert_non_null(mkdtemp(dir));
        return dir;
}

static void remove_dir(char *dir)
{
        char *cmd;
        assert_true(asprintf(&cmd, "rm -rf '%s'", dir) > 0);
        assert_int_equal(system(cmd), 0);
        free(cmd);
        free(dir);
}

static struct job *sample(const char *key, enum job_kind kind)
{
        struct job *j = job_new(kind);
        assert_non_null(j);
        j->command_key = strdup(key);
        j->file_type = strdup("3 Vendor Configuration File");
        j->url = strdup("http://files.example.net/a b\tc\nd");
        j->username = strdup("user");
        j->password = strdup("p\\ss");
        j->target_file_name = strdup("");
        j->fault_string = strdup("");
        j->announce_url = strdup("");
        j->file_size = 4096;
        j->not_before_usec = 1234567890123456ull;
        return j;
}

static void test_round_trip(void **state)
{
        char *dir = make_dir();
        struct job_store *s;
        struct job *j, *k;
        unsigned bad = 7;

        assert_int_equal(job_store_open(dir, &s, &bad), 0);
        assert_int_equal(bad, 0);
        j = sample("sd-1", JOB_SCHEDULE_DOWNLOAD);
        j->n_windows = 2;
        j->windows[0] = (struct time_window){10, 20, strdup("1 At Any Time"), strdup(""), -1};
        j->windows[1] =
                (struct time_window){30, 40, strdup("4 Confirmation Needed"), strdup("May I?"), 3};
        assert_int_equal(job_store_add(s, j), 0);
        k = sample("up-1", JOB_UPLOAD);
        assert_int_equal(job_store_add(s, k), 0);
        assert_true(strcmp(j->id, k->id) < 0); /* queueing order */
        k->state = JOB_IN_PROGRESS;
        k->attempts = 2;
        k->window_attempts = 1;
        k->start_usec = 99;
        assert_int_equal(job_complete(k, 100, 9011, "Upload failure: %s", "HTTP 500"), 0);
        assert_int_equal(job_store_save(s, k), 0);
        job_store_free(s);

        assert_int_equal(job_store_open(dir, &s, &bad), 0);
        assert_int_equal(job_store_count(s), 2);
        j = job_store_get(s, 0);
        assert_int_equal(j->kind, JOB_SCHEDULE_DOWNLOAD);
        assert_int_equal(j->state, JOB_NOT_STARTED);
        assert_string_equal(j->command_key, "sd-1");
        assert_string_equal(j->url, "http://files.example.net/a b\tc\nd");
        assert_string_equal(j->password, "p\\ss");
        assert_int_equal(j->file_size, 4096);
        assert_true(j->not_before_usec == 1234567890123456ull);
        assert_int_equal(j->n_windows, 2);
        assert_int_equal(j->windows[0].max_retries, -1);
        assert_int_equal(j->windows[1].max_retries, 3);
        assert_string_equal(j->windows[1].user_message, "May I?");
        assert_true(j->windows[1].end_usec == 40);
        k = job_store_find_key(s, "up-1");
        assert_non_null(k);
        assert_int_equal(k->state, JOB_COMPLETED);
        assert_int_equal(k->fault_code, 9011);
        assert_string_equal(k->fault_string, "Upload failure: HTTP 500");
        assert_int_equal(k->attempts, 2);
        assert_int_equal(k->window_attempts, 1);
        assert_true(k->start_usec == 99 && k->complete_usec == 100);
        assert_int_equal(job_store_count_requested(s), 2);

        assert_int_equal(job_store_remove(s, k), 0);
        job_store_free(s);
        assert_int_equal(job_store_open(dir, &s, &bad), 0);
        assert_int_equal(job_store_count(s), 1);
        assert_null(job_store_find_key(s, "up-1"));
        job_store_free(s);
        remove_dir(dir);
}

static void test_damaged_record_is_set_aside(void **state)
{
        char *dir = make_dir(), *path, *bad_path;
        struct job_store *s;
        struct job *j;
        unsigned bad = 0;
        struct stat st;
        int fd;

        assert_int_equal(job_store_open(dir, &s, &bad), 0);
        j = sample("a", JOB_DOWNLOAD);
        assert_int_equal(job_store_add(s, j), 0);
        assert_true(asprintf(&path, "%s/%s.job", dir, j->id) > 0);
        assert_true(asprintf(&bad_path, "%s.bad", path) > 0);
        assert_int_equal(job_store_add(s, sample("b", JOB_DOWNLOAD)), 0);
        job_store_free(s);

        /* cut in the middle, as a disk that lost its tail would */
        fd = open(path, O_WRONLY);
        assert_true(fd >= 0);
        assert_int_equal(ftruncate(fd, 40), 0);
        close(fd);

        assert_int_equal(job_store_open(dir, &s, &bad), 0);
        assert_int_equal(bad, 1);
        assert_int_equal(job_store_count(s), 1);
        assert_string_equal(job_store_get(s, 0)->command_key, "b");
        assert_int_equal(stat(bad_path, &st), 0);
        job_store_free(s);
        free(path);
        free(bad_path);
        remove_dir(dir);
}

static void test_autonomous_jobs_are_not_requests(void **state)
{
        char *dir = make_dir();
        struct job_store *s;
        struct job *j;

        assert_int_equal(job_store_open(dir, &s, NULL), 0);
        j = sample("", JOB_AUTONOMOUS);
        assert_int_equal(job_store_add(s, j), 0);
        assert_int_equal(job_store_count(s), 1);
        assert_int_equal(job_store_count_requested(s), 0);
        assert_null(job_store_find_key(s, ""));
        assert_ptr_equal(job_store_find_id(s, j->id), j);
        assert_string_equal(job_kind_to_method(JOB_SCHEDULE_DOWNLOAD), "ScheduleDownload");
        job_store_free(s);
        remove_dir(dir);
}

static void test_fault_string_is_bounded(void **state)
{
        struct job *j = job_new(JOB_DOWNLOAD);
        char big[600];

        memset(big, 'x', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        assert_int_equal(job_complete(j, 5, 9010, "%s", big), 0);
        assert_int_equal(strlen(j->fault_string), 255);
        assert_int_equal(j->state, JOB_COMPLETED);
        job_free(j);
}

static void test_result_faults_fit_transfer_complete(void **state)
{
        struct job *j = job_new(JOB_DOWNLOAD);

        assert_int_equal(job_result_fault(JOB_DOWNLOAD, 0), 0);
        assert_int_equal(job_result_fault(JOB_DOWNLOAD, 9018), 9018);
        assert_int_equal(job_result_fault(JOB_DOWNLOAD, 9013), 9010);
        assert_int_equal(job_result_fault(JOB_DOWNLOAD, 9003), 9010);
        assert_int_equal(job_result_fault(JOB_UPLOAD, 9013), 9011);
        assert_int_equal(job_result_fault(JOB_UPLOAD, 9012), 9012);
        assert_int_equal(job_result_fault(JOB_SCHEDULE_DOWNLOAD, 9020), 9020);
        assert_int_equal(job_result_fault(JOB_DOWNLOAD, 9850), 9850);
        assert_int_equal(job_complete(j, 1, 9013, "%s", "ftp is not supported"), 0);
        assert_int_equal(j->fault_code, 9010);
        assert_string_equal(j->fault_string, "ftp is not supported");
        job_free(j);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_round_trip),
                cmocka_unit_test(test_damaged_record_is_set_aside),
                cmocka_unit_test(test_autonomous_jobs_are_not_requests),
                cmocka_unit_test(test_fault_string_is_bounded),
                cmocka_unit_test(test_result_faults_fit_transfer_complete),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
