/* SPDX-License-Identifier: MIT */
#pragma once

#include <dbus/dbus.h>
#include <stdbool.h>
#include <stddef.h>
#include <systemd/sd-event.h>

/*
 * How fwupd-bridge applies a firmware image it has downloaded. Two backends implement it:
 * backend-fwupd.c (the org.freedesktop.fwupd D-Bus API, the image is a cabinet archive) and
 * backend-slot.c (A/B slot directories, size + SHA-256 + detached signature checked with
 * OpenSSL, an apply command, reboot, boot check and fallback).
 *
 * The transfer code (jobs, HTTP, hand-offs to cwmpd) knows only this interface. All calls
 * run on the daemon's sd-event loop and never block it.
 */

struct firmware_backend;

/* Outcome of an install: fault_code 0 on success, else the TR-069 transfer fault
 * (9018 corrupted, 9019 file authentication failed, 9010 anything else) and a message. */
struct firmware_result {
        unsigned fault_code;
        char fault_string[256];
        /* The image is written but takes effect only after a reboot: the job stays on disk
         * and firmware_backend_boot_check() reports the final outcome after the reboot. */
        bool reboot_required;
};

typedef void (*firmware_install_done)(const struct firmware_result *result, void *userdata);

/* One row of Device.DeviceInfo.FirmwareImage.{i}. */
struct firmware_image {
        char *name;
        char *version;
        bool available;
        char *status; /* TR-181 enumeration: "NoImage", "Downloading", "Validating",
                       * "Available", "DownloadFailed", "ValidationFailed",
                       * "InstallationFailed", "ActivationFailed" */
        char *boot_failure_log;
        bool active; /* the running image: Device.DeviceInfo.ActiveFirmwareImage */
};

void firmware_image_done(struct firmware_image *img);

struct firmware_backend_config {
        const char *kind; /* "fwupd" or "slot" */
        const char *state_dir;
        /* fwupd */
        const char *fwupd_device_id; /* NULL or "": the first updatable device */
        /* slot */
        const char *slot_dir;
        const char *public_key_file; /* PEM; NULL: signatures not required */
        const char *apply_command;   /* run with the slot's image path as its argument */
        const char *reboot_command;
};

int firmware_backend_new(sd_event *event, DBusConnection *system_bus,
                         const struct firmware_backend_config *cfg, struct firmware_backend **ret);
void firmware_backend_free(struct firmware_backend *b);

/* Starts installing the image at `path` (fwupd-bridge owns the file until done is called).
 * Returns 0 when started: done is called exactly once later, unless the backend is freed
 * first. */
int firmware_backend_install(struct firmware_backend *b, const char *path,
                             firmware_install_done done, void *userdata);

/* After a restart: the outcome of an install that needed a reboot, if one is pending.
 * Returns 1 and fills *result when there was one (the backend forgets it once
 * firmware_backend_boot_check_done() is called), 0 when none is pending. */
int firmware_backend_boot_check(struct firmware_backend *b, struct firmware_result *result);
void firmware_backend_boot_check_done(struct firmware_backend *b);

/* A firmware change the bridge did not start (someone used fwupdmgr, the box was flashed
 * by other means), seen by the backend: reported to the ACS as an
 * AutonomousTransferComplete. `version` is the new running version. */
typedef void (*firmware_autonomous_update)(const char *version,
                                           const struct firmware_result *result, void *userdata);
void firmware_backend_set_autonomous_handler(struct firmware_backend *b,
                                             firmware_autonomous_update handler, void *userdata);

/* The images the backend knows, for Device.DeviceInfo.FirmwareImage.{i}. */
int firmware_backend_list_images(struct firmware_backend *b, struct firmware_image **images,
                                 size_t *n);
/* The running firmware's version: Device.DeviceInfo.SoftwareVersion. */
int firmware_backend_running_version(struct firmware_backend *b, char **version);

/* The backend has read its state (the fwupd backend asks fwupd first, asynchronously):
 * until then firmware_backend_boot_check() answers -EAGAIN and the images and running
 * version may be unknown. The handler runs once, from the event loop, also for a backend
 * that is ready at once (slot). */
typedef void (*firmware_backend_ready)(struct firmware_backend *b, void *userdata);
void firmware_backend_set_ready_handler(struct firmware_backend *b, firmware_backend_ready handler,
                                        void *userdata);
bool firmware_backend_is_ready(struct firmware_backend *b);

/* The images changed: an install started or ended, a boot check was reported, someone else
 * changed the firmware. firmware-provider.c takes this to report value changes to dmd; one
 * handler per backend. */
typedef void (*firmware_images_changed)(struct firmware_backend *b, void *userdata);
void firmware_backend_set_images_changed_handler(struct firmware_backend *b,
                                                 firmware_images_changed handler, void *userdata);
