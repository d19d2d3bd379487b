/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "util.h"

/*
 * The bodies of bulk data reports (TR-069 Annex N.3, TR-181 Device.BulkData.): pure
 * functions from collected values to JSON or CSV text, so they are tested alone.
 *
 * One body carries the reports retained after failed transfers first, then the current one.
 */

struct bulkdata_value {
        const char *name; /* as reported: the Reference, or the profile's Name for it */
        const char *type; /* TR-106 type name ("unsignedInt", "string" ...) */
        const char *value;
};

struct bulkdata_report {
        int64_t time_ms; /* collection time, ms since the epoch */
        const struct bulkdata_value *values;
        size_t n_values;
};

enum bulkdata_timestamp {
        BULKDATA_TIMESTAMP_UNIX_EPOCH, /* ms since the epoch, as TR-181 describes it */
        BULKDATA_TIMESTAMP_ISO_8601,
        BULKDATA_TIMESTAMP_NONE,
};

enum bulkdata_json_format {
        BULKDATA_JSON_OBJECT_HIERARCHY,
        BULKDATA_JSON_NAME_VALUE_PAIR,
};

enum bulkdata_csv_format {
        BULKDATA_CSV_PARAMETER_PER_ROW,
        BULKDATA_CSV_PARAMETER_PER_COLUMN,
};

struct bulkdata_csv_options {
        const char *field_separator; /* "" or NULL: "," */
        const char *row_separator;   /* "" or NULL: CRLF */
        const char *escape;          /* "" or NULL: no escaping */
        enum bulkdata_csv_format format;
        enum bulkdata_timestamp timestamp;
};

/* Parsers of the TR-181 enumerations; -EINVAL for anything else. */
int bulkdata_timestamp_from_string(const char *s, enum bulkdata_timestamp *ret);
int bulkdata_json_format_from_string(const char *s, enum bulkdata_json_format *ret);
int bulkdata_csv_format_from_string(const char *s, enum bulkdata_csv_format *ret);
/* The BBF-Report-Format token of a format. */
const char *bulkdata_json_format_to_string(enum bulkdata_json_format f);
const char *bulkdata_csv_format_to_string(enum bulkdata_csv_format f);

/* A CSV separator as stored in the model: XML character references ("&#13;&#10;", as
 * TR-181 writes the default) are decoded, other text is taken as it is. Malloc'd. */
int bulkdata_csv_separator_decode(const char *s, char **ret);

/* {"Report":[{...},...]}: numbers and booleans as JSON numbers and booleans, the rest as
 * strings; "CollectionTime" per report unless the timestamp is None. Appends to out. */
int bulkdata_encode_json(const struct bulkdata_report *reports, size_t n,
                         enum bulkdata_json_format format, enum bulkdata_timestamp timestamp,
                         struct buf *out);

/* A header row, then rows: per row "ReportTimestamp,ParameterName,ParameterValue,
 * ParameterType"; per column "ReportTimestamp,<name>..." and one row per report (the
 * columns are the names of all reports in order of appearance). Appends to out. */
int bulkdata_encode_csv(const struct bulkdata_report *reports, size_t n,
                        const struct bulkdata_csv_options *options, struct buf *out);
