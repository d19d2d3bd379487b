/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

#include "fault.h"
#include "transfer-fault.h"

static bool answered(const struct http_response *r)
{
        return r->status >= 200 && r->status < 300;
}

/* The faults a Download and an Upload share; 0 when the case is not one of them. */
static uint32_t common_fault(const struct http_response *r, char *message, size_t n)
{
        switch (r->error) {
        case 0:
                if (r->status == 401 || r->status == 407) {
                        snprintf(message, n,
                                 "File transfer server authentication failure: HTTP %ld (the "
                                 "credentials are missing or were refused)",
                                 r->status);
                        return CWMP_FAULT_TRANSFER_SERVER_AUTH;
                }
                return 0;
        case -EACCES:
                snprintf(message, n,
                         "File transfer server authentication failure: the server's TLS "
                         "certificate was not accepted (%s)",
                         r->error_message ? r->error_message : "");
                return CWMP_FAULT_TRANSFER_SERVER_AUTH;
        case -ECONNREFUSED:
        case -EHOSTUNREACH:
        case -ENETUNREACH:
        case -EADDRNOTAVAIL:
                snprintf(message, n, "File transfer failure: unable to contact file server (%s)",
                         r->error_message ? r->error_message : "");
                return CWMP_FAULT_CONTACT_SERVER;
        case -ETIMEDOUT:
        case -ECONNRESET:
        case -EPROTO:
                if (answered(r))
                        return 0; /* cut in the middle: the caller says what that means */
                snprintf(message, n, "File transfer failure: unable to contact file server (%s)",
                         r->error_message ? r->error_message : "");
                return CWMP_FAULT_CONTACT_SERVER;
        default:
                return 0;
        }
}

uint32_t download_fault(const struct http_response *r, uint32_t file_size, char *message, size_t n)
{
        uint32_t code = common_fault(r, message, n);

        if (code)
                return code;
        switch (r->error) {
        case 0:
                if (answered(r))
                        return 0;
                snprintf(message, n, "File transfer failure: unable to access file (HTTP %ld)",
                         r->status);
                return CWMP_FAULT_ACCESS_FILE;
        case -ETIMEDOUT:
        case -ECONNRESET:
        case -EPROTO:
                snprintf(message, n, "File transfer failure: unable to complete download (%s)",
                         r->error_message ? r->error_message : "");
                return CWMP_FAULT_COMPLETE_DOWNLOAD;
        case -EFBIG:
                if (file_size > 0) {
                        snprintf(message, n,
                                 "File transfer failure: file corrupted (more than the %u bytes "
                                 "of FileSize)",
                                 file_size);
                        return CWMP_FAULT_FILE_CORRUPTED;
                }
                snprintf(message, n,
                         "File transfer failure: the file does not fit in the free "
                         "space");
                return CWMP_FAULT_TRANSFER_FAILURE;
        case -ELOOP:
                snprintf(message, n,
                         "File transfer failure: unable to access file (too many "
                         "redirects)");
                return CWMP_FAULT_ACCESS_FILE;
        default:
                snprintf(message, n, "File transfer failure: %s",
                         r->error_message ? r->error_message : "unknown error");
                return CWMP_FAULT_TRANSFER_FAILURE;
        }
}

uint32_t upload_fault(const struct http_response *r, char *message, size_t n)
{
        uint32_t code = common_fault(r, message, n);

        if (code)
                return code;
        if (r->error == 0 && answered(r))
                return 0;
        if (r->error == 0)
                snprintf(message, n, "Upload failure: the server answered HTTP %ld", r->status);
        else
                snprintf(message, n, "Upload failure: %s",
                         r->error_message ? r->error_message : "unknown error");
        return CWMP_FAULT_UPLOAD_FAILURE;
}
