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

#include <sys/types.h>

#include <butte/common.h>
#include <butte/error.h>

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

/* ---- ABI 1.1: file descriptor and child process watches ---- */

typedef struct butte_watch butte_watch_t;

/*
 * butte_watch_fd - call fn(arg) on the loop each time fd is readable
 * (level-triggered: fn must read what woke it, or it is called again).
 * fd stays the caller's: it is not closed by the watch; stop the watch
 * before closing fd.  Loop thread only.  Never NULL (aborts when out of
 * memory).  Since ABI 1.1.
 */
BUTTE_API butte_watch_t *butte_watch_fd(butte_loop_t *loop, int fd, butte_loop_fn fn,
                                        void *arg);

/* butte_watch_stop - cancel a watch of either kind and free it; w may be
 * NULL.  Safe from inside the watch's own callback.  Since ABI 1.1. */
BUTTE_API void butte_watch_stop(butte_watch_t *w);

/*
 * butte_child_fn - pid ended with wait(2) status; the kernel reaped it.
 * The watch is finished: it is freed after fn returns (do not stop it).
 */
typedef void (*butte_child_fn)(void *arg, pid_t pid, int wait_status);

/*
 * butte_watch_child - call fn(arg, pid, status) once on the loop when
 * pid, a child of this process, exits; the kernel reaps it (waitid on a
 * pidfd, so other children are not touched).  Returns the watch, which the
 * caller may stop before it fires (the child is then no longer reaped by
 * the kernel), or NULL with err filled (BUTTE_ENOTFOUND: no such child;
 * BUTTE_EIO: no pidfd support).  Loop thread only.  Since ABI 1.1.
 */
BUTTE_API butte_watch_t *butte_watch_child(butte_loop_t *loop, pid_t pid, butte_child_fn fn,
                                           void *arg, butte_err_t *err);

BUTTE_END_DECLS

#endif
