/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdint.h>
#include <systemd/sd-event.h>

/* The capture of PacketCaptureDiagnostics on sd-event: an AF_PACKET socket on one interface
 * (its frames as they are, LINKTYPE_ETHERNET) or on all of them (the network layer behind a
 * Linux "cooked" header, LINKTYPE_LINUX_SLL), written as it comes to a libpcap file. It
 * ends after Duration, PacketCount or ByteCount, whichever comes first, and never goes past
 * PACKET_CAPTURE_MAX_BYTES. */

#define PACKET_CAPTURE_MAX_BYTES (16u * 1024 * 1024) /* the file, headers included */
#define PACKET_CAPTURE_SNAPLEN   65535u

enum packet_capture_status {
        PACKET_CAPTURE_COMPLETE,
        PACKET_CAPTURE_INTERNAL, /* the socket or the file failed */
};

struct packet_capture_params {
        const char *interface; /* the Linux name, NULL or "": every interface */
        const char *path;      /* the file written (replaced) */
        uint32_t duration_s;   /* at least 1 */
        uint32_t packet_count; /* 0: no limit */
        uint32_t byte_count;   /* bytes of packets recorded, 0: no limit */
};

struct packet_capture_result {
        enum packet_capture_status status;
        uint64_t start_us, end_us; /* CLOCK_REALTIME */
        uint32_t count;            /* packets recorded */
        uint64_t bytes;            /* packet bytes recorded */
};

typedef struct packet_capture packet_capture;
typedef void (*packet_capture_done_fn)(const struct packet_capture_result *result, void *userdata);

/* `done` is called once, from the event loop (never from packet_capture_start). */
int packet_capture_start(sd_event *event, const struct packet_capture_params *params,
                         packet_capture_done_fn done, void *userdata, packet_capture **ret);
/* Stops a capture (its callback is not called), keeps what was written, and frees it. */
void packet_capture_free(packet_capture *c);
