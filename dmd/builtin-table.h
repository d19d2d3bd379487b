/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/*
 * What the built-in owners of live tables (Device.USB., Device.DHCPv4.Client.,
 * Device.DNS.Client. ...) share: reading a row's instance number out of a name, answering
 * a value or a NumberOfEntries, listing a row, and reusing a short-lived snapshot of what
 * they read from the system.
 */

/* "7.Rest" -> 7 and "Rest"; instance numbers are decimal without leading zeros. -ENOENT
 * for anything else. */
int table_parse_instance(const char *s, uint32_t *ret_instance, const char **ret_rest);

/* A copy of `s` as a value (NULL as ""). */
int table_text(const char *s, char **ret);
/* A count (a NumberOfEntries) as a value. */
int table_count(size_t n, char **ret);

/* Appends the row path "TABLE<instance>." to `out`. */
int table_append_row(struct strv *out, const char *table, uint32_t instance);

/* When a table's rows were last read from the system. */
struct table_snapshot {
        uint64_t taken_usec; /* CLOCK_MONOTONIC */
        bool valid;
};

/* True when the rows were read less than `max_age_usec` ago and not invalidated since;
 * *ret_now is the time to record with table_snapshot_taken() after a new read. */
bool table_snapshot_fresh(const struct table_snapshot *s, uint64_t max_age_usec, uint64_t *ret_now);
void table_snapshot_taken(struct table_snapshot *s, uint64_t now);
void table_snapshot_invalidate(struct table_snapshot *s);

/* CLOCK_MONOTONIC in microseconds. */
uint64_t table_now_usec(void);
