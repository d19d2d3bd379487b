/* SPDX-License-Identifier: MIT */
/* The ACS's transfer methods, carried out by the transfer daemon over io.cwmp.Firmware1. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "fault.h"
#include "log.h"
#include "manager.h"
#include "rpc-call.h"
#include "transfer-args.h"
#include "transfer-rpc.h"

bool transfer_rpc_handles(enum soap_method method)
{
        switch (method) {
        case SOAP_DOWNLOAD:
        case SOAP_UPLOAD:
        case SOAP_SCHEDULE_DOWNLOAD:
        case SOAP_CANCEL_TRANSFER:
        case SOAP_GET_QUEUED_TRANSFERS:
        case SOAP_GET_ALL_QUEUED_TRANSFERS:
                return true;
        default:
                return false;
        }
}

/* Hands the encoded answer over; an encoding failure becomes a 9002 fault. */
static void finish(struct rpc_call *c, int r, char *body, size_t len)
{
        rpc_call_finish(c, r, body, len, CWMP_FAULT_INTERNAL_ERROR);
}

static void answer_fault(struct rpc_call *c, uint32_t code, const char *text)
{
        char *body = NULL;
        size_t len = 0;
        int r = soap_encode_fault(&c->header, code, text, NULL, 0, &body, &len);
        finish(c, r, body, len);
}

/* An error from the transfer daemon. Its io.cwmp.Fault.* faults are the CWMP faults to
 * send; any other error (nobody owns the name, no answer in time, a call it does not
 * understand) is this CPE's internal failure: 9002, naming what went wrong. */
static void answer_error(struct rpc_call *c, DBusMessage *reply)
{
        const char *name = dbus_message_get_error_name(reply);
        struct fault f = {};
        char text[256];

        (void)fault_from_error_reply(reply, &f);
        if (name && startswith(name, FAULT_DBUS_PREFIX) && f.code >= 9000 && f.code <= 9899) {
                answer_fault(c, f.code,
                             f.message && f.message[0] ? f.message : fault_string(f.code));
                fault_done(&f);
                return;
        }
        if (name &&
            (streq(name, DBUS_ERROR_SERVICE_UNKNOWN) || streq(name, DBUS_ERROR_NAME_HAS_NO_OWNER)))
                snprintf(text, sizeof(text), "the file transfer service (%s) is not running",
                         FIRMWARE_BUS_NAME);
        else if (name && (streq(name, DBUS_ERROR_NO_REPLY) || streq(name, DBUS_ERROR_TIMEOUT)))
                snprintf(text, sizeof(text), "the file transfer service (%s) did not answer",
                         FIRMWARE_BUS_NAME);
        else
                snprintf(text, sizeof(text), "the file transfer service failed: %s%s%s",
                         name ? name : "error", f.message ? ": " : "", f.message ? f.message : "");
        log_warning("%s: %s", soap_method_name(c->method), text);
        answer_fault(c, CWMP_FAULT_INTERNAL_ERROR, text);
        fault_done(&f);
}

/* GetAllQueuedTransfers' a(subsus) as the TransferList of either response. */
static int encode_queued(struct rpc_call *c, DBusMessage *reply, char **body, size_t *len)
{
        struct soap_queued_transfer t[FIRMWARE_MAX_QUEUED];
        DBusMessageIter it, arr;
        size_t n = 0;

        if (!streq(dbus_message_get_signature(reply), "a(subsus)"))
                return -EBADMSG;
        dbus_message_iter_init(reply, &it);
        dbus_message_iter_recurse(&it, &arr);
        /* The schema allows 16; a longer queue is cut, oldest first as the daemon lists it. */
        while (n < FIRMWARE_MAX_QUEUED &&
               dbus_message_iter_get_arg_type(&arr) == DBUS_TYPE_STRUCT) {
                DBusMessageIter st;
                dbus_bool_t is_download;
                uint32_t state;
                dbus_message_iter_recurse(&arr, &st);
                dbus_message_iter_get_basic(&st, &t[n].command_key);
                dbus_message_iter_next(&st);
                dbus_message_iter_get_basic(&st, &state);
                dbus_message_iter_next(&st);
                dbus_message_iter_get_basic(&st, &is_download);
                dbus_message_iter_next(&st);
                dbus_message_iter_get_basic(&st, &t[n].file_type);
                dbus_message_iter_next(&st);
                dbus_message_iter_get_basic(&st, &t[n].file_size);
                dbus_message_iter_next(&st);
                dbus_message_iter_get_basic(&st, &t[n].target_file_name);
                if (state < 1 || state > 3)
                        return -EBADMSG; /* QueuedTransferStruct State is 1, 2 or 3 */
                t[n].state = (int32_t)state;
                t[n].is_download = is_download;
                n++;
                dbus_message_iter_next(&arr);
        }
        if (c->method == SOAP_GET_QUEUED_TRANSFERS)
                return soap_encode_get_queued_transfers_response(&c->header, t, n, body, len);
        return soap_encode_get_all_queued_transfers_response(&c->header, t, n, body, len);
}

static void on_reply(DBusMessage *reply, void *userdata)
{
        struct rpc_call *c = userdata;
        char *body = NULL;
        size_t len = 0;
        int r;

        if (dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_ERROR) {
                answer_error(c, reply);
                return;
        }
        switch (c->method) {
        case SOAP_DOWNLOAD:
        case SOAP_UPLOAD:
                /* Queued, not done: Status 1 and the unknown time for both times. */
                r = soap_encode_transfer_response(&c->header, c->method, 1, NULL, NULL, &body,
                                                  &len);
                break;
        case SOAP_SCHEDULE_DOWNLOAD:
        case SOAP_CANCEL_TRANSFER:
                r = soap_encode_empty_response(&c->header, c->method, &body, &len);
                break;
        case SOAP_GET_QUEUED_TRANSFERS:
        case SOAP_GET_ALL_QUEUED_TRANSFERS:
                r = encode_queued(c, reply, &body, &len);
                if (r == -EBADMSG) {
                        log_warning("%s: the file transfer service answered %s",
                                    soap_method_name(c->method), dbus_message_get_signature(reply));
                        answer_fault(c, CWMP_FAULT_INTERNAL_ERROR,
                                     "the file transfer service gave a malformed queue");
                        return;
                }
                break;
        default:
                r = -EINVAL;
        }
        finish(c, r, body, len);
}

static const char *str(const char *s)
{
        return s ? s : "";
}

static int append_windows(DBusMessage *call, const struct soap_message *req)
{
        DBusMessageIter it, arr;

        dbus_message_iter_init_append(call, &it);
        if (!dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "(uussi)", &arr))
                return -ENOMEM;
        for (size_t i = 0; i < req->n_time_windows; i++) {
                const struct soap_time_window *w = &req->time_windows[i];
                const char *mode = str(w->window_mode), *message = str(w->user_message);
                DBusMessageIter st;
                if (!dbus_message_iter_open_container(&arr, DBUS_TYPE_STRUCT, NULL, &st) ||
                    !dbus_message_iter_append_basic(&st, DBUS_TYPE_UINT32, &w->window_start) ||
                    !dbus_message_iter_append_basic(&st, DBUS_TYPE_UINT32, &w->window_end) ||
                    !dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &mode) ||
                    !dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &message) ||
                    !dbus_message_iter_append_basic(&st, DBUS_TYPE_INT32, &w->max_retries) ||
                    !dbus_message_iter_close_container(&arr, &st)) {
                        dbus_message_iter_abandon_container(&it, &arr);
                        return -ENOMEM;
                }
        }
        return dbus_message_iter_close_container(&it, &arr) ? 0 : -ENOMEM;
}

/* The io.cwmp.Firmware1 call for a request whose arguments were checked. */
static int build_call(const struct soap_message *req, DBusMessage **ret)
{
        const char *member = req->method == SOAP_GET_QUEUED_TRANSFERS
                                     ? "GetAllQueuedTransfers"
                                     : soap_method_name(req->method);
        _cleanup_dbus_message_ DBusMessage *call = dbus_message_new_method_call(
                FIRMWARE_BUS_NAME, FIRMWARE_OBJECT_PATH, FIRMWARE_INTERFACE, member);
        const char *key = str(req->command_key), *type = str(req->file_type), *url = str(req->url),
                   *user = str(req->username), *password = str(req->password),
                   *target = str(req->target_file_name);
        uint32_t size = (uint32_t)req->file_size; /* checked: within an unsignedInt */
        bool ok = true;

        if (!call)
                return -ENOMEM;
        switch (req->method) {
        case SOAP_DOWNLOAD:
                ok = dbus_message_append_args(call, DBUS_TYPE_STRING, &key, DBUS_TYPE_STRING, &type,
                                              DBUS_TYPE_STRING, &url, DBUS_TYPE_STRING, &user,
                                              DBUS_TYPE_STRING, &password, DBUS_TYPE_UINT32, &size,
                                              DBUS_TYPE_STRING, &target, DBUS_TYPE_UINT32,
                                              &req->delay_seconds, DBUS_TYPE_INVALID);
                break;
        case SOAP_UPLOAD:
                ok = dbus_message_append_args(call, DBUS_TYPE_STRING, &key, DBUS_TYPE_STRING, &type,
                                              DBUS_TYPE_STRING, &url, DBUS_TYPE_STRING, &user,
                                              DBUS_TYPE_STRING, &password, DBUS_TYPE_UINT32,
                                              &req->delay_seconds, DBUS_TYPE_INVALID);
                break;
        case SOAP_SCHEDULE_DOWNLOAD:
                ok = dbus_message_append_args(call, DBUS_TYPE_STRING, &key, DBUS_TYPE_STRING, &type,
                                              DBUS_TYPE_STRING, &url, DBUS_TYPE_STRING, &user,
                                              DBUS_TYPE_STRING, &password, DBUS_TYPE_UINT32, &size,
                                              DBUS_TYPE_STRING, &target, DBUS_TYPE_INVALID) &&
                     append_windows(call, req) >= 0;
                break;
        case SOAP_CANCEL_TRANSFER:
                ok = dbus_message_append_args(call, DBUS_TYPE_STRING, &key, DBUS_TYPE_INVALID);
                break;
        default:
                break; /* the queue listings take no argument */
        }
        if (!ok)
                return -ENOMEM;
        *ret = TAKE_PTR(call);
        return 0;
}

int transfer_rpc_handle(struct manager *m, const struct soap_message *req,
                        const struct soap_out_header *h, rpc_done_fn done, void *userdata)
{
        _cleanup_dbus_message_ DBusMessage *call = NULL;
        char detail[256];
        int r;

        if (!transfer_rpc_handles(req->method))
                return -EINVAL;
        struct rpc_call *c = rpc_call_new(m, req->method, h, done, userdata);
        if (!c)
                return -ENOMEM;

        if (transfer_args_check(req, detail, sizeof(detail)) < 0) {
                log_warning("Refusing %s: %s", req->method_name, detail);
                answer_fault(c, CWMP_FAULT_INVALID_ARGUMENTS, detail);
                rpc_call_free(c);
                return 0;
        }
        r = build_call(req, &call);
        if (r >= 0)
                r = bus_call_async(m->bus, call, FIRMWARE_TIMEOUT_MS, on_reply, c, rpc_call_free);
        if (r < 0) {
                rpc_call_free(c);
                return r;
        }
        return 0;
}
