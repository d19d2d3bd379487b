/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct changed_value;
struct manager;
struct memory_monitor;

/*
 * Device.DeviceInfo.MemoryStatus.MemoryMonitor. (TR-181 2.18), built into dmd. Enable,
 * PollingInterval and the two thresholds are settings dmd stores like its other values.
 * While enabled, dmd polls /proc/meminfo every PollingInterval seconds (0: every
 * MEMORY_MONITOR_DEFAULT_INTERVAL) on an sd-event timer. MemUtilization is the share of
 * MemTotal that is not MemAvailable, rounded. A poll above CriticalRiseThreshold while the
 * condition is not critical sets CriticalRiseTimeStamp; a poll below CriticalFallThreshold
 * while it is critical sets CriticalFallTimeStamp: between the two thresholds nothing
 * changes (the hysteresis). Changed values are signalled with ValueChanged (origin ""), and
 * the timestamps and the critical state are kept in STATE_DIR/MEMORY_MONITOR_STORE_FILE.
 * The critical log (EnableCriticalLog, VendorLogFileRef, FilePath) is not implemented.
 */
#define MEMORY_MONITOR_PREFIX           "Device.DeviceInfo.MemoryStatus.MemoryMonitor."
#define MEMORY_MONITOR_STORE_FILE       "dmd-memory-monitor.store"
#define MEMORY_MONITOR_DEFAULT_INTERVAL 60u /* seconds, when PollingInterval is 0 */

int memory_monitor_new(struct manager *m, struct memory_monitor **ret);
void memory_monitor_free(struct memory_monitor *mm);

/* The live values under MEMORY_MONITOR_PREFIX; -ENOENT for the rest. */
int memory_monitor_get(struct memory_monitor *mm, const char *name, char **value);

/* dmd signalled these values: a change of Enable or PollingInterval re-arms the timer. */
void memory_monitor_note(struct memory_monitor *mm, const struct changed_value *values, size_t n);

/* ---- the parts without a loop, for tests ---- */

/* Percentage of MemTotal not available, from PROC/meminfo, rounded to the nearest whole. */
int memory_monitor_read_utilization(const char *proc, unsigned *ret_percent);

struct memory_critical {
        time_t rise, fall; /* 0: never */
        bool critical;
};

enum memory_crossing { MEMORY_NO_CROSSING, MEMORY_ROSE, MEMORY_FELL };

/* One poll's effect on the critical state (TR-181's rise and fall rules). */
enum memory_crossing memory_critical_update(struct memory_critical *c, unsigned percent,
                                            unsigned rise_threshold, unsigned fall_threshold,
                                            time_t now);
