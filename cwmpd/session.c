/* SPDX-License-Identifier: MIT */
/* The session state machine: Inform, CPE requests, empty POST, ACS requests, end. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bus.h"
#include "autonomous-transfer.h"
#include "bulkdata-http.h"
#include "events.h"
#include "fault.h"
#include "http-client.h"
#include "inform.h"
#include "log.h"
#include "management-server.h"
#include "manager.h"
#include "rpc.h"
#include "session.h"
#include "transfer-complete.h"
#include "types.h"

enum session_state {
        SESSION_INFORM_PREPARING, /* reading the Inform's parameters from dmd */
        SESSION_INFORM_SENT,
        SESSION_EMPTY_SENT, /* "no more requests": the ACS's turn */
        SESSION_ANSWERING,  /* working on an ACS request */
        SESSION_RESPONSE_SENT,
        SESSION_REQUEST_SENT, /* a CPE request (TransferComplete) awaits its response */
        SESSION_ENDED,
};

struct session {
        struct manager *m;
        struct http_conn *conn;
        enum session_state state;
        enum cwmp_version version;
        bool hold_requests;
        struct inform *inform;
        struct soap_message request; /* the ACS request being answered */
        char *request_id;
        bool bootstrap_sent;
        struct transfer_result transfer;       /* the TransferComplete in flight */
        struct autonomous_transfer autonomous; /* the AutonomousTransferComplete in flight */
        char *autonomous_after; /* the last one tried in this session: each goes once */
        unsigned requests_sent;
};

static const char *const state_names[] = {
        [SESSION_INFORM_PREPARING] = "inform",
        [SESSION_INFORM_SENT] = "inform sent",
        [SESSION_EMPTY_SENT] = "waiting for the ACS",
        [SESSION_ANSWERING] = "answering",
        [SESSION_RESPONSE_SENT] = "response sent",
        [SESSION_REQUEST_SENT] = "request sent",
        [SESSION_ENDED] = "ended",
};

const char *session_state_name(const struct session *s)
{
        return state_names[s->state];
}

void session_free(struct session *s)
{
        if (!s)
                return;
        http_conn_free(s->conn);
        inform_free(s->inform);
        soap_message_done(&s->request);
        free(s->request_id);
        transfer_result_done(&s->transfer);
        autonomous_transfer_done(&s->autonomous);
        free(s->autonomous_after);
        free(s);
}

/* Ends the session once: the manager takes it from here (and frees it). */
static void session_end(struct session *s, bool success, const char *format, ...)
        __attribute__((format(printf, 3, 4)));
static void session_end(struct session *s, bool success, const char *format, ...)
{
        char result[256];
        va_list ap;

        if (s->state == SESSION_ENDED)
                return;
        s->state = SESSION_ENDED;
        va_start(ap, format);
        vsnprintf(result, sizeof(result), format, ap);
        va_end(ap);
        if (!success)
                (void)events_session_failed(s->m->events);
        manager_session_ended(s->m, success, result);
}

static struct soap_out_header header_for(struct session *s, const char *id)
{
        static const char *const supported[] = {"1.0", "1.0,1.1", "1.0,1.1,1.2", "1.0,1.1,1.2,1.3",
                                                "1.0,1.1,1.2,1.3,1.4"};
        return (struct soap_out_header){
                .version = s->version,
                .id = id,
                .supported_versions =
                        s->state == SESSION_INFORM_PREPARING ? supported[s->m->max_version] : NULL,
                .session_timeout =
                        s->state == SESSION_INFORM_PREPARING ? s->m->settings.session_timeout_s : 0,
        };
}

static void on_response(struct http_conn *conn, const struct http_response *resp, void *userdata);

/* HTTPCompression: the messages to the ACS gzip- or zlib-compressed, with their
 * Content-Encoding; NONE when it is Disabled. */
static enum bulkdata_compression message_compression(struct session *s)
{
        const struct management_settings *ms = management_server_settings(s->m->ms);

        if (ms && ms->http_compression && streq(ms->http_compression, "GZIP"))
                return BULKDATA_COMPRESSION_GZIP;
        if (ms && ms->http_compression && streq(ms->http_compression, "Deflate"))
                return BULKDATA_COMPRESSION_DEFLATE;
        return BULKDATA_COMPRESSION_NONE;
}

static void post(struct session *s, char *body, size_t len, enum session_state next)
{
        static const char *const soap_headers[] = {"SOAPAction:", NULL};
        static const char *const gzip_headers[] = {"SOAPAction:", "Content-Encoding: gzip", NULL};
        static const char *const deflate_headers[] = {"SOAPAction:", "Content-Encoding: deflate",
                                                      NULL};
        enum bulkdata_compression c = len ? message_compression(s) : BULKDATA_COMPRESSION_NONE;
        const char *const *headers = len ? soap_headers : NULL;
        char *packed = NULL;
        size_t packed_len = 0;
        int r;

        s->state = next;
        log_debug("POST %zu bytes (%s)%s%.*s", len, session_state_name(s), len ? ":\n" : "",
                  (int)(len > 4096 ? 4096 : len), body ? body : "");
        if (c != BULKDATA_COMPRESSION_NONE &&
            bulkdata_compress(c, body, len, &packed, &packed_len) >= 0)
                headers = c == BULKDATA_COMPRESSION_GZIP ? gzip_headers : deflate_headers;
        r = packed ? http_conn_post(s->conn, packed, packed_len, headers, on_response, s)
                   : http_conn_post(s->conn, body, len, headers, on_response, s);
        free(packed);
        free(body);
        if (r < 0)
                session_end(s, false, "cannot send to the ACS: %s", strerror(-r));
}

/* After the Inform: the CPE's own requests, one per POST, unless the ACS holds them
 * (HoldRequests); then the empty POST that hands the turn to the ACS. */
static void send_empty(struct session *s)
{
        post(s, NULL, 0, SESSION_EMPTY_SENT);
}

/* The next AutonomousTransferComplete not yet tried in this session, or false. An ACS of
 * CWMP 1.0 has no such method: what is stored then is dropped, not kept forever. */
static bool next_autonomous(struct session *s)
{
        autonomous_transfer_done(&s->autonomous);
        while (autonomous_transfer_next(s->m, s->autonomous_after, &s->autonomous)) {
                free(s->autonomous_after);
                s->autonomous_after = strdup(s->autonomous.key);
                if (!s->autonomous_after) {
                        autonomous_transfer_done(&s->autonomous);
                        return false;
                }
                if (s->version >= CWMP_1_1)
                        return true;
                log_warning("Dropping an AutonomousTransferComplete (%s): the ACS speaks CWMP "
                            "1.0, which lacks it",
                            s->autonomous.transfer_url);
                (void)autonomous_transfer_remove(s->m, &s->autonomous);
                autonomous_transfer_done(&s->autonomous);
        }
        return false;
}

static void send_autonomous(struct session *s)
{
        char *body = NULL, id[32];
        size_t len = 0;

        snprintf(id, sizeof(id), "cpe-atc-%u", ++s->requests_sent);
        struct soap_out_header h = header_for(s, id);
        struct soap_autonomous_transfer view = autonomous_transfer_view(&s->autonomous);
        int r = soap_encode_autonomous_transfer_complete(&h, &view, &body, &len);
        if (r < 0) {
                session_end(s, false, "cannot encode AutonomousTransferComplete: %s", strerror(-r));
                return;
        }
        post(s, body, len, SESSION_REQUEST_SENT);
}

static void send_cpe_requests(struct session *s)
{
        char *body = NULL, id[32];
        size_t len = 0;
        int r;

        transfer_result_done(&s->transfer);
        autonomous_transfer_done(&s->autonomous);
        if (s->hold_requests) {
                send_empty(s);
                return;
        }
        if (!transfer_complete_next(s->m, &s->transfer)) {
                if (next_autonomous(s))
                        send_autonomous(s);
                else
                        send_empty(s);
                return;
        }
        snprintf(id, sizeof(id), "cpe-tc-%u", ++s->requests_sent);
        struct soap_out_header h = header_for(s, id);
        r = soap_encode_transfer_complete(&h, s->transfer.command_key, s->transfer.fault_code,
                                          s->transfer.fault_string, s->transfer.start_time,
                                          s->transfer.complete_time, &body, &len);
        if (r < 0) {
                session_end(s, false, "cannot encode TransferComplete: %s", strerror(-r));
                return;
        }
        post(s, body, len, SESSION_REQUEST_SENT);
}

/* The ACS's answer to an AutonomousTransferComplete. Whatever it is, the session goes on:
 * a response or a refusal (GenieACS answers 8000) removes the record, 8005 (retry
 * request) keeps it for a later session. */
static void handle_autonomous_response(struct session *s, const struct http_response *resp)
{
        struct soap_message msg = {};
        uint32_t code = 0;
        char detail[256] = "";

        if (resp->body_len == 0 ||
            soap_decode(resp->body, resp->body_len, &msg, &code, detail, sizeof(detail)) < 0) {
                session_end(s, false, "the ACS did not answer AutonomousTransferComplete%s%s",
                            detail[0] ? ": " : "", detail);
                soap_message_done(&msg);
                return;
        }
        if (msg.method == SOAP_FAULT && msg.fault_code == 8005) {
                log_info("The ACS asked to retry AutonomousTransferComplete later (8005)");
        } else if (msg.method == SOAP_FAULT ||
                   msg.method == SOAP_AUTONOMOUS_TRANSFER_COMPLETE_RESPONSE) {
                if (msg.method == SOAP_FAULT)
                        log_warning("The ACS refused AutonomousTransferComplete with fault "
                                    "%" PRIu32 " (%s): dropping it",
                                    msg.fault_code, msg.fault_string ? msg.fault_string : "");
                if (autonomous_transfer_remove(s->m, &s->autonomous) < 0)
                        log_error("Cannot remove the delivered AutonomousTransferComplete");
        } else {
                session_end(s, false, "the ACS answered AutonomousTransferComplete with %s",
                            msg.method_name ? msg.method_name : "nothing");
                soap_message_done(&msg);
                return;
        }
        if (msg.hold_requests)
                s->hold_requests = true;
        soap_message_done(&msg);
        send_cpe_requests(s);
}

static void handle_request_response(struct session *s, const struct http_response *resp)
{
        struct soap_message msg = {};
        uint32_t code = 0;
        char detail[256] = "";

        if (s->autonomous.key) {
                handle_autonomous_response(s, resp);
                return;
        }

        if (resp->body_len == 0 ||
            soap_decode(resp->body, resp->body_len, &msg, &code, detail, sizeof(detail)) < 0) {
                session_end(s, false, "the ACS did not answer TransferComplete%s%s",
                            detail[0] ? ": " : "", detail);
                soap_message_done(&msg);
                return;
        }
        if (msg.method != SOAP_TRANSFER_COMPLETE_RESPONSE) {
                session_end(s, false, "the ACS answered TransferComplete with %s%s%s",
                            msg.method_name ? msg.method_name : "a fault",
                            msg.fault_string ? ": " : "", msg.fault_string ? msg.fault_string : "");
                soap_message_done(&msg);
                return;
        }
        if (msg.hold_requests)
                s->hold_requests = true;
        soap_message_done(&msg);
        /* Acknowledged: only now does the result leave the disk. */
        if (transfer_complete_acknowledged(s->m, &s->transfer) < 0)
                log_error("Cannot record the acknowledged TransferComplete %s",
                          s->transfer.command_key);
        send_cpe_requests(s);
}

static void on_rpc_done(void *userdata, char *body, size_t len)
{
        struct session *s = userdata;

        if (s->state != SESSION_ANSWERING) {
                free(body);
                return;
        }
        if (!body) {
                session_end(s, false, "cannot encode a response");
                return;
        }
        soap_message_done(&s->request);
        post(s, body, len, SESSION_RESPONSE_SENT);
}

static void answer_request(struct session *s)
{
        struct soap_out_header h = header_for(s, s->request.id);
        int r;

        s->state = SESSION_ANSWERING;
        r = rpc_handle(s->m, &s->request, &h, on_rpc_done, s);
        if (r < 0) {
                char *body = NULL;
                size_t len = 0;
                if (rpc_encode_fault(&h, fault_from_errno(r), strerror(-r), &body, &len) < 0) {
                        session_end(s, false, "cannot answer %s", s->request.method_name);
                        return;
                }
                on_rpc_done(s, body, len);
        }
}

/* The version of the rest of the session: the ACS's namespace, or what it asked for. */
static void negotiate(struct session *s, const struct soap_message *msg)
{
        enum cwmp_version v = msg->version;

        /* A 1.4 ACS names the version (UseCWMPVersion); an older one says it with its
         * namespace, and cwmp-1-2 then means 1.2 (1.3 and 1.4 share it, but an ACS of those
         * versions would have answered UseCWMPVersion). */
        if (msg->use_version) {
                int u = cwmp_version_from_string(msg->use_version);
                if (u >= 0)
                        v = (enum cwmp_version)u;
        }
        if (v > s->m->max_version)
                v = s->m->max_version;
        s->version = v;
        s->m->version = v;
}

static void handle_inform_response(struct session *s, const struct http_response *resp)
{
        struct soap_message msg = {};
        uint32_t code = 0;
        char detail[256] = "";

        if (resp->body_len == 0) {
                session_end(s, false, "the ACS answered the Inform with an empty response");
                return;
        }
        if (soap_decode(resp->body, resp->body_len, &msg, &code, detail, sizeof(detail)) < 0) {
                session_end(s, false, "the ACS's InformResponse is malformed: %s", detail);
                soap_message_done(&msg);
                return;
        }
        if (msg.method == SOAP_FAULT) {
                session_end(s, false, "the ACS answered the Inform with fault %" PRIu32 " (%s)",
                            msg.fault_code, msg.fault_string ? msg.fault_string : "");
                soap_message_done(&msg);
                return;
        }
        if (msg.method != SOAP_INFORM_RESPONSE) {
                session_end(s, false, "the ACS answered the Inform with %s", msg.method_name);
                soap_message_done(&msg);
                return;
        }
        negotiate(s, &msg);
        s->hold_requests = msg.hold_requests;
        soap_message_done(&msg);

        /* Delivered: the events the Inform carried, and the values it reported. */
        (void)events_delivered(s->m->events);
        inform_delivered(s->m, s->inform);
        if (s->bootstrap_sent) {
                /* The ACS knows us: a BOOTSTRAP is due again only for a new URL. */
                (void)manager_state_set(s->m, "bootstrap-url", manager_acs_url(s->m));
                (void)manager_state_save(s->m);
        }
        send_cpe_requests(s);
}

static void handle_acs_message(struct session *s, const struct http_response *resp)
{
        uint32_t code = 0;
        char detail[256] = "";

        if (resp->status == 204 || resp->body_len == 0) {
                session_end(s, true, "ok");
                return;
        }
        soap_message_done(&s->request);
        s->request = (struct soap_message){};
        if (soap_decode(resp->body, resp->body_len, &s->request, &code, detail, sizeof(detail)) <
            0) {
                /* Answer with the fault, naming what was wrong, and go on. */
                struct soap_out_header h = header_for(s, s->request.id);
                char *body = NULL;
                size_t len = 0;
                log_warning("Malformed request from the ACS: %s", detail);
                if (rpc_encode_fault(&h, code ? code : CWMP_FAULT_INVALID_ARGUMENTS, detail, &body,
                                     &len) < 0) {
                        session_end(s, false, "cannot encode a fault");
                        return;
                }
                s->state = SESSION_ANSWERING;
                on_rpc_done(s, body, len);
                return;
        }
        if (s->request.hold_requests)
                s->hold_requests = true;
        switch (s->request.method) {
        case SOAP_FAULT:
                session_end(s, false, "the ACS sent fault %" PRIu32 " (%s)", s->request.fault_code,
                            s->request.fault_string ? s->request.fault_string : "");
                return;
        case SOAP_INFORM_RESPONSE:
        case SOAP_TRANSFER_COMPLETE_RESPONSE:
        case SOAP_AUTONOMOUS_TRANSFER_COMPLETE_RESPONSE:
        case SOAP_GET_RPC_METHODS_RESPONSE:
        case SOAP_REQUEST_DOWNLOAD_RESPONSE:
                /* A response to nothing we asked: ignore it and hand the turn back. */
                log_warning("Ignoring an unexpected %s from the ACS", s->request.method_name);
                send_empty(s);
                return;
        default:
                answer_request(s);
        }
}

static void on_response(struct http_conn *conn, const struct http_response *resp, void *userdata)
{
        struct session *s = userdata;

        if (resp->error < 0) {
                session_end(s, false, "%s",
                            resp->error_message ? resp->error_message : strerror(-resp->error));
                return;
        }
        log_debug("HTTP %ld, %zu bytes%s%.*s", resp->status, resp->body_len,
                  resp->body_len ? ":\n" : "", (int)(resp->body_len > 4096 ? 4096 : resp->body_len),
                  resp->body ? resp->body : "");
        if (resp->status == 401) {
                session_end(s, false, "the ACS refused our credentials (HTTP 401)");
                return;
        }
        /* SOAP 1.1 carries a fault with HTTP 500: the ACS refusing one of our requests. */
        if (resp->status == 500 && s->state == SESSION_REQUEST_SENT && resp->body_len > 0) {
                handle_request_response(s, resp);
                return;
        }
        if (resp->status != 200 && resp->status != 204) {
                session_end(s, false, "the ACS answered HTTP %ld", resp->status);
                return;
        }
        switch (s->state) {
        case SESSION_INFORM_SENT:
                handle_inform_response(s, resp);
                break;
        case SESSION_EMPTY_SENT:
        case SESSION_RESPONSE_SENT:
                handle_acs_message(s, resp);
                break;
        case SESSION_REQUEST_SENT:
                handle_request_response(s, resp);
                break;
        default:
                session_end(s, false, "unexpected HTTP response");
        }
}

static void on_inform_ready(void *userdata, int error)
{
        struct session *s = userdata;
        struct soap_out_header h;
        char *body = NULL, id[32];
        size_t len = 0;
        int r;

        if (error < 0) {
                session_end(s, false, "cannot read the Inform's parameters: %s", strerror(-error));
                return;
        }
        snprintf(id, sizeof(id), "cpe-%" PRIu64, (uint64_t)time(NULL));
        h = header_for(s, id);
        r = inform_encode(s->m, s->inform, &h, &body, &len);
        if (r < 0) {
                session_end(s, false, "cannot encode the Inform: %s", strerror(-r));
                return;
        }
        s->bootstrap_sent = inform_has_event(s->inform, "0 BOOTSTRAP");
        post(s, body, len, SESSION_INFORM_SENT);
}

int session_start(struct manager *m, struct session **ret)
{
        struct session *s = calloc(1, sizeof(*s));
        const struct management_settings *ms = management_server_settings(m->ms);
        int r;

        if (!s)
                return -ENOMEM;
        s->m = m;
        /* Every session offers everything we speak; the ACS picks again each time. */
        s->version = m->max_version;
        s->state = SESSION_INFORM_PREPARING;

        struct http_conn_options opt = {
                .url = manager_acs_url(m),
                .username = ms->username && ms->username[0] ? ms->username : NULL,
                .password = ms->password,
                .ca_file = m->settings.ca_file,
                .ca_path = m->settings.ca_path,
                .client_cert = m->settings.client_cert,
                .client_key = m->settings.client_key,
                .timeout_ms = m->settings.session_timeout_s * 1000,
                .max_response_size = m->settings.max_request_size,
                .follow_redirects = true,
                .user_agent = "cwmp-agent/" CWMP_VERSION,
        };
        r = http_conn_new(m->http, &opt, &s->conn);
        if (r < 0) {
                session_free(s);
                return r;
        }
        *ret = s;
        /* The Inform's parameters come from dmd; the session goes on when they are here. */
        r = inform_prepare(m, &s->inform, on_inform_ready, s);
        if (r < 0) {
                *ret = NULL;
                session_free(s);
                return r;
        }
        return 0;
}
