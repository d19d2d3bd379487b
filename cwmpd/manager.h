/* SPDX-License-Identifier: MIT */
#pragma once

#include <dbus/dbus.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "kvmap.h"
#include "schema.h"
#include "settings.h"
#include "soap.h"

struct bulkdata;
struct events;
struct http_client;
struct management_server;
struct security_certificates;
struct conreq_http;
struct conreq_udp;
struct session;

#define AGENT_BUS_NAME    "io.cwmp.Agent"
#define AGENT_OBJECT_PATH "/io/cwmp/Agent"
#define AGENT_INTERFACE   "io.cwmp.Agent1"
#define MS_OBJECT_PATH    "/io/cwmp/Agent/ManagementServer"
#define DM_BUS_NAME       "io.cwmp.DataModel"
#define DM_OBJECT_PATH    "/io/cwmp/DataModel"
#define DM_INTERFACE      "io.cwmp.DataModel1"
#define DM_TIMEOUT_MS     30000

/* The daemon's context: everything mutable lives here. */
struct manager {
        sd_event *event;
        DBusConnection *bus;
        struct settings settings;
        struct schema *schema; /* to know the forced Inform parameters */
        struct http_client *http;
        struct events *events;
        struct management_server *ms;
        struct bulkdata *bulkdata;              /* Device.BulkData. */
        struct security_certificates *security; /* Device.Security. */
        struct conreq_http *conreq_http;
        struct conreq_udp *conreq_udp;
        char *udp_address; /* learnt by STUN, or the listener's */
        bool nat_detected;

        /* cwmpd.store: bootstrap URL, scheduled informs, pending value changes */
        char *state_path;
        struct kvmap *state;

        struct session *session;
        bool session_wanted;   /* start one as soon as possible (after the current one) */
        sd_event_source *kick; /* deferred session start */
        sd_event_source *retry_timer;
        sd_event_source *periodic_timer;
        sd_event_source *schedule_timer;
        sd_event_source *notify_timer;
        sd_event_source *heartbeat_timer;
        sd_event_source *schedule_reboot_timer; /* ScheduleReboot */
        sd_event_source *delay_reboot_timer;    /* DelayReboot */
        bool delay_reboot_after_session;        /* DelayReboot set during a session */
        uint32_t retry_count;
        uint64_t last_session_end_usec; /* CLOCK_MONOTONIC, for the notification throttle */

        enum cwmp_version max_version;
        enum cwmp_version version; /* negotiated in the last session */
        char *parameter_key;       /* dmd's, cached from PropertiesChanged */
        char last_result[256];
        char last_time[40];
        bool reboot_pending, factory_reset_pending;
        int64_t start_time;           /* epoch, the phase of periodic Informs without a reference */
        char *introspection;          /* the interfaces of /io/cwmp/Agent, as XML */
        struct session *dead_session; /* freed from the loop, never inside its callbacks */
        sd_event_source *reap;
};

int manager_new(struct settings *settings, struct manager **ret);
void manager_free(struct manager *m);
int manager_start(struct manager *m);
int manager_run(struct manager *m);

/* Asks for a session: now, or right after the one in progress. */
void manager_request_session(struct manager *m);
/* The same without waiting for a pending retry: connection requests, Agent1.Inform. */
void manager_request_session_now(struct manager *m);
/* Queues an event (persisted) and asks for a session. */
int manager_queue_event(struct manager *m, const char *code, const char *command_key,
                        const char *producer_key);
/* Called by the session when it ends. */
void manager_session_ended(struct manager *m, bool success, const char *result);

/* cwmpd.store helpers. */
const char *manager_state_get(struct manager *m, const char *key);
int manager_state_set(struct manager *m, const char *key, const char *value); /* NULL: remove */
int manager_state_save(struct manager *m);

/* ACS URL and credentials in force (ManagementServer, or the config's defaults). */
const char *manager_acs_url(struct manager *m);
void manager_schedule_changed(struct manager *m); /* re-arms the ScheduleInform timer */
