/* SPDX-License-Identifier: MIT */
#pragma once

#include <libxml/tree.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "soap-internal.h"

/* The decoder's state while one message is read; shared by soap-decode*.c only. */
struct soap_decoder {
        struct soap_message *m;
        uint32_t *fault_code;
        char *detail;
        size_t detail_size;
        /* The method element's namespace: its arguments are unqualified, but an element
         * in this namespace (a default xmlns in scope) is taken as an argument too. */
        const xmlChar *cwmp_ns;
};

/* Sets the fault code and the detail text; returns `error` (a negative errno). */
int soap_decode_fail(struct soap_decoder *d, uint32_t code, int error, const char *format, ...)
        __attribute__((format(printf, 4, 5)));

/* Whether n is an element named `name` in namespace `ns` (NULL: no namespace). */
bool soap_node_is(const xmlNode *n, const char *ns, const char *name);

/* The character data of a simple-content element (text and CDATA; comments skipped). An
 * element inside is an error. */
int soap_decode_text(struct soap_decoder *d, const xmlNode *n, const char *where, char **ret);
/* The same for a list of nodes (an attribute's children), named `name` in messages. */
int soap_decode_text_nodes(struct soap_decoder *d, const xmlNode *nodes, const xmlChar *name,
                           const char *where, char **ret);

/* At most 48 bytes of s, cut on a character boundary, for error messages. */
const char *soap_quote(const char *s, char buf[static 64]);

/* Decodes the arguments of the method element n, described by info, into d->m. */
int soap_decode_arguments(struct soap_decoder *d, const xmlNode *n,
                          const struct soap_method_info *info);
