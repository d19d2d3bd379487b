/* SPDX-License-Identifier: MIT */
/*
 * A serial number derived from /etc/machine-id. machine-id(5) asks that the ID itself never
 * leave the machine, and that applications use a keyed hash of it instead; this is the one
 * systemd computes in sd_id128_get_machine_app_specific(): HMAC-SHA256 keyed with the 16
 * bytes of the machine ID over the 16 bytes of the application ID, first 16 bytes, marked
 * as a version 4 UUID. Computed here rather than through libsystemd so that tests can point
 * it at a fake /etc.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include "deviceinfo-internal.h"

#define SHA256_BLOCK  64u
#define SHA256_DIGEST 32u

struct sha256 {
        uint32_t h[8];
        uint8_t block[SHA256_BLOCK];
        size_t fill;
        uint64_t total;
};

static const uint32_t sha256_k[64] = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
};

static uint32_t rotr(uint32_t x, unsigned n)
{
        return (x >> n) | (x << (32 - n));
}

static void sha256_compress(struct sha256 *c, const uint8_t *p)
{
        uint32_t w[64];
        for (unsigned i = 0; i < 16; i++)
                w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
                       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
        for (unsigned i = 16; i < 64; i++) {
                uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
                uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
                w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }

        uint32_t a = c->h[0], b = c->h[1], cc = c->h[2], d = c->h[3], e = c->h[4], f = c->h[5],
                 g = c->h[6], h = c->h[7];
        for (unsigned i = 0; i < 64; i++) {
                uint32_t t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) +
                              sha256_k[i] + w[i];
                uint32_t t2 =
                        (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & cc) ^ (b & cc));
                h = g, g = f, f = e, e = d + t1, d = cc, cc = b, b = a, a = t1 + t2;
        }
        c->h[0] += a, c->h[1] += b, c->h[2] += cc, c->h[3] += d;
        c->h[4] += e, c->h[5] += f, c->h[6] += g, c->h[7] += h;
}

static void sha256_init(struct sha256 *c)
{
        static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
        *c = (struct sha256){0};
        memcpy(c->h, iv, sizeof(iv));
}

static void sha256_update(struct sha256 *c, const void *data, size_t len)
{
        const uint8_t *p = data;
        c->total += len;
        while (len > 0) {
                size_t n = SHA256_BLOCK - c->fill;
                if (n > len)
                        n = len;
                memcpy(c->block + c->fill, p, n);
                c->fill += n, p += n, len -= n;
                if (c->fill == SHA256_BLOCK) {
                        sha256_compress(c, c->block);
                        c->fill = 0;
                }
        }
}

static void sha256_final(struct sha256 *c, uint8_t out[SHA256_DIGEST])
{
        uint64_t bits = c->total * 8;
        uint8_t pad = 0x80;
        sha256_update(c, &pad, 1);
        pad = 0;
        while (c->fill != SHA256_BLOCK - 8)
                sha256_update(c, &pad, 1);
        uint8_t length[8];
        for (unsigned i = 0; i < 8; i++)
                length[i] = (uint8_t)(bits >> (56 - 8 * i));
        sha256_update(c, length, sizeof(length));
        for (unsigned i = 0; i < 8; i++)
                for (unsigned j = 0; j < 4; j++)
                        out[4 * i + j] = (uint8_t)(c->h[i] >> (24 - 8 * j));
}

/* HMAC-SHA256 (RFC 2104) for keys no longer than a block, which is all this file needs. */
static void hmac_sha256(const uint8_t *key, size_t key_len, const void *data, size_t len,
                        uint8_t out[SHA256_DIGEST])
{
        uint8_t pad[SHA256_BLOCK] = {0}, inner[SHA256_DIGEST];
        struct sha256 c;

        memcpy(pad, key, key_len);
        for (unsigned i = 0; i < SHA256_BLOCK; i++)
                pad[i] ^= 0x36;
        sha256_init(&c);
        sha256_update(&c, pad, sizeof(pad));
        sha256_update(&c, data, len);
        sha256_final(&c, inner);

        for (unsigned i = 0; i < SHA256_BLOCK; i++)
                pad[i] ^= 0x36 ^ 0x5c;
        sha256_init(&c);
        sha256_update(&c, pad, sizeof(pad));
        sha256_update(&c, inner, sizeof(inner));
        sha256_final(&c, out);
}

static int unhex(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* 32 hexadecimal digits, nothing else (a trailing newline is the caller's business). */
static int parse_id128(const char *s, size_t len, uint8_t id[16])
{
        if (len != 32)
                return -EINVAL;
        for (unsigned i = 0; i < 16; i++) {
                int hi = unhex(s[2 * i]), lo = unhex(s[2 * i + 1]);
                if (hi < 0 || lo < 0)
                        return -EINVAL;
                id[i] = (uint8_t)(hi << 4 | lo);
        }
        return 0;
}

int deviceinfo_machine_serial(const char *etc, char **ret)
{
        _cleanup_free_ char *path = deviceinfo_path(etc, "/machine-id");
        if (!path)
                return -ENOMEM;
        _cleanup_free_ char *data = NULL;
        size_t len;
        int r = deviceinfo_read_file(path, 64, &data, &len);
        if (r < 0)
                return r;
        if (len > 0 && data[len - 1] == '\n')
                len--;

        uint8_t machine[16], app[16], mac[SHA256_DIGEST];
        r = parse_id128(data, len, machine);
        if (r < 0)
                return r; /* empty or "uninitialized" during first boot */
        r = parse_id128(DEVICEINFO_SERIAL_APP_ID, strlen(DEVICEINFO_SERIAL_APP_ID), app);
        if (r < 0)
                return r;

        hmac_sha256(machine, sizeof(machine), app, sizeof(app), mac);
        mac[6] = (mac[6] & 0x0f) | 0x40; /* UUID version 4 */
        mac[8] = (mac[8] & 0x3f) | 0x80; /* RFC 4122 variant */

        char *s = malloc(33);
        if (!s)
                return -ENOMEM;
        for (unsigned i = 0; i < 16; i++)
                snprintf(s + 2 * i, 3, "%02x", mac[i]);
        *ret = s;
        return 0;
}
