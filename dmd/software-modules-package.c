/* SPDX-License-Identifier: MIT */
/* The package manager's status file, and the Deployment Units' name-based UUIDs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "software-modules.h"

/* ---- status file --------------------------------------------------------------------- */

/* dpkg's and opkg's "Status: WANT FLAG STATE" to TR-181's Status; NULL: not installed. */
static const char *du_status(const char *status, bool *resolved)
{
        char want[32] = "", flag[32] = "", state[32] = "";
        if (!status || sscanf(status, "%31s %31s %31s", want, flag, state) != 3)
                return NULL;
        bool leaving = streq(want, "deinstall") || streq(want, "purge");
        *resolved = false;
        if (streq(state, "installed") || streq(state, "triggers-pending") ||
            streq(state, "triggers-awaited")) {
                *resolved = true;
                return "Installed";
        }
        if (streq(state, "unpacked") || streq(state, "half-configured") ||
            streq(state, "half-installed"))
                return leaving ? "Uninstalling" : "Installing";
        return NULL; /* not-installed, config-files */
}

static int push(struct package_list *l, const struct package *p)
{
        if (l->n % 256 == 0) {
                struct package *nv = realloc(l->v, (l->n + 256) * sizeof(*nv));
                if (!nv)
                        return -ENOMEM;
                l->v = nv;
        }
        l->v[l->n++] = *p;
        return 0;
}

/* Ends the current paragraph: keeps it if it is a package on the box. */
static int finish(struct package_list *l, struct package *p, const char *status)
{
        int r = 0;
        if (p->name && p->name[0])
                p->status = du_status(status, &p->resolved);
        if (p->name && p->name[0] && p->status)
                r = push(l, p);
        *p = (struct package){};
        return r;
}

int software_modules_parse_status(char *text, struct package_list *out)
{
        struct package_list l = {};
        struct package p = {};
        const char *status = NULL;
        int r = 0;

        for (char *line = text; r >= 0 && line && *line;) {
                char *eol = strchr(line, '\n');
                if (eol)
                        *eol = '\0';
                char *next = eol ? eol + 1 : NULL;
                size_t len = strlen(line);
                if (len > 0 && line[len - 1] == '\r')
                        line[--len] = '\0';
                if (len == 0) {
                        r = finish(&l, &p, status);
                        status = NULL;
                } else if (line[0] != ' ' && line[0] != '\t') {
                        /* "Field: value"; continuation lines (the long Description) are
                         * skipped. */
                        char *colon = strchr(line, ':');
                        if (colon) {
                                *colon = '\0';
                                char *v = colon + 1 + strspn(colon + 1, " \t");
                                if (streq(line, "Package"))
                                        p.name = v;
                                else if (streq(line, "Version"))
                                        p.version = v;
                                else if (streq(line, "Architecture"))
                                        p.architecture = v;
                                else if (streq(line, "Maintainer"))
                                        p.maintainer = v;
                                else if (streq(line, "Description"))
                                        p.synopsis = v;
                                else if (streq(line, "Status"))
                                        status = v;
                        }
                }
                line = next;
        }
        if (r >= 0)
                r = finish(&l, &p, status);
        if (r < 0) {
                free(l.v);
                return r;
        }
        *out = l;
        return 0;
}

/* ---- SHA-1 (RFC 3174) for version 5 UUIDs ----------------------------------------------- */

struct sha1 {
        uint32_t h[5];
        uint8_t block[64];
        size_t used;
        uint64_t total;
};

static uint32_t rol(uint32_t x, unsigned n)
{
        return (x << n) | (x >> (32 - n));
}

static void sha1_block(struct sha1 *s)
{
        uint32_t w[80], a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4];
        for (unsigned i = 0; i < 16; i++)
                w[i] = (uint32_t)s->block[4 * i] << 24 | (uint32_t)s->block[4 * i + 1] << 16 |
                       (uint32_t)s->block[4 * i + 2] << 8 | s->block[4 * i + 3];
        for (unsigned i = 16; i < 80; i++)
                w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
        for (unsigned i = 0; i < 80; i++) {
                uint32_t f, k;
                if (i < 20)
                        f = (b & c) | (~b & d), k = 0x5a827999;
                else if (i < 40)
                        f = b ^ c ^ d, k = 0x6ed9eba1;
                else if (i < 60)
                        f = (b & c) | (b & d) | (c & d), k = 0x8f1bbcdc;
                else
                        f = b ^ c ^ d, k = 0xca62c1d6;
                uint32_t t = rol(a, 5) + f + e + k + w[i];
                e = d, d = c, c = rol(b, 30), b = a, a = t;
        }
        s->h[0] += a, s->h[1] += b, s->h[2] += c, s->h[3] += d, s->h[4] += e;
}

static void sha1_update(struct sha1 *s, const void *data, size_t len)
{
        const uint8_t *p = data;
        s->total += len;
        while (len > 0) {
                size_t n = sizeof(s->block) - s->used;
                if (n > len)
                        n = len;
                memcpy(s->block + s->used, p, n);
                s->used += n, p += n, len -= n;
                if (s->used == sizeof(s->block)) {
                        sha1_block(s);
                        s->used = 0;
                }
        }
}

static void sha1_final(struct sha1 *s, uint8_t out[20])
{
        uint64_t bits = s->total * 8;
        uint8_t pad = 0x80, zero = 0, len[8];
        sha1_update(s, &pad, 1);
        while (s->used != 56)
                sha1_update(s, &zero, 1);
        for (unsigned i = 0; i < 8; i++)
                len[i] = (uint8_t)(bits >> (56 - 8 * i));
        sha1_update(s, len, 8);
        for (unsigned i = 0; i < 20; i++)
                out[i] = (uint8_t)(s->h[i / 4] >> (24 - 8 * (i % 4)));
}

static int parse_uuid(const char *s, uint8_t out[16])
{
        size_t k = 0;
        for (size_t i = 0; s[i] && k < 32; i++) {
                if ((i == 8 || i == 13 || i == 18 || i == 23) && s[i] == '-')
                        continue;
                const char *hex = "0123456789abcdef", *d = strchr(hex, s[i] | 0x20);
                if (!d || !*d)
                        return -EINVAL;
                out[k / 2] = (uint8_t)(k % 2 ? out[k / 2] | (d - hex) : (d - hex) << 4);
                k++;
        }
        return k == 32 && strlen(s) == 36 ? 0 : -EINVAL;
}

int software_modules_uuid_v5(const char *ns, const char *name, char out[37])
{
        struct sha1 s = {.h = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0}};
        uint8_t space[16], hash[20];
        if (parse_uuid(ns, space) < 0)
                return -EINVAL;
        sha1_update(&s, space, sizeof(space));
        sha1_update(&s, name, strlen(name));
        sha1_final(&s, hash);
        hash[6] = (hash[6] & 0x0f) | 0x50; /* version 5 */
        hash[8] = (hash[8] & 0x3f) | 0x80; /* RFC 4122 variant */
        for (unsigned i = 0, k = 0; i < 16; i++) {
                if (i == 4 || i == 6 || i == 8 || i == 10)
                        out[k++] = '-';
                snprintf(out + k, 3, "%02x", hash[i]);
                k += 2;
        }
        out[36] = '\0';
        return 0;
}
