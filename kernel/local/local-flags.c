/*
 * kernel/local/local-flags.c - the flag table of mesos-local.
 *
 * Mesos' local cluster takes the master's flags and the agents' flags
 * together.  We keep one source of truth per flag: the table is built at
 * start-up from
 *   1. the master's table (kernel/master/master-flags.c), with two defaults
 *      changed: --work_dir=/tmp/mesos-local (the agents' sandboxes live
 *      under it) and --registry=in_memory (mesos-local has no replicated
 *      log);
 *   2. mesos-local's own flags (--num_slaves and its alias --num_agents);
 *   3. the agent-only flags listed in AGENT_ONLY below, copied from the
 *      agent's table (kernel/agent/agent-flags.c), so their type, default,
 *      group and help stay the agent's.
 * AGENT_ONLY is a static list on purpose: an agent flag joins mesos-local
 * only when someone decided it means something for every agent of a local
 * cluster.  Per-agent state (--runtime_dir, --fetcher_cache_dir, ...) and
 * --master/--work_dir (mesos-local sets them per agent) stay out.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "local/local-internal.h"

#define AGENT_ONLY_LIST                                                                  \
    "resources", "attributes", "default_role", "isolation", "containerizers",            \
        "launcher", "launcher_dir", "switch_user", "frameworks_home",                    \
        "sandbox_directory", "executor_registration_timeout",                            \
        "executor_shutdown_grace_period", "executor_environment_variables",              \
        "registration_backoff_factor", "http_command_executor", "gc_delay",              \
        "gc_disk_headroom",                                                              \
        "disk_watch_interval", "cgroups_root", "cgroups_hierarchy", "docker",            \
        "docker_socket", "docker_stop_timeout", "image_providers", "container_logger",   \
        "default_container_info", "hadoop_home", "strict", "recover"

static const char *const AGENT_ONLY[] = { AGENT_ONLY_LIST, NULL };

const char *const butte_local_forwarded[] = { AGENT_ONLY_LIST, "ip", "hostname",
                                              "advertise_ip", NULL };

static const butte_flag_def_t LOCAL_OWN[] = {
    { "num_slaves", BUTTE_FLAG_INT, "1", "mesos-local",
      "How many agents to run in this process; agent N serves its endpoints under "
      "/slave(N) and keeps its sandboxes in <work_dir>/agents/N",
      BUTTE_FLAG_IMPLEMENTED, NULL },
    { "num_agents", BUTTE_FLAG_INT, NULL, "mesos-local",
      "Same as --num_slaves (Mesos' newer name); give one or the other",
      BUTTE_FLAG_IMPLEMENTED, NULL },
};

static const butte_flag_def_t *
find(const butte_flag_def_t *table, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(table[i].name, name) == 0)
            return &table[i];
    return NULL;
}

butte_flag_def_t *
butte_local_flags_build(size_t *n)
{
    size_t cap = butte_master_flags_count + sizeof LOCAL_OWN / sizeof LOCAL_OWN[0] +
                 sizeof AGENT_ONLY / sizeof AGENT_ONLY[0];
    butte_flag_def_t *t = calloc(cap, sizeof *t);
    size_t k = 0;

    if (t == NULL)
        abort(); /* start-up; nothing sensible to do without memory */
    for (size_t i = 0; i < butte_master_flags_count; i++) {
        t[k] = butte_master_flags[i];
        if (strcmp(t[k].name, "work_dir") == 0) {
            t[k].def = "/tmp/mesos-local";
            t[k].help = "Where the agents keep their sandboxes (agent N in "
                        "<work_dir>/agents/N)";
        } else if (strcmp(t[k].name, "registry") == 0) {
            t[k].def = "in_memory";
            t[k].help = "Where the registry is kept: mesos-local keeps it in memory";
        }
        k++;
    }
    for (size_t i = 0; i < sizeof LOCAL_OWN / sizeof LOCAL_OWN[0]; i++)
        t[k++] = LOCAL_OWN[i];
    for (size_t i = 0; AGENT_ONLY[i] != NULL; i++) {
        const butte_flag_def_t *d =
            find(butte_agent_flags, butte_agent_flags_count, AGENT_ONLY[i]);

        /* a name the agent table lost, or that the master table gained,
         * is simply not forwarded (never a duplicate entry) */
        if (d != NULL && find(t, k, d->name) == NULL)
            t[k++] = *d;
    }
    *n = k;
    return t;
}

void
butte_local_flags_free(butte_flag_def_t *table)
{
    free(table);
}
