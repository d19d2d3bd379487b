/* SPDX-License-Identifier: MIT */
/* TR-181's layering of the network devices (LowerLayers of IP.Interface, Ethernet.Link,
 * Ethernet.VLANTermination, Ethernet.LAG and Bridging ports) and Device.InterfaceStack. made
 * from it, on a made-up snapshot: a bond of two ports in a bridge with another port, a VLAN
 * on the bridge, loopback. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "net-snapshot.h"
#include "util.h"

/* Instance numbers equal the ifindexes here; sorted by instance as the snapshot keeps them. */
static const struct net_link box[] = {
        {.ifindex = 1, .name = "lo", .flags = IFF_LOOPBACK, .instance = 1},
        {.ifindex = 2,
         .name = "eth0",
         .ethernet = true,
         .bond_port = true,
         .master = 10,
         .instance = 2},
        {.ifindex = 3,
         .name = "eth1",
         .ethernet = true,
         .bond_port = true,
         .master = 10,
         .instance = 3},
        {.ifindex = 4,
         .name = "eth2",
         .ethernet = true,
         .bridge_port = true,
         .master = 20,
         .instance = 4},
        {.ifindex = 10,
         .name = "bond0",
         .kind = "bond",
         .bridge_port = true,
         .master = 20,
         .instance = 10},
        {.ifindex = 20, .name = "br0", .kind = "bridge", .instance = 20},
        {.ifindex = 30,
         .name = "br0.100",
         .kind = "vlan",
         .lower = 20,
         .vlan_id = 100,
         .instance = 30},
        {.ifindex = 40, .name = "tun0", .kind = "tun", .instance = 40},
};

static int setup(void **state)
{
        struct linux_net *n = calloc(1, sizeof(*n));
        assert_non_null(n);
        assert_int_equal(net_numbering_init(&n->numbering, NULL, "boot"), 0);
        n->links = malloc(sizeof(box));
        assert_non_null(n->links);
        memcpy(n->links, box, sizeof(box));
        n->n_links = ELEMENTSOF(box);
        *state = n;
        return 0;
}

static int teardown(void **state)
{
        struct linux_net *n = *state;
        net_stack_free(n);
        net_numbering_done(&n->numbering);
        free(n->links);
        free(n);
        return 0;
}

static void expect(struct linux_net *n, enum net_layer layer, int ifindex, const char *want)
{
        char *got = NULL;
        const struct net_link *l = net_link_by_ifindex(n, ifindex);
        assert_non_null(l);
        assert_int_equal(net_lower_layers(n, layer, l, &got), 0);
        assert_string_equal(got, want);
        free(got);
}

static void test_lower_layers(void **state)
{
        struct linux_net *n = *state;

        expect(n, NET_LAYER_IP, 1, "");
        expect(n, NET_LAYER_IP, 40, "");
        expect(n, NET_LAYER_IP, 2, "Device.Ethernet.Link.2");
        expect(n, NET_LAYER_IP, 10, "Device.Ethernet.Link.10");
        expect(n, NET_LAYER_IP, 20, "Device.Ethernet.Link.20");
        expect(n, NET_LAYER_IP, 30, "Device.Ethernet.VLANTermination.30");

        expect(n, NET_LAYER_ETHERNET_LINK, 2, "Device.Ethernet.Interface.2");
        expect(n, NET_LAYER_ETHERNET_LINK, 10, "Device.Ethernet.LAG.10");
        expect(n, NET_LAYER_ETHERNET_LINK, 20, "Device.Bridging.Bridge.20.Port.20");

        expect(n, NET_LAYER_LAG, 10, "Device.Ethernet.Interface.2,Device.Ethernet.Interface.3");
        expect(n, NET_LAYER_VLAN, 30, "Device.Ethernet.Link.20");

        /* The management port stands on the other ports; they on their devices. */
        expect(n, NET_LAYER_BRIDGE_PORT, 20,
               "Device.Bridging.Bridge.20.Port.4,Device.Bridging.Bridge.20.Port.10");
        expect(n, NET_LAYER_BRIDGE_PORT, 4, "Device.Ethernet.Interface.4");
        expect(n, NET_LAYER_BRIDGE_PORT, 10, "Device.Ethernet.LAG.10");

        assert_ptr_equal(net_port_bridge(n, net_link_by_ifindex(n, 10)),
                         net_link_by_ifindex(n, 20));
        assert_null(net_port_bridge(n, net_link_by_ifindex(n, 2))); /* a bond's, not a bridge's */
        assert_true(net_link_has_ethernet_link(n, net_link_by_ifindex(n, 10)));
        assert_false(net_link_has_ethernet_link(n, net_link_by_ifindex(n, 30)));
}

static const struct net_stack_row *find_row(const struct linux_net *n, const char *higher,
                                            const char *lower)
{
        for (size_t i = 0; i < n->n_stack; i++)
                if (streq(n->stack[i].higher, higher) && streq(n->stack[i].lower, lower))
                        return &n->stack[i];
        return NULL;
}

static void test_interface_stack(void **state)
{
        struct linux_net *n = *state;

        assert_int_equal(net_refresh_stack(n), 0);
        /* IP: eth0, eth1, eth2, bond0, br0, br0.100 (6); Link: eth0-2, bond0, br0 (5); LAG: 2;
         * VLAN: 1; bridge ports: 2 under the management port, eth2, bond0 (4). */
        assert_int_equal(n->n_stack, 18);
        for (size_t i = 1; i < n->n_stack; i++)
                assert_true(n->stack[i - 1].instance < n->stack[i].instance);
        const struct net_stack_row *r =
                find_row(n, "Device.Ethernet.LAG.10", "Device.Ethernet.Interface.3");
        assert_non_null(r);
        uint32_t lag_row = r->instance;
        r = find_row(n, "Device.Bridging.Bridge.20.Port.20", "Device.Bridging.Bridge.20.Port.10");
        assert_non_null(r);
        uint32_t highest = n->stack[n->n_stack - 1].instance;

        /* Read again: the same numbers. eth1 leaves the bond: its row goes, and when it comes
         * back it is a new row with a new number. */
        assert_int_equal(net_refresh_stack(n), 0);
        assert_int_equal(
                find_row(n, "Device.Ethernet.LAG.10", "Device.Ethernet.Interface.3")->instance,
                lag_row);
        n->links[2].bond_port = false;
        n->links[2].master = 0;
        assert_int_equal(net_refresh_stack(n), 0);
        assert_int_equal(n->n_stack, 17);
        assert_null(find_row(n, "Device.Ethernet.LAG.10", "Device.Ethernet.Interface.3"));
        n->links[2].bond_port = true;
        n->links[2].master = 10;
        assert_int_equal(net_refresh_stack(n), 0);
        r = find_row(n, "Device.Ethernet.LAG.10", "Device.Ethernet.Interface.3");
        assert_non_null(r);
        assert_true(r->instance > highest);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_lower_layers, setup, teardown),
                cmocka_unit_test_setup_teardown(test_interface_stack, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
