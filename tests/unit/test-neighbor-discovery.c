/* SPDX-License-Identifier: MIT */
/* Device.NeighborDiscovery. over a fake /proc/sys/net/ipv6 and /sys/class/net. */
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
#include "neighbor-discovery.h"
#include "store.h"
#include "util.h"

#define ROW "Device.NeighborDiscovery.InterfaceSetting."

struct fake {
        char root[64], proc[128], sys[128], state[128];
};

/* One interface's settings, as the kernel lays them out. */
static void interface(const struct fake *f, const char *name, int disabled, int accept_ra,
                      int forwarding, int solicitations, unsigned flags)
{
        char dir[PATH_MAX], text[32];
        const struct {
                const char *key;
                int value;
        } conf[] = {
                {"disable_ipv6", disabled},          {"accept_ra", accept_ra},
                {"forwarding", forwarding},          {"router_solicitations", solicitations},
                {"router_solicitation_interval", 4}, {"dad_transmits", 1},
        };
        snprintf(dir, sizeof(dir), "%s/sys/net/ipv6/conf/%s", f->proc, name);
        for (size_t i = 0; i < ELEMENTSOF(conf); i++) {
                snprintf(text, sizeof(text), "%d\n", conf[i].value);
                fake_tree_write_text(dir, conf[i].key, text);
        }
        snprintf(dir, sizeof(dir), "%s/sys/net/ipv6/neigh/%s", f->proc, name);
        fake_tree_write_text(dir, "retrans_time_ms", "1000\n");
        snprintf(dir, sizeof(dir), "%s/class/net/%s", f->sys, name);
        snprintf(text, sizeof(text), "0x%x\n", flags);
        fake_tree_write_text(dir, "flags", text);
}

static int setup_fake(void **state)
{
        struct fake *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        snprintf(f->root, sizeof(f->root), "/tmp/test-nd-XXXXXX");
        assert_non_null(mkdtemp(f->root));
        snprintf(f->proc, sizeof(f->proc), "%s/proc", f->root);
        snprintf(f->sys, sizeof(f->sys), "%s/sys", f->root);
        snprintf(f->state, sizeof(f->state), "%s/state", f->root);
        assert_int_equal(store_mkdir_p(f->state), 0);
        interface(f, "all", 0, 1, 0, -1, 0);
        interface(f, "default", 0, 1, 0, -1, 0);
        interface(f, "lo", 0, 1, 0, -1, 0x9);
        interface(f, "eth0", 0, 1, 0, 3, 0x1003);
        interface(f, "eth1", 0, 1, 1, 3, 0x1003); /* forwarding: ignores RAs */
        interface(f, "wan", 0, 2, 1, -1, 0x1003);
        interface(f, "off", 1, 1, 0, 3, 0x1003);
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

static char *ip_interface(const char *ifname, void *userdata)
{
        return streq(ifname, "eth0") ? strdup("Device.IP.Interface.2") : NULL;
}

static void assert_value(struct neighbor_discovery *n, const char *name, const char *want)
{
        char *v = NULL;
        int r = neighbor_discovery_get(n, name, &v);
        if (r < 0)
                fail_msg("%s: %s", name, strerror(-r));
        if (!streq(v, want))
                fail_msg("%s: \"%s\", want \"%s\"", name, v, want);
        free(v);
}

static void test_settings(void **state)
{
        struct fake *f = *state;
        struct neighbor_discovery *n;
        struct strv rows = {};

        assert_int_equal(neighbor_discovery_new(f->proc, f->sys, f->state, ip_interface, NULL, &n),
                         0);
        /* all, default and an interface without IPv6 are no rows; numbered by name. */
        assert_value(n, "Device.NeighborDiscovery.InterfaceSettingNumberOfEntries", "4");
        assert_int_equal(neighbor_discovery_get_instances(n, "Device.", &rows), 0);
        assert_int_equal(rows.n, 4);
        strv_done(&rows);
        /* eth0 1, eth1 2, lo 3, wan 4 */
        assert_value(n, ROW "1.Interface", "Device.IP.Interface.2");
        assert_value(n, ROW "1.RtrSolicitationInterval", "4000");
        assert_value(n, ROW "1.RetransTimer", "1000");
        assert_value(n, ROW "1.DADTransmits", "1");
        assert_value(n, ROW "1.Status", "Enabled");
        assert_value(n, ROW "1.RSEnable", "true");
        assert_value(n, ROW "2.RSEnable", "false");
        assert_value(n, ROW "3.Interface", "");
        assert_value(n, ROW "3.RSEnable", "false"); /* loopback */
        assert_value(n, ROW "4.RSEnable", "true");  /* accept_ra 2 */
        char *v = NULL;
        assert_int_equal(neighbor_discovery_get(n, ROW "5.Enable", &v), -ENOENT);
        assert_int_equal(neighbor_discovery_get_instances(n, ROW "5.", &rows), -ENOENT);
        neighbor_discovery_free(n);

        /* eth1 loses IPv6, a new interface comes: the others keep their numbers. */
        interface(f, "eth1", 1, 1, 1, 3, 0x1003);
        interface(f, "br0", 0, 0, 0, 3, 0x1003);
        assert_int_equal(neighbor_discovery_new(f->proc, f->sys, f->state, NULL, NULL, &n), 0);
        assert_value(n, ROW "1.RSEnable", "true");
        assert_value(n, ROW "4.RSEnable", "true");
        assert_value(n, ROW "5.RSEnable", "false"); /* br0: accept_ra 0 */
        assert_int_equal(neighbor_discovery_get(n, ROW "2.Enable", &v), -ENOENT);
        assert_value(n, ROW "1.Interface", "");
        neighbor_discovery_free(n);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_settings, setup_fake, teardown_fake),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
