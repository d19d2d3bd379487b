/* SPDX-License-Identifier: MIT */
#pragma once

#include <dbus/dbus.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The one place that maps between negative errno values, CWMP fault codes (TR-069 A.5)
 * and D-Bus error names. A fault crosses D-Bus as an error named
 * "io.cwmp.Fault.<Name>" whose body is (s message, u code, a(sus) parameter_faults).
 */

enum {
        CWMP_FAULT_METHOD_NOT_SUPPORTED = 9000,
        CWMP_FAULT_REQUEST_DENIED = 9001,
        CWMP_FAULT_INTERNAL_ERROR = 9002,
        CWMP_FAULT_INVALID_ARGUMENTS = 9003,
        CWMP_FAULT_RESOURCES_EXCEEDED = 9004,
        CWMP_FAULT_INVALID_PARAMETER_NAME = 9005,
        CWMP_FAULT_INVALID_PARAMETER_TYPE = 9006,
        CWMP_FAULT_INVALID_PARAMETER_VALUE = 9007,
        CWMP_FAULT_NON_WRITABLE_PARAMETER = 9008,
        CWMP_FAULT_NOTIFICATION_REJECTED = 9009,
        CWMP_FAULT_TRANSFER_FAILURE = 9010,
        CWMP_FAULT_UPLOAD_FAILURE = 9011,
        CWMP_FAULT_TRANSFER_SERVER_AUTH = 9012,
        CWMP_FAULT_UNSUPPORTED_PROTOCOL = 9013,
        CWMP_FAULT_MULTICAST_JOIN = 9014,
        CWMP_FAULT_CONTACT_SERVER = 9015,
        CWMP_FAULT_ACCESS_FILE = 9016,
        CWMP_FAULT_COMPLETE_DOWNLOAD = 9017,
        CWMP_FAULT_FILE_CORRUPTED = 9018,
        CWMP_FAULT_FILE_AUTHENTICATION = 9019,
        CWMP_FAULT_TIME_WINDOW = 9020,
        CWMP_FAULT_CANCEL_NOT_PERMITTED = 9021,
};

#define FAULT_DBUS_PREFIX "io.cwmp.Fault."

/* TR-069's wording for a code ("Invalid parameter name"); "Unknown fault" otherwise. */
const char *fault_string(uint32_t code);
/* "io.cwmp.Fault.InvalidParameterName" for 9005; "io.cwmp.Fault.Vendor" for 9800-9899. */
const char *fault_to_dbus_name(uint32_t code);
/* The code for an io.cwmp.Fault.* name, or for a well-known D-Bus error (NoReply,
 * ServiceUnknown ... map to 9002, InvalidArgs to 9003, AccessDenied to 9001); 9002 for
 * anything else. */
uint32_t fault_from_dbus_name(const char *name);
/* Negative errno -> fault code: -ENOENT 9005, -EROFS 9008, -EINVAL 9007, -EPROTOTYPE 9006,
 * -EBADRQC 9003, -EACCES/-EPERM 9001, -ENOMEM/-ENOSPC/-E2BIG/-EDQUOT 9004,
 * -EOPNOTSUPP 9000, -ENOTSUP is the same, -EBUSY 9009 (notification); else 9002. */
uint32_t fault_from_errno(int error);
/* Fault code -> negative errno, the inverse of the above for the codes it names. */
int fault_to_errno(uint32_t code);

struct fault_param {
        char *name;
        uint32_t code;
        char *message;
};

struct fault {
        uint32_t code;
        char *message;
        struct fault_param *params;
        size_t n_params;
};

void fault_done(struct fault *f);
/* Sets code and message (printf-style; NULL format means fault_string(code)). */
int fault_set(struct fault *f, uint32_t code, const char *format, ...)
        __attribute__((format(printf, 3, 4)));
int fault_add_param(struct fault *f, const char *name, uint32_t code, const char *format, ...)
        __attribute__((format(printf, 4, 5)));

/* The error reply for `call`. NULL on out-of-memory. */
DBusMessage *fault_new_error_reply(DBusMessage *call, const struct fault *f);
/* Reads an error reply (ours or any D-Bus error) into f. Returns 0, or -EINVAL if `reply`
 * is not an error. */
int fault_from_error_reply(DBusMessage *reply, struct fault *f);
/* Answers `call` with a fault of `code` and the printf-style message (no parameters). */
int fault_reply(DBusConnection *c, DBusMessage *call, uint32_t code, const char *format, ...)
        __attribute__((format(printf, 4, 5)));
/* Same for a DBusError from a blocking call. */
int fault_from_dbus_error(const DBusError *error, struct fault *f);
