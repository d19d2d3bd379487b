/* SPDX-License-Identifier: MIT */
#pragma once

#include <dbus/dbus.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "jobs.h"
#include "settings.h"
#include "util.h"

struct firmware_backend;
struct firmware_provider;
struct http_client;
struct session_watch;
struct transfer;

struct manager_options {
        const char *config_file;
        const char *state_dir;         /* NULL: the configured one */
        const char *default_state_dir; /* when neither says */
        const char *bus_address;       /* NULL: the system bus */
        struct strv schema_dirs;       /* where 40-firmware.schema is */
        bool debug;
};

struct manager {
        sd_event *event;
        DBusConnection *bus;
        struct settings settings;
        char *bus_address;
        struct strv schema_dirs;
        char *introspection;

        struct job_store *jobs;
        struct session_watch *session;
        struct http_client *http;
        struct firmware_backend *backend;
        struct firmware_provider *provider; /* Device.DeviceInfo.FirmwareImage. */

        /* The one transfer running, and its job. */
        struct transfer *transfer;
        struct job *running;
        bool idle_wait;          /* asked whether an ACS session is open */
        sd_event_source *wakeup; /* CLOCK_REALTIME: the next job due */
        /* Hand-offs of results to cwmpd. */
        unsigned handoffs_in_flight;
        bool handoff_failed;
        bool handoff_requeue;
        sd_event_source *handoff_retry;
};

int manager_new(const struct manager_options *options, struct manager **ret);
void manager_free(struct manager *m);
int manager_start(struct manager *m);
int manager_run(struct manager *m);

uint64_t manager_now(struct manager *m); /* CLOCK_REALTIME, microseconds */

/* firmware-bus.c: io.cwmp.Firmware1 at /io/cwmp/Firmware. */
int firmware_bus_register(struct manager *m);

/* scheduler.c: runs the jobs when they are due and no ACS session is open. */
int scheduler_start(struct manager *m);
void scheduler_stop(struct manager *m);
/* Something changed (a job queued or canceled, a session ended): look again. */
void scheduler_kick(struct manager *m);
/* The firmware backend is ready: report an install the reboot has settled. */
void scheduler_boot_check(struct manager *m);
/* A job ended: store its result and hand it to cwmpd. */
void scheduler_job_completed(struct manager *m, struct job *j);

/* results.c: hands completed jobs to cwmpd and removes them once it has them. */
int results_start(struct manager *m);
void results_stop(struct manager *m);
void results_kick(struct manager *m);
