/* SPDX-License-Identifier: MIT */
/* Bulk data bodies carry whatever the providers answer, in names the ACS chose: every
 * encoding must take any bytes without crashing and JSON must stay JSON text, with no raw
 * control character. The first byte picks the formats and timestamps, the second splits
 * the separators from the values; the rest are lines, three per value (name, type, value),
 * the first three lines being the CSV separators as the ACS would write them. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bulkdata-encode.h"
#include "bulkdata-http.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_VALUES 256

static void check_json(const struct buf *b)
{
        for (size_t i = 0; i < b->len; i++)
                if ((unsigned char)b->data[i] < 0x20)
                        abort();
        if (b->len < 2 || b->data[0] != '{' || b->data[b->len - 1] != '}')
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct bulkdata_value values[MAX_VALUES];
        char *lines[3 * MAX_VALUES + 3], *text, *separators[3] = {};
        size_t n_lines = 0;
        unsigned pick;

        if (size < 1)
                return 0;
        pick = data[0];
        text = strndup((const char *)data + 1, size - 1);
        if (!text)
                return 0;
        for (char *s = text, *nl; s && n_lines < ELEMENTSOF(lines); s = nl) {
                nl = strchr(s, '\n');
                if (nl)
                        *nl++ = '\0';
                lines[n_lines++] = s;
        }
        for (size_t i = 0; i < 3; i++)
                if (bulkdata_csv_separator_decode(i < n_lines ? lines[i] : "", &separators[i]) < 0)
                        goto out;

        size_t n = n_lines > 3 ? (n_lines - 3) / 3 : 0;
        for (size_t i = 0; i < n; i++)
                values[i] = (struct bulkdata_value){lines[3 + 3 * i], lines[4 + 3 * i],
                                                    lines[5 + 3 * i]};
        /* two reports sharing the values, the second with half of them */
        const struct bulkdata_report reports[2] = {{INT64_C(1364529149000), values, n},
                                                   {INT64_C(-1000), values, n / 2}};
        enum bulkdata_timestamp t = (enum bulkdata_timestamp)(pick % 3);
        struct buf b = {};

        if (bulkdata_encode_json(reports, 2,
                                 (pick >> 2) & 1 ? BULKDATA_JSON_NAME_VALUE_PAIR
                                                 : BULKDATA_JSON_OBJECT_HIERARCHY,
                                 t, &b) >= 0)
                check_json(&b);
        buf_done(&b);

        const struct bulkdata_csv_options o = {
                .field_separator = separators[0],
                .row_separator = separators[1],
                .escape = separators[2],
                .format = (pick >> 3) & 1 ? BULKDATA_CSV_PARAMETER_PER_ROW
                                          : BULKDATA_CSV_PARAMETER_PER_COLUMN,
                .timestamp = (enum bulkdata_timestamp)((pick >> 4) % 3),
        };
        if (bulkdata_encode_csv(reports, 2, &o, &b) >= 0 && (pick >> 6) & 1) {
                char *z = NULL;
                size_t z_len;
                if (bulkdata_compress(BULKDATA_COMPRESSION_GZIP, b.data ? b.data : "", b.len, &z,
                                      &z_len) >= 0 &&
                    z_len < 18)
                        abort(); /* a gzip member has a 10-byte header and an 8-byte trailer */
                free(z);
        }
        buf_done(&b);
out:
        for (size_t i = 0; i < 3; i++)
                free(separators[i]);
        free(text);
        return 0;
}
