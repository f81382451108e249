/*
 * frameworks/executor/executor.h - mesos-executor, the built-in command
 * executor: shared state of its parts.
 *
 *   main.c   environment (MESOS_*), the loop, exiting;
 *   api.c    the v1 executor API client: SUBSCRIBE stream, events, UPDATE
 *            calls, unacknowledged updates, resubscription;
 *   tasks.c  running tasks: fork into a process group of their own, reap,
 *            kill (SIGTERM, grace period, SIGKILL to the whole group);
 *   fetch.c  CommandInfo.uris into the sandbox.
 *
 * One process, one loop, no threads.  Memory: the executor's pool lives as
 * long as the process; each task and each update has a pool of its own,
 * destroyed when the task is forgotten / the update acknowledged.
 */
#ifndef BUTTE_EXECUTOR_H
#define BUTTE_EXECUTOR_H

#include <sys/types.h>

#include <butte/error.h>
#include <butte/loop.h>
#include <butte/pool.h>
#include <butte/recordio.h>

#include "core/httpc-internal.h"
#include "mesos/v1/executor.pb-c.h"

typedef struct task {
    struct task *next;
    butte_pool_t *pool;
    Mesos__V1__TaskInfo *info; /* a copy in pool */
    const char *id;
    pid_t pid;           /* leader of the task's process group; 0 before fork */
    int state;           /* the last state sent */
    bool terminal;       /* a terminal update was sent */
    bool killing;        /* SIGTERM sent */
    bool acknowledged;   /* the agent acknowledged one of its updates */
    double grace;        /* seconds between SIGTERM and SIGKILL */
    butte_timer_t *kill_timer;
} task_t;

typedef struct update {
    struct update *next;
    butte_pool_t *pool;
    Mesos__V1__TaskStatus *status; /* in pool */
    task_t *task;
} update_t;

typedef struct exec {
    butte_loop_t *loop;
    butte_pool_t *pool;
    /* from the environment */
    const char *framework_id;
    const char *executor_id;
    const char *agent_host;
    uint16_t agent_port;
    const char *api_path;  /* "/slave(N)/api/v1/executor" from MESOS_SLAVE_PID */
    const char *directory; /* the sandbox */
    const char *token;     /* MESOS_EXECUTOR_AUTHENTICATION_TOKEN or NULL */
    bool checkpoint;
    bool json;             /* JSON bodies instead of protobuf */
    double recovery_timeout;
    double backoff_max;
    double shutdown_grace;
    /* the API connection */
    butte_httpc_t *http;
    butte_httpc_stream_t *stream;
    butte_pool_t *stream_pool;
    butte_recordio_decoder_t *dec;
    bool subscribed;
    char agent_id[256];
    double disconnected_at; /* 0 while connected */
    double backoff;
    butte_timer_t *retry_timer;
    /* tasks and updates */
    task_t *tasks;
    update_t *updates;       /* not yet acknowledged, oldest first */
    bool launched_any;
    bool shutting_down;
    butte_timer_t *exit_timer;
    int exit_status;
} exec_t;

/* api.c */
/*
 * exec_env_load - fill ex's identity, agent endpoint, API path, sandbox
 * and timeouts from the MESOS_* environment mesos-agent gives executors.
 * directory: the sandbox when the caller knows it, else NULL
 * (MESOS_DIRECTORY, MESOS_SANDBOX, then the working directory).  ex->pool
 * must be set.  A missing required variable prints why (prefixed with
 * prog) and exits 2.
 */
void exec_env_load(exec_t *ex, const char *prog, const char *directory);

void exec_subscribe(exec_t *ex);
/* exec_update - send (and keep until acknowledged) a status update for
 * task; message and reason (< 0: none) optional. */
void exec_update(exec_t *ex, task_t *task, int state, const char *message, int reason);
/* exec_maybe_exit - when every task is terminal and acknowledged (or the
 * executor is shutting down), stop the loop after a short grace. */
void exec_maybe_exit(exec_t *ex);
/* exec_quit - stop the loop now with status. */
void exec_quit(exec_t *ex, int status);

/* tasks.c */
void tasks_init(exec_t *ex);
void tasks_launch(exec_t *ex, const Mesos__V1__TaskInfo *info);
void tasks_kill(exec_t *ex, const char *task_id, const Mesos__V1__KillPolicy *policy);
void tasks_kill_all(exec_t *ex, double max_grace);
/* tasks_kill_now - SIGKILL every task's process group (before exiting). */
void tasks_kill_now(exec_t *ex);
task_t *tasks_find(exec_t *ex, const char *task_id);

/* fetch.c */
/* fetch_uris - fetch every URI of command into dir.  Returns 0, or a
 * negative code with err saying which URI and why. */
int fetch_uris(const Mesos__V1__CommandInfo *command, const char *dir, butte_err_t *err);

#endif
