/* SPDX-License-Identifier: MIT */
#pragma once

#include <dbus/dbus.h>

struct manager;

/* The io.cwmp.DataModel1 methods. Each takes the call, answers it (now or once providers
 * have answered) and returns 0, or a negative errno if it could not even start. */
int op_get_parameter_values(struct manager *m, DBusMessage *call);
int op_get_parameter_names(struct manager *m, DBusMessage *call);
int op_get_parameter_attributes(struct manager *m, DBusMessage *call);
int op_set_parameter_attributes(struct manager *m, DBusMessage *call);
int op_set_parameter_values(struct manager *m, DBusMessage *call);
int op_add_object(struct manager *m, DBusMessage *call);
int op_delete_object(struct manager *m, DBusMessage *call);

/* Default Notification attribute of a parameter (TR-181 activeNotify). */
struct schema_node;
unsigned op_default_notification(const struct schema_node *node);
