/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "fault.h"
#include "util.h"

struct fault_info {
        uint32_t code;
        const char *dbus_name;
        const char *string; /* the wording of the CWMP schemas (cwmp-1-2.xsd) */
};

/* TR-069 A.5.1, every CPE fault code the CWMP schemas define. */
static const struct fault_info fault_table[] = {
        {9000, FAULT_DBUS_PREFIX "MethodNotSupported", "Method not supported"},
        {9001, FAULT_DBUS_PREFIX "RequestDenied", "Request denied (no reason specified)"},
        {9002, FAULT_DBUS_PREFIX "InternalError", "Internal error"},
        {9003, FAULT_DBUS_PREFIX "InvalidArguments", "Invalid arguments"},
        {9004, FAULT_DBUS_PREFIX "ResourcesExceeded", "Resources exceeded"},
        {9005, FAULT_DBUS_PREFIX "InvalidParameterName", "Invalid parameter name"},
        {9006, FAULT_DBUS_PREFIX "InvalidParameterType", "Invalid parameter type"},
        {9007, FAULT_DBUS_PREFIX "InvalidParameterValue", "Invalid parameter value"},
        {9008, FAULT_DBUS_PREFIX "NonWritableParameter", "Attempt to set a non-writable parameter"},
        {9009, FAULT_DBUS_PREFIX "NotificationRejected", "Notification request rejected"},
        {9010, FAULT_DBUS_PREFIX "TransferFailure", "File transfer failure"},
        {9011, FAULT_DBUS_PREFIX "UploadFailure", "Upload failure"},
        {9012, FAULT_DBUS_PREFIX "TransferServerAuthenticationFailure",
         "File transfer server authentication failure"},
        {9013, FAULT_DBUS_PREFIX "UnsupportedTransferProtocol",
         "Unsupported protocol for file transfer"},
        {9014, FAULT_DBUS_PREFIX "MulticastJoinFailure",
         "File transfer failure: unable to join multicast group"},
        {9015, FAULT_DBUS_PREFIX "ContactServerFailure",
         "File transfer failure: unable to contact file server"},
        {9016, FAULT_DBUS_PREFIX "FileAccessFailure",
         "File transfer failure: unable to access file"},
        {9017, FAULT_DBUS_PREFIX "DownloadIncomplete",
         "File transfer failure: unable to complete download"},
        {9018, FAULT_DBUS_PREFIX "FileCorrupted", "File transfer failure: file corrupted"},
        {9019, FAULT_DBUS_PREFIX "FileAuthenticationFailure",
         "File transfer failure: file authentication failure"},
        {9020, FAULT_DBUS_PREFIX "TimeWindowExceeded",
         "File transfer failure: unable to complete download within specified time windows"},
        {9021, FAULT_DBUS_PREFIX "CancelNotPermitted",
         "Cancelation of file transfer not permitted in current transfer state"},
        {9022, FAULT_DBUS_PREFIX "InvalidUUIDFormat", "Invalid UUID Format"},
        {9023, FAULT_DBUS_PREFIX "UnknownExecutionEnvironment", "Unknown Execution Environment"},
        {9024, FAULT_DBUS_PREFIX "DisabledExecutionEnvironment", "Disabled Execution Environment"},
        {9025, FAULT_DBUS_PREFIX "DeploymentUnitEnvironmentMismatch",
         "Deployment Unit to Execution Environment Mismatch"},
        {9026, FAULT_DBUS_PREFIX "DuplicateDeploymentUnit", "Duplicate Deployment Unit"},
        {9027, FAULT_DBUS_PREFIX "SystemResourcesExceeded", "System Resources Exceeded"},
        {9028, FAULT_DBUS_PREFIX "UnknownDeploymentUnit", "Unknown Deployment Unit"},
        {9029, FAULT_DBUS_PREFIX "InvalidDeploymentUnitState", "Invalid Deployment Unit State"},
        /* the schemas' own spelling and dashes */
        {9030, FAULT_DBUS_PREFIX "DowngradeNotPermitted",
         "Invalid Deployement Unit Update \u2013 Downgrade not permitted"},
        {9031, FAULT_DBUS_PREFIX "VersionNotSpecified",
         "Invalid Deployement Unit Update \u2013 Version not specified"},
        {9032, FAULT_DBUS_PREFIX "VersionAlreadyExists",
         "Invalid Deployment Unit Update \u2013 Version already exists"},
};

#define FAULT_VENDOR_MIN 9800u
#define FAULT_VENDOR_MAX 9899u

static const struct fault_info *fault_info_by_code(uint32_t code)
{
        if (code < fault_table[0].code || code > fault_table[ELEMENTSOF(fault_table) - 1].code)
                return NULL;
        /* the table is dense: 9000, 9001, ... */
        return &fault_table[code - fault_table[0].code];
}

const char *fault_string(uint32_t code)
{
        const struct fault_info *info = fault_info_by_code(code);

        if (info)
                return info->string;
        if (code >= FAULT_VENDOR_MIN && code <= FAULT_VENDOR_MAX)
                return "Vendor-specific fault";
        return "Unknown fault";
}

const char *fault_to_dbus_name(uint32_t code)
{
        const struct fault_info *info = fault_info_by_code(code);

        if (info)
                return info->dbus_name;
        if (code >= FAULT_VENDOR_MIN && code <= FAULT_VENDOR_MAX)
                return FAULT_DBUS_PREFIX "Vendor";
        /* The body carries the exact code; the name only needs to be a fault. */
        return FAULT_DBUS_PREFIX "InternalError";
}

uint32_t fault_from_dbus_name(const char *name)
{
        static const struct {
                const char *name;
                uint32_t code;
        } dbus_errors[] = {
                {DBUS_ERROR_UNKNOWN_METHOD, CWMP_FAULT_METHOD_NOT_SUPPORTED},
                {DBUS_ERROR_UNKNOWN_INTERFACE, CWMP_FAULT_METHOD_NOT_SUPPORTED},
                {DBUS_ERROR_NOT_SUPPORTED, CWMP_FAULT_METHOD_NOT_SUPPORTED},
                {DBUS_ERROR_ACCESS_DENIED, CWMP_FAULT_REQUEST_DENIED},
                {DBUS_ERROR_AUTH_FAILED, CWMP_FAULT_REQUEST_DENIED},
                {DBUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED, CWMP_FAULT_REQUEST_DENIED},
                {DBUS_ERROR_INVALID_ARGS, CWMP_FAULT_INVALID_ARGUMENTS},
                {DBUS_ERROR_INVALID_SIGNATURE, CWMP_FAULT_INVALID_ARGUMENTS},
                {DBUS_ERROR_NO_MEMORY, CWMP_FAULT_RESOURCES_EXCEEDED},
                {DBUS_ERROR_LIMITS_EXCEEDED, CWMP_FAULT_RESOURCES_EXCEEDED},
        };

        if (!name)
                return CWMP_FAULT_INTERNAL_ERROR;
        if (startswith(name, FAULT_DBUS_PREFIX)) {
                for (size_t i = 0; i < ELEMENTSOF(fault_table); i++)
                        if (streq(name, fault_table[i].dbus_name))
                                return fault_table[i].code;
                /* "Vendor" without its body does not say which vendor code */
                return CWMP_FAULT_INTERNAL_ERROR;
        }
        /* NoReply, ServiceUnknown, Disconnected ...: the owner could not answer. */
        for (size_t i = 0; i < ELEMENTSOF(dbus_errors); i++)
                if (streq(name, dbus_errors[i].name))
                        return dbus_errors[i].code;
        return CWMP_FAULT_INTERNAL_ERROR;
}

uint32_t fault_from_errno(int error)
{
        switch (error < 0 ? -error : error) {
        case ENOENT:
                return CWMP_FAULT_INVALID_PARAMETER_NAME;
        case EROFS:
                return CWMP_FAULT_NON_WRITABLE_PARAMETER;
        case EINVAL:
                return CWMP_FAULT_INVALID_PARAMETER_VALUE;
        case EPROTOTYPE:
                return CWMP_FAULT_INVALID_PARAMETER_TYPE;
        case EBADRQC:
                return CWMP_FAULT_INVALID_ARGUMENTS;
        case EACCES:
        case EPERM:
                return CWMP_FAULT_REQUEST_DENIED;
        case ENOMEM:
        case ENOSPC:
        case E2BIG:
        case EDQUOT:
                return CWMP_FAULT_RESOURCES_EXCEEDED;
        case EOPNOTSUPP: /* ENOTSUP is the same value on Linux */
                return CWMP_FAULT_METHOD_NOT_SUPPORTED;
        case EBUSY:
                return CWMP_FAULT_NOTIFICATION_REJECTED;
        default:
                return CWMP_FAULT_INTERNAL_ERROR;
        }
}

int fault_to_errno(uint32_t code)
{
        switch (code) {
        case CWMP_FAULT_INVALID_PARAMETER_NAME:
                return -ENOENT;
        case CWMP_FAULT_NON_WRITABLE_PARAMETER:
                return -EROFS;
        case CWMP_FAULT_INVALID_PARAMETER_VALUE:
                return -EINVAL;
        case CWMP_FAULT_INVALID_PARAMETER_TYPE:
                return -EPROTOTYPE;
        case CWMP_FAULT_INVALID_ARGUMENTS:
                return -EBADRQC;
        case CWMP_FAULT_REQUEST_DENIED:
                return -EACCES;
        case CWMP_FAULT_RESOURCES_EXCEEDED:
                return -ENOSPC;
        case CWMP_FAULT_METHOD_NOT_SUPPORTED:
                return -EOPNOTSUPP;
        case CWMP_FAULT_NOTIFICATION_REJECTED:
                return -EBUSY;
        default:
                return -EIO;
        }
}

/* ---- struct fault ---- */

void fault_done(struct fault *f)
{
        if (!f)
                return;
        for (size_t i = 0; i < f->n_params; i++) {
                free(f->params[i].name);
                free(f->params[i].message);
        }
        free(f->params);
        free(f->message);
        *f = (struct fault){0};
}

static int format_message(uint32_t code, const char *format, va_list ap, char **ret)
{
        char *s;

        if (!format)
                s = strdup(fault_string(code));
        else if (vasprintf(&s, format, ap) < 0)
                s = NULL;
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

int fault_set(struct fault *f, uint32_t code, const char *format, ...)
{
        char *message;
        va_list ap;
        int r;

        if (!f)
                return -EINVAL;
        va_start(ap, format);
        r = format_message(code, format, ap, &message);
        va_end(ap);
        if (r < 0)
                return r;
        free(f->message);
        f->message = message;
        f->code = code;
        return 0;
}

static int fault_push_param(struct fault *f, const char *name, uint32_t code, char *message)
{
        struct fault_param *params;
        char *name_copy;

        if (f->n_params >= SIZE_MAX / sizeof(*params) - 1)
                goto oom;
        name_copy = strdup(name);
        if (!name_copy)
                goto oom;
        params = realloc(f->params, (f->n_params + 1) * sizeof(*params));
        if (!params) {
                free(name_copy);
                goto oom;
        }
        f->params = params;
        f->params[f->n_params++] = (struct fault_param){name_copy, code, message};
        return 0;
oom:
        free(message);
        return -ENOMEM;
}

int fault_add_param(struct fault *f, const char *name, uint32_t code, const char *format, ...)
{
        char *message;
        va_list ap;
        int r;

        if (!f || !name)
                return -EINVAL;
        va_start(ap, format);
        r = format_message(code, format, ap, &message);
        va_end(ap);
        if (r < 0)
                return r;
        return fault_push_param(f, name, code, message);
}

/* ---- on the wire: (s message, u code, a(sus) parameter_faults) ---- */

DBusMessage *fault_new_error_reply(DBusMessage *call, const struct fault *f)
{
        DBusMessageIter args, array, entry;
        DBusMessage *reply;

        if (!call || !f)
                return NULL;
        const char *message = f->message ? f->message : fault_string(f->code);
        reply = dbus_message_new_error(call, fault_to_dbus_name(f->code), message);
        if (!reply)
                return NULL;

        dbus_message_iter_init_append(reply, &args);
        if (!dbus_message_iter_append_basic(&args, DBUS_TYPE_UINT32, &f->code))
                goto fail;
        if (!dbus_message_iter_open_container(&args, DBUS_TYPE_ARRAY, "(sus)", &array))
                goto fail;
        for (size_t i = 0; i < f->n_params; i++) {
                const struct fault_param *p = &f->params[i];
                const char *pmessage = p->message ? p->message : fault_string(p->code);
                if (!dbus_message_iter_open_container(&array, DBUS_TYPE_STRUCT, NULL, &entry)) {
                        dbus_message_iter_abandon_container(&args, &array);
                        goto fail;
                }
                if (!dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &p->name) ||
                    !dbus_message_iter_append_basic(&entry, DBUS_TYPE_UINT32, &p->code) ||
                    !dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &pmessage) ||
                    !dbus_message_iter_close_container(&array, &entry)) {
                        dbus_message_iter_abandon_container_if_open(&array, &entry);
                        dbus_message_iter_abandon_container(&args, &array);
                        goto fail;
                }
        }
        if (!dbus_message_iter_close_container(&args, &array))
                goto fail;
        return reply;
fail:
        dbus_message_unref(reply);
        return NULL;
}

static bool fault_code_valid(uint32_t code)
{
        return fault_info_by_code(code) || (code >= FAULT_VENDOR_MIN && code <= FAULT_VENDOR_MAX);
}

/* Our own body: "sua(sus)". */
static int read_fault_body(DBusMessage *reply, struct fault *f)
{
        DBusMessageIter args, array, entry;
        const char *message, *name, *pmessage;
        uint32_t code, pcode;
        int r;

        dbus_message_iter_init(reply, &args);
        dbus_message_iter_get_basic(&args, &message);
        dbus_message_iter_next(&args);
        dbus_message_iter_get_basic(&args, &code);
        dbus_message_iter_next(&args);
        if (!fault_code_valid(code))
                code = fault_from_dbus_name(dbus_message_get_error_name(reply));
        r = fault_set(f, code, "%s", message);
        if (r < 0)
                return r;

        dbus_message_iter_recurse(&args, &array);
        while (dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_STRUCT) {
                dbus_message_iter_recurse(&array, &entry);
                dbus_message_iter_get_basic(&entry, &name);
                dbus_message_iter_next(&entry);
                dbus_message_iter_get_basic(&entry, &pcode);
                dbus_message_iter_next(&entry);
                dbus_message_iter_get_basic(&entry, &pmessage);
                r = fault_add_param(f, name, pcode, "%s", pmessage);
                if (r < 0)
                        return r;
                dbus_message_iter_next(&array);
        }
        return 0;
}

int fault_from_error_reply(DBusMessage *reply, struct fault *f)
{
        struct fault result = {0};
        const char *name, *message = NULL;
        int r;

        if (!reply || !f || dbus_message_get_type(reply) != DBUS_MESSAGE_TYPE_ERROR)
                return -EINVAL;
        name = dbus_message_get_error_name(reply);

        if (name && startswith(name, FAULT_DBUS_PREFIX) &&
            dbus_message_has_signature(reply, "sua(sus)"))
                r = read_fault_body(reply, &result);
        else {
                /* Any other error: the code from its name, the text as it came. */
                if (!dbus_message_get_args(reply, NULL, DBUS_TYPE_STRING, &message,
                                           DBUS_TYPE_INVALID))
                        message = NULL;
                if (message && *message)
                        r = fault_set(&result, fault_from_dbus_name(name), "%s", message);
                else if (name)
                        r = fault_set(&result, fault_from_dbus_name(name), "%s", name);
                else
                        r = fault_set(&result, fault_from_dbus_name(name), NULL);
        }
        if (r < 0) {
                fault_done(&result);
                return r;
        }
        fault_done(f);
        *f = result;
        return 0;
}

int fault_from_dbus_error(const DBusError *error, struct fault *f)
{
        struct fault result = {0};
        int r;

        if (!error || !f || !dbus_error_is_set(error))
                return -EINVAL;
        if (error->message && *error->message)
                r = fault_set(&result, fault_from_dbus_name(error->name), "%s", error->message);
        else
                r = fault_set(&result, fault_from_dbus_name(error->name), "%s", error->name);
        if (r < 0)
                return r;
        fault_done(f);
        *f = result;
        return 0;
}

int fault_reply(DBusConnection *c, DBusMessage *call, uint32_t code, const char *format, ...)
{
        struct fault f = {.code = code};
        DBusMessage *reply;
        va_list ap;
        int r = 0;

        va_start(ap, format);
        if (vasprintf(&f.message, format, ap) < 0)
                f.message = NULL;
        va_end(ap);
        reply = fault_new_error_reply(call, &f);
        fault_done(&f);
        if (!reply)
                return -ENOMEM;
        if (!dbus_message_get_no_reply(call) && !dbus_connection_send(c, reply, NULL))
                r = -ENOMEM;
        dbus_message_unref(reply);
        return r;
}
