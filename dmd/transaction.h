/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>

struct manager;
struct owner;

/*
 * SetParameterValues, AddObject and DeleteObject are transactions: all or nothing across
 * owners, one at a time, and they survive SIGKILL of any daemon.
 *
 * Validation asks every owner and holds nothing. Before the first provider commits, dmd
 * writes an intent record (dmd.intent: id, new and old values, the new ParameterKey, who owns
 * what) atomically. Commits carry the id and are idempotent. When all owners applied, dmd
 * writes its own values and the ParameterKey in one atomic step and removes the intent.
 * A provider that refuses at commit time makes dmd restore the old values on the others
 * (the "undo" phase, also recorded). A provider that vanishes is waited for and asked again
 * when it is back. dmd finding an intent at start rolls it forward (or finishes the undo)
 * before it runs any new transaction.
 */

void transaction_queue_free(struct manager *m);
/* Loads an interrupted transaction, if any, to be resumed as owners come. */
int transaction_recover(struct manager *m);
/* An owner registered (again): resume the transaction waiting for it. */
void transaction_owner_online(struct manager *m, struct owner *o);
void transaction_resume(struct manager *m);
