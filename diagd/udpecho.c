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
#include "resolve.h"
#include "udpecho-server.h"
#include "udpecho.h"
#include "util.h"

#define DATAGRAM_MAX 65507

struct udpecho {
        sd_event *event;
        struct udpecho_params params;
        char *host, *interface;
        udpecho_done_fn done;
        void *userdata;
        int fd;
        uint32_t sent;     /* datagrams sent */
        uint64_t start;    /* CLOCK_MONOTONIC of the first */
        uint64_t *sent_at; /* CLOCK_MONOTONIC of each, 0 once settled */
        uint64_t total_us;
        sd_event_source *io, *timer, *finish;
        resolve *resolve;
        struct udpecho_result result;
        uint8_t *packet;
};

static uint64_t realtime_us(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint32_t get32(const uint8_t *p)
{
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void udpecho_free(udpecho *u)
{
        if (!u)
                return;
        sd_event_source_disable_unref(u->io);
        sd_event_source_disable_unref(u->timer);
        sd_event_source_disable_unref(u->finish);
        resolve_free(u->resolve);
        sd_event_unref(u->event);
        if (u->fd >= 0)
                close(u->fd);
        free(u->result.packets);
        free(u->sent_at);
        free(u->packet);
        free(u->host);
        free(u->interface);
        free(u);
}

static int on_finish(sd_event_source *s, void *userdata)
{
        udpecho *u = userdata;
        struct udpecho_result *res = &u->result;

        if (res->successes > 0)
                res->avg_us = u->total_us / res->successes;
        u->done(res, u->userdata);
        return 0;
}

/* Ends the test: the callback runs from its own event, so that it may free us. */
static void finish(udpecho *u, enum udpecho_status status)
{
        u->result.status = status;
        (void)sd_event_source_set_enabled(u->io, SD_EVENT_OFF);
        (void)sd_event_source_set_enabled(u->timer, SD_EVENT_OFF);
        if (sd_event_source_set_enabled(u->finish, SD_EVENT_ONESHOT) < 0)
                on_finish(u->finish, u);
}

static bool outstanding(const udpecho *u)
{
        for (uint32_t i = 0; i < u->sent; i++)
                if (u->sent_at[i])
                        return true;
        return false;
}

/* When the next datagram is due: at its slot, or (inter_ms 0) once none is outstanding. */
static uint64_t next_send(const udpecho *u)
{
        if (u->sent >= u->params.repetitions)
                return UINT64_MAX;
        if (u->params.inter_ms == 0)
                return outstanding(u) ? UINT64_MAX : 0;
        return u->start + (uint64_t)u->sent * u->params.inter_ms * 1000u;
}

static void send_one(udpecho *u)
{
        uint32_t sn = u->sent + 1, len = u->params.data_size;
        struct udpecho_packet *pk = &u->result.packets[u->sent];
        uint8_t sn_bytes[4] = {(uint8_t)(sn >> 24), (uint8_t)(sn >> 16), (uint8_t)(sn >> 8),
                               (uint8_t)sn};

        /* TestGenSN first, the rest of an Echo Plus header zero, then a pattern */
        for (uint32_t i = 0; i < len; i++)
                u->packet[i] = i < 4 ? sn_bytes[i] : i < UDPECHO_PLUS_HEADER_SIZE ? 0 : (uint8_t)i;
        pk->gen_sn = sn;
        pk->send_us = realtime_us();
        u->sent_at[u->sent] = icmp_now_us();
        if (u->sent == 0)
                u->start = u->sent_at[0];
        u->sent++;
        u->result.n_packets = u->sent;
        if (send(u->fd, u->packet, len, MSG_DONTWAIT) < 0)
                log_debug_errno(-errno, "UDP echo %u to %s: %m", sn, u->host);
        /* a refused send is lost once its timeout passed, as a datagram the network dropped */
}

/* Settles what timed out, sends what is due and sets the timer for what comes next. */
static void step(udpecho *u)
{
        uint64_t now = icmp_now_us(), wake, timeout = u->params.timeout_ms * 1000ull;

        for (;;) {
                for (uint32_t i = 0; i < u->sent; i++)
                        if (u->sent_at[i] && now >= u->sent_at[i] + timeout) {
                                u->sent_at[i] = 0;
                                u->result.failures++;
                        }
                if (next_send(u) > now)
                        break;
                send_one(u);
                now = icmp_now_us();
        }
        if (u->sent >= u->params.repetitions && !outstanding(u)) {
                finish(u, UDPECHO_COMPLETE);
                return;
        }
        wake = next_send(u);
        for (uint32_t i = 0; i < u->sent; i++)
                if (u->sent_at[i] && u->sent_at[i] + timeout < wake)
                        wake = u->sent_at[i] + timeout;
        if (sd_event_source_set_time(u->timer, wake) < 0 ||
            sd_event_source_set_enabled(u->timer, SD_EVENT_ONESHOT) < 0)
                finish(u, UDPECHO_INTERNAL);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        step(userdata);
        return 0;
}

/* The outstanding datagram a reply echoes: its first bytes carry the number. */
static int match(udpecho *u, const uint8_t *buf, size_t n)
{
        size_t k = u->params.data_size < 4 ? u->params.data_size : 4;

        if (n != u->params.data_size)
                return -1;
        for (uint32_t i = 0; i < u->sent; i++) {
                uint32_t sn = i + 1;
                uint8_t want[4] = {(uint8_t)(sn >> 24), (uint8_t)(sn >> 16), (uint8_t)(sn >> 8),
                                   (uint8_t)sn};
                if (u->sent_at[i] && memcmp(buf, want, k) == 0)
                        return (int)i;
        }
        return -1;
}

static int on_readable(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        udpecho *u = userdata;
        bool any = false;

        for (int k = 0; k < 64; k++) {
                ssize_t n = recv(fd, u->packet, DATAGRAM_MAX, MSG_DONTWAIT | MSG_TRUNC);
                int i;

                if (n < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                break;
                        /* ICMP port unreachable and the like: the datagram counts as lost */
                        log_debug_errno(-errno, "UDP echo from %s: %m", u->host);
                        continue;
                }
                i = match(u, u->packet, (size_t)n);
                if (i < 0)
                        continue;
                struct udpecho_result *res = &u->result;
                struct udpecho_packet *pk = &res->packets[i];
                uint64_t rtt = icmp_now_us() - u->sent_at[i];
                u->sent_at[i] = 0;
                pk->success = true;
                pk->receive_us = realtime_us();
                if ((size_t)n >= UDPECHO_PLUS_HEADER_SIZE) {
                        pk->resp_sn = get32(u->packet + 4);
                        pk->resp_recv_ts = get32(u->packet + 8);
                        pk->resp_reply_ts = get32(u->packet + 12);
                        pk->resp_failures = get32(u->packet + 16);
                }
                if (res->successes == 0 || rtt < res->min_us)
                        res->min_us = rtt;
                if (rtt > res->max_us)
                        res->max_us = rtt;
                res->successes++;
                u->total_us += rtt;
                any = true;
        }
        if (any)
                step(u);
        return 0;
}

static int open_socket(udpecho *u, const struct sockaddr *addr, socklen_t addr_len)
{
        int family = addr->sa_family, tos = (int)(u->params.dscp << 2), r;
        struct sockaddr_storage local;
        socklen_t local_len = sizeof(local);

        u->fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (u->fd < 0)
                return -errno;
        if (setsockopt(u->fd, family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6,
                       family == AF_INET ? IP_TOS : IPV6_TCLASS, &tos, sizeof(tos)) < 0)
                return -errno;
        r = icmp_bind_to_device(u->fd, u->params.interface);
        if (r < 0)
                return r;
        if (connect(u->fd, addr, addr_len) < 0)
                return -errno;
        if (getsockname(u->fd, (struct sockaddr *)&local, &local_len) == 0) {
                const void *a = family == AF_INET
                                        ? (const void *)&((struct sockaddr_in *)&local)->sin_addr
                                        : (const void *)&((struct sockaddr_in6 *)&local)->sin6_addr;
                (void)inet_ntop(family, a, u->result.address_used, sizeof(u->result.address_used));
        }
        return 0;
}

static void begin(udpecho *u, const struct sockaddr *addr, socklen_t addr_len)
{
        struct sockaddr_storage to;
        int r;

        memcpy(&to, addr, addr_len);
        ((struct sockaddr_in *)&to)->sin_port = htons(u->params.port); /* same offset in v6 */
        r = open_socket(u, (struct sockaddr *)&to, addr_len);
        if (r == -ENETUNREACH || r == -EHOSTUNREACH) {
                finish(u, UDPECHO_NO_ROUTE);
                return;
        }
        if (r >= 0)
                r = sd_event_add_io(u->event, &u->io, u->fd, EPOLLIN, on_readable, u);
        if (r < 0) {
                log_debug_errno(r, "Cannot send UDP echo to %s: %m", u->host);
                finish(u, UDPECHO_INTERNAL);
                return;
        }
        step(u);
}

static void on_resolved(const struct sockaddr *addr, socklen_t addr_len, const char *error,
                        void *userdata)
{
        udpecho *u = userdata;

        resolve_free(TAKE_PTR(u->resolve));
        if (!addr) {
                log_debug("Cannot resolve %s: %s", u->host, error);
                finish(u, UDPECHO_CANNOT_RESOLVE);
                return;
        }
        begin(u, addr, addr_len);
}

int udpecho_start(sd_event *event, const struct udpecho_params *params, udpecho_done_fn done,
                  void *userdata, udpecho **ret)
{
        struct sockaddr_in sin = {.sin_family = AF_INET};
        struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6};
        udpecho *u;
        int r;

        if (!event || !params || !params->host || !done || !ret || params->repetitions == 0 ||
            params->repetitions > UDPECHO_MAX_REPETITIONS || params->port == 0 ||
            params->data_size == 0 || params->data_size > DATAGRAM_MAX)
                return -EINVAL;
        u = calloc(1, sizeof(*u));
        if (!u)
                return -ENOMEM;
        u->fd = -1;
        u->event = sd_event_ref(event);
        u->params = *params;
        u->done = done;
        u->userdata = userdata;
        u->host = strdup(params->host);
        u->interface = params->interface ? strdup(params->interface) : NULL;
        u->packet = malloc(DATAGRAM_MAX + 1);
        u->sent_at = calloc(params->repetitions, sizeof(*u->sent_at));
        u->result.packets = calloc(params->repetitions, sizeof(*u->result.packets));
        if (!u->host || (params->interface && !u->interface) || !u->packet || !u->sent_at ||
            !u->result.packets) {
                r = -ENOMEM;
                goto fail;
        }
        u->params.host = u->host;
        u->params.interface = u->interface;
        r = sd_event_add_defer(event, &u->finish, on_finish, u);
        if (r >= 0)
                r = sd_event_source_set_enabled(u->finish, SD_EVENT_OFF);
        if (r >= 0)
                r = sd_event_add_time(event, &u->timer, CLOCK_MONOTONIC, UINT64_MAX, 1000, on_timer,
                                      u);
        if (r >= 0)
                r = sd_event_source_set_enabled(u->timer, SD_EVENT_OFF);
        if (r < 0)
                goto fail;

        if (params->family != AF_INET6 && inet_pton(AF_INET, params->host, &sin.sin_addr) == 1)
                begin(u, (struct sockaddr *)&sin, sizeof(sin));
        else if (params->family != AF_INET &&
                 inet_pton(AF_INET6, params->host, &sin6.sin6_addr) == 1)
                begin(u, (struct sockaddr *)&sin6, sizeof(sin6));
        else if (inet_pton(AF_INET, params->host, &sin.sin_addr) == 1 ||
                 inet_pton(AF_INET6, params->host, &sin6.sin6_addr) == 1)
                finish(u, UDPECHO_CANNOT_RESOLVE); /* an address of the other family */
        else {
                r = resolve_start(event, u->host, params->family, on_resolved, u, &u->resolve);
                if (r < 0) {
                        log_debug_errno(r, "Cannot resolve %s: %m", params->host);
                        finish(u, UDPECHO_INTERNAL);
                }
        }
        *ret = u;
        return 0;
fail:
        udpecho_free(u);
        return r;
}
