/* SPDX-License-Identifier: MIT */
/*
 * Drives one firmware backend from the command line, for the integration tests:
 *
 *     test-firmware-backend --kind slot|fwupd --state-dir DIR [--slot-dir DIR]
 *         [--public-key PEM] [--apply-command CMD] [--reboot-command CMD]
 *         [--device-id ID] COMMAND [ARG]
 *
 * COMMAND: install PATH | install-now PATH (before the backend is ready) | boot-check |
 *          images | version | watch SECONDS
 * Prints one line per fact ("result 0 reboot=1 ...", "image ...") and exits 0, or 1 on a
 * usage or setup error.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "firmware-backend.h"
#include "util.h"

struct tool {
        sd_event *event;
        struct firmware_backend *backend;
        const char *command, *arg;
        int exit_code;
};

static void print_result(const char *what, const struct firmware_result *r)
{
        printf("%s %u reboot=%d %s\n", what, r->fault_code, r->reboot_required ? 1 : 0,
               r->fault_string);
        fflush(stdout);
}

static void on_install_done(const struct firmware_result *result, void *userdata)
{
        struct tool *t = userdata;

        _cleanup_free_ char *version = NULL;

        print_result("result", result);
        /* what the backend knows right after the outcome */
        printf("running %s\n",
               firmware_backend_running_version(t->backend, &version) >= 0 ? version : "-");
        fflush(stdout);
        sd_event_exit(t->event, 0);
}

static void on_autonomous(const char *version, const struct firmware_result *result, void *userdata)
{
        (void)userdata;
        printf("autonomous %s %u %s\n", version, result->fault_code, result->fault_string);
        fflush(stdout);
}

static int print_images(struct tool *t)
{
        struct firmware_image *images = NULL;
        _cleanup_free_ char *version = NULL;
        size_t n = 0;
        int r;

        r = firmware_backend_list_images(t->backend, &images, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                printf("image %zu active=%d available=%d status=%s name=%s version=%s log=%s\n",
                       i + 1, images[i].active, images[i].available, images[i].status,
                       images[i].name, images[i].version, images[i].boot_failure_log);
                firmware_image_done(&images[i]);
        }
        free(images);
        r = firmware_backend_running_version(t->backend, &version);
        printf("running %s\n", r >= 0 ? version : "-");
        fflush(stdout);
        return 0;
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct tool *t = userdata;

        (void)s;
        (void)usec;
        sd_event_exit(t->event, 0);
        return 0;
}

static void on_ready(struct firmware_backend *b, void *userdata)
{
        struct tool *t = userdata;
        struct firmware_result result = {};
        int r = 0;

        (void)b;
        if (streq(t->command, "install")) {
                r = firmware_backend_install(t->backend, t->arg, on_install_done, t);
                if (r < 0)
                        printf("install-error %s\n", strerror(-r));
        } else if (streq(t->command, "boot-check")) {
                r = firmware_backend_boot_check(t->backend, &result);
                if (r == 0)
                        printf("boot-check none\n");
                else if (r > 0) {
                        print_result("boot-check", &result);
                        firmware_backend_boot_check_done(t->backend);
                } else
                        printf("boot-check-error %s\n", strerror(-r));
                r = r > 0 ? 0 : r;
                if (r >= 0)
                        r = print_images(t);
                sd_event_exit(t->event, 0);
        } else if (streq(t->command, "images") || streq(t->command, "version")) {
                r = print_images(t);
                sd_event_exit(t->event, 0);
        } else if (streq(t->command, "watch")) {
                uint64_t now;
                printf("watching\n");
                fflush(stdout);
                sd_event_now(t->event, CLOCK_MONOTONIC, &now);
                r = sd_event_add_time(t->event, NULL, CLOCK_MONOTONIC,
                                      now + strtoull(t->arg, NULL, 10) * 1000000ULL, 0, on_timeout,
                                      t);
        } else {
                r = -EINVAL;
        }
        fflush(stdout);
        if (r < 0) {
                t->exit_code = 1;
                sd_event_exit(t->event, 0);
        }
}

int main(int argc, char **argv)
{
        static const struct option options[] = {
                {"kind", required_argument, NULL, 'k'},
                {"state-dir", required_argument, NULL, 's'},
                {"slot-dir", required_argument, NULL, 'd'},
                {"public-key", required_argument, NULL, 'p'},
                {"apply-command", required_argument, NULL, 'a'},
                {"reboot-command", required_argument, NULL, 'r'},
                {"device-id", required_argument, NULL, 'i'},
                {},
        };
        struct firmware_backend_config cfg = {};
        struct tool t = {};
        DBusConnection *bus = NULL;
        sigset_t mask;
        int c, r;

        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0) {
                switch (c) {
                case 'k':
                        cfg.kind = optarg;
                        break;
                case 's':
                        cfg.state_dir = optarg;
                        break;
                case 'd':
                        cfg.slot_dir = optarg;
                        break;
                case 'p':
                        cfg.public_key_file = optarg;
                        break;
                case 'a':
                        cfg.apply_command = optarg;
                        break;
                case 'r':
                        cfg.reboot_command = optarg;
                        break;
                case 'i':
                        cfg.fwupd_device_id = optarg;
                        break;
                default:
                        return 1;
                }
        }
        if (!cfg.kind || optind >= argc) {
                fprintf(stderr, "usage: %s --kind KIND --state-dir DIR ... COMMAND [ARG]\n",
                        argv[0]);
                return 1;
        }
        t.command = argv[optind];
        t.arg = optind + 1 < argc ? argv[optind + 1] : "0";
        if ((streq(t.command, "install") || streq(t.command, "install-now") ||
             streq(t.command, "watch")) &&
            optind + 1 >= argc) {
                fprintf(stderr, "%s needs an argument\n", t.command);
                return 1;
        }
        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        sigaddset(&mask, SIGTERM);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        r = sd_event_default(&t.event);
        if (r < 0)
                return 1;
        (void)sd_event_add_signal(t.event, NULL, SIGTERM, NULL, NULL);
        if (streq(cfg.kind, "fwupd")) {
                r = bus_open_system(t.event, &bus);
                if (r < 0) {
                        fprintf(stderr, "cannot connect to the system bus: %s\n", strerror(-r));
                        return 1;
                }
        }
        r = firmware_backend_new(t.event, bus, &cfg, &t.backend);
        if (r < 0) {
                fprintf(stderr, "cannot create the backend: %s\n", strerror(-r));
                return 1;
        }
        firmware_backend_set_autonomous_handler(t.backend, on_autonomous, &t);
        if (streq(t.command, "install-now")) {
                r = firmware_backend_install(t.backend, t.arg, on_install_done, &t);
                if (r < 0) {
                        printf("install-error %s\n", strerror(-r));
                        t.exit_code = 1;
                        (void)sd_event_exit(t.event, 0);
                }
        } else
                firmware_backend_set_ready_handler(t.backend, on_ready, &t);
        r = sd_event_loop(t.event);
        firmware_backend_free(t.backend);
        bus_close(bus);
        sd_event_unref(t.event);
        return r < 0 ? 1 : t.exit_code;
}
