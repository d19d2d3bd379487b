/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cwmp/provider.h"
#include "firmware-provider.h"
#include "kvmap.h"
#include "log.h"
#include "store.h"
#include "util.h"

#define TABLE         "Device.DeviceInfo.FirmwareImage."
#define SCHEMA_FILE   "40-firmware.schema"
#define OBJECT_PATH   "/io/cwmp/Firmware/FirmwareImage"
#define PROVIDER_FILE "firmware-provider.state"
#define IMAGES_FILE   "firmware-images.state"
#define VERSION_FILE  "software-version"
#define ACTIVE_FILE   "active-firmware-image"

struct firmware_provider {
        struct firmware_backend *backend;
        cwmp_provider *provider;
        char *state_dir, *images_path, *version_path, *active_path;
        /* instance number -> "false": images the ACS made unavailable */
        struct kvmap *unavailable;
        /* the rows last reported, to tell what changed */
        struct firmware_image *images;
        size_t n_images;
        char *transfer_status;
        bool started;
};

static void images_free(struct firmware_image *v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                firmware_image_done(&v[i]);
        free(v);
}

static char *join(const char *dir, const char *file)
{
        char *p;
        return asprintf(&p, "%s/%s", dir, file) < 0 ? NULL : p;
}

/* "Device.DeviceInfo.FirmwareImage.<n>.<param>" -> n and param; 0 if not such a name. */
static uint32_t parse_name(const char *name, const char **param)
{
        const char *p;
        char *end;
        unsigned long n;

        if (!startswith(name, TABLE))
                return 0;
        p = name + strlen(TABLE);
        if (*p < '1' || *p > '9')
                return 0;
        errno = 0;
        n = strtoul(p, &end, 10);
        if (errno || n > UINT32_MAX || *end != '.')
                return 0;
        *param = end + 1;
        return (uint32_t)n;
}

static bool marked_unavailable(struct firmware_provider *fp, uint32_t n)
{
        char key[24];

        snprintf(key, sizeof(key), "%" PRIu32, n);
        return kvmap_get(fp->unavailable, key) != NULL;
}

/* The row whose Status a transfer in progress replaces: the image the next install writes,
 * the first one not running. */
static size_t transfer_row(const struct firmware_image *v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (!v[i].active)
                        return i;
        return 0;
}

/* The value of one parameter of row i (0-based) as dmd shows it; `status` is the transfer's
 * Status for its row, or NULL. */
static const char *row_value(struct firmware_provider *fp, const struct firmware_image *v, size_t n,
                             size_t i, const char *param, const char *status)
{
        if (streq(param, "Name"))
                return v[i].name;
        if (streq(param, "Version"))
                return v[i].version;
        if (streq(param, "Available"))
                return v[i].available && !marked_unavailable(fp, (uint32_t)i + 1) ? "true"
                                                                                  : "false";
        if (streq(param, "Status")) {
                if (status && i == transfer_row(v, n))
                        return status;
                return v[i].status;
        }
        if (streq(param, "BootFailureLog"))
                return v[i].boot_failure_log;
        return NULL;
}

static const char *const live_params[] = {"Name", "Version", "Available", "Status",
                                          "BootFailureLog"};

/* ---- provider callbacks ---- */

static int on_get(cwmp_provider *p, const char *name, char **value, void *userdata)
{
        struct firmware_provider *fp = userdata;
        struct firmware_image *v = NULL;
        const char *param, *text;
        size_t n = 0;
        uint32_t i;
        int r;

        (void)p;
        i = parse_name(name, &param);
        if (i == 0)
                return -ENOENT;
        r = firmware_backend_list_images(fp->backend, &v, &n);
        if (r < 0)
                return r;
        text = i <= n ? row_value(fp, v, n, i - 1, param, fp->transfer_status) : NULL;
        *value = text ? strdup(text) : NULL;
        images_free(v, n);
        if (!text)
                return -ENOENT;
        return *value ? 0 : -ENOMEM;
}

static int on_list_instances(cwmp_provider *p, const char *table, uint32_t **instances,
                             size_t *n_instances, void *userdata)
{
        struct firmware_provider *fp = userdata;
        struct firmware_image *v = NULL;
        uint32_t *numbers;
        size_t n = 0;
        int r;

        (void)p;
        if (!streq(table, TABLE))
                return -ENOENT;
        r = firmware_backend_list_images(fp->backend, &v, &n);
        if (r < 0)
                return r;
        images_free(v, n);
        numbers = calloc(n ? n : 1, sizeof(*numbers));
        if (!numbers)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                numbers[i] = (uint32_t)i + 1;
        *instances = numbers;
        *n_instances = n;
        return 0;
}

static int on_validate(cwmp_provider *p, const char *name, const char *value, void *userdata)
{
        struct firmware_provider *fp = userdata;
        struct firmware_image *v = NULL;
        const char *param;
        size_t n = 0;
        uint32_t i;
        int r;

        (void)p;
        i = parse_name(name, &param);
        if (i == 0 || !streq(param, "Available"))
                return 0;
        if (!streq(value, "false") && !streq(value, "0"))
                return 0;
        r = firmware_backend_list_images(fp->backend, &v, &n);
        if (r < 0)
                return r;
        /* the running image cannot be taken away */
        r = i <= n && v[i - 1].active ? -EINVAL : 0;
        images_free(v, n);
        return r;
}

static int save_unavailable(struct firmware_provider *fp, const struct kvmap *m)
{
        return store_save(fp->images_path, m);
}

static int on_apply(cwmp_provider *p, const struct cwmp_value *values, size_t n, void *userdata)
{
        struct firmware_provider *fp = userdata;
        _cleanup_kvmap_ struct kvmap *next = kvmap_new();
        bool changed = false;
        int r;

        (void)p;
        if (!next)
                return -ENOMEM;
        r = kvmap_copy(fp->unavailable, next);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                const char *param;
                uint32_t number = parse_name(values[i].name, &param);
                char key[24];

                if (number == 0 || !streq(param, "Available"))
                        continue;
                snprintf(key, sizeof(key), "%" PRIu32, number);
                if (streq(values[i].value, "false") || streq(values[i].value, "0"))
                        r = kvmap_set(next, key, "false");
                else
                        r = kvmap_remove(next, key) == -ENOMEM ? -ENOMEM : 0;
                if (r < 0)
                        return r;
                changed = true;
        }
        if (!changed)
                return 0;
        r = save_unavailable(fp, next);
        if (r < 0)
                return r;
        kvmap_free(fp->unavailable);
        fp->unavailable = TAKE_PTR(next);
        return 0;
}

static const struct cwmp_provider_ops ops = {
        .get = on_get,
        .list_instances = on_list_instances,
        .validate = on_validate,
        .apply = on_apply,
};

/* ---- change reports ---- */

/* Replaces `path` with `text` and a newline, unless it holds that already. */
static int write_line(const char *path, const char *text)
{
        _cleanup_free_ char *old = NULL, *line = NULL;
        size_t len = 0;

        if (asprintf(&line, "%s\n", text) < 0) {
                line = NULL;
                return -ENOMEM;
        }
        if (store_read_file(path, 4096, &old, &len) >= 0 && streq(old, line))
                return 0;
        return store_write_atomic(path, line, strlen(line));
}

static int write_software_version(struct firmware_provider *fp)
{
        _cleanup_free_ char *version = NULL;
        int r;

        r = firmware_backend_running_version(fp->backend, &version);
        if (r < 0)
                return r == -ENOENT ? 0 : r; /* not known (yet): keep the last one */
        return write_line(fp->version_path, version);
}

/* Device.DeviceInfo.ActiveFirmwareImage is dmd's: it reads the row's path from here. */
static int write_active_image(struct firmware_provider *fp, const struct firmware_image *v,
                              size_t n)
{
        char path[64];

        for (size_t i = 0; i < n; i++)
                if (v[i].active) {
                        snprintf(path, sizeof(path), TABLE "%zu", i + 1);
                        return write_line(fp->active_path, path);
                }
        return 0;
}

/* Rows with no stored Alias get one ("cpe-<n>", as TR-181 wants agent-chosen aliases). */
static int fill_aliases(struct firmware_provider *fp, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                char name[96], alias[32];
                const char *stored;

                snprintf(name, sizeof(name), TABLE "%zu.Alias", i + 1);
                stored = cwmp_provider_get_stored(fp->provider, name);
                if (stored && stored[0])
                        continue;
                snprintf(alias, sizeof(alias), "cpe-%zu", i + 1);
                struct cwmp_value v = {name, alias};
                int r = cwmp_provider_notify_changes(fp->provider, &v, 1);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* A new image in a row (its version changed) is available again unless said otherwise. */
static void forget_unavailable(struct firmware_provider *fp, size_t i)
{
        char key[24];

        snprintf(key, sizeof(key), "%zu", i + 1);
        if (kvmap_get(fp->unavailable, key)) {
                (void)kvmap_remove(fp->unavailable, key);
                (void)save_unavailable(fp, fp->unavailable);
        }
}

int firmware_provider_images_changed(struct firmware_provider *fp)
{
        struct firmware_image *v = NULL;
        struct cwmp_value *changes = NULL;
        _cleanup_free_ char *names = NULL;
        size_t n = 0, n_changes = 0, name_len = 96;
        int r;

        if (!fp)
                return -EINVAL;
        r = write_software_version(fp);
        if (r < 0)
                log_warning("Cannot write %s: %s", fp->version_path, strerror(-r));
        r = firmware_backend_list_images(fp->backend, &v, &n);
        if (r < 0)
                return r;
        r = write_active_image(fp, v, n);
        if (r < 0)
                log_warning("Cannot write %s: %s", fp->active_path, strerror(-r));
        /* the backend's own Status takes over from the transfer's */
        free(fp->transfer_status);
        fp->transfer_status = NULL;
        if (!fp->started) {
                images_free(fp->images, fp->n_images);
                fp->images = v;
                fp->n_images = n;
                return 0;
        }
        for (size_t i = 0; i < n && i < fp->n_images; i++)
                if (!streq(v[i].version, fp->images[i].version))
                        forget_unavailable(fp, i);

        /* what differs from the last report, for the rows both lists have */
        changes = calloc(n * ELEMENTSOF(live_params) + 1, sizeof(*changes));
        names = calloc(n * ELEMENTSOF(live_params) + 1, name_len);
        if (!changes || !names) {
                r = -ENOMEM;
                goto out;
        }
        for (size_t i = 0; i < n && i < fp->n_images; i++)
                for (size_t k = 0; k < ELEMENTSOF(live_params); k++) {
                        const char *now = row_value(fp, v, n, i, live_params[k], NULL);
                        const char *before =
                                row_value(fp, fp->images, fp->n_images, i, live_params[k], NULL);
                        char *name = names + n_changes * name_len;

                        if (streq_ptr(now, before))
                                continue;
                        snprintf(name, name_len, TABLE "%zu.%s", i + 1, live_params[k]);
                        changes[n_changes++] = (struct cwmp_value){name, now};
                }
        r = n_changes ? cwmp_provider_notify_changes(fp->provider, changes, n_changes) : 0;
        if (r >= 0 && n != fp->n_images)
                r = fill_aliases(fp, n);
out:
        free(changes);
        images_free(fp->images, fp->n_images);
        fp->images = v;
        fp->n_images = n;
        return r;
}

static void on_images_changed(struct firmware_backend *b, void *userdata)
{
        struct firmware_provider *fp = userdata;
        int r;

        (void)b;
        r = firmware_provider_images_changed(fp);
        if (r < 0)
                log_warning("Cannot report firmware image changes: %s", strerror(-r));
}

int firmware_provider_set_transfer_status(struct firmware_provider *fp, const char *status)
{
        struct firmware_image *v = NULL;
        char *copy = NULL;
        size_t n = 0;
        int r;

        if (!fp)
                return -EINVAL;
        if (status && !(copy = strdup(status)))
                return -ENOMEM;
        free(fp->transfer_status);
        fp->transfer_status = copy;
        if (!fp->started)
                return 0;
        r = firmware_backend_list_images(fp->backend, &v, &n);
        if (r < 0)
                return r;
        if (n > 0) {
                size_t i = transfer_row(v, n);
                const char *shown = row_value(fp, v, n, i, "Status", fp->transfer_status);
                const char *before = i < fp->n_images ? fp->images[i].status : NULL;
                char name[96], *kept = strdup(shown);

                if (!kept) {
                        images_free(v, n);
                        return -ENOMEM;
                }
                snprintf(name, sizeof(name), TABLE "%zu.Status", i + 1);
                struct cwmp_value change = {name, kept};
                if (!streq_ptr(before, kept))
                        r = cwmp_provider_notify_changes(fp->provider, &change, 1);
                /* the snapshot holds what was reported */
                free(v[i].status);
                v[i].status = kept;
        }
        images_free(fp->images, fp->n_images);
        fp->images = v;
        fp->n_images = n;
        return r < 0 ? r : 0;
}

const char *firmware_provider_software_version_path(struct firmware_provider *fp)
{
        return fp ? fp->version_path : NULL;
}

/* ---- life cycle ---- */

int firmware_provider_new(sd_event *event, DBusConnection *bus, struct firmware_backend *backend,
                          const char *schema_dir, const char *state_dir,
                          struct firmware_provider **ret)
{
        struct firmware_provider *fp;
        _cleanup_free_ char *schema = NULL, *provider_state = NULL;
        int r;

        if (!event || !bus || !backend || !schema_dir || !state_dir || !ret)
                return -EINVAL;
        fp = calloc(1, sizeof(*fp));
        if (!fp)
                return -ENOMEM;
        fp->backend = backend;
        fp->state_dir = strdup(state_dir);
        fp->images_path = join(state_dir, IMAGES_FILE);
        fp->version_path = join(state_dir, VERSION_FILE);
        fp->active_path = join(state_dir, ACTIVE_FILE);
        fp->unavailable = kvmap_new();
        schema = join(schema_dir, SCHEMA_FILE);
        provider_state = join(state_dir, PROVIDER_FILE);
        if (!fp->state_dir || !fp->images_path || !fp->version_path || !fp->active_path ||
            !fp->unavailable || !schema || !provider_state) {
                r = -ENOMEM;
                goto fail;
        }
        r = store_mkdir_p(state_dir);
        if (r < 0)
                goto fail;
        r = store_load(fp->images_path, fp->unavailable, NULL);
        if (r < 0 && r != -ENOENT) {
                log_warning("Ignoring damaged %s: %s", fp->images_path, strerror(-r));
                kvmap_clear(fp->unavailable);
        }
        r = cwmp_provider_new(event, bus, OBJECT_PATH, &fp->provider);
        if (r >= 0)
                r = cwmp_provider_load_schema(fp->provider, schema);
        if (r >= 0)
                r = cwmp_provider_add_subtree(fp->provider, TABLE);
        if (r >= 0)
                r = cwmp_provider_set_state_file(fp->provider, provider_state);
        if (r < 0)
                goto fail;
        cwmp_provider_set_ops(fp->provider, &ops, fp);
        *ret = fp;
        return 0;
fail:
        firmware_provider_free(fp);
        return r;
}

int firmware_provider_start(struct firmware_provider *fp)
{
        int r;

        if (!fp)
                return -EINVAL;
        r = cwmp_provider_start(fp->provider);
        if (r < 0)
                return r;
        (void)firmware_provider_images_changed(fp); /* snapshot and software-version */
        fp->started = true;
        firmware_backend_set_images_changed_handler(fp->backend, on_images_changed, fp);
        r = fill_aliases(fp, fp->n_images);
        if (r < 0)
                log_warning("Cannot store the firmware images' aliases: %s", strerror(-r));
        return 0;
}

void firmware_provider_free(struct firmware_provider *fp)
{
        if (!fp)
                return;
        if (fp->started)
                firmware_backend_set_images_changed_handler(fp->backend, NULL, NULL);
        cwmp_provider_free(fp->provider);
        images_free(fp->images, fp->n_images);
        kvmap_free(fp->unavailable);
        free(fp->state_dir);
        free(fp->images_path);
        free(fp->version_path);
        free(fp->active_path);
        free(fp->transfer_status);
        free(fp);
}
