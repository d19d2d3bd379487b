/* SPDX-License-Identifier: MIT */
/* UpTime, MemoryStatus. and ProcessStatus.CPUUsage from /proc and statvfs(). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/statvfs.h>

#include "deviceinfo-internal.h"

#define PROC_FILE_MAX (64u * 1024u)

/* A CPU-usage window shorter than this many ticks (one second of one CPU at USER_HZ=100)
 * says more about rounding than about load: such reads repeat the previous answer. */
#define CPU_MIN_WINDOW_TICKS 100u

static int read_proc(const char *proc, const char *file, char **ret)
{
        _cleanup_free_ char *path = deviceinfo_path(proc, file);
        if (!path)
                return -ENOMEM;
        return deviceinfo_read_file(path, PROC_FILE_MAX, ret, NULL);
}

int deviceinfo_read_uptime(const char *proc, uint64_t *ret_seconds)
{
        _cleanup_free_ char *data = NULL;
        int r = read_proc(proc, "/uptime", &data);
        if (r < 0)
                return r;
        /* "12345.67 23456.78": seconds since boot, then idle time. */
        uint64_t seconds;
        if (sscanf(data, "%" SCNu64 ".", &seconds) != 1)
                return -EBADMSG;
        *ret_seconds = seconds;
        return 0;
}

int deviceinfo_kib_field(const char *data, const char *key, uint64_t *ret)
{
        size_t key_len = strlen(key);
        for (const char *line = data; *line;) {
                if (strncmp(line, key, key_len) == 0 && line[key_len] == ':') {
                        uint64_t v;
                        if (sscanf(line + key_len + 1, "%" SCNu64, &v) != 1)
                                return -EBADMSG;
                        *ret = v;
                        return 0;
                }
                const char *eol = strchr(line, '\n');
                if (!eol)
                        break;
                line = eol + 1;
        }
        return -ENOENT;
}

int deviceinfo_read_meminfo(const char *proc, uint64_t *ret_total_kib, uint64_t *ret_free_kib)
{
        _cleanup_free_ char *data = NULL;
        int r = read_proc(proc, "/meminfo", &data);
        if (r < 0)
                return r;

        uint64_t total, available;
        r = deviceinfo_kib_field(data, "MemTotal", &total);
        if (r < 0)
                return r == -ENOENT ? -EBADMSG : r;
        /* Free memory that programs can use includes reclaimable page cache: MemAvailable
         * estimates exactly that; MemFree (kernels before 3.14) undercounts it. */
        r = deviceinfo_kib_field(data, "MemAvailable", &available);
        if (r == -ENOENT)
                r = deviceinfo_kib_field(data, "MemFree", &available);
        if (r < 0)
                return r == -ENOENT ? -EBADMSG : r;

        *ret_total_kib = total;
        *ret_free_kib = available;
        return 0;
}

int deviceinfo_parse_cpu_line(const char *numbers, struct deviceinfo_cpu_sample *ret)
{
        /* "user nice system idle iowait irq softirq steal guest guest_nice": guest time is
         * already counted in user and nice. Older kernels stop after fewer fields. */
        uint64_t f[8] = {0};
        int n = sscanf(numbers,
                       "%" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
                       " %" SCNu64 " %" SCNu64,
                       &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7]);
        if (n < 4)
                return -EBADMSG;

        uint64_t total = 0;
        for (unsigned i = 0; i < ELEMENTSOF(f); i++)
                total += f[i];
        uint64_t idle = f[3] + f[4]; /* idle and iowait */
        *ret = (struct deviceinfo_cpu_sample){.busy = total - idle,
                                              .total = total,
                                              .user = f[0] + f[1],
                                              .system = f[2] + f[5] + f[6]};
        return 0;
}

int deviceinfo_read_cpu_sample(const char *proc, struct deviceinfo_cpu_sample *ret)
{
        _cleanup_free_ char *data = NULL;
        int r = read_proc(proc, "/stat", &data);
        if (r < 0)
                return r;
        /* The first line sums all CPUs: "cpu  user nice system ...". */
        if (!startswith(data, "cpu "))
                return -EBADMSG;
        return deviceinfo_parse_cpu_line(data + strlen("cpu "), ret);
}

int deviceinfo_read_fs_usage(const char *dir, uint64_t *ret_total_kib, uint64_t *ret_free_kib)
{
        struct statvfs st;
        if (statvfs(dir, &st) < 0)
                return -errno;
        uint64_t unit = st.f_frsize ? st.f_frsize : st.f_bsize;
        /* f_bavail, not f_bfree: the blocks reserved for root are not free for our state. */
        *ret_total_kib = (uint64_t)st.f_blocks * unit / 1024;
        *ret_free_kib = (uint64_t)st.f_bavail * unit / 1024;
        return 0;
}

static unsigned percent(uint64_t part, uint64_t whole)
{
        if (whole == 0)
                return 0;
        if (part >= whole)
                return 100;
        /* Rounded to nearest; part < whole keeps the product in range for any real uptime. */
        return (unsigned)((part * 100 + whole / 2) / whole);
}

static void set_percents(struct deviceinfo_cpu_usage *u, const struct deviceinfo_cpu_sample *from,
                         const struct deviceinfo_cpu_sample *to)
{
        uint64_t whole = to->total - from->total;
        u->last_percent = percent(to->busy - from->busy, whole);
        u->last_user = percent(to->user - from->user, whole);
        u->last_system = percent(to->system - from->system, whole);
        u->last_idle = percent((to->total - to->busy) - (from->total - from->busy), whole);
}

void deviceinfo_cpu_usage_add(struct deviceinfo_cpu_usage *u,
                              const struct deviceinfo_cpu_sample *now)
{
        /* Counters can step back (a CPU going offline takes its ticks with it): start over
         * from the since-boot figure then. */
        if (!u->have_prev || now->total < u->prev.total || now->busy < u->prev.busy ||
            now->user < u->prev.user || now->system < u->prev.system ||
            now->total - now->busy < u->prev.total - u->prev.busy) {
                set_percents(u, &(struct deviceinfo_cpu_sample){0}, now);
                u->prev = *now;
                u->have_prev = true;
        } else if (now->total - u->prev.total >= CPU_MIN_WINDOW_TICKS) {
                set_percents(u, &u->prev, now);
                u->prev = *now;
        }
}

int deviceinfo_cpu_usage_update(struct deviceinfo_cpu_usage *u, const char *proc,
                                unsigned *ret_percent)
{
        struct deviceinfo_cpu_sample now;
        int r = deviceinfo_read_cpu_sample(proc, &now);
        if (r < 0)
                return r;
        deviceinfo_cpu_usage_add(u, &now);
        *ret_percent = u->last_percent;
        return 0;
}
