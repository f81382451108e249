/*
 * kernel/core/strmap.c - string -> pointer map: open addressing, linear
 * probing, backward-shift deletion (see strmap-internal.h).
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/strmap-internal.h"

/* FNV-1a: ids are short and mostly share prefixes (master id + counter);
 * FNV mixes every byte, so the differing tails spread well. */
static uint64_t
str_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;

    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* The slot holding key, or the empty slot where it would go. */
static size_t
slot_of(const butte_strmap_t *m, const char *key)
{
    size_t mask = m->cap - 1;

    for (size_t i = str_hash(key) & mask;; i = (i + 1) & mask)
        if (m->keys[i] == NULL || m->keys[i] == key || strcmp(m->keys[i], key) == 0)
            return i;
}

void
butte_strmap_init(butte_strmap_t *m, butte_pool_t *pool)
{
    memset(m, 0, sizeof *m);
    m->pool = pool;
}

void *
butte_strmap_get(const butte_strmap_t *m, const char *key)
{
    size_t i;

    if (m->cap == 0)
        return NULL;
    i = slot_of(m, key);
    return m->keys[i] != NULL ? m->vals[i] : NULL;
}

/* The pool goes: the slot arrays with it.  The map itself is pool memory
 * (or outlives the pool), still readable while cleanups run. */
static void
free_slots(void *arg)
{
    butte_strmap_t *m = arg;

    free(m->keys);
    m->keys = NULL;
    m->vals = NULL;
    m->cap = m->n = 0;
}

/* Keys and values share one malloc'd block, freed when the map grows
 * again: a pool would keep every outgrown array until it dies (a third of
 * a big map's table cost). */
static void
grow(butte_strmap_t *m)
{
    butte_strmap_t old = *m;

    m->cap = old.cap != 0 ? old.cap * 2 : 16;
    m->keys = calloc(m->cap, sizeof *m->keys + sizeof *m->vals);
    if (m->keys == NULL)
        abort(); /* as pools do */
    m->vals = (void **)(m->keys + m->cap);
    for (size_t i = 0; i < old.cap; i++)
        if (old.keys[i] != NULL) {
            size_t j = slot_of(m, old.keys[i]);

            m->keys[j] = old.keys[i];
            m->vals[j] = old.vals[i];
        }
    if (old.keys != NULL)
        free(old.keys);
    else
        butte_pool_on_destroy(m->pool, free_slots, m);
}

void
butte_strmap_put(butte_strmap_t *m, const char *key, void *val)
{
    size_t i;

    /* at most half full: probes stay short */
    if ((m->n + 1) * 2 > m->cap)
        grow(m);
    i = slot_of(m, key);
    if (m->keys[i] == NULL)
        m->n++;
    m->keys[i] = key;
    m->vals[i] = val;
}

void *
butte_strmap_del(butte_strmap_t *m, const char *key)
{
    size_t mask, i;
    void *val;

    if (m->cap == 0)
        return NULL;
    mask = m->cap - 1;
    i = slot_of(m, key);
    if (m->keys[i] == NULL)
        return NULL;
    val = m->vals[i];
    m->keys[i] = NULL;
    m->vals[i] = NULL;
    m->n--;
    /* Move later members of the probe run back into the hole unless their
     * home slot lies (cyclically) after the hole: lookups then never meet
     * a gap inside a run. */
    for (size_t j = (i + 1) & mask; m->keys[j] != NULL; j = (j + 1) & mask) {
        size_t home = str_hash(m->keys[j]) & mask;
        bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);

        if (!stays) {
            m->keys[i] = m->keys[j];
            m->vals[i] = m->vals[j];
            m->keys[j] = NULL;
            m->vals[j] = NULL;
            i = j;
        }
    }
    return val;
}

void
butte_strmap_del_if(butte_strmap_t *m, const char *key, const void *val)
{
    if (butte_strmap_get(m, key) == val)
        butte_strmap_del(m, key);
}

size_t
butte_strmap_count(const butte_strmap_t *m)
{
    return m->n;
}
