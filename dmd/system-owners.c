/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deviceinfo-platform.h"
#include "dhcp-client.h"
#include "dns-client.h"
#include "linux-net.h"
#include "log.h"
#include "manager.h"
#include "neighbor-discovery.h"
#include "software-modules.h"
#include "system-owners.h"
#include "time-status.h"
#include "usb.h"
#include "users.h"

static int time_live_get(struct manager *m, const char *name, char **value)
{
        return time_status_get(m->time_status, name, value);
}

static int dns_live_get(struct manager *m, const char *name, char **value)
{
        return dns_client_get(m->dns_client, name, value);
}

static int dns_live_instances(struct manager *m, const char *object, struct strv *out)
{
        return dns_client_get_instances(m->dns_client, object, out);
}

static int usb_live_get(struct manager *m, const char *name, char **value)
{
        return usb_get(m->usb, name, value);
}

static int usb_live_instances(struct manager *m, const char *object, struct strv *out)
{
        return usb_get_instances(m->usb, object, out);
}

static int dhcp_live_get(struct manager *m, const char *name, char **value)
{
        return dhcp_client_get(m->dhcp_client, name, value);
}

static int dhcp_live_instances(struct manager *m, const char *object, struct strv *out)
{
        return dhcp_client_get_instances(m->dhcp_client, object, out);
}

/*
 * The Alias of a row of a read-only built-in table: the one the ACS set (dmd stores it like
 * its own values, under the instance path, which stays with the row as its number does),
 * else "cpe-N". 1 when `name` is such an Alias, 0 when it is not one.
 */
static int row_alias(struct manager *m, const char *name,
                     int (*instances)(struct manager *, const char *, struct strv *), char **value)
{
        size_t len = strlen(name), digits = 0;
        if (len < 8 || !streq(name + len - 6, ".Alias"))
                return 0;
        while (digits < len - 6 && strchr("0123456789", name[len - 7 - digits]))
                digits++;
        if (digits == 0 || digits == len - 6 || name[len - 7 - digits] != '.')
                return 0;
        _cleanup_free_ char *row = strndup(name, len - 5);
        struct strv found = {};
        if (!row)
                return -ENOMEM;
        int r = instances(m, row, &found);
        size_t n = found.n;
        strv_done(&found);
        if (r < 0)
                return r;
        if (n == 0)
                return -ENOENT;
        const char *stored = state_get_value(&m->state, name);
        if (stored)
                *value = strdup(stored);
        else if (asprintf(value, "cpe-%.*s", (int)digits, name + len - 6 - digits) < 0)
                *value = NULL;
        return *value ? 1 : -ENOMEM;
}

static int software_live_instances(struct manager *m, const char *object, struct strv *out)
{
        return software_modules_get_instances(m->software_modules, object, out);
}

static int software_live_get(struct manager *m, const char *name, char **value)
{
        int r = row_alias(m, name, software_live_instances, value);
        return r != 0 ? (r < 0 ? r : 0) : software_modules_get(m->software_modules, name, value);
}

static int users_live_instances(struct manager *m, const char *object, struct strv *out)
{
        return users_get_instances(m->users, object, out);
}

static int users_live_get(struct manager *m, const char *name, char **value)
{
        int r = row_alias(m, name, users_live_instances, value);
        return r != 0 ? (r < 0 ? r : 0) : users_get(m->users, name, value);
}

static int nd_live_instances(struct manager *m, const char *object, struct strv *out)
{
        return neighbor_discovery_get_instances(m->neighbor_discovery, object, out);
}

static int nd_live_get(struct manager *m, const char *name, char **value)
{
        int r = row_alias(m, name, nd_live_instances, value);
        return r != 0 ? (r < 0 ? r : 0)
                      : neighbor_discovery_get(m->neighbor_discovery, name, value);
}

/* DeviceInfo's Processor rows, "Device.DeviceInfo.Processor.1,...". */
static char *processor_rows(void *userdata)
{
        struct manager *m = userdata;
        struct strv rows = {};
        struct buf b = {};
        int r = m->deviceinfo_platform
                        ? deviceinfo_platform_get_instances(m->deviceinfo_platform,
                                                            "Device.DeviceInfo.Processor.", &rows)
                        : 0;
        for (size_t i = 0; r >= 0 && i < rows.n; i++)
                if (startswith(rows.v[i], "Device.DeviceInfo.Processor."))
                        r = buf_printf(&b, "%s%.*s", b.len ? "," : "", (int)strlen(rows.v[i]) - 1,
                                       rows.v[i]);
        strv_done(&rows);
        char *list = r >= 0 ? (b.len ? buf_steal(&b) : strdup("")) : NULL;
        buf_done(&b);
        return list;
}

/* The Device.IP.Interface. row whose Name is `ifname`, from the network owner. */
static char *ip_interface_path(const char *ifname, void *userdata)
{
        struct manager *m = userdata;
        struct strv rows = {};
        char *found = NULL;

        if (!m->linux_net ||
            linux_net_get_instances(m->linux_net, "Device.IP.", "Device.IP.Interface.", &rows) < 0)
                goto out;
        for (size_t i = 0; !found && i < rows.n; i++) {
                const char *rest = rows.v[i] + strlen("Device.IP.Interface.");
                size_t digits = strspn(rest, "0123456789");
                _cleanup_free_ char *name = NULL, *value = NULL;
                if (!startswith(rows.v[i], "Device.IP.Interface.") || digits == 0 ||
                    !streq(rest + digits, "."))
                        continue;
                if (asprintf(&name, "%sName", rows.v[i]) < 0)
                        break;
                if (linux_net_get(m->linux_net, name, &value) >= 0 && streq(value, ifname))
                        found = strndup(rows.v[i], strlen(rows.v[i]) - 1);
        }
out:
        strv_done(&rows);
        return found;
}

int system_owners_setup(struct manager *m)
{
        int r = time_status_new(NULL, NULL, &m->time_status);
        if (r < 0)
                return log_error_errno(r, "Failed to set up Device.Time.: %m");
        r = dns_client_new(NULL, NULL, m->settings.state_dir, &m->dns_client);
        if (r < 0)
                return log_error_errno(r, "Failed to set up Device.DNS.Client.: %m");
        r = deviceinfo_platform_new(NULL, NULL, NULL, &m->deviceinfo_platform);
        if (r < 0)
                return log_error_errno(r, "Failed to set up Device.DeviceInfo.Processor.: %m");
        r = usb_new(NULL, &m->usb);
        if (r < 0)
                return log_error_errno(r, "Failed to set up Device.USB.: %m");
        r = dhcp_client_new(&m->settings.dhcp, m->settings.state_dir, ip_interface_path, m,
                            &m->dhcp_client);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the DHCP clients: %m");
        const struct software_modules_paths sm_paths = {
                .status_file = m->settings.package_status_file, .state_dir = m->settings.state_dir};
        r = software_modules_new(&sm_paths, processor_rows, m, &m->software_modules);
        if (r < 0)
                return log_error_errno(r, "Failed to set up Device.SoftwareModules.: %m");
        r = users_new(NULL, NULL, m->settings.state_dir, &m->users);
        if (r < 0)
                return log_error_errno(r, "Failed to set up Device.Users.: %m");
        r = neighbor_discovery_new(NULL, NULL, m->settings.state_dir, ip_interface_path, m,
                                   &m->neighbor_discovery);
        if (r < 0)
                return log_error_errno(r, "Failed to set up Device.NeighborDiscovery.: %m");
        /* Only where the schema declares them: a box may leave them out. */
        if (schema_find(m->schema, "Device.Time.")) {
                r = registry_add_local(&m->registry, "Device.Time.", time_live_get, NULL);
                if (r < 0)
                        return r;
        }
        if (schema_find(m->schema, "Device.DNS.Client."))
                r = registry_add_local(&m->registry, "Device.DNS.Client.", dns_live_get,
                                       dns_live_instances);
        if (r >= 0 && schema_find(m->schema, "Device.USB."))
                r = registry_add_local(&m->registry, "Device.USB.", usb_live_get,
                                       usb_live_instances);
        /* Device.DHCPv4. and DHCPv6. hold more than the clients (servers, relays): only the
         * Client tables and their counts are built in. */
        if (r >= 0 && schema_find(m->schema, "Device.DHCPv4.Client.{i}."))
                r = registry_add_local(&m->registry, "Device.DHCPv4.", dhcp_live_get,
                                       dhcp_live_instances);
        if (r >= 0 && schema_find(m->schema, "Device.DHCPv6.Client.{i}."))
                r = registry_add_local(&m->registry, "Device.DHCPv6.", dhcp_live_get,
                                       dhcp_live_instances);
        if (r >= 0 && schema_find(m->schema, "Device.SoftwareModules."))
                r = registry_add_local(&m->registry, "Device.SoftwareModules.", software_live_get,
                                       software_live_instances);
        if (r >= 0 && schema_find(m->schema, "Device.Users."))
                r = registry_add_local(&m->registry, "Device.Users.", users_live_get,
                                       users_live_instances);
        if (r >= 0 && schema_find(m->schema, "Device.NeighborDiscovery."))
                r = registry_add_local(&m->registry, "Device.NeighborDiscovery.", nd_live_get,
                                       nd_live_instances);
        return r;
}

void system_owners_free(struct manager *m)
{
        time_status_free(m->time_status);
        m->time_status = NULL;
        dns_client_free(m->dns_client);
        m->dns_client = NULL;
        deviceinfo_platform_free(m->deviceinfo_platform);
        m->deviceinfo_platform = NULL;
        usb_free(m->usb);
        m->usb = NULL;
        dhcp_client_free(m->dhcp_client);
        m->dhcp_client = NULL;
        software_modules_free(m->software_modules);
        m->software_modules = NULL;
        users_free(m->users);
        m->users = NULL;
        neighbor_discovery_free(m->neighbor_discovery);
        m->neighbor_discovery = NULL;
}
