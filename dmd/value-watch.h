/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>

struct changed_value;
struct manager;
struct value_watch;

/*
 * Value changes that nobody writes through dmd: live values of dmd's built-in providers
 * (the kernel's interfaces, addresses, routes, the process table ...) and of remote
 * providers. The watcher keeps the last value of every parameter whose Notification
 * attribute is 1 or 2, re-reads them at a configurable sampling period, and emits
 * ValueChanged (origin "") for those that differ. The last values are kept on disk, so a
 * change that happened while dmd was down is still reported.
 */
int value_watch_new(struct manager *m, struct value_watch **ret);
void value_watch_free(struct value_watch *w);

/* Something under `prefix` (a partial path, "Device.IP.Interface.") changed now, e.g. a
 * netlink event: re-read the watched parameters there soon instead of at the next sample. */
void value_watch_poke(struct value_watch *w, const char *prefix);

/* dmd itself signalled these values (a transaction, a provider's NotifyValueChanges): they
 * are the last known ones now, so the watcher does not report them a second time. */
void value_watch_note(struct value_watch *w, const struct changed_value *values, size_t n);
