/* SPDX-License-Identifier: MIT */
#pragma once

#include "util.h"

/*
 * Device.USB.Interface.{i}.: the network interfaces whose device is a USB interface
 * (CDC-Ethernet, RNDIS, USB Ethernet adapters), found in SYS/class/net/IF/device/subsystem,
 * with their values from SYS/class/net/IF/:
 *
 *     Enable                 IFF_UP of flags
 *     Status                 Down when not up, else from operstate (up, dormant, down,
 *                            notpresent, lowerlayerdown); a driver that reports no state
 *                            is Up with carrier, else Unknown
 *     Name, MACAddress       the interface's name and address
 *     Stats.*                statistics/ (tx_bytes ...); 32-bit counters wrap around
 *
 * An interface keeps its number while it exists (by name and ifindex); numbers are not
 * reused while dmd runs. Part of usb.c's owner of Device.USB.
 */

struct usb_netif;

int usb_netif_new(const char *sys, struct usb_netif **ret);
void usb_netif_free(struct usb_netif *n);
void usb_netif_invalidate(struct usb_netif *n);
/* Device.USB.InterfaceNumberOfEntries and Device.USB.Interface.*; -ENOENT for others. */
int usb_netif_get(struct usb_netif *n, const char *name, char **value);
int usb_netif_get_instances(struct usb_netif *n, const char *object, struct strv *instances);
