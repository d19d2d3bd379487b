/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/*
 * CWMP value types (TR-069 A.2, TR-106 data types): parse, validate, format.
 * Every value crosses D-Bus and SOAP as a string; these functions decide whether a string
 * is a valid value of a type with its facets (ranges, sizes, enumerations, patterns, lists).
 */

enum cw_type {
        CW_TYPE_STRING,
        CW_TYPE_INT,
        CW_TYPE_UNSIGNED_INT,
        CW_TYPE_LONG,
        CW_TYPE_UNSIGNED_LONG,
        CW_TYPE_BOOLEAN,
        CW_TYPE_DATETIME,
        CW_TYPE_BASE64,
        CW_TYPE_HEXBINARY,
        _CW_TYPE_MAX,
};

/* "unsignedInt", ... : the XML Schema name without the "xsd:" prefix. */
const char *cw_type_to_string(enum cw_type t);
/* Accepts "unsignedInt" and "xsd:unsignedInt". Returns the type, or -EINVAL. */
int cw_type_from_string(const char *s);

/* One inclusive range; the union member in use follows the facets' type (signed for int
 * and long, unsigned for unsignedInt and unsignedLong). */
struct cw_range {
        union {
                int64_t s;
                uint64_t u;
        } min, max;
};

/* The constraints of a parameter, as TR-106 writes them: string(0:64), unsignedInt[1:300],
 * enumerations, patterns, and list<T> with its own size and item count limits. */
struct cw_facets {
        enum cw_type type;
        bool is_list;          /* comma-separated list of `type` items, sent as a string */
        uint32_t min_size;     /* string: characters; base64/hexBinary: decoded bytes */
        uint32_t max_size;     /* 0 = unbounded */
        uint32_t list_max_len; /* whole list: characters, 0 = unbounded */
        uint32_t list_min_items, list_max_items; /* max 0 = unbounded */
        struct cw_range *ranges;
        size_t n_ranges;
        char **enums; /* allowed string values (items, for lists) */
        size_t n_enums;
        char **patterns; /* POSIX extended regexes an item must match whole (any of them) */
        size_t n_patterns;
};

void cw_facets_done(struct cw_facets *f);
int cw_facets_copy(const struct cw_facets *from, struct cw_facets *to);

/*
 * Checks `value` against the facets. Returns 0 when valid; -EINVAL when it is not a
 * lexically valid value of the type; -ERANGE when it is well-formed but outside a range,
 * size, item count, enumeration or pattern. On failure *reason (if given) points to a
 * static English phrase such as "out of range" for error messages.
 */
int cw_value_check(const struct cw_facets *f, const char *value, const char **reason);

/*
 * The canonical form of a valid value of type t, newly allocated: booleans become "true" or
 * "false", integers lose leading zeros and "+" signs; other types are copied.
 * Returns -EINVAL if value is not of type t.
 */
int cw_value_normalize(enum cw_type t, const char *value, char **ret);
/*
 * Checks `value` against the facets like cw_value_check() and returns its canonical form,
 * newly allocated: each item normalized as above and, for lists, the whitespace after the
 * commas dropped ("1, +2" -> "1,2"). Same return values and *reason as cw_value_check().
 */
int cw_facets_normalize(const struct cw_facets *f, const char *value, char **ret,
                        const char **reason);

/* Lexical parsers: strict (no spaces, no trailing garbage). -EINVAL or -ERANGE on failure. */
int cw_parse_int32(const char *s, int32_t *ret);
int cw_parse_uint32(const char *s, uint32_t *ret);
int cw_parse_int64(const char *s, int64_t *ret);
int cw_parse_uint64(const char *s, uint64_t *ret);
int cw_parse_bool(const char *s, bool *ret); /* "true" "false" "1" "0" */

/* xsd:dateTime as TR-069 uses it. Absolute times (with "Z" or an offset) give the UTC
 * seconds since the epoch; untimezoned times with year < 1000 are relative (seconds since
 * boot from 0001-01-01T00:00:00) and set *relative. The unknown time
 * 0001-01-01T00:00:00Z parses as absolute with *unknown set. */
struct cw_datetime {
        int64_t seconds; /* epoch seconds (absolute) or seconds since boot (relative) */
        uint32_t usec;
        bool relative;
        bool unknown;
};
int cw_parse_datetime(const char *s, struct cw_datetime *ret);
/* Formats UTC "YYYY-MM-DDThh:mm:ssZ" (with ".uuuuuu" when usec != 0). buf >= 32 bytes. */
int cw_format_datetime(int64_t epoch_seconds, uint32_t usec, char *buf, size_t size);

/* base64 (RFC 4648, padded; whitespace not allowed) and hexBinary (either case). */
int cw_base64_decode(const char *s, uint8_t **ret, size_t *ret_len);
int cw_base64_encode(const uint8_t *data, size_t len, char **ret);
int cw_hex_decode(const char *s, uint8_t **ret, size_t *ret_len);
