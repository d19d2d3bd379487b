/* SPDX-License-Identifier: MIT */
/* Every message from the ACS goes through soap_decode(): whatever the bytes, it must not
 * crash or leak, must answer 0 or one of its documented errors with the matching fault code
 * and a terminated detail, and what it gives back must encode into well-formed XML: a
 * decoded SetParameterValues re-encoded as a GetParameterValuesResponse (same values, in
 * order), and a failure as the CWMP fault the session would send, which decodes again
 * with the same code and cwmp:ID. */
#include <errno.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "soap.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static xmlDoc *parse_or_abort(const char *doc, size_t len)
{
        xmlDoc *x = xmlReadMemory(doc, (int)len, NULL, NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
        if (!x)
                abort();
        return x;
}

static const xmlNode *next_element(const xmlNode *n)
{
        while (n && n->type != XML_ELEMENT_NODE)
                n = n->next;
        return n;
}

/* The ParameterList of a GetParameterValuesResponse holds the values, in order. */
static void check_values(const char *doc, size_t len, const struct soap_message *m)
{
        xmlDoc *x = parse_or_abort(doc, len);
        const xmlNode *envelope = xmlDocGetRootElement(x);
        const xmlNode *body = next_element(envelope->children);
        if (body && xmlStrEqual(body->name, BAD_CAST "Header"))
                body = next_element(body->next);
        const xmlNode *list = next_element(next_element(body->children)->children);
        size_t i = 0;
        for (const xmlNode *s = next_element(list->children); s; s = next_element(s->next), i++) {
                const xmlNode *name = next_element(s->children);
                const xmlNode *value = next_element(name->next);
                xmlChar *n = xmlNodeGetContent(name), *v = xmlNodeGetContent(value);
                if (i >= m->n_values || !n || !v || strcmp((char *)n, m->values[i].name) != 0 ||
                    strcmp((char *)v, m->values[i].value) != 0)
                        abort();
                xmlFree(n);
                xmlFree(v);
        }
        if (i != m->n_values)
                abort();
        xmlFreeDoc(x);
}

static void check_success(const struct soap_message *m)
{
        struct soap_out_header h = {.version = m->version, .id = m->id};
        char *doc = NULL;
        size_t len;

        if (m->method == SOAP_UNKNOWN || !m->method_name)
                abort();
        if (m->method == SOAP_SET_PARAMETER_VALUES) {
                struct soap_param *params = calloc(m->n_values + 1, sizeof(*params));
                if (!params)
                        return;
                for (size_t i = 0; i < m->n_values; i++)
                        params[i] = (struct soap_param){m->values[i].name, m->values[i].type,
                                                        m->values[i].value};
                int r = soap_encode_gpv_response(&h, params, m->n_values, &doc, &len);
                free(params);
                if (r == -ENOMEM)
                        return;
                if (r < 0 || strlen(doc) != len)
                        abort();
                check_values(doc, len, m);
                free(doc);
        }
        if (m->method == SOAP_GET_PARAMETER_VALUES || m->method == SOAP_GET_PARAMETER_NAMES) {
                /* names echoed back in a GetParameterNamesResponse */
                size_t n = m->names.n;
                struct soap_param_info *infos = calloc(n + 1, sizeof(*infos));
                if (!infos)
                        return;
                for (size_t i = 0; i < n; i++)
                        infos[i] = (struct soap_param_info){m->names.v[i], i % 2 == 0};
                if (m->path)
                        infos[n++] = (struct soap_param_info){m->path, false};
                int r = soap_encode_gpn_response(&h, infos, n, &doc, &len);
                free(infos);
                if (r == 0) {
                        xmlFreeDoc(parse_or_abort(doc, len));
                        free(doc);
                } else if (r != -ENOMEM)
                        abort();
        }
}

static void check_failure(const struct soap_message *m, int r, uint32_t code, const char *detail)
{
        struct soap_out_header h = {.version = m->version, .id = m->id};
        struct soap_message again;
        uint32_t again_code;
        char *doc = NULL;
        size_t len;

        if (r != -EBADMSG && r != -EOPNOTSUPP && r != -EMSGSIZE && r != -ENOMEM)
                abort();
        if (r == -EOPNOTSUPP && (code != 9000 || m->method != SOAP_UNKNOWN || !m->method_name))
                abort();
        if ((r == -EBADMSG || r == -EMSGSIZE) && code != 9003)
                abort();
        if (r == -ENOMEM && code != 9004)
                abort();
        if (!detail[0])
                abort(); /* every failure says why */
        if (m->values || m->n_values || m->attributes || m->time_windows || m->names.n)
                abort(); /* no half-decoded arguments */

        r = soap_encode_fault(&h, code, detail, NULL, 0, &doc, &len);
        if (r == -ENOMEM)
                return;
        if (r < 0)
                abort();
        xmlFreeDoc(parse_or_abort(doc, len));
        r = soap_decode(doc, len, &again, &again_code, NULL, 0);
        if (r == 0 &&
            (again.method != SOAP_FAULT || again.fault_code != code ||
             !streq_ptr(again.id, m->id) ||
             !streq(cwmp_version_namespace(again.version), cwmp_version_namespace(m->version))))
                abort();
        if (r < 0 && r != -ENOMEM)
                abort();
        soap_message_done(&again);
        free(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct soap_message m;
        uint32_t code = 1;
        char detail[256];

        memset(detail, 'x', sizeof(detail));
        int r = soap_decode((const char *)data, size, &m, &code, detail, sizeof(detail));
        if (!memchr(detail, '\0', sizeof(detail)))
                abort();
        if (r == 0) {
                if (code != 0 || detail[0])
                        abort();
                check_success(&m);
        } else
                check_failure(&m, r, code, detail);
        soap_message_done(&m);
        return 0;
}
