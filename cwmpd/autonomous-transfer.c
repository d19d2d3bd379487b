/* SPDX-License-Identifier: MIT */
/* Results of transfers the box made on its own, kept until the ACS has them. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autonomous-transfer.h"
#include "events.h"
#include "handoff-done.h"
#include "kvmap.h"
#include "log.h"
#include "management-server.h"
#include "manager.h"
#include "transfer-args.h"
#include "types.h"
#include "util.h"

#define PREFIX         "autonomous:"      /* autonomous:<seq> = the record */
#define PENDING_PREFIX "autonomous-key:"  /* producer key -> record, while stored */
#define DONE_PREFIX    "autonomous-done:" /* producer keys delivered: a late retry is not news */
#define SEQ_KEY        "autonomous-seq"
#define EVENT_CODE     "10 AUTONOMOUS TRANSFER COMPLETE"
#define N_FIELDS       11

void autonomous_transfer_done(struct autonomous_transfer *t)
{
        free(t->key);
        free(t->producer_key);
        free(t->announce_url);
        free(t->transfer_url);
        free(t->file_type);
        free(t->target_file_name);
        free(t->fault_string);
        free(t->start_time);
        free(t->complete_time);
        *t = (struct autonomous_transfer){};
}

static const char *check(const struct soap_autonomous_transfer *t)
{
        if (!t->announce_url || utf8_length(t->announce_url) > 1024)
                return "AnnounceURL is longer than 1024 characters";
        if (!t->transfer_url || utf8_length(t->transfer_url) > 1024)
                return "TransferURL is longer than 1024 characters";
        if (!transfer_type_valid(t->file_type))
                return "FileType is not a file type (\"1 Firmware Upgrade Image\" ...)";
        if (!t->target_file_name || utf8_length(t->target_file_name) > 256)
                return "TargetFileName is longer than 256 characters";
        if (!transfer_fault_code_valid(t->fault_code))
                return "AutonomousTransferComplete cannot carry this fault code";
        if (!t->fault_string || utf8_length(t->fault_string) > 256)
                return "FaultString is longer than 256 characters";
        if (!transfer_time_valid(t->start_time) || !transfer_time_valid(t->complete_time))
                return "StartTime and CompleteTime must be dateTime values";
        return NULL;
}

/* Fields are joined with tabs; "%" and tab inside a field are written %25 and %09. */
static int append_field(struct buf *b, const char *s, bool first)
{
        if (!first && buf_append(b, "\t", 1) < 0)
                return -ENOMEM;
        for (; *s; s++) {
                const char *esc = *s == '%' ? "%25" : *s == '\t' ? "%09" : NULL;
                if (buf_append(b, esc ? esc : s, esc ? 3 : 1) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static char *unescape_field(const char *s, size_t n)
{
        char *out = malloc(n + 1), *p = out;
        if (!out)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                if (s[i] == '%' && i + 3 <= n &&
                    (!strncmp(s + i, "%25", 3) || !strncmp(s + i, "%09", 3))) {
                        *p++ = s[i + 2] == '5' ? '%' : '\t';
                        i += 2;
                } else
                        *p++ = s[i];
        }
        *p = '\0';
        return out;
}

static int split(const char *value, char *fields[static N_FIELDS])
{
        const char *p = value;

        for (size_t i = 0; i < N_FIELDS; i++) {
                const char *tab = strchr(p, '\t');
                size_t n = tab ? (size_t)(tab - p) : strlen(p);
                if ((i < N_FIELDS - 1) != (tab != NULL))
                        return -EBADMSG;
                fields[i] = unescape_field(p, n);
                if (!fields[i])
                        return -ENOMEM;
                p = tab ? tab + 1 : p + n;
        }
        return 0;
}

/* The name of a file type without its number: "Vendor Log File" of "2 Vendor Log File";
 * vendor types ("X ...") are kept whole. */
static const char *file_type_name(const char *type, size_t len, size_t *ret_len)
{
        if (len > 0 && type[0] == 'X') {
                *ret_len = len;
                return type;
        }
        size_t skip = 0;
        while (skip < len && type[skip] >= '0' && type[skip] <= '9')
                skip++;
        while (skip < len && type[skip] == ' ')
                skip++;
        *ret_len = len - skip;
        return type + skip;
}

/* Whether a transfer's file type falls under a filter entry: the same name, or the same
 * name followed by an instance number ("Vendor Log File 2"). */
static bool file_type_matches(const char *entry, size_t entry_len, const char *type)
{
        size_t want_len, have_len;
        const char *want = file_type_name(entry, entry_len, &want_len);
        const char *have = file_type_name(type, strlen(type), &have_len);

        if (want_len == 0 || have_len < want_len || strncmp(want, have, want_len) != 0)
                return false;
        if (have_len == want_len)
                return true;
        if (want[0] == 'X' || have[want_len] != ' ' || have_len == want_len + 1)
                return false;
        for (size_t i = want_len + 1; i < have_len; i++)
                if (have[i] < '0' || have[i] > '9')
                        return false;
        return true;
}

bool autonomous_transfer_policy_allows(const struct autonomous_transfer_policy *policy,
                                       bool is_download, uint32_t fault_code, const char *file_type)
{
        const char *tf = policy->transfer_type_filter ? policy->transfer_type_filter : "Both";
        const char *rf = policy->result_type_filter ? policy->result_type_filter : "Both";

        if (!policy->enable)
                return false;
        if (!streq(tf, "Both") && !streq(tf, is_download ? "Download" : "Upload"))
                return false;
        if (!streq(rf, "Both") && !streq(rf, fault_code == 0 ? "Success" : "Failure"))
                return false;
        for (const char *p = policy->file_type_filter ? policy->file_type_filter : ""; *p;) {
                size_t len = strcspn(p, ",");
                const char *item = p;
                while (len > 0 && *item == ' ')
                        item++, len--;
                if (file_type_matches(item, len, file_type))
                        return true;
                p = item + len;
                if (*p == ',')
                        p++;
        }
        return false;
}

static struct autonomous_transfer_policy policy_of(struct manager *m)
{
        const struct management_settings *s = management_server_settings(m->ms);

        if (!s) /* no Device.ManagementServer. (unit tests): the schema's defaults */
                return (struct autonomous_transfer_policy){
                        true, "Both", "Both",
                        "1 Firmware Upgrade Image,2 Web Content,3 Vendor Configuration File,"
                        "4 Vendor Log File"};
        return (struct autonomous_transfer_policy){s->atc_enable, s->atc_transfer_type_filter,
                                                   s->atc_result_type_filter,
                                                   s->atc_file_type_filter};
}

int autonomous_transfer_queue(struct manager *m, const struct soap_autonomous_transfer *t,
                              const char *producer_key, const char **reason)
{
        _cleanup_(buf_done) struct buf b = {};
        _cleanup_free_ char *pending = NULL, *done = NULL;
        char key[64], seq_text[24], size[16], code[16];
        const char *last = manager_state_get(m, SEQ_KEY);
        uint64_t seq = last ? strtoull(last, NULL, 10) + 1 : 1;
        int r;

        *reason = check(t);
        if (*reason)
                return -EINVAL;
        producer_key = producer_key ? producer_key : "";
        if (producer_key[0]) {
                /* One record per producer key: a retried hand-off changes nothing. */
                if (asprintf(&pending, PENDING_PREFIX "%s", producer_key) < 0 ||
                    asprintf(&done, DONE_PREFIX "%s", producer_key) < 0)
                        return -ENOMEM;
                if (manager_state_get(m, pending) || manager_state_get(m, done))
                        return 1;
        }
        struct autonomous_transfer_policy policy = policy_of(m);
        if (!autonomous_transfer_policy_allows(&policy, t->is_download, t->fault_code,
                                               t->file_type)) {
                log_info("AutonomousTransferCompletePolicy keeps the %s of %s (%s, fault %" PRIu32
                         ") from the ACS",
                         t->is_download ? "download" : "upload", t->transfer_url, t->file_type,
                         t->fault_code);
                return 2;
        }
        snprintf(key, sizeof(key), PREFIX "%020" PRIu64, seq);
        snprintf(seq_text, sizeof(seq_text), "%" PRIu64, seq);
        snprintf(size, sizeof(size), "%" PRIu32, t->file_size);
        snprintf(code, sizeof(code), "%" PRIu32, t->fault_code);
        const char *fields[N_FIELDS] = {producer_key,        t->announce_url,
                                        t->transfer_url,     t->is_download ? "1" : "0",
                                        t->file_type,        size,
                                        t->target_file_name, code,
                                        t->fault_string,     t->start_time,
                                        t->complete_time};
        for (size_t i = 0; i < N_FIELDS; i++)
                if (append_field(&b, fields[i], i == 0) < 0)
                        return -ENOMEM;

        /* The record first, then the event: a crash between them leaves a record whose
         * event the next session queues again. */
        r = manager_state_set(m, SEQ_KEY, seq_text);
        if (r >= 0)
                r = manager_state_set(m, key, b.data);
        if (r >= 0 && pending)
                r = manager_state_set(m, pending, key);
        if (r >= 0)
                r = manager_state_save(m);
        if (r >= 0)
                r = events_add(m->events, EVENT_CODE, "", "");
        if (r < 0)
                return r;
        manager_request_session(m);
        return 0;
}

bool autonomous_transfer_next(struct manager *m, const char *after, struct autonomous_transfer *ret)
{
        const char **keys = NULL;
        size_t n = 0;
        bool found = false;

        if (kvmap_sorted_keys(m->state, &keys, &n) < 0)
                return false;
        for (size_t i = 0; i < n && !found; i++) {
                char *f[N_FIELDS] = {};
                if (!startswith(keys[i], PREFIX) || (after && strcmp(keys[i], after) <= 0))
                        continue;
                int r = split(kvmap_get(m->state, keys[i]), f);
                *ret = (struct autonomous_transfer){
                        .key = strdup(keys[i]),
                        .producer_key = f[0],
                        .announce_url = f[1],
                        .transfer_url = f[2],
                        .is_download = f[3] && streq(f[3], "1"),
                        .file_type = f[4],
                        .target_file_name = f[6],
                        .fault_string = f[8],
                        .start_time = f[9],
                        .complete_time = f[10],
                };
                bool ok = r >= 0 && ret->key && cw_parse_uint32(f[5], &ret->file_size) >= 0 &&
                          cw_parse_uint32(f[7], &ret->fault_code) >= 0;
                free(f[3]);
                free(f[5]);
                free(f[7]);
                if (!ok) {
                        autonomous_transfer_done(ret);
                        continue; /* damaged: skipped, never sent half */
                }
                found = true;
        }
        free(keys);
        return found;
}

static bool any_stored(struct manager *m)
{
        const char *k, *v;

        kvmap_foreach (m->state, i, k, v)
                if (startswith(k, PREFIX))
                        return true;
        return false;
}

int autonomous_transfer_remove(struct manager *m, const struct autonomous_transfer *t)
{
        int r = 0;

        if (t->producer_key && t->producer_key[0]) {
                _cleanup_free_ char *pending = NULL;
                if (asprintf(&pending, PENDING_PREFIX "%s", t->producer_key) < 0)
                        return -ENOMEM;
                r = manager_state_set(m, pending, NULL);
                if (r >= 0)
                        r = handoff_done_remember(m, DONE_PREFIX, t->producer_key);
        }
        if (r >= 0)
                r = manager_state_set(m, t->key, NULL);
        if (r >= 0)
                r = manager_state_save(m);
        if (r >= 0 && !any_stored(m))
                r = events_acknowledged(m->events, EVENT_CODE, NULL, NULL);
        return r;
}

int autonomous_transfer_ensure_event(struct manager *m)
{
        if (!any_stored(m))
                return 0;
        int r = events_add(m->events, EVENT_CODE, "", "");
        return r < 0 ? r : 0;
}

struct soap_autonomous_transfer autonomous_transfer_view(const struct autonomous_transfer *t)
{
        return (struct soap_autonomous_transfer){
                .announce_url = t->announce_url,
                .transfer_url = t->transfer_url,
                .is_download = t->is_download,
                .file_type = t->file_type,
                .file_size = t->file_size,
                .target_file_name = t->target_file_name,
                .fault_code = t->fault_code,
                .fault_string = t->fault_string,
                .start_time = t->start_time,
                .complete_time = t->complete_time,
        };
}
