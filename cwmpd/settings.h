/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "util.h"

/* cwmpd's settings: built-in defaults, then /etc/cwmp/cwmpd.conf and its drop-ins, then
 * the command line. Values the ACS can change (URL, PeriodicInformInterval ...) are only
 * defaults here: Device.ManagementServer. holds the values in force. */
struct settings {
        int log_level;
        char *config_file;
        char *state_dir;
        char *runtime_dir;
        char *schema_dir;
        struct strv schema_dirs; /* from the command line */
        char *bus_address;
        /* [ACS] */
        char *acs_url, *acs_username, *acs_password;
        char *ca_file, *ca_path, *client_cert, *client_key;
        /* [Session] */
        uint32_t session_timeout_s;
        uint32_t max_request_size;
        char *version; /* highest CWMP version offered, "1.4" */
        /* [Inform] */
        uint32_t periodic_interval_s;
        uint32_t retry_min_wait_s;
        uint32_t retry_multiplier;
        uint32_t active_notification_delay_ms; /* gathers a burst of changes into one session */
        /* [ConnectionRequest] */
        char *cr_address;
        uint32_t cr_port;
        char *cr_path;
        uint32_t cr_throttle_interval_s;
        uint32_t cr_throttle_burst;
        char *cr_host; /* the host published in ConnectionRequestURL, default: cr_address */
        /* [UDPConnectionRequest] */
        bool udp_enable;
        char *udp_address;
        uint32_t udp_port;
        /* [Device] */
        char *reboot_command;
        char *factory_reset_command;
};

void settings_init(struct settings *s);
void settings_done(struct settings *s);
int settings_load(struct settings *s, const char *path);
