/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>

#include "config.h"
#include "util.h"

/*
 * dmd's built-in provider of Device.DeviceInfo. (schema/10-deviceinfo.schema): identity
 * values from the [DeviceInfo] section of dmd.conf or from the running system, UpTime,
 * MemoryStatus., ProcessStatus. and the process table ProcessStatus.Process.{i}.
 *
 * Identity values come from the settings; a value left unset is derived from the system
 * where an honest source exists, else it reads "":
 *
 *     Manufacturer      /sys/class/dmi/id/sys_vendor
 *     ModelName         /sys/class/dmi/id/product_name, else /proc/device-tree/model
 *     Description       (no source)
 *     ProductClass      the ModelName
 *     SerialNumber      /sys/class/dmi/id/product_serial when readable (root only), else an
 *                       ID derived from /etc/machine-id the way systemd derives application
 *                       IDs (HMAC-SHA256, `systemd-id128 machine-id --app-specific=
 *                       DEVICEINFO_SERIAL_APP_ID` prints it): the machine ID itself must not
 *                       leave the box
 *     HardwareVersion   /sys/class/dmi/id/product_version
 *     SoftwareVersion   IMAGE_VERSION, else VERSION_ID, else PRETTY_NAME of /etc/os-release
 *                       (or /usr/lib/os-release, found as ETC/../usr/lib/os-release)
 *     ManufacturerOUI   no source exists: it must be configured. Unset, it reads
 *                       DEVICEINFO_DEFAULT_OUI ("FFFFFF"), which matches the parameter's
 *                       pattern but, having the IEEE group bit set, can never be a real
 *                       manufacturer's OUI; dmd logs a warning at start.
 *
 * Firmware placeholders found in DMI tables ("To Be Filled By O.E.M.", "Default string",
 * "System Serial Number" ...) count as absent. Values are cut to their TR-181 size.
 * AdditionalSoftwareVersion carries the running kernel ("Linux 6.1.0-18-amd64").
 *
 * SoftwareVersion is the first line of SoftwareVersionFile= when that file exists (fwupd-bridge
 * rewrites it when the running firmware changes), read at each request.
 *
 * TemperatureStatus.TemperatureSensor.{i}.: every thermal zone and hwmon temperature input
 * of /sys; a sensor keeps its instance number across boots (STATE_DIR/
 * DEVICEINFO_SENSOR_STATE_FILE). VendorConfigFile.{i}. and VendorLogFile.{i}.: the files
 * configured that exist; instance i is the i-th assignment. FirstUseDate: see
 * deviceinfo-first-use.c. ProcessStatus.CPU.{i}.: one per CPU of /proc/stat.
 *
 * ProvisioningCode is declared in the schema as a persisted parameter that dmd stores:
 * deviceinfo_get() answers -ENOENT for it, as for anything that is not a live value here.
 *
 * Process instance numbers are never reused while the box runs: (PID, start time) maps to
 * an instance number from a counter that only grows. The map is written (only when it
 * changed) to DEVICEINFO_PROCESS_STATE_FILE in runtime_dir, so a restarted dmd keeps the
 * numbering, and a reboot, which clears the runtime directory, starts it afresh.
 *
 * The process table is read from /proc at most once per DEVICEINFO_SNAPSHOT_USEC: a request
 * that lists the instances and then reads each value sees one consistent snapshot.
 */

#define DEVICEINFO_DEFAULT_OUI        "FFFFFF"
#define DEVICEINFO_SERIAL_APP_ID      "b289a14ae3a74d1a98c69dfac853a5fd"
#define DEVICEINFO_PROCESS_STATE_FILE "deviceinfo-processes"
#define DEVICEINFO_SNAPSHOT_USEC      (100u * 1000u)
#define DEVICEINFO_SENSOR_STATE_FILE  "dmd-temperature-sensors"

/* The [DeviceInfo] section of dmd.conf: Manufacturer=, ManufacturerOUI=, ModelName=,
 * Description=, ProductClass=, SerialNumber=, HardwareVersion=, SoftwareVersion=. NULL (or
 * an empty assignment) means "derive from the system" as described above. The parsers
 * refuse values longer than the parameter allows and OUIs that are not six hexadecimal
 * digits (lower case is accepted and stored upper case). */
struct deviceinfo_settings {
        char *manufacturer, *manufacturer_oui, *model_name, *description, *product_class,
                *serial_number, *hardware_version, *software_version;
        /* SoftwareVersionFile=: the running version as fwupd-bridge writes it; NULL means
         * DEVICEINFO_SOFTWARE_VERSION_FILE. Present and not empty, it wins over the above. */
        char *software_version_file;
        /* VendorConfigFile=PATH [DESCRIPTION] and VendorLogFile=PATH [MAXIMUM_SIZE], one
         * assignment per file, in instance order; an empty assignment clears the list. */
        struct strv vendor_config_files, vendor_log_files;
};

#define DEVICEINFO_SOFTWARE_VERSION_FILE CWMP_STATE_DIR "/fwupd-bridge/software-version"

extern const struct cfg_item deviceinfo_cfg_items[];
extern const size_t deviceinfo_n_cfg_items;

/* Frees the strings and leaves the struct zeroed. */
void deviceinfo_settings_done(struct deviceinfo_settings *s);

/* Prefixes of the system trees; NULL members mean "/proc", "/sys", "/etc". persistent_dir
 * (dmd's state directory, NULL: CWMP_STATE_DIR) backs MemoryStatus.TotalPersistent and
 * FreePersistent. runtime_dir holds what survives a dmd restart but not a reboot; NULL keeps
 * the process numbering in memory only. */
struct deviceinfo_paths {
        const char *proc;
        const char *sys;
        const char *etc;
        const char *run; /* NULL: "/run" (systemd-timesyncd's state, for FirstUseDate) */
        const char *persistent_dir;
        const char *runtime_dir;
};

struct deviceinfo;

/* Reads the identity values and the saved process numbering. Copies what it needs from
 * both arguments (either may be NULL). */
int deviceinfo_new(const struct deviceinfo_settings *s, const struct deviceinfo_paths *p,
                   struct deviceinfo **ret);
void deviceinfo_free(struct deviceinfo *d);

/*
 * Appends to `instances` the instance paths ("Device.DeviceInfo.ProcessStatus.Process.7.")
 * of every multi-instance object at or under `object` (a partial path, ending in "."; it
 * may lie above the subtree, e.g. "Device." or ""). Objects elsewhere add nothing. Returns
 * -ENOENT when `object` names a process instance that does not exist, -EINVAL when it is
 * not a partial path, or an error reading /proc or saving the numbering.
 */
int deviceinfo_get_instances(struct deviceinfo *d, const char *object, struct strv *instances);

/* Value of a live parameter (full name), newly allocated. -ENOENT if not one of ours or no
 * such instance. */
int deviceinfo_get(struct deviceinfo *d, const char *name, char **value);

/* The writable settings of live rows (a sensor's Enable) are stored by dmd: `fn` returns
 * the stored value of a parameter, or NULL for its default. */
typedef const char *(*deviceinfo_stored_fn)(const char *name, void *userdata);
void deviceinfo_set_stored(struct deviceinfo *d, deviceinfo_stored_fn fn, void *userdata);

/* Forgets the cached process snapshot, so the next call reads /proc again. dmd may call it
 * at the start of every request. */
void deviceinfo_invalidate(struct deviceinfo *d);
