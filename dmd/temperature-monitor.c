/* SPDX-License-Identifier: MIT */
/* Polls and tracks the temperature sensors: see temperature-monitor.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin-table.h"
#include "bus-api.h"
#include "deviceinfo.h"
#include "kvmap.h"
#include "log.h"
#include "manager.h"
#include "store.h"
#include "temperature-monitor.h"
#include "types.h"

#define UNKNOWN_TIME "0001-01-01T00:00:00Z"

struct tm_sensor {
        struct temperature_monitor *tm;
        uint32_t instance;
        sd_event_source *timer;
        bool enabled;
        bool have_value;
        int value; /* the last reading tracked */
        struct temperature_track track;
};

struct temperature_monitor {
        struct manager *m;
        char *store_path;
        struct kvmap *saved; /* every sensor's tracked values, as in the store file */
        struct tm_sensor **sensors;
        size_t n_sensors;
};

void temperature_track_reset(struct temperature_track *t, time_t now)
{
        *t = (struct temperature_track){
                .min = TEMPERATURE_NONE, .max = TEMPERATURE_NONE, .reset_time = now};
}

unsigned temperature_track_update(struct temperature_track *t, int value, int low_alarm,
                                  int high_alarm, time_t now)
{
        unsigned changed = 0;
        if (t->min == TEMPERATURE_NONE || value < t->min) {
                t->min = value;
                t->min_time = now;
                changed |= TEMPERATURE_TRACK_MIN;
        }
        if (t->max == TEMPERATURE_NONE || value > t->max) {
                t->max = value;
                t->max_time = now;
                changed |= TEMPERATURE_TRACK_MAX;
        }
        /* Only the first reading past an alarm value sets its time. */
        if (low_alarm != TEMPERATURE_NONE && value <= low_alarm && t->low_time == 0) {
                t->low_time = now;
                changed |= TEMPERATURE_TRACK_LOW;
        }
        if (high_alarm != TEMPERATURE_NONE && value >= high_alarm && t->high_time == 0) {
                t->high_time = now;
                changed |= TEMPERATURE_TRACK_HIGH;
        }
        return changed;
}

/* ---- settings ---- */

static const char *setting(struct tm_sensor *s, const char *field)
{
        char key[160];
        snprintf(key, sizeof(key), TEMPERATURE_SENSOR_TABLE "%" PRIu32 ".%s", s->instance, field);
        return state_get_value(&s->tm->m->state, key);
}

static bool setting_enabled(struct tm_sensor *s)
{
        const char *v = setting(s, "Enable");
        bool b = true;
        return !v || cw_parse_bool(v, &b) < 0 || b;
}

static int setting_int(struct tm_sensor *s, const char *field, int dflt)
{
        const char *v = setting(s, field);
        int32_t i;
        return v && cw_parse_int32(v, &i) >= 0 ? i : dflt;
}

static uint64_t interval_usec(struct tm_sensor *s)
{
        const char *v = setting(s, "PollingInterval");
        uint32_t sec = 0;
        if (v)
                (void)cw_parse_uint32(v, &sec);
        return (uint64_t)(sec ? sec : TEMPERATURE_MONITOR_DEFAULT_INTERVAL) * 1000000u;
}

/* ---- persistence ---- */

static const char *const track_fields[] = {"MinValue",  "MaxValue",     "MinTime",      "MaxTime",
                                           "ResetTime", "LowAlarmTime", "HighAlarmTime"};

static void track_to_numbers(const struct temperature_track *t, int64_t v[7])
{
        v[0] = t->min;
        v[1] = t->max;
        v[2] = t->min_time;
        v[3] = t->max_time;
        v[4] = t->reset_time;
        v[5] = t->low_time;
        v[6] = t->high_time;
}

static void track_from_numbers(struct temperature_track *t, const int64_t v[7])
{
        t->min = (int)v[0];
        t->max = (int)v[1];
        t->min_time = (time_t)v[2];
        t->max_time = (time_t)v[3];
        t->reset_time = (time_t)v[4];
        t->low_time = (time_t)v[5];
        t->high_time = (time_t)v[6];
}

/* The sensor's record from the store; false if there is none. */
static bool restore(struct tm_sensor *s)
{
        int64_t v[7];
        for (size_t i = 0; i < ELEMENTSOF(track_fields); i++) {
                char key[64];
                snprintf(key, sizeof(key), "%" PRIu32 ".%s", s->instance, track_fields[i]);
                const char *text = kvmap_get(s->tm->saved, key);
                char *end;
                if (!text)
                        return false;
                errno = 0;
                long long n = strtoll(text, &end, 10);
                if (errno || end == text || *end)
                        return false;
                v[i] = n;
        }
        track_from_numbers(&s->track, v);
        return true;
}

static void save(struct tm_sensor *s)
{
        int64_t v[7];
        int r = 0;
        track_to_numbers(&s->track, v);
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(track_fields); i++) {
                char key[64], number[32];
                snprintf(key, sizeof(key), "%" PRIu32 ".%s", s->instance, track_fields[i]);
                snprintf(number, sizeof(number), "%" PRId64, v[i]);
                r = kvmap_set(s->tm->saved, key, number);
        }
        if (r >= 0)
                r = store_save(s->tm->store_path, s->tm->saved);
        if (r < 0)
                log_error_errno(r, "Failed to save %s: %m", s->tm->store_path);
}

/* ---- values ---- */

static int format_time(time_t t, char *buf, size_t size)
{
        struct tm tm;
        if (t == 0)
                return snprintf(buf, size, "%s", UNKNOWN_TIME) < 0 ? -EINVAL : 0;
        if (!gmtime_r(&t, &tm) || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                return -EINVAL;
        return 0;
}

/* The value of one of our fields into buf; its type into *type. -ENOENT if not ours. */
static int field_value(const struct tm_sensor *s, const char *field, char *buf, size_t size,
                       const char **type)
{
        const struct temperature_track *t = &s->track;
        *type = "dateTime";
        if (streq(field, "MinValue") || streq(field, "MaxValue")) {
                *type = "int";
                snprintf(buf, size, "%d", streq(field, "MinValue") ? t->min : t->max);
                return 0;
        }
        if (streq(field, "Reset")) {
                *type = "boolean";
                snprintf(buf, size, "false");
                return 0;
        }
        if (streq(field, "MinTime"))
                return format_time(t->min_time, buf, size);
        if (streq(field, "MaxTime"))
                return format_time(t->max_time, buf, size);
        if (streq(field, "ResetTime"))
                return format_time(t->reset_time, buf, size);
        if (streq(field, "LowAlarmTime"))
                return format_time(t->low_time, buf, size);
        if (streq(field, "HighAlarmTime"))
                return format_time(t->high_time, buf, size);
        return -ENOENT;
}

/* Signals the fields of `changed` (TEMPERATURE_TRACK_*) and, if value_changed, Value. */
static void emit(struct tm_sensor *s, unsigned changed, bool value_changed)
{
        static const struct {
                unsigned bit;
                const char *field;
        } map[] = {
                {TEMPERATURE_TRACK_MIN, "MinValue"},     {TEMPERATURE_TRACK_MIN, "MinTime"},
                {TEMPERATURE_TRACK_MAX, "MaxValue"},     {TEMPERATURE_TRACK_MAX, "MaxTime"},
                {TEMPERATURE_TRACK_LOW, "LowAlarmTime"}, {TEMPERATURE_TRACK_HIGH, "HighAlarmTime"},
                {TEMPERATURE_TRACK_RESET, "ResetTime"},
        };
        char names[ELEMENTSOF(map) + 1][160], values[ELEMENTSOF(map) + 1][32];
        struct changed_value v[ELEMENTSOF(map) + 1];
        size_t n = 0;

        if (!s->tm->m->bus)
                return;
        if (value_changed) {
                snprintf(names[n], sizeof(names[n]), TEMPERATURE_SENSOR_TABLE "%" PRIu32 ".Value",
                         s->instance);
                snprintf(values[n], sizeof(values[n]), "%d", s->value);
                v[n] = (struct changed_value){.name = names[n], .type = "int", .value = values[n]};
                n++;
        }
        for (size_t i = 0; i < ELEMENTSOF(map); i++) {
                const char *type;
                if (!(changed & map[i].bit))
                        continue;
                snprintf(names[n], sizeof(names[n]), TEMPERATURE_SENSOR_TABLE "%" PRIu32 ".%s",
                         s->instance, map[i].field);
                if (field_value(s, map[i].field, values[n], sizeof(values[n]), &type) < 0)
                        continue;
                v[n] = (struct changed_value){.name = names[n], .type = type, .value = values[n]};
                n++;
        }
        if (n > 0 && bus_api_emit_value_changed(s->tm->m, v, n, "") < 0)
                log_error("Temperature monitor: cannot signal %s", v[0].name);
}

static void track(struct tm_sensor *s, int value)
{
        unsigned changed = temperature_track_update(
                &s->track, value, setting_int(s, "LowAlarmValue", TEMPERATURE_NONE),
                setting_int(s, "HighAlarmValue", TEMPERATURE_NONE), time(NULL));
        bool value_changed = !s->have_value || value != s->value;
        s->have_value = true;
        s->value = value;
        if (changed)
                save(s);
        emit(s, changed, value_changed);
}

static void reset(struct tm_sensor *s)
{
        temperature_track_reset(&s->track, time(NULL));
        save(s);
        emit(s, TEMPERATURE_TRACK_ALL, false);
}

/* Reads the sensor through deviceinfo (which honours Enable), tracks a good reading. */
static void poll_sensor(struct tm_sensor *s)
{
        char name[160];
        _cleanup_free_ char *status = NULL, *value = NULL;
        snprintf(name, sizeof(name), TEMPERATURE_SENSOR_TABLE "%" PRIu32 ".Status", s->instance);
        if (deviceinfo_get(s->tm->m->deviceinfo, name, &status) < 0 || !streq(status, "Enabled"))
                return;
        snprintf(name, sizeof(name), TEMPERATURE_SENSOR_TABLE "%" PRIu32 ".Value", s->instance);
        int32_t v;
        if (deviceinfo_get(s->tm->m->deviceinfo, name, &value) >= 0 &&
            cw_parse_int32(value, &v) >= 0 && v != TEMPERATURE_NONE)
                track(s, v);
}

static int on_timer(sd_event_source *src, uint64_t usec, void *userdata)
{
        struct tm_sensor *s = userdata;
        poll_sensor(s);
        (void)sd_event_source_set_time(src, usec + interval_usec(s));
        (void)sd_event_source_set_enabled(src, SD_EVENT_ONESHOT);
        return 0;
}

/* Applies Enable and PollingInterval: an enabled sensor is polled now and then every
 * interval. */
static void rearm(struct tm_sensor *s)
{
        bool was = s->enabled;
        s->enabled = setting_enabled(s);
        if (!s->enabled) {
                if (s->timer)
                        (void)sd_event_source_set_enabled(s->timer, SD_EVENT_OFF);
                return;
        }
        if (!was)
                reset(s); /* Disabled -> Enabled is a reset (TR-181 ResetTime) */
        uint64_t now;
        if (sd_event_now(s->tm->m->event, CLOCK_MONOTONIC, &now) < 0)
                return;
        if (!s->timer) {
                int r = sd_event_add_time(s->tm->m->event, &s->timer, CLOCK_MONOTONIC, now, 0,
                                          on_timer, s);
                if (r < 0) {
                        log_error_errno(r, "Temperature monitor: cannot add a timer: %m");
                        return;
                }
        } else {
                (void)sd_event_source_set_time(s->timer, now);
        }
        (void)sd_event_source_set_enabled(s->timer, SD_EVENT_ONESHOT);
}

static struct tm_sensor *find(struct temperature_monitor *tm, uint32_t instance)
{
        for (size_t i = 0; i < tm->n_sensors; i++)
                if (tm->sensors[i]->instance == instance)
                        return tm->sensors[i];
        return NULL;
}

/* A sensor deviceinfo lists that has no entry yet: its record from the store, or a first
 * reset when it starts enabled. */
static int add_sensor(struct temperature_monitor *tm, uint32_t instance)
{
        struct tm_sensor **nv = reallocarray(tm->sensors, tm->n_sensors + 1, sizeof(*nv));
        if (!nv)
                return -ENOMEM;
        tm->sensors = nv;
        struct tm_sensor *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        *s = (struct tm_sensor){.tm = tm, .instance = instance};
        tm->sensors[tm->n_sensors++] = s;
        bool known = restore(s);
        if (!known)
                temperature_track_reset(&s->track, 0);
        /* Known: it was being monitored before; a sensor seen for the first time starts
         * being tracked now, a reset. */
        s->enabled = known;
        rearm(s);
        return 0;
}

/* Finds the sensors deviceinfo lists now and gives each an entry. */
static int reconcile(struct temperature_monitor *tm)
{
        struct strv rows = {};
        int r = deviceinfo_get_instances(tm->m->deviceinfo, TEMPERATURE_SENSOR_TABLE, &rows);
        for (size_t i = 0; r >= 0 && i < rows.n; i++) {
                uint32_t instance;
                const char *rest;
                if (table_parse_instance(rows.v[i] + strlen(TEMPERATURE_SENSOR_TABLE), &instance,
                                         &rest) < 0)
                        continue;
                if (!find(tm, instance))
                        r = add_sensor(tm, instance);
        }
        strv_done(&rows);
        return r;
}

/* "N.Field" of a sensor name: the entry (added if deviceinfo lists it) and the field. */
static struct tm_sensor *lookup(struct temperature_monitor *tm, const char *name,
                                const char **ret_field)
{
        uint32_t instance;
        if (!tm || !startswith(name, TEMPERATURE_SENSOR_TABLE) ||
            table_parse_instance(name + strlen(TEMPERATURE_SENSOR_TABLE), &instance, ret_field) < 0)
                return NULL;
        struct tm_sensor *s = find(tm, instance);
        if (!s && reconcile(tm) >= 0)
                s = find(tm, instance);
        return s;
}

int temperature_monitor_get(struct temperature_monitor *tm, const char *name, char **value)
{
        const char *field, *type;
        char buf[64];
        struct tm_sensor *s = lookup(tm, name, &field);
        if (!s)
                return -ENOENT;
        int r = field_value(s, field, buf, sizeof(buf), &type);
        if (r < 0)
                return r;
        return (*value = strdup(buf)) ? 0 : -ENOMEM;
}

void temperature_monitor_observe(struct temperature_monitor *tm, const char *name,
                                 const char *value)
{
        const char *field;
        int32_t v;
        struct tm_sensor *s = lookup(tm, name, &field);
        if (s && s->enabled && streq(field, "Value") && cw_parse_int32(value, &v) >= 0 &&
            v != TEMPERATURE_NONE)
                track(s, v);
}

void temperature_monitor_note(struct temperature_monitor *tm, const struct changed_value *values,
                              size_t n)
{
        for (size_t i = 0; tm && i < n; i++) {
                const char *field;
                if (!startswith(values[i].name, TEMPERATURE_SENSOR_TABLE))
                        continue;
                struct tm_sensor *s = lookup(tm, values[i].name, &field);
                if (!s)
                        continue;
                if (streq(field, "Enable") || streq(field, "PollingInterval"))
                        rearm(s);
                else if (streq(field, "Reset") && streq(values[i].value, "true"))
                        reset(s);
                else if (streq(field, "LowAlarmValue") || streq(field, "HighAlarmValue")) {
                        /* A new alarm value forgets when the old one was reached. */
                        bool low = streq(field, "LowAlarmValue");
                        time_t *t = low ? &s->track.low_time : &s->track.high_time;
                        if (*t != 0) {
                                *t = 0;
                                save(s);
                                emit(s, low ? TEMPERATURE_TRACK_LOW : TEMPERATURE_TRACK_HIGH,
                                     false);
                        }
                }
        }
}

int temperature_monitor_new(struct manager *m, struct temperature_monitor **ret)
{
        struct temperature_monitor *tm = calloc(1, sizeof(*tm));
        if (!tm)
                return -ENOMEM;
        tm->m = m;
        tm->saved = kvmap_new();
        if (!tm->saved || asprintf(&tm->store_path, "%s/" TEMPERATURE_MONITOR_STORE_FILE,
                                   m->settings.state_dir) < 0) {
                tm->store_path = NULL;
                temperature_monitor_free(tm);
                return -ENOMEM;
        }
        int r = store_load(tm->store_path, tm->saved, NULL);
        if (r < 0 && r != -ENOENT) {
                log_warning_errno(r, "Ignoring %s: tracking starts afresh", tm->store_path);
                kvmap_clear(tm->saved);
        }
        r = reconcile(tm);
        if (r < 0)
                log_warning_errno(r, "Temperature monitor: cannot list the sensors: %m");
        *ret = tm;
        return 0;
}

void temperature_monitor_free(struct temperature_monitor *tm)
{
        if (!tm)
                return;
        for (size_t i = 0; i < tm->n_sensors; i++) {
                sd_event_source_disable_unref(tm->sensors[i]->timer);
                free(tm->sensors[i]);
        }
        free(tm->sensors);
        kvmap_free(tm->saved);
        free(tm->store_path);
        free(tm);
}
