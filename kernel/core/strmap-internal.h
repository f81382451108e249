/*
 * kernel/core/strmap-internal.h - a string -> pointer hash map for
 * lookups by id (the master's frameworks, agents, offers and tasks).
 *
 * Open addressing with linear probing and backward-shift deletion, so
 * lookups stay short after any amount of churn (no tombstones).
 *
 * Ownership: the map does not copy keys; the caller keeps each key alive
 * (and unchanged) until it deletes it, typically the id string inside the
 * value.  Slot arrays are malloc'd (an outgrown one is freed at once) and
 * freed when the pool given at init is destroyed; the map struct itself
 * must stay readable until then (pool memory, or a variable that outlives
 * the pool).  Values may not be NULL (NULL means "absent").  Not
 * thread-safe; never blocks; allocation failure aborts as pools do.
 */
#ifndef BUTTE_STRMAP_INTERNAL_H
#define BUTTE_STRMAP_INTERNAL_H

#include <stddef.h>

#include <butte/pool.h>

typedef struct butte_strmap {
    butte_pool_t *pool;
    const char **keys; /* NULL = empty slot */
    void **vals;
    size_t n;          /* keys present */
    size_t cap;        /* power of two, or 0 before the first put */
} butte_strmap_t;

/* butte_strmap_init - an empty map whose arrays come from pool. */
void butte_strmap_init(butte_strmap_t *m, butte_pool_t *pool);

/* butte_strmap_get - the value under key, or NULL. */
void *butte_strmap_get(const butte_strmap_t *m, const char *key);

/* butte_strmap_put - set key (kept by reference) to val (not NULL),
 * replacing a previous value and key pointer of an equal key. */
void butte_strmap_put(butte_strmap_t *m, const char *key, void *val);

/* butte_strmap_del - remove key if present; returns the value it had or
 * NULL. */
void *butte_strmap_del(butte_strmap_t *m, const char *key);

/* butte_strmap_del_if - remove key only while it maps to val (a record
 * being freed must not unmap a newer one that took its id). */
void butte_strmap_del_if(butte_strmap_t *m, const char *key, const void *val);

/* butte_strmap_count - keys present. */
size_t butte_strmap_count(const butte_strmap_t *m);

#endif
