/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "bus.h"
#include "log.h"
#include "provider-internal.h"
#include "store.h"

/* How long dmd may take to answer, and when to try again after it did not. */
#define REGISTER_TIMEOUT_MS 25000
#define REGISTER_RETRY_USEC (5 * 1000000ULL)

#define NAME_OWNER_CHANGED_MATCH                                                                   \
        "type='signal',sender='" DBUS_SERVICE_DBUS "',path='" DBUS_PATH_DBUS                       \
        "',interface='" DBUS_INTERFACE_DBUS                                                        \
        "',member='NameOwnerChanged',arg0='" DATAMODEL_BUS_NAME "'"

/* The root every fragment hangs below, unless the fragment declares it itself. */
static const char root_schema[] = "Device. object ro\n";

cwmp_provider *provider_ref(cwmp_provider *p)
{
        p->n_ref++;
        return p;
}

void provider_unref(cwmp_provider *p)
{
        if (!p || --p->n_ref > 0)
                return;
        sd_event_source_disable_unref(p->retry_source);
        if (p->bus)
                dbus_connection_unref(p->bus);
        sd_event_unref(p->event);
        free(p->object_path);
        schema_free(p->schema);
        strv_done(&p->subtrees);
        free(p->state_file);
        kvmap_free(p->state);
        free(p);
}

static void provider_unref_void(void *userdata)
{
        provider_unref(userdata);
}

static DBusHandlerResult on_bus_signal(DBusConnection *c, DBusMessage *m, void *userdata);

CWMP_EXPORT int cwmp_provider_new(sd_event *event, DBusConnection *bus, const char *object_path,
                                  cwmp_provider **ret)
{
        cwmp_provider *p;
        int r;

        if (!event || !bus || !object_path || !ret || !dbus_validate_path(object_path, NULL))
                return -EINVAL;
        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->n_ref = 1;
        p->event = sd_event_ref(event);
        p->bus = dbus_connection_ref(bus);
        p->object_path = strdup(object_path);
        p->state = kvmap_new();
        r = schema_new(&p->schema);
        if (r >= 0 && (!p->object_path || !p->state))
                r = -ENOMEM;
        if (r < 0) {
                provider_unref(p);
                return r;
        }
        *ret = p;
        return 0;
}

CWMP_EXPORT void cwmp_provider_free(cwmp_provider *p)
{
        if (!p)
                return;
        p->freed = true;
        p->retry_source = sd_event_source_disable_unref(p->retry_source);
        if (p->bus) {
                if (p->object_registered)
                        dbus_connection_unregister_object_path(p->bus, p->object_path);
                if (p->filter_added) {
                        dbus_connection_remove_filter(p->bus, on_bus_signal, p);
                        dbus_bus_remove_match(p->bus, NAME_OWNER_CHANGED_MATCH, NULL);
                }
        }
        p->object_registered = p->filter_added = false;
        /* Calls in flight hold references to p and see `freed`; they must not keep the
         * connection alive through p, since the connection owns them. */
        if (p->bus)
                dbus_connection_unref(p->bus);
        p->bus = NULL;
        provider_unref(p);
}

/* Does the fragment declare the root object itself? */
static bool declares_root(const char *data)
{
        for (const char *line = data; line && *line;) {
                line += strspn(line, " \t");
                if (startswith(line, "Device.") && (line[7] == ' ' || line[7] == '\t'))
                        return true;
                line = strchr(line, '\n');
                if (line)
                        line++;
        }
        return false;
}

CWMP_EXPORT int cwmp_provider_load_schema(cwmp_provider *p, const char *schema_file)
{
        _cleanup_(schema_error_done) struct schema_error err = {};
        _cleanup_free_ char *data = NULL;
        size_t len = 0;
        int r;

        if (!p || !schema_file)
                return -EINVAL;
        if (p->started)
                return -EBUSY;
        r = store_read_file(schema_file, STORE_MAX_FILE_SIZE, &data, &len);
        if (r < 0)
                return r;
        /* Fragments hang below "Device.", which dmd declares in its own root schema. */
        if (!schema_root(p->schema) && !declares_root(data)) {
                r = schema_parse_buffer(p->schema, "(root)", root_schema, strlen(root_schema),
                                        &err);
                if (r < 0)
                        return r;
        }
        r = schema_parse_buffer(p->schema, schema_file, data, len, &err);
        if (r < 0)
                log_debug_errno(r, "%s:%u: %s", err.file ? err.file : schema_file, err.line,
                                err.message ? err.message : "invalid schema");
        return r;
}

CWMP_EXPORT int cwmp_provider_add_subtree(cwmp_provider *p, const char *subtree)
{
        _cleanup_(dmpath_done) struct dmpath path = {};
        int r;

        if (!p || !subtree)
                return -EINVAL;
        if (p->started)
                return -EBUSY;
        r = dmpath_parse(subtree, DMPATH_REQUIRE_PARTIAL, &path, NULL);
        if (r < 0)
                return r == -ENOMEM ? r : -EINVAL;
        for (size_t i = 0; i < p->subtrees.n; i++)
                if (streq(p->subtrees.v[i], subtree))
                        return 0;
        return strv_push(&p->subtrees, subtree);
}

CWMP_EXPORT int cwmp_provider_set_state_file(cwmp_provider *p, const char *path)
{
        char *copy;

        if (!p || !path)
                return -EINVAL;
        if (p->started)
                return -EBUSY;
        copy = strdup(path);
        if (!copy)
                return -ENOMEM;
        free(p->state_file);
        p->state_file = copy;
        return 0;
}

CWMP_EXPORT void cwmp_provider_set_ops(cwmp_provider *p, const struct cwmp_provider_ops *ops,
                                       void *userdata)
{
        if (!p)
                return;
        p->ops = ops;
        p->userdata = userdata;
}

/* ---- registration with dmd ---- */

static int send_registration(cwmp_provider *p);

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata)
{
        cwmp_provider *p = userdata;

        (void)send_registration(p);
        return 0;
}

static void schedule_retry(cwmp_provider *p)
{
        uint64_t now;

        if (sd_event_now(p->event, CLOCK_MONOTONIC, &now) < 0)
                return;
        if (p->retry_source) {
                (void)sd_event_source_set_time(p->retry_source, now + REGISTER_RETRY_USEC);
                (void)sd_event_source_set_enabled(p->retry_source, SD_EVENT_ONESHOT);
                return;
        }
        (void)sd_event_add_time(p->event, &p->retry_source, CLOCK_MONOTONIC,
                                now + REGISTER_RETRY_USEC, 1000, on_retry, p);
}

static void on_register_reply(DBusMessage *reply, void *userdata)
{
        cwmp_provider *p = userdata;
        const char *name;

        if (p->freed)
                return;
        if (dbus_message_get_type(reply) != DBUS_MESSAGE_TYPE_ERROR) {
                log_debug("Registered %s with " DATAMODEL_BUS_NAME, p->object_path);
                return;
        }
        name = dbus_message_get_error_name(reply);
        if (streq_ptr(name, DBUS_ERROR_SERVICE_UNKNOWN) ||
            streq_ptr(name, DBUS_ERROR_NAME_HAS_NO_OWNER)) {
                /* NameOwnerChanged tells us when it comes */
                log_debug(DATAMODEL_BUS_NAME " is not on the bus yet");
                return;
        }
        log_debug("RegisterProvider failed: %s", name ? name : "(unnamed error)");
        if (streq_ptr(name, DBUS_ERROR_NO_REPLY) || streq_ptr(name, DBUS_ERROR_TIMEOUT) ||
            streq_ptr(name, DBUS_ERROR_TIMED_OUT))
                schedule_retry(p);
}

static int send_registration(cwmp_provider *p)
{
        _cleanup_dbus_message_ DBusMessage *call = NULL;
        DBusMessageIter args, array;
        const char *path = p->object_path;
        int r;

        call = dbus_message_new_method_call(DATAMODEL_BUS_NAME, DATAMODEL_PATH, DATAMODEL_INTERFACE,
                                            "RegisterProvider");
        if (!call)
                return -ENOMEM;
        dbus_message_iter_init_append(call, &args);
        if (!dbus_message_iter_append_basic(&args, DBUS_TYPE_OBJECT_PATH, &path) ||
            !dbus_message_iter_open_container(&args, DBUS_TYPE_ARRAY, "s", &array))
                return -ENOMEM;
        for (size_t i = 0; i < p->subtrees.n; i++)
                if (!dbus_message_iter_append_basic(&array, DBUS_TYPE_STRING, &p->subtrees.v[i])) {
                        dbus_message_iter_abandon_container(&args, &array);
                        return -ENOMEM;
                }
        if (!dbus_message_iter_close_container(&args, &array))
                return -ENOMEM;

        r = bus_call_async(p->bus, call, REGISTER_TIMEOUT_MS, on_register_reply, provider_ref(p),
                           provider_unref_void);
        if (r < 0)
                provider_unref(p);
        return r;
}

/* dmd (re)appeared: register again. */
static DBusHandlerResult on_bus_signal(DBusConnection *c, DBusMessage *m, void *userdata)
{
        cwmp_provider *p = userdata;
        const char *name, *old_owner, *new_owner;

        if (!dbus_message_is_signal(m, DBUS_INTERFACE_DBUS, "NameOwnerChanged") ||
            !dbus_message_has_sender(m, DBUS_SERVICE_DBUS))
                return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
        if (!dbus_message_get_args(m, NULL, DBUS_TYPE_STRING, &name, DBUS_TYPE_STRING, &old_owner,
                                   DBUS_TYPE_STRING, &new_owner, DBUS_TYPE_INVALID))
                return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
        if (streq(name, DATAMODEL_BUS_NAME) && *new_owner) {
                log_debug(DATAMODEL_BUS_NAME " is now %s: registering", new_owner);
                (void)send_registration(p);
        }
        /* others may want the signal too */
        return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
}

static int check_subtrees(cwmp_provider *p)
{
        if (p->subtrees.n == 0)
                return -EINVAL;
        for (size_t i = 0; i < p->subtrees.n; i++) {
                _cleanup_(dmpath_done) struct dmpath path = {};
                _cleanup_free_ char *tmpl = NULL, *table = NULL;
                const struct schema_node *n;
                int r;

                r = dmpath_parse(p->subtrees.v[i], DMPATH_REQUIRE_PARTIAL, &path, NULL);
                if (r >= 0)
                        r = dmpath_template(&path, &tmpl);
                if (r < 0)
                        return r;
                n = schema_find(p->schema, tmpl);
                if (n && n->is_object)
                        continue;
                if (asprintf(&table, "%s{i}.", tmpl) < 0) {
                        table = NULL;
                        return -ENOMEM;
                }
                if (!schema_find(p->schema, table)) {
                        log_debug("Subtree %s is not in the schema", p->subtrees.v[i]);
                        return -ENOENT;
                }
        }
        return 0;
}

CWMP_EXPORT int cwmp_provider_start(cwmp_provider *p)
{
        static const DBusObjectPathVTable vtable = {
                .message_function = provider_handle_message,
        };
        DBusError error = DBUS_ERROR_INIT;
        int r;

        if (!p)
                return -EINVAL;
        if (p->started)
                return -EALREADY;
        r = check_subtrees(p);
        if (r < 0)
                return r;
        r = provider_state_load(p);
        if (r < 0)
                return r;

        if (!dbus_connection_try_register_object_path(p->bus, p->object_path, &vtable, p, &error)) {
                r = dbus_error_has_name(&error, DBUS_ERROR_OBJECT_PATH_IN_USE) ? -EEXIST : -ENOMEM;
                dbus_error_free(&error);
                return r;
        }
        p->object_registered = true;
        if (!dbus_connection_add_filter(p->bus, on_bus_signal, p, NULL)) {
                r = -ENOMEM;
                goto fail;
        }
        p->filter_added = true;
        /* Without an error argument this does not wait for the bus. The bus handles our
         * messages in order, so the match is in place before RegisterProvider is. */
        dbus_bus_add_match(p->bus, NAME_OWNER_CHANGED_MATCH, NULL);
        r = send_registration(p);
        if (r < 0)
                goto fail;
        p->started = true;
        return 0;

fail:
        if (p->filter_added) {
                dbus_connection_remove_filter(p->bus, on_bus_signal, p);
                dbus_bus_remove_match(p->bus, NAME_OWNER_CHANGED_MATCH, NULL);
                p->filter_added = false;
        }
        dbus_connection_unregister_object_path(p->bus, p->object_path);
        p->object_registered = false;
        return r;
}

/* ---- stored values and changes ---- */

CWMP_EXPORT int cwmp_provider_get_instances(cwmp_provider *p, const char *table,
                                            uint32_t **instances, size_t *n)
{
        if (!p || !table || !instances || !n || !endswith_char(table, '.'))
                return -EINVAL;
        return provider_table_instances(p, table, instances, n, NULL);
}

CWMP_EXPORT const char *cwmp_provider_get_stored(cwmp_provider *p, const char *name)
{
        const struct schema_node *n;
        const char *value;

        if (!p || !name)
                return NULL;
        value = kvmap_get(p->state, name);
        if (value)
                return value;
        /* a persisted parameter never set reads its default */
        if (provider_find_parameter(p, name, &n) < 0 || n->storage != SCHEMA_PERSIST)
                return NULL;
        return schema_default_value(n);
}

static void on_notify_reply(DBusMessage *reply, void *userdata)
{
        if (dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_ERROR)
                log_debug("NotifyValueChanges failed: %s", dbus_message_get_error_name(reply));
}

static int append_changes(cwmp_provider *p, DBusMessage *call, const struct cwmp_value *values,
                          size_t n)
{
        DBusMessageIter args, array, entry;

        dbus_message_iter_init_append(call, &args);
        if (!dbus_message_iter_open_container(&args, DBUS_TYPE_ARRAY, "(ss)", &array))
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                const struct schema_node *node;
                const char *value = values[i].value;

                /* a secret does not travel in a change report */
                if (provider_find_parameter(p, values[i].name, &node) >= 0 && node->hidden)
                        value = "";
                if (!dbus_message_iter_open_container(&array, DBUS_TYPE_STRUCT, NULL, &entry))
                        goto oom;
                if (!dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &values[i].name) ||
                    !dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &value) ||
                    !dbus_message_iter_close_container(&array, &entry)) {
                        dbus_message_iter_abandon_container_if_open(&array, &entry);
                        goto oom;
                }
        }
        if (!dbus_message_iter_close_container(&args, &array))
                return -ENOMEM;
        return 0;
oom:
        dbus_message_iter_abandon_container(&args, &array);
        return -ENOMEM;
}

CWMP_EXPORT int cwmp_provider_notify_changes(cwmp_provider *p, const struct cwmp_value *values,
                                             size_t n)
{
        _cleanup_dbus_message_ DBusMessage *call = NULL;
        struct kvmap *next = NULL;
        bool store = false;
        int r;

        if (!p || (!values && n > 0))
                return -EINVAL;
        if (!p->started)
                return -ENOTCONN;
        if (n == 0)
                return 0;

        /* The values must be ours and valid; persisted ones are stored, so that Get reads
         * what dmd was told. */
        for (size_t i = 0; i < n; i++) {
                const struct schema_node *node;

                if (!values[i].name || !values[i].value)
                        return -EINVAL;
                r = provider_find_parameter(p, values[i].name, &node);
                if (r < 0)
                        return r;
                if (cw_value_check(&node->facets, values[i].value, NULL) < 0 ||
                    !dbus_validate_utf8(values[i].value, NULL))
                        return -EINVAL;
                store = store || node->storage == SCHEMA_PERSIST;
        }
        if (store) {
                r = provider_state_begin(p, &next);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < n; i++) {
                        const struct schema_node *node;
                        r = provider_find_parameter(p, values[i].name, &node);
                        if (r >= 0 && node->storage == SCHEMA_PERSIST)
                                r = kvmap_set(next, values[i].name, values[i].value);
                        if (r < 0) {
                                kvmap_free(next);
                                return r;
                        }
                }
                r = provider_state_commit(p, next, NULL);
                if (r < 0)
                        return r;
        }

        call = dbus_message_new_method_call(DATAMODEL_BUS_NAME, DATAMODEL_PATH, DATAMODEL_INTERFACE,
                                            "NotifyValueChanges");
        if (!call)
                return -ENOMEM;
        r = append_changes(p, call, values, n);
        if (r < 0)
                return r;
        return bus_call_async(p->bus, call, -1, on_notify_reply, NULL, NULL);
}
