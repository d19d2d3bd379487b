/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "fault.h"
#include "firmware-backend.h"
#include "firmware-provider.h"
#include "http-client.h"
#include "log.h"
#include "store.h"
#include "request-check.h"
#include "transfer-fault.h"
#include "transfer.h"
#include "util.h"
#include "vendor-config.h"
#include "vendor-log.h"

#define USER_AGENT   "cwmp-agent fwupd-bridge"
#define MAX_URL_PATH 4096

struct transfer {
        struct transfer_context ctx;
        const struct job *job;
        enum file_kind kind;
        transfer_done_fn done;
        void *userdata;

        struct http_conn *conn;
        int fd;
        char *path;      /* the downloaded file */
        bool installing; /* the backend owns the file until it answers */
        bool installed;  /* the backend answered */
        bool tried_post; /* an Upload the server refused with 405, sent again as POST */
        struct config_op *config;
        char *body; /* an Upload's content */
        size_t body_len;
        sd_event_source *finish; /* delivers the result from the loop */
        struct transfer_result result;
};

static int on_finish(sd_event_source *s, void *userdata)
{
        struct transfer *t = userdata;
        t->done(&t->result, t->userdata); /* may free t */
        return 0;
}

/* Records the outcome and delivers it from the loop, never from inside a callback that
 * still uses the transfer. */
static void finish(struct transfer *t, uint32_t code, const char *format, ...)
        __attribute__((format(printf, 3, 4)));
static void finish(struct transfer *t, uint32_t code, const char *format, ...)
{
        va_list ap;

        /* Device.DeviceInfo.FirmwareImage.{i}.Status follows a firmware download */
        if (t->kind == FILE_FIRMWARE && t->ctx.provider) {
                if (code == CWMP_FAULT_FILE_CORRUPTED || code == CWMP_FAULT_FILE_AUTHENTICATION)
                        (void)firmware_provider_set_transfer_status(t->ctx.provider,
                                                                    "ValidationFailed");
                else if (code && !t->installed)
                        (void)firmware_provider_set_transfer_status(t->ctx.provider,
                                                                    "DownloadFailed");
                else if (code)
                        (void)firmware_provider_set_transfer_status(t->ctx.provider,
                                                                    "InstallationFailed");
                else
                        (void)firmware_provider_images_changed(t->ctx.provider);
        }

        t->result.fault_code = code;
        t->result.fault_string[0] = '\0';
        if (format) {
                va_start(ap, format);
                vsnprintf(t->result.fault_string, sizeof(t->result.fault_string), format, ap);
                va_end(ap);
        }
        if (sd_event_source_set_enabled(t->finish, SD_EVENT_ONESHOT) < 0)
                log_error("Cannot deliver the result of \"%s\"", t->job->command_key);
}

static void remove_file(struct transfer *t)
{
        if (t->fd >= 0)
                close(t->fd);
        t->fd = -1;
        if (t->path && !t->installing)
                (void)unlink(t->path);
}

void transfer_free(struct transfer *t)
{
        if (!t)
                return;
        http_conn_free(t->conn);
        config_op_free(t->config);
        remove_file(t);
        free(t->path);
        free(t->body);
        sd_event_source_disable_unref(t->finish);
        free(t);
}

static int new_conn(struct transfer *t, size_t max_size)
{
        const struct settings *s = t->ctx.settings;
        const struct job *j = t->job;
        struct http_conn_options o = {
                .url = j->url,
                .username = j->username[0] ? j->username : NULL,
                .password = j->password,
                .ca_file = s->ca_file,
                .ca_path = s->ca_path,
                .connect_timeout_ms = s->connect_timeout_s * 1000u,
                .timeout_ms = s->timeout_s * 1000u,
                .max_response_size = max_size,
                .follow_redirects = true,
                .user_agent = USER_AGENT,
        };
        return http_conn_new(t->ctx.http, &o, &t->conn);
}

/* ---- Download ---- */

static void on_installed(const struct firmware_result *res, void *userdata)
{
        struct transfer *t = userdata;

        t->installing = false;
        t->installed = true;
        t->result.reboot_required = res->fault_code == 0 && res->reboot_required;
        finish(t, res->fault_code, "%s", res->fault_string);
}

static void on_config_applied(uint32_t code, const char *message, void *userdata)
{
        struct transfer *t = userdata;

        t->config = NULL; /* done with it: config_op_free below */
        if (code == 0) {
                finish(t, 0, NULL);
                return;
        }
        /* dmd refused the values (unknown names, read-only, bad values): the file does not
         * fit this box; nothing was changed. */
        finish(t, CWMP_FAULT_FILE_CORRUPTED,
               "File transfer failure: file corrupted: the configuration was not applied "
               "(%u %s)",
               code, message ? message : "");
}

static void apply_config(struct transfer *t)
{
        _cleanup_free_ char *data = NULL;
        struct config_file f = {};
        unsigned line = 0;
        size_t len;
        int r;

        r = store_read_file(t->path, t->ctx.settings->max_config_size, &data, &len);
        if (r == -EFBIG) {
                finish(t, CWMP_FAULT_FILE_CORRUPTED,
                       "File transfer failure: file corrupted: a configuration file holds at "
                       "most %u bytes",
                       t->ctx.settings->max_config_size);
                return;
        }
        if (r < 0) {
                finish(t, CWMP_FAULT_TRANSFER_FAILURE, "File transfer failure: %s", strerror(-r));
                return;
        }
        r = config_file_parse(data, len, &f, &line);
        if (r == -EBADMSG) {
                finish(t, CWMP_FAULT_FILE_CORRUPTED,
                       "File transfer failure: file corrupted: not a configuration file (line "
                       "%u)",
                       line);
                return;
        }
        if (r >= 0)
                r = config_apply_start(t->ctx.bus, &f, on_config_applied, t, &t->config);
        config_file_done(&f);
        if (r < 0)
                finish(t, CWMP_FAULT_INTERNAL_ERROR, "Cannot apply the configuration: %s",
                       strerror(-r));
}

static void downloaded(struct transfer *t)
{
        int r;

        if (t->kind == FILE_VENDOR_CONFIG) {
                apply_config(t);
                return;
        }
        /* On disk for the backend, whatever happens to the box next. */
        if (fsync(t->fd) < 0) {
                finish(t, CWMP_FAULT_TRANSFER_FAILURE, "File transfer failure: %s",
                       strerror(errno));
                return;
        }
        close(t->fd);
        t->fd = -1;
        if (t->ctx.provider)
                (void)firmware_provider_set_transfer_status(t->ctx.provider, "Validating");
        t->installing = true;
        r = firmware_backend_install(t->ctx.backend, t->path, on_installed, t);
        if (r < 0) {
                t->installing = false;
                finish(t, CWMP_FAULT_TRANSFER_FAILURE,
                       "File transfer failure: cannot install the image: %s", strerror(-r));
        }
}

static void on_downloaded(struct http_conn *conn, const struct http_response *res, void *userdata)
{
        struct transfer *t = userdata;
        char message[256];
        uint32_t code = download_fault(res, t->job->file_size, message, sizeof(message));

        if (code) {
                finish(t, code, "%s", message);
                return;
        }
        if (t->job->file_size > 0 && res->body_len != t->job->file_size) {
                finish(t, CWMP_FAULT_FILE_CORRUPTED,
                       "File transfer failure: file corrupted (%zu bytes received, FileSize "
                       "%" PRIu32 ")",
                       res->body_len, t->job->file_size);
                return;
        }
        log_info("Downloaded %zu bytes of \"%s\"", res->body_len, t->job->command_key);
        downloaded(t);
}

static int start_download(struct transfer *t)
{
        const struct settings *s = t->ctx.settings;
        struct statvfs vfs;
        uint64_t avail, limit, reserve;
        int r;

        r = store_mkdir_p(s->download_dir);
        if (r < 0) {
                finish(t, CWMP_FAULT_TRANSFER_FAILURE,
                       "File transfer failure: cannot create the download directory: %s",
                       strerror(-r));
                return 0;
        }
        if (statvfs(s->download_dir, &vfs) < 0)
                return -errno;
        avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
        reserve = (uint64_t)s->reserve_mib << 20;
        avail = avail > reserve ? avail - reserve : 0;
        if (t->job->file_size > avail) {
                finish(t, CWMP_FAULT_TRANSFER_FAILURE,
                       "File transfer failure: not enough space for the file (FileSize %" PRIu32
                       " bytes, %" PRIu64 " bytes free)",
                       t->job->file_size, avail);
                return 0;
        }
        /* A FileSize bounds what is accepted; without one, the free space does. */
        limit = t->job->file_size > 0 ? t->job->file_size : avail;
        if (limit == 0) {
                finish(t, CWMP_FAULT_TRANSFER_FAILURE,
                       "File transfer failure: no free space in the download directory");
                return 0;
        }
        if (limit > SIZE_MAX)
                limit = SIZE_MAX;
        if (asprintf(&t->path, "%s/%s.download", s->download_dir, t->job->id) < 0) {
                t->path = NULL;
                return -ENOMEM;
        }
        t->fd = open(t->path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (t->fd < 0)
                return -errno;
        if (t->kind == FILE_FIRMWARE && t->ctx.provider)
                (void)firmware_provider_set_transfer_status(t->ctx.provider, "Downloading");
        r = new_conn(t, (size_t)limit);
        if (r >= 0)
                r = http_conn_get_to_fd(t->conn, t->fd, NULL, on_downloaded, t);
        return r;
}

/* ---- Upload ---- */

static const char *const upload_headers[] = {"Content-Type: application/octet-stream", NULL};

static void on_uploaded(struct http_conn *conn, const struct http_response *res, void *userdata)
{
        struct transfer *t = userdata;
        char message[256];
        uint32_t code;
        int r;

        /* PUT is TR-069's method; a server that only takes POST says 405 */
        if (res->error == 0 && res->status == 405 && !t->tried_post) {
                t->tried_post = true;
                r = http_conn_post(t->conn, t->body, t->body_len, upload_headers, on_uploaded, t);
                if (r >= 0)
                        return;
        }
        code = upload_fault(res, message, sizeof(message));
        if (code) {
                finish(t, code, "%s", message);
                return;
        }
        log_info("Uploaded %zu bytes for \"%s\"", t->body_len, t->job->command_key);
        finish(t, 0, NULL);
}

static void send_upload(struct transfer *t)
{
        int r = new_conn(t, 0);

        if (r >= 0)
                r = http_conn_put(t->conn, t->body, t->body_len, upload_headers, on_uploaded, t);
        if (r < 0)
                finish(t,
                       r == -EPROTONOSUPPORT ? CWMP_FAULT_UNSUPPORTED_PROTOCOL
                                             : CWMP_FAULT_UPLOAD_FAILURE,
                       "Upload failure: %s", strerror(-r));
}

static void on_config_read(int error, const char *text, size_t len, const char *message,
                           void *userdata)
{
        struct transfer *t = userdata;

        t->config = NULL;
        if (error < 0) {
                finish(t, CWMP_FAULT_UPLOAD_FAILURE,
                       "Upload failure: cannot read the configuration (%s)",
                       message ? message : strerror(-error));
                return;
        }
        t->body = malloc(len + 1);
        if (!t->body) {
                finish(t, CWMP_FAULT_INTERNAL_ERROR, "Out of memory");
                return;
        }
        memcpy(t->body, text, len);
        t->body[len] = '\0';
        t->body_len = len;
        send_upload(t);
}

static int start_upload(struct transfer *t)
{
        const struct settings *s = t->ctx.settings;
        int r;

        if (t->kind == FILE_VENDOR_CONFIG)
                return config_read_start(t->ctx.bus, on_config_read, t, &t->config);
        r = vendor_log_collect(s->log_units, s->log_files, s->log_max_bytes, &t->body,
                               &t->body_len);
        if (r < 0)
                return r;
        send_upload(t);
        return 0;
}

int transfer_start(const struct transfer_context *ctx, const struct job *j, transfer_done_fn done,
                   void *userdata, struct transfer **ret)
{
        struct transfer *t = calloc(1, sizeof(*t));
        const char *reason;
        uint32_t code;
        int r;

        if (!t)
                return -ENOMEM;
        t->ctx = *ctx;
        t->job = j;
        t->done = done;
        t->userdata = userdata;
        t->fd = -1;
        t->kind = j->kind == JOB_UPLOAD ? upload_file_kind(j->file_type)
                                        : download_file_kind(j->file_type);
        r = sd_event_add_defer(ctx->event, &t->finish, on_finish, t);
        if (r >= 0)
                r = sd_event_source_set_enabled(t->finish, SD_EVENT_OFF);
        if (r < 0) {
                transfer_free(t);
                return r;
        }
        /* checked when queued; checked again for a job from an older version's disk */
        code = transfer_check_url(j->url, &reason);
        if (code)
                finish(t, code, "%s", reason);
        else if (t->kind == FILE_UNSUPPORTED || (t->kind == FILE_FIRMWARE && !ctx->backend))
                finish(t, CWMP_FAULT_TRANSFER_FAILURE, "FileType \"%s\" is not supported",
                       j->file_type);
        else {
                r = j->kind == JOB_UPLOAD ? start_upload(t) : start_download(t);
                if (r < 0)
                        finish(t,
                               j->kind == JOB_UPLOAD ? CWMP_FAULT_UPLOAD_FAILURE
                                                     : CWMP_FAULT_TRANSFER_FAILURE,
                               "%s: %s",
                               j->kind == JOB_UPLOAD ? "Upload failure" : "File transfer failure",
                               strerror(-r));
        }
        *ret = t;
        return 0;
}
