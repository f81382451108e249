/*
 * kernel/agent/agent-private.h - what agent.c (registration, messages,
 * tasks) and agent-http.c (endpoints) share.  Nothing else includes it.
 */
#ifndef BUTTE_AGENT_PRIVATE_H
#define BUTTE_AGENT_PRIVATE_H

#include <butte/log.h>
#include <butte/resources.h>

#include "agent/agent-internal.h"
#include "agent/status-updates-internal.h"
#include "core/link-internal.h"

typedef struct agent_task {
    struct agent_task *next;
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
    char *pid;          /* "slave(1)@ip:port" */
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
    /* metrics */
    uint64_t tasks_failed, tasks_killed, tasks_lost, tasks_finished;
    uint64_t valid_acks, invalid_acks, registrations;
};

/* agent-http.c: route /state, /slave(1)/state, /metrics/snapshot. */
void butte_agent_route(butte_agent_t *agent, const char *prefix);

/* agent.c: the state name ("TASK_STAGING"). */
const char *butte_agent_state_name(Mesos__V1__TaskState state);

#endif
