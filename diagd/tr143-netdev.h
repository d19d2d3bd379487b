/* SPDX-License-Identifier: MIT */
#pragma once

#include <net/if.h>
#include <stdint.h>
#include <sys/socket.h>

/* The network device a test runs over, and its byte counters. */

/* The device that holds the local address `local` (what the route picked): "lo" for
 * 127.0.0.1. -ENODEV when none does. */
int netdev_of_address(const struct sockaddr *local, char ifname[IF_NAMESIZE]);

/* The device's IP-layer byte counters (/sys/class/net/IF/statistics/{rx,tx}_bytes). */
int netdev_counters(const char *ifname, uint64_t *rx_bytes, uint64_t *tx_bytes);
