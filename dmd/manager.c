/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "bus-api.h"
#include "bus.h"
#include "deviceinfo-platform.h"
#include "deviceinfo.h"
#include "linux-net.h"
#include "log.h"
#include "manager.h"
#include "memory-monitor.h"
#include "net-owner.h"
#include "periodic-stats.h"
#include "system-owners.h"
#include "temperature-monitor.h"
#include "transaction.h"
#include "value-watch.h"

const char *manager_type_name(const struct schema_node *node)
{
        return node->facets.is_list ? "string" : cw_type_to_string(node->facets.type);
}

/* ---- dmd's own live values --------------------------------------------------------- */

static int core_live_get(struct manager *m, const char *name, char **value)
{
        if (streq(name, "Device.RootDataModelVersion")) {
                *value = strdup(DMD_ROOT_DATA_MODEL_VERSION);
                return *value ? 0 : -ENOMEM;
        }
        /* Device.InterfaceStack.'s count lies in Device. itself. */
        if (streq(name, "Device.InterfaceStackNumberOfEntries") && m->linux_net)
                return linux_net_get(m->linux_net, name, value);
        return -ENOENT;
}

static int deviceinfo_live_get(struct manager *m, const char *name, char **value)
{
        int r = deviceinfo_get(m->deviceinfo, name, value);
        if (r == -ENOENT)
                r = memory_monitor_get(m->memory_monitor, name, value);
        if (r == -ENOENT)
                r = temperature_monitor_get(m->temperature_monitor, name, value);
        else if (r >= 0 && startswith(name, TEMPERATURE_SENSOR_TABLE))
                temperature_monitor_observe(m->temperature_monitor, name, *value);
        /* Processor, SupportedDataModel, NetworkProperties: set up with the system owners. */
        if (r == -ENOENT && m->deviceinfo_platform)
                r = deviceinfo_platform_get(m->deviceinfo_platform, name, value);
        return r;
}

/* The settings of DeviceInfo's live rows that dmd stores (a sensor's Enable). */
static const char *deviceinfo_stored(const char *name, void *userdata)
{
        struct manager *m = userdata;
        return state_get_value(&m->state, name);
}

static int periodic_stats_live_get(struct manager *m, const char *name, char **value)
{
        return periodic_stats_get(m, m->periodic_stats, name, value);
}

static int deviceinfo_live_instances(struct manager *m, const char *object, struct strv *out)
{
        int r = deviceinfo_get_instances(m->deviceinfo, object, out);
        if (r >= 0 && m->deviceinfo_platform)
                r = deviceinfo_platform_get_instances(m->deviceinfo_platform, object, out);
        return r;
}

/* ---- set-up ------------------------------------------------------------------------ */

static int load_schema(struct manager *m)
{
        const struct strv *dirs = &m->settings.schema_dirs;
        struct schema_error err = {};
        int r = 0;

        r = schema_new(&m->schema);
        if (r < 0)
                return r;
        /* The command line's directories replace the configured one. */
        r = dirs->n > 0 ? schema_load_dirs(m->schema, dirs->v, dirs->n, &err)
                        : schema_load_dir(m->schema, m->settings.schema_dir, &err);
        if (r < 0) {
                if (err.file)
                        log_error("%s:%u: %s", err.file, err.line,
                                  err.message ? err.message : strerror(-r));
                else
                        log_error_errno(r, "Failed to load the schema: %m");
                schema_error_done(&err);
                return r;
        }
        if (!schema_root(m->schema))
                return log_error_errno(-ENOENT, "The schema declares no root object");
        log_debug("Schema: %zu objects, %zu parameters", schema_n_objects(m->schema),
                  schema_n_parameters(m->schema));
        return 0;
}

int manager_new(struct settings *settings, struct manager **ret)
{
        struct manager *m = calloc(1, sizeof(*m));
        int r;

        if (!m) {
                settings_done(settings);
                return -ENOMEM;
        }
        /* The manager takes the settings over. */
        m->settings = *settings;
        r = sd_event_default(&m->event);
        if (r < 0)
                goto fail;
        r = load_schema(m);
        if (r < 0)
                goto fail;
        r = state_open(&m->state, m->settings.state_dir);
        if (r < 0) {
                log_error_errno(r, "Failed to load %s/dmd.store: %m", m->settings.state_dir);
                goto fail;
        }
        struct deviceinfo_paths paths = {.persistent_dir = m->settings.state_dir,
                                         .runtime_dir = m->settings.runtime_dir};
        r = deviceinfo_new(&m->settings.deviceinfo, &paths, &m->deviceinfo);
        if (r < 0) {
                log_error_errno(r, "Failed to set up Device.DeviceInfo.: %m");
                goto fail;
        }
        deviceinfo_set_stored(m->deviceinfo, deviceinfo_stored, m);
        /* dmd owns what nobody else registers; DeviceInfo is built in. */
        r = registry_add_local(&m->registry, "", core_live_get, NULL);
        if (r >= 0)
                r = registry_add_local(&m->registry, "Device.DeviceInfo.", deviceinfo_live_get,
                                       deviceinfo_live_instances);
        if (r < 0)
                goto fail;
        /* Ethernet, IP, Routing, Hosts: built in too, from the kernel. */
        r = net_owner_setup(m);
        if (r < 0) {
                log_error_errno(r, "Failed to set up the network tables: %m");
                goto fail;
        }
        /* Time and DNS.Client: built in, from the running system. */
        r = system_owners_setup(m);
        if (r < 0)
                goto fail;
        /* PeriodicStatistics: settings in dmd's store, samples computed by dmd. */
        if (schema_find(m->schema, PERIODIC_STATS_PREFIX)) {
                r = registry_add_local(&m->registry, PERIODIC_STATS_PREFIX, periodic_stats_live_get,
                                       NULL);
                if (r < 0)
                        goto fail;
        }
        r = transaction_recover(m);
        if (r < 0)
                goto fail;
        *ret = m;
        return 0;
fail:
        manager_free(m);
        return r;
}

void manager_free(struct manager *m)
{
        if (!m)
                return;
        transaction_queue_free(m);
        value_watch_free(m->value_watch);
        periodic_stats_free(m->periodic_stats);
        memory_monitor_free(m->memory_monitor);
        temperature_monitor_free(m->temperature_monitor);
        bus_close(m->bus);
        registry_done(&m->registry);
        deviceinfo_free(m->deviceinfo);
        system_owners_free(m);
        linux_net_free(m->linux_net);
        state_done(&m->state);
        schema_free(m->schema);
        free(m->introspection);
        sd_event_unref(m->event);
        settings_done(&m->settings);
        free(m);
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        struct manager *m = userdata;
        log_info("Received %s, exiting", strsignal(si->ssi_signo));
        return sd_event_exit(m->event, 0);
}

int manager_start(struct manager *m)
{
        sigset_t mask;
        int r;

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        if (sd_event_add_signal(m->event, NULL, SIGTERM, on_signal, m) < 0 ||
            sd_event_add_signal(m->event, NULL, SIGINT, on_signal, m) < 0)
                return log_error_errno(-errno, "Failed to handle signals: %m");
        r = sd_event_set_watchdog(m->event, true);
        if (r < 0)
                log_warning_errno(r, "Failed to enable the watchdog: %m");

        r = m->settings.bus_address ? bus_open_address(m->event, m->settings.bus_address, &m->bus)
                                    : bus_open_system(m->event, &m->bus);
        if (r < 0)
                return log_error_errno(r, "Failed to connect to the bus: %m");
        /* Objects first, then the name: whoever sees the name can call at once. */
        r = bus_api_register(m);
        if (r < 0)
                return log_error_errno(r, "Failed to export %s: %m", DMD_OBJECT_PATH);
        r = bus_request_name(m->bus, DMD_BUS_NAME);
        if (r == -EEXIST)
                return log_error_errno(r, "%s is already owned by another process", DMD_BUS_NAME);
        if (r < 0)
                return log_error_errno(r, "Failed to acquire %s: %m", DMD_BUS_NAME);
        transaction_resume(m);
        r = value_watch_new(m, &m->value_watch);
        if (r < 0)
                return log_error_errno(r, "Failed to start the value watcher: %m");
        r = periodic_stats_new(m, &m->periodic_stats);
        if (r < 0)
                return log_error_errno(r, "Failed to start the periodic statistics: %m");
        r = memory_monitor_new(m, &m->memory_monitor);
        if (r < 0)
                return log_error_errno(r, "Failed to start the memory monitor: %m");
        r = temperature_monitor_new(m, &m->temperature_monitor);
        if (r < 0)
                return log_error_errno(r, "Failed to start the temperature monitor: %m");
        log_info("Serving %zu objects and %zu parameters as %s", schema_n_objects(m->schema),
                 schema_n_parameters(m->schema), DMD_BUS_NAME);
        (void)sd_notify(false, "READY=1\nSTATUS=Serving the data model");
        return 0;
}

int manager_run(struct manager *m)
{
        int r = sd_event_loop(m->event);
        (void)sd_notify(false, "STOPPING=1");
        if (r == -ECONNRESET)
                log_error("Disconnected from the bus");
        return r;
}
