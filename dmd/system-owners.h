/* SPDX-License-Identifier: MIT */
#pragma once

struct manager;

/* Registers dmd's built-in owners of Device.Time., Device.DNS.Client., Device.USB., the
 * DHCP clients, Device.SoftwareModules., Device.Users. and Device.NeighborDiscovery. (values
 * read from the running system, see time-status.h, dns-client.h, usb.h, dhcp-client.h,
 * software-modules.h, users.h and neighbor-discovery.h), and sets up DeviceInfo's platform
 * values (deviceinfo-platform.h), which Device.DeviceInfo.'s owner serves. */
int system_owners_setup(struct manager *m);
void system_owners_free(struct manager *m);
