/* SPDX-License-Identifier: MIT */
/* A netlink dump collected into an array, one item per message its parser accepts. */
#include <errno.h>
#include <stdlib.h>

#include "net-internal.h"
#include "netlink.h"

struct collect {
        struct net_vec v;
        net_parse_fn parse;
};

static int on_message(const struct nlmsghdr *h, void *userdata)
{
        struct collect *c = userdata;
        void *slot = net_vec_push(&c->v);
        if (!slot)
                return -ENOMEM;
        int r = c->parse(h, slot);
        if (r < 0)
                c->v.n--; /* not an item, or a malformed one */
        return r == -ENODATA ? 0 : r;
}

int net_dump_collect(int protocol, struct nlmsghdr *request, size_t item_size, net_parse_fn parse,
                     void **ret, size_t *ret_n)
{
        struct collect c = {.v = {.item_size = item_size}, .parse = parse};
        int r = netlink_dump(protocol, request, on_message, &c);
        if (r < 0) {
                free(c.v.items);
                return r;
        }
        *ret = c.v.items;
        *ret_n = c.v.n;
        return 0;
}
