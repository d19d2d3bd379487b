/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "bus.h"
#include "daemon-cmdline.h"
#include "firmware-backend.h"
#include "firmware-provider.h"
#include "http-client.h"
#include "log.h"
#include "manager.h"
#include "store.h"

#define FIRMWARE_BUS_NAME "io.cwmp.Firmware"
#define FIRMWARE_SCHEMA   "40-firmware.schema"
#define DEFAULT_LOG_UNITS "dmd.service cwmpd.service diagd.service fwupd-bridge.service"

uint64_t manager_now(struct manager *m)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void manager_free(struct manager *m)
{
        if (!m)
                return;
        scheduler_stop(m);
        results_stop(m);
        firmware_provider_free(m->provider);
        firmware_backend_free(m->backend);
        /* Pending calls are dropped here: their ends still see m. */
        bus_close(m->bus);
        http_client_free(m->http);
        job_store_free(m->jobs);
        sd_event_unref(m->event);
        settings_done(&m->settings);
        strv_done(&m->schema_dirs);
        free(m->bus_address);
        free(m->introspection);
        free(m);
}

int manager_new(const struct manager_options *options, struct manager **ret)
{
        struct manager *m = calloc(1, sizeof(*m));
        int r = 0;

        if (!m)
                return -ENOMEM;
        settings_init(&m->settings);
        if (options->config_file && settings_load(&m->settings, options->config_file) < 0)
                log_warning("Cannot read %s: using the defaults", options->config_file);
        log_set_max_level(options->debug ? LOG_DEBUG : m->settings.log_level);
        r = daemon_cmdline_override(&m->settings.state_dir, options->state_dir);
        if (r >= 0 && !m->settings.state_dir &&
            !(m->settings.state_dir = strdup(options->default_state_dir)))
                r = -ENOMEM;
        if (r >= 0 && !m->settings.download_dir &&
            asprintf(&m->settings.download_dir, "%s/downloads", m->settings.state_dir) < 0) {
                m->settings.download_dir = NULL;
                r = -ENOMEM;
        }
        if (r >= 0 && !m->settings.slot_dir &&
            asprintf(&m->settings.slot_dir, "%s/firmware", m->settings.state_dir) < 0) {
                m->settings.slot_dir = NULL;
                r = -ENOMEM;
        }
        if (r >= 0 && !m->settings.log_units &&
            !(m->settings.log_units = strdup(DEFAULT_LOG_UNITS)))
                r = -ENOMEM;
        if (m->settings.max_queued == 0 || m->settings.max_queued > JOBS_MAX_QUEUED)
                m->settings.max_queued = JOBS_MAX_QUEUED;
        if (m->settings.max_attempts == 0)
                m->settings.max_attempts = 1;
        if (r >= 0 && options->bus_address && !(m->bus_address = strdup(options->bus_address)))
                r = -ENOMEM;
        for (size_t i = 0; r >= 0 && i < options->schema_dirs.n; i++)
                r = strv_push(&m->schema_dirs, options->schema_dirs.v[i]);
        if (r >= 0)
                r = sd_event_default(&m->event);
        if (r < 0) {
                manager_free(m);
                return r;
        }
        *ret = m;
        return 0;
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        struct manager *m = userdata;
        log_info("Received %s, exiting", strsignal(si->ssi_signo));
        return sd_event_exit(m->event, 0);
}

static int open_jobs(struct manager *m)
{
        _cleanup_free_ char *dir = NULL;
        unsigned bad = 0;
        int r;

        if (asprintf(&dir, "%s/jobs", m->settings.state_dir) < 0)
                return -ENOMEM;
        r = job_store_open(dir, &m->jobs, &bad);
        if (r < 0)
                return log_error_errno(r, "Cannot read the transfer jobs in %s: %m", dir);
        if (bad > 0)
                log_warning("%u damaged transfer records in %s were set aside as *.bad", bad, dir);
        log_info("%zu transfer jobs on disk", job_store_count(m->jobs));
        return 0;
}

/* An update nobody asked for through us: its result goes to the ACS as an
 * AutonomousTransferComplete, through the same store as the requested ones. */
static void on_autonomous(const char *version, const struct firmware_result *res, void *userdata)
{
        struct manager *m = userdata;
        _cleanup_job_ struct job *j = job_new(JOB_AUTONOMOUS);
        uint64_t now = manager_now(m);
        int r = -ENOMEM;

        if (j && (j->command_key = strdup("")) &&
            (j->file_type = strdup("1 Firmware Upgrade Image")) && (j->url = strdup("")) &&
            (j->announce_url = strdup("")) && (j->username = strdup("")) &&
            (j->password = strdup("")) && (j->target_file_name = strdup(version ? version : ""))) {
                j->is_download = true;
                j->start_usec = now;
                r = job_complete(j, now, res->fault_code, "%s", res->fault_string);
                if (r >= 0)
                        r = job_store_add(m->jobs, j);
        }
        if (r < 0) {
                log_error_errno(r, "Cannot record the firmware update to %s: %m",
                                version ? version : "?");
                return;
        }
        log_info("Firmware changed to %s without a request: reporting it", version ? version : "?");
        TAKE_PTR(j);
        results_kick(m);
}

static void on_backend_ready(struct firmware_backend *b, void *userdata)
{
        scheduler_boot_check(userdata);
}

static int find_schema(struct manager *m, char **ret)
{
        for (size_t i = 0; i < m->schema_dirs.n; i++) {
                _cleanup_free_ char *path = NULL;
                if (asprintf(&path, "%s/%s", m->schema_dirs.v[i], FIRMWARE_SCHEMA) < 0)
                        return -ENOMEM;
                if (access(path, R_OK) == 0)
                        return (*ret = strdup(m->schema_dirs.v[i])) ? 0 : -ENOMEM;
        }
        return -ENOENT;
}

static int start_firmware(struct manager *m)
{
        const struct settings *s = &m->settings;
        _cleanup_free_ char *schema_dir = NULL;
        struct firmware_backend_config cfg = {
                .kind = s->backend,
                .state_dir = s->state_dir,
                .fwupd_device_id = s->fwupd_device_id,
                .slot_dir = s->slot_dir,
                .public_key_file = s->public_key_file,
                .apply_command = s->apply_command,
                .reboot_command = s->reboot_command,
        };
        struct firmware_provider *p = NULL;
        int r;

        if (!s->backend || streq(s->backend, "none")) {
                log_info("No firmware backend: firmware images are refused");
                return 0;
        }
        r = firmware_backend_new(m->event, m->bus, &cfg, &m->backend);
        if (r < 0)
                return log_error_errno(r, "Cannot set up the %s firmware backend: %m", s->backend);
        firmware_backend_set_autonomous_handler(m->backend, on_autonomous, m);
        firmware_backend_set_ready_handler(m->backend, on_backend_ready, m);

        r = find_schema(m, &schema_dir);
        if (r == -ENOENT) {
                log_warning("No %s in the schema directories: Device.DeviceInfo.FirmwareImage. "
                            "is not served",
                            FIRMWARE_SCHEMA);
                return 0;
        }
        if (r >= 0)
                r = firmware_provider_new(m->event, m->bus, m->backend, schema_dir, s->state_dir,
                                          &p);
        if (r >= 0) {
                m->provider = p;
                r = firmware_provider_start(p);
        }
        if (r < 0)
                return log_error_errno(r, "Cannot serve Device.DeviceInfo.FirmwareImage.: %m");
        return 0;
}

int manager_start(struct manager *m)
{
        sigset_t mask;
        int r;

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        if (sd_event_add_signal(m->event, NULL, SIGTERM, on_signal, m) < 0 ||
            sd_event_add_signal(m->event, NULL, SIGINT, on_signal, m) < 0)
                return log_error_errno(-errno, "Failed to handle signals: %m");
        (void)sd_event_set_watchdog(m->event, true);

        r = store_mkdir_p(m->settings.state_dir);
        if (r < 0)
                return log_error_errno(r, "Cannot create %s: %m", m->settings.state_dir);
        r = open_jobs(m);
        if (r < 0)
                return r;
        r = http_client_new(m->event, &m->http);
        if (r < 0)
                return log_error_errno(r, "Cannot set up HTTP: %m");

        r = m->bus_address ? bus_open_address(m->event, m->bus_address, &m->bus)
                           : bus_open_system(m->event, &m->bus);
        if (r < 0)
                return log_error_errno(r, "Failed to connect to the bus: %m");
        r = start_firmware(m);
        if (r < 0)
                return r;
        /* The object before the name: a client that sees the name can call at once. */
        r = firmware_bus_register(m);
        if (r < 0)
                return log_error_errno(r, "Failed to export io.cwmp.Firmware1: %m");
        r = results_start(m);
        if (r >= 0)
                r = scheduler_start(m);
        if (r < 0)
                return log_error_errno(r, "Failed to start the transfers: %m");
        r = bus_request_name(m->bus, FIRMWARE_BUS_NAME);
        if (r < 0)
                return log_error_errno(r, "Failed to acquire %s: %m", FIRMWARE_BUS_NAME);
        log_info("Serving %s", FIRMWARE_BUS_NAME);
        (void)sd_notify(false, "READY=1\nSTATUS=Ready for transfers");
        return 0;
}

int manager_run(struct manager *m)
{
        int r = sd_event_loop(m->event);
        (void)sd_notify(false, "STOPPING=1");
        return r;
}
