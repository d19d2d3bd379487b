/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>

#include "http-internal.h"
#include "log.h"

/*
 * libcurl's multi interface on sd-event.
 *
 * curl tells us what to watch through two callbacks: the socket callback (one io source
 * per socket, kept with curl_multi_assign) and the timer callback (one one-shot timer).
 * Both only touch sd-event sources; libcurl itself is driven from the sources' handlers,
 * outside any curl callback, and every socket action is followed by reading all finished
 * transfers.
 */

/* 1 ms: sd-event would otherwise coalesce curl's timeouts to 250 ms. */
#define TIMER_ACCURACY_USEC 1000ULL

struct http_socket {
        struct http_socket *prev, *next;
        struct http_client *client;
        curl_socket_t fd;
        sd_event_source *source;
};

struct http_client *http_client_ref(struct http_client *client)
{
        client->n_ref++;
        return client;
}

static void http_socket_free(struct http_socket *s)
{
        if (!s)
                return;
        if (s->prev)
                s->prev->next = s->next;
        else
                s->client->sockets = s->next;
        if (s->next)
                s->next->prev = s->prev;
        sd_event_source_disable_unref(s->source);
        free(s);
}

void http_client_unref(struct http_client *client)
{
        if (!client || --client->n_ref > 0)
                return;
        /* Every connection holds a reference, so no easy handle is left in the multi. */
        if (client->multi)
                curl_multi_cleanup(client->multi);
        while (client->sockets)
                http_socket_free(client->sockets);
        sd_event_source_disable_unref(client->timer);
        sd_event_unref(client->event);
        curl_global_cleanup();
        free(client);
}

/* ---- driving curl: only from event sources ---- */

/* Hands every finished transfer to its connection. A completion callback may start the
 * next request or free connections; curl drops the messages of handles removed meanwhile. */
static void drain_finished(struct http_client *client)
{
        CURLMsg *msg;
        int left;

        while ((msg = curl_multi_info_read(client->multi, &left))) {
                struct http_conn *conn = NULL;
                CURL *easy = msg->easy_handle;
                CURLcode code = msg->data.result;

                if (msg->msg != CURLMSG_DONE)
                        continue;
                curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&conn);
                curl_multi_remove_handle(client->multi, easy);
                if (conn)
                        http_conn_finished(conn, code);
        }
}

static void socket_action(struct http_client *client, curl_socket_t fd, int flags)
{
        int running;
        CURLMcode mc;

        /* A completion callback may drop the last outside reference. */
        http_client_ref(client);
        mc = curl_multi_socket_action(client->multi, fd, flags, &running);
        if (mc != CURLM_OK)
                log_debug("curl_multi_socket_action() failed: %s", curl_multi_strerror(mc));
        drain_finished(client);
        http_client_unref(client);
}

static int on_socket_io(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
        struct http_socket *s = userdata;
        int flags = 0;

        if (revents & EPOLLIN)
                flags |= CURL_CSELECT_IN;
        if (revents & EPOLLOUT)
                flags |= CURL_CSELECT_OUT;
        if (revents & (EPOLLERR | EPOLLHUP))
                flags |= CURL_CSELECT_ERR;
        /* s may be freed by curl's socket callback during the action. */
        socket_action(s->client, fd, flags);
        return 0;
}

static int on_timer(sd_event_source *source, uint64_t usec, void *userdata)
{
        socket_action(userdata, CURL_SOCKET_TIMEOUT, 0);
        return 0;
}

/* ---- curl's callbacks: event sources only, no libcurl calls but curl_multi_assign ---- */

static int watch_socket(struct http_client *client, curl_socket_t fd, uint32_t events,
                        struct http_socket *s)
{
        int r;

        if (s) {
                if (events == 0)
                        return sd_event_source_set_enabled(s->source, SD_EVENT_OFF);
                r = sd_event_source_set_io_events(s->source, events);
                if (r < 0)
                        return r;
                return sd_event_source_set_enabled(s->source, SD_EVENT_ON);
        }

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->client = client;
        s->fd = fd;
        r = sd_event_add_io(client->event, &s->source, fd, events, on_socket_io, s);
        if (r < 0) {
                free(s);
                return r;
        }
        if (events == 0)
                (void)sd_event_source_set_enabled(s->source, SD_EVENT_OFF);
        s->next = client->sockets;
        if (s->next)
                s->next->prev = s;
        client->sockets = s;
        if (curl_multi_assign(client->multi, fd, s) != CURLM_OK) {
                http_socket_free(s);
                return -EINVAL;
        }
        return 0;
}

static int on_curl_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
        struct http_client *client = userp;
        uint32_t events = 0;
        int r;

        if (what == CURL_POLL_REMOVE) {
                http_socket_free(socketp);
                return 0;
        }
        if (what & CURL_POLL_IN)
                events |= EPOLLIN;
        if (what & CURL_POLL_OUT)
                events |= EPOLLOUT;
        r = watch_socket(client, fd, events, socketp);
        if (r < 0) {
                log_debug_errno(r, "Cannot watch socket %d: %m", (int)fd);
                return -1;
        }
        return 0;
}

static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
        struct http_client *client = userp;
        int r;

        if (timeout_ms < 0)
                return sd_event_source_set_enabled(client->timer, SD_EVENT_OFF) < 0 ? -1 : 0;
        /* "now" must not wait for the timer's coalescing window */
        r = sd_event_source_set_time_accuracy(client->timer,
                                              timeout_ms == 0 ? 1 : TIMER_ACCURACY_USEC);
        if (r >= 0)
                r = sd_event_source_set_time_relative(client->timer, (uint64_t)timeout_ms * 1000);
        if (r >= 0)
                r = sd_event_source_set_enabled(client->timer, SD_EVENT_ONESHOT);
        if (r < 0) {
                log_debug_errno(r, "Cannot arm the curl timer: %m");
                return -1;
        }
        return 0;
}

/* ---- the client ---- */

int http_client_start(struct http_client *client, CURL *easy)
{
        return http_error_from_multi(curl_multi_add_handle(client->multi, easy));
}

void http_client_stop(struct http_client *client, CURL *easy)
{
        curl_multi_remove_handle(client->multi, easy);
}

int http_client_new(sd_event *event, struct http_client **ret)
{
        struct http_client *client;
        CURLcode code;
        int r;

        if (!event || !ret)
                return -EINVAL;

        code = curl_global_init(CURL_GLOBAL_DEFAULT);
        if (code != CURLE_OK)
                return http_error_from_setup(code);
        client = calloc(1, sizeof(*client));
        if (!client) {
                curl_global_cleanup();
                return -ENOMEM;
        }
        client->n_ref = 1;
        client->event = sd_event_ref(event);

        r = sd_event_add_time(event, &client->timer, CLOCK_MONOTONIC, 0, TIMER_ACCURACY_USEC,
                              on_timer, client);
        if (r < 0)
                goto fail;
        r = sd_event_source_set_enabled(client->timer, SD_EVENT_OFF);
        if (r < 0)
                goto fail;

        client->multi = curl_multi_init();
        if (!client->multi) {
                r = -ENOMEM;
                goto fail;
        }
        if (curl_multi_setopt(client->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket) ||
            curl_multi_setopt(client->multi, CURLMOPT_SOCKETDATA, client) ||
            curl_multi_setopt(client->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer) ||
            curl_multi_setopt(client->multi, CURLMOPT_TIMERDATA, client)) {
                r = -EINVAL;
                goto fail;
        }

        *ret = client;
        return 0;
fail:
        http_client_unref(client);
        return r;
}

void http_client_free(struct http_client *client)
{
        http_client_unref(client);
}
