/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>

struct manager;

/* Exports /io/cwmp/DataModel (io.cwmp.DataModel1, Properties, Introspectable, Peer) and
 * watches providers leaving the bus. */
int bus_api_register(struct manager *m);

struct changed_value {
        const char *name;
        const char *type;
        const char *value;
};
/* Emits io.cwmp.DataModel1.ValueChanged. */
int bus_api_emit_value_changed(struct manager *m, const struct changed_value *values, size_t n,
                               const char *origin);
/* Emits org.freedesktop.DBus.Properties.PropertiesChanged for one string property. */
int bus_api_emit_property_changed(struct manager *m, const char *name, const char *value);
