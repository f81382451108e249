/*
 * kernel/agent/agent-link.c - the agent's side of the link to the master
 * (agent-private.h): --master parsing, registration and re-registration
 * with Mesos' randomized exponential backoff, pings, and the dispatch of
 * the master's messages to the task code in agent.c.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <butte/version.h>

#include "agent/agent-private.h"
#include "agent/executor-internal.h"
#include "agent/launcher-internal.h"
#include "core/resources-pb.h"

#define BACKOFF_CAP 60.0

/* ------------------------------------------------------------ flags */

/*
 * --master: "host:port", "master@host:port", or file:// holding either
 * (the flags loader expands file:// for string flags already; a value that
 * still starts with it is read here).  host and port go to pool.
 */
int
butte_agent_parse_master(butte_pool_t *pool, const char *text, char **host, uint16_t *port,
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
    int rc = butte_agent_parse_master(pool, butte_flags_str(flags, "master"), &host, &port, err);

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


int
butte_agent_send(butte_agent_t *a, Butte__Internal__Envelope *env)
{
    if (!a->link)
        return BUTTE_EIO;
    return butte_link_send(a->link, env);
}


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

/* ------------------------------------------------------------ registration */

void
butte_agent_info_pb(butte_agent_t *a, butte_pool_t *pool, Mesos__V1__AgentInfo *info)
{
    info->hostname = a->hostname;
    info->has_port = 1;
    info->port = a->port;
    butte_resources_to_pb(pool, a->resources, false, &info->resources, &info->n_resources);
    attributes_to_pb(pool, a->attributes, info);
}

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
        rereg.pid = a->pid;
        /* tasks, executors and frameworks are reported by the executor
         * issue; with no executor none of ours outlives a reconnection */
        env.type = BUTTE__INTERNAL__ENVELOPE__TYPE__REREGISTER_AGENT;
        env.reregister_agent = &rereg;
    } else {
        reg.agent_info = &info;
        reg.version = BUTTE_MESOS_VERSION;
        reg.http_address = &addr;
        reg.pid = a->pid;
        env.type = BUTTE__INTERNAL__ENVELOPE__TYPE__REGISTER_AGENT;
        env.register_agent = &reg;
    }
    butte_log(a->log, BUTTE_LOG_INFO, "%s with the master at %s",
              a->id ? "re-registering" : "registering", a->master_text);
    butte_agent_send(a, &env);
    butte_pool_destroy(pool);
}

static void connect_master(void *arg);

/* Mesos' rule: a random delay in [0, b * 2^n], capped at one minute. */
void
butte_agent_schedule_connect(butte_agent_t *a)
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
    butte_agent_schedule_connect(a);
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
        butte_agent_schedule_connect(a);
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
        butte_agent_send(a, &out);
        /* the master no longer knows us: register again on this link */
        if (env->ping->has_connected && !env->ping->connected && a->registered) {
            a->registered = false;
            send_registration(a);
        }
        break;
    }
    case BUTTE__INTERNAL__ENVELOPE__TYPE__RUN_TASK:
        if (env->run_task)
            butte_agent_run_task(a, env->run_task);
        break;
    case BUTTE__INTERNAL__ENVELOPE__TYPE__KILL_TASK:
        if (env->kill_task)
            butte_agent_kill_task(a, env->kill_task);
        break;
    case BUTTE__INTERNAL__ENVELOPE__TYPE__STATUS_UPDATE_ACKNOWLEDGEMENT: {
        const Butte__Internal__StatusUpdateAcknowledgement *ack =
            env->status_update_acknowledgement;
        if (!ack)
            break;
        if (butte_sum_acknowledge(a->sum, ack->framework_id->value, ack->task_id->value,
                                  ack->uuid.data, ack->uuid.len, &err) == 0) {
            a->valid_acks++;
            /* the last ack of an ended executor frees its sandbox for GC */
            butte_agent_sandbox_check(a);
        } else {
            a->invalid_acks++;
            butte_log(a->log, BUTTE_LOG_WARNING, "ignoring an acknowledgement: %s", err.msg);
        }
        break;
    }
    case BUTTE__INTERNAL__ENVELOPE__TYPE__SHUTDOWN_EXECUTOR:
        if (env->shutdown_executor &&
            butte_agent_launcher_shutdown_executor(a, env->shutdown_executor->framework_id->value,
                                                   env->shutdown_executor->executor_id->value,
                                                   &err) != 0)
            butte_log(a->log, BUTTE_LOG_WARNING, "ignoring a shutdown: %s", err.msg);
        break;
    case BUTTE__INTERNAL__ENVELOPE__TYPE__FRAMEWORK_TO_EXECUTOR: {
        const Butte__Internal__FrameworkToExecutor *m = env->framework_to_executor;
        if (m && butte_agent_launcher_message(a, m->framework_id->value, m->executor_id->value,
                                              m->data.data, m->data.len, &err) != 0)
            butte_log(a->log, BUTTE_LOG_WARNING, "dropping a framework message: %s", err.msg);
        break;
    }
    case BUTTE__INTERNAL__ENVELOPE__TYPE__SHUTDOWN_FRAMEWORK:
        if (env->shutdown_framework)
            butte_agent_shutdown_framework(a, env->shutdown_framework->framework_id->value);
        break;
    case BUTTE__INTERNAL__ENVELOPE__TYPE__SHUTDOWN:
        /* the master removed us: start over as a new agent */
        butte_log(a->log, BUTTE_LOG_WARNING, "the master shut this agent down: %s",
                  env->shutdown && env->shutdown->message ? env->shutdown->message : "");
        while (a->frameworks)
            butte_agent_shutdown_framework(a, a->frameworks->id);
        free(a->id);
        a->id = NULL;
        butte_link_close(a->link);
        a->link = NULL;
        a->registered = false;
        butte_agent_schedule_connect(a);
        break;
    default:
        butte_log(a->log, BUTTE_LOG_INFO, "ignoring a message of type %d from the master",
                  env->has_type ? (int)env->type : 0);
        break;
    }
}

