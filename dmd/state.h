/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "kvmap.h"

/*
 * What dmd itself persists, in one record file (dmd.store) rewritten atomically:
 *   "v:NAME"   value of a persisted parameter dmd owns
 *   "a:NAME"   attributes of any parameter: "N" or "N;Subscriber,..."
 *   "i:PATH."  an instance of a table dmd owns
 *   "n:TABLE." the next instance number of a table (never goes down)
 *   ".key"     the ParameterKey
 * Changes are made on a copy-free kvmap and saved with state_save() as one atomic step.
 */

struct state {
        char *path;
        struct kvmap *map;
};

int state_open(struct state *s, const char *dir);
void state_done(struct state *s);
int state_save(struct state *s);
/* Forgets unsaved changes: reads the file again. */
int state_reload(struct state *s);

const char *state_get_value(const struct state *s, const char *name);
int state_set_value(struct state *s, const char *name, const char *value);

const char *state_parameter_key(const struct state *s);
int state_set_parameter_key(struct state *s, const char *key);

/* Attributes; a missing record means the defaults. */
int state_get_attributes(const struct state *s, const char *name, bool *present,
                         uint32_t *notification, char **access_list);
int state_set_attributes(struct state *s, const char *name, uint32_t notification,
                         const char *access_list);

bool state_has_instance(const struct state *s, const char *instance_path);
int state_add_instance(struct state *s, const char *instance_path);
/* Removes an instance with every value, attribute and instance below it. */
int state_delete_instance(struct state *s, const char *instance_path);
/* Appends dmd-owned instance paths at or below `object`. */
struct strv;
int state_list_instances(const struct state *s, const char *object, struct strv *out);

/* The next instance number for `table` ("Device.X.Item."), at least `floor`; the counter is
 * advanced in memory (saved with the next state_save). */
uint32_t state_next_instance(struct state *s, const char *table, uint32_t floor);
