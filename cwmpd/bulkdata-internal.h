/* SPDX-License-Identifier: MIT */
#pragma once

#include <dbus/dbus.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "bulkdata-encode.h"
#include "cwmp/provider.h"
#include "util.h"

/* What the files of Device.BulkData. share (bulkdata.c is the provider and the entry). */

#define BD_PREFIX      "Device.BulkData."
#define PROFILE_TABLE  BD_PREFIX "Profile."
#define BD_OBJECT_PATH "/io/cwmp/Agent/BulkData"
#define DM_BUS_NAME    "io.cwmp.DataModel"
#define DM_OBJECT_PATH "/io/cwmp/DataModel"
#define DM_INTERFACE   "io.cwmp.DataModel1"
#define DM_TIMEOUT_MS  30000

/* What the box offers; the schema's maxEntries say the same. */
#define MAX_PROFILES           16
#define MAX_REFERENCES         256 /* per profile */
#define MIN_REPORTING_INTERVAL 1   /* seconds */
#define MAX_RETAINED           128 /* NumberOfRetainedFailedReports -1: as many as this */
#define REPORT_FILE_MAX        (16u * 1024 * 1024)
#define REPORT_MAGIC           "BULKDATA1 "
#define USEC_PER_SEC           1000000ULL
#define CONTENT_TYPE_JSON      "application/json; charset=UTF-8"
#define CONTENT_TYPE_CSV       "text/csv; charset=UTF-8"

struct http_client;
struct bulkdata_http;
struct collect;

struct report {
        int64_t time_ms;
        char *data; /* "name\0type\0value\0" for each value */
        size_t len;
        struct bulkdata_value *values;
        size_t n_values;
        char *file; /* where it is retained, or NULL */
};

struct profile {
        struct bulkdata *bd;
        uint32_t number;
        char prefix[48]; /* "Device.BulkData.Profile.3." */
        char *schedule;  /* the settings the timer was armed with */
        char *encoding;  /* EncodingType: a new one drops the retained reports */
        int64_t phase;   /* the reference when TimeReference is the Unknown Time */
        sd_event_source *timer, *retry_timer;
        struct bulkdata_http *sending;
        size_t n_sending; /* the oldest reports, in the transfer in flight */
        bool collecting;
        uint32_t retry_count;
        struct report *reports; /* oldest first */
        size_t n_reports;
        struct strv query; /* RequestURIParameter names and values, as last read */
};

struct bulkdata {
        sd_event *event;
        DBusConnection *bus;
        struct http_client *http;
        cwmp_provider *provider;
        char *state_dir, *runtime_dir; /* <dir>/bulkdata */
        struct profile **profiles;
        size_t n_profiles;
        sd_event_source *reload;
        struct collect *collects; /* GetParameterValues in flight */
};

/* bulkdata.c: the stored settings ("" when unset) and the instances of tables. */
const char *bulkdata_setting(struct profile *p, const char *name); /* below the profile */
bool bulkdata_setting_bool(struct profile *p, const char *name);
uint32_t bulkdata_setting_u32(struct profile *p, const char *name);
bool bulkdata_enabled(struct bulkdata *bd); /* Device.BulkData.Enable */
int bulkdata_instances(struct bulkdata *bd, const char *table, uint32_t **ret, size_t *n);
/* The (Reference, Name) pairs of a table of the profile ("Parameter.",
 * "HTTP.RequestURIParameter."), those with a Reference only. */
int bulkdata_references(struct profile *p, const char *table, struct strv *refs,
                        struct strv *names);
struct profile *bulkdata_find_profile(struct bulkdata *bd, uint32_t number);

/* bulkdata-profile.c: a profile's life and schedule. */
int bulkdata_profile_new(struct bulkdata *bd, uint32_t number, struct profile **ret);
/* deleted: its retained reports go too; otherwise (cwmpd stops) they stay on disk. */
void bulkdata_profile_free(struct profile *p, bool deleted);
/* Applies the stored settings: the timer, the retained reports of a new EncodingType. */
int bulkdata_profile_configure(struct profile *p);

/* bulkdata-collect.c: reads the references from dmd, adds the report, sends. */
void bulkdata_collect(struct profile *p);
/* bulkdata_free(): the replies still to come find nobody. */
void bulkdata_collects_detach(struct bulkdata *bd);

/* bulkdata-send.c: sends every report of the profile unless a transfer is in flight. */
void bulkdata_send(struct profile *p);

/* bulkdata-report.c: reports in memory and retained on disk. */
void bulkdata_report_done(struct report *rep);
int bulkdata_report_index(struct report *rep); /* points values into data */
int bulkdata_report_save(struct profile *p, struct report *rep);
void bulkdata_report_forget(struct report *rep);                 /* and its file */
int bulkdata_push_report(struct profile *p, struct report *rep); /* takes it over */
void bulkdata_load_retained(struct profile *p);
void bulkdata_remove_dirs(struct profile *p);
/* The first `failed` reports failed: the oldest of them beyond
 * NumberOfRetainedFailedReports are dropped, the others written to disk. */
void bulkdata_retain(struct profile *p, size_t failed);
void bulkdata_drop_reports(struct profile *p, size_t n); /* the n oldest */
