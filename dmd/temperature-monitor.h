/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct changed_value;
struct manager;
struct temperature_monitor;

/*
 * The monitoring half of Device.DeviceInfo.TemperatureStatus.TemperatureSensor.{i}.
 * (deviceinfo.c finds the sensors and answers Name, Status, Value, LastUpdate). Alias,
 * PollingInterval, LowAlarmValue and HighAlarmValue are settings dmd stores; Reset is a
 * command (a write of true resets, a read answers false). Every enabled sensor is read each
 * PollingInterval seconds (0: dmd chooses TEMPERATURE_MONITOR_DEFAULT_INTERVAL) on an
 * sd-event timer; these polls and the reads of Value by requests feed MinValue/MinTime,
 * MaxValue/MaxTime and the alarm times: LowAlarmTime is set by the first reading at or
 * below LowAlarmValue, HighAlarmTime by the first at or above HighAlarmValue (-274: no
 * alarm), and stay until a reset or a change of that alarm value. A reset (Reset, Enable
 * going from false to true, or the first time dmd sees a sensor enabled) clears Min/Max and
 * the alarm times and sets ResetTime. Changes are signalled with ValueChanged (origin ""),
 * and the tracked values are kept in STATE_DIR/TEMPERATURE_MONITOR_STORE_FILE.
 */
#define TEMPERATURE_SENSOR_TABLE             "Device.DeviceInfo.TemperatureStatus.TemperatureSensor."
#define TEMPERATURE_MONITOR_STORE_FILE       "dmd-temperature-monitor.store"
#define TEMPERATURE_MONITOR_DEFAULT_INTERVAL 60u /* seconds, when PollingInterval is 0 */
#define TEMPERATURE_NONE                     (-274)

int temperature_monitor_new(struct manager *m, struct temperature_monitor **ret);
void temperature_monitor_free(struct temperature_monitor *tm);

/* The live values this part answers (MinValue ... Reset); -ENOENT for the rest. */
int temperature_monitor_get(struct temperature_monitor *tm, const char *name, char **value);

/* A request read `name` (a sensor's Value) as `value`: tracked like a poll. */
void temperature_monitor_observe(struct temperature_monitor *tm, const char *name,
                                 const char *value);

/* dmd signalled these values: settings of the sensors (Enable, PollingInterval, Reset, the
 * alarm values) take effect. */
void temperature_monitor_note(struct temperature_monitor *tm, const struct changed_value *values,
                              size_t n);

/* ---- the tracking without a loop, for tests ---- */

struct temperature_track {
        int min, max; /* TEMPERATURE_NONE: no reading since the reset */
        time_t min_time, max_time, reset_time, low_time, high_time; /* 0: unknown time */
};

enum {
        TEMPERATURE_TRACK_MIN = 1 << 0,   /* MinValue and MinTime */
        TEMPERATURE_TRACK_MAX = 1 << 1,   /* MaxValue and MaxTime */
        TEMPERATURE_TRACK_LOW = 1 << 2,   /* LowAlarmTime */
        TEMPERATURE_TRACK_HIGH = 1 << 3,  /* HighAlarmTime */
        TEMPERATURE_TRACK_RESET = 1 << 4, /* ResetTime */
        TEMPERATURE_TRACK_ALL = (1 << 5) - 1,
};

/* Clears Min/Max and the alarm times, sets ResetTime. */
void temperature_track_reset(struct temperature_track *t, time_t now);
/* One good reading; returns the TEMPERATURE_TRACK_* that changed. */
unsigned temperature_track_update(struct temperature_track *t, int value, int low_alarm,
                                  int high_alarm, time_t now);
