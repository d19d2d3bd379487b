/* SPDX-License-Identifier: MIT */
/*
 * UDP connection requests (TR-069 Annex G, TR-111 Part 2): one datagram holding
 * "GET http://host:port?ts=..&id=..&un=..&cn=..&sig=.. HTTP/1.1". Whatever fails a check
 * is dropped without an answer. The same socket carries the STUN client's Binding
 * Requests, so the NAT mapping it keeps open is the one the ACS sends to.
 *
 * Replays: an ACS may pick its message ids at random (GenieACS does), so "newer" is judged
 * by the timestamp: a message older than the last accepted one is ignored, and within the
 * last accepted second only ids not yet seen are taken (a few of them, then none).
 */
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "conreq.h"
#include "log.h"
#include "stun.h"
#include "util.h"

#define DATAGRAM_MAX       2048
#define DEFAULT_SKEW_S     300
#define SEEN_IDS           8
#define SIGNATURE_HEX_SIZE 40

struct conreq_udp {
        sd_event *event;
        int fd;
        uint16_t port;
        sd_event_source *io;
        uint32_t max_skew_s;
        conreq_credentials_fn credentials;
        conreq_fn on_request;
        conreq_udp_address_fn on_address;
        void *userdata;

        uint64_t last_ts;        /* of the last accepted message */
        uint64_t seen[SEEN_IDS]; /* ids accepted with that timestamp */
        size_t n_seen;

        struct stun_client *stun;
};

/* ---- the datagram parser ------------------------------------------------------------ */

/* Percent-decodes s[0..n) into out (size bytes with the NUL). "+" stays "+". */
static int percent_decode(const char *s, size_t n, char *out, size_t size)
{
        size_t k = 0;

        for (size_t i = 0; i < n; i++) {
                char c = s[i];

                if (c == '%') {
                        int hi, lo;
                        if (n - i < 3 || (hi = unhexchar(s[i + 1])) < 0 ||
                            (lo = unhexchar(s[i + 2])) < 0)
                                return -EBADMSG;
                        c = (char)(hi << 4 | lo);
                        i += 2;
                }
                if (c == '\0' || k + 1 >= size)
                        return -EBADMSG;
                out[k++] = c;
        }
        out[k] = '\0';
        return 0;
}

/* Canonical decimal only (no sign, no leading zero), so that the signed text is the one
 * conreq_udp_verify() prints again. */
static int parse_decimal(const char *s, uint64_t *ret)
{
        uint64_t v = 0;

        if (!s[0] || (s[0] == '0' && s[1]))
                return -EBADMSG;
        for (; *s; s++) {
                if (*s < '0' || *s > '9' || v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
                        return -EBADMSG;
                v = v * 10 + (uint64_t)(*s - '0');
        }
        *ret = v;
        return 0;
}

int conreq_udp_parse(const char *data, size_t len, struct conreq_udp_message *ret)
{
        enum { TS, ID, UN, CN, SIG, N_FIELDS };
        static const char *const names[N_FIELDS] = {"ts", "id", "un", "cn", "sig"};
        char ts[32], id[32], *const values[N_FIELDS] = {ts, id, ret->un, ret->cn, ret->sig};
        const size_t sizes[N_FIELDS] = {sizeof(ts), sizeof(id), sizeof(ret->un), sizeof(ret->cn),
                                        sizeof(ret->sig)};
        bool seen[N_FIELDS] = {};
        const char *line = data, *target, *query, *end;
        size_t line_len;

        memset(ret, 0, sizeof(*ret));
        if (len > DATAGRAM_MAX)
                return -EBADMSG;
        for (line_len = 0; line_len < len; line_len++)
                if (data[line_len] == '\r' || data[line_len] == '\n')
                        break;

        /* "GET " absolute-URI " HTTP/1.x" */
        if (line_len < 4 || memcmp(line, "GET ", 4) != 0)
                return -EBADMSG;
        target = line + 4;
        end = memchr(target, ' ', line_len - 4);
        if (!end || line + line_len - end != 9 || memcmp(end, " HTTP/1.", 8) != 0 || end[8] < '0' ||
            end[8] > '9')
                return -EBADMSG;
        for (const char *p = target; p < end; p++)
                if (*p <= 0x20 || *p >= 0x7f)
                        return -EBADMSG;
        if ((size_t)(end - target) < 7 || strncasecmp(target, "http://", 7) != 0)
                return -EBADMSG;
        query = memchr(target, '?', (size_t)(end - target));
        if (!query)
                return -EBADMSG;

        for (const char *p = query + 1; p < end;) {
                const char *amp = memchr(p, '&', (size_t)(end - p)), *eq;
                const char *pair_end = amp ? amp : end;
                size_t i;

                eq = memchr(p, '=', (size_t)(pair_end - p));
                if (eq) {
                        for (i = 0; i < N_FIELDS; i++)
                                if ((size_t)(eq - p) == strlen(names[i]) &&
                                    memcmp(p, names[i], strlen(names[i])) == 0)
                                        break;
                        if (i < N_FIELDS) {
                                if (seen[i] || percent_decode(eq + 1, (size_t)(pair_end - eq - 1),
                                                              values[i], sizes[i]) < 0)
                                        return -EBADMSG;
                                seen[i] = true;
                        }
                }
                p = pair_end + 1;
        }

        for (size_t i = 0; i < N_FIELDS; i++)
                if (!seen[i])
                        return -EBADMSG;
        if (parse_decimal(ts, &ret->ts) < 0 || parse_decimal(id, &ret->id) < 0 || !ret->cn[0] ||
            strlen(ret->sig) != SIGNATURE_HEX_SIZE)
                return -EBADMSG;
        for (size_t i = 0; i < SIGNATURE_HEX_SIZE; i++)
                if (unhexchar(ret->sig[i]) < 0)
                        return -EBADMSG;
        return 0;
}

int conreq_udp_verify(const struct conreq_udp_message *m, const char *password)
{
        char text[2 * 21 + sizeof(m->un) + sizeof(m->cn)], expected[SIGNATURE_HEX_SIZE + 1],
                given[SIGNATURE_HEX_SIZE + 1];
        unsigned char mac[EVP_MAX_MD_SIZE];
        unsigned mac_len = 0;
        int n;

        if (!password)
                password = "";
        if (strnlen(m->sig, sizeof(m->sig)) != SIGNATURE_HEX_SIZE ||
            strnlen(m->un, sizeof(m->un)) == sizeof(m->un) ||
            strnlen(m->cn, sizeof(m->cn)) == sizeof(m->cn))
                return -EINVAL;
        n = snprintf(text, sizeof(text), "%" PRIu64 "%" PRIu64 "%s%s", m->ts, m->id, m->un, m->cn);
        if (n < 0 || (size_t)n >= sizeof(text))
                return -EINVAL;
        if (!HMAC(EVP_sha1(), password, (int)strlen(password), (const unsigned char *)text,
                  (size_t)n, mac, &mac_len) ||
            mac_len * 2 != SIGNATURE_HEX_SIZE)
                return -EIO;
        for (unsigned i = 0; i < mac_len; i++)
                snprintf(expected + 2 * i, 3, "%02x", mac[i]);
        for (size_t i = 0; i <= SIGNATURE_HEX_SIZE; i++)
                given[i] = (char)(m->sig[i] >= 'A' && m->sig[i] <= 'F' ? m->sig[i] - 'A' + 'a'
                                                                       : m->sig[i]);
        return CRYPTO_memcmp(expected, given, SIGNATURE_HEX_SIZE) == 0 ? 0 : -EPERM;
}

/* ---- the listener ------------------------------------------------------------------- */

static bool is_replay(const struct conreq_udp *c, const struct conreq_udp_message *m)
{
        if (c->last_ts == 0 || m->ts > c->last_ts)
                return false;
        if (m->ts < c->last_ts || c->n_seen >= SEEN_IDS)
                return true;
        for (size_t i = 0; i < c->n_seen; i++)
                if (c->seen[i] == m->id)
                        return true;
        return false;
}

static void remember(struct conreq_udp *c, const struct conreq_udp_message *m)
{
        if (m->ts > c->last_ts) {
                c->last_ts = m->ts;
                c->n_seen = 0;
        }
        c->seen[c->n_seen++] = m->id;
}

/* true if the datagram is a genuine connection request */
static bool check_request(struct conreq_udp *c, const char *data, size_t len)
{
        struct conreq_udp_message m;
        const char *username = NULL, *password = NULL;
        int64_t now = (int64_t)time(NULL);
        uint64_t skew;
        int r;

        if (conreq_udp_parse(data, len, &m) < 0) {
                log_debug("UDP connection request: malformed, ignored");
                return false;
        }
        skew = m.ts > (uint64_t)now ? m.ts - (uint64_t)now : (uint64_t)now - m.ts;
        if (now < 0 || skew > c->max_skew_s) {
                log_debug("UDP connection request: timestamp %" PRIu64 " too far from now", m.ts);
                return false;
        }
        if (is_replay(c, &m)) {
                log_debug("UDP connection request: id %" PRIu64 " replayed", m.id);
                return false;
        }
        r = c->credentials(c->userdata, &username, &password);
        if (r < 0) {
                log_warning_errno(r, "UDP connection request: no credentials: %m");
                return false;
        }
        if (!streq(m.un, username ? username : "") || conreq_udp_verify(&m, password) < 0) {
                log_debug("UDP connection request: wrong username or signature");
                return false;
        }
        remember(c, &m);
        return true;
}

static int on_datagram(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct conreq_udp *c = userdata;
        struct sockaddr_storage from;
        socklen_t from_len = sizeof(from);
        char buf[DATAGRAM_MAX + 1];
        ssize_t n;

        /* One datagram per wake-up: the callbacks below may free c, and the level-triggered
         * source brings us back for the next one. */
        n = recvfrom(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT | MSG_TRUNC, (struct sockaddr *)&from,
                     &from_len);
        if (n < 0)
                return 0;
        if ((size_t)n > sizeof(buf) - 1)
                return 0; /* truncated: too long to be either kind of message */

        if (stun_is_message((const uint8_t *)buf, (size_t)n)) {
                if (c->stun)
                        stun_client_receive(c->stun, (const uint8_t *)buf, (size_t)n,
                                            (const struct sockaddr *)&from, from_len);
                return 0;
        }
        if (check_request(c, buf, (size_t)n)) {
                log_debug("UDP connection request accepted");
                c->on_request(c->userdata); /* last: it may free c */
        }
        return 0;
}

static void on_stun_address(void *userdata, const char *address, bool nat_detected)
{
        struct conreq_udp *c = userdata;

        if (c->on_address)
                c->on_address(c->userdata, address, nat_detected);
}

static int udp_socket(const char *address, uint16_t port, int *ret_fd, uint16_t *ret_port)
{
        struct addrinfo hints = {
                .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
                .ai_socktype = SOCK_DGRAM,
        };
        struct addrinfo *ai = NULL;
        struct sockaddr_storage bound;
        socklen_t bound_len = sizeof(bound);
        _cleanup_close_ int fd = -1;
        char service[8];
        int zero = 0, r = 0;

        snprintf(service, sizeof(service), "%u", port);
        if (!address || !address[0])
                address = "::";
        if (getaddrinfo(address, service, &hints, &ai) != 0 || !ai)
                return -EINVAL;
        fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0 && errno == EAFNOSUPPORT && streq(address, "::")) {
                freeaddrinfo(ai);
                return udp_socket("0.0.0.0", port, ret_fd, ret_port);
        }
        if (fd < 0)
                r = -errno;
        if (r == 0 && ai->ai_family == AF_INET6 && streq(address, "::"))
                (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
        if (r == 0 && bind(fd, ai->ai_addr, ai->ai_addrlen) < 0)
                r = -errno;
        freeaddrinfo(ai);
        if (r < 0)
                return r;
        if (getsockname(fd, (struct sockaddr *)&bound, &bound_len) < 0)
                return -errno;
        *ret_port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                                      : ((struct sockaddr_in *)&bound)->sin_port);
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int conreq_udp_new(sd_event *event, const struct conreq_udp_options *options,
                   conreq_credentials_fn credentials, conreq_fn on_request,
                   conreq_udp_address_fn on_address, void *userdata, struct conreq_udp **ret)
{
        struct conreq_udp *c;
        int r;

        if (!event || !options || !credentials || !on_request || !ret)
                return -EINVAL;
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->fd = -1;
        c->event = sd_event_ref(event);
        c->max_skew_s = options->max_clock_skew_s ? options->max_clock_skew_s : DEFAULT_SKEW_S;
        c->credentials = credentials;
        c->on_request = on_request;
        c->on_address = on_address;
        c->userdata = userdata;

        r = udp_socket(options->address, options->port, &c->fd, &c->port);
        if (r < 0)
                goto fail;
        r = sd_event_add_io(event, &c->io, c->fd, EPOLLIN, on_datagram, c);
        if (r < 0)
                goto fail;
        if (options->stun_server && options->stun_server[0]) {
                const struct stun_client_options stun = {
                        .server = options->stun_server,
                        .port = options->stun_port,
                        .username = options->stun_username,
                        .password = options->stun_password,
                        .min_keepalive_s = options->stun_min_keepalive_s,
                        .max_keepalive_s = options->stun_max_keepalive_s,
                };
                r = stun_client_new(event, c->fd, &stun, on_stun_address, c, &c->stun);
                if (r < 0)
                        goto fail;
        }
        *ret = c;
        return 0;
fail:
        conreq_udp_free(c);
        return r;
}

void conreq_udp_free(struct conreq_udp *c)
{
        if (!c)
                return;
        stun_client_free(c->stun);
        sd_event_source_disable_unref(c->io);
        if (c->fd >= 0)
                close(c->fd);
        sd_event_unref(c->event);
        free(c);
}

uint16_t conreq_udp_port(const struct conreq_udp *c)
{
        return c ? c->port : 0;
}
