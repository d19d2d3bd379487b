/* SPDX-License-Identifier: MIT */
#pragma once

#include <dbus/dbus.h>
#include <stdbool.h>

/* The Interface parameter of a diagnostic: a reference to a row of Device.IP.Interface.
 * ("Device.IP.Interface.2"), whose Linux name is read from dmd ("<ref>.Name" through
 * io.cwmp.DataModel1.GetParameterValues) without blocking the loop. */

typedef struct interface_ref interface_ref;
/* ifname is the Linux name, NULL when the reference does not resolve (error < 0:
 * -ENOENT no such row or no name, -ETIMEDOUT or -ECONNREFUSED dmd did not answer). */
typedef void (*interface_ref_fn)(int error, const char *ifname, void *userdata);

/* Whether value may be written to an Interface parameter: empty or
 * "Device.IP.Interface.N" (with or without the trailing dot). */
bool interface_ref_valid(const char *value);

/* Looks up the Linux name of reference; `done` is called once, from the event loop. */
int interface_ref_lookup(DBusConnection *bus, const char *reference, interface_ref_fn done,
                         void *userdata, interface_ref **ret);
/* Stops waiting (the callback is not called). */
void interface_ref_free(interface_ref *l);
