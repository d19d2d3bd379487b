/* SPDX-License-Identifier: MIT */
/* io.cwmp.Agent1: what other daemons and people on the box ask of cwmpd. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent-bus.h"
#include "autonomous-transfer.h"
#include "bus.h"
#include "events.h"
#include "fault.h"
#include "introspect.h"
#include "log.h"
#include "manager.h"
#include "session.h"
#include "transfer-complete.h"

#define PROPERTIES_INTERFACE "org.freedesktop.DBus.Properties"

static void handle_queue_event(struct manager *m, DBusMessage *call)
{
        const char *code, *key, *producer;
        int r;

        if (!dbus_message_get_args(call, NULL, DBUS_TYPE_STRING, &code, DBUS_TYPE_STRING, &key,
                                   DBUS_TYPE_STRING, &producer, DBUS_TYPE_INVALID)) {
                (void)bus_reply_error(m->bus, call, DBUS_ERROR_INVALID_ARGS, "expected (sss)");
                return;
        }
        /* events_add returns once the event is on disk: only then is the producer told. */
        r = manager_queue_event(m, code, key, producer);
        if (r == -EINVAL) {
                fault_reply(m->bus, call, CWMP_FAULT_INVALID_ARGUMENTS,
                            "\"%s\" is not an event code", code);
                return;
        }
        if (r < 0) {
                fault_reply(m->bus, call, fault_from_errno(r), "Cannot queue %s: %s", code,
                            strerror(-r));
                return;
        }
        bus_reply_empty(m->bus, call);
}

/* Answers a hand-off once its result is stored (r >= 0), or with the fault that kept it
 * out: 9003 naming the bad argument (-EINVAL), otherwise the errno's fault. */
static void reply_stored(struct manager *m, DBusMessage *call, int r, const char *reason)
{
        if (r == -EINVAL) {
                fault_reply(m->bus, call, CWMP_FAULT_INVALID_ARGUMENTS, "%s", reason);
                return;
        }
        if (r < 0) {
                fault_reply(m->bus, call, fault_from_errno(r), "Cannot store the result: %s",
                            strerror(-r));
                return;
        }
        bus_reply_empty(m->bus, call);
}

static void handle_queue_transfer_complete(struct manager *m, DBusMessage *call)
{
        const char *method, *key, *fault_string, *start, *complete, *producer;
        const char *reason = NULL;
        uint32_t fault_code;
        int r;

        if (!dbus_message_get_args(call, NULL, DBUS_TYPE_STRING, &method, DBUS_TYPE_STRING, &key,
                                   DBUS_TYPE_UINT32, &fault_code, DBUS_TYPE_STRING, &fault_string,
                                   DBUS_TYPE_STRING, &start, DBUS_TYPE_STRING, &complete,
                                   DBUS_TYPE_STRING, &producer, DBUS_TYPE_INVALID)) {
                (void)bus_reply_error(m->bus, call, DBUS_ERROR_INVALID_ARGS, "expected (ssussss)");
                return;
        }
        r = transfer_complete_queue(m, method, key, fault_code, fault_string, start, complete,
                                    producer, &reason);
        reply_stored(m, call, r, reason);
}

static void handle_queue_autonomous_transfer_complete(struct manager *m, DBusMessage *call)
{
        struct soap_autonomous_transfer t = {};
        const char *producer, *reason = NULL;
        dbus_bool_t is_download;
        int r;

        if (!dbus_message_get_args(
                    call, NULL, DBUS_TYPE_STRING, &t.announce_url, DBUS_TYPE_STRING,
                    &t.transfer_url, DBUS_TYPE_BOOLEAN, &is_download, DBUS_TYPE_STRING,
                    &t.file_type, DBUS_TYPE_UINT32, &t.file_size, DBUS_TYPE_STRING,
                    &t.target_file_name, DBUS_TYPE_UINT32, &t.fault_code, DBUS_TYPE_STRING,
                    &t.fault_string, DBUS_TYPE_STRING, &t.start_time, DBUS_TYPE_STRING,
                    &t.complete_time, DBUS_TYPE_STRING, &producer, DBUS_TYPE_INVALID)) {
                (void)bus_reply_error(m->bus, call, DBUS_ERROR_INVALID_ARGS,
                                      "expected (ssbsusussss)");
                return;
        }
        t.is_download = is_download;
        r = autonomous_transfer_queue(m, &t, producer, &reason);
        reply_stored(m, call, r, reason);
}

static const char *session_state(struct manager *m)
{
        if (m->session)
                return "session";
        if (m->retry_timer || m->notify_timer)
                return "waiting";
        return "idle";
}

static int append_property(struct manager *m, DBusMessageIter *it, const char *name)
{
        DBusMessageIter var, arr;
        const char *s = NULL;
        uint32_t u = 0;
        int type;

        if (streq(name, "SessionState"))
                s = session_state(m);
        else if (streq(name, "LastSessionResult"))
                s = m->last_result;
        else if (streq(name, "LastSessionTime"))
                s = m->last_time;
        else if (streq(name, "URL"))
                s = manager_acs_url(m);
        else if (streq(name, "CWMPVersion"))
                s = cwmp_version_string(m->version);
        else if (streq(name, "RetryCount"))
                u = m->retry_count;
        else if (!streq(name, "PendingEvents"))
                return -ENOENT;
        if (streq(name, "PendingEvents")) {
                size_t n;
                const struct event *ev = events_list(m->events, &n);
                if (!dbus_message_iter_open_container(it, DBUS_TYPE_VARIANT, "a(ss)", &var) ||
                    !dbus_message_iter_open_container(&var, DBUS_TYPE_ARRAY, "(ss)", &arr))
                        return -ENOMEM;
                for (size_t i = 0; i < n; i++) {
                        DBusMessageIter st;
                        if (!dbus_message_iter_open_container(&arr, DBUS_TYPE_STRUCT, NULL, &st) ||
                            !dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &ev[i].code) ||
                            !dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING,
                                                            &ev[i].command_key) ||
                            !dbus_message_iter_close_container(&arr, &st))
                                return -ENOMEM;
                }
                if (!dbus_message_iter_close_container(&var, &arr) ||
                    !dbus_message_iter_close_container(it, &var))
                        return -ENOMEM;
                return 0;
        }
        type = s ? DBUS_TYPE_STRING : DBUS_TYPE_UINT32;
        if (!dbus_message_iter_open_container(it, DBUS_TYPE_VARIANT, s ? "s" : "u", &var) ||
            !dbus_message_iter_append_basic(&var, type, s ? (const void *)&s : (const void *)&u) ||
            !dbus_message_iter_close_container(it, &var))
                return -ENOMEM;
        return 0;
}

static void handle_properties(struct manager *m, DBusMessage *call)
{
        static const char *const names[] = {"SessionState", "LastSessionResult", "LastSessionTime",
                                            "RetryCount",   "PendingEvents",     "URL",
                                            "CWMPVersion"};
        _cleanup_dbus_message_ DBusMessage *reply = NULL;
        const char *iface = NULL, *prop = NULL;
        DBusMessageIter it, dict;

        if (dbus_message_is_method_call(call, PROPERTIES_INTERFACE, "Get") &&
            dbus_message_get_args(call, NULL, DBUS_TYPE_STRING, &iface, DBUS_TYPE_STRING, &prop,
                                  DBUS_TYPE_INVALID)) {
                reply = dbus_message_new_method_return(call);
                if (!reply)
                        return;
                dbus_message_iter_init_append(reply, &it);
                if (!streq(iface, AGENT_INTERFACE) || append_property(m, &it, prop) < 0) {
                        (void)bus_reply_error(m->bus, call, DBUS_ERROR_UNKNOWN_PROPERTY,
                                              "No property %s.%s", iface, prop);
                        return;
                }
        } else if (dbus_message_is_method_call(call, PROPERTIES_INTERFACE, "GetAll") &&
                   dbus_message_get_args(call, NULL, DBUS_TYPE_STRING, &iface, DBUS_TYPE_INVALID)) {
                reply = dbus_message_new_method_return(call);
                if (!reply)
                        return;
                dbus_message_iter_init_append(reply, &it);
                if (!dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "{sv}", &dict))
                        return;
                for (size_t i = 0; streq(iface, AGENT_INTERFACE) && i < ELEMENTSOF(names); i++) {
                        DBusMessageIter entry;
                        if (!dbus_message_iter_open_container(&dict, DBUS_TYPE_DICT_ENTRY, NULL,
                                                              &entry) ||
                            !dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &names[i]) ||
                            append_property(m, &entry, names[i]) < 0 ||
                            !dbus_message_iter_close_container(&dict, &entry))
                                return;
                }
                if (!dbus_message_iter_close_container(&it, &dict))
                        return;
        } else if (dbus_message_is_method_call(call, PROPERTIES_INTERFACE, "Set")) {
                (void)bus_reply_error(m->bus, call, DBUS_ERROR_PROPERTY_READ_ONLY,
                                      "The properties of %s are read-only", AGENT_INTERFACE);
                return;
        } else {
                (void)bus_reply_error(m->bus, call, DBUS_ERROR_INVALID_ARGS, "Bad call");
                return;
        }
        (void)bus_send(m->bus, reply);
}

static DBusHandlerResult on_message(DBusConnection *c, DBusMessage *msg, void *userdata)
{
        struct manager *m = userdata;
        const char *iface, *member;

        if (dbus_message_get_type(msg) != DBUS_MESSAGE_TYPE_METHOD_CALL)
                return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
        if (bus_handle_standard(c, msg, m->introspection) == DBUS_HANDLER_RESULT_HANDLED)
                return DBUS_HANDLER_RESULT_HANDLED;
        iface = dbus_message_get_interface(msg);
        member = dbus_message_get_member(msg);
        if (iface && streq(iface, PROPERTIES_INTERFACE))
                handle_properties(m, msg);
        else if (iface && !streq(iface, AGENT_INTERFACE))
                (void)bus_reply_error(c, msg, DBUS_ERROR_UNKNOWN_INTERFACE, "Unknown interface %s",
                                      iface);
        else if (streq(member, "QueueEvent"))
                handle_queue_event(m, msg);
        else if (streq(member, "QueueTransferComplete"))
                handle_queue_transfer_complete(m, msg);
        else if (streq(member, "QueueAutonomousTransferComplete"))
                handle_queue_autonomous_transfer_complete(m, msg);
        else if (streq(member, "Inform")) {
                manager_request_session_now(m);
                bus_reply_empty(m->bus, msg);
        } else
                (void)bus_reply_error(c, msg, DBUS_ERROR_UNKNOWN_METHOD, "Unknown method %s",
                                      member);
        return DBUS_HANDLER_RESULT_HANDLED;
}

int agent_bus_emit_session_ended(struct manager *m, bool success, const char *result)
{
        _cleanup_dbus_message_ DBusMessage *sig =
                dbus_message_new_signal(AGENT_OBJECT_PATH, AGENT_INTERFACE, "SessionEnded");
        dbus_bool_t ok = success;

        if (!sig || !dbus_message_append_args(sig, DBUS_TYPE_BOOLEAN, &ok, DBUS_TYPE_STRING,
                                              &result, DBUS_TYPE_INVALID))
                return -ENOMEM;
        return bus_send(m->bus, sig);
}

int agent_bus_register(struct manager *m)
{
        static const DBusObjectPathVTable vtable = {.message_function = on_message};

        if (asprintf(&m->introspection, "%s%s", introspect_io_cwmp_Agent1,
                     INTROSPECT_PROPERTIES_INTERFACE) < 0) {
                m->introspection = NULL;
                return -ENOMEM;
        }
        if (!dbus_connection_register_object_path(m->bus, AGENT_OBJECT_PATH, &vtable, m))
                return -ENOMEM;
        return 0;
}
