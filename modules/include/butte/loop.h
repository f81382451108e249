/*
 * butte/loop.h - the event loop as modules and roles see it.
 *
 * One loop per process; everything that touches role state runs on it and
 * takes no locks.  A thread that did blocking work (ZooKeeper client,
 * waitpid, fsync) hands its result back with butte_loop_post(), the only
 * function here that may be called from another thread.
 */
#ifndef BUTTE_LOOP_H
#define BUTTE_LOOP_H

#include <butte/common.h>

BUTTE_BEGIN_DECLS

typedef struct butte_loop butte_loop_t;
typedef struct butte_timer butte_timer_t;
typedef void (*butte_loop_fn)(void *arg);

/*
 * butte_timer_start - call fn(arg) on the loop after secs seconds, and again
 * every secs seconds when repeat is true.  The timer belongs to the caller
 * until butte_timer_stop(); a one-shot timer that fired stays valid (and
 * inert) until stopped.  Never NULL.
 */
BUTTE_API butte_timer_t *butte_timer_start(butte_loop_t *loop, double secs, bool repeat,
                                           butte_loop_fn fn, void *arg);

/* butte_timer_stop - cancel and free a timer.  t may be NULL. */
BUTTE_API void butte_timer_stop(butte_timer_t *t);

/*
 * butte_loop_defer - call fn(arg) on the loop once, after the current
 * callback returns (coalesce bursts of events into one pass).  Loop thread
 * only.
 */
BUTTE_API void butte_loop_defer(butte_loop_t *loop, butte_loop_fn fn, void *arg);

/*
 * butte_loop_post - from any thread: queue fn(arg) to run on the loop.
 * Wakes the loop through its eventfd.  Never blocks for long.
 */
BUTTE_API void butte_loop_post(butte_loop_t *loop, butte_loop_fn fn, void *arg);

/* butte_loop_now - the loop's cached wall-clock time in seconds. */
BUTTE_API double butte_loop_now(butte_loop_t *loop);

BUTTE_END_DECLS

#endif
