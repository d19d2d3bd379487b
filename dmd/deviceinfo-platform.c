/* SPDX-License-Identifier: MIT */
/* Device.DeviceInfo.: Processor, SupportedDataModel, NetworkProperties. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "builtin-table.h"
#include "deviceinfo-platform.h"

#define DI               "Device.DeviceInfo."
#define PROCESSOR_TABLE  DI "Processor."
#define DATA_MODEL_TABLE DI "SupportedDataModel."
#define NETWORK          DI "NetworkProperties."
#define SMALL_FILE_MAX   4096u

struct deviceinfo_platform {
        char *proc, *sys, *machine;
};

const char *deviceinfo_platform_architecture(const char *machine, bool big_endian)
{
        static const struct {
                const char *prefix, *little, *big;
        } map[] = {
                {"x86_64", "x86_64", NULL},
                {"i386", "i386", NULL},
                {"i486", "i386", NULL},
                {"i586", "i386", NULL},
                {"i686", "i386", NULL},
                {"aarch64", "arm", "arm"},
                {"arm", "arm", "arm"},
                {"ppc", "powerpc", "powerpc"},
                {"powerpc", "powerpc", "powerpc"},
                {"mips", "mipsel", "mipseb"},
                {"m68k", "m68k", "m68k"},
                {"sh", "sh3el", "sh3eb"},
        };
        for (size_t i = 0; i < ELEMENTSOF(map); i++)
                if (startswith(machine, map[i].prefix))
                        return big_endian ? map[i].big : map[i].little;
        return NULL;
}

int deviceinfo_platform_parse_cpu_list(const char *s, unsigned **ret, size_t *ret_n)
{
        _cleanup_free_ unsigned *v = NULL;
        size_t n = 0;

        while (*s && *s != '\n') {
                char *end;
                if (*s < '0' || *s > '9')
                        return -EINVAL;
                unsigned long lo = strtoul(s, &end, 10), hi = lo;
                if (*end == '-') {
                        if (end[1] < '0' || end[1] > '9')
                                return -EINVAL;
                        hi = strtoul(end + 1, &end, 10);
                }
                if (hi < lo || hi >= DEVICEINFO_PLATFORM_MAX_CPUS ||
                    n + (hi - lo + 1) > DEVICEINFO_PLATFORM_MAX_CPUS)
                        return -EINVAL;
                if (*end == ',')
                        end++;
                else if (*end && *end != '\n')
                        return -EINVAL;
                unsigned *nv = realloc(v, (n + hi - lo + 1) * sizeof(*nv));
                if (!nv)
                        return -ENOMEM;
                v = nv;
                for (unsigned long c = lo; c <= hi; c++) {
                        if (n > 0 && v[n - 1] >= c)
                                return -EINVAL;
                        v[n++] = (unsigned)c;
                }
                s = end;
        }
        *ret = v;
        v = NULL;
        *ret_n = n;
        return 0;
}

int deviceinfo_platform_new(const char *proc, const char *sys, const char *machine,
                            struct deviceinfo_platform **ret)
{
        struct utsname u;
        struct deviceinfo_platform *p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        if (!machine && uname(&u) == 0)
                machine = u.machine;
        p->proc = strdup(proc ? proc : "/proc");
        p->sys = strdup(sys ? sys : "/sys");
        p->machine = strdup(machine ? machine : "");
        if (!p->proc || !p->sys || !p->machine) {
                deviceinfo_platform_free(p);
                return -ENOMEM;
        }
        *ret = p;
        return 0;
}

void deviceinfo_platform_free(struct deviceinfo_platform *p)
{
        if (!p)
                return;
        free(p->proc);
        free(p->sys);
        free(p->machine);
        free(p);
}

static const char *architecture(const struct deviceinfo_platform *p)
{
        return deviceinfo_platform_architecture(p->machine, __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__);
}

/* One read of the whole file: a sysctl under /proc/sys answers only a read at offset 0, so
 * reading in small pieces would see its first bytes alone. */
static int read_small(const char *prefix, const char *rel, char **ret)
{
        _cleanup_free_ char *path = NULL, *data = NULL;
        if (asprintf(&path, "%s%s", prefix, rel) < 0)
                return -ENOMEM;
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        data = malloc(SMALL_FILE_MAX + 1);
        if (!data)
                return -ENOMEM;
        ssize_t n;
        do
                n = read(fd, data, SMALL_FILE_MAX);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        data[n] = '\0';
        *ret = data;
        data = NULL;
        return 0;
}

/* The CPUs that have a Processor row: none when TR-181 cannot name the architecture. */
static int processors(const struct deviceinfo_platform *p, unsigned **ret, size_t *ret_n)
{
        _cleanup_free_ char *data = NULL;
        *ret = NULL;
        *ret_n = 0;
        if (!architecture(p))
                return 0;
        int r = read_small(p->sys, "/devices/system/cpu/present", &data);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        return deviceinfo_platform_parse_cpu_list(data, ret, ret_n);
}

static bool has_processor(const struct deviceinfo_platform *p, uint32_t instance, int *error)
{
        _cleanup_free_ unsigned *cpus = NULL;
        size_t n;
        *error = processors(p, &cpus, &n);
        for (size_t i = 0; *error >= 0 && i < n; i++)
                if (cpus[i] + 1u == instance)
                        return true;
        return false;
}

static int max_tcp_window(const struct deviceinfo_platform *p, char **value)
{
        _cleanup_free_ char *data = NULL;
        unsigned long min, def, max;
        int r = read_small(p->proc, "/sys/net/ipv4/tcp_rmem", &data);
        if (r < 0)
                return r;
        if (sscanf(data, "%lu %lu %lu", &min, &def, &max) != 3)
                return -EINVAL;
        return asprintf(value, "%lu", max > UINT32_MAX ? (unsigned long)UINT32_MAX : max) < 0
                       ? -ENOMEM
                       : 0;
}

static int tcp_implementation(const struct deviceinfo_platform *p, char **value)
{
        _cleanup_free_ char *data = NULL;
        bool vegas = false;
        int r = read_small(p->proc, "/sys/net/ipv4/tcp_available_congestion_control", &data);
        if (r < 0 && r != -ENOENT)
                return r;
        for (char *save = NULL, *tok = data ? strtok_r(data, " \t\n", &save) : NULL; tok;
             tok = strtok_r(NULL, " \t\n", &save))
                vegas = vegas || streq(tok, "vegas");
        return table_text(vegas ? "New Reno,Vegas" : "New Reno", value);
}

int deviceinfo_platform_get(struct deviceinfo_platform *p, const char *name, char **value)
{
        int r;

        if (!startswith(name, DI))
                return -ENOENT;
        if (streq(name, DI "ProcessorNumberOfEntries")) {
                _cleanup_free_ unsigned *cpus = NULL;
                size_t n;
                r = processors(p, &cpus, &n);
                return r < 0 ? r : table_count(n, value);
        }
        if (streq(name, DI "SupportedDataModelNumberOfEntries"))
                return table_text("1", value);
        if (streq(name, NETWORK "MaxTCPWindowSize"))
                return max_tcp_window(p, value);
        if (streq(name, NETWORK "TCPImplementation"))
                return tcp_implementation(p, value);

        uint32_t instance;
        const char *field;
        if (startswith(name, PROCESSOR_TABLE)) {
                r = table_parse_instance(name + strlen(PROCESSOR_TABLE), &instance, &field);
                if (r < 0 || !streq(field, "Architecture"))
                        return -ENOENT;
                if (!has_processor(p, instance, &r))
                        return r < 0 ? r : -ENOENT;
                return table_text(architecture(p), value);
        }
        if (startswith(name, DATA_MODEL_TABLE)) {
                r = table_parse_instance(name + strlen(DATA_MODEL_TABLE), &instance, &field);
                if (r < 0 || instance != 1 || !streq(field, "URN"))
                        return -ENOENT;
                return table_text(DEVICEINFO_PLATFORM_DATA_MODEL_URN, value);
        }
        return -ENOENT;
}

/* An object at or above `table` lists all its rows; a row of it lists itself if it
 * exists. */
static int table_instances(struct deviceinfo_platform *p, const char *table, const char *object,
                           struct strv *out)
{
        bool is_processor = streq(table, PROCESSOR_TABLE);
        int r = 0;

        if (startswith(table, object)) {
                if (!is_processor)
                        return table_append_row(out, table, 1);
                _cleanup_free_ unsigned *cpus = NULL;
                size_t n;
                r = processors(p, &cpus, &n);
                for (size_t i = 0; r >= 0 && i < n; i++)
                        r = table_append_row(out, table, cpus[i] + 1u);
                return r;
        }
        if (!startswith(object, table))
                return 0;
        uint32_t instance;
        const char *rest;
        if (table_parse_instance(object + strlen(table), &instance, &rest) < 0 || rest[0] != '\0')
                return -ENOENT;
        bool found = is_processor ? has_processor(p, instance, &r) : instance == 1;
        if (r < 0)
                return r;
        return found ? table_append_row(out, table, instance) : -ENOENT;
}

int deviceinfo_platform_get_instances(struct deviceinfo_platform *p, const char *object,
                                      struct strv *instances)
{
        if (object[0] != '\0' && !endswith_char(object, '.'))
                return -EINVAL;
        int r = table_instances(p, PROCESSOR_TABLE, object, instances);
        if (r >= 0)
                r = table_instances(p, DATA_MODEL_TABLE, object, instances);
        return r;
}
