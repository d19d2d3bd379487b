/* SPDX-License-Identifier: MIT */
#pragma once

#include <dbus/dbus.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The Vendor Configuration File: the writable parameters of the data model as text, one
 * per line, so an Upload of it can be downloaded back later (docs/fwupd-bridge.md):
 *
 *     # CWMP vendor configuration file, version 1
 *     Device.ManagementServer.PeriodicInformInterval<TAB>unsignedInt<TAB>3600
 *
 * "\\", "\t", "\n" and "\r" in values are escaped as in the store. Blank lines and other
 * "#" lines are comments. Hidden values (passwords) read back empty from dmd, so they are
 * left out rather than restored blank.
 */

struct config_entry {
        char *name, *type, *value;
};

struct config_file {
        struct config_entry *entries;
        size_t n, allocated;
};

void config_file_done(struct config_file *f);
int config_file_add(struct config_file *f, const char *name, const char *type, const char *value);
int config_file_format(const struct config_file *f, char **ret, size_t *ret_len);
/* -EBADMSG for anything but a well-formed file, *err_line the first bad line. */
int config_file_parse(const char *data, size_t len, struct config_file *f, unsigned *err_line);
/* Whether a parameter holds a secret that reads back empty. */
int config_parameter_is_secret(const char *name);

/* Reading the configuration from dmd and applying one, asynchronously. The callback gets 0
 * and the text, or a negative errno / a fault code with a message; it runs once, and the
 * operation frees itself after it (forget the pointer there). */
struct config_op;
typedef void (*config_read_fn)(int error, const char *text, size_t len, const char *message,
                               void *userdata);
typedef void (*config_apply_fn)(uint32_t fault_code, const char *message, void *userdata);

int config_read_start(DBusConnection *bus, config_read_fn done, void *userdata,
                      struct config_op **ret);
/* One SetParameterValues: all of the file or nothing. */
int config_apply_start(DBusConnection *bus, const struct config_file *f, config_apply_fn done,
                       void *userdata, struct config_op **ret);
/* Cancels (the callback is not called). */
void config_op_free(struct config_op *op);
