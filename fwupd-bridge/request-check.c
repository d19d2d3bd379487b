/* SPDX-License-Identifier: MIT */
#include <curl/curl.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "fault.h"
#include "request-check.h"
#include "util.h"

#define MAX_URL_LENGTH     256u
#define MAX_MESSAGE_LENGTH 256u

enum file_kind download_file_kind(const char *file_type)
{
        if (streq(file_type, "1 Firmware Upgrade Image"))
                return FILE_FIRMWARE;
        if (streq(file_type, "3 Vendor Configuration File"))
                return FILE_VENDOR_CONFIG;
        return FILE_UNSUPPORTED;
}

enum file_kind upload_file_kind(const char *file_type)
{
        if (streq(file_type, "1 Vendor Configuration File"))
                return FILE_VENDOR_CONFIG;
        if (streq(file_type, "2 Vendor Log File"))
                return FILE_VENDOR_LOG;
        return FILE_UNSUPPORTED;
}

uint32_t transfer_check_url(const char *url, const char **reason)
{
        const char *sep = strstr(url, "://");
        size_t n = sep ? (size_t)(sep - url) : 0;
        uint32_t code = 0;
        CURLU *u;
        char *host = NULL;

        if (strlen(url) > MAX_URL_LENGTH) {
                *reason = "URL is longer than 256 characters";
                return CWMP_FAULT_INVALID_ARGUMENTS;
        }
        if (!sep || n == 0 ||
            strspn(url, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                        "0123456789+.-") != n) {
                *reason = "URL is not an absolute URL";
                return CWMP_FAULT_INVALID_ARGUMENTS;
        }
        if (!((n == 4 && strncasecmp(url, "http", 4) == 0) ||
              (n == 5 && strncasecmp(url, "https", 5) == 0))) {
                *reason = "only http and https URLs are supported";
                return CWMP_FAULT_UNSUPPORTED_PROTOCOL;
        }
        u = curl_url();
        if (!u) {
                *reason = "out of memory";
                return CWMP_FAULT_INTERNAL_ERROR;
        }
        if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
            curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host || !host[0]) {
                *reason = "URL is malformed";
                code = CWMP_FAULT_INVALID_ARGUMENTS;
        }
        curl_free(host);
        curl_url_cleanup(u);
        return code;
}

static const char *const modes[] = {"1 At Any Time", "2 Immediately", "3 When Idle",
                                    "4 Confirmation Needed"};

static bool mode_known(const char *mode)
{
        for (size_t i = 0; i < ELEMENTSOF(modes); i++)
                if (streq(mode, modes[i]))
                        return true;
        return false;
}

int window_mode_usable(const char *mode)
{
        return mode_known(mode) && !streq(mode, "4 Confirmation Needed");
}

uint32_t transfer_check_windows(const struct window_request *w, size_t n, const char **reason)
{
        if (n < 1 || n > 2) {
                *reason = "TimeWindowList holds one or two windows";
                return CWMP_FAULT_INVALID_ARGUMENTS;
        }
        for (size_t i = 0; i < n; i++) {
                if (w[i].start >= w[i].end) {
                        *reason = "WindowEnd must be later than WindowStart";
                        return CWMP_FAULT_INVALID_ARGUMENTS;
                }
                if (!mode_known(w[i].mode)) {
                        *reason = "WindowMode is not one of 1 At Any Time, 2 Immediately, "
                                  "3 When Idle, 4 Confirmation Needed";
                        return CWMP_FAULT_INVALID_ARGUMENTS;
                }
                if (strlen(w[i].user_message) > MAX_MESSAGE_LENGTH) {
                        *reason = "UserMessage is longer than 256 characters";
                        return CWMP_FAULT_INVALID_ARGUMENTS;
                }
                if (w[i].max_retries < -1) {
                        *reason = "MaxRetries must be -1 or more";
                        return CWMP_FAULT_INVALID_ARGUMENTS;
                }
        }
        if (n == 2 && w[0].end > w[1].start && w[1].end > w[0].start) {
                *reason = "the time windows overlap";
                return CWMP_FAULT_INVALID_ARGUMENTS;
        }
        return 0;
}
