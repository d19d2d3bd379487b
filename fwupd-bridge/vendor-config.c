/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "fault.h"
#include "kvmap.h"
#include "util.h"
#include "vendor-config.h"

#define HEADER          "# CWMP vendor configuration file, version 1"
#define DM_BUS_NAME     "io.cwmp.DataModel"
#define DM_OBJECT_PATH  "/io/cwmp/DataModel"
#define DM_INTERFACE    "io.cwmp.DataModel1"
#define CALL_TIMEOUT_MS 60000
#define MAX_ENTRIES     65536u
#define MAX_NAME_LENGTH 256u
#define MAX_TYPE_LENGTH 64u
#define PARAMETER_KEY   "Device.ManagementServer.ParameterKey"

void config_file_done(struct config_file *f)
{
        for (size_t i = 0; i < f->n; i++) {
                free(f->entries[i].name);
                free(f->entries[i].type);
                free(f->entries[i].value);
        }
        free(f->entries);
        *f = (struct config_file){};
}

static int add_take(struct config_file *f, char *name, char *type, char *value)
{
        if (!name || !type || !value)
                goto oom;
        if (f->n == f->allocated) {
                size_t n = f->allocated ? f->allocated * 2 : 64;
                struct config_entry *e = realloc(f->entries, n * sizeof(*e));
                if (!e)
                        goto oom;
                f->entries = e;
                f->allocated = n;
        }
        f->entries[f->n++] = (struct config_entry){name, type, value};
        return 0;
oom:
        free(name);
        free(type);
        free(value);
        return -ENOMEM;
}

int config_file_add(struct config_file *f, const char *name, const char *type, const char *value)
{
        return add_take(f, strdup(name), strdup(type), strdup(value));
}

static int escape(struct buf *b, const char *s)
{
        int r = 0;
        for (; *s && r >= 0; s++) {
                switch (*s) {
                case '\\':
                        r = buf_append(b, "\\\\", 2);
                        break;
                case '\t':
                        r = buf_append(b, "\\t", 2);
                        break;
                case '\n':
                        r = buf_append(b, "\\n", 2);
                        break;
                case '\r':
                        r = buf_append(b, "\\r", 2);
                        break;
                default:
                        r = buf_append(b, s, 1);
                }
        }
        return r;
}

int config_file_format(const struct config_file *f, char **ret, size_t *ret_len)
{
        struct buf b = {};
        int r = buf_printf(&b, "%s\n", HEADER);

        for (size_t i = 0; r >= 0 && i < f->n; i++) {
                r = buf_printf(&b, "%s\t%s\t", f->entries[i].name, f->entries[i].type);
                if (r >= 0)
                        r = escape(&b, f->entries[i].value);
                if (r >= 0)
                        r = buf_append(&b, "\n", 1);
        }
        if (r >= 0 && !b.data)
                r = buf_append(&b, "", 0);
        if (r < 0) {
                buf_done(&b);
                return r;
        }
        *ret_len = b.len;
        *ret = buf_steal(&b);
        return 0;
}

static char *unescape(const char *s, size_t len)
{
        char *out = malloc(len + 1), *o = out;

        if (!out)
                return NULL;
        for (size_t i = 0; i < len; i++) {
                if (s[i] != '\\') {
                        *o++ = s[i];
                        continue;
                }
                if (++i == len)
                        goto bad;
                switch (s[i]) {
                case '\\':
                        *o++ = '\\';
                        break;
                case 't':
                        *o++ = '\t';
                        break;
                case 'n':
                        *o++ = '\n';
                        break;
                case 'r':
                        *o++ = '\r';
                        break;
                default:
                        goto bad;
                }
        }
        *o = '\0';
        return out;
bad:
        free(out);
        errno = EBADMSG;
        return NULL;
}

static bool name_valid(const char *s, size_t len)
{
        if (len == 0 || len > MAX_NAME_LENGTH || strncmp(s, "Device.", 7) != 0 || s[len - 1] == '.')
                return false;
        for (size_t i = 0; i < len; i++)
                if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
                        return false;
        return true;
}

static bool type_valid(const char *s, size_t len)
{
        if (len > MAX_TYPE_LENGTH)
                return false;
        for (size_t i = 0; i < len; i++)
                if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
                      (s[i] >= '0' && s[i] <= '9') || s[i] == ':'))
                        return false;
        return true;
}

static int parse_line(const char *line, size_t len, struct config_file *f, struct kvmap *seen)
{
        const char *t1 = memchr(line, '\t', len), *t2;
        _cleanup_free_ char *name = NULL;
        char *type, *value;
        int r;

        if (!t1 || !name_valid(line, (size_t)(t1 - line)))
                return -EBADMSG;
        t2 = memchr(t1 + 1, '\t', len - (size_t)(t1 + 1 - line));
        if (!t2 || !type_valid(t1 + 1, (size_t)(t2 - t1 - 1)))
                return -EBADMSG;
        name = strndup(line, (size_t)(t1 - line));
        if (!name)
                return -ENOMEM;
        if (kvmap_get(seen, name))
                return -EBADMSG; /* the same parameter twice */
        r = kvmap_set(seen, name, "");
        if (r < 0)
                return r;
        type = strndup(t1 + 1, (size_t)(t2 - t1 - 1));
        value = unescape(t2 + 1, len - (size_t)(t2 + 1 - line));
        if (!value && errno == EBADMSG) {
                free(type);
                return -EBADMSG;
        }
        return add_take(f, TAKE_PTR(name), type, value);
}

int config_file_parse(const char *data, size_t len, struct config_file *f, unsigned *err_line)
{
        _cleanup_kvmap_ struct kvmap *seen = kvmap_new();
        unsigned line_no = 0;
        size_t pos = 0;
        int r;

        if (!seen)
                return -ENOMEM;
        if (memchr(data, '\0', len))
                goto bad;
        while (pos < len) {
                const char *line = data + pos, *nl = memchr(line, '\n', len - pos);
                size_t n = nl ? (size_t)(nl - line) : len - pos;

                pos += n + (nl ? 1 : 0);
                line_no++;
                if (n > 0 && line[n - 1] == '\r')
                        n--;
                if (line_no == 1) {
                        if (n != strlen(HEADER) || memcmp(line, HEADER, n) != 0)
                                goto bad;
                        continue;
                }
                if (n == 0 || line[0] == '#')
                        continue;
                if (f->n >= MAX_ENTRIES)
                        goto bad;
                r = parse_line(line, n, f, seen);
                if (r == -EBADMSG)
                        goto bad;
                if (r < 0)
                        return r;
        }
        if (line_no == 0)
                goto bad;
        return 0;
bad:
        if (err_line)
                *err_line = line_no ? line_no : 1;
        config_file_done(f);
        return -EBADMSG;
}

int config_parameter_is_secret(const char *name)
{
        static const char *const secrets[] = {"Password", "Passphrase", "PreSharedKey", "WEPKey",
                                              "Secret"};
        const char *last = strrchr(name, '.');

        last = last ? last + 1 : name;
        for (size_t i = 0; i < ELEMENTSOF(secrets); i++)
                if (strstr(last, secrets[i]))
                        return 1;
        return 0;
}

/* ---- talking to dmd ---- */

struct config_op {
        DBusConnection *bus;
        unsigned calls; /* on their way */
        bool canceled;  /* freed by its owner meanwhile: the call's end frees it */
        config_read_fn read_done;
        config_apply_fn apply_done;
        void *userdata;
        struct kvmap *writable;    /* read: the writable parameters' names */
        struct config_file values; /* apply: what the file says */
        char *parameter_key;       /* apply: the key in force, kept as it is */
};

static void op_destroy(struct config_op *op)
{
        kvmap_free(op->writable);
        config_file_done(&op->values);
        free(op->parameter_key);
        free(op);
}

void config_op_free(struct config_op *op)
{
        if (!op)
                return;
        if (op->calls > 0) {
                op->canceled = true;
                return;
        }
        op_destroy(op);
}

static void call_end(void *userdata)
{
        struct config_op *op = userdata;

        if (--op->calls == 0 && op->canceled)
                op_destroy(op);
}

static int call(struct config_op *op, DBusMessage *msg, bus_reply_fn on_reply)
{
        int r;

        op->calls++;
        r = bus_call_async(op->bus, msg, CALL_TIMEOUT_MS, on_reply, op, call_end);
        if (r < 0)
                op->calls--;
        return r;
}

/* Asks dmd for the values of names (partial paths allowed). */
static int get_values(struct config_op *op, const char **names, int n, bus_reply_fn on_reply)
{
        _cleanup_dbus_message_ DBusMessage *msg = dbus_message_new_method_call(
                DM_BUS_NAME, DM_OBJECT_PATH, DM_INTERFACE, "GetParameterValues");

        if (!msg || !dbus_message_append_args(msg, DBUS_TYPE_ARRAY, DBUS_TYPE_STRING, &names, n,
                                              DBUS_TYPE_INVALID))
                return -ENOMEM;
        return call(op, msg, on_reply);
}

/* Hands out an operation whose first call is sent (r >= 0), or frees it. */
static int op_started(struct config_op *op, int r, struct config_op **ret)
{
        if (r < 0) {
                op_destroy(op);
                return r;
        }
        *ret = op;
        return 0;
}

static void error_message(DBusMessage *reply, char *out, size_t n, uint32_t *code)
{
        struct fault f = {};

        if (fault_from_error_reply(reply, &f) >= 0) {
                snprintf(out, n, "%s", f.message ? f.message : "");
                for (size_t i = 0; i < f.n_params && strlen(out) + 8 < n; i++)
                        snprintf(out + strlen(out), n - strlen(out), "; %s: %s", f.params[i].name,
                                 f.params[i].message ? f.params[i].message : "");
                *code = f.code;
        } else {
                snprintf(out, n, "%s", dbus_message_get_error_name(reply));
                *code = CWMP_FAULT_INTERNAL_ERROR;
        }
        fault_done(&f);
}

/* Reads a(sss) or a(sb) replies element by element. */
typedef int (*row_fn)(struct config_op *op, DBusMessageIter *row);

static int for_each_row(struct config_op *op, DBusMessage *reply, row_fn fn)
{
        DBusMessageIter it, array, row;
        int r;

        if (!dbus_message_iter_init(reply, &it) ||
            dbus_message_iter_get_arg_type(&it) != DBUS_TYPE_ARRAY)
                return -EBADMSG;
        dbus_message_iter_recurse(&it, &array);
        while (dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_STRUCT) {
                dbus_message_iter_recurse(&array, &row);
                r = fn(op, &row);
                if (r < 0)
                        return r;
                dbus_message_iter_next(&array);
        }
        return 0;
}

static int next_string(DBusMessageIter *row, const char **s)
{
        if (dbus_message_iter_get_arg_type(row) != DBUS_TYPE_STRING)
                return -EBADMSG;
        dbus_message_iter_get_basic(row, s);
        dbus_message_iter_next(row);
        return 0;
}

static int writable_row(struct config_op *op, DBusMessageIter *row)
{
        const char *name;
        dbus_bool_t writable;

        if (next_string(row, &name) < 0 || dbus_message_iter_get_arg_type(row) != DBUS_TYPE_BOOLEAN)
                return -EBADMSG;
        dbus_message_iter_get_basic(row, &writable);
        if (!writable || endswith_char(name, '.') || config_parameter_is_secret(name))
                return 0;
        return kvmap_set(op->writable, name, "");
}

static int value_row(struct config_op *op, DBusMessageIter *row)
{
        const char *name, *type, *value;

        if (next_string(row, &name) < 0 || next_string(row, &type) < 0 ||
            next_string(row, &value) < 0)
                return -EBADMSG;
        if (!kvmap_get(op->writable, name))
                return 0;
        return config_file_add(&op->values, name, type, value);
}

/* The final callback ends the operation: it frees itself once its call is over. */
static void read_fail(struct config_op *op, int error, const char *message)
{
        if (!op->canceled)
                op->read_done(error, NULL, 0, message, op->userdata);
        op->canceled = true;
}

/* Whether a read goes on with this reply: not when it was canceled, nor (failing it) when
 * dmd answered an error. */
static bool read_going_on(struct config_op *op, DBusMessage *reply)
{
        char message[256];
        uint32_t code;

        if (op->canceled)
                return false;
        if (dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_ERROR) {
                error_message(reply, message, sizeof(message), &code);
                read_fail(op, -EIO, message);
                return false;
        }
        return true;
}

static void on_values(DBusMessage *reply, void *userdata)
{
        struct config_op *op = userdata;
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r;

        if (!read_going_on(op, reply))
                return;
        r = for_each_row(op, reply, value_row);
        if (r >= 0)
                r = config_file_format(&op->values, &text, &len);
        if (r < 0) {
                read_fail(op, r, "Cannot read the values from dmd");
                return;
        }
        op->read_done(0, text, len, NULL, op->userdata);
        op->canceled = true;
}

static void on_names(DBusMessage *reply, void *userdata)
{
        struct config_op *op = userdata;
        const char *root = "Device.";
        const char **names = &root;
        int r;

        if (!read_going_on(op, reply))
                return;
        r = for_each_row(op, reply, writable_row);
        if (r < 0) {
                read_fail(op, r, "Cannot read the parameter names from dmd");
                return;
        }
        if (get_values(op, names, 1, on_values) < 0)
                read_fail(op, -ENOMEM, "Cannot ask dmd for the values");
}

int config_read_start(DBusConnection *bus, config_read_fn done, void *userdata,
                      struct config_op **ret)
{
        _cleanup_dbus_message_ DBusMessage *msg = NULL;
        struct config_op *op = calloc(1, sizeof(*op));
        const char *path = "Device.";
        dbus_bool_t next_level = FALSE;

        if (!op)
                return -ENOMEM;
        op->bus = bus;
        op->read_done = done;
        op->userdata = userdata;
        op->writable = kvmap_new();
        msg = dbus_message_new_method_call(DM_BUS_NAME, DM_OBJECT_PATH, DM_INTERFACE,
                                           "GetParameterNames");
        if (!op->writable || !msg ||
            !dbus_message_append_args(msg, DBUS_TYPE_STRING, &path, DBUS_TYPE_BOOLEAN, &next_level,
                                      DBUS_TYPE_INVALID))
                return op_started(op, -ENOMEM, ret);
        return op_started(op, call(op, msg, on_names), ret);
}

/* ---- applying a file: one SetParameterValues, keeping the ParameterKey as it is ---- */

static void apply_fail(struct config_op *op, uint32_t code, const char *message)
{
        if (!op->canceled)
                op->apply_done(code, message, op->userdata);
        op->canceled = true;
}

static void on_set(DBusMessage *reply, void *userdata)
{
        struct config_op *op = userdata;
        char message[256];
        uint32_t code;

        if (op->canceled)
                return;
        if (dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_ERROR) {
                error_message(reply, message, sizeof(message), &code);
                apply_fail(op, code, message);
                return;
        }
        op->apply_done(0, NULL, op->userdata);
        op->canceled = true;
}

static int append_values(DBusMessage *msg, const struct config_file *f, const char *key)
{
        DBusMessageIter it, array, st;
        bool ok;

        dbus_message_iter_init_append(msg, &it);
        ok = dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "(sss)", &array);
        for (size_t i = 0; ok && i < f->n; i++)
                ok = dbus_message_iter_open_container(&array, DBUS_TYPE_STRUCT, NULL, &st) &&
                     dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &f->entries[i].name) &&
                     dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &f->entries[i].type) &&
                     dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &f->entries[i].value) &&
                     dbus_message_iter_close_container(&array, &st);
        ok = ok && dbus_message_iter_close_container(&it, &array) &&
             dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &key);
        return ok ? 0 : -ENOMEM;
}

/* Only what differs is set: a value the file and the box agree on is left alone (and not
 * validated again). An unknown name in the file fails the whole file here. */
static void on_current(DBusMessage *reply, void *userdata)
{
        struct config_op *op = userdata;
        _cleanup_dbus_message_ DBusMessage *msg = NULL;
        _cleanup_kvmap_ struct kvmap *current = kvmap_new();
        struct config_file changes = {};
        DBusMessageIter it, array, row;
        const char *name, *type, *value;
        char message[256];
        uint32_t code;
        int r = 0;

        if (op->canceled)
                return;
        if (dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_ERROR) {
                error_message(reply, message, sizeof(message), &code);
                apply_fail(op, code, message);
                return;
        }
        if (!current || !dbus_message_iter_init(reply, &it) ||
            dbus_message_iter_get_arg_type(&it) != DBUS_TYPE_ARRAY) {
                apply_fail(op, CWMP_FAULT_INTERNAL_ERROR, "Unexpected answer from dmd");
                return;
        }
        dbus_message_iter_recurse(&it, &array);
        for (; r >= 0 && dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_STRUCT;
             dbus_message_iter_next(&array)) {
                dbus_message_iter_recurse(&array, &row);
                if (next_string(&row, &name) >= 0 && next_string(&row, &type) >= 0 &&
                    next_string(&row, &value) >= 0)
                        r = kvmap_set(current, name, value);
        }
        for (size_t i = 0; r >= 0 && i < op->values.n; i++) {
                const struct config_entry *e = &op->values.entries[i];
                if (!streq_ptr(kvmap_get(current, e->name), e->value))
                        r = config_file_add(&changes, e->name, e->type, e->value);
        }
        if (r < 0) {
                config_file_done(&changes);
                apply_fail(op, CWMP_FAULT_INTERNAL_ERROR, "Out of memory");
                return;
        }
        if (changes.n == 0) {
                op->apply_done(0, NULL, op->userdata);
                op->canceled = true;
                return;
        }
        msg = dbus_message_new_method_call(DM_BUS_NAME, DM_OBJECT_PATH, DM_INTERFACE,
                                           "SetParameterValues");
        if (!msg || append_values(msg, &changes, op->parameter_key) < 0 ||
            call(op, msg, on_set) < 0)
                apply_fail(op, CWMP_FAULT_INTERNAL_ERROR, "Cannot ask dmd to apply the file");
        config_file_done(&changes);
}

static void on_parameter_key(DBusMessage *reply, void *userdata)
{
        struct config_op *op = userdata;
        _cleanup_free_ const char **names = NULL;
        DBusMessageIter it, array, row;
        const char *name, *type, *key = "";

        if (op->canceled)
                return;
        /* Without cwmpd (no ParameterKey) the key is simply empty. */
        if (dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_METHOD_RETURN &&
            dbus_message_iter_init(reply, &it) &&
            dbus_message_iter_get_arg_type(&it) == DBUS_TYPE_ARRAY) {
                dbus_message_iter_recurse(&it, &array);
                if (dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_STRUCT) {
                        dbus_message_iter_recurse(&array, &row);
                        if (next_string(&row, &name) < 0 || next_string(&row, &type) < 0 ||
                            next_string(&row, &key) < 0)
                                key = "";
                }
        }
        op->parameter_key = strdup(key);
        if (op->parameter_key && op->values.n == 0) {
                op->apply_done(0, NULL, op->userdata); /* an empty file changes nothing */
                op->canceled = true;
                return;
        }
        names = calloc(op->values.n + 1, sizeof(*names));
        for (size_t i = 0; names && i < op->values.n; i++)
                names[i] = op->values.entries[i].name;
        if (!op->parameter_key || !names ||
            get_values(op, names, (int)op->values.n, on_current) < 0)
                apply_fail(op, CWMP_FAULT_INTERNAL_ERROR, "Cannot ask dmd for the values");
}

int config_apply_start(DBusConnection *bus, const struct config_file *f, config_apply_fn done,
                       void *userdata, struct config_op **ret)
{
        struct config_op *op = calloc(1, sizeof(*op));
        const char *key = PARAMETER_KEY;
        const char **names = &key;
        int r = 0;

        if (!op)
                return -ENOMEM;
        op->bus = bus;
        op->apply_done = done;
        op->userdata = userdata;
        for (size_t i = 0; r >= 0 && i < f->n; i++)
                r = config_file_add(&op->values, f->entries[i].name, f->entries[i].type,
                                    f->entries[i].value);
        if (r >= 0)
                r = get_values(op, names, 1, on_parameter_key);
        return op_started(op, r, ret);
}
