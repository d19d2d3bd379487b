/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "instance-map.h"
#include "store.h"
#include "types.h"
#include "util.h"

#define KEY_NEXT "next"

int instance_map_init(struct instance_map *im, const char *path)
{
        *im = (struct instance_map){.next = 1};
        im->map = kvmap_new();
        if (!im->map)
                return -ENOMEM;
        if (!path)
                return 0;
        im->path = strdup(path);
        if (!im->path)
                return -ENOMEM;
        int r = store_load(path, im->map, NULL);
        if (r == -ENOENT)
                return 0;
        const char *next = r >= 0 ? kvmap_get(im->map, KEY_NEXT) : NULL;
        if (r == -ENOMEM)
                return r;
        if (r < 0 || !next || cw_parse_uint32(next, &im->next) < 0 || im->next == 0) {
                /* Numbering starts afresh; the next save replaces the file. */
                kvmap_clear(im->map);
                im->next = 1;
                im->dirty = true;
        }
        return 0;
}

void instance_map_done(struct instance_map *im)
{
        kvmap_free(im->map);
        free(im->path);
        *im = (struct instance_map){};
}

uint32_t instance_map_get(struct instance_map *im, const char *key)
{
        _cleanup_free_ char *k = NULL;
        char number[16];
        uint32_t v;

        if (asprintf(&k, "k:%s", key) < 0)
                return 0;
        const char *known = kvmap_get(im->map, k);
        if (known && cw_parse_uint32(known, &v) >= 0 && v > 0 && v < im->next)
                return v;
        if (im->next == UINT32_MAX)
                return 0;
        v = im->next;
        snprintf(number, sizeof(number), "%" PRIu32, v);
        if (kvmap_set(im->map, k, number) < 0)
                return 0;
        snprintf(number, sizeof(number), "%" PRIu32, v + 1);
        if (kvmap_set(im->map, KEY_NEXT, number) < 0)
                return 0;
        im->next = v + 1;
        im->dirty = true;
        return v;
}

int instance_map_save(struct instance_map *im)
{
        if (!im->dirty || !im->path)
                return 0;
        char number[16];
        snprintf(number, sizeof(number), "%" PRIu32, im->next);
        int r = kvmap_set(im->map, KEY_NEXT, number);
        if (r >= 0)
                r = store_save(im->path, im->map);
        if (r >= 0)
                im->dirty = false;
        return r;
}
