/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>

/*
 * The Vendor Log File: the most recent lines of the agent's own logs, at most `max_bytes`:
 * the journal of the listed systemd units (space-separated, "cwmpd.service dmd.service"),
 * then the tail of each listed file. Reading is bounded by max_bytes, so it runs on the
 * loop without a worker.
 */
int vendor_log_collect(const char *units, const char *files, size_t max_bytes, char **ret,
                       size_t *ret_len);
