/* SPDX-License-Identifier: MIT */
#pragma once

#include <dbus/dbus.h>
#include <stdint.h>
#include <systemd/sd-event.h>

/*
 * Device.Security.Certificate.{i}.: the certificates cwmpd uses to talk to the ACS, served
 * as a provider of dmd. These are the CA certificates it trusts ([ACS] CAFile= and the
 * files of CAPath=) and its client certificate ([ACS] ClientCertificate=), read with
 * OpenSSL. A certificate keeps its instance number (by its SHA-256 fingerprint, stored in
 * the state file) for as long as one of the files holds it; the files are looked at again
 * (inode, size, modification time) whenever a value is read, so a replaced bundle shows at
 * once. Device.Security.CABundle.1. is CAFile, .2. CAPath, when configured: their
 * CACertificates name the rows they hold.
 */

struct security_certificates;

struct security_certificates_options {
        const char *schema_file;
        const char *state_file; /* fingerprint -> instance number; NULL: in memory */
        const char *ca_file;    /* each may be NULL */
        const char *ca_path;
        const char *client_cert;
};

int security_certificates_new(sd_event *event, DBusConnection *bus,
                              const struct security_certificates_options *options,
                              struct security_certificates **ret);
void security_certificates_free(struct security_certificates *sc);
/* Exports and registers Device.Security. with dmd. */
int security_certificates_start(struct security_certificates *sc);

/* One certificate as TR-181 shows it (pure: for unit tests). */
struct certificate_info {
        char fingerprint[65];    /* SHA-256 of the DER, lower-case hex */
        char serial_number[130]; /* upper-case hex, as `openssl x509 -serial` */
        char *issuer, *subject;  /* RFC 2253 names */
        char *subject_alt; /* DNS names, IP addresses, e-mail addresses, URIs; comma-separated */
        char *signature_algorithm;
        char not_before[32], not_after[32]; /* dateTime */
};

void certificate_info_done(struct certificate_info *info);
/* Reads the certificates of a PEM file (a bundle holds several) in file order; *ret is a
 * malloc'd array. A file with no certificate gives n = 0. */
int certificate_info_read_pem(const char *path, struct certificate_info **ret, size_t *n);
void certificate_info_free_array(struct certificate_info *infos, size_t n);
