/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/*
 * INI configuration as systemd reads it: "[Section]" headers, "Key=Value" lines, "#" and
 * ";" comments. A main file (for example /etc/cwmp/dmd.conf) is read first, then its
 * drop-ins (/etc/cwmp/dmd.conf.d/ *.conf, in name order), later values overriding earlier
 * ones. A missing file is not an error. A bad line or value is reported as
 * "FILE:LINE: message" through the error callback and skipped.
 */

struct cfg_location {
        const char *file;
        unsigned line;
};

/* Parses one value into `data`. Returns 0, or a negative errno with *reason set to a short
 * phrase for the error message ("not a boolean", "out of range"). */
typedef int (*cfg_parser)(const char *value, void *data, const char **reason);

struct cfg_item {
        const char *section; /* e.g. "Store" */
        const char *key;     /* e.g. "Directory" */
        cfg_parser parse;
        size_t offset; /* of the field inside the caller's settings struct */
};

/* Called once per problem with the location and a full message. */
typedef void (*cfg_error_fn)(const struct cfg_location *where, const char *message, void *userdata);

/* Ready-made parsers. String and path values are malloc'd (the old value is freed). */
int cfg_parse_string(const char *value, void *data, const char **reason);    /* char ** */
int cfg_parse_path(const char *value, void *data, const char **reason);      /* char **, absolute */
int cfg_parse_bool(const char *value, void *data, const char **reason);      /* bool * */
int cfg_parse_uint32(const char *value, void *data, const char **reason);    /* uint32_t * */
int cfg_parse_int32(const char *value, void *data, const char **reason);     /* int32_t * */
int cfg_parse_log_level(const char *value, void *data, const char **reason); /* int * */

/*
 * Parses one buffer (named `file` in messages) into `settings` following `table`.
 * Returns the number of problems reported (>= 0), or a negative errno on failure to
 * allocate. Unknown sections or keys are problems too.
 */
int cfg_parse_buffer(const char *file, const char *data, size_t len, const struct cfg_item *table,
                     size_t n_items, void *settings, cfg_error_fn on_error, void *userdata);

/* Reads `main_path` and then `main_path` + ".d/" *.conf. Returns problems (>= 0) or a
 * negative errno for an unreadable file or directory (other than missing). */
int cfg_load(const char *main_path, const struct cfg_item *table, size_t n_items, void *settings,
             cfg_error_fn on_error, void *userdata);
