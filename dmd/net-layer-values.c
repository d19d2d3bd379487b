/* SPDX-License-Identifier: MIT */
/* Device.Ethernet.Link., VLANTermination. and LAG., Device.Bridging.,
 * Device.InterfaceStack.: the layers above the interfaces. */
#include <errno.h>
#include <inttypes.h>
#include <linux/if_bridge.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin-table.h"
#include "net-ethtool.h"
#include "net-values.h"

/* The counters TR-181 gives Link, VLANTermination and bridge ports (no Collisions). */
static int get_stat(const struct linux_net *n, const struct net_link *l, const char *field,
                    char **ret)
{
        return net_link_stat(n, l, field, false, ret);
}

/* Enable, Status, Alias, Name and the Stats of a row that is one network device. */
static int get_device_row(const struct linux_net *n, const struct net_link *l, const char *field,
                          char **ret)
{
        int r = net_link_device_value(l, field, ret);
        if (r != -ENOENT)
                return r;
        if (startswith(field, "Stats."))
                return get_stat(n, l, field + strlen("Stats."), ret);
        return -ENOENT;
}

static int link_row(struct linux_net *n, const char *rest,
                    bool (*in_table)(const struct linux_net *, const struct net_link *),
                    const struct net_link **ret_link, const char **ret_field)
{
        uint32_t instance;
        int r = net_snapshot_row(n, NET_SECTION_LINKS, rest, &instance, ret_field);
        if (r < 0)
                return r;
        const struct net_link *l = net_link_by_instance(n, instance);
        if (!l || !in_table(n, l))
                return -ENOENT;
        *ret_link = l;
        return 0;
}

static bool is_vlan(const struct linux_net *n, const struct net_link *l)
{
        (void)n;
        return net_link_is_vlan(l);
}

static int get_link(struct linux_net *n, const char *rest, char **ret)
{
        const struct net_link *l;
        const char *field;
        int r = link_row(n, rest, net_link_has_ethernet_link, &l, &field);
        if (r < 0)
                return r;
        if (streq(field, "LowerLayers"))
                return net_lower_layers(n, NET_LAYER_ETHERNET_LINK, l, ret);
        if (streq(field, "MACAddress")) {
                char mac[NET_HWADDR_MAX * 3];
                return net_text(net_hwaddr_to_string(l->hwaddr, l->hwaddr_len, mac), ret);
        }
        if (streq(field, "MTU"))
                return net_unsigned_int(l->mtu, ret);
        if (streq(field, "NoARP"))
                return net_boolean(l->flags & IFF_NOARP, ret);
        if (streq(field, "FlowControl")) {
                /* Pause frames, as the driver has them; a device without is without. */
                struct net_ethtool e;
                r = net_ethtool_read(l->name, &e);
                return r < 0 ? r : net_boolean(e.have_pause && e.pause, ret);
        }
        return get_device_row(n, l, field, ret);
}

static int get_vlan_termination(struct linux_net *n, const char *rest, char **ret)
{
        const struct net_link *l;
        const char *field;
        int r = link_row(n, rest, is_vlan, &l, &field);
        if (r < 0)
                return r;
        if (streq(field, "LowerLayers"))
                return net_lower_layers(n, NET_LAYER_VLAN, l, ret);
        if (streq(field, "VLANID"))
                return net_unsigned_int(l->vlan_id, ret);
        if (streq(field, "TPID"))
                return net_unsigned_int(l->vlan_protocol, ret);
        return get_device_row(n, l, field, ret);
}

static bool is_lag(const struct linux_net *n, const struct net_link *l)
{
        (void)n;
        return net_link_is_lag(l);
}

static int get_lag(struct linux_net *n, const char *rest, char **ret)
{
        const struct net_link *l;
        const char *field;
        int r = link_row(n, rest, is_lag, &l, &field);
        if (r < 0)
                return r;
        if (streq(field, "LowerLayers"))
                return net_lower_layers(n, NET_LAYER_LAG, l, ret);
        if (streq(field, "MACAddress")) {
                char mac[NET_HWADDR_MAX * 3];
                return net_text(net_hwaddr_to_string(l->hwaddr, l->hwaddr_len, mac), ret);
        }
        return get_device_row(n, l, field, ret);
}

int net_get_ethernet_layers(struct linux_net *n, const char *field, char **ret)
{
        if (startswith(field, "LAG."))
                return get_lag(n, field + strlen("LAG."), ret);
        if (streq(field, "LAGNumberOfEntries")) {
                int r = net_snapshot_refresh(n, NET_SECTION_LINKS);
                if (r < 0)
                        return r;
                size_t c = 0;
                for (size_t i = 0; i < n->n_links; i++)
                        c += net_link_is_lag(&n->links[i]);
                return net_unsigned_int(c, ret);
        }
        if (startswith(field, "Link."))
                return get_link(n, field + strlen("Link."), ret);
        if (startswith(field, "VLANTermination."))
                return get_vlan_termination(n, field + strlen("VLANTermination."), ret);
        bool links = streq(field, "LinkNumberOfEntries");
        if (links || streq(field, "VLANTerminationNumberOfEntries")) {
                int r = net_snapshot_refresh(n, NET_SECTION_LINKS);
                if (r < 0)
                        return r;
                size_t c = 0;
                for (size_t i = 0; i < n->n_links; i++)
                        c += links ? net_link_has_ethernet_link(n, &n->links[i])
                                   : net_link_is_vlan(&n->links[i]);
                return net_unsigned_int(c, ret);
        }
        return -ENOENT;
}

/* ---- Device.Bridging. ---- */

/* SYS/class/net/BRIDGE/bridge/FILE; the times there are in hundredths of a second. */
static int bridge_sys(const struct linux_net *n, const struct net_link *b, const char *file,
                      uint64_t divisor, char **ret)
{
        char path[64];
        uint64_t v;
        snprintf(path, sizeof(path), "bridge/%s", file);
        int r = net_read_sys_u64(n, b->name, path, &v);
        if (r < 0)
                return r;
        return net_unsigned_int(v / divisor, ret);
}

static int get_stp(const struct linux_net *n, const struct net_link *b, const char *field,
                   char **ret)
{
        if (streq(field, "Enable") || streq(field, "Status")) {
                uint64_t state = 0;
                int r = net_read_sys_u64(n, b->name, "bridge/stp_state", &state);
                if (r < 0)
                        return r;
                return streq(field, "Enable") ? net_boolean(state != 0, ret)
                                              : net_text(state ? "Enabled" : "Disabled", ret);
        }
        if (streq(field, "Protocol")) {
                /* The kernel runs STP itself; a user-space daemon (state 2) may run another. */
                uint64_t state = 0;
                int r = net_read_sys_u64(n, b->name, "bridge/stp_state", &state);
                if (r < 0)
                        return r;
                return state == 2 ? -ENOENT : net_text("STP", ret);
        }
        if (streq(field, "BridgePriority"))
                return bridge_sys(n, b, "priority", 1, ret);
        if (streq(field, "HelloTime"))
                return bridge_sys(n, b, "hello_time", 1, ret);
        if (streq(field, "MaxAge"))
                return bridge_sys(n, b, "max_age", 1, ret);
        if (streq(field, "ForwardingDelay"))
                return bridge_sys(n, b, "forward_delay", 100, ret);
        return -ENOENT;
}

static const struct net_brvlan *port_pvid(const struct linux_net *n, const struct net_link *port)
{
        for (size_t i = 0; i < n->n_brvlans; i++)
                if (n->brvlans[i].ifindex == port->ifindex &&
                    (n->brvlans[i].flags & BRIDGE_VLAN_INFO_PVID))
                        return &n->brvlans[i];
        return NULL;
}

static const char *const port_states[] = {
        [BR_STATE_DISABLED] = "Disabled", [BR_STATE_LISTENING] = "Listening",
        [BR_STATE_LEARNING] = "Learning", [BR_STATE_FORWARDING] = "Forwarding",
        [BR_STATE_BLOCKING] = "Blocking",
};

static int get_port(struct linux_net *n, const struct net_link *b, const char *rest, char **ret)
{
        uint32_t instance;
        const char *field;
        int r = table_parse_instance(rest, &instance, &field);
        if (r < 0)
                return r;
        const struct net_link *p = net_link_by_instance(n, instance);
        if (!p || net_port_bridge(n, p) != b)
                return -ENOENT;
        bool management = p == b;

        if (streq(field, "LowerLayers"))
                return net_lower_layers(n, NET_LAYER_BRIDGE_PORT, p, ret);
        if (streq(field, "ManagementPort"))
                return net_boolean(management, ret);
        if (streq(field, "PortState")) {
                /* The bridge's own port has no spanning-tree state: it passes frames to the
                 * host while the bridge is up. */
                if (management)
                        return net_text((b->flags & IFF_UP) ? "Forwarding" : "Disabled", ret);
                return net_text(p->port_state < ELEMENTSOF(port_states) &&
                                                port_states[p->port_state]
                                        ? port_states[p->port_state]
                                        : "Broken",
                                ret);
        }
        if (streq(field, "PVID") || streq(field, "AcceptableFrameTypes")) {
                const struct net_brvlan *pvid = port_pvid(n, p);
                if (streq(field, "PVID"))
                        /* Without a PVID, untagged frames are dropped (AdmitOnlyVLANTagged):
                         * TR-181's default 1 stands in. */
                        return net_format(ret, "%u", pvid ? pvid->vid : 1u);
                return net_text(!b->vlan_filtering || pvid ? "AdmitAll" : "AdmitOnlyVLANTagged",
                                ret);
        }
        if (streq(field, "PathCost"))
                /* The spanning tree's cost of a port; the bridge's own port has none. */
                return management ? -ENOENT : net_unsigned_int(p->port_cost, ret);
        if (streq(field, "IngressFiltering"))
                /* A VLAN-filtering bridge drops frames of VLANs the port is not in. */
                return net_boolean(b->vlan_filtering, ret);
        return get_device_row(n, p, field, ret);
}

static int get_vlan(struct linux_net *n, const struct net_link *b, const char *rest, char **ret)
{
        uint32_t instance;
        const char *field;
        int r = table_parse_instance(rest, &instance, &field);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n->n_bridge_vlans; i++) {
                const struct net_bridge_vlan *v = &n->bridge_vlans[i];
                if (v->instance != instance || v->bridge != b->ifindex)
                        continue;
                if (streq(field, "Enable"))
                        return net_boolean(true, ret);
                if (streq(field, "Alias"))
                        return net_format(ret, "cpe-%" PRIu32, v->instance);
                if (streq(field, "VLANID"))
                        return net_format(ret, "%u", v->vid);
                return -ENOENT;
        }
        return -ENOENT;
}

static int get_vlan_port(struct linux_net *n, const struct net_link *b, const char *rest,
                         char **ret)
{
        uint32_t instance;
        const char *field;
        int r = table_parse_instance(rest, &instance, &field);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n->n_vlan_ports; i++) {
                const struct net_bridge_vlan_port *v = &n->vlan_ports[i];
                if (v->instance != instance || v->bridge != b->ifindex)
                        continue;
                const struct net_link *p = net_link_by_ifindex(n, v->port);
                if (!p)
                        return -ENOENT;
                if (streq(field, "Enable"))
                        return net_boolean(true, ret);
                if (streq(field, "Alias"))
                        return net_format(ret, "cpe-%" PRIu32, v->instance);
                if (streq(field, "VLAN"))
                        return net_format(ret, BRIDGE_TABLE "%" PRIu32 ".VLAN.%" PRIu32,
                                          b->instance, v->vlan_instance);
                if (streq(field, "Port"))
                        return net_format(ret, BRIDGE_TABLE "%" PRIu32 ".Port.%" PRIu32,
                                          b->instance, p->instance);
                if (streq(field, "Untagged"))
                        return net_boolean(v->untagged, ret);
                return -ENOENT;
        }
        return -ENOENT;
}

static int get_bridge(struct linux_net *n, const char *rest, char **ret)
{
        uint32_t instance;
        const char *field;
        /* The VLAN tables first (they read the links they need): the links then stay. */
        int r = net_snapshot_row(n, NET_SECTION_BRIDGES, rest, &instance, &field);
        if (r < 0)
                return r;
        const struct net_link *b = net_link_by_instance(n, instance);
        if (!b || !net_link_is_bridge(b))
                return -ENOENT;

        if (streq(field, "Enable"))
                return net_boolean(b->flags & IFF_UP, ret);
        if (streq(field, "Status"))
                return net_text((b->flags & IFF_UP) ? "Enabled" : "Disabled", ret);
        if (streq(field, "Alias"))
                return net_link_alias(b, ret);
        if (streq(field, "Name"))
                return net_text(b->name, ret);
        if (streq(field, "Standard"))
                return net_text(b->vlan_filtering ? "802.1Q-2011" : "802.1D-2004", ret);
        if (streq(field, "AgingTime"))
                return bridge_sys(n, b, "ageing_time", 100, ret);
        if (streq(field, "PortNumberOfEntries")) {
                size_t c = 0;
                for (size_t i = 0; i < n->n_links; i++)
                        c += net_port_bridge(n, &n->links[i]) == b;
                return net_unsigned_int(c, ret);
        }
        if (streq(field, "VLANNumberOfEntries") || streq(field, "VLANPortNumberOfEntries")) {
                bool vlans = streq(field, "VLANNumberOfEntries");
                size_t c = 0;
                for (size_t i = 0; vlans && i < n->n_bridge_vlans; i++)
                        c += n->bridge_vlans[i].bridge == b->ifindex;
                for (size_t i = 0; !vlans && i < n->n_vlan_ports; i++)
                        c += n->vlan_ports[i].bridge == b->ifindex;
                return net_unsigned_int(c, ret);
        }
        if (startswith(field, "STP."))
                return get_stp(n, b, field + strlen("STP."), ret);
        if (startswith(field, "Port."))
                return get_port(n, b, field + strlen("Port."), ret);
        if (startswith(field, "VLAN."))
                return get_vlan(n, b, field + strlen("VLAN."), ret);
        if (startswith(field, "VLANPort."))
                return get_vlan_port(n, b, field + strlen("VLANPort."), ret);
        return -ENOENT;
}

int net_get_bridging(struct linux_net *n, const char *field, char **ret)
{
        if (startswith(field, "Bridge."))
                return get_bridge(n, field + strlen("Bridge."), ret);
        if (streq(field, "BridgeNumberOfEntries")) {
                int r = net_snapshot_refresh(n, NET_SECTION_LINKS);
                if (r < 0)
                        return r;
                size_t c = 0;
                for (size_t i = 0; i < n->n_links; i++)
                        c += net_link_is_bridge(&n->links[i]);
                return net_unsigned_int(c, ret);
        }
        return -ENOENT;
}

/* ---- Device.InterfaceStack. ---- */

int net_get_interface_stack(struct linux_net *n, const char *rest, char **ret)
{
        uint32_t instance;
        const char *field;
        int r = net_snapshot_row(n, NET_SECTION_STACK, rest, &instance, &field);
        if (r < 0)
                return r;
        const struct net_stack_row *row = NULL;
        for (size_t i = 0; i < n->n_stack && !row; i++)
                if (n->stack[i].instance == instance)
                        row = &n->stack[i];
        if (!row)
                return -ENOENT;
        if (streq(field, "Alias"))
                return net_format(ret, "cpe-%" PRIu32, row->instance);
        if (streq(field, "HigherLayer"))
                return net_text(row->higher, ret);
        if (streq(field, "LowerLayer"))
                return net_text(row->lower, ret);
        bool higher = streq(field, "HigherAlias");
        if (higher || streq(field, "LowerAlias")) {
                /* The row's default Alias; dmd puts the one the ACS set in its place. */
                char name[300];
                snprintf(name, sizeof(name), "%s.Alias", higher ? row->higher : row->lower);
                return linux_net_get(n, name, ret);
        }
        return -ENOENT;
}
