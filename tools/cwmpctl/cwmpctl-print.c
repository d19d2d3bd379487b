/* SPDX-License-Identifier: MIT */
/*
 * cwmpctl: what the commands print. Results go to stdout in line formats that scripts can
 * cut apart; faults and notes go to stderr.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cwmpctl.h"

void cwmpctl_print_value(enum cwmpctl_value_format format, const char *name, const char *type,
                         const char *value)
{
        /* Values are printed as they are, newlines included: they are strings, and an
         * escaped form would need unescaping in every script. */
        switch (format) {
        case CWMPCTL_VALUE_ONLY:
                printf("%s\n", value);
                break;
        case CWMPCTL_VALUE_WITH_TYPE:
                printf("%s = %s (%s)\n", name, value, type);
                break;
        case CWMPCTL_VALUE_NAME_VALUE:
        default:
                printf("%s = %s\n", name, value);
                break;
        }
}

void cwmpctl_print_name(const char *name, bool writable)
{
        printf("%s  %s\n", name, writable ? "rw" : "ro");
}

void cwmpctl_print_attributes(const char *name, uint32_t notification, const char *const *access,
                              size_t n_access)
{
        printf("%s notification=%" PRIu32 " access=", name, notification);
        for (size_t i = 0; i < n_access; i++)
                printf("%s%s", i > 0 ? "," : "", access[i]);
        putchar('\n');
}

/* The root subtree is the empty path: shown as "" so that every column has a word. */
static const char *provider_column(const struct cwmpctl_provider_row *row, size_t column)
{
        switch (column) {
        case 0:
                return row->subtree[0] ? row->subtree : "\"\"";
        case 1:
                /* dmd's built-in providers have no bus name of their own. */
                return row->owner[0] ? row->owner : "(dmd)";
        default:
                return row->object;
        }
}

static int column_width(const struct cwmpctl_provider_row *rows, size_t n, size_t column)
{
        size_t width = 0;

        for (size_t i = 0; i < n; i++) {
                size_t len = strlen(provider_column(&rows[i], column));
                if (len > width)
                        width = len;
        }
        return width > 200 ? 200 : (int)width;
}

void cwmpctl_print_providers(const struct cwmpctl_provider_row *rows, size_t n)
{
        int w_subtree = column_width(rows, n, 0), w_owner = column_width(rows, n, 1),
            w_object = column_width(rows, n, 2);

        for (size_t i = 0; i < n; i++)
                printf("%-*s  %-*s  %-*s  %s\n", w_subtree, provider_column(&rows[i], 0), w_owner,
                       provider_column(&rows[i], 1), w_object, provider_column(&rows[i], 2),
                       rows[i].online ? "online" : "offline");
}

void cwmpctl_print_fault(const struct fault *f)
{
        fprintf(stderr, "cwmpctl: fault %" PRIu32 " (%s): %s\n", f->code, fault_string(f->code),
                f->message ?: fault_string(f->code));
        for (size_t i = 0; i < f->n_params; i++) {
                const struct fault_param *p = &f->params[i];
                fprintf(stderr, "  %s: fault %" PRIu32 " (%s): %s\n", p->name ?: "", p->code,
                        fault_string(p->code), p->message ?: fault_string(p->code));
        }
}

void cwmpctl_print_status_note(const char *command, int32_t status)
{
        if (status == 1)
                fprintf(stderr,
                        "cwmpctl: %s: accepted; the change takes effect later "
                        "(status 1)\n",
                        command);
        else if (status != 0)
                fprintf(stderr, "cwmpctl: %s: accepted with unknown status %" PRIi32 "\n", command,
                        status);
}

/* Strings in the status come from the ACS too (URL, CommandKey): control characters are
 * shown escaped, so that they cannot rewrite the terminal. */
static void print_text(const char *s)
{
        for (; *s; s++) {
                unsigned char c = (unsigned char)*s;
                if (c < 0x20 || c == 0x7f)
                        printf("\\x%02x", c);
                else
                        putchar(c);
        }
}

/* A property's line; `empty` stands for "" (the property's meaning of "nothing yet"). */
static void print_status_line(const char *label, const char *value, const char *empty)
{
        printf("%-19s ", label);
        if (!value)
                fputs("(not reported)", stdout);
        else if (!value[0])
                fputs(empty, stdout);
        else
                print_text(value);
        putchar('\n');
}

void cwmpctl_print_agent_status(const struct cwmpctl_agent_status *status)
{
        print_status_line("Session state:", status->session_state, "(unknown)");
        print_status_line("ACS URL:", status->url, "(none)");
        print_status_line("CWMP version:", status->cwmp_version, "(no session yet)");
        print_status_line("Last session:", status->last_result, "(no session yet)");
        print_status_line("Last session time:", status->last_time, "(no session yet)");
        if (status->has_retry_count)
                printf("%-19s %" PRIu32 "\n", "Retry count:", status->retry_count);
        else
                print_status_line("Retry count:", NULL, "");

        if (!status->has_pending_events) {
                print_status_line("Pending events:", NULL, "");
                return;
        }
        if (status->n_pending_events == 0) {
                printf("%-19s none\n", "Pending events:");
                return;
        }
        printf("%-19s %zu\n", "Pending events:", status->n_pending_events);
        for (size_t i = 0; i < status->n_pending_events; i++) {
                const struct cwmpctl_event *e = &status->pending_events[i];

                fputs("  ", stdout);
                print_text(e->code);
                /* "M" events are told apart by their key, even an empty one. */
                if (e->command_key[0] || strncmp(e->code, "M ", 2) == 0) {
                        fputs(", command key \"", stdout);
                        print_text(e->command_key);
                        putchar('"');
                }
                putchar('\n');
        }
}
