/* SPDX-License-Identifier: MIT */
/* Text of TR-181 values, and the system files some of them come from. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "net-values.h"

int net_format(char **ret, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int r = vasprintf(ret, fmt, ap);
        va_end(ap);
        if (r < 0) {
                *ret = NULL;
                return -ENOMEM;
        }
        return 0;
}

int net_text(const char *s, char **ret)
{
        return net_format(ret, "%s", s);
}

int net_boolean(bool b, char **ret)
{
        return net_text(b ? "true" : "false", ret);
}

int net_unsigned_int(uint64_t v, char **ret)
{
        return net_format(ret, "%" PRIu64, v > UINT32_MAX ? (uint64_t)UINT32_MAX : v);
}

int net_ip_text(const struct net_ip *ip, char **ret)
{
        char buf[INET6_ADDRSTRLEN];
        return net_text(net_ip_to_string(ip, buf), ret);
}

/* now + seconds as a dateTime; the infinite lifetime is TR-181's infinite time. */
int net_lifetime(uint32_t seconds, char **ret)
{
        if (seconds == NET_LIFETIME_INFINITE)
                return net_text(INFINITE_TIME, ret);
        time_t t = time(NULL) + (time_t)seconds;
        struct tm tm;
        char buf[32];
        if (!gmtime_r(&t, &tm) || strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                return -EINVAL;
        return net_text(buf, ret);
}

/* ---- /sys and /proc ---- */

int net_read_sys_text(const struct linux_net *n, const char *ifname, const char *file, char *buf,
                      size_t size)
{
        char path[512];
        snprintf(path, sizeof(path), "%s/class/net/%s/%s", n->sys, ifname, file);
        FILE *f = fopen(path, "re");
        if (!f)
                return -errno;
        bool ok = fgets(buf, (int)size, f) != NULL;
        int err = errno;
        fclose(f);
        if (!ok)
                return err ? -err : -EIO;
        buf[strcspn(buf, "\n")] = '\0';
        return 0;
}

int net_read_sys_u64(const struct linux_net *n, const char *ifname, const char *file, uint64_t *ret)
{
        char buf[32], *end;
        int r = net_read_sys_text(n, ifname, file, buf, sizeof(buf));
        if (r < 0)
                return r;
        errno = 0;
        unsigned long long v = strtoull(buf, &end, 10);
        if (errno || end == buf || buf[0] == '-')
                return -EINVAL;
        *ret = v;
        return 0;
}

int net_read_proc_flag(const struct linux_net *n, const char *path, bool *ret)
{
        char full[512], buf[16];
        snprintf(full, sizeof(full), "%s/%s", n->proc, path);
        FILE *f = fopen(full, "re");
        if (!f)
                return -errno;
        bool ok = fgets(buf, sizeof(buf), f) != NULL;
        fclose(f);
        if (!ok)
                return -EIO;
        *ret = buf[0] != '0';
        return 0;
}

bool net_ipv6_capable(const struct linux_net *n)
{
        char path[512];
        snprintf(path, sizeof(path), "%s/sys/net/ipv6", n->proc);
        return access(path, F_OK) == 0;
}
