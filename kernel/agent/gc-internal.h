/*
 * kernel/agent/gc-internal.h - garbage collection of finished sandboxes
 * (Mesos' GarbageCollector, features row 38).
 *
 * The agent schedules a path (an executor run's sandbox, a finished
 * framework's folder) for removal after a delay, normally --gc_delay.
 * A disk watcher looks at the file system of --work_dir every
 * --disk_watch_interval and, when it fills up, removes scheduled paths
 * early: with usage u (0..1) the largest age a scheduled path may reach is
 *
 *     max_age = gc_delay x max(0, 1 - gc_disk_headroom - u)
 *
 * and every path whose remaining delay is <= gc_delay - max_age (one
 * scheduled with gc_delay: that has waited >= max_age) is removed now.
 *
 * Removal is recursive, never follows a symlink (a link is removed, not
 * its target; directories are opened with O_NOFOLLOW relative to their
 * parent's descriptor) and runs on the loop in steps of a bounded number
 * of unlinks, so a huge sandbox does not stall the agent.  Paths are
 * removed one at a time, in the order they came due.
 *
 * Everything runs on the loop thread.  Lifetime: the collector lives in
 * (a child of) the pool given to butte_gc_create, or until
 * butte_gc_destroy; pending callbacks are not called at destruction.
 */
#ifndef BUTTE_AGENT_GC_INTERNAL_H
#define BUTTE_AGENT_GC_INTERNAL_H

#include <butte/error.h>
#include <butte/loop.h>
#include <butte/pool.h>

typedef struct butte_gc butte_gc_t;

typedef struct butte_gc_options {
    const char *work_dir;        /* whose file system the watcher measures */
    double gc_delay;             /* --gc_delay, seconds (> 0) */
    double gc_disk_headroom;     /* --gc_disk_headroom, 0..1 */
    double disk_watch_interval;  /* --disk_watch_interval, seconds; <= 0: no watcher */
} butte_gc_options_t;

/*
 * butte_gc_removed_fn - path was removed (rc 0) or removal failed (rc a
 * BUTTE_E* code, message says why; what could not be removed stays).
 * Called on the loop once per schedule that came due; path and message
 * are borrowed for the call.  The callback may schedule or unschedule.
 */
typedef void (*butte_gc_removed_fn)(void *arg, const char *path, int rc, const char *message);

/*
 * butte_gc_create - a collector; starts the disk watcher.  NULL with err
 * filled for bad options (gc_delay <= 0, headroom outside [0, 1],
 * work_dir NULL).
 */
butte_gc_t *butte_gc_create(butte_pool_t *pool, butte_loop_t *loop,
                            const butte_gc_options_t *opts, butte_err_t *err);

/*
 * butte_gc_schedule - remove path (absolute or relative to the agent's
 * cwd; copied) delay_secs from now, then call fn(arg, ...) (fn may be
 * NULL).  Scheduling a path that is already scheduled replaces its delay
 * and callback (the old callback is never called).  0, or BUTTE_ECONFLICT
 * when path is being removed right now.
 */
int butte_gc_schedule(butte_gc_t *gc, const char *path, double delay_secs,
                      butte_gc_removed_fn fn, void *arg);

/*
 * butte_gc_unschedule - keep path after all (a recovered executor came
 * back).  0 when it was scheduled (its callback will not be called),
 * BUTTE_ENOTFOUND when it was not, BUTTE_ECONFLICT when its removal has
 * already started (Mesos answers false then too).
 */
int butte_gc_unschedule(butte_gc_t *gc, const char *path);

/* butte_gc_prune - start removing now every path due within secs. */
void butte_gc_prune(butte_gc_t *gc, double secs);

/*
 * butte_gc_check_disk - one disk-watcher pass now: measure usage (statvfs
 * of work_dir, or the test hook's value) and prune as described above.
 * Returns the max age used, or a negative BUTTE_E* code when statvfs
 * fails (err filled; nothing pruned).
 */
double butte_gc_check_disk(butte_gc_t *gc, butte_err_t *err);

/* butte_gc_scheduled - paths scheduled and not yet being removed;
 * butte_gc_removing - paths queued for or in removal. */
size_t butte_gc_scheduled(const butte_gc_t *gc);
size_t butte_gc_removing(const butte_gc_t *gc);

/*
 * butte_gc_set_usage_for_test - test hook: make the disk watcher see
 * usage (0..1) instead of statvfs's answer; a negative value goes back to
 * statvfs.  Only tests call it (tests/unit/gc.c fakes a full disk with
 * it); roles never do.
 */
void butte_gc_set_usage_for_test(butte_gc_t *gc, double usage);

/* butte_gc_destroy - stop the watcher and every timer, close what a
 * removal in progress holds open, free the collector.  gc may be NULL. */
void butte_gc_destroy(butte_gc_t *gc);

#endif
