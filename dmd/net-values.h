/* SPDX-License-Identifier: MIT */
#pragma once

/* The pieces that turn the snapshots into TR-181 values, shared by net-values.c (text and
 * system files), net-interface-values.c and net-routing-values.c. Each getter takes the
 * name after its prefix and answers -ENOENT for what is not there. */

#include "net-snapshot.h"

#define ETH_TABLE     "Device.Ethernet.Interface."
#define IP_TABLE      "Device.IP.Interface."
#define PORT_TABLE    "Device.IP.ActivePort."
#define ROUTER        "Device.Routing.Router."
#define ROUTER_ONE    ROUTER "1."
#define HOST_TABLE    "Device.Hosts.Host."
#define ROUTE_INFO    "Device.Routing.RouteInformation.InterfaceSetting."
#define INFINITE_TIME "9999-12-31T23:59:59Z"

/* Newly allocated values. */
int net_format(char **ret, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int net_text(const char *s, char **ret);
int net_boolean(bool b, char **ret);
/* unsignedInt: beyond 2^32 - 1 reads as the largest value. */
int net_unsigned_int(uint64_t v, char **ret);
int net_ip_text(const struct net_ip *ip, char **ret);
/* now + seconds as a dateTime; NET_LIFETIME_INFINITE is TR-181's infinite time. */
int net_lifetime(uint32_t seconds, char **ret);

/* SYS/class/net/IFNAME/FILE: its first line, or its number. */
int net_read_sys_text(const struct linux_net *n, const char *ifname, const char *file, char *buf,
                      size_t size);
int net_read_sys_u64(const struct linux_net *n, const char *ifname, const char *file,
                     uint64_t *ret);
/* PROC/PATH holds a flag: anything but "0" is true. */
int net_read_proc_flag(const struct linux_net *n, const char *path, bool *ret);
bool net_ipv6_capable(const struct linux_net *n);

/* The shared values of a network device's rows (net-interface-values.c): TR-181's Status,
 * the default Alias ("cpe-eth0"), the Stats.FIELD counters (Collisions only if ethernet). */
const char *net_link_status(const struct net_link *l);
int net_link_alias(const struct net_link *l, char **ret);
/* Enable, Status, Alias and Name of a row that is one network device; -ENOENT for other
 * fields. */
int net_link_device_value(const struct net_link *l, const char *field, char **ret);
int net_link_stat(const struct linux_net *n, const struct net_link *l, const char *field,
                  bool ethernet, char **ret);

/* A route a router advertisement made: a row of Device.Routing.RouteInformation. */
bool net_route_from_router_advertisement(const struct net_route *rt);

/* "N.Field" of Device.Ethernet.Interface.; "Field" of Device.IP., Device.Routing.,
 * Device.Hosts. */
int net_get_ethernet(struct linux_net *n, const char *rest, char **ret);
int net_get_ip(struct linux_net *n, const char *field, char **ret);
int net_get_routing(struct linux_net *n, const char *field, char **ret);
int net_get_hosts(struct linux_net *n, const char *field, char **ret);
/* "Field" after "Device.Ethernet." (Link, VLANTermination), "Device.Bridging.",
 * "Device.InterfaceStack." (net-layer-values.c). */
int net_get_ethernet_layers(struct linux_net *n, const char *field, char **ret);
int net_get_bridging(struct linux_net *n, const char *field, char **ret);
int net_get_interface_stack(struct linux_net *n, const char *rest, char **ret);
