/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "jobs.h"
#include "kvmap.h"
#include "store.h"
#include "util.h"

#define JOB_SUFFIX ".job"
/* A record is small: the arguments are bounded by the D-Bus checks. */
#define JOB_MAX_FILE_SIZE (64u * 1024u)

struct job_store {
        char *dir;
        struct job **jobs; /* sorted by id: queueing order */
        size_t n, allocated;
};

static const char *const kind_names[] = {
        [JOB_DOWNLOAD] = "Download",
        [JOB_UPLOAD] = "Upload",
        [JOB_SCHEDULE_DOWNLOAD] = "ScheduleDownload",
        [JOB_AUTONOMOUS] = "Autonomous",
};

const char *job_kind_to_method(enum job_kind kind)
{
        return kind < ELEMENTSOF(kind_names) ? kind_names[kind] : "?";
}

struct job *job_new(enum job_kind kind)
{
        struct job *j = calloc(1, sizeof(*j));

        if (!j)
                return NULL;
        j->kind = kind;
        j->state = JOB_NOT_STARTED;
        return j;
}

void job_free(struct job *j)
{
        if (!j)
                return;
        free(j->id);
        free(j->command_key);
        free(j->file_type);
        free(j->url);
        free(j->username);
        free(j->password);
        free(j->target_file_name);
        for (size_t i = 0; i < j->n_windows; i++) {
                free(j->windows[i].mode);
                free(j->windows[i].user_message);
        }
        free(j->fault_string);
        free(j->announce_url);
        free(j);
}

/* The codes cwmp-1-x.xsd allows in TransferComplete and AutonomousTransferComplete. */
static bool allowed_in_transfer_complete(uint32_t code)
{
        return code == 0 || code == 9001 || code == 9002 || code == 9010 || code == 9011 ||
               code == 9012 || (code >= 9014 && code <= 9020) || (code >= 9033 && code <= 9899);
}

uint32_t job_result_fault(enum job_kind kind, uint32_t code)
{
        if (allowed_in_transfer_complete(code))
                return code;
        return kind == JOB_UPLOAD ? 9011u : 9010u;
}

int job_complete(struct job *j, uint64_t now_usec, uint32_t fault_code, const char *format, ...)
{
        char *s = NULL;
        va_list ap;

        if (format) {
                va_start(ap, format);
                if (vasprintf(&s, format, ap) < 0)
                        s = NULL;
                va_end(ap);
                if (!s)
                        return -ENOMEM;
        } else if (!(s = strdup(""))) {
                return -ENOMEM;
        }
        /* FaultString is string(256) on the wire */
        if (strlen(s) > 255)
                s[255] = '\0';
        free(j->fault_string);
        j->fault_string = s;
        j->fault_code = job_result_fault(j->kind, fault_code);
        j->state = JOB_COMPLETED;
        j->complete_usec = now_usec;
        return 0;
}

/* ---- records ---- */

static int set_str(struct kvmap *m, const char *key, const char *value)
{
        return value ? kvmap_set(m, key, value) : 0;
}

static int set_u64(struct kvmap *m, const char *key, uint64_t value)
{
        char s[32];
        snprintf(s, sizeof(s), "%" PRIu64, value);
        return kvmap_set(m, key, s);
}

static int job_to_kvmap(const struct job *j, struct kvmap *m)
{
        int r = 0;

        r = r < 0 ? r : kvmap_set(m, "kind", job_kind_to_method(j->kind));
        r = r < 0 ? r : set_u64(m, "state", j->state);
        r = r < 0 ? r : set_str(m, "command_key", j->command_key);
        r = r < 0 ? r : set_str(m, "file_type", j->file_type);
        r = r < 0 ? r : set_str(m, "url", j->url);
        r = r < 0 ? r : set_str(m, "username", j->username);
        r = r < 0 ? r : set_str(m, "password", j->password);
        r = r < 0 ? r : set_str(m, "target_file_name", j->target_file_name);
        r = r < 0 ? r : set_u64(m, "file_size", j->file_size);
        r = r < 0 ? r : set_u64(m, "not_before", j->not_before_usec);
        r = r < 0 ? r : set_u64(m, "windows", j->n_windows);
        for (size_t i = 0; r >= 0 && i < j->n_windows; i++) {
                char k[64];
                snprintf(k, sizeof(k), "window%zu.start", i);
                r = set_u64(m, k, j->windows[i].start_usec);
                snprintf(k, sizeof(k), "window%zu.end", i);
                r = r < 0 ? r : set_u64(m, k, j->windows[i].end_usec);
                snprintf(k, sizeof(k), "window%zu.mode", i);
                r = r < 0 ? r : set_str(m, k, j->windows[i].mode);
                snprintf(k, sizeof(k), "window%zu.message", i);
                r = r < 0 ? r : set_str(m, k, j->windows[i].user_message);
                snprintf(k, sizeof(k), "window%zu.max_retries", i);
                r = r < 0 ? r : set_u64(m, k, (uint64_t)(int64_t)j->windows[i].max_retries);
        }
        r = r < 0 ? r : set_u64(m, "attempts", j->attempts);
        r = r < 0 ? r : set_u64(m, "window_attempts", j->window_attempts);
        r = r < 0 ? r : set_u64(m, "awaiting_reboot", j->awaiting_reboot);
        r = r < 0 ? r : set_u64(m, "start", j->start_usec);
        r = r < 0 ? r : set_u64(m, "complete", j->complete_usec);
        r = r < 0 ? r : set_u64(m, "fault_code", j->fault_code);
        r = r < 0 ? r : set_str(m, "fault_string", j->fault_string);
        r = r < 0 ? r : set_str(m, "announce_url", j->announce_url);
        r = r < 0 ? r : set_u64(m, "is_download", j->is_download);
        return r;
}

static int get_str(const struct kvmap *m, const char *key, char **ret)
{
        const char *v = kvmap_get(m, key);

        if (!v)
                v = "";
        *ret = strdup(v);
        return *ret ? 0 : -ENOMEM;
}

static int get_u64(const struct kvmap *m, const char *key, uint64_t max, uint64_t *ret)
{
        const char *v = kvmap_get(m, key);
        char *end;
        unsigned long long x;

        if (!v)
                return -EBADMSG;
        errno = 0;
        x = strtoull(v, &end, 10);
        if (errno || end == v || *end || x > max)
                return -EBADMSG;
        *ret = x;
        return 0;
}

static int job_from_kvmap(const struct kvmap *m, struct job **ret)
{
        _cleanup_job_ struct job *j = NULL;
        const char *kind = kvmap_get(m, "kind");
        uint64_t x;
        int r;

        if (!kind)
                return -EBADMSG;
        for (size_t i = 0; i < ELEMENTSOF(kind_names); i++)
                if (streq(kind, kind_names[i]))
                        j = job_new(i);
        if (!j)
                return -EBADMSG;
        r = get_u64(m, "state", JOB_COMPLETED, &x);
        if (r < 0 || x < JOB_NOT_STARTED)
                return -EBADMSG;
        j->state = x;
        if ((r = get_str(m, "command_key", &j->command_key)) < 0 ||
            (r = get_str(m, "file_type", &j->file_type)) < 0 ||
            (r = get_str(m, "url", &j->url)) < 0 ||
            (r = get_str(m, "username", &j->username)) < 0 ||
            (r = get_str(m, "password", &j->password)) < 0 ||
            (r = get_str(m, "target_file_name", &j->target_file_name)) < 0 ||
            (r = get_str(m, "fault_string", &j->fault_string)) < 0 ||
            (r = get_str(m, "announce_url", &j->announce_url)) < 0)
                return r;
        if ((r = get_u64(m, "file_size", UINT32_MAX, &x)) < 0)
                return r;
        j->file_size = x;
        if ((r = get_u64(m, "not_before", UINT64_MAX, &j->not_before_usec)) < 0 ||
            (r = get_u64(m, "start", UINT64_MAX, &j->start_usec)) < 0 ||
            (r = get_u64(m, "complete", UINT64_MAX, &j->complete_usec)) < 0)
                return r;
        if ((r = get_u64(m, "attempts", UINT32_MAX, &x)) < 0)
                return r;
        j->attempts = x;
        /* absent from records of older versions: none yet */
        if (!kvmap_get(m, "window_attempts"))
                x = 0;
        else if ((r = get_u64(m, "window_attempts", UINT32_MAX, &x)) < 0)
                return r;
        j->window_attempts = x;
        if ((r = get_u64(m, "awaiting_reboot", 1, &x)) < 0)
                return r;
        j->awaiting_reboot = x;
        if ((r = get_u64(m, "is_download", 1, &x)) < 0)
                return r;
        j->is_download = x;
        if ((r = get_u64(m, "fault_code", UINT32_MAX, &x)) < 0)
                return r;
        j->fault_code = x;
        if ((r = get_u64(m, "windows", JOBS_MAX_WINDOWS, &x)) < 0)
                return r;
        for (size_t i = 0; i < x; i++) {
                struct time_window *w = &j->windows[i];
                char k[64];
                uint64_t retries;

                j->n_windows = i + 1;
                snprintf(k, sizeof(k), "window%zu.start", i);
                if ((r = get_u64(m, k, UINT64_MAX, &w->start_usec)) < 0)
                        return r;
                snprintf(k, sizeof(k), "window%zu.end", i);
                if ((r = get_u64(m, k, UINT64_MAX, &w->end_usec)) < 0)
                        return r;
                snprintf(k, sizeof(k), "window%zu.mode", i);
                if ((r = get_str(m, k, &w->mode)) < 0)
                        return r;
                snprintf(k, sizeof(k), "window%zu.message", i);
                if ((r = get_str(m, k, &w->user_message)) < 0)
                        return r;
                snprintf(k, sizeof(k), "window%zu.max_retries", i);
                if ((r = get_u64(m, k, UINT64_MAX, &retries)) < 0)
                        return r;
                w->max_retries = (int32_t)(int64_t)retries;
        }
        *ret = TAKE_PTR(j);
        return 0;
}

/* ---- the store ---- */

static void sync_dir(const char *dir)
{
        _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd >= 0)
                (void)fsync(fd);
}

static int job_path(const struct job_store *s, const char *id, char **ret)
{
        return asprintf(ret, "%s/%s" JOB_SUFFIX, s->dir, id) < 0 ? -ENOMEM : 0;
}

static int insert(struct job_store *s, struct job *j)
{
        size_t pos;

        if (s->n == s->allocated) {
                size_t n = s->allocated ? s->allocated * 2 : 8;
                struct job **v = realloc(s->jobs, n * sizeof(*v));
                if (!v)
                        return -ENOMEM;
                s->jobs = v;
                s->allocated = n;
        }
        for (pos = s->n; pos > 0 && strcmp(s->jobs[pos - 1]->id, j->id) > 0; pos--)
                s->jobs[pos] = s->jobs[pos - 1];
        s->jobs[pos] = j;
        s->n++;
        return 0;
}

static bool id_valid(const char *id)
{
        return id[0] && strspn(id, "0123456789abcdef-") == strlen(id) && strlen(id) < 64;
}

static int load_one(struct job_store *s, const char *name, unsigned *n_bad)
{
        _cleanup_free_ char *path = NULL, *id = NULL;
        _cleanup_kvmap_ struct kvmap *m = kvmap_new();
        struct job *j = NULL;
        size_t len = strlen(name) - strlen(JOB_SUFFIX);
        int r;

        if (!m || !(id = strndup(name, len)) || job_path(s, id, &path) < 0)
                return -ENOMEM;
        r = id_valid(id) ? store_load(path, m, NULL) : -EBADMSG;
        if (r >= 0)
                r = job_from_kvmap(m, &j);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                /* Kept for a person to look at, never loaded again. */
                _cleanup_free_ char *bad = NULL;
                if (asprintf(&bad, "%s.bad", path) < 0)
                        return -ENOMEM;
                (void)rename(path, bad);
                (*n_bad)++;
                return 0;
        }
        j->id = TAKE_PTR(id);
        r = insert(s, j);
        if (r < 0)
                job_free(j);
        return r;
}

int job_store_open(const char *dir, struct job_store **ret, unsigned *n_bad)
{
        struct job_store *s = calloc(1, sizeof(*s));
        unsigned bad = 0;
        DIR *d = NULL;
        struct dirent *de;
        int r;

        if (!s)
                return -ENOMEM;
        s->dir = strdup(dir);
        if (!s->dir) {
                r = -ENOMEM;
                goto fail;
        }
        r = store_mkdir_p(dir);
        if (r < 0)
                goto fail;
        d = opendir(dir);
        if (!d) {
                r = -errno;
                goto fail;
        }
        while ((de = readdir(d))) {
                size_t n = strlen(de->d_name);
                if (n <= strlen(JOB_SUFFIX) ||
                    !streq(de->d_name + n - strlen(JOB_SUFFIX), JOB_SUFFIX))
                        continue;
                r = load_one(s, de->d_name, &bad);
                if (r < 0)
                        goto fail;
        }
        closedir(d);
        if (n_bad)
                *n_bad = bad;
        *ret = s;
        return 0;
fail:
        if (d)
                closedir(d);
        job_store_free(s);
        return r;
}

void job_store_free(struct job_store *s)
{
        if (!s)
                return;
        for (size_t i = 0; i < s->n; i++)
                job_free(s->jobs[i]);
        free(s->jobs);
        free(s->dir);
        free(s);
}

size_t job_store_count(const struct job_store *s)
{
        return s->n;
}

struct job *job_store_get(const struct job_store *s, size_t i)
{
        return i < s->n ? s->jobs[i] : NULL;
}

struct job *job_store_find_key(const struct job_store *s, const char *command_key)
{
        for (size_t i = 0; i < s->n; i++)
                if (s->jobs[i]->kind != JOB_AUTONOMOUS &&
                    streq(s->jobs[i]->command_key, command_key))
                        return s->jobs[i];
        return NULL;
}

struct job *job_store_find_id(const struct job_store *s, const char *id)
{
        for (size_t i = 0; i < s->n; i++)
                if (streq(s->jobs[i]->id, id))
                        return s->jobs[i];
        return NULL;
}

size_t job_store_count_requested(const struct job_store *s)
{
        size_t n = 0;
        for (size_t i = 0; i < s->n; i++)
                n += s->jobs[i]->kind != JOB_AUTONOMOUS;
        return n;
}

int job_store_save(struct job_store *s, const struct job *j)
{
        _cleanup_kvmap_ struct kvmap *m = kvmap_new();
        _cleanup_free_ char *path = NULL;
        int r;

        if (!m || job_path(s, j->id, &path) < 0)
                return -ENOMEM;
        r = job_to_kvmap(j, m);
        if (r < 0)
                return r;
        return store_save(path, m);
}

/* The wall clock in microseconds and 32 random bits: unique, and sorted by queueing time. */
static int new_id(char **ret)
{
        struct timespec ts;
        uint32_t rnd;

        clock_gettime(CLOCK_REALTIME, &ts);
        if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
                return -errno ?: -EIO;
        if (asprintf(ret, "%016" PRIx64 "-%08" PRIx32,
                     (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u, rnd) < 0)
                return -ENOMEM;
        return 0;
}

int job_store_add(struct job_store *s, struct job *j)
{
        int r;

        free(j->id);
        j->id = NULL;
        r = new_id(&j->id);
        if (r < 0)
                return r;
        r = job_store_save(s, j);
        if (r < 0)
                return r;
        r = insert(s, j);
        if (r < 0) {
                /* Not kept in memory: not on disk either. */
                _cleanup_free_ char *path = NULL;
                if (job_path(s, j->id, &path) >= 0)
                        (void)unlink(path);
        }
        return r;
}

int job_store_remove(struct job_store *s, struct job *j)
{
        _cleanup_free_ char *path = NULL;
        size_t i;

        if (job_path(s, j->id, &path) < 0)
                return -ENOMEM;
        if (unlink(path) < 0 && errno != ENOENT)
                return -errno;
        /* Durable, so a job cwmpd has is not handed over again after a crash (cwmpd would
         * recognise its producer key anyway, for a while). */
        sync_dir(s->dir);
        for (i = 0; i < s->n && s->jobs[i] != j; i++)
                ;
        if (i < s->n) {
                memmove(&s->jobs[i], &s->jobs[i + 1], (s->n - i - 1) * sizeof(*s->jobs));
                s->n--;
        }
        job_free(j);
        return 0;
}
