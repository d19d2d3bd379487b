/* SPDX-License-Identifier: MIT */
/* Schema files come from packages and providers: any bytes must give a schema or an error,
 * and a schema that loads must be consistent (every node indexed, linked and counted). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "path.h"
#include "schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define check(x)                                                                                   \
        do {                                                                                       \
                if (!(x)) {                                                                        \
                        fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #x);      \
                        abort();                                                                   \
                }                                                                                  \
        } while (0)

/* Walks the tree: every node is found by its path, and by the instance path made of it. */
static void check_tree(const struct schema *s)
{
        const struct schema_node *n = schema_root(s);
        size_t objects = 0, parameters = 0;

        while (n) {
                check(schema_find(s, n->path) == n);
                check(n->name && n->name[0] != '\0' && strstr(n->path, n->name));
                check(n->is_object == (n->path[strlen(n->path) - 1] == '.'));
                if (n->is_object)
                        objects++;
                else
                        parameters++;
                if (n->default_value)
                        check(cw_value_check(&n->facets, n->default_value, NULL) == 0);

                /* "{i}" -> "1": the instance path leads back to the node */
                char inst[4 * DMPATH_MAX_LEN];
                size_t w = 0;
                for (const char *c = n->path; *c && w + 1 < sizeof(inst);) {
                        if (strncmp(c, "{i}", 3) == 0) {
                                inst[w++] = '1';
                                c += 3;
                        } else
                                inst[w++] = *c++;
                }
                inst[w] = '\0';
                struct dmpath p = {};
                if (dmpath_parse(inst, DMPATH_ALLOW_PARTIAL, &p, NULL) == 0) {
                        check(schema_lookup(s, &p) == n);
                        dmpath_done(&p);
                }

                /* depth first, in declaration order */
                if (n->first_child) {
                        check(n->first_child->parent == n);
                        n = n->first_child;
                        continue;
                }
                while (n && !n->next_sibling)
                        n = n->parent;
                if (n) {
                        check(n->next_sibling->parent == n->parent);
                        n = n->next_sibling;
                }
        }
        check(objects == schema_n_objects(s));
        check(parameters == schema_n_parameters(s));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct schema *s = NULL;
        struct schema_error err = {};
        size_t half;

        if (size > 256 * 1024)
                return 0;
        if (schema_new(&s) < 0)
                return 0;

        /* Two buffers: the second sees the first's objects, or is dropped whole. */
        half = size / 2;
        while (half < size && data[half] != '\n')
                half++;
        if (schema_parse_buffer(s, "first", (const char *)data, half, &err) < 0) {
                check(err.message && err.line > 0);
                check(schema_n_objects(s) == 0 && schema_n_parameters(s) == 0);
        }
        schema_error_done(&err);

        size_t objects = schema_n_objects(s), parameters = schema_n_parameters(s);
        if (schema_parse_buffer(s, "second", (const char *)data + half, size - half, &err) < 0) {
                check(err.message && err.line > 0);
                check(schema_n_objects(s) == objects && schema_n_parameters(s) == parameters);
        }
        schema_error_done(&err);

        check_tree(s);
        schema_free(s);
        return 0;
}
