/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "soap.h"

struct manager;
struct inform;

/*
 * The Inform of a session (TR-069 A.3.3.1): the DeviceId, the events waiting, and the
 * ParameterList: the forced Inform parameters of the schema plus every notified parameter
 * whose value changed, read from dmd in one call when the session starts, and the
 * parameters of Device.ManagementServer.InformParameter. whose EventList names one of the
 * Inform's events, read once the events are known.
 */

typedef void (*inform_ready_fn)(void *userdata, int error);

/* Marks the queued events as sent and reads the parameters; `ready` runs from the loop. */
int inform_prepare(struct manager *m, struct inform **ret, inform_ready_fn ready, void *userdata);
int inform_encode(struct manager *m, const struct inform *inform,
                  const struct soap_out_header *header, char **body, size_t *len);
bool inform_has_event(const struct inform *inform, const char *code);
/* InformResponse received: the value changes the Inform reported are done. */
void inform_delivered(struct manager *m, const struct inform *inform);
void inform_free(struct inform *inform);
/* Whether an InformParameter's EventList (comma-separated codes; empty: every event but
 * "4 VALUE CHANGE") names one of the n event codes. */
bool inform_event_list_matches(const char *event_list, const char *const *codes, size_t n);
/* Whether an InformParameter's ParameterName names `name`: each "*" segment stands for one
 * instance number, and a partial path (ending in ".") names everything below it. */
bool inform_pattern_matches(const char *pattern, const char *name);
