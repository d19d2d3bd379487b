/* SPDX-License-Identifier: MIT */
/*
 * HTTP connection requests (TR-069 3.2.2): a GET-only server on sd-event. Each connection
 * carries one request and is closed after the answer. The request head is bounded and must
 * arrive within a few seconds, and only a few connections are served at once, so slow or
 * hostile clients cannot hold the listener. Digest authentication (RFC 2617, MD5,
 * qop=auth) with nonces from RAND_bytes that expire; a token bucket limits the accepted
 * requests and is checked before any authentication work is done.
 */
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <strings.h>
#include <sys/socket.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "conreq.h"
#include "log.h"
#include "util.h"

#define HEAD_MAX            8192
#define READ_TIMEOUT_USEC   (5 * 1000000ULL) /* the whole head must arrive by then */
#define LINGER_TIMEOUT_USEC (2 * 1000000ULL) /* draining what the client still sends */
#define ACCEPT_PAUSE_USEC   (500 * 1000ULL)  /* after running out of file descriptors */
#define MAX_CLIENTS         16
#define NONCE_SLOTS         16
#define NONCE_LIFETIME_USEC (300 * 1000000ULL)
#define REALM               "cwmpd"

struct nonce {
        char value[33];   /* 16 random bytes in hex; "" when the slot is free */
        uint64_t created; /* CLOCK_MONOTONIC usec */
        uint32_t last_nc; /* highest nonce count accepted */
};

enum client_state {
        CLIENT_READING,
        CLIENT_WRITING,
        CLIENT_DRAINING, /* answer sent; reading until the client closes, so it gets it */
};

struct client {
        struct conreq_http *server;
        struct client *prev, *next;
        int fd;
        sd_event_source *io, *timer;
        enum client_state state;
        size_t in_len;
        char out[512];
        size_t out_len, out_sent;
        char in[HEAD_MAX];
};

struct conreq_http {
        sd_event *event;
        int fd;
        uint16_t port;
        char *path;
        sd_event_source *listen_source, *resume_timer;
        conreq_credentials_fn credentials;
        conreq_fn on_request;
        void *userdata;

        uint64_t interval_usec; /* token bucket as a theoretical arrival time (GCRA) */
        uint32_t burst;
        uint64_t tat;

        struct client *clients;
        unsigned n_clients;
        struct nonce nonces[NONCE_SLOTS];
};

/* ---- the request parser ------------------------------------------------------------- */

static bool is_tchar(char ch)
{
        return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
               (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

static bool is_vchar(char ch)
{
        return ch > 0x20 && ch < 0x7f;
}

/* Field values may hold visible ASCII, blanks and obs-text, nothing else. */
static bool is_field_char(char ch)
{
        unsigned char u = (unsigned char)ch;
        return u == '\t' || (u >= 0x20 && u != 0x7f);
}

/* "http://host:port/p?q" and "/p?q" both give "/p?q". */
static const char *origin_form(const char *target)
{
        const char *p;

        if (strncasecmp(target, "http://", 7) == 0)
                p = target + 7;
        else if (strncasecmp(target, "https://", 8) == 0)
                p = target + 8;
        else
                return target;
        p = strpbrk(p, "/?");
        return p ? p : "";
}

static int parse_request_line(const char *l, size_t n, struct conreq_http_request *ret)
{
        size_t i = 0, start;
        const char *target;

        while (i < n && is_tchar(l[i]))
                i++;
        if (i == 0 || i >= sizeof(ret->method) || i >= n || l[i] != ' ')
                return -EBADMSG;
        memcpy(ret->method, l, i);
        ret->method[i] = '\0';

        start = ++i;
        while (i < n && is_vchar(l[i]))
                i++;
        if (i == start || i - start >= sizeof(ret->path) || i >= n || l[i] != ' ')
                return -EBADMSG;
        char raw[sizeof(ret->path)];
        memcpy(raw, l + start, i - start);
        raw[i - start] = '\0';
        i++;

        if (n - i != 8 || memcmp(l + i, "HTTP/1.", 7) != 0 || l[i + 7] < '0' || l[i + 7] > '9')
                return -EBADMSG;

        target = origin_form(raw);
        if (target == raw && raw[0] != '/')
                return -EBADMSG; /* neither origin-form nor absolute-form */
        if (target[0] == '/')
                snprintf(ret->path, sizeof(ret->path), "%s", target);
        else if (strlen(target) + 1 < sizeof(ret->path))
                snprintf(ret->path, sizeof(ret->path), "/%s", target); /* "http://h?q" */
        else
                return -EBADMSG;
        return 0;
}

static int parse_header_line(const char *l, size_t n, bool *seen_authorization,
                             struct conreq_http_request *ret)
{
        size_t i = 0, end;

        while (i < n && is_tchar(l[i]))
                i++;
        if (i == 0 || i >= n || l[i] != ':')
                return -EBADMSG; /* also refuses obs-fold and blanks before the colon */
        for (size_t k = i + 1; k < n; k++)
                if (!is_field_char(l[k]))
                        return -EBADMSG;
        if (i != strlen("Authorization") || strncasecmp(l, "Authorization", i) != 0)
                return 0;

        if (*seen_authorization)
                return -EBADMSG;
        *seen_authorization = true;
        i++;
        while (i < n && (l[i] == ' ' || l[i] == '\t'))
                i++;
        end = n;
        while (end > i && (l[end - 1] == ' ' || l[end - 1] == '\t'))
                end--;
        if (end - i >= sizeof(ret->authorization))
                return -EBADMSG;
        memcpy(ret->authorization, l + i, end - i);
        ret->authorization[end - i] = '\0';
        return 0;
}

int conreq_http_parse(const char *data, size_t len, struct conreq_http_request *ret)
{
        size_t limit = len < HEAD_MAX ? len : HEAD_MAX, pos = 0;
        bool have_request_line = false, seen_authorization = false;
        int r;

        memset(ret, 0, sizeof(*ret));
        for (;;) {
                const char *l = data + pos, *eol = memchr(l, '\n', limit - pos);
                size_t n;

                if (!eol) {
                        /* a NUL or a stray control byte will not become valid later */
                        for (size_t k = pos; k < limit; k++)
                                if (data[k] != '\r' && !is_field_char(data[k]))
                                        return -EBADMSG;
                        return len >= HEAD_MAX ? -EBADMSG : 0;
                }
                n = (size_t)(eol - l);
                pos += n + 1;
                if (n > 0 && l[n - 1] == '\r')
                        n--;
                if (memchr(l, '\r', n))
                        return -EBADMSG;

                if (!have_request_line) {
                        if (n == 0 && pos <= 4)
                                continue; /* RFC 7230 3.5: tolerate a blank line first */
                        r = parse_request_line(l, n, ret);
                        if (r < 0)
                                return r;
                        have_request_line = true;
                } else if (n == 0) {
                        return (int)pos;
                } else {
                        r = parse_header_line(l, n, &seen_authorization, ret);
                        if (r < 0)
                                return r;
                }
        }
}

/* ---- Digest (RFC 2617) -------------------------------------------------------------- */

struct digest {
        char username[256], realm[64], nonce[64], uri[256], response[64], qop[16], nc[16],
                cnonce[128], algorithm[16];
};

static int digest_store(struct digest *d, const char *name, size_t name_len, const char *value,
                        size_t value_len)
{
        static const struct {
                const char *name;
                size_t offset, size;
        } fields[] = {
#define FIELD(f) {#f, offsetof(struct digest, f), sizeof(((struct digest *)0)->f)}
                FIELD(username), FIELD(realm), FIELD(nonce),  FIELD(uri),       FIELD(response),
                FIELD(qop),      FIELD(nc),    FIELD(cnonce), FIELD(algorithm),
#undef FIELD
        };

        for (size_t i = 0; i < ELEMENTSOF(fields); i++) {
                char *dst = (char *)d + fields[i].offset;

                if (strlen(fields[i].name) != name_len ||
                    strncasecmp(fields[i].name, name, name_len) != 0)
                        continue;
                if (dst[0] || value_len == 0 || value_len >= fields[i].size)
                        return -EBADMSG; /* repeated, empty or too long */
                memcpy(dst, value, value_len);
                dst[value_len] = '\0';
                return 0;
        }
        return 0; /* opaque and other parameters play no part */
}

/* Parses `Digest name=value, name="quoted value", ...`. */
static int digest_parse(const char *s, struct digest *ret)
{
        char value[1024];

        memset(ret, 0, sizeof(*ret));
        if (strncasecmp(s, "Digest", 6) != 0 || (s[6] != ' ' && s[6] != '\t'))
                return -EBADMSG;
        s += 6;
        for (;;) {
                const char *name;
                size_t name_len, value_len = 0;
                int r;

                while (*s == ' ' || *s == '\t' || *s == ',')
                        s++;
                if (!*s)
                        return 0;
                name = s;
                while (is_tchar(*s))
                        s++;
                name_len = (size_t)(s - name);
                while (*s == ' ' || *s == '\t')
                        s++;
                if (name_len == 0 || *s != '=')
                        return -EBADMSG;
                s++;
                while (*s == ' ' || *s == '\t')
                        s++;
                if (*s == '"') {
                        for (s++; *s != '"'; s++) {
                                if (*s == '\\' && s[1])
                                        s++;
                                if (!*s || value_len >= sizeof(value) - 1)
                                        return -EBADMSG;
                                value[value_len++] = *s;
                        }
                        s++;
                } else {
                        while (is_tchar(*s) && value_len < sizeof(value) - 1)
                                value[value_len++] = *s++;
                }
                if (*s && *s != ',' && *s != ' ' && *s != '\t')
                        return -EBADMSG;
                r = digest_store(ret, name, name_len, value, value_len);
                if (r < 0)
                        return r;
        }
}

static bool is_hex(const char *s, size_t n)
{
        if (strlen(s) != n)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
                      (s[i] >= 'A' && s[i] <= 'F')))
                        return false;
        return true;
}

static void hex_encode(const unsigned char *data, size_t n, char *out)
{
        static const char digits[] = "0123456789abcdef";
        for (size_t i = 0; i < n; i++) {
                out[2 * i] = digits[data[i] >> 4];
                out[2 * i + 1] = digits[data[i] & 15];
        }
        out[2 * n] = '\0';
}

/* MD5 of the pieces joined by ':', in lower-case hex. */
static int md5_hex(char out[33], const char *const *pieces, size_t n)
{
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned md_len = 0;
        int ok;

        if (!ctx)
                return -ENOMEM;
        ok = EVP_DigestInit_ex(ctx, EVP_md5(), NULL);
        for (size_t i = 0; ok && i < n; i++)
                ok = (i == 0 || EVP_DigestUpdate(ctx, ":", 1)) &&
                     EVP_DigestUpdate(ctx, pieces[i], strlen(pieces[i]));
        ok = ok && EVP_DigestFinal_ex(ctx, md, &md_len) && md_len == 16;
        EVP_MD_CTX_free(ctx);
        if (!ok)
                return -EIO;
        hex_encode(md, 16, out);
        return 0;
}

enum auth_result {
        AUTH_OK,
        AUTH_DENIED, /* 401 with a fresh challenge */
        AUTH_STALE,  /* right password, old nonce: 401 with stale=true */
};

static struct nonce *nonce_find(struct conreq_http *c, const char *value)
{
        for (size_t i = 0; i < NONCE_SLOTS; i++)
                if (c->nonces[i].value[0] && streq(c->nonces[i].value, value))
                        return &c->nonces[i];
        return NULL;
}

/* Fills a free or the oldest slot with a fresh nonce. */
static int nonce_new(struct conreq_http *c, uint64_t now, const char **ret)
{
        struct nonce *slot = &c->nonces[0];
        unsigned char bytes[16];

        for (size_t i = 0; i < NONCE_SLOTS; i++) {
                if (!c->nonces[i].value[0]) {
                        slot = &c->nonces[i];
                        break;
                }
                if (c->nonces[i].created < slot->created)
                        slot = &c->nonces[i];
        }
        if (RAND_bytes(bytes, sizeof(bytes)) != 1)
                return -EIO;
        hex_encode(bytes, sizeof(bytes), slot->value);
        slot->created = now;
        slot->last_nc = 0;
        *ret = slot->value;
        return 0;
}

static int authenticate(struct conreq_http *c, const struct conreq_http_request *req,
                        const char *username, const char *password, uint64_t now,
                        enum auth_result *ret)
{
        struct digest d;
        char ha1[33], ha2[33], expected[33], given[33];
        struct nonce *nonce;
        unsigned long nc;
        int r;

        *ret = AUTH_DENIED;
        if (!req->authorization[0] || digest_parse(req->authorization, &d) < 0)
                return 0;
        if (!d.username[0] || !d.nonce[0] || !d.uri[0] || !d.cnonce[0] || !streq(d.realm, REALM) ||
            (d.algorithm[0] && strcasecmp(d.algorithm, "MD5") != 0) ||
            strcasecmp(d.qop, "auth") != 0 || !is_hex(d.nc, 8) || !is_hex(d.response, 32))
                return 0;
        if (!streq(origin_form(d.uri), req->path) || !streq(d.username, username))
                return 0;

        r = md5_hex(ha1, (const char *[]){username, REALM, password}, 3);
        if (r < 0)
                return r;
        r = md5_hex(ha2, (const char *[]){req->method, d.uri}, 2);
        if (r < 0)
                return r;
        r = md5_hex(expected, (const char *[]){ha1, d.nonce, d.nc, d.cnonce, "auth", ha2}, 6);
        if (r < 0)
                return r;
        for (size_t i = 0; i <= 32; i++)
                given[i] = (char)((d.response[i] >= 'A' && d.response[i] <= 'F')
                                          ? d.response[i] - 'A' + 'a'
                                          : d.response[i]);
        if (CRYPTO_memcmp(expected, given, 32) != 0)
                return 0;

        /* The password is right; now the nonce must be ours, fresh, and its count must grow. */
        nonce = nonce_find(c, d.nonce);
        if (!nonce || now - nonce->created > NONCE_LIFETIME_USEC) {
                *ret = AUTH_STALE;
                return 0;
        }
        nc = strtoul(d.nc, NULL, 16);
        if (nc <= nonce->last_nc) {
                log_debug("Connection request: nonce count %08lx replayed", nc);
                return 0;
        }
        nonce->last_nc = (uint32_t)nc;
        *ret = AUTH_OK;
        return 0;
}

/* ---- throttling --------------------------------------------------------------------- */

/* Returns 0 when a request may be accepted now, otherwise the seconds to wait. */
static uint64_t throttle_wait_s(const struct conreq_http *c, uint64_t now)
{
        uint64_t tolerance = (uint64_t)(c->burst - 1) * c->interval_usec, allowed_at;

        if (c->interval_usec == 0)
                return 0;
        allowed_at = c->tat > tolerance ? c->tat - tolerance : 0;
        if (now >= allowed_at)
                return 0;
        return (allowed_at - now + 999999) / 1000000;
}

static void throttle_take(struct conreq_http *c, uint64_t now)
{
        c->tat = (c->tat > now ? c->tat : now) + c->interval_usec;
}

/* ---- connections -------------------------------------------------------------------- */

static void accept_resume(struct conreq_http *c);

static void client_free(struct client *cl)
{
        struct conreq_http *c;

        if (!cl)
                return;
        c = cl->server;
        sd_event_source_disable_unref(cl->io);
        sd_event_source_disable_unref(cl->timer);
        if (cl->fd >= 0)
                close(cl->fd);
        if (cl->prev)
                cl->prev->next = cl->next;
        else
                c->clients = cl->next;
        if (cl->next)
                cl->next->prev = cl->prev;
        c->n_clients--;
        free(cl);
        accept_resume(c);
}

static int client_rearm(struct client *cl, uint64_t usec)
{
        uint64_t now;
        int r = sd_event_now(cl->server->event, CLOCK_MONOTONIC, &now);
        if (r < 0)
                return r;
        r = sd_event_source_set_time(cl->timer, now + usec);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(cl->timer, SD_EVENT_ONESHOT);
}

static int client_write(struct client *cl)
{
        while (cl->out_sent < cl->out_len) {
                ssize_t n = send(cl->fd, cl->out + cl->out_sent, cl->out_len - cl->out_sent,
                                 MSG_NOSIGNAL | MSG_DONTWAIT);
                if (n < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                return 0;
                        return -errno;
                }
                cl->out_sent += (size_t)n;
        }
        /* Close our side only; reading on until the client closes keeps the kernel from
         * answering its unread bytes with a reset that could destroy our answer. */
        (void)shutdown(cl->fd, SHUT_WR);
        cl->state = CLIENT_DRAINING;
        int r = sd_event_source_set_io_events(cl->io, EPOLLIN);
        if (r < 0)
                return r;
        return client_rearm(cl, LINGER_TIMEOUT_USEC);
}

static const char *status_text(int status)
{
        switch (status) {
        case 200:
                return "OK";
        case 400:
                return "Bad Request";
        case 401:
                return "Unauthorized";
        case 404:
                return "Not Found";
        case 405:
                return "Method Not Allowed";
        case 431:
                return "Request Header Fields Too Large";
        case 503:
                return "Service Unavailable";
        default:
                return "Internal Server Error";
        }
}

/* Queues the answer and starts sending it. extra: more header lines, each ending in CRLF. */
static int client_respond(struct client *cl, int status, const char *extra)
{
        int n = snprintf(cl->out, sizeof(cl->out),
                         "HTTP/1.1 %d %s\r\n%sContent-Length: 0\r\nConnection: close\r\n\r\n",
                         status, status_text(status), extra ? extra : "");
        int r;

        if (n < 0 || (size_t)n >= sizeof(cl->out))
                return -ENOBUFS;
        cl->out_len = (size_t)n;
        cl->out_sent = 0;
        cl->state = CLIENT_WRITING;
        r = sd_event_source_set_io_events(cl->io, EPOLLOUT);
        if (r < 0)
                return r;
        return client_write(cl);
}

/* Decides the answer to a parsed request. *accepted tells whether to call on_request. */
static int handle_request(struct client *cl, const struct conreq_http_request *req, bool *accepted)
{
        struct conreq_http *c = cl->server;
        const char *username = NULL, *password = NULL, *nonce;
        char extra[256], path[sizeof(req->path)];
        enum auth_result auth = AUTH_OK;
        uint64_t now, wait_s;
        int r;

        *accepted = false;
        snprintf(path, sizeof(path), "%s", req->path);
        path[strcspn(path, "?")] = '\0';
        if (!streq(path, c->path))
                return client_respond(cl, 404, NULL);
        if (!streq(req->method, "GET"))
                return client_respond(cl, 405, "Allow: GET\r\n");

        r = sd_event_now(c->event, CLOCK_MONOTONIC, &now);
        if (r < 0)
                return r;
        wait_s = throttle_wait_s(c, now);
        if (wait_s > 0) {
                /* TR-069 3.2.2: 503, and no Retry-After (the ACS must not be told to hold
                 * back its retries by a CPE that merely limits the rate). */
                log_debug("Connection request throttled for %" PRIu64 " s", wait_s);
                return client_respond(cl, 503, NULL);
        }

        r = c->credentials(c->userdata, &username, &password);
        if (r < 0) {
                log_warning_errno(r, "Connection request: no credentials: %m");
                return client_respond(cl, 500, NULL);
        }
        if (username && username[0]) {
                r = authenticate(c, req, username, password ? password : "", now, &auth);
                if (r < 0) {
                        log_warning_errno(r, "Connection request: digest failed: %m");
                        return client_respond(cl, 500, NULL);
                }
        }
        if (auth != AUTH_OK) {
                r = nonce_new(c, now, &nonce);
                if (r < 0)
                        return client_respond(cl, 500, NULL);
                snprintf(extra, sizeof(extra),
                         "WWW-Authenticate: Digest realm=\"" REALM "\", qop=\"auth\", "
                         "nonce=\"%s\", algorithm=MD5%s\r\n",
                         nonce, auth == AUTH_STALE ? ", stale=true" : "");
                return client_respond(cl, 401, extra);
        }

        throttle_take(c, now);
        *accepted = true;
        return client_respond(cl, 200, NULL);
}

static int client_read(struct client *cl, bool *accepted)
{
        struct conreq_http_request req;
        ssize_t n;
        int r;

        *accepted = false;
        if (cl->state == CLIENT_DRAINING) {
                char sink[1024];
                n = recv(cl->fd, sink, sizeof(sink), MSG_DONTWAIT);
                if (n < 0)
                        return errno == EAGAIN || errno == EINTR ? 0 : -errno;
                return n == 0 ? -ECONNRESET : 0;
        }

        n = recv(cl->fd, cl->in + cl->in_len, sizeof(cl->in) - cl->in_len, MSG_DONTWAIT);
        if (n < 0)
                return errno == EAGAIN || errno == EINTR ? 0 : -errno;
        if (n == 0)
                return -ECONNRESET; /* closed before the head was complete */
        if (!memchr(cl->in + cl->in_len, '\n', (size_t)n) && cl->in_len + (size_t)n < HEAD_MAX) {
                cl->in_len += (size_t)n;
                return 0; /* no new line: nothing to parse yet */
        }
        cl->in_len += (size_t)n;

        r = conreq_http_parse(cl->in, cl->in_len, &req);
        if (r == 0)
                return 0;
        if (r < 0) {
                log_debug("Connection request: malformed request");
                return client_respond(cl, cl->in_len >= HEAD_MAX ? 431 : 400, NULL);
        }
        return handle_request(cl, &req, accepted);
}

static int client_on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct client *cl = userdata;
        conreq_fn on_request = cl->server->on_request;
        void *data = cl->server->userdata;
        bool accepted = false;
        int r;

        if (cl->state == CLIENT_WRITING)
                r = client_write(cl);
        else
                r = client_read(cl, &accepted);
        if (r < 0 || (revents & EPOLLERR))
                client_free(cl);

        /* last: the callback may free the whole listener */
        if (accepted) {
                log_debug("Connection request accepted");
                on_request(data);
        }
        return 0;
}

static int client_on_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct client *cl = userdata;

        if (cl->state == CLIENT_READING)
                log_debug("Connection request: client too slow, closing");
        client_free(cl);
        return 0;
}

static int client_new(struct conreq_http *c, int fd)
{
        _cleanup_close_ int owned = fd;
        struct client *cl;
        uint64_t now;
        int r;

        r = sd_event_now(c->event, CLOCK_MONOTONIC, &now);
        if (r < 0)
                return r;
        cl = calloc(1, sizeof(*cl));
        if (!cl)
                return -ENOMEM;
        cl->server = c;
        cl->fd = TAKE_FD(owned);
        cl->next = c->clients;
        if (c->clients)
                c->clients->prev = cl;
        c->clients = cl;
        c->n_clients++;

        r = sd_event_add_io(c->event, &cl->io, cl->fd, EPOLLIN, client_on_io, cl);
        if (r >= 0)
                r = sd_event_add_time(c->event, &cl->timer, CLOCK_MONOTONIC,
                                      now + READ_TIMEOUT_USEC, 100 * 1000, client_on_timeout, cl);
        if (r < 0) {
                client_free(cl);
                return r;
        }
        return 0;
}

/* ---- the listener ------------------------------------------------------------------- */

static int accept_pause(struct conreq_http *c, bool with_timer)
{
        uint64_t now;
        int r = sd_event_source_set_enabled(c->listen_source, SD_EVENT_OFF);
        if (r < 0 || !with_timer)
                return r;
        r = sd_event_now(c->event, CLOCK_MONOTONIC, &now);
        if (r < 0)
                return r;
        r = sd_event_source_set_time(c->resume_timer, now + ACCEPT_PAUSE_USEC);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(c->resume_timer, SD_EVENT_ONESHOT);
}

static void accept_resume(struct conreq_http *c)
{
        if (c->n_clients < MAX_CLIENTS && c->listen_source)
                (void)sd_event_source_set_enabled(c->listen_source, SD_EVENT_ON);
}

static int on_resume_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        accept_resume(userdata);
        return 0;
}

static int on_listen(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct conreq_http *c = userdata;

        /* Full: leave further connections in the kernel's backlog until a slot frees. */
        while (c->n_clients < MAX_CLIENTS) {
                int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                int r;

                if (cfd < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                return 0;
                        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
                            errno == ENOMEM) {
                                log_warning_errno(errno, "Connection requests: accept: %m");
                                return accept_pause(c, true);
                        }
                        continue; /* ECONNABORTED and friends concern that client only */
                }
                r = client_new(c, cfd);
                if (r < 0)
                        log_warning_errno(r, "Connection requests: cannot serve client: %m");
        }
        return accept_pause(c, false);
}

static int listen_socket(const char *address, uint16_t port, int *ret_fd, uint16_t *ret_port)
{
        struct addrinfo hints = {
                .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
                .ai_socktype = SOCK_STREAM,
        };
        struct addrinfo *ai = NULL;
        struct sockaddr_storage bound;
        socklen_t bound_len = sizeof(bound);
        _cleanup_close_ int fd = -1;
        char service[8];
        int one = 1, zero = 0, r;

        snprintf(service, sizeof(service), "%u", port);
        if (!address || !address[0])
                address = "::";
        if (getaddrinfo(address, service, &hints, &ai) != 0 || !ai)
                return -EINVAL;
        fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0 && errno == EAFNOSUPPORT && streq(address, "::")) {
                freeaddrinfo(ai);
                return listen_socket("0.0.0.0", port, ret_fd, ret_port);
        }
        r = fd < 0 ? -errno : 0;
        if (r == 0 && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
                r = -errno;
        if (r == 0 && ai->ai_family == AF_INET6 && streq(address, "::"))
                (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
        if (r == 0 && bind(fd, ai->ai_addr, ai->ai_addrlen) < 0)
                r = -errno;
        freeaddrinfo(ai);
        if (r < 0)
                return r;
        if (listen(fd, MAX_CLIENTS) < 0 ||
            getsockname(fd, (struct sockaddr *)&bound, &bound_len) < 0)
                return -errno;
        *ret_port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                                      : ((struct sockaddr_in *)&bound)->sin_port);
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int conreq_http_new(sd_event *event, const struct conreq_http_options *options,
                    conreq_credentials_fn credentials, conreq_fn on_request, void *userdata,
                    struct conreq_http **ret)
{
        struct conreq_http *c;
        int r;

        if (!event || !options || !credentials || !on_request || !ret || !options->path ||
            options->path[0] != '/' ||
            strlen(options->path) >= sizeof(((struct conreq_http_request *)0)->path))
                return -EINVAL;

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->fd = -1;
        c->event = sd_event_ref(event);
        c->credentials = credentials;
        c->on_request = on_request;
        c->userdata = userdata;
        c->interval_usec = (uint64_t)options->throttle_interval_ms * 1000;
        c->burst = options->throttle_burst ? options->throttle_burst : 1;
        c->path = strdup(options->path);
        if (!c->path) {
                r = -ENOMEM;
                goto fail;
        }
        r = listen_socket(options->address, options->port, &c->fd, &c->port);
        if (r < 0)
                goto fail;
        r = sd_event_add_io(event, &c->listen_source, c->fd, EPOLLIN, on_listen, c);
        if (r < 0)
                goto fail;
        r = sd_event_add_time(event, &c->resume_timer, CLOCK_MONOTONIC, UINT64_MAX, 100 * 1000,
                              on_resume_timer, c);
        if (r < 0)
                goto fail;
        r = sd_event_source_set_enabled(c->resume_timer, SD_EVENT_OFF);
        if (r < 0)
                goto fail;
        *ret = c;
        return 0;
fail:
        conreq_http_free(c);
        return r;
}

void conreq_http_free(struct conreq_http *c)
{
        if (!c)
                return;
        c->listen_source = sd_event_source_disable_unref(c->listen_source);
        while (c->clients)
                client_free(c->clients);
        sd_event_source_disable_unref(c->resume_timer);
        if (c->fd >= 0)
                close(c->fd);
        sd_event_unref(c->event);
        free(c->path);
        free(c);
}

uint16_t conreq_http_port(const struct conreq_http *c)
{
        return c ? c->port : 0;
}
