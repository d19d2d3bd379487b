/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "icmp.h"
#include "log.h"
#include "udpecho-server.h"
#include "util.h"

#define DATAGRAM_MAX     65536
#define READS_PER_WAKEUP 64 /* then the loop serves the others */

struct udpecho_server {
        sd_event_source *io;
        int fd;
        int family;
        bool echo_plus;
        bool filter;
        struct in6_addr source; /* IPv4 as ::ffff:a.b.c.d */
        struct udpecho_counters *counters;
        uint8_t *buf;
};

static uint64_t realtime_us(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void put32(uint8_t *p, uint32_t v)
{
        p[0] = (uint8_t)(v >> 24);
        p[1] = (uint8_t)(v >> 16);
        p[2] = (uint8_t)(v >> 8);
        p[3] = (uint8_t)v;
}

void udpecho_plus_reply(uint8_t *packet, uint32_t resp_sn, uint32_t recv_ts, uint32_t reply_ts,
                        uint32_t failures)
{
        put32(packet + 4, resp_sn);
        put32(packet + 8, recv_ts);
        put32(packet + 12, reply_ts);
        put32(packet + 16, failures);
}

void udpecho_server_free(udpecho_server *s)
{
        if (!s)
                return;
        sd_event_source_disable_unref(s->io);
        if (s->fd >= 0)
                close(s->fd);
        free(s->buf);
        free(s);
}

/* The peer as an IPv6 address (IPv4 mapped), to compare with SourceIPAddress. */
static void peer_address(const struct sockaddr_storage *from, struct in6_addr *ret)
{
        if (from->ss_family == AF_INET6) {
                *ret = ((const struct sockaddr_in6 *)from)->sin6_addr;
                return;
        }
        memset(ret, 0, sizeof(*ret));
        ret->s6_addr[10] = ret->s6_addr[11] = 0xff;
        memcpy(&ret->s6_addr[12], &((const struct sockaddr_in *)from)->sin_addr, 4);
}

/* Answers one datagram, the reply leaving from the address it came to (the packet info). */
static void answer(udpecho_server *s, size_t n, const struct sockaddr_storage *from,
                   socklen_t from_len, struct msghdr *in)
{
        struct udpecho_counters *c = s->counters;
        uint64_t now = realtime_us();
        uint8_t control[CMSG_SPACE(sizeof(struct in6_pktinfo))] = {};
        struct iovec iov = {s->buf, n};
        struct msghdr out = {.msg_name = (void *)from,
                             .msg_namelen = from_len,
                             .msg_iov = &iov,
                             .msg_iovlen = 1};
        struct in6_addr peer;
        ssize_t sent;

        peer_address(from, &peer);
        if (s->filter && memcmp(&peer, &s->source, sizeof(peer)) != 0)
                return; /* not the SourceIPAddress: not a valid echo request */
        c->packets_received++;
        c->bytes_received += (uint32_t)n + 8;
        if (c->first_us == 0)
                c->first_us = now;
        c->last_us = now;

        for (struct cmsghdr *cm = CMSG_FIRSTHDR(in); cm; cm = CMSG_NXTHDR(in, cm)) {
                if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO) {
                        struct cmsghdr *o = (struct cmsghdr *)control;
                        o->cmsg_level = IPPROTO_IPV6;
                        o->cmsg_type = IPV6_PKTINFO;
                        o->cmsg_len = CMSG_LEN(sizeof(struct in6_pktinfo));
                        memcpy(CMSG_DATA(o), CMSG_DATA(cm), sizeof(struct in6_pktinfo));
                        out.msg_control = control;
                        out.msg_controllen = CMSG_SPACE(sizeof(struct in6_pktinfo));
                } else if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
                        struct cmsghdr *o = (struct cmsghdr *)control;
                        struct in_pktinfo pi;
                        memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
                        pi.ipi_spec_dst = pi.ipi_addr;
                        pi.ipi_ifindex = 0;
                        o->cmsg_level = IPPROTO_IP;
                        o->cmsg_type = IP_PKTINFO;
                        o->cmsg_len = CMSG_LEN(sizeof(pi));
                        memcpy(CMSG_DATA(o), &pi, sizeof(pi));
                        out.msg_control = control;
                        out.msg_controllen = CMSG_SPACE(sizeof(pi));
                }
        }

        bool plus = s->echo_plus && n >= UDPECHO_PLUS_HEADER_SIZE;
        if (plus)
                udpecho_plus_reply(s->buf, c->plus_sn, (uint32_t)now, (uint32_t)realtime_us(),
                                   c->plus_failures);
        sent = sendmsg(s->fd, &out, MSG_DONTWAIT);
        if (sent < 0) {
                log_debug_errno(-errno, "UDP echo reply: %m");
                if (plus)
                        c->plus_failures++;
                return;
        }
        c->packets_responded++;
        c->bytes_responded += (uint32_t)sent + 8;
        if (plus)
                c->plus_sn++;
}

static int on_readable(sd_event_source *es, int fd, uint32_t revents, void *userdata)
{
        udpecho_server *s = userdata;

        for (int i = 0; i < READS_PER_WAKEUP; i++) {
                struct sockaddr_storage from;
                uint8_t control[256];
                struct iovec iov = {s->buf, DATAGRAM_MAX};
                struct msghdr msg = {.msg_name = &from,
                                     .msg_namelen = sizeof(from),
                                     .msg_iov = &iov,
                                     .msg_iovlen = 1,
                                     .msg_control = control,
                                     .msg_controllen = sizeof(control)};
                ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT);

                if (n < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                return 0;
                        /* an ICMP error about an earlier reply: nothing to do */
                        log_debug_errno(-errno, "UDP echo: %m");
                        continue;
                }
                if (msg.msg_flags & MSG_TRUNC)
                        continue;
                answer(s, (size_t)n, &from, msg.msg_namelen, &msg);
        }
        return 0;
}

static int open_socket(udpecho_server *s, const struct udpecho_server_config *cfg)
{
        struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6,
                                    .sin6_port = htons(cfg->port),
                                    .sin6_addr = IN6ADDR_ANY_INIT};
        struct sockaddr_in sin = {.sin_family = AF_INET,
                                  .sin_port = htons(cfg->port),
                                  .sin_addr.s_addr = htonl(INADDR_ANY)};
        int on = 1, off = 0, r;

        s->family = AF_INET6;
        s->fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (s->fd < 0 && errno == EAFNOSUPPORT) {
                s->family = AF_INET;
                s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        }
        if (s->fd < 0)
                return -errno;
        if (setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0)
                return -errno;
        r = icmp_bind_to_device(s->fd, cfg->ifname);
        if (r < 0)
                return r;
        if (s->family == AF_INET6) {
                if (setsockopt(s->fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) < 0 ||
                    setsockopt(s->fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on)) < 0)
                        return -errno;
                return bind(s->fd, (struct sockaddr *)&sin6, sizeof(sin6)) < 0 ? -errno : 0;
        }
        if (setsockopt(s->fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on)) < 0)
                return -errno;
        return bind(s->fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ? -errno : 0;
}

int udpecho_server_new(sd_event *event, const struct udpecho_server_config *cfg,
                       struct udpecho_counters *counters, udpecho_server **ret)
{
        udpecho_server *s;
        struct in_addr v4;
        int r;

        if (!event || !cfg || !counters || !ret || cfg->port == 0)
                return -EINVAL;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->fd = -1;
        s->echo_plus = cfg->echo_plus;
        s->counters = counters;
        if (cfg->source && cfg->source[0]) {
                s->filter = true;
                if (inet_pton(AF_INET, cfg->source, &v4) == 1) {
                        s->source.s6_addr[10] = s->source.s6_addr[11] = 0xff;
                        memcpy(&s->source.s6_addr[12], &v4, 4);
                } else if (inet_pton(AF_INET6, cfg->source, &s->source) != 1) {
                        r = -EINVAL;
                        goto fail;
                }
        }
        s->buf = malloc(DATAGRAM_MAX);
        if (!s->buf) {
                r = -ENOMEM;
                goto fail;
        }
        r = open_socket(s, cfg);
        if (r >= 0)
                r = sd_event_add_io(event, &s->io, s->fd, EPOLLIN, on_readable, s);
        if (r < 0)
                goto fail;
        *ret = s;
        return 0;
fail:
        udpecho_server_free(s);
        return r;
}
