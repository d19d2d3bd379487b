/* SPDX-License-Identifier: MIT */
/*
 * Open addressing with linear probing over a power-of-two table. Deletion shifts the
 * following entries of the probe run back, so there are no tombstones and lookups stay
 * short however many removals a long-running daemon does.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kvmap.h"

#define KVMAP_MIN_CAPACITY 16u

struct kvmap_entry {
        char *key; /* NULL: the slot is empty */
        char *value;
        uint64_t hash;
};

struct kvmap {
        struct kvmap_entry *slots;
        size_t capacity; /* 0 or a power of two */
        size_t n;
};

/* FNV-1a, then a final avalanche (MurmurHash3's fmix64) so that keys differing only in
 * their last characters do not land in neighbouring slots and build long probe runs. */
static uint64_t hash_key(const char *key)
{
        uint64_t h = 0xcbf29ce484222325u;
        for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
                h ^= *p;
                h *= 0x100000001b3u;
        }
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdu;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53u;
        h ^= h >> 33;
        return h;
}

struct kvmap *kvmap_new(void)
{
        return calloc(1, sizeof(struct kvmap));
}

void kvmap_clear(struct kvmap *m)
{
        if (!m)
                return;
        for (size_t i = 0; i < m->capacity; i++) {
                free(m->slots[i].key);
                free(m->slots[i].value);
                m->slots[i] = (struct kvmap_entry){0};
        }
        m->n = 0;
}

void kvmap_free(struct kvmap *m)
{
        if (!m)
                return;
        kvmap_clear(m);
        free(m->slots);
        free(m);
}

size_t kvmap_size(const struct kvmap *m)
{
        return m ? m->n : 0;
}

/* Index of the entry holding `key`, or of the empty slot where it would go. The table is
 * never full, so the loop ends. */
static size_t find_slot(const struct kvmap *m, const char *key, uint64_t hash)
{
        size_t mask = m->capacity - 1;
        for (size_t i = (size_t)hash & mask;; i = (i + 1) & mask) {
                const struct kvmap_entry *e = &m->slots[i];
                if (!e->key || (e->hash == hash && strcmp(e->key, key) == 0))
                        return i;
        }
}

static int resize(struct kvmap *m, size_t capacity)
{
        struct kvmap_entry *slots = calloc(capacity, sizeof(*slots));
        if (!slots)
                return -ENOMEM;

        size_t mask = capacity - 1;
        for (size_t i = 0; i < m->capacity; i++) {
                struct kvmap_entry *e = &m->slots[i];
                if (!e->key)
                        continue;
                size_t j = (size_t)e->hash & mask;
                while (slots[j].key)
                        j = (j + 1) & mask;
                slots[j] = *e;
        }
        free(m->slots);
        m->slots = slots;
        m->capacity = capacity;
        return 0;
}

const char *kvmap_get(const struct kvmap *m, const char *key)
{
        if (!m || !key || m->n == 0)
                return NULL;
        const struct kvmap_entry *e = &m->slots[find_slot(m, key, hash_key(key))];
        return e->key ? e->value : NULL;
}

int kvmap_set(struct kvmap *m, const char *key, const char *value)
{
        if (!m || !key || !value)
                return -EINVAL;

        uint64_t hash = hash_key(key);
        if (m->capacity > 0) {
                struct kvmap_entry *e = &m->slots[find_slot(m, key, hash)];
                if (e->key) {
                        /* Copy before freeing: `value` may be the stored one. */
                        char *copy = strdup(value);
                        if (!copy)
                                return -ENOMEM;
                        free(e->value);
                        e->value = copy;
                        return 0;
                }
        }

        /* Keep the load factor at or below 3/4. */
        if (m->capacity == 0 || m->n + 1 > m->capacity / 4 * 3) {
                size_t capacity = m->capacity ? m->capacity : KVMAP_MIN_CAPACITY;
                while (m->n + 1 > capacity / 4 * 3) {
                        if (capacity > SIZE_MAX / 2 / sizeof(struct kvmap_entry))
                                return -ENOMEM;
                        capacity *= 2;
                }
                if (capacity != m->capacity) {
                        int r = resize(m, capacity);
                        if (r < 0)
                                return r;
                }
        }

        char *k = strdup(key);
        char *v = strdup(value);
        if (!k || !v) {
                free(k);
                free(v);
                return -ENOMEM;
        }
        struct kvmap_entry *e = &m->slots[find_slot(m, key, hash)];
        *e = (struct kvmap_entry){.key = k, .value = v, .hash = hash};
        m->n++;
        return 0;
}

int kvmap_remove(struct kvmap *m, const char *key)
{
        if (!m || !key)
                return -EINVAL;
        if (m->n == 0)
                return -ENOENT;

        size_t mask = m->capacity - 1;
        size_t hole = find_slot(m, key, hash_key(key));
        if (!m->slots[hole].key)
                return -ENOENT;
        free(m->slots[hole].key);
        free(m->slots[hole].value);
        m->n--;

        /* Backward shift: move later members of the probe run into the hole whenever their
         * home slot does not lie (cyclically) between the hole and their current slot. */
        for (size_t j = (hole + 1) & mask; m->slots[j].key; j = (j + 1) & mask) {
                size_t home = (size_t)m->slots[j].hash & mask;
                if (((j - home) & mask) >= ((j - hole) & mask)) {
                        m->slots[hole] = m->slots[j];
                        hole = j;
                }
        }
        m->slots[hole] = (struct kvmap_entry){0};
        return 0;
}

int kvmap_copy(const struct kvmap *from, struct kvmap *to)
{
        if (!from || !to)
                return -EINVAL;
        if (from == to)
                return 0;
        for (size_t i = 0; i < from->capacity; i++) {
                const struct kvmap_entry *e = &from->slots[i];
                if (!e->key)
                        continue;
                int r = kvmap_set(to, e->key, e->value);
                if (r < 0)
                        return r;
        }
        return 0;
}

bool kvmap_next(const struct kvmap *m, size_t *i, const char **key, const char **value)
{
        if (!m)
                return false;
        for (; *i < m->capacity; (*i)++) {
                const struct kvmap_entry *e = &m->slots[*i];
                if (e->key) {
                        if (key)
                                *key = e->key;
                        if (value)
                                *value = e->value;
                        (*i)++;
                        return true;
                }
        }
        return false;
}

static int compare_keys(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int kvmap_sorted_keys(const struct kvmap *m, const char ***ret, size_t *ret_n)
{
        size_t n = kvmap_size(m);
        /* Always a real allocation, so that callers can tell success from failure by the
         * pointer too. */
        const char **keys = calloc(n + 1, sizeof(*keys));
        if (!keys)
                return -ENOMEM;

        size_t k = 0;
        for (size_t i = 0; m && i < m->capacity; i++)
                if (m->slots[i].key)
                        keys[k++] = m->slots[i].key;
        if (n > 1)
                qsort(keys, n, sizeof(*keys), compare_keys);

        *ret = keys;
        if (ret_n)
                *ret_n = n;
        return 0;
}
