/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>

#include "firmware-backend.h"

/* Placeholder until the backends land: every call fails cleanly. */

void firmware_image_done(struct firmware_image *img)
{
        if (!img)
                return;
        free(img->name);
        free(img->version);
        free(img->status);
        free(img->boot_failure_log);
        *img = (struct firmware_image){};
}

int firmware_backend_new(sd_event *event, DBusConnection *system_bus,
                         const struct firmware_backend_config *cfg, struct firmware_backend **ret)
{
        (void)event;
        (void)system_bus;
        (void)cfg;
        (void)ret;
        return -EOPNOTSUPP;
}

void firmware_backend_free(struct firmware_backend *b)
{
        (void)b;
}

int firmware_backend_install(struct firmware_backend *b, const char *path,
                             firmware_install_done done, void *userdata)
{
        (void)b;
        (void)path;
        (void)done;
        (void)userdata;
        return -EOPNOTSUPP;
}

int firmware_backend_boot_check(struct firmware_backend *b, struct firmware_result *result)
{
        (void)b;
        (void)result;
        return 0;
}

void firmware_backend_boot_check_done(struct firmware_backend *b)
{
        (void)b;
}

void firmware_backend_set_autonomous_handler(struct firmware_backend *b,
                                             firmware_autonomous_update handler, void *userdata)
{
        (void)b;
        (void)handler;
        (void)userdata;
}

int firmware_backend_list_images(struct firmware_backend *b, struct firmware_image **images,
                                 size_t *n)
{
        (void)b;
        *images = NULL;
        *n = 0;
        return -EOPNOTSUPP;
}

int firmware_backend_running_version(struct firmware_backend *b, char **version)
{
        (void)b;
        (void)version;
        return -EOPNOTSUPP;
}
