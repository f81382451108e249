/*
 * kernel/agent/containerizers-internal.h - the agent's --containerizers
 * chain: the built-in Mesos containerizer ("mesos", containerizer.c) and
 * containerizer modules ("docker" = the first-party
 * org_apache_mesos_DockerContainerizer in libdocker_containerizer.so, or
 * any module of kind containerizer named in --modules), asked in flag
 * order; the first that does not decline a launch owns the container.
 *
 * First-party modules selected by a flag (an isolator in --isolation, a
 * containerizer in --containerizers) get the agent flags they need as
 * module parameters (butte_ctz_params()), unless --modules loaded them
 * with parameters of its own.
 *
 * Everything runs on the loop thread.  Launching through the Mesos
 * containerizer blocks for its fork (containerizer-internal.h); modules
 * launch asynchronously and report through the exit callback.
 */
#ifndef BUTTE_AGENT_CONTAINERIZERS_INTERNAL_H
#define BUTTE_AGENT_CONTAINERIZERS_INTERNAL_H

#include <butte/containerizer.h>

#include "agent/containerizer-internal.h"

typedef struct butte_ctz butte_ctz_t;

/*
 * butte_ctz_exit_fn - the container ended.  term->has_status false means
 * it never ran or its status is unknown; term->reason / term->message
 * (0 / NULL when none) say why when the containerizer knows better than
 * the exit status (a launch that failed: REASON_CONTAINER_LAUNCH_FAILED; a
 * docker container the kernel OOM-killed: REASON_CONTAINER_LIMITATION_MEMORY).
 * Called once per launched container; the container is forgotten after.
 */
typedef void (*butte_ctz_exit_fn)(void *ctx, const char *container_id,
                                  const butte_container_termination_t *term);

/*
 * butte_ctz_create - every containerizer of --containerizers ("mesos"
 * builds the Mesos containerizer with the isolators of --isolation).  NULL
 * with err naming the flag and item on an unknown name or a module that
 * cannot be created.  Then recovers: each containerizer and isolator
 * learns that no container survived (the agent does not recover yet), so
 * what an earlier agent left behind (cgroups, docker containers with
 * --docker_kill_orphans) is destroyed.  Lives in a child of pool.
 */
butte_ctz_t *butte_ctz_create(butte_pool_t *pool, butte_loop_t *loop, const butte_flags_t *flags,
                              butte_modules_t *mods, butte_err_t *err);

/* butte_ctz_destroy - destroy every container still running, free. */
void butte_ctz_destroy(butte_ctz_t *z);

/* What to launch: the Mesos containerizer's launch plus what modules need. */
typedef struct butte_ctz_launch {
    butte_mc_launch_t mc;          /* on_limit is ignored: set by the chain */
    butte_pb_t task_info;          /* mesos.v1.TaskInfo of a command task, else absent */
    butte_pb_t container_info;     /* mesos.v1.ContainerInfo, absent when none */
    const butte_resources_t *limits; /* TaskInfo.limits; NULL = none */
    butte_mc_limit_fn on_limit;    /* Mesos containerizer isolator limitation; may be NULL */
} butte_ctz_launch_t;

/*
 * butte_ctz_launch - offer the launch to each containerizer in order.
 * 0 when one took it: fn is called once when the container ends (also
 * when a module's launch fails later); *pid is the executor's pid, or 0
 * when a module runs it.  An error (no containerizer takes the container
 * type, or the Mesos containerizer failed at once): fn is not called.
 */
int butte_ctz_launch(butte_ctz_t *z, const butte_ctz_launch_t *l, butte_ctz_exit_fn fn, void *ctx,
                     pid_t *pid, butte_err_t *err);

/*
 * butte_ctz_kill - end the container: SIGKILL of its processes (Mesos
 * containerizer) or the module's destroy().  fn is still called.
 * BUTTE_ENOTFOUND for an unknown container.
 */
int butte_ctz_kill(butte_ctz_t *z, const char *container_id);

/* butte_ctz_update - the container's resources changed (a task joined). */
void butte_ctz_update(butte_ctz_t *z, const char *container_id, const butte_resources_t *res,
                      const butte_resources_t *limits);

/* butte_ctz_usage - statistics of a running container (see butte_mc_usage). */
int butte_ctz_usage(butte_ctz_t *z, const char *container_id, butte_container_stats_t *stats);

/*
 * butte_ctz_check - ask the container's isolators to report now a
 * limitation they would report later (isolator check slot): called when
 * an executor says a task failed, so the limitation callback runs before
 * the update is forwarded.
 */
void butte_ctz_check(butte_ctz_t *z, const char *container_id);

/* butte_ctz_isolators - the Mesos containerizer's isolators ("" none). */
const char *butte_ctz_isolators(const butte_ctz_t *z);

/*
 * butte_ctz_params - the module parameters a first-party library gets from
 * agent flags ("cgroups_isolators": cgroups_hierarchy, cgroups_root,
 * cgroups_enable_cfs, cgroups_limit_swap, cgroups_destroy_timeout (secs),
 * runtime_dir, work_dir; "docker_containerizer": docker, docker_socket,
 * docker_remove_delay (secs), docker_stop_timeout (secs),
 * docker_kill_orphans, docker_config, launcher_dir, work_dir, runtime_dir,
 * switch_user).  Booleans "true"/"false", durations seconds.  Allocated
 * from pool; an empty set for other libraries.
 */
butte_params_t butte_ctz_params(butte_pool_t *pool, const butte_flags_t *flags,
                                const char *library);

#endif
