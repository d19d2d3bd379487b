/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/errqueue.h>
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
#include "resolve.h"
#include "traceroute.h"
#include "util.h"

#define IP6_HEADER_SIZE 40
#define PACKET_MAX      65536

struct traceroute {
        sd_event *event;
        struct traceroute_params params;
        char *host, *interface;
        traceroute_done_fn done;
        void *userdata;
        int fd;
        int family;
        bool raw; /* else the ping socket: answers from routers come on its error queue */
        struct sockaddr_storage target;
        socklen_t target_len;
        uint16_t ident, seq;
        uint32_t ttl, try;
        bool reached; /* the current hop is the host, or says it cannot be reached */
        uint64_t sent_at;
        sd_event_source *io, *timer, *finish;
        resolve *resolve;
        struct traceroute_result result;
        uint8_t *packet;
};

void traceroute_free(traceroute *t)
{
        if (!t)
                return;
        sd_event_source_disable_unref(t->io);
        sd_event_source_disable_unref(t->timer);
        sd_event_source_disable_unref(t->finish);
        resolve_free(t->resolve);
        sd_event_unref(t->event);
        if (t->fd >= 0)
                close(t->fd);
        free(t->packet);
        free(t->host);
        free(t->interface);
        free(t);
}

static int on_finish(sd_event_source *s, void *userdata)
{
        traceroute *t = userdata;
        t->done(&t->result, t->userdata);
        return 0;
}

/* Ends the trace: the callback runs from its own event, so that it may free us.
 */
static void finish(traceroute *t, enum traceroute_status status)
{
        t->result.status = status;
        (void)sd_event_source_set_enabled(t->io, SD_EVENT_OFF);
        (void)sd_event_source_set_enabled(t->timer, SD_EVENT_OFF);
        if (sd_event_source_set_enabled(t->finish, SD_EVENT_ONESHOT) < 0)
                on_finish(t->finish, t);
}

/* The current hop is over: the trace ends there or goes one hop further. */
static bool next_hop(traceroute *t)
{
        struct traceroute_result *res = &t->result;
        const struct traceroute_hop *hop = &res->hops[res->n_hops++];

        if (t->reached) {
                uint64_t sum = 0;
                for (uint32_t i = 0; i < hop->n_rtts; i++)
                        sum += hop->rtt_ms[i];
                res->response_ms = hop->n_rtts ? (uint32_t)(sum / hop->n_rtts) : 0;
                finish(t, TRACEROUTE_COMPLETE);
                return false;
        }
        if (t->ttl >= t->params.max_hops) {
                finish(t, TRACEROUTE_MAX_HOPS_EXCEEDED);
                return false;
        }
        t->ttl++;
        t->try = 0;
        return true;
}

static void send_probe(traceroute *t)
{
        size_t len = ICMP_HEADER_SIZE + t->params.data_size;
        int ttl;
        ssize_t n;

        if (t->try >= t->params.tries && !next_hop(t))
                return;
        t->try++;
        t->seq++;
        ttl = (int)t->ttl;
        if (setsockopt(t->fd, t->family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6,
                       t->family == AF_INET ? IP_TTL : IPV6_UNICAST_HOPS, &ttl, sizeof(ttl)) < 0) {
                finish(t, TRACEROUTE_INTERNAL);
                return;
        }
        icmp_build_echo(t->packet, len, t->family, t->ident, t->seq);
        t->sent_at = icmp_now_us();
        n = sendto(t->fd, t->packet, len, 0, (struct sockaddr *)&t->target, t->target_len);
        if (n < 0 && (errno == ENETUNREACH || errno == EHOSTUNREACH) && t->ttl == 1) {
                finish(t, TRACEROUTE_NO_ROUTE);
                return;
        }
        if (n < 0)
                log_debug_errno(-errno, "Probe %u to %s: %m", t->seq, t->host);
        if (sd_event_source_set_time(t->timer, t->sent_at + t->params.timeout_ms * 1000ull) < 0 ||
            sd_event_source_set_enabled(t->timer, SD_EVENT_ONESHOT) < 0)
                finish(t, TRACEROUTE_INTERNAL);
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
        send_probe(userdata); /* an unanswered try has no RTT */
        return 0;
}

static bool ours(traceroute *t, const uint8_t *echo, size_t len)
{
        /* the ping socket rewrites the identifier: only raw ones check it */
        return len >= ICMP_HEADER_SIZE &&
               (!t->raw || (uint16_t)(echo[4] << 8 | echo[5]) == t->ident) &&
               (uint16_t)(echo[6] << 8 | echo[7]) == t->seq;
}

/* Whether an ICMP message answers the current probe; *final when the route ends
 * there. */
static bool answers(traceroute *t, const uint8_t *icmp, size_t len, bool *final, uint32_t *code)
{
        bool v4 = t->family == AF_INET;
        const uint8_t *inner = icmp + ICMP_HEADER_SIZE;
        size_t inner_len = len - ICMP_HEADER_SIZE;

        *code = 0;
        if (icmp[0] == (v4 ? ICMP_ECHOREPLY : ICMP6_ECHO_REPLY)) {
                *final = true;
                return ours(t, icmp, len);
        }
        if (icmp[0] != (v4 ? ICMP_TIME_EXCEEDED : ICMP6_TIME_EXCEEDED) &&
            icmp[0] != (v4 ? ICMP_DEST_UNREACH : ICMP6_DST_UNREACH))
                return false;
        *final = icmp[0] == (v4 ? ICMP_DEST_UNREACH : ICMP6_DST_UNREACH);
        if (*final)
                *code = icmp[1];
        /* the error quotes our request: its IP header, then the echo header */
        if (v4) {
                size_t ihl;
                if (inner_len < 20)
                        return false;
                ihl = (size_t)(inner[0] & 0x0f) * 4;
                if (ihl < 20 || inner_len < ihl || inner[9] != IPPROTO_ICMP)
                        return false;
                inner += ihl;
                inner_len -= ihl;
        } else {
                if (inner_len < IP6_HEADER_SIZE || inner[6] != IPPROTO_ICMPV6)
                        return false;
                inner += IP6_HEADER_SIZE;
                inner_len -= IP6_HEADER_SIZE;
        }
        return inner_len >= ICMP_HEADER_SIZE && inner[0] == (v4 ? ICMP_ECHO : ICMP6_ECHO_REQUEST) &&
               ours(t, inner, inner_len);
}

/* The current probe was answered by `from`: the hop is recorded, the next probe goes. */
static void answered(traceroute *t, const struct sockaddr_storage *from, bool final, uint32_t code)
{
        struct traceroute_hop *hop = &t->result.hops[t->result.n_hops];
        uint64_t rtt = icmp_now_us() - t->sent_at;
        const void *a = t->family == AF_INET
                                ? (const void *)&((const struct sockaddr_in *)from)->sin_addr
                                : (const void *)&((const struct sockaddr_in6 *)from)->sin6_addr;

        if (!hop->address[0])
                (void)inet_ntop(t->family, a, hop->address, sizeof(hop->address));
        hop->rtt_ms[hop->n_rtts++] = (uint32_t)((rtt + 500) / 1000);
        hop->error_code = code;
        t->reached = t->reached || final;
        (void)sd_event_source_set_enabled(t->timer, SD_EVENT_OFF);
        send_probe(t);
}

/* The ping socket: a Time Exceeded or Destination Unreachable about one of our requests
 * comes on the error queue (IP_RECVERR), with the request as data and the router that sent
 * it as the offender. Returns whether it answered the current probe. */
static bool read_error_queue(traceroute *t)
{
        uint8_t buf[2048], control[512];
        struct iovec iov = {buf, sizeof(buf)};
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
        bool v4 = t->family == AF_INET;

        for (int i = 0; i < 64; i++) {
                const struct sock_extended_err *ee = NULL;
                struct sockaddr_storage from = {};
                ssize_t n;

                msg.msg_control = control;
                msg.msg_controllen = sizeof(control);
                n = recvmsg(t->fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT);
                if (n < 0)
                        return false;
                for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
                        if ((c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
                            (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR))
                                ee = (const struct sock_extended_err *)CMSG_DATA(c);
                if (!ee || ee->ee_origin != (v4 ? SO_EE_ORIGIN_ICMP : SO_EE_ORIGIN_ICMP6) ||
                    !sd_event_source_get_enabled(t->timer, NULL) || !ours(t, buf, (size_t)n))
                        continue;
                if (ee->ee_type != (v4 ? ICMP_TIME_EXCEEDED : ICMP6_TIME_EXCEEDED) &&
                    ee->ee_type != (v4 ? ICMP_DEST_UNREACH : ICMP6_DST_UNREACH))
                        continue;
                memcpy(&from, SO_EE_OFFENDER(ee),
                       v4 ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6));
                if (from.ss_family != t->family)
                        continue;
                bool final = ee->ee_type == (v4 ? ICMP_DEST_UNREACH : ICMP6_DST_UNREACH);
                answered(t, &from, final, final ? ee->ee_code : 0);
                return true;
        }
        return false;
}

static int on_readable(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        traceroute *t = userdata;
        uint8_t buf[2048];
        struct sockaddr_storage from;
        socklen_t from_len;
        const uint8_t *icmp;
        uint32_t code;
        bool final;
        ssize_t n;

        if (!t->raw && read_error_queue(t))
                return 0;
        for (int i = 0; i < 64; i++) {
                size_t len;
                from_len = sizeof(from);
                n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from,
                             &from_len);
                if (n < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                return 0;
                        /* the ping socket reports the error it queued once more here */
                        log_debug_errno(-errno, "Reading ICMP for %s: %m", t->host);
                        continue;
                }
                icmp = buf;
                len = (size_t)n;
                if (t->family == AF_INET && t->raw) { /* raw IPv4 sockets see the IP header */
                        size_t ihl = len >= 20 ? (size_t)(buf[0] & 0x0f) * 4 : 0;
                        if (ihl < 20 || len < ihl)
                                continue;
                        icmp += ihl;
                        len -= ihl;
                }
                if (len < ICMP_HEADER_SIZE || !sd_event_source_get_enabled(t->timer, NULL) ||
                    !answers(t, icmp, len, &final, &code))
                        continue;
                answered(t, &from, final, code);
                return 0;
        }
        return 0;
}

/* The source address the kernel would pick towards the host. */
static void find_source(traceroute *t)
{
        struct sockaddr_storage local;
        socklen_t local_len = sizeof(local);
        int fd = socket(t->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct sockaddr_storage to = t->target;

        if (fd < 0)
                return;
        (void)icmp_bind_to_device(fd, t->interface);
        ((struct sockaddr_in *)&to)->sin_port = htons(9); /* same offset for IPv6 */
        if (connect(fd, (struct sockaddr *)&to, t->target_len) == 0 &&
            getsockname(fd, (struct sockaddr *)&local, &local_len) == 0) {
                const void *a = t->family == AF_INET
                                        ? (const void *)&((struct sockaddr_in *)&local)->sin_addr
                                        : (const void *)&((struct sockaddr_in6 *)&local)->sin6_addr;
                (void)inet_ntop(t->family, a, t->result.address_used,
                                sizeof(t->result.address_used));
        }
        close(fd);
}

static int open_socket(traceroute *t)
{
        int on = 1;

        t->fd = icmp_open(t->family, t->params.dscp, t->interface, &t->raw);
        if (t->fd < 0)
                return t->fd;
        log_debug("Tracing the route to %s over %s", t->host,
                  t->raw ? "a raw socket" : "the ping socket");
        if (!t->raw)
                return setsockopt(t->fd, t->family == AF_INET ? SOL_IP : SOL_IPV6,
                                  t->family == AF_INET ? IP_RECVERR : IPV6_RECVERR, &on,
                                  sizeof(on)) < 0
                               ? -errno
                               : 0;
        if (t->family == AF_INET6) {
                struct icmp6_filter filter;
                ICMP6_FILTER_SETBLOCKALL(&filter);
                ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &filter);
                ICMP6_FILTER_SETPASS(ICMP6_TIME_EXCEEDED, &filter);
                ICMP6_FILTER_SETPASS(ICMP6_DST_UNREACH, &filter);
                (void)setsockopt(t->fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof(filter));
        }
        return 0;
}

/* Opens the socket and sends the first probe to t->target; failures end the trace. */
static void begin(traceroute *t, socklen_t target_len)
{
        int r;

        t->family = t->target.ss_family;
        t->target_len = target_len;
        find_source(t);
        r = open_socket(t);
        if (r >= 0)
                r = sd_event_add_io(t->event, &t->io, t->fd, EPOLLIN, on_readable, t);
        if (r < 0) {
                log_debug_errno(r, "Cannot trace the route to %s: %m", t->host);
                finish(t, TRACEROUTE_INTERNAL);
                return;
        }
        send_probe(t);
}

static void on_resolved(const struct sockaddr *addr, socklen_t addr_len, const char *error,
                        void *userdata)
{
        traceroute *t = userdata;

        resolve_free(TAKE_PTR(t->resolve));
        if (!addr) {
                log_debug("Cannot resolve %s: %s", t->host, error);
                finish(t, TRACEROUTE_CANNOT_RESOLVE);
                return;
        }
        memcpy(&t->target, addr, addr_len);
        begin(t, addr_len);
}

int traceroute_start(sd_event *event, const struct traceroute_params *params,
                     traceroute_done_fn done, void *userdata, traceroute **ret)
{
        struct sockaddr_in *sin;
        struct sockaddr_in6 *sin6;
        traceroute *t;
        int r;

        if (!event || !params || !params->host || !done || !ret || params->tries == 0 ||
            params->tries > TRACEROUTE_MAX_TRIES || params->max_hops == 0 ||
            params->max_hops > TRACEROUTE_MAX_HOPS || params->data_size > PACKET_MAX - 100)
                return -EINVAL;
        t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        t->fd = -1;
        t->event = sd_event_ref(event);
        t->params = *params;
        t->done = done;
        t->userdata = userdata;
        t->host = strdup(params->host);
        t->packet = malloc(ICMP_HEADER_SIZE + params->data_size);
        t->ident = (uint16_t)(getpid() ^ (uintptr_t)t);
        t->ttl = 1;
        if (params->interface && !(t->interface = strdup(params->interface))) {
                r = -ENOMEM;
                goto fail;
        }
        if (!t->host || !t->packet) {
                r = -ENOMEM;
                goto fail;
        }
        t->params.host = t->host;
        t->params.interface = t->interface;
        r = sd_event_add_defer(event, &t->finish, on_finish, t);
        if (r >= 0)
                r = sd_event_source_set_enabled(t->finish, SD_EVENT_OFF);
        if (r >= 0)
                r = sd_event_add_time(event, &t->timer, CLOCK_MONOTONIC, UINT64_MAX, 1000,
                                      on_timeout, t);
        if (r >= 0)
                r = sd_event_source_set_enabled(t->timer, SD_EVENT_OFF);
        if (r < 0)
                goto fail;
        *ret = t;

        sin = (struct sockaddr_in *)&t->target;
        sin6 = (struct sockaddr_in6 *)&t->target;
        if (params->family != AF_INET6 && inet_pton(AF_INET, params->host, &sin->sin_addr) == 1) {
                sin->sin_family = AF_INET;
                begin(t, sizeof(*sin));
        } else if (params->family != AF_INET &&
                   inet_pton(AF_INET6, params->host, &sin6->sin6_addr) == 1) {
                sin6->sin6_family = AF_INET6;
                begin(t, sizeof(*sin6));
        } else if (inet_pton(AF_INET, params->host, &sin->sin_addr) == 1 ||
                   inet_pton(AF_INET6, params->host, &sin6->sin6_addr) == 1) {
                finish(t, TRACEROUTE_CANNOT_RESOLVE); /* an address of the other family */
        } else {
                r = resolve_start(event, t->host, params->family, on_resolved, t, &t->resolve);
                if (r < 0) {
                        log_debug_errno(r, "Cannot resolve %s: %m", params->host);
                        finish(t, TRACEROUTE_INTERNAL);
                }
        }
        return 0;
fail:
        traceroute_free(t);
        return r;
}
