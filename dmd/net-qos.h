/* SPDX-License-Identifier: MIT */
#pragma once

/* Device.QoS.: the kernel's queueing disciplines (RTM_GETQDISC), one Queue and one
 * QueueStats row each, read-only (net-qos.c). */

#include <linux/netlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net-internal.h"

#define QOS_QUEUE_TABLE "Device.QoS.Queue."
#define QOS_STATS_TABLE "Device.QoS.QueueStats."

struct net_qdisc {
        int ifindex;
        uint32_t handle, parent;
        char kind[NET_KIND_MAX]; /* TCA_KIND: "pfifo", "tbf", "prio" ... */
        bool has_limit;          /* pfifo: packets; bfifo, tbf, red: bytes */
        uint32_t limit;
        bool has_bands;   /* prio, pfifo_fast: strict priority bands */
        bool has_rate;    /* tbf; below an htb class: its ceiling */
        uint64_t rate;    /* bytes per second */
        uint64_t burst;   /* bytes */
        bool has_assured; /* below an htb class: its rate */
        uint64_t assured; /* bytes per second */
        bool has_stats;
        uint64_t bytes, packets;
        uint32_t drops, qlen, backlog;
        uint32_t instance; /* of both Queue and QueueStats */
};

/* An htb class (RTM_GETTCLASS): the rates of the qdisc below it. */
struct net_htb_class {
        int ifindex;
        uint32_t handle;
        uint64_t rate, ceil; /* bytes per second */
        uint64_t cburst;     /* bytes */
};

struct linux_net;

/* RTM_NEWQDISC -> net_qdisc; -ENODATA for what is no egress queue (ingress, clsact,
 * noqueue), -EBADMSG for a malformed message. */
int net_qdisc_parse(const struct nlmsghdr *h, struct net_qdisc *ret);
int net_qdisc_dump(struct net_qdisc **ret, size_t *ret_n);
/* RTM_NEWTCLASS of kind htb -> net_htb_class; -ENODATA for other kinds. */
int net_htb_class_parse(const struct nlmsghdr *h, struct net_htb_class *ret);
/* The htb classes of one interface (the kernel dumps classes per interface). */
int net_htb_class_dump(int ifindex, struct net_htb_class **ret, size_t *ret_n);

/* The NET_SECTION_QOS refresher and its snapshot's release. */
int net_refresh_qos(struct linux_net *n);
void net_qos_free(struct linux_net *n);
/* "Field" after "Device.QoS.". */
int net_get_qos(struct linux_net *n, const char *field, char **ret);
