/* SPDX-License-Identifier: MIT */
/*
 * cwmpctl: the commands that talk to cwmpd's io.cwmp.Agent1 (inform, status,
 * queue-event). As for the data model commands, arguments are checked completely before
 * the bus is touched.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cwmpctl.h"
#include "util.h"

/* Parses a command that takes no argument besides the common options. Returns
 * CWMPCTL_OPTION_END to go on, or what the command returns. */
static int parse_no_arguments(struct cwmpctl *ctx, int argc, char **argv, const char *command,
                              const char *details)
{
        static const struct option options[] = {
                CWMPCTL_COMMON_LONG_OPTIONS,
                {},
        };
        int opt, r;

        r = cwmpctl_next_option(ctx, argc, argv, "h", options, command, details, &opt);
        if (r != CWMPCTL_OPTION_END)
                return cwmpctl_option_exit(r);
        if (optind < argc)
                return cwmpctl_usage_error(command, "unexpected argument '%s'", argv[optind]);
        return CWMPCTL_OPTION_END;
}

/* ---- inform --------------------------------------------------------------------------- */

static const char inform_details[] =
        "cwmpd opens the session now, or right after the one in progress; while it waits\n"
        "to retry a failed session, the request joins that retry (TR-069's back-off\n"
        "stands). cwmpctl returns once cwmpd has taken the request, before the session\n"
        "ends; 'cwmpctl status' shows how it went. Prints nothing.\n";

int cwmpctl_cmd_inform(struct cwmpctl *ctx, int argc, char **argv)
{
        _cleanup_message_ DBusMessage *call = NULL, *reply = NULL;
        int r;

        r = parse_no_arguments(ctx, argc, argv, "inform", inform_details);
        if (r != CWMPCTL_OPTION_END)
                return r;

        call = cwmpctl_new_agent_call("Inform");
        if (!call)
                return cwmpctl_oom();
        r = cwmpctl_call(ctx, call, &reply);
        if (r > 0)
                return r;
        return cwmpctl_check_reply(reply, "");
}

/* ---- status --------------------------------------------------------------------------- */

static const char status_details[] =
        "Prints cwmpd's state, one \"Label: value\" line each: the session state (idle,\n"
        "waiting for a retry, in a session), the ACS URL, the CWMP version of the last\n"
        "session, the result and time of the last session, the count of sessions failed in\n"
        "a row, and the Inform events waiting for delivery, one per line below their count.\n"
        "Control characters in values are shown as \\xNN.\n";

/* The reply's string properties, by name, and where each goes. */
struct string_property {
        const char *name;
        const char **value;
};

static int unexpected_property(const char *name, const char *signature, const char *expected)
{
        fprintf(stderr, "cwmpctl: unexpected reply: property %s has type '%s', expected '%s'\n",
                name, signature, expected);
        return CWMPCTL_EXIT_FAILURE;
}

/* Reads PendingEvents (a(ss)) into status->pending_events; the strings stay in the reply. */
static int read_pending_events(DBusMessageIter *variant, struct cwmpctl_agent_status *status,
                               struct cwmpctl_event **events)
{
        DBusMessageIter array;
        size_t allocated = 0;

        dbus_message_iter_recurse(variant, &array);
        for (; dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_STRUCT;
             dbus_message_iter_next(&array)) {
                struct cwmpctl_event *e;
                DBusMessageIter s;

                if (status->n_pending_events == allocated) {
                        size_t k = allocated ? allocated * 2 : 16;
                        struct cwmpctl_event *v = reallocarray(*events, k, sizeof(*v));
                        if (!v)
                                return cwmpctl_oom();
                        *events = v;
                        allocated = k;
                }
                e = &(*events)[status->n_pending_events++];
                dbus_message_iter_recurse(&array, &s);
                dbus_message_iter_get_basic(&s, &e->code);
                dbus_message_iter_next(&s);
                dbus_message_iter_get_basic(&s, &e->command_key);
        }
        status->pending_events = *events;
        status->has_pending_events = true;
        return 0;
}

/* Fills `status` from one a{sv} entry. Properties it does not know are skipped: a newer
 * cwmpd may have more. */
static int read_property(DBusMessageIter *entry, struct cwmpctl_agent_status *status,
                         struct cwmpctl_event **events)
{
        const struct string_property strings[] = {
                {"SessionState", &status->session_state},
                {"URL", &status->url},
                {"CWMPVersion", &status->cwmp_version},
                {"LastSessionResult", &status->last_result},
                {"LastSessionTime", &status->last_time},
        };
        _cleanup_free_ char *signature = NULL;
        DBusMessageIter variant;
        const char *name;

        dbus_message_iter_get_basic(entry, &name);
        dbus_message_iter_next(entry);
        dbus_message_iter_recurse(entry, &variant);
        signature = dbus_message_iter_get_signature(&variant);
        if (!signature)
                return cwmpctl_oom();

        for (size_t i = 0; i < ELEMENTSOF(strings); i++) {
                if (!streq(name, strings[i].name))
                        continue;
                if (!streq(signature, "s"))
                        return unexpected_property(name, signature, "s");
                dbus_message_iter_get_basic(&variant, strings[i].value);
                return 0;
        }
        if (streq(name, "RetryCount")) {
                if (!streq(signature, "u"))
                        return unexpected_property(name, signature, "u");
                dbus_message_iter_get_basic(&variant, &status->retry_count);
                status->has_retry_count = true;
        } else if (streq(name, "PendingEvents")) {
                if (!streq(signature, "a(ss)"))
                        return unexpected_property(name, signature, "a(ss)");
                return read_pending_events(&variant, status, events);
        }
        return 0;
}

int cwmpctl_cmd_status(struct cwmpctl *ctx, int argc, char **argv)
{
        static const char interface[] = CWMPCTL_AGENT_INTERFACE;
        _cleanup_message_ DBusMessage *call = NULL, *reply = NULL;
        _cleanup_free_ struct cwmpctl_event *events = NULL;
        struct cwmpctl_agent_status status = {};
        const char *interface_ptr = interface;
        DBusMessageIter iter, dict;
        int r;

        r = parse_no_arguments(ctx, argc, argv, "status", status_details);
        if (r != CWMPCTL_OPTION_END)
                return r;

        call = dbus_message_new_method_call(CWMPCTL_AGENT_BUS_NAME, CWMPCTL_AGENT_PATH,
                                            DBUS_INTERFACE_PROPERTIES, "GetAll");
        if (!call ||
            !dbus_message_append_args(call, DBUS_TYPE_STRING, &interface_ptr, DBUS_TYPE_INVALID))
                return cwmpctl_oom();
        r = cwmpctl_call(ctx, call, &reply);
        if (r > 0)
                return r;
        r = cwmpctl_check_reply(reply, "a{sv}");
        if (r > 0)
                return r;

        dbus_message_iter_init(reply, &iter);
        dbus_message_iter_recurse(&iter, &dict);
        for (; dbus_message_iter_get_arg_type(&dict) == DBUS_TYPE_DICT_ENTRY;
             dbus_message_iter_next(&dict)) {
                DBusMessageIter entry;

                dbus_message_iter_recurse(&dict, &entry);
                r = read_property(&entry, &status, &events);
                if (r > 0)
                        return r;
        }
        cwmpctl_print_agent_status(&status);
        return CWMPCTL_EXIT_OK;
}

/* ---- queue-event ---------------------------------------------------------------------- */

static const char queue_event_details[] =
        "Does what a daemon with news for the ACS does, and returns once cwmpd has the\n"
        "event on disk; a session follows soon. CODE is a TR-069 event code: \"N NAME\"\n"
        "(\"8 DIAGNOSTICS COMPLETE\"), \"M Method\" (\"M Download\") or \"X OUI NAME\".\n"
        "COMMAND_KEY goes with \"M\" and \"X\" events only. cwmpd's queue rules apply: a\n"
        "single event already queued is not queued twice, \"0 BOOTSTRAP\" drops the rest.\n"
        "Prints nothing.\n"
        "\n"
        "  -p, --producer-key KEY  Queue the event only once for KEY, however often the\n"
        "                          command is repeated (a hook that retries)\n";

enum {
        QUEUE_EVENT_OPT_PRODUCER_KEY = 'p',
};

static bool is_numbered_event(const char *code)
{
        return code[0] >= '0' && code[0] <= '9';
}

int cwmpctl_cmd_queue_event(struct cwmpctl *ctx, int argc, char **argv)
{
        static const struct option options[] = {
                CWMPCTL_COMMON_LONG_OPTIONS,
                {"producer-key", required_argument, NULL, QUEUE_EVENT_OPT_PRODUCER_KEY},
                {},
        };
        _cleanup_message_ DBusMessage *call = NULL, *reply = NULL;
        const char *code, *command_key = "", *producer_key = "";
        int opt, r;

        while ((r = cwmpctl_next_option(ctx, argc, argv, "hp:", options, "queue-event",
                                        queue_event_details, &opt)) == 0) {
                if (opt != QUEUE_EVENT_OPT_PRODUCER_KEY)
                        continue;
                /* An empty key would mean "no key": a retry would queue the event again. */
                if (optarg[0] == '\0')
                        return cwmpctl_usage_error("queue-event", "empty --producer-key");
                producer_key = optarg;
        }
        if (r != CWMPCTL_OPTION_END)
                return cwmpctl_option_exit(r);
        if (optind >= argc)
                return cwmpctl_usage_error("queue-event", "missing CODE (\"8 DIAGNOSTICS "
                                                          "COMPLETE\", \"M Download\" ...)");
        if (argc - optind > 2)
                return cwmpctl_usage_error("queue-event",
                                           "takes CODE and at most one COMMAND_KEY; quote a "
                                           "CODE with spaces");
        code = argv[optind];
        if (optind + 1 < argc)
                command_key = argv[optind + 1];
        if (code[0] == '\0')
                return cwmpctl_usage_error("queue-event", "empty CODE");
        if ((r = cwmpctl_check_utf8("queue-event", "CODE", code)) > 0 ||
            (r = cwmpctl_check_utf8("queue-event", "COMMAND_KEY", command_key)) > 0 ||
            (r = cwmpctl_check_utf8("queue-event", "--producer-key", producer_key)) > 0)
                return r;
        /* TR-069 puts a transfer's key on its "M" event; the numbered one carries none. */
        if (command_key[0] && is_numbered_event(code))
                return cwmpctl_usage_error("queue-event",
                                           "'%s' takes no COMMAND_KEY: it goes with the \"M\" "
                                           "event",
                                           code);

        call = cwmpctl_new_agent_call("QueueEvent");
        if (!call ||
            !dbus_message_append_args(call, DBUS_TYPE_STRING, &code, DBUS_TYPE_STRING, &command_key,
                                      DBUS_TYPE_STRING, &producer_key, DBUS_TYPE_INVALID))
                return cwmpctl_oom();
        r = cwmpctl_call(ctx, call, &reply);
        if (r > 0)
                return r;
        return cwmpctl_check_reply(reply, "");
}
