/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "dns.h"

#define HEADER_SIZE  12
#define FLAG_QR      0x8000
#define FLAG_AA      0x0400
#define FLAG_TC      0x0200
#define FLAG_RD      0x0100
#define LABEL_MAX    63
#define MAX_POINTERS 32 /* more is a loop */

static void put16(uint8_t *p, uint16_t v)
{
        p[0] = (uint8_t)(v >> 8);
        p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
        return (uint16_t)(p[0] << 8 | p[1]);
}

int dns_build_query(uint16_t id, const char *name, uint16_t qtype, uint8_t *buf, size_t size)
{
        size_t len = strlen(name), pos = HEADER_SIZE;

        if (len > 0 && name[len - 1] == '.')
                len--;
        if (len == 0 || len > DNS_NAME_MAX)
                return -EINVAL;
        /* header, the labels with their length bytes, the root label, type and class */
        if (size < HEADER_SIZE + len + 2 + 4)
                return -ENOBUFS;
        memset(buf, 0, HEADER_SIZE);
        put16(buf, id);
        put16(buf + 2, FLAG_RD);
        put16(buf + 4, 1);
        for (size_t start = 0; start < len;) {
                const char *dot = memchr(name + start, '.', len - start);
                size_t label = dot ? (size_t)(dot - name) - start : len - start;

                if (label == 0 || label > LABEL_MAX)
                        return -EINVAL;
                buf[pos++] = (uint8_t)label;
                memcpy(buf + pos, name + start, label);
                pos += label;
                start += label + 1;
                if (dot && start == len)
                        return -EINVAL; /* "a..": an empty label at the end */
        }
        buf[pos++] = 0;
        put16(buf + pos, qtype);
        put16(buf + pos + 2, DNS_CLASS_IN);
        return (int)(pos + 4);
}

/* Reads the (possibly compressed) name at *pos into out (presentation form, may be NULL)
 * and moves *pos past it. */
static int read_name(const uint8_t *msg, size_t len, size_t *pos, char *out)
{
        size_t p = *pos, out_len = 0, end = 0;
        unsigned pointers = 0;

        for (;;) {
                uint8_t c;

                if (p >= len)
                        return -EBADMSG;
                c = msg[p];
                if ((c & 0xc0) == 0xc0) {
                        if (p + 1 >= len || ++pointers > MAX_POINTERS)
                                return -EBADMSG;
                        if (end == 0)
                                end = p + 2;
                        p = (size_t)(c & 0x3f) << 8 | msg[p + 1];
                        continue;
                }
                if (c & 0xc0)
                        return -EBADMSG;
                if (c == 0) {
                        p++;
                        break;
                }
                if (p + 1 + c > len)
                        return -EBADMSG;
                if (out_len > 0) {
                        if (out)
                                out[out_len] = '.';
                        out_len++;
                }
                if (out_len + c > DNS_NAME_MAX)
                        return -EBADMSG;
                if (out)
                        memcpy(out + out_len, msg + p + 1, c);
                out_len += c;
                p += 1 + c;
        }
        if (out)
                out[out_len] = '\0';
        *pos = end ? end : p;
        return 0;
}

int dns_parse_response(const uint8_t *msg, size_t len, uint16_t id, uint16_t qtype,
                       struct dns_answer *ret)
{
        uint16_t flags, qdcount, ancount;
        size_t pos = HEADER_SIZE;
        int r;

        memset(ret, 0, sizeof(*ret));
        if (len < HEADER_SIZE)
                return -EBADMSG;
        flags = get16(msg + 2);
        if (get16(msg) != id || !(flags & FLAG_QR))
                return -ESRCH;
        qdcount = get16(msg + 4);
        ancount = get16(msg + 6);
        ret->rcode = flags & 0x0f;
        ret->authoritative = flags & FLAG_AA;
        ret->truncated = flags & FLAG_TC;
        if (qdcount > 1)
                return -EBADMSG;
        if (qdcount == 1) {
                r = read_name(msg, len, &pos, NULL);
                if (r < 0)
                        return r;
                if (pos + 4 > len)
                        return -EBADMSG;
                if (get16(msg + pos) != qtype)
                        return -ESRCH;
                pos += 4;
        }
        for (uint16_t i = 0; i < ancount; i++) {
                char owner[DNS_NAME_MAX + 1];
                uint16_t type, class, rdlength;

                r = read_name(msg, len, &pos, owner);
                if (r < 0)
                        return r;
                if (pos + 10 > len)
                        return -EBADMSG;
                type = get16(msg + pos);
                class = get16(msg + pos + 2);
                rdlength = get16(msg + pos + 8);
                pos += 10;
                if (pos + rdlength > len)
                        return -EBADMSG;
                if (class == DNS_CLASS_IN && type == qtype &&
                    ((type == DNS_TYPE_A && rdlength == 4) ||
                     (type == DNS_TYPE_AAAA && rdlength == 16)) &&
                    ret->n_addresses < DNS_MAX_ADDRESSES) {
                        if (!inet_ntop(type == DNS_TYPE_A ? AF_INET : AF_INET6, msg + pos,
                                       ret->addresses[ret->n_addresses], DNS_ADDRESS_MAX))
                                return -EBADMSG;
                        if (ret->n_addresses++ == 0)
                                strcpy(ret->name, owner);
                } else if ((type == DNS_TYPE_A && rdlength != 4) ||
                           (type == DNS_TYPE_AAAA && rdlength != 16))
                        return -EBADMSG;
                pos += rdlength;
        }
        return 0;
}
