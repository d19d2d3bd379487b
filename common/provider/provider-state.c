/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>

#include "log.h"
#include "provider-internal.h"
#include "store.h"

int provider_state_load(cwmp_provider *p)
{
        _cleanup_kvmap_ struct kvmap *m = kvmap_new();
        unsigned line = 0;
        int r;

        if (!m)
                return -ENOMEM;
        if (p->state_file) {
                _cleanup_free_ char *dir = strdup(p->state_file);
                if (!dir)
                        return -ENOMEM;
                r = store_mkdir_p(dirname(dir));
                if (r < 0)
                        return r;
                r = store_load(p->state_file, m, &line);
                if (r == -ENOENT)
                        r = 0;
                if (r < 0) {
                        /* a damaged file is refused whole, never half-used */
                        log_debug_errno(r, "Failed to load %s (line %u): %m", p->state_file, line);
                        return r;
                }
        }
        kvmap_free(p->state);
        p->state = TAKE_PTR(m);
        return 0;
}

bool provider_state_seen(cwmp_provider *p, const char *transaction)
{
        return transaction && *transaction &&
               streq_ptr(kvmap_get(p->state, STATE_KEY_TRANSACTION), transaction);
}

int provider_state_begin(cwmp_provider *p, struct kvmap **ret)
{
        _cleanup_kvmap_ struct kvmap *m = kvmap_new();
        int r;

        if (!m)
                return -ENOMEM;
        r = kvmap_copy(p->state, m);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(m);
        return 0;
}

int provider_state_commit(cwmp_provider *p, struct kvmap *next, const char *transaction)
{
        int r;

        /* The transaction id goes into the same write as the values it applied, so that a
         * crash leaves either both or neither. */
        if (transaction && *transaction) {
                r = kvmap_set(next, STATE_KEY_TRANSACTION, transaction);
                if (r < 0)
                        goto fail;
        }
        if (p->state_file) {
                r = store_save(p->state_file, next);
                if (r < 0)
                        goto fail;
        }
        kvmap_free(p->state);
        p->state = next;
        return 0;
fail:
        kvmap_free(next);
        return r;
}
