/* SPDX-License-Identifier: MIT */
/* TR-143's HTTP client reads what a test server sends: the response head and a chunked
 * body. The parsers must never read past what they were given, the chunked decoder must
 * end at the same byte and agree on errors however the input is split, and what they accept
 * must be well-formed. The input is also tried as a DownloadURL. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* diagd's sources are not in the libraries the fuzz targets link: the parsers come in here
 * (they need nothing but libc) */
#include "../diagd/tr143-http.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_head(const uint8_t *data, size_t size)
{
        char *copy = malloc(size ? size : 1); /* exactly size: ASan sees any overread */
        struct tr143_head h;
        ssize_t end;

        if (!copy)
                return;
        memcpy(copy, data, size);
        end = tr143_head_end(copy, size);
        if (end > 0) {
                if ((size_t)end > size || end < 4 || memcmp(copy + end - 4, "\r\n\r\n", 4) != 0)
                        abort();
                if (tr143_parse_head(copy, (size_t)end, &h) == 0 &&
                    (h.status < 100 || h.status > 599))
                        abort();
        } else if (end < 0 && size < TR143_HEAD_MAX)
                abort();
        free(copy);
}

/* Feeds data in pieces of `step` bytes (0: all at once); returns the bytes consumed, or
 * -EBADMSG, and whether the body ended. */
static ssize_t feed(const uint8_t *data, size_t size, size_t step, bool *done)
{
        struct tr143_chunked c = {};
        size_t at = 0;

        *done = false;
        do {
                size_t n = step && size - at > step ? step : size - at;
                ssize_t k = tr143_chunked_feed(&c, data + at, n, done);
                if (k < 0)
                        return k;
                if ((size_t)k > n || (!*done && (size_t)k != n))
                        abort();
                at += (size_t)k;
        } while (!*done && at < size);
        return (ssize_t)at;
}

static void check_chunked(const uint8_t *data, size_t size)
{
        uint8_t *copy = malloc(size ? size : 1);
        bool done, d;
        ssize_t whole;

        if (!copy)
                return;
        memcpy(copy, data, size);
        whole = feed(copy, size, 0, &done);
        for (size_t step = 1; step <= 7; step += 3) {
                ssize_t split = feed(copy, size, step, &d);
                if (split != whole || (whole >= 0 && d != done))
                        abort();
        }
        free(copy);
}

static void check_url(const uint8_t *data, size_t size)
{
        char text[TR143_URL_MAX + 16];
        struct tr143_url u;

        if (size >= sizeof(text))
                size = sizeof(text) - 1;
        memcpy(text, data, size);
        text[size] = '\0';
        if (tr143_parse_url(text, &u) < 0)
                return;
        if (!u.host[0] || u.path[0] != '/' || !u.authority[0])
                abort();
        long port = strtol(u.port, NULL, 10);
        if (port < 1 || port > 65535)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        check_head(data, size);
        check_chunked(data, size);
        check_url(data, size);
        return 0;
}
