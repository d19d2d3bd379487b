/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

/*
 * HTTP(S) client on sd-event through libcurl's multi interface: one io source per socket,
 * a one-shot timer for curl's timeouts, curl never called from inside its own callbacks,
 * curl_multi_info_read() drained after every socket action.
 *
 * A connection (struct http_conn) owns one easy handle that is reused for every request it
 * sends, so keep-alive, cookies (in memory, dropped with the connection) and the Digest
 * state carry over: a CWMP session is one http_conn. Requests on a connection run one at a
 * time. TLS verifies the chain and the host name unless told otherwise.
 */

struct http_client;
struct http_conn;

struct http_conn_options {
        const char *url;
        const char *username; /* Basic or Digest, whichever the server asks for; NULL: none */
        const char *password;
        const char *ca_file; /* NULL: the system's trust store */
        const char *ca_path;
        const char *client_cert; /* PEM; NULL: none */
        const char *client_key;
        bool insecure;               /* skip TLS verification: for tests only, logged loudly */
        uint32_t connect_timeout_ms; /* 0: 10 s */
        uint32_t timeout_ms;         /* whole request, 0: 30 s */
        size_t max_response_size;    /* 0: 4 MiB; a larger body fails the request */
        bool follow_redirects;       /* 301/302/307/308 within the connection, POST kept */
        const char *user_agent;      /* NULL: "cwmp-agent" */
};

struct http_response {
        int error; /* 0, or a negative errno: -ECONNREFUSED, -ETIMEDOUT, -EHOSTUNREACH,
                    * -EPROTO (TLS / HTTP protocol), -EACCES (TLS verification),
                    * -EFBIG (response too large), -ECANCELED ... */
        const char *error_message; /* curl's text when error != 0 */
        long status;               /* HTTP status, 0 when no response */
        const char *body;          /* NUL-terminated */
        size_t body_len;
        const char *content_type;  /* or NULL */
        const char *effective_url; /* after redirects */
};

typedef void (*http_done_fn)(struct http_conn *conn, const struct http_response *response,
                             void *userdata);

int http_client_new(sd_event *event, struct http_client **ret);
void http_client_free(struct http_client *client);

/* Copies the options. */
int http_conn_new(struct http_client *client, const struct http_conn_options *options,
                  struct http_conn **ret);
/* Cancels a request in flight (its callback is not called) and closes the connection. */
void http_conn_free(struct http_conn *conn);

/*
 * POSTs body (len 0: an empty POST with Content-Length: 0) with extra header lines
 * ("SOAPAction:", NULL-terminated list, may be NULL). -EBUSY if a request is in flight.
 * `done` runs from the event loop, never from inside this call.
 */
int http_conn_post(struct http_conn *conn, const char *body, size_t len, const char *const *headers,
                   http_done_fn done, void *userdata);
/* GET, for file transfers and diagnostics. */
int http_conn_get(struct http_conn *conn, const char *const *headers, http_done_fn done,
                  void *userdata);

/*
 * GET with the body streamed to `fd` rather than kept in memory, for file downloads: the
 * response's body is "" and body_len the number of bytes written. A new response on the
 * way (an authentication round, a redirect) starts the file over. max_response_size bounds
 * what is written (-EFBIG beyond); a failed write fails the request with -EIO. The body is
 * read in 128 KiB pieces. The caller keeps `fd` open until done runs.
 */
int http_conn_get_to_fd(struct http_conn *conn, int fd, const char *const *headers,
                        http_done_fn done, void *userdata);
/* PUT of body, for file uploads; otherwise as http_conn_post. */
int http_conn_put(struct http_conn *conn, const char *body, size_t len, const char *const *headers,
                  http_done_fn done, void *userdata);
