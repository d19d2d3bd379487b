/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "icmp.h"
#include "log.h"
#include "ping.h"
#include "resolve.h"
#include "util.h"

#define PACKET_MAX 65536

struct ping {
        sd_event *event;
        struct ping_params params;
        char *host, *interface;
        ping_done_fn done;
        void *userdata;
        int fd;
        int family;
        bool raw;
        uint16_t ident, seq;
        uint32_t sent; /* repetitions begun */
        uint64_t sent_at;
        uint64_t total_us;
        sd_event_source *io, *timer, *finish;
        resolve *resolve;
        struct ping_result result;
        uint8_t *packet;
};

void ping_free(ping *p)
{
        if (!p)
                return;
        sd_event_source_disable_unref(p->io);
        sd_event_source_disable_unref(p->timer);
        sd_event_source_disable_unref(p->finish);
        resolve_free(p->resolve);
        sd_event_unref(p->event);
        if (p->fd >= 0)
                close(p->fd);
        free(p->packet);
        free(p->host);
        free(p->interface);
        free(p);
}

static int on_finish(sd_event_source *s, void *userdata)
{
        ping *p = userdata;
        struct ping_result *res = &p->result;

        if (res->successes > 0)
                res->avg_us = p->total_us / res->successes;
        p->done(res, p->userdata);
        return 0;
}

/* Ends the test: the callback runs from its own event, so that it may free us. */
static void finish(ping *p, enum ping_status status)
{
        p->result.status = status;
        (void)sd_event_source_set_enabled(p->io, SD_EVENT_OFF);
        (void)sd_event_source_set_enabled(p->timer, SD_EVENT_OFF);
        if (sd_event_source_set_enabled(p->finish, SD_EVENT_ONESHOT) < 0)
                on_finish(p->finish, p);
}

static void send_next(ping *p);

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
        ping *p = userdata;

        p->result.failures++;
        send_next(p);
        return 0;
}

static void send_next(ping *p)
{
        size_t len = ICMP_HEADER_SIZE + p->params.data_size;
        ssize_t n;

        if (p->sent >= p->params.repetitions) {
                finish(p, PING_COMPLETE);
                return;
        }
        p->sent++;
        p->seq++;
        icmp_build_echo(p->packet, len, p->family, p->ident, p->seq);
        p->sent_at = icmp_now_us();
        n = send(p->fd, p->packet, len, 0);
        if (n < 0)
                log_debug_errno(-errno, "Echo request %u to %s: %m", p->seq, p->host);
        /* a refused send counts as a failure once its timeout has passed, as a lost one */
        if (sd_event_source_set_time(p->timer, p->sent_at + p->params.timeout_ms * 1000ull) < 0 ||
            sd_event_source_set_enabled(p->timer, SD_EVENT_ONESHOT) < 0)
                finish(p, PING_INTERNAL);
}

/* The ICMP message of a received packet: raw IPv4 sockets see the IP header too. */
static const uint8_t *icmp_part(ping *p, const uint8_t *buf, size_t n, size_t *len)
{
        if (p->family == AF_INET && p->raw) {
                size_t ihl;
                if (n < 20)
                        return NULL;
                ihl = (size_t)(buf[0] & 0x0f) * 4;
                if (ihl < 20 || n < ihl)
                        return NULL;
                buf += ihl;
                n -= ihl;
        }
        if (n < ICMP_HEADER_SIZE)
                return NULL;
        *len = n;
        return buf;
}

static int on_readable(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        ping *p = userdata;
        uint8_t buf[2048];
        const uint8_t *icmp;
        size_t len;
        ssize_t n;

        for (;;) {
                n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
                if (n < 0) {
                        if (errno != EAGAIN && errno != EINTR)
                                log_debug_errno(-errno, "Reading ICMP from %s: %m", p->host);
                        return 0; /* errors (ICMP errors queued by connect) are failures */
                }
                icmp = icmp_part(p, buf, (size_t)n, &len);
                if (!icmp || icmp[0] != (p->family == AF_INET ? ICMP_ECHOREPLY : ICMP6_ECHO_REPLY))
                        continue;
                /* the ping socket rewrites the identifier: only raw ones check it */
                if (p->raw && (uint16_t)(icmp[4] << 8 | icmp[5]) != p->ident)
                        continue;
                if ((uint16_t)(icmp[6] << 8 | icmp[7]) != p->seq ||
                    !sd_event_source_get_enabled(p->timer, NULL))
                        continue; /* a late reply to an earlier request */
                uint64_t rtt = icmp_now_us() - p->sent_at;
                struct ping_result *res = &p->result;
                if (res->successes == 0 || rtt < res->min_us)
                        res->min_us = rtt;
                if (rtt > res->max_us)
                        res->max_us = rtt;
                res->successes++;
                p->total_us += rtt;
                (void)sd_event_source_set_enabled(p->timer, SD_EVENT_OFF);
                send_next(p);
                return 0;
        }
}

static int open_socket(ping *p, const struct sockaddr *addr, socklen_t addr_len)
{
        struct sockaddr_storage local;
        socklen_t local_len = sizeof(local);

        p->fd = icmp_open(p->family, p->params.dscp, p->params.interface, &p->raw);
        if (p->fd < 0)
                return p->fd;
        log_debug("Pinging %s over %s", p->host, p->raw ? "a raw socket" : "the ping socket");
        if (p->family == AF_INET6 && p->raw) {
                struct icmp6_filter filter;
                ICMP6_FILTER_SETBLOCKALL(&filter);
                ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &filter);
                (void)setsockopt(p->fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof(filter));
        }
        /* connect() picks the route and the source address, and filters what we read */
        if (connect(p->fd, addr, addr_len) < 0)
                return -errno;
        if (getsockname(p->fd, (struct sockaddr *)&local, &local_len) == 0) {
                const void *a = p->family == AF_INET
                                        ? (const void *)&((struct sockaddr_in *)&local)->sin_addr
                                        : (const void *)&((struct sockaddr_in6 *)&local)->sin6_addr;
                (void)inet_ntop(p->family, a, p->result.address_used,
                                sizeof(p->result.address_used));
        }
        return 0;
}

/* Opens the socket towards addr and sends the first request; failures end the test. */
static void begin(ping *p, const struct sockaddr *addr, socklen_t addr_len)
{
        int r;

        p->family = addr->sa_family;
        r = open_socket(p, addr, addr_len);
        if (r == -ENETUNREACH || r == -EHOSTUNREACH) {
                finish(p, PING_NO_ROUTE);
                return;
        }
        if (r >= 0)
                r = sd_event_add_io(p->event, &p->io, p->fd, EPOLLIN, on_readable, p);
        if (r < 0) {
                log_debug_errno(r, "Cannot ping %s: %m", p->host);
                finish(p, PING_INTERNAL);
                return;
        }
        send_next(p);
}

static void on_resolved(const struct sockaddr *addr, socklen_t addr_len, const char *error,
                        void *userdata)
{
        ping *p = userdata;

        resolve_free(TAKE_PTR(p->resolve));
        if (!addr) {
                log_debug("Cannot resolve %s: %s", p->host, error);
                finish(p, PING_CANNOT_RESOLVE);
                return;
        }
        begin(p, addr, addr_len);
}

int ping_start(sd_event *event, const struct ping_params *params, ping_done_fn done, void *userdata,
               ping **ret)
{
        struct sockaddr_in sin = {.sin_family = AF_INET};
        struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6};
        ping *p;
        int r;

        if (!event || !params || !params->host || !done || !ret || params->repetitions == 0 ||
            params->data_size > PACKET_MAX - 100)
                return -EINVAL;
        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->fd = -1;
        p->event = sd_event_ref(event);
        p->params = *params;
        p->done = done;
        p->userdata = userdata;
        p->host = strdup(params->host);
        p->packet = malloc(ICMP_HEADER_SIZE + params->data_size);
        p->ident = (uint16_t)(getpid() ^ (uintptr_t)p);
        if (params->interface && !(p->interface = strdup(params->interface))) {
                r = -ENOMEM;
                goto fail;
        }
        if (!p->host || !p->packet) {
                r = -ENOMEM;
                goto fail;
        }
        p->params.host = p->host;
        p->params.interface = p->interface;
        r = sd_event_add_defer(event, &p->finish, on_finish, p);
        if (r >= 0)
                r = sd_event_source_set_enabled(p->finish, SD_EVENT_OFF);
        if (r >= 0)
                r = sd_event_add_time(event, &p->timer, CLOCK_MONOTONIC, UINT64_MAX, 1000,
                                      on_timeout, p);
        if (r >= 0)
                r = sd_event_source_set_enabled(p->timer, SD_EVENT_OFF);
        if (r < 0)
                goto fail;

        if (params->family != AF_INET6 && inet_pton(AF_INET, params->host, &sin.sin_addr) == 1)
                begin(p, (struct sockaddr *)&sin, sizeof(sin));
        else if (params->family != AF_INET &&
                 inet_pton(AF_INET6, params->host, &sin6.sin6_addr) == 1)
                begin(p, (struct sockaddr *)&sin6, sizeof(sin6));
        else if (inet_pton(AF_INET, params->host, &sin.sin_addr) == 1 ||
                 inet_pton(AF_INET6, params->host, &sin6.sin6_addr) == 1)
                finish(p, PING_CANNOT_RESOLVE); /* an address of the other family */
        else {
                r = resolve_start(event, p->host, params->family, on_resolved, p, &p->resolve);
                if (r < 0) {
                        log_debug_errno(r, "Cannot resolve %s: %m", params->host);
                        finish(p, PING_INTERNAL);
                }
        }
        *ret = p;
        return 0;
fail:
        ping_free(p);
        return r;
}
