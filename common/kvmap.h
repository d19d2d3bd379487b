/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/*
 * A string -> string hash map (open addressing) that owns its keys and values.
 * Used for values, attributes and stored records; iteration order is unspecified, so
 * writers that need a stable order sort the keys (kvmap_sorted_keys).
 */
struct kvmap;

struct kvmap *kvmap_new(void);
void kvmap_free(struct kvmap *m);
static inline void kvmap_freep(struct kvmap **m)
{
        kvmap_free(*m);
}
#define _cleanup_kvmap_ __attribute__((cleanup(kvmap_freep)))

size_t kvmap_size(const struct kvmap *m);
const char *kvmap_get(const struct kvmap *m, const char *key);      /* NULL if absent */
int kvmap_set(struct kvmap *m, const char *key, const char *value); /* copies both */
int kvmap_remove(struct kvmap *m, const char *key);                 /* -ENOENT if absent */
void kvmap_clear(struct kvmap *m);
int kvmap_copy(const struct kvmap *from, struct kvmap *to); /* adds / replaces into `to` */

/* Iteration: `i` starts at 0; returns false at the end. Do not modify the map meanwhile. */
bool kvmap_next(const struct kvmap *m, size_t *i, const char **key, const char **value);
#define kvmap_foreach(m, i, k, v) for (size_t i = 0; kvmap_next((m), &i, &(k), &(v));)

/* Keys in strcmp order, as a newly allocated array of pointers into the map (free() it). */
int kvmap_sorted_keys(const struct kvmap *m, const char ***ret, size_t *ret_n);
