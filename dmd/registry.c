/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "path.h"
#include "registry.h"

static void owner_free(struct owner *o)
{
        if (!o)
                return;
        free(o->subtree);
        free(o->bus_name);
        free(o->object_path);
        free(o);
}

void registry_done(struct registry *r)
{
        for (size_t i = 0; i < r->n; i++)
                owner_free(r->owners[i]);
        free(r->owners);
        r->owners = NULL;
        r->n = 0;
}

static int registry_append(struct registry *r, struct owner *o)
{
        struct owner **n = realloc(r->owners, (r->n + 1) * sizeof(*n));
        if (!n)
                return -ENOMEM;
        r->owners = n;
        r->owners[r->n++] = o;
        return 0;
}

int registry_add_local(struct registry *r, const char *subtree,
                       int (*live_get)(struct manager *, const char *, char **),
                       int (*live_instances)(struct manager *, const char *, struct strv *))
{
        struct owner *o = calloc(1, sizeof(*o));
        if (!o)
                return -ENOMEM;
        o->kind = OWNER_LOCAL;
        o->online = true;
        o->live_get = live_get;
        o->live_instances = live_instances;
        o->subtree = strdup(subtree);
        if (!o->subtree || registry_append(r, o) < 0) {
                owner_free(o);
                return -ENOMEM;
        }
        return 0;
}

struct owner *registry_lookup(const struct registry *r, const char *path)
{
        struct owner *best = NULL;
        size_t best_len = 0;

        for (size_t i = 0; i < r->n; i++) {
                struct owner *o = r->owners[i];
                size_t len = strlen(o->subtree);
                if ((!best || len > best_len) && dmpath_is_under(path, o->subtree)) {
                        best = o;
                        best_len = len;
                }
        }
        return best;
}

size_t registry_below(const struct registry *r, const char *path, struct owner **out, size_t max)
{
        size_t n = 0;

        for (size_t i = 0; i < r->n && n < max; i++) {
                struct owner *o = r->owners[i];
                if (!streq(o->subtree, path) && dmpath_is_under(o->subtree, path))
                        out[n++] = o;
        }
        return n;
}

bool registry_local_yields(const struct owner *o, const char *subtree)
{
        return o->kind == OWNER_LOCAL && !streq(o->subtree, subtree) &&
               dmpath_is_under(subtree, o->subtree);
}

static bool overlaps(const char *a, const char *b)
{
        return dmpath_is_under(a, b) || dmpath_is_under(b, a);
}

int registry_register(struct registry *r, const char *subtree, const char *bus_name,
                      const char *object_path, const struct owner **conflict)
{
        struct owner *same = NULL;

        for (size_t i = 0; i < r->n; i++) {
                struct owner *o = r->owners[i];
                if (registry_local_yields(o, subtree))
                        continue;
                if (!overlaps(o->subtree, subtree))
                        continue;
                if (o->kind == OWNER_REMOTE && streq(o->subtree, subtree) &&
                    (!o->online || streq_ptr(o->bus_name, bus_name))) {
                        same = o;
                        continue;
                }
                if (conflict)
                        *conflict = o;
                return -EEXIST;
        }

        if (same) {
                char *name = strdup(bus_name), *obj = strdup(object_path);
                if (!name || !obj) {
                        free(name);
                        free(obj);
                        return -ENOMEM;
                }
                free(same->bus_name);
                free(same->object_path);
                same->bus_name = name;
                same->object_path = obj;
                same->online = true;
                return 1;
        }

        struct owner *o = calloc(1, sizeof(*o));
        if (!o)
                return -ENOMEM;
        o->kind = OWNER_REMOTE;
        o->online = true;
        o->subtree = strdup(subtree);
        o->bus_name = strdup(bus_name);
        o->object_path = strdup(object_path);
        if (!o->subtree || !o->bus_name || !o->object_path || registry_append(r, o) < 0) {
                owner_free(o);
                return -ENOMEM;
        }
        return 0;
}

int registry_unregister(struct registry *r, const char *subtree, const char *bus_name)
{
        /* Entries are never freed while dmd runs (requests in flight point to them): an
         * unregistered subtree stays known, offline, until someone registers it again. */
        for (size_t i = 0; i < r->n; i++) {
                struct owner *o = r->owners[i];
                if (o->kind != OWNER_REMOTE || !streq(o->subtree, subtree))
                        continue;
                if (!o->online || !streq_ptr(o->bus_name, bus_name))
                        return -EACCES;
                o->online = false;
                return 0;
        }
        return -ENOENT;
}

size_t registry_owner_vanished(struct registry *r, const char *bus_name)
{
        size_t n = 0;

        for (size_t i = 0; i < r->n; i++) {
                struct owner *o = r->owners[i];
                if (o->kind == OWNER_REMOTE && o->online && streq_ptr(o->bus_name, bus_name)) {
                        o->online = false;
                        n++;
                }
        }
        return n;
}
