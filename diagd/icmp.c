/* SPDX-License-Identifier: MIT */
#include <netinet/icmp6.h>
#include <netinet/ip_icmp.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "icmp.h"

uint64_t icmp_now_us(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint16_t checksum(const uint8_t *data, size_t len)
{
        uint32_t sum = 0;

        for (size_t i = 0; i + 1 < len; i += 2)
                sum += (uint32_t)(data[i] << 8 | data[i + 1]);
        if (len & 1)
                sum += (uint32_t)data[len - 1] << 8;
        while (sum >> 16)
                sum = (sum & 0xffff) + (sum >> 16);
        return (uint16_t)~sum;
}

void icmp_build_echo(uint8_t *packet, size_t len, int family, uint16_t ident, uint16_t seq)
{
        memset(packet, 0, ICMP_HEADER_SIZE);
        packet[0] = family == AF_INET ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
        packet[4] = (uint8_t)(ident >> 8);
        packet[5] = (uint8_t)ident;
        packet[6] = (uint8_t)(seq >> 8);
        packet[7] = (uint8_t)seq;
        for (size_t i = ICMP_HEADER_SIZE; i < len; i++)
                packet[i] = (uint8_t)i;
        if (family == AF_INET) {
                uint16_t sum = checksum(packet, len);
                packet[2] = (uint8_t)(sum >> 8);
                packet[3] = (uint8_t)sum;
        }
}
