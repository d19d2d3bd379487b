/* SPDX-License-Identifier: MIT */
#pragma once

struct manager;

/*
 * The hand-offs the ACS already has (TransferComplete, AutonomousTransferComplete), kept by
 * key in cwmpd.store so that a producer retrying late is not news: the last
 * HANDOFF_DONE_KEEP of each kind, numbered in the order they were delivered.
 */

#define HANDOFF_DONE_KEEP 64

/* Records prefix + suffix as delivered; beyond HANDOFF_DONE_KEEP keys under prefix, the
 * oldest is forgotten. Not saved: the caller saves with its other changes. */
int handoff_done_remember(struct manager *m, const char *prefix, const char *suffix);
