/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Instance numbers of the tables dmd fills from the kernel. Each table maps the identity of
 * an entry (a text key) to an instance number taken from a counter that only grows, so a
 * number is never given to another entry. A scan (begin, assign each entry, end) forgets the
 * entries it did not see: an entry that vanished and comes back is a new entry.
 *
 * Interfaces are keyed by name. Within one boot an interface whose ifindex changed was
 * deleted and created again (while dmd was not looking) and gets a new number; across a
 * boot, ifindexes mean nothing and the name alone keeps the number.
 *
 * Persistent tables are saved in NET_NUMBERING_FILE of dmd's state directory (only when they
 * changed) and survive restarts of dmd and of the box.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NET_NUMBERING_FILE "net-numbering"

enum net_table {
        NET_TABLE_INTERFACE, /* IP.Interface and Ethernet.Interface: one number per netdev */
        NET_TABLE_IPV4_ADDRESS,
        NET_TABLE_IPV6_ADDRESS,
        NET_TABLE_IPV6_PREFIX,
        NET_TABLE_IPV4_FORWARDING,
        NET_TABLE_IPV6_FORWARDING,
        NET_TABLE_HOST,
        NET_TABLE_HOST_IPV4,
        NET_TABLE_HOST_IPV6,
        NET_TABLE_BRIDGE_VLAN,      /* Bridging.Bridge.{i}.VLAN: bridge and VLAN ID */
        NET_TABLE_BRIDGE_VLAN_PORT, /* Bridging.Bridge.{i}.VLANPort: bridge, VLAN ID, port */
        NET_TABLE_INTERFACE_STACK,  /* InterfaceStack: higher and lower layer */
        NET_TABLE_ACTIVE_PORT,      /* in memory only: sockets come and go by the second */
        NET_TABLE_QOS_QUEUE,        /* QoS.Queue and QueueStats: interface, parent, handle */
        _NET_TABLE_MAX,
};

struct net_numbering_entry {
        char *key;
        uint32_t instance;
        int ifindex; /* interfaces: 0 when unknown (saved in another boot) */
        bool seen;
};

struct net_numbering_table {
        struct net_numbering_entry *v;
        size_t n, allocated;
        uint32_t next;
};

struct net_numbering {
        char *file; /* NULL: in memory only */
        char *boot_id;
        struct net_numbering_table tables[_NET_TABLE_MAX];
        bool dirty;
};

/* Loads the saved numbering from state_dir (NULL: keep it in memory). A damaged file is
 * replaced at the next save, keeping the highest counters it could read. */
int net_numbering_init(struct net_numbering *nb, const char *state_dir, const char *boot_id);
void net_numbering_done(struct net_numbering *nb);

void net_numbering_begin(struct net_numbering *nb, enum net_table t);
/* The instance of `key`, a new one if unknown; -EEXIST if the scan assigned `key` already.
 * ifindex only matters for interfaces. */
int net_numbering_assign(struct net_numbering *nb, enum net_table t, const char *key, int ifindex,
                         uint32_t *ret);
/* Forgets the entries the scan did not assign. */
void net_numbering_end(struct net_numbering *nb, enum net_table t);
/* Writes the file if anything changed. */
int net_numbering_save(struct net_numbering *nb);
