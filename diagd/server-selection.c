/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "ping.h"
#include "server-selection.h"
#include "types.h"
#include "udpecho.h"
#include "util.h"

#define UDP_DATA_SIZE  24 /* UDPEchoDiagnostics' default DataBlockSize */
#define ICMP_DATA_SIZE 56

struct server_selection {
        sd_event *event;
        struct server_selection_params params;
        struct strv hosts;
        char *interface;
        server_selection_done_fn done;
        void *userdata;
        size_t current;
        bool any_resolved;
        bool internal;
        ping *ping;
        udpecho *udp;
        sd_event_source *next;
        struct server_selection_result result;
};

void server_selection_free(server_selection *s)
{
        if (!s)
                return;
        ping_free(s->ping);
        udpecho_free(s->udp);
        sd_event_source_disable_unref(s->next);
        sd_event_unref(s->event);
        strv_done(&s->hosts);
        free(s->interface);
        free(s);
}

/* "host:port" or "[v6]:port" into host and port; a bare name or address keeps port 7. */
static int split_port(const char *entry, char *host, size_t size, uint16_t *port)
{
        const char *colon = strrchr(entry, ':'), *end;
        uint32_t p;

        *port = SERVER_SELECTION_UDP_PORT;
        if (entry[0] == '[') {
                end = strchr(entry, ']');
                if (!end || (end[1] && end[1] != ':'))
                        return -EINVAL;
                colon = end[1] ? end + 1 : NULL;
                entry++;
        } else if (colon && strchr(entry, ':') != colon) {
                colon = NULL; /* a bare IPv6 address */
                end = entry + strlen(entry);
        } else
                end = colon ? colon : entry + strlen(entry);
        if (colon && (cw_parse_uint32(colon + 1, &p) < 0 || p == 0 || p > 65535))
                return -EINVAL;
        if (colon)
                *port = (uint16_t)p;
        if ((size_t)(end - entry) >= size)
                return -EINVAL;
        memcpy(host, entry, (size_t)(end - entry));
        host[end - entry] = '\0';
        return 0;
}

/* One host's answers: it wins when its average is the smallest so far. */
static void host_done(server_selection *s, bool resolved, bool internal, uint32_t successes,
                      uint64_t min_us, uint64_t avg_us, uint64_t max_us, const char *address)
{
        struct server_selection_result *res = &s->result;
        const char *entry = s->hosts.v[s->current];

        s->any_resolved = s->any_resolved || resolved;
        s->internal = s->internal || internal;
        log_debug("Server selection: %s answered %u times, average %llu us", entry, successes,
                  (unsigned long long)avg_us);
        if (successes > 0 && (!res->fastest[0] || avg_us < res->avg_us)) {
                snprintf(res->fastest, sizeof(res->fastest), "%s", entry);
                snprintf(res->address_used, sizeof(res->address_used), "%s", address);
                res->min_us = min_us;
                res->avg_us = avg_us;
                res->max_us = max_us;
        }
        s->current++;
        /* the next host starts from its own event: the engine that called us is freed there */
        if (sd_event_source_set_enabled(s->next, SD_EVENT_ONESHOT) < 0) {
                s->internal = true;
                s->current = s->hosts.n;
        }
}

static void on_ping_done(const struct ping_result *r, void *userdata)
{
        host_done(userdata, r->status != PING_CANNOT_RESOLVE, r->status == PING_INTERNAL,
                  r->successes, r->min_us, r->avg_us, r->max_us, r->address_used);
}

static void on_udpecho_done(const struct udpecho_result *r, void *userdata)
{
        host_done(userdata, r->status != UDPECHO_CANNOT_RESOLVE, r->status == UDPECHO_INTERNAL,
                  r->successes, r->min_us, r->avg_us, r->max_us, r->address_used);
}

static int on_next(sd_event_source *es, void *userdata)
{
        server_selection *s = userdata;
        char host[257];
        uint16_t port;
        int r;

        ping_free(TAKE_PTR(s->ping));
        udpecho_free(TAKE_PTR(s->udp));
        if (s->current >= s->hosts.n) {
                struct server_selection_result *res = &s->result;
                res->status = res->fastest[0] || s->any_resolved ? SERVER_SELECTION_COMPLETE
                              : s->internal                      ? SERVER_SELECTION_INTERNAL
                                                                 : SERVER_SELECTION_CANNOT_RESOLVE;
                s->done(res, s->userdata);
                return 0;
        }
        const char *entry = s->hosts.v[s->current];
        if (s->params.protocol == SERVER_SELECTION_ICMP) {
                struct ping_params p = {
                        .host = entry,
                        .family = s->params.family,
                        .interface = s->interface,
                        .repetitions = s->params.repetitions,
                        .timeout_ms = s->params.timeout_ms,
                        .data_size = ICMP_DATA_SIZE,
                };
                r = ping_start(s->event, &p, on_ping_done, s, &s->ping);
        } else if (split_port(entry, host, sizeof(host), &port) < 0) {
                r = 0;
                host_done(s, false, false, 0, 0, 0, 0, "");
        } else {
                struct udpecho_params p = {
                        .host = host,
                        .port = port,
                        .family = s->params.family,
                        .interface = s->interface,
                        .repetitions = s->params.repetitions,
                        .timeout_ms = s->params.timeout_ms,
                        .data_size = UDP_DATA_SIZE,
                };
                r = udpecho_start(s->event, &p, on_udpecho_done, s, &s->udp);
        }
        if (r < 0) {
                log_debug_errno(r, "Cannot probe %s: %m", entry);
                host_done(s, false, true, 0, 0, 0, 0, "");
        }
        return 0;
}

int server_selection_start(sd_event *event, const struct server_selection_params *params,
                           server_selection_done_fn done, void *userdata, server_selection **ret)
{
        server_selection *s;
        int r = 0;

        if (!event || !params || !done || !ret || params->n_hosts > SERVER_SELECTION_MAX_HOSTS ||
            params->repetitions == 0 || params->repetitions > UDPECHO_MAX_REPETITIONS)
                return -EINVAL;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->event = sd_event_ref(event);
        s->params = *params;
        s->done = done;
        s->userdata = userdata;
        for (size_t i = 0; r >= 0 && i < params->n_hosts; i++)
                r = strv_push(&s->hosts, params->hosts[i]);
        if (r >= 0 && params->interface && !(s->interface = strdup(params->interface)))
                r = -ENOMEM;
        if (r >= 0)
                r = sd_event_add_defer(event, &s->next, on_next, s);
        if (r >= 0)
                r = sd_event_source_set_enabled(s->next, SD_EVENT_ONESHOT);
        if (r < 0) {
                server_selection_free(s);
                return r;
        }
        s->params.hosts = NULL;
        s->params.interface = s->interface;
        *ret = s;
        return 0;
}
