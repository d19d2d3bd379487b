/* SPDX-License-Identifier: MIT */
#include <errno.h>

#include "firmware-provider.h"

/* Placeholder until the provider lands: every call fails cleanly. */

int firmware_provider_new(sd_event *event, DBusConnection *bus, struct firmware_backend *backend,
                          const char *schema_dir, const char *state_dir,
                          struct firmware_provider **ret)
{
        (void)event;
        (void)bus;
        (void)backend;
        (void)schema_dir;
        (void)state_dir;
        (void)ret;
        return -EOPNOTSUPP;
}

int firmware_provider_start(struct firmware_provider *p)
{
        (void)p;
        return -EOPNOTSUPP;
}

void firmware_provider_free(struct firmware_provider *p)
{
        (void)p;
}

int firmware_provider_images_changed(struct firmware_provider *p)
{
        (void)p;
        return -EOPNOTSUPP;
}

int firmware_provider_set_transfer_status(struct firmware_provider *p, const char *status)
{
        (void)p;
        (void)status;
        return -EOPNOTSUPP;
}

const char *firmware_provider_software_version_path(struct firmware_provider *p)
{
        (void)p;
        return NULL;
}
