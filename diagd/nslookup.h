/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdint.h>
#include <systemd/sd-event.h>

#include "dns.h"

/* NSLookupDiagnostics: each repetition sends an A and an AAAA query over UDP to one server
 * and waits for both answers, up to the timeout. */

enum nslookup_status {
        NSLOOKUP_COMPLETE,
        NSLOOKUP_SERVER_NOT_RESOLVED, /* DNSServer is not a numeric address, or none known */
        NSLOOKUP_INTERNAL,
        NSLOOKUP_OTHER, /* HostName is not a valid name */
};

enum nslookup_result_status {
        NSLOOKUP_SUCCESS,
        NSLOOKUP_SERVER_NOT_AVAILABLE,
        NSLOOKUP_NOT_RESOLVED,
        NSLOOKUP_TIMEOUT,
        NSLOOKUP_ERROR_OTHER,
};

#define NSLOOKUP_MAX_REPETITIONS 32

struct nslookup_params {
        const char *host_name;
        const char *server;      /* numeric; "" or NULL: the first nameserver of resolv_conf */
        const char *resolv_conf; /* NULL: /etc/resolv.conf */
        const char *interface;   /* the Linux interface to send through, NULL or "": the route's */
        uint32_t repetitions;
        uint32_t timeout_ms;
};

struct nslookup_repetition {
        enum nslookup_result_status status;
        bool authoritative;
        char host_name_returned[DNS_NAME_MAX + 1];
        size_t n_addresses;
        char addresses[DNS_MAX_ADDRESSES][DNS_ADDRESS_MAX];
        char server_ip[DNS_ADDRESS_MAX];
        uint32_t response_ms;
};

struct nslookup_result {
        enum nslookup_status status;
        uint32_t success_count;
        size_t n_results;
        struct nslookup_repetition results[NSLOOKUP_MAX_REPETITIONS];
};

typedef struct nslookup nslookup;
typedef void (*nslookup_done_fn)(const struct nslookup_result *result, void *userdata);

/* The names of the result statuses, as TR-181 writes them. */
const char *nslookup_result_status_to_string(enum nslookup_result_status s);

/* Reads the first nameserver line of a resolv.conf into buf. -ENOENT if there is none. */
int nslookup_first_nameserver(const char *resolv_conf, char *buf, size_t size);

/* Starts a lookup; `done` is called once, from the event loop. */
int nslookup_start(sd_event *event, const struct nslookup_params *params, nslookup_done_fn done,
                   void *userdata, nslookup **ret);
/* Cancels a lookup that runs (its callback is not called) and frees it. */
void nslookup_free(nslookup *n);
