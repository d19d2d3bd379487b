/* SPDX-License-Identifier: MIT */
/* Device.Ethernet., Device.IP., Device.Routing., Device.Hosts.: names to values. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "net-snapshot.h"

#define ETH_TABLE     "Device.Ethernet.Interface."
#define IP_TABLE      "Device.IP.Interface."
#define PORT_TABLE    "Device.IP.ActivePort."
#define ROUTER        "Device.Routing.Router."
#define ROUTER_ONE    ROUTER "1."
#define HOST_TABLE    "Device.Hosts.Host."
#define INFINITE_TIME "9999-12-31T23:59:59Z"

/* IFA_PROTO values (Linux 6.3). */
#define ADDR_PROTO_KERNEL_LO 1
#define ADDR_PROTO_KERNEL_RA 2
#define ADDR_PROTO_KERNEL_LL 3

const char *const linux_net_subtrees[] = {"Device.Ethernet.", "Device.IP.", "Device.Routing.",
                                          "Device.Hosts.", NULL};

/* ---- life cycle ---- */

static int read_boot_id(const char *proc, char buf[static 64])
{
        char path[512];
        snprintf(path, sizeof(path), "%s/sys/kernel/random/boot_id", proc);
        FILE *f = fopen(path, "re");
        if (!f)
                return -errno;
        bool ok = fgets(buf, 64, f) != NULL;
        fclose(f);
        if (!ok)
                return -EIO;
        buf[strcspn(buf, "\n")] = '\0';
        return 0;
}

int linux_net_new(const struct linux_net_paths *p, struct linux_net **ret)
{
        static const struct linux_net_paths defaults = {0};
        if (!p)
                p = &defaults;
        struct linux_net *n = calloc(1, sizeof(*n));
        if (!n)
                return -ENOMEM;
        n->event_fd = -1;
        n->sys = strdup(p->sys ? p->sys : "/sys");
        n->proc = strdup(p->proc ? p->proc : "/proc");
        if (!n->sys || !n->proc) {
                linux_net_free(n);
                return -ENOMEM;
        }
        char boot_id[64];
        int r = read_boot_id(n->proc, boot_id);
        r = net_numbering_init(&n->numbering, p->state_dir, r < 0 ? NULL : boot_id);
        if (r < 0) {
                linux_net_free(n);
                return r;
        }
        *ret = n;
        return 0;
}

void linux_net_free(struct linux_net *n)
{
        if (!n)
                return;
        sd_event_source_disable_unref(n->event_source);
        if (n->event_fd >= 0)
                close(n->event_fd);
        net_snapshot_free(n);
        net_numbering_done(&n->numbering);
        free(n->sys);
        free(n->proc);
        free(n);
}

void linux_net_invalidate(struct linux_net *n)
{
        for (size_t s = 0; s < _NET_SECTION_MAX; s++)
                n->valid[s] = false;
}

/* ---- formatting ---- */

static int format(char **ret, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int format(char **ret, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int r = vasprintf(ret, fmt, ap);
        va_end(ap);
        if (r < 0) {
                *ret = NULL;
                return -ENOMEM;
        }
        return 0;
}

static int text(const char *s, char **ret)
{
        return format(ret, "%s", s);
}

static int boolean(bool b, char **ret)
{
        return text(b ? "true" : "false", ret);
}

static int unsigned_int(uint64_t v, char **ret)
{
        return format(ret, "%" PRIu64, v > UINT32_MAX ? (uint64_t)UINT32_MAX : v);
}

static int ip_text(const struct net_ip *ip, char **ret)
{
        char buf[INET6_ADDRSTRLEN];
        return text(net_ip_to_string(ip, buf), ret);
}

/* now + seconds as a dateTime; the infinite lifetime is TR-181's infinite time. */
static int lifetime(uint32_t seconds, char **ret)
{
        if (seconds == NET_LIFETIME_INFINITE)
                return text(INFINITE_TIME, ret);
        time_t t = time(NULL) + (time_t)seconds;
        struct tm tm;
        char buf[32];
        if (!gmtime_r(&t, &tm) || strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                return -EINVAL;
        return text(buf, ret);
}

/* "7.Name" -> 7 and "Name"; instance numbers are decimal without leading zeros. */
static int parse_instance(const char *s, uint32_t *ret_instance, const char **ret_rest)
{
        uint64_t v = 0;
        const char *c = s;
        if (*c < '1' || *c > '9')
                return -ENOENT;
        for (; *c >= '0' && *c <= '9'; c++) {
                v = v * 10 + (uint64_t)(*c - '0');
                if (v > UINT32_MAX)
                        return -ENOENT;
        }
        if (*c != '.')
                return -ENOENT;
        *ret_instance = (uint32_t)v;
        *ret_rest = c + 1;
        return 0;
}

/* ---- /sys and /proc ---- */

static int read_sys_text(const struct linux_net *n, const char *ifname, const char *file, char *buf,
                         size_t size)
{
        char path[512];
        snprintf(path, sizeof(path), "%s/class/net/%s/%s", n->sys, ifname, file);
        FILE *f = fopen(path, "re");
        if (!f)
                return -errno;
        bool ok = fgets(buf, (int)size, f) != NULL;
        int err = errno;
        fclose(f);
        if (!ok)
                return err ? -err : -EIO;
        buf[strcspn(buf, "\n")] = '\0';
        return 0;
}

static int read_sys_u64(const struct linux_net *n, const char *ifname, const char *file,
                        uint64_t *ret)
{
        char buf[32], *end;
        int r = read_sys_text(n, ifname, file, buf, sizeof(buf));
        if (r < 0)
                return r;
        errno = 0;
        unsigned long long v = strtoull(buf, &end, 10);
        if (errno || end == buf || buf[0] == '-')
                return -EINVAL;
        *ret = v;
        return 0;
}

static int read_proc_flag(const struct linux_net *n, const char *path, bool *ret)
{
        char full[512], buf[16];
        snprintf(full, sizeof(full), "%s/%s", n->proc, path);
        FILE *f = fopen(full, "re");
        if (!f)
                return -errno;
        bool ok = fgets(buf, sizeof(buf), f) != NULL;
        fclose(f);
        if (!ok)
                return -EIO;
        *ret = buf[0] != '0';
        return 0;
}

static bool ipv6_capable(const struct linux_net *n)
{
        char path[512];
        snprintf(path, sizeof(path), "%s/sys/net/ipv6", n->proc);
        return access(path, F_OK) == 0;
}

/* ---- interfaces ---- */

/* TR-181's Status from the kernel's administrative flag and operational state (RFC 2863). */
static const char *link_status(const struct net_link *l)
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

static int get_stat(const struct linux_net *n, const struct net_link *l, const char *field,
                    bool ethernet, char **ret)
{
        for (size_t i = 0; i < ELEMENTSOF(stats); i++) {
                if (!streq(field, stats[i].name) || (stats[i].ethernet_only && !ethernet))
                        continue;
                char file[64];
                uint64_t v;
                snprintf(file, sizeof(file), "statistics/%s", stats[i].file);
                int r = read_sys_u64(n, l->name, file, &v);
                if (r < 0)
                        return r;
                /* StatsCounter32 wraps around as the 32-bit counter it is. */
                if (stats[i].counter32)
                        v &= UINT32_MAX;
                return format(ret, "%" PRIu64, v);
        }
        return -ENOENT;
}

static bool link_has_default_route(struct linux_net *n, const struct net_link *l)
{
        if (net_snapshot_refresh(n, NET_SECTION_ROUTES) < 0)
                return false;
        for (size_t i = 0; i < n->n_routes; i++)
                if (n->routes[i].dst_len == 0 && n->routes[i].type == RTN_UNICAST &&
                    n->routes[i].oif == l->ifindex)
                        return true;
        return false;
}

static int get_ethernet(struct linux_net *n, const char *rest, char **ret)
{
        uint32_t instance;
        const char *field;
        int r = parse_instance(rest, &instance, &field);
        if (r < 0)
                return r;
        r = net_snapshot_refresh(n, NET_SECTION_LINKS);
        if (r < 0)
                return r;
        const struct net_link *l = net_link_by_instance(n, instance);
        if (!l || !net_link_is_ethernet(n, l))
                return -ENOENT;

        if (streq(field, "Enable"))
                return boolean(l->flags & IFF_UP, ret);
        if (streq(field, "Status"))
                return text(link_status(l), ret);
        if (streq(field, "Alias"))
                return format(ret, "cpe-%s", l->name);
        if (streq(field, "Name"))
                return text(l->name, ret);
        if (streq(field, "Upstream"))
                return boolean(link_has_default_route(n, l), ret);
        if (streq(field, "MACAddress")) {
                char mac[NET_HWADDR_MAX * 3];
                return text(net_hwaddr_to_string(l->hwaddr, l->hwaddr_len, mac), ret);
        }
        if (streq(field, "CurrentBitRate")) {
                /* Unknown (no carrier, or the driver does not say): 0. */
                uint64_t speed = 0;
                if (read_sys_u64(n, l->name, "speed", &speed) < 0)
                        speed = 0;
                return unsigned_int(speed, ret);
        }
        if (streq(field, "CurrentDuplexMode")) {
                char duplex[16] = "";
                (void)read_sys_text(n, l->name, "duplex", duplex, sizeof(duplex));
                return text(streq(duplex, "full")   ? "Full"
                            : streq(duplex, "half") ? "Half"
                                                    : "Unknown",
                            ret);
        }
        if (startswith(field, "Stats."))
                return get_stat(n, l, field + strlen("Stats."), true, ret);
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
                return boolean(true, ret);
        if (streq(field, "Status"))
                return text("Enabled", ret);
        if (streq(field, "Alias"))
                return format(ret, "cpe-%" PRIu32, a->instance);
        if (streq(field, "IPAddress"))
                return ip_text(&a->ip, ret);
        if (streq(field, "SubnetMask")) {
                char mask[INET_ADDRSTRLEN];
                return text(net_prefix_to_mask(a->prefixlen, mask), ret);
        }
        if (streq(field, "AddressingType")) {
                /* An address with a lifetime was leased; one without was configured. */
                if (is_link_local_v4(&a->ip))
                        return text("AutoIP", ret);
                return text((a->flags & IFA_F_PERMANENT) ? "Static" : "DHCP", ret);
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
                return a->prefix_instance ? format(ret, IP_TABLE "%" PRIu32 ".IPv6Prefix.%" PRIu32,
                                                   l->instance, a->prefix_instance)
                                          : text("", ret);
        if (streq(field, "Enable"))
                return boolean(true, ret);
        if (streq(field, "Status"))
                return text("Enabled", ret);
        if (streq(field, "IPAddressStatus"))
                return text(ipv6_address_status(a->flags), ret);
        if (streq(field, "Alias"))
                return format(ret, "cpe-%" PRIu32, a->instance);
        if (streq(field, "IPAddress"))
                return ip_text(&a->ip, ret);
        if (streq(field, "Origin"))
                return text(ipv6_origin(a), ret);
        if (streq(field, "PreferredLifetime"))
                return lifetime(a->preferred_lifetime, ret);
        if (streq(field, "ValidLifetime"))
                return lifetime(a->valid_lifetime, ret);
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
                return unsigned_int(c, ret);
        }
        if (rest[0] != '.')
                return -ENOENT;
        uint32_t instance;
        const char *field;
        r = parse_instance(rest + 1, &instance, &field);
        if (r < 0)
                return r;
        const struct net_prefix *p = NULL;
        for (size_t i = 0; i < n->n_prefixes && !p; i++)
                if (n->prefixes[i].instance == instance && n->prefixes[i].ifindex == l->ifindex)
                        p = &n->prefixes[i];
        if (!p)
                return -ENOENT;

        if (streq(field, "Enable"))
                return boolean(true, ret);
        if (streq(field, "Status"))
                return text("Enabled", ret);
        if (streq(field, "PrefixStatus"))
                return text(p->preferred    ? "Preferred"
                            : p->deprecated ? "Deprecated"
                                            : "Unknown",
                            ret);
        if (streq(field, "Alias"))
                return format(ret, "cpe-%" PRIu32, p->instance);
        if (streq(field, "Prefix")) {
                char buf[INET6_ADDRSTRLEN];
                return format(ret, "%s/%u", net_ip_to_string(&p->prefix, buf), p->len);
        }
        if (streq(field, "Origin"))
                return text(prefix_origins[p->origin], ret);
        if (streq(field, "OnLink"))
                return boolean(prefix_on_link(n, p), ret);
        return -ENOENT;
}

static int get_ip_interface(struct linux_net *n, const char *rest, char **ret)
{
        uint32_t instance;
        const char *field;
        int r = parse_instance(rest, &instance, &field);
        if (r < 0)
                return r;
        r = net_snapshot_refresh(n, NET_SECTION_LINKS);
        if (r < 0)
                return r;
        const struct net_link *l = net_link_by_instance(n, instance);
        if (!l)
                return -ENOENT;

        if (streq(field, "Enable"))
                return boolean(l->flags & IFF_UP, ret);
        if (streq(field, "Status"))
                return text(link_status(l), ret);
        if (streq(field, "Alias"))
                return format(ret, "cpe-%s", l->name);
        if (streq(field, "Name"))
                return text(l->name, ret);
        if (streq(field, "Type"))
                return text(interface_type(l), ret);
        if (streq(field, "LowerLayers"))
                return net_link_is_ethernet(n, l) ? format(ret, ETH_TABLE "%" PRIu32, l->instance)
                                                  : text("", ret);
        if (streq(field, "IPv4Enable"))
                return boolean(true, ret); /* Linux has no per-interface switch for IPv4 */
        if (streq(field, "IPv6Enable")) {
                char path[IF_NAMESIZE + 64];
                bool disabled = true;
                snprintf(path, sizeof(path), "sys/net/ipv6/conf/%s/disable_ipv6", l->name);
                if (read_proc_flag(n, path, &disabled) < 0)
                        disabled = true;
                return boolean(!disabled, ret);
        }
        if (streq(field, "MaxMTUSize"))
                /* TR-181's range ends at 65535; loopback's 65536 reads as that. */
                return unsigned_int(l->mtu > 65535 ? 65535 : l->mtu, ret);
        if (streq(field, "Loopback"))
                return boolean(l->flags & IFF_LOOPBACK, ret);
        if (startswith(field, "Stats."))
                return get_stat(n, l, field + strlen("Stats."), false, ret);

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
                        return unsigned_int(count_addrs(n, l, family), ret);
                if (sub[0] != '.')
                        return -ENOENT;
                uint32_t ai;
                r = parse_instance(sub + 1, &ai, &field);
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
        int r = parse_instance(rest, &instance, &field);
        if (r < 0)
                return r;
        r = net_snapshot_refresh(n, NET_SECTION_PORTS);
        if (r < 0)
                return r;
        const struct net_port *p = NULL;
        for (size_t i = 0; i < n->n_ports && !p; i++)
                if (n->ports[i].instance == instance)
                        p = &n->ports[i];
        if (!p)
                return -ENOENT;
        if (streq(field, "LocalIPAddress"))
                return ip_text(&p->local, ret);
        if (streq(field, "LocalPort"))
                return unsigned_int(p->local_port, ret);
        if (streq(field, "RemoteIPAddress"))
                return ip_text(&p->remote, ret);
        if (streq(field, "RemotePort"))
                return unsigned_int(p->remote_port, ret);
        if (streq(field, "Status"))
                return text(p->state == NET_PORT_LISTEN ? "LISTEN" : "ESTABLISHED", ret);
        return -ENOENT;
}

static int get_ip(struct linux_net *n, const char *field, char **ret)
{
        int r;
        if (startswith(field, "Interface."))
                return get_ip_interface(n, field + strlen("Interface."), ret);
        if (startswith(field, "ActivePort."))
                return get_active_port(n, field + strlen("ActivePort."), ret);
        if (streq(field, "IPv4Capable"))
                return boolean(true, ret);
        if (streq(field, "IPv4Status"))
                return text("Enabled", ret);
        if (streq(field, "IPv6Capable"))
                return boolean(ipv6_capable(n), ret);
        if (streq(field, "IPv6Status")) {
                bool disabled = true;
                if (!ipv6_capable(n) ||
                    read_proc_flag(n, "sys/net/ipv6/conf/all/disable_ipv6", &disabled) < 0)
                        disabled = true;
                return text(disabled ? "Disabled" : "Enabled", ret);
        }
        if (streq(field, "InterfaceNumberOfEntries")) {
                r = net_snapshot_refresh(n, NET_SECTION_LINKS);
                return r < 0 ? r : unsigned_int(n->n_links, ret);
        }
        if (streq(field, "ActivePortNumberOfEntries")) {
                r = net_snapshot_refresh(n, NET_SECTION_PORTS);
                return r < 0 ? r : unsigned_int(n->n_ports, ret);
        }
        return -ENOENT;
}

/* ---- routing ---- */

static const char *route_type(uint8_t type)
{
        switch (type) {
        case RTN_BLACKHOLE:
                return "Blackhole";
        case RTN_UNREACHABLE:
                return "Unreachable";
        case RTN_PROHIBIT:
                return "Prohibit";
        default:
                return "Normal";
        }
}

static const char *route_origin(const struct net_route *rt)
{
        bool v4 = rt->dst.family == AF_INET;
        switch (rt->protocol) {
        case RTPROT_DHCP:
                return v4 ? "DHCPv4" : "DHCPv6";
        case RTPROT_RA:
                return v4 ? "Static" : "RA";
        case RTPROT_OSPF:
                return "OSPF";
        case RTPROT_RIP:
                return v4 ? "RIP" : "RIPng";
        default:
                return "Static";
        }
}

static size_t count_routes(const struct linux_net *n, int family)
{
        size_t c = 0;
        for (size_t i = 0; i < n->n_routes; i++)
                c += n->routes[i].dst.family == family;
        return c;
}

static int get_route(struct linux_net *n, const struct net_route *rt, const char *field, char **ret)
{
        bool v4 = rt->dst.family == AF_INET;
        if (streq(field, "Enable"))
                return boolean(true, ret);
        if (streq(field, "Status"))
                return text("Enabled", ret);
        if (streq(field, "Alias"))
                return format(ret, "cpe-%" PRIu32, rt->instance);
        if (streq(field, "Type"))
                return text(route_type(rt->type), ret);
        if (streq(field, "Interface")) {
                const struct net_link *l = rt->oif ? net_link_by_ifindex(n, rt->oif) : NULL;
                return l ? format(ret, IP_TABLE "%" PRIu32, l->instance) : text("", ret);
        }
        if (streq(field, "Origin"))
                return text(route_origin(rt), ret);
        if (streq(field, "ForwardingMetric"))
                return format(ret, "%" PRIu32, rt->priority > INT32_MAX ? INT32_MAX : rt->priority);
        if (v4) {
                if (streq(field, "StaticRoute"))
                        return boolean(rt->protocol == RTPROT_STATIC || rt->protocol == RTPROT_BOOT,
                                       ret);
                /* The default route has neither destination nor mask. */
                if (streq(field, "DestIPAddress"))
                        return rt->dst_len == 0 ? text("", ret) : ip_text(&rt->dst, ret);
                if (streq(field, "DestSubnetMask")) {
                        char mask[INET_ADDRSTRLEN];
                        return rt->dst_len == 0 ? text("", ret)
                                                : text(net_prefix_to_mask(rt->dst_len, mask), ret);
                }
                if (streq(field, "GatewayIPAddress"))
                        return rt->has_gateway ? ip_text(&rt->gateway, ret) : text("", ret);
                return -ENOENT;
        }
        if (streq(field, "DestIPPrefix")) {
                char dst[INET6_ADDRSTRLEN];
                return format(ret, "%s/%u", net_ip_to_string(&rt->dst, dst), rt->dst_len);
        }
        if (streq(field, "NextHop"))
                return rt->has_gateway ? ip_text(&rt->gateway, ret) : text("", ret);
        return -ENOENT;
}

static int get_routing(struct linux_net *n, const char *field, char **ret)
{
        if (streq(field, "RouterNumberOfEntries"))
                return unsigned_int(1, ret);
        if (!startswith(field, "Router.1."))
                return -ENOENT;
        field += strlen("Router.1.");
        if (streq(field, "Enable"))
                return boolean(true, ret);
        if (streq(field, "Status"))
                return text("Enabled", ret);
        if (streq(field, "Alias"))
                return text("cpe-main", ret);
        int r = net_snapshot_refresh(n, NET_SECTION_ROUTES);
        if (r < 0)
                return r;
        if (streq(field, "IPv4ForwardingNumberOfEntries"))
                return unsigned_int(count_routes(n, AF_INET), ret);
        if (streq(field, "IPv6ForwardingNumberOfEntries"))
                return unsigned_int(count_routes(n, AF_INET6), ret);
        bool v4 = startswith(field, "IPv4Forwarding.");
        if (!v4 && !startswith(field, "IPv6Forwarding."))
                return -ENOENT;
        uint32_t instance;
        r = parse_instance(field + strlen("IPv4Forwarding."), &instance, &field);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n->n_routes; i++)
                if (n->routes[i].instance == instance &&
                    n->routes[i].dst.family == (v4 ? AF_INET : AF_INET6))
                        return get_route(n, &n->routes[i], field, ret);
        return -ENOENT;
}

/* ---- hosts ---- */

static const struct net_host *find_host(const struct linux_net *n, uint32_t instance)
{
        for (size_t i = 0; i < n->n_hosts; i++)
                if (n->hosts[i].instance == instance)
                        return &n->hosts[i];
        return NULL;
}

static int get_host_ip(const struct net_host_ip *v, size_t count, const char *rest, char **ret)
{
        uint32_t instance;
        const char *field;
        int r = parse_instance(rest, &instance, &field);
        if (r < 0)
                return r;
        for (size_t i = 0; i < count; i++)
                if (v[i].instance == instance)
                        return streq(field, "IPAddress") ? ip_text(&v[i].ip, ret) : -ENOENT;
        return -ENOENT;
}

static int get_hosts(struct linux_net *n, const char *field, char **ret)
{
        int r = net_snapshot_refresh(n, NET_SECTION_HOSTS);
        if (r < 0)
                return r;
        if (streq(field, "HostNumberOfEntries"))
                return unsigned_int(n->n_hosts, ret);
        if (!startswith(field, "Host."))
                return -ENOENT;
        uint32_t instance;
        r = parse_instance(field + strlen("Host."), &instance, &field);
        if (r < 0)
                return r;
        const struct net_host *h = find_host(n, instance);
        if (!h)
                return -ENOENT;
        const struct net_link *l = net_link_by_ifindex(n, h->ifindex);
        if (!l)
                return -ENOENT;

        if (streq(field, "PhysAddress")) {
                char mac[NET_HWADDR_MAX * 3];
                return text(net_hwaddr_to_string(h->mac, h->mac_len, mac), ret);
        }
        if (streq(field, "IPAddress")) {
                /* The host's IPv4 address where it has one: what TR-181's single address
                 * usually means. */
                if (h->n_v4 > 0)
                        return ip_text(&h->v4[0].ip, ret);
                return h->n_v6 > 0 ? ip_text(&h->v6[0].ip, ret) : text("", ret);
        }
        if (streq(field, "Layer1Interface"))
                return net_link_is_ethernet(n, l) ? format(ret, ETH_TABLE "%" PRIu32, l->instance)
                                                  : text("", ret);
        if (streq(field, "Layer3Interface"))
                return format(ret, IP_TABLE "%" PRIu32, l->instance);
        if (streq(field, "Active"))
                return boolean(h->active, ret);
        if (streq(field, "IPv4AddressNumberOfEntries"))
                return unsigned_int(h->n_v4, ret);
        if (streq(field, "IPv6AddressNumberOfEntries"))
                return unsigned_int(h->n_v6, ret);
        if (startswith(field, "IPv4Address."))
                return get_host_ip(h->v4, h->n_v4, field + strlen("IPv4Address."), ret);
        if (startswith(field, "IPv6Address."))
                return get_host_ip(h->v6, h->n_v6, field + strlen("IPv6Address."), ret);
        return -ENOENT;
}

int linux_net_get(struct linux_net *n, const char *name, char **value)
{
        if (startswith(name, ETH_TABLE))
                return get_ethernet(n, name + strlen(ETH_TABLE), value);
        if (streq(name, "Device.Ethernet.InterfaceNumberOfEntries")) {
                int r = net_snapshot_refresh(n, NET_SECTION_LINKS);
                if (r < 0)
                        return r;
                size_t c = 0;
                for (size_t i = 0; i < n->n_links; i++)
                        c += net_link_is_ethernet(n, &n->links[i]);
                return unsigned_int(c, value);
        }
        if (startswith(name, "Device.IP."))
                return get_ip(n, name + strlen("Device.IP."), value);
        if (startswith(name, "Device.Routing."))
                return get_routing(n, name + strlen("Device.Routing."), value);
        if (startswith(name, "Device.Hosts."))
                return get_hosts(n, name + strlen("Device.Hosts."), value);
        return -ENOENT;
}

/* ---- instances ---- */

/* Does a query for `object` reach into `table` (or the other way round)? */
static bool overlaps(const char *object, const char *table)
{
        return startswith(table, object) || startswith(object, table);
}

static int push(struct strv *all, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int push(struct strv *all, const char *fmt, ...)
{
        va_list ap;
        char *s;
        va_start(ap, fmt);
        int r = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        return strv_push_take(all, s);
}

static int list_interfaces(struct linux_net *n, const char *object, struct strv *all)
{
        int r = 0;
        bool eth = overlaps(object, ETH_TABLE), ip = overlaps(object, IP_TABLE);
        if (!eth && !ip)
                return 0;
        r = net_snapshot_refresh(n, ip ? NET_SECTION_ADDRS : NET_SECTION_LINKS);
        if (r < 0)
                return r;
        for (size_t i = 0; r >= 0 && i < n->n_links; i++) {
                const struct net_link *l = &n->links[i];
                if (eth && net_link_is_ethernet(n, l))
                        r = push(all, ETH_TABLE "%" PRIu32 ".", l->instance);
                if (r >= 0 && ip)
                        r = push(all, IP_TABLE "%" PRIu32 ".", l->instance);
        }
        for (size_t i = 0; ip && r >= 0 && i < n->n_addrs; i++) {
                const struct net_addr *a = &n->addrs[i];
                const struct net_link *l = net_link_by_ifindex(n, a->ifindex);
                if (l)
                        r = push(all, IP_TABLE "%" PRIu32 ".IPv%dAddress.%" PRIu32 ".", l->instance,
                                 a->ip.family == AF_INET ? 4 : 6, a->instance);
        }
        for (size_t i = 0; ip && r >= 0 && i < n->n_prefixes; i++) {
                const struct net_link *l = net_link_by_ifindex(n, n->prefixes[i].ifindex);
                if (l)
                        r = push(all, IP_TABLE "%" PRIu32 ".IPv6Prefix.%" PRIu32 ".", l->instance,
                                 n->prefixes[i].instance);
        }
        return r;
}

static int list_all(struct linux_net *n, const char *object, struct strv *all)
{
        int r = list_interfaces(n, object, all);
        if (r >= 0 && overlaps(object, PORT_TABLE)) {
                r = net_snapshot_refresh(n, NET_SECTION_PORTS);
                for (size_t i = 0; r >= 0 && i < n->n_ports; i++)
                        r = push(all, PORT_TABLE "%" PRIu32 ".", n->ports[i].instance);
        }
        if (r >= 0 && overlaps(object, ROUTER)) {
                r = push(all, ROUTER_ONE);
                if (r >= 0 && overlaps(object, ROUTER_ONE "IPv"))
                        r = net_snapshot_refresh(n, NET_SECTION_ROUTES);
                for (size_t i = 0; r >= 0 && overlaps(object, ROUTER_ONE "IPv") && i < n->n_routes;
                     i++)
                        r = push(all, ROUTER_ONE "IPv%dForwarding.%" PRIu32 ".",
                                 n->routes[i].dst.family == AF_INET ? 4 : 6, n->routes[i].instance);
        }
        if (r >= 0 && overlaps(object, HOST_TABLE)) {
                r = net_snapshot_refresh(n, NET_SECTION_HOSTS);
                for (size_t i = 0; r >= 0 && i < n->n_hosts; i++) {
                        const struct net_host *h = &n->hosts[i];
                        r = push(all, HOST_TABLE "%" PRIu32 ".", h->instance);
                        for (size_t k = 0; r >= 0 && k < h->n_v4; k++)
                                r = push(all, HOST_TABLE "%" PRIu32 ".IPv4Address.%" PRIu32 ".",
                                         h->instance, h->v4[k].instance);
                        for (size_t k = 0; r >= 0 && k < h->n_v6; k++)
                                r = push(all, HOST_TABLE "%" PRIu32 ".IPv6Address.%" PRIu32 ".",
                                         h->instance, h->v6[k].instance);
                }
        }
        return r;
}

static bool listed(const struct strv *all, const char *path, size_t len)
{
        for (size_t i = 0; i < all->n; i++)
                if (strlen(all->v[i]) == len && strncmp(all->v[i], path, len) == 0)
                        return true;
        return false;
}

/* Every instance that `object` names ("Device.IP.Interface.3.IPv4Address.") exists. */
static bool instances_exist(const struct strv *all, const char *object)
{
        for (const char *c = object; (c = strchr(c, '.')); c++) {
                const char *seg = c + 1;
                size_t len = strspn(seg, "0123456789");
                if (len > 0 && seg[len] == '.' &&
                    !listed(all, object, (size_t)(seg - object) + len + 1))
                        return false;
        }
        return true;
}

int linux_net_get_instances(struct linux_net *n, const char *subtree, const char *object,
                            struct strv *instances)
{
        if (object[0] != '\0' && !endswith_char(object, '.'))
                return -EINVAL;
        if (!overlaps(object, subtree))
                return 0;
        /* Only the tables of the asking owner's subtree, and of them what object names. */
        const char *scope = strlen(subtree) > strlen(object) ? subtree : object;
        bool ours = false;
        for (size_t i = 0; linux_net_subtrees[i]; i++)
                ours = ours || overlaps(scope, linux_net_subtrees[i]);
        if (!ours)
                return 0;

        struct strv all = {};
        int r = list_all(n, scope, &all);
        if (r >= 0 && !instances_exist(&all, object))
                r = -ENOENT;
        for (size_t i = 0; r >= 0 && i < all.n; i++)
                if (startswith(all.v[i], scope))
                        r = strv_push(instances, all.v[i]);
        strv_done(&all);
        return r;
}
