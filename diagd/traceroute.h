/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdint.h>
#include <sys/socket.h>
#include <systemd/sd-event.h>

/* TraceRoute: ICMP echo requests with a growing hop limit on a raw socket, or on the
 * unprivileged ping socket without CAP_NET_RAW, on sd-event. Each hop is tried NumberOfTries times,
 * one request at a time; the hop that answers with an echo reply (or a destination unreachable)
 * ends the route. */

#define TRACEROUTE_MAX_HOPS  64
#define TRACEROUTE_MAX_TRIES 3

enum traceroute_status {
        TRACEROUTE_COMPLETE,
        TRACEROUTE_CANNOT_RESOLVE, /* Host has no address of the wanted family */
        TRACEROUTE_NO_ROUTE,
        TRACEROUTE_MAX_HOPS_EXCEEDED,
        TRACEROUTE_INTERNAL,
};

struct traceroute_params {
        const char *host;      /* an IPv4 or IPv6 address, or a host name */
        int family;            /* AF_UNSPEC (Any), AF_INET, AF_INET6 */
        const char *interface; /* the Linux interface to send through, NULL or "": the route's */
        uint32_t tries;
        uint32_t timeout_ms;
        uint32_t data_size;
        uint32_t dscp;
        uint32_t max_hops;
};

struct traceroute_hop {
        char address[46];    /* "" when no try was answered */
        uint32_t error_code; /* the ICMP code of an unreachable, else 0 */
        uint32_t n_rtts;     /* answered tries */
        uint32_t rtt_ms[TRACEROUTE_MAX_TRIES];
};

struct traceroute_result {
        enum traceroute_status status;
        char address_used[46];
        uint32_t response_ms; /* average of the last hop's answered tries */
        uint32_t n_hops;
        struct traceroute_hop hops[TRACEROUTE_MAX_HOPS];
};

typedef struct traceroute traceroute;
typedef void (*traceroute_done_fn)(const struct traceroute_result *result, void *userdata);

/* Starts a trace; `done` is called once, from the event loop (never from
 * traceroute_start). */
int traceroute_start(sd_event *event, const struct traceroute_params *params,
                     traceroute_done_fn done, void *userdata, traceroute **ret);
/* Cancels a trace that runs (its callback is not called) and frees it. */
void traceroute_free(traceroute *t);
