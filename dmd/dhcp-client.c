/* SPDX-License-Identifier: MIT */
/* Device.DHCPv4.Client. and Device.DHCPv6.Client.: the box's DHCP clients, from their leases. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/if_addr.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "builtin-table.h"
#include "dhcp-client.h"
#include "dhcp-lease.h"
#include "instance-map.h"
#include "log.h"
#include "netlink.h"
#include "store.h"

#define V4_PREFIX    "Device.DHCPv4."
#define V6_PREFIX    "Device.DHCPv6."
#define V4_TABLE     V4_PREFIX "Client."
#define V6_TABLE     V6_PREFIX "Client."
#define LEASE_MAX    (256u * 1024u)
#define MAX_CLIENTS  64u
#define LIFETIME_INF UINT32_MAX

/* ---- settings ---------------------------------------------------------------------------- */

/* An absolute path, or empty to turn the source off. */
static int parse_dir(const char *value, void *data, const char **reason)
{
        if (value[0] == '\0')
                return cfg_parse_string(value, data, reason);
        return cfg_parse_path(value, data, reason);
}

#define ITEM(key, field)                                                                           \
        {                                                                                          \
                "DHCP", key, parse_dir, offsetof(struct dhcp_client_settings, field)               \
        }
const struct cfg_item dhcp_client_cfg_items[] = {
        ITEM("NetworkdStateDirectory", networkd_dir),
        ITEM("DhclientLeaseDirectory", dhclient_dir),
};
#undef ITEM
const size_t dhcp_client_n_cfg_items = ELEMENTSOF(dhcp_client_cfg_items);

void dhcp_client_settings_done(struct dhcp_client_settings *s)
{
        free(s->networkd_dir);
        free(s->dhclient_dir);
        *s = (struct dhcp_client_settings){};
}

/* ---- the snapshot ------------------------------------------------------------------------ */

struct client4 {
        uint32_t instance;
        struct dhcp4_lease lease; /* ifname always set */
        bool bound;
        uint32_t valid_lifetime;
};

struct client6 {
        uint32_t instance;
        struct dhcp6_lease lease;
};

struct dhcp_client {
        char *networkd_dir, *dhclient_dir; /* "" when off */
        dhcp_interface_path_fn interface_path;
        void *userdata;
        struct instance_map numbers4, numbers6; /* by interface name */
        struct client4 *v4;
        size_t n4;
        struct client6 *v6;
        size_t n6;
        struct table_snapshot snapshot;
};

static void clients_free(struct client4 *v4, size_t n4, struct client6 *v6, size_t n6)
{
        for (size_t i = 0; i < n4; i++)
                dhcp4_lease_done(&v4[i].lease);
        free(v4);
        for (size_t i = 0; i < n6; i++)
                dhcp6_lease_done(&v6[i].lease);
        free(v6);
}

int dhcp_client_new(const struct dhcp_client_settings *s, const char *state_dir,
                    dhcp_interface_path_fn interface_path, void *userdata, struct dhcp_client **ret)
{
        _cleanup_free_ char *path4 = NULL, *path6 = NULL;
        struct dhcp_client *c = calloc(1, sizeof(*c));
        int r;

        if (!c)
                return -ENOMEM;
        c->interface_path = interface_path;
        c->userdata = userdata;
        c->networkd_dir = strdup(s && s->networkd_dir ? s->networkd_dir : DHCP_CLIENT_NETWORKD_DIR);
        c->dhclient_dir = strdup(s && s->dhclient_dir ? s->dhclient_dir : DHCP_CLIENT_DHCLIENT_DIR);
        if (state_dir && (asprintf(&path4, "%s/" DHCP_CLIENT_STATE_FILE "-v4", state_dir) < 0 ||
                          asprintf(&path6, "%s/" DHCP_CLIENT_STATE_FILE "-v6", state_dir) < 0))
                r = -ENOMEM;
        else
                r = c->networkd_dir && c->dhclient_dir ? instance_map_init(&c->numbers4, path4)
                                                       : -ENOMEM;
        if (r >= 0)
                r = instance_map_init(&c->numbers6, path6);
        if (r < 0) {
                dhcp_client_free(c);
                return r;
        }
        *ret = c;
        return 0;
}

void dhcp_client_free(struct dhcp_client *c)
{
        if (!c)
                return;
        clients_free(c->v4, c->n4, c->v6, c->n6);
        instance_map_done(&c->numbers4);
        instance_map_done(&c->numbers6);
        free(c->networkd_dir);
        free(c->dhclient_dir);
        free(c);
}

struct collect {
        struct dhcp4_lease *v4;
        size_t n4;
        struct dhcp6_lease *v6;
        size_t n6;
};

static void collect_done(struct collect *k)
{
        for (size_t i = 0; i < k->n4; i++)
                dhcp4_lease_done(&k->v4[i]);
        free(k->v4);
        for (size_t i = 0; i < k->n6; i++)
                dhcp6_lease_done(&k->v6[i]);
        free(k->v6);
        *k = (struct collect){};
}

/* Takes the lease; an interface that has one already keeps it (sources are read in order of
 * preference). */
static int add4(struct collect *k, struct dhcp4_lease *l)
{
        bool known = k->n4 >= MAX_CLIENTS;
        for (size_t i = 0; i < k->n4 && !known; i++)
                known = streq(k->v4[i].ifname, l->ifname);
        if (known) {
                dhcp4_lease_done(l);
                return 0;
        }
        struct dhcp4_lease *nv = realloc(k->v4, (k->n4 + 1) * sizeof(*nv));
        if (!nv) {
                dhcp4_lease_done(l);
                return -ENOMEM;
        }
        k->v4 = nv;
        k->v4[k->n4++] = *l;
        return 0;
}

static int add6(struct collect *k, struct dhcp6_lease *l)
{
        bool known = k->n6 >= MAX_CLIENTS;
        for (size_t i = 0; i < k->n6 && !known; i++)
                known = streq(k->v6[i].ifname, l->ifname);
        if (known) {
                dhcp6_lease_done(l);
                return 0;
        }
        struct dhcp6_lease *nv = realloc(k->v6, (k->n6 + 1) * sizeof(*nv));
        if (!nv) {
                dhcp6_lease_done(l);
                return -ENOMEM;
        }
        k->v6 = nv;
        k->v6[k->n6++] = *l;
        return 0;
}

static int read_text(const char *dir, const char *sub, const char *name, char **ret)
{
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s%s/%s", dir, sub, name) < 0)
                return -ENOMEM;
        return store_read_file(path, LEASE_MAX, ret, NULL);
}

/* "0x3f", "00:01:00:01:..." or "000100..." as bytes; 0 when it is none of these. */
static size_t parse_hex_duid(const char *s, unsigned char *out, size_t max)
{
        size_t n = 0;
        while (*s && n < max) {
                unsigned hi, lo;
                if (sscanf(s, "%1x%1x", &hi, &lo) != 2)
                        return 0;
                out[n++] = (unsigned char)(hi << 4 | lo);
                s += 2;
                if (*s == ':')
                        s++;
        }
        return *s ? 0 : n;
}

/* The value of KEY= in an env-style file, or NULL. */
static const char *env_value(const char *text, const char *key, size_t *len)
{
        size_t klen = strlen(key);
        for (const char *line = text; *line;) {
                const char *eol = strchrnul(line, '\n');
                if (strncmp(line, key, klen) == 0 && line[klen] == '=') {
                        *len = (size_t)(eol - line - klen - 1);
                        return line + klen + 1;
                }
                line = *eol ? eol + 1 : eol;
        }
        return NULL;
}

static bool ifindex_name(const char *file, char name[IF_NAMESIZE])
{
        char *end;
        unsigned long idx = strtoul(file, &end, 10);
        return file[0] >= '1' && file[0] <= '9' && *end == '\0' && idx <= INT32_MAX &&
               if_indextoname((unsigned)idx, name);
}

static int read_networkd(const char *dir, struct collect *k)
{
        _cleanup_free_ char *leases = NULL, *links = NULL;
        int r = 0;

        if (asprintf(&leases, "%s/leases", dir) < 0 || asprintf(&links, "%s/links", dir) < 0)
                return -ENOMEM;
        for (int pass = 0; pass < 2 && r >= 0; pass++) {
                const char *sub = pass == 0 ? "/leases" : "/links";
                DIR *d = opendir(pass == 0 ? leases : links);
                if (!d)
                        continue;
                for (struct dirent *de; r >= 0 && (de = readdir(d));) {
                        _cleanup_free_ char *text = NULL;
                        char ifname[IF_NAMESIZE];
                        /* The file is named by the ifindex: a link that went away is gone. */
                        if (!ifindex_name(de->d_name, ifname))
                                continue;
                        r = read_text(dir, sub, de->d_name, &text);
                        if (r == -ENOENT || r == -EACCES) {
                                r = 0;
                                continue;
                        }
                        if (r < 0)
                                break;
                        if (pass == 0) {
                                struct dhcp4_lease l;
                                if (dhcp_parse_networkd_lease(text, &l) < 0)
                                        continue;
                                l.ifname = strdup(ifname);
                                r = l.ifname ? add4(k, &l) : (dhcp4_lease_done(&l), -ENOMEM);
                                continue;
                        }
                        size_t len;
                        if (!env_value(text, "DHCP6_CLIENT_IAID", &len))
                                continue;
                        struct dhcp6_lease l = {.ifname = strdup(ifname)};
                        const char *duid = env_value(text, "DHCP6_CLIENT_DUID", &len);
                        _cleanup_free_ char *copy = duid ? strndup(duid, len) : NULL;
                        if (copy)
                                l.duid_len = parse_hex_duid(copy, l.duid, sizeof(l.duid));
                        r = l.ifname ? add6(k, &l) : -ENOMEM;
                }
                closedir(d);
        }
        return r;
}

static int read_dhclient(const char *dir, struct collect *k)
{
        DIR *d = opendir(dir);
        int r = 0;
        if (!d)
                return 0;
        for (struct dirent *de; r >= 0 && (de = readdir(d));) {
                _cleanup_free_ char *text = NULL;
                size_t len = strlen(de->d_name);
                if (!startswith(de->d_name, "dhclient") || len < 7 ||
                    !streq(de->d_name + len - 7, ".leases"))
                        continue;
                r = read_text(dir, "", de->d_name, &text);
                if (r == -ENOENT || r == -EACCES) {
                        r = 0;
                        continue;
                }
                struct dhcp4_lease *v4 = NULL;
                struct dhcp6_lease *v6 = NULL;
                size_t n4 = 0, n6 = 0;
                if (r >= 0)
                        r = dhcp_parse_dhclient_leases(text, &v4, &n4, &v6, &n6);
                for (size_t i = 0; i < n4; i++)
                        r = r >= 0 ? add4(k, &v4[i]) : (dhcp4_lease_done(&v4[i]), r);
                for (size_t i = 0; i < n6; i++)
                        r = r >= 0 ? add6(k, &v6[i]) : (dhcp6_lease_done(&v6[i]), r);
                free(v4);
                free(v6);
        }
        closedir(d);
        return r;
}

/* ---- the kernel's addresses -------------------------------------------------------------- */

struct kernel_addr {
        int ifindex;
        struct in_addr addr;
        uint32_t valid;
};

struct kernel_addrs {
        struct kernel_addr *v;
        size_t n;
};

static int on_addr(const struct nlmsghdr *h, void *userdata)
{
        struct kernel_addrs *ka = userdata;
        const struct rtattr *tb[IFA_MAX + 1];
        if (h->nlmsg_type != RTM_NEWADDR)
                return 0;
        int r = netlink_message_attrs(h, sizeof(struct ifaddrmsg), tb, IFA_MAX);
        if (r < 0)
                return r;
        const struct ifaddrmsg *ifa = NLMSG_DATA(h);
        struct kernel_addr a = {.ifindex = (int)ifa->ifa_index, .valid = LIFETIME_INF};
        size_t len;
        const struct rtattr *at = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
        if (ifa->ifa_family != AF_INET || !netlink_attr_bytes(at, &a.addr, 4, &len) || len != 4)
                return 0;
        if (tb[IFA_CACHEINFO] && RTA_PAYLOAD(tb[IFA_CACHEINFO]) >= sizeof(struct ifa_cacheinfo)) {
                struct ifa_cacheinfo ci;
                memcpy(&ci, RTA_DATA(tb[IFA_CACHEINFO]), sizeof(ci));
                a.valid = ci.ifa_valid;
        }
        struct kernel_addr *nv = realloc(ka->v, (ka->n + 1) * sizeof(*nv));
        if (!nv)
                return -ENOMEM;
        ka->v = nv;
        ka->v[ka->n++] = a;
        return 0;
}

static int read_kernel_addrs(struct kernel_addrs *ka)
{
        struct {
                struct nlmsghdr h;
                struct ifaddrmsg ifa;
        } req = {
                .h = {.nlmsg_len = sizeof(req),
                      .nlmsg_type = RTM_GETADDR,
                      .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
                .ifa = {.ifa_family = AF_INET},
        };
        return netlink_dump(NETLINK_ROUTE, &req.h, on_addr, ka);
}

static const struct kernel_addr *find_addr(const struct kernel_addrs *ka, const char *ifname,
                                           const char *address)
{
        struct in_addr want;
        unsigned idx = if_nametoindex(ifname);
        if (idx == 0 || inet_pton(AF_INET, address, &want) != 1)
                return NULL;
        for (size_t i = 0; i < ka->n; i++)
                if (ka->v[i].ifindex == (int)idx && ka->v[i].addr.s_addr == want.s_addr)
                        return &ka->v[i];
        return NULL;
}

/* ---- refresh ----------------------------------------------------------------------------- */

static uint32_t number(struct dhcp_client *c, char family, const char *ifname)
{
        return instance_map_get(family == '4' ? &c->numbers4 : &c->numbers6, ifname);
}

static int by_instance4(const void *a, const void *b)
{
        const struct client4 *x = a, *y = b;
        return (x->instance > y->instance) - (x->instance < y->instance);
}

static int by_instance6(const void *a, const void *b)
{
        const struct client6 *x = a, *y = b;
        return (x->instance > y->instance) - (x->instance < y->instance);
}

static int refresh(struct dhcp_client *c)
{
        struct collect k = {};
        struct kernel_addrs ka = {};
        struct client4 *v4 = NULL;
        struct client6 *v6 = NULL;
        uint64_t now;
        int r = 0;

        if (table_snapshot_fresh(&c->snapshot, DHCP_CLIENT_SNAPSHOT_USEC, &now))
                return 0;
        if (c->networkd_dir[0])
                r = read_networkd(c->networkd_dir, &k);
        if (r >= 0 && c->dhclient_dir[0])
                r = read_dhclient(c->dhclient_dir, &k);
        if (r >= 0 && k.n4 > 0)
                r = read_kernel_addrs(&ka);
        if (r >= 0) {
                v4 = calloc(k.n4 ? k.n4 : 1, sizeof(*v4));
                v6 = calloc(k.n6 ? k.n6 : 1, sizeof(*v6));
                if (!v4 || !v6)
                        r = -ENOMEM;
        }
        for (size_t i = 0; r >= 0 && i < k.n4; i++) {
                v4[i].instance = number(c, '4', k.v4[i].ifname);
                const struct kernel_addr *a = find_addr(&ka, k.v4[i].ifname, k.v4[i].address);
                v4[i].bound = a && a->valid > 0;
                v4[i].valid_lifetime = a ? a->valid : 0;
                if (v4[i].instance == 0)
                        r = -ENOMEM;
        }
        for (size_t i = 0; r >= 0 && i < k.n6; i++)
                if ((v6[i].instance = number(c, '6', k.v6[i].ifname)) == 0)
                        r = -ENOMEM;
        free(ka.v);
        if (r < 0) {
                free(v4);
                free(v6);
                collect_done(&k);
                return r;
        }
        /* The leases move into the rows. */
        for (size_t i = 0; i < k.n4; i++)
                v4[i].lease = k.v4[i];
        for (size_t i = 0; i < k.n6; i++)
                v6[i].lease = k.v6[i];
        if (k.n4)
                qsort(v4, k.n4, sizeof(*v4), by_instance4);
        if (k.n6)
                qsort(v6, k.n6, sizeof(*v6), by_instance6);
        r = instance_map_save(&c->numbers4);
        if (r >= 0)
                r = instance_map_save(&c->numbers6);
        if (r < 0)
                log_warning_errno(r, "Failed to save the DHCP clients' numbering: %m");
        clients_free(c->v4, c->n4, c->v6, c->n6);
        c->v4 = v4;
        c->n4 = k.n4;
        c->v6 = v6;
        c->n6 = k.n6;
        free(k.v4);
        free(k.v6);
        table_snapshot_taken(&c->snapshot, now);
        return 0;
}

/* ---- values ------------------------------------------------------------------------------ */

static int interface_value(struct dhcp_client *c, const char *ifname, char **value)
{
        char *path = c->interface_path ? c->interface_path(ifname, c->userdata) : NULL;
        *value = path ? path : strdup("");
        return *value ? 0 : -ENOMEM;
}

static int common_value(struct dhcp_client *c, const char *ifname, const char *field, char **value)
{
        if (streq(field, "Enable"))
                return table_text("true", value);
        if (streq(field, "Status"))
                return table_text("Enabled", value);
        if (streq(field, "Interface"))
                return interface_value(c, ifname, value);
        return -ENOENT;
}

static int v4_value(struct dhcp_client *c, const struct client4 *cl, const char *field,
                    char **value)
{
        const struct dhcp4_lease *l = &cl->lease;
        if (streq(field, "DHCPStatus"))
                return table_text(cl->bound ? "Bound" : "Init", value);
        if (streq(field, "IPAddress"))
                return table_text(l->address, value);
        if (streq(field, "SubnetMask"))
                return table_text(l->netmask, value);
        if (streq(field, "IPRouters"))
                return table_text(l->routers, value);
        if (streq(field, "DNSServers"))
                return table_text(l->dns, value);
        if (streq(field, "DHCPServer"))
                return table_text(l->server, value);
        if (streq(field, "LeaseTimeRemaining")) {
                if (!cl->bound)
                        return table_text("0", value);
                if (cl->valid_lifetime == LIFETIME_INF)
                        return table_text("-1", value);
                return asprintf(value, "%" PRIu32,
                                cl->valid_lifetime > INT32_MAX ? INT32_MAX : cl->valid_lifetime) < 0
                               ? -ENOMEM
                               : 0;
        }
        return common_value(c, l->ifname, field, value);
}

static int hex(const unsigned char *data, size_t len, char **value)
{
        char *s = malloc(len * 2 + 1);
        if (!s)
                return -ENOMEM;
        for (size_t i = 0; i < len; i++)
                sprintf(s + 2 * i, "%02X", data[i]);
        s[len * 2] = '\0';
        *value = s;
        return 0;
}

static int v6_value(struct dhcp_client *c, const struct client6 *cl, const char *field,
                    char **value)
{
        /* The server the lease came from is the one server known: Server.1. */
        bool server = cl->lease.server_duid_len > 0;
        if (streq(field, "DUID"))
                return hex(cl->lease.duid, cl->lease.duid_len, value);
        if (streq(field, "ServerNumberOfEntries"))
                return table_text(server ? "1" : "0", value);
        if (server && streq(field, "Server.1.DUID"))
                return hex(cl->lease.server_duid, cl->lease.server_duid_len, value);
        return common_value(c, cl->lease.ifname, field, value);
}

int dhcp_client_get(struct dhcp_client *c, const char *name, char **value)
{
        bool v4 = startswith(name, V4_PREFIX);
        uint32_t instance;
        const char *field;
        int r;

        if (!v4 && !startswith(name, V6_PREFIX))
                return -ENOENT;
        r = refresh(c);
        if (r < 0)
                return r;
        if (streq(name, v4 ? V4_PREFIX "ClientNumberOfEntries" : V6_PREFIX "ClientNumberOfEntries"))
                return table_count(v4 ? c->n4 : c->n6, value);
        const char *table = v4 ? V4_TABLE : V6_TABLE;
        if (!startswith(name, table) ||
            table_parse_instance(name + strlen(table), &instance, &field) < 0)
                return -ENOENT;
        if (v4) {
                for (size_t i = 0; i < c->n4; i++)
                        if (c->v4[i].instance == instance)
                                return v4_value(c, &c->v4[i], field, value);
        } else {
                for (size_t i = 0; i < c->n6; i++)
                        if (c->v6[i].instance == instance)
                                return v6_value(c, &c->v6[i], field, value);
        }
        return -ENOENT;
}

static int append_server(struct strv *out, uint32_t client)
{
        char *p;
        if (asprintf(&p, V6_TABLE "%" PRIu32 ".Server.1.", client) < 0)
                return -ENOMEM;
        return strv_push_take(out, p);
}

static int table_instances(struct dhcp_client *c, bool v4, const char *object, struct strv *out)
{
        const char *table = v4 ? V4_TABLE : V6_TABLE;
        size_t n = 0;
        int r;

        if (!startswith(table, object) && !startswith(object, table))
                return 0;
        r = refresh(c);
        if (r < 0)
                return r;
        n = v4 ? c->n4 : c->n6;
        if (startswith(table, object)) {
                for (size_t i = 0; r >= 0 && i < n; i++) {
                        r = table_append_row(out, table,
                                             v4 ? c->v4[i].instance : c->v6[i].instance);
                        if (r >= 0 && !v4 && c->v6[i].lease.server_duid_len)
                                r = append_server(out, c->v6[i].instance);
                }
                return r;
        }
        uint32_t instance;
        const char *rest;
        if (table_parse_instance(object + strlen(table), &instance, &rest) < 0)
                return -ENOENT;
        for (size_t i = 0; i < n; i++) {
                if ((v4 ? c->v4[i].instance : c->v6[i].instance) != instance)
                        continue;
                bool server = !v4 && c->v6[i].lease.server_duid_len;
                if (rest[0] == '\0') {
                        r = table_append_row(out, table, instance);
                        return r >= 0 && server ? append_server(out, instance) : r;
                }
                if (streq(rest, "Server.")) /* a client without a known server has none */
                        return server ? append_server(out, instance) : 0;
                if (server && streq(rest, "Server.1."))
                        return append_server(out, instance);
                return -ENOENT;
        }
        return -ENOENT;
}

int dhcp_client_get_instances(struct dhcp_client *c, const char *object, struct strv *instances)
{
        if (object[0] != '\0' && !endswith_char(object, '.'))
                return -EINVAL;
        int r = table_instances(c, true, object, instances);
        if (r >= 0)
                r = table_instances(c, false, object, instances);
        return r;
}
