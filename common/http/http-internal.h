/* SPDX-License-Identifier: MIT */
#pragma once

#include <curl/curl.h>
#include <systemd/sd-event.h>

#include "http-client.h"

/*
 * The client is referenced by its owner and by every connection, so a connection may
 * outlive http_client_free() and a completion callback may free either without pulling
 * the multi handle from under the loop that is draining it.
 */
struct http_client {
        unsigned n_ref;
        sd_event *event;
        CURLM *multi;
        sd_event_source *timer; /* one-shot, armed by curl's timer callback */
        struct http_socket *sockets;
};

struct http_client *http_client_ref(struct http_client *client);
void http_client_unref(struct http_client *client);

/* Hand an easy handle to the multi handle, or take it back (no completion follows). */
int http_client_start(struct http_client *client, CURL *easy);
void http_client_stop(struct http_client *client, CURL *easy);

/* Called by the client once the transfer has ended and the handle is out of the multi. */
void http_conn_finished(struct http_conn *conn, CURLcode code);

/* Maps a transfer's result to a negative errno; os_errno is CURLINFO_OS_ERRNO. */
int http_error_from_curl(CURLcode code, long os_errno);
/* Maps a setopt / multi failure (no transfer involved) to a negative errno. */
int http_error_from_setup(CURLcode code);
int http_error_from_multi(CURLMcode code);
