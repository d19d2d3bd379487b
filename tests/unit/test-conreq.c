/* SPDX-License-Identifier: MIT */
/*
 * Connection requests over real loopback sockets: the listeners run on an sd-event loop in
 * this process, the test talks to them as an ACS would (a plain TCP client computing its
 * own Digest answers, signed UDP datagrams) and plays a tiny STUN server.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "conreq.h"
#include "stun.h"
#include "util.h"

#define PATH       "/cr-5f0c2a9e"
#define REALM      "cwmpd"
#define USERNAME   "acs-user"
#define PASSWORD   "s3cret"
#define GUARD_USEC (10 * 1000000ULL) /* no exchange waits longer than this */

struct fixture {
        sd_event *event;
        struct conreq_http *http;
        struct conreq_udp *udp;
        const char *username, *password;
        unsigned requests;
        unsigned addresses;
        char address[128];
        bool nat;
        int stun_fd; /* the test's STUN server */
        uint16_t stun_port;
};

static int credentials(void *userdata, const char **username, const char **password)
{
        struct fixture *f = userdata;
        *username = f->username;
        *password = f->password;
        return 0;
}

static void on_request(void *userdata)
{
        struct fixture *f = userdata;
        f->requests++;
}

static void on_address(void *userdata, const char *address, bool nat)
{
        struct fixture *f = userdata;
        f->addresses++;
        snprintf(f->address, sizeof(f->address), "%s", address);
        f->nat = nat;
}

static uint64_t now_usec(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Runs the event loop for about usec. */
static void pump(struct fixture *f, uint64_t usec)
{
        uint64_t end = now_usec() + usec;
        for (uint64_t t = now_usec(); t < end; t = now_usec())
                assert_true(sd_event_run(f->event, end - t) >= 0);
}

/* ---- fixtures ------------------------------------------------------------------------ */

static int setup_with(void **state, uint32_t interval_ms, uint32_t burst)
{
        struct fixture *f = calloc(1, sizeof(*f));
        struct conreq_http_options o = {
                .address = "127.0.0.1",
                .path = PATH,
                .throttle_interval_ms = interval_ms,
                .throttle_burst = burst,
        };

        assert_non_null(f);
        f->username = USERNAME;
        f->password = PASSWORD;
        f->stun_fd = -1;
        assert_int_equal(sd_event_new(&f->event), 0);
        assert_int_equal(conreq_http_new(f->event, &o, credentials, on_request, f, &f->http), 0);
        assert_int_not_equal(conreq_http_port(f->http), 0);
        *state = f;
        return 0;
}

static int setup_http(void **state)
{
        return setup_with(state, 0, 0);
}

static int setup_throttled(void **state)
{
        return setup_with(state, 300, 1);
}

static int setup_udp(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        struct conreq_udp_options o = {.address = "127.0.0.1", .max_clock_skew_s = 60};

        assert_non_null(f);
        f->username = USERNAME;
        f->password = PASSWORD;
        f->stun_fd = -1;
        assert_int_equal(sd_event_new(&f->event), 0);
        assert_int_equal(
                conreq_udp_new(f->event, &o, credentials, on_request, on_address, f, &f->udp), 0);
        assert_int_not_equal(conreq_udp_port(f->udp), 0);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;
        conreq_http_free(f->http);
        conreq_udp_free(f->udp);
        if (f->stun_fd >= 0)
                close(f->stun_fd);
        sd_event_unref(f->event);
        free(f);
        return 0;
}

/* ---- a plain HTTP client ------------------------------------------------------------- */

static int tcp_connect(struct fixture *f)
{
        struct sockaddr_in sin = {.sin_family = AF_INET,
                                  .sin_port = htons(conreq_http_port(f->http))};
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

        assert_true(fd >= 0);
        sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        /* loopback: the kernel completes the handshake before the server accepts */
        assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
        assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
        return fd;
}

static void send_text(int fd, const char *text)
{
        size_t len = strlen(text);
        assert_int_equal(send(fd, text, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* Reads until the server closes; returns the bytes received, or -1 on a reset. */
static ssize_t read_until_close(struct fixture *f, int fd, char *buf, size_t size)
{
        uint64_t deadline = now_usec() + GUARD_USEC;
        size_t len = 0;

        while (now_usec() < deadline) {
                ssize_t n = recv(fd, buf + len, size - 1 - len, 0);
                if (n == 0) {
                        buf[len] = '\0';
                        return (ssize_t)len;
                }
                if (n < 0 && errno != EAGAIN)
                        return -1;
                if (n > 0) {
                        len += (size_t)n;
                        assert_true(len < size - 1);
                        continue;
                }
                assert_true(sd_event_run(f->event, 10 * 1000) >= 0);
        }
        fail_msg("the server did not close the connection");
        return -1;
}

static int exchange(struct fixture *f, const char *request, char *response, size_t size)
{
        int fd = tcp_connect(f), status = 0;

        send_text(fd, request);
        assert_true(read_until_close(f, fd, response, size) > 0);
        close(fd);
        assert_int_equal(sscanf(response, "HTTP/1.1 %d ", &status), 1);
        assert_non_null(strstr(response, "\r\nConnection: close\r\n"));
        assert_non_null(strstr(response, "\r\nContent-Length: 0\r\n"));
        return status;
}

/* The value of a response header, or NULL. */
static const char *header(const char *response, const char *name, char *out, size_t size)
{
        for (const char *p = strstr(response, "\r\n"); p && p[2] != '\r';
             p = strstr(p + 2, "\r\n")) {
                size_t n = strlen(name);
                if (strncasecmp(p + 2, name, n) == 0 && p[2 + n] == ':') {
                        const char *v = p + 3 + n, *end;
                        while (*v == ' ')
                                v++;
                        end = strstr(v, "\r\n");
                        snprintf(out, size, "%.*s", (int)(end - v), v);
                        return out;
                }
        }
        return NULL;
}

static bool challenge_param(const char *challenge, const char *name, char *out, size_t size)
{
        char key[64];
        const char *p, *end;

        snprintf(key, sizeof(key), "%s=\"", name);
        p = strstr(challenge, key);
        if (!p)
                return false;
        p += strlen(key);
        end = strchr(p, '"');
        snprintf(out, size, "%.*s", (int)(end - p), p);
        return true;
}

static void md5_hex(char out[33], const char *format, ...)
{
        char text[1024];
        unsigned char md[16];
        va_list ap;

        va_start(ap, format);
        vsnprintf(text, sizeof(text), format, ap);
        va_end(ap);
        assert_int_equal(EVP_Digest(text, strlen(text), md, NULL, EVP_md5(), NULL), 1);
        for (int i = 0; i < 16; i++)
                sprintf(out + 2 * i, "%02x", md[i]);
}

/* Asks without credentials and returns the nonce of the 401 challenge. */
static void get_nonce(struct fixture *f, char nonce[64])
{
        char response[2048], value[512], qop[16], realm[64];

        assert_int_equal(exchange(f, "GET " PATH " HTTP/1.1\r\nHost: cpe\r\n\r\n", response,
                                  sizeof(response)),
                         401);
        assert_non_null(header(response, "WWW-Authenticate", value, sizeof(value)));
        assert_true(strncmp(value, "Digest ", 7) == 0);
        assert_true(challenge_param(value, "nonce", nonce, 64));
        assert_int_equal(strlen(nonce), 32);
        assert_true(challenge_param(value, "qop", qop, sizeof(qop)));
        assert_string_equal(qop, "auth");
        assert_true(challenge_param(value, "realm", realm, sizeof(realm)));
        assert_string_equal(realm, REALM);
}

static void digest_request(char *out, size_t size, const char *method, const char *user,
                           const char *password, const char *nonce, unsigned nc)
{
        char ha1[33], ha2[33], response[33], ncs[9];
        const char *cnonce = "0a4f113b";

        snprintf(ncs, sizeof(ncs), "%08x", nc);
        md5_hex(ha1, "%s:%s:%s", user, REALM, password);
        md5_hex(ha2, "%s:%s", method, PATH);
        md5_hex(response, "%s:%s:%s:%s:auth:%s", ha1, nonce, ncs, cnonce, ha2);
        snprintf(out, size,
                 "%s " PATH " HTTP/1.1\r\nHost: cpe\r\n"
                 "Authorization: Digest username=\"%s\", realm=\"" REALM "\", nonce=\"%s\", "
                 "uri=\"" PATH "\", algorithm=MD5, response=\"%s\", qop=auth, nc=%s, "
                 "cnonce=\"%s\"\r\n\r\n",
                 method, user, nonce, response, ncs, cnonce);
}

/* ---- HTTP ----------------------------------------------------------------------------- */

static void test_http_challenge(void **state)
{
        struct fixture *f = *state;
        char nonce[64], other[64];

        get_nonce(f, nonce);
        get_nonce(f, other);
        assert_string_not_equal(nonce, other); /* fresh per challenge */
        assert_int_equal(f->requests, 0);
}

static void test_http_good_digest(void **state)
{
        struct fixture *f = *state;
        char nonce[64], request[1024], response[2048];

        get_nonce(f, nonce);
        digest_request(request, sizeof(request), "GET", USERNAME, PASSWORD, nonce, 1);
        assert_int_equal(exchange(f, request, response, sizeof(response)), 200);
        assert_int_equal(f->requests, 1);
}

static void test_http_wrong_credentials(void **state)
{
        struct fixture *f = *state;
        char nonce[64], request[1024], response[2048], value[512];

        get_nonce(f, nonce);
        digest_request(request, sizeof(request), "GET", USERNAME, "guess", nonce, 1);
        assert_int_equal(exchange(f, request, response, sizeof(response)), 401);
        assert_non_null(header(response, "WWW-Authenticate", value, sizeof(value)));
        assert_null(strstr(value, "stale"));

        digest_request(request, sizeof(request), "GET", "someone", PASSWORD, nonce, 2);
        assert_int_equal(exchange(f, request, response, sizeof(response)), 401);
        assert_int_equal(f->requests, 0);

        /* an answer computed for another URI does not open this one */
        digest_request(request, sizeof(request), "GET", USERNAME, PASSWORD, nonce, 3);
        memcpy(strstr(request, "uri=\"") + 5, "/cr-00000000", strlen(PATH));
        assert_int_equal(exchange(f, request, response, sizeof(response)), 401);
        assert_int_equal(f->requests, 0);

        /* the credentials are read at every request */
        f->password = "guess";
        digest_request(request, sizeof(request), "GET", USERNAME, "guess", nonce, 4);
        assert_int_equal(exchange(f, request, response, sizeof(response)), 200);
        assert_int_equal(f->requests, 1);
}

static void test_http_replayed_nonce_count(void **state)
{
        struct fixture *f = *state;
        char nonce[64], request[1024], replay[1024], response[2048];

        get_nonce(f, nonce);
        digest_request(request, sizeof(request), "GET", USERNAME, PASSWORD, nonce, 5);
        assert_int_equal(exchange(f, request, response, sizeof(response)), 200);
        assert_int_equal(exchange(f, request, response, sizeof(response)), 401);
        digest_request(replay, sizeof(replay), "GET", USERNAME, PASSWORD, nonce, 4);
        assert_int_equal(exchange(f, replay, response, sizeof(response)), 401);
        assert_int_equal(f->requests, 1);

        digest_request(request, sizeof(request), "GET", USERNAME, PASSWORD, nonce, 6);
        assert_int_equal(exchange(f, request, response, sizeof(response)), 200);
        assert_int_equal(f->requests, 2);
}

static void test_http_unknown_nonce_is_stale(void **state)
{
        struct fixture *f = *state;
        char request[1024], response[2048], value[512], nonce[64];

        digest_request(request, sizeof(request), "GET", USERNAME, PASSWORD,
                       "00112233445566778899aabbccddeeff", 1);
        assert_int_equal(exchange(f, request, response, sizeof(response)), 401);
        assert_non_null(header(response, "WWW-Authenticate", value, sizeof(value)));
        assert_non_null(strstr(value, "stale=true"));
        assert_int_equal(f->requests, 0);

        /* the client retries with the new nonce */
        assert_true(challenge_param(value, "nonce", nonce, sizeof(nonce)));
        digest_request(request, sizeof(request), "GET", USERNAME, PASSWORD, nonce, 1);
        assert_int_equal(exchange(f, request, response, sizeof(response)), 200);
        assert_int_equal(f->requests, 1);
}

static void test_http_refusals(void **state)
{
        struct fixture *f = *state;
        char response[2048], value[64], nonce[64], request[1024];
        char *big;
        int n;

        assert_int_equal(
                exchange(f, "GET /other HTTP/1.1\r\nHost: cpe\r\n\r\n", response, sizeof(response)),
                404);
        assert_int_equal(exchange(f, "POST " PATH " HTTP/1.1\r\nHost: cpe\r\n\r\n", response,
                                  sizeof(response)),
                         405);
        assert_non_null(header(response, "Allow", value, sizeof(value)));
        assert_string_equal(value, "GET");
        assert_int_equal(exchange(f, "\x16\x03\x01garbage\r\n\r\n", response, sizeof(response)),
                         400);
        assert_int_equal(exchange(f, "GET " PATH "\r\n\r\n", response, sizeof(response)), 400);

        /* a header section beyond 8 KiB */
        big = malloc(10000);
        assert_non_null(big);
        n = snprintf(big, 10000, "GET " PATH " HTTP/1.1\r\nX-Filler: ");
        memset(big + n, 'a', 9000);
        strcpy(big + n + 9000, "\r\n\r\n");
        {
                int fd = tcp_connect(f), status = 0;
                send_text(fd, big);
                assert_true(read_until_close(f, fd, response, sizeof(response)) > 0);
                close(fd);
                assert_int_equal(sscanf(response, "HTTP/1.1 %d ", &status), 1);
                assert_int_equal(status, 431);
        }
        free(big);

        /* even a right password does not pass another method */
        get_nonce(f, nonce);
        digest_request(request, sizeof(request), "POST", USERNAME, PASSWORD, nonce, 1);
        assert_int_equal(exchange(f, request, response, sizeof(response)), 405);
        assert_int_equal(f->requests, 0);
}

static void test_http_throttling(void **state)
{
        struct fixture *f = *state;
        char nonce[64], request[1024], response[2048], value[64];

        get_nonce(f, nonce);
        digest_request(request, sizeof(request), "GET", USERNAME, PASSWORD, nonce, 1);
        assert_int_equal(exchange(f, request, response, sizeof(response)), 200);
        assert_int_equal(f->requests, 1);

        digest_request(request, sizeof(request), "GET", USERNAME, PASSWORD, nonce, 2);
        assert_int_equal(exchange(f, request, response, sizeof(response)), 503);
        assert_null(header(response, "Retry-After", value, sizeof(value)));
        /* throttled requests are not even challenged */
        assert_int_equal(exchange(f, "GET " PATH " HTTP/1.1\r\n\r\n", response, sizeof(response)),
                         503);
        assert_int_equal(f->requests, 1);

        pump(f, 350 * 1000);
        digest_request(request, sizeof(request), "GET", USERNAME, PASSWORD, nonce, 3);
        assert_int_equal(exchange(f, request, response, sizeof(response)), 200);
        assert_int_equal(f->requests, 2);
}

static void test_http_no_username_no_authentication(void **state)
{
        struct fixture *f = *state;
        char response[2048];

        f->username = "";
        assert_int_equal(exchange(f, "GET " PATH " HTTP/1.0\r\n\r\n", response, sizeof(response)),
                         200);
        assert_int_equal(f->requests, 1);
}

static void test_http_clients_at_once(void **state)
{
        struct fixture *f = *state;
        char response[2048], nonce[64], request[1024];
        int slow = tcp_connect(f), idle = tcp_connect(f);
        uint64_t start = now_usec();
        ssize_t n;

        /* a client that sends half a request does not block another one */
        send_text(slow, "GET " PATH " HTTP/1.1\r\nHo");
        pump(f, 50 * 1000);
        get_nonce(f, nonce);
        digest_request(request, sizeof(request), "GET", USERNAME, PASSWORD, nonce, 1);
        assert_int_equal(exchange(f, request, response, sizeof(response)), 200);
        send_text(slow, "st: cpe\r\n\r\n");
        assert_true(read_until_close(f, slow, response, sizeof(response)) > 0);
        assert_true(strncmp(response, "HTTP/1.1 401 ", 13) == 0);
        close(slow);

        /* one that sends nothing is dropped after the read timeout */
        n = read_until_close(f, idle, response, sizeof(response));
        assert_true(n == 0 || n == -1);
        assert_true(now_usec() - start >= 4 * 1000000ULL);
        assert_true(now_usec() - start < 8 * 1000000ULL);
        close(idle);
        assert_int_equal(f->requests, 1);
}

static void test_http_parse(void **state)
{
        struct conreq_http_request req;
        const char full[] =
                "GET /cr?x=1 HTTP/1.1\r\nHost: a\r\nauthorization:  Digest a=b  \r\n\r\n";
        char *big;

        assert_int_equal(conreq_http_parse(full, strlen(full), &req), (int)strlen(full));
        assert_string_equal(req.method, "GET");
        assert_string_equal(req.path, "/cr?x=1");
        assert_string_equal(req.authorization, "Digest a=b");

        /* more data needed, at any cut before the end */
        for (size_t i = 0; i < strlen(full); i++)
                assert_int_equal(conreq_http_parse(full, i, &req), 0);
        /* bytes after the head (a body) are not consumed */
        assert_int_equal(conreq_http_parse("GET / HTTP/1.1\r\n\r\nbody", 22, &req), 18);

        assert_int_equal(conreq_http_parse("GET http://192.0.2.1:7547/cr HTTP/1.1\n\n", 39, &req),
                         39);
        assert_string_equal(req.path, "/cr");
        assert_string_equal(req.authorization, "");

        assert_int_equal(conreq_http_parse("GET /cr HTTP/2.0\r\n\r\n", 20, &req), -EBADMSG);
        assert_int_equal(conreq_http_parse("GET  /cr HTTP/1.1\r\n\r\n", 21, &req), -EBADMSG);
        assert_int_equal(conreq_http_parse("GET cr HTTP/1.1\r\n\r\n", 19, &req), -EBADMSG);
        assert_int_equal(conreq_http_parse("GET /cr HTTP/1.1\r\nA: b\r\n c\r\n\r\n", 30, &req),
                         -EBADMSG);
        assert_int_equal(conreq_http_parse("GET /cr HTTP/1.1\r\nA : b\r\n\r\n", 27, &req),
                         -EBADMSG);
        assert_int_equal(conreq_http_parse("GET /cr HTTP/1.1\r\nA: b\0\r\n\r\n", 27, &req),
                         -EBADMSG);
        assert_int_equal(conreq_http_parse("GET /cr HT\0", 11, &req), -EBADMSG);
        assert_int_equal(conreq_http_parse("GET /cr HTTP/1.1\r\nAuthorization: a\r\n"
                                           "Authorization: b\r\n\r\n",
                                           56, &req),
                         -EBADMSG);
        assert_int_equal(conreq_http_parse("VERYLONGMETHODNAME / HTTP/1.1\r\n\r\n", 33, &req),
                         -EBADMSG);

        /* 8 KiB without the end of the head */
        big = malloc(9000);
        assert_non_null(big);
        memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
        memset(big + 19, 'a', 9000 - 19);
        assert_int_equal(conreq_http_parse(big, 8191, &req), 0);
        assert_int_equal(conreq_http_parse(big, 8192, &req), -EBADMSG);
        assert_int_equal(conreq_http_parse(big, 9000, &req), -EBADMSG);
        free(big);
}

/* ---- UDP ------------------------------------------------------------------------------ */

static void sign(char sig[41], uint64_t ts, uint64_t id, const char *un, const char *cn,
                 const char *password)
{
        char text[1024];
        unsigned char mac[20];
        unsigned len = 0;

        snprintf(text, sizeof(text), "%" PRIu64 "%" PRIu64 "%s%s", ts, id, un, cn);
        assert_non_null(HMAC(EVP_sha1(), password, (int)strlen(password), (unsigned char *)text,
                             strlen(text), mac, &len));
        for (int i = 0; i < 20; i++)
                sprintf(sig + 2 * i, "%02x", mac[i]);
}

static void send_udp_request(struct fixture *f, uint64_t ts, uint64_t id, const char *un,
                             const char *password)
{
        struct sockaddr_in sin = {.sin_family = AF_INET,
                                  .sin_port = htons(conreq_udp_port(f->udp))};
        char sig[41], text[1024];
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        int n;

        sign(sig, ts, id, un, "9f3a1c2b", password);
        n = snprintf(text, sizeof(text),
                     "GET http://127.0.0.1:%u?ts=%" PRIu64 "&id=%" PRIu64
                     "&un=%s&cn=9f3a1c2b&sig=%s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n\r\n",
                     conreq_udp_port(f->udp), ts, id, un, sig, conreq_udp_port(f->udp));
        sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        assert_true(fd >= 0);
        assert_int_equal(sendto(fd, text, (size_t)n, 0, (struct sockaddr *)&sin, sizeof(sin)), n);
        close(fd);
        pump(f, 50 * 1000);
}

static void test_udp_parse(void **state)
{
        struct conreq_udp_message m;
        const char *ok = "GET http://192.0.2.1:7547?sig=0123456789ABCDEF0123456789abcdef01234567"
                         "&cn=c%2Fn&un=cpe%20user+x&id=42&ts=1714557600 HTTP/1.1\r\n"
                         "Host: 192.0.2.1:7547\r\n\r\n";

        assert_int_equal(conreq_udp_parse(ok, strlen(ok), &m), 0);
        assert_int_equal(m.ts, 1714557600);
        assert_int_equal(m.id, 42);
        assert_string_equal(m.un, "cpe user+x");
        assert_string_equal(m.cn, "c/n");
        assert_string_equal(m.sig, "0123456789ABCDEF0123456789abcdef01234567");

#define SIG "0123456789abcdef0123456789abcdef01234567"
        static const char *const bad[] = {
                "GET http://h:1?ts=1&id=2&un=u&cn=c HTTP/1.1\r\n",              /* no sig */
                "GET http://h:1?ts=1&id=2&un=u&cn=c&sig=" SIG "&id=3 HTTP/1.1", /* twice */
                "GET http://h:1?ts=01&id=2&un=u&cn=c&sig=" SIG " HTTP/1.1",     /* zero */
                "GET http://h:1?ts=1&id=-2&un=u&cn=c&sig=" SIG " HTTP/1.1",
                "GET http://h:1?ts=1&id=2&un=u&cn=c&sig=" SIG "0 HTTP/1.1", /* 41 digits */
                "GET http://h:1?ts=1&id=2&un=u&cn=c&sig=" SIG " HTTP/2.0",
                "POST http://h:1?ts=1&id=2&un=u&cn=c&sig=" SIG " HTTP/1.1",
                "GET http://h:1?ts=1&id=2&un=u%2&cn=c&sig=" SIG " HTTP/1.1",
                "GET http://h:1?ts=1&id=2&un=u%00&cn=c&sig=" SIG " HTTP/1.1",
                "GET http://h:1?ts=1&id=2&un=u&cn=&sig=" SIG " HTTP/1.1",
                "GET http://h:1?ts=99999999999999999999&id=2&un=u&cn=c&sig=" SIG " HTTP/1.1",
                "GET /?ts=1&id=2&un=u&cn=c&sig=" SIG " HTTP/1.1",
                "",
        };
#undef SIG
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_int_equal(conreq_udp_parse(bad[i], strlen(bad[i]), &m), -EBADMSG);
}

static void test_udp_verify(void **state)
{
        struct conreq_udp_message m = {.ts = 1714557600, .id = 3489123};

        strcpy(m.un, "cpeuser");
        strcpy(m.cn, "9f3a1c2b7d4e6f80");
        sign(m.sig, m.ts, m.id, m.un, m.cn, PASSWORD);
        assert_int_equal(conreq_udp_verify(&m, PASSWORD), 0);
        assert_int_not_equal(conreq_udp_verify(&m, "other"), 0);
        for (char *p = m.sig; *p; p++)
                if (*p >= 'a' && *p <= 'f')
                        *p = (char)(*p - 'a' + 'A');
        assert_int_equal(conreq_udp_verify(&m, PASSWORD), 0);
        m.id++;
        assert_int_not_equal(conreq_udp_verify(&m, PASSWORD), 0);
}

static void test_udp_requests(void **state)
{
        struct fixture *f = *state;
        uint64_t now = (uint64_t)time(NULL);

        send_udp_request(f, now, 1000, USERNAME, "forged");
        send_udp_request(f, now - 3600, 1001, USERNAME, PASSWORD); /* stale */
        send_udp_request(f, now + 3600, 1002, USERNAME, PASSWORD); /* from the future */
        send_udp_request(f, now, 1003, "intruder", PASSWORD);
        assert_int_equal(f->requests, 0);

        send_udp_request(f, now, 1004, USERNAME, PASSWORD);
        assert_int_equal(f->requests, 1);
        send_udp_request(f, now, 1004, USERNAME, PASSWORD); /* replayed */
        assert_int_equal(f->requests, 1);

        /* ids need not grow (an ACS may draw them at random), but the time must not go back */
        send_udp_request(f, now, 7, USERNAME, PASSWORD);
        assert_int_equal(f->requests, 2);
        send_udp_request(f, now - 1, 9, USERNAME, PASSWORD);
        assert_int_equal(f->requests, 2);
        send_udp_request(f, now + 1, 8, USERNAME, PASSWORD);
        assert_int_equal(f->requests, 3);
        send_udp_request(f, now + 1, 7, USERNAME, PASSWORD);
        send_udp_request(f, now + 1, 8, USERNAME, PASSWORD);
        assert_int_equal(f->requests, 4);

        /* garbage is ignored, and the socket keeps working */
        {
                struct sockaddr_in sin = {.sin_family = AF_INET,
                                          .sin_port = htons(conreq_udp_port(f->udp))};
                int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
                sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
                assert_int_equal(
                        sendto(fd, "\x01\x01\x00\x00", 4, 0, (struct sockaddr *)&sin, sizeof(sin)),
                        4);
                assert_int_equal(sendto(fd, "GET", 3, 0, (struct sockaddr *)&sin, sizeof(sin)), 3);
                close(fd);
        }
        send_udp_request(f, now + 2, 1, USERNAME, PASSWORD);
        assert_int_equal(f->requests, 5);
}

/* ---- STUN ----------------------------------------------------------------------------- */

static void put16(uint8_t *p, uint16_t v)
{
        p[0] = (uint8_t)(v >> 8);
        p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
        return (uint16_t)(p[0] << 8 | p[1]);
}

/* Finds an attribute of a STUN message; returns its value and length, or NULL. */
static const uint8_t *find_attribute(const uint8_t *msg, size_t len, uint16_t type, size_t *ret_len)
{
        for (size_t off = 20; off + 4 <= len;) {
                uint16_t t = get16(msg + off), l = get16(msg + off + 2);
                if (t == type) {
                        *ret_len = l;
                        return msg + off + 4;
                }
                off += 4 + (l + 3u) / 4 * 4;
        }
        return NULL;
}

/* RFC 3489 MESSAGE-INTEGRITY of msg[0..len), padded to 64 bytes. */
static void integrity(const uint8_t *msg, size_t len, const char *password, uint8_t mac[20])
{
        uint8_t padded[1024] = {};
        unsigned n = 0;

        memcpy(padded, msg, len);
        assert_non_null(HMAC(EVP_sha1(), password, (int)strlen(password), padded,
                             (len + 63) / 64 * 64, mac, &n));
}

/* A Binding Response to request, mapping to ip:port; XOR-MAPPED-ADDRESS or MAPPED-ADDRESS. */
static size_t stun_response(uint8_t *out, const uint8_t *request, bool xored, const char *ip,
                            uint16_t port, const char *password)
{
        struct in_addr a;
        size_t off = 20;

        assert_int_equal(inet_pton(AF_INET, ip, &a), 1);
        memset(out, 0, 128);
        put16(out, 0x0101);
        memcpy(out + 4, request + 4, 16);
        put16(out + off, xored ? 0x0020 : 0x0001);
        put16(out + off + 2, 8);
        out[off + 5] = 0x01;
        put16(out + off + 6, xored ? port ^ 0x2112 : port);
        memcpy(out + off + 8, &a, 4);
        if (xored)
                for (int i = 0; i < 4; i++)
                        out[off + 8 + i] ^= out[4 + i];
        off += 12;
        if (password) {
                put16(out + 2, (uint16_t)(off - 20 + 24));
                put16(out + off, 0x0008);
                put16(out + off + 2, 20);
                integrity(out, off, password, out + off + 4);
                off += 24;
        }
        put16(out + 2, (uint16_t)(off - 20));
        return off;
}

/* Waits for a datagram on the test's STUN server, running the loop meanwhile; skips
 * retransmissions of the transaction `previous` (if not NULL). */
static size_t stun_receive(struct fixture *f, uint8_t *buf, size_t size, struct sockaddr_in *from,
                           const uint8_t *previous)
{
        uint64_t deadline = now_usec() + GUARD_USEC;

        while (now_usec() < deadline) {
                socklen_t len = sizeof(*from);
                ssize_t n = recvfrom(f->stun_fd, buf, size, MSG_DONTWAIT, (struct sockaddr *)from,
                                     &len);
                if (n >= 20 && previous && memcmp(buf + 4, previous + 4, 16) == 0)
                        continue;
                if (n > 0)
                        return (size_t)n;
                assert_true(sd_event_run(f->event, 10 * 1000) >= 0);
        }
        fail_msg("no Binding Request arrived");
        return 0;
}

static void stun_reply(struct fixture *f, const uint8_t *msg, size_t len,
                       const struct sockaddr_in *to)
{
        assert_int_equal(sendto(f->stun_fd, msg, len, 0, (const struct sockaddr *)to, sizeof(*to)),
                         (ssize_t)len);
}

static int setup_stun_with(void **state, const char *server, const char *username)
{
        struct fixture *f = calloc(1, sizeof(*f));
        struct sockaddr_in sin = {.sin_family = AF_INET};
        socklen_t len = sizeof(sin);
        struct conreq_udp_options o = {
                .address = "127.0.0.1",
                .stun_server = server,
                .stun_username = username,
                .stun_password = "stunpass",
                .stun_min_keepalive_s = 1,
        };

        assert_non_null(f);
        f->username = USERNAME;
        f->password = PASSWORD;
        assert_int_equal(sd_event_new(&f->event), 0);
        f->stun_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        assert_true(f->stun_fd >= 0);
        sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        assert_int_equal(bind(f->stun_fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
        assert_int_equal(getsockname(f->stun_fd, (struct sockaddr *)&sin, &len), 0);
        f->stun_port = ntohs(sin.sin_port);
        o.stun_port = f->stun_port;
        assert_int_equal(
                conreq_udp_new(f->event, &o, credentials, on_request, on_address, f, &f->udp), 0);
        *state = f;
        return 0;
}

static int setup_stun(void **state)
{
        return setup_stun_with(state, "127.0.0.1", "stunuser");
}

static int setup_stun_hostname(void **state)
{
        return setup_stun_with(state, "localhost", NULL);
}

static void test_stun_binding(void **state)
{
        struct fixture *f = *state;
        uint8_t req[1024], resp[128], mac[20], previous[20];
        const uint8_t *v;
        struct sockaddr_in from;
        char expected[64];
        size_t n, len, vlen;

        /* the first Binding Request, sent from the connection-request socket */
        n = stun_receive(f, req, sizeof(req), &from, NULL);
        assert_int_equal(ntohs(from.sin_port), conreq_udp_port(f->udp));
        assert_true(n >= 20);
        assert_int_equal(get16(req), 0x0001);
        assert_int_equal(get16(req + 2) + 20, n);
        v = find_attribute(req, n, 0xC001, &vlen);
        assert_non_null(v);
        assert_int_equal(vlen, 20);
        assert_memory_equal(v, "dslforum.org/TR-111 ", 20);
        assert_null(find_attribute(req, n, 0xC002, &vlen));
        v = find_attribute(req, n, 0x0006, &vlen);
        assert_non_null(v);
        assert_int_equal(vlen, 8);
        assert_memory_equal(v, "stunuser", 8);
        v = find_attribute(req, n, 0x0008, &vlen);
        assert_non_null(v);
        assert_int_equal(vlen, 20);
        integrity(req, (size_t)(v - 4 - req), "stunpass", mac);
        assert_memory_equal(v, mac, 20);

        /* answers that are not ours change nothing: another transaction, a bad signature */
        len = stun_response(resp, req, true, "203.0.113.9", 1, "stunpass");
        resp[10] ^= 1;
        stun_reply(f, resp, len, &from);
        len = stun_response(resp, req, true, "203.0.113.9", 1, "wrong");
        stun_reply(f, resp, len, &from);
        /* ... or the right answer from someone other than the server */
        len = stun_response(resp, req, true, "203.0.113.9", 1, "stunpass");
        {
                int stranger = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
                assert_true(stranger >= 0);
                assert_int_equal(
                        sendto(stranger, resp, len, 0, (struct sockaddr *)&from, sizeof(from)),
                        (ssize_t)len);
                close(stranger);
        }
        pump(f, 50 * 1000);
        assert_int_equal(f->addresses, 0);

        /* a mapping to a public address: NAT */
        len = stun_response(resp, req, true, "198.51.100.7", 40000, "stunpass");
        stun_reply(f, resp, len, &from);
        for (int i = 0; i < 100 && f->addresses == 0; i++)
                pump(f, 10 * 1000);
        assert_int_equal(f->addresses, 1);
        assert_string_equal(f->address, "198.51.100.7:40000");
        assert_true(f->nat);

        /* at once a request saying the binding changed; the same answer is no news */
        memcpy(previous, req, sizeof(previous));
        n = stun_receive(f, req, sizeof(req), &from, previous);
        assert_non_null(find_attribute(req, n, 0xC002, &vlen));
        assert_int_equal(vlen, 0);
        assert_non_null(find_attribute(req, n, 0xC001, &vlen));
        len = stun_response(resp, req, true, "198.51.100.7", 40000, NULL);
        stun_reply(f, resp, len, &from);
        pump(f, 100 * 1000);
        assert_int_equal(f->addresses, 1);

        /* the keepalive a period later no longer says so; now the mapping is our own address */
        memcpy(previous, req, sizeof(previous));
        n = stun_receive(f, req, sizeof(req), &from, previous);
        assert_null(find_attribute(req, n, 0xC002, &vlen));
        len = stun_response(resp, req, false, "127.0.0.1", conreq_udp_port(f->udp), NULL);
        stun_reply(f, resp, len, &from);
        for (int i = 0; i < 100 && f->addresses == 1; i++)
                pump(f, 10 * 1000);
        assert_int_equal(f->addresses, 2);
        snprintf(expected, sizeof(expected), "127.0.0.1:%u", conreq_udp_port(f->udp));
        assert_string_equal(f->address, expected);
        assert_false(f->nat);

        /* connection requests still arrive on the shared socket */
        send_udp_request(f, (uint64_t)time(NULL), 1, USERNAME, PASSWORD);
        assert_int_equal(f->requests, 1);
}

static void test_stun_hostname_and_retransmission(void **state)
{
        struct fixture *f = *state;
        uint8_t req[1024], again[1024], resp[128];
        struct sockaddr_in from;
        size_t n, m, len, vlen;

        /* "localhost" goes through the asynchronous resolver */
        n = stun_receive(f, req, sizeof(req), &from, NULL);
        assert_int_equal(get16(req), 0x0001);
        assert_null(find_attribute(req, n, 0x0006, &vlen)); /* no username: no USERNAME */
        assert_null(find_attribute(req, n, 0x0008, &vlen));

        /* unanswered, the request comes again with the same transaction id */
        m = stun_receive(f, again, sizeof(again), &from, NULL);
        assert_int_equal(m, n);
        assert_memory_equal(again, req, n);

        len = stun_response(resp, again, true, "192.0.2.44", 5000, NULL);
        stun_reply(f, resp, len, &from);
        for (int i = 0; i < 100 && f->addresses == 0; i++)
                pump(f, 10 * 1000);
        assert_int_equal(f->addresses, 1);
        assert_string_equal(f->address, "192.0.2.44:5000");
        assert_true(f->nat);
}

static void test_stun_parse(void **state)
{
        uint8_t tid[16], msg[STUN_MESSAGE_MAX];
        struct stun_binding_result r;
        char text[64];
        size_t off = 20;

        for (int i = 0; i < 16; i++)
                tid[i] = (uint8_t)(0xA0 + i);

        /* an IPv6 XOR-MAPPED-ADDRESS uses the transaction id */
        memset(msg, 0, sizeof(msg));
        put16(msg, 0x0101);
        memcpy(msg + 4, tid, 16);
        put16(msg + off, 0x0020);
        put16(msg + off + 2, 20);
        msg[off + 5] = 0x02;
        put16(msg + off + 6, 7547 ^ 0x2112);
        assert_int_equal(inet_pton(AF_INET6, "2001:db8::5", msg + off + 8), 1);
        for (int i = 0; i < 16; i++)
                msg[off + 8 + i] ^= tid[i];
        off += 24;
        put16(msg + 2, (uint16_t)(off - 20));
        assert_true(stun_is_message(msg, off));
        assert_int_equal(stun_parse_binding_response(msg, off, tid, NULL, &r), 0);
        assert_int_equal(stun_format_address(&r.mapped, text, sizeof(text)), 0);
        assert_string_equal(text, "[2001:db8::5]:7547");

        tid[15] ^= 1;
        assert_int_equal(stun_parse_binding_response(msg, off, tid, NULL, &r), -ESRCH);
        tid[15] ^= 1;
        assert_int_equal(stun_parse_binding_response(msg, off - 4, tid, NULL, &r), -EBADMSG);

        /* an error response */
        off = 20;
        put16(msg, 0x0111);
        put16(msg + off, 0x0009);
        put16(msg + off + 2, 4);
        msg[off + 6] = 4;
        msg[off + 7] = 1;
        off += 8;
        put16(msg + 2, (uint16_t)(off - 20));
        assert_int_equal(stun_parse_binding_response(msg, off, tid, NULL, &r), -EPROTO);
        assert_int_equal(r.error_code, 401);

        /* the request builder pads USERNAME to 4 bytes, with blanks */
        assert_int_equal(stun_build_binding_request(tid, "abcde", "pw", true, msg),
                         20 + 12 + 24 + 4 + 24);
        assert_memory_equal(msg + 24, "abcde   ", 8);
        assert_false(stun_is_message((const uint8_t *)"GET http://x HTTP/1.1\r\n\r\n", 25));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_http_parse),
                cmocka_unit_test_setup_teardown(test_http_challenge, setup_http, teardown),
                cmocka_unit_test_setup_teardown(test_http_good_digest, setup_http, teardown),
                cmocka_unit_test_setup_teardown(test_http_wrong_credentials, setup_http, teardown),
                cmocka_unit_test_setup_teardown(test_http_replayed_nonce_count, setup_http,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_http_unknown_nonce_is_stale, setup_http,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_http_refusals, setup_http, teardown),
                cmocka_unit_test_setup_teardown(test_http_throttling, setup_throttled, teardown),
                cmocka_unit_test_setup_teardown(test_http_no_username_no_authentication, setup_http,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_http_clients_at_once, setup_http, teardown),
                cmocka_unit_test(test_udp_parse),
                cmocka_unit_test(test_udp_verify),
                cmocka_unit_test_setup_teardown(test_udp_requests, setup_udp, teardown),
                cmocka_unit_test(test_stun_parse),
                cmocka_unit_test_setup_teardown(test_stun_binding, setup_stun, teardown),
                cmocka_unit_test_setup_teardown(test_stun_hostname_and_retransmission,
                                                setup_stun_hostname, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
