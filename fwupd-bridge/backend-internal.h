/* SPDX-License-Identifier: MIT */
#pragma once

#include "firmware-backend.h"

/* What each backend implements; firmware-backend.c dispatches to it. */
struct firmware_backend_ops {
        void (*free)(struct firmware_backend *b);
        int (*install)(struct firmware_backend *b, const char *path, firmware_install_done done,
                       void *userdata);
        int (*boot_check)(struct firmware_backend *b, struct firmware_result *result);
        void (*boot_check_done)(struct firmware_backend *b);
        int (*list_images)(struct firmware_backend *b, struct firmware_image **images, size_t *n);
        int (*running_version)(struct firmware_backend *b, char **version);
};

/* The common head of every backend (its first member). */
struct firmware_backend {
        const struct firmware_backend_ops *ops;
        sd_event *event;
        firmware_autonomous_update autonomous;
        void *autonomous_userdata;
        firmware_backend_ready ready;
        void *ready_userdata;
        bool is_ready;
        firmware_images_changed images_changed;
        void *images_changed_userdata;
};

int backend_fwupd_new(sd_event *event, DBusConnection *system_bus,
                      const struct firmware_backend_config *cfg, struct firmware_backend **ret);
int backend_slot_new(sd_event *event, const struct firmware_backend_config *cfg,
                     struct firmware_backend **ret);

/* Backends call these. */
void backend_report_autonomous(struct firmware_backend *b, const char *version,
                               const struct firmware_result *result);
void backend_set_ready(struct firmware_backend *b);
void backend_images_changed(struct firmware_backend *b);

/* Replaces `path` atomically with `text` (store_write_atomic). */
int backend_write_text_file(const char *path, const char *text);
/* Reads a small text file without its trailing newline; -ENOENT if missing. */
int backend_read_text_file(const char *path, size_t max, char **ret);
