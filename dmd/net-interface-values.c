/* SPDX-License-Identifier: MIT */
/* Device.Ethernet.Interface., Device.IP. (interfaces, addresses, prefixes, ports). */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/ethtool.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin-table.h"
#include "net-ethtool.h"
#include "net-values.h"

/* IFA_PROTO values (Linux 6.3). */
#define ADDR_PROTO_KERNEL_LO 1
#define ADDR_PROTO_KERNEL_RA 2
#define ADDR_PROTO_KERNEL_LL 3

/* TR-181's Status from the kernel's administrative flag and operational state (RFC 2863). */
const char *net_link_status(const struct net_link *l)
{
        if (!(l->flags & IFF_UP))
                return "Down";
        switch (l->operstate) {
        case NET_OPER_UP:
                return "Up";
        case NET_OPER_DORMANT:
                return "Dormant";
        case NET_OPER_NOTPRESENT:
                return "NotPresent";
        case NET_OPER_LOWERLAYERDOWN:
                return "LowerLayerDown";
        case NET_OPER_DOWN:
                return "Down";
        default:
                /* Drivers without carrier reporting (loopback, tun) say "unknown": the
                 * lower-layer flag still tells whether it can pass packets. */
                return (l->flags & IFF_LOWER_UP) ? "Up" : "Unknown";
        }
}

/* "cpe-" and the name, which paths can carry in brackets: "." and brackets become "_"
 * (a VLAN's "eth0.100" is "cpe-eth0_100"). */
int net_link_alias(const struct net_link *l, char **ret)
{
        int r = net_format(ret, "cpe-%s", l->name);
        if (r < 0)
                return r;
        for (char *c = *ret; *c; c++)
                if (*c == '.' || *c == '[' || *c == ']')
                        *c = '_';
        return 0;
}

int net_link_device_value(const struct net_link *l, const char *field, char **ret)
{
        if (streq(field, "Enable"))
                return net_boolean(l->flags & IFF_UP, ret);
        if (streq(field, "Status"))
                return net_text(net_link_status(l), ret);
        if (streq(field, "Alias"))
                return net_link_alias(l, ret);
        if (streq(field, "Name"))
                return net_text(l->name, ret);
        return -ENOENT;
}

static const struct {
        const char *name, *file;
        bool counter32;
        bool ethernet_only;
} stats[] = {
        {"BytesSent", "tx_bytes", false, false},
        {"BytesReceived", "rx_bytes", false, false},
        {"PacketsSent", "tx_packets", false, false},
        {"PacketsReceived", "rx_packets", false, false},
        {"ErrorsSent", "tx_errors", true, false},
        {"ErrorsReceived", "rx_errors", true, false},
        {"DiscardPacketsSent", "tx_dropped", true, false},
        {"DiscardPacketsReceived", "rx_dropped", true, false},
        {"MulticastPacketsReceived", "multicast", false, false},
        {"Collisions", "collisions", false, true},
};

int net_link_stat(const struct linux_net *n, const struct net_link *l, const char *field,
                  bool ethernet, char **ret)
{
        for (size_t i = 0; i < ELEMENTSOF(stats); i++) {
                if (!streq(field, stats[i].name) || (stats[i].ethernet_only && !ethernet))
                        continue;
                char file[64];
                uint64_t v;
                snprintf(file, sizeof(file), "statistics/%s", stats[i].file);
                int r = net_read_sys_u64(n, l->name, file, &v);
                if (r < 0)
                        return r;
                /* StatsCounter32 wraps around as the 32-bit counter it is. */
                if (stats[i].counter32)
                        v &= UINT32_MAX;
                return net_format(ret, "%" PRIu64, v);
        }
        return -ENOENT;
}

/* Takes the ifindex, not the link: reading the routes may read the links again. */
static bool has_default_route(struct linux_net *n, int ifindex)
{
        if (net_snapshot_refresh(n, NET_SECTION_ROUTES) < 0)
                return false;
        for (size_t i = 0; i < n->n_routes; i++)
                if (n->routes[i].dst_len == 0 && n->routes[i].type == RTN_UNICAST &&
                    n->routes[i].oif == ifindex)
                        return true;
        return false;
}

/* Values the driver gives through ethtool; -ENOENT where it does not tell. */
static int get_ethtool(const struct net_link *l, const char *field, char **ret)
{
        static const char *const fields[] = {"MaxBitRate", "DuplexMode", "EEECapability",
                                             "EEEEnable",  "EEEStatus",  "CurrentMDIX",
                                             "MDIX"};
        bool known = false;
        for (size_t i = 0; i < ELEMENTSOF(fields); i++)
                known = known || streq(field, fields[i]);
        if (!known)
                return -ENOENT;
        struct net_ethtool e;
        int r = net_ethtool_read(l->name, &e);
        if (r < 0)
                return r;
        if (streq(field, "MaxBitRate")) {
                /* -1: the rate is negotiated; else the rate the port is set to. */
                if (!e.have_settings || (!e.autoneg && (e.speed == 0 || e.speed == UINT32_MAX)))
                        return -ENOENT;
                return e.autoneg ? net_text("-1", ret) : net_format(ret, "%" PRIu32, e.speed);
        }
        if (streq(field, "DuplexMode")) {
                if (e.have_settings && e.autoneg)
                        return net_text("Auto", ret);
                if (e.have_settings && (e.duplex == DUPLEX_FULL || e.duplex == DUPLEX_HALF))
                        return net_text(e.duplex == DUPLEX_FULL ? "Full" : "Half", ret);
                return -ENOENT;
        }
        if (streq(field, "EEECapability"))
                return net_boolean(e.have_eee && e.eee_supported, ret);
        if (streq(field, "EEEEnable"))
                return net_boolean(e.have_eee && e.eee_enabled, ret);
        if (streq(field, "EEEStatus"))
                return net_text(!e.have_eee || !e.eee_supported ? "Unsupported"
                                : !e.eee_enabled                ? "Disabled"
                                : e.eee_active                  ? "Active"
                                                                : "Inactive",
                                ret);
        if (streq(field, "MDIX")) {
                /* The crossover setting, where the driver lets it be set. */
                if (!e.have_settings)
                        return -ENOENT;
                switch (e.mdix_ctrl) {
                case ETH_TP_MDI_AUTO:
                        return net_text("Auto", ret);
                case ETH_TP_MDI_X:
                        return net_text("On", ret);
                case ETH_TP_MDI:
                        return net_text("Off", ret);
                default:
                        return -ENOENT;
                }
        }
        /* CurrentMDIX: crossover in use ("On") or not; a twisted-pair port that does not
         * tell is "Unknown", any other "Unsupported". */
        if (e.have_settings && e.mdix == ETH_TP_MDI_X)
                return net_text("On", ret);
        if (e.have_settings && e.mdix == ETH_TP_MDI)
                return net_text("Off", ret);
        return net_text(e.have_settings && e.port == PORT_TP ? "Unknown" : "Unsupported", ret);
}

int net_get_ethernet(struct linux_net *n, const char *rest, char **ret)
{
        uint32_t instance;
        const char *field;
        int r = net_snapshot_row(n, NET_SECTION_LINKS, rest, &instance, &field);
        if (r < 0)
                return r;
        const struct net_link *l = net_link_by_instance(n, instance);
        if (!l || !net_link_is_ethernet(n, l))
                return -ENOENT;

        r = net_link_device_value(l, field, ret);
        if (r != -ENOENT)
                return r;
        if (streq(field, "Upstream"))
                return net_boolean(has_default_route(n, l->ifindex), ret);
        if (streq(field, "LowerLayers"))
                return net_text("", ret); /* the lowest layer */
        if (streq(field, "MACAddress")) {
                char mac[NET_HWADDR_MAX * 3];
                return net_text(net_hwaddr_to_string(l->hwaddr, l->hwaddr_len, mac), ret);
        }
        if (streq(field, "CurrentBitRate")) {
                /* Unknown (no carrier, or the driver does not say): 0. */
                uint64_t speed = 0;
                if (net_read_sys_u64(n, l->name, "speed", &speed) < 0)
                        speed = 0;
                return net_unsigned_int(speed, ret);
        }
        if (streq(field, "CurrentDuplexMode")) {
                char duplex[16] = "";
                (void)net_read_sys_text(n, l->name, "duplex", duplex, sizeof(duplex));
                return net_text(streq(duplex, "full")   ? "Full"
                                : streq(duplex, "half") ? "Half"
                                                        : "Unknown",
                                ret);
        }
        if (startswith(field, "Stats."))
                return net_link_stat(n, l, field + strlen("Stats."), true, ret);
        return get_ethtool(l, field, ret);
        return -ENOENT;
}

static const char *const tunnel_kinds[] = {"ipip",   "gre",       "gretap", "sit",  "ip6tnl",
                                           "ip6gre", "ip6gretap", "vti",    "vti6", "wireguard",
                                           "vxlan",  "geneve",    NULL};

static const char *interface_type(const struct net_link *l)
{
        if (l->flags & IFF_LOOPBACK)
                return "Loopback";
        for (size_t i = 0; tunnel_kinds[i]; i++)
                if (streq(l->kind, tunnel_kinds[i]))
                        return "Tunnel";
        return "Normal";
}

static size_t count_addrs(const struct linux_net *n, const struct net_link *l, int family)
{
        size_t c = 0;
        for (size_t i = 0; i < n->n_addrs; i++)
                c += n->addrs[i].ifindex == l->ifindex && n->addrs[i].ip.family == family;
        return c;
}

static const struct net_addr *find_addr(const struct linux_net *n, const struct net_link *l,
                                        int family, uint32_t instance)
{
        for (size_t i = 0; i < n->n_addrs; i++) {
                const struct net_addr *a = &n->addrs[i];
                if (a->instance == instance && a->ip.family == family && a->ifindex == l->ifindex)
                        return a;
        }
        return NULL;
}

static bool is_link_local_v4(const struct net_ip *ip)
{
        return ip->bytes[0] == 169 && ip->bytes[1] == 254;
}

static int get_ipv4_address(const struct net_addr *a, const char *field, char **ret)
{
        if (streq(field, "Enable"))
                return net_boolean(true, ret);
        if (streq(field, "Status"))
                return net_text("Enabled", ret);
        if (streq(field, "Alias"))
                return net_format(ret, "cpe-%" PRIu32, a->instance);
        if (streq(field, "IPAddress"))
                return net_ip_text(&a->ip, ret);
        if (streq(field, "SubnetMask")) {
                char mask[INET_ADDRSTRLEN];
                return net_text(net_prefix_to_mask(a->prefixlen, mask), ret);
        }
        if (streq(field, "AddressingType")) {
                /* An address with a lifetime was leased; one without was configured. */
                if (is_link_local_v4(&a->ip))
                        return net_text("AutoIP", ret);
                return net_text((a->flags & IFA_F_PERMANENT) ? "Static" : "DHCP", ret);
        }
        return -ENOENT;
}

static const char *ipv6_address_status(uint32_t flags)
{
        if (flags & IFA_F_DADFAILED)
                return "Duplicate";
        if (flags & IFA_F_OPTIMISTIC)
                return "Optimistic";
        if (flags & IFA_F_TENTATIVE)
                return "Tentative";
        if (flags & IFA_F_DEPRECATED)
                return "Deprecated";
        return "Preferred";
}

static const char *ipv6_origin(const struct net_addr *a)
{
        static const uint8_t loopback[16] = {[15] = 1};
        if (memcmp(a->ip.bytes, loopback, 16) == 0 || a->proto == ADDR_PROTO_KERNEL_LO)
                return "WellKnown";
        bool link_local = a->ip.bytes[0] == 0xfe && (a->ip.bytes[1] & 0xc0) == 0x80;
        if (link_local || a->proto == ADDR_PROTO_KERNEL_LL || a->proto == ADDR_PROTO_KERNEL_RA ||
            (a->flags & (IFA_F_MANAGETEMPADDR | IFA_F_SECONDARY)))
                return "AutoConfigured";
        if (a->flags & IFA_F_PERMANENT)
                return "Static";
        /* A leased address: a single address (/128) from DHCPv6, a prefix's address from
         * router advertisements. */
        return a->prefixlen == 128 ? "DHCPv6" : "AutoConfigured";
}

static int get_ipv6_address(const struct net_link *l, const struct net_addr *a, const char *field,
                            char **ret)
{
        if (streq(field, "Prefix"))
                return a->prefix_instance
                               ? net_format(ret, IP_TABLE "%" PRIu32 ".IPv6Prefix.%" PRIu32,
                                            l->instance, a->prefix_instance)
                               : net_text("", ret);
        if (streq(field, "Enable"))
                return net_boolean(true, ret);
        if (streq(field, "Status"))
                return net_text("Enabled", ret);
        if (streq(field, "IPAddressStatus"))
                return net_text(ipv6_address_status(a->flags), ret);
        if (streq(field, "Alias"))
                return net_format(ret, "cpe-%" PRIu32, a->instance);
        if (streq(field, "IPAddress"))
                return net_ip_text(&a->ip, ret);
        if (streq(field, "Origin"))
                return net_text(ipv6_origin(a), ret);
        if (streq(field, "Anycast"))
                return net_boolean(false, ret); /* anycast addresses are not in RTM_GETADDR */
        if (streq(field, "PreferredLifetime"))
                return net_lifetime(a->preferred_lifetime, ret);
        if (streq(field, "ValidLifetime"))
                return net_lifetime(a->valid_lifetime, ret);
        return -ENOENT;
}

/* A route of the main table puts the prefix on the interface's link. */
static bool prefix_on_link(struct linux_net *n, const struct net_prefix *p)
{
        if (net_snapshot_refresh(n, NET_SECTION_ROUTES) < 0)
                return false;
        for (size_t i = 0; i < n->n_routes; i++) {
                const struct net_route *rt = &n->routes[i];
                if (rt->oif == p->ifindex && !rt->has_gateway && rt->type == RTN_UNICAST &&
                    rt->dst_len == p->len && net_ip_equal(&rt->dst, &p->prefix))
                        return true;
        }
        return false;
}

static const char *const prefix_origins[] = {
        [NET_PREFIX_WELL_KNOWN] = "WellKnown",
        [NET_PREFIX_STATIC] = "Static",
        [NET_PREFIX_RA] = "RouterAdvertisement",
};

/* rest: "NumberOfEntries" or ".3.Field" after "Device.IP.Interface.N.IPv6Prefix". */
static int get_ipv6_prefix(struct linux_net *n, uint32_t link_instance, const char *rest,
                           char **ret)
{
        int r = net_snapshot_refresh(n, NET_SECTION_ADDRS);
        if (r < 0)
                return r;
        const struct net_link *l = net_link_by_instance(n, link_instance);
        if (!l)
                return -ENOENT;
        if (streq(rest, "NumberOfEntries")) {
                size_t c = 0;
                for (size_t i = 0; i < n->n_prefixes; i++)
                        c += n->prefixes[i].ifindex == l->ifindex;
                return net_unsigned_int(c, ret);
        }
        if (rest[0] != '.')
                return -ENOENT;
        uint32_t instance;
        const char *field;
        r = table_parse_instance(rest + 1, &instance, &field);
        if (r < 0)
                return r;
        const struct net_prefix *p = NULL;
        for (size_t i = 0; i < n->n_prefixes && !p; i++)
                if (n->prefixes[i].instance == instance && n->prefixes[i].ifindex == l->ifindex)
                        p = &n->prefixes[i];
        if (!p)
                return -ENOENT;

        if (streq(field, "Enable"))
                return net_boolean(true, ret);
        if (streq(field, "Status"))
                return net_text("Enabled", ret);
        if (streq(field, "PrefixStatus"))
                return net_text(p->preferred    ? "Preferred"
                                : p->deprecated ? "Deprecated"
                                                : "Unknown",
                                ret);
        if (streq(field, "Alias"))
                return net_format(ret, "cpe-%" PRIu32, p->instance);
        if (streq(field, "Prefix")) {
                char buf[INET6_ADDRSTRLEN];
                return net_format(ret, "%s/%u", net_ip_to_string(&p->prefix, buf), p->len);
        }
        if (streq(field, "Origin"))
                return net_text(prefix_origins[p->origin], ret);
        if (streq(field, "StaticType"))
                return net_text(p->origin == NET_PREFIX_STATIC ? "Static" : "Inapplicable", ret);
        if (streq(field, "ParentPrefix"))
                return net_text("", ret); /* no prefix here is a child of another */
        if (streq(field, "OnLink"))
                return net_boolean(prefix_on_link(n, p), ret);
        return -ENOENT;
}

static int get_ip_interface(struct linux_net *n, const char *rest, char **ret)
{
        uint32_t instance;
        const char *field;
        int r = net_snapshot_row(n, NET_SECTION_LINKS, rest, &instance, &field);
        if (r < 0)
                return r;
        const struct net_link *l = net_link_by_instance(n, instance);
        if (!l)
                return -ENOENT;

        r = net_link_device_value(l, field, ret);
        if (r != -ENOENT)
                return r;
        if (streq(field, "Type"))
                return net_text(interface_type(l), ret);
        if (streq(field, "LowerLayers"))
                return net_lower_layers(n, NET_LAYER_IP, l, ret);
        if (streq(field, "IPv4Enable"))
                return net_boolean(true, ret); /* Linux has no per-interface switch for IPv4 */
        if (streq(field, "IPv6Enable")) {
                char path[IF_NAMESIZE + 64];
                bool disabled = true;
                snprintf(path, sizeof(path), "sys/net/ipv6/conf/%s/disable_ipv6", l->name);
                if (net_read_proc_flag(n, path, &disabled) < 0)
                        disabled = true;
                return net_boolean(!disabled, ret);
        }
        if (streq(field, "MaxMTUSize"))
                /* TR-181's range ends at 65535; loopback's 65536 reads as that. */
                return net_unsigned_int(l->mtu > 65535 ? 65535 : l->mtu, ret);
        if (streq(field, "Loopback"))
                return net_boolean(l->flags & IFF_LOOPBACK, ret);
        if (streq(field, "Router")) {
                /* A VRF and its members route through the VRF's table, which is not served. */
                const struct net_link *m = l->master ? net_link_by_ifindex(n, l->master) : NULL;
                bool vrf = streq(l->kind, "vrf") || (m && streq(m->kind, "vrf"));
                return net_text(vrf ? "" : "Device.Routing.Router.1", ret);
        }
        if (startswith(field, "Stats."))
                return net_link_stat(n, l, field + strlen("Stats."), false, ret);

        if (startswith(field, "IPv6Prefix"))
                return get_ipv6_prefix(n, instance, field + strlen("IPv6Prefix"), ret);

        bool v4 = startswith(field, "IPv4Address");
        if (v4 || startswith(field, "IPv6Address")) {
                r = net_snapshot_refresh(n, NET_SECTION_ADDRS);
                if (r < 0)
                        return r;
                l = net_link_by_instance(n, instance);
                if (!l)
                        return -ENOENT;
                int family = v4 ? AF_INET : AF_INET6;
                const char *sub = field + strlen("IPv4Address");
                if (streq(sub, "NumberOfEntries"))
                        return net_unsigned_int(count_addrs(n, l, family), ret);
                if (sub[0] != '.')
                        return -ENOENT;
                uint32_t ai;
                r = table_parse_instance(sub + 1, &ai, &field);
                if (r < 0)
                        return r;
                const struct net_addr *a = find_addr(n, l, family, ai);
                if (!a)
                        return -ENOENT;
                return v4 ? get_ipv4_address(a, field, ret) : get_ipv6_address(l, a, field, ret);
        }
        return -ENOENT;
}

static int get_active_port(struct linux_net *n, const char *rest, char **ret)
{
        uint32_t instance;
        const char *field;
        int r = net_snapshot_row(n, NET_SECTION_PORTS, rest, &instance, &field);
        if (r < 0)
                return r;
        const struct net_port *p = NULL;
        for (size_t i = 0; i < n->n_ports && !p; i++)
                if (n->ports[i].instance == instance)
                        p = &n->ports[i];
        if (!p)
                return -ENOENT;
        if (streq(field, "LocalIPAddress"))
                return net_ip_text(&p->local, ret);
        if (streq(field, "LocalPort"))
                return net_unsigned_int(p->local_port, ret);
        if (streq(field, "RemoteIPAddress"))
                return net_ip_text(&p->remote, ret);
        if (streq(field, "RemotePort"))
                return net_unsigned_int(p->remote_port, ret);
        if (streq(field, "Status"))
                return net_text(p->state == NET_PORT_LISTEN ? "LISTEN" : "ESTABLISHED", ret);
        return -ENOENT;
}

int net_get_ip(struct linux_net *n, const char *field, char **ret)
{
        int r;
        if (startswith(field, "Interface."))
                return get_ip_interface(n, field + strlen("Interface."), ret);
        if (startswith(field, "ActivePort."))
                return get_active_port(n, field + strlen("ActivePort."), ret);
        if (streq(field, "IPv4Capable") || streq(field, "IPv4Enable"))
                return net_boolean(true, ret);
        if (streq(field, "IPv4Status"))
                return net_text("Enabled", ret);
        if (streq(field, "IPv6Capable"))
                return net_boolean(net_ipv6_capable(n), ret);
        if (streq(field, "IPv6Status") || streq(field, "IPv6Enable")) {
                bool disabled = true;
                if (!net_ipv6_capable(n) ||
                    net_read_proc_flag(n, "sys/net/ipv6/conf/all/disable_ipv6", &disabled) < 0)
                        disabled = true;
                if (streq(field, "IPv6Enable"))
                        return net_boolean(!disabled, ret);
                return net_text(disabled ? "Disabled" : "Enabled", ret);
        }
        if (streq(field, "InterfaceNumberOfEntries")) {
                r = net_snapshot_refresh(n, NET_SECTION_LINKS);
                return r < 0 ? r : net_unsigned_int(n->n_links, ret);
        }
        if (streq(field, "ActivePortNumberOfEntries")) {
                r = net_snapshot_refresh(n, NET_SECTION_PORTS);
                return r < 0 ? r : net_unsigned_int(n->n_ports, ret);
        }
        return -ENOENT;
}
