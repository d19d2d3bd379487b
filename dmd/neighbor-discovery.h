/* SPDX-License-Identifier: MIT */
#pragma once

#include "util.h"

/*
 * dmd's built-in provider of Device.NeighborDiscovery. (schema/58-neighbor-discovery.schema),
 * a read-only view of the kernel's IPv6 Neighbor Discovery settings.
 *
 *     InterfaceSetting.{i}.       one per network interface with IPv6 enabled
 *                                 (PROC/sys/net/ipv6/conf/IF/disable_ipv6 is 0)
 *         Enable, Status          true, Enabled: the kernel runs Neighbor Discovery on every
 *                                 interface where IPv6 is enabled
 *         Interface               the interface's Device.IP.Interface. row, from dmd's network
 *                                 owner ("" if it has none)
 *         DADTransmits            conf/IF/dad_transmits
 *         RetransTimer            neigh/IF/retrans_time_ms
 *         RtrSolicitationInterval conf/IF/router_solicitation_interval, in milliseconds
 *         NUDEnable               true: Linux checks the reachability of every IPv6 neighbour
 *         RSEnable                the kernel sends Router Solicitations: it accepts Router
 *                                 Advertisements (accept_ra 2, or 1 without forwarding),
 *                                 router_solicitations is not 0, and it is not a loopback
 *                                 (SYS/class/net/IF/flags)
 *
 * An interface keeps its instance number by name while it exists and across restarts
 * (STATE_DIR/NEIGHBOR_DISCOVERY_STATE_FILE). The interfaces are listed at most once per
 * NEIGHBOR_DISCOVERY_SNAPSHOT_USEC; values are read when asked.
 */
#define NEIGHBOR_DISCOVERY_STATE_FILE    "dmd-nd-interfaces"
#define NEIGHBOR_DISCOVERY_SNAPSHOT_USEC (500u * 1000u)

/* The Device.IP.Interface.N path of an interface name, newly allocated; NULL if none. */
typedef char *(*neighbor_discovery_interface_fn)(const char *ifname, void *userdata);

struct neighbor_discovery;

/* proc, sys: prefixes of the system trees (NULL: "/proc", "/sys"); state_dir: where the
 * numbering is kept (NULL: in memory only). */
int neighbor_discovery_new(const char *proc, const char *sys, const char *state_dir,
                           neighbor_discovery_interface_fn interface, void *userdata,
                           struct neighbor_discovery **ret);
void neighbor_discovery_free(struct neighbor_discovery *n);
/* Value of a live parameter, newly allocated. -ENOENT if not ours or no such instance. */
int neighbor_discovery_get(struct neighbor_discovery *n, const char *name, char **value);
/* As deviceinfo_get_instances(), for InterfaceSetting.{i}. */
int neighbor_discovery_get_instances(struct neighbor_discovery *n, const char *object,
                                     struct strv *instances);
