/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <time.h>

#include "diagnostics.h"
#include "handoff.h"
#include "interface-ref.h"
#include "kvmap.h"
#include "log.h"
#include "nslookup.h"
#include "packet-capture-diag.h"
#include "ping.h"
#include "server-selection.h"
#include "session-watch.h"
#include "store.h"
#include "tr143-diag.h"
#include "traceroute.h"
#include "types.h"
#include "udpecho-server.h"
#include "udpecho.h"
#include "util.h"

#define IP_PREFIX   "Device.IP.Diagnostics."
#define PING_PREFIX IP_PREFIX "IPPing."
#define TR_PREFIX   IP_PREFIX "TraceRoute."
#define TR_HOPS     TR_PREFIX "RouteHops."
#define DNS_PREFIX  "Device.DNS.Diagnostics."
#define NS_PREFIX   DNS_PREFIX "NSLookupDiagnostics."
#define NS_RESULT   NS_PREFIX "Result."
#define STATE       "DiagnosticsState"
#define UE_PREFIX   IP_PREFIX "UDPEchoDiagnostics."
#define UE_RESULT   UE_PREFIX "IndividualPacketResult."
#define SS_PREFIX   IP_PREFIX "ServerSelectionDiagnostics."
#define UC_PREFIX   IP_PREFIX "UDPEchoConfig."

#define UE_MAX_RESULTS 100 /* UDPEchoDiagnosticsMaxResults */

#define EVENT_DIAGNOSTICS_COMPLETE "8 DIAGNOSTICS COMPLETE"

enum test {
        TEST_PING,
        TEST_NSLOOKUP,
        TEST_TRACEROUTE,
        TEST_DOWNLOAD,
        TEST_UPLOAD,
        TEST_UDPECHO,
        TEST_SERVER_SELECTION,
        TEST_PACKET_CAPTURE,
        N_TESTS
};
enum phase { PHASE_IDLE, PHASE_WAITING, PHASE_RUNNING };

static const char *const test_prefix[N_TESTS] = {
        PING_PREFIX,         NS_PREFIX, TR_PREFIX, TR143_DOWNLOAD_PREFIX,
        TR143_UPLOAD_PREFIX, UE_PREFIX, SS_PREFIX, PCAP_DIAG_PREFIX};
static const char *const test_state[N_TESTS] = {
        PING_PREFIX STATE,         NS_PREFIX STATE, TR_PREFIX STATE, TR143_DOWNLOAD_PREFIX STATE,
        TR143_UPLOAD_PREFIX STATE, UE_PREFIX STATE, SS_PREFIX STATE, PCAP_DIAG_PREFIX STATE};
static const char *const test_label[N_TESTS] = {"ipping",          "nslookup",     "traceroute",
                                                "download",        "upload",       "udpecho",
                                                "serverselection", "packetcapture"};
/* The Interface parameter of the tests that bind to one, NULL for those that leave it to the
 * route or handle it on their own. */
static const char *test_interface(enum test t)
{
        switch (t) {
        case TEST_PING:
                return PING_PREFIX "Interface";
        case TEST_NSLOOKUP:
                return NS_PREFIX "Interface";
        case TEST_TRACEROUTE:
                return TR_PREFIX "Interface";
        case TEST_UDPECHO:
                return UE_PREFIX "Interface";
        case TEST_SERVER_SELECTION:
                return SS_PREFIX "Interface";
        case TEST_PACKET_CAPTURE:
                return PCAP_DIAG_PREFIX "Interface";
        default:
                return NULL;
        }
}

/* One provider per subtree: a SetParameterValues that spans both subtrees is then two
 * owners' commits, each applied and stored on its own. */
enum owner { OWNER_IP, OWNER_DNS, OWNER_PCAP, N_OWNERS };
static const char *const owner_subtree[N_OWNERS] = {IP_PREFIX, DNS_PREFIX, PCAP_DIAG_PREFIX};
static const char *const owner_path[N_OWNERS] = {"/io/cwmp/Diagnostics/IP",
                                                 "/io/cwmp/Diagnostics/DNS",
                                                 "/io/cwmp/Diagnostics/PacketCapture"};
static const char *const owner_state[N_OWNERS] = {"ip-diagnostics.state", "dns-diagnostics.state",
                                                  "packet-capture.state"};

struct diagnostics {
        sd_event *event;
        DBusConnection *bus;
        cwmp_provider *provider[N_OWNERS];
        struct session_watch *watch;
        struct handoff *handoff;
        char *results_file;
        char *hops_file;
        struct kvmap *hops;       /* RouteHops.{i}. by full name, and "count" */
        struct kvmap *ns_results; /* Result.{i}. by full name, and "count" */
        char *resolv_conf;
        struct kvmap *written; /* what the last commits brought: name -> value */
        sd_event_source *committed;
        enum phase phase[N_TESTS];
        ping *ping;
        nslookup *ns;
        traceroute *tr;
        struct tr143_diag *transfer[2]; /* by enum tr143_direction */
        udpecho *ue;
        server_selection *ss;
        struct pcap_diag *pcap;
        char *ue_results_file;
        struct kvmap *ue_results; /* IndividualPacketResult.{i}. by full name, and "count" */
        /* the Linux name of each test's Interface, looked up before the test starts */
        struct test_ref {
                struct diagnostics *d;
                enum test t;
        } test_ref[N_TESTS];
        interface_ref *iface_lookup[N_TESTS];
        char ifname[N_TESTS][IFNAMSIZ];
        /* the UDP echo responder */
        udpecho_server *echo_server;
        interface_ref *echo_iface_lookup;
        sd_event_source *echo_retry; /* after a failure to listen */
        struct udpecho_counters echo_counters;
        bool echo_enabled;
};

/* ---- stored values ---- */

static enum owner owner_of(const char *name)
{
        return startswith(name, DNS_PREFIX)         ? OWNER_DNS
               : startswith(name, PCAP_DIAG_PREFIX) ? OWNER_PCAP
                                                    : OWNER_IP;
}

static const char *stored(struct diagnostics *d, const char *name)
{
        const char *v = cwmp_provider_get_stored(d->provider[owner_of(name)], name);
        return v ? v : "";
}

static uint32_t stored_uint(struct diagnostics *d, const char *name, uint32_t fallback)
{
        uint32_t v;
        return cw_parse_uint32(stored(d, name), &v) >= 0 ? v : fallback;
}

static int publish(struct diagnostics *d, const struct cwmp_value *v, size_t n)
{
        int r = cwmp_provider_notify_changes(d->provider[owner_of(v[0].name)], v, n);
        if (r < 0)
                log_warning_errno(r, "Failed to store the diagnostics values: %m");
        return r;
}

static int set_state(struct diagnostics *d, enum test t, const char *state)
{
        if (streq(stored(d, test_state[t]), state))
                return 0;
        return publish(d, &(struct cwmp_value){test_state[t], state}, 1);
}

/* Tells cwmpd, through a hand-off kept on disk until it answered. */
static void queue_complete_event(struct diagnostics *d, enum test t)
{
        struct timespec ts;
        char key[64];

        clock_gettime(CLOCK_REALTIME, &ts);
        snprintf(key, sizeof(key), "diagd-%s-%lld%09ld", test_label[t], (long long)ts.tv_sec,
                 ts.tv_nsec);
        if (handoff_queue(d->handoff, EVENT_DIAGNOSTICS_COMPLETE, key) < 0)
                log_warning("Failed to keep the %s event of %s", EVENT_DIAGNOSTICS_COMPLETE,
                            test_label[t]);
}

/* ---- IPPing ---- */

#define PING_RESULTS 10

static const char *const ping_result_names[PING_RESULTS] = {
        PING_PREFIX "IPAddressUsed",
        PING_PREFIX "SuccessCount",
        PING_PREFIX "FailureCount",
        PING_PREFIX "AverageResponseTime",
        PING_PREFIX "MinimumResponseTime",
        PING_PREFIX "MaximumResponseTime",
        PING_PREFIX "AverageResponseTimeDetailed",
        PING_PREFIX "MinimumResponseTimeDetailed",
        PING_PREFIX "MaximumResponseTimeDetailed",
        PING_PREFIX STATE,
};

static const char *ping_status_name(enum ping_status s)
{
        switch (s) {
        case PING_COMPLETE:
                return "Complete";
        case PING_CANNOT_RESOLVE:
                return "Error_CannotResolveHostName";
        case PING_NO_ROUTE:
                return "Error_NoRouteToHost";
        case PING_INTERNAL:
        default:
                return "Error_Internal";
        }
}

/* Publishes results and, unless state is NULL, the new DiagnosticsState with them. */
static int publish_ping(struct diagnostics *d, const struct ping_result *res, const char *state)
{
        char text[PING_RESULTS - 1][24];
        uint64_t us[3] = {res->avg_us, res->min_us, res->max_us};
        struct cwmp_value v[PING_RESULTS];
        size_t n = 0;

        v[n++] = (struct cwmp_value){ping_result_names[0], res->address_used};
        snprintf(text[1], sizeof(text[1]), "%" PRIu32, res->successes);
        snprintf(text[2], sizeof(text[2]), "%" PRIu32, res->failures);
        for (int i = 0; i < 3; i++) {
                uint64_t ms = (us[i] + 500) / 1000, detailed = us[i];
                snprintf(text[3 + i], sizeof(text[3 + i]), "%" PRIu64,
                         ms > UINT32_MAX ? UINT32_MAX : ms);
                snprintf(text[6 + i], sizeof(text[6 + i]), "%" PRIu64,
                         detailed > UINT32_MAX ? UINT32_MAX : detailed);
        }
        for (int i = 1; i < PING_RESULTS - 1; i++)
                v[n++] = (struct cwmp_value){ping_result_names[i], text[i]};
        if (state)
                v[n++] = (struct cwmp_value){ping_result_names[PING_RESULTS - 1], state};
        return publish(d, v, n);
}

static void on_ping_done(const struct ping_result *res, void *userdata)
{
        struct diagnostics *d = userdata;
        const char *state = ping_status_name(res->status);

        d->phase[TEST_PING] = PHASE_IDLE;
        log_info("IPPing of %s: %s, %u/%u answered, average %" PRIu64 " us",
                 stored(d, PING_PREFIX "Host"), state, res->successes,
                 res->successes + res->failures, res->avg_us);
        queue_complete_event(d, TEST_PING);
        (void)publish_ping(d, res, state);
        ping_free(TAKE_PTR(d->ping)); /* res is its own */
}

static int run_ping(struct diagnostics *d)
{
        /* the old results go first: storing values invalidates what stored() returned */
        (void)publish_ping(d, &(struct ping_result){}, NULL);
        const char *version = stored(d, PING_PREFIX "ProtocolVersion");
        struct ping_params params = {
                .host = stored(d, PING_PREFIX "Host"),
                .family = streq(version, "IPv4")   ? AF_INET
                          : streq(version, "IPv6") ? AF_INET6
                                                   : AF_UNSPEC,
                .interface = d->ifname[TEST_PING],
                .repetitions = stored_uint(d, PING_PREFIX "NumberOfRepetitions", 3),
                .timeout_ms = stored_uint(d, PING_PREFIX "Timeout", 1000),
                .data_size = stored_uint(d, PING_PREFIX "DataBlockSize", 56),
                .dscp = stored_uint(d, PING_PREFIX "DSCP", 0),
        };

        return ping_start(d->event, &params, on_ping_done, d, &d->ping);
}

/* ---- NSLookupDiagnostics ---- */

static const char *nslookup_status_name(enum nslookup_status s)
{
        switch (s) {
        case NSLOOKUP_COMPLETE:
                return "Complete";
        case NSLOOKUP_SERVER_NOT_RESOLVED:
                return "Error_DNSServerNotResolved";
        case NSLOOKUP_OTHER:
                return "Error_Other";
        case NSLOOKUP_INTERNAL:
        default:
                return "Error_Internal";
        }
}

static int set_result(struct kvmap *m, size_t i, const char *field, const char *value)
{
        char name[128];
        snprintf(name, sizeof(name), NS_RESULT "%zu.%s", i, field);
        return kvmap_set(m, name, value);
}

/* The Result table of a finished lookup, kept in a file of our own. */
static int save_ns_results(struct diagnostics *d, const struct nslookup_result *res)
{
        _cleanup_kvmap_ struct kvmap *m = kvmap_new();
        char number[24];
        int r = 0;

        if (!m)
                return -ENOMEM;
        for (size_t i = 0; res && r >= 0 && i < res->n_results; i++) {
                const struct nslookup_repetition *rep = &res->results[i];
                _cleanup_free_ char *addresses = NULL;
                struct buf b = {};

                for (size_t a = 0; r >= 0 && a < rep->n_addresses; a++)
                        r = buf_printf(&b, "%s%s", a ? "," : "", rep->addresses[a]);
                addresses = b.data ? buf_steal(&b) : strdup("");
                buf_done(&b);
                if (r < 0 || !addresses)
                        return -ENOMEM;
                snprintf(number, sizeof(number), "%" PRIu32, rep->response_ms);
                r = set_result(m, i + 1, "Status", nslookup_result_status_to_string(rep->status));
                if (r >= 0)
                        r = set_result(m, i + 1, "AnswerType",
                                       rep->status != NSLOOKUP_SUCCESS ? "None"
                                       : rep->authoritative            ? "Authoritative"
                                                                       : "NonAuthoritative");
                if (r >= 0)
                        r = set_result(m, i + 1, "HostNameReturned", rep->host_name_returned);
                if (r >= 0)
                        r = set_result(m, i + 1, "IPAddresses", addresses);
                if (r >= 0)
                        r = set_result(m, i + 1, "DNSServerIP", rep->server_ip);
                if (r >= 0)
                        r = set_result(m, i + 1, "ResponseTime", number);
        }
        snprintf(number, sizeof(number), "%zu", res ? res->n_results : 0);
        if (r >= 0)
                r = kvmap_set(m, "count", number);
        if (r < 0)
                return r;
        r = store_save(d->results_file, m);
        if (r < 0)
                log_warning_errno(r, "Failed to save %s: %m", d->results_file);
        kvmap_free(d->ns_results);
        d->ns_results = TAKE_PTR(m);
        return 0;
}

static void on_nslookup_done(const struct nslookup_result *res, void *userdata)
{
        struct diagnostics *d = userdata;
        const char *state = nslookup_status_name(res->status);
        char count[16];

        d->phase[TEST_NSLOOKUP] = PHASE_IDLE;
        log_info("NSLookup of %s: %s, %u/%zu answered", stored(d, NS_PREFIX "HostName"), state,
                 res->success_count, res->n_results);
        if (save_ns_results(d, res) < 0)
                state = "Error_Internal";
        snprintf(count, sizeof(count), "%" PRIu32, res->success_count);
        queue_complete_event(d, TEST_NSLOOKUP);
        (void)publish(
                d,
                (struct cwmp_value[]){{NS_PREFIX "SuccessCount", count}, {NS_PREFIX STATE, state}},
                2);
        nslookup_free(TAKE_PTR(d->ns)); /* res is its own */
}

static int run_nslookup(struct diagnostics *d)
{
        /* the old results go first: storing values invalidates what stored() returned */
        int r = save_ns_results(d, NULL);
        if (r >= 0)
                r = publish(d, &(struct cwmp_value){NS_PREFIX "SuccessCount", "0"}, 1);
        if (r < 0)
                return r;
        struct nslookup_params params = {
                .host_name = stored(d, NS_PREFIX "HostName"),
                .server = stored(d, NS_PREFIX "DNSServer"),
                .resolv_conf = d->resolv_conf,
                .interface = d->ifname[TEST_NSLOOKUP],
                .repetitions = stored_uint(d, NS_PREFIX "NumberOfRepetitions", 1),
                .timeout_ms = stored_uint(d, NS_PREFIX "Timeout", 1000),
        };
        return nslookup_start(d->event, &params, on_nslookup_done, d, &d->ns);
}

/* ---- TraceRoute ---- */

static const char *traceroute_status_name(enum traceroute_status s)
{
        switch (s) {
        case TRACEROUTE_COMPLETE:
                return "Complete";
        case TRACEROUTE_CANNOT_RESOLVE:
                return "Error_CannotResolveHostName";
        case TRACEROUTE_NO_ROUTE:
                return "Error_NoRouteToHost";
        case TRACEROUTE_MAX_HOPS_EXCEEDED:
                return "Error_MaxHopCountExceeded";
        case TRACEROUTE_INTERNAL:
        default:
                return "Error_Internal";
        }
}

static int set_hop(struct kvmap *m, size_t i, const char *field, const char *value)
{
        char name[128];
        snprintf(name, sizeof(name), TR_HOPS "%zu.%s", i, field);
        return kvmap_set(m, name, value);
}

/* The RouteHops table of a finished trace, kept in a file of our own. */
static int save_hops(struct diagnostics *d, const struct traceroute_result *res)
{
        _cleanup_kvmap_ struct kvmap *m = kvmap_new();
        char number[24];
        int r = 0;

        if (!m)
                return -ENOMEM;
        for (uint32_t i = 0; res && r >= 0 && i < res->n_hops; i++) {
                const struct traceroute_hop *hop = &res->hops[i];
                char rtts[TRACEROUTE_MAX_TRIES * 12] = "";
                size_t o = 0;

                for (uint32_t k = 0; k < hop->n_rtts; k++)
                        o += (size_t)snprintf(rtts + o, sizeof(rtts) - o, "%s%" PRIu32,
                                              k ? "," : "", hop->rtt_ms[k]);
                snprintf(number, sizeof(number), "%" PRIu32, hop->error_code);
                /* no reverse lookups: the host is named by its address */
                r = set_hop(m, i + 1, "Host", hop->address);
                if (r >= 0)
                        r = set_hop(m, i + 1, "HostAddress", hop->address);
                if (r >= 0)
                        r = set_hop(m, i + 1, "ErrorCode", number);
                if (r >= 0)
                        r = set_hop(m, i + 1, "RTTimes", rtts);
        }
        snprintf(number, sizeof(number), "%" PRIu32, res ? res->n_hops : 0);
        if (r >= 0)
                r = kvmap_set(m, "count", number);
        if (r < 0)
                return r;
        r = store_save(d->hops_file, m);
        if (r < 0)
                log_warning_errno(r, "Failed to save %s: %m", d->hops_file);
        kvmap_free(d->hops);
        d->hops = TAKE_PTR(m);
        return 0;
}

static void on_traceroute_done(const struct traceroute_result *res, void *userdata)
{
        struct diagnostics *d = userdata;
        const char *state = traceroute_status_name(res->status);
        char response[16];

        d->phase[TEST_TRACEROUTE] = PHASE_IDLE;
        log_info("TraceRoute to %s: %s, %" PRIu32 " hops", stored(d, TR_PREFIX "Host"), state,
                 res->n_hops);
        if (save_hops(d, res) < 0)
                state = "Error_Internal";
        snprintf(response, sizeof(response), "%" PRIu32, res->response_ms);
        queue_complete_event(d, TEST_TRACEROUTE);
        (void)publish(d,
                      (struct cwmp_value[]){{TR_PREFIX "IPAddressUsed", res->address_used},
                                            {TR_PREFIX "ResponseTime", response},
                                            {TR_PREFIX STATE, state}},
                      3);
        traceroute_free(TAKE_PTR(d->tr)); /* res is its own */
}

static int run_traceroute(struct diagnostics *d)
{
        /* the old results go first: storing values invalidates what stored() returned */
        int r = save_hops(d, NULL);
        if (r >= 0)
                r = publish(d,
                            (struct cwmp_value[]){{TR_PREFIX "IPAddressUsed", ""},
                                                  {TR_PREFIX "ResponseTime", "0"}},
                            2);
        if (r < 0)
                return r;
        const char *version = stored(d, TR_PREFIX "ProtocolVersion");
        struct traceroute_params params = {
                .host = stored(d, TR_PREFIX "Host"),
                .family = streq(version, "IPv4")   ? AF_INET
                          : streq(version, "IPv6") ? AF_INET6
                                                   : AF_UNSPEC,
                .interface = d->ifname[TEST_TRACEROUTE],
                .tries = stored_uint(d, TR_PREFIX "NumberOfTries", 3),
                .timeout_ms = stored_uint(d, TR_PREFIX "Timeout", 5000),
                .data_size = stored_uint(d, TR_PREFIX "DataBlockSize", 38),
                .dscp = stored_uint(d, TR_PREFIX "DSCP", 0),
                .max_hops = stored_uint(d, TR_PREFIX "MaxHopCount", 30),
        };
        return traceroute_start(d->event, &params, on_traceroute_done, d, &d->tr);
}

/* ---- DownloadDiagnostics, UploadDiagnostics (tr143-diag.c) ---- */

static enum tr143_direction transfer_direction(enum test t)
{
        return t == TEST_UPLOAD ? TR143_UPLOAD : TR143_DOWNLOAD;
}

static void on_transfer_done(enum tr143_direction direction, void *userdata)
{
        struct diagnostics *d = userdata;
        enum test t = direction == TR143_UPLOAD ? TEST_UPLOAD : TEST_DOWNLOAD;

        d->phase[t] = PHASE_IDLE;
        queue_complete_event(d, t);
}

static void on_capture_done(void *userdata)
{
        struct diagnostics *d = userdata;

        d->phase[TEST_PACKET_CAPTURE] = PHASE_IDLE;
        queue_complete_event(d, TEST_PACKET_CAPTURE);
}

/* ---- UDPEchoDiagnostics ---- */

static int family_of(const char *protocol_version)
{
        return streq(protocol_version, "IPv4")   ? AF_INET
               : streq(protocol_version, "IPv6") ? AF_INET6
                                                 : AF_UNSPEC;
}

static bool stored_bool(struct diagnostics *d, const char *name)
{
        bool v = false;
        (void)cw_parse_bool(stored(d, name), &v);
        return v;
}

/* xsd:dateTime to the microsecond, as TR-181 asks; 0 is the unknown time. */
static void format_time_us(uint64_t us, char *buf, size_t size)
{
        size_t n;

        if (us == 0 || cw_format_datetime((int64_t)(us / 1000000), 0, buf, size) < 0) {
                snprintf(buf, size, "0001-01-01T00:00:00Z");
                return;
        }
        n = strlen(buf); /* it ends in "Z" */
        snprintf(buf + n - 1, size - n + 1, ".%06uZ", (unsigned)(us % 1000000));
}

static const char *udpecho_status_name(enum udpecho_status s)
{
        switch (s) {
        case UDPECHO_COMPLETE:
                return "Complete";
        case UDPECHO_CANNOT_RESOLVE:
                return "Error_CannotResolveHostName";
        case UDPECHO_NO_ROUTE:
                return "Error_Other"; /* UDPEchoDiagnostics has no Error_NoRouteToHost */
        case UDPECHO_INTERNAL:
        default:
                return "Error_Internal";
        }
}

static int set_packet(struct kvmap *m, size_t i, const char *field, const char *value)
{
        char name[160];
        snprintf(name, sizeof(name), UE_RESULT "%zu.%s", i, field);
        return kvmap_set(m, name, value);
}

/* The IndividualPacketResult table (its first UE_MAX_RESULTS rows), kept in a file of our
 * own; res NULL empties it. */
static int save_ue_results(struct diagnostics *d, const struct udpecho_result *res)
{
        static const char *const fields[5] = {"TestGenSN", "TestRespSN", "TestRespRcvTimeStamp",
                                              "TestRespReplyTimeStamp",
                                              "TestRespReplyFailureCount"};
        _cleanup_kvmap_ struct kvmap *m = kvmap_new();
        size_t n = !res ? 0 : res->n_packets < UE_MAX_RESULTS ? res->n_packets : UE_MAX_RESULTS;
        char text[40];
        int r = 0;

        if (!m)
                return -ENOMEM;
        for (size_t i = 0; r >= 0 && i < n; i++) {
                const struct udpecho_packet *pk = &res->packets[i];
                uint32_t numbers[5] = {pk->gen_sn, pk->resp_sn, pk->resp_recv_ts, pk->resp_reply_ts,
                                       pk->resp_failures};

                r = set_packet(m, i + 1, "PacketSuccess", pk->success ? "true" : "false");
                format_time_us(pk->send_us, text, sizeof(text));
                if (r >= 0)
                        r = set_packet(m, i + 1, "PacketSendTime", text);
                format_time_us(pk->receive_us, text, sizeof(text));
                if (r >= 0)
                        r = set_packet(m, i + 1, "PacketReceiveTime", text);
                for (int k = 0; r >= 0 && k < 5; k++) {
                        snprintf(text, sizeof(text), "%" PRIu32, numbers[k]);
                        r = set_packet(m, i + 1, fields[k], text);
                }
        }
        snprintf(text, sizeof(text), "%zu", n);
        if (r >= 0)
                r = kvmap_set(m, "count", text);
        if (r < 0)
                return r;
        r = store_save(d->ue_results_file, m);
        if (r < 0)
                log_warning_errno(r, "Failed to save %s: %m", d->ue_results_file);
        kvmap_free(d->ue_results);
        d->ue_results = TAKE_PTR(m);
        return 0;
}

/* Publishes results (µs) and, unless state is NULL, the new DiagnosticsState with them. */
static int publish_udpecho(struct diagnostics *d, const struct udpecho_result *res,
                           const char *state)
{
        static const char *const names[5] = {
                UE_PREFIX "SuccessCount", UE_PREFIX "FailureCount", UE_PREFIX "AverageResponseTime",
                UE_PREFIX "MinimumResponseTime", UE_PREFIX "MaximumResponseTime"};
        uint64_t numbers[5] = {res->successes, res->failures, res->avg_us, res->min_us,
                               res->max_us};
        struct cwmp_value v[7];
        char text[5][24];
        size_t n = 0;

        v[n++] = (struct cwmp_value){UE_PREFIX "IPAddressUsed", res->address_used};
        for (int i = 0; i < 5; i++) {
                snprintf(text[i], sizeof(text[i]), "%" PRIu64,
                         numbers[i] > UINT32_MAX ? UINT32_MAX : numbers[i]);
                v[n++] = (struct cwmp_value){names[i], text[i]};
        }
        if (state)
                v[n++] = (struct cwmp_value){UE_PREFIX STATE, state};
        return publish(d, v, n);
}

static void on_udpecho_done(const struct udpecho_result *res, void *userdata)
{
        struct diagnostics *d = userdata;
        const char *state = udpecho_status_name(res->status);
        bool individual = stored_bool(d, UE_PREFIX "EnableIndividualPacketResults");

        d->phase[TEST_UDPECHO] = PHASE_IDLE;
        log_info("UDPEcho to %s: %s, %u/%u answered, average %" PRIu64 " us",
                 stored(d, UE_PREFIX "Host"), state, res->successes, res->successes + res->failures,
                 res->avg_us);
        if (save_ue_results(d, individual ? res : NULL) < 0)
                state = "Error_Internal";
        queue_complete_event(d, TEST_UDPECHO);
        (void)publish_udpecho(d, res, state);
        udpecho_free(TAKE_PTR(d->ue)); /* res is its own */
}

static int run_udpecho(struct diagnostics *d)
{
        /* the old results go first: storing values invalidates what stored() returned */
        int r = save_ue_results(d, NULL);
        if (r >= 0)
                r = publish_udpecho(d, &(struct udpecho_result){}, NULL);
        if (r < 0)
                return r;
        struct udpecho_params params = {
                .host = stored(d, UE_PREFIX "Host"),
                .port = (uint16_t)stored_uint(d, UE_PREFIX "Port", 7),
                .family = family_of(stored(d, UE_PREFIX "ProtocolVersion")),
                .interface = d->ifname[TEST_UDPECHO],
                .repetitions = stored_uint(d, UE_PREFIX "NumberOfRepetitions", 1),
                .timeout_ms = stored_uint(d, UE_PREFIX "Timeout", 5000),
                .data_size = stored_uint(d, UE_PREFIX "DataBlockSize", 24),
                .dscp = stored_uint(d, UE_PREFIX "DSCP", 0),
                .inter_ms = stored_uint(d, UE_PREFIX "InterTransmissionTime", 1000),
        };
        return udpecho_start(d->event, &params, on_udpecho_done, d, &d->ue);
}

static const char *udpecho_get(struct diagnostics *d, const char *name)
{
        if (streq(name, IP_PREFIX "IPv4UDPEchoDiagnosticsSupported") ||
            streq(name, IP_PREFIX "IPv6UDPEchoDiagnosticsSupported") ||
            streq(name, IP_PREFIX "IPv4ServerSelectionDiagnosticsSupported") ||
            streq(name, IP_PREFIX "IPv6ServerSelectionDiagnosticsSupported"))
                return "true";
        if (streq(name, UE_PREFIX "UDPEchoDiagnosticsMaxResults"))
                return "100"; /* UE_MAX_RESULTS */
        if (streq(name, UE_PREFIX "IndividualPacketResultNumberOfEntries"))
                return kvmap_get(d->ue_results, "count") ?: "0";
        if (startswith(name, UE_RESULT))
                return kvmap_get(d->ue_results, name);
        return NULL;
}

/* ---- ServerSelectionDiagnostics ---- */

static int publish_server_selection(struct diagnostics *d,
                                    const struct server_selection_result *res, const char *state)
{
        uint64_t numbers[3] = {res->min_us, res->avg_us, res->max_us};
        char text[3][24];
        struct cwmp_value v[6] = {
                {SS_PREFIX "FastestHost", res->fastest},
                {SS_PREFIX "MinimumResponseTime", text[0]},
                {SS_PREFIX "AverageResponseTime", text[1]},
                {SS_PREFIX "MaximumResponseTime", text[2]},
                {SS_PREFIX "IPAddressUsed", res->address_used},
                {SS_PREFIX STATE, state},
        };

        for (int i = 0; i < 3; i++)
                snprintf(text[i], sizeof(text[i]), "%" PRIu64,
                         numbers[i] > UINT32_MAX ? UINT32_MAX : numbers[i]);
        return publish(d, v, state ? 6 : 5);
}

static void on_server_selection_done(const struct server_selection_result *res, void *userdata)
{
        struct diagnostics *d = userdata;
        const char *state = res->status == SERVER_SELECTION_COMPLETE ? "Complete"
                            : res->status == SERVER_SELECTION_CANNOT_RESOLVE
                                    ? "Error_CannotResolveHostName"
                                    : "Error_Internal";

        d->phase[TEST_SERVER_SELECTION] = PHASE_IDLE;
        if (!stored(d, SS_PREFIX "HostList")[0])
                state = "Error_Other"; /* nothing to choose from */
        log_info("ServerSelection: %s, fastest %s, average %" PRIu64 " us", state,
                 res->fastest[0] ? res->fastest : "none", res->avg_us);
        queue_complete_event(d, TEST_SERVER_SELECTION);
        (void)publish_server_selection(d, res, state);
        server_selection_free(TAKE_PTR(d->ss)); /* res is its own */
}

static int run_server_selection(struct diagnostics *d)
{
        const char *hosts[SERVER_SELECTION_MAX_HOSTS];
        _cleanup_free_ char *list = NULL;
        size_t n = 0;
        char *save = NULL;

        /* the old results go first: storing values invalidates what stored() returned */
        int r = publish_server_selection(d, &(struct server_selection_result){}, NULL);
        if (r < 0)
                return r;
        list = strdup(stored(d, SS_PREFIX "HostList"));
        if (!list)
                return -ENOMEM;
        for (char *h = strtok_r(list, ",", &save); h && n < ELEMENTSOF(hosts);
             h = strtok_r(NULL, ",", &save)) {
                while (*h == ' ')
                        h++;
                for (size_t e = strlen(h); e > 0 && h[e - 1] == ' '; e--)
                        h[e - 1] = '\0';
                if (*h)
                        hosts[n++] = h;
        }
        struct server_selection_params params = {
                .hosts = hosts,
                .n_hosts = n,
                .protocol = streq(stored(d, SS_PREFIX "Protocol"), "UDP Echo")
                                    ? SERVER_SELECTION_UDP_ECHO
                                    : SERVER_SELECTION_ICMP,
                .family = family_of(stored(d, SS_PREFIX "ProtocolVersion")),
                .interface = d->ifname[TEST_SERVER_SELECTION],
                .repetitions = stored_uint(d, SS_PREFIX "NumberOfRepetitions", 3),
                .timeout_ms = stored_uint(d, SS_PREFIX "Timeout", 1000),
        };
        return server_selection_start(d->event, &params, on_server_selection_done, d, &d->ss);
}

/* ---- UDPEchoConfig: the responder ---- */

#define ECHO_RETRY_USEC (10 * 1000000ULL)

static void echo_configure(struct diagnostics *d);

static int on_echo_retry(sd_event_source *s, uint64_t usec, void *userdata)
{
        echo_configure(userdata);
        return 0;
}

/* The interface (dmd not there yet, the row not yet) or the port may come later. */
static void echo_retry_later(struct diagnostics *d)
{
        sd_event_source_disable_unref(TAKE_PTR(d->echo_retry));
        if (sd_event_add_time_relative(d->event, &d->echo_retry, CLOCK_MONOTONIC, ECHO_RETRY_USEC,
                                       0, on_echo_retry, d) < 0)
                log_warning("UDP echo: cannot try again later");
}

static void echo_listen(struct diagnostics *d, const char *ifname)
{
        struct udpecho_server_config cfg = {
                .port = (uint16_t)stored_uint(d, UC_PREFIX "UDPPort", 7),
                .ifname = ifname,
                .source = stored(d, UC_PREFIX "SourceIPAddress"),
                .echo_plus = stored_bool(d, UC_PREFIX "EchoPlusEnabled"),
        };
        int r = udpecho_server_new(d->event, &cfg, &d->echo_counters, &d->echo_server);

        if (r < 0) {
                log_warning_errno(r, "Cannot answer UDP echo on port %u (trying again in 10 s): %m",
                                  cfg.port);
                echo_retry_later(d);
        } else
                log_info("Answering UDP echo on port %u%s%s", cfg.port, ifname ? " of " : "",
                         ifname ? ifname : "");
}

static void on_echo_interface(int error, const char *ifname, void *userdata)
{
        struct diagnostics *d = userdata;

        interface_ref_free(TAKE_PTR(d->echo_iface_lookup));
        if (error < 0) {
                log_warning_errno(error,
                                  "UDP echo: %s names no IP interface (trying again in 10 s): %m",
                                  stored(d, UC_PREFIX "Interface"));
                echo_retry_later(d);
                return;
        }
        echo_listen(d, ifname);
}

/* Starts, restarts or stops the responder after its settings changed (and at start). The
 * counters are cleared when Enable goes from false to true. */
static void echo_configure(struct diagnostics *d)
{
        bool enable = stored_bool(d, UC_PREFIX "Enable");
        const char *iface = stored(d, UC_PREFIX "Interface");
        int r;

        udpecho_server_free(TAKE_PTR(d->echo_server));
        interface_ref_free(TAKE_PTR(d->echo_iface_lookup));
        sd_event_source_disable_unref(TAKE_PTR(d->echo_retry));
        if (enable && !d->echo_enabled)
                d->echo_counters = (struct udpecho_counters){};
        d->echo_enabled = enable;
        if (!enable)
                return;
        if (!iface[0]) {
                echo_listen(d, NULL);
                return;
        }
        r = interface_ref_lookup(d->bus, iface, on_echo_interface, d, &d->echo_iface_lookup);
        if (r < 0) {
                log_warning_errno(r, "UDP echo: cannot look up %s: %m", iface);
                echo_retry_later(d);
        }
}

static int echo_get(struct diagnostics *d, const char *name, char **value)
{
        const struct udpecho_counters *c = &d->echo_counters;
        const char *field = name + strlen(UC_PREFIX);
        char text[40];

        if (streq(field, "EchoPlusSupported"))
                snprintf(text, sizeof(text), "true");
        else if (streq(field, "PacketsReceived"))
                snprintf(text, sizeof(text), "%" PRIu32, c->packets_received);
        else if (streq(field, "PacketsResponded"))
                snprintf(text, sizeof(text), "%" PRIu32, c->packets_responded);
        else if (streq(field, "BytesReceived"))
                snprintf(text, sizeof(text), "%" PRIu32, c->bytes_received);
        else if (streq(field, "BytesResponded"))
                snprintf(text, sizeof(text), "%" PRIu32, c->bytes_responded);
        else if (streq(field, "TimeFirstPacketReceived"))
                format_time_us(c->first_us, text, sizeof(text));
        else if (streq(field, "TimeLastPacketReceived"))
                format_time_us(c->last_us, text, sizeof(text));
        else
                return -ENOENT;
        *value = strdup(text);
        return *value ? 0 : -ENOMEM;
}

/* ---- DiagnosticsState ---- */

static void cancel(struct diagnostics *d, enum test t)
{
        interface_ref_free(TAKE_PTR(d->iface_lookup[t]));
        switch (t) {
        case TEST_PING:
                ping_free(TAKE_PTR(d->ping));
                break;
        case TEST_NSLOOKUP:
                nslookup_free(TAKE_PTR(d->ns));
                break;
        case TEST_TRACEROUTE:
                traceroute_free(TAKE_PTR(d->tr));
                break;
        case TEST_DOWNLOAD:
        case TEST_UPLOAD:
                tr143_diag_cancel(d->transfer[transfer_direction(t)]);
                break;
        case TEST_UDPECHO:
                udpecho_free(TAKE_PTR(d->ue));
                /* TR-181: the rows go when the test is requested again or set to None */
                (void)save_ue_results(d, NULL);
                break;
        case TEST_SERVER_SELECTION:
                server_selection_free(TAKE_PTR(d->ss));
                break;
        case TEST_PACKET_CAPTURE:
                pcap_diag_cancel(d->pcap);
                break;
        default:
                break;
        }
        d->phase[t] = PHASE_IDLE;
}

static int start_test(struct diagnostics *d, enum test t)
{
        switch (t) {
        case TEST_PING:
                return run_ping(d);
        case TEST_NSLOOKUP:
                return run_nslookup(d);
        case TEST_TRACEROUTE:
                return run_traceroute(d);
        case TEST_DOWNLOAD:
        case TEST_UPLOAD:
                return tr143_diag_start(d->transfer[transfer_direction(t)]);
        case TEST_UDPECHO:
                return run_udpecho(d);
        case TEST_SERVER_SELECTION:
                return run_server_selection(d);
        case TEST_PACKET_CAPTURE:
                return pcap_diag_start(d->pcap, d->ifname[t]);
        default:
                return -EINVAL;
        }
}

/* A test that cannot start ends in Error_Internal, with its event. */
static void start_failed(struct diagnostics *d, enum test t, int r)
{
        log_warning_errno(r, "Cannot start %s: %m", test_label[t]);
        cancel(d, t);
        queue_complete_event(d, t);
        (void)set_state(d, t, "Error_Internal");
}

static void on_interface(int error, const char *ifname, void *userdata)
{
        struct test_ref *ref = userdata;
        struct diagnostics *d = ref->d;
        enum test t = ref->t;
        int r;

        interface_ref_free(TAKE_PTR(d->iface_lookup[t]));
        if (error < 0) {
                log_warning("%s: %s names no IP interface", test_label[t],
                            stored(d, test_interface(t)));
                start_failed(d, t, error);
                return;
        }
        snprintf(d->ifname[t], sizeof(d->ifname[t]), "%s", ifname);
        log_debug("%s: %s is %s", test_label[t], stored(d, test_interface(t)), ifname);
        r = start_test(d, t);
        if (r < 0)
                start_failed(d, t, r);
}

static void run(struct diagnostics *d, enum test t)
{
        const char *iface = test_interface(t) ? stored(d, test_interface(t)) : "";
        int r;

        d->phase[t] = PHASE_RUNNING;
        d->ifname[t][0] = '\0';
        if (iface[0]) /* the Linux name of the interface first, from dmd */
                r = interface_ref_lookup(d->bus, iface, on_interface, &d->test_ref[t],
                                         &d->iface_lookup[t]);
        else
                r = start_test(d, t);
        if (r < 0)
                start_failed(d, t, r);
}

static void on_session_idle(void *userdata)
{
        struct diagnostics *d = userdata;

        for (int t = 0; t < N_TESTS; t++)
                if (d->phase[t] == PHASE_WAITING)
                        run(d, (enum test)t);
}

static void on_agent_appeared(void *userdata)
{
        struct diagnostics *d = userdata;
        handoff_kick(d->handoff);
}

static void request(struct diagnostics *d, enum test t)
{
        cancel(d, t);
        d->phase[t] = PHASE_WAITING;
        log_info("%s requested: starting once no ACS session is open", test_label[t]);
        session_watch_wait_idle(d->watch);
}

/* After a commit: Requested starts a test (when the session is over), Canceled or any other
 * parameter of the object stops it and DiagnosticsState becomes None. */
static int on_committed(sd_event_source *s, void *userdata)
{
        struct diagnostics *d = userdata;

        for (int t = 0; t < N_TESTS; t++) {
                const char *state = kvmap_get(d->written, test_state[t]), *key;
                bool others = false;
                size_t i = 0;

                while (kvmap_next(d->written, &i, &key, NULL))
                        others = others ||
                                 (startswith(key, test_prefix[t]) && !streq(key, test_state[t]));
                if (state && streq(state, "Requested"))
                        request(d, (enum test)t);
                else if (state || others) {
                        if (d->phase[t] != PHASE_IDLE)
                                log_info("%s canceled", test_label[t]);
                        cancel(d, (enum test)t);
                        (void)set_state(d, (enum test)t, "None");
                }
        }
        size_t i = 0;
        const char *key;
        bool echo = false;
        while (kvmap_next(d->written, &i, &key, NULL))
                echo = echo || startswith(key, UC_PREFIX);
        if (echo)
                echo_configure(d);
        kvmap_clear(d->written);
        return 0;
}

/* ---- provider callbacks ---- */

static int on_get(cwmp_provider *p, const char *name, char **value, void *userdata)
{
        struct diagnostics *d = userdata;
        const char *v = NULL;

        for (int i = 0; i < 2; i++) {
                int r = tr143_diag_get(d->transfer[i], name, value);
                if (r != -ENOENT)
                        return r;
        }
        if (startswith(name, PCAP_DIAG_PREFIX))
                return pcap_diag_get(d->pcap, name, value);
        if (streq(name, IP_PREFIX "IPv4PingSupported") ||
            streq(name, IP_PREFIX "IPv6PingSupported"))
                v = "true";
        else if (streq(name, NS_PREFIX "ResultNumberOfEntries"))
                v = kvmap_get(d->ns_results, "count") ?: "0";
        else if (startswith(name, NS_RESULT))
                v = kvmap_get(d->ns_results, name);
        else if (streq(name, TR_PREFIX "RouteHopsNumberOfEntries"))
                v = kvmap_get(d->hops, "count") ?: "0";
        else if (startswith(name, TR_HOPS))
                v = kvmap_get(d->hops, name);
        if (!v && startswith(name, UC_PREFIX))
                return echo_get(d, name, value);
        if (!v)
                v = udpecho_get(d, name);
        if (!v)
                return -ENOENT;
        *value = strdup(v);
        return *value ? 0 : -ENOMEM;
}

static int on_list_instances(cwmp_provider *p, const char *table, uint32_t **instances, size_t *n,
                             void *userdata)
{
        struct diagnostics *d = userdata;
        struct kvmap *m = streq(table, NS_RESULT)   ? d->ns_results
                          : streq(table, TR_HOPS)   ? d->hops
                          : streq(table, UE_RESULT) ? d->ue_results
                                                    : NULL;
        uint32_t count = 0;

        for (int i = 0; !m && i < 2; i++) {
                int r = tr143_diag_list_instances(d->transfer[i], table, instances, n);
                if (r != -ENOENT)
                        return r;
        }
        if (!m && startswith(table, PCAP_DIAG_PREFIX))
                return pcap_diag_list_instances(d->pcap, table, instances, n);
        if (!m)
                return -ENOENT;
        (void)cw_parse_uint32(kvmap_get(m, "count") ?: "0", &count);
        *instances = calloc(count ? count : 1, sizeof(uint32_t));
        if (!*instances)
                return -ENOMEM;
        for (uint32_t i = 0; i < count; i++)
                (*instances)[i] = i + 1;
        *n = count;
        return 0;
}

static int on_validate(cwmp_provider *p, const char *name, const char *value, void *userdata)
{
        int r = tr143_diag_validate(name, value);
        struct in6_addr a;

        if (r == -ENOENT)
                r = pcap_diag_validate(name, value);
        if (r != -ENOENT)
                return r;
        for (int t = 0; t < N_TESTS; t++) {
                /* TR-181: the ACS writes Requested (or Canceled) only; the rest is the CPE's */
                if (streq(name, test_state[t]))
                        return streq(value, "Requested") || streq(value, "Canceled") ? 0 : -EINVAL;
                if (test_interface(t) && streq(name, test_interface(t)))
                        return interface_ref_valid(value) ? 0 : -EINVAL;
        }
        if (streq(name, UC_PREFIX "Interface"))
                return interface_ref_valid(value) ? 0 : -EINVAL;
        if (streq(name, UC_PREFIX "SourceIPAddress"))
                return !value[0] || inet_pton(AF_INET, value, &a) == 1 ||
                                       inet_pton(AF_INET6, value, &a) == 1
                               ? 0
                               : -EINVAL;
        return 0;
}

static int on_apply(cwmp_provider *p, const struct cwmp_value *values, size_t n, void *userdata)
{
        struct diagnostics *d = userdata;
        int r;

        for (size_t i = 0; i < n; i++) {
                log_debug("Applying %s=%s", values[i].name, values[i].value);
                r = kvmap_set(d->written, values[i].name, values[i].value);
                if (r < 0)
                        return r;
        }
        /* acted upon once the values are stored, after the Commit call returned */
        r = sd_event_source_set_enabled(d->committed, SD_EVENT_ONESHOT);
        return r < 0 ? r : 0;
}

static const struct cwmp_provider_ops provider_ops = {
        .get = on_get,
        .list_instances = on_list_instances,
        .validate = on_validate,
        .apply = on_apply,
};

/* ---- setup ---- */

void diagnostics_free(struct diagnostics *d)
{
        if (!d)
                return;
        ping_free(d->ping);
        nslookup_free(d->ns);
        traceroute_free(d->tr);
        for (int i = 0; i < 2; i++)
                tr143_diag_free(d->transfer[i]);
        udpecho_free(d->ue);
        server_selection_free(d->ss);
        pcap_diag_free(d->pcap);
        for (int t = 0; t < N_TESTS; t++)
                interface_ref_free(d->iface_lookup[t]);
        udpecho_server_free(d->echo_server);
        interface_ref_free(d->echo_iface_lookup);
        sd_event_source_disable_unref(d->echo_retry);
        kvmap_free(d->ue_results);
        free(d->ue_results_file);
        for (int o = 0; o < N_OWNERS; o++)
                cwmp_provider_free(d->provider[o]);
        session_watch_free(d->watch);
        handoff_free(d->handoff);
        sd_event_source_disable_unref(d->committed);
        sd_event_unref(d->event);
        kvmap_free(d->ns_results);
        kvmap_free(d->hops);
        kvmap_free(d->written);
        free(d->results_file);
        free(d->hops_file);
        free(d->resolv_conf);
        free(d);
}

int diagnostics_new(sd_event *event, DBusConnection *bus, const struct diagnostics_config *cfg,
                    struct diagnostics **ret)
{
        _cleanup_free_ char *handoff_state = NULL;
        const char *schema[N_OWNERS] = {cfg->ip_schema, cfg->dns_schema, cfg->pcap_schema};
        struct diagnostics *d;
        int r;

        d = calloc(1, sizeof(*d));
        if (!d)
                return -ENOMEM;
        d->event = sd_event_ref(event);
        d->bus = bus;
        d->ns_results = kvmap_new();
        d->written = kvmap_new();
        d->hops = kvmap_new();
        d->ue_results = kvmap_new();
        for (int t = 0; t < N_TESTS; t++)
                d->test_ref[t] = (struct test_ref){d, (enum test)t};
        if (!d->ns_results || !d->written || !d->hops || !d->ue_results ||
            asprintf(&d->ue_results_file, "%s/udpecho-results.state", cfg->state_dir) < 0 ||
            asprintf(&d->hops_file, "%s/traceroute-results.state", cfg->state_dir) < 0 ||
            asprintf(&d->results_file, "%s/nslookup-results.state", cfg->state_dir) < 0 ||
            asprintf(&handoff_state, "%s/handoffs.state", cfg->state_dir) < 0 ||
            (cfg->resolv_conf && !(d->resolv_conf = strdup(cfg->resolv_conf)))) {
                r = -ENOMEM;
                goto fail;
        }
        r = store_load(d->results_file, d->ns_results, NULL);
        if (r < 0 && r != -ENOENT)
                log_warning_errno(r, "Ignoring %s: %m", d->results_file);
        r = store_load(d->hops_file, d->hops, NULL);
        if (r < 0 && r != -ENOENT)
                log_warning_errno(r, "Ignoring %s: %m", d->hops_file);
        r = store_load(d->ue_results_file, d->ue_results, NULL);
        if (r < 0 && r != -ENOENT)
                log_warning_errno(r, "Ignoring %s: %m", d->ue_results_file);

        for (int o = 0; o < N_OWNERS; o++) {
                _cleanup_free_ char *state = NULL;

                if (asprintf(&state, "%s/%s", cfg->state_dir, owner_state[o]) < 0) {
                        state = NULL;
                        r = -ENOMEM;
                        goto fail;
                }
                r = cwmp_provider_new(event, bus, owner_path[o], &d->provider[o]);
                if (r >= 0)
                        r = cwmp_provider_load_schema(d->provider[o], schema[o]);
                if (r < 0) {
                        log_error_errno(r, "Cannot load %s: %m", schema[o]);
                        goto fail;
                }
                r = cwmp_provider_add_subtree(d->provider[o], owner_subtree[o]);
                if (r >= 0)
                        r = cwmp_provider_set_state_file(d->provider[o], state);
                if (r < 0)
                        goto fail;
                cwmp_provider_set_ops(d->provider[o], &provider_ops, d);
        }

        for (int i = 0; i < 2; i++) {
                r = tr143_diag_new(event, bus, d->provider[OWNER_IP], (enum tr143_direction)i,
                                   cfg->state_dir, on_transfer_done, d, &d->transfer[i]);
                if (r < 0)
                        goto fail;
        }
        r = pcap_diag_new(event, d->provider[OWNER_PCAP], cfg->state_dir, on_capture_done, d,
                          &d->pcap);
        if (r >= 0)
                r = handoff_new(event, bus, handoff_state, &d->handoff);
        if (r >= 0)
                r = session_watch_new(bus, on_session_idle, on_agent_appeared, d, &d->watch);
        if (r >= 0)
                r = sd_event_add_defer(event, &d->committed, on_committed, d);
        if (r >= 0)
                r = sd_event_source_set_enabled(d->committed, SD_EVENT_OFF);
        if (r < 0)
                goto fail;
        *ret = d;
        return 0;
fail:
        diagnostics_free(d);
        return r;
}

int diagnostics_start(struct diagnostics *d)
{
        for (int o = 0; o < N_OWNERS; o++) {
                int r = cwmp_provider_start(d->provider[o]);
                if (r < 0)
                        return r;
        }
        echo_configure(d); /* the responder, if enabled */
        /* a test requested before a restart runs again: its results never came */
        for (int t = 0; t < N_TESTS; t++)
                if (streq(stored(d, test_state[t]), "Requested"))
                        request(d, (enum test)t);
        if (handoff_pending(d->handoff) > 0)
                handoff_kick(d->handoff);
        return 0;
}
