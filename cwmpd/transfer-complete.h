/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct manager;

/*
 * TransferComplete hand-offs (TR-069 A.3.3.2): the daemon that ran a Download, Upload or
 * ScheduleDownload hands its result to cwmpd, which keeps it on disk with the
 * "7 TRANSFER COMPLETE" and "M <Method>" events until the ACS has answered the
 * TransferComplete carrying it. So the ACS hears exactly one TransferComplete per
 * CommandKey, whatever is killed meanwhile.
 */

struct transfer_result {
        char *key;    /* the record's key in cwmpd.store */
        char *method; /* "Download", "Upload", "ScheduleDownload" */
        char *command_key;
        uint32_t fault_code; /* 0: success */
        char *fault_string;
        char *start_time, *complete_time;
};

void transfer_result_done(struct transfer_result *t);

/* Checks and stores a result and queues its events; returns once all is on disk. -EINVAL
 * (with *reason) for a bad method, fault code or time. A repeated producer key is a no-op. */
int transfer_complete_queue(struct manager *m, const char *method, const char *command_key,
                            uint32_t fault_code, const char *fault_string, const char *start_time,
                            const char *complete_time, const char *producer_key,
                            const char **reason);
/* The oldest result not yet acknowledged; false when there is none. */
bool transfer_complete_next(struct manager *m, struct transfer_result *ret);
/* The ACS answered the TransferComplete: the record and its events go. */
int transfer_complete_acknowledged(struct manager *m, const struct transfer_result *t);
/* Queues the events of every stored result again (idempotent); before each session. */
int transfer_complete_ensure_events(struct manager *m);
