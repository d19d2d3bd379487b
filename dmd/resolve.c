/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "manager.h"
#include "resolve.h"
#include "types.h"

/* ---- snapshot ---------------------------------------------------------------------- */

static int snapshot_add(struct snapshot *s, const char *instance_path)
{
        /* "Device.X.Item.3." -> table "Device.X.Item.", instance 3 */
        size_t len = strlen(instance_path);
        uint32_t n;

        if (len < 4 || instance_path[len - 1] != '.')
                return -EINVAL;
        size_t end = len - 1, start = end;
        while (start > 0 && instance_path[start - 1] != '.')
                start--;
        if (start == 0)
                return -EINVAL;
        _cleanup_free_ char *num = strndup(instance_path + start, end - start);
        _cleanup_free_ char *table = strndup(instance_path, start);
        if (!num || !table)
                return -ENOMEM;
        if (cw_parse_uint32(num, &n) < 0 || n == 0)
                return -EINVAL;

        if (!s->tables) {
                s->tables = kvmap_new();
                if (!s->tables)
                        return -ENOMEM;
        }
        const char *idx = kvmap_get(s->tables, table);
        struct instance_vec *vec;
        if (idx) {
                vec = &s->vecs[strtoul(idx, NULL, 10)];
        } else {
                char buf[24];
                struct instance_vec *nv = realloc(s->vecs, (s->n_vecs + 1) * sizeof(*nv));
                if (!nv)
                        return -ENOMEM;
                s->vecs = nv;
                snprintf(buf, sizeof(buf), "%zu", s->n_vecs);
                if (kvmap_set(s->tables, table, buf) < 0)
                        return -ENOMEM;
                vec = &s->vecs[s->n_vecs++];
                *vec = (struct instance_vec){};
        }
        for (size_t i = 0; i < vec->n; i++)
                if (vec->v[i] == n)
                        return 0;
        if (vec->n == vec->allocated) {
                size_t na = vec->allocated ? vec->allocated * 2 : 8;
                uint32_t *nv = realloc(vec->v, na * sizeof(*nv));
                if (!nv)
                        return -ENOMEM;
                vec->v = nv;
                vec->allocated = na;
        }
        /* keep sorted: providers usually answer in order, so this rarely moves anything */
        size_t pos = vec->n;
        while (pos > 0 && vec->v[pos - 1] > n) {
                vec->v[pos] = vec->v[pos - 1];
                pos--;
        }
        vec->v[pos] = n;
        vec->n++;
        return 0;
}

const uint32_t *snapshot_instances(const struct snapshot *s, const char *table, size_t *n)
{
        const char *idx = s->tables ? kvmap_get(s->tables, table) : NULL;
        if (!idx) {
                *n = 0;
                return NULL;
        }
        struct instance_vec *vec = &s->vecs[strtoul(idx, NULL, 10)];
        *n = vec->n;
        return vec->v;
}

bool snapshot_has(const struct snapshot *s, const char *table, uint32_t instance)
{
        size_t n;
        const uint32_t *v = snapshot_instances(s, table, &n);
        size_t lo = 0, hi = n;
        while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (v[mid] == instance)
                        return true;
                if (v[mid] < instance)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return false;
}

static void snapshot_done(struct snapshot *s)
{
        for (size_t i = 0; i < s->n_vecs; i++)
                free(s->vecs[i].v);
        free(s->vecs);
        kvmap_free(s->tables);
        *s = (struct snapshot){};
}

void resolution_done(struct resolution *res)
{
        for (size_t i = 0; i < res->n_targets; i++) {
                struct target *t = &res->targets[i];
                free(t->input);
                free(t->path);
                free(t->fault_message);
                dmpath_done(&t->parsed);
        }
        free(res->targets);
        snapshot_done(&res->snap);
        free(res->offline);
        value_items_free(res->alias_items, res->n_alias_items);
        *res = (struct resolution){};
}

/* ---- parsing ----------------------------------------------------------------------- */

static void target_fail(struct target *t, uint32_t code, const char *format, ...)
        __attribute__((format(printf, 3, 4)));
static void target_fail(struct target *t, uint32_t code, const char *format, ...)
{
        va_list ap;
        if (t->fault)
                return;
        t->fault = code;
        va_start(ap, format);
        if (vasprintf(&t->fault_message, format, ap) < 0)
                t->fault_message = NULL;
        va_end(ap);
}

static void target_parse(struct manager *m, struct target *t, unsigned flags)
{
        struct dmpath_error err = {};
        _cleanup_free_ char *tmpl = NULL;
        int r;

        r = dmpath_parse(t->input, flags, &t->parsed, &err);
        if (r < 0) {
                if (r == -ENAMETOOLONG)
                        target_fail(t, CWMP_FAULT_INVALID_PARAMETER_NAME,
                                    "%s: longer than %d characters", t->input, DMPATH_MAX_LEN);
                else if (r == -EINVAL && !dmpath_is_partial(t->input) &&
                         (flags & DMPATH_REQUIRE_PARTIAL))
                        target_fail(t, CWMP_FAULT_INVALID_PARAMETER_NAME,
                                    "%s: an object path must end in \".\"", t->input);
                else
                        target_fail(t, CWMP_FAULT_INVALID_PARAMETER_NAME,
                                    "%s: malformed path: %s at offset %zu", t->input,
                                    err.reason ? err.reason : "invalid", err.offset);
                return;
        }
        if (t->parsed.n_segs == 0) {
                t->kind = TARGET_ROOT;
                return;
        }
        if (dmpath_template(&t->parsed, &tmpl) < 0) {
                target_fail(t, CWMP_FAULT_RESOURCES_EXCEEDED, "Out of memory");
                return;
        }
        t->node = schema_find(m->schema, tmpl);
        if (t->parsed.partial) {
                if (t->node && t->node->is_object) {
                        t->kind = TARGET_OBJECT;
                        return;
                }
                _cleanup_free_ char *table = NULL;
                if (asprintf(&table, "%s{i}.", tmpl) < 0) {
                        target_fail(t, CWMP_FAULT_RESOURCES_EXCEEDED, "Out of memory");
                        return;
                }
                t->node = schema_find(m->schema, table);
                if (t->node && t->node->multi_instance) {
                        t->kind = TARGET_TABLE;
                        return;
                }
        } else if (t->node && !t->node->is_object) {
                t->kind = TARGET_PARAM;
                return;
        }
        target_fail(t, CWMP_FAULT_INVALID_PARAMETER_NAME, "%s: no such %s in the data model",
                    t->input, t->parsed.partial ? "object" : "parameter");
}

/* The deepest object path of the target that names no instance: where its instances must
 * be learnt from. NULL when the target needs no instances (a parameter outside tables). */
static int target_instance_root(const struct target *t, char **ret)
{
        size_t k;

        *ret = NULL;
        for (k = 0; k < t->parsed.n_segs; k++)
                if (t->parsed.segs[k].kind != DMPATH_SEG_NAME)
                        break;
        if (k == t->parsed.n_segs && t->kind == TARGET_PARAM)
                return 0;
        if (k == t->parsed.n_segs && t->kind != TARGET_PARAM)
                return dmpath_format(&t->parsed, k, true, ret);
        if (k == 0) {
                *ret = strdup("");
                return *ret ? 0 : -ENOMEM;
        }
        return dmpath_format(&t->parsed, k, true, ret);
}

/* ---- learning instances ------------------------------------------------------------ */

/* What to ask each owner: a list of objects per owner. */
struct instance_query {
        struct owner *owner;
        struct strv objects;
};

static int query_add(struct instance_query **qs, size_t *n, struct owner *o, const char *object)
{
        struct instance_query *q = NULL;

        for (size_t i = 0; i < *n; i++)
                if ((*qs)[i].owner == o)
                        q = &(*qs)[i];
        if (!q) {
                struct instance_query *nq = realloc(*qs, (*n + 1) * sizeof(*nq));
                if (!nq)
                        return -ENOMEM;
                *qs = nq;
                q = &nq[(*n)++];
                *q = (struct instance_query){.owner = o};
        }
        for (size_t i = 0; i < q->objects.n; i++)
                if (dmpath_is_under(object, q->objects.v[i]))
                        return 0; /* already covered */
        return strv_push(&q->objects, object);
}

static int note_offline(struct resolution *res, struct owner *o)
{
        for (size_t i = 0; i < res->n_offline; i++)
                if (res->offline[i] == o)
                        return 0;
        struct owner **n = realloc(res->offline, (res->n_offline + 1) * sizeof(*n));
        if (!n)
                return -ENOMEM;
        res->offline = n;
        res->offline[res->n_offline++] = o;
        return 0;
}

static int plan_queries(struct manager *m, struct resolution *res, struct instance_query **qs,
                        size_t *n_qs)
{
        for (size_t i = 0; i < res->n_targets; i++) {
                struct target *t = &res->targets[i];
                _cleanup_free_ char *root = NULL;
                int r;

                if (t->fault)
                        continue;
                r = target_instance_root(t, &root);
                if (r < 0)
                        return r;
                if (!root)
                        continue;
                for (size_t k = 0; k < m->registry.n; k++) {
                        struct owner *o = m->registry.owners[k];
                        const char *object;
                        if (dmpath_is_under(root, o->subtree))
                                object = root;
                        else if (dmpath_is_under(o->subtree, root))
                                object = o->subtree;
                        else
                                continue;
                        if (o->kind == OWNER_REMOTE && !o->online) {
                                r = note_offline(res, o);
                        } else {
                                r = query_add(qs, n_qs, o, object);
                        }
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static int add_instances(struct resolution *res, struct owner *o, const char *const *paths,
                         size_t n)
{
        for (size_t i = 0; i < n; i++) {
                /* An owner only speaks for its own subtree. */
                if (!dmpath_is_under(paths[i], o->subtree))
                        continue;
                int r = snapshot_add(&res->snap, paths[i]);
                if (r < 0 && r != -EINVAL)
                        return r;
        }
        return 0;
}

static void on_instances_reply(struct request *r, struct owner *o, DBusMessage *reply, void *data)
{
        struct op *op = (struct op *)r;
        DBusError error = DBUS_ERROR_INIT;
        char **paths = NULL;
        int n = 0;

        if (dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_ERROR) {
                request_fail_reply(r, o, reply);
                return;
        }
        if (!dbus_message_get_args(reply, &error, DBUS_TYPE_ARRAY, DBUS_TYPE_STRING, &paths, &n,
                                   DBUS_TYPE_INVALID)) {
                request_fail(r, CWMP_FAULT_INTERNAL_ERROR,
                             "%s answered GetInstances with a malformed reply: %s", o->bus_name,
                             error.message);
                dbus_error_free(&error);
                return;
        }
        if (add_instances(&op->res, o, (const char *const *)paths, n) < 0)
                request_fail(r, CWMP_FAULT_RESOURCES_EXCEEDED, "Out of memory");
        dbus_free_string_array(paths);
}

static int query_local(struct manager *m, struct resolution *res, struct instance_query *q)
{
        struct strv out = {};
        int r = 0;

        for (size_t i = 0; r >= 0 && i < q->objects.n; i++) {
                r = state_list_instances(&m->state, q->objects.v[i], &out);
                if (r >= 0 && q->owner->live_instances)
                        r = q->owner->live_instances(m, q->objects.v[i], &out);
        }
        if (r >= 0)
                r = add_instances(res, q->owner, (const char *const *)out.v, out.n);
        strv_done(&out);
        return r;
}

static int query_remote(struct request *r, struct instance_query *q)
{
        _cleanup_dbus_message_ DBusMessage *msg =
                request_new_provider_call(q->owner, "GetInstances");
        if (!msg || !dbus_message_append_args(msg, DBUS_TYPE_ARRAY, DBUS_TYPE_STRING, &q->objects.v,
                                              (int)q->objects.n, DBUS_TYPE_INVALID))
                return -ENOMEM;
        return request_call(r, q->owner, msg, on_instances_reply, NULL);
}

/* ---- aliases ----------------------------------------------------------------------- */

static void resolve_aliases(struct request *r);
static void finish_targets(struct request *r);

static int first_alias(const struct target *t)
{
        for (size_t k = 0; k < t->parsed.n_segs; k++)
                if (t->parsed.segs[k].kind == DMPATH_SEG_ALIAS)
                        return (int)k;
        return -1;
}

static void match_aliases(struct request *r)
{
        struct op *op = (struct op *)r;
        struct resolution *res = &op->res;

        if (request_failed(r))
                goto finish;
        for (size_t i = 0; i < res->n_targets; i++) {
                struct target *t = &res->targets[i];
                int k = t->fault ? -1 : first_alias(t);
                if (k < 0)
                        continue;
                _cleanup_free_ char *table = NULL;
                if (dmpath_format(&t->parsed, k, true, &table) < 0) {
                        request_fail(r, CWMP_FAULT_RESOURCES_EXCEEDED, "Out of memory");
                        goto finish;
                }
                size_t tl = strlen(table);
                for (size_t j = 0; j < res->n_alias_items; j++) {
                        struct value_item *it = &res->alias_items[j];
                        if (strncmp(it->name, table, tl) != 0 || !it->value ||
                            !streq(it->value, t->parsed.segs[k].str))
                                continue;
                        uint32_t n = (uint32_t)strtoul(it->name + tl, NULL, 10);
                        t->parsed.segs[k].kind = DMPATH_SEG_INSTANCE;
                        t->parsed.segs[k].instance = n;
                        break;
                }
                if (t->parsed.segs[k].kind == DMPATH_SEG_ALIAS)
                        target_fail(t, CWMP_FAULT_INVALID_PARAMETER_NAME,
                                    "%s: no instance of %s has the Alias \"%s\"", t->input, table,
                                    t->parsed.segs[k].str);
        }
        value_items_free(res->alias_items, res->n_alias_items);
        res->alias_items = NULL;
        res->n_alias_items = 0;
finish:
        resolve_aliases(r);
}

static int alias_items_add(struct manager *m, struct resolution *res, const char *table,
                           const struct schema_node *alias_node)
{
        size_t n;
        const uint32_t *inst = snapshot_instances(&res->snap, table, &n);

        for (size_t i = 0; i < n; i++) {
                char *name = NULL;
                if (asprintf(&name, "%s%" PRIu32 ".Alias", table, inst[i]) < 0)
                        return -ENOMEM;
                for (size_t j = 0; j < res->n_alias_items; j++)
                        if (streq(res->alias_items[j].name, name)) {
                                free(name);
                                name = NULL;
                                break;
                        }
                if (!name)
                        continue;
                struct value_item *ni =
                        realloc(res->alias_items, (res->n_alias_items + 1) * sizeof(*ni));
                if (!ni) {
                        free(name);
                        return -ENOMEM;
                }
                res->alias_items = ni;
                ni[res->n_alias_items++] = (struct value_item){
                        .name = name,
                        .node = alias_node,
                        .owner = registry_lookup(&m->registry, name),
                };
        }
        return 0;
}

/* One round per level of aliases: read the Alias of every instance of the tables named by
 * the first alias segment of each target, then match. */
static void resolve_aliases(struct request *r)
{
        struct op *op = (struct op *)r;
        struct resolution *res = &op->res;
        struct manager *m = r->m;
        bool any = false;

        if (request_failed(r)) {
                res->done(r);
                return;
        }
        for (size_t i = 0; i < res->n_targets; i++) {
                struct target *t = &res->targets[i];
                int k = t->fault ? -1 : first_alias(t);
                if (k < 0)
                        continue;
                _cleanup_free_ char *table = NULL, *tmpl = NULL, *alias_tmpl = NULL;
                struct dmpath tp = {};
                if (dmpath_format(&t->parsed, k, true, &table) < 0 ||
                    dmpath_parse(table, DMPATH_ALLOW_PARTIAL, &tp, NULL) < 0 ||
                    dmpath_template(&tp, &tmpl) < 0 ||
                    asprintf(&alias_tmpl, "%s{i}.Alias", tmpl) < 0) {
                        dmpath_done(&tp);
                        request_fail(r, CWMP_FAULT_RESOURCES_EXCEEDED, "Out of memory");
                        res->done(r);
                        return;
                }
                dmpath_done(&tp);
                const struct schema_node *alias_node = schema_find(m->schema, alias_tmpl);
                if (!alias_node) {
                        target_fail(t, CWMP_FAULT_INVALID_PARAMETER_NAME,
                                    "%s: %s has no Alias parameter", t->input, table);
                        continue;
                }
                if (alias_items_add(m, res, table, alias_node) < 0) {
                        request_fail(r, CWMP_FAULT_RESOURCES_EXCEEDED, "Out of memory");
                        res->done(r);
                        return;
                }
                any = true;
        }
        if (!any) {
                finish_targets(r);
                return;
        }
        if (values_fetch(r, res->alias_items, res->n_alias_items) < 0)
                request_fail(r, CWMP_FAULT_RESOURCES_EXCEEDED, "Out of memory");
        request_continue(r, match_aliases);
}

/* ---- checking and finishing -------------------------------------------------------- */

static void check_offline(struct request *r)
{
        struct op *op = (struct op *)r;
        struct resolution *res = &op->res;

        for (size_t i = 0; i < res->n_targets; i++) {
                struct target *t = &res->targets[i];
                if (t->fault)
                        continue;
                /* A provider that is not running makes everything of its subtree fail. */
                for (size_t k = 0; k < res->n_offline; k++) {
                        struct owner *o = res->offline[k];
                        if (dmpath_is_under(t->input, o->subtree) ||
                            (dmpath_is_partial(t->input) && dmpath_is_under(o->subtree, t->input)))
                                target_fail(t, CWMP_FAULT_INTERNAL_ERROR,
                                            "%s is served by a provider that is not running",
                                            o->subtree);
                }
        }
        resolve_aliases(r);
}

/* Every instance a target names must exist; then the target gets its concrete path. */
static void finish_targets(struct request *r)
{
        struct op *op = (struct op *)r;
        struct resolution *res = &op->res;

        for (size_t i = 0; !request_failed(r) && i < res->n_targets; i++) {
                struct target *t = &res->targets[i];
                if (t->fault)
                        continue;
                for (size_t k = 0; k < t->parsed.n_segs && !t->fault; k++) {
                        if (t->parsed.segs[k].kind != DMPATH_SEG_INSTANCE)
                                continue;
                        _cleanup_free_ char *table = NULL;
                        if (dmpath_format(&t->parsed, k, true, &table) < 0) {
                                request_fail(r, CWMP_FAULT_RESOURCES_EXCEEDED, "Out of memory");
                                break;
                        }
                        if (!snapshot_has(&res->snap, table, t->parsed.segs[k].instance))
                                target_fail(t, CWMP_FAULT_INVALID_PARAMETER_NAME,
                                            "%s: %s%" PRIu32 ". does not exist", t->input, table,
                                            t->parsed.segs[k].instance);
                }
                if (!t->fault &&
                    dmpath_format(&t->parsed, t->parsed.n_segs, t->parsed.partial, &t->path) < 0)
                        request_fail(r, CWMP_FAULT_RESOURCES_EXCEEDED, "Out of memory");
        }
        res->done(r);
}

int resolve_start(struct op *op, const char *const *names, size_t n, unsigned flags,
                  request_stage_fn done)
{
        struct resolution *res = &op->res;
        struct manager *m = op->req.m;
        struct instance_query *qs = NULL;
        size_t n_qs = 0;
        int r = 0;

        res->targets = calloc(n ? n : 1, sizeof(*res->targets));
        if (!res->targets)
                return -ENOMEM;
        res->n_targets = n;
        res->done = done;
        for (size_t i = 0; i < n; i++) {
                res->targets[i].input = strdup(names[i]);
                if (!res->targets[i].input)
                        return -ENOMEM;
                target_parse(m, &res->targets[i], flags);
        }

        r = plan_queries(m, res, &qs, &n_qs);
        for (size_t i = 0; r >= 0 && i < n_qs; i++) {
                if (qs[i].owner->kind == OWNER_LOCAL)
                        r = query_local(m, res, &qs[i]);
                else
                        r = query_remote(&op->req, &qs[i]);
        }
        for (size_t i = 0; i < n_qs; i++)
                strv_done(&qs[i].objects);
        free(qs);
        if (r < 0)
                return r;
        request_continue(&op->req, check_offline);
        return 0;
}

/* ---- walking ----------------------------------------------------------------------- */

struct walk {
        struct manager *m;
        const struct snapshot *snap;
        bool with_objects;
        walk_fn fn;
        void *userdata;
        struct buf path;
};

/* Parameters belong to the owner of their object (subtrees are objects), found once per
 * object rather than once per parameter. */
static int walk_emit(struct walk *w, const struct schema_node *node, bool is_object, bool writable,
                     struct owner *object_owner)
{
        struct owner *o = !is_object && object_owner
                                  ? object_owner
                                  : registry_lookup(&w->m->registry, w->path.data);
        return w->fn(w->userdata, w->path.data, node, is_object, writable, o);
}

static int walk_object(struct walk *w, const struct schema_node *object, bool emit_self,
                       bool instance);

/* Below w->path (an object path ending in "."), every child of `object`. */
static int walk_children(struct walk *w, const struct schema_node *object, bool next_level)
{
        size_t base = w->path.len;
        struct owner *owner = registry_lookup(&w->m->registry, w->path.data);
        int r = 0;

        for (const struct schema_node *c = object->first_child; c && r >= 0; c = c->next_sibling) {
                w->path.len = base;
                w->path.data[base] = '\0';
                if (buf_printf(&w->path, "%s%s", c->name, c->is_object ? "." : "") < 0)
                        return -ENOMEM;
                if (!c->is_object) {
                        r = walk_emit(w, c, false, c->access == SCHEMA_READ_WRITE, owner);
                } else if (!c->multi_instance) {
                        r = next_level ? (w->with_objects ? walk_emit(w, c, true, false, NULL) : 0)
                                       : walk_object(w, c, w->with_objects, false);
                } else if (next_level) {
                        r = w->with_objects
                                    ? walk_emit(w, c, true, c->access == SCHEMA_READ_WRITE, NULL)
                                    : 0;
                } else {
                        if (w->with_objects)
                                r = walk_emit(w, c, true, c->access == SCHEMA_READ_WRITE, NULL);
                        size_t n, tbase = w->path.len;
                        const uint32_t *inst = snapshot_instances(w->snap, w->path.data, &n);
                        for (size_t i = 0; i < n && r >= 0; i++) {
                                w->path.len = tbase;
                                w->path.data[tbase] = '\0';
                                if (buf_printf(&w->path, "%" PRIu32 ".", inst[i]) < 0)
                                        return -ENOMEM;
                                r = walk_object(w, c, w->with_objects, true);
                        }
                }
        }
        w->path.len = base;
        w->path.data[base] = '\0';
        return r;
}

static int walk_object(struct walk *w, const struct schema_node *object, bool emit_self,
                       bool instance)
{
        int r;

        if (emit_self) {
                r = walk_emit(w, object, true, instance && object->access == SCHEMA_READ_WRITE,
                              NULL);
                if (r < 0)
                        return r;
        }
        return walk_children(w, object, false);
}

int resolve_walk(struct manager *m, const struct snapshot *snap, const struct target *t,
                 bool with_objects, bool next_level, walk_fn fn, void *userdata)
{
        struct walk w = {
                .m = m, .snap = snap, .with_objects = with_objects, .fn = fn, .userdata = userdata};
        int r = 0;

        if (buf_append(&w.path, t->kind == TARGET_ROOT ? "" : t->path,
                       t->kind == TARGET_ROOT ? 0 : strlen(t->path)) < 0)
                return -ENOMEM;

        switch (t->kind) {
        case TARGET_PARAM:
                r = walk_emit(&w, t->node, false, t->node->access == SCHEMA_READ_WRITE, NULL);
                break;
        case TARGET_ROOT: {
                const struct schema_node *root = schema_root(m->schema);
                if (!root)
                        break;
                if (buf_printf(&w.path, "%s", root->path) < 0) {
                        r = -ENOMEM;
                        break;
                }
                r = next_level ? (with_objects ? walk_emit(&w, root, true, false, NULL) : 0)
                               : walk_object(&w, root, with_objects, false);
                break;
        }
        case TARGET_OBJECT: {
                bool instance = t->parsed.segs[t->parsed.n_segs - 1].kind != DMPATH_SEG_NAME;
                r = next_level ? walk_children(&w, t->node, true)
                               : walk_object(&w, t->node, with_objects, instance);
                break;
        }
        case TARGET_TABLE: {
                if (!next_level && with_objects)
                        r = walk_emit(&w, t->node, true, t->node->access == SCHEMA_READ_WRITE,
                                      NULL);
                size_t n, tbase = w.path.len;
                const uint32_t *inst = snapshot_instances(snap, w.path.data, &n);
                for (size_t i = 0; i < n && r >= 0; i++) {
                        w.path.len = tbase;
                        w.path.data[tbase] = '\0';
                        if (buf_printf(&w.path, "%" PRIu32 ".", inst[i]) < 0) {
                                r = -ENOMEM;
                                break;
                        }
                        if (next_level)
                                r = with_objects
                                            ? walk_emit(&w, t->node, true,
                                                        t->node->access == SCHEMA_READ_WRITE, NULL)
                                            : 0;
                        else
                                r = walk_object(&w, t->node, with_objects, true);
                }
                break;
        }
        }
        buf_done(&w.path);
        return r;
}
