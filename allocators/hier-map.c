/*
 * allocators/hier-map.c - the allocator's string -> pointer map (ids of
 * frameworks and agents, role names).  Keys are interned strings the
 * caller keeps alive; lookups take any string.  Open addressing with
 * linear probing and backward-shift deletion, so lookups never wade
 * through tombstones after churn.
 */
#include "config.h"

#include <string.h>

#include "allocators/hier-internal.h"

static uint64_t
str_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static size_t
map_slot(const hier_map_t *m, const char *key)
{
    size_t mask = m->cap - 1;
    for (size_t i = str_hash(key) & mask;; i = (i + 1) & mask)
        if (m->keys[i] == NULL || m->keys[i] == key || strcmp(m->keys[i], key) == 0)
            return i;
}

void *
hier_map_get(const hier_map_t *m, const char *key)
{
    if (m->cap == 0)
        return NULL;
    size_t i = map_slot(m, key);
    return m->keys[i] != NULL ? m->vals[i] : NULL;
}

void
hier_map_put(butte_pool_t *pool, hier_map_t *m, const char *key, void *val)
{
    if ((m->n + 1) * 2 > m->cap) {
        hier_map_t old = *m;
        /* Old arrays stay in the pool; maps only double. */
        m->cap = old.cap ? old.cap * 2 : 64;
        m->keys = butte_pool_alloc(pool, m->cap * sizeof *m->keys);
        m->vals = butte_pool_alloc(pool, m->cap * sizeof *m->vals);
        for (size_t i = 0; i < old.cap; i++)
            if (old.keys[i] != NULL) {
                size_t j = map_slot(m, old.keys[i]);
                m->keys[j] = old.keys[i];
                m->vals[j] = old.vals[i];
            }
    }
    size_t i = map_slot(m, key);
    if (m->keys[i] == NULL)
        m->n++;
    m->keys[i] = key;
    m->vals[i] = val;
}

void
hier_map_del(hier_map_t *m, const char *key)
{
    if (m->cap == 0)
        return;
    size_t mask = m->cap - 1, i = map_slot(m, key);
    if (m->keys[i] == NULL)
        return;
    m->keys[i] = NULL;
    m->n--;
    for (size_t j = (i + 1) & mask; m->keys[j] != NULL; j = (j + 1) & mask) {
        size_t home = str_hash(m->keys[j]) & mask;
        bool stays = (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
        if (!stays) {
            m->keys[i] = m->keys[j];
            m->vals[i] = m->vals[j];
            m->keys[j] = NULL;
            i = j;
        }
    }
}

