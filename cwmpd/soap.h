/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/*
 * CWMP SOAP messages (TR-069 Annex A) with libxml2: decoding what the ACS sends, encoding
 * what the CPE sends. Decoding goes by namespace URI, never by prefix; input is bounded in
 * size (SOAP_MAX_SIZE) and depth, and no DTD, entity or network access is ever allowed.
 * Encoding writes one envelope with the cwmp namespace of the session's version, cwmp:ID
 * (mustUnderstand="1") when there is one, xsi:type on every Value and soap-enc:arrayType
 * with the true count on every array, so that every message validates against
 * cwmp-1-x.xsd.
 */

#define SOAP_MAX_SIZE  (4u * 1024u * 1024u)
#define SOAP_MAX_DEPTH 32

/* CWMP versions; 1.3 and 1.4 keep the cwmp-1-2 namespace. */
enum cwmp_version {
        CWMP_1_0,
        CWMP_1_1,
        CWMP_1_2,
        CWMP_1_3,
        CWMP_1_4,
};
const char *cwmp_version_namespace(enum cwmp_version v); /* "urn:dslforum-org:cwmp-1-2" */
const char *cwmp_version_string(enum cwmp_version v);    /* "1.4" */
int cwmp_version_from_string(const char *s);             /* "1.2" -> CWMP_1_2, or -EINVAL */

enum soap_method {
        SOAP_UNKNOWN, /* a method we do not know: answer 9000 with its name */
        /* ACS requests */
        SOAP_GET_RPC_METHODS,
        SOAP_SET_PARAMETER_VALUES,
        SOAP_GET_PARAMETER_VALUES,
        SOAP_GET_PARAMETER_NAMES,
        SOAP_SET_PARAMETER_ATTRIBUTES,
        SOAP_GET_PARAMETER_ATTRIBUTES,
        SOAP_ADD_OBJECT,
        SOAP_DELETE_OBJECT,
        SOAP_REBOOT,
        SOAP_DOWNLOAD,
        SOAP_UPLOAD,
        SOAP_FACTORY_RESET,
        SOAP_SCHEDULE_INFORM,
        SOAP_SCHEDULE_DOWNLOAD,
        SOAP_CANCEL_TRANSFER,
        SOAP_GET_QUEUED_TRANSFERS,
        SOAP_GET_ALL_QUEUED_TRANSFERS,
        SOAP_CHANGE_DU_STATE,
        /* ACS responses to our requests */
        SOAP_INFORM_RESPONSE,
        SOAP_TRANSFER_COMPLETE_RESPONSE,
        SOAP_AUTONOMOUS_TRANSFER_COMPLETE_RESPONSE,
        SOAP_GET_RPC_METHODS_RESPONSE,
        SOAP_REQUEST_DOWNLOAD_RESPONSE,
        /* a SOAP Fault from the ACS (8xxx) */
        SOAP_FAULT,
};
const char *soap_method_name(enum soap_method m); /* "GetParameterValues"; NULL for
                                                   * SOAP_UNKNOWN and out of range */

struct soap_value {
        char *name;
        char *type; /* "unsignedInt" without prefix; "" when the ACS gave none */
        char *value;
};

struct soap_attribute {
        char *name;
        bool notification_change;
        uint32_t notification;
        bool access_list_change;
        struct strv access_list;
};

/* One TimeWindowStruct of ScheduleDownload: seconds from the request, as received. */
struct soap_time_window {
        uint32_t window_start, window_end;
        char *window_mode; /* "1 At Any Time" ... */
        char *user_message;
        int32_t max_retries; /* -1: the CPE decides */
};

/* What a decoded message holds; which fields are set depends on the method. */
struct soap_message {
        enum cwmp_version version; /* from the envelope's cwmp namespace */
        /* header */
        char *id;                 /* cwmp:ID, or NULL */
        bool hold_requests;       /* cwmp:HoldRequests = true */
        char *supported_versions; /* cwmp:SupportedCWMPVersions, or NULL */
        char *use_version;        /* cwmp:UseCWMPVersion, or NULL */
        /* body */
        enum soap_method method;
        char *method_name;         /* the element's local name, as received */
        struct soap_value *values; /* SetParameterValues */
        size_t n_values;
        struct strv names;                 /* GetParameterValues, GetParameterAttributes */
        struct soap_attribute *attributes; /* SetParameterAttributes */
        size_t n_attributes;
        char *path; /* GetParameterNames ParameterPath, Add/DeleteObject ObjectName */
        bool next_level;
        char *parameter_key;
        char *command_key;      /* Reboot, ScheduleInform, Download, Upload, ... */
        uint32_t delay_seconds; /* ScheduleInform, Download, Upload */
        /* Download / Upload / ScheduleDownload, kept as received */
        char *file_type, *url, *username, *password, *target_file_name, *success_url, *failure_url;
        uint64_t file_size;
        /* ScheduleDownload TimeWindowList, in the order received */
        struct soap_time_window *time_windows;
        size_t n_time_windows;
        /* InformResponse */
        uint32_t max_envelopes;
        /* SOAP Fault from the ACS */
        uint32_t fault_code;
        char *fault_string;
};

void soap_message_done(struct soap_message *m);

/*
 * Decodes one message from the ACS. Returns 0, or a negative errno with *fault_code set
 * to the fault to answer (9003 for malformed XML, a missing or ill-typed argument, too deep
 * or too large; 9000 for an unknown method, with m->method_name set) and a precise English
 * explanation written into detail (detail_size bytes, always NUL-terminated). Even on
 * failure m->id and m->version are set when they could be read, so the fault can answer
 * with the right cwmp:ID.
 */
int soap_decode(const char *data, size_t len, struct soap_message *m, uint32_t *fault_code,
                char *detail, size_t detail_size);

/* ---- encoding ------------------------------------------------------------------------ */

struct soap_event {
        const char *code;
        const char *command_key;
};

struct soap_device_id {
        const char *manufacturer, *oui, *product_class, *serial_number;
};

/* A parameter value to send: name, CWMP type name ("unsignedInt"), value. */
struct soap_param {
        const char *name;
        const char *type;
        const char *value;
};

struct soap_inform {
        struct soap_device_id device;
        const struct soap_event *events;
        size_t n_events;
        uint32_t max_envelopes;   /* 1 */
        const char *current_time; /* dateTime */
        uint32_t retry_count;
        const struct soap_param *params;
        size_t n_params;
};

/* Header fields of an outgoing message. */
struct soap_out_header {
        enum cwmp_version version;
        const char *id;                 /* NULL: no cwmp:ID */
        const char *supported_versions; /* the first Inform of a 1.4 CPE: "1.0,1.1,1.2,1.3,1.4" */
        const char *use_version;        /* NULL or the negotiated version */
        uint32_t session_timeout;       /* 0: no cwmp:SessionTimeout */
};

/* Each writer returns a malloc'd, NUL-terminated document in *ret (length *ret_len). */
int soap_encode_inform(const struct soap_out_header *h, const struct soap_inform *inform,
                       char **ret, size_t *ret_len);
int soap_encode_get_rpc_methods_response(const struct soap_out_header *h,
                                         const char *const *methods, size_t n, char **ret,
                                         size_t *ret_len);
int soap_encode_gpv_response(const struct soap_out_header *h, const struct soap_param *params,
                             size_t n, char **ret, size_t *ret_len);
int soap_encode_spv_response(const struct soap_out_header *h, int32_t status, char **ret,
                             size_t *ret_len);

struct soap_param_info {
        const char *name;
        bool writable;
};
int soap_encode_gpn_response(const struct soap_out_header *h, const struct soap_param_info *p,
                             size_t n, char **ret, size_t *ret_len);

struct soap_param_attribute {
        const char *name;
        uint32_t notification;
        const char *const *access_list;
        size_t n_access;
};
int soap_encode_gpa_response(const struct soap_out_header *h, const struct soap_param_attribute *a,
                             size_t n, char **ret, size_t *ret_len);
/* SetParameterAttributesResponse, RebootResponse, FactoryResetResponse,
 * ScheduleInformResponse: empty responses named after the method. */
int soap_encode_empty_response(const struct soap_out_header *h, enum soap_method m, char **ret,
                               size_t *ret_len);
int soap_encode_add_object_response(const struct soap_out_header *h, uint32_t instance,
                                    int32_t status, char **ret, size_t *ret_len);
int soap_encode_delete_object_response(const struct soap_out_header *h, int32_t status, char **ret,
                                       size_t *ret_len);

/* A CWMP fault: code, string, and for SetParameterValues the per-parameter faults. */
struct soap_fault_param {
        const char *name;
        uint32_t code;
        const char *string;
};
int soap_encode_fault(const struct soap_out_header *h, uint32_t code, const char *string,
                      const struct soap_fault_param *params, size_t n, char **ret, size_t *ret_len);

/* DownloadResponse or UploadResponse (m is SOAP_DOWNLOAD or SOAP_UPLOAD). Status 1 (not yet
 * done) goes with the unknown time "0001-01-01T00:00:00Z" for both times. */
int soap_encode_transfer_response(const struct soap_out_header *h, enum soap_method m,
                                  int32_t status, const char *start_time, const char *complete_time,
                                  char **ret, size_t *ret_len);

/* A queued transfer: GetQueuedTransfersResponse uses command_key and state only. */
struct soap_queued_transfer {
        const char *command_key;
        int32_t state; /* 1 not yet started, 2 in progress, 3 completed */
        bool is_download;
        const char *file_type;
        uint32_t file_size;
        const char *target_file_name;
};
int soap_encode_get_queued_transfers_response(const struct soap_out_header *h,
                                              const struct soap_queued_transfer *t, size_t n,
                                              char **ret, size_t *ret_len);
int soap_encode_get_all_queued_transfers_response(const struct soap_out_header *h,
                                                  const struct soap_queued_transfer *t, size_t n,
                                                  char **ret, size_t *ret_len);

/* CPE requests. */
int soap_encode_transfer_complete(const struct soap_out_header *h, const char *command_key,
                                  uint32_t fault_code, const char *fault_string,
                                  const char *start_time, const char *complete_time, char **ret,
                                  size_t *ret_len);
int soap_encode_get_rpc_methods(const struct soap_out_header *h, char **ret, size_t *ret_len);

/* AutonomousTransferComplete (CWMP 1.1 and later; -EINVAL for 1.0): a transfer the ACS did
 * not ask for. The fault code follows the TransferComplete rules (0: success). */
struct soap_autonomous_transfer {
        const char *announce_url, *transfer_url;
        bool is_download;
        const char *file_type;
        uint32_t file_size;
        const char *target_file_name;
        uint32_t fault_code;
        const char *fault_string;
        const char *start_time, *complete_time;
};
int soap_encode_autonomous_transfer_complete(const struct soap_out_header *h,
                                             const struct soap_autonomous_transfer *t, char **ret,
                                             size_t *ret_len);
