/* SPDX-License-Identifier: MIT */
#pragma once

#include <dbus/dbus.h>
#include <stdbool.h>

/* Waits until no ACS session is open, for work the ACS requested that must not run during
 * its session: a diagnostic starts once the session that requested it has ended (TR-181), a
 * file transfer runs between sessions. cwmpd (io.cwmp.Agent) tells its SessionState and
 * signals SessionEnded; without cwmpd on the bus no session is open. It also tells when
 * cwmpd appears on the bus, so hand-offs waiting for it can go at once. */

struct session_watch;
typedef void (*session_idle_fn)(void *userdata);
/* cwmpd appeared on the bus */
typedef void (*agent_appeared_fn)(void *userdata);

int session_watch_new(DBusConnection *bus, session_idle_fn on_idle, agent_appeared_fn on_appeared,
                      void *userdata, struct session_watch **ret);
void session_watch_free(struct session_watch *w);
/* Calls on_idle once no session is open: soon if none is, else when it ends. */
void session_watch_wait_idle(struct session_watch *w);
