/* SPDX-License-Identifier: MIT */
#pragma once

#include "util.h"

/*
 * Device.USB.Port.{i}.: the ports of the box's own root hubs (TR-181 leaves out the ports
 * of hubs plugged into them), from DEVICES/N-0:1.0/usbN-portM (DEVICES: SYS/bus/usb/
 * devices). A port whose connect_type is "hardwired" (an internal device) or "not used" is
 * no receptacle and has no row. The USB 2 and USB 3 halves of one receptacle (xHCI shows
 * each on its own bus, linked by "peer") are one row, named after the USB 2 half.
 *
 *     Name        the kernel's port name ("usb1-port2")
 *     Standard    the newest root hub version of its halves ("3.0")
 *     Type        Host: a root hub's port
 *
 * Receptacle, Rate and Power are not served: Linux does not know the connector, and a port
 * without a device has no rate. A row keeps its number while dmd runs (by name).
 */

struct usb_port;

/* devices_dir: SYS/bus/usb/devices */
int usb_port_new(const char *devices_dir, struct usb_port **ret);
void usb_port_free(struct usb_port *p);
void usb_port_invalidate(struct usb_port *p);
/* Device.USB.PortNumberOfEntries and Device.USB.Port.*; -ENOENT for others. */
int usb_port_get(struct usb_port *p, const char *name, char **value);
int usb_port_get_instances(struct usb_port *p, const char *object, struct strv *instances);
/* The row ("Device.USB.Port.3") of the kernel port `port_name` ("usb2-port1", either half),
 * newly allocated; "" when it has none. */
int usb_port_path(struct usb_port *p, const char *port_name, char **ret);
