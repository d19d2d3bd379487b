/* SPDX-License-Identifier: MIT */
/*
 * The HTTP client against a real loopback server (tests/lib/http_test_server.py): plain
 * HTTP, TLS with certificates made here by the openssl command, Basic and Digest
 * authentication, cookies, redirects, keep-alive, timeouts and size limits.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "http-client.h"
#include "util.h"

#define GUARD_USEC (20 * 1000000ULL) /* no wait in these tests lasts longer */

enum listener { PLAIN, TLS, WRONG_HOST, UNTRUSTED, CLIENT_AUTH, N_LISTENERS };
static const char *const listener_names[N_LISTENERS] = {"plain", "tls", "wronghost", "untrusted",
                                                        "clientauth"};

/* Files made in the certificate directory. */
#define CA_CERT     "ca.pem"
#define SERVER_CERT "server.pem"
#define CLIENT_CERT "client.pem"
#define CLIENT_KEY  "client.key"

struct world {
        char dir[64];
        pid_t server;
        FILE *to_server, *from_server;
        int ports[N_LISTENERS];
        sd_event *event;
};

struct result {
        unsigned calls;
        int error;
        long status;
        char *body;
        size_t body_len;
        char *content_type;
        char *effective_url;
        char *error_message;
};

struct test {
        struct world *world;
        struct http_client *client;
        struct http_conn *conn;
        struct result result;
        bool in_request_call; /* set around http_conn_post / http_conn_get */
        bool violated;        /* the callback ran from inside one of them */
};

/* ---- processes and files ---- */

static int run(const char *const argv[])
{
        int status;
        pid_t pid = fork();

        if (pid < 0)
                return -errno;
        if (pid == 0) {
                int null = open("/dev/null", O_WRONLY);
                if (null >= 0) {
                        dup2(null, STDOUT_FILENO);
                        dup2(null, STDERR_FILENO);
                }
                execvp(argv[0], (char *const *)argv);
                _exit(127);
        }
        if (waitpid(pid, &status, 0) < 0)
                return -errno;
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        return remove(path);
}

static void path_in(const struct world *w, const char *name, char *buf, size_t size)
{
        snprintf(buf, size, "%s/%s", w->dir, name);
}

/* A key and a certificate for `cn`, signed by the test CA or, without `ca`, by itself. */
static int make_cert(struct world *w, const char *name, const char *cn, const char *san,
                     const char *usage, bool ca)
{
        char key[128], cert[128], subj[128], ext_san[160], ext_usage[64], ca_cert[128], ca_key[128];

        snprintf(key, sizeof(key), "%s/%s.key", w->dir, name);
        snprintf(cert, sizeof(cert), "%s/%s.pem", w->dir, name);
        snprintf(subj, sizeof(subj), "/CN=%s", cn);
        snprintf(ext_san, sizeof(ext_san), "subjectAltName=%s", san);
        snprintf(ext_usage, sizeof(ext_usage), "extendedKeyUsage=%s", usage);
        path_in(w, CA_CERT, ca_cert, sizeof(ca_cert));
        path_in(w, "ca.key", ca_key, sizeof(ca_key));

        const char *argv[] = {"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                              "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-keyout",
                              key, "-out", cert, "-subj", subj, "-addext", ext_san, "-addext",
                              "basicConstraints=critical,CA:FALSE", "-addext", ext_usage,
                              /* signed by the CA, or self-signed where this list ends */
                              ca ? "-CA" : NULL, ca_cert, "-CAkey", ca_key, NULL};
        return run(argv);
}

static int make_certificates(struct world *w)
{
        char key[128], cert[128];
        int r;

        path_in(w, "ca.key", key, sizeof(key));
        path_in(w, CA_CERT, cert, sizeof(cert));
        const char *ca[] = {"openssl",
                            "req",
                            "-x509",
                            "-newkey",
                            "ec",
                            "-pkeyopt",
                            "ec_paramgen_curve:prime256v1",
                            "-nodes",
                            "-days",
                            "2",
                            "-keyout",
                            key,
                            "-out",
                            cert,
                            "-subj",
                            "/CN=cwmp test CA",
                            "-addext",
                            "basicConstraints=critical,CA:TRUE",
                            "-addext",
                            "keyUsage=critical,keyCertSign,cRLSign",
                            NULL};
        r = run(ca);
        if (r < 0)
                return r;
        r = make_cert(w, "server", "localhost", "DNS:localhost,IP:127.0.0.1", "serverAuth", true);
        if (r >= 0)
                r = make_cert(w, "wronghost", "wrong.example", "DNS:wrong.example", "serverAuth",
                              true);
        if (r >= 0)
                r = make_cert(w, "untrusted", "localhost", "DNS:localhost,IP:127.0.0.1",
                              "serverAuth", false);
        if (r >= 0)
                r = make_cert(w, "client", "cpe", "DNS:cpe.example", "clientAuth", true);
        return r;
}

/* tests/lib/http_test_server.py, found from tests/data. */
static void server_script(char *buf, size_t size)
{
        const char *data = TEST_DATA_DIR;
        const char *slash = strrchr(data, '/');

        snprintf(buf, size, "%.*s/lib/http_test_server.py", (int)(slash - data), data);
}

static int start_server(struct world *w)
{
        char cert[N_LISTENERS][128], key[N_LISTENERS][128], ca[128], line[256], script[512];
        const char *argv[40];
        int to[2], from[2], n = 0;

        server_script(script, sizeof(script));
        path_in(w, CA_CERT, ca, sizeof(ca));
        argv[n++] = "/usr/bin/python3";
        argv[n++] = script;
        for (int i = 0; i < N_LISTENERS; i++) {
                static const char *const cert_of[N_LISTENERS] = {NULL, "server", "wronghost",
                                                                 "untrusted", "server"};
                argv[n++] = "--listen";
                argv[n++] = listener_names[i];
                if (!cert_of[i])
                        continue;
                snprintf(cert[i], sizeof(cert[i]), "%s/%s.pem", w->dir, cert_of[i]);
                snprintf(key[i], sizeof(key[i]), "%s/%s.key", w->dir, cert_of[i]);
                argv[n++] = "--cert";
                argv[n++] = cert[i];
                argv[n++] = "--key";
                argv[n++] = key[i];
                if (i == CLIENT_AUTH) {
                        argv[n++] = "--client-ca";
                        argv[n++] = ca;
                }
        }
        argv[n] = NULL;

        if (pipe2(to, O_CLOEXEC) < 0 || pipe2(from, O_CLOEXEC) < 0)
                return -errno;
        w->server = fork();
        if (w->server < 0)
                return -errno;
        if (w->server == 0) {
                (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
                dup2(to[0], STDIN_FILENO);
                dup2(from[1], STDOUT_FILENO);
                execv(argv[0], (char *const *)argv);
                _exit(127);
        }
        close(to[0]);
        close(from[1]);
        w->to_server = fdopen(to[1], "w");
        w->from_server = fdopen(from[0], "r");
        if (!w->to_server || !w->from_server)
                return -errno;

        while (fgets(line, sizeof(line), w->from_server)) {
                char name[32];
                int port;

                if (startswith(line, "ready"))
                        return 0;
                if (sscanf(line, "listen %31s %d", name, &port) != 2)
                        return -EIO;
                for (int i = 0; i < N_LISTENERS; i++)
                        if (streq(name, listener_names[i]))
                                w->ports[i] = port;
        }
        return -EIO;
}

struct stats {
        unsigned connections, open, requests;
};

static struct stats server_stats(struct world *w)
{
        struct stats s = {};
        char line[128];

        assert_true(fputs("stats\n", w->to_server) >= 0);
        assert_int_equal(fflush(w->to_server), 0);
        assert_non_null(fgets(line, sizeof(line), w->from_server));
        assert_int_equal(sscanf(line, "connections=%u open=%u requests=%u", &s.connections, &s.open,
                                &s.requests),
                         3);
        return s;
}

static void server_reset(struct world *w)
{
        char line[32];

        assert_true(fputs("reset\n", w->to_server) >= 0);
        assert_int_equal(fflush(w->to_server), 0);
        assert_non_null(fgets(line, sizeof(line), w->from_server));
        assert_string_equal(line, "ok\n");
}

static int group_setup(void **state)
{
        struct world *w = calloc(1, sizeof(*w));

        if (!w)
                return -1;
        *state = w;
        /* Loopback only: no proxy from the environment. */
        unsetenv("http_proxy");
        unsetenv("https_proxy");
        unsetenv("HTTPS_PROXY");
        unsetenv("all_proxy");
        unsetenv("ALL_PROXY");
        signal(SIGPIPE, SIG_IGN);

        strcpy(w->dir, "/tmp/test-http-XXXXXX");
        if (!mkdtemp(w->dir)) {
                w->dir[0] = '\0';
                return -1;
        }
        if (make_certificates(w) < 0) {
                fprintf(stderr, "cannot make the test certificates with openssl\n");
                return -1;
        }
        if (start_server(w) < 0) {
                fprintf(stderr, "cannot start the test server\n");
                return -1;
        }
        return sd_event_new(&w->event) < 0 ? -1 : 0;
}

static int group_teardown(void **state)
{
        struct world *w = *state;

        if (!w)
                return 0;
        if (w->to_server)
                fclose(w->to_server); /* EOF: the server exits */
        if (w->from_server)
                fclose(w->from_server);
        if (w->server > 0) {
                kill(w->server, SIGTERM);
                waitpid(w->server, NULL, 0);
        }
        if (w->dir[0])
                nftw(w->dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
        sd_event_unref(w->event);
        free(w);
        return 0;
}

static int setup(void **state)
{
        struct test *t = calloc(1, sizeof(*t));

        if (!t)
                return -1;
        t->world = *state;
        server_reset(t->world);
        if (http_client_new(t->world->event, &t->client) < 0) {
                free(t);
                return -1;
        }
        *state = t;
        return 0;
}

static void result_clear(struct result *r)
{
        free(r->body);
        free(r->content_type);
        free(r->effective_url);
        free(r->error_message);
        *r = (struct result){};
}

static int teardown(void **state)
{
        struct test *t = *state;

        http_conn_free(t->conn);
        http_client_free(t->client);
        result_clear(&t->result);
        *state = t->world;
        free(t);
        return 0;
}

/* ---- driving requests ---- */

static char *strdup_or_null(const char *s)
{
        return s ? strdup(s) : NULL;
}

static void on_done(struct http_conn *conn, const struct http_response *response, void *userdata)
{
        struct test *t = userdata;
        struct result *r = &t->result;

        if (t->in_request_call)
                t->violated = true;
        assert_ptr_equal(conn, t->conn);
        assert_non_null(response->body);
        assert_int_equal(response->body[response->body_len], '\0');
        result_clear(r);
        r->calls = 1;
        r->error = response->error;
        r->status = response->status;
        r->body = malloc(response->body_len + 1);
        assert_non_null(r->body);
        memcpy(r->body, response->body, response->body_len + 1);
        r->body_len = response->body_len;
        r->content_type = strdup_or_null(response->content_type);
        r->effective_url = strdup_or_null(response->effective_url);
        r->error_message = strdup_or_null(response->error_message);
        if (response->error != 0)
                assert_non_null(response->error_message);
}

static uint64_t now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

/* Runs the loop until the callback ran (or the guard expires). */
static void wait_done(struct test *t)
{
        uint64_t deadline = now_usec() + GUARD_USEC;

        while (t->result.calls == 0 && now_usec() < deadline)
                assert_true(sd_event_run(t->world->event, 100000) >= 0);
        assert_int_equal(t->result.calls, 1);
        assert_false(t->violated);
}

static void run_loop_for(struct test *t, uint64_t usec)
{
        uint64_t deadline = now_usec() + usec;

        for (uint64_t now = now_usec(); now < deadline; now = now_usec())
                assert_true(sd_event_run(t->world->event, deadline - now) >= 0);
}

static void url_of(const struct test *t, enum listener l, const char *path, char *buf, size_t size)
{
        snprintf(buf, size, "%s://127.0.0.1:%d%s", l == PLAIN ? "http" : "https",
                 t->world->ports[l], path);
}

static void close_conn(struct test *t)
{
        http_conn_free(t->conn);
        t->conn = NULL;
}

static void open_conn(struct test *t, struct http_conn_options *o)
{
        assert_int_equal(http_conn_new(t->client, o, &t->conn), 0);
}

static void open_url(struct test *t, enum listener l, const char *path)
{
        char url[256];

        url_of(t, l, path, url, sizeof(url));
        open_conn(t, &(struct http_conn_options){.url = url});
}

static int post(struct test *t, const char *body, size_t len, const char *const *headers)
{
        int r;

        t->result.calls = 0;
        t->in_request_call = true;
        r = http_conn_post(t->conn, body, len, headers, on_done, t);
        t->in_request_call = false;
        return r;
}

/* POSTs and waits for the answer. */
static void post_and_wait(struct test *t, const char *body)
{
        assert_int_equal(post(t, body, body ? strlen(body) : 0, NULL), 0);
        wait_done(t);
}

static void assert_echo(const struct result *r, const char *method, const char *body)
{
        char expect[128];

        assert_int_equal(r->error, 0);
        assert_int_equal(r->status, 200);
        snprintf(expect, sizeof(expect), "method=%s\n", method);
        assert_true(startswith(r->body, expect));
        snprintf(expect, sizeof(expect), "\nlength=%zu\n\n", strlen(body));
        assert_non_null(strstr(r->body, expect));
        assert_string_equal(strstr(r->body, "\n\n") + 2, body);
}

/* The "conn=N" the server numbered the request's TCP connection with. */
static int conn_id(const struct result *r)
{
        const char *s = strstr(r->body, "\nconn=");

        assert_non_null(s);
        return atoi(s + 6);
}

/* ---- plain HTTP ---- */

static void test_post_round_trip(void **state)
{
        struct test *t = *state;
        const char *body = "<soap:Envelope>hello</soap:Envelope>";
        const char *headers[] = {"SOAPAction: \"urn:test\"", "Content-Type: text/xml", NULL};
        char url[256];

        url_of(t, PLAIN, "/echo", url, sizeof(url));
        open_url(t, PLAIN, "/echo");
        assert_int_equal(post(t, body, strlen(body), headers), 0);
        assert_int_equal(t->result.calls, 0); /* not from inside the call */
        wait_done(t);

        assert_echo(&t->result, "POST", body);
        assert_non_null(strstr(t->result.body, "\nsoapaction=\"urn:test\"\n"));
        assert_int_equal(t->result.body_len, strlen(t->result.body));
        assert_string_equal(t->result.content_type, "text/plain");
        assert_string_equal(t->result.effective_url, url);
        assert_null(t->result.error_message);
}

static void test_empty_post(void **state)
{
        struct test *t = *state;

        open_url(t, PLAIN, "/echo");
        post_and_wait(t, NULL);
        assert_echo(&t->result, "POST", "");

        /* A zero length with a non-NULL body is empty too. */
        assert_int_equal(post(t, "ignored", 0, NULL), 0);
        wait_done(t);
        assert_echo(&t->result, "POST", "");
}

static void test_get(void **state)
{
        struct test *t = *state;

        open_url(t, PLAIN, "/echo");
        post_and_wait(t, "first a POST");
        assert_echo(&t->result, "POST", "first a POST");

        t->result.calls = 0;
        assert_int_equal(http_conn_get(t->conn, NULL, on_done, t), 0);
        assert_int_equal(t->result.calls, 0);
        wait_done(t);
        assert_echo(&t->result, "GET", "");

        /* and back to POST on the same handle */
        post_and_wait(t, "again");
        assert_echo(&t->result, "POST", "again");
}

static void test_keep_alive_and_cookie(void **state)
{
        struct test *t = *state;
        struct stats s;

        open_url(t, PLAIN, "/session");
        post_and_wait(t, "one");
        assert_int_equal(t->result.status, 200);
        assert_string_equal(t->result.body, "new");

        post_and_wait(t, "two");
        assert_int_equal(t->result.status, 200);
        assert_string_equal(t->result.body, "known"); /* the cookie came back */

        s = server_stats(t->world);
        assert_int_equal(s.requests, 2);
        assert_int_equal(s.connections, 1);
        assert_int_equal(s.open, 1);

        /* Cookies belong to the connection: a new one starts without. */
        close_conn(t);
        open_url(t, PLAIN, "/session");
        post_and_wait(t, "three");
        assert_string_equal(t->result.body, "new");
}

static void test_same_tcp_connection(void **state)
{
        struct test *t = *state;
        int first;

        open_url(t, PLAIN, "/echo");
        post_and_wait(t, "a");
        first = conn_id(&t->result);
        post_and_wait(t, "b");
        assert_int_equal(conn_id(&t->result), first);
        assert_int_equal(server_stats(t->world).connections, 1);
}

/* Waits until the server counts `open` live connections; the earlier tests' connections
 * may take a moment to be seen closed. */
static void wait_open(struct test *t, unsigned open)
{
        uint64_t deadline = now_usec() + 5000000;

        while (server_stats(t->world).open != open && now_usec() < deadline)
                usleep(20000);
        assert_int_equal(server_stats(t->world).open, open);
}

/* Freeing a connection closes its socket rather than leaving it in a pool. */
static void test_free_closes_socket(void **state)
{
        struct test *t = *state;

        wait_open(t, 0);
        open_url(t, PLAIN, "/echo");
        post_and_wait(t, "a");
        assert_int_equal(server_stats(t->world).open, 1);
        close_conn(t);
        wait_open(t, 0);
}

static void test_busy(void **state)
{
        struct test *t = *state;

        open_url(t, PLAIN, "/echo");
        assert_int_equal(post(t, "a", 1, NULL), 0);
        assert_int_equal(post(t, "b", 1, NULL), -EBUSY);
        assert_int_equal(http_conn_get(t->conn, NULL, on_done, t), -EBUSY);
        wait_done(t);
        assert_echo(&t->result, "POST", "a");
        assert_int_equal(server_stats(t->world).requests, 1);
}

static void test_invalid_arguments(void **state)
{
        struct test *t = *state;
        struct http_conn *conn = NULL;
        const char *crlf[] = {"X-Test: a\r\nX-Injected: b", NULL};
        const char *no_colon[] = {"garbage", NULL};

        assert_int_equal(http_conn_new(t->client, &(struct http_conn_options){}, &conn), -EINVAL);
        assert_int_equal(http_conn_new(t->client,
                                       &(struct http_conn_options){.url = "ftp://127.0.0.1/x"},
                                       &conn),
                         -EPROTONOSUPPORT);
        assert_int_equal(
                http_conn_new(t->client, &(struct http_conn_options){.url = "http://"}, &conn),
                -EINVAL);
        assert_null(conn);

        open_url(t, PLAIN, "/echo");
        assert_int_equal(post(t, "a", 1, crlf), -EINVAL);
        assert_int_equal(post(t, "a", 1, no_colon), -EINVAL);
        assert_int_equal(post(t, NULL, 5, NULL), -EINVAL);
        assert_int_equal(http_conn_post(t->conn, "a", 1, NULL, NULL, NULL), -EINVAL);
        run_loop_for(t, 100000);
        assert_int_equal(t->result.calls, 0);
        assert_int_equal(server_stats(t->world).requests, 0);
}

static void test_server_error(void **state)
{
        struct test *t = *state;

        open_url(t, PLAIN, "/status?code=500");
        post_and_wait(t, "x");
        assert_int_equal(t->result.error, 0); /* an answer, not a failure */
        assert_int_equal(t->result.status, 500);
        assert_string_equal(t->result.body, "status 500");
}

/* ---- authentication ---- */

static void open_auth(struct test *t, const char *path, const char *password)
{
        char url[256];

        url_of(t, PLAIN, path, url, sizeof(url));
        open_conn(t,
                  &(struct http_conn_options){.url = url, .username = "cpe", .password = password});
}

static void test_basic_auth(void **state)
{
        struct test *t = *state;

        open_auth(t, "/basic", "secret");
        post_and_wait(t, "<basic/>");
        assert_echo(&t->result, "POST", "<basic/>");
        post_and_wait(t, "<again/>");
        assert_echo(&t->result, "POST", "<again/>");

        close_conn(t);
        open_auth(t, "/basic", "wrong");
        post_and_wait(t, "<basic/>");
        assert_int_equal(t->result.error, 0);
        assert_int_equal(t->result.status, 401);

        /* No credentials at all */
        close_conn(t);
        open_url(t, PLAIN, "/basic");
        post_and_wait(t, "<basic/>");
        assert_int_equal(t->result.status, 401);
}

static void test_digest_auth(void **state)
{
        struct test *t = *state;

        open_auth(t, "/digest", "secret");
        post_and_wait(t, "<digest/>");
        assert_echo(&t->result, "POST", "<digest/>");
        /* The Digest state carries over to the next request on the connection. */
        post_and_wait(t, "<second/>");
        assert_echo(&t->result, "POST", "<second/>");
        post_and_wait(t, NULL);
        assert_echo(&t->result, "POST", "");

        close_conn(t);
        open_auth(t, "/digest", "wrong");
        post_and_wait(t, "<digest/>");
        assert_int_equal(t->result.error, 0);
        assert_int_equal(t->result.status, 401);
}

/* ---- redirects ---- */

static void open_redirect(struct test *t, const char *path, bool follow)
{
        char url[256];

        url_of(t, PLAIN, path, url, sizeof(url));
        open_conn(t, &(struct http_conn_options){.url = url, .follow_redirects = follow});
}

static void test_redirect_keeps_post(void **state)
{
        struct test *t = *state;
        static const char *const codes[] = {"307", "308", "302", "301"};
        char path[64], echo_url[256];

        url_of(t, PLAIN, "/echo", echo_url, sizeof(echo_url));
        for (size_t i = 0; i < ELEMENTSOF(codes); i++) {
                snprintf(path, sizeof(path), "/redirect?code=%s&to=/echo", codes[i]);
                open_redirect(t, path, true);
                post_and_wait(t, "<moved/>");
                assert_echo(&t->result, "POST", "<moved/>");
                assert_string_equal(t->result.effective_url, echo_url);
                close_conn(t);
        }
}

static void test_redirect_not_followed(void **state)
{
        struct test *t = *state;
        char url[256];

        url_of(t, PLAIN, "/redirect?code=307&to=/echo", url, sizeof(url));
        open_redirect(t, "/redirect?code=307&to=/echo", false);
        post_and_wait(t, "<stay/>");
        assert_int_equal(t->result.error, 0);
        assert_int_equal(t->result.status, 307);
        assert_string_equal(t->result.effective_url, url);
}

static void test_redirect_loop(void **state)
{
        struct test *t = *state;

        open_redirect(t, "/loop", true);
        post_and_wait(t, "x");
        assert_int_equal(t->result.error, -ELOOP);
        assert_int_equal(server_stats(t->world).requests, 6); /* the first and 5 more */
}

/* ---- failures ---- */

static void test_timeout(void **state)
{
        struct test *t = *state;
        char url[256];
        uint64_t start;

        url_of(t, PLAIN, "/slow?ms=3000", url, sizeof(url));
        open_conn(t, &(struct http_conn_options){.url = url, .timeout_ms = 300});
        start = now_usec();
        post_and_wait(t, "x");
        assert_int_equal(t->result.error, -ETIMEDOUT);
        assert_non_null(t->result.error_message);
        assert_string_equal(t->result.body, "");
        assert_int_equal(t->result.body_len, 0);
        /* curl's timer is honoured closely, not rounded to sd-event's default accuracy */
        assert_true(now_usec() - start >= 290000);
        assert_true(now_usec() - start < 1500000);
}

static void test_connection_refused(void **state)
{
        struct test *t = *state;
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof(sa);
        char url[128];
        _cleanup_close_ int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

        /* A bound port that does not listen: nobody can take it meanwhile. */
        assert_true(fd >= 0);
        assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
        snprintf(url, sizeof(url), "http://127.0.0.1:%d/", ntohs(sa.sin_port));

        open_conn(t, &(struct http_conn_options){.url = url});
        post_and_wait(t, "x");
        assert_int_equal(t->result.error, -ECONNREFUSED);
        assert_int_equal(t->result.status, 0);
        assert_non_null(t->result.error_message);
}

static void test_body_too_large(void **state)
{
        struct test *t = *state;
        static const char *const paths[] = {"/huge?size=5000", "/huge?size=5000&chunked=1",
                                            "/huge?size=3000000&chunked=1"};
        char url[256];

        for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                url_of(t, PLAIN, paths[i], url, sizeof(url));
                open_conn(t, &(struct http_conn_options){.url = url, .max_response_size = 1000});
                post_and_wait(t, "x");
                assert_int_equal(t->result.error, -EFBIG);
                assert_int_equal(t->result.body_len, 0);
                close_conn(t);
        }

        /* Exactly the limit is fine. */
        url_of(t, PLAIN, "/huge?size=1000&chunked=1", url, sizeof(url));
        open_conn(t, &(struct http_conn_options){.url = url, .max_response_size = 1000});
        post_and_wait(t, "x");
        assert_int_equal(t->result.error, 0);
        assert_int_equal(t->result.body_len, 1000);
        assert_string_equal(t->result.content_type, "application/octet-stream");

        /* The default limit is 4 MiB. */
        close_conn(t);
        url_of(t, PLAIN, "/huge?size=4194305&chunked=1", url, sizeof(url));
        open_conn(t, &(struct http_conn_options){.url = url});
        post_and_wait(t, "x");
        assert_int_equal(t->result.error, -EFBIG);
}

/* ---- TLS ---- */

static void open_tls(struct test *t, enum listener l, bool with_ca)
{
        char url[256], ca[128];

        url_of(t, l, "/echo", url, sizeof(url));
        path_in(t->world, CA_CERT, ca, sizeof(ca));
        open_conn(t, &(struct http_conn_options){.url = url, .ca_file = with_ca ? ca : NULL});
}

static void test_tls(void **state)
{
        struct test *t = *state;

        open_tls(t, TLS, true);
        post_and_wait(t, "<secret/>");
        assert_echo(&t->result, "POST", "<secret/>");
        post_and_wait(t, "<more/>");
        assert_echo(&t->result, "POST", "<more/>");
        assert_int_equal(server_stats(t->world).connections, 1);
}

static void test_tls_wrong_host(void **state)
{
        struct test *t = *state;

        open_tls(t, WRONG_HOST, true);
        post_and_wait(t, "<secret/>");
        assert_int_equal(t->result.error, -EACCES);
        assert_int_equal(t->result.status, 0);
        assert_int_equal(server_stats(t->world).requests, 0);
}

static void test_tls_untrusted(void **state)
{
        struct test *t = *state;
        char url[256];

        open_tls(t, UNTRUSTED, true);
        post_and_wait(t, "<secret/>");
        assert_int_equal(t->result.error, -EACCES);

        /* Our test CA is not in the system's trust store either. */
        close_conn(t);
        open_tls(t, TLS, false);
        post_and_wait(t, "<secret/>");
        assert_int_equal(t->result.error, -EACCES);
        assert_int_equal(server_stats(t->world).requests, 0);

        /* Unless told to skip the verification. */
        close_conn(t);
        url_of(t, UNTRUSTED, "/echo", url, sizeof(url));
        open_conn(t, &(struct http_conn_options){.url = url, .insecure = true});
        post_and_wait(t, "<trusting/>");
        assert_echo(&t->result, "POST", "<trusting/>");
}

static void test_tls_client_certificate(void **state)
{
        struct test *t = *state;
        char url[256], ca[128], cert[128], key[128];

        url_of(t, CLIENT_AUTH, "/echo", url, sizeof(url));
        path_in(t->world, CA_CERT, ca, sizeof(ca));
        path_in(t->world, CLIENT_CERT, cert, sizeof(cert));
        path_in(t->world, CLIENT_KEY, key, sizeof(key));

        open_conn(t, &(struct http_conn_options){
                             .url = url, .ca_file = ca, .client_cert = cert, .client_key = key});
        post_and_wait(t, "<me/>");
        assert_echo(&t->result, "POST", "<me/>");

        close_conn(t);
        open_conn(t, &(struct http_conn_options){.url = url, .ca_file = ca});
        post_and_wait(t, "<me/>");
        assert_true(t->result.error < 0);
        assert_int_equal(t->result.status, 0);
}

/* ---- lifetimes ---- */

static void test_free_in_flight(void **state)
{
        struct test *t = *state;

        wait_open(t, 0);
        open_url(t, PLAIN, "/slow?ms=400");
        assert_int_equal(post(t, "x", 1, NULL), 0);
        run_loop_for(t, 100000); /* the request is on the wire */
        assert_int_equal(server_stats(t->world).requests, 1);
        close_conn(t);
        run_loop_for(t, 700000);
        assert_int_equal(t->result.calls, 0);
        wait_open(t, 0);
}

static void test_free_before_start(void **state)
{
        struct test *t = *state;

        /* Freed before the loop ever ran: curl had not even connected. */
        open_url(t, PLAIN, "/echo");
        assert_int_equal(post(t, "x", 1, NULL), 0);
        close_conn(t);
        run_loop_for(t, 200000);
        assert_int_equal(t->result.calls, 0);
}

/* A callback that frees its connection, as a session ending does. */
static void on_done_free(struct http_conn *conn, const struct http_response *response,
                         void *userdata)
{
        struct test *t = userdata;

        on_done(conn, response, userdata);
        http_conn_free(conn);
        t->conn = NULL;
}

static void test_free_from_callback(void **state)
{
        struct test *t = *state;

        open_url(t, PLAIN, "/echo");
        assert_int_equal(http_conn_post(t->conn, "bye", 3, NULL, on_done_free, t), 0);
        wait_done(t);
        assert_null(t->conn);
        assert_echo(&t->result, "POST", "bye");
}

/* A callback that sends the next request at once, as a CWMP session does. */
struct chain {
        struct test *t;
        unsigned left;
        int conn_ids[3];
};

static void on_done_chain(struct http_conn *conn, const struct http_response *response,
                          void *userdata)
{
        struct chain *c = userdata;

        on_done(conn, response, c->t);
        assert_int_equal(response->error, 0);
        c->conn_ids[c->left - 1] = conn_id(&c->t->result);
        if (--c->left == 0)
                return;
        c->t->result.calls = 0;
        c->t->in_request_call = true;
        assert_int_equal(http_conn_post(conn, "next", 4, NULL, on_done_chain, c), 0);
        c->t->in_request_call = false;
}

static void test_post_from_callback(void **state)
{
        struct test *t = *state;
        struct chain c = {.t = t, .left = 3};

        open_url(t, PLAIN, "/echo");
        assert_int_equal(http_conn_post(t->conn, "first", 5, NULL, on_done_chain, &c), 0);
        while (c.left > 0) {
                t->result.calls = 0;
                wait_done(t);
        }
        assert_echo(&t->result, "POST", "next");
        assert_int_equal(c.conn_ids[0], c.conn_ids[2]);
        assert_int_equal(c.conn_ids[1], c.conn_ids[2]);
}

/* Two connections at once on one client, each with its own TCP connection. */
static void on_done_pair(struct http_conn *conn, const struct http_response *response,
                         void *userdata)
{
        struct result *r = userdata;

        assert_int_equal(response->error, 0);
        r->calls++;
        r->status = response->status;
        r->body = strdup(response->body);
}

static void test_parallel_connections(void **state)
{
        struct test *t = *state;
        struct http_conn *a = NULL, *b = NULL;
        struct result ra = {}, rb = {};
        char url[256];
        uint64_t deadline = now_usec() + GUARD_USEC;

        url_of(t, PLAIN, "/slow?ms=300", url, sizeof(url));
        assert_int_equal(http_conn_new(t->client, &(struct http_conn_options){.url = url}, &a), 0);
        assert_int_equal(http_conn_new(t->client, &(struct http_conn_options){.url = url}, &b), 0);
        assert_int_equal(http_conn_post(a, "a", 1, NULL, on_done_pair, &ra), 0);
        assert_int_equal(http_conn_post(b, "b", 1, NULL, on_done_pair, &rb), 0);
        while ((ra.calls == 0 || rb.calls == 0) && now_usec() < deadline)
                assert_true(sd_event_run(t->world->event, 100000) >= 0);
        /* Both ran at the same time: well under twice the delay. */
        assert_true(now_usec() + GUARD_USEC - deadline < 550000);
        assert_int_equal(ra.calls, 1);
        assert_int_equal(rb.calls, 1);
        assert_string_equal(strstr(ra.body, "\n\n") + 2, "a");
        assert_string_equal(strstr(rb.body, "\n\n") + 2, "b");
        assert_int_equal(server_stats(t->world).connections, 2);
        free(ra.body);
        free(rb.body);
        http_conn_free(a);
        http_conn_free(b);
}

/* The client may go first: its connections keep what they need. */
static void test_client_freed_first(void **state)
{
        struct test *t = *state;

        open_url(t, PLAIN, "/echo");
        http_client_free(t->client);
        t->client = NULL;
        post_and_wait(t, "still here");
        assert_echo(&t->result, "POST", "still here");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_post_round_trip, setup, teardown),
                cmocka_unit_test_setup_teardown(test_empty_post, setup, teardown),
                cmocka_unit_test_setup_teardown(test_get, setup, teardown),
                cmocka_unit_test_setup_teardown(test_keep_alive_and_cookie, setup, teardown),
                cmocka_unit_test_setup_teardown(test_same_tcp_connection, setup, teardown),
                cmocka_unit_test_setup_teardown(test_free_closes_socket, setup, teardown),
                cmocka_unit_test_setup_teardown(test_busy, setup, teardown),
                cmocka_unit_test_setup_teardown(test_invalid_arguments, setup, teardown),
                cmocka_unit_test_setup_teardown(test_server_error, setup, teardown),
                cmocka_unit_test_setup_teardown(test_basic_auth, setup, teardown),
                cmocka_unit_test_setup_teardown(test_digest_auth, setup, teardown),
                cmocka_unit_test_setup_teardown(test_redirect_keeps_post, setup, teardown),
                cmocka_unit_test_setup_teardown(test_redirect_not_followed, setup, teardown),
                cmocka_unit_test_setup_teardown(test_redirect_loop, setup, teardown),
                cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
                cmocka_unit_test_setup_teardown(test_connection_refused, setup, teardown),
                cmocka_unit_test_setup_teardown(test_body_too_large, setup, teardown),
                cmocka_unit_test_setup_teardown(test_tls, setup, teardown),
                cmocka_unit_test_setup_teardown(test_tls_wrong_host, setup, teardown),
                cmocka_unit_test_setup_teardown(test_tls_untrusted, setup, teardown),
                cmocka_unit_test_setup_teardown(test_tls_client_certificate, setup, teardown),
                cmocka_unit_test_setup_teardown(test_free_in_flight, setup, teardown),
                cmocka_unit_test_setup_teardown(test_free_before_start, setup, teardown),
                cmocka_unit_test_setup_teardown(test_free_from_callback, setup, teardown),
                cmocka_unit_test_setup_teardown(test_post_from_callback, setup, teardown),
                cmocka_unit_test_setup_teardown(test_parallel_connections, setup, teardown),
                cmocka_unit_test_setup_teardown(test_client_freed_first, setup, teardown),
        };

        return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
