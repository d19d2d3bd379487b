/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "netlink.h"
#include "util.h"

/* Dumps arrive in chunks of at most a page or so; 64 KiB holds any of them. */
#define RECV_BUFFER_SIZE (64u * 1024u)

int netlink_walk(const void *buf, size_t len, uint32_t seq, netlink_message_fn fn, void *userdata)
{
        for (size_t off = 0; off < len;) {
                const struct nlmsghdr *h = (const struct nlmsghdr *)((const char *)buf + off);
                size_t left = len - off;
                if (left < sizeof(*h) || !NLMSG_OK(h, left))
                        return -EBADMSG;
                /* The last message may end unpadded. */
                off += NLMSG_ALIGN(h->nlmsg_len) < left ? NLMSG_ALIGN(h->nlmsg_len) : left;
                if (h->nlmsg_seq != seq)
                        continue;
                if (h->nlmsg_type == NLMSG_DONE)
                        return 1;
                if (h->nlmsg_type == NLMSG_ERROR) {
                        if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
                                return -EBADMSG;
                        const struct nlmsgerr *e = NLMSG_DATA(h);
                        if (e->error == 0)
                                continue; /* an acknowledgement */
                        return e->error < 0 ? e->error : -e->error;
                }
                if (h->nlmsg_type == NLMSG_NOOP)
                        continue;
                int r = fn(h, userdata);
                if (r < 0)
                        return r;
        }
        return 0;
}

int netlink_parse_attrs(const struct rtattr *rta, size_t len, const struct rtattr **tb, size_t max)
{
        memset(tb, 0, (max + 1) * sizeof(*tb));
        /* Signed: a last attribute whose padding runs past the end makes it negative. */
        int left = len > INT_MAX ? INT_MAX : (int)len;
        for (; RTA_OK(rta, left); rta = RTA_NEXT(rta, left)) {
                /* Nested attributes may carry NLA_F_NESTED; the type is the rest. */
                unsigned short type = rta->rta_type & NLA_TYPE_MASK;
                if (type <= max)
                        tb[type] = rta;
        }
        /* Padding shorter than a header is fine; anything else is a truncated attribute. */
        return left >= (int)sizeof(struct rtattr) ? -EBADMSG : 0;
}

int netlink_message_attrs(const struct nlmsghdr *h, size_t header_len, const struct rtattr **tb,
                          size_t max)
{
        size_t start = NLMSG_LENGTH(NLMSG_ALIGN(header_len));
        if (h->nlmsg_len < NLMSG_LENGTH(header_len))
                return -EBADMSG;
        if (h->nlmsg_len <= start) {
                memset(tb, 0, (max + 1) * sizeof(*tb));
                return 0;
        }
        return netlink_parse_attrs((const struct rtattr *)((const char *)h + start),
                                   h->nlmsg_len - start, tb, max);
}

bool netlink_attr_u8(const struct rtattr *a, uint8_t *ret)
{
        if (!a || RTA_PAYLOAD(a) < sizeof(uint8_t))
                return false;
        memcpy(ret, RTA_DATA(a), sizeof(uint8_t));
        return true;
}

bool netlink_attr_u32(const struct rtattr *a, uint32_t *ret)
{
        if (!a || RTA_PAYLOAD(a) < sizeof(uint32_t))
                return false;
        memcpy(ret, RTA_DATA(a), sizeof(uint32_t));
        return true;
}

bool netlink_attr_string(const struct rtattr *a, char *buf, size_t size)
{
        if (!a || size == 0)
                return false;
        size_t n = strnlen(RTA_DATA(a), RTA_PAYLOAD(a));
        if (n >= size)
                n = size - 1;
        memcpy(buf, RTA_DATA(a), n);
        buf[n] = '\0';
        return true;
}

bool netlink_attr_bytes(const struct rtattr *a, void *buf, size_t size, size_t *ret_len)
{
        *ret_len = 0;
        if (!a)
                return false;
        size_t n = RTA_PAYLOAD(a);
        if (n > size)
                return false;
        memcpy(buf, RTA_DATA(a), n);
        *ret_len = n;
        return true;
}

int netlink_dump(int protocol, struct nlmsghdr *request, netlink_message_fn fn, void *userdata)
{
        _cleanup_close_ int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
        if (fd < 0)
                return -errno;
        const struct timeval timeout = {.tv_sec = 1};
        if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)) < 0)
                return -errno;
        struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
        request->nlmsg_seq = 1;
        if (sendto(fd, request, request->nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) <
            0)
                return -errno;

        _cleanup_free_ char *buf = malloc(RECV_BUFFER_SIZE);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t n = recv(fd, buf, RECV_BUFFER_SIZE, 0);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return errno == EAGAIN ? -ETIMEDOUT : -errno;
                }
                if (n == 0)
                        return -ECONNRESET;
                int r = netlink_walk(buf, (size_t)n, request->nlmsg_seq, fn, userdata);
                if (r != 0)
                        return r < 0 ? r : 0;
        }
}
