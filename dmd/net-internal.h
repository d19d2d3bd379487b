/* SPDX-License-Identifier: MIT */
#pragma once

/* What dmd reads from the kernel about its network, one struct per kind of object, and the
 * parsers that fill them from netlink messages (net-*.c). */

#include <linux/netlink.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* glibc's net/if.h and linux/if.h exclude each other; this one flag is linux/if.h's alone. */
#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif

/* IFLA_OPERSTATE values (RFC 2863), as linux/if.h numbers them. */
enum net_operstate {
        NET_OPER_UNKNOWN = 0,
        NET_OPER_NOTPRESENT = 1,
        NET_OPER_DOWN = 2,
        NET_OPER_LOWERLAYERDOWN = 3,
        NET_OPER_TESTING = 4,
        NET_OPER_DORMANT = 5,
        NET_OPER_UP = 6,
};

#define NET_HWADDR_MAX 32u
#define NET_KIND_MAX   32u

/* An address of either family: 4 or 16 bytes used. */
struct net_ip {
        uint8_t family; /* AF_INET, AF_INET6 */
        uint8_t bytes[16];
};

/* A growing array of fixed-size items, for the dumps. */
struct net_vec {
        void *items;
        size_t n, allocated, item_size;
};

/* ---- links (net-link.c) ---- */

struct net_link {
        int ifindex;
        char name[IF_NAMESIZE];
        unsigned flags;    /* IFF_UP, IFF_LOOPBACK, IFF_LOWER_UP ... */
        uint8_t operstate; /* IF_OPER_* (RFC 2863) */
        uint32_t mtu;
        uint16_t type; /* ARPHRD_* */
        uint8_t hwaddr[NET_HWADDR_MAX];
        size_t hwaddr_len;
        char kind[NET_KIND_MAX]; /* IFLA_INFO_KIND ("veth", "bridge"); "" for hardware */
        uint32_t instance;       /* in Device.IP.Interface. (and Ethernet.Interface.) */
        bool ethernet;           /* in Device.Ethernet.Interface. too (set by the snapshot) */
        int master;              /* IFLA_MASTER: the bridge (or bond) it is a port of; 0: none */
        int lower;               /* IFLA_LINK of a VLAN: the device it tags; 0: none */
        uint16_t vlan_id;        /* kind "vlan": IFLA_VLAN_ID */
        uint16_t vlan_protocol;  /* kind "vlan": IFLA_VLAN_PROTOCOL (0x8100, 0x88a8) */
        bool vlan_filtering;     /* kind "bridge": IFLA_BR_VLAN_FILTERING */
        bool bridge_port;        /* IFLA_INFO_SLAVE_KIND "bridge" */
        bool bond_port;          /* IFLA_INFO_SLAVE_KIND "bond" */
        uint8_t port_state;      /* bridge port: IFLA_BRPORT_STATE (BR_STATE_*) */
        uint32_t port_cost;      /* bridge port: IFLA_BRPORT_COST */
        uint32_t inet6_flags;    /* IFLA_INET6_FLAGS: IF_RA_MANAGED, IF_RA_OTHERCONF ... */
};

/* RTM_NEWLINK -> net_link. -EBADMSG for a malformed message. */
int net_link_parse(const struct nlmsghdr *h, struct net_link *ret);
int net_link_dump(struct net_link **ret, size_t *ret_n);

/* ---- the VLAN tables of bridges (net-brvlan.c) ---- */

/* One VLAN of a bridge port, or of the bridge itself (its "self" entries). */
struct net_brvlan {
        int ifindex;
        uint16_t vid;
        uint16_t flags; /* BRIDGE_VLAN_INFO_PVID, BRIDGE_VLAN_INFO_UNTAGGED */
};

/* An AF_BRIDGE RTM_NEWLINK (as RTEXT_FILTER_BRVLAN dumps it) -> its VLANs, appended to v
 * (a net_vec of struct net_brvlan); ranges are expanded. -EBADMSG for a malformed message. */
int net_brvlan_parse(const struct nlmsghdr *h, struct net_vec *v);
int net_brvlan_dump(struct net_brvlan **ret, size_t *ret_n);

/* ---- addresses (net-addr.c) ---- */

#define NET_LIFETIME_INFINITE UINT32_MAX

struct net_addr {
        int ifindex;
        struct net_ip ip;
        uint8_t prefixlen;
        uint8_t scope;
        uint8_t proto;  /* IFA_PROTO (kernels since 6.3), 0 if unknown */
        uint32_t flags; /* IFA_F_* (IFA_FLAGS when present) */
        uint32_t preferred_lifetime, valid_lifetime; /* seconds left; NET_LIFETIME_INFINITE */
        uint32_t instance;
        uint32_t prefix_instance; /* IPv6: the row of its prefix in IPv6Prefix, 0 if none */
};

int net_addr_parse(const struct nlmsghdr *h, struct net_addr *ret);
/* family: AF_INET or AF_INET6. */
int net_addr_dump(int family, struct net_addr **ret, size_t *ret_n);

/* ---- routes (net-route.c) ---- */

struct net_route {
        struct net_ip dst;
        uint8_t dst_len;
        bool has_gateway;
        struct net_ip gateway;
        int oif; /* 0: none */
        uint32_t table;
        uint32_t priority; /* the metric */
        uint8_t protocol;  /* RTPROT_* */
        uint8_t type;      /* RTN_* */
        uint32_t expires;  /* seconds left (RTA_CACHEINFO); 0: does not expire */
        uint8_t pref;      /* RTA_PREF (RFC 4191): ICMPV6_ROUTER_PREF_*; medium if absent */
        uint32_t instance;
};

int net_route_parse(const struct nlmsghdr *h, struct net_route *ret);
int net_route_dump(int family, struct net_route **ret, size_t *ret_n);

/* ---- neighbours (net-neigh.c) ---- */

struct net_neigh {
        int ifindex;
        struct net_ip ip;
        uint8_t lladdr[NET_HWADDR_MAX];
        size_t lladdr_len; /* 0: not resolved */
        uint16_t state;    /* NUD_* */
        uint8_t flags;     /* NTF_* */
};

int net_neigh_parse(const struct nlmsghdr *h, struct net_neigh *ret);
/* Both families. */
int net_neigh_dump(struct net_neigh **ret, size_t *ret_n);

/* ---- bridges' forwarding databases (net-fdb.c) ---- */

struct net_fdb {
        int port;   /* the bridge port the address is behind */
        int master; /* NDA_MASTER: its bridge; 0 if absent */
        uint8_t mac[NET_HWADDR_MAX];
        size_t mac_len;
        uint16_t state; /* NUD_PERMANENT for the bridge's own addresses */
        uint8_t flags;  /* NTF_SELF, NTF_MASTER ... */
};

/* An AF_BRIDGE RTM_NEWNEIGH -> net_fdb; -ENODATA for other families. */
int net_fdb_parse(const struct nlmsghdr *h, struct net_fdb *ret);
int net_fdb_dump(struct net_fdb **ret, size_t *ret_n);

/* ---- TCP sockets (net-ports.c) ---- */

enum net_port_state { NET_PORT_LISTEN, NET_PORT_ESTABLISHED };

struct net_port {
        struct net_ip local, remote;
        uint16_t local_port, remote_port;
        enum net_port_state state;
        uint32_t instance;
};

/* An inet_diag_msg -> net_port; -ENODATA for a socket in another state. */
int net_port_parse(const struct nlmsghdr *h, struct net_port *ret);
/* Listening and established TCP sockets of both families. */
int net_port_dump(struct net_port **ret, size_t *ret_n);

/* ---- text (net-format.c) ---- */

/* "192.0.2.1", "2001:db8::1". buf holds INET6_ADDRSTRLEN bytes. */
const char *net_ip_to_string(const struct net_ip *ip, char *buf);
/* "00:11:22:aa:bb:cc"; buf holds NET_HWADDR_MAX * 3 bytes. "" for an empty address. */
const char *net_hwaddr_to_string(const uint8_t *a, size_t len, char *buf);
/* The IPv4 mask of a prefix length: 24 -> "255.255.255.0". buf: INET_ADDRSTRLEN bytes. */
const char *net_prefix_to_mask(uint8_t prefixlen, char *buf);
/* Zeroes the bits beyond prefixlen: the network of an address. */
void net_ip_mask(struct net_ip *ip, uint8_t prefixlen);
bool net_ip_equal(const struct net_ip *a, const struct net_ip *b);

/* A zeroed slot at the end, or NULL when out of memory. */
void *net_vec_push(struct net_vec *v);

/* Parses one message of a dump into `ret`, one item; -ENODATA for a message that is none. */
typedef int (*net_parse_fn)(const struct nlmsghdr *h, void *ret);
/* Dumps `request` and returns the items `parse` made of the answer (net-dump.c). */
int net_dump_collect(int protocol, struct nlmsghdr *request, size_t item_size, net_parse_fn parse,
                     void **ret, size_t *ret_n);
/* net_dump_collect() of the kernel's neighbour tables of `family` (AF_BRIDGE: the bridges'
 * forwarding databases) (net-neigh.c). */
int net_dump_neighbours(uint8_t family, size_t item_size, net_parse_fn parse, void **ret,
                        size_t *ret_n);
