/* SPDX-License-Identifier: MIT */
/* Completed jobs go to cwmpd (io.cwmp.Agent1.QueueTransferComplete or
 * QueueAutonomousTransferComplete) and leave the disk only once cwmpd answered that it has
 * them on its own disk. Until then they are offered again: every RETRY_USEC, and as soon as
 * cwmpd appears on the bus. The job's id is the producer key, so cwmpd queues a result it
 * is offered twice only once. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bus.h"
#include "fault.h"
#include "log.h"
#include "manager.h"

#define AGENT_BUS_NAME    "io.cwmp.Agent"
#define AGENT_OBJECT_PATH "/io/cwmp/Agent"
#define AGENT_INTERFACE   "io.cwmp.Agent1"
#define CALL_TIMEOUT_MS   25000
#define RETRY_USEC        (10ull * 1000000ull)
#define PRODUCER_PREFIX   "fwupd-bridge/"

struct call {
        struct manager *m;
        char *id;
};

/* dateTime in UTC; 0 is TR-069's Unknown Time. */
static void format_time(uint64_t usec, char out[32])
{
        time_t t = (time_t)(usec / 1000000u);
        struct tm tm;

        if (usec == 0 || !gmtime_r(&t, &tm) || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                snprintf(out, 32, "0001-01-01T00:00:00Z");
}

static void call_free(void *userdata)
{
        struct call *c = userdata;

        c->m->handoffs_in_flight--;
        free(c->id);
        free(c);
}

static void arm_retry(struct manager *m, uint64_t delay_usec)
{
        uint64_t now;

        if (sd_event_now(m->event, CLOCK_MONOTONIC, &now) < 0 ||
            sd_event_source_set_time(m->handoff_retry, now + delay_usec) < 0 ||
            sd_event_source_set_enabled(m->handoff_retry, SD_EVENT_ONESHOT) < 0)
                log_warning("Cannot schedule the retry of the hand-offs to cwmpd");
}

static void on_reply(DBusMessage *reply, void *userdata)
{
        struct call *c = userdata;
        struct manager *m = c->m;
        struct job *j = job_store_find_id(m->jobs, c->id);
        int r;

        if (dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_ERROR) {
                const char *name = dbus_message_get_error_name(reply);
                log_debug("cwmpd did not take %s: %s", c->id, name);
                m->handoff_failed = true;
                /* Refused as it is, it would be refused for ever: send it as an internal
                 * error rather than never. */
                if (j && j->fault_code && streq_ptr(name, FAULT_DBUS_PREFIX "InvalidArguments")) {
                        log_error("cwmpd refused the result of \"%s\" (fault %u): sending 9002",
                                  j->command_key, j->fault_code);
                        j->fault_code = 9002;
                        if (job_store_save(m->jobs, j) < 0)
                                log_warning("Cannot save the job %s", c->id);
                }
        } else if (j) {
                log_info("Handed the result of %s \"%s\" over to cwmpd",
                         job_kind_to_method(j->kind), j->command_key);
                r = job_store_remove(m->jobs, j);
                if (r < 0)
                        log_warning_errno(r, "Failed to remove the job %s: %m", c->id);
        }
        if (m->handoffs_in_flight != 1)
                return; /* not the last answer of this round */
        if (m->handoff_failed)
                arm_retry(m, RETRY_USEC);
        else if (m->handoff_requeue)
                arm_retry(m, 0);
}

static DBusMessage *new_call(const struct job *j, const char *producer)
{
        _cleanup_dbus_message_ DBusMessage *call = NULL;
        const char *method = job_kind_to_method(j->kind);
        char start[32], done[32];
        const char *s = start, *d = done, *fs = j->fault_string ? j->fault_string : "";

        format_time(j->start_usec, start);
        format_time(j->complete_usec, done);
        if (j->kind == JOB_AUTONOMOUS) {
                dbus_bool_t is_download = j->is_download;
                call = dbus_message_new_method_call(AGENT_BUS_NAME, AGENT_OBJECT_PATH,
                                                    AGENT_INTERFACE,
                                                    "QueueAutonomousTransferComplete");
                if (!call ||
                    !dbus_message_append_args(
                            call, DBUS_TYPE_STRING, &j->announce_url, DBUS_TYPE_STRING, &j->url,
                            DBUS_TYPE_BOOLEAN, &is_download, DBUS_TYPE_STRING, &j->file_type,
                            DBUS_TYPE_UINT32, &j->file_size, DBUS_TYPE_STRING, &j->target_file_name,
                            DBUS_TYPE_UINT32, &j->fault_code, DBUS_TYPE_STRING, &fs,
                            DBUS_TYPE_STRING, &s, DBUS_TYPE_STRING, &d, DBUS_TYPE_STRING, &producer,
                            DBUS_TYPE_INVALID))
                        return NULL;
        } else {
                call = dbus_message_new_method_call(AGENT_BUS_NAME, AGENT_OBJECT_PATH,
                                                    AGENT_INTERFACE, "QueueTransferComplete");
                if (!call || !dbus_message_append_args(
                                     call, DBUS_TYPE_STRING, &method, DBUS_TYPE_STRING,
                                     &j->command_key, DBUS_TYPE_UINT32, &j->fault_code,
                                     DBUS_TYPE_STRING, &fs, DBUS_TYPE_STRING, &s, DBUS_TYPE_STRING,
                                     &d, DBUS_TYPE_STRING, &producer, DBUS_TYPE_INVALID))
                        return NULL;
        }
        return TAKE_PTR(call);
}

void results_kick(struct manager *m)
{
        if (!m->handoff_retry)
                return;
        if (m->handoffs_in_flight > 0) {
                m->handoff_requeue = true; /* offered right after the round in flight */
                return;
        }
        m->handoff_failed = m->handoff_requeue = false;
        for (size_t i = 0; i < job_store_count(m->jobs); i++) {
                const struct job *j = job_store_get(m->jobs, i);
                _cleanup_dbus_message_ DBusMessage *call = NULL;
                _cleanup_free_ char *producer = NULL;
                struct call *c;

                if (j->state != JOB_COMPLETED)
                        continue;
                if (asprintf(&producer, PRODUCER_PREFIX "%s", j->id) < 0)
                        producer = NULL;
                c = calloc(1, sizeof(*c));
                if (!producer || !c || !(c->id = strdup(j->id)) ||
                    !(call = new_call(j, producer))) {
                        if (c)
                                free(c->id);
                        free(c);
                        m->handoff_failed = true;
                        continue;
                }
                c->m = m;
                m->handoffs_in_flight++;
                if (bus_call_async(m->bus, call, CALL_TIMEOUT_MS, on_reply, c, call_free) < 0) {
                        call_free(c);
                        m->handoff_failed = true;
                }
        }
        if (m->handoffs_in_flight == 0 && m->handoff_failed)
                arm_retry(m, RETRY_USEC);
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata)
{
        results_kick(userdata);
        return 0;
}

int results_start(struct manager *m)
{
        int r = sd_event_add_time(m->event, &m->handoff_retry, CLOCK_MONOTONIC, UINT64_MAX, 0,
                                  on_retry, m);
        if (r >= 0)
                r = sd_event_source_set_enabled(m->handoff_retry, SD_EVENT_OFF);
        if (r < 0)
                return r;
        results_kick(m);
        return 0;
}

void results_stop(struct manager *m)
{
        m->handoff_retry = sd_event_source_disable_unref(m->handoff_retry);
}
