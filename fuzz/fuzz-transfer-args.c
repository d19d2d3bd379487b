/* SPDX-License-Identifier: MIT */
/* A transfer request from the ACS goes through soap_decode() and transfer_args_check():
 * whatever the bytes, the check must not crash or leak, must say why it refuses, and what
 * it lets through must be what the transfer daemon is promised: a file type of the schema's
 * pattern, a URL with a scheme, a FileSize within an unsignedInt, one or two time windows
 * that end after they start and do not overlap. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "soap.h"
#include "transfer-args.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_accepted(const struct soap_message *m)
{
        if (m->method != SOAP_DOWNLOAD && m->method != SOAP_UPLOAD &&
            m->method != SOAP_SCHEDULE_DOWNLOAD)
                return;
        if (!transfer_type_valid(m->file_type) || !m->url || !strstr(m->url, "://") ||
            m->file_size > UINT32_MAX)
                abort();
        if (m->method != SOAP_SCHEDULE_DOWNLOAD)
                return;
        if (m->n_time_windows < 1 || m->n_time_windows > 2)
                abort();
        for (size_t i = 0; i < m->n_time_windows; i++) {
                const struct soap_time_window *w = &m->time_windows[i];
                if (w->window_end < w->window_start || !transfer_type_valid(w->window_mode) ||
                    w->max_retries < -1)
                        abort();
        }
        if (m->n_time_windows == 2) {
                const struct soap_time_window *a = &m->time_windows[0], *b = &m->time_windows[1];
                if (a->window_start < b->window_end && b->window_start < a->window_end)
                        abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct soap_message m;
        uint32_t code;
        char detail[256];

        if (soap_decode((const char *)data, size, &m, &code, detail, sizeof(detail)) < 0) {
                soap_message_done(&m);
                return 0;
        }
        memset(detail, 'x', sizeof(detail));
        int r = transfer_args_check(&m, detail, sizeof(detail));
        if (!memchr(detail, '\0', sizeof(detail)))
                abort();
        if (r == 0) {
                if (detail[0])
                        abort();
                check_accepted(&m);
        } else if (r != -EINVAL || !detail[0]) {
                abort();
        }
        soap_message_done(&m);
        return 0;
}
