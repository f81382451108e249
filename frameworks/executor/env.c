/*
 * frameworks/executor/env.c - the MESOS_* environment every executor gets
 * from mesos-agent (executor.h: exec_env_load), shared by mesos-executor
 * and mesos-docker-executor.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/flags-internal.h"
#include "executor.h"

static const char *
need(const char *prog, const char *name)
{
    const char *v = getenv(name);

    if (v == NULL || v[0] == '\0') {
        fprintf(stderr, "%s: %s is not set: this program is started by mesos-agent\n", prog,
                name);
        exit(2);
    }
    return v;
}

static double
duration_env(const char *prog, const char *name, double dflt)
{
    const char *v = getenv(name);
    double secs;
    butte_err_t err;

    if (v == NULL || v[0] == '\0')
        return dflt;
    if (butte_parse_duration(v, &secs, &err) != 0) {
        fprintf(stderr, "%s: ignoring %s=%s: %s\n", prog, name, v, err.msg);
        return dflt;
    }
    return secs;
}

/* "ip:port" or "[v6]:port". */
static void
parse_endpoint(exec_t *ex, const char *prog, const char *ep)
{
    const char *colon = strrchr(ep, ':');
    char *end;
    unsigned long port = colon != NULL ? strtoul(colon + 1, &end, 10) : 0;

    if (colon == NULL || colon == ep || *end != '\0' || port == 0 || port > 65535) {
        fprintf(stderr, "%s: cannot use MESOS_AGENT_ENDPOINT=%s: expected ip:port\n", prog, ep);
        exit(2);
    }
    size_t hlen = (size_t)(colon - ep);
    if (ep[0] == '[' && hlen >= 2 && ep[hlen - 1] == ']') {
        ep++;
        hlen -= 2;
    }
    ex->agent_host = butte_pool_strndup(ex->pool, ep, hlen);
    ex->agent_port = (uint16_t)port;
}

/* The executor API lives under the agent's process id, as Mesos' executor
 * library addresses it: several agents can share one port (mesos-local
 * serves /slave(1), /slave(2), ...), and the pid "slave(N)@ip:port" says
 * which one is ours.  Without a usable pid the bare path is the agent's. */
static const char *
api_path(butte_pool_t *pool, const char *pid)
{
    const char *at = pid != NULL ? strchr(pid, '@') : NULL;

    if (at == NULL || at == pid || strncmp(pid, "slave(", 6) != 0 || at[-1] != ')')
        return "/api/v1/executor";
    return butte_pool_printf(pool, "/%.*s/api/v1/executor", (int)(at - pid), pid);
}

void
exec_env_load(exec_t *ex, const char *prog, const char *directory)
{
    static char cwd[4096];
    const char *v;

    ex->framework_id = need(prog, "MESOS_FRAMEWORK_ID");
    ex->executor_id = need(prog, "MESOS_EXECUTOR_ID");
    parse_endpoint(ex, prog, need(prog, "MESOS_AGENT_ENDPOINT"));
    ex->api_path = api_path(ex->pool, getenv("MESOS_SLAVE_PID"));
    ex->directory = directory;
    if (ex->directory == NULL || ex->directory[0] == '\0')
        ex->directory = getenv("MESOS_DIRECTORY");
    if (ex->directory == NULL || ex->directory[0] == '\0')
        ex->directory = getenv("MESOS_SANDBOX");
    if (ex->directory == NULL || ex->directory[0] == '\0')
        ex->directory = getcwd(cwd, sizeof cwd) != NULL ? cwd : ".";
    v = getenv("MESOS_CHECKPOINT");
    ex->checkpoint = v != NULL && strcmp(v, "1") == 0;
    ex->recovery_timeout = duration_env(prog, "MESOS_RECOVERY_TIMEOUT", 15 * 60);
    ex->backoff_max = duration_env(prog, "MESOS_SUBSCRIPTION_BACKOFF_MAX", 2);
    /* Leave the agent a second of its grace period to see our last
     * updates before it destroys the container. */
    ex->shutdown_grace = duration_env(prog, "MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", 5) - 1;
    if (ex->shutdown_grace < 0)
        ex->shutdown_grace = 0;
    v = getenv("MESOS_EXECUTOR_AUTHENTICATION_TOKEN");
    ex->token = v != NULL && v[0] != '\0' ? v : NULL;
    /* Mesos' executor speaks protobuf; JSON helps when debugging an agent. */
    v = getenv("BUTTE_EXECUTOR_CONTENT_TYPE");
    ex->json = v != NULL && strcmp(v, "json") == 0;
}
