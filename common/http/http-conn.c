/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "http-internal.h"
#include "log.h"
#include "util.h"

/*
 * One connection: one easy handle reused for every request, so curl keeps the cookies,
 * the Digest state and the TCP/TLS connection between them. The connection pool lives in
 * a share object of our own, so freeing the connection really closes its socket instead of
 * parking it in the multi handle's pool.
 */

#define DEFAULT_CONNECT_TIMEOUT_MS 10000u
#define DEFAULT_TIMEOUT_MS         30000u
#define DEFAULT_MAX_RESPONSE_SIZE  (4u * 1024 * 1024)
#define DEFAULT_USER_AGENT         "cwmp-agent"
#define MAX_REDIRECTS              5L
/* A transfer that moves less than LOW_SPEED_BYTES per second for this long is dead. */
#define LOW_SPEED_BYTES   1L
#define LOW_SPEED_SECONDS 30L
/* The receive buffer of http_conn_get_to_fd(). */
#define FILE_BUFFER_SIZE (128L * 1024L)

struct http_conn {
        struct http_client *client;
        CURL *easy;
        CURLSH *share;
        sd_event_source *failure; /* delivers a request that failed before curl had it */
        size_t max_response_size;

        /* The request in flight. */
        bool busy;     /* between an accepted request and its callback */
        bool in_multi; /* the easy handle is in the multi handle */
        int failure_error;
        http_done_fn done;
        void *userdata;
        struct curl_slist *headers;
        struct buf body;
        bool body_too_large;
        bool body_no_memory;
        char error_buffer[CURL_ERROR_SIZE];
        /* http_conn_get_to_fd: the body goes to this file instead */
        int out_fd;
        size_t out_len;
        int out_error;
};

/* What the callback sees, owned by the delivery so the callback may free the connection or
 * start the next request on it. */
struct delivery {
        struct http_response response;
        char *body;
        char *content_type;
        char *effective_url;
        char message[CURL_ERROR_SIZE + 64];
};

static void delivery_done(struct delivery *d)
{
        free(d->body);
        free(d->content_type);
        free(d->effective_url);
}

/* ---- curl's data callbacks ---- */

static size_t write_out(struct http_conn *conn, const char *data, size_t len)
{
        size_t done = 0;

        if (len > conn->max_response_size - conn->out_len) {
                conn->body_too_large = true;
                return 0;
        }
        while (done < len) {
                ssize_t n = write(conn->out_fd, data + done, len - done);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        conn->out_error = n < 0 ? -errno : -EIO;
                        return 0;
                }
                done += (size_t)n;
        }
        conn->out_len += len;
        return len;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
        struct http_conn *conn = userdata;
        size_t len = size * nmemb;

        if (conn->out_fd >= 0)
                return write_out(conn, data, len);

        if (len > conn->max_response_size - conn->body.len) {
                conn->body_too_large = true;
                return 0; /* fails the transfer with CURLE_WRITE_ERROR */
        }
        if (buf_append(&conn->body, data, len) < 0) {
                conn->body_no_memory = true;
                return 0;
        }
        return len;
}

/* A status line starts a new response (after a redirect or an authentication round):
 * whatever body came before it is not the answer. */
static size_t on_header(char *data, size_t size, size_t nmemb, void *userdata)
{
        struct http_conn *conn = userdata;
        size_t len = size * nmemb;

        if (len >= 5 && strncasecmp(data, "HTTP/", 5) == 0) {
                conn->body.len = 0;
                if (conn->body.data)
                        conn->body.data[0] = '\0';
                if (conn->out_fd >= 0 && conn->out_len > 0) {
                        if (lseek(conn->out_fd, 0, SEEK_SET) < 0 ||
                            ftruncate(conn->out_fd, 0) < 0) {
                                conn->out_error = -errno;
                                return 0;
                        }
                        conn->out_len = 0;
                }
        }
        return len;
}

/* ---- delivering a result ---- */

static void request_reset(struct http_conn *conn)
{
        if (conn->easy) {
                curl_easy_setopt(conn->easy, CURLOPT_HTTPHEADER, NULL);
                curl_easy_setopt(conn->easy, CURLOPT_CUSTOMREQUEST, NULL);
                curl_easy_setopt(conn->easy, CURLOPT_BUFFERSIZE, (long)CURL_MAX_WRITE_SIZE);
        }
        conn->out_fd = -1;
        conn->out_len = 0;
        conn->out_error = 0;
        curl_slist_free_all(conn->headers);
        conn->headers = NULL;
        buf_done(&conn->body);
        conn->body_too_large = false;
        conn->body_no_memory = false;
        conn->error_buffer[0] = '\0';
}

static void deliver(struct http_conn *conn, struct delivery *d)
{
        http_done_fn done = conn->done;
        void *userdata = conn->userdata;

        conn->busy = false;
        conn->done = NULL;
        conn->userdata = NULL;
        request_reset(conn);
        done(conn, &d->response, userdata); /* may free conn */
        delivery_done(d);
}

static int collect(struct http_conn *conn, CURLcode code, struct delivery *d)
{
        long os_errno = 0;
        char *s = NULL;
        int error;

        curl_easy_getinfo(conn->easy, CURLINFO_RESPONSE_CODE, &d->response.status);
        curl_easy_getinfo(conn->easy, CURLINFO_OS_ERRNO, &os_errno);

        if (curl_easy_getinfo(conn->easy, CURLINFO_CONTENT_TYPE, &s) == CURLE_OK && s) {
                d->content_type = strdup(s);
                if (!d->content_type)
                        return -ENOMEM;
        }
        s = NULL;
        if (curl_easy_getinfo(conn->easy, CURLINFO_EFFECTIVE_URL, &s) == CURLE_OK && s) {
                d->effective_url = strdup(s);
                if (!d->effective_url)
                        return -ENOMEM;
        }

        if (conn->body_too_large) {
                snprintf(d->message, sizeof(d->message), "Response larger than %zu bytes",
                         conn->max_response_size);
                return -EFBIG;
        }
        if (conn->body_no_memory)
                return -ENOMEM;
        if (conn->out_error < 0) {
                snprintf(d->message, sizeof(d->message), "Cannot write the body: %s",
                         strerror(-conn->out_error));
                return -EIO;
        }
        error = http_error_from_curl(code, os_errno);
        if (error < 0) {
                snprintf(d->message, sizeof(d->message), "%s",
                         conn->error_buffer[0] ? conn->error_buffer : curl_easy_strerror(code));
                return error;
        }

        if (conn->out_fd >= 0) {
                d->response.body_len = conn->out_len;
                d->body = strdup("");
        } else {
                d->response.body_len = conn->body.len;
                d->body = buf_steal(&conn->body);
        }
        if (!d->body)
                return -ENOMEM;
        d->response.body = d->body;
        return 0;
}

void http_conn_finished(struct http_conn *conn, CURLcode code)
{
        struct delivery d = {};
        int r;

        conn->in_multi = false;
        r = collect(conn, code, &d);
        d.response.error = r;
        d.response.content_type = d.content_type;
        d.response.effective_url = d.effective_url;
        if (r < 0) {
                if (!d.message[0])
                        snprintf(d.message, sizeof(d.message), "%s", strerror(-r));
                d.response.error_message = d.message;
                d.response.body = "";
                d.response.body_len = 0;
        }
        deliver(conn, &d);
}

static int on_failure(sd_event_source *source, void *userdata)
{
        struct http_conn *conn = userdata;
        struct delivery d = {};

        d.response.error = conn->failure_error;
        snprintf(d.message, sizeof(d.message), "%s", strerror(-conn->failure_error));
        d.response.error_message = d.message;
        d.response.body = "";
        deliver(conn, &d);
        return 0;
}

/* ---- setting a connection up ---- */

static int check_url(const char *url)
{
        CURLU *u = curl_url();
        char *scheme = NULL;
        int r = 0;

        if (!u)
                return -ENOMEM;
        if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
            curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK)
                r = -EINVAL;
        else if (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0)
                r = -EPROTONOSUPPORT;
        curl_free(scheme);
        curl_url_cleanup(u);
        return r;
}

#define SETOPT(easy, option, value)                                                                \
        do {                                                                                       \
                CURLcode _code = curl_easy_setopt((easy), (option), (value));                      \
                if (_code != CURLE_OK)                                                             \
                        return http_error_from_setup(_code);                                       \
        } while (0)

static int setup_tls(CURL *easy, const struct http_conn_options *o)
{
        SETOPT(easy, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
        if (o->insecure) {
                log_debug("TLS verification disabled for %s", o->url);
                SETOPT(easy, CURLOPT_SSL_VERIFYPEER, 0L);
                SETOPT(easy, CURLOPT_SSL_VERIFYHOST, 0L);
        } else {
                SETOPT(easy, CURLOPT_SSL_VERIFYPEER, 1L);
                SETOPT(easy, CURLOPT_SSL_VERIFYHOST, 2L);
        }
        if (o->ca_file)
                SETOPT(easy, CURLOPT_CAINFO, o->ca_file);
        if (o->ca_path)
                SETOPT(easy, CURLOPT_CAPATH, o->ca_path);
        if (o->client_cert) {
                SETOPT(easy, CURLOPT_SSLCERT, o->client_cert);
                SETOPT(easy, CURLOPT_SSLCERTTYPE, "PEM");
        }
        if (o->client_key) {
                SETOPT(easy, CURLOPT_SSLKEY, o->client_key);
                SETOPT(easy, CURLOPT_SSLKEYTYPE, "PEM");
        }
        return 0;
}

/* curl copies every string option, so the caller's options need not outlive this. */
static int setup_easy(struct http_conn *conn, const struct http_conn_options *o)
{
        CURL *easy = conn->easy;
        long connect_ms =
                o->connect_timeout_ms ? o->connect_timeout_ms : DEFAULT_CONNECT_TIMEOUT_MS;
        long timeout_ms = o->timeout_ms ? o->timeout_ms : DEFAULT_TIMEOUT_MS;

        SETOPT(easy, CURLOPT_PRIVATE, conn);
        SETOPT(easy, CURLOPT_URL, o->url);
        SETOPT(easy, CURLOPT_SHARE, conn->share);
        SETOPT(easy, CURLOPT_NOSIGNAL, 1L);
        SETOPT(easy, CURLOPT_PROTOCOLS_STR, "http,https");
        SETOPT(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
        SETOPT(easy, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1); /* CWMP is HTTP/1.1 */
        SETOPT(easy, CURLOPT_USERAGENT, o->user_agent ? o->user_agent : DEFAULT_USER_AGENT);
        SETOPT(easy, CURLOPT_COOKIEFILE, ""); /* cookies in memory, for this connection */
        SETOPT(easy, CURLOPT_TCP_KEEPALIVE, 1L);
        SETOPT(easy, CURLOPT_ERRORBUFFER, conn->error_buffer);

        SETOPT(easy, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
        SETOPT(easy, CURLOPT_TIMEOUT_MS, timeout_ms);
        SETOPT(easy, CURLOPT_LOW_SPEED_LIMIT, LOW_SPEED_BYTES);
        SETOPT(easy, CURLOPT_LOW_SPEED_TIME, LOW_SPEED_SECONDS);

        SETOPT(easy, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)conn->max_response_size);
        SETOPT(easy, CURLOPT_WRITEFUNCTION, on_body);
        SETOPT(easy, CURLOPT_WRITEDATA, conn);
        SETOPT(easy, CURLOPT_HEADERFUNCTION, on_header);
        SETOPT(easy, CURLOPT_HEADERDATA, conn);

        if (o->follow_redirects) {
                SETOPT(easy, CURLOPT_FOLLOWLOCATION, 1L);
                SETOPT(easy, CURLOPT_MAXREDIRS, MAX_REDIRECTS);
                SETOPT(easy, CURLOPT_POSTREDIR, (long)CURL_REDIR_POST_ALL);
        }

        if (o->username) {
                SETOPT(easy, CURLOPT_USERNAME, o->username);
                SETOPT(easy, CURLOPT_PASSWORD, o->password ? o->password : "");
                SETOPT(easy, CURLOPT_HTTPAUTH, (long)(CURLAUTH_BASIC | CURLAUTH_DIGEST));
        }

        return setup_tls(easy, o);
}

int http_conn_new(struct http_client *client, const struct http_conn_options *options,
                  struct http_conn **ret)
{
        struct http_conn *conn;
        int r;

        if (!client || !options || !options->url || !ret)
                return -EINVAL;
        r = check_url(options->url);
        if (r < 0)
                return r;

        conn = calloc(1, sizeof(*conn));
        if (!conn)
                return -ENOMEM;
        conn->client = http_client_ref(client);
        conn->out_fd = -1;
        conn->max_response_size =
                options->max_response_size ? options->max_response_size : DEFAULT_MAX_RESPONSE_SIZE;

        r = sd_event_add_defer(client->event, &conn->failure, on_failure, conn);
        if (r < 0)
                goto fail;
        r = sd_event_source_set_enabled(conn->failure, SD_EVENT_OFF);
        if (r < 0)
                goto fail;

        conn->share = curl_share_init();
        conn->easy = curl_easy_init();
        if (!conn->share || !conn->easy) {
                r = -ENOMEM;
                goto fail;
        }
        if (curl_share_setopt(conn->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT) != CURLSHE_OK) {
                r = -ENOMEM;
                goto fail;
        }
        r = setup_easy(conn, options);
        if (r < 0)
                goto fail;

        *ret = conn;
        return 0;
fail:
        http_conn_free(conn);
        return r;
}

void http_conn_free(struct http_conn *conn)
{
        if (!conn)
                return;
        if (conn->in_multi)
                http_client_stop(conn->client, conn->easy);
        sd_event_source_disable_unref(conn->failure);
        request_reset(conn);
        /* The easy handle lets go of the share first; then the share closes the socket. */
        curl_easy_cleanup(conn->easy);
        curl_share_cleanup(conn->share);
        http_client_unref(conn->client);
        free(conn);
}

/* ---- requests ---- */

static bool header_is_valid(const char *h)
{
        return !strpbrk(h, "\r\n") && strchr(h, ':');
}

static int build_headers(const char *const *headers, struct curl_slist **ret)
{
        struct curl_slist *list = NULL, *l;
        bool has_expect = false;

        for (const char *const *h = headers; h && *h; h++) {
                if (strncasecmp(*h, "Expect:", 7) == 0)
                        has_expect = true;
                l = curl_slist_append(list, *h);
                if (!l)
                        goto oom;
                list = l;
        }
        /* No "Expect: 100-continue" round trip: ACSes answer the body directly. */
        if (!has_expect) {
                l = curl_slist_append(list, "Expect:");
                if (!l)
                        goto oom;
                list = l;
        }
        *ret = list;
        return 0;
oom:
        curl_slist_free_all(list);
        return -ENOMEM;
}

static int prepare(struct http_conn *conn, bool post, bool put, const char *body, size_t len,
                   const char *const *headers)
{
        CURLcode code;
        int r;

        r = build_headers(headers, &conn->headers);
        if (r < 0)
                return r;
        code = curl_easy_setopt(conn->easy, CURLOPT_HTTPHEADER, conn->headers);
        if (code == CURLE_OK && post) {
                /* The size first, so an empty or binary body is sent as it is. */
                code = curl_easy_setopt(conn->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
                if (code == CURLE_OK)
                        code = curl_easy_setopt(conn->easy, CURLOPT_COPYPOSTFIELDS,
                                                body ? body : "");
                if (code == CURLE_OK && put)
                        code = curl_easy_setopt(conn->easy, CURLOPT_CUSTOMREQUEST, "PUT");
        } else if (code == CURLE_OK) {
                code = curl_easy_setopt(conn->easy, CURLOPT_HTTPGET, 1L);
        }
        if (code != CURLE_OK)
                return http_error_from_setup(code);

        r = http_client_start(conn->client, conn->easy);
        if (r < 0)
                return r;
        conn->in_multi = true;
        return 0;
}

static int start(struct http_conn *conn, bool post, bool put, int out_fd, const char *body,
                 size_t len, const char *const *headers, http_done_fn done, void *userdata)
{
        int r;

        if (!conn || !done || ((post || put) && len > 0 && !body))
                return -EINVAL;
        for (const char *const *h = headers; h && *h; h++)
                if (!header_is_valid(*h))
                        return -EINVAL;
        if (conn->busy)
                return -EBUSY;

        request_reset(conn);
        conn->done = done;
        conn->userdata = userdata;
        conn->busy = true;
        conn->out_fd = out_fd;
        /* A file is written in larger pieces: fewer reads and writes, as curl(1) does. */
        if (out_fd >= 0)
                curl_easy_setopt(conn->easy, CURLOPT_BUFFERSIZE, FILE_BUFFER_SIZE);

        r = prepare(conn, post || put, put, body, len, headers);
        if (r < 0) {
                /* Accepted requests always answer through the loop. */
                conn->failure_error = r;
                r = sd_event_source_set_enabled(conn->failure, SD_EVENT_ONESHOT);
                if (r < 0) {
                        conn->busy = false;
                        conn->done = NULL;
                        conn->userdata = NULL;
                        request_reset(conn);
                        return r;
                }
        }
        return 0;
}

int http_conn_post(struct http_conn *conn, const char *body, size_t len, const char *const *headers,
                   http_done_fn done, void *userdata)
{
        return start(conn, true, false, -1, body, len, headers, done, userdata);
}

int http_conn_get(struct http_conn *conn, const char *const *headers, http_done_fn done,
                  void *userdata)
{
        return start(conn, false, false, -1, NULL, 0, headers, done, userdata);
}

int http_conn_get_to_fd(struct http_conn *conn, int fd, const char *const *headers,
                        http_done_fn done, void *userdata)
{
        if (fd < 0)
                return -EBADF;
        return start(conn, false, false, fd, NULL, 0, headers, done, userdata);
}

int http_conn_put(struct http_conn *conn, const char *body, size_t len, const char *const *headers,
                  http_done_fn done, void *userdata)
{
        return start(conn, false, true, -1, body, len, headers, done, userdata);
}
