/* SPDX-License-Identifier: MIT */
/* fwupd-bridge: the file transfers the ACS requests (Download, Upload, ScheduleDownload)
 * and the firmware they install. */
#include <errno.h>
#include <stdlib.h>

#include "daemon-cmdline.h"
#include "log.h"
#include "manager.h"

static const struct daemon_info info = {
        .name = "fwupd-bridge",
        .description = "The file transfer daemon: serves io.cwmp.Firmware1 to cwmpd, downloads "
                       "and uploads\nfiles over HTTP(S), installs firmware through fwupd or A/B "
                       "slots, applies and\nexports vendor configuration files through dmd, and "
                       "hands each result to cwmpd.",
        .version = CWMP_VERSION,
        .default_config = CWMP_SYSCONF_DIR "/fwupd-bridge.conf",
        .default_schema_dir = CWMP_SCHEMA_DIR,
        .default_state_dir = CWMP_STATE_DIR,
};

int main(int argc, char **argv)
{
        struct daemon_cmdline cl;
        struct manager *m = NULL;
        int r;

        log_open(info.name);
        r = daemon_cmdline_parse(argc, argv, &info, &cl);
        if (r <= 0)
                return r == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
        log_set_max_level(cl.debug ? LOG_DEBUG : LOG_INFO);
        if (cl.schema_dirs.n == 0 && strv_push(&cl.schema_dirs, info.default_schema_dir) < 0) {
                daemon_cmdline_done(&cl);
                return EXIT_FAILURE;
        }
        struct manager_options options = {
                .config_file = cl.config ? cl.config : info.default_config,
                .state_dir = cl.state_dir,
                .default_state_dir = CWMP_STATE_DIR "/fwupd-bridge",
                .bus_address = cl.address,
                .schema_dirs = cl.schema_dirs,
                .debug = cl.debug,
        };
        r = manager_new(&options, &m);
        if (r >= 0)
                r = manager_start(m);
        if (r >= 0)
                r = manager_run(m);
        else if (r == -ENOMEM)
                log_error("Out of memory");
        manager_free(m);
        daemon_cmdline_done(&cl);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
