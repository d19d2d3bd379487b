/* SPDX-License-Identifier: MIT */
/* When each job runs: after its DelaySeconds or inside its time windows, one at a time, and
 * never while an ACS session is open. Also what a restart finds: a transfer cut by a crash
 * starts again (a bounded number of times), firmware waiting for a reboot is checked. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fault.h"
#include "firmware-backend.h"
#include "firmware-provider.h"
#include "http-client.h"
#include "log.h"
#include "manager.h"
#include "session-watch.h"
#include "request-check.h"
#include "transfer.h"

#define USEC_PER_SEC 1000000ull
#define NEVER        UINT64_MAX

static void save_or_log(struct manager *m, const struct job *j)
{
        int r = job_store_save(m->jobs, j);
        if (r < 0)
                log_error_errno(r, "Failed to save the transfer \"%s\": %m", j->command_key);
}

void scheduler_job_completed(struct manager *m, struct job *j)
{
        if (j->fault_code)
                log_warning("%s \"%s\" failed: %u %s", job_kind_to_method(j->kind), j->command_key,
                            j->fault_code, j->fault_string);
        else
                log_info("%s \"%s\" completed", job_kind_to_method(j->kind), j->command_key);
        save_or_log(m, j);
        results_kick(m);
}

static void complete(struct manager *m, struct job *j, uint32_t code, const char *message)
{
        if (job_complete(j, manager_now(m), code, "%s", message) < 0) {
                log_error("Out of memory completing \"%s\"", j->command_key);
                return;
        }
        scheduler_job_completed(m, j);
}

/* The earliest instant, not before `now`, the job may start; NEVER once its windows are
 * all past. */
static uint64_t due_time(const struct job *j, uint64_t now)
{
        uint64_t from = j->not_before_usec > now ? j->not_before_usec : now;

        if (j->kind != JOB_SCHEDULE_DOWNLOAD)
                return from;
        for (size_t i = 0; i < j->n_windows; i++) {
                const struct time_window *w = &j->windows[i];
                if (!window_mode_usable(w->mode) || w->end_usec <= from)
                        continue;
                return w->start_usec > from ? w->start_usec : from;
        }
        return NEVER;
}

/* The window a ScheduleDownload runs in at `now`, or NULL. */
static const struct time_window *current_window(const struct job *j, uint64_t now)
{
        for (size_t i = 0; i < j->n_windows; i++)
                if (window_mode_usable(j->windows[i].mode) && j->windows[i].start_usec <= now &&
                    now < j->windows[i].end_usec)
                        return &j->windows[i];
        return NULL;
}

static void missed_windows(struct manager *m, struct job *j)
{
        if (j->fault_code) {
                /* it was tried: the last failure says more than "missed" */
                _cleanup_free_ char *last = strdup(j->fault_string ? j->fault_string : "");
                complete(m, j, j->fault_code, last ? last : "");
                return;
        }
        complete(m, j, CWMP_FAULT_TIME_WINDOW,
                 "File transfer failure: unable to complete download within specified time "
                 "windows");
}

static void on_transfer_done(const struct transfer_result *result, void *userdata)
{
        struct manager *m = userdata;
        struct job *j = m->running;
        uint64_t now = manager_now(m);
        const struct time_window *w;
        /* The result lives in the transfer, which goes now. */
        const struct transfer_result copy = *result, *res = &copy;

        transfer_free(m->transfer);
        m->transfer = NULL;
        m->running = NULL;
        if (!j)
                return;

        if (res->fault_code == 0 && res->reboot_required) {
                /* The backend reboots the box; the job's outcome is read after it. */
                log_info("%s \"%s\": firmware written, waiting for the reboot",
                         job_kind_to_method(j->kind), j->command_key);
                j->awaiting_reboot = true;
                save_or_log(m, j);
                return;
        }
        w = j->kind == JOB_SCHEDULE_DOWNLOAD ? current_window(j, now) : NULL;
        if (res->fault_code && w) {
                /* MaxRetries counts per window; -1: the CPE decides, here as many as fit */
                uint64_t next = now + (uint64_t)m->settings.retry_interval_s * USEC_PER_SEC;
                bool retries_left =
                        w->max_retries < 0 || j->window_attempts <= (unsigned)w->max_retries;
                bool again = retries_left && next < w->end_usec;

                if (!again && due_time(j, w->end_usec) != NEVER) {
                        next = w->end_usec; /* the next window, with its own retries */
                        j->window_attempts = 0;
                        again = true;
                }
                if (again) {
                        log_info("ScheduleDownload \"%s\" failed (%u %s): trying again later",
                                 j->command_key, res->fault_code, res->fault_string);
                        j->state = JOB_NOT_STARTED;
                        j->not_before_usec = next;
                        j->fault_code = res->fault_code;
                        free(j->fault_string);
                        j->fault_string = strdup(res->fault_string);
                        save_or_log(m, j);
                        scheduler_kick(m);
                        return;
                }
        }
        complete(m, j, res->fault_code, res->fault_string);
        scheduler_kick(m);
}

static void start_job(struct manager *m, struct job *j)
{
        struct transfer_context ctx = {
                .event = m->event,
                .bus = m->bus,
                .http = m->http,
                .backend = m->backend,
                .provider = m->provider,
                .settings = &m->settings,
        };
        int r;

        j->state = JOB_IN_PROGRESS;
        j->attempts++;
        j->window_attempts++;
        j->start_usec = manager_now(m);
        /* On disk before anything happens: a crash from here on is seen at the restart. */
        r = job_store_save(m->jobs, j);
        if (r < 0) {
                log_error_errno(r, "Failed to save the transfer \"%s\": %m", j->command_key);
                j->state = JOB_NOT_STARTED;
                j->attempts--;
                j->window_attempts--;
                return;
        }
        log_info("Starting %s \"%s\" (attempt %u)", job_kind_to_method(j->kind), j->command_key,
                 j->attempts);
        m->running = j;
        r = transfer_start(&ctx, j, on_transfer_done, m, &m->transfer);
        if (r < 0) {
                m->running = NULL;
                complete(m, j,
                         r == -EPROTONOSUPPORT ? CWMP_FAULT_UNSUPPORTED_PROTOCOL
                                               : CWMP_FAULT_TRANSFER_FAILURE,
                         strerror(-r));
        }
}

static void on_idle(void *userdata)
{
        struct manager *m = userdata;
        uint64_t now = manager_now(m);

        m->idle_wait = false;
        if (m->running)
                return;
        for (size_t i = 0; i < job_store_count(m->jobs); i++) {
                struct job *j = job_store_get(m->jobs, i);
                if (j->state == JOB_NOT_STARTED && j->kind != JOB_AUTONOMOUS &&
                    due_time(j, now) <= now) {
                        start_job(m, j);
                        if (m->running)
                                return;
                }
        }
        /* Nothing started (canceled meanwhile, or the disk refused): look again soon, from
         * the loop rather than from here. */
        if (sd_event_source_set_time(m->wakeup, now + USEC_PER_SEC) < 0 ||
            sd_event_source_set_enabled(m->wakeup, SD_EVENT_ONESHOT) < 0)
                log_warning("Cannot schedule the next transfer");
}

static void on_agent_appeared(void *userdata)
{
        results_kick(userdata);
}

static int on_wakeup(sd_event_source *s, uint64_t usec, void *userdata)
{
        scheduler_kick(userdata);
        return 0;
}

void scheduler_kick(struct manager *m)
{
        uint64_t now = manager_now(m), next = NEVER;
        bool again;

        if (!m->session || m->running || m->idle_wait)
                return;
        do {
                again = false;
                for (size_t i = 0; i < job_store_count(m->jobs); i++) {
                        struct job *j = job_store_get(m->jobs, i);
                        uint64_t due;
                        if (j->state != JOB_NOT_STARTED || j->kind == JOB_AUTONOMOUS)
                                continue;
                        due = due_time(j, now);
                        if (due == NEVER) {
                                missed_windows(m, j);
                                again = true; /* completing may reorder nothing, but be safe */
                                break;
                        }
                        if (due < next)
                                next = due;
                }
        } while (again);

        if (next <= now) {
                m->idle_wait = true;
                session_watch_wait_idle(m->session); /* may call on_idle right away */
                return;
        }
        if (next == NEVER) {
                (void)sd_event_source_set_enabled(m->wakeup, SD_EVENT_OFF);
                return;
        }
        if (sd_event_source_set_time(m->wakeup, next) < 0 ||
            sd_event_source_set_enabled(m->wakeup, SD_EVENT_ONESHOT) < 0)
                log_warning("Cannot schedule the next transfer");
}

/* Firmware written before a reboot: the backend tells how the boot went, once it has read
 * its state. Until then (and while the box has not rebooted) the job waits. */
void scheduler_boot_check(struct manager *m)
{
        struct firmware_result fr;
        struct job *waiting = NULL;
        int r;

        if (!m->backend)
                return;
        for (size_t i = 0; i < job_store_count(m->jobs) && !waiting; i++) {
                struct job *j = job_store_get(m->jobs, i);
                if (j->state == JOB_IN_PROGRESS && j->awaiting_reboot)
                        waiting = j;
        }
        r = firmware_backend_boot_check(m->backend, &fr);
        if (r <= 0)
                return; /* not ready yet (-EAGAIN), or no reboot since */
        if (waiting) {
                waiting->awaiting_reboot = false;
                /* the result on disk first: a crash before _done() only repeats this */
                complete(m, waiting, fr.fault_code, fr.fault_string);
        }
        firmware_backend_boot_check_done(m->backend);
        if (m->provider)
                (void)firmware_provider_images_changed(m->provider);
}

/* Partial downloads of a previous run: the job starts again with a new file, or is over. */
static void remove_stale_downloads(struct manager *m)
{
        DIR *d = opendir(m->settings.download_dir);
        struct dirent *de;

        if (!d)
                return;
        while ((de = readdir(d))) {
                const char *dot = strrchr(de->d_name, '.');
                _cleanup_free_ char *id = NULL;
                struct job *j;

                if (!dot || !streq(dot, ".download"))
                        continue;
                id = strndup(de->d_name, (size_t)(dot - de->d_name));
                j = id ? job_store_find_id(m->jobs, id) : NULL;
                if (j && j->awaiting_reboot)
                        continue; /* the backend's until the boot check */
                if (unlinkat(dirfd(d), de->d_name, 0) < 0)
                        log_warning_errno(-errno, "Cannot remove %s/%s: %m",
                                          m->settings.download_dir, de->d_name);
        }
        closedir(d);
}

/* What the previous run left: transfers it was running, firmware waiting for a reboot. */
static void recover(struct manager *m)
{
        remove_stale_downloads(m);
        for (size_t i = 0; i < job_store_count(m->jobs); i++) {
                struct job *j = job_store_get(m->jobs, i);

                if (j->state != JOB_IN_PROGRESS || j->awaiting_reboot)
                        continue;
                if (j->attempts >= m->settings.max_attempts) {
                        if (j->kind == JOB_UPLOAD)
                                complete(m, j, CWMP_FAULT_UPLOAD_FAILURE,
                                         "Upload failure: interrupted too many times");
                        else
                                complete(m, j, CWMP_FAULT_COMPLETE_DOWNLOAD,
                                         "File transfer failure: unable to complete download: "
                                         "interrupted too many times");
                        continue;
                }
                log_notice("%s \"%s\" was interrupted: starting it again",
                           job_kind_to_method(j->kind), j->command_key);
                j->state = JOB_NOT_STARTED;
                save_or_log(m, j);
        }
        scheduler_boot_check(m);
}

int scheduler_start(struct manager *m)
{
        int r;

        r = sd_event_add_time(m->event, &m->wakeup, CLOCK_REALTIME, NEVER, USEC_PER_SEC / 10,
                              on_wakeup, m);
        if (r >= 0)
                r = sd_event_source_set_enabled(m->wakeup, SD_EVENT_OFF);
        if (r < 0)
                return r;
        r = session_watch_new(m->bus, on_idle, on_agent_appeared, m, &m->session);
        if (r < 0)
                return r;
        recover(m);
        scheduler_kick(m);
        return 0;
}

void scheduler_stop(struct manager *m)
{
        struct job *j = m->running;

        transfer_free(m->transfer);
        m->transfer = NULL;
        m->running = NULL;
        /* A stop asked for (SIGTERM) is no failure: the attempt does not count. */
        if (j && j->state == JOB_IN_PROGRESS && !j->awaiting_reboot && j->attempts > 0) {
                j->state = JOB_NOT_STARTED;
                j->attempts--;
                if (j->window_attempts > 0)
                        j->window_attempts--;
                save_or_log(m, j);
        }
        session_watch_free(m->session);
        m->session = NULL;
        m->wakeup = sd_event_source_disable_unref(m->wakeup);
}
