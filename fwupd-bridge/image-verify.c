/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "image-verify.h"
#include "util.h"

void image_manifest_done(struct image_manifest *m)
{
        if (!m)
                return;
        free(m->signature);
        m->signature = NULL;
        m->signature_len = 0;
}

int image_fail(struct firmware_result *result, unsigned code, const char *format, ...)
{
        va_list ap;

        result->fault_code = code;
        va_start(ap, format);
        vsnprintf(result->fault_string, sizeof(result->fault_string), format, ap);
        va_end(ap);
        return -EINVAL;
}

static bool parse_sha256(const char *s, size_t len, uint8_t out[32])
{
        if (len != 64)
                return false;
        for (size_t i = 0; i < 32; i++) {
                int hi = unhexchar(s[2 * i]), lo = unhexchar(s[2 * i + 1]);
                if (hi < 0 || lo < 0)
                        return false;
                out[i] = (uint8_t)(hi << 4 | lo);
        }
        return true;
}

/* Version and name: printable ASCII without blanks, 1..64 characters. */
static bool copy_field(const char *s, size_t len, char out[IMAGE_MAX_FIELD + 1])
{
        if (len == 0 || len > IMAGE_MAX_FIELD)
                return false;
        for (size_t i = 0; i < len; i++)
                if (s[i] <= ' ' || s[i] > '~')
                        return false;
        memcpy(out, s, len);
        out[len] = '\0';
        return true;
}

static bool parse_size(const char *s, size_t len, uint64_t *out)
{
        uint64_t v = 0;

        if (len == 0 || len > 19)
                return false;
        for (size_t i = 0; i < len; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return false;
                v = v * 10 + (uint64_t)(s[i] - '0');
        }
        *out = v;
        return true;
}

static int decode_base64(const char *s, size_t len, uint8_t **ret, size_t *ret_len)
{
        _cleanup_free_ uint8_t *out = NULL;
        int n;

        if (len == 0 || len % 4 != 0 || len > 2048)
                return -EINVAL;
        out = malloc(len / 4 * 3 + 1);
        if (!out)
                return -ENOMEM;
        n = EVP_DecodeBlock(out, (const unsigned char *)s, (int)len);
        if (n < 0)
                return -EINVAL;
        /* EVP_DecodeBlock counts the padding as data */
        if (s[len - 1] == '=')
                n--;
        if (s[len - 2] == '=')
                n--;
        *ret = TAKE_PTR(out);
        *ret_len = (size_t)n;
        return 0;
}

static int parse_manifest(const char *data, size_t len, struct image_manifest *m,
                          struct firmware_result *result)
{
        const char *p, *end;
        bool have_version = false, have_size = false, have_sha = false;
        size_t magic_len = strlen(IMAGE_MAGIC);

        *m = (struct image_manifest){};
        if (len > IMAGE_MAX_HEADER)
                len = IMAGE_MAX_HEADER;
        if (len < magic_len + 1 || memcmp(data, IMAGE_MAGIC "\n", magic_len + 1) != 0)
                return image_fail(result, 9018, "Not a firmware image (no %s manifest)",
                                  IMAGE_MAGIC);
        p = data + magic_len + 1;
        end = data + len;
        for (;;) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                const char *eq, *value;
                size_t key_len, value_len;

                if (!nl)
                        return image_fail(result, 9018, "Firmware manifest is truncated");
                if (nl == p) { /* the blank line */
                        m->payload_offset = (size_t)(nl + 1 - data);
                        if (!m->signature)
                                m->signed_len = (size_t)(p - data);
                        break;
                }
                if (m->signature)
                        return image_fail(result, 9018,
                                          "Firmware manifest: the signature must come last");
                eq = memchr(p, '=', (size_t)(nl - p));
                if (!eq)
                        return image_fail(result, 9018, "Firmware manifest: malformed line");
                key_len = (size_t)(eq - p);
                value = eq + 1;
                value_len = (size_t)(nl - value);
#define KEY_IS(k) (key_len == strlen(k) && memcmp(p, k, key_len) == 0)
                if (KEY_IS("version")) {
                        if (have_version || !copy_field(value, value_len, m->version))
                                return image_fail(result, 9018, "Firmware manifest: bad version");
                        have_version = true;
                } else if (KEY_IS("name")) {
                        if (m->name[0] || !copy_field(value, value_len, m->name))
                                return image_fail(result, 9018, "Firmware manifest: bad name");
                } else if (KEY_IS("size")) {
                        if (have_size || !parse_size(value, value_len, &m->size))
                                return image_fail(result, 9018, "Firmware manifest: bad size");
                        have_size = true;
                } else if (KEY_IS("sha256")) {
                        if (have_sha || !parse_sha256(value, value_len, m->sha256))
                                return image_fail(result, 9018, "Firmware manifest: bad sha256");
                        have_sha = true;
                } else if (KEY_IS("signature")) {
                        int r = decode_base64(value, value_len, &m->signature, &m->signature_len);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0)
                                return image_fail(result, 9019,
                                                  "Firmware manifest: signature is not base64");
                        m->signed_len = (size_t)(p - data);
                }
                /* other keys are informational: ignored, but still signed */
#undef KEY_IS
                p = nl + 1;
        }
        if (!have_version || !have_size || !have_sha)
                return image_fail(result, 9018, "Firmware manifest lacks %s",
                                  !have_version ? "version"
                                  : !have_size  ? "size"
                                                : "sha256");
        return 0;
}

int image_parse_manifest(const char *data, size_t len, struct image_manifest *m,
                         struct firmware_result *result)
{
        int r = parse_manifest(data, len, m, result);

        if (r < 0)
                image_manifest_done(m);
        return r;
}

static EVP_PKEY *read_public_key(const char *path)
{
        FILE *f = fopen(path, "re");
        EVP_PKEY *key;

        if (!f)
                return NULL;
        key = PEM_read_PUBKEY(f, NULL, NULL, NULL);
        fclose(f);
        return key;
}

int image_check_signature(const char *header, const struct image_manifest *m,
                          const char *public_key_file, struct firmware_result *result)
{
        EVP_PKEY *key = NULL;
        EVP_MD_CTX *ctx = NULL;
        int r, id;

        if (!public_key_file || !public_key_file[0])
                return 0;
        if (!m->signature)
                return image_fail(result, 9019, "Firmware image is not signed");
        key = read_public_key(public_key_file);
        if (!key)
                return image_fail(result, 9010, "Cannot read the public key %s", public_key_file);
        ctx = EVP_MD_CTX_new();
        if (!ctx) {
                EVP_PKEY_free(key);
                return -ENOMEM;
        }
        /* Ed25519 and Ed448 sign the message itself, with no separate digest */
        id = EVP_PKEY_get_base_id(key);
        r = EVP_DigestVerifyInit(
                ctx, NULL, id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448 ? NULL : EVP_sha256(),
                NULL, key);
        if (r == 1)
                r = EVP_DigestVerify(ctx, m->signature, m->signature_len,
                                     (const unsigned char *)header, m->signed_len);
        EVP_MD_CTX_free(ctx);
        EVP_PKEY_free(key);
        if (r != 1)
                return image_fail(result, 9019, "Firmware image signature does not verify with %s",
                                  public_key_file);
        return 0;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
        while (n > 0) {
                ssize_t k = write(fd, p, n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += k;
                n -= (size_t)k;
        }
        return 0;
}

static int write_failed(struct firmware_result *result, const char *dest, int r)
{
        if (r == -ENOSPC || r == -EDQUOT)
                return image_fail(result, 9010,
                                  "Not enough space to write the firmware image to %s", dest);
        return image_fail(result, 9010, "Cannot write the firmware image to %s: %s", dest,
                          strerror(-r));
}

static int extract(int in, const char *dest, const struct image_manifest *m,
                   struct firmware_result *result)
{
        _cleanup_close_ int out = -1;
        EVP_MD_CTX *ctx = NULL;
        uint8_t buf[65536], digest[32];
        uint64_t left = m->size;
        unsigned digest_len = 0;
        int r = 0;

        out = open(dest, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (out < 0)
                return write_failed(result, dest, -errno);
        ctx = EVP_MD_CTX_new();
        if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
                r = -ENOMEM;
                goto out;
        }
        while (left > 0) {
                size_t want = left < sizeof(buf) ? (size_t)left : sizeof(buf);
                ssize_t k = read(in, buf, want);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0) {
                        r = image_fail(result, 9010, "Cannot read the firmware image: %s",
                                       strerror(errno));
                        goto out;
                }
                if (k == 0) {
                        r = image_fail(
                                result, 9018, "Firmware image is truncated (%llu of %llu bytes)",
                                (unsigned long long)(m->size - left), (unsigned long long)m->size);
                        goto out;
                }
                EVP_DigestUpdate(ctx, buf, (size_t)k);
                r = write_all(out, buf, (size_t)k);
                if (r < 0) {
                        r = write_failed(result, dest, r);
                        goto out;
                }
                left -= (uint64_t)k;
        }
        if (read(in, buf, 1) != 0) {
                r = image_fail(result, 9018, "Firmware image is longer than its manifest says");
                goto out;
        }
        if (EVP_DigestFinal_ex(ctx, digest, &digest_len) != 1 || digest_len != 32 ||
            memcmp(digest, m->sha256, 32) != 0) {
                r = image_fail(result, 9018, "Firmware image is corrupted (SHA-256 mismatch)");
                goto out;
        }
        if (fsync(out) < 0) {
                r = write_failed(result, dest, -errno);
                goto out;
        }
        r = close(TAKE_FD(out)) < 0 ? write_failed(result, dest, -errno) : 0;
out:
        EVP_MD_CTX_free(ctx);
        if (r < 0)
                unlink(dest);
        return r;
}

int image_verify_and_extract(const char *path, const char *public_key_file, const char *dest,
                             struct image_manifest *m, struct firmware_result *result)
{
        _cleanup_close_ int in = -1;
        char header[IMAGE_MAX_HEADER];
        size_t have = 0;
        struct stat st;
        int r;

        *result = (struct firmware_result){};
        *m = (struct image_manifest){};
        in = open(path, O_RDONLY | O_CLOEXEC);
        if (in < 0)
                return image_fail(result, 9010, "Cannot open the firmware image: %s",
                                  strerror(errno));
        if (fstat(in, &st) < 0 || !S_ISREG(st.st_mode))
                return image_fail(result, 9010, "The firmware image is not a regular file");
        while (have < sizeof(header)) {
                ssize_t k = read(in, header + have, sizeof(header) - have);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return image_fail(result, 9010, "Cannot read the firmware image: %s",
                                          strerror(errno));
                if (k == 0)
                        break;
                have += (size_t)k;
        }
        r = image_parse_manifest(header, have, m, result);
        if (r < 0)
                return r;
        r = image_check_signature(header, m, public_key_file, result);
        if (r < 0)
                goto fail;
        if ((uint64_t)st.st_size != m->payload_offset + m->size) {
                r = image_fail(result, 9018,
                               "Firmware image is %s: %llu payload bytes, the manifest says %llu",
                               (uint64_t)st.st_size < m->payload_offset + m->size ? "truncated"
                                                                                  : "too long",
                               (unsigned long long)((uint64_t)st.st_size - m->payload_offset),
                               (unsigned long long)m->size);
                goto fail;
        }
        if (lseek(in, (off_t)m->payload_offset, SEEK_SET) < 0) {
                r = image_fail(result, 9010, "Cannot read the firmware image: %s", strerror(errno));
                goto fail;
        }
        r = extract(in, dest, m, result);
        if (r < 0)
                goto fail;
        return 0;
fail:
        image_manifest_done(m);
        return r;
}
