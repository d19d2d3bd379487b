/* SPDX-License-Identifier: MIT */
/* ProcessStatus.CPU.{i}.: each CPU's usage from its own /proc/stat line, measured the way
 * ProcessStatus.CPUUsage measures all of them (deviceinfo_cpu_usage_add()). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "deviceinfo-internal.h"

#define STAT_FILE_MAX (256u * 1024u)

const struct deviceinfo_cpu *deviceinfo_cpu_table_find(const struct deviceinfo_cpu_table *t,
                                                       unsigned number)
{
        for (size_t i = 0; i < t->n; i++)
                if (t->cpus[i].number == number)
                        return &t->cpus[i];
        return NULL;
}

/* "cpu12 ..." -> 12; the summary line ("cpu  ...") and other lines are not CPUs. */
static bool parse_cpu_label(const char *line, unsigned *ret, const char **ret_numbers)
{
        if (!startswith(line, "cpu") || line[3] < '0' || line[3] > '9')
                return false;
        char *end;
        errno = 0;
        unsigned long n = strtoul(line + 3, &end, 10);
        if (errno != 0 || n > UINT32_MAX || *end != ' ')
                return false;
        *ret = (unsigned)n;
        *ret_numbers = end;
        return true;
}

int deviceinfo_cpu_table_refresh(struct deviceinfo_cpu_table *t, const char *proc)
{
        _cleanup_free_ char *path = deviceinfo_path(proc, "/stat");
        if (!path)
                return -ENOMEM;
        _cleanup_free_ char *data = NULL;
        int r = deviceinfo_read_file(path, STAT_FILE_MAX, &data, NULL);
        if (r < 0)
                return r;

        size_t n_lines = 1;
        for (const char *p = data; *p; p++)
                n_lines += *p == '\n';
        _cleanup_free_ struct deviceinfo_cpu *next = calloc(n_lines, sizeof(*next));
        if (!next)
                return -ENOMEM;

        size_t n = 0;
        for (const char *line = data; line && *line;
             line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
                unsigned number;
                const char *numbers;
                if (!parse_cpu_label(line, &number, &numbers))
                        continue;
                struct deviceinfo_cpu_sample sample;
                r = deviceinfo_parse_cpu_line(numbers, &sample);
                if (r < 0)
                        return r;
                /* A CPU seen before keeps its window; one that came online starts afresh. */
                const struct deviceinfo_cpu *old = deviceinfo_cpu_table_find(t, number);
                next[n] = old ? *old : (struct deviceinfo_cpu){.number = number};
                deviceinfo_cpu_usage_add(&next[n].usage, &sample);
                n++;
        }

        free(t->cpus);
        t->cpus = TAKE_PTR(next);
        t->n = n;
        return 0;
}

void deviceinfo_cpu_table_done(struct deviceinfo_cpu_table *t)
{
        free(t->cpus);
        *t = (struct deviceinfo_cpu_table){0};
}
