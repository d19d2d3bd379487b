/* SPDX-License-Identifier: MIT */
/*
 * Device.DeviceInfo.FirstUseDate: the first time dmd ran on the box with a clock it can
 * trust (synchronized over the network), kept in the state directory, which a factory
 * reset empties. Until the clock is trusted it reads TR-106's unknown time.
 */
#include <errno.h>
#include <stdio.h>
#include <time.h>

#include "deviceinfo-internal.h"
#include "kvmap.h"
#include "store.h"

#define KEY_FIRST_USE "first-use"

static int format_utc(time_t t, char **ret)
{
        struct tm tm;
        char buf[32];
        if (!gmtime_r(&t, &tm) || strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                return -EINVAL;
        *ret = strdup(buf);
        return *ret ? 0 : -ENOMEM;
}

int deviceinfo_first_use(const char *state_dir, bool clock_trusted, time_t now, char **ret)
{
        _cleanup_free_ char *path = deviceinfo_path(state_dir, "/" DEVICEINFO_FIRST_USE_FILE);
        _cleanup_kvmap_ struct kvmap *m = kvmap_new();
        int r;

        if (!path || !m)
                return -ENOMEM;
        r = store_load(path, m, NULL);
        if (r < 0 && r != -ENOENT)
                return r;
        const char *known = kvmap_get(m, KEY_FIRST_USE);
        if (known) {
                *ret = strdup(known);
                return *ret ? 0 : -ENOMEM;
        }
        if (!clock_trusted) {
                *ret = strdup(DEVICEINFO_UNKNOWN_TIME);
                return *ret ? 0 : -ENOMEM;
        }
        _cleanup_free_ char *value = NULL;
        r = format_utc(now, &value);
        if (r < 0)
                return r;
        r = kvmap_set(m, KEY_FIRST_USE, value);
        if (r >= 0)
                r = store_mkdir_p(state_dir);
        if (r >= 0)
                r = store_save(path, m);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(value);
        return 0;
}
