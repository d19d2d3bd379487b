/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>

#include "config.h"
#include "util.h"

/*
 * dmd's built-in provider of Device.DHCPv4.Client.{i}. and Device.DHCPv6.Client.{i}.
 * (schema/53-dhcp-client.schema): the DHCP clients of the box, from the leases they keep
 * (dhcp-lease.h):
 *
 *   - systemd-networkd: NETWORKD/leases/IFINDEX (DHCPv4) and NETWORKD/links/IFINDEX, whose
 *     DHCP6_CLIENT_IAID says a DHCPv6 client runs on the link (DHCP6_CLIENT_DUID, when
 *     written as hex bytes, is its DUID);
 *   - ISC dhclient: DHCLIENT/dhclient*.leases (lease and lease6 blocks).
 *
 * One row per interface and family; networkd's wins over an old dhclient file. A row keeps
 * its instance number (by interface name) across restarts: STATE_DIR/DHCP_CLIENT_STATE_FILE
 * with "-v4" or "-v6".
 *
 *     Enable, Status          true, Enabled: a row is a client that holds or held a lease
 *     Interface               the Device.IP.Interface. row of the interface ("" if none)
 *     DHCPStatus              Bound when the leased address is configured on the interface
 *                             (the kernel's address list), else Init
 *     LeaseTimeRemaining      the kernel's valid lifetime of that address, which the client
 *                             sets from the lease (-1: forever); 0 when not bound
 *     IPAddress, SubnetMask, IPRouters, DNSServers, DHCPServer   from the lease
 *     DHCPv6 DUID             from the lease (dhclient's dhcp6.client-id) or networkd's state
 *     DHCPv6 Server.1.DUID    the server the lease came from (dhclient's dhcp6.server-id):
 *                             the one server the client is known to have heard
 *
 * Everything is read-only: the clients' configuration is the operating system's. Read at
 * most once per DHCP_CLIENT_SNAPSHOT_USEC.
 */
#define DHCP_CLIENT_STATE_FILE    "dmd-dhcp-clients"
#define DHCP_CLIENT_SNAPSHOT_USEC (100u * 1000u)
#define DHCP_CLIENT_NETWORKD_DIR  "/run/systemd/netif"
#define DHCP_CLIENT_DHCLIENT_DIR  "/var/lib/dhcp"

/* [DHCP] of dmd.conf: NetworkdStateDirectory=, DhclientLeaseDirectory=; NULL means the
 * default above, an empty assignment turns that source off. */
struct dhcp_client_settings {
        char *networkd_dir, *dhclient_dir;
};

extern const struct cfg_item dhcp_client_cfg_items[];
extern const size_t dhcp_client_n_cfg_items;
void dhcp_client_settings_done(struct dhcp_client_settings *s);

/* The Device.IP.Interface.N path of an interface name, newly allocated; NULL if it has no
 * row (or on allocation failure). */
typedef char *(*dhcp_interface_path_fn)(const char *ifname, void *userdata);

struct dhcp_client;

/* state_dir: where the numbering is kept (NULL: in memory only). */
int dhcp_client_new(const struct dhcp_client_settings *s, const char *state_dir,
                    dhcp_interface_path_fn interface_path, void *userdata,
                    struct dhcp_client **ret);
void dhcp_client_free(struct dhcp_client *c);
/* Value of a live parameter of Device.DHCPv4. or Device.DHCPv6., newly allocated. -ENOENT if
 * not one of ours or no such instance. */
int dhcp_client_get(struct dhcp_client *c, const char *name, char **value);
/* As deviceinfo_get_instances(), for the two Client tables. */
int dhcp_client_get_instances(struct dhcp_client *c, const char *object, struct strv *instances);
