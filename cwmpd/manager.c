/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "agent-bus.h"
#include "bulkdata.h"
#include "autonomous-transfer.h"
#include "bus.h"
#include "conreq.h"
#include "events.h"
#include "http-client.h"
#include "log.h"
#include "management-server.h"
#include "manager.h"
#include "notify.h"
#include "schedule.h"
#include "security-certificates.h"
#include "session.h"
#include "store.h"
#include "transfer-complete.h"
#include "types.h"

#define USEC_PER_SEC 1000000ULL
#define kick(m)      kick_why((m), __func__)

/* ---- cwmpd.store --------------------------------------------------------------------- */

const char *manager_state_get(struct manager *m, const char *key)
{
        return kvmap_get(m->state, key);
}

int manager_state_set(struct manager *m, const char *key, const char *value)
{
        if (!value) {
                int r = kvmap_remove(m->state, key);
                return r == -ENOENT ? 0 : r;
        }
        return kvmap_set(m->state, key, value);
}

int manager_state_save(struct manager *m)
{
        return store_save(m->state_path, m->state);
}

const char *manager_acs_url(struct manager *m)
{
        const struct management_settings *ms = m->ms ? management_server_settings(m->ms) : NULL;
        if (ms && ms->url && ms->url[0])
                return ms->url;
        return m->settings.acs_url ? m->settings.acs_url : "";
}

/* ---- sessions ------------------------------------------------------------------------ */

static int on_kick(sd_event_source *s, void *userdata)
{
        struct manager *m = userdata;
        int r;

        m->kick = sd_event_source_disable_unref(m->kick);
        if (m->session || !m->session_wanted)
                return 0;
        if (!manager_acs_url(m)[0]) {
                log_warning("No ACS URL configured: not opening a session");
                m->session_wanted = false;
                return 0;
        }
        if (!management_server_settings(m->ms)->enable_cwmp) {
                /* the events wait, and the session is still wanted when it comes back */
                log_info("EnableCWMP is false: not opening a session");
                return 0;
        }
        m->session_wanted = false;
        if (transfer_complete_ensure_events(m) < 0)
                log_error("Cannot queue the events of the stored transfer results");
        if (autonomous_transfer_ensure_event(m) < 0)
                log_error("Cannot queue the event of the stored autonomous transfer results");
        m->retry_timer = sd_event_source_disable_unref(m->retry_timer);
        m->notify_timer = sd_event_source_disable_unref(m->notify_timer);
        log_info("Opening a session with %s", manager_acs_url(m));
        r = session_start(m, &m->session);
        if (r < 0)
                manager_session_ended(m, false, "cannot start a session");
        return 0;
}

static void kick_why(struct manager *m, const char *why)
{
        log_debug("Session wanted: %s", why);
        m->session_wanted = true;
        if (m->session || m->kick)
                return;
        if (sd_event_add_defer(m->event, &m->kick, on_kick, m) < 0)
                log_error("Cannot schedule a session");
}

void manager_request_session(struct manager *m)
{
        /* A session due for a retry will carry what is new: the back-off stands. */
        if (m->retry_timer && !m->session) {
                m->session_wanted = true;
                return;
        }
        kick(m);
}

/* Connection requests and explicit Informs do not wait for a retry. */
void manager_request_session_now(struct manager *m)
{
        m->retry_timer = sd_event_source_disable_unref(m->retry_timer);
        kick(m);
}

int manager_queue_event(struct manager *m, const char *code, const char *command_key,
                        const char *producer_key)
{
        int r = events_add(m->events, code, command_key ? command_key : "",
                           producer_key ? producer_key : "");
        if (r == 0) /* 1: a retried hand-off of an event already known */
                manager_request_session(m);
        return r;
}

static int on_reap(sd_event_source *s, void *userdata)
{
        struct manager *m = userdata;
        m->reap = sd_event_source_disable_unref(m->reap);
        session_free(m->dead_session);
        m->dead_session = NULL;
        return 0;
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct manager *m = userdata;
        m->retry_timer = sd_event_source_disable_unref(m->retry_timer);
        kick(m);
        return 0;
}

static int on_child(sd_event_source *s, const siginfo_t *si, void *userdata)
{
        if (si->si_code == CLD_EXITED && si->si_status == 0)
                log_info("Command %d finished", (int)si->si_pid);
        else
                log_warning("Command %d failed (status %d)", (int)si->si_pid, si->si_status);
        sd_event_source_disable_unref(s);
        return 0;
}

static int run_command(struct manager *m, const char *what, const char *command)
{
        char *argv[] = {"/bin/sh", "-c", (char *)command, NULL};
        pid_t pid;
        int r;

        if (!command || !command[0]) {
                log_warning("No %s command configured", what);
                return 0;
        }
        log_notice("Running the %s command: %s", what, command);
        r = posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, environ);
        if (r != 0)
                return log_error_errno(-r, "Cannot run the %s command: %m", what);
        r = sd_event_add_child(m->event, NULL, pid, WEXITED, on_child, m);
        return r < 0 ? r : 0;
}

static int64_t realtime_now(void);

/* ScheduleReboot and DelayReboot: the reboot waits for a session in progress. */
static void reboot_soon(struct manager *m, const char *why)
{
        log_notice("%s: rebooting", why);
        if (m->session)
                m->reboot_pending = true;
        else
                (void)run_command(m, "reboot", m->settings.reboot_command);
}

static int on_schedule_reboot(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct manager *m = userdata;

        m->schedule_reboot_timer = sd_event_source_disable_unref(m->schedule_reboot_timer);
        /* It has triggered: it reads as not set, so the box does not reboot again. */
        if (management_server_notify(m->ms, "ScheduleReboot", "0001-01-01T00:00:00Z") < 0)
                log_warning("Cannot clear ScheduleReboot");
        reboot_soon(m, "ScheduleReboot");
        return 0;
}

static int on_delay_reboot(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct manager *m = userdata;

        m->delay_reboot_timer = sd_event_source_disable_unref(m->delay_reboot_timer);
        if (management_server_notify(m->ms, "DelayReboot", "-1") < 0)
                log_warning("Cannot clear DelayReboot");
        reboot_soon(m, "DelayReboot");
        return 0;
}

static void start_delay_reboot(struct manager *m, int32_t delay)
{
        m->delay_reboot_timer = sd_event_source_disable_unref(m->delay_reboot_timer);
        if (sd_event_add_time_relative(m->event, &m->delay_reboot_timer, CLOCK_MONOTONIC,
                                       (uint64_t)delay * USEC_PER_SEC, 1000, on_delay_reboot,
                                       m) < 0)
                log_error("Cannot arm the DelayReboot timer");
}

/* TR-181 ScheduleReboot (a time in the past reboots nothing) and DelayReboot (counted from
 * the end of the session that set it, or from now outside a session). */
static void arm_reboot(struct manager *m)
{
        const struct management_settings *ms = management_server_settings(m->ms);
        struct cw_datetime at = {};

        m->schedule_reboot_timer = sd_event_source_disable_unref(m->schedule_reboot_timer);
        m->delay_reboot_timer = sd_event_source_disable_unref(m->delay_reboot_timer);
        m->delay_reboot_after_session = false;
        if (ms->schedule_reboot && cw_parse_datetime(ms->schedule_reboot, &at) >= 0 &&
            !at.unknown && !at.relative && at.seconds > realtime_now() &&
            sd_event_add_time(m->event, &m->schedule_reboot_timer, CLOCK_REALTIME,
                              (uint64_t)at.seconds * USEC_PER_SEC, 1000, on_schedule_reboot, m) < 0)
                log_error("Cannot arm the ScheduleReboot timer");
        if (ms->delay_reboot >= 0) {
                if (m->session)
                        m->delay_reboot_after_session = true;
                else
                        start_delay_reboot(m, ms->delay_reboot);
        }
}

static void after_session(struct manager *m)
{
        if (m->factory_reset_pending) {
                m->factory_reset_pending = false;
                m->reboot_pending = false;
                /* Everything the ACS knows of us goes; the next contact is a BOOTSTRAP. */
                (void)events_clear(m->events);
                kvmap_clear(m->state);
                (void)manager_state_save(m);
                (void)events_add(m->events, "0 BOOTSTRAP", "", "");
                if (management_server_factory_reset(m->ms) < 0)
                        log_error("Failed to reset Device.ManagementServer.");
                (void)run_command(m, "factory reset", m->settings.factory_reset_command);
                kick(m);
                return;
        }
        if (m->reboot_pending) {
                m->reboot_pending = false;
                (void)run_command(m, "reboot", m->settings.reboot_command);
        }
        if (m->delay_reboot_after_session) {
                const struct management_settings *ms = management_server_settings(m->ms);
                m->delay_reboot_after_session = false;
                if (ms->delay_reboot >= 0)
                        start_delay_reboot(m, ms->delay_reboot);
        }
}

void manager_session_ended(struct manager *m, bool success, const char *result)
{
        uint64_t now;

        snprintf(m->last_result, sizeof(m->last_result), "%s", result);
        (void)cw_format_datetime(time(NULL), 0, m->last_time, sizeof(m->last_time));
        sd_event_now(m->event, CLOCK_MONOTONIC, &now);
        m->last_session_end_usec = now;
        if (m->session) {
                m->dead_session = m->session;
                m->session = NULL;
                if (!m->reap && sd_event_add_defer(m->event, &m->reap, on_reap, m) < 0)
                        log_error("Cannot schedule freeing the session");
        }
        if (success) {
                log_info("Session ended: %s", result);
                m->retry_count = 0;
                after_session(m);
                if (events_count(m->events) > 0 || m->session_wanted)
                        kick(m);
        } else {
                const struct management_settings *ms = management_server_settings(m->ms);
                uint64_t random = 0;
                m->retry_count++;
                (void)getrandom(&random, sizeof(random), 0);
                uint64_t wait = schedule_retry_wait_usec(ms->cwmp_retry_minimum_wait_interval,
                                                         ms->cwmp_retry_interval_multiplier,
                                                         m->retry_count, random);
                log_warning("Session failed: %s; retry %" PRIu32 " in %.1f s", result,
                            m->retry_count, wait / 1e6);
                m->retry_timer = sd_event_source_disable_unref(m->retry_timer);
                if (sd_event_add_time_relative(m->event, &m->retry_timer, CLOCK_MONOTONIC, wait,
                                               1000, on_retry, m) < 0)
                        log_error("Cannot arm the retry timer");
        }
        (void)agent_bus_emit_session_ended(m, success, result);
}

/* ---- periodic and scheduled Informs -------------------------------------------------- */

/* Epoch seconds from the precise clock: time() reads a coarse one that lags a few ms, and a
 * timer due at second N would then find itself before N and fire again. */
static int64_t realtime_now(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return ts.tv_sec;
}

static void arm_periodic(struct manager *m);

static int on_periodic(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct manager *m = userdata;
        m->periodic_timer = sd_event_source_disable_unref(m->periodic_timer);
        (void)manager_queue_event(m, "2 PERIODIC", "", "");
        arm_periodic(m);
        return 0;
}

static void arm_periodic(struct manager *m)
{
        const struct management_settings *ms = management_server_settings(m->ms);
        struct cw_datetime ref = {.unknown = true};

        m->periodic_timer = sd_event_source_disable_unref(m->periodic_timer);
        if (!ms->periodic_inform_enable || ms->periodic_inform_interval == 0)
                return;
        if (!ms->periodic_inform_time || cw_parse_datetime(ms->periodic_inform_time, &ref) < 0 ||
            ref.relative)
                ref.unknown = true;
        int64_t next = schedule_next_periodic(realtime_now(), ms->periodic_inform_interval,
                                              ref.unknown, ref.seconds, m->start_time);
        if (sd_event_add_time(m->event, &m->periodic_timer, CLOCK_REALTIME,
                              (uint64_t)next * USEC_PER_SEC, 1000, on_periodic, m) < 0)
                log_error("Cannot arm the periodic Inform timer");
}

static void arm_heartbeat(struct manager *m);

static int on_heartbeat(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct manager *m = userdata;
        m->heartbeat_timer = sd_event_source_disable_unref(m->heartbeat_timer);
        (void)manager_queue_event(m, "14 HEARTBEAT", "", "");
        arm_heartbeat(m);
        return 0;
}

/* TR-069 Annex O: HeartbeatPolicy, a timer of its own with its own phase. */
static void arm_heartbeat(struct manager *m)
{
        const struct management_settings *ms = management_server_settings(m->ms);
        struct cw_datetime ref = {.unknown = true};

        m->heartbeat_timer = sd_event_source_disable_unref(m->heartbeat_timer);
        if (!ms->heartbeat_enable || ms->heartbeat_interval == 0)
                return;
        if (!ms->heartbeat_initiation_time ||
            cw_parse_datetime(ms->heartbeat_initiation_time, &ref) < 0 || ref.relative)
                ref.unknown = true;
        int64_t next = schedule_next_periodic(realtime_now(), ms->heartbeat_interval, ref.unknown,
                                              ref.seconds, m->start_time);
        if (sd_event_add_time(m->event, &m->heartbeat_timer, CLOCK_REALTIME,
                              (uint64_t)next * USEC_PER_SEC, 1000, on_heartbeat, m) < 0)
                log_error("Cannot arm the heartbeat timer");
}

static int on_schedule(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct manager *m = userdata;
        struct strv due = {};
        const char *k, *v;
        int64_t now = (int64_t)(usec / 1000); /* deadlines are in ms of the epoch */
        bool any = false;

        m->schedule_timer = sd_event_source_disable_unref(m->schedule_timer);
        kvmap_foreach (m->state, i, k, v) {
                if (startswith(k, "schedule:") && strtoll(v, NULL, 10) <= now)
                        (void)strv_push(&due, k);
        }
        strv_sort(&due);
        for (size_t i = 0; i < due.n; i++) {
                const char *value = manager_state_get(m, due.v[i]);
                const char *key = value ? strchr(value, ' ') : NULL;
                /* The events are on disk before the schedule record goes. */
                if (events_add(m->events, "M ScheduleInform", key ? key + 1 : "", "") >= 0 &&
                    events_add(m->events, "3 SCHEDULED", "", "") >= 0) {
                        (void)manager_state_set(m, due.v[i], NULL);
                        any = true;
                }
        }
        strv_done(&due);
        if (any) {
                (void)manager_state_save(m);
                manager_request_session(m);
        }
        manager_schedule_changed(m);
        return 0;
}

void manager_schedule_changed(struct manager *m)
{
        const char *k, *v;
        int64_t earliest = INT64_MAX;

        m->schedule_timer = sd_event_source_disable_unref(m->schedule_timer);
        kvmap_foreach (m->state, i, k, v) {
                if (startswith(k, "schedule:")) {
                        int64_t t = strtoll(v, NULL, 10);
                        if (t < earliest)
                                earliest = t;
                }
        }
        if (earliest == INT64_MAX)
                return;
        if (earliest < 0)
                earliest = 0;
        if (sd_event_add_time(m->event, &m->schedule_timer, CLOCK_REALTIME,
                              (uint64_t)earliest * 1000, 1000, on_schedule, m) < 0)
                log_error("Cannot arm the ScheduleInform timer");
}

/* ---- ManagementServer ---------------------------------------------------------------- */

static char *live_connection_request_url(void *userdata)
{
        struct manager *m = userdata;
        const char *host = m->settings.cr_host && m->settings.cr_host[0] ? m->settings.cr_host
                                                                         : m->settings.cr_address;
        char *url = NULL;

        if (!m->conreq_http)
                return strdup("");
        if (streq(host, "0.0.0.0") || streq(host, "::"))
                host = "127.0.0.1";
        if (asprintf(&url, "http://%s%s%s:%u%s", strchr(host, ':') ? "[" : "", host,
                     strchr(host, ':') ? "]" : "", conreq_http_port(m->conreq_http),
                     m->settings.cr_path) < 0)
                return NULL;
        return url;
}

static char *live_udp_address(void *userdata)
{
        struct manager *m = userdata;
        return strdup(m->udp_address ? m->udp_address : "");
}

static bool live_nat_detected(void *userdata)
{
        struct manager *m = userdata;
        return m->nat_detected;
}

static bool is_forced_inform(void *userdata, const char *name)
{
        struct manager *m = userdata;
        const struct schema_node *node = schema_find(m->schema, name);
        return node && !node->is_object && node->forced_inform;
}

static char *live_parameter_key(void *userdata)
{
        struct manager *m = userdata;
        return strdup(m->parameter_key ? m->parameter_key : "");
}

static void http_conreq_changed(struct manager *m);
static void stun_changed(struct manager *m);
static void enable_changed(struct manager *m);

static void on_management_change(void *userdata, unsigned changes)
{
        struct manager *m = userdata;

        if (changes & MANAGEMENT_CHANGE_URL) {
                log_notice("The ACS URL is now %s: bootstrapping", manager_acs_url(m));
                (void)events_add(m->events, "0 BOOTSTRAP", "", "");
                manager_request_session_now(m);
        }
        if (changes & MANAGEMENT_CHANGE_PERIODIC)
                arm_periodic(m);
        if (changes & MANAGEMENT_CHANGE_HEARTBEAT)
                arm_heartbeat(m);
        if (changes & MANAGEMENT_CHANGE_REBOOT)
                arm_reboot(m);
        if (changes & MANAGEMENT_CHANGE_HTTP_CONNECTION_REQUEST)
                http_conreq_changed(m);
        if (changes & MANAGEMENT_CHANGE_STUN)
                stun_changed(m);
        if (changes & MANAGEMENT_CHANGE_ENABLE)
                enable_changed(m);
}

/* ---- dmd's ParameterKey ---------------------------------------------------------------- */

static void set_parameter_key(struct manager *m, const char *key)
{
        if (streq_ptr(m->parameter_key, key))
                return;
        free(m->parameter_key);
        m->parameter_key = strdup(key);
        if (m->ms)
                (void)management_server_notify(m->ms, "Device.ManagementServer.ParameterKey", key);
}

static void on_parameter_key(DBusMessage *reply, void *userdata)
{
        struct manager *m = userdata;
        DBusMessageIter it, var;
        const char *key;

        if (dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_ERROR ||
            !dbus_message_iter_init(reply, &it) ||
            dbus_message_iter_get_arg_type(&it) != DBUS_TYPE_VARIANT)
                return;
        dbus_message_iter_recurse(&it, &var);
        if (dbus_message_iter_get_arg_type(&var) != DBUS_TYPE_STRING)
                return;
        dbus_message_iter_get_basic(&var, &key);
        set_parameter_key(m, key);
}

static void read_parameter_key(struct manager *m)
{
        const char *iface = DM_INTERFACE, *prop = "ParameterKey";
        _cleanup_dbus_message_ DBusMessage *call = dbus_message_new_method_call(
                DM_BUS_NAME, DM_OBJECT_PATH, "org.freedesktop.DBus.Properties", "Get");
        if (call && dbus_message_append_args(call, DBUS_TYPE_STRING, &iface, DBUS_TYPE_STRING,
                                             &prop, DBUS_TYPE_INVALID))
                (void)bus_call_async(m->bus, call, DM_TIMEOUT_MS, on_parameter_key, m, NULL);
}

static DBusHandlerResult on_dm_signal(DBusConnection *c, DBusMessage *msg, void *userdata)
{
        struct manager *m = userdata;
        const char *name, *old_owner, *new_owner;

        if (dbus_message_is_signal(msg, "org.freedesktop.DBus.Properties", "PropertiesChanged") &&
            streq_ptr(dbus_message_get_path(msg), DM_OBJECT_PATH)) {
                DBusMessageIter it, dict;
                dbus_message_iter_init(msg, &it);
                dbus_message_iter_next(&it);
                if (dbus_message_iter_get_arg_type(&it) != DBUS_TYPE_ARRAY)
                        return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
                dbus_message_iter_recurse(&it, &dict);
                while (dbus_message_iter_get_arg_type(&dict) == DBUS_TYPE_DICT_ENTRY) {
                        DBusMessageIter entry, var;
                        const char *prop, *value;
                        dbus_message_iter_recurse(&dict, &entry);
                        dbus_message_iter_get_basic(&entry, &prop);
                        dbus_message_iter_next(&entry);
                        dbus_message_iter_recurse(&entry, &var);
                        if (streq(prop, "ParameterKey") &&
                            dbus_message_iter_get_arg_type(&var) == DBUS_TYPE_STRING) {
                                dbus_message_iter_get_basic(&var, &value);
                                set_parameter_key(m, value);
                        }
                        dbus_message_iter_next(&dict);
                }
        } else if (dbus_message_is_signal(msg, DBUS_INTERFACE_DBUS, "NameOwnerChanged") &&
                   dbus_message_get_args(msg, NULL, DBUS_TYPE_STRING, &name, DBUS_TYPE_STRING,
                                         &old_owner, DBUS_TYPE_STRING, &new_owner,
                                         DBUS_TYPE_INVALID) &&
                   streq(name, DM_BUS_NAME) && new_owner[0]) {
                read_parameter_key(m); /* dmd (re)started */
        }
        return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
}

static int watch_dmd(struct manager *m)
{
        DBusError error = DBUS_ERROR_INIT;

        if (!dbus_connection_add_filter(m->bus, on_dm_signal, m, NULL))
                return -ENOMEM;
        dbus_bus_add_match(
                m->bus,
                "type='signal',sender='" DM_BUS_NAME
                "',interface='org.freedesktop.DBus.Properties',member='PropertiesChanged',"
                "path='" DM_OBJECT_PATH "'",
                &error);
        if (!dbus_error_is_set(&error))
                dbus_bus_add_match(m->bus,
                                   "type='signal',sender='" DBUS_SERVICE_DBUS
                                   "',member='NameOwnerChanged',arg0='" DM_BUS_NAME "'",
                                   &error);
        if (dbus_error_is_set(&error)) {
                log_error("Cannot watch dmd: %s", error.message);
                dbus_error_free(&error);
                return -EIO;
        }
        read_parameter_key(m);
        return 0;
}

/* ---- connection requests ------------------------------------------------------------- */

static int conreq_credentials(void *userdata, const char **username, const char **password)
{
        struct manager *m = userdata;
        const struct management_settings *ms = management_server_settings(m->ms);
        *username = ms->connection_request_username ? ms->connection_request_username : "";
        *password = ms->connection_request_password ? ms->connection_request_password : "";
        return 0;
}

static void on_connection_request(void *userdata)
{
        struct manager *m = userdata;
        log_info("Connection request from the ACS");
        if (events_add(m->events, "6 CONNECTION REQUEST", "", "") < 0)
                log_error("Cannot queue the connection request event");
        manager_request_session_now(m);
}

static void on_udp_address(void *userdata, const char *address, bool nat_detected)
{
        struct manager *m = userdata;
        if (streq_ptr(m->udp_address, address) && m->nat_detected == nat_detected)
                return;
        free(m->udp_address);
        m->udp_address = strdup(address);
        m->nat_detected = nat_detected;
        (void)management_server_notify(m->ms, "Device.ManagementServer.UDPConnectionRequestAddress",
                                       address);
}

/* The HTTP listener, open while HTTPConnectionRequestEnable is true. */
static int start_conreq_http(struct manager *m)
{
        struct conreq_http_options http = {
                .address = m->settings.cr_address,
                .port = (uint16_t)m->settings.cr_port,
                .path = m->settings.cr_path,
                .throttle_interval_ms = m->settings.cr_throttle_interval_s * 1000,
                .throttle_burst = m->settings.cr_throttle_burst,
        };
        int r;

        const struct management_settings *ms = management_server_settings(m->ms);

        if (m->conreq_http || !ms->enable_cwmp || !ms->http_connection_request_enable)
                return 0;
        r = conreq_http_new(m->event, &http, conreq_credentials, on_connection_request, m,
                            &m->conreq_http);
        if (r < 0)
                return log_error_errno(r, "Cannot listen for connection requests on %s:%u: %m",
                                       http.address, (unsigned)http.port);
        return 0;
}

/* HTTPConnectionRequestEnable changed: the listener opens or closes, and ConnectionRequestURL
 * (empty while closed) is a value that changed. */
static void http_conreq_changed(struct manager *m)
{
        _cleanup_free_ char *url = NULL;

        const struct management_settings *ms = management_server_settings(m->ms);

        if (!ms->enable_cwmp || !ms->http_connection_request_enable) {
                conreq_http_free(m->conreq_http);
                m->conreq_http = NULL;
                log_notice("HTTP connection requests disabled");
        } else if (start_conreq_http(m) < 0)
                return;
        url = live_connection_request_url(m);
        if (url)
                (void)management_server_notify(m->ms,
                                               "Device.ManagementServer.ConnectionRequestURL", url);
}

/* The UDP listener and its STUN client, with the STUN settings in force. */
static int start_conreq_udp(struct manager *m)
{
        const struct management_settings *ms = management_server_settings(m->ms);
        int r;

        if (!m->settings.udp_enable || !ms->enable_cwmp)
                return 0;
        struct conreq_udp_options udp = {
                .address = m->settings.udp_address,
                .port = (uint16_t)m->settings.udp_port,
                .max_clock_skew_s = 300,
                .stun_server =
                        ms->stun_enable && ms->stun_server_address && ms->stun_server_address[0]
                                ? ms->stun_server_address
                                : NULL,
                .stun_port = (uint16_t)(ms->stun_server_port ? ms->stun_server_port : 3478),
                .stun_username = ms->stun_username,
                .stun_password = ms->stun_password,
                .stun_min_keepalive_s = ms->stun_minimum_keep_alive_period,
                .stun_max_keepalive_s = ms->stun_maximum_keep_alive_period > 0
                                                ? (uint32_t)ms->stun_maximum_keep_alive_period
                                                : 0,
        };
        r = conreq_udp_new(m->event, &udp, conreq_credentials, on_connection_request,
                           on_udp_address, m, &m->conreq_udp);
        if (r < 0)
                return log_error_errno(r, "Cannot listen for UDP connection requests: %m");
        if (!m->udp_address) {
                char buf[128];
                snprintf(buf, sizeof(buf), "%s:%u",
                         streq(udp.address, "0.0.0.0") ? "127.0.0.1" : udp.address,
                         conreq_udp_port(m->conreq_udp));
                m->udp_address = strdup(buf);
        }
        return 0;
}

static int start_conreq(struct manager *m)
{
        int r = start_conreq_http(m);
        return r < 0 ? r : start_conreq_udp(m);
}

/* A STUN setting changed: the UDP listener starts again with it, so the mapping the new
 * server (or none) tells is the UDPConnectionRequestAddress, which dmd hears about. */
static void stun_changed(struct manager *m)
{
        if (!m->settings.udp_enable)
                return;
        conreq_udp_free(m->conreq_udp);
        m->conreq_udp = NULL;
        free(m->udp_address);
        m->udp_address = NULL;
        m->nat_detected = false;
        if (start_conreq_udp(m) < 0)
                return;
        (void)management_server_notify(m->ms, "Device.ManagementServer.UDPConnectionRequestAddress",
                                       m->udp_address ? m->udp_address : "");
}

/* EnableCWMP: false closes both connection request listeners and opens no session (the
 * events wait); true opens them again and sends what waited. */
static void enable_changed(struct manager *m)
{
        bool enabled = management_server_settings(m->ms)->enable_cwmp;

        log_notice("EnableCWMP is now %s", enabled ? "true" : "false");
        http_conreq_changed(m);
        stun_changed(m);
        if (enabled && (m->session_wanted || events_count(m->events) > 0))
                kick(m);
}

/* ---- start-up ------------------------------------------------------------------------ */

/* A reboot empties the runtime directory (a tmpfs): that is how a restart of cwmpd alone
 * is told from a boot of the box. */
static int detect_boot(struct manager *m)
{
        _cleanup_free_ char *marker = NULL;
        int r;

        if (asprintf(&marker, "%s/cwmpd.booted", m->settings.runtime_dir) < 0)
                return -ENOMEM;
        if (access(marker, F_OK) == 0)
                return 0;
        r = store_mkdir_p(m->settings.runtime_dir);
        if (r < 0)
                return log_error_errno(r, "Cannot create %s: %m", m->settings.runtime_dir);
        r = events_booted(m->events);
        if (r >= 0)
                r = events_add(m->events, "1 BOOT", "", "");
        /* A Reboot the ACS asked for: its CommandKey comes back with the BOOT. */
        const char *reboot_key = manager_state_get(m, "reboot-key");
        if (r >= 0 && reboot_key) {
                r = events_add(m->events, "M Reboot", reboot_key, "");
                if (r >= 0) {
                        (void)manager_state_set(m, "reboot-key", NULL);
                        r = manager_state_save(m);
                }
        }
        if (r < 0)
                return log_error_errno(r, "Cannot queue the BOOT event: %m");
        r = store_write_atomic(marker, "", 0);
        if (r < 0)
                return log_error_errno(r, "Cannot write %s: %m", marker);
        return 0;
}

static int detect_bootstrap(struct manager *m)
{
        const char *done = manager_state_get(m, "bootstrap-url");
        if (done && streq(done, manager_acs_url(m)))
                return 0;
        if (events_has(m->events, "0 BOOTSTRAP"))
                return 0;
        log_info("First contact with %s: BOOTSTRAP", manager_acs_url(m));
        return events_add(m->events, "0 BOOTSTRAP", "", "");
}

static int load_schema(struct manager *m)
{
        struct schema_error err = {};
        int r = schema_new(&m->schema);

        if (r < 0)
                return r;
        /* The command line's directories replace the configured one, as for dmd. */
        r = m->settings.schema_dirs.n > 0
                    ? schema_load_dirs(m->schema, m->settings.schema_dirs.v,
                                       m->settings.schema_dirs.n, &err)
                    : schema_load_dir(m->schema, m->settings.schema_dir, &err);
        if (r < 0) {
                if (err.file)
                        log_error("%s:%u: %s", err.file, err.line, err.message);
                else
                        log_error_errno(r, "Cannot load the schema: %m");
                schema_error_done(&err);
        }
        return r;
}

int manager_new(struct settings *settings, struct manager **ret)
{
        struct manager *m = calloc(1, sizeof(*m));
        unsigned line = 0;
        int r;

        if (!m) {
                settings_done(settings);
                return -ENOMEM;
        }
        m->settings = *settings;
        m->start_time = time(NULL);
        r = cwmp_version_from_string(m->settings.version);
        if (r < 0) {
                log_error("[Session] Version=%s is not a CWMP version", m->settings.version);
                goto fail;
        }
        m->max_version = m->version = (enum cwmp_version)r;
        r = sd_event_default(&m->event);
        if (r < 0)
                goto fail;
        r = load_schema(m);
        if (r < 0)
                goto fail;
        r = store_mkdir_p(m->settings.state_dir);
        if (r < 0) {
                log_error_errno(r, "Cannot create %s: %m", m->settings.state_dir);
                goto fail;
        }
        if (asprintf(&m->state_path, "%s/cwmpd.store", m->settings.state_dir) < 0 ||
            !(m->state = kvmap_new())) {
                r = -ENOMEM;
                goto fail;
        }
        r = store_load(m->state_path, m->state, &line);
        if (r < 0 && r != -ENOENT) {
                log_error_errno(r, "%s:%u: damaged: %m", m->state_path, line);
                goto fail;
        }
        r = events_open(m->settings.state_dir, &m->events);
        if (r < 0) {
                log_error_errno(r, "Cannot load the event queue from %s: %m",
                                m->settings.state_dir);
                goto fail;
        }
        r = http_client_new(m->event, &m->http);
        if (r < 0)
                goto fail;
        *ret = m;
        return 0;
fail:
        manager_free(m);
        return r;
}

void manager_free(struct manager *m)
{
        if (!m)
                return;
        session_free(m->session);
        session_free(m->dead_session);
        conreq_http_free(m->conreq_http);
        conreq_udp_free(m->conreq_udp);
        bulkdata_free(m->bulkdata);
        security_certificates_free(m->security);
        management_server_free(m->ms);
        sd_event_source_disable_unref(m->kick);
        sd_event_source_disable_unref(m->reap);
        sd_event_source_disable_unref(m->retry_timer);
        sd_event_source_disable_unref(m->periodic_timer);
        sd_event_source_disable_unref(m->schedule_timer);
        sd_event_source_disable_unref(m->notify_timer);
        sd_event_source_disable_unref(m->heartbeat_timer);
        sd_event_source_disable_unref(m->schedule_reboot_timer);
        sd_event_source_disable_unref(m->delay_reboot_timer);
        http_client_free(m->http);
        bus_close(m->bus);
        events_free(m->events);
        kvmap_free(m->state);
        free(m->state_path);
        schema_free(m->schema);
        free(m->udp_address);
        free(m->parameter_key);
        free(m->introspection);
        sd_event_unref(m->event);
        settings_done(&m->settings);
        free(m);
}

/* Device.BulkData., when the schema declares it: its fragment is the one dmd loads too. */
static int start_bulkdata(struct manager *m)
{
        _cleanup_free_ char *state = NULL, *schema = NULL;
        const struct schema_node *node = schema_find(m->schema, "Device.BulkData.");
        int r;

        if (!node) {
                log_info("The schema has no Device.BulkData.: no bulk data reports");
                return 0;
        }
        if (asprintf(&state, "%s/bulkdata.state", m->settings.state_dir) < 0 ||
            !(schema = strdup(node->file)))
                return log_error_errno(-ENOMEM, "Out of memory");
        const struct bulkdata_options options = {
                .schema_file = schema,
                .state_file = state,
                .state_dir = m->settings.state_dir,
                .runtime_dir = m->settings.runtime_dir,
        };
        r = bulkdata_new(m->event, m->bus, m->http, &options, &m->bulkdata);
        if (r >= 0)
                r = bulkdata_start(m->bulkdata);
        if (r < 0)
                return log_error_errno(r, "Failed to set up Device.BulkData.: %m");
        return 0;
}

/* Device.Security., when the schema declares it: the certificates of [ACS]. */
static int start_security(struct manager *m)
{
        _cleanup_free_ char *state = NULL, *schema = NULL;
        const struct schema_node *node = schema_find(m->schema, "Device.Security.Certificate.{i}.");
        int r;

        if (!node)
                return 0;
        if (asprintf(&state, "%s/security-certificates.state", m->settings.state_dir) < 0 ||
            !(schema = strdup(node->file)))
                return log_error_errno(-ENOMEM, "Out of memory");
        const struct security_certificates_options options = {
                .schema_file = schema,
                .state_file = state,
                .ca_file = m->settings.ca_file,
                .ca_path = m->settings.ca_path,
                .client_cert = m->settings.client_cert,
        };
        r = security_certificates_new(m->event, m->bus, &options, &m->security);
        if (r >= 0)
                r = security_certificates_start(m->security);
        if (r < 0)
                return log_error_errno(r, "Failed to set up Device.Security.: %m");
        return 0;
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        struct manager *m = userdata;
        log_info("Received %s, exiting", strsignal(si->ssi_signo));
        return sd_event_exit(m->event, 0);
}

int manager_start(struct manager *m)
{
        _cleanup_free_ char *ms_state = NULL, *ms_schema = NULL;
        sigset_t mask;
        int r;

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGCHLD);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        if (sd_event_add_signal(m->event, NULL, SIGTERM, on_signal, m) < 0 ||
            sd_event_add_signal(m->event, NULL, SIGINT, on_signal, m) < 0)
                return log_error_errno(-errno, "Failed to handle signals: %m");
        (void)sd_event_set_watchdog(m->event, true);

        r = m->settings.bus_address ? bus_open_address(m->event, m->settings.bus_address, &m->bus)
                                    : bus_open_system(m->event, &m->bus);
        if (r < 0)
                return log_error_errno(r, "Failed to connect to the bus: %m");
        r = agent_bus_register(m);
        if (r < 0)
                return log_error_errno(r, "Failed to export %s: %m", AGENT_OBJECT_PATH);

        /* Device.ManagementServer.: its schema fragment is the one dmd loads too. */
        const struct schema_node *msnode = schema_find(m->schema, "Device.ManagementServer.");
        if (!msnode)
                return log_error_errno(-ENOENT, "The schema has no Device.ManagementServer.");
        if (asprintf(&ms_state, "%s/management-server.state", m->settings.state_dir) < 0 ||
            !(ms_schema = strdup(msnode->file)))
                return log_error_errno(-ENOMEM, "Out of memory");
        struct management_defaults defaults = {
                .url = m->settings.acs_url,
                .username = m->settings.acs_username,
                .password = m->settings.acs_password,
                .periodic_inform_interval = m->settings.periodic_interval_s,
                .cwmp_retry_minimum_wait_interval = m->settings.retry_min_wait_s,
                .cwmp_retry_interval_multiplier = m->settings.retry_multiplier,
        };
        static const struct management_live live = {
                .connection_request_url = live_connection_request_url,
                .udp_connection_request_address = live_udp_address,
                .nat_detected = live_nat_detected,
                .parameter_key = live_parameter_key,
                .is_forced_inform = is_forced_inform,
        };
        r = management_server_new(m->event, m->bus, ms_schema, ms_state, &defaults, &live,
                                  on_management_change, m, &m->ms);
        if (r < 0)
                return log_error_errno(r, "Failed to set up Device.ManagementServer.: %m");

        r = watch_dmd(m);
        if (r < 0)
                return r;
        r = notify_start(m);
        if (r < 0)
                return r;
        r = management_server_start(m->ms);
        if (r < 0)
                return log_error_errno(r, "Failed to register Device.ManagementServer.: %m");
        /* after the start, which loads what the ACS stored (EnableCWMP, STUN ...) */
        r = start_conreq(m);
        if (r < 0)
                return r;
        r = start_bulkdata(m);
        if (r < 0)
                return r;
        r = start_security(m);
        if (r < 0)
                return r;

        r = detect_bootstrap(m);
        if (r >= 0)
                r = detect_boot(m);
        if (r < 0)
                return r;
        arm_periodic(m);
        arm_heartbeat(m);
        arm_reboot(m);
        manager_schedule_changed(m);

        r = bus_request_name(m->bus, AGENT_BUS_NAME);
        if (r < 0)
                return log_error_errno(r, "Failed to acquire %s: %m", AGENT_BUS_NAME);
        log_info("Serving %s; ACS %s", AGENT_BUS_NAME, manager_acs_url(m));
        (void)sd_notify(false, "READY=1\nSTATUS=Managing the box");
        if (events_count(m->events) > 0)
                kick(m);
        return 0;
}

int manager_run(struct manager *m)
{
        int r = sd_event_loop(m->event);
        (void)sd_notify(false, "STOPPING=1");
        return r;
}
