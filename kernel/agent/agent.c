/*
 * kernel/agent/agent.c - the agent role (agent-internal.h): flags, the
 * link to the master with registration and backoff, the master's messages,
 * and the tasks it sent.  Endpoints are in agent-http.c, the retry of
 * status updates in status-updates.c, launching in launcher.c.
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <butte/version.h>

#include "agent/agent-private.h"
#include "agent/launcher-internal.h"
#include "core/resources-pb.h"

#define BACKOFF_CAP 60.0

/* ------------------------------------------------------------ flags */

/*
 * --master: "host:port", "master@host:port", or file:// holding either
 * (the flags loader expands file:// for string flags already; a value that
 * still starts with it is read here).  host and port go to pool.
 */
static int
parse_master(butte_pool_t *pool, const char *text, char **host, uint16_t *port,
             butte_err_t *err)
{
    if (!text || !*text)
        return butte_err_set(err, BUTTE_EINVAL, "flag '--master' is required");
    if (strncmp(text, "file://", 7) == 0) {
        char *body = butte_flags_read_file(pool, text + 7, NULL);
        if (!body)
            return butte_err_set(err, BUTTE_EINVAL, "flag '--master': cannot read \"%s\": %s",
                                 text + 7, strerror(errno));
        text = body;
    }
    while (*text == ' ' || *text == '\t' || *text == '\n')
        text++;
    char *t = butte_pool_strdup(pool, text);
    size_t n = strlen(t);
    while (n > 0 && (t[n - 1] == '\n' || t[n - 1] == ' ' || t[n - 1] == '\t' || t[n - 1] == '\r'))
        t[--n] = '\0';
    if (strncmp(t, "zk://", 5) == 0)
        return butte_err_set(err, BUTTE_EINVAL,
                             "flag '--master': zk:// needs the HA issue: not implemented yet");
    if (strncmp(t, "master@", 7) == 0)
        t += 7;
    char *colon = strrchr(t, ':');
    char *end = NULL;
    long p = colon ? strtol(colon + 1, &end, 10) : -1;
    if (!colon || colon == t || !end || *end != '\0' || colon[1] == '\0' || p < 1 || p > 65535)
        return butte_err_set(err, BUTTE_EINVAL,
                             "flag '--master': \"%s\" is not host:port, master@host:port, "
                             "zk://... or file:///path",
                             t);
    *colon = '\0';
    if (t[0] == '[' && colon[-1] == ']') { /* [::1]:5050 */
        colon[-1] = '\0';
        t++;
    }
    *host = t;
    *port = (uint16_t)p;
    return BUTTE_OK;
}

int
butte_agent_check_flags(const butte_flags_t *flags, butte_err_t *err)
{
    butte_pool_t *pool = butte_pool_create(NULL);
    char *host;
    uint16_t port;
    butte_resources_t *rs;
    butte_attributes_t *attrs;
    int rc = parse_master(pool, butte_flags_str(flags, "master"), &host, &port, err);

    if (rc == 0 && butte_flags_str(flags, "resources") &&
        (rc = butte_resources_parse_role(pool, butte_flags_str(flags, "resources"),
                                         butte_flags_str(flags, "default_role"), &rs, err)) != 0)
        butte_err_prefix(err, "flag '--resources'");
    if (rc == 0 && butte_flags_str(flags, "default_role") &&
        (rc = butte_role_valid(butte_flags_str(flags, "default_role"), err)) != 0)
        butte_err_prefix(err, "flag '--default_role'");
    if (rc == 0 && butte_flags_str(flags, "attributes") &&
        (rc = butte_attributes_parse(pool, butte_flags_str(flags, "attributes"), &attrs, err)) != 0)
        butte_err_prefix(err, "flag '--attributes'");
    butte_pool_destroy(pool);
    return rc;
}

/* ------------------------------------------------------------ helpers */

const char *
butte_agent_state_name(Mesos__V1__TaskState state)
{
    const ProtobufCEnumValue *v =
        protobuf_c_enum_descriptor_get_value(&mesos__v1__task_state__descriptor, (int)state);
    return v ? v->name : "TASK_UNKNOWN";
}

static bool
terminal(Mesos__V1__TaskState s)
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
            *p = (*p)->next; /* its memory goes with the framework's pool */
            break;
        }
    }
    if (!f->tasks)
        drop_framework(a, f);
}

/* ------------------------------------------------------------ sending */

static int
send_env(butte_agent_t *a, Butte__Internal__Envelope *env)
{
    if (!a->link)
        return BUTTE_EIO;
    return butte_link_send(a->link, env);
}

/* Status updates go out only on a registered link: the master ignores
 * updates from an agent it does not know. */
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
    return send_env(a, &env);
}

/* The master relayed the acknowledgement: a terminal task is forgotten. */
static void
sum_acked(const Butte__Internal__StatusUpdate *u, void *arg)
{
    butte_agent_t *a = arg;
    agent_framework_t *f = find_framework(a, u->framework_id->value);

    if (terminal(u->status->state) && find_task(f, u->status->task_id->value))
        drop_task(a, f, u->status->task_id->value);
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
    t->state = state;
    switch (state) {
    case MESOS__V1__TASK_STATE__TASK_FAILED: a->tasks_failed++; break;
    case MESOS__V1__TASK_STATE__TASK_KILLED: a->tasks_killed++; break;
    case MESOS__V1__TASK_STATE__TASK_LOST: a->tasks_lost++; break;
    case MESOS__V1__TASK_STATE__TASK_FINISHED: a->tasks_finished++; break;
    default: break;
    }

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
    return butte_sum_update(a->sum, &u, err);
}

/* ------------------------------------------------------------ registration */

static void attributes_to_pb(butte_pool_t *pool, const butte_attributes_t *attrs,
                             Mesos__V1__AgentInfo *info);

static void
send_registration(butte_agent_t *a)
{
    butte_pool_t *pool = butte_pool_create(NULL);
    Butte__Internal__Envelope env = BUTTE__INTERNAL__ENVELOPE__INIT;
    Butte__Internal__RegisterAgent reg = BUTTE__INTERNAL__REGISTER_AGENT__INIT;
    Butte__Internal__ReregisterAgent rereg = BUTTE__INTERNAL__REREGISTER_AGENT__INIT;
    Mesos__V1__AgentInfo info = MESOS__V1__AGENT_INFO__INIT;
    Mesos__V1__AgentID aid = MESOS__V1__AGENT_ID__INIT;
    Mesos__V1__Address addr = MESOS__V1__ADDRESS__INIT;

    info.hostname = a->hostname;
    info.has_port = 1;
    info.port = a->port;
    butte_resources_to_pb(pool, a->resources, false, &info.resources, &info.n_resources);
    attributes_to_pb(pool, a->attributes, &info);
    addr.hostname = a->hostname;
    addr.ip = a->ip;
    addr.port = a->port;
    env.has_type = 1;
    if (a->id) {
        aid.value = a->id;
        info.id = &aid;
        rereg.agent_info = &info;
        rereg.version = BUTTE_MESOS_VERSION;
        rereg.http_address = &addr;
        /* tasks, executors and frameworks are reported by the executor
         * issue; with no executor none of ours outlives a reconnection */
        env.type = BUTTE__INTERNAL__ENVELOPE__TYPE__REREGISTER_AGENT;
        env.reregister_agent = &rereg;
    } else {
        reg.agent_info = &info;
        reg.version = BUTTE_MESOS_VERSION;
        reg.http_address = &addr;
        env.type = BUTTE__INTERNAL__ENVELOPE__TYPE__REGISTER_AGENT;
        env.register_agent = &reg;
    }
    butte_log(a->log, BUTTE_LOG_INFO, "%s with the master at %s",
              a->id ? "re-registering" : "registering", a->master_text);
    send_env(a, &env);
    butte_pool_destroy(pool);
}

static void connect_master(void *arg);

/* Mesos' rule: a random delay in [0, b * 2^n], capped at one minute. */
static void
schedule_connect(butte_agent_t *a)
{
    double max = a->backoff_factor;
    for (unsigned i = 0; i < a->attempts && max < BACKOFF_CAP; i++)
        max *= 2;
    if (max > BACKOFF_CAP)
        max = BACKOFF_CAP;
    double delay = max * ((double)random() / (double)RAND_MAX);
    a->attempts++;
    butte_timer_stop(a->connect_timer);
    a->connect_timer = butte_timer_start(a->loop, delay, false, connect_master, a);
}

static void
on_connect(butte_link_t *link, void *arg)
{
    butte_agent_t *a = arg;

    butte_log(a->log, BUTTE_LOG_INFO, "connected to the master at %s", a->master_text);
}

static void
on_close(butte_link_t *link, const char *reason, void *arg)
{
    butte_agent_t *a = arg;

    butte_log(a->log, BUTTE_LOG_WARNING, "lost the master at %s: %s", a->master_text, reason);
    a->link = NULL;
    a->registered = false;
    schedule_connect(a);
}

static void on_message(butte_link_t *link, const Butte__Internal__Envelope *env, void *arg);

static const butte_link_handlers_t link_handlers = { on_message, on_close, on_connect };

static void
connect_master(void *arg)
{
    butte_agent_t *a = arg;
    butte_err_t err;

    butte_err_clear(&err);
    if (a->link)
        return;
    a->link = butte_link_connect(a->loop, a->master_host, a->master_port, &link_handlers, a, &err);
    if (!a->link) {
        butte_log(a->log, BUTTE_LOG_WARNING, "cannot reach the master: %s", err.msg);
        schedule_connect(a);
        return;
    }
    /* queued until the upgrade is answered */
    send_registration(a);
}

/* meta/slaves/<id> and latest -> <id>, for the recovery work to find. */
static void
checkpoint_id(butte_agent_t *a)
{
    char *dir = butte_pool_printf(a->pool, "%s/meta/slaves/%s", a->work_dir, a->id);
    char *latest = butte_pool_printf(a->pool, "%s/meta/slaves/latest", a->work_dir);
    char *mk = butte_pool_printf(a->pool, "%s/meta", a->work_dir);

    mkdir(mk, 0755);
    mkdir(butte_pool_printf(a->pool, "%s/meta/slaves", a->work_dir), 0755);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        butte_log(a->log, BUTTE_LOG_WARNING, "cannot create \"%s\": %s", dir, strerror(errno));
    unlink(latest);
    if (symlink(a->id, latest) != 0)
        butte_log(a->log, BUTTE_LOG_WARNING, "cannot link \"%s\": %s", latest, strerror(errno));
}

static void
registered(butte_agent_t *a, const char *id, bool re)
{
    if (!a->id || strcmp(a->id, id) != 0) {
        free(a->id);
        a->id = strdup(id);
        if (!a->id)
            abort();
        checkpoint_id(a);
    }
    a->registered = true;
    a->attempts = 0;
    a->registrations++;
    butte_log(a->log, BUTTE_LOG_INFO, "%s with the master at %s as agent %s",
              re ? "re-registered" : "registered", a->master_text, a->id);
    butte_sum_resend(a->sum);
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
    agent_task_t *t = butte_pool_alloc(f->pool, sizeof *t);

    memset(t, 0, sizeof *t);
    t->id = butte_pool_strdup(f->pool, ti->task_id->value);
    t->name = butte_pool_strdup(f->pool, ti->name ? ti->name : "");
    if (ti->executor && ti->executor->executor_id)
        t->executor_id = butte_pool_strdup(f->pool, ti->executor->executor_id->value);
    else if (ei && ei->executor_id)
        t->executor_id = butte_pool_strdup(f->pool, ei->executor_id->value);
    t->state = MESOS__V1__TASK_STATE__TASK_STAGING;
    if (butte_resources_from_pb(f->pool, ti->resources, ti->n_resources, &t->resources, &err) != 0)
        t->resources = butte_resources_create(f->pool);
    t->next = f->tasks;
    f->tasks = t;
}

static void
run_task(butte_agent_t *a, const Butte__Internal__RunTask *run)
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

static void
kill_task(butte_agent_t *a, const Butte__Internal__KillTask *k)
{
    butte_err_t err;
    const char *fw = k->framework_id->value, *id = k->task_id->value;
    agent_task_t *t = find_task(find_framework(a, fw), id);

    butte_err_clear(&err);
    if (!t) {
        butte_log(a->log, BUTTE_LOG_WARNING, "asked to kill unknown task '%s'", id);
        return;
    }
    if (terminal(t->state))
        return; /* its terminal update is already on its way */
    if (butte_agent_launcher_kill(a, fw, id, &err) == BUTTE_ENOTFOUND)
        butte_agent_status(a, fw, id, MESOS__V1__TASK_STATE__TASK_KILLED,
                           MESOS__V1__TASK_STATUS__REASON__REASON_TASK_KILLED_DURING_LAUNCH,
                           "killed before it was launched", false, &err);
}

static void
shutdown_framework(butte_agent_t *a, const char *fw)
{
    agent_framework_t *f = find_framework(a, fw);

    butte_log(a->log, BUTTE_LOG_INFO, "shutting down framework '%s'", fw);
    butte_agent_launcher_shutdown_framework(a, fw);
    butte_sum_forget_framework(a->sum, fw);
    if (f)
        drop_framework(a, f);
}

static void
on_message(butte_link_t *link, const Butte__Internal__Envelope *env, void *arg)
{
    butte_agent_t *a = arg;
    butte_err_t err;

    butte_err_clear(&err);
    switch (env->has_type ? env->type : BUTTE__INTERNAL__ENVELOPE__TYPE__UNKNOWN) {
    case BUTTE__INTERNAL__ENVELOPE__TYPE__AGENT_REGISTERED:
        if (env->agent_registered && env->agent_registered->agent_id)
            registered(a, env->agent_registered->agent_id->value, false);
        break;
    case BUTTE__INTERNAL__ENVELOPE__TYPE__AGENT_REREGISTERED:
        if (env->agent_reregistered && env->agent_reregistered->agent_id)
            registered(a, env->agent_reregistered->agent_id->value, true);
        break;
    case BUTTE__INTERNAL__ENVELOPE__TYPE__PING: {
        Butte__Internal__Envelope out = BUTTE__INTERNAL__ENVELOPE__INIT;
        Butte__Internal__Pong pong = BUTTE__INTERNAL__PONG__INIT;
        if (!env->ping)
            break;
        pong.sequence = env->ping->sequence;
        out.has_type = 1;
        out.type = BUTTE__INTERNAL__ENVELOPE__TYPE__PONG;
        out.pong = &pong;
        send_env(a, &out);
        /* the master no longer knows us: register again on this link */
        if (env->ping->has_connected && !env->ping->connected && a->registered) {
            a->registered = false;
            send_registration(a);
        }
        break;
    }
    case BUTTE__INTERNAL__ENVELOPE__TYPE__RUN_TASK:
        if (env->run_task)
            run_task(a, env->run_task);
        break;
    case BUTTE__INTERNAL__ENVELOPE__TYPE__KILL_TASK:
        if (env->kill_task)
            kill_task(a, env->kill_task);
        break;
    case BUTTE__INTERNAL__ENVELOPE__TYPE__STATUS_UPDATE_ACKNOWLEDGEMENT: {
        const Butte__Internal__StatusUpdateAcknowledgement *ack =
            env->status_update_acknowledgement;
        if (!ack)
            break;
        if (butte_sum_acknowledge(a->sum, ack->framework_id->value, ack->task_id->value,
                                  ack->uuid.data, ack->uuid.len, &err) == 0) {
            a->valid_acks++;
        } else {
            a->invalid_acks++;
            butte_log(a->log, BUTTE_LOG_WARNING, "ignoring an acknowledgement: %s", err.msg);
        }
        break;
    }
    case BUTTE__INTERNAL__ENVELOPE__TYPE__SHUTDOWN_FRAMEWORK:
        if (env->shutdown_framework)
            shutdown_framework(a, env->shutdown_framework->framework_id->value);
        break;
    case BUTTE__INTERNAL__ENVELOPE__TYPE__SHUTDOWN:
        /* the master removed us: start over as a new agent */
        butte_log(a->log, BUTTE_LOG_WARNING, "the master shut this agent down: %s",
                  env->shutdown && env->shutdown->message ? env->shutdown->message : "");
        while (a->frameworks)
            shutdown_framework(a, a->frameworks->id);
        free(a->id);
        a->id = NULL;
        butte_link_close(a->link);
        a->link = NULL;
        a->registered = false;
        schedule_connect(a);
        break;
    default:
        butte_log(a->log, BUTTE_LOG_INFO, "ignoring a message of type %d from the master",
                  env->has_type ? (int)env->type : 0);
        break;
    }
}

/* ------------------------------------------------------------ life cycle */

static void
attributes_to_pb(butte_pool_t *pool, const butte_attributes_t *attrs, Mesos__V1__AgentInfo *info)
{
    size_t n = butte_attributes_count(attrs);

    info->n_attributes = n;
    info->attributes = butte_pool_alloc(pool, (n ? n : 1) * sizeof *info->attributes);
    for (size_t i = 0; i < n; i++) {
        const butte_attr_t *at = butte_attributes_at(attrs, i);
        Mesos__V1__Attribute *p = butte_pool_alloc(pool, sizeof *p);
        mesos__v1__attribute__init(p);
        p->name = (char *)at->name;
        p->type = (Mesos__V1__Value__Type)at->type;
        if (at->type == BUTTE_VALUE_SCALAR) {
            p->scalar = butte_pool_alloc(pool, sizeof *p->scalar);
            mesos__v1__value__scalar__init(p->scalar);
            p->scalar->value = at->scalar;
        } else if (at->type == BUTTE_VALUE_RANGES) {
            p->ranges = butte_pool_alloc(pool, sizeof *p->ranges);
            mesos__v1__value__ranges__init(p->ranges);
            p->ranges->n_range = at->nranges;
            p->ranges->range = butte_pool_alloc(pool, (at->nranges + 1) * sizeof(void *));
            for (size_t j = 0; j < at->nranges; j++) {
                Mesos__V1__Value__Range *r = butte_pool_alloc(pool, sizeof *r);
                mesos__v1__value__range__init(r);
                r->begin = at->ranges[j].begin;
                r->end = at->ranges[j].end;
                p->ranges->range[j] = r;
            }
        } else {
            p->type = MESOS__V1__VALUE__TYPE__TEXT;
            p->text = butte_pool_alloc(pool, sizeof *p->text);
            mesos__v1__value__text__init(p->text);
            p->text->value = (char *)(at->text ? at->text : "");
        }
        info->attributes[i] = p;
    }
}

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
        parse_master(pool, butte_flags_str(fl, "master"), &a->master_host, &a->master_port,
                     err) != 0)
        goto fail;
    a->master_text = butte_pool_printf(pool, "%s:%u", a->master_host, (unsigned)a->master_port);
    a->work_dir = butte_pool_strdup(pool, butte_flags_str(fl, "work_dir"));
    if (!a->work_dir || make_dirs(a->work_dir, err) != 0) {
        if (!a->work_dir)
            butte_err_set(err, BUTTE_EINVAL, "flag '--work_dir' is required");
        goto fail;
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
    a->sum = butte_sum_create(pool, a->loop, sum_send, sum_acked, a);
    butte_agent_route(a, env->prefix);
    butte_log(a->log, BUTTE_LOG_INFO, "agent resources: %s",
              butte_resources_format(pool, a->resources));
    if (butte_attributes_count(a->attributes) > 0)
        butte_log(a->log, BUTTE_LOG_INFO, "agent attributes: %s",
                  butte_attributes_format(pool, a->attributes));
    srandom((unsigned)(time(NULL) ^ getpid()));
    /* the first attempt waits in [0, b] like every later one (Mesos) */
    schedule_connect(a);
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
