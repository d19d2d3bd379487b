/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-id128.h>
#include <unistd.h>

#include "bus-api.h"
#include "bus.h"
#include "log.h"
#include "manager.h"
#include "ops.h"
#include "resolve.h"
#include "store.h"
#include "transaction.h"
#include "types.h"

#define INTENT_FILE "dmd.intent"
#define RETRY_USEC  (500 * 1000)
#define UNDO_SUFFIX "-undo"

enum tx_kind { TX_SET, TX_ADD, TX_DELETE };
enum tx_phase { TX_PREPARE, TX_COMMIT, TX_UNDO };

struct tx_change {
        char *input;
        char *name;
        const struct schema_node *node;
        char *type;
        char *owner_subtree;
        bool remote;
        char *new_value, *old_value;
        bool refused; /* failed a check: not sent to its owner */
};

/* A provider taking part, known by its subtree: its bus name may change on the way. */
struct tx_owner {
        char *subtree;
        bool applied, in_flight;
};

struct transaction {
        struct op op;
        enum tx_kind kind;
        enum tx_phase phase;
        char id[SD_ID128_STRING_MAX];
        char *key;
        char *origin;
        struct tx_change *changes;
        size_t n_changes;
        struct value_item *old_items;
        size_t n_old;
        struct value_item *sibling_aliases; /* to keep Alias values unique in their table */
        size_t n_sibling_aliases;
        char *object; /* add: the table path; delete: the instance path */
        uint32_t instance;
        char *object_owner; /* add/delete: subtree of the owner */
        bool object_remote;
        struct tx_owner *owners;
        size_t n_owners;
        bool refused;
        struct fault refusal;
        sd_event_source *retry;
        struct transaction *next;
};

static void tx_commit_stage(struct transaction *tx);

/* ---- life cycle -------------------------------------------------------------------- */

static void tx_destroy(struct request *r)
{
        struct transaction *tx = (struct transaction *)r;

        resolution_done(&tx->op.res);
        for (size_t i = 0; i < tx->n_changes; i++) {
                struct tx_change *c = &tx->changes[i];
                free(c->input);
                free(c->name);
                free(c->type);
                free(c->owner_subtree);
                free(c->new_value);
                free(c->old_value);
        }
        free(tx->changes);
        value_items_free(tx->old_items, tx->n_old);
        value_items_free(tx->sibling_aliases, tx->n_sibling_aliases);
        for (size_t i = 0; i < tx->n_owners; i++)
                free(tx->owners[i].subtree);
        free(tx->owners);
        free(tx->key);
        free(tx->origin);
        free(tx->object);
        free(tx->object_owner);
        fault_done(&tx->refusal);
        sd_event_source_disable_unref(tx->retry);
        free(tx);
}

static struct transaction *tx_new(struct manager *m, DBusMessage *call, enum tx_kind kind)
{
        struct transaction *tx = calloc(1, sizeof(*tx));
        sd_id128_t id;

        if (!tx)
                return NULL;
        request_init(&tx->op.req, m, call, tx_destroy);
        tx->kind = kind;
        tx->phase = TX_PREPARE;
        if (sd_id128_randomize(&id) < 0)
                id = SD_ID128_NULL;
        sd_id128_to_string(id, tx->id);
        if (call && dbus_message_get_sender(call)) {
                tx->origin = strdup(dbus_message_get_sender(call));
                if (!tx->origin) {
                        request_unref(&tx->op.req);
                        return NULL;
                }
        }
        return tx;
}

static void tx_begin(struct transaction *tx);

static void tx_run_next(struct manager *m)
{
        while (!m->tx_current && m->tx_queue_head) {
                struct transaction *tx = m->tx_queue_head;
                m->tx_queue_head = tx->next;
                if (!m->tx_queue_head)
                        m->tx_queue_tail = NULL;
                tx->next = NULL;
                m->tx_current = tx;
                tx_begin(tx);
        }
}

/* The transaction is over (answered): let the next one run. */
static void tx_finish(struct transaction *tx)
{
        struct manager *m = tx->op.req.m;

        if (m->tx_current == tx)
                m->tx_current = NULL;
        tx->retry = sd_event_source_disable_unref(tx->retry);
        request_unref(&tx->op.req);
        tx_run_next(m);
}

static void tx_enqueue(struct manager *m, struct transaction *tx)
{
        if (m->tx_queue_tail)
                m->tx_queue_tail->next = tx;
        else
                m->tx_queue_head = tx;
        m->tx_queue_tail = tx;
        tx_run_next(m);
}

void transaction_queue_free(struct manager *m)
{
        struct transaction *tx = m->tx_queue_head;
        while (tx) {
                struct transaction *next = tx->next;
                request_unref(&tx->op.req);
                tx = next;
        }
        m->tx_queue_head = m->tx_queue_tail = NULL;
        if (m->tx_current) {
                struct transaction *cur = m->tx_current;
                m->tx_current = NULL;
                cur->retry = sd_event_source_disable_unref(cur->retry);
                request_unref(&cur->op.req);
        }
}

static void tx_fail_reply(struct transaction *tx)
{
        request_reply_fault(&tx->op.req);
        tx_finish(tx);
}

/* ---- the intent record ------------------------------------------------------------- */

static int intent_path(struct manager *m, char **ret)
{
        if (asprintf(ret, "%s/" INTENT_FILE, m->settings.state_dir) < 0) {
                *ret = NULL;
                return -ENOMEM;
        }
        return 0;
}

static int kv_setf(struct kvmap *map, const char *prefix, const char *name, const char *value)
{
        _cleanup_free_ char *k = NULL;
        if (asprintf(&k, "%s%s", prefix, name) < 0)
                return -ENOMEM;
        return kvmap_set(map, k, value);
}

static int intent_write(struct transaction *tx)
{
        static const char *const kinds[] = {"set", "add", "delete"};
        struct manager *m = tx->op.req.m;
        _cleanup_kvmap_ struct kvmap *map = kvmap_new();
        _cleanup_free_ char *path = NULL, *owner = NULL;
        char num[16];
        int r = 0;

        if (!map || intent_path(m, &path) < 0)
                return -ENOMEM;
        snprintf(num, sizeof(num), "%" PRIu32, tx->instance);
        if (kvmap_set(map, ".id", tx->id) < 0 || kvmap_set(map, ".kind", kinds[tx->kind]) < 0 ||
            kvmap_set(map, ".phase", tx->phase == TX_UNDO ? "undo" : "commit") < 0 ||
            kvmap_set(map, ".key", tx->key ? tx->key : "") < 0 ||
            kvmap_set(map, ".origin", tx->origin ? tx->origin : "") < 0)
                return -ENOMEM;
        if (tx->kind != TX_SET) {
                if (asprintf(&owner, "%c%s", tx->object_remote ? 'R' : 'L', tx->object_owner) < 0)
                        return -ENOMEM;
                if (kvmap_set(map, ".object", tx->object) < 0 ||
                    kvmap_set(map, ".instance", num) < 0 || kvmap_set(map, ".owner", owner) < 0)
                        return -ENOMEM;
        }
        for (size_t i = 0; r >= 0 && i < tx->n_changes; i++) {
                struct tx_change *c = &tx->changes[i];
                _cleanup_free_ char *o = NULL;
                if (asprintf(&o, "%c%s", c->remote ? 'R' : 'L', c->owner_subtree) < 0)
                        return -ENOMEM;
                r = kv_setf(map, "n:", c->name, c->new_value);
                if (r >= 0)
                        r = kv_setf(map, "o:", c->name, c->old_value ? c->old_value : "");
                if (r >= 0)
                        r = kv_setf(map, "s:", c->name, o);
        }
        if (r < 0)
                return r;
        return store_save(path, map);
}

static int intent_remove(struct manager *m)
{
        _cleanup_free_ char *path = NULL;
        if (intent_path(m, &path) < 0)
                return -ENOMEM;
        if (unlink(path) < 0 && errno != ENOENT)
                return -errno;
        /* The removal must be durable too, or a crash would replay a finished transaction
         * (harmless, since commits are idempotent, but it would block new ones until the
         * providers answer). */
        _cleanup_close_ int fd = open(m->settings.state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || fsync(fd) < 0)
                return -errno;
        return 0;
}

/* ---- owners ------------------------------------------------------------------------ */

static int tx_add_owner(struct transaction *tx, const char *subtree)
{
        for (size_t i = 0; i < tx->n_owners; i++)
                if (streq(tx->owners[i].subtree, subtree))
                        return 0;
        struct tx_owner *n = realloc(tx->owners, (tx->n_owners + 1) * sizeof(*n));
        if (!n)
                return -ENOMEM;
        tx->owners = n;
        n[tx->n_owners] = (struct tx_owner){.subtree = strdup(subtree)};
        if (!n[tx->n_owners].subtree)
                return -ENOMEM;
        tx->n_owners++;
        return 0;
}

static struct owner *find_online_owner(struct manager *m, const char *subtree)
{
        for (size_t i = 0; i < m->registry.n; i++) {
                struct owner *o = m->registry.owners[i];
                if (o->kind == OWNER_REMOTE && o->online && streq(o->subtree, subtree))
                        return o;
        }
        return NULL;
}

/* ---- finishing --------------------------------------------------------------------- */

static void emit_changes(struct transaction *tx)
{
        struct manager *m = tx->op.req.m;
        _cleanup_free_ struct changed_value *v = calloc(tx->n_changes + 1, sizeof(*v));
        if (!v || tx->n_changes == 0)
                return;
        for (size_t i = 0; i < tx->n_changes; i++) {
                struct tx_change *c = &tx->changes[i];
                v[i] = (struct changed_value){
                        .name = c->name,
                        .type = c->node ? manager_type_name(c->node) : "string",
                        .value = c->node && c->node->hidden ? "" : c->new_value,
                };
        }
        (void)bus_api_emit_value_changed(m, v, tx->n_changes, tx->origin ? tx->origin : "");
}

static void reply_success(struct transaction *tx)
{
        struct request *r = &tx->op.req;
        int32_t status = 0;
        DBusMessage *reply;

        if (!r->call)
                return;
        reply = dbus_message_new_method_return(r->call);
        if (reply) {
                bool ok = tx->kind == TX_ADD
                                  ? dbus_message_append_args(reply, DBUS_TYPE_UINT32, &tx->instance,
                                                             DBUS_TYPE_INT32, &status,
                                                             DBUS_TYPE_INVALID)
                                  : dbus_message_append_args(reply, DBUS_TYPE_INT32, &status,
                                                             DBUS_TYPE_INVALID);
                if (!ok) {
                        dbus_message_unref(reply);
                        reply = NULL;
                }
        }
        request_send(r, reply);
}

/* Every provider applied: dmd's own part and the ParameterKey go to disk in one step. */
static void tx_complete(struct transaction *tx)
{
        struct manager *m = tx->op.req.m;
        _cleanup_free_ char *old_key = strdup(state_parameter_key(&m->state));
        int r = 0;

        for (size_t i = 0; r >= 0 && i < tx->n_changes; i++)
                if (!tx->changes[i].remote)
                        r = state_set_value(&m->state, tx->changes[i].name,
                                            tx->changes[i].new_value);
        if (r >= 0 && tx->kind == TX_ADD && !tx->object_remote) {
                _cleanup_free_ char *inst = NULL;
                if (asprintf(&inst, "%s%" PRIu32 ".", tx->object, tx->instance) < 0)
                        r = -ENOMEM;
                else
                        r = state_add_instance(&m->state, inst);
        }
        if (r >= 0 && tx->kind == TX_DELETE)
                r = state_delete_instance(&m->state, tx->object);
        if (r >= 0)
                r = state_set_parameter_key(&m->state, tx->key ? tx->key : "");
        if (r >= 0)
                r = state_save(&m->state);
        if (r < 0) {
                /* The intent stays on disk: the next start rolls it forward. */
                log_error_errno(r, "Failed to save transaction %s: %m", tx->id);
                (void)state_reload(&m->state);
                request_fail(&tx->op.req, CWMP_FAULT_INTERNAL_ERROR,
                             "Applied, but cannot save the ParameterKey: %s", strerror(-r));
                tx_fail_reply(tx);
                return;
        }
        if (tx->n_owners > 0) {
                r = intent_remove(m);
                if (r < 0)
                        log_warning_errno(r, "Failed to remove the intent of %s: %m", tx->id);
        }
        log_debug("Transaction %s applied", tx->id);
        if (tx->kind == TX_SET)
                emit_changes(tx);
        if (!streq_ptr(old_key, tx->key))
                (void)bus_api_emit_property_changed(m, "ParameterKey", tx->key ? tx->key : "");
        reply_success(tx);
        tx_finish(tx);
}

static void tx_undone(struct transaction *tx)
{
        struct manager *m = tx->op.req.m;
        int r = intent_remove(m);
        if (r < 0)
                log_warning_errno(r, "Failed to remove the intent of %s: %m", tx->id);
        log_info("Transaction %s refused by a provider and undone", tx->id);
        fault_done(&tx->op.req.fault);
        tx->op.req.fault = tx->refusal;
        tx->refusal = (struct fault){};
        tx_fail_reply(tx);
}

/* ---- committing -------------------------------------------------------------------- */

static bool is_transport_error(DBusMessage *reply)
{
        const char *name = dbus_message_get_error_name(reply);
        return !name || !startswith(name, FAULT_DBUS_PREFIX);
}

static void on_commit_reply(struct request *r, struct owner *o, DBusMessage *reply, void *data)
{
        struct transaction *tx = (struct transaction *)r;
        struct tx_owner *to = &tx->owners[(size_t)(uintptr_t)data];

        to->in_flight = false;
        if (dbus_message_get_type(reply) != DBUS_MESSAGE_TYPE_ERROR) {
                to->applied = true;
                return;
        }
        if (is_transport_error(reply)) {
                log_warning("Transaction %s: %s did not answer (%s); asking again when it is back",
                            tx->id, to->subtree, dbus_message_get_error_name(reply));
                return;
        }
        if (tx->phase == TX_UNDO) {
                /* Nothing better to do than to record it: the provider keeps what it has. */
                log_error("Transaction %s: %s refused to restore its old values", tx->id,
                          to->subtree);
                to->applied = true;
                return;
        }
        if (!tx->refused) {
                tx->refused = true;
                (void)fault_from_error_reply(reply, &tx->refusal);
        }
        to->applied = true; /* it refused, so it holds its old values: nothing to undo */
}

static int append_values(DBusMessageIter *it, struct transaction *tx, const char *subtree,
                         bool undo)
{
        DBusMessageIter arr;
        if (!dbus_message_iter_open_container(it, DBUS_TYPE_ARRAY, "(ss)", &arr))
                return -ENOMEM;
        for (size_t i = 0; i < tx->n_changes; i++) {
                struct tx_change *c = &tx->changes[i];
                DBusMessageIter st;
                const char *value = undo ? (c->old_value ? c->old_value : "") : c->new_value;
                if (!c->remote || c->refused || !streq(c->owner_subtree, subtree))
                        continue;
                if (!dbus_message_iter_open_container(&arr, DBUS_TYPE_STRUCT, NULL, &st) ||
                    !dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &c->name) ||
                    !dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &value) ||
                    !dbus_message_iter_close_container(&arr, &st)) {
                        dbus_message_iter_abandon_container(it, &arr);
                        return -ENOMEM;
                }
        }
        return dbus_message_iter_close_container(it, &arr) ? 0 : -ENOMEM;
}

static int send_commit(struct transaction *tx, size_t index, struct owner *o)
{
        _cleanup_dbus_message_ DBusMessage *msg = NULL;
        _cleanup_free_ char *id = NULL;
        DBusMessageIter it;
        bool undo = tx->phase == TX_UNDO;

        /* One id per subtree: a provider serving two subtrees gets two commits, and must
         * not take the second for a repeat of the first. */
        if (asprintf(&id, "%s/%s%s", tx->id, tx->owners[index].subtree, undo ? UNDO_SUFFIX : "") <
            0)
                return -ENOMEM;
        if (tx->kind == TX_SET) {
                msg = request_new_provider_call(o, "Commit");
                if (!msg)
                        return -ENOMEM;
                dbus_message_iter_init_append(msg, &it);
                if (!dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &id) ||
                    append_values(&it, tx, tx->owners[index].subtree, undo) < 0)
                        return -ENOMEM;
        } else if (tx->kind == TX_ADD) {
                msg = request_new_provider_call(o, "AddInstance");
                if (!msg || !dbus_message_append_args(msg, DBUS_TYPE_STRING, &id, DBUS_TYPE_STRING,
                                                      &tx->object, DBUS_TYPE_UINT32, &tx->instance,
                                                      DBUS_TYPE_INVALID))
                        return -ENOMEM;
        } else {
                msg = request_new_provider_call(o, "DeleteInstance");
                if (!msg || !dbus_message_append_args(msg, DBUS_TYPE_STRING, &id, DBUS_TYPE_STRING,
                                                      &tx->object, DBUS_TYPE_INVALID))
                        return -ENOMEM;
        }
        tx->owners[index].in_flight = true;
        int r = request_call(&tx->op.req, o, msg, on_commit_reply, (void *)(uintptr_t)index);
        if (r < 0)
                tx->owners[index].in_flight = false;
        return r;
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct transaction *tx = userdata;
        tx->retry = sd_event_source_disable_unref(tx->retry);
        tx_commit_stage(tx);
        return 0;
}

static void commit_checked(struct request *r)
{
        struct transaction *tx = (struct transaction *)r;
        struct manager *m = r->m;
        bool all = true;

        for (size_t i = 0; i < tx->n_owners; i++)
                all = all && tx->owners[i].applied;
        if (!all) {
                /* Someone did not answer: try again soon, and at once when it registers. */
                if (!tx->retry && sd_event_add_time_relative(m->event, &tx->retry, CLOCK_MONOTONIC,
                                                             RETRY_USEC, 1000, on_retry, tx) < 0)
                        log_error("Transaction %s: cannot arm the retry timer", tx->id);
                return;
        }
        if (tx->phase == TX_COMMIT && tx->refused) {
                /* Undo on everyone except the one that refused (it kept its values). */
                tx->phase = TX_UNDO;
                int ret = intent_write(tx);
                if (ret < 0)
                        log_error_errno(ret, "Transaction %s: cannot record the undo: %m", tx->id);
                for (size_t i = 0; i < tx->n_owners; i++)
                        tx->owners[i].applied = false;
                /* the refusing owner answers the undo as a no-op: its values are the old ones */
                tx_commit_stage(tx);
                return;
        }
        if (tx->phase == TX_UNDO)
                tx_undone(tx);
        else
                tx_complete(tx);
}

static void tx_commit_stage(struct transaction *tx)
{
        struct request *r = &tx->op.req;
        struct manager *m = r->m;

        if (r->pending > 0)
                return; /* answers are on their way; commit_checked runs after them */
        for (size_t i = 0; i < tx->n_owners; i++) {
                struct tx_owner *to = &tx->owners[i];
                if (to->applied || to->in_flight)
                        continue;
                struct owner *o = find_online_owner(m, to->subtree);
                if (!o)
                        continue;
                int ret = send_commit(tx, i, o);
                if (ret < 0)
                        log_error_errno(ret, "Transaction %s: cannot call %s: %m", tx->id,
                                        to->subtree);
        }
        request_continue(r, commit_checked);
}

static void tx_start_commit(struct transaction *tx)
{
        int r;

        tx->phase = TX_COMMIT;
        if (tx->n_owners == 0) {
                tx_complete(tx); /* only dmd's own values: one atomic save is the transaction */
                return;
        }
        r = intent_write(tx);
        if (r < 0) {
                request_fail(&tx->op.req, fault_from_errno(r), "Cannot record the transaction: %s",
                             strerror(-r));
                tx_fail_reply(tx);
                return;
        }
        tx_commit_stage(tx);
}

void transaction_owner_online(struct manager *m, struct owner *o)
{
        struct transaction *tx = m->tx_current;
        if (!tx || tx->phase == TX_PREPARE)
                return;
        for (size_t i = 0; i < tx->n_owners; i++)
                if (streq(tx->owners[i].subtree, o->subtree) && !tx->owners[i].applied) {
                        tx_commit_stage(tx);
                        return;
                }
}

/* ---- SetParameterValues ------------------------------------------------------------ */

static bool has_param_faults(struct request *r)
{
        if (r->fault.n_params == 0)
                return false;
        /* 9003 says the arguments were wrong; a provider that is not running is not the
         * caller's fault, and is reported as what it is. */
        r->fault.code = CWMP_FAULT_INVALID_ARGUMENTS;
        for (size_t i = 0; i < r->fault.n_params; i++)
                if (r->fault.params[i].code == CWMP_FAULT_INTERNAL_ERROR)
                        r->fault.code = CWMP_FAULT_INTERNAL_ERROR;
        free(r->fault.message);
        /* Name the first problem, so that a person reading only the message learns it. */
        const struct fault_param *first = &r->fault.params[0];
        const char *why = first->message ? first->message : fault_string(first->code);
        bool named = first->name && strstr(why, first->name);
        if (asprintf(&r->fault.message, "%s%s%s%s", named ? "" : first->name, named ? "" : ": ",
                     why, r->fault.n_params > 1 ? " (and more)" : "") < 0)
                r->fault.message = NULL;
        return true;
}

/* Type, access and value of each parameter, as dmd can judge them from the schema. */
static int check_change(struct transaction *tx, struct tx_change *c, struct target *t)
{
        struct fault *f = &tx->op.req.fault;
        const char *reason = NULL;
        char *normalized = NULL;
        int r;

        if (t->fault)
                return fault_add_param(f, c->input, t->fault, "%s",
                                       t->fault_message ? t->fault_message
                                                        : fault_string(t->fault));
        c->node = t->node;
        c->name = strdup(t->path);
        if (!c->name)
                return -ENOMEM;
        if (t->node->access != SCHEMA_READ_WRITE)
                return fault_add_param(f, c->name, CWMP_FAULT_NON_WRITABLE_PARAMETER,
                                       "%s is read-only", c->name);
        if (c->type[0] && !streq(c->type, manager_type_name(t->node)) &&
            !(startswith(c->type, "xsd:") && streq(c->type + 4, manager_type_name(t->node))))
                return fault_add_param(f, c->name, CWMP_FAULT_INVALID_PARAMETER_TYPE,
                                       "%s is of type %s, not %s", c->name,
                                       manager_type_name(t->node), c->type);
        r = cw_value_check(&t->node->facets, c->new_value, &reason);
        if (r < 0)
                return fault_add_param(f, c->name, CWMP_FAULT_INVALID_PARAMETER_VALUE,
                                       "%s: \"%s\" is %s", c->name, c->new_value,
                                       reason ? reason : "not a valid value");
        if (!t->node->facets.is_list &&
            cw_value_normalize(t->node->facets.type, c->new_value, &normalized) >= 0) {
                free(c->new_value);
                c->new_value = normalized;
        }
        struct owner *o = registry_lookup(&tx->op.req.m->registry, c->name);
        c->remote = o->kind == OWNER_REMOTE;
        c->owner_subtree = strdup(o->subtree);
        if (!c->owner_subtree)
                return -ENOMEM;
        if (c->remote && !o->online)
                return fault_add_param(f, c->name, CWMP_FAULT_INTERNAL_ERROR,
                                       "%s is served by a provider that is not running",
                                       o->subtree);
        return c->remote ? tx_add_owner(tx, o->subtree) : 0;
}

static void on_validate_reply(struct request *r, struct owner *o, DBusMessage *reply, void *data)
{
        struct fault f = {};

        if (dbus_message_get_type(reply) != DBUS_MESSAGE_TYPE_ERROR)
                return;
        if (is_transport_error(reply) || fault_from_error_reply(reply, &f) < 0 || f.n_params == 0) {
                fault_done(&f);
                request_fail_reply(r, o, reply);
                return;
        }
        for (size_t i = 0; i < f.n_params; i++)
                (void)fault_add_param(&r->fault, f.params[i].name, f.params[i].code, "%s",
                                      f.params[i].message ? f.params[i].message : "");
        fault_done(&f);
}

static void spv_prepared(struct request *r)
{
        struct transaction *tx = (struct transaction *)r;

        if (request_failed(r)) {
                tx_fail_reply(tx);
                return;
        }
        for (size_t i = 0; i < tx->n_changes; i++) {
                tx->changes[i].old_value = TAKE_PTR(tx->old_items[i].value);
                if (!tx->changes[i].old_value)
                        tx->changes[i].old_value = strdup("");
        }
        tx_start_commit(tx);
}

static void spv_validated(struct request *r)
{
        struct transaction *tx = (struct transaction *)r;

        if (has_param_faults(r) || request_failed(r)) {
                tx_fail_reply(tx);
                return;
        }
        /* The old values, to restore them if an owner refuses at commit time. */
        tx->old_items = calloc(tx->n_changes, sizeof(*tx->old_items));
        if (!tx->old_items)
                goto oom;
        tx->n_old = tx->n_changes;
        for (size_t i = 0; i < tx->n_changes; i++) {
                struct tx_change *c = &tx->changes[i];
                tx->old_items[i] = (struct value_item){
                        .name = strdup(c->name),
                        .node = c->node,
                        .owner = registry_lookup(&r->m->registry, c->name),
                };
                if (!tx->old_items[i].name)
                        goto oom;
        }
        if (values_fetch(r, tx->old_items, tx->n_old) < 0)
                goto oom;
        request_continue(r, spv_prepared);
        return;
oom:
        request_fail(r, CWMP_FAULT_RESOURCES_EXCEEDED, "Out of memory");
        tx_fail_reply(tx);
}

static int send_validate(struct transaction *tx, const char *subtree)
{
        struct manager *m = tx->op.req.m;
        struct owner *o = find_online_owner(m, subtree);
        _cleanup_dbus_message_ DBusMessage *msg = NULL;
        DBusMessageIter it;

        if (!o)
                return -ENXIO;
        msg = request_new_provider_call(o, "Validate");
        if (!msg)
                return -ENOMEM;
        dbus_message_iter_init_append(msg, &it);
        if (append_values(&it, tx, subtree, false) < 0)
                return -ENOMEM;
        return request_call(&tx->op.req, o, msg, on_validate_reply, NULL);
}

/* "Device.X.Item.3.Alias" -> "Device.X.Item." when the parameter is a table's Alias. */
static int alias_table(const struct tx_change *c, char **ret)
{
        *ret = NULL;
        if (!c->node || !streq(c->node->name, "Alias") || !c->node->parent ||
            !c->node->parent->multi_instance)
                return 0;
        size_t len = strlen(c->name) - strlen(".Alias");
        while (len > 0 && c->name[len - 1] != '.')
                len--; /* drop the instance number */
        *ret = strndup(c->name, len);
        return *ret ? 1 : -ENOMEM;
}

/* The Alias of every other instance of the tables whose Alias is being set. */
static int fetch_sibling_aliases(struct transaction *tx)
{
        struct manager *m = tx->op.req.m;

        for (size_t i = 0; i < tx->n_changes; i++) {
                struct tx_change *c = &tx->changes[i];
                _cleanup_free_ char *table = NULL;
                size_t n;
                int r = 0;

                if (c->refused || (r = alias_table(c, &table)) <= 0) {
                        if (!c->refused && r < 0)
                                return r;
                        continue;
                }
                const uint32_t *inst = snapshot_instances(&tx->op.res.snap, table, &n);
                for (size_t k = 0; k < n; k++) {
                        char *name = NULL;
                        if (asprintf(&name, "%s%" PRIu32 ".Alias", table, inst[k]) < 0)
                                return -ENOMEM;
                        bool known = false;
                        for (size_t j = 0; j < tx->n_sibling_aliases && !known; j++)
                                known = streq(tx->sibling_aliases[j].name, name);
                        if (known) {
                                free(name);
                                continue;
                        }
                        struct value_item *nv = realloc(tx->sibling_aliases,
                                                        (tx->n_sibling_aliases + 1) * sizeof(*nv));
                        if (!nv) {
                                free(name);
                                return -ENOMEM;
                        }
                        tx->sibling_aliases = nv;
                        nv[tx->n_sibling_aliases++] = (struct value_item){
                                .name = name,
                                .node = c->node,
                                .owner = registry_lookup(&m->registry, name),
                        };
                }
        }
        return values_fetch(&tx->op.req, tx->sibling_aliases, tx->n_sibling_aliases);
}

/* The Alias an instance will have once this transaction applies. */
static const char *effective_alias(struct transaction *tx, const char *name, const char *current)
{
        for (size_t i = 0; i < tx->n_changes; i++)
                if (tx->changes[i].name && !tx->changes[i].refused &&
                    streq(tx->changes[i].name, name))
                        return tx->changes[i].new_value;
        return current;
}

static void spv_aliases_checked(struct request *r)
{
        struct transaction *tx = (struct transaction *)r;
        int ret = 0;

        if (request_failed(r)) {
                tx_fail_reply(tx);
                return;
        }
        /* TR-181: an Alias is unique among the instances of its table. */
        for (size_t i = 0; i < tx->n_changes; i++) {
                struct tx_change *c = &tx->changes[i];
                _cleanup_free_ char *table = NULL;
                if (c->refused || alias_table(c, &table) <= 0)
                        continue;
                for (size_t k = 0; k < tx->n_sibling_aliases; k++) {
                        struct value_item *s = &tx->sibling_aliases[k];
                        if (streq(s->name, c->name) || !startswith(s->name, table))
                                continue;
                        const char *other = effective_alias(tx, s->name, s->value);
                        if (other && streq(other, c->new_value)) {
                                c->refused = true;
                                ret = fault_add_param(
                                        &r->fault, c->name, CWMP_FAULT_INVALID_PARAMETER_VALUE,
                                        "Alias \"%s\" is already used by %.*s", c->new_value,
                                        (int)(strlen(s->name) - strlen("Alias")), s->name);
                                break;
                        }
                }
                if (ret < 0)
                        break;
        }
        /* Providers judge the values dmd found fine, so every fault is reported at once. */
        for (size_t i = 0; ret >= 0 && i < tx->n_owners; i++)
                ret = send_validate(tx, tx->owners[i].subtree);
        if (ret < 0)
                request_fail(r, fault_from_errno(ret), "Cannot ask the providers: %s",
                             strerror(-ret));
        request_continue(r, spv_validated);
}

static void spv_resolved(struct request *r)
{
        struct transaction *tx = (struct transaction *)r;
        int ret = 0;

        if (request_failed(r)) {
                tx_fail_reply(tx);
                return;
        }
        for (size_t i = 0; ret >= 0 && i < tx->n_changes; i++) {
                size_t before = r->fault.n_params;
                ret = check_change(tx, &tx->changes[i], &tx->op.res.targets[i]);
                tx->changes[i].refused = r->fault.n_params > before;
        }
        /* The same parameter twice (perhaps once by alias) is ambiguous. */
        for (size_t i = 0; ret >= 0 && i < tx->n_changes; i++)
                for (size_t k = i + 1; tx->changes[i].name && k < tx->n_changes; k++)
                        if (tx->changes[k].name && streq(tx->changes[i].name, tx->changes[k].name))
                                request_fail(r, CWMP_FAULT_INVALID_ARGUMENTS,
                                             "%s is given more than once", tx->changes[i].name);
        if (ret >= 0 && !request_failed(r))
                ret = fetch_sibling_aliases(tx);
        if (ret < 0)
                request_fail(r, fault_from_errno(ret), "%s", strerror(-ret));
        if (request_failed(r)) {
                tx_fail_reply(tx);
                return;
        }
        request_continue(r, spv_aliases_checked);
}

int op_set_parameter_values(struct manager *m, DBusMessage *call)
{
        DBusMessageIter it, arr;
        const char *key = NULL;

        if (!streq(dbus_message_get_signature(call), "a(sss)s"))
                return -EINVAL;
        struct transaction *tx = tx_new(m, call, TX_SET);
        if (!tx)
                return -ENOMEM;
        dbus_message_iter_init(call, &it);
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
                struct tx_change *n = realloc(tx->changes, (tx->n_changes + 1) * sizeof(*n));
                if (!n)
                        goto oom;
                tx->changes = n;
                n[tx->n_changes] = (struct tx_change){
                        .input = strdup(name), .type = strdup(type), .new_value = strdup(value)};
                tx->n_changes++;
                if (!n[tx->n_changes - 1].input || !n[tx->n_changes - 1].type ||
                    !n[tx->n_changes - 1].new_value)
                        goto oom;
                dbus_message_iter_next(&arr);
        }
        dbus_message_iter_next(&it);
        dbus_message_iter_get_basic(&it, &key);
        tx->key = strdup(key);
        if (!tx->key)
                goto oom;
        if (strlen(tx->key) > 32) {
                /* TR-069: ParameterKey is string(32). */
                request_fail(&tx->op.req, CWMP_FAULT_INVALID_ARGUMENTS,
                             "ParameterKey is longer than 32 characters");
                request_reply_fault(&tx->op.req);
                request_unref(&tx->op.req);
                return 0;
        }
        tx_enqueue(m, tx);
        return 0;
oom:
        request_unref(&tx->op.req);
        return -ENOMEM;
}

/* ---- AddObject and DeleteObject ---------------------------------------------------- */

static void object_resolved(struct request *r)
{
        struct transaction *tx = (struct transaction *)r;
        struct target *t = &tx->op.res.targets[0];
        struct manager *m = r->m;
        int ret;

        if (request_failed(r)) {
                tx_fail_reply(tx);
                return;
        }
        if (t->fault) {
                request_fail(r, t->fault, "%s",
                             t->fault_message ? t->fault_message : fault_string(t->fault));
                tx_fail_reply(tx);
                return;
        }
        bool is_instance = t->kind == TARGET_OBJECT && t->node->multi_instance &&
                           t->parsed.segs[t->parsed.n_segs - 1].kind == DMPATH_SEG_INSTANCE;
        if (tx->kind == TX_ADD && t->kind != TARGET_TABLE) {
                request_fail(r, CWMP_FAULT_INVALID_PARAMETER_NAME,
                             "%s is not a multi-instance object", t->input);
                tx_fail_reply(tx);
                return;
        }
        if (tx->kind == TX_DELETE && !is_instance) {
                request_fail(r, CWMP_FAULT_INVALID_PARAMETER_NAME,
                             "%s is not an instance of a multi-instance object", t->input);
                tx_fail_reply(tx);
                return;
        }
        if (t->node->access != SCHEMA_READ_WRITE) {
                request_fail(r, CWMP_FAULT_REQUEST_DENIED, "%s cannot be %s by the ACS", t->path,
                             tx->kind == TX_ADD ? "added to" : "deleted");
                tx_fail_reply(tx);
                return;
        }
        struct owner *o = registry_lookup(&m->registry, t->path);
        tx->object = strdup(t->path);
        tx->object_owner = strdup(o->subtree);
        if (!tx->object || !tx->object_owner)
                goto oom;
        tx->object_remote = o->kind == OWNER_REMOTE;
        if (tx->object_remote && !o->online) {
                request_fail(r, CWMP_FAULT_INTERNAL_ERROR,
                             "%s is served by a provider that is not running", o->subtree);
                tx_fail_reply(tx);
                return;
        }
        if (tx->kind == TX_ADD) {
                size_t n;
                const uint32_t *inst = snapshot_instances(&tx->op.res.snap, t->path, &n);
                if (t->node->max_entries && n >= t->node->max_entries) {
                        request_fail(r, CWMP_FAULT_RESOURCES_EXCEEDED,
                                     "%s already has its maximum of %" PRIu32 " instances", t->path,
                                     t->node->max_entries);
                        tx_fail_reply(tx);
                        return;
                }
                /* Numbers are never reused: the counter is on disk before the number is. */
                tx->instance = state_next_instance(&m->state, t->path, n ? inst[n - 1] + 1 : 1);
                if (tx->instance == 0) {
                        request_fail(r, CWMP_FAULT_RESOURCES_EXCEEDED,
                                     "%s has no instance numbers left", t->path);
                        tx_fail_reply(tx);
                        return;
                }
                ret = state_save(&m->state);
                if (ret < 0) {
                        (void)state_reload(&m->state);
                        request_fail(r, fault_from_errno(ret), "Cannot save: %s", strerror(-ret));
                        tx_fail_reply(tx);
                        return;
                }
        }
        if (tx->object_remote && tx_add_owner(tx, o->subtree) < 0)
                goto oom;
        tx_start_commit(tx);
        return;
oom:
        request_fail(r, CWMP_FAULT_RESOURCES_EXCEEDED, "Out of memory");
        tx_fail_reply(tx);
}

static int object_op(struct manager *m, DBusMessage *call, enum tx_kind kind)
{
        DBusError error = DBUS_ERROR_INIT;
        const char *object, *key;

        if (!dbus_message_get_args(call, &error, DBUS_TYPE_STRING, &object, DBUS_TYPE_STRING, &key,
                                   DBUS_TYPE_INVALID)) {
                dbus_error_free(&error);
                return -EINVAL;
        }
        struct transaction *tx = tx_new(m, call, kind);
        if (!tx)
                return -ENOMEM;
        tx->key = strdup(key);
        tx->object = strdup(object); /* replaced by the resolved path */
        if (!tx->key || !tx->object) {
                request_unref(&tx->op.req);
                return -ENOMEM;
        }
        if (strlen(tx->key) > 32) {
                request_fail(&tx->op.req, CWMP_FAULT_INVALID_ARGUMENTS,
                             "ParameterKey is longer than 32 characters");
                request_reply_fault(&tx->op.req);
                request_unref(&tx->op.req);
                return 0;
        }
        tx_enqueue(m, tx);
        return 0;
}

int op_add_object(struct manager *m, DBusMessage *call)
{
        return object_op(m, call, TX_ADD);
}

int op_delete_object(struct manager *m, DBusMessage *call)
{
        return object_op(m, call, TX_DELETE);
}

static void tx_begin(struct transaction *tx)
{
        struct request *r = &tx->op.req;
        int ret;

        if (tx->phase != TX_PREPARE) {
                /* recovered from disk: straight to committing */
                tx_commit_stage(tx);
                return;
        }
        if (tx->kind == TX_SET) {
                _cleanup_free_ const char **names = calloc(tx->n_changes + 1, sizeof(*names));
                if (!names) {
                        ret = -ENOMEM;
                        goto fail;
                }
                for (size_t i = 0; i < tx->n_changes; i++)
                        names[i] = tx->changes[i].input;
                ret = resolve_start(&tx->op, names, tx->n_changes, DMPATH_ALLOW_ALIAS,
                                    spv_resolved);
        } else {
                _cleanup_free_ char *object = TAKE_PTR(tx->object);
                const char *name = object;
                ret = resolve_start(&tx->op, &name, 1, DMPATH_REQUIRE_PARTIAL | DMPATH_ALLOW_ALIAS,
                                    object_resolved);
        }
        if (ret >= 0)
                return;
fail:
        request_fail(r, fault_from_errno(ret), "%s", strerror(-ret));
        tx_fail_reply(tx);
}

/* ---- recovery ---------------------------------------------------------------------- */

static int recover_change(struct manager *m, struct transaction *tx, const struct kvmap *map,
                          const char *name, const char *new_value)
{
        _cleanup_free_ char *ok = NULL, *sk = NULL;
        struct dmpath p = {};
        const char *old, *owner;

        if (asprintf(&ok, "o:%s", name) < 0 || asprintf(&sk, "s:%s", name) < 0)
                return -ENOMEM;
        old = kvmap_get(map, ok);
        owner = kvmap_get(map, sk);
        if (!old || !owner || (owner[0] != 'R' && owner[0] != 'L'))
                return -EBADMSG;
        struct tx_change *n = realloc(tx->changes, (tx->n_changes + 1) * sizeof(*n));
        if (!n)
                return -ENOMEM;
        tx->changes = n;
        struct tx_change *c = &n[tx->n_changes++];
        *c = (struct tx_change){
                .input = strdup(name),
                .name = strdup(name),
                .type = strdup(""),
                .owner_subtree = strdup(owner + 1),
                .remote = owner[0] == 'R',
                .new_value = strdup(new_value),
                .old_value = strdup(old),
        };
        if (!c->input || !c->name || !c->type || !c->owner_subtree || !c->new_value ||
            !c->old_value)
                return -ENOMEM;
        if (dmpath_parse(name, DMPATH_ALLOW_ALIAS, &p, NULL) >= 0) {
                c->node = schema_lookup(m->schema, &p);
                dmpath_done(&p);
        }
        return c->remote ? tx_add_owner(tx, c->owner_subtree) : 0;
}

int transaction_recover(struct manager *m)
{
        _cleanup_free_ char *path = NULL;
        _cleanup_kvmap_ struct kvmap *map = kvmap_new();
        unsigned line = 0;
        const char *k, *v;
        int r;

        if (!map || intent_path(m, &path) < 0)
                return -ENOMEM;
        r = store_load(path, map, &line);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return log_error_errno(r, "%s:%u: cannot read the interrupted transaction: %m",
                                       path, line);

        const char *id = kvmap_get(map, ".id"), *kind = kvmap_get(map, ".kind"),
                   *phase = kvmap_get(map, ".phase");
        if (!id || !kind || !phase || strlen(id) >= SD_ID128_STRING_MAX)
                return log_error_errno(-EBADMSG, "%s: incomplete transaction record", path);

        struct transaction *tx = tx_new(m, NULL,
                                        streq(kind, "add")      ? TX_ADD
                                        : streq(kind, "delete") ? TX_DELETE
                                                                : TX_SET);
        if (!tx)
                return -ENOMEM;
        strcpy(tx->id, id);
        tx->phase = streq(phase, "undo") ? TX_UNDO : TX_COMMIT;
        tx->key = strdup(kvmap_get(map, ".key") ? kvmap_get(map, ".key") : "");
        tx->origin = strdup(kvmap_get(map, ".origin") ? kvmap_get(map, ".origin") : "");
        r = tx->key && tx->origin ? 0 : -ENOMEM;
        if (r >= 0 && tx->kind != TX_SET) {
                const char *object = kvmap_get(map, ".object"), *inst = kvmap_get(map, ".instance"),
                           *owner = kvmap_get(map, ".owner");
                if (!object || !inst || !owner || !owner[0] ||
                    cw_parse_uint32(inst, &tx->instance) < 0)
                        r = -EBADMSG;
                else {
                        tx->object = strdup(object);
                        tx->object_owner = strdup(owner + 1);
                        tx->object_remote = owner[0] == 'R';
                        r = tx->object && tx->object_owner ? 0 : -ENOMEM;
                        if (r >= 0 && tx->object_remote)
                                r = tx_add_owner(tx, tx->object_owner);
                }
        }
        kvmap_foreach (map, i, k, v) {
                if (r < 0)
                        break;
                if (startswith(k, "n:"))
                        r = recover_change(m, tx, map, k + 2, v);
        }
        if (r < 0) {
                request_unref(&tx->op.req);
                return log_error_errno(r, "%s: damaged transaction record: %m", path);
        }
        log_info("Resuming transaction %s (%s, %s phase) interrupted by a restart", tx->id, kind,
                 phase);
        m->tx_current = tx;
        return 0;
}

/* Called once the bus is up: starts the recovered transaction, if any. */
void transaction_resume(struct manager *m)
{
        if (m->tx_current && m->tx_current->phase != TX_PREPARE)
                tx_commit_stage(m->tx_current);
}
