/* SPDX-License-Identifier: MIT */
/*
 * The value watcher: notifications for changes nobody wrote through dmd.
 *
 * Watched are the parameters whose Notification attribute is 1 or 2 (the "a:" records of
 * dmd's store) and the forced-active ones that have no record (SoftwareVersion ...). A round
 * reads them: dmd's built-in owners at once, each running provider with one Get, in
 * parallel, through the request machinery op-get uses. When the answers are in, every value
 * that differs from the last one known goes out in ValueChanged (origin ""), and the last
 * values are kept in STATE_DIR/dmd-watch.store, so a change made while dmd was down is
 * reported by the first round after its start.
 *
 * Rounds run every SamplePeriodSec, soon after value_watch_poke() for the poked prefixes
 * only, and once shortly after start. One round runs at a time and reads at most
 * WATCH_MAX_PER_ROUND parameters (the next round goes on where it stopped); pokes that come
 * during a round are gathered into one round after it. Changes dmd itself signals (a
 * transaction, a provider's NotifyValueChanges) reach the watcher through value_watch_note()
 * and are not reported twice; while a transaction commits, rounds wait, so a value a
 * provider already applied is not mistaken for a change by somebody else.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus-api.h"
#include "bus.h"
#include "log.h"
#include "manager.h"
#include "path.h"
#include "request.h"
#include "store.h"
#include "types.h"
#include "value-watch.h"
#include "values.h"

#define WATCH_STORE_FILE     "dmd-watch.store"
#define WATCH_MAX_PER_ROUND  1024u
#define WATCH_MAX_PER_SIGNAL 256u
#define WATCH_MAX_PREFIXES   32u
#define WATCH_START_DELAY    (1500u * 1000u) /* providers register again after a restart */
#define WATCH_POKE_DELAY     (50u * 1000u)   /* gathers a burst of kernel events */
#define WATCH_TX_RETRY       (100u * 1000u)
#define WATCH_TX_WAIT_MAX    (5u * 1000u * 1000u)
#define WATCH_SAVE_INTERVAL  (30u * 1000u * 1000u)
/* ValueChanged is a signal: the first round waits (so long at most) for cwmpd to listen. */
#define WATCH_LISTENER_NAME  "io.cwmp.Agent"
#define WATCH_LISTENER_RETRY (500u * 1000u)
#define WATCH_LISTENER_WAIT  (60u * 1000u * 1000u)

struct watch_round;

struct value_watch {
        struct manager *m;
        uint64_t period_usec; /* 0: no periodic rounds */
        sd_event_source *sample_timer;
        sd_event_source *soon_timer;

        struct kvmap *last;  /* name -> last value known (what is on disk, plus news) */
        struct kvmap *noted; /* name -> sequence number of the note, until a round used it */
        struct kvmap *gone;  /* names a provider said do not exist: not asked again */
        struct strv forced;  /* parameters active by default (no "{i}" in their path) */
        /* forcedInform and forceEnabled: cwmpd compares them at every Inform itself, so the
         * first round after start takes their values without reporting them twice. */
        struct strv checked_by_cwmpd;
        bool started;        /* the first full round ran */
        bool listener_seen;  /* cwmpd is on the bus, or we waited long enough */
        bool asking;         /* NameHasOwner in flight */
        bool listener_retry; /* ask again at the next timer */
        /* Changes found before cwmpd listens: name -> value, and name -> type. */
        struct kvmap *held, *held_types;
        uint64_t created_usec;
        char *store_path;
        bool dirty;
        uint64_t saved_usec;
        uint64_t seq;

        /* What the next round reads: everything, or the poked prefixes. */
        bool full_due;
        struct strv prefixes;
        char *cursor; /* a full round that hit the bound goes on after this name */
        uint64_t tx_wait_since;

        struct watch_round *round; /* in flight */
};

struct watch_round {
        struct request req;
        struct value_watch *w; /* NULL once the watcher is gone */
        bool first;            /* the first round after start */
        uint64_t seq;          /* w->seq when the round started */
        struct value_item *items;
        size_t n_items;
};

static uint64_t now_usec(struct value_watch *w)
{
        uint64_t now = 0;
        (void)sd_event_now(w->m->event, CLOCK_MONOTONIC, &now);
        return now;
}

/* ---- what is watched ------------------------------------------------------------- */

static void collect_forced(const struct schema_node *n, struct value_watch *w, int *r)
{
        for (; n && *r >= 0; n = n->next_sibling) {
                if (n->is_object) {
                        /* Instances of tables are known only through their attributes. */
                        if (!n->multi_instance)
                                collect_forced(n->first_child, w, r);
                        continue;
                }
                if (n->notify_rule == SCHEMA_NOTIFY_FORCE_ENABLED ||
                    n->notify_rule == SCHEMA_NOTIFY_FORCE_DEFAULT_ENABLED)
                        *r = strv_push(&w->forced, n->path);
                if (*r >= 0 && n->forced_inform && n->notify_rule == SCHEMA_NOTIFY_FORCE_ENABLED)
                        *r = strv_push(&w->checked_by_cwmpd, n->path);
        }
}

static bool in_strv(const struct strv *s, const char *name)
{
        for (size_t i = 0; i < s->n; i++)
                if (streq(s->v[i], name))
                        return true;
        return false;
}

static bool under_prefixes(const struct strv *prefixes, const char *name)
{
        for (size_t i = 0; i < prefixes->n; i++)
                if (startswith(name, prefixes->v[i]))
                        return true;
        return false;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names a round reads, sorted: attribute records with 1 or 2, forced ones without a
 * record. With prefixes, only those under them. */
static int watched_names(struct value_watch *w, const struct strv *prefixes, struct strv *out)
{
        const struct state *st = &w->m->state;
        const char *key, *value;
        int r = 0;

        kvmap_foreach (st->map, i, key, value) {
                if (!startswith(key, "a:") || (value[0] != '1' && value[0] != '2') ||
                    (value[1] != '\0' && value[1] != ';'))
                        continue;
                if (prefixes && !under_prefixes(prefixes, key + 2))
                        continue;
                if (kvmap_get(w->gone, key + 2))
                        continue;
                r = strv_push(out, key + 2);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < w->forced.n; i++) {
                bool present;
                uint32_t notification;
                _cleanup_free_ char *acl = NULL;
                const char *name = w->forced.v[i];
                if (prefixes && !under_prefixes(prefixes, name))
                        continue;
                r = state_get_attributes(st, name, &present, &notification, &acl);
                if (r < 0)
                        return r;
                if (present)
                        continue; /* counted above if it is 1 or 2 */
                r = strv_push(out, name);
                if (r < 0)
                        return r;
        }
        if (out->n > 1)
                qsort(out->v, out->n, sizeof(char *), cmp_str);
        return 0;
}

/* Drops the last values of parameters no longer watched, so that watching one again later
 * starts from its value then, not from an old one. */
static int forget_unwatched(struct value_watch *w, const struct strv *watched)
{
        _cleanup_free_ const char **keys = NULL;
        size_t n;
        int r = kvmap_sorted_keys(w->last, &keys, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                const char *k = keys[i];
                if (bsearch(&k, watched->v, watched->n, sizeof(char *), cmp_str))
                        continue;
                _cleanup_free_ char *copy = strdup(k);
                if (!copy)
                        return -ENOMEM;
                (void)kvmap_remove(w->last, copy);
                w->dirty = true;
        }
        return 0;
}

/* ---- the store of last values ----------------------------------------------------- */

static int watch_save(struct value_watch *w)
{
        int r = store_save(w->store_path, w->last);
        if (r < 0)
                return log_error_errno(r, "Failed to save %s: %m", w->store_path);
        w->dirty = false;
        w->saved_usec = now_usec(w);
        return 0;
}

static void maybe_save(struct value_watch *w)
{
        if (w->dirty && (w->saved_usec == 0 || now_usec(w) - w->saved_usec >= WATCH_SAVE_INTERVAL))
                (void)watch_save(w);
}

/* ---- a round --------------------------------------------------------------------- */

static void schedule_soon(struct value_watch *w, uint64_t delay);

static void round_destroy(struct request *r)
{
        struct watch_round *round = (struct watch_round *)r;
        value_items_free(round->items, round->n_items);
        free(round);
}

/* Compares one fresh value with the last known; appends it to changes if it differs. */
static int judge(struct value_watch *w, struct watch_round *round, struct value_item *item,
                 struct changed_value *changes, size_t *n_changes)
{
        const char *noted = kvmap_get(w->noted, item->name);
        uint64_t noted_seq = 0;
        if (noted && cw_parse_uint64(noted, &noted_seq) >= 0 && noted_seq > round->seq)
                return 0; /* dmd signalled a newer value while we read: that one counts */
        if (noted) {
                (void)kvmap_remove(w->noted, item->name);
                /* A hidden value was signalled as "": take what it is now silently. */
                if (item->node->hidden)
                        return kvmap_set(w->last, item->name, item->value) < 0 ? -ENOMEM : 0;
        }

        const char *last = kvmap_get(w->last, item->name);
        if (last && streq(last, item->value))
                return 0;
        bool first = !last; /* newly watched: its value now is the reference */
        int r = kvmap_set(w->last, item->name, item->value);
        if (r < 0)
                return r;
        w->dirty = true;
        if (first || (round->first && in_strv(&w->checked_by_cwmpd, item->name)))
                return 0;
        changes[(*n_changes)++] = (struct changed_value){
                .name = item->name,
                .type = manager_type_name(item->node),
                .value = item->node->hidden ? "" : item->value,
        };
        return 0;
}

static void emit(struct value_watch *w, const struct changed_value *changes, size_t n_changes)
{
        for (size_t i = 0; i < n_changes; i += WATCH_MAX_PER_SIGNAL) {
                size_t n =
                        n_changes - i < WATCH_MAX_PER_SIGNAL ? n_changes - i : WATCH_MAX_PER_SIGNAL;
                int r = bus_api_emit_value_changed(w->m, changes + i, n, "");
                if (r < 0)
                        log_error_errno(r, "Failed to signal value changes: %m");
        }
}

static void ask_listener(struct value_watch *w);

/* ValueChanged is a signal: changes found before cwmpd listens wait for it. */
static void emit_or_hold(struct value_watch *w, const struct changed_value *changes, size_t n)
{
        if (w->listener_seen) {
                emit(w, changes, n);
                return;
        }
        for (size_t i = 0; i < n; i++)
                if (kvmap_set(w->held, changes[i].name, changes[i].value) < 0 ||
                    kvmap_set(w->held_types, changes[i].name, changes[i].type) < 0)
                        log_error("Value watch: out of memory, a change is lost");
        ask_listener(w);
}

static void release_held(struct value_watch *w)
{
        /* Signalling them passes them to value_watch_note(), which edits w->held: emit from
         * maps of our own. */
        _cleanup_kvmap_ struct kvmap *held = w->held, *types = w->held_types;
        size_t n = kvmap_size(held), k = 0;
        const char *name, *value;

        w->held = kvmap_new();
        w->held_types = kvmap_new();
        if (!w->held || !w->held_types) {
                /* Keep the old maps: nothing can be held or signalled without memory. */
                kvmap_free(w->held);
                kvmap_free(w->held_types);
                w->held = TAKE_PTR(held);
                w->held_types = TAKE_PTR(types);
                log_error("Value watch: out of memory, held changes wait");
                return;
        }
        if (n == 0)
                return;
        _cleanup_free_ struct changed_value *v = calloc(n, sizeof(*v));
        if (!v) {
                log_error("Value watch: out of memory, %zu change(s) lost", n);
                return;
        }
        kvmap_foreach (held, i, name, value) {
                const char *type = kvmap_get(types, name);
                v[k++] = (struct changed_value){
                        .name = name, .type = type ? type : "string", .value = value};
        }
        emit(w, v, k);
}

static void round_done(struct request *r)
{
        struct watch_round *round = (struct watch_round *)r;
        struct value_watch *w = round->w;
        _cleanup_free_ struct changed_value *changes = NULL;
        size_t n_changes = 0;
        int ret = 0;

        if (!w)
                return;
        w->round = NULL;
        changes = calloc(round->n_items ? round->n_items : 1, sizeof(*changes));
        if (!changes)
                ret = -ENOMEM;
        /* A provider that refused names the parameters it does not have: those are gone for
         * good (instance numbers are never reused), the rest of its answer is retried. */
        for (size_t i = 0; ret >= 0 && i < r->fault.n_params; i++) {
                const struct fault_param *p = &r->fault.params[i];
                if (p->name && p->code == CWMP_FAULT_INVALID_PARAMETER_NAME) {
                        ret = kvmap_set(w->gone, p->name, "");
                        if (ret >= 0 && kvmap_get(w->last, p->name)) {
                                (void)kvmap_remove(w->last, p->name);
                                w->dirty = true;
                        }
                }
        }
        if (request_failed(r))
                log_debug("Value watch: %s", r->fault.message ? r->fault.message : "a read failed");
        for (size_t i = 0; ret >= 0 && i < round->n_items; i++)
                if (round->items[i].value)
                        ret = judge(w, round, &round->items[i], changes, &n_changes);
        if (ret < 0) {
                log_error_errno(ret, "Value watch: %m");
                return;
        }
        if (n_changes > 0)
                emit_or_hold(w, changes, n_changes);
        log_debug("Value watch: read %zu value(s), %zu change(s)", round->n_items, n_changes);
        maybe_save(w);
        if (w->full_due || w->prefixes.n > 0 || w->cursor)
                schedule_soon(w, WATCH_POKE_DELAY);
}

/* Reads one parameter of a built-in owner now. 0 with item->value set, or 0 without it
 * when the parameter does not exist (any more). */
static int read_local(struct value_watch *w, struct value_item *item)
{
        int r = values_get_local(w->m, item->owner, item->node, item->name, &item->value);
        if (r == -ENOENT || r == -ENODATA) {
                item->value = NULL;
                if (kvmap_get(w->last, item->name)) {
                        (void)kvmap_remove(w->last, item->name);
                        w->dirty = true;
                }
                return 0;
        }
        if (r < 0)
                item->value = NULL;
        return r == -ENOMEM ? r : 0;
}

static int round_add(struct value_watch *w, struct watch_round *round, const char *name,
                     struct value_item *remote, size_t *n_remote)
{
        struct value_item item;
        int r = value_item_init(w->m, name, &item);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return 0; /* a stored name the model no longer has: nothing to read */
        struct owner *o = item.owner;
        if (o->kind == OWNER_REMOTE && !o->online) {
                free(item.name);
                return 0; /* its last value waits for it */
        }
        if (o->kind == OWNER_LOCAL) {
                r = read_local(w, &item);
                if (r < 0 || !item.value) {
                        free(item.name);
                        return r;
                }
                round->items[round->n_items++] = item;
                return 0;
        }
        remote[(*n_remote)++] = item;
        return 0;
}

static bool transaction_running(struct manager *m)
{
        return m->tx_current || m->tx_recovery;
}

static int round_start(struct value_watch *w)
{
        _cleanup_(strv_done) struct strv names = {};
        struct strv prefixes = {};
        /* The first full round waits a moment for the providers to register again; pokes
         * are served meanwhile. */
        uint64_t since = now_usec(w) - w->created_usec;
        bool early = !w->started && since < WATCH_START_DELAY;
        bool full = (w->full_due && !early) || w->cursor;
        int r;

        if (!full && w->prefixes.n == 0) {
                if (w->full_due)
                        schedule_soon(w, WATCH_START_DELAY - since);
                return 0;
        }

        /* Full rounds take the prefixes' work too. */
        if (!full)
                prefixes = w->prefixes;
        r = watched_names(w, full ? NULL : &prefixes, &names);
        if (r < 0)
                return r;
        if (full && !w->cursor) {
                r = forget_unwatched(w, &names);
                if (r < 0)
                        return r;
        }

        /* Where a bounded full round goes on. */
        size_t start = 0;
        if (full && w->cursor)
                while (start < names.n && strcmp(names.v[start], w->cursor) <= 0)
                        start++;
        size_t end = names.n - start > WATCH_MAX_PER_ROUND ? start + WATCH_MAX_PER_ROUND : names.n;

        struct watch_round *round = calloc(1, sizeof(*round));
        if (!round)
                return -ENOMEM;
        request_init(&round->req, w->m, NULL, round_destroy);
        round->w = w;
        round->seq = w->seq;
        round->first = !w->started;
        if (full)
                w->started = true;
        size_t n = end - start;
        round->items = calloc(n ? n : 1, sizeof(*round->items));
        _cleanup_free_ struct value_item *remote = calloc(n ? n : 1, sizeof(*remote));
        size_t n_remote = 0;
        if (!round->items || !remote) {
                request_unref(&round->req);
                return -ENOMEM;
        }
        for (size_t i = start; r >= 0 && i < end; i++)
                r = round_add(w, round, names.v[i], remote, &n_remote);
        if (r < 0) {
                value_items_free(remote, n_remote);
                remote = NULL;
                request_unref(&round->req);
                return r;
        }

        /* This round's share of the work is taken. */
        free(w->cursor);
        w->cursor = NULL;
        if (full && end < names.n) {
                w->cursor = strdup(names.v[end - 1]);
                if (!w->cursor) {
                        value_items_free(remote, n_remote);
                        remote = NULL;
                        request_unref(&round->req);
                        return -ENOMEM;
                }
        }
        if (full)
                w->full_due = false;
        if (full || prefixes.n > 0) {
                strv_done(&w->prefixes);
        }

        /* Providers' values go after the local ones, in the same array, which stays in place
         * until round_done. */
        size_t first_remote = round->n_items;
        memcpy(round->items + first_remote, remote, n_remote * sizeof(*remote));
        round->n_items += n_remote;
        w->round = round;
        r = values_fetch(&round->req, round->items + first_remote, n_remote);
        if (r < 0)
                request_fail(&round->req, CWMP_FAULT_RESOURCES_EXCEEDED, "Out of memory");
        request_continue(&round->req, round_done);
        request_unref(&round->req);
        return 0;
}

static void on_name_has_owner(DBusMessage *reply, void *userdata)
{
        struct value_watch *w = userdata;
        dbus_bool_t has = FALSE;

        w->asking = false;
        if (dbus_message_get_type(reply) != DBUS_MESSAGE_TYPE_ERROR)
                (void)dbus_message_get_args(reply, NULL, DBUS_TYPE_BOOLEAN, &has,
                                            DBUS_TYPE_INVALID);
        if (has || now_usec(w) - w->created_usec >= WATCH_LISTENER_WAIT) {
                w->listener_seen = true;
                release_held(w);
                return;
        }
        w->listener_retry = true;
        schedule_soon(w, WATCH_LISTENER_RETRY);
}

/* Asks the bus, without blocking, whether cwmpd is there to hear the held changes. */
static void ask_listener(struct value_watch *w)
{
        if (w->listener_seen || w->asking)
                return;
        _cleanup_dbus_message_ DBusMessage *call = dbus_message_new_method_call(
                DBUS_SERVICE_DBUS, DBUS_PATH_DBUS, DBUS_INTERFACE_DBUS, "NameHasOwner");
        const char *name = WATCH_LISTENER_NAME;
        if (!call || !dbus_message_append_args(call, DBUS_TYPE_STRING, &name, DBUS_TYPE_INVALID) ||
            bus_call_async(w->m->bus, call, 5000, on_name_has_owner, w, NULL) < 0) {
                w->listener_seen = true; /* cannot ask: go on */
                release_held(w);
                return;
        }
        w->asking = true;
}

static int on_soon(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct value_watch *w = userdata;
        int r;

        w->soon_timer = sd_event_source_disable_unref(w->soon_timer);
        if (w->listener_retry) {
                w->listener_retry = false;
                ask_listener(w);
        }
        if (w->round)
                return 0; /* round_done schedules the next */
        if (transaction_running(w->m)) {
                uint64_t now = now_usec(w);
                if (w->tx_wait_since == 0)
                        w->tx_wait_since = now;
                if (now - w->tx_wait_since < WATCH_TX_WAIT_MAX) {
                        schedule_soon(w, WATCH_TX_RETRY);
                        return 0;
                }
        }
        w->tx_wait_since = 0;
        r = round_start(w);
        if (r < 0) {
                log_error_errno(r, "Value watch: cannot start a round: %m");
                strv_done(&w->prefixes);
        }
        return 0;
}

static void schedule_soon(struct value_watch *w, uint64_t delay)
{
        if (w->soon_timer) {
                /* Armed for later (the start, a retry): sooner wins. */
                uint64_t when, now = now_usec(w);
                if (sd_event_source_get_time(w->soon_timer, &when) >= 0 && when > now + delay)
                        (void)sd_event_source_set_time(w->soon_timer, now + delay);
                return;
        }
        if (sd_event_add_time_relative(w->m->event, &w->soon_timer, CLOCK_MONOTONIC, delay, 10000,
                                       on_soon, w) < 0)
                log_error("Value watch: cannot arm a timer");
}

static int on_sample(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct value_watch *w = userdata;
        (void)sd_event_source_set_time(s, usec + w->period_usec);
        w->full_due = true;
        schedule_soon(w, 0);
        return 0;
}

/* ---- the interface --------------------------------------------------------------- */

int value_watch_new(struct manager *m, struct value_watch **ret)
{
        struct value_watch *w = calloc(1, sizeof(*w));
        int r;

        if (!w)
                return -ENOMEM;
        w->m = m;
        w->created_usec = now_usec(w);
        w->period_usec = (uint64_t)m->settings.notification_sample_period_sec * 1000000u;
        w->last = kvmap_new();
        w->noted = kvmap_new();
        w->gone = kvmap_new();
        w->held = kvmap_new();
        w->held_types = kvmap_new();
        if (!w->last || !w->noted || !w->gone || !w->held || !w->held_types ||
            asprintf(&w->store_path, "%s/" WATCH_STORE_FILE, m->settings.state_dir) < 0) {
                w->store_path = NULL;
                r = -ENOMEM;
                goto fail;
        }
        r = 0;
        collect_forced(schema_root(m->schema), w, &r);
        if (r < 0)
                goto fail;
        r = store_load(w->store_path, w->last, NULL);
        if (r == -ENOENT)
                r = 0;
        if (r == -EBADMSG) {
                /* Only notifications of changes made while dmd was down are lost. */
                log_warning("Ignoring damaged %s: values are watched afresh", w->store_path);
                kvmap_clear(w->last);
                r = 0;
        }
        if (r < 0)
                goto fail;

        if (w->period_usec > 0) {
                r = sd_event_add_time_relative(m->event, &w->sample_timer, CLOCK_MONOTONIC,
                                               w->period_usec, 100000, on_sample, w);
                if (r < 0)
                        goto fail;
                r = sd_event_source_set_enabled(w->sample_timer, SD_EVENT_ON);
                if (r < 0)
                        goto fail;
        }
        /* One round soon after start, whatever the period: changes made while dmd was down. */
        w->full_due = true;
        r = sd_event_add_time_relative(m->event, &w->soon_timer, CLOCK_MONOTONIC, WATCH_START_DELAY,
                                       10000, on_soon, w);
        if (r < 0)
                goto fail;
        *ret = w;
        return 0;
fail:
        value_watch_free(w);
        return r;
}

void value_watch_free(struct value_watch *w)
{
        if (!w)
                return;
        if (w->round)
                w->round->w = NULL; /* its answers find nobody */
        if (w->dirty)
                (void)watch_save(w);
        sd_event_source_disable_unref(w->sample_timer);
        sd_event_source_disable_unref(w->soon_timer);
        kvmap_free(w->last);
        kvmap_free(w->noted);
        kvmap_free(w->gone);
        kvmap_free(w->held);
        kvmap_free(w->held_types);
        strv_done(&w->forced);
        strv_done(&w->checked_by_cwmpd);
        strv_done(&w->prefixes);
        free(w->cursor);
        free(w->store_path);
        free(w);
}

void value_watch_poke(struct value_watch *w, const char *prefix)
{
        if (!w)
                return;
        {
                bool known = false;
                for (size_t i = 0; i < w->prefixes.n && !known; i++)
                        known = startswith(prefix, w->prefixes.v[i]);
                /* Too many places at once: read everything, once. */
                if (!known &&
                    (w->prefixes.n >= WATCH_MAX_PREFIXES || strv_push(&w->prefixes, prefix) < 0)) {
                        strv_done(&w->prefixes);
                        w->full_due = true;
                }
        }
        if (!w->round)
                schedule_soon(w, WATCH_POKE_DELAY);
}

void value_watch_note(struct value_watch *w, const struct changed_value *values, size_t n)
{
        char seq[24];

        if (!w)
                return;
        snprintf(seq, sizeof(seq), "%" PRIu64, ++w->seq);
        for (size_t i = 0; i < n; i++) {
                /* Only what is watched has a last value worth keeping. */
                if (!kvmap_get(w->last, values[i].name))
                        continue;
                (void)kvmap_remove(w->held, values[i].name);
                if (kvmap_set(w->last, values[i].name, values[i].value) < 0 ||
                    kvmap_set(w->noted, values[i].name, seq) < 0) {
                        /* Without the note the next round may report it once more. */
                        (void)kvmap_remove(w->noted, values[i].name);
                        continue;
                }
                w->dirty = true;
        }
        maybe_save(w);
}
