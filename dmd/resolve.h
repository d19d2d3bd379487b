/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "kvmap.h"
#include "path.h"
#include "request.h"
#include "schema.h"
#include "values.h"

/*
 * Turning the paths a client sent into concrete places in the model: parse them, learn the
 * instances of the tables involved from their owners (one GetInstances per provider),
 * replace aliases ("[wan]") by instance numbers, check that every instance named exists,
 * and walk partial paths in model order.
 */

enum target_kind {
        TARGET_ROOT,   /* "" */
        TARGET_OBJECT, /* "Device.X." or an instance "Device.X.Item.3." */
        TARGET_TABLE,  /* "Device.X.Item." */
        TARGET_PARAM,  /* "Device.X.Name" */
};

struct target {
        char *input;
        char *path; /* with aliases resolved; set once resolution is done */
        enum target_kind kind;
        const struct schema_node *node; /* ROOT: NULL; TABLE: the "{i}." object node */
        struct dmpath parsed;
        uint32_t fault; /* 0, or why this target cannot be served */
        char *fault_message;
};

/* Instances learnt from the owners: table path ("Device.X.Item.") -> sorted numbers. */
struct snapshot {
        struct kvmap *tables; /* table path -> index into vecs, as decimal text */
        struct instance_vec {
                uint32_t *v;
                size_t n, allocated;
        } * vecs;
        size_t n_vecs;
};

const uint32_t *snapshot_instances(const struct snapshot *s, const char *table, size_t *n);
bool snapshot_has(const struct snapshot *s, const char *table, uint32_t instance);

struct resolution {
        struct target *targets;
        size_t n_targets;
        struct snapshot snap;
        struct owner **offline; /* providers that were needed but are not running */
        size_t n_offline;
        struct value_item *alias_items; /* Alias values being read */
        size_t n_alias_items;
        request_stage_fn done;
};

/* The base of every operation: the request and its resolution. */
struct op {
        struct request req;
        struct resolution res;
};

void resolution_done(struct resolution *res);

/*
 * Resolves `names` (parsed with `flags`, see path.h) and then runs `done`. Targets that
 * cannot be served carry their own fault (9005 unknown, 9002 provider not running); a
 * failure of the whole request lands in the request's fault.
 */
int resolve_start(struct op *op, const char *const *names, size_t n, unsigned flags,
                  request_stage_fn done);

/* Called for each object (is_object) and parameter under a target, in model order.
 * Objects are passed with their path ending in "."; `writable` is the GetParameterNames
 * flag (AddObject on a table, DeleteObject on an instance, SetParameterValues on a
 * parameter). A negative return stops the walk. */
typedef int (*walk_fn)(void *userdata, const char *path, const struct schema_node *node,
                       bool is_object, bool writable, struct owner *owner);

/* Walks a resolved target: its parameters, and objects too when with_objects; only the
 * level below it when next_level (TR-069 GetParameterNames semantics). */
int resolve_walk(struct manager *m, const struct snapshot *snap, const struct target *t,
                 bool with_objects, bool next_level, walk_fn fn, void *userdata);
