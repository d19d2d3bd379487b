/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "icmp.h"
#include "log.h"
#include "nslookup.h"
#include "util.h"

#define DNS_PORT     53
#define QUERY_MAX    512
#define RESPONSE_MAX 4096

enum { QUERY_A, QUERY_AAAA, N_QUERIES };
static const uint16_t query_types[N_QUERIES] = {DNS_TYPE_A, DNS_TYPE_AAAA};

struct nslookup {
        sd_event *event;
        char *host_name;
        uint32_t repetitions, timeout_ms;
        nslookup_done_fn done;
        void *userdata;
        int fd;
        struct sockaddr_storage server;
        socklen_t server_len;
        uint16_t ids[N_QUERIES];
        bool answered[N_QUERIES];
        uint8_t rcodes[N_QUERIES];
        bool refused; /* ICMP port unreachable: nobody serves DNS there */
        uint64_t sent_at;
        sd_event_source *io, *timer, *finish;
        struct nslookup_result result;
};

const char *nslookup_result_status_to_string(enum nslookup_result_status s)
{
        static const char *const names[] = {
                [NSLOOKUP_SUCCESS] = "Success",
                [NSLOOKUP_SERVER_NOT_AVAILABLE] = "Error_DNSServerNotAvailable",
                [NSLOOKUP_NOT_RESOLVED] = "Error_HostNameNotResolved",
                [NSLOOKUP_TIMEOUT] = "Error_Timeout",
                [NSLOOKUP_ERROR_OTHER] = "Error_Other",
        };
        return (unsigned)s < ELEMENTSOF(names) ? names[s] : "Error_Other";
}

int nslookup_first_nameserver(const char *resolv_conf, char *buf, size_t size)
{
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;
        FILE *f = fopen(resolv_conf ? resolv_conf : "/etc/resolv.conf", "re");
        int r = -ENOENT;

        if (!f)
                return -errno;
        while (getline(&line, &cap, f) > 0) {
                char address[128];
                if (sscanf(line, " nameserver %127s", address) == 1) {
                        if (strlen(address) >= size) {
                                r = -ENAMETOOLONG;
                                break;
                        }
                        strcpy(buf, address);
                        r = 0;
                        break;
                }
        }
        fclose(f);
        return r;
}

static uint64_t now_us(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void nslookup_free(nslookup *n)
{
        if (!n)
                return;
        sd_event_source_disable_unref(n->io);
        sd_event_source_disable_unref(n->timer);
        sd_event_source_disable_unref(n->finish);
        sd_event_unref(n->event);
        if (n->fd >= 0)
                close(n->fd);
        free(n->host_name);
        free(n);
}

static int on_finish(sd_event_source *s, void *userdata)
{
        nslookup *n = userdata;
        n->done(&n->result, n->userdata);
        return 0;
}

static void finish(nslookup *n, enum nslookup_status status)
{
        n->result.status = status;
        (void)sd_event_source_set_enabled(n->io, SD_EVENT_OFF);
        (void)sd_event_source_set_enabled(n->timer, SD_EVENT_OFF);
        if (sd_event_source_set_enabled(n->finish, SD_EVENT_ONESHOT) < 0)
                on_finish(n->finish, n);
}

static struct nslookup_repetition *current(nslookup *n)
{
        return &n->result.results[n->result.n_results - 1];
}

static void send_next(nslookup *n);

/* The repetition is over (both answers came, or the time is up): its status. */
static void conclude(nslookup *n, bool timed_out)
{
        struct nslookup_repetition *rep = current(n);

        (void)sd_event_source_set_enabled(n->timer, SD_EVENT_OFF);
        if (rep->n_addresses > 0)
                rep->status = NSLOOKUP_SUCCESS;
        else if (n->refused)
                rep->status = NSLOOKUP_SERVER_NOT_AVAILABLE;
        else if (!n->answered[QUERY_A] && !n->answered[QUERY_AAAA])
                rep->status = NSLOOKUP_TIMEOUT;
        else if (n->rcodes[QUERY_A] == DNS_RCODE_NXDOMAIN ||
                 n->rcodes[QUERY_AAAA] == DNS_RCODE_NXDOMAIN ||
                 (n->rcodes[QUERY_A] == DNS_RCODE_NOERROR && n->answered[QUERY_A]) ||
                 (n->rcodes[QUERY_AAAA] == DNS_RCODE_NOERROR && n->answered[QUERY_AAAA]))
                rep->status = NSLOOKUP_NOT_RESOLVED;
        else if (n->rcodes[QUERY_A] == DNS_RCODE_SERVFAIL ||
                 n->rcodes[QUERY_A] == DNS_RCODE_REFUSED)
                rep->status = NSLOOKUP_SERVER_NOT_AVAILABLE;
        else
                rep->status = NSLOOKUP_ERROR_OTHER;
        (void)timed_out;
        if (rep->status == NSLOOKUP_SUCCESS)
                n->result.success_count++;
        else
                rep->response_ms = 0; /* TR-181: 0 when the lookup failed */
        send_next(n);
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
        conclude(userdata, true);
        return 0;
}

static void send_next(nslookup *n)
{
        uint8_t query[QUERY_MAX];
        struct nslookup_repetition *rep;
        const void *addr;

        if (n->result.n_results >= n->repetitions) {
                finish(n, NSLOOKUP_COMPLETE);
                return;
        }
        n->result.n_results++;
        rep = current(n);
        addr = n->server.ss_family == AF_INET
                       ? (const void *)&((struct sockaddr_in *)&n->server)->sin_addr
                       : (const void *)&((struct sockaddr_in6 *)&n->server)->sin6_addr;
        (void)inet_ntop(n->server.ss_family, addr, rep->server_ip, sizeof(rep->server_ip));
        memset(n->answered, 0, sizeof(n->answered));
        memset(n->rcodes, 0, sizeof(n->rcodes));
        n->refused = false;
        n->sent_at = now_us();
        for (int q = 0; q < N_QUERIES; q++) {
                int len;

                /* random ids: an answer must name the query it answers */
                if (getrandom(&n->ids[q], sizeof(n->ids[q]), GRND_NONBLOCK) != sizeof(n->ids[q]))
                        n->ids[q] = (uint16_t)(n->sent_at >> (q * 8)) ^ (uint16_t)rand();
                if (q == QUERY_AAAA && n->ids[q] == n->ids[QUERY_A])
                        n->ids[q]++;
                len = dns_build_query(n->ids[q], n->host_name, query_types[q], query,
                                      sizeof(query));
                if (len < 0) {
                        finish(n, NSLOOKUP_OTHER);
                        return;
                }
                if (send(n->fd, query, (size_t)len, 0) < 0) {
                        log_debug_errno(-errno, "DNS query to %s: %m", rep->server_ip);
                        if (errno == ECONNREFUSED)
                                n->refused = true;
                }
        }
        if (sd_event_source_set_time(n->timer, n->sent_at + n->timeout_ms * 1000ull) < 0 ||
            sd_event_source_set_enabled(n->timer, SD_EVENT_ONESHOT) < 0)
                finish(n, NSLOOKUP_INTERNAL);
}

static void take_answer(nslookup *n, int q, const struct dns_answer *a)
{
        struct nslookup_repetition *rep = current(n);

        n->answered[q] = true;
        n->rcodes[q] = a->rcode;
        if (a->n_addresses > 0 && rep->n_addresses == 0)
                strcpy(rep->host_name_returned, a->name);
        rep->authoritative = rep->authoritative || a->authoritative;
        for (size_t i = 0; i < a->n_addresses && rep->n_addresses < DNS_MAX_ADDRESSES; i++)
                strcpy(rep->addresses[rep->n_addresses++], a->addresses[i]);
        rep->response_ms = (uint32_t)((now_us() - n->sent_at + 500) / 1000);
}

static int on_readable(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        nslookup *n = userdata;
        uint8_t buf[RESPONSE_MAX];
        struct dns_answer answer;
        ssize_t len;

        for (;;) {
                len = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
                if (len < 0) {
                        if (errno == ECONNREFUSED &&
                            sd_event_source_get_enabled(n->timer, NULL) > 0) {
                                n->refused = true;
                                conclude(n, false);
                                return 0;
                        }
                        return 0;
                }
                if (sd_event_source_get_enabled(n->timer, NULL) <= 0)
                        continue; /* between repetitions: a late answer */
                for (int q = 0; q < N_QUERIES; q++) {
                        if (n->answered[q] || dns_parse_response(buf, (size_t)len, n->ids[q],
                                                                 query_types[q], &answer) < 0)
                                continue;
                        take_answer(n, q, &answer);
                        break;
                }
                if (n->answered[QUERY_A] && n->answered[QUERY_AAAA]) {
                        conclude(n, false);
                        return 0;
                }
        }
}

static int parse_server(const char *text, struct sockaddr_storage *ss, socklen_t *len)
{
        struct sockaddr_in *sin = (struct sockaddr_in *)ss;
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

        memset(ss, 0, sizeof(*ss));
        if (inet_pton(AF_INET, text, &sin->sin_addr) == 1) {
                sin->sin_family = AF_INET;
                sin->sin_port = htons(DNS_PORT);
                *len = sizeof(*sin);
                return 0;
        }
        if (inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1) {
                sin6->sin6_family = AF_INET6;
                sin6->sin6_port = htons(DNS_PORT);
                *len = sizeof(*sin6);
                return 0;
        }
        return -EINVAL;
}

int nslookup_start(sd_event *event, const struct nslookup_params *params, nslookup_done_fn done,
                   void *userdata, nslookup **ret)
{
        char server[128];
        nslookup *n;
        int r;

        if (!event || !params || !params->host_name || !done || !ret || params->repetitions == 0 ||
            params->repetitions > NSLOOKUP_MAX_REPETITIONS)
                return -EINVAL;
        n = calloc(1, sizeof(*n));
        if (!n)
                return -ENOMEM;
        n->fd = -1;
        n->event = sd_event_ref(event);
        n->repetitions = params->repetitions;
        n->timeout_ms = params->timeout_ms;
        n->done = done;
        n->userdata = userdata;
        n->host_name = strdup(params->host_name);
        if (!n->host_name) {
                r = -ENOMEM;
                goto fail;
        }
        r = sd_event_add_defer(event, &n->finish, on_finish, n);
        if (r >= 0)
                r = sd_event_source_set_enabled(n->finish, SD_EVENT_OFF);
        if (r >= 0)
                r = sd_event_add_time(event, &n->timer, CLOCK_MONOTONIC, UINT64_MAX, 1000,
                                      on_timeout, n);
        if (r >= 0)
                r = sd_event_source_set_enabled(n->timer, SD_EVENT_OFF);
        if (r < 0)
                goto fail;
        *ret = n;

        if (params->server && params->server[0])
                r = snprintf(server, sizeof(server), "%s", params->server) < (int)sizeof(server)
                            ? 0
                            : -EINVAL;
        else
                r = nslookup_first_nameserver(params->resolv_conf, server, sizeof(server));
        if (r < 0 || parse_server(server, &n->server, &n->server_len) < 0) {
                finish(n, NSLOOKUP_SERVER_NOT_RESOLVED);
                return 0;
        }
        if (dns_build_query(0, params->host_name, DNS_TYPE_A, (uint8_t[QUERY_MAX]){}, QUERY_MAX) <
            0) {
                finish(n, NSLOOKUP_OTHER);
                return 0;
        }
        n->fd = socket(n->server.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (n->fd < 0 || icmp_bind_to_device(n->fd, params->interface) < 0 ||
            connect(n->fd, (struct sockaddr *)&n->server, n->server_len) < 0 ||
            sd_event_add_io(event, &n->io, n->fd, EPOLLIN, on_readable, n) < 0) {
                log_debug_errno(-errno, "Cannot reach DNS server %s: %m", server);
                finish(n, NSLOOKUP_INTERNAL);
                return 0;
        }
        send_next(n);
        return 0;
fail:
        nslookup_free(n);
        return r;
}
