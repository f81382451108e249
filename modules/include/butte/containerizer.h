/*
 * butte/containerizer.h - the containerizer kind: launches, watches and
 * destroys containers (--containerizers=mesos,docker; the docker
 * containerizer lives in isolators/docker).  Mesos has containerizers
 * built in; in Butte they are modules.  The agent asks each containerizer
 * in --containerizers order; the first that does not decline a launch owns
 * the container.
 *
 * Launching and destroying wait on other processes, so those slots are
 * asynchronous: they start the work, return at once, and report the
 * outcome later through a callback the kernel passes.
 *
 * Conventions for every slot unless it says otherwise:
 * - state is the instance state from create().
 * - Runs on the agent's loop thread and must not block; waiting is done
 *   by child watches and threads that hand results back with
 *   butte_loop_post(), and every callback below is called on the loop.
 * - Arguments are borrowed for the call; copy what you keep.
 * - Slots returning int return 0, or a negative BUTTE_E* with err filled.
 *   When an asynchronous slot returns an error its callback is not called.
 * - A container id unknown to the containerizer gives BUTTE_ENOTFOUND.
 *
 * Ops table rules (see module.h): starts with size, append-only; slots
 * marked "required" must be non-NULL or the module is rejected at load.
 */
#ifndef BUTTE_CONTAINERIZER_H
#define BUTTE_CONTAINERIZER_H

#include <butte/isolator.h>

BUTTE_BEGIN_DECLS

/* How a container ended (mesos ContainerTermination). */
typedef struct butte_container_termination {
    uint32_t size;
    bool has_status;   /* false: the exit status is unknown (recovered, lost) */
    int status;        /* wait(2) status of the container's init process */
    int state;         /* mesos.v1.TaskState the tasks should end in */
    int reason;        /* mesos.v1.TaskStatus.Reason, 0 = none */
    const char *message; /* why, for TaskStatus.message; may be NULL */
} butte_container_termination_t;

/*
 * butte_launch_done_fn - a launch finished.  code: 0 = the container runs,
 * BUTTE_EDECLINED = this containerizer does not launch this kind of
 * container (the agent asks the next one), other negative = the launch
 * failed, err says why.  err is borrowed for the call.  Called once.
 */
typedef void (*butte_launch_done_fn)(void *ctx, const char *container_id, int code,
                                     const butte_err_t *err);

/*
 * butte_wait_fn - container_id terminated; term is borrowed for the call.
 * Called once per wait() registration.
 */
typedef void (*butte_wait_fn)(void *ctx, const char *container_id,
                              const butte_container_termination_t *term);

/* butte_destroy_done_fn - a destroy finished: code 0 or a negative
 * BUTTE_E* with err (borrowed) filled.  Called once. */
typedef void (*butte_destroy_done_fn)(void *ctx, const char *container_id, int code,
                                      const butte_err_t *err);

typedef struct butte_containerizer_ops {
    uint32_t size;     /* sizeof (butte_containerizer_ops_t) at build time */
    uint32_t features; /* none defined yet; 0 */

    /*
     * recover - after an agent restart, re-attach to the containers the
     * agent checkpointed (n entries) that this containerizer launched,
     * and destroy the ones it knows but the agent does not.  Called once,
     * before any other slot; synchronous.  Optional: NULL = nothing to
     * recover.  Failure stops agent start-up.
     */
    int (*recover)(void *state, const butte_container_state_t *containers, size_t n,
                   butte_err_t *err);

    /*
     * launch - start a container for config.  Required.  Returns 0 when
     * the launch started (done is called later, once) or an error at once
     * (done is not called).  A containerizer that does not handle config
     * (e.g. a docker image for the mesos containerizer) may also return
     * BUTTE_EDECLINED at once.
     */
    int (*launch)(void *state, const butte_container_config_t *config,
                  butte_launch_done_fn done, void *ctx, butte_err_t *err);

    /*
     * update - new resources for a running container.  Synchronous.
     * Optional: NULL = resources are not enforced after launch.
     */
    int (*update)(void *state, const char *container_id, const butte_resources_t *requests,
                  const butte_resources_t *limits, butte_err_t *err);

    /* usage - fill *stats (see butte_container_stats_t).  Synchronous.
     * Optional: NULL = no statistics. */
    int (*usage)(void *state, const char *container_id, butte_container_stats_t *stats,
                 butte_err_t *err);

    /*
     * status - *out set to a serialized mesos.v1.ContainerStatus allocated
     * from pool.  Synchronous.  Optional: NULL = no container status.
     */
    int (*status)(void *state, const char *container_id, butte_pool_t *pool, butte_pb_t *out,
                  butte_err_t *err);

    /*
     * wait - call fn(ctx, ...) once when container_id terminates (at once,
     * from a deferred callback, if it already has and the containerizer
     * still remembers it).  Several waits per container are allowed.
     * Required.  BUTTE_ENOTFOUND for an unknown container.
     */
    int (*wait)(void *state, const char *container_id, butte_wait_fn fn, void *ctx,
                butte_err_t *err);

    /*
     * destroy - kill every process of the container and its nested
     * containers, clean up its isolation, then call done once; waiters
     * registered with wait() are called before done.  Required.
     */
    int (*destroy)(void *state, const char *container_id, butte_destroy_done_fn done,
                   void *ctx, butte_err_t *err);

    /*
     * kill - send signal to the container's init process without
     * destroying it (a graceful kill before destroy).  Optional: NULL =
     * the agent goes straight to destroy().
     */
    int (*kill)(void *state, const char *container_id, int signal, butte_err_t *err);

    /*
     * containers - the ids of every container this containerizer runs,
     * as an array of *n strings allocated from pool.  Required (the agent
     * reconciles its checkpoints with it).
     */
    int (*containers)(void *state, butte_pool_t *pool, const char ***ids, size_t *n,
                      butte_err_t *err);

    /* ABI 1.x: new slots go below this line, never above. */
} butte_containerizer_ops_t;

BUTTE_END_DECLS

#endif
