/*
 * kernel/local/main.c - mesos-local: one master and N agents in ONE
 * process, on one loop, with the registry in memory and no ZooKeeper
 * (Mesos' local cluster; default port 5050).
 *
 * The process is a role like mesos-master (kernel/core/role.c does flags,
 * logging, modules, the HTTP server, BUTTE_PORT_FILE and signals), whose
 * flag table is the master's plus the local ones (local-flags.c).  start:
 *   1. starts the master on the role (butte_master_start) exactly as
 *      mesos-master does;
 *   2. creates agents 1..N (butte_agent_create) on the same loop and HTTP
 *      server.  Agent N gets its own flags, loaded from a command line this
 *      file writes: --master=<the master's own address>, --work_dir=
 *      <work_dir>/agents/N and the forwarded flags that were set.  Each
 *      agent registers over the real link on loopback (POST /master/link on
 *      the shared port): the same code path as separate processes.
 *   3. routes agent N's endpoints under /slave(N) only (the bare /state,
 *      /metrics/snapshot are the master's), and its pid is
 *      slave(N)@ip:port, which the master puts in Offer.url and /state, as
 *      Mesos' local cluster does.
 * stop destroys the agents (closing their links) and then stops the master.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent-internal.h"
#include "core/role-internal.h"
#include "local/local-internal.h"

/* kernel/master/master.c, in libbutte (as kernel/master/main.c declares). */
int butte_master_start(butte_role_t *role, void *arg, butte_err_t *err);
void butte_master_stop(butte_role_t *role, void *arg);

typedef struct local {
    void *master;            /* the butte_master_t, set by butte_master_start */
    bool master_started;
    butte_agent_t **agents;  /* in the role's pool */
    size_t n_agents;
} local_t;

/* The agent count: --num_slaves, or --num_agents (Mesos' newer name). */
static int64_t
num_agents(const butte_flags_t *flags)
{
    if (butte_flags_is_set(flags, "num_agents"))
        return butte_flags_int(flags, "num_agents");
    return butte_flags_int(flags, "num_slaves");
}

static int
validate(const butte_flags_t *flags, butte_err_t *err)
{
    const char *registry = butte_flags_str(flags, "registry");
    const char *work_dir = butte_flags_str(flags, "work_dir");
    int64_t n = num_agents(flags);

    if (butte_flags_is_set(flags, "num_agents") && butte_flags_is_set(flags, "num_slaves") &&
        butte_flags_int(flags, "num_agents") != butte_flags_int(flags, "num_slaves"))
        return butte_err_set(err, BUTTE_EINVAL,
                             "flags '--num_slaves' and '--num_agents' disagree; give one");
    if (n < 0 || n > 1000)
        return butte_err_set(err, BUTTE_EINVAL,
                             "flag '--%s' (%s): %lld is not between 0 and 1000",
                             butte_flags_is_set(flags, "num_agents") ? "num_agents"
                                                                     : "num_slaves",
                             butte_flags_origin(flags, butte_flags_is_set(flags, "num_agents")
                                                           ? "num_agents"
                                                           : "num_slaves"),
                             (long long)n);
    if (registry != NULL && strcmp(registry, "in_memory") != 0)
        return butte_err_set(err, BUTTE_EINVAL,
                             "flag '--registry': mesos-local keeps the registry in memory "
                             "(\"%s\" is not supported)",
                             registry);
    if (work_dir == NULL || *work_dir == '\0')
        return butte_err_set(err, BUTTE_EINVAL, "flag '--work_dir' must not be empty");
    return BUTTE_OK;
}

/* "ip:port" the agents dial: the master's bound address, loopback when it
 * listens on every interface. */
static const char *
master_address(butte_role_t *role)
{
    butte_http_t *http = butte_role_http(role);
    const char *bound = butte_http_address(http);
    unsigned port = butte_http_port(http);

    if (strncmp(bound, "0.0.0.0:", 8) == 0 || strncmp(bound, "[::]:", 5) == 0)
        return butte_pool_printf(butte_role_pool(role), "127.0.0.1:%u", port);
    return bound;
}

/* Agent n's flags: its own command line, parsed by the agent's table. */
static butte_flags_t *
agent_flags(butte_role_t *role, size_t n, butte_err_t *err)
{
    butte_pool_t *pool = butte_role_pool(role);
    const butte_flags_t *lf = butte_role_flags(role);
    size_t max = 3;
    char **argv;
    int argc = 0;
    butte_flags_t *f;

    for (size_t i = 0; butte_local_forwarded[i] != NULL; i++)
        max++;
    argv = butte_pool_alloc(pool, (max + 1) * sizeof *argv);
    argv[argc++] = (char *)"mesos-agent";
    argv[argc++] = butte_pool_printf(pool, "--master=%s", master_address(role));
    argv[argc++] = butte_pool_printf(pool, "--work_dir=%s/agents/%zu",
                                     butte_flags_str(lf, "work_dir"), n);
    for (size_t i = 0; butte_local_forwarded[i] != NULL; i++) {
        const char *name = butte_local_forwarded[i];
        const char *value;

        /* only names in our table (local-flags.c may have skipped one) */
        if (butte_flags_source(lf, name) == BUTTE_FLAG_SRC_DEFAULT)
            continue;
        value = butte_flags_str(lf, name);
        if (value != NULL)
            argv[argc++] = butte_pool_printf(pool, "--%s=%s", name, value);
    }
    argv[argc] = NULL;
    /* no /etc folders for the agents: mesos-local's own flags (which did
     * read them) are what it forwards */
    f = butte_flags_load(pool, butte_agent_flags, butte_agent_flags_count, "agent", argc, argv,
                         NULL, err);
    if (f == NULL)
        butte_err_prefix(err, "agent %zu", n);
    return f;
}

static void local_stop(butte_role_t *role, void *arg);

static int
local_start(butte_role_t *role, void *arg, butte_err_t *err)
{
    local_t *l = arg;
    int64_t n = num_agents(butte_role_flags(role));

    if (butte_master_start(role, &l->master, err) != BUTTE_OK)
        return err->code != 0 ? err->code : BUTTE_EINVAL;
    l->master_started = true;
    l->agents = butte_pool_alloc(butte_role_pool(role), ((size_t)n + 1) * sizeof *l->agents);
    for (size_t i = 1; i <= (size_t)n; i++) {
        butte_agent_env_t env = {
            .pool = butte_role_pool(role),
            .loop = butte_role_loop(role),
            .http = butte_role_http(role),
            .modules = butte_role_modules(role),
            .prefix = butte_pool_printf(butte_role_pool(role), "/slave(%zu)", i),
            .prefix_only = true,
        };
        butte_agent_t *a;

        env.flags = agent_flags(role, i, err);
        a = env.flags != NULL ? butte_agent_create(&env, err) : NULL;
        if (a == NULL) {
            if (env.flags != NULL)
                butte_err_prefix(err, "agent %zu", i);
            /* role.c calls stop only after a successful start: clean up */
            local_stop(role, l);
            return err->code != 0 ? err->code : BUTTE_EINVAL;
        }
        l->agents[l->n_agents++] = a;
    }
    butte_log(butte_role_log(role), BUTTE_LOG_INFO,
              "local cluster: 1 master and %zu agent(s) on %s", l->n_agents,
              butte_http_address(butte_role_http(role)));
    return BUTTE_OK;
}

static void
local_stop(butte_role_t *role, void *arg)
{
    local_t *l = arg;

    /* agents first: their links to the master close while it still exists */
    while (l->n_agents > 0)
        butte_agent_destroy(l->agents[--l->n_agents]);
    if (l->master_started)
        butte_master_stop(role, &l->master);
    l->master_started = false;
}

int
main(int argc, char **argv)
{
    local_t local = { 0 };
    size_t nflags = 0;
    butte_flag_def_t *flags = butte_local_flags_build(&nflags);
    butte_role_spec_t spec = {
        .name = "local",
        .flags = flags,
        .nflags = nflags,
        .prefix = "/master",
        .validate = validate,
        .start = local_start,
        .stop = local_stop,
        .arg = &local,
    };
    int rc = butte_role_main(&spec, argc, argv);

    butte_local_flags_free(flags);
    return rc;
}
