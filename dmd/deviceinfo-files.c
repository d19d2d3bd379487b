/* SPDX-License-Identifier: MIT */
/* Device.DeviceInfo.VendorConfigFile.{i}. and VendorLogFile.{i}.: the files the
 * configuration names, as far as they exist. */
#include <errno.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "deviceinfo-internal.h"
#include "types.h"

void deviceinfo_vendor_files_done(struct deviceinfo_vendor_file *v, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(v[i].path);
                free(v[i].extra);
        }
        free(v);
}

int deviceinfo_vendor_file_parse(const char *value, bool is_log, struct deviceinfo_vendor_file *ret,
                                 const char **reason)
{
        size_t plen = strcspn(value, " \t");
        const char *rest = value + plen;
        rest += strspn(rest, " \t");

        if (value[0] != '/' || plen < 2) {
                *reason = "not an absolute path";
                return -EINVAL;
        }
        if (!deviceinfo_text_valid(value, SIZE_MAX)) {
                *reason = "not valid UTF-8 text";
                return -EINVAL;
        }
        struct deviceinfo_vendor_file f = {};
        if (is_log && rest[0] != '\0') {
                uint32_t size;
                if (cw_parse_uint32(rest, &size) < 0) {
                        *reason = "the maximum size is not a number of bytes";
                        return -EINVAL;
                }
                f.max_size = size;
        } else if (!is_log && !deviceinfo_text_valid(rest, DEVICEINFO_DESCRIPTION_MAX)) {
                *reason = "description longer than 256 characters";
                return -ERANGE;
        }
        f.path = strndup(value, plen);
        f.extra = strdup(is_log ? "" : rest);
        if (!f.path || !f.extra) {
                free(f.path);
                free(f.extra);
                *reason = "out of memory";
                return -ENOMEM;
        }
        *ret = f;
        return 0;
}

int deviceinfo_file_name(const char *path, char **ret)
{
        /* TR-181 suggests the full path; a path too long for Name(64) gives its last part. */
        const char *name = path;
        if (strlen(path) > DEVICEINFO_SHORT_MAX) {
                const char *slash = strrchr(path, '/');
                name = slash && slash[1] ? slash + 1 : path;
        }
        return deviceinfo_text_clean(name, strlen(name), DEVICEINFO_SHORT_MAX, ret);
}

int deviceinfo_file_date(const char *path, char **ret)
{
        struct stat st;
        struct tm tm;
        char buf[32];

        if (stat(path, &st) < 0)
                return -errno;
        if (!gmtime_r(&st.st_mtim.tv_sec, &tm) ||
            strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                return -EINVAL;
        *ret = strdup(buf);
        return *ret ? 0 : -ENOMEM;
}

int deviceinfo_file_persistent(const char *path, bool *ret)
{
        struct statfs st;
        if (statfs(path, &st) < 0)
                return -errno;
        /* What a reboot empties. */
        *ret = st.f_type != TMPFS_MAGIC && st.f_type != RAMFS_MAGIC;
        return 0;
}

bool deviceinfo_file_exists(const char *path)
{
        struct stat st;
        return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}
