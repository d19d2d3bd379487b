/* SPDX-License-Identifier: MIT */
/* GetParameterAttributes and SetParameterAttributes: dmd keeps the attributes of the whole
 * tree itself, whoever owns the values. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "log.h"
#include "manager.h"
#include "ops.h"
#include "resolve.h"

/* TR-069 defines one access list entry. */
#define ACCESS_SUBSCRIBER "Subscriber"

unsigned op_default_notification(const struct schema_node *node)
{
        switch (node->notify_rule) {
        case SCHEMA_NOTIFY_FORCE_ENABLED:
        case SCHEMA_NOTIFY_FORCE_DEFAULT_ENABLED:
                return 2;
        default:
                return 0;
        }
}

struct attr_request {
        char *name;
        bool notification_change;
        uint32_t notification;
        bool access_change;
        struct strv access;
};

struct op_attributes {
        struct op op;
        /* Get: the reply being built. Set: what was asked, one per target. */
        DBusMessage *reply;
        DBusMessageIter it, arr;
        struct attr_request *asked;
        size_t n_asked;
        size_t current;
};

static void op_attributes_destroy(struct request *r)
{
        struct op_attributes *a = (struct op_attributes *)r;
        resolution_done(&a->op.res);
        if (a->reply)
                dbus_message_unref(a->reply);
        for (size_t i = 0; i < a->n_asked; i++) {
                free(a->asked[i].name);
                strv_done(&a->asked[i].access);
        }
        free(a->asked);
        free(a);
}

static bool fail_on_target(struct op *op)
{
        for (size_t i = 0; i < op->res.n_targets; i++) {
                struct target *t = &op->res.targets[i];
                if (!t->fault)
                        continue;
                const char *msg = t->fault_message ? t->fault_message : fault_string(t->fault);
                request_fail(&op->req, t->fault, "%s", msg);
                (void)fault_add_param(&op->req.fault, t->input, t->fault, "%s", msg);
                return true;
        }
        return false;
}

static int append_attributes(void *userdata, const char *path, const struct schema_node *node,
                             bool is_object, bool writable, struct owner *owner)
{
        struct op_attributes *a = userdata;
        struct manager *m = a->op.req.m;
        _cleanup_free_ char *acl = NULL;
        bool present;
        uint32_t notification;
        DBusMessageIter st, list;
        int r;

        r = state_get_attributes(&m->state, path, &present, &notification, &acl);
        if (r < 0)
                return r;
        if (!present)
                notification = op_default_notification(node);
        if (!dbus_message_iter_open_container(&a->arr, DBUS_TYPE_STRUCT, NULL, &st) ||
            !dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &path) ||
            !dbus_message_iter_append_basic(&st, DBUS_TYPE_UINT32, &notification) ||
            !dbus_message_iter_open_container(&st, DBUS_TYPE_ARRAY, "s", &list))
                return -ENOMEM;
        for (char *p = acl, *save = NULL, *tok; acl && (tok = strtok_r(p, ",", &save)); p = NULL)
                if (!dbus_message_iter_append_basic(&list, DBUS_TYPE_STRING, &tok))
                        return -ENOMEM;
        if (!dbus_message_iter_close_container(&st, &list) ||
            !dbus_message_iter_close_container(&a->arr, &st))
                return -ENOMEM;
        return 0;
}

static void gpa_resolved(struct request *r)
{
        struct op_attributes *a = (struct op_attributes *)r;

        if (request_failed(r) || fail_on_target(&a->op)) {
                request_reply_fault(r);
                return;
        }
        a->reply = dbus_message_new_method_return(r->call);
        if (!a->reply)
                goto oom;
        dbus_message_iter_init_append(a->reply, &a->it);
        if (!dbus_message_iter_open_container(&a->it, DBUS_TYPE_ARRAY, "(suas)", &a->arr))
                goto oom;
        for (size_t i = 0; i < a->op.res.n_targets; i++)
                if (resolve_walk(r->m, &a->op.res.snap, &a->op.res.targets[i], false, false,
                                 append_attributes, a) < 0) {
                        dbus_message_iter_abandon_container(&a->it, &a->arr);
                        goto oom;
                }
        if (!dbus_message_iter_close_container(&a->it, &a->arr))
                goto oom;
        request_send(r, TAKE_PTR(a->reply));
        return;
oom:
        request_fail(r, CWMP_FAULT_RESOURCES_EXCEEDED, "Out of memory building the reply");
        request_reply_fault(r);
}

int op_get_parameter_attributes(struct manager *m, DBusMessage *call)
{
        DBusError error = DBUS_ERROR_INIT;
        char **names = NULL;
        int n = 0, r;

        if (!dbus_message_get_args(call, &error, DBUS_TYPE_ARRAY, DBUS_TYPE_STRING, &names, &n,
                                   DBUS_TYPE_INVALID)) {
                dbus_error_free(&error);
                return -EINVAL;
        }
        struct op_attributes *a = calloc(1, sizeof(*a));
        if (!a) {
                dbus_free_string_array(names);
                return -ENOMEM;
        }
        request_init(&a->op.req, m, call, op_attributes_destroy);
        r = resolve_start(&a->op, (const char *const *)names, (size_t)n,
                          DMPATH_ALLOW_PARTIAL | DMPATH_ALLOW_EMPTY | DMPATH_ALLOW_ALIAS,
                          gpa_resolved);
        dbus_free_string_array(names);
        if (r < 0) {
                request_fail(&a->op.req, fault_from_errno(r), "%s", strerror(-r));
                request_reply_fault(&a->op.req);
        }
        request_unref(&a->op.req);
        return 0;
}

/* ---- SetParameterAttributes -------------------------------------------------------- */

/* Checks one parameter against what was asked; records a parameter fault if refused. */
static int check_attributes(void *userdata, const char *path, const struct schema_node *node,
                            bool is_object, bool writable, struct owner *owner)
{
        struct op_attributes *a = userdata;
        struct attr_request *ask = &a->asked[a->current];
        struct fault *f = &a->op.req.fault;

        if (!ask->notification_change)
                return 0;
        if (ask->notification == 2 && node->notify_rule == SCHEMA_NOTIFY_CAN_DENY)
                return fault_add_param(f, path, CWMP_FAULT_NOTIFICATION_REJECTED,
                                       "active notification of %s is denied", path);
        if (ask->notification != 2 && node->notify_rule == SCHEMA_NOTIFY_FORCE_ENABLED)
                return fault_add_param(f, path, CWMP_FAULT_NOTIFICATION_REJECTED,
                                       "%s is always notified actively", path);
        return 0;
}

static int apply_attributes(void *userdata, const char *path, const struct schema_node *node,
                            bool is_object, bool writable, struct owner *owner)
{
        struct op_attributes *a = userdata;
        struct attr_request *ask = &a->asked[a->current];
        struct manager *m = a->op.req.m;
        _cleanup_free_ char *acl = NULL, *joined = NULL;
        bool present;
        uint32_t notification;
        int r;

        r = state_get_attributes(&m->state, path, &present, &notification, &acl);
        if (r < 0)
                return r;
        if (!present)
                notification = op_default_notification(node);
        if (ask->notification_change)
                notification = ask->notification;
        if (ask->access_change) {
                struct buf b = {};
                for (size_t i = 0; i < ask->access.n; i++)
                        if (buf_printf(&b, "%s%s", i ? "," : "", ask->access.v[i]) < 0) {
                                buf_done(&b);
                                return -ENOMEM;
                        }
                joined = buf_steal(&b);
        }
        return state_set_attributes(&m->state, path, notification,
                                    ask->access_change ? (joined ? joined : "") : acl);
}

static void spa_resolved(struct request *r)
{
        struct op_attributes *a = (struct op_attributes *)r;
        int ret = 0;

        if (request_failed(r) || fail_on_target(&a->op)) {
                request_reply_fault(r);
                return;
        }
        /* Check everything first: a refused parameter changes nothing at all. */
        for (a->current = 0; ret >= 0 && a->current < a->n_asked; a->current++)
                ret = resolve_walk(r->m, &a->op.res.snap, &a->op.res.targets[a->current], false,
                                   false, check_attributes, a);
        if (ret >= 0 && r->fault.n_params > 0) {
                r->fault.code = CWMP_FAULT_NOTIFICATION_REJECTED;
                (void)fault_set(&r->fault, CWMP_FAULT_NOTIFICATION_REJECTED, "%s",
                                r->fault.params[0].message);
        }
        if (ret < 0)
                request_fail(r, CWMP_FAULT_RESOURCES_EXCEEDED, "Out of memory");
        if (request_failed(r)) {
                request_reply_fault(r);
                return;
        }
        for (a->current = 0; ret >= 0 && a->current < a->n_asked; a->current++)
                ret = resolve_walk(r->m, &a->op.res.snap, &a->op.res.targets[a->current], false,
                                   false, apply_attributes, a);
        if (ret >= 0)
                ret = state_save(&r->m->state);
        if (ret < 0) {
                /* Not saved: forget the in-memory changes by reloading what is on disk. */
                log_error_errno(ret, "Failed to save attributes: %m");
                (void)state_reload(&r->m->state);
                request_fail(r, fault_from_errno(ret), "Cannot save attributes: %s",
                             strerror(-ret));
                request_reply_fault(r);
                return;
        }
        request_send(r, dbus_message_new_method_return(r->call));
}

static int read_spa(DBusMessage *call, struct op_attributes *a)
{
        DBusMessageIter it, arr;

        if (!dbus_message_iter_init(call, &it) ||
            !streq(dbus_message_get_signature(call), "a(sbubas)"))
                return -EINVAL;
        dbus_message_iter_recurse(&it, &arr);
        while (dbus_message_iter_get_arg_type(&arr) == DBUS_TYPE_STRUCT) {
                DBusMessageIter st, list;
                const char *name;
                dbus_bool_t nc, ac;
                uint32_t notification;
                struct attr_request *na = realloc(a->asked, (a->n_asked + 1) * sizeof(*na));
                if (!na)
                        return -ENOMEM;
                a->asked = na;
                struct attr_request *ask = &a->asked[a->n_asked];
                *ask = (struct attr_request){};
                dbus_message_iter_recurse(&arr, &st);
                dbus_message_iter_get_basic(&st, &name);
                dbus_message_iter_next(&st);
                dbus_message_iter_get_basic(&st, &nc);
                dbus_message_iter_next(&st);
                dbus_message_iter_get_basic(&st, &notification);
                dbus_message_iter_next(&st);
                dbus_message_iter_get_basic(&st, &ac);
                dbus_message_iter_next(&st);
                ask->name = strdup(name);
                if (!ask->name)
                        return -ENOMEM;
                a->n_asked++;
                ask->notification_change = nc;
                ask->notification = notification;
                ask->access_change = ac;
                dbus_message_iter_recurse(&st, &list);
                while (dbus_message_iter_get_arg_type(&list) == DBUS_TYPE_STRING) {
                        const char *entry;
                        dbus_message_iter_get_basic(&list, &entry);
                        if (strv_push(&ask->access, entry) < 0)
                                return -ENOMEM;
                        dbus_message_iter_next(&list);
                }
                dbus_message_iter_next(&arr);
        }
        return 0;
}

int op_set_parameter_attributes(struct manager *m, DBusMessage *call)
{
        _cleanup_free_ const char **names = NULL;
        int r;

        struct op_attributes *a = calloc(1, sizeof(*a));
        if (!a)
                return -ENOMEM;
        request_init(&a->op.req, m, call, op_attributes_destroy);
        r = read_spa(call, a);
        if (r == -EINVAL) {
                request_unref(&a->op.req);
                return r;
        }
        if (r >= 0) {
                /* Arguments that are wrong whatever the model: 9003 before looking further. */
                for (size_t i = 0; i < a->n_asked && !request_failed(&a->op.req); i++) {
                        struct attr_request *ask = &a->asked[i];
                        if (ask->notification_change && ask->notification > 2)
                                request_fail(&a->op.req, CWMP_FAULT_INVALID_ARGUMENTS,
                                             "%s: Notification must be 0, 1 or 2", ask->name);
                        for (size_t k = 0; ask->access_change && k < ask->access.n; k++)
                                if (!streq(ask->access.v[k], ACCESS_SUBSCRIBER))
                                        request_fail(&a->op.req, CWMP_FAULT_INVALID_ARGUMENTS,
                                                     "%s: unknown AccessList entry \"%s\"",
                                                     ask->name, ask->access.v[k]);
                }
                names = calloc(a->n_asked + 1, sizeof(*names));
                if (!names)
                        r = -ENOMEM;
        }
        if (r >= 0 && !request_failed(&a->op.req)) {
                for (size_t i = 0; i < a->n_asked; i++)
                        names[i] = a->asked[i].name;
                r = resolve_start(&a->op, names, a->n_asked,
                                  DMPATH_ALLOW_PARTIAL | DMPATH_ALLOW_EMPTY | DMPATH_ALLOW_ALIAS,
                                  spa_resolved);
        }
        if (r < 0)
                request_fail(&a->op.req, fault_from_errno(r), "%s", strerror(-r));
        if (r < 0 || (request_failed(&a->op.req) && a->op.res.targets == NULL))
                request_reply_fault(&a->op.req);
        request_unref(&a->op.req);
        return 0;
}
