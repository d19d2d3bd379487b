/* SPDX-License-Identifier: MIT */
#pragma once

#include <dbus/dbus.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "jobs.h"
#include "settings.h"

/*
 * One transfer: a Download streamed to a file of the download directory and then handed to
 * the firmware backend or applied through dmd, or an Upload of the configuration or the
 * logs. Everything runs on the event loop; the result comes through `done`, once.
 */

struct firmware_backend;
struct firmware_provider;
struct http_client;
struct transfer;

struct transfer_context {
        sd_event *event;
        DBusConnection *bus;
        struct http_client *http;
        struct firmware_backend *backend;   /* NULL: no firmware */
        struct firmware_provider *provider; /* NULL: FirmwareImage. not served */
        const struct settings *settings;
};

struct transfer_result {
        uint32_t fault_code; /* 0: success */
        char fault_string[256];
        bool reboot_required; /* firmware: the outcome comes after the reboot */
};

typedef void (*transfer_done_fn)(const struct transfer_result *result, void *userdata);

/* Starts the job's transfer. The job must outlive the transfer. done is never called from
 * inside this function. */
int transfer_start(const struct transfer_context *ctx, const struct job *j, transfer_done_fn done,
                   void *userdata, struct transfer **ret);
/* Stops a transfer in flight (done is not called) and removes its partial file. */
void transfer_free(struct transfer *t);
