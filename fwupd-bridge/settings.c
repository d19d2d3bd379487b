/* SPDX-License-Identifier: MIT */
#include <stddef.h>
#include <stdlib.h>
#include <syslog.h>

#include "config.h"
#include "log.h"
#include "settings.h"
#include "util.h"

#define S(field) offsetof(struct settings, field)

static const struct cfg_item items[] = {
        {"Daemon", "LogLevel", cfg_parse_log_level, S(log_level)},
        {"Daemon", "StateDirectory", cfg_parse_path, S(state_dir)},
        {"Transfers", "DownloadDirectory", cfg_parse_path, S(download_dir)},
        {"Transfers", "MaxQueued", cfg_parse_uint32, S(max_queued)},
        {"Transfers", "Timeout", cfg_parse_uint32, S(timeout_s)},
        {"Transfers", "ConnectTimeout", cfg_parse_uint32, S(connect_timeout_s)},
        {"Transfers", "MaxAttempts", cfg_parse_uint32, S(max_attempts)},
        {"Transfers", "RetryInterval", cfg_parse_uint32, S(retry_interval_s)},
        {"Transfers", "ReserveMiB", cfg_parse_uint32, S(reserve_mib)},
        {"Transfers", "CAFile", cfg_parse_path, S(ca_file)},
        {"Transfers", "CAPath", cfg_parse_path, S(ca_path)},
        {"Transfers", "MaxConfigSize", cfg_parse_uint32, S(max_config_size)},
        {"Firmware", "Backend", cfg_parse_string, S(backend)},
        {"Firmware", "FwupdDeviceId", cfg_parse_string, S(fwupd_device_id)},
        {"Firmware", "SlotDirectory", cfg_parse_path, S(slot_dir)},
        {"Firmware", "PublicKeyFile", cfg_parse_path, S(public_key_file)},
        {"Firmware", "ApplyCommand", cfg_parse_string, S(apply_command)},
        {"Firmware", "RebootCommand", cfg_parse_string, S(reboot_command)},
        {"Logs", "Units", cfg_parse_string, S(log_units)},
        {"Logs", "Files", cfg_parse_string, S(log_files)},
        {"Logs", "MaxBytes", cfg_parse_uint32, S(log_max_bytes)},
};

void settings_init(struct settings *s)
{
        *s = (struct settings){
                .log_level = LOG_INFO,
                .max_queued = 16,
                .timeout_s = 3600,
                .connect_timeout_s = 30,
                .max_attempts = 3,
                .retry_interval_s = 60,
                .reserve_mib = 1,
                .max_config_size = 4 * 1024 * 1024,
                .log_max_bytes = 256 * 1024,
        };
}

void settings_done(struct settings *s)
{
        char **strings[] = {&s->state_dir,      &s->download_dir,    &s->ca_file,
                            &s->ca_path,        &s->backend,         &s->fwupd_device_id,
                            &s->slot_dir,       &s->public_key_file, &s->apply_command,
                            &s->reboot_command, &s->log_units,       &s->log_files};
        for (size_t i = 0; i < ELEMENTSOF(strings); i++) {
                free(*strings[i]);
                *strings[i] = NULL;
        }
}

static void report(const struct cfg_location *where, const char *message, void *userdata)
{
        log_error("%s:%u: %s", where->file, where->line, message);
}

int settings_load(struct settings *s, const char *path)
{
        return cfg_load(path, items, ELEMENTSOF(items), s, report, NULL);
}
