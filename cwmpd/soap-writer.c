/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "soap-internal.h"
#include "soap-writer.h"

void soap_writer_fail(struct soap_writer *sw, int error)
{
        if (sw->error == 0)
                sw->error = error;
}

/* Length of the UTF-8 sequence at s if it encodes a character XML 1.0 allows, else 0. */
static size_t xml_char_length(const unsigned char *s)
{
        uint32_t c;
        size_t n;

        if (s[0] < 0x80)
                return s[0] >= 0x20 || s[0] == '\t' || s[0] == '\n' || s[0] == '\r';
        if ((s[0] & 0xE0) == 0xC0)
                c = s[0] & 0x1F, n = 2;
        else if ((s[0] & 0xF0) == 0xE0)
                c = s[0] & 0x0F, n = 3;
        else if ((s[0] & 0xF8) == 0xF0)
                c = s[0] & 0x07, n = 4;
        else
                return 0;
        for (size_t i = 1; i < n; i++) {
                if ((s[i] & 0xC0) != 0x80)
                        return 0;
                c = c << 6 | (s[i] & 0x3F);
        }
        static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
        if (c < min[n] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF) || c == 0xFFFE ||
            c == 0xFFFF)
                return 0;
        return n;
}

/* Text as XML can carry it: bytes that are not UTF-8, and characters XML 1.0 forbids
 * (control characters), become U+FFFD. Returns text itself when it is clean. */
static const char *clean_text(struct soap_writer *sw, const char *text)
{
        const unsigned char *s = (const unsigned char *)text;
        size_t n;

        for (;;) {
                while (*s >= 0x20 && *s < 0x80) /* the common case, printable ASCII */
                        s++;
                if (!*s)
                        return text;
                n = xml_char_length(s);
                if (n == 0)
                        break;
                s += n;
        }

        size_t len = strlen(text);
        if (len > (SIZE_MAX - 1) / 3) {
                soap_writer_fail(sw, -ENOMEM);
                return NULL;
        }
        if (sw->scratch_size < len * 3 + 1) {
                char *p = realloc(sw->scratch, len * 3 + 1);
                if (!p) {
                        soap_writer_fail(sw, -ENOMEM);
                        return NULL;
                }
                sw->scratch = p;
                sw->scratch_size = len * 3 + 1;
        }
        char *out = sw->scratch;
        memcpy(out, text, (size_t)((const char *)s - text));
        out += (const char *)s - text;
        while (*s) {
                n = xml_char_length(s);
                if (n == 0) {
                        memcpy(out, "\xEF\xBF\xBD", 3);
                        out += 3;
                        s++;
                        continue;
                }
                memcpy(out, s, n);
                out += n;
                s += n;
        }
        *out = '\0';
        return sw->scratch;
}

static void put(struct soap_writer *sw, const char *s, size_t n)
{
        if (!sw->error && buf_append(&sw->out, s, n) < 0)
                soap_writer_fail(sw, -ENOMEM);
}

static void put_string(struct soap_writer *sw, const char *s)
{
        put(sw, s, strlen(s));
}

static void put_escaped(struct soap_writer *sw, const char *s, bool attr)
{
        const char *run = s;
        for (; *s; s++) {
                const char *rep = NULL;
                switch (*s) {
                case '&':
                        rep = "&amp;";
                        break;
                case '<':
                        rep = "&lt;";
                        break;
                case '>':
                        rep = "&gt;";
                        break;
                case '\r':
                        rep = "&#13;";
                        break;
                case '"':
                        rep = "&quot;";
                        break;
                case '\n':
                        rep = attr ? "&#10;" : NULL;
                        break;
                case '\t':
                        rep = attr ? "&#9;" : NULL;
                        break;
                }
                if (rep) {
                        put(sw, run, (size_t)(s - run));
                        put_string(sw, rep);
                        run = s + 1;
                }
        }
        put(sw, run, (size_t)(s - run));
}

static void close_tag(struct soap_writer *sw)
{
        if (sw->open_tag) {
                put(sw, ">", 1);
                sw->open_tag = false;
        }
}

void soap_writer_start(struct soap_writer *sw, const char *name)
{
        if (sw->error)
                return;
        if (sw->depth >= SOAP_WRITER_MAX_DEPTH || strlen(name) >= SOAP_WRITER_MAX_NAME) {
                soap_writer_fail(sw, -E2BIG);
                return;
        }
        close_tag(sw);
        strcpy(sw->names[sw->depth++], name);
        put(sw, "<", 1);
        put_string(sw, name);
        sw->open_tag = true;
}

void soap_writer_attribute(struct soap_writer *sw, const char *name, const char *value)
{
        if (sw->error)
                return;
        const char *clean = clean_text(sw, value ? value : "");
        if (!clean)
                return;
        put(sw, " ", 1);
        put_string(sw, name);
        put(sw, "=\"", 2);
        put_escaped(sw, clean, true);
        put(sw, "\"", 1);
}

void soap_writer_text(struct soap_writer *sw, const char *text)
{
        if (sw->error || !text || !*text)
                return;
        const char *clean = clean_text(sw, text);
        if (!clean)
                return;
        close_tag(sw);
        put_escaped(sw, clean, false);
}

void soap_writer_end(struct soap_writer *sw)
{
        if (sw->error || sw->depth == 0)
                return;
        sw->depth--;
        if (sw->open_tag) {
                put(sw, "/>", 2);
                sw->open_tag = false;
                return;
        }
        put(sw, "</", 2);
        put_string(sw, sw->names[sw->depth]);
        put(sw, ">", 1);
}

void soap_writer_element(struct soap_writer *sw, const char *name, const char *text)
{
        soap_writer_start(sw, name);
        soap_writer_text(sw, text);
        soap_writer_end(sw);
}

void soap_writer_element_uint(struct soap_writer *sw, const char *name, uint64_t value)
{
        char text[24];
        snprintf(text, sizeof(text), "%" PRIu64, value);
        soap_writer_element(sw, name, text);
}

void soap_writer_element_int(struct soap_writer *sw, const char *name, int64_t value)
{
        char text[24];
        snprintf(text, sizeof(text), "%" PRId64, value);
        soap_writer_element(sw, name, text);
}

void soap_writer_element_bool(struct soap_writer *sw, const char *name, bool value)
{
        soap_writer_element(sw, name, value ? "true" : "false");
}

void soap_writer_array(struct soap_writer *sw, const char *name, const char *item_type, size_t n)
{
        char type[96];
        snprintf(type, sizeof(type), "%s[%zu]", item_type, n);
        soap_writer_start(sw, name);
        soap_writer_attribute(sw, "soap-enc:arrayType", type);
}

void soap_writer_reserve(struct soap_writer *sw, size_t bytes)
{
        if (sw->error || bytes <= sw->out.allocated)
                return;
        char *p = realloc(sw->out.data, bytes);
        if (!p) {
                soap_writer_fail(sw, -ENOMEM);
                return;
        }
        sw->out.data = p;
        sw->out.allocated = bytes;
}

static void header_field(struct soap_writer *sw, const char *name, const char *must_understand,
                         const char *text)
{
        soap_writer_start(sw, name);
        soap_writer_attribute(sw, "soap-env:mustUnderstand", must_understand);
        soap_writer_text(sw, text);
        soap_writer_end(sw);
}

void soap_writer_begin(struct soap_writer *sw, const struct soap_out_header *h)
{
        const char *ns = h ? cwmp_version_namespace(h->version) : NULL;
        if (!ns) {
                soap_writer_fail(sw, -EINVAL);
                return;
        }

        put_string(sw, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        soap_writer_start(sw, "soap-env:Envelope");
        soap_writer_attribute(sw, "xmlns:soap-env", SOAP_ENV_NS);
        soap_writer_attribute(sw, "xmlns:soap-enc", SOAP_ENC_NS);
        soap_writer_attribute(sw, "xmlns:xsd", XSD_NS);
        soap_writer_attribute(sw, "xmlns:xsi", XSI_NS);
        soap_writer_attribute(sw, "xmlns:cwmp", ns);

        /* SessionTimeout came with cwmp-1-3.xsd, the version headers with cwmp-1-4.xsd. */
        bool timeout = h->session_timeout > 0 && h->version >= CWMP_1_3;
        bool supported = h->supported_versions && h->version >= CWMP_1_4;
        bool use = h->use_version && h->version >= CWMP_1_4;
        if (h->id || timeout || supported || use) {
                soap_writer_start(sw, "soap-env:Header");
                if (h->id)
                        header_field(sw, "cwmp:ID", "1", h->id);
                if (timeout) {
                        char text[16];
                        snprintf(text, sizeof(text), "%" PRIu32, h->session_timeout);
                        header_field(sw, "cwmp:SessionTimeout", "0", text);
                }
                if (supported)
                        header_field(sw, "cwmp:SupportedCWMPVersions", "0", h->supported_versions);
                if (use)
                        header_field(sw, "cwmp:UseCWMPVersion", "1", h->use_version);
                soap_writer_end(sw);
        }
        soap_writer_start(sw, "soap-env:Body");
}

int soap_writer_finish(struct soap_writer *sw, char **ret, size_t *ret_len)
{
        while (!sw->error && sw->depth > 0)
                soap_writer_end(sw);
        put(sw, "\n", 1);
        if (sw->error)
                return sw->error;

        size_t len = sw->out.len;
        char *data = buf_steal(&sw->out);
        if (!data)
                return -ENOMEM;
        *ret = data;
        if (ret_len)
                *ret_len = len;
        return 0;
}

void soap_writer_done(struct soap_writer *sw)
{
        buf_done(&sw->out);
        free(sw->scratch);
        *sw = (struct soap_writer){};
}
