/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct http_client;
struct bulkdata_http;

enum bulkdata_compression {
        BULKDATA_COMPRESSION_NONE,
        BULKDATA_COMPRESSION_GZIP,
        BULKDATA_COMPRESSION_DEFLATE,
};

/* One report transfer (TR-069 Annex N.2): the body goes out as it is or compressed, with
 * Content-Type, BBF-Report-Format, Content-Encoding and, when asked, a Date header. */
struct bulkdata_http_request {
        const char *url;      /* with the query of RequestURIParameter already added */
        const char *username; /* NULL or "": no authentication */
        const char *password;
        bool put;         /* PUT rather than POST */
        bool date_header; /* UseDateHeader */
        enum bulkdata_compression compression;
        const char *content_type;  /* "application/json; charset=UTF-8" ... */
        const char *report_format; /* BBF-Report-Format */
        const char *body;
        size_t len;
};

/* The result: 0 when the collector took the report (2xx); -EAGAIN when it may take it later
 * (a 5xx answer, or no answer: refused, unreachable, timed out); another negative errno when
 * retrying would not help (a 4xx, a bad URL). */
typedef void (*bulkdata_http_done_fn)(void *userdata, int result, long status);

int bulkdata_compression_from_string(const char *s, enum bulkdata_compression *ret);

/* Deflates `data` in the gzip (RFC 1952) or zlib (RFC 1950, HTTP's "deflate") format. */
int bulkdata_compress(enum bulkdata_compression c, const char *data, size_t len, char **ret,
                      size_t *ret_len);

/* Starts a transfer; done runs from the event loop, never from inside this call. */
int bulkdata_http_send(struct http_client *client, const struct bulkdata_http_request *request,
                       bulkdata_http_done_fn done, void *userdata, struct bulkdata_http **ret);
/* Cancels a transfer in flight (done is not called) and frees it. */
void bulkdata_http_free(struct bulkdata_http *h);
