/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "deviceinfo.h"
#include "dhcp-client.h"
#include "util.h"

/* dmd's settings: built-in defaults, then /etc/cwmp/dmd.conf and its drop-ins, then the
 * command line. */
struct settings {
        int log_level;
        char *config_file;
        char *state_dir;
        char *runtime_dir;
        char *schema_dir;        /* from the config file */
        struct strv schema_dirs; /* from the command line; replaces schema_dir when given */
        char *bus_address;       /* NULL: the system bus */
        struct deviceinfo_settings deviceinfo;
        struct dhcp_client_settings dhcp;        /* [DHCP]: where the clients keep their leases */
        uint32_t notification_sample_period_sec; /* [Notification] SamplePeriodSec=, 0: off */
        char *package_status_file; /* [SoftwareModules] PackageStatusFile=, NULL: found */

        /* [Hosts] DnsmasqLeaseFile=, NULL: HOSTS_DNSMASQ_LEASE_FILE */
        char *hosts_lease_file;
};

void settings_init(struct settings *s);
void settings_done(struct settings *s);
/* Reads the config file and drop-ins; problems are logged with file and line. Returns the
 * number of problems, or a negative errno. */
int settings_load(struct settings *s, const char *path);
