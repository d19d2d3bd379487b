/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Cleanup helpers in the style of systemd: `_cleanup_free_ char *s = NULL;`. */
#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void freep(void *p)
{
        free(*(void **)p);
}
static inline void closep(int *fd)
{
        if (*fd >= 0)
                close(*fd);
}
#define _cleanup_free_  _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)

/* Hands ownership over: returns the pointer and leaves NULL behind. */
#define TAKE_PTR(p)                                                                                \
        ({                                                                                         \
                __typeof__(p) _p = (p);                                                            \
                (p) = NULL;                                                                        \
                _p;                                                                                \
        })
#define TAKE_FD(fd)                                                                                \
        ({                                                                                         \
                int _fd = (fd);                                                                    \
                (fd) = -1;                                                                         \
                _fd;                                                                               \
        })

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

static inline bool streq(const char *a, const char *b)
{
        return strcmp(a, b) == 0;
}
static inline bool streq_ptr(const char *a, const char *b)
{
        if (!a || !b)
                return a == b;
        return strcmp(a, b) == 0;
}
static inline bool startswith(const char *s, const char *prefix)
{
        return strncmp(s, prefix, strlen(prefix)) == 0;
}
static inline bool endswith_char(const char *s, char c)
{
        size_t n = strlen(s);
        return n > 0 && s[n - 1] == c;
}
/* The number of characters of UTF-8 text (bytes that do not continue a character). */
static inline size_t utf8_length(const char *s)
{
        size_t n = 0;
        for (; *s; s++)
                if (((unsigned char)*s & 0xC0) != 0x80)
                        n++;
        return n;
}

/* The value of a hexadecimal digit (either case), -1 for anything else. */
static inline int unhexchar(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* A growable array of owned strings, NULL-terminated. */
struct strv {
        char **v;
        size_t n, allocated;
};
int strv_push(struct strv *s, const char *value); /* copies value */
int strv_push_take(struct strv *s, char *value);  /* takes ownership (frees on failure) */
void strv_done(struct strv *s);
void strv_sort(struct strv *s);

/* A growable byte buffer, always NUL-terminated. */
struct buf {
        char *data;
        size_t len, allocated;
};
int buf_append(struct buf *b, const char *data, size_t len);
int buf_printf(struct buf *b, const char *format, ...) __attribute__((format(printf, 2, 3)));
void buf_done(struct buf *b);
char *buf_steal(struct buf *b);
