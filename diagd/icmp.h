/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* What IPPing and TraceRoute share: ICMP echo requests and the clock they time them by. */

#define ICMP_HEADER_SIZE 8

/* CLOCK_MONOTONIC in microseconds. */
uint64_t icmp_now_us(void);
/* Fills packet (len >= ICMP_HEADER_SIZE) with an echo request of the family (AF_INET or
 * AF_INET6), a patterned payload and, for IPv4, the checksum (the kernel sums ICMPv6). */
void icmp_build_echo(uint8_t *packet, size_t len, int family, uint16_t ident, uint16_t seq);
