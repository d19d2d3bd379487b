/* SPDX-License-Identifier: MIT */
/* Device.NeighborDiscovery.: the kernel's IPv6 Neighbor Discovery settings. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "builtin-table.h"
#include "instance-map.h"
#include "log.h"
#include "neighbor-discovery.h"
#include "store.h"

#define PREFIX "Device.NeighborDiscovery."
#define TABLE  PREFIX "InterfaceSetting."

struct nd_row {
        char *ifname;
        uint32_t instance;
};

struct neighbor_discovery {
        char *proc, *sys;
        neighbor_discovery_interface_fn interface;
        void *userdata;
        struct instance_map numbers;
        struct nd_row *rows;
        size_t n;
        struct table_snapshot snapshot;
};

static void rows_free(struct nd_row *rows, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(rows[i].ifname);
        free(rows);
}

int neighbor_discovery_new(const char *proc, const char *sys, const char *state_dir,
                           neighbor_discovery_interface_fn interface, void *userdata,
                           struct neighbor_discovery **ret)
{
        _cleanup_free_ char *path = NULL;
        struct neighbor_discovery *n = calloc(1, sizeof(*n));
        int r = -ENOMEM;

        if (!n)
                return -ENOMEM;
        n->interface = interface;
        n->userdata = userdata;
        n->proc = strdup(proc ? proc : "/proc");
        n->sys = strdup(sys ? sys : "/sys");
        if (state_dir && asprintf(&path, "%s/" NEIGHBOR_DISCOVERY_STATE_FILE, state_dir) < 0)
                path = NULL;
        else if (n->proc && n->sys)
                r = instance_map_init(&n->numbers, path);
        if (r < 0) {
                neighbor_discovery_free(n);
                return r;
        }
        *ret = n;
        return 0;
}

void neighbor_discovery_free(struct neighbor_discovery *n)
{
        if (!n)
                return;
        rows_free(n->rows, n->n);
        instance_map_done(&n->numbers);
        free(n->proc);
        free(n->sys);
        free(n);
}

/* A sysctl (or sysfs attribute) in one read(): the kernel answers a read at a later offset
 * with nothing. */
static int read_sysctl(const char *path, char *buf, size_t size)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        ssize_t n = read(fd, buf, size - 1);
        if (n < 0)
                return -errno;
        buf[n] = '\0';
        return 0;
}

/* An integer sysctl of PROC/sys/net/ipv6/DIR/IF/KEY. */
static int read_int(const struct neighbor_discovery *n, const char *dir, const char *ifname,
                    const char *key, long long *ret)
{
        _cleanup_free_ char *path = NULL;
        char data[64], *end;
        if (asprintf(&path, "%s/sys/net/ipv6/%s/%s/%s", n->proc, dir, ifname, key) < 0)
                return -ENOMEM;
        int r = read_sysctl(path, data, sizeof(data));
        if (r < 0)
                return r;
        errno = 0;
        *ret = strtoll(data, &end, 10);
        if (errno || end == data || (*end && *end != '\n'))
                return -EIO;
        return 0;
}

static int by_name(const void *a, const void *b)
{
        return strcmp(((const struct nd_row *)a)->ifname, ((const struct nd_row *)b)->ifname);
}

static int refresh(struct neighbor_discovery *n)
{
        _cleanup_free_ char *path = NULL;
        struct nd_row *rows = NULL;
        size_t count = 0;
        uint64_t now;
        int r = 0;

        if (table_snapshot_fresh(&n->snapshot, NEIGHBOR_DISCOVERY_SNAPSHOT_USEC, &now))
                return 0;
        if (asprintf(&path, "%s/sys/net/ipv6/conf", n->proc) < 0)
                return -ENOMEM;
        DIR *d = opendir(path);
        for (struct dirent *de; d && r >= 0 && (de = readdir(d));) {
                long long disabled;
                if (de->d_name[0] == '.' || streq(de->d_name, "all") ||
                    streq(de->d_name, "default") ||
                    read_int(n, "conf", de->d_name, "disable_ipv6", &disabled) < 0 || disabled)
                        continue;
                struct nd_row *nv = realloc(rows, (count + 1) * sizeof(*nv));
                if (!nv) {
                        r = -ENOMEM;
                        break;
                }
                rows = nv;
                rows[count] = (struct nd_row){.ifname = strdup(de->d_name)};
                if (!rows[count++].ifname)
                        r = -ENOMEM;
        }
        if (d)
                closedir(d);
        if (r >= 0)
                qsort(rows, count, sizeof(*rows), by_name);
        for (size_t i = 0; r >= 0 && i < count; i++) {
                rows[i].instance = instance_map_get(&n->numbers, rows[i].ifname);
                if (rows[i].instance == 0)
                        r = -ENOMEM;
        }
        if (r < 0) {
                rows_free(rows, count);
                return r;
        }
        r = instance_map_save(&n->numbers);
        if (r < 0)
                log_warning_errno(r, "Failed to save the Neighbor Discovery numbering: %m");
        rows_free(n->rows, n->n);
        n->rows = rows;
        n->n = count;
        table_snapshot_taken(&n->snapshot, now);
        return 0;
}

static const struct nd_row *find(const struct neighbor_discovery *n, uint32_t instance)
{
        for (size_t i = 0; i < n->n; i++)
                if (n->rows[i].instance == instance)
                        return &n->rows[i];
        return NULL;
}

static int print_unsigned(long long v, char **ret)
{
        if (v < 0 || v > UINT32_MAX)
                return -ENOENT;
        return asprintf(ret, "%lld", v) < 0 ? -ENOMEM : 0;
}

static bool is_loopback(const struct neighbor_discovery *n, const char *ifname)
{
        _cleanup_free_ char *path = NULL;
        char data[32];
        if (asprintf(&path, "%s/class/net/%s/flags", n->sys, ifname) < 0 ||
            read_sysctl(path, data, sizeof(data)) < 0)
                return false;
        return strtoul(data, NULL, 16) & IFF_LOOPBACK;
}

static int sends_solicitations(const struct neighbor_discovery *n, const char *ifname, bool *ret)
{
        long long accept_ra, forwarding, count;
        int r = read_int(n, "conf", ifname, "accept_ra", &accept_ra);
        if (r >= 0)
                r = read_int(n, "conf", ifname, "forwarding", &forwarding);
        if (r >= 0)
                r = read_int(n, "conf", ifname, "router_solicitations", &count);
        if (r < 0)
                return r;
        *ret = (accept_ra == 2 || (accept_ra == 1 && forwarding == 0)) && count != 0 &&
               !is_loopback(n, ifname);
        return 0;
}

static int get_row(struct neighbor_discovery *n, const struct nd_row *row, const char *field,
                   char **value)
{
        long long v;
        bool b;
        int r;

        if (streq(field, "Enable") || streq(field, "NUDEnable"))
                return table_text("true", value);
        if (streq(field, "Status"))
                return table_text("Enabled", value);
        if (streq(field, "Interface")) {
                char *path = n->interface ? n->interface(row->ifname, n->userdata) : NULL;
                *value = path ? path : strdup("");
                return *value ? 0 : -ENOMEM;
        }
        if (streq(field, "DADTransmits")) {
                r = read_int(n, "conf", row->ifname, "dad_transmits", &v);
                return r < 0 ? r : print_unsigned(v, value);
        }
        if (streq(field, "RetransTimer")) {
                r = read_int(n, "neigh", row->ifname, "retrans_time_ms", &v);
                return r < 0 ? r : print_unsigned(v, value);
        }
        if (streq(field, "RtrSolicitationInterval")) {
                r = read_int(n, "conf", row->ifname, "router_solicitation_interval", &v);
                return r < 0 ? r
                             : print_unsigned(v < 0 || v > UINT32_MAX / 1000 ? -1 : v * 1000,
                                              value);
        }
        if (streq(field, "RSEnable")) {
                r = sends_solicitations(n, row->ifname, &b);
                return r < 0 ? r : table_text(b ? "true" : "false", value);
        }
        return -ENOENT;
}

int neighbor_discovery_get(struct neighbor_discovery *n, const char *name, char **value)
{
        uint32_t instance;
        const char *field;

        if (!startswith(name, PREFIX))
                return -ENOENT;
        int r = refresh(n);
        if (r < 0)
                return r;
        if (streq(name, PREFIX "InterfaceSettingNumberOfEntries"))
                return table_count(n->n, value);
        if (!startswith(name, TABLE) ||
            table_parse_instance(name + strlen(TABLE), &instance, &field) < 0)
                return -ENOENT;
        const struct nd_row *row = find(n, instance);
        return row ? get_row(n, row, field, value) : -ENOENT;
}

int neighbor_discovery_get_instances(struct neighbor_discovery *n, const char *object,
                                     struct strv *instances)
{
        uint32_t instance;
        const char *rest;
        int r;

        if (object[0] != '\0' && !endswith_char(object, '.'))
                return -EINVAL;
        if (startswith(TABLE, object)) {
                r = refresh(n);
                for (size_t i = 0; r >= 0 && i < n->n; i++)
                        r = table_append_row(instances, TABLE, n->rows[i].instance);
                return r;
        }
        if (!startswith(object, TABLE))
                return 0;
        if (table_parse_instance(object + strlen(TABLE), &instance, &rest) < 0 || rest[0] != '\0')
                return -ENOENT;
        r = refresh(n);
        if (r < 0)
                return r;
        return find(n, instance) ? table_append_row(instances, TABLE, instance) : -ENOENT;
}
