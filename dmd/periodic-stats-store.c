/* SPDX-License-Identifier: MIT */
/*
 * The periodic statistics' samples on disk (STATE_DIR/PERIODIC_STATS_STORE_FILE), one
 * record file rewritten atomically: per set and row ("PATH#field") the settings the samples
 * were taken with, whether it was collecting, the grid, the lists and the Failures count.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "path.h"
#include "periodic-stats-internal.h"
#include "store.h"

static int put(struct kvmap *map, const char *path, const char *field, const char *value)
{
        _cleanup_free_ char *key = NULL;
        if (asprintf(&key, "%s#%s", path, field) < 0)
                return -ENOMEM;
        return kvmap_set(map, key, value);
}

static int put_list(struct kvmap *map, const char *path, const char *field, const struct strv *l)
{
        _cleanup_free_ char *joined = NULL;
        int r = ps_list_join(l, &joined);
        return r < 0 ? r : put(map, path, field, joined);
}

static int put_uint(struct kvmap *map, const char *path, const char *field, uint64_t v)
{
        char buf[24];
        snprintf(buf, sizeof(buf), "%" PRIu64, v);
        return put(map, path, field, buf);
}

static const char *got(const struct kvmap *map, const char *path, const char *field)
{
        char key[DMPATH_MAX_LEN + 64];
        if ((size_t)snprintf(key, sizeof(key), "%s#%s", path, field) >= sizeof(key))
                return NULL;
        return kvmap_get(map, key);
}

static uint64_t got_uint(const struct kvmap *map, const char *path, const char *field)
{
        uint64_t v = 0;
        const char *s = got(map, path, field);
        if (s && cw_parse_uint64(s, &v) < 0)
                v = 0;
        return v;
}

/* What identifies the samples: changing it discards them. */
static char *set_fingerprint(const struct ps_set *s)
{
        char *f = NULL;
        if (asprintf(&f, "%" PRIu32 ";%s", s->interval, s->tref ? s->tref : "") < 0)
                return NULL;
        return f;
}

static char *param_fingerprint(const struct ps_param *p)
{
        char *f = NULL;
        if (asprintf(&f, "%d;%d;%s", (int)p->mode, (int)p->calc, p->reference ? p->reference : "") <
            0)
                return NULL;
        return f;
}

static int save_set(struct kvmap *map, const struct ps_set *s)
{
        _cleanup_free_ char *fp = set_fingerprint(s);
        int r = fp ? put(map, s->path, "cfg", fp) : -ENOMEM;
        if (r >= 0)
                r = put(map, s->path, "run", s->enabled ? "1" : "0");
        if (r >= 0)
                r = put_uint(map, s->path, "anchor", s->anchor_usec);
        if (r >= 0)
                r = put_uint(map, s->path, "end", s->report_end_usec);
        if (r >= 0)
                r = put_uint(map, s->path, "since", s->since_trigger);
        if (r >= 0)
                r = put_list(map, s->path, "seconds", &s->seconds);
        if (r >= 0)
                r = put_list(map, s->path, "starts", &s->starts);
        for (size_t i = 0; r >= 0 && i < s->n_params; i++) {
                const struct ps_param *p = s->params[i];
                _cleanup_free_ char *pf = param_fingerprint(p);
                r = pf ? put(map, p->path, "cfg", pf) : -ENOMEM;
                if (r >= 0)
                        r = put(map, p->path, "run", p->enabled ? "1" : "0");
                if (r >= 0)
                        r = put_list(map, p->path, "values", &p->values);
                if (r >= 0)
                        r = put_list(map, p->path, "suspect", &p->suspect);
                if (r >= 0)
                        r = put_list(map, p->path, "seconds", &p->seconds);
                if (r >= 0)
                        r = put_uint(map, p->path, "failures", p->failures);
                if (r >= 0)
                        r = put_uint(map, p->path, "range", p->range);
        }
        return r;
}

int ps_save(struct periodic_stats *ps)
{
        _cleanup_kvmap_ struct kvmap *map = kvmap_new();
        int r = map ? 0 : -ENOMEM;

        for (size_t i = 0; r >= 0 && i < ps->n_sets; i++)
                r = save_set(map, ps->sets[i]);
        if (r >= 0)
                r = store_save(ps->store_path, map);
        if (r < 0)
                return log_error_errno(r, "Failed to save %s: %m", ps->store_path);
        ps->dirty = false;
        ps->saved_usec = now_monotonic(ps);
        return 0;
}

static int on_save_timer(sd_event_source *src, uint64_t usec, void *userdata)
{
        struct periodic_stats *ps = userdata;
        ps->save_timer = sd_event_source_disable_unref(ps->save_timer);
        if (ps->dirty)
                (void)ps_save(ps);
        return 0;
}

/* Samples change at most once per interval of some set; the file is written at most once
 * per MinSampleInterval. */
void ps_mark_dirty(struct periodic_stats *ps)
{
        ps->dirty = true;
        if (ps->save_timer)
                return;
        uint64_t now = now_monotonic(ps), due = ps->saved_usec + PS_SAVE_MIN_USEC;
        if (sd_event_add_time(ps->m->event, &ps->save_timer, CLOCK_MONOTONIC,
                              ps->saved_usec && due > now ? due : now, 10000, on_save_timer,
                              ps) < 0)
                log_error("Periodic statistics: cannot arm the save timer");
}

static void restore_list(const struct kvmap *map, const char *path, const char *field,
                         struct strv *l)
{
        strv_done(l);
        if (ps_list_split(got(map, path, field), l) < 0)
                strv_done(l);
}

/* Samples found on disk for a set whose settings are those it was saved with. */
void ps_set_restore(struct ps_set *s, const struct kvmap *map, bool enabled)
{
        _cleanup_free_ char *fp = set_fingerprint(s);
        const char *cfg = got(map, s->path, "cfg");
        if (!fp || !cfg || !streq(fp, cfg))
                return;
        restore_list(map, s->path, "seconds", &s->seconds);
        restore_list(map, s->path, "starts", &s->starts);
        s->report_end_usec = got_uint(map, s->path, "end");
        s->since_trigger = (uint32_t)got_uint(map, s->path, "since");
        const char *run = got(map, s->path, "run");
        if (enabled && run && streq(run, "1")) {
                s->anchor_usec = got_uint(map, s->path, "anchor");
                s->restarted = true;
        }
}

bool ps_param_restore(struct ps_param *p, const struct kvmap *map)
{
        _cleanup_free_ char *fp = param_fingerprint(p);
        const char *cfg = got(map, p->path, "cfg");
        if (!fp || !cfg || !streq(fp, cfg))
                return false;
        restore_list(map, p->path, "values", &p->values);
        restore_list(map, p->path, "suspect", &p->suspect);
        restore_list(map, p->path, "seconds", &p->seconds);
        p->failures = (uint32_t)got_uint(map, p->path, "failures");
        uint64_t range = got_uint(map, p->path, "range");
        p->range = range <= PS_RANGE_HIGH ? (enum ps_range)range : PS_RANGE_IN;
        const char *run = got(map, p->path, "run");
        return run && streq(run, "1");
}
