/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "config.h"
#include "log.h"
#include "store.h"
#include "util.h"

/* Configuration is written by people: anything near these sizes is a mistake or an attack. */
#define CFG_MAX_LINE      4096u
#define CFG_MAX_FILE_SIZE (1024u * 1024u)
#define CFG_MESSAGE_MAX   512u

struct parse_state {
        const char *file;
        const struct cfg_item *table;
        size_t n_items;
        void *settings;
        cfg_error_fn on_error;
        void *userdata;
        char section[CFG_MAX_LINE];
        enum {
                SECTION_NONE,    /* before the first header */
                SECTION_KNOWN,   /* one the table has keys for */
                SECTION_IGNORED, /* unknown or broken: reported once at its header */
        } section_state;
        int problems;
};

static void report(struct parse_state *st, unsigned line, const char *format, ...)
        __attribute__((format(printf, 3, 4)));

static void report(struct parse_state *st, unsigned line, const char *format, ...)
{
        st->problems++;
        if (!st->on_error)
                return;

        char message[CFG_MESSAGE_MAX];
        va_list ap;
        va_start(ap, format);
        vsnprintf(message, sizeof(message), format, ap);
        va_end(ap);

        const struct cfg_location where = {.file = st->file, .line = line};
        st->on_error(&where, message, st->userdata);
}

static bool is_blank(char c)
{
        return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Trims blanks from both ends of s in place and returns the new start. */
static char *trim(char *s)
{
        while (is_blank(*s))
                s++;
        size_t n = strlen(s);
        while (n > 0 && is_blank(s[n - 1]))
                s[--n] = '\0';
        return s;
}

static bool section_exists(const struct parse_state *st, const char *section)
{
        for (size_t i = 0; i < st->n_items; i++)
                if (streq(st->table[i].section, section))
                        return true;
        return false;
}

static const struct cfg_item *find_item(const struct parse_state *st, const char *key)
{
        for (size_t i = 0; i < st->n_items; i++)
                if (streq(st->table[i].section, st->section) && streq(st->table[i].key, key))
                        return &st->table[i];
        return NULL;
}

static void parse_section(struct parse_state *st, unsigned line_no, char *line)
{
        size_t n = strlen(line);
        if (n < 2 || line[n - 1] != ']') {
                report(st, line_no, "Invalid section header '%s'", line);
                goto invalid;
        }
        line[n - 1] = '\0';
        const char *name = line + 1;
        if (!*name || strpbrk(name, "[]")) {
                report(st, line_no, "Invalid section header '[%s]'", name);
                goto invalid;
        }
        snprintf(st->section, sizeof(st->section), "%s", name);
        st->section_state = section_exists(st, name) ? SECTION_KNOWN : SECTION_IGNORED;
        if (st->section_state == SECTION_IGNORED)
                report(st, line_no, "Unknown section [%s], ignoring it", name);
        return;

invalid:
        /* Keys after a broken header belong to no known section; do not report each. */
        st->section[0] = '\0';
        st->section_state = SECTION_IGNORED;
}

/* Returns 0, or -ENOMEM which ends parsing. */
static int parse_assignment(struct parse_state *st, unsigned line_no, char *line)
{
        char *eq = strchr(line, '=');
        if (!eq) {
                report(st, line_no, "Missing '=' in '%s', ignoring line", line);
                return 0;
        }
        *eq = '\0';
        char *key = trim(line);
        char *value = trim(eq + 1);

        if (!*key) {
                report(st, line_no, "Missing key name before '=', ignoring line");
                return 0;
        }
        if (st->section_state == SECTION_NONE) {
                report(st, line_no, "Assignment '%s=' outside of any section, ignoring", key);
                return 0;
        }
        if (st->section_state == SECTION_IGNORED)
                return 0;

        size_t n = strlen(value);
        if (n > 0 && value[0] == '"') {
                if (n < 2 || value[n - 1] != '"') {
                        report(st, line_no, "Unbalanced quotes in value of %s=, ignoring", key);
                        return 0;
                }
                value[n - 1] = '\0';
                value++;
        }

        const struct cfg_item *item = find_item(st, key);
        if (!item) {
                report(st, line_no, "Unknown key '%s' in section [%s], ignoring", key, st->section);
                return 0;
        }

        const char *reason = NULL;
        int r = item->parse(value, (char *)st->settings + item->offset, &reason);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                report(st, line_no, "Invalid value '%s' for %s=: %s, ignoring", value, key,
                       reason ? reason : strerror(-r));
        return 0;
}

int cfg_parse_buffer(const char *file, const char *data, size_t len, const struct cfg_item *table,
                     size_t n_items, void *settings, cfg_error_fn on_error, void *userdata)
{
        if (!data && len > 0)
                return -EINVAL;

        _cleanup_free_ struct parse_state *st = calloc(1, sizeof(*st));
        _cleanup_free_ char *line = malloc(CFG_MAX_LINE + 1);
        if (!st || !line)
                return -ENOMEM;
        st->file = file ? file : "(buffer)";
        st->table = table;
        st->n_items = table ? n_items : 0;
        st->settings = settings;
        st->on_error = on_error;
        st->userdata = userdata;

        if (len > CFG_MAX_FILE_SIZE) {
                report(st, 0, "File is larger than %u bytes, ignoring it", CFG_MAX_FILE_SIZE);
                return st->problems;
        }

        const char *p = data, *end = data + len;
        /* Editors on other systems may write a UTF-8 byte order mark. */
        if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
                p += 3;

        for (unsigned line_no = 1; p < end; line_no++) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                const char *line_end = nl ? nl : end;
                size_t n = (size_t)(line_end - p);
                const char *raw = p;
                p = nl ? nl + 1 : end;

                if (n > CFG_MAX_LINE) {
                        report(st, line_no, "Line longer than %u bytes, ignoring it", CFG_MAX_LINE);
                        continue;
                }
                if (memchr(raw, '\0', n)) {
                        report(st, line_no, "Line contains a NUL byte, ignoring it");
                        continue;
                }
                memcpy(line, raw, n);
                line[n] = '\0';

                char *l = trim(line);
                if (!*l || *l == '#' || *l == ';')
                        continue;
                if (*l == '[') {
                        parse_section(st, line_no, l);
                        continue;
                }
                int r = parse_assignment(st, line_no, l);
                if (r < 0)
                        return r;
        }
        return st->problems;
}

static int load_file(const char *path, const struct cfg_item *table, size_t n_items, void *settings,
                     cfg_error_fn on_error, void *userdata)
{
        _cleanup_free_ char *data = NULL;
        size_t len;
        int r = store_read_file(path, CFG_MAX_FILE_SIZE, &data, &len);
        if (r == -EFBIG) {
                if (on_error) {
                        const struct cfg_location where = {.file = path, .line = 0};
                        on_error(&where, "File is too large, ignoring it", userdata);
                }
                return 1;
        }
        if (r < 0)
                return r;
        log_debug("Reading configuration from %s", path);
        return cfg_parse_buffer(path, data, len, table, n_items, settings, on_error, userdata);
}

static int is_dropin_name(const struct dirent *d)
{
        size_t n = strlen(d->d_name);
        return d->d_name[0] != '.' && n > 5 && streq(d->d_name + n - 5, ".conf");
}

/* Byte order, not the locale's collation: the same files load in the same order anywhere. */
static int compare_names(const struct dirent **a, const struct dirent **b)
{
        return strcmp((*a)->d_name, (*b)->d_name);
}

int cfg_load(const char *main_path, const struct cfg_item *table, size_t n_items, void *settings,
             cfg_error_fn on_error, void *userdata)
{
        if (!main_path)
                return -EINVAL;

        int problems = 0;
        int r = load_file(main_path, table, n_items, settings, on_error, userdata);
        if (r < 0 && r != -ENOENT)
                return r;
        if (r > 0)
                problems += r;

        _cleanup_free_ char *dir = NULL;
        if (asprintf(&dir, "%s.d", main_path) < 0)
                return -ENOMEM;

        struct dirent **entries = NULL;
        int n = scandir(dir, &entries, is_dropin_name, compare_names);
        if (n < 0)
                return errno == ENOENT ? problems : -errno;

        r = 0;
        for (int i = 0; i < n; i++) {
                if (r >= 0) {
                        _cleanup_free_ char *path = NULL;
                        struct stat st;
                        if (asprintf(&path, "%s/%s", dir, entries[i]->d_name) < 0) {
                                path = NULL;
                                r = -ENOMEM;
                        } else if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
                                /* Anything else (a directory, a link to /dev/null that masks
                                 * a drop-in, a dangling link) is skipped. */
                                int k = load_file(path, table, n_items, settings, on_error,
                                                  userdata);
                                if (k < 0 && k != -ENOENT)
                                        r = k;
                                else if (k > 0)
                                        problems += k;
                        }
                }
                free(entries[i]);
        }
        free(entries);
        return r < 0 ? r : problems;
}

/* Parsers may be called with a NULL reason by code that only wants the value. */
static int fail(const char **reason, const char *why, int error)
{
        if (reason)
                *reason = why;
        return error;
}

int cfg_parse_string(const char *value, void *data, const char **reason)
{
        char *copy = strdup(value);
        if (!copy)
                return fail(reason, "out of memory", -ENOMEM);
        char **field = data;
        free(*field);
        *field = copy;
        return 0;
}

int cfg_parse_path(const char *value, void *data, const char **reason)
{
        if (value[0] != '/')
                return fail(reason, "not an absolute path", -EINVAL);
        if (strlen(value) >= PATH_MAX)
                return fail(reason, "path too long", -ENAMETOOLONG);
        return cfg_parse_string(value, data, reason);
}

int cfg_parse_bool(const char *value, void *data, const char **reason)
{
        static const char *const yes[] = {"1", "yes", "y", "true", "t", "on"};
        static const char *const no[] = {"0", "no", "n", "false", "f", "off"};
        bool *field = data;

        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                if (strcasecmp(value, yes[i]) == 0) {
                        *field = true;
                        return 0;
                }
                if (strcasecmp(value, no[i]) == 0) {
                        *field = false;
                        return 0;
                }
        }
        return fail(reason, "not a boolean", -EINVAL);
}

/* Decimal digits only: no sign, no blanks, no base prefixes, at least one digit. */
static int parse_digits(const char *s, uint64_t max, uint64_t *ret, const char **reason)
{
        if (!*s)
                return fail(reason, "empty value", -EINVAL);
        uint64_t v = 0;
        for (; *s; s++) {
                if (*s < '0' || *s > '9')
                        return fail(reason, "not a number", -EINVAL);
                unsigned d = (unsigned)(*s - '0');
                if (v > (max - d) / 10) {
                        /* Keep scanning so that "12x" with many digits says "not a number". */
                        for (s++; *s; s++)
                                if (*s < '0' || *s > '9')
                                        return fail(reason, "not a number", -EINVAL);
                        return fail(reason, "out of range", -ERANGE);
                }
                v = v * 10 + d;
        }
        *ret = v;
        return 0;
}

int cfg_parse_uint32(const char *value, void *data, const char **reason)
{
        uint64_t v;
        int r = parse_digits(value, UINT32_MAX, &v, reason);
        if (r < 0)
                return r;
        *(uint32_t *)data = (uint32_t)v;
        return 0;
}

int cfg_parse_int32(const char *value, void *data, const char **reason)
{
        bool negative = value[0] == '-';
        uint64_t v;
        int r = parse_digits(value + negative, negative ? (uint64_t)INT32_MAX + 1 : INT32_MAX, &v,
                             reason);
        if (r < 0)
                return r;
        *(int32_t *)data = negative ? (int32_t)(-(int64_t)v) : (int32_t)v;
        return 0;
}

int cfg_parse_log_level(const char *value, void *data, const char **reason)
{
        int level = log_level_from_string(value);
        if (level < 0)
                return fail(reason, "not a log level (debug, info, notice, warning, err or 0-7)",
                            level);
        *(int *)data = level;
        return 0;
}
