/*
 * kernel/agent/gc.c - the sandbox garbage collector (gc-internal.h).
 *
 * Scheduled paths each hold a one-shot timer.  When one comes due (or the
 * disk watcher prunes it) it moves to the removal queue; the head of the
 * queue is removed in steps of at most STEP_BUDGET unlinks, one step per
 * loop turn (a zero-delay timer, so sockets are served between steps).
 * The walk keeps an open descriptor per directory level and works with
 * *at() calls relative to it, so a directory swapped for a symlink in the
 * middle of a removal cannot redirect it outside the path.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <butte/log.h>

#include "agent/gc-internal.h"
#include "core/strmap-internal.h"

#define STEP_BUDGET 256 /* unlinks per loop turn */

typedef struct entry {
    struct entry *next;
    struct entry **pprev;     /* while scheduled: the link pointing here */
    butte_gc_t *gc;
    butte_pool_t *pool;       /* this entry; dies when it is done or dropped */
    char *path;
    double deadline;          /* loop time it comes due */
    butte_timer_t *timer;     /* while scheduled */
    butte_gc_removed_fn fn;
    void *arg;
} entry_t;

typedef struct frame {
    int fd;       /* the open directory */
    char *name;   /* relative to the frame below (the root: the path itself) */
} frame_t;

struct butte_gc {
    butte_pool_t *pool;
    butte_loop_t *loop;
    butte_log_t *log;
    butte_gc_options_t opts;
    entry_t *scheduled;             /* waiting for their timers */
    butte_strmap_t by_path;         /* scheduled by path: every launch asks */
    size_t n_scheduled;
    entry_t *queue, **queue_tail;   /* due, FIFO; the head is being removed */
    frame_t *stack;                 /* the head's walk (malloc'd) */
    size_t depth, cap;
    bool started;                   /* the head's walk has begun */
    butte_timer_t *step_timer;
    butte_timer_t *watch_timer;
    double test_usage;              /* < 0: ask statvfs */
};

static void step(void *arg);

static void
arm_step(butte_gc_t *gc)
{
    if (gc->step_timer == NULL && gc->queue != NULL)
        gc->step_timer = butte_timer_start(gc->loop, 0, false, step, gc);
}

static void
drop_frames(butte_gc_t *gc)
{
    while (gc->depth > 0)
        close(gc->stack[--gc->depth].fd);
    gc->started = false;
}

static int
push(butte_gc_t *gc, int fd, char *name)
{
    if (gc->depth == gc->cap) {
        size_t cap = gc->cap ? gc->cap * 2 : 16;
        frame_t *grown = realloc(gc->stack, cap * sizeof *grown);
        if (grown == NULL) {
            close(fd);
            return -1;
        }
        gc->stack = grown;
        gc->cap = cap;
    }
    gc->stack[gc->depth++] = (frame_t){ .fd = fd, .name = name };
    return 0;
}

/* The head is done: tell its owner and forget it; start the next one. */
static void
finish(butte_gc_t *gc, int rc, const char *message)
{
    entry_t *e = gc->queue;

    drop_frames(gc);
    gc->queue = e->next;
    if (gc->queue == NULL)
        gc->queue_tail = &gc->queue;
    if (rc != 0)
        butte_log(gc->log, BUTTE_LOG_WARNING, "could not remove \"%s\": %s", e->path, message);
    else
        butte_log(gc->log, BUTTE_LOG_INFO, "removed \"%s\"", e->path);
    if (e->fn != NULL)
        e->fn(e->arg, e->path, rc, message);
    butte_pool_destroy(e->pool);
    arm_step(gc);
}

/* name (in the innermost open folder, or the root's own path) failed:
 * finish the head with a message naming the whole path. */
static void
fail(butte_gc_t *gc, const char *what, const char *name)
{
    char msg[BUTTE_ERR_MSG_MAX], path[BUTTE_ERR_MSG_MAX] = "";
    const char *reason = strerror(errno);
    size_t used = 0;

    for (size_t i = 0; i < gc->depth && used < sizeof path; i++)
        if (gc->stack[i].name != name)
            used += (size_t)snprintf(path + used, sizeof path - used, "%s/",
                                     gc->stack[i].name);
    if (used < sizeof path)
        snprintf(path + used, sizeof path - used, "%s", name);
    snprintf(msg, sizeof msg, "cannot %s \"%s\": %s", what, path, reason);
    finish(gc, BUTTE_EIO, msg);
}

/* Begin the head's walk.  Returns false when the head is already
 * finished (a file, a symlink, nothing there, or an error). */
static bool
open_root(butte_gc_t *gc, entry_t *e)
{
    struct stat st;

    gc->started = true;
    if (lstat(e->path, &st) != 0) {
        if (errno == ENOENT) {
            finish(gc, 0, NULL); /* already gone is what we wanted */
            return false;
        }
        fail(gc, "stat", e->path);
        return false;
    }
    if (!S_ISDIR(st.st_mode)) {
        if (unlink(e->path) != 0 && errno != ENOENT)
            fail(gc, "remove", e->path);
        else
            finish(gc, 0, NULL);
        return false;
    }
    int fd = open(e->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || push(gc, fd, e->path) != 0) {
        fail(gc, "open", e->path);
        return false;
    }
    return true;
}

static void
step(void *arg)
{
    butte_gc_t *gc = arg;
    entry_t *e = gc->queue;
    int budget = STEP_BUDGET;

    butte_timer_stop(gc->step_timer); /* fired; one-shot */
    gc->step_timer = NULL;
    if (e == NULL)
        return;
    if (!gc->started && !open_root(gc, e))
        return;
    while (gc->depth > 0 && budget > 0) {
        frame_t *f = &gc->stack[gc->depth - 1];
        /* fdopendir takes the descriptor; the frame keeps its own. */
        int dfd = dup(f->fd);
        DIR *dir = dfd >= 0 ? fdopendir(dfd) : NULL;
        if (dir == NULL) {
            if (dfd >= 0)
                close(dfd);
            fail(gc, "list", f->name);
            return;
        }
        rewinddir(dir); /* the duplicate shares the offset of earlier passes */
        struct dirent *de = NULL;
        bool descended = false;
        while (budget > 0 && (de = readdir(dir)) != NULL) {
            const char *name = de->d_name;
            if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
                continue;
            bool is_dir = de->d_type == DT_DIR;
            struct stat st;
            if (de->d_type == DT_UNKNOWN && fstatat(f->fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
                is_dir = S_ISDIR(st.st_mode);
            if (is_dir) {
                int fd = openat(f->fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                char *copy = butte_pool_strdup(e->pool, name);
                closedir(dir);
                if (fd < 0 || push(gc, fd, copy) != 0) {
                    fail(gc, "open", copy);
                    return;
                }
                descended = true;
                break;
            }
            if (unlinkat(f->fd, name, 0) != 0 && errno != ENOENT) {
                char *copy = butte_pool_strdup(e->pool, name);
                closedir(dir);
                fail(gc, "remove", copy);
                return;
            }
            budget--;
        }
        if (descended)
            continue;
        closedir(dir);
        if (de != NULL)
            break; /* out of budget mid-directory: go on next turn */
        /* Empty now: remove it from its parent. */
        int parent = gc->depth >= 2 ? gc->stack[gc->depth - 2].fd : AT_FDCWD;
        close(f->fd);
        gc->depth--;
        if (unlinkat(parent, f->name, AT_REMOVEDIR) != 0 && errno != ENOENT) {
            fail(gc, "remove", f->name);
            return;
        }
        budget--;
    }
    if (gc->depth == 0)
        finish(gc, 0, NULL);
    else
        arm_step(gc);
}

/* An entry dropped with the collector must not leave its timer armed. */
static void
stop_entry_timer(void *arg)
{
    entry_t *e = arg;

    butte_timer_stop(e->timer);
    e->timer = NULL;
}

/* Scheduled entries: a list (prune walks it) plus a map on the path, so
 * that a schedule or an unschedule (one per launch) does not walk the
 * runs of the last --gc_delay. */
static void
add_scheduled(butte_gc_t *gc, entry_t *e)
{
    butte_strmap_put(&gc->by_path, e->path, e);
    e->next = gc->scheduled;
    if (e->next)
        e->next->pprev = &e->next;
    gc->scheduled = e;
    e->pprev = &gc->scheduled;
    gc->n_scheduled++;
}

static void
remove_scheduled(butte_gc_t *gc, entry_t *e)
{
    butte_strmap_del_if(&gc->by_path, e->path, e);
    *e->pprev = e->next;
    if (e->next)
        e->next->pprev = e->pprev;
    e->next = NULL;
    e->pprev = NULL;
    gc->n_scheduled--;
    butte_timer_stop(e->timer);
    e->timer = NULL;
}

static entry_t *
unlink_scheduled(butte_gc_t *gc, const char *path)
{
    entry_t *e = butte_strmap_get(&gc->by_path, path);

    if (e != NULL)
        remove_scheduled(gc, e);
    return e;
}

static void
enqueue(butte_gc_t *gc, entry_t *e)
{
    e->next = NULL;
    *gc->queue_tail = e;
    gc->queue_tail = &e->next;
    arm_step(gc);
}

static void
due(void *arg)
{
    entry_t *e = arg;

    enqueue(e->gc, unlink_scheduled(e->gc, e->path));
}

static bool
queued(const butte_gc_t *gc, const char *path)
{
    for (const entry_t *e = gc->queue; e != NULL; e = e->next)
        if (strcmp(e->path, path) == 0)
            return true;
    return false;
}

int
butte_gc_schedule(butte_gc_t *gc, const char *path, double delay_secs,
                  butte_gc_removed_fn fn, void *arg)
{
    if (queued(gc, path))
        return BUTTE_ECONFLICT;
    entry_t *e = unlink_scheduled(gc, path);
    if (e == NULL) {
        butte_pool_t *pool = butte_pool_create(gc->pool);
        e = butte_pool_alloc(pool, sizeof *e);
        e->pool = pool;
        e->gc = gc;
        e->path = butte_pool_strdup(pool, path);
        butte_pool_on_destroy(pool, stop_entry_timer, e);
    }
    if (delay_secs < 0)
        delay_secs = 0;
    e->fn = fn;
    e->arg = arg;
    e->deadline = butte_loop_now(gc->loop) + delay_secs;
    e->timer = butte_timer_start(gc->loop, delay_secs, false, due, e);
    add_scheduled(gc, e);
    return 0;
}

int
butte_gc_unschedule(butte_gc_t *gc, const char *path)
{
    if (queued(gc, path))
        return BUTTE_ECONFLICT;
    entry_t *e = unlink_scheduled(gc, path);
    if (e == NULL)
        return BUTTE_ENOTFOUND;
    butte_pool_destroy(e->pool);
    return 0;
}

void
butte_gc_prune(butte_gc_t *gc, double secs)
{
    double now = butte_loop_now(gc->loop);

    for (entry_t *e = gc->scheduled, *next; e != NULL; e = next) {
        next = e->next;
        if (e->deadline - now <= secs) {
            remove_scheduled(gc, e);
            enqueue(gc, e);
        }
    }
}

double
butte_gc_check_disk(butte_gc_t *gc, butte_err_t *err)
{
    double usage = gc->test_usage;

    if (usage < 0) {
        struct statvfs vfs;
        if (statvfs(gc->opts.work_dir, &vfs) != 0)
            return butte_err_set(err, BUTTE_EIO, "cannot get disk usage of \"%s\": %s",
                                 gc->opts.work_dir, strerror(errno));
        usage = vfs.f_blocks == 0
                    ? 0
                    : (double)(vfs.f_blocks - vfs.f_bfree) / (double)vfs.f_blocks;
    }
    double room = 1.0 - gc->opts.gc_disk_headroom - usage;
    double max_age = gc->opts.gc_delay * (room > 0 ? room : 0);
    butte_log(gc->log, BUTTE_LOG_DEBUG,
              "disk usage %.2f%%; sandboxes older than %.0f seconds are removed",
              usage * 100.0, max_age);
    butte_gc_prune(gc, gc->opts.gc_delay - max_age);
    return max_age;
}

static void
watch(void *arg)
{
    butte_gc_t *gc = arg;
    butte_err_t err;

    if (butte_gc_check_disk(gc, &err) < 0)
        butte_log(gc->log, BUTTE_LOG_WARNING, "%s", err.msg);
}

size_t
butte_gc_scheduled(const butte_gc_t *gc)
{
    size_t n = 0;

    for (const entry_t *e = gc->scheduled; e != NULL; e = e->next)
        n++;
    return n; /* == gc->n_scheduled */
}

size_t
butte_gc_removing(const butte_gc_t *gc)
{
    size_t n = 0;

    for (const entry_t *e = gc->queue; e != NULL; e = e->next)
        n++;
    return n;
}

void
butte_gc_set_usage_for_test(butte_gc_t *gc, double usage)
{
    gc->test_usage = usage;
}

/* Entry pools die before this runs (children first): touch only what
 * the collector itself owns. */
static void
cleanup(void *arg)
{
    butte_gc_t *gc = arg;

    butte_timer_stop(gc->watch_timer);
    butte_timer_stop(gc->step_timer);
    drop_frames(gc);
    free(gc->stack);
}


butte_gc_t *
butte_gc_create(butte_pool_t *pool, butte_loop_t *loop, const butte_gc_options_t *opts,
                butte_err_t *err)
{
    if (opts->work_dir == NULL) {
        butte_err_set(err, BUTTE_EINVAL, "gc: no work_dir");
        return NULL;
    }
    if (!(opts->gc_delay > 0)) {
        butte_err_set(err, BUTTE_EINVAL, "--gc_delay must be positive");
        return NULL;
    }
    if (!(opts->gc_disk_headroom >= 0 && opts->gc_disk_headroom <= 1)) {
        butte_err_set(err, BUTTE_EINVAL, "--gc_disk_headroom must be between 0.0 and 1.0");
        return NULL;
    }
    butte_pool_t *own = butte_pool_create(pool);
    butte_gc_t *gc = butte_pool_alloc(own, sizeof *gc);
    gc->pool = own;
    butte_strmap_init(&gc->by_path, own);
    gc->loop = loop;
    gc->log = butte_log_get("gc");
    gc->opts = *opts;
    gc->opts.work_dir = butte_pool_strdup(own, opts->work_dir);
    gc->queue_tail = &gc->queue;
    gc->test_usage = -1;
    butte_pool_on_destroy(own, cleanup, gc);
    if (opts->disk_watch_interval > 0)
        gc->watch_timer = butte_timer_start(loop, opts->disk_watch_interval, true, watch, gc);
    return gc;
}

void
butte_gc_destroy(butte_gc_t *gc)
{
    if (gc != NULL)
        butte_pool_destroy(gc->pool);
}
