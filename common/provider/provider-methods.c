/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "bus.h"
#include "introspect.h"
#include "log.h"
#include "provider-internal.h"

/* io.cwmp.Provider1, as dbus-interfaces/io.cwmp.Provider1.xml describes it. Each method
 * builds its reply into *reply: a method return or an io.cwmp.Fault.* error. */

static int reply_fault(DBusMessage *call, const struct fault *f, DBusMessage **reply)
{
        *reply = fault_new_error_reply(call, f);
        return *reply ? 0 : -ENOMEM;
}

static int reply_fault_errno(DBusMessage *call, int error, const char *message, DBusMessage **reply)
{
        _cleanup_(fault_done) struct fault f = {};
        int r;

        if (message)
                r = fault_set(&f, fault_from_errno(error), "%s", message);
        else
                r = fault_set(&f, fault_from_errno(error), NULL);
        if (r < 0)
                return r;
        return reply_fault(call, &f, reply);
}

/* Out of memory stays an error of the handler; anything else becomes a fault reply. */
static int reply_failure(DBusMessage *call, int error, const char *message, DBusMessage **reply)
{
        if (error == -ENOMEM)
                return error;
        return reply_fault_errno(call, error, message, reply);
}

static int reply_empty(DBusMessage *call, DBusMessage **reply)
{
        *reply = dbus_message_new_method_return(call);
        return *reply ? 0 : -ENOMEM;
}

/* "as" -> pointers into the message */
static int read_strings(DBusMessageIter *args, const char ***ret, size_t *ret_n)
{
        DBusMessageIter array;
        _cleanup_free_ const char **v = NULL;
        size_t n = dbus_message_iter_get_element_count(args);

        v = calloc(n + 1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        dbus_message_iter_recurse(args, &array);
        for (size_t i = 0; i < n; i++) {
                dbus_message_iter_get_basic(&array, &v[i]);
                dbus_message_iter_next(&array);
        }
        *ret = TAKE_PTR(v);
        *ret_n = n;
        return 0;
}

/* "a(ss)" -> pointers into the message */
static int read_values(DBusMessageIter *args, struct cwmp_value **ret, size_t *ret_n)
{
        DBusMessageIter array, entry;
        _cleanup_free_ struct cwmp_value *v = NULL;
        size_t n = dbus_message_iter_get_element_count(args);

        v = calloc(n + 1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        dbus_message_iter_recurse(args, &array);
        for (size_t i = 0; i < n; i++) {
                dbus_message_iter_recurse(&array, &entry);
                dbus_message_iter_get_basic(&entry, &v[i].name);
                dbus_message_iter_next(&entry);
                dbus_message_iter_get_basic(&entry, &v[i].value);
                dbus_message_iter_next(&array);
        }
        *ret = TAKE_PTR(v);
        *ret_n = n;
        return 0;
}

static int append_strings(DBusMessage *m, const struct strv *s)
{
        DBusMessageIter args, array;

        dbus_message_iter_init_append(m, &args);
        if (!dbus_message_iter_open_container(&args, DBUS_TYPE_ARRAY, "s", &array))
                return -ENOMEM;
        for (size_t i = 0; i < s->n; i++)
                if (!dbus_message_iter_append_basic(&array, DBUS_TYPE_STRING, &s->v[i])) {
                        dbus_message_iter_abandon_container(&args, &array);
                        return -ENOMEM;
                }
        if (!dbus_message_iter_close_container(&args, &array))
                return -ENOMEM;
        return 0;
}

/* ---- GetInstances(as objects) -> (as instances) ---- */

static int method_get_instances(cwmp_provider *p, DBusMessage *m, DBusMessageIter *args,
                                DBusMessage **reply)
{
        _cleanup_(strv_done) struct strv all = {}, selected = {};
        _cleanup_(fault_done) struct fault f = {};
        _cleanup_free_ const char **objects = NULL;
        size_t n_objects;
        int r;

        r = read_strings(args, &objects, &n_objects);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n_objects; i++)
                if (!dmpath_is_partial(objects[i])) {
                        r = fault_add_param(&f, objects[i], CWMP_FAULT_INVALID_PARAMETER_NAME,
                                            "Not an object path (must end in \".\")");
                        if (r < 0)
                                return r;
                }
        if (f.n_params > 0) {
                r = fault_set(&f, CWMP_FAULT_INVALID_PARAMETER_NAME, NULL);
                if (r < 0)
                        return r;
                return reply_fault(m, &f, reply);
        }

        r = provider_collect_instances(p, &all);
        if (r < 0)
                return reply_failure(m, r, "Failed to list instances", reply);
        for (size_t i = 0; i < all.n; i++)
                for (size_t j = 0; j < n_objects; j++)
                        if (startswith(all.v[i], objects[j])) {
                                r = strv_push(&selected, all.v[i]);
                                if (r < 0)
                                        return r;
                                break;
                        }

        r = reply_empty(m, reply);
        if (r < 0)
                return r;
        return append_strings(*reply, &selected);
}

/* ---- Get(as names) -> (a(ss) values) ---- */

static int method_get(cwmp_provider *p, DBusMessage *m, DBusMessageIter *args, DBusMessage **reply)
{
        _cleanup_(strv_done) struct strv values = {};
        _cleanup_(fault_done) struct fault f = {};
        _cleanup_free_ const char **names = NULL;
        DBusMessageIter out, array, entry;
        size_t n;
        int r;

        r = read_strings(args, &names, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                char *value = NULL;
                r = provider_read_value(p, names[i], &value);
                if (r == -ENOMEM)
                        return r;
                if (r == -ENOENT)
                        r = fault_add_param(&f, names[i], CWMP_FAULT_INVALID_PARAMETER_NAME,
                                            "No such parameter");
                else if (r < 0)
                        r = fault_add_param(&f, names[i], fault_from_errno(r),
                                            "Cannot read the value: %s", strerror(-r));
                else
                        r = strv_push_take(&values, value);
                if (r < 0)
                        return r;
        }
        if (f.n_params > 0) {
                r = fault_set(&f, f.params[0].code, NULL);
                if (r < 0)
                        return r;
                return reply_fault(m, &f, reply);
        }

        r = reply_empty(m, reply);
        if (r < 0)
                return r;
        dbus_message_iter_init_append(*reply, &out);
        if (!dbus_message_iter_open_container(&out, DBUS_TYPE_ARRAY, "(ss)", &array))
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                if (!dbus_message_iter_open_container(&array, DBUS_TYPE_STRUCT, NULL, &entry))
                        goto oom;
                if (!dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &names[i]) ||
                    !dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &values.v[i]) ||
                    !dbus_message_iter_close_container(&array, &entry)) {
                        dbus_message_iter_abandon_container_if_open(&array, &entry);
                        goto oom;
                }
        }
        if (!dbus_message_iter_close_container(&out, &array))
                return -ENOMEM;
        return 0;
oom:
        dbus_message_iter_abandon_container(&out, &array);
        return -ENOMEM;
}

/* ---- Validate(a(ss) values), and the same checks for Commit ---- */

static int check_values(cwmp_provider *p, const struct cwmp_value *values, size_t n,
                        struct fault *f)
{
        int r;

        for (size_t i = 0; i < n; i++) {
                r = provider_check_value(p, values[i].name, values[i].value, f);
                if (r < 0)
                        return r;
        }
        if (f->n_params > 0)
                return fault_set(f, CWMP_FAULT_INVALID_ARGUMENTS, NULL);
        return 0;
}

static int method_validate(cwmp_provider *p, DBusMessage *m, DBusMessageIter *args,
                           DBusMessage **reply)
{
        _cleanup_(fault_done) struct fault f = {};
        _cleanup_free_ struct cwmp_value *values = NULL;
        size_t n;
        int r;

        r = read_values(args, &values, &n);
        if (r < 0)
                return r;
        r = check_values(p, values, n, &f);
        if (r < 0)
                return r;
        if (f.n_params > 0)
                return reply_fault(m, &f, reply);
        return reply_empty(m, reply);
}

/* ---- Commit(s transaction, a(ss) values) ---- */

/* The form a value is stored in: canonical for single values ("1" -> "true"). */
static int store_value(struct kvmap *m, const struct schema_node *n, const char *name,
                       const char *value)
{
        _cleanup_free_ char *normalized = NULL;

        if (!n->facets.is_list && cw_value_normalize(n->facets.type, value, &normalized) == 0)
                value = normalized;
        return kvmap_set(m, name, value);
}

static int method_commit(cwmp_provider *p, DBusMessage *m, DBusMessageIter *args,
                         DBusMessage **reply)
{
        _cleanup_(fault_done) struct fault f = {};
        _cleanup_free_ struct cwmp_value *values = NULL;
        struct kvmap *next = NULL;
        const char *transaction;
        size_t n;
        int r;

        dbus_message_iter_get_basic(args, &transaction);
        dbus_message_iter_next(args);
        if (provider_state_seen(p, transaction))
                return reply_empty(m, reply); /* applied before a crash or a lost reply */

        r = read_values(args, &values, &n);
        if (r < 0)
                return r;
        r = check_values(p, values, n, &f);
        if (r < 0)
                return r;
        if (f.n_params > 0)
                return reply_fault(m, &f, reply);

        if (p->ops && p->ops->apply && n > 0) {
                r = p->ops->apply(p, values, n, p->userdata);
                if (r < 0) {
                        log_debug_errno(r, "Commit %s refused by apply: %m", transaction);
                        return reply_fault_errno(m, r, "The values could not be applied", reply);
                }
        }

        r = provider_state_begin(p, &next);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                const struct schema_node *node;
                r = provider_find_parameter(p, values[i].name, &node);
                if (r >= 0 && node->storage == SCHEMA_PERSIST)
                        r = store_value(next, node, values[i].name, values[i].value);
                if (r < 0) {
                        kvmap_free(next);
                        return r;
                }
        }
        r = provider_state_commit(p, next, transaction);
        if (r < 0) {
                log_debug_errno(r, "Failed to store commit %s: %m", transaction);
                return reply_fault_errno(m, -EIO, "Failed to store the values", reply);
        }
        return reply_empty(m, reply);
}

/* ---- AddInstance(s transaction, s object, u instance) ---- */

/* The schema node of an instance path ("Device.X.Item.3.") of a table this provider keeps,
 * or a fault. */
static int find_table_instance(cwmp_provider *p, const char *instance, struct dmpath *path,
                               const struct schema_node **ret, struct fault *f)
{
        const struct schema_node *n;
        int r;

        r = dmpath_parse(instance, DMPATH_REQUIRE_PARTIAL, path, NULL);
        if (r == -ENOMEM)
                return r;
        if (r < 0 || path->n_segs < 2 || path->segs[path->n_segs - 1].kind != DMPATH_SEG_INSTANCE)
                return fault_set(f, CWMP_FAULT_INVALID_PARAMETER_NAME, "Not an instance: %s",
                                 instance);
        n = schema_lookup(p->schema, path);
        if (!n || !n->multi_instance || !provider_owns(p, instance))
                return fault_set(f, CWMP_FAULT_INVALID_PARAMETER_NAME, "Not a table of ours: %s",
                                 instance);
        if (n->access != SCHEMA_READ_WRITE)
                return fault_set(f, CWMP_FAULT_REQUEST_DENIED, "Table is read-only: %s", instance);
        *ret = n;
        return 0;
}

static int method_add_instance(cwmp_provider *p, DBusMessage *m, DBusMessageIter *args,
                               DBusMessage **reply)
{
        _cleanup_(dmpath_done) struct dmpath path = {}, parent = {};
        _cleanup_(fault_done) struct fault f = {};
        _cleanup_free_ char *instance = NULL, *table = NULL;
        _cleanup_free_ uint32_t *existing = NULL;
        const char *transaction, *object;
        const struct schema_node *node = NULL;
        struct kvmap *next = NULL;
        size_t n_existing;
        bool user_table;
        uint32_t number;
        int r;

        dbus_message_iter_get_basic(args, &transaction);
        dbus_message_iter_next(args);
        dbus_message_iter_get_basic(args, &object);
        dbus_message_iter_next(args);
        dbus_message_iter_get_basic(args, &number);
        if (provider_state_seen(p, transaction))
                return reply_empty(m, reply);

        if (!endswith_char(object, '.') || number == 0)
                r = fault_set(&f, CWMP_FAULT_INVALID_ARGUMENTS,
                              "Expected a table path and an instance number");
        else if (asprintf(&instance, "%s%" PRIu32 ".", object, number) < 0) {
                instance = NULL;
                return -ENOMEM;
        } else
                r = find_table_instance(p, instance, &path, &node, &f);
        if (r < 0)
                return r;
        if (f.code != 0)
                return reply_fault(m, &f, reply);

        /* the parents must exist; then the table must be ours and have room */
        r = dmpath_parse(object, DMPATH_REQUIRE_PARTIAL, &parent, NULL);
        if (r >= 0)
                r = provider_instances_exist(p, &parent);
        if (r == -ENOENT)
                return reply_fault_errno(m, r, "Parent instance does not exist", reply);
        if (r < 0)
                return r;
        table = strdup(object);
        if (!table)
                return -ENOMEM;
        r = provider_table_instances(p, table, &existing, &n_existing, &user_table);
        if (r < 0)
                return reply_failure(m, r, NULL, reply);
        if (user_table)
                return reply_fault_errno(m, -EACCES, "Instances of this table are not added",
                                         reply);
        for (size_t i = 0; i < n_existing; i++)
                if (existing[i] == number)
                        return reply_fault_errno(m, -EBADRQC, "Instance exists already", reply);
        if (node->max_entries > 0 && n_existing >= node->max_entries) {
                r = fault_set(&f, CWMP_FAULT_RESOURCES_EXCEEDED,
                              "Table is full (%" PRIu32 " entries at most)", node->max_entries);
                if (r < 0)
                        return r;
                return reply_fault(m, &f, reply);
        }

        r = provider_state_begin(p, &next);
        if (r < 0)
                return r;
        r = kvmap_set(next, instance, "");
        if (r >= 0)
                r = provider_fill_defaults(p, node, instance, number, next);
        if (r < 0) {
                kvmap_free(next);
                return r;
        }
        r = provider_state_commit(p, next, transaction);
        if (r < 0) {
                log_debug_errno(r, "Failed to store instance %s: %m", instance);
                return reply_fault_errno(m, -EIO, "Failed to store the instance", reply);
        }
        if (p->ops && p->ops->instance_added)
                p->ops->instance_added(p, instance, p->userdata);
        return reply_empty(m, reply);
}

/* ---- DeleteInstance(s transaction, s object) ---- */

static int method_delete_instance(cwmp_provider *p, DBusMessage *m, DBusMessageIter *args,
                                  DBusMessage **reply)
{
        _cleanup_(dmpath_done) struct dmpath path = {};
        _cleanup_(fault_done) struct fault f = {};
        _cleanup_(strv_done) struct strv doomed = {};
        _cleanup_free_ char *table = NULL;
        _cleanup_free_ uint32_t *existing = NULL;
        const char *transaction, *object, *key, *value;
        const struct schema_node *node = NULL;
        struct kvmap *next = NULL;
        size_t n_existing;
        bool user_table, found = false;
        int r;

        dbus_message_iter_get_basic(args, &transaction);
        dbus_message_iter_next(args);
        dbus_message_iter_get_basic(args, &object);
        if (provider_state_seen(p, transaction))
                return reply_empty(m, reply);

        r = find_table_instance(p, object, &path, &node, &f);
        if (r < 0)
                return r;
        if (f.code != 0)
                return reply_fault(m, &f, reply);
        r = dmpath_format(&path, path.n_segs - 1, true, &table);
        if (r < 0)
                return r;
        r = provider_instances_exist(p, &path);
        if (r == -ENOENT)
                return reply_fault_errno(m, r, "No such instance", reply);
        if (r < 0)
                return reply_failure(m, r, NULL, reply);
        r = provider_table_instances(p, table, &existing, &n_existing, &user_table);
        if (r < 0)
                return reply_failure(m, r, NULL, reply);
        if (user_table)
                return reply_fault_errno(m, -EACCES, "Instances of this table are not deleted",
                                         reply);
        for (size_t i = 0; i < n_existing && !found; i++)
                found = existing[i] == path.segs[path.n_segs - 1].instance;
        if (!found)
                return reply_fault_errno(m, -ENOENT, "No such instance", reply);

        /* the instance, its values and everything below it */
        r = provider_state_begin(p, &next);
        if (r < 0)
                return r;
        kvmap_foreach (next, i, key, value) {
                if (startswith(key, object)) {
                        r = strv_push(&doomed, key);
                        if (r < 0) {
                                kvmap_free(next);
                                return r;
                        }
                }
        }
        for (size_t i = 0; i < doomed.n; i++)
                (void)kvmap_remove(next, doomed.v[i]);
        r = provider_state_commit(p, next, transaction);
        if (r < 0) {
                log_debug_errno(r, "Failed to store deletion of %s: %m", object);
                return reply_fault_errno(m, -EIO, "Failed to store the deletion", reply);
        }
        if (p->ops && p->ops->instance_deleted)
                p->ops->instance_deleted(p, object, p->userdata);
        return reply_empty(m, reply);
}

/* ---- dispatch ---- */

static const struct {
        const char *name;
        const char *signature;
        int (*handler)(cwmp_provider *p, DBusMessage *m, DBusMessageIter *args,
                       DBusMessage **reply);
} methods[] = {
        {"GetInstances", "as", method_get_instances},
        {"Get", "as", method_get},
        {"Validate", "a(ss)", method_validate},
        {"Commit", "sa(ss)", method_commit},
        {"AddInstance", "ssu", method_add_instance},
        {"DeleteInstance", "ss", method_delete_instance},
};

DBusHandlerResult provider_handle_message(DBusConnection *c, DBusMessage *m, void *userdata)
{
        cwmp_provider *p = userdata;
        DBusHandlerResult result;
        const char *interface;

        result = bus_handle_standard(c, m, introspect_io_cwmp_Provider1);
        if (result != DBUS_HANDLER_RESULT_NOT_YET_HANDLED)
                return result;
        if (dbus_message_get_type(m) != DBUS_MESSAGE_TYPE_METHOD_CALL)
                return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
        interface = dbus_message_get_interface(m);
        if (interface && !streq(interface, PROVIDER_INTERFACE))
                return DBUS_HANDLER_RESULT_NOT_YET_HANDLED; /* libdbus answers UnknownMethod */

        for (size_t i = 0; i < ELEMENTSOF(methods); i++) {
                _cleanup_dbus_message_ DBusMessage *reply = NULL;
                DBusMessageIter args;
                int r;

                if (!dbus_message_has_member(m, methods[i].name))
                        continue;
                if (!dbus_message_has_signature(m, methods[i].signature)) {
                        r = bus_reply_error(c, m, DBUS_ERROR_INVALID_ARGS,
                                            "Expected arguments (%s) for %s", methods[i].signature,
                                            methods[i].name);
                        return r < 0 ? DBUS_HANDLER_RESULT_NEED_MEMORY
                                     : DBUS_HANDLER_RESULT_HANDLED;
                }
                dbus_message_iter_init(m, &args);
                provider_ref(p);
                r = methods[i].handler(p, m, &args, &reply);
                provider_unref(p);
                if (r < 0 || !reply) {
                        log_debug_errno(r, "%s failed: %m", methods[i].name);
                        dbus_message_unrefp(&reply);
                        reply = NULL;
                        if (reply_fault_errno(m, -EIO, strerror(r < 0 ? -r : EIO), &reply) < 0)
                                return DBUS_HANDLER_RESULT_NEED_MEMORY;
                }
                if (dbus_message_get_no_reply(m))
                        return DBUS_HANDLER_RESULT_HANDLED;
                return bus_send(c, reply) < 0 ? DBUS_HANDLER_RESULT_NEED_MEMORY
                                              : DBUS_HANDLER_RESULT_HANDLED;
        }
        return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
}
