/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "soap.h"
#include "util.h"

/*
 * An envelope being written straight into a growing buffer, escaping as it goes (libxml2's
 * text writer costs several times more on a 10,000-parameter response). The first error
 * sticks: later calls do nothing and soap_writer_finish() returns it, so a message is
 * written as a plain sequence of calls.
 */
#define SOAP_WRITER_MAX_DEPTH 32
#define SOAP_WRITER_MAX_NAME  64

struct soap_writer {
        char names[SOAP_WRITER_MAX_DEPTH][SOAP_WRITER_MAX_NAME]; /* the open elements */
        unsigned depth;
        bool open_tag; /* "<name ..." written, ">" not yet */
        struct buf out;
        int error;
        char *scratch; /* text with invalid characters replaced */
        size_t scratch_size;
};

/* Writes the XML declaration, the Envelope with its namespaces, the Header fields the
 * version defines and opens the Body. */
void soap_writer_begin(struct soap_writer *sw, const struct soap_out_header *h);
void soap_writer_fail(struct soap_writer *sw, int error);
void soap_writer_start(struct soap_writer *sw, const char *name);
void soap_writer_attribute(struct soap_writer *sw, const char *name, const char *value);
void soap_writer_text(struct soap_writer *sw, const char *text); /* NULL writes nothing */
void soap_writer_end(struct soap_writer *sw);
/* <name>text</name>; NULL text gives an empty element. */
void soap_writer_element(struct soap_writer *sw, const char *name, const char *text);
void soap_writer_element_uint(struct soap_writer *sw, const char *name, uint64_t value);
void soap_writer_element_int(struct soap_writer *sw, const char *name, int64_t value);
void soap_writer_element_bool(struct soap_writer *sw, const char *name, bool value);
/* Opens an array element with soap-enc:arrayType="item_type[n]". */
void soap_writer_array(struct soap_writer *sw, const char *name, const char *item_type, size_t n);
/* Makes room for a document of about `bytes`, so a large one is not copied as it grows. */
void soap_writer_reserve(struct soap_writer *sw, size_t bytes);
/* Closes everything and hands over the document. */
int soap_writer_finish(struct soap_writer *sw, char **ret, size_t *ret_len);
void soap_writer_done(struct soap_writer *sw);
