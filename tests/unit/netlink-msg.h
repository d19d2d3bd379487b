/* SPDX-License-Identifier: MIT */
/* Netlink messages built in a buffer as the kernel lays them out, for the unit tests of the
 * rtnetlink parsers: a header, then attributes (nested ones closed with nest_end). */
#pragma once

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct msg {
        _Alignas(4) char buf[4096];
        struct nlmsghdr *h;
};

/* A message of TYPE whose family header is HEADER (LEN bytes). */
static inline void msg_start(struct msg *m, uint16_t type, const void *header, size_t len)
{
        memset(m->buf, 0, sizeof(m->buf));
        m->h = (struct nlmsghdr *)m->buf;
        m->h->nlmsg_type = type;
        m->h->nlmsg_len = NLMSG_ALIGN(NLMSG_LENGTH(len));
        memcpy(NLMSG_DATA(m->h), header, len);
}

/* Appends an attribute; returns its offset, for nest_end. */
static inline size_t msg_attr(struct msg *m, uint16_t type, const void *data, size_t len)
{
        size_t off = NLMSG_ALIGN(m->h->nlmsg_len);
        struct rtattr *a = (struct rtattr *)(m->buf + off);
        a->rta_type = type;
        a->rta_len = (unsigned short)RTA_LENGTH(len);
        if (len)
                memcpy(RTA_DATA(a), data, len);
        m->h->nlmsg_len = (uint32_t)(off + RTA_ALIGN(a->rta_len));
        return off;
}

/* Closes the nested attribute that msg_attr opened at OFF: it holds all appended since. */
static inline void nest_end(struct msg *m, size_t off)
{
        struct rtattr *a = (struct rtattr *)(m->buf + off);
        a->rta_len = (unsigned short)(m->h->nlmsg_len - off);
}

static inline void msg_u8(struct msg *m, uint16_t type, uint8_t v)
{
        msg_attr(m, type, &v, sizeof(v));
}

static inline void msg_u16(struct msg *m, uint16_t type, uint16_t v)
{
        msg_attr(m, type, &v, sizeof(v));
}

static inline void msg_u32(struct msg *m, uint16_t type, uint32_t v)
{
        msg_attr(m, type, &v, sizeof(v));
}

static inline void msg_str(struct msg *m, uint16_t type, const char *s)
{
        msg_attr(m, type, s, strlen(s) + 1);
}
