/* SPDX-License-Identifier: MIT */
#pragma once

#include <dbus/dbus.h>
#include <stdbool.h>
#include <systemd/sd-event.h>

/*
 * libdbus on sd-event: watches become io sources (one per fd, read and write masks
 * combined), timeouts become re-armed timers, dispatching happens from a defer source and
 * never from libdbus' own callbacks. Plus small helpers every daemon needs.
 */

/* Installs the glue. The connection keeps a reference to the event loop until detached. */
int bus_attach_event(DBusConnection *c, sd_event *e);
void bus_detach_event(DBusConnection *c);

/* A private connection to the system bus (DBUS_SYSTEM_BUS_ADDRESS is honoured) or to
 * `address`, attached to e, not exiting the process on disconnect: instead the loop is
 * left with sd_event_exit(e, -ECONNRESET) so that systemd restarts the daemon. */
int bus_open_system(sd_event *e, DBusConnection **ret);
int bus_open_address(sd_event *e, const char *address, DBusConnection **ret);
void bus_close(DBusConnection *c); /* detach, close, unref; NULL is fine */

/* Requests a well-known name, not queueing. -EEXIST if someone else owns it. */
int bus_request_name(DBusConnection *c, const char *name);

/* Answers org.freedesktop.DBus.Introspectable.Introspect with
 * INTROSPECT_HEADER "<node>" + interfaces_xml + INTROSPECT_STANDARD_INTERFACES "</node>",
 * and org.freedesktop.DBus.Peer.Ping / GetMachineId. Returns DBUS_HANDLER_RESULT_HANDLED
 * for those, NOT_YET_HANDLED for anything else. */
DBusHandlerResult bus_handle_standard(DBusConnection *c, DBusMessage *m,
                                      const char *interfaces_xml);

/* Sends a method call and calls `callback` with the reply (an error reply too: a timeout
 * or a vanished peer becomes a synthesised error reply). `free_userdata` runs once the
 * callback has run or the call is dropped. */
typedef void (*bus_reply_fn)(DBusMessage *reply, void *userdata);
int bus_call_async(DBusConnection *c, DBusMessage *call, int timeout_ms, bus_reply_fn callback,
                   void *userdata, void (*free_userdata)(void *));

/* Sends a message (reply or signal). -ENOMEM on failure. */
int bus_send(DBusConnection *c, DBusMessage *m);
/* Answers `call` with an empty method return. */
int bus_reply_empty(DBusConnection *c, DBusMessage *call);
/* Sends an error reply named `name` with the message text. */
int bus_reply_error(DBusConnection *c, DBusMessage *call, const char *name, const char *format, ...)
        __attribute__((format(printf, 4, 5)));

static inline void dbus_message_unrefp(DBusMessage **m)
{
        if (*m)
                dbus_message_unref(*m);
}
#define _cleanup_dbus_message_ __attribute__((cleanup(dbus_message_unrefp)))
