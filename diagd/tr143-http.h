/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The pure parts of TR-143's HTTP client: the URL, the response head, the chunked body and
 * the microsecond dateTime of the results. No I/O here, so they are unit-tested alone. */

#define TR143_URL_MAX  2048
#define TR143_HEAD_MAX 16384 /* a longer response head is refused */

struct tr143_url {
        char host[256];               /* a name or an address, IPv6 without brackets */
        char port[6];                 /* decimal, "80" when the URL has none */
        char authority[264];          /* for the Host header: "[::1]:8080", "example.com" */
        char path[TR143_URL_MAX + 1]; /* from the first '/', query included; "/" at least */
};

/* Parses "http://host[:port][/path]". -EPROTONOSUPPORT for another scheme (ftp, https),
 * -EINVAL for anything malformed: user info, a fragment, control characters, a bad port. */
int tr143_parse_url(const char *url, struct tr143_url *ret);

/* The end of a response head: the length up to and including the blank line, 0 when it has
 * not all arrived, -EBADMSG when it is longer than TR143_HEAD_MAX. */
ssize_t tr143_head_end(const char *buf, size_t len);

struct tr143_head {
        int status;      /* 100..599 */
        bool chunked;    /* Transfer-Encoding: chunked */
        bool has_length; /* Content-Length given */
        uint64_t content_length;
};
/* Parses a complete head (as tr143_head_end() found it). -EBADMSG when malformed. */
int tr143_parse_head(const char *buf, size_t len, struct tr143_head *ret);

/* A chunked body decoder that only counts: it keeps no data. */
struct tr143_chunked {
        int state;
        uint64_t remaining; /* of the current chunk */
        unsigned digits;
};
/* Consumes up to len bytes; returns how many belong to the body (less than len only when
 * the body ended), sets *done when the last chunk and the trailer are in. -EBADMSG. */
ssize_t tr143_chunked_feed(struct tr143_chunked *c, const uint8_t *data, size_t len, bool *done);

/* "2008-04-09T15:01:05.123456Z": always six digits, as TR-143 wants. 0 gives TR-106's
 * unknown time "0001-01-01T00:00:00Z". buf >= 32 bytes. */
void tr143_format_time(uint64_t realtime_us, char *buf, size_t size);
