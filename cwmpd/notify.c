/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "events.h"
#include "log.h"
#include "management-server.h"
#include "manager.h"
#include "notify.h"

static int on_notify_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct manager *m = userdata;
        m->notify_timer = sd_event_source_disable_unref(m->notify_timer);
        manager_request_session(m);
        return 0;
}

/* An active change: a session after the gathering delay and the throttle. */
static void schedule_active_session(struct manager *m)
{
        const struct management_settings *ms = management_server_settings(m->ms);
        uint64_t now, delay = (uint64_t)m->settings.active_notification_delay_ms * 1000;

        if (m->notify_timer)
                return; /* one session for the whole burst */
        sd_event_now(m->event, CLOCK_MONOTONIC, &now);
        if (m->last_session_end_usec && ms->default_active_notification_throttle) {
                uint64_t allowed = m->last_session_end_usec +
                                   (uint64_t)ms->default_active_notification_throttle * 1000000;
                if (allowed > now + delay)
                        delay = allowed - now;
        }
        if (sd_event_add_time_relative(m->event, &m->notify_timer, CLOCK_MONOTONIC, delay, 1000,
                                       on_notify_timer, m) < 0)
                log_error("Cannot arm the notification timer");
}

static void on_attributes(DBusMessage *reply, void *userdata)
{
        struct manager *m = userdata;
        DBusMessageIter it, arr;
        bool active = false, any = false;

        if (dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_ERROR ||
            !streq(dbus_message_get_signature(reply), "a(suas)"))
                return; /* the parameter went away meanwhile */
        dbus_message_iter_init(reply, &it);
        dbus_message_iter_recurse(&it, &arr);
        while (dbus_message_iter_get_arg_type(&arr) == DBUS_TYPE_STRUCT) {
                DBusMessageIter st;
                const char *name;
                uint32_t notification;
                dbus_message_iter_recurse(&arr, &st);
                dbus_message_iter_get_basic(&st, &name);
                dbus_message_iter_next(&st);
                dbus_message_iter_get_basic(&st, &notification);
                dbus_message_iter_next(&arr);
                if (notification == 0)
                        continue;
                _cleanup_free_ char *key = NULL;
                if (asprintf(&key, "c:%s", name) < 0)
                        return;
                if (manager_state_set(m, key, notification == 2 ? "active" : "passive") < 0)
                        return;
                any = true;
                active = active || notification == 2;
        }
        if (!any)
                return;
        if (manager_state_save(m) < 0)
                log_error("Cannot save value changes");
        if (active) {
                (void)events_add(m->events, "4 VALUE CHANGE", "", "");
                schedule_active_session(m);
        }
}

/* Values cwmpd computes and reports as their owner: the ACS did not set them, so a change
 * is news even though its origin is cwmpd. */
static bool is_own_live_value(const char *name)
{
        static const char *const names[] = {
                "Device.ManagementServer.ConnectionRequestURL",
                "Device.ManagementServer.UDPConnectionRequestAddress",
        };
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (streq(name, names[i]))
                        return true;
        return false;
}

static DBusHandlerResult on_value_changed(DBusConnection *c, DBusMessage *msg, void *userdata)
{
        struct manager *m = userdata;
        DBusMessageIter it, arr;
        _cleanup_dbus_message_ DBusMessage *call = NULL;
        const char *origin = NULL;
        struct strv names = {};

        if (!dbus_message_is_signal(msg, DM_INTERFACE, "ValueChanged") ||
            !streq(dbus_message_get_signature(msg), "a(sss)s"))
                return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
        dbus_message_iter_init(msg, &it);
        dbus_message_iter_recurse(&it, &arr);
        dbus_message_iter_next(&it);
        dbus_message_iter_get_basic(&it, &origin);
        /* What the ACS set through us is no news to the ACS; what cwmpd computes is. */
        bool ours = origin && streq(origin, dbus_bus_get_unique_name(m->bus));
        while (dbus_message_iter_get_arg_type(&arr) == DBUS_TYPE_STRUCT) {
                DBusMessageIter st;
                const char *name;
                dbus_message_iter_recurse(&arr, &st);
                dbus_message_iter_get_basic(&st, &name);
                if ((!ours || is_own_live_value(name)) && strv_push(&names, name) < 0)
                        goto out;
                dbus_message_iter_next(&arr);
        }
        if (names.n == 0)
                goto out;

        call = dbus_message_new_method_call(DM_BUS_NAME, DM_OBJECT_PATH, DM_INTERFACE,
                                            "GetParameterAttributes");
        if (call && dbus_message_append_args(call, DBUS_TYPE_ARRAY, DBUS_TYPE_STRING, &names.v,
                                             (int)names.n, DBUS_TYPE_INVALID))
                (void)bus_call_async(m->bus, call, DM_TIMEOUT_MS, on_attributes, m, NULL);
out:
        strv_done(&names);
        return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
}

int notify_start(struct manager *m)
{
        DBusError error = DBUS_ERROR_INIT;

        if (!dbus_connection_add_filter(m->bus, on_value_changed, m, NULL))
                return -ENOMEM;
        dbus_bus_add_match(m->bus,
                           "type='signal',sender='" DM_BUS_NAME "',interface='" DM_INTERFACE
                           "',member='ValueChanged'",
                           &error);
        if (dbus_error_is_set(&error)) {
                log_error("Cannot watch value changes: %s", error.message);
                dbus_error_free(&error);
                return -EIO;
        }
        return 0;
}
