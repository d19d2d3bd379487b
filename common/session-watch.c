/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>

#include "bus.h"
#include "log.h"
#include "session-watch.h"
#include "util.h"

#define AGENT_BUS_NAME    "io.cwmp.Agent"
#define AGENT_OBJECT_PATH "/io/cwmp/Agent"
#define AGENT_INTERFACE   "io.cwmp.Agent1"
#define CALL_TIMEOUT_MS   5000

struct session_watch {
        DBusConnection *bus;
        session_idle_fn on_idle;
        agent_appeared_fn on_appeared;
        void *userdata;
        bool asking;  /* a SessionState query is on its way */
        bool waiting; /* someone waits for the end of the session */
        bool filter_added;
        bool orphaned; /* freed by its owner while a query was on its way */
};

static void idle(struct session_watch *w)
{
        w->waiting = false;
        w->on_idle(w->userdata);
}

static void on_session_state(DBusMessage *reply, void *userdata)
{
        struct session_watch *w = userdata;
        DBusMessageIter it, var;
        const char *state = "";

        if (w->orphaned)
                return;
        w->asking = false;
        if (dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_METHOD_RETURN &&
            dbus_message_iter_init(reply, &it) &&
            dbus_message_iter_get_arg_type(&it) == DBUS_TYPE_VARIANT) {
                dbus_message_iter_recurse(&it, &var);
                if (dbus_message_iter_get_arg_type(&var) == DBUS_TYPE_STRING)
                        dbus_message_iter_get_basic(&var, &state);
        }
        /* cwmpd absent or not answering: no session to wait for */
        if (!streq(state, "session") && w->waiting)
                idle(w);
}

/* Runs when the query is done or dropped (the bus closed): frees an orphan. */
static void query_done(void *userdata)
{
        struct session_watch *w = userdata;

        if (w->orphaned)
                free(w);
}

void session_watch_wait_idle(struct session_watch *w)
{
        const char *iface = AGENT_INTERFACE, *prop = "SessionState";
        _cleanup_dbus_message_ DBusMessage *call = NULL;

        w->waiting = true;
        if (w->asking)
                return;
        call = dbus_message_new_method_call(AGENT_BUS_NAME, AGENT_OBJECT_PATH,
                                            "org.freedesktop.DBus.Properties", "Get");
        if (call &&
            dbus_message_append_args(call, DBUS_TYPE_STRING, &iface, DBUS_TYPE_STRING, &prop,
                                     DBUS_TYPE_INVALID) &&
            bus_call_async(w->bus, call, CALL_TIMEOUT_MS, on_session_state, w, query_done) >= 0) {
                w->asking = true;
                return;
        }
        log_debug("Cannot ask cwmpd for its session state: idle now");
        idle(w);
}

static DBusHandlerResult on_signal(DBusConnection *c, DBusMessage *msg, void *userdata)
{
        struct session_watch *w = userdata;
        const char *name, *old_owner, *new_owner;

        if (dbus_message_is_signal(msg, AGENT_INTERFACE, "SessionEnded")) {
                if (w->waiting && !w->asking)
                        idle(w);
        } else if (dbus_message_is_signal(msg, DBUS_INTERFACE_DBUS, "NameOwnerChanged") &&
                   dbus_message_get_args(msg, NULL, DBUS_TYPE_STRING, &name, DBUS_TYPE_STRING,
                                         &old_owner, DBUS_TYPE_STRING, &new_owner,
                                         DBUS_TYPE_INVALID) &&
                   streq(name, AGENT_BUS_NAME)) {
                if (!new_owner[0] && w->waiting && !w->asking)
                        idle(w); /* cwmpd went away: its session is over */
                else if (new_owner[0] && w->on_appeared)
                        w->on_appeared(w->userdata);
        }
        return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
}

void session_watch_free(struct session_watch *w)
{
        if (!w)
                return;
        if (w->filter_added)
                dbus_connection_remove_filter(w->bus, on_signal, w);
        w->filter_added = false;
        if (w->asking) {
                w->orphaned = true; /* query_done frees it */
                return;
        }
        free(w);
}

int session_watch_new(DBusConnection *bus, session_idle_fn on_idle, agent_appeared_fn on_appeared,
                      void *userdata, struct session_watch **ret)
{
        DBusError error = DBUS_ERROR_INIT;
        struct session_watch *w = calloc(1, sizeof(*w));

        if (!w)
                return -ENOMEM;
        w->bus = bus;
        w->on_idle = on_idle;
        w->on_appeared = on_appeared;
        w->userdata = userdata;
        if (!dbus_connection_add_filter(bus, on_signal, w, NULL)) {
                free(w);
                return -ENOMEM;
        }
        w->filter_added = true;
        dbus_bus_add_match(bus,
                           "type='signal',sender='" AGENT_BUS_NAME "',interface='" AGENT_INTERFACE
                           "',member='SessionEnded'",
                           &error);
        if (!dbus_error_is_set(&error))
                dbus_bus_add_match(bus,
                                   "type='signal',sender='" DBUS_SERVICE_DBUS
                                   "',member='NameOwnerChanged',arg0='" AGENT_BUS_NAME "'",
                                   &error);
        if (dbus_error_is_set(&error)) {
                log_debug("Cannot watch cwmpd: %s", error.message);
                dbus_error_free(&error);
                session_watch_free(w);
                return -EIO;
        }
        *ret = w;
        return 0;
}
