/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "soap.h"

struct manager;

/*
 * AutonomousTransferComplete hand-offs (TR-069 A.3.3.3): a transfer the box made on its own
 * (io.cwmp.Agent1.QueueAutonomousTransferComplete). cwmpd keeps each on disk with the
 * "10 AUTONOMOUS TRANSFER COMPLETE" event until the ACS has answered the
 * AutonomousTransferComplete carrying it. An ACS that refuses the method (GenieACS answers
 * 8000) does not keep it forever: every fault but 8005 (retry request) drops the record,
 * and a fault never fails the session.
 */

struct autonomous_transfer {
        char *key; /* the record's key in cwmpd.store */
        char *producer_key;
        char *announce_url, *transfer_url;
        bool is_download;
        char *file_type;
        uint32_t file_size;
        char *target_file_name;
        uint32_t fault_code; /* 0: success */
        char *fault_string;
        char *start_time, *complete_time;
};

void autonomous_transfer_done(struct autonomous_transfer *t);

/* Checks and stores a result and queues its event; returns once all is on disk (0). -EINVAL
 * (with *reason) for an argument the schema does not allow. A producer key already stored,
 * or delivered among the last 64, is a no-op (1); so is a result that
 * AutonomousTransferCompletePolicy keeps from the ACS (2). */
int autonomous_transfer_queue(struct manager *m, const struct soap_autonomous_transfer *t,
                              const char *producer_key, const char **reason);
/* The oldest stored result whose key sorts after `after` (NULL: the oldest of all); false
 * when there is none. */
bool autonomous_transfer_next(struct manager *m, const char *after,
                              struct autonomous_transfer *ret);
/* The ACS answered it, or refused it for good: the record goes, and the event with the
 * last record. */
int autonomous_transfer_remove(struct manager *m, const struct autonomous_transfer *t);
/* Queues the event again while records are stored (idempotent); before each session. */
int autonomous_transfer_ensure_event(struct manager *m);
/* The view of a record for the encoder (pointers into t). */
struct soap_autonomous_transfer autonomous_transfer_view(const struct autonomous_transfer *t);

/* Device.ManagementServer.AutonomousTransferCompletePolicy. as the filter sees it. */
struct autonomous_transfer_policy {
        bool enable;
        const char *transfer_type_filter; /* "Upload", "Download", "Both" */
        const char *result_type_filter;   /* "Success", "Failure", "Both" */
        const char *file_type_filter;     /* comma-separated; empty lets nothing through */
};

/* Whether the policy lets a result through to the ACS. FileTypeFilter names the types as
 * TR-181 does ("4 Vendor Log File"); a transfer's FileType is matched by its name, so an
 * Upload's "2 Vendor Log File" (or "4 Vendor Log File 3") passes "4 Vendor Log File", and a
 * vendor type "X <OUI> <name>" passes only itself. */
bool autonomous_transfer_policy_allows(const struct autonomous_transfer_policy *policy,
                                       bool is_download, uint32_t fault_code,
                                       const char *file_type);
