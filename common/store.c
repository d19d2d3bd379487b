/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store.h"
#include "util.h"

#define STORE_HEADER    "#cwmp-store 1"
#define STORE_TRAILER   "#end "
#define TEMP_NAME_TRIES 16
#define TEMP_SUFFIX_LEN 16

/* CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the table expanded by the
 * preprocessor: eight shift-and-xor steps of each byte value. */
#define CRC_STEP(c) (((c)&1u) ? (0xEDB88320u ^ ((c) >> 1)) : ((c) >> 1))
#define CRC_ENTRY(n)                                                                               \
        CRC_STEP(CRC_STEP(                                                                         \
                CRC_STEP(CRC_STEP(CRC_STEP(CRC_STEP(CRC_STEP(CRC_STEP((uint32_t)(n)))))))))
#define CRC_4(n)  CRC_ENTRY(n), CRC_ENTRY((n) + 1), CRC_ENTRY((n) + 2), CRC_ENTRY((n) + 3)
#define CRC_16(n) CRC_4(n), CRC_4((n) + 4), CRC_4((n) + 8), CRC_4((n) + 12)
#define CRC_64(n) CRC_16(n), CRC_16((n) + 16), CRC_16((n) + 32), CRC_16((n) + 48)
static const uint32_t crc32_table[256] = {CRC_64(0), CRC_64(64), CRC_64(128), CRC_64(192)};

static uint32_t crc32_ieee(const void *data, size_t len)
{
        const unsigned char *p = data;
        uint32_t crc = 0xFFFFFFFFu;
        for (size_t i = 0; i < len; i++)
                crc = crc32_table[(crc ^ p[i]) & 0xFFu] ^ (crc >> 8);
        return crc ^ 0xFFFFFFFFu;
}

static int write_all(int fd, const void *data, size_t len)
{
        const char *p = data;
        while (len > 0) {
                ssize_t n = write(fd, p, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        return -EIO;
                p += n;
                len -= (size_t)n;
        }
        return 0;
}

/* A random suffix makes temporary names unique between concurrent writers without any
 * shared counter; O_EXCL catches the unlikely collision. */
static void random_suffix(char out[static TEMP_SUFFIX_LEN + 1])
{
        static const char hex[] = "0123456789abcdef";
        unsigned char bytes[TEMP_SUFFIX_LEN / 2];
        if (getrandom(bytes, sizeof(bytes), GRND_NONBLOCK) != (ssize_t)sizeof(bytes)) {
                struct timespec ts;
                clock_gettime(CLOCK_MONOTONIC, &ts);
                uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^
                             ((uint64_t)getpid() << 40);
                for (size_t i = 0; i < sizeof(bytes); i++)
                        bytes[i] = (unsigned char)(x >> (8 * i));
        }
        for (size_t i = 0; i < sizeof(bytes); i++) {
                out[2 * i] = hex[bytes[i] >> 4];
                out[2 * i + 1] = hex[bytes[i] & 0xF];
        }
        out[TEMP_SUFFIX_LEN] = '\0';
}

static int fsync_directory(const char *dir)
{
        _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fsync(fd) < 0)
                return -errno;
        return 0;
}

int store_write_atomic(const char *path, const void *data, size_t len)
{
        if (!path || !*path || endswith_char(path, '/') || (!data && len > 0))
                return -EINVAL;

        const char *slash = strrchr(path, '/');
        _cleanup_free_ char *dir =
                slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
        if (!dir)
                return -ENOMEM;
        const char *base = slash ? slash + 1 : path;
        /* ".name.tmp-<suffix>" beside the target: same file system, so rename is atomic, and
         * hidden, so directory scans for "*.conf" or records do not pick it up. */
        size_t tmp_size = strlen(dir) + 1 + 1 + strlen(base) + 5 + TEMP_SUFFIX_LEN + 1;
        _cleanup_free_ char *tmp = malloc(tmp_size);
        if (!tmp)
                return -ENOMEM;

        _cleanup_close_ int fd = -1;
        for (int attempt = 0; fd < 0; attempt++) {
                if (attempt == TEMP_NAME_TRIES)
                        return -EEXIST;
                char suffix[TEMP_SUFFIX_LEN + 1];
                random_suffix(suffix);
                snprintf(tmp, tmp_size, "%s/.%s.tmp-%s", dir, base, suffix);
                fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
                if (fd < 0 && errno != EEXIST)
                        return -errno;
        }

        int r = write_all(fd, data, len);
        if (r >= 0 && fsync(fd) < 0)
                r = -errno;
        if (r >= 0 && close(TAKE_FD(fd)) < 0)
                r = -errno;
        if (r >= 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0) {
                unlink(tmp);
                return r;
        }
        /* The new name is only durable once the directory entry is. */
        return fsync_directory(dir);
}

int store_read_file(const char *path, size_t max_size, char **ret, size_t *ret_len)
{
        if (!path || !ret)
                return -EINVAL;

        if (max_size > SIZE_MAX / 2)
                max_size = SIZE_MAX / 2;

        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;

        struct stat st;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (S_ISREG(st.st_mode) && (uintmax_t)st.st_size > max_size)
                return -EFBIG;

        /* Read until EOF rather than trusting st_size: the file may change meanwhile, and
         * /proc or pipes report 0. A /proc/sys value answers only a read at offset 0, so the
         * first read must be large enough for all of it. */
        size_t allocated = S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t)st.st_size + 1 : 4096;
        if (allocated > max_size + 1)
                allocated = max_size + 1;
        _cleanup_free_ char *data = malloc(allocated);
        if (!data)
                return -ENOMEM;

        size_t len = 0;
        for (;;) {
                if (len + 1 >= allocated) {
                        if (len >= max_size)
                                break;
                        size_t n = allocated * 2;
                        if (n < allocated || n > max_size + 1)
                                n = max_size + 1;
                        char *p = realloc(data, n);
                        if (!p)
                                return -ENOMEM;
                        data = p;
                        allocated = n;
                }
                ssize_t n = read(fd, data + len, allocated - 1 - len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        if (len >= max_size) {
                /* Exactly max_size bytes is fine; one more byte is not. */
                char extra;
                ssize_t n;
                do
                        n = read(fd, &extra, 1);
                while (n < 0 && errno == EINTR);
                if (n < 0)
                        return -errno;
                if (n > 0)
                        return -EFBIG;
        }
        data[len] = '\0';

        *ret = TAKE_PTR(data);
        if (ret_len)
                *ret_len = len;
        return 0;
}

int store_mkdir_p(const char *path)
{
        if (!path || !*path)
                return -EINVAL;

        _cleanup_free_ char *p = strdup(path);
        if (!p)
                return -ENOMEM;

        /* Create each prefix ending before a '/', then the whole path. */
        for (char *s = p + 1;; s++) {
                if (*s != '/' && *s != '\0')
                        continue;
                char saved = *s;
                *s = '\0';
                if (mkdir(p, 0700) < 0) {
                        int e = errno;
                        struct stat st;
                        if (e != EEXIST)
                                return -e;
                        if (stat(p, &st) < 0)
                                return -errno;
                        if (!S_ISDIR(st.st_mode))
                                return -ENOTDIR;
                }
                *s = saved;
                if (saved == '\0')
                        return 0;
                while (s[1] == '/')
                        s++;
                if (s[1] == '\0')
                        return 0;
        }
}

static int append_escaped(struct buf *b, const char *s)
{
        for (;;) {
                size_t n = strcspn(s, "\\\t\n\r");
                int r = buf_append(b, s, n);
                if (r < 0)
                        return r;
                s += n;
                if (!*s)
                        return 0;
                const char *esc = *s == '\\'   ? "\\\\"
                                  : *s == '\t' ? "\\t"
                                  : *s == '\n' ? "\\n"
                                               : "\\r";
                r = buf_append(b, esc, 2);
                if (r < 0)
                        return r;
                s++;
        }
}

int store_format(const struct kvmap *m, char **ret, size_t *ret_len)
{
        if (!m || !ret)
                return -EINVAL;

        _cleanup_free_ const char **keys = NULL;
        size_t n;
        int r = kvmap_sorted_keys(m, &keys, &n);
        if (r < 0)
                return r;

        struct buf b = {0};
        r = buf_append(&b, STORE_HEADER "\n", strlen(STORE_HEADER "\n"));
        for (size_t i = 0; r >= 0 && i < n; i++) {
                r = append_escaped(&b, keys[i]);
                if (r >= 0)
                        r = buf_append(&b, "\t", 1);
                if (r >= 0)
                        r = append_escaped(&b, kvmap_get(m, keys[i]));
                if (r >= 0)
                        r = buf_append(&b, "\n", 1);
        }
        if (r >= 0)
                r = buf_printf(&b, STORE_TRAILER "%zu %08" PRIx32 "\n", n,
                               crc32_ieee(b.data, b.len));
        if (r < 0) {
                buf_done(&b);
                return r;
        }
        if (ret_len)
                *ret_len = b.len;
        *ret = buf_steal(&b);
        return 0;
}

/* Decodes the escaped text [s, end) into a new string; NULL with *bad set if malformed. */
static char *unescape(const char *s, const char *end, bool *bad)
{
        char *out = malloc((size_t)(end - s) + 1);
        if (!out)
                return NULL;
        char *o = out;
        while (s < end) {
                char c = *s++;
                if (c == '\t' || c == '\r' || c == '\0') {
                        /* Never written raw: a damaged or foreign file. */
                        free(out);
                        *bad = true;
                        return NULL;
                }
                if (c == '\\') {
                        if (s == end) {
                                free(out);
                                *bad = true;
                                return NULL;
                        }
                        switch (*s++) {
                        case '\\':
                                c = '\\';
                                break;
                        case 't':
                                c = '\t';
                                break;
                        case 'n':
                                c = '\n';
                                break;
                        case 'r':
                                c = '\r';
                                break;
                        default:
                                free(out);
                                *bad = true;
                                return NULL;
                        }
                }
                *o++ = c;
        }
        *o = '\0';
        return out;
}

/* Parses "key<TAB>value" (without its newline) into `into`. */
static int parse_record(const char *line, const char *end, struct kvmap *into)
{
        const char *tab = memchr(line, '\t', (size_t)(end - line));
        if (!tab)
                return -EBADMSG;

        bool bad = false;
        _cleanup_free_ char *key = unescape(line, tab, &bad);
        if (!key)
                return bad ? -EBADMSG : -ENOMEM;
        _cleanup_free_ char *value = unescape(tab + 1, end, &bad);
        if (!value)
                return bad ? -EBADMSG : -ENOMEM;
        /* A writer never repeats a key: a repeat means the file was tampered with. */
        if (kvmap_get(into, key))
                return -EBADMSG;
        return kvmap_set(into, key, value);
}

/* Checks "#end <count> <crc>" against what was read before it; the exact text is
 * regenerated and compared, so leading zeros, signs or spaces are refused too. */
static int check_trailer(const char *line, const char *end, size_t count, uint32_t crc)
{
        char expected[64];
        int n = snprintf(expected, sizeof(expected), STORE_TRAILER "%zu %08" PRIx32, count, crc);
        if (n < 0 || (size_t)n != (size_t)(end - line) || memcmp(expected, line, (size_t)n) != 0)
                return -EBADMSG;
        return 0;
}

int store_parse(const char *data, size_t len, struct kvmap *m, unsigned *err_line)
{
        if (err_line)
                *err_line = 0;
        if ((!data && len > 0) || !m)
                return -EINVAL;
        if (len > STORE_MAX_FILE_SIZE)
                return -EFBIG;

        /* Records go to a scratch map first: a damaged file must leave `m` untouched. */
        _cleanup_kvmap_ struct kvmap *scratch = kvmap_new();
        if (!scratch)
                return -ENOMEM;

        const char *p = data, *data_end = data + len;
        unsigned line_no = 0;
        bool trailer_seen = false;
        int r = 0;
        while (p < data_end) {
                line_no++;
                const char *nl = memchr(p, '\n', (size_t)(data_end - p));
                /* Every line ends with a newline; a missing one means a truncated file. */
                if (!nl || trailer_seen) {
                        r = -EBADMSG;
                        break;
                }
                if (line_no == 1) {
                        if ((size_t)(nl - p) != strlen(STORE_HEADER) ||
                            memcmp(p, STORE_HEADER, strlen(STORE_HEADER)) != 0) {
                                r = -EBADMSG;
                                break;
                        }
                } else if (!memchr(p, '\t', (size_t)(nl - p)) &&
                           (size_t)(nl - p) >= strlen(STORE_TRAILER) &&
                           memcmp(p, STORE_TRAILER, strlen(STORE_TRAILER)) == 0) {
                        /* Records always hold a raw tab, the trailer never does. */
                        r = check_trailer(p, nl, kvmap_size(scratch),
                                          crc32_ieee(data, (size_t)(p - data)));
                        if (r < 0)
                                break;
                        trailer_seen = true;
                } else {
                        r = parse_record(p, nl, scratch);
                        if (r < 0)
                                break;
                }
                p = nl + 1;
        }
        if (r >= 0 && !trailer_seen) {
                /* Empty or cut short before the trailer: point at where it should be. */
                line_no++;
                r = -EBADMSG;
        }
        if (r < 0) {
                if (err_line && r == -EBADMSG)
                        *err_line = line_no;
                return r;
        }
        return kvmap_copy(scratch, m);
}

int store_save(const char *path, const struct kvmap *m)
{
        _cleanup_free_ char *data = NULL;
        size_t len;
        int r = store_format(m, &data, &len);
        if (r < 0)
                return r;
        return store_write_atomic(path, data, len);
}

int store_load(const char *path, struct kvmap *m, unsigned *err_line)
{
        if (err_line)
                *err_line = 0;
        _cleanup_free_ char *data = NULL;
        size_t len;
        int r = store_read_file(path, STORE_MAX_FILE_SIZE, &data, &len);
        if (r < 0)
                return r;
        return store_parse(data, len, m, err_line);
}
