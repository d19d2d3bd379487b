/* SPDX-License-Identifier: MIT */
/* Device.DeviceInfo.MemoryStatus.MemoryMonitor.: polls /proc/meminfo, see memory-monitor.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus-api.h"
#include "deviceinfo-internal.h"
#include "kvmap.h"
#include "log.h"
#include "manager.h"
#include "memory-monitor.h"
#include "store.h"
#include "types.h"

struct memory_monitor {
        struct manager *m;
        sd_event_source *timer;
        char *store_path;
        struct memory_critical critical;
        unsigned percent;
        bool polled; /* percent holds a poll of the current enabled period */
};

int memory_monitor_read_utilization(const char *proc, unsigned *ret_percent)
{
        uint64_t total, available;
        int r = deviceinfo_read_meminfo(proc, &total, &available);
        if (r < 0)
                return r;
        if (total == 0 || available > total)
                return -EBADMSG;
        *ret_percent = (unsigned)(((total - available) * 100 + total / 2) / total);
        return 0;
}

enum memory_crossing memory_critical_update(struct memory_critical *c, unsigned percent,
                                            unsigned rise_threshold, unsigned fall_threshold,
                                            time_t now)
{
        /* The state is kept apart from the timestamps: two crossings within one second would
         * leave equal timestamps that no longer tell which came last. */
        if (!c->critical && percent > rise_threshold) {
                c->critical = true;
                c->rise = now;
                return MEMORY_ROSE;
        }
        if (c->critical && percent < fall_threshold) {
                c->critical = false;
                c->fall = now;
                return MEMORY_FELL;
        }
        return MEMORY_NO_CROSSING;
}

/* ---- settings ---- */

static uint32_t setting_uint(struct memory_monitor *mm, const char *name, uint32_t dflt)
{
        char key[128];
        snprintf(key, sizeof(key), MEMORY_MONITOR_PREFIX "%s", name);
        const char *v = state_get_value(&mm->m->state, key);
        uint32_t u;
        return v && cw_parse_uint32(v, &u) >= 0 ? u : dflt;
}

static bool enabled(struct memory_monitor *mm)
{
        const char *v = state_get_value(&mm->m->state, MEMORY_MONITOR_PREFIX "Enable");
        bool b = false;
        return v && cw_parse_bool(v, &b) >= 0 && b;
}

static uint64_t interval_usec(struct memory_monitor *mm)
{
        uint32_t s = setting_uint(mm, "PollingInterval", 0);
        return (uint64_t)(s ? s : MEMORY_MONITOR_DEFAULT_INTERVAL) * 1000000u;
}

/* ---- persistence ---- */

static void load(struct memory_monitor *mm)
{
        _cleanup_kvmap_ struct kvmap *map = kvmap_new();
        if (!map)
                return;
        int r = store_load(mm->store_path, map, NULL);
        if (r == -ENOENT)
                return;
        if (r < 0) {
                log_warning_errno(r, "Ignoring %s: %m", mm->store_path);
                return;
        }
        const char *rise = kvmap_get(map, "rise"), *fall = kvmap_get(map, "fall"),
                   *critical = kvmap_get(map, "critical");
        uint64_t u;
        if (rise && cw_parse_uint64(rise, &u) >= 0)
                mm->critical.rise = (time_t)u;
        if (fall && cw_parse_uint64(fall, &u) >= 0)
                mm->critical.fall = (time_t)u;
        if (critical)
                (void)cw_parse_bool(critical, &mm->critical.critical);
}

static void save(struct memory_monitor *mm)
{
        _cleanup_kvmap_ struct kvmap *map = kvmap_new();
        char rise[32], fall[32];
        snprintf(rise, sizeof(rise), "%" PRIu64, (uint64_t)mm->critical.rise);
        snprintf(fall, sizeof(fall), "%" PRIu64, (uint64_t)mm->critical.fall);
        int r = map ? 0 : -ENOMEM;
        if (r >= 0)
                r = kvmap_set(map, "rise", rise);
        if (r >= 0)
                r = kvmap_set(map, "fall", fall);
        if (r >= 0)
                r = kvmap_set(map, "critical", mm->critical.critical ? "true" : "false");
        if (r >= 0)
                r = store_save(mm->store_path, map);
        if (r < 0)
                log_error_errno(r, "Failed to save %s: %m", mm->store_path);
}

/* ---- values ---- */

static int format_time(time_t t, char **ret)
{
        struct tm tm;
        char buf[32];
        if (t == 0)
                return (*ret = strdup(DEVICEINFO_UNKNOWN_TIME)) ? 0 : -ENOMEM;
        if (!gmtime_r(&t, &tm) || strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                return -EINVAL;
        return (*ret = strdup(buf)) ? 0 : -ENOMEM;
}

int memory_monitor_get(struct memory_monitor *mm, const char *name, char **value)
{
        if (!mm || !startswith(name, MEMORY_MONITOR_PREFIX))
                return -ENOENT;
        const char *field = name + strlen(MEMORY_MONITOR_PREFIX);
        if (streq(field, "CriticalRiseTimeStamp"))
                return format_time(mm->critical.rise, value);
        if (streq(field, "CriticalFallTimeStamp"))
                return format_time(mm->critical.fall, value);
        if (!streq(field, "MemUtilization"))
                return -ENOENT;
        /* Enabled: the polled value, which the thresholds were checked against; otherwise
         * (or before the first poll) a reading now. */
        unsigned percent = mm->percent;
        if (!(mm->polled && enabled(mm))) {
                int r = memory_monitor_read_utilization("/proc", &percent);
                if (r < 0)
                        return r;
        }
        return asprintf(value, "%u", percent) < 0 ? -ENOMEM : 0;
}

static void poll_once(struct memory_monitor *mm)
{
        unsigned percent;
        int r = memory_monitor_read_utilization("/proc", &percent);
        if (r < 0) {
                log_warning_errno(r, "MemoryMonitor: cannot read /proc/meminfo: %m");
                return;
        }
        bool util_changed = !mm->polled || percent != mm->percent;
        mm->percent = percent;
        mm->polled = true;
        enum memory_crossing c = memory_critical_update(
                &mm->critical, percent, setting_uint(mm, "CriticalRiseThreshold", 80),
                setting_uint(mm, "CriticalFallThreshold", 60), time(NULL));
        if (c != MEMORY_NO_CROSSING)
                save(mm);

        struct changed_value v[2];
        _cleanup_free_ char *stamp = NULL;
        char number[16];
        size_t n = 0;
        if (util_changed) {
                snprintf(number, sizeof(number), "%u", percent);
                v[n++] = (struct changed_value){.name = MEMORY_MONITOR_PREFIX "MemUtilization",
                                                .type = "unsignedInt",
                                                .value = number};
        }
        if (c != MEMORY_NO_CROSSING &&
            format_time(c == MEMORY_ROSE ? mm->critical.rise : mm->critical.fall, &stamp) >= 0)
                v[n++] = (struct changed_value){
                        .name = c == MEMORY_ROSE ? MEMORY_MONITOR_PREFIX "CriticalRiseTimeStamp"
                                                 : MEMORY_MONITOR_PREFIX "CriticalFallTimeStamp",
                        .type = "dateTime",
                        .value = stamp};
        if (n > 0 && mm->m->bus && bus_api_emit_value_changed(mm->m, v, n, "") < 0)
                log_error("MemoryMonitor: cannot signal %s", v[0].name);
}

static int on_timer(sd_event_source *src, uint64_t usec, void *userdata)
{
        struct memory_monitor *mm = userdata;
        poll_once(mm);
        (void)sd_event_source_set_time(src, usec + interval_usec(mm));
        (void)sd_event_source_set_enabled(src, SD_EVENT_ONESHOT);
        return 0;
}

/* Polls at once when enabled (a new period starts), stops when disabled. */
static void rearm(struct memory_monitor *mm)
{
        if (!enabled(mm)) {
                mm->polled = false;
                if (mm->timer)
                        (void)sd_event_source_set_enabled(mm->timer, SD_EVENT_OFF);
                return;
        }
        uint64_t now;
        if (sd_event_now(mm->m->event, CLOCK_MONOTONIC, &now) < 0)
                return;
        if (!mm->timer) {
                int r = sd_event_add_time(mm->m->event, &mm->timer, CLOCK_MONOTONIC, now, 0,
                                          on_timer, mm);
                if (r < 0) {
                        log_error_errno(r, "MemoryMonitor: cannot add a timer: %m");
                        return;
                }
        } else {
                (void)sd_event_source_set_time(mm->timer, now);
        }
        (void)sd_event_source_set_enabled(mm->timer, SD_EVENT_ONESHOT);
}

void memory_monitor_note(struct memory_monitor *mm, const struct changed_value *values, size_t n)
{
        if (!mm)
                return;
        for (size_t i = 0; i < n; i++)
                if (streq(values[i].name, MEMORY_MONITOR_PREFIX "Enable") ||
                    streq(values[i].name, MEMORY_MONITOR_PREFIX "PollingInterval")) {
                        rearm(mm);
                        return;
                }
}

int memory_monitor_new(struct manager *m, struct memory_monitor **ret)
{
        struct memory_monitor *mm = calloc(1, sizeof(*mm));
        if (!mm)
                return -ENOMEM;
        mm->m = m;
        if (asprintf(&mm->store_path, "%s/" MEMORY_MONITOR_STORE_FILE, m->settings.state_dir) < 0) {
                free(mm);
                return -ENOMEM;
        }
        load(mm);
        rearm(mm);
        *ret = mm;
        return 0;
}

void memory_monitor_free(struct memory_monitor *mm)
{
        if (!mm)
                return;
        sd_event_source_disable_unref(mm->timer);
        free(mm->store_path);
        free(mm);
}
