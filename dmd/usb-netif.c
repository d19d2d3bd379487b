/* SPDX-License-Identifier: MIT */
/* Device.USB.Interface.: network interfaces on USB, from sysfs. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "builtin-table.h"
#include "instance-map.h"
#include "usb-netif.h"
#include "usb.h"

#define USB_PREFIX    "Device.USB."
#define NETIF_TABLE   USB_PREFIX "Interface."
#define SNAPSHOT_USEC (100u * 1000u)
#define MAX_NETIFS    256u

struct netif {
        uint32_t instance;
        char *name, *mac;
        bool up;
        const char *status;
        uint64_t stats[9];
};

/* TR-181 name, the kernel's statistics file, whether it is a 32-bit counter. */
static const struct {
        const char *field, *file;
        bool counter32;
} stats[] = {
        {"BytesSent", "tx_bytes", false},
        {"BytesReceived", "rx_bytes", false},
        {"PacketsSent", "tx_packets", false},
        {"PacketsReceived", "rx_packets", false},
        {"ErrorsSent", "tx_errors", true},
        {"ErrorsReceived", "rx_errors", true},
        {"DiscardPacketsSent", "tx_dropped", true},
        {"DiscardPacketsReceived", "rx_dropped", true},
        {"MulticastPacketsReceived", "multicast", false},
};

struct usb_netif {
        char *net_dir; /* SYS/class/net */
        struct instance_map numbers;
        struct netif *v;
        size_t n;
        struct table_snapshot snapshot;
};

static void netifs_free(struct netif *v, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(v[i].name);
                free(v[i].mac);
        }
        free(v);
}

int usb_netif_new(const char *sys, struct usb_netif **ret)
{
        struct usb_netif *n = calloc(1, sizeof(*n));
        if (!n)
                return -ENOMEM;
        int r = instance_map_init(&n->numbers, NULL);
        if (r >= 0 && asprintf(&n->net_dir, "%s/class/net", sys ? sys : "/sys") < 0) {
                n->net_dir = NULL;
                r = -ENOMEM;
        }
        if (r < 0) {
                usb_netif_free(n);
                return r;
        }
        *ret = n;
        return 0;
}

void usb_netif_free(struct usb_netif *n)
{
        if (!n)
                return;
        netifs_free(n->v, n->n);
        instance_map_done(&n->numbers);
        free(n->net_dir);
        free(n);
}

void usb_netif_invalidate(struct usb_netif *n)
{
        table_snapshot_invalidate(&n->snapshot);
}

/* The first line of IF/ATTR; NULL (and 0) when it cannot be read. */
static int read_attr(const struct usb_netif *n, const char *ifname, const char *attr, char **ret)
{
        _cleanup_free_ char *path = NULL;
        *ret = NULL;
        if (asprintf(&path, "%s/%s/%s", n->net_dir, ifname, attr) < 0)
                return -ENOMEM;
        return usb_read_line(path, ret);
}

static int read_u64(const struct usb_netif *n, const char *ifname, const char *attr, uint64_t *ret)
{
        _cleanup_free_ char *s = NULL;
        *ret = 0;
        int r = read_attr(n, ifname, attr, &s);
        if (r < 0 || !s)
                return r;
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 0);
        if (!errno && end != s && *end == '\0')
                *ret = v;
        return 0;
}

static bool on_usb(const struct usb_netif *n, const char *ifname)
{
        char path[PATH_MAX], target[PATH_MAX];
        if ((size_t)snprintf(path, sizeof(path), "%s/%s/device/subsystem", n->net_dir, ifname) >=
            sizeof(path))
                return false;
        ssize_t len = readlink(path, target, sizeof(target) - 1);
        if (len <= 0)
                return false;
        target[len] = '\0';
        const char *slash = strrchr(target, '/');
        return streq(slash ? slash + 1 : target, "usb");
}

static const char *status_of(bool up, const char *operstate, bool carrier)
{
        static const struct {
                const char *kernel, *tr181;
        } map[] = {{"up", "Up"},
                   {"dormant", "Dormant"},
                   {"notpresent", "NotPresent"},
                   {"lowerlayerdown", "LowerLayerDown"},
                   {"down", "Down"}};
        if (!up)
                return "Down";
        for (size_t i = 0; operstate && i < ELEMENTSOF(map); i++)
                if (streq(operstate, map[i].kernel))
                        return map[i].tr181;
        return carrier ? "Up" : "Unknown";
}

static int read_netif(struct usb_netif *n, const char *ifname, struct netif *out)
{
        _cleanup_free_ char *operstate = NULL, *address = NULL, *key = NULL;
        uint64_t flags, carrier, ifindex;
        int r;

        *out = (struct netif){};
        if ((r = read_u64(n, ifname, "flags", &flags)) < 0 ||
            (r = read_u64(n, ifname, "carrier", &carrier)) < 0 ||
            (r = read_u64(n, ifname, "ifindex", &ifindex)) < 0 ||
            (r = read_attr(n, ifname, "operstate", &operstate)) < 0 ||
            (r = read_attr(n, ifname, "address", &address)) < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(stats); i++) {
                char attr[64];
                snprintf(attr, sizeof(attr), "statistics/%s", stats[i].file);
                r = read_u64(n, ifname, attr, &out->stats[i]);
                if (r < 0)
                        return r;
                if (stats[i].counter32)
                        out->stats[i] &= UINT32_MAX; /* StatsCounter32 wraps around */
        }
        out->up = flags & 1; /* IFF_UP */
        out->status = status_of(out->up, operstate, carrier == 1);
        out->name = strdup(ifname);
        out->mac = strdup(address && strlen(address) == 17 ? address : "");
        /* A new interface of the same name (re-plugged) is a new row. */
        if (!out->name || !out->mac || asprintf(&key, "%s/%" PRIu64, ifname, ifindex) < 0)
                return -ENOMEM;
        out->instance = instance_map_get(&n->numbers, key);
        return out->instance ? 0 : -ENOMEM;
}

static int by_instance(const void *a, const void *b)
{
        const struct netif *x = a, *y = b;
        return (x->instance > y->instance) - (x->instance < y->instance);
}

static int refresh(struct usb_netif *n)
{
        struct netif *v = NULL;
        size_t count = 0;
        uint64_t now;
        int r = 0;

        if (table_snapshot_fresh(&n->snapshot, SNAPSHOT_USEC, &now))
                return 0;
        DIR *dir = opendir(n->net_dir);
        if (!dir && errno != ENOENT)
                return -errno;
        for (struct dirent *de; dir && r >= 0 && (de = readdir(dir));) {
                if (de->d_name[0] == '.' || count >= MAX_NETIFS || !on_usb(n, de->d_name))
                        continue;
                struct netif *nv = realloc(v, (count + 1) * sizeof(*nv));
                if (!nv) {
                        r = -ENOMEM;
                        break;
                }
                v = nv;
                r = read_netif(n, de->d_name, &v[count++]);
        }
        if (dir)
                closedir(dir);
        if (r < 0) {
                netifs_free(v, count);
                return r;
        }
        if (count)
                qsort(v, count, sizeof(*v), by_instance);
        netifs_free(n->v, n->n);
        n->v = v;
        n->n = count;
        table_snapshot_taken(&n->snapshot, now);
        return 0;
}

static const struct netif *find(const struct usb_netif *n, uint32_t instance)
{
        for (size_t i = 0; i < n->n; i++)
                if (n->v[i].instance == instance)
                        return &n->v[i];
        return NULL;
}

int usb_netif_get(struct usb_netif *n, const char *name, char **value)
{
        uint32_t instance;
        const char *field;
        int r;

        if (!streq(name, USB_PREFIX "InterfaceNumberOfEntries") && !startswith(name, NETIF_TABLE))
                return -ENOENT;
        r = refresh(n);
        if (r < 0)
                return r;
        if (streq(name, USB_PREFIX "InterfaceNumberOfEntries"))
                return table_count(n->n, value);
        if (table_parse_instance(name + strlen(NETIF_TABLE), &instance, &field) < 0)
                return -ENOENT;
        const struct netif *i = find(n, instance);
        if (!i)
                return -ENOENT;
        if (streq(field, "Enable"))
                return table_text(i->up ? "true" : "false", value);
        if (streq(field, "Status"))
                return table_text(i->status, value);
        if (streq(field, "Name"))
                return table_text(i->name, value);
        if (streq(field, "MACAddress"))
                return table_text(i->mac, value);
        if (startswith(field, "Stats."))
                for (size_t k = 0; k < ELEMENTSOF(stats); k++)
                        if (streq(field + 6, stats[k].field))
                                return asprintf(value, "%" PRIu64, i->stats[k]) < 0 ? -ENOMEM : 0;
        return -ENOENT;
}

int usb_netif_get_instances(struct usb_netif *n, const char *object, struct strv *instances)
{
        int r;

        if (!startswith(NETIF_TABLE, object) && !startswith(object, NETIF_TABLE))
                return 0;
        r = refresh(n);
        if (r < 0)
                return r;
        if (startswith(NETIF_TABLE, object)) {
                for (size_t i = 0; r >= 0 && i < n->n; i++)
                        r = table_append_row(instances, NETIF_TABLE, n->v[i].instance);
                return r;
        }
        uint32_t instance;
        const char *rest;
        if (table_parse_instance(object + strlen(NETIF_TABLE), &instance, &rest) < 0 ||
            (rest[0] != '\0' && !streq(rest, "Stats.")) || !find(n, instance))
                return -ENOENT;
        return rest[0] == '\0' ? table_append_row(instances, NETIF_TABLE, instance) : 0;
}
