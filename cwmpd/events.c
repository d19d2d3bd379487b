/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "events.h"
#include "kvmap.h"
#include "store.h"
#include "util.h"

/*
 * The queue lives in memory as an array in arrival order and on disk as one store file:
 *     next-seq              <next sequence number>
 *     event.<seq>.code      "7 TRANSFER COMPLETE"
 *     event.<seq>.command-key
 *     event.<seq>.producer-key
 *     retired.<n>           a producer key whose event left the queue (n orders them)
 * Every change builds the next queue beside the current one, saves it and only then makes
 * it current, so a failed write leaves the queue as it was.
 *
 * "sent" describes the Inform in progress, which does not outlive the process: it is not
 * stored, and a loaded queue has nothing sent.
 *
 * Producer keys of events that left the queue (delivered, dropped, merged into an equal
 * event) are remembered, the newest EVENTS_MAX of them, so a producer that retries a
 * hand-off whose acknowledgement it missed does not queue the event a second time.
 */

#define EVENTS_FILE      "events.store"
#define EVENT_CODE_MAX   64  /* EventCode is string(64) */
#define COMMAND_KEY_MAX  32  /* CommandKey is string(32), in characters */
#define PRODUCER_KEY_MAX 256 /* bytes */
#define RETIRED_KEYS_MAX EVENTS_MAX

enum event_kind {
        EVENT_NUMBERED, /* "N NAME": single */
        EVENT_METHOD,   /* "M Method": one per CommandKey */
        EVENT_VENDOR,   /* "X OUI name": one per CommandKey */
};

static const char *const event_names[] = {
        [0] = "BOOTSTRAP",
        [1] = "BOOT",
        [2] = "PERIODIC",
        [3] = "SCHEDULED",
        [4] = "VALUE CHANGE",
        [5] = "KICKED",
        [6] = "CONNECTION REQUEST",
        [7] = "TRANSFER COMPLETE",
        [8] = "DIAGNOSTICS COMPLETE",
        [9] = "REQUEST DOWNLOAD",
        [10] = "AUTONOMOUS TRANSFER COMPLETE",
        [11] = "DU STATE CHANGE COMPLETE",
        [12] = "AUTONOMOUS DU STATE CHANGE COMPLETE",
        [13] = "WAKEUP",
        [14] = "HEARTBEAT",
};

/* Events whose follow-up RPC must be acknowledged before they go, and their M partners. */
static const char *const until_acknowledged[] = {
        "7 TRANSFER COMPLETE",
        "10 AUTONOMOUS TRANSFER COMPLETE",
        "11 DU STATE CHANGE COMPLETE",
        "12 AUTONOMOUS DU STATE CHANGE COMPLETE",
        "M Download",
        "M Upload",
        "M ScheduleDownload",
        "M ChangeDUState",
};

static const struct {
        const char *code;
        const char *partner;
} partners[] = {
        {"7 TRANSFER COMPLETE", "M Download"},
        {"7 TRANSFER COMPLETE", "M Upload"},
        {"7 TRANSFER COMPLETE", "M ScheduleDownload"},
        {"11 DU STATE CHANGE COMPLETE", "M ChangeDUState"},
};

static const char *const not_retried[] = {"6 CONNECTION REQUEST", "14 HEARTBEAT"};
static const char *const lost_at_reboot[] = {"1 BOOT", "4 VALUE CHANGE", "6 CONNECTION REQUEST",
                                             "8 DIAGNOSTICS COMPLETE", "14 HEARTBEAT"};

struct queue {
        struct event *v;
        size_t n;
        uint64_t next_seq;
        struct strv retired; /* oldest first */
};

struct events {
        char *dir;
        char *path;
        struct queue cur;
};

static bool code_in(const char *code, const char *const *list, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (streq(code, list[i]))
                        return true;
        return false;
}
#define CODE_IN(code, list) code_in((code), (list), ELEMENTSOF(list))

static bool is_graph(char c)
{
        return c > ' ' && c < 0x7f;
}

static bool is_print(char c)
{
        return c >= ' ' && c < 0x7f;
}

/* TR-069 A.3.3.1 and the CWMP schema's EventCodeType: "N NAME" for the numbers and names
 * of the standard events, "M \S+", "X [0-9A-F]{6} .+" and "X \S+ .+". */
static int event_code_parse(const char *code, enum event_kind *ret_kind, int *ret_number)
{
        size_t len;

        if (!code)
                return -EINVAL;
        len = strlen(code);
        if (len < 3 || len > EVENT_CODE_MAX)
                return -EINVAL;

        if (code[0] >= '0' && code[0] <= '9') {
                for (size_t i = 0; i < ELEMENTSOF(event_names); i++) {
                        char expected[EVENT_CODE_MAX + 1];
                        snprintf(expected, sizeof(expected), "%zu %s", i, event_names[i]);
                        if (streq(code, expected)) {
                                *ret_kind = EVENT_NUMBERED;
                                *ret_number = (int)i;
                                return 0;
                        }
                }
                return -EINVAL;
        }
        if (code[1] != ' ')
                return -EINVAL;
        if (code[0] == 'M') {
                for (const char *p = code + 2; *p; p++)
                        if (!is_graph(*p))
                                return -EINVAL;
                *ret_kind = EVENT_METHOD;
                *ret_number = -1;
                return 0;
        }
        if (code[0] == 'X') {
                const char *p = code + 2, *token = p;
                while (is_graph(*p))
                        p++;
                if (p == token || *p != ' ' || p[1] == '\0')
                        return -EINVAL;
                for (p++; *p; p++)
                        if (!is_print(*p))
                                return -EINVAL;
                *ret_kind = EVENT_VENDOR;
                *ret_number = -1;
                return 0;
        }
        return -EINVAL;
}

static int check_event(const char *code, const char *command_key, const char *producer_key,
                       enum event_kind *ret_kind)
{
        enum event_kind kind;
        int number, r;

        r = event_code_parse(code, &kind, &number);
        if (r < 0)
                return r;
        if (kind == EVENT_NUMBERED && *command_key)
                return -EINVAL; /* the key of a transfer rides on its "M" event */
        if (utf8_length(command_key) > COMMAND_KEY_MAX || strlen(producer_key) > PRODUCER_KEY_MAX)
                return -EINVAL;
        if (ret_kind)
                *ret_kind = kind;
        return 0;
}

/* ---- the in-memory queue ---- */

static void event_done(struct event *e)
{
        free(e->code);
        free(e->command_key);
        free(e->producer_key);
        *e = (struct event){};
}

static void queue_done(struct queue *q)
{
        for (size_t i = 0; i < q->n; i++)
                event_done(&q->v[i]);
        free(q->v);
        strv_done(&q->retired);
        *q = (struct queue){};
}

/* Appends a copy; the array has room for EVENTS_MAX entries. */
static int queue_append(struct queue *q, const char *code, const char *command_key,
                        const char *producer_key, uint64_t seq, bool sent)
{
        struct event e = {
                .code = strdup(code),
                .command_key = strdup(command_key),
                .producer_key = strdup(producer_key),
                .seq = seq,
                .sent = sent,
        };

        if (!e.code || !e.command_key || !e.producer_key) {
                event_done(&e);
                return -ENOMEM;
        }
        if (!q->v) {
                q->v = calloc(EVENTS_MAX, sizeof(*q->v));
                if (!q->v) {
                        event_done(&e);
                        return -ENOMEM;
                }
        }
        if (q->n >= EVENTS_MAX) {
                event_done(&e);
                return -ENOBUFS;
        }
        q->v[q->n++] = e;
        return 0;
}

static int queue_copy(const struct queue *from, struct queue *to)
{
        int r;

        *to = (struct queue){.next_seq = from->next_seq};
        for (size_t i = 0; i < from->n; i++) {
                const struct event *e = &from->v[i];
                r = queue_append(to, e->code, e->command_key, e->producer_key, e->seq, e->sent);
                if (r < 0)
                        goto fail;
        }
        for (size_t i = 0; i < from->retired.n; i++) {
                r = strv_push(&to->retired, from->retired.v[i]);
                if (r < 0)
                        goto fail;
        }
        return 0;
fail:
        queue_done(to);
        return r;
}

static bool queue_knows_producer_key(const struct queue *q, const char *producer_key)
{
        if (!*producer_key)
                return false;
        for (size_t i = 0; i < q->n; i++)
                if (streq(q->v[i].producer_key, producer_key))
                        return true;
        for (size_t i = 0; i < q->retired.n; i++)
                if (streq(q->retired.v[i], producer_key))
                        return true;
        return false;
}

static int queue_retire_key(struct queue *q, const char *producer_key)
{
        int r;

        if (!*producer_key)
                return 0;
        r = strv_push(&q->retired, producer_key);
        if (r < 0)
                return r;
        if (q->retired.n > RETIRED_KEYS_MAX) {
                free(q->retired.v[0]);
                memmove(q->retired.v, q->retired.v + 1, q->retired.n * sizeof(char *));
                q->retired.n--;
        }
        return 0;
}

/* Removes event i, remembering its producer key. */
static int queue_remove(struct queue *q, size_t i)
{
        int r = queue_retire_key(q, q->v[i].producer_key);
        if (r < 0)
                return r;
        event_done(&q->v[i]);
        memmove(q->v + i, q->v + i + 1, (q->n - i - 1) * sizeof(*q->v));
        q->n--;
        return 0;
}

static ssize_t queue_find(const struct queue *q, const char *code, const char *command_key)
{
        for (size_t i = 0; i < q->n; i++)
                if (streq(q->v[i].code, code) &&
                    (!command_key || streq(q->v[i].command_key, command_key)))
                        return (ssize_t)i;
        return -1;
}

/* ---- the store file ---- */

static int queue_to_kvmap(const struct queue *q, struct kvmap *m)
{
        char key[64], value[32];
        int r;

        snprintf(value, sizeof(value), "%" PRIu64, q->next_seq);
        r = kvmap_set(m, "next-seq", value);
        for (size_t i = 0; r >= 0 && i < q->n; i++) {
                const struct event *e = &q->v[i];
                snprintf(key, sizeof(key), "event.%" PRIu64 ".code", e->seq);
                r = kvmap_set(m, key, e->code);
                if (r < 0)
                        break;
                snprintf(key, sizeof(key), "event.%" PRIu64 ".command-key", e->seq);
                r = kvmap_set(m, key, e->command_key);
                if (r < 0)
                        break;
                snprintf(key, sizeof(key), "event.%" PRIu64 ".producer-key", e->seq);
                r = kvmap_set(m, key, e->producer_key);
        }
        for (size_t i = 0; r >= 0 && i < q->retired.n; i++) {
                snprintf(key, sizeof(key), "retired.%zu", i);
                r = kvmap_set(m, key, q->retired.v[i]);
        }
        return r < 0 ? r : 0;
}

static int queue_save(const struct events *ev, const struct queue *q)
{
        _cleanup_kvmap_ struct kvmap *m = kvmap_new();
        int r;

        if (!m)
                return -ENOMEM;
        r = queue_to_kvmap(q, m);
        if (r < 0)
                return r;
        r = store_mkdir_p(ev->dir);
        if (r < 0)
                return r;
        return store_save(ev->path, m);
}

static int parse_u64(const char *s, uint64_t *ret)
{
        char *end;

        if (!s || *s < '0' || *s > '9')
                return -EBADMSG;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno != 0 || *end)
                return -EBADMSG;
        *ret = v;
        return 0;
}

static int compare_seq(const void *a, const void *b)
{
        const struct event *x = a, *y = b;
        return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The records of one event: "event.<seq>.code" names it, the other two fields must exist. */
static int load_event(const struct kvmap *m, const char *code_key, struct queue *q)
{
        char seq_text[32], key[64];
        const char *dot, *command_key, *producer_key, *code = kvmap_get(m, code_key);
        uint64_t seq;
        size_t len;
        int r;

        dot = strchr(code_key + strlen("event."), '.');
        len = dot ? (size_t)(dot - (code_key + strlen("event."))) : 0;
        if (len == 0 || len >= sizeof(seq_text))
                return -EBADMSG;
        memcpy(seq_text, code_key + strlen("event."), len);
        seq_text[len] = '\0';
        r = parse_u64(seq_text, &seq);
        if (r < 0 || seq >= q->next_seq)
                return -EBADMSG;
        snprintf(key, sizeof(key), "event.%" PRIu64 ".command-key", seq);
        command_key = kvmap_get(m, key);
        snprintf(key, sizeof(key), "event.%" PRIu64 ".producer-key", seq);
        producer_key = kvmap_get(m, key);
        if (!command_key || !producer_key || check_event(code, command_key, producer_key, NULL) < 0)
                return -EBADMSG;
        if (q->n >= EVENTS_MAX)
                return -EBADMSG; /* more than the queue ever holds */
        return queue_append(q, code, command_key, producer_key, seq, false);
}

static int queue_load(const char *path, struct queue *q)
{
        _cleanup_kvmap_ struct kvmap *m = kvmap_new();
        _cleanup_free_ const char **keys = NULL;
        size_t n_keys, n_fields = 0, n_retired = 0;
        int r;

        if (!m)
                return -ENOMEM;
        r = store_load(path, m, NULL);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        r = parse_u64(kvmap_get(m, "next-seq"), &q->next_seq);
        if (r < 0)
                return r;
        r = kvmap_sorted_keys(m, &keys, &n_keys);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n_keys; i++) {
                const char *k = keys[i];
                if (streq(k, "next-seq"))
                        continue;
                if (startswith(k, "retired.")) {
                        n_retired++;
                        continue;
                }
                if (!startswith(k, "event."))
                        return -EBADMSG;
                n_fields++;
                if (strlen(k) <= strlen(".code") ||
                    !streq(k + strlen(k) - strlen(".code"), ".code"))
                        continue;
                r = load_event(m, k, q);
                if (r < 0)
                        return r;
        }
        /* every field belongs to an event, and no event is there twice */
        if (n_fields != 3 * q->n || n_retired > RETIRED_KEYS_MAX)
                return -EBADMSG;
        if (q->n > 1)
                qsort(q->v, q->n, sizeof(*q->v), compare_seq);
        for (size_t i = 0; i < q->n; i++) {
                enum event_kind kind;
                int number;
                (void)event_code_parse(q->v[i].code, &kind, &number);
                for (size_t j = 0; j < i; j++)
                        if (streq(q->v[j].code, q->v[i].code) &&
                            (kind == EVENT_NUMBERED ||
                             streq(q->v[j].command_key, q->v[i].command_key)))
                                return -EBADMSG;
        }
        for (size_t i = 0; i < n_retired; i++) {
                char key[32];
                const char *value;
                snprintf(key, sizeof(key), "retired.%zu", i);
                value = kvmap_get(m, key);
                if (!value || !*value || strlen(value) > PRODUCER_KEY_MAX)
                        return -EBADMSG;
                r = strv_push(&q->retired, value);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Saves next and makes it current; on failure the current queue stays and next is freed. */
static int events_commit(struct events *ev, struct queue *next)
{
        int r = queue_save(ev, next);
        if (r < 0) {
                queue_done(next);
                return r;
        }
        queue_done(&ev->cur);
        ev->cur = *next;
        *next = (struct queue){};
        return 0;
}

/* ---- the API ---- */

int events_open(const char *state_dir, struct events **ret)
{
        struct events *ev;
        int r;

        if (!state_dir || !ret)
                return -EINVAL;
        ev = calloc(1, sizeof(*ev));
        if (!ev)
                return -ENOMEM;
        ev->dir = strdup(state_dir);
        if (!ev->dir || asprintf(&ev->path, "%s/%s", state_dir, EVENTS_FILE) < 0) {
                ev->path = NULL;
                events_free(ev);
                return -ENOMEM;
        }
        r = queue_load(ev->path, &ev->cur);
        if (r < 0) {
                events_free(ev);
                return r == -EFBIG ? -EBADMSG : r; /* no queue is that big */
        }
        *ret = ev;
        return 0;
}

void events_free(struct events *q)
{
        if (!q)
                return;
        queue_done(&q->cur);
        free(q->dir);
        free(q->path);
        free(q);
}

/* Makes room for one more event: the oldest "M" event goes, then the oldest vendor one.
 * Standard events (at most one of each) always fit. */
static int queue_make_room(struct queue *q)
{
        static const enum event_kind order[] = {EVENT_METHOD, EVENT_VENDOR};

        while (q->n >= EVENTS_MAX) {
                bool removed = false;
                for (size_t k = 0; k < ELEMENTSOF(order) && !removed; k++)
                        for (size_t i = 0; i < q->n && !removed; i++) {
                                enum event_kind kind;
                                int number, r;
                                (void)event_code_parse(q->v[i].code, &kind, &number);
                                if (kind != order[k])
                                        continue;
                                r = queue_remove(q, i);
                                if (r < 0)
                                        return r;
                                removed = true;
                        }
                if (!removed)
                        return -ENOBUFS;
        }
        return 0;
}

int events_add(struct events *q, const char *code, const char *command_key,
               const char *producer_key)
{
        struct queue next = {};
        enum event_kind kind;
        bool bootstrap;
        int r;

        if (!q)
                return -EINVAL;
        command_key = command_key ? command_key : "";
        producer_key = producer_key ? producer_key : "";
        r = check_event(code, command_key, producer_key, &kind);
        if (r < 0)
                return r;
        if (queue_knows_producer_key(&q->cur, producer_key))
                return 1;

        r = queue_copy(&q->cur, &next);
        if (r < 0)
                return r;
        if (queue_find(&next, code, kind == EVENT_NUMBERED ? NULL : command_key) >= 0) {
                /* the queued event stands for this one too */
                if (!*producer_key) {
                        queue_done(&next);
                        return 1;
                }
                r = queue_retire_key(&next, producer_key);
                if (r >= 0)
                        r = events_commit(q, &next);
                else
                        queue_done(&next);
                return r < 0 ? r : 1;
        }

        bootstrap = streq(code, "0 BOOTSTRAP");
        for (size_t i = next.n; bootstrap && i > 0; i--) {
                r = queue_remove(&next, i - 1);
                if (r < 0)
                        goto fail;
        }
        r = queue_make_room(&next);
        if (r < 0)
                goto fail;
        r = queue_append(&next, code, command_key, producer_key, next.next_seq, false);
        if (r < 0)
                goto fail;
        next.next_seq++;
        return events_commit(q, &next);
fail:
        queue_done(&next);
        return r;
}

bool events_has(const struct events *q, const char *code)
{
        return q && code && queue_find(&q->cur, code, NULL) >= 0;
}

size_t events_count(const struct events *q)
{
        return q ? q->cur.n : 0;
}

const struct event *events_list(const struct events *q, size_t *n)
{
        if (n)
                *n = q ? q->cur.n : 0;
        return q ? q->cur.v : NULL;
}

int events_mark_sent(struct events *q)
{
        if (!q)
                return -EINVAL;
        for (size_t i = 0; i < q->cur.n; i++)
                q->cur.v[i].sent = true;
        return 0;
}

/* Removes the events for which `drop` says so (remembering their producer keys) and
 * stores the result if anything went. */
static int events_drop_if(struct events *q, bool (*drop)(const struct event *e))
{
        struct queue next = {};
        bool changed = false;
        int r;

        r = queue_copy(&q->cur, &next);
        if (r < 0)
                return r;
        for (size_t i = next.n; i > 0; i--) {
                if (!drop(&next.v[i - 1]))
                        continue;
                r = queue_remove(&next, i - 1);
                if (r < 0) {
                        queue_done(&next);
                        return r;
                }
                changed = true;
        }
        if (!changed) {
                queue_done(&next);
                return 0;
        }
        return events_commit(q, &next);
}

static bool drop_when_delivered(const struct event *e)
{
        return e->sent && !CODE_IN(e->code, until_acknowledged);
}

int events_delivered(struct events *q)
{
        int r;

        if (!q)
                return -EINVAL;
        r = events_drop_if(q, drop_when_delivered);
        if (r < 0)
                return r;
        /* what stays waits for its follow-up RPC, not for an Inform */
        for (size_t i = 0; i < q->cur.n; i++)
                q->cur.v[i].sent = false;
        return 0;
}

static bool has_partner(const struct queue *q, const char *code)
{
        for (size_t i = 0; i < ELEMENTSOF(partners); i++)
                if (streq(partners[i].code, code) && queue_find(q, partners[i].partner, NULL) >= 0)
                        return true;
        return false;
}

int events_acknowledged(struct events *q, const char *code, const char *m_code,
                        const char *command_key)
{
        struct queue next = {};
        enum event_kind kind;
        bool changed = false;
        ssize_t i;
        int number, r;

        if (!q || event_code_parse(code, &kind, &number) < 0)
                return -EINVAL;
        if (m_code && (event_code_parse(m_code, &kind, &number) < 0 || kind != EVENT_METHOD))
                return -EINVAL;
        command_key = command_key ? command_key : "";

        r = queue_copy(&q->cur, &next);
        if (r < 0)
                return r;
        if (m_code && (i = queue_find(&next, m_code, command_key)) >= 0) {
                r = queue_remove(&next, (size_t)i);
                if (r < 0)
                        goto fail;
                changed = true;
        }
        /* "7 TRANSFER COMPLETE" stays while other transfers still wait for theirs */
        if (!has_partner(&next, code) && (i = queue_find(&next, code, NULL)) >= 0) {
                r = queue_remove(&next, (size_t)i);
                if (r < 0)
                        goto fail;
                changed = true;
        }
        if (!changed) {
                queue_done(&next);
                return 0;
        }
        return events_commit(q, &next);
fail:
        queue_done(&next);
        return r;
}

static bool drop_when_session_failed(const struct event *e)
{
        return e->sent && CODE_IN(e->code, not_retried);
}

int events_session_failed(struct events *q)
{
        int r;

        if (!q)
                return -EINVAL;
        r = events_drop_if(q, drop_when_session_failed);
        if (r < 0)
                return r;
        for (size_t i = 0; i < q->cur.n; i++)
                q->cur.v[i].sent = false;
        return 0;
}

static bool drop_when_booted(const struct event *e)
{
        return CODE_IN(e->code, lost_at_reboot);
}

int events_booted(struct events *q)
{
        int r;

        if (!q)
                return -EINVAL;
        r = events_drop_if(q, drop_when_booted);
        if (r < 0)
                return r;
        for (size_t i = 0; i < q->cur.n; i++)
                q->cur.v[i].sent = false;
        return 0;
}

int events_clear(struct events *q)
{
        struct queue next = {};

        if (!q)
                return -EINVAL;
        next.next_seq = q->cur.next_seq;
        return events_commit(q, &next);
}
