/* SPDX-License-Identifier: MIT */
#pragma once

#include "util.h"

struct manager_options {
        const char *state_dir;
        const char *bus_address; /* NULL: the system bus */
        const char *resolv_conf; /* NULL: /etc/resolv.conf */
        struct strv schema_dirs; /* where 30-ip-diagnostics.schema and its sibling are */
};

struct manager;

int manager_new(const struct manager_options *options, struct manager **ret);
void manager_free(struct manager *m);
int manager_start(struct manager *m);
int manager_run(struct manager *m);
