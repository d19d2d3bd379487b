/* SPDX-License-Identifier: MIT */
/* The identity values of Device.DeviceInfo.: configured, else derived from the system. */
#include <errno.h>
#include <stdio.h>

#include "deviceinfo-internal.h"

#define SMALL_FILE_MAX 4096u

/* Reads prefix+suffix as one value. -ENOENT (or another read error) when unreadable,
 * -ENODATA when it holds nothing or a firmware placeholder. */
static int read_value(const char *prefix, const char *suffix, size_t max_chars, char **ret)
{
        _cleanup_free_ char *path = deviceinfo_path(prefix, suffix);
        if (!path)
                return -ENOMEM;
        _cleanup_free_ char *data = NULL;
        size_t len;
        int r = deviceinfo_read_file(path, SMALL_FILE_MAX, &data, &len);
        if (r < 0)
                return r;
        _cleanup_free_ char *value = NULL;
        r = deviceinfo_text_clean(data, len, max_chars, &value);
        if (r < 0)
                return r;
        if (deviceinfo_text_is_placeholder(value))
                return -ENODATA;
        *ret = TAKE_PTR(value);
        return 0;
}

/* One value of an os-release file (shell-like KEY=VALUE lines, see os-release(5)), unquoted.
 * -ENOENT if absent. */
static int os_release_value(const char *data, const char *key, char **ret)
{
        size_t key_len = strlen(key);
        for (const char *line = data; *line;) {
                const char *eol = strchrnul(line, '\n');
                const char *next = *eol ? eol + 1 : eol;
                if ((size_t)(eol - line) <= key_len || strncmp(line, key, key_len) != 0 ||
                    line[key_len] != '=') {
                        line = next;
                        continue;
                }

                const char *v = line + key_len + 1;
                _cleanup_free_ char *out = malloc((size_t)(eol - v) + 1);
                if (!out)
                        return -ENOMEM;
                size_t o = 0;
                if (*v == '"' || *v == '\'') {
                        char quote = *v++;
                        for (; v < eol && *v != quote; v++) {
                                /* Inside double quotes, backslash escapes \ " $ and `. */
                                if (quote == '"' && *v == '\\' && v + 1 < eol &&
                                    strchr("\\\"$`", v[1]))
                                        v++;
                                out[o++] = *v;
                        }
                } else {
                        while (v < eol)
                                out[o++] = *v++;
                        while (o > 0 && (out[o - 1] == ' ' || out[o - 1] == '\t'))
                                o--;
                }
                out[o] = '\0';
                *ret = TAKE_PTR(out);
                return 0;
        }
        return -ENOENT;
}

/* IMAGE_VERSION names the image an image-based box runs (what a firmware download
 * changes), VERSION_ID the distribution release, PRETTY_NAME is the last resort. */
static int software_version(const char *etc, char **ret)
{
        static const char *const files[] = {"/os-release", "/../usr/lib/os-release"};
        static const char *const keys[] = {"IMAGE_VERSION", "VERSION_ID", "PRETTY_NAME"};
        _cleanup_free_ char *data = NULL;
        int r = -ENOENT;

        for (size_t i = 0; i < ELEMENTSOF(files) && r == -ENOENT; i++) {
                _cleanup_free_ char *path = deviceinfo_path(etc, files[i]);
                if (!path)
                        return -ENOMEM;
                r = deviceinfo_read_file(path, SMALL_FILE_MAX, &data, NULL);
        }
        if (r < 0)
                return r;

        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                _cleanup_free_ char *raw = NULL, *value = NULL;
                r = os_release_value(data, keys[i], &raw);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                r = deviceinfo_text_clean(raw, strlen(raw), DEVICEINFO_SHORT_MAX, &value);
                if (r < 0)
                        return r;
                if (value[0] != '\0') {
                        *ret = TAKE_PTR(value);
                        return 0;
                }
        }
        return -ENODATA;
}

/* The running kernel as one item of a list: "Linux <release>". */
static int kernel_version(const char *proc, char **ret)
{
        _cleanup_free_ char *release = NULL;
        int r = read_value(proc, "/sys/kernel/osrelease", DEVICEINFO_SHORT_MAX, &release);
        if (r < 0)
                return r;
        _cleanup_free_ char *item = deviceinfo_path("Linux ", release);
        if (!item)
                return -ENOMEM;
        /* The list as a whole is limited to 64 characters; a release has no commas. */
        return deviceinfo_text_clean(item, strlen(item), DEVICEINFO_SHORT_MAX, ret);
}

static int oui_normalize(const char *s, char **ret)
{
        if (strlen(s) != 6)
                return -EINVAL;
        char *out = strdup(s);
        if (!out)
                return -ENOMEM;
        for (char *p = out; *p; p++) {
                if (*p >= 'a' && *p <= 'f')
                        *p = (char)(*p - 'a' + 'A');
                if (!((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'F'))) {
                        free(out);
                        return -EINVAL;
                }
        }
        *ret = out;
        return 0;
}

/* A configured value, cut to size. -ENODATA when not configured. */
static int configured(const char *setting, size_t max_chars, char **ret)
{
        if (!setting || setting[0] == '\0')
                return -ENODATA;
        return deviceinfo_text_clean(setting, strlen(setting), max_chars, ret);
}

/* The first source that has a value wins; a source that fails with anything other than
 * "no value here" (allocation, I/O) fails the whole load. */
static bool no_value(int r)
{
        return r == -ENODATA || r == -ENOENT || r == -EACCES || r == -EPERM || r == -EINVAL ||
               r == -ENOTDIR;
}

int deviceinfo_identity_load(const struct deviceinfo_settings *s, const char *proc, const char *sys,
                             const char *etc, char *values[_DEVICEINFO_IDENTITY_MAX])
{
        static const struct deviceinfo_settings none = {0};
        char **v = values;
        int r;

        if (!s)
                s = &none;
        for (size_t i = 0; i < _DEVICEINFO_IDENTITY_MAX; i++)
                v[i] = NULL;

        r = configured(s->manufacturer, DEVICEINFO_SHORT_MAX, &v[DEVICEINFO_MANUFACTURER]);
        if (no_value(r))
                r = read_value(sys, "/class/dmi/id/sys_vendor", DEVICEINFO_SHORT_MAX,
                               &v[DEVICEINFO_MANUFACTURER]);
        if (r < 0 && !no_value(r))
                goto fail;

        if (s->manufacturer_oui && s->manufacturer_oui[0] != '\0') {
                r = oui_normalize(s->manufacturer_oui, &v[DEVICEINFO_MANUFACTURER_OUI]);
                if (r < 0)
                        goto fail; /* a caller that bypassed the config parser */
        } else {
                v[DEVICEINFO_MANUFACTURER_OUI] = strdup(DEVICEINFO_DEFAULT_OUI);
                if (!v[DEVICEINFO_MANUFACTURER_OUI]) {
                        r = -ENOMEM;
                        goto fail;
                }
        }

        r = configured(s->model_name, DEVICEINFO_SHORT_MAX, &v[DEVICEINFO_MODEL_NAME]);
        if (no_value(r))
                r = read_value(sys, "/class/dmi/id/product_name", DEVICEINFO_SHORT_MAX,
                               &v[DEVICEINFO_MODEL_NAME]);
        if (no_value(r))
                r = read_value(proc, "/device-tree/model", DEVICEINFO_SHORT_MAX,
                               &v[DEVICEINFO_MODEL_NAME]);
        if (r < 0 && !no_value(r))
                goto fail;

        r = configured(s->description, DEVICEINFO_DESCRIPTION_MAX, &v[DEVICEINFO_DESCRIPTION]);
        if (r < 0 && !no_value(r))
                goto fail;

        r = configured(s->product_class, DEVICEINFO_SHORT_MAX, &v[DEVICEINFO_PRODUCT_CLASS]);
        if (no_value(r) && v[DEVICEINFO_MODEL_NAME])
                r = configured(v[DEVICEINFO_MODEL_NAME], DEVICEINFO_SHORT_MAX,
                               &v[DEVICEINFO_PRODUCT_CLASS]);
        if (r < 0 && !no_value(r))
                goto fail;

        r = configured(s->serial_number, DEVICEINFO_SHORT_MAX, &v[DEVICEINFO_SERIAL_NUMBER]);
        if (no_value(r))
                r = read_value(sys, "/class/dmi/id/product_serial", DEVICEINFO_SHORT_MAX,
                               &v[DEVICEINFO_SERIAL_NUMBER]);
        if (no_value(r))
                r = deviceinfo_machine_serial(etc, &v[DEVICEINFO_SERIAL_NUMBER]);
        if (r < 0 && !no_value(r))
                goto fail;

        r = configured(s->hardware_version, DEVICEINFO_SHORT_MAX, &v[DEVICEINFO_HARDWARE_VERSION]);
        if (no_value(r))
                r = read_value(sys, "/class/dmi/id/product_version", DEVICEINFO_SHORT_MAX,
                               &v[DEVICEINFO_HARDWARE_VERSION]);
        if (r < 0 && !no_value(r))
                goto fail;

        r = configured(s->software_version, DEVICEINFO_SHORT_MAX, &v[DEVICEINFO_SOFTWARE_VERSION]);
        if (no_value(r))
                r = software_version(etc, &v[DEVICEINFO_SOFTWARE_VERSION]);
        if (r < 0 && !no_value(r))
                goto fail;

        r = kernel_version(proc, &v[DEVICEINFO_ADDITIONAL_SOFTWARE_VERSION]);
        if (r < 0 && !no_value(r))
                goto fail;

        /* Whatever had no source reads "". */
        for (size_t i = 0; i < _DEVICEINFO_IDENTITY_MAX; i++)
                if (!v[i] && !(v[i] = strdup(""))) {
                        r = -ENOMEM;
                        goto fail;
                }
        return 0;

fail:
        for (size_t i = 0; i < _DEVICEINFO_IDENTITY_MAX; i++) {
                free(v[i]);
                v[i] = NULL;
        }
        return r;
}

int deviceinfo_read_software_version_file(const char *path, char **ret)
{
        _cleanup_free_ char *data = NULL;
        size_t len;
        int r = deviceinfo_read_file(path, SMALL_FILE_MAX, &data, &len);
        if (r < 0)
                return r;
        len = strcspn(data, "\n");
        _cleanup_free_ char *value = NULL;
        r = deviceinfo_text_clean(data, len, DEVICEINFO_SHORT_MAX, &value);
        if (r < 0)
                return r;
        if (value[0] == '\0')
                return -ENODATA;
        *ret = TAKE_PTR(value);
        return 0;
}
