/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* The checks of an ACS's transfer request made before it is queued: each returns 0, or the
 * fault code the request is answered with and a reason for its message. */

enum file_kind {
        FILE_UNSUPPORTED,
        FILE_FIRMWARE,      /* Download "1 Firmware Upgrade Image" */
        FILE_VENDOR_CONFIG, /* Download "3 ...", Upload "1 Vendor Configuration File" */
        FILE_VENDOR_LOG,    /* Upload "2 Vendor Log File" */
};

enum file_kind download_file_kind(const char *file_type);
enum file_kind upload_file_kind(const char *file_type);

/* http and https: 0; another scheme: 9013; not a URL: 9003. */
uint32_t transfer_check_url(const char *url, const char **reason);

/* A TimeWindowStruct as the ACS sends it: seconds from now. */
struct window_request {
        uint32_t start, end;
        const char *mode;
        const char *user_message;
        int32_t max_retries;
};

/* One or two windows, start < end, no overlap, a mode of TR-069's list: 0 or 9003. */
uint32_t transfer_check_windows(const struct window_request *w, size_t n, const char **reason);
/* Whether a window mode can be used here: "4 Confirmation Needed" cannot (no user). */
int window_mode_usable(const char *mode);
