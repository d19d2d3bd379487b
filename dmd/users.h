/* SPDX-License-Identifier: MIT */
#pragma once

#include "util.h"

/*
 * dmd's built-in provider of Device.Users. (schema/57-users.schema), a read-only view of the
 * system's accounts: ETC/passwd, ETC/group and, when dmd may read it, ETC/shadow. Passwords
 * are never served.
 *
 *     SupportedCapabilities       the capabilities the running kernel knows
 *                                 (PROC/sys/kernel/cap_last_cap)
 *     User.{i}.                   one per line of ETC/passwd
 *         Username, UserID        the name and the uid (a name longer than 64 characters
 *                                 is left out with its account)
 *         Enable                  false when the account's password in ETC/shadow is locked
 *                                 ('!' or '*' first); without a readable shadow file Enable is
 *                                 left out
 *         GroupParticipation      the Group rows of its primary group and of the groups that
 *                                 list it as a member
 *         StaticUser              true: the agent cannot remove an account
 *     Group.{i}.                  one per line of ETC/group
 *         Groupname, GroupID      the name and the gid
 *         StaticGroup             true, as StaticUser
 *
 * A user (a group) keeps its instance number by name while it exists and across restarts
 * (STATE_DIR/USERS_STATE_FILE, USERS_GROUPS_STATE_FILE). The files are read at most once per
 * USERS_SNAPSHOT_USEC.
 */
#define USERS_STATE_FILE        "dmd-users"
#define USERS_GROUPS_STATE_FILE "dmd-groups"
#define USERS_SNAPSHOT_USEC     (500u * 1000u)
#define USERS_FILE_MAX          (4u * 1024u * 1024u)

struct users;

/* etc, proc: prefixes of the system trees (NULL: "/etc", "/proc"); state_dir: where the
 * numbering is kept (NULL: in memory only). */
int users_new(const char *etc, const char *proc, const char *state_dir, struct users **ret);
void users_free(struct users *u);
/* Value of a live parameter, newly allocated. -ENOENT if not ours, no such instance, or
 * (Enable) not known. */
int users_get(struct users *u, const char *name, char **value);
/* As deviceinfo_get_instances(), for User.{i}. and Group.{i}. */
int users_get_instances(struct users *u, const char *object, struct strv *instances);
