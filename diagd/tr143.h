/* SPDX-License-Identifier: MIT */
#pragma once

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

/*
 * TR-143 HTTP download and upload tests: NumberOfConnections HTTP/1.1 connections in
 * parallel on non-blocking sockets on sd-event. A download reads the body and throws it
 * away; an upload sends zeros from one small buffer. The times are taken where TR-143 puts
 * them: the SYN (just before connect()), its answer (the handshake RTT the kernel measured),
 * the request (the send of its first byte) and the first and last packets of the
 * transfer (the kernel's receive time stamps, SO_TIMESTAMPNS).
 */

#define TR143_MAX_CONNECTIONS 8
#define TR143_MAX_INCREMENTAL 100

enum tr143_direction { TR143_DOWNLOAD, TR143_UPLOAD };

enum tr143_status {
        TR143_COMPLETE,
        TR143_CANNOT_RESOLVE,
        TR143_NO_ROUTE,
        TR143_INIT_CONNECTION_FAILED, /* refused, or no answer to the SYN in time */
        TR143_NO_RESPONSE,            /* connected, but no response came */
        TR143_TRANSFER_FAILED,        /* download: an error status, a broken transfer */
        TR143_INCORRECT_SIZE,         /* download: the body ended before its length */
        TR143_NO_TRANSFER_COMPLETE,   /* upload: the server did not confirm the transfer */
        TR143_TIMEOUT,                /* the test took longer than its limit */
        TR143_INTERNAL,
};

struct tr143_params {
        enum tr143_direction direction;
        const char *url;          /* http://host[:port]/path */
        const char *ifname;       /* the device to bind to; NULL or "": the route decides */
        int family;               /* AF_UNSPEC, AF_INET, AF_INET6 */
        uint32_t dscp;            /* 0..63 */
        uint32_t connections;     /* 1..TR143_MAX_CONNECTIONS */
        uint64_t upload_length;   /* bytes each upload connection sends (file based test) */
        uint32_t duration_s;      /* > 0: a time based test of that many seconds */
        uint32_t interval_s;      /* > 0 (time based only): IncrementalResult every interval */
        uint32_t offset_s;        /* ... starting that long after BOMTime */
        uint32_t idle_timeout_ms; /* nothing sent or received for that long; 0: 10 s */
        uint32_t test_timeout_ms; /* the whole test; 0: 1 hour */
};

/* Times are CLOCK_REALTIME in microseconds, 0 when unknown. */
struct tr143_times {
        uint64_t tcp_open_request, tcp_open_response, rom, bom, eom;
};

struct tr143_connection_result {
        struct tr143_times t;
        uint64_t test_bytes;         /* received (download) or sent (upload), heads included */
        uint64_t total_rx, total_tx; /* the device's counters between its BOM and EOM */
};

struct tr143_incremental_result {
        uint64_t start, end;
        uint64_t test_bytes, total_rx, total_tx;
};

struct tr143_result {
        enum tr143_status status;
        char address_used[46];
        char ifname[IF_NAMESIZE]; /* the device measured, "" if none */
        struct tr143_times t;     /* earliest ROM, BOM; latest EOM, TCP open times */
        uint64_t test_bytes, total_rx, total_tx;
        /* between the latest BOM and the earliest EOM of the connections */
        uint64_t full_test_bytes, full_total_rx, full_total_tx, full_period_us;
        uint32_t n_connections;
        struct tr143_connection_result connection[TR143_MAX_CONNECTIONS];
        uint32_t n_incremental;
        struct tr143_incremental_result incremental[TR143_MAX_INCREMENTAL];
};

typedef struct tr143 tr143;
typedef void (*tr143_done_fn)(const struct tr143_result *result, void *userdata);

/* Starts a test; `done` is called once, from the event loop (never from tr143_start). */
int tr143_start(sd_event *event, const struct tr143_params *params, tr143_done_fn done,
                void *userdata, tr143 **ret);
/* Stops a test (its callback is not called) and frees it. */
void tr143_free(tr143 *t);

const char *tr143_status_name(enum tr143_direction direction, enum tr143_status status);
