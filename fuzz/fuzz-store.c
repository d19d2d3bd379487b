/* SPDX-License-Identifier: MIT */
/* Stored state is read back after crashes, disk errors and hand edits: store_parse must
 * refuse anything malformed without crashing or leaking, and whatever it accepts must
 * survive a format / parse round trip unchanged. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvmap.h"
#include "store.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_same(const struct kvmap *a, const struct kvmap *b)
{
        const char *k, *v;

        if (kvmap_size(a) != kvmap_size(b)) {
                fprintf(stderr, "round trip changed the size: %zu != %zu\n", kvmap_size(a),
                        kvmap_size(b));
                abort();
        }
        kvmap_foreach (a, i, k, v) {
                const char *other = kvmap_get(b, k);
                if (!other || !streq(v, other)) {
                        fprintf(stderr, "round trip changed the value of '%s'\n", k);
                        abort();
                }
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size > 1024 * 1024)
                return 0;

        _cleanup_kvmap_ struct kvmap *m = kvmap_new();
        if (!m)
                return 0;
        unsigned line = 0;
        int r = store_parse((const char *)data, size, m, &line);
        if (r < 0) {
                /* A refused file leaves nothing behind and says where it went wrong. */
                if (kvmap_size(m) != 0 || (r == -EBADMSG && line == 0))
                        abort();
                return 0;
        }

        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        if (store_format(m, &text, &len) < 0)
                return 0;
        _cleanup_kvmap_ struct kvmap *again = kvmap_new();
        if (!again)
                return 0;
        r = store_parse(text, len, again, &line);
        if (r < 0) {
                fprintf(stderr, "re-parsing formatted output failed at line %u: %d\n", line, r);
                abort();
        }
        check_same(m, again);

        /* Formatting is canonical: the same map always gives the same bytes. */
        _cleanup_free_ char *text2 = NULL;
        size_t len2 = 0;
        if (store_format(again, &text2, &len2) < 0)
                return 0;
        if (len2 != len || memcmp(text, text2, len) != 0)
                abort();
        return 0;
}
