/* SPDX-License-Identifier: MIT */
#pragma once

#include <dbus/dbus.h>
#include <systemd/sd-event.h>

#include "firmware-backend.h"

/*
 * Device.DeviceInfo.FirmwareImage.{i}. served through libcwmp-provider: dmd serves
 * Device.DeviceInfo. itself and hands this table to us. The rows come from
 * firmware_backend_list_images(); Alias is stored by the provider library, Available (which
 * the ACS may set to false to forbid an image) in the provider's own state.
 *
 * The provider also writes the running version to STATE_DIR/software-version (one line,
 * rewritten atomically whenever it changes), which dmd reads for
 * Device.DeviceInfo.SoftwareVersion, and the running row's path to
 * STATE_DIR/active-firmware-image, for Device.DeviceInfo.ActiveFirmwareImage.
 */

struct firmware_provider;

/* `schema_dir` holds 40-firmware.schema; `state_dir` is fwupd-bridge's state directory
 * (firmware-provider.state, firmware-images.state and software-version are kept there).
 * The backend must outlive the provider. */
int firmware_provider_new(sd_event *event, DBusConnection *bus, struct firmware_backend *backend,
                          const char *schema_dir, const char *state_dir,
                          struct firmware_provider **ret);
/* Exports io.cwmp.Provider1 at /io/cwmp/Firmware/FirmwareImage and registers the table with
 * dmd (now, and again whenever dmd restarts). Writes software-version. */
int firmware_provider_start(struct firmware_provider *p);
void firmware_provider_free(struct firmware_provider *p);

/* The images changed (an install finished, a boot check ran, an update nobody asked for):
 * re-reads them from the backend, reports the values that changed to dmd
 * (io.cwmp.DataModel1.NotifyValueChanges) and rewrites software-version. */
int firmware_provider_images_changed(struct firmware_provider *p);

/* The transfer code's view of an image being fetched: shows `status` ("Downloading",
 * "Validating", "DownloadFailed", "ValidationFailed", "InstallationFailed") in the Status of
 * the row the backend writes next (the inactive slot), until the next images_changed() or a
 * call with NULL. */
int firmware_provider_set_transfer_status(struct firmware_provider *p, const char *status);

/* Path of the software-version file (valid while p lives). */
const char *firmware_provider_software_version_path(struct firmware_provider *p);
