/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "path.h"
#include "types.h"

/*
 * The declarative schema of the supported data model, in the project's own line format
 * (docs/schema-format.md). One line per object or parameter:
 *
 *     Device.DeviceInfo.                    object       ro
 *     Device.DeviceInfo.Manufacturer        string       ro  size=0..64  live
 *     Device.DeviceInfo.ProvisioningCode    string       rw  size=0..64  forcedInform
 *     Device.DeviceInfo.UpTime              unsignedInt  ro  live  activeNotify=canDeny
 *     Device.X.Item.{i}.                    object       rw  maxEntries=16
 *     Device.X.Item.{i}.Mode                string       rw  enum=Auto|Manual  default=Auto
 *     Device.X.Item.{i}.Ports   list<unsignedInt>  rw  range=1..65535  items=0..8
 *
 * An object's parent must be declared before it, a parameter's object too. Errors name
 * the file and line. dmd loads every *.schema file of its schema directories; a provider
 * may load its own fragment to know its defaults.
 */

enum schema_access {
        SCHEMA_READ_ONLY,
        SCHEMA_READ_WRITE, /* parameters: settable; multi-instance objects: Add/DeleteObject */
};

enum schema_storage {
        SCHEMA_PERSIST, /* the owner stores the value (default for readWrite parameters) */
        SCHEMA_LIVE,    /* the owner computes it (default for readOnly parameters) */
};

/* TR-181's activeNotify: whether the CPE may refuse active notification (9009). */
enum schema_notify_rule {
        SCHEMA_NOTIFY_NORMAL,
        SCHEMA_NOTIFY_CAN_DENY,
        SCHEMA_NOTIFY_FORCE_ENABLED,         /* always active */
        SCHEMA_NOTIFY_FORCE_DEFAULT_ENABLED, /* active by default */
};

struct schema_node {
        char *path;       /* template: "Device.X.Item.{i}.Mode" or object "Device.X.Item.{i}." */
        const char *name; /* last segment inside path ("Mode", "Item", "{i}" never) */
        bool is_object;
        bool multi_instance; /* object whose path ends in ".{i}." */
        enum schema_access access;
        /* parameters */
        struct cw_facets facets;
        char *default_value; /* NULL: "" (or the type's zero) */
        enum schema_storage storage;
        enum schema_notify_rule notify_rule;
        bool forced_inform;
        bool hidden; /* read back as "" (passwords) */
        /* multi-instance objects */
        uint32_t max_entries; /* 0 = unbounded */
        /* tree, in declaration order */
        struct schema_node *parent; /* NULL for the root object ("Device.") */
        struct schema_node *first_child, *last_child, *next_sibling;
        /* where it was declared */
        const char *file;
        unsigned line;
};

struct schema;

struct schema_error {
        char *file;
        unsigned line;
        char *message;
};
void schema_error_done(struct schema_error *e);

int schema_new(struct schema **ret);
void schema_free(struct schema *s);

/* Adds the lines of one buffer (named `file` in errors). On error, nothing of this buffer
 * is kept and *err says where and why (-EINVAL, or -ENOMEM). */
int schema_parse_buffer(struct schema *s, const char *file, const char *data, size_t len,
                        struct schema_error *err);
int schema_load_file(struct schema *s, const char *path, struct schema_error *err);
/* Every *.schema in dir, in name order. A missing directory is -ENOENT. */
int schema_load_dir(struct schema *s, const char *dir, struct schema_error *err);

/* Every *.schema of each directory, the directories in the order given. */
int schema_load_dirs(struct schema *s, char *const *dirs, size_t n, struct schema_error *err);

/* The value a parameter reads as before anyone set it: its default, else the zero of its
 * type ("0", "false", the unknown time, ""). */
const char *schema_default_value(const struct schema_node *node);

/* The root object ("Device."), or NULL when the schema is empty. */
const struct schema_node *schema_root(const struct schema *s);
size_t schema_n_objects(const struct schema *s);
size_t schema_n_parameters(const struct schema *s);

/* By template path ("Device.X.Item.{i}.Mode", objects end in "."). NULL if absent. */
const struct schema_node *schema_find(const struct schema *s, const char *template_path);
/* By a parsed instance path: instance and alias segments match "{i}". NULL if absent. */
const struct schema_node *schema_lookup(const struct schema *s, const struct dmpath *p);
