/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>

#include "rpc.h"
#include "soap.h"

struct manager;

/*
 * The ACS's transfer methods (Download, Upload, ScheduleDownload, CancelTransfer,
 * GetQueuedTransfers, GetAllQueuedTransfers): checked here, then carried out by the transfer
 * daemon through io.cwmp.Firmware1. The session waits for its answer (at most
 * FIRMWARE_TIMEOUT_MS). A fault from it (io.cwmp.Fault.*) becomes the same CWMP fault; no
 * transfer daemon on the bus, or no answer in time, is 9002 Internal error.
 */

#define FIRMWARE_BUS_NAME    "io.cwmp.Firmware"
#define FIRMWARE_OBJECT_PATH "/io/cwmp/Firmware"
#define FIRMWARE_INTERFACE   "io.cwmp.Firmware1"
#define FIRMWARE_TIMEOUT_MS  10000
#define FIRMWARE_MAX_QUEUED  16 /* TransferList maxOccurs */

/* Whether method is one of the above. */
bool transfer_rpc_handles(enum soap_method method);

/* As rpc_handle(): the answer (response or fault) goes to done, possibly at once; a
 * negative errno means done was not and will not be called. */
int transfer_rpc_handle(struct manager *m, const struct soap_message *request,
                        const struct soap_out_header *header, rpc_done_fn done, void *userdata);
