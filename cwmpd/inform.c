/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bus.h"
#include "events.h"
#include "inform.h"
#include "log.h"
#include "management-server.h"
#include "manager.h"
#include "types.h"

#define CHANGE_PREFIX "c:"
#define LAST_PREFIX   "last:" /* the value of a forced-active parameter the ACS last heard */

static const char *const device_id_names[] = {
        "Device.DeviceInfo.Manufacturer",
        "Device.DeviceInfo.ManufacturerOUI",
        "Device.DeviceInfo.ProductClass",
        "Device.DeviceInfo.SerialNumber",
};

struct inform_value {
        char *name, *type, *value;
};

struct inform {
        struct manager *m;
        struct strv names;         /* asked of dmd */
        struct strv changed;       /* value changes this Inform reports */
        struct strv forced_active; /* activeNotify=forceEnabled: compared with LAST_PREFIX */
        struct inform_value *values;
        size_t n_values;
        struct strv event_codes, event_keys;
        /* InformParameter entries: read once the Inform's events are known */
        struct strv extra_names, extra_events;
        bool finalized;
        int extra_error;
        unsigned pending; /* dmd calls in flight */
        bool fell_back;   /* asking name by name after a failed batch */
        inform_ready_fn ready;
        void *userdata;
};

void inform_free(struct inform *inf)
{
        if (!inf)
                return;
        strv_done(&inf->names);
        strv_done(&inf->changed);
        strv_done(&inf->forced_active);
        for (size_t i = 0; i < inf->n_values; i++) {
                free(inf->values[i].name);
                free(inf->values[i].type);
                free(inf->values[i].value);
        }
        free(inf->values);
        strv_done(&inf->event_codes);
        strv_done(&inf->event_keys);
        strv_done(&inf->extra_names);
        strv_done(&inf->extra_events);
        free(inf);
}

bool inform_has_event(const struct inform *inf, const char *code)
{
        for (size_t i = 0; i < inf->event_codes.n; i++)
                if (streq(inf->event_codes.v[i], code))
                        return true;
        return false;
}

static int add_value(struct inform *inf, const char *name, const char *type, const char *value)
{
        for (size_t i = 0; i < inf->n_values; i++)
                if (streq(inf->values[i].name, name))
                        return 0; /* each parameter once */
        struct inform_value *n = realloc(inf->values, (inf->n_values + 1) * sizeof(*n));
        if (!n)
                return -ENOMEM;
        inf->values = n;
        n[inf->n_values] = (struct inform_value){strdup(name), strdup(type), strdup(value)};
        if (!n[inf->n_values].name || !n[inf->n_values].type || !n[inf->n_values].value)
                return -ENOMEM;
        inf->n_values++;
        return 0;
}

static int read_values(struct inform *inf, DBusMessage *reply)
{
        DBusMessageIter it, arr;

        if (!streq(dbus_message_get_signature(reply), "a(sss)"))
                return -EBADMSG;
        dbus_message_iter_init(reply, &it);
        dbus_message_iter_recurse(&it, &arr);
        while (dbus_message_iter_get_arg_type(&arr) == DBUS_TYPE_STRUCT) {
                DBusMessageIter st;
                const char *name, *type, *value;
                dbus_message_iter_recurse(&arr, &st);
                dbus_message_iter_get_basic(&st, &name);
                dbus_message_iter_next(&st);
                dbus_message_iter_get_basic(&st, &type);
                dbus_message_iter_next(&st);
                dbus_message_iter_get_basic(&st, &value);
                int r = add_value(inf, name, type, value);
                if (r < 0)
                        return r;
                dbus_message_iter_next(&arr);
        }
        return 0;
}

static int ask(struct inform *inf, const char *const *names, size_t n);
static const char *value_of(const struct inform *inf, const char *name);
static const char *find_value(const struct inform *inf, const char *name);

static bool is_changed(const struct inform *inf, const char *name)
{
        for (size_t i = 0; i < inf->changed.n; i++)
                if (streq(inf->changed.v[i], name))
                        return true;
        return false;
}

/* The values are here: forced-active parameters that changed while nobody was looking (a
 * new SoftwareVersion after an upgrade and reboot) count as changes; then the events are
 * taken, so that those queued while dmd answered ride along too. */
static int finalize(struct inform *inf)
{
        struct manager *m = inf->m;
        size_t n_events;
        int r = 0;

        for (size_t i = 0; r >= 0 && i < inf->forced_active.n; i++) {
                const char *name = inf->forced_active.v[i];
                _cleanup_free_ char *key = NULL;
                if (asprintf(&key, LAST_PREFIX "%s", name) < 0)
                        return -ENOMEM;
                const char *last = manager_state_get(m, key);
                const char *now = find_value(inf, name);
                if (last && now && !streq(last, now) && !is_changed(inf, name))
                        r = strv_push(&inf->changed, name);
        }
        if (r >= 0 && inf->changed.n > 0)
                r = events_add(m->events, "4 VALUE CHANGE", "", "");
        if (r >= 0)
                r = events_mark_sent(m->events);
        const struct event *ev = r >= 0 ? events_list(m->events, &n_events) : NULL;
        for (size_t i = 0; r >= 0 && ev && i < n_events && i < EVENTS_MAX; i++) {
                r = strv_push(&inf->event_codes, ev[i].code);
                if (r >= 0)
                        r = strv_push(&inf->event_keys, ev[i].command_key);
        }
        return r;
}

/* Whether an InformParameter's EventList names one of the Inform's events; an empty list
 * is every event but "4 VALUE CHANGE". */
bool inform_event_list_matches(const char *event_list, const char *const *codes, size_t n)
{
        bool empty = true;

        for (const char *p = event_list; *p;) {
                size_t len = strcspn(p, ",");
                const char *item = p;
                while (len > 0 && *item == ' ')
                        item++, len--;
                if (len > 0)
                        empty = false;
                for (size_t i = 0; len > 0 && i < n; i++)
                        if (strlen(codes[i]) == len && !strncmp(codes[i], item, len))
                                return true;
                p = item + len;
                if (*p == ',')
                        p++;
        }
        for (size_t i = 0; empty && i < n; i++)
                if (!streq(codes[i], "4 VALUE CHANGE"))
                        return true;
        return false;
}

static void on_extra_values(DBusMessage *reply, void *userdata);

/* GetParameterValues of InformParameter names: errors leave them out. */
static int ask_names(struct inform *inf, const char *const *names, size_t n)
{
        _cleanup_dbus_message_ DBusMessage *call = dbus_message_new_method_call(
                DM_BUS_NAME, DM_OBJECT_PATH, DM_INTERFACE, "GetParameterValues");
        if (!call || !dbus_message_append_args(call, DBUS_TYPE_ARRAY, DBUS_TYPE_STRING, &names,
                                               (int)n, DBUS_TYPE_INVALID))
                return -ENOMEM;
        int r = bus_call_async(inf->m->bus, call, DM_TIMEOUT_MS, on_extra_values, inf, NULL);
        if (r >= 0)
                inf->pending++;
        return r;
}

static void on_extra_values(DBusMessage *reply, void *userdata)
{
        struct inform *inf = userdata;
        int r = 0;

        inf->pending--;
        /* A name that matches nothing now is left out (TR-181), so are its errors. */
        if (dbus_message_get_type(reply) != DBUS_MESSAGE_TYPE_ERROR)
                r = read_values(inf, reply);
        if (r < 0 && inf->extra_error == 0)
                inf->extra_error = r;
        if (inf->pending == 0)
                inf->ready(inf->userdata, inf->extra_error);
}

bool inform_pattern_matches(const char *pattern, const char *name)
{
        const char *start = pattern;

        while (*pattern) {
                if (pattern[0] == '*' && (pattern[1] == '.' || !pattern[1])) {
                        size_t digits = strspn(name, "0123456789");
                        if (digits == 0 || (name[digits] != '.' && name[digits]))
                                return false;
                        pattern++;
                        name += digits;
                        continue;
                }
                if (*pattern != *name)
                        return false;
                pattern++;
                name++;
        }
        /* a partial path matches what is below it */
        return !*name || (pattern > start && pattern[-1] == '.');
}

struct wildcard_call {
        struct inform *inf;
        char *pattern;
};

static void wildcard_call_free(void *userdata)
{
        struct wildcard_call *w = userdata;
        free(w->pattern);
        free(w);
}

/* The names below the pattern's fixed part: those it matches are read. */
static void on_extra_names(DBusMessage *reply, void *userdata)
{
        struct wildcard_call *w = userdata;
        struct inform *inf = w->inf;
        _cleanup_(strv_done) struct strv names = {};
        DBusMessageIter it, arr;
        int r = 0;

        inf->pending--;
        if (dbus_message_get_type(reply) != DBUS_MESSAGE_TYPE_ERROR &&
            streq(dbus_message_get_signature(reply), "a(sb)")) {
                dbus_message_iter_init(reply, &it);
                dbus_message_iter_recurse(&it, &arr);
                while (r >= 0 && dbus_message_iter_get_arg_type(&arr) == DBUS_TYPE_STRUCT) {
                        DBusMessageIter st;
                        const char *name;
                        dbus_message_iter_recurse(&arr, &st);
                        dbus_message_iter_get_basic(&st, &name);
                        if (!endswith_char(name, '.') && inform_pattern_matches(w->pattern, name))
                                r = strv_push(&names, name);
                        dbus_message_iter_next(&arr);
                }
        }
        if (r >= 0 && names.n > 0)
                r = ask_names(inf, (const char *const *)names.v, names.n);
        if (r < 0 && inf->extra_error == 0)
                inf->extra_error = r;
        if (inf->pending == 0)
                inf->ready(inf->userdata, inf->extra_error);
}

/* GetParameterNames of what precedes the first "*", matched against the pattern. */
static int ask_wildcard(struct inform *inf, const char *pattern)
{
        const char *star = strchr(pattern, '*');
        _cleanup_free_ char *prefix = strndup(pattern, (size_t)(star - pattern));
        struct wildcard_call *w = calloc(1, sizeof(*w));
        dbus_bool_t next_level = false;
        int r;

        if (!prefix || !w || !(w->pattern = strdup(pattern))) {
                free(w);
                return -ENOMEM;
        }
        w->inf = inf;
        _cleanup_dbus_message_ DBusMessage *call = dbus_message_new_method_call(
                DM_BUS_NAME, DM_OBJECT_PATH, DM_INTERFACE, "GetParameterNames");
        const char *p = prefix;
        if (!call || !dbus_message_append_args(call, DBUS_TYPE_STRING, &p, DBUS_TYPE_BOOLEAN,
                                               &next_level, DBUS_TYPE_INVALID)) {
                wildcard_call_free(w);
                return -ENOMEM;
        }
        r = bus_call_async(inf->m->bus, call, DM_TIMEOUT_MS, on_extra_names, w, wildcard_call_free);
        if (r < 0)
                return r;
        inf->pending++;
        return 0;
}

/* The InformParameter entries whose events this Inform carries, one call each. */
static int ask_extra(struct inform *inf)
{
        for (size_t i = 0; i < inf->extra_names.n; i++) {
                if (!inform_event_list_matches(inf->extra_events.v[i],
                                               (const char *const *)inf->event_codes.v,
                                               inf->event_codes.n))
                        continue;
                const char *name = inf->extra_names.v[i];
                int r = strchr(name, '*') ? ask_wildcard(inf, name) : ask_names(inf, &name, 1);
                if (r < 0)
                        return r;
        }
        return 0;
}

static void on_values(DBusMessage *reply, void *userdata)
{
        struct inform *inf = userdata;
        int r = 0;

        inf->pending--;
        if (dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_ERROR) {
                if (!inf->fell_back) {
                        /* One missing parameter (a provider not running) must not keep the
                         * whole Inform from the ACS: ask name by name and leave it out. */
                        log_warning("Reading the Inform parameters failed (%s): asking one by one",
                                    dbus_message_get_error_name(reply));
                        inf->fell_back = true;
                        for (size_t i = 0; r >= 0 && i < inf->names.n; i++)
                                r = ask(inf, (const char *const *)&inf->names.v[i], 1);
                }
        } else {
                r = read_values(inf, reply);
        }
        if (r < 0) {
                inf->ready(inf->userdata, r);
                return;
        }
        if (inf->pending > 0 || inf->finalized)
                return;
        inf->finalized = true;
        r = finalize(inf);
        if (r >= 0)
                r = ask_extra(inf);
        if (r < 0 || inf->pending == 0)
                inf->ready(inf->userdata, r);
}

static int ask(struct inform *inf, const char *const *names, size_t n)
{
        _cleanup_dbus_message_ DBusMessage *call = dbus_message_new_method_call(
                DM_BUS_NAME, DM_OBJECT_PATH, DM_INTERFACE, "GetParameterValues");
        if (!call || !dbus_message_append_args(call, DBUS_TYPE_ARRAY, DBUS_TYPE_STRING, &names,
                                               (int)n, DBUS_TYPE_INVALID))
                return -ENOMEM;
        int r = bus_call_async(inf->m->bus, call, DM_TIMEOUT_MS, on_values, inf, NULL);
        if (r >= 0)
                inf->pending++;
        return r;
}

static int collect_forced(const struct schema_node *node, struct strv *names,
                          struct strv *forced_active)
{
        for (const struct schema_node *c = node; c; c = c->next_sibling) {
                int r;
                if (!c->is_object && c->forced_inform && !strstr(c->path, "{i}")) {
                        r = strv_push(names, c->path);
                        if (r >= 0 && c->notify_rule == SCHEMA_NOTIFY_FORCE_ENABLED)
                                r = strv_push(forced_active, c->path);
                        if (r < 0)
                                return r;
                }
                if (c->first_child) {
                        r = collect_forced(c->first_child, names, forced_active);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

/* Device.ManagementServer.InformParameter.{i}.: copied now, a change during the session
 * counts for the next Inform. */
static int collect_inform_parameters(struct inform *inf)
{
        _cleanup_free_ struct management_inform_parameter *ip = NULL;
        size_t n = 0;
        int r;

        if (!inf->m->ms)
                return 0;
        r = management_server_inform_parameters(inf->m->ms, &ip, &n);
        for (size_t i = 0; r >= 0 && i < n; i++) {
                r = strv_push(&inf->extra_names, ip[i].name);
                if (r >= 0)
                        r = strv_push(&inf->extra_events, ip[i].event_list);
        }
        return r;
}

int inform_prepare(struct manager *m, struct inform **ret, inform_ready_fn ready, void *userdata)
{
        struct inform *inf = calloc(1, sizeof(*inf));
        const char *k, *v;
        int r = 0;

        if (!inf)
                return -ENOMEM;
        inf->m = m;
        inf->ready = ready;
        inf->userdata = userdata;

        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(device_id_names); i++)
                r = strv_push(&inf->names, device_id_names[i]);
        if (r >= 0 && schema_root(m->schema))
                r = collect_forced(schema_root(m->schema), &inf->names, &inf->forced_active);
        kvmap_foreach (m->state, i, k, v) {
                if (r >= 0 && startswith(k, CHANGE_PREFIX)) {
                        r = strv_push(&inf->names, k + strlen(CHANGE_PREFIX));
                        if (r >= 0)
                                r = strv_push(&inf->changed, k + strlen(CHANGE_PREFIX));
                }
        }
        if (r >= 0)
                r = collect_inform_parameters(inf);
        if (r >= 0)
                r = ask(inf, (const char *const *)inf->names.v, inf->names.n);
        if (r < 0) {
                inform_free(inf);
                return r;
        }
        *ret = inf;
        return 0;
}

/* The value read for name, or NULL when it could not be read. */
static const char *find_value(const struct inform *inf, const char *name)
{
        for (size_t i = 0; i < inf->n_values; i++)
                if (streq(inf->values[i].name, name))
                        return inf->values[i].value;
        return NULL;
}

static const char *value_of(const struct inform *inf, const char *name)
{
        const char *v = find_value(inf, name);
        return v ? v : "";
}

int inform_encode(struct manager *m, const struct inform *inf, const struct soap_out_header *h,
                  char **body, size_t *len)
{
        /* Without its DeviceId the box cannot introduce itself (dmd is not running, or
         * DeviceInfo is not served): no Inform, the session fails and is retried. */
        for (size_t i = 0; i < ELEMENTSOF(device_id_names); i++)
                if (!find_value(inf, device_id_names[i]))
                        return -ENODATA;
        _cleanup_free_ struct soap_event *events = calloc(inf->event_codes.n + 1, sizeof(*events));
        _cleanup_free_ struct soap_param *params = calloc(inf->n_values + 1, sizeof(*params));
        char now[40];

        if (!events || !params)
                return -ENOMEM;
        for (size_t i = 0; i < inf->event_codes.n; i++)
                events[i] = (struct soap_event){inf->event_codes.v[i], inf->event_keys.v[i]};
        for (size_t i = 0; i < inf->n_values; i++)
                params[i] = (struct soap_param){inf->values[i].name, inf->values[i].type,
                                                inf->values[i].value};
        int r = cw_format_datetime(time(NULL), 0, now, sizeof(now));
        if (r < 0)
                return r;
        struct soap_inform inform = {
                .device = {value_of(inf, device_id_names[0]), value_of(inf, device_id_names[1]),
                           value_of(inf, device_id_names[2]), value_of(inf, device_id_names[3])},
                .events = events,
                .n_events = inf->event_codes.n,
                .max_envelopes = 1,
                .current_time = now,
                .retry_count = m->retry_count,
                .params = params,
                .n_params = inf->n_values,
        };
        return soap_encode_inform(h, &inform, body, len);
}

void inform_delivered(struct manager *m, const struct inform *inf)
{
        for (size_t i = 0; i < inf->changed.n; i++) {
                _cleanup_free_ char *key = NULL;
                if (asprintf(&key, CHANGE_PREFIX "%s", inf->changed.v[i]) < 0)
                        return;
                (void)manager_state_set(m, key, NULL);
        }
        /* What the ACS now knows of the forced-active parameters. */
        for (size_t i = 0; i < inf->forced_active.n; i++) {
                _cleanup_free_ char *key = NULL;
                if (asprintf(&key, LAST_PREFIX "%s", inf->forced_active.v[i]) < 0)
                        return;
                const char *value = find_value(inf, inf->forced_active.v[i]);
                if (value)
                        (void)manager_state_set(m, key, value);
        }
        (void)manager_state_save(m);
}
