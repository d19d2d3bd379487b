/* SPDX-License-Identifier: MIT */
/*
 * The declarative schema: the line format of docs/schema-format.md, an index from template
 * path to node for fast lookups, and the tree in declaration order.
 *
 * A buffer is parsed into a pending list with its own index; only when every line is valid
 * are its nodes moved into the schema, so a bad file leaves the schema as it was.
 */
#include <dirent.h>
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "schema.h"
#include "store.h"
#include "util.h"

#define SCHEMA_MAX_LINE      4096
#define SCHEMA_MAX_FILE_SIZE STORE_MAX_FILE_SIZE
#define PLACEHOLDER          "{i}"

/* ---- path -> node index: open addressing, linear probing, at most half full ---- */

struct node_index {
        struct schema_node **slots;
        size_t n_slots; /* 0 or a power of two */
        size_t n_used;
};

static size_t hash_key(const char *key, size_t len)
{
        /* FNV-1a */
        uint64_t h = UINT64_C(14695981039346656037);
        for (size_t i = 0; i < len; i++) {
                h ^= (unsigned char)key[i];
                h *= UINT64_C(1099511628211);
        }
        return (size_t)(h ^ (h >> 32));
}

static struct schema_node *index_get(const struct node_index *ix, const char *key, size_t len)
{
        if (ix->n_slots == 0)
                return NULL;
        size_t mask = ix->n_slots - 1;
        for (size_t i = hash_key(key, len) & mask;; i = (i + 1) & mask) {
                struct schema_node *n = ix->slots[i];
                if (!n)
                        return NULL;
                if (strncmp(n->path, key, len) == 0 && n->path[len] == '\0')
                        return n;
        }
}

/* Inserts without growing: the caller reserved room. */
static void index_put(struct node_index *ix, struct schema_node *node)
{
        size_t mask = ix->n_slots - 1;
        size_t i = hash_key(node->path, strlen(node->path)) & mask;
        while (ix->slots[i])
                i = (i + 1) & mask;
        ix->slots[i] = node;
        ix->n_used++;
}

/* Makes room for `total` entries at most half full, so index_put cannot fail. */
static int index_reserve(struct node_index *ix, size_t total)
{
        if (total <= ix->n_slots / 2)
                return 0;
        size_t n = ix->n_slots ? ix->n_slots : 64;
        while (total > n / 2) {
                if (n > SIZE_MAX / 2 / sizeof(struct schema_node *))
                        return -ENOMEM;
                n *= 2;
        }
        struct node_index bigger = {.slots = calloc(n, sizeof(struct schema_node *)), .n_slots = n};
        if (!bigger.slots)
                return -ENOMEM;
        for (size_t i = 0; i < ix->n_slots; i++)
                if (ix->slots[i])
                        index_put(&bigger, ix->slots[i]);
        free(ix->slots);
        *ix = bigger;
        return 0;
}

/* ---- nodes ---- */

static void node_free(struct schema_node *n)
{
        if (!n)
                return;
        free(n->path); /* also holds name */
        free(n->default_value);
        cw_facets_done(&n->facets);
        free(n);
}

static void node_freep(struct schema_node **n)
{
        node_free(*n);
}

struct schema {
        struct node_index index;
        struct schema_node *root;
        size_t n_objects, n_parameters;
        char **files; /* the names nodes' `file` point to */
        size_t n_files;
};

int schema_new(struct schema **ret)
{
        struct schema *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

void schema_free(struct schema *s)
{
        if (!s)
                return;
        for (size_t i = 0; i < s->index.n_slots; i++)
                node_free(s->index.slots[i]);
        free(s->index.slots);
        for (size_t i = 0; i < s->n_files; i++)
                free(s->files[i]);
        free(s->files);
        free(s);
}

void schema_error_done(struct schema_error *e)
{
        if (!e)
                return;
        free(e->file);
        free(e->message);
        *e = (struct schema_error){};
}

const struct schema_node *schema_root(const struct schema *s)
{
        return s ? s->root : NULL;
}

size_t schema_n_objects(const struct schema *s)
{
        return s ? s->n_objects : 0;
}

size_t schema_n_parameters(const struct schema *s)
{
        return s ? s->n_parameters : 0;
}

const struct schema_node *schema_find(const struct schema *s, const char *template_path)
{
        if (!s || !template_path)
                return NULL;
        return index_get(&s->index, template_path, strlen(template_path));
}

const struct schema_node *schema_lookup(const struct schema *s, const struct dmpath *p)
{
        char stack[1024];
        _cleanup_free_ char *heap = NULL;
        char *key = stack;
        size_t len = 0;

        if (!s || !p || p->n_segs == 0)
                return NULL;
        for (size_t i = 0; i < p->n_segs; i++)
                len += (p->segs[i].kind == DMPATH_SEG_NAME ? strlen(p->segs[i].str)
                                                           : strlen(PLACEHOLDER)) +
                       1;
        if (!p->partial)
                len--; /* no "." after the last segment */
        if (len >= sizeof(stack)) {
                key = heap = malloc(len + 1);
                if (!key)
                        return NULL;
        }

        char *w = key;
        for (size_t i = 0; i < p->n_segs; i++) {
                const char *seg = p->segs[i].kind == DMPATH_SEG_NAME ? p->segs[i].str : PLACEHOLDER;
                size_t n = strlen(seg);
                memcpy(w, seg, n);
                w += n;
                if (i + 1 < p->n_segs || p->partial)
                        *w++ = '.';
        }
        *w = '\0';
        return index_get(&s->index, key, len);
}

/* ---- the parser ---- */

struct parser {
        struct schema *s;
        const char *file; /* the copy that nodes point to */
        unsigned line;
        struct schema_error *err;
        bool failed; /* err (if any) is filled */
        /* this buffer's nodes, in declaration order, and their index */
        struct schema_node **pending;
        size_t n_pending, allocated;
        struct node_index pending_index;
        struct schema_node *pending_root;
};

static int fail(struct parser *p, int r, const char *format, ...)
        __attribute__((format(printf, 3, 4)));

/* Records the first error with the current file and line; returns r. */
static int fail(struct parser *p, int r, const char *format, ...)
{
        if (p->failed)
                return r;
        p->failed = true;
        if (!p->err)
                return r;

        char *message = NULL;
        va_list ap;
        va_start(ap, format);
        if (vasprintf(&message, format, ap) < 0)
                message = NULL;
        va_end(ap);
        *p->err = (struct schema_error){
                .file = strdup(p->file),
                .line = p->line,
                .message = message,
        };
        return r;
}

static int fail_oom(struct parser *p)
{
        return fail(p, -ENOMEM, "out of memory");
}

static struct schema_node *find_any(struct parser *p, const char *key, size_t len)
{
        struct schema_node *n = index_get(&p->s->index, key, len);
        return n ? n : index_get(&p->pending_index, key, len);
}

/* Splits off the next blank-separated token in place. A double-quoted part may contain
 * blanks; backslash escapes inside quotes are resolved later (unquote). Returns 1 with
 * *ret set, 0 at the end of the line, or an error. */
static int next_token(struct parser *p, char **cursor, char **ret)
{
        char *c = *cursor + strspn(*cursor, " \t");
        bool quoted = false;

        *ret = NULL;
        if (*c == '\0') {
                *cursor = c;
                return 0;
        }
        char *start = c;
        for (; *c != '\0'; c++) {
                if (quoted) {
                        if (*c == '\\' && c[1] != '\0')
                                c++;
                        else if (*c == '"')
                                quoted = false;
                } else if (*c == '"')
                        quoted = true;
                else if (*c == ' ' || *c == '\t')
                        break;
        }
        if (quoted)
                return fail(p, -EINVAL, "unterminated quoted value");
        if (*c != '\0')
                *c++ = '\0';
        *cursor = c;
        *ret = start;
        return 1;
}

/* An attribute value: bare (no quotes, backslashes kept) or "quoted" with \" and \\. */
static int unquote(struct parser *p, const char *key, char *v)
{
        if (v[0] != '"') {
                if (strchr(v, '"'))
                        return fail(p, -EINVAL, "unexpected '\"' in the value of '%s'", key);
                return 0;
        }
        char *w = v;
        for (const char *c = v + 1;; c++) {
                if (*c == '\\') {
                        c++;
                        if (*c != '"' && *c != '\\')
                                return fail(p, -EINVAL,
                                            "unknown escape '\\%c' in the value of '%s' (only "
                                            "\\\" and \\\\)",
                                            *c, key);
                        *w++ = *c;
                } else if (*c == '"') {
                        if (c[1] != '\0')
                                return fail(p, -EINVAL,
                                            "text after the closing quote in the value of '%s'",
                                            key);
                        break;
                } else
                        *w++ = *c;
        }
        *w = '\0';
        return 0;
}

enum attr {
        ATTR_SIZE,
        ATTR_RANGE,
        ATTR_ENUM,
        ATTR_PATTERN,
        ATTR_DEFAULT,
        ATTR_LIVE,
        ATTR_PERSIST,
        ATTR_FORCED_INFORM,
        ATTR_HIDDEN,
        ATTR_ACTIVE_NOTIFY,
        ATTR_ITEMS,
        ATTR_LIST_SIZE,
        ATTR_MAX_ENTRIES,
        _ATTR_MAX,
};

static const struct {
        const char *name;
        bool has_value;
        bool repeatable;
} attr_table[_ATTR_MAX] = {
        [ATTR_SIZE] = {"size", true, false},
        [ATTR_RANGE] = {"range", true, true},
        [ATTR_ENUM] = {"enum", true, false},
        [ATTR_PATTERN] = {"pattern", true, true},
        [ATTR_DEFAULT] = {"default", true, false},
        [ATTR_LIVE] = {"live", false, false},
        [ATTR_PERSIST] = {"persist", false, false},
        [ATTR_FORCED_INFORM] = {"forcedInform", false, false},
        [ATTR_HIDDEN] = {"hidden", false, false},
        [ATTR_ACTIVE_NOTIFY] = {"activeNotify", true, false},
        [ATTR_ITEMS] = {"items", true, false},
        [ATTR_LIST_SIZE] = {"listSize", true, false},
        [ATTR_MAX_ENTRIES] = {"maxEntries", true, false},
};

static bool type_is_numeric(enum cw_type t)
{
        return t == CW_TYPE_INT || t == CW_TYPE_UNSIGNED_INT || t == CW_TYPE_LONG ||
               t == CW_TYPE_UNSIGNED_LONG;
}

static bool type_has_size(enum cw_type t)
{
        return t == CW_TYPE_STRING || t == CW_TYPE_BASE64 || t == CW_TYPE_HEXBINARY;
}

/* Splits "MIN..MAX" in place; either side may be empty. */
static int split_bounds(struct parser *p, const char *key, char *v, char **min, char **max)
{
        char *dots = strstr(v, "..");
        if (!dots)
                return fail(p, -EINVAL, "%s '%s' is not of the form MIN..MAX", key, v);
        *dots = '\0';
        *min = v;
        *max = dots + 2;
        return 0;
}

static int parse_u32(struct parser *p, const char *key, const char *s, uint32_t *ret)
{
        int r = cw_parse_uint32(s, ret);
        if (r < 0)
                return fail(p, -EINVAL, "bad number '%s' in %s", s, key);
        return 0;
}

/* "MIN..MAX" of unsigned 32-bit counts (size, items): empty MIN is 0, empty MAX unbounded;
 * an explicit MAX must be at least 1, since 0 means unbounded in the facets. */
static int parse_count_bounds(struct parser *p, const char *key, char *v, uint32_t *ret_min,
                              uint32_t *ret_max)
{
        char *min = NULL, *max = NULL;
        uint32_t lo = 0, hi = 0;
        int r;

        r = split_bounds(p, key, v, &min, &max);
        if (r < 0)
                return r;
        if (*min != '\0' && (r = parse_u32(p, key, min, &lo)) < 0)
                return r;
        if (*max != '\0') {
                r = parse_u32(p, key, max, &hi);
                if (r < 0)
                        return r;
                if (hi == 0)
                        return fail(p, -EINVAL, "%s maximum must be at least 1", key);
                if (lo > hi)
                        return fail(p, -EINVAL, "%s minimum %s is greater than maximum %s", key,
                                    min, max);
        }
        *ret_min = lo;
        *ret_max = hi;
        return 0;
}

/* One range bound of the facets' type; an empty bound is the type's limit. */
static int parse_range_bound(struct parser *p, enum cw_type t, const char *s, bool is_max,
                             struct cw_range *rg)
{
        int r = 0;

        switch (t) {
        case CW_TYPE_INT: {
                int32_t v = is_max ? INT32_MAX : INT32_MIN;
                if (*s != '\0')
                        r = cw_parse_int32(s, &v);
                (is_max ? &rg->max : &rg->min)->s = v;
                break;
        }
        case CW_TYPE_LONG: {
                int64_t v = is_max ? INT64_MAX : INT64_MIN;
                if (*s != '\0')
                        r = cw_parse_int64(s, &v);
                (is_max ? &rg->max : &rg->min)->s = v;
                break;
        }
        case CW_TYPE_UNSIGNED_INT: {
                uint32_t v = is_max ? UINT32_MAX : 0;
                if (*s != '\0')
                        r = cw_parse_uint32(s, &v);
                (is_max ? &rg->max : &rg->min)->u = v;
                break;
        }
        case CW_TYPE_UNSIGNED_LONG: {
                uint64_t v = is_max ? UINT64_MAX : 0;
                if (*s != '\0')
                        r = cw_parse_uint64(s, &v);
                (is_max ? &rg->max : &rg->min)->u = v;
                break;
        }
        default:
                return fail(p, -EINVAL, "range applies to numeric types only");
        }
        if (r < 0)
                return fail(p, -EINVAL, "bad range %s '%s' for %s", is_max ? "maximum" : "minimum",
                            s, cw_type_to_string(t));
        return 0;
}

static int parse_range(struct parser *p, struct cw_facets *f, char *v)
{
        struct cw_range rg = {};
        char *min = NULL, *max = NULL;
        int r;

        r = split_bounds(p, "range", v, &min, &max);
        if (r < 0)
                return r;
        r = parse_range_bound(p, f->type, min, false, &rg);
        if (r < 0)
                return r;
        r = parse_range_bound(p, f->type, max, true, &rg);
        if (r < 0)
                return r;
        bool inverted = (f->type == CW_TYPE_INT || f->type == CW_TYPE_LONG) ? rg.min.s > rg.max.s
                                                                            : rg.min.u > rg.max.u;
        if (inverted)
                return fail(p, -EINVAL, "range minimum %s is greater than maximum %s", min, max);

        struct cw_range *ranges = realloc(f->ranges, (f->n_ranges + 1) * sizeof(*ranges));
        if (!ranges)
                return fail_oom(p);
        f->ranges = ranges;
        f->ranges[f->n_ranges++] = rg;
        return 0;
}

static int push_string(struct parser *p, char ***v, size_t *n, const char *s, size_t len)
{
        char **bigger = realloc(*v, (*n + 1) * sizeof(char *));
        if (!bigger)
                return fail_oom(p);
        *v = bigger;
        bigger[*n] = strndup(s, len);
        if (!bigger[*n])
                return fail_oom(p);
        (*n)++;
        return 0;
}

/* "A|B|C": an empty value between bars allows the empty string, as TR-181 writes it. */
static int parse_enum(struct parser *p, struct cw_facets *f, const char *v)
{
        if (*v == '\0')
                return fail(p, -EINVAL, "enum needs at least one value");
        for (const char *item = v;;) {
                size_t len = strcspn(item, "|");
                for (size_t i = 0; i < f->n_enums; i++)
                        if (strlen(f->enums[i]) == len && strncmp(f->enums[i], item, len) == 0)
                                return fail(p, -EINVAL, "duplicate enum value '%.*s'", (int)len,
                                            item);
                int r = push_string(p, &f->enums, &f->n_enums, item, len);
                if (r < 0)
                        return r;
                if (item[len] == '\0')
                        return 0;
                item += len + 1;
        }
}

/*
 * glibc's regcomp copies a repeated piece once per repetition ("a{5}" is five copies, "a+"
 * two), so nested or stacked repetitions make its memory grow exponentially: a schema line
 * of "a++++...+" would take gigabytes. This estimates the copies so such a pattern is
 * refused before regcomp sees it; TR-181's patterns cost a few dozen. The bound also keeps
 * regexec quick: matching time grows with the same copies.
 */
#define PATTERN_MAX_COST  1024
#define PATTERN_MAX_DEPTH 32

struct pattern_scan {
        const char *s;
        unsigned depth;
};

static size_t saturate(size_t v)
{
        return v > PATTERN_MAX_COST ? PATTERN_MAX_COST + 1 : v;
}

/* Skips a bracket expression whose "[" is just before c; returns what follows its "]". */
static const char *skip_bracket(const char *c)
{
        if (*c == '^')
                c++;
        if (*c == ']')
                c++;
        while (*c != '\0' && *c != ']') {
                if (c[0] == '[' && (c[1] == ':' || c[1] == '.' || c[1] == '=')) {
                        char close = c[1];
                        const char *end = c + 2;
                        while (*end != '\0' && !(end[0] == close && end[1] == ']'))
                                end++;
                        if (*end == '\0')
                                return end;
                        c = end + 2;
                } else
                        c++;
        }
        return *c != '\0' ? c + 1 : c;
}

static const char *parse_digits(const char *c, size_t *ret)
{
        size_t v = 0;
        for (; *c >= '0' && *c <= '9'; c++)
                v = saturate(v * 10 + (size_t)(*c - '0'));
        *ret = v;
        return c;
}

/* A repetition operator at *c: returns how many copies it makes and moves past it, or 0. */
static size_t repetition(const char **c)
{
        const char *p = *c;
        size_t m, n;

        switch (*p) {
        case '*':
        case '?':
                *c = p + 1;
                return 1;
        case '+':
                *c = p + 1;
                return 2;
        case '{':
                if (p[1] < '0' || p[1] > '9')
                        return 0;
                p = parse_digits(p + 1, &m);
                n = m;
                if (*p == ',') {
                        p++;
                        if (*p >= '0' && *p <= '9')
                                p = parse_digits(p, &n);
                        else
                                n = m + 1; /* "{m,}" is m copies and a star */
                }
                if (*p != '}')
                        return 0;
                *c = p + 1;
                n = n > m ? n : m;
                return n == 0 ? 1 : saturate(n);
        default:
                return 0;
        }
}

static size_t branches_cost(struct pattern_scan *x);

static size_t atom_cost(struct pattern_scan *x)
{
        const char *c = x->s;

        switch (*c) {
        case '(': {
                if (++x->depth > PATTERN_MAX_DEPTH)
                        return PATTERN_MAX_COST + 1;
                x->s = c + 1;
                size_t cost = saturate(branches_cost(x) + 1);
                x->depth--;
                if (*x->s == ')')
                        x->s++;
                return cost;
        }
        case '[':
                x->s = skip_bracket(c + 1);
                return 1;
        case '\\':
                x->s = c + (c[1] != '\0' ? 2 : 1);
                return 1;
        default:
                x->s = c + 1;
                return 1;
        }
}

/* Alternatives up to the ")" that closes the group, or the end. */
static size_t branches_cost(struct pattern_scan *x)
{
        size_t cost = 0;

        while (*x->s != '\0' && *x->s != ')' && cost <= PATTERN_MAX_COST) {
                if (*x->s == '|') {
                        x->s++;
                        cost = saturate(cost + 1);
                        continue;
                }
                size_t piece = atom_cost(x), copies;
                while ((copies = repetition(&x->s)) != 0)
                        piece = saturate(piece * copies);
                cost = saturate(cost + piece);
        }
        return cost;
}

static bool pattern_too_complex(const char *pattern)
{
        struct pattern_scan x = {.s = pattern};
        size_t cost = 0;

        while (*x.s != '\0' && cost <= PATTERN_MAX_COST) {
                cost = saturate(cost + branches_cost(&x));
                if (*x.s == ')') /* unbalanced: regcomp will say so */
                        x.s++;
        }
        return cost > PATTERN_MAX_COST;
}

static int parse_pattern(struct parser *p, struct cw_facets *f, const char *v)
{
        /* The empty pattern matches the empty value only; regcomp need not see it. */
        if (pattern_too_complex(v))
                return fail(p, -EINVAL,
                            "pattern '%s' is too complex (nested or stacked repetitions)", v);
        if (*v != '\0') {
                regex_t re;
                int r = regcomp(&re, v, REG_EXTENDED | REG_NOSUB);
                if (r != 0) {
                        char why[128];
                        regerror(r, &re, why, sizeof(why));
                        return fail(p, -EINVAL, "invalid pattern '%s': %s", v, why);
                }
                regfree(&re);
        }
        return push_string(p, &f->patterns, &f->n_patterns, v, strlen(v));
}

static int parse_active_notify(struct parser *p, const char *v, enum schema_notify_rule *ret)
{
        static const struct {
                const char *name;
                enum schema_notify_rule rule;
        } rules[] = {
                {"canDeny", SCHEMA_NOTIFY_CAN_DENY},
                {"forceEnabled", SCHEMA_NOTIFY_FORCE_ENABLED},
                {"forceDefaultEnabled", SCHEMA_NOTIFY_FORCE_DEFAULT_ENABLED},
        };
        for (size_t i = 0; i < ELEMENTSOF(rules); i++)
                if (streq(v, rules[i].name)) {
                        *ret = rules[i].rule;
                        return 0;
                }
        return fail(p, -EINVAL,
                    "unknown activeNotify '%s' (expected canDeny, forceEnabled or "
                    "forceDefaultEnabled)",
                    v);
}

/* Is attribute a allowed on node n? Returns 0 or fails with the reason. */
static int attr_applies(struct parser *p, enum attr a, const struct schema_node *n)
{
        const char *name = attr_table[a].name;
        enum cw_type t = n->facets.type;

        if (a == ATTR_MAX_ENTRIES)
                return n->multi_instance
                               ? 0
                               : fail(p, -EINVAL,
                                      "maxEntries applies to multi-instance objects only");
        if (n->is_object)
                return fail(p, -EINVAL, "attribute '%s' does not apply to objects", name);
        switch (a) {
        case ATTR_SIZE:
                if (!type_has_size(t))
                        return fail(p, -EINVAL,
                                    "size applies to string, base64 and hexBinary only");
                break;
        case ATTR_RANGE:
                if (!type_is_numeric(t))
                        return fail(
                                p, -EINVAL,
                                "range applies to int, unsignedInt, long and unsignedLong only");
                break;
        case ATTR_ENUM:
        case ATTR_PATTERN:
                if (t != CW_TYPE_STRING)
                        return fail(p, -EINVAL, "%s applies to string only", name);
                break;
        case ATTR_ITEMS:
        case ATTR_LIST_SIZE:
                if (!n->facets.is_list)
                        return fail(p, -EINVAL, "%s applies to lists only", name);
                break;
        default:
                break;
        }
        return 0;
}

static int parse_attribute(struct parser *p, struct schema_node *n, char *token, unsigned *seen,
                           const char **default_value)
{
        char *eq = strchr(token, '=');
        char *value = NULL;
        enum attr a;
        int r;

        if (eq) {
                *eq = '\0';
                value = eq + 1;
        }
        for (a = 0; a < _ATTR_MAX; a++)
                if (streq(token, attr_table[a].name))
                        break;
        if (a == _ATTR_MAX)
                return fail(p, -EINVAL, "unknown attribute '%s'", token);
        if (attr_table[a].has_value && !value)
                return fail(p, -EINVAL, "attribute '%s' needs a value (%s=...)", token, token);
        if (!attr_table[a].has_value && value)
                return fail(p, -EINVAL, "attribute '%s' takes no value", token);
        if (!attr_table[a].repeatable && (*seen & (1u << a)))
                return fail(p, -EINVAL, "duplicate attribute '%s'", token);
        *seen |= 1u << a;
        r = attr_applies(p, a, n);
        if (r < 0)
                return r;
        if (value) {
                r = unquote(p, token, value);
                if (r < 0)
                        return r;
        }

        struct cw_facets *f = &n->facets;
        switch (a) {
        case ATTR_SIZE:
                return parse_count_bounds(p, "size", value, &f->min_size, &f->max_size);
        case ATTR_RANGE:
                return parse_range(p, f, value);
        case ATTR_ENUM:
                return parse_enum(p, f, value);
        case ATTR_PATTERN:
                return parse_pattern(p, f, value);
        case ATTR_DEFAULT:
                *default_value = value;
                return 0;
        case ATTR_LIVE:
        case ATTR_PERSIST:
                if (*seen & (1u << ATTR_LIVE) && *seen & (1u << ATTR_PERSIST))
                        return fail(p, -EINVAL, "'live' and 'persist' exclude each other");
                n->storage = a == ATTR_LIVE ? SCHEMA_LIVE : SCHEMA_PERSIST;
                return 0;
        case ATTR_FORCED_INFORM:
                n->forced_inform = true;
                return 0;
        case ATTR_HIDDEN:
                n->hidden = true;
                return 0;
        case ATTR_ACTIVE_NOTIFY:
                return parse_active_notify(p, value, &n->notify_rule);
        case ATTR_ITEMS:
                return parse_count_bounds(p, "items", value, &f->list_min_items,
                                          &f->list_max_items);
        case ATTR_LIST_SIZE: {
                uint32_t min = 0;
                r = parse_count_bounds(p, "listSize", value, &min, &f->list_max_len);
                if (r < 0)
                        return r;
                if (min != 0)
                        return fail(p, -EINVAL, "listSize takes a maximum only (listSize=..N)");
                return 0;
        }
        case ATTR_MAX_ENTRIES:
                r = parse_u32(p, "maxEntries", value, &n->max_entries);
                if (r < 0)
                        return r;
                if (n->max_entries == 0)
                        return fail(p, -EINVAL, "maxEntries must be at least 1");
                return 0;
        default:
                return -EINVAL;
        }
}

/* "string", "unsignedInt", "list<unsignedInt>" ... or "object". */
static int parse_type(struct parser *p, const char *s, struct schema_node *n)
{
        if (streq(s, "object")) {
                n->is_object = true;
                return 0;
        }
        const char *item = s;
        char buf[64];
        size_t len = strlen(s);
        if (startswith(s, "list<") && len > 6 && s[len - 1] == '>' && len - 6 < sizeof(buf)) {
                memcpy(buf, s + 5, len - 6);
                buf[len - 6] = '\0';
                item = buf;
                n->facets.is_list = true;
        }
        int t = cw_type_from_string(item);
        if (t < 0)
                return fail(p, -EINVAL, "unknown type '%s'", s);
        n->facets.type = (enum cw_type)t;
        return 0;
}

/* Checks the segments of a schema path and finds where its last name starts: the parent
 * object is the text before it. */
static int check_segments(struct parser *p, const char *path, const struct dmpath *dp,
                          bool is_object, size_t *ret_name_seg)
{
        for (size_t i = 0; i < dp->n_segs; i++) {
                enum dmpath_seg_kind kind = dp->segs[i].kind;
                if (kind == DMPATH_SEG_INSTANCE || kind == DMPATH_SEG_ALIAS)
                        return fail(p, -EINVAL, "instance number in schema path '%s' (write {i})",
                                    path);
                if (kind == DMPATH_SEG_PLACEHOLDER &&
                    (i == 0 || dp->segs[i - 1].kind != DMPATH_SEG_NAME))
                        return fail(p, -EINVAL, "'{i}' must follow a table name in '%s'", path);
        }
        if (!is_object && !dp->partial && dp->segs[dp->n_segs - 1].kind != DMPATH_SEG_NAME)
                return fail(p, -EINVAL, "parameter '%s' must end in a name", path);
        if (is_object && !dp->partial)
                return fail(p, -EINVAL, "object path '%s' must end in '.'", path);
        if (!is_object && dp->partial)
                return fail(p, -EINVAL, "parameter path '%s' must not end in '.'", path);

        size_t last = dp->n_segs - 1;
        if (dp->segs[last].kind == DMPATH_SEG_PLACEHOLDER)
                last--;
        *ret_name_seg = last;
        return 0;
}

/* Offset in path of the start of segment k (paths here have no aliases, so no "." inside
 * a segment). */
static size_t segment_offset(const char *path, size_t k)
{
        size_t off = 0;
        for (size_t i = 0; i < k; i++)
                off += strcspn(path + off, ".") + 1;
        return off;
}

/* "Item" may be declared once in its object: as a parameter, an object or a table. */
static int check_name_free(struct parser *p, const char *path, size_t name_end)
{
        static const char *const forms[] = {"", ".", "." PLACEHOLDER "."};
        char key[DMPATH_MAX_LEN + sizeof(forms[2])];

        if (name_end >= DMPATH_MAX_LEN)
                return 0;
        memcpy(key, path, name_end);
        for (size_t i = 0; i < ELEMENTSOF(forms); i++) {
                strcpy(key + name_end, forms[i]);
                const struct schema_node *other = find_any(p, key, strlen(key));
                if (other)
                        return fail(p, -EINVAL, "'%s' clashes with '%s' declared at %s:%u", path,
                                    other->path, other->file, other->line);
        }
        return 0;
}

static int pending_add(struct parser *p, struct schema_node *n)
{
        if (p->n_pending == p->allocated) {
                size_t a = p->allocated ? p->allocated * 2 : 64;
                struct schema_node **bigger = realloc(p->pending, a * sizeof(*bigger));
                if (!bigger)
                        return fail_oom(p);
                p->pending = bigger;
                p->allocated = a;
        }
        if (index_reserve(&p->pending_index, p->n_pending + 1) < 0)
                return fail_oom(p);
        p->pending[p->n_pending++] = n;
        index_put(&p->pending_index, n);
        return 0;
}

/* The default must be a valid value with the facets; it is kept in canonical form. */
static int check_default(struct parser *p, struct schema_node *n, const char *value)
{
        const char *reason = NULL;
        int r = cw_facets_normalize(&n->facets, value, &n->default_value, &reason);
        if (r == -ENOMEM)
                return fail_oom(p);
        if (r < 0) {
                if (!reason)
                        reason = "not valid";
                /* "out of range", "not a valid integer", "too long" read after "is" */
                bool reads_after_is = startswith(reason, "out of") || startswith(reason, "not ") ||
                                      startswith(reason, "too ");
                /* long values are cut, so the message stays readable */
                return fail(p, -EINVAL, "default '%.64s%s' %s%s", value,
                            strlen(value) > 64 ? "..." : "",
                            reads_after_is ? "is " : "is invalid: ", reason);
        }
        return 0;
}

static int parse_line(struct parser *p, char *line)
{
        _cleanup_(node_freep) struct schema_node *n = NULL;
        _cleanup_(dmpath_done) struct dmpath dp = {};
        char *cursor = line, *path, *type, *access, *token;
        const char *default_value = NULL;
        struct dmpath_error perr = {};
        unsigned seen = 0;
        size_t name_seg = 0;
        int r;

        /* the caller skipped blank lines, so there is a first token */
        if (next_token(p, &cursor, &path) <= 0 || next_token(p, &cursor, &type) < 0 ||
            next_token(p, &cursor, &access) < 0)
                return fail(p, -EINVAL, "malformed line");
        if (!type)
                return fail(p, -EINVAL, "missing type after '%s'", path);
        if (!access)
                return fail(p, -EINVAL, "missing access (ro or rw) after '%s'", type);

        n = calloc(1, sizeof(*n));
        if (!n)
                return fail_oom(p);
        r = parse_type(p, type, n);
        if (r < 0)
                return r;
        if (streq(access, "ro"))
                n->access = SCHEMA_READ_ONLY;
        else if (streq(access, "rw"))
                n->access = SCHEMA_READ_WRITE;
        else
                return fail(p, -EINVAL, "unknown access '%s' (expected ro or rw)", access);

        r = dmpath_parse(path, DMPATH_ALLOW_PARTIAL | DMPATH_ALLOW_PLACEHOLDER, &dp, &perr);
        if (r == -ENOMEM)
                return fail_oom(p);
        if (r == -ENAMETOOLONG)
                return fail(p, -EINVAL, "path is longer than %d characters", DMPATH_MAX_LEN);
        if (r < 0)
                return fail(p, -EINVAL, "invalid path '%s': %s at offset %zu", path,
                            perr.reason ? perr.reason : "malformed", perr.offset);
        if (dp.n_segs == 0)
                return fail(p, -EINVAL, "invalid path '%s'", path);
        r = check_segments(p, path, &dp, n->is_object, &name_seg);
        if (r < 0)
                return r;
        n->multi_instance = n->is_object && dp.segs[dp.n_segs - 1].kind == DMPATH_SEG_PLACEHOLDER;
        if (n->is_object && !n->multi_instance && n->access == SCHEMA_READ_WRITE)
                return fail(p, -EINVAL, "single-instance object '%s' must be ro", path);

        /* path and name in one allocation: "Device.X.Item.{i}.\0Item\0" */
        size_t path_len = strlen(path), name_off = segment_offset(path, name_seg);
        size_t name_len = strcspn(path + name_off, ".");
        n->path = malloc(path_len + 1 + name_len + 1);
        if (!n->path)
                return fail_oom(p);
        memcpy(n->path, path, path_len + 1);
        memcpy(n->path + path_len + 1, path + name_off, name_len);
        n->path[path_len + 1 + name_len] = '\0';
        n->name = n->path + path_len + 1;
        n->file = p->file;
        n->line = p->line;
        n->storage = n->access == SCHEMA_READ_WRITE ? SCHEMA_PERSIST : SCHEMA_LIVE;

        const struct schema_node *dup = find_any(p, path, path_len);
        /* Fragments of different daemons share their parents: dmd's Device.IP. holds its
         * interfaces and diagd's Device.IP.Diagnostics., and each fragment must load alone
         * in its provider. Another file may declare a single-instance object again. */
        if (dup && dup->is_object && !dup->multi_instance && n->is_object && !n->multi_instance &&
            !streq_ptr(dup->file, p->file)) {
                r = next_token(p, &cursor, &token);
                if (r < 0)
                        return r;
                if (r == 0)
                        return 0;
        }
        if (dup)
                return fail(p, -EINVAL, "duplicate path '%s' (first declared at %s:%u)", path,
                            dup->file, dup->line);
        if (name_seg == 0) {
                const struct schema_node *root = p->s->root ? p->s->root : p->pending_root;
                if (!n->is_object || n->multi_instance)
                        return fail(p, -EINVAL,
                                    "'%s' has no parent object (the root is a single object "
                                    "such as 'Device.')",
                                    path);
                if (root)
                        return fail(p, -EINVAL, "second root object '%s' (the root is '%s')", path,
                                    root->path);
        } else {
                r = check_name_free(p, path, name_off + name_len);
                if (r < 0)
                        return r;
                n->parent = find_any(p, path, name_off);
                if (!n->parent)
                        return fail(p, -EINVAL, "parent object '%.*s' is not declared",
                                    (int)name_off, path);
        }

        for (;;) {
                r = next_token(p, &cursor, &token);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                r = parse_attribute(p, n, token, &seen, &default_value);
                if (r < 0)
                        return r;
        }
        if (default_value) {
                r = check_default(p, n, default_value);
                if (r < 0)
                        return r;
        }

        if (!n->parent)
                p->pending_root = n;
        r = pending_add(p, n);
        if (r < 0)
                return r;
        TAKE_PTR(n);
        return 0;
}

static int parse_lines(struct parser *p, const char *data, size_t len)
{
        char line[SCHEMA_MAX_LINE + 1];

        for (size_t pos = 0; pos < len;) {
                const char *start = data + pos;
                const char *nl = memchr(start, '\n', len - pos);
                size_t n = nl ? (size_t)(nl - start) : len - pos;

                pos += n + (nl ? 1 : 0);
                p->line++;
                if (n > 0 && start[n - 1] == '\r')
                        n--;
                if (n > SCHEMA_MAX_LINE)
                        return fail(p, -EINVAL, "line longer than %d characters", SCHEMA_MAX_LINE);
                if (memchr(start, '\0', n))
                        return fail(p, -EINVAL, "NUL byte in line");
                memcpy(line, start, n);
                line[n] = '\0';

                const char *first = line + strspn(line, " \t");
                if (*first == '\0' || *first == '#')
                        continue;
                int r = parse_line(p, line);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Moves the pending nodes into the schema. Everything that can fail happens before the
 * first node is linked. */
static int commit(struct parser *p, char **file)
{
        struct schema *s = p->s;

        if (p->n_pending == 0)
                return 0;
        if (index_reserve(&s->index, s->index.n_used + p->n_pending) < 0)
                return fail_oom(p);
        char **files = realloc(s->files, (s->n_files + 1) * sizeof(char *));
        if (!files)
                return fail_oom(p);
        s->files = files;
        s->files[s->n_files++] = TAKE_PTR(*file);

        for (size_t i = 0; i < p->n_pending; i++) {
                struct schema_node *n = p->pending[i], *parent = n->parent;
                index_put(&s->index, n);
                if (!parent)
                        s->root = n;
                else if (parent->last_child)
                        parent->last_child->next_sibling = n;
                else
                        parent->first_child = n;
                if (parent)
                        parent->last_child = n;
                if (n->is_object)
                        s->n_objects++;
                else
                        s->n_parameters++;
        }
        p->n_pending = 0;
        return 0;
}

int schema_parse_buffer(struct schema *s, const char *file, const char *data, size_t len,
                        struct schema_error *err)
{
        _cleanup_free_ char *file_copy = strdup(file ? file : "(buffer)");
        struct parser p = {.s = s, .file = file_copy, .err = err};
        int r;

        if (!file_copy)
                return -ENOMEM;
        if (!s || (!data && len > 0))
                return -EINVAL;

        r = parse_lines(&p, data, len);
        if (r >= 0)
                r = commit(&p, &file_copy);

        for (size_t i = 0; i < p.n_pending; i++)
                node_free(p.pending[i]);
        free(p.pending);
        free(p.pending_index.slots);
        return r;
}

static int fail_file(struct schema_error *err, const char *path, int r, const char *what)
{
        if (err) {
                char *message = NULL;
                if (asprintf(&message, "%s: %s", what, strerror(-r)) < 0)
                        message = NULL;
                *err = (struct schema_error){.file = strdup(path), .message = message};
        }
        return r;
}

int schema_load_file(struct schema *s, const char *path, struct schema_error *err)
{
        _cleanup_free_ char *data = NULL;
        size_t len = 0;

        if (!s || !path)
                return -EINVAL;
        int r = store_read_file(path, SCHEMA_MAX_FILE_SIZE, &data, &len);
        if (r < 0)
                return fail_file(err, path, r, "cannot read schema file");
        return schema_parse_buffer(s, path, data, len, err);
}

static int schema_file_filter(const struct dirent *d)
{
        size_t n = strlen(d->d_name);
        /* hidden files are editors' and package managers' leftovers */
        return d->d_name[0] != '.' && n > strlen(".schema") &&
               streq(d->d_name + n - strlen(".schema"), ".schema");
}

static int name_order(const struct dirent **a, const struct dirent **b)
{
        return strcmp((*a)->d_name, (*b)->d_name);
}

int schema_load_dir(struct schema *s, const char *dir, struct schema_error *err)
{
        struct dirent **entries = NULL;
        int n, r = 0;

        if (!s || !dir)
                return -EINVAL;
        n = scandir(dir, &entries, schema_file_filter, name_order);
        if (n < 0)
                return fail_file(err, dir, -errno, "cannot read schema directory");

        for (int i = 0; i < n; i++) {
                if (r >= 0) {
                        _cleanup_free_ char *path = NULL;
                        struct stat st;
                        if (asprintf(&path, "%s/%s", dir, entries[i]->d_name) < 0) {
                                path = NULL;
                                r = -ENOMEM;
                        } else if (stat(path, &st) < 0)
                                r = fail_file(err, path, -errno, "cannot read schema file");
                        else if (S_ISREG(st.st_mode))
                                r = schema_load_file(s, path, err);
                }
                free(entries[i]);
        }
        free(entries);
        return r;
}

int schema_load_dirs(struct schema *s, char *const *dirs, size_t n, struct schema_error *err)
{
        int r = 0;

        for (size_t i = 0; r >= 0 && i < n; i++)
                r = schema_load_dir(s, dirs[i], err);
        return r;
}

const char *schema_default_value(const struct schema_node *n)
{
        if (n->default_value)
                return n->default_value;
        if (n->facets.is_list)
                return "";
        switch (n->facets.type) {
        case CW_TYPE_INT:
        case CW_TYPE_UNSIGNED_INT:
        case CW_TYPE_LONG:
        case CW_TYPE_UNSIGNED_LONG:
                return "0";
        case CW_TYPE_BOOLEAN:
                return "false";
        case CW_TYPE_DATETIME:
                return "0001-01-01T00:00:00Z"; /* TR-069's unknown time */
        default:
                return "";
        }
}
