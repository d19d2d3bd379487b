/* SPDX-License-Identifier: MIT */
/* cwmpd: the CWMP protocol engine, talking to the ACS for the whole box. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <libxml/parser.h>

#include "log.h"
#include "manager.h"

static void help(void)
{
        printf("Usage: cwmpd [OPTIONS]\n\n"
               "The CWMP (TR-069) agent: sessions with the ACS, Inform and events, connection\n"
               "requests. Parameters are read and changed through dmd (io.cwmp.DataModel).\n\n"
               "  -c, --config FILE       configuration (default " CWMP_SYSCONF_DIR "/cwmpd.conf,\n"
               "                          plus FILE.d/ *.conf drop-ins)\n"
               "  -s, --schema-dir DIR    schema fragments, as dmd's; repeat for more (default\n"
               "                          " CWMP_SCHEMA_DIR ")\n"
               "      --state-dir DIR     persistent state (default " CWMP_STATE_DIR ")\n"
               "      --runtime-dir DIR   state that lives until reboot (default /run/cwmp)\n"
               "  -a, --address ADDRESS   D-Bus address instead of the system bus\n"
               "  -d, --debug             log debug messages (every SOAP message)\n"
               "  -h, --help              show this help\n"
               "      --version           show the version\n");
}

enum { ARG_STATE_DIR = 0x100, ARG_RUNTIME_DIR, ARG_VERSION };

static int replace(char **dst, const char *value)
{
        char *v = strdup(value);
        if (!v)
                return -ENOMEM;
        free(*dst);
        *dst = v;
        return 0;
}

struct cmdline {
        const char *config, *state_dir, *runtime_dir, *address;
        bool debug;
};

static int parse_argv(int argc, char **argv, struct cmdline *cl, struct settings *s)
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

        while ((c = getopt_long(argc, argv, "c:s:a:dh", options, NULL)) >= 0) {
                switch (c) {
                case 'c':
                        cl->config = optarg;
                        break;
                case 's':
                        if (strv_push(&s->schema_dirs, optarg) < 0)
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
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("cwmpd " CWMP_VERSION "\n");
                        return 0;
                default:
                        return -EINVAL;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "cwmpd: unexpected argument '%s'\n", argv[optind]);
                return -EINVAL;
        }
        return 1;
}

int main(int argc, char **argv)
{
        struct settings settings;
        struct cmdline cl = {};
        struct manager *m = NULL;
        int r;

        log_open("cwmpd");
        settings_init(&settings);
        r = parse_argv(argc, argv, &cl, &settings);
        if (r <= 0) {
                settings_done(&settings);
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        }
        if (cl.config && replace(&settings.config_file, cl.config) < 0)
                goto oom;
        r = settings_load(&settings, settings.config_file);
        if (r < 0) {
                log_error_errno(r, "Failed to read %s: %m", settings.config_file);
                settings_done(&settings);
                return EXIT_FAILURE;
        }
        if ((cl.state_dir && replace(&settings.state_dir, cl.state_dir) < 0) ||
            (cl.runtime_dir && replace(&settings.runtime_dir, cl.runtime_dir) < 0) ||
            (cl.address && replace(&settings.bus_address, cl.address) < 0))
                goto oom;
        log_set_max_level(cl.debug ? LOG_DEBUG : settings.log_level);

        /* Both libraries keep process-wide state of their own: set it up once, here. */
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
                log_error("Cannot initialise libcurl");
                settings_done(&settings);
                return EXIT_FAILURE;
        }
        xmlInitParser();

        r = manager_new(&settings, &m);
        if (r >= 0) {
                r = manager_start(m);
                if (r >= 0)
                        r = manager_run(m);
        }
        manager_free(m);
        xmlCleanupParser();
        curl_global_cleanup();
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
oom:
        log_error("Out of memory");
        settings_done(&settings);
        return EXIT_FAILURE;
}
