/* SPDX-License-Identifier: MIT */
/*
 * cwmpctl: main, the options every command shares, help and dispatch.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cwmpctl.h"
#include "util.h"

#ifndef CWMP_VERSION
#define CWMP_VERSION "unknown"
#endif

static const char exit_status_help[] =
        "Exit status:\n"
        "  0  success\n"
        "  1  refused by dmd or cwmpd: a CWMP fault, printed on stderr\n"
        "  2  usage error\n"
        "  3  dmd (cwmpd for inform, status, queue-event) unreachable: no bus, its name\n"
        "     (" CWMPCTL_BUS_NAME ", " CWMPCTL_AGENT_BUS_NAME ") not on it, or no answer in time\n"
        "  4  any other failure (out of memory, an unreadable reply, output not writable)\n";

static const char common_options_help[] =
        "  -h, --help              Show this help\n"
        "      --address ADDR      Use the D-Bus at ADDR instead of the system bus\n"
        "      --timeout SECONDS   Wait at most SECONDS for the answer (default 30)\n";

static void print_help(void)
{
        printf("Usage: cwmpctl [OPTIONS] COMMAND [ARGS...]\n"
               "\n"
               "Reads and changes the CWMP data model through dmd (" CWMPCTL_BUS_NAME
               " on D-Bus),\n"
               "and drives the sessions with the ACS through cwmpd (" CWMPCTL_AGENT_BUS_NAME ").\n"
               "\n"
               "Commands:\n");
        for (size_t i = 0; i < cwmpctl_n_commands; i++) {
                const struct cwmpctl_command *c = &cwmpctl_commands[i];
                const char *line = c->synopsis;

                /* A synopsis may span lines; the summary follows the first one. */
                const char *nl = strchr(line, '\n');
                int len = nl ? (int)(nl - line) : (int)strlen(line);
                printf("  %-*.*s %s\n", 46, len, line, c->summary);
                while (nl) {
                        line = nl + 1;
                        nl = strchr(line, '\n');
                        len = nl ? (int)(nl - line) : (int)strlen(line);
                        printf("  %.*s\n", len, line);
                }
        }
        printf("\n"
               "Options:\n"
               "%s"
               "      --version           Show the version\n"
               "\n"
               "--address, --timeout and --help are accepted after COMMAND too.\n"
               "Run 'cwmpctl COMMAND --help' for a command's options.\n"
               "Values are printed as they are, newlines included.\n"
               "\n"
               "%s",
               common_options_help, exit_status_help);
}

int cwmpctl_command_help(const char *command, const char *details)
{
        for (size_t i = 0; i < cwmpctl_n_commands; i++) {
                const struct cwmpctl_command *c = &cwmpctl_commands[i];
                const char *line = c->synopsis;

                if (!streq(c->name, command))
                        continue;
                /* Every synopsis line starts with "Usage: cwmpctl " or its indent. */
                for (bool first = true; line; first = false) {
                        const char *nl = strchr(line, '\n');
                        int len = nl ? (int)(nl - line) : (int)strlen(line);
                        printf("%s%.*s\n", first ? "Usage: cwmpctl " : "       cwmpctl ", len,
                               line);
                        line = nl ? nl + 1 : NULL;
                }
                printf("\n%s.\n", c->summary);
                break;
        }
        printf("\n%s\nOptions:\n%s\n%s", details, common_options_help, exit_status_help);
        return CWMPCTL_EXIT_OK;
}

int cwmpctl_next_option(struct cwmpctl *ctx, int argc, char **argv, const char *short_options,
                        const struct option *options, const char *command, const char *details,
                        int *opt)
{
        int r;

        for (;;) {
                *opt = getopt_long(argc, argv, short_options, options, NULL);
                switch (*opt) {
                case -1:
                        return CWMPCTL_OPTION_END;
                case 'h':
                        cwmpctl_command_help(command, details);
                        return CWMPCTL_OPTION_HELP;
                case '?':
                        return cwmpctl_usage_hint(command);
                case CWMPCTL_OPT_ADDRESS:
                case CWMPCTL_OPT_TIMEOUT:
                        r = cwmpctl_common_option(ctx, *opt, optarg);
                        if (r > 0)
                                return r;
                        continue;
                default:
                        return 0;
                }
        }
}

int cwmpctl_option_exit(int r)
{
        return r == CWMPCTL_OPTION_HELP ? CWMPCTL_EXIT_OK : r;
}

int cwmpctl_check_utf8(const char *command, const char *what, const char *s)
{
        if (dbus_validate_utf8(s, NULL))
                return 0;
        return cwmpctl_usage_error(command, "%s is not valid UTF-8", what);
}

int cwmpctl_usage_error(const char *command, const char *format, ...)
{
        va_list ap;

        /* The same form as getopt_long's complaints: "cwmpctl get: ...". */
        fprintf(stderr, "cwmpctl%s%s: ", command ? " " : "", command ?: "");
        va_start(ap, format);
        vfprintf(stderr, format, ap);
        va_end(ap);
        fputc('\n', stderr);
        return cwmpctl_usage_hint(command);
}

int cwmpctl_usage_hint(const char *command)
{
        fprintf(stderr, "Try 'cwmpctl %s%s--help'.\n", command ? command : "", command ? " " : "");
        return CWMPCTL_EXIT_USAGE;
}

static int parse_timeout(const char *arg, int *ret_ms)
{
        char *end = NULL;
        double seconds;

        errno = 0;
        seconds = strtod(arg, &end);
        if (errno != 0 || end == arg || *end != '\0' || !isfinite(seconds) || seconds <= 0 ||
            seconds > INT_MAX / 1000)
                return -EINVAL;
        /* Round up so that a tiny positive timeout never becomes "no timeout" (0). */
        double ms = seconds * 1000;
        *ret_ms = (int)ms;
        if (*ret_ms < ms)
                (*ret_ms)++;
        return 0;
}

int cwmpctl_common_option(struct cwmpctl *ctx, int opt, const char *arg)
{
        switch (opt) {
        case CWMPCTL_OPT_ADDRESS:
                if (arg[0] == '\0')
                        return cwmpctl_usage_error(NULL, "--address needs a D-Bus address");
                ctx->address = arg;
                return 0;
        case CWMPCTL_OPT_TIMEOUT:
                if (parse_timeout(arg, &ctx->timeout_ms) < 0)
                        return cwmpctl_usage_error(NULL,
                                                   "invalid --timeout '%s': expected a "
                                                   "positive number of seconds",
                                                   arg);
                return 0;
        default:
                return cwmpctl_usage_error(NULL, "unexpected option");
        }
}

static const struct cwmpctl_command *find_command(const char *name)
{
        for (size_t i = 0; i < cwmpctl_n_commands; i++)
                if (streq(cwmpctl_commands[i].name, name))
                        return &cwmpctl_commands[i];
        return NULL;
}

/* Parses the options before COMMAND. Returns -1 to go on, or an exit code. */
static int parse_global_options(struct cwmpctl *ctx, int argc, char **argv)
{
        static const struct option options[] = {
                CWMPCTL_COMMON_LONG_OPTIONS,
                {"version", no_argument, NULL, CWMPCTL_OPT_VERSION},
                {},
        };
        int opt, r;

        /* "+": stop at COMMAND, whose options are its own. */
        while ((opt = getopt_long(argc, argv, "+h", options, NULL)) >= 0) {
                switch (opt) {
                case 'h':
                        print_help();
                        return CWMPCTL_EXIT_OK;
                case CWMPCTL_OPT_VERSION:
                        printf("cwmpctl " CWMP_VERSION "\n");
                        return CWMPCTL_EXIT_OK;
                case '?':
                        /* getopt_long has printed what was wrong. */
                        return cwmpctl_usage_hint(NULL);
                default:
                        r = cwmpctl_common_option(ctx, opt, optarg);
                        if (r > 0)
                                return r;
                }
        }
        return -1;
}

static int run(int argc, char **argv)
{
        struct cwmpctl ctx = {
                .timeout_ms = CWMPCTL_DEFAULT_TIMEOUT_MS,
        };
        const struct cwmpctl_command *command;
        char command_ident[64];
        int r;

        /* getopt_long names argv[0] in its complaints: make them read "cwmpctl get: ...". */
        argv[0] = (char *)"cwmpctl";
        r = parse_global_options(&ctx, argc, argv);
        if (r >= 0)
                return r;
        if (optind >= argc)
                return cwmpctl_usage_error(NULL, "missing command");

        command = find_command(argv[optind]);
        if (!command)
                return cwmpctl_usage_error(NULL, "unknown command '%s'", argv[optind]);

        /* The command parses its own argv from scratch: optind 0 re-initialises getopt. */
        argc -= optind;
        argv += optind;
        optind = 0;
        snprintf(command_ident, sizeof(command_ident), "cwmpctl %s", command->name);
        argv[0] = command_ident;
        r = command->run(&ctx, argc, argv);

        cwmpctl_disconnect(&ctx);
        return r;
}

int main(int argc, char **argv)
{
        int r = run(argc, argv);

        if (fflush(stdout) != 0 && r == CWMPCTL_EXIT_OK) {
                /* A full disk or a closed pipe must not look like success to a script. */
                fprintf(stderr, "cwmpctl: cannot write output: %m\n");
                r = CWMPCTL_EXIT_FAILURE;
        }
        dbus_shutdown();
        return r;
}
