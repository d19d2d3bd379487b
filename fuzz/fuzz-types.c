/* SPDX-License-Identifier: MIT */
/* Every value an ACS or a D-Bus caller sets goes through cw_value_check(): it must never
 * crash, must answer one of its documented errors, and whatever it accepts must normalize
 * to a value it accepts as well. The first input byte picks the type, list or not, and one
 * of a few facet sets; the rest is the value. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "types.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *enums[] = {
        "Auto", "Manual", "", "7", "-5", "true", "AA==", "00ff", "2024-01-01T00:00:00Z"};
static char *patterns[] = {"", "([0-9A-Fa-f][0-9A-Fa-f]:){5}([0-9A-Fa-f][0-9A-Fa-f])",
                           "[0-9]+|x(y|z)*", "[A-Za-z0-9+/=]*", "a)|b"};

/* Facet set k of 8 for type t. */
static void facets_pick(struct cw_facets *f, enum cw_type t, bool is_list, unsigned k,
                        struct cw_range ranges[2])
{
        *f = (struct cw_facets){.type = t, .is_list = is_list};

        if (t == CW_TYPE_INT || t == CW_TYPE_LONG) {
                ranges[0].min.s = -100, ranges[0].max.s = 100;
                ranges[1].min.s = t == CW_TYPE_INT ? 1000000 : INT64_C(5000000000);
                ranges[1].max.s = t == CW_TYPE_INT ? INT32_MAX : INT64_MAX;
        } else {
                ranges[0].min.u = 1, ranges[0].max.u = 100;
                ranges[1].min.u = 1000000;
                ranges[1].max.u = t == CW_TYPE_UNSIGNED_INT ? UINT32_MAX : UINT64_MAX;
        }

        switch (k) {
        case 0:
                break;
        case 1:
                f->min_size = 1, f->max_size = 8;
                break;
        case 2:
                f->ranges = ranges, f->n_ranges = 2;
                break;
        case 3:
                f->enums = enums, f->n_enums = sizeof(enums) / sizeof(enums[0]);
                break;
        case 4:
                f->patterns = patterns, f->n_patterns = 2;
                f->max_size = 17;
                break;
        case 5:
                f->list_max_len = 32, f->list_min_items = 1, f->list_max_items = 4;
                break;
        case 6:
                f->patterns = patterns + 2, f->n_patterns = 3;
                break;
        default:
                f->min_size = 1, f->max_size = 16;
                f->ranges = ranges, f->n_ranges = 2;
                f->enums = enums, f->n_enums = sizeof(enums) / sizeof(enums[0]);
                f->patterns = patterns + 2, f->n_patterns = 2;
                f->list_max_len = 64, f->list_max_items = 6;
                break;
        }
}

static bool documented(int r)
{
        return r == 0 || r == -EINVAL || r == -ERANGE || r == -EBADMSG || r == -ENOMEM;
}

/* Round trips of the lexical helpers on a single valid item. */
static void check_lexical(enum cw_type t, const char *value)
{
        uint8_t *bytes = NULL;
        size_t len;
        char *text = NULL;

        switch (t) {
        case CW_TYPE_DATETIME: {
                struct cw_datetime dt, again;
                char buf[32];
                if (cw_parse_datetime(value, &dt) < 0 || dt.usec >= 1000000)
                        abort();
                if (dt.relative || cw_format_datetime(dt.seconds, dt.usec, buf, sizeof(buf)) < 0)
                        break; /* relative, or an offset pushed it out of 0001..9999 */
                if (cw_parse_datetime(buf, &again) < 0 || again.seconds != dt.seconds ||
                    again.usec != dt.usec || again.unknown != dt.unknown || again.relative)
                        abort();
                break;
        }
        case CW_TYPE_BASE64:
                /* only the canonical form is accepted, so it encodes back identically */
                if (cw_base64_decode(value, &bytes, &len) < 0 ||
                    cw_base64_encode(bytes, len, &text) < 0 || strcmp(text, value) != 0)
                        abort();
                break;
        case CW_TYPE_HEXBINARY:
                if (cw_hex_decode(value, &bytes, &len) < 0 || len * 2 != strlen(value))
                        abort();
                break;
        default:
                break;
        }
        free(bytes);
        free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct cw_range ranges[2];
        struct cw_facets f, copy;
        const char *reason = NULL;
        char *value, *norm = NULL, *again = NULL;
        int r;

        if (size < 1 || size > 4096)
                return 0;
        enum cw_type t = (enum cw_type)(data[0] % _CW_TYPE_MAX);
        bool is_list = data[0] & 0x80;
        unsigned k = (data[0] / _CW_TYPE_MAX) % 8;

        value = malloc(size);
        if (!value)
                return 0;
        memcpy(value, data + 1, size - 1);
        value[size - 1] = '\0';

        facets_pick(&f, t, is_list, k, ranges);
        r = cw_value_check(&f, value, &reason);
        if (!documented(r) || (r < 0 && !reason))
                abort();

        /* a deep copy judges the same */
        if (cw_facets_copy(&f, &copy) == 0) {
                if (cw_value_check(&copy, value, NULL) != r)
                        abort();
                cw_facets_done(&copy);
        }

        if (r == 0) {
                /* the canonical form is valid, and its own canonical form */
                if (cw_facets_normalize(&f, value, &norm, NULL) < 0)
                        abort();
                if (cw_value_check(&f, norm, NULL) != 0)
                        abort();
                if (cw_facets_normalize(&f, norm, &again, NULL) < 0 || strcmp(again, norm) != 0)
                        abort();
                free(again);
                again = NULL;
                if (!is_list)
                        check_lexical(t, value);
        } else if (cw_facets_normalize(&f, value, &norm, NULL) != r || norm)
                abort();
        free(norm);
        norm = NULL;

        /* the facet-less normalizer agrees with a facet-less check */
        struct cw_facets bare = {.type = t};
        r = cw_value_check(&bare, value, NULL);
        if (cw_value_normalize(t, value, &norm) != (r == 0 ? 0 : -EINVAL))
                abort();
        if (r == 0 && cw_value_check(&bare, norm, NULL) != 0)
                abort();
        free(norm);

        free(value);
        return 0;
}
