/* SPDX-License-Identifier: MIT */
/*
 * bench-acs: a minimal ACS that times cwmpd on loopback.
 *
 * It is not a test ACS: it checks nothing beyond what it needs to go on (no schema
 * validation, no XML parser: the few fields it needs are found by plain string search),
 * so that the figures are cwmpd's and not the ACS's. One thread, blocking sockets,
 * TCP_NODELAY, each HTTP message sent with one write.
 *
 *   bench-acs --address BUS [--iterations N] [--cr-iterations N] [--gpv-iterations N]
 *             [--warmup N] [--gpv-path PATH] [--cr-user U --cr-password P] [--timeout S]
 *             [--port N] [--no-first-session]
 *
 * It listens on 127.0.0.1 (--port, or any free port), prints
 * "url=http://127.0.0.1:PORT/acs" and then, in this order:
 *   1. serves cwmpd's first session (InformResponse, 204) and reads cwmpd's VmRSS (with
 *      --no-first-session it does not wait for one: cwmpd already runs, idle);
 *   2. sets Device.ManagementServer.ConnectionRequestUsername/Password through dmd if
 *      --cr-user is given (empty otherwise: connection requests without Digest);
 *   3. minimal sessions: calls io.cwmp.Agent1.Inform(), serves InformResponse and, after
 *      the empty POST, 204; waits for the SessionEnded signal;
 *   4. connection requests: sends the HTTP connection request (GET, and after the 401 the
 *      GET with Digest credentials), then serves the session it causes;
 *   5. GetParameterValues sessions: Inform(), InformResponse, then after the empty POST a
 *      GetParameterValues of --gpv-path, then 204; reads cwmpd's VmHWM at the end.
 *
 * Output, one "key=value ..." line per figure, times in milliseconds:
 *   measure=NAME n=N min=X median=X p90=X max=X
 *   value=NAME v=N
 */
#include <arpa/inet.h>
#include <dbus/dbus.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#include "bench-common.h"
#include "util.h"

#define AGENT_NAME  "io.cwmp.Agent"
#define AGENT_PATH  "/io/cwmp/Agent"
#define AGENT_IFACE "io.cwmp.Agent1"
#define DM_NAME     "io.cwmp.DataModel"
#define DM_PATH     "/io/cwmp/DataModel"
#define DM_IFACE    "io.cwmp.DataModel1"

#define HEAD_MAX        (64 * 1024)
#define BODY_MAX        (256 * 1024 * 1024)
#define CR_URL_NAME     "Device.ManagementServer.ConnectionRequestURL"
#define CWMP_NS_DEFAULT "urn:dslforum-org:cwmp-1-2"

struct options {
        const char *address;
        unsigned iterations; /* minimal sessions */
        unsigned cr_iterations;
        unsigned gpv_iterations;
        unsigned warmup;
        const char *gpv_path;
        const char *cr_user;
        const char *cr_password;
        unsigned timeout_s;
        unsigned port;
        bool no_first_session;
};

/* One HTTP message as read from a socket; the buffer is kept across messages. */
struct http_msg {
        char *buf;
        size_t cap, len;
        size_t head_len; /* including the blank line */
        size_t body_len;
        int status;     /* responses only */
        double t_first; /* when its first byte arrived */
};

struct samples {
        const char *name;
        double *v;
        size_t n, cap;
};

struct bench {
        struct options o;
        DBusConnection *bus;
        int listen_fd;
        uint16_t port;
        char ns[64];
        char cr_url[512];
        unsigned long session_id;
        struct http_msg in;
        char *out; /* outgoing message buffer */
        size_t out_cap;
        /* what the last GetParameterValuesResponse held */
        size_t gpv_count, gpv_bytes;
};

/* What one session should do and what it measured. */
struct session_plan {
        bool gpv;
        double t_accept, t_first, t_204;
        double t_gpv_sent, t_gpv_received;
};

static int fail(int r, const char *format, ...) __attribute__((format(printf, 2, 3)));
static int fail(int r, const char *format, ...)
{
        va_list ap;

        fputs("bench-acs: ", stderr);
        va_start(ap, format);
        vfprintf(stderr, format, ap);
        va_end(ap);
        fputc('\n', stderr);
        return r;
}

/* ---- statistics --------------------------------------------------------------------- */

static int samples_add(struct samples *s, double v)
{
        if (s->n == s->cap) {
                size_t cap = s->cap ? s->cap * 2 : 64;
                double *n = realloc(s->v, cap * sizeof(*n));
                if (!n)
                        return -ENOMEM;
                s->v = n;
                s->cap = cap;
        }
        s->v[s->n++] = v;
        return 0;
}

static void samples_print(struct samples *s)
{
        if (s->n == 0)
                return;
        bench_sort(s->v, s->n);
        double median = s->n % 2 ? s->v[s->n / 2] : (s->v[s->n / 2 - 1] + s->v[s->n / 2]) / 2;
        size_t p90 = (s->n * 9 + 9) / 10 - 1;
        printf("measure=%s n=%zu min=%.3f median=%.3f p90=%.3f max=%.3f\n", s->name, s->n, s->v[0],
               median, s->v[p90 < s->n ? p90 : s->n - 1], s->v[s->n - 1]);
}

static void samples_done(struct samples *s)
{
        free(s->v);
        s->v = NULL;
        s->n = s->cap = 0;
}

/* ---- /proc ---------------------------------------------------------------------------- */

/* A "Field:  N kB" line of /proc/PID/<file>; -1 if missing. */
static long proc_kib(uint32_t pid, const char *file, const char *field)
{
        char path[64], line[256];
        size_t n = strlen(field);
        long v = -1;
        FILE *f;

        snprintf(path, sizeof(path), "/proc/%u/%s", pid, file);
        f = fopen(path, "re");
        if (!f)
                return -errno;
        while (fgets(line, sizeof(line), f))
                if (strncmp(line, field, n) == 0 && line[n] == ':') {
                        v = strtol(line + n + 1, NULL, 10);
                        break;
                }
        fclose(f);
        return v;
}

/* ---- sockets ---------------------------------------------------------------------------- */

static int socket_setup(int fd, unsigned timeout_s)
{
        struct timeval tv = {.tv_sec = timeout_s};
        int one = 1;

        if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0 ||
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
                return -errno;
        return 0;
}

static int listen_loopback(uint16_t port, int *ret_fd, uint16_t *ret_port)
{
        struct sockaddr_in a = {.sin_family = AF_INET,
                                .sin_port = htons(port),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof(a);
        _cleanup_close_ int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int one = 1;

        if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
            bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 16) < 0 ||
            getsockname(fd, (struct sockaddr *)&a, &len) < 0)
                return -errno;
        *ret_port = ntohs(a.sin_port);
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static int accept_one(struct bench *b, int *ret_fd)
{
        struct pollfd p = {.fd = b->listen_fd, .events = POLLIN};
        int r = poll(&p, 1, (int)b->o.timeout_s * 1000);

        if (r < 0)
                return -errno;
        if (r == 0)
                return fail(-ETIMEDOUT, "no connection from cwmpd within %u s", b->o.timeout_s);
        _cleanup_close_ int fd = accept4(b->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
                return -errno;
        r = socket_setup(fd, b->o.timeout_s);
        if (r < 0)
                return r;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static int write_all(int fd, const char *data, size_t len)
{
        while (len > 0) {
                ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                data += n;
                len -= (size_t)n;
        }
        return 0;
}

/* ---- HTTP ---------------------------------------------------------------------------- */

/* The value of header `name` in the head, or NULL; *len is its length. */
static const char *header_value(const struct http_msg *m, const char *name, size_t *len)
{
        size_t n = strlen(name);
        const char *p = memchr(m->buf, '\n', m->head_len);
        const char *end = m->buf + m->head_len;

        while (p && p + 1 < end) {
                const char *line = p + 1, *eol = memchr(line, '\n', (size_t)(end - line));
                if (!eol)
                        break;
                if ((size_t)(eol - line) > n && line[n] == ':' && strncasecmp(line, name, n) == 0) {
                        const char *v = line + n + 1;
                        while (v < eol && (*v == ' ' || *v == '\t'))
                                v++;
                        const char *ve = eol;
                        while (ve > v && (ve[-1] == '\r' || ve[-1] == ' '))
                                ve--;
                        *len = (size_t)(ve - v);
                        return v;
                }
                p = eol;
        }
        return NULL;
}

static int ensure(char **buf, size_t *cap, size_t need)
{
        if (need <= *cap)
                return 0;
        size_t c = *cap ? *cap : 64 * 1024;
        while (c < need)
                c *= 2;
        char *n = realloc(*buf, c);
        if (!n)
                return -ENOMEM;
        *buf = n;
        *cap = c;
        return 0;
}

/* Reads one whole HTTP message (Content-Length framing; cwmpd never sends chunked). */
static int http_read(int fd, struct http_msg *m)
{
        const char *end = NULL;
        bool first = true;
        int r;

        m->len = m->head_len = m->body_len = 0;
        m->status = 0;
        for (;;) {
                r = ensure(&m->buf, &m->cap, m->len + 64 * 1024 + 1);
                if (r < 0)
                        return r;
                size_t want = m->cap - m->len - 1;
                if (m->head_len && m->head_len + m->body_len - m->len < want)
                        want = m->head_len + m->body_len - m->len;
                ssize_t n = recv(fd, m->buf + m->len, want, 0);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (first) {
                        m->t_first = bench_now_ms();
                        first = false;
                }
                if (n == 0)
                        return m->len == 0 ? -ECONNRESET : -EPROTO;
                m->len += (size_t)n;
                m->buf[m->len] = '\0';
                if (!m->head_len) {
                        end = strstr(m->buf, "\r\n\r\n");
                        if (!end) {
                                if (m->len > HEAD_MAX)
                                        return -E2BIG;
                                continue;
                        }
                        m->head_len = (size_t)(end - m->buf) + 4;
                        size_t vlen = 0;
                        const char *v = header_value(m, "Content-Length", &vlen);
                        if (header_value(m, "Transfer-Encoding", &vlen))
                                return fail(-EPROTO, "chunked messages are not supported");
                        m->body_len = v ? strtoul(v, NULL, 10) : 0;
                        if (m->body_len > BODY_MAX)
                                return -E2BIG;
                        if (startswith(m->buf, "HTTP/1."))
                                m->status = atoi(m->buf + 9);
                        r = ensure(&m->buf, &m->cap, m->head_len + m->body_len + 1);
                        if (r < 0)
                                return r;
                }
                if (m->len >= m->head_len + m->body_len) {
                        if (m->len > m->head_len + m->body_len)
                                return fail(-EPROTO, "bytes after the HTTP message");
                        return 0;
                }
        }
}

static const char *body_of(const struct http_msg *m)
{
        return m->buf + m->head_len;
}

/* Sends status line, headers and body with one write. */
static int http_respond(struct bench *b, int fd, const char *status, const char *body)
{
        size_t blen = body ? strlen(body) : 0;
        int n, r;

        r = ensure(&b->out, &b->out_cap, blen + 256);
        if (r < 0)
                return r;
        n = snprintf(b->out, b->out_cap, "HTTP/1.1 %s\r\n%sContent-Length: %zu\r\n\r\n", status,
                     blen ? "Content-Type: text/xml; charset=\"utf-8\"\r\n" : "", blen);
        if (n < 0 || (size_t)n + blen >= b->out_cap)
                return -ENOBUFS;
        if (blen)
                memcpy(b->out + n, body, blen);
        return write_all(fd, b->out, (size_t)n + blen);
}

/* ---- SOAP, by string search ---------------------------------------------------------- */

/* The text of the first element that starts with `open` ("<cwmp:ID"), unescaped only for
 * &amp; (all that cwmpd's IDs and URLs need). */
static int element_text(const char *xml, const char *open, char *out, size_t size)
{
        const char *p = strstr(xml, open), *q;
        size_t o = 0;

        if (!p)
                return -ENOENT;
        p = strchr(p, '>');
        if (!p)
                return -EBADMSG;
        p++;
        q = strchr(p, '<');
        if (!q)
                return -EBADMSG;
        for (; p < q && o + 1 < size; p++) {
                if (startswith(p, "&amp;")) {
                        out[o++] = '&';
                        p += 4;
                } else
                        out[o++] = *p;
        }
        out[o] = '\0';
        return 0;
}

static void envelope(struct bench *b, char *out, size_t size, const char *id, const char *body)
{
        snprintf(out, size,
                 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                 "<soap-env:Envelope xmlns:soap-env=\"http://schemas.xmlsoap.org/soap/envelope/\" "
                 "xmlns:soap-enc=\"http://schemas.xmlsoap.org/soap/encoding/\" "
                 "xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" "
                 "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns:cwmp=\"%s\">"
                 "<soap-env:Header><cwmp:ID soap-env:mustUnderstand=\"1\">%s</cwmp:ID>"
                 "</soap-env:Header><soap-env:Body>%s</soap-env:Body></soap-env:Envelope>",
                 b->ns, id, body);
}

/* Learns the namespace and the connection request URL from an Inform. */
static int read_inform(struct bench *b, const struct http_msg *m, char *id, size_t id_size)
{
        const char *body = body_of(m), *ns, *cr;
        char value[512];
        int r;

        if (!strstr(body, "<cwmp:Inform>"))
                return fail(-EBADMSG, "expected an Inform, got %.200s", body);
        r = element_text(body, "<cwmp:ID", id, id_size);
        if (r < 0)
                return fail(r, "the Inform has no cwmp:ID");
        ns = strstr(body, "urn:dslforum-org:cwmp-1-");
        snprintf(b->ns, sizeof(b->ns), "%.25s", ns ? ns : CWMP_NS_DEFAULT);
        cr = strstr(body, "<Name>" CR_URL_NAME "</Name>");
        if (cr && element_text(cr + strlen("<Name>" CR_URL_NAME "</Name>"), "<Value", value,
                               sizeof(value)) >= 0)
                snprintf(b->cr_url, sizeof(b->cr_url), "%s", value);
        return 0;
}

static size_t count_substrings(const char *s, size_t len, const char *needle)
{
        size_t n = 0, nl = strlen(needle);
        const char *p = s, *end = s + len;

        while ((p = memmem(p, (size_t)(end - p), needle, nl))) {
                n++;
                p += nl;
        }
        return n;
}

/* One whole session on a connection cwmpd opens; the times go into *plan. */
static int serve_session(struct bench *b, struct session_plan *plan)
{
        _cleanup_close_ int fd = -1;
        char id[128], gid[64], path_xml[512];
        size_t small = 2048 + strlen(b->o.gpv_path);
        _cleanup_free_ char *msg = malloc(small);
        int r;

        if (!msg)
                return -ENOMEM;
        r = accept_one(b, &fd);
        if (r < 0)
                return r;
        plan->t_accept = bench_now_ms();

        r = http_read(fd, &b->in);
        if (r < 0)
                return fail(r, "reading the Inform: %s", strerror(-r));
        plan->t_first = b->in.t_first;
        r = read_inform(b, &b->in, id, sizeof(id));
        if (r < 0)
                return r;
        envelope(b, msg, small, id,
                 "<cwmp:InformResponse><MaxEnvelopes>1</MaxEnvelopes></cwmp:InformResponse>");
        r = http_respond(b, fd, "200 OK", msg);
        if (r < 0)
                return fail(r, "sending the InformResponse: %s", strerror(-r));

        r = http_read(fd, &b->in);
        if (r < 0)
                return fail(r, "reading the empty POST: %s", strerror(-r));
        if (b->in.body_len != 0)
                return fail(-EBADMSG, "expected the empty POST, got %.200s", body_of(&b->in));

        if (plan->gpv) {
                snprintf(gid, sizeof(gid), "acs-%lu", ++b->session_id);
                snprintf(path_xml, sizeof(path_xml),
                         "<cwmp:GetParameterValues><ParameterNames "
                         "soap-enc:arrayType=\"xsd:string[1]\"><string>%s</string>"
                         "</ParameterNames></cwmp:GetParameterValues>",
                         b->o.gpv_path);
                envelope(b, msg, small, gid, path_xml);
                plan->t_gpv_sent = bench_now_ms();
                r = http_respond(b, fd, "200 OK", msg);
                if (r < 0)
                        return fail(r, "sending the GetParameterValues: %s", strerror(-r));
                r = http_read(fd, &b->in);
                plan->t_gpv_received = bench_now_ms();
                if (r < 0)
                        return fail(r, "reading the GetParameterValuesResponse: %s", strerror(-r));
                if (!strstr(body_of(&b->in), "<cwmp:GetParameterValuesResponse>"))
                        return fail(-EBADMSG, "expected a GetParameterValuesResponse, got %.300s",
                                    body_of(&b->in));
                b->gpv_count =
                        count_substrings(body_of(&b->in), b->in.body_len, "<ParameterValueStruct>");
                b->gpv_bytes = b->in.body_len;
        }

        r = http_respond(b, fd, "204 No Content", NULL);
        plan->t_204 = bench_now_ms();
        if (r < 0)
                return fail(r, "sending 204: %s", strerror(-r));
        return 0;
}

/* ---- D-Bus --------------------------------------------------------------------------- */

static void message_unrefp(DBusMessage **m)
{
        if (*m)
                dbus_message_unref(*m);
}

static int bus_connect(struct bench *b)
{
        DBusError error;

        dbus_error_init(&error);
        b->bus = dbus_connection_open_private(b->o.address, &error);
        if (b->bus && !dbus_bus_register(b->bus, &error)) {
                dbus_connection_close(b->bus);
                dbus_connection_unref(b->bus);
                b->bus = NULL;
        }
        if (b->bus)
                dbus_bus_add_match(
                        b->bus, "type='signal',interface='" AGENT_IFACE "',member='SessionEnded'",
                        &error);
        if (!b->bus || dbus_error_is_set(&error)) {
                fail(0, "cannot use the bus %s: %s", b->o.address, error.message);
                dbus_error_free(&error);
                return -ECONNREFUSED;
        }
        dbus_connection_set_exit_on_disconnect(b->bus, FALSE);
        return 0;
}

static int bus_call(struct bench *b, DBusMessage *call, DBusMessage **ret)
{
        DBusError error;
        DBusMessage *reply;

        dbus_error_init(&error);
        reply = dbus_connection_send_with_reply_and_block(b->bus, call, (int)b->o.timeout_s * 1000,
                                                          &error);
        if (!reply) {
                fail(0, "%s failed: %s: %s", dbus_message_get_member(call), error.name,
                     error.message);
                dbus_error_free(&error);
                return -EIO;
        }
        *ret = reply;
        return 0;
}

static int pid_of(struct bench *b, const char *name, uint32_t *ret)
{
        _cleanup_(message_unrefp) DBusMessage *call =
                dbus_message_new_method_call("org.freedesktop.DBus", "/org/freedesktop/DBus",
                                             "org.freedesktop.DBus", "GetConnectionUnixProcessID");
        _cleanup_(message_unrefp) DBusMessage *reply = NULL;
        int r;

        if (!call || !dbus_message_append_args(call, DBUS_TYPE_STRING, &name, DBUS_TYPE_INVALID))
                return -ENOMEM;
        r = bus_call(b, call, &reply);
        if (r < 0)
                return r;
        if (!dbus_message_get_args(reply, NULL, DBUS_TYPE_UINT32, ret, DBUS_TYPE_INVALID))
                return -EBADMSG;
        return 0;
}

static int set_cr_credentials(struct bench *b, const char *user, const char *password)
{
        _cleanup_(message_unrefp) DBusMessage *call =
                dbus_message_new_method_call(DM_NAME, DM_PATH, DM_IFACE, "SetParameterValues");
        _cleanup_(message_unrefp) DBusMessage *reply = NULL;
        const char *rows[2][3] = {
                {"Device.ManagementServer.ConnectionRequestUsername", "string", user},
                {"Device.ManagementServer.ConnectionRequestPassword", "string", password},
        };
        const char *key = "bench";
        DBusMessageIter it, arr, st;

        if (!call)
                return -ENOMEM;
        dbus_message_iter_init_append(call, &it);
        if (!dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "(sss)", &arr))
                return -ENOMEM;
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                if (!dbus_message_iter_open_container(&arr, DBUS_TYPE_STRUCT, NULL, &st))
                        return -ENOMEM;
                for (size_t j = 0; j < 3; j++)
                        if (!dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &rows[i][j]))
                                return -ENOMEM;
                if (!dbus_message_iter_close_container(&arr, &st))
                        return -ENOMEM;
        }
        if (!dbus_message_iter_close_container(&it, &arr) ||
            !dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &key))
                return -ENOMEM;
        return bus_call(b, call, &reply);
}

/* Asks cwmpd for a session without waiting for the answer: the session runs meanwhile. */
static int request_inform(struct bench *b, dbus_uint32_t *serial)
{
        _cleanup_(message_unrefp) DBusMessage *call =
                dbus_message_new_method_call(AGENT_NAME, AGENT_PATH, AGENT_IFACE, "Inform");

        if (!call || !dbus_connection_send(b->bus, call, serial))
                return -ENOMEM;
        dbus_connection_flush(b->bus);
        return 0;
}

/* Until the SessionEnded signal (and the answer to Inform(), if one is due). *t_end: when
 * the signal arrived. */
static int wait_session_ended(struct bench *b, dbus_uint32_t inform_serial, double *t_end)
{
        double deadline = bench_now_ms() + b->o.timeout_s * 1000.0;
        bool ended = false, answered = inform_serial == 0;

        while (!ended || !answered) {
                DBusMessage *m;
                while ((m = dbus_connection_pop_message(b->bus))) {
                        _cleanup_(message_unrefp) DBusMessage *msg = m;
                        if (dbus_message_is_signal(msg, AGENT_IFACE, "SessionEnded")) {
                                dbus_bool_t ok = FALSE;
                                const char *result = "";
                                double t = bench_now_ms();
                                if (!dbus_message_get_args(msg, NULL, DBUS_TYPE_BOOLEAN, &ok,
                                                           DBUS_TYPE_STRING, &result,
                                                           DBUS_TYPE_INVALID))
                                        return -EBADMSG;
                                if (!ok)
                                        return fail(-EIO, "cwmpd says the session failed: %s",
                                                    result);
                                if (t_end)
                                        *t_end = t;
                                ended = true;
                        } else if (inform_serial &&
                                   dbus_message_get_reply_serial(msg) == inform_serial) {
                                if (dbus_message_get_type(msg) == DBUS_MESSAGE_TYPE_ERROR)
                                        return fail(-EIO, "Inform() failed: %s",
                                                    dbus_message_get_error_name(msg));
                                answered = true;
                        }
                }
                if (ended && answered)
                        break;
                double left = deadline - bench_now_ms();
                if (left <= 0)
                        return fail(-ETIMEDOUT, "no SessionEnded within %u s", b->o.timeout_s);
                if (!dbus_connection_read_write(b->bus, (int)left + 1))
                        return fail(-ECONNRESET, "disconnected from the bus");
        }
        return 0;
}

/* ---- connection requests --------------------------------------------------------------- */

static int md5_hex(char out[33], const char *format, ...) __attribute__((format(printf, 2, 3)));
static int md5_hex(char out[33], const char *format, ...)
{
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        char text[1024];
        va_list ap;
        int n;

        va_start(ap, format);
        n = vsnprintf(text, sizeof(text), format, ap);
        va_end(ap);
        if (n < 0 || (size_t)n >= sizeof(text))
                return -ENOBUFS;
        if (!EVP_Digest(text, (size_t)n, md, &len, EVP_md5(), NULL) || len != 16)
                return -EIO;
        for (unsigned i = 0; i < 16; i++)
                snprintf(out + 2 * i, 3, "%02x", md[i]);
        return 0;
}

/* The value of `key` in a Digest challenge (quoted or not). */
static int challenge_param(const char *challenge, size_t len, const char *key, char *out,
                           size_t size)
{
        _cleanup_free_ char *c = strndup(challenge, len);
        char pattern[64];
        const char *p;
        size_t o = 0;

        if (!c)
                return -ENOMEM;
        snprintf(pattern, sizeof(pattern), "%s=", key);
        for (p = strstr(c, pattern); p && p > c && p[-1] != ' ' && p[-1] != ',';
             p = strstr(p + 1, pattern))
                ;
        if (!p)
                return -ENOENT;
        p += strlen(pattern);
        bool quoted = *p == '"';
        if (quoted)
                p++;
        while (*p && o + 1 < size && (quoted ? *p != '"' : (*p != ',' && *p != ' ')))
                out[o++] = *p++;
        out[o] = '\0';
        return 0;
}

struct cr_target {
        struct sockaddr_in addr;
        char path[256];
};

static int parse_cr_url(const char *url, struct cr_target *t)
{
        char host[64];
        const char *p, *slash, *colon;
        unsigned long port = 80;

        if (!startswith(url, "http://"))
                return -EINVAL;
        p = url + 7;
        slash = strchr(p, '/');
        colon = strchr(p, ':');
        if (!slash)
                slash = p + strlen(p);
        if (colon && colon < slash)
                port = strtoul(colon + 1, NULL, 10);
        else
                colon = slash;
        if ((size_t)(colon - p) >= sizeof(host) || port == 0 || port > 65535)
                return -EINVAL;
        memcpy(host, p, (size_t)(colon - p));
        host[colon - p] = '\0';
        *t = (struct cr_target){.addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)}};
        if (inet_pton(AF_INET, host, &t->addr.sin_addr) != 1)
                return -EINVAL;
        snprintf(t->path, sizeof(t->path), "%s", *slash ? slash : "/");
        return 0;
}

/* One GET on a new connection; the answer's head lands in b->in. */
static int cr_get(struct bench *b, const struct cr_target *t, const char *authorization)
{
        _cleanup_close_ int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        char req[2048];
        int n, r;

        if (fd < 0)
                return -errno;
        r = socket_setup(fd, b->o.timeout_s);
        if (r < 0)
                return r;
        if (connect(fd, (const struct sockaddr *)&t->addr, sizeof(t->addr)) < 0)
                return -errno;
        n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n%s%s%s\r\n",
                     t->path, ntohs(t->addr.sin_port), authorization ? "Authorization: " : "",
                     authorization ? authorization : "", authorization ? "\r\n" : "");
        if (n < 0 || (size_t)n >= sizeof(req))
                return -ENOBUFS;
        r = write_all(fd, req, (size_t)n);
        if (r < 0)
                return r;
        return http_read(fd, &b->in);
}

/* GET; on a Digest challenge, GET again with credentials. Returns the final status. */
static int connection_request(struct bench *b, const struct cr_target *t, unsigned *nc)
{
        char realm[128], nonce[128], cnonce[33], ha1[33], ha2[33], response[33], auth[1024];
        const char *challenge;
        size_t clen = 0;
        int r;

        r = cr_get(b, t, NULL);
        if (r < 0)
                return fail(r, "connection request: %s", strerror(-r));
        if (b->in.status != 401)
                return b->in.status;
        challenge = header_value(&b->in, "WWW-Authenticate", &clen);
        if (!challenge || !b->o.cr_user)
                return fail(-EACCES, "connection request refused with 401 and no way to answer");
        if (challenge_param(challenge, clen, "realm", realm, sizeof(realm)) < 0 ||
            challenge_param(challenge, clen, "nonce", nonce, sizeof(nonce)) < 0)
                return fail(-EBADMSG, "bad challenge %.*s", (int)clen, challenge);
        snprintf(cnonce, sizeof(cnonce), "%08x%08x", ++*nc, (unsigned)rand());
        if (md5_hex(ha1, "%s:%s:%s", b->o.cr_user, realm, b->o.cr_password) < 0 ||
            md5_hex(ha2, "GET:%s", t->path) < 0 ||
            md5_hex(response, "%s:%s:00000001:%s:auth:%s", ha1, nonce, cnonce, ha2) < 0)
                return -EIO;
        snprintf(auth, sizeof(auth),
                 "Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", uri=\"%s\", algorithm=MD5, "
                 "response=\"%s\", qop=auth, nc=00000001, cnonce=\"%s\"",
                 b->o.cr_user, realm, nonce, t->path, response, cnonce);
        r = cr_get(b, t, auth);
        if (r < 0)
                return fail(r, "connection request with credentials: %s", strerror(-r));
        return b->in.status;
}

/* ---- the phases ---------------------------------------------------------------------- */

static int first_session(struct bench *b)
{
        struct session_plan plan = {};
        int r = serve_session(b, &plan);
        if (r < 0)
                return r;
        return wait_session_ended(b, 0, NULL);
}

static int minimal_sessions(struct bench *b)
{
        struct samples call_end = {.name = "session_call_to_ended"},
                       accept_204 = {.name = "session_accept_to_204"},
                       first_204 = {.name = "session_first_byte_to_204"},
                       call_first = {.name = "session_call_to_first_byte"};
        int r = 0;

        for (unsigned i = 0; r >= 0 && i < b->o.warmup + b->o.iterations; i++) {
                struct session_plan plan = {};
                dbus_uint32_t serial = 0;
                double t0 = bench_now_ms(), t_end = 0;
                r = request_inform(b, &serial);
                if (r >= 0)
                        r = serve_session(b, &plan);
                if (r >= 0)
                        r = wait_session_ended(b, serial, &t_end);
                if (r >= 0 && i >= b->o.warmup) {
                        (void)samples_add(&call_end, t_end - t0);
                        (void)samples_add(&accept_204, plan.t_204 - plan.t_accept);
                        (void)samples_add(&first_204, plan.t_204 - plan.t_first);
                        (void)samples_add(&call_first, plan.t_first - t0);
                }
        }
        if (r >= 0) {
                samples_print(&first_204);
                samples_print(&accept_204);
                samples_print(&call_end);
                samples_print(&call_first);
        }
        samples_done(&call_end);
        samples_done(&accept_204);
        samples_done(&first_204);
        samples_done(&call_first);
        return r;
}

static int connection_requests(struct bench *b)
{
        struct samples to_post = {.name = "cr_to_post"}, answered = {.name = "cr_answered"};
        struct cr_target t;
        unsigned nc = 0;
        int r;

        if (!b->cr_url[0]) {
                /* Not seen yet (no first session): one Inform tells. */
                struct session_plan plan = {};
                dbus_uint32_t serial = 0;
                r = request_inform(b, &serial);
                if (r >= 0)
                        r = serve_session(b, &plan);
                if (r >= 0)
                        r = wait_session_ended(b, serial, NULL);
                if (r < 0)
                        return r;
        }
        if (!b->cr_url[0])
                return fail(-ENOENT, "the Inform carried no %s", CR_URL_NAME);
        r = parse_cr_url(b->cr_url, &t);
        if (r < 0)
                return fail(r, "cannot use the connection request URL %s", b->cr_url);
        for (unsigned i = 0; r >= 0 && i < b->o.warmup + b->o.cr_iterations; i++) {
                struct session_plan plan = {};
                double t0 = bench_now_ms(), t_ok;
                r = connection_request(b, &t, &nc);
                t_ok = bench_now_ms();
                if (r >= 0 && r != 200)
                        r = fail(-EIO, "connection request answered %d", r);
                if (r >= 0)
                        r = serve_session(b, &plan);
                if (r >= 0)
                        r = wait_session_ended(b, 0, NULL);
                if (r >= 0 && i >= b->o.warmup) {
                        (void)samples_add(&to_post, plan.t_first - t0);
                        (void)samples_add(&answered, t_ok - t0);
                }
        }
        if (r >= 0) {
                samples_print(&to_post);
                samples_print(&answered);
        }
        samples_done(&to_post);
        samples_done(&answered);
        return r;
}

static int gpv_sessions(struct bench *b)
{
        struct samples gpv = {.name = "gpv"}, call_end = {.name = "gpv_session_call_to_ended"};
        int r = 0;

        for (unsigned i = 0; r >= 0 && i < b->o.warmup + b->o.gpv_iterations; i++) {
                struct session_plan plan = {.gpv = true};
                dbus_uint32_t serial = 0;
                double t0 = bench_now_ms(), t_end = 0;
                r = request_inform(b, &serial);
                if (r >= 0)
                        r = serve_session(b, &plan);
                if (r >= 0)
                        r = wait_session_ended(b, serial, &t_end);
                if (r >= 0 && i >= b->o.warmup) {
                        (void)samples_add(&gpv, plan.t_gpv_received - plan.t_gpv_sent);
                        (void)samples_add(&call_end, t_end - t0);
                }
        }
        if (r >= 0) {
                samples_print(&gpv);
                samples_print(&call_end);
                printf("value=gpv_count v=%zu\nvalue=gpv_bytes v=%zu\n", b->gpv_count,
                       b->gpv_bytes);
        }
        samples_done(&gpv);
        samples_done(&call_end);
        return r;
}

static int run(struct bench *b)
{
        uint32_t cwmpd_pid = 0, dmd_pid = 0;
        int r;

        if (!b->o.no_first_session) {
                r = first_session(b);
                if (r < 0)
                        return r;
        }
        r = pid_of(b, AGENT_NAME, &cwmpd_pid);
        if (r >= 0)
                r = pid_of(b, DM_NAME, &dmd_pid);
        if (r < 0)
                return r;
        printf("value=cwmpd_pid v=%u\nvalue=cwmpd_idle_rss_kib v=%ld\n"
               "value=cwmpd_idle_rss_anon_kib v=%ld\nvalue=cwmpd_idle_rss_file_kib v=%ld\n",
               cwmpd_pid, proc_kib(cwmpd_pid, "status", "VmRSS"),
               proc_kib(cwmpd_pid, "status", "RssAnon"), proc_kib(cwmpd_pid, "status", "RssFile"));
        fflush(stdout);

        if (b->o.cr_user) {
                r = set_cr_credentials(b, b->o.cr_user, b->o.cr_password);
                if (r < 0)
                        return r;
        }
        if (b->o.iterations > 0) {
                r = minimal_sessions(b);
                if (r < 0)
                        return r;
        }
        if (b->o.cr_iterations > 0) {
                r = connection_requests(b);
                if (r < 0)
                        return r;
        }
        fflush(stdout);
        printf("value=cwmpd_hwm_before_gpv_kib v=%ld\n", proc_kib(cwmpd_pid, "status", "VmHWM"));
        if (b->o.gpv_iterations > 0) {
                r = gpv_sessions(b);
                if (r < 0)
                        return r;
        }
        printf("value=cwmpd_peak_rss_kib v=%ld\nvalue=cwmpd_end_rss_kib v=%ld\n"
               "value=dmd_peak_rss_kib v=%ld\n",
               proc_kib(cwmpd_pid, "status", "VmHWM"), proc_kib(cwmpd_pid, "status", "VmRSS"),
               proc_kib(dmd_pid, "status", "VmHWM"));
        return 0;
}

/* ---- main ---------------------------------------------------------------------------- */

static int parse_unsigned(const char *s, unsigned *ret)
{
        char *end = NULL;
        unsigned long v;

        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno != 0 || end == s || *end != '\0' || v > 1000000)
                return -EINVAL;
        *ret = (unsigned)v;
        return 0;
}

static int parse_options(int argc, char **argv, struct options *o)
{
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {"address", required_argument, NULL, 'a'},
                {"iterations", required_argument, NULL, 'n'},
                {"gpv-iterations", required_argument, NULL, 'g'},
                {"cr-iterations", required_argument, NULL, 'c'},
                {"warmup", required_argument, NULL, 'w'},
                {"gpv-path", required_argument, NULL, 'p'},
                {"cr-user", required_argument, NULL, 'u'},
                {"cr-password", required_argument, NULL, 'P'},
                {"timeout", required_argument, NULL, 't'},
                {"port", required_argument, NULL, 'o'},
                {"no-first-session", no_argument, NULL, 'f'},
                {},
        };
        int opt;

        while ((opt = getopt_long(argc, argv, "ha:n:g:c:w:p:u:P:t:o:f", options, NULL)) >= 0) {
                unsigned *target = NULL;
                switch (opt) {
                case 'h':
                        printf("Usage: bench-acs --address BUS [--iterations N] "
                               "[--cr-iterations N] [--gpv-iterations N] [--warmup N] "
                               "[--gpv-path PATH] "
                               "[--cr-user U --cr-password P] [--timeout S] [--port N] "
                               "[--no-first-session]\n");
                        return 1;
                case 'a':
                        o->address = optarg;
                        break;
                case 'n':
                        target = &o->iterations;
                        break;
                case 'g':
                        target = &o->gpv_iterations;
                        break;
                case 'c':
                        target = &o->cr_iterations;
                        break;
                case 'w':
                        target = &o->warmup;
                        break;
                case 't':
                        target = &o->timeout_s;
                        break;
                case 'o':
                        target = &o->port;
                        break;
                case 'f':
                        o->no_first_session = true;
                        break;
                case 'p':
                        if (strlen(optarg) > 256 || strpbrk(optarg, "<>&"))
                                return fail(-EINVAL, "--gpv-path must be a parameter path");
                        o->gpv_path = optarg;
                        break;
                case 'u':
                        o->cr_user = optarg;
                        break;
                case 'P':
                        o->cr_password = optarg;
                        break;
                default:
                        return -EINVAL;
                }
                if (target && parse_unsigned(optarg, target) < 0)
                        return fail(-EINVAL, "bad number '%s'", optarg);
        }
        if (optind < argc)
                return fail(-EINVAL, "unexpected argument '%s'", argv[optind]);
        if (!o->address)
                return fail(-EINVAL, "--address is required");
        if (o->timeout_s == 0)
                return fail(-EINVAL, "--timeout must be positive");
        if (o->port > 65535)
                return fail(-EINVAL, "--port must be below 65536");
        if (o->cr_user && !o->cr_password)
                o->cr_password = "";
        return 0;
}

int main(int argc, char **argv)
{
        struct bench b = {
                .o =
                        {
                                .iterations = 200,
                                .cr_iterations = 200,
                                .gpv_iterations = 30,
                                .warmup = 3,
                                .gpv_path = "Device.",
                                .timeout_s = 60,
                        },
                .listen_fd = -1,
                .ns = CWMP_NS_DEFAULT,
        };
        int r;

        r = parse_options(argc, argv, &b.o);
        if (r != 0)
                return r > 0 ? EXIT_SUCCESS : 2;
        r = bus_connect(&b);
        if (r >= 0)
                r = listen_loopback((uint16_t)b.o.port, &b.listen_fd, &b.port);
        if (r >= 0) {
                printf("url=http://127.0.0.1:%u/acs\n", b.port);
                fflush(stdout);
                r = run(&b);
        } else
                fail(r, "cannot set up: %s", strerror(-r));
        if (b.bus) {
                dbus_connection_close(b.bus);
                dbus_connection_unref(b.bus);
        }
        if (b.listen_fd >= 0)
                close(b.listen_fd);
        free(b.in.buf);
        free(b.out);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
