/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon-cmdline.h"

static void help(const struct daemon_info *info)
{
        printf("Usage: %s [OPTIONS]\n\n%s\n\n"
               "  -c, --config FILE       configuration (default %s,\n"
               "                          plus FILE.d/ *.conf drop-ins)\n"
               "  -s, --schema-dir DIR    load DIR/ *.schema; repeat for more (default\n"
               "                          %s)\n"
               "      --state-dir DIR     persistent state (default %s)\n"
               "      --runtime-dir DIR   state that lives until reboot (default /run/cwmp)\n"
               "  -a, --address ADDRESS   D-Bus address instead of the system bus\n"
               "  -d, --debug             log debug messages\n"
               "  -h, --help              show this help\n"
               "      --version           show the version\n",
               info->name, info->description, info->default_config, info->default_schema_dir,
               info->default_state_dir);
}

enum { ARG_STATE_DIR = 0x100, ARG_RUNTIME_DIR, ARG_VERSION };

int daemon_cmdline_parse(int argc, char **argv, const struct daemon_info *info,
                         struct daemon_cmdline *cl)
{
        static const struct option options[] = {
                {"config", required_argument, NULL, 'c'},
                {"schema-dir", required_argument, NULL, 's'},
                {"state-dir", required_argument, NULL, ARG_STATE_DIR},
                {"runtime-dir", required_argument, NULL, ARG_RUNTIME_DIR},
                {"address", required_argument, NULL, 'a'},
                {"debug", no_argument, NULL, 'd'},
                {"help", no_argument, NULL, 'h'},
                {"version", no_argument, NULL, ARG_VERSION},
                {},
        };
        int c;

        *cl = (struct daemon_cmdline){};
        while ((c = getopt_long(argc, argv, "c:s:a:dh", options, NULL)) >= 0) {
                switch (c) {
                case 'c':
                        cl->config = optarg;
                        break;
                case 's':
                        if (strv_push(&cl->schema_dirs, optarg) < 0)
                                return -ENOMEM;
                        break;
                case ARG_STATE_DIR:
                        cl->state_dir = optarg;
                        break;
                case ARG_RUNTIME_DIR:
                        cl->runtime_dir = optarg;
                        break;
                case 'a':
                        cl->address = optarg;
                        break;
                case 'd':
                        cl->debug = true;
                        break;
                case 'h':
                        help(info);
                        return 0;
                case ARG_VERSION:
                        printf("%s %s\n", info->name, info->version);
                        return 0;
                default:
                        return -EINVAL; /* getopt said why */
                }
        }
        if (optind < argc) {
                fprintf(stderr, "%s: unexpected argument '%s'\n", info->name, argv[optind]);
                return -EINVAL;
        }
        return 1;
}

void daemon_cmdline_done(struct daemon_cmdline *cl)
{
        strv_done(&cl->schema_dirs);
}

int daemon_cmdline_override(char **dst, const char *value)
{
        if (!value)
                return 0;
        char *v = strdup(value);
        if (!v)
                return -ENOMEM;
        free(*dst);
        *dst = v;
        return 0;
}
