/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdint.h>
#include <systemd/sd-event.h>

/* ServerSelectionDiagnostics: each host of the list is probed in turn, NumberOfRepetitions
 * times, with ICMP echo (ping.c) or UDP echo (udpecho.c); the host with the smallest
 * average response time wins. */

#define SERVER_SELECTION_MAX_HOSTS 10
#define SERVER_SELECTION_UDP_PORT  7 /* RFC 862 */

enum server_selection_status {
        SERVER_SELECTION_COMPLETE,
        SERVER_SELECTION_CANNOT_RESOLVE, /* no host of the list has an address to probe */
        SERVER_SELECTION_INTERNAL,
};

enum server_selection_protocol { SERVER_SELECTION_ICMP, SERVER_SELECTION_UDP_ECHO };

struct server_selection_params {
        /* names or addresses; for UDP echo "host:port" or "[v6]:port" pick another port */
        const char *const *hosts;
        size_t n_hosts;
        enum server_selection_protocol protocol;
        int family;            /* AF_UNSPEC (Any), AF_INET, AF_INET6 */
        const char *interface; /* the Linux interface to send through, NULL or "": the route's */
        uint32_t repetitions;
        uint32_t timeout_ms;
};

struct server_selection_result {
        enum server_selection_status status;
        char fastest[257]; /* the entry of the list, "" when no host answered */
        char address_used[46];
        uint64_t min_us, avg_us, max_us;
};

typedef struct server_selection server_selection;
typedef void (*server_selection_done_fn)(const struct server_selection_result *result,
                                         void *userdata);

/* `done` is called once, from the event loop (never from server_selection_start). */
int server_selection_start(sd_event *event, const struct server_selection_params *params,
                           server_selection_done_fn done, void *userdata, server_selection **ret);
/* Cancels a test that runs (its callback is not called) and frees it. */
void server_selection_free(server_selection *s);
