/* SPDX-License-Identifier: MIT */
/* Device.DeviceInfo.: settings, and the dispatch of parameter names to their sources. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "deviceinfo-internal.h"
#include "log.h"

#define DEVICEINFO_PREFIX "Device.DeviceInfo."
#define PROCESS_TABLE     DEVICEINFO_PREFIX "ProcessStatus.Process."

struct deviceinfo {
        char *proc, *sys, *etc, *persistent_dir;
        char *identity[_DEVICEINFO_IDENTITY_MAX];
        struct deviceinfo_cpu_usage cpu;
        struct deviceinfo_process_table processes;
};

/* ---- settings ---- */

static int parse_text(const char *value, char **field, size_t max_chars, const char *too_long,
                      const char **reason)
{
        if (!deviceinfo_text_valid(value, SIZE_MAX)) {
                *reason = "not valid UTF-8 text";
                return -EINVAL;
        }
        if (!deviceinfo_text_valid(value, max_chars)) {
                *reason = too_long;
                return -ERANGE;
        }
        char *copy = NULL;
        /* An empty assignment goes back to deriving the value from the system. */
        if (value[0] != '\0' && !(copy = strdup(value))) {
                *reason = "out of memory";
                return -ENOMEM;
        }
        free(*field);
        *field = copy;
        return 0;
}

static int parse_short_text(const char *value, void *data, const char **reason)
{
        return parse_text(value, data, DEVICEINFO_SHORT_MAX, "longer than 64 characters", reason);
}

static int parse_description(const char *value, void *data, const char **reason)
{
        return parse_text(value, data, DEVICEINFO_DESCRIPTION_MAX, "longer than 256 characters",
                          reason);
}

/* Six hexadecimal digits, stored upper case as TR-181's pattern [0-9A-F]{6} wants. */
static int parse_oui(const char *value, void *data, const char **reason)
{
        char **field = data;
        if (value[0] == '\0') {
                free(*field);
                *field = NULL;
                return 0;
        }
        if (strlen(value) != 6 || strspn(value, "0123456789abcdefABCDEF") != 6) {
                *reason = "not an OUI (six hexadecimal digits)";
                return -EINVAL;
        }
        char *copy = strdup(value);
        if (!copy) {
                *reason = "out of memory";
                return -ENOMEM;
        }
        for (char *c = copy; *c; c++)
                if (*c >= 'a' && *c <= 'f')
                        *c = (char)(*c - 'a' + 'A');
        free(*field);
        *field = copy;
        return 0;
}

#define ITEM(key, parser, field)                                                                   \
        {                                                                                          \
                "DeviceInfo", key, parser, offsetof(struct deviceinfo_settings, field)             \
        }

const struct cfg_item deviceinfo_cfg_items[] = {
        ITEM("Manufacturer", parse_short_text, manufacturer),
        ITEM("ManufacturerOUI", parse_oui, manufacturer_oui),
        ITEM("ModelName", parse_short_text, model_name),
        ITEM("Description", parse_description, description),
        ITEM("ProductClass", parse_short_text, product_class),
        ITEM("SerialNumber", parse_short_text, serial_number),
        ITEM("HardwareVersion", parse_short_text, hardware_version),
        ITEM("SoftwareVersion", parse_short_text, software_version),
};
const size_t deviceinfo_n_cfg_items = ELEMENTSOF(deviceinfo_cfg_items);

void deviceinfo_settings_done(struct deviceinfo_settings *s)
{
        free(s->manufacturer);
        free(s->manufacturer_oui);
        free(s->model_name);
        free(s->description);
        free(s->product_class);
        free(s->serial_number);
        free(s->hardware_version);
        free(s->software_version);
        *s = (struct deviceinfo_settings){0};
}

/* ---- life cycle ---- */

static int copy_path(const char *path, const char *fallback, char **ret)
{
        *ret = strdup(path ? path : fallback);
        return *ret ? 0 : -ENOMEM;
}

int deviceinfo_new(const struct deviceinfo_settings *s, const struct deviceinfo_paths *p,
                   struct deviceinfo **ret)
{
        static const struct deviceinfo_paths defaults = {0};
        if (!p)
                p = &defaults;

        struct deviceinfo *d = calloc(1, sizeof(*d));
        if (!d)
                return -ENOMEM;

        int r = copy_path(p->proc, "/proc", &d->proc);
        if (r >= 0)
                r = copy_path(p->sys, "/sys", &d->sys);
        if (r >= 0)
                r = copy_path(p->etc, "/etc", &d->etc);
        if (r >= 0)
                r = copy_path(p->persistent_dir, CWMP_STATE_DIR, &d->persistent_dir);
        if (r >= 0)
                r = deviceinfo_identity_load(s, d->proc, d->sys, d->etc, d->identity);
        if (r >= 0)
                r = deviceinfo_process_table_init(&d->processes, d->proc, p->runtime_dir);
        if (r < 0) {
                deviceinfo_free(d);
                return r;
        }

        if (!s || !s->manufacturer_oui || s->manufacturer_oui[0] == '\0')
                log_warning("[DeviceInfo] ManufacturerOUI= is not set: "
                            "reporting " DEVICEINFO_DEFAULT_OUI ", which is no manufacturer's OUI");
        *ret = d;
        return 0;
}

void deviceinfo_free(struct deviceinfo *d)
{
        if (!d)
                return;
        for (size_t i = 0; i < _DEVICEINFO_IDENTITY_MAX; i++)
                free(d->identity[i]);
        deviceinfo_process_table_done(&d->processes);
        free(d->proc);
        free(d->sys);
        free(d->etc);
        free(d->persistent_dir);
        free(d);
}

void deviceinfo_invalidate(struct deviceinfo *d)
{
        deviceinfo_process_table_invalidate(&d->processes);
}

/* ---- values ---- */

static const struct {
        const char *name;
        enum deviceinfo_identity id;
} identity_parameters[] = {
        {DEVICEINFO_PREFIX "Manufacturer", DEVICEINFO_MANUFACTURER},
        {DEVICEINFO_PREFIX "ManufacturerOUI", DEVICEINFO_MANUFACTURER_OUI},
        {DEVICEINFO_PREFIX "ModelName", DEVICEINFO_MODEL_NAME},
        {DEVICEINFO_PREFIX "Description", DEVICEINFO_DESCRIPTION},
        {DEVICEINFO_PREFIX "ProductClass", DEVICEINFO_PRODUCT_CLASS},
        {DEVICEINFO_PREFIX "SerialNumber", DEVICEINFO_SERIAL_NUMBER},
        {DEVICEINFO_PREFIX "HardwareVersion", DEVICEINFO_HARDWARE_VERSION},
        {DEVICEINFO_PREFIX "SoftwareVersion", DEVICEINFO_SOFTWARE_VERSION},
        {DEVICEINFO_PREFIX "AdditionalSoftwareVersion", DEVICEINFO_ADDITIONAL_SOFTWARE_VERSION},
};

/* unsignedInt values: counters beyond 2^32 - 1 (a 4 TiB disk in KiB, 49 days of CPU time
 * in ms) report the largest value the type holds rather than wrap around. */
static int format_unsigned(uint64_t v, char **ret)
{
        if (v > UINT32_MAX)
                v = UINT32_MAX;
        return asprintf(ret, "%" PRIu64, v) < 0 ? -ENOMEM : 0;
}

static int format_string(const char *s, char **ret)
{
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

/* "7.Name" -> 7 and "Name"; instance numbers are decimal without leading zeros. */
static int parse_instance(const char *s, uint32_t *ret_instance, const char **ret_rest)
{
        uint64_t v = 0;
        const char *c = s;
        if (*c < '1' || *c > '9')
                return -ENOENT;
        for (; *c >= '0' && *c <= '9'; c++) {
                v = v * 10 + (uint64_t)(*c - '0');
                if (v > UINT32_MAX)
                        return -ENOENT;
        }
        if (*c != '.')
                return -ENOENT;
        *ret_instance = (uint32_t)v;
        *ret_rest = c + 1;
        return 0;
}

static int get_process_value(struct deviceinfo *d, const char *rest, char **value)
{
        uint32_t instance;
        const char *field;
        int r = parse_instance(rest, &instance, &field);
        if (r < 0)
                return r;
        r = deviceinfo_process_table_refresh(&d->processes);
        if (r < 0)
                return r;
        const struct deviceinfo_process *p = deviceinfo_process_table_find(&d->processes, instance);
        if (!p)
                return -ENOENT;

        if (streq(field, "PID"))
                return format_unsigned((uint64_t)p->id.pid, value);
        if (streq(field, "Command"))
                return format_string(p->command, value);
        if (streq(field, "Size"))
                return format_unsigned(p->size_kib, value);
        if (streq(field, "Priority"))
                return format_unsigned(p->priority, value);
        if (streq(field, "CPUTime"))
                return format_unsigned(p->cpu_time_ms, value);
        if (streq(field, "State"))
                return format_string(p->state, value);
        return -ENOENT;
}

static int get_memory_value(struct deviceinfo *d, const char *field, char **value)
{
        uint64_t total, free_kib;
        int r;

        if (streq(field, "Total") || streq(field, "Free")) {
                r = deviceinfo_read_meminfo(d->proc, &total, &free_kib);
                if (r < 0)
                        return r;
                return format_unsigned(streq(field, "Total") ? total : free_kib, value);
        }
        if (streq(field, "TotalPersistent") || streq(field, "FreePersistent")) {
                r = deviceinfo_read_fs_usage(d->persistent_dir, &total, &free_kib);
                if (r < 0)
                        return r;
                return format_unsigned(streq(field, "TotalPersistent") ? total : free_kib, value);
        }
        return -ENOENT;
}

int deviceinfo_get(struct deviceinfo *d, const char *name, char **value)
{
        int r;

        if (!startswith(name, DEVICEINFO_PREFIX))
                return -ENOENT;

        for (size_t i = 0; i < ELEMENTSOF(identity_parameters); i++)
                if (streq(name, identity_parameters[i].name))
                        return format_string(d->identity[identity_parameters[i].id], value);

        if (streq(name, DEVICEINFO_PREFIX "UpTime")) {
                uint64_t seconds;
                r = deviceinfo_read_uptime(d->proc, &seconds);
                if (r < 0)
                        return r;
                return format_unsigned(seconds, value);
        }
        if (startswith(name, DEVICEINFO_PREFIX "MemoryStatus."))
                return get_memory_value(d, name + strlen(DEVICEINFO_PREFIX "MemoryStatus."), value);
        if (streq(name, DEVICEINFO_PREFIX "ProcessStatus.CPUUsage")) {
                unsigned percent;
                r = deviceinfo_cpu_usage_update(&d->cpu, d->proc, &percent);
                if (r < 0)
                        return r;
                return format_unsigned(percent, value);
        }
        if (streq(name, DEVICEINFO_PREFIX "ProcessStatus.ProcessNumberOfEntries")) {
                r = deviceinfo_process_table_refresh(&d->processes);
                if (r < 0)
                        return r;
                return format_unsigned(d->processes.n_procs, value);
        }
        if (startswith(name, PROCESS_TABLE))
                return get_process_value(d, name + strlen(PROCESS_TABLE), value);

        return -ENOENT; /* ProvisioningCode (dmd stores it) and whatever is not ours */
}

static int append_instance(struct strv *instances, uint32_t instance)
{
        char *path;
        if (asprintf(&path, PROCESS_TABLE "%" PRIu32 ".", instance) < 0)
                return -ENOMEM;
        return strv_push_take(instances, path);
}

int deviceinfo_get_instances(struct deviceinfo *d, const char *object, struct strv *instances)
{
        int r;

        if (object[0] != '\0' && !endswith_char(object, '.'))
                return -EINVAL;

        /* At or above the table: all of it. */
        if (startswith(PROCESS_TABLE, object)) {
                r = deviceinfo_process_table_refresh(&d->processes);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < d->processes.n_procs; i++) {
                        r = append_instance(instances, d->processes.procs[i].id.instance);
                        if (r < 0)
                                return r;
                }
                return 0;
        }

        /* One instance: it has no sub-objects. */
        if (startswith(object, PROCESS_TABLE)) {
                uint32_t instance;
                const char *rest;
                r = parse_instance(object + strlen(PROCESS_TABLE), &instance, &rest);
                if (r < 0)
                        return r;
                if (rest[0] != '\0')
                        return -ENOENT;
                r = deviceinfo_process_table_refresh(&d->processes);
                if (r < 0)
                        return r;
                if (!deviceinfo_process_table_find(&d->processes, instance))
                        return -ENOENT;
                return append_instance(instances, instance);
        }

        return 0; /* elsewhere: no tables of ours */
}
