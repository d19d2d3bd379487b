/* SPDX-License-Identifier: MIT */
#pragma once

/* The provider's state shared by linux-net.c (values), net-snapshot.c (reading and
 * numbering the tables) and net-events.c (kernel events). */

#include "linux-net.h"
#include "net-internal.h"
#include "net-numbering.h"

struct net_qdisc;

struct net_host_ip {
        struct net_ip ip;
        uint32_t instance;
};

/* Device.Hosts.Host.{i}.: the neighbours of one link-layer address on one interface. */
struct net_host {
        int ifindex;
        uint8_t mac[NET_HWADDR_MAX];
        size_t mac_len;
        bool active;
        int port; /* on a bridge: the port its address was learned on (0: unknown) */
        struct net_host_ip *v4, *v6;
        size_t n_v4, n_v6;
        uint32_t instance;
};

/* Device.IP.Interface.{i}.IPv6Prefix.{i}.: the prefix of IPv6 addresses on one interface. */
enum net_prefix_origin { NET_PREFIX_WELL_KNOWN, NET_PREFIX_STATIC, NET_PREFIX_RA };

struct net_prefix {
        int ifindex;
        struct net_ip prefix;
        uint8_t len;
        enum net_prefix_origin origin;
        bool preferred;  /* an address in it is preferred */
        bool deprecated; /* an address in it is deprecated */
        uint32_t instance;
};

/* Device.Bridging.Bridge.{i}.VLAN.{i}.: a VLAN ID some port of a VLAN-filtering bridge has. */
struct net_bridge_vlan {
        int bridge; /* ifindex */
        uint16_t vid;
        uint32_t instance;
};

/* Device.Bridging.Bridge.{i}.VLANPort.{i}.: one VLAN of one port (the bridge itself for its
 * management port). */
struct net_bridge_vlan_port {
        int bridge, port; /* ifindexes */
        uint16_t vid;
        bool untagged;
        uint32_t instance, vlan_instance;
};

/* Device.InterfaceStack.{i}.: one item of one row's LowerLayers. */
struct net_stack_row {
        char *higher, *lower; /* paths without the trailing dot */
        uint32_t instance;
};

enum net_section {
        NET_SECTION_LINKS,
        NET_SECTION_ADDRS,
        NET_SECTION_ROUTES,
        NET_SECTION_HOSTS,
        NET_SECTION_PORTS,
        NET_SECTION_BRIDGES, /* the bridges' VLAN tables */
        NET_SECTION_STACK,   /* InterfaceStack, derived from the links */
        NET_SECTION_QOS,     /* the queueing disciplines (net-qos-values.c) */
        _NET_SECTION_MAX,
};

struct linux_net {
        char *sys, *proc;
        struct net_numbering numbering;

        uint64_t taken_usec[_NET_SECTION_MAX]; /* CLOCK_MONOTONIC */
        bool valid[_NET_SECTION_MAX];

        /* Each array sorted by instance number. */
        struct net_link *links;
        size_t n_links;
        struct net_addr *addrs; /* both families */
        size_t n_addrs;
        struct net_prefix *prefixes; /* of the IPv6 addresses */
        size_t n_prefixes;
        struct net_route *routes; /* the main table, both families */
        size_t n_routes;
        struct net_host *hosts;
        size_t n_hosts;
        struct net_port *ports;
        size_t n_ports;
        struct net_brvlan *brvlans; /* every bridge's, as the kernel lists them */
        size_t n_brvlans;
        struct net_bridge_vlan *bridge_vlans; /* of VLAN-filtering bridges */
        size_t n_bridge_vlans;
        struct net_bridge_vlan_port *vlan_ports; /* of VLAN-filtering bridges */
        size_t n_vlan_ports;
        struct net_stack_row *stack;
        size_t n_stack;
        struct net_qdisc *qdiscs; /* Device.QoS. */
        size_t n_qdiscs;

        /* kernel events */
        int event_fd;
        sd_event_source *event_source;
        linux_net_changed_fn changed;
        void *changed_userdata;
};

/* Reads a section (and the links it refers to) unless its snapshot is recent. */
int net_snapshot_refresh(struct linux_net *n, enum net_section s);
/* "7.Field" of a table whose rows come from section `s`: the instance and the field, with
 * the section read; -ENOENT when `rest` names no row. */
int net_snapshot_row(struct linux_net *n, enum net_section s, const char *rest,
                     uint32_t *ret_instance, const char **ret_field);
void net_snapshot_free(struct linux_net *n);

const struct net_link *net_link_by_instance(const struct linux_net *n, uint32_t instance);
const struct net_link *net_link_by_ifindex(const struct linux_net *n, int ifindex);
/* A radio (cfg80211 or wireless extensions). */
bool net_link_is_wireless(const struct linux_net *n, const struct net_link *l);
/* Counted in Device.Ethernet.Interface.: hardware Ethernet ports and veth pairs. */
bool net_link_is_ethernet(const struct linux_net *n, const struct net_link *l);

/* ---- layers (net-stack.c) ---- */

#define ETH_LINK_TABLE "Device.Ethernet.Link."
#define VLAN_TABLE     "Device.Ethernet.VLANTermination."
#define LAG_TABLE      "Device.Ethernet.LAG."
#define BRIDGE_TABLE   "Device.Bridging.Bridge."
#define STACK_TABLE    "Device.InterfaceStack."

bool net_link_is_bridge(const struct net_link *l);
bool net_link_is_vlan(const struct net_link *l);
/* A bond: a row of Device.Ethernet.LAG. */
bool net_link_is_lag(const struct net_link *l);
/* Has a row in Device.Ethernet.Link.: an Ethernet interface, a bridge or a bond. */
bool net_link_has_ethernet_link(const struct linux_net *n, const struct net_link *l);
/* The bridge whose Port table holds l: l's master, or l itself for a bridge (its
 * management port). NULL when l is no bridge port. */
const struct net_link *net_port_bridge(const struct linux_net *n, const struct net_link *l);

enum net_layer {
        NET_LAYER_IP,
        NET_LAYER_ETHERNET_LINK,
        NET_LAYER_VLAN,
        NET_LAYER_BRIDGE_PORT,
        NET_LAYER_LAG,
};

/* The LowerLayers of l's row in the table of `layer`, as a comma-separated list (newly
 * allocated; "" for none). For NET_LAYER_BRIDGE_PORT, l is the port (the bridge itself for
 * the management port). */
int net_lower_layers(const struct linux_net *n, enum net_layer layer, const struct net_link *l,
                     char **ret);

/* Section refreshers outside net-snapshot.c. */
int net_refresh_bridges(struct linux_net *n);
int net_refresh_stack(struct linux_net *n);
void net_bridges_free(struct linux_net *n);
void net_stack_free(struct linux_net *n);
