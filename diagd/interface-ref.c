/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "interface-ref.h"
#include "log.h"
#include "util.h"

#define DM_BUS_NAME     "io.cwmp.DataModel"
#define DM_OBJECT_PATH  "/io/cwmp/DataModel"
#define DM_INTERFACE    "io.cwmp.DataModel1"
#define IP_INTERFACE    "Device.IP.Interface."
#define CALL_TIMEOUT_MS 10000

struct interface_ref {
        interface_ref_fn done;
        void *userdata;
        bool owner_gone, call_gone; /* freed when both let it go */
};

bool interface_ref_valid(const char *value)
{
        const char *p = value;

        if (!value[0])
                return true;
        if (!startswith(p, IP_INTERFACE))
                return false;
        p += strlen(IP_INTERFACE);
        if (*p < '1' || *p > '9')
                return false;
        while (*p >= '0' && *p <= '9')
                p++;
        return !*p || streq(p, ".");
}

/* The Linux name in a GetParameterValues reply, a(sss) of one (name, type, value). */
static int reply_name(DBusMessage *reply, const char **ret)
{
        DBusMessageIter it, arr, st;
        const char *value = NULL;

        if (dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_ERROR) {
                const char *e = dbus_message_get_error_name(reply);
                log_debug("dmd answered %s", e);
                return streq(e, DBUS_ERROR_NO_REPLY)            ? -ETIMEDOUT
                       : streq(e, DBUS_ERROR_SERVICE_UNKNOWN)   ? -ECONNREFUSED
                       : streq(e, DBUS_ERROR_NAME_HAS_NO_OWNER) ? -ECONNREFUSED
                                                                : -ENOENT;
        }
        if (!dbus_message_iter_init(reply, &it) ||
            dbus_message_iter_get_arg_type(&it) != DBUS_TYPE_ARRAY)
                return -EBADMSG;
        dbus_message_iter_recurse(&it, &arr);
        if (dbus_message_iter_get_arg_type(&arr) != DBUS_TYPE_STRUCT)
                return -ENOENT;
        dbus_message_iter_recurse(&arr, &st);
        for (int i = 0; i < 3; i++) {
                if (dbus_message_iter_get_arg_type(&st) != DBUS_TYPE_STRING)
                        return -EBADMSG;
                dbus_message_iter_get_basic(&st, &value);
                dbus_message_iter_next(&st);
        }
        if (!value || !value[0] || strlen(value) >= IFNAMSIZ)
                return -ENOENT;
        *ret = value;
        return 0;
}

static void on_reply(DBusMessage *reply, void *userdata)
{
        interface_ref *l = userdata;
        const char *name = NULL;
        int r;

        if (l->owner_gone)
                return;
        r = reply_name(reply, &name);
        l->done(r, r < 0 ? NULL : name, l->userdata);
}

/* Runs once the call is over (after on_reply): the handle goes when its owner let it go. */
static void call_done(void *userdata)
{
        interface_ref *l = userdata;

        l->call_gone = true;
        if (l->owner_gone)
                free(l);
}

int interface_ref_lookup(DBusConnection *bus, const char *reference, interface_ref_fn done,
                         void *userdata, interface_ref **ret)
{
        _cleanup_dbus_message_ DBusMessage *call = NULL;
        _cleanup_free_ char *name = NULL;
        DBusMessageIter it, arr;
        const char *n;
        interface_ref *l;
        int r;

        if (!interface_ref_valid(reference) || !reference[0])
                return -EINVAL;
        if (asprintf(&name, "%s%sName", reference, endswith_char(reference, '.') ? "" : ".") < 0) {
                name = NULL;
                return -ENOMEM;
        }
        n = name;
        call = dbus_message_new_method_call(DM_BUS_NAME, DM_OBJECT_PATH, DM_INTERFACE,
                                            "GetParameterValues");
        if (!call)
                return -ENOMEM;
        dbus_message_iter_init_append(call, &it);
        if (!dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "s", &arr) ||
            !dbus_message_iter_append_basic(&arr, DBUS_TYPE_STRING, &n) ||
            !dbus_message_iter_close_container(&it, &arr))
                return -ENOMEM;
        l = calloc(1, sizeof(*l));
        if (!l)
                return -ENOMEM;
        l->done = done;
        l->userdata = userdata;
        r = bus_call_async(bus, call, CALL_TIMEOUT_MS, on_reply, l, call_done);
        if (r < 0) {
                free(l);
                return r;
        }
        *ret = l;
        return 0;
}

void interface_ref_free(interface_ref *l)
{
        if (!l)
                return;
        l->owner_gone = true;
        if (l->call_gone)
                free(l);
}
