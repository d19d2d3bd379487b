/* SPDX-License-Identifier: MIT */
#pragma once

#include <dbus/dbus.h>
#include <stdbool.h>

#include "fault.h"
#include "registry.h"

struct manager;

/*
 * One piece of work that may wait for providers: a D-Bus call being answered, or a
 * transaction being resumed. Work proceeds in stages; a stage sends calls to providers
 * (request_call) and names the next stage (request_continue), which runs once every
 * answer has arrived. Local owners answer at once, so a request that touches no provider
 * runs straight through without waiting.
 */
struct request;
typedef void (*request_stage_fn)(struct request *r);
typedef void (*request_reply_fn)(struct request *r, struct owner *o, DBusMessage *reply,
                                 void *data);

struct request {
        struct manager *m;
        DBusMessage *call; /* the call to answer, or NULL */
        unsigned refs;
        unsigned pending;
        request_stage_fn next;
        struct fault fault;                 /* code != 0: the request failed */
        void (*destroy)(struct request *r); /* frees what embeds this struct */
};

void request_init(struct request *r, struct manager *m, DBusMessage *call,
                  void (*destroy)(struct request *r));
struct request *request_ref(struct request *r);
void request_unref(struct request *r);

/* Sends `msg` (a method call to o) and runs fn with the reply; `data` is passed along. */
int request_call(struct request *r, struct owner *o, DBusMessage *msg, request_reply_fn fn,
                 void *data);
/* A new method call on provider o. NULL on out-of-memory. */
DBusMessage *request_new_provider_call(struct owner *o, const char *method);
/* Runs `next` now if nothing is pending, else when the last answer arrives. */
void request_continue(struct request *r, request_stage_fn next);

bool request_failed(const struct request *r);
/* Records a failure (the first one wins). */
void request_fail(struct request *r, uint32_t code, const char *format, ...)
        __attribute__((format(printf, 3, 4)));
/* Records a failure from a provider's error reply; names the provider in transport errors. */
void request_fail_reply(struct request *r, struct owner *o, DBusMessage *reply);

/* Answers the call with r->fault. */
void request_reply_fault(struct request *r);
/* Sends a reply and drops it. */
void request_send(struct request *r, DBusMessage *reply);
