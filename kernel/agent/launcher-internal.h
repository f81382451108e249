/*
 * kernel/agent/launcher-internal.h - what the agent calls to run a task.
 *
 * The agent keeps the framework, the executor and the task(s) of a RunTask
 * in its state (tasks in TASK_STAGING) before it calls the launcher, and
 * sends every state change the launcher reports with butte_agent_status()
 * (agent-internal.h) to the master, retried until acknowledged.
 *
 * The launcher (launcher.c) starts executors through the Mesos
 * containerizer (containerizer-internal.h): the built-in mesos-executor
 * from --launcher_dir for a command task, ExecutorInfo.command for a
 * custom executor or a task group; it hands them their tasks over the
 * executor API (executor-api.c).  All calls run on the loop and block only
 * for a fork and the sandbox's directories.
 */
#ifndef BUTTE_AGENT_LAUNCHER_INTERNAL_H
#define BUTTE_AGENT_LAUNCHER_INTERNAL_H

#include <butte/error.h>

#include "agent/agent-internal.h"
#include "butte/internal.pb-c.h"

/*
 * butte_agent_launch - start what runs run->task (or run->task_group with
 * run->executor).  run is borrowed for the call.  Return 0 when the launch
 * is under way (later states arrive through butte_agent_status), or a
 * BUTTE_E* code with err: the agent then fails each task of the RunTask
 * with TASK_FAILED, REASON_CONTAINER_LAUNCH_FAILED and err's message.
 */
int butte_agent_launch(butte_agent_t *agent, const Butte__Internal__RunTask *run,
                       butte_err_t *err);

/*
 * butte_agent_launcher_kill - kill a task the launcher runs.  0 when the
 * kill is under way (the launcher reports TASK_KILLED later),
 * BUTTE_ENOTFOUND when the launcher has nothing running for it (the agent
 * then reports TASK_KILLED itself).
 */
int butte_agent_launcher_kill(butte_agent_t *agent, const char *framework_id,
                              const char *task_id, const Mesos__V1__KillPolicy *policy,
                              butte_err_t *err);

/* butte_agent_launcher_shutdown_executor - scheduler SHUTDOWN of one
 * executor: SHUTDOWN event, SIGKILL after the grace period; its tasks that
 * did not end become TASK_KILLED.  BUTTE_ENOTFOUND when it does not run. */
int butte_agent_launcher_shutdown_executor(butte_agent_t *agent, const char *framework_id,
                                           const char *executor_id, butte_err_t *err);

/* butte_agent_launcher_message - scheduler MESSAGE to an executor (a
 * MESSAGE event); BUTTE_ENOTFOUND when it does not run or is not
 * subscribed. */
int butte_agent_launcher_message(butte_agent_t *agent, const char *framework_id,
                                 const char *executor_id, const uint8_t *data, size_t len,
                                 butte_err_t *err);

/* butte_agent_launcher_start / _stop - the containerizer (--isolation is
 * checked here: an unknown isolator fails start-up) and, at stop, every
 * executor killed. */
int butte_agent_launcher_start(butte_agent_t *agent, butte_err_t *err);
void butte_agent_launcher_stop(butte_agent_t *agent);

/* butte_agent_launcher_shutdown_framework - shut down every executor of
 * the framework (SHUTDOWN, then SIGKILL after the grace period), without
 * reporting its tasks (the framework is gone). */
void butte_agent_launcher_shutdown_framework(butte_agent_t *agent, const char *framework_id);

#endif
