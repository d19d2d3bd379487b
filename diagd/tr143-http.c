/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "tr143-http.h"
#include "util.h"

static bool copy_span(char *dst, size_t size, const char *src, size_t len)
{
        if (len >= size)
                return false;
        memcpy(dst, src, len);
        dst[len] = '\0';
        return true;
}

int tr143_parse_url(const char *url, struct tr143_url *ret)
{
        const char *p, *host_end, *auth_end;
        size_t host_len, port_len = 0;
        const char *port = NULL;

        if (!url || !ret)
                return -EINVAL;
        if (strlen(url) > TR143_URL_MAX)
                return -EINVAL;
        for (p = url; *p; p++)
                if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '#')
                        return -EINVAL;
        if (strncasecmp(url, "http://", 7) != 0)
                return strstr(url, "://") ? -EPROTONOSUPPORT : -EINVAL;
        p = url + 7;
        auth_end = p + strcspn(p, "/?");
        if (memchr(p, '@', (size_t)(auth_end - p)))
                return -EINVAL; /* TR-143: no HTTP authentication */
        if (*p == '[') {
                host_end = memchr(p, ']', (size_t)(auth_end - p));
                if (!host_end || host_end == p + 1)
                        return -EINVAL;
                host_len = (size_t)(host_end - p - 1);
                if (!copy_span(ret->host, sizeof(ret->host), p + 1, host_len))
                        return -EINVAL;
                host_end++;
        } else {
                host_end = memchr(p, ':', (size_t)(auth_end - p)) ?: auth_end;
                host_len = (size_t)(host_end - p);
                if (host_len == 0 || !copy_span(ret->host, sizeof(ret->host), p, host_len))
                        return -EINVAL;
        }
        if (host_end < auth_end) {
                unsigned long v = 0;
                if (*host_end != ':')
                        return -EINVAL;
                port = host_end + 1;
                port_len = (size_t)(auth_end - port);
                if (port_len == 0 || port_len > 5)
                        return -EINVAL;
                for (size_t i = 0; i < port_len; i++) {
                        if (port[i] < '0' || port[i] > '9')
                                return -EINVAL;
                        v = v * 10 + (unsigned long)(port[i] - '0');
                }
                if (v == 0 || v > 65535)
                        return -EINVAL;
                snprintf(ret->port, sizeof(ret->port), "%lu", v);
        } else
                snprintf(ret->port, sizeof(ret->port), "80");
        if (!copy_span(ret->authority, sizeof(ret->authority), p, (size_t)(auth_end - p)))
                return -EINVAL;
        if (*auth_end == '?')
                snprintf(ret->path, sizeof(ret->path), "/%s", auth_end);
        else
                snprintf(ret->path, sizeof(ret->path), "%s", *auth_end ? auth_end : "/");
        return 0;
}

ssize_t tr143_head_end(const char *buf, size_t len)
{
        size_t n = len < TR143_HEAD_MAX ? len : TR143_HEAD_MAX;

        for (size_t i = 3; i < n; i++)
                if (buf[i] == '\n' && buf[i - 1] == '\r' && buf[i - 2] == '\n' &&
                    buf[i - 3] == '\r')
                        return (ssize_t)(i + 1);
        return len >= TR143_HEAD_MAX ? -EBADMSG : 0;
}

/* Is this header line "name: value"? Sets *value to the trimmed value, *vlen to its length. */
static bool header_is(const char *line, size_t len, const char *name, const char **value,
                      size_t *vlen)
{
        size_t n = strlen(name);

        if (len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':')
                return false;
        line += n + 1;
        len -= n + 1;
        while (len > 0 && (*line == ' ' || *line == '\t'))
                line++, len--;
        while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
                len--;
        *value = line;
        *vlen = len;
        return true;
}

static bool token_in_list(const char *v, size_t len, const char *token)
{
        size_t n = strlen(token);

        while (len > 0) {
                size_t item = 0, end;
                while (len > 0 && (*v == ' ' || *v == '\t' || *v == ','))
                        v++, len--;
                while (item < len && v[item] != ',')
                        item++;
                end = item;
                while (end > 0 && (v[end - 1] == ' ' || v[end - 1] == '\t'))
                        end--;
                if (end == n && strncasecmp(v, token, n) == 0)
                        return true;
                v += item;
                len -= item;
        }
        return false;
}

int tr143_parse_head(const char *buf, size_t len, struct tr143_head *ret)
{
        const char *line = buf, *end = buf + len, *nl, *v;
        size_t vlen;

        *ret = (struct tr143_head){};
        nl = memchr(line, '\n', len);
        /* "HTTP/1.x SSS ..." */
        if (!nl || nl - line < 12 || strncmp(line, "HTTP/1.", 7) != 0 || line[8] != ' ' ||
            line[9] < '1' || line[9] > '5' || line[10] < '0' || line[10] > '9' || line[11] < '0' ||
            line[11] > '9' || (line[12] != ' ' && line[12] != '\r'))
                return -EBADMSG;
        ret->status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
        for (line = nl + 1; line < end; line = nl + 1) {
                size_t l;
                nl = memchr(line, '\n', (size_t)(end - line));
                if (!nl)
                        return -EBADMSG;
                l = (size_t)(nl - line);
                if (l > 0 && line[l - 1] == '\r')
                        l--;
                if (l == 0)
                        break;
                if (header_is(line, l, "Content-Length", &v, &vlen)) {
                        uint64_t n = 0;
                        if (vlen == 0 || vlen > 19)
                                return -EBADMSG;
                        for (size_t i = 0; i < vlen; i++) {
                                if (v[i] < '0' || v[i] > '9')
                                        return -EBADMSG;
                                n = n * 10 + (uint64_t)(v[i] - '0');
                        }
                        if (ret->has_length && n != ret->content_length)
                                return -EBADMSG; /* two different lengths */
                        ret->has_length = true;
                        ret->content_length = n;
                } else if (header_is(line, l, "Transfer-Encoding", &v, &vlen))
                        ret->chunked = ret->chunked || token_in_list(v, vlen, "chunked");
        }
        return 0;
}

enum {
        CHUNK_SIZE,
        CHUNK_EXT, /* extensions, skipped up to the line feed */
        CHUNK_SIZE_LF,
        CHUNK_DATA,
        CHUNK_DATA_CR,
        CHUNK_DATA_LF,
        CHUNK_TRAILER_START,
        CHUNK_TRAILER_LINE,
        CHUNK_END_LF,
        CHUNK_DONE,
};

ssize_t tr143_chunked_feed(struct tr143_chunked *c, const uint8_t *data, size_t len, bool *done)
{
        size_t i = 0;

        *done = c->state == CHUNK_DONE;
        while (i < len && c->state != CHUNK_DONE) {
                uint8_t b = data[i];
                int h;

                switch (c->state) {
                case CHUNK_SIZE:
                        h = unhexchar((char)b);
                        if (h >= 0) {
                                if (++c->digits > 15)
                                        return -EBADMSG;
                                c->remaining = c->remaining << 4 | (uint64_t)h;
                        } else if (c->digits == 0)
                                return -EBADMSG;
                        else if (b == '\r')
                                c->state = CHUNK_SIZE_LF;
                        else if (b == ';' || b == ' ' || b == '\t')
                                c->state = CHUNK_EXT;
                        else
                                return -EBADMSG;
                        i++;
                        break;
                case CHUNK_EXT:
                        if (b == '\r')
                                c->state = CHUNK_SIZE_LF;
                        i++;
                        break;
                case CHUNK_SIZE_LF:
                        if (b != '\n')
                                return -EBADMSG;
                        c->state = c->remaining ? CHUNK_DATA : CHUNK_TRAILER_START;
                        c->digits = 0;
                        i++;
                        break;
                case CHUNK_DATA: {
                        size_t n = len - i;
                        if (n > c->remaining)
                                n = (size_t)c->remaining;
                        c->remaining -= n;
                        i += n;
                        if (c->remaining == 0)
                                c->state = CHUNK_DATA_CR;
                        break;
                }
                case CHUNK_DATA_CR:
                        if (b != '\r')
                                return -EBADMSG;
                        c->state = CHUNK_DATA_LF;
                        i++;
                        break;
                case CHUNK_DATA_LF:
                        if (b != '\n')
                                return -EBADMSG;
                        c->state = CHUNK_SIZE;
                        i++;
                        break;
                case CHUNK_TRAILER_START:
                        c->state = b == '\r' ? CHUNK_END_LF : CHUNK_TRAILER_LINE;
                        i++;
                        break;
                case CHUNK_TRAILER_LINE:
                        if (b == '\n')
                                c->state = CHUNK_TRAILER_START;
                        i++;
                        break;
                case CHUNK_END_LF:
                        if (b != '\n')
                                return -EBADMSG;
                        c->state = CHUNK_DONE;
                        i++;
                        break;
                default:
                        return -EBADMSG;
                }
        }
        *done = c->state == CHUNK_DONE;
        return (ssize_t)i;
}

void tr143_format_time(uint64_t realtime_us, char *buf, size_t size)
{
        time_t s = (time_t)(realtime_us / 1000000);
        struct tm tm;

        if (realtime_us == 0 || !gmtime_r(&s, &tm)) {
                snprintf(buf, size, "0001-01-01T00:00:00Z");
                return;
        }
        snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%06" PRIu64 "Z", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                 realtime_us % 1000000);
}
