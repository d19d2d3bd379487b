/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tr143-netdev.h"
#include "types.h"
#include "util.h"

static bool same_address(const struct sockaddr *a, const struct sockaddr *b)
{
        if (a->sa_family != b->sa_family)
                return false;
        if (a->sa_family == AF_INET)
                return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
                       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
        if (a->sa_family == AF_INET6)
                return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
                              &((const struct sockaddr_in6 *)b)->sin6_addr,
                              sizeof(struct in6_addr)) == 0;
        return false;
}

int netdev_of_address(const struct sockaddr *local, char ifname[IF_NAMESIZE])
{
        struct ifaddrs *list, *i;
        int r = -ENODEV;

        if (getifaddrs(&list) < 0)
                return -errno;
        for (i = list; i; i = i->ifa_next)
                if (i->ifa_addr && same_address(i->ifa_addr, local)) {
                        snprintf(ifname, IF_NAMESIZE, "%s", i->ifa_name);
                        r = 0;
                        break;
                }
        freeifaddrs(list);
        return r;
}

static int read_counter(const char *ifname, const char *which, uint64_t *ret)
{
        char path[96], text[32];
        _cleanup_close_ int fd = -1;
        ssize_t n;

        snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s", ifname, which);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        n = read(fd, text, sizeof(text) - 1);
        if (n < 0)
                return -errno;
        while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' '))
                n--;
        text[n] = '\0';
        return cw_parse_uint64(text, ret);
}

int netdev_counters(const char *ifname, uint64_t *rx_bytes, uint64_t *tx_bytes)
{
        int r;

        if (!ifname[0] || strchr(ifname, '/') || strstr(ifname, ".."))
                return -EINVAL;
        r = read_counter(ifname, "rx_bytes", rx_bytes);
        if (r >= 0)
                r = read_counter(ifname, "tx_bytes", tx_bytes);
        return r;
}
