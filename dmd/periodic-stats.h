/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>

struct changed_value;
struct manager;
struct periodic_stats;

/*
 * Device.PeriodicStatistics. (TR-181), built into dmd. The ACS creates sample sets and their
 * parameters with AddObject and SetParameterValues; dmd stores those settings like its other
 * values (dmd.store). This part samples: every SampleInterval, aligned to TimeReference, it
 * reads each set's referenced parameters (of any owner, through dmd's reading path, without
 * blocking the loop), keeps the last ReportSamples samples per parameter, signals
 * SampleSet.{i}.Status (Enabled -> Trigger -> Enabled) when FetchSamples intervals have
 * completed and Parameter.{i}.Failures when a threshold is crossed, and keeps the samples
 * in STATE_DIR/PERIODIC_STATS_STORE_FILE across restarts.
 */
#define PERIODIC_STATS_PREFIX       "Device.PeriodicStatistics."
#define PERIODIC_STATS_STORE_FILE   "dmd-periodic-stats.store"
#define PERIODIC_STATS_MIN_INTERVAL 1u    /* seconds: MinSampleInterval */
#define PERIODIC_STATS_MAX_SAMPLES  1024u /* MaxReportSamples (the schema's ReportSamples range) */

int periodic_stats_new(struct manager *m, struct periodic_stats **ret);
void periodic_stats_free(struct periodic_stats *ps);

/* The live values under PERIODIC_STATS_PREFIX; ps may be NULL (before start: defaults). */
int periodic_stats_get(struct manager *m, struct periodic_stats *ps, const char *name,
                       char **value);

/* dmd signalled these values (a transaction committed settings, ForceSample ...). */
void periodic_stats_note(struct periodic_stats *ps, const struct changed_value *values, size_t n);
