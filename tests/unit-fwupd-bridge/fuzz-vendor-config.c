/* SPDX-License-Identifier: MIT */
/* A Vendor Configuration File comes from any HTTP server the ACS names: the parser must
 * refuse what is not one whole (nothing half-parsed is left), never crash, never leak, and
 * what it accepts must format back to a file that parses to the same entries. */
#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vendor-config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct config_file f = {}, g = {};
        unsigned line = 0;
        char *text = NULL;
        size_t len = 0;
        int r;

        r = config_file_parse((const char *)data, size, &f, &line);
        if (r < 0) {
                assert(r == -EBADMSG || r == -ENOMEM);
                assert(f.n == 0 && !f.entries);
                assert(r != -EBADMSG || line >= 1);
                return 0;
        }
        if (config_file_format(&f, &text, &len) >= 0) {
                r = config_file_parse(text, len, &g, NULL);
                assert(r == 0 || r == -ENOMEM);
                if (r == 0) {
                        assert(g.n == f.n);
                        for (size_t i = 0; i < f.n; i++) {
                                assert(strcmp(f.entries[i].name, g.entries[i].name) == 0);
                                assert(strcmp(f.entries[i].type, g.entries[i].type) == 0);
                                assert(strcmp(f.entries[i].value, g.entries[i].value) == 0);
                        }
                }
        }
        free(text);
        config_file_done(&f);
        config_file_done(&g);
        return 0;
}
