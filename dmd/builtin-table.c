/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "builtin-table.h"

int table_parse_instance(const char *s, uint32_t *ret_instance, const char **ret_rest)
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

int table_text(const char *s, char **ret)
{
        *ret = strdup(s ? s : "");
        return *ret ? 0 : -ENOMEM;
}

int table_count(size_t n, char **ret)
{
        return asprintf(ret, "%zu", n) < 0 ? -ENOMEM : 0;
}

int table_append_row(struct strv *out, const char *table, uint32_t instance)
{
        char *s;
        if (asprintf(&s, "%s%" PRIu32 ".", table, instance) < 0)
                return -ENOMEM;
        return strv_push_take(out, s);
}

uint64_t table_now_usec(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

bool table_snapshot_fresh(const struct table_snapshot *s, uint64_t max_age_usec, uint64_t *ret_now)
{
        *ret_now = table_now_usec();
        return s->valid && *ret_now - s->taken_usec < max_age_usec;
}

void table_snapshot_taken(struct table_snapshot *s, uint64_t now)
{
        s->taken_usec = now;
        s->valid = true;
}

void table_snapshot_invalidate(struct table_snapshot *s)
{
        s->valid = false;
}
