/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "soap-internal.h"
#include "soap.h"
#include "util.h"

static const char *const version_strings[] = {
        [CWMP_1_0] = "1.0", [CWMP_1_1] = "1.1", [CWMP_1_2] = "1.2",
        [CWMP_1_3] = "1.3", [CWMP_1_4] = "1.4",
};

/* 1.3 and 1.4 extend the cwmp-1-2 namespace instead of defining their own. */
static const char *const version_namespaces[] = {
        [CWMP_1_0] = "urn:dslforum-org:cwmp-1-0", [CWMP_1_1] = "urn:dslforum-org:cwmp-1-1",
        [CWMP_1_2] = "urn:dslforum-org:cwmp-1-2", [CWMP_1_3] = "urn:dslforum-org:cwmp-1-2",
        [CWMP_1_4] = "urn:dslforum-org:cwmp-1-2",
};

const char *cwmp_version_namespace(enum cwmp_version v)
{
        if ((unsigned)v >= ELEMENTSOF(version_namespaces))
                return NULL;
        return version_namespaces[v];
}

const char *cwmp_version_string(enum cwmp_version v)
{
        if ((unsigned)v >= ELEMENTSOF(version_strings))
                return NULL;
        return version_strings[v];
}

int cwmp_version_from_string(const char *s)
{
        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(version_strings); i++)
                if (streq(s, version_strings[i]))
                        return (int)i;
        return -EINVAL;
}

int cwmp_version_from_namespace(const char *ns)
{
        static const char *const extra[] = {"urn:dslforum-org:cwmp-1-3",
                                            "urn:dslforum-org:cwmp-1-4"};

        if (!ns)
                return -EINVAL;
        for (int v = CWMP_1_0; v <= CWMP_1_2; v++)
                if (streq(ns, version_namespaces[v]))
                        return v;
        for (size_t i = 0; i < ELEMENTSOF(extra); i++)
                if (streq(ns, extra[i]))
                        return CWMP_1_3 + (int)i;
        return -EINVAL;
}

/* Indexed by enum soap_method. Responses are named only where the CPE answers the ACS. */
static const struct soap_method_info methods[] = {
        [SOAP_GET_RPC_METHODS] = {SOAP_GET_RPC_METHODS, "GetRPCMethods", "GetRPCMethodsResponse",
                                  CWMP_1_0},
        [SOAP_SET_PARAMETER_VALUES] = {SOAP_SET_PARAMETER_VALUES, "SetParameterValues",
                                       "SetParameterValuesResponse", CWMP_1_0},
        [SOAP_GET_PARAMETER_VALUES] = {SOAP_GET_PARAMETER_VALUES, "GetParameterValues",
                                       "GetParameterValuesResponse", CWMP_1_0},
        [SOAP_GET_PARAMETER_NAMES] = {SOAP_GET_PARAMETER_NAMES, "GetParameterNames",
                                      "GetParameterNamesResponse", CWMP_1_0},
        [SOAP_SET_PARAMETER_ATTRIBUTES] = {SOAP_SET_PARAMETER_ATTRIBUTES, "SetParameterAttributes",
                                           "SetParameterAttributesResponse", CWMP_1_0},
        [SOAP_GET_PARAMETER_ATTRIBUTES] = {SOAP_GET_PARAMETER_ATTRIBUTES, "GetParameterAttributes",
                                           "GetParameterAttributesResponse", CWMP_1_0},
        [SOAP_ADD_OBJECT] = {SOAP_ADD_OBJECT, "AddObject", "AddObjectResponse", CWMP_1_0},
        [SOAP_DELETE_OBJECT] = {SOAP_DELETE_OBJECT, "DeleteObject", "DeleteObjectResponse",
                                CWMP_1_0},
        [SOAP_REBOOT] = {SOAP_REBOOT, "Reboot", "RebootResponse", CWMP_1_0},
        [SOAP_DOWNLOAD] = {SOAP_DOWNLOAD, "Download", "DownloadResponse", CWMP_1_0},
        [SOAP_UPLOAD] = {SOAP_UPLOAD, "Upload", "UploadResponse", CWMP_1_0},
        [SOAP_FACTORY_RESET] = {SOAP_FACTORY_RESET, "FactoryReset", "FactoryResetResponse",
                                CWMP_1_0},
        [SOAP_SCHEDULE_INFORM] = {SOAP_SCHEDULE_INFORM, "ScheduleInform", "ScheduleInformResponse",
                                  CWMP_1_0},
        [SOAP_SCHEDULE_DOWNLOAD] = {SOAP_SCHEDULE_DOWNLOAD, "ScheduleDownload",
                                    "ScheduleDownloadResponse", CWMP_1_2},
        [SOAP_CANCEL_TRANSFER] = {SOAP_CANCEL_TRANSFER, "CancelTransfer", "CancelTransferResponse",
                                  CWMP_1_2},
        [SOAP_GET_QUEUED_TRANSFERS] = {SOAP_GET_QUEUED_TRANSFERS, "GetQueuedTransfers",
                                       "GetQueuedTransfersResponse", CWMP_1_0},
        [SOAP_GET_ALL_QUEUED_TRANSFERS] = {SOAP_GET_ALL_QUEUED_TRANSFERS, "GetAllQueuedTransfers",
                                           "GetAllQueuedTransfersResponse", CWMP_1_1},
        [SOAP_CHANGE_DU_STATE] = {SOAP_CHANGE_DU_STATE, "ChangeDUState", "ChangeDUStateResponse",
                                  CWMP_1_2},
        [SOAP_INFORM_RESPONSE] = {SOAP_INFORM_RESPONSE, "InformResponse", NULL, CWMP_1_0},
        [SOAP_TRANSFER_COMPLETE_RESPONSE] = {SOAP_TRANSFER_COMPLETE_RESPONSE,
                                             "TransferCompleteResponse", NULL, CWMP_1_0},
        [SOAP_AUTONOMOUS_TRANSFER_COMPLETE_RESPONSE] = {SOAP_AUTONOMOUS_TRANSFER_COMPLETE_RESPONSE,
                                                        "AutonomousTransferCompleteResponse", NULL,
                                                        CWMP_1_1},
        [SOAP_GET_RPC_METHODS_RESPONSE] = {SOAP_GET_RPC_METHODS_RESPONSE, "GetRPCMethodsResponse",
                                           NULL, CWMP_1_0},
        [SOAP_REQUEST_DOWNLOAD_RESPONSE] = {SOAP_REQUEST_DOWNLOAD_RESPONSE,
                                            "RequestDownloadResponse", NULL, CWMP_1_0},
        [SOAP_FAULT] = {SOAP_FAULT, "Fault", NULL, CWMP_1_0},
};

const struct soap_method_info *soap_method_info(enum soap_method m)
{
        if ((unsigned)m >= ELEMENTSOF(methods) || !methods[m].name)
                return NULL;
        return &methods[m];
}

const struct soap_method_info *soap_method_by_name(const char *name)
{
        if (!name)
                return NULL;
        /* A SOAP Fault lives in the envelope namespace, so it is never a cwmp method. */
        for (size_t i = 0; i < ELEMENTSOF(methods); i++)
                if (methods[i].name && methods[i].method != SOAP_FAULT &&
                    streq(methods[i].name, name))
                        return &methods[i];
        return NULL;
}

const char *soap_method_name(enum soap_method m)
{
        const struct soap_method_info *info = soap_method_info(m);
        return info ? info->name : NULL;
}

void soap_message_clear_arguments(struct soap_message *m)
{
        for (size_t i = 0; i < m->n_values; i++) {
                free(m->values[i].name);
                free(m->values[i].type);
                free(m->values[i].value);
        }
        free(m->values);
        m->values = NULL;
        m->n_values = 0;

        strv_done(&m->names);

        for (size_t i = 0; i < m->n_attributes; i++) {
                free(m->attributes[i].name);
                strv_done(&m->attributes[i].access_list);
        }
        free(m->attributes);
        m->attributes = NULL;
        m->n_attributes = 0;

        for (size_t i = 0; i < m->n_time_windows; i++) {
                free(m->time_windows[i].window_mode);
                free(m->time_windows[i].user_message);
        }
        free(m->time_windows);
        m->time_windows = NULL;
        m->n_time_windows = 0;

        char **strings[] = {
                &m->path,        &m->parameter_key, &m->command_key, &m->file_type,
                &m->url,         &m->username,      &m->password,    &m->target_file_name,
                &m->success_url, &m->failure_url,   &m->fault_string};
        for (size_t i = 0; i < ELEMENTSOF(strings); i++) {
                free(*strings[i]);
                *strings[i] = NULL;
        }
        m->next_level = false;
        m->delay_seconds = 0;
        m->file_size = 0;
        m->max_envelopes = 0;
        m->fault_code = 0;
}

void soap_message_done(struct soap_message *m)
{
        if (!m)
                return;
        soap_message_clear_arguments(m);
        free(m->id);
        free(m->supported_versions);
        free(m->use_version);
        free(m->method_name);
        *m = (struct soap_message){0};
}
