/* SPDX-License-Identifier: MIT */
/* Device.SoftwareModules. over a fake system tree and package status file. */
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
#include "software-modules.h"
#include "store.h"
#include "util.h"

#define DU "Device.SoftwareModules.DeploymentUnit."

static const char status_text[] =
        "Package: alpha\n"
        "Status: install ok installed\n"
        "Maintainer: Alpha Team <alpha@example.org>\n"
        "Architecture: amd64\n"
        "Version: 1.0-1\n"
        "Description: the first package\n"
        " A longer description that is not served.\n"
        " .\n"
        " More of it.\n"
        "\n"
        "Package: beta\n"
        "Status: deinstall ok config-files\n"
        "Architecture: amd64\n"
        "Version: 2.0\n"
        "\n"
        "Package: gamma\n"
        "Status: install ok half-configured\n"
        "Architecture: all\n"
        "Version: 3.1\n"
        "\n"
        "Package: delta\n"
        "Status: deinstall reinstreq half-installed\n"
        "Version: 4\n"
        "\n"
        "Package: libz\n"
        "Status: install ok installed\n"
        "Architecture: amd64\n"
        "Version: 1:1.2.13.dfsg-1+deb12u1~bpo11+1.really.a.very.long.one\n"
        "\n"
        "Package: libz\n"
        "Status: install ok triggers-pending\n"
        "Architecture: i386\n"
        "Version: 1.2\n";

struct fake {
        char root[64], etc[128], proc[128], state[128], status[128];
};

static int setup_fake(void **state)
{
        struct fake *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        snprintf(f->root, sizeof(f->root), "/tmp/test-sm-XXXXXX");
        assert_non_null(mkdtemp(f->root));
        snprintf(f->etc, sizeof(f->etc), "%s/etc", f->root);
        snprintf(f->proc, sizeof(f->proc), "%s/proc", f->root);
        snprintf(f->state, sizeof(f->state), "%s/state", f->root);
        snprintf(f->status, sizeof(f->status), "%s/var/lib/dpkg/status", f->root);
        assert_int_equal(store_mkdir_p(f->state), 0);
        fake_tree_write_text(
                f->etc, "os-release",
                "NAME=\"Acme Linux\"\nPRETTY_NAME=\"Acme Linux 3 (box)\"\nVERSION_ID=3\n");
        fake_tree_write_text(f->proc, "meminfo",
                             "MemTotal:        2048000 kB\nMemFree:          100000 kB\n"
                             "MemAvailable:     512000 kB\n");
        fake_tree_write_text(f->root, "var/lib/dpkg/status", status_text);
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

static void test_parse_status(void **state)
{
        struct package_list l = {};
        char *text = strdup(status_text);
        assert_non_null(text);
        assert_int_equal(software_modules_parse_status(text, &l), 0);
        /* beta has only its configuration files left. */
        assert_int_equal(l.n, 5);
        assert_string_equal(l.v[0].name, "alpha");
        assert_string_equal(l.v[0].version, "1.0-1");
        assert_string_equal(l.v[0].maintainer, "Alpha Team <alpha@example.org>");
        assert_string_equal(l.v[0].synopsis, "the first package");
        assert_string_equal(l.v[0].status, "Installed");
        assert_true(l.v[0].resolved);
        assert_string_equal(l.v[1].name, "gamma");
        assert_string_equal(l.v[1].status, "Installing");
        assert_false(l.v[1].resolved);
        assert_null(l.v[1].maintainer);
        assert_string_equal(l.v[2].name, "delta");
        assert_string_equal(l.v[2].status, "Uninstalling");
        assert_string_equal(l.v[4].status, "Installed"); /* triggers-pending */
        free(l.v);
        free(text);

        /* No trailing blank line, CRLF line ends, a paragraph without Package. */
        text = strdup("Version: 1\n\nPackage: x\r\nStatus: hold ok installed\r\n");
        assert_int_equal(software_modules_parse_status(text, &l), 0);
        assert_int_equal(l.n, 1);
        assert_string_equal(l.v[0].name, "x");
        free(l.v);
        free(text);

        /* Nothing, lines without a colon, an empty name, a status of the wrong shape. */
        const char *odd[] = {"",
                             "\n\n\n",
                             "garbage\nmore garbage\n",
                             "Package:\nStatus: install ok installed\n",
                             "Package: y\nStatus: installed\n",
                             " Package: z\n"};
        for (size_t i = 0; i < ELEMENTSOF(odd); i++) {
                text = strdup(odd[i]);
                assert_non_null(text);
                assert_int_equal(software_modules_parse_status(text, &l), 0);
                assert_int_equal(l.n, 0);
                free(l.v);
                free(text);
        }
}

static void test_uuid(void **state)
{
        char out[37];
        /* RFC 4122 version 5 in the DNS name space, as Python's uuid.uuid5() computes it. */
        assert_int_equal(
                software_modules_uuid_v5(SOFTWARE_MODULES_UUID_NAMESPACE, "python.org", out), 0);
        assert_string_equal(out, "886313e1-3b8a-5372-9b90-0c9aee199e5d");
        assert_int_equal(software_modules_uuid_v5("not-a-uuid", "x", out), -EINVAL);
        assert_int_equal(software_modules_uuid_v5("6ba7b810-9dad-11d1-80b4-00c04fd430c", "x", out),
                         -EINVAL);
}

static void assert_value(struct software_modules *s, const char *name, const char *want)
{
        char *v = NULL;
        int r = software_modules_get(s, name, &v);
        if (r < 0)
                fail_msg("%s: %s", name, strerror(-r));
        if (!streq(v, want))
                fail_msg("%s: \"%s\", want \"%s\"", name, v, want);
        free(v);
}

/* The instance of a package by Name (and Version, to tell two architectures apart). */
static unsigned instance_of(struct software_modules *s, const char *name, const char *version)
{
        struct strv rows = {};
        unsigned found = 0;
        assert_int_equal(software_modules_get_instances(s, DU, &rows), 0);
        for (size_t i = 0; !found && i < rows.n; i++) {
                char key[256], *n = NULL, *v = NULL;
                snprintf(key, sizeof(key), "%sName", rows.v[i]);
                assert_int_equal(software_modules_get(s, key, &n), 0);
                snprintf(key, sizeof(key), "%sVersion", rows.v[i]);
                assert_int_equal(software_modules_get(s, key, &v), 0);
                if (streq(n, name) && (!version || streq(v, version)))
                        found = (unsigned)strtoul(rows.v[i] + strlen(DU), NULL, 10);
                free(n);
                free(v);
        }
        strv_done(&rows);
        return found;
}

static char *processors(void *userdata)
{
        return strdup("Device.DeviceInfo.Processor.1,Device.DeviceInfo.Processor.2");
}

static void test_values(void **state)
{
        struct fake *f = *state;
        struct software_modules_paths paths = {.proc = f->proc,
                                               .etc = f->etc,
                                               .root = f->root,
                                               .status_file = f->status,
                                               .state_dir = f->state};
        struct software_modules *s;
        char name[256];

        assert_int_equal(software_modules_new(&paths, processors, NULL, &s), 0);
        assert_value(s, "Device.SoftwareModules.ExecEnvNumberOfEntries", "1");
        assert_value(s, "Device.SoftwareModules.DeploymentUnitNumberOfEntries", "5");
        assert_value(s, "Device.SoftwareModules.ExecEnv.1.Name", "Acme Linux 3 (box)");
        assert_value(s, "Device.SoftwareModules.ExecEnv.1.Vendor", "Acme Linux");
        assert_value(s, "Device.SoftwareModules.ExecEnv.1.Status", "Up");
        assert_value(s, "Device.SoftwareModules.ExecEnv.1.AllocatedMemory", "2048000");
        assert_value(s, "Device.SoftwareModules.ExecEnv.1.AvailableMemory", "512000");
        assert_value(s, "Device.SoftwareModules.ExecEnv.1.ParentExecEnv", "");
        assert_value(s, "Device.SoftwareModules.ExecEnv.1.ProcessorRefList",
                     "Device.DeviceInfo.Processor.1,Device.DeviceInfo.Processor.2");
        char *v = NULL;
        assert_int_equal(software_modules_get(s, "Device.SoftwareModules.ExecEnv.2.Name", &v),
                         -ENOENT);

        unsigned alpha = instance_of(s, "alpha", NULL);
        assert_true(alpha > 0);
        snprintf(name, sizeof(name), DU "%u.UUID", alpha);
        assert_value(s, name, "e2be21a4-b030-5c9d-b482-4f41464bd0a4");
        snprintf(name, sizeof(name), DU "%u.DUID", alpha);
        assert_value(s, name, "alpha");
        snprintf(name, sizeof(name), DU "%u.ExecutionEnvRef", alpha);
        assert_value(s, name, "Device.SoftwareModules.ExecEnv.1");
        snprintf(name, sizeof(name), DU "%u.Description", alpha);
        assert_value(s, name, "the first package");
        /* Two architectures of one name: DUIDs tell them apart; TR-181's 32 characters. */
        unsigned wide = instance_of(s, "libz", "1:1.2.13.dfsg-1+deb12u1~bpo11+1.");
        unsigned narrow = instance_of(s, "libz", "1.2");
        assert_true(wide > 0 && narrow > 0 && wide != narrow);
        snprintf(name, sizeof(name), DU "%u.DUID", wide);
        assert_value(s, name, "libz:amd64");
        snprintf(name, sizeof(name), DU "%u.DUID", narrow);
        assert_value(s, name, "libz:i386");
        unsigned gamma = instance_of(s, "gamma", NULL);
        snprintf(name, sizeof(name), DU "%u.Vendor", gamma);
        assert_value(s, name, "");
        snprintf(name, sizeof(name), DU "%u.Resolved", gamma);
        assert_value(s, name, "false");
        assert_int_equal(instance_of(s, "beta", NULL), 0);

        /* alpha leaves, epsilon comes: the others keep their numbers, none is reused. */
        fake_tree_write_text(
                f->root, "var/lib/dpkg/status",
                "Package: gamma\nStatus: install ok installed\nArchitecture: all\n"
                "Version: 3.2\n\nPackage: epsilon\nStatus: install ok installed\nVersion: 5\n");
        usleep(SOFTWARE_MODULES_CHECK_USEC + 100000);
        assert_value(s, "Device.SoftwareModules.DeploymentUnitNumberOfEntries", "2");
        assert_int_equal(instance_of(s, "gamma", NULL), gamma);
        unsigned epsilon = instance_of(s, "epsilon", NULL);
        assert_true(epsilon > wide && epsilon > narrow && epsilon > alpha);
        software_modules_free(s);

        /* Across a restart, from the saved numbering. */
        assert_int_equal(software_modules_new(&paths, NULL, NULL, &s), 0);
        assert_int_equal(instance_of(s, "gamma", NULL), gamma);
        assert_int_equal(instance_of(s, "epsilon", NULL), epsilon);
        assert_value(s, "Device.SoftwareModules.ExecEnv.1.ProcessorRefList", "");
        software_modules_free(s);
}

static void test_no_package_manager(void **state)
{
        struct fake *f = *state;
        char missing[256];
        snprintf(missing, sizeof(missing), "%s/none", f->root);
        struct software_modules_paths paths = {
                .proc = f->proc, .etc = missing, .root = f->root, .status_file = missing};
        struct software_modules *s;
        struct strv rows = {};

        assert_int_equal(software_modules_new(&paths, NULL, NULL, &s), 0);
        assert_value(s, "Device.SoftwareModules.DeploymentUnitNumberOfEntries", "0");
        assert_value(s, "Device.SoftwareModules.ExecEnv.1.Name", "Linux");
        assert_int_equal(software_modules_get_instances(s, "Device.", &rows), 0);
        assert_int_equal(rows.n, 1);
        assert_string_equal(rows.v[0], "Device.SoftwareModules.ExecEnv.1.");
        strv_done(&rows);
        software_modules_free(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_status),
                cmocka_unit_test(test_uuid),
                cmocka_unit_test_setup_teardown(test_values, setup_fake, teardown_fake),
                cmocka_unit_test_setup_teardown(test_no_package_manager, setup_fake, teardown_fake),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
