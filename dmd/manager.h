/* SPDX-License-Identifier: MIT */
#pragma once

#include <dbus/dbus.h>
#include <systemd/sd-event.h>

#include "registry.h"
#include "schema.h"
#include "settings.h"
#include "state.h"

struct deviceinfo;
struct deviceinfo_platform;
struct dhcp_client;
struct dns_client;
struct neighbor_discovery;
struct software_modules;
struct users;
struct usb;
struct time_status;
struct linux_net;
struct periodic_stats;
struct transaction;
struct value_watch;

#define DMD_BUS_NAME       "io.cwmp.DataModel"
#define DMD_OBJECT_PATH    "/io/cwmp/DataModel"
#define DMD_INTERFACE      "io.cwmp.DataModel1"
#define PROVIDER_INTERFACE "io.cwmp.Provider1"

/* Device:2 version of the model dmd serves (Device.RootDataModelVersion). */
#define DMD_ROOT_DATA_MODEL_VERSION "2.19"

/* How long dmd waits for a provider's answer. */
#define DMD_PROVIDER_TIMEOUT_MS 10000

/* The daemon's context: everything mutable lives here. */
struct manager {
        sd_event *event;
        DBusConnection *bus;
        struct settings settings;
        struct schema *schema;
        struct registry registry;
        struct state state;
        struct deviceinfo *deviceinfo;
        struct linux_net *linux_net;           /* Ethernet, IP, Routing, Hosts ... from netlink */
        struct value_watch *value_watch;       /* notifications for changes nobody wrote */
        struct time_status *time_status;       /* Device.Time. */
        struct dns_client *dns_client;         /* Device.DNS.Client. */
        struct periodic_stats *periodic_stats; /* Device.PeriodicStatistics.: the sampler */
        struct deviceinfo_platform *deviceinfo_platform; /* DeviceInfo's Processor ... */
        struct usb *usb;                                 /* Device.USB. */
        struct dhcp_client *dhcp_client; /* Device.DHCPv4.Client., Device.DHCPv6.Client. */
        struct software_modules *software_modules;     /* Device.SoftwareModules. */
        struct users *users;                           /* Device.Users. */
        struct neighbor_discovery *neighbor_discovery; /* Device.NeighborDiscovery. */
        struct memory_monitor *memory_monitor;         /* DeviceInfo.MemoryStatus.MemoryMonitor. */
        struct temperature_monitor *temperature_monitor; /* the sensors' Min/Max, alarms */
        char *introspection; /* the interfaces of /io/cwmp/DataModel, as XML */

        /* Transactions run one at a time, in arrival order. */
        struct transaction *tx_current;
        struct transaction *tx_queue_head, *tx_queue_tail;
        /* A transaction found on disk at start: rolled forward before any new one. */
        struct transaction *tx_recovery;
};

int manager_new(struct settings *settings, struct manager **ret);
void manager_free(struct manager *m);
/* Connects to the bus, exports the object, takes the name, resumes an interrupted
 * transaction. */
int manager_start(struct manager *m);
int manager_run(struct manager *m);

/* The schema type name of a parameter as it travels ("unsignedInt"; lists are "string"). */
const char *manager_type_name(const struct schema_node *node);
