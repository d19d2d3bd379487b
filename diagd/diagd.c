/* SPDX-License-Identifier: MIT */
/* diagd: the diagnostics the ACS requests (IPPing, NSLookup), as TR-181 defines them. */
#include <errno.h>
#include <stdlib.h>

#include "daemon-cmdline.h"
#include "log.h"
#include "manager.h"

static const struct daemon_info info = {
        .name = "diagd",
        .description = "The diagnostics daemon: serves Device.IP.Diagnostics. and "
                       "Device.DNS.Diagnostics.\nthrough dmd and runs the tests the ACS "
                       "requests. It reads no configuration file\nof its own yet.",
        .version = CWMP_VERSION,
        .default_config = CWMP_SYSCONF_DIR "/diagd.conf",
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
                .state_dir = cl.state_dir ? cl.state_dir : CWMP_STATE_DIR "/diagd",
                .bus_address = cl.address,
                .resolv_conf = getenv("DIAGD_RESOLV_CONF"),
                .schema_dirs = cl.schema_dirs,
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
