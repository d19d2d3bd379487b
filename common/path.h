/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Parameter paths as TR-069 and TR-106 define them: "Device.IP.Interface.1.Name" (a full
 * parameter name), "Device.IP.Interface." (a partial path, ending in "."), "" (the root,
 * where allowed), instance numbers, CWMP 1.4 alias-based addressing
 * ("Device.IP.Interface.[wan].") and, in schemas, the "{i}" placeholder.
 */

#define DMPATH_MAX_LEN   256 /* TR-069 limits parameter names to 256 characters */
#define DMPATH_ALIAS_MAX 64  /* TR-181 Alias is string(64) */

enum dmpath_flags {
        DMPATH_ALLOW_PARTIAL = 1 << 0,     /* may end in "." */
        DMPATH_ALLOW_EMPTY = 1 << 1,       /* "" is the root */
        DMPATH_ALLOW_ALIAS = 1 << 2,       /* "[alias]" segments */
        DMPATH_ALLOW_PLACEHOLDER = 1 << 3, /* "{i}" segments (schemas) */
        DMPATH_REQUIRE_PARTIAL = 1 << 4,   /* must end in "." (objects) */
};

enum dmpath_seg_kind {
        DMPATH_SEG_NAME,
        DMPATH_SEG_INSTANCE,
        DMPATH_SEG_ALIAS,
        DMPATH_SEG_PLACEHOLDER,
};

struct dmpath_seg {
        enum dmpath_seg_kind kind;
        const char *str; /* points into dmpath.buf, NUL-terminated; for aliases, without [] */
        uint32_t instance;
};

struct dmpath {
        char *buf; /* private copy that segments point into */
        struct dmpath_seg *segs;
        size_t n_segs;
        bool partial; /* ended in "." (or was the empty root) */
};

/* Where and why a path was refused: offset of the offending character and a short
 * static English phrase ("empty segment", "instance number 0", ...). */
struct dmpath_error {
        size_t offset;
        const char *reason;
};

/* Parses s. Returns 0, or -EINVAL (with *err filled if given) for a malformed path, or
 * -ENAMETOOLONG beyond DMPATH_MAX_LEN. */
int dmpath_parse(const char *s, unsigned flags, struct dmpath *ret, struct dmpath_error *err);
void dmpath_done(struct dmpath *p);

/* The schema form of a path: instance and alias segments become "{i}".
 * "Device.IP.Interface.[wan].Name" -> "Device.IP.Interface.{i}.Name". */
int dmpath_template(const struct dmpath *p, char **ret);
/* Formats the segments back to a string ("." after every segment when partial). */
int dmpath_format(const struct dmpath *p, size_t n_segs, bool partial, char **ret);

/* Quick checks on strings without allocation. */
bool dmpath_is_partial(const char *s); /* "" or ends in "." */
/* Is `path` equal to or below `subtree` (a partial path)? "" is above everything. */
bool dmpath_is_under(const char *path, const char *subtree);
/* Does instance path `path` ("Device.X.3.Name") match template `tmpl` ("Device.X.{i}.Name")
 * segment by segment (numbers for {i}, names equal)? */
bool dmpath_matches_template(const char *path, const char *tmpl);
/* Is `name` a valid single segment name (letter or "_" first, then letters, digits, "_" or "-")? */
bool dmpath_name_valid(const char *name, size_t len);
