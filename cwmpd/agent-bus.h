/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>

struct manager;

/* io.cwmp.Agent1 at /io/cwmp/Agent. */
int agent_bus_register(struct manager *m);
int agent_bus_emit_session_ended(struct manager *m, bool success, const char *result);
