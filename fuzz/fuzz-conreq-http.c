/* SPDX-License-Identifier: MIT */
/* The connection-request port faces the network. The head parser must never read past
 * what it was given, must agree with itself on every prefix, and what it accepts must be
 * well-formed. Requests it accepts are then sent, as they are, to a real listener on
 * loopback, which must answer each with one of its status lines and close. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conreq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HEAD_MAX 8192

struct server {
        sd_event *event;
        struct conreq_http *http;
        unsigned accepted;
};

static int credentials(void *userdata, const char **username, const char **password)
{
        *username = "acs";
        *password = "secret";
        return 0;
}

static void on_request(void *userdata)
{
        struct server *s = userdata;
        s->accepted++;
}

static struct server *server_get(void)
{
        /* one listener for the whole run: the harness is the only place with such state */
        static struct server s;
        struct conreq_http_options o = {.address = "127.0.0.1", .path = "/cr"};

        if (!s.event && (sd_event_new(&s.event) < 0 ||
                         conreq_http_new(s.event, &o, credentials, on_request, &s, &s.http) < 0))
                abort();
        return &s;
}

static void check_parsed(const char *s, size_t size, int r, const struct conreq_http_request *req)
{
        struct conreq_http_request again;

        if ((size_t)r > size || r > HEAD_MAX)
                abort();
        if (!req->method[0] || strnlen(req->method, sizeof(req->method)) == sizeof(req->method))
                abort();
        if (req->path[0] != '/' || strnlen(req->path, sizeof(req->path)) == sizeof(req->path))
                abort();
        if (strnlen(req->authorization, sizeof(req->authorization)) == sizeof(req->authorization))
                abort();
        /* the head ends with an empty line */
        if (s[r - 1] != '\n' || (s[r - 2] != '\n' && (s[r - 2] != '\r' || s[r - 3] != '\n')))
                abort();
        /* the head alone parses the same, and any shorter prefix is incomplete */
        if (conreq_http_parse(s, (size_t)r, &again) != r || memcmp(&again, req, sizeof(again)) != 0)
                abort();
        if (conreq_http_parse(s, (size_t)r - 1, &again) != 0)
                abort();
}

static void round_trip(const char *s, size_t size)
{
        struct server *srv = server_get();
        struct sockaddr_in sin = {.sin_family = AF_INET,
                                  .sin_port = htons(conreq_http_port(srv->http))};
        char response[1024];
        size_t len = 0;
        int fd, status = 0;

        sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                abort();
        if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 && errno != EINPROGRESS)
                abort();
        for (size_t sent = 0; sent < size;) {
                ssize_t n = send(fd, s + sent, size - sent, MSG_NOSIGNAL);
                if (n > 0)
                        sent += (size_t)n;
                else if (n < 0 && errno != EAGAIN)
                        break; /* the server answered early and closed */
                else if (sd_event_run(srv->event, 1000) < 0)
                        abort();
        }
        (void)shutdown(fd, SHUT_WR);
        for (unsigned rounds = 0;; rounds++) {
                ssize_t n = recv(fd, response + len, sizeof(response) - 1 - len, 0);
                if (n == 0 || (n < 0 && errno != EAGAIN))
                        break;
                if (n > 0) {
                        len += (size_t)n;
                        if (len >= sizeof(response) - 1)
                                abort(); /* answers are short */
                } else if (rounds > 20000 || sd_event_run(srv->event, 1000) < 0) {
                        abort(); /* no answer */
                }
        }
        close(fd);
        response[len] = '\0';
        if (sscanf(response, "HTTP/1.1 %d ", &status) != 1 || !strstr(response, "\r\n\r\n") ||
            !strstr(response, "\r\nConnection: close\r\n"))
                abort();
        if (status != 200 && status != 400 && status != 401 && status != 404 && status != 405 &&
            status != 431)
                abort();
        /* nobody knows the nonce, so nothing gets through */
        if (status == 200 || srv->accepted)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct conreq_http_request req;
        char *s;
        int r;

        if (size > 2 * HEAD_MAX)
                return 0;
        /* an exact-size copy, so that reading past the end is caught */
        s = malloc(size ? size : 1);
        if (!s)
                return 0;
        memcpy(s, data, size);

        r = conreq_http_parse(s, size, &req);
        if (r > 0)
                check_parsed(s, size, r, &req);
        else if (r != 0 && r != -EBADMSG)
                abort();
        else if (r == 0 && size >= HEAD_MAX)
                abort(); /* 8 KiB without an end is too much */

        if (r > 0)
                round_trip(s, size);
        free(s);
        return 0;
}
