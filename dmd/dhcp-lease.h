/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>

/*
 * Parsers of the lease files DHCP clients leave on a Linux box:
 *
 *   - systemd-networkd's RUN/systemd/netif/leases/IFINDEX: KEY=VALUE lines (ADDRESS,
 *     NETMASK, ROUTER, SERVER_ADDRESS, DNS; lists separated by blanks);
 *   - ISC dhclient's lease database (dhclient.leases, dhclient.IF.leases, dhclient6.leases):
 *     "lease { ... }" and "lease6 { ... }" blocks, appended as leases come; the last block
 *     of an interface is its current lease.
 */

#define DHCP_LEASE_MAX_ITEMS 8u   /* routers, name servers kept per lease */
#define DHCP_DUID_MAX        130u /* bytes, TR-181's DUID */

struct dhcp4_lease {
        char *ifname;  /* dhclient: the interface; networkd: NULL (the file names it) */
        char *address; /* NULL when the lease has none */
        char *netmask;
        char *server;  /* the DHCP server identifier */
        char *routers; /* comma-separated */
        char *dns;     /* comma-separated */
};

struct dhcp6_lease {
        char *ifname;
        unsigned char duid[DHCP_DUID_MAX]; /* the client's DUID (option 1) */
        size_t duid_len;
        unsigned char server_duid[DHCP_DUID_MAX]; /* the server's (option 2), if known */
        size_t server_duid_len;
};

void dhcp4_lease_done(struct dhcp4_lease *l);
void dhcp6_lease_done(struct dhcp6_lease *l);

/* A networkd lease file. -EINVAL when it holds no valid ADDRESS. */
int dhcp_parse_networkd_lease(const char *text, struct dhcp4_lease *ret);

/* A dhclient lease file: the current lease of each interface, in order of first
 * appearance. Blocks without an interface or address are skipped. */
int dhcp_parse_dhclient_leases(const char *text, struct dhcp4_lease **ret4, size_t *ret_n4,
                               struct dhcp6_lease **ret6, size_t *ret_n6);
