/*
 * butte/isolator.h - the isolator kind: one aspect of a container's
 * isolation (cpu shares, memory limit, a namespace, ...), chained by the
 * Mesos containerizer in --isolation order.  Mirrors Mesos'
 * mesos::slave::Isolator.  Also defines the container values the
 * containerizer kind (containerizer.h) shares.
 *
 * Life of a container, per isolator:
 *   prepare (before the child execs; may add environment and pre-exec
 *   commands) -> isolate (the child's pid is known, before it execs the
 *   task) -> watch (limitations reported any time later) -> update /
 *   usage / status (any number) -> cleanup (the container is gone).
 * After an agent restart, recover() comes first with the containers that
 * survived.
 *
 * Conventions for every slot unless it says otherwise:
 * - state is the instance state from create().
 * - Runs on the agent's loop thread and must not block on the network or
 *   on other processes.  Short writes and reads of cgroupfs, /proc and the
 *   agent's work_dir count as non-blocking.  Work that waits (pulling an
 *   image, waiting for a process) belongs in a containerizer module.
 * - Arguments are borrowed for the call; copy what you keep.
 * - Slots returning int return 0, or a negative BUTTE_E* with err filled:
 *   the containerizer then fails the launch (TASK_FAILED with err's
 *   message) or, for update/usage/status, logs and goes on.
 * - Module state on disk goes under <runtime_dir>/isolators/<name>/.
 *
 * Ops table rules (see module.h): starts with size, append-only; slots
 * marked "required" must be non-NULL or the module is rejected at load.
 */
#ifndef BUTTE_ISOLATOR_H
#define BUTTE_ISOLATOR_H

#include <sys/types.h>

#include <butte/module.h>
#include <butte/resources.h>

BUTTE_BEGIN_DECLS

/* butte_isolator_ops_t.features bits */
#define BUTTE_ISO_F_NESTING (1u << 0)    /* may isolate nested containers */
#define BUTTE_ISO_F_STANDALONE (1u << 1) /* may isolate standalone containers */

/* What a container is launched with.  Kernel-owned, borrowed per call. */
typedef struct butte_container_config {
    uint32_t size;
    const char *container_id;  /* mesos.v1.ContainerID value */
    const char *parent_id;     /* NULL for a top-level container */
    const char *directory;     /* the sandbox, absolute */
    const char *user;          /* run as this user; NULL = the agent's user */
    butte_pb_t task_info;      /* mesos.v1.TaskInfo; absent for executor containers */
    butte_pb_t executor_info;  /* mesos.v1.ExecutorInfo */
    butte_pb_t command_info;   /* mesos.v1.CommandInfo the container runs */
    butte_pb_t container_info; /* mesos.v1.ContainerInfo; may be absent */
    const butte_resources_t *resources; /* requests */
    const butte_resources_t *limits;    /* NULL = limits equal requests */
    /* ABI 1.1 (read only when size covers them): */
    const char *const *env;    /* the executor's environment, NULL-terminated
                                  "NAME=value" (MESOS_* included) */
    const char *const *argv;   /* the executor command the Mesos
                                  containerizer would exec; argv[0] a path */
} butte_container_config_t;

/*
 * What prepare() adds to the launch.  The kernel zeroes it and sets size;
 * the isolator writes only fields below out->size, pointing into the pool
 * prepare() was given.  The containerizer merges the answers of every
 * isolator in --isolation order.
 */
typedef struct butte_launch_info {
    uint32_t size;
    const butte_param_t *env;     /* n_env variables to set (key = name) */
    size_t n_env;
    const char *const *pre_exec;  /* n_pre_exec shell commands, run in order */
    size_t n_pre_exec;            /*   before the task, as the task's user */
    int clone_flags;              /* CLONE_NEW* namespaces to enter, 0 = none */
    const char *working_directory; /* NULL = the sandbox */
} butte_launch_info_t;

/* butte_container_stats_t.set bits: which fields hold a value */
#define BUTTE_STAT_PROCESSES (1u << 0)
#define BUTTE_STAT_THREADS (1u << 1)
#define BUTTE_STAT_CPUS_USER (1u << 2)
#define BUTTE_STAT_CPUS_SYSTEM (1u << 3)
#define BUTTE_STAT_CPUS_LIMIT (1u << 4)
#define BUTTE_STAT_CPUS_THROTTLED (1u << 5) /* nr_periods, nr_throttled, throttled_time */
#define BUTTE_STAT_MEM_TOTAL (1u << 6)
#define BUTTE_STAT_MEM_RSS (1u << 7)
#define BUTTE_STAT_MEM_LIMIT (1u << 8)
#define BUTTE_STAT_MEM_CACHE (1u << 9)
#define BUTTE_STAT_MEM_SWAP (1u << 10)
#define BUTTE_STAT_DISK (1u << 11)          /* disk_limit_bytes, disk_used_bytes */

/*
 * A container's resource usage (mesos.v1.ResourceStatistics subset).  The
 * kernel zeroes it and sets size; each isolator fills the fields it
 * measures and sets their bits in set; fields below size only.
 */
typedef struct butte_container_stats {
    uint32_t size;
    uint32_t set;                 /* BUTTE_STAT_* bits */
    double timestamp;             /* seconds since the epoch, set by the kernel */
    uint32_t processes, threads;
    double cpus_user_time_secs, cpus_system_time_secs, cpus_limit;
    uint32_t cpus_nr_periods, cpus_nr_throttled;
    double cpus_throttled_time_secs;
    uint64_t mem_total_bytes, mem_rss_bytes, mem_limit_bytes, mem_cache_bytes,
        mem_swap_bytes;
    uint64_t disk_limit_bytes, disk_used_bytes;
} butte_container_stats_t;

/* A limitation watch() reports (mesos ContainerLimitation). */
typedef struct butte_container_limitation {
    uint32_t size;
    const butte_resources_t *resources; /* what was exceeded; may be NULL */
    const char *message;                /* "memory limit exceeded: ..." */
    int reason;                         /* mesos.v1.TaskStatus.Reason value */
} butte_container_limitation_t;

/*
 * butte_limitation_fn - how an isolator reports a limitation: call it on
 * the loop thread at most once per container; the containerizer then
 * destroys the container.  lim is borrowed for the call.
 */
typedef void (*butte_limitation_fn)(void *ctx, const char *container_id,
                                    const butte_container_limitation_t *lim);

/* A container that survived an agent restart, as checkpointed. */
typedef struct butte_container_state {
    uint32_t size;
    const char *container_id;
    const char *parent_id;           /* NULL for a top-level container */
    pid_t pid;                       /* the container's init process */
    const char *directory;           /* the sandbox */
    butte_pb_t executor_info;        /* mesos.v1.ExecutorInfo */
} butte_container_state_t;

typedef struct butte_isolator_ops {
    uint32_t size;     /* sizeof (butte_isolator_ops_t) at build time */
    uint32_t features; /* BUTTE_ISO_F_* */

    /*
     * recover - after an agent restart: containers (n) the agent still
     * runs and orphans (n_orphans container ids this isolator left state
     * for but the agent does not know; clean them up).  Called once,
     * before any other slot.  Optional: NULL = nothing to recover.
     * Failure stops agent start-up.
     */
    int (*recover)(void *state, const butte_container_state_t *containers, size_t n,
                   const char *const *orphans, size_t n_orphans, butte_err_t *err);

    /*
     * prepare - get ready to isolate a new container.  Required.  Fill
     * *out from pool (the launch's pool; lives until the container runs
     * or the launch failed).  Called before the child is forked.
     */
    int (*prepare)(void *state, const butte_container_config_t *config, butte_pool_t *pool,
                   butte_launch_info_t *out, butte_err_t *err);

    /*
     * isolate - the container's init process is pid, stopped before it
     * execs the task: put it in place (cgroups, ...).  Required.
     */
    int (*isolate)(void *state, const char *container_id, pid_t pid, butte_err_t *err);

    /*
     * watch - report a future limitation of container_id through
     * fn(ctx, ...), at most once, on the loop.  fn and ctx stay valid until
     * cleanup() of that container returns.  Optional: NULL = this isolator
     * never limits.
     */
    int (*watch)(void *state, const char *container_id, butte_limitation_fn fn, void *ctx,
                 butte_err_t *err);

    /*
     * update - the container's resources changed (a task joined or left
     * its executor).  limits NULL = equal to requests.  Optional: NULL =
     * nothing to adjust.
     */
    int (*update)(void *state, const char *container_id, const butte_resources_t *requests,
                  const butte_resources_t *limits, butte_err_t *err);

    /* usage - fill the fields this isolator measures (see
     * butte_container_stats_t).  Optional: NULL = measures nothing. */
    int (*usage)(void *state, const char *container_id, butte_container_stats_t *stats,
                 butte_err_t *err);

    /*
     * status - this isolator's part of the container's status: *out set to
     * a serialized mesos.v1.ContainerStatus allocated from pool (only the
     * fields this isolator knows; left absent = nothing to add).
     * Optional.
     */
    int (*status)(void *state, const char *container_id, butte_pool_t *pool, butte_pb_t *out,
                  butte_err_t *err);

    /*
     * cleanup - the container is gone (or its launch failed after
     * prepare): release everything held for it.  Required.  Called for
     * every container prepare() saw, even a failed one; must tolerate a
     * container that was never isolated.  A failure is logged and leaves
     * the container's state behind for recover()'s orphans.
     */
    int (*cleanup)(void *state, const char *container_id, butte_err_t *err);

    /* ABI 1.x: new slots go below this line, never above. */

    /*
     * check - (ABI 1.1) look now for a limitation watch() would report
     * later (a counter the kernel already bumped, an event not yet read),
     * and if there is one report it through the watch fn before
     * returning.  The containerizer calls it when the executor says a task
     * failed, so that an OOM kill is reported as one even when the
     * executor was faster than the notification.  Optional.
     */
    int (*check)(void *state, const char *container_id, butte_err_t *err);
} butte_isolator_ops_t;

BUTTE_END_DECLS

#endif
