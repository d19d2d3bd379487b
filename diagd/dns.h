/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* DNS messages (RFC 1035): the queries diagd sends and what it reads from the answers. */

#define DNS_TYPE_A     1
#define DNS_TYPE_CNAME 5
#define DNS_TYPE_AAAA  28
#define DNS_CLASS_IN   1

#define DNS_RCODE_NOERROR  0
#define DNS_RCODE_SERVFAIL 2
#define DNS_RCODE_NXDOMAIN 3
#define DNS_RCODE_REFUSED  5

#define DNS_NAME_MAX      255 /* presentation form, without the final dot */
#define DNS_MAX_ADDRESSES 10  /* what TR-181's IPAddresses holds */
#define DNS_ADDRESS_MAX   46  /* INET6_ADDRSTRLEN */

/* Builds a recursive query for `name` (dotted, a final dot optional). Returns the length
 * written to buf, -EINVAL for a name that is not a valid DNS name, -ENOBUFS if buf is too
 * small. */
int dns_build_query(uint16_t id, const char *name, uint16_t qtype, uint8_t *buf, size_t size);

struct dns_answer {
        uint8_t rcode;
        bool authoritative;
        bool truncated;
        char name[DNS_NAME_MAX + 1]; /* owner of the first address record, "" if none */
        size_t n_addresses;
        char addresses[DNS_MAX_ADDRESSES][DNS_ADDRESS_MAX];
};

/* Reads a response to the query `id` for `qtype`: only addresses of that type are taken.
 * Returns 0, -ESRCH when the message is not a response to that query (another id, a query,
 * another question type), -EBADMSG when it is malformed. */
int dns_parse_response(const uint8_t *msg, size_t len, uint16_t id, uint16_t qtype,
                       struct dns_answer *ret);
