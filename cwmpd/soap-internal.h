/* SPDX-License-Identifier: MIT */
#pragma once

#include "soap.h"

/* What the SOAP decoder and encoder share; not part of the module's interface. */

#define SOAP_ENV_NS "http://schemas.xmlsoap.org/soap/envelope/"
#define SOAP_ENC_NS "http://schemas.xmlsoap.org/soap/encoding/"
#define XSD_NS      "http://www.w3.org/2001/XMLSchema"
#define XSI_NS      "http://www.w3.org/2001/XMLSchema-instance"

/* The unknown time of TR-069 A.2.1, for transfer times not known yet. */
#define SOAP_UNKNOWN_TIME "0001-01-01T00:00:00Z"

struct soap_method_info {
        enum soap_method method;
        const char *name;        /* element name: "Download" */
        const char *response;    /* the CPE's response element, or NULL */
        enum cwmp_version since; /* first version whose schema defines it */
};

/* The method named `name` (an element's local name), or NULL. */
const struct soap_method_info *soap_method_by_name(const char *name);
/* The table entry of m, or NULL for SOAP_UNKNOWN and out of range. */
const struct soap_method_info *soap_method_info(enum soap_method m);

/* The version a cwmp namespace URI stands for, or -EINVAL. Besides the three namespaces the
 * schemas define, the non-standard cwmp-1-3 and cwmp-1-4 that some stacks send are taken
 * as 1.3 and 1.4. */
int cwmp_version_from_namespace(const char *ns);

/* Frees everything the body of a message filled in, keeping the header fields, the
 * version, the method and its name. */
void soap_message_clear_arguments(struct soap_message *m);
