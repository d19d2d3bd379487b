/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "firmware-backend.h"

/*
 * The slot backend's image format: a text manifest, a blank line, then the payload.
 *
 *     CWMP-FIRMWARE 1
 *     version=2.4.1
 *     name=box-2.4.1
 *     size=1048576
 *     sha256=<64 hex digits of the payload>
 *     signature=<base64 of a signature over every manifest byte before this line>
 *
 *     <payload>
 *
 * The signature (SHA-256 with RSA, ECDSA, or Ed25519) is checked against a PEM public
 * key; with a key configured an unsigned image is refused. The manifest is at most
 * IMAGE_MAX_HEADER bytes.
 */

#define IMAGE_MAGIC      "CWMP-FIRMWARE 1"
#define IMAGE_MAX_HEADER 4096u
#define IMAGE_MAX_FIELD  64u

struct image_manifest {
        char version[IMAGE_MAX_FIELD + 1];
        char name[IMAGE_MAX_FIELD + 1];
        uint64_t size;
        uint8_t sha256[32];
        size_t signed_len;     /* manifest bytes the signature covers */
        size_t payload_offset; /* first payload byte */
        uint8_t *signature;    /* NULL when unsigned */
        size_t signature_len;
};

void image_manifest_done(struct image_manifest *m);

/* Sets result->fault_code and fault_string; returns -EINVAL for convenience. */
int image_fail(struct firmware_result *result, unsigned code, const char *format, ...)
        __attribute__((format(printf, 3, 4)));

/* Parses the manifest at the start of `data` (len bytes available, at most the whole
 * header). 9018 when it is not an image or is malformed. */
int image_parse_manifest(const char *data, size_t len, struct image_manifest *m,
                         struct firmware_result *result);

/* Checks the manifest's signature with the PEM public key in `public_key_file` (NULL: no
 * check). 9019 when missing or wrong, 9010 when the key cannot be read. */
int image_check_signature(const char *header, const struct image_manifest *m,
                          const char *public_key_file, struct firmware_result *result);

/* Verifies the image at `path` and writes its payload to `dest` (created, fsynced; removed
 * again on any failure). 9018 corrupted, 9019 bad signature, 9010 with a clear message when
 * the disk is full or unwritable. Blocking: run it in a worker process. */
int image_verify_and_extract(const char *path, const char *public_key_file, const char *dest,
                             struct image_manifest *m, struct firmware_result *result);
