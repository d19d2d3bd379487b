/* SPDX-License-Identifier: MIT */
/*
 * Device.PeriodicStatistics.: the sampler.
 *
 * The settings (Enable, SampleInterval, Reference ...) live in dmd's store, written by
 * transactions; this file keeps, per enabled sample set, the interval in progress and the
 * stored samples. It looks at the settings again when dmd signals a change under the prefix
 * (periodic_stats_note) and at every sample boundary (a DeleteObject signals nothing).
 *
 * Each set has one realtime timer. Sample intervals end on the grid TimeReference +
 * k * SampleInterval (without a TimeReference, the grid starts when the set was enabled). At
 * a boundary every enabled parameter is read; parameters whose CalculationMode is Minimum,
 * Maximum or Average are also read at PS_INTERNAL_READS_PER_INTERVAL internal points of the
 * interval, and a Change parameter is read once when it starts, for its reference. A read
 * goes through dmd's reading path: built-in owners answer at once, a provider's parameter
 * is asked with its own Get (in parallel), so one bad reference spoils no other. One read
 * per set runs at a time; a tick that comes meanwhile waits for it.
 *
 * The samples on disk: periodic-stats-store.c; the values the ACS reads:
 * periodic-stats-values.c; the arithmetic: periodic-stats-calc.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus-api.h"
#include "log.h"
#include "manager.h"
#include "path.h"
#include "periodic-stats-internal.h"
#include "request.h"
#include "store.h"
#include "value-watch.h"
#include "values.h"

/* ---- the settings, as dmd stores them ---------------------------------------------- */

static const char *setting(struct periodic_stats *ps, const char *object, const char *name,
                           const char *dflt)
{
        char key[DMPATH_MAX_LEN + 64];
        if ((size_t)snprintf(key, sizeof(key), "%s%s", object, name) >= sizeof(key))
                return dflt;
        const char *v = state_get_value(&ps->m->state, key);
        return v ? v : dflt;
}

static bool setting_bool(struct periodic_stats *ps, const char *object, const char *name)
{
        bool b = false;
        (void)cw_parse_bool(setting(ps, object, name, "false"), &b);
        return b;
}

static uint32_t setting_uint(struct periodic_stats *ps, const char *object, const char *name,
                             uint32_t dflt)
{
        uint32_t v = dflt;
        const char *s = setting(ps, object, name, NULL);
        if (s && cw_parse_uint32(s, &v) < 0)
                v = dflt;
        return v;
}

static int32_t setting_int(struct periodic_stats *ps, const char *object, const char *name)
{
        int32_t v = 0;
        const char *s = setting(ps, object, name, NULL);
        if (s && cw_parse_int32(s, &v) < 0)
                v = 0;
        return v;
}

/* "Device.PeriodicStatistics.SampleSet.3." -> true; with param, also "...Parameter.5.". */
bool ps_parse_instance(const char *path, bool *is_param, size_t *set_len)
{
        if (!startswith(path, PS_SAMPLE_SETS))
                return false;
        const char *p = path + strlen(PS_SAMPLE_SETS);
        if (*p < '0' || *p > '9')
                return false;
        while (*p >= '0' && *p <= '9')
                p++;
        if (*p++ != '.')
                return false;
        *set_len = (size_t)(p - path);
        if (*p == '\0') {
                *is_param = false;
                return true;
        }
        if (!startswith(p, "Parameter."))
                return false;
        p += strlen("Parameter.");
        if (*p < '0' || *p > '9')
                return false;
        while (*p >= '0' && *p <= '9')
                p++;
        *is_param = true;
        return streq(p, ".");
}

/* ---- lookups ----------------------------------------------------------------------- */

struct ps_set *ps_find_set(struct periodic_stats *ps, const char *path, size_t len)
{
        for (size_t i = 0; i < ps->n_sets; i++)
                if (strlen(ps->sets[i]->path) == len && strncmp(ps->sets[i]->path, path, len) == 0)
                        return ps->sets[i];
        return NULL;
}

struct ps_param *ps_find_param(struct ps_set *s, const char *path)
{
        for (size_t i = 0; i < s->n_params; i++)
                if (streq(s->params[i]->path, path))
                        return s->params[i];
        return NULL;
}

/* ---- life of the objects ----------------------------------------------------------- */

static void param_clear_samples(struct ps_param *p)
{
        strv_done(&p->values);
        strv_done(&p->suspect);
        strv_done(&p->seconds);
        p->preview = false;
}

static void param_free(struct ps_param *p)
{
        if (!p)
                return;
        param_clear_samples(p);
        ps_accum_reset(&p->acc);
        free(p->reference);
        free(p->path);
        free(p);
}

static void set_cancel_read(struct ps_set *s)
{
        if (s->read) {
                s->read->ps = NULL; /* its answers find nobody */
                s->read = NULL;
        }
        s->generation++;
}

static void set_free(struct ps_set *s)
{
        if (!s)
                return;
        set_cancel_read(s);
        sd_event_source_disable_unref(s->timer);
        for (size_t i = 0; i < s->n_params; i++)
                param_free(s->params[i]);
        free(s->params);
        strv_done(&s->seconds);
        strv_done(&s->starts);
        free(s->tref);
        free(s->path);
        free(s);
}

static void set_arm(struct ps_set *s);

static uint64_t internal_period(const struct ps_set *s)
{
        uint64_t p = (uint64_t)s->interval * USEC_PER_SEC / PS_INTERNAL_READS_PER_INTERVAL;
        if (p < PS_INTERNAL_MIN_USEC)
                p = PS_INTERNAL_MIN_USEC;
        if (p > PS_INTERNAL_MAX_USEC)
                p = PS_INTERNAL_MAX_USEC;
        return p;
}

static bool set_reads_internally(const struct ps_set *s)
{
        for (size_t i = 0; i < s->n_params; i++)
                if (s->params[i]->enabled && s->params[i]->calc != PS_CALC_LATEST)
                        return true;
        return false;
}

/* A new interval of the set begins at `start` (its end is the next boundary of the grid). */
static void set_begin_interval(struct ps_set *s, uint64_t start)
{
        s->start_usec = start;
        s->boundary_usec = ps_next_boundary(start, s->anchor_usec, s->interval);
        s->internal_usec = start + internal_period(s);
        s->preview = false;
        for (size_t i = 0; i < s->n_params; i++) {
                struct ps_param *p = s->params[i];
                ps_accum_reset(&p->acc);
                p->joined_usec = start;
                p->preview = false;
                p->restarted = s->restarted;
        }
}

/* The parameter starts afresh: no samples, no reference, its share of the interval now. */
static void param_reset(struct ps_set *s, struct ps_param *p, uint64_t now)
{
        param_clear_samples(p);
        ps_accum_reset(&p->acc);
        p->have_ref = false;
        p->range = PS_RANGE_IN;
        p->joined_usec = now > s->start_usec ? now : s->start_usec;
        p->restarted = false;
        if (p->mode == PS_SAMPLE_CHANGE)
                s->want_read = true;
}

/* Collection (re)starts now: stored samples are discarded (TR-181 Enable, SampleInterval,
 * TimeReference). */
static void set_reset(struct ps_set *s)
{
        uint64_t now = now_realtime(s->ps);

        set_cancel_read(s);
        strv_done(&s->seconds);
        strv_done(&s->starts);
        s->report_end_usec = 0;
        s->since_trigger = 0;
        s->restarted = false;
        s->anchor_usec = s->tref_known ? s->tref_usec : now;
        set_begin_interval(s, now);
        for (size_t i = 0; i < s->n_params; i++)
                param_reset(s, s->params[i], now);
        ps_mark_dirty(s->ps);
}

/* ---- reading ----------------------------------------------------------------------- */

static void read_destroy(struct request *r)
{
        struct ps_read *rd = (struct ps_read *)r;
        value_items_free(rd->items, rd->n);
        if (rd->param_paths)
                for (size_t i = 0; i < rd->n; i++)
                        free(rd->param_paths[i]);
        free(rd->param_paths);
        free(rd->set_path);
        free(rd);
}

/* Takes one value read for a parameter (NULL: it could not be read). */
static int param_take(struct ps_param *p, const struct schema_node *node, const char *value)
{
        ps_number v;

        if (!value) {
                ps_accum_fail(&p->acc);
                return 0;
        }
        bool numeric = node && !node->facets.is_list && ps_type_is_numeric(node->facets.type);
        if (!numeric || ps_parse_number(value, &v) < 0)
                return ps_accum_add_text(&p->acc, value);
        if (p->mode == PS_SAMPLE_CHANGE) {
                bool reset = false;
                bool is_unsigned = node->facets.type == CW_TYPE_UNSIGNED_INT ||
                                   node->facets.type == CW_TYPE_UNSIGNED_LONG;
                ps_number change;
                if (ps_sample_change(is_unsigned, v, &p->have_ref, &p->ref, &change, &reset) == 0)
                        return 0; /* the reference of the next change */
                if (reset)
                        p->acc.suspect = true;
                v = change;
        }
        ps_accum_add_number(&p->acc, v);
        enum ps_range range = ps_range_of(v, p->low, p->high);
        if (ps_range_is_failure(p->range, range)) {
                p->failures++;
                p->failures_changed = true;
        }
        p->range = range;
        return 0;
}

static bool read_wants(const struct ps_param *p, enum read_kind kind)
{
        if (!p->enabled || !p->reference || !*p->reference)
                return false;
        if (kind != READ_INTERNAL)
                return true;
        return p->calc != PS_CALC_LATEST || (p->mode == PS_SAMPLE_CHANGE && !p->have_ref);
}

static void set_finish_read(struct ps_set *s, enum read_kind kind);

static void read_done(struct request *r)
{
        struct ps_read *rd = (struct ps_read *)r;
        struct periodic_stats *ps = rd->ps;
        if (!ps)
                return;
        struct ps_set *s = ps_find_set(ps, rd->set_path, strlen(rd->set_path));
        if (!s || s->generation != rd->generation)
                return;
        s->read = NULL;
        for (size_t i = 0; i < rd->n; i++) {
                struct ps_param *p = ps_find_param(s, rd->param_paths[i]);
                if (p && param_take(p, rd->items[i].node, rd->items[i].value) < 0)
                        log_error("Periodic statistics: out of memory, a value is lost");
        }
        set_finish_read(s, rd->kind);
}

/* Reads what `kind` needs of the set's parameters: built-in owners now, providers' with one
 * Get each. */
static int set_start_read(struct ps_set *s, enum read_kind kind)
{
        struct manager *m = s->ps->m;
        struct ps_read *rd = calloc(1, sizeof(*rd));
        int r = 0;

        if (!rd)
                return -ENOMEM;
        request_init(&rd->req, m, NULL, read_destroy);
        rd->ps = s->ps;
        rd->kind = kind;
        rd->generation = s->generation;
        rd->set_path = strdup(s->path);
        rd->items = calloc(s->n_params ? s->n_params : 1, sizeof(*rd->items));
        rd->param_paths = calloc(s->n_params ? s->n_params : 1, sizeof(char *));
        if (!rd->set_path || !rd->items || !rd->param_paths) {
                request_unref(&rd->req);
                return -ENOMEM;
        }
        for (size_t i = 0; i < s->n_params; i++) {
                struct ps_param *p = s->params[i];
                if (!read_wants(p, kind))
                        continue;
                struct value_item item;
                r = value_item_init(m, p->reference, &item);
                if (r == -ENOMEM)
                        break;
                if (r < 0) {
                        /* Not in the model (TR-181: the parameter does not exist). */
                        ps_accum_fail(&p->acc);
                        r = 0;
                        continue;
                }
                if (item.node->hidden) {
                        /* A password reads "" for everybody, here too. */
                        free(item.name);
                        r = ps_accum_add_text(&p->acc, "");
                        if (r < 0)
                                break;
                        continue;
                }
                rd->param_paths[rd->n] = strdup(p->path);
                rd->items[rd->n++] = item;
                if (!rd->param_paths[rd->n - 1]) {
                        r = -ENOMEM;
                        break;
                }
        }
        for (size_t i = 0; r >= 0 && i < rd->n; i++) {
                struct value_item *item = &rd->items[i];
                if (item->owner->kind == OWNER_LOCAL) {
                        if (values_get_local(m, item->owner, item->node, item->name, &item->value) <
                            0)
                                item->value = NULL;
                        continue;
                }
                if (!item->owner->online)
                        continue; /* its provider is not running: no value */
                r = values_fetch(&rd->req, item, 1);
        }
        if (r < 0) {
                request_unref(&rd->req);
                return r;
        }
        s->read = rd;
        request_continue(&rd->req, read_done);
        request_unref(&rd->req);
        return 0;
}

/* ---- samples ----------------------------------------------------------------------- */

static int push_number(struct strv *l, uint64_t v, uint32_t max)
{
        char buf[24];
        snprintf(buf, sizeof(buf), "%" PRIu64, v);
        return ps_list_push(l, buf, max);
}

/* Appends the sample of the interval in progress, up to `end`, to every enabled parameter
 * (a preview replaces the previous preview). */
static int set_append_sample(struct ps_set *s, uint64_t end, bool preview)
{
        uint32_t max = s->report_samples;
        int r = 0;

        if (s->preview) {
                ps_list_drop_last(&s->seconds);
                ps_list_drop_last(&s->starts);
        }
        r = push_number(&s->seconds,
                        usec_to_sec_rounded(end > s->start_usec ? end - s->start_usec : 0), max);
        if (r >= 0)
                r = push_number(&s->starts, s->start_usec, max);
        s->preview = preview;
        s->report_end_usec = end;
        for (size_t i = 0; r >= 0 && i < s->n_params; i++) {
                struct ps_param *p = s->params[i];
                _cleanup_free_ char *value = NULL;
                if (!p->enabled || !p->reference || !*p->reference)
                        continue;
                if (p->preview) {
                        ps_list_drop_last(&p->values);
                        ps_list_drop_last(&p->suspect);
                        ps_list_drop_last(&p->seconds);
                }
                r = ps_accum_result(&p->acc, p->calc, &value);
                if (r < 0)
                        break;
                bool empty = p->acc.n == 0 && !p->acc.latest_text;
                bool suspect = empty || p->acc.failed > 0 || p->acc.suspect || p->restarted;
                uint64_t span = end > p->joined_usec ? end - p->joined_usec : 0;
                if (p->acc.reads > 0)
                        span = span * (p->acc.reads - p->acc.failed) / p->acc.reads;
                else
                        span = 0;
                r = ps_list_push(&p->values, value, max);
                if (r >= 0)
                        r = ps_list_push(&p->suspect, suspect ? "1" : "0", max);
                if (r >= 0)
                        r = push_number(&p->seconds, usec_to_sec_rounded(span), max);
                p->preview = preview;
        }
        return r;
}

/* Intervals nobody sampled (dmd was not running, the loop was held up): empty samples, so
 * that the lists stay on the grid. At most ReportSamples of them matter. */
static int set_append_missed(struct ps_set *s, uint64_t from, uint64_t to)
{
        uint64_t step = (uint64_t)s->interval * USEC_PER_SEC;
        uint64_t n = (to - from) / step;
        int r = 0;

        if (n > s->report_samples)
                from += (n - s->report_samples) * step;
        for (uint64_t b = from; r >= 0 && b + step <= to; b += step) {
                r = push_number(&s->seconds, 0, s->report_samples);
                if (r >= 0)
                        r = push_number(&s->starts, b, s->report_samples);
                for (size_t i = 0; r >= 0 && i < s->n_params; i++) {
                        struct ps_param *p = s->params[i];
                        if (!p->enabled || !p->reference || !*p->reference)
                                continue;
                        r = ps_list_push(&p->values, "", s->report_samples);
                        if (r >= 0)
                                r = ps_list_push(&p->suspect, "1", s->report_samples);
                        if (r >= 0)
                                r = ps_list_push(&p->seconds, "0", s->report_samples);
                }
                s->report_end_usec = b + step;
        }
        return r;
}

/* TR-181 FetchSamples: Status goes Enabled -> Trigger -> Enabled at the end of every
 * FetchSamples intervals (on the TimeReference grid when there is one). */
static bool set_triggers(struct ps_set *s, uint64_t boundary)
{
        if (s->fetch == 0 || s->fetch > s->report_samples)
                return false;
        s->since_trigger++;
        if (s->tref_known) {
                uint64_t period = (uint64_t)s->fetch * s->interval;
                int64_t d =
                        (int64_t)(boundary / USEC_PER_SEC) - (int64_t)(s->tref_usec / USEC_PER_SEC);
                if (((d % (int64_t)period) + (int64_t)period) % (int64_t)period != 0)
                        return false;
        } else if (s->since_trigger < s->fetch) {
                return false;
        }
        s->since_trigger = 0;
        return true;
}

static void set_signal(struct ps_set *s, bool trigger)
{
        struct manager *m = s->ps->m;
        size_t n = 0;
        struct changed_value *v = calloc(s->n_params + 1, sizeof(*v));
        char(*numbers)[16] = calloc(s->n_params + 1, sizeof(*numbers));
        char(*names)[DMPATH_MAX_LEN + 16] = calloc(s->n_params + 1, sizeof(*names));

        if (!v || !numbers || !names) {
                log_error("Periodic statistics: out of memory, a notification is lost");
                goto out;
        }
        if (trigger) {
                snprintf(names[n], sizeof(names[n]), "%sStatus", s->path);
                v[n] = (struct changed_value){
                        .name = names[n], .type = "string", .value = "Trigger"};
                n++;
        }
        for (size_t i = 0; i < s->n_params; i++) {
                struct ps_param *p = s->params[i];
                if (!p->failures_changed)
                        continue;
                p->failures_changed = false;
                snprintf(names[n], sizeof(names[n]), "%sFailures", p->path);
                snprintf(numbers[n], sizeof(numbers[n]), "%" PRIu32, p->failures);
                v[n] = (struct changed_value){
                        .name = names[n], .type = "unsignedInt", .value = numbers[n]};
                n++;
        }
        if (n == 0)
                goto out;
        if (bus_api_emit_value_changed(m, v, n, "") < 0)
                log_error("Periodic statistics: cannot signal %s", v[0].name);
        if (trigger) {
                /* The transition is instantaneous: Status reads Enabled again, and the
                 * value watcher is to take that as known, not as one more change. */
                struct changed_value now = {.name = names[0], .type = "string", .value = "Enabled"};
                value_watch_note(m->value_watch, &now, 1);
        }
out:
        free(v);
        free(numbers);
        free(names);
}

static void reconcile(struct periodic_stats *ps);

static void set_finish_read(struct ps_set *s, enum read_kind kind)
{
        struct periodic_stats *ps = s->ps;
        int r = 0;

        if (kind == READ_FORCE) {
                r = set_append_sample(s, now_realtime(ps), true);
                ps_mark_dirty(ps);
        } else if (kind == READ_BOUNDARY) {
                uint64_t end = s->boundary_usec, now = now_realtime(ps);
                uint64_t step = (uint64_t)s->interval * USEC_PER_SEC;
                r = set_append_sample(s, end, false);
                bool trigger = r >= 0 && set_triggers(s, end);
                /* Boundaries passed while this one was read: their samples are empty. */
                uint64_t next = end;
                if (r >= 0 && now >= end + step) {
                        next = ps_next_boundary(now, s->anchor_usec, s->interval) - step;
                        r = set_append_missed(s, end, next);
                }
                s->restarted = false;
                set_begin_interval(s, next);
                set_signal(s, trigger);
                ps_mark_dirty(ps);
        }
        if (r < 0)
                log_error_errno(r, "Periodic statistics: %s: %m", s->path);
        set_arm(s);
}

/* ---- the timer --------------------------------------------------------------------- */

static int on_set_timer(sd_event_source *src, uint64_t usec, void *userdata)
{
        struct ps_set *s = userdata;
        uint64_t now = now_realtime(s->ps);
        enum read_kind kind;
        int r;

        if (s->read || !s->enabled)
                return 0; /* the read's end arms the timer again */
        if (now + (uint64_t)s->interval * USEC_PER_SEC < s->start_usec) {
                /* The clock went back by more than an interval: start over on it. */
                set_reset(s);
        }
        if (now >= s->boundary_usec) {
                /* Settings may have changed without a signal (DeleteObject): the set may be
                 * gone or reset afterwards. */
                struct periodic_stats *ps = s->ps;
                _cleanup_free_ char *path = strdup(s->path);
                if (!path)
                        return 0;
                reconcile(ps);
                s = ps_find_set(ps, path, strlen(path));
                if (!s || !s->enabled || s->read)
                        return 0;
                if (now < s->boundary_usec) {
                        set_arm(s);
                        return 0;
                }
                kind = READ_BOUNDARY;
        } else if (s->want_read) {
                s->want_read = false;
                kind = READ_INTERNAL;
        } else if (s->force) {
                s->force = false;
                kind = READ_FORCE;
        } else if (now >= s->internal_usec) {
                uint64_t period = internal_period(s);
                while (s->internal_usec <= now)
                        s->internal_usec += period;
                kind = READ_INTERNAL;
        } else {
                set_arm(s);
                return 0;
        }
        r = set_start_read(s, kind);
        if (r < 0) {
                log_error_errno(r, "Periodic statistics: cannot read for %s: %m", s->path);
                set_finish_read(s, kind);
        }
        return 0;
}

static void set_arm(struct ps_set *s)
{
        uint64_t when;
        int r;

        if (!s->enabled || s->read) {
                if (s->timer)
                        (void)sd_event_source_set_enabled(s->timer, SD_EVENT_OFF);
                return;
        }
        when = s->boundary_usec;
        if (s->want_read || s->force)
                when = 0;
        else if (set_reads_internally(s) && s->internal_usec < when)
                when = s->internal_usec;
        if (!s->timer) {
                r = sd_event_add_time(s->ps->m->event, &s->timer, CLOCK_REALTIME, when, 1000,
                                      on_set_timer, s);
                if (r < 0) {
                        log_error_errno(r, "Periodic statistics: cannot arm a timer: %m");
                        return;
                }
        } else {
                (void)sd_event_source_set_time(s->timer, when);
        }
        (void)sd_event_source_set_enabled(s->timer, SD_EVENT_ONESHOT);
}

/* ---- following the settings -------------------------------------------------------- */

static int set_apply_settings(struct ps_set *s, bool created)
{
        struct periodic_stats *ps = s->ps;
        bool enabled = setting_bool(ps, s->path, "Enable");
        uint32_t interval = setting_uint(ps, s->path, "SampleInterval", 3600);
        uint32_t report_samples = setting_uint(ps, s->path, "ReportSamples", 24);
        const char *tref = setting(ps, s->path, "TimeReference", "0001-01-01T00:00:00Z");
        bool restart = false;

        if (interval < PERIODIC_STATS_MIN_INTERVAL)
                interval = PERIODIC_STATS_MIN_INTERVAL;
        if (report_samples == 0 || report_samples > PERIODIC_STATS_MAX_SAMPLES)
                report_samples = report_samples ? PERIODIC_STATS_MAX_SAMPLES : 1;
        s->fetch = setting_uint(ps, s->path, "FetchSamples", 0);
        if (!s->tref || !streq(s->tref, tref)) {
                struct cw_datetime dt = {};
                char *copy = strdup(tref);
                if (!copy)
                        return -ENOMEM;
                free(s->tref);
                s->tref = copy;
                s->tref_known = cw_parse_datetime(tref, &dt) >= 0 && !dt.unknown && !dt.relative &&
                                dt.seconds >= 0;
                s->tref_usec = s->tref_known ? (uint64_t)dt.seconds * USEC_PER_SEC + dt.usec : 0;
                restart = !created;
        }
        if (interval != s->interval) {
                restart = restart || !created;
                s->interval = interval;
        }
        if (created && ps->loaded)
                ps_set_restore(s, ps->loaded, enabled);
        if (report_samples != s->report_samples) {
                /* TR-181: buffers are truncated or extended, collection goes on. */
                s->report_samples = report_samples;
                ps_list_truncate(&s->seconds, report_samples);
                ps_list_truncate(&s->starts, report_samples);
                for (size_t i = 0; i < s->n_params; i++) {
                        ps_list_truncate(&s->params[i]->values, report_samples);
                        ps_list_truncate(&s->params[i]->suspect, report_samples);
                        ps_list_truncate(&s->params[i]->seconds, report_samples);
                }
                ps_mark_dirty(ps);
        }
        if (created && s->restarted) {
                /* Resumed once its parameters are restored too (reconcile). */
        } else if (enabled && (!s->enabled || restart)) {
                s->enabled = true;
                set_reset(s);
        } else if (!enabled && s->enabled) {
                /* Stopped: the samples stay readable until collection starts again. */
                s->enabled = false;
                set_cancel_read(s);
                s->force = s->want_read = false;
                ps_mark_dirty(ps);
        }
        s->enabled = enabled;
        return 0;
}

static int param_apply_settings(struct ps_set *s, struct ps_param *p, bool created)
{
        struct periodic_stats *ps = s->ps;
        bool enabled = setting_bool(ps, p->path, "Enable");
        const char *reference = setting(ps, p->path, "Reference", "");
        enum ps_sample_mode mode =
                ps_sample_mode_from_string(setting(ps, p->path, "SampleMode", "Current"));
        enum ps_calc calc = ps_calc_from_string(setting(ps, p->path, "CalculationMode", "Latest"));
        bool changed = !p->reference || !streq(p->reference, reference) || mode != p->mode ||
                       calc != p->calc;

        p->low = setting_int(ps, p->path, "LowThreshold");
        p->high = setting_int(ps, p->path, "HighThreshold");
        if (changed) {
                char *copy = strdup(reference);
                if (!copy)
                        return -ENOMEM;
                free(p->reference);
                p->reference = copy;
                p->mode = mode;
                p->calc = calc;
        }
        if (created && ps->loaded && ps_param_restore(p, ps->loaded) && s->restarted && enabled) {
                p->enabled = true; /* goes on where it was */
                return 0;
        }
        if (enabled && (!p->enabled || (changed && !created))) {
                if (!p->enabled)
                        p->failures = 0; /* counted since the row was last enabled */
                p->enabled = true;
                param_reset(s, p, now_realtime(ps));
                ps_mark_dirty(ps);
        } else if (!enabled && p->enabled) {
                ps_accum_reset(&p->acc);
                ps_mark_dirty(ps);
        }
        p->enabled = enabled;
        return 0;
}

static int add_set(struct periodic_stats *ps, const char *path, size_t len, struct ps_set **ret)
{
        struct ps_set **n = realloc(ps->sets, (ps->n_sets + 1) * sizeof(*n));
        if (!n)
                return -ENOMEM;
        ps->sets = n;
        struct ps_set *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->ps = ps;
        s->path = strndup(path, len);
        if (!s->path) {
                free(s);
                return -ENOMEM;
        }
        ps->sets[ps->n_sets++] = s;
        *ret = s;
        return 0;
}

static int add_param(struct ps_set *s, const char *path, struct ps_param **ret)
{
        struct ps_param **n = realloc(s->params, (s->n_params + 1) * sizeof(*n));
        if (!n)
                return -ENOMEM;
        s->params = n;
        struct ps_param *p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->path = strdup(path);
        if (!p->path) {
                free(p);
                return -ENOMEM;
        }
        s->params[s->n_params++] = p;
        *ret = p;
        return 0;
}

/* After a restart: the intervals missed while dmd was down, then a partial one from now. */
static int set_resume(struct ps_set *s)
{
        uint64_t now = now_realtime(s->ps), step = (uint64_t)s->interval * USEC_PER_SEC;
        uint64_t last_boundary = ps_next_boundary(now, s->anchor_usec, s->interval) - step;
        int r = 0;

        if (s->report_end_usec && s->report_end_usec <= last_boundary)
                r = set_append_missed(s, s->report_end_usec, last_boundary);
        set_begin_interval(s, now);
        for (size_t i = 0; i < s->n_params; i++)
                if (s->params[i]->mode == PS_SAMPLE_CHANGE)
                        s->want_read = true;
        ps_mark_dirty(s->ps);
        return r;
}

static void reconcile(struct periodic_stats *ps)
{
        _cleanup_(strv_done) struct strv paths = {};
        int r = state_list_instances(&ps->m->state, PS_SAMPLE_SETS, &paths);

        if (r < 0) {
                log_error_errno(r, "Periodic statistics: %m");
                return;
        }
        strv_sort(&paths);
        for (size_t i = 0; i < ps->n_sets; i++) {
                ps->sets[i]->seen = false;
                for (size_t k = 0; k < ps->sets[i]->n_params; k++)
                        ps->sets[i]->params[k]->seen = false;
        }
        /* Sets first (a set's path sorts before its parameters'). */
        for (size_t i = 0; r >= 0 && i < paths.n; i++) {
                bool is_param;
                size_t set_len;
                if (!ps_parse_instance(paths.v[i], &is_param, &set_len))
                        continue;
                struct ps_set *s = ps_find_set(ps, paths.v[i], set_len);
                bool created = false;
                if (!s) {
                        if (is_param)
                                continue; /* its set is not there: cannot be */
                        r = add_set(ps, paths.v[i], set_len, &s);
                        created = true;
                }
                if (r < 0)
                        break;
                if (!is_param) {
                        s->seen = true;
                        r = set_apply_settings(s, created);
                        continue;
                }
                struct ps_param *p = ps_find_param(s, paths.v[i]);
                created = !p;
                if (!p)
                        r = add_param(s, paths.v[i], &p);
                if (r >= 0) {
                        p->seen = true;
                        r = param_apply_settings(s, p, created);
                }
        }
        if (r < 0)
                log_error_errno(r, "Periodic statistics: %m");
        /* Rows deleted meanwhile. */
        for (size_t i = 0; i < ps->n_sets;) {
                struct ps_set *s = ps->sets[i];
                if (!s->seen) {
                        set_free(s);
                        memmove(ps->sets + i, ps->sets + i + 1,
                                (ps->n_sets - i - 1) * sizeof(*ps->sets));
                        ps->n_sets--;
                        ps_mark_dirty(ps);
                        continue;
                }
                for (size_t k = 0; k < s->n_params;) {
                        if (!s->params[k]->seen) {
                                param_free(s->params[k]);
                                memmove(s->params + k, s->params + k + 1,
                                        (s->n_params - k - 1) * sizeof(*s->params));
                                s->n_params--;
                                ps_mark_dirty(ps);
                                continue;
                        }
                        k++;
                }
                if (s->restarted && ps->loaded && s->enabled) {
                        r = set_resume(s);
                        if (r < 0)
                                log_error_errno(r, "Periodic statistics: %s: %m", s->path);
                }
                i++;
        }
        kvmap_free(ps->loaded);
        ps->loaded = NULL;
        for (size_t i = 0; i < ps->n_sets; i++)
                if (!ps->sets[i]->read)
                        set_arm(ps->sets[i]);
}

static int on_reconcile(sd_event_source *src, void *userdata)
{
        struct periodic_stats *ps = userdata;
        ps->reconcile_source = sd_event_source_disable_unref(ps->reconcile_source);
        reconcile(ps);
        return 0;
}

static void schedule_reconcile(struct periodic_stats *ps)
{
        if (ps->reconcile_source)
                return;
        if (sd_event_add_defer(ps->m->event, &ps->reconcile_source, on_reconcile, ps) < 0)
                log_error("Periodic statistics: cannot follow a change of settings");
}

/* ---- the interface ----------------------------------------------------------------- */

int periodic_stats_new(struct manager *m, struct periodic_stats **ret)
{
        struct periodic_stats *ps = calloc(1, sizeof(*ps));
        int r;

        if (!ps)
                return -ENOMEM;
        ps->m = m;
        ps->loaded = kvmap_new();
        if (!ps->loaded ||
            asprintf(&ps->store_path, "%s/" PERIODIC_STATS_STORE_FILE, m->settings.state_dir) < 0) {
                ps->store_path = NULL;
                periodic_stats_free(ps);
                return -ENOMEM;
        }
        r = store_load(ps->store_path, ps->loaded, NULL);
        if (r == -EBADMSG) {
                log_warning("Ignoring damaged %s: sampling starts afresh", ps->store_path);
                kvmap_clear(ps->loaded);
        } else if (r < 0 && r != -ENOENT) {
                periodic_stats_free(ps);
                return r;
        }
        reconcile(ps);
        *ret = ps;
        return 0;
}

void periodic_stats_free(struct periodic_stats *ps)
{
        if (!ps)
                return;
        if (ps->dirty)
                (void)ps_save(ps);
        for (size_t i = 0; i < ps->n_sets; i++)
                set_free(ps->sets[i]);
        free(ps->sets);
        sd_event_source_disable_unref(ps->reconcile_source);
        sd_event_source_disable_unref(ps->save_timer);
        kvmap_free(ps->loaded);
        free(ps->store_path);
        free(ps);
}

void periodic_stats_note(struct periodic_stats *ps, const struct changed_value *values, size_t n)
{
        if (!ps)
                return;
        for (size_t i = 0; i < n; i++) {
                const char *name = values[i].name;
                bool is_param;
                size_t set_len;
                if (!startswith(name, PS_SAMPLE_SETS))
                        continue;
                const char *dot = strrchr(name, '.');
                _cleanup_free_ char *object = dot ? strndup(name, (size_t)(dot - name) + 1) : NULL;
                if (!object || !ps_parse_instance(object, &is_param, &set_len))
                        continue;
                const char *leaf = dot + 1;
                if (streq(leaf, "Status") || streq(leaf, "Failures"))
                        continue; /* signalled by this file */
                if (!is_param && streq(leaf, "ForceSample")) {
                        bool b = false;
                        struct ps_set *s = ps_find_set(ps, name, set_len);
                        if (s && s->enabled && cw_parse_bool(values[i].value, &b) >= 0 && b)
                                s->force = true;
                }
                schedule_reconcile(ps);
        }
}
