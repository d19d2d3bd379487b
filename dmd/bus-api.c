/* SPDX-License-Identifier: MIT */
/* dmd on the bus: io.cwmp.DataModel1 at /io/cwmp/DataModel, with Properties,
 * Introspectable and Peer, and the registry's view of providers coming and going. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus-api.h"
#include "bus.h"
#include "fault.h"
#include "introspect.h"
#include "log.h"
#include "manager.h"
#include "memory-monitor.h"
#include "temperature-monitor.h"
#include "ops.h"
#include "path.h"
#include "periodic-stats.h"
#include "transaction.h"
#include "value-watch.h"

#define PROPERTIES_INTERFACE "org.freedesktop.DBus.Properties"

/* ---- providers --------------------------------------------------------------------- */

static int check_subtree(struct manager *m, const char *subtree, DBusMessage *call)
{
        struct dmpath p = {};
        _cleanup_free_ char *tmpl = NULL;
        int r;

        r = dmpath_parse(subtree, DMPATH_REQUIRE_PARTIAL | DMPATH_ALLOW_PARTIAL, &p, NULL);
        if (r >= 0)
                r = dmpath_template(&p, &tmpl);
        bool plain = r >= 0 && !strstr(tmpl, "{i}");
        dmpath_done(&p);
        if (!plain) {
                fault_reply(m->bus, call, CWMP_FAULT_INVALID_ARGUMENTS,
                            "%s: a subtree is an object path ending in \".\" without instances",
                            subtree);
                return -EINVAL;
        }
        const struct schema_node *node = schema_find(m->schema, tmpl);
        if (!node) {
                /* A table is declared as its instance object: "X.{i}." */
                _cleanup_free_ char *table = NULL;
                if (asprintf(&table, "%s{i}.", tmpl) < 0)
                        return -ENOMEM;
                node = schema_find(m->schema, table);
        }
        if (!node || !node->is_object || !node->parent) {
                fault_reply(m->bus, call, CWMP_FAULT_INVALID_PARAMETER_NAME,
                            "%s is not an object of the data model below the root", subtree);
                return -ENOENT;
        }
        return 0;
}

static void handle_register(struct manager *m, DBusMessage *call)
{
        DBusError error = DBUS_ERROR_INIT;
        const char *object, *sender = dbus_message_get_sender(call);
        char **subtrees = NULL;
        int n = 0;

        if (!dbus_message_get_args(call, &error, DBUS_TYPE_OBJECT_PATH, &object, DBUS_TYPE_ARRAY,
                                   DBUS_TYPE_STRING, &subtrees, &n, DBUS_TYPE_INVALID)) {
                fault_reply(m->bus, call, CWMP_FAULT_INVALID_ARGUMENTS, "%s", error.message);
                dbus_error_free(&error);
                return;
        }
        /* Check all first, so that a refused registration registers nothing. */
        for (int i = 0; i < n; i++) {
                if (check_subtree(m, subtrees[i], call) < 0)
                        goto out;
                for (size_t k = 0; k < m->registry.n; k++) {
                        const struct owner *o = m->registry.owners[k];
                        bool same_slot = o->kind == OWNER_REMOTE &&
                                         streq(o->subtree, subtrees[i]) &&
                                         (!o->online || streq_ptr(o->bus_name, sender));
                        if (registry_local_yields(o, subtrees[i]) || same_slot)
                                continue;
                        if (dmpath_is_under(o->subtree, subtrees[i]) ||
                            dmpath_is_under(subtrees[i], o->subtree)) {
                                fault_reply(m->bus, call, CWMP_FAULT_REQUEST_DENIED,
                                            "%s overlaps %s, owned by %s", subtrees[i], o->subtree,
                                            o->kind == OWNER_LOCAL ? "dmd"
                                            : o->online            ? o->bus_name
                                                                   : "a provider not running");
                                goto out;
                        }
                }
        }
        for (int i = 0; i < n; i++) {
                const struct owner *conflict = NULL;
                int r = registry_register(&m->registry, subtrees[i], sender, object, &conflict);
                if (r < 0) {
                        fault_reply(m->bus, call, fault_from_errno(r), "Cannot register %s: %s",
                                    subtrees[i], strerror(-r));
                        goto out;
                }
                log_info("%s %s %s at %s", sender, r > 0 ? "serves again" : "serves", subtrees[i],
                         object);
        }
        bus_reply_empty(m->bus, call);
        /* A transaction waiting for one of these subtrees can go on. */
        for (int i = 0; i < n; i++) {
                struct owner *o = registry_lookup(&m->registry, subtrees[i]);
                if (o && o->kind == OWNER_REMOTE && streq(o->subtree, subtrees[i]))
                        transaction_owner_online(m, o);
        }
out:
        dbus_free_string_array(subtrees);
}

static void handle_unregister(struct manager *m, DBusMessage *call)
{
        DBusError error = DBUS_ERROR_INIT;
        const char *sender = dbus_message_get_sender(call);
        char **subtrees = NULL;
        int n = 0;

        if (!dbus_message_get_args(call, &error, DBUS_TYPE_ARRAY, DBUS_TYPE_STRING, &subtrees, &n,
                                   DBUS_TYPE_INVALID)) {
                fault_reply(m->bus, call, CWMP_FAULT_INVALID_ARGUMENTS, "%s", error.message);
                dbus_error_free(&error);
                return;
        }
        for (int i = 0; i < n; i++) {
                int r = registry_unregister(&m->registry, subtrees[i], sender);
                if (r < 0) {
                        fault_reply(m->bus, call,
                                    r == -ENOENT ? CWMP_FAULT_INVALID_PARAMETER_NAME
                                                 : CWMP_FAULT_REQUEST_DENIED,
                                    "%s is not registered by %s", subtrees[i], sender);
                        dbus_free_string_array(subtrees);
                        return;
                }
                log_info("%s no longer serves %s", sender, subtrees[i]);
        }
        dbus_free_string_array(subtrees);
        bus_reply_empty(m->bus, call);
}

static void handle_list_providers(struct manager *m, DBusMessage *call)
{
        _cleanup_dbus_message_ DBusMessage *reply = dbus_message_new_method_return(call);
        DBusMessageIter it, arr;

        if (!reply)
                return;
        dbus_message_iter_init_append(reply, &it);
        if (!dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "(ssob)", &arr))
                return;
        for (size_t i = 0; i < m->registry.n; i++) {
                const struct owner *o = m->registry.owners[i];
                const char *name = o->kind == OWNER_LOCAL || !o->online ? "" : o->bus_name;
                const char *object = o->kind == OWNER_LOCAL ? DMD_OBJECT_PATH : o->object_path;
                dbus_bool_t online = o->online;
                DBusMessageIter st;
                if (!dbus_message_iter_open_container(&arr, DBUS_TYPE_STRUCT, NULL, &st) ||
                    !dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &o->subtree) ||
                    !dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &name) ||
                    !dbus_message_iter_append_basic(&st, DBUS_TYPE_OBJECT_PATH, &object) ||
                    !dbus_message_iter_append_basic(&st, DBUS_TYPE_BOOLEAN, &online) ||
                    !dbus_message_iter_close_container(&arr, &st)) {
                        dbus_message_iter_abandon_container(&it, &arr);
                        return;
                }
        }
        if (dbus_message_iter_close_container(&it, &arr))
                (void)bus_send(m->bus, reply);
}

int bus_api_emit_value_changed(struct manager *m, const struct changed_value *values, size_t n,
                               const char *origin)
{
        _cleanup_dbus_message_ DBusMessage *sig =
                dbus_message_new_signal(DMD_OBJECT_PATH, DMD_INTERFACE, "ValueChanged");
        DBusMessageIter it, arr;

        if (!sig)
                return -ENOMEM;
        dbus_message_iter_init_append(sig, &it);
        if (!dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "(sss)", &arr))
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                DBusMessageIter st;
                if (!dbus_message_iter_open_container(&arr, DBUS_TYPE_STRUCT, NULL, &st) ||
                    !dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &values[i].name) ||
                    !dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &values[i].type) ||
                    !dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &values[i].value) ||
                    !dbus_message_iter_close_container(&arr, &st)) {
                        dbus_message_iter_abandon_container(&it, &arr);
                        return -ENOMEM;
                }
        }
        if (!dbus_message_iter_close_container(&it, &arr) ||
            !dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &origin))
                return -ENOMEM;
        value_watch_note(m->value_watch, values, n);
        periodic_stats_note(m->periodic_stats, values, n);
        memory_monitor_note(m->memory_monitor, values, n);
        temperature_monitor_note(m->temperature_monitor, values, n);
        return bus_send(m->bus, sig);
}

int bus_api_emit_property_changed(struct manager *m, const char *name, const char *value)
{
        _cleanup_dbus_message_ DBusMessage *sig =
                dbus_message_new_signal(DMD_OBJECT_PATH, PROPERTIES_INTERFACE, "PropertiesChanged");
        DBusMessageIter it, dict, entry, var, inv;
        const char *iface = DMD_INTERFACE;

        if (!sig)
                return -ENOMEM;
        dbus_message_iter_init_append(sig, &it);
        if (!dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &iface) ||
            !dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "{sv}", &dict) ||
            !dbus_message_iter_open_container(&dict, DBUS_TYPE_DICT_ENTRY, NULL, &entry) ||
            !dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &name) ||
            !dbus_message_iter_open_container(&entry, DBUS_TYPE_VARIANT, "s", &var) ||
            !dbus_message_iter_append_basic(&var, DBUS_TYPE_STRING, &value) ||
            !dbus_message_iter_close_container(&entry, &var) ||
            !dbus_message_iter_close_container(&dict, &entry) ||
            !dbus_message_iter_close_container(&it, &dict) ||
            !dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "s", &inv) ||
            !dbus_message_iter_close_container(&it, &inv))
                return -ENOMEM;
        return bus_send(m->bus, sig);
}

/* A provider reports changes it saw: only its own parameters, with their types. */
static void handle_notify(struct manager *m, DBusMessage *call)
{
        const char *sender = dbus_message_get_sender(call);
        DBusMessageIter it, arr;
        struct changed_value *v = NULL;
        size_t n = 0;

        if (!streq(dbus_message_get_signature(call), "a(ss)")) {
                fault_reply(m->bus, call, CWMP_FAULT_INVALID_ARGUMENTS, "expected a(ss)");
                return;
        }
        dbus_message_iter_init(call, &it);
        dbus_message_iter_recurse(&it, &arr);
        while (dbus_message_iter_get_arg_type(&arr) == DBUS_TYPE_STRUCT) {
                DBusMessageIter st;
                const char *name, *value;
                struct dmpath p = {};
                dbus_message_iter_recurse(&arr, &st);
                dbus_message_iter_get_basic(&st, &name);
                dbus_message_iter_next(&st);
                dbus_message_iter_get_basic(&st, &value);
                dbus_message_iter_next(&arr);

                const struct owner *o = registry_lookup(&m->registry, name);
                if (!o || o->kind != OWNER_REMOTE || !streq_ptr(o->bus_name, sender) ||
                    dmpath_parse(name, 0, &p, NULL) < 0) {
                        free(v);
                        fault_reply(m->bus, call, CWMP_FAULT_REQUEST_DENIED,
                                    "%s is not a parameter served by %s", name, sender);
                        return;
                }
                const struct schema_node *node = schema_lookup(m->schema, &p);
                dmpath_done(&p);
                if (!node || node->is_object) {
                        free(v);
                        fault_reply(m->bus, call, CWMP_FAULT_INVALID_PARAMETER_NAME,
                                    "%s: no such parameter", name);
                        return;
                }
                struct changed_value *nv = realloc(v, (n + 1) * sizeof(*nv));
                if (!nv) {
                        free(v);
                        return;
                }
                v = nv;
                v[n++] = (struct changed_value){.name = name,
                                                .type = manager_type_name(node),
                                                .value = node->hidden ? "" : value};
        }
        if (n > 0)
                (void)bus_api_emit_value_changed(m, v, n, sender);
        free(v);
        bus_reply_empty(m->bus, call);
}

/* ---- properties -------------------------------------------------------------------- */

static int append_property(struct manager *m, DBusMessageIter *it, const char *name)
{
        DBusMessageIter var;
        const char *value;

        if (streq(name, "ParameterKey"))
                value = state_parameter_key(&m->state);
        else if (streq(name, "RootDataModelVersion"))
                value = DMD_ROOT_DATA_MODEL_VERSION;
        else
                return -ENOENT;
        if (!dbus_message_iter_open_container(it, DBUS_TYPE_VARIANT, "s", &var) ||
            !dbus_message_iter_append_basic(&var, DBUS_TYPE_STRING, &value) ||
            !dbus_message_iter_close_container(it, &var))
                return -ENOMEM;
        return 0;
}

static void handle_properties(struct manager *m, DBusMessage *call)
{
        static const char *const names[] = {"ParameterKey", "RootDataModelVersion"};
        DBusError error = DBUS_ERROR_INIT;
        const char *iface = NULL, *prop = NULL;
        _cleanup_dbus_message_ DBusMessage *reply = NULL;
        DBusMessageIter it, dict;

        if (dbus_message_is_method_call(call, PROPERTIES_INTERFACE, "Get")) {
                if (!dbus_message_get_args(call, &error, DBUS_TYPE_STRING, &iface, DBUS_TYPE_STRING,
                                           &prop, DBUS_TYPE_INVALID)) {
                        (void)bus_reply_error(m->bus, call, DBUS_ERROR_INVALID_ARGS, "%s",
                                              error.message);
                        dbus_error_free(&error);
                        return;
                }
                reply = dbus_message_new_method_return(call);
                if (!reply)
                        return;
                dbus_message_iter_init_append(reply, &it);
                if (!streq(iface, DMD_INTERFACE) || append_property(m, &it, prop) < 0) {
                        (void)bus_reply_error(m->bus, call, DBUS_ERROR_UNKNOWN_PROPERTY,
                                              "No property %s.%s", iface, prop);
                        return;
                }
        } else if (dbus_message_is_method_call(call, PROPERTIES_INTERFACE, "GetAll")) {
                if (!dbus_message_get_args(call, &error, DBUS_TYPE_STRING, &iface,
                                           DBUS_TYPE_INVALID)) {
                        (void)bus_reply_error(m->bus, call, DBUS_ERROR_INVALID_ARGS, "%s",
                                              error.message);
                        dbus_error_free(&error);
                        return;
                }
                reply = dbus_message_new_method_return(call);
                if (!reply)
                        return;
                dbus_message_iter_init_append(reply, &it);
                if (!dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "{sv}", &dict))
                        return;
                for (size_t i = 0; streq(iface, DMD_INTERFACE) && i < ELEMENTSOF(names); i++) {
                        DBusMessageIter entry;
                        if (!dbus_message_iter_open_container(&dict, DBUS_TYPE_DICT_ENTRY, NULL,
                                                              &entry) ||
                            !dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &names[i]) ||
                            append_property(m, &entry, names[i]) < 0 ||
                            !dbus_message_iter_close_container(&dict, &entry)) {
                                dbus_message_iter_abandon_container(&it, &dict);
                                return;
                        }
                }
                if (!dbus_message_iter_close_container(&it, &dict))
                        return;
        } else if (dbus_message_is_method_call(call, PROPERTIES_INTERFACE, "Set")) {
                (void)bus_reply_error(m->bus, call, DBUS_ERROR_PROPERTY_READ_ONLY,
                                      "The properties of %s are read-only", DMD_INTERFACE);
                return;
        } else {
                (void)bus_reply_error(m->bus, call, DBUS_ERROR_UNKNOWN_METHOD, "Unknown method %s",
                                      dbus_message_get_member(call));
                return;
        }
        (void)bus_send(m->bus, reply);
}

/* ---- dispatch ---------------------------------------------------------------------- */

static const struct {
        const char *member;
        const char *signature;
        int (*op)(struct manager *m, DBusMessage *call);
} operations[] = {
        {"GetParameterValues", "as", op_get_parameter_values},
        {"SetParameterValues", "a(sss)s", op_set_parameter_values},
        {"GetParameterNames", "sb", op_get_parameter_names},
        {"GetParameterAttributes", "as", op_get_parameter_attributes},
        {"SetParameterAttributes", "a(sbubas)", op_set_parameter_attributes},
        {"AddObject", "ss", op_add_object},
        {"DeleteObject", "ss", op_delete_object},
};

static DBusHandlerResult on_object_message(DBusConnection *c, DBusMessage *msg, void *userdata)
{
        struct manager *m = userdata;

        if (dbus_message_get_type(msg) != DBUS_MESSAGE_TYPE_METHOD_CALL)
                return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
        if (bus_handle_standard(c, msg, m->introspection) == DBUS_HANDLER_RESULT_HANDLED)
                return DBUS_HANDLER_RESULT_HANDLED;

        const char *iface = dbus_message_get_interface(msg);
        if (iface && streq(iface, PROPERTIES_INTERFACE)) {
                handle_properties(m, msg);
                return DBUS_HANDLER_RESULT_HANDLED;
        }
        if (iface && !streq(iface, DMD_INTERFACE)) {
                (void)bus_reply_error(c, msg, DBUS_ERROR_UNKNOWN_INTERFACE, "Unknown interface %s",
                                      iface);
                return DBUS_HANDLER_RESULT_HANDLED;
        }
        const char *member = dbus_message_get_member(msg);
        for (size_t i = 0; i < ELEMENTSOF(operations); i++) {
                if (!streq(member, operations[i].member))
                        continue;
                if (!streq(dbus_message_get_signature(msg), operations[i].signature)) {
                        (void)bus_reply_error(
                                c, msg, DBUS_ERROR_INVALID_ARGS, "%s takes (%s), not (%s)", member,
                                operations[i].signature, dbus_message_get_signature(msg));
                        return DBUS_HANDLER_RESULT_HANDLED;
                }
                int r = operations[i].op(m, msg);
                if (r < 0)
                        fault_reply(m->bus, msg, fault_from_errno(r), "%s failed: %s", member,
                                    strerror(-r));
                return DBUS_HANDLER_RESULT_HANDLED;
        }
        if (streq(member, "RegisterProvider"))
                handle_register(m, msg);
        else if (streq(member, "UnregisterProvider"))
                handle_unregister(m, msg);
        else if (streq(member, "ListProviders"))
                handle_list_providers(m, msg);
        else if (streq(member, "NotifyValueChanges"))
                handle_notify(m, msg);
        else
                (void)bus_reply_error(c, msg, DBUS_ERROR_UNKNOWN_METHOD, "Unknown method %s",
                                      member);
        return DBUS_HANDLER_RESULT_HANDLED;
}

/* The nodes above our object, so that `busctl tree` finds it. */
static DBusHandlerResult on_parent_message(DBusConnection *c, DBusMessage *msg, void *userdata)
{
        const char *path = dbus_message_get_path(msg);
        const char *child = NULL;

        if (!path)
                return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
        if (streq(path, "/"))
                child = "io";
        else if (streq(path, "/io"))
                child = "cwmp";
        else if (streq(path, "/io/cwmp"))
                child = "DataModel";
        if (!child ||
            !dbus_message_is_method_call(msg, DBUS_INTERFACE_INTROSPECTABLE, "Introspect"))
                return bus_handle_standard(c, msg, "");

        _cleanup_free_ char *xml = NULL;
        if (asprintf(&xml,
                     INTROSPECT_HEADER "<node>\n" INTROSPECT_STANDARD_INTERFACES
                                       "  <node name=\"%s\"/>\n</node>\n",
                     child) < 0)
                return DBUS_HANDLER_RESULT_NEED_MEMORY;
        _cleanup_dbus_message_ DBusMessage *reply = dbus_message_new_method_return(msg);
        const char *x = xml;
        if (!reply || !dbus_message_append_args(reply, DBUS_TYPE_STRING, &x, DBUS_TYPE_INVALID))
                return DBUS_HANDLER_RESULT_NEED_MEMORY;
        (void)bus_send(c, reply);
        return DBUS_HANDLER_RESULT_HANDLED;
}

/* Providers leaving the bus take their subtrees offline. */
static DBusHandlerResult on_filter(DBusConnection *c, DBusMessage *msg, void *userdata)
{
        struct manager *m = userdata;
        const char *name, *old_owner, *new_owner;

        if (!dbus_message_is_signal(msg, DBUS_INTERFACE_DBUS, "NameOwnerChanged") ||
            !streq_ptr(dbus_message_get_sender(msg), DBUS_SERVICE_DBUS))
                return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
        if (!dbus_message_get_args(msg, NULL, DBUS_TYPE_STRING, &name, DBUS_TYPE_STRING, &old_owner,
                                   DBUS_TYPE_STRING, &new_owner, DBUS_TYPE_INVALID))
                return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
        if (name[0] == ':' && new_owner[0] == '\0') {
                size_t n = registry_owner_vanished(&m->registry, name);
                if (n > 0)
                        log_warning("%s left the bus: %zu subtree(s) offline until it returns",
                                    name, n);
        }
        return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
}

int bus_api_register(struct manager *m)
{
        static const DBusObjectPathVTable object_vtable = {.message_function = on_object_message};
        static const DBusObjectPathVTable parent_vtable = {.message_function = on_parent_message};
        DBusError error = DBUS_ERROR_INIT;

        if (asprintf(&m->introspection, "%s%s", introspect_io_cwmp_DataModel1,
                     INTROSPECT_PROPERTIES_INTERFACE) < 0) {
                m->introspection = NULL;
                return -ENOMEM;
        }
        if (!dbus_connection_register_object_path(m->bus, DMD_OBJECT_PATH, &object_vtable, m) ||
            !dbus_connection_register_object_path(m->bus, "/", &parent_vtable, m) ||
            !dbus_connection_register_object_path(m->bus, "/io", &parent_vtable, m) ||
            !dbus_connection_register_object_path(m->bus, "/io/cwmp", &parent_vtable, m))
                return -ENOMEM;
        if (!dbus_connection_add_filter(m->bus, on_filter, m, NULL))
                return -ENOMEM;
        dbus_bus_add_match(m->bus,
                           "type='signal',sender='" DBUS_SERVICE_DBUS
                           "',interface='" DBUS_INTERFACE_DBUS
                           "',member='NameOwnerChanged',arg2=''",
                           &error);
        if (dbus_error_is_set(&error)) {
                log_error("Cannot watch providers leaving the bus: %s", error.message);
                dbus_error_free(&error);
                return -EIO;
        }
        return 0;
}
