/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>

#include "util.h"

/*
 * The command line every daemon shares: where its configuration, schema and state are,
 * and which bus to use. Values given here win over the configuration file.
 */

struct daemon_info {
        const char *name;        /* "dmd" */
        const char *description; /* a paragraph for --help */
        const char *version;
        const char *default_config;
        const char *default_schema_dir;
        const char *default_state_dir;
};

struct daemon_cmdline {
        const char *config, *state_dir, *runtime_dir, *address; /* NULL: not given */
        bool debug;
        struct strv schema_dirs;
};

/* Returns 1 to go on, 0 after printing --help or --version, -EINVAL after printing a usage
 * error, -ENOMEM. */
int daemon_cmdline_parse(int argc, char **argv, const struct daemon_info *info,
                         struct daemon_cmdline *ret);
void daemon_cmdline_done(struct daemon_cmdline *cl);
/* Replaces *dst by a copy of value when value is given. */
int daemon_cmdline_override(char **dst, const char *value);
