/*
 * kernel/agent/main.c - mesos-agent (also installed as mesos-slave): the
 * agent role's start-up.
 *
 * The common start-up (flags, logging, modules, HTTP, signals) lives in
 * kernel/core/role.c; --master and --work_dir are REQUIRED in the agent's
 * flag table, so the flags loader already names them when they are missing.
 * The agent itself is kernel/agent/agent.c (agent-internal.h).
 */
#include "config.h"

#include "agent/agent-internal.h"
#include "core/role-internal.h"

int
main(int argc, char **argv)
{
    butte_agent_t *agent = NULL;
    butte_role_spec_t spec = {
        .name = "agent",
        .flags = butte_agent_flags,
        .nflags = butte_agent_flags_count,
        /* the path libprocess gives the agent's first (only) process */
        .prefix = "/slave(1)",
        .validate = butte_agent_check_flags,
        .start = butte_agent_start,
        .stop = butte_agent_stop,
        .arg = &agent,
    };

    return butte_role_main(&spec, argc, argv);
}
