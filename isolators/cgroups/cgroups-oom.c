/*
 * isolators/cgroups/cgroups-oom.c - the OOM watch of cgroups/mem: the
 * watch and check slots (see cgroups-internal.h).
 *
 * v1: an eventfd registered through cgroup.event_control on
 * memory.oom_control; the kernel signals it when the cgroup hits its
 * limit and reclaim failed (just before the OOM killer runs), and also
 * when the cgroup is removed.  v2: an inotify IN_MODIFY watch on
 * memory.events, which the kernel touches on every memory event (low,
 * high, max, oom, oom_kill).  Either fd is watched on the agent's loop
 * (butte_watch_fd); on each wake-up the cgroup's oom_kill counter is read
 * and compared with its value when watch() started.  A v1 OOM event that
 * has not (yet) bumped the counter is re-checked every 50 ms and reported
 * anyway after 2 s, as Mesos reports the event itself; kernels before
 * 4.13 have no oom_kill counter, and there the event is the report.
 *
 * check() reads the counter at once, for the agent to call when an
 * executor reported a failure that may be an OOM kill before the event
 * arrived.  Whoever sees the kill first reports it; a container's
 * limitation is reported at most once in all.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "isolators/cgroups/cgfs.h"
#include "isolators/cgroups/cgroups-internal.h"

#define RETRY_SECS 0.05
#define MAX_RETRIES 40

/* The cgroup's OOM-kill count into *n; false when memory.oom_control (v2
 * memory.events) cannot be read (the cgroup is gone).  *exact is false
 * on kernels that only say whether the cgroup is under OOM. */
static bool
oom_kills(butte_cg_iso_t *iso, butte_cg_container_t *c, uint64_t *n, bool *exact)
{
    char buf[512];

    *n = 0;
    *exact = true;
    if (butte_cgfs_read(c->dirs[0], iso->v2 ? "memory.events" : "memory.oom_control", buf,
                        sizeof buf, NULL) != 0)
        return false;
    if (butte_cgfs_key(buf, "oom_kill", n))
        return true;
    *exact = false;
    butte_cgfs_key(buf, "under_oom", n);
    return true;
}

void
butte_cg_oom_stop(butte_cg_container_t *c)
{
    butte_watch_stop(c->oom_watch);
    c->oom_watch = NULL;
    butte_timer_stop(c->oom_retry);
    c->oom_retry = NULL;
    if (c->oom_fd >= 0)
        close(c->oom_fd);
    c->oom_fd = -1;
}

/* Report c's OOM kill through the watch fn, once.  fn may destroy the
 * container (cleanup() frees c): c is not touched after it. */
static void
report(butte_cg_iso_t *iso, butte_cg_container_t *c)
{
    char stat[2048] = "", msg[3072], res[64], id[256];
    uint64_t peak = 0, limit = 0;
    const char *dir = c->dirs[0];

    c->reported = true;
    butte_cg_oom_stop(c);
    if (butte_cgfs_read_u64(dir, iso->v2 ? "memory.peak" : "memory.max_usage_in_bytes", &peak,
                            NULL) != 0)
        butte_cgfs_read_u64(dir, iso->v2 ? "memory.current" : "memory.usage_in_bytes", &peak,
                            NULL);
    butte_cgfs_read_u64(dir, iso->v2 ? "memory.max" : "memory.limit_in_bytes", &limit, NULL);
    butte_cgfs_read(dir, "memory.stat", stat, sizeof stat, NULL);
    snprintf(msg, sizeof msg,
             "Memory limit exceeded: Requested: %lluMB Maximum Used: %lluMB\n\n"
             "MEMORY STATISTICS: \n%s",
             (unsigned long long)(limit / (1024 * 1024)),
             (unsigned long long)(peak / (1024 * 1024)), stat);
    butte_log(iso->log, BUTTE_LOG_INFO, "container %s: OOM killed at %llu MB (limit %llu MB)",
              c->id, (unsigned long long)(peak / (1024 * 1024)),
              (unsigned long long)(limit / (1024 * 1024)));

    butte_pool_t *tmp = butte_pool_create(NULL);
    snprintf(res, sizeof res, "mem:%llu", (unsigned long long)(peak / (1024 * 1024)));
    butte_container_limitation_t lim = {
        .size = sizeof lim,
        .resources = butte_resources_parse(tmp, res, NULL),
        .message = msg,
        .reason = BUTTE_CG_REASON_MEMORY,
    };
    butte_limitation_fn fn = c->fn;
    void *ctx = c->ctx;
    snprintf(id, sizeof id, "%s", c->id);
    fn(ctx, id, &lim);
    butte_pool_destroy(tmp);
}

typedef struct oom_arg {
    butte_cg_iso_t *iso;
    butte_cg_container_t *c;
} oom_arg_t;

/* v1: an OOM event came but the kill is not counted yet; look again. */
static void
on_retry(void *arg)
{
    oom_arg_t *a = arg;
    butte_cg_container_t *c = a->c;
    uint64_t n;
    bool exact;

    if (!oom_kills(a->iso, c, &n, &exact)) {
        butte_cg_oom_stop(c); /* the cgroup is gone: nothing left to watch */
        return;
    }
    if (n > c->oom_base || ++c->oom_retries >= MAX_RETRIES)
        report(a->iso, c);
}

static void
drain(butte_cg_iso_t *iso, int fd)
{
    char buf[4096];

    /* v1: the eventfd's 8-byte counter; v2: every queued inotify event.
     * Both fds are non-blocking: EAGAIN ends the loop. */
    if (!iso->v2) {
        uint64_t v;
        (void)!read(fd, &v, sizeof v);
        return;
    }
    while (read(fd, buf, sizeof buf) > 0)
        ;
}

static void
on_oom_event(void *arg)
{
    oom_arg_t *a = arg;
    butte_cg_iso_t *iso = a->iso;
    butte_cg_container_t *c = a->c;
    uint64_t n;
    bool exact;

    drain(iso, c->oom_fd);
    if (c->reported || c->oom_retry != NULL)
        return;
    if (!oom_kills(iso, c, &n, &exact)) {
        butte_cg_oom_stop(c); /* v1 signals removal too; the cgroup is gone */
        return;
    }
    if (n > c->oom_base || (!iso->v2 && !exact)) {
        report(iso, c);
        return;
    }
    if (!iso->v2) {
        /* The event precedes the kill, which is counted a moment later. */
        c->oom_retries = 0;
        c->oom_retry = butte_timer_start(iso->loop, RETRY_SECS, true, on_retry, a);
    }
    /* v2: another memory event (low, high, max): nothing to report. */
}

/* Open the fd the kernel signals on c's memory events; -1 with err. */
static int
open_events(butte_cg_iso_t *iso, butte_cg_container_t *c, butte_err_t *err)
{
    char path[4096], line[64];
    const char *dir = c->dirs[0];

    if (iso->v2) {
        int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (fd < 0) {
            butte_err_set(err, BUTTE_EIO, "inotify_init1: %s", strerror(errno));
            return -1;
        }
        snprintf(path, sizeof path, "%s/memory.events", dir);
        if (inotify_add_watch(fd, path, IN_MODIFY) < 0) {
            butte_err_set(err, BUTTE_EIO, "cannot watch %s: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
        return fd;
    }
    int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (efd < 0) {
        butte_err_set(err, BUTTE_EIO, "eventfd: %s", strerror(errno));
        return -1;
    }
    snprintf(path, sizeof path, "%s/memory.oom_control", dir);
    int ofd = open(path, O_RDONLY | O_CLOEXEC);
    if (ofd < 0) {
        butte_err_set(err, BUTTE_EIO, "cannot open %s: %s", path, strerror(errno));
        close(efd);
        return -1;
    }
    /* The registration holds the cgroup, not ofd: ofd may go at once. */
    snprintf(line, sizeof line, "%d %d", efd, ofd);
    int rc = butte_cgfs_write(dir, "cgroup.event_control", line, err);
    close(ofd);
    if (rc != 0) {
        close(efd);
        return -1;
    }
    return efd;
}

int
butte_cg_watch(void *state, const char *container_id, butte_limitation_fn fn, void *ctx,
               butte_err_t *err)
{
    butte_cg_iso_t *iso = state;
    butte_cg_container_t *c = butte_cg_lookup(iso, container_id);
    bool exact;

    if (c == NULL)
        return butte_err_set(err, BUTTE_ENOTFOUND, "unknown container \"%s\"", container_id);
    if (c->watched)
        return butte_err_set(err, BUTTE_ECONFLICT, "container \"%s\" is already watched",
                             container_id);
    if (!oom_kills(iso, c, &c->oom_base, &exact))
        return butte_err_set(err, BUTTE_EIO, "container \"%s\": cannot read %s/%s",
                             container_id, c->dirs[0],
                             iso->v2 ? "memory.events" : "memory.oom_control");
    c->oom_fd = open_events(iso, c, err);
    if (c->oom_fd < 0)
        return butte_err_prefix(err, "container \"%s\": OOM watch", container_id);
    oom_arg_t *a = butte_pool_alloc(c->pool, sizeof *a);
    a->iso = iso;
    a->c = c;
    c->fn = fn;
    c->ctx = ctx;
    c->watched = true;
    c->oom_watch = butte_watch_fd(iso->loop, c->oom_fd, on_oom_event, a);
    return 0;
}

int
butte_cg_check(void *state, const char *container_id, butte_err_t *err)
{
    butte_cg_iso_t *iso = state;
    butte_cg_container_t *c = butte_cg_lookup(iso, container_id);
    uint64_t n;
    bool exact;

    if (c == NULL)
        return butte_err_set(err, BUTTE_ENOTFOUND, "unknown container \"%s\"", container_id);
    /* Nothing to report to before watch(), and at most one report. */
    if (!c->watched || c->reported)
        return 0;
    if (oom_kills(iso, c, &n, &exact) && exact && n > c->oom_base)
        report(iso, c);
    return 0;
}
