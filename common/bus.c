/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <time.h>

#include "bus.h"
#include "introspect.h"
#include "util.h"

/*
 * The glue between one connection and one event loop.
 *
 * libdbus keeps our pointer in three places: the watch functions, the timeout functions and
 * the dispatch-status function. Each holds a reference and an "attachment"; when the last
 * attachment is dropped (bus_detach_event() resets all three, or the connection is
 * finalized) the event sources go and the event loop is released. The Disconnected filter
 * holds one more reference, so the small struct lives as long as the connection needs it.
 */

/* One DBusWatch on a shared fd. */
struct bus_watch {
        struct bus_watch *next;
        DBusWatch *watch;
        unsigned handled_round; /* io round in which it was last handled */
};

/* One io source per fd: libdbus makes a read watch and a write watch on the same socket. */
struct bus_fd {
        struct bus_fd *next;
        int fd;
        sd_event_source *source;
        struct bus_watch *watches;
};

struct bus_timer {
        struct bus_glue *glue;
        DBusTimeout *timeout;
        sd_event_source *source;
};

struct bus_glue {
        unsigned n_ref;
        unsigned n_attached;
        DBusConnection *connection; /* not referenced: the connection owns us; NULL detached */
        sd_event *event;            /* referenced; NULL once detached */
        sd_event_source *dispatch_source;
        struct bus_fd *fds;
        unsigned io_round;
};

/* The three places libdbus keeps the glue, plus the Disconnected filter. */
#define GLUE_ATTACHMENTS 3

static struct bus_glue *glue_ref(struct bus_glue *g)
{
        g->n_ref++;
        return g;
}

static void glue_unref(struct bus_glue *g)
{
        if (!g || --g->n_ref > 0)
                return;
        free(g);
}

static void glue_unref_void(void *userdata)
{
        glue_unref(userdata);
}

static void bus_fd_free(struct bus_fd *f)
{
        while (f->watches) {
                struct bus_watch *w = f->watches;
                f->watches = w->next;
                dbus_watch_set_data(w->watch, NULL, NULL);
                free(w);
        }
        sd_event_source_disable_unref(f->source);
        free(f);
}

/* Drops everything that ties the glue to the loop. */
static void glue_release(struct bus_glue *g)
{
        while (g->fds) {
                struct bus_fd *f = g->fds;
                g->fds = f->next;
                bus_fd_free(f);
        }
        g->dispatch_source = sd_event_source_disable_unref(g->dispatch_source);
        g->event = sd_event_unref(g->event);
        g->connection = NULL;
}

static void glue_detach_one(void *userdata)
{
        struct bus_glue *g = userdata;

        if (g->n_attached > 0 && --g->n_attached == 0)
                glue_release(g);
        glue_unref(g);
}

/* ---- watches ---- */

static struct bus_fd *glue_find_fd(struct bus_glue *g, int fd)
{
        for (struct bus_fd *f = g->fds; f; f = f->next)
                if (f->fd == fd)
                        return f;
        return NULL;
}

static uint32_t watch_events(DBusWatch *watch)
{
        unsigned flags = dbus_watch_get_flags(watch);
        uint32_t events = 0;

        if (!dbus_watch_get_enabled(watch))
                return 0;
        if (flags & DBUS_WATCH_READABLE)
                events |= EPOLLIN;
        if (flags & DBUS_WATCH_WRITABLE)
                events |= EPOLLOUT;
        return events;
}

/* The io source listens for the union of its enabled watches, and is off without any. */
static int bus_fd_update(struct bus_fd *f)
{
        uint32_t events = 0;
        int r;

        for (struct bus_watch *w = f->watches; w; w = w->next)
                events |= watch_events(w->watch);
        if (events == 0)
                return sd_event_source_set_enabled(f->source, SD_EVENT_OFF);
        r = sd_event_source_set_io_events(f->source, events);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(f->source, SD_EVENT_ON);
}

static unsigned watch_flags_for(DBusWatch *watch, uint32_t revents)
{
        unsigned want = dbus_watch_get_flags(watch), flags = 0;

        if ((revents & EPOLLIN) && (want & DBUS_WATCH_READABLE))
                flags |= DBUS_WATCH_READABLE;
        if ((revents & EPOLLOUT) && (want & DBUS_WATCH_WRITABLE))
                flags |= DBUS_WATCH_WRITABLE;
        if (revents & EPOLLERR)
                flags |= DBUS_WATCH_ERROR;
        if (revents & EPOLLHUP)
                flags |= DBUS_WATCH_HANGUP;
        return flags;
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct bus_glue *g = glue_ref(userdata);
        unsigned round = ++g->io_round;

        /* Handling one watch may remove others, or the whole fd: look everything up again
         * after each call, and handle each watch at most once per round. */
        for (;;) {
                struct bus_fd *f = glue_find_fd(g, fd);
                DBusWatch *next = NULL;
                unsigned flags = 0;

                if (!f)
                        break;
                for (struct bus_watch *w = f->watches; w; w = w->next) {
                        if (w->handled_round == round || !dbus_watch_get_enabled(w->watch))
                                continue;
                        w->handled_round = round;
                        flags = watch_flags_for(w->watch, revents);
                        if (flags != 0) {
                                next = w->watch;
                                break;
                        }
                }
                if (!next)
                        break;
                dbus_watch_handle(next, flags);
        }
        glue_unref(g);
        return 0;
}

static dbus_bool_t add_watch(DBusWatch *watch, void *userdata)
{
        struct bus_glue *g = userdata;
        int fd = dbus_watch_get_unix_fd(watch);
        struct bus_fd *f = glue_find_fd(g, fd);
        bool new_fd = false;
        int r;

        if (!f) {
                f = calloc(1, sizeof(*f));
                if (!f)
                        return FALSE;
                f->fd = fd;
                r = sd_event_add_io(g->event, &f->source, fd, 0, on_io, g);
                if (r < 0) {
                        free(f);
                        return FALSE;
                }
                (void)sd_event_source_set_description(f->source, "bus-io");
                new_fd = true;
        }

        struct bus_watch *w = calloc(1, sizeof(*w));
        if (!w)
                goto fail;
        w->watch = watch;
        w->next = f->watches;
        f->watches = w;
        dbus_watch_set_data(watch, w, NULL);
        if (new_fd) {
                f->next = g->fds;
                g->fds = f;
        }
        if (bus_fd_update(f) < 0) {
                /* keep the bookkeeping consistent: libdbus will not call remove_watch */
                f->watches = w->next;
                dbus_watch_set_data(watch, NULL, NULL);
                free(w);
                if (new_fd)
                        g->fds = f->next;
                goto fail;
        }
        return TRUE;

fail:
        if (new_fd) {
                sd_event_source_unref(f->source);
                free(f);
        }
        return FALSE;
}

static void remove_watch(DBusWatch *watch, void *userdata)
{
        struct bus_glue *g = userdata;
        struct bus_fd **fp;

        for (fp = &g->fds; *fp; fp = &(*fp)->next) {
                struct bus_fd *f = *fp;
                for (struct bus_watch **wp = &f->watches; *wp; wp = &(*wp)->next) {
                        struct bus_watch *w = *wp;
                        if (w->watch != watch)
                                continue;
                        *wp = w->next;
                        free(w);
                        dbus_watch_set_data(watch, NULL, NULL);
                        if (!f->watches) {
                                *fp = f->next;
                                bus_fd_free(f);
                        } else
                                (void)bus_fd_update(f);
                        return;
                }
        }
}

static void toggle_watch(DBusWatch *watch, void *userdata)
{
        struct bus_glue *g = userdata;
        struct bus_fd *f = glue_find_fd(g, dbus_watch_get_unix_fd(watch));

        if (f)
                (void)bus_fd_update(f);
}

/* ---- timeouts ---- */

static int bus_timer_arm(struct bus_timer *t)
{
        struct timespec ts;
        uint64_t now;
        int r;

        if (!dbus_timeout_get_enabled(t->timeout))
                return sd_event_source_set_enabled(t->source, SD_EVENT_OFF);
        /* Not sd_event_now(): outside the loop it returns the last iteration's time. */
        if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
                return -errno;
        now = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
        r = sd_event_source_set_time(t->source,
                                     now + (uint64_t)dbus_timeout_get_interval(t->timeout) * 1000);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(t->source, SD_EVENT_ONESHOT);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct bus_timer *t = userdata;

        /* libdbus timeouts repeat until removed; handling one may remove (free) it, so the
         * timer is re-armed first and not touched afterwards. */
        (void)bus_timer_arm(t);
        dbus_timeout_handle(t->timeout);
        return 0;
}

static dbus_bool_t add_timeout(DBusTimeout *timeout, void *userdata)
{
        struct bus_glue *g = userdata;
        struct bus_timer *t = calloc(1, sizeof(*t));
        int r;

        if (!t)
                return FALSE;
        t->glue = g;
        t->timeout = timeout;
        r = sd_event_add_time(g->event, &t->source, CLOCK_MONOTONIC, UINT64_MAX, 1000, on_timer, t);
        if (r >= 0) {
                (void)sd_event_source_set_description(t->source, "bus-timeout");
                r = bus_timer_arm(t);
        }
        if (r < 0) {
                sd_event_source_unref(t->source);
                free(t);
                return FALSE;
        }
        dbus_timeout_set_data(timeout, t, NULL);
        return TRUE;
}

static void remove_timeout(DBusTimeout *timeout, void *userdata)
{
        struct bus_timer *t = dbus_timeout_get_data(timeout);

        if (!t)
                return;
        dbus_timeout_set_data(timeout, NULL, NULL);
        sd_event_source_disable_unref(t->source);
        free(t);
}

static void toggle_timeout(DBusTimeout *timeout, void *userdata)
{
        struct bus_timer *t = dbus_timeout_get_data(timeout);

        if (t)
                (void)bus_timer_arm(t);
}

/* ---- dispatching ---- */

/* Messages dispatched per loop iteration, so that other sources get their turn. */
#define DISPATCH_BATCH 64

static void on_dispatch_status(DBusConnection *c, DBusDispatchStatus status, void *userdata)
{
        struct bus_glue *g = userdata;

        /* Called with libdbus in the middle of something: only schedule the dispatch. */
        if (status != DBUS_DISPATCH_COMPLETE && g->dispatch_source)
                (void)sd_event_source_set_enabled(g->dispatch_source, SD_EVENT_ONESHOT);
}

static int on_dispatch(sd_event_source *s, void *userdata)
{
        struct bus_glue *g = glue_ref(userdata);
        DBusConnection *c = g->connection ? dbus_connection_ref(g->connection) : NULL;
        DBusDispatchStatus status = DBUS_DISPATCH_COMPLETE;

        /* A handler may detach or close the connection: both references keep what we touch
         * alive, and g->connection turns NULL when we are detached. */
        for (unsigned i = 0; c && g->connection && i < DISPATCH_BATCH; i++) {
                status = dbus_connection_dispatch(c);
                if (status != DBUS_DISPATCH_DATA_REMAINS)
                        break;
        }
        if (c && g->connection && status != DBUS_DISPATCH_COMPLETE)
                (void)sd_event_source_set_enabled(g->dispatch_source, SD_EVENT_ONESHOT);
        if (c)
                dbus_connection_unref(c);
        glue_unref(g);
        return 0;
}

static DBusHandlerResult on_disconnected(DBusConnection *c, DBusMessage *m, void *userdata)
{
        struct bus_glue *g = userdata;

        if (g->event && dbus_message_is_signal(m, DBUS_INTERFACE_LOCAL, "Disconnected") &&
            dbus_message_has_path(m, DBUS_PATH_LOCAL))
                (void)sd_event_exit(g->event, -ECONNRESET);
        return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
}

void bus_detach_event(DBusConnection *c)
{
        if (!c)
                return;
        /* Each reset makes libdbus remove our watches / timeouts and free its reference. */
        dbus_connection_set_dispatch_status_function(c, NULL, NULL, NULL);
        dbus_connection_set_watch_functions(c, NULL, NULL, NULL, NULL, NULL);
        dbus_connection_set_timeout_functions(c, NULL, NULL, NULL, NULL, NULL);
}

int bus_attach_event(DBusConnection *c, sd_event *e)
{
        struct bus_glue *g;
        int r;

        if (!c || !e)
                return -EINVAL;
        g = calloc(1, sizeof(*g));
        if (!g)
                return -ENOMEM;
        g->n_ref = 1;
        g->connection = c;
        g->event = sd_event_ref(e);
        r = sd_event_add_defer(e, &g->dispatch_source, on_dispatch, g);
        if (r < 0) {
                glue_release(g);
                glue_unref(g);
                return r;
        }
        (void)sd_event_source_set_description(g->dispatch_source, "bus-dispatch");

        /* libdbus keeps the glue in three places and the filter in a fourth, each with a
         * reference. On failure, what libdbus took is given back by resetting it, and then
         * nothing but our own reference is left. */
        g->n_attached = GLUE_ATTACHMENTS;
        g->n_ref += GLUE_ATTACHMENTS;
        if (!dbus_connection_set_watch_functions(c, add_watch, remove_watch, toggle_watch, g,
                                                 glue_detach_one))
                goto fail;
        if (!dbus_connection_set_timeout_functions(c, add_timeout, remove_timeout, toggle_timeout,
                                                   g, glue_detach_one)) {
                dbus_connection_set_watch_functions(c, NULL, NULL, NULL, NULL, NULL);
                goto fail;
        }
        dbus_connection_set_dispatch_status_function(c, on_dispatch_status, g, glue_detach_one);
        g->n_ref++;
        if (!dbus_connection_add_filter(c, on_disconnected, g, glue_unref_void)) {
                bus_detach_event(c);
                goto fail;
        }
        /* Messages may already be queued (a reply read while registering): dispatch once. */
        (void)sd_event_source_set_enabled(g->dispatch_source, SD_EVENT_ONESHOT);
        glue_unref(g);
        return 0;

fail:
        glue_release(g);
        free(g);
        return -ENOMEM;
}

/* ---- connections ---- */

static int errno_from_dbus_error(const DBusError *error)
{
        static const struct {
                const char *name;
                int error;
        } table[] = {
                {DBUS_ERROR_NO_MEMORY, ENOMEM},        {DBUS_ERROR_ACCESS_DENIED, EACCES},
                {DBUS_ERROR_AUTH_FAILED, EACCES},      {DBUS_ERROR_NO_SERVER, ECONNREFUSED},
                {DBUS_ERROR_FILE_NOT_FOUND, ENOENT},   {DBUS_ERROR_BAD_ADDRESS, EINVAL},
                {DBUS_ERROR_INVALID_ARGS, EINVAL},     {DBUS_ERROR_NO_REPLY, ETIMEDOUT},
                {DBUS_ERROR_TIMEOUT, ETIMEDOUT},       {DBUS_ERROR_DISCONNECTED, ECONNRESET},
                {DBUS_ERROR_LIMITS_EXCEEDED, ENOBUFS},
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (dbus_error_has_name(error, table[i].name))
                        return -table[i].error;
        return -EIO;
}

static int bus_setup(sd_event *e, DBusConnection *c, DBusConnection **ret)
{
        int r;

        dbus_connection_set_exit_on_disconnect(c, FALSE);
        r = bus_attach_event(c, e);
        if (r < 0) {
                dbus_connection_close(c);
                dbus_connection_unref(c);
                return r;
        }
        *ret = c;
        return 0;
}

int bus_open_system(sd_event *e, DBusConnection **ret)
{
        DBusError error = DBUS_ERROR_INIT;
        DBusConnection *c;
        int r;

        if (!e || !ret)
                return -EINVAL;
        /* libdbus reads DBUS_SYSTEM_BUS_ADDRESS itself. */
        c = dbus_bus_get_private(DBUS_BUS_SYSTEM, &error);
        if (!c) {
                r = errno_from_dbus_error(&error);
                dbus_error_free(&error);
                return r;
        }
        return bus_setup(e, c, ret);
}

int bus_open_address(sd_event *e, const char *address, DBusConnection **ret)
{
        DBusError error = DBUS_ERROR_INIT;
        DBusConnection *c;
        int r;

        if (!e || !address || !ret)
                return -EINVAL;
        c = dbus_connection_open_private(address, &error);
        if (!c) {
                r = errno_from_dbus_error(&error);
                dbus_error_free(&error);
                return r;
        }
        if (!dbus_bus_register(c, &error)) {
                r = errno_from_dbus_error(&error);
                dbus_error_free(&error);
                dbus_connection_close(c);
                dbus_connection_unref(c);
                return r;
        }
        return bus_setup(e, c, ret);
}

void bus_close(DBusConnection *c)
{
        if (!c)
                return;
        bus_detach_event(c);
        dbus_connection_close(c);
        dbus_connection_unref(c);
}

int bus_request_name(DBusConnection *c, const char *name)
{
        DBusError error = DBUS_ERROR_INIT;
        int r;

        if (!c || !name)
                return -EINVAL;
        r = dbus_bus_request_name(c, name, DBUS_NAME_FLAG_DO_NOT_QUEUE, &error);
        if (r < 0) {
                r = errno_from_dbus_error(&error);
                dbus_error_free(&error);
                return r;
        }
        if (r == DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER ||
            r == DBUS_REQUEST_NAME_REPLY_ALREADY_OWNER)
                return 0;
        return -EEXIST;
}

/* ---- messages ---- */

int bus_send(DBusConnection *c, DBusMessage *m)
{
        if (!c || !m)
                return -EINVAL;
        if (!dbus_connection_send(c, m, NULL))
                return -ENOMEM;
        return 0;
}

int bus_reply_empty(DBusConnection *c, DBusMessage *call)
{
        _cleanup_dbus_message_ DBusMessage *reply = NULL;

        if (dbus_message_get_no_reply(call))
                return 0;
        reply = dbus_message_new_method_return(call);
        if (!reply)
                return -ENOMEM;
        return bus_send(c, reply);
}

int bus_reply_error(DBusConnection *c, DBusMessage *call, const char *name, const char *format, ...)
{
        _cleanup_dbus_message_ DBusMessage *reply = NULL;
        _cleanup_free_ char *text = NULL;
        va_list ap;
        int r;

        if (!c || !call || !name || !format)
                return -EINVAL;
        if (dbus_message_get_no_reply(call))
                return 0;
        va_start(ap, format);
        r = vasprintf(&text, format, ap);
        va_end(ap);
        if (r < 0) {
                text = NULL;
                return -ENOMEM;
        }
        reply = dbus_message_new_error(call, name, text);
        if (!reply)
                return -ENOMEM;
        return bus_send(c, reply);
}

static DBusHandlerResult send_or_need_memory(DBusConnection *c, DBusMessage *reply)
{
        if (!reply || bus_send(c, reply) < 0) {
                if (reply)
                        dbus_message_unref(reply);
                return DBUS_HANDLER_RESULT_NEED_MEMORY;
        }
        dbus_message_unref(reply);
        return DBUS_HANDLER_RESULT_HANDLED;
}

static DBusHandlerResult reply_introspect(DBusConnection *c, DBusMessage *m,
                                          const char *interfaces_xml)
{
        _cleanup_free_ char *xml = NULL;
        DBusMessage *reply;

        if (asprintf(&xml, "%s<node>\n%s%s</node>\n", INTROSPECT_HEADER,
                     interfaces_xml ? interfaces_xml : "", INTROSPECT_STANDARD_INTERFACES) < 0) {
                xml = NULL;
                return DBUS_HANDLER_RESULT_NEED_MEMORY;
        }
        reply = dbus_message_new_method_return(m);
        if (reply && !dbus_message_append_args(reply, DBUS_TYPE_STRING, &(const char *){xml},
                                               DBUS_TYPE_INVALID)) {
                dbus_message_unref(reply);
                reply = NULL;
        }
        return send_or_need_memory(c, reply);
}

static DBusHandlerResult reply_machine_id(DBusConnection *c, DBusMessage *m)
{
        DBusError error = DBUS_ERROR_INIT;
        DBusMessage *reply;
        char *id;

        id = dbus_try_get_local_machine_id(&error);
        if (!id) {
                reply = dbus_message_new_error(m, error.name ? error.name : DBUS_ERROR_FAILED,
                                               error.message ? error.message
                                                             : "No machine ID available");
                dbus_error_free(&error);
                return send_or_need_memory(c, reply);
        }
        reply = dbus_message_new_method_return(m);
        if (reply && !dbus_message_append_args(reply, DBUS_TYPE_STRING, &(const char *){id},
                                               DBUS_TYPE_INVALID)) {
                dbus_message_unref(reply);
                reply = NULL;
        }
        dbus_free(id);
        return send_or_need_memory(c, reply);
}

DBusHandlerResult bus_handle_standard(DBusConnection *c, DBusMessage *m, const char *interfaces_xml)
{
        if (!c || !m || dbus_message_get_type(m) != DBUS_MESSAGE_TYPE_METHOD_CALL)
                return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;

        if (dbus_message_is_method_call(m, DBUS_INTERFACE_INTROSPECTABLE, "Introspect")) {
                if (!dbus_message_has_signature(m, ""))
                        goto invalid_args;
                if (dbus_message_get_no_reply(m))
                        return DBUS_HANDLER_RESULT_HANDLED;
                return reply_introspect(c, m, interfaces_xml);
        }
        if (dbus_message_is_method_call(m, DBUS_INTERFACE_PEER, "Ping")) {
                if (!dbus_message_has_signature(m, ""))
                        goto invalid_args;
                if (dbus_message_get_no_reply(m))
                        return DBUS_HANDLER_RESULT_HANDLED;
                return send_or_need_memory(c, dbus_message_new_method_return(m));
        }
        if (dbus_message_is_method_call(m, DBUS_INTERFACE_PEER, "GetMachineId")) {
                if (!dbus_message_has_signature(m, ""))
                        goto invalid_args;
                if (dbus_message_get_no_reply(m))
                        return DBUS_HANDLER_RESULT_HANDLED;
                return reply_machine_id(c, m);
        }
        return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;

invalid_args:
        if (bus_reply_error(c, m, DBUS_ERROR_INVALID_ARGS, "Unexpected arguments for %s",
                            dbus_message_get_member(m)) < 0)
                return DBUS_HANDLER_RESULT_NEED_MEMORY;
        return DBUS_HANDLER_RESULT_HANDLED;
}

/* ---- asynchronous calls ---- */

struct bus_call {
        bus_reply_fn callback;
        void *userdata;
        void (*free_userdata)(void *);
};

static void bus_call_free(void *p)
{
        struct bus_call *call = p;

        if (call->free_userdata)
                call->free_userdata(call->userdata);
        free(call);
}

static void on_pending_call_notify(DBusPendingCall *pending, void *p)
{
        struct bus_call *call = p;
        DBusMessage *reply = dbus_pending_call_steal_reply(pending);

        /* libdbus completes every pending call with a reply, synthesising an error reply
         * for timeouts and disconnects. */
        if (reply) {
                call->callback(reply, call->userdata);
                dbus_message_unref(reply);
        }
}

int bus_call_async(DBusConnection *c, DBusMessage *call, int timeout_ms, bus_reply_fn callback,
                   void *userdata, void (*free_userdata)(void *))
{
        DBusPendingCall *pending = NULL;
        struct bus_call *data;

        if (!c || !call || !callback)
                return -EINVAL;
        data = malloc(sizeof(*data));
        if (!data)
                return -ENOMEM;
        *data = (struct bus_call){callback, userdata, NULL};

        if (!dbus_connection_send_with_reply(c, call, &pending, timeout_ms)) {
                free(data);
                return -ENOMEM;
        }
        if (!pending) {
                /* disconnected already */
                free(data);
                return -ENOTCONN;
        }
        if (!dbus_pending_call_set_notify(pending, on_pending_call_notify, data, bus_call_free)) {
                dbus_pending_call_cancel(pending);
                dbus_pending_call_unref(pending);
                free(data);
                return -ENOMEM;
        }
        /* From now on free_userdata runs whatever happens; the connection keeps the pending
         * call until it completes. */
        data->free_userdata = free_userdata;
        dbus_pending_call_unref(pending);
        return 0;
}
