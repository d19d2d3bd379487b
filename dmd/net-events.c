/* SPDX-License-Identifier: MIT */
/* The kernel's link, address, route and neighbour events. */
#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "net-snapshot.h"
#include "netlink.h"

#define EVENT_BUFFER_SIZE (64u * 1024u)
/* The kernel's own default is small; a burst of neighbour changes must not overflow it. */
#define EVENT_RCVBUF (1024 * 1024)

struct touched {
        bool links, addrs, routes, hosts, qos;
};

static void note(struct touched *t, uint16_t type)
{
        switch (type) {
        case RTM_NEWLINK:
        case RTM_DELLINK:
                /* Every table names interfaces. A bridge's VLAN table changes as an
                 * AF_BRIDGE RTM_NEWLINK of its port. */
                t->links = t->addrs = t->routes = t->hosts = true;
                break;
        case RTM_NEWADDR:
        case RTM_DELADDR:
                t->addrs = true;
                break;
        case RTM_NEWROUTE:
        case RTM_DELROUTE:
                t->routes = true;
                break;
        case RTM_NEWNEIGH:
        case RTM_DELNEIGH:
                t->hosts = true;
                break;
        case RTM_NEWQDISC:
        case RTM_DELQDISC:
        case RTM_NEWTCLASS:
        case RTM_DELTCLASS:
                t->qos = true;
                break;
        default:
                break;
        }
}

static void apply(struct linux_net *n, const struct touched *t)
{
        if (t->links) {
                n->valid[NET_SECTION_LINKS] = false;
                n->valid[NET_SECTION_BRIDGES] = false;
                n->valid[NET_SECTION_STACK] = false;
        }
        if (t->addrs)
                n->valid[NET_SECTION_ADDRS] = false;
        if (t->routes)
                n->valid[NET_SECTION_ROUTES] = false;
        if (t->hosts)
                n->valid[NET_SECTION_HOSTS] = false;
        if (t->qos)
                n->valid[NET_SECTION_QOS] = false;
        if (!n->changed)
                return;
        if (t->links) {
                n->changed("Device.Ethernet.", n->changed_userdata);
                n->changed("Device.Bridging.", n->changed_userdata);
                n->changed("Device.InterfaceStack.", n->changed_userdata);
                n->changed("Device.InterfaceStackNumberOfEntries", n->changed_userdata);
        }
        if (t->links || t->addrs)
                n->changed("Device.IP.", n->changed_userdata);
        if (t->links || t->routes)
                n->changed("Device.Routing.", n->changed_userdata);
        if (t->links || t->hosts)
                n->changed("Device.Hosts.", n->changed_userdata);
        if (t->links || t->qos)
                n->changed("Device.QoS.", n->changed_userdata);
}

static int on_event(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct linux_net *n = userdata;
        struct touched t = {};
        _cleanup_free_ char *buf = malloc(EVENT_BUFFER_SIZE);
        if (!buf)
                return 0;
        for (;;) {
                ssize_t len = recv(fd, buf, EVENT_BUFFER_SIZE, MSG_DONTWAIT);
                if (len < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == ENOBUFS) {
                                /* Events were lost: anything may have changed. */
                                note(&t, RTM_NEWLINK);
                                continue;
                        }
                        break; /* EAGAIN: all read */
                }
                for (size_t off = 0; off + sizeof(struct nlmsghdr) <= (size_t)len;) {
                        const struct nlmsghdr *h = (const struct nlmsghdr *)(buf + off);
                        if (!NLMSG_OK(h, (size_t)len - off))
                                break;
                        note(&t, h->nlmsg_type);
                        off += NLMSG_ALIGN(h->nlmsg_len);
                }
        }
        apply(n, &t);
        return 0;
}

int linux_net_watch(struct linux_net *n, sd_event *event, linux_net_changed_fn changed,
                    void *userdata)
{
        _cleanup_close_ int fd =
                socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
        if (fd < 0)
                return -errno;
        int size = EVENT_RCVBUF;
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
        struct sockaddr_nl addr = {
                .nl_family = AF_NETLINK,
                .nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR |
                             RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE | RTMGRP_NEIGH | RTMGRP_TC,
        };
        if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
                return -errno;
        int r = sd_event_add_io(event, &n->event_source, fd, EPOLLIN, on_event, n);
        if (r < 0)
                return r;
        n->event_fd = TAKE_FD(fd);
        n->changed = changed;
        n->changed_userdata = userdata;
        return 0;
}
