/* SPDX-License-Identifier: MIT */
/* The keys of delivered hand-offs, so that a late retry changes nothing. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "handoff-done.h"
#include "kvmap.h"
#include "manager.h"
#include "util.h"

int handoff_done_remember(struct manager *m, const char *prefix, const char *suffix)
{
        _cleanup_free_ char *key = NULL;
        const char *k, *v, *oldest = NULL;
        uint64_t seq = 0, oldest_seq = UINT64_MAX;
        size_t n = 0;
        char num[24];

        kvmap_foreach (m->state, i, k, v) {
                if (!startswith(k, prefix))
                        continue;
                uint64_t s = strtoull(v, NULL, 10);
                n++;
                if (s >= seq)
                        seq = s + 1;
                if (s < oldest_seq) {
                        oldest_seq = s;
                        oldest = k;
                }
        }
        if (n >= HANDOFF_DONE_KEEP && oldest) {
                _cleanup_free_ char *victim = strdup(oldest);
                if (!victim)
                        return -ENOMEM;
                (void)manager_state_set(m, victim, NULL);
        }
        if (asprintf(&key, "%s%s", prefix, suffix) < 0)
                return -ENOMEM;
        snprintf(num, sizeof(num), "%" PRIu64, seq);
        return manager_state_set(m, key, num);
}
