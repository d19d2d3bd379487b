/* SPDX-License-Identifier: MIT */
/*
 * Firmware through fwupd's D-Bus API (org.freedesktop.fwupd on the system bus). The image
 * is a cabinet archive, handed to Install() as a file descriptor. Every call is
 * asynchronous; Install() returns only once the device is flashed, so it gets a long
 * timeout, and fwupd's Status / Percentage properties tell how far it is meanwhile.
 *
 * One device is managed: the configured one, else the first updatable device. Its version
 * is remembered in STATE_DIR/fwupd-backend.state, so that a change made by someone else
 * (fwupdmgr, while we ran or while we were down) is reported as autonomous.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend-internal.h"
#include "bus.h"
#include "kvmap.h"
#include "log.h"
#include "store.h"
#include "util.h"

#define FWUPD_NAME  "org.freedesktop.fwupd"
#define FWUPD_PATH  "/"
#define FWUPD_IFACE "org.freedesktop.fwupd"
#define FWUPD_ERROR "org.freedesktop.fwupd."

#define FLAG_UPDATABLE      (UINT64_C(1) << 1)
#define FLAG_NEEDS_REBOOT   (UINT64_C(1) << 8)
#define FLAG_NEEDS_SHUTDOWN (UINT64_C(1) << 9)
#define INSTALL_ALLOW_OLDER (UINT64_C(1) << 2)

#define UPDATE_STATE_FAILED           3
#define UPDATE_STATE_NEEDS_REBOOT     4
#define UPDATE_STATE_FAILED_TRANSIENT 5

/* Flashing a real device takes minutes; a stuck fwupd must still end the job. */
#define INSTALL_TIMEOUT_MS (60 * 60 * 1000)
#define CALL_TIMEOUT_MS    (60 * 1000)
#define BOOT_ID_FILE       "/proc/sys/kernel/random/boot_id"

#define MATCH_DEVICE_CHANGED                                                                       \
        "type='signal',sender='" FWUPD_NAME "',interface='" FWUPD_IFACE                            \
        "',member='DeviceChanged',path='" FWUPD_PATH "'"
#define MATCH_PROPERTIES                                                                           \
        "type='signal',sender='" FWUPD_NAME "',interface='org.freedesktop.DBus.Properties',"       \
        "member='PropertiesChanged',path='" FWUPD_PATH "'"
#define MATCH_OWNER                                                                                \
        "type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',"            \
        "member='NameOwnerChanged',arg0='" FWUPD_NAME "'"

struct fwupd_device {
        char *id, *name, *version;
        uint64_t flags;
};

struct fwupd_job {
        firmware_install_done done;
        void *userdata;
        struct firmware_result result;
        char expected_version[65];
        char previous_version[65];
        /* fwupd refused the install: GetResults then says why; after a success or
         * VersionSame it may hold an older record */
        bool refused;
        /* the device list asked for after the install, which ends it */
        bool refreshing;
        uint32_t status, percentage;
};

struct call_ref;

struct fwupd_backend {
        struct firmware_backend base;
        DBusConnection *bus;
        char *state_dir;
        char *wanted_id;            /* from the config, or NULL */
        struct fwupd_device device; /* id NULL until known */
        bool filter_added;
        struct call_ref *calls;
        struct fwupd_job *job;
        /* an install awaiting its reboot, checked once the device is known */
        bool boot_outcome;
        struct firmware_result boot_result;
        /* the last install's outcome, for the image's Status and BootFailureLog */
        char *last_status;
        char *last_log;
};

/* Pending calls outlive the backend if it is freed first: they hold this, not it. */
struct call_ref {
        struct fwupd_backend *b;
        struct call_ref *next;
};

static struct fwupd_backend *fwupd_of(struct firmware_backend *b)
{
        return (struct fwupd_backend *)b;
}

static void device_done(struct fwupd_device *d)
{
        free(d->id);
        free(d->name);
        free(d->version);
        *d = (struct fwupd_device){};
}

/* ---- calls ---- */

static void call_ref_free(void *userdata)
{
        struct call_ref *ref = userdata;

        if (ref->b)
                for (struct call_ref **p = &ref->b->calls; *p; p = &(*p)->next)
                        if (*p == ref) {
                                *p = ref->next;
                                break;
                        }
        free(ref);
}

static int call_fwupd(struct fwupd_backend *b, DBusMessage *m, int timeout_ms, bus_reply_fn fn)
{
        struct call_ref *ref = calloc(1, sizeof(*ref));
        int r;

        if (!ref)
                return -ENOMEM;
        ref->b = b;
        ref->next = b->calls;
        b->calls = ref;
        r = bus_call_async(b->bus, m, timeout_ms, fn, ref, call_ref_free);
        if (r < 0)
                call_ref_free(ref);
        return r;
}

static DBusMessage *new_call(const char *method)
{
        return dbus_message_new_method_call(FWUPD_NAME, FWUPD_PATH, FWUPD_IFACE, method);
}

/* ---- reading a{sv} ---- */

struct dict_want {
        const char *key;
        int type; /* DBUS_TYPE_STRING, _UINT64, _UINT32, or DBUS_TYPE_ARRAY for Release */
        void *out;
};

/* The version of the first release in an aa{sv} (GetResults' "Release"). */
static void read_release_version(DBusMessageIter *array, const char **out)
{
        DBusMessageIter first, entry, variant;

        if (dbus_message_iter_get_arg_type(array) != DBUS_TYPE_ARRAY)
                return;
        dbus_message_iter_recurse(array, &first);
        if (dbus_message_iter_get_arg_type(&first) != DBUS_TYPE_ARRAY)
                return;
        dbus_message_iter_recurse(&first, &entry);
        while (dbus_message_iter_get_arg_type(&entry) == DBUS_TYPE_DICT_ENTRY) {
                DBusMessageIter kv;
                const char *key;

                dbus_message_iter_recurse(&entry, &kv);
                dbus_message_iter_get_basic(&kv, &key);
                dbus_message_iter_next(&kv);
                dbus_message_iter_recurse(&kv, &variant);
                if (streq(key, "Version") &&
                    dbus_message_iter_get_arg_type(&variant) == DBUS_TYPE_STRING)
                        dbus_message_iter_get_basic(&variant, out);
                dbus_message_iter_next(&entry);
        }
}

/* Reads the wanted keys of an a{sv} at `dict`; strings stay owned by the message. */
static void read_dict(DBusMessageIter *dict, const struct dict_want *want, size_t n)
{
        DBusMessageIter entry;

        if (dbus_message_iter_get_arg_type(dict) != DBUS_TYPE_ARRAY)
                return;
        dbus_message_iter_recurse(dict, &entry);
        while (dbus_message_iter_get_arg_type(&entry) == DBUS_TYPE_DICT_ENTRY) {
                DBusMessageIter kv, variant;
                const char *key;

                dbus_message_iter_recurse(&entry, &kv);
                if (dbus_message_iter_get_arg_type(&kv) == DBUS_TYPE_STRING) {
                        dbus_message_iter_get_basic(&kv, &key);
                        dbus_message_iter_next(&kv);
                        dbus_message_iter_recurse(&kv, &variant);
                        for (size_t i = 0; i < n; i++) {
                                if (!streq(key, want[i].key))
                                        continue;
                                if (want[i].type == DBUS_TYPE_ARRAY)
                                        read_release_version(&variant, want[i].out);
                                else if (dbus_message_iter_get_arg_type(&variant) == want[i].type)
                                        dbus_message_iter_get_basic(&variant, want[i].out);
                        }
                }
                dbus_message_iter_next(&entry);
        }
}

static bool reply_failed(DBusMessage *reply, const char **name, const char **message)
{
        if (dbus_message_get_type(reply) != DBUS_MESSAGE_TYPE_ERROR)
                return false;
        *name = dbus_message_get_error_name(reply);
        if (!dbus_message_get_args(reply, NULL, DBUS_TYPE_STRING, message, DBUS_TYPE_INVALID))
                *message = "";
        if (!*name)
                *name = "";
        return true;
}

/* ---- remembered state ---- */

static char *state_path(struct fwupd_backend *b)
{
        char *p;
        return asprintf(&p, "%s/fwupd-backend.state", b->state_dir) < 0 ? NULL : p;
}

static int load_state(struct fwupd_backend *b, struct kvmap **ret)
{
        _cleanup_free_ char *path = state_path(b);
        _cleanup_kvmap_ struct kvmap *m = kvmap_new();
        int r;

        if (!path || !m)
                return -ENOMEM;
        r = store_load(path, m, NULL);
        if (r < 0 && r != -ENOENT)
                log_warning("Ignoring damaged %s: %s", path, strerror(-r));
        *ret = TAKE_PTR(m);
        return 0;
}

static int save_state(struct fwupd_backend *b, const struct kvmap *m)
{
        _cleanup_free_ char *path = state_path(b);

        return path ? store_save(path, m) : -ENOMEM;
}

/* Sets each key of the NULL-terminated key, value list (a NULL value removes the key). */
static int update_state(struct fwupd_backend *b, const char *const *kv)
{
        _cleanup_kvmap_ struct kvmap *m = NULL;
        int r;

        r = load_state(b, &m);
        if (r < 0)
                return r;
        for (size_t i = 0; kv[i]; i += 2) {
                if (kv[i + 1])
                        r = kvmap_set(m, kv[i], kv[i + 1]);
                else
                        r = kvmap_remove(m, kv[i]) == -ENOMEM ? -ENOMEM : 0;
                if (r < 0)
                        return r;
        }
        return save_state(b, m);
}

static char *boot_id(void)
{
        const char *path = getenv("CWMP_BOOT_ID_FILE"); /* tests simulate reboots with it */
        char *id = NULL;

        if (backend_read_text_file(path && path[0] ? path : BOOT_ID_FILE, 128, &id) < 0)
                return strdup("");
        return id;
}

/* The last outcome (NULL: success), kept across restarts in the state file. */
static int set_last_status(struct fwupd_backend *b, const char *status, const char *log)
{
        char *copy = status ? strdup(status) : NULL, *log_copy = log ? strdup(log) : NULL;
        const char *kv[] = {"last_status", status, "last_log", log, NULL};

        if ((status && !copy) || (log && !log_copy)) {
                free(copy);
                free(log_copy);
                return -ENOMEM;
        }
        free(b->last_status);
        free(b->last_log);
        b->last_status = copy;
        b->last_log = log_copy;
        return update_state(b, kv);
}

/* ---- the device list ---- */

static void on_devices(DBusMessage *reply, void *userdata);

static int refresh_devices(struct fwupd_backend *b)
{
        _cleanup_dbus_message_ DBusMessage *m = new_call("GetDevices");

        if (!m)
                return -ENOMEM;
        return call_fwupd(b, m, CALL_TIMEOUT_MS, on_devices);
}

static int set_device(struct fwupd_backend *b, const char *id, const char *name,
                      const char *version, uint64_t flags)
{
        struct fwupd_device d = {.flags = flags};

        d.id = strdup(id);
        d.name = strdup(name ? name : "");
        d.version = strdup(version ? version : "");
        if (!d.id || !d.name || !d.version) {
                device_done(&d);
                return -ENOMEM;
        }
        device_done(&b->device);
        b->device = d;
        return 0;
}

/* An install that needed a reboot: once rebooted, did the device come up with it? */
static void check_pending_reboot(struct fwupd_backend *b, const struct kvmap *state)
{
        const char *expected = kvmap_get(state, "pending_version");
        const char *pending_boot = kvmap_get(state, "pending_boot_id");
        _cleanup_free_ char *now = boot_id();

        b->boot_outcome = false;
        if (!expected || !pending_boot || !now || streq(now, pending_boot))
                return;
        b->boot_result = (struct firmware_result){};
        if (!streq(b->device.version, expected)) {
                b->boot_result.fault_code = 9010;
                snprintf(b->boot_result.fault_string, sizeof(b->boot_result.fault_string),
                         "After the reboot %s runs firmware %s, not %s", b->device.name,
                         b->device.version, expected);
        }
        b->boot_outcome = true;
}

/* The first device list: boot outcome, changes made while we were away, then ready. */
static void first_devices(struct fwupd_backend *b)
{
        _cleanup_kvmap_ struct kvmap *state = NULL;
        const char *known_id, *known;

        if (load_state(b, &state) < 0)
                return;
        free(b->last_status);
        free(b->last_log);
        b->last_status =
                kvmap_get(state, "last_status") ? strdup(kvmap_get(state, "last_status")) : NULL;
        b->last_log = kvmap_get(state, "last_log") ? strdup(kvmap_get(state, "last_log")) : NULL;
        known_id = kvmap_get(state, "device_id");
        known = kvmap_get(state, "running_version");
        if (b->device.id) {
                check_pending_reboot(b, state);
                /* an install of ours that the stop interrupted may have finished in fwupd */
                if (!b->boot_outcome && !kvmap_get(state, "pending_version") &&
                    !kvmap_get(state, "installing") && streq_ptr(known_id, b->device.id) && known &&
                    !streq(known, b->device.version)) {
                        struct firmware_result ok = {};
                        log_notice("Firmware of %s changed from %s to %s while we were away",
                                   b->device.name, known, b->device.version);
                        backend_report_autonomous(&b->base, b->device.version, &ok);
                }
                if (!b->boot_outcome) {
                        /* an install of ours under way keeps its mark */
                        const char *kv[] = {"device_id",
                                            b->device.id,
                                            "running_version",
                                            b->device.version,
                                            "installing",
                                            NULL,
                                            NULL};
                        if (b->job)
                                kv[4] = NULL;
                        (void)update_state(b, kv);
                }
        }
        backend_set_ready(&b->base);
}

static void finish_install(struct fwupd_backend *b);

static void on_devices(DBusMessage *reply, void *userdata)
{
        struct call_ref *ref = userdata;
        struct fwupd_backend *b = ref->b;
        const char *name, *message;
        DBusMessageIter args, array, dict;
        bool found = false;

        if (!b)
                return;
        if (reply_failed(reply, &name, &message)) {
                log_warning("fwupd GetDevices failed: %s %s", name, message);
        } else if (dbus_message_iter_init(reply, &args) &&
                   dbus_message_iter_get_arg_type(&args) == DBUS_TYPE_ARRAY) {
                dbus_message_iter_recurse(&args, &array);
                while (!found && dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_ARRAY) {
                        const char *id = NULL, *dev_name = NULL, *version = NULL;
                        uint64_t flags = 0;
                        const struct dict_want want[] = {
                                {"DeviceId", DBUS_TYPE_STRING, &id},
                                {"Name", DBUS_TYPE_STRING, &dev_name},
                                {"Version", DBUS_TYPE_STRING, &version},
                                {"Flags", DBUS_TYPE_UINT64, &flags},
                        };

                        dict = array;
                        read_dict(&dict, want, ELEMENTSOF(want));
                        if (id && (b->wanted_id ? streq(id, b->wanted_id)
                                                : (flags & FLAG_UPDATABLE) != 0)) {
                                found = true;
                                if (set_device(b, id, dev_name, version, flags) < 0)
                                        log_error("Out of memory");
                        }
                        dbus_message_iter_next(&array);
                }
                if (!found)
                        log_warning("fwupd lists no %s%s", b->wanted_id ? "device " : "",
                                    b->wanted_id ? b->wanted_id : "updatable device");
        }
        if (b->job && b->job->refreshing) {
                finish_install(b);
                return;
        }
        if (!b->base.is_ready)
                first_devices(b);
        else
                backend_images_changed(&b->base);
}

/* ---- install ---- */

static void job_end(struct fwupd_backend *b)
{
        struct fwupd_job *job = TAKE_PTR(b->job);
        struct firmware_result result = job->result;
        firmware_install_done done = job->done;
        void *userdata = job->userdata;

        free(job);
        if (result.fault_code)
                log_warning("Firmware install failed (%u): %s", result.fault_code,
                            result.fault_string);
        else
                log_notice("Firmware of %s is now %s%s", b->device.name, b->device.version,
                           result.reboot_required ? " (after a reboot)" : "");
        backend_images_changed(&b->base);
        done(&result, userdata);
}

/* The device list after the install: the new version, or a reboot to come. */
static void finish_install(struct fwupd_backend *b)
{
        struct fwupd_job *job = b->job;

        if (!job->result.fault_code && b->device.id) {
                bool reboot = (b->device.flags & (FLAG_NEEDS_REBOOT | FLAG_NEEDS_SHUTDOWN)) != 0;
                if (reboot && job->expected_version[0] &&
                    !streq(b->device.version, job->expected_version)) {
                        _cleanup_free_ char *id = boot_id();
                        const char *kv[] = {"pending_version", job->expected_version,
                                            "pending_boot_id", id ? id : "", NULL};
                        job->result.reboot_required = true;
                        if (update_state(b, kv) < 0)
                                log_error("Cannot record the install awaiting a reboot");
                }
        }
        (void)set_last_status(b, job->result.fault_code ? "InstallationFailed" : NULL, NULL);
        const char *kv[] = {"installing",      NULL, "device_id", b->device.id, "running_version",
                            b->device.version, NULL};
        if (!b->device.id)
                kv[2] = NULL;
        (void)update_state(b, kv);
        job_end(b);
}

static void fail(struct firmware_result *r, unsigned code, const char *format, ...)
        __attribute__((format(printf, 3, 4)));
static void fail(struct firmware_result *r, unsigned code, const char *format, ...)
{
        va_list ap;

        r->fault_code = code;
        va_start(ap, format);
        vsnprintf(r->fault_string, sizeof(r->fault_string), format, ap);
        va_end(ap);
}

/* fwupd's refusal -> the TR-069 transfer fault (docs/firmware.md has the table). */
static void map_error(struct fwupd_job *job, const char *name, const char *message)
{
        const char *n = startswith(name, FWUPD_ERROR) ? name + strlen(FWUPD_ERROR) : name;

        if (streq(n, "VersionSame")) {
                /* the device already runs this image: what the ACS asked for */
                job->result = (struct firmware_result){};
                return;
        }
        job->refused = true;
        if (streq(n, "InvalidData") || streq(n, "BrokenSystem"))
                fail(&job->result, 9018, "Firmware image is not a valid cabinet: %s", message);
        else if (streq(n, "InvalidFile") || streq(n, "SignatureInvalid"))
                fail(&job->result, 9019, "Firmware image failed authentication: %s", message);
        else if (streq(n, "NotFound"))
                fail(&job->result, 9010, "Firmware image fits no device here: %s", message);
        else if (streq(n, "NotSupported") || streq(n, "Write") || streq(n, "Read") ||
                 streq(n, "Internal"))
                fail(&job->result, 9010, "Writing the firmware failed: %s", message);
        else if (streq(n, "AuthFailed") || streq(n, "PermissionDenied"))
                fail(&job->result, 9010, "fwupd refused the install: %s", message);
        else if (streq(n, "VersionNewer"))
                fail(&job->result, 9010, "The device runs a newer firmware: %s", message);
        else if (streq(name, DBUS_ERROR_SERVICE_UNKNOWN) ||
                 streq(name, DBUS_ERROR_NAME_HAS_NO_OWNER))
                fail(&job->result, 9010, "fwupd is not running");
        else if (streq(name, DBUS_ERROR_NO_REPLY) || streq(name, DBUS_ERROR_TIMEOUT))
                fail(&job->result, 9010, "fwupd did not finish the install in time");
        else
                fail(&job->result, 9010, "fwupd: %s: %s", n, message);
}

static void on_results(DBusMessage *reply, void *userdata)
{
        struct call_ref *ref = userdata;
        struct fwupd_backend *b = ref->b;
        const char *name, *message, *error = NULL, *version = NULL;
        uint32_t state = 0;
        DBusMessageIter args;

        if (!b || !b->job)
                return;
        if (!reply_failed(reply, &name, &message) && dbus_message_iter_init(reply, &args)) {
                const struct dict_want want[] = {
                        {"UpdateState", DBUS_TYPE_UINT32, &state},
                        {"UpdateError", DBUS_TYPE_STRING, &error},
                        {"Release", DBUS_TYPE_ARRAY, &version},
                };
                read_dict(&args, want, ELEMENTSOF(want));
                if (b->job->refused) {
                        /* the write failed: fwupd's reason says more than the error */
                        if (state == UPDATE_STATE_FAILED && error && error[0] &&
                            startswith(b->job->result.fault_string, "Writing"))
                                fail(&b->job->result, 9010, "Writing the firmware failed: %s",
                                     error);
                } else {
                        if (version)
                                snprintf(b->job->expected_version, sizeof(b->job->expected_version),
                                         "%s", version);
                        if (state == UPDATE_STATE_NEEDS_REBOOT)
                                b->device.flags |= FLAG_NEEDS_REBOOT;
                }
        }
        b->job->refreshing = true;
        if (refresh_devices(b) < 0)
                finish_install(b);
}

static void on_install(DBusMessage *reply, void *userdata)
{
        struct call_ref *ref = userdata;
        struct fwupd_backend *b = ref->b;
        const char *name, *message;
        _cleanup_dbus_message_ DBusMessage *m = NULL;
        const char *id;

        if (!b || !b->job)
                return;
        bool same = false;
        if (reply_failed(reply, &name, &message)) {
                map_error(b->job, name, message);
                same = !b->job->refused; /* VersionSame: nothing new was recorded */
        }
        /* what fwupd recorded: the release's version, or why the write failed */
        id = b->device.id;
        m = id && !same ? new_call("GetResults") : NULL;
        if (!m || !dbus_message_append_args(m, DBUS_TYPE_STRING, &id, DBUS_TYPE_INVALID) ||
            call_fwupd(b, m, CALL_TIMEOUT_MS, on_results) < 0) {
                b->job->refreshing = true;
                if (refresh_devices(b) < 0)
                        finish_install(b);
        }
}

static int fwupd_install(struct firmware_backend *base, const char *path,
                         firmware_install_done done, void *userdata)
{
        struct fwupd_backend *b = fwupd_of(base);
        _cleanup_dbus_message_ DBusMessage *m = NULL;
        _cleanup_close_ int fd = -1;
        DBusMessageIter args, dict, entry, variant;
        const char *id = b->device.id ? b->device.id : b->wanted_id ? b->wanted_id : "*";
        const char *key = "install-flags";
        uint64_t flags = INSTALL_ALLOW_OLDER; /* the ACS may roll firmware back */
        int r;

        if (b->job)
                return -EBUSY;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        m = new_call("Install");
        if (!m)
                return -ENOMEM;
        dbus_message_iter_init_append(m, &args);
        if (!dbus_message_iter_append_basic(&args, DBUS_TYPE_STRING, &id) ||
            !dbus_message_iter_append_basic(&args, DBUS_TYPE_UNIX_FD, &fd) ||
            !dbus_message_iter_open_container(&args, DBUS_TYPE_ARRAY, "{sv}", &dict))
                return -ENOMEM;
        if (!dbus_message_iter_open_container(&dict, DBUS_TYPE_DICT_ENTRY, NULL, &entry) ||
            !dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &key) ||
            !dbus_message_iter_open_container(&entry, DBUS_TYPE_VARIANT, "t", &variant) ||
            !dbus_message_iter_append_basic(&variant, DBUS_TYPE_UINT64, &flags) ||
            !dbus_message_iter_close_container(&entry, &variant) ||
            !dbus_message_iter_close_container(&dict, &entry) ||
            !dbus_message_iter_close_container(&args, &dict)) {
                dbus_message_iter_abandon_container_if_open(&entry, &variant);
                dbus_message_iter_abandon_container_if_open(&dict, &entry);
                dbus_message_iter_abandon_container_if_open(&args, &dict);
                return -ENOMEM;
        }
        b->job = calloc(1, sizeof(*b->job));
        if (!b->job)
                return -ENOMEM;
        b->job->done = done;
        b->job->userdata = userdata;
        snprintf(b->job->previous_version, sizeof(b->job->previous_version), "%s",
                 b->device.version ? b->device.version : "");
        /* a restart before the outcome must not take the new version for someone else's */
        const char *installing[] = {"installing", "1", NULL};
        r = update_state(b, installing);
        /* the message holds its own duplicate of fd: ours is closed on return */
        if (r >= 0)
                r = call_fwupd(b, m, INSTALL_TIMEOUT_MS, on_install);
        if (r < 0) {
                const char *clear[] = {"installing", NULL, NULL};
                (void)update_state(b, clear);
                free(TAKE_PTR(b->job));
                return r;
        }
        (void)set_last_status(b, NULL, NULL);
        backend_images_changed(base);
        log_info("Installing %s on %s through fwupd", path, id);
        return 0;
}

/* ---- signals ---- */

static void on_device_changed(struct fwupd_backend *b, DBusMessage *m)
{
        const char *id = NULL, *version = NULL, *name = NULL;
        uint64_t flags = 0;
        DBusMessageIter args;
        const struct dict_want want[] = {
                {"DeviceId", DBUS_TYPE_STRING, &id},
                {"Version", DBUS_TYPE_STRING, &version},
                {"Name", DBUS_TYPE_STRING, &name},
                {"Flags", DBUS_TYPE_UINT64, &flags},
        };

        if (!dbus_message_iter_init(m, &args))
                return;
        read_dict(&args, want, ELEMENTSOF(want));
        if (!id || !version || !b->device.id || !streq(id, b->device.id) ||
            streq(version, b->device.version))
                return;
        if (set_device(b, id, name ? name : b->device.name, version, flags) < 0)
                return;
        if (b->job || !b->base.is_ready)
                return; /* ours: the install reports it */
        log_notice("Firmware of %s changed to %s without an install of ours", b->device.name,
                   version);
        const char *kv[] = {"device_id", b->device.id, "running_version", version, NULL};
        (void)update_state(b, kv);
        struct firmware_result ok = {};
        backend_report_autonomous(&b->base, version, &ok);
}

static void on_properties_changed(struct fwupd_backend *b, DBusMessage *m)
{
        const char *iface = NULL;
        uint32_t status = UINT32_MAX, percentage = UINT32_MAX;
        DBusMessageIter args;
        const struct dict_want want[] = {
                {"Status", DBUS_TYPE_UINT32, &status},
                {"Percentage", DBUS_TYPE_UINT32, &percentage},
        };

        if (!b->job || !dbus_message_iter_init(m, &args) ||
            dbus_message_iter_get_arg_type(&args) != DBUS_TYPE_STRING)
                return;
        dbus_message_iter_get_basic(&args, &iface);
        if (!streq(iface, FWUPD_IFACE) || !dbus_message_iter_next(&args))
                return;
        read_dict(&args, want, ELEMENTSOF(want));
        if (status != UINT32_MAX)
                b->job->status = status;
        if (percentage != UINT32_MAX && percentage != b->job->percentage) {
                b->job->percentage = percentage;
                log_debug("fwupd: status %" PRIu32 ", %" PRIu32 "%%", b->job->status, percentage);
        }
}

static DBusHandlerResult on_message(DBusConnection *c, DBusMessage *m, void *userdata)
{
        struct fwupd_backend *b = userdata;

        (void)c;
        if (dbus_message_is_signal(m, FWUPD_IFACE, "DeviceChanged") &&
            streq_ptr(dbus_message_get_path(m), FWUPD_PATH))
                on_device_changed(b, m);
        else if (dbus_message_is_signal(m, "org.freedesktop.DBus.Properties",
                                        "PropertiesChanged") &&
                 streq_ptr(dbus_message_get_path(m), FWUPD_PATH))
                on_properties_changed(b, m);
        else if (dbus_message_is_signal(m, DBUS_INTERFACE_DBUS, "NameOwnerChanged")) {
                const char *name, *old_owner, *new_owner;
                if (dbus_message_get_args(m, NULL, DBUS_TYPE_STRING, &name, DBUS_TYPE_STRING,
                                          &old_owner, DBUS_TYPE_STRING, &new_owner,
                                          DBUS_TYPE_INVALID) &&
                    streq(name, FWUPD_NAME) && new_owner[0] && !b->job)
                        (void)refresh_devices(b); /* fwupd (re)started */
        }
        return DBUS_HANDLER_RESULT_NOT_YET_HANDLED; /* others on this connection see it too */
}

/* ---- the rest of the interface ---- */

static int fwupd_boot_check(struct firmware_backend *base, struct firmware_result *result)
{
        struct fwupd_backend *b = fwupd_of(base);

        if (!b->boot_outcome)
                return 0;
        *result = b->boot_result;
        return 1;
}

static void fwupd_boot_check_done(struct firmware_backend *base)
{
        struct fwupd_backend *b = fwupd_of(base);
        const char *kv[] = {"pending_version",
                            NULL,
                            "pending_boot_id",
                            NULL,
                            "device_id",
                            b->device.id,
                            "running_version",
                            b->device.version,
                            NULL};

        if (!b->boot_outcome)
                return;
        if (!b->device.id)
                kv[4] = NULL;
        (void)update_state(b, kv);
        if (b->boot_result.fault_code)
                (void)set_last_status(b, "ActivationFailed", b->boot_result.fault_string);
        else
                (void)set_last_status(b, NULL, NULL);
        b->boot_outcome = false;
        backend_images_changed(base);
}

static int fwupd_list_images(struct firmware_backend *base, struct firmware_image **images,
                             size_t *n)
{
        struct fwupd_backend *b = fwupd_of(base);
        struct firmware_image *img;
        const char *status;

        if (!b->device.id)
                return 0;
        img = calloc(1, sizeof(*img));
        if (!img)
                return -ENOMEM;
        status = b->job ? "Validating" : b->last_status ? b->last_status : "Active";
        img->name = strdup(b->device.name[0] ? b->device.name : b->device.id);
        img->version = strdup(b->device.version);
        img->status = strdup(status);
        img->boot_failure_log = strdup(b->last_log && !b->job ? b->last_log : "");
        img->available = true;
        img->active = true;
        if (!img->name || !img->version || !img->status || !img->boot_failure_log) {
                firmware_image_done(img);
                free(img);
                return -ENOMEM;
        }
        *images = img;
        *n = 1;
        return 0;
}

static int fwupd_running_version(struct firmware_backend *base, char **version)
{
        struct fwupd_backend *b = fwupd_of(base);

        if (!b->device.id || !b->device.version[0])
                return -ENOENT;
        *version = strdup(b->device.version);
        return *version ? 0 : -ENOMEM;
}

static void fwupd_free(struct firmware_backend *base)
{
        struct fwupd_backend *b = fwupd_of(base);

        for (struct call_ref *ref = b->calls; ref; ref = ref->next)
                ref->b = NULL;
        if (b->filter_added) {
                dbus_connection_remove_filter(b->bus, on_message, b);
                dbus_bus_remove_match(b->bus, MATCH_DEVICE_CHANGED, NULL);
                dbus_bus_remove_match(b->bus, MATCH_PROPERTIES, NULL);
                dbus_bus_remove_match(b->bus, MATCH_OWNER, NULL);
        }
        if (b->bus)
                dbus_connection_unref(b->bus);
        free(b->job);
        device_done(&b->device);
        free(b->state_dir);
        free(b->wanted_id);
        free(b->last_status);
        free(b->last_log);
        sd_event_unref(base->event);
        free(b);
}

static const struct firmware_backend_ops fwupd_ops = {
        .free = fwupd_free,
        .install = fwupd_install,
        .boot_check = fwupd_boot_check,
        .boot_check_done = fwupd_boot_check_done,
        .list_images = fwupd_list_images,
        .running_version = fwupd_running_version,
};

int backend_fwupd_new(sd_event *event, DBusConnection *system_bus,
                      const struct firmware_backend_config *cfg, struct firmware_backend **ret)
{
        struct fwupd_backend *b;
        int r;

        if (!cfg->state_dir || !cfg->state_dir[0])
                return -EINVAL;
        if (!dbus_connection_can_send_type(system_bus, DBUS_TYPE_UNIX_FD))
                return -EPROTONOSUPPORT; /* Install needs to pass the image as a descriptor */
        b = calloc(1, sizeof(*b));
        if (!b)
                return -ENOMEM;
        b->base.ops = &fwupd_ops;
        b->base.event = sd_event_ref(event);
        b->bus = dbus_connection_ref(system_bus);
        b->state_dir = strdup(cfg->state_dir);
        b->wanted_id = cfg->fwupd_device_id && cfg->fwupd_device_id[0]
                               ? strdup(cfg->fwupd_device_id)
                               : NULL;
        if (!b->state_dir || (cfg->fwupd_device_id && cfg->fwupd_device_id[0] && !b->wanted_id)) {
                r = -ENOMEM;
                goto fail;
        }
        r = store_mkdir_p(b->state_dir);
        if (r < 0)
                goto fail;
        if (!dbus_connection_add_filter(system_bus, on_message, b, NULL)) {
                r = -ENOMEM;
                goto fail;
        }
        b->filter_added = true;
        /* without an error argument these do not wait for the bus */
        dbus_bus_add_match(system_bus, MATCH_DEVICE_CHANGED, NULL);
        dbus_bus_add_match(system_bus, MATCH_PROPERTIES, NULL);
        dbus_bus_add_match(system_bus, MATCH_OWNER, NULL);
        r = refresh_devices(b);
        if (r < 0)
                goto fail;
        *ret = &b->base;
        return 0;
fail:
        fwupd_free(&b->base);
        return r;
}
