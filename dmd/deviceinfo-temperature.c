/* SPDX-License-Identifier: MIT */
/*
 * Device.DeviceInfo.TemperatureStatus.TemperatureSensor.{i}.: the kernel's thermal zones
 * (SYS/class/thermal/thermal_zone*: type, temp) and hardware monitors
 * (SYS/class/hwmon/hwmon* /temp*_input, with name and temp*_label). Values are
 * millidegrees Celsius there, whole degrees here.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "deviceinfo-internal.h"

#define SMALL_FILE_MAX 256u

static int read_line(const char *dir, const char *name, char **ret)
{
        _cleanup_free_ char *path = NULL, *data = NULL;
        size_t len;
        if (asprintf(&path, "%s/%s", dir, name) < 0)
                return -ENOMEM;
        int r = deviceinfo_read_file(path, SMALL_FILE_MAX, &data, &len);
        if (r < 0)
                return r;
        return deviceinfo_text_clean(data, len, DEVICEINFO_SENSOR_NAME_MAX, ret);
}

int deviceinfo_parse_millidegrees(const char *s, int *ret)
{
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        while (*end == ' ' || *end == '\n')
                end++;
        if (errno || end == s || *end != '\0')
                return -EBADMSG;
        /* Round to the nearest degree, halves away from zero. */
        long long deg = v >= 0 ? (v + 500) / 1000 : -((-v + 500) / 1000);
        if (deg < DEVICEINFO_TEMPERATURE_MIN || deg > INT_MAX)
                return -ERANGE;
        *ret = (int)deg;
        return 0;
}

void deviceinfo_sensors_done(struct deviceinfo_sensor *v, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(v[i].key);
                free(v[i].name);
                free(v[i].input);
        }
        free(v);
}

static int push(struct deviceinfo_sensor **v, size_t *n, char *key, char *name, char *input)
{
        struct deviceinfo_sensor *nv = NULL;
        if (key && name && input)
                nv = reallocarray(*v, *n + 1, sizeof(**v));
        if (!nv) {
                free(key);
                free(name);
                free(input);
                return -ENOMEM;
        }
        *v = nv;
        (*v)[(*n)++] = (struct deviceinfo_sensor){.key = key, .name = name, .input = input};
        return 0;
}

static int cmp_dirent(const struct dirent **a, const struct dirent **b)
{
        return strverscmp((*a)->d_name, (*b)->d_name);
}

/* One thermal zone: "<type> (thermal_zoneN)". */
static int scan_thermal_zone(const char *dir, const char *entry, struct deviceinfo_sensor **v,
                             size_t *n)
{
        _cleanup_free_ char *type = NULL;
        char *name = NULL, *key = NULL, *input = NULL;
        if (read_line(dir, "type", &type) == -ENOMEM)
                return -ENOMEM;
        if (asprintf(&name, "%s (%s)", type ? type : "thermal", entry) < 0)
                name = NULL;
        if (asprintf(&key, "thermal/%s", entry) < 0)
                key = NULL;
        if (asprintf(&input, "%s/temp", dir) < 0)
                input = NULL;
        return push(v, n, key, name, input);
}

/* One hwmon device: every temp*_input, named "<chip> <label>" or "<chip> tempN". */
static int scan_hwmon_device(const char *dir, const char *entry, struct deviceinfo_sensor **v,
                             size_t *n)
{
        _cleanup_free_ char *chip = NULL;
        struct dirent **de = NULL;
        int r = read_line(dir, "name", &chip);

        if (r == -ENOMEM)
                return r;
        int k = scandir(dir, &de, NULL, cmp_dirent);
        if (k < 0)
                return 0;
        r = 0;
        for (int i = 0; i < k; i++) {
                const char *f = de[i]->d_name;
                size_t len = strlen(f);
                if (r >= 0 && startswith(f, "temp") && len > 10 && streq(f + len - 6, "_input")) {
                        _cleanup_free_ char *sensor = strndup(f, len - 6), *label = NULL,
                                            *label_file = NULL;
                        if (!sensor || asprintf(&label_file, "%s_label", sensor) < 0) {
                                r = -ENOMEM;
                        } else {
                                if (read_line(dir, label_file, &label) == -ENOMEM)
                                        r = -ENOMEM;
                                char *name = NULL, *key = NULL, *input = NULL;
                                if (r >= 0) {
                                        if (asprintf(&name, "%s %s", chip ? chip : entry,
                                                     label && label[0] ? label : sensor) < 0)
                                                name = NULL;
                                        /* hwmon numbers may change between boots; the chip's
                                         * name and the sensor do not. */
                                        if (asprintf(&key, "hwmon/%s/%s", chip ? chip : entry,
                                                     sensor) < 0)
                                                key = NULL;
                                        if (asprintf(&input, "%s/%s", dir, f) < 0)
                                                input = NULL;
                                        r = push(v, n, key, name, input);
                                }
                        }
                }
                free(de[i]);
        }
        free(de);
        return r;
}

/* Calls `scan` on every SYS/CLASS_DIR/PREFIX* device, in version order; a class the kernel
 * does not have has none. */
static int scan_class(const char *sys, const char *class_dir, const char *prefix,
                      int (*scan)(const char *dir, const char *entry, struct deviceinfo_sensor **v,
                                  size_t *n),
                      struct deviceinfo_sensor **v, size_t *n)
{
        _cleanup_free_ char *base = deviceinfo_path(sys, class_dir);
        struct dirent **de = NULL;
        int r = 0;

        if (!base)
                return -ENOMEM;
        int k = scandir(base, &de, NULL, cmp_dirent);
        if (k < 0)
                return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
        for (int i = 0; i < k; i++) {
                if (r >= 0 && startswith(de[i]->d_name, prefix)) {
                        _cleanup_free_ char *dir = NULL;
                        if (asprintf(&dir, "%s/%s", base, de[i]->d_name) < 0)
                                r = -ENOMEM;
                        else
                                r = scan(dir, de[i]->d_name, v, n);
                }
                free(de[i]);
        }
        free(de);
        return r;
}

int deviceinfo_scan_sensors(const char *sys, struct deviceinfo_sensor **ret, size_t *ret_n)
{
        struct deviceinfo_sensor *v = NULL;
        size_t n = 0;
        int r = scan_class(sys, "/class/thermal", "thermal_zone", scan_thermal_zone, &v, &n);
        if (r >= 0)
                r = scan_class(sys, "/class/hwmon", "hwmon", scan_hwmon_device, &v, &n);
        if (r < 0) {
                deviceinfo_sensors_done(v, n);
                return r;
        }
        /* Two chips of the same name would share keys: the later ones are left out rather
         * than given a number that depends on the order of discovery. */
        for (size_t i = 1; i < n; i++)
                for (size_t j = 0; j < i; j++)
                        if (v[j].key && v[i].key && streq(v[i].key, v[j].key)) {
                                free(v[i].key);
                                v[i].key = NULL;
                                break;
                        }
        *ret = v;
        *ret_n = n;
        return 0;
}

int deviceinfo_read_sensor(const struct deviceinfo_sensor *s, int *ret_degrees)
{
        _cleanup_free_ char *data = NULL;
        int r = deviceinfo_read_file(s->input, SMALL_FILE_MAX, &data, NULL);
        if (r < 0)
                return r;
        return deviceinfo_parse_millidegrees(data, ret_degrees);
}
