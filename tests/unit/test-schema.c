/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "path.h"
#include "schema.h"
#include "util.h"

static void schema_freep(struct schema **s)
{
        schema_free(*s);
}
#define _cleanup_schema_ _cleanup_(schema_freep)

static int parse(struct schema *s, const char *file, const char *text, struct schema_error *err)
{
        return schema_parse_buffer(s, file, text, strlen(text), err);
}

static const struct schema_node *lookup(const struct schema *s, const char *path)
{
        struct dmpath p = {};
        if (dmpath_parse(path, DMPATH_ALLOW_PARTIAL | DMPATH_ALLOW_ALIAS, &p, NULL) < 0)
                return NULL;
        const struct schema_node *n = schema_lookup(s, &p);
        dmpath_done(&p);
        return n;
}

static const char good[] =
        "# The root and a few objects\n"
        "Device.                                  object       ro\n"
        "Device.RootDataModelVersion              string       ro  size=0..32  "
        "pattern=2\\.[0-9]+  live  forcedInform\n"
        "\n"
        "   # an indented comment\n"
        "Device.DeviceInfo.                       object       ro\n"
        "Device.DeviceInfo.Manufacturer\tstring\tro\tsize=..64\n"
        "Device.DeviceInfo.ProvisioningCode       string       rw  size=0..64  forcedInform  "
        "activeNotify=forceEnabled\n"
        "Device.DeviceInfo.UpTime                 unsignedInt  ro  activeNotify=canDeny\r\n"
        "Device.X.                                object       ro\n"
        "Device.X.Item.{i}.                       object       rw  maxEntries=16\n"
        "Device.X.Item.{i}.Mode                   string       rw  enum=Auto|Manual|  "
        "default=Auto\n"
        "Device.X.Item.{i}.Ports    list<unsignedInt>  rw  range=1..1023  range=8080..8090  "
        "items=1..8  listSize=..64  default=\"22, +80\"\n"
        "Device.X.Item.{i}.Offset                 int          rw  range=-100..-1  default=-5 "
        "live\n"
        "Device.X.Item.{i}.Counter                unsignedLong ro  range=10..  persist\n"
        "Device.X.Item.{i}.Enable                 boolean      rw  default=1\n"
        "Device.X.Item.{i}.Secret                 string       rw  hidden  size=8..63\n"
        "Device.X.Item.{i}.Label                  string       rw  default=\"a \\\"b\\\" "
        "\\\\ c\"\n"
        "Device.X.Item.{i}.Key                    hexBinary    rw  size=4..4\n"
        "Device.X.Item.{i}.Sub.                   object       ro\n"
        "Device.X.Item.{i}.Sub.Row.{i}.           object       ro\n"
        "Device.X.Item.{i}.Sub.Row.{i}.When       dateTime     ro\n"
        "Device.X.Item.{i}.Sub.Row.{i}.Delta      long         ro  range=..0\n"
        "Device.X.Item.{i}.Mac  string  ro  "
        "pattern=([0-9A-Fa-f][0-9A-Fa-f]:){5}([0-9A-Fa-f][0-9A-Fa-f])  "
        "pattern=(a{30}){30}  pattern=[[:alpha:]()+*]{1,255}\n"
        "Device.X.Item.{i}.Algo  string  rw  enum=\"New Reno|Vegas\"  default=\"New Reno\"\n";

static void test_good_file(void **state)
{
        _cleanup_schema_ struct schema *s = NULL;
        struct schema_error err = {};

        assert_int_equal(schema_new(&s), 0);
        assert_null(schema_root(s));
        assert_int_equal(parse(s, "good.schema", good, &err), 0);
        assert_null(err.message);
        assert_int_equal(schema_n_objects(s), 6);
        assert_int_equal(schema_n_parameters(s), 16);

        const struct schema_node *root = schema_root(s);
        assert_non_null(root);
        assert_string_equal(root->path, "Device.");
        assert_string_equal(root->name, "Device");
        assert_null(root->parent);
        assert_true(root->is_object);
        assert_string_equal(root->file, "good.schema");
        assert_int_equal(root->line, 2);

        /* children in declaration order */
        const char *expected[] = {"RootDataModelVersion", "DeviceInfo", "X"};
        const struct schema_node *c = root->first_child;
        for (size_t i = 0; i < ELEMENTSOF(expected); i++, c = c->next_sibling) {
                assert_non_null(c);
                assert_string_equal(c->name, expected[i]);
                assert_ptr_equal(c->parent, root);
        }
        assert_null(c);
        assert_string_equal(root->last_child->path, "Device.X.");

        const struct schema_node *item = schema_find(s, "Device.X.Item.{i}.");
        assert_non_null(item);
        assert_string_equal(item->name, "Item");
        assert_true(item->multi_instance);
        assert_int_equal(item->access, SCHEMA_READ_WRITE);
        assert_int_equal(item->max_entries, 16);
        assert_ptr_equal(item->parent, schema_find(s, "Device.X."));
        assert_string_equal(item->first_child->name, "Mode");
        assert_string_equal(item->last_child->name, "Algo");
        /* usual patterns are not "too complex", even with hundreds of copies */
        assert_int_equal(schema_find(s, "Device.X.Item.{i}.Mac")->facets.n_patterns, 3);

        const struct schema_node *row = schema_find(s, "Device.X.Item.{i}.Sub.Row.{i}.");
        assert_non_null(row);
        assert_string_equal(row->name, "Row");
        assert_int_equal(row->access, SCHEMA_READ_ONLY);
        assert_int_equal(row->max_entries, 0);
        assert_int_equal(row->line, 21);
        assert_false(schema_find(s, "Device.X.")->multi_instance);
}

static void test_facets(void **state)
{
        _cleanup_schema_ struct schema *s = NULL;
        const struct schema_node *n;

        assert_int_equal(schema_new(&s), 0);
        assert_int_equal(parse(s, "good.schema", good, NULL), 0);

        n = schema_find(s, "Device.RootDataModelVersion");
        assert_non_null(n);
        assert_false(n->is_object);
        assert_int_equal(n->facets.type, CW_TYPE_STRING);
        assert_int_equal(n->facets.min_size, 0);
        assert_int_equal(n->facets.max_size, 32);
        assert_int_equal(n->facets.n_patterns, 1);
        assert_string_equal(n->facets.patterns[0], "2\\.[0-9]+");
        assert_int_equal(n->storage, SCHEMA_LIVE);
        assert_true(n->forced_inform);
        assert_int_equal(n->notify_rule, SCHEMA_NOTIFY_NORMAL);
        assert_int_equal(cw_value_check(&n->facets, "2.19", NULL), 0);
        assert_int_equal(cw_value_check(&n->facets, "1.19", NULL), -ERANGE);

        n = schema_find(s, "Device.DeviceInfo.Manufacturer");
        assert_int_equal(n->facets.max_size, 64);
        assert_int_equal(n->access, SCHEMA_READ_ONLY);
        assert_int_equal(n->storage, SCHEMA_LIVE);
        assert_false(n->forced_inform);
        assert_null(n->default_value);

        n = schema_find(s, "Device.DeviceInfo.ProvisioningCode");
        assert_int_equal(n->access, SCHEMA_READ_WRITE);
        assert_int_equal(n->storage, SCHEMA_PERSIST);
        assert_int_equal(n->notify_rule, SCHEMA_NOTIFY_FORCE_ENABLED);
        assert_true(n->forced_inform);

        /* the line ended in CRLF */
        n = schema_find(s, "Device.DeviceInfo.UpTime");
        assert_int_equal(n->facets.type, CW_TYPE_UNSIGNED_INT);
        assert_int_equal(n->notify_rule, SCHEMA_NOTIFY_CAN_DENY);
        assert_int_equal(n->facets.n_ranges, 0);

        n = schema_find(s, "Device.X.Item.{i}.Mode");
        assert_int_equal(n->facets.n_enums, 3);
        assert_string_equal(n->facets.enums[0], "Auto");
        assert_string_equal(n->facets.enums[1], "Manual");
        assert_string_equal(n->facets.enums[2], "");
        assert_string_equal(n->default_value, "Auto");

        n = schema_find(s, "Device.X.Item.{i}.Ports");
        assert_true(n->facets.is_list);
        assert_int_equal(n->facets.type, CW_TYPE_UNSIGNED_INT);
        assert_int_equal(n->facets.n_ranges, 2);
        assert_int_equal(n->facets.ranges[0].min.u, 1);
        assert_int_equal(n->facets.ranges[0].max.u, 1023);
        assert_int_equal(n->facets.ranges[1].min.u, 8080);
        assert_int_equal(n->facets.ranges[1].max.u, 8090);
        assert_int_equal(n->facets.list_min_items, 1);
        assert_int_equal(n->facets.list_max_items, 8);
        assert_int_equal(n->facets.list_max_len, 64);
        assert_string_equal(n->default_value, "22,80"); /* canonical form */
        assert_int_equal(cw_value_check(&n->facets, "8085", NULL), 0);
        assert_int_equal(cw_value_check(&n->facets, "2000", NULL), -ERANGE);

        n = schema_find(s, "Device.X.Item.{i}.Offset");
        assert_int_equal(n->facets.type, CW_TYPE_INT);
        assert_int_equal(n->facets.ranges[0].min.s, -100);
        assert_int_equal(n->facets.ranges[0].max.s, -1);
        assert_string_equal(n->default_value, "-5");
        assert_int_equal(n->storage, SCHEMA_LIVE); /* rw, but explicitly live */

        n = schema_find(s, "Device.X.Item.{i}.Counter");
        assert_int_equal(n->facets.type, CW_TYPE_UNSIGNED_LONG);
        assert_true(n->facets.ranges[0].min.u == 10);
        assert_true(n->facets.ranges[0].max.u == UINT64_MAX); /* empty bound: the type's */
        assert_int_equal(n->storage, SCHEMA_PERSIST);         /* ro, but explicitly persist */

        n = schema_find(s, "Device.X.Item.{i}.Sub.Row.{i}.Delta");
        assert_int_equal(n->facets.type, CW_TYPE_LONG);
        assert_true(n->facets.ranges[0].min.s == INT64_MIN);
        assert_true(n->facets.ranges[0].max.s == 0);

        n = schema_find(s, "Device.X.Item.{i}.Enable");
        assert_int_equal(n->facets.type, CW_TYPE_BOOLEAN);
        assert_string_equal(n->default_value, "true");

        n = schema_find(s, "Device.X.Item.{i}.Secret");
        assert_true(n->hidden);
        assert_int_equal(n->facets.min_size, 8);
        assert_int_equal(n->facets.max_size, 63);

        n = schema_find(s, "Device.X.Item.{i}.Label");
        assert_string_equal(n->default_value, "a \"b\" \\ c");

        n = schema_find(s, "Device.X.Item.{i}.Key");
        assert_int_equal(n->facets.type, CW_TYPE_HEXBINARY);
        assert_int_equal(cw_value_check(&n->facets, "0011aaFF", NULL), 0);
        assert_int_equal(cw_value_check(&n->facets, "0011aa", NULL), -ERANGE);

        n = schema_find(s, "Device.X.Item.{i}.Algo");
        assert_int_equal(n->facets.n_enums, 2);
        assert_string_equal(n->facets.enums[0], "New Reno");
        assert_string_equal(n->default_value, "New Reno");

        n = schema_find(s, "Device.X.Item.{i}.Sub.Row.{i}.When");
        assert_int_equal(n->facets.type, CW_TYPE_DATETIME);
}

static void test_lookup_by_instance_path(void **state)
{
        _cleanup_schema_ struct schema *s = NULL;

        assert_int_equal(schema_new(&s), 0);
        assert_int_equal(parse(s, "good.schema", good, NULL), 0);

        assert_ptr_equal(lookup(s, "Device.X.Item.3.Mode"),
                         schema_find(s, "Device.X.Item.{i}.Mode"));
        assert_ptr_equal(lookup(s, "Device.X.Item.[wan].Mode"),
                         schema_find(s, "Device.X.Item.{i}.Mode"));
        assert_ptr_equal(lookup(s, "Device.X.Item.4294967295."),
                         schema_find(s, "Device.X.Item.{i}."));
        assert_ptr_equal(lookup(s, "Device.X.Item.7.Sub.Row.[r1].When"),
                         schema_find(s, "Device.X.Item.{i}.Sub.Row.{i}.When"));
        assert_ptr_equal(lookup(s, "Device."), schema_root(s));
        assert_ptr_equal(lookup(s, "Device.DeviceInfo.UpTime"),
                         schema_find(s, "Device.DeviceInfo.UpTime"));

        /* objects end in ".", parameters do not */
        assert_null(lookup(s, "Device.DeviceInfo.UpTime."));
        assert_null(lookup(s, "Device.DeviceInfo"));
        assert_null(lookup(s, "Device.X.Item.1.Nope"));
        assert_null(lookup(s, "Device.X.3.Mode"));
        assert_null(schema_find(s, "Device.X.Item.1.Mode"));
        assert_null(schema_find(s, "Device.X.Item.{i}.Mod"));
        assert_null(schema_find(s, ""));
}

/* An instance path longer than its template: "{i}" is 3 characters, "1" is one. */
static void test_lookup_long_instance_path(void **state)
{
        _cleanup_schema_ struct schema *s = NULL;
        struct buf text = {}, tmpl = {}, path = {};

        assert_int_equal(schema_new(&s), 0);
        assert_int_equal(buf_printf(&text, "D. object ro\n"), 0);
        assert_int_equal(buf_printf(&tmpl, "D."), 0);
        assert_int_equal(buf_printf(&path, "D."), 0);
        /* "T.{i}." is 6 characters; 40 of them make a 242-character template */
        for (int i = 0; i < 40; i++) {
                assert_int_equal(buf_printf(&tmpl, "T.{i}."), 0);
                assert_int_equal(buf_printf(&text, "%s object ro\n", tmpl.data), 0);
                assert_int_equal(buf_printf(&path, "T.4000000000."), 0);
        }
        assert_int_equal(parse(s, "long", text.data, NULL), 0);
        assert_int_equal(schema_n_objects(s), 41);
        /* the instance path is longer than DMPATH_MAX_LEN, so build the dmpath by hand */
        struct dmpath p = {};
        assert_int_equal(dmpath_parse("D.T.1.", DMPATH_ALLOW_PARTIAL, &p, NULL), 0);
        assert_ptr_equal(schema_lookup(s, &p), schema_find(s, "D.T.{i}."));
        dmpath_done(&p);

        const struct schema_node *deepest = schema_find(s, tmpl.data);
        assert_non_null(deepest);
        struct dmpath_seg segs[81];
        segs[0] = (struct dmpath_seg){.kind = DMPATH_SEG_NAME, .str = "D"};
        for (int i = 0; i < 40; i++) {
                segs[1 + 2 * i] = (struct dmpath_seg){.kind = DMPATH_SEG_NAME, .str = "T"};
                segs[2 + 2 * i] = (struct dmpath_seg){
                        .kind = DMPATH_SEG_INSTANCE, .str = "4000000000", .instance = 4000000000u};
        }
        struct dmpath big = {.segs = segs, .n_segs = 81, .partial = true};
        assert_ptr_equal(schema_lookup(s, &big), deepest);

        /* a template key beyond any declared path finds nothing (and does not overflow) */
        struct dmpath_seg many[600];
        for (int i = 0; i < 600; i += 2) {
                many[i] = (struct dmpath_seg){.kind = DMPATH_SEG_NAME, .str = "T"};
                many[i + 1] =
                        (struct dmpath_seg){.kind = DMPATH_SEG_INSTANCE, .str = "1", .instance = 1};
        }
        many[0].str = "D";
        struct dmpath huge = {.segs = many, .n_segs = 600, .partial = true};
        assert_null(schema_lookup(s, &huge));
        buf_done(&text);
        buf_done(&tmpl);
        buf_done(&path);
}

struct error_case {
        const char *line;
        const char *message;
};

/* Each case is the fifth line of a file whose first four lines are good. */
static const char error_prefix[] = "# errors\n"
                                   "Device. object ro\n"
                                   "\n"
                                   "Device.X. object ro\n";

static const struct error_case error_cases[] = {
        {"Device.X.A strng ro", "unknown type 'strng'"},
        {"Device.X.A list<object> ro", "unknown type 'list<object>'"},
        {"Device.X.A list<int ro", "unknown type 'list<int'"},
        {"Device.X.A", "missing type after 'Device.X.A'"},
        {"Device.X.A string", "missing access (ro or rw) after 'string'"},
        {"Device.X.A string rx", "unknown access 'rx' (expected ro or rw)"},
        {"Device.Y.A string ro", "parent object 'Device.Y.' is not declared"},
        {"Device.Y.{i}.A string ro", "parent object 'Device.Y.{i}.' is not declared"},
        {"Device.X.Y.{i}. object ro", NULL}, /* good: its parent Device.X. exists */
        {"Device.X. object ro", "duplicate path 'Device.X.' (first declared at t.schema:4)"},
        {"Device.X.A string ro default=200 size=..2", "default '200' is too long"},
        {"Device.X.A unsignedInt ro range=1..100 default=200", "default '200' is out of range"},
        {"Device.X.A int ro default=abc", "default 'abc' is not a valid integer"},
        {"Device.X.A string ro enum=a|b default=c", "default 'c' is not an allowed value"},
        {"Device.X.A string ro pattern=[a-z]+ default=A",
         "default 'A' is invalid: does not match pattern"},
        {"Device.X.A list<int> ro items=..2 default=1,2,3", "default '1,2,3' is too many items"},
        {"Device.X.A string ro default", "attribute 'default' needs a value (default=...)"},
        {"Device.X.A object ro", "object path 'Device.X.A' must end in '.'"},
        {"Device.X.A. string ro", "parameter path 'Device.X.A.' must not end in '.'"},
        {"Device.X.A. object rw", "single-instance object 'Device.X.A.' must be ro"},
        {"Device.X.3.A string ro", "instance number in schema path 'Device.X.3.A' (write {i})"},
        {"Device.X.{i}.{i}. object ro", "'{i}' must follow a table name in 'Device.X.{i}.{i}.'"},
        {"Device.X.A.{i} string ro", "parameter 'Device.X.A.{i}' must end in a name"},
        {"Device..A string ro", "invalid path 'Device..A': empty segment at offset 7"},
        {"Other. object ro", "second root object 'Other.' (the root is 'Device.')"},
        {"Top string ro", "'Top' has no parent object (the root is a single object such as "
                          "'Device.')"},
        {"Device.X.A string ro colour=red", "unknown attribute 'colour'"},
        {"Device.X.A string ro size=..8 size=..9", "duplicate attribute 'size'"},
        {"Device.X.A string ro hidden hidden", "duplicate attribute 'hidden'"},
        {"Device.X.A string ro hidden=yes", "attribute 'hidden' takes no value"},
        {"Device.X.A string ro live persist", "'live' and 'persist' exclude each other"},
        {"Device.X.A int ro size=..8", "size applies to string, base64 and hexBinary only"},
        {"Device.X.A list<int> ro size=..8", "size applies to string, base64 and hexBinary only"},
        {"Device.X.A string ro range=1..2",
         "range applies to int, unsignedInt, long and unsignedLong only"},
        {"Device.X.A int ro enum=1|2", "enum applies to string only"},
        {"Device.X.A boolean ro pattern=t.*", "pattern applies to string only"},
        {"Device.X.A string ro items=..2", "items applies to lists only"},
        {"Device.X.A string ro listSize=..2", "listSize applies to lists only"},
        {"Device.X.A string ro maxEntries=2", "maxEntries applies to multi-instance objects only"},
        {"Device.X.B. object ro maxEntries=2", "maxEntries applies to multi-instance objects only"},
        {"Device.X.B.{i}. object ro size=..2", "attribute 'size' does not apply to objects"},
        {"Device.X.B.{i}. object ro maxEntries=0", "maxEntries must be at least 1"},
        {"Device.X.B.{i}. object ro maxEntries=-1", "bad number '-1' in maxEntries"},
        {"Device.X.A string ro size=a..5", "bad number 'a' in size"},
        {"Device.X.A string ro size=8..5", "size minimum 8 is greater than maximum 5"},
        {"Device.X.A string ro size=..0", "size maximum must be at least 1"},
        {"Device.X.A string ro size=5", "size '5' is not of the form MIN..MAX"},
        {"Device.X.A int ro range=1..x", "bad range maximum 'x' for int"},
        {"Device.X.A int ro range=0..3000000000", "bad range maximum '3000000000' for int"},
        {"Device.X.A unsignedInt ro range=-1..3", "bad range minimum '-1' for unsignedInt"},
        {"Device.X.A long ro range=5..-5", "range minimum 5 is greater than maximum -5"},
        {"Device.X.A list<int> ro listSize=2..5", "listSize takes a maximum only (listSize=..N)"},
        {"Device.X.A list<int> ro items=3..2", "items minimum 3 is greater than maximum 2"},
        {"Device.X.A string ro activeNotify=sometimes",
         "unknown activeNotify 'sometimes' (expected canDeny, forceEnabled or "
         "forceDefaultEnabled)"},
        {"Device.X.A string ro pattern=([a-z]", NULL /* regerror text varies: checked below */},
        {"Device.X.A string ro pattern=a++++++++++++++++++++++++++++++++++++++++",
         "pattern 'a++++++++++++++++++++++++++++++++++++++++' is too complex (nested or stacked "
         "repetitions)"},
        {"Device.X.A string ro pattern=((a{20}){20}){20}",
         "pattern '((a{20}){20}){20}' is too complex (nested or stacked repetitions)"},
        {"Device.X.A string ro pattern=((((((((((((((((((((((((((((((((((a))))))))))))))))))"
         "))))))))))))))))",
         "pattern '((((((((((((((((((((((((((((((((((a))))))))))))))))))))))))))))))))))' is too "
         "complex (nested or stacked repetitions)"},
        {"Device.X.A string ro enum=a|b|a", "duplicate enum value 'a'"},
        {"Device.X.A string ro enum=", "enum needs at least one value"},
        {"Device.X.A string ro default=\"abc", "unterminated quoted value"},
        {"Device.X.A string ro default=\"a\\nb\"",
         "unknown escape '\\n' in the value of 'default' (only \\\" and \\\\)"},
        {"Device.X.A string ro default=\"a\"b", "text after the closing quote in the value of "
                                                "'default'"},
        {"Device.X.A string ro default=a\"b\"", "unexpected '\"' in the value of 'default'"},
};

/* Each case's line must fail with its message on line 5, and leave the schema empty. */
static void test_errors(void **state)
{
        for (size_t i = 0; i < ELEMENTSOF(error_cases); i++) {
                const struct error_case *c = &error_cases[i];
                _cleanup_schema_ struct schema *s = NULL;
                _cleanup_free_ char *text = NULL;
                struct schema_error err = {};

                assert_int_equal(schema_new(&s), 0);
                assert_true(asprintf(&text, "%s%s\nDevice.X.Z string ro\n", error_prefix, c->line) >
                            0);
                int r = parse(s, "t.schema", text, &err);
                if (streq(c->line, "Device.X.Y.{i}. object ro")) {
                        assert_int_equal(r, 0);
                        assert_int_equal(schema_n_objects(s), 3);
                        continue;
                }
                if (r != -EINVAL || !err.message || (c->message && !streq(err.message, c->message)))
                        fail_msg("line '%s': got %d '%s', expected '%s'", c->line, r,
                                 err.message ? err.message : "(null)",
                                 c->message ? c->message : "(any)");
                assert_string_equal(err.file, "t.schema");
                assert_int_equal(err.line, 5);
                if (!c->message)
                        assert_true(startswith(err.message, "invalid pattern '([a-z]': "));
                /* nothing of the buffer is kept, not even its good first lines */
                assert_null(schema_root(s));
                assert_int_equal(schema_n_objects(s), 0);
                assert_int_equal(schema_n_parameters(s), 0);
                assert_null(schema_find(s, "Device."));
                schema_error_done(&err);
                assert_null(err.message);
        }
}

static void test_name_clashes(void **state)
{
        static const struct {
                const char *first, *second;
        } cases[] = {
                {"Device.X.A string ro", "Device.X.A. object ro"},
                {"Device.X.A string ro", "Device.X.A.{i}. object rw"},
                {"Device.X.A. object ro", "Device.X.A string ro"},
                {"Device.X.A. object ro", "Device.X.A.{i}. object ro"},
                {"Device.X.A.{i}. object ro", "Device.X.A string rw"},
                {"Device.X.A.{i}. object ro", "Device.X.A. object ro"},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_schema_ struct schema *s = NULL;
                _cleanup_free_ char *text = NULL, *expected = NULL;
                struct schema_error err = {};
                char *second_path = strndup(cases[i].second, strcspn(cases[i].second, " "));
                char *first_path = strndup(cases[i].first, strcspn(cases[i].first, " "));

                assert_int_equal(schema_new(&s), 0);
                assert_true(asprintf(&text, "%s%s\n%s\n", error_prefix, cases[i].first,
                                     cases[i].second) > 0);
                assert_true(asprintf(&expected, "'%s' clashes with '%s' declared at c:5",
                                     second_path, first_path) > 0);
                assert_int_equal(parse(s, "c", text, &err), -EINVAL);
                assert_int_equal(err.line, 6);
                assert_string_equal(err.message, expected);
                schema_error_done(&err);
                free(first_path);
                free(second_path);
        }
}

static void test_line_limits(void **state)
{
        _cleanup_schema_ struct schema *s = NULL;
        struct schema_error err = {};
        struct buf text = {};

        assert_int_equal(schema_new(&s), 0);

        /* exactly 4096 characters is fine (a long comment), 4097 is not */
        assert_int_equal(buf_printf(&text, "Device. object ro\n#"), 0);
        for (int i = 1; i < 4096; i++)
                assert_int_equal(buf_append(&text, "x", 1), 0);
        assert_int_equal(buf_printf(&text, "\r\nDevice.X. object ro\n"), 0);
        assert_int_equal(parse(s, "long", text.data, &err), 0);
        assert_int_equal(schema_n_objects(s), 2);
        buf_done(&text);

        assert_int_equal(buf_printf(&text, "Device.Y. object ro\n#"), 0);
        for (int i = 1; i < 4097; i++)
                assert_int_equal(buf_append(&text, "x", 1), 0);
        assert_int_equal(parse(s, "long", text.data, &err), -EINVAL);
        assert_int_equal(err.line, 2);
        assert_string_equal(err.message, "line longer than 4096 characters");
        schema_error_done(&err);
        assert_null(schema_find(s, "Device.Y."));
        buf_done(&text);

        /* a path beyond TR-069's 256 characters */
        assert_int_equal(buf_printf(&text, "Device.X.Y"), 0);
        for (int i = 0; i < 250; i++)
                assert_int_equal(buf_append(&text, "y", 1), 0);
        assert_int_equal(buf_printf(&text, " string ro\n"), 0);
        assert_int_equal(parse(s, "long", text.data, &err), -EINVAL);
        assert_int_equal(err.line, 1);
        assert_string_equal(err.message, "path is longer than 256 characters");
        schema_error_done(&err);
        buf_done(&text);

        /* a NUL byte inside a line */
        static const char nul[] = "Device.Z. object ro\nDevice.Z.A string\0 ro\n";
        assert_int_equal(schema_parse_buffer(s, "nul", nul, sizeof(nul) - 1, &err), -EINVAL);
        assert_int_equal(err.line, 2);
        assert_string_equal(err.message, "NUL byte in line");
        schema_error_done(&err);

        /* the last line needs no newline; an empty buffer is an empty schema fragment */
        assert_int_equal(parse(s, "tail", "Device.X.T string ro", &err), 0);
        assert_non_null(schema_find(s, "Device.X.T"));
        assert_int_equal(schema_parse_buffer(s, "empty", "", 0, &err), 0);
        assert_int_equal(schema_n_objects(s), 2);
        assert_int_equal(schema_n_parameters(s), 1);
}

/* A failed buffer changes nothing of what earlier buffers declared. */
static void test_failed_buffer_keeps_nothing(void **state)
{
        _cleanup_schema_ struct schema *s = NULL;
        struct schema_error err = {};
        static const char bad[] = "Device.X.A string ro\n"
                                  "Device.X.B. object ro\n"
                                  "Device.X.B.C string ro\n"
                                  "Device.X.D strng ro\n";
        static const char fixed[] = "Device.X.A string ro\n"
                                    "Device.X.B. object ro\n"
                                    "Device.X.B.C string ro\n"
                                    "Device.X.D string ro\n";

        assert_int_equal(schema_new(&s), 0);
        assert_int_equal(parse(s, "base", "Device. object ro\nDevice.X. object ro\n", NULL), 0);
        const struct schema_node *x = schema_find(s, "Device.X.");

        assert_int_equal(parse(s, "bad", bad, &err), -EINVAL);
        assert_string_equal(err.file, "bad");
        assert_int_equal(err.line, 4);
        assert_string_equal(err.message, "unknown type 'strng'");
        schema_error_done(&err);
        assert_int_equal(schema_n_objects(s), 2);
        assert_int_equal(schema_n_parameters(s), 0);
        assert_null(schema_find(s, "Device.X.A"));
        assert_null(x->first_child);
        assert_null(x->last_child);

        /* the same lines load once fixed: no leftover makes them duplicates */
        assert_int_equal(parse(s, "fixed", fixed, &err), 0);
        assert_int_equal(schema_n_objects(s), 3);
        assert_int_equal(schema_n_parameters(s), 3);
        assert_string_equal(x->first_child->name, "A");
        assert_string_equal(x->last_child->name, "D");
        assert_string_equal(schema_find(s, "Device.X.B.C")->file, "fixed");

        /* a later buffer sees the earlier ones' objects and paths */
        assert_int_equal(parse(s, "more", "Device.X.B.E int ro\nDevice.X.A string ro\n", &err),
                         -EINVAL);
        assert_int_equal(err.line, 2);
        assert_string_equal(err.message, "duplicate path 'Device.X.A' (first declared at fixed:1)");
        schema_error_done(&err);
        assert_null(schema_find(s, "Device.X.B.E"));
}

static void write_file(const char *dir, const char *name, const char *text)
{
        _cleanup_free_ char *path = NULL;
        assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
        FILE *f = fopen(path, "we");
        assert_non_null(f);
        assert_int_equal(fputs(text, f) >= 0, 1);
        assert_int_equal(fclose(f), 0);
}

static void remove_file(const char *dir, const char *name)
{
        _cleanup_free_ char *path = NULL;
        assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
        assert_int_equal(unlink(path), 0);
}

static void test_load_dir(void **state)
{
        char dir[] = "/tmp/test-schema-XXXXXX";
        struct schema_error err = {};

        assert_non_null(mkdtemp(dir));
        /* "10-" needs "00-" first; readdir order is not name order on every file system */
        write_file(dir, "10-thing.schema",
                   "Device.Thing. object ro\n"
                   "Device.Thing.Name string rw size=..16\n");
        write_file(dir, "00-root.schema", "# root\nDevice. object ro\n");
        write_file(dir, "README", "not a schema\n");
        write_file(dir, ".20-editor-swap.schema", "garbage\n");
        write_file(dir, "05-empty.schema", "# nothing yet\n");

        _cleanup_schema_ struct schema *s = NULL;
        assert_int_equal(schema_new(&s), 0);
        assert_int_equal(schema_load_dir(s, dir, &err), 0);
        assert_null(err.message);
        assert_int_equal(schema_n_objects(s), 2);
        assert_int_equal(schema_n_parameters(s), 1);
        const struct schema_node *name = schema_find(s, "Device.Thing.Name");
        assert_non_null(name);
        assert_int_equal(name->line, 2);
        assert_non_null(strstr(name->file, "/10-thing.schema"));
        assert_non_null(strstr(schema_root(s)->file, "/00-root.schema"));

        /* an error names the file and line; the files before it stay loaded */
        write_file(dir, "30-bad.schema",
                   "Device.Bad. object ro\n\nDevice.Bad.X int ro range=9..1\n");
        _cleanup_schema_ struct schema *s2 = NULL;
        assert_int_equal(schema_new(&s2), 0);
        assert_int_equal(schema_load_dir(s2, dir, &err), -EINVAL);
        assert_non_null(strstr(err.file, "/30-bad.schema"));
        assert_int_equal(err.line, 3);
        assert_string_equal(err.message, "range minimum 9 is greater than maximum 1");
        schema_error_done(&err);
        assert_non_null(schema_find(s2, "Device.Thing.Name"));
        assert_null(schema_find(s2, "Device.Bad."));

        /* schema_load_file on its own; a missing file and a missing directory */
        _cleanup_schema_ struct schema *s3 = NULL;
        _cleanup_free_ char *root_path = NULL, *missing = NULL;
        assert_int_equal(schema_new(&s3), 0);
        assert_true(asprintf(&root_path, "%s/00-root.schema", dir) > 0);
        assert_int_equal(schema_load_file(s3, root_path, &err), 0);
        assert_int_equal(schema_n_objects(s3), 1);
        assert_true(asprintf(&missing, "%s/nope.schema", dir) > 0);
        assert_int_equal(schema_load_file(s3, missing, &err), -ENOENT);
        assert_string_equal(err.file, missing);
        assert_non_null(err.message);
        schema_error_done(&err);

        remove_file(dir, "00-root.schema");
        remove_file(dir, "05-empty.schema");
        remove_file(dir, "10-thing.schema");
        remove_file(dir, "30-bad.schema");
        remove_file(dir, "README");
        remove_file(dir, ".20-editor-swap.schema");
        assert_int_equal(rmdir(dir), 0);
        assert_int_equal(schema_load_dir(s3, dir, &err), -ENOENT);
        assert_string_equal(err.file, dir);
        schema_error_done(&err);
}

/* The schema files the project ships parse together, root first. */
static void test_shipped_schemas(void **state)
{
        _cleanup_schema_ struct schema *s = NULL;
        struct schema_error err = {};

        /* TEST_DATA_DIR is SOURCE/tests/data, which need not exist */
        static const char data_dir[] = TEST_DATA_DIR;
        static const char suffix[] = "/tests/data";
        _cleanup_free_ char *dir = NULL;
        size_t n = strlen(data_dir) - strlen(suffix);
        assert_string_equal(data_dir + n, suffix);
        assert_true(asprintf(&dir, "%.*s/dmd/schema", (int)n, data_dir) > 0);

        assert_int_equal(schema_new(&s), 0);
        int r = schema_load_dir(s, dir, &err);
        if (r < 0)
                fail_msg("%s:%u: %s", err.file, err.line, err.message);
        assert_non_null(schema_root(s));
        assert_string_equal(schema_root(s)->path, "Device.");
        assert_non_null(schema_find(s, "Device.RootDataModelVersion"));
}

static double now_seconds(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 100,000 entries load and are found in well under a second each way: no quadratic step. */
static void test_large_schema(void **state)
{
        _cleanup_schema_ struct schema *s = NULL;
        struct buf text = {};
        enum { TABLES = 1000, PARAMS = 99 };

        assert_int_equal(buf_printf(&text, "Device. object ro\n"), 0);
        for (int t = 0; t < TABLES; t++) {
                assert_int_equal(buf_printf(&text, "Device.T%d.{i}. object rw\n", t), 0);
                for (int p = 0; p < PARAMS; p++)
                        assert_int_equal(buf_printf(&text,
                                                    "Device.T%d.{i}.P%d unsignedInt rw "
                                                    "range=0..%d default=%d\n",
                                                    t, p, p + 10, p),
                                         0);
        }
        assert_int_equal(schema_new(&s), 0);
        double start = now_seconds();
        assert_int_equal(parse(s, "large", text.data, NULL), 0);
        double parsed = now_seconds();
        assert_int_equal(schema_n_objects(s), TABLES + 1);
        assert_int_equal(schema_n_parameters(s), TABLES * PARAMS);

        char path[64];
        for (int t = 0; t < TABLES; t++)
                for (int p = 0; p < PARAMS; p++) {
                        snprintf(path, sizeof(path), "Device.T%d.%d.P%d", t, t + 1, p);
                        const struct schema_node *n = lookup(s, path);
                        assert_non_null(n);
                        assert_int_equal(n->facets.ranges[0].max.u, (unsigned)p + 10);
                }
        double looked_up = now_seconds();
        /* generous bounds for sanitizer builds on a slow machine */
        assert_true(parsed - start < 5.0);
        assert_true(looked_up - parsed < 5.0);
        buf_done(&text);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_good_file),
                cmocka_unit_test(test_facets),
                cmocka_unit_test(test_lookup_by_instance_path),
                cmocka_unit_test(test_lookup_long_instance_path),
                cmocka_unit_test(test_errors),
                cmocka_unit_test(test_name_clashes),
                cmocka_unit_test(test_line_limits),
                cmocka_unit_test(test_failed_buffer_keeps_nothing),
                cmocka_unit_test(test_load_dir),
                cmocka_unit_test(test_shipped_schemas),
                cmocka_unit_test(test_large_schema),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
