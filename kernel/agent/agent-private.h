/*
 * kernel/agent/agent-private.h - what agent.c (registration, messages,
 * tasks) and agent-http.c (endpoints) share.  Nothing else includes it.
 */
#ifndef BUTTE_AGENT_PRIVATE_H
#define BUTTE_AGENT_PRIVATE_H

#include <butte/log.h>
#include <butte/resources.h>

#include "agent/agent-internal.h"
#include "agent/files-internal.h"
#include "agent/gc-internal.h"
#include "agent/status-updates-internal.h"
#include "core/link-internal.h"

typedef struct agent_task {
    struct agent_task *next;
    butte_pool_t *pool; /* this task; a child of its framework's, freed when it is dropped */
    char *id;
    char *name;
    char *executor_id; /* NULL: a command task (its executor id is the task id) */
    Mesos__V1__TaskState state;
    butte_resources_t *resources;
} agent_task_t;

/* One framework with tasks here; lives in its own pool, freed with it. */
typedef struct agent_framework {
    struct agent_framework *next;
    butte_pool_t *pool;
    char *id;
    char *name;
    char *user;
    char *role;
    agent_task_t *tasks;
} agent_framework_t;

struct agent_executor;
struct butte_ctz;
struct sandbox_run;

struct butte_agent {
    butte_pool_t *pool;
    butte_loop_t *loop;
    butte_http_t *http;
    const butte_flags_t *flags;
    butte_log_t *log;
    char *master_host;
    uint16_t master_port;
    char *master_text;  /* "host:port" for /state */
    char *work_dir;
    char *hostname;
    char *ip;           /* advertised */
    uint16_t port;      /* advertised */
    char *pid;          /* "slave(1)@ip:port"; slave(N) under mesos-local */
    const char *prefix; /* "/slave(N)" or NULL (env->prefix, copied) */
    bool prefix_only;   /* endpoints only under prefix (env->prefix_only) */
    butte_resources_t *resources;
    butte_attributes_t *attributes;
    char *id;           /* malloc'd; NULL before the first registration */
    butte_link_t *link;
    bool registered;
    butte_timer_t *connect_timer;
    unsigned attempts;  /* n of the backoff b*2^n since the last success */
    double backoff_factor;
    double start_time;
    agent_framework_t *frameworks;
    butte_sum_t *sum;
    /* executors (executor-internal.h, launcher.c) */
    struct butte_ctz *ctz;            /* the --containerizers chain */
    struct agent_executor *executors;
    butte_modules_t *modules;         /* NULL: no isolators */
    /* sandboxes (agent-sandbox.c) */
    butte_files_t *files;             /* /files attachments */
    butte_gc_t *gc;
    struct sandbox_run *done_runs;    /* ended executors' runs waiting for acknowledgements */
    struct sandbox_run *gc_runs;      /* ... and those scheduled for removal (not scanned) */
    /* metrics */
    uint64_t tasks_failed, tasks_killed, tasks_lost, tasks_finished;
    uint64_t valid_acks, invalid_acks, registrations;
};

/* agent-link.c: --master as host and port (pool owns them); 0 or
 * BUTTE_EINVAL with err naming the flag. */
int butte_agent_parse_master(butte_pool_t *pool, const char *text, char **host,
                             uint16_t *port, butte_err_t *err);
/* agent-link.c: (re)connect after Mesos' random backoff; _send - one
 * envelope on the link (BUTTE_EIO when there is none). */
void butte_agent_schedule_connect(butte_agent_t *agent);
int butte_agent_send(butte_agent_t *agent, Butte__Internal__Envelope *env);

/* agent.c: what the master's messages do (agent-link.c dispatches). */
void butte_agent_run_task(butte_agent_t *agent, const Butte__Internal__RunTask *run);
void butte_agent_kill_task(butte_agent_t *agent, const Butte__Internal__KillTask *kill);
void butte_agent_shutdown_framework(butte_agent_t *agent, const char *framework_id);

/* agent-sandbox.c: /files and the collector (start: from --gc_delay,
 * --gc_disk_headroom, --disk_watch_interval; BUTTE_EINVAL for a bad
 * value); _launched - attach a new run's sandbox; _exited - its executor
 * ended: remember the run; _check - schedule every remembered run whose
 * tasks have no unacknowledged update left (after acks, exits, framework
 * shutdowns); _stop - drop the collector and the records. */
int butte_agent_sandbox_start(butte_agent_t *agent, butte_err_t *err);
void butte_agent_sandbox_stop(butte_agent_t *agent);
void butte_agent_sandbox_launched(butte_agent_t *agent, struct agent_executor *ex);
void butte_agent_sandbox_exited(butte_agent_t *agent, struct agent_executor *ex);
void butte_agent_sandbox_check(butte_agent_t *agent);

/* agent-http.c: route /state, /slave(1)/state, /metrics/snapshot. */
void butte_agent_route(butte_agent_t *agent, const char *prefix);

/* agent.c: the state name ("TASK_STAGING"). */
const char *butte_agent_state_name(Mesos__V1__TaskState state);

#endif
