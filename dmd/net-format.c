/* SPDX-License-Identifier: MIT */
/* Text forms of addresses for TR-181, and the growing arrays the dumps fill. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "net-internal.h"

const char *net_ip_to_string(const struct net_ip *ip, char *buf)
{
        if (!inet_ntop(ip->family, ip->bytes, buf, INET6_ADDRSTRLEN))
                buf[0] = '\0';
        return buf;
}

const char *net_hwaddr_to_string(const uint8_t *a, size_t len, char *buf)
{
        static const char hex[] = "0123456789abcdef";
        char *p = buf;
        for (size_t i = 0; i < len && i < NET_HWADDR_MAX; i++) {
                if (i > 0)
                        *p++ = ':';
                *p++ = hex[a[i] >> 4];
                *p++ = hex[a[i] & 0xf];
        }
        *p = '\0';
        return buf;
}

const char *net_prefix_to_mask(uint8_t prefixlen, char *buf)
{
        uint32_t mask = prefixlen == 0    ? 0
                        : prefixlen >= 32 ? UINT32_MAX
                                          : ~(UINT32_MAX >> prefixlen);
        struct in_addr a = {.s_addr = htonl(mask)};
        if (!inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN))
                buf[0] = '\0';
        return buf;
}

void net_ip_mask(struct net_ip *ip, uint8_t prefixlen)
{
        size_t bytes = ip->family == AF_INET ? 4 : 16;
        for (size_t i = 0; i < bytes; i++) {
                unsigned bits = i * 8 >= prefixlen ? 0 : prefixlen - i * 8;
                if (bits < 8)
                        ip->bytes[i] &= (uint8_t)(0xff00u >> bits);
        }
}

bool net_ip_equal(const struct net_ip *a, const struct net_ip *b)
{
        return a->family == b->family &&
               memcmp(a->bytes, b->bytes, a->family == AF_INET ? 4 : 16) == 0;
}

void *net_vec_push(struct net_vec *v)
{
        if (v->n == v->allocated) {
                size_t a = v->allocated ? v->allocated * 2 : 16;
                void *w = reallocarray(v->items, a, v->item_size);
                if (!w)
                        return NULL;
                v->items = w;
                v->allocated = a;
        }
        void *slot = (char *)v->items + v->n++ * v->item_size;
        memset(slot, 0, v->item_size);
        return slot;
}
