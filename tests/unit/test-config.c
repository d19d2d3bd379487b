/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "store.h"
#include "util.h"

struct settings {
        char *name;
        char *directory;
        bool enabled;
        uint32_t interval;
        int32_t offset;
        int level;
};

static const struct cfg_item table[] = {
        {"Agent", "Name", cfg_parse_string, offsetof(struct settings, name)},
        {"Agent", "Enabled", cfg_parse_bool, offsetof(struct settings, enabled)},
        {"Agent", "Interval", cfg_parse_uint32, offsetof(struct settings, interval)},
        {"Agent", "Offset", cfg_parse_int32, offsetof(struct settings, offset)},
        {"Store", "Directory", cfg_parse_path, offsetof(struct settings, directory)},
        {"Log", "Level", cfg_parse_log_level, offsetof(struct settings, level)},
};

#define MAX_PROBLEMS 16

struct problems {
        size_t n;
        char file[MAX_PROBLEMS][256];
        unsigned line[MAX_PROBLEMS];
        char message[MAX_PROBLEMS][512];
};

static void collect(const struct cfg_location *where, const char *message, void *userdata)
{
        struct problems *p = userdata;
        assert_non_null(where->file);
        assert_non_null(message);
        assert_true(p->n < MAX_PROBLEMS);
        snprintf(p->file[p->n], sizeof(p->file[0]), "%s", where->file);
        p->line[p->n] = where->line;
        snprintf(p->message[p->n], sizeof(p->message[0]), "%s", message);
        p->n++;
}

static void settings_done(struct settings *s)
{
        free(s->name);
        free(s->directory);
}

struct fixture {
        char dir[64];
        char main_path[128];
        char dropin_dir[160];
};

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        snprintf(f->dir, sizeof(f->dir), "/tmp/test-config-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        snprintf(f->main_path, sizeof(f->main_path), "%s/agent.conf", f->dir);
        snprintf(f->dropin_dir, sizeof(f->dropin_dir), "%s/agent.conf.d", f->dir);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;
        char cmd[256];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
        assert_int_equal(system(cmd), 0);
        free(f);
        return 0;
}

static void write_file(const char *dir, const char *name, const char *text)
{
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        assert_int_equal(store_write_atomic(path, text, strlen(text)), 0);
}

static void test_main_file_then_dropins_in_name_order(void **state)
{
        struct fixture *f = *state;
        struct settings s = {.interval = 5, .level = LOG_INFO};
        struct problems p = {0};

        write_file(f->dir, "agent.conf",
                   "# the main file\n"
                   "[Agent]\n"
                   "Name = main\n"
                   "Enabled=no\n"
                   "Interval=10\n"
                   "Offset=-3\n"
                   "[Store]\n"
                   "Directory=/var/lib/cwmp\n");
        assert_int_equal(mkdir(f->dropin_dir, 0700), 0);
        /* Written in reverse order, so directory order cannot pass for name order. */
        write_file(f->dropin_dir, "20-late.conf", "[Agent]\nName=late\n");
        write_file(f->dropin_dir, "10-early.conf",
                   "[Agent]\nName=early\nInterval=20\n[Log]\nLevel=debug\n");
        write_file(f->dropin_dir, "15-not-a-dropin.txt", "[Agent]\nName=ignored\n");
        write_file(f->dropin_dir, ".hidden.conf", "[Agent]\nName=hidden\n");

        assert_int_equal(cfg_load(f->main_path, table, ELEMENTSOF(table), &s, collect, &p), 0);
        assert_int_equal(p.n, 0);
        assert_string_equal(s.name, "late");
        assert_int_equal(s.interval, 20);
        assert_false(s.enabled);
        assert_int_equal(s.offset, -3);
        assert_string_equal(s.directory, "/var/lib/cwmp");
        assert_int_equal(s.level, LOG_DEBUG);
        settings_done(&s);
}

static void test_dropins_without_main_file(void **state)
{
        struct fixture *f = *state;
        struct settings s = {0};
        struct problems p = {0};

        assert_int_equal(mkdir(f->dropin_dir, 0700), 0);
        write_file(f->dropin_dir, "50-only.conf", "[Agent]\nEnabled=yes\n");
        assert_int_equal(cfg_load(f->main_path, table, ELEMENTSOF(table), &s, collect, &p), 0);
        assert_true(s.enabled);
        settings_done(&s);
}

static void test_missing_file_and_directory_are_fine(void **state)
{
        struct fixture *f = *state;
        struct settings s = {.interval = 7};
        struct problems p = {0};

        assert_int_equal(cfg_load(f->main_path, table, ELEMENTSOF(table), &s, collect, &p), 0);
        assert_int_equal(p.n, 0);
        assert_int_equal(s.interval, 7);
        assert_null(s.name);
}

static void test_bad_value_names_file_and_line(void **state)
{
        struct fixture *f = *state;
        struct settings s = {.interval = 5};
        struct problems p = {0};
        char dropin[512];

        write_file(f->dir, "agent.conf", "[Agent]\nInterval=15\n");
        assert_int_equal(mkdir(f->dropin_dir, 0700), 0);
        write_file(f->dropin_dir, "10-bad.conf",
                   "[Agent]\n"
                   "\n"
                   "Interval=fifteen\n"
                   "Enabled=maybe\n"
                   "Offset=99999999999\n"
                   "[Store]\n"
                   "Directory=relative/path\n"
                   "Name=late\n");
        snprintf(dropin, sizeof(dropin), "%s/10-bad.conf", f->dropin_dir);

        assert_int_equal(cfg_load(f->main_path, table, ELEMENTSOF(table), &s, collect, &p), 5);
        assert_int_equal(p.n, 5);
        for (size_t i = 0; i < p.n; i++)
                assert_string_equal(p.file[i], dropin);
        assert_int_equal(p.line[0], 3);
        assert_non_null(strstr(p.message[0], "Interval"));
        assert_non_null(strstr(p.message[0], "fifteen"));
        assert_non_null(strstr(p.message[0], "not a number"));
        assert_int_equal(p.line[1], 4);
        assert_non_null(strstr(p.message[1], "not a boolean"));
        assert_int_equal(p.line[2], 5);
        assert_non_null(strstr(p.message[2], "out of range"));
        assert_int_equal(p.line[3], 7);
        assert_non_null(strstr(p.message[3], "not an absolute path"));
        /* "Name" exists in [Agent], not in [Store]. */
        assert_int_equal(p.line[4], 8);
        assert_non_null(strstr(p.message[4], "Name"));
        assert_non_null(strstr(p.message[4], "[Store]"));

        /* Bad values are skipped: the main file's value stands. */
        assert_int_equal(s.interval, 15);
        assert_null(s.directory);
        settings_done(&s);
}

static void test_unknown_section_and_key(void **state)
{
        struct fixture *f = *state;
        struct settings s = {0};
        struct problems p = {0};

        write_file(f->dir, "agent.conf",
                   "[Agent]\n"
                   "Colour=blue\n"
                   "[Nonsense]\n"
                   "A=1\n"
                   "B=2\n"
                   "[Agent]\n"
                   "Name=after\n"
                   "name=case matters\n");
        assert_int_equal(cfg_load(f->main_path, table, ELEMENTSOF(table), &s, collect, &p), 3);
        assert_int_equal(p.line[0], 2);
        assert_non_null(strstr(p.message[0], "Colour"));
        /* An unknown section is reported once, not once per key inside it. */
        assert_int_equal(p.line[1], 3);
        assert_non_null(strstr(p.message[1], "Nonsense"));
        assert_int_equal(p.line[2], 8);
        assert_non_null(strstr(p.message[2], "name"));
        assert_string_equal(s.name, "after");
        settings_done(&s);
}

static void test_syntax_comments_quotes_whitespace(void **state)
{
        struct settings s = {0};
        struct problems p = {0};
        const char text[] = "\xEF\xBB\xBF# comment\n"
                            "; another comment\n"
                            "   # indented comment\n"
                            "\n"
                            "  [Agent]  \r\n"
                            "\tName  =   \"  spaced # not a comment  \"   \r\n"
                            "Enabled =TRUE\n"
                            "Interval= 4294967295\n"
                            "Offset=-2147483648\n"
                            "[Log]\n"
                            "Level=3\n"
                            "[Store]\n"
                            "Directory=/a=b";

        assert_int_equal(cfg_parse_buffer("inline", text, sizeof(text) - 1, table,
                                          ELEMENTSOF(table), &s, collect, &p),
                         0);
        assert_int_equal(p.n, 0);
        assert_string_equal(s.name, "  spaced # not a comment  ");
        assert_true(s.enabled);
        assert_int_equal(s.interval, UINT32_MAX);
        assert_int_equal(s.offset, INT32_MIN);
        assert_int_equal(s.level, LOG_ERR);
        assert_string_equal(s.directory, "/a=b"); /* only the first '=' splits */

        /* An empty value is a valid empty string; quotes around nothing too. */
        const char empty[] = "[Agent]\nName=\n";
        assert_int_equal(cfg_parse_buffer("inline", empty, sizeof(empty) - 1, table,
                                          ELEMENTSOF(table), &s, collect, &p),
                         0);
        assert_string_equal(s.name, "");
        const char quoted_empty[] = "[Agent]\nName=\"\"\n";
        assert_int_equal(cfg_parse_buffer("inline", quoted_empty, sizeof(quoted_empty) - 1, table,
                                          ELEMENTSOF(table), &s, collect, &p),
                         0);
        assert_string_equal(s.name, "");
        settings_done(&s);
}

static void test_syntax_errors(void **state)
{
        struct settings s = {.interval = 1};
        struct problems p = {0};
        const char text[] = "Name=before any section\n"
                            "[Agent\n"
                            "[]\n"
                            "[Agent]\n"
                            "just words\n"
                            "=value without key\n"
                            "Name=\"unbalanced\n"
                            "Interval=-1\n"
                            "Interval=0x10\n"
                            "Interval=\n"
                            "Interval=2\n";

        assert_int_equal(cfg_parse_buffer("syntax.conf", text, sizeof(text) - 1, table,
                                          ELEMENTSOF(table), &s, collect, &p),
                         9);
        unsigned expected_lines[] = {1, 2, 3, 5, 6, 7, 8, 9, 10};
        assert_int_equal(p.n, ELEMENTSOF(expected_lines));
        for (size_t i = 0; i < p.n; i++) {
                assert_string_equal(p.file[i], "syntax.conf");
                assert_int_equal(p.line[i], expected_lines[i]);
        }
        assert_null(s.name);
        assert_int_equal(s.interval, 2);

        /* Without a callback the problems are still counted. */
        assert_int_equal(cfg_parse_buffer("syntax.conf", text, sizeof(text) - 1, table,
                                          ELEMENTSOF(table), &s, NULL, NULL),
                         9);
        settings_done(&s);
}

static void test_limits(void **state)
{
        struct fixture *f = *state;
        struct settings s = {0};
        struct problems p = {0};

        /* A line far longer than any setting is refused, and parsing goes on after it. */
        size_t long_len = 100000;
        char *text = malloc(long_len + 64);
        assert_non_null(text);
        strcpy(text, "[Agent]\nName=");
        size_t n = strlen(text);
        memset(text + n, 'x', long_len);
        strcpy(text + n + long_len, "\nEnabled=on\n");
        assert_int_equal(cfg_parse_buffer("long.conf", text, strlen(text), table, ELEMENTSOF(table),
                                          &s, collect, &p),
                         1);
        assert_int_equal(p.line[0], 2);
        assert_null(s.name);
        assert_true(s.enabled);
        free(text);

        /* A NUL byte cannot hide the rest of a line. */
        p.n = 0;
        const char nul[] = "[Agent]\nName=a\0b\nInterval=3\n";
        assert_int_equal(cfg_parse_buffer("nul.conf", nul, sizeof(nul) - 1, table,
                                          ELEMENTSOF(table), &s, collect, &p),
                         1);
        assert_int_equal(p.line[0], 2);
        assert_int_equal(s.interval, 3);

        /* A huge file is reported and skipped, not read into memory whole. */
        p.n = 0;
        char path[512];
        snprintf(path, sizeof(path), "%s/agent.conf", f->dir);
        FILE *fp = fopen(path, "w");
        assert_non_null(fp);
        fputs("[Agent]\nName=huge\n", fp);
        for (int i = 0; i < 200000; i++)
                fputs("# padding padding padding\n", fp);
        assert_int_equal(fclose(fp), 0);
        assert_int_equal(cfg_load(f->main_path, table, ELEMENTSOF(table), &s, collect, &p), 1);
        assert_string_equal(p.file[0], path);
        assert_null(s.name);
        settings_done(&s);
}

static void test_unreadable_dropin_dir_is_an_error(void **state)
{
        struct fixture *f = *state;
        struct settings s = {0};
        struct problems p = {0};

        /* The drop-in "directory" is a regular file. */
        write_file(f->dir, "agent.conf.d", "not a directory");
        assert_int_equal(cfg_load(f->main_path, table, ELEMENTSOF(table), &s, collect, &p),
                         -ENOTDIR);

        /* The main file is a directory. */
        char other[256];
        snprintf(other, sizeof(other), "%s/other.conf", f->dir);
        assert_int_equal(mkdir(other, 0700), 0);
        assert_int_equal(cfg_load(other, table, ELEMENTSOF(table), &s, collect, &p), -EISDIR);
        settings_done(&s);
}

static void test_value_parsers(void **state)
{
        const char *reason = NULL;
        uint32_t u = 0;
        int32_t i = 0;
        bool b = false;
        int level = 0;
        char *str = NULL;

        assert_int_equal(cfg_parse_uint32("0", &u, &reason), 0);
        assert_int_equal(u, 0);
        assert_int_equal(cfg_parse_uint32("4294967296", &u, &reason), -ERANGE);
        assert_string_equal(reason, "out of range");
        assert_int_equal(cfg_parse_uint32(" 1", &u, &reason), -EINVAL);
        assert_int_equal(cfg_parse_uint32("+1", &u, &reason), -EINVAL);
        assert_int_equal(cfg_parse_uint32("99999999999999999999999x", &u, &reason), -EINVAL);
        assert_string_equal(reason, "not a number");
        assert_int_equal(u, 0);

        assert_int_equal(cfg_parse_int32("2147483647", &i, &reason), 0);
        assert_int_equal(i, INT32_MAX);
        assert_int_equal(cfg_parse_int32("2147483648", &i, &reason), -ERANGE);
        assert_int_equal(cfg_parse_int32("-2147483649", &i, &reason), -ERANGE);
        assert_int_equal(cfg_parse_int32("-", &i, &reason), -EINVAL);
        assert_int_equal(cfg_parse_int32("--1", &i, &reason), -EINVAL);
        assert_int_equal(i, INT32_MAX);

        assert_int_equal(cfg_parse_bool("Off", &b, &reason), 0);
        assert_false(b);
        assert_int_equal(cfg_parse_bool("y", &b, &reason), 0);
        assert_true(b);
        assert_int_equal(cfg_parse_bool("", &b, &reason), -EINVAL);
        assert_int_equal(cfg_parse_bool("2", &b, NULL), -EINVAL);

        assert_int_equal(cfg_parse_log_level("warning", &level, &reason), 0);
        assert_int_equal(level, LOG_WARNING);
        assert_int_equal(cfg_parse_log_level("8", &level, &reason), -EINVAL);
        assert_int_equal(cfg_parse_log_level("loud", &level, &reason), -EINVAL);
        assert_int_equal(level, LOG_WARNING);

        assert_int_equal(cfg_parse_string("one", &str, &reason), 0);
        assert_int_equal(cfg_parse_string("two", &str, &reason), 0); /* frees "one" */
        assert_string_equal(str, "two");
        assert_int_equal(cfg_parse_path("relative", &str, &reason), -EINVAL);
        assert_string_equal(str, "two");
        assert_int_equal(cfg_parse_path("/abs", &str, &reason), 0);
        assert_string_equal(str, "/abs");
        free(str);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_main_file_then_dropins_in_name_order, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_dropins_without_main_file, setup, teardown),
                cmocka_unit_test_setup_teardown(test_missing_file_and_directory_are_fine, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_bad_value_names_file_and_line, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_unknown_section_and_key, setup, teardown),
                cmocka_unit_test(test_syntax_comments_quotes_whitespace),
                cmocka_unit_test(test_syntax_errors),
                cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unreadable_dropin_dir_is_an_error, setup,
                                                teardown),
                cmocka_unit_test(test_value_parsers),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
