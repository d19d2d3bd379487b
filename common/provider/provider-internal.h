/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>

#include "cwmp/provider.h"
#include "fault.h"
#include "kvmap.h"
#include "schema.h"
#include "util.h"

/* The library's ABI is the public header alone; everything else stays hidden. */
#define CWMP_EXPORT __attribute__((visibility("default")))

#define DATAMODEL_BUS_NAME  "io.cwmp.DataModel"
#define DATAMODEL_PATH      "/io/cwmp/DataModel"
#define DATAMODEL_INTERFACE "io.cwmp.DataModel1"
#define PROVIDER_INTERFACE  "io.cwmp.Provider1"

/* The state file's reserved key: the id of the last transaction applied. Parameter and
 * instance keys start with a name, never with ".". */
#define STATE_KEY_TRANSACTION ".transaction"

struct cwmp_provider {
        unsigned n_ref; /* the owner's, plus one per call in flight */
        bool freed;     /* cwmp_provider_free() ran: late replies are ignored */
        bool started;
        bool object_registered;
        bool filter_added;
        sd_event *event;
        DBusConnection *bus;
        char *object_path;
        struct schema *schema;
        struct strv subtrees;
        char *state_file;    /* NULL: state lives in memory only */
        struct kvmap *state; /* parameter values, instance markers, STATE_KEY_TRANSACTION */
        const struct cwmp_provider_ops *ops;
        void *userdata;
        sd_event_source *retry_source; /* registration retry after a timeout */
};

cwmp_provider *provider_ref(cwmp_provider *p);
void provider_unref(cwmp_provider *p);

/* provider-model.c: what the schema and the state say about paths. */

/* The schema node of a full parameter name this provider owns whose instances exist.
 * -ENOENT otherwise. */
int provider_find_parameter(cwmp_provider *p, const char *name, const struct schema_node **ret);
/* Whether `path` is at or below one of the registered subtrees. */
bool provider_owns(cwmp_provider *p, const char *path);
/* Instance numbers of a table ("Device.X.Item."): from ops->list_instances, or the stored
 * markers when the callback does not know the table (*user_table false then). Sorted. */
int provider_table_instances(cwmp_provider *p, const char *table, uint32_t **ret, size_t *ret_n,
                             bool *user_table);
/* Does every instance along `path` exist ("Device.X.Item.3.Name" needs Item 3)? */
int provider_instances_exist(cwmp_provider *p, const struct dmpath *path);
/* Every instance of every table under the subtrees, parents before children. */
int provider_collect_instances(cwmp_provider *p, struct strv *ret);
/* The value a never-set parameter reads: its schema default or its type's zero. */
/* The current value of a parameter, newly allocated ("" for hidden ones). */
int provider_read_value(cwmp_provider *p, const char *name, char **ret);
/* Checks one new value (existence, writability, facets, ops->validate). A refusal is
 * added to f as a parameter fault and returns 0; only internal failures return < 0. */
int provider_check_value(cwmp_provider *p, const char *name, const char *value, struct fault *f);
/* Sets the defaults of a new instance's parameters into m (tables below start empty). */
int provider_fill_defaults(cwmp_provider *p, const struct schema_node *node, const char *instance,
                           uint32_t number, struct kvmap *m);

/* provider-state.c: the state file. */
int provider_state_load(cwmp_provider *p);
/* Was `transaction` the last one applied? ("" never is.) */
bool provider_state_seen(cwmp_provider *p, const char *transaction);
/* A copy of the state to modify; provider_state_commit() then writes it with the
 * transaction id in one atomic step and makes it current (and frees it on failure). */
int provider_state_begin(cwmp_provider *p, struct kvmap **ret);
int provider_state_commit(cwmp_provider *p, struct kvmap *next, const char *transaction);

/* provider-methods.c: io.cwmp.Provider1. */
DBusHandlerResult provider_handle_message(DBusConnection *c, DBusMessage *m, void *userdata);
