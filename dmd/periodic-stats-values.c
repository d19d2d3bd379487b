/* SPDX-License-Identifier: MIT */
/* The values of Device.PeriodicStatistics. that dmd computes (the settings are in its
 * store). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "path.h"
#include "periodic-stats-internal.h"

static int count_instances(struct manager *m, const char *table, char **value)
{
        _cleanup_(strv_done) struct strv paths = {};
        size_t n = 0;
        int r = state_list_instances(&m->state, table, &paths);
        if (r < 0)
                return r;
        for (size_t i = 0; i < paths.n; i++) {
                const char *rest = paths.v[i] + strlen(table);
                const char *dot = strchr(rest, '.');
                if (dot && dot[1] == '\0')
                        n++;
        }
        return asprintf(value, "%zu", n) < 0 ? -ENOMEM : 0;
}

static int dup_list(const struct strv *l, char **value)
{
        return l ? ps_list_join(l, value) : (*value = strdup("")) ? 0 : -ENOMEM;
}

static int format_time(uint64_t usec, char **value)
{
        char buf[40];
        if (usec == 0)
                snprintf(buf, sizeof(buf), "0001-01-01T00:00:00Z");
        else if (cw_format_datetime((int64_t)(usec / USEC_PER_SEC), 0, buf, sizeof(buf)) < 0)
                return -EINVAL;
        *value = strdup(buf);
        return *value ? 0 : -ENOMEM;
}

int periodic_stats_get(struct manager *m, struct periodic_stats *ps, const char *name, char **value)
{
        if (streq(name, PERIODIC_STATS_PREFIX "MinSampleInterval"))
                return asprintf(value, "%u", PERIODIC_STATS_MIN_INTERVAL) < 0 ? -ENOMEM : 0;
        if (streq(name, PERIODIC_STATS_PREFIX "MaxReportSamples"))
                return asprintf(value, "%u", PERIODIC_STATS_MAX_SAMPLES) < 0 ? -ENOMEM : 0;
        if (streq(name, PERIODIC_STATS_PREFIX "SampleSetNumberOfEntries"))
                return count_instances(m, PS_SAMPLE_SETS, value);

        const char *dot = strrchr(name, '.');
        bool is_param;
        size_t set_len;
        if (!dot)
                return -ENOENT;
        _cleanup_free_ char *object = strndup(name, (size_t)(dot - name) + 1);
        if (!object)
                return -ENOMEM;
        if (!ps_parse_instance(object, &is_param, &set_len))
                return -ENOENT;
        const char *leaf = dot + 1;
        struct ps_set *s = ps ? ps_find_set(ps, object, set_len) : NULL;

        if (!is_param) {
                if (streq(leaf, "Status")) {
                        bool b = false;
                        char key[DMPATH_MAX_LEN + 16];
                        snprintf(key, sizeof(key), "%sEnable", object);
                        const char *v = state_get_value(&m->state, key);
                        (void)cw_parse_bool(v ? v : "false", &b);
                        *value = strdup(b ? "Enabled" : "Disabled");
                        return *value ? 0 : -ENOMEM;
                }
                if (streq(leaf, "ForceSample")) {
                        *value = strdup("false"); /* a command: reads false */
                        return *value ? 0 : -ENOMEM;
                }
                if (streq(leaf, "ReportStartTime")) {
                        uint64_t start = 0;
                        if (s && s->starts.n > 0)
                                (void)cw_parse_uint64(s->starts.v[0], &start);
                        return format_time(start, value);
                }
                if (streq(leaf, "ReportEndTime"))
                        return format_time(s && s->starts.n > 0 ? s->report_end_usec : 0, value);
                if (streq(leaf, "SampleSeconds"))
                        return dup_list(s ? &s->seconds : NULL, value);
                if (streq(leaf, "ParameterNumberOfEntries")) {
                        _cleanup_free_ char *table = NULL;
                        if (asprintf(&table, "%sParameter.", object) < 0)
                                return -ENOMEM;
                        return count_instances(m, table, value);
                }
                return -ENOENT;
        }
        struct ps_param *p = s ? ps_find_param(s, object) : NULL;
        if (streq(leaf, "SampleSeconds"))
                return dup_list(p ? &p->seconds : NULL, value);
        if (streq(leaf, "SuspectData"))
                return dup_list(p ? &p->suspect : NULL, value);
        if (streq(leaf, "Values"))
                return dup_list(p ? &p->values : NULL, value);
        if (streq(leaf, "Failures"))
                return asprintf(value, "%" PRIu32, p ? p->failures : 0) < 0 ? -ENOMEM : 0;
        return -ENOENT;
}
