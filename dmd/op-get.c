/* SPDX-License-Identifier: MIT */
/* GetParameterValues and GetParameterNames. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "manager.h"
#include "ops.h"
#include "resolve.h"

struct op_values {
        struct op op;
        bool walking_partial;
        struct value_item *items;
        size_t n_items, allocated;
};

static void op_values_destroy(struct request *r)
{
        struct op_values *v = (struct op_values *)r;
        resolution_done(&v->op.res);
        value_items_free(v->items, v->n_items);
        free(v);
}

/* The first target that failed makes the whole call fail, naming it. */
static bool fail_on_target(struct op *op)
{
        for (size_t i = 0; i < op->res.n_targets; i++) {
                struct target *t = &op->res.targets[i];
                if (!t->fault)
                        continue;
                request_fail(&op->req, t->fault, "%s",
                             t->fault_message ? t->fault_message : fault_string(t->fault));
                (void)fault_add_param(&op->req.fault, t->input, t->fault, "%s",
                                      t->fault_message ? t->fault_message : fault_string(t->fault));
                return true;
        }
        return false;
}

static int collect_value(void *userdata, const char *path, const struct schema_node *node,
                         bool is_object, bool writable, struct owner *owner)
{
        struct op_values *v = userdata;

        if (v->n_items == v->allocated) {
                size_t na = v->allocated ? v->allocated * 2 : 64;
                struct value_item *ni = realloc(v->items, na * sizeof(*ni));
                if (!ni)
                        return -ENOMEM;
                v->items = ni;
                v->allocated = na;
        }
        char *name = strdup(path);
        if (!name)
                return -ENOMEM;
        v->items[v->n_items++] = (struct value_item){
                .name = name, .node = node, .owner = owner, .optional = v->walking_partial};
        return 0;
}

static void gpv_reply(struct request *r)
{
        struct op_values *v = (struct op_values *)r;
        _cleanup_dbus_message_ DBusMessage *reply = NULL;
        DBusMessageIter it, arr;

        if (request_failed(r)) {
                request_reply_fault(r);
                return;
        }
        reply = dbus_message_new_method_return(r->call);
        if (!reply)
                goto oom;
        dbus_message_iter_init_append(reply, &it);
        if (!dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "(sss)", &arr))
                goto oom;
        for (size_t i = 0; i < v->n_items; i++) {
                struct value_item *item = &v->items[i];
                if (item->optional && !item->value)
                        continue; /* vanished while we looked */
                const char *type = manager_type_name(item->node);
                const char *value = item->node->hidden || !item->value ? "" : item->value;
                DBusMessageIter st;
                if (!dbus_message_iter_open_container(&arr, DBUS_TYPE_STRUCT, NULL, &st) ||
                    !dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &item->name) ||
                    !dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &type) ||
                    !dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &value) ||
                    !dbus_message_iter_close_container(&arr, &st)) {
                        dbus_message_iter_abandon_container(&it, &arr);
                        goto oom;
                }
        }
        if (!dbus_message_iter_close_container(&it, &arr))
                goto oom;
        request_send(r, TAKE_PTR(reply));
        return;
oom:
        request_fail(r, CWMP_FAULT_RESOURCES_EXCEEDED, "Out of memory building the reply");
        request_reply_fault(r);
}

static void gpv_resolved(struct request *r)
{
        struct op_values *v = (struct op_values *)r;

        if (request_failed(r) || fail_on_target(&v->op)) {
                request_reply_fault(r);
                return;
        }
        for (size_t i = 0; i < v->op.res.n_targets; i++) {
                v->walking_partial = v->op.res.targets[i].kind != TARGET_PARAM;
                if (resolve_walk(r->m, &v->op.res.snap, &v->op.res.targets[i], false, false,
                                 collect_value, v) < 0) {
                        request_fail(r, CWMP_FAULT_RESOURCES_EXCEEDED, "Out of memory");
                        request_reply_fault(r);
                        return;
                }
        }
        if (values_fetch(r, v->items, v->n_items) < 0)
                request_fail(r, CWMP_FAULT_RESOURCES_EXCEEDED, "Out of memory");
        request_continue(r, gpv_reply);
}

static int read_names(DBusMessage *call, char ***names, int *n)
{
        DBusError error = DBUS_ERROR_INIT;
        if (!dbus_message_get_args(call, &error, DBUS_TYPE_ARRAY, DBUS_TYPE_STRING, names, n,
                                   DBUS_TYPE_INVALID)) {
                dbus_error_free(&error);
                return -EINVAL;
        }
        return 0;
}

static int start_values_op(struct manager *m, DBusMessage *call, request_stage_fn resolved)
{
        char **names = NULL;
        int n = 0, r;

        if (read_names(call, &names, &n) < 0)
                return -EINVAL;
        struct op_values *v = calloc(1, sizeof(*v));
        if (!v) {
                dbus_free_string_array(names);
                return -ENOMEM;
        }
        request_init(&v->op.req, m, call, op_values_destroy);
        r = resolve_start(&v->op, (const char *const *)names, (size_t)n,
                          DMPATH_ALLOW_PARTIAL | DMPATH_ALLOW_EMPTY | DMPATH_ALLOW_ALIAS, resolved);
        dbus_free_string_array(names);
        if (r < 0) {
                request_fail(&v->op.req, fault_from_errno(r), "%s", strerror(-r));
                request_reply_fault(&v->op.req);
        }
        request_unref(&v->op.req);
        return 0;
}

int op_get_parameter_values(struct manager *m, DBusMessage *call)
{
        return start_values_op(m, call, gpv_resolved);
}

/* ---- GetParameterNames ------------------------------------------------------------- */

struct op_names {
        struct op op;
        bool next_level;
        DBusMessage *reply;
        DBusMessageIter it, arr;
};

static void op_names_destroy(struct request *r)
{
        struct op_names *o = (struct op_names *)r;
        resolution_done(&o->op.res);
        if (o->reply)
                dbus_message_unref(o->reply);
        free(o);
}

static int append_name(void *userdata, const char *path, const struct schema_node *node,
                       bool is_object, bool writable, struct owner *owner)
{
        struct op_names *o = userdata;
        DBusMessageIter st;
        dbus_bool_t w = writable;

        if (!dbus_message_iter_open_container(&o->arr, DBUS_TYPE_STRUCT, NULL, &st) ||
            !dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &path) ||
            !dbus_message_iter_append_basic(&st, DBUS_TYPE_BOOLEAN, &w) ||
            !dbus_message_iter_close_container(&o->arr, &st))
                return -ENOMEM;
        return 0;
}

static void gpn_resolved(struct request *r)
{
        struct op_names *o = (struct op_names *)r;
        struct target *t = &o->op.res.targets[0];

        if (request_failed(r) || fail_on_target(&o->op)) {
                request_reply_fault(r);
                return;
        }
        if (t->kind == TARGET_PARAM && o->next_level) {
                request_fail(r, CWMP_FAULT_INVALID_ARGUMENTS,
                             "%s is a parameter: NextLevel must be false", t->input);
                request_reply_fault(r);
                return;
        }
        o->reply = dbus_message_new_method_return(r->call);
        if (!o->reply)
                goto oom;
        dbus_message_iter_init_append(o->reply, &o->it);
        if (!dbus_message_iter_open_container(&o->it, DBUS_TYPE_ARRAY, "(sb)", &o->arr))
                goto oom;
        if (resolve_walk(r->m, &o->op.res.snap, t, true, o->next_level, append_name, o) < 0) {
                dbus_message_iter_abandon_container(&o->it, &o->arr);
                goto oom;
        }
        if (!dbus_message_iter_close_container(&o->it, &o->arr))
                goto oom;
        request_send(r, TAKE_PTR(o->reply));
        return;
oom:
        request_fail(r, CWMP_FAULT_RESOURCES_EXCEEDED, "Out of memory building the reply");
        request_reply_fault(r);
}

int op_get_parameter_names(struct manager *m, DBusMessage *call)
{
        DBusError error = DBUS_ERROR_INIT;
        const char *path = NULL;
        dbus_bool_t next_level = FALSE;
        int r;

        if (!dbus_message_get_args(call, &error, DBUS_TYPE_STRING, &path, DBUS_TYPE_BOOLEAN,
                                   &next_level, DBUS_TYPE_INVALID)) {
                dbus_error_free(&error);
                return -EINVAL;
        }
        struct op_names *o = calloc(1, sizeof(*o));
        if (!o)
                return -ENOMEM;
        o->next_level = next_level;
        request_init(&o->op.req, m, call, op_names_destroy);
        r = resolve_start(&o->op, &path, 1,
                          DMPATH_ALLOW_PARTIAL | DMPATH_ALLOW_EMPTY | DMPATH_ALLOW_ALIAS,
                          gpn_resolved);
        if (r < 0) {
                request_fail(&o->op.req, fault_from_errno(r), "%s", strerror(-r));
                request_reply_fault(&o->op.req);
        }
        request_unref(&o->op.req);
        return 0;
}
