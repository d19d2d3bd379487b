/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "handoff.h"
#include "kvmap.h"
#include "log.h"
#include "store.h"
#include "util.h"

#define AGENT_BUS_NAME    "io.cwmp.Agent"
#define AGENT_OBJECT_PATH "/io/cwmp/Agent"
#define AGENT_INTERFACE   "io.cwmp.Agent1"
#define CALL_TIMEOUT_MS   25000
#define RETRY_USEC        (10ull * 1000000ull)

struct handoff {
        sd_event *event;
        DBusConnection *bus;
        char *state_file;
        struct kvmap *pending; /* producer key -> event code */
        unsigned in_flight;
        bool failed;   /* a hand-off of the current round failed: retry later */
        bool requeue;  /* queued while a round was in flight: send right after it */
        bool orphaned; /* freed by its owner while calls were in flight */
        sd_event_source *retry;
};

struct call {
        struct handoff *h;
        char *key;
};

static void handoff_destroy(struct handoff *h)
{
        sd_event_source_disable_unref(h->retry);
        sd_event_unref(h->event);
        kvmap_free(h->pending);
        free(h->state_file);
        free(h);
}

/* Runs when a call is done or dropped (the bus closed): the last one frees an orphan. */
static void call_free(void *userdata)
{
        struct call *c = userdata;
        struct handoff *h = c->h;

        free(c->key);
        free(c);
        if (--h->in_flight == 0 && h->orphaned)
                handoff_destroy(h);
}

static int save(struct handoff *h)
{
        int r = store_save(h->state_file, h->pending);
        if (r < 0)
                log_warning_errno(r, "Failed to save %s: %m", h->state_file);
        return r;
}

static void arm_retry(struct handoff *h, uint64_t delay_usec)
{
        uint64_t now;

        if (sd_event_now(h->event, CLOCK_MONOTONIC, &now) < 0 ||
            sd_event_source_set_time(h->retry, now + delay_usec) < 0 ||
            sd_event_source_set_enabled(h->retry, SD_EVENT_ONESHOT) < 0)
                log_warning("Cannot schedule the retry of the hand-offs to cwmpd");
}

static void on_reply(DBusMessage *reply, void *userdata)
{
        struct call *c = userdata;
        struct handoff *h = c->h;

        if (h->orphaned)
                return;
        if (dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_ERROR) {
                log_debug("cwmpd did not take %s: %s", c->key, dbus_message_get_error_name(reply));
                h->failed = true;
        } else if (kvmap_remove(h->pending, c->key) >= 0) {
                log_info("Handed %s over to cwmpd", c->key);
                (void)save(h);
        }
        if (h->in_flight != 1)
                return; /* not the last answer of this round */
        if (h->failed)
                arm_retry(h, RETRY_USEC);
        else if (h->requeue)
                arm_retry(h, 0);
}

void handoff_kick(struct handoff *h)
{
        const char *key, *code;
        size_t i = 0;

        if (!h || h->in_flight > 0)
                return; /* the round in progress will retry */
        h->failed = h->requeue = false;
        while (kvmap_next(h->pending, &i, &key, &code)) {
                _cleanup_dbus_message_ DBusMessage *call = dbus_message_new_method_call(
                        AGENT_BUS_NAME, AGENT_OBJECT_PATH, AGENT_INTERFACE, "QueueEvent");
                const char *empty = "";
                struct call *c = calloc(1, sizeof(*c));

                if (!call || !c || !(c->key = strdup(key)) ||
                    !dbus_message_append_args(call, DBUS_TYPE_STRING, &code, DBUS_TYPE_STRING,
                                              &empty, DBUS_TYPE_STRING, &key, DBUS_TYPE_INVALID)) {
                        if (c)
                                free(c->key);
                        free(c);
                        h->failed = true;
                        continue;
                }
                c->h = h;
                h->in_flight++;
                if (bus_call_async(h->bus, call, CALL_TIMEOUT_MS, on_reply, c, call_free) < 0) {
                        call_free(c);
                        h->failed = true;
                }
        }
        if (h->in_flight == 0 && h->failed)
                arm_retry(h, RETRY_USEC);
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata)
{
        handoff_kick(userdata);
        return 0;
}

int handoff_queue(struct handoff *h, const char *code, const char *producer_key)
{
        int r;

        if (!h || !code || !producer_key)
                return -EINVAL;
        r = kvmap_set(h->pending, producer_key, code);
        if (r < 0)
                return r;
        r = save(h);
        if (h->in_flight == 0)
                handoff_kick(h);
        else
                h->requeue = true; /* sent right after the round in flight */
        return r;
}

size_t handoff_pending(const struct handoff *h)
{
        return h ? kvmap_size(h->pending) : 0;
}

void handoff_free(struct handoff *h)
{
        if (!h)
                return;
        if (h->in_flight > 0) {
                /* the calls still point here: the last one to go frees it */
                h->retry = sd_event_source_disable_unref(h->retry);
                h->orphaned = true;
                return;
        }
        handoff_destroy(h);
}

int handoff_new(sd_event *event, DBusConnection *bus, const char *state_file, struct handoff **ret)
{
        struct handoff *h = calloc(1, sizeof(*h));
        int r;

        if (!h)
                return -ENOMEM;
        h->event = sd_event_ref(event);
        h->bus = bus;
        h->state_file = strdup(state_file);
        h->pending = kvmap_new();
        if (!h->state_file || !h->pending) {
                r = -ENOMEM;
                goto fail;
        }
        r = store_load(state_file, h->pending, NULL);
        if (r == -ENOENT)
                r = 0;
        if (r < 0) {
                log_warning_errno(r, "Ignoring %s: %m", state_file);
                kvmap_clear(h->pending);
        }
        r = sd_event_add_time(event, &h->retry, CLOCK_MONOTONIC, UINT64_MAX, 0, on_retry, h);
        if (r >= 0)
                r = sd_event_source_set_enabled(h->retry, SD_EVENT_OFF);
        if (r < 0)
                goto fail;
        *ret = h;
        return 0;
fail:
        handoff_free(h);
        return r;
}
