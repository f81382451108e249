/*
 * butte/pool.h - memory pools with clear lifetimes.
 *
 * Every allocation names its owner by the pool it comes from: the process,
 * a module instance, a framework, a connection, a request.  Destroying a
 * pool frees everything allocated from it, destroys its child pools first
 * (newest first) and runs its cleanup callbacks (newest first).
 *
 * Out of memory is not an error a caller handles: the pool functions never
 * return NULL; they log one line and abort the process.
 *
 * Pools are not thread-safe: a pool is used by one thread (the loop's).
 */
#ifndef BUTTE_POOL_H
#define BUTTE_POOL_H

#include <stdarg.h>
#include <butte/common.h>

BUTTE_BEGIN_DECLS

typedef struct butte_pool butte_pool_t;
typedef void (*butte_cleanup_fn)(void *arg);

/*
 * butte_pool_create - a new empty pool.  With a parent it dies with the
 * parent (or earlier, by butte_pool_destroy); with NULL the caller owns it.
 */
BUTTE_API butte_pool_t *butte_pool_create(butte_pool_t *parent);

/* butte_pool_destroy - free the pool, its children and run its cleanups.
 * p may be NULL. */
BUTTE_API void butte_pool_destroy(butte_pool_t *p);

/* butte_pool_alloc - n zeroed bytes, aligned for any type, valid until the
 * pool is destroyed.  Do not free() it. */
BUTTE_API void *butte_pool_alloc(butte_pool_t *p, size_t n);

/* butte_pool_strdup / strndup - a copy of s in the pool (s NULL -> NULL). */
BUTTE_API char *butte_pool_strdup(butte_pool_t *p, const char *s);
BUTTE_API char *butte_pool_strndup(butte_pool_t *p, const char *s, size_t n);

/* butte_pool_printf - a formatted string in the pool. */
BUTTE_API char *butte_pool_printf(butte_pool_t *p, const char *fmt, ...)
    BUTTE_PRINTF(2, 3);
BUTTE_API char *butte_pool_vprintf(butte_pool_t *p, const char *fmt, va_list ap);

/*
 * butte_pool_on_destroy - call fn(arg) when p is destroyed, before its
 * memory is freed.  For non-memory resources: fds, timers, child watches.
 */
BUTTE_API void butte_pool_on_destroy(butte_pool_t *p, butte_cleanup_fn fn, void *arg);

BUTTE_END_DECLS

#endif
