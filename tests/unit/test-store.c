/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "kvmap.h"
#include "store.h"
#include "util.h"

/* A map whose keys and values use every character the format must escape, and every other
 * byte value too. */
static struct kvmap *special_map(void)
{
        struct kvmap *m = kvmap_new();
        assert_non_null(m);

        char all_bytes[256];
        for (int i = 1; i < 256; i++)
                all_bytes[i - 1] = (char)i;
        all_bytes[255] = '\0';

        assert_int_equal(kvmap_set(m, "plain", "value"), 0);
        assert_int_equal(kvmap_set(m, "tab\there", "a\tb"), 0);
        assert_int_equal(kvmap_set(m, "new\nline", "x\ny\n"), 0);
        assert_int_equal(kvmap_set(m, "carriage\rreturn", "\r\n"), 0);
        assert_int_equal(kvmap_set(m, "back\\slash", "\\t is not a tab\\"), 0);
        assert_int_equal(kvmap_set(m, "#end 1 00000000", "looks like a trailer"), 0);
        assert_int_equal(kvmap_set(m, "#cwmp-store 1", "looks like a header"), 0);
        assert_int_equal(kvmap_set(m, "empty", ""), 0);
        assert_int_equal(kvmap_set(m, "", "empty key"), 0);
        assert_int_equal(kvmap_set(m, "utf8 \xc3\xa9\xe2\x82\xac", "\xf0\x9f\x93\xba"), 0);
        assert_int_equal(kvmap_set(m, "all", all_bytes), 0);
        assert_int_equal(kvmap_set(m, all_bytes, "all as key"), 0);
        return m;
}

static void assert_maps_equal(const struct kvmap *a, const struct kvmap *b)
{
        const char *k, *v;
        assert_int_equal(kvmap_size(a), kvmap_size(b));
        kvmap_foreach (a, i, k, v) {
                const char *other = kvmap_get(b, k);
                assert_non_null(other);
                assert_string_equal(v, other);
        }
}

static int make_tmpdir(void **state)
{
        char *dir = strdup("/tmp/test-store-XXXXXX");
        assert_non_null(dir);
        assert_non_null(mkdtemp(dir));
        *state = dir;
        return 0;
}

static int remove_tree(const char *path)
{
        struct stat st;
        if (lstat(path, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode)) {
                chmod(path, 0700);
                DIR *d = opendir(path);
                if (!d)
                        return -errno;
                struct dirent *de;
                while ((de = readdir(d))) {
                        if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                                continue;
                        char *child = NULL;
                        assert_true(asprintf(&child, "%s/%s", path, de->d_name) > 0);
                        remove_tree(child);
                        free(child);
                }
                closedir(d);
                return rmdir(path) < 0 ? -errno : 0;
        }
        return unlink(path) < 0 ? -errno : 0;
}

static int remove_tmpdir(void **state)
{
        remove_tree(*state);
        free(*state);
        return 0;
}

static char *path_in(const char *dir, const char *name)
{
        char *p = NULL;
        assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
        return p;
}

/* Names in dir, sorted and joined with ',' (hidden ones included). */
static char *list_dir(const char *dir)
{
        struct dirent **entries;
        int n = scandir(dir, &entries, NULL, alphasort);
        assert_true(n >= 0);
        struct buf b = {0};
        assert_int_equal(buf_append(&b, "", 0), 0);
        for (int i = 0; i < n; i++) {
                if (!streq(entries[i]->d_name, ".") && !streq(entries[i]->d_name, ".."))
                        assert_int_equal(
                                buf_printf(&b, "%s%s", b.len ? "," : "", entries[i]->d_name), 0);
                free(entries[i]);
        }
        free(entries);
        return buf_steal(&b);
}

static void test_format_exact_text(void **state)
{
        _cleanup_kvmap_ struct kvmap *m = kvmap_new();
        _cleanup_free_ char *text = NULL;
        size_t len = 0;

        assert_int_equal(store_format(m, &text, &len), 0);
        assert_string_equal(text, "#cwmp-store 1\n#end 0 cf97026a\n");
        assert_int_equal(len, strlen(text));
        free(TAKE_PTR(text));

        /* Keys sorted, specials escaped, CRC-32 (IEEE) of everything before the trailer. */
        assert_int_equal(kvmap_set(m, "plain", "value"), 0);
        assert_int_equal(kvmap_set(m, "Device.X\tY", "line1\nline2"), 0);
        assert_int_equal(store_format(m, &text, &len), 0);
        assert_string_equal(text, "#cwmp-store 1\n"
                                  "Device.X\\tY\tline1\\nline2\n"
                                  "plain\tvalue\n"
                                  "#end 2 05515c55\n");
}

static void test_round_trip_special_characters(void **state)
{
        _cleanup_kvmap_ struct kvmap *m = special_map();
        _cleanup_kvmap_ struct kvmap *back = kvmap_new();
        _cleanup_free_ char *text = NULL;
        size_t len;

        assert_int_equal(store_format(m, &text, &len), 0);
        /* One line per record plus header and trailer: nothing raw leaked through. */
        size_t lines = 0;
        for (size_t i = 0; i < len; i++)
                lines += text[i] == '\n';
        assert_int_equal(lines, kvmap_size(m) + 2);
        assert_null(memchr(text, '\r', len));

        unsigned line = 99;
        assert_int_equal(store_parse(text, len, back, &line), 0);
        assert_int_equal(line, 0);
        assert_maps_equal(m, back);

        /* Through a file as well. */
        _cleanup_free_ char *path = path_in(*state, "special.db");
        _cleanup_kvmap_ struct kvmap *loaded = kvmap_new();
        assert_int_equal(store_save(path, m), 0);
        assert_int_equal(store_load(path, loaded, NULL), 0);
        assert_maps_equal(m, loaded);

        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0600);
}

static void test_parse_adds_to_existing_entries(void **state)
{
        _cleanup_kvmap_ struct kvmap *m = kvmap_new();
        const char text[] = "#cwmp-store 1\n"
                            "Device.X\\tY\tline1\\nline2\n"
                            "plain\tvalue\n"
                            "#end 2 05515c55\n";

        assert_int_equal(kvmap_set(m, "plain", "old"), 0);
        assert_int_equal(kvmap_set(m, "kept", "yes"), 0);
        assert_int_equal(store_parse(text, strlen(text), m, NULL), 0);
        assert_int_equal(kvmap_size(m), 3);
        assert_string_equal(kvmap_get(m, "plain"), "value");
        assert_string_equal(kvmap_get(m, "kept"), "yes");
        assert_string_equal(kvmap_get(m, "Device.X\tY"), "line1\nline2");
}

static void test_atomic_replace_leaves_no_temporary_files(void **state)
{
        const char *dir = *state;
        _cleanup_free_ char *path = path_in(dir, "state.db");
        _cleanup_kvmap_ struct kvmap *m = kvmap_new();

        for (int round = 0; round < 20; round++) {
                char v[16];
                snprintf(v, sizeof(v), "%d", round);
                assert_int_equal(kvmap_set(m, "round", v), 0);
                assert_int_equal(store_save(path, m), 0);
        }
        _cleanup_free_ char *names = list_dir(dir);
        assert_string_equal(names, "state.db");

        _cleanup_kvmap_ struct kvmap *loaded = kvmap_new();
        assert_int_equal(store_load(path, loaded, NULL), 0);
        assert_string_equal(kvmap_get(loaded, "round"), "19");

        /* Raw data too, including an empty file, and a relative path. */
        _cleanup_free_ char *raw = path_in(dir, "raw");
        _cleanup_free_ char *data = NULL;
        size_t len;
        assert_int_equal(store_write_atomic(raw, "", 0), 0);
        assert_int_equal(store_read_file(raw, 10, &data, &len), 0);
        assert_int_equal(len, 0);
        assert_string_equal(data, "");
        free(TAKE_PTR(data));

        _cleanup_free_ char *cwd = getcwd(NULL, 0);
        assert_int_equal(chdir(dir), 0);
        assert_int_equal(store_write_atomic("raw", "abc", 3), 0);
        assert_int_equal(chdir(cwd), 0);
        assert_int_equal(store_read_file(raw, 10, &data, &len), 0);
        assert_int_equal(len, 3);
        assert_string_equal(data, "abc");

        _cleanup_free_ char *after = list_dir(dir);
        assert_string_equal(after, "raw,state.db");
}

static void test_missing_file_is_enoent(void **state)
{
        _cleanup_free_ char *path = path_in(*state, "absent.db");
        _cleanup_kvmap_ struct kvmap *m = kvmap_new();
        unsigned line = 7;
        char *data = NULL;
        size_t len;

        assert_int_equal(store_load(path, m, &line), -ENOENT);
        assert_int_equal(line, 0);
        assert_int_equal(store_read_file(path, 100, &data, &len), -ENOENT);
        assert_null(data);
}

/* The last line of a newline-terminated text (the trailer of a record file). */
static char *last_line(char *text, size_t len)
{
        assert_true(len >= 2 && text[len - 1] == '\n');
        char *p = memrchr(text, '\n', len - 1);
        assert_non_null(p);
        return p + 1;
}

static void test_damaged_file_is_refused(void **state)
{
        _cleanup_free_ char *path = path_in(*state, "damaged.db");
        _cleanup_kvmap_ struct kvmap *m = special_map();
        _cleanup_free_ char *text = NULL;
        size_t len;
        unsigned line;

        assert_int_equal(store_format(m, &text, &len), 0);
        assert_int_equal(kvmap_set(m, "plain", "valuf"), 0);
        _cleanup_free_ char *edited = NULL;
        size_t edited_len;
        assert_int_equal(store_format(m, &edited, &edited_len), 0);
        assert_int_equal(edited_len, len);

        /* An edit that keeps the structure valid is caught by the CRC, at the trailer's line. */
        char *trailer = last_line(edited, edited_len);
        assert_true(startswith(trailer, "#end "));
        memcpy(trailer, last_line(text, len), strlen(trailer));
        assert_string_not_equal(edited, text);
        assert_int_equal(store_write_atomic(path, edited, edited_len), 0);
        _cleanup_kvmap_ struct kvmap *loaded = kvmap_new();
        assert_int_equal(kvmap_set(loaded, "before", "1"), 0);
        assert_int_equal(store_load(path, loaded, &line), -EBADMSG);
        assert_int_equal(line, kvmap_size(m) + 2);
        /* Nothing was half-loaded. */
        assert_int_equal(kvmap_size(loaded), 1);
        assert_string_equal(kvmap_get(loaded, "before"), "1");

        /* Every truncation is refused, never silently shortened. */
        for (size_t cut = 0; cut < len; cut++) {
                assert_int_equal(store_parse(text, cut, loaded, &line), -EBADMSG);
                assert_true(line >= 1);
                assert_int_equal(kvmap_size(loaded), 1);
        }
        /* Every single flipped bit too. */
        for (size_t pos = 0; pos < len; pos++) {
                for (int bit = 0; bit < 8; bit++) {
                        text[pos] ^= (char)(1 << bit);
                        assert_int_equal(store_parse(text, len, loaded, &line), -EBADMSG);
                        text[pos] ^= (char)(1 << bit);
                }
        }
        assert_int_equal(store_parse(text, len, loaded, &line), 0);
}

static void test_malformed_lines_name_their_line(void **state)
{
        static const struct {
                const char *text;
                unsigned line;
        } cases[] = {
                {"", 1},
                {"#cwmp-store 2\n#end 0 cf97026a\n", 1},
                {"#cwmp-store 1", 1},
                {"#cwmp-store 1\n", 2},
                {"#cwmp-store 1\nno tab here\n#end 0 cf97026a\n", 2},
                {"#cwmp-store 1\nbad\\qescape\tv\n", 2},
                {"#cwmp-store 1\nk\ttrailing backslash\\\n", 2},
                {"#cwmp-store 1\nk\ttwo\ttabs\n", 2},
                {"#cwmp-store 1\nk\tcarriage\rreturn\n", 2},
                {"#cwmp-store 1\nk\tv\nk\tv\n", 3},
                {"#cwmp-store 1\n#end 00 cf97026a\n", 2},
                {"#cwmp-store 1\n#end 0 CF97026A\n", 2},
                {"#cwmp-store 1\n#end 0 cf97026a \n", 2},
                {"#cwmp-store 1\n#end 1 cf97026a\n", 2},
                {"#cwmp-store 1\n#end 0 cf97026a\nextra\tline\n", 3},
                {"#cwmp-store 1\n#end 0 cf97026a\n#end 0 cf97026a\n", 3},
                {"#cwmp-store 1\r\n#end 0 cf97026a\n", 1},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_kvmap_ struct kvmap *m = kvmap_new();
                unsigned line = 0;
                int r = store_parse(cases[i].text, strlen(cases[i].text), m, &line);
                if (r != -EBADMSG || line != cases[i].line)
                        fail_msg("case %zu (%s): r=%d line=%u, expected line %u", i, cases[i].text,
                                 r, line, cases[i].line);
                assert_int_equal(kvmap_size(m), 0);
        }

        /* A NUL byte inside a record. */
        const char with_nul[] = "#cwmp-store 1\nk\tv\0w\n#end 1 00000000\n";
        _cleanup_kvmap_ struct kvmap *m = kvmap_new();
        unsigned line = 0;
        assert_int_equal(store_parse(with_nul, sizeof(with_nul) - 1, m, &line), -EBADMSG);
        assert_int_equal(line, 2);
}

static void test_write_to_unwritable_place_fails_cleanly(void **state)
{
        const char *dir = *state;
        _cleanup_kvmap_ struct kvmap *m = special_map();

        /* The parent is missing, or is a regular file. */
        _cleanup_free_ char *missing = path_in(dir, "no/such/dir/state.db");
        assert_int_equal(store_save(missing, m), -ENOENT);
        _cleanup_free_ char *file = path_in(dir, "file");
        assert_int_equal(store_write_atomic(file, "x", 1), 0);
        _cleanup_free_ char *under_file = path_in(dir, "file/state.db");
        assert_int_equal(store_save(under_file, m), -ENOTDIR);

        /* The target is a directory: the rename fails after the temporary file was written,
         * and the temporary file must be gone. */
        _cleanup_free_ char *subdir = path_in(dir, "subdir");
        assert_int_equal(mkdir(subdir, 0700), 0);
        _cleanup_free_ char *inner = path_in(subdir, "keep");
        assert_int_equal(store_write_atomic(inner, "x", 1), 0);
        int r = store_save(subdir, m);
        assert_true(r == -EISDIR || r == -ENOTEMPTY || r == -EEXIST);
        _cleanup_free_ char *names = list_dir(dir);
        assert_string_equal(names, "file,subdir");

        assert_int_equal(store_write_atomic("", "x", 1), -EINVAL);
        assert_int_equal(store_write_atomic(subdir, NULL, 1), -EINVAL);

        /* A read-only directory (root ignores permissions, so only as a normal user). */
        if (geteuid() != 0) {
                _cleanup_free_ char *ro = path_in(dir, "ro");
                _cleanup_free_ char *target = path_in(dir, "ro/state.db");
                assert_int_equal(mkdir(ro, 0700), 0);
                assert_int_equal(store_save(target, m), 0);
                assert_int_equal(chmod(ro, 0500), 0);
                assert_int_equal(kvmap_set(m, "plain", "changed"), 0);
                assert_int_equal(store_save(target, m), -EACCES);
                _cleanup_kvmap_ struct kvmap *loaded = kvmap_new();
                assert_int_equal(store_load(target, loaded, NULL), 0);
                assert_string_equal(kvmap_get(loaded, "plain"), "value");
                _cleanup_free_ char *ro_names = list_dir(ro);
                assert_string_equal(ro_names, "state.db");
        }
}

static void test_read_file_limits(void **state)
{
        _cleanup_free_ char *path = path_in(*state, "sized");
        char *data = NULL;
        size_t len;

        assert_int_equal(store_write_atomic(path, "0123456789", 10), 0);
        assert_int_equal(store_read_file(path, 10, &data, &len), 0);
        assert_int_equal(len, 10);
        assert_string_equal(data, "0123456789");
        free(data);
        data = NULL;
        assert_int_equal(store_read_file(path, 9, &data, &len), -EFBIG);
        assert_null(data);
        assert_int_equal(store_read_file(*state, 100, &data, &len), -EISDIR);

        /* A stream without a size (a FIFO-like special file) is bounded while reading. */
        assert_int_equal(store_read_file("/dev/zero", 4096, &data, &len), -EFBIG);
        assert_int_equal(store_read_file("/dev/null", 4096, &data, &len), 0);
        assert_int_equal(len, 0);
        free(data);
}

static void test_mkdir_p(void **state)
{
        const char *dir = *state;
        _cleanup_free_ char *deep = path_in(dir, "a/b//c/d/");
        _cleanup_free_ char *d = path_in(dir, "a/b/c/d");
        struct stat st;

        assert_int_equal(store_mkdir_p(deep), 0);
        assert_int_equal(stat(d, &st), 0);
        assert_true(S_ISDIR(st.st_mode));
        assert_int_equal(st.st_mode & 0777, 0700);
        assert_int_equal(store_mkdir_p(d), 0); /* existing: fine */

        _cleanup_free_ char *file = path_in(dir, "a/file");
        assert_int_equal(store_write_atomic(file, "x", 1), 0);
        _cleanup_free_ char *through_file = path_in(dir, "a/file/sub");
        assert_int_equal(store_mkdir_p(through_file), -ENOTDIR);
        assert_int_equal(store_mkdir_p(file), -ENOTDIR);
        assert_int_equal(store_mkdir_p(""), -EINVAL);
        assert_int_equal(store_mkdir_p("/"), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_format_exact_text),
                cmocka_unit_test_setup_teardown(test_round_trip_special_characters, make_tmpdir,
                                                remove_tmpdir),
                cmocka_unit_test(test_parse_adds_to_existing_entries),
                cmocka_unit_test_setup_teardown(test_atomic_replace_leaves_no_temporary_files,
                                                make_tmpdir, remove_tmpdir),
                cmocka_unit_test_setup_teardown(test_missing_file_is_enoent, make_tmpdir,
                                                remove_tmpdir),
                cmocka_unit_test_setup_teardown(test_damaged_file_is_refused, make_tmpdir,
                                                remove_tmpdir),
                cmocka_unit_test(test_malformed_lines_name_their_line),
                cmocka_unit_test_setup_teardown(test_write_to_unwritable_place_fails_cleanly,
                                                make_tmpdir, remove_tmpdir),
                cmocka_unit_test_setup_teardown(test_read_file_limits, make_tmpdir, remove_tmpdir),
                cmocka_unit_test_setup_teardown(test_mkdir_p, make_tmpdir, remove_tmpdir),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
