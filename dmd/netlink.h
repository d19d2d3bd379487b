/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * A small rtnetlink / sock_diag client: dump requests on a blocking AF_NETLINK socket and
 * walking of the answers. No state lives here; callers own their sockets.
 */

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Called for each message of a dump; a negative return ends the walk with that error. */
typedef int (*netlink_message_fn)(const struct nlmsghdr *h, void *userdata);

/*
 * Walks one received buffer of netlink messages. Returns 1 when it met NLMSG_DONE, 0 when
 * the buffer ended without it (more is to come), the error of an NLMSG_ERROR message (as
 * negative errno), -EBADMSG for a truncated or malformed message, or the callback's error.
 * Messages whose sequence number is not `seq` are skipped.
 */
int netlink_walk(const void *buf, size_t len, uint32_t seq, netlink_message_fn fn, void *userdata);

/* Fills tb[0..max] with the attributes found in [rta, rta + len): the last of each type
 * wins, types beyond max are ignored. -EBADMSG if an attribute overruns the buffer. */
int netlink_parse_attrs(const struct rtattr *rta, size_t len, const struct rtattr **tb, size_t max);

/* The attributes that follow a family header of `header_len` bytes in message h. */
int netlink_message_attrs(const struct nlmsghdr *h, size_t header_len, const struct rtattr **tb,
                          size_t max);

/* Typed reads of an attribute's payload; false if absent or too short. */
bool netlink_attr_u8(const struct rtattr *a, uint8_t *ret);
bool netlink_attr_u32(const struct rtattr *a, uint32_t *ret);
/* Copies a NUL-terminated string attribute into buf (cut to size - 1). */
bool netlink_attr_string(const struct rtattr *a, char *buf, size_t size);
/* Copies at most `size` bytes; *ret_len gets the payload length (0 if absent). */
bool netlink_attr_bytes(const struct rtattr *a, void *buf, size_t size, size_t *ret_len);

/*
 * Sends a dump request (a complete message: header and family header, NLM_F_DUMP set by the
 * caller) on a new socket of `protocol` (NETLINK_ROUTE, NETLINK_SOCK_DIAG) and walks every
 * answer until NLMSG_DONE. Blocking, with a timeout of a second: the kernel answers dumps at
 * once.
 */
int netlink_dump(int protocol, struct nlmsghdr *request, netlink_message_fn fn, void *userdata);
