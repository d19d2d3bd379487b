/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The persistent queue of Inform events (TR-069 3.7.1.5, A.3.3.1). Every change is on disk
 * (common/store.h, one atomic write) before the function that made it returns, so an event
 * acknowledged to its producer is never lost, whatever is killed.
 *
 * Rules per code:
 *   - single events ("1 BOOT", "2 PERIODIC", ...) are queued at most once, multiple ("M
 *     Download") once per CommandKey; non-M events have an empty CommandKey;
 *   - "0 BOOTSTRAP" drops every other undelivered event, and is never dropped itself;
 *   - events_delivered() after an InformResponse removes what that Inform carried, except
 *     "7 TRANSFER COMPLETE" / "10 AUTONOMOUS TRANSFER COMPLETE" / "11 ..." / "12 ..." and
 *     their "M" partners, which stay until events_acknowledged() (the ACS answered the
 *     TransferComplete etc.);
 *   - "6 CONNECTION REQUEST" and "14 HEARTBEAT" are not retried: events_session_failed()
 *     drops them;
 *   - events_booted() at start after a reboot drops what does not survive one ("1 BOOT",
 *     "4 VALUE CHANGE", "6 ...", "8 DIAGNOSTICS COMPLETE", "14 HEARTBEAT") and keeps the
 *     rest;
 *   - more than 64 events: the oldest "M" events go first.
 * Each event may carry a producer key ("fwupd-bridge/transfer/abc"): adding the same key
 * again is a no-op, so producers can retry their hand-off safely.
 */

#define EVENTS_MAX 64

struct event {
        char *code;         /* "0 BOOTSTRAP", "M Download", "X 00D09E Foo" */
        char *command_key;  /* "" for non-M events */
        char *producer_key; /* "" or the producer's idempotency key */
        uint64_t seq;       /* order of arrival */
        bool sent;          /* carried by the Inform in progress */
};

struct events;

/* Loads the queue from state_dir/events.store (creates nothing until the first change).
 * -EBADMSG (with the path in the log by the caller) for a damaged file. */
int events_open(const char *state_dir, struct events **ret);
void events_free(struct events *q);

/* Validates code ("N NAME", "M Method", "X OUI name") and adds; -EINVAL for a malformed
 * code. Returns 0 when added, 1 when it was already there (single code, same M key, or
 * same producer key). */
int events_add(struct events *q, const char *code, const char *command_key,
               const char *producer_key);
bool events_has(const struct events *q, const char *code);
size_t events_count(const struct events *q);
/* The events in queue order; valid until the next change. */
const struct event *events_list(const struct events *q, size_t *n);

/* Marks everything now queued as carried by the Inform being built. */
int events_mark_sent(struct events *q);
/* InformResponse received: drops the sent events that need nothing more. */
int events_delivered(struct events *q);
/* The follow-up RPC of a transfer / DU event was acknowledged: drops code and its M
 * partner with that command key ("7 TRANSFER COMPLETE" + "M Download" key). */
int events_acknowledged(struct events *q, const char *code, const char *m_code,
                        const char *command_key);
/* The session failed: unmarks sent events and drops those that are not retried. */
int events_session_failed(struct events *q);
/* Start after a reboot. */
int events_booted(struct events *q);
/* Factory reset: everything goes, then "0 BOOTSTRAP" is queued by the caller. */
int events_clear(struct events *q);
