/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "request.h"
#include "schema.h"

/* One parameter whose value is wanted, with where it lives. */
struct value_item {
        char *name;
        const struct schema_node *node;
        struct owner *owner;
        char *value;   /* filled by values_fetch */
        bool optional; /* found by walking a partial path: an instance of a live table that
                        * vanished meanwhile is left out (value stays NULL), not an error */
};

void value_items_free(struct value_item *items, size_t n);

/* Sets up item to read the parameter `name` (copied): its schema node and its owner.
 * -EINVAL when name is no parameter path, -ENOENT when the model has no such parameter. */
int value_item_init(struct manager *m, const char *name, struct value_item *item);

/*
 * Reads the values of items: local owners at once, each provider with one Get call. The
 * array must stay in place until the request's next stage runs. Failures land in r->fault.
 */
int values_fetch(struct request *r, struct value_item *items, size_t n);

/* The value of a parameter a local owner serves (persisted in dmd's store or live). */
int values_get_local(struct manager *m, struct owner *o, const struct schema_node *node,
                     const char *name, char **value);
