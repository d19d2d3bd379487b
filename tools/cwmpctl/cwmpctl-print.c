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
