/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "handoff-done.h"
#include "kvmap.h"
#include "manager.h"
#include "transfer-args.h"
#include "transfer-complete.h"
#include "types.h"

#define PREFIX      "transfer:"
#define DONE_PREFIX "transfer-done:" /* results the ACS has: a late retry is not news */

void transfer_result_done(struct transfer_result *t)
{
        free(t->key);
        free(t->method);
        free(t->command_key);
        free(t->fault_string);
        free(t->start_time);
        free(t->complete_time);
        *t = (struct transfer_result){};
}

int transfer_complete_queue(struct manager *m, const char *method, const char *command_key,
                            uint32_t fault_code, const char *fault_string, const char *start_time,
                            const char *complete_time, const char *producer_key,
                            const char **reason)
{
        _cleanup_free_ char *key = NULL, *value = NULL, *m_code = NULL;
        int r;

        if (!streq(method, "Download") && !streq(method, "Upload") &&
            !streq(method, "ScheduleDownload")) {
                *reason = "the method must be Download, Upload or ScheduleDownload";
                return -EINVAL;
        }
        if (!transfer_fault_code_valid(fault_code)) {
                *reason = "TransferComplete cannot carry this fault code";
                return -EINVAL;
        }
        if (!transfer_time_valid(start_time) || !transfer_time_valid(complete_time)) {
                *reason = "StartTime and CompleteTime must be dateTime values";
                return -EINVAL;
        }
        if (strlen(command_key) > 32) {
                *reason = "CommandKey is longer than 32 characters";
                return -EINVAL;
        }
        /* One record per producer key (or CommandKey): a retried hand-off changes nothing. */
        if (asprintf(&key, PREFIX "%s/%s", method,
                     producer_key && producer_key[0] ? producer_key : command_key) < 0 ||
            asprintf(&value, "%s\t%s\t%" PRIu32 "\t%s\t%s\t%s", method, command_key, fault_code,
                     fault_string ? fault_string : "", start_time, complete_time) < 0 ||
            asprintf(&m_code, "M %s", method) < 0)
                return -ENOMEM;
        _cleanup_free_ char *done = NULL;
        if (asprintf(&done, DONE_PREFIX "%s", key + strlen(PREFIX)) < 0)
                return -ENOMEM;
        if (manager_state_get(m, key) || manager_state_get(m, done))
                return 1;
        /* The record first, then the events: a crash between them leaves a record whose
         * events are queued again at the next hand-off or found by the next session. */
        r = manager_state_set(m, key, value);
        if (r >= 0)
                r = manager_state_save(m);
        if (r >= 0)
                r = events_add(m->events, m_code, command_key, "");
        if (r >= 0)
                r = events_add(m->events, "7 TRANSFER COMPLETE", "", "");
        if (r < 0)
                return r;
        manager_request_session(m);
        return 0;
}

static char *field(char **cursor)
{
        char *start = *cursor, *tab = start ? strchr(start, '\t') : NULL;
        if (!start)
                return NULL;
        if (tab) {
                *tab = '\0';
                *cursor = tab + 1;
        } else {
                *cursor = NULL;
        }
        return strdup(start);
}

bool transfer_complete_next(struct manager *m, struct transfer_result *ret)
{
        const char **keys = NULL;
        size_t n = 0;
        bool found = false;

        if (kvmap_sorted_keys(m->state, &keys, &n) < 0)
                return false;
        for (size_t i = 0; i < n && !found; i++) {
                if (!startswith(keys[i], PREFIX))
                        continue;
                _cleanup_free_ char *copy = strdup(kvmap_get(m->state, keys[i]));
                char *cursor = copy;
                _cleanup_free_ char *code = NULL;
                if (!copy)
                        break;
                *ret = (struct transfer_result){.key = strdup(keys[i])};
                ret->method = field(&cursor);
                ret->command_key = field(&cursor);
                code = field(&cursor);
                ret->fault_string = field(&cursor);
                ret->start_time = field(&cursor);
                ret->complete_time = field(&cursor);
                if (!ret->key || !ret->method || !ret->command_key || !code || !ret->fault_string ||
                    !ret->start_time || !ret->complete_time ||
                    cw_parse_uint32(code, &ret->fault_code) < 0) {
                        transfer_result_done(ret);
                        continue; /* damaged: skipped, never sent half */
                }
                found = true;
        }
        free(keys);
        return found;
}

int transfer_complete_acknowledged(struct manager *m, const struct transfer_result *t)
{
        _cleanup_free_ char *m_code = NULL;
        int r;

        if (asprintf(&m_code, "M %s", t->method) < 0)
                return -ENOMEM;
        r = handoff_done_remember(m, DONE_PREFIX, t->key + strlen(PREFIX));
        if (r >= 0)
                r = manager_state_set(m, t->key, NULL);
        if (r >= 0)
                r = manager_state_save(m);
        if (r >= 0)
                r = events_acknowledged(m->events, "7 TRANSFER COMPLETE", m_code, t->command_key);
        return r;
}

int transfer_complete_ensure_events(struct manager *m)
{
        const char *k, *v;
        int r = 0;

        /* A record whose events were lost to a crash between the two writes gets them back. */
        kvmap_foreach (m->state, i, k, v) {
                if (r < 0 || !startswith(k, PREFIX))
                        continue;
                const char *tab1 = strchr(v, '\t'), *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
                if (!tab2)
                        continue;
                _cleanup_free_ char *m_code = NULL, *key = strndup(tab1 + 1, tab2 - tab1 - 1);
                if (!key || asprintf(&m_code, "M %.*s", (int)(tab1 - v), v) < 0)
                        return -ENOMEM;
                r = events_add(m->events, m_code, key, "");
                if (r >= 0)
                        r = events_add(m->events, "7 TRANSFER COMPLETE", "", "");
        }
        return r < 0 ? r : 0;
}
