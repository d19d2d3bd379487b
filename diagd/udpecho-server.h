/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

/* The UDP echo responder of Device.IP.Diagnostics.UDPEchoConfig.: RFC 862 echo, and the
 * UDP Echo Plus of TR-143 Annex A for packets long enough to carry its header, on sd-event.
 * One socket for IPv4 and IPv6 (an IPv6 socket that takes IPv4 too, or IPv4 alone where
 * the system has no IPv6). Each reply leaves from the address the request came to. */

#define UDPECHO_PLUS_HEADER_SIZE 20 /* TestGenSN, TestRespSN, two time stamps, failures */

/* Kept by the owner: a change of settings restarts the responder, not the counters. The
 * 32-bit counters wrap as TR-181's unsignedInt does. */
struct udpecho_counters {
        uint32_t packets_received, packets_responded;
        uint32_t bytes_received, bytes_responded; /* with the 8 bytes of the UDP header */
        uint64_t first_us, last_us;               /* CLOCK_REALTIME, 0: no packet yet */
        uint32_t plus_sn;                         /* the next TestRespSN */
        uint32_t plus_failures;                   /* TestRespReplyFailureCount */
};

struct udpecho_server_config {
        uint16_t port;
        const char *ifname; /* NULL or "": every interface */
        const char *source; /* only packets from this address; NULL or "": any */
        bool echo_plus;
};

typedef struct udpecho_server udpecho_server;

/* Listens at once: -EADDRINUSE, -EACCES, -ENODEV ... when it cannot, -EINVAL for a source
 * that is not an address. */
int udpecho_server_new(sd_event *event, const struct udpecho_server_config *cfg,
                       struct udpecho_counters *counters, udpecho_server **ret);
void udpecho_server_free(udpecho_server *s);

/* Fills the Echo Plus header of a reply (TR-143 A.1.4): TestGenSN is the client's. */
void udpecho_plus_reply(uint8_t *packet, uint32_t resp_sn, uint32_t recv_ts, uint32_t reply_ts,
                        uint32_t failures);
