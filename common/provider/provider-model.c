/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "provider-internal.h"

bool provider_owns(cwmp_provider *p, const char *path)
{
        for (size_t i = 0; i < p->subtrees.n; i++)
                if (dmpath_is_under(path, p->subtrees.v[i]))
                        return true;
        return false;
}

static int compare_u32(const void *a, const void *b)
{
        uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
        return x < y ? -1 : x > y;
}

/* Instance markers of `table` in the state: keys "<table><number>." */
static int stored_instances(cwmp_provider *p, const char *table, uint32_t **ret, size_t *ret_n)
{
        _cleanup_free_ uint32_t *v = NULL;
        size_t n = 0, allocated = 0, len = strlen(table);
        const char *key, *value;

        kvmap_foreach (p->state, i, key, value) {
                uint32_t number;
                char *end;

                if (strncmp(key, table, len) != 0 || key[len] < '1' || key[len] > '9')
                        continue;
                errno = 0;
                unsigned long long u = strtoull(key + len, &end, 10);
                if (errno != 0 || u > UINT32_MAX || !streq(end, "."))
                        continue;
                number = (uint32_t)u;
                if (n == allocated) {
                        size_t a = allocated ? allocated * 2 : 8;
                        uint32_t *bigger = realloc(v, a * sizeof(*v));
                        if (!bigger)
                                return -ENOMEM;
                        v = bigger;
                        allocated = a;
                }
                v[n++] = number;
        }
        if (n > 1)
                qsort(v, n, sizeof(*v), compare_u32);
        *ret = TAKE_PTR(v);
        *ret_n = n;
        return 0;
}

int provider_table_instances(cwmp_provider *p, const char *table, uint32_t **ret, size_t *ret_n,
                             bool *user_table)
{
        if (p->ops && p->ops->list_instances) {
                uint32_t *v = NULL;
                size_t n = 0;
                int r = p->ops->list_instances(p, table, &v, &n, p->userdata);
                if (r >= 0) {
                        if (n > 1)
                                qsort(v, n, sizeof(*v), compare_u32);
                        *ret = v;
                        *ret_n = n;
                        if (user_table)
                                *user_table = true;
                        return 0;
                }
                free(v);
                if (r != -ENOENT)
                        return r;
        }
        if (user_table)
                *user_table = false;
        return stored_instances(p, table, ret, ret_n);
}

int provider_instances_exist(cwmp_provider *p, const struct dmpath *path)
{
        for (size_t k = 1; k < path->n_segs; k++) {
                _cleanup_free_ char *table = NULL;
                _cleanup_free_ uint32_t *v = NULL;
                size_t n = 0;
                bool found = false;
                int r;

                if (path->segs[k].kind != DMPATH_SEG_INSTANCE)
                        continue;
                r = dmpath_format(path, k, true, &table);
                if (r < 0)
                        return r;
                r = provider_table_instances(p, table, &v, &n, NULL);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < n && !found; i++)
                        found = v[i] == path->segs[k].instance;
                if (!found)
                        return -ENOENT;
        }
        return 0;
}

int provider_find_parameter(cwmp_provider *p, const char *name, const struct schema_node **ret)
{
        _cleanup_(dmpath_done) struct dmpath path = {};
        const struct schema_node *n;
        int r;

        if (!provider_owns(p, name))
                return -ENOENT;
        r = dmpath_parse(name, 0, &path, NULL);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return -ENOENT;
        n = schema_lookup(p->schema, &path);
        if (!n || n->is_object)
                return -ENOENT;
        r = provider_instances_exist(p, &path);
        if (r < 0)
                return r;
        *ret = n;
        return 0;
}

/* ---- enumeration ---- */

static int collect_children(cwmp_provider *p, const struct schema_node *node, const char *prefix,
                            struct strv *out);

static int collect_table(cwmp_provider *p, const struct schema_node *table_node, const char *table,
                         struct strv *out)
{
        _cleanup_free_ uint32_t *v = NULL;
        size_t n = 0;
        int r;

        r = provider_table_instances(p, table, &v, &n, NULL);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                char *instance;
                if (asprintf(&instance, "%s%" PRIu32 ".", table, v[i]) < 0)
                        return -ENOMEM;
                r = strv_push_take(out, instance);
                if (r < 0)
                        return r;
                r = collect_children(p, table_node, out->v[out->n - 1], out);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int collect_children(cwmp_provider *p, const struct schema_node *node, const char *prefix,
                            struct strv *out)
{
        /* `prefix` may point into out, which grows: keep a copy */
        _cleanup_free_ char *base = strdup(prefix);

        if (!base)
                return -ENOMEM;
        for (const struct schema_node *c = node->first_child; c; c = c->next_sibling) {
                _cleanup_free_ char *path = NULL;
                int r;

                if (!c->is_object)
                        continue;
                if (asprintf(&path, "%s%s.", base, c->name) < 0) {
                        path = NULL;
                        return -ENOMEM;
                }
                if (c->multi_instance)
                        r = collect_table(p, c, path, out);
                else
                        r = collect_children(p, c, path, out);
                if (r < 0)
                        return r;
        }
        return 0;
}

int provider_collect_instances(cwmp_provider *p, struct strv *ret)
{
        for (size_t i = 0; i < p->subtrees.n; i++) {
                const char *subtree = p->subtrees.v[i];
                _cleanup_(dmpath_done) struct dmpath path = {};
                _cleanup_free_ char *tmpl = NULL, *table_tmpl = NULL;
                const struct schema_node *n;
                int r;

                r = dmpath_parse(subtree, DMPATH_REQUIRE_PARTIAL, &path, NULL);
                if (r < 0)
                        return r;
                r = dmpath_template(&path, &tmpl);
                if (r < 0)
                        return r;
                n = schema_find(p->schema, tmpl);
                if (n) {
                        r = collect_children(p, n, subtree, ret);
                        if (r < 0)
                                return r;
                        continue;
                }
                /* the subtree may be a table itself ("Device.X.Item.") */
                if (asprintf(&table_tmpl, "%s{i}.", tmpl) < 0) {
                        table_tmpl = NULL;
                        return -ENOMEM;
                }
                n = schema_find(p->schema, table_tmpl);
                if (n && n->multi_instance) {
                        r = collect_table(p, n, subtree, ret);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

/* ---- values ---- */

int provider_read_value(cwmp_provider *p, const char *name, char **ret)
{
        const struct schema_node *n;
        char *value = NULL;
        int r;

        r = provider_find_parameter(p, name, &n);
        if (r < 0)
                return r;
        /* Hidden values are read in full: dmd needs them to restore them if a transaction
         * is undone, and hides them from its own callers. */
        if (n->storage == SCHEMA_LIVE) {
                if (!p->ops || !p->ops->get)
                        return -EOPNOTSUPP;
                r = p->ops->get(p, name, &value, p->userdata);
                if (r < 0) {
                        free(value);
                        return r;
                }
                if (!value)
                        value = strdup("");
                else if (!dbus_validate_utf8(value, NULL)) {
                        free(value);
                        return -EBADMSG; /* would not survive D-Bus */
                }
        } else {
                const char *stored = kvmap_get(p->state, name);
                value = strdup(stored ? stored : schema_default_value(n));
        }
        if (!value)
                return -ENOMEM;
        *ret = value;
        return 0;
}

int provider_check_value(cwmp_provider *p, const char *name, const char *value, struct fault *f)
{
        const struct schema_node *n;
        const char *reason = NULL;
        int r;

        r = provider_find_parameter(p, name, &n);
        if (r == -ENOENT)
                return fault_add_param(f, name, CWMP_FAULT_INVALID_PARAMETER_NAME,
                                       "No such parameter");
        if (r < 0)
                return r;
        if (n->access != SCHEMA_READ_WRITE)
                return fault_add_param(f, name, CWMP_FAULT_NON_WRITABLE_PARAMETER, NULL);
        r = cw_value_check(&n->facets, value, &reason);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return fault_add_param(
                        f, name, CWMP_FAULT_INVALID_PARAMETER_VALUE, "Invalid value for %s: %s",
                        cw_type_to_string(n->facets.type), reason ? reason : "not valid");
        if (p->ops && p->ops->validate) {
                r = p->ops->validate(p, name, value, p->userdata);
                if (r < 0)
                        return fault_add_param(f, name, fault_from_errno(r), NULL);
        }
        return 0;
}

/* "<table><n>.Alias" */
static bool is_alias_key(const char *key, const char *table, size_t len)
{
        if (strncmp(key, table, len) != 0)
                return false;
        size_t digits = strspn(key + len, "0123456789");
        return digits > 0 && streq(key + len + digits, ".Alias");
}

/* TR-181: an Alias the Agent chooses starts with "cpe-" and is unique in its table. */
static int fill_alias(const char *table, uint32_t number, const char *key, struct kvmap *m)
{
        size_t len = strlen(table);

        for (unsigned attempt = 0; attempt < 1000; attempt++) {
                _cleanup_free_ char *alias = NULL;
                const char *k, *v;
                bool taken = false;
                int r;

                if (attempt == 0)
                        r = asprintf(&alias, "cpe-%" PRIu32, number);
                else
                        r = asprintf(&alias, "cpe-%" PRIu32 "-%u", number, attempt);
                if (r < 0) {
                        alias = NULL;
                        return -ENOMEM;
                }
                kvmap_foreach (m, i, k, v) {
                        if (streq(v, alias) && is_alias_key(k, table, len)) {
                                taken = true;
                                break;
                        }
                }
                if (!taken)
                        return kvmap_set(m, key, alias);
        }
        return kvmap_set(m, key, "");
}

static int fill_object(cwmp_provider *p, const struct schema_node *node, const char *prefix,
                       const char *table, uint32_t number, bool is_instance, struct kvmap *m)
{
        for (const struct schema_node *c = node->first_child; c; c = c->next_sibling) {
                _cleanup_free_ char *path = NULL;
                int r;

                if (c->multi_instance)
                        continue; /* tables start empty */
                if (asprintf(&path, "%s%s%s", prefix, c->name, c->is_object ? "." : "") < 0) {
                        path = NULL;
                        return -ENOMEM;
                }
                if (c->is_object)
                        r = fill_object(p, c, path, table, number, false, m);
                else if (c->storage != SCHEMA_PERSIST)
                        r = 0;
                else if (is_instance && streq(c->name, "Alias") && !c->default_value &&
                         c->facets.type == CW_TYPE_STRING && !c->facets.is_list)
                        r = fill_alias(table, number, path, m);
                else
                        r = kvmap_set(m, path, schema_default_value(c));
                if (r < 0)
                        return r;
        }
        return 0;
}

int provider_fill_defaults(cwmp_provider *p, const struct schema_node *node, const char *instance,
                           uint32_t number, struct kvmap *m)
{
        _cleanup_free_ char *table = strdup(instance);
        size_t len;

        if (!table)
                return -ENOMEM;
        /* "Device.X.Item.3." -> "Device.X.Item." */
        len = strlen(table);
        if (len < 2)
                return -EINVAL;
        table[len - 1] = '\0';
        char *dot = strrchr(table, '.');
        if (!dot)
                return -EINVAL;
        dot[1] = '\0';
        return fill_object(p, node, instance, table, number, true, m);
}
