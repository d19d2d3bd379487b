/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "settings.h"

#define S(field) offsetof(struct settings, field)

static const struct cfg_item items[] = {
        {"Daemon", "LogLevel", cfg_parse_log_level, S(log_level)},
        {"Daemon", "StateDirectory", cfg_parse_path, S(state_dir)},
        {"Daemon", "RuntimeDirectory", cfg_parse_path, S(runtime_dir)},
        {"Daemon", "SchemaDirectory", cfg_parse_path, S(schema_dir)},
        {"ACS", "URL", cfg_parse_string, S(acs_url)},
        {"ACS", "Username", cfg_parse_string, S(acs_username)},
        {"ACS", "Password", cfg_parse_string, S(acs_password)},
        {"ACS", "CAFile", cfg_parse_path, S(ca_file)},
        {"ACS", "CAPath", cfg_parse_path, S(ca_path)},
        {"ACS", "ClientCertificate", cfg_parse_path, S(client_cert)},
        {"ACS", "ClientKey", cfg_parse_path, S(client_key)},
        {"Session", "Timeout", cfg_parse_uint32, S(session_timeout_s)},
        {"Session", "MaxRequestSize", cfg_parse_uint32, S(max_request_size)},
        {"Session", "Version", cfg_parse_string, S(version)},
        {"Inform", "PeriodicInterval", cfg_parse_uint32, S(periodic_interval_s)},
        {"Inform", "RetryMinimumWait", cfg_parse_uint32, S(retry_min_wait_s)},
        {"Inform", "RetryIntervalMultiplier", cfg_parse_uint32, S(retry_multiplier)},
        {"Inform", "ActiveNotificationDelayMSec", cfg_parse_uint32,
         S(active_notification_delay_ms)},
        {"ConnectionRequest", "Address", cfg_parse_string, S(cr_address)},
        {"ConnectionRequest", "Port", cfg_parse_uint32, S(cr_port)},
        {"ConnectionRequest", "Path", cfg_parse_string, S(cr_path)},
        {"ConnectionRequest", "ThrottleInterval", cfg_parse_uint32, S(cr_throttle_interval_s)},
        {"ConnectionRequest", "ThrottleBurst", cfg_parse_uint32, S(cr_throttle_burst)},
        {"ConnectionRequest", "PublishedHost", cfg_parse_string, S(cr_host)},
        {"UDPConnectionRequest", "Enable", cfg_parse_bool, S(udp_enable)},
        {"UDPConnectionRequest", "Address", cfg_parse_string, S(udp_address)},
        {"UDPConnectionRequest", "Port", cfg_parse_uint32, S(udp_port)},
        {"Device", "RebootCommand", cfg_parse_string, S(reboot_command)},
        {"Device", "FactoryResetCommand", cfg_parse_string, S(factory_reset_command)},
};

void settings_init(struct settings *s)
{
        *s = (struct settings){
                .log_level = LOG_INFO,
                .config_file = strdup(CWMP_SYSCONF_DIR "/cwmpd.conf"),
                .state_dir = strdup(CWMP_STATE_DIR),
                .runtime_dir = strdup("/run/cwmp"),
                .schema_dir = strdup(CWMP_SCHEMA_DIR),
                .acs_url = strdup(""),
                .session_timeout_s = 30,
                .max_request_size = 4 * 1024 * 1024,
                .version = strdup("1.4"),
                .periodic_interval_s = 86400,
                .retry_min_wait_s = 5,
                .retry_multiplier = 2000,
                .active_notification_delay_ms = 500,
                .cr_address = strdup("0.0.0.0"),
                .cr_port = 7547,
                .cr_path = strdup("/"),
                .cr_throttle_interval_s = 5,
                .cr_throttle_burst = 3,
                .udp_enable = true,
                .udp_address = strdup("0.0.0.0"),
                .udp_port = 7547,
                .reboot_command = strdup("systemctl reboot"),
                .factory_reset_command = strdup(""),
        };
}

void settings_done(struct settings *s)
{
        char **strings[] = {&s->config_file,
                            &s->state_dir,
                            &s->runtime_dir,
                            &s->schema_dir,
                            &s->bus_address,
                            &s->acs_url,
                            &s->acs_username,
                            &s->acs_password,
                            &s->ca_file,
                            &s->ca_path,
                            &s->client_cert,
                            &s->client_key,
                            &s->version,
                            &s->cr_address,
                            &s->cr_path,
                            &s->cr_host,
                            &s->udp_address,
                            &s->reboot_command,
                            &s->factory_reset_command};
        for (size_t i = 0; i < ELEMENTSOF(strings); i++) {
                free(*strings[i]);
                *strings[i] = NULL;
        }
        strv_done(&s->schema_dirs);
}

static void report(const struct cfg_location *where, const char *message, void *userdata)
{
        log_error("%s:%u: %s", where->file, where->line, message);
}

int settings_load(struct settings *s, const char *path)
{
        return cfg_load(path, items, ELEMENTSOF(items), s, report, NULL);
}
