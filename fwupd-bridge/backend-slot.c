/* SPDX-License-Identifier: MIT */
/*
 * A/B slot directories. An install verifies the image and writes its payload into the slot
 * that is not running, in a worker process; then the apply command points the boot loader
 * at that slot and the reboot command restarts the box. After the reboot the boot check
 * compares the slot and version the box came up with against the ones expected.
 *
 *     SLOT_DIR/a/image                      slot "a": the payload
 *     SLOT_DIR/a/version                    its version, one line: written last, so a slot
 *                                           without it holds nothing bootable
 *     SLOT_DIR/a/info                       name, status and boot failure log (store format)
 *     SLOT_DIR/b/...                        slot "b", the same
 *     SLOT_DIR/booted                       the slot the box booted (written by the platform)
 *     SLOT_DIR/active                       the last slot known good (written here)
 *     SLOT_DIR/pending                      the install in progress or awaiting its reboot
 *     SLOT_DIR/boot-failure.log             optional, from the platform: why a boot failed
 *
 * See docs/firmware.md for the commands' contract.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backend-internal.h"
#include "image-verify.h"
#include "kvmap.h"
#include "log.h"
#include "store.h"
#include "types.h"
#include "util.h"

#define BOOT_ID_FILE_DEFAULT "/proc/sys/kernel/random/boot_id"
#define MAX_LOG_SIZE         4096u

static const char *const slot_names[] = {"a", "b"};

enum phase {
        PHASE_WRITING,
        PHASE_APPLYING,
        PHASE_REBOOTING,
};

static const char *const phase_names[] = {
        [PHASE_WRITING] = "writing",
        [PHASE_APPLYING] = "applying",
        [PHASE_REBOOTING] = "rebooting",
};

/* What the worker process sends back through its pipe. */
struct worker_report {
        struct firmware_result result;
        char version[IMAGE_MAX_FIELD + 1];
        char name[IMAGE_MAX_FIELD + 1];
};

struct slot_install {
        firmware_install_done done;
        void *userdata;
        char *image_path;
        const char *target, *previous;
        char version[IMAGE_MAX_FIELD + 1];
        char name[IMAGE_MAX_FIELD + 1];
        pid_t pid;
        sd_event_source *child;
        int pipe_fd;
};

struct slot_backend {
        struct firmware_backend base;
        char *slot_dir, *state_dir, *public_key_file, *apply_command, *reboot_command;
        sd_event_source *defer;
        struct slot_install *job;
};

static struct slot_backend *slot_of(struct firmware_backend *b)
{
        return (struct slot_backend *)b;
}

static char *slot_path(struct slot_backend *s, const char *slot, const char *file)
{
        char *p;

        if (slot)
                return asprintf(&p, "%s/%s/%s", s->slot_dir, slot, file) < 0 ? NULL : p;
        return asprintf(&p, "%s/%s", s->slot_dir, file) < 0 ? NULL : p;
}

static const char *known_slot(const char *name)
{
        for (size_t i = 0; i < ELEMENTSOF(slot_names); i++)
                if (name && streq(name, slot_names[i]))
                        return slot_names[i];
        return NULL;
}

static const char *other_slot(const char *slot)
{
        return streq(slot, "a") ? "b" : "a";
}

/* A slot name kept in SLOT_DIR/<file>, or NULL. */
static const char *read_slot_file(struct slot_backend *s, const char *file)
{
        _cleanup_free_ char *path = slot_path(s, NULL, file), *text = NULL;

        if (!path || backend_read_text_file(path, 64, &text) < 0)
                return NULL;
        return known_slot(text);
}

/* The slot the box runs: what the platform wrote at boot, else the last known good. */
static const char *running_slot(struct slot_backend *s)
{
        const char *slot = read_slot_file(s, "booted");

        if (!slot)
                slot = read_slot_file(s, "active");
        return slot ? slot : "a";
}

static int load_record(struct slot_backend *s, const char *slot, const char *file,
                       struct kvmap **ret)
{
        _cleanup_free_ char *path = slot_path(s, slot, file);
        _cleanup_kvmap_ struct kvmap *m = kvmap_new();
        int r;

        if (!path || !m)
                return -ENOMEM;
        r = store_load(path, m, NULL);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(m);
        return 0;
}

static int save_record(struct slot_backend *s, const char *slot, const char *file,
                       const struct kvmap *m)
{
        _cleanup_free_ char *path = slot_path(s, slot, file);

        if (!path)
                return -ENOMEM;
        return store_save(path, m);
}

static int remove_record(struct slot_backend *s, const char *slot, const char *file)
{
        _cleanup_free_ char *path = slot_path(s, slot, file);

        if (!path)
                return -ENOMEM;
        if (unlink(path) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}

/* Writes SLOT/<slot>/info from key/value pairs (NULL-terminated). */
static int save_info(struct slot_backend *s, const char *slot, const char *const *kv)
{
        _cleanup_kvmap_ struct kvmap *m = kvmap_new();
        int r;

        if (!m)
                return -ENOMEM;
        for (size_t i = 0; kv[i] && kv[i + 1]; i += 2)
                if (kv[i + 1][0]) {
                        r = kvmap_set(m, kv[i], kv[i + 1]);
                        if (r < 0)
                                return r;
                }
        return save_record(s, slot, "info", m);
}

static char *slot_version(struct slot_backend *s, const char *slot)
{
        _cleanup_free_ char *path = slot_path(s, slot, "version");
        char *v = NULL;

        if (!path || backend_read_text_file(path, 256, &v) < 0)
                return NULL;
        if (!v[0] || strlen(v) > IMAGE_MAX_FIELD || !dbus_validate_utf8(v, NULL)) {
                free(v);
                return NULL;
        }
        return v;
}

static int read_boot_id(char **ret)
{
        const char *path = getenv("CWMP_BOOT_ID_FILE"); /* tests simulate reboots with it */

        return backend_read_text_file(path && path[0] ? path : BOOT_ID_FILE_DEFAULT, 128, ret);
}

static void now_string(char buf[32])
{
        if (cw_format_datetime(time(NULL), 0, buf, 32) < 0)
                buf[0] = '\0';
}

/* ---- the last running version, to notice changes made behind our back ---- */

static char *state_file(struct slot_backend *s)
{
        char *p;
        return asprintf(&p, "%s/slot-backend.state", s->state_dir) < 0 ? NULL : p;
}

static int remember_running_version(struct slot_backend *s, const char *version)
{
        _cleanup_free_ char *path = state_file(s);
        _cleanup_kvmap_ struct kvmap *m = kvmap_new();
        int r;

        if (!path || !m)
                return -ENOMEM;
        r = kvmap_set(m, "running_version", version);
        if (r < 0)
                return r;
        return store_save(path, m);
}

static char *remembered_running_version(struct slot_backend *s)
{
        _cleanup_free_ char *path = state_file(s);
        _cleanup_kvmap_ struct kvmap *m = kvmap_new();
        const char *v;

        if (!path || !m || store_load(path, m, NULL) < 0)
                return NULL;
        v = kvmap_get(m, "running_version");
        return v ? strdup(v) : NULL;
}

/* ---- running commands ---- */

static int spawn_command(struct slot_backend *s, const char *command, const char *image,
                         const char *target, const char *previous, const char *version, pid_t *ret)
{
        _cleanup_free_ char *script = NULL, *slot_dir = NULL;
        pid_t pid = 0;

        if (asprintf(&script, "%s \"$@\"", command) < 0) {
                script = NULL;
                return -ENOMEM;
        }
        slot_dir = slot_path(s, target, "");
        if (!slot_dir)
                return -ENOMEM;
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                sigset_t none;
                int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

                sigemptyset(&none);
                sigprocmask(SIG_SETMASK, &none, NULL);
                if (null >= 0)
                        dup2(null, STDIN_FILENO);
                setenv("FIRMWARE_SLOT", target, 1);
                setenv("FIRMWARE_SLOT_PATH", slot_dir, 1);
                setenv("FIRMWARE_PREVIOUS_SLOT", previous, 1);
                setenv("FIRMWARE_VERSION", version, 1);
                setenv("FIRMWARE_SLOT_DIR", s->slot_dir, 1);
                execl("/bin/sh", "sh", "-c", script, "sh", image, (char *)NULL);
                _exit(127);
        }
        *ret = pid;
        return 0;
}

static int on_reboot_exit(sd_event_source *es, const siginfo_t *si, void *userdata)
{
        (void)userdata;
        if (si->si_code != CLD_EXITED || si->si_status != 0)
                log_error("The reboot command failed (status %d)", si->si_status);
        sd_event_source_disable_unref(es);
        return 0;
}

static void run_reboot(struct slot_backend *s, const char *target, const char *previous,
                       const char *version, const char *image)
{
        pid_t pid = 0;
        int r;

        if (!s->reboot_command || !s->reboot_command[0]) {
                log_notice("Firmware %s is in slot %s; no reboot command, waiting for a reboot",
                           version, target);
                return;
        }
        log_notice("Rebooting into firmware %s (slot %s)", version, target);
        r = spawn_command(s, s->reboot_command, image, target, previous, version, &pid);
        if (r >= 0)
                r = sd_event_add_child(s->base.event, NULL, pid, WEXITED, on_reboot_exit, NULL);
        if (r < 0)
                log_error_errno(r, "Cannot run the reboot command: %m");
}

/* ---- install ---- */

static void install_free(struct slot_install *job)
{
        if (!job)
                return;
        if (job->child) {
                /* The backend goes away mid-install: the worker only copies, stop it; an
                 * apply command is left to finish (the restart reports it interrupted). */
                if (job->pid > 0 && job->pipe_fd >= 0) {
                        kill(job->pid, SIGKILL);
                        (void)waitpid(job->pid, NULL, 0);
                }
                sd_event_source_disable_unref(job->child);
        }
        if (job->pipe_fd >= 0)
                close(job->pipe_fd);
        free(job->image_path);
        free(job);
}

static int save_pending(struct slot_backend *s, struct slot_install *job, enum phase phase)
{
        _cleanup_kvmap_ struct kvmap *m = kvmap_new();
        _cleanup_free_ char *boot_id = NULL;
        char now[32];
        int r;

        if (!m)
                return -ENOMEM;
        now_string(now);
        if (read_boot_id(&boot_id) < 0) {
                boot_id = strdup("");
                if (!boot_id)
                        return -ENOMEM;
        }
        if ((r = kvmap_set(m, "phase", phase_names[phase])) < 0 ||
            (r = kvmap_set(m, "target", job->target)) < 0 ||
            (r = kvmap_set(m, "previous", job->previous)) < 0 ||
            (r = kvmap_set(m, "version", job->version)) < 0 ||
            (r = kvmap_set(m, "name", job->name)) < 0 ||
            (r = kvmap_set(m, "boot_id", boot_id)) < 0 || (r = kvmap_set(m, "time", now)) < 0)
                return r;
        if (phase == PHASE_APPLYING && job->pid > 0) {
                char pid[24];
                snprintf(pid, sizeof(pid), "%d", (int)job->pid);
                r = kvmap_set(m, "apply_pid", pid);
                if (r < 0)
                        return r;
        }
        return save_record(s, NULL, "pending", m);
}

/* A process that ended but was not reaped yet (its parent, the killed daemon, is gone). */
static bool is_zombie(pid_t pid)
{
        _cleanup_free_ char *path = NULL, *stat = NULL;
        const char *p;

        if (asprintf(&path, "/proc/%d/stat", (int)pid) < 0) {
                path = NULL;
                return false;
        }
        if (backend_read_text_file(path, 4096, &stat) < 0)
                return true;    /* gone meanwhile */
        p = strrchr(stat, ')'); /* after the command name, which may hold anything */
        return p && (p[1] == ' ') && (p[2] == 'Z' || p[2] == 'X');
}

/* An apply command started before the daemon restarted, still writing in this boot: a new
 * install must not write the same slot under it. */
static bool earlier_apply_running(struct slot_backend *s)
{
        _cleanup_kvmap_ struct kvmap *pending = NULL;
        _cleanup_free_ char *boot_id = NULL;
        const char *pid;
        long n;

        if (load_record(s, NULL, "pending", &pending) < 0 ||
            !streq_ptr(kvmap_get(pending, "phase"), phase_names[PHASE_APPLYING]))
                return false;
        pid = kvmap_get(pending, "apply_pid");
        if (!pid || read_boot_id(&boot_id) < 0 ||
            !streq_ptr(boot_id, kvmap_get(pending, "boot_id")))
                return false;
        n = strtol(pid, NULL, 10);
        if (n <= 1 || kill((pid_t)n, 0) < 0)
                return false;
        return !is_zombie((pid_t)n);
}

/* Ends the install: the job is gone before done runs, so done may start another. */
static void finish(struct slot_backend *s, const struct firmware_result *result)
{
        struct slot_install *job = TAKE_PTR(s->job);
        firmware_install_done done = job->done;
        void *userdata = job->userdata;
        struct firmware_result copy = *result;
        _cleanup_free_ char *image = NULL;
        char target[8], previous[8], version[sizeof(job->version)];

        snprintf(target, sizeof(target), "%s", job->target);
        snprintf(previous, sizeof(previous), "%s", job->previous);
        snprintf(version, sizeof(version), "%s", job->version);
        if (copy.reboot_required)
                image = slot_path(s, target, "image");
        install_free(job);
        if (copy.fault_code)
                log_warning("Firmware install failed (%u): %s", copy.fault_code, copy.fault_string);
        backend_images_changed(&s->base);
        done(&copy, userdata);
        /* the caller has recorded the outcome: now the box may go down */
        if (copy.reboot_required && image)
                run_reboot(s, target, previous, version, image);
}

static void fail_install(struct slot_backend *s, const char *status,
                         const struct firmware_result *result)
{
        const char *kv[] = {"status", status,       "version", s->job->version,
                            "name",   s->job->name, NULL};

        (void)save_info(s, s->job->target, kv);
        (void)remove_record(s, NULL, "pending");
        finish(s, result);
}

static int on_apply_exit(sd_event_source *es, const siginfo_t *si, void *userdata)
{
        struct slot_backend *s = userdata;
        struct slot_install *job = s->job;
        struct firmware_result result = {};
        int r;

        (void)es;
        job->pid = 0;
        if (si->si_code != CLD_EXITED || si->si_status != 0) {
                image_fail(&result, 9010, "The apply command failed (%s %d) for slot %s",
                           si->si_code == CLD_EXITED ? "exit status" : "signal", si->si_status,
                           job->target);
                fail_install(s, "InstallationFailed", &result);
                return 0;
        }
        const char *kv[] = {"status", "Available", "name", job->name, NULL};
        _cleanup_free_ char *version_file = slot_path(s, job->target, "version");
        r = version_file ? save_info(s, job->target, kv) : -ENOMEM;
        if (r >= 0)
                r = backend_write_text_file(version_file, job->version);
        if (r >= 0)
                r = save_pending(s, job, PHASE_REBOOTING);
        if (r < 0) {
                image_fail(&result, 9010, "Cannot record the installed firmware: %s", strerror(-r));
                fail_install(s, "InstallationFailed", &result);
                return 0;
        }
        result.reboot_required = true;
        finish(s, &result);
        return 0;
}

static int start_apply(struct slot_backend *s)
{
        struct slot_install *job = s->job;
        _cleanup_free_ char *image = slot_path(s, job->target, "image");
        int r;

        if (!image)
                return -ENOMEM;
        r = save_pending(s, job, PHASE_APPLYING);
        if (r < 0)
                return r;
        if (!s->apply_command || !s->apply_command[0]) {
                siginfo_t ok = {.si_code = CLD_EXITED, .si_status = 0};
                return on_apply_exit(NULL, &ok, s);
        }
        log_notice("Applying firmware %s to slot %s", job->version, job->target);
        r = spawn_command(s, s->apply_command, image, job->target, job->previous, job->version,
                          &job->pid);
        if (r < 0)
                return r;
        (void)save_pending(s, job, PHASE_APPLYING); /* with its pid */
        return sd_event_add_child(s->base.event, &job->child, job->pid, WEXITED, on_apply_exit, s);
}

static int on_worker_exit(sd_event_source *es, const siginfo_t *si, void *userdata)
{
        struct slot_backend *s = userdata;
        struct slot_install *job = s->job;
        struct worker_report report = {};
        ssize_t k;
        int r;

        sd_event_source_disable_unref(es);
        job->child = NULL;
        job->pid = 0;
        do
                k = read(job->pipe_fd, &report, sizeof(report));
        while (k < 0 && errno == EINTR);
        close(job->pipe_fd);
        job->pipe_fd = -1;
        if (k != (ssize_t)sizeof(report) || si->si_code != CLD_EXITED || si->si_status != 0) {
                image_fail(&report.result, 9010, "The image check stopped unexpectedly (%s %d)",
                           si->si_code == CLD_EXITED ? "exit status" : "signal", si->si_status);
                fail_install(s, "InstallationFailed", &report.result);
                return 0;
        }
        report.result.fault_string[sizeof(report.result.fault_string) - 1] = '\0';
        report.version[sizeof(report.version) - 1] = '\0';
        report.name[sizeof(report.name) - 1] = '\0';
        snprintf(job->version, sizeof(job->version), "%s", report.version);
        snprintf(job->name, sizeof(job->name), "%s", report.name);
        if (report.result.fault_code) {
                fail_install(s,
                             report.result.fault_code == 9010 ? "InstallationFailed"
                                                              : "ValidationFailed",
                             &report.result);
                return 0;
        }
        r = start_apply(s);
        if (r < 0) {
                struct firmware_result result = {};
                image_fail(&result, 9010, "Cannot run the apply command: %s", strerror(-r));
                fail_install(s, "InstallationFailed", &result);
        }
        return 0;
}

/* The worker: verify, write the payload to the slot, rename it into place. */
static void worker_main(struct slot_backend *s, struct slot_install *job, int out)
{
        struct worker_report report = {};
        struct image_manifest m = {};
        _cleanup_free_ char *tmp = slot_path(s, job->target, "image.new"),
                            *image = slot_path(s, job->target, "image"),
                            *dir = slot_path(s, job->target, "");
        int r;

        if (!tmp || !image || !dir)
                _exit(1);
        r = store_mkdir_p(dir);
        if (r < 0)
                image_fail(&report.result, 9010, "Cannot create the slot directory %s: %s", dir,
                           strerror(-r));
        else if (unlink(image) < 0 && errno != ENOENT) /* room for the new one */
                r = image_fail(&report.result, 9010, "Cannot remove the old image %s: %s", image,
                               strerror(errno));
        else
                r = image_verify_and_extract(job->image_path, s->public_key_file, tmp, &m,
                                             &report.result);
        if (r >= 0 && rename(tmp, image) < 0) {
                image_fail(&report.result, 9010, "Cannot write %s: %s", image, strerror(errno));
                unlink(tmp);
                r = -1;
        }
        if (r >= 0) {
                int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (dfd >= 0) {
                        (void)fsync(dfd);
                        close(dfd);
                }
        }
        memcpy(report.version, m.version, sizeof(report.version));
        memcpy(report.name, m.name, sizeof(report.name));
        image_manifest_done(&m);
        if (write(out, &report, sizeof(report)) != (ssize_t)sizeof(report))
                _exit(1);
        _exit(0);
}

static int slot_install(struct firmware_backend *b, const char *path, firmware_install_done done,
                        void *userdata)
{
        struct slot_backend *s = slot_of(b);
        struct slot_install *job;
        int fds[2], r;

        if (s->job)
                return -EBUSY;
        if (earlier_apply_running(s)) {
                log_warning("The apply command of an earlier install still runs: not now");
                return -EBUSY;
        }
        job = calloc(1, sizeof(*job));
        if (!job)
                return -ENOMEM;
        job->pipe_fd = -1;
        job->done = done;
        job->userdata = userdata;
        job->previous = running_slot(s);
        job->target = other_slot(job->previous);
        job->image_path = strdup(path);
        if (!job->image_path) {
                install_free(job);
                return -ENOMEM;
        }
        /* the record comes first: a restart from here on reports an interrupted install */
        r = save_pending(s, job, PHASE_WRITING);
        if (r < 0) {
                install_free(job);
                return r;
        }
        r = remove_record(s, job->target, "version"); /* the slot holds nothing bootable */
        if (r >= 0)
                r = remove_record(s, job->target, "info");
        if (r >= 0 && pipe2(fds, O_CLOEXEC) < 0)
                r = -errno;
        if (r < 0)
                goto fail;
        job->pid = fork();
        if (job->pid < 0) {
                r = -errno;
                job->pid = 0;
                close(fds[0]);
                close(fds[1]);
                goto fail;
        }
        if (job->pid == 0) {
                close(fds[0]);
                worker_main(s, job, fds[1]);
        }
        close(fds[1]);
        job->pipe_fd = fds[0];
        r = sd_event_add_child(b->event, &job->child, job->pid, WEXITED, on_worker_exit, s);
        if (r < 0) {
                kill(job->pid, SIGKILL);
                (void)waitpid(job->pid, NULL, 0);
                goto fail;
        }
        s->job = job;
        log_info("Checking firmware image %s for slot %s", path, job->target);
        backend_images_changed(b);
        return 0;
fail:
        (void)remove_record(s, NULL, "pending");
        install_free(job);
        return r;
}

/* ---- boot check ---- */

static char *boot_failure_log(struct slot_backend *s, const char *fallback)
{
        _cleanup_free_ char *path = slot_path(s, NULL, "boot-failure.log");
        char *text = NULL;

        if (path && backend_read_text_file(path, 1024 * 1024, &text) >= 0) {
                if (strlen(text) > MAX_LOG_SIZE)
                        text[MAX_LOG_SIZE] = '\0'; /* the first lines say why */
                if (!dbus_validate_utf8(text, NULL))
                        for (char *c = text; *c; c++)
                                if ((unsigned char)*c >= 0x80)
                                        *c = '?';
                if (text[0])
                        return text;
                free(text);
        }
        return strdup(fallback);
}

static int slot_boot_check(struct firmware_backend *b, struct firmware_result *result)
{
        struct slot_backend *s = slot_of(b);
        _cleanup_kvmap_ struct kvmap *pending = NULL;
        _cleanup_free_ char *boot_id = NULL, *running_version = NULL, *log = NULL, *active = NULL;
        const char *phase, *target, *previous, *version, *name, *booted;
        char message[512];
        int r;

        if (s->job)
                return 0; /* an install of this run is under way */
        r = load_record(s, NULL, "pending", &pending);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        phase = kvmap_get(pending, "phase");
        target = known_slot(kvmap_get(pending, "target"));
        previous = known_slot(kvmap_get(pending, "previous"));
        version = kvmap_get(pending, "version");
        name = kvmap_get(pending, "name");
        if (!phase || !target || !previous || !version) {
                image_fail(result, 9010, "The record of the last firmware install is damaged");
                return 1;
        }
        if (!streq(phase, phase_names[PHASE_REBOOTING])) {
                /* the daemon or the box stopped while the slot was written or applied */
                image_fail(result, 9010,
                           "Firmware installation was interrupted while %s slot %s; slot %s "
                           "still runs",
                           phase, target, running_slot(s));
                const char *kv[] = {"status", "InstallationFailed", "version", version,
                                    "name",   name ? name : "",     NULL};
                (void)remove_record(s, target, "image.new");
                (void)save_info(s, target, kv);
                return 1;
        }
        if (read_boot_id(&boot_id) >= 0 && streq_ptr(boot_id, kvmap_get(pending, "boot_id")))
                return 0; /* still waiting for the reboot */

        booted = running_slot(s);
        running_version = slot_version(s, booted);
        if (streq(booted, target) && streq_ptr(running_version, version)) {
                active = slot_path(s, NULL, "active");
                r = active ? backend_write_text_file(active, target) : -ENOMEM;
                if (r < 0)
                        return r;
                (void)remember_running_version(s, version);
                log_notice("Firmware %s booted from slot %s", version, target);
                return 1;
        }
        snprintf(message, sizeof(message),
                 "Firmware %s in slot %s did not boot: the box runs slot %s (version %s)", version,
                 target, booted, running_version ? running_version : "unknown");
        image_fail(result, 9010, "%s", message);
        log = boot_failure_log(s, message);
        if (!log)
                return -ENOMEM;
        const char *kv[] = {"status",         "ActivationFailed", "version", version, "name",
                            name ? name : "", "boot_failure_log", log,       NULL};
        r = save_info(s, target, kv);
        if (r < 0)
                return r;
        /* fall back: the old slot stays the known good one */
        active = slot_path(s, NULL, "active");
        r = active ? backend_write_text_file(active, previous) : -ENOMEM;
        if (r < 0)
                return r;
        log_warning("%s", message);
        return 1;
}

static void slot_boot_check_done(struct firmware_backend *b)
{
        struct slot_backend *s = slot_of(b);
        _cleanup_free_ char *log = slot_path(s, NULL, "boot-failure.log");

        if (s->job)
                return;
        (void)remove_record(s, NULL, "pending");
        if (log)
                (void)unlink(log);
        backend_images_changed(b);
}

/* ---- images ---- */

static int slot_list_images(struct firmware_backend *b, struct firmware_image **images, size_t *n)
{
        struct slot_backend *s = slot_of(b);
        const char *running = running_slot(s);
        struct firmware_image *v;

        v = calloc(ELEMENTSOF(slot_names), sizeof(*v));
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < ELEMENTSOF(slot_names); i++) {
                _cleanup_kvmap_ struct kvmap *info = NULL;
                _cleanup_free_ char *installed = slot_version(s, slot_names[i]);
                const char *slot = slot_names[i], *status = "NoImage", *version = "", *name = "",
                           *log = "";
                bool installing = s->job && streq(s->job->target, slot);

                if (!installing && load_record(s, slot, "info", &info) >= 0) {
                        version = kvmap_get(info, "version") ?: "";
                        name = kvmap_get(info, "name") ?: "";
                        status = kvmap_get(info, "status") ?: "NoImage";
                        log = kvmap_get(info, "boot_failure_log") ?: "";
                }
                if (installed && !installing) {
                        version = installed;
                        if (streq(status, "NoImage")) /* put there by the platform */
                                status = "Available";
                }
                if (installing)
                        status = "Validating";
                v[i].active = streq(slot, running);
                if (v[i].active && version[0])
                        status = "Active";
                v[i].available = streq(status, "Available") || streq(status, "Active");
                if (!name[0])
                        name = slot;
                v[i].name = strdup(name);
                v[i].version = strdup(version);
                v[i].status = strdup(status);
                v[i].boot_failure_log = strdup(log);
                if (!v[i].name || !v[i].version || !v[i].status || !v[i].boot_failure_log) {
                        for (size_t j = 0; j <= i; j++)
                                firmware_image_done(&v[j]);
                        free(v);
                        return -ENOMEM;
                }
        }
        *images = v;
        *n = ELEMENTSOF(slot_names);
        return 0;
}

static int slot_running_version(struct firmware_backend *b, char **version)
{
        struct slot_backend *s = slot_of(b);
        char *v = slot_version(s, running_slot(s));

        if (!v)
                return -ENOENT;
        *version = v;
        return 0;
}

/* ---- life cycle ---- */

static void slot_free(struct firmware_backend *b)
{
        struct slot_backend *s = slot_of(b);

        install_free(s->job);
        sd_event_source_disable_unref(s->defer);
        sd_event_unref(b->event);
        free(s->slot_dir);
        free(s->state_dir);
        free(s->public_key_file);
        free(s->apply_command);
        free(s->reboot_command);
        free(s);
}

static const struct firmware_backend_ops slot_ops = {
        .free = slot_free,
        .install = slot_install,
        .boot_check = slot_boot_check,
        .boot_check_done = slot_boot_check_done,
        .list_images = slot_list_images,
        .running_version = slot_running_version,
};

/* From the loop, once: the ready handler, and a version that changed while we were down
 * without an install of ours (the box was flashed by other means). */
static int on_defer(sd_event_source *es, void *userdata)
{
        struct slot_backend *s = userdata;
        _cleanup_free_ char *pending = slot_path(s, NULL, "pending");
        _cleanup_free_ char *running = NULL, *known = NULL;

        sd_event_source_set_enabled(es, SD_EVENT_OFF);
        if (s->base.ready)
                s->base.ready(&s->base, s->base.ready_userdata);
        backend_images_changed(&s->base);
        if (!pending || access(pending, F_OK) == 0)
                return 0; /* the boot check reports it */
        if (slot_running_version(&s->base, &running) < 0)
                return 0;
        known = remembered_running_version(s);
        if (streq_ptr(known, running))
                return 0;
        (void)remember_running_version(s, running);
        if (known) {
                struct firmware_result ok = {};
                log_notice("Firmware changed from %s to %s without an install of ours", known,
                           running);
                backend_report_autonomous(&s->base, running, &ok);
        }
        return 0;
}

int backend_slot_new(sd_event *event, const struct firmware_backend_config *cfg,
                     struct firmware_backend **ret)
{
        struct slot_backend *s;
        sigset_t mask;
        int r;

        if (!cfg->slot_dir || !cfg->slot_dir[0] || !cfg->state_dir || !cfg->state_dir[0])
                return -EINVAL;
        /* sd-event watches children through SIGCHLD, which must be blocked */
        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return -errno;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->base.ops = &slot_ops;
        s->base.event = sd_event_ref(event);
        s->slot_dir = strdup(cfg->slot_dir);
        s->state_dir = strdup(cfg->state_dir);
        s->public_key_file = cfg->public_key_file && cfg->public_key_file[0]
                                     ? strdup(cfg->public_key_file)
                                     : NULL;
        s->apply_command = cfg->apply_command ? strdup(cfg->apply_command) : NULL;
        s->reboot_command = cfg->reboot_command ? strdup(cfg->reboot_command) : NULL;
        if (!s->slot_dir || !s->state_dir ||
            (cfg->public_key_file && cfg->public_key_file[0] && !s->public_key_file) ||
            (cfg->apply_command && !s->apply_command) ||
            (cfg->reboot_command && !s->reboot_command)) {
                r = -ENOMEM;
                goto fail;
        }
        r = store_mkdir_p(s->slot_dir);
        if (r >= 0)
                r = store_mkdir_p(s->state_dir);
        if (r >= 0)
                r = sd_event_add_defer(event, &s->defer, on_defer, s);
        if (r < 0)
                goto fail;
        s->base.is_ready = true;
        *ret = &s->base;
        return 0;
fail:
        slot_free(&s->base);
        return r;
}
