/* SPDX-License-Identifier: MIT */
/* Device.USB.Port.: the root hubs' ports, from sysfs. */
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
#include "usb-port.h"
#include "usb.h"

#define USB_PREFIX    "Device.USB."
#define PORT_TABLE    USB_PREFIX "Port."
#define SNAPSHOT_USEC (100u * 1000u)
#define MAX_PORTS     256u

struct port {
        char *name;    /* "usb1-port2" */
        char *peer;    /* "usb2-port2", NULL without one */
        char *version; /* its root hub's, "2.0" */
        unsigned bus;
        bool usable;
};

struct row {
        uint32_t instance;
        char *name, *peer, *standard;
};

struct usb_port {
        char *devices_dir;
        struct instance_map numbers;
        struct row *v;
        size_t n;
        struct table_snapshot snapshot;
};

static void ports_free(struct port *v, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(v[i].name);
                free(v[i].peer);
                free(v[i].version);
        }
        free(v);
}

static void rows_free(struct row *v, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(v[i].name);
                free(v[i].peer);
                free(v[i].standard);
        }
        free(v);
}

int usb_port_new(const char *devices_dir, struct usb_port **ret)
{
        struct usb_port *p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        int r = instance_map_init(&p->numbers, NULL);
        p->devices_dir = strdup(devices_dir);
        if (r >= 0 && !p->devices_dir)
                r = -ENOMEM;
        if (r < 0) {
                usb_port_free(p);
                return r;
        }
        *ret = p;
        return 0;
}

void usb_port_free(struct usb_port *p)
{
        if (!p)
                return;
        rows_free(p->v, p->n);
        instance_map_done(&p->numbers);
        free(p->devices_dir);
        free(p);
}

void usb_port_invalidate(struct usb_port *p)
{
        table_snapshot_invalidate(&p->snapshot);
}

/* The ports of root hub usbN: DEVICES/N-0:1.0/usbN-port*. */
static int scan_hub(const struct usb_port *p, unsigned bus, struct port **v, size_t *n)
{
        _cleanup_free_ char *dir = NULL, *version_path = NULL, *bcd = NULL, *version = NULL;
        char prefix[32];
        int r;

        if (asprintf(&dir, "%s/%u-0:1.0", p->devices_dir, bus) < 0 ||
            asprintf(&version_path, "%s/usb%u/version", p->devices_dir, bus) < 0)
                return -ENOMEM;
        r = usb_read_line(version_path, &bcd);
        if (r < 0)
                return r;
        version = bcd ? usb_version_text(bcd) : NULL;
        snprintf(prefix, sizeof(prefix), "usb%u-port", bus);
        DIR *d = opendir(dir);
        if (!d)
                return 0;
        for (struct dirent *de; r >= 0 && (de = readdir(d));) {
                _cleanup_free_ char *type_path = NULL, *type = NULL, *peer_path = NULL;
                char target[PATH_MAX];
                if (!startswith(de->d_name, prefix) || *n >= MAX_PORTS)
                        continue;
                if (asprintf(&type_path, "%s/%s/connect_type", dir, de->d_name) < 0 ||
                    asprintf(&peer_path, "%s/%s/peer", dir, de->d_name) < 0) {
                        r = -ENOMEM;
                        break;
                }
                r = usb_read_line(type_path, &type);
                if (r < 0)
                        break;
                struct port *nv = realloc(*v, (*n + 1) * sizeof(*nv));
                if (!nv) {
                        r = -ENOMEM;
                        break;
                }
                *v = nv;
                struct port *pt = &(*v)[(*n)++];
                *pt = (struct port){.bus = bus};
                pt->usable = !type || !(streq(type, "hardwired") || streq(type, "not used"));
                pt->name = strdup(de->d_name);
                pt->version = strdup(version ? version : "");
                ssize_t len = readlink(peer_path, target, sizeof(target) - 1);
                if (len > 0) {
                        target[len] = '\0';
                        const char *slash = strrchr(target, '/');
                        pt->peer = strdup(slash ? slash + 1 : target);
                        if (!pt->peer)
                                r = -ENOMEM;
                }
                if (!pt->name || !pt->version)
                        r = -ENOMEM;
        }
        closedir(d);
        return r;
}

static const struct port *find_port(const struct port *v, size_t n, const char *name)
{
        for (size_t i = 0; name && i < n; i++)
                if (streq(v[i].name, name))
                        return &v[i];
        return NULL;
}

/* "3.0" > "2.0" > "1.1" > "" */
static int version_cmp(const char *a, const char *b)
{
        double x = *a ? strtod(a, NULL) : 0, y = *b ? strtod(b, NULL) : 0;
        return (x > y) - (x < y);
}

static int by_name(const void *a, const void *b)
{
        const struct port *x = a, *y = b;
        if (x->bus != y->bus)
                return (x->bus > y->bus) - (x->bus < y->bus);
        size_t lx = strlen(x->name), ly = strlen(y->name);
        return lx != ly ? (lx > ly) - (lx < ly) : strcmp(x->name, y->name);
}

static int refresh(struct usb_port *p)
{
        struct port *ports = NULL;
        struct row *rows = NULL;
        size_t n_ports = 0, n_rows = 0;
        uint64_t now;
        int r = 0;

        if (table_snapshot_fresh(&p->snapshot, SNAPSHOT_USEC, &now))
                return 0;
        DIR *d = opendir(p->devices_dir);
        for (struct dirent *de; d && r >= 0 && (de = readdir(d));) {
                char *end;
                if (!startswith(de->d_name, "usb") || !isdigit((unsigned char)de->d_name[3]))
                        continue;
                unsigned long bus = strtoul(de->d_name + 3, &end, 10);
                if (*end == '\0' && bus > 0 && bus < 1000)
                        r = scan_hub(p, (unsigned)bus, &ports, &n_ports);
        }
        if (d)
                closedir(d);
        if (r >= 0 && n_ports)
                qsort(ports, n_ports, sizeof(*ports), by_name);
        if (r >= 0 && !(rows = calloc(n_ports ? n_ports : 1, sizeof(*rows))))
                r = -ENOMEM;
        for (size_t i = 0; r >= 0 && i < n_ports; i++) {
                const struct port *pt = &ports[i], *peer = find_port(ports, n_ports, pt->peer);
                if (!pt->usable || (peer && !peer->usable))
                        continue;
                /* One row per receptacle: the older standard's half names it. */
                if (peer) {
                        int c = version_cmp(pt->version, peer->version);
                        if (c > 0 || (c == 0 && by_name(pt, peer) > 0))
                                continue;
                }
                struct row *row = &rows[n_rows++];
                row->name = strdup(pt->name);
                row->peer = peer ? strdup(peer->name) : NULL;
                row->standard =
                        strdup(peer && version_cmp(peer->version, pt->version) > 0 ? peer->version
                                                                                   : pt->version);
                row->instance = row->name ? instance_map_get(&p->numbers, row->name) : 0;
                if (!row->name || !row->standard || (peer && !row->peer) || !row->instance)
                        r = -ENOMEM;
        }
        ports_free(ports, n_ports);
        if (r < 0) {
                rows_free(rows, n_rows);
                return r;
        }
        rows_free(p->v, p->n);
        p->v = rows;
        p->n = n_rows;
        table_snapshot_taken(&p->snapshot, now);
        return 0;
}

static const struct row *find(const struct usb_port *p, uint32_t instance)
{
        for (size_t i = 0; i < p->n; i++)
                if (p->v[i].instance == instance)
                        return &p->v[i];
        return NULL;
}

int usb_port_get(struct usb_port *p, const char *name, char **value)
{
        uint32_t instance;
        const char *field;
        int r;

        if (!streq(name, USB_PREFIX "PortNumberOfEntries") && !startswith(name, PORT_TABLE))
                return -ENOENT;
        r = refresh(p);
        if (r < 0)
                return r;
        if (streq(name, USB_PREFIX "PortNumberOfEntries"))
                return table_count(p->n, value);
        if (table_parse_instance(name + strlen(PORT_TABLE), &instance, &field) < 0)
                return -ENOENT;
        const struct row *row = find(p, instance);
        if (!row)
                return -ENOENT;
        if (streq(field, "Name"))
                return table_text(row->name, value);
        if (streq(field, "Standard"))
                return table_text(row->standard, value);
        if (streq(field, "Type"))
                return table_text("Host", value);
        return -ENOENT;
}

int usb_port_path(struct usb_port *p, const char *port_name, char **ret)
{
        int r = refresh(p);
        if (r < 0)
                return r;
        for (size_t i = 0; port_name && i < p->n; i++)
                if (streq(p->v[i].name, port_name) ||
                    (p->v[i].peer && streq(p->v[i].peer, port_name)))
                        return asprintf(ret, PORT_TABLE "%" PRIu32, p->v[i].instance) < 0 ? -ENOMEM
                                                                                          : 0;
        return table_text("", ret);
}

int usb_port_get_instances(struct usb_port *p, const char *object, struct strv *instances)
{
        int r;

        if (!startswith(PORT_TABLE, object) && !startswith(object, PORT_TABLE))
                return 0;
        r = refresh(p);
        if (r < 0)
                return r;
        if (startswith(PORT_TABLE, object)) {
                for (size_t i = 0; r >= 0 && i < p->n; i++)
                        r = table_append_row(instances, PORT_TABLE, p->v[i].instance);
                return r;
        }
        uint32_t instance;
        const char *rest;
        if (table_parse_instance(object + strlen(PORT_TABLE), &instance, &rest) < 0 ||
            rest[0] != '\0' || !find(p, instance))
                return -ENOENT;
        return table_append_row(instances, PORT_TABLE, instance);
}
