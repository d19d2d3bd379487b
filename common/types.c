/* SPDX-License-Identifier: MIT */
/*
 * CWMP value types: strict lexical parsers (TR-069 A.2, XML Schema part 2), and the TR-106
 * facets (sizes, ranges, enumerations, patterns, lists) checked on top of them.
 */
#include <errno.h>
#include <inttypes.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "types.h"
#include "util.h"

static const char *const type_names[_CW_TYPE_MAX] = {
        [CW_TYPE_STRING] = "string",
        [CW_TYPE_INT] = "int",
        [CW_TYPE_UNSIGNED_INT] = "unsignedInt",
        [CW_TYPE_LONG] = "long",
        [CW_TYPE_UNSIGNED_LONG] = "unsignedLong",
        [CW_TYPE_BOOLEAN] = "boolean",
        [CW_TYPE_DATETIME] = "dateTime",
        [CW_TYPE_BASE64] = "base64",
        [CW_TYPE_HEXBINARY] = "hexBinary",
};

const char *cw_type_to_string(enum cw_type t)
{
        if ((unsigned)t >= _CW_TYPE_MAX)
                return NULL;
        return type_names[t];
}

int cw_type_from_string(const char *s)
{
        if (!s)
                return -EINVAL;
        if (startswith(s, "xsd:"))
                s += 4;
        for (size_t i = 0; i < ELEMENTSOF(type_names); i++)
                if (streq(s, type_names[i]))
                        return (int)i;
        /* The XML Schema name of base64, which some stacks put in xsi:type. */
        if (streq(s, "base64Binary"))
                return CW_TYPE_BASE64;
        return -EINVAL;
}

/* ---- integers and booleans ---- */

/* Optional sign, then one or more decimal digits, nothing else. Leading zeros are fine; the
 * whole string is scanned even after an overflow so garbage still reads as -EINVAL. */
static int parse_decimal(const char *s, bool allow_minus, bool *ret_negative, uint64_t *ret_mag)
{
        bool negative = false, overflow = false;
        uint64_t v = 0;

        if (!s)
                return -EINVAL;
        if (*s == '-') {
                if (!allow_minus)
                        return -EINVAL;
                negative = true;
                s++;
        } else if (*s == '+')
                s++;
        if (*s == '\0')
                return -EINVAL;
        for (; *s; s++) {
                if (*s < '0' || *s > '9')
                        return -EINVAL;
                unsigned d = (unsigned)(*s - '0');
                if (v > (UINT64_MAX - d) / 10)
                        overflow = true;
                else
                        v = v * 10 + d;
        }
        if (overflow)
                return -ERANGE;
        *ret_negative = negative;
        *ret_mag = v;
        return 0;
}

static int parse_signed(const char *s, int64_t min, int64_t max, int64_t *ret)
{
        bool negative;
        uint64_t mag;
        int64_t v;
        int r;

        r = parse_decimal(s, true, &negative, &mag);
        if (r < 0)
                return r;
        if (negative) {
                if (mag == 0)
                        v = 0;
                else if (mag - 1 > (uint64_t)INT64_MAX)
                        return -ERANGE;
                else
                        v = -(int64_t)(mag - 1) - 1;
        } else {
                if (mag > (uint64_t)INT64_MAX)
                        return -ERANGE;
                v = (int64_t)mag;
        }
        if (v < min || v > max)
                return -ERANGE;
        *ret = v;
        return 0;
}

static int parse_unsigned(const char *s, uint64_t max, uint64_t *ret)
{
        bool negative;
        uint64_t mag;
        int r;

        r = parse_decimal(s, false, &negative, &mag);
        if (r < 0)
                return r;
        if (mag > max)
                return -ERANGE;
        *ret = mag;
        return 0;
}

int cw_parse_int32(const char *s, int32_t *ret)
{
        int64_t v;
        int r = parse_signed(s, INT32_MIN, INT32_MAX, &v);
        if (r < 0)
                return r;
        if (ret)
                *ret = (int32_t)v;
        return 0;
}

int cw_parse_uint32(const char *s, uint32_t *ret)
{
        uint64_t v;
        int r = parse_unsigned(s, UINT32_MAX, &v);
        if (r < 0)
                return r;
        if (ret)
                *ret = (uint32_t)v;
        return 0;
}

int cw_parse_int64(const char *s, int64_t *ret)
{
        int64_t v;
        int r = parse_signed(s, INT64_MIN, INT64_MAX, &v);
        if (r < 0)
                return r;
        if (ret)
                *ret = v;
        return 0;
}

int cw_parse_uint64(const char *s, uint64_t *ret)
{
        uint64_t v;
        int r = parse_unsigned(s, UINT64_MAX, &v);
        if (r < 0)
                return r;
        if (ret)
                *ret = v;
        return 0;
}

int cw_parse_bool(const char *s, bool *ret)
{
        bool v;

        if (!s)
                return -EINVAL;
        if (streq(s, "true") || streq(s, "1"))
                v = true;
        else if (streq(s, "false") || streq(s, "0"))
                v = false;
        else
                return -EINVAL;
        if (ret)
                *ret = v;
        return 0;
}

static bool type_is_signed(enum cw_type t)
{
        return t == CW_TYPE_INT || t == CW_TYPE_LONG;
}

/* Parses an integer of type t into whichever member of *v the type uses. */
static int parse_integer(enum cw_type t, const char *s, int64_t *sv, uint64_t *uv)
{
        switch (t) {
        case CW_TYPE_INT:
                return parse_signed(s, INT32_MIN, INT32_MAX, sv);
        case CW_TYPE_LONG:
                return parse_signed(s, INT64_MIN, INT64_MAX, sv);
        case CW_TYPE_UNSIGNED_INT:
                return parse_unsigned(s, UINT32_MAX, uv);
        case CW_TYPE_UNSIGNED_LONG:
                return parse_unsigned(s, UINT64_MAX, uv);
        default:
                return -EINVAL;
        }
}

/* ---- dateTime ---- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil), so
 * no time zone or TZ variable is ever consulted. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
        y -= m <= 2;
        int64_t era = (y >= 0 ? y : y - 399) / 400;
        unsigned yoe = (unsigned)(y - era * 400);
        unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
        unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *ret_y, unsigned *ret_m, unsigned *ret_d)
{
        z += 719468;
        int64_t era = (z >= 0 ? z : z - 146096) / 146097;
        unsigned doe = (unsigned)(z - era * 146097);
        unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        int64_t y = (int64_t)yoe + era * 400;
        unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        unsigned mp = (5 * doy + 2) / 153;
        unsigned d = doy - (153 * mp + 2) / 5 + 1;
        unsigned m = mp < 10 ? mp + 3 : mp - 9;
        *ret_y = y + (m <= 2);
        *ret_m = m;
        *ret_d = d;
}

static bool is_leap_year(unsigned y)
{
        return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static unsigned days_in_month(unsigned y, unsigned m)
{
        static const unsigned char days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        return m == 2 && is_leap_year(y) ? 29 : days[m - 1];
}

/* Exactly n decimal digits at s. */
static bool read_digits(const char *s, unsigned n, unsigned *ret)
{
        unsigned v = 0;
        for (unsigned i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return false;
                v = v * 10 + (unsigned)(s[i] - '0');
        }
        *ret = v;
        return true;
}

#define EPOCH_DAYS_0001 INT64_C(-719162) /* days_from_civil(1, 1, 1) */

int cw_parse_datetime(const char *s, struct cw_datetime *ret)
{
        unsigned year, month, day, hour, minute, second, usec = 0;
        int64_t offset = 0;
        bool timezoned = false;

        if (!s)
                return -EINVAL;
        /* YYYY-MM-DDThh:mm:ss */
        if (strnlen(s, 19) < 19 || !read_digits(s, 4, &year) || s[4] != '-' ||
            !read_digits(s + 5, 2, &month) || s[7] != '-' || !read_digits(s + 8, 2, &day) ||
            s[10] != 'T' || !read_digits(s + 11, 2, &hour) || s[13] != ':' ||
            !read_digits(s + 14, 2, &minute) || s[16] != ':' || !read_digits(s + 17, 2, &second))
                return -EINVAL;
        if (year == 0 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) ||
            hour > 23 || minute > 59 || second > 59)
                return -EINVAL;
        s += 19;

        if (*s == '.') {
                unsigned n = 0;
                s++;
                if (*s < '0' || *s > '9')
                        return -EINVAL;
                /* Microseconds from the first six digits; finer digits are dropped. */
                for (; *s >= '0' && *s <= '9'; s++, n++)
                        if (n < 6)
                                usec = usec * 10 + (unsigned)(*s - '0');
                for (; n < 6; n++)
                        usec *= 10;
        }

        if (*s == 'Z') {
                timezoned = true;
                s++;
        } else if (*s == '+' || *s == '-') {
                unsigned oh, om;
                if (!read_digits(s + 1, 2, &oh) || s[3] != ':' || !read_digits(s + 4, 2, &om))
                        return -EINVAL;
                if (om > 59 || oh > 14 || (oh == 14 && om != 0))
                        return -EINVAL;
                offset = (int64_t)(oh * 3600 + om * 60) * (*s == '-' ? -1 : 1);
                timezoned = true;
                s += 6;
        }
        if (*s != '\0')
                return -EINVAL;

        int64_t days = days_from_civil(year, month, day);
        int64_t tod = (int64_t)hour * 3600 + minute * 60 + second;
        struct cw_datetime dt = {.usec = usec};

        if (!timezoned && year < 1000) {
                dt.relative = true;
                dt.seconds = (days - EPOCH_DAYS_0001) * 86400 + tod;
        } else {
                /* Untimezoned absolute times are taken as UTC, which is what the CPE sends. */
                dt.seconds = days * 86400 + tod - offset;
                dt.unknown = timezoned && usec == 0 && dt.seconds == EPOCH_DAYS_0001 * 86400;
        }
        if (ret)
                *ret = dt;
        return 0;
}

int cw_format_datetime(int64_t epoch_seconds, uint32_t usec, char *buf, size_t size)
{
        /* 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z */
        const int64_t min = (int64_t)EPOCH_DAYS_0001 * 86400, max = INT64_C(253402300799);
        int64_t days, y;
        unsigned m, d, tod;

        if (!buf || size < 32)
                return -ENOBUFS;
        if (usec >= 1000000)
                return -EINVAL;
        if (epoch_seconds < min || epoch_seconds > max)
                return -ERANGE;

        days = epoch_seconds / 86400;
        if (epoch_seconds % 86400 < 0)
                days--;
        tod = (unsigned)(epoch_seconds - days * 86400);
        civil_from_days(days, &y, &m, &d);

        int n = snprintf(buf, size, "%04" PRId64 "-%02u-%02uT%02u:%02u:%02u", y, m, d, tod / 3600,
                         tod / 60 % 60, tod % 60);
        if (usec != 0)
                n += snprintf(buf + n, size - (size_t)n, ".%06" PRIu32, usec);
        snprintf(buf + n, size - (size_t)n, "Z");
        return 0;
}

/* ---- base64 and hexBinary ---- */

static int base64_value(char c)
{
        if (c >= 'A' && c <= 'Z')
                return c - 'A';
        if (c >= 'a' && c <= 'z')
                return c - 'a' + 26;
        if (c >= '0' && c <= '9')
                return c - '0' + 52;
        if (c == '+')
                return 62;
        if (c == '/')
                return 63;
        return -1;
}

/* Validates s and, if out is given, decodes into it. Only the canonical form is valid: padded
 * to a multiple of four, and the bits the padding leaves over are zero (as XML Schema's
 * base64Binary grammar demands). */
static int base64_decode_into(const char *s, size_t len, uint8_t *out, size_t *ret_len)
{
        size_t n = 0;

        if (len % 4 != 0)
                return -EINVAL;
        for (size_t i = 0; i < len; i += 4) {
                bool last = i + 4 == len;
                int a = base64_value(s[i]), b = base64_value(s[i + 1]);
                int c = base64_value(s[i + 2]), d = base64_value(s[i + 3]);

                if (a < 0 || b < 0)
                        return -EINVAL;
                if (c < 0) {
                        /* "xx==": one byte; b's low four bits are unused */
                        if (!last || s[i + 2] != '=' || s[i + 3] != '=' || (b & 0x0f) != 0)
                                return -EINVAL;
                        if (out)
                                out[n] = (uint8_t)(a << 2 | b >> 4);
                        n += 1;
                } else if (d < 0) {
                        /* "xxx=": two bytes; c's low two bits are unused */
                        if (!last || s[i + 3] != '=' || (c & 0x03) != 0)
                                return -EINVAL;
                        if (out) {
                                out[n] = (uint8_t)(a << 2 | b >> 4);
                                out[n + 1] = (uint8_t)((b & 0x0f) << 4 | c >> 2);
                        }
                        n += 2;
                } else {
                        if (out) {
                                out[n] = (uint8_t)(a << 2 | b >> 4);
                                out[n + 1] = (uint8_t)((b & 0x0f) << 4 | c >> 2);
                                out[n + 2] = (uint8_t)((c & 0x03) << 6 | d);
                        }
                        n += 3;
                }
        }
        *ret_len = n;
        return 0;
}

int cw_base64_decode(const char *s, uint8_t **ret, size_t *ret_len)
{
        _cleanup_free_ uint8_t *out = NULL;
        size_t len, n;
        int r;

        if (!s || !ret || !ret_len)
                return -EINVAL;
        len = strlen(s);
        r = base64_decode_into(s, len, NULL, &n);
        if (r < 0)
                return r;
        out = malloc(n + 1);
        if (!out)
                return -ENOMEM;
        r = base64_decode_into(s, len, out, &n);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(out);
        *ret_len = n;
        return 0;
}

int cw_base64_encode(const uint8_t *data, size_t len, char **ret)
{
        static const char alphabet[] =
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        char *out, *p;

        if ((!data && len > 0) || !ret)
                return -EINVAL;
        if (len > (SIZE_MAX - 1) / 4 * 3 - 2)
                return -ENOMEM;
        out = malloc((len + 2) / 3 * 4 + 1);
        if (!out)
                return -ENOMEM;
        p = out;
        for (size_t i = 0; i < len; i += 3) {
                uint32_t v = (uint32_t)data[i] << 16;
                if (i + 1 < len)
                        v |= (uint32_t)data[i + 1] << 8;
                if (i + 2 < len)
                        v |= data[i + 2];
                *p++ = alphabet[v >> 18 & 0x3f];
                *p++ = alphabet[v >> 12 & 0x3f];
                *p++ = i + 1 < len ? alphabet[v >> 6 & 0x3f] : '=';
                *p++ = i + 2 < len ? alphabet[v & 0x3f] : '=';
        }
        *p = '\0';
        *ret = out;
        return 0;
}

static int hex_decode_into(const char *s, size_t len, uint8_t *out, size_t *ret_len)
{
        if (len % 2 != 0)
                return -EINVAL;
        for (size_t i = 0; i < len; i += 2) {
                int hi = unhexchar(s[i]), lo = unhexchar(s[i + 1]);
                if (hi < 0 || lo < 0)
                        return -EINVAL;
                if (out)
                        out[i / 2] = (uint8_t)(hi << 4 | lo);
        }
        *ret_len = len / 2;
        return 0;
}

int cw_hex_decode(const char *s, uint8_t **ret, size_t *ret_len)
{
        _cleanup_free_ uint8_t *out = NULL;
        size_t len, n;
        int r;

        if (!s || !ret || !ret_len)
                return -EINVAL;
        len = strlen(s);
        r = hex_decode_into(s, len, NULL, &n);
        if (r < 0)
                return r;
        out = malloc(n + 1);
        if (!out)
                return -ENOMEM;
        r = hex_decode_into(s, len, out, &n);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(out);
        *ret_len = n;
        return 0;
}

/* ---- strings ---- */

/* Decodes one UTF-8 sequence; returns its length, or 0 for a malformed, overlong, surrogate or
 * out-of-range sequence. s is NUL-terminated, so a truncated sequence stops at the NUL. */
static unsigned utf8_decode(const unsigned char *s, uint32_t *ret)
{
        uint32_t c = s[0], min;
        unsigned n;

        if (c < 0x80) {
                *ret = c;
                return 1;
        }
        if ((c & 0xe0) == 0xc0) {
                n = 2, c &= 0x1f, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
                n = 3, c &= 0x0f, min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
                n = 4, c &= 0x07, min = 0x10000;
        } else
                return 0;
        for (unsigned i = 1; i < n; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                c = c << 6 | (s[i] & 0x3f);
        }
        if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
                return 0;
        *ret = c;
        return n;
}

/* XML 1.0 Char production: what an xsd:string can carry. */
static bool xml_char_allowed(uint32_t c)
{
        return c == 0x9 || c == 0xa || c == 0xd || (c >= 0x20 && c <= 0xd7ff) ||
               (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}

/* Counts the characters of a string, refusing what XML cannot carry. */
static int string_length(const char *s, size_t *ret, const char **reason)
{
        const unsigned char *p = (const unsigned char *)s;
        size_t n = 0;

        while (*p) {
                uint32_t c;
                unsigned len = utf8_decode(p, &c);
                if (len == 0) {
                        *reason = "invalid UTF-8";
                        return -EINVAL;
                }
                if (!xml_char_allowed(c)) {
                        *reason = "character not allowed in XML";
                        return -EINVAL;
                }
                p += len;
                n++;
        }
        *ret = n;
        return 0;
}

/* ---- facets ---- */

void cw_facets_done(struct cw_facets *f)
{
        if (!f)
                return;
        free(f->ranges);
        for (size_t i = 0; i < f->n_enums; i++)
                free(f->enums[i]);
        free(f->enums);
        for (size_t i = 0; i < f->n_patterns; i++)
                free(f->patterns[i]);
        free(f->patterns);
        *f = (struct cw_facets){};
}

static int strings_copy(char *const *from, size_t n, char ***ret)
{
        char **v;

        *ret = NULL;
        if (n == 0)
                return 0;
        v = calloc(n, sizeof(char *));
        if (!v)
                return -ENOMEM;
        /* Stored at once so the caller's cleanup frees whatever was copied. */
        *ret = v;
        for (size_t i = 0; i < n; i++) {
                v[i] = strdup(from[i] ? from[i] : "");
                if (!v[i])
                        return -ENOMEM;
        }
        return 0;
}

int cw_facets_copy(const struct cw_facets *from, struct cw_facets *to)
{
        struct cw_facets f;
        int r;

        if (!from || !to)
                return -EINVAL;
        f = *from;
        f.ranges = NULL;
        f.enums = NULL;
        f.patterns = NULL;
        if (from->n_ranges > 0) {
                f.ranges = calloc(from->n_ranges, sizeof(struct cw_range));
                if (!f.ranges) {
                        r = -ENOMEM;
                        goto fail;
                }
                memcpy(f.ranges, from->ranges, from->n_ranges * sizeof(struct cw_range));
        }
        r = strings_copy(from->enums, from->n_enums, &f.enums);
        if (r < 0)
                goto fail;
        r = strings_copy(from->patterns, from->n_patterns, &f.patterns);
        if (r < 0)
                goto fail;
        *to = f;
        return 0;

fail:
        /* strings_copy leaves NULL slots behind on failure, which free() accepts. */
        if (!f.enums)
                f.n_enums = 0;
        if (!f.patterns)
                f.n_patterns = 0;
        cw_facets_done(&f);
        return r;
}

static bool in_ranges(const struct cw_facets *f, int64_t sv, uint64_t uv)
{
        if (f->n_ranges == 0)
                return true;
        for (size_t i = 0; i < f->n_ranges; i++) {
                const struct cw_range *rg = &f->ranges[i];
                if (type_is_signed(f->type) ? sv >= rg->min.s && sv <= rg->max.s
                                            : uv >= rg->min.u && uv <= rg->max.u)
                        return true;
        }
        return false;
}

/* The facets' patterns, compiled once per check. Empty patterns (TR-106 uses "" to allow
 * the empty string) are not compiled: they match exactly the empty item. */
struct patterns {
        char *const *src;
        regex_t *re;
        size_t n; /* entries set up so far */
};

static bool pattern_is_empty(const char *pattern)
{
        return !pattern || pattern[0] == '\0';
}

static void patterns_done(struct patterns *p)
{
        for (size_t i = 0; i < p->n; i++)
                if (!pattern_is_empty(p->src[i]))
                        regfree(&p->re[i]);
        free(p->re);
        *p = (struct patterns){};
}

static int patterns_compile(const struct cw_facets *f, struct patterns *p, const char **reason)
{
        *p = (struct patterns){.src = f->patterns};
        if (f->n_patterns == 0)
                return 0;
        p->re = calloc(f->n_patterns, sizeof(regex_t));
        if (!p->re)
                return -ENOMEM;
        for (; p->n < f->n_patterns; p->n++) {
                if (pattern_is_empty(p->src[p->n]))
                        continue;
                if (regcomp(&p->re[p->n], p->src[p->n], REG_EXTENDED) != 0) {
                        *reason = "invalid pattern";
                        patterns_done(p);
                        return -EBADMSG;
                }
        }
        return 0;
}

/* Does `item` match one of the patterns as a whole? POSIX matching is leftmost-longest, so
 * a whole match exists exactly when the first match spans the item. Checking the span rather
 * than wrapping the pattern in "^(...)$" keeps a pattern with a literal ")" ("a)|b") from
 * changing meaning. */
static bool patterns_match(const struct patterns *p, const char *item)
{
        size_t len = strlen(item);

        for (size_t i = 0; i < p->n; i++) {
                regmatch_t m;
                if (pattern_is_empty(p->src[i])) {
                        if (len == 0)
                                return true;
                } else if (regexec(&p->re[i], item, 1, &m, 0) == 0 && m.rm_so == 0 &&
                           (size_t)m.rm_eo == len)
                        return true;
        }
        return false;
}

static bool size_ok(const struct cw_facets *f, size_t n)
{
        return n >= f->min_size && (f->max_size == 0 || n <= f->max_size);
}

/* Checks one item (a whole value, or one element of a list). On success *canon is its
 * canonical text: the item itself, or a constant or numbuf for integers and booleans, and
 * *chars its length in characters. Enumerations and patterns see the canonical form, so a
 * valid value stays valid once normalized. */
static int item_check(const struct cw_facets *f, const struct patterns *pats, const char *item,
                      char numbuf[static 24], const char **canon, size_t *chars,
                      const char **reason)
{
        size_t n;
        int r;

        *canon = item;
        switch (f->type) {
        case CW_TYPE_STRING:
                r = string_length(item, &n, reason);
                if (r < 0)
                        return r;
                *chars = n;
                if (!size_ok(f, n)) {
                        *reason = n < f->min_size ? "too short" : "too long";
                        return -ERANGE;
                }
                break;
        case CW_TYPE_INT:
        case CW_TYPE_UNSIGNED_INT:
        case CW_TYPE_LONG:
        case CW_TYPE_UNSIGNED_LONG: {
                int64_t sv = 0;
                uint64_t uv = 0;
                r = parse_integer(f->type, item, &sv, &uv);
                if (r < 0) {
                        *reason = r == -ERANGE ? "out of range" : "not a valid integer";
                        return r;
                }
                if (!in_ranges(f, sv, uv)) {
                        *reason = "out of range";
                        return -ERANGE;
                }
                if (type_is_signed(f->type))
                        snprintf(numbuf, 24, "%" PRId64, sv);
                else
                        snprintf(numbuf, 24, "%" PRIu64, uv);
                *canon = numbuf;
                *chars = strlen(numbuf);
                break;
        }
        case CW_TYPE_BOOLEAN: {
                bool b;
                if (cw_parse_bool(item, &b) < 0) {
                        *reason = "not a valid boolean";
                        return -EINVAL;
                }
                *canon = b ? "true" : "false";
                *chars = strlen(*canon);
                break;
        }
        case CW_TYPE_DATETIME:
                if (cw_parse_datetime(item, NULL) < 0) {
                        *reason = "not a valid dateTime";
                        return -EINVAL;
                }
                *chars = strlen(item);
                break;
        case CW_TYPE_BASE64:
        case CW_TYPE_HEXBINARY:
                *chars = strlen(item);
                r = f->type == CW_TYPE_BASE64 ? base64_decode_into(item, *chars, NULL, &n)
                                              : hex_decode_into(item, *chars, NULL, &n);
                if (r < 0) {
                        *reason = f->type == CW_TYPE_BASE64 ? "not valid base64"
                                                            : "not valid hexBinary";
                        return r;
                }
                if (!size_ok(f, n)) {
                        *reason = n < f->min_size ? "too short" : "too long";
                        return -ERANGE;
                }
                break;
        default:
                *reason = "unknown type";
                return -EINVAL;
        }

        if (f->n_enums > 0) {
                bool found = false;
                for (size_t i = 0; i < f->n_enums && !found; i++)
                        found = f->enums[i] && streq(f->enums[i], *canon);
                if (!found) {
                        *reason = "not an allowed value";
                        return -ERANGE;
                }
        }
        if (f->n_patterns > 0 && !patterns_match(pats, *canon)) {
                *reason = "does not match pattern";
                return -ERANGE;
        }
        return 0;
}

/* The growing canonical form of a value, when the caller wants one. */
struct out {
        char *s;
        size_t len, allocated;
};

static int out_append(struct out *o, const char *s, size_t n)
{
        if (o->len + n + 1 > o->allocated) {
                size_t a = (o->len + n + 1) * 2;
                char *p = realloc(o->s, a);
                if (!p)
                        return -ENOMEM;
                o->s = p;
                o->allocated = a;
        }
        memcpy(o->s + o->len, s, n);
        o->len += n;
        o->s[o->len] = '\0';
        return 0;
}

static bool is_xml_space(char c)
{
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Validates value against f; when o is given, appends the canonical form to it. */
static int value_check(const struct cw_facets *f, const char *value, struct out *o,
                       const char **reason)
{
        _cleanup_(patterns_done) struct patterns pats = {};
        _cleanup_free_ char *copy = NULL;
        char numbuf[24];
        const char *canon;
        size_t chars, items = 0, total = 0;
        int r;

        if (!value) {
                *reason = "missing value";
                return -EINVAL;
        }
        /* A broken pattern is a broken schema: reported whatever the value. */
        r = patterns_compile(f, &pats, reason);
        if (r < 0)
                return r;
        if (!f->is_list) {
                r = item_check(f, &pats, value, numbuf, &canon, &chars, reason);
                if (r < 0)
                        return r;
                return o ? out_append(o, canon, strlen(canon)) : 0;
        }

        /* TR-106 lists: comma-separated items; whitespace after a comma is not part of the
         * next item. The empty string is the empty list. */
        copy = strdup(value);
        if (!copy)
                return -ENOMEM;
        for (char *item = copy; value[0] != '\0';) {
                char *comma = strchr(item, ',');
                if (comma)
                        *comma = '\0';
                r = item_check(f, &pats, item, numbuf, &canon, &chars, reason);
                if (r < 0)
                        return r;
                if (items > 0)
                        total++;
                total += chars;
                items++;
                if (o) {
                        if (items > 1) {
                                r = out_append(o, ",", 1);
                                if (r < 0)
                                        return r;
                        }
                        r = out_append(o, canon, strlen(canon));
                        if (r < 0)
                                return r;
                }
                if (!comma)
                        break;
                item = comma + 1;
                while (is_xml_space(*item))
                        item++;
        }

        if (items < f->list_min_items) {
                *reason = "too few items";
                return -ERANGE;
        }
        if (f->list_max_items != 0 && items > f->list_max_items) {
                *reason = "too many items";
                return -ERANGE;
        }
        /* Measured on the canonical form, which is what gets stored and sent. */
        if (f->list_max_len != 0 && total > f->list_max_len) {
                *reason = "list too long";
                return -ERANGE;
        }
        return 0;
}

int cw_value_check(const struct cw_facets *f, const char *value, const char **reason)
{
        const char *dummy;

        if (!f) {
                if (reason)
                        *reason = "no type";
                return -EINVAL;
        }
        if (!reason)
                reason = &dummy;
        int r = value_check(f, value, NULL, reason);
        if (r == -ENOMEM)
                *reason = "out of memory";
        return r;
}

int cw_facets_normalize(const struct cw_facets *f, const char *value, char **ret,
                        const char **reason)
{
        struct out o = {};
        const char *dummy;
        int r;

        if (!reason)
                reason = &dummy;
        if (!f || !ret) {
                *reason = "no type";
                return -EINVAL;
        }
        r = value_check(f, value, &o, reason);
        if (r >= 0 && !o.s) {
                /* the empty list, or an empty string item */
                o.s = strdup("");
                if (!o.s)
                        r = -ENOMEM;
        }
        if (r == -ENOMEM)
                *reason = "out of memory";
        if (r < 0) {
                free(o.s);
                return r;
        }
        *ret = o.s;
        return 0;
}

int cw_value_normalize(enum cw_type t, const char *value, char **ret)
{
        struct cw_facets f = {.type = t};
        int r;

        if ((unsigned)t >= _CW_TYPE_MAX || !ret)
                return -EINVAL;
        r = cw_facets_normalize(&f, value, ret, NULL);
        /* Without facets, only the lexical form can fail; it is -EINVAL for any type. */
        return r == -ERANGE ? -EINVAL : r;
}
