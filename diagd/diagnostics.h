/* SPDX-License-Identifier: MIT */
#pragma once

#include <dbus/dbus.h>
#include <systemd/sd-event.h>

#include "cwmp/provider.h"

/*
 * Device.IP.Diagnostics.IPPing. and Device.DNS.Diagnostics.NSLookupDiagnostics. on one
 * provider: DiagnosticsState as TR-181 defines it, the tests run by ping.c and nslookup.c,
 * the results stored (the provider's store, and a file of our own for the Result table).
 */

struct diagnostics;

struct diagnostics_config {
        const char *ip_schema, *dns_schema; /* the schema fragments */
        const char *pcap_schema;            /* Device.PacketCaptureDiagnostics. */
        const char *state_dir;
        const char *resolv_conf; /* NULL: /etc/resolv.conf */
};

int diagnostics_new(sd_event *event, DBusConnection *bus, const struct diagnostics_config *cfg,
                    struct diagnostics **ret);
/* Registers with dmd and picks up what a previous run left (a requested test, hand-offs). */
int diagnostics_start(struct diagnostics *d);
void diagnostics_free(struct diagnostics *d);
