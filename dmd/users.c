/* SPDX-License-Identifier: MIT */
/* Device.Users.: the system's accounts and groups. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "builtin-table.h"
#include "instance-map.h"
#include "log.h"
#include "store.h"
#include "types.h"
#include "users.h"

#define PREFIX       "Device.Users."
#define USER_TABLE   PREFIX "User."
#define GROUP_TABLE  PREFIX "Group."
#define LIST_MAX     1024u /* GroupParticipation's maxLength */
#define NAME_MAX_LEN 64u   /* Username, Groupname */

enum lock { LOCK_UNKNOWN, LOCK_OPEN, LOCK_LOCKED };

struct account {
        char *name;
        uint32_t id, gid; /* gid: a user's primary group */
        char *members;    /* a group's member list, as the file writes it */
        enum lock lock;
        uint32_t instance;
};

struct account_list {
        struct account *v;
        size_t n;
};

struct users {
        char *etc, *proc;
        struct instance_map user_numbers, group_numbers;
        struct account_list users, groups;
        struct table_snapshot snapshot;
};

static void account_list_done(struct account_list *l)
{
        for (size_t i = 0; i < l->n; i++) {
                free(l->v[i].name);
                free(l->v[i].members);
        }
        free(l->v);
        *l = (struct account_list){};
}

int users_new(const char *etc, const char *proc, const char *state_dir, struct users **ret)
{
        _cleanup_free_ char *upath = NULL, *gpath = NULL;
        struct users *u = calloc(1, sizeof(*u));
        int r = -ENOMEM;

        if (!u)
                return -ENOMEM;
        u->etc = strdup(etc ? etc : "/etc");
        u->proc = strdup(proc ? proc : "/proc");
        if (state_dir && (asprintf(&upath, "%s/" USERS_STATE_FILE, state_dir) < 0 ||
                          asprintf(&gpath, "%s/" USERS_GROUPS_STATE_FILE, state_dir) < 0))
                upath = gpath = NULL;
        else if (u->etc && u->proc) {
                r = instance_map_init(&u->user_numbers, upath);
                if (r >= 0)
                        r = instance_map_init(&u->group_numbers, gpath);
        }
        if (r < 0) {
                users_free(u);
                return r;
        }
        *ret = u;
        return 0;
}

void users_free(struct users *u)
{
        if (!u)
                return;
        account_list_done(&u->users);
        account_list_done(&u->groups);
        instance_map_done(&u->user_numbers);
        instance_map_done(&u->group_numbers);
        free(u->etc);
        free(u->proc);
        free(u);
}

/* ---- the files ------------------------------------------------------------------------- */

static int read_etc(const struct users *u, const char *file, char **ret)
{
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/%s", u->etc, file) < 0)
                return -ENOMEM;
        return store_read_file(path, USERS_FILE_MAX, ret, NULL);
}

/* Splits a line at ':' into at most `max` fields; returns how many. */
static size_t split(char *line, char **fields, size_t max)
{
        size_t n = 0;
        for (char *p = line; n < max;) {
                fields[n++] = p;
                p = strchr(p, ':');
                if (!p)
                        break;
                *p++ = '\0';
        }
        return n;
}

static bool known(const struct account_list *l, const char *name)
{
        for (size_t i = 0; i < l->n; i++)
                if (streq(l->v[i].name, name))
                        return true;
        return false;
}

static enum lock lock_of(const char *hash)
{
        return hash[0] == '!' || hash[0] == '*' ? LOCK_LOCKED : LOCK_OPEN;
}

/* passwd(5) or group(5) lines; comments, blank and malformed lines are skipped, as is a
 * name seen before (the first one counts, as for getpwnam()) and a name longer than TR-181
 * allows (it is not cut into another's). */
static int parse_accounts(char *data, bool groups, struct account_list *out)
{
        struct account_list l = {};
        for (char *line = data; line && *line;) {
                char *eol = strchr(line, '\n');
                if (eol)
                        *eol = '\0';
                char *next = eol ? eol + 1 : NULL;
                char *f[7];
                size_t n = split(line, f, groups ? 4 : 7);
                uint32_t id, gid = 0;
                line = next;
                if (n < (groups ? 4u : 7u) || !f[0][0] || f[0][0] == '#' || f[0][0] == '+' ||
                    f[0][0] == '-' || cw_parse_uint32(f[2], &id) < 0 ||
                    (!groups && cw_parse_uint32(f[3], &gid) < 0) || strlen(f[0]) > NAME_MAX_LEN ||
                    known(&l, f[0]))
                        continue;
                struct account *nv = realloc(l.v, (l.n + 1) * sizeof(*nv));
                if (!nv)
                        goto oom;
                l.v = nv;
                struct account *a = &l.v[l.n];
                *a = (struct account){.id = id, .gid = gid};
                /* passwd's own field holds the hash when it is not "x" (no shadow entry). */
                if (!groups && !streq(f[1], "x"))
                        a->lock = lock_of(f[1]);
                a->name = strdup(f[0]);
                a->members = groups ? strdup(f[3]) : NULL;
                l.n++;
                if (!a->name || (groups && !a->members))
                        goto oom;
        }
        *out = l;
        return 0;
oom:
        account_list_done(&l);
        return -ENOMEM;
}

static void apply_shadow(char *data, struct account_list *users)
{
        for (char *line = data; line && *line;) {
                char *eol = strchr(line, '\n');
                if (eol)
                        *eol = '\0';
                char *f[2];
                if (split(line, f, 2) == 2)
                        for (size_t i = 0; i < users->n; i++)
                                if (streq(users->v[i].name, f[0])) {
                                        users->v[i].lock = lock_of(f[1]);
                                        break;
                                }
                line = eol ? eol + 1 : NULL;
        }
}

static int number(struct instance_map *im, struct account_list *l)
{
        for (size_t i = 0; i < l->n; i++) {
                l->v[i].instance = instance_map_get(im, l->v[i].name);
                if (l->v[i].instance == 0)
                        return -ENOMEM;
        }
        int r = instance_map_save(im);
        if (r < 0)
                log_warning_errno(r, "Failed to save the numbering of Device.Users.: %m");
        return 0;
}

static int refresh(struct users *u)
{
        _cleanup_free_ char *passwd = NULL, *group = NULL, *shadow = NULL;
        struct account_list users = {}, groups = {};
        uint64_t now;
        int r;

        if (table_snapshot_fresh(&u->snapshot, USERS_SNAPSHOT_USEC, &now))
                return 0;
        r = read_etc(u, "passwd", &passwd);
        if (r >= 0)
                r = parse_accounts(passwd, false, &users);
        else if (r != -ENOMEM)
                r = 0; /* no readable passwd: no users */
        if (r < 0)
                return r;
        r = read_etc(u, "group", &group);
        if (r >= 0)
                r = parse_accounts(group, true, &groups);
        else if (r != -ENOMEM)
                r = 0;
        if (r >= 0 && read_etc(u, "shadow", &shadow) >= 0)
                apply_shadow(shadow, &users);
        if (r >= 0)
                r = number(&u->user_numbers, &users);
        if (r >= 0)
                r = number(&u->group_numbers, &groups);
        if (r < 0) {
                account_list_done(&users);
                account_list_done(&groups);
                return r;
        }
        account_list_done(&u->users);
        account_list_done(&u->groups);
        u->users = users;
        u->groups = groups;
        table_snapshot_taken(&u->snapshot, now);
        return 0;
}

/* ---- values ---------------------------------------------------------------------------- */

static const struct account *find(const struct account_list *l, uint32_t instance)
{
        for (size_t i = 0; i < l->n; i++)
                if (l->v[i].instance == instance)
                        return &l->v[i];
        return NULL;
}

static bool lists_member(const char *members, const char *name)
{
        size_t len = strlen(name);
        for (const char *p = members; *p;) {
                size_t n = strcspn(p, ",");
                if (n == len && strncmp(p, name, len) == 0)
                        return true;
                p += n + (p[n] == ',');
        }
        return false;
}

/* The groups of a user, as Group rows; cut at the last whole item within LIST_MAX. */
static int participation(const struct users *u, const struct account *user, char **ret)
{
        struct buf b = {};
        for (size_t i = 0; i < u->groups.n; i++) {
                const struct account *g = &u->groups.v[i];
                if (g->id != user->gid && !lists_member(g->members, user->name))
                        continue;
                char item[64];
                int len = snprintf(item, sizeof(item), "%s" GROUP_TABLE "%" PRIu32,
                                   b.len ? "," : "", g->instance);
                if (b.len + (size_t)len > LIST_MAX)
                        break;
                if (buf_append(&b, item, (size_t)len) < 0) {
                        buf_done(&b);
                        return -ENOMEM;
                }
        }
        *ret = b.len ? buf_steal(&b) : strdup("");
        buf_done(&b);
        return *ret ? 0 : -ENOMEM;
}

/* CAP_* names in the kernel's numbering (linux/capability.h). */
static const char *const capabilities[] = {
        "CAP_CHOWN",
        "CAP_DAC_OVERRIDE",
        "CAP_DAC_READ_SEARCH",
        "CAP_FOWNER",
        "CAP_FSETID",
        "CAP_KILL",
        "CAP_SETGID",
        "CAP_SETUID",
        "CAP_SETPCAP",
        "CAP_LINUX_IMMUTABLE",
        "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST",
        "CAP_NET_ADMIN",
        "CAP_NET_RAW",
        "CAP_IPC_LOCK",
        "CAP_IPC_OWNER",
        "CAP_SYS_MODULE",
        "CAP_SYS_RAWIO",
        "CAP_SYS_CHROOT",
        "CAP_SYS_PTRACE",
        "CAP_SYS_PACCT",
        "CAP_SYS_ADMIN",
        "CAP_SYS_BOOT",
        "CAP_SYS_NICE",
        "CAP_SYS_RESOURCE",
        "CAP_SYS_TIME",
        "CAP_SYS_TTY_CONFIG",
        "CAP_MKNOD",
        "CAP_LEASE",
        "CAP_AUDIT_WRITE",
        "CAP_AUDIT_CONTROL",
        "CAP_SETFCAP",
        "CAP_MAC_OVERRIDE",
        "CAP_MAC_ADMIN",
        "CAP_SYSLOG",
        "CAP_WAKE_ALARM",
        "CAP_BLOCK_SUSPEND",
        "CAP_AUDIT_READ",
        "CAP_PERFMON",
        "CAP_BPF",
        "CAP_CHECKPOINT_RESTORE",
};

/* A sysctl in one read(): the kernel answers a read at a later offset with nothing. */
static int read_sysctl(const char *path, char *buf, size_t size)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        ssize_t n = read(fd, buf, size - 1);
        if (n < 0)
                return -errno;
        buf[n] = '\0';
        return 0;
}

static int supported_capabilities(const struct users *u, char **ret)
{
        _cleanup_free_ char *path = NULL;
        char data[32];
        uint32_t last;
        struct buf b = {};

        if (asprintf(&path, "%s/sys/kernel/cap_last_cap", u->proc) < 0)
                return -ENOMEM;
        int r = read_sysctl(path, data, sizeof(data));
        if (r < 0)
                return r;
        data[strcspn(data, "\n")] = '\0';
        if (cw_parse_uint32(data, &last) < 0)
                return -EIO;
        /* Capabilities newer than TR-181's list are left out. */
        for (size_t i = 0; r >= 0 && i <= last && i < ELEMENTSOF(capabilities); i++)
                r = buf_printf(&b, "%s%s", i ? "," : "", capabilities[i]);
        *ret = r >= 0 ? (b.len ? buf_steal(&b) : strdup("")) : NULL;
        buf_done(&b);
        return *ret ? 0 : -ENOMEM;
}

static int get_user(const struct users *u, const struct account *a, const char *field, char **value)
{
        if (streq(field, "Username"))
                return table_text(a->name, value);
        if (streq(field, "UserID"))
                return asprintf(value, "%" PRIu32, a->id) < 0 ? -ENOMEM : 0;
        if (streq(field, "Enable")) {
                if (a->lock == LOCK_UNKNOWN)
                        return -ENOENT;
                return table_text(a->lock == LOCK_OPEN ? "true" : "false", value);
        }
        if (streq(field, "GroupParticipation"))
                return participation(u, a, value);
        if (streq(field, "StaticUser"))
                return table_text("true", value);
        return -ENOENT;
}

static int get_group(const struct account *a, const char *field, char **value)
{
        if (streq(field, "Groupname"))
                return table_text(a->name, value);
        if (streq(field, "GroupID"))
                return asprintf(value, "%" PRIu32, a->id) < 0 ? -ENOMEM : 0;
        if (streq(field, "StaticGroup"))
                return table_text("true", value);
        return -ENOENT;
}

int users_get(struct users *u, const char *name, char **value)
{
        uint32_t instance;
        const char *field;
        int r;

        if (!startswith(name, PREFIX))
                return -ENOENT;
        if (streq(name, PREFIX "SupportedCapabilities"))
                return supported_capabilities(u, value);
        r = refresh(u);
        if (r < 0)
                return r;
        if (streq(name, PREFIX "UserNumberOfEntries"))
                return table_count(u->users.n, value);
        if (streq(name, PREFIX "GroupNumberOfEntries"))
                return table_count(u->groups.n, value);
        if (startswith(name, USER_TABLE) &&
            table_parse_instance(name + strlen(USER_TABLE), &instance, &field) >= 0) {
                const struct account *a = find(&u->users, instance);
                return a ? get_user(u, a, field, value) : -ENOENT;
        }
        if (startswith(name, GROUP_TABLE) &&
            table_parse_instance(name + strlen(GROUP_TABLE), &instance, &field) >= 0) {
                const struct account *a = find(&u->groups, instance);
                return a ? get_group(a, field, value) : -ENOENT;
        }
        return -ENOENT;
}

static int table_instances(const char *table, const struct account_list *l, const char *object,
                           struct strv *out)
{
        uint32_t instance;
        const char *rest;
        int r = 0;

        if (startswith(table, object)) {
                for (size_t i = 0; r >= 0 && i < l->n; i++)
                        r = table_append_row(out, table, l->v[i].instance);
                return r;
        }
        if (!startswith(object, table))
                return 0;
        if (table_parse_instance(object + strlen(table), &instance, &rest) < 0 || rest[0] != '\0')
                return -ENOENT;
        return find(l, instance) ? table_append_row(out, table, instance) : -ENOENT;
}

int users_get_instances(struct users *u, const char *object, struct strv *instances)
{
        if (object[0] != '\0' && !endswith_char(object, '.'))
                return -EINVAL;
        if (!startswith(object, PREFIX) && !startswith(PREFIX, object))
                return 0;
        int r = refresh(u);
        if (r >= 0)
                r = table_instances(USER_TABLE, &u->users, object, instances);
        if (r >= 0)
                r = table_instances(GROUP_TABLE, &u->groups, object, instances);
        return r;
}
