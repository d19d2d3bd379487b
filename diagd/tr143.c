/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "resolve.h"
#include "tr143-http.h"
#include "tr143-netdev.h"
#include "tr143.h"
#include "util.h"

#define BUFFER_SIZE       ((size_t)256 * 1024) /* reads of a download, zeros of an upload */
#define OPS_PER_WAKEUP    8                    /* reads or writes; then the others get a turn */
#define UPLOAD_CHUNK      65536 /* a time based upload is chunked: "10000\r\n" ... "\r\n" */
#define CHUNK_HEADER      "10000\r\n"
#define LAST_CHUNK        "0\r\n\r\n"
#define CHECK_INTERVAL_US 250000ULL
#define DEFAULT_IDLE_MS   10000
#define DEFAULT_TEST_MS   3600000

enum conn_state {
        CONN_IDLE,
        CONN_CONNECTING,
        CONN_SENDING_HEAD,
        CONN_SENDING_BODY,
        CONN_READING_HEAD,
        CONN_READING_BODY,
        CONN_DONE,
};

enum body_kind { BODY_NONE, BODY_LENGTH, BODY_CHUNKED, BODY_UNTIL_CLOSE };

struct conn {
        tr143 *t;
        int fd;
        sd_event_source *io;
        enum conn_state state;
        uint64_t last_activity; /* CLOCK_MONOTONIC µs */
        size_t head_sent;
        uint64_t body_sent; /* upload: bytes of the body stream written, framing included */
        bool stopping;      /* time based upload: end the stream at the next chunk boundary */
        size_t last_chunk_sent;
        int unsent;  /* upload: bytes the kernel still held (SIOCOUTQ) at the last check */
        char *rhead; /* the response head while it comes in */
        size_t rhead_len;
        enum body_kind body;
        uint64_t body_left;
        struct tr143_chunked chunked;
        uint64_t rx0, tx0; /* the device's counters before the request */
        struct tr143_connection_result res;
};

struct tr143 {
        sd_event *event;
        struct tr143_params params;
        char *url_text, *ifname;
        struct tr143_url url;
        tr143_done_fn done;
        void *userdata;
        resolve *resolve;
        struct sockaddr_storage addr;
        socklen_t addr_len;
        char *request;
        size_t request_len;
        uint8_t *buffer; /* BUFFER_SIZE: reads, or one chunk of zeros with its framing */
        struct conn conn[TR143_MAX_CONNECTIONS];
        uint32_t n_done, n_bom;
        bool counters; /* result.ifname has readable counters */
        bool sampled;  /* rx0, tx0: the counters before the first request */
        uint64_t rx0, tx0;
        bool finished;
        sd_event_source *finish, *check, *duration, *interval;
        uint64_t test_deadline;
        /* full loading: sums when the last connection began and the first one ended */
        uint64_t full_bytes0, full_rx0, full_tx0, full_start;
        bool full_ended;
        /* the incremental result in progress */
        bool row_open;
        uint32_t rows_max;
        uint64_t row_bytes0, row_rx0, row_tx0;
        struct tr143_result result;
};

static uint64_t now_us(clockid_t clock)
{
        struct timespec ts;
        clock_gettime(clock, &ts);
        return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

const char *tr143_status_name(enum tr143_direction direction, enum tr143_status status)
{
        switch (status) {
        case TR143_COMPLETE:
                return "Complete";
        case TR143_CANNOT_RESOLVE:
                return "Error_CannotResolveHostName";
        case TR143_NO_ROUTE:
                return "Error_NoRouteToHost";
        case TR143_INIT_CONNECTION_FAILED:
                return "Error_InitConnectionFailed";
        case TR143_NO_RESPONSE:
                return "Error_NoResponse";
        case TR143_TRANSFER_FAILED:
                /* UploadDiagnostics has no Error_TransferFailed */
                return direction == TR143_DOWNLOAD ? "Error_TransferFailed"
                                                   : "Error_NoTransferComplete";
        case TR143_INCORRECT_SIZE:
                return direction == TR143_DOWNLOAD ? "Error_IncorrectSize"
                                                   : "Error_NoTransferComplete";
        case TR143_NO_TRANSFER_COMPLETE:
                return direction == TR143_UPLOAD ? "Error_NoTransferComplete"
                                                 : "Error_TransferFailed";
        case TR143_TIMEOUT:
                return "Error_Timeout";
        case TR143_INTERNAL:
        default:
                return "Error_Internal";
        }
}

static void conn_close(struct conn *c)
{
        c->io = sd_event_source_disable_unref(c->io);
        if (c->fd >= 0)
                close(c->fd);
        c->fd = -1;
        free(c->rhead);
        c->rhead = NULL;
}

void tr143_free(tr143 *t)
{
        if (!t)
                return;
        for (uint32_t i = 0; i < TR143_MAX_CONNECTIONS; i++)
                conn_close(&t->conn[i]);
        sd_event_source_disable_unref(t->finish);
        sd_event_source_disable_unref(t->check);
        sd_event_source_disable_unref(t->duration);
        sd_event_source_disable_unref(t->interval);
        resolve_free(t->resolve);
        sd_event_unref(t->event);
        free(t->url_text);
        free(t->ifname);
        free(t->request);
        free(t->buffer);
        free(t);
}

static void sample_counters(tr143 *t, uint64_t *rx, uint64_t *tx)
{
        *rx = *tx = 0;
        if (t->counters)
                (void)netdev_counters(t->result.ifname, rx, tx);
}

static uint64_t test_bytes_now(tr143 *t)
{
        uint64_t sum = 0;
        for (uint32_t i = 0; i < t->params.connections; i++)
                sum += t->conn[i].res.test_bytes;
        return sum;
}

/* Closes the incremental result in progress at `when`. */
static void close_row(tr143 *t, uint64_t when)
{
        struct tr143_incremental_result *row = &t->result.incremental[t->result.n_incremental];
        uint64_t rx, tx;

        if (!t->row_open)
                return;
        sample_counters(t, &rx, &tx);
        row->end = when;
        row->test_bytes = test_bytes_now(t) - t->row_bytes0;
        row->total_rx = rx - t->row_rx0;
        row->total_tx = tx - t->row_tx0;
        t->result.n_incremental++;
        t->row_open = false;
}

static int on_finish(sd_event_source *s, void *userdata)
{
        tr143 *t = userdata;
        t->done(&t->result, t->userdata);
        return 0;
}

static void earliest(uint64_t *acc, uint64_t v)
{
        if (v && (!*acc || v < *acc))
                *acc = v;
}

static void latest(uint64_t *acc, uint64_t v)
{
        if (v > *acc)
                *acc = v;
}

/* Ends the test: the aggregates are computed and the callback runs from its own event, so
 * that it may free us. */
static void finish(tr143 *t, enum tr143_status status)
{
        struct tr143_result *res = &t->result;
        uint64_t rx, tx;

        if (t->finished)
                return;
        t->finished = true;
        res->status = status;
        for (uint32_t i = 0; i < TR143_MAX_CONNECTIONS; i++)
                conn_close(&t->conn[i]);
        (void)sd_event_source_set_enabled(t->check, SD_EVENT_OFF);
        (void)sd_event_source_set_enabled(t->duration, SD_EVENT_OFF);
        (void)sd_event_source_set_enabled(t->interval, SD_EVENT_OFF);

        res->n_connections = t->params.connections;
        for (uint32_t i = 0; i < res->n_connections; i++) {
                const struct tr143_connection_result *c = &t->conn[i].res;
                res->connection[i] = *c;
                res->test_bytes += c->test_bytes;
                earliest(&res->t.rom, c->t.rom);
                earliest(&res->t.bom, c->t.bom);
                latest(&res->t.eom, c->t.eom);
                latest(&res->t.tcp_open_request, c->t.tcp_open_request);
                latest(&res->t.tcp_open_response, c->t.tcp_open_response);
        }
        if (t->n_bom > 0) {
                sample_counters(t, &rx, &tx);
                res->total_rx = rx - t->rx0;
                res->total_tx = tx - t->tx0;
                close_row(t, res->t.eom ?: now_us(CLOCK_REALTIME));
        }
        if (status != TR143_COMPLETE) {
                /* TR-143 reports times and counts of a test that completed only */
                uint32_t n = res->n_connections;
                char ip[sizeof(res->address_used)], ifname[IF_NAMESIZE];
                memcpy(ip, res->address_used, sizeof(ip));
                memcpy(ifname, res->ifname, sizeof(ifname));
                *res = (struct tr143_result){.status = status, .n_connections = n};
                memcpy(res->address_used, ip, sizeof(ip));
                memcpy(res->ifname, ifname, sizeof(ifname));
        }
        if (sd_event_source_set_enabled(t->finish, SD_EVENT_ONESHOT) < 0)
                on_finish(t->finish, t);
}

/* ---- the moments of a connection ---- */

static void on_conn_bom(tr143 *t, struct conn *c, uint64_t when)
{
        c->res.t.bom = when;
        if (t->n_bom++ == 0) {
                if (t->params.duration_s > 0) {
                        (void)sd_event_source_set_time_relative(
                                t->duration, (uint64_t)t->params.duration_s * 1000000);
                        (void)sd_event_source_set_enabled(t->duration, SD_EVENT_ONESHOT);
                }
                if (t->params.duration_s > 0 && t->params.interval_s > 0 && t->rows_max > 0) {
                        (void)sd_event_source_set_time_relative(
                                t->interval, (uint64_t)t->params.offset_s * 1000000);
                        (void)sd_event_source_set_enabled(t->interval, SD_EVENT_ONESHOT);
                }
        }
        if (t->n_bom == t->params.connections) {
                /* the latest BOM: full loading begins */
                t->full_start = when;
                t->full_bytes0 = test_bytes_now(t);
                sample_counters(t, &t->full_rx0, &t->full_tx0);
        }
}

static void conn_done(tr143 *t, struct conn *c, uint64_t eom)
{
        uint64_t rx = 0, tx = 0;

        c->res.t.eom = eom;
        if (t->counters && netdev_counters(t->result.ifname, &rx, &tx) >= 0) {
                c->res.total_rx = rx - c->rx0;
                c->res.total_tx = tx - c->tx0;
        }
        if (!t->full_ended) {
                /* the earliest EOM: full loading ends, if it had begun */
                struct tr143_result *res = &t->result;
                t->full_ended = true;
                if (t->n_bom == t->params.connections && eom > t->full_start) {
                        res->full_test_bytes = test_bytes_now(t) - t->full_bytes0;
                        res->full_total_rx = rx - t->full_rx0;
                        res->full_total_tx = tx - t->full_tx0;
                        res->full_period_us = eom - t->full_start;
                }
        }
        c->state = CONN_DONE;
        conn_close(c);
        if (++t->n_done == t->params.connections)
                finish(t, TR143_COMPLETE);
}

/* ---- receiving ---- */

/* recvmsg() with the kernel's time stamp of the last packet read (realtime µs). */
static ssize_t receive(struct conn *c, void *buf, size_t len, uint64_t *when)
{
        union {
                char buf[CMSG_SPACE(sizeof(struct timespec))];
                struct cmsghdr align;
        } control;
        struct iovec iov = {.iov_base = buf, .iov_len = len};
        struct msghdr msg = {.msg_iov = &iov,
                             .msg_iovlen = 1,
                             .msg_control = &control,
                             .msg_controllen = sizeof(control)};
        ssize_t n = recvmsg(c->fd, &msg, MSG_DONTWAIT);

        *when = 0;
        if (n < 0)
                return -errno;
        for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
                if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS) {
                        struct timespec ts;
                        memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
                        *when = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
                }
        if (*when == 0)
                *when = now_us(CLOCK_REALTIME);
        return n;
}

/* Body bytes of a download; returns false when the test ended. */
static bool take_body(tr143 *t, struct conn *c, const uint8_t *data, size_t len, uint64_t when)
{
        bool done = false;

        switch (c->body) {
        case BODY_NONE:
                done = true;
                break;
        case BODY_LENGTH:
                if (len > c->body_left) {
                        finish(t, TR143_TRANSFER_FAILED); /* more than announced */
                        return false;
                }
                c->body_left -= len;
                done = c->body_left == 0;
                break;
        case BODY_CHUNKED: {
                ssize_t n = tr143_chunked_feed(&c->chunked, data, len, &done);
                if (n < 0 || (size_t)n < len) {
                        finish(t, TR143_TRANSFER_FAILED);
                        return false;
                }
                break;
        }
        case BODY_UNTIL_CLOSE:
                break;
        }
        if (done) {
                conn_done(t, c, when);
                return false;
        }
        return true;
}

/* The response head has come: the status decides; a download reads on. */
static bool take_head(tr143 *t, struct conn *c, size_t head_len, uint64_t when)
{
        struct tr143_head h;

        if (tr143_parse_head(c->rhead, head_len, &h) < 0) {
                finish(t, t->params.direction == TR143_DOWNLOAD ? TR143_TRANSFER_FAILED
                                                                : TR143_NO_TRANSFER_COMPLETE);
                return false;
        }
        if (h.status < 200) { /* 100 Continue and its kind: the real answer follows */
                memmove(c->rhead, c->rhead + head_len, c->rhead_len - head_len);
                c->rhead_len -= head_len;
                return true;
        }
        if (h.status >= 300) {
                log_debug("TR-143 server answered %d", h.status);
                finish(t, t->params.direction == TR143_DOWNLOAD ? TR143_TRANSFER_FAILED
                                                                : TR143_NO_TRANSFER_COMPLETE);
                return false;
        }
        if (t->params.direction == TR143_UPLOAD) {
                /* TR-143: the upload ends when the server's success comes */
                conn_done(t, c, when);
                return false;
        }
        c->state = CONN_READING_BODY;
        if (h.status == 204 || h.status == 304)
                c->body = BODY_NONE;
        else if (h.chunked)
                c->body = BODY_CHUNKED;
        else if (h.has_length)
                c->body = BODY_LENGTH, c->body_left = h.content_length;
        else
                c->body = BODY_UNTIL_CLOSE;
        size_t rest = c->rhead_len - head_len;
        uint8_t *extra = (uint8_t *)c->rhead + head_len;
        c->rhead_len = head_len;
        if (c->body == BODY_LENGTH && c->body_left == 0 && rest == 0) {
                conn_done(t, c, when);
                return false;
        }
        if (rest == 0 && c->body != BODY_NONE)
                return true;
        return take_body(t, c, extra, rest, when);
}

static void on_eof(tr143 *t, struct conn *c, uint64_t when)
{
        if (c->state == CONN_READING_BODY && c->body == BODY_UNTIL_CLOSE)
                conn_done(t, c, when);
        else if (c->state == CONN_READING_BODY)
                finish(t, TR143_INCORRECT_SIZE); /* the body ended before its end */
        else if (c->rhead_len > 0)
                finish(t, t->params.direction == TR143_DOWNLOAD ? TR143_TRANSFER_FAILED
                                                                : TR143_NO_TRANSFER_COMPLETE);
        else
                finish(t, TR143_NO_RESPONSE);
}

static void conn_read(tr143 *t, struct conn *c)
{
        for (int i = 0; i < OPS_PER_WAKEUP && !t->finished && c->state != CONN_DONE; i++) {
                uint64_t when;
                ssize_t n;

                if (c->state == CONN_READING_HEAD) {
                        if (!c->rhead && !(c->rhead = malloc(TR143_HEAD_MAX))) {
                                finish(t, TR143_INTERNAL);
                                return;
                        }
                        /* the first read takes one byte: its time stamp is the first
                         * packet's */
                        n = receive(c, c->rhead + c->rhead_len,
                                    c->res.t.bom ? TR143_HEAD_MAX - c->rhead_len : 1, &when);
                } else
                        n = receive(c, t->buffer, BUFFER_SIZE, &when);
                if (n == -EAGAIN || n == -EINTR)
                        return;
                if (n < 0) {
                        log_debug_errno((int)n, "TR-143 connection: %m");
                        finish(t, t->params.direction == TR143_DOWNLOAD
                                          ? TR143_TRANSFER_FAILED
                                          : TR143_NO_TRANSFER_COMPLETE);
                        return;
                }
                c->last_activity = now_us(CLOCK_MONOTONIC);
                if (n == 0) {
                        on_eof(t, c, c->res.t.eom ?: when);
                        return;
                }
                if (t->params.direction == TR143_DOWNLOAD) {
                        if (!c->res.t.bom)
                                on_conn_bom(t, c, when);
                        c->res.test_bytes += (uint64_t)n;
                        c->res.t.eom = when; /* the last packet so far */
                }
                if (c->state == CONN_READING_BODY) {
                        if (!take_body(t, c, t->buffer, (size_t)n, when))
                                return;
                        continue;
                }
                c->rhead_len += (size_t)n;
                ssize_t end = tr143_head_end(c->rhead, c->rhead_len);
                if (end < 0) {
                        finish(t, t->params.direction == TR143_DOWNLOAD
                                          ? TR143_TRANSFER_FAILED
                                          : TR143_NO_TRANSFER_COMPLETE);
                        return;
                }
                while (end > 0 && c->state == CONN_READING_HEAD) {
                        if (!take_head(t, c, (size_t)end, when))
                                return;
                        end = c->state == CONN_READING_HEAD ? tr143_head_end(c->rhead, c->rhead_len)
                                                            : 0;
                }
        }
}

/* ---- sending ---- */

static void set_events(tr143 *t, struct conn *c, uint32_t events)
{
        if (sd_event_source_set_io_events(c->io, events) < 0)
                finish(t, TR143_INTERNAL);
}

static ssize_t send_some(struct conn *c, const void *data, size_t len)
{
        ssize_t n = send(c->fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL);
        return n < 0 ? -errno : n;
}

/* Upload body: the file (Content-Length) or, time based, a chunked stream until stopped. */
static void conn_send_body(tr143 *t, struct conn *c)
{
        bool chunked = t->params.duration_s > 0;
        const size_t period = sizeof(CHUNK_HEADER) - 1 + UPLOAD_CHUNK + 2;

        if (!c->res.t.bom)
                on_conn_bom(t, c, now_us(CLOCK_REALTIME));
        for (int i = 0; i < OPS_PER_WAKEUP; i++) {
                const uint8_t *data;
                bool last = false; /* the last chunk, "0\r\n\r\n" */
                size_t len;
                ssize_t n;

                if (!chunked) {
                        uint64_t left = t->params.upload_length - c->body_sent;
                        if (left == 0)
                                break;
                        data = t->buffer;
                        len = left < BUFFER_SIZE ? (size_t)left : BUFFER_SIZE;
                } else if (c->stopping && c->body_sent % period == 0) {
                        if (c->last_chunk_sent == sizeof(LAST_CHUNK) - 1)
                                break;
                        data = (const uint8_t *)LAST_CHUNK + c->last_chunk_sent;
                        len = sizeof(LAST_CHUNK) - 1 - c->last_chunk_sent;
                        last = true;
                } else {
                        size_t at = (size_t)(c->body_sent % period);
                        data = t->buffer + at;
                        len = period - at;
                }
                n = send_some(c, data, len);
                if (n == -EAGAIN || n == -EINTR)
                        return;
                if (n < 0) {
                        log_debug_errno((int)n, "TR-143 upload: %m");
                        finish(t, TR143_NO_TRANSFER_COMPLETE);
                        return;
                }
                c->last_activity = now_us(CLOCK_MONOTONIC);
                c->res.test_bytes += (uint64_t)n;
                if (last)
                        c->last_chunk_sent += (size_t)n;
                else
                        c->body_sent += (uint64_t)n;
        }
        bool sent = chunked ? c->last_chunk_sent == sizeof(LAST_CHUNK) - 1
                            : c->body_sent == t->params.upload_length;
        if (sent) {
                c->state = CONN_READING_HEAD;
                set_events(t, c, EPOLLIN);
        }
}

static void conn_send_head(tr143 *t, struct conn *c)
{
        ssize_t n;

        if (c->head_sent == 0) {
                /* The device's counters are read before the request leaves: read at BOM
                 * they would miss the packets that came with the first one. Between the two
                 * only the request passes. */
                sample_counters(t, &c->rx0, &c->tx0);
                if (!t->sampled) {
                        t->sampled = true;
                        t->rx0 = c->rx0;
                        t->tx0 = c->tx0;
                }
                c->res.t.rom = now_us(CLOCK_REALTIME);
        }
        n = send_some(c, t->request + c->head_sent, t->request_len - c->head_sent);
        if (n == -EAGAIN || n == -EINTR)
                return;
        if (n < 0) {
                finish(t, TR143_INIT_CONNECTION_FAILED);
                return;
        }
        c->last_activity = now_us(CLOCK_MONOTONIC);
        c->head_sent += (size_t)n;
        if (t->params.direction == TR143_UPLOAD)
                c->res.test_bytes += (uint64_t)n;
        if (c->head_sent < t->request_len)
                return;
        if (t->params.direction == TR143_UPLOAD) {
                c->state = CONN_SENDING_BODY;
                /* readable now means the server answered (or left) before the whole file */
                set_events(t, c, EPOLLOUT | EPOLLIN);
                conn_send_body(t, c);
        } else {
                c->state = CONN_READING_HEAD;
                set_events(t, c, EPOLLIN);
        }
}

static enum tr143_status connect_error(int error)
{
        if (error == ENETUNREACH || error == EHOSTUNREACH || error == EADDRNOTAVAIL)
                return TR143_NO_ROUTE;
        return TR143_INIT_CONNECTION_FAILED;
}

/* The handshake is over: the SYN's answer came one RTT after the SYN, as the kernel
 * measured it; what the loop saw later is only when we looked. */
static void on_connected(tr143 *t, struct conn *c)
{
        uint64_t seen = now_us(CLOCK_REALTIME);
        struct tcp_info info = {};
        socklen_t len = sizeof(info);
        uint64_t at = seen;

        /* a retransmitted SYN: the sample, if any, is of the last one, whose time we lack */
        if (getsockopt(c->fd, IPPROTO_TCP, TCP_INFO, &info, &len) == 0 && info.tcpi_rtt > 0 &&
            info.tcpi_total_retrans == 0 && c->res.t.tcp_open_request + info.tcpi_rtt <= seen)
                at = c->res.t.tcp_open_request + info.tcpi_rtt;
        c->res.t.tcp_open_response = at;
        if (t->result.address_used[0] == '\0') {
                struct sockaddr_storage local = {};
                socklen_t local_len = sizeof(local);
                if (getsockname(c->fd, (struct sockaddr *)&local, &local_len) == 0) {
                        const void *a =
                                local.ss_family == AF_INET
                                        ? (const void *)&((struct sockaddr_in *)&local)->sin_addr
                                        : (const void *)&((struct sockaddr_in6 *)&local)->sin6_addr;
                        (void)inet_ntop(local.ss_family, a, t->result.address_used,
                                        sizeof(t->result.address_used));
                        if (!t->result.ifname[0])
                                (void)netdev_of_address((struct sockaddr *)&local,
                                                        t->result.ifname);
                        uint64_t rx, tx;
                        t->counters = t->result.ifname[0] &&
                                      netdev_counters(t->result.ifname, &rx, &tx) >= 0;
                }
        }
        c->state = CONN_SENDING_HEAD;
        conn_send_head(t, c);
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct conn *c = userdata;
        tr143 *t = c->t;

        switch (c->state) {
        case CONN_CONNECTING: {
                int error = 0;
                socklen_t len = sizeof(error);
                if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) < 0)
                        error = errno;
                if (error) {
                        log_debug("TR-143 connection to %s: %s", t->url.authority, strerror(error));
                        finish(t, connect_error(error));
                        return 0;
                }
                on_connected(t, c);
                break;
        }
        case CONN_SENDING_HEAD:
                conn_send_head(t, c);
                break;
        case CONN_SENDING_BODY:
                if (revents & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
                        finish(t, TR143_NO_TRANSFER_COMPLETE);
                        return 0;
                }
                conn_send_body(t, c);
                break;
        case CONN_READING_HEAD:
        case CONN_READING_BODY:
                conn_read(t, c);
                break;
        default:
                break;
        }
        return 0;
}

static int conn_open(tr143 *t, struct conn *c)
{
        int one = 1, tos = (int)(t->params.dscp << 2), r;

        c->fd = socket(t->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c->fd < 0)
                return -errno;
        if (t->ifname && t->ifname[0] &&
            setsockopt(c->fd, SOL_SOCKET, SO_BINDTODEVICE, t->ifname,
                       (socklen_t)strlen(t->ifname)) < 0)
                return log_debug_errno(-errno, "Cannot bind to %s: %m", t->ifname);
        if (t->addr.ss_family == AF_INET)
                r = setsockopt(c->fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
        else
                r = setsockopt(c->fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof(tos));
        if (r < 0 || setsockopt(c->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) < 0)
                return -errno;
        (void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        r = sd_event_add_io(t->event, &c->io, c->fd, EPOLLOUT, on_io, c);
        if (r < 0)
                return r;
        c->state = CONN_CONNECTING;
        c->last_activity = now_us(CLOCK_MONOTONIC);
        c->res.t.tcp_open_request = now_us(CLOCK_REALTIME); /* the SYN leaves in connect() */
        if (connect(c->fd, (struct sockaddr *)&t->addr, t->addr_len) < 0 && errno != EINPROGRESS)
                return -errno;
        return 0;
}

/* ---- timers ---- */

/* Stalls: no answer to the SYN, no response, a transfer that stopped; and the test's limit. */
static int on_check(sd_event_source *s, uint64_t usec, void *userdata)
{
        tr143 *t = userdata;
        uint64_t now = now_us(CLOCK_MONOTONIC);
        uint64_t idle = (uint64_t)(t->params.idle_timeout_ms ?: DEFAULT_IDLE_MS) * 1000;

        if (now >= t->test_deadline) {
                finish(t, TR143_TIMEOUT);
                return 0;
        }
        for (uint32_t i = 0; i < t->params.connections; i++) {
                struct conn *c = &t->conn[i];
                int unsent;

                if (c->state == CONN_DONE || c->state == CONN_IDLE)
                        continue;
                /* an upload that wrote everything waits while its socket buffer drains,
                 * which on a slow link takes long: what the kernel still holds shows the
                 * progress */
                if (t->params.direction == TR143_UPLOAD && c->fd >= 0 &&
                    ioctl(c->fd, SIOCOUTQ, &unsent) == 0 && unsent != c->unsent) {
                        c->unsent = unsent;
                        c->last_activity = now;
                }
                if (now - c->last_activity < idle)
                        continue;
                finish(t, c->state == CONN_CONNECTING ? TR143_INIT_CONNECTION_FAILED
                          : c->state == CONN_READING_HEAD && !c->rhead_len ? TR143_NO_RESPONSE
                                                                           : TR143_TIMEOUT);
                return 0;
        }
        (void)sd_event_source_set_time_relative(s, CHECK_INTERVAL_US);
        (void)sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        return 0;
}

/* A time based test is over: downloads stop reading, uploads end their stream. */
static int on_duration(sd_event_source *s, uint64_t usec, void *userdata)
{
        tr143 *t = userdata;

        for (uint32_t i = 0; i < t->params.connections && !t->finished; i++) {
                struct conn *c = &t->conn[i];
                if (c->state == CONN_DONE)
                        continue;
                if (t->params.direction == TR143_DOWNLOAD) {
                        if (!c->res.t.bom) {
                                finish(t, TR143_NO_RESPONSE);
                                break;
                        }
                        conn_done(t, c, c->res.t.eom);
                } else {
                        c->stopping = true;
                        if (c->state == CONN_SENDING_BODY)
                                conn_send_body(t, c);
                }
        }
        return 0;
}

/* The boundaries of the incremental results: BOM + offset + k * interval. */
static int on_interval(sd_event_source *s, uint64_t usec, void *userdata)
{
        tr143 *t = userdata;
        uint64_t now = now_us(CLOCK_REALTIME);

        close_row(t, now);
        if (t->result.n_incremental >= t->rows_max)
                return 0;
        t->row_open = true;
        t->result.incremental[t->result.n_incremental] =
                (struct tr143_incremental_result){.start = now};
        t->row_bytes0 = test_bytes_now(t);
        sample_counters(t, &t->row_rx0, &t->row_tx0);
        (void)sd_event_source_set_time(s, usec + (uint64_t)t->params.interval_s * 1000000);
        (void)sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        return 0;
}

/* ---- start ---- */

static void begin(tr143 *t, const struct sockaddr *addr, socklen_t addr_len)
{
        memcpy(&t->addr, addr, addr_len);
        t->addr_len = addr_len;
        if (t->ifname && t->ifname[0])
                snprintf(t->result.ifname, sizeof(t->result.ifname), "%s", t->ifname);
        for (uint32_t i = 0; i < t->params.connections; i++) {
                int r = conn_open(t, &t->conn[i]);
                if (r < 0) {
                        log_debug_errno(r, "TR-143 connection to %s: %m", t->url.authority);
                        finish(t, r == -ENOMEM || r == -EPERM || r == -ENODEV ? TR143_INTERNAL
                                                                              : connect_error(-r));
                        return;
                }
        }
}

static void on_resolved(const struct sockaddr *addr, socklen_t addr_len, const char *error,
                        void *userdata)
{
        tr143 *t = userdata;
        struct sockaddr_storage a;

        resolve_free(TAKE_PTR(t->resolve));
        if (!addr) {
                log_debug("Cannot resolve %s: %s", t->url.host, error);
                finish(t, TR143_CANNOT_RESOLVE);
                return;
        }
        memcpy(&a, addr, addr_len);
        /* the resolver gives no port */
        if (a.ss_family == AF_INET)
                ((struct sockaddr_in *)&a)->sin_port = htons((uint16_t)atoi(t->url.port));
        else
                ((struct sockaddr_in6 *)&a)->sin6_port = htons((uint16_t)atoi(t->url.port));
        begin(t, (struct sockaddr *)&a, addr_len);
}

static int build_request(tr143 *t)
{
        struct buf b = {};
        int r;

        if (t->params.direction == TR143_DOWNLOAD)
                r = buf_printf(&b,
                               "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: cwmp-agent diagd\r\n"
                               "Accept: */*\r\n\r\n",
                               t->url.path, t->url.authority);
        else if (t->params.duration_s > 0)
                r = buf_printf(&b,
                               "PUT %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: cwmp-agent diagd\r\n"
                               "Content-Type: application/octet-stream\r\n"
                               "Transfer-Encoding: chunked\r\n\r\n",
                               t->url.path, t->url.authority);
        else
                r = buf_printf(&b,
                               "PUT %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: cwmp-agent diagd\r\n"
                               "Content-Type: application/octet-stream\r\n"
                               "Content-Length: %" PRIu64 "\r\n\r\n",
                               t->url.path, t->url.authority, t->params.upload_length);
        if (r < 0) {
                buf_done(&b);
                return r;
        }
        t->request_len = b.len;
        t->request = buf_steal(&b);
        return t->request ? 0 : -ENOMEM;
}

int tr143_start(sd_event *event, const struct tr143_params *params, tr143_done_fn done,
                void *userdata, tr143 **ret)
{
        struct sockaddr_in sin = {.sin_family = AF_INET};
        struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6};
        tr143 *t;
        int r;

        if (!event || !params || !params->url || !done || !ret || params->connections == 0 ||
            params->connections > TR143_MAX_CONNECTIONS)
                return -EINVAL;
        t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        t->event = sd_event_ref(event);
        t->params = *params;
        t->done = done;
        t->userdata = userdata;
        for (uint32_t i = 0; i < TR143_MAX_CONNECTIONS; i++)
                t->conn[i] = (struct conn){.t = t, .fd = -1};
        t->url_text = strdup(params->url);
        t->ifname = params->ifname ? strdup(params->ifname) : NULL;
        t->buffer = calloc(1, BUFFER_SIZE);
        if (!t->url_text || (params->ifname && !t->ifname) || !t->buffer) {
                r = -ENOMEM;
                goto fail;
        }
        t->params.url = t->url_text;
        t->params.ifname = t->ifname;
        r = tr143_parse_url(t->url_text, &t->url);
        if (r < 0)
                goto fail;
        if (params->duration_s > 0 && params->interval_s > 0 &&
            params->duration_s > params->offset_s) {
                t->rows_max = (params->duration_s - params->offset_s) / params->interval_s;
                if (t->rows_max > TR143_MAX_INCREMENTAL)
                        t->rows_max = TR143_MAX_INCREMENTAL;
        }
        if (params->direction == TR143_UPLOAD && params->duration_s > 0) {
                /* one chunk with its framing: the stream is this, again and again */
                memcpy(t->buffer, CHUNK_HEADER, sizeof(CHUNK_HEADER) - 1);
                memcpy(t->buffer + sizeof(CHUNK_HEADER) - 1 + UPLOAD_CHUNK, "\r\n", 2);
        }
        r = build_request(t);
        if (r >= 0)
                r = sd_event_add_defer(event, &t->finish, on_finish, t);
        if (r >= 0)
                r = sd_event_source_set_enabled(t->finish, SD_EVENT_OFF);
        if (r >= 0)
                r = sd_event_add_time_relative(event, &t->check, CLOCK_MONOTONIC, CHECK_INTERVAL_US,
                                               10000, on_check, t);
        if (r >= 0)
                r = sd_event_add_time(event, &t->duration, CLOCK_MONOTONIC, UINT64_MAX, 1000,
                                      on_duration, t);
        if (r >= 0)
                r = sd_event_add_time(event, &t->interval, CLOCK_MONOTONIC, UINT64_MAX, 1000,
                                      on_interval, t);
        if (r < 0)
                goto fail;
        t->test_deadline = now_us(CLOCK_MONOTONIC) +
                           (uint64_t)(params->test_timeout_ms ?: DEFAULT_TEST_MS) * 1000;

        sin.sin_port = sin6.sin6_port = htons((uint16_t)atoi(t->url.port));
        if (params->family != AF_INET6 && inet_pton(AF_INET, t->url.host, &sin.sin_addr) == 1)
                begin(t, (struct sockaddr *)&sin, sizeof(sin));
        else if (params->family != AF_INET &&
                 inet_pton(AF_INET6, t->url.host, &sin6.sin6_addr) == 1)
                begin(t, (struct sockaddr *)&sin6, sizeof(sin6));
        else if (inet_pton(AF_INET, t->url.host, &sin.sin_addr) == 1 ||
                 inet_pton(AF_INET6, t->url.host, &sin6.sin6_addr) == 1)
                finish(t, TR143_CANNOT_RESOLVE); /* an address of the other family */
        else {
                r = resolve_start(event, t->url.host, params->family, on_resolved, t, &t->resolve);
                if (r < 0) {
                        log_debug_errno(r, "Cannot resolve %s: %m", t->url.host);
                        finish(t, TR143_INTERNAL);
                }
        }
        *ret = t;
        return 0;
fail:
        tr143_free(t);
        return r;
}
