/*
 * butte/hook.h - the hook kind: decorators and notifications on the task
 * launch path (--hooks=a,b).  Mirrors Mesos' mesos::Hook.  Every slot is
 * optional: NULL means "not interested".
 *
 * The kernel owns the hook list and calls hooks in --hooks order; modules
 * never see each other.  A decorator answers one of three ways:
 *   - return 0 and leave *out absent      -> no change,
 *   - return 0 and set *out                -> *out replaces the value; the
 *                                             next hook sees the replacement
 *                                             (so the last hook wins),
 *   - return a negative BUTTE_E* with err  -> the kernel logs a warning
 *                                             naming the hook and keeps the
 *                                             value it had (as Mesos does).
 * Notifications return nothing and cannot fail.
 *
 * Conventions for every slot:
 * - state is the instance state from create().
 * - Runs on the loop thread of the master or agent, in the middle of a
 *   launch or status update: must not block.
 * - Protocol objects are serialized mesos.v1 messages (butte_pb_t, see
 *   resources.h), borrowed for the call.  Replacements are allocated from
 *   pool (the request's), which the kernel copies from before it dies.
 * - *out is zeroed (absent) by the kernel before each call.
 *
 * Ops table rules (see module.h): starts with size, append-only.
 */
#ifndef BUTTE_HOOK_H
#define BUTTE_HOOK_H

#include <butte/module.h>
#include <butte/resources.h>

BUTTE_BEGIN_DECLS

typedef struct butte_hook_ops {
    uint32_t size;     /* sizeof (butte_hook_ops_t) at build time */
    uint32_t features; /* none defined yet; 0 */

    /*
     * master_launch_task_labels - masterLaunchTaskLabelDecorator: the
     * master is about to send task (TaskInfo) of framework (FrameworkInfo)
     * to agent (AgentInfo).  *out: replacement mesos.v1.Labels of the task.
     */
    int (*master_launch_task_labels)(void *state, butte_pool_t *pool, butte_pb_t task,
                                     butte_pb_t framework, butte_pb_t agent, butte_pb_t *out,
                                     butte_err_t *err);

    /*
     * master_launch_task_resources - masterLaunchTaskResourceDecorator:
     * task (TaskInfo) is launched on an agent offering agent_resources.
     * *out: replacement resources of the task, in pool (butte_resources_*).
     */
    int (*master_launch_task_resources)(void *state, butte_pool_t *pool, butte_pb_t task,
                                        const butte_resources_t *agent_resources,
                                        const butte_resources_t **out, butte_err_t *err);

    /* master_agent_lost - masterSlaveLostHook: agent (AgentInfo) was
     * removed from the cluster.  Notification. */
    void (*master_agent_lost)(void *state, butte_pb_t agent);

    /*
     * agent_run_task_labels - slaveRunTaskLabelDecorator: the agent is
     * about to run task (TaskInfo) with executor (ExecutorInfo) for
     * framework (FrameworkInfo) on agent (AgentInfo).  *out: replacement
     * mesos.v1.Labels of the task.
     */
    int (*agent_run_task_labels)(void *state, butte_pool_t *pool, butte_pb_t task,
                                 butte_pb_t executor, butte_pb_t framework, butte_pb_t agent,
                                 butte_pb_t *out, butte_err_t *err);

    /*
     * agent_executor_environment - slaveExecutorEnvironmentDecorator:
     * executor (ExecutorInfo) is about to start.  *out: replacement
     * mesos.v1.Environment of its command.
     */
    int (*agent_executor_environment)(void *state, butte_pool_t *pool, butte_pb_t executor,
                                      butte_pb_t *out, butte_err_t *err);

    /*
     * agent_docker_task_executor - slavePreLaunchDockerTaskExecutorDecorator:
     * a docker executor is about to start.  task (TaskInfo) may be absent;
     * executor (ExecutorInfo); container_name, container_workdir (the
     * sandbox inside the container), sandbox (the mapped host directory);
     * env (Environment the executor would get).  *out: replacement
     * mesos.v1.Environment for the executor.  Must not block: Mesos allows
     * a future here, Butte does not.
     */
    int (*agent_docker_task_executor)(void *state, butte_pool_t *pool, butte_pb_t task,
                                      butte_pb_t executor, const char *container_name,
                                      const char *container_workdir, const char *sandbox,
                                      butte_pb_t env, butte_pb_t *out, butte_err_t *err);

    /* agent_post_fetch - slavePostFetchHook: the fetcher finished for
     * container_id in directory.  Notification. */
    void (*agent_post_fetch)(void *state, const char *container_id, const char *directory);

    /* agent_remove_executor - slaveRemoveExecutorHook: executor
     * (ExecutorInfo) of framework (FrameworkInfo) was removed.
     * Notification. */
    void (*agent_remove_executor)(void *state, butte_pb_t framework, butte_pb_t executor);

    /*
     * agent_task_status - slaveTaskStatusDecorator: the agent forwards
     * status (TaskStatus) of framework_id.  *out: replacement
     * mesos.v1.TaskStatus; the kernel takes only its labels and
     * container_status from it, as Mesos does.
     */
    int (*agent_task_status)(void *state, butte_pool_t *pool, const char *framework_id,
                             butte_pb_t status, butte_pb_t *out, butte_err_t *err);

    /*
     * agent_resources - slaveResourcesDecorator: the agent registers with
     * agent (AgentInfo).  *out: replacement total resources, in pool.
     */
    int (*agent_resources)(void *state, butte_pool_t *pool, butte_pb_t agent,
                           const butte_resources_t **out, butte_err_t *err);

    /*
     * agent_attributes - slaveAttributesDecorator: as agent_resources for
     * attributes.  *out: a mesos.v1.AgentInfo of which only .attributes is
     * read (AgentInfo.attributes has no message of its own).
     */
    int (*agent_attributes)(void *state, butte_pool_t *pool, butte_pb_t agent, butte_pb_t *out,
                            butte_err_t *err);

    /* ABI 1.x: new slots go below this line, never above. */
} butte_hook_ops_t;

BUTTE_END_DECLS

#endif
