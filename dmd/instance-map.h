/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "kvmap.h"

/*
 * Stable instance numbers for a live table whose rows have a natural key (a DNS server's
 * address, a sensor's sysfs path): a key keeps its number as long as it is known, a new key
 * takes the next number of a counter that never goes back, so a number is never given to
 * another row. With a file, the numbering is saved (atomically, only when it changed) and
 * survives restarts.
 */
struct instance_map {
        char *path;        /* NULL: in memory only */
        struct kvmap *map; /* "k:KEY" -> number, "next" -> counter */
        uint32_t next;
        bool dirty;
};

/* Loads `path` if it exists; a damaged file is replaced at the next save. */
int instance_map_init(struct instance_map *im, const char *path);
void instance_map_done(struct instance_map *im);
/* The number of `key`, assigning the next one to a new key. 0 only on allocation failure
 * or when the counter ran out. */
uint32_t instance_map_get(struct instance_map *im, const char *key);
/* Saves the numbering if it changed. */
int instance_map_save(struct instance_map *im);
