/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * libcwmp-provider: own a subtree of the CWMP data model from any daemon.
 *
 * The library serves io.cwmp.Provider1 on your D-Bus connection, registers your subtrees
 * with dmd (io.cwmp.DataModel) and registers them again whenever dmd restarts. It loads
 * your schema fragment, so it knows your parameters' types and defaults.
 *
 * Parameters marked "persist" in the schema, and the instances of your multi-instance
 * objects, are kept by the library in its own crash-safe state file: Commit writes the new
 * values together with the transaction id in one atomic step, so a repeated Commit after a
 * crash is answered without applying twice. Parameters marked "live" are read through your
 * `get` callback; tables you fill yourself (a process list) through `list_instances`.
 *
 * A minimal provider:
 *
 *     static const struct cwmp_provider_ops ops = { .get = my_get };
 *     r = cwmp_provider_new(event, bus, "/com/example/Thing", &p);
 *     r = cwmp_provider_load_schema(p, "/usr/share/cwmp/schema/thing.schema");
 *     r = cwmp_provider_add_subtree(p, "Device.Thing.");
 *     r = cwmp_provider_set_state_file(p, "/var/lib/thing/provider.state");
 *     cwmp_provider_set_ops(p, &ops, my_context);
 *     r = cwmp_provider_start(p);
 *
 * All functions return 0 or a negative errno. Callbacks return 0 or a negative errno that
 * becomes a CWMP fault (-ENOENT 9005, -EINVAL 9007, -EROFS 9008, -EACCES 9001, others 9002).
 */

#include <dbus/dbus.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cwmp_provider cwmp_provider;

struct cwmp_value {
        const char *name;
        const char *value;
};

struct cwmp_provider_ops {
        /* Value of a "live" parameter (full name). Set *value to a malloc'd string. */
        int (*get)(cwmp_provider *p, const char *name, char **value, void *userdata);
        /* Instance numbers of a table that you fill yourself: `table` is the table's path
         * with parent instances resolved ("Device.Thing.Proc."). Set *instances to a
         * malloc'd array. Tables not answered here (-ENOENT) are kept by the library. */
        int (*list_instances)(cwmp_provider *p, const char *table, uint32_t **instances, size_t *n,
                              void *userdata);
        /* Checks a new value beyond its type and facets (dmd checked those). */
        int (*validate)(cwmp_provider *p, const char *name, const char *value, void *userdata);
        /* Applies values that are about to be committed (hardware, files, services). An
         * error refuses the commit: nothing is stored and dmd restores the other owners. */
        int (*apply)(cwmp_provider *p, const struct cwmp_value *values, size_t n, void *userdata);
        /* Called after instances were added or deleted ("Device.Thing.Item.3."). */
        void (*instance_added)(cwmp_provider *p, const char *object, void *userdata);
        void (*instance_deleted)(cwmp_provider *p, const char *object, void *userdata);
};

int cwmp_provider_new(sd_event *event, DBusConnection *bus, const char *object_path,
                      cwmp_provider **ret);
void cwmp_provider_free(cwmp_provider *p);

int cwmp_provider_load_schema(cwmp_provider *p, const char *schema_file);
int cwmp_provider_add_subtree(cwmp_provider *p, const char *subtree);
int cwmp_provider_set_state_file(cwmp_provider *p, const char *path);
void cwmp_provider_set_ops(cwmp_provider *p, const struct cwmp_provider_ops *ops, void *userdata);

/* Exports the object and registers with dmd (now if it is on the bus, else when it comes). */
int cwmp_provider_start(cwmp_provider *p);

/* Reads a stored value ("persist" parameters) or NULL. */
const char *cwmp_provider_get_stored(cwmp_provider *p, const char *name);
/* Instance numbers of a table the library keeps ("Device.Thing.Item." with parent
 * instances resolved), sorted; *instances is malloc'd (NULL when there are none). */
int cwmp_provider_get_instances(cwmp_provider *p, const char *table, uint32_t **instances,
                                size_t *n);
/* Reports values that changed on their own to dmd (which signals ValueChanged). */
int cwmp_provider_notify_changes(cwmp_provider *p, const struct cwmp_value *values, size_t n);

#ifdef __cplusplus
}
#endif
