/* SPDX-License-Identifier: MIT */
/* dnsmasq's lease file: one line per lease, "EXPIRY MAC IP HOSTNAME CLIENTID", where EXPIRY
 * is a time_t (0: never) and HOSTNAME "*" when the client gave none. DHCPv6 leases follow a
 * "duid" line and carry an IAID instead of the MAC: they never match an address. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hosts-leases.h"
#include "linux-net.h"
#include "util.h"

#define HOSTNAME_MAX 64u /* TR-181 size of Host.{i}.HostName */

/* "aa:bb:cc:dd:ee:ff" (dnsmasq writes lower case; other hardware types as "TYPE-aa:bb"). */
static bool mac_matches(const char *text, const uint8_t *mac, size_t mac_len)
{
        const char *dash = strchr(text, '-');
        if (dash)
                text = dash + 1;
        size_t i = 0;
        for (const char *p = text; *p; i++) {
                unsigned byte;
                int used;
                if (i >= mac_len || sscanf(p, "%2x%n", &byte, &used) != 1 || used != 2 ||
                    byte != mac[i])
                        return false;
                p += used;
                if (*p == ':')
                        p++;
                else if (*p)
                        return false;
        }
        return i == mac_len;
}

/* Host names travel in SOAP: only the characters a DNS label may carry, and dots. */
static bool hostname_valid(const char *s)
{
        size_t len = strlen(s);
        if (len == 0 || len > HOSTNAME_MAX)
                return false;
        for (const char *p = s; *p; p++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.",
                            *p))
                        return false;
        return true;
}

static void fclosep(FILE **f)
{
        if (*f)
                fclose(*f);
}

int hosts_lease_hostname(const char *lease_file, const uint8_t *mac, size_t mac_len, time_t now,
                         char **ret)
{
        _cleanup_(fclosep) FILE *f = fopen(lease_file, "re");
        if (!f) {
                if (errno != ENOENT && errno != EACCES)
                        return -errno;
                /* No dnsmasq here (or not readable): the name is unknown. */
                char *empty = strdup("");
                if (!empty)
                        return -ENOMEM;
                *ret = empty;
                return 0;
        }

        char line[512], found[HOSTNAME_MAX + 1] = "";
        long long found_expiry = -1;
        while (fgets(line, sizeof(line), f)) {
                char mac_text[128], ip[64], name[256];
                long long expiry;
                if (sscanf(line, "%lld %127s %63s %255s", &expiry, mac_text, ip, name) != 4)
                        continue;
                if (expiry != 0 && expiry < (long long)now)
                        continue; /* dnsmasq drops it at its next write */
                if (!mac_matches(mac_text, mac, mac_len))
                        continue;
                /* "*": no name given. Of several named leases, the one that lasts longest
                 * (0: forever) is the newest. */
                long long lasts = expiry == 0 ? LLONG_MAX : expiry;
                if (hostname_valid(name) && lasts > found_expiry) {
                        snprintf(found, sizeof(found), "%s", name);
                        found_expiry = lasts;
                }
        }
        if (ferror(f))
                return -EIO;
        char *copy = strdup(found);
        if (!copy)
                return -ENOMEM;
        *ret = copy;
        return 0;
}

#define HOST_TABLE "Device.Hosts.Host."

bool hosts_lease_is_hostname(const char *name)
{
        size_t len = strlen(name), suffix = strlen(".HostName");
        return startswith(name, HOST_TABLE) && len > strlen(HOST_TABLE) + suffix &&
               streq(name + len - suffix, ".HostName");
}

int hosts_lease_get_hostname(struct linux_net *n, const char *lease_file, const char *name,
                             char **ret)
{
        size_t row_len = strlen(name) - strlen("HostName");
        _cleanup_free_ char *phys_name = NULL, *phys = NULL;
        if (asprintf(&phys_name, "%.*sPhysAddress", (int)row_len, name) < 0)
                return -ENOMEM;
        int r = linux_net_get(n, phys_name, &phys);
        if (r < 0)
                return r;

        uint8_t mac[32];
        size_t mac_len = 0;
        for (const char *p = phys; *p && mac_len < sizeof(mac);) {
                unsigned byte;
                int used;
                if (sscanf(p, "%2x%n", &byte, &used) != 1 || used != 2)
                        return -EBADMSG;
                mac[mac_len++] = (uint8_t)byte;
                p += used;
                if (*p == ':')
                        p++;
        }
        if (mac_len == 0) { /* a neighbour without a link-layer address: no lease names it */
                char *empty = strdup("");
                if (!empty)
                        return -ENOMEM;
                *ret = empty;
                return 0;
        }
        return hosts_lease_hostname(lease_file ? lease_file : HOSTS_DNSMASQ_LEASE_FILE, mac,
                                    mac_len, time(NULL), ret);
}
