/* SPDX-License-Identifier: MIT */
/* dmd: the data model daemon, front door of the CWMP data model on D-Bus. */
#include <errno.h>
#include <stdlib.h>

#include "daemon-cmdline.h"
#include "log.h"
#include "manager.h"

static const struct daemon_info info = {
        .name = "dmd",
        .description = "The data model daemon: serves the CWMP data model as io.cwmp.DataModel "
                       "on the\nsystem bus and coordinates the providers that own parts of it.",
        .version = CWMP_VERSION,
        .default_config = CWMP_SYSCONF_DIR "/dmd.conf",
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
                r = manager_new(&settings, &m); /* takes the settings over, even on failure */
                if (r >= 0)
                        r = manager_start(m);
                if (r >= 0)
                        r = manager_run(m);
                manager_free(m);
        } else {
                if (r > 0)
                        log_error("Cannot read the configuration %s", settings.config_file);
                settings_done(&settings);
                r = r == 0 ? 0 : -EINVAL;
        }
        daemon_cmdline_done(&cl);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
