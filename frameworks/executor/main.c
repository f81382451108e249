/*
 * frameworks/executor/main.c - mesos-executor: the built-in command
 * executor.  The agent starts it in the task's sandbox with the MESOS_*
 * environment (mesos-protocol.md §B.3); it subscribes over the v1 executor
 * API, runs the tasks it is given, reports their states, and exits once
 * every task is terminal and its updates acknowledged.
 *
 * Exit status: 0 after a normal end (tasks done, or SHUTDOWN), 1 when the
 * agent went away for good, 2 for a bad environment.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/flags-internal.h"
#include "core/loop-internal.h"
#include "executor.h"

static const char *need(const char *name)
{
    const char *v = getenv(name);
    if (v == NULL || v[0] == '\0') {
        fprintf(stderr, "mesos-executor: %s is not set: this program is started by "
                        "mesos-agent\n", name);
        exit(2);
    }
    return v;
}

static double duration_env(const char *name, double dflt)
{
    const char *v = getenv(name);
    if (v == NULL || v[0] == '\0')
        return dflt;
    double secs;
    butte_err_t err;
    if (butte_parse_duration(v, &secs, &err) != 0) {
        fprintf(stderr, "mesos-executor: ignoring %s=%s: %s\n", name, v, err.msg);
        return dflt;
    }
    return secs;
}

/* "ip:port" or "[v6]:port". */
static void parse_endpoint(exec_t *ex, const char *ep)
{
    const char *colon = strrchr(ep, ':');
    char *end;
    unsigned long port = colon != NULL ? strtoul(colon + 1, &end, 10) : 0;
    if (colon == NULL || colon == ep || *end != '\0' || port == 0 || port > 65535) {
        fprintf(stderr, "mesos-executor: cannot use MESOS_AGENT_ENDPOINT=%s: expected ip:port\n",
                ep);
        exit(2);
    }
    const char *h = ep;
    size_t hlen = (size_t)(colon - ep);
    if (h[0] == '[' && hlen >= 2 && h[hlen - 1] == ']') {
        h++;
        hlen -= 2;
    }
    ex->agent_host = butte_pool_strndup(ex->pool, h, hlen);
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

int main(int argc, char **argv)
{
    (void)argv;
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("Usage: mesos-executor\n\nThe built-in command executor.  mesos-agent starts "
               "it with MESOS_FRAMEWORK_ID,\nMESOS_EXECUTOR_ID, MESOS_AGENT_ENDPOINT and "
               "MESOS_DIRECTORY in its environment.\n");
        return 0;
    }
    setvbuf(stderr, NULL, _IOLBF, 0);
    exec_t ex;
    memset(&ex, 0, sizeof ex);
    ex.pool = butte_pool_create(NULL);
    ex.framework_id = need("MESOS_FRAMEWORK_ID");
    ex.executor_id = need("MESOS_EXECUTOR_ID");
    parse_endpoint(&ex, need("MESOS_AGENT_ENDPOINT"));
    ex.api_path = api_path(ex.pool, getenv("MESOS_SLAVE_PID"));
    ex.directory = getenv("MESOS_DIRECTORY");
    if (ex.directory == NULL || ex.directory[0] == '\0')
        ex.directory = getenv("MESOS_SANDBOX");
    if (ex.directory == NULL || ex.directory[0] == '\0') {
        static char cwd[4096];
        ex.directory = getcwd(cwd, sizeof cwd) != NULL ? cwd : ".";
    }
    const char *cp = getenv("MESOS_CHECKPOINT");
    ex.checkpoint = cp != NULL && strcmp(cp, "1") == 0;
    ex.recovery_timeout = duration_env("MESOS_RECOVERY_TIMEOUT", 15 * 60);
    ex.backoff_max = duration_env("MESOS_SUBSCRIPTION_BACKOFF_MAX", 2);
    /* Leave the agent a second of its grace period to see our last
     * updates before it destroys the container. */
    ex.shutdown_grace = duration_env("MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", 5) - 1;
    if (ex.shutdown_grace < 0)
        ex.shutdown_grace = 0;
    const char *tok = getenv("MESOS_EXECUTOR_AUTHENTICATION_TOKEN");
    ex.token = tok != NULL && tok[0] != '\0' ? tok : NULL;
    /* Mesos' executor speaks protobuf; JSON helps when debugging an agent. */
    const char *ct = getenv("BUTTE_EXECUTOR_CONTENT_TYPE");
    ex.json = ct != NULL && strcmp(ct, "json") == 0;

    butte_err_t err;
    ex.loop = butte_loop_create(&err);
    if (ex.loop == NULL) {
        fprintf(stderr, "mesos-executor: %s\n", err.msg);
        return 1;
    }
    ex.http = butte_httpc_create(ex.pool, ex.loop, ex.agent_host, ex.agent_port, 30);
    tasks_init(&ex);
    exec_subscribe(&ex);
    int sig = butte_loop_run(ex.loop);
    if (sig != 0) {
        /* SIGTERM from the agent destroying us: take the tasks along */
        tasks_kill_now(&ex);
        ex.exit_status = 0;
    }
    int status = ex.exit_status;
    butte_timer_stop(ex.exit_timer);
    butte_timer_stop(ex.retry_timer);
    for (task_t *t = ex.tasks; t != NULL; t = t->next)
        butte_timer_stop(t->kill_timer);
    butte_pool_destroy(ex.pool);
    butte_loop_destroy(ex.loop);
    return status;
}
