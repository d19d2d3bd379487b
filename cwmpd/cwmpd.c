/* SPDX-License-Identifier: MIT */
/* cwmpd: the CWMP protocol engine, talking to the ACS for the whole box. */
#include <errno.h>
#include <stdlib.h>

#include <curl/curl.h>
#include <libxml/parser.h>

#include "daemon-cmdline.h"
#include "log.h"
#include "manager.h"

static const struct daemon_info info = {
        .name = "cwmpd",
        .description = "The CWMP (TR-069) agent: sessions with the ACS, Inform and events, "
                       "connection\nrequests. Parameters are read and changed through dmd "
                       "(io.cwmp.DataModel).",
        .version = CWMP_VERSION,
        .default_config = CWMP_SYSCONF_DIR "/cwmpd.conf",
        .default_schema_dir = CWMP_SCHEMA_DIR,
        .default_state_dir = CWMP_STATE_DIR,
};

int main(int argc, char **argv)
{
        struct settings settings;
        struct daemon_cmdline cl;
        struct manager *m = NULL;
        int r;

        log_open(info.name);
        settings_init(&settings);
        r = daemon_cmdline_parse(argc, argv, &info, &cl);
        if (r > 0 && daemon_cmdline_override(&settings.config_file, cl.config) >= 0 &&
            settings_load(&settings, settings.config_file) >= 0 &&
            daemon_cmdline_override(&settings.state_dir, cl.state_dir) >= 0 &&
            daemon_cmdline_override(&settings.runtime_dir, cl.runtime_dir) >= 0 &&
            daemon_cmdline_override(&settings.bus_address, cl.address) >= 0) {
                settings.schema_dirs = cl.schema_dirs; /* the command line's replace the config's */
                cl.schema_dirs = (struct strv){};
                log_set_max_level(cl.debug ? LOG_DEBUG : settings.log_level);
                /* Both libraries keep process-wide state of their own: set up once, here. */
                if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
                        log_error("Cannot initialise libcurl");
                        settings_done(&settings);
                        daemon_cmdline_done(&cl);
                        return EXIT_FAILURE;
                }
                xmlInitParser();
                r = manager_new(&settings, &m); /* takes the settings over, even on failure */
                if (r >= 0)
                        r = manager_start(m);
                if (r >= 0)
                        r = manager_run(m);
                manager_free(m);
                xmlCleanupParser();
                curl_global_cleanup();
        } else {
                if (r > 0)
                        log_error("Cannot read the configuration %s", settings.config_file);
                settings_done(&settings);
                r = r == 0 ? 0 : -EINVAL;
        }
        daemon_cmdline_done(&cl);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
