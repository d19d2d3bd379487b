/* SPDX-License-Identifier: MIT */
/* Device.Time.: the clock's synchronisation, local time and time zone. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>
#include <unistd.h>

#include "store.h"
#include "time-status.h"
#include "util.h"

#define TIME_PREFIX "Device.Time."
#define TZIF_MAX    (256u * 1024u)
#define TZ_RULE_MAX 256u

struct time_status {
        char *etc, *run;
};

int time_status_new(const char *etc, const char *run, struct time_status **ret)
{
        struct time_status *t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        t->etc = strdup(etc ? etc : "/etc");
        t->run = strdup(run ? run : "/run");
        if (!t->etc || !t->run) {
                time_status_free(t);
                return -ENOMEM;
        }
        *ret = t;
        return 0;
}

void time_status_free(struct time_status *t)
{
        if (!t)
                return;
        free(t->etc);
        free(t->run);
        free(t);
}

const char *time_status_name(bool kernel_synchronized, bool timesyncd_synchronized)
{
        return kernel_synchronized || timesyncd_synchronized ? "Synchronized" : "Unsynchronized";
}

int time_format_local(time_t t, char **ret)
{
        struct tm tm;
        char buf[64];

        if (!localtime_r(&t, &tm))
                return -EINVAL;
        long off = tm.tm_gmtoff;
        char sign = off < 0 ? '-' : '+';
        if (off < 0)
                off = -off;
        size_t n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
        if (n == 0)
                return -EINVAL;
        if (asprintf(ret, "%s%c%02ld:%02ld", buf, sign, off / 3600, off / 60 % 60) < 0)
                return -ENOMEM;
        return 0;
}

/* A rule has printable ASCII only; TR-181 allows 256 characters. */
static bool tz_rule_valid(const char *s, size_t len)
{
        if (len == 0 || len > TZ_RULE_MAX)
                return false;
        for (size_t i = 0; i < len; i++)
                if (s[i] <= ' ' || s[i] > '~')
                        return false;
        return true;
}

/* A POSIX rule ("CET-1CEST,M3.5.0,M10.5.0/3") rather than a zone name ("Europe/Paris",
 * ":Europe/Paris"): a '/' may come only in the transition rules, after a ','. */
static bool tz_is_rule(const char *tz)
{
        size_t slash = strcspn(tz, "/"), comma = strcspn(tz, ",");
        return tz[0] != ':' && tz_rule_valid(tz, strlen(tz)) &&
               (tz[slash] == '\0' || comma < slash) && strpbrk(tz, "0123456789") != NULL;
}

int time_tzif_footer(const char *data, size_t len, char **ret)
{
        /* "TZif" and a version: '2' and later end in "\nRULE\n" (RFC 8536 3.3). */
        if (len < 6 || memcmp(data, "TZif", 4) != 0 || data[4] < '2' || data[len - 1] != '\n')
                return -EINVAL;
        size_t end = len - 1, start = end;
        while (start > 0 && data[start - 1] != '\n')
                start--;
        if (start == 0 || !tz_rule_valid(data + start, end - start))
                return -EINVAL;
        *ret = strndup(data + start, end - start);
        return *ret ? 0 : -ENOMEM;
}

static int local_time_zone(struct time_status *t, char **ret)
{
        /* A TZ of the POSIX form wins, as it does for the C library; ":file" forms name a
         * file and are not rules. */
        const char *tz = getenv("TZ");
        if (tz && tz_is_rule(tz)) {
                *ret = strdup(tz);
                return *ret ? 0 : -ENOMEM;
        }
        _cleanup_free_ char *path = NULL, *data = NULL;
        size_t len;
        if (asprintf(&path, "%s/localtime", t->etc) < 0)
                return -ENOMEM;
        int r = store_read_file(path, TZIF_MAX, &data, &len);
        if (r >= 0)
                r = time_tzif_footer(data, len, ret);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                *ret = strdup(""); /* no zone we can name */
                return *ret ? 0 : -ENOMEM;
        }
        return 0;
}

static bool timesyncd_synchronized(const char *run)
{
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/systemd/timesync/synchronized", run ? run : "/run") < 0)
                return false;
        return access(path, F_OK) == 0;
}

static bool kernel_synchronized(void)
{
        struct timex tx = {};
        int state = adjtimex(&tx);
        return state >= 0 && state != TIME_ERROR && !(tx.status & STA_UNSYNC);
}

bool time_clock_synchronized(const char *run)
{
        return kernel_synchronized() || timesyncd_synchronized(run);
}

int time_status_get(struct time_status *t, const char *name, char **value)
{
        if (!startswith(name, TIME_PREFIX))
                return -ENOENT;
        name += strlen(TIME_PREFIX);
        if (streq(name, "Status")) {
                *value = strdup(
                        time_status_name(kernel_synchronized(), timesyncd_synchronized(t->run)));
                return *value ? 0 : -ENOMEM;
        }
        if (streq(name, "CurrentLocalTime"))
                return time_format_local(time(NULL), value);
        if (streq(name, "LocalTimeZone"))
                return local_time_zone(t, value);
        return -ENOENT;
}
