/* SPDX-License-Identifier: MIT */
/*
 * cwmpd's Device.ManagementServer. provider on its own, for the integration tests. It prints
 * what cwmpd would act on, one line each, to stdout:
 *     settings {"url": "...", ...}      at start and after every change
 *     on_change URL PERIODIC ...        the groups on_change reported
 * ParameterKey is read from dmd's io.cwmp.DataModel1 property (fetched at start and when dmd
 * appears, then followed through PropertiesChanged), as cwmpd does. SIGUSR1 moves the
 * ConnectionRequestURL to the --next-conreq-url value and tells dmd.
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
#include "log.h"
#include "management-server.h"
#include "types.h"
#include "util.h"

#define DM_BUS_NAME   "io.cwmp.DataModel"
#define DM_PATH       "/io/cwmp/DataModel"
#define DM_INTERFACE  "io.cwmp.DataModel1"
#define PROPS_CHANGED "PropertiesChanged"

#define PROPERTIES_MATCH                                                                           \
        "type='signal',sender='" DM_BUS_NAME "',path='" DM_PATH                                    \
        "',interface='" DBUS_INTERFACE_PROPERTIES "',member='" PROPS_CHANGED "'"
#define OWNER_MATCH                                                                                \
        "type='signal',sender='" DBUS_SERVICE_DBUS "',interface='" DBUS_INTERFACE_DBUS             \
        "',member='NameOwnerChanged',arg0='" DM_BUS_NAME "'"

struct options {
        const char *schema;
        const char *state;
        struct management_defaults defaults;
        const char *conreq_url;
        const char *next_conreq_url;
        const char *udp_address;
        bool nat_detected;
};

struct context {
        const struct options *options;
        DBusConnection *bus;
        struct management_server *ms;
        char *parameter_key;
        char *conreq_url;
        bool filter_added;
};

/* ---- printing ---- */

static void print_json_string(const char *s)
{
        putchar('"');
        for (; s && *s; s++) {
                unsigned char c = (unsigned char)*s;
                if (c == '"' || c == '\\')
                        printf("\\%c", c);
                else if (c < 0x20)
                        printf("\\u%04x", c);
                else
                        putchar(c);
        }
        putchar('"');
}

static void print_settings(const struct management_settings *s)
{
        const struct {
                const char *key;
                const char *value;
        } strings[] = {
                {"url", s->url},
                {"username", s->username},
                {"password", s->password},
                {"periodic_inform_time", s->periodic_inform_time},
                {"connection_request_username", s->connection_request_username},
                {"connection_request_password", s->connection_request_password},
                {"stun_server_address", s->stun_server_address},
                {"stun_username", s->stun_username},
                {"stun_password", s->stun_password},
                {"instance_mode", s->instance_mode},
                {"heartbeat_initiation_time", s->heartbeat_initiation_time},
                {"atc_transfer_type_filter", s->atc_transfer_type_filter},
                {"atc_result_type_filter", s->atc_result_type_filter},
                {"atc_file_type_filter", s->atc_file_type_filter},
        };

        printf("settings {");
        for (size_t i = 0; i < ELEMENTSOF(strings); i++) {
                printf("\"%s\": ", strings[i].key);
                print_json_string(strings[i].value);
                printf(", ");
        }
        printf("\"enable_cwmp\": %s, \"periodic_inform_enable\": %s, "
               "\"periodic_inform_interval\": %" PRIu32 ", "
               "\"default_active_notification_throttle\": %" PRIu32 ", "
               "\"cwmp_retry_minimum_wait_interval\": %" PRIu32 ", "
               "\"cwmp_retry_interval_multiplier\": %" PRIu32 ", \"stun_enable\": %s, "
               "\"stun_server_port\": %" PRIu32 ", \"stun_maximum_keep_alive_period\": %" PRId32
               ", \"stun_minimum_keep_alive_period\": %" PRIu32 ", \"heartbeat_enable\": %s, "
               "\"heartbeat_interval\": %" PRIu32 ", \"atc_enable\": %s}\n",
               s->enable_cwmp ? "true" : "false", s->periodic_inform_enable ? "true" : "false",
               s->periodic_inform_interval, s->default_active_notification_throttle,
               s->cwmp_retry_minimum_wait_interval, s->cwmp_retry_interval_multiplier,
               s->stun_enable ? "true" : "false", s->stun_server_port,
               s->stun_maximum_keep_alive_period, s->stun_minimum_keep_alive_period,
               s->heartbeat_enable ? "true" : "false", s->heartbeat_interval,
               s->atc_enable ? "true" : "false");
        fflush(stdout);
}

static void on_change(void *userdata, unsigned changes)
{
        static const struct {
                unsigned flag;
                const char *name;
        } groups[] = {
                {MANAGEMENT_CHANGE_URL, "URL"},
                {MANAGEMENT_CHANGE_CREDENTIALS, "CREDENTIALS"},
                {MANAGEMENT_CHANGE_PERIODIC, "PERIODIC"},
                {MANAGEMENT_CHANGE_RETRY, "RETRY"},
                {MANAGEMENT_CHANGE_CONNECTION_REQUEST, "CONNECTION_REQUEST"},
                {MANAGEMENT_CHANGE_STUN, "STUN"},
                {MANAGEMENT_CHANGE_HEARTBEAT, "HEARTBEAT"},
                {MANAGEMENT_CHANGE_ENABLE, "ENABLE"},
                {MANAGEMENT_CHANGE_REBOOT, "REBOOT"},
                {MANAGEMENT_CHANGE_HTTP_CONNECTION_REQUEST, "HTTP_CONNECTION_REQUEST"},
        };
        struct context *ctx = userdata;

        printf("on_change");
        for (size_t i = 0; i < ELEMENTSOF(groups); i++)
                if (changes & groups[i].flag)
                        printf(" %s", groups[i].name);
        printf("\n");
        print_settings(management_server_settings(ctx->ms));
}

/* ---- live values ---- */

static char *get_parameter_key(void *userdata)
{
        struct context *ctx = userdata;
        return strdup(ctx->parameter_key ? ctx->parameter_key : "");
}

static char *get_conreq_url(void *userdata)
{
        struct context *ctx = userdata;
        return strdup(ctx->conreq_url ? ctx->conreq_url : "");
}

static char *get_udp_address(void *userdata)
{
        struct context *ctx = userdata;
        return strdup(ctx->options->udp_address ? ctx->options->udp_address : "");
}

static bool get_nat_detected(void *userdata)
{
        struct context *ctx = userdata;
        return ctx->options->nat_detected;
}

static const struct management_live live = {
        .connection_request_url = get_conreq_url,
        .udp_connection_request_address = get_udp_address,
        .nat_detected = get_nat_detected,
        .parameter_key = get_parameter_key,
};

/* ---- dmd's ParameterKey property ---- */

static void set_parameter_key(struct context *ctx, DBusMessageIter *variant)
{
        const char *key;
        char *copy;

        if (dbus_message_iter_get_arg_type(variant) != DBUS_TYPE_STRING)
                return;
        dbus_message_iter_get_basic(variant, &key);
        copy = strdup(key);
        if (!copy)
                return;
        free(ctx->parameter_key);
        ctx->parameter_key = copy;
        log_debug("ParameterKey is now '%s'", key);
}

static void on_parameter_key(DBusMessage *reply, void *userdata)
{
        DBusMessageIter it, variant;

        if (dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_ERROR) {
                log_debug("Reading ParameterKey failed: %s", dbus_message_get_error_name(reply));
                return;
        }
        if (!dbus_message_iter_init(reply, &it) ||
            dbus_message_iter_get_arg_type(&it) != DBUS_TYPE_VARIANT)
                return;
        dbus_message_iter_recurse(&it, &variant);
        set_parameter_key(userdata, &variant);
}

static int fetch_parameter_key(struct context *ctx)
{
        _cleanup_dbus_message_ DBusMessage *call = NULL;
        const char *iface = DM_INTERFACE, *name = "ParameterKey";

        call = dbus_message_new_method_call(DM_BUS_NAME, DM_PATH, DBUS_INTERFACE_PROPERTIES, "Get");
        if (!call || !dbus_message_append_args(call, DBUS_TYPE_STRING, &iface, DBUS_TYPE_STRING,
                                               &name, DBUS_TYPE_INVALID))
                return -ENOMEM;
        return bus_call_async(ctx->bus, call, -1, on_parameter_key, ctx, NULL);
}

static DBusHandlerResult on_signal(DBusConnection *c, DBusMessage *m, void *userdata)
{
        struct context *ctx = userdata;
        DBusMessageIter it, dict, entry, variant;
        const char *iface, *name, *old_owner, *new_owner;

        if (dbus_message_is_signal(m, DBUS_INTERFACE_DBUS, "NameOwnerChanged") &&
            dbus_message_get_args(m, NULL, DBUS_TYPE_STRING, &name, DBUS_TYPE_STRING, &old_owner,
                                  DBUS_TYPE_STRING, &new_owner, DBUS_TYPE_INVALID) &&
            streq(name, DM_BUS_NAME) && *new_owner) {
                (void)fetch_parameter_key(ctx);
                return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
        }
        if (!dbus_message_is_signal(m, DBUS_INTERFACE_PROPERTIES, PROPS_CHANGED) ||
            !dbus_message_has_path(m, DM_PATH) || !dbus_message_has_signature(m, "sa{sv}as"))
                return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
        dbus_message_iter_init(m, &it);
        dbus_message_iter_get_basic(&it, &iface);
        if (!streq(iface, DM_INTERFACE))
                return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
        dbus_message_iter_next(&it);
        dbus_message_iter_recurse(&it, &dict);
        for (; dbus_message_iter_get_arg_type(&dict) == DBUS_TYPE_DICT_ENTRY;
             dbus_message_iter_next(&dict)) {
                dbus_message_iter_recurse(&dict, &entry);
                dbus_message_iter_get_basic(&entry, &name);
                dbus_message_iter_next(&entry);
                dbus_message_iter_recurse(&entry, &variant);
                if (streq(name, "ParameterKey"))
                        set_parameter_key(ctx, &variant);
        }
        return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
}

static int watch_parameter_key(struct context *ctx)
{
        if (!dbus_connection_add_filter(ctx->bus, on_signal, ctx, NULL))
                return -ENOMEM;
        ctx->filter_added = true;
        /* the bus handles our messages in order: the matches are in place before Get */
        dbus_bus_add_match(ctx->bus, PROPERTIES_MATCH, NULL);
        dbus_bus_add_match(ctx->bus, OWNER_MATCH, NULL);
        return fetch_parameter_key(ctx);
}

/* SIGUSR1: the connection request address changed, as when the WAN address does. */
static int on_sigusr1(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        struct context *ctx = userdata;
        char *next;
        int r;

        if (!ctx->options->next_conreq_url)
                return 0;
        next = strdup(ctx->options->next_conreq_url);
        if (!next)
                return 0;
        free(ctx->conreq_url);
        ctx->conreq_url = next;
        r = management_server_notify(ctx->ms, "ConnectionRequestURL", next);
        if (r < 0)
                log_warning_errno(r, "Failed to report the ConnectionRequestURL: %m");
        else
                log_info("ConnectionRequestURL is now %s", next);
        return 0;
}

/* ---- main ---- */

static void usage(FILE *f)
{
        fprintf(f, "Usage: test-management-server --schema FILE --state FILE [--url URL]\n"
                   "         [--username NAME] [--password SECRET] [--periodic-interval S]\n"
                   "         [--retry-min-wait S] [--conreq-url URL] [--next-conreq-url URL]\n"
                   "         [--udp-address HOST:PORT] [--nat-detected]\n"
                   "Serves Device.ManagementServer. on the system bus (DBUS_SYSTEM_BUS_ADDRESS)\n"
                   "and prints the settings and every change group on stdout.\n");
}

static int parse_u32(const char *s, uint32_t *ret)
{
        if (cw_parse_uint32(s, ret) < 0) {
                log_error("Not an unsigned number: %s", s);
                return -EINVAL;
        }
        return 0;
}

static int parse_argv(int argc, char **argv, struct options *o)
{
        enum {
                ARG_SCHEMA = 0x100,
                ARG_STATE,
                ARG_URL,
                ARG_USERNAME,
                ARG_PASSWORD,
                ARG_PERIODIC_INTERVAL,
                ARG_RETRY_MIN_WAIT,
                ARG_CONREQ_URL,
                ARG_NEXT_CONREQ_URL,
                ARG_UDP_ADDRESS,
                ARG_NAT_DETECTED,
        };
        static const struct option long_options[] = {
                {"help", no_argument, NULL, 'h'},
                {"schema", required_argument, NULL, ARG_SCHEMA},
                {"state", required_argument, NULL, ARG_STATE},
                {"url", required_argument, NULL, ARG_URL},
                {"username", required_argument, NULL, ARG_USERNAME},
                {"password", required_argument, NULL, ARG_PASSWORD},
                {"periodic-interval", required_argument, NULL, ARG_PERIODIC_INTERVAL},
                {"retry-min-wait", required_argument, NULL, ARG_RETRY_MIN_WAIT},
                {"conreq-url", required_argument, NULL, ARG_CONREQ_URL},
                {"next-conreq-url", required_argument, NULL, ARG_NEXT_CONREQ_URL},
                {"udp-address", required_argument, NULL, ARG_UDP_ADDRESS},
                {"nat-detected", no_argument, NULL, ARG_NAT_DETECTED},
                {},
        };
        int c, r = 0;

        while (r >= 0 && (c = getopt_long(argc, argv, "h", long_options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        usage(stdout);
                        exit(EXIT_SUCCESS);
                case ARG_SCHEMA:
                        o->schema = optarg;
                        break;
                case ARG_STATE:
                        o->state = optarg;
                        break;
                case ARG_URL:
                        o->defaults.url = optarg;
                        break;
                case ARG_USERNAME:
                        o->defaults.username = optarg;
                        break;
                case ARG_PASSWORD:
                        o->defaults.password = optarg;
                        break;
                case ARG_PERIODIC_INTERVAL:
                        r = parse_u32(optarg, &o->defaults.periodic_inform_interval);
                        break;
                case ARG_RETRY_MIN_WAIT:
                        r = parse_u32(optarg, &o->defaults.cwmp_retry_minimum_wait_interval);
                        break;
                case ARG_CONREQ_URL:
                        o->conreq_url = optarg;
                        break;
                case ARG_NEXT_CONREQ_URL:
                        o->next_conreq_url = optarg;
                        break;
                case ARG_UDP_ADDRESS:
                        o->udp_address = optarg;
                        break;
                case ARG_NAT_DETECTED:
                        o->nat_detected = true;
                        break;
                default:
                        usage(stderr);
                        return -EINVAL;
                }
        }
        if (r < 0)
                return r;
        if (optind < argc || !o->schema || !o->state) {
                usage(stderr);
                return -EINVAL;
        }
        return 0;
}

static int run(int argc, char **argv)
{
        struct options o = {};
        struct context ctx = {.options = &o};
        sd_event *event = NULL;
        sigset_t mask;
        int r;

        log_open("test-management-server");
        r = parse_argv(argc, argv, &o);
        if (r < 0)
                return r;
        if (o.conreq_url) {
                ctx.conreq_url = strdup(o.conreq_url);
                if (!ctx.conreq_url)
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
        if ((r = sd_event_add_signal(event, NULL, SIGTERM, NULL, NULL)) < 0 ||
            (r = sd_event_add_signal(event, NULL, SIGINT, NULL, NULL)) < 0 ||
            (r = sd_event_add_signal(event, NULL, SIGUSR1, on_sigusr1, &ctx)) < 0) {
                log_error_errno(r, "Failed to watch signals: %m");
                goto finish;
        }

        r = bus_open_system(event, &ctx.bus);
        if (r < 0) {
                log_error_errno(r, "Failed to connect to the bus: %m");
                goto finish;
        }
        r = watch_parameter_key(&ctx);
        if (r < 0) {
                log_error_errno(r, "Failed to follow dmd's ParameterKey: %m");
                goto finish;
        }

        r = management_server_new(event, ctx.bus, o.schema, o.state, &o.defaults, &live, on_change,
                                  &ctx, &ctx.ms);
        if (r < 0) {
                log_error_errno(r, "Failed to set up Device.ManagementServer.: %m");
                goto finish;
        }
        r = management_server_start(ctx.ms);
        if (r < 0) {
                log_error_errno(r, "Failed to start Device.ManagementServer.: %m");
                goto finish;
        }
        print_settings(management_server_settings(ctx.ms));

        (void)sd_notify(0, "READY=1");
        r = sd_event_loop(event);
        (void)sd_notify(0, "STOPPING=1");
        if (r < 0)
                log_error_errno(r, "Event loop failed: %m");

finish:
        management_server_free(ctx.ms);
        if (ctx.filter_added)
                dbus_connection_remove_filter(ctx.bus, on_signal, &ctx);
        bus_close(ctx.bus);
        sd_event_unref(event);
        free(ctx.parameter_key);
        free(ctx.conreq_url);
        return r;
}

int main(int argc, char **argv)
{
        return run(argc, argv) < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
