/* SPDX-License-Identifier: MIT */
/* Fragments of different daemons declaring the same single-instance parent object. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "schema.h"

static int load(struct schema *s, const char *file, const char *text, struct schema_error *err)
{
        return schema_parse_buffer(s, file, text, strlen(text), err);
}

static void test_another_file_may_declare_a_parent_again(void **state)
{
        struct schema *s = NULL;
        struct schema_error err = {};
        assert_int_equal(schema_new(&s), 0);
        assert_int_equal(load(s, "00-root.schema", "Device. object ro\n", &err), 0);
        assert_int_equal(load(s, "30-diag.schema",
                              "Device.IP. object ro\n"
                              "Device.IP.Diagnostics. object ro\n",
                              &err),
                         0);
        assert_int_equal(load(s, "41-ip.schema",
                              "Device.IP. object ro\n"
                              "Device.IP.InterfaceNumberOfEntries unsignedInt ro\n",
                              &err),
                         0);
        const struct schema_node *ip = schema_find(s, "Device.IP.");
        assert_non_null(ip);
        assert_string_equal(ip->file, "30-diag.schema"); /* the first declaration stays */
        assert_non_null(schema_find(s, "Device.IP.Diagnostics."));
        assert_non_null(schema_find(s, "Device.IP.InterfaceNumberOfEntries"));

        /* not twice in one file */
        assert_int_equal(load(s, "42-x.schema", "Device.X. object ro\nDevice.X. object ro\n", &err),
                         -EINVAL);
        assert_string_equal(err.message,
                            "duplicate path 'Device.X.' (first declared at 42-x.schema:1)");
        schema_error_done(&err);
        /* not a table, not a parameter, not with attributes */
        assert_int_equal(load(s, "43-t.schema", "Device.IP.Diagnostics. object rw\n", &err),
                         -EINVAL);
        schema_error_done(&err);
        assert_int_equal(load(s, "44-t.schema", "Device.IP. object ro maxEntries=2\n", &err),
                         -EINVAL);
        schema_error_done(&err);
        assert_int_equal(load(s, "45-t.schema", "Device.IP.T.{i}. object ro\n", &err), 0);
        assert_int_equal(load(s, "46-t.schema", "Device.IP.T.{i}. object ro\n", &err), -EINVAL);
        schema_error_done(&err);
        assert_int_equal(
                load(s, "47-t.schema", "Device.IP.InterfaceNumberOfEntries unsignedInt ro\n", &err),
                -EINVAL);
        schema_error_done(&err);
        schema_free(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_another_file_may_declare_a_parent_again),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
