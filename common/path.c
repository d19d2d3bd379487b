/* SPDX-License-Identifier: MIT */
/*
 * Parameter paths (TR-069 3.6, TR-106 3.2): dot-separated names, instance numbers, CWMP 1.4
 * alias segments "[alias]" and the schema placeholder "{i}".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "path.h"
#include "util.h"

static bool is_alpha(char c)
{
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool is_digit(char c)
{
        return c >= '0' && c <= '9';
}

static bool is_name_start(char c)
{
        return is_alpha(c) || c == '_';
}

static bool is_name_char(char c)
{
        return is_alpha(c) || is_digit(c) || c == '_' || c == '-';
}

bool dmpath_name_valid(const char *name, size_t len)
{
        if (!name || len == 0 || !is_name_start(name[0]))
                return false;
        for (size_t i = 1; i < len; i++)
                if (!is_name_char(name[i]))
                        return false;
        return true;
}

/* Length of the UTF-8 sequence at s, 0 if it is malformed, overlong, a surrogate or beyond
 * U+10FFFF. s is NUL-terminated, so a truncated sequence stops at the NUL. */
static unsigned utf8_sequence_length(const unsigned char *s)
{
        uint32_t c = s[0], min;
        unsigned n;

        if (c < 0x80)
                return 1;
        if ((c & 0xe0) == 0xc0)
                n = 2, c &= 0x1f, min = 0x80;
        else if ((c & 0xf0) == 0xe0)
                n = 3, c &= 0x0f, min = 0x800;
        else if ((c & 0xf8) == 0xf0)
                n = 4, c &= 0x07, min = 0x10000;
        else
                return 0;
        for (unsigned i = 1; i < n; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                c = c << 6 | (s[i] & 0x3f);
        }
        if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
                return 0;
        return n;
}

/* A decimal instance number: 1..4294967295 without leading zeros. Returns 0 or a reason. */
static const char *instance_parse(const char *s, size_t len, uint32_t *ret)
{
        uint64_t v = 0;

        if (len > 1 && s[0] == '0')
                return "instance number with leading zero";
        for (size_t i = 0; i < len; i++) {
                v = v * 10 + (uint64_t)(s[i] - '0');
                if (v > UINT32_MAX)
                        return "instance number too large";
        }
        if (v == 0)
                return "instance number 0";
        *ret = (uint32_t)v;
        return NULL;
}

static int fail(struct dmpath_error *err, size_t offset, const char *reason, int r)
{
        if (err)
                *err = (struct dmpath_error){.offset = offset, .reason = reason};
        return r;
}

/* Parses the alias segment whose "[" is at s[start]; returns the offset of its "]" in
 * *ret_end, or a reason with its offset. */
static const char *alias_parse(const char *s, size_t start, size_t *ret_end, size_t *ret_offset)
{
        size_t i = start + 1, chars = 0;
        const char *close = strchr(s + i, ']');

        if (!close) {
                *ret_offset = start;
                return "unterminated alias";
        }
        if (s[i] == ']') {
                *ret_offset = i;
                return "empty alias";
        }
        /* TR-181 Alias: must start with a letter. */
        if (!is_alpha(s[i])) {
                *ret_offset = i;
                return "alias must start with a letter";
        }
        while (s[i] != ']') {
                unsigned char c = (unsigned char)s[i];
                unsigned n = utf8_sequence_length((const unsigned char *)s + i);
                if (c == '.' || c == '[' || c < 0x20 || c == 0x7f || n == 0) {
                        *ret_offset = i;
                        return "invalid character";
                }
                if (++chars > DMPATH_ALIAS_MAX) {
                        *ret_offset = i;
                        return "alias too long";
                }
                i += n;
        }
        *ret_end = i;
        return NULL;
}

int dmpath_parse(const char *s, unsigned flags, struct dmpath *ret, struct dmpath_error *err)
{
        _cleanup_free_ char *buf = NULL;
        _cleanup_free_ struct dmpath_seg *segs = NULL;
        size_t len, n = 0, i = 0;
        bool partial = false;

        if (!ret)
                return -EINVAL;
        *ret = (struct dmpath){};
        if (!s)
                return fail(err, 0, "missing path", -EINVAL);

        len = strnlen(s, DMPATH_MAX_LEN + 1);
        if (len > DMPATH_MAX_LEN)
                return fail(err, DMPATH_MAX_LEN, "path too long", -ENAMETOOLONG);

        buf = strdup(s);
        if (!buf)
                return -ENOMEM;

        if (len == 0) {
                if (!(flags & DMPATH_ALLOW_EMPTY))
                        return fail(err, 0, "empty path", -EINVAL);
                *ret = (struct dmpath){.buf = TAKE_PTR(buf), .partial = true};
                return 0;
        }

        /* At most one segment per two characters ("a.b.c"), plus one. */
        segs = calloc(len / 2 + 1, sizeof(struct dmpath_seg));
        if (!segs)
                return -ENOMEM;

        for (;;) {
                size_t start = i;
                struct dmpath_seg seg = {.str = buf + start};
                const char *reason;

                if (s[i] == '.')
                        return fail(err, i, "empty segment", -EINVAL);
                if (n == 0 && (is_digit(s[i]) || s[i] == '[' || s[i] == '{'))
                        return fail(err, 0, "first segment must be a name", -EINVAL);
                if (is_name_start(s[i])) {
                        seg.kind = DMPATH_SEG_NAME;
                        while (is_name_char(s[i]))
                                i++;
                } else if (is_digit(s[i])) {
                        seg.kind = DMPATH_SEG_INSTANCE;
                        while (is_digit(s[i]))
                                i++;
                        if (s[i] != '.' && s[i] != '\0')
                                return fail(err, i, "invalid character", -EINVAL);
                        reason = instance_parse(s + start, i - start, &seg.instance);
                        if (reason)
                                return fail(err, start, reason, -EINVAL);
                } else if (s[i] == '[') {
                        size_t offset;
                        if (!(flags & DMPATH_ALLOW_ALIAS))
                                return fail(err, i, "alias not allowed", -EINVAL);
                        seg.kind = DMPATH_SEG_ALIAS;
                        reason = alias_parse(s, start, &i, &offset);
                        if (reason)
                                return fail(err, offset, reason, -EINVAL);
                        seg.str = buf + start + 1;
                        buf[i++] = '\0'; /* the "]" */
                } else if (s[i] == '{') {
                        if (!startswith(s + i, "{i}"))
                                return fail(err, i, "invalid placeholder", -EINVAL);
                        if (!(flags & DMPATH_ALLOW_PLACEHOLDER))
                                return fail(err, i, "placeholder not allowed", -EINVAL);
                        seg.kind = DMPATH_SEG_PLACEHOLDER;
                        i += 3;
                } else
                        return fail(err, i, "invalid character", -EINVAL);

                if (s[i] != '.' && s[i] != '\0')
                        return fail(err, i, "invalid character", -EINVAL);
                segs[n++] = seg;

                if (s[i] == '\0')
                        break;
                buf[i++] = '\0'; /* the "." */
                if (s[i] == '\0') {
                        partial = true;
                        break;
                }
        }

        if (partial && !(flags & (DMPATH_ALLOW_PARTIAL | DMPATH_REQUIRE_PARTIAL)))
                return fail(err, len - 1, "partial path not allowed", -EINVAL);
        if (!partial && (flags & DMPATH_REQUIRE_PARTIAL))
                return fail(err, len, "partial path required", -EINVAL);

        *ret = (struct dmpath){
                .buf = TAKE_PTR(buf),
                .segs = TAKE_PTR(segs),
                .n_segs = n,
                .partial = partial,
        };
        return 0;
}

void dmpath_done(struct dmpath *p)
{
        if (!p)
                return;
        free(p->segs);
        free(p->buf);
        *p = (struct dmpath){};
}

/* Formats n segments; with `tmpl`, instances and aliases become "{i}". */
static int format_segments(const struct dmpath *p, size_t n, bool partial, bool tmpl, char **ret)
{
        size_t len = 1;
        char *out, *o;

        if (!p || !ret || n > p->n_segs)
                return -EINVAL;
        for (size_t i = 0; i < n; i++)
                len += strlen(p->segs[i].str) + 12; /* a number, or "[" "]", and "." */
        out = malloc(len);
        if (!out)
                return -ENOMEM;
        o = out;
        for (size_t i = 0; i < n; i++) {
                const struct dmpath_seg *seg = &p->segs[i];
                if (i > 0)
                        *o++ = '.';
                if (tmpl && (seg->kind == DMPATH_SEG_INSTANCE || seg->kind == DMPATH_SEG_ALIAS))
                        o = stpcpy(o, "{i}");
                else if (seg->kind == DMPATH_SEG_INSTANCE)
                        /* the number, not the text: a resolved alias becomes an instance */
                        o += sprintf(o, "%" PRIu32, seg->instance);
                else if (seg->kind == DMPATH_SEG_ALIAS) {
                        *o++ = '[';
                        o = stpcpy(o, seg->str);
                        *o++ = ']';
                } else
                        o = stpcpy(o, seg->str);
        }
        if (partial && n > 0)
                *o++ = '.';
        *o = '\0';
        *ret = out;
        return 0;
}

int dmpath_format(const struct dmpath *p, size_t n_segs, bool partial, char **ret)
{
        return format_segments(p, n_segs, partial, false, ret);
}

int dmpath_template(const struct dmpath *p, char **ret)
{
        if (!p)
                return -EINVAL;
        return format_segments(p, p->n_segs, p->partial, true, ret);
}

bool dmpath_is_partial(const char *s)
{
        return s && (s[0] == '\0' || endswith_char(s, '.'));
}

bool dmpath_is_under(const char *path, const char *subtree)
{
        size_t n;

        if (!path || !subtree)
                return false;
        n = strlen(subtree);
        /* "Device.IP." covers "Device.IP" and "Device.IP.x", never "Device.IPsec." */
        if (n > 0 && subtree[n - 1] == '.')
                n--;
        if (n == 0)
                return true;
        return strncmp(path, subtree, n) == 0 && (path[n] == '\0' || path[n] == '.');
}

/* Is s[0..len) an instance number as a path writes it? */
static bool is_instance(const char *s, size_t len)
{
        uint32_t v;

        for (size_t i = 0; i < len; i++)
                if (!is_digit(s[i]))
                        return false;
        return len > 0 && !instance_parse(s, len, &v);
}

bool dmpath_matches_template(const char *path, const char *tmpl)
{
        if (!path || !tmpl)
                return false;
        for (;;) {
                size_t pl = strcspn(path, "."), tl = strcspn(tmpl, ".");

                if (tl == 3 && strncmp(tmpl, "{i}", 3) == 0) {
                        if (!is_instance(path, pl))
                                return false;
                } else if (pl != tl || strncmp(path, tmpl, pl) != 0)
                        return false;
                path += pl;
                tmpl += tl;
                if (*path != *tmpl)
                        return false; /* one ends, the other goes on */
                if (*path == '\0')
                        return true;
                path++;
                tmpl++;
        }
}
