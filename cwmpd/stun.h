/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <systemd/sd-event.h>

/*
 * The STUN client of TR-111 Part 2: Binding Requests from the UDP connection-request
 * socket, so the server sees (and tells us) that socket's public mapping, and so the NAT
 * keeps it open. Messages follow RFC 3489 as TR-111 asks (USERNAME padded to 4 bytes,
 * MESSAGE-INTEGRITY over the message padded to 64 bytes) with the RFC 5389 magic cookie
 * at the start of the transaction id, so both kinds of servers answer.
 */

#define STUN_HEADER_SIZE                     20
#define STUN_TRANSACTION_ID_SIZE             16 /* the magic cookie and 12 random bytes */
#define STUN_MAGIC_COOKIE                    0x2112A442u
#define STUN_BINDING_REQUEST                 0x0001
#define STUN_BINDING_RESPONSE                0x0101
#define STUN_BINDING_ERROR_RESPONSE          0x0111
#define STUN_ATTR_MAPPED_ADDRESS             0x0001
#define STUN_ATTR_USERNAME                   0x0006
#define STUN_ATTR_MESSAGE_INTEGRITY          0x0008
#define STUN_ATTR_ERROR_CODE                 0x0009
#define STUN_ATTR_XOR_MAPPED_ADDRESS         0x0020
#define STUN_ATTR_XOR_MAPPED_ADDRESS_OLD     0x8020 /* drafts of RFC 5389, still in use */
#define STUN_ATTR_CONNECTION_REQUEST_BINDING 0xC001
#define STUN_ATTR_BINDING_CHANGE             0xC002
#define STUN_CONNECTION_REQUEST_BINDING      "dslforum.org/TR-111 " /* 20 bytes */
#define STUN_USERNAME_MAX                    256
#define STUN_MESSAGE_MAX                     576

/* True if a datagram has the shape of a STUN message (and is no UDP connection request). */
bool stun_is_message(const uint8_t *data, size_t len);

/* Writes a Binding Request into buf (STUN_MESSAGE_MAX bytes). USERNAME and
 * MESSAGE-INTEGRITY are added when username is non-empty. Returns the length or -EINVAL. */
int stun_build_binding_request(const uint8_t tid[STUN_TRANSACTION_ID_SIZE], const char *username,
                               const char *password, bool binding_change,
                               uint8_t buf[STUN_MESSAGE_MAX]);

struct stun_binding_result {
        struct sockaddr_storage mapped; /* AF_INET or AF_INET6, port set */
        int error_code;                 /* of an error response, else 0 */
};

/* Parses the answer to the request with transaction id tid. With a non-empty password, a
 * MESSAGE-INTEGRITY attribute, when present, must be right. Returns 0 with the mapped
 * address, -EPROTO for an error response (error_code set), -ESRCH for another
 * transaction, -EACCES for a wrong MESSAGE-INTEGRITY, -EBADMSG for anything malformed. */
int stun_parse_binding_response(const uint8_t *data, size_t len,
                                const uint8_t tid[STUN_TRANSACTION_ID_SIZE], const char *password,
                                struct stun_binding_result *ret);

/* "192.0.2.1:3478" or "[2001:db8::1]:3478"; IPv4-mapped IPv6 addresses print as IPv4. */
int stun_format_address(const struct sockaddr_storage *sa, char *buf, size_t size);

struct stun_client;

struct stun_client_options {
        const char *server; /* host name or address */
        uint16_t port;      /* 0: 3478 */
        const char *username, *password;
        uint32_t min_keepalive_s; /* 0: 30 s */
        uint32_t max_keepalive_s; /* 0: no maximum */
};

typedef void (*stun_address_fn)(void *userdata, const char *address, bool nat_detected);

/* Sends from fd, which stays the caller's; the caller hands every datagram that
 * stun_is_message() recognises to stun_client_receive(). */
int stun_client_new(sd_event *event, int fd, const struct stun_client_options *options,
                    stun_address_fn on_address, void *userdata, struct stun_client **ret);
void stun_client_free(struct stun_client *s);
/* May call on_address, as its last action. */
void stun_client_receive(struct stun_client *s, const uint8_t *data, size_t len,
                         const struct sockaddr *from, socklen_t from_len);
