/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>

#include "util.h"

/*
 * dmd's built-in provider of Device.DNS.Client. (schema/41-dns-client.schema): the name
 * servers the box's resolver uses, from ETC/resolv.conf, or from systemd-resolved's
 * RUN/systemd/resolve/resolv.conf when /etc/resolv.conf points at resolved's local stub
 * (127.0.0.53) only.
 *
 *     Status                  Enabled with at least one server, Error without
 *     Server.{i}.DNSServer    the address
 *     Server.{i}.Status       Enabled (the resolver asks every listed server)
 *     Server.{i}.Type         DHCPv4 / DHCPv6 (by the address family) when the file says a
 *                             DHCP client wrote it (dhclient, dhcpcd, udhcpc), else Static
 *
 * A server keeps its instance number while it is listed; numbers are never reused and are
 * kept in STATE_DIR/DNS_CLIENT_STATE_FILE. The file is read at most once per
 * DNS_CLIENT_SNAPSHOT_USEC.
 */
#define DNS_CLIENT_STATE_FILE    "dmd-dns-servers"
#define DNS_CLIENT_SNAPSHOT_USEC (100u * 1000u)
#define DNS_CLIENT_MAX_SERVERS   32u

struct dns_server {
        char *address;
        const char *type; /* a TR-181 Type value */
};

struct dns_server_list {
        struct dns_server *v;
        size_t n;
};

void dns_server_list_done(struct dns_server_list *l);
/* Parses resolv.conf(5) text: "nameserver" lines, in order, duplicates dropped. */
int dns_parse_resolv_conf(const char *data, struct dns_server_list *out);

struct dns_client;

/* etc, run: prefixes of the system trees (NULL: "/etc", "/run"); state_dir: where the
 * numbering is kept (NULL: in memory only). */
int dns_client_new(const char *etc, const char *run, const char *state_dir,
                   struct dns_client **ret);
void dns_client_free(struct dns_client *d);
int dns_client_get(struct dns_client *d, const char *name, char **value);
/* As deviceinfo_get_instances(), for Device.DNS.Client.Server.{i}. */
int dns_client_get_instances(struct dns_client *d, const char *object, struct strv *instances);
