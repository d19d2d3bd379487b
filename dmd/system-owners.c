/* SPDX-License-Identifier: MIT */
#include <errno.h>

#include "dns-client.h"
#include "log.h"
#include "manager.h"
#include "system-owners.h"
#include "time-status.h"

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

int system_owners_setup(struct manager *m)
{
        int r = time_status_new(NULL, NULL, &m->time_status);
        if (r < 0)
                return log_error_errno(r, "Failed to set up Device.Time.: %m");
        r = dns_client_new(NULL, NULL, m->settings.state_dir, &m->dns_client);
        if (r < 0)
                return log_error_errno(r, "Failed to set up Device.DNS.Client.: %m");
        /* Only where the schema declares them: a box may leave them out. */
        if (schema_find(m->schema, "Device.Time.")) {
                r = registry_add_local(&m->registry, "Device.Time.", time_live_get, NULL);
                if (r < 0)
                        return r;
        }
        if (schema_find(m->schema, "Device.DNS.Client."))
                r = registry_add_local(&m->registry, "Device.DNS.Client.", dns_live_get,
                                       dns_live_instances);
        return r;
}

void system_owners_free(struct manager *m)
{
        time_status_free(m->time_status);
        m->time_status = NULL;
        dns_client_free(m->dns_client);
        m->dns_client = NULL;
}
