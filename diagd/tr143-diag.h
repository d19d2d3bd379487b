/* SPDX-License-Identifier: MIT */
#pragma once

#include <dbus/dbus.h>
#include <systemd/sd-event.h>

#include "cwmp/provider.h"
#include "tr143.h"

/*
 * Device.IP.Diagnostics.DownloadDiagnostics. and .UploadDiagnostics.: the settings read from
 * the provider's store, Interface turned into a device name by asking dmd for
 * "<Interface>.Name", the test run by tr143.c, and its results stored in one step (the
 * scalar results and DiagnosticsState through the provider, the PerConnectionResult and
 * IncrementalResult tables in a file of our own). diagnostics.c owns DiagnosticsState's
 * machine and calls in here.
 */

#define TR143_DOWNLOAD_PREFIX "Device.IP.Diagnostics.DownloadDiagnostics."
#define TR143_UPLOAD_PREFIX   "Device.IP.Diagnostics.UploadDiagnostics."

struct tr143_diag;
/* The test ended and its results and DiagnosticsState are stored. */
typedef void (*tr143_diag_done_fn)(enum tr143_direction direction, void *userdata);

int tr143_diag_new(sd_event *event, DBusConnection *bus, cwmp_provider *provider,
                   enum tr143_direction direction, const char *state_dir, tr143_diag_done_fn done,
                   void *userdata, struct tr143_diag **ret);
void tr143_diag_free(struct tr143_diag *d);

/* Clears the last results and starts a test with the stored settings. */
int tr143_diag_start(struct tr143_diag *d);
/* Stops a test that runs, without results or callback. */
void tr143_diag_cancel(struct tr143_diag *d);

/* Provider callbacks for the names below both objects (and the Supported flags of
 * Device.IP.Diagnostics.); -ENOENT when the name is not ours. */
int tr143_diag_get(struct tr143_diag *d, const char *name, char **value);
int tr143_diag_list_instances(struct tr143_diag *d, const char *table, uint32_t **instances,
                              size_t *n);
int tr143_diag_validate(const char *name, const char *value);
