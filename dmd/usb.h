/* SPDX-License-Identifier: MIT */
#pragma once

#include "util.h"

/*
 * dmd's built-in provider of Device.USB. (schema/52-usb.schema): the USB buses of the box
 * and the devices on them, read from SYS/bus/usb/devices. Read-only: the kernel owns it.
 *
 *     USBHosts.Host.{i}.            one per root hub ("usbN"); instance = the bus number N
 *         Name                      the root hub's name ("usb1")
 *         Type                      from the controller's driver (xhci*, ehci*, ohci*, uhci*),
 *                                   else Unknown
 *         Enable                    the root hub is authorized (its devices may be used)
 *         PowerManagementEnable     the root hub's power/control is "auto"
 *         USBVersion                the root hub's version ("2.00" reads "2.0")
 *     Host.{i}.Device.{i}.          every device on the bus but the root hub; a device keeps
 *                                   its number while it stays plugged (kernel name and
 *                                   device number); numbers are not reused while dmd runs
 *         Port                      its port on the parent hub; Parent the parent's row, ""
 *                                   on the root hub
 *         Rate                      from speed (1.5 Low, 12 Full, 480 High, 5000+ Super)
 *         IsSelfPowered             bit 6 of the active configuration's bmAttributes
 *         IsSuspended               power/runtime_status is "suspended"
 *         USBPort                   the Device.USB.Port. row of the root hub port it is
 *                                   plugged into, "" behind a hub
 *     Device.{i}.Configuration.{i}. the active configuration only (Linux shows no other):
 *                                   one row when the device is configured, instance 1
 *         Interface.{i}.            its interfaces (current alternate setting);
 *                                   instance = bInterfaceNumber + 1
 *
 * Device.USB.Interface.{i}.: the network interfaces on USB, see usb-netif.h.
 * Device.USB.Port.{i}.: the root hubs' ports, see usb-port.h.
 *
 * The tree is read at most once per USB_SNAPSHOT_USEC.
 */
#define USB_SNAPSHOT_USEC (100u * 1000u)

struct usb;

/* sys: prefix of the sysfs tree (NULL: "/sys"). */
int usb_new(const char *sys, struct usb **ret);
void usb_free(struct usb *u);
/* Value of a live parameter, newly allocated. -ENOENT if not ours or no such instance. */
int usb_get(struct usb *u, const char *name, char **value);
/* As deviceinfo_get_instances(), for the tables of Device.USB. */
int usb_get_instances(struct usb *u, const char *object, struct strv *instances);
/* Forgets the snapshot. */
void usb_invalidate(struct usb *u);

/* "2.00" -> "2.0", " 1.10" -> "1.1": TR-181's USBVersion from a bcdUSB as sysfs prints it.
 * NULL when it is not one. */
char *usb_version_text(const char *bcd);
/* sysfs speed (Mbit/s) to TR-181's Rate. */
const char *usb_rate(const char *speed);
/* A host controller driver's name to TR-181's Type. */
const char *usb_host_type(const char *driver);
/* The first line of a sysfs file; *ret NULL (and 0) when it cannot be read (gone, or the
 * driver cannot tell). */
int usb_read_line(const char *path, char **ret);
