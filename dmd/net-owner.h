/* SPDX-License-Identifier: MIT */
#pragma once

struct manager;

/* Creates m->linux_net, registers its subtrees as dmd's built-in owners and subscribes to
 * the kernel's events, which poke the value watcher. */
int net_owner_setup(struct manager *m);
