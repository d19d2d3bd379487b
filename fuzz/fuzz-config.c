/* SPDX-License-Identifier: MIT */
/* Configuration files come from integrators and package updates: the parser must report
 * problems with a location, never crash, never leak, and leave settings consistent. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct settings {
        char *url;
        char *username;
        char *directory;
        bool enabled;
        bool tls_verify;
        uint32_t interval;
        int32_t offset;
        int level;
};

static const struct cfg_item table[] = {
        {"ManagementServer", "URL", cfg_parse_string, offsetof(struct settings, url)},
        {"ManagementServer", "Username", cfg_parse_string, offsetof(struct settings, username)},
        {"ManagementServer", "PeriodicInformEnable", cfg_parse_bool,
         offsetof(struct settings, enabled)},
        {"ManagementServer", "PeriodicInformInterval", cfg_parse_uint32,
         offsetof(struct settings, interval)},
        {"ManagementServer", "VerifyPeer", cfg_parse_bool, offsetof(struct settings, tls_verify)},
        {"Store", "Directory", cfg_parse_path, offsetof(struct settings, directory)},
        {"Store", "Offset", cfg_parse_int32, offsetof(struct settings, offset)},
        {"Log", "Level", cfg_parse_log_level, offsetof(struct settings, level)},
};

struct counter {
        int calls;
        size_t input_size;
};

static void on_error(const struct cfg_location *where, const char *message, void *userdata)
{
        struct counter *c = userdata;

        /* Every problem names the buffer, a line within it (0 only for the whole file), and
         * says something. */
        if (!where || !where->file || !streq(where->file, "fuzz.conf") || !message || !*message ||
            where->line > c->input_size + 1)
                abort();
        c->calls++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct settings s = {0};
        struct counter c = {.input_size = size};

        int r = cfg_parse_buffer("fuzz.conf", (const char *)data, size, table, ELEMENTSOF(table),
                                 &s, on_error, &c);
        if (r >= 0 && r != c.calls)
                abort(); /* the count returned is the count reported */
        if (r < 0 && r != -ENOMEM)
                abort();
        if (s.directory && s.directory[0] != '/')
                abort();
        if (s.level < 0 || s.level > 7)
                abort();

        free(s.url);
        free(s.username);
        free(s.directory);
        return 0;
}
