/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "path.h"
#include "state.h"
#include "store.h"
#include "types.h"
#include "util.h"

#define STATE_FILE "dmd.store"

int state_open(struct state *s, const char *dir)
{
        unsigned line = 0;
        int r;

        *s = (struct state){};
        r = store_mkdir_p(dir);
        if (r < 0)
                return r;
        if (asprintf(&s->path, "%s/" STATE_FILE, dir) < 0) {
                s->path = NULL;
                return -ENOMEM;
        }
        s->map = kvmap_new();
        if (!s->map)
                return -ENOMEM;
        /* A damaged store is refused (-EBADMSG) rather than half-loaded. */
        r = store_load(s->path, s->map, &line);
        if (r == -ENOENT)
                return 0;
        return r;
}

void state_done(struct state *s)
{
        kvmap_free(s->map);
        free(s->path);
        *s = (struct state){};
}

int state_save(struct state *s)
{
        return store_save(s->path, s->map);
}

static int prefixed(char **ret, const char *prefix, const char *name)
{
        if (asprintf(ret, "%s%s", prefix, name) < 0) {
                *ret = NULL;
                return -ENOMEM;
        }
        return 0;
}

int state_reload(struct state *s)
{
        unsigned line = 0;
        int r;

        kvmap_clear(s->map);
        r = store_load(s->path, s->map, &line);
        return r == -ENOENT ? 0 : r;
}

/* Lookups run for every parameter of a large GetParameterValues: the key is built on the
 * stack (names are at most DMPATH_MAX_LEN characters; longer ones are in no map). */
static const char *lookup(const struct state *s, char prefix, const char *name)
{
        char key[DMPATH_MAX_LEN + 3];
        size_t len = strlen(name);

        if (len > DMPATH_MAX_LEN)
                return NULL;
        key[0] = prefix;
        key[1] = ':';
        memcpy(key + 2, name, len + 1);
        return kvmap_get(s->map, key);
}

const char *state_get_value(const struct state *s, const char *name)
{
        return lookup(s, 'v', name);
}

int state_set_value(struct state *s, const char *name, const char *value)
{
        _cleanup_free_ char *k = NULL;
        if (prefixed(&k, "v:", name) < 0)
                return -ENOMEM;
        return kvmap_set(s->map, k, value);
}

const char *state_parameter_key(const struct state *s)
{
        const char *k = kvmap_get(s->map, ".key");
        return k ? k : "";
}

int state_set_parameter_key(struct state *s, const char *key)
{
        return kvmap_set(s->map, ".key", key);
}

int state_get_attributes(const struct state *s, const char *name, bool *present,
                         uint32_t *notification, char **access_list)
{
        const char *v, *semi;
        uint32_t n = 0;

        v = lookup(s, 'a', name);
        *present = v != NULL;
        *notification = 0;
        *access_list = NULL;
        if (!v)
                return 0;
        semi = strchr(v, ';');
        _cleanup_free_ char *num = semi ? strndup(v, semi - v) : strdup(v);
        if (!num)
                return -ENOMEM;
        if (cw_parse_uint32(num, &n) < 0 || n > 2)
                return -EBADMSG;
        *notification = n;
        if (semi && semi[1]) {
                *access_list = strdup(semi + 1);
                if (!*access_list)
                        return -ENOMEM;
        }
        return 0;
}

int state_set_attributes(struct state *s, const char *name, uint32_t notification,
                         const char *access_list)
{
        _cleanup_free_ char *k = NULL, *v = NULL;

        if (prefixed(&k, "a:", name) < 0)
                return -ENOMEM;
        if (asprintf(&v, "%" PRIu32 ";%s", notification, access_list ? access_list : "") < 0) {
                v = NULL;
                return -ENOMEM;
        }
        return kvmap_set(s->map, k, v);
}

bool state_has_instance(const struct state *s, const char *instance_path)
{
        return lookup(s, 'i', instance_path) != NULL;
}

int state_add_instance(struct state *s, const char *instance_path)
{
        _cleanup_free_ char *k = NULL;
        if (prefixed(&k, "i:", instance_path) < 0)
                return -ENOMEM;
        return kvmap_set(s->map, k, "");
}

int state_delete_instance(struct state *s, const char *instance_path)
{
        struct strv doomed = {};
        const char *k, *v;
        int r = 0;

        /* Every record about the instance or anything below it goes; the table's own
         * counter ("n:" of the parent table) stays, so the number is never reused. */
        kvmap_foreach (s->map, i, k, v) {
                if (strchr("vain", k[0]) && k[1] == ':' && dmpath_is_under(k + 2, instance_path)) {
                        r = strv_push(&doomed, k);
                        if (r < 0)
                                break;
                }
        }
        for (size_t i = 0; r >= 0 && i < doomed.n; i++)
                (void)kvmap_remove(s->map, doomed.v[i]);
        strv_done(&doomed);
        return r;
}

int state_list_instances(const struct state *s, const char *object, struct strv *out)
{
        const char *k, *v;

        kvmap_foreach (s->map, i, k, v) {
                if (k[0] == 'i' && k[1] == ':' && dmpath_is_under(k + 2, object) &&
                    !streq(k + 2, object)) {
                        int r = strv_push(out, k + 2);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

uint32_t state_next_instance(struct state *s, const char *table, uint32_t floor)
{
        _cleanup_free_ char *k = NULL;
        char buf[16];
        uint32_t next = 1;

        if (prefixed(&k, "n:", table) < 0)
                return 0;
        const char *v = kvmap_get(s->map, k);
        if (v && cw_parse_uint32(v, &next) < 0)
                next = 1;
        if (next < floor)
                next = floor;
        if (next == 0 || next == UINT32_MAX)
                return 0; /* exhausted: the caller answers 9004 */
        snprintf(buf, sizeof(buf), "%" PRIu32, next + 1);
        if (kvmap_set(s->map, k, buf) < 0)
                return 0;
        return next;
}
