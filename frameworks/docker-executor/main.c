/*
 * frameworks/docker-executor/main.c - mesos-docker-executor (see
 * docker-executor.h).  The docker containerizer starts it in the task's
 * sandbox with the MESOS_* environment of an executor and Mesos' flags:
 *
 *   mesos-docker-executor --container=mesos-<id> --docker=<program>
 *       --docker_socket=<path> --sandbox_directory=<dir>
 *       --mapped_directory=/mnt/mesos/sandbox --stop_timeout=<duration>
 *       --launcher_dir=<dir>
 *
 * Flags it does not know are ignored (Mesos passes more over versions).
 * Exit status as mesos-executor's: 0 after a normal end, 1 when the agent
 * went away for good, 2 for a bad command line or environment.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/flags-internal.h"
#include "core/loop-internal.h"
#include "docker-executor.h"
#include "executor.h"

#define PROG "mesos-docker-executor"

/* --name=value (the only form Mesos passes) into o. */
static void parse_flags(int argc, char **argv, docker_opts_t *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *eq = strchr(a, '=');
        if (strncmp(a, "--", 2) != 0 || eq == NULL) {
            fprintf(stderr, PROG ": ignoring argument \"%s\"\n", a);
            continue;
        }
        size_t len = (size_t)(eq - a - 2);
        const char *v = eq + 1;
#define IS(n) (len == strlen(n) && strncmp(a + 2, n, len) == 0)
        if (IS("container"))
            o->container = v;
        else if (IS("docker"))
            o->d.docker = v;
        else if (IS("docker_socket"))
            o->d.socket = v;
        else if (IS("sandbox_directory"))
            o->sandbox = v;
        else if (IS("mapped_directory"))
            o->mapped = v;
        else if (IS("stop_timeout")) {
            butte_err_t err;
            if (butte_parse_duration(v, &o->stop_timeout, &err) != 0) {
                fprintf(stderr, PROG ": ignoring --stop_timeout=%s: %s\n", v, err.msg);
                o->stop_timeout = 0;
            }
        }
        /* --launcher_dir and anything newer: nothing to do with them */
#undef IS
    }
}

int main(int argc, char **argv)
{
    docker_opts_t o;
    exec_t ex;
    butte_err_t err;

    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("Usage: " PROG " --container=NAME [--docker=PROGRAM] [--docker_socket=PATH]\n"
               "       [--sandbox_directory=DIR] [--mapped_directory=DIR] "
               "[--stop_timeout=DURATION]\n\n"
               "Runs one command task in a docker container.  mesos-agent's docker "
               "containerizer\nstarts it with the environment of an executor.\n");
        return 0;
    }
    setvbuf(stderr, NULL, _IOLBF, 0);
    memset(&o, 0, sizeof o);
    o.d.docker = "docker";
    o.mapped = "/mnt/mesos/sandbox";
    parse_flags(argc, argv, &o);
    if (o.container == NULL || o.container[0] == '\0') {
        fprintf(stderr, PROG ": --container is required\n");
        return 2;
    }

    memset(&ex, 0, sizeof ex);
    ex.pool = butte_pool_create(NULL);
    exec_env_load(&ex, PROG, o.sandbox);
    o.sandbox = ex.directory;

    ex.loop = butte_loop_create(&err);
    if (ex.loop == NULL) {
        fprintf(stderr, PROG ": %s\n", err.msg);
        return 1;
    }
    fprintf(stderr, PROG ": container %s, docker %s on unix://%s, sandbox %s mapped to %s\n",
            o.container, o.d.docker, o.d.socket ? o.d.socket : "(default)", o.sandbox,
            o.mapped);
    ex.http = butte_httpc_create(ex.pool, ex.loop, ex.agent_host, ex.agent_port, 30);
    docker_tasks_configure(&o);
    tasks_init(&ex);
    exec_subscribe(&ex);
    int sig = butte_loop_run(ex.loop);
    if (sig != 0) {
        /* SIGTERM from the agent destroying us: take the container along */
        tasks_kill_now(&ex);
        ex.exit_status = 0;
    }
    int status = ex.exit_status;
    docker_tasks_cleanup();
    butte_timer_stop(ex.exit_timer);
    butte_timer_stop(ex.retry_timer);
    butte_pool_destroy(ex.pool);
    butte_loop_destroy(ex.loop);
    return status;
}
