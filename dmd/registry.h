/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

struct manager;

/*
 * The namespace registry: which owner serves which subtree, as RDK's Component Registry
 * does. A lookup takes the longest registered subtree that contains the path; dmd's own
 * store owns whatever nobody else registered (the subtree "").
 */

enum owner_kind {
        OWNER_LOCAL,  /* inside dmd: persisted values in dmd's store, live ones computed */
        OWNER_REMOTE, /* a provider daemon serving io.cwmp.Provider1 */
};

struct owner {
        enum owner_kind kind;
        char *subtree; /* "Device.X." ("" for dmd's root owner) */
        /* remote */
        char *bus_name; /* unique name of the provider while online */
        char *object_path;
        bool online;
        /* local: live values and live tables; NULL when there are none */
        int (*live_get)(struct manager *m, const char *name, char **value);
        int (*live_instances)(struct manager *m, const char *object, struct strv *instances);
};

struct registry {
        struct owner **owners;
        size_t n;
};

void registry_done(struct registry *r);
int registry_add_local(struct registry *r, const char *subtree,
                       int (*live_get)(struct manager *, const char *, char **),
                       int (*live_instances)(struct manager *, const char *, struct strv *));
/* The owner of a concrete path (parameter or object). Never NULL once the root is added. */
struct owner *registry_lookup(const struct registry *r, const char *path);
/* Owners whose subtree lies strictly below `path` (a partial path), in registration order. */
size_t registry_below(const struct registry *r, const char *path, struct owner **out, size_t max);

/* dmd's built-in owners (the root, Device.DeviceInfo. ...) hand any object strictly below
 * their subtree to a provider that registers it (Device.DeviceInfo.FirmwareImage.). */
bool registry_local_yields(const struct owner *o, const char *subtree);

/*
 * Registers a remote provider's subtree. Refused with -EEXIST (and *conflict set) when it
 * overlaps another owner's subtree, unless that owner is the same subtree left offline or
 * already held by the same bus name. Returns 1 if it took over an offline entry, 0 if new.
 */
int registry_register(struct registry *r, const char *subtree, const char *bus_name,
                      const char *object_path, const struct owner **conflict);
/* Takes a subtree offline for good (until registered again). -EACCES if not the owner. */
int registry_unregister(struct registry *r, const char *subtree, const char *bus_name);
/* Marks every subtree of a bus name that left the bus offline. Returns how many. */
size_t registry_owner_vanished(struct registry *r, const char *bus_name);
