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
    exec_env_load(&ex, "mesos-executor", NULL);

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
