/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/*
 * dmd's built-in provider of Device.Time. (schema/40-time.schema):
 *
 *     Status            Synchronized when the kernel's clock is disciplined (adjtimex()
 *                       clears STA_UNSYNC) or systemd-timesyncd says so
 *                       (RUN/systemd/timesync/synchronized exists), else Unsynchronized
 *     CurrentLocalTime  now, in the local time zone, with its UTC offset
 *     LocalTimeZone     the POSIX TZ rule: $TZ when it holds one, else the footer of the
 *                       TZif file ETC/localtime ("CET-1CEST,M3.5.0,M10.5.0/3"), else ""
 *
 * Nothing here changes the system: LocalTimeZone is writable in TR-181, dmd's schema admits
 * no value but "" for it (see docs/dmd.md).
 */
struct time_status;

/* etc, run: prefixes of the system trees (NULL: "/etc", "/run"). */
int time_status_new(const char *etc, const char *run, struct time_status **ret);
void time_status_free(struct time_status *t);
/* Value of a Device.Time. parameter (full name), newly allocated; -ENOENT if not ours. */
int time_status_get(struct time_status *t, const char *name, char **value);

/* Is the clock synchronized over the network (the kernel's or timesyncd's word)? run: prefix
 * of /run (NULL: "/run"). */
bool time_clock_synchronized(const char *run);

/* Exposed for tests. */
const char *time_status_name(bool kernel_synchronized, bool timesyncd_synchronized);
/* "2026-11-26T16:33:12+01:00" for t in the process's time zone. */
int time_format_local(time_t t, char **ret);
/* The POSIX TZ footer of a TZif (version 2 or later) file's bytes; -EINVAL if none. */
int time_tzif_footer(const char *data, size_t len, char **ret);
