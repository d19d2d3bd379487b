/* SPDX-License-Identifier: MIT */
/* Listening and established TCP sockets: NETLINK_SOCK_DIAG (inet_diag). */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "net-internal.h"
#include "netlink.h"

int net_port_parse(const struct nlmsghdr *h, struct net_port *ret)
{
        if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY)
                return -ENODATA;
        if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
                return -EBADMSG;
        const struct inet_diag_msg *m = NLMSG_DATA(h);
        if (m->idiag_family != AF_INET && m->idiag_family != AF_INET6)
                return -ENODATA;

        enum net_port_state state;
        if (m->idiag_state == TCP_LISTEN)
                state = NET_PORT_LISTEN;
        else if (m->idiag_state == TCP_ESTABLISHED)
                state = NET_PORT_ESTABLISHED;
        else
                return -ENODATA;

        size_t len = m->idiag_family == AF_INET ? 4 : 16;
        *ret = (struct net_port){
                .local = {.family = m->idiag_family},
                .remote = {.family = m->idiag_family},
                .local_port = ntohs(m->id.idiag_sport),
                .remote_port = ntohs(m->id.idiag_dport),
                .state = state,
        };
        memcpy(ret->local.bytes, m->id.idiag_src, len);
        memcpy(ret->remote.bytes, m->id.idiag_dst, len);
        return 0;
}

static int on_socket(const struct nlmsghdr *h, void *userdata)
{
        struct net_vec *v = userdata;
        struct net_port p;
        int r = net_port_parse(h, &p);
        if (r == -ENODATA)
                return 0;
        if (r < 0)
                return r;
        struct net_port *slot = net_vec_push(v);
        if (!slot)
                return -ENOMEM;
        *slot = p;
        return 0;
}

static int dump_family(uint8_t family, struct net_vec *v)
{
        struct {
                struct nlmsghdr h;
                struct inet_diag_req_v2 req;
        } req = {
                .h = {.nlmsg_len = sizeof(req),
                      .nlmsg_type = SOCK_DIAG_BY_FAMILY,
                      .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
                .req = {.sdiag_family = family,
                        .sdiag_protocol = IPPROTO_TCP,
                        .idiag_states = (1u << TCP_LISTEN) | (1u << TCP_ESTABLISHED)},
        };
        return netlink_dump(NETLINK_SOCK_DIAG, &req.h, on_socket, v);
}

int net_port_dump(struct net_port **ret, size_t *ret_n)
{
        struct net_vec v = {.item_size = sizeof(struct net_port)};
        int r = dump_family(AF_INET, &v);
        /* A kernel without IPv6 has no AF_INET6 sockets to report. */
        if (r >= 0) {
                r = dump_family(AF_INET6, &v);
                if (r == -EAFNOSUPPORT || r == -ENOENT)
                        r = 0;
        }
        if (r < 0) {
                free(v.items);
                return r;
        }
        *ret = v.items;
        *ret_n = v.n;
        return 0;
}
