/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "path.h"

#define ALL_FLAGS                                                                                  \
        (DMPATH_ALLOW_PARTIAL | DMPATH_ALLOW_EMPTY | DMPATH_ALLOW_ALIAS | DMPATH_ALLOW_PLACEHOLDER)

/* Parses s, expects success, and checks that formatting gives s back. */
static void parse_ok(const char *s, unsigned flags, struct dmpath *p)
{
        struct dmpath_error err = {};
        char *again = NULL;
        int r = dmpath_parse(s, flags, p, &err);
        if (r != 0)
                fail_msg("\"%s\": %d at %zu: %s", s, r, err.offset, err.reason ? err.reason : "-");
        assert_int_equal(dmpath_format(p, p->n_segs, p->partial, &again), 0);
        assert_string_equal(again, s);
        free(again);
}

/* Expects a refusal with this reason at this offset, and a path left empty. */
static void parse_fails(const char *s, unsigned flags, int expected, const char *reason,
                        size_t offset)
{
        struct dmpath p;
        struct dmpath_error err = {};
        int r = dmpath_parse(s, flags, &p, &err);
        if (r != expected)
                fail_msg("\"%s\": %d, expected %d", s, r, expected);
        if (!err.reason || strcmp(err.reason, reason) != 0 || err.offset != offset)
                fail_msg("\"%s\": \"%s\" at %zu, expected \"%s\" at %zu", s,
                         err.reason ? err.reason : "-", err.offset, reason, offset);
        assert_null(p.buf);
        assert_null(p.segs);
        assert_int_equal(p.n_segs, 0);
}

static void test_parse_full_name(void **state)
{
        struct dmpath p;

        parse_ok("Device.IP.Interface.1.Name", 0, &p);
        assert_int_equal(p.n_segs, 5);
        assert_false(p.partial);
        assert_int_equal(p.segs[0].kind, DMPATH_SEG_NAME);
        assert_string_equal(p.segs[0].str, "Device");
        assert_string_equal(p.segs[2].str, "Interface");
        assert_int_equal(p.segs[3].kind, DMPATH_SEG_INSTANCE);
        assert_int_equal(p.segs[3].instance, 1);
        assert_string_equal(p.segs[3].str, "1");
        assert_int_equal(p.segs[4].kind, DMPATH_SEG_NAME);
        assert_string_equal(p.segs[4].str, "Name");
        dmpath_done(&p);
        assert_null(p.buf);
        assert_null(p.segs);
        dmpath_done(&p); /* twice is harmless */

        parse_ok("Device", 0, &p);
        assert_int_equal(p.n_segs, 1);
        dmpath_done(&p);

        parse_ok("_x.A-b_9.X_1-", 0, &p);
        assert_string_equal(p.segs[2].str, "X_1-");
        dmpath_done(&p);

        parse_ok("Device.X.4294967295.Y", 0, &p);
        assert_int_equal(p.segs[2].instance, UINT32_MAX);
        dmpath_done(&p);
}

static void test_parse_partial(void **state)
{
        struct dmpath p;

        parse_ok("Device.IP.", DMPATH_ALLOW_PARTIAL, &p);
        assert_int_equal(p.n_segs, 2);
        assert_true(p.partial);
        assert_string_equal(p.segs[1].str, "IP");
        dmpath_done(&p);

        parse_ok("Device.", DMPATH_REQUIRE_PARTIAL, &p);
        assert_int_equal(p.n_segs, 1);
        assert_true(p.partial);
        dmpath_done(&p);

        parse_ok("Device.IP.Interface.12.", DMPATH_ALLOW_PARTIAL, &p);
        assert_int_equal(p.segs[3].instance, 12);
        dmpath_done(&p);

        /* a full name where partial is merely allowed */
        parse_ok("Device.IP.Interface.12.Enable", DMPATH_ALLOW_PARTIAL, &p);
        assert_false(p.partial);
        dmpath_done(&p);

        parse_fails("Device.IP.", 0, -EINVAL, "partial path not allowed", 9);
        parse_fails("Device.IP", DMPATH_REQUIRE_PARTIAL, -EINVAL, "partial path required", 9);
}

static void test_parse_empty(void **state)
{
        struct dmpath p;

        parse_ok("", DMPATH_ALLOW_EMPTY, &p);
        assert_int_equal(p.n_segs, 0);
        assert_true(p.partial);
        assert_non_null(p.buf);
        dmpath_done(&p);
        parse_ok("", DMPATH_ALLOW_EMPTY | DMPATH_REQUIRE_PARTIAL, &p);
        dmpath_done(&p);

        parse_fails("", 0, -EINVAL, "empty path", 0);
        parse_fails("", DMPATH_ALLOW_PARTIAL | DMPATH_REQUIRE_PARTIAL, -EINVAL, "empty path", 0);
}

static void test_parse_alias(void **state)
{
        struct dmpath p;
        char s[256];

        parse_ok("Device.IP.Interface.[wan].Name", DMPATH_ALLOW_ALIAS, &p);
        assert_int_equal(p.n_segs, 5);
        assert_int_equal(p.segs[3].kind, DMPATH_SEG_ALIAS);
        assert_string_equal(p.segs[3].str, "wan");
        assert_string_equal(p.segs[4].str, "Name");
        dmpath_done(&p);

        parse_ok("Device.IP.Interface.[cpe-1 wan_ü].", DMPATH_ALLOW_ALIAS | DMPATH_ALLOW_PARTIAL,
                 &p);
        assert_string_equal(p.segs[3].str, "cpe-1 wan_ü");
        assert_true(p.partial);
        dmpath_done(&p);

        parse_ok("Device.X.[a]", DMPATH_ALLOW_ALIAS, &p);
        assert_string_equal(p.segs[2].str, "a");
        dmpath_done(&p);

        /* 64 characters are the limit; multi-byte characters count once */
        snprintf(s, sizeof(s), "Device.X.[a%s].Y",
                 "bcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ab");
        parse_ok(s, DMPATH_ALLOW_ALIAS, &p);
        assert_int_equal(strlen(p.segs[2].str), 64);
        dmpath_done(&p);
        snprintf(s, sizeof(s), "Device.X.[a%s].Y",
                 "bcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abc");
        parse_fails(s, DMPATH_ALLOW_ALIAS, -EINVAL, "alias too long", 10 + 64);
        /* "a" and 63 two-byte characters: 64 characters in 127 bytes */
        strcpy(s, "Device.X.[a");
        for (int i = 0; i < 63; i++)
                strcat(s, "\xc3\xa9");
        strcat(s, "]");
        parse_ok(s, DMPATH_ALLOW_ALIAS, &p);
        assert_int_equal(strlen(p.segs[2].str), 127);
        dmpath_done(&p);
        strcpy(s + strlen(s) - 1, "\xc3\xa9]");
        parse_fails(s, DMPATH_ALLOW_ALIAS, -EINVAL, "alias too long", 10 + 1 + 63 * 2);

        parse_fails("Device.X.[wan]", 0, -EINVAL, "alias not allowed", 9);
        parse_fails("Device.X.[wan", DMPATH_ALLOW_ALIAS, -EINVAL, "unterminated alias", 9);
        parse_fails("Device.X.[wan.Name", DMPATH_ALLOW_ALIAS, -EINVAL, "unterminated alias", 9);
        parse_fails("Device.X.[].Y", DMPATH_ALLOW_ALIAS, -EINVAL, "empty alias", 10);
        parse_fails("Device.X.[1wan].Y", DMPATH_ALLOW_ALIAS, -EINVAL,
                    "alias must start with a letter", 10);
        parse_fails("Device.X.[-wan].Y", DMPATH_ALLOW_ALIAS, -EINVAL,
                    "alias must start with a letter", 10);
        parse_fails("Device.X.[wa.n].Y", DMPATH_ALLOW_ALIAS, -EINVAL, "invalid character", 12);
        parse_fails("Device.X.[wa[n].Y", DMPATH_ALLOW_ALIAS, -EINVAL, "invalid character", 12);
        parse_fails("Device.X.[wa\tn].Y", DMPATH_ALLOW_ALIAS, -EINVAL, "invalid character", 12);
        parse_fails("Device.X.[wa\xffn].Y", DMPATH_ALLOW_ALIAS, -EINVAL, "invalid character", 12);
        parse_fails("Device.X.[wan]].Y", DMPATH_ALLOW_ALIAS, -EINVAL, "invalid character", 14);
        parse_fails("Device.X.[wan]Y", DMPATH_ALLOW_ALIAS, -EINVAL, "invalid character", 14);
        parse_fails("[wan].X", DMPATH_ALLOW_ALIAS, -EINVAL, "first segment must be a name", 0);
}

static void test_parse_placeholder(void **state)
{
        struct dmpath p;

        parse_ok("Device.X.{i}.Y.{i}.", DMPATH_ALLOW_PLACEHOLDER | DMPATH_ALLOW_PARTIAL, &p);
        assert_int_equal(p.n_segs, 5);
        assert_int_equal(p.segs[2].kind, DMPATH_SEG_PLACEHOLDER);
        assert_string_equal(p.segs[2].str, "{i}");
        assert_int_equal(p.segs[4].kind, DMPATH_SEG_PLACEHOLDER);
        dmpath_done(&p);

        parse_fails("Device.X.{i}.Y", 0, -EINVAL, "placeholder not allowed", 9);
        parse_fails("Device.X.{j}.Y", DMPATH_ALLOW_PLACEHOLDER, -EINVAL, "invalid placeholder", 9);
        parse_fails("Device.X.{i", DMPATH_ALLOW_PLACEHOLDER, -EINVAL, "invalid placeholder", 9);
        parse_fails("Device.X.{i}x", DMPATH_ALLOW_PLACEHOLDER, -EINVAL, "invalid character", 12);
        parse_fails("{i}.X", DMPATH_ALLOW_PLACEHOLDER, -EINVAL, "first segment must be a name", 0);
}

static void test_parse_errors(void **state)
{
        char s[DMPATH_MAX_LEN + 2];

        parse_fails(".Device", ALL_FLAGS, -EINVAL, "empty segment", 0);
        parse_fails(".", ALL_FLAGS, -EINVAL, "empty segment", 0);
        parse_fails("Device..IP", ALL_FLAGS, -EINVAL, "empty segment", 7);
        parse_fails("Device.IP..", ALL_FLAGS, -EINVAL, "empty segment", 10);
        parse_fails("Device.X.01", ALL_FLAGS, -EINVAL, "instance number with leading zero", 9);
        parse_fails("Device.X.00.", ALL_FLAGS, -EINVAL, "instance number with leading zero", 9);
        parse_fails("Device.X.0.Y", ALL_FLAGS, -EINVAL, "instance number 0", 9);
        parse_fails("Device.X.4294967296", ALL_FLAGS, -EINVAL, "instance number too large", 9);
        parse_fails("Device.X.99999999999999999999999", ALL_FLAGS, -EINVAL,
                    "instance number too large", 9);
        parse_fails("Device.X.1a", ALL_FLAGS, -EINVAL, "invalid character", 10);
        parse_fails("Device.X.-1", ALL_FLAGS, -EINVAL, "invalid character", 9);
        parse_fails("Device.X Y", ALL_FLAGS, -EINVAL, "invalid character", 8);
        parse_fails(" Device", ALL_FLAGS, -EINVAL, "invalid character", 0);
        parse_fails("Device ", ALL_FLAGS, -EINVAL, "invalid character", 6);
        parse_fails("Device.Caf\xc3\xa9", ALL_FLAGS, -EINVAL, "invalid character", 10);
        parse_fails("Device.X/Y", ALL_FLAGS, -EINVAL, "invalid character", 8);
        parse_fails("Device.*.Y", ALL_FLAGS, -EINVAL, "invalid character", 7);
        parse_fails("-Device", ALL_FLAGS, -EINVAL, "invalid character", 0);
        parse_fails("1.Device", ALL_FLAGS, -EINVAL, "first segment must be a name", 0);
        parse_fails("0", ALL_FLAGS, -EINVAL, "first segment must be a name", 0);

        /* DMPATH_MAX_LEN characters are fine, one more is not */
        memset(s, 'a', DMPATH_MAX_LEN);
        s[DMPATH_MAX_LEN] = '\0';
        struct dmpath p;
        parse_ok(s, 0, &p);
        dmpath_done(&p);
        s[DMPATH_MAX_LEN] = 'a';
        s[DMPATH_MAX_LEN + 1] = '\0';
        parse_fails(s, ALL_FLAGS, -ENAMETOOLONG, "path too long", DMPATH_MAX_LEN);

        /* the longest run of segments */
        for (size_t i = 0; i < DMPATH_MAX_LEN; i++)
                s[i] = i % 2 ? '.' : 'a';
        s[DMPATH_MAX_LEN] = '\0';
        parse_ok(s, DMPATH_ALLOW_PARTIAL, &p);
        assert_int_equal(p.n_segs, DMPATH_MAX_LEN / 2);
        dmpath_done(&p);
        s[DMPATH_MAX_LEN - 1] = '\0';
        parse_ok(s, 0, &p);
        assert_int_equal(p.n_segs, DMPATH_MAX_LEN / 2);
        dmpath_done(&p);

        /* no error structure asked for */
        assert_int_equal(dmpath_parse("Device..", ALL_FLAGS, &p, NULL), -EINVAL);
        assert_int_equal(dmpath_parse(NULL, ALL_FLAGS, &p, NULL), -EINVAL);
}

static void test_format(void **state)
{
        struct dmpath p;
        char *s = NULL;

        parse_ok("Device.IP.Interface.[wan].IPv4Address.3.IPAddress", DMPATH_ALLOW_ALIAS, &p);
        assert_int_equal(dmpath_format(&p, 0, false, &s), 0);
        assert_string_equal(s, "");
        free(s);
        assert_int_equal(dmpath_format(&p, 0, true, &s), 0);
        assert_string_equal(s, "");
        free(s);
        assert_int_equal(dmpath_format(&p, 1, true, &s), 0);
        assert_string_equal(s, "Device.");
        free(s);
        assert_int_equal(dmpath_format(&p, 4, true, &s), 0);
        assert_string_equal(s, "Device.IP.Interface.[wan].");
        free(s);
        assert_int_equal(dmpath_format(&p, 4, false, &s), 0);
        assert_string_equal(s, "Device.IP.Interface.[wan]");
        free(s);
        assert_int_equal(dmpath_format(&p, 6, true, &s), 0);
        assert_string_equal(s, "Device.IP.Interface.[wan].IPv4Address.3.");
        free(s);
        s = NULL;
        assert_int_equal(dmpath_format(&p, 8, false, &s), -EINVAL);
        assert_null(s);
        dmpath_done(&p);
}

static void test_template(void **state)
{
        struct dmpath p;
        char *s = NULL;

        parse_ok("Device.IP.Interface.[wan].IPv4Address.3.IPAddress", DMPATH_ALLOW_ALIAS, &p);
        assert_int_equal(dmpath_template(&p, &s), 0);
        assert_string_equal(s, "Device.IP.Interface.{i}.IPv4Address.{i}.IPAddress");
        free(s);
        dmpath_done(&p);

        parse_ok("Device.X.3.", DMPATH_ALLOW_PARTIAL, &p);
        assert_int_equal(dmpath_template(&p, &s), 0);
        assert_string_equal(s, "Device.X.{i}.");
        free(s);
        dmpath_done(&p);

        parse_ok("Device.X.{i}.Y", DMPATH_ALLOW_PLACEHOLDER, &p);
        assert_int_equal(dmpath_template(&p, &s), 0);
        assert_string_equal(s, "Device.X.{i}.Y");
        free(s);
        dmpath_done(&p);

        parse_ok("", DMPATH_ALLOW_EMPTY, &p);
        assert_int_equal(dmpath_template(&p, &s), 0);
        assert_string_equal(s, "");
        free(s);
        dmpath_done(&p);
}

static void test_is_partial(void **state)
{
        assert_true(dmpath_is_partial(""));
        assert_true(dmpath_is_partial("Device."));
        assert_true(dmpath_is_partial("Device.IP.Interface.1."));
        assert_false(dmpath_is_partial("Device"));
        assert_false(dmpath_is_partial("Device.IP.Interface.1.Name"));
        assert_false(dmpath_is_partial(NULL));
}

static void test_is_under(void **state)
{
        assert_true(dmpath_is_under("Device.IP.Interface.1.Name", "Device.IP."));
        assert_true(dmpath_is_under("Device.IP.", "Device.IP."));
        assert_true(dmpath_is_under("Device.IP", "Device.IP."));
        assert_true(dmpath_is_under("Device.IP.Interface.", "Device."));
        assert_false(dmpath_is_under("Device.IPsec.", "Device.IP."));
        assert_false(dmpath_is_under("Device.IPsec.Enable", "Device.IP."));
        assert_false(dmpath_is_under("Device.IPX", "Device.IP"));
        assert_false(dmpath_is_under("Device.", "Device.IP."));
        assert_false(dmpath_is_under("Device", "Device.IP."));
        assert_false(dmpath_is_under("", "Device."));
        assert_false(dmpath_is_under("Dev", "Device."));
        assert_false(dmpath_is_under("InternetGatewayDevice.", "Device."));
        assert_false(dmpath_is_under("Device.X.1.", "Device.X.10."));
        assert_true(dmpath_is_under("Device.X.10.Y", "Device.X.10."));
        assert_false(dmpath_is_under("Device.X.10.Y", "Device.X.1."));
        /* the root is above everything */
        assert_true(dmpath_is_under("", ""));
        assert_true(dmpath_is_under("Device.", ""));
        assert_true(dmpath_is_under("Device.X.Y", ""));
        /* a subtree without its final dot is taken as the object */
        assert_true(dmpath_is_under("Device.IP.Interface.", "Device.IP"));
        assert_false(dmpath_is_under(NULL, "Device."));
        assert_false(dmpath_is_under("Device.", NULL));
}

static void test_matches_template(void **state)
{
        assert_true(dmpath_matches_template("Device.X.3.Name", "Device.X.{i}.Name"));
        assert_true(dmpath_matches_template("Device.X.4294967295.Name", "Device.X.{i}.Name"));
        assert_true(dmpath_matches_template("Device.X.3.", "Device.X.{i}."));
        assert_true(dmpath_matches_template("Device.X.1.Y.22.Z", "Device.X.{i}.Y.{i}.Z"));
        assert_true(dmpath_matches_template("Device.X.Name", "Device.X.Name"));
        assert_true(dmpath_matches_template("Device.", "Device."));
        assert_true(dmpath_matches_template("", ""));
        assert_false(dmpath_matches_template("Device.X.03.Name", "Device.X.{i}.Name"));
        assert_false(dmpath_matches_template("Device.X.0.Name", "Device.X.{i}.Name"));
        assert_false(dmpath_matches_template("Device.X.4294967296.Name", "Device.X.{i}.Name"));
        assert_false(dmpath_matches_template("Device.X.abc.Name", "Device.X.{i}.Name"));
        assert_false(dmpath_matches_template("Device.X.3a.Name", "Device.X.{i}.Name"));
        assert_false(dmpath_matches_template("Device.X..Name", "Device.X.{i}.Name"));
        assert_false(dmpath_matches_template("Device.X.[wan].Name", "Device.X.{i}.Name"));
        assert_false(dmpath_matches_template("Device.X.3.Name", "Device.X.{i}.Nam"));
        assert_false(dmpath_matches_template("Device.X.3.Nam", "Device.X.{i}.Name"));
        assert_false(dmpath_matches_template("Device.X.3", "Device.X.{i}."));
        assert_false(dmpath_matches_template("Device.X.3.", "Device.X.{i}"));
        assert_false(dmpath_matches_template("Device.X.3.Name.Extra", "Device.X.{i}.Name"));
        assert_false(dmpath_matches_template("Device.X.3", "Device.X.{i}.Name"));
        assert_false(dmpath_matches_template("Device.X.{i}.Name", "Device.X.3.Name"));
        assert_false(dmpath_matches_template("Device.Y.3.Name", "Device.X.{i}.Name"));
        assert_false(dmpath_matches_template("", "Device."));
        assert_false(dmpath_matches_template(NULL, "Device."));
}

static void test_name_valid(void **state)
{
        assert_true(dmpath_name_valid("Device", 6));
        assert_true(dmpath_name_valid("_private", 8));
        assert_true(dmpath_name_valid("X_ACME-COM_Thing9", 17));
        assert_true(dmpath_name_valid("Dev.ice", 3)); /* only len characters count */
        assert_false(dmpath_name_valid("Dev.ice", 7));
        assert_false(dmpath_name_valid("", 0));
        assert_false(dmpath_name_valid("1abc", 4));
        assert_false(dmpath_name_valid("-abc", 4));
        assert_false(dmpath_name_valid("ab c", 4));
        assert_false(dmpath_name_valid("{i}", 3));
        assert_false(dmpath_name_valid("[a]", 3));
        assert_false(dmpath_name_valid(NULL, 0));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_full_name),
                cmocka_unit_test(test_parse_partial),
                cmocka_unit_test(test_parse_empty),
                cmocka_unit_test(test_parse_alias),
                cmocka_unit_test(test_parse_placeholder),
                cmocka_unit_test(test_parse_errors),
                cmocka_unit_test(test_format),
                cmocka_unit_test(test_template),
                cmocka_unit_test(test_is_partial),
                cmocka_unit_test(test_is_under),
                cmocka_unit_test(test_matches_template),
                cmocka_unit_test(test_name_valid),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
