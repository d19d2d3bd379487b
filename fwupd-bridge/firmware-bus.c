/* SPDX-License-Identifier: MIT */
/* io.cwmp.Firmware1: the transfer RPCs cwmpd forwards from the ACS. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "fault.h"
#include "introspect.h"
#include "log.h"
#include "manager.h"
#include "request-check.h"

#define FIRMWARE_OBJECT_PATH "/io/cwmp/Firmware"
#define FIRMWARE_INTERFACE   "io.cwmp.Firmware1"
#define MAX_KEY_LENGTH       32u
#define MAX_STRING_LENGTH    256u
#define MAX_FILE_TYPE_LENGTH 64u

struct request {
        const char *command_key, *file_type, *url, *username, *password, *target_file_name;
        uint32_t file_size, delay_seconds;
        struct window_request windows[JOBS_MAX_WINDOWS];
        size_t n_windows;
};

static uint32_t check_common(const struct request *q, const char **reason)
{
        if (strlen(q->command_key) > MAX_KEY_LENGTH) {
                *reason = "CommandKey is longer than 32 characters";
                return CWMP_FAULT_INVALID_ARGUMENTS;
        }
        if (strlen(q->file_type) > MAX_FILE_TYPE_LENGTH) {
                *reason = "FileType is longer than 64 characters";
                return CWMP_FAULT_INVALID_ARGUMENTS;
        }
        if (strlen(q->username) > MAX_STRING_LENGTH || strlen(q->password) > MAX_STRING_LENGTH ||
            strlen(q->target_file_name) > MAX_STRING_LENGTH) {
                *reason = "Username, Password and TargetFileName hold at most 256 characters";
                return CWMP_FAULT_INVALID_ARGUMENTS;
        }
        return transfer_check_url(q->url, reason);
}

/* Same CommandKey: the same request again (cwmpd retrying), unless the key is empty, where
 * only identical arguments make it the same request. */
static bool same_request(const struct job *j, enum job_kind kind, const struct request *q)
{
        if (j->kind != kind || !streq(j->command_key, q->command_key))
                return false;
        if (q->command_key[0])
                return true;
        return streq(j->url, q->url) && streq(j->file_type, q->file_type) &&
               streq(j->target_file_name, q->target_file_name) && j->file_size == q->file_size;
}

static int dup_into(char **dst, const char *src)
{
        *dst = strdup(src);
        return *dst ? 0 : -ENOMEM;
}

static int job_from_request(struct manager *m, enum job_kind kind, const struct request *q,
                            struct job **ret)
{
        _cleanup_job_ struct job *j = job_new(kind);
        uint64_t now = manager_now(m);

        if (!j || dup_into(&j->command_key, q->command_key) < 0 ||
            dup_into(&j->file_type, q->file_type) < 0 || dup_into(&j->url, q->url) < 0 ||
            dup_into(&j->username, q->username) < 0 || dup_into(&j->password, q->password) < 0 ||
            dup_into(&j->target_file_name, q->target_file_name) < 0 ||
            dup_into(&j->fault_string, "") < 0 || dup_into(&j->announce_url, "") < 0)
                return -ENOMEM;
        j->file_size = q->file_size;
        j->is_download = kind != JOB_UPLOAD;
        j->not_before_usec = now + (uint64_t)q->delay_seconds * 1000000u;
        for (size_t i = 0; i < q->n_windows; i++) {
                /* in time order, whatever order the ACS listed them in */
                size_t k =
                        q->n_windows == 2 && q->windows[1].start < q->windows[0].start ? 1 - i : i;
                struct time_window *w = &j->windows[i];
                j->n_windows = i + 1;
                w->start_usec = now + (uint64_t)q->windows[k].start * 1000000u;
                w->end_usec = now + (uint64_t)q->windows[k].end * 1000000u;
                w->max_retries = q->windows[k].max_retries;
                if (dup_into(&w->mode, q->windows[k].mode) < 0 ||
                    dup_into(&w->user_message, q->windows[k].user_message) < 0)
                        return -ENOMEM;
        }
        if (q->n_windows > 0)
                j->not_before_usec = j->windows[0].start_usec;
        *ret = TAKE_PTR(j);
        return 0;
}

static void queue(struct manager *m, DBusMessage *call, enum job_kind kind, const struct request *q)
{
        _cleanup_job_ struct job *j = NULL;
        const char *reason = NULL;
        uint32_t code;
        enum file_kind fk;
        int r;

        code = check_common(q, &reason);
        if (code) {
                fault_reply(m->bus, call, code, "%s", reason);
                return;
        }
        fk = kind == JOB_UPLOAD ? upload_file_kind(q->file_type) : download_file_kind(q->file_type);
        if (fk == FILE_UNSUPPORTED) {
                fault_reply(m->bus, call, CWMP_FAULT_INVALID_ARGUMENTS,
                            "FileType \"%s\" is not supported for %s", q->file_type,
                            job_kind_to_method(kind));
                return;
        }
        if (fk == FILE_FIRMWARE && !m->backend) {
                fault_reply(m->bus, call, CWMP_FAULT_INVALID_ARGUMENTS,
                            "FileType \"%s\" is not supported: no firmware backend is configured",
                            q->file_type);
                return;
        }
        if (kind == JOB_SCHEDULE_DOWNLOAD) {
                code = transfer_check_windows(q->windows, q->n_windows, &reason);
                if (code) {
                        fault_reply(m->bus, call, code, "%s", reason);
                        return;
                }
        }
        for (size_t i = 0; i < job_store_count(m->jobs); i++)
                if (same_request(job_store_get(m->jobs, i), kind, q)) {
                        log_info("%s with CommandKey \"%s\" is queued already",
                                 job_kind_to_method(kind), q->command_key);
                        bus_reply_empty(m->bus, call);
                        return;
                }
        if (job_store_count_requested(m->jobs) >= m->settings.max_queued) {
                fault_reply(m->bus, call, CWMP_FAULT_RESOURCES_EXCEEDED,
                            "%u transfers are queued already", m->settings.max_queued);
                return;
        }
        r = job_from_request(m, kind, q, &j);
        if (r >= 0)
                r = job_store_add(m->jobs, j);
        if (r < 0) {
                log_error_errno(r, "Cannot queue %s \"%s\": %m", job_kind_to_method(kind),
                                q->command_key);
                fault_reply(m->bus, call, fault_from_errno(r), "Cannot store the transfer: %s",
                            strerror(-r));
                return;
        }
        log_info("Queued %s \"%s\" of %s (%s)", job_kind_to_method(kind), j->command_key, j->url,
                 j->file_type);
        TAKE_PTR(j); /* the store has it */
        bus_reply_empty(m->bus, call);
        scheduler_kick(m);
}

static void handle_download(struct manager *m, DBusMessage *call)
{
        struct request q = {};

        if (!dbus_message_get_args(call, NULL, DBUS_TYPE_STRING, &q.command_key, DBUS_TYPE_STRING,
                                   &q.file_type, DBUS_TYPE_STRING, &q.url, DBUS_TYPE_STRING,
                                   &q.username, DBUS_TYPE_STRING, &q.password, DBUS_TYPE_UINT32,
                                   &q.file_size, DBUS_TYPE_STRING, &q.target_file_name,
                                   DBUS_TYPE_UINT32, &q.delay_seconds, DBUS_TYPE_INVALID)) {
                (void)bus_reply_error(m->bus, call, DBUS_ERROR_INVALID_ARGS, "expected (sssssusu)");
                return;
        }
        queue(m, call, JOB_DOWNLOAD, &q);
}

static void handle_upload(struct manager *m, DBusMessage *call)
{
        struct request q = {.target_file_name = ""};

        if (!dbus_message_get_args(call, NULL, DBUS_TYPE_STRING, &q.command_key, DBUS_TYPE_STRING,
                                   &q.file_type, DBUS_TYPE_STRING, &q.url, DBUS_TYPE_STRING,
                                   &q.username, DBUS_TYPE_STRING, &q.password, DBUS_TYPE_UINT32,
                                   &q.delay_seconds, DBUS_TYPE_INVALID)) {
                (void)bus_reply_error(m->bus, call, DBUS_ERROR_INVALID_ARGS, "expected (sssssu)");
                return;
        }
        queue(m, call, JOB_UPLOAD, &q);
}

static bool read_string(DBusMessageIter *it, const char **ret)
{
        if (dbus_message_iter_get_arg_type(it) != DBUS_TYPE_STRING)
                return false;
        dbus_message_iter_get_basic(it, ret);
        dbus_message_iter_next(it);
        return true;
}

static bool read_u32(DBusMessageIter *it, uint32_t *ret)
{
        if (dbus_message_iter_get_arg_type(it) != DBUS_TYPE_UINT32)
                return false;
        dbus_message_iter_get_basic(it, ret);
        dbus_message_iter_next(it);
        return true;
}

static bool read_windows(DBusMessageIter *it, struct request *q, bool *too_many)
{
        DBusMessageIter array, st;

        if (dbus_message_iter_get_arg_type(it) != DBUS_TYPE_ARRAY ||
            dbus_message_iter_get_element_type(it) != DBUS_TYPE_STRUCT)
                return false;
        dbus_message_iter_recurse(it, &array);
        while (dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_STRUCT) {
                struct window_request w = {};
                if (q->n_windows == JOBS_MAX_WINDOWS) {
                        *too_many = true;
                        return true;
                }
                dbus_message_iter_recurse(&array, &st);
                if (!read_u32(&st, &w.start) || !read_u32(&st, &w.end) ||
                    !read_string(&st, &w.mode) || !read_string(&st, &w.user_message) ||
                    dbus_message_iter_get_arg_type(&st) != DBUS_TYPE_INT32)
                        return false;
                dbus_message_iter_get_basic(&st, &w.max_retries);
                q->windows[q->n_windows++] = w;
                dbus_message_iter_next(&array);
        }
        return true;
}

static void handle_schedule_download(struct manager *m, DBusMessage *call)
{
        struct request q = {};
        DBusMessageIter it;
        bool too_many = false;

        if (!dbus_message_has_signature(call, "sssssusa(uussi)") ||
            !dbus_message_iter_init(call, &it) || !read_string(&it, &q.command_key) ||
            !read_string(&it, &q.file_type) || !read_string(&it, &q.url) ||
            !read_string(&it, &q.username) || !read_string(&it, &q.password) ||
            !read_u32(&it, &q.file_size) || !read_string(&it, &q.target_file_name) ||
            !read_windows(&it, &q, &too_many)) {
                (void)bus_reply_error(m->bus, call, DBUS_ERROR_INVALID_ARGS,
                                      "expected (sssssusa(uussi))");
                return;
        }
        if (too_many) {
                fault_reply(m->bus, call, CWMP_FAULT_INVALID_ARGUMENTS,
                            "TimeWindowList holds one or two windows");
                return;
        }
        queue(m, call, JOB_SCHEDULE_DOWNLOAD, &q);
}

static void handle_cancel(struct manager *m, DBusMessage *call)
{
        const char *key;
        struct job *j;
        int r;

        if (!dbus_message_get_args(call, NULL, DBUS_TYPE_STRING, &key, DBUS_TYPE_INVALID)) {
                (void)bus_reply_error(m->bus, call, DBUS_ERROR_INVALID_ARGS, "expected (s)");
                return;
        }
        j = job_store_find_key(m->jobs, key);
        if (!j) {
                fault_reply(m->bus, call, CWMP_FAULT_INVALID_ARGUMENTS,
                            "No transfer with CommandKey \"%s\" is queued", key);
                return;
        }
        if (j->state != JOB_NOT_STARTED || j == m->running) {
                fault_reply(m->bus, call, CWMP_FAULT_CANCEL_NOT_PERMITTED,
                            "The transfer \"%s\" is %s", key,
                            j->state == JOB_COMPLETED ? "completed" : "in progress");
                return;
        }
        r = job_store_remove(m->jobs, j);
        if (r < 0) {
                fault_reply(m->bus, call, fault_from_errno(r), "Cannot cancel: %s", strerror(-r));
                return;
        }
        log_info("Canceled the transfer \"%s\"", key);
        bus_reply_empty(m->bus, call);
        scheduler_kick(m);
}

static void handle_get_all(struct manager *m, DBusMessage *call)
{
        _cleanup_dbus_message_ DBusMessage *reply = dbus_message_new_method_return(call);
        DBusMessageIter it, array, st;
        bool ok;

        if (!reply)
                return;
        dbus_message_iter_init_append(reply, &it);
        ok = dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "(subsus)", &array);
        for (size_t i = 0; ok && i < job_store_count(m->jobs); i++) {
                const struct job *j = job_store_get(m->jobs, i);
                uint32_t state = j->state;
                dbus_bool_t is_download = j->kind != JOB_UPLOAD;
                if (j->kind == JOB_AUTONOMOUS)
                        continue;
                ok = dbus_message_iter_open_container(&array, DBUS_TYPE_STRUCT, NULL, &st) &&
                     dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &j->command_key) &&
                     dbus_message_iter_append_basic(&st, DBUS_TYPE_UINT32, &state) &&
                     dbus_message_iter_append_basic(&st, DBUS_TYPE_BOOLEAN, &is_download) &&
                     dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &j->file_type) &&
                     dbus_message_iter_append_basic(&st, DBUS_TYPE_UINT32, &j->file_size) &&
                     dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &j->target_file_name) &&
                     dbus_message_iter_close_container(&array, &st);
        }
        if (!ok || !dbus_message_iter_close_container(&it, &array))
                return;
        (void)bus_send(m->bus, reply);
}

static DBusHandlerResult on_message(DBusConnection *c, DBusMessage *msg, void *userdata)
{
        struct manager *m = userdata;
        const char *iface, *member;

        if (dbus_message_get_type(msg) != DBUS_MESSAGE_TYPE_METHOD_CALL)
                return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
        if (bus_handle_standard(c, msg, m->introspection) == DBUS_HANDLER_RESULT_HANDLED)
                return DBUS_HANDLER_RESULT_HANDLED;
        iface = dbus_message_get_interface(msg);
        member = dbus_message_get_member(msg);
        if (iface && !streq(iface, FIRMWARE_INTERFACE))
                (void)bus_reply_error(c, msg, DBUS_ERROR_UNKNOWN_INTERFACE, "Unknown interface %s",
                                      iface);
        else if (streq(member, "Download"))
                handle_download(m, msg);
        else if (streq(member, "Upload"))
                handle_upload(m, msg);
        else if (streq(member, "ScheduleDownload"))
                handle_schedule_download(m, msg);
        else if (streq(member, "CancelTransfer"))
                handle_cancel(m, msg);
        else if (streq(member, "GetAllQueuedTransfers"))
                handle_get_all(m, msg);
        else
                (void)bus_reply_error(c, msg, DBUS_ERROR_UNKNOWN_METHOD, "Unknown method %s",
                                      member);
        return DBUS_HANDLER_RESULT_HANDLED;
}

int firmware_bus_register(struct manager *m)
{
        static const DBusObjectPathVTable vtable = {.message_function = on_message};

        m->introspection = strdup(introspect_io_cwmp_Firmware1);
        if (!m->introspection)
                return -ENOMEM;
        if (!dbus_connection_register_object_path(m->bus, FIRMWARE_OBJECT_PATH, &vtable, m))
                return -ENOMEM;
        return 0;
}
