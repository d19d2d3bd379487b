/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "bulkdata-http.h"
#include "http-client.h"
#include "util.h"

/*
 * Bulk data over HTTP: one connection per transfer (a report every interval gains nothing
 * from keep-alive, and a new connection starts clean after a failed one). Compression uses
 * zlib, which libcurl links already.
 */

#define REPORT_TIMEOUT_MS 60000u

struct bulkdata_http {
        struct http_conn *conn;
        char *body; /* compressed */
        bulkdata_http_done_fn done;
        void *userdata;
};

int bulkdata_compression_from_string(const char *s, enum bulkdata_compression *ret)
{
        if (!s || streq(s, "") || streq(s, "None"))
                *ret = BULKDATA_COMPRESSION_NONE;
        else if (streq(s, "GZIP"))
                *ret = BULKDATA_COMPRESSION_GZIP;
        else if (streq(s, "Deflate"))
                *ret = BULKDATA_COMPRESSION_DEFLATE;
        else
                return -EINVAL;
        return 0;
}

int bulkdata_compress(enum bulkdata_compression c, const char *data, size_t len, char **ret,
                      size_t *ret_len)
{
        /* windowBits 15 + 16 writes the gzip wrapper, 15 the zlib one */
        int window = c == BULKDATA_COMPRESSION_GZIP ? 15 + 16 : 15;
        z_stream z = {};
        char *out;
        uLong bound;
        int zr;

        if (c == BULKDATA_COMPRESSION_NONE || len > UINT32_MAX)
                return -EINVAL;
        if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, window, 8, Z_DEFAULT_STRATEGY) !=
            Z_OK)
                return -ENOMEM;
        bound = deflateBound(&z, (uLong)len) + 32; /* and the gzip header */
        out = malloc(bound);
        if (!out) {
                deflateEnd(&z);
                return -ENOMEM;
        }
        z.next_in = (Bytef *)(uintptr_t)data;
        z.avail_in = (uInt)len;
        z.next_out = (Bytef *)out;
        z.avail_out = (uInt)bound;
        zr = deflate(&z, Z_FINISH);
        *ret_len = z.total_out;
        deflateEnd(&z);
        if (zr != Z_STREAM_END) {
                free(out);
                return -ENOBUFS;
        }
        *ret = out;
        return 0;
}

/* RFC 7231 IMF-fixdate, whatever the locale. */
static void format_http_date(time_t t, char *buf, size_t size)
{
        static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
        static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
        struct tm tm;

        gmtime_r(&t, &tm);
        snprintf(buf, size, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday,
                 months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void on_done(struct http_conn *conn, const struct http_response *response, void *userdata)
{
        struct bulkdata_http *h = userdata;
        int result;

        if (response->error < 0)
                /* no answer: the collector may be back later; a certificate it will not fix */
                result = response->error == -EACCES || response->error == -EINVAL ? response->error
                                                                                  : -EAGAIN;
        else if (response->status >= 200 && response->status < 300)
                result = 0;
        else if (response->status >= 500)
                result = -EAGAIN;
        else
                result = -EBADMSG;
        h->done(h->userdata, result, response->status);
}

void bulkdata_http_free(struct bulkdata_http *h)
{
        if (!h)
                return;
        http_conn_free(h->conn);
        free(h->body);
        free(h);
}

int bulkdata_http_send(struct http_client *client, const struct bulkdata_http_request *request,
                       bulkdata_http_done_fn done, void *userdata, struct bulkdata_http **ret)
{
        _cleanup_free_ char *content_type = NULL, *format = NULL, *date = NULL;
        const char *headers[6];
        const char *body = request->body;
        size_t len = request->len, n = 0;
        char when[64];
        struct bulkdata_http *h;
        int r;

        if (!client || !request->url || !done || !ret)
                return -EINVAL;
        h = calloc(1, sizeof(*h));
        if (!h)
                return -ENOMEM;
        h->done = done;
        h->userdata = userdata;

        const struct http_conn_options options = {
                .url = request->url,
                .username = request->username && request->username[0] ? request->username : NULL,
                .password = request->password,
                .timeout_ms = REPORT_TIMEOUT_MS,
                .max_response_size = 64 * 1024, /* a collector has nothing to say */
                .user_agent = "cwmp-agent bulkdata",
        };
        r = http_conn_new(client, &options, &h->conn);
        if (r < 0)
                goto fail;
        if (request->compression != BULKDATA_COMPRESSION_NONE) {
                r = bulkdata_compress(request->compression, request->body, request->len, &h->body,
                                      &len);
                if (r < 0)
                        goto fail;
                body = h->body;
                headers[n++] = request->compression == BULKDATA_COMPRESSION_GZIP
                                       ? "Content-Encoding: gzip"
                                       : "Content-Encoding: deflate";
        }
        if (asprintf(&content_type, "Content-Type: %s", request->content_type) < 0 ||
            asprintf(&format, "BBF-Report-Format: %s", request->report_format) < 0) {
                content_type = format = NULL;
                r = -ENOMEM;
                goto fail;
        }
        headers[n++] = content_type;
        headers[n++] = format;
        if (request->date_header) {
                format_http_date(time(NULL), when, sizeof(when));
                if (asprintf(&date, "Date: %s", when) < 0) {
                        date = NULL;
                        r = -ENOMEM;
                        goto fail;
                }
                headers[n++] = date;
        }
        headers[n] = NULL;
        r = request->put ? http_conn_put(h->conn, body, len, headers, on_done, h)
                         : http_conn_post(h->conn, body, len, headers, on_done, h);
        if (r < 0)
                goto fail;
        *ret = h;
        return 0;
fail:
        bulkdata_http_free(h);
        return r;
}
