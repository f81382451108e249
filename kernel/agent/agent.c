/*
 * kernel/agent/agent.c - the agent role (agent-internal.h): the
 * frameworks and tasks the master sent, their states and status updates,
 * and the agent's life cycle.  The link to the master (registration,
 * backoff, message dispatch) is in agent-link.c, endpoints in
 * agent-http.c, the retry of status updates in status-updates.c,
 * launching in launcher.c, sandboxes (/files, GC) in agent-sandbox.c.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <butte/version.h>

#include "agent/agent-private.h"
#include "agent/checkpoint-internal.h"
#include "agent/executor-internal.h"
#include "agent/launcher-internal.h"
#include "core/resources-pb.h"

/* ------------------------------------------------------------ helpers */

const char *
butte_agent_state_name(Mesos__V1__TaskState state)
{
    const ProtobufCEnumValue *v =
        protobuf_c_enum_descriptor_get_value(&mesos__v1__task_state__descriptor, (int)state);
    return v ? v->name : "TASK_UNKNOWN";
}

bool
butte_agent_state_terminal(Mesos__V1__TaskState s)
{
    return s == MESOS__V1__TASK_STATE__TASK_FINISHED || s == MESOS__V1__TASK_STATE__TASK_FAILED ||
           s == MESOS__V1__TASK_STATE__TASK_KILLED || s == MESOS__V1__TASK_STATE__TASK_LOST ||
           s == MESOS__V1__TASK_STATE__TASK_ERROR || s == MESOS__V1__TASK_STATE__TASK_DROPPED ||
           s == MESOS__V1__TASK_STATE__TASK_GONE ||
           s == MESOS__V1__TASK_STATE__TASK_GONE_BY_OPERATOR;
}

static agent_framework_t *
find_framework(butte_agent_t *a, const char *id)
{
    for (agent_framework_t *f = a->frameworks; f; f = f->next)
        if (strcmp(f->id, id) == 0)
            return f;
    return NULL;
}

static agent_task_t *
find_task(agent_framework_t *f, const char *id)
{
    for (agent_task_t *t = f ? f->tasks : NULL; t; t = t->next)
        if (strcmp(t->id, id) == 0)
            return t;
    return NULL;
}

static void
drop_framework(butte_agent_t *a, agent_framework_t *f)
{
    for (agent_framework_t **p = &a->frameworks; *p; p = &(*p)->next) {
        if (*p == f) {
            *p = f->next;
            break;
        }
    }
    butte_pool_destroy(f->pool);
}

static void
drop_task(butte_agent_t *a, agent_framework_t *f, const char *task_id)
{
    for (agent_task_t **p = &f->tasks; *p; p = &(*p)->next) {
        if (strcmp((*p)->id, task_id) == 0) {
            agent_task_t *t = *p;
            *p = t->next;
            /* its own pool: a framework that always has tasks running
             * must not keep every task it ever ran */
            butte_pool_destroy(t->pool);
            break;
        }
    }
    if (!f->tasks)
        drop_framework(a, f);
}

static int
sum_send(const Butte__Internal__StatusUpdate *u, void *arg)
{
    butte_agent_t *a = arg;
    Butte__Internal__Envelope env = BUTTE__INTERNAL__ENVELOPE__INIT;

    if (!a->registered)
        return BUTTE_EAGAIN;
    env.has_type = 1;
    env.type = BUTTE__INTERNAL__ENVELOPE__TYPE__STATUS_UPDATE;
    env.status_update = (Butte__Internal__StatusUpdate *)u;
    return butte_agent_send(a, &env);
}

/* The master relayed the acknowledgement: a terminal task is forgotten. */
static void
sum_acked(const Butte__Internal__StatusUpdate *u, void *arg)
{
    butte_agent_t *a = arg;
    agent_framework_t *f = find_framework(a, u->framework_id->value);

    if (butte_agent_state_terminal(u->status->state) && find_task(f, u->status->task_id->value))
        drop_task(a, f, u->status->task_id->value);
}

static void
set_state(butte_agent_t *a, agent_task_t *t, Mesos__V1__TaskState state)
{
    t->state = state;
    switch (state) {
    case MESOS__V1__TASK_STATE__TASK_FAILED: a->tasks_failed++; break;
    case MESOS__V1__TASK_STATE__TASK_KILLED: a->tasks_killed++; break;
    case MESOS__V1__TASK_STATE__TASK_LOST: a->tasks_lost++; break;
    case MESOS__V1__TASK_STATE__TASK_FINISHED: a->tasks_finished++; break;
    default: break;
    }
}

/* Into the task's stream; checkpointed when its framework asked. */
static int
queue_update(butte_agent_t *a, const Butte__Internal__StatusUpdate *u, butte_err_t *err)
{
    butte_pool_t *tmp = butte_pool_create(NULL);
    char *dir = butte_exec_task_meta(a, u->framework_id->value, u->status->task_id->value, tmp);
    int rc = butte_sum_update_at(a->sum, u, dir, err);

    butte_pool_destroy(tmp);
    return rc;
}

int
butte_agent_status(butte_agent_t *a, const char *framework_id, const char *task_id,
                   Mesos__V1__TaskState state, int reason, const char *message,
                   bool from_executor, butte_err_t *err)
{
    agent_framework_t *f = find_framework(a, framework_id);
    agent_task_t *t = find_task(f, task_id);
    if (!t)
        return butte_err_set(err, BUTTE_ENOTFOUND, "unknown task '%s' of framework '%s'", task_id,
                             framework_id);
    set_state(a, t, state);

    Butte__Internal__StatusUpdate u = BUTTE__INTERNAL__STATUS_UPDATE__INIT;
    Mesos__V1__TaskStatus st = MESOS__V1__TASK_STATUS__INIT;
    Mesos__V1__FrameworkID fid = MESOS__V1__FRAMEWORK_ID__INIT;
    Mesos__V1__TaskID tid = MESOS__V1__TASK_ID__INIT;
    Mesos__V1__AgentID aid = MESOS__V1__AGENT_ID__INIT;
    Mesos__V1__ExecutorID eid = MESOS__V1__EXECUTOR_ID__INIT;
    uint8_t uuid[16];

    butte_uuid_random(uuid);
    fid.value = (char *)framework_id;
    tid.value = (char *)task_id;
    aid.value = a->id ? a->id : "";
    st.task_id = &tid;
    st.state = state;
    st.message = (char *)message;
    st.has_source = 1;
    st.source = from_executor ? MESOS__V1__TASK_STATUS__SOURCE__SOURCE_EXECUTOR
                              : MESOS__V1__TASK_STATUS__SOURCE__SOURCE_AGENT;
    if (reason >= 0) {
        st.has_reason = 1;
        st.reason = reason;
    }
    st.agent_id = &aid;
    if (t->executor_id) {
        eid.value = t->executor_id;
        st.executor_id = &eid;
        u.executor_id = &eid;
    }
    st.has_timestamp = 1;
    st.timestamp = butte_loop_now(a->loop);
    st.has_uuid = 1;
    st.uuid.data = uuid;
    st.uuid.len = sizeof uuid;
    u.framework_id = &fid;
    u.status = &st;
    u.has_timestamp = 1;
    u.timestamp = st.timestamp;
    return queue_update(a, &u, err);
}

/* ------------------------------------------------------------ for executors */

bool
butte_agent_task_state(butte_agent_t *a, const char *framework_id, const char *task_id,
                       Mesos__V1__TaskState *state)
{
    agent_task_t *t = find_task(find_framework(a, framework_id), task_id);

    if (t)
        *state = t->state;
    return t != NULL;
}

bool
butte_agent_known_framework(butte_agent_t *a, const char *framework_id)
{
    if (find_framework(a, framework_id))
        return true;
    for (agent_executor_t *ex = a->executors; ex; ex = ex->next)
        if (strcmp(ex->framework_id, framework_id) == 0)
            return true;
    return false;
}

int
butte_agent_forward_update(butte_agent_t *a, const char *framework_id, const char *executor_id,
                           const Mesos__V1__TaskStatus *status, butte_err_t *err)
{
    agent_task_t *t = find_task(find_framework(a, framework_id), status->task_id->value);
    Butte__Internal__StatusUpdate u = BUTTE__INTERNAL__STATUS_UPDATE__INIT;
    Mesos__V1__TaskStatus st = *status;
    Mesos__V1__FrameworkID fid = MESOS__V1__FRAMEWORK_ID__INIT;
    Mesos__V1__AgentID aid = MESOS__V1__AGENT_ID__INIT;
    Mesos__V1__ExecutorID eid = MESOS__V1__EXECUTOR_ID__INIT;

    if (!t)
        return butte_err_set(err, BUTTE_ENOTFOUND, "unknown task '%s' of framework '%s'",
                             status->task_id->value, framework_id);
    set_state(a, t, status->state);
    fid.value = (char *)framework_id;
    aid.value = a->id ? a->id : "";
    eid.value = (char *)executor_id;
    st.agent_id = &aid;
    st.executor_id = &eid;
    if (!st.has_timestamp) {
        st.has_timestamp = 1;
        st.timestamp = butte_loop_now(a->loop);
    }
    u.framework_id = &fid;
    u.status = &st;
    u.executor_id = &eid;
    u.has_timestamp = 1;
    u.timestamp = st.timestamp;
    return queue_update(a, &u, err);
}

bool
butte_agent_send_envelope(butte_agent_t *a, Butte__Internal__Envelope *env)
{
    return a->registered && butte_agent_send(a, env) == 0;
}

/* ------------------------------------------------------------ messages */

static void
fail_tasks(butte_agent_t *a, const char *fw, const Butte__Internal__RunTask *run,
           Mesos__V1__TaskState state, int reason, const char *message)
{
    butte_err_t err;
    if (run->task && run->task->task_id)
        butte_agent_status(a, fw, run->task->task_id->value, state, reason, message, false, &err);
    for (size_t i = 0; run->task_group && i < run->task_group->n_tasks; i++)
        butte_agent_status(a, fw, run->task_group->tasks[i]->task_id->value, state, reason,
                           message, false, &err);
}

static void
add_task(butte_agent_t *a, agent_framework_t *f, const Mesos__V1__TaskInfo *ti,
         const Mesos__V1__ExecutorInfo *ei)
{
    butte_err_t err;
    butte_pool_t *pool = butte_pool_create(f->pool);
    agent_task_t *t = butte_pool_alloc(pool, sizeof *t);

    memset(t, 0, sizeof *t);
    t->pool = pool;
    t->id = butte_pool_strdup(pool, ti->task_id->value);
    t->name = butte_pool_strdup(pool, ti->name ? ti->name : "");
    if (ti->executor && ti->executor->executor_id)
        t->executor_id = butte_pool_strdup(pool, ti->executor->executor_id->value);
    else if (ei && ei->executor_id)
        t->executor_id = butte_pool_strdup(pool, ei->executor_id->value);
    t->state = MESOS__V1__TASK_STATE__TASK_STAGING;
    if (butte_resources_from_pb(pool, ti->resources, ti->n_resources, &t->resources, &err) != 0)
        t->resources = butte_resources_create(pool);
    t->next = f->tasks;
    f->tasks = t;
}

void
butte_agent_run_task(butte_agent_t *a, const Butte__Internal__RunTask *run)
{
    const Mesos__V1__FrameworkInfo *fi = run->framework_info;
    butte_err_t err;

    butte_err_clear(&err);
    if (!fi || !fi->id || !fi->id->value || (!run->task && !run->task_group) ||
        (run->task && !run->task->task_id)) {
        butte_log(a->log, BUTTE_LOG_WARNING, "ignoring a RunTask without framework or task id");
        return;
    }
    agent_framework_t *f = find_framework(a, fi->id->value);
    if (!f) {
        butte_pool_t *pool = butte_pool_create(NULL);
        f = butte_pool_alloc(pool, sizeof *f);
        memset(f, 0, sizeof *f);
        f->pool = pool;
        f->id = butte_pool_strdup(pool, fi->id->value);
        f->name = butte_pool_strdup(pool, fi->name ? fi->name : "");
        f->user = butte_pool_strdup(pool, fi->user ? fi->user : "");
        f->role = butte_pool_strdup(pool, fi->n_roles ? fi->roles[0] : fi->role ? fi->role : "*");
        f->next = a->frameworks;
        a->frameworks = f;
    }
    if (run->task) {
        if (find_task(f, run->task->task_id->value)) {
            butte_log(a->log, BUTTE_LOG_WARNING, "ignoring a second RunTask for task '%s'",
                      run->task->task_id->value);
            return;
        }
        add_task(a, f, run->task, run->executor);
    }
    for (size_t i = 0; run->task_group && i < run->task_group->n_tasks; i++)
        if (run->task_group->tasks[i]->task_id &&
            !find_task(f, run->task_group->tasks[i]->task_id->value))
            add_task(a, f, run->task_group->tasks[i], run->executor);
    butte_log(a->log, BUTTE_LOG_INFO, "got task '%s' of framework '%s'",
              run->task ? run->task->task_id->value : "(task group)", f->id);
    if (butte_agent_launch(a, run, &err) != 0) {
        butte_log(a->log, BUTTE_LOG_WARNING, "cannot launch task '%s': %s",
                  run->task ? run->task->task_id->value : "(task group)", err.msg);
        fail_tasks(a, f->id, run, MESOS__V1__TASK_STATE__TASK_FAILED,
                   MESOS__V1__TASK_STATUS__REASON__REASON_CONTAINER_LAUNCH_FAILED, err.msg);
    }
}

void
butte_agent_kill_task(butte_agent_t *a, const Butte__Internal__KillTask *k)
{
    butte_err_t err;
    const char *fw = k->framework_id->value, *id = k->task_id->value;
    agent_task_t *t = find_task(find_framework(a, fw), id);

    butte_err_clear(&err);
    if (!t) {
        butte_log(a->log, BUTTE_LOG_WARNING, "asked to kill unknown task '%s'", id);
        return;
    }
    if (butte_agent_state_terminal(t->state))
        return; /* its terminal update is already on its way */
    if (butte_agent_launcher_kill(a, fw, id, k->kill_policy, &err) == BUTTE_ENOTFOUND)
        butte_agent_status(a, fw, id, MESOS__V1__TASK_STATE__TASK_KILLED,
                           MESOS__V1__TASK_STATUS__REASON__REASON_TASK_KILLED_DURING_LAUNCH,
                           "killed before it was launched", false, &err);
}

void
butte_agent_shutdown_framework(butte_agent_t *a, const char *fw)
{
    agent_framework_t *f = find_framework(a, fw);

    butte_log(a->log, BUTTE_LOG_INFO, "shutting down framework '%s'", fw);
    butte_agent_launcher_shutdown_framework(a, fw);
    butte_sum_forget_framework(a->sum, fw);
    if (f)
        drop_framework(a, f);
    butte_agent_sandbox_check(a);
}

/* ------------------------------------------------------------ life cycle */

static int
make_dirs(const char *path, butte_err_t *err)
{
    char buf[4096];
    size_t n = strlen(path);

    if (n == 0 || n >= sizeof buf)
        return butte_err_set(err, BUTTE_EINVAL, "flag '--work_dir': bad path \"%s\"", path);
    memcpy(buf, path, n + 1);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return butte_err_set(err, BUTTE_EIO, "flag '--work_dir': cannot create \"%s\": %s",
                                 buf, strerror(errno));
        *p = '/';
    }
    if (mkdir(buf, 0755) != 0 && errno != EEXIST)
        return butte_err_set(err, BUTTE_EIO, "flag '--work_dir': cannot create \"%s\": %s", buf,
                             strerror(errno));
    return BUTTE_OK;
}

/* The address the master and executors should use for this agent. */
static void
choose_address(butte_agent_t *a)
{
    const butte_flags_t *fl = a->flags;
    const char *ip = butte_flags_str(fl, "advertise_ip");
    char host[256] = "";

    if (!ip || !*ip)
        ip = butte_flags_str(fl, "ip");
    a->hostname = butte_pool_strdup(a->pool, butte_flags_str(fl, "hostname"));
    if (!a->hostname || !*a->hostname) {
        if (gethostname(host, sizeof host - 1) != 0 || !*host)
            snprintf(host, sizeof host, "%s", ip && *ip ? ip : "localhost");
        a->hostname = butte_pool_strdup(a->pool, host);
    }
    if (!ip || !*ip || strcmp(ip, "0.0.0.0") == 0) {
        /* bound to every interface: the hostname's address, else loopback */
        struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM };
        struct addrinfo *ai = NULL;
        char buf[64] = "127.0.0.1";
        if (getaddrinfo(a->hostname, NULL, &hints, &ai) == 0 && ai) {
            getnameinfo(ai->ai_addr, ai->ai_addrlen, buf, sizeof buf, NULL, 0, NI_NUMERICHOST);
            freeaddrinfo(ai);
        }
        ip = butte_pool_strdup(a->pool, buf);
    }
    a->ip = butte_pool_strdup(a->pool, ip);
    a->port = butte_http_port(a->http);
    const char *ap = butte_flags_str(fl, "advertise_port");
    if (ap && *ap && atoi(ap) > 0 && atoi(ap) < 65536)
        a->port = (uint16_t)atoi(ap);
    a->pid = butte_pool_printf(a->pool, "slave(1)@%s:%u", a->ip, (unsigned)a->port);
}

static void
read_one(void *arg, const char *path)
{
    butte_agent_t *a = arg;
    butte_pool_t *tmp = butte_pool_create(NULL);
    butte_ckpt_stream_t st;
    butte_err_t err;

    butte_err_clear(&err);
    if (butte_ckpt_read(tmp, path, &st, &err) != 0)
        butte_log(a->log, BUTTE_LOG_WARNING, "unreadable update stream: %s", err.msg);
    else if (st.n_pending > 0 || st.torn)
        butte_log(a->log, BUTTE_LOG_INFO,
                  "checkpointed stream \"%s\": %zu updates, %zu unacknowledged%s", path,
                  st.n_updates, st.n_pending, st.torn ? " (torn last record ignored)" : "");
    butte_pool_destroy(tmp);
}

/* What a previous run of this agent checkpointed: read back and reported
 * (resending it needs the agent's recovery, a later issue). */
static void
read_checkpoints(butte_agent_t *a)
{
    size_t n = butte_ckpt_scan(a->work_dir, "latest", read_one, a);

    if (n > 0)
        butte_log(a->log, BUTTE_LOG_INFO,
                  "found %zu checkpointed task update streams under \"%s/meta\"", n,
                  a->work_dir);
}

butte_agent_t *
butte_agent_create(const butte_agent_env_t *env, butte_err_t *err)
{
    butte_pool_t *pool = butte_pool_create(env->pool);
    butte_agent_t *a = butte_pool_alloc(pool, sizeof *a);
    const butte_flags_t *fl = env->flags;

    memset(a, 0, sizeof *a);
    a->pool = pool;
    a->loop = env->loop;
    a->http = env->http;
    a->flags = fl;
    a->log = butte_log_get("agent");
    a->start_time = butte_loop_now(env->loop);
    a->backoff_factor = butte_flags_double(fl, "registration_backoff_factor");
    if (butte_agent_check_flags(fl, err) != 0 ||
        butte_agent_parse_master(pool, butte_flags_str(fl, "master"), &a->master_host,
                                 &a->master_port, err) != 0)
        goto fail;
    a->master_text = butte_pool_printf(pool, "%s:%u", a->master_host, (unsigned)a->master_port);
    a->work_dir = butte_pool_strdup(pool, butte_flags_str(fl, "work_dir"));
    if (!a->work_dir || make_dirs(a->work_dir, err) != 0) {
        if (!a->work_dir)
            butte_err_set(err, BUTTE_EINVAL, "flag '--work_dir' is required");
        goto fail;
    }
    {
        /* sandbox paths are /files' virtual paths and MESOS_DIRECTORY:
         * absolute, whatever the flag said */
        char real[PATH_MAX];
        if (realpath(a->work_dir, real))
            a->work_dir = butte_pool_strdup(pool, real);
    }
    if (butte_resources_detect(pool, a->work_dir, butte_flags_str(fl, "resources"),
                               butte_flags_str(fl, "default_role"), &a->resources, err) != 0) {
        butte_err_prefix(err, "flag '--resources'");
        goto fail;
    }
    if (butte_attributes_parse(pool, butte_flags_str(fl, "attributes"), &a->attributes, err) !=
        0) {
        butte_err_prefix(err, "flag '--attributes'");
        goto fail;
    }
    choose_address(a);
    a->prefix = env->prefix ? butte_pool_strdup(pool, env->prefix) : NULL;
    a->prefix_only = env->prefix_only && env->prefix;
    /* the pid names the endpoints' path ("/slave(2)" -> "slave(2)@ip:port"):
     * the master builds Offer.url from it (RegisterAgent.pid) */
    if (a->prefix && a->prefix[0] == '/' && a->prefix[1])
        a->pid = butte_pool_printf(pool, "%s@%s:%u", a->prefix + 1, a->ip, (unsigned)a->port);
    a->sum = butte_sum_create(pool, a->loop, sum_send, sum_acked, a);
    a->modules = env->modules;
    if (butte_agent_launcher_start(a, err) != 0)
        goto fail;
    if (butte_agent_sandbox_start(a, err) != 0) {
        butte_agent_launcher_stop(a);
        goto fail;
    }
    read_checkpoints(a);
    butte_agent_route(a, env->prefix);
    butte_exec_route(a, env->prefix);
    butte_log(a->log, BUTTE_LOG_INFO, "agent resources: %s",
              butte_resources_format(pool, a->resources));
    if (butte_attributes_count(a->attributes) > 0)
        butte_log(a->log, BUTTE_LOG_INFO, "agent attributes: %s",
                  butte_attributes_format(pool, a->attributes));
    srandom((unsigned)(time(NULL) ^ getpid()));
    /* the first attempt waits in [0, b] like every later one (Mesos) */
    butte_agent_schedule_connect(a);
    return a;
fail:
    butte_pool_destroy(pool);
    return NULL;
}

void
butte_agent_destroy(butte_agent_t *a)
{
    if (!a)
        return;
    butte_timer_stop(a->connect_timer);
    a->connect_timer = NULL;
    if (a->link)
        butte_link_close(a->link);
    a->link = NULL;
    butte_exec_unroute(a);
    butte_agent_launcher_stop(a);
    butte_agent_sandbox_stop(a);
    butte_sum_destroy(a->sum);
    while (a->frameworks)
        drop_framework(a, a->frameworks);
    free(a->id);
    butte_pool_destroy(a->pool);
}

const char *
butte_agent_id(const butte_agent_t *a)
{
    return a->id;
}

butte_loop_t *
butte_agent_loop(const butte_agent_t *a)
{
    return a->loop;
}

const char *
butte_agent_work_dir(const butte_agent_t *a)
{
    return a->work_dir;
}

int
butte_agent_start(butte_role_t *role, void *arg, butte_err_t *err)
{
    butte_agent_t **out = arg;
    butte_agent_env_t env = {
        .pool = butte_role_pool(role),
        .loop = butte_role_loop(role),
        .http = butte_role_http(role),
        .flags = butte_role_flags(role),
        .prefix = "/slave(1)",
        .modules = butte_role_modules(role),
    };

    *out = butte_agent_create(&env, err);
    return *out ? BUTTE_OK : (err->code ? err->code : BUTTE_EINVAL);
}

void
butte_agent_stop(butte_role_t *role, void *arg)
{
    butte_agent_t **a = arg;

    butte_agent_destroy(*a);
    *a = NULL;
}
