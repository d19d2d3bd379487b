/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvmap.h"
#include "log.h"
#include "net-numbering.h"
#include "store.h"
#include "types.h"
#include "util.h"

#define KEY_BOOT_ID "boot-id"

static const char *const table_names[_NET_TABLE_MAX] = {
        [NET_TABLE_INTERFACE] = "interface",
        [NET_TABLE_IPV4_ADDRESS] = "ipv4-address",
        [NET_TABLE_IPV6_ADDRESS] = "ipv6-address",
        [NET_TABLE_IPV6_PREFIX] = "ipv6-prefix",
        [NET_TABLE_IPV4_FORWARDING] = "ipv4-forwarding",
        [NET_TABLE_IPV6_FORWARDING] = "ipv6-forwarding",
        [NET_TABLE_HOST] = "host",
        [NET_TABLE_HOST_IPV4] = "host-ipv4",
        [NET_TABLE_HOST_IPV6] = "host-ipv6",
        [NET_TABLE_BRIDGE_VLAN] = "bridge-vlan",
        [NET_TABLE_BRIDGE_VLAN_PORT] = "bridge-vlan-port",
        [NET_TABLE_INTERFACE_STACK] = "interface-stack",
        [NET_TABLE_ACTIVE_PORT] = "active-port",
        [NET_TABLE_QOS_QUEUE] = "qos-queue",
};

static bool table_persists(enum net_table t)
{
        return t != NET_TABLE_ACTIVE_PORT;
}

static int table_add(struct net_numbering_table *tb, const char *key, uint32_t instance,
                     int ifindex)
{
        if (tb->n == tb->allocated) {
                size_t a = tb->allocated ? tb->allocated * 2 : 16;
                struct net_numbering_entry *w = reallocarray(tb->v, a, sizeof(*w));
                if (!w)
                        return -ENOMEM;
                tb->v = w;
                tb->allocated = a;
        }
        char *copy = strdup(key);
        if (!copy)
                return -ENOMEM;
        tb->v[tb->n++] = (struct net_numbering_entry){
                .key = copy, .instance = instance, .ifindex = ifindex, .seen = true};
        return 0;
}

static void table_remove(struct net_numbering_table *tb, size_t i)
{
        free(tb->v[i].key);
        tb->v[i] = tb->v[--tb->n];
}

/* "interface:eth0" -> table and key. */
static bool split_key(const char *k, enum net_table *ret_t, const char **ret_key)
{
        for (size_t t = 0; t < _NET_TABLE_MAX; t++) {
                size_t len = strlen(table_names[t]);
                if (strncmp(k, table_names[t], len) == 0 && k[len] == ':' && k[len + 1] != '\0') {
                        *ret_t = (enum net_table)t;
                        *ret_key = k + len + 1;
                        return true;
                }
        }
        return false;
}

static int load(struct net_numbering *nb)
{
        _cleanup_kvmap_ struct kvmap *m = kvmap_new();
        if (!m)
                return -ENOMEM;
        int r = store_load(nb->file, m, NULL);
        if (r < 0)
                return r;

        bool same_boot = nb->boot_id && streq_ptr(kvmap_get(m, KEY_BOOT_ID), nb->boot_id);
        const char *k, *v;
        /* Counters first: entries must lie below them. */
        for (size_t t = 0; t < _NET_TABLE_MAX; t++) {
                char name[64];
                snprintf(name, sizeof(name), "next:%s", table_names[t]);
                uint32_t next;
                const char *s = kvmap_get(m, name);
                if (s && cw_parse_uint32(s, &next) >= 0 && next > 0)
                        nb->tables[t].next = next;
        }
        kvmap_foreach (m, i, k, v) {
                enum net_table t;
                const char *key;
                if (!split_key(k, &t, &key) || !table_persists(t))
                        continue;
                /* "INSTANCE" or, for interfaces, "INSTANCE/IFINDEX" */
                char buf[32];
                snprintf(buf, sizeof(buf), "%s", v);
                char *slash = strchr(buf, '/');
                uint32_t instance, ifindex = 0;
                if (slash)
                        *slash = '\0';
                if (cw_parse_uint32(buf, &instance) < 0 || instance == 0 ||
                    instance >= nb->tables[t].next ||
                    (slash && (cw_parse_uint32(slash + 1, &ifindex) < 0 || ifindex > INT32_MAX)))
                        continue;
                r = table_add(&nb->tables[t], key, instance, same_boot ? (int)ifindex : 0);
                if (r < 0)
                        return r;
        }
        /* Two entries sharing a number: the file is not to be trusted beyond its counters. */
        for (size_t t = 0; t < _NET_TABLE_MAX; t++) {
                struct net_numbering_table *tb = &nb->tables[t];
                for (size_t i = 0; i < tb->n; i++)
                        for (size_t j = i + 1; j < tb->n; j++)
                                if (tb->v[i].instance == tb->v[j].instance)
                                        return -EBADMSG;
        }
        return 0;
}

static void tables_clear(struct net_numbering *nb)
{
        for (size_t t = 0; t < _NET_TABLE_MAX; t++) {
                struct net_numbering_table *tb = &nb->tables[t];
                while (tb->n > 0)
                        table_remove(tb, tb->n - 1);
        }
}

int net_numbering_init(struct net_numbering *nb, const char *state_dir, const char *boot_id)
{
        *nb = (struct net_numbering){0};
        for (size_t t = 0; t < _NET_TABLE_MAX; t++)
                nb->tables[t].next = 1;
        if (boot_id && !(nb->boot_id = strdup(boot_id)))
                return -ENOMEM;
        if (!state_dir)
                return 0;
        if (asprintf(&nb->file, "%s/" NET_NUMBERING_FILE, state_dir) < 0) {
                nb->file = NULL;
                net_numbering_done(nb);
                return -ENOMEM;
        }
        int r = load(nb);
        if (r == -ENOMEM) {
                net_numbering_done(nb);
                return r;
        }
        if (r < 0 && r != -ENOENT) {
                /* The counters read so far stay: numbers are still never reused. */
                log_warning_errno(r, "Ignoring the interface numbering in %s: %m", nb->file);
                tables_clear(nb);
                nb->dirty = true;
        }
        return 0;
}

void net_numbering_done(struct net_numbering *nb)
{
        tables_clear(nb);
        for (size_t t = 0; t < _NET_TABLE_MAX; t++)
                free(nb->tables[t].v);
        free(nb->file);
        free(nb->boot_id);
        *nb = (struct net_numbering){0};
}

void net_numbering_begin(struct net_numbering *nb, enum net_table t)
{
        struct net_numbering_table *tb = &nb->tables[t];
        for (size_t i = 0; i < tb->n; i++)
                tb->v[i].seen = false;
}

int net_numbering_assign(struct net_numbering *nb, enum net_table t, const char *key, int ifindex,
                         uint32_t *ret)
{
        struct net_numbering_table *tb = &nb->tables[t];
        for (size_t i = 0; i < tb->n; i++) {
                struct net_numbering_entry *e = &tb->v[i];
                if (!streq(e->key, key))
                        continue;
                if (t == NET_TABLE_INTERFACE && e->ifindex != 0 && e->ifindex != ifindex) {
                        /* The same name on another netdev: a new interface. */
                        table_remove(tb, i);
                        break;
                }
                if (e->seen)
                        return -EEXIST; /* the same identity twice in one scan */
                if (t == NET_TABLE_INTERFACE && e->ifindex != ifindex) {
                        e->ifindex = ifindex;
                        nb->dirty = true;
                }
                e->seen = true;
                *ret = e->instance;
                return 0;
        }
        if (tb->next == 0) /* 2^32 - 1 numbers handed out */
                return -EOVERFLOW;
        int r = table_add(tb, key, tb->next, t == NET_TABLE_INTERFACE ? ifindex : 0);
        if (r < 0)
                return r;
        *ret = tb->next++;
        if (table_persists(t))
                nb->dirty = true;
        return 0;
}

void net_numbering_end(struct net_numbering *nb, enum net_table t)
{
        struct net_numbering_table *tb = &nb->tables[t];
        for (size_t i = tb->n; i > 0; i--)
                if (!tb->v[i - 1].seen) {
                        table_remove(tb, i - 1);
                        if (table_persists(t))
                                nb->dirty = true;
                }
}

int net_numbering_save(struct net_numbering *nb)
{
        if (!nb->dirty || !nb->file)
                return 0;
        _cleanup_kvmap_ struct kvmap *m = kvmap_new();
        if (!m)
                return -ENOMEM;
        int r = nb->boot_id ? kvmap_set(m, KEY_BOOT_ID, nb->boot_id) : 0;
        for (size_t t = 0; r >= 0 && t < _NET_TABLE_MAX; t++) {
                if (!table_persists(t))
                        continue;
                const struct net_numbering_table *tb = &nb->tables[t];
                char name[64], value[32];
                snprintf(name, sizeof(name), "next:%s", table_names[t]);
                snprintf(value, sizeof(value), "%" PRIu32, tb->next);
                r = kvmap_set(m, name, value);
                for (size_t i = 0; r >= 0 && i < tb->n; i++) {
                        _cleanup_free_ char *k = NULL;
                        if (asprintf(&k, "%s:%s", table_names[t], tb->v[i].key) < 0)
                                return -ENOMEM;
                        if (t == NET_TABLE_INTERFACE)
                                snprintf(value, sizeof(value), "%" PRIu32 "/%d", tb->v[i].instance,
                                         tb->v[i].ifindex);
                        else
                                snprintf(value, sizeof(value), "%" PRIu32, tb->v[i].instance);
                        r = kvmap_set(m, k, value);
                }
        }
        if (r < 0)
                return r;
        r = store_save(nb->file, m);
        if (r < 0)
                return r;
        nb->dirty = false;
        return 0;
}
