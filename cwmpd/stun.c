/* SPDX-License-Identifier: MIT */
/*
 * TR-111 Part 2 STUN client: periodic Binding Requests from the UDP connection-request
 * socket carrying CONNECTION-REQUEST-BINDING, BINDING-CHANGE once the mapping has changed,
 * and USERNAME + MESSAGE-INTEGRITY when credentials are set. Retransmissions follow RFC
 * 3489 (100 ms doubling up to 1.6 s, 9.5 s in all). A host name is resolved with
 * getaddrinfo_a() so the event loop never waits for DNS.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/eventfd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "log.h"
#include "stun.h"
#include "util.h"

#define DEFAULT_PORT           3478
#define DEFAULT_KEEPALIVE_S    30
#define RTO_FIRST_USEC         (100 * 1000ULL)
#define RTO_MAX_USEC           (1600 * 1000ULL)
#define MAX_TRANSMISSIONS      9
#define TIMER_ACCURACY_USEC    1000
#define MESSAGE_INTEGRITY_SIZE 20

static uint16_t get16(const uint8_t *p)
{
        return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
        p[0] = (uint8_t)(v >> 8);
        p[1] = (uint8_t)v;
}

bool stun_is_message(const uint8_t *data, size_t len)
{
        return len >= STUN_HEADER_SIZE && (data[0] & 0xC0) == 0 &&
               (size_t)get16(data + 2) + STUN_HEADER_SIZE == len;
}

/* RFC 3489 11.2.8: HMAC-SHA1 over the message up to the attribute before
 * MESSAGE-INTEGRITY, padded with zeros to a multiple of 64 bytes. */
static int integrity_rfc3489(const uint8_t *msg, size_t len, const char *password,
                             uint8_t out[MESSAGE_INTEGRITY_SIZE])
{
        uint8_t padded[STUN_MESSAGE_MAX + 64] = {};
        unsigned out_len = 0;

        if (len > STUN_MESSAGE_MAX)
                return -EMSGSIZE;
        memcpy(padded, msg, len);
        if (!HMAC(EVP_sha1(), password, (int)strlen(password), padded, (len + 63) / 64 * 64, out,
                  &out_len) ||
            out_len != MESSAGE_INTEGRITY_SIZE)
                return -EIO;
        return 0;
}

/* RFC 5389 15.4: no padding, and the length field counts up to the end of the attribute. */
static int integrity_rfc5389(const uint8_t *msg, size_t len, const char *password,
                             uint8_t out[MESSAGE_INTEGRITY_SIZE])
{
        uint8_t copy[STUN_MESSAGE_MAX];
        unsigned out_len = 0;

        if (len > STUN_MESSAGE_MAX)
                return -EMSGSIZE;
        memcpy(copy, msg, len);
        put16(copy + 2, (uint16_t)(len - STUN_HEADER_SIZE + 4 + MESSAGE_INTEGRITY_SIZE));
        if (!HMAC(EVP_sha1(), password, (int)strlen(password), copy, len, out, &out_len) ||
            out_len != MESSAGE_INTEGRITY_SIZE)
                return -EIO;
        return 0;
}

static size_t put_attribute(uint8_t *buf, size_t off, uint16_t type, const void *value, size_t len)
{
        put16(buf + off, type);
        put16(buf + off + 2, (uint16_t)len);
        if (len)
                memcpy(buf + off + 4, value, len);
        return off + 4 + len;
}

int stun_build_binding_request(const uint8_t tid[STUN_TRANSACTION_ID_SIZE], const char *username,
                               const char *password, bool binding_change,
                               uint8_t buf[STUN_MESSAGE_MAX])
{
        size_t off = STUN_HEADER_SIZE;
        bool authenticate = username && username[0];

        memset(buf, 0, STUN_MESSAGE_MAX);
        put16(buf, STUN_BINDING_REQUEST);
        memcpy(buf + 4, tid, STUN_TRANSACTION_ID_SIZE);

        if (authenticate) {
                /* RFC 3489 wants the USERNAME length a multiple of 4: pad with blanks */
                char padded[STUN_USERNAME_MAX];
                size_t len = strlen(username), padded_len = (len + 3) / 4 * 4;

                if (padded_len > STUN_USERNAME_MAX)
                        return -EINVAL;
                memset(padded, ' ', padded_len);
                memcpy(padded, username, len);
                off = put_attribute(buf, off, STUN_ATTR_USERNAME, padded, padded_len);
        }
        off = put_attribute(buf, off, STUN_ATTR_CONNECTION_REQUEST_BINDING,
                            STUN_CONNECTION_REQUEST_BINDING,
                            strlen(STUN_CONNECTION_REQUEST_BINDING));
        if (binding_change)
                off = put_attribute(buf, off, STUN_ATTR_BINDING_CHANGE, NULL, 0);

        if (authenticate) {
                uint8_t mac[MESSAGE_INTEGRITY_SIZE];
                int r;

                put16(buf + 2, (uint16_t)(off - STUN_HEADER_SIZE + 4 + MESSAGE_INTEGRITY_SIZE));
                r = integrity_rfc3489(buf, off, password ? password : "", mac);
                if (r < 0)
                        return r;
                off = put_attribute(buf, off, STUN_ATTR_MESSAGE_INTEGRITY, mac, sizeof(mac));
        }
        put16(buf + 2, (uint16_t)(off - STUN_HEADER_SIZE));
        return (int)off;
}

static int decode_address(const uint8_t *v, size_t n, bool xored, const uint8_t *header,
                          struct sockaddr_storage *ret)
{
        uint16_t port;

        if (n < 4)
                return -EBADMSG;
        port = get16(v + 2);
        if (xored)
                port ^= (uint16_t)(STUN_MAGIC_COOKIE >> 16);
        memset(ret, 0, sizeof(*ret));

        if (v[1] == 0x01 && n == 8) {
                struct sockaddr_in *sin = (struct sockaddr_in *)ret;
                uint8_t *a = (uint8_t *)&sin->sin_addr;
                sin->sin_family = AF_INET;
                sin->sin_port = htons(port);
                for (size_t i = 0; i < 4; i++)
                        a[i] = v[4 + i] ^ (xored ? header[4 + i] : 0);
                return 0;
        }
        if (v[1] == 0x02 && n == 20) {
                struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ret;
                uint8_t *a = (uint8_t *)&sin6->sin6_addr;
                sin6->sin6_family = AF_INET6;
                sin6->sin6_port = htons(port);
                /* XOR with the magic cookie and the transaction id, i.e. header bytes 4-19 */
                for (size_t i = 0; i < 16; i++)
                        a[i] = v[4 + i] ^ (xored ? header[4 + i] : 0);
                return 0;
        }
        return -EBADMSG;
}

int stun_parse_binding_response(const uint8_t *data, size_t len,
                                const uint8_t tid[STUN_TRANSACTION_ID_SIZE], const char *password,
                                struct stun_binding_result *ret)
{
        const uint8_t *mapped = NULL, *xor_mapped = NULL, *integrity = NULL;
        size_t mapped_len = 0, xor_mapped_len = 0, off = STUN_HEADER_SIZE;
        uint16_t type;
        int error_code = 0;

        memset(ret, 0, sizeof(*ret));
        if (!stun_is_message(data, len) || len % 4 != 0 || len > STUN_MESSAGE_MAX)
                return -EBADMSG;
        type = get16(data);
        if (type != STUN_BINDING_RESPONSE && type != STUN_BINDING_ERROR_RESPONSE)
                return -EBADMSG;
        if (memcmp(data + 4, tid, STUN_TRANSACTION_ID_SIZE) != 0)
                return -ESRCH;

        while (off < len && !integrity) {
                uint16_t at, al;
                const uint8_t *v;

                if (len - off < 4)
                        return -EBADMSG;
                at = get16(data + off);
                al = get16(data + off + 2);
                v = data + off + 4;
                if (al > len - off - 4)
                        return -EBADMSG;
                switch (at) {
                case STUN_ATTR_MAPPED_ADDRESS:
                        if (!mapped) {
                                mapped = v;
                                mapped_len = al;
                        }
                        break;
                case STUN_ATTR_XOR_MAPPED_ADDRESS:
                case STUN_ATTR_XOR_MAPPED_ADDRESS_OLD:
                        if (!xor_mapped) {
                                xor_mapped = v;
                                xor_mapped_len = al;
                        }
                        break;
                case STUN_ATTR_ERROR_CODE:
                        if (al < 4)
                                return -EBADMSG;
                        if (!error_code)
                                error_code = (v[2] & 7) * 100 + v[3] % 100;
                        break;
                case STUN_ATTR_MESSAGE_INTEGRITY:
                        if (al != MESSAGE_INTEGRITY_SIZE)
                                return -EBADMSG;
                        integrity = v; /* what follows it is not covered: ignore it */
                        break;
                default:
                        break;
                }
                off += 4 + ((size_t)al + 3) / 4 * 4;
        }

        if (integrity && password && password[0]) {
                size_t covered = (size_t)(integrity - 4 - data);
                uint8_t a[MESSAGE_INTEGRITY_SIZE], b[MESSAGE_INTEGRITY_SIZE];

                if (integrity_rfc3489(data, covered, password, a) < 0 ||
                    integrity_rfc5389(data, covered, password, b) < 0)
                        return -EIO;
                if (CRYPTO_memcmp(a, integrity, sizeof(a)) != 0 &&
                    CRYPTO_memcmp(b, integrity, sizeof(b)) != 0)
                        return -EACCES;
        }

        if (type == STUN_BINDING_ERROR_RESPONSE) {
                /* classes 3 to 6 exist; anything else is a server error of some sort */
                ret->error_code = error_code >= 300 && error_code <= 699 ? error_code : 500;
                return -EPROTO;
        }
        if (xor_mapped)
                return decode_address(xor_mapped, xor_mapped_len, true, data, &ret->mapped);
        if (mapped)
                return decode_address(mapped, mapped_len, false, data, &ret->mapped);
        return -EBADMSG;
}

/* IPv4-mapped IPv6 addresses become IPv4, so that both forms compare equal. */
static void normalize_address(const struct sockaddr_storage *in, struct sockaddr_storage *out)
{
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)in;

        *out = *in;
        if (in->ss_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
                struct sockaddr_in *sin = (struct sockaddr_in *)out;
                uint16_t port = sin6->sin6_port;
                struct in_addr a;

                memcpy(&a, (const uint8_t *)&sin6->sin6_addr + 12, 4);
                memset(out, 0, sizeof(*out));
                sin->sin_family = AF_INET;
                sin->sin_port = port;
                sin->sin_addr = a;
        }
}

static bool same_address(const struct sockaddr_storage *a, const struct sockaddr_storage *b,
                         bool with_port)
{
        struct sockaddr_storage x, y;

        normalize_address(a, &x);
        normalize_address(b, &y);
        if (x.ss_family != y.ss_family)
                return false;
        if (x.ss_family == AF_INET) {
                const struct sockaddr_in *p = (const void *)&x, *q = (const void *)&y;
                return p->sin_addr.s_addr == q->sin_addr.s_addr &&
                       (!with_port || p->sin_port == q->sin_port);
        }
        if (x.ss_family == AF_INET6) {
                const struct sockaddr_in6 *p = (const void *)&x, *q = (const void *)&y;
                return memcmp(&p->sin6_addr, &q->sin6_addr, sizeof(p->sin6_addr)) == 0 &&
                       (!with_port || p->sin6_port == q->sin6_port);
        }
        return false;
}

int stun_format_address(const struct sockaddr_storage *sa, char *buf, size_t size)
{
        struct sockaddr_storage n;
        char ip[INET6_ADDRSTRLEN];
        int k;

        normalize_address(sa, &n);
        if (n.ss_family == AF_INET) {
                const struct sockaddr_in *sin = (const void *)&n;
                if (!inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip)))
                        return -errno;
                k = snprintf(buf, size, "%s:%u", ip, ntohs(sin->sin_port));
        } else if (n.ss_family == AF_INET6) {
                const struct sockaddr_in6 *sin6 = (const void *)&n;
                if (!inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof(ip)))
                        return -errno;
                k = snprintf(buf, size, "[%s]:%u", ip, ntohs(sin6->sin6_port));
        } else {
                return -EAFNOSUPPORT;
        }
        return k < 0 || (size_t)k >= size ? -ENOBUFS : 0;
}

/* ---- asynchronous name resolution --------------------------------------------------- */

/* getaddrinfo_a() completes on a thread of its own. The job is freed by whichever side
 * lets go of it last: the client (after reading the result, or when it is freed itself)
 * or the notification thread. The eventfd lives as long as the job, so the thread never
 * writes to a closed descriptor. */
enum { JOB_RUNNING, JOB_DONE, JOB_ORPHANED };

struct resolve_job {
        struct gaicb cb;
        struct addrinfo hints;
        int efd;
        atomic_int state;
        char service[8];
        char host[];
};

static void resolve_job_destroy(struct resolve_job *j)
{
        if (j->cb.ar_result)
                freeaddrinfo(j->cb.ar_result);
        if (j->efd >= 0)
                close(j->efd);
        free(j);
}

static void resolve_job_notify(union sigval value)
{
        struct resolve_job *j = value.sival_ptr;
        uint64_t one = 1;

        (void)!write(j->efd, &one, sizeof(one));
        if (atomic_exchange(&j->state, JOB_DONE) == JOB_ORPHANED)
                resolve_job_destroy(j);
}

static void resolve_job_release(struct resolve_job *j)
{
        if (j && atomic_exchange(&j->state, JOB_ORPHANED) == JOB_DONE)
                resolve_job_destroy(j);
}

/* ---- the client --------------------------------------------------------------------- */

struct stun_client {
        sd_event *event;
        int fd;
        int family; /* of fd */
        char *server, *username, *password;
        uint16_t port;
        uint64_t keepalive_usec;
        stun_address_fn on_address;
        void *userdata;

        struct sockaddr_storage server_addr;
        bool resolved;
        struct resolve_job *job;
        sd_event_source *job_source;

        sd_event_source *timer;
        uint8_t tid[STUN_TRANSACTION_ID_SIZE];
        bool pending;             /* a transaction awaits its answer */
        unsigned transmissions;   /* of the pending transaction */
        bool binding_change;      /* the mapping changed: say so until the server has heard it */
        bool sent_binding_change; /* the pending transaction says so */
        char address[INET6_ADDRSTRLEN + 16]; /* the mapping last learned, or "" */
};

static int arm_timer(struct stun_client *s, uint64_t usec)
{
        uint64_t now;
        int r = sd_event_now(s->event, CLOCK_MONOTONIC, &now);
        if (r < 0)
                return r;
        r = sd_event_source_set_time(s->timer, now + usec);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(s->timer, SD_EVENT_ONESHOT);
}

static socklen_t address_length(const struct sockaddr_storage *sa)
{
        return sa->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

/* Takes the first usable address for our socket's family (IPv4 as mapped IPv6 on a
 * dual-stack socket). */
static int pick_address(const struct stun_client *s, const struct addrinfo *ai,
                        struct sockaddr_storage *ret)
{
        for (; ai; ai = ai->ai_next) {
                if (ai->ai_family == s->family && ai->ai_addrlen <= sizeof(*ret)) {
                        memset(ret, 0, sizeof(*ret));
                        memcpy(ret, ai->ai_addr, ai->ai_addrlen);
                        return 0;
                }
                if (ai->ai_family == AF_INET && s->family == AF_INET6) {
                        const struct sockaddr_in *sin = (const void *)ai->ai_addr;
                        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ret;
                        memset(ret, 0, sizeof(*ret));
                        sin6->sin6_family = AF_INET6;
                        sin6->sin6_port = sin->sin_port;
                        sin6->sin6_addr.s6_addr[10] = 0xff;
                        sin6->sin6_addr.s6_addr[11] = 0xff;
                        memcpy(&sin6->sin6_addr.s6_addr[12], &sin->sin_addr, 4);
                        return 0;
                }
        }
        return -EADDRNOTAVAIL;
}

static void start_transaction(struct stun_client *s);

static void drop_job(struct stun_client *s)
{
        s->job_source = sd_event_source_disable_unref(s->job_source);
        resolve_job_release(s->job);
        s->job = NULL;
}

static int on_resolved(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
        struct stun_client *s = userdata;
        int r = gai_error(&s->job->cb);

        if (r == EAI_INPROGRESS)
                return 0;
        if (r == 0)
                r = pick_address(s, s->job->cb.ar_result, &s->server_addr);
        else
                log_debug("STUN server %s: %s", s->server, gai_strerror(r));
        drop_job(s);
        if (r != 0) {
                (void)arm_timer(s, s->keepalive_usec);
                return 0;
        }
        s->resolved = true;
        start_transaction(s);
        return 0;
}

static int start_resolve(struct stun_client *s)
{
        struct resolve_job *j;
        struct gaicb *list[1];
        struct sigevent sev = {.sigev_notify = SIGEV_THREAD};
        int r;

        j = calloc(1, sizeof(*j) + strlen(s->server) + 1);
        if (!j)
                return -ENOMEM;
        strcpy(j->host, s->server);
        snprintf(j->service, sizeof(j->service), "%u", s->port);
        j->hints.ai_socktype = SOCK_DGRAM;
        j->hints.ai_flags = AI_NUMERICSERV;
        j->hints.ai_family = s->family == AF_INET ? AF_INET : AF_UNSPEC;
        j->cb.ar_name = j->host;
        j->cb.ar_service = j->service;
        j->cb.ar_request = &j->hints;
        atomic_init(&j->state, JOB_RUNNING);
        j->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (j->efd < 0) {
                r = -errno;
                free(j);
                return r;
        }
        r = sd_event_add_io(s->event, &s->job_source, j->efd, EPOLLIN, on_resolved, s);
        if (r < 0) {
                resolve_job_destroy(j);
                return r;
        }
        sev.sigev_notify_function = resolve_job_notify;
        sev.sigev_value.sival_ptr = j;
        list[0] = &j->cb;
        if (getaddrinfo_a(GAI_NOWAIT, list, 1, &sev) != 0) {
                s->job_source = sd_event_source_disable_unref(s->job_source);
                resolve_job_destroy(j);
                return -EAGAIN;
        }
        s->job = j;
        return 0;
}

static uint64_t retransmit_wait(unsigned transmissions)
{
        uint64_t w = RTO_FIRST_USEC << (transmissions > 5 ? 5 : transmissions - 1);
        return w < RTO_MAX_USEC ? w : RTO_MAX_USEC;
}

static void transmit(struct stun_client *s)
{
        uint8_t buf[STUN_MESSAGE_MAX];
        int len = stun_build_binding_request(s->tid, s->username, s->password,
                                             s->sent_binding_change, buf);

        if (len < 0) {
                log_debug_errno(len, "STUN: cannot build a Binding Request: %m");
        } else if (sendto(s->fd, buf, (size_t)len, MSG_DONTWAIT,
                          (const struct sockaddr *)&s->server_addr,
                          address_length(&s->server_addr)) < 0) {
                log_debug_errno(errno, "STUN: sending to %s failed: %m", s->server);
        }
        /* a failed send counts as a lost datagram: retransmission covers both */
        s->transmissions++;
        (void)arm_timer(s, retransmit_wait(s->transmissions));
}

static void start_transaction(struct stun_client *s)
{
        uint32_t cookie = htonl(STUN_MAGIC_COOKIE);

        memcpy(s->tid, &cookie, 4);
        if (RAND_bytes(s->tid + 4, STUN_TRANSACTION_ID_SIZE - 4) != 1) {
                (void)arm_timer(s, s->keepalive_usec);
                return;
        }
        s->pending = true;
        s->transmissions = 0;
        s->sent_binding_change = s->binding_change;
        transmit(s);
}

static int on_timer(sd_event_source *source, uint64_t usec, void *userdata)
{
        struct stun_client *s = userdata;
        int r;

        if (!s->resolved) {
                if (s->job)
                        return 0;
                r = start_resolve(s);
                if (r < 0) {
                        log_debug_errno(r, "STUN: cannot resolve %s: %m", s->server);
                        (void)arm_timer(s, s->keepalive_usec);
                }
                return 0;
        }
        if (!s->pending) {
                start_transaction(s);
                return 0;
        }
        if (s->transmissions < MAX_TRANSMISSIONS) {
                transmit(s);
                return 0;
        }
        log_debug("STUN: no answer from %s", s->server);
        s->pending = false;
        s->resolved = false; /* the server may have moved: look its name up again */
        (void)arm_timer(s, s->keepalive_usec);
        return 0;
}

/* Whether the mapped address differs from the one we send from. */
static bool nat_detected(const struct stun_client *s, const struct sockaddr_storage *mapped)
{
        struct sockaddr_storage local, bound;
        socklen_t len = sizeof(local), bound_len = sizeof(bound);
        _cleanup_close_ int probe = -1;

        if (getsockname(s->fd, (struct sockaddr *)&bound, &bound_len) < 0)
                return true;
        /* the source address the kernel picks towards the server; connecting a UDP socket
         * sends nothing */
        probe = socket(s->server_addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (probe < 0 ||
            connect(probe, (const struct sockaddr *)&s->server_addr,
                    address_length(&s->server_addr)) < 0 ||
            getsockname(probe, (struct sockaddr *)&local, &len) < 0)
                return true;
        if (local.ss_family == AF_INET6)
                ((struct sockaddr_in6 *)&local)->sin6_port =
                        ((struct sockaddr_in6 *)&bound)->sin6_port;
        else
                ((struct sockaddr_in *)&local)->sin_port = ((struct sockaddr_in *)&bound)->sin_port;
        return !same_address(&local, mapped, true);
}

void stun_client_receive(struct stun_client *s, const uint8_t *data, size_t len,
                         const struct sockaddr *from, socklen_t from_len)
{
        struct stun_binding_result result;
        struct sockaddr_storage source = {};
        char address[sizeof(s->address)];
        bool nat;
        int r;

        if (!s || !s->pending || from_len > sizeof(source))
                return;
        memcpy(&source, from, from_len);
        if (!same_address(&source, &s->server_addr, true))
                return; /* only the server we asked may answer */

        r = stun_parse_binding_response(data, len, s->tid, s->password, &result);
        if (r == -EPROTO) {
                log_debug("STUN: %s answered with error %d", s->server, result.error_code);
                s->pending = false;
                (void)arm_timer(s, s->keepalive_usec);
                return;
        }
        if (r < 0)
                return; /* not our answer, or forged: keep waiting */
        if (stun_format_address(&result.mapped, address, sizeof(address)) < 0)
                return;

        s->pending = false;
        if (s->sent_binding_change)
                s->binding_change = false;
        if (streq(address, s->address)) {
                (void)arm_timer(s, s->keepalive_usec);
                return;
        }

        nat = nat_detected(s, &result.mapped);
        log_debug("STUN: public address %s%s", address, nat ? " (behind NAT)" : "");
        strcpy(s->address, address);
        s->binding_change = true;
        start_transaction(s); /* tell the server at once */

        s->on_address(s->userdata, address, nat); /* last: it may free us */
}

int stun_client_new(sd_event *event, int fd, const struct stun_client_options *options,
                    stun_address_fn on_address, void *userdata, struct stun_client **ret)
{
        struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
                                 .ai_socktype = SOCK_DGRAM};
        struct addrinfo *ai = NULL;
        struct sockaddr_storage bound;
        socklen_t bound_len = sizeof(bound);
        struct stun_client *s;
        uint32_t keepalive;
        char service[8];
        int r;

        if (!event || fd < 0 || !options || !options->server || !options->server[0] ||
            !on_address || !ret)
                return -EINVAL;
        if (options->username && strlen(options->username) > STUN_USERNAME_MAX)
                return -EINVAL;
        if (getsockname(fd, (struct sockaddr *)&bound, &bound_len) < 0)
                return -errno;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->event = sd_event_ref(event);
        s->fd = fd;
        s->family = bound.ss_family;
        s->port = options->port ? options->port : DEFAULT_PORT;
        s->on_address = on_address;
        s->userdata = userdata;
        s->server = strdup(options->server);
        s->username = strdup(options->username ? options->username : "");
        s->password = strdup(options->password ? options->password : "");
        if (!s->server || !s->username || !s->password) {
                r = -ENOMEM;
                goto fail;
        }
        keepalive = options->min_keepalive_s ? options->min_keepalive_s : DEFAULT_KEEPALIVE_S;
        if (options->max_keepalive_s && keepalive > options->max_keepalive_s)
                keepalive = options->max_keepalive_s;
        s->keepalive_usec = (uint64_t)keepalive * 1000000;

        /* a literal address needs no lookup */
        snprintf(service, sizeof(service), "%u", s->port);
        hints.ai_family = s->family == AF_INET ? AF_INET : AF_UNSPEC;
        if (getaddrinfo(s->server, service, &hints, &ai) == 0) {
                r = pick_address(s, ai, &s->server_addr);
                freeaddrinfo(ai);
                if (r < 0)
                        goto fail;
                s->resolved = true;
        }

        r = sd_event_add_time(event, &s->timer, CLOCK_MONOTONIC, 0, TIMER_ACCURACY_USEC, on_timer,
                              s);
        if (r < 0)
                goto fail;
        *ret = s;
        return 0;
fail:
        stun_client_free(s);
        return r;
}

void stun_client_free(struct stun_client *s)
{
        if (!s)
                return;
        drop_job(s);
        sd_event_source_disable_unref(s->timer);
        sd_event_unref(s->event);
        free(s->server);
        free(s->username);
        free(s->password);
        free(s);
}
