/*
 * kernel/agent/executor-internal.h - the executors an agent runs, shared by
 * launcher.c (their life: launch, kill, shutdown, exit, registration
 * timeout), executor-api.c (POST /api/v1/executor, the event stream) and
 * agent-http.c (/monitor/statistics, /state).
 *
 * An executor lives from its launch until its process exited and its tasks
 * were reported; its memory is one pool, freed in butte_exec_forget.
 * Everything runs on the loop.
 */
#ifndef BUTTE_AGENT_EXECUTOR_INTERNAL_H
#define BUTTE_AGENT_EXECUTOR_INTERNAL_H

#include <sys/types.h>

#include "agent/agent-private.h"
#include "mesos/v1/executor.pb-c.h"

typedef enum exec_state {
    EXEC_REGISTERING, /* forked, not subscribed yet */
    EXEC_RUNNING,     /* subscribed at least once */
    EXEC_TERMINATING  /* asked to shut down or being destroyed */
} exec_state_t;

/* A task given to this executor. */
typedef struct exec_task {
    struct exec_task *next;
    char *id;
    bool launched;  /* its LAUNCH / LAUNCH_GROUP went out on the stream */
    bool killing;   /* a kill was asked: its end is TASK_KILLED */
    bool ended;     /* a terminal update was seen: its resources left the container */
    uint8_t *kill_policy; /* packed mesos.v1.KillPolicy of the TaskInfo, or NULL */
    size_t kill_policy_len;
    butte_resources_t *resources; /* the TaskInfo's, NULL when none */
} exec_task_t;

/* A LAUNCH or LAUNCH_GROUP waiting for the executor to subscribe. */
typedef struct exec_launch {
    struct exec_launch *next;
    bool group;     /* data is a TaskGroupInfo, else a TaskInfo */
    uint8_t *data;
    size_t len;
} exec_launch_t;

typedef struct agent_executor {
    struct agent_executor *next;
    butte_agent_t *agent;
    butte_pool_t *pool;
    char *framework_id;
    char *id;
    char *name;
    char *container_id;
    char *directory;
    char *meta_dir;         /* meta run folder when checkpointing, else NULL */
    uint8_t *info;          /* packed ExecutorInfo (framework_id set) */
    size_t info_len;
    uint8_t *framework;     /* packed FrameworkInfo */
    size_t framework_len;
    bool command;           /* the built-in command executor */
    bool checkpoint;
    exec_state_t state;
    pid_t pid;
    butte_http_req_t *stream; /* the SUBSCRIBE stream, NULL when disconnected */
    bool stream_json;
    exec_task_t *tasks;
    exec_launch_t *queue, *queue_tail;
    uint8_t (*seen)[16];    /* uuids of the updates already stored */
    size_t n_seen, cap_seen;
    butte_timer_t *reg_timer, *grace_timer, *heartbeat;
    double grace;           /* shutdown grace period, seconds */
    int term_reason;        /* the agent destroyed it: this reason, else -1 */
    char *term_message;
    butte_resources_t *resources; /* executor's plus its tasks' */
    butte_resources_t *limits;    /* TaskInfo.limits applied, NULL = none */
    double launched_at;
} agent_executor_t;

/* launcher.c */
/*
 * butte_exec_task_ended - a task of ex reached a terminal state: its
 * resources leave the executor's container (the containerizer's update(),
 * as Mesos does).  Once per task; unknown ids are ignored.
 */
void butte_exec_task_ended(agent_executor_t *ex, const char *task_id);
/*
 * butte_exec_limits - the container limits of a command task's container
 * whose requests are requests (executor's plus the task's): for each
 * finite TaskInfo.limits entry, the requests with that resource's task
 * request replaced by the limit.  An infinite limit is left out (the
 * isolator then uses the request).  NULL when the task sets no limits.
 */
butte_resources_t *butte_exec_limits(butte_pool_t *pool, const butte_resources_t *requests,
                                     const Mesos__V1__TaskInfo *ti);
agent_executor_t *butte_exec_find(butte_agent_t *a, const char *framework_id, const char *id);
/* butte_exec_shutdown - SHUTDOWN event (or kill now when it cannot hear
 * one), SIGKILL after its grace period. */
void butte_exec_shutdown(agent_executor_t *ex);
/* butte_exec_task_meta - the checkpoint folder of the task's update
 * stream (.../runs/<c>/tasks/<t>, from pool) when its executor's
 * framework checkpoints, else NULL. */
char *butte_exec_task_meta(butte_agent_t *a, const char *framework_id, const char *task_id,
                           butte_pool_t *pool);
/* butte_exec_flush - the executor is subscribed: send its queued launches. */
void butte_exec_flush(agent_executor_t *ex);
/* butte_exec_destroy_all - agent going away: kill every container. */
void butte_exec_destroy_all(butte_agent_t *a);

/* launcher-env.c */
/* butte_exec_env - the NULL-terminated environment of a new executor (not
 * the agent's: --executor_environment_variables or a default PATH, cmd's
 * variables (cmd may be NULL), then the MESOS_* variables naming this
 * agent: MESOS_SLAVE_PID is the agent's pid, "slave(N)@ip:port", whose id
 * is the path prefix of its endpoints).  Strings from pool. */
const char **butte_exec_env(butte_agent_t *a, agent_executor_t *ex,
                            const Mesos__V1__CommandInfo *cmd, const char *launcher_dir,
                            butte_pool_t *pool);
/* butte_exec_launcher_dir - --launcher_dir, else $BUTTE_LAUNCHER_DIR, else
 * the install's libexec/mesos. */
const char *butte_exec_launcher_dir(butte_agent_t *a);
/* butte_exec_command_info - the ExecutorInfo of the built-in command
 * executor (at path) for task ti; from pool. */
Mesos__V1__ExecutorInfo *butte_exec_command_info(butte_pool_t *pool, const char *framework_id,
                                                 const Mesos__V1__TaskInfo *ti,
                                                 const char *path, const char *dir);
/* butte_exec_uuid_text - a fresh random UUID as text (container ids). */
char *butte_exec_uuid_text(butte_pool_t *pool);
/* butte_exec_duration_text - Mesos' Duration text: "5secs", "2mins". */
char *butte_exec_duration_text(butte_pool_t *pool, double secs);
/* butte_exec_mkdirs - mkdir -p path (modified during the call, restored);
 * BUTTE_EIO with err naming the sandbox. */
int butte_exec_mkdirs(char *path, butte_err_t *err);

/* executor-api.c */
/* butte_exec_route - POST prefix/api/v1/executor and GET
 * prefix/monitor/statistics; the bare paths too unless a->prefix_only.
 * Under mesos-local (prefix_only) the bare /api/v1/executor is shared by
 * the agents of one server and reaches the agent that runs the call's
 * executor; butte_exec_unroute takes the agent out of that share. */
void butte_exec_route(butte_agent_t *a, const char *prefix);
void butte_exec_unroute(butte_agent_t *a);
/* butte_exec_send - one event on the executor's stream; false when it has
 * no stream. */
bool butte_exec_send(agent_executor_t *ex, const Mesos__V1__Executor__Event *ev);
/* butte_exec_close_stream - end the stream (the executor is gone). */
void butte_exec_close_stream(agent_executor_t *ex);

/* agent.c additions for executors */
/* butte_agent_state_terminal - FINISHED, FAILED, KILLED, LOST, ERROR,
 * DROPPED, GONE or GONE_BY_OPERATOR (agent.c). */
bool butte_agent_state_terminal(Mesos__V1__TaskState s);

/* butte_agent_task_state - the agent's state of a task; false if unknown. */
bool butte_agent_task_state(butte_agent_t *a, const char *framework_id, const char *task_id,
                            Mesos__V1__TaskState *state);
/* butte_agent_known_framework - the agent has the framework (tasks or an
 * executor). */
bool butte_agent_known_framework(butte_agent_t *a, const char *framework_id);
/* butte_agent_forward_update - an executor's UPDATE: the task's state
 * changes and the status (uuid, source, ... as the executor sent them;
 * agent_id, executor_id filled) joins the task's update stream.  Returns
 * when the update is stored (checkpointed when the framework asked). */
int butte_agent_forward_update(butte_agent_t *a, const char *framework_id,
                               const char *executor_id, const Mesos__V1__TaskStatus *status,
                               butte_err_t *err);
/* butte_agent_info_pb - the agent's AgentInfo (strings borrowed from the
 * agent, arrays from pool). */
void butte_agent_info_pb(butte_agent_t *a, butte_pool_t *pool, Mesos__V1__AgentInfo *info);
/* butte_agent_send_envelope - to the master; false when not connected. */
bool butte_agent_send_envelope(butte_agent_t *a, Butte__Internal__Envelope *env);

#endif
