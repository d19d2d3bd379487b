/* SPDX-License-Identifier: MIT */
/* Device.DeviceInfo.ProcessStatus.Process.{i}.: the process table and its numbering. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <time.h>

#include "builtin-table.h"
#include "deviceinfo-internal.h"
#include "kvmap.h"
#include "log.h"
#include "store.h"
#include "types.h"

#define STAT_FILE_MAX   4096u
#define STATUS_FILE_MAX (16u * 1024u)
/* Enough bytes for DEVICEINFO_COMMAND_MAX characters of UTF-8. */
#define CMDLINE_READ_MAX (DEVICEINFO_COMMAND_MAX * 4u)
#define COMM_MAX         64u

#define KEY_BOOT_ID       "boot-id"
#define KEY_NEXT_INSTANCE "next-instance"

const char *deviceinfo_process_state(char kernel_state)
{
        switch (kernel_state) {
        case 'R':
                return "Running";
        case 'D':
                return "Uninterruptible";
        case 'T': /* stopped by a signal */
        case 't': /* stopped by a tracer */
                return "Stopped";
        case 'Z':
        case 'X': /* dead, about to vanish */
        case 'x':
                return "Zombie";
        case 'I': /* idle kernel thread */
        case 'P': /* parked kernel thread */
                return "Idle";
        case 'S':
        default: /* W (waking), K (wakekill) and whatever a future kernel adds: waiting */
                return "Sleeping";
        }
}

/*
 * TR-181 wants 0..99 with 0 the highest priority. The kernel's "priority" field is 20 + nice
 * (0..39) for normal tasks and -1 - rt_priority (-2..-100) for real-time ones (-101 for
 * SCHED_DEADLINE), and every real-time task runs before every normal one. Normal tasks keep
 * their exact order as 60 + 20 + nice (60..99, nice 0 is 80); real-time priorities 99..1 are
 * spread over 0..59 (SCHED_DEADLINE is 0), so a real-time task always ranks higher.
 */
unsigned deviceinfo_process_priority(long kernel_priority)
{
        if (kernel_priority >= 0)
                return kernel_priority > 39 ? 99 : 60 + (unsigned)kernel_priority;
        long rt = -kernel_priority - 1; /* 1..99, 100 for deadline */
        if (rt > 99)
                rt = 99;
        if (rt < 1)
                rt = 1;
        return (unsigned)((99 - rt) * 59 / 98);
}

static void process_done(struct deviceinfo_process *p)
{
        free(p->command);
        p->command = NULL;
}

static void processes_free(struct deviceinfo_process *v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                process_done(&v[i]);
        free(v);
}

static int compare_id(const struct deviceinfo_process_id *a, const struct deviceinfo_process_id *b)
{
        if (a->pid != b->pid)
                return a->pid < b->pid ? -1 : 1;
        if (a->start_time != b->start_time)
                return a->start_time < b->start_time ? -1 : 1;
        return 0;
}

static int compare_known(const void *a, const void *b)
{
        return compare_id(a, b);
}

static int compare_known_instance(const void *a, const void *b)
{
        const struct deviceinfo_process_id *x = a, *y = b;
        return x->instance < y->instance ? -1 : x->instance > y->instance;
}

static int compare_process_id(const void *a, const void *b)
{
        const struct deviceinfo_process *x = a, *y = b;
        return compare_id(&x->id, &y->id);
}

static int compare_process_instance(const void *a, const void *b)
{
        const struct deviceinfo_process *x = a, *y = b;
        return x->id.instance < y->id.instance ? -1 : x->id.instance > y->id.instance;
}

/* ---- reading one process ---- */

struct stat_fields {
        char comm[COMM_MAX + 1];
        char state;
        uint64_t utime, stime, start_time;
        long priority;
};

/* /proc/PID/stat: "pid (comm) state ppid ...". The command name may hold spaces and
 * parentheses, so the fields start after the last ')'. */
static int parse_stat(const char *data, struct stat_fields *f)
{
        const char *open = strchr(data, '('), *close = strrchr(data, ')');
        if (!open || !close || close < open)
                return -EBADMSG;
        size_t n = (size_t)(close - open - 1);
        if (n > COMM_MAX)
                n = COMM_MAX;
        memcpy(f->comm, open + 1, n);
        f->comm[n] = '\0';

        /* Fields 3 (state) to 22 (starttime), see proc(5). */
        int k = sscanf(close + 1,
                       " %c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %" SCNu64 " %" SCNu64
                       " %*d %*d %ld %*d %*d %*d %" SCNu64,
                       &f->state, &f->utime, &f->stime, &f->priority, &f->start_time);
        return k == 5 ? 0 : -EBADMSG;
}

static int proc_file(const struct deviceinfo_process_table *t, pid_t pid, const char *name,
                     size_t max, char **ret, size_t *ret_len)
{
        char path[PATH_MAX];
        int n = snprintf(path, sizeof(path), "%s/%d/%s", t->proc, (int)pid, name);
        if (n < 0 || (size_t)n >= sizeof(path))
                return -ENAMETOOLONG;
        return deviceinfo_read_file(path, max, ret, ret_len);
}

/* Fills p for one PID. -ENOENT (or -ESRCH) when the process is gone meanwhile. */
static int read_process(const struct deviceinfo_process_table *t, pid_t pid,
                        struct deviceinfo_process *p)
{
        _cleanup_free_ char *stat = NULL, *status = NULL, *cmdline = NULL;
        size_t cmdline_len;
        struct stat_fields f;
        int r;

        r = proc_file(t, pid, "stat", STAT_FILE_MAX, &stat, NULL);
        if (r < 0)
                return r;
        r = parse_stat(stat, &f);
        if (r < 0)
                return r;

        /* Size: the resident set (VmRSS), the memory the process actually occupies. VmSize
         * counts address space merely reserved and would make every process look huge.
         * Kernel threads and zombies have no VmRSS line: they occupy none. */
        r = proc_file(t, pid, "status", STATUS_FILE_MAX, &status, NULL);
        if (r < 0)
                return r;
        uint64_t rss = 0;
        r = deviceinfo_kib_field(status, "VmRSS", &rss);
        if (r < 0 && r != -ENOENT)
                return r;

        /* Command: the command line as ps(1) shows it; kernel threads and zombies have
         * none, they get their command name. */
        r = proc_file(t, pid, "cmdline", CMDLINE_READ_MAX, &cmdline, &cmdline_len);
        if (r < 0)
                return r;
        _cleanup_free_ char *command = NULL;
        r = deviceinfo_text_clean(cmdline, cmdline_len, DEVICEINFO_COMMAND_MAX, &command);
        if (r < 0)
                return r;
        if (command[0] == '\0') {
                free(command);
                command = NULL;
                r = deviceinfo_text_clean(f.comm, strlen(f.comm), DEVICEINFO_COMMAND_MAX, &command);
                if (r < 0)
                        return r;
        }

        *p = (struct deviceinfo_process){
                .id = {.pid = pid, .start_time = f.start_time},
                .command = TAKE_PTR(command),
                .size_kib = rss,
                .cpu_time_ms = (f.utime + f.stime) * 1000u / (uint64_t)t->clock_ticks,
                .priority = deviceinfo_process_priority(f.priority),
                .state = deviceinfo_process_state(f.state),
        };
        return 0;
}

static bool parse_pid(const char *name, pid_t *ret)
{
        uint64_t v = 0;
        if (name[0] < '1' || name[0] > '9')
                return false;
        for (const char *c = name; *c; c++) {
                if (*c < '0' || *c > '9')
                        return false;
                v = v * 10 + (uint64_t)(*c - '0');
                if (v > INT_MAX)
                        return false;
        }
        *ret = (pid_t)v;
        return true;
}

/* Reads every process of /proc. Processes that exit while being read are left out. */
static int scan(const struct deviceinfo_process_table *t, struct deviceinfo_process **ret,
                size_t *ret_n)
{
        DIR *dir = opendir(t->proc);
        if (!dir)
                return -errno;

        struct deviceinfo_process *v = NULL;
        size_t n = 0, allocated = 0;
        int r = 0;
        struct dirent *de;

        errno = 0;
        while ((de = readdir(dir))) {
                pid_t pid;
                if (!parse_pid(de->d_name, &pid))
                        continue;
                if (n == allocated) {
                        size_t a = allocated ? allocated * 2 : 256;
                        struct deviceinfo_process *w = reallocarray(v, a, sizeof(*v));
                        if (!w) {
                                r = -ENOMEM;
                                goto out;
                        }
                        v = w, allocated = a;
                }
                r = read_process(t, pid, &v[n]);
                if (r == -ENOMEM)
                        goto out;
                if (r == 0)
                        n++;
                r = 0;
                errno = 0;
        }
        if (errno != 0)
                r = -errno;

out:
        closedir(dir);
        if (r < 0) {
                processes_free(v, n);
                return r;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

/* ---- the numbering and its state file ---- */

static int read_boot_id(const char *proc, char **ret)
{
        _cleanup_free_ char *path = deviceinfo_path(proc, "/sys/kernel/random/boot_id");
        if (!path)
                return -ENOMEM;
        _cleanup_free_ char *data = NULL;
        size_t len;
        int r = deviceinfo_read_file(path, 64, &data, &len);
        if (r < 0)
                return r;
        return deviceinfo_text_clean(data, len, 64, ret);
}

static int save(struct deviceinfo_process_table *t)
{
        _cleanup_kvmap_ struct kvmap *m = kvmap_new();
        if (!m)
                return -ENOMEM;

        char key[64], value[16];
        int r;
        if (t->boot_id) {
                r = kvmap_set(m, KEY_BOOT_ID, t->boot_id);
                if (r < 0)
                        return r;
        }
        snprintf(value, sizeof(value), "%" PRIu32, t->next_instance);
        r = kvmap_set(m, KEY_NEXT_INSTANCE, value);
        if (r < 0)
                return r;
        for (size_t i = 0; i < t->n_known; i++) {
                const struct deviceinfo_process_id *k = &t->known[i];
                snprintf(key, sizeof(key), "%d/%" PRIu64, (int)k->pid, k->start_time);
                snprintf(value, sizeof(value), "%" PRIu32, k->instance);
                r = kvmap_set(m, key, value);
                if (r < 0)
                        return r;
        }

        r = store_mkdir_p(t->runtime_dir);
        if (r < 0)
                return r;
        return store_save(t->state_file, m);
}

/* "PID/STARTTIME" -> instance. False for the file's other keys and for bad entries. */
static bool parse_entry(const char *key, const char *value, struct deviceinfo_process_id *ret)
{
        const char *slash = strchr(key, '/');
        if (!slash || (size_t)(slash - key) >= 16)
                return false;
        char pid_str[16];
        memcpy(pid_str, key, (size_t)(slash - key));
        pid_str[slash - key] = '\0';

        uint32_t pid, instance;
        uint64_t start;
        if (cw_parse_uint32(pid_str, &pid) < 0 || pid == 0 || pid > INT_MAX ||
            cw_parse_uint64(slash + 1, &start) < 0 || cw_parse_uint32(value, &instance) < 0 ||
            instance == 0)
                return false;
        *ret = (struct deviceinfo_process_id){
                .pid = (pid_t)pid, .start_time = start, .instance = instance};
        return true;
}

/* Takes the numbering from the state file: the counter always (it never goes back), the
 * entries only when they belong to this boot and are consistent. */
static int load(struct deviceinfo_process_table *t)
{
        _cleanup_kvmap_ struct kvmap *m = kvmap_new();
        if (!m)
                return -ENOMEM;
        int r = store_load(t->state_file, m, NULL);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;

        const char *v = kvmap_get(m, KEY_NEXT_INSTANCE);
        uint32_t next;
        if (!v || cw_parse_uint32(v, &next) < 0 || next == 0)
                return -EBADMSG;
        t->next_instance = next;
        if (!streq_ptr(kvmap_get(m, KEY_BOOT_ID), t->boot_id))
                return 0;

        struct deviceinfo_process_id *known = calloc(kvmap_size(m), sizeof(*known));
        if (!known)
                return -ENOMEM;
        size_t n = 0;
        const char *key, *value;
        kvmap_foreach (m, i, key, value) {
                if (parse_entry(key, value, &known[n]) && known[n].instance < next)
                        n++;
        }

        /* Two processes sharing a number means the file cannot be trusted. */
        qsort(known, n, sizeof(*known), compare_known_instance);
        for (size_t i = 1; i < n; i++)
                if (known[i].instance == known[i - 1].instance) {
                        free(known);
                        return -EBADMSG;
                }
        qsort(known, n, sizeof(*known), compare_known);
        t->known = known;
        t->n_known = n;
        return 0;
}

int deviceinfo_process_table_init(struct deviceinfo_process_table *t, const char *proc,
                                  const char *runtime_dir)
{
        int r;

        *t = (struct deviceinfo_process_table){.next_instance = 1};
        t->clock_ticks = sysconf(_SC_CLK_TCK);
        if (t->clock_ticks <= 0)
                t->clock_ticks = 100;
        t->proc = strdup(proc);
        if (!t->proc)
                goto oom;
        r = read_boot_id(proc, &t->boot_id);
        if (r == -ENOMEM)
                goto oom;

        if (!runtime_dir)
                return 0;
        t->runtime_dir = strdup(runtime_dir);
        t->state_file = deviceinfo_path(runtime_dir, "/" DEVICEINFO_PROCESS_STATE_FILE);
        if (!t->runtime_dir || !t->state_file)
                goto oom;

        r = load(t);
        if (r == -ENOMEM)
                goto oom;
        if (r < 0) {
                /* Numbering restarts from the counter we have; the next save replaces the
                 * file. Failing dmd's start over it would serve nobody. */
                log_warning_errno(r, "Ignoring process numbering in %s: %m", t->state_file);
                t->dirty = true;
        }
        return 0;

oom:
        deviceinfo_process_table_done(t);
        return -ENOMEM;
}

void deviceinfo_process_table_done(struct deviceinfo_process_table *t)
{
        processes_free(t->procs, t->n_procs);
        free(t->known);
        free(t->proc);
        free(t->runtime_dir);
        free(t->state_file);
        free(t->boot_id);
        *t = (struct deviceinfo_process_table){0};
}

void deviceinfo_process_table_invalidate(struct deviceinfo_process_table *t)
{
        t->valid = false;
}

/* Gives each scanned process its number: the one it had, or the next of the counter. The
 * new numbering holds exactly the processes of this scan, so dead ones are forgotten. */
static int number(struct deviceinfo_process_table *t, struct deviceinfo_process *procs, size_t n,
                  struct deviceinfo_process_id **ret_known)
{
        struct deviceinfo_process_id *known = calloc(n ? n : 1, sizeof(*known));
        if (!known)
                return -ENOMEM;

        qsort(procs, n, sizeof(*procs), compare_process_id);
        uint32_t next = t->next_instance;
        size_t matched = 0;
        for (size_t i = 0; i < n; i++) {
                const struct deviceinfo_process_id *old =
                        t->n_known ? bsearch(&procs[i].id, t->known, t->n_known, sizeof(*t->known),
                                             compare_known)
                                   : NULL;
                if (old) {
                        procs[i].id.instance = old->instance;
                        matched++;
                } else {
                        if (next == 0) { /* 2^32 - 1 numbers handed out in one boot */
                                free(known);
                                return -EOVERFLOW;
                        }
                        procs[i].id.instance = next++;
                }
                known[i] = procs[i].id;
        }

        if (next != t->next_instance || matched != t->n_known)
                t->dirty = true;
        t->next_instance = next;
        *ret_known = known;
        return 0;
}

int deviceinfo_process_table_refresh(struct deviceinfo_process_table *t)
{
        uint64_t now = table_now_usec();
        if (t->valid && now - t->taken_usec < DEVICEINFO_SNAPSHOT_USEC)
                return 0;

        struct deviceinfo_process *procs = NULL;
        struct deviceinfo_process_id *known = NULL;
        size_t n = 0;
        int r = scan(t, &procs, &n);
        if (r < 0)
                return r;
        r = number(t, procs, n, &known);
        if (r < 0) {
                processes_free(procs, n);
                return r;
        }
        qsort(procs, n, sizeof(*procs), compare_process_instance);

        free(t->known);
        t->known = known;
        t->n_known = n;
        processes_free(t->procs, t->n_procs);
        t->procs = procs;
        t->n_procs = n;
        t->valid = false;

        /* Numbers are promised once they are on disk: a dmd killed right after answering
         * must not give them to other processes when it comes back. */
        if (t->dirty && t->state_file) {
                r = save(t);
                if (r < 0)
                        return r;
        }
        t->dirty = false;
        t->taken_usec = now;
        t->valid = true;
        return 0;
}

const struct deviceinfo_process *
deviceinfo_process_table_find(const struct deviceinfo_process_table *t, uint32_t instance)
{
        if (!t->valid || t->n_procs == 0)
                return NULL;
        const struct deviceinfo_process key = {.id.instance = instance};
        return bsearch(&key, t->procs, t->n_procs, sizeof(*t->procs), compare_process_instance);
}
