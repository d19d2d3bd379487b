/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bulkdata-http.h"
#include "bulkdata-internal.h"
#include "log.h"
#include "schedule.h"
#include "types.h"

/*
 * A profile's schedule: reports are due at TimeReference + k * ReportingInterval, the
 * arithmetic of PeriodicInformTime (schedule.c).
 */

static void arm_timer(struct profile *p);

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct profile *p = userdata;

        p->timer = sd_event_source_disable_unref(p->timer);
        arm_timer(p);
        /* TR-069 Annex N.2.2.1: a retry not done by the next interval is given up; its
         * reports are retained failed reports now */
        if (p->retry_timer) {
                p->retry_timer = sd_event_source_disable_unref(p->retry_timer);
                p->retry_count = 0;
        }
        if (!p->sending)
                bulkdata_retain(p, p->n_reports);
        bulkdata_collect(p);
        return 0;
}

static void arm_timer(struct profile *p)
{
        struct cw_datetime ref = {.unknown = true};
        uint32_t interval = bulkdata_setting_u32(p, "ReportingInterval");
        struct timespec ts;

        p->timer = sd_event_source_disable_unref(p->timer);
        if (interval < MIN_REPORTING_INTERVAL)
                interval = MIN_REPORTING_INTERVAL;
        if (cw_parse_datetime(bulkdata_setting(p, "TimeReference"), &ref) < 0 || ref.relative)
                ref.unknown = true;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t next =
                schedule_next_periodic(ts.tv_sec, interval, ref.unknown, ref.seconds, p->phase);
        if (sd_event_add_time(p->bd->event, &p->timer, CLOCK_REALTIME,
                              (uint64_t)next * USEC_PER_SEC, 1000, on_timer, p) < 0)
                log_error("Cannot arm the bulk data timer of profile %" PRIu32, p->number);
}

static void profile_stop(struct profile *p)
{
        p->timer = sd_event_source_disable_unref(p->timer);
        p->retry_timer = sd_event_source_disable_unref(p->retry_timer);
        p->retry_count = 0;
        if (p->sending) {
                bulkdata_http_free(p->sending);
                p->sending = NULL;
                p->n_sending = 0;
        }
}

void bulkdata_profile_free(struct profile *p, bool deleted)
{
        if (!p)
                return;
        /* cwmpd stops: reports not delivered yet are failed ones, kept as the profile says */
        if (!deleted && p->n_reports > 0)
                bulkdata_retain(p, p->n_reports);
        profile_stop(p);
        for (size_t i = 0; i < p->n_reports; i++) {
                if (deleted)
                        bulkdata_report_forget(&p->reports[i]);
                else
                        bulkdata_report_done(&p->reports[i]);
        }
        if (deleted)
                bulkdata_remove_dirs(p);
        free(p->reports);
        strv_done(&p->query);
        free(p->schedule);
        free(p->encoding);
        free(p);
}

/* Applies the stored settings: a new schedule starts its first interval now (TR-181
 * ReportingInterval, TimeReference); a new EncodingType drops the retained reports. */
int bulkdata_profile_configure(struct profile *p)
{
        bool enabled = bulkdata_enabled(p->bd) && bulkdata_setting_bool(p, "Enable");
        _cleanup_free_ char *schedule = NULL;
        const char *encoding = bulkdata_setting(p, "EncodingType");

        if (p->encoding && !streq(p->encoding, encoding)) {
                p->retry_timer = sd_event_source_disable_unref(p->retry_timer);
                p->retry_count = 0;
                bulkdata_http_free(p->sending);
                p->sending = NULL;
                p->n_sending = 0;
                bulkdata_drop_reports(p, p->n_reports);
        }
        if (!streq_ptr(p->encoding, encoding)) {
                free(p->encoding);
                p->encoding = strdup(encoding);
                if (!p->encoding)
                        return -ENOMEM;
        }
        if (asprintf(&schedule, "%d %s %s", enabled, bulkdata_setting(p, "ReportingInterval"),
                     bulkdata_setting(p, "TimeReference")) < 0)
                return -ENOMEM;
        if (streq_ptr(p->schedule, schedule))
                return 0;
        free(p->schedule);
        p->schedule = TAKE_PTR(schedule);
        if (!enabled) {
                profile_stop(p);
                return 0;
        }
        p->phase = time(NULL);
        arm_timer(p);
        return 0;
}

int bulkdata_profile_new(struct bulkdata *bd, uint32_t number, struct profile **ret)
{
        struct profile *p = calloc(1, sizeof(*p));
        struct profile **bigger;

        if (!p)
                return -ENOMEM;
        p->bd = bd;
        p->number = number;
        snprintf(p->prefix, sizeof(p->prefix), PROFILE_TABLE "%" PRIu32 ".", number);
        bigger = realloc(bd->profiles, (bd->n_profiles + 1) * sizeof(*bigger));
        if (!bigger) {
                free(p);
                return -ENOMEM;
        }
        bd->profiles = bigger;
        bd->profiles[bd->n_profiles++] = p;
        bulkdata_load_retained(p);
        *ret = p;
        return 0;
}
