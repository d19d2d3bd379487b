/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include "util.h"

/* Grows an array of `size`-byte elements so that it holds at least `need` of them. */
static int grow(void **p, size_t *allocated, size_t need, size_t size)
{
        if (need <= *allocated)
                return 0;
        size_t n = *allocated ? *allocated : 8;
        while (n < need) {
                if (n > SIZE_MAX / 2)
                        return -ENOMEM;
                n *= 2;
        }
        if (n > SIZE_MAX / size)
                return -ENOMEM;
        void *q = realloc(*p, n * size);
        if (!q)
                return -ENOMEM;
        *p = q;
        *allocated = n;
        return 0;
}

int strv_push_take(struct strv *s, char *value)
{
        if (!value)
                return -EINVAL;
        /* Room for the new string and the NULL terminator. */
        if (s->n > SIZE_MAX - 2) {
                free(value);
                return -ENOMEM;
        }
        int r = grow((void **)&s->v, &s->allocated, s->n + 2, sizeof(char *));
        if (r < 0) {
                free(value);
                return r;
        }
        s->v[s->n++] = value;
        s->v[s->n] = NULL;
        return 0;
}

int strv_push(struct strv *s, const char *value)
{
        if (!value)
                return -EINVAL;
        char *copy = strdup(value);
        if (!copy)
                return -ENOMEM;
        return strv_push_take(s, copy);
}

void strv_done(struct strv *s)
{
        for (size_t i = 0; i < s->n; i++)
                free(s->v[i]);
        free(s->v);
        *s = (struct strv){0};
}

static int compare_strings(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

void strv_sort(struct strv *s)
{
        if (s->n > 1)
                qsort(s->v, s->n, sizeof(char *), compare_strings);
}

int buf_append(struct buf *b, const char *data, size_t len)
{
        if (len > SIZE_MAX - b->len - 1)
                return -ENOMEM;
        int r = grow((void **)&b->data, &b->allocated, b->len + len + 1, 1);
        if (r < 0)
                return r;
        if (len > 0)
                memcpy(b->data + b->len, data, len);
        b->len += len;
        b->data[b->len] = '\0';
        return 0;
}

int buf_printf(struct buf *b, const char *format, ...)
{
        va_list ap;

        /* Make sure there is a terminated buffer to print into, then retry once with the
         * exact size if the first attempt did not fit. */
        int r = buf_append(b, "", 0);
        if (r < 0)
                return r;
        for (int attempt = 0; attempt < 2; attempt++) {
                size_t room = b->allocated - b->len;
                va_start(ap, format);
                int n = vsnprintf(b->data + b->len, room, format, ap);
                va_end(ap);
                if (n < 0) {
                        b->data[b->len] = '\0';
                        return -EINVAL;
                }
                if ((size_t)n < room) {
                        b->len += (size_t)n;
                        return 0;
                }
                r = grow((void **)&b->data, &b->allocated, b->len + (size_t)n + 1, 1);
                if (r < 0) {
                        b->data[b->len] = '\0';
                        return r;
                }
        }
        b->data[b->len] = '\0';
        return -EINVAL; /* the arguments changed between two passes: cannot happen */
}

void buf_done(struct buf *b)
{
        free(b->data);
        *b = (struct buf){0};
}

char *buf_steal(struct buf *b)
{
        if (!b->data && buf_append(b, "", 0) < 0)
                return NULL;
        char *data = b->data;
        *b = (struct buf){0};
        return data;
}
