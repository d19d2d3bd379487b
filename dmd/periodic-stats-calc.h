/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "types.h"
#include "util.h"

/*
 * The arithmetic of Device.PeriodicStatistics. (TR-181), free of the event loop and the
 * bus: the statistic of one sample interval from the values read during it, the threshold
 * states behind Failures, the comma-separated sample lists and the grid of sample
 * intervals. Numbers are kept as 128-bit integers, so every int, unsignedInt, long and
 * unsignedLong value and every difference of two of them is exact.
 */

typedef __int128 ps_number;

enum ps_calc { PS_CALC_LATEST, PS_CALC_MINIMUM, PS_CALC_MAXIMUM, PS_CALC_AVERAGE };
enum ps_sample_mode { PS_SAMPLE_CURRENT, PS_SAMPLE_CHANGE };

/* The TR-181 names; unknown names give Latest / Current (TR-181's defaults). */
enum ps_calc ps_calc_from_string(const char *s);
enum ps_sample_mode ps_sample_mode_from_string(const char *s);

/* Whether values of this type have a numeric statistic and thresholds (TR-181: only
 * numeric parameters; others are sampled as Current / Latest). */
bool ps_type_is_numeric(enum cw_type t);
int ps_parse_number(const char *s, ps_number *ret);
/* Decimal text; buf holds at least 48 bytes. */
void ps_format_number(ps_number v, char *buf, size_t size);

/* What one sample interval of one parameter has seen so far. */
struct ps_accum {
        unsigned reads;  /* reads attempted */
        unsigned failed; /* reads that gave no value */
        bool suspect;    /* something else made the sample doubtful (a counter reset) */
        uint64_t n;      /* numeric values taken */
        ps_number min, max, sum, latest;
        char *latest_text; /* non-numeric: the last value read */
};

void ps_accum_reset(struct ps_accum *a);
void ps_accum_fail(struct ps_accum *a);
void ps_accum_add_number(struct ps_accum *a, ps_number v);
int ps_accum_add_text(struct ps_accum *a, const char *value);
/* The statistic under calc ("" when nothing was read; Average rounds half away from zero).
 * Non-numeric values give the latest one, its commas and percent signs escaped (%2C, %25)
 * so that it stays one item of the list. */
int ps_accum_result(const struct ps_accum *a, enum ps_calc calc, char **ret);

/*
 * SampleMode Change: the sampled value is the difference from the value read before
 * (*ref). Returns 1 with *out set, or 0 when there was no reference yet (the value only
 * becomes one). A counter of an unsigned type that went down was reset: the sample is its
 * value since the reset and *reset is set.
 */
int ps_sample_change(bool unsigned_type, ps_number value, bool *have_ref, ps_number *ref,
                     ps_number *out, bool *reset);

/* Threshold states (TR-181 Failures): in range, out of range low or high. */
enum ps_range { PS_RANGE_IN, PS_RANGE_LOW, PS_RANGE_HIGH };
/* Low == high disables thresholds: everything is in range. */
enum ps_range ps_range_of(ps_number v, int32_t low, int32_t high);
/* Whether going from `from` to `to` counts as a failure: in range to out of range, or from
 * one side out of range to the other. */
bool ps_range_is_failure(enum ps_range from, enum ps_range to);

/* Appends item, then drops the oldest items beyond max (0: no limit). */
int ps_list_push(struct strv *l, const char *item, uint32_t max);
/* Drops the last item (a ForceSample preview about to be replaced). */
void ps_list_drop_last(struct strv *l);
/* Keeps the newest max items. */
void ps_list_truncate(struct strv *l, uint32_t max);
int ps_list_join(const struct strv *l, char **ret);
/* Splits a stored list ("" is no item; "a,,b" has an empty middle item). */
int ps_list_split(const char *s, struct strv *out);

/* The first boundary after `now` on the grid anchor + k * interval (k any integer; all in
 * microseconds of the realtime clock, interval in seconds). */
uint64_t ps_next_boundary(uint64_t now_usec, uint64_t anchor_usec, uint32_t interval_sec);
