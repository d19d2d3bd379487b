/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/*
 * The arithmetic of when to talk to the ACS: pure functions, so they are tested alone.
 */

/* TR-069 3.2.1.1 session retry: the wait before retry number n (1 = first retry), in
 * microseconds, uniformly in [m*(k/1000)^(n'-1), m*(k/1000)^n'] seconds with n' =
 * min(n, 10), m = CWMPRetryMinimumWaitInterval (s), k = CWMPRetryIntervalMultiplier.
 * `random` is a uniformly distributed 64-bit number (the caller draws it), so the
 * function is deterministic for tests. */
uint64_t schedule_retry_wait_usec(uint32_t min_wait_s, uint32_t multiplier, uint32_t n,
                                  uint64_t random);

/* The next periodic Inform strictly after `now` (epoch seconds): PeriodicInformTime sets
 * the phase (reference + k * interval for any integer k, reference in the past or the
 * future); `reference_unknown` (0001-01-01T00:00:00Z) lets the CPE pick: then `fallback`
 * (for example the daemon's start time) is the reference. interval >= 1. */
int64_t schedule_next_periodic(int64_t now, uint32_t interval, bool reference_unknown,
                               int64_t reference, int64_t fallback);
