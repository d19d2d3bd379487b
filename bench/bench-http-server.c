/* SPDX-License-Identifier: MIT */
/*
 * A fast HTTP/1.1 server for the TR-143 benchmark: "GET /N" answers N zero bytes with a
 * Content-Length, sent with sendfile() from a sparse file, so the server is not what limits
 * the client. "PUT /..." reads and discards the body (Content-Length) and answers 201. One
 * process per connection, keep-alive honoured. Prints "port P" once it listens on
 * 127.0.0.1; stops on SIGTERM or when stdin closes.
 *
 *     bench-http-server
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define FILE_SIZE (64ULL << 20) /* the sparse file: sent again and again */

static int make_sparse_file(void)
{
        char path[] = "/tmp/bench-http-zeros-XXXXXX";
        int fd = mkstemp(path);

        if (fd < 0)
                return -1;
        unlink(path);
        if (ftruncate(fd, (off_t)FILE_SIZE) < 0) {
                close(fd);
                return -1;
        }
        return fd;
}

/* Reads a request head into buf; returns its length, 0 at EOF, -1 on error. */
static ssize_t read_head(int fd, char *buf, size_t size, size_t *have)
{
        for (;;) {
                char *end = *have ? memmem(buf, *have, "\r\n\r\n", 4) : NULL;
                ssize_t n;

                if (end)
                        return end + 4 - buf;
                if (*have == size)
                        return -1;
                n = read(fd, buf + *have, size - *have);
                if (n <= 0)
                        return n;
                *have += (size_t)n;
        }
}

static unsigned long long header_number(const char *head, const char *name)
{
        const char *p = strcasestr(head, name);
        return p ? strtoull(p + strlen(name), NULL, 10) : 0;
}

static int send_zeros(int fd, int file, unsigned long long n)
{
        while (n > 0) {
                off_t offset = 0;
                size_t len = n < FILE_SIZE ? (size_t)n : (size_t)FILE_SIZE;
                while (len > 0) {
                        ssize_t k = sendfile(fd, file, &offset, len);
                        if (k <= 0)
                                return -1;
                        len -= (size_t)k;
                        n -= (unsigned long long)k;
                }
        }
        return 0;
}

static int discard(int fd, char *buf, size_t size, unsigned long long n)
{
        while (n > 0) {
                ssize_t k = read(fd, buf, n < size ? (size_t)n : size);
                if (k <= 0)
                        return -1;
                n -= (unsigned long long)k;
        }
        return 0;
}

static void serve(int fd, int file)
{
        static char buf[1 << 20];
        size_t have = 0;

        for (;;) {
                char reply[160];
                ssize_t head = read_head(fd, buf, 16384, &have);
                unsigned long long n;
                int len;

                if (head <= 0)
                        return;
                buf[head - 1] = '\0';
                if (strncmp(buf, "GET /", 5) == 0) {
                        n = strtoull(buf + 5, NULL, 10);
                        len = snprintf(reply, sizeof(reply),
                                       "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream"
                                       "\r\nContent-Length: %llu\r\n\r\n",
                                       n);
                        if (write(fd, reply, (size_t)len) != len || send_zeros(fd, file, n) < 0)
                                return;
                } else if (strncmp(buf, "PUT /", 5) == 0) {
                        unsigned long long body = header_number(buf, "\nContent-Length:");
                        size_t extra = have - (size_t)head;
                        if (extra > body)
                                return; /* pipelining: not for this server */
                        if (discard(fd, buf, sizeof(buf), body - extra) < 0)
                                return;
                        len = snprintf(reply, sizeof(reply),
                                       "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
                        if (write(fd, reply, (size_t)len) != len)
                                return;
                        have = 0;
                        continue;
                } else
                        return;
                memmove(buf, buf + head, have - (size_t)head);
                have -= (size_t)head;
        }
}

int main(void)
{
        struct sockaddr_in addr = {.sin_family = AF_INET,
                                   .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof(addr);
        int one = 1, file, lfd;

        signal(SIGCHLD, SIG_IGN); /* children are reaped by the kernel */
        file = make_sparse_file();
        lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (file < 0 || lfd < 0 ||
            setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
            bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(lfd, 64) < 0 ||
            getsockname(lfd, (struct sockaddr *)&addr, &len) < 0) {
                perror("bench-http-server");
                return 1;
        }
        printf("port %u\n", ntohs(addr.sin_port));
        fflush(stdout);
        for (;;) {
                struct pollfd p[2] = {{.fd = lfd, .events = POLLIN}, {.fd = 0, .events = POLLIN}};
                if (poll(p, 2, -1) < 0 && errno != EINTR)
                        return 1;
                if (p[1].revents)
                        return 0; /* stdin closed: the benchmark is over */
                if (!(p[0].revents & POLLIN))
                        continue;
                int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
                if (fd < 0)
                        continue;
                if (fork() == 0) {
                        close(lfd);
                        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
                        serve(fd, file);
                        _exit(0);
                }
                close(fd);
        }
}
