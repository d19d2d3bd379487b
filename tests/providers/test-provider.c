/* SPDX-License-Identifier: MIT */
/*
 * A provider daemon for the integration tests: owns one subtree through libcwmp-provider,
 * with switches to make validation or apply refuse chosen values.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "bus.h"
#include "cwmp/provider.h"
#include "log.h"

#define MAX_SUBTREES 4

struct options {
        const char *subtree; /* the first: its Counter is the live one */
        const char *subtrees[MAX_SUBTREES];
        size_t n_subtrees;
        const char *schemas[MAX_SUBTREES];
        size_t n_schemas;
        const char *state;
        const char *object_path;
        const char *address;
        const char *reject_value;
        const char *refuse_apply;
        bool live_counter;
};

struct context {
        const struct options *options;
        char *counter_name; /* "<subtree>Counter" */
        uint32_t counter;
        cwmp_provider *provider;
};

static int on_get(cwmp_provider *p, const char *name, char **value, void *userdata)
{
        struct context *ctx = userdata;

        if (strcmp(name, ctx->counter_name) != 0)
                return -ENOENT;
        /* without --live-counter the counter stays at 0 */
        if (ctx->options->live_counter)
                ctx->counter++;
        if (asprintf(value, "%" PRIu32, ctx->counter) < 0) {
                *value = NULL;
                return -ENOMEM;
        }
        return 0;
}

static int on_validate(cwmp_provider *p, const char *name, const char *value, void *userdata)
{
        struct context *ctx = userdata;

        if (ctx->options->reject_value && strcmp(value, ctx->options->reject_value) == 0) {
                log_info("Refusing %s = '%s'", name, value);
                return -EINVAL;
        }
        return 0;
}

static int on_apply(cwmp_provider *p, const struct cwmp_value *values, size_t n, void *userdata)
{
        struct context *ctx = userdata;

        for (size_t i = 0; i < n; i++)
                if (ctx->options->refuse_apply &&
                    strcmp(values[i].value, ctx->options->refuse_apply) == 0) {
                        log_info("Apply refuses %s = '%s'", values[i].name, values[i].value);
                        return -EIO;
                }
        for (size_t i = 0; i < n; i++)
                log_info("Applied %s", values[i].name);
        return 0;
}

static void on_instance_added(cwmp_provider *p, const char *object, void *userdata)
{
        log_info("Added %s", object);
}

static void on_instance_deleted(cwmp_provider *p, const char *object, void *userdata)
{
        log_info("Deleted %s", object);
}

static const struct cwmp_provider_ops ops = {
        .get = on_get,
        .validate = on_validate,
        .apply = on_apply,
        .instance_added = on_instance_added,
        .instance_deleted = on_instance_deleted,
};

/* SIGUSR1: the counter moves on its own and the change is reported to dmd. */
static int on_sigusr1(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        struct context *ctx = userdata;
        char value[16];
        int r;

        snprintf(value, sizeof(value), "%" PRIu32, ++ctx->counter);
        r = cwmp_provider_notify_changes(ctx->provider,
                                         &(struct cwmp_value){ctx->counter_name, value}, 1);
        if (r < 0)
                log_warning_errno(r, "Failed to report the counter: %m");
        return 0;
}

static void usage(FILE *f)
{
        fprintf(f,
                "Usage: test-provider --subtree Device.X_TEST_Alpha. --schema FILE --state FILE\n"
                "       (--subtree and --schema may be repeated: one provider, several subtrees)\n"
                "                     [--object-path PATH] [--address BUS_ADDRESS]\n"
                "                     [--reject-value STR] [--refuse-apply STR] "
                "[--live-counter]\n"
                "Without --address, the system bus (DBUS_SYSTEM_BUS_ADDRESS) is used.\n"
                "SIGUSR1 advances <subtree>Counter and reports it with "
                "NotifyValueChanges.\n");
}

static int parse_argv(int argc, char **argv, struct options *o)
{
        enum {
                ARG_SUBTREE = 0x100,
                ARG_SCHEMA,
                ARG_STATE,
                ARG_OBJECT_PATH,
                ARG_ADDRESS,
                ARG_REJECT_VALUE,
                ARG_REFUSE_APPLY,
                ARG_LIVE_COUNTER,
        };
        static const struct option long_options[] = {
                {"help", no_argument, NULL, 'h'},
                {"subtree", required_argument, NULL, ARG_SUBTREE},
                {"schema", required_argument, NULL, ARG_SCHEMA},
                {"state", required_argument, NULL, ARG_STATE},
                {"object-path", required_argument, NULL, ARG_OBJECT_PATH},
                {"address", required_argument, NULL, ARG_ADDRESS},
                {"reject-value", required_argument, NULL, ARG_REJECT_VALUE},
                {"refuse-apply", required_argument, NULL, ARG_REFUSE_APPLY},
                {"live-counter", no_argument, NULL, ARG_LIVE_COUNTER},
                {},
        };
        int c;

        while ((c = getopt_long(argc, argv, "h", long_options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        usage(stdout);
                        exit(EXIT_SUCCESS);
                case ARG_SUBTREE:
                        if (o->n_subtrees == MAX_SUBTREES) {
                                usage(stderr);
                                return -E2BIG;
                        }
                        o->subtrees[o->n_subtrees++] = optarg;
                        o->subtree = o->subtrees[0];
                        break;
                case ARG_SCHEMA:
                        if (o->n_schemas == MAX_SUBTREES) {
                                usage(stderr);
                                return -E2BIG;
                        }
                        o->schemas[o->n_schemas++] = optarg;
                        break;
                case ARG_STATE:
                        o->state = optarg;
                        break;
                case ARG_OBJECT_PATH:
                        o->object_path = optarg;
                        break;
                case ARG_ADDRESS:
                        o->address = optarg;
                        break;
                case ARG_REJECT_VALUE:
                        o->reject_value = optarg;
                        break;
                case ARG_REFUSE_APPLY:
                        o->refuse_apply = optarg;
                        break;
                case ARG_LIVE_COUNTER:
                        o->live_counter = true;
                        break;
                default:
                        usage(stderr);
                        return -EINVAL;
                }
        }
        if (optind < argc || o->n_subtrees == 0 || o->n_schemas == 0 || !o->state) {
                usage(stderr);
                return -EINVAL;
        }
        return 0;
}

static int run(int argc, char **argv)
{
        struct options o = {.object_path = "/io/cwmp/test/Alpha"};
        struct context ctx = {.options = &o};
        DBusConnection *bus = NULL;
        sd_event *event = NULL;
        sigset_t mask;
        int r;

        log_open("test-provider");
        r = parse_argv(argc, argv, &o);
        if (r < 0)
                return r;
        if (asprintf(&ctx.counter_name, "%sCounter", o.subtree) < 0) {
                ctx.counter_name = NULL;
                return log_error_errno(-ENOMEM, "Out of memory");
        }

        r = sd_event_new(&event);
        if (r < 0) {
                log_error_errno(r, "Failed to create the event loop: %m");
                goto finish;
        }
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGUSR1);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        /* without a handler, sd-event leaves the loop on these */
        if ((r = sd_event_add_signal(event, NULL, SIGTERM, NULL, NULL)) < 0 ||
            (r = sd_event_add_signal(event, NULL, SIGINT, NULL, NULL)) < 0 ||
            (r = sd_event_add_signal(event, NULL, SIGUSR1, on_sigusr1, &ctx)) < 0) {
                log_error_errno(r, "Failed to watch signals: %m");
                goto finish;
        }

        r = o.address ? bus_open_address(event, o.address, &bus) : bus_open_system(event, &bus);
        if (r < 0) {
                log_error_errno(r, "Failed to connect to the bus: %m");
                goto finish;
        }

        r = cwmp_provider_new(event, bus, o.object_path, &ctx.provider);
        if (r < 0) {
                log_error_errno(r, "Failed to create the provider: %m");
                goto finish;
        }
        for (size_t i = 0; i < o.n_schemas; i++) {
                r = cwmp_provider_load_schema(ctx.provider, o.schemas[i]);
                if (r < 0) {
                        log_error_errno(r, "Failed to load schema %s: %m", o.schemas[i]);
                        goto finish;
                }
        }
        for (size_t i = 0; i < o.n_subtrees; i++) {
                r = cwmp_provider_add_subtree(ctx.provider, o.subtrees[i]);
                if (r < 0) {
                        log_error_errno(r, "Invalid subtree %s: %m", o.subtrees[i]);
                        goto finish;
                }
        }
        r = cwmp_provider_set_state_file(ctx.provider, o.state);
        if (r < 0) {
                log_error_errno(r, "Failed to set the state file: %m");
                goto finish;
        }
        cwmp_provider_set_ops(ctx.provider, &ops, &ctx);
        r = cwmp_provider_start(ctx.provider);
        if (r < 0) {
                log_error_errno(r, "Failed to start the provider for %s: %m", o.subtree);
                goto finish;
        }

        log_info("Serving %s at %s", o.subtree, o.object_path);
        (void)sd_notify(0, "READY=1");
        r = sd_event_loop(event);
        (void)sd_notify(0, "STOPPING=1");
        if (r < 0)
                log_error_errno(r, "Event loop failed: %m");

finish:
        cwmp_provider_free(ctx.provider);
        bus_close(bus);
        sd_event_unref(event);
        free(ctx.counter_name);
        return r;
}

int main(int argc, char **argv)
{
        return run(argc, argv) < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
