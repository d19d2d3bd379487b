/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdint.h>
#include <sys/socket.h>
#include <systemd/sd-event.h>

/* IPPing: ICMP echo requests one after the other, each with its own timeout, on sd-event.
 * A raw socket when the process may open one, else the unprivileged ping socket. */

enum ping_status {
        PING_COMPLETE,
        PING_CANNOT_RESOLVE, /* Host has no address of the wanted family */
        PING_NO_ROUTE,
        PING_INTERNAL,
};

struct ping_params {
        const char *host;      /* an IPv4 or IPv6 address, or a host name */
        int family;            /* AF_UNSPEC (Any), AF_INET, AF_INET6 */
        const char *interface; /* the Linux interface to send through, NULL or "": the route's */
        uint32_t repetitions;
        uint32_t timeout_ms;
        uint32_t data_size;
        uint32_t dscp;
};

struct ping_result {
        enum ping_status status;
        char address_used[46]; /* the source address, "" if none */
        uint32_t successes, failures;
        uint64_t min_us, max_us, avg_us;
};

typedef struct ping ping;
typedef void (*ping_done_fn)(const struct ping_result *result, void *userdata);

/* Starts a test; `done` is called once, from the event loop (never from ping_start). */
int ping_start(sd_event *event, const struct ping_params *params, ping_done_fn done, void *userdata,
               ping **ret);
/* Cancels a test that runs (its callback is not called) and frees it. */
void ping_free(ping *p);
