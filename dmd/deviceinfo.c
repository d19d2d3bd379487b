/* SPDX-License-Identifier: MIT */
/* Device.DeviceInfo.: settings, and the dispatch of parameter names to their sources. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "builtin-table.h"
#include "deviceinfo-internal.h"
#include "instance-map.h"
#include "log.h"
#include "time-status.h"

#define DEVICEINFO_PREFIX "Device.DeviceInfo."
#define PROCESS_TABLE     DEVICEINFO_PREFIX "ProcessStatus.Process."
#define CPU_TABLE         DEVICEINFO_PREFIX "ProcessStatus.CPU."
#define SENSOR_TABLE      DEVICEINFO_PREFIX "TemperatureStatus.TemperatureSensor."
#define CONFIG_TABLE      DEVICEINFO_PREFIX "VendorConfigFile."
#define LOG_TABLE         DEVICEINFO_PREFIX "VendorLogFile."

/* A sensor of the last scan, with its last reading. */
struct sensor_state {
        struct deviceinfo_sensor s;
        uint32_t instance;
        int value, error; /* error: the last read failed (negative errno) */
        time_t read_at;
        uint64_t read_usec; /* CLOCK_MONOTONIC, 0: never read */
};

struct deviceinfo {
        char *proc, *sys, *etc, *run, *persistent_dir;
        char *identity[_DEVICEINFO_IDENTITY_MAX];
        char *software_version_file;
        struct deviceinfo_cpu_usage cpu;
        struct deviceinfo_cpu_table cpus; /* ProcessStatus.CPU.{i}.: instance = number + 1 */
        struct deviceinfo_process_table processes;
        struct deviceinfo_vendor_file *config_files, *log_files;
        size_t n_config_files, n_log_files;
        /* Temperature sensors, scanned at most once per DEVICEINFO_SNAPSHOT_USEC. */
        struct instance_map sensor_numbers;
        struct sensor_state *sensors;
        size_t n_sensors;
        struct table_snapshot sensors_snapshot;
        deviceinfo_stored_fn stored;
        void *stored_userdata;
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

/* One file per assignment; an empty assignment empties the list. */
static int parse_file_list(const char *value, struct strv *list, bool is_log, const char **reason)
{
        struct deviceinfo_vendor_file f;
        if (value[0] == '\0') {
                strv_done(list);
                return 0;
        }
        int r = deviceinfo_vendor_file_parse(value, is_log, &f, reason);
        if (r < 0)
                return r;
        free(f.path);
        free(f.extra);
        r = strv_push(list, value);
        if (r < 0)
                *reason = "out of memory";
        return r;
}

static int parse_config_file(const char *value, void *data, const char **reason)
{
        return parse_file_list(value, data, false, reason);
}

static int parse_log_file(const char *value, void *data, const char **reason)
{
        return parse_file_list(value, data, true, reason);
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
        ITEM("SoftwareVersionFile", cfg_parse_path, software_version_file),
        ITEM("VendorConfigFile", parse_config_file, vendor_config_files),
        ITEM("VendorLogFile", parse_log_file, vendor_log_files),
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
        free(s->software_version_file);
        strv_done(&s->vendor_config_files);
        strv_done(&s->vendor_log_files);
        *s = (struct deviceinfo_settings){0};
}

/* ---- life cycle ---- */

static int copy_path(const char *path, const char *fallback, char **ret)
{
        *ret = strdup(path ? path : fallback);
        return *ret ? 0 : -ENOMEM;
}

static int load_files(const struct strv *list, bool is_log, struct deviceinfo_vendor_file **ret,
                      size_t *ret_n)
{
        struct deviceinfo_vendor_file *v = calloc(list->n ? list->n : 1, sizeof(*v));
        const char *reason;
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < list->n; i++) {
                int r = deviceinfo_vendor_file_parse(list->v[i], is_log, &v[i], &reason);
                if (r < 0) {
                        deviceinfo_vendor_files_done(v, i);
                        return r;
                }
        }
        *ret = v;
        *ret_n = list->n;
        return 0;
}

static void free_sensors(struct sensor_state *v, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(v[i].s.key);
                free(v[i].s.name);
                free(v[i].s.input);
        }
        free(v);
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
                r = copy_path(p->run, "/run", &d->run);
        if (r >= 0)
                r = copy_path(p->persistent_dir, CWMP_STATE_DIR, &d->persistent_dir);
        if (r >= 0)
                r = copy_path(s ? s->software_version_file : NULL, DEVICEINFO_SOFTWARE_VERSION_FILE,
                              &d->software_version_file);
        if (r >= 0 && s)
                r = load_files(&s->vendor_config_files, false, &d->config_files,
                               &d->n_config_files);
        if (r >= 0 && s)
                r = load_files(&s->vendor_log_files, true, &d->log_files, &d->n_log_files);
        if (r >= 0) {
                _cleanup_free_ char *numbers =
                        deviceinfo_path(d->persistent_dir, "/" DEVICEINFO_SENSOR_STATE_FILE);
                r = numbers ? instance_map_init(&d->sensor_numbers, numbers) : -ENOMEM;
        }
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
        deviceinfo_cpu_table_done(&d->cpus);
        deviceinfo_vendor_files_done(d->config_files, d->n_config_files);
        deviceinfo_vendor_files_done(d->log_files, d->n_log_files);
        free_sensors(d->sensors, d->n_sensors);
        instance_map_done(&d->sensor_numbers);
        free(d->software_version_file);
        free(d->run);
        free(d->proc);
        free(d->sys);
        free(d->etc);
        free(d->persistent_dir);
        free(d);
}

void deviceinfo_set_stored(struct deviceinfo *d, deviceinfo_stored_fn fn, void *userdata)
{
        d->stored = fn;
        d->stored_userdata = userdata;
}

void deviceinfo_invalidate(struct deviceinfo *d)
{
        deviceinfo_process_table_invalidate(&d->processes);
        table_snapshot_invalidate(&d->sensors_snapshot);
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

static int get_process_value(struct deviceinfo *d, const char *rest, char **value)
{
        uint32_t instance;
        const char *field;
        int r = table_parse_instance(rest, &instance, &field);
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
                return table_text(p->command, value);
        if (streq(field, "Size"))
                return format_unsigned(p->size_kib, value);
        if (streq(field, "Priority"))
                return format_unsigned(p->priority, value);
        if (streq(field, "CPUTime"))
                return format_unsigned(p->cpu_time_ms, value);
        if (streq(field, "State"))
                return table_text(p->state, value);
        return -ENOENT;
}

static int get_cpu_value(struct deviceinfo *d, const char *rest, char **value)
{
        uint32_t instance;
        const char *field;
        int r = table_parse_instance(rest, &instance, &field);
        if (r < 0)
                return r;
        r = deviceinfo_cpu_table_refresh(&d->cpus, d->proc);
        if (r < 0)
                return r;
        const struct deviceinfo_cpu *c = deviceinfo_cpu_table_find(&d->cpus, instance - 1);
        if (!c)
                return -ENOENT;

        if (streq(field, "Name"))
                return asprintf(value, "cpu%u", c->number) < 0 ? -ENOMEM : 0;
        if (streq(field, "CPUUtilization"))
                return format_unsigned(c->usage.last_percent, value);
        if (streq(field, "UserModeUtilization"))
                return format_unsigned(c->usage.last_user, value);
        if (streq(field, "SystemModeUtilization"))
                return format_unsigned(c->usage.last_system, value);
        if (streq(field, "IdleModeUtilization"))
                return format_unsigned(c->usage.last_idle, value);
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

static int format_int(int v, char **ret)
{
        return asprintf(ret, "%d", v) < 0 ? -ENOMEM : 0;
}

static int format_time(time_t t, char **ret)
{
        struct tm tm;
        char buf[32];
        if (!gmtime_r(&t, &tm) || strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                return -EINVAL;
        return table_text(buf, ret);
}

/* ---- temperature sensors ---- */

static int refresh_sensors(struct deviceinfo *d)
{
        struct deviceinfo_sensor *found = NULL;
        size_t n = 0, k = 0;
        uint64_t now;

        if (table_snapshot_fresh(&d->sensors_snapshot, DEVICEINFO_SNAPSHOT_USEC, &now))
                return 0;
        int r = deviceinfo_scan_sensors(d->sys, &found, &n);
        if (r < 0)
                return r;
        struct sensor_state *v = calloc(n ? n : 1, sizeof(*v));
        if (!v) {
                deviceinfo_sensors_done(found, n);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
                struct deviceinfo_sensor *f = &found[i];
                uint32_t instance = f->key ? instance_map_get(&d->sensor_numbers, f->key) : 0;
                if (instance == 0) {
                        free(f->key);
                        free(f->name);
                        free(f->input);
                        continue;
                }
                v[k] = (struct sensor_state){.s = *f, .instance = instance};
                /* The last reading of a sensor we knew stays until the next read. */
                for (size_t j = 0; j < d->n_sensors; j++)
                        if (streq(d->sensors[j].s.key, f->key)) {
                                v[k].value = d->sensors[j].value;
                                v[k].error = d->sensors[j].error;
                                v[k].read_at = d->sensors[j].read_at;
                                v[k].read_usec = d->sensors[j].read_usec;
                        }
                k++;
        }
        free(found);
        r = instance_map_save(&d->sensor_numbers);
        if (r < 0)
                log_warning_errno(r, "Failed to save the temperature sensors' numbering: %m");
        free_sensors(d->sensors, d->n_sensors);
        d->sensors = v;
        d->n_sensors = k;
        table_snapshot_taken(&d->sensors_snapshot, now);
        return 0;
}

static struct sensor_state *find_sensor(struct deviceinfo *d, uint32_t instance)
{
        for (size_t i = 0; i < d->n_sensors; i++)
                if (d->sensors[i].instance == instance)
                        return &d->sensors[i];
        return NULL;
}

/* Value, Status and LastUpdate of one request come from one reading. */
static void read_sensor(struct sensor_state *st)
{
        uint64_t now = table_now_usec();
        if (st->read_usec && now - st->read_usec < DEVICEINFO_SNAPSHOT_USEC)
                return;
        int v;
        st->error = deviceinfo_read_sensor(&st->s, &v);
        if (st->error >= 0) {
                st->value = v;
                st->read_at = time(NULL);
        }
        st->read_usec = now;
}

static int get_sensor_value(struct deviceinfo *d, const char *rest, char **value)
{
        uint32_t instance;
        const char *field;
        int r = table_parse_instance(rest, &instance, &field);
        if (r < 0)
                return r;
        r = refresh_sensors(d);
        if (r < 0)
                return r;
        struct sensor_state *st = find_sensor(d, instance);
        if (!st)
                return -ENOENT;
        if (streq(field, "Name"))
                return table_text(st->s.name, value);
        if (!streq(field, "Status") && !streq(field, "Value") && !streq(field, "LastUpdate"))
                return -ENOENT;
        /* Enable (stored by dmd, true by default): a disabled sensor is not read; its last
         * reading stays. */
        _cleanup_free_ char *enable = NULL;
        if (asprintf(&enable, SENSOR_TABLE "%" PRIu32 ".Enable", instance) < 0)
                return -ENOMEM;
        const char *stored = d->stored ? d->stored(enable, d->stored_userdata) : NULL;
        bool enabled = !stored || !(streq(stored, "false") || streq(stored, "0"));
        if (enabled)
                read_sensor(st);
        if (streq(field, "Status"))
                return table_text(!enabled        ? "Disabled"
                                  : st->error < 0 ? "Error"
                                                  : "Enabled",
                                  value);
        /* Never read successfully: TR-181's "no value" forms. */
        if (streq(field, "Value"))
                return st->read_at ? format_int(st->value, value) : format_int(-274, value);
        return st->read_at ? format_time(st->read_at, value)
                           : table_text(DEVICEINFO_UNKNOWN_TIME, value);
}

/* ---- vendor files ---- */

/* The i-th file (1-based) of a list, if it exists now. */
static const struct deviceinfo_vendor_file *find_file(const struct deviceinfo_vendor_file *v,
                                                      size_t n, uint32_t instance)
{
        if (instance == 0 || instance > n || !deviceinfo_file_exists(v[instance - 1].path))
                return NULL;
        return &v[instance - 1];
}

static size_t count_files(const struct deviceinfo_vendor_file *v, size_t n)
{
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
                k += deviceinfo_file_exists(v[i].path);
        return k;
}

static int get_file_value(struct deviceinfo *d, const char *rest, bool is_log, char **value)
{
        uint32_t instance;
        const char *field;
        int r = table_parse_instance(rest, &instance, &field);
        if (r < 0)
                return r;
        const struct deviceinfo_vendor_file *f =
                is_log ? find_file(d->log_files, d->n_log_files, instance)
                       : find_file(d->config_files, d->n_config_files, instance);
        if (!f)
                return -ENOENT;
        if (streq(field, "Name"))
                return deviceinfo_file_name(f->path, value);
        if (!is_log && streq(field, "Date"))
                return deviceinfo_file_date(f->path, value);
        if (!is_log && streq(field, "Description"))
                return table_text(f->extra, value);
        if (is_log && streq(field, "MaximumSize"))
                return format_unsigned(f->max_size, value);
        if (is_log && streq(field, "Persistent")) {
                bool persistent;
                r = deviceinfo_file_persistent(f->path, &persistent);
                if (r < 0)
                        return r;
                return table_text(persistent ? "true" : "false", value);
        }
        return -ENOENT;
}

static int get_software_version(struct deviceinfo *d, char **value)
{
        int r = deviceinfo_read_software_version_file(d->software_version_file, value);
        if (r >= 0 || r == -ENOMEM)
                return r;
        return table_text(d->identity[DEVICEINFO_SOFTWARE_VERSION], value);
}

int deviceinfo_get(struct deviceinfo *d, const char *name, char **value)
{
        int r;

        if (!startswith(name, DEVICEINFO_PREFIX))
                return -ENOENT;

        if (streq(name, DEVICEINFO_PREFIX "SoftwareVersion"))
                return get_software_version(d, value);
        for (size_t i = 0; i < ELEMENTSOF(identity_parameters); i++)
                if (streq(name, identity_parameters[i].name))
                        return table_text(d->identity[identity_parameters[i].id], value);

        if (streq(name, DEVICEINFO_PREFIX "FirstUseDate"))
                return deviceinfo_first_use(d->persistent_dir, time_clock_synchronized(d->run),
                                            time(NULL), value);
        if (streq(name, DEVICEINFO_PREFIX "VendorConfigFileNumberOfEntries"))
                return format_unsigned(count_files(d->config_files, d->n_config_files), value);
        if (streq(name, DEVICEINFO_PREFIX "VendorLogFileNumberOfEntries"))
                return format_unsigned(count_files(d->log_files, d->n_log_files), value);
        if (startswith(name, CONFIG_TABLE))
                return get_file_value(d, name + strlen(CONFIG_TABLE), false, value);
        if (startswith(name, LOG_TABLE))
                return get_file_value(d, name + strlen(LOG_TABLE), true, value);
        if (streq(name, DEVICEINFO_PREFIX "TemperatureStatus.TemperatureSensorNumberOfEntries")) {
                r = refresh_sensors(d);
                if (r < 0)
                        return r;
                return format_unsigned(d->n_sensors, value);
        }
        if (startswith(name, SENSOR_TABLE))
                return get_sensor_value(d, name + strlen(SENSOR_TABLE), value);

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
        if (streq(name, DEVICEINFO_PREFIX "ProcessStatus.CPUNumberOfEntries")) {
                r = deviceinfo_cpu_table_refresh(&d->cpus, d->proc);
                if (r < 0)
                        return r;
                return format_unsigned(d->cpus.n, value);
        }
        if (startswith(name, CPU_TABLE))
                return get_cpu_value(d, name + strlen(CPU_TABLE), value);

        return -ENOENT; /* ProvisioningCode (dmd stores it) and whatever is not ours */
}

static int append_instance(struct strv *instances, const char *table, uint32_t instance)
{
        char *path;
        if (asprintf(&path, "%s%" PRIu32 ".", table, instance) < 0)
                return -ENOMEM;
        return strv_push_take(instances, path);
}

enum table_kind { TABLE_PROCESS, TABLE_SENSOR, TABLE_CONFIG, TABLE_LOG, TABLE_CPU, _TABLE_MAX };
static const char *const table_paths[_TABLE_MAX] = {PROCESS_TABLE, SENSOR_TABLE, CONFIG_TABLE,
                                                    LOG_TABLE, CPU_TABLE};

/* The instance numbers of one table now, ascending. */
static int table_instances(struct deviceinfo *d, enum table_kind t, struct strv *out)
{
        int r = 0;
        switch (t) {
        case TABLE_PROCESS:
                r = deviceinfo_process_table_refresh(&d->processes);
                for (size_t i = 0; r >= 0 && i < d->processes.n_procs; i++)
                        r = append_instance(out, PROCESS_TABLE, d->processes.procs[i].id.instance);
                return r;
        case TABLE_SENSOR:
                r = refresh_sensors(d);
                for (size_t i = 0; r >= 0 && i < d->n_sensors; i++)
                        r = append_instance(out, SENSOR_TABLE, d->sensors[i].instance);
                return r;
        case TABLE_CONFIG:
                for (size_t i = 0; r >= 0 && i < d->n_config_files; i++)
                        if (deviceinfo_file_exists(d->config_files[i].path))
                                r = append_instance(out, CONFIG_TABLE, (uint32_t)i + 1);
                return r;
        case TABLE_LOG:
                for (size_t i = 0; r >= 0 && i < d->n_log_files; i++)
                        if (deviceinfo_file_exists(d->log_files[i].path))
                                r = append_instance(out, LOG_TABLE, (uint32_t)i + 1);
                return r;
        case TABLE_CPU:
                r = deviceinfo_cpu_table_refresh(&d->cpus, d->proc);
                for (size_t i = 0; r >= 0 && i < d->cpus.n; i++)
                        r = append_instance(out, CPU_TABLE, (uint32_t)d->cpus.cpus[i].number + 1);
                return r;
        default:
                return -EINVAL;
        }
}

static bool table_has(struct deviceinfo *d, enum table_kind t, uint32_t instance, int *error)
{
        *error = 0;
        switch (t) {
        case TABLE_PROCESS:
                *error = deviceinfo_process_table_refresh(&d->processes);
                return *error >= 0 && deviceinfo_process_table_find(&d->processes, instance);
        case TABLE_SENSOR:
                *error = refresh_sensors(d);
                return *error >= 0 && find_sensor(d, instance);
        case TABLE_CONFIG:
                return find_file(d->config_files, d->n_config_files, instance) != NULL;
        case TABLE_LOG:
                return find_file(d->log_files, d->n_log_files, instance) != NULL;
        case TABLE_CPU:
                *error = deviceinfo_cpu_table_refresh(&d->cpus, d->proc);
                return *error >= 0 && instance > 0 &&
                       deviceinfo_cpu_table_find(&d->cpus, instance - 1);
        default:
                return false;
        }
}

int deviceinfo_get_instances(struct deviceinfo *d, const char *object, struct strv *instances)
{
        int r;

        if (object[0] != '\0' && !endswith_char(object, '.'))
                return -EINVAL;

        for (enum table_kind t = 0; t < _TABLE_MAX; t++) {
                const char *table = table_paths[t];
                /* At or above the table: all of it. */
                if (startswith(table, object)) {
                        r = table_instances(d, t, instances);
                        if (r < 0)
                                return r;
                        continue;
                }
                /* One instance: none of our rows has sub-objects. */
                if (startswith(object, table)) {
                        uint32_t instance;
                        const char *rest;
                        r = table_parse_instance(object + strlen(table), &instance, &rest);
                        if (r < 0)
                                return r;
                        if (rest[0] != '\0')
                                return -ENOENT;
                        if (!table_has(d, t, instance, &r))
                                return r < 0 ? r : -ENOENT;
                        return append_instance(instances, table, instance);
                }
        }
        return 0; /* elsewhere: no tables of ours */
}
