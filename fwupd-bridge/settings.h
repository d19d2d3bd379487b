/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* fwupd-bridge's settings: built-in defaults, then /etc/cwmp/fwupd-bridge.conf and its
 * drop-ins, then the command line. */
struct settings {
        int log_level;
        char *state_dir;
        /* [Transfers] */
        char *download_dir;  /* where downloads are streamed to */
        uint32_t max_queued; /* at most JOBS_MAX_QUEUED */
        uint32_t timeout_s;  /* one transfer, whole */
        uint32_t connect_timeout_s;
        uint32_t max_attempts;     /* restarts of a transfer a crash interrupted */
        uint32_t retry_interval_s; /* between attempts inside a ScheduleDownload window */
        uint32_t reserve_mib;      /* free space (MiB) a download leaves untouched */
        char *ca_file, *ca_path;   /* trust for HTTPS file servers; NULL: the system's */
        uint32_t max_config_size;  /* a Vendor Configuration File, either way */
        /* [Firmware] */
        char *backend; /* "slot", "fwupd" or "none" */
        char *fwupd_device_id;
        char *slot_dir;
        char *public_key_file;
        char *apply_command;
        char *reboot_command;
        /* [Logs] */
        char *log_units; /* systemd units whose journal a Vendor Log File holds */
        char *log_files; /* or files, space-separated */
        uint32_t log_max_bytes;
};

void settings_init(struct settings *s);
void settings_done(struct settings *s);
/* Returns the number of problems reported (logged with file:line) or a negative errno. */
int settings_load(struct settings *s, const char *path);
