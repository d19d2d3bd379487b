/* SPDX-License-Identifier: MIT */
/* Datagrams on the UDP connection-request port come from anyone: TR-111 requests and
 * STUN answers share it. A request the parser accepts must have sane fields and must come
 * back the same when it is written out again (percent-encoded) and parsed anew; signature
 * checks never crash. A STUN answer is parsed as the answer to its own transaction, with
 * and without a password, and an address it yields must print. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conreq.h"
#include "stun.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t encode(char *out, const char *s)
{
        size_t n = 0;
        for (; *s; s++)
                n += (size_t)sprintf(out + n, "%%%02X", (unsigned char)*s);
        return n;
}

static void check_request(const struct conreq_udp_message *m)
{
        struct conreq_udp_message again;
        char text[4096];
        size_t n = 0;
        int r;

        if (strnlen(m->un, sizeof(m->un)) == sizeof(m->un) || !m->cn[0] ||
            strnlen(m->cn, sizeof(m->cn)) == sizeof(m->cn) || strlen(m->sig) != 40 ||
            strspn(m->sig, "0123456789abcdefABCDEF") != 40)
                abort();

        n += (size_t)sprintf(text + n,
                             "GET http://h:1?sig=%s&id=%" PRIu64 "&ts=%" PRIu64 "&un=", m->sig,
                             m->id, m->ts);
        n += encode(text + n, m->un);
        n += (size_t)sprintf(text + n, "&x=y&cn=");
        n += encode(text + n, m->cn);
        n += (size_t)sprintf(text + n, " HTTP/1.1\r\n\r\n");
        /* the encoded form may exceed the datagram limit; only compare when it fits */
        r = conreq_udp_parse(text, n, &again);
        if (n <= 2048 && (r != 0 || memcmp(&again, m, sizeof(again)) != 0))
                abort();

        r = conreq_udp_verify(m, "secret");
        if (r != 0 && r != -EPERM)
                abort();
        r = conreq_udp_verify(m, NULL);
        if (r != 0 && r != -EPERM)
                abort();
}

static void check_stun(const uint8_t *data, size_t size, const char *password)
{
        struct stun_binding_result result;
        char text[128];
        int r;

        if (size < STUN_HEADER_SIZE)
                return;
        r = stun_parse_binding_response(data, size, data + 4, password, &result);
        if (r == 0) {
                if (result.mapped.ss_family != AF_INET && result.mapped.ss_family != AF_INET6)
                        abort();
                if (stun_format_address(&result.mapped, text, sizeof(text)) < 0)
                        abort();
        } else if (r == -EPROTO) {
                if (result.error_code < 300 || result.error_code > 699)
                        abort();
        } else if (r != -EBADMSG && r != -EACCES) {
                abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct conreq_udp_message m;
        uint8_t *copy;

        if (size > 4096)
                return 0;
        copy = malloc(size ? size : 1); /* exact size: overreads are caught */
        if (!copy)
                return 0;
        memcpy(copy, data, size);

        if (conreq_udp_parse((const char *)copy, size, &m) == 0)
                check_request(&m);
        if (stun_is_message(copy, size)) {
                check_stun(copy, size, NULL);
                check_stun(copy, size, "secret");
        }
        free(copy);
        return 0;
}
