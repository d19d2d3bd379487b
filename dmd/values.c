/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "manager.h"
#include "path.h"
#include "values.h"

void value_items_free(struct value_item *items, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(items[i].name);
                free(items[i].value);
        }
        free(items);
}

int value_item_init(struct manager *m, const char *name, struct value_item *item)
{
        struct dmpath p = {};
        int r = dmpath_parse(name, 0, &p, NULL);
        if (r < 0)
                return -EINVAL;
        const struct schema_node *node = schema_lookup(m->schema, &p);
        dmpath_done(&p);
        if (!node || node->is_object)
                return -ENOENT;
        *item = (struct value_item){
                .node = node, .owner = registry_lookup(&m->registry, name), .name = strdup(name)};
        return item->name ? 0 : -ENOMEM;
}

int values_get_local(struct manager *m, struct owner *o, const struct schema_node *node,
                     const char *name, char **value)
{
        if (node->storage == SCHEMA_PERSIST) {
                const char *v = state_get_value(&m->state, name);
                *value = strdup(v ? v : schema_default_value(node));
                return *value ? 0 : -ENOMEM;
        }
        if (!o->live_get)
                return -ENOENT;
        return o->live_get(m, name, value);
}

/* The indices of the items one Get call asked for, in the order asked. */
struct get_batch {
        struct value_item *items;
        size_t *index;
        size_t n;
};

static void on_get_reply(struct request *r, struct owner *o, DBusMessage *reply, void *data)
{
        struct get_batch *b = data;
        DBusMessageIter it, arr;
        size_t k = 0;

        if (dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_ERROR) {
                request_fail_reply(r, o, reply);
                goto out;
        }
        if (!dbus_message_iter_init(reply, &it) ||
            !streq(dbus_message_get_signature(reply), "a(ss)")) {
                request_fail(r, CWMP_FAULT_INTERNAL_ERROR, "%s answered Get with a malformed reply",
                             o->bus_name);
                goto out;
        }
        dbus_message_iter_recurse(&it, &arr);
        while (dbus_message_iter_get_arg_type(&arr) == DBUS_TYPE_STRUCT && k < b->n) {
                DBusMessageIter st;
                const char *name, *value;
                dbus_message_iter_recurse(&arr, &st);
                dbus_message_iter_get_basic(&st, &name);
                dbus_message_iter_next(&st);
                dbus_message_iter_get_basic(&st, &value);
                struct value_item *item = &b->items[b->index[k]];
                if (!streq(name, item->name))
                        break;
                free(item->value);
                item->value = strdup(value);
                if (!item->value) {
                        request_fail(r, CWMP_FAULT_RESOURCES_EXCEEDED, "Out of memory");
                        goto out;
                }
                k++;
                dbus_message_iter_next(&arr);
        }
        if (k != b->n)
                request_fail(r, CWMP_FAULT_INTERNAL_ERROR,
                             "%s answered Get with other parameters than asked", o->bus_name);
out:
        free(b->index);
        free(b);
}

static int fetch_remote(struct request *r, struct owner *o, struct value_item *items, size_t n,
                        bool *done)
{
        _cleanup_dbus_message_ DBusMessage *msg = NULL;
        struct get_batch *b = calloc(1, sizeof(*b));
        DBusMessageIter it, arr;
        int ret = -ENOMEM;

        if (!b)
                return -ENOMEM;
        b->items = items;
        b->index = calloc(n, sizeof(size_t));
        msg = request_new_provider_call(o, "Get");
        if (!b->index || !msg)
                goto fail;
        dbus_message_iter_init_append(msg, &it);
        if (!dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "s", &arr))
                goto fail;
        for (size_t i = 0; i < n; i++) {
                if (done[i] || items[i].owner != o)
                        continue;
                done[i] = true;
                b->index[b->n++] = i;
                if (!dbus_message_iter_append_basic(&arr, DBUS_TYPE_STRING, &items[i].name)) {
                        dbus_message_iter_abandon_container(&it, &arr);
                        goto fail;
                }
        }
        if (!dbus_message_iter_close_container(&it, &arr))
                goto fail;
        ret = request_call(r, o, msg, on_get_reply, b);
        if (ret < 0)
                goto fail;
        return 0;
fail:
        free(b->index);
        free(b);
        return ret;
}

int values_fetch(struct request *r, struct value_item *items, size_t n)
{
        _cleanup_free_ bool *done = calloc(n ? n : 1, sizeof(bool));
        int ret;

        if (!done)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                struct owner *o = items[i].owner;
                if (done[i])
                        continue;
                if (o->kind == OWNER_LOCAL) {
                        done[i] = true;
                        free(items[i].value);
                        items[i].value = NULL;
                        ret = values_get_local(r->m, o, items[i].node, items[i].name,
                                               &items[i].value);
                        if (ret == -ENOENT && items[i].optional)
                                continue;
                        if (ret < 0) {
                                request_fail(r, fault_from_errno(ret), "Cannot read %s: %s",
                                             items[i].name, strerror(-ret));
                                return 0;
                        }
                        continue;
                }
                if (!o->online) {
                        request_fail(r, CWMP_FAULT_INTERNAL_ERROR,
                                     "%s is served by a provider that is not running", o->subtree);
                        return 0;
                }
                ret = fetch_remote(r, o, items, n, done);
                if (ret < 0)
                        return ret;
        }
        return 0;
}
