/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <strings.h>
#include <unistd.h>

#include "deviceinfo-internal.h"

int deviceinfo_read_file(const char *path, size_t max, char **ret, size_t *ret_len)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;

        _cleanup_free_ char *data = malloc(max + 1);
        if (!data)
                return -ENOMEM;

        size_t len = 0;
        while (len < max) {
                ssize_t n = read(fd, data + len, max - len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        data[len] = '\0';
        *ret = TAKE_PTR(data);
        if (ret_len)
                *ret_len = len;
        return 0;
}

char *deviceinfo_path(const char *prefix, const char *suffix)
{
        char *p;
        if (asprintf(&p, "%s%s", prefix, suffix) < 0)
                return NULL;
        return p;
}

/* Decodes one UTF-8 sequence at s (n bytes left). Returns its length and the code point, or
 * 0 for an invalid sequence (overlong forms, surrogates and values past U+10FFFF too). */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *ret)
{
        uint32_t c = s[0];
        size_t len;
        uint32_t min;

        if (c < 0x80) {
                *ret = c;
                return 1;
        }
        if ((c & 0xe0) == 0xc0) {
                len = 2, min = 0x80, c &= 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
                len = 3, min = 0x800, c &= 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
                len = 4, min = 0x10000, c &= 0x07;
        } else {
                return 0;
        }
        if (n < len)
                return 0;
        for (size_t i = 1; i < len; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                c = (c << 6) | (s[i] & 0x3f);
        }
        if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
                return 0;
        *ret = c;
        return len;
}

/* Characters XML 1.0 cannot carry at all (besides the C0 controls handled apart). */
static bool xml_forbidden(uint32_t c)
{
        return c == 0xfffe || c == 0xffff;
}

static bool is_control(uint32_t c)
{
        return c < 0x20 || c == 0x7f;
}

int deviceinfo_text_clean(const char *data, size_t len, size_t max_chars, char **ret)
{
        const unsigned char *s = (const unsigned char *)data;
        /* Every input byte yields at most one output byte ('?' or ' ' for one bad byte). */
        _cleanup_free_ char *out = malloc(len + 1);
        if (!out)
                return -ENOMEM;

        size_t o = 0, chars = 0, end = 0; /* end: length without trailing blanks */
        for (size_t i = 0; i < len && chars < max_chars;) {
                uint32_t c;
                size_t n = utf8_decode(s + i, len - i, &c);
                if (n == 0 || xml_forbidden(c)) {
                        out[o++] = '?';
                        i += n ? n : 1;
                } else if (is_control(c) || c == ' ') {
                        i++;
                        if (o == 0) /* leading blank */
                                continue;
                        out[o++] = ' ';
                } else {
                        memcpy(out + o, s + i, n);
                        o += n;
                        i += n;
                }
                chars++;
                if (out[o - 1] != ' ')
                        end = o;
        }
        out[end] = '\0';
        *ret = TAKE_PTR(out);
        return 0;
}

bool deviceinfo_text_valid(const char *s, size_t max_chars)
{
        size_t len = strlen(s), chars = 0;
        for (size_t i = 0; i < len; chars++) {
                uint32_t c;
                size_t n = utf8_decode((const unsigned char *)s + i, len - i, &c);
                if (n == 0 || is_control(c) || xml_forbidden(c))
                        return false;
                i += n;
        }
        return chars <= max_chars;
}

bool deviceinfo_text_is_placeholder(const char *s)
{
        /* What firmware vendors leave in DMI fields they did not fill in. */
        static const char *const placeholders[] = {
                "To Be Filled By O.E.M.",
                "To Be Filled By OEM",
                "Default string",
                "System Serial Number",
                "System Product Name",
                "System manufacturer",
                "System Version",
                "Chassis Serial Number",
                "Base Board Serial Number",
                "Not Specified",
                "Not Applicable",
                "Not Available",
                "None",
                "N/A",
                "OEM",
                "O.E.M.",
                "Unknown",
                "INVALID",
                "0",
                "00000000",
                "0123456789",
                "123456789",
                "1234567890",
                "xxxxxxxxxxx",
        };

        if (s[0] == '\0')
                return true;
        for (size_t i = 0; i < ELEMENTSOF(placeholders); i++)
                if (strcasecmp(s, placeholders[i]) == 0)
                        return true;
        return false;
}
