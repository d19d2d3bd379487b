/* SPDX-License-Identifier: MIT */
#pragma once

struct manager;

/*
 * Value-change notification (TR-069 3.2.1, A.3.3.1): dmd signals every change with who
 * made it. Changes the ACS made through cwmpd are not notified back. For the others, the
 * parameters' Notification attribute decides: 1 (passive) waits for the next Inform, 2
 * (active) opens a session soon, after a short delay that gathers a burst into one session
 * and not before DefaultActiveNotificationThrottle has passed since the last one. Changed
 * names are kept in cwmpd.store until an Inform carried them.
 */
int notify_start(struct manager *m);
