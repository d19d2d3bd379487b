/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "periodic-stats-calc.h"

enum ps_calc ps_calc_from_string(const char *s)
{
        if (streq(s, "Minimum"))
                return PS_CALC_MINIMUM;
        if (streq(s, "Maximum"))
                return PS_CALC_MAXIMUM;
        if (streq(s, "Average"))
                return PS_CALC_AVERAGE;
        return PS_CALC_LATEST;
}

enum ps_sample_mode ps_sample_mode_from_string(const char *s)
{
        return streq(s, "Change") ? PS_SAMPLE_CHANGE : PS_SAMPLE_CURRENT;
}

bool ps_type_is_numeric(enum cw_type t)
{
        return t == CW_TYPE_INT || t == CW_TYPE_UNSIGNED_INT || t == CW_TYPE_LONG ||
               t == CW_TYPE_UNSIGNED_LONG;
}

int ps_parse_number(const char *s, ps_number *ret)
{
        int64_t i;
        uint64_t u;

        if (cw_parse_int64(s, &i) >= 0) {
                *ret = i;
                return 0;
        }
        if (cw_parse_uint64(s, &u) >= 0) {
                *ret = u;
                return 0;
        }
        return -EINVAL;
}

void ps_format_number(ps_number v, char *buf, size_t size)
{
        char tmp[48];
        size_t n = 0;
        bool negative = v < 0;
        unsigned __int128 u = negative ? -(unsigned __int128)v : (unsigned __int128)v;

        do {
                tmp[n++] = (char)('0' + (int)(u % 10));
                u /= 10;
        } while (u > 0 && n < sizeof(tmp) - 1);
        size_t k = 0;
        if (negative && k + 1 < size)
                buf[k++] = '-';
        while (n > 0 && k + 1 < size)
                buf[k++] = tmp[--n];
        if (size > 0)
                buf[k] = '\0';
}

void ps_accum_reset(struct ps_accum *a)
{
        free(a->latest_text);
        *a = (struct ps_accum){};
}

void ps_accum_fail(struct ps_accum *a)
{
        a->reads++;
        a->failed++;
}

void ps_accum_add_number(struct ps_accum *a, ps_number v)
{
        a->reads++;
        if (a->n == 0 || v < a->min)
                a->min = v;
        if (a->n == 0 || v > a->max)
                a->max = v;
        a->sum += v;
        a->latest = v;
        a->n++;
}

int ps_accum_add_text(struct ps_accum *a, const char *value)
{
        char *copy = strdup(value);
        if (!copy)
                return -ENOMEM;
        a->reads++;
        free(a->latest_text);
        a->latest_text = copy;
        return 0;
}

static int escape_item(const char *value, char **ret)
{
        struct buf b = {};
        int r = buf_append(&b, "", 0);
        for (const char *p = value; r >= 0 && *p; p++) {
                if (*p == ',')
                        r = buf_append(&b, "%2C", 3);
                else if (*p == '%')
                        r = buf_append(&b, "%25", 3);
                else
                        r = buf_append(&b, p, 1);
        }
        if (r < 0) {
                buf_done(&b);
                return r;
        }
        *ret = buf_steal(&b);
        return 0;
}

/* The mean, rounded half away from zero. */
static ps_number average(ps_number sum, uint64_t n)
{
        ps_number q = sum / (ps_number)n, rem = sum % (ps_number)n;
        if (rem < 0 ? -2 * rem >= (ps_number)n : 2 * rem >= (ps_number)n)
                q += sum < 0 ? -1 : 1;
        return q;
}

int ps_accum_result(const struct ps_accum *a, enum ps_calc calc, char **ret)
{
        char buf[48];

        if (a->latest_text)
                return escape_item(a->latest_text, ret);
        if (a->n == 0) {
                *ret = strdup("");
                return *ret ? 0 : -ENOMEM;
        }
        ps_number v = calc == PS_CALC_MINIMUM   ? a->min
                      : calc == PS_CALC_MAXIMUM ? a->max
                      : calc == PS_CALC_AVERAGE ? average(a->sum, a->n)
                                                : a->latest;
        ps_format_number(v, buf, sizeof(buf));
        *ret = strdup(buf);
        return *ret ? 0 : -ENOMEM;
}

int ps_sample_change(bool unsigned_type, ps_number value, bool *have_ref, ps_number *ref,
                     ps_number *out, bool *reset)
{
        bool had = *have_ref;
        ps_number before = *ref;

        *have_ref = true;
        *ref = value;
        *reset = false;
        if (!had)
                return 0;
        if (unsigned_type && value < before) {
                *reset = true;
                *out = value;
                return 1;
        }
        *out = value - before;
        return 1;
}

enum ps_range ps_range_of(ps_number v, int32_t low, int32_t high)
{
        if (low == high)
                return PS_RANGE_IN;
        if (v <= low)
                return PS_RANGE_LOW;
        if (v >= high)
                return PS_RANGE_HIGH;
        return PS_RANGE_IN;
}

bool ps_range_is_failure(enum ps_range from, enum ps_range to)
{
        return to != PS_RANGE_IN && to != from;
}

int ps_list_push(struct strv *l, const char *item, uint32_t max)
{
        int r = strv_push(l, item);
        if (r < 0)
                return r;
        ps_list_truncate(l, max);
        return 0;
}

void ps_list_drop_last(struct strv *l)
{
        if (l->n == 0)
                return;
        free(l->v[--l->n]);
        l->v[l->n] = NULL;
}

void ps_list_truncate(struct strv *l, uint32_t max)
{
        if (max == 0 || l->n <= max)
                return;
        size_t drop = l->n - max;
        for (size_t i = 0; i < drop; i++)
                free(l->v[i]);
        memmove(l->v, l->v + drop, (l->n - drop) * sizeof(char *));
        l->n -= drop;
        l->v[l->n] = NULL;
}

int ps_list_join(const struct strv *l, char **ret)
{
        struct buf b = {};
        int r = buf_append(&b, "", 0);
        for (size_t i = 0; r >= 0 && i < l->n; i++) {
                if (i > 0)
                        r = buf_append(&b, ",", 1);
                if (r >= 0)
                        r = buf_append(&b, l->v[i], strlen(l->v[i]));
        }
        if (r < 0) {
                buf_done(&b);
                return r;
        }
        *ret = buf_steal(&b);
        return 0;
}

int ps_list_split(const char *s, struct strv *out)
{
        if (!s || !*s)
                return 0;
        for (;;) {
                const char *comma = strchr(s, ',');
                size_t len = comma ? (size_t)(comma - s) : strlen(s);
                char *item = strndup(s, len);
                int r = item ? strv_push_take(out, item) : -ENOMEM;
                if (r < 0)
                        return r;
                if (!comma)
                        return 0;
                s = comma + 1;
        }
}

uint64_t ps_next_boundary(uint64_t now_usec, uint64_t anchor_usec, uint32_t interval_sec)
{
        uint64_t step = (uint64_t)(interval_sec ? interval_sec : 1) * 1000000u;
        if (anchor_usec > now_usec) {
                uint64_t k = (anchor_usec - now_usec) / step;
                uint64_t b = anchor_usec - k * step;
                return b > now_usec ? b : b + step;
        }
        uint64_t k = (now_usec - anchor_usec) / step + 1;
        return anchor_usec + k * step;
}
