/* SPDX-License-Identifier: MIT */
/*
 * cwmpctl: the connection to the bus and the one blocking call per command, with the
 * decision every script cares about: did the daemon refuse (a fault), or could it not be
 * reached.
 */
#include <errno.h>
#include <stdio.h>

#include "cwmpctl.h"
#include "util.h"

int cwmpctl_oom(void)
{
        fputs("cwmpctl: out of memory\n", stderr);
        return CWMPCTL_EXIT_FAILURE;
}

int cwmpctl_connect(struct cwmpctl *ctx)
{
        DBusError error = DBUS_ERROR_INIT;
        DBusConnection *c;
        int r;

        if (ctx->bus)
                return 0;

        if (ctx->address) {
                c = dbus_connection_open_private(ctx->address, &error);
                if (c && !dbus_bus_register(c, &error)) {
                        dbus_connection_close(c);
                        dbus_connection_unref(c);
                        c = NULL;
                }
        } else
                c = dbus_bus_get_private(DBUS_BUS_SYSTEM, &error);

        if (!c) {
                if (dbus_error_has_name(&error, DBUS_ERROR_NO_MEMORY)) {
                        r = cwmpctl_oom();
                } else {
                        fprintf(stderr, "cwmpctl: cannot connect to %s%s: %s\n",
                                ctx->address ? "the bus at " : "the system bus", ctx->address ?: "",
                                error.message ?: "unknown error");
                        r = CWMPCTL_EXIT_UNREACHABLE;
                }
                dbus_error_free(&error);
                return r;
        }

        /* A CLI reports a lost bus as an error; it must not be killed by libdbus. */
        dbus_connection_set_exit_on_disconnect(c, FALSE);
        ctx->bus = c;
        return 0;
}

void cwmpctl_disconnect(struct cwmpctl *ctx)
{
        if (!ctx->bus)
                return;
        dbus_connection_flush(ctx->bus);
        dbus_connection_close(ctx->bus);
        dbus_connection_unref(ctx->bus);
        ctx->bus = NULL;
}

DBusMessage *cwmpctl_new_call(const char *method)
{
        return dbus_message_new_method_call(CWMPCTL_BUS_NAME, CWMPCTL_PATH, CWMPCTL_INTERFACE,
                                            method);
}

DBusMessage *cwmpctl_new_agent_call(const char *method)
{
        return dbus_message_new_method_call(CWMPCTL_AGENT_BUS_NAME, CWMPCTL_AGENT_PATH,
                                            CWMPCTL_AGENT_INTERFACE, method);
}

/* The daemon behind a bus name, for the hint in "cannot reach" messages. */
static const char *daemon_of(const char *bus_name)
{
        return bus_name && streq(bus_name, CWMPCTL_AGENT_BUS_NAME) ? "cwmpd" : "dmd";
}

bool cwmpctl_error_is_unreachable(const char *name)
{
        static const char *const names[] = {
                DBUS_ERROR_SERVICE_UNKNOWN, DBUS_ERROR_NAME_HAS_NO_OWNER, DBUS_ERROR_NO_REPLY,
                DBUS_ERROR_TIMEOUT,         DBUS_ERROR_TIMED_OUT,         DBUS_ERROR_DISCONNECTED,
                DBUS_ERROR_NO_SERVER,       DBUS_ERROR_NO_NETWORK,
        };

        if (!name)
                return false;
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (streq(name, names[i]))
                        return true;
        /* Bus activation of the daemon failed: still "not reachable", not a refusal. */
        return startswith(name, "org.freedesktop.DBus.Error.Spawn.");
}

static int report_unreachable(const struct cwmpctl *ctx, const char *destination,
                              DBusMessage *reply)
{
        const char *name = dbus_message_get_error_name(reply);
        const char *text = NULL;

        if (streq(name, DBUS_ERROR_NO_REPLY) || streq(name, DBUS_ERROR_TIMEOUT) ||
            streq(name, DBUS_ERROR_TIMED_OUT)) {
                /* libdbus' own text lists every possible cause; the timeout is the one. */
                fprintf(stderr, "cwmpctl: no answer from %s within %g s\n", destination,
                        ctx->timeout_ms / 1000.0);
                return CWMPCTL_EXIT_UNREACHABLE;
        }

        if (!dbus_message_get_args(reply, NULL, DBUS_TYPE_STRING, &text, DBUS_TYPE_INVALID))
                text = name;
        fprintf(stderr, "cwmpctl: cannot reach %s (is %s running?): %s\n", destination,
                daemon_of(destination), text);
        return CWMPCTL_EXIT_UNREACHABLE;
}

static int report_error_reply(const struct cwmpctl *ctx, const char *destination,
                              DBusMessage *reply)
{
        struct fault f = {};
        int r;

        if (cwmpctl_error_is_unreachable(dbus_message_get_error_name(reply)))
                return report_unreachable(ctx, destination, reply);

        r = fault_from_error_reply(reply, &f);
        if (r == -ENOMEM)
                return cwmpctl_oom();
        if (r < 0) {
                fprintf(stderr, "cwmpctl: unreadable error from %s: %s\n", destination,
                        dbus_message_get_error_name(reply) ?: "(no name)");
                return CWMPCTL_EXIT_FAILURE;
        }
        /* The bus' own refusal names every matched rule; what the user needs to hear is
         * shorter. The fault code (9001) stays as fault.h maps it. */
        if (dbus_message_is_error(reply, DBUS_ERROR_ACCESS_DENIED) &&
            fault_set(&f, f.code, "the D-Bus policy refused the call (it needs root)") < 0) {
                fault_done(&f);
                return cwmpctl_oom();
        }
        cwmpctl_print_fault(&f);
        fault_done(&f);
        return CWMPCTL_EXIT_FAULT;
}

int cwmpctl_call(struct cwmpctl *ctx, DBusMessage *call, DBusMessage **reply)
{
        const char *destination = dbus_message_get_destination(call) ?: CWMPCTL_BUS_NAME;
        DBusPendingCall *pending = NULL;
        DBusMessage *m;
        int r;

        r = cwmpctl_connect(ctx);
        if (r > 0)
                return r;

        /* Not send_with_reply_and_block: it keeps only the error's name and text, and a
         * fault's per-parameter list is in the body of the error reply. */
        if (!dbus_connection_send_with_reply(ctx->bus, call, &pending, ctx->timeout_ms))
                return cwmpctl_oom();
        if (!pending) {
                fprintf(stderr, "cwmpctl: cannot reach %s: disconnected from the bus\n",
                        destination);
                return CWMPCTL_EXIT_UNREACHABLE;
        }
        dbus_pending_call_block(pending);
        m = dbus_pending_call_steal_reply(pending);
        dbus_pending_call_unref(pending);
        if (!m)
                return cwmpctl_oom();

        if (dbus_message_get_type(m) == DBUS_MESSAGE_TYPE_ERROR) {
                r = report_error_reply(ctx, destination, m);
                dbus_message_unref(m);
                return r;
        }
        *reply = m;
        return 0;
}

int cwmpctl_check_reply(DBusMessage *reply, const char *signature)
{
        if (dbus_message_has_signature(reply, signature))
                return 0;
        /* The reply names only the daemon's unique name: the signature says enough. */
        fprintf(stderr, "cwmpctl: unexpected reply: signature '%s', expected '%s'\n",
                dbus_message_get_signature(reply), signature);
        return CWMPCTL_EXIT_FAILURE;
}

int cwmpctl_get_parameter_key(struct cwmpctl *ctx, char **ret)
{
        static const char interface[] = CWMPCTL_INTERFACE, property[] = "ParameterKey";
        DBusMessage *call, *reply = NULL;
        DBusMessageIter iter, variant;
        const char *interface_ptr = interface, *property_ptr = property, *key;
        int r;

        call = dbus_message_new_method_call(CWMPCTL_BUS_NAME, CWMPCTL_PATH,
                                            DBUS_INTERFACE_PROPERTIES, "Get");
        if (!call)
                return cwmpctl_oom();
        if (!dbus_message_append_args(call, DBUS_TYPE_STRING, &interface_ptr, DBUS_TYPE_STRING,
                                      &property_ptr, DBUS_TYPE_INVALID)) {
                dbus_message_unref(call);
                return cwmpctl_oom();
        }
        r = cwmpctl_call(ctx, call, &reply);
        dbus_message_unref(call);
        if (r > 0)
                return r;

        r = cwmpctl_check_reply(reply, "v");
        if (r > 0)
                goto finish;
        dbus_message_iter_init(reply, &iter);
        dbus_message_iter_recurse(&iter, &variant);
        if (dbus_message_iter_get_arg_type(&variant) != DBUS_TYPE_STRING) {
                fprintf(stderr,
                        "cwmpctl: unexpected reply from %s: ParameterKey is not a "
                        "string\n",
                        CWMPCTL_BUS_NAME);
                r = CWMPCTL_EXIT_FAILURE;
                goto finish;
        }
        dbus_message_iter_get_basic(&variant, &key);
        *ret = strdup(key);
        r = *ret ? 0 : cwmpctl_oom();
finish:
        dbus_message_unref(reply);
        return r;
}
