/* SPDX-License-Identifier: MIT */
/* Device.SoftwareModules.: the Linux system and the packages installed on it. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <time.h>

#include "builtin-table.h"
#include "instance-map.h"
#include "log.h"
#include "software-modules.h"
#include "store.h"

#define PREFIX        "Device.SoftwareModules."
#define EXEC_ENV      PREFIX "ExecEnv."
#define EXEC_ENV_ROW  EXEC_ENV "1"
#define DU_TABLE      PREFIX "DeploymentUnit."
#define SMALL_FILE    (64u * 1024u)
#define INT_KIB_LIMIT 2147483647ull /* TR-181's int */

static const char *const default_status_files[] = {
        "/var/lib/dpkg/status",
        "/var/lib/opkg/status",
        "/usr/lib/opkg/status",
};

struct software_modules {
        char *proc, *etc, *root, *status_file;
        software_modules_processors_fn processors;
        void *userdata;
        struct instance_map numbers;
        /* The last parse: the strings the packages point into, their numbers, and their
         * indices in instance order. */
        char *text;
        struct package_list packages;
        uint32_t *instances;
        size_t *order;
        /* What the file looked like then. */
        bool loaded;
        dev_t dev;
        ino_t ino;
        off_t size;
        struct timespec mtime;
        uint64_t checked_usec;
};

int software_modules_new(const struct software_modules_paths *paths,
                         software_modules_processors_fn processors, void *userdata,
                         struct software_modules **ret)
{
        _cleanup_free_ char *map = NULL;
        struct software_modules *s = calloc(1, sizeof(*s));
        int r = -ENOMEM;

        if (!s)
                return -ENOMEM;
        s->processors = processors;
        s->userdata = userdata;
        s->proc = strdup(paths && paths->proc ? paths->proc : "/proc");
        s->etc = strdup(paths && paths->etc ? paths->etc : "/etc");
        s->root = strdup(paths && paths->root ? paths->root : "/");
        if (paths && paths->status_file)
                s->status_file = strdup(paths->status_file);
        if (paths && paths->state_dir &&
            asprintf(&map, "%s/" SOFTWARE_MODULES_STATE_FILE, paths->state_dir) < 0)
                map = NULL;
        else if (s->proc && s->etc && s->root && (!paths || !paths->status_file || s->status_file))
                r = instance_map_init(&s->numbers, map);
        if (r < 0) {
                software_modules_free(s);
                return r;
        }
        *ret = s;
        return 0;
}

static void forget(struct software_modules *s)
{
        free(s->packages.v);
        free(s->text);
        free(s->instances);
        free(s->order);
        s->packages = (struct package_list){};
        s->text = NULL;
        s->instances = NULL;
        s->order = NULL;
}

void software_modules_free(struct software_modules *s)
{
        if (!s)
                return;
        forget(s);
        instance_map_done(&s->numbers);
        free(s->proc);
        free(s->etc);
        free(s->root);
        free(s->status_file);
        free(s);
}

/* ---- the status file ------------------------------------------------------------------- */

static int by_name(const void *a, const void *b, void *arg)
{
        const struct package *v = arg;
        return strcmp(v[*(const size_t *)a].name, v[*(const size_t *)b].name);
}

static int by_instance(const void *a, const void *b, void *arg)
{
        const uint32_t *v = arg;
        uint32_t x = v[*(const size_t *)a], y = v[*(const size_t *)b];
        return x < y ? -1 : x > y;
}

/* Numbers the packages (by name and architecture) and indexes them by number. */
static int number(struct software_modules *s, struct package_list *l, uint32_t **ret_instances,
                  size_t **ret_order)
{
        _cleanup_free_ uint32_t *instances = calloc(l->n ? l->n : 1, sizeof(*instances));
        _cleanup_free_ size_t *order = calloc(l->n ? l->n : 1, sizeof(*order));
        if (!instances || !order)
                return -ENOMEM;
        for (size_t i = 0; i < l->n; i++)
                order[i] = i;
        qsort_r(order, l->n, sizeof(*order), by_name, l->v);
        for (size_t i = 1; i < l->n; i++)
                if (streq(l->v[order[i]].name, l->v[order[i - 1]].name))
                        l->v[order[i]].shared_name = l->v[order[i - 1]].shared_name = true;
        for (size_t i = 0; i < l->n; i++) {
                _cleanup_free_ char *key = NULL;
                const char *arch = l->v[i].architecture;
                if (asprintf(&key, "%s:%s", l->v[i].name, arch ? arch : "") < 0)
                        return -ENOMEM;
                instances[i] = instance_map_get(&s->numbers, key);
                if (instances[i] == 0)
                        return -ENOMEM;
        }
        qsort_r(order, l->n, sizeof(*order), by_instance, instances);
        *ret_instances = TAKE_PTR(instances);
        *ret_order = TAKE_PTR(order);
        return 0;
}

/* The packages' strings moved out of the status text into one buffer of their own: the
 * long descriptions, most of the text, are not kept. */
static int compact(struct package_list *l, char **ret)
{
        size_t size = 1;
        for (size_t i = 0; i < l->n; i++) {
                const struct package *p = &l->v[i];
                const char *const fields[] = {p->name, p->version, p->architecture, p->maintainer,
                                              p->synopsis};
                for (size_t k = 0; k < ELEMENTSOF(fields); k++)
                        size += fields[k] ? strlen(fields[k]) + 1 : 0;
        }
        char *buf = malloc(size), *at = buf;
        if (!buf)
                return -ENOMEM;
        for (size_t i = 0; i < l->n; i++) {
                struct package *p = &l->v[i];
                const char **fields[] = {&p->name, &p->version, &p->architecture, &p->maintainer,
                                         &p->synopsis};
                for (size_t k = 0; k < ELEMENTSOF(fields); k++)
                        if (*fields[k]) {
                                at = stpcpy(at, *fields[k]);
                                *fields[k] = at - strlen(*fields[k]);
                                at++;
                        }
        }
        *ret = buf;
        return 0;
}

static const char *status_path(struct software_modules *s, struct stat *st)
{
        if (s->status_file)
                return stat(s->status_file, st) == 0 ? s->status_file : NULL;
        for (size_t i = 0; i < ELEMENTSOF(default_status_files); i++)
                if (stat(default_status_files[i], st) == 0)
                        return default_status_files[i];
        return NULL;
}

static bool unchanged(const struct software_modules *s, const struct stat *st)
{
        return s->loaded && s->dev == st->st_dev && s->ino == st->st_ino &&
               s->size == st->st_size && s->mtime.tv_sec == st->st_mtim.tv_sec &&
               s->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

static int refresh(struct software_modules *s)
{
        struct package_list l = {};
        _cleanup_free_ char *text = NULL;
        _cleanup_free_ uint32_t *instances = NULL;
        _cleanup_free_ size_t *order = NULL;
        struct stat st = {};
        uint64_t now = table_now_usec();
        int r;

        if (s->loaded && now - s->checked_usec < SOFTWARE_MODULES_CHECK_USEC)
                return 0;
        const char *path = status_path(s, &st);
        if (path && unchanged(s, &st)) {
                s->checked_usec = now;
                return 0;
        }
        if (path) {
                r = store_read_file(path, SOFTWARE_MODULES_STATUS_MAX, &text, NULL);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        log_debug_errno(r, "Failed to read %s: %m", path);
                else {
                        r = software_modules_parse_status(text, &l);
                        if (r < 0)
                                return r;
                        char *strings;
                        r = compact(&l, &strings);
                        if (r < 0) {
                                free(l.v);
                                return r;
                        }
                        free(text);
                        text = strings;
                }
        }
        r = number(s, &l, &instances, &order);
        if (r < 0) {
                free(l.v);
                return r;
        }
        r = instance_map_save(&s->numbers);
        if (r < 0)
                log_warning_errno(r, "Failed to save the Deployment Units' numbering: %m");
        forget(s);
        s->text = TAKE_PTR(text);
        s->packages = l;
        s->instances = TAKE_PTR(instances);
        s->order = TAKE_PTR(order);
        s->loaded = true;
        s->dev = st.st_dev;
        s->ino = st.st_ino;
        s->size = st.st_size;
        s->mtime = st.st_mtim;
        s->checked_usec = now;
        return 0;
}

static const struct package *find(struct software_modules *s, uint32_t instance)
{
        size_t lo = 0, hi = s->packages.n;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                uint32_t v = s->instances[s->order[mid]];
                if (v == instance)
                        return &s->packages.v[s->order[mid]];
                if (v < instance)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

/* ---- values ---------------------------------------------------------------------------- */

/* At most `max` characters of UTF-8 text (TR-181 counts characters), cut between two. */
static int dup_cut(const char *s, size_t max, char **ret)
{
        size_t len = 0, chars = 0;
        s = s ? s : "";
        for (; s[len]; len++) {
                if (((unsigned char)s[len] & 0xc0) == 0x80)
                        continue;
                if (chars++ == max)
                        break;
        }
        *ret = strndup(s, len);
        return *ret ? 0 : -ENOMEM;
}

static int print_u64(uint64_t v, char **ret)
{
        return asprintf(ret, "%" PRIu64, v) < 0 ? -ENOMEM : 0;
}

/* "KEY=value" of ETC/os-release, unquoted; NULL if absent. */
static char *os_release(const struct software_modules *s, const char *key)
{
        _cleanup_free_ char *path = NULL, *data = NULL;
        size_t klen = strlen(key);
        if (asprintf(&path, "%s/os-release", s->etc) < 0 ||
            store_read_file(path, SMALL_FILE, &data, NULL) < 0)
                return NULL;
        for (char *line = data; line && *line;) {
                char *eol = strchr(line, '\n');
                if (eol)
                        *eol = '\0';
                if (strncmp(line, key, klen) == 0 && line[klen] == '=') {
                        char *v = line + klen + 1;
                        size_t len = strlen(v);
                        if (len >= 2 && (v[0] == '"' || v[0] == '\'') && v[len - 1] == v[0])
                                return strndup(v + 1, len - 2);
                        return strdup(v);
                }
                line = eol ? eol + 1 : NULL;
        }
        return NULL;
}

/* A "Key:   N kB" line of PROC/meminfo, in KiB. */
static int meminfo_kib(const struct software_modules *s, const char *key, uint64_t *ret)
{
        _cleanup_free_ char *path = NULL, *data = NULL;
        size_t klen = strlen(key);
        if (asprintf(&path, "%s/meminfo", s->proc) < 0)
                return -ENOMEM;
        int r = store_read_file(path, SMALL_FILE, &data, NULL);
        if (r < 0)
                return r;
        for (char *line = data; line && *line;) {
                if (strncmp(line, key, klen) == 0 && line[klen] == ':')
                        return sscanf(line + klen + 1, "%" SCNu64, ret) == 1 ? 0 : -EIO;
                line = strchr(line, '\n');
                line = line ? line + 1 : NULL;
        }
        return -ENOENT;
}

/* TR-181's int in KiB; a size beyond it (2 TiB) reads as the largest value. */
static int print_kib(uint64_t kib, char **ret)
{
        return print_u64(kib > INT_KIB_LIMIT ? INT_KIB_LIMIT : kib, ret);
}

static int get_exec_env(struct software_modules *s, const char *field, char **value)
{
        struct utsname u;
        struct statvfs vfs;
        uint64_t kib;
        int r;

        if (streq(field, "Enable"))
                return table_text("true", value);
        if (streq(field, "Status"))
                return table_text("Up", value);
        if (streq(field, "Name") || streq(field, "Vendor")) {
                _cleanup_free_ char *v =
                        os_release(s, streq(field, "Name") ? "PRETTY_NAME" : "VENDOR_NAME");
                if (!v)
                        v = os_release(s, "NAME");
                return dup_cut(v ? v : "Linux", streq(field, "Name") ? 256 : 128, value);
        }
        if (streq(field, "Type") || streq(field, "Version")) {
                if (uname(&u) < 0)
                        return -errno;
                return streq(field, "Type") ? dup_cut(u.sysname, 64, value)
                                            : dup_cut(u.release, 32, value);
        }
        if (streq(field, "ParentExecEnv"))
                return table_text("", value); /* the system runs on no other */
        if (streq(field, "AllocatedDiskSpace") || streq(field, "AvailableDiskSpace")) {
                if (statvfs(s->root, &vfs) < 0)
                        return -errno;
                uint64_t blocks = streq(field, "AllocatedDiskSpace") ? vfs.f_blocks : vfs.f_bavail;
                return print_kib(blocks * (uint64_t)vfs.f_frsize / 1024u, value);
        }
        if (streq(field, "AllocatedMemory") || streq(field, "AvailableMemory")) {
                r = meminfo_kib(s, streq(field, "AllocatedMemory") ? "MemTotal" : "MemAvailable",
                                &kib);
                return r < 0 ? r : print_kib(kib, value);
        }
        if (streq(field, "ProcessorRefList")) {
                char *list = s->processors ? s->processors(s->userdata) : NULL;
                *value = list ? list : strdup("");
                return *value ? 0 : -ENOMEM;
        }
        return -ENOENT;
}

static int get_du(const struct package *p, const char *field, char **value)
{
        if (streq(field, "UUID")) {
                _cleanup_free_ char *name = NULL;
                char uuid[37];
                if (asprintf(&name, "%s%s", p->name, p->maintainer ? p->maintainer : "") < 0)
                        return -ENOMEM;
                int r = software_modules_uuid_v5(SOFTWARE_MODULES_UUID_NAMESPACE, name, uuid);
                return r < 0 ? r : table_text(uuid, value);
        }
        if (streq(field, "DUID")) {
                if (p->shared_name && p->architecture)
                        return asprintf(value, "%s:%s", p->name, p->architecture) < 0 ? -ENOMEM : 0;
                return dup_cut(p->name, 64, value);
        }
        if (streq(field, "Name"))
                return dup_cut(p->name, 256, value);
        if (streq(field, "Status"))
                return table_text(p->status, value);
        if (streq(field, "Resolved"))
                return table_text(p->resolved ? "true" : "false", value);
        if (streq(field, "Description"))
                return dup_cut(p->synopsis, 256, value);
        if (streq(field, "Vendor"))
                return dup_cut(p->maintainer, 128, value);
        if (streq(field, "Version"))
                return dup_cut(p->version, 32, value);
        if (streq(field, "ExecutionEnvRef"))
                return table_text(EXEC_ENV_ROW, value);
        return -ENOENT;
}

int software_modules_get(struct software_modules *s, const char *name, char **value)
{
        uint32_t instance;
        const char *field;
        int r;

        if (!startswith(name, PREFIX))
                return -ENOENT;
        if (streq(name, PREFIX "ExecEnvNumberOfEntries"))
                return table_text("1", value);
        if (startswith(name, EXEC_ENV_ROW "."))
                return get_exec_env(s, name + strlen(EXEC_ENV_ROW "."), value);
        r = refresh(s);
        if (r < 0)
                return r;
        if (streq(name, PREFIX "DeploymentUnitNumberOfEntries"))
                return table_count(s->packages.n, value);
        if (!startswith(name, DU_TABLE) ||
            table_parse_instance(name + strlen(DU_TABLE), &instance, &field) < 0)
                return -ENOENT;
        const struct package *p = find(s, instance);
        return p ? get_du(p, field, value) : -ENOENT;
}

int software_modules_get_instances(struct software_modules *s, const char *object,
                                   struct strv *instances)
{
        uint32_t instance;
        const char *rest;
        int r = 0;

        if (object[0] != '\0' && !endswith_char(object, '.'))
                return -EINVAL;
        if (startswith(EXEC_ENV, object))
                r = table_append_row(instances, EXEC_ENV, 1);
        if (r >= 0 && startswith(DU_TABLE, object)) {
                r = refresh(s);
                for (size_t i = 0; r >= 0 && i < s->packages.n; i++)
                        r = table_append_row(instances, DU_TABLE, s->instances[s->order[i]]);
                return r;
        }
        if (r < 0 || startswith(EXEC_ENV, object))
                return r;
        if (startswith(object, EXEC_ENV)) {
                if (table_parse_instance(object + strlen(EXEC_ENV), &instance, &rest) < 0 ||
                    instance != 1 || rest[0] != '\0')
                        return -ENOENT;
                return table_append_row(instances, EXEC_ENV, 1);
        }
        if (startswith(object, DU_TABLE)) {
                if (table_parse_instance(object + strlen(DU_TABLE), &instance, &rest) < 0 ||
                    rest[0] != '\0')
                        return -ENOENT;
                r = refresh(s);
                if (r < 0)
                        return r;
                return find(s, instance) ? table_append_row(instances, DU_TABLE, instance)
                                         : -ENOENT;
        }
        return 0;
}
