/* SPDX-License-Identifier: MIT */
/* Reading a message from the ACS: a bounded, DTD-less parse with libxml2, then the SOAP
 * envelope, the cwmp headers and the one element of the Body, all found by namespace URI
 * and local name. */
#include <errno.h>
#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "soap-decode.h"
#include "soap.h"
#include "types.h"
#include "util.h"

int soap_decode_fail(struct soap_decoder *d, uint32_t code, int error, const char *format, ...)
{
        va_list ap;

        *d->fault_code = code;
        if (d->detail && d->detail_size > 0) {
                va_start(ap, format);
                vsnprintf(d->detail, d->detail_size, format, ap);
                va_end(ap);
        }
        return error;
}

static int invalid(struct soap_decoder *d, const char *format, ...)
        __attribute__((format(printf, 2, 3)));
static int invalid(struct soap_decoder *d, const char *format, ...)
{
        va_list ap;

        *d->fault_code = CWMP_FAULT_INVALID_ARGUMENTS;
        if (d->detail && d->detail_size > 0) {
                va_start(ap, format);
                vsnprintf(d->detail, d->detail_size, format, ap);
                va_end(ap);
        }
        return -EBADMSG;
}

static int out_of_memory(struct soap_decoder *d)
{
        return soap_decode_fail(d, CWMP_FAULT_RESOURCES_EXCEEDED, -ENOMEM, "out of memory");
}

bool soap_node_is(const xmlNode *n, const char *ns, const char *name)
{
        if (!n || n->type != XML_ELEMENT_NODE || !xmlStrEqual(n->name, BAD_CAST name))
                return false;
        if (!ns)
                return !n->ns;
        return n->ns && xmlStrEqual(n->ns->href, BAD_CAST ns);
}

const char *soap_quote(const char *s, char buf[static 64])
{
        size_t n = strlen(s);

        if (n <= 48)
                return s;
        n = 48;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
                n--; /* do not split a UTF-8 sequence */
        snprintf(buf, 64, "%.*s...", (int)n, s);
        return buf;
}

int soap_decode_text_nodes(struct soap_decoder *d, const xmlNode *nodes, const xmlChar *name,
                           const char *where, char **ret)
{
        size_t len = 0;

        for (const xmlNode *c = nodes; c; c = c->next) {
                switch (c->type) {
                case XML_TEXT_NODE:
                case XML_CDATA_SECTION_NODE:
                        if (c->content)
                                len += strlen((const char *)c->content);
                        break;
                case XML_COMMENT_NODE:
                case XML_PI_NODE:
                        break;
                case XML_ELEMENT_NODE:
                        return invalid(d, "%s: %s holds an element <%s> where text is due", where,
                                       name, c->name);
                default:
                        return invalid(d, "%s: %s holds something other than text", where, name);
                }
        }

        char *s = malloc(len + 1), *p = s;
        if (!s)
                return out_of_memory(d);
        for (const xmlNode *c = nodes; c; c = c->next)
                if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content) {
                        size_t n = strlen((const char *)c->content);
                        memcpy(p, c->content, n);
                        p += n;
                }
        *p = '\0';
        *ret = s;
        return 0;
}

int soap_decode_text(struct soap_decoder *d, const xmlNode *n, const char *where, char **ret)
{
        return soap_decode_text_nodes(d, n->children, n->name, where, ret);
}

/* ---- parsing ----------------------------------------------------------------------- */

static bool starts(const char *p, const char *end, const char *s)
{
        size_t n = strlen(s);
        return (size_t)(end - p) >= n && memcmp(p, s, n) == 0;
}

/* Whether p (just after an '&') starts a reference a DTD-less document may hold. */
static bool is_reference(const char *p, const char *end)
{
        static const char *const predefined[] = {"lt;", "gt;", "amp;", "apos;", "quot;"};

        if (p < end && *p == '#') {
                bool hex = ++p < end && *p == 'x';
                if (hex)
                        p++;
                const char *digits = p;
                while (p < end &&
                       (hex ? strchr("0123456789abcdefABCDEF", *p) : strchr("0123456789", *p)) &&
                       *p)
                        p++;
                return p > digits && p < end && *p == ';';
        }
        for (size_t i = 0; i < ELEMENTSOF(predefined); i++)
                if (starts(p, end, predefined[i]))
                        return true;
        return false;
}

/*
 * GenieACS writes some strings (the Download URL, parameter paths) without escaping them,
 * so a URL with a query string arrives with a bare '&'. Such an '&' is turned into
 * "&amp;" before parsing; references (&lt; &#38; ...) and the insides of comments, CDATA
 * sections and processing instructions are left alone, so a well-formed document is
 * unchanged. *ret stays NULL when there is nothing to repair.
 */
static int repair_ampersands(const char *data, size_t len, char **ret, size_t *ret_len)
{
        static const struct {
                const char *open, *close;
        } skipped[] = {{"<!--", "-->"}, {"<![CDATA[", "]]>"}, {"<?", "?>"}};
        const char *p = data, *end = data + len, *copied = data;
        _cleanup_(buf_done) struct buf b = {};

        *ret = NULL;
        /* Only for ASCII-compatible encodings: UTF-16 has NUL bytes in its first four. */
        if (!memchr(data, '&', len) || memchr(data, '\0', len < 4 ? len : 4))
                return 0;

        while (p < end) {
                if (*p == '<') {
                        size_t i;
                        for (i = 0; i < ELEMENTSOF(skipped); i++)
                                if (starts(p, end, skipped[i].open))
                                        break;
                        if (i < ELEMENTSOF(skipped)) {
                                const char *from = p + strlen(skipped[i].open);
                                const char *close =
                                        memmem(from, (size_t)(end - from), skipped[i].close,
                                               strlen(skipped[i].close));
                                p = close ? close + strlen(skipped[i].close) : end;
                                continue;
                        }
                } else if (*p == '&' && !is_reference(p + 1, end)) {
                        if (buf_append(&b, copied, (size_t)(p + 1 - copied)) < 0 ||
                            buf_append(&b, "amp;", 4) < 0)
                                return -ENOMEM;
                        copied = p + 1;
                }
                p++;
        }
        if (!b.data)
                return 0;
        if (buf_append(&b, copied, (size_t)(end - copied)) < 0)
                return -ENOMEM;
        *ret_len = b.len;
        *ret = buf_steal(&b);
        return 0;
}

struct parse_state {
        bool doctype;
        bool too_deep;
};

/* Keeps libxml2 from printing; the last error is read from the context afterwards. */
static void on_parse_error(void *ctx, xmlErrorPtr error)
{
}

/* Encoding and I/O errors bypass the context and go to libxml2's generic channel, which
 * prints to stderr; it is muted for the parse and given back afterwards. */
static void on_generic_error(void *ctx, const char *format, ...)
{
}

/* Any DOCTYPE ends the parse before its internal subset is read, so no entity is ever
 * declared, let alone expanded. */
static void on_internal_subset(void *ctx, const xmlChar *name, const xmlChar *external_id,
                               const xmlChar *system_id)
{
        xmlParserCtxtPtr ctxt = ctx;
        struct parse_state *state = ctxt->_private;

        state->doctype = true;
        xmlStopParser(ctxt);
}

/* The depth limit is enforced while the tree is built, so a deep document costs nothing. */
static void on_start_element(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                             const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
                             int nb_attributes, int nb_defaulted, const xmlChar **attributes)
{
        xmlParserCtxtPtr ctxt = ctx;
        struct parse_state *state = ctxt->_private;

        if (ctxt->nodeNr >= SOAP_MAX_DEPTH) {
                state->too_deep = true;
                xmlStopParser(ctxt);
                return;
        }
        xmlSAX2StartElementNs(ctx, localname, prefix, uri, nb_namespaces, namespaces, nb_attributes,
                              nb_defaulted, attributes);
}

static int parse(struct soap_decoder *d, const char *data, size_t len, xmlDoc **ret)
{
        struct parse_state state = {};
        int r = 0;

        xmlParserCtxtPtr ctxt = xmlCreateMemoryParserCtxt(data, (int)len);
        if (!ctxt)
                return out_of_memory(d);
        /* No NOENT (entities stay unexpanded), no DTDLOAD/DTDATTR/DTDVALID, no HUGE. */
        xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_COMPACT);
        ctxt->_private = &state;
        ctxt->sax->serror = on_parse_error;
        ctxt->sax->internalSubset = on_internal_subset;
        ctxt->sax->externalSubset = NULL;
        ctxt->sax->startElementNs = on_start_element;

        xmlGenericErrorFunc saved_error = xmlGenericError;
        void *saved_error_context = xmlGenericErrorContext;
        xmlSetGenericErrorFunc(NULL, on_generic_error);
        xmlParseDocument(ctxt);
        xmlSetGenericErrorFunc(saved_error_context, saved_error);
        xmlDoc *doc = TAKE_PTR(ctxt->myDoc);

        if (state.doctype)
                r = invalid(d, "the message has a DOCTYPE; DTDs and entities are not accepted");
        else if (state.too_deep)
                r = invalid(d, "elements nest deeper than %d levels", SOAP_MAX_DEPTH);
        else if (ctxt->errNo == XML_ERR_NO_MEMORY)
                r = out_of_memory(d);
        else if (!ctxt->wellFormed || !doc) {
                const char *msg = ctxt->lastError.message ? ctxt->lastError.message : "error";
                r = invalid(d, "not well-formed XML: line %d: %.*s", ctxt->lastError.line,
                            (int)strcspn(msg, "\n"), msg);
        }
        xmlFreeParserCtxt(ctxt);
        if (r < 0) {
                xmlFreeDoc(doc);
                return r;
        }
        *ret = doc;
        return 0;
}

/* ---- envelope ------------------------------------------------------------------------ */

static int element_text(struct soap_decoder *d, const xmlNode *n, char **ret)
{
        return soap_decode_text(d, n, "Header", ret);
}

static bool must_understand(const xmlNode *n)
{
        bool yes = false;

        for (const xmlAttr *a = n->properties; a; a = a->next) {
                if (!a->ns || !xmlStrEqual(a->ns->href, BAD_CAST SOAP_ENV_NS) || !a->children ||
                    !a->children->content)
                        continue;
                const char *v = (const char *)a->children->content;
                if (xmlStrEqual(a->name, BAD_CAST "actor") &&
                    !streq(v, "http://schemas.xmlsoap.org/soap/actor/next"))
                        return false; /* meant for another node */
                if (xmlStrEqual(a->name, BAD_CAST "mustUnderstand"))
                        yes = streq(v, "1") || streq(v, "true");
        }
        return yes;
}

static int decode_header_string(struct soap_decoder *d, const xmlNode *n, char **dest)
{
        if (*dest)
                return invalid(d, "Header: cwmp:%s appears more than once", n->name);
        return element_text(d, n, dest);
}

static int decode_header(struct soap_decoder *d, const xmlNode *header)
{
        struct soap_message *m = d->m;
        bool hold_seen = false;
        int r;

        for (const xmlNode *c = header->children; c; c = c->next) {
                if (c->type != XML_ELEMENT_NODE)
                        continue;
                int v = c->ns ? cwmp_version_from_namespace((const char *)c->ns->href) : -EINVAL;
                if (v < 0) {
                        if (must_understand(c))
                                return invalid(d,
                                               "Header: %s (%s) is marked mustUnderstand "
                                               "and not supported",
                                               c->name,
                                               c->ns ? (const char *)c->ns->href : "no namespace");
                        continue;
                }
                m->version = v;

                if (xmlStrEqual(c->name, BAD_CAST "ID"))
                        r = decode_header_string(d, c, &m->id);
                else if (xmlStrEqual(c->name, BAD_CAST "SupportedCWMPVersions"))
                        r = decode_header_string(d, c, &m->supported_versions);
                else if (xmlStrEqual(c->name, BAD_CAST "UseCWMPVersion"))
                        r = decode_header_string(d, c, &m->use_version);
                else if (xmlStrEqual(c->name, BAD_CAST "HoldRequests")) {
                        _cleanup_free_ char *text = NULL;
                        char quoted[64];
                        if (hold_seen)
                                return invalid(d, "Header: cwmp:HoldRequests appears more "
                                                  "than once");
                        hold_seen = true;
                        r = element_text(d, c, &text);
                        if (r < 0)
                                return r;
                        char *t = text + strspn(text, " \t\r\n");
                        t[strcspn(t, " \t\r\n")] = '\0';
                        if (cw_parse_bool(t, &m->hold_requests) < 0)
                                return invalid(d,
                                               "Header: cwmp:HoldRequests \"%s\" is not a "
                                               "boolean",
                                               soap_quote(text, quoted));
                } else if (xmlStrEqual(c->name, BAD_CAST "NoMoreRequests") ||
                           xmlStrEqual(c->name, BAD_CAST "SessionTimeout")) {
                        /* deprecated since CWMP 1.1 / sent by the CPE, never by the ACS */
                        r = 0;
                } else if (must_understand(c))
                        return invalid(d,
                                       "Header: cwmp:%s is marked mustUnderstand and not "
                                       "supported",
                                       c->name);
                else
                        r = 0;
                if (r < 0)
                        return r;
        }
        return 0;
}

static bool is_fault_name(const xmlChar *name)
{
        /* GenieACS writes its faults as <soap-env:Body:Fault>, read as "Body:Fault". */
        size_t n = (size_t)xmlStrlen(name);
        return xmlStrEqual(name, BAD_CAST "Fault") ||
               (n > 6 && xmlStrEqual(name + n - 6, BAD_CAST ":Fault"));
}

static int lenient_text(struct soap_decoder *d, const xmlNode *n, char **ret)
{
        xmlChar *text = xmlNodeGetContent(n);
        if (!text)
                return out_of_memory(d);
        *ret = strdup((const char *)text);
        xmlFree(text);
        return *ret ? 0 : out_of_memory(d);
}

static const xmlNode *child_named(const xmlNode *n, const char *name)
{
        for (const xmlNode *c = n ? n->children : NULL; c; c = c->next)
                if (c->type == XML_ELEMENT_NODE && xmlStrEqual(c->name, BAD_CAST name))
                        return c;
        return NULL;
}

/* The contents of a cwmp:Fault: FaultCode and FaultString, read leniently. */
static int decode_cwmp_fault(struct soap_decoder *d, const xmlNode *fault)
{
        struct soap_message *m = d->m;
        const xmlNode *code = child_named(fault, "FaultCode");
        const xmlNode *string = child_named(fault, "FaultString");
        int r;

        if (fault->ns) {
                int v = cwmp_version_from_namespace((const char *)fault->ns->href);
                if (v >= 0)
                        m->version = v;
        }
        if (code) {
                _cleanup_free_ char *text = NULL;
                r = lenient_text(d, code, &text);
                if (r < 0)
                        return r;
                char *t = text + strspn(text, " \t\r\n");
                t[strcspn(t, " \t\r\n")] = '\0';
                if (cw_parse_uint32(t, &m->fault_code) < 0)
                        m->fault_code = 0;
        }
        if (string) {
                r = lenient_text(d, string, &m->fault_string);
                if (r < 0)
                        return r;
        }
        return 0;
}

/*
 * A SOAP Fault from the ACS. GenieACS sends malformed ones, so nothing here is required:
 * fault_code stays 0 when no cwmp:Fault code can be read, and fault_string falls back to
 * the SOAP faultstring.
 */
static int decode_fault(struct soap_decoder *d, const xmlNode *n)
{
        struct soap_message *m = d->m;
        int r;

        m->method = SOAP_FAULT;
        if (n->ns && !xmlStrEqual(n->ns->href, BAD_CAST SOAP_ENV_NS))
                /* a bare cwmp:Fault in the Body */
                return decode_cwmp_fault(d, n);

        const xmlNode *detail = child_named(n, "detail");
        const xmlNode *fault = child_named(detail, "Fault");
        if (fault) {
                r = decode_cwmp_fault(d, fault);
                if (r < 0)
                        return r;
        }
        const xmlNode *faultstring = child_named(n, "faultstring");
        if (!m->fault_string && faultstring)
                return lenient_text(d, faultstring, &m->fault_string);
        return 0;
}

static int decode_body(struct soap_decoder *d, const xmlNode *body)
{
        struct soap_message *m = d->m;
        const xmlNode *method = NULL;
        unsigned count = 0;

        for (const xmlNode *c = body->children; c; c = c->next)
                if (c->type == XML_ELEMENT_NODE && count++ == 0)
                        method = c;
        if (count == 0)
                return invalid(d, "the SOAP Body is empty");
        if (count > 1)
                return invalid(d, "the SOAP Body holds %u elements; CWMP allows one", count);

        m->method_name = strdup((const char *)method->name);
        if (!m->method_name)
                return out_of_memory(d);

        const char *ns = method->ns ? (const char *)method->ns->href : NULL;
        if (ns && streq(ns, SOAP_ENV_NS) && is_fault_name(method->name))
                return decode_fault(d, method);

        int v = cwmp_version_from_namespace(ns);
        if (v < 0)
                return invalid(d, "the SOAP Body holds %s in %s%s, which is not a CWMP namespace",
                               method->name, ns ? "namespace " : "no namespace", ns ? ns : "");
        m->version = v;
        d->cwmp_ns = method->ns->href;
        if (xmlStrEqual(method->name, BAD_CAST "Fault"))
                return decode_fault(d, method);

        const struct soap_method_info *info = soap_method_by_name(m->method_name);
        if (!info)
                return soap_decode_fail(d, CWMP_FAULT_METHOD_NOT_SUPPORTED, -EOPNOTSUPP,
                                        "%s is not a method this CPE supports", method->name);
        if (info->since > (enum cwmp_version)v)
                return soap_decode_fail(d, CWMP_FAULT_METHOD_NOT_SUPPORTED, -EOPNOTSUPP,
                                        "%s is not defined in CWMP %s (%s)", method->name,
                                        cwmp_version_string(v), ns);
        m->method = info->method;
        return soap_decode_arguments(d, method, info);
}

static int decode_envelope(struct soap_decoder *d, const xmlDoc *doc)
{
        const xmlNode *root = xmlDocGetRootElement(doc);
        const xmlNode *header = NULL, *body = NULL;
        int r;

        if (!soap_node_is(root, SOAP_ENV_NS, "Envelope"))
                return invalid(d, "the root element %s is not a SOAP 1.1 Envelope",
                               root ? (const char *)root->name : "(none)");

        for (const xmlNode *c = root->children; c; c = c->next) {
                if (soap_node_is(c, SOAP_ENV_NS, "Header")) {
                        if (header || body)
                                return invalid(d, "the SOAP Header must come once, before "
                                                  "the Body");
                        header = c;
                } else if (soap_node_is(c, SOAP_ENV_NS, "Body")) {
                        if (body)
                                return invalid(d, "the SOAP Body appears more than once");
                        body = c;
                }
        }
        if (header) {
                r = decode_header(d, header);
                if (r < 0)
                        return r;
        }
        if (!body)
                return invalid(d, "the SOAP Envelope has no Body");
        return decode_body(d, body);
}

int soap_decode(const char *data, size_t len, struct soap_message *m, uint32_t *fault_code,
                char *detail, size_t detail_size)
{
        uint32_t ignored_code;
        struct soap_decoder d = {
                .m = m,
                .fault_code = fault_code ? fault_code : &ignored_code,
                .detail = detail,
                .detail_size = detail_size,
        };
        _cleanup_free_ char *repaired = NULL;
        size_t repaired_len = 0;
        xmlDoc *doc = NULL;
        int r;

        *m = (struct soap_message){};
        *d.fault_code = 0;
        if (detail && detail_size > 0)
                detail[0] = '\0';

        if (!data || len == 0)
                return invalid(&d, "the message is empty");
        if (len > SOAP_MAX_SIZE)
                return soap_decode_fail(&d, CWMP_FAULT_INVALID_ARGUMENTS, -EMSGSIZE,
                                        "the message has %zu bytes, more than the %u allowed", len,
                                        SOAP_MAX_SIZE);

        r = repair_ampersands(data, len, &repaired, &repaired_len);
        if (r < 0)
                return out_of_memory(&d);
        if (repaired) {
                data = repaired;
                len = repaired_len;
                if (len > INT32_MAX)
                        return invalid(&d, "the message is too large");
        }

        r = parse(&d, data, len, &doc);
        if (r < 0)
                return r;
        r = decode_envelope(&d, doc);
        xmlFreeDoc(doc);
        if (r < 0)
                soap_message_clear_arguments(m);
        return r;
}
