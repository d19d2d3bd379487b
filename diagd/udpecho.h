/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

/* The UDP echo client of UDPEchoDiagnostics (TR-143 Annex A) on sd-event: NumberOfRepetitions
 * datagrams of DataBlockSize bytes, one every InterTransmissionTime, each answered or lost
 * after Timeout. Each carries its number (TestGenSN, from 1) in its first bytes, in the UDP
 * Echo Plus header when it is long enough for one (20 bytes), so that a late or reordered
 * reply is told apart. */

#define UDPECHO_MAX_REPETITIONS 1000

enum udpecho_status {
        UDPECHO_COMPLETE,
        UDPECHO_CANNOT_RESOLVE, /* Host has no address of the wanted family */
        UDPECHO_NO_ROUTE,
        UDPECHO_INTERNAL,
};

struct udpecho_params {
        const char *host; /* an IPv4 or IPv6 address, or a host name */
        uint16_t port;
        int family;            /* AF_UNSPEC (Any), AF_INET, AF_INET6 */
        const char *interface; /* the Linux interface to send through, NULL or "": the route's */
        uint32_t repetitions;
        uint32_t timeout_ms;
        uint32_t data_size;
        uint32_t dscp;
        uint32_t inter_ms; /* 0: the next datagram once the last was answered or lost */
};

struct udpecho_packet {
        bool success;
        uint64_t send_us, receive_us; /* CLOCK_REALTIME, receive_us 0 when lost */
        uint32_t gen_sn;
        uint32_t resp_sn, resp_recv_ts, resp_reply_ts, resp_failures; /* Echo Plus, else 0 */
};

struct udpecho_result {
        enum udpecho_status status;
        char address_used[46];
        uint32_t successes, failures;
        uint64_t min_us, max_us, avg_us;
        uint32_t n_packets;
        struct udpecho_packet *packets; /* one per repetition sent */
};

typedef struct udpecho udpecho;
typedef void (*udpecho_done_fn)(const struct udpecho_result *result, void *userdata);

/* `done` is called once, from the event loop (never from udpecho_start). */
int udpecho_start(sd_event *event, const struct udpecho_params *params, udpecho_done_fn done,
                  void *userdata, udpecho **ret);
/* Cancels a test that runs (its callback is not called) and frees it. */
void udpecho_free(udpecho *u);
