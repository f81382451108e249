/*
 * kernel/agent/launcher-internal.h - what the agent calls to run a task.
 *
 * The agent keeps the framework, the executor and the task(s) of a RunTask
 * in its state (tasks in TASK_STAGING) before it calls the launcher, and
 * sends every state change the launcher reports with butte_agent_status()
 * (agent-internal.h) to the master, retried until acknowledged.
 *
 * This launcher (launcher.c) is honest: there is no containerizer
 * yet, so every launch fails and the agent reports TASK_FAILED
 * (REASON_CONTAINER_LAUNCH_FAILED).  The executor issue replaces launcher.c
 * with one that starts executors; this interface is what it implements.
 * All calls run on the loop and must not block.
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
                              const char *task_id, butte_err_t *err);

/* butte_agent_launcher_shutdown_framework - stop everything the launcher
 * runs for the framework, without reporting (the framework is gone). */
void butte_agent_launcher_shutdown_framework(butte_agent_t *agent, const char *framework_id);

#endif
