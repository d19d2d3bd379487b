/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bulkdata-internal.h"
#include "bulkdata.h"
#include "log.h"
#include "types.h"

/*
 * Device.BulkData. through the provider library, which stores the profiles. After every
 * commit (and every added or deleted instance) a deferred event reads the profiles again and
 * re-arms the timers of those whose schedule changed (bulkdata-profile.c).
 *
 * At each boundary of its interval a profile reads its references from dmd
 * (bulkdata-collect.c) and sends the new report after the retained ones (bulkdata-send.c);
 * failed reports are kept on disk (bulkdata-report.c).
 */

const char *bulkdata_setting(struct profile *p, const char *name)
{
        char full[256];
        const char *v;

        snprintf(full, sizeof(full), "%s%s", p->prefix, name);
        v = cwmp_provider_get_stored(p->bd->provider, full);
        return v ? v : "";
}

bool bulkdata_setting_bool(struct profile *p, const char *name)
{
        bool b = false;
        (void)cw_parse_bool(bulkdata_setting(p, name), &b);
        return b;
}

uint32_t bulkdata_setting_u32(struct profile *p, const char *name)
{
        uint32_t u = 0;
        (void)cw_parse_uint32(bulkdata_setting(p, name), &u);
        return u;
}

bool bulkdata_enabled(struct bulkdata *bd)
{
        const char *v = cwmp_provider_get_stored(bd->provider, BD_PREFIX "Enable");
        bool b = false;
        (void)cw_parse_bool(v ? v : "", &b);
        return b;
}

int bulkdata_instances(struct bulkdata *bd, const char *table, uint32_t **ret, size_t *n)
{
        *ret = NULL;
        *n = 0;
        return cwmp_provider_get_instances(bd->provider, table, ret, n);
}

/* The (Reference, Name) pairs of a table of the profile ("Parameter.", "HTTP.
 * RequestURIParameter."), those with a Reference only. */
int bulkdata_references(struct profile *p, const char *table, struct strv *refs, struct strv *names)
{
        _cleanup_free_ uint32_t *numbers = NULL;
        char path[192];
        size_t n;
        int r;

        snprintf(path, sizeof(path), "%s%s", p->prefix, table);
        r = bulkdata_instances(p->bd, path, &numbers, &n);
        for (size_t i = 0; r >= 0 && i < n; i++) {
                char ref[128], name[128];
                snprintf(ref, sizeof(ref), "%s%" PRIu32 ".Reference", table, numbers[i]);
                snprintf(name, sizeof(name), "%s%" PRIu32 ".Name", table, numbers[i]);
                if (!bulkdata_setting(p, ref)[0])
                        continue;
                r = strv_push(refs, bulkdata_setting(p, ref));
                if (r >= 0)
                        r = strv_push(names, bulkdata_setting(p, name));
        }
        return r;
}

struct profile *bulkdata_find_profile(struct bulkdata *bd, uint32_t number)
{
        for (size_t i = 0; i < bd->n_profiles; i++)
                if (bd->profiles[i]->number == number)
                        return bd->profiles[i];
        return NULL;
}

static int reload(struct bulkdata *bd)
{
        _cleanup_free_ uint32_t *numbers = NULL;
        size_t n;
        int r;

        r = bulkdata_instances(bd, PROFILE_TABLE, &numbers, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < bd->n_profiles;) {
                bool present = false;
                for (size_t k = 0; k < n && !present; k++)
                        present = numbers[k] == bd->profiles[i]->number;
                if (present) {
                        i++;
                        continue;
                }
                log_info("Bulk data profile %" PRIu32 " deleted", bd->profiles[i]->number);
                bulkdata_profile_free(bd->profiles[i], true);
                bd->profiles[i] = bd->profiles[--bd->n_profiles];
        }
        for (size_t k = 0; k < n; k++) {
                struct profile *p = bulkdata_find_profile(bd, numbers[k]);
                if (!p) {
                        r = bulkdata_profile_new(bd, numbers[k], &p);
                        if (r < 0)
                                return r;
                }
                r = bulkdata_profile_configure(p);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int on_reload(sd_event_source *s, void *userdata)
{
        struct bulkdata *bd = userdata;
        int r = reload(bd);
        if (r < 0)
                log_error_errno(r, "Failed to apply the bulk data profiles: %m");
        return 0;
}

static void schedule_reload(struct bulkdata *bd)
{
        if (sd_event_source_set_enabled(bd->reload, SD_EVENT_ONESHOT) < 0)
                log_warning("Failed to schedule the bulk data update");
}

static int count_instances(struct bulkdata *bd, const char *table, char **value)
{
        _cleanup_free_ uint32_t *numbers = NULL;
        size_t n;
        int r = bulkdata_instances(bd, table, &numbers, &n);

        if (r < 0)
                return r;
        return asprintf(value, "%zu", n) < 0 ? -ENOMEM : 0;
}

static int constant(const char *s, char **value)
{
        *value = strdup(s);
        return *value ? 0 : -ENOMEM;
}

static int on_get(cwmp_provider *provider, const char *name, char **value, void *userdata)
{
        struct bulkdata *bd = userdata;
        char table[192];
        const char *rest;
        uint32_t number;
        int used = 0;

        if (!startswith(name, BD_PREFIX))
                return -ENOENT;
        rest = name + strlen(BD_PREFIX);
        if (streq(rest, "Status"))
                return constant(bulkdata_enabled(bd) ? "Enabled" : "Disabled", value);
        if (streq(rest, "MinReportingInterval"))
                return asprintf(value, "%u", MIN_REPORTING_INTERVAL) < 0 ? -ENOMEM : 0;
        if (streq(rest, "Protocols"))
                return constant("HTTP", value);
        if (streq(rest, "EncodingTypes"))
                return constant("JSON,CSV", value);
        if (streq(rest, "ParameterWildCardSupported"))
                return constant("false", value);
        if (streq(rest, "MaxNumberOfProfiles"))
                return asprintf(value, "%d", MAX_PROFILES) < 0 ? -ENOMEM : 0;
        if (streq(rest, "MaxNumberOfParameterReferences"))
                return asprintf(value, "%d", MAX_PROFILES * MAX_REFERENCES) < 0 ? -ENOMEM : 0;
        if (streq(rest, "ProfileNumberOfEntries"))
                return count_instances(bd, PROFILE_TABLE, value);
        if (sscanf(rest, "Profile.%" SCNu32 ".%n", &number, &used) != 1 || used == 0)
                return -ENOENT;
        rest += used;
        if (streq(rest, "ParameterNumberOfEntries")) {
                snprintf(table, sizeof(table), PROFILE_TABLE "%" PRIu32 ".Parameter.", number);
                return count_instances(bd, table, value);
        }
        if (streq(rest, "HTTP.RequestURIParameterNumberOfEntries")) {
                snprintf(table, sizeof(table),
                         PROFILE_TABLE "%" PRIu32 ".HTTP.RequestURIParameter.", number);
                return count_instances(bd, table, value);
        }
        if (streq(rest, "HTTP.CompressionsSupported"))
                return constant("GZIP,Deflate", value);
        if (streq(rest, "HTTP.MethodsSupported"))
                return constant("POST,PUT", value);
        return -ENOENT;
}

/* A parameter or object path of the model: "Device." and names, no instance wildcards (we
 * say ParameterWildCardSupported false) and no aliases. */
static bool is_model_path(const char *s, bool partial_allowed)
{
        if (!startswith(s, "Device.") || strstr(s, ".."))
                return false;
        for (const char *c = s; *c; c++)
                if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                      (*c >= '0' && *c <= '9') || *c == '_' || *c == '-' || *c == '.'))
                        return false;
        return partial_allowed || !endswith_char(s, '.');
}

static bool is_http_url(const char *s)
{
        return strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0;
}

static int on_validate(cwmp_provider *provider, const char *name, const char *value, void *userdata)
{
        const char *leaf = strrchr(name, '.');

        if (!leaf || !value[0])
                return 0;
        if (strstr(name, ".RequestURIParameter.") && streq(leaf, ".Reference"))
                return is_model_path(value, false) ? 0 : -EINVAL;
        if (strstr(name, ".Parameter.") && streq(leaf, ".Reference"))
                return is_model_path(value, true) ? 0 : -EINVAL;
        if (endswith_char(name, 'L') && strstr(name, ".HTTP.URL"))
                return is_http_url(value) ? 0 : -EINVAL;
        return 0;
}

static int on_apply(cwmp_provider *provider, const struct cwmp_value *values, size_t n,
                    void *userdata)
{
        schedule_reload(userdata);
        return 0;
}

static void on_instance_changed(cwmp_provider *provider, const char *object, void *userdata)
{
        schedule_reload(userdata);
}

static const struct cwmp_provider_ops provider_ops = {
        .get = on_get,
        .validate = on_validate,
        .apply = on_apply,
        .instance_added = on_instance_changed,
        .instance_deleted = on_instance_changed,
};

void bulkdata_free(struct bulkdata *bd)
{
        if (!bd)
                return;
        bulkdata_collects_detach(bd);
        for (size_t i = 0; i < bd->n_profiles; i++)
                bulkdata_profile_free(bd->profiles[i], false);
        free(bd->profiles);
        cwmp_provider_free(bd->provider);
        sd_event_source_disable_unref(bd->reload);
        sd_event_unref(bd->event);
        free(bd->state_dir);
        free(bd->runtime_dir);
        free(bd);
}

int bulkdata_new(sd_event *event, DBusConnection *bus, struct http_client *http,
                 const struct bulkdata_options *o, struct bulkdata **ret)
{
        struct bulkdata *bd;
        int r;

        if (!event || !bus || !http || !o || !o->schema_file || !o->state_dir || !o->runtime_dir ||
            !ret)
                return -EINVAL;
        bd = calloc(1, sizeof(*bd));
        if (!bd)
                return -ENOMEM;
        bd->event = sd_event_ref(event);
        bd->bus = bus;
        bd->http = http;
        if (asprintf(&bd->state_dir, "%s/bulkdata", o->state_dir) < 0 ||
            asprintf(&bd->runtime_dir, "%s/bulkdata", o->runtime_dir) < 0) {
                r = -ENOMEM;
                goto fail;
        }
        r = cwmp_provider_new(event, bus, BD_OBJECT_PATH, &bd->provider);
        if (r >= 0)
                r = cwmp_provider_load_schema(bd->provider, o->schema_file);
        if (r >= 0)
                r = cwmp_provider_add_subtree(bd->provider, BD_PREFIX);
        if (r >= 0 && o->state_file)
                r = cwmp_provider_set_state_file(bd->provider, o->state_file);
        if (r < 0)
                goto fail;
        cwmp_provider_set_ops(bd->provider, &provider_ops, bd);
        r = sd_event_add_defer(event, &bd->reload, on_reload, bd);
        if (r >= 0)
                r = sd_event_source_set_enabled(bd->reload, SD_EVENT_OFF);
        if (r < 0)
                goto fail;
        *ret = bd;
        return 0;
fail:
        bulkdata_free(bd);
        return r;
}

int bulkdata_start(struct bulkdata *bd)
{
        int r;

        if (!bd)
                return -EINVAL;
        r = cwmp_provider_start(bd->provider);
        if (r < 0)
                return r;
        return reload(bd);
}
