/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

/*
 * Connection requests (TR-069 3.2.2, TR-111 Part 2): the ways an ACS asks the CPE to open
 * a session now. Each listener checks the request and, when it is genuine, calls
 * on_request; cwmpd then queues "6 CONNECTION REQUEST" and starts a session (or starts one
 * right after the session in progress).
 */

typedef void (*conreq_fn)(void *userdata);

/* Credentials are read at every request, so changes of ConnectionRequestUsername /
 * Password take effect at once. */
typedef int (*conreq_credentials_fn)(void *userdata, const char **username, const char **password);

/* ---- HTTP --------------------------------------------------------------------------- */

struct conreq_http;

struct conreq_http_options {
        const char *address; /* listen address, "0.0.0.0", "::" or one of the box's */
        uint16_t port;       /* 0: any free port (tests); conreq_http_port() tells which */
        const char *path;    /* "/" + something hard to guess */
        uint32_t throttle_interval_ms; /* minimum time between two accepted requests */
        uint32_t throttle_burst;       /* accepted requests allowed back to back */
};

/* Serves GET on path with Digest authentication (RFC 2617, MD5, qop=auth; fresh nonces,
 * a nonce count that goes down or repeats is refused): 200 and on_request when
 * authenticated, 401 with a challenge otherwise, 503 (without Retry-After, as TR-069 3.2.2 asks)
 * while throttled, 404 for another path, 405 for another method, 400 for malformed requests. An
 * empty ConnectionRequestUsername accepts requests without authentication (TR-069 allows it). */
int conreq_http_new(sd_event *event, const struct conreq_http_options *options,
                    conreq_credentials_fn credentials, conreq_fn on_request, void *userdata,
                    struct conreq_http **ret);
void conreq_http_free(struct conreq_http *c);
uint16_t conreq_http_port(const struct conreq_http *c);

/* The HTTP request parser, exposed for fuzzing and unit tests: parses one request head
 * (up to and including the empty line) of at most 8 KiB. */
struct conreq_http_request {
        char method[16];
        char path[256];
        char authorization[1024]; /* the Authorization header's value, or "" */
};
/* Returns the number of bytes consumed (> 0), 0 if more data is needed, -EBADMSG for a
 * malformed or oversized request. */
int conreq_http_parse(const char *data, size_t len, struct conreq_http_request *ret);

/* ---- UDP (TR-111 Part 2) and STUN --------------------------------------------------- */

struct conreq_udp;

struct conreq_udp_options {
        const char *address;       /* listen address */
        uint16_t port;             /* 0: any free port; conreq_udp_port() tells which */
        uint32_t max_clock_skew_s; /* timestamps further from now are ignored (default 300) */
        /* STUN (RFC 3489/5389 binding requests with TR-111's CONNECTION-REQUEST-BINDING
         * and BINDING-CHANGE attributes); disabled when server is NULL */
        const char *stun_server;
        uint16_t stun_port;
        const char *stun_username;
        const char *stun_password;
        uint32_t stun_min_keepalive_s, stun_max_keepalive_s;
};

/* Called when STUN learns (or changes) the public address: "ip:port". */
typedef void (*conreq_udp_address_fn)(void *userdata, const char *address, bool nat_detected);

/* Accepts "GET http://host:port?ts=..&id=..&un=..&cn=..&sig=.. HTTP/1.1" datagrams: ts
 * within max_clock_skew_s of now, id newer than the last accepted one (replays ignored), un
 * equal to the username, sig = HMAC-SHA1(password, ts id un cn) in hex. Anything else is
 * ignored silently, as TR-111 asks. */
int conreq_udp_new(sd_event *event, const struct conreq_udp_options *options,
                   conreq_credentials_fn credentials, conreq_fn on_request,
                   conreq_udp_address_fn on_address, void *userdata, struct conreq_udp **ret);
void conreq_udp_free(struct conreq_udp *c);
uint16_t conreq_udp_port(const struct conreq_udp *c);

/* The datagram parser, exposed for fuzzing and unit tests. */
struct conreq_udp_message {
        uint64_t ts;
        uint64_t id;
        char un[257];
        char cn[257];
        char sig[41];
};
int conreq_udp_parse(const char *data, size_t len, struct conreq_udp_message *ret);
/* 0 if the message's signature is right for password. */
int conreq_udp_verify(const struct conreq_udp_message *m, const char *password);
