/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "settings.h"

static const struct cfg_item daemon_items[] = {
        {"Daemon", "LogLevel", cfg_parse_log_level, offsetof(struct settings, log_level)},
        {"Daemon", "StateDirectory", cfg_parse_path, offsetof(struct settings, state_dir)},
        {"Daemon", "RuntimeDirectory", cfg_parse_path, offsetof(struct settings, runtime_dir)},
        {"Daemon", "SchemaDirectory", cfg_parse_path, offsetof(struct settings, schema_dir)},
        {"Notification", "SamplePeriodSec", cfg_parse_uint32,
         offsetof(struct settings, notification_sample_period_sec)},
        {"SoftwareModules", "PackageStatusFile", cfg_parse_path,
         offsetof(struct settings, package_status_file)},
        {"Hosts", "DnsmasqLeaseFile", cfg_parse_path, offsetof(struct settings, hosts_lease_file)},
};

void settings_init(struct settings *s)
{
        *s = (struct settings){
                .log_level = LOG_INFO,
                .notification_sample_period_sec = 5,
                .state_dir = strdup(CWMP_STATE_DIR),
                .runtime_dir = strdup("/run/cwmp"),
                .schema_dir = strdup(CWMP_SCHEMA_DIR),
                .config_file = strdup(CWMP_SYSCONF_DIR "/dmd.conf"),
        };
}

void settings_done(struct settings *s)
{
        free(s->config_file);
        free(s->state_dir);
        free(s->runtime_dir);
        free(s->schema_dir);
        free(s->bus_address);
        free(s->package_status_file);
        free(s->hosts_lease_file);
        strv_done(&s->schema_dirs);
        deviceinfo_settings_done(&s->deviceinfo);
        dhcp_client_settings_done(&s->dhcp);
        *s = (struct settings){};
}

static void report(const struct cfg_location *where, const char *message, void *userdata)
{
        log_error("%s:%u: %s", where->file, where->line, message);
}

int settings_load(struct settings *s, const char *path)
{
        size_t n = ELEMENTSOF(daemon_items) + deviceinfo_n_cfg_items + dhcp_client_n_cfg_items;
        _cleanup_free_ struct cfg_item *table = calloc(n, sizeof(*table));

        if (!table)
                return -ENOMEM;
        /* One table for the whole file: the [DeviceInfo] items point into the embedded
         * deviceinfo settings. */
        memcpy(table, daemon_items, sizeof(daemon_items));
        for (size_t i = 0; i < deviceinfo_n_cfg_items; i++) {
                table[ELEMENTSOF(daemon_items) + i] = deviceinfo_cfg_items[i];
                table[ELEMENTSOF(daemon_items) + i].offset += offsetof(struct settings, deviceinfo);
        }
        /* [DHCP] likewise, into the embedded DHCP client settings. */
        for (size_t i = 0; i < dhcp_client_n_cfg_items; i++) {
                size_t k = ELEMENTSOF(daemon_items) + deviceinfo_n_cfg_items + i;
                table[k] = dhcp_client_cfg_items[i];
                table[k].offset += offsetof(struct settings, dhcp);
        }
        return cfg_load(path, table, n, s, report, NULL);
}
