/* SPDX-License-Identifier: MIT */
#include <dirent.h>
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

#include "events.h"
#include "kvmap.h"
#include "store.h"
#include "util.h"

struct fixture {
        char dir[64];
        char path[128];
        struct events *q;
};

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        snprintf(f->dir, sizeof(f->dir), "/tmp/test-events-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        snprintf(f->path, sizeof(f->path), "%s/events.store", f->dir);
        assert_int_equal(events_open(f->dir, &f->q), 0);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;
        events_free(f->q);
        (void)unlink(f->path);
        DIR *d = opendir(f->dir);
        if (d) {
                struct dirent *de;
                while ((de = readdir(d))) {
                        char p[512];
                        if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                                continue;
                        snprintf(p, sizeof(p), "%s/%s", f->dir, de->d_name);
                        (void)unlink(p);
                }
                closedir(d);
        }
        (void)rmdir(f->dir);
        free(f);
        return 0;
}

/* The queue as "code/command key" items, in order: "1 BOOT/,M Download/k1". */
static char *describe(const struct events *q)
{
        struct buf b = {};
        size_t n;
        const struct event *e = events_list(q, &n);

        assert_int_equal(n, events_count(q));
        for (size_t i = 0; i < n; i++)
                assert_int_equal(
                        buf_printf(&b, "%s%s/%s", i ? "," : "", e[i].code, e[i].command_key), 0);
        if (!b.data)
                return strdup("");
        return buf_steal(&b);
}

static void assert_queue(const struct events *q, const char *expected)
{
        char *s = describe(q);
        assert_string_equal(s, expected);
        free(s);
}

/* What a restarted cwmpd would load is what the queue holds now. */
static void assert_on_disk(struct fixture *f)
{
        struct events *again = NULL;
        char *now = describe(f->q), *loaded;

        assert_int_equal(events_open(f->dir, &again), 0);
        loaded = describe(again);
        assert_string_equal(loaded, now);
        free(loaded);
        free(now);
        events_free(again);
}

static void add_ok(struct events *q, const char *code, const char *key)
{
        assert_int_equal(events_add(q, code, key, NULL), 0);
}

/* ---- codes ---- */

static void test_valid_codes(void **state)
{
        struct fixture *f = *state;
        static const char *const standard[] = {
                "0 BOOTSTRAP",
                "1 BOOT",
                "2 PERIODIC",
                "3 SCHEDULED",
                "4 VALUE CHANGE",
                "5 KICKED",
                "6 CONNECTION REQUEST",
                "7 TRANSFER COMPLETE",
                "8 DIAGNOSTICS COMPLETE",
                "9 REQUEST DOWNLOAD",
                "10 AUTONOMOUS TRANSFER COMPLETE",
                "11 DU STATE CHANGE COMPLETE",
                "12 AUTONOMOUS DU STATE CHANGE COMPLETE",
                "13 WAKEUP",
                "14 HEARTBEAT",
        };

        /* BOOTSTRAP first: it would drop what came before it */
        for (size_t i = 0; i < ELEMENTSOF(standard); i++)
                add_ok(f->q, standard[i], "");
        add_ok(f->q, "M Reboot", "rb-1");
        add_ok(f->q, "M X_00D09E_Frobnicate", "");
        add_ok(f->q, "X 00D09E Fan Failure", "");
        add_ok(f->q, "X ACME overheated", "k");
        assert_int_equal(events_count(f->q), ELEMENTSOF(standard) + 4);
        for (size_t i = 0; i < ELEMENTSOF(standard); i++)
                assert_true(events_has(f->q, standard[i]));
        assert_true(events_has(f->q, "X 00D09E Fan Failure"));
        assert_on_disk(f);
}

static void test_invalid_codes(void **state)
{
        struct fixture *f = *state;
        static const char *const bad[] = {
                "",
                "BOOT",
                "1",
                "1 ",
                "1 boot",
                "1 BOOTS",
                "1  BOOT",
                " 1 BOOT",
                "1 BOOT ",
                "01 BOOT",
                "2 BOOT",
                "15 NEW EVENT",
                "14 HEARTBEAT\n",
                "M",
                "M ",
                "M Down load",
                "M Download\t",
                "m Download",
                "X",
                "X 00D09E",
                "X 00D09E ",
                "X  Fan",
                "X 00D09E Fan\nFailure",
                "Y 00D09E Fan",
        };

        char longest[66] = "M X_00D09E_";

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                assert_int_equal(events_add(f->q, bad[i], "", NULL), -EINVAL);
                assert_false(events_has(f->q, bad[i]));
        }
        assert_int_equal(events_add(f->q, NULL, "", NULL), -EINVAL);
        /* EventCode is string(64) */
        memset(longest + strlen(longest), 'a', 65 - strlen(longest));
        assert_int_equal(strlen(longest), 65);
        assert_int_equal(events_add(f->q, longest, "", NULL), -EINVAL);
        longest[64] = '\0';
        add_ok(f->q, longest, "");
        assert_int_equal(events_count(f->q), 1);
        /* a refused add writes nothing new */
        assert_on_disk(f);
}

static void test_command_keys(void **state)
{
        struct fixture *f = *state;

        /* non-M events carry an empty CommandKey; NULL is the same as "" */
        assert_int_equal(events_add(f->q, "1 BOOT", "rb-1", NULL), -EINVAL);
        assert_int_equal(events_add(f->q, "1 BOOT", NULL, NULL), 0);
        /* CommandKey is string(32): characters, not bytes */
        assert_int_equal(events_add(f->q, "M Download", "123456789012345678901234567890123", NULL),
                         -EINVAL);
        add_ok(f->q, "M Download", "12345678901234567890123456789012");
        add_ok(f->q, "M Upload",
               "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
               "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
               "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
               "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");
        /* keys with characters the store escapes come back intact */
        add_ok(f->q, "M Reboot", "a\tb\nc\\d");
        assert_queue(f->q, "1 BOOT/,M Download/12345678901234567890123456789012,M Upload/"
                           "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                           "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                           "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                           "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                           ",M Reboot/a\tb\nc\\d");
        assert_on_disk(f);
}

/* ---- single and multiple ---- */

static void test_single_once(void **state)
{
        struct fixture *f = *state;

        assert_int_equal(events_add(f->q, "1 BOOT", "", NULL), 0);
        assert_int_equal(events_add(f->q, "1 BOOT", "", NULL), 1);
        assert_int_equal(events_add(f->q, "4 VALUE CHANGE", "", NULL), 0);
        assert_int_equal(events_add(f->q, "4 VALUE CHANGE", "", NULL), 1);
        assert_int_equal(events_add(f->q, "1 BOOT", "", NULL), 1);
        assert_queue(f->q, "1 BOOT/,4 VALUE CHANGE/");
        assert_on_disk(f);
}

static void test_multiple_once_per_key(void **state)
{
        struct fixture *f = *state;

        assert_int_equal(events_add(f->q, "M Download", "a", NULL), 0);
        assert_int_equal(events_add(f->q, "M Download", "a", NULL), 1);
        assert_int_equal(events_add(f->q, "M Download", "b", NULL), 0);
        assert_int_equal(events_add(f->q, "M Download", "", NULL), 0);
        assert_int_equal(events_add(f->q, "M Download", "", NULL), 1);
        assert_int_equal(events_add(f->q, "M Upload", "a", NULL), 0);
        assert_int_equal(events_add(f->q, "X 00D09E Foo", "a", NULL), 0);
        assert_int_equal(events_add(f->q, "X 00D09E Foo", "a", NULL), 1);
        assert_queue(f->q, "M Download/a,M Download/b,M Download/,M Upload/a,X 00D09E Foo/a");
        assert_true(events_has(f->q, "M Download"));
        assert_false(events_has(f->q, "M Reboot"));
        assert_on_disk(f);
}

/* ---- BOOTSTRAP ---- */

static void test_bootstrap_drops_the_rest(void **state)
{
        struct fixture *f = *state;

        add_ok(f->q, "1 BOOT", "");
        add_ok(f->q, "M Reboot", "r");
        add_ok(f->q, "7 TRANSFER COMPLETE", "");
        add_ok(f->q, "M Download", "d");
        assert_int_equal(events_mark_sent(f->q), 0); /* sent but undelivered goes too */
        add_ok(f->q, "4 VALUE CHANGE", "");
        add_ok(f->q, "0 BOOTSTRAP", "");
        assert_queue(f->q, "0 BOOTSTRAP/");
        assert_on_disk(f);

        /* what comes after it stays */
        add_ok(f->q, "1 BOOT", "");
        assert_int_equal(events_add(f->q, "0 BOOTSTRAP", "", NULL), 1);
        assert_queue(f->q, "0 BOOTSTRAP/,1 BOOT/");
        assert_on_disk(f);
}

static void test_bootstrap_never_dropped(void **state)
{
        struct fixture *f = *state;

        add_ok(f->q, "0 BOOTSTRAP", "");
        add_ok(f->q, "1 BOOT", "");
        assert_int_equal(events_mark_sent(f->q), 0);
        assert_int_equal(events_session_failed(f->q), 0);
        assert_int_equal(events_booted(f->q), 0);
        assert_queue(f->q, "0 BOOTSTRAP/");
        /* nor by overflow */
        for (int i = 0; i < 2 * EVENTS_MAX; i++) {
                char key[16];
                snprintf(key, sizeof(key), "k%d", i);
                add_ok(f->q, "M Download", key);
        }
        assert_int_equal(events_count(f->q), EVENTS_MAX);
        assert_true(events_has(f->q, "0 BOOTSTRAP"));
        assert_on_disk(f);

        /* an InformResponse is what delivers it */
        assert_int_equal(events_clear(f->q), 0);
        add_ok(f->q, "0 BOOTSTRAP", "");
        add_ok(f->q, "1 BOOT", "");
        assert_int_equal(events_mark_sent(f->q), 0);
        assert_int_equal(events_delivered(f->q), 0);
        assert_int_equal(events_count(f->q), 0);
        assert_on_disk(f);
}

/* ---- delivery ---- */

static void test_delivered(void **state)
{
        struct fixture *f = *state;
        const struct event *e;
        size_t n;

        add_ok(f->q, "1 BOOT", "");
        add_ok(f->q, "M Reboot", "r1");
        add_ok(f->q, "2 PERIODIC", "");
        add_ok(f->q, "7 TRANSFER COMPLETE", "");
        add_ok(f->q, "M Download", "d1");
        add_ok(f->q, "M Upload", "u1");
        add_ok(f->q, "M ScheduleDownload", "s1");
        add_ok(f->q, "10 AUTONOMOUS TRANSFER COMPLETE", "");
        add_ok(f->q, "11 DU STATE CHANGE COMPLETE", "");
        add_ok(f->q, "M ChangeDUState", "c1");
        add_ok(f->q, "12 AUTONOMOUS DU STATE CHANGE COMPLETE", "");
        add_ok(f->q, "X 00D09E Foo", "");
        assert_int_equal(events_mark_sent(f->q), 0);
        e = events_list(f->q, &n);
        assert_int_equal(n, 12);
        for (size_t i = 0; i < n; i++)
                assert_true(e[i].sent);

        /* arrives while the Inform is on its way: not carried, not delivered */
        add_ok(f->q, "4 VALUE CHANGE", "");
        e = events_list(f->q, &n);
        assert_false(e[n - 1].sent);

        assert_int_equal(events_delivered(f->q), 0);
        assert_queue(f->q, "7 TRANSFER COMPLETE/,M Download/d1,M Upload/u1,M ScheduleDownload/s1,"
                           "10 AUTONOMOUS TRANSFER COMPLETE/,11 DU STATE CHANGE COMPLETE/,"
                           "M ChangeDUState/c1,12 AUTONOMOUS DU STATE CHANGE COMPLETE/,"
                           "4 VALUE CHANGE/");
        /* what stays is no longer carried by an Inform in progress */
        e = events_list(f->q, &n);
        for (size_t i = 0; i < n; i++)
                assert_false(e[i].sent);
        assert_on_disk(f);

        /* nothing sent: nothing delivered */
        assert_int_equal(events_delivered(f->q), 0);
        assert_int_equal(events_count(f->q), 9);
}

static void test_acknowledged(void **state)
{
        struct fixture *f = *state;

        add_ok(f->q, "7 TRANSFER COMPLETE", "");
        add_ok(f->q, "M Download", "a");
        add_ok(f->q, "M Download", "b");
        add_ok(f->q, "M Upload", "a");
        add_ok(f->q, "10 AUTONOMOUS TRANSFER COMPLETE", "");
        add_ok(f->q, "11 DU STATE CHANGE COMPLETE", "");
        add_ok(f->q, "M ChangeDUState", "");
        assert_int_equal(events_mark_sent(f->q), 0);
        assert_int_equal(events_delivered(f->q), 0);
        assert_int_equal(events_count(f->q), 7);

        /* one TransferCompleteResponse per command key; 7 stays while others wait */
        assert_int_equal(events_acknowledged(f->q, "7 TRANSFER COMPLETE", "M Download", "a"), 0);
        assert_queue(f->q, "7 TRANSFER COMPLETE/,M Download/b,M Upload/a,"
                           "10 AUTONOMOUS TRANSFER COMPLETE/,11 DU STATE CHANGE COMPLETE/,"
                           "M ChangeDUState/");
        assert_on_disk(f);
        assert_int_equal(events_acknowledged(f->q, "7 TRANSFER COMPLETE", "M Upload", "a"), 0);
        assert_true(events_has(f->q, "7 TRANSFER COMPLETE"));
        assert_int_equal(events_acknowledged(f->q, "7 TRANSFER COMPLETE", "M Download", "b"), 0);
        assert_false(events_has(f->q, "7 TRANSFER COMPLETE"));
        assert_false(events_has(f->q, "M Download"));

        assert_int_equal(events_acknowledged(f->q, "10 AUTONOMOUS TRANSFER COMPLETE", NULL, NULL),
                         0);
        assert_int_equal(
                events_acknowledged(f->q, "11 DU STATE CHANGE COMPLETE", "M ChangeDUState", ""), 0);
        assert_int_equal(events_count(f->q), 0);
        assert_on_disk(f);

        /* again: nothing left to drop, not an error */
        assert_int_equal(events_acknowledged(f->q, "7 TRANSFER COMPLETE", "M Download", "a"), 0);
        assert_int_equal(events_acknowledged(f->q, "7 TRANSFER", "M Download", "a"), -EINVAL);
        assert_int_equal(events_acknowledged(f->q, "7 TRANSFER COMPLETE", "2 PERIODIC", ""),
                         -EINVAL);
}

static void test_session_failed(void **state)
{
        struct fixture *f = *state;
        const struct event *e;
        size_t n;

        add_ok(f->q, "2 PERIODIC", "");
        add_ok(f->q, "6 CONNECTION REQUEST", "");
        add_ok(f->q, "14 HEARTBEAT", "");
        add_ok(f->q, "M Reboot", "r");
        assert_int_equal(events_mark_sent(f->q), 0);
        assert_int_equal(events_session_failed(f->q), 0);
        assert_queue(f->q, "2 PERIODIC/,M Reboot/r");
        e = events_list(f->q, &n);
        for (size_t i = 0; i < n; i++)
                assert_false(e[i].sent);
        assert_on_disk(f);

        /* a connection request that came during the failed session still wants a session */
        assert_int_equal(events_mark_sent(f->q), 0);
        add_ok(f->q, "6 CONNECTION REQUEST", "");
        assert_int_equal(events_session_failed(f->q), 0);
        assert_queue(f->q, "2 PERIODIC/,M Reboot/r,6 CONNECTION REQUEST/");
        assert_on_disk(f);
}

static void test_booted(void **state)
{
        struct fixture *f = *state;

        add_ok(f->q, "0 BOOTSTRAP", "");
        add_ok(f->q, "1 BOOT", "");
        add_ok(f->q, "2 PERIODIC", "");
        add_ok(f->q, "3 SCHEDULED", "");
        add_ok(f->q, "M ScheduleInform", "s");
        add_ok(f->q, "4 VALUE CHANGE", "");
        add_ok(f->q, "6 CONNECTION REQUEST", "");
        add_ok(f->q, "7 TRANSFER COMPLETE", "");
        add_ok(f->q, "M Download", "d");
        add_ok(f->q, "8 DIAGNOSTICS COMPLETE", "");
        add_ok(f->q, "M Reboot", "r");
        add_ok(f->q, "14 HEARTBEAT", "");
        add_ok(f->q, "X 00D09E Foo", "");
        assert_int_equal(events_mark_sent(f->q), 0);
        assert_int_equal(events_booted(f->q), 0);
        assert_queue(f->q, "0 BOOTSTRAP/,2 PERIODIC/,3 SCHEDULED/,M ScheduleInform/s,"
                           "7 TRANSFER COMPLETE/,M Download/d,M Reboot/r,X 00D09E Foo/");
        assert_false(events_list(f->q, NULL)[0].sent);
        assert_on_disk(f);
}

static void test_clear(void **state)
{
        struct fixture *f = *state;

        add_ok(f->q, "0 BOOTSTRAP", "");
        add_ok(f->q, "M Download", "d");
        assert_int_equal(events_clear(f->q), 0);
        assert_int_equal(events_count(f->q), 0);
        assert_on_disk(f);
        add_ok(f->q, "0 BOOTSTRAP", "");
        assert_queue(f->q, "0 BOOTSTRAP/");
}

/* ---- limits ---- */

static void test_limit_drops_oldest_m(void **state)
{
        struct fixture *f = *state;
        const struct event *e;
        size_t n;

        add_ok(f->q, "1 BOOT", "");
        add_ok(f->q, "X 00D09E Foo", "x0");
        for (int i = 0; i < EVENTS_MAX + 10; i++) {
                char key[16];
                snprintf(key, sizeof(key), "k%d", i);
                add_ok(f->q, "M Download", key);
                assert_true(events_count(f->q) <= EVENTS_MAX);
        }
        e = events_list(f->q, &n);
        assert_int_equal(n, EVENTS_MAX);
        /* BOOT and the vendor event stay; the first M events went */
        assert_string_equal(e[0].code, "1 BOOT");
        assert_string_equal(e[1].code, "X 00D09E Foo");
        assert_string_equal(e[2].command_key, "k12");
        assert_string_equal(e[n - 1].command_key, "k73");
        for (size_t i = 1; i < n; i++)
                assert_true(e[i].seq > e[i - 1].seq);
        assert_on_disk(f);

        /* without M events, the oldest vendor events make room */
        assert_int_equal(events_clear(f->q), 0);
        add_ok(f->q, "2 PERIODIC", "");
        for (int i = 0; i < EVENTS_MAX; i++) {
                char key[16];
                snprintf(key, sizeof(key), "x%d", i);
                add_ok(f->q, "X 00D09E Foo", key);
        }
        e = events_list(f->q, &n);
        assert_int_equal(n, EVENTS_MAX);
        assert_string_equal(e[0].code, "2 PERIODIC");
        assert_string_equal(e[1].command_key, "x1");
        add_ok(f->q, "M Reboot", "r");
        e = events_list(f->q, &n);
        assert_int_equal(n, EVENTS_MAX);
        assert_string_equal(e[1].command_key, "x2");
        assert_string_equal(e[n - 1].code, "M Reboot");
        /* an M event is the first to go, even a newer one */
        add_ok(f->q, "X 00D09E Bar", "");
        assert_false(events_has(f->q, "M Reboot"));
        assert_true(events_has(f->q, "X 00D09E Bar"));
        assert_on_disk(f);
}

/* ---- producer keys ---- */

static void test_producer_key(void **state)
{
        struct fixture *f = *state;

        assert_int_equal(events_add(f->q, "7 TRANSFER COMPLETE", "", "fwupd-bridge/transfer/abc"),
                         0);
        assert_int_equal(events_add(f->q, "M Download", "abc", "fwupd-bridge/transfer/abc/m"), 0);
        /* the producer retries: no duplicate, even of an M event with another key */
        assert_int_equal(events_add(f->q, "M Download", "abc", "fwupd-bridge/transfer/abc/m"), 1);
        assert_int_equal(events_add(f->q, "M Download", "other", "fwupd-bridge/transfer/abc/m"), 1);
        assert_queue(f->q, "7 TRANSFER COMPLETE/,M Download/abc");
        assert_on_disk(f);

        /* across a restart */
        events_free(f->q);
        f->q = NULL;
        assert_int_equal(events_open(f->dir, &f->q), 0);
        assert_int_equal(events_add(f->q, "M Download", "abc", "fwupd-bridge/transfer/abc/m"), 1);
        assert_int_equal(events_count(f->q), 2);

        /* and after the ACS had it: a late retry does not bring it back */
        assert_int_equal(events_mark_sent(f->q), 0);
        assert_int_equal(events_delivered(f->q), 0);
        assert_int_equal(events_acknowledged(f->q, "7 TRANSFER COMPLETE", "M Download", "abc"), 0);
        assert_int_equal(events_count(f->q), 0);
        assert_int_equal(events_add(f->q, "7 TRANSFER COMPLETE", "", "fwupd-bridge/transfer/abc"),
                         1);
        assert_int_equal(events_add(f->q, "M Download", "abc", "fwupd-bridge/transfer/abc/m"), 1);
        assert_int_equal(events_count(f->q), 0);
        events_free(f->q);
        f->q = NULL;
        assert_int_equal(events_open(f->dir, &f->q), 0);
        assert_int_equal(events_add(f->q, "M Download", "abc", "fwupd-bridge/transfer/abc/m"), 1);
        assert_int_equal(events_count(f->q), 0);

        /* an event that stood in for the producer's counts as its hand-off */
        add_ok(f->q, "8 DIAGNOSTICS COMPLETE", "");
        assert_int_equal(events_add(f->q, "8 DIAGNOSTICS COMPLETE", "", "diagd/ping/1"), 1);
        assert_int_equal(events_mark_sent(f->q), 0);
        assert_int_equal(events_delivered(f->q), 0);
        assert_int_equal(events_add(f->q, "8 DIAGNOSTICS COMPLETE", "", "diagd/ping/1"), 1);
        assert_int_equal(events_count(f->q), 0);

        /* other keys are other hand-offs */
        assert_int_equal(events_add(f->q, "8 DIAGNOSTICS COMPLETE", "", "diagd/ping/2"), 0);
        assert_int_equal(events_count(f->q), 1);
        assert_on_disk(f);
}

/* ---- persistence ---- */

static void test_persistence(void **state)
{
        struct fixture *f = *state;
        const struct event *e;
        struct stat st;
        size_t n;

        /* nothing is created until the first change */
        assert_int_equal(stat(f->path, &st), -1);
        assert_int_equal(events_mark_sent(f->q), 0);
        assert_int_equal(stat(f->path, &st), -1);

        add_ok(f->q, "1 BOOT", "");
        assert_int_equal(stat(f->path, &st), 0);
        add_ok(f->q, "M Reboot", "reboot-7");
        assert_int_equal(events_add(f->q, "X 00D09E Foo", "", "p/1"), 0);
        assert_int_equal(events_mark_sent(f->q), 0);

        events_free(f->q);
        f->q = NULL;
        assert_int_equal(events_open(f->dir, &f->q), 0);
        e = events_list(f->q, &n);
        assert_int_equal(n, 3);
        assert_string_equal(e[0].code, "1 BOOT");
        assert_string_equal(e[0].command_key, "");
        assert_string_equal(e[1].code, "M Reboot");
        assert_string_equal(e[1].command_key, "reboot-7");
        assert_string_equal(e[2].code, "X 00D09E Foo");
        assert_string_equal(e[2].producer_key, "p/1");
        /* the Inform in progress died with the process */
        for (size_t i = 0; i < n; i++)
                assert_false(e[i].sent);
        assert_true(e[0].seq < e[1].seq && e[1].seq < e[2].seq);

        /* arrival order goes on after a restart */
        uint64_t last = e[2].seq;
        add_ok(f->q, "2 PERIODIC", "");
        e = events_list(f->q, &n);
        assert_true(e[3].seq > last);
        assert_int_equal(events_delivered(f->q), 0); /* nothing was sent in this life */
        assert_int_equal(events_count(f->q), 4);
}

static void test_missing_dir(void **state)
{
        struct events *q = NULL;
        char dir[160];
        struct fixture *f = *state;

        /* a state directory that does not exist yet is made at the first change */
        snprintf(dir, sizeof(dir), "%s/sub", f->dir);
        assert_int_equal(events_open(dir, &q), 0);
        assert_int_equal(access(dir, F_OK), -1);
        add_ok(q, "1 BOOT", "");
        events_free(q);
        q = NULL;
        assert_int_equal(events_open(dir, &q), 0);
        assert_true(events_has(q, "1 BOOT"));
        events_free(q);
        snprintf(dir, sizeof(dir), "%s/sub/events.store", f->dir);
        assert_int_equal(unlink(dir), 0);
        snprintf(dir, sizeof(dir), "%s/sub", f->dir);
        assert_int_equal(rmdir(dir), 0);
}

static void test_failed_write_changes_nothing(void **state)
{
        struct fixture *f = *state;
        char dir[160];
        struct events *q = NULL;
        int fd;

        /* the state directory turns into a file: every change fails and is not made */
        snprintf(dir, sizeof(dir), "%s/gone", f->dir);
        assert_int_equal(mkdir(dir, 0700), 0);
        assert_int_equal(events_open(dir, &q), 0);
        add_ok(q, "1 BOOT", "");
        assert_int_equal(events_mark_sent(q), 0);
        char store[200];
        snprintf(store, sizeof(store), "%s/events.store", dir);
        assert_int_equal(unlink(store), 0);
        assert_int_equal(rmdir(dir), 0);
        fd = open(dir, O_CREAT | O_WRONLY, 0600);
        assert_true(fd >= 0);
        close(fd);

        assert_true(events_add(q, "2 PERIODIC", "", NULL) < 0);
        assert_true(events_delivered(q) < 0);
        assert_true(events_clear(q) < 0);
        assert_queue(q, "1 BOOT/");
        assert_true(events_list(q, NULL)[0].sent);
        events_free(q);
        assert_int_equal(unlink(dir), 0);
}

static void write_file(const char *path, const char *data, size_t len)
{
        assert_int_equal(store_write_atomic(path, data, len), 0);
}

static void test_damaged_file(void **state)
{
        struct fixture *f = *state;
        struct events *q = NULL;
        char *data = NULL;
        size_t len;

        add_ok(f->q, "1 BOOT", "");
        add_ok(f->q, "M Reboot", "r");
        assert_int_equal(store_read_file(f->path, STORE_MAX_FILE_SIZE, &data, &len), 0);

        /* truncated */
        write_file(f->path, data, len / 2);
        assert_int_equal(events_open(f->dir, &q), -EBADMSG);
        assert_null(q);
        /* one byte changed */
        char *edited = strdup(data);
        assert_non_null(edited);
        char *p = strstr(edited, "Reboot");
        assert_non_null(p);
        p[0] = 'X';
        write_file(f->path, edited, len);
        assert_int_equal(events_open(f->dir, &q), -EBADMSG);
        free(edited);
        /* garbage */
        write_file(f->path, "hello\n", 6);
        assert_int_equal(events_open(f->dir, &q), -EBADMSG);
        /* the original is fine */
        write_file(f->path, data, len);
        assert_int_equal(events_open(f->dir, &q), 0);
        assert_int_equal(events_count(q), 2);
        events_free(q);
        q = NULL;
        free(data);
}

/* A well-formed store file whose content is not a queue. */
static void expect_refused(struct fixture *f, const char *const *records)
{
        _cleanup_kvmap_ struct kvmap *m = kvmap_new();
        struct events *q = NULL;

        assert_non_null(m);
        for (size_t i = 0; records[i]; i += 2)
                assert_int_equal(kvmap_set(m, records[i], records[i + 1]), 0);
        assert_int_equal(store_save(f->path, m), 0);
        assert_int_equal(events_open(f->dir, &q), -EBADMSG);
        assert_null(q);
}

static void test_bad_content(void **state)
{
        struct fixture *f = *state;
        static const char *const good[] = {"next-seq",
                                           "2",
                                           "event.1.code",
                                           "1 BOOT",
                                           "event.1.command-key",
                                           "",
                                           "event.1.producer-key",
                                           "",
                                           NULL};
        static const char *const bad_code[] = {"next-seq",
                                               "2",
                                               "event.1.code",
                                               "1 BOOTS",
                                               "event.1.command-key",
                                               "",
                                               "event.1.producer-key",
                                               "",
                                               NULL};
        static const char *const missing_field[] = {
                "next-seq", "2", "event.1.code", "1 BOOT", "event.1.command-key", "", NULL};
        static const char *const seq_ahead[] = {"next-seq",
                                                "1",
                                                "event.1.code",
                                                "1 BOOT",
                                                "event.1.command-key",
                                                "",
                                                "event.1.producer-key",
                                                "",
                                                NULL};
        static const char *const no_seq[] = {"event.1.code",
                                             "1 BOOT",
                                             "event.1.command-key",
                                             "",
                                             "event.1.producer-key",
                                             "",
                                             NULL};
        static const char *const twice[] = {"next-seq",
                                            "3",
                                            "event.1.code",
                                            "1 BOOT",
                                            "event.1.command-key",
                                            "",
                                            "event.1.producer-key",
                                            "",
                                            "event.2.code",
                                            "1 BOOT",
                                            "event.2.command-key",
                                            "",
                                            "event.2.producer-key",
                                            "",
                                            NULL};
        static const char *const unknown[] = {"next-seq", "1", "surprise", "", NULL};
        struct events *q = NULL;
        _cleanup_kvmap_ struct kvmap *m = kvmap_new();

        expect_refused(f, bad_code);
        expect_refused(f, missing_field);
        expect_refused(f, seq_ahead);
        expect_refused(f, no_seq);
        expect_refused(f, twice);
        expect_refused(f, unknown);

        assert_non_null(m);
        for (size_t i = 0; good[i]; i += 2)
                assert_int_equal(kvmap_set(m, good[i], good[i + 1]), 0);
        assert_int_equal(store_save(f->path, m), 0);
        assert_int_equal(events_open(f->dir, &q), 0);
        assert_true(events_has(q, "1 BOOT"));
        events_free(q);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_valid_codes, setup, teardown),
                cmocka_unit_test_setup_teardown(test_invalid_codes, setup, teardown),
                cmocka_unit_test_setup_teardown(test_command_keys, setup, teardown),
                cmocka_unit_test_setup_teardown(test_single_once, setup, teardown),
                cmocka_unit_test_setup_teardown(test_multiple_once_per_key, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bootstrap_drops_the_rest, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bootstrap_never_dropped, setup, teardown),
                cmocka_unit_test_setup_teardown(test_delivered, setup, teardown),
                cmocka_unit_test_setup_teardown(test_acknowledged, setup, teardown),
                cmocka_unit_test_setup_teardown(test_session_failed, setup, teardown),
                cmocka_unit_test_setup_teardown(test_booted, setup, teardown),
                cmocka_unit_test_setup_teardown(test_clear, setup, teardown),
                cmocka_unit_test_setup_teardown(test_limit_drops_oldest_m, setup, teardown),
                cmocka_unit_test_setup_teardown(test_producer_key, setup, teardown),
                cmocka_unit_test_setup_teardown(test_persistence, setup, teardown),
                cmocka_unit_test_setup_teardown(test_missing_dir, setup, teardown),
                cmocka_unit_test_setup_teardown(test_failed_write_changes_nothing, setup, teardown),
                cmocka_unit_test_setup_teardown(test_damaged_file, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bad_content, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
