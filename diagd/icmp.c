/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/ip_icmp.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "icmp.h"
#include "util.h"

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

int icmp_bind_to_device(int fd, const char *ifname)
{
        if (!ifname || !ifname[0])
                return 0;
        if (strlen(ifname) >= IFNAMSIZ)
                return -ENODEV;
        return setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname)) < 0
                       ? -errno
                       : 0;
}

int icmp_open(int family, uint32_t dscp, const char *ifname, bool *raw)
{
        int proto = family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
        int tos = (int)(dscp << 2);
        _cleanup_close_ int fd = -1;
        int r;

        fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
        *raw = fd >= 0;
        if (fd < 0 && (errno == EPERM || errno == EACCES))
                fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
        if (fd < 0)
                return -errno;
        if (setsockopt(fd, family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6,
                       family == AF_INET ? IP_TOS : IPV6_TCLASS, &tos, sizeof(tos)) < 0)
                return -errno;
        r = icmp_bind_to_device(fd, ifname);
        if (r < 0)
                return r;
        return TAKE_FD(fd);
}
