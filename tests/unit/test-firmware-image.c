/* SPDX-License-Identifier: MIT */
/* The slot backend's image format: manifest parsing, payload check, signatures. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "image-verify.h"
#include "util.h"

struct fixture {
        char dir[64];
        char image[96], dest[96], pub[96], other_pub[96];
        EVP_PKEY *key, *other;
};

static EVP_PKEY *new_key(const char *pub_path)
{
        EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
        FILE *f;

        assert_non_null(key);
        f = fopen(pub_path, "we");
        assert_non_null(f);
        assert_int_equal(PEM_write_PUBKEY(f, key), 1);
        fclose(f);
        return key;
}

static int setup(void **state)
{
        struct fixture *fx = calloc(1, sizeof(*fx));

        assert_non_null(fx);
        snprintf(fx->dir, sizeof(fx->dir), "/tmp/test-firmware-image-XXXXXX");
        assert_non_null(mkdtemp(fx->dir));
        snprintf(fx->image, sizeof(fx->image), "%s/image", fx->dir);
        snprintf(fx->dest, sizeof(fx->dest), "%s/payload", fx->dir);
        snprintf(fx->pub, sizeof(fx->pub), "%s/vendor.pub", fx->dir);
        snprintf(fx->other_pub, sizeof(fx->other_pub), "%s/other.pub", fx->dir);
        fx->key = new_key(fx->pub);
        fx->other = new_key(fx->other_pub);
        *state = fx;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *fx = *state;

        unlink(fx->image);
        unlink(fx->dest);
        unlink(fx->pub);
        unlink(fx->other_pub);
        rmdir(fx->dir);
        EVP_PKEY_free(fx->key);
        EVP_PKEY_free(fx->other);
        free(fx);
        return 0;
}

static void sha256_hex(const uint8_t *data, size_t len, char out[65])
{
        uint8_t digest[32];
        unsigned n = 0;

        assert_int_equal(EVP_Digest(data, len, digest, &n, EVP_sha256(), NULL), 1);
        for (size_t i = 0; i < 32; i++)
                snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

/* Writes manifest + (signature) + blank line + payload; returns the manifest's length. */
static void write_image(const char *path, const char *version, const uint8_t *payload, size_t len,
                        EVP_PKEY *key, const char *extra)
{
        char header[2048], hex[65];
        size_t n;
        FILE *f;

        sha256_hex(payload, len, hex);
        n = (size_t)snprintf(header, sizeof(header),
                             IMAGE_MAGIC "\nversion=%s\nsize=%zu\nsha256=%s\n%s", version, len, hex,
                             extra ? extra : "");
        if (key) {
                EVP_MD_CTX *ctx = EVP_MD_CTX_new();
                uint8_t sig[256];
                unsigned char b64[400];
                size_t sig_len = sizeof(sig);

                assert_non_null(ctx);
                assert_int_equal(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key), 1);
                assert_int_equal(EVP_DigestSign(ctx, sig, &sig_len, (uint8_t *)header, n), 1);
                EVP_MD_CTX_free(ctx);
                EVP_EncodeBlock(b64, sig, (int)sig_len);
                n += (size_t)snprintf(header + n, sizeof(header) - n, "signature=%s\n", b64);
        }
        f = fopen(path, "we");
        assert_non_null(f);
        assert_int_equal(fwrite(header, 1, n, f), n);
        assert_int_equal(fputc('\n', f), '\n');
        assert_int_equal(fwrite(payload, 1, len, f), len);
        assert_int_equal(fclose(f), 0);
}

static void fill(uint8_t *p, size_t n)
{
        for (size_t i = 0; i < n; i++)
                p[i] = (uint8_t)(i * 7 + 3);
}

static void test_parse_manifest(void **state)
{
        struct image_manifest m;
        struct firmware_result r = {};
        const char *good = IMAGE_MAGIC "\nversion=2.4.1\nname=box\nsize=10\n"
                                       "sha256=00112233445566778899aabbccddeeff"
                                       "00112233445566778899AABBCCDDEEFF\nvendor=x\n\npayload";
        (void)state;

        assert_int_equal(image_parse_manifest(good, strlen(good), &m, &r), 0);
        assert_string_equal(m.version, "2.4.1");
        assert_string_equal(m.name, "box");
        assert_int_equal(m.size, 10);
        assert_int_equal(m.sha256[0], 0x00);
        assert_int_equal(m.sha256[31], 0xff);
        assert_null(m.signature);
        assert_int_equal(m.payload_offset, strlen(good) - strlen("payload"));
        assert_int_equal(m.signed_len, m.payload_offset - 1);
        image_manifest_done(&m);

        static const char *const bad[] = {
                "CWMP-FIRMWARE 2\nversion=1\n\n",
                "not an image at all",
                IMAGE_MAGIC "\nversion=1\nsize=1\n\n", /* no sha256 */
                IMAGE_MAGIC "\nsize=1\nsha256="        /* no version */
                            "0011223344556677889900112233445566778899001122334455667788990011\n\n",
                IMAGE_MAGIC "\nversion=1\nsize=1\nsha256=abc\n\n",
                IMAGE_MAGIC "\nversion=1\nsize=-1\nsha256="
                            "0011223344556677889900112233445566778899001122334455667788990011\n\n",
                IMAGE_MAGIC "\nversion=has blank\nsize=1\nsha256="
                            "0011223344556677889900112233445566778899001122334455667788990011\n\n",
                IMAGE_MAGIC "\nversion=1\nversion=2\nsize=1\nsha256="
                            "0011223344556677889900112233445566778899001122334455667788990011\n\n",
                IMAGE_MAGIC "\nversion=1\nsize=1\nsha256="
                            "0011223344556677889900112233445566778899001122334455667788990011\n",
                IMAGE_MAGIC "\nversion=1\nno equals sign\n\n",
                IMAGE_MAGIC "\nversion=1\nsize=1\nsignature=AAAA\nsha256="
                            "0011223344556677889900112233445566778899001122334455667788990011\n\n",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                r = (struct firmware_result){};
                assert_int_equal(image_parse_manifest(bad[i], strlen(bad[i]), &m, &r), -EINVAL);
                assert_int_equal(r.fault_code, 9018);
                assert_true(r.fault_string[0] != '\0');
                image_manifest_done(&m);
        }

        /* a version longer than 64 characters */
        char longer[256];
        snprintf(longer, sizeof(longer),
                 IMAGE_MAGIC "\nversion=%065d\nsize=1\nsha256="
                             "0011223344556677889900112233445566778899001122334455667788990011\n\n",
                 1);
        assert_int_equal(image_parse_manifest(longer, strlen(longer), &m, &r), -EINVAL);
        assert_int_equal(r.fault_code, 9018);
}

static void assert_payload(const char *path, const uint8_t *payload, size_t len)
{
        uint8_t buf[70000];
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n;

        assert_true(fd >= 0);
        n = read(fd, buf, sizeof(buf));
        close(fd);
        assert_int_equal(n, len);
        assert_memory_equal(buf, payload, len);
}

static void test_good_images(void **state)
{
        struct fixture *fx = *state;
        static uint8_t payload[65536 + 123];
        struct image_manifest m;
        struct firmware_result r;

        fill(payload, sizeof(payload));
        /* unsigned, no key required */
        write_image(fx->image, "1.2.3", payload, sizeof(payload), NULL, "name=unsigned\n");
        assert_int_equal(image_verify_and_extract(fx->image, NULL, fx->dest, &m, &r), 0);
        assert_int_equal(r.fault_code, 0);
        assert_string_equal(m.version, "1.2.3");
        assert_string_equal(m.name, "unsigned");
        assert_payload(fx->dest, payload, sizeof(payload));
        image_manifest_done(&m);
        unlink(fx->dest);

        /* signed, checked against the vendor's key */
        write_image(fx->image, "1.2.4", payload, 1000, fx->key, NULL);
        assert_int_equal(image_verify_and_extract(fx->image, fx->pub, fx->dest, &m, &r), 0);
        assert_string_equal(m.version, "1.2.4");
        assert_non_null(m.signature);
        assert_payload(fx->dest, payload, 1000);
        image_manifest_done(&m);

        /* an empty payload is an image too */
        write_image(fx->image, "0", payload, 0, fx->key, NULL);
        assert_int_equal(image_verify_and_extract(fx->image, fx->pub, fx->dest, &m, &r), 0);
        assert_payload(fx->dest, payload, 0);
        image_manifest_done(&m);
}

static void expect_fault(struct fixture *fx, const char *key, unsigned code, const char *text)
{
        struct image_manifest m;
        struct firmware_result r;

        assert_int_equal(image_verify_and_extract(fx->image, key, fx->dest, &m, &r), -EINVAL);
        assert_int_equal(r.fault_code, code);
        if (!strstr(r.fault_string, text))
                fail_msg("fault string '%s' lacks '%s'", r.fault_string, text);
        assert_int_equal(access(fx->dest, F_OK), -1); /* nothing left behind */
        assert_null(m.signature);
}

static void test_corrupt_images(void **state)
{
        struct fixture *fx = *state;
        uint8_t payload[5000];
        FILE *f;

        fill(payload, sizeof(payload));
        /* a flipped byte in the payload */
        write_image(fx->image, "1", payload, sizeof(payload), NULL, NULL);
        f = fopen(fx->image, "r+e");
        assert_non_null(f);
        assert_int_equal(fseek(f, -100, SEEK_END), 0);
        fputc('!', f);
        fclose(f);
        expect_fault(fx, NULL, 9018, "SHA-256");
        /* cut short, and too long */
        write_image(fx->image, "1", payload, sizeof(payload), NULL, NULL);
        assert_int_equal(truncate(fx->image, 3000), 0);
        expect_fault(fx, NULL, 9018, "truncated");
        write_image(fx->image, "1", payload, sizeof(payload), NULL, NULL);
        f = fopen(fx->image, "ae");
        fputs("trailing", f);
        fclose(f);
        expect_fault(fx, NULL, 9018, "too long");
        /* not an image */
        f = fopen(fx->image, "we");
        fputs("<html>404</html>\n", f);
        fclose(f);
        expect_fault(fx, NULL, 9018, "Not a firmware image");
}

static void test_signatures(void **state)
{
        struct fixture *fx = *state;
        uint8_t payload[300];
        FILE *f;

        fill(payload, sizeof(payload));
        write_image(fx->image, "2", payload, sizeof(payload), NULL, NULL);
        expect_fault(fx, fx->pub, 9019, "not signed");
        write_image(fx->image, "2", payload, sizeof(payload), fx->other, NULL);
        expect_fault(fx, fx->pub, 9019, "does not verify");
        /* the right key, but the manifest was changed after signing */
        write_image(fx->image, "2", payload, sizeof(payload), fx->key, NULL);
        f = fopen(fx->image, "r+e");
        assert_non_null(f);
        assert_int_equal(fseek(f, (long)strlen(IMAGE_MAGIC "\nversion="), SEEK_SET), 0);
        fputc('3', f);
        fclose(f);
        expect_fault(fx, fx->pub, 9019, "does not verify");
        /* a key that cannot be read is the box's problem, not the image's */
        write_image(fx->image, "2", payload, sizeof(payload), fx->key, NULL);
        expect_fault(fx, "/nonexistent/key.pem", 9010, "public key");
        /* signature garbage */
        write_image(fx->image, "2", payload, sizeof(payload), NULL, "signature=!!!!\n");
        expect_fault(fx, fx->pub, 9019, "base64");
}

static void test_unwritable_destination(void **state)
{
        struct fixture *fx = *state;
        uint8_t payload[100];
        struct image_manifest m;
        struct firmware_result r;

        fill(payload, sizeof(payload));
        write_image(fx->image, "4", payload, sizeof(payload), NULL, NULL);
        assert_int_equal(
                image_verify_and_extract(fx->image, NULL, "/nonexistent/dir/payload", &m, &r),
                -EINVAL);
        assert_int_equal(r.fault_code, 9010);
        assert_non_null(strstr(r.fault_string, "Cannot write"));
        /* a missing image */
        assert_int_equal(image_verify_and_extract("/nonexistent/image", NULL, fx->dest, &m, &r),
                         -EINVAL);
        assert_int_equal(r.fault_code, 9010);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_manifest),
                cmocka_unit_test_setup_teardown(test_good_images, setup, teardown),
                cmocka_unit_test_setup_teardown(test_corrupt_images, setup, teardown),
                cmocka_unit_test_setup_teardown(test_signatures, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unwritable_destination, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
