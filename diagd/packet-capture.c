/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "packet-capture.h"

#define LINKTYPE_ETHERNET  1
#define LINKTYPE_LINUX_SLL 113
#define PCAP_MAGIC_US      0xa1b2c3d4u
#define SLL_HEADER_SIZE    16
#define PACKETS_PER_WAKEUP 64 /* then back to the loop, which other sources share */
#define PCAP_HEADER_SIZE   24
#define RECORD_HEADER_SIZE 16

struct packet_capture {
        sd_event *event;
        int fd;
        FILE *file;
        bool cooked; /* every interface: SLL headers of our own */
        struct packet_capture_params params;
        struct packet_capture_result result;
        uint64_t file_size;
        bool full; /* not even the next packet's headers fit any more */
        sd_event_source *io, *timer, *finish;
        packet_capture_done_fn done;
        void *userdata;
        uint8_t buf[PACKET_CAPTURE_SNAPLEN + SLL_HEADER_SIZE];
};

static uint64_t now_us(clockid_t clock)
{
        struct timespec ts;
        clock_gettime(clock, &ts);
        return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void put32(uint8_t *p, uint32_t v)
{
        memcpy(p, &v, 4); /* host order: the magic number tells readers which */
}

static void put16(uint8_t *p, uint16_t v)
{
        memcpy(p, &v, 2);
}

static int write_header(struct packet_capture *c)
{
        uint8_t h[PCAP_HEADER_SIZE] = {0};

        put32(h, PCAP_MAGIC_US);
        put16(h + 4, 2);
        put16(h + 6, 4);
        put32(h + 16, PACKET_CAPTURE_SNAPLEN);
        put32(h + 20, c->cooked ? LINKTYPE_LINUX_SLL : LINKTYPE_ETHERNET);
        if (fwrite(h, sizeof(h), 1, c->file) != 1)
                return -EIO;
        c->file_size = sizeof(h);
        return 0;
}

static int on_finish_defer(sd_event_source *s, void *userdata);

/* Ends the capture: `done` runs from a defer source, so never from inside start. */
static void finish(struct packet_capture *c, enum packet_capture_status status)
{
        if (c->finish)
                return;
        c->result.status = status;
        c->result.end_us = now_us(CLOCK_REALTIME);
        sd_event_source_set_enabled(c->io, SD_EVENT_OFF);
        sd_event_source_set_enabled(c->timer, SD_EVENT_OFF);
        if (c->file && fflush(c->file) != 0)
                c->result.status = PACKET_CAPTURE_INTERNAL;
        if (sd_event_add_defer(c->event, &c->finish, on_finish_defer, c) < 0)
                c->finish = NULL;
}

static bool limit_reached(const struct packet_capture *c)
{
        const struct packet_capture_params *p = &c->params;
        return (p->packet_count && c->result.count >= p->packet_count) ||
               (p->byte_count && c->result.bytes >= p->byte_count) || c->full;
}

/* One packet: its record header, the SLL header when cooked, then its first bytes, cut so
 * that neither ByteCount nor the hard cap is passed. */
static int record(struct packet_capture *c, const struct sockaddr_ll *from, size_t len,
                  size_t wire_len, const struct timespec *ts)
{
        uint8_t h[RECORD_HEADER_SIZE + SLL_HEADER_SIZE] = {0};
        size_t head = c->cooked ? SLL_HEADER_SIZE : 0;
        uint64_t room = PACKET_CAPTURE_MAX_BYTES - c->file_size - RECORD_HEADER_SIZE;
        size_t incl = head + len;

        if (c->file_size + RECORD_HEADER_SIZE + head >= PACKET_CAPTURE_MAX_BYTES) {
                c->full = true;
                return 0;
        }
        if (c->params.byte_count && incl > c->params.byte_count - c->result.bytes)
                incl = c->params.byte_count - c->result.bytes;
        if (incl > room)
                incl = (size_t)room;
        if (incl < head) {
                c->full = true;
                return 0;
        }
        put32(h, (uint32_t)ts->tv_sec);
        put32(h + 4, (uint32_t)(ts->tv_nsec / 1000));
        put32(h + 8, (uint32_t)incl);
        put32(h + 12, (uint32_t)(head + wire_len));
        if (c->cooked) {
                uint8_t *s = h + RECORD_HEADER_SIZE;
                uint16_t halen = from->sll_halen > 8 ? 8 : from->sll_halen;

                /* big-endian fields, as the SLL format has them */
                s[0] = 0, s[1] = from->sll_pkttype;
                s[2] = (uint8_t)(from->sll_hatype >> 8), s[3] = (uint8_t)from->sll_hatype;
                s[4] = 0, s[5] = (uint8_t)halen;
                memcpy(s + 6, from->sll_addr, halen);
                memcpy(s + 14, &from->sll_protocol, 2); /* already in network order */
        }
        if (fwrite(h, RECORD_HEADER_SIZE + head, 1, c->file) != 1 ||
            (incl > head && fwrite(c->buf, incl - head, 1, c->file) != 1))
                return -EIO;
        c->file_size += RECORD_HEADER_SIZE + incl;
        c->result.bytes += incl;
        c->result.count++;
        return 0;
}

static int on_readable(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct packet_capture *c = userdata;

        for (int i = 0; i < PACKETS_PER_WAKEUP && !limit_reached(c); i++) {
                union {
                        struct cmsghdr align;
                        char buf[CMSG_SPACE(sizeof(struct timespec))];
                } control;
                struct sockaddr_ll from = {0};
                struct iovec iov = {c->buf, PACKET_CAPTURE_SNAPLEN};
                struct msghdr msg = {.msg_name = &from,
                                     .msg_namelen = sizeof(from),
                                     .msg_iov = &iov,
                                     .msg_iovlen = 1,
                                     .msg_control = &control,
                                     .msg_controllen = sizeof(control)};
                struct timespec ts = {0};
                ssize_t n = recvmsg(fd, &msg, MSG_TRUNC | MSG_DONTWAIT);

                if (n < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                return 0;
                        finish(c, PACKET_CAPTURE_INTERNAL);
                        return 0;
                }
                for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
                        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS)
                                memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
                if (ts.tv_sec == 0)
                        clock_gettime(CLOCK_REALTIME, &ts);
                size_t len =
                        (size_t)n < PACKET_CAPTURE_SNAPLEN ? (size_t)n : PACKET_CAPTURE_SNAPLEN;
                if (record(c, &from, len, (size_t)n, &ts) < 0) {
                        finish(c, PACKET_CAPTURE_INTERNAL);
                        return 0;
                }
        }
        if (limit_reached(c))
                finish(c, PACKET_CAPTURE_COMPLETE);
        return 0;
}

static int on_duration(sd_event_source *s, uint64_t usec, void *userdata)
{
        finish(userdata, PACKET_CAPTURE_COMPLETE);
        return 0;
}

static int on_finish_defer(sd_event_source *s, void *userdata)
{
        struct packet_capture *c = userdata;
        sd_event_source_set_enabled(s, SD_EVENT_OFF);
        c->done(&c->result, c->userdata);
        return 0;
}

static int open_socket(struct packet_capture *c, const char *ifname)
{
        int on = 1;

        c->cooked = !ifname || !ifname[0];
        c->fd = socket(AF_PACKET,
                       (c->cooked ? SOCK_DGRAM : SOCK_RAW) | SOCK_NONBLOCK | SOCK_CLOEXEC,
                       htons(ETH_P_ALL));
        if (c->fd < 0)
                return -errno;
        if (setsockopt(c->fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on)) < 0)
                return -errno;
        struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL)};
        if (!c->cooked) {
                sll.sll_ifindex = (int)if_nametoindex(ifname);
                if (sll.sll_ifindex == 0)
                        return -ENODEV;
        }
        if (bind(c->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
                return -errno;
        return 0;
}

void packet_capture_free(packet_capture *c)
{
        if (!c)
                return;
        sd_event_source_disable_unref(c->io);
        sd_event_source_disable_unref(c->timer);
        sd_event_source_disable_unref(c->finish);
        if (c->file)
                fclose(c->file);
        if (c->fd >= 0)
                close(c->fd);
        sd_event_unref(c->event);
        free(c);
}

int packet_capture_start(sd_event *event, const struct packet_capture_params *params,
                         packet_capture_done_fn done, void *userdata, packet_capture **ret)
{
        packet_capture *c = calloc(1, sizeof(*c));
        int r;

        if (!c)
                return -ENOMEM;
        c->fd = -1;
        c->event = sd_event_ref(event);
        c->params = *params;
        c->params.path = NULL;
        c->params.interface = NULL; /* neither is kept past this call */
        c->done = done;
        c->userdata = userdata;
        r = open_socket(c, params->interface);
        if (r < 0)
                goto fail;
        c->file = fopen(params->path, "we");
        if (!c->file) {
                r = -errno;
                goto fail;
        }
        r = write_header(c);
        if (r < 0)
                goto fail;
        c->result.start_us = now_us(CLOCK_REALTIME);
        r = sd_event_add_io(event, &c->io, c->fd, EPOLLIN, on_readable, c);
        if (r >= 0)
                r = sd_event_add_time_relative(
                        event, &c->timer, CLOCK_MONOTONIC,
                        (uint64_t)(params->duration_s ? params->duration_s : 1) * 1000000, 0,
                        on_duration, c);
        if (r < 0)
                goto fail;
        *ret = c;
        return 0;
fail:
        packet_capture_free(c);
        return r;
}
