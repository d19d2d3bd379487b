/* SPDX-License-Identifier: MIT */
#pragma once

#include <dbus/dbus.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

/*
 * Device.ManagementServer., served by cwmpd as a provider of dmd (libcwmp-provider). The
 * values the ACS may set are persisted by the provider library; cwmpd reads them from here
 * and hears about every committed change through on_change, so changes take effect at once
 * (a new URL means a new BOOTSTRAP).
 */

struct management_server;

/* The settings cwmpd acts on, as they are now. Strings stay valid until the next change. */
struct management_settings {
        bool enable_cwmp;
        const char *url;
        const char *username;
        const char *password;
        bool periodic_inform_enable;
        uint32_t periodic_inform_interval;
        const char *periodic_inform_time; /* dateTime */
        const char *connection_request_username;
        const char *connection_request_password;
        uint32_t default_active_notification_throttle;
        uint32_t cwmp_retry_minimum_wait_interval;
        uint32_t cwmp_retry_interval_multiplier;
        bool stun_enable;
        const char *stun_server_address;
        uint32_t stun_server_port;
        const char *stun_username;
        const char *stun_password;
        int32_t stun_maximum_keep_alive_period;
        uint32_t stun_minimum_keep_alive_period;
        const char *instance_mode; /* "InstanceNumber" or "InstanceAlias" */
        bool heartbeat_enable;
        uint32_t heartbeat_interval;
        const char *heartbeat_initiation_time;
        /* AutonomousTransferCompletePolicy. */
        bool atc_enable;
        const char *atc_transfer_type_filter; /* "Upload", "Download" or "Both" */
        const char *atc_result_type_filter;   /* "Success", "Failure" or "Both" */
        const char *atc_file_type_filter;     /* comma-separated file types */
        const char *schedule_reboot;          /* dateTime; the unknown time: none */
        int32_t delay_reboot;                 /* seconds after the session; -1: none */
        bool http_connection_request_enable;  /* the HTTP listener is open */
        const char *http_compression;         /* "Disabled", "GZIP" or "Deflate" */
};

/* Which setting changed, for on_change. */
enum management_change {
        MANAGEMENT_CHANGE_URL = 1 << 0,
        MANAGEMENT_CHANGE_CREDENTIALS = 1 << 1,
        MANAGEMENT_CHANGE_PERIODIC = 1 << 2,
        MANAGEMENT_CHANGE_RETRY = 1 << 3,
        MANAGEMENT_CHANGE_CONNECTION_REQUEST = 1 << 4,
        MANAGEMENT_CHANGE_STUN = 1 << 5,
        MANAGEMENT_CHANGE_HEARTBEAT = 1 << 6,
        MANAGEMENT_CHANGE_ENABLE = 1 << 7,
        MANAGEMENT_CHANGE_REBOOT = 1 << 8,                  /* ScheduleReboot, DelayReboot */
        MANAGEMENT_CHANGE_HTTP_CONNECTION_REQUEST = 1 << 9, /* HTTPConnectionRequestEnable */
};

/* Values cwmpd computes and publishes (read-only parameters). */
struct management_live {
        /* Each returns a malloc'd string; NULL callbacks mean "". */
        char *(*connection_request_url)(void *userdata);
        char *(*udp_connection_request_address)(void *userdata);
        bool (*nat_detected)(void *userdata);
        char *(*parameter_key)(void *userdata); /* read from dmd's ParameterKey property */
        /* Whether a parameter is a forced Inform one (InformParameter may not name it). */
        bool (*is_forced_inform)(void *userdata, const char *name);
};

struct management_defaults {
        const char *url; /* from cwmpd.conf [ACS] URL=, used until the ACS sets another */
        const char *username;
        const char *password;
        uint32_t periodic_inform_interval;
        uint32_t cwmp_retry_minimum_wait_interval;
        uint32_t cwmp_retry_interval_multiplier;
};

typedef void (*management_change_fn)(void *userdata, unsigned changes);

int management_server_new(sd_event *event, DBusConnection *bus, const char *schema_file,
                          const char *state_file, const struct management_defaults *defaults,
                          const struct management_live *live, management_change_fn on_change,
                          void *userdata, struct management_server **ret);
void management_server_free(struct management_server *ms);
/* Exports and registers Device.ManagementServer. with dmd. */
int management_server_start(struct management_server *ms);
const struct management_settings *management_server_settings(const struct management_server *ms);
/* FactoryReset: the values the ACS set are dropped for the configured or default ones. */
int management_server_factory_reset(struct management_server *ms);
/* Tells dmd that a live value changed (ConnectionRequestURL, UDPConnectionRequestAddress). */
int management_server_notify(struct management_server *ms, const char *name, const char *value);

/* An enabled Device.ManagementServer.InformParameter.{i}. entry. */
struct management_inform_parameter {
        const char *name;       /* ParameterName, a parameter or a partial path */
        const char *event_list; /* EventList, comma-separated; "" is every event but VALUE CHANGE */
};

/* The enabled InformParameter entries with a ParameterName, by instance number. *ret is
 * malloc'd (NULL when there are none); its strings stay valid until the next change. */
int management_server_inform_parameters(struct management_server *ms,
                                        struct management_inform_parameter **ret, size_t *n);
