/* SPDX-License-Identifier: MIT */
/* Lease files of networkd and dhclient. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp-lease.h"
#include "util.h"

void dhcp4_lease_done(struct dhcp4_lease *l)
{
        free(l->ifname);
        free(l->address);
        free(l->netmask);
        free(l->server);
        free(l->routers);
        free(l->dns);
        *l = (struct dhcp4_lease){};
}

void dhcp6_lease_done(struct dhcp6_lease *l)
{
        free(l->ifname);
        *l = (struct dhcp6_lease){};
}

static bool is_ipv4(const char *s)
{
        struct in_addr a;
        return inet_pton(AF_INET, s, &a) == 1;
}

/* Replaces *field with a copy of [s, s + len) if it is an IPv4 address; others are ignored. */
static int set_address(char **field, const char *s, size_t len)
{
        _cleanup_free_ char *v = strndup(s, len);
        if (!v)
                return -ENOMEM;
        if (!is_ipv4(v))
                return 0;
        free(*field);
        *field = v;
        v = NULL;
        return 0;
}

/* The IPv4 addresses of a list separated by blanks or commas, as a comma-separated list. */
static int set_address_list(char **field, const char *s, size_t len)
{
        _cleanup_free_ char *copy = strndup(s, len);
        char *out = calloc(1, len + 1);
        size_t n = 0;
        if (!copy || !out) {
                free(out);
                return -ENOMEM;
        }
        for (char *save = NULL, *tok = strtok_r(copy, " \t,", &save);
             tok && n < DHCP_LEASE_MAX_ITEMS; tok = strtok_r(NULL, " \t,", &save)) {
                if (!is_ipv4(tok))
                        continue;
                if (n++)
                        strcat(out, ",");
                strcat(out, tok);
        }
        free(*field);
        *field = out;
        return 0;
}

int dhcp_parse_networkd_lease(const char *text, struct dhcp4_lease *ret)
{
        struct dhcp4_lease l = {};
        int r = 0;

        for (const char *line = text; r >= 0 && *line;) {
                const char *eol = strchrnul(line, '\n');
                const char *eq = memchr(line, '=', (size_t)(eol - line));
                const char *next = *eol ? eol + 1 : eol;
                if (eq && *line != '#') {
                        size_t klen = (size_t)(eq - line), vlen = (size_t)(eol - eq - 1);
                        if (vlen > 0 && eq[vlen] == '\r')
                                vlen--;
#define KEY(k) (klen == strlen(k) && strncmp(line, k, klen) == 0)
                        if (KEY("ADDRESS"))
                                r = set_address(&l.address, eq + 1, vlen);
                        else if (KEY("NETMASK"))
                                r = set_address(&l.netmask, eq + 1, vlen);
                        else if (KEY("SERVER_ADDRESS"))
                                r = set_address(&l.server, eq + 1, vlen);
                        else if (KEY("ROUTER"))
                                r = set_address_list(&l.routers, eq + 1, vlen);
                        else if (KEY("DNS"))
                                r = set_address_list(&l.dns, eq + 1, vlen);
#undef KEY
                }
                line = next;
        }
        if (r >= 0 && !l.address)
                r = -EINVAL;
        if (r < 0) {
                dhcp4_lease_done(&l);
                return r;
        }
        *ret = l;
        return 0;
}

/* ---- dhclient ---------------------------------------------------------------------------- */

/* The value of "NAME VALUE;" after `name` and blanks, without the ';' and quotes. */
static bool statement(const char *s, const char *name, const char **value, size_t *len)
{
        size_t n = strlen(name);
        if (strncmp(s, name, n) != 0 || (s[n] != ' ' && s[n] != '\t'))
                return false;
        s += n + strspn(s + n, " \t");
        const char *end = strchr(s, ';');
        if (!end)
                return false;
        if (*s == '"' && end > s + 1 && end[-1] == '"') {
                *value = s + 1;
                *len = (size_t)(end - s - 2);
        } else {
                *value = s;
                *len = (size_t)(end - s);
        }
        return true;
}

/* dhclient prints binary data as colon-separated hex bytes ("0:1:0:1:2b:...") or, when
 * printable, as a quoted string with octal escapes. */
static size_t parse_binary(const char *s, size_t len, bool quoted, unsigned char *out, size_t max)
{
        size_t n = 0;
        for (size_t i = 0; i < len && n < max;) {
                if (quoted) {
                        if (s[i] == '\\' && i + 3 < len && s[i + 1] >= '0' && s[i + 1] <= '3') {
                                out[n++] = (unsigned char)((s[i + 1] - '0') * 64 +
                                                           (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
                                i += 4;
                        } else if (s[i] == '\\' && i + 1 < len) {
                                out[n++] = (unsigned char)s[i + 1];
                                i += 2;
                        } else
                                out[n++] = (unsigned char)s[i++];
                        continue;
                }
                char *end;
                unsigned long v = strtoul(s + i, &end, 16);
                size_t used = (size_t)(end - (s + i));
                if (used == 0 || used > 2 || v > 255)
                        return 0;
                out[n++] = (unsigned char)v;
                i += used;
                if (i < len && s[i] != ':')
                        return 0;
                i += i < len;
        }
        return n;
}

struct dhclient_state {
        struct dhcp4_lease *v4;
        size_t n4;
        struct dhcp6_lease *v6;
        size_t n6;
};

static int keep4(struct dhclient_state *st, struct dhcp4_lease *l)
{
        if (!l->ifname || !l->address) {
                dhcp4_lease_done(l);
                return 0;
        }
        for (size_t i = 0; i < st->n4; i++)
                if (streq(st->v4[i].ifname, l->ifname)) {
                        dhcp4_lease_done(&st->v4[i]);
                        st->v4[i] = *l;
                        return 0;
                }
        struct dhcp4_lease *nv = realloc(st->v4, (st->n4 + 1) * sizeof(*nv));
        if (!nv) {
                dhcp4_lease_done(l);
                return -ENOMEM;
        }
        st->v4 = nv;
        st->v4[st->n4++] = *l;
        return 0;
}

static int keep6(struct dhclient_state *st, struct dhcp6_lease *l)
{
        if (!l->ifname) {
                dhcp6_lease_done(l);
                return 0;
        }
        for (size_t i = 0; i < st->n6; i++)
                if (streq(st->v6[i].ifname, l->ifname)) {
                        dhcp6_lease_done(&st->v6[i]);
                        st->v6[i] = *l;
                        return 0;
                }
        struct dhcp6_lease *nv = realloc(st->v6, (st->n6 + 1) * sizeof(*nv));
        if (!nv) {
                dhcp6_lease_done(l);
                return -ENOMEM;
        }
        st->v6 = nv;
        st->v6[st->n6++] = *l;
        return 0;
}

static void state_done(struct dhclient_state *st)
{
        for (size_t i = 0; i < st->n4; i++)
                dhcp4_lease_done(&st->v4[i]);
        free(st->v4);
        for (size_t i = 0; i < st->n6; i++)
                dhcp6_lease_done(&st->v6[i]);
        free(st->v6);
}

static int set_string(char **field, const char *s, size_t len)
{
        char *v = strndup(s, len);
        if (!v)
                return -ENOMEM;
        free(*field);
        *field = v;
        return 0;
}

int dhcp_parse_dhclient_leases(const char *text, struct dhcp4_lease **ret4, size_t *ret_n4,
                               struct dhcp6_lease **ret6, size_t *ret_n6)
{
        struct dhclient_state st = {};
        struct dhcp4_lease l4 = {};
        struct dhcp6_lease l6 = {};
        unsigned char default_duid[DHCP_DUID_MAX];
        size_t default_duid_len = 0;
        enum { NONE, V4, V6 } in = NONE;
        unsigned depth = 0;
        int r = 0;

        for (const char *line = text; r >= 0 && *line;) {
                const char *eol = strchrnul(line, '\n');
                _cleanup_free_ char *copy = strndup(line, (size_t)(eol - line));
                line = *eol ? eol + 1 : eol;
                if (!copy) {
                        r = -ENOMEM;
                        break;
                }
                char *s = copy + strspn(copy, " \t");
                size_t len = strlen(s);
                while (len > 0 && isspace((unsigned char)s[len - 1]))
                        s[--len] = '\0';
                if (*s == '#' || len == 0)
                        continue;
                const char *v;
                size_t vlen;
                if (in == NONE) {
                        /* The DUID dhclient uses when a lease6 does not name one. */
                        if (statement(s, "default-duid", &v, &vlen))
                                default_duid_len = parse_binary(v, vlen, v[-1] == '"', default_duid,
                                                                sizeof(default_duid));
                        else if (streq(s, "lease {"))
                                in = V4, depth = 1;
                        else if (streq(s, "lease6 {"))
                                in = V6, depth = 1;
                        continue;
                }
                if (streq(s, "}")) {
                        if (--depth > 0)
                                continue;
                        if (in == V6 && l6.duid_len == 0) {
                                memcpy(l6.duid, default_duid, default_duid_len);
                                l6.duid_len = default_duid_len;
                        }
                        r = in == V4 ? keep4(&st, &l4) : keep6(&st, &l6);
                        l4 = (struct dhcp4_lease){};
                        l6 = (struct dhcp6_lease){};
                        in = NONE;
                        continue;
                }
                if (s[len - 1] == '{') {
                        depth++;
                        continue;
                }
                if (depth != 1)
                        continue;
                if (statement(s, "interface", &v, &vlen))
                        r = set_string(in == V4 ? &l4.ifname : &l6.ifname, v, vlen);
                else if (in == V6) {
                        if (statement(s, "option dhcp6.client-id", &v, &vlen))
                                l6.duid_len = parse_binary(v, vlen, v[-1] == '"', l6.duid,
                                                           sizeof(l6.duid));
                        else if (statement(s, "option dhcp6.server-id", &v, &vlen))
                                l6.server_duid_len =
                                        parse_binary(v, vlen, v[-1] == '"', l6.server_duid,
                                                     sizeof(l6.server_duid));
                } else if (statement(s, "fixed-address", &v, &vlen))
                        r = set_address(&l4.address, v, vlen);
                else if (statement(s, "option subnet-mask", &v, &vlen))
                        r = set_address(&l4.netmask, v, vlen);
                else if (statement(s, "option dhcp-server-identifier", &v, &vlen))
                        r = set_address(&l4.server, v, vlen);
                else if (statement(s, "option routers", &v, &vlen))
                        r = set_address_list(&l4.routers, v, vlen);
                else if (statement(s, "option domain-name-servers", &v, &vlen))
                        r = set_address_list(&l4.dns, v, vlen);
        }
        /* An unfinished block at the end (a file being written) is left out. */
        dhcp4_lease_done(&l4);
        dhcp6_lease_done(&l6);
        if (r < 0) {
                state_done(&st);
                return r;
        }
        *ret4 = st.v4;
        *ret_n4 = st.n4;
        *ret6 = st.v6;
        *ret_n6 = st.n6;
        return 0;
}
