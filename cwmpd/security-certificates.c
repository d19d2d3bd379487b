/* SPDX-License-Identifier: MIT */
/* Device.Security.Certificate.{i}.: the certificates cwmpd uses towards the ACS. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cwmp/provider.h"
#include "kvmap.h"
#include "log.h"
#include "security-certificates.h"
#include "store.h"
#include "types.h"
#include "util.h"

#define SEC_PREFIX      "Device.Security."
#define CERT_TABLE      SEC_PREFIX "Certificate."
#define BUNDLE_TABLE    SEC_PREFIX "CABundle."
#define SEC_OBJECT_PATH "/io/cwmp/Agent/Security"
#define NEXT_KEY        "next"
#define FP_PREFIX       "fp:" /* fp:<fingerprint> = instance number */
#define TEXT_MAX        256   /* TR-181 string(256) of Issuer, Subject, SubjectAlt items */
#define PEM_MAX         (4u << 20)

/* Where a certificate was read; CABundle.1. is CAFile, CABundle.2. CAPath. */
enum {
        FROM_CA_FILE = 1 << 0,
        FROM_CA_PATH = 1 << 1,
        FROM_CLIENT = 1 << 2,
};
#define BUNDLE_CA_FILE 1
#define BUNDLE_CA_PATH 2

struct cert_row {
        uint32_t instance;
        unsigned from;
        char last_modif[32];
        struct certificate_info info;
};

struct security_certificates {
        cwmp_provider *provider;
        char *state_file;
        char *ca_file, *ca_path, *client_cert;
        struct kvmap *numbers; /* FP_PREFIX fingerprint -> instance, NEXT_KEY -> next */
        char *signature;       /* of the files the rows were read from */
        struct cert_row *rows;
        size_t n_rows;
};

/* ---- one certificate ---- */

void certificate_info_done(struct certificate_info *info)
{
        free(info->issuer);
        free(info->subject);
        free(info->subject_alt);
        free(info->signature_algorithm);
        *info = (struct certificate_info){};
}

void certificate_info_free_array(struct certificate_info *infos, size_t n)
{
        for (size_t i = 0; i < n; i++)
                certificate_info_done(&infos[i]);
        free(infos);
}

/* Cuts s to at most max characters, on a UTF-8 character boundary. */
static void truncate_utf8(char *s, size_t max)
{
        size_t chars = 0;
        for (char *p = s; *p; p++)
                if (((unsigned char)*p & 0xC0) != 0x80 && chars++ == max) {
                        *p = '\0';
                        return;
                }
}

static char *name_text(const X509_NAME *name)
{
        BIO *bio = BIO_new(BIO_s_mem());
        char *data, *text = NULL;
        long len;

        if (!bio)
                return NULL;
        if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
                len = BIO_get_mem_data(bio, &data);
                text = strndup(data ? data : "", len > 0 ? (size_t)len : 0);
        }
        BIO_free(bio);
        if (text)
                truncate_utf8(text, TEXT_MAX);
        return text;
}

static int time_text(const ASN1_TIME *t, char *buf, size_t size)
{
        struct tm tm = {};

        if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
                return -EBADMSG;
        return cw_format_datetime((int64_t)timegm(&tm), 0, buf, size);
}

/* One subjectAltName entry as text, or NULL for kinds that have none. */
static char *general_name_text(const GENERAL_NAME *gn)
{
        char addr[INET6_ADDRSTRLEN];
        const ASN1_STRING *s = NULL;

        switch (gn->type) {
        case GEN_DNS:
                s = gn->d.dNSName;
                break;
        case GEN_EMAIL:
                s = gn->d.rfc822Name;
                break;
        case GEN_URI:
                s = gn->d.uniformResourceIdentifier;
                break;
        case GEN_IPADD: {
                const ASN1_OCTET_STRING *ip = gn->d.iPAddress;
                int family = ip->length == 4 ? AF_INET : ip->length == 16 ? AF_INET6 : 0;
                if (!family || !inet_ntop(family, ip->data, addr, sizeof(addr)))
                        return NULL;
                return strdup(addr);
        }
        default:
                return NULL;
        }
        return strndup((const char *)ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s));
}

static int subject_alt_text(X509 *x, char **ret)
{
        _cleanup_(buf_done) struct buf b = {};
        GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
        int r = 0;

        for (int i = 0; names && r >= 0 && i < sk_GENERAL_NAME_num(names); i++) {
                _cleanup_free_ char *item = general_name_text(sk_GENERAL_NAME_value(names, i));
                /* an item with a comma cannot be a list item; the list has TR-181's 256 at most */
                if (!item || !*item || strchr(item, ',') ||
                    b.len + (b.len ? 1 : 0) + strlen(item) > TEXT_MAX)
                        continue;
                r = buf_printf(&b, "%s%s", b.len ? "," : "", item);
        }
        GENERAL_NAMES_free(names);
        if (r < 0)
                return -ENOMEM;
        *ret = b.data ? buf_steal(&b) : strdup("");
        return *ret ? 0 : -ENOMEM;
}

static int describe(X509 *x, struct certificate_info *info)
{
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int md_len = 0;
        BIGNUM *bn;
        char *hex;
        int r;

        *info = (struct certificate_info){};
        if (X509_digest(x, EVP_sha256(), md, &md_len) != 1 || md_len != 32)
                return -EBADMSG;
        for (unsigned i = 0; i < md_len; i++)
                snprintf(info->fingerprint + 2 * i, 3, "%02x", md[i]);
        bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
        hex = bn ? BN_bn2hex(bn) : NULL;
        BN_free(bn);
        if (!hex)
                return -ENOMEM;
        /* BN_bn2hex writes a zero serial as "0", openssl x509 as "00" */
        snprintf(info->serial_number, sizeof(info->serial_number), "%s%s",
                 strlen(hex) % 2 ? "0" : "", hex);
        OPENSSL_free(hex);
        truncate_utf8(info->serial_number, 64);
        const char *alg = OBJ_nid2ln(X509_get_signature_nid(x));
        info->issuer = name_text(X509_get_issuer_name(x));
        info->subject = name_text(X509_get_subject_name(x));
        info->signature_algorithm = strdup(alg ? alg : "");
        if (!info->issuer || !info->subject || !info->signature_algorithm)
                r = -ENOMEM;
        else
                r = subject_alt_text(x, &info->subject_alt);
        if (r >= 0)
                r = time_text(X509_get0_notBefore(x), info->not_before, sizeof(info->not_before));
        if (r >= 0)
                r = time_text(X509_get0_notAfter(x), info->not_after, sizeof(info->not_after));
        if (r < 0)
                certificate_info_done(info);
        return r;
}

int certificate_info_read_pem(const char *path, struct certificate_info **ret, size_t *n)
{
        _cleanup_free_ char *data = NULL;
        struct certificate_info *infos = NULL;
        size_t len = 0, count = 0;
        BIO *bio;
        X509 *x;
        int r;

        r = store_read_file(path, PEM_MAX, &data, &len);
        if (r < 0)
                return r;
        bio = BIO_new_mem_buf(data, (int)len);
        if (!bio)
                return -ENOMEM;
        while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
                struct certificate_info *more = realloc(infos, (count + 1) * sizeof(*more));
                if (!more) {
                        X509_free(x);
                        r = -ENOMEM;
                        break;
                }
                infos = more;
                r = describe(x, &infos[count]);
                X509_free(x);
                if (r < 0)
                        break;
                count++;
        }
        BIO_free(bio);
        ERR_clear_error(); /* the end of the file reads as an error */
        if (r < 0) {
                certificate_info_free_array(infos, count);
                return r;
        }
        *ret = infos;
        *n = count;
        return 0;
}

/* ---- the files ---- */

/* The files to read, in row order: CAFile, CAPath's files by name, ClientCertificate. */
static int source_files(struct security_certificates *sc, struct strv *files)
{
        int r = 0;

        if (sc->ca_file)
                r = strv_push(files, sc->ca_file);
        if (r >= 0 && sc->ca_path) {
                struct dirent **entries = NULL;
                int n = scandir(sc->ca_path, &entries, NULL, alphasort);
                for (int i = 0; i < n; i++) {
                        _cleanup_free_ char *path = NULL;
                        struct stat st;
                        if (r >= 0 && entries[i]->d_name[0] != '.' &&
                            asprintf(&path, "%s/%s", sc->ca_path, entries[i]->d_name) >= 0 &&
                            stat(path, &st) == 0 && S_ISREG(st.st_mode))
                                r = strv_push(files, path);
                        free(entries[i]);
                }
                free(entries);
        }
        if (r >= 0 && sc->client_cert)
                r = strv_push(files, sc->client_cert);
        return r;
}

/* What the files are now: a change of any makes another signature. */
static int files_signature(const struct strv *files, char **ret)
{
        _cleanup_(buf_done) struct buf b = {};

        for (size_t i = 0; i < files->n; i++) {
                struct stat st;
                int r;
                if (stat(files->v[i], &st) < 0)
                        r = buf_printf(&b, "%s:-\n", files->v[i]);
                else
                        r = buf_printf(&b, "%s:%ju:%jd:%jd.%ld\n", files->v[i],
                                       (uintmax_t)st.st_ino, (intmax_t)st.st_size,
                                       (intmax_t)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
                if (r < 0)
                        return -ENOMEM;
        }
        *ret = b.data ? buf_steal(&b) : strdup("");
        return *ret ? 0 : -ENOMEM;
}

static void rows_free(struct cert_row *rows, size_t n)
{
        for (size_t i = 0; i < n; i++)
                certificate_info_done(&rows[i].info);
        free(rows);
}

static const struct cert_row *row_by_fingerprint(const struct cert_row *rows, size_t n,
                                                 const char *fp)
{
        for (size_t i = 0; i < n; i++)
                if (streq(rows[i].info.fingerprint, fp))
                        return &rows[i];
        return NULL;
}

/* Instance numbers: a known fingerprint keeps its own, a new one takes the next; those of
 * certificates gone are forgotten (a number is never given twice). */
static int number_rows(struct security_certificates *sc, struct cert_row *rows, size_t n)
{
        _cleanup_kvmap_ struct kvmap *next_map = kvmap_new();
        const char *nv = kvmap_get(sc->numbers, NEXT_KEY);
        uint32_t next = 1;
        char key[sizeof(FP_PREFIX) + 65], num[16];
        int r;

        if (!next_map)
                return -ENOMEM;
        if (nv)
                (void)cw_parse_uint32(nv, &next);
        for (size_t i = 0; i < n; i++) {
                snprintf(key, sizeof(key), FP_PREFIX "%s", rows[i].info.fingerprint);
                const char *known = kvmap_get(sc->numbers, key);
                if (!known || cw_parse_uint32(known, &rows[i].instance) < 0 ||
                    rows[i].instance == 0)
                        rows[i].instance = next++;
                snprintf(num, sizeof(num), "%" PRIu32, rows[i].instance);
                r = kvmap_set(next_map, key, num);
                if (r < 0)
                        return r;
        }
        snprintf(num, sizeof(num), "%" PRIu32, next);
        r = kvmap_set(next_map, NEXT_KEY, num);
        if (r < 0)
                return r;
        if (sc->state_file) {
                r = store_save(sc->state_file, next_map);
                if (r < 0)
                        log_warning_errno(r, "Failed to save %s: %m", sc->state_file);
        }
        kvmap_free(sc->numbers);
        sc->numbers = TAKE_PTR(next_map);
        return 0;
}

static unsigned file_origin(struct security_certificates *sc, const char *path)
{
        unsigned from = 0;
        size_t len = sc->ca_path ? strlen(sc->ca_path) : 0;

        if (sc->ca_file && streq(path, sc->ca_file))
                from |= FROM_CA_FILE;
        if (sc->client_cert && streq(path, sc->client_cert))
                from |= FROM_CLIENT;
        if (len && !strncmp(path, sc->ca_path, len) && path[len] == '/' &&
            !strchr(path + len + 1, '/'))
                from |= FROM_CA_PATH;
        return from;
}

static int read_rows(struct security_certificates *sc, const struct strv *files,
                     struct cert_row **ret, size_t *ret_n)
{
        struct cert_row *rows = NULL;
        size_t n = 0;

        for (size_t f = 0; f < files->n; f++) {
                struct certificate_info *infos = NULL;
                size_t count = 0;
                struct stat st;
                char modified[32] = "0001-01-01T00:00:00Z";

                int r = certificate_info_read_pem(files->v[f], &infos, &count);
                if (r < 0) {
                        log_debug_errno(r, "No certificate read from %s: %m", files->v[f]);
                        continue;
                }
                if (stat(files->v[f], &st) == 0)
                        (void)cw_format_datetime((int64_t)st.st_mtim.tv_sec, 0, modified,
                                                 sizeof(modified));
                unsigned from = file_origin(sc, files->v[f]);
                for (size_t i = 0; i < count; i++) {
                        struct cert_row *more;
                        /* CAPath's hash links name the same certificate twice: one row */
                        struct cert_row *seen = (struct cert_row *)row_by_fingerprint(
                                rows, n, infos[i].fingerprint);
                        if (seen)
                                seen->from |= from;
                        if (seen || !(more = realloc(rows, (n + 1) * sizeof(*more)))) {
                                certificate_info_done(&infos[i]);
                                continue;
                        }
                        rows = more;
                        rows[n] = (struct cert_row){.from = from, .info = infos[i]};
                        memcpy(rows[n].last_modif, modified, sizeof(modified));
                        n++;
                }
                free(infos);
        }
        *ret = rows;
        *ret_n = n;
        return 0;
}

/* Reads the files again when they changed since the rows were made. */
static int refresh(struct security_certificates *sc)
{
        _cleanup_(strv_done) struct strv files = {};
        _cleanup_free_ char *signature = NULL;
        struct cert_row *rows = NULL;
        size_t n = 0;
        int r;

        r = source_files(sc, &files);
        if (r >= 0)
                r = files_signature(&files, &signature);
        if (r < 0)
                return r;
        if (sc->signature && streq(sc->signature, signature))
                return 0;
        r = read_rows(sc, &files, &rows, &n);
        if (r >= 0)
                r = number_rows(sc, rows, n);
        if (r < 0) {
                rows_free(rows, n);
                return r;
        }
        rows_free(sc->rows, sc->n_rows);
        sc->rows = rows;
        sc->n_rows = n;
        free(sc->signature);
        sc->signature = TAKE_PTR(signature);
        return 0;
}

/* ---- provider callbacks ---- */

/* The bundles configured: CAFile as 1, CAPath as 2. */
static size_t bundles(const struct security_certificates *sc, uint32_t out[static 2])
{
        size_t n = 0;

        if (sc->ca_file)
                out[n++] = BUNDLE_CA_FILE;
        if (sc->ca_path)
                out[n++] = BUNDLE_CA_PATH;
        return n;
}

static int on_list_instances(cwmp_provider *p, const char *table, uint32_t **instances, size_t *n,
                             void *userdata)
{
        struct security_certificates *sc = userdata;
        int r;

        if (streq(table, BUNDLE_TABLE)) {
                uint32_t b[2];
                size_t count = bundles(sc, b);
                *instances = count ? calloc(count, sizeof(**instances)) : NULL;
                if (count && !*instances)
                        return -ENOMEM;
                for (size_t i = 0; i < count; i++)
                        (*instances)[i] = b[i];
                *n = count;
                return 0;
        }
        if (!streq(table, CERT_TABLE))
                return -ENOENT;
        r = refresh(sc);
        if (r < 0)
                return r;
        *instances = NULL;
        *n = 0;
        if (sc->n_rows == 0)
                return 0;
        *instances = calloc(sc->n_rows, sizeof(**instances));
        if (!*instances)
                return -ENOMEM;
        for (size_t i = 0; i < sc->n_rows; i++)
                (*instances)[i] = sc->rows[i].instance;
        *n = sc->n_rows;
        return 0;
}

static const char *row_value(const struct cert_row *row, const char *leaf)
{
        if (streq(leaf, "Enable"))
                return "true"; /* every certificate listed is one cwmpd uses */
        if (streq(leaf, "LastModif"))
                return row->last_modif;
        if (streq(leaf, "SerialNumber"))
                return row->info.serial_number;
        if (streq(leaf, "Issuer"))
                return row->info.issuer;
        if (streq(leaf, "NotBefore"))
                return row->info.not_before;
        if (streq(leaf, "NotAfter"))
                return row->info.not_after;
        if (streq(leaf, "Subject"))
                return row->info.subject;
        if (streq(leaf, "SubjectAlt"))
                return row->info.subject_alt;
        if (streq(leaf, "SignatureAlgorithm"))
                return row->info.signature_algorithm;
        return NULL;
}

/* CABundle.{i}.X: the bundle's file or directory and its certificates' rows. */
static int bundle_value(struct security_certificates *sc, uint32_t instance, const char *leaf,
                        char **value)
{
        const char *source = instance == BUNDLE_CA_FILE   ? sc->ca_file
                             : instance == BUNDLE_CA_PATH ? sc->ca_path
                                                          : NULL;
        unsigned from = instance == BUNDLE_CA_FILE ? FROM_CA_FILE : FROM_CA_PATH;

        if (!source)
                return -ENOENT;
        if (streq(leaf, "Enable"))
                *value = strdup("true");
        else if (streq(leaf, "Name"))
                *value = strdup(source);
        else if (streq(leaf, "CACertificates")) {
                _cleanup_(buf_done) struct buf b = {};
                for (size_t i = 0; i < sc->n_rows; i++)
                        if ((sc->rows[i].from & from) &&
                            buf_printf(&b, "%s" CERT_TABLE "%" PRIu32, b.len ? "," : "",
                                       sc->rows[i].instance) < 0)
                                return -ENOMEM;
                *value = b.data ? buf_steal(&b) : strdup("");
        } else
                return -ENOENT;
        return *value ? 0 : -ENOMEM;
}

/* "N.Leaf" of a table row: N and Leaf. */
static int split_row(const char *rest, uint32_t *instance, const char **leaf)
{
        const char *dot = strchr(rest, '.');
        char number[16];

        if (!dot || dot == rest || (size_t)(dot - rest) >= sizeof(number))
                return -ENOENT;
        memcpy(number, rest, (size_t)(dot - rest));
        number[dot - rest] = '\0';
        if (cw_parse_uint32(number, instance) < 0)
                return -ENOENT;
        *leaf = dot + 1;
        return 0;
}

static int on_get(cwmp_provider *p, const char *name, char **value, void *userdata)
{
        struct security_certificates *sc = userdata;
        const char *text = NULL;
        int r;

        r = refresh(sc);
        if (r < 0)
                return r;
        if (streq(name, SEC_PREFIX "CertificateNumberOfEntries"))
                return asprintf(value, "%zu", sc->n_rows) < 0 ? -ENOMEM : 0;
        if (streq(name, SEC_PREFIX "CABundleNumberOfEntries")) {
                uint32_t b[2];
                return asprintf(value, "%zu", bundles(sc, b)) < 0 ? -ENOMEM : 0;
        }
        uint32_t instance = 0;
        const char *leaf;
        if (startswith(name, BUNDLE_TABLE))
                return split_row(name + strlen(BUNDLE_TABLE), &instance, &leaf) < 0
                               ? -ENOENT
                               : bundle_value(sc, instance, leaf, value);
        if (startswith(name, CERT_TABLE) &&
            split_row(name + strlen(CERT_TABLE), &instance, &leaf) >= 0)
                for (size_t i = 0; i < sc->n_rows && !text; i++)
                        if (sc->rows[i].instance == instance)
                                text = row_value(&sc->rows[i], leaf);
        if (!text)
                return -ENOENT;
        *value = strdup(text);
        return *value ? 0 : -ENOMEM;
}

static const struct cwmp_provider_ops provider_ops = {
        .get = on_get,
        .list_instances = on_list_instances,
};

/* ---- the API ---- */

void security_certificates_free(struct security_certificates *sc)
{
        if (!sc)
                return;
        cwmp_provider_free(sc->provider);
        rows_free(sc->rows, sc->n_rows);
        kvmap_free(sc->numbers);
        free(sc->signature);
        free(sc->state_file);
        free(sc->ca_file);
        free(sc->ca_path);
        free(sc->client_cert);
        free(sc);
}

static int dup_option(const char *from, char **to)
{
        if (!from || !*from)
                return 0;
        *to = strdup(from);
        return *to ? 0 : -ENOMEM;
}

int security_certificates_new(sd_event *event, DBusConnection *bus,
                              const struct security_certificates_options *options,
                              struct security_certificates **ret)
{
        struct security_certificates *sc;
        int r;

        if (!event || !bus || !options || !options->schema_file || !ret)
                return -EINVAL;
        sc = calloc(1, sizeof(*sc));
        if (!sc)
                return -ENOMEM;
        sc->numbers = kvmap_new();
        r = sc->numbers ? 0 : -ENOMEM;
        if (r >= 0)
                r = dup_option(options->state_file, &sc->state_file);
        if (r >= 0)
                r = dup_option(options->ca_file, &sc->ca_file);
        if (r >= 0)
                r = dup_option(options->ca_path, &sc->ca_path);
        if (r >= 0)
                r = dup_option(options->client_cert, &sc->client_cert);
        if (r >= 0 && sc->state_file) {
                r = store_load(sc->state_file, sc->numbers, NULL);
                if (r == -ENOENT)
                        r = 0;
                if (r < 0) {
                        /* only numbering is lost: start again */
                        log_warning_errno(r, "Ignoring %s: %m", sc->state_file);
                        kvmap_clear(sc->numbers);
                        r = 0;
                }
        }
        if (r >= 0)
                r = cwmp_provider_new(event, bus, SEC_OBJECT_PATH, &sc->provider);
        if (r >= 0)
                r = cwmp_provider_load_schema(sc->provider, options->schema_file);
        if (r >= 0)
                r = cwmp_provider_add_subtree(sc->provider, SEC_PREFIX);
        if (r < 0) {
                security_certificates_free(sc);
                return r;
        }
        cwmp_provider_set_ops(sc->provider, &provider_ops, sc);
        *ret = sc;
        return 0;
}

int security_certificates_start(struct security_certificates *sc)
{
        int r;

        if (!sc)
                return -EINVAL;
        r = refresh(sc);
        if (r < 0)
                log_warning_errno(r, "Failed to read the ACS certificates: %m");
        return cwmp_provider_start(sc->provider);
}
