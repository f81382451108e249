/*
 * kernel/agent/launcher.c - the launcher until executors exist: it refuses
 * every launch with the reason, so a framework sees TASK_FAILED at once
 * instead of a task that stays staging for ever.  The executor issue
 * replaces this file (launcher-internal.h is the contract).
 */
#include "config.h"

#include "agent/launcher-internal.h"

int
butte_agent_launch(butte_agent_t *agent, const Butte__Internal__RunTask *run, butte_err_t *err)
{
    return butte_err_set(err, BUTTE_EIO,
                         "no containerizer: executors arrive with the executor issue");
}

int
butte_agent_launcher_kill(butte_agent_t *agent, const char *framework_id, const char *task_id,
                          butte_err_t *err)
{
    return butte_err_set(err, BUTTE_ENOTFOUND, "nothing runs for task '%s'", task_id);
}

void
butte_agent_launcher_shutdown_framework(butte_agent_t *agent, const char *framework_id)
{
}
