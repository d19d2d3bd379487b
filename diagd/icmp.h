/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What IPPing and TraceRoute share: the ICMP socket, echo requests and the clock they time
 * them by. */

#define ICMP_HEADER_SIZE 8

/* CLOCK_MONOTONIC in microseconds. */
uint64_t icmp_now_us(void);
/* Fills packet (len >= ICMP_HEADER_SIZE) with an echo request of the family (AF_INET or
 * AF_INET6), a patterned payload and, for IPv4, the checksum (the kernel sums ICMPv6). */
void icmp_build_echo(uint8_t *packet, size_t len, int family, uint16_t ident, uint16_t seq);
/* Opens a non-blocking ICMP socket of the family: raw when the process may (CAP_NET_RAW),
 * else the unprivileged ping socket (SOCK_DGRAM, allowed by net.ipv4.ping_group_range),
 * whose kernel rewrites the echo identifier and hands over the ICMP message without the IP
 * header. Sets the traffic class of dscp and binds the socket to ifname unless it is NULL
 * or empty. Returns the descriptor (and *raw) or a negative errno. */
int icmp_open(int family, uint32_t dscp, const char *ifname, bool *raw);
/* SO_BINDTODEVICE; nothing for a NULL or empty ifname. */
int icmp_bind_to_device(int fd, const char *ifname);
