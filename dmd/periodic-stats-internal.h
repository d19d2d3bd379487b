/* SPDX-License-Identifier: MIT */
/* What the parts of the periodic statistics (periodic-stats*.c) share. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "kvmap.h"
#include "manager.h"
#include "periodic-stats-calc.h"
#include "periodic-stats.h"
#include "request.h"
#include "values.h"

#define PS_SAMPLE_SETS                 PERIODIC_STATS_PREFIX "SampleSet."
#define PS_INTERNAL_READS_PER_INTERVAL 4u
#define PS_INTERNAL_MIN_USEC           (250u * 1000u)
#define PS_INTERNAL_MAX_USEC           (15u * 1000u * 1000u)
#define PS_SAVE_MIN_USEC               (1000u * 1000u) /* MinSampleInterval */
#define USEC_PER_SEC                   1000000u

enum read_kind { READ_INTERNAL, READ_BOUNDARY, READ_FORCE };

struct ps_param {
        char *path; /* "Device.PeriodicStatistics.SampleSet.1.Parameter.2." */
        bool seen;
        bool enabled;
        char *reference;
        enum ps_sample_mode mode;
        enum ps_calc calc;
        int32_t low, high;

        struct strv values, suspect, seconds; /* the stored samples, oldest first */
        bool preview;                         /* their last items are a ForceSample preview */
        uint32_t failures;
        bool failures_changed;
        enum ps_range range;

        struct ps_accum acc; /* the interval in progress */
        bool have_ref;
        ps_number ref;
        uint64_t joined_usec; /* when its share of the interval in progress began */
        bool restarted;       /* the interval in progress began with a restart of dmd */
};

struct ps_read;

struct ps_set {
        struct periodic_stats *ps;
        char *path; /* "Device.PeriodicStatistics.SampleSet.1." */
        bool seen;
        bool enabled;
        uint32_t interval, report_samples, fetch;
        char *tref; /* TimeReference as stored */
        bool tref_known;
        uint64_t tref_usec;

        uint64_t anchor_usec;   /* boundaries at anchor + k * interval */
        uint64_t start_usec;    /* the interval in progress */
        uint64_t boundary_usec; /* its end */
        uint64_t internal_usec; /* the next internal read */
        bool want_read;         /* a parameter waits for its first value (Change) */
        bool force;             /* ForceSample asked */
        bool restarted;

        struct strv seconds, starts; /* per stored sample: seconds, start (usec) */
        bool preview;
        uint64_t report_end_usec;
        uint32_t since_trigger;

        struct ps_param **params;
        size_t n_params;
        sd_event_source *timer;
        struct ps_read *read; /* in flight */
        unsigned generation;  /* a reset makes reads in flight stale */
};

struct periodic_stats {
        struct manager *m;
        char *store_path;
        struct kvmap *loaded; /* the store read at start, until the first look at settings */
        struct ps_set **sets;
        size_t n_sets;
        sd_event_source *reconcile_source;
        sd_event_source *save_timer;
        bool dirty;
        uint64_t saved_usec; /* monotonic */
};

struct ps_read {
        struct request req;
        struct periodic_stats *ps; /* NULL once the set is gone */
        char *set_path;
        unsigned generation;
        enum read_kind kind;
        struct value_item *items;
        char **param_paths; /* per item */
        size_t n;
};

static inline uint64_t now_realtime(struct periodic_stats *ps)
{
        uint64_t now = 0;
        (void)sd_event_now(ps->m->event, CLOCK_REALTIME, &now);
        return now;
}

static inline uint64_t now_monotonic(struct periodic_stats *ps)
{
        uint64_t now = 0;
        (void)sd_event_now(ps->m->event, CLOCK_MONOTONIC, &now);
        return now;
}

static inline uint32_t usec_to_sec_rounded(uint64_t usec)
{
        uint64_t s = (usec + USEC_PER_SEC / 2) / USEC_PER_SEC;
        return s > UINT32_MAX ? UINT32_MAX : (uint32_t)s;
}

/* periodic-stats.c */
/* Whether path is a set ("...SampleSet.3.") or a row ("...SampleSet.3.Parameter.5.") and
 * how long the set's part of it is. */
bool ps_parse_instance(const char *path, bool *is_param, size_t *set_len);
struct ps_set *ps_find_set(struct periodic_stats *ps, const char *path, size_t len);
struct ps_param *ps_find_param(struct ps_set *s, const char *path);

/* periodic-stats-store.c: STATE_DIR/PERIODIC_STATS_STORE_FILE */
int ps_save(struct periodic_stats *ps);
/* Samples changed: saved soon, at most once per PS_SAVE_MIN_USEC. */
void ps_mark_dirty(struct periodic_stats *ps);
/* Takes the samples stored for a set whose settings are those it was saved with; sets
 * s->restarted when it was collecting and is to go on (enabled). */
void ps_set_restore(struct ps_set *s, const struct kvmap *map, bool enabled);
/* Takes a row's stored samples if its settings match; true when it was collecting. */
bool ps_param_restore(struct ps_param *p, const struct kvmap *map);
