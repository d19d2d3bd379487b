/* SPDX-License-Identifier: MIT */
#pragma once

#include <dbus/dbus.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fault.h"

/*
 * cwmpctl: the data model from a shell. Every command is one blocking call to dmd's
 * io.cwmp.DataModel1 interface; the exit code tells scripts how it went.
 */

#define CWMPCTL_BUS_NAME  "io.cwmp.DataModel"
#define CWMPCTL_PATH      "/io/cwmp/DataModel"
#define CWMPCTL_INTERFACE "io.cwmp.DataModel1"

#define CWMPCTL_DEFAULT_TIMEOUT_MS 30000

/* The exit codes, documented in --help and docs/cwmpctl.md: scripts rely on them. */
enum {
        CWMPCTL_EXIT_OK = 0,
        CWMPCTL_EXIT_FAULT = 1,       /* the data model refused: a CWMP fault */
        CWMPCTL_EXIT_USAGE = 2,       /* bad command line */
        CWMPCTL_EXIT_UNREACHABLE = 3, /* no bus, dmd not on it, or no answer in time */
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

/* cwmpctl-bus.c */
/* Connects if not yet connected. Returns 0 or an exit code after printing why. */
int cwmpctl_connect(struct cwmpctl *ctx);
void cwmpctl_disconnect(struct cwmpctl *ctx);
/* A new call to io.cwmp.DataModel1.<method>; NULL on out of memory. */
DBusMessage *cwmpctl_new_call(const char *method);
/* Sends `call` and waits for the answer. Returns 0 with *reply set (a method return), or
 * an exit code after printing the fault or the reason dmd could not be reached. */
int cwmpctl_call(struct cwmpctl *ctx, DBusMessage *call, DBusMessage **reply);
/* Checks the signature of a reply; prints a complaint and returns CWMPCTL_EXIT_FAILURE if
 * it is not the expected one, 0 otherwise. */
int cwmpctl_check_reply(DBusMessage *reply, const char *signature);
/* The current ParameterKey (the property), so that a local change keeps the ACS's key. */
int cwmpctl_get_parameter_key(struct cwmpctl *ctx, char **ret);
/* Is this error name one that means dmd is out of reach rather than refusing? */
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
/* "cwmpctl: fault 9005 (Invalid parameter name): message" and one line per parameter. */
void cwmpctl_print_fault(const struct fault *f);
/* The note printed when a change was accepted but takes effect later (status 1). */
void cwmpctl_print_status_note(const char *command, int32_t status);
