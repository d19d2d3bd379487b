/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>

#include "kvmap.h"

/*
 * The crash-safe file store. Every write replaces a whole file atomically: write a temporary
 * file beside it, fsync it, rename it over the old one, fsync the directory. A reader sees
 * the old file or the new one, whatever instant the writer was killed at.
 *
 * Record files hold a kvmap as text:
 *     #cwmp-store 1
 *     key<TAB>value
 *     ...
 *     #end <number of records> <crc32 of all preceding bytes, 8 hex digits>
 * with "\\", "\t", "\n" and "\r" escaped in keys and values. The trailer detects a file
 * that was damaged after it was written (a truncated or edited file): such a file is
 * refused with -EBADMSG rather than half-loaded.
 */

#define STORE_MAX_FILE_SIZE (64u * 1024u * 1024u)

/* Atomically replaces `path` with `data`; creates it with mode 0600. */
int store_write_atomic(const char *path, const void *data, size_t len);
/* Reads a whole file (NUL-terminated copy). -ENOENT if missing, -EFBIG beyond max_size. */
int store_read_file(const char *path, size_t max_size, char **ret, size_t *ret_len);
/* Creates a directory and its parents (mode 0700 for new ones). */
int store_mkdir_p(const char *path);

/* Serialises m (keys sorted) into a newly allocated buffer. */
int store_format(const struct kvmap *m, char **ret, size_t *ret_len);
/* Parses a record file's bytes into m (which the caller created; entries are added).
 * -EBADMSG for a malformed or damaged file, with *err_line (if given) the 1-based line. */
int store_parse(const char *data, size_t len, struct kvmap *m, unsigned *err_line);

/* store_format + store_write_atomic. */
int store_save(const char *path, const struct kvmap *m);
/* store_read_file + store_parse. -ENOENT if missing. */
int store_load(const char *path, struct kvmap *m, unsigned *err_line);
