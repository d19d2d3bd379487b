/* SPDX-License-Identifier: MIT */
/* The ACS's requests: parameter and object methods through dmd, the rest here. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bus.h"
#include "events.h"
#include "fault.h"
#include "log.h"
#include "manager.h"
#include "rpc-call.h"
#include "rpc.h"
#include "soap-internal.h"
#include "transfer-rpc.h"

const char *const rpc_supported_methods[] = {
        "GetRPCMethods",
        "SetParameterValues",
        "GetParameterValues",
        "GetParameterNames",
        "SetParameterAttributes",
        "GetParameterAttributes",
        "AddObject",
        "DeleteObject",
        "Reboot",
        "FactoryReset",
        "ScheduleInform",
        "Download",
        "Upload",
        "ScheduleDownload",
        "CancelTransfer",
        "GetQueuedTransfers",
        "GetAllQueuedTransfers",
};
const size_t rpc_n_supported_methods = ELEMENTSOF(rpc_supported_methods);

int rpc_encode_fault(const struct soap_out_header *h, uint32_t code, const char *detail,
                     char **body, size_t *len)
{
        return soap_encode_fault(h, code, detail && detail[0] ? detail : fault_string(code), NULL,
                                 0, body, len);
}

static void finish(struct rpc_call *c, int r, char *body, size_t len)
{
        rpc_call_finish(c, r, body, len, fault_from_errno(r));
}

/* A fault from dmd becomes the CWMP fault, with the per-parameter list for SPV. */
static void answer_fault(struct rpc_call *c, DBusMessage *reply)
{
        struct fault f = {};
        char *body = NULL;
        size_t len = 0;
        int r;

        (void)fault_from_error_reply(reply, &f);
        if (f.code == 0)
                f.code = CWMP_FAULT_INTERNAL_ERROR;
        if (c->method == SOAP_SET_PARAMETER_VALUES && f.n_params > 0) {
                struct soap_fault_param *p = calloc(f.n_params, sizeof(*p));
                if (!p) {
                        fault_done(&f);
                        finish(c, -ENOMEM, NULL, 0);
                        return;
                }
                for (size_t i = 0; i < f.n_params; i++)
                        p[i] = (struct soap_fault_param){f.params[i].name, f.params[i].code,
                                                         f.params[i].message};
                r = soap_encode_fault(&c->header, f.code, fault_string(f.code), p, f.n_params,
                                      &body, &len);
                free(p);
        } else {
                r = soap_encode_fault(&c->header, f.code,
                                      f.message ? f.message : fault_string(f.code), NULL, 0, &body,
                                      &len);
        }
        fault_done(&f);
        finish(c, r, body, len);
}

static int encode_gpv(struct rpc_call *c, DBusMessage *reply, char **body, size_t *len)
{
        DBusMessageIter it, arr;
        struct soap_param *p = NULL;
        size_t n = 0, allocated = 0;
        int r;

        if (!streq(dbus_message_get_signature(reply), "a(sss)"))
                return -EBADMSG;
        dbus_message_iter_init(reply, &it);
        dbus_message_iter_recurse(&it, &arr);
        while (dbus_message_iter_get_arg_type(&arr) == DBUS_TYPE_STRUCT) {
                DBusMessageIter st;
                if (n == allocated) {
                        allocated = allocated ? allocated * 2 : 64;
                        struct soap_param *np = realloc(p, allocated * sizeof(*np));
                        if (!np) {
                                free(p);
                                return -ENOMEM;
                        }
                        p = np;
                }
                dbus_message_iter_recurse(&arr, &st);
                dbus_message_iter_get_basic(&st, &p[n].name);
                dbus_message_iter_next(&st);
                dbus_message_iter_get_basic(&st, &p[n].type);
                dbus_message_iter_next(&st);
                dbus_message_iter_get_basic(&st, &p[n].value);
                n++;
                dbus_message_iter_next(&arr);
        }
        r = soap_encode_gpv_response(&c->header, p, n, body, len);
        free(p);
        return r;
}

static int encode_gpn(struct rpc_call *c, DBusMessage *reply, char **body, size_t *len)
{
        DBusMessageIter it, arr;
        struct soap_param_info *p = NULL;
        size_t n = 0, allocated = 0;
        int r;

        if (!streq(dbus_message_get_signature(reply), "a(sb)"))
                return -EBADMSG;
        dbus_message_iter_init(reply, &it);
        dbus_message_iter_recurse(&it, &arr);
        while (dbus_message_iter_get_arg_type(&arr) == DBUS_TYPE_STRUCT) {
                DBusMessageIter st;
                dbus_bool_t w;
                if (n == allocated) {
                        allocated = allocated ? allocated * 2 : 64;
                        struct soap_param_info *np = realloc(p, allocated * sizeof(*np));
                        if (!np) {
                                free(p);
                                return -ENOMEM;
                        }
                        p = np;
                }
                dbus_message_iter_recurse(&arr, &st);
                dbus_message_iter_get_basic(&st, &p[n].name);
                dbus_message_iter_next(&st);
                dbus_message_iter_get_basic(&st, &w);
                p[n].writable = w;
                n++;
                dbus_message_iter_next(&arr);
        }
        r = soap_encode_gpn_response(&c->header, p, n, body, len);
        free(p);
        return r;
}

static int encode_gpa(struct rpc_call *c, DBusMessage *reply, char **body, size_t *len)
{
        DBusMessageIter it, arr;
        struct soap_param_attribute *p = NULL;
        struct strv *lists = NULL;
        size_t n = 0, allocated = 0;
        int r = 0;

        if (!streq(dbus_message_get_signature(reply), "a(suas)"))
                return -EBADMSG;
        dbus_message_iter_init(reply, &it);
        dbus_message_iter_recurse(&it, &arr);
        while (r >= 0 && dbus_message_iter_get_arg_type(&arr) == DBUS_TYPE_STRUCT) {
                DBusMessageIter st, list;
                if (n == allocated) {
                        allocated = allocated ? allocated * 2 : 64;
                        struct soap_param_attribute *np = realloc(p, allocated * sizeof(*np));
                        struct strv *nl = realloc(lists, allocated * sizeof(*nl));
                        if (np)
                                p = np;
                        if (nl)
                                lists = nl;
                        if (!np || !nl) {
                                r = -ENOMEM;
                                break;
                        }
                }
                lists[n] = (struct strv){};
                dbus_message_iter_recurse(&arr, &st);
                dbus_message_iter_get_basic(&st, &p[n].name);
                dbus_message_iter_next(&st);
                dbus_message_iter_get_basic(&st, &p[n].notification);
                dbus_message_iter_next(&st);
                dbus_message_iter_recurse(&st, &list);
                while (r >= 0 && dbus_message_iter_get_arg_type(&list) == DBUS_TYPE_STRING) {
                        const char *s;
                        dbus_message_iter_get_basic(&list, &s);
                        r = strv_push(&lists[n], s);
                        dbus_message_iter_next(&list);
                }
                n++;
                dbus_message_iter_next(&arr);
        }
        for (size_t i = 0; r >= 0 && i < n; i++) {
                p[i].access_list = (const char *const *)lists[i].v;
                p[i].n_access = lists[i].n;
        }
        if (r >= 0)
                r = soap_encode_gpa_response(&c->header, p, n, body, len);
        for (size_t i = 0; i < n; i++)
                strv_done(&lists[i]);
        free(lists);
        free(p);
        return r;
}

static void on_dm_reply(DBusMessage *reply, void *userdata)
{
        struct rpc_call *c = userdata;
        char *body = NULL;
        size_t len = 0;
        int32_t status = 0;
        uint32_t instance = 0;
        int r;

        if (dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_ERROR) {
                answer_fault(c, reply);
                return;
        }
        switch (c->method) {
        case SOAP_GET_PARAMETER_VALUES:
                r = encode_gpv(c, reply, &body, &len);
                break;
        case SOAP_GET_PARAMETER_NAMES:
                r = encode_gpn(c, reply, &body, &len);
                break;
        case SOAP_GET_PARAMETER_ATTRIBUTES:
                r = encode_gpa(c, reply, &body, &len);
                break;
        case SOAP_SET_PARAMETER_VALUES:
        case SOAP_DELETE_OBJECT:
                if (!dbus_message_get_args(reply, NULL, DBUS_TYPE_INT32, &status,
                                           DBUS_TYPE_INVALID))
                        r = -EBADMSG;
                else if (c->method == SOAP_SET_PARAMETER_VALUES)
                        r = soap_encode_spv_response(&c->header, status, &body, &len);
                else
                        r = soap_encode_delete_object_response(&c->header, status, &body, &len);
                break;
        case SOAP_ADD_OBJECT:
                if (!dbus_message_get_args(reply, NULL, DBUS_TYPE_UINT32, &instance,
                                           DBUS_TYPE_INT32, &status, DBUS_TYPE_INVALID))
                        r = -EBADMSG;
                else
                        r = soap_encode_add_object_response(&c->header, instance, status, &body,
                                                            &len);
                break;
        case SOAP_SET_PARAMETER_ATTRIBUTES:
                r = soap_encode_empty_response(&c->header, c->method, &body, &len);
                break;
        default:
                r = -EINVAL;
        }
        finish(c, r, body, len);
}

static int append_spv(DBusMessage *call, const struct soap_message *req)
{
        DBusMessageIter it, arr;
        const char *key = req->parameter_key ? req->parameter_key : "";

        dbus_message_iter_init_append(call, &it);
        if (!dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "(sss)", &arr))
                return -ENOMEM;
        for (size_t i = 0; i < req->n_values; i++) {
                DBusMessageIter st;
                const struct soap_value *v = &req->values[i];
                const char *type = v->type ? v->type : "";
                if (!dbus_message_iter_open_container(&arr, DBUS_TYPE_STRUCT, NULL, &st) ||
                    !dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &v->name) ||
                    !dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &type) ||
                    !dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &v->value) ||
                    !dbus_message_iter_close_container(&arr, &st)) {
                        dbus_message_iter_abandon_container(&it, &arr);
                        return -ENOMEM;
                }
        }
        if (!dbus_message_iter_close_container(&it, &arr) ||
            !dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &key))
                return -ENOMEM;
        return 0;
}

static int append_spa(DBusMessage *call, const struct soap_message *req)
{
        DBusMessageIter it, arr;

        dbus_message_iter_init_append(call, &it);
        if (!dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "(sbubas)", &arr))
                return -ENOMEM;
        for (size_t i = 0; i < req->n_attributes; i++) {
                const struct soap_attribute *a = &req->attributes[i];
                DBusMessageIter st, list;
                dbus_bool_t nc = a->notification_change, ac = a->access_list_change;
                if (!dbus_message_iter_open_container(&arr, DBUS_TYPE_STRUCT, NULL, &st) ||
                    !dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &a->name) ||
                    !dbus_message_iter_append_basic(&st, DBUS_TYPE_BOOLEAN, &nc) ||
                    !dbus_message_iter_append_basic(&st, DBUS_TYPE_UINT32, &a->notification) ||
                    !dbus_message_iter_append_basic(&st, DBUS_TYPE_BOOLEAN, &ac) ||
                    !dbus_message_iter_open_container(&st, DBUS_TYPE_ARRAY, "s", &list))
                        return -ENOMEM;
                for (size_t k = 0; k < a->access_list.n; k++)
                        if (!dbus_message_iter_append_basic(&list, DBUS_TYPE_STRING,
                                                            &a->access_list.v[k]))
                                return -ENOMEM;
                if (!dbus_message_iter_close_container(&st, &list) ||
                    !dbus_message_iter_close_container(&arr, &st))
                        return -ENOMEM;
        }
        return dbus_message_iter_close_container(&it, &arr) ? 0 : -ENOMEM;
}

static int call_dmd(struct rpc_call *c, const struct soap_message *req)
{
        static const struct {
                enum soap_method method;
                const char *member;
        } map[] = {
                {SOAP_GET_PARAMETER_VALUES, "GetParameterValues"},
                {SOAP_SET_PARAMETER_VALUES, "SetParameterValues"},
                {SOAP_GET_PARAMETER_NAMES, "GetParameterNames"},
                {SOAP_GET_PARAMETER_ATTRIBUTES, "GetParameterAttributes"},
                {SOAP_SET_PARAMETER_ATTRIBUTES, "SetParameterAttributes"},
                {SOAP_ADD_OBJECT, "AddObject"},
                {SOAP_DELETE_OBJECT, "DeleteObject"},
        };
        _cleanup_dbus_message_ DBusMessage *call = NULL;
        const char *path = req->path ? req->path : "";
        const char *key = req->parameter_key ? req->parameter_key : "";
        dbus_bool_t next_level = req->next_level;
        bool ok = true;
        int r = 0;

        for (size_t i = 0; i < ELEMENTSOF(map) && !call; i++)
                if (map[i].method == req->method)
                        call = dbus_message_new_method_call(DM_BUS_NAME, DM_OBJECT_PATH,
                                                            DM_INTERFACE, map[i].member);
        if (!call)
                return -ENOMEM;
        switch (req->method) {
        case SOAP_GET_PARAMETER_VALUES:
        case SOAP_GET_PARAMETER_ATTRIBUTES:
                ok = dbus_message_append_args(call, DBUS_TYPE_ARRAY, DBUS_TYPE_STRING,
                                              &req->names.v, (int)req->names.n, DBUS_TYPE_INVALID);
                break;
        case SOAP_SET_PARAMETER_VALUES:
                r = append_spv(call, req);
                break;
        case SOAP_GET_PARAMETER_NAMES:
                ok = dbus_message_append_args(call, DBUS_TYPE_STRING, &path, DBUS_TYPE_BOOLEAN,
                                              &next_level, DBUS_TYPE_INVALID);
                break;
        case SOAP_SET_PARAMETER_ATTRIBUTES:
                r = append_spa(call, req);
                break;
        case SOAP_ADD_OBJECT:
        case SOAP_DELETE_OBJECT:
                ok = dbus_message_append_args(call, DBUS_TYPE_STRING, &path, DBUS_TYPE_STRING, &key,
                                              DBUS_TYPE_INVALID);
                break;
        default:
                return -EINVAL;
        }
        if (!ok || r < 0)
                return -ENOMEM;
        return bus_call_async(c->m->bus, call, DM_TIMEOUT_MS, on_dm_reply, c, rpc_call_free);
}

/* ---- cwmpd's own methods ------------------------------------------------------------ */

static int schedule_inform(struct manager *m, const struct soap_message *req)
{
        char key[64], value[512], next[24];
        const char *last = manager_state_get(m, "schedule-seq");
        uint64_t seq = last ? strtoull(last, NULL, 10) + 1 : 1;

        if (req->delay_seconds == 0)
                return -EINVAL; /* TR-069: DelaySeconds must be greater than zero */
        /* Each ScheduleInform its own record, in the order they came. */
        snprintf(key, sizeof(key), "schedule:%020" PRIu64, seq);
        snprintf(next, sizeof(next), "%" PRIu64, seq);
        if (manager_state_set(m, "schedule-seq", next) < 0)
                return -ENOMEM;
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        /* The deadline in milliseconds of the epoch: seconds would fire up to one early. */
        snprintf(value, sizeof(value), "%" PRId64 " %s",
                 (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000 +
                         (int64_t)req->delay_seconds * 1000,
                 req->command_key ? req->command_key : "");
        int r = manager_state_set(m, key, value);
        if (r >= 0)
                r = manager_state_save(m);
        if (r >= 0)
                manager_schedule_changed(m);
        return r;
}

/* The supported methods the session's version defines: a 1.0 ACS does not hear of
 * ScheduleDownload, which its schema lacks. */
static int encode_methods(const struct soap_out_header *h, char **body, size_t *len)
{
        const char *methods[ELEMENTSOF(rpc_supported_methods)];
        size_t n = 0;

        for (size_t i = 0; i < rpc_n_supported_methods; i++) {
                const struct soap_method_info *info = soap_method_by_name(rpc_supported_methods[i]);
                if (!info || info->since <= h->version)
                        methods[n++] = rpc_supported_methods[i];
        }
        return soap_encode_get_rpc_methods_response(h, methods, n, body, len);
}

int rpc_handle(struct manager *m, const struct soap_message *req, const struct soap_out_header *h,
               rpc_done_fn done, void *userdata)
{
        char *body = NULL;
        size_t len = 0;
        int r;

        /* Transfers are the transfer daemon's work, through io.cwmp.Firmware1. */
        if (transfer_rpc_handles(req->method))
                return transfer_rpc_handle(m, req, h, done, userdata);

        struct rpc_call *c = rpc_call_new(m, req->method, h, done, userdata);
        if (!c)
                return -ENOMEM;

        switch (req->method) {
        case SOAP_GET_PARAMETER_VALUES:
        case SOAP_SET_PARAMETER_VALUES:
        case SOAP_GET_PARAMETER_NAMES:
        case SOAP_GET_PARAMETER_ATTRIBUTES:
        case SOAP_SET_PARAMETER_ATTRIBUTES:
        case SOAP_ADD_OBJECT:
        case SOAP_DELETE_OBJECT:
                r = call_dmd(c, req);
                if (r < 0)
                        rpc_call_free(c);
                return r;
        case SOAP_GET_RPC_METHODS:
                r = encode_methods(h, &body, &len);
                break;
        case SOAP_REBOOT:
                /* The CommandKey is on disk before the ACS hears yes; the reboot follows the
                 * session, and "M Reboot" goes with the "1 BOOT" after it, never before. */
                r = manager_state_set(m, "reboot-key", req->command_key ? req->command_key : "");
                if (r >= 0)
                        r = manager_state_save(m);
                if (r >= 0) {
                        m->reboot_pending = true;
                        r = soap_encode_empty_response(h, req->method, &body, &len);
                }
                break;
        case SOAP_FACTORY_RESET:
                m->factory_reset_pending = true;
                r = soap_encode_empty_response(h, req->method, &body, &len);
                break;
        case SOAP_SCHEDULE_INFORM:
                r = schedule_inform(m, req);
                if (r == -EINVAL) {
                        r = soap_encode_fault(h, CWMP_FAULT_INVALID_ARGUMENTS,
                                              "DelaySeconds must be greater than 0", NULL, 0, &body,
                                              &len);
                        break;
                }
                if (r >= 0)
                        r = soap_encode_empty_response(h, req->method, &body, &len);
                break;
        default:
                r = soap_encode_fault(h, CWMP_FAULT_METHOD_NOT_SUPPORTED,
                                      req->method_name
                                              ? req->method_name
                                              : fault_string(CWMP_FAULT_METHOD_NOT_SUPPORTED),
                                      NULL, 0, &body, &len);
                break;
        }
        finish(c, r, body, len);
        rpc_call_free(c);
        return 0;
}
