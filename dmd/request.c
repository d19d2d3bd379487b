/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "bus.h"
#include "log.h"
#include "manager.h"
#include "request.h"

void request_init(struct request *r, struct manager *m, DBusMessage *call,
                  void (*destroy)(struct request *r))
{
        *r = (struct request){.m = m, .refs = 1, .destroy = destroy};
        if (call)
                r->call = dbus_message_ref(call);
}

struct request *request_ref(struct request *r)
{
        r->refs++;
        return r;
}

void request_unref(struct request *r)
{
        if (!r || --r->refs > 0)
                return;
        if (r->call)
                dbus_message_unref(r->call);
        fault_done(&r->fault);
        r->destroy(r);
}

struct pending_reply {
        struct request *request;
        struct owner *owner;
        request_reply_fn fn;
        void *data;
};

static void on_reply(DBusMessage *reply, void *userdata)
{
        struct pending_reply *p = userdata;
        struct request *r = p->request;

        p->fn(r, p->owner, reply, p->data);
        if (--r->pending == 0 && r->next) {
                request_stage_fn next = r->next;
                r->next = NULL;
                next(r);
        }
}

static void free_pending(void *userdata)
{
        struct pending_reply *p = userdata;
        request_unref(p->request);
        free(p);
}

DBusMessage *request_new_provider_call(struct owner *o, const char *method)
{
        return dbus_message_new_method_call(o->bus_name, o->object_path, PROVIDER_INTERFACE,
                                            method);
}

int request_call(struct request *r, struct owner *o, DBusMessage *msg, request_reply_fn fn,
                 void *data)
{
        struct pending_reply *p = malloc(sizeof(*p));
        int ret;

        if (!p)
                return -ENOMEM;
        *p = (struct pending_reply){.request = request_ref(r), .owner = o, .fn = fn, .data = data};
        r->pending++;
        ret = bus_call_async(r->m->bus, msg, DMD_PROVIDER_TIMEOUT_MS, on_reply, p, free_pending);
        if (ret < 0) {
                r->pending--;
                free_pending(p);
        }
        return ret;
}

void request_continue(struct request *r, request_stage_fn next)
{
        if (r->pending > 0) {
                r->next = next;
                return;
        }
        next(r);
}

bool request_failed(const struct request *r)
{
        return r->fault.code != 0;
}

void request_fail(struct request *r, uint32_t code, const char *format, ...)
{
        va_list ap;
        char *msg = NULL;

        if (request_failed(r))
                return;
        va_start(ap, format);
        if (vasprintf(&msg, format, ap) < 0)
                msg = NULL;
        va_end(ap);
        r->fault.code = code;
        r->fault.message = msg;
}

void request_fail_reply(struct request *r, struct owner *o, DBusMessage *reply)
{
        const char *name = dbus_message_get_error_name(reply);

        if (request_failed(r))
                return;
        if (name && startswith(name, FAULT_DBUS_PREFIX)) {
                if (fault_from_error_reply(reply, &r->fault) >= 0)
                        return;
        }
        request_fail(r, CWMP_FAULT_INTERNAL_ERROR, "%s is served by %s, which did not answer (%s)",
                     o->subtree, o->bus_name ? o->bus_name : "a provider",
                     name ? name : "no reply");
}

void request_send(struct request *r, DBusMessage *reply)
{
        if (!reply) {
                log_error("Out of memory while answering a call");
                return;
        }
        if (r->call && !dbus_message_get_no_reply(r->call))
                (void)bus_send(r->m->bus, reply);
        dbus_message_unref(reply);
}

void request_reply_fault(struct request *r)
{
        if (!r->call)
                return;
        if (!r->fault.code)
                r->fault.code = CWMP_FAULT_INTERNAL_ERROR;
        if (!r->fault.message)
                (void)fault_set(&r->fault, r->fault.code, "%s", fault_string(r->fault.code));
        request_send(r, fault_new_error_reply(r->call, &r->fault));
}
