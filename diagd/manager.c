/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "bus.h"
#include "diagnostics.h"
#include "log.h"
#include "manager.h"
#include "store.h"

#define DIAG_BUS_NAME "io.cwmp.Diagnostics"
#define IP_SCHEMA     "30-ip-diagnostics.schema"
#define DNS_SCHEMA    "31-dns-diagnostics.schema"
#define PCAP_SCHEMA   "32-packet-capture.schema"

struct manager {
        sd_event *event;
        DBusConnection *bus;
        char *state_dir, *bus_address, *resolv_conf;
        struct strv schema_dirs;
        struct diagnostics *diagnostics;
};

void manager_free(struct manager *m)
{
        if (!m)
                return;
        diagnostics_free(m->diagnostics);
        bus_close(m->bus);
        sd_event_unref(m->event);
        free(m->state_dir);
        free(m->bus_address);
        free(m->resolv_conf);
        strv_done(&m->schema_dirs);
        free(m);
}

static int copy_string(char **dst, const char *src)
{
        if (!src)
                return 0;
        *dst = strdup(src);
        return *dst ? 0 : -ENOMEM;
}

int manager_new(const struct manager_options *options, struct manager **ret)
{
        struct manager *m = calloc(1, sizeof(*m));
        int r;

        if (!m)
                return -ENOMEM;
        r = copy_string(&m->state_dir, options->state_dir);
        if (r >= 0)
                r = copy_string(&m->bus_address, options->bus_address);
        if (r >= 0)
                r = copy_string(&m->resolv_conf, options->resolv_conf);
        for (size_t i = 0; r >= 0 && i < options->schema_dirs.n; i++)
                r = strv_push(&m->schema_dirs, options->schema_dirs.v[i]);
        if (r >= 0)
                r = sd_event_default(&m->event);
        if (r < 0) {
                manager_free(m);
                return r;
        }
        *ret = m;
        return 0;
}

/* The first schema directory that holds `file`. */
static int find_schema(struct manager *m, const char *file, char **ret)
{
        for (size_t i = 0; i < m->schema_dirs.n; i++) {
                char *path;
                if (asprintf(&path, "%s/%s", m->schema_dirs.v[i], file) < 0)
                        return -ENOMEM;
                if (access(path, R_OK) == 0) {
                        *ret = path;
                        return 0;
                }
                free(path);
        }
        return -ENOENT;
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        struct manager *m = userdata;
        log_info("Received %s, exiting", strsignal(si->ssi_signo));
        return sd_event_exit(m->event, 0);
}

int manager_start(struct manager *m)
{
        _cleanup_free_ char *ip_schema = NULL, *dns_schema = NULL, *pcap_schema = NULL;
        sigset_t mask;
        int r;

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        if (sd_event_add_signal(m->event, NULL, SIGTERM, on_signal, m) < 0 ||
            sd_event_add_signal(m->event, NULL, SIGINT, on_signal, m) < 0)
                return log_error_errno(-errno, "Failed to handle signals: %m");
        (void)sd_event_set_watchdog(m->event, true);

        if (find_schema(m, IP_SCHEMA, &ip_schema) < 0 ||
            find_schema(m, DNS_SCHEMA, &dns_schema) < 0 ||
            find_schema(m, PCAP_SCHEMA, &pcap_schema) < 0)
                return log_error_errno(-ENOENT, "No %s, %s and %s in the schema directories",
                                       IP_SCHEMA, DNS_SCHEMA, PCAP_SCHEMA);
        r = store_mkdir_p(m->state_dir);
        if (r < 0)
                return log_error_errno(r, "Cannot create %s: %m", m->state_dir);

        r = m->bus_address ? bus_open_address(m->event, m->bus_address, &m->bus)
                           : bus_open_system(m->event, &m->bus);
        if (r < 0)
                return log_error_errno(r, "Failed to connect to the bus: %m");
        r = diagnostics_new(m->event, m->bus,
                            &(struct diagnostics_config){.ip_schema = ip_schema,
                                                         .dns_schema = dns_schema,
                                                         .pcap_schema = pcap_schema,
                                                         .state_dir = m->state_dir,
                                                         .resolv_conf = m->resolv_conf},
                            &m->diagnostics);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the diagnostics: %m");
        r = diagnostics_start(m->diagnostics);
        if (r < 0)
                return log_error_errno(r, "Failed to register the diagnostics: %m");
        r = bus_request_name(m->bus, DIAG_BUS_NAME);
        if (r < 0)
                return log_error_errno(r, "Failed to acquire %s: %m", DIAG_BUS_NAME);
        log_info("Serving %s", DIAG_BUS_NAME);
        (void)sd_notify(false, "READY=1\nSTATUS=Ready for diagnostics");
        return 0;
}

int manager_run(struct manager *m)
{
        int r = sd_event_loop(m->event);
        (void)sd_notify(false, "STOPPING=1");
        return r;
}
