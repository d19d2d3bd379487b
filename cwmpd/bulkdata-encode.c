/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bulkdata-encode.h"
#include "kvmap.h"
#include "types.h"

/* ---- the enumerations ---- */

static const char *const timestamp_names[] = {
        [BULKDATA_TIMESTAMP_UNIX_EPOCH] = "Unix-Epoch",
        [BULKDATA_TIMESTAMP_ISO_8601] = "ISO-8601",
        [BULKDATA_TIMESTAMP_NONE] = "None",
};
static const char *const json_format_names[] = {
        [BULKDATA_JSON_OBJECT_HIERARCHY] = "ObjectHierarchy",
        [BULKDATA_JSON_NAME_VALUE_PAIR] = "NameValuePair",
};
static const char *const csv_format_names[] = {
        [BULKDATA_CSV_PARAMETER_PER_ROW] = "ParameterPerRow",
        [BULKDATA_CSV_PARAMETER_PER_COLUMN] = "ParameterPerColumn",
};

static int lookup(const char *const *names, size_t n, const char *s)
{
        for (size_t i = 0; s && i < n; i++)
                if (streq(names[i], s))
                        return (int)i;
        return -EINVAL;
}

int bulkdata_timestamp_from_string(const char *s, enum bulkdata_timestamp *ret)
{
        int r = lookup(timestamp_names, ELEMENTSOF(timestamp_names), s);
        if (r >= 0)
                *ret = (enum bulkdata_timestamp)r;
        return r < 0 ? r : 0;
}

int bulkdata_json_format_from_string(const char *s, enum bulkdata_json_format *ret)
{
        int r = lookup(json_format_names, ELEMENTSOF(json_format_names), s);
        if (r >= 0)
                *ret = (enum bulkdata_json_format)r;
        return r < 0 ? r : 0;
}

int bulkdata_csv_format_from_string(const char *s, enum bulkdata_csv_format *ret)
{
        int r = lookup(csv_format_names, ELEMENTSOF(csv_format_names), s);
        if (r >= 0)
                *ret = (enum bulkdata_csv_format)r;
        return r < 0 ? r : 0;
}

const char *bulkdata_json_format_to_string(enum bulkdata_json_format f)
{
        return (size_t)f < ELEMENTSOF(json_format_names) ? json_format_names[f] : NULL;
}

const char *bulkdata_csv_format_to_string(enum bulkdata_csv_format f)
{
        return (size_t)f < ELEMENTSOF(csv_format_names) ? csv_format_names[f] : NULL;
}

int bulkdata_csv_separator_decode(const char *s, char **ret)
{
        struct buf b = {};
        int r = 0;

        if (!s)
                s = "";
        while (r >= 0 && *s) {
                unsigned long code;
                char *end;
                /* "&#13;" or "&#x0D;": one character, written as the model's default is */
                if (s[0] == '&' && s[1] == '#') {
                        bool hex = s[2] == 'x' || s[2] == 'X';
                        errno = 0;
                        code = strtoul(s + (hex ? 3 : 2), &end, hex ? 16 : 10);
                        if (errno == 0 && end > s + (hex ? 3 : 2) && *end == ';' && code > 0 &&
                            code < 0x80) {
                                char c = (char)code;
                                r = buf_append(&b, &c, 1);
                                s = end + 1;
                                continue;
                        }
                }
                r = buf_append(&b, s, 1);
                s++;
        }
        if (r >= 0 && !b.data)
                r = buf_append(&b, "", 0);
        if (r < 0) {
                buf_done(&b);
                return r;
        }
        *ret = buf_steal(&b);
        return 0;
}

/* ---- timestamps ---- */

static int append_iso8601(struct buf *out, int64_t time_ms, bool quoted)
{
        char text[40];
        int64_t seconds = time_ms / 1000 - (time_ms % 1000 < 0);
        int r = cw_format_datetime(seconds, 0, text, sizeof(text));

        if (r < 0)
                return r;
        return quoted ? buf_printf(out, "\"%s\"", text) : buf_printf(out, "%s", text);
}

/* ---- JSON ---- */

static int json_string(struct buf *out, const char *s)
{
        static const char hex[] = "0123456789abcdef";
        const char *run = s;
        int r = buf_append(out, "\"", 1);

        for (; r >= 0 && *s; s++) {
                unsigned char c = (unsigned char)*s;
                char esc[7];
                size_t len = 2;

                if (c >= 0x20 && c != '"' && c != '\\')
                        continue;
                r = buf_append(out, run, (size_t)(s - run));
                esc[0] = '\\';
                switch (c) {
                case '"':
                case '\\':
                        esc[1] = (char)c;
                        break;
                case '\n':
                        esc[1] = 'n';
                        break;
                case '\r':
                        esc[1] = 'r';
                        break;
                case '\t':
                        esc[1] = 't';
                        break;
                case '\b':
                        esc[1] = 'b';
                        break;
                case '\f':
                        esc[1] = 'f';
                        break;
                default:
                        memcpy(esc, "\\u00", 4);
                        esc[4] = hex[c >> 4];
                        esc[5] = hex[c & 15];
                        len = 6;
                }
                if (r >= 0)
                        r = buf_append(out, esc, len);
                run = s + 1;
        }
        if (r >= 0)
                r = buf_append(out, run, (size_t)(s - run));
        if (r >= 0)
                r = buf_append(out, "\"", 1);
        return r;
}

/* Numbers and booleans as JSON has them (in canonical form); a value that does not parse as
 * its type stays a string, so the body is valid JSON whatever a provider answered. */
static int json_value(struct buf *out, const struct bulkdata_value *v)
{
        const char *type = v->type ? v->type : "";
        int64_t i;
        uint64_t u;
        bool b;

        if ((streq(type, "int") || streq(type, "long")) && cw_parse_int64(v->value, &i) >= 0)
                return buf_printf(out, "%" PRId64, i);
        if ((streq(type, "unsignedInt") || streq(type, "unsignedLong")) &&
            cw_parse_uint64(v->value, &u) >= 0)
                return buf_printf(out, "%" PRIu64, u);
        if (streq(type, "boolean") && cw_parse_bool(v->value, &b) >= 0)
                return buf_printf(out, "%s", b ? "true" : "false");
        return json_string(out, v->value ? v->value : "");
}

static int json_collection_time(struct buf *out, int64_t time_ms, enum bulkdata_timestamp timestamp,
                                bool *first)
{
        int r;

        if (timestamp == BULKDATA_TIMESTAMP_NONE)
                return 0;
        *first = false;
        r = buf_printf(out, "\"CollectionTime\":");
        if (r < 0)
                return r;
        if (timestamp == BULKDATA_TIMESTAMP_ISO_8601)
                return append_iso8601(out, time_ms, true);
        return buf_printf(out, "%" PRId64, time_ms);
}

/* The object hierarchy of one report: a tree of the names' segments. */
struct node {
        char *key;
        const struct bulkdata_value *leaf; /* NULL: an object */
        struct node *children;
        size_t n_children, allocated;
};

static void node_done(struct node *n)
{
        for (size_t i = 0; i < n->n_children; i++)
                node_done(&n->children[i]);
        free(n->children);
        free(n->key);
}

/* The child named key[0..len) of that kind, made if missing. Values usually come in tree
 * order, so the search starts at the last child. */
static struct node *node_child(struct node *n, const char *key, size_t len, bool leaf)
{
        for (size_t k = n->n_children; k > 0; k--) {
                struct node *c = &n->children[k - 1];
                if ((c->leaf != NULL) == leaf && strlen(c->key) == len &&
                    memcmp(c->key, key, len) == 0)
                        return c;
        }
        if (n->n_children == n->allocated) {
                size_t a = n->allocated ? n->allocated * 2 : 4;
                struct node *bigger = realloc(n->children, a * sizeof(*bigger));
                if (!bigger)
                        return NULL;
                n->children = bigger;
                n->allocated = a;
        }
        struct node *c = &n->children[n->n_children];
        *c = (struct node){.key = strndup(key, len)};
        if (!c->key)
                return NULL;
        n->n_children++;
        return c;
}

static int node_add(struct node *root, const struct bulkdata_value *v)
{
        struct node *n = root;
        const char *s = v->name;

        for (;;) {
                const char *dot = strchr(s, '.');
                size_t len = dot ? (size_t)(dot - s) : strlen(s);
                bool last = !dot || dot[1] == '\0';

                n = node_child(n, s, len, last);
                if (!n)
                        return -ENOMEM;
                if (last) {
                        n->leaf = v;
                        return 0;
                }
                s = dot + 1;
        }
}

static int node_write(const struct node *n, struct buf *out, bool first)
{
        int r = 0;

        for (size_t i = 0; r >= 0 && i < n->n_children; i++) {
                const struct node *c = &n->children[i];
                if (!first || i > 0)
                        r = buf_append(out, ",", 1);
                if (r >= 0)
                        r = json_string(out, c->key);
                if (r >= 0)
                        r = buf_append(out, ":", 1);
                if (r < 0)
                        break;
                if (c->leaf) {
                        r = json_value(out, c->leaf);
                        continue;
                }
                r = buf_append(out, "{", 1);
                if (r >= 0)
                        r = node_write(c, out, true);
                if (r >= 0)
                        r = buf_append(out, "}", 1);
        }
        return r;
}

static int json_report(const struct bulkdata_report *report, enum bulkdata_json_format format,
                       enum bulkdata_timestamp timestamp, struct buf *out)
{
        bool first = true;
        int r = buf_append(out, "{", 1);

        if (r >= 0)
                r = json_collection_time(out, report->time_ms, timestamp, &first);
        if (r < 0)
                return r;
        if (format == BULKDATA_JSON_NAME_VALUE_PAIR) {
                for (size_t i = 0; r >= 0 && i < report->n_values; i++) {
                        if (!first || i > 0)
                                r = buf_append(out, ",", 1);
                        if (r >= 0)
                                r = json_string(out, report->values[i].name);
                        if (r >= 0)
                                r = buf_append(out, ":", 1);
                        if (r >= 0)
                                r = json_value(out, &report->values[i]);
                }
        } else {
                struct node root = {};
                for (size_t i = 0; r >= 0 && i < report->n_values; i++)
                        r = node_add(&root, &report->values[i]);
                if (r >= 0)
                        r = node_write(&root, out, first);
                node_done(&root);
        }
        if (r >= 0)
                r = buf_append(out, "}", 1);
        return r;
}

int bulkdata_encode_json(const struct bulkdata_report *reports, size_t n,
                         enum bulkdata_json_format format, enum bulkdata_timestamp timestamp,
                         struct buf *out)
{
        int r = buf_printf(out, "{\"Report\":[");

        for (size_t i = 0; r >= 0 && i < n; i++) {
                if (i > 0)
                        r = buf_append(out, ",", 1);
                if (r >= 0)
                        r = json_report(&reports[i], format, timestamp, out);
        }
        if (r >= 0)
                r = buf_printf(out, "]}");
        return r;
}

/* ---- CSV ---- */

struct csv {
        const char *fs, *rs, *esc;
        struct buf *out;
};

/* A field with a separator, the escape character or a line break in it is enclosed in the
 * escape character, and the escape character inside is doubled (RFC 4180 with '"'). */
static int csv_field(const struct csv *c, const char *s)
{
        size_t esc_len = strlen(c->esc);
        bool quote = esc_len > 0 && (strstr(s, c->fs) || strstr(s, c->rs) || strstr(s, c->esc) ||
                                     strpbrk(s, "\r\n"));
        int r;

        if (!quote)
                return buf_append(c->out, s, strlen(s));
        r = buf_append(c->out, c->esc, esc_len);
        while (r >= 0 && *s) {
                const char *hit = strstr(s, c->esc);
                size_t len = hit ? (size_t)(hit - s) + esc_len : strlen(s);
                r = buf_append(c->out, s, len);
                if (r >= 0 && hit)
                        r = buf_append(c->out, c->esc, esc_len);
                s += len;
        }
        if (r >= 0)
                r = buf_append(c->out, c->esc, esc_len);
        return r;
}

static int csv_separator(const struct csv *c)
{
        return buf_append(c->out, c->fs, strlen(c->fs));
}

static int csv_end_row(const struct csv *c)
{
        return buf_append(c->out, c->rs, strlen(c->rs));
}

/* The row's timestamp and its separator, unless the timestamp is None. */
static int csv_timestamp(const struct csv *c, int64_t time_ms, enum bulkdata_timestamp t)
{
        int r;

        if (t == BULKDATA_TIMESTAMP_NONE)
                return 0;
        if (t == BULKDATA_TIMESTAMP_ISO_8601)
                r = append_iso8601(c->out, time_ms, false);
        else
                r = buf_printf(c->out, "%" PRId64, time_ms);
        return r < 0 ? r : csv_separator(c);
}

static int csv_per_row(const struct csv *c, const struct bulkdata_report *reports, size_t n,
                       enum bulkdata_timestamp t)
{
        static const char *const header[] = {"ParameterName", "ParameterValue", "ParameterType"};
        int r = 0;

        if (t != BULKDATA_TIMESTAMP_NONE)
                r = buf_printf(c->out, "ReportTimestamp%s", c->fs);
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(header); i++) {
                if (i > 0)
                        r = csv_separator(c);
                if (r >= 0)
                        r = csv_field(c, header[i]);
        }
        if (r >= 0)
                r = csv_end_row(c);
        for (size_t k = 0; r >= 0 && k < n; k++) {
                for (size_t i = 0; r >= 0 && i < reports[k].n_values; i++) {
                        const struct bulkdata_value *v = &reports[k].values[i];
                        r = csv_timestamp(c, reports[k].time_ms, t);
                        if (r >= 0)
                                r = csv_field(c, v->name);
                        if (r >= 0)
                                r = csv_separator(c);
                        if (r >= 0)
                                r = csv_field(c, v->value ? v->value : "");
                        if (r >= 0)
                                r = csv_separator(c);
                        if (r >= 0)
                                r = csv_field(c, v->type ? v->type : "");
                        if (r >= 0)
                                r = csv_end_row(c);
                }
        }
        return r;
}

static int csv_per_column(const struct csv *c, const struct bulkdata_report *reports, size_t n,
                          enum bulkdata_timestamp t)
{
        _cleanup_kvmap_ struct kvmap *index = kvmap_new();
        _cleanup_(strv_done) struct strv columns = {};
        _cleanup_free_ const char **row = NULL;
        int r = 0;

        if (!index)
                return -ENOMEM;
        /* the columns: every name, in the order it first appears */
        for (size_t k = 0; r >= 0 && k < n; k++)
                for (size_t i = 0; r >= 0 && i < reports[k].n_values; i++) {
                        const char *name = reports[k].values[i].name;
                        char number[24];
                        if (kvmap_get(index, name))
                                continue;
                        snprintf(number, sizeof(number), "%zu", columns.n);
                        r = kvmap_set(index, name, number);
                        if (r >= 0)
                                r = strv_push(&columns, name);
                }
        if (r < 0)
                return r;
        row = calloc(columns.n + 1, sizeof(*row));
        if (!row)
                return -ENOMEM;

        if (t != BULKDATA_TIMESTAMP_NONE)
                r = buf_printf(c->out, "ReportTimestamp%s", c->fs);
        for (size_t i = 0; r >= 0 && i < columns.n; i++) {
                if (i > 0)
                        r = csv_separator(c);
                if (r >= 0)
                        r = csv_field(c, columns.v[i]);
        }
        if (r >= 0)
                r = csv_end_row(c);
        for (size_t k = 0; r >= 0 && k < n; k++) {
                for (size_t i = 0; i < columns.n; i++)
                        row[i] = "";
                for (size_t i = 0; i < reports[k].n_values; i++) {
                        const struct bulkdata_value *v = &reports[k].values[i];
                        row[strtoul(kvmap_get(index, v->name), NULL, 10)] =
                                v->value ? v->value : "";
                }
                r = csv_timestamp(c, reports[k].time_ms, t);
                for (size_t i = 0; r >= 0 && i < columns.n; i++) {
                        if (i > 0)
                                r = csv_separator(c);
                        if (r >= 0)
                                r = csv_field(c, row[i]);
                }
                if (r >= 0)
                        r = csv_end_row(c);
        }
        return r;
}

int bulkdata_encode_csv(const struct bulkdata_report *reports, size_t n,
                        const struct bulkdata_csv_options *options, struct buf *out)
{
        const struct csv c = {
                .fs = options->field_separator && options->field_separator[0]
                              ? options->field_separator
                              : ",",
                .rs = options->row_separator && options->row_separator[0] ? options->row_separator
                                                                          : "\r\n",
                .esc = options->escape ? options->escape : "",
                .out = out,
        };

        if (options->format == BULKDATA_CSV_PARAMETER_PER_ROW)
                return csv_per_row(&c, reports, n, options->timestamp);
        return csv_per_column(&c, reports, n, options->timestamp);
}
