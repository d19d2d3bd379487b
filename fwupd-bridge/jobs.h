/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The transfer jobs, one record file per job in the job directory, written atomically
 * (common/store.h) before the D-Bus call that queued the job returns. A job leaves the disk
 * only once cwmpd has its result on its own disk, so a result is never lost nor handed
 * over twice, whichever daemon is killed at whatever instant.
 */

#define JOBS_MAX_QUEUED  16u /* TR-069: GetAllQueuedTransfers lists at most 16 */
#define JOBS_MAX_WINDOWS 2u

enum job_kind {
        JOB_DOWNLOAD,
        JOB_UPLOAD,
        JOB_SCHEDULE_DOWNLOAD,
        JOB_AUTONOMOUS, /* a firmware change the box made on its own: only its result */
};

/* The numbers are TR-069's AllQueuedTransferStruct.State. */
enum job_state {
        JOB_NOT_STARTED = 1,
        JOB_IN_PROGRESS = 2,
        JOB_COMPLETED = 3,
};

struct time_window {
        uint64_t start_usec, end_usec; /* CLOCK_REALTIME */
        char *mode;                    /* "1 At Any Time" ... */
        char *user_message;
        int32_t max_retries; /* -1: the CPE decides */
};

struct job {
        char *id; /* unique per job, sorts in queueing order; also the producer key */
        enum job_kind kind;
        enum job_state state;
        char *command_key, *file_type, *url, *username, *password, *target_file_name;
        uint32_t file_size;
        uint64_t not_before_usec; /* CLOCK_REALTIME: queued + DelaySeconds */
        struct time_window windows[JOBS_MAX_WINDOWS];
        size_t n_windows;
        unsigned attempts;        /* transfers started, across restarts */
        unsigned window_attempts; /* ScheduleDownload: those inside the current window */
        bool awaiting_reboot;     /* firmware written: the outcome comes after the reboot */
        uint64_t start_usec;      /* CLOCK_REALTIME, 0: unknown */
        uint64_t complete_usec;   /* CLOCK_REALTIME, 0: unknown */
        uint32_t fault_code;      /* once completed */
        char *fault_string;
        /* JOB_AUTONOMOUS: AutonomousTransferComplete's fields beyond the above */
        char *announce_url;
        bool is_download;
};

struct job *job_new(enum job_kind kind);
void job_free(struct job *j);
static inline void job_freep(struct job **j)
{
        job_free(*j);
}
#define _cleanup_job_ __attribute__((cleanup(job_freep)))

const char *job_kind_to_method(enum job_kind kind); /* "Download", "Upload", ... */
/* The fault a result carries: TransferComplete allows only some codes (0, 9001, 9002,
 * 9010-9012, 9014-9020, extensions): another one (9013 for a job from an older version's
 * disk ...) becomes 9010, or 9011 for an Upload. */
uint32_t job_result_fault(enum job_kind kind, uint32_t code);
/* Sets fault_code (through job_result_fault), fault_string (printf-style) and the state to
 * completed. */
int job_complete(struct job *j, uint64_t now_usec, uint32_t fault_code, const char *format, ...)
        __attribute__((format(printf, 4, 5)));

struct job_store;

/* Opens (creating) `dir` and loads every job found there, oldest first. A damaged record
 * is set aside as <name>.bad and logged by the caller through *n_bad. */
int job_store_open(const char *dir, struct job_store **ret, unsigned *n_bad);
void job_store_free(struct job_store *s);

size_t job_store_count(const struct job_store *s);
struct job *job_store_get(const struct job_store *s, size_t i);
/* The job the ACS queued with this CommandKey, or NULL (autonomous ones excluded). */
struct job *job_store_find_key(const struct job_store *s, const char *command_key);
struct job *job_store_find_id(const struct job_store *s, const char *id);
/* Jobs the ACS requested and that are still on disk. */
size_t job_store_count_requested(const struct job_store *s);

/* Gives the job a fresh id, writes it and takes it into the store (on success only). */
int job_store_add(struct job_store *s, struct job *j);
/* Writes the job's current state over its record. */
int job_store_save(struct job_store *s, const struct job *j);
/* Deletes the record and frees the job. */
int job_store_remove(struct job_store *s, struct job *j);
