/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fault.h"
#include "util.h"

static void test_every_code_round_trips(void **state)
{
        const char *seen[9032 - 9000 + 1] = {0};

        for (uint32_t code = 9000; code <= 9032; code++) {
                const char *name = fault_to_dbus_name(code);

                assert_non_null(name);
                assert_true(startswith(name, FAULT_DBUS_PREFIX));
                assert_true(strlen(name) > strlen(FAULT_DBUS_PREFIX));
                assert_true(dbus_validate_error_name(name, NULL));
                assert_int_equal(fault_from_dbus_name(name), code);
                assert_string_not_equal(fault_string(code), "Unknown fault");
                /* one name per code */
                for (uint32_t other = 9000; other < code; other++)
                        assert_string_not_equal(seen[other - 9000], name);
                seen[code - 9000] = name;
        }
}

static void test_names_and_wording(void **state)
{
        static const struct {
                uint32_t code;
                const char *name, *string;
        } expected[] = {
                {9000, "io.cwmp.Fault.MethodNotSupported", "Method not supported"},
                {9001, "io.cwmp.Fault.RequestDenied", "Request denied (no reason specified)"},
                {9002, "io.cwmp.Fault.InternalError", "Internal error"},
                {9003, "io.cwmp.Fault.InvalidArguments", "Invalid arguments"},
                {9004, "io.cwmp.Fault.ResourcesExceeded", "Resources exceeded"},
                {9005, "io.cwmp.Fault.InvalidParameterName", "Invalid parameter name"},
                {9006, "io.cwmp.Fault.InvalidParameterType", "Invalid parameter type"},
                {9007, "io.cwmp.Fault.InvalidParameterValue", "Invalid parameter value"},
                {9008, "io.cwmp.Fault.NonWritableParameter",
                 "Attempt to set a non-writable parameter"},
                {9009, "io.cwmp.Fault.NotificationRejected", "Notification request rejected"},
                {9010, "io.cwmp.Fault.TransferFailure", "File transfer failure"},
                {9019, "io.cwmp.Fault.FileAuthenticationFailure",
                 "File transfer failure: file authentication failure"},
                {9021, "io.cwmp.Fault.CancelNotPermitted",
                 "Cancelation of file transfer not permitted in current transfer state"},
                {9032, "io.cwmp.Fault.VersionAlreadyExists",
                 "Invalid Deployment Unit Update \u2013 Version already exists"},
        };

        for (size_t i = 0; i < ELEMENTSOF(expected); i++) {
                assert_string_equal(fault_to_dbus_name(expected[i].code), expected[i].name);
                assert_string_equal(fault_string(expected[i].code), expected[i].string);
        }
}

static void test_vendor_and_unknown(void **state)
{
        assert_string_equal(fault_to_dbus_name(9800), "io.cwmp.Fault.Vendor");
        assert_string_equal(fault_to_dbus_name(9899), "io.cwmp.Fault.Vendor");
        assert_string_not_equal(fault_to_dbus_name(9900), "io.cwmp.Fault.Vendor");
        assert_string_not_equal(fault_to_dbus_name(9799), "io.cwmp.Fault.Vendor");
        assert_string_equal(fault_string(9033), "Unknown fault");
        assert_string_equal(fault_string(8000), "Unknown fault");
        assert_string_not_equal(fault_string(9850), "Unknown fault");
        /* an unknown code still travels as a fault */
        assert_true(startswith(fault_to_dbus_name(9500), FAULT_DBUS_PREFIX));
}

static void test_dbus_error_names(void **state)
{
        assert_int_equal(fault_from_dbus_name(DBUS_ERROR_NO_REPLY), 9002);
        assert_int_equal(fault_from_dbus_name(DBUS_ERROR_SERVICE_UNKNOWN), 9002);
        assert_int_equal(fault_from_dbus_name(DBUS_ERROR_NAME_HAS_NO_OWNER), 9002);
        assert_int_equal(fault_from_dbus_name(DBUS_ERROR_INVALID_ARGS), 9003);
        assert_int_equal(fault_from_dbus_name(DBUS_ERROR_ACCESS_DENIED), 9001);
        assert_int_equal(fault_from_dbus_name(DBUS_ERROR_UNKNOWN_METHOD), 9000);
        assert_int_equal(fault_from_dbus_name("com.example.Whatever"), 9002);
        assert_int_equal(fault_from_dbus_name("io.cwmp.Fault.NoSuchFault"), 9002);
        assert_int_equal(fault_from_dbus_name(NULL), 9002);
}

static void test_errno_mapping(void **state)
{
        static const struct {
                int error;
                uint32_t code;
        } map[] = {
                {-ENOENT, 9005},     {-EROFS, 9008},  {-EINVAL, 9007}, {-EPROTOTYPE, 9006},
                {-EBADRQC, 9003},    {-EACCES, 9001}, {-EPERM, 9001},  {-ENOMEM, 9004},
                {-ENOSPC, 9004},     {-E2BIG, 9004},  {-EDQUOT, 9004}, {-EOPNOTSUPP, 9000},
                {-ENOTSUP, 9000},    {-EBUSY, 9009},  {-EIO, 9002},    {-ETIMEDOUT, 9002},
                {-ECONNRESET, 9002}, {0, 9002},
        };

        for (size_t i = 0; i < ELEMENTSOF(map); i++)
                assert_int_equal(fault_from_errno(map[i].error), map[i].code);
        /* the inverse, for every code the mapping names */
        for (uint32_t code = 9000; code <= 9009; code++) {
                int error = fault_to_errno(code);
                assert_true(error < 0);
                assert_int_equal(fault_from_errno(error), code);
        }
        assert_true(fault_to_errno(9010) < 0);
}

static void test_fault_struct(void **state)
{
        struct fault f = {0};

        assert_int_equal(fault_set(&f, 9003, NULL), 0);
        assert_int_equal(f.code, 9003);
        assert_string_equal(f.message, "Invalid arguments");
        assert_int_equal(fault_set(&f, 9007, "value %d out of range", 300), 0);
        assert_string_equal(f.message, "value 300 out of range");
        assert_int_equal(fault_add_param(&f, "Device.X.A", 9007, NULL), 0);
        assert_int_equal(fault_add_param(&f, "Device.X.B", 9008, "read-only %s", "B"), 0);
        assert_int_equal(f.n_params, 2);
        assert_string_equal(f.params[0].message, "Invalid parameter value");
        assert_string_equal(f.params[1].name, "Device.X.B");
        assert_string_equal(f.params[1].message, "read-only B");
        fault_done(&f);
        assert_null(f.message);
        assert_int_equal(f.n_params, 0);
        fault_done(&f); /* twice is fine */
}

static DBusMessage *new_call(void)
{
        DBusMessage *call = dbus_message_new_method_call("io.cwmp.DataModel", "/io/cwmp/DataModel",
                                                         "io.cwmp.DataModel1", "Anything");
        assert_non_null(call);
        dbus_message_set_serial(call, 42);
        assert_true(dbus_message_set_sender(call, ":1.7"));
        return call;
}

static void test_error_reply_round_trip(void **state)
{
        _cleanup_(fault_done) struct fault f = {0}, back = {0};
        DBusMessage *call = new_call(), *reply;

        assert_int_equal(fault_set(&f, 9003, "Two parameters are wrong"), 0);
        assert_int_equal(fault_add_param(&f, "Device.X.Level", 9007, "out of range"), 0);
        assert_int_equal(fault_add_param(&f, "Device.X.Counter", 9008, NULL), 0);
        reply = fault_new_error_reply(call, &f);
        assert_non_null(reply);
        assert_int_equal(dbus_message_get_type(reply), DBUS_MESSAGE_TYPE_ERROR);
        assert_string_equal(dbus_message_get_error_name(reply), "io.cwmp.Fault.InvalidArguments");
        assert_true(dbus_message_has_signature(reply, "sua(sus)"));
        assert_int_equal(dbus_message_get_reply_serial(reply), 42);
        assert_string_equal(dbus_message_get_destination(reply), ":1.7");

        /* through the wire format, as a peer would see it */
        dbus_message_set_serial(reply, 43);
        char *wire = NULL;
        int len = 0;
        assert_true(dbus_message_marshal(reply, &wire, &len));
        DBusMessage *received = dbus_message_demarshal(wire, len, NULL);
        dbus_free(wire);
        assert_non_null(received);

        back.code = 1; /* replaced, not merged */
        assert_int_equal(fault_from_error_reply(received, &back), 0);
        assert_int_equal(back.code, 9003);
        assert_string_equal(back.message, "Two parameters are wrong");
        assert_int_equal(back.n_params, 2);
        assert_string_equal(back.params[0].name, "Device.X.Level");
        assert_int_equal(back.params[0].code, 9007);
        assert_string_equal(back.params[0].message, "out of range");
        assert_string_equal(back.params[1].name, "Device.X.Counter");
        assert_int_equal(back.params[1].code, 9008);
        assert_string_equal(back.params[1].message, "Attempt to set a non-writable parameter");

        dbus_message_unref(received);
        dbus_message_unref(reply);
        dbus_message_unref(call);
}

static void test_vendor_reply_keeps_code(void **state)
{
        _cleanup_(fault_done) struct fault f = {0}, back = {0};
        DBusMessage *call = new_call(), *reply;

        assert_int_equal(fault_set(&f, 9850, "Tuner busy"), 0);
        reply = fault_new_error_reply(call, &f);
        assert_non_null(reply);
        assert_string_equal(dbus_message_get_error_name(reply), "io.cwmp.Fault.Vendor");
        assert_int_equal(fault_from_error_reply(reply, &back), 0);
        assert_int_equal(back.code, 9850);
        assert_string_equal(back.message, "Tuner busy");
        assert_int_equal(back.n_params, 0);
        dbus_message_unref(reply);
        dbus_message_unref(call);
}

static void test_generic_error_reply(void **state)
{
        _cleanup_(fault_done) struct fault back = {0};
        DBusMessage *call = new_call(), *reply;

        reply = dbus_message_new_error(call, DBUS_ERROR_INVALID_ARGS, "Expected (as)");
        assert_int_equal(fault_from_error_reply(reply, &back), 0);
        assert_int_equal(back.code, 9003);
        assert_string_equal(back.message, "Expected (as)");
        assert_int_equal(back.n_params, 0);
        dbus_message_unref(reply);

        reply = dbus_message_new_error(call, DBUS_ERROR_NO_REPLY, NULL);
        assert_int_equal(fault_from_error_reply(reply, &back), 0);
        assert_int_equal(back.code, 9002);
        assert_non_null(back.message);
        dbus_message_unref(reply);

        /* our name with a foreign body: the code comes from the name */
        reply = dbus_message_new_error(call, "io.cwmp.Fault.NonWritableParameter", "plain");
        assert_int_equal(fault_from_error_reply(reply, &back), 0);
        assert_int_equal(back.code, 9008);
        assert_string_equal(back.message, "plain");
        dbus_message_unref(reply);

        /* not an error at all */
        reply = dbus_message_new_method_return(call);
        assert_int_equal(fault_from_error_reply(reply, &back), -EINVAL);
        assert_int_equal(back.code, 9008); /* untouched */
        dbus_message_unref(reply);
        dbus_message_unref(call);
}

static void test_dbus_error(void **state)
{
        _cleanup_(fault_done) struct fault back = {0};
        DBusError error = DBUS_ERROR_INIT;

        assert_int_equal(fault_from_dbus_error(&error, &back), -EINVAL);
        dbus_set_error(&error, DBUS_ERROR_ACCESS_DENIED, "Not for you");
        assert_int_equal(fault_from_dbus_error(&error, &back), 0);
        assert_int_equal(back.code, 9001);
        assert_string_equal(back.message, "Not for you");
        dbus_error_free(&error);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_every_code_round_trips),
                cmocka_unit_test(test_names_and_wording),
                cmocka_unit_test(test_vendor_and_unknown),
                cmocka_unit_test(test_dbus_error_names),
                cmocka_unit_test(test_errno_mapping),
                cmocka_unit_test(test_fault_struct),
                cmocka_unit_test(test_error_reply_round_trip),
                cmocka_unit_test(test_vendor_reply_keeps_code),
                cmocka_unit_test(test_generic_error_reply),
                cmocka_unit_test(test_dbus_error),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
