/* SPDX-License-Identifier: MIT */
#include <math.h>

#include "schedule.h"

#define USEC_PER_SEC 1000000ULL

uint64_t schedule_retry_wait_usec(uint32_t min_wait_s, uint32_t multiplier, uint32_t n,
                                  uint64_t random)
{
        /* TR-181 bounds: m in 1..65535, k in 1000..65535; clamp what config may give. */
        double m = min_wait_s ? min_wait_s : 1;
        double k = (multiplier < 1000 ? 1000 : multiplier) / 1000.0;
        uint32_t np = n == 0 ? 1 : (n > 10 ? 10 : n);
        double lo = m * pow(k, np - 1), hi = m * pow(k, np);
        /* 53 random bits give a uniform fraction in [0, 1]. */
        double fraction = (double)(random >> 11) / (double)((1ULL << 53) - 1);
        double usec = (lo + (hi - lo) * fraction) * USEC_PER_SEC;
        /* The largest m and k reach beyond 64 bits of microseconds: wait as long as we can
         * rather than wrap to a short wait. */
        if (usec >= 18446744073709551616.0 /* 2^64 */)
                return UINT64_MAX;
        return (uint64_t)(usec + 0.5); /* nearest, so an exact bound stays exact */
}

int64_t schedule_next_periodic(int64_t now, uint32_t interval, bool reference_unknown,
                               int64_t reference, int64_t fallback)
{
        int64_t ref = reference_unknown ? fallback : reference;
        int64_t i = interval ? interval : 1;
        /* The first ref + k*i strictly after now, for any integer k (ref may be ahead). */
        int64_t d = now - ref;
        int64_t k = d >= 0 ? d / i + 1 : -((-d) / i);
        int64_t next = ref + k * i;
        if (next <= now)
                next += i;
        return next;
}
