/* SPDX-License-Identifier: MIT */
#pragma once

struct manager;

/* Registers dmd's built-in owners of Device.Time., Device.DNS.Client., Device.USB. and the
 * DHCP clients (values read from the running system, see time-status.h, dns-client.h, usb.h
 * and dhcp-client.h), and sets up DeviceInfo's platform values (deviceinfo-platform.h), which
 * Device.DeviceInfo.'s owner serves. */
int system_owners_setup(struct manager *m);
void system_owners_free(struct manager *m);
