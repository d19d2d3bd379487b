/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cwmp/provider.h"
#include "kvmap.h"
#include "log.h"
#include "schema.h"
#include "management-server.h"
#include "store.h"
#include "types.h"
#include "util.h"

/*
 * Device.ManagementServer. through the provider library, which stores what the ACS sets.
 *
 * Some settings come from cwmpd.conf until the ACS sets them (struct management_defaults).
 * The configured value is written into the provider's store at start, so dmd reads it like
 * any other value; a second small file, "<state file>.acs-set", lists the parameters the ACS
 * has written, whose stored value then wins over the configuration. It is written when a
 * commit brings such a parameter for the first time, before the provider stores the value.
 *
 * The provider library has no "committed" callback: apply() runs just before the values are
 * stored, so it arms a deferred event, and that event (which runs once the Commit call has
 * been answered) compares the settings with what they were and tells cwmpd which changed.
 */

#define MS_PREFIX      "Device.ManagementServer."
#define MS_OBJECT_PATH "/io/cwmp/Agent/ManagementServer"
#define ACS_SET_SUFFIX ".acs-set"

/* The connection request methods cwmpd serves: TR-069 3.2.2 over HTTP, and Annex G (UDP
 * behind a NAT, with STUN), which TR-181 names "STUN". */
#define SUPPORTED_CONN_REQ_METHODS "HTTP,STUN"
/* What cwmpd can compress its messages to the ACS with (zlib): HTTPCompression's values. */
#define HTTP_COMPRESSION_SUPPORTED "GZIP,Deflate"

#define IP_TABLE MS_PREFIX "InformParameter."

#define STRING_MAX 256 /* TR-181 string(256) of the credentials */
#define URL_MAX    2048

enum field_kind {
        FIELD_BOOL,
        FIELD_U32,
        FIELD_I32,
        FIELD_STRING,
};

/* The stored parameters: where each goes in struct management_settings and which change
 * group it belongs to. DefaultActiveNotificationThrottle and InstanceMode are read when they
 * are used, so changing them alone calls nobody. */
static const struct setting {
        const char *name; /* below Device.ManagementServer. */
        enum field_kind kind;
        size_t offset;
        unsigned change;
} settings_table[] = {
#define SETTING(name, kind, field, change)                                                         \
        {                                                                                          \
                name, kind, offsetof(struct management_settings, field), change                    \
        }
        SETTING("EnableCWMP", FIELD_BOOL, enable_cwmp, MANAGEMENT_CHANGE_ENABLE),
        SETTING("URL", FIELD_STRING, url, MANAGEMENT_CHANGE_URL),
        SETTING("Username", FIELD_STRING, username, MANAGEMENT_CHANGE_CREDENTIALS),
        SETTING("Password", FIELD_STRING, password, MANAGEMENT_CHANGE_CREDENTIALS),
        SETTING("PeriodicInformEnable", FIELD_BOOL, periodic_inform_enable,
                MANAGEMENT_CHANGE_PERIODIC),
        SETTING("PeriodicInformInterval", FIELD_U32, periodic_inform_interval,
                MANAGEMENT_CHANGE_PERIODIC),
        SETTING("PeriodicInformTime", FIELD_STRING, periodic_inform_time,
                MANAGEMENT_CHANGE_PERIODIC),
        SETTING("ConnectionRequestUsername", FIELD_STRING, connection_request_username,
                MANAGEMENT_CHANGE_CONNECTION_REQUEST),
        SETTING("ConnectionRequestPassword", FIELD_STRING, connection_request_password,
                MANAGEMENT_CHANGE_CONNECTION_REQUEST),
        SETTING("DefaultActiveNotificationThrottle", FIELD_U32,
                default_active_notification_throttle, 0),
        SETTING("CWMPRetryMinimumWaitInterval", FIELD_U32, cwmp_retry_minimum_wait_interval,
                MANAGEMENT_CHANGE_RETRY),
        SETTING("CWMPRetryIntervalMultiplier", FIELD_U32, cwmp_retry_interval_multiplier,
                MANAGEMENT_CHANGE_RETRY),
        SETTING("STUNEnable", FIELD_BOOL, stun_enable, MANAGEMENT_CHANGE_STUN),
        SETTING("STUNServerAddress", FIELD_STRING, stun_server_address, MANAGEMENT_CHANGE_STUN),
        SETTING("STUNServerPort", FIELD_U32, stun_server_port, MANAGEMENT_CHANGE_STUN),
        SETTING("STUNUsername", FIELD_STRING, stun_username, MANAGEMENT_CHANGE_STUN),
        SETTING("STUNPassword", FIELD_STRING, stun_password, MANAGEMENT_CHANGE_STUN),
        SETTING("STUNMaximumKeepAlivePeriod", FIELD_I32, stun_maximum_keep_alive_period,
                MANAGEMENT_CHANGE_STUN),
        SETTING("STUNMinimumKeepAlivePeriod", FIELD_U32, stun_minimum_keep_alive_period,
                MANAGEMENT_CHANGE_STUN),
        SETTING("InstanceMode", FIELD_STRING, instance_mode, 0),
        SETTING("HeartbeatPolicy.Enable", FIELD_BOOL, heartbeat_enable,
                MANAGEMENT_CHANGE_HEARTBEAT),
        SETTING("HeartbeatPolicy.ReportingInterval", FIELD_U32, heartbeat_interval,
                MANAGEMENT_CHANGE_HEARTBEAT),
        SETTING("HeartbeatPolicy.InitiationTime", FIELD_STRING, heartbeat_initiation_time,
                MANAGEMENT_CHANGE_HEARTBEAT),
        SETTING("HTTPConnectionRequestEnable", FIELD_BOOL, http_connection_request_enable,
                MANAGEMENT_CHANGE_HTTP_CONNECTION_REQUEST),
        SETTING("HTTPCompression", FIELD_STRING, http_compression, 0), /* read at each POST */
        SETTING("ScheduleReboot", FIELD_STRING, schedule_reboot, MANAGEMENT_CHANGE_REBOOT),
        SETTING("DelayReboot", FIELD_I32, delay_reboot, MANAGEMENT_CHANGE_REBOOT),
        /* read at each hand-off */
        SETTING("AutonomousTransferCompletePolicy.Enable", FIELD_BOOL, atc_enable, 0),
        SETTING("AutonomousTransferCompletePolicy.TransferTypeFilter", FIELD_STRING,
                atc_transfer_type_filter, 0),
        SETTING("AutonomousTransferCompletePolicy.ResultTypeFilter", FIELD_STRING,
                atc_result_type_filter, 0),
        SETTING("AutonomousTransferCompletePolicy.FileTypeFilter", FIELD_STRING,
                atc_file_type_filter, 0),
#undef SETTING
};

/* The settings cwmpd.conf may give, until the ACS sets them. */
static const char *const configurable[] = {
        MS_PREFIX "URL",
        MS_PREFIX "Username",
        MS_PREFIX "Password",
        MS_PREFIX "PeriodicInformInterval",
        MS_PREFIX "CWMPRetryMinimumWaitInterval",
        MS_PREFIX "CWMPRetryIntervalMultiplier",
};

struct management_server {
        sd_event *event;
        cwmp_provider *provider;
        bool started;
        char *schema_file;
        char *acs_set_file;    /* NULL: the state lives in memory only */
        struct kvmap *acs_set; /* full names of configurable parameters the ACS has set */
        struct kvmap *config;  /* full name -> value from cwmpd.conf */
        struct management_live live;
        management_change_fn on_change;
        void *userdata;
        sd_event_source *committed_source;
        struct kvmap *values; /* full name -> current value: settings point into it */
        struct management_settings settings;
};

/* ---- values ---- */

static bool is_configurable(const char *name)
{
        for (size_t i = 0; i < ELEMENTSOF(configurable); i++)
                if (streq(name, configurable[i]))
                        return true;
        return false;
}

/* What a stored parameter is now: the configuration's value until the ACS set one. */
static const char *current_value(struct management_server *ms, const char *name)
{
        const char *value = kvmap_get(ms->config, name);

        if (value && !kvmap_get(ms->acs_set, name))
                return value;
        value = cwmp_provider_get_stored(ms->provider, name);
        return value ? value : "";
}

static void set_field(struct management_settings *s, const struct setting *t, const char *value)
{
        void *field = (char *)s + t->offset;

        /* values passed the schema's facets; a failed parse leaves the zero value */
        switch (t->kind) {
        case FIELD_BOOL:
                (void)cw_parse_bool(value, (bool *)field);
                break;
        case FIELD_U32:
                (void)cw_parse_uint32(value, (uint32_t *)field);
                break;
        case FIELD_I32:
                (void)cw_parse_int32(value, (int32_t *)field);
                break;
        case FIELD_STRING:
                *(const char **)field = value;
                break;
        }
}

/* Reads every setting again; *ret_changes (if given) gets the groups that differ. */
static int settings_refresh(struct management_server *ms, unsigned *ret_changes)
{
        _cleanup_kvmap_ struct kvmap *values = kvmap_new();
        struct management_settings s = {};
        unsigned changes = 0;
        char name[128];
        int r;

        if (!values)
                return -ENOMEM;
        for (size_t i = 0; i < ELEMENTSOF(settings_table); i++) {
                const char *value;

                snprintf(name, sizeof(name), MS_PREFIX "%s", settings_table[i].name);
                value = current_value(ms, name);
                r = kvmap_set(values, name, value);
                if (r < 0)
                        return r;
                if (!streq_ptr(kvmap_get(ms->values, name), value))
                        changes |= settings_table[i].change;
        }
        /* the map is complete: its strings stay where they are until it is freed */
        for (size_t i = 0; i < ELEMENTSOF(settings_table); i++) {
                snprintf(name, sizeof(name), MS_PREFIX "%s", settings_table[i].name);
                set_field(&s, &settings_table[i], kvmap_get(values, name));
        }
        kvmap_free(ms->values);
        ms->values = TAKE_PTR(values);
        ms->settings = s;
        if (ret_changes)
                *ret_changes = changes;
        return 0;
}

/* ---- the ACS URL ---- */

static bool is_url_char(char c)
{
        return c > ' ' && c < 0x7f;
}

static bool is_host_char(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               strchr("-._~%", c);
}

/* An http:// or https:// URL with a host (a name, an IPv4 address or a bracketed IPv6
 * one), an optional port 1-65535, and nothing RFC 3986 would have percent-encoded. */
static int acs_url_check(const char *url)
{
        const char *p, *host, *end, *port, *at;

        if (strncasecmp(url, "http://", 7) == 0)
                p = url + 7;
        else if (strncasecmp(url, "https://", 8) == 0)
                p = url + 8;
        else
                return -EINVAL;
        if (strlen(url) > URL_MAX)
                return -EINVAL;
        for (const char *c = url; *c; c++)
                if (!is_url_char(*c))
                        return -EINVAL;

        end = p + strcspn(p, "/?#");
        at = memrchr(p, '@', (size_t)(end - p));
        host = at ? at + 1 : p;
        if (host == end)
                return -EINVAL;
        if (*host == '[') {
                const char *close = memchr(host, ']', (size_t)(end - host));
                if (!close || close == host + 1)
                        return -EINVAL;
                for (const char *c = host + 1; c < close; c++)
                        if (!strchr("0123456789abcdefABCDEF:.", *c))
                                return -EINVAL;
                port = close + 1;
                if (port != end && *port != ':')
                        return -EINVAL;
        } else {
                port = memchr(host, ':', (size_t)(end - host));
                if (!port)
                        port = end;
                if (port == host)
                        return -EINVAL;
                for (const char *c = host; c < port; c++)
                        if (!is_host_char(*c))
                                return -EINVAL;
        }
        if (port < end) {
                unsigned long number = 0;
                if (++port == end)
                        return -EINVAL;
                for (const char *c = port; c < end; c++) {
                        if (*c < '0' || *c > '9')
                                return -EINVAL;
                        number = number * 10 + (unsigned long)(*c - '0');
                        if (number > 65535)
                                return -EINVAL;
                }
                if (number == 0)
                        return -EINVAL;
        }
        return 0;
}

/* ---- provider callbacks ---- */

static int live_string(char *(*fn)(void *), void *userdata, char **ret)
{
        char *s = fn ? fn(userdata) : strdup("");

        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

static int on_get(cwmp_provider *p, const char *name, char **value, void *userdata)
{
        struct management_server *ms = userdata;
        const char *constant = NULL;

        if (!startswith(name, MS_PREFIX))
                return -ENOENT;
        name += strlen(MS_PREFIX);
        if (streq(name, "ParameterKey"))
                return live_string(ms->live.parameter_key, ms->userdata, value);
        if (streq(name, "ConnectionRequestURL"))
                return live_string(ms->live.connection_request_url, ms->userdata, value);
        if (streq(name, "UDPConnectionRequestAddress"))
                return live_string(ms->live.udp_connection_request_address, ms->userdata, value);
        if (streq(name, "NATDetected"))
                constant = ms->live.nat_detected && ms->live.nat_detected(ms->userdata) ? "true"
                                                                                        : "false";
        else if (streq(name, "AliasBasedAddressing"))
                constant = "true"; /* dmd resolves [alias] instance references */
        else if (streq(name, "SupportedConnReqMethods"))
                constant = SUPPORTED_CONN_REQ_METHODS;
        else if (streq(name, "HTTPCompressionSupported"))
                constant = HTTP_COMPRESSION_SUPPORTED;
        else if (streq(name, "AutoCreateInstances") || streq(name, "InstanceWildcardsSupported"))
                constant = "false"; /* dmd creates no instance on a Set and takes no "*" */
        else if (streq(name, "InformParameterNumberOfEntries")) {
                _cleanup_free_ uint32_t *instances = NULL;
                size_t n = 0;
                int r = cwmp_provider_get_instances(ms->provider, IP_TABLE, &instances, &n);
                if (r < 0)
                        return r;
                return asprintf(value, "%zu", n) < 0 ? -ENOMEM : 0;
        } else
                return -ENOENT;
        *value = strdup(constant);
        return *value ? 0 : -ENOMEM;
}

/* An InformParameter's ParameterName: a parameter or partial path of the model, not a forced
 * Inform parameter (TR-181 asks 9007 for those), "*" only in place of an instance number
 * (a whole segment after Device.). */
static int check_inform_parameter_name(struct management_server *ms, const char *value)
{
        if (!*value)
                return 0; /* an entry being filled in */
        if (!startswith(value, "Device.") || strstr(value, ".."))
                return -EINVAL;
        for (const char *star = strchr(value, '*'); star; star = strchr(star + 1, '*'))
                if (star[-1] != '.' || (star[1] != '.' && star[1]) || star == value + 7)
                        return -EINVAL;
        if (ms->live.is_forced_inform && ms->live.is_forced_inform(ms->userdata, value))
                return -EINVAL;
        return 0;
}

/* An EventList: event codes ("1 BOOT", "M Download" ...), never "4 VALUE CHANGE". */
static int check_event_list(const char *value)
{
        for (const char *p = value; *p;) {
                size_t n = strcspn(p, ",");
                const char *item = p;
                while (n > 0 && *item == ' ')
                        item++, n--;
                if (n == 0 ||
                    (n == strlen("4 VALUE CHANGE") && !strncmp(item, "4 VALUE CHANGE", n)))
                        return -EINVAL;
                p = item + n;
                if (*p == ',')
                        p++;
        }
        return 0;
}

static int on_validate(cwmp_provider *p, const char *name, const char *value, void *userdata)
{
        struct management_server *ms = userdata;

        if (streq(name, MS_PREFIX "URL"))
                return acs_url_check(value);
        if (startswith(name, IP_TABLE)) {
                const char *leaf = strrchr(name, '.') + 1;
                if (streq(leaf, "ParameterName"))
                        return check_inform_parameter_name(ms, value);
                if (streq(leaf, "EventList"))
                        return check_event_list(value);
        }
        return 0;
}

/* Remembers which configurable parameters the ACS sets; the values are stored right after
 * by the library. */
static int mark_acs_set(struct management_server *ms, const struct cwmp_value *values, size_t n)
{
        _cleanup_kvmap_ struct kvmap *next = NULL;
        int r;

        for (size_t i = 0; i < n; i++) {
                if (!is_configurable(values[i].name) || kvmap_get(ms->acs_set, values[i].name))
                        continue;
                if (!next) {
                        next = kvmap_new();
                        if (!next)
                                return -ENOMEM;
                        r = kvmap_copy(ms->acs_set, next);
                        if (r < 0)
                                return r;
                }
                r = kvmap_set(next, values[i].name, "acs");
                if (r < 0)
                        return r;
        }
        if (!next)
                return 0;
        if (ms->acs_set_file) {
                r = store_save(ms->acs_set_file, next);
                if (r < 0)
                        return log_warning_errno(r, "Failed to save %s: %m", ms->acs_set_file);
        }
        kvmap_free(ms->acs_set);
        ms->acs_set = TAKE_PTR(next);
        return 0;
}

static int on_apply(cwmp_provider *p, const struct cwmp_value *values, size_t n, void *userdata)
{
        struct management_server *ms = userdata;
        int r;

        r = mark_acs_set(ms, values, n);
        if (r < 0)
                return r;
        r = sd_event_source_set_enabled(ms->committed_source, SD_EVENT_ONESHOT);
        if (r < 0)
                log_warning_errno(r, "Failed to schedule the settings update: %m");
        return 0;
}

static const struct cwmp_provider_ops provider_ops = {
        .get = on_get,
        .validate = on_validate,
        .apply = on_apply,
};

static int on_committed(sd_event_source *s, void *userdata)
{
        struct management_server *ms = userdata;
        unsigned changes = 0;
        int r;

        r = settings_refresh(ms, &changes);
        if (r < 0) {
                log_warning_errno(r, "Failed to read the ManagementServer settings: %m");
                return 0;
        }
        if (changes && ms->on_change)
                ms->on_change(ms->userdata, changes);
        return 0;
}

/* ---- defaults from the configuration ---- */

static int add_config_string(struct management_server *ms, const char *name, const char *value)
{
        if (!value)
                return 0;
        if (utf8_length(value) > STRING_MAX) {
                log_warning("Ignoring the configured %s: longer than %d characters", name,
                            STRING_MAX);
                return 0;
        }
        return kvmap_set(ms->config, name, value);
}

static int add_config_uint(struct management_server *ms, const char *name, uint32_t value,
                           uint32_t max)
{
        char text[16];

        if (value == 0)
                return 0; /* not configured */
        if (value > max) {
                log_warning("Ignoring the configured %s=%u: above %u", name, value, max);
                return 0;
        }
        snprintf(text, sizeof(text), "%u", value);
        return kvmap_set(ms->config, name, text);
}

static int load_config(struct management_server *ms, const struct management_defaults *d)
{
        int r;

        if (!d)
                return 0;
        if (d->url && *d->url) {
                if (acs_url_check(d->url) < 0)
                        log_warning("Ignoring the configured ACS URL '%s': not an http:// or "
                                    "https:// URL with a host",
                                    d->url);
                else {
                        r = kvmap_set(ms->config, MS_PREFIX "URL", d->url);
                        if (r < 0)
                                return r;
                }
        }
        r = add_config_string(ms, MS_PREFIX "Username", d->username);
        if (r >= 0)
                r = add_config_string(ms, MS_PREFIX "Password", d->password);
        if (r >= 0)
                r = add_config_uint(ms, MS_PREFIX "PeriodicInformInterval",
                                    d->periodic_inform_interval, UINT32_MAX);
        if (r >= 0)
                r = add_config_uint(ms, MS_PREFIX "CWMPRetryMinimumWaitInterval",
                                    d->cwmp_retry_minimum_wait_interval, 65535);
        if (r >= 0 && d->cwmp_retry_interval_multiplier)
                r = add_config_uint(ms, MS_PREFIX "CWMPRetryIntervalMultiplier",
                                    d->cwmp_retry_interval_multiplier, 65535);
        return r < 0 ? r : 0;
}

/* Writes the configured values the ACS has not replaced into the provider's store, so that
 * dmd reads them; a changed configuration is a value that changed on its own. */
static int store_config_defaults(struct management_server *ms)
{
        struct cwmp_value v[ELEMENTSOF(configurable)];
        size_t n = 0;

        for (size_t i = 0; i < ELEMENTSOF(configurable); i++) {
                const char *name = configurable[i], *value = kvmap_get(ms->config, name);
                if (!value || kvmap_get(ms->acs_set, name) ||
                    streq_ptr(cwmp_provider_get_stored(ms->provider, name), value))
                        continue;
                v[n++] = (struct cwmp_value){.name = name, .value = value};
        }
        if (n == 0)
                return 0;
        return cwmp_provider_notify_changes(ms->provider, v, n);
}

/* ---- the API ---- */

void management_server_free(struct management_server *ms)
{
        if (!ms)
                return;
        cwmp_provider_free(ms->provider);
        sd_event_source_disable_unref(ms->committed_source);
        sd_event_unref(ms->event);
        free(ms->acs_set_file);
        free(ms->schema_file);
        kvmap_free(ms->acs_set);
        kvmap_free(ms->config);
        kvmap_free(ms->values);
        free(ms);
}

int management_server_new(sd_event *event, DBusConnection *bus, const char *schema_file,
                          const char *state_file, const struct management_defaults *defaults,
                          const struct management_live *live, management_change_fn on_change,
                          void *userdata, struct management_server **ret)
{
        struct management_server *ms;
        int r;

        if (!event || !bus || !schema_file || !ret)
                return -EINVAL;
        ms = calloc(1, sizeof(*ms));
        if (!ms)
                return -ENOMEM;
        ms->event = sd_event_ref(event);
        ms->schema_file = strdup(schema_file);
        if (!ms->schema_file) {
                free(ms);
                return -ENOMEM;
        }
        ms->on_change = on_change;
        ms->userdata = userdata;
        if (live)
                ms->live = *live;
        ms->acs_set = kvmap_new();
        ms->config = kvmap_new();
        if (!ms->acs_set || !ms->config) {
                r = -ENOMEM;
                goto fail;
        }

        r = cwmp_provider_new(event, bus, MS_OBJECT_PATH, &ms->provider);
        if (r < 0)
                goto fail;
        r = cwmp_provider_load_schema(ms->provider, schema_file);
        if (r < 0)
                goto fail;
        r = cwmp_provider_add_subtree(ms->provider, MS_PREFIX);
        if (r < 0)
                goto fail;
        if (state_file) {
                r = cwmp_provider_set_state_file(ms->provider, state_file);
                if (r < 0)
                        goto fail;
                if (asprintf(&ms->acs_set_file, "%s" ACS_SET_SUFFIX, state_file) < 0) {
                        ms->acs_set_file = NULL;
                        r = -ENOMEM;
                        goto fail;
                }
                r = store_load(ms->acs_set_file, ms->acs_set, NULL);
                if (r == -ENOENT)
                        r = 0;
                if (r < 0) {
                        log_debug_errno(r, "Failed to load %s: %m", ms->acs_set_file);
                        goto fail;
                }
        }
        cwmp_provider_set_ops(ms->provider, &provider_ops, ms);

        r = load_config(ms, defaults);
        if (r < 0)
                goto fail;
        r = sd_event_add_defer(event, &ms->committed_source, on_committed, ms);
        if (r < 0)
                goto fail;
        r = sd_event_source_set_enabled(ms->committed_source, SD_EVENT_OFF);
        if (r < 0)
                goto fail;
        /* until the stored values are loaded at start: defaults */
        r = settings_refresh(ms, NULL);
        if (r < 0)
                goto fail;
        *ret = ms;
        return 0;
fail:
        management_server_free(ms);
        return r;
}

int management_server_start(struct management_server *ms)
{
        int r;

        if (!ms)
                return -EINVAL;
        if (ms->started)
                return -EALREADY;
        r = cwmp_provider_start(ms->provider);
        if (r < 0)
                return r;
        ms->started = true;
        r = store_config_defaults(ms);
        if (r < 0)
                return r;
        return settings_refresh(ms, NULL);
}

const struct management_settings *management_server_settings(const struct management_server *ms)
{
        return ms ? &ms->settings : NULL;
}

int management_server_notify(struct management_server *ms, const char *name, const char *value)
{
        _cleanup_free_ char *full = NULL;
        int r;

        if (!ms || !name || !value)
                return -EINVAL;
        if (!startswith(name, MS_PREFIX) && asprintf(&full, MS_PREFIX "%s", name) < 0) {
                full = NULL;
                return -ENOMEM;
        }
        r = cwmp_provider_notify_changes(ms->provider,
                                         &(struct cwmp_value){full ? full : name, value}, 1);
        if (r < 0)
                return r;
        /* a stored setting may have changed with it */
        return settings_refresh(ms, NULL);
}

int management_server_factory_reset(struct management_server *ms)
{
        _cleanup_free_ struct cwmp_value *v = calloc(ELEMENTSOF(settings_table), sizeof(*v));
        struct strv names = {};
        struct schema *schema = NULL;
        struct schema_error err = {};
        unsigned changes = 0;
        size_t n = 0;
        int r;

        if (!v)
                return -ENOMEM;
        /* What the ACS set is forgotten: the configuration's values, else the schema's
         * defaults, come back. */
        kvmap_clear(ms->acs_set);
        if (ms->acs_set_file && unlink(ms->acs_set_file) < 0 && errno != ENOENT)
                log_warning_errno(-errno, "Failed to remove %s: %m", ms->acs_set_file);
        r = schema_new(&schema);
        if (r >= 0)
                r = schema_load_file(schema, ms->schema_file, &err);
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(settings_table); i++) {
                char name[128];
                snprintf(name, sizeof(name), MS_PREFIX "%s", settings_table[i].name);
                const struct schema_node *node = schema_find(schema, name);
                if (!node || node->storage != SCHEMA_PERSIST)
                        continue;
                const char *value = kvmap_get(ms->config, name);
                if (!value)
                        value = node->default_value ? node->default_value : "";
                r = strv_push(&names, name);
                if (r >= 0)
                        v[n++] = (struct cwmp_value){.name = names.v[names.n - 1], .value = value};
        }
        if (r >= 0 && n > 0)
                r = cwmp_provider_notify_changes(ms->provider, v, n);
        if (r >= 0)
                r = settings_refresh(ms, &changes);
        if (r >= 0 && changes && ms->on_change)
                ms->on_change(ms->userdata, changes);
        if (err.file)
                log_warning("%s:%u: %s", err.file, err.line, err.message);
        schema_error_done(&err);
        schema_free(schema);
        strv_done(&names);
        return r;
}

int management_server_inform_parameters(struct management_server *ms,
                                        struct management_inform_parameter **ret, size_t *n)
{
        _cleanup_free_ uint32_t *instances = NULL;
        struct management_inform_parameter *out = NULL;
        size_t n_instances = 0, k = 0;
        int r;

        if (!ms || !ret || !n)
                return -EINVAL;
        r = cwmp_provider_get_instances(ms->provider, IP_TABLE, &instances, &n_instances);
        if (r < 0)
                return r;
        if (n_instances > 0) {
                out = calloc(n_instances, sizeof(*out));
                if (!out)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < n_instances; i++) {
                char name[128];
                bool enabled = false;
                const char *v;

                snprintf(name, sizeof(name), IP_TABLE "%" PRIu32 ".Enable", instances[i]);
                v = cwmp_provider_get_stored(ms->provider, name);
                if (!v || cw_parse_bool(v, &enabled) < 0 || !enabled)
                        continue;
                snprintf(name, sizeof(name), IP_TABLE "%" PRIu32 ".ParameterName", instances[i]);
                const char *parameter = cwmp_provider_get_stored(ms->provider, name);
                if (!parameter || !*parameter)
                        continue;
                snprintf(name, sizeof(name), IP_TABLE "%" PRIu32 ".EventList", instances[i]);
                v = cwmp_provider_get_stored(ms->provider, name);
                out[k++] = (struct management_inform_parameter){parameter, v ? v : ""};
        }
        if (k == 0) {
                free(out);
                out = NULL;
        }
        *ret = out;
        *n = k;
        return 0;
}
