/* SPDX-License-Identifier: MIT */
/* Device.DNS.Client.: the resolver's name servers. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "builtin-table.h"
#include "dns-client.h"
#include "instance-map.h"
#include "log.h"
#include "store.h"

#define CLIENT_PREFIX   "Device.DNS.Client."
#define SERVER_TABLE    CLIENT_PREFIX "Server."
#define RESOLV_CONF_MAX (64u * 1024u)
#define ADDRESS_MAX     45u /* TR-181 IPAddress */
#define RESOLVED_STUB   "127.0.0.53"

struct dns_client {
        char *etc, *run;
        struct instance_map numbers;
        /* The last read, with each server's number. */
        struct dns_server_list servers;
        uint32_t *instances;
        struct table_snapshot snapshot;
};

void dns_server_list_done(struct dns_server_list *l)
{
        for (size_t i = 0; i < l->n; i++)
                free(l->v[i].address);
        free(l->v);
        *l = (struct dns_server_list){};
}

static bool written_by_dhcp(const char *line)
{
        static const char *const clients[] = {"dhclient", "dhcpcd", "udhcpc"};
        for (size_t i = 0; i < ELEMENTSOF(clients); i++)
                if (strstr(line, clients[i]))
                        return true;
        return false;
}

int dns_parse_resolv_conf(const char *data, struct dns_server_list *out)
{
        struct dns_server_list l = {};
        bool dhcp = false;

        for (const char *line = data; *line;) {
                const char *eol = strchrnul(line, '\n');
                size_t len = (size_t)(eol - line);
                const char *next = *eol ? eol + 1 : eol;
                _cleanup_free_ char *copy = strndup(line, len);
                if (!copy) {
                        dns_server_list_done(&l);
                        return -ENOMEM;
                }
                line = next;
                char *s = copy + strspn(copy, " \t");
                if (*s == '#' || *s == ';') {
                        dhcp = dhcp || written_by_dhcp(s);
                        continue;
                }
                if (strncmp(s, "nameserver", 10) != 0 || (s[10] != ' ' && s[10] != '\t'))
                        continue;
                s += 10 + strspn(s + 10, " \t");
                size_t alen = strcspn(s, " \t\r#;");
                if (alen == 0 || alen > ADDRESS_MAX || l.n >= DNS_CLIENT_MAX_SERVERS)
                        continue;
                s[alen] = '\0';
                /* An address, then maybe '%' and a zone (an interface name). */
                size_t host = strcspn(s, "%");
                if (host == 0 || strspn(s, "0123456789abcdefABCDEF.:") != host ||
                    (s[host] == '%' && s[host + 1] == '\0'))
                        continue;
                bool dup = false;
                for (size_t i = 0; i < l.n && !dup; i++)
                        dup = streq(l.v[i].address, s);
                if (dup)
                        continue;
                struct dns_server *nv = realloc(l.v, (l.n + 1) * sizeof(*nv));
                if (!nv) {
                        dns_server_list_done(&l);
                        return -ENOMEM;
                }
                l.v = nv;
                l.v[l.n].address = strdup(s);
                l.v[l.n].type = strchr(s, ':') ? "DHCPv6" : "DHCPv4";
                if (!l.v[l.n].address) {
                        dns_server_list_done(&l);
                        return -ENOMEM;
                }
                l.n++;
        }
        /* The origin is known only when the file says which program wrote it. */
        for (size_t i = 0; !dhcp && i < l.n; i++)
                l.v[i].type = "Static";
        *out = l;
        return 0;
}

int dns_client_new(const char *etc, const char *run, const char *state_dir, struct dns_client **ret)
{
        _cleanup_free_ char *path = NULL;
        struct dns_client *d = calloc(1, sizeof(*d));
        int r;

        if (!d)
                return -ENOMEM;
        d->etc = strdup(etc ? etc : "/etc");
        d->run = strdup(run ? run : "/run");
        if (state_dir && asprintf(&path, "%s/" DNS_CLIENT_STATE_FILE, state_dir) < 0)
                path = NULL, r = -ENOMEM;
        else
                r = d->etc && d->run ? instance_map_init(&d->numbers, path) : -ENOMEM;
        if (r < 0) {
                dns_client_free(d);
                return r;
        }
        *ret = d;
        return 0;
}

void dns_client_free(struct dns_client *d)
{
        if (!d)
                return;
        dns_server_list_done(&d->servers);
        free(d->instances);
        instance_map_done(&d->numbers);
        free(d->etc);
        free(d->run);
        free(d);
}

static int read_servers(const char *prefix, const char *file, struct dns_server_list *out)
{
        _cleanup_free_ char *path = NULL, *data = NULL;
        if (asprintf(&path, "%s%s", prefix, file) < 0)
                return -ENOMEM;
        int r = store_read_file(path, RESOLV_CONF_MAX, &data, NULL);
        if (r < 0)
                return r;
        return dns_parse_resolv_conf(data, out);
}

static int refresh(struct dns_client *d)
{
        struct dns_server_list l = {};
        uint64_t now;
        int r;

        if (table_snapshot_fresh(&d->snapshot, DNS_CLIENT_SNAPSHOT_USEC, &now))
                return 0;
        r = read_servers(d->etc, "/resolv.conf", &l);
        if (r == -ENOENT || r == -EACCES)
                r = 0; /* no resolver configuration: no servers */
        if (r < 0)
                return r;
        if (l.n == 1 && streq(l.v[0].address, RESOLVED_STUB)) {
                struct dns_server_list upstream = {};
                r = read_servers(d->run, "/systemd/resolve/resolv.conf", &upstream);
                if (r == -ENOMEM) {
                        dns_server_list_done(&l);
                        return r;
                }
                if (r >= 0) {
                        dns_server_list_done(&l);
                        l = upstream;
                }
        }
        uint32_t *numbers = calloc(l.n ? l.n : 1, sizeof(*numbers));
        if (!numbers) {
                dns_server_list_done(&l);
                return -ENOMEM;
        }
        for (size_t i = 0; i < l.n; i++) {
                numbers[i] = instance_map_get(&d->numbers, l.v[i].address);
                if (numbers[i] == 0) {
                        free(numbers);
                        dns_server_list_done(&l);
                        return -ENOMEM;
                }
        }
        r = instance_map_save(&d->numbers);
        if (r < 0)
                log_warning_errno(r, "Failed to save the DNS servers' numbering: %m");
        dns_server_list_done(&d->servers);
        free(d->instances);
        d->servers = l;
        d->instances = numbers;
        table_snapshot_taken(&d->snapshot, now);
        return 0;
}

static const struct dns_server *find(struct dns_client *d, uint32_t instance)
{
        for (size_t i = 0; i < d->servers.n; i++)
                if (d->instances[i] == instance)
                        return &d->servers.v[i];
        return NULL;
}

int dns_client_get(struct dns_client *d, const char *name, char **value)
{
        int r;

        if (!startswith(name, CLIENT_PREFIX))
                return -ENOENT;
        r = refresh(d);
        if (r < 0)
                return r;
        if (streq(name, CLIENT_PREFIX "Status"))
                return table_text(d->servers.n > 0 ? "Enabled" : "Error", value);
        if (streq(name, CLIENT_PREFIX "ServerNumberOfEntries"))
                return table_count(d->servers.n, value);
        if (!startswith(name, SERVER_TABLE))
                return -ENOENT;

        uint32_t instance;
        const char *field;
        r = table_parse_instance(name + strlen(SERVER_TABLE), &instance, &field);
        if (r < 0)
                return r;
        const struct dns_server *s = find(d, instance);
        if (!s)
                return -ENOENT;
        if (streq(field, "DNSServer"))
                return table_text(s->address, value);
        if (streq(field, "Status"))
                return table_text("Enabled", value);
        if (streq(field, "Type"))
                return table_text(s->type, value);
        return -ENOENT;
}

int dns_client_get_instances(struct dns_client *d, const char *object, struct strv *instances)
{
        int r;

        if (object[0] != '\0' && !endswith_char(object, '.'))
                return -EINVAL;
        if (startswith(SERVER_TABLE, object)) {
                r = refresh(d);
                for (size_t i = 0; r >= 0 && i < d->servers.n; i++)
                        r = table_append_row(instances, SERVER_TABLE, d->instances[i]);
                return r;
        }
        if (startswith(object, SERVER_TABLE)) {
                uint32_t instance;
                const char *rest;
                r = table_parse_instance(object + strlen(SERVER_TABLE), &instance, &rest);
                if (r < 0 || rest[0] != '\0')
                        return -ENOENT;
                r = refresh(d);
                if (r < 0)
                        return r;
                return find(d, instance) ? table_append_row(instances, SERVER_TABLE, instance)
                                         : -ENOENT;
        }
        return 0;
}
