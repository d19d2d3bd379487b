/* SPDX-License-Identifier: MIT */
#pragma once

#include <dbus/dbus.h>
#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fault.h"

/*
 * cwmpctl: the data model and the CWMP engine from a shell. Every command is one blocking
 * call: to dmd's io.cwmp.DataModel1 interface for the data model, to cwmpd's
 * io.cwmp.Agent1 for sessions and events. The exit code tells scripts how it went.
 */

#define CWMPCTL_BUS_NAME  "io.cwmp.DataModel"
#define CWMPCTL_PATH      "/io/cwmp/DataModel"
#define CWMPCTL_INTERFACE "io.cwmp.DataModel1"

#define CWMPCTL_AGENT_BUS_NAME  "io.cwmp.Agent"
#define CWMPCTL_AGENT_PATH      "/io/cwmp/Agent"
#define CWMPCTL_AGENT_INTERFACE "io.cwmp.Agent1"

#define CWMPCTL_DEFAULT_TIMEOUT_MS 30000

/* The exit codes, documented in --help and docs/cwmpctl.md: scripts rely on them. */
enum {
        CWMPCTL_EXIT_OK = 0,
        CWMPCTL_EXIT_FAULT = 1,       /* dmd or cwmpd refused: a CWMP fault */
        CWMPCTL_EXIT_USAGE = 2,       /* bad command line */
        CWMPCTL_EXIT_UNREACHABLE = 3, /* no bus, the daemon not on it, or no answer in time */
        CWMPCTL_EXIT_FAILURE = 4,     /* anything else: out of memory, an unreadable reply ... */
};

struct cwmpctl {
        const char *address; /* NULL: the system bus */
        int timeout_ms;
        DBusConnection *bus; /* opened on first use */
};

/* A command: parses its own options from argv (argv[0] is "cwmpctl NAME", for getopt's
 * messages) and returns an exit code. */
struct cwmpctl_command {
        const char *name;
        int (*run)(struct cwmpctl *ctx, int argc, char **argv);
        const char *synopsis; /* lines after "cwmpctl " in --help */
        const char *summary;
};

extern const struct cwmpctl_command cwmpctl_commands[];
extern const size_t cwmpctl_n_commands;

/* cwmpctl-agent.c: the commands that talk to cwmpd. */
int cwmpctl_cmd_inform(struct cwmpctl *ctx, int argc, char **argv);
int cwmpctl_cmd_status(struct cwmpctl *ctx, int argc, char **argv);
int cwmpctl_cmd_queue_event(struct cwmpctl *ctx, int argc, char **argv);

static inline void cwmpctl_message_unrefp(DBusMessage **m)
{
        if (*m)
                dbus_message_unref(*m);
}
#define _cleanup_message_ __attribute__((cleanup(cwmpctl_message_unrefp)))

/* cwmpctl.c: options every command accepts too (--address, --timeout). */
enum {
        CWMPCTL_OPT_ADDRESS = 0x100,
        CWMPCTL_OPT_TIMEOUT,
        CWMPCTL_OPT_VERSION,
        _CWMPCTL_OPT_COMMAND_FIRST, /* commands number their long-only options from here */
};
/* clang-format off */
#define CWMPCTL_COMMON_LONG_OPTIONS                                          \
        { "help", no_argument, NULL, 'h' },                                  \
        { "address", required_argument, NULL, CWMPCTL_OPT_ADDRESS },         \
        { "timeout", required_argument, NULL, CWMPCTL_OPT_TIMEOUT }
/* clang-format on */
/* Handles a common option. Returns 0, or an exit code (> 0) after printing why. */
int cwmpctl_common_option(struct cwmpctl *ctx, int opt, const char *arg);
/* Prints "cwmpctl: <message>" and a hint to stderr; returns CWMPCTL_EXIT_USAGE. */
int cwmpctl_usage_error(const char *command, const char *format, ...)
        __attribute__((format(printf, 2, 3)));
/* Prints only the hint, after getopt_long has complained; returns CWMPCTL_EXIT_USAGE. */
int cwmpctl_usage_hint(const char *command);
/* Prints the help of one command to stdout; returns CWMPCTL_EXIT_OK. */
int cwmpctl_command_help(const char *command, const char *details);

enum {
        CWMPCTL_OPTION_END = -1,  /* no more options */
        CWMPCTL_OPTION_HELP = -2, /* --help was shown: the command ends with success */
};
/* A command's option loop: handles --help, the common options and getopt's complaints.
 * Returns 0 for an option the command must handle itself (in *opt), CWMPCTL_OPTION_END,
 * CWMPCTL_OPTION_HELP, or an exit code (> 0) after printing why. */
int cwmpctl_next_option(struct cwmpctl *ctx, int argc, char **argv, const char *short_options,
                        const struct option *options, const char *command, const char *details,
                        int *opt);
/* What a command returns when cwmpctl_next_option() stopped with r (not 0, not
 * CWMPCTL_OPTION_END). */
int cwmpctl_option_exit(int r);
/* libdbus refuses (and may abort on) strings that are not UTF-8: commands check their
 * arguments first. Returns 0, or CWMPCTL_EXIT_USAGE after naming `what`. */
int cwmpctl_check_utf8(const char *command, const char *what, const char *s);

/* cwmpctl-bus.c */
/* Connects if not yet connected. Returns 0 or an exit code after printing why. */
int cwmpctl_connect(struct cwmpctl *ctx);
void cwmpctl_disconnect(struct cwmpctl *ctx);
/* A new call to io.cwmp.DataModel1.<method>; NULL on out of memory. */
DBusMessage *cwmpctl_new_call(const char *method);
/* A new call to cwmpd's io.cwmp.Agent1.<method>; NULL on out of memory. */
DBusMessage *cwmpctl_new_agent_call(const char *method);
/* Sends `call` and waits for the answer. Returns 0 with *reply set (a method return), or
 * an exit code after printing the fault or the reason the daemon (dmd or cwmpd, by the
 * call's destination) could not be reached. */
int cwmpctl_call(struct cwmpctl *ctx, DBusMessage *call, DBusMessage **reply);
/* Checks the signature of a reply; prints a complaint and returns CWMPCTL_EXIT_FAILURE if
 * it is not the expected one, 0 otherwise. */
int cwmpctl_check_reply(DBusMessage *reply, const char *signature);
/* The current ParameterKey (the property), so that a local change keeps the ACS's key. */
int cwmpctl_get_parameter_key(struct cwmpctl *ctx, char **ret);
/* Is this error name one that means the daemon is out of reach rather than refusing? */
bool cwmpctl_error_is_unreachable(const char *name);
/* Prints "cwmpctl: out of memory" and returns CWMPCTL_EXIT_FAILURE. */
int cwmpctl_oom(void);

/* cwmpctl-print.c */
enum cwmpctl_value_format {
        CWMPCTL_VALUE_NAME_VALUE, /* "NAME = VALUE" */
        CWMPCTL_VALUE_WITH_TYPE,  /* "NAME = VALUE (TYPE)" */
        CWMPCTL_VALUE_ONLY,       /* "VALUE" */
};
void cwmpctl_print_value(enum cwmpctl_value_format format, const char *name, const char *type,
                         const char *value);
void cwmpctl_print_name(const char *name, bool writable);
void cwmpctl_print_attributes(const char *name, uint32_t notification, const char *const *access,
                              size_t n_access);

struct cwmpctl_provider_row {
        const char *subtree;
        const char *owner; /* "" for dmd's built-in providers */
        const char *object;
        bool online;
};
/* Prints aligned columns: subtree, owner, object, online/offline. */
void cwmpctl_print_providers(const struct cwmpctl_provider_row *rows, size_t n);
/* cwmpd's io.cwmp.Agent1 properties, as `status` shows them. A string that cwmpd did not
 * report is NULL. */
struct cwmpctl_event {
        const char *code;
        const char *command_key;
};
struct cwmpctl_agent_status {
        const char *session_state;
        const char *url;
        const char *cwmp_version;
        const char *last_result;
        const char *last_time;
        bool has_retry_count;
        uint32_t retry_count;
        bool has_pending_events;
        const struct cwmpctl_event *pending_events;
        size_t n_pending_events;
};
/* Prints one "Label:  value" line per property, then the pending events one per line. */
void cwmpctl_print_agent_status(const struct cwmpctl_agent_status *status);

/* "cwmpctl: fault 9005 (Invalid parameter name): message" and one line per parameter. */
void cwmpctl_print_fault(const struct fault *f);
/* The note printed when a change was accepted but takes effect later (status 1). */
void cwmpctl_print_status_note(const char *command, int32_t status);
