/* SPDX-License-Identifier: MIT */
/* Fake /sys, /proc, /etc and /run trees for unit tests: files under a temporary root.
 * Include after <cmocka.h>: every step asserts. */
#pragma once

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"

/* PATH = DIR/REL, with REL's parent directories made. */
static inline void fake_tree_path(char path[static PATH_MAX], const char *dir, const char *rel)
{
        assert_true((size_t)snprintf(path, PATH_MAX, "%s/%s", dir, rel) < PATH_MAX);
        char *slash = strrchr(path, '/');
        *slash = '\0';
        assert_int_equal(store_mkdir_p(path), 0);
        *slash = '/';
}

static inline void fake_tree_write(const char *dir, const char *rel, const void *data, size_t len)
{
        char path[PATH_MAX];
        fake_tree_path(path, dir, rel);
        assert_int_equal(store_write_atomic(path, data, len), 0);
}

static inline void fake_tree_write_text(const char *dir, const char *rel, const char *text)
{
        fake_tree_write(dir, rel, text, strlen(text));
}

static inline void fake_tree_link(const char *dir, const char *rel, const char *target)
{
        char path[PATH_MAX];
        fake_tree_path(path, dir, rel);
        assert_int_equal(symlink(target, path), 0);
}

/* ROOT = a new empty directory /tmp/NAME-XXXXXX. */
static inline void fake_tree_make_root(char *root, size_t size, const char *name)
{
        assert_true((size_t)snprintf(root, size, "/tmp/%s-XXXXXX", name) < size);
        assert_non_null(mkdtemp(root));
}

static inline int fake_tree_remove_entry(const char *path, const struct stat *st, int flag,
                                         struct FTW *ftw)
{
        return remove(path);
}

static inline void fake_tree_remove(const char *path)
{
        nftw(path, fake_tree_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* The teardown of a test whose state is a calloc'ed struct whose first member is the char
 * array of the tree's root: removes the tree, frees the state. */
static inline int fake_tree_teardown(void **state)
{
        char *root = *state;
        fake_tree_remove(root);
        free(*state);
        return 0;
}
