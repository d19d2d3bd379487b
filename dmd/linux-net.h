/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * dmd's built-in provider of the running Linux system's network: Device.Ethernet.,
 * Device.IP. (but Device.IP.Diagnostics., which diagd registers), Device.Routing.,
 * Device.Hosts., Device.Bridging., Device.InterfaceStack. and Device.QoS.
 * (schema/40-ethernet.schema ... 46-qos.schema), read from rtnetlink, the ethtool ioctl,
 * NETLINK_SOCK_DIAG, /sys/class/net and /proc/sys/net. Everything is read-only: the
 * operating system owns the state. docs/dmd.md lists every table and its numbering.
 *
 * Tables are read at most once per LINUX_NET_SNAPSHOT_USEC, so a request that lists the
 * instances and then reads each value sees one snapshot; a kernel event drops the snapshot
 * of what it touches.
 */

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "util.h"

#define LINUX_NET_SNAPSHOT_USEC (100u * 1000u)

struct linux_net;

struct linux_net_paths {
        const char *sys;       /* NULL: "/sys" */
        const char *proc;      /* NULL: "/proc" */
        const char *state_dir; /* the numbering file's directory; NULL: in memory only */
};

int linux_net_new(const struct linux_net_paths *p, struct linux_net **ret);
void linux_net_free(struct linux_net *n);

/* The subtrees served, each a partial path ("Device.IP."). NULL-terminated. */
extern const char *const linux_net_subtrees[];

/* Value of a live parameter, newly allocated (also Device.InterfaceStackNumberOfEntries,
 * which lies outside the subtrees). -ENOENT if not ours or no such instance.
 * An Alias reads as its default ("cpe-eth0", "cpe-3"): the caller keeps the ones the ACS
 * set. */
int linux_net_get(struct linux_net *n, const char *name, char **value);

/* Appends the instance paths of every table at or under `object` (a partial path; it may
 * lie above the subtrees) and in `subtree` (one of linux_net_subtrees, or "" for all).
 * -ENOENT when `object` names an instance that does not exist. */
int linux_net_get_instances(struct linux_net *n, const char *subtree, const char *object,
                            struct strv *instances);

/* Forgets every snapshot. */
void linux_net_invalidate(struct linux_net *n);

/*
 * Subscribes to the kernel's link, address, route and neighbour events on `event`. Each
 * event drops the affected snapshots and calls changed(prefix, userdata) with the partial
 * path whose values may have changed ("Device.Routing.", or the one parameter
 * "Device.InterfaceStackNumberOfEntries").
 */
typedef void (*linux_net_changed_fn)(const char *prefix, void *userdata);
int linux_net_watch(struct linux_net *n, sd_event *event, linux_net_changed_fn changed,
                    void *userdata);
