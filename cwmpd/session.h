/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>

struct manager;
struct session;

/*
 * One CWMP session with the ACS (TR-069 3.7): Inform, the CPE's own requests, the empty
 * POST, then the ACS's requests answered one by one until an empty response ends it.
 * Every session has its own HTTP connection (cookies, keep-alive, authentication) and ends
 * by calling manager_session_ended().
 */

int session_start(struct manager *m, struct session **ret);
void session_free(struct session *s);
/* "inform", "waiting for the ACS", ... for status displays. */
const char *session_state_name(const struct session *s);
