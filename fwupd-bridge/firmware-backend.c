/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backend-internal.h"
#include "store.h"
#include "util.h"

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
        if (!event || !cfg || !cfg->kind || !ret)
                return -EINVAL;
        if (streq(cfg->kind, "fwupd")) {
                if (!system_bus)
                        return -EINVAL;
                return backend_fwupd_new(event, system_bus, cfg, ret);
        }
        if (streq(cfg->kind, "slot"))
                return backend_slot_new(event, cfg, ret);
        return -EPROTONOSUPPORT;
}

void firmware_backend_free(struct firmware_backend *b)
{
        if (b)
                b->ops->free(b);
}

int firmware_backend_install(struct firmware_backend *b, const char *path,
                             firmware_install_done done, void *userdata)
{
        if (!b || !path || !done)
                return -EINVAL;
        return b->ops->install(b, path, done, userdata);
}

int firmware_backend_boot_check(struct firmware_backend *b, struct firmware_result *result)
{
        if (!b || !result)
                return -EINVAL;
        if (!b->is_ready)
                return -EAGAIN;
        *result = (struct firmware_result){};
        return b->ops->boot_check(b, result);
}

void firmware_backend_boot_check_done(struct firmware_backend *b)
{
        if (b && b->is_ready)
                b->ops->boot_check_done(b);
}

void firmware_backend_set_autonomous_handler(struct firmware_backend *b,
                                             firmware_autonomous_update handler, void *userdata)
{
        if (!b)
                return;
        b->autonomous = handler;
        b->autonomous_userdata = userdata;
}

void firmware_backend_set_ready_handler(struct firmware_backend *b, firmware_backend_ready handler,
                                        void *userdata)
{
        if (!b)
                return;
        b->ready = handler;
        b->ready_userdata = userdata;
}

void firmware_backend_set_images_changed_handler(struct firmware_backend *b,
                                                 firmware_images_changed handler, void *userdata)
{
        if (!b)
                return;
        b->images_changed = handler;
        b->images_changed_userdata = userdata;
}

bool firmware_backend_is_ready(struct firmware_backend *b)
{
        return b && b->is_ready;
}

int firmware_backend_list_images(struct firmware_backend *b, struct firmware_image **images,
                                 size_t *n)
{
        if (!b || !images || !n)
                return -EINVAL;
        *images = NULL;
        *n = 0;
        return b->ops->list_images(b, images, n);
}

int firmware_backend_running_version(struct firmware_backend *b, char **version)
{
        if (!b || !version)
                return -EINVAL;
        *version = NULL;
        return b->ops->running_version(b, version);
}

void backend_report_autonomous(struct firmware_backend *b, const char *version,
                               const struct firmware_result *result)
{
        if (b->autonomous)
                b->autonomous(version, result, b->autonomous_userdata);
        backend_images_changed(b);
}

void backend_images_changed(struct firmware_backend *b)
{
        if (b->images_changed)
                b->images_changed(b, b->images_changed_userdata);
}

void backend_set_ready(struct firmware_backend *b)
{
        if (b->is_ready)
                return;
        b->is_ready = true;
        if (b->ready)
                b->ready(b, b->ready_userdata);
        backend_images_changed(b);
}

int backend_write_text_file(const char *path, const char *text)
{
        return store_write_atomic(path, text, strlen(text));
}

int backend_read_text_file(const char *path, size_t max, char **ret)
{
        char *data = NULL;
        size_t len = 0;
        int r;

        r = store_read_file(path, max, &data, &len);
        if (r < 0)
                return r;
        while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
                data[--len] = '\0';
        *ret = data;
        return 0;
}
