/* SPDX-License-Identifier: MIT */
/* Parameter paths arrive from the ACS and from D-Bus callers: the parser must refuse
 * malformed ones with a reason, and a path it accepts must format back to the very same
 * string, so that nothing downstream sees a path other than the one that was checked. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "path.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ALL_FLAGS                                                                                  \
        (DMPATH_ALLOW_PARTIAL | DMPATH_ALLOW_EMPTY | DMPATH_ALLOW_ALIAS | DMPATH_ALLOW_PLACEHOLDER)

static const unsigned flag_sets[] = {
        0,
        DMPATH_ALLOW_PARTIAL,
        DMPATH_ALLOW_PARTIAL | DMPATH_ALLOW_EMPTY,
        DMPATH_ALLOW_ALIAS,
        DMPATH_ALLOW_PLACEHOLDER | DMPATH_ALLOW_PARTIAL,
        DMPATH_REQUIRE_PARTIAL | DMPATH_ALLOW_EMPTY,
        DMPATH_REQUIRE_PARTIAL | DMPATH_ALLOW_ALIAS | DMPATH_ALLOW_PLACEHOLDER,
        ALL_FLAGS,
};

static void check_accepted(const char *s, unsigned flags, const struct dmpath *p)
{
        bool plain = true; /* only names and instance numbers */
        char *out = NULL;
        struct dmpath t = {};

        if (dmpath_format(p, p->n_segs, p->partial, &out) < 0 || strcmp(out, s) != 0)
                abort();
        free(out);
        if (p->partial != dmpath_is_partial(s))
                abort();
        if (p->partial && !(flags & (DMPATH_ALLOW_PARTIAL | DMPATH_REQUIRE_PARTIAL)) && s[0])
                abort();
        if ((flags & DMPATH_REQUIRE_PARTIAL) && !p->partial)
                abort();
        if (p->n_segs > 0 && p->segs[0].kind != DMPATH_SEG_NAME)
                abort();

        for (size_t i = 0; i < p->n_segs; i++) {
                const struct dmpath_seg *seg = &p->segs[i];
                switch (seg->kind) {
                case DMPATH_SEG_NAME:
                        if (!dmpath_name_valid(seg->str, strlen(seg->str)))
                                abort();
                        break;
                case DMPATH_SEG_INSTANCE:
                        if (seg->instance == 0 || strtoul(seg->str, NULL, 10) != seg->instance)
                                abort();
                        break;
                case DMPATH_SEG_ALIAS:
                        if (!(flags & DMPATH_ALLOW_ALIAS) || seg->str[0] == '\0' ||
                            strpbrk(seg->str, ".[]"))
                                abort();
                        plain = false;
                        break;
                case DMPATH_SEG_PLACEHOLDER:
                        if (!(flags & DMPATH_ALLOW_PLACEHOLDER) || strcmp(seg->str, "{i}") != 0)
                                abort();
                        plain = false;
                        break;
                default:
                        abort();
                }

                /* every ancestor object contains the path */
                if (dmpath_format(p, i + 1, true, &out) < 0 || !dmpath_is_under(s, out))
                        abort();
                free(out);
        }

        if (dmpath_template(p, &out) < 0)
                abort();
        if (plain && !dmpath_matches_template(s, out))
                abort();
        /* the template is itself a valid schema path ("{i}" may make it longer) */
        if (strlen(out) <= DMPATH_MAX_LEN &&
            (dmpath_parse(out, ALL_FLAGS, &t, NULL) < 0 || t.n_segs != p->n_segs))
                abort();
        dmpath_done(&t);
        free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *s;

        if (size > 4 * DMPATH_MAX_LEN)
                return 0;
        s = malloc(size + 1);
        if (!s)
                return 0;
        memcpy(s, data, size);
        s[size] = '\0';

        for (size_t i = 0; i < sizeof(flag_sets) / sizeof(flag_sets[0]); i++) {
                struct dmpath p;
                struct dmpath_error err = {};
                int r = dmpath_parse(s, flag_sets[i], &p, &err);

                if (r == 0)
                        check_accepted(s, flag_sets[i], &p);
                else if (!err.reason || err.offset > strlen(s) || p.buf || p.segs)
                        abort();
                dmpath_done(&p);

                /* allowing more never refuses what was accepted */
                if (r == 0 && !(flag_sets[i] & DMPATH_REQUIRE_PARTIAL) &&
                    dmpath_parse(s, ALL_FLAGS, &p, NULL) != 0)
                        abort();
                dmpath_done(&p);
        }

        free(s);
        return 0;
}
