/* SPDX-License-Identifier: MIT */
/*
 * cwmpctl: one function per data model command (cwmpd's are in cwmpctl-agent.c), and the
 * table of all commands. Each parses its arguments completely before it touches the bus,
 * so a usage error is reported (exit 2) even where there is no bus.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cwmpctl.h"
#include "util.h"

static bool append_strings(DBusMessageIter *iter, char *const *strings, size_t n)
{
        DBusMessageIter array;

        if (!dbus_message_iter_open_container(iter, DBUS_TYPE_ARRAY, "s", &array))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!dbus_message_iter_append_basic(&array, DBUS_TYPE_STRING, &strings[i])) {
                        dbus_message_iter_abandon_container(iter, &array);
                        return false;
                }
        return dbus_message_iter_close_container(iter, &array);
}

/* Reads consecutive basic fields of a struct: pairs of (D-Bus type, pointer to storage).
 * The caller has checked the reply's signature; the types are checked again regardless. */
static void read_fields(DBusMessageIter *structure, int n, ...)
{
        va_list ap;

        va_start(ap, n);
        for (int i = 0; i < n; i++) {
                int type = va_arg(ap, int);
                void *storage = va_arg(ap, void *);

                if (dbus_message_iter_get_arg_type(structure) == type)
                        dbus_message_iter_get_basic(structure, storage);
                dbus_message_iter_next(structure);
        }
        va_end(ap);
}

/* The ParameterKey for a change: -k KEY if given, else the current one, so that a change
 * made on the box does not pretend to be a configuration the ACS sent. */
static int resolve_parameter_key(struct cwmpctl *ctx, const char *given, char **ret)
{
        if (given) {
                *ret = strdup(given);
                return *ret ? 0 : cwmpctl_oom();
        }
        return cwmpctl_get_parameter_key(ctx, ret);
}

/* ---- get ------------------------------------------------------------------------------ */

static const char get_details[] =
        "Prints one line per parameter, \"NAME = VALUE\". A PATH ending in \".\" stands for\n"
        "every parameter below it; \"\" is the whole data model. Values are printed as they\n"
        "are: a value that holds a newline spans several lines.\n"
        "\n"
        "  -t, --type              Append the type: \"NAME = VALUE (TYPE)\"\n"
        "  -v, --value             Print the values only, one per line\n";

static int cmd_get(struct cwmpctl *ctx, int argc, char **argv)
{
        static const struct option options[] = {
                CWMPCTL_COMMON_LONG_OPTIONS,
                {"type", no_argument, NULL, 't'},
                {"value", no_argument, NULL, 'v'},
                {},
        };
        _cleanup_message_ DBusMessage *call = NULL, *reply = NULL;
        bool with_type = false, value_only = false;
        enum cwmpctl_value_format format;
        DBusMessageIter iter, array;
        int opt, r;

        while ((r = cwmpctl_next_option(ctx, argc, argv, "htv", options, "get", get_details,
                                        &opt)) == 0)
                if (opt == 't')
                        with_type = true;
                else if (opt == 'v')
                        value_only = true;
        if (r != CWMPCTL_OPTION_END)
                return cwmpctl_option_exit(r);
        if (with_type && value_only)
                return cwmpctl_usage_error("get", "--type and --value exclude each other");
        if (optind >= argc)
                return cwmpctl_usage_error("get", "missing PATH (\"\" is the whole model)");
        for (int i = optind; i < argc; i++)
                if ((r = cwmpctl_check_utf8("get", "PATH", argv[i])) > 0)
                        return r;
        format = with_type    ? CWMPCTL_VALUE_WITH_TYPE
                 : value_only ? CWMPCTL_VALUE_ONLY
                              : CWMPCTL_VALUE_NAME_VALUE;

        call = cwmpctl_new_call("GetParameterValues");
        if (!call)
                return cwmpctl_oom();
        dbus_message_iter_init_append(call, &iter);
        if (!append_strings(&iter, argv + optind, argc - optind))
                return cwmpctl_oom();

        r = cwmpctl_call(ctx, call, &reply);
        if (r > 0)
                return r;
        r = cwmpctl_check_reply(reply, "a(sss)");
        if (r > 0)
                return r;

        dbus_message_iter_init(reply, &iter);
        dbus_message_iter_recurse(&iter, &array);
        for (; dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_STRUCT;
             dbus_message_iter_next(&array)) {
                DBusMessageIter s;
                const char *name, *type, *value;

                dbus_message_iter_recurse(&array, &s);
                read_fields(&s, 3, DBUS_TYPE_STRING, &name, DBUS_TYPE_STRING, &type,
                            DBUS_TYPE_STRING, &value);
                cwmpctl_print_value(format, name, type, value);
        }
        return CWMPCTL_EXIT_OK;
}

/* ---- set ------------------------------------------------------------------------------ */

static const char set_details[] =
        "Sets every value or none (one transaction across all owners). Each argument is\n"
        "NAME=VALUE, or NAME:TYPE=VALUE to state the CWMP type (\"unsignedInt\", \"boolean\",\n"
        "...); without a type the parameter's own type is used. Everything after the first\n"
        "\"=\" is the value, which may be empty. Prints nothing when the values are applied,\n"
        "and a note on stderr when they take effect later (status 1).\n"
        "\n"
        "  -k, --key KEY           The new ParameterKey (default: keep the current one)\n";

struct assignment {
        char *name;
        char *type; /* "" when not given */
        const char *value;
};

/* Splits NAME[:TYPE]=VALUE. ':' and '=' inside an alias ("[...]") belong to the name. */
static int parse_assignment(const char *arg, struct assignment *ret)
{
        const char *colon = NULL, *equals = NULL, *name_end;
        unsigned depth = 0;

        for (const char *p = arg; *p && !equals; p++) {
                if (*p == '[')
                        depth++;
                else if (*p == ']' && depth > 0)
                        depth--;
                else if (depth == 0 && *p == ':' && !colon)
                        colon = p;
                else if (depth == 0 && *p == '=')
                        equals = p;
        }
        if (!equals)
                return cwmpctl_usage_error("set", "'%s': expected NAME=VALUE or NAME:TYPE=VALUE",
                                           arg);
        name_end = colon ?: equals;
        if (name_end == arg)
                return cwmpctl_usage_error("set", "'%s': empty parameter name", arg);
        if (colon && colon + 1 == equals)
                return cwmpctl_usage_error("set", "'%s': empty type after ':'", arg);

        ret->name = strndup(arg, name_end - arg);
        ret->type = colon ? strndup(colon + 1, equals - colon - 1) : strdup("");
        ret->value = equals + 1;
        if (!ret->name || !ret->type)
                return cwmpctl_oom();
        return 0;
}

static void assignments_free(struct assignment *a, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(a[i].name);
                free(a[i].type);
        }
        free(a);
}

static bool append_assignments(DBusMessageIter *iter, const struct assignment *a, size_t n)
{
        DBusMessageIter array, s;

        if (!dbus_message_iter_open_container(iter, DBUS_TYPE_ARRAY, "(sss)", &array))
                return false;
        for (size_t i = 0; i < n; i++) {
                if (!dbus_message_iter_open_container(&array, DBUS_TYPE_STRUCT, NULL, &s))
                        goto fail;
                if (!dbus_message_iter_append_basic(&s, DBUS_TYPE_STRING, &a[i].name) ||
                    !dbus_message_iter_append_basic(&s, DBUS_TYPE_STRING, &a[i].type) ||
                    !dbus_message_iter_append_basic(&s, DBUS_TYPE_STRING, &a[i].value)) {
                        dbus_message_iter_abandon_container(&array, &s);
                        goto fail;
                }
                if (!dbus_message_iter_close_container(&array, &s))
                        goto fail;
        }
        return dbus_message_iter_close_container(iter, &array);
fail:
        dbus_message_iter_abandon_container(iter, &array);
        return false;
}

static int cmd_set(struct cwmpctl *ctx, int argc, char **argv)
{
        static const struct option options[] = {
                CWMPCTL_COMMON_LONG_OPTIONS,
                {"key", required_argument, NULL, 'k'},
                {},
        };
        _cleanup_message_ DBusMessage *call = NULL, *reply = NULL;
        _cleanup_free_ char *key = NULL;
        struct assignment *assignments = NULL;
        const char *given_key = NULL;
        size_t n = 0;
        DBusMessageIter iter;
        int32_t status;
        int opt, r;

        while ((r = cwmpctl_next_option(ctx, argc, argv, "hk:", options, "set", set_details,
                                        &opt)) == 0)
                if (opt == 'k')
                        given_key = optarg;
        if (r != CWMPCTL_OPTION_END)
                return cwmpctl_option_exit(r);
        if (optind >= argc)
                return cwmpctl_usage_error("set", "missing NAME=VALUE");
        if (given_key && (r = cwmpctl_check_utf8("set", "KEY", given_key)) > 0)
                return r;

        assignments = calloc(argc - optind, sizeof(*assignments));
        if (!assignments)
                return cwmpctl_oom();
        for (int i = optind; i < argc; i++) {
                r = cwmpctl_check_utf8("set", "an argument", argv[i]);
                if (r > 0)
                        goto finish;
                r = parse_assignment(argv[i], &assignments[n++]);
                if (r > 0)
                        goto finish;
        }

        r = resolve_parameter_key(ctx, given_key, &key);
        if (r > 0)
                goto finish;

        call = cwmpctl_new_call("SetParameterValues");
        if (call)
                dbus_message_iter_init_append(call, &iter);
        if (!call || !append_assignments(&iter, assignments, n) ||
            !dbus_message_iter_append_basic(&iter, DBUS_TYPE_STRING, &key)) {
                r = cwmpctl_oom();
                goto finish;
        }

        r = cwmpctl_call(ctx, call, &reply);
        if (r > 0)
                goto finish;
        r = cwmpctl_check_reply(reply, "i");
        if (r > 0)
                goto finish;
        dbus_message_get_args(reply, NULL, DBUS_TYPE_INT32, &status, DBUS_TYPE_INVALID);
        cwmpctl_print_status_note("set", status);
        r = CWMPCTL_EXIT_OK;
finish:
        assignments_free(assignments, n);
        return r;
}

/* ---- names ---------------------------------------------------------------------------- */

static const char names_details[] =
        "Prints the names below PATH (default \"\", the whole model) with \"rw\" for writable\n"
        "and \"ro\" for read-only ones, two spaces apart. Object names end in \".\".\n"
        "\n"
        "  -n, --next-level        Only the names one level below PATH\n";

static int cmd_names(struct cwmpctl *ctx, int argc, char **argv)
{
        static const struct option options[] = {
                CWMPCTL_COMMON_LONG_OPTIONS,
                {"next-level", no_argument, NULL, 'n'},
                {},
        };
        _cleanup_message_ DBusMessage *call = NULL, *reply = NULL;
        dbus_bool_t next_level = FALSE;
        const char *path = "";
        DBusMessageIter iter, array;
        int opt, r;

        while ((r = cwmpctl_next_option(ctx, argc, argv, "hn", options, "names", names_details,
                                        &opt)) == 0)
                if (opt == 'n')
                        next_level = TRUE;
        if (r != CWMPCTL_OPTION_END)
                return cwmpctl_option_exit(r);
        if (argc - optind > 1)
                return cwmpctl_usage_error("names", "takes at most one PATH");
        if (optind < argc)
                path = argv[optind];
        if ((r = cwmpctl_check_utf8("names", "PATH", path)) > 0)
                return r;

        call = cwmpctl_new_call("GetParameterNames");
        if (!call || !dbus_message_append_args(call, DBUS_TYPE_STRING, &path, DBUS_TYPE_BOOLEAN,
                                               &next_level, DBUS_TYPE_INVALID))
                return cwmpctl_oom();

        r = cwmpctl_call(ctx, call, &reply);
        if (r > 0)
                return r;
        r = cwmpctl_check_reply(reply, "a(sb)");
        if (r > 0)
                return r;

        dbus_message_iter_init(reply, &iter);
        dbus_message_iter_recurse(&iter, &array);
        for (; dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_STRUCT;
             dbus_message_iter_next(&array)) {
                DBusMessageIter s;
                const char *name;
                dbus_bool_t writable;

                dbus_message_iter_recurse(&array, &s);
                read_fields(&s, 2, DBUS_TYPE_STRING, &name, DBUS_TYPE_BOOLEAN, &writable);
                cwmpctl_print_name(name, writable);
        }
        return CWMPCTL_EXIT_OK;
}

/* ---- attrs ---------------------------------------------------------------------------- */

static const char attrs_details[] =
        "Without --set, prints \"NAME notification=N access=A,B\" for every parameter at or\n"
        "below each PATH. Notification: 0 off, 1 passive, 2 active. The access list names\n"
        "who besides the ACS may write the parameter (\"Subscriber\"); it may be empty.\n"
        "\n"
        "      --set NAME          Change the attributes of NAME (a parameter or a partial\n"
        "                          path); may be given more than once\n"
        "      --notification N    The new notification: 0, 1 or 2\n"
        "      --access LIST       The new access list, comma-separated (\"\" for none)\n";

enum {
        ATTRS_OPT_SET = _CWMPCTL_OPT_COMMAND_FIRST,
        ATTRS_OPT_NOTIFICATION,
        ATTRS_OPT_ACCESS,
};

struct attrs_change {
        char **names;
        size_t n_names;
        dbus_bool_t notification_change;
        uint32_t notification;
        dbus_bool_t access_change;
        const char *access; /* comma-separated */
};

/* Appends the comma-separated `list` as an array of strings ("" is the empty list). */
static bool append_access_list(DBusMessageIter *iter, const char *list)
{
        DBusMessageIter array;

        if (!dbus_message_iter_open_container(iter, DBUS_TYPE_ARRAY, "s", &array))
                return false;
        for (const char *p = list; *p;) {
                size_t len = strcspn(p, ",");
                _cleanup_free_ char *item = strndup(p, len);

                if (!item || !dbus_message_iter_append_basic(&array, DBUS_TYPE_STRING, &item)) {
                        dbus_message_iter_abandon_container(iter, &array);
                        return false;
                }
                p += len;
                if (*p == ',')
                        p++;
        }
        return dbus_message_iter_close_container(iter, &array);
}

static bool append_attrs_change(DBusMessageIter *iter, const struct attrs_change *c)
{
        DBusMessageIter array, s;

        if (!dbus_message_iter_open_container(iter, DBUS_TYPE_ARRAY, "(sbubas)", &array))
                return false;
        for (size_t i = 0; i < c->n_names; i++) {
                if (!dbus_message_iter_open_container(&array, DBUS_TYPE_STRUCT, NULL, &s))
                        goto fail;
                if (!dbus_message_iter_append_basic(&s, DBUS_TYPE_STRING, &c->names[i]) ||
                    !dbus_message_iter_append_basic(&s, DBUS_TYPE_BOOLEAN,
                                                    &c->notification_change) ||
                    !dbus_message_iter_append_basic(&s, DBUS_TYPE_UINT32, &c->notification) ||
                    !dbus_message_iter_append_basic(&s, DBUS_TYPE_BOOLEAN, &c->access_change) ||
                    !append_access_list(&s, c->access ?: "")) {
                        dbus_message_iter_abandon_container(&array, &s);
                        goto fail;
                }
                if (!dbus_message_iter_close_container(&array, &s))
                        goto fail;
        }
        return dbus_message_iter_close_container(iter, &array);
fail:
        dbus_message_iter_abandon_container(iter, &array);
        return false;
}

static int check_access_list(const char *list)
{
        if (list[0] == '\0')
                return 0;
        for (const char *p = list;; p++) {
                size_t len = strcspn(p, ",");
                if (len == 0)
                        return cwmpctl_usage_error("attrs", "--access '%s': empty entry", list);
                p += len;
                if (*p == '\0')
                        return cwmpctl_check_utf8("attrs", "--access", list);
        }
}

static int attrs_set(struct cwmpctl *ctx, const struct attrs_change *change)
{
        _cleanup_message_ DBusMessage *call = NULL, *reply = NULL;
        DBusMessageIter iter;
        int r;

        call = cwmpctl_new_call("SetParameterAttributes");
        if (!call)
                return cwmpctl_oom();
        dbus_message_iter_init_append(call, &iter);
        if (!append_attrs_change(&iter, change))
                return cwmpctl_oom();

        r = cwmpctl_call(ctx, call, &reply);
        if (r > 0)
                return r;
        return cwmpctl_check_reply(reply, "");
}

static int attrs_get(struct cwmpctl *ctx, char **paths, size_t n)
{
        _cleanup_message_ DBusMessage *call = NULL, *reply = NULL;
        _cleanup_free_ const char **access = NULL;
        size_t allocated = 0;
        DBusMessageIter iter, array;
        int r;

        call = cwmpctl_new_call("GetParameterAttributes");
        if (!call)
                return cwmpctl_oom();
        dbus_message_iter_init_append(call, &iter);
        if (!append_strings(&iter, paths, n))
                return cwmpctl_oom();

        r = cwmpctl_call(ctx, call, &reply);
        if (r > 0)
                return r;
        r = cwmpctl_check_reply(reply, "a(suas)");
        if (r > 0)
                return r;

        dbus_message_iter_init(reply, &iter);
        dbus_message_iter_recurse(&iter, &array);
        for (; dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_STRUCT;
             dbus_message_iter_next(&array)) {
                DBusMessageIter s, list;
                const char *name;
                uint32_t notification;
                size_t n_access = 0;

                dbus_message_iter_recurse(&array, &s);
                read_fields(&s, 2, DBUS_TYPE_STRING, &name, DBUS_TYPE_UINT32, &notification);
                dbus_message_iter_recurse(&s, &list);
                for (; dbus_message_iter_get_arg_type(&list) == DBUS_TYPE_STRING;
                     dbus_message_iter_next(&list)) {
                        if (n_access == allocated) {
                                size_t k = allocated ? allocated * 2 : 4;
                                const char **v = reallocarray(access, k, sizeof(*v));
                                if (!v)
                                        return cwmpctl_oom();
                                access = v;
                                allocated = k;
                        }
                        dbus_message_iter_get_basic(&list, &access[n_access++]);
                }
                cwmpctl_print_attributes(name, notification, access, n_access);
        }
        return CWMPCTL_EXIT_OK;
}

static int cmd_attrs(struct cwmpctl *ctx, int argc, char **argv)
{
        static const struct option options[] = {
                CWMPCTL_COMMON_LONG_OPTIONS,
                {"set", required_argument, NULL, ATTRS_OPT_SET},
                {"notification", required_argument, NULL, ATTRS_OPT_NOTIFICATION},
                {"access", required_argument, NULL, ATTRS_OPT_ACCESS},
                {},
        };
        struct attrs_change change = {};
        int opt, r;

        /* Room for every --set: there cannot be more of them than arguments. */
        change.names = calloc(argc, sizeof(*change.names));
        if (!change.names)
                return cwmpctl_oom();

        while ((r = cwmpctl_next_option(ctx, argc, argv, "h", options, "attrs", attrs_details,
                                        &opt)) == 0) {
                switch (opt) {
                case ATTRS_OPT_SET:
                        change.names[change.n_names++] = optarg;
                        break;
                case ATTRS_OPT_NOTIFICATION:
                        if (strlen(optarg) != 1 || optarg[0] < '0' || optarg[0] > '2') {
                                r = cwmpctl_usage_error("attrs",
                                                        "--notification '%s': expected 0, 1 "
                                                        "or 2",
                                                        optarg);
                                goto finish;
                        }
                        change.notification_change = TRUE;
                        change.notification = (uint32_t)(optarg[0] - '0');
                        break;
                case ATTRS_OPT_ACCESS:
                        r = check_access_list(optarg);
                        if (r > 0)
                                goto finish;
                        change.access_change = TRUE;
                        change.access = optarg;
                        break;
                }
        }
        if (r != CWMPCTL_OPTION_END) {
                r = cwmpctl_option_exit(r);
                goto finish;
        }

        if (change.n_names == 0) {
                if (change.notification_change || change.access_change)
                        r = cwmpctl_usage_error("attrs",
                                                "--notification and --access need --set NAME");
                else if (optind >= argc)
                        r = cwmpctl_usage_error("attrs", "missing PATH");
                else {
                        r = 0;
                        for (int i = optind; i < argc && r == 0; i++)
                                r = cwmpctl_check_utf8("attrs", "PATH", argv[i]);
                        if (r == 0)
                                r = attrs_get(ctx, argv + optind, argc - optind);
                }
                goto finish;
        }

        if (optind < argc)
                r = cwmpctl_usage_error("attrs", "unexpected argument '%s' with --set",
                                        argv[optind]);
        else if (!change.notification_change && !change.access_change)
                r = cwmpctl_usage_error("attrs", "--set needs --notification or --access");
        else {
                r = 0;
                for (size_t i = 0; i < change.n_names && r == 0; i++)
                        r = cwmpctl_check_utf8("attrs", "NAME", change.names[i]);
                if (r == 0)
                        r = attrs_set(ctx, &change);
        }
finish:
        free(change.names);
        return r;
}

/* ---- add and del ---------------------------------------------------------------------- */

static const char add_details[] =
        "Adds an instance to the multi-instance OBJECT (a path ending in \".\", such as\n"
        "\"Device.IP.Interface.\") and prints the new instance number on stdout.\n"
        "\n"
        "  -k, --key KEY           The new ParameterKey (default: keep the current one)\n";

static const char del_details[] =
        "Deletes the instance OBJECT.N. (a path ending in \".\", such as\n"
        "\"Device.IP.Interface.3.\" or \"Device.IP.Interface.[wan].\") and everything below it.\n"
        "\n"
        "  -k, --key KEY           The new ParameterKey (default: keep the current one)\n";

/* Parses "[-k KEY] OBJECT." for add and del; *ret_object points into argv. Returns 0,
 * CWMPCTL_OPTION_HELP or an exit code. */
static int parse_object_command(struct cwmpctl *ctx, int argc, char **argv, const char *command,
                                const char *details, const char **ret_key, const char **ret_object)
{
        static const struct option options[] = {
                CWMPCTL_COMMON_LONG_OPTIONS,
                {"key", required_argument, NULL, 'k'},
                {},
        };
        int opt, r;

        while ((r = cwmpctl_next_option(ctx, argc, argv, "hk:", options, command, details, &opt)) ==
               0)
                if (opt == 'k')
                        *ret_key = optarg;
        if (r != CWMPCTL_OPTION_END)
                return r;
        if (optind >= argc)
                return cwmpctl_usage_error(command, "missing OBJECT");
        if (argc - optind > 1)
                return cwmpctl_usage_error(command, "takes one OBJECT");
        *ret_object = argv[optind];
        if (!endswith_char(*ret_object, '.'))
                return cwmpctl_usage_error(command, "'%s': an object path ends in \".\"",
                                           *ret_object);
        if ((r = cwmpctl_check_utf8(command, "OBJECT", *ret_object)) > 0)
                return r;
        if (*ret_key && (r = cwmpctl_check_utf8(command, "KEY", *ret_key)) > 0)
                return r;
        return 0;
}

/* add and del: the object path and a ParameterKey to dmd, a reply of `signature`. Returns
 * true with *ret_reply set, or false with the exit code (--help, usage, faults) in *exit. */
static bool object_call(struct cwmpctl *ctx, int argc, char **argv, const char *command,
                        const char *details, const char *method, const char *signature,
                        DBusMessage **ret_reply, int *exit)
{
        _cleanup_message_ DBusMessage *call = NULL;
        _cleanup_free_ char *key = NULL;
        const char *given_key = NULL, *object = NULL;
        int r;

        r = parse_object_command(ctx, argc, argv, command, details, &given_key, &object);
        if (r != 0) {
                *exit = cwmpctl_option_exit(r);
                return false;
        }
        r = resolve_parameter_key(ctx, given_key, &key);
        if (r == 0) {
                call = cwmpctl_new_call(method);
                if (!call || !dbus_message_append_args(call, DBUS_TYPE_STRING, &object,
                                                       DBUS_TYPE_STRING, &key, DBUS_TYPE_INVALID))
                        r = cwmpctl_oom();
        }
        if (r == 0)
                r = cwmpctl_call(ctx, call, ret_reply);
        if (r == 0)
                r = cwmpctl_check_reply(*ret_reply, signature);
        *exit = r;
        return r == 0;
}

static int cmd_add(struct cwmpctl *ctx, int argc, char **argv)
{
        _cleanup_message_ DBusMessage *reply = NULL;
        uint32_t instance;
        int32_t status;
        int r;

        if (!object_call(ctx, argc, argv, "add", add_details, "AddObject", "ui", &reply, &r))
                return r;
        dbus_message_get_args(reply, NULL, DBUS_TYPE_UINT32, &instance, DBUS_TYPE_INT32, &status,
                              DBUS_TYPE_INVALID);
        printf("%" PRIu32 "\n", instance);
        cwmpctl_print_status_note("add", status);
        return CWMPCTL_EXIT_OK;
}

static int cmd_del(struct cwmpctl *ctx, int argc, char **argv)
{
        _cleanup_message_ DBusMessage *reply = NULL;
        int32_t status;
        int r;

        if (!object_call(ctx, argc, argv, "del", del_details, "DeleteObject", "i", &reply, &r))
                return r;
        dbus_message_get_args(reply, NULL, DBUS_TYPE_INT32, &status, DBUS_TYPE_INVALID);
        cwmpctl_print_status_note("del", status);
        return CWMPCTL_EXIT_OK;
}

/* ---- providers ------------------------------------------------------------------------ */

static const char providers_details[] =
        "Prints one line per registered subtree: the subtree (\"\" for the root), the bus\n"
        "name that owns it (\"(dmd)\" for dmd's built-in providers), its object path, and\n"
        "\"online\" or \"offline\" (the owner has left the bus; dmd answers that subtree\n"
        "with a fault).\n";

static int cmd_providers(struct cwmpctl *ctx, int argc, char **argv)
{
        static const struct option options[] = {
                CWMPCTL_COMMON_LONG_OPTIONS,
                {},
        };
        _cleanup_message_ DBusMessage *call = NULL, *reply = NULL;
        _cleanup_free_ struct cwmpctl_provider_row *rows = NULL;
        size_t n = 0, allocated = 0;
        DBusMessageIter iter, array;
        int opt, r;

        r = cwmpctl_next_option(ctx, argc, argv, "h", options, "providers", providers_details,
                                &opt);
        if (r != CWMPCTL_OPTION_END)
                return cwmpctl_option_exit(r);
        if (optind < argc)
                return cwmpctl_usage_error("providers", "unexpected argument '%s'", argv[optind]);

        call = cwmpctl_new_call("ListProviders");
        if (!call)
                return cwmpctl_oom();
        r = cwmpctl_call(ctx, call, &reply);
        if (r > 0)
                return r;
        r = cwmpctl_check_reply(reply, "a(ssob)");
        if (r > 0)
                return r;

        dbus_message_iter_init(reply, &iter);
        dbus_message_iter_recurse(&iter, &array);
        for (; dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_STRUCT;
             dbus_message_iter_next(&array)) {
                struct cwmpctl_provider_row *row;
                DBusMessageIter s;
                dbus_bool_t online;

                if (n == allocated) {
                        size_t k = allocated ? allocated * 2 : 16;
                        struct cwmpctl_provider_row *v = reallocarray(rows, k, sizeof(*v));
                        if (!v)
                                return cwmpctl_oom();
                        rows = v;
                        allocated = k;
                }
                row = &rows[n++];
                dbus_message_iter_recurse(&array, &s);
                read_fields(&s, 4, DBUS_TYPE_STRING, &row->subtree, DBUS_TYPE_STRING, &row->owner,
                            DBUS_TYPE_OBJECT_PATH, &row->object, DBUS_TYPE_BOOLEAN, &online);
                row->online = online;
        }
        cwmpctl_print_providers(rows, n);
        return CWMPCTL_EXIT_OK;
}

/* ---- the table ------------------------------------------------------------------------ */

const struct cwmpctl_command cwmpctl_commands[] = {
        {"get", cmd_get, "get [-t|--type] [-v|--value] PATH...", "Print parameter values"},
        {"set", cmd_set, "set [-k KEY] NAME[:TYPE]=VALUE...", "Set values, all or nothing"},
        {"names", cmd_names, "names [-n|--next-level] [PATH]", "List names, writable or not"},
        {"attrs", cmd_attrs, "attrs PATH...\nattrs --set NAME [--notification N] [--access LIST]",
         "Print or change notification and access list"},
        {"add", cmd_add, "add [-k KEY] OBJECT.", "Add an instance, print its number"},
        {"del", cmd_del, "del [-k KEY] OBJECT.N.", "Delete an instance"},
        {"providers", cmd_providers, "providers", "List the owners of the subtrees"},
        {"inform", cwmpctl_cmd_inform, "inform", "Ask cwmpd for a session with the ACS now"},
        {"status", cwmpctl_cmd_status, "status", "Show cwmpd's session state and event queue"},
        {"queue-event", cwmpctl_cmd_queue_event, "queue-event [-p KEY] CODE [COMMAND_KEY]",
         "Queue an Inform event in cwmpd"},
};
const size_t cwmpctl_n_commands = ELEMENTSOF(cwmpctl_commands);
