/* SPDX-License-Identifier: MIT */
/* The messages the CPE sends, one function each, in the element order of cwmp-1-x.xsd. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "soap-internal.h"
#include "soap-writer.h"
#include "soap.h"

#define MAX_EVENTS    64 /* EventStruct maxOccurs */
#define MAX_TRANSFERS 16 /* QueuedTransferStruct / AllQueuedTransferStruct maxOccurs */

/* The xsi:type for a CWMP type name: "unsignedInt" -> "xsd:unsignedInt". base64 is
 * XML Schema's base64Binary (xsd:base64 does not exist and would not validate); a name
 * that is no XML Schema type goes out as a string. */
static const char *xsi_type(const char *type)
{
        static const char *const types[] = {
                "xsd:string",       "xsd:int",     "xsd:unsignedInt", "xsd:long",
                "xsd:unsignedLong", "xsd:boolean", "xsd:dateTime",    "xsd:hexBinary",
                "xsd:base64Binary", "xsd:decimal",
        };

        if (!type)
                return "xsd:string";
        const char *colon = strrchr(type, ':');
        if (colon)
                type = colon + 1;
        if (streq(type, "base64"))
                return "xsd:base64Binary";
        for (size_t i = 0; i < ELEMENTSOF(types); i++)
                if (streq(types[i] + 4, type))
                        return types[i];
        return "xsd:string";
}

static bool method_defined(const struct soap_out_header *h, enum soap_method m)
{
        const struct soap_method_info *info = soap_method_info(m);
        return h && info && info->since <= h->version;
}

/* Writes the element every body starts with; name is the local name. */
static void start_method(struct soap_writer *sw, const struct soap_out_header *h, const char *name)
{
        char qname[64];

        soap_writer_begin(sw, h);
        snprintf(qname, sizeof(qname), "cwmp:%s", name);
        soap_writer_start(sw, qname);
}

static void write_param_list(struct soap_writer *sw, const struct soap_param *params, size_t n)
{
        if (n > 0 && !params) {
                soap_writer_fail(sw, -EINVAL);
                return;
        }
        /* a big response grows in one allocation: the markup per parameter is ~120 bytes */
        size_t size = 1024;
        for (size_t i = 0; i < n; i++)
                size += 120 + (params[i].name ? strlen(params[i].name) : 0) +
                        (params[i].value ? strlen(params[i].value) : 0);
        soap_writer_reserve(sw, size);
        soap_writer_array(sw, "ParameterList", "cwmp:ParameterValueStruct", n);
        for (size_t i = 0; i < n && !sw->error; i++) {
                soap_writer_start(sw, "ParameterValueStruct");
                soap_writer_element(sw, "Name", params[i].name);
                soap_writer_start(sw, "Value");
                soap_writer_attribute(sw, "xsi:type", xsi_type(params[i].type));
                soap_writer_text(sw, params[i].value);
                soap_writer_end(sw);
                soap_writer_end(sw);
        }
        soap_writer_end(sw);
}

static bool status_valid(int32_t status)
{
        return status == 0 || status == 1; /* applied / applied after a reboot */
}

int soap_encode_inform(const struct soap_out_header *h, const struct soap_inform *inform,
                       char **ret, size_t *ret_len)
{
        _cleanup_(soap_writer_done) struct soap_writer sw = {};

        if (!inform || inform->n_events > MAX_EVENTS || (inform->n_events > 0 && !inform->events))
                return -EINVAL;

        start_method(&sw, h, "Inform");
        soap_writer_start(&sw, "DeviceId");
        soap_writer_element(&sw, "Manufacturer", inform->device.manufacturer);
        soap_writer_element(&sw, "OUI", inform->device.oui);
        soap_writer_element(&sw, "ProductClass", inform->device.product_class);
        soap_writer_element(&sw, "SerialNumber", inform->device.serial_number);
        soap_writer_end(&sw);

        soap_writer_array(&sw, "Event", "cwmp:EventStruct", inform->n_events);
        for (size_t i = 0; i < inform->n_events; i++) {
                soap_writer_start(&sw, "EventStruct");
                soap_writer_element(&sw, "EventCode", inform->events[i].code);
                soap_writer_element(&sw, "CommandKey", inform->events[i].command_key);
                soap_writer_end(&sw);
        }
        soap_writer_end(&sw);

        soap_writer_element_uint(&sw, "MaxEnvelopes", inform->max_envelopes);
        soap_writer_element(&sw, "CurrentTime",
                            inform->current_time ? inform->current_time : SOAP_UNKNOWN_TIME);
        soap_writer_element_uint(&sw, "RetryCount", inform->retry_count);
        write_param_list(&sw, inform->params, inform->n_params);
        soap_writer_end(&sw);
        return soap_writer_finish(&sw, ret, ret_len);
}

static void write_strings(struct soap_writer *sw, const char *name, const char *const *strings,
                          size_t n)
{
        if (n > 0 && !strings) {
                soap_writer_fail(sw, -EINVAL);
                return;
        }
        soap_writer_array(sw, name, "xsd:string", n);
        for (size_t i = 0; i < n; i++)
                soap_writer_element(sw, "string", strings[i]);
        soap_writer_end(sw);
}

int soap_encode_get_rpc_methods_response(const struct soap_out_header *h,
                                         const char *const *methods, size_t n, char **ret,
                                         size_t *ret_len)
{
        _cleanup_(soap_writer_done) struct soap_writer sw = {};

        if (n == 0) /* MethodList needs at least one string */
                return -EINVAL;
        start_method(&sw, h, "GetRPCMethodsResponse");
        write_strings(&sw, "MethodList", methods, n);
        soap_writer_end(&sw);
        return soap_writer_finish(&sw, ret, ret_len);
}

int soap_encode_gpv_response(const struct soap_out_header *h, const struct soap_param *params,
                             size_t n, char **ret, size_t *ret_len)
{
        _cleanup_(soap_writer_done) struct soap_writer sw = {};

        start_method(&sw, h, "GetParameterValuesResponse");
        write_param_list(&sw, params, n);
        soap_writer_end(&sw);
        return soap_writer_finish(&sw, ret, ret_len);
}

int soap_encode_spv_response(const struct soap_out_header *h, int32_t status, char **ret,
                             size_t *ret_len)
{
        _cleanup_(soap_writer_done) struct soap_writer sw = {};

        if (!status_valid(status))
                return -EINVAL;
        start_method(&sw, h, "SetParameterValuesResponse");
        soap_writer_element_int(&sw, "Status", status);
        soap_writer_end(&sw);
        return soap_writer_finish(&sw, ret, ret_len);
}

int soap_encode_gpn_response(const struct soap_out_header *h, const struct soap_param_info *p,
                             size_t n, char **ret, size_t *ret_len)
{
        _cleanup_(soap_writer_done) struct soap_writer sw = {};

        if (n > 0 && !p)
                return -EINVAL;
        start_method(&sw, h, "GetParameterNamesResponse");
        soap_writer_array(&sw, "ParameterList", "cwmp:ParameterInfoStruct", n);
        for (size_t i = 0; i < n && !sw.error; i++) {
                soap_writer_start(&sw, "ParameterInfoStruct");
                soap_writer_element(&sw, "Name", p[i].name);
                soap_writer_element_bool(&sw, "Writable", p[i].writable);
                soap_writer_end(&sw);
        }
        soap_writer_end(&sw);
        soap_writer_end(&sw);
        return soap_writer_finish(&sw, ret, ret_len);
}

int soap_encode_gpa_response(const struct soap_out_header *h, const struct soap_param_attribute *a,
                             size_t n, char **ret, size_t *ret_len)
{
        _cleanup_(soap_writer_done) struct soap_writer sw = {};

        if (n > 0 && !a)
                return -EINVAL;
        start_method(&sw, h, "GetParameterAttributesResponse");
        soap_writer_array(&sw, "ParameterList", "cwmp:ParameterAttributeStruct", n);
        for (size_t i = 0; i < n && !sw.error; i++) {
                soap_writer_start(&sw, "ParameterAttributeStruct");
                soap_writer_element(&sw, "Name", a[i].name);
                soap_writer_element_uint(&sw, "Notification", a[i].notification);
                write_strings(&sw, "AccessList", a[i].access_list, a[i].n_access);
                soap_writer_end(&sw);
        }
        soap_writer_end(&sw);
        soap_writer_end(&sw);
        return soap_writer_finish(&sw, ret, ret_len);
}

int soap_encode_empty_response(const struct soap_out_header *h, enum soap_method m, char **ret,
                               size_t *ret_len)
{
        _cleanup_(soap_writer_done) struct soap_writer sw = {};

        switch (m) {
        case SOAP_SET_PARAMETER_ATTRIBUTES:
        case SOAP_REBOOT:
        case SOAP_FACTORY_RESET:
        case SOAP_SCHEDULE_INFORM:
        case SOAP_SCHEDULE_DOWNLOAD:
        case SOAP_CANCEL_TRANSFER:
        case SOAP_CHANGE_DU_STATE:
                break;
        default:
                return -EINVAL; /* that response has content */
        }
        if (!method_defined(h, m))
                return -EINVAL;
        start_method(&sw, h, soap_method_info(m)->response);
        soap_writer_end(&sw);
        return soap_writer_finish(&sw, ret, ret_len);
}

int soap_encode_add_object_response(const struct soap_out_header *h, uint32_t instance,
                                    int32_t status, char **ret, size_t *ret_len)
{
        _cleanup_(soap_writer_done) struct soap_writer sw = {};

        if (instance == 0 || !status_valid(status))
                return -EINVAL;
        start_method(&sw, h, "AddObjectResponse");
        soap_writer_element_uint(&sw, "InstanceNumber", instance);
        soap_writer_element_int(&sw, "Status", status);
        soap_writer_end(&sw);
        return soap_writer_finish(&sw, ret, ret_len);
}

int soap_encode_delete_object_response(const struct soap_out_header *h, int32_t status, char **ret,
                                       size_t *ret_len)
{
        _cleanup_(soap_writer_done) struct soap_writer sw = {};

        if (!status_valid(status))
                return -EINVAL;
        start_method(&sw, h, "DeleteObjectResponse");
        soap_writer_element_int(&sw, "Status", status);
        soap_writer_end(&sw);
        return soap_writer_finish(&sw, ret, ret_len);
}

int soap_encode_transfer_response(const struct soap_out_header *h, enum soap_method m,
                                  int32_t status, const char *start_time, const char *complete_time,
                                  char **ret, size_t *ret_len)
{
        _cleanup_(soap_writer_done) struct soap_writer sw = {};

        if ((m != SOAP_DOWNLOAD && m != SOAP_UPLOAD) || !status_valid(status))
                return -EINVAL;
        start_method(&sw, h, soap_method_info(m)->response);
        soap_writer_element_int(&sw, "Status", status);
        soap_writer_element(&sw, "StartTime", start_time ? start_time : SOAP_UNKNOWN_TIME);
        soap_writer_element(&sw, "CompleteTime", complete_time ? complete_time : SOAP_UNKNOWN_TIME);
        soap_writer_end(&sw);
        return soap_writer_finish(&sw, ret, ret_len);
}

static int encode_queued_transfers(const struct soap_out_header *h, enum soap_method m,
                                   const struct soap_queued_transfer *t, size_t n, char **ret,
                                   size_t *ret_len)
{
        _cleanup_(soap_writer_done) struct soap_writer sw = {};
        bool all = m == SOAP_GET_ALL_QUEUED_TRANSFERS;

        if (n > MAX_TRANSFERS || (n > 0 && !t) || !method_defined(h, m))
                return -EINVAL;
        start_method(&sw, h, soap_method_info(m)->response);
        soap_writer_array(&sw, "TransferList",
                          all ? "cwmp:AllQueuedTransferStruct" : "cwmp:QueuedTransferStruct", n);
        for (size_t i = 0; i < n; i++) {
                soap_writer_start(&sw, all ? "AllQueuedTransferStruct" : "QueuedTransferStruct");
                soap_writer_element(&sw, "CommandKey", t[i].command_key);
                soap_writer_element_int(&sw, "State", t[i].state);
                if (all) {
                        soap_writer_element_bool(&sw, "IsDownload", t[i].is_download);
                        soap_writer_element(&sw, "FileType", t[i].file_type);
                        soap_writer_element_uint(&sw, "FileSize", t[i].file_size);
                        soap_writer_element(&sw, "TargetFileName", t[i].target_file_name);
                }
                soap_writer_end(&sw);
        }
        soap_writer_end(&sw);
        soap_writer_end(&sw);
        return soap_writer_finish(&sw, ret, ret_len);
}

int soap_encode_get_queued_transfers_response(const struct soap_out_header *h,
                                              const struct soap_queued_transfer *t, size_t n,
                                              char **ret, size_t *ret_len)
{
        return encode_queued_transfers(h, SOAP_GET_QUEUED_TRANSFERS, t, n, ret, ret_len);
}

int soap_encode_get_all_queued_transfers_response(const struct soap_out_header *h,
                                                  const struct soap_queued_transfer *t, size_t n,
                                                  char **ret, size_t *ret_len)
{
        return encode_queued_transfers(h, SOAP_GET_ALL_QUEUED_TRANSFERS, t, n, ret, ret_len);
}

/* TR-069 A.5.1: the codes that blame the request are Client faults. */
static const char *fault_kind(uint32_t code)
{
        return code >= 9003 && code <= 9008 ? "Client" : "Server";
}

int soap_encode_fault(const struct soap_out_header *h, uint32_t code, const char *string,
                      const struct soap_fault_param *params, size_t n, char **ret, size_t *ret_len)
{
        _cleanup_(soap_writer_done) struct soap_writer sw = {};

        /* The schemas know CPE faults 9000-9799 and vendor faults 9800-9899 only. */
        if (code < 9000 || code > 9899 || (n > 0 && !params))
                return -EINVAL;

        soap_writer_begin(&sw, h);
        soap_writer_start(&sw, "soap-env:Fault");
        soap_writer_element(&sw, "faultcode", fault_kind(code));
        soap_writer_element(&sw, "faultstring", "CWMP fault");
        soap_writer_start(&sw, "detail");
        soap_writer_start(&sw, "cwmp:Fault");
        soap_writer_element_uint(&sw, "FaultCode", code);
        soap_writer_element(&sw, "FaultString", string ? string : fault_string(code));
        for (size_t i = 0; i < n && !sw.error; i++) {
                if (params[i].code < 9000 || params[i].code > 9899) {
                        soap_writer_fail(&sw, -EINVAL);
                        break;
                }
                soap_writer_start(&sw, "SetParameterValuesFault");
                soap_writer_element(&sw, "ParameterName", params[i].name);
                soap_writer_element_uint(&sw, "FaultCode", params[i].code);
                soap_writer_element(&sw, "FaultString",
                                    params[i].string ? params[i].string
                                                     : fault_string(params[i].code));
                soap_writer_end(&sw);
        }
        soap_writer_end(&sw); /* cwmp:Fault */
        soap_writer_end(&sw); /* detail */
        soap_writer_end(&sw); /* soap-env:Fault */
        return soap_writer_finish(&sw, ret, ret_len);
}

int soap_encode_transfer_complete(const struct soap_out_header *h, const char *command_key,
                                  uint32_t fault_code, const char *fault_string_text,
                                  const char *start_time, const char *complete_time, char **ret,
                                  size_t *ret_len)
{
        _cleanup_(soap_writer_done) struct soap_writer sw = {};

        start_method(&sw, h, "TransferComplete");
        soap_writer_element(&sw, "CommandKey", command_key);
        soap_writer_start(&sw, "FaultStruct");
        soap_writer_element_uint(&sw, "FaultCode", fault_code);
        /* success (0) carries an empty FaultString */
        soap_writer_element(&sw, "FaultString",
                            fault_code == 0     ? ""
                            : fault_string_text ? fault_string_text
                                                : fault_string(fault_code));
        soap_writer_end(&sw);
        soap_writer_element(&sw, "StartTime", start_time ? start_time : SOAP_UNKNOWN_TIME);
        soap_writer_element(&sw, "CompleteTime", complete_time ? complete_time : SOAP_UNKNOWN_TIME);
        soap_writer_end(&sw);
        return soap_writer_finish(&sw, ret, ret_len);
}

static void write_fault_struct(struct soap_writer *sw, uint32_t code, const char *text)
{
        soap_writer_start(sw, "FaultStruct");
        soap_writer_element_uint(sw, "FaultCode", code);
        /* success (0) carries an empty FaultString */
        soap_writer_element(sw, "FaultString", code == 0 ? "" : text ? text : fault_string(code));
        soap_writer_end(sw);
}

int soap_encode_autonomous_transfer_complete(const struct soap_out_header *h,
                                             const struct soap_autonomous_transfer *t, char **ret,
                                             size_t *ret_len)
{
        _cleanup_(soap_writer_done) struct soap_writer sw = {};

        if (!t || !h || h->version < CWMP_1_1) /* cwmp-1-0 has no AutonomousTransferComplete */
                return -EINVAL;
        start_method(&sw, h, "AutonomousTransferComplete");
        soap_writer_element(&sw, "AnnounceURL", t->announce_url);
        soap_writer_element(&sw, "TransferURL", t->transfer_url);
        soap_writer_element_bool(&sw, "IsDownload", t->is_download);
        soap_writer_element(&sw, "FileType", t->file_type);
        soap_writer_element_uint(&sw, "FileSize", t->file_size);
        soap_writer_element(&sw, "TargetFileName", t->target_file_name);
        write_fault_struct(&sw, t->fault_code, t->fault_string);
        soap_writer_element(&sw, "StartTime", t->start_time ? t->start_time : SOAP_UNKNOWN_TIME);
        soap_writer_element(&sw, "CompleteTime",
                            t->complete_time ? t->complete_time : SOAP_UNKNOWN_TIME);
        soap_writer_end(&sw);
        return soap_writer_finish(&sw, ret, ret_len);
}

int soap_encode_get_rpc_methods(const struct soap_out_header *h, char **ret, size_t *ret_len)
{
        _cleanup_(soap_writer_done) struct soap_writer sw = {};

        start_method(&sw, h, "GetRPCMethods");
        soap_writer_end(&sw);
        return soap_writer_finish(&sw, ret, ret_len);
}
