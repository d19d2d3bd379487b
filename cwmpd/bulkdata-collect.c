/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include "bulkdata-internal.h"
#include "bus.h"
#include "kvmap.h"
#include "log.h"

/*
 * One GetParameterValues to dmd for every Reference of the profile (and of its
 * RequestURIParameters); if dmd refuses that call (a reference that does not exist, a
 * provider that is down), the references are read one by one and the unreadable ones left
 * out.
 */

/* One GetParameterValues (or the calls of its fallback) in flight. */
struct collect {
        struct bulkdata *bd; /* NULL once bulkdata_free() ran */
        uint32_t number;
        int64_t time_ms;
        struct strv names;
        struct strv got; /* name, type, value, name, ... */
        unsigned pending;
        bool fell_back;
        struct collect *next;
};

static int64_t realtime_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The index of the reference that produced `name`: the same name, or a partial path above
 * it; -1 if none. */
static ssize_t match_reference(const struct strv *refs, const char *name)
{
        for (size_t i = 0; i < refs->n; i++) {
                const char *ref = refs->v[i];
                if (streq(ref, name) || (endswith_char(ref, '.') && startswith(name, ref)))
                        return (ssize_t)i;
        }
        return -1;
}

/* TR-069 Annex N.3.1: an empty Name reports the parameter's own name; a Name replaces a
 * full Reference, or the partial path part of the names below a partial Reference. */
static int report_name(const char *ref, const char *alias, const char *name, struct buf *out)
{
        if (!alias[0])
                return buf_append(out, name, strlen(name) + 1);
        if (!endswith_char(ref, '.'))
                return buf_append(out, alias, strlen(alias) + 1);
        return buf_printf(out, "%s%s%s%c", alias, endswith_char(alias, '.') ? "" : ".",
                          name + strlen(ref), '\0');
}

static void collect_finish(struct collect *c)
{
        _cleanup_(strv_done) struct strv refs = {}, aliases = {}, uri_refs = {}, uri_names = {},
                                         query = {};
        _cleanup_kvmap_ struct kvmap *seen = kvmap_new();
        struct profile *p = bulkdata_find_profile(c->bd, c->number);
        struct report rep = {.time_ms = c->time_ms};
        struct buf data = {};
        int r = 0;

        if (!p)
                return;
        p->collecting = false;
        if (c->names.n > 0 && c->got.n == 0) {
                /* dmd is away, or no reference reads: a report of nothing says nothing */
                log_warning("Bulk data profile %" PRIu32 ": no value could be read: no report",
                            p->number);
                return;
        }
        if (!seen)
                r = -ENOMEM;
        if (r >= 0)
                r = bulkdata_references(p, "Parameter.", &refs, &aliases);
        if (r >= 0)
                r = bulkdata_references(p, "HTTP.RequestURIParameter.", &uri_refs, &uri_names);
        for (size_t i = 0; r >= 0 && i + 2 < c->got.n; i += 3) {
                const char *name = c->got.v[i], *type = c->got.v[i + 1], *value = c->got.v[i + 2];
                /* references that overlap read a parameter twice: it is reported once */
                if (kvmap_get(seen, name))
                        continue;
                r = kvmap_set(seen, name, "");
                ssize_t k = r < 0 ? -1 : match_reference(&refs, name);
                if (k >= 0) {
                        r = report_name(refs.v[k], aliases.v[k], name, &data);
                        if (r >= 0)
                                r = buf_append(&data, type, strlen(type) + 1);
                        if (r >= 0)
                                r = buf_append(&data, value, strlen(value) + 1);
                }
                for (size_t u = 0; r >= 0 && u < uri_refs.n; u++)
                        if (streq(uri_refs.v[u], name) && uri_names.v[u][0]) {
                                r = strv_push(&query, uri_names.v[u]);
                                if (r >= 0)
                                        r = strv_push(&query, value);
                        }
        }
        rep.len = data.len;
        rep.data = buf_steal(&data);
        if (r >= 0 && !rep.data)
                r = -ENOMEM;
        if (r >= 0)
                r = bulkdata_report_index(&rep);
        if (r >= 0)
                r = bulkdata_push_report(p, &rep);
        if (r < 0) {
                bulkdata_report_done(&rep);
                log_error_errno(r, "Bulk data profile %" PRIu32 ": cannot build the report: %m",
                                p->number);
                return;
        }
        log_debug("Bulk data profile %" PRIu32 ": report of %zu value(s) collected", p->number,
                  p->reports[p->n_reports - 1].n_values);
        strv_done(&p->query);
        p->query = query;
        query = (struct strv){};
        bulkdata_send(p);
}

static void collect_free(void *userdata)
{
        struct collect *c = userdata;

        if (--c->pending > 0)
                return;
        if (c->bd)
                for (struct collect **l = &c->bd->collects; *l; l = &(*l)->next)
                        if (*l == c) {
                                *l = c->next;
                                break;
                        }
        strv_done(&c->names);
        strv_done(&c->got);
        free(c);
}

static int ask(struct collect *c, const char *const *names, size_t n);

static int read_values(struct collect *c, DBusMessage *reply)
{
        DBusMessageIter it, array, entry;
        int r = 0;

        if (!dbus_message_iter_init(reply, &it) ||
            dbus_message_iter_get_arg_type(&it) != DBUS_TYPE_ARRAY)
                return -EBADMSG;
        dbus_message_iter_recurse(&it, &array);
        while (r >= 0 && dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_STRUCT) {
                dbus_message_iter_recurse(&array, &entry);
                for (int k = 0; r >= 0 && k < 3; k++) {
                        const char *s;
                        if (dbus_message_iter_get_arg_type(&entry) != DBUS_TYPE_STRING)
                                return -EBADMSG;
                        dbus_message_iter_get_basic(&entry, &s);
                        r = strv_push(&c->got, s);
                        dbus_message_iter_next(&entry);
                }
                dbus_message_iter_next(&array);
        }
        return r;
}

static void on_values(DBusMessage *reply, void *userdata)
{
        struct collect *c = userdata;
        int r = 0;

        if (!c->bd)
                return;
        if (dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_ERROR) {
                if (!c->fell_back) {
                        log_warning("Bulk data profile %" PRIu32 ": reading the references "
                                    "failed (%s): asking one by one",
                                    c->number, dbus_message_get_error_name(reply));
                        c->fell_back = true;
                        for (size_t i = 0; r >= 0 && i < c->names.n; i++)
                                r = ask(c, (const char *const *)&c->names.v[i], 1);
                }
        } else {
                r = read_values(c, reply);
        }
        if (r < 0)
                log_warning_errno(r, "Bulk data profile %" PRIu32 ": reading values: %m",
                                  c->number);
        /* this call's own reference goes when it returns: the last one finishes */
        if (c->pending == 1)
                collect_finish(c);
}

static int ask(struct collect *c, const char *const *names, size_t n)
{
        _cleanup_(dbus_message_unrefp) DBusMessage *call = dbus_message_new_method_call(
                DM_BUS_NAME, DM_OBJECT_PATH, DM_INTERFACE, "GetParameterValues");
        int r;

        if (!call || !dbus_message_append_args(call, DBUS_TYPE_ARRAY, DBUS_TYPE_STRING, &names,
                                               (int)n, DBUS_TYPE_INVALID))
                return -ENOMEM;
        c->pending++;
        r = bus_call_async(c->bd->bus, call, DM_TIMEOUT_MS, on_values, c, collect_free);
        if (r < 0)
                c->pending--;
        return r;
}

void bulkdata_collect(struct profile *p)
{
        _cleanup_(strv_done) struct strv aliases = {};
        struct collect *c;
        int r;

        if (p->collecting) {
                log_warning("Bulk data profile %" PRIu32 ": the last collection is still running",
                            p->number);
                return;
        }
        c = calloc(1, sizeof(*c));
        if (!c)
                return;
        *c = (struct collect){.bd = p->bd, .number = p->number, .time_ms = realtime_ms()};
        r = bulkdata_references(p, "Parameter.", &c->names, &aliases);
        if (r >= 0)
                r = bulkdata_references(p, "HTTP.RequestURIParameter.", &c->names, &aliases);
        /* held until the setup is done, so an early reply cannot finish it */
        c->pending = 1;
        c->next = p->bd->collects;
        p->bd->collects = c;
        if (r >= 0 && c->names.n > 0)
                r = ask(c, (const char *const *)c->names.v, c->names.n);
        if (r < 0)
                log_error_errno(r, "Bulk data profile %" PRIu32 ": cannot read the values: %m",
                                p->number);
        else
                p->collecting = true;
        if (r >= 0 && c->pending == 1)
                collect_finish(c); /* nothing to read: an empty report */
        collect_free(c);
}

void bulkdata_collects_detach(struct bulkdata *bd)
{
        for (struct collect *c = bd->collects; c; c = c->next)
                c->bd = NULL;
}
