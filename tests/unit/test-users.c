/* SPDX-License-Identifier: MIT */
/* Device.Users. over a fake /etc and /proc. */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fake-tree.h"
#include "store.h"
#include "users.h"
#include "util.h"

#define USER  "Device.Users.User."
#define GROUP "Device.Users.Group."

struct fake {
        char root[64], etc[128], proc[128], state[128];
};

static int setup_fake(void **state)
{
        struct fake *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        snprintf(f->root, sizeof(f->root), "/tmp/test-users-XXXXXX");
        assert_non_null(mkdtemp(f->root));
        snprintf(f->etc, sizeof(f->etc), "%s/etc", f->root);
        snprintf(f->proc, sizeof(f->proc), "%s/proc", f->root);
        snprintf(f->state, sizeof(f->state), "%s/state", f->root);
        assert_int_equal(store_mkdir_p(f->state), 0);
        fake_tree_write_text(
                f->etc, "passwd",
                "root:x:0:0:root:/root:/bin/sh\n"
                "# a comment\n"
                "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
                "alice:x:1000:1000:Alice:/home/alice:/bin/sh\n"
                "old:$6$salt$hash:1001:100::/home/old:/bin/sh\n"
                "broken:x:nope:1::/:/bin/sh\n"
                "root:x:5:5:again:/:/bin/sh\n"
                "a-name-that-is-far-too-long-for-tr-181-which-allows-sixty-four-chars:x:7:7::"
                "/:/bin/sh\n");
        fake_tree_write_text(f->etc, "group",
                             "root:x:0:\ndaemon:x:1:\nusers:x:100:alice\nalice:x:1000:\n"
                             "video:x:44:daemon,alice\n");
        fake_tree_write_text(f->etc, "shadow",
                             "root:$y$j9T$abc:19000:0:99999:7:::\n"
                             "daemon:*:19000:0:99999:7:::\n"
                             "alice:!$y$j9T$locked:19000:0:99999:7:::\n");
        fake_tree_write_text(f->proc, "sys/kernel/cap_last_cap", "2\n");
        *state = f;
        return 0;
}

static int teardown_fake(void **state)
{
        struct fake *f = *state;
        fake_tree_remove(f->root);
        free(f);
        return 0;
}

static char *value(struct users *u, const char *name)
{
        char *v = NULL;
        int r = users_get(u, name, &v);
        if (r < 0)
                fail_msg("%s: %s", name, strerror(-r));
        return v;
}

static void assert_value(struct users *u, const char *name, const char *want)
{
        char *v = value(u, name);
        if (!streq(v, want))
                fail_msg("%s: \"%s\", want \"%s\"", name, v, want);
        free(v);
}

/* The instance whose NAME_FIELD is `name` in `table`. */
static unsigned instance_of(struct users *u, const char *table, const char *field, const char *name)
{
        struct strv rows = {};
        unsigned found = 0;
        assert_int_equal(users_get_instances(u, table, &rows), 0);
        for (size_t i = 0; !found && i < rows.n; i++) {
                char key[256];
                snprintf(key, sizeof(key), "%s%s", rows.v[i], field);
                char *v = value(u, key);
                if (streq(v, name))
                        found = (unsigned)strtoul(rows.v[i] + strlen(table), NULL, 10);
                free(v);
        }
        strv_done(&rows);
        return found;
}

static void test_accounts(void **state)
{
        struct fake *f = *state;
        struct users *u;
        char name[256];

        assert_int_equal(users_new(f->etc, f->proc, f->state, &u), 0);
        /* Comments, malformed lines, a second root and a name beyond 64 characters: out. */
        assert_value(u, "Device.Users.UserNumberOfEntries", "4");
        assert_value(u, "Device.Users.GroupNumberOfEntries", "5");
        assert_value(u, "Device.Users.SupportedCapabilities",
                     "CAP_CHOWN,CAP_DAC_OVERRIDE,CAP_DAC_READ_SEARCH");
        unsigned root = instance_of(u, USER, "Username", "root");
        unsigned daemon = instance_of(u, USER, "Username", "daemon");
        unsigned alice = instance_of(u, USER, "Username", "alice");
        unsigned old = instance_of(u, USER, "Username", "old");
        assert_true(root && daemon && alice && old);
        snprintf(name, sizeof(name), USER "%u.UserID", root);
        assert_value(u, name, "0");
        snprintf(name, sizeof(name), USER "%u.Enable", root);
        assert_value(u, name, "true");
        snprintf(name, sizeof(name), USER "%u.Enable", daemon);
        assert_value(u, name, "false");
        snprintf(name, sizeof(name), USER "%u.Enable", alice);
        assert_value(u, name, "false");
        /* No shadow entry: the hash in passwd itself. */
        snprintf(name, sizeof(name), USER "%u.Enable", old);
        assert_value(u, name, "true");
        snprintf(name, sizeof(name), USER "%u.Password", alice);
        char *v = NULL;
        assert_int_equal(users_get(u, name, &v), -ENOENT);

        unsigned users_group = instance_of(u, GROUP, "Groupname", "users");
        unsigned alice_group = instance_of(u, GROUP, "Groupname", "alice");
        unsigned video = instance_of(u, GROUP, "Groupname", "video");
        char want[256];
        snprintf(name, sizeof(name), USER "%u.GroupParticipation", alice);
        snprintf(want, sizeof(want), GROUP "%u," GROUP "%u," GROUP "%u", users_group, alice_group,
                 video);
        assert_value(u, name, want);
        snprintf(name, sizeof(name), GROUP "%u.GroupID", video);
        assert_value(u, name, "44");
        snprintf(name, sizeof(name), USER "%u.StaticUser", alice);
        assert_value(u, name, "true");
        users_free(u);

        /* A user leaves, one comes; without the shadow file Enable is not known. */
        fake_tree_write_text(
                f->etc, "passwd",
                "zed:x:1002:1002::/:/bin/sh\nalice:x:1000:1000:Alice:/home/alice:/bin/sh\n");
        snprintf(name, sizeof(name), "%s/shadow", f->etc);
        assert_int_equal(unlink(name), 0);
        assert_int_equal(users_new(f->etc, f->proc, f->state, &u), 0);
        assert_int_equal(instance_of(u, USER, "Username", "alice"), alice);
        unsigned zed = instance_of(u, USER, "Username", "zed");
        assert_true(zed > root && zed > daemon && zed > alice && zed > old);
        snprintf(name, sizeof(name), USER "%u.Enable", alice);
        assert_int_equal(users_get(u, name, &v), -ENOENT);
        snprintf(name, sizeof(name), USER "%u.Username", root);
        assert_int_equal(users_get(u, name, &v), -ENOENT);
        users_free(u);
}

static void test_no_files(void **state)
{
        struct fake *f = *state;
        char missing[256];
        struct users *u;
        struct strv rows = {};
        snprintf(missing, sizeof(missing), "%s/none", f->root);
        assert_int_equal(users_new(missing, missing, NULL, &u), 0);
        assert_value(u, "Device.Users.UserNumberOfEntries", "0");
        assert_int_equal(users_get_instances(u, "Device.", &rows), 0);
        assert_int_equal(rows.n, 0);
        char *v = NULL;
        assert_int_equal(users_get(u, "Device.Users.SupportedCapabilities", &v), -ENOENT);
        users_free(u);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_accounts, setup_fake, teardown_fake),
                cmocka_unit_test_setup_teardown(test_no_files, setup_fake, teardown_fake),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
