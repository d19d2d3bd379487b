/* SPDX-License-Identifier: MIT */
#pragma once

struct manager;

/* Registers dmd's built-in owners of Device.Time. and Device.DNS.Client. (values read from
 * the running system, see time-status.h and dns-client.h). */
int system_owners_setup(struct manager *m);
void system_owners_free(struct manager *m);
