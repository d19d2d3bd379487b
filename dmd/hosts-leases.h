/* SPDX-License-Identifier: MIT */
#pragma once

/* Device.Hosts.Host.{i}.HostName from the lease file of the box's DHCP server, when that
 * server is dnsmasq: [Hosts] DnsmasqLeaseFile= of dmd.conf. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct linux_net;

#define HOSTS_DNSMASQ_LEASE_FILE "/var/lib/misc/dnsmasq.leases"

/* The host name dnsmasq recorded for the client with this link-layer address, from a lease
 * that has not expired at `now`: "" when the file is missing, no lease names the address or
 * the client sent no name (dnsmasq writes "*"); TR-181 reads "" as unknown. -EBADMSG never:
 * lines dnsmasq did not write are skipped. */
int hosts_lease_hostname(const char *lease_file, const uint8_t *mac, size_t mac_len, time_t now,
                         char **ret);

/* Is this Device.Hosts.Host.{i}.HostName? */
bool hosts_lease_is_hostname(const char *name);
/* Its value: the row's PhysAddress, as the network provider reads it, looked up in the
 * lease file (NULL: HOSTS_DNSMASQ_LEASE_FILE). -ENOENT when the row does not exist. */
int hosts_lease_get_hostname(struct linux_net *n, const char *lease_file, const char *name,
                             char **ret);
