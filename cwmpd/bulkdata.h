/* SPDX-License-Identifier: MIT */
#pragma once

#include <dbus/dbus.h>
#include <systemd/sd-event.h>

/*
 * Device.BulkData., served by cwmpd as a provider of dmd (libcwmp-provider): profiles whose
 * parameters are read from dmd at every ReportingInterval (aligned to TimeReference) in one
 * GetParameterValues, encoded as JSON or CSV (bulkdata-encode.c) and sent to the profile's
 * collector over HTTP(S) (bulkdata-http.c). Failed reports are retained on disk and go with
 * the next one; a collector that answers 5xx or not at all is retried with back-off.
 */

struct bulkdata;
struct http_client;

struct bulkdata_options {
        const char *schema_file; /* the fragment that declares Device.BulkData. */
        const char *state_file;  /* the profiles (provider library) */
        const char *state_dir;   /* retained reports of profiles with PersistAcrossReboot */
        const char *runtime_dir; /* the other retained reports (a tmpfs: lost at reboot) */
};

int bulkdata_new(sd_event *event, DBusConnection *bus, struct http_client *http,
                 const struct bulkdata_options *options, struct bulkdata **ret);
void bulkdata_free(struct bulkdata *bd);
/* Exports and registers Device.BulkData. with dmd, loads the profiles and starts them. */
int bulkdata_start(struct bulkdata *bd);
