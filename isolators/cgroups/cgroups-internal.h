/*
 * isolators/cgroups/cgroups-internal.h - what the files of the cgroups
 * isolators (cgroups/cpu, cgroups/mem, cgroups/pids) share: the instance and container records (cgroups.c owns
 * them), the usage readers (cgroups-stats.c) and the OOM watch
 * (cgroups-oom.c).  Not part of any ABI: the module's exported surface
 * is its three descriptors.
 *
 * Everything runs on the agent's loop thread.  Container records live in
 * their own child pool of the instance pool and are freed by
 * butte_cg_drop() (cleanup, or a failed recovery).
 */
#ifndef ISOLATORS_CGROUPS_INTERNAL_H
#define ISOLATORS_CGROUPS_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <butte/isolator.h>
#include <butte/log.h>
#include <butte/loop.h>

#define BUTTE_CG_MB (1024.0 * 1024.0)
#define BUTTE_CG_REASON_MEMORY 8 /* mesos.v1.TaskStatus.REASON_CONTAINER_LIMITATION_MEMORY */

/* Which isolator an instance is: the controllers it uses and what it
 * limits and reports. */
typedef enum butte_cg_kind {
    BUTTE_CG_CPU,  /* cgroups/cpu: cpu (+ cpuacct) */
    BUTTE_CG_MEM,  /* cgroups/mem: memory */
    BUTTE_CG_PIDS, /* cgroups/pids: pids (accounting only, no limit) */
} butte_cg_kind_t;

typedef struct butte_cg_container {
    struct butte_cg_container *next;
    butte_pool_t *pool;
    char *id;
    char *dirs[2];   /* the container's cgroups: cpu [+ cpuacct], memory, or pids */
    size_t n_dirs;
    pid_t pid;       /* 0 until isolate() */
    double cpus_req; /* request: cpu.shares; < 0 unknown */
    double cpus;     /* limit (else request): the CFS quota; < 0 unknown */
    double mem_mb;   /* limit (else request) in MB; < 0 unknown */
    /* OOM watch (cgroups/mem only; see cgroups-oom.c) */
    butte_watch_t *oom_watch; /* on oom_fd */
    int oom_fd;               /* v1 eventfd, v2 inotify fd; -1 none */
    butte_timer_t *oom_retry; /* v1: event seen, kill counter not yet bumped */
    int oom_retries;
    uint64_t oom_base;        /* OOM kills seen when watch() started */
    bool watched;             /* watch() was called */
    bool reported;            /* the limitation was reported (at most once) */
    butte_limitation_fn fn;
    void *ctx;
} butte_cg_container_t;

typedef struct butte_cg_iso {
    butte_pool_t *pool;
    butte_log_t *log;
    butte_loop_t *loop;
    const char *what;     /* "cgroups/cpu", "cgroups/mem" or "cgroups/pids" */
    butte_cg_kind_t kind;
    bool v2;
    bool cfs;             /* cgroups_enable_cfs */
    bool limit_swap;      /* cgroups_limit_swap */
    double destroy_secs;  /* cgroups_destroy_timeout */
    const char *base[2];  /* <hierarchy>/<subsystem>/<root> or <hierarchy>/<root> */
    size_t n_base;
    butte_cg_container_t *containers;
} butte_cg_iso_t;

/* cgroups.c: the record of id, or NULL. */
butte_cg_container_t *butte_cg_lookup(butte_cg_iso_t *iso, const char *id);

/* cgroups-stats.c: the usage slot. */
int butte_cg_usage(void *state, const char *container_id, butte_container_stats_t *stats,
                   butte_err_t *err);

/* cgroups-oom.c: the watch and check slots of cgroups/mem, and
 * butte_cg_oom_stop(), which cleanup() and destroy() call to close the
 * watch of c (idempotent). */
int butte_cg_watch(void *state, const char *container_id, butte_limitation_fn fn, void *ctx,
                   butte_err_t *err);
int butte_cg_check(void *state, const char *container_id, butte_err_t *err);
void butte_cg_oom_stop(butte_cg_container_t *c);

#endif
