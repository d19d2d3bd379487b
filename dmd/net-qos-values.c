/* SPDX-License-Identifier: MIT */
/* Device.QoS.Queue. and QueueStats.: one row each per queueing discipline, numbered by
 * interface, parent and handle. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin-table.h"
#include "net-qos.h"
#include "net-values.h"

static int compare_qdisc(const void *a, const void *b)
{
        const struct net_qdisc *x = a, *y = b;
        return x->instance < y->instance ? -1 : x->instance > y->instance;
}

/* A qdisc below an htb class is that class's queue: the class's ceiling shapes it (a tbf
 * shapes it too: the lower rate wins), its rate is assured. The kernel dumps classes one interface
 * at a time. */
static int add_htb_rates(struct net_qdisc *qdiscs, size_t n_qdiscs)
{
        for (size_t i = 0; i < n_qdiscs; i++) {
                if (!streq(qdiscs[i].kind, "htb"))
                        continue;
                struct net_htb_class *classes = NULL;
                size_t n_classes = 0;
                int r = net_htb_class_dump(qdiscs[i].ifindex, &classes, &n_classes);
                if (r < 0)
                        return r;
                for (size_t k = 0; k < n_classes; k++)
                        for (size_t j = 0; j < n_qdiscs; j++) {
                                struct net_qdisc *q = &qdiscs[j];
                                if (q->ifindex != classes[k].ifindex ||
                                    q->parent != classes[k].handle)
                                        continue;
                                /* A tbf below it shapes too: the lower wins. */
                                if (!q->has_rate || classes[k].ceil < q->rate) {
                                        q->has_rate = true;
                                        q->rate = classes[k].ceil;
                                        q->burst = classes[k].cburst;
                                }
                                q->has_assured = true;
                                q->assured = classes[k].rate;
                        }
                free(classes);
        }
        return 0;
}

int net_refresh_qos(struct linux_net *n)
{
        struct net_qdisc *qdiscs = NULL;
        size_t n_qdiscs = 0;
        int r = net_qdisc_dump(&qdiscs, &n_qdiscs);
        if (r >= 0)
                r = add_htb_rates(qdiscs, n_qdiscs);
        if (r < 0) {
                free(qdiscs);
                return r;
        }
        size_t kept = 0;
        net_numbering_begin(&n->numbering, NET_TABLE_QOS_QUEUE);
        for (size_t i = 0; r >= 0 && i < n_qdiscs; i++) {
                const struct net_link *l = net_link_by_ifindex(n, qdiscs[i].ifindex);
                if (!l)
                        continue; /* an interface born after the links were read */
                char key[IF_NAMESIZE + 32];
                snprintf(key, sizeof(key), "%s/%" PRIx32 "/%" PRIx32, l->name, qdiscs[i].parent,
                         qdiscs[i].handle);
                qdiscs[kept] = qdiscs[i];
                r = net_numbering_assign(&n->numbering, NET_TABLE_QOS_QUEUE, key, 0,
                                         &qdiscs[kept].instance);
                if (r == -EEXIST)
                        r = 0; /* the kernel listed one twice: keep the first */
                else if (r >= 0)
                        kept++;
        }
        net_numbering_end(&n->numbering, NET_TABLE_QOS_QUEUE);
        if (r < 0) {
                free(qdiscs);
                return r;
        }
        if (kept > 1)
                qsort(qdiscs, kept, sizeof(*qdiscs), compare_qdisc);
        net_qos_free(n);
        n->qdiscs = qdiscs;
        n->n_qdiscs = kept;
        return 0;
}

void net_qos_free(struct linux_net *n)
{
        free(n->qdiscs);
        n->qdiscs = NULL;
        n->n_qdiscs = 0;
}

static const struct net_qdisc *qdisc_row(struct linux_net *n, const char *rest,
                                         const char **ret_field, int *ret_error)
{
        uint32_t instance;
        *ret_error = net_snapshot_row(n, NET_SECTION_QOS, rest, &instance, ret_field);
        if (*ret_error < 0)
                return NULL;
        const struct net_qdisc key = {.instance = instance};
        const struct net_qdisc *q =
                n->n_qdiscs ? bsearch(&key, n->qdiscs, n->n_qdiscs, sizeof(key), compare_qdisc)
                            : NULL;
        if (!q || !net_link_by_ifindex(n, q->ifindex))
                *ret_error = -ENOENT;
        return *ret_error < 0 ? NULL : q;
}

static bool is_kind(const struct net_qdisc *q, const char *const *kinds)
{
        for (; *kinds; kinds++)
                if (streq(q->kind, *kinds))
                        return true;
        return false;
}

/* TR-181's names for what the kernel's disciplines do, where one fits: prio and pfifo_fast
 * serve their bands in strict priority; FIFOs and tbf drop at the tail of a full queue,
 * red drops early at random. Anything else (fq_codel, sfq, htb ...) has no honest name. */
static const char *scheduler_algorithm(const struct net_qdisc *q)
{
        static const char *const strict[] = {"prio", "pfifo_fast", NULL};
        return q->has_bands && is_kind(q, strict) ? "SP" : NULL;
}

static const char *drop_algorithm(const struct net_qdisc *q)
{
        static const char *const tail[] = {"pfifo", "bfifo", "pfifo_fast", "tbf", NULL};
        if (is_kind(q, tail))
                return "DT";
        return streq(q->kind, "red") ? "RED" : NULL;
}

/* The queue's limit as a count of packets (pfifo, pfifo_fast: the device's transmit queue
 * length) or of bytes (bfifo, tbf, red); false when it has none the kernel tells. */
static bool queue_limit(const struct linux_net *n, const struct net_link *l,
                        const struct net_qdisc *q, uint64_t *ret, bool *ret_packets)
{
        static const char *const bytes[] = {"bfifo", "tbf", "red", NULL};
        if (streq(q->kind, "pfifo_fast")) {
                *ret_packets = true;
                return net_read_sys_u64(n, l->name, "tx_queue_len", ret) >= 0;
        }
        if (!q->has_limit)
                return false;
        *ret = q->limit;
        *ret_packets = streq(q->kind, "pfifo");
        return *ret_packets || is_kind(q, bytes);
}

static int interface_path(const struct linux_net *n, const struct net_qdisc *q, char **ret)
{
        const struct net_link *l = net_link_by_ifindex(n, q->ifindex);
        return l ? net_format(ret, IP_TABLE "%" PRIu32, l->instance) : -ENOENT;
}

/* Enable, Status and Alias: the same in both tables. A discipline the kernel lists is in
 * use. */
static int common_value(const struct net_qdisc *q, const char *field, char **ret)
{
        if (streq(field, "Enable"))
                return net_boolean(true, ret);
        if (streq(field, "Status"))
                return net_text("Enabled", ret);
        if (streq(field, "Alias"))
                return net_format(ret, "cpe-%" PRIu32, q->instance);
        return -ENOENT;
}

static int get_queue(struct linux_net *n, const char *rest, char **ret)
{
        const char *field;
        int r;
        const struct net_qdisc *q = qdisc_row(n, rest, &field, &r);
        if (!q)
                return r;
        const struct net_link *l = net_link_by_ifindex(n, q->ifindex);
        r = common_value(q, field, ret);
        if (r != -ENOENT)
                return r;
        if (streq(field, "Interface"))
                return interface_path(n, q, ret);
        if (streq(field, "SchedulerAlgorithm") || streq(field, "DropAlgorithm")) {
                const char *a =
                        streq(field, "DropAlgorithm") ? drop_algorithm(q) : scheduler_algorithm(q);
                return a ? net_text(a, ret) : -ENOENT;
        }
        if (streq(field, "BufferLength")) {
                uint64_t limit;
                bool packets;
                if (!queue_limit(n, l, q, &limit, &packets))
                        return -ENOENT;
                /* A packet takes at most the MTU. */
                return net_unsigned_int(packets ? limit * l->mtu : limit, ret);
        }
        /* ShapingRate reads as a percentage up to 100: a rate that low has no value. */
        if (streq(field, "ShapingRate") || streq(field, "CurrentShapingRate"))
                return q->has_rate && q->rate * 8 > 100 ? net_format(ret, "%" PRIu64, q->rate * 8)
                                                        : -ENOENT;
        if (streq(field, "AssuredRate") || streq(field, "CurrentAssuredRate"))
                return q->has_assured && q->assured * 8 > 100
                               ? net_format(ret, "%" PRIu64, q->assured * 8)
                               : -ENOENT;
        if (streq(field, "ShapingBurstSize"))
                return q->has_rate ? net_unsigned_int(q->burst, ret) : -ENOENT;
        return -ENOENT;
}

static int counter32(uint64_t v, char **ret)
{
        return net_format(ret, "%" PRIu64, v & UINT32_MAX);
}

static int get_stats(struct linux_net *n, const char *rest, char **ret)
{
        const char *field;
        int r;
        const struct net_qdisc *q = qdisc_row(n, rest, &field, &r);
        if (!q)
                return r;
        const struct net_link *l = net_link_by_ifindex(n, q->ifindex);
        r = common_value(q, field, ret);
        if (r != -ENOENT)
                return r;
        if (streq(field, "Queue"))
                return net_format(ret, QOS_QUEUE_TABLE "%" PRIu32, q->instance);
        if (streq(field, "Interface"))
                return interface_path(n, q, ret);
        if (!q->has_stats)
                return -ENOENT;
        if (streq(field, "OutputPackets"))
                return counter32(q->packets, ret);
        if (streq(field, "OutputBytes"))
                return counter32(q->bytes, ret);
        if (streq(field, "DroppedPackets"))
                return counter32(q->drops, ret);
        if (streq(field, "QueueOccupancyPackets"))
                return net_unsigned_int(q->qlen, ret);
        if (streq(field, "QueueOccupancyPercentage")) {
                uint64_t limit;
                bool packets;
                if (!queue_limit(n, l, q, &limit, &packets) || limit == 0)
                        return -ENOENT;
                uint64_t used = packets ? q->qlen : q->backlog;
                return net_unsigned_int(used >= limit ? 100 : used * 100 / limit, ret);
        }
        return -ENOENT;
}

int net_get_qos(struct linux_net *n, const char *field, char **ret)
{
        if (startswith(field, "Queue."))
                return get_queue(n, field + strlen("Queue."), ret);
        if (startswith(field, "QueueStats."))
                return get_stats(n, field + strlen("QueueStats."), ret);
        if (streq(field, "QueueNumberOfEntries") || streq(field, "QueueStatsNumberOfEntries")) {
                int r = net_snapshot_refresh(n, NET_SECTION_QOS);
                return r < 0 ? r : net_unsigned_int(n->n_qdiscs, ret);
        }
        return -ENOENT;
}
