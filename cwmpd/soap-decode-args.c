/* SPDX-License-Identifier: MIT */
/* The arguments of every message the ACS sends, as TR-069 Annex A and cwmp-1-x.xsd list
 * them: which child elements a method has, of which type, and which are mandatory. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "soap-decode.h"
#include "types.h"
#include "util.h"

enum arg_kind {
        ARG_STRING,
        ARG_KEY, /* CommandKey, ParameterKey: at most 32 characters, they are echoed later */
        ARG_BOOL,
        ARG_INT32,
        ARG_UINT32,
        ARG_UINT64,
        ARG_NOTIFICATION,   /* 0..6, or empty (see decode_attribute) */
        ARG_VALUE,          /* a ParameterValueStruct's Value with its xsi:type */
        ARG_STRINGS,        /* an array of strings */
        ARG_VALUE_LIST,     /* ParameterValueStruct[] into m->values */
        ARG_ATTRIBUTE_LIST, /* SetParameterAttributesStruct[] into m->attributes */
        ARG_WINDOW_LIST,    /* TimeWindowStruct[1..2] into m->time_windows */
};

struct arg {
        const char *name;
        enum arg_kind kind;
        bool optional;
        size_t offset; /* of the destination in the struct being filled */
};

#define MSG(field) offsetof(struct soap_message, field)

static const struct arg set_parameter_values_args[] = {
        {"ParameterList", ARG_VALUE_LIST, false, 0},
        {"ParameterKey", ARG_KEY, false, MSG(parameter_key)},
};
static const struct arg parameter_names_args[] = {
        {"ParameterNames", ARG_STRINGS, false, MSG(names)},
};
static const struct arg get_parameter_names_args[] = {
        {"ParameterPath", ARG_STRING, false, MSG(path)},
        {"NextLevel", ARG_BOOL, false, MSG(next_level)},
};
static const struct arg set_parameter_attributes_args[] = {
        {"ParameterList", ARG_ATTRIBUTE_LIST, false, 0},
};
static const struct arg object_args[] = {
        {"ObjectName", ARG_STRING, false, MSG(path)},
        {"ParameterKey", ARG_KEY, false, MSG(parameter_key)},
};
static const struct arg command_key_args[] = {
        {"CommandKey", ARG_KEY, false, MSG(command_key)},
};
static const struct arg download_args[] = {
        {"CommandKey", ARG_KEY, false, MSG(command_key)},
        {"FileType", ARG_STRING, false, MSG(file_type)},
        {"URL", ARG_STRING, false, MSG(url)},
        {"Username", ARG_STRING, false, MSG(username)},
        {"Password", ARG_STRING, false, MSG(password)},
        {"FileSize", ARG_UINT64, false, MSG(file_size)},
        {"TargetFileName", ARG_STRING, false, MSG(target_file_name)},
        {"DelaySeconds", ARG_UINT32, false, MSG(delay_seconds)},
        {"SuccessURL", ARG_STRING, false, MSG(success_url)},
        {"FailureURL", ARG_STRING, false, MSG(failure_url)},
};
static const struct arg upload_args[] = {
        {"CommandKey", ARG_KEY, false, MSG(command_key)},
        {"FileType", ARG_STRING, false, MSG(file_type)},
        {"URL", ARG_STRING, false, MSG(url)},
        {"Username", ARG_STRING, false, MSG(username)},
        {"Password", ARG_STRING, false, MSG(password)},
        {"DelaySeconds", ARG_UINT32, false, MSG(delay_seconds)},
};
static const struct arg schedule_inform_args[] = {
        {"DelaySeconds", ARG_UINT32, false, MSG(delay_seconds)},
        {"CommandKey", ARG_KEY, false, MSG(command_key)},
};
static const struct arg schedule_download_args[] = {
        {"CommandKey", ARG_KEY, false, MSG(command_key)},
        {"FileType", ARG_STRING, false, MSG(file_type)},
        {"URL", ARG_STRING, false, MSG(url)},
        {"Username", ARG_STRING, false, MSG(username)},
        {"Password", ARG_STRING, false, MSG(password)},
        {"FileSize", ARG_UINT64, false, MSG(file_size)},
        {"TargetFileName", ARG_STRING, false, MSG(target_file_name)},
        {"TimeWindowList", ARG_WINDOW_LIST, false, 0},
};
/* MaxEnvelopes is ignored on receipt (one envelope per message), so an InformResponse
 * without it is taken rather than failing the session; a present one must be a number. */
static const struct arg inform_response_args[] = {
        {"MaxEnvelopes", ARG_UINT32, true, MSG(max_envelopes)},
};
static const struct arg get_rpc_methods_response_args[] = {
        {"MethodList", ARG_STRINGS, false, MSG(names)},
};

static const struct arg value_args[] = {
        {"Name", ARG_STRING, false, offsetof(struct soap_value, name)},
        {"Value", ARG_VALUE, false, 0},
};
/* Indexes into attribute_args, for the checks that follow its decoding. */
enum {
        ATTR_NAME,
        ATTR_NOTIFICATION_CHANGE,
        ATTR_NOTIFICATION,
        ATTR_ACCESS_LIST_CHANGE,
        ATTR_ACCESS_LIST,
};
static const struct arg attribute_args[] = {
        [ATTR_NAME] = {"Name", ARG_STRING, false, offsetof(struct soap_attribute, name)},
        [ATTR_NOTIFICATION_CHANGE] = {"NotificationChange", ARG_BOOL, false,
                                      offsetof(struct soap_attribute, notification_change)},
        [ATTR_NOTIFICATION] = {"Notification", ARG_NOTIFICATION, true,
                               offsetof(struct soap_attribute, notification)},
        [ATTR_ACCESS_LIST_CHANGE] = {"AccessListChange", ARG_BOOL, false,
                                     offsetof(struct soap_attribute, access_list_change)},
        [ATTR_ACCESS_LIST] = {"AccessList", ARG_STRINGS, true,
                              offsetof(struct soap_attribute, access_list)},
};
static const struct arg window_args[] = {
        {"WindowStart", ARG_UINT32, false, offsetof(struct soap_time_window, window_start)},
        {"WindowEnd", ARG_UINT32, false, offsetof(struct soap_time_window, window_end)},
        {"WindowMode", ARG_STRING, false, offsetof(struct soap_time_window, window_mode)},
        {"UserMessage", ARG_STRING, false, offsetof(struct soap_time_window, user_message)},
        {"MaxRetries", ARG_INT32, false, offsetof(struct soap_time_window, max_retries)},
};

struct method_args {
        const struct arg *args;
        size_t n;
};

#define ARGS(a)                                                                                    \
        {                                                                                          \
                a, ELEMENTSOF(a)                                                                   \
        }

/* Methods without arguments (GetRPCMethods, FactoryReset, the empty responses ...) have
 * no entry. ChangeDUState is recognized but its Operations are not decoded. */
static const struct method_args method_args[] = {
        [SOAP_SET_PARAMETER_VALUES] = ARGS(set_parameter_values_args),
        [SOAP_GET_PARAMETER_VALUES] = ARGS(parameter_names_args),
        [SOAP_GET_PARAMETER_NAMES] = ARGS(get_parameter_names_args),
        [SOAP_SET_PARAMETER_ATTRIBUTES] = ARGS(set_parameter_attributes_args),
        [SOAP_GET_PARAMETER_ATTRIBUTES] = ARGS(parameter_names_args),
        [SOAP_ADD_OBJECT] = ARGS(object_args),
        [SOAP_DELETE_OBJECT] = ARGS(object_args),
        [SOAP_REBOOT] = ARGS(command_key_args),
        [SOAP_DOWNLOAD] = ARGS(download_args),
        [SOAP_UPLOAD] = ARGS(upload_args),
        [SOAP_SCHEDULE_INFORM] = ARGS(schedule_inform_args),
        [SOAP_SCHEDULE_DOWNLOAD] = ARGS(schedule_download_args),
        [SOAP_CANCEL_TRANSFER] = ARGS(command_key_args),
        [SOAP_INFORM_RESPONSE] = ARGS(inform_response_args),
        [SOAP_GET_RPC_METHODS_RESPONSE] = ARGS(get_rpc_methods_response_args),
};

#define KEY_MAX_CHARS      32
#define MAX_TIME_WINDOWS   2
#define MAX_NOTIFICATION   6
#define NOTIFICATION_EMPTY UINT32_MAX

static int decode_args(struct soap_decoder *d, const xmlNode *parent, const char *where,
                       const struct arg *args, size_t n_args, void *base, uint32_t *ret_seen);

/* Arguments are unqualified. An element in the method's own namespace counts as well, and
 * so does one in the envelope's: both come from a default xmlns the sender left in scope. */
static bool is_argument(const struct soap_decoder *d, const xmlNode *n)
{
        if (n->type != XML_ELEMENT_NODE)
                return false;
        return !n->ns || (d->cwmp_ns && xmlStrEqual(n->ns->href, d->cwmp_ns)) ||
               xmlStrEqual(n->ns->href, BAD_CAST SOAP_ENV_NS);
}

static bool is_xml_space(char c)
{
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* XML Schema collapses white space around numbers and booleans. */
static char *trim(char *s)
{
        while (is_xml_space(*s))
                s++;
        size_t n = strlen(s);
        while (n > 0 && is_xml_space(s[n - 1]))
                s[--n] = '\0';
        return s;
}

static int grow_array(void **array, size_t *allocated, size_t need, size_t size)
{
        if (need <= *allocated)
                return 0;
        size_t n = *allocated ? *allocated * 2 : 8;
        if (n < need)
                n = need;
        if (n > SIZE_MAX / size)
                return -ENOMEM;
        void *p = realloc(*array, n * size);
        if (!p)
                return -ENOMEM;
        *array = p;
        *allocated = n;
        return 0;
}

static int out_of_memory(struct soap_decoder *d)
{
        return soap_decode_fail(d, CWMP_FAULT_RESOURCES_EXCEEDED, -ENOMEM, "out of memory");
}

static const xmlAttr *find_type_attribute(const xmlNode *n)
{
        const xmlAttr *fallback = NULL;

        for (const xmlAttr *a = n->properties; a; a = a->next) {
                if (!xmlStrEqual(a->name, BAD_CAST "type"))
                        continue;
                if (a->ns && xmlStrEqual(a->ns->href, BAD_CAST XSI_NS))
                        return a;
                fallback = a; /* a type attribute in another namespace, or none */
        }
        return fallback;
}

/* The xsi:type of a Value without its prefix, which is not resolved: "xsd:int" -> "int". */
static int decode_value_type(struct soap_decoder *d, const xmlNode *n, const char *where,
                             char **ret)
{
        const xmlAttr *a = find_type_attribute(n);
        _cleanup_free_ char *text = NULL;

        if (!a) {
                *ret = strdup("");
                return *ret ? 0 : out_of_memory(d);
        }
        int r = soap_decode_text_nodes(d, a->children, a->name, where, &text);
        if (r < 0)
                return r;
        const char *type = trim(text);
        const char *colon = strrchr(type, ':');
        if (colon)
                type = colon + 1;
        *ret = strdup(type);
        return *ret ? 0 : out_of_memory(d);
}

static int decode_strings(struct soap_decoder *d, const xmlNode *n, const char *where,
                          struct strv *ret)
{
        char item_where[160];
        size_t i = 0;

        for (const xmlNode *c = n->children; c; c = c->next) {
                if (!is_argument(d, c))
                        continue;
                char *text = NULL;
                snprintf(item_where, sizeof(item_where), "%s %s item %zu", where, n->name, ++i);
                int r = soap_decode_text(d, c, item_where, &text);
                if (r < 0)
                        return r;
                if (strv_push_take(ret, text) < 0)
                        return out_of_memory(d);
        }
        /* an empty array still yields a NULL-terminated vector */
        if (!ret->v) {
                ret->v = calloc(1, sizeof(char *));
                if (!ret->v)
                        return out_of_memory(d);
                ret->allocated = 1;
        }
        return 0;
}

static int decode_value_list(struct soap_decoder *d, const xmlNode *n, const char *where)
{
        struct soap_message *m = d->m;
        size_t allocated = 0;
        char item_where[160];

        for (const xmlNode *c = n->children; c; c = c->next) {
                if (!is_argument(d, c))
                        continue;
                if (grow_array((void **)&m->values, &allocated, m->n_values + 1,
                               sizeof(*m->values)) < 0)
                        return out_of_memory(d);
                struct soap_value *v = &m->values[m->n_values++];
                *v = (struct soap_value){0};
                snprintf(item_where, sizeof(item_where), "%s ParameterList item %zu", where,
                         m->n_values);
                int r = decode_args(d, c, item_where, value_args, ELEMENTSOF(value_args), v, NULL);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int decode_attribute(struct soap_decoder *d, const xmlNode *n, const char *where,
                            struct soap_attribute *a)
{
        uint32_t seen = 0;

        a->notification = NOTIFICATION_EMPTY;
        int r = decode_args(d, n, where, attribute_args, ELEMENTSOF(attribute_args), a, &seen);
        if (r < 0)
                return r;

        /* Notification and AccessList only matter when their *Change flag is set; ACSs
         * such as GenieACS send an empty <Notification/> when it is not. */
        if (a->notification_change && a->notification == NOTIFICATION_EMPTY)
                return soap_decode_fail(d, CWMP_FAULT_INVALID_ARGUMENTS, -EBADMSG,
                                        "%s: %s Notification, but NotificationChange is true",
                                        where,
                                        (seen & (1u << ATTR_NOTIFICATION)) ? "empty" : "missing");
        if (a->notification == NOTIFICATION_EMPTY)
                a->notification = 0;
        if (a->access_list_change && !(seen & (1u << ATTR_ACCESS_LIST)))
                return soap_decode_fail(d, CWMP_FAULT_INVALID_ARGUMENTS, -EBADMSG,
                                        "%s: missing AccessList, but AccessListChange is true",
                                        where);
        return 0;
}

static int decode_attribute_list(struct soap_decoder *d, const xmlNode *n, const char *where)
{
        struct soap_message *m = d->m;
        size_t allocated = 0;
        char item_where[160];

        for (const xmlNode *c = n->children; c; c = c->next) {
                if (!is_argument(d, c))
                        continue;
                if (grow_array((void **)&m->attributes, &allocated, m->n_attributes + 1,
                               sizeof(*m->attributes)) < 0)
                        return out_of_memory(d);
                struct soap_attribute *a = &m->attributes[m->n_attributes++];
                *a = (struct soap_attribute){0};
                snprintf(item_where, sizeof(item_where), "%s ParameterList item %zu", where,
                         m->n_attributes);
                int r = decode_attribute(d, c, item_where, a);
                if (r < 0)
                        return r;
        }
        if (m->n_attributes == 0)
                return soap_decode_fail(d, CWMP_FAULT_INVALID_ARGUMENTS, -EBADMSG,
                                        "%s: ParameterList is empty", where);
        return 0;
}

static int decode_window_list(struct soap_decoder *d, const xmlNode *n, const char *where)
{
        struct soap_message *m = d->m;
        size_t allocated = 0;
        char item_where[160];

        for (const xmlNode *c = n->children; c; c = c->next) {
                if (!is_argument(d, c))
                        continue;
                if (m->n_time_windows == MAX_TIME_WINDOWS)
                        return soap_decode_fail(d, CWMP_FAULT_INVALID_ARGUMENTS, -EBADMSG,
                                                "%s: TimeWindowList has more than %d windows",
                                                where, MAX_TIME_WINDOWS);
                if (grow_array((void **)&m->time_windows, &allocated, m->n_time_windows + 1,
                               sizeof(*m->time_windows)) < 0)
                        return out_of_memory(d);
                struct soap_time_window *w = &m->time_windows[m->n_time_windows++];
                *w = (struct soap_time_window){0};
                snprintf(item_where, sizeof(item_where), "%s TimeWindowList item %zu", where,
                         m->n_time_windows);
                int r = decode_args(d, c, item_where, window_args, ELEMENTSOF(window_args), w,
                                    NULL);
                if (r < 0)
                        return r;
        }
        if (m->n_time_windows == 0)
                return soap_decode_fail(d, CWMP_FAULT_INVALID_ARGUMENTS, -EBADMSG,
                                        "%s: TimeWindowList is empty", where);
        return 0;
}

static int bad_number(struct soap_decoder *d, const char *where, const char *name, const char *text,
                      const char *type, int r)
{
        char quoted[64];
        return soap_decode_fail(d, CWMP_FAULT_INVALID_ARGUMENTS, -EBADMSG, "%s: %s \"%s\" is %s %s",
                                where, name, soap_quote(text, quoted),
                                r == -ERANGE ? "out of range for" : "not", type);
}

static int decode_scalar(struct soap_decoder *d, const xmlNode *n, const char *where,
                         const struct arg *arg, void *dest)
{
        _cleanup_free_ char *text = NULL;
        char quoted[64];
        int r;

        r = soap_decode_text(d, n, where, &text);
        if (r < 0)
                return r;

        switch (arg->kind) {
        case ARG_KEY:
                if (utf8_length(text) > KEY_MAX_CHARS)
                        return soap_decode_fail(d, CWMP_FAULT_INVALID_ARGUMENTS, -EBADMSG,
                                                "%s: %s is longer than %d characters", where,
                                                arg->name, KEY_MAX_CHARS);
                __attribute__((fallthrough));
        case ARG_STRING:
                *(char **)dest = TAKE_PTR(text);
                return 0;
        case ARG_BOOL:
                r = cw_parse_bool(trim(text), dest);
                if (r < 0)
                        return soap_decode_fail(d, CWMP_FAULT_INVALID_ARGUMENTS, -EBADMSG,
                                                "%s: %s \"%s\" is not a boolean", where, arg->name,
                                                soap_quote(text, quoted));
                return 0;
        case ARG_INT32:
                r = cw_parse_int32(trim(text), dest);
                return r < 0 ? bad_number(d, where, arg->name, text, "an int", r) : 0;
        case ARG_UINT32:
                r = cw_parse_uint32(trim(text), dest);
                return r < 0 ? bad_number(d, where, arg->name, text, "an unsignedInt", r) : 0;
        case ARG_UINT64:
                r = cw_parse_uint64(trim(text), dest);
                return r < 0 ? bad_number(d, where, arg->name, text, "an unsignedLong", r) : 0;
        case ARG_NOTIFICATION: {
                uint32_t *notification = dest;
                const char *t = trim(text);
                if (!*t) {
                        *notification = NOTIFICATION_EMPTY;
                        return 0;
                }
                r = cw_parse_uint32(t, notification);
                if (r < 0 || *notification > MAX_NOTIFICATION)
                        return soap_decode_fail(d, CWMP_FAULT_INVALID_ARGUMENTS, -EBADMSG,
                                                "%s: Notification \"%s\" is not one of 0-%d", where,
                                                soap_quote(text, quoted), MAX_NOTIFICATION);
                return 0;
        }
        default:
                return soap_decode_fail(d, CWMP_FAULT_INTERNAL_ERROR, -EINVAL,
                                        "%s: %s has no decoder", where, arg->name);
        }
}

static int decode_arg(struct soap_decoder *d, const xmlNode *n, const char *where,
                      const struct arg *arg, void *base)
{
        void *dest = (char *)base + arg->offset;

        switch (arg->kind) {
        case ARG_VALUE: {
                struct soap_value *v = base;
                int r = decode_value_type(d, n, where, &v->type);
                if (r < 0)
                        return r;
                return soap_decode_text(d, n, where, &v->value);
        }
        case ARG_STRINGS:
                return decode_strings(d, n, where, dest);
        case ARG_VALUE_LIST:
                return decode_value_list(d, n, where);
        case ARG_ATTRIBUTE_LIST:
                return decode_attribute_list(d, n, where);
        case ARG_WINDOW_LIST:
                return decode_window_list(d, n, where);
        default:
                return decode_scalar(d, n, where, arg, dest);
        }
}

/* Fills `base` from the children of `parent` that `args` names. Unknown children are
 * ignored (TR-069 3.5 lets a receiver ignore unknown elements); a known one twice, or a
 * mandatory one missing, is an invalid argument. */
static int decode_args(struct soap_decoder *d, const xmlNode *parent, const char *where,
                       const struct arg *args, size_t n_args, void *base, uint32_t *ret_seen)
{
        uint32_t seen = 0;

        for (const xmlNode *c = parent->children; c; c = c->next) {
                if (!is_argument(d, c))
                        continue;
                size_t i;
                for (i = 0; i < n_args; i++)
                        if (xmlStrEqual(c->name, BAD_CAST args[i].name))
                                break;
                if (i == n_args)
                        continue;
                if (seen & (1u << i))
                        return soap_decode_fail(d, CWMP_FAULT_INVALID_ARGUMENTS, -EBADMSG,
                                                "%s: %s appears more than once", where,
                                                args[i].name);
                seen |= 1u << i;
                int r = decode_arg(d, c, where, &args[i], base);
                if (r < 0)
                        return r;
        }

        for (size_t i = 0; i < n_args; i++)
                if (!args[i].optional && !(seen & (1u << i)))
                        return soap_decode_fail(d, CWMP_FAULT_INVALID_ARGUMENTS, -EBADMSG,
                                                "%s: missing %s", where, args[i].name);
        if (ret_seen)
                *ret_seen = seen;
        return 0;
}

int soap_decode_arguments(struct soap_decoder *d, const xmlNode *n,
                          const struct soap_method_info *info)
{
        if ((size_t)info->method >= ELEMENTSOF(method_args) || !method_args[info->method].args)
                return 0;
        const struct method_args *a = &method_args[info->method];
        return decode_args(d, n, info->name, a->args, a->n, d->m, NULL);
}
