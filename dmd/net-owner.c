/* SPDX-License-Identifier: MIT */
/* The network provider as dmd's built-in owner of its subtrees. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hosts-leases.h"
#include "linux-net.h"
#include "log.h"
#include "manager.h"
#include "net-owner.h"
#include "value-watch.h"

static bool is_alias(const char *name)
{
        size_t len = strlen(name);
        return len > 6 && streq(name + len - 6, ".Alias");
}

static bool ends_with(const char *name, const char *suffix)
{
        size_t len = strlen(name), slen = strlen(suffix);
        return len > slen && streq(name + len - slen, suffix);
}

/* InterfaceStack's HigherAlias and LowerAlias: the Alias of the row named, as read. */
static int net_live_get(struct manager *m, const char *name, char **value);
static int stack_alias(struct manager *m, const char *name, const char *suffix, char **value)
{
        size_t len = strlen(name) - strlen(suffix);
        _cleanup_free_ char *layer_name = NULL, *layer = NULL, *alias_name = NULL;
        if (asprintf(&layer_name, "%.*s%s", (int)len, name,
                     streq(suffix, "HigherAlias") ? "HigherLayer" : "LowerLayer") < 0)
                return -ENOMEM;
        int r = linux_net_get(m->linux_net, layer_name, &layer);
        if (r < 0)
                return r;
        if (asprintf(&alias_name, "%s.Alias", layer) < 0)
                return -ENOMEM;
        return net_live_get(m, alias_name, value);
}

/* Alias values are the only ones the ACS writes here: dmd stores them like its own, and an
 * instance without one reads the default its provider gives ("cpe-eth0"). */
static int net_live_get(struct manager *m, const char *name, char **value)
{
        if (hosts_lease_is_hostname(name)) /* not the kernel's: the DHCP server's */
                return hosts_lease_get_hostname(m->linux_net, m->settings.hosts_lease_file, name,
                                                value);
        if (startswith(name, "Device.InterfaceStack.")) {
                if (ends_with(name, ".HigherAlias"))
                        return stack_alias(m, name, "HigherAlias", value);
                if (ends_with(name, ".LowerAlias"))
                        return stack_alias(m, name, "LowerAlias", value);
        }
        int r = linux_net_get(m->linux_net, name, value);
        if (r < 0 || !is_alias(name))
                return r;
        const char *stored = state_get_value(&m->state, name);
        if (!stored)
                return 0;
        char *copy = strdup(stored);
        if (!copy)
                return -ENOMEM;
        free(*value);
        *value = copy;
        return 0;
}

/* One per subtree: a query for "Device." reads only the asking owner's tables. */
#define INSTANCES(fn, subtree)                                                                     \
        static int fn(struct manager *m, const char *object, struct strv *out)                     \
        {                                                                                          \
                return linux_net_get_instances(m->linux_net, subtree, object, out);                \
        }
INSTANCES(ethernet_instances, "Device.Ethernet.")
INSTANCES(ip_instances, "Device.IP.")
INSTANCES(routing_instances, "Device.Routing.")
INSTANCES(hosts_instances, "Device.Hosts.")
INSTANCES(bridging_instances, "Device.Bridging.")
INSTANCES(stack_instances, "Device.InterfaceStack.")
INSTANCES(qos_instances, "Device.QoS.")

static const struct {
        const char *subtree;
        int (*instances)(struct manager *, const char *, struct strv *);
} owners[] = {
        {"Device.Ethernet.", ethernet_instances}, {"Device.IP.", ip_instances},
        {"Device.Routing.", routing_instances},   {"Device.Hosts.", hosts_instances},
        {"Device.Bridging.", bridging_instances}, {"Device.InterfaceStack.", stack_instances},
        {"Device.QoS.", qos_instances},
};

static void on_changed(const char *prefix, void *userdata)
{
        struct manager *m = userdata;
        value_watch_poke(m->value_watch, prefix); /* NULL until dmd is on the bus */
}

int net_owner_setup(struct manager *m)
{
        const struct linux_net_paths paths = {.state_dir = m->settings.state_dir};
        int r = linux_net_new(&paths, &m->linux_net);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(owners); i++) {
                r = registry_add_local(&m->registry, owners[i].subtree, net_live_get,
                                       owners[i].instances);
                if (r < 0)
                        return r;
        }
        r = linux_net_watch(m->linux_net, m->event, on_changed, m);
        if (r < 0)
                /* Values stay right, only notifications wait for the next sample. */
                log_warning_errno(r, "Failed to subscribe to the kernel's network events: %m");
        return 0;
}
