/* SPDX-License-Identifier: MIT */
#pragma once

#include <dbus/dbus.h>
#include <systemd/sd-event.h>

/* Events for cwmpd ("8 DIAGNOSTICS COMPLETE"), kept on disk until cwmpd has taken them with
 * io.cwmp.Agent1.QueueEvent. Each has a producer key, so a repeated hand-off is queued once
 * by cwmpd. */

struct handoff;

int handoff_new(sd_event *event, DBusConnection *bus, const char *state_file, struct handoff **ret);
void handoff_free(struct handoff *h);
/* Stores the event, then hands it over (now, and again until cwmpd answered). */
int handoff_queue(struct handoff *h, const char *code, const char *producer_key);
/* Hands over what is pending now (cwmpd just appeared on the bus). */
void handoff_kick(struct handoff *h);
size_t handoff_pending(const struct handoff *h);
