/*
 * kernel/master/agents.c - agents over the link (kernel/core/link.c):
 * POST /master/link upgrades to a link; RegisterAgent / ReregisterAgent
 * admit the agent (--registry=in_memory: the admission lives only here);
 * Ping every --agent_ping_timeout, removal after --max_agent_ping_timeouts
 * missed pongs; status updates and executor messages relayed to
 * frameworks.
 *
 * Pings: one master-wide sweep timer (every min(--agent_ping_timeout / 4,
 * 1 s), while there are agents) pings each agent whose next_ping is due,
 * so an agent is pinged every --agent_ping_timeout plus at most one sweep
 * interval; an event per agent cost ~180 bytes each.
 *
 * A link that closes only disconnects its agent (offers rescinded, no new
 * offers); the agent stays with its tasks until it re-registers or the
 * missed pings remove it, as in Mesos.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <butte/log.h>
#include <butte/pbjson.h>

#include "core/resources-pb.h"
#include "master/master-internal.h"

/* One link, registered or not yet: malloc'd (a pool per link cost more
 * than the record), on m->conns until the link closes; the ones left at
 * the master pool's end are freed with it. */
typedef struct conn {
    struct conn *prev, *next; /* in m->conns */
    butte_master_t *m;
    butte_link_t *link;
    butte_magent_t *agent; /* NULL until (re)registered */
} conn_t;

static void
conn_free(conn_t *c)
{
    conn_t *head = c->m->conns;

    BUTTE_DL_UNLINK(head, c, prev, next);
    c->m->conns = head;
    free(c);
}

static void
agent_free(butte_magent_t *a)
{
    butte_master_shape_put(a->m, a->total_shape);
    free(a);
}

/* The master's pool ends: the links' records and the agents left (their
 * tasks went with their frameworks' pools, which are children and go
 * first).  m->shapes' slots may be freed already (its cleanup can be
 * newer than this one): putting a shape back is then a no-op lookup and
 * the shape's own pool is still freed. */
static void
conns_free(void *arg)
{
    butte_master_t *m = arg;

    while (m->conns != NULL)
        conn_free(m->conns);
    while (m->agents != NULL) {
        butte_magent_t *a = m->agents;

        m->agents = a->next;
        agent_free(a);
    }
    m->n_agents = 0;
}

Mesos__V1__AgentInfo *
butte_master_agent_info(const butte_magent_t *a, butte_pool_t *pool)
{
    ProtobufCMessage *out = NULL;

    /* we packed it: it unpacks */
    if (butte_pb_decode(pool, &mesos__v1__agent_info__descriptor, a->info_pb, a->info_len, &out,
                        NULL) != BUTTE_OK)
        abort();
    return (Mesos__V1__AgentInfo *)out;
}

butte_magent_t *
butte_master_agent(butte_master_t *m, const char *id)
{
    return butte_strmap_get(&m->agent_by_id, id);
}

bool
butte_master_agent_send(butte_magent_t *a, const Butte__Internal__Envelope *env)
{
    if (a->link == NULL)
        return false;
    return butte_link_send(a->link, env) == BUTTE_OK;
}

static void
ping(butte_magent_t *a)
{
    Butte__Internal__Envelope env = BUTTE__INTERNAL__ENVELOPE__INIT;
    Butte__Internal__Ping p = BUTTE__INTERNAL__PING__INIT;

    if (a->pong_pending || a->link == NULL) {
        a->missed_pings++;
        butte_log(a->m->log, BUTTE_LOG_WARNING, "agent %s (%s) missed ping %lld of %lld", a->id,
                  a->hostname, (long long)a->missed_pings, (long long)a->m->max_ping_timeouts);
        if (a->missed_pings >= a->m->max_ping_timeouts) {
            butte_master_agent_remove(a, "health check timed out", true);
            return;
        }
    }
    p.sequence = ++a->ping_seq;
    env.has_type = true;
    env.type = BUTTE__INTERNAL__ENVELOPE__TYPE__PING;
    env.ping = &p;
    a->pong_pending = butte_master_agent_send(a, &env);
    if (!a->pong_pending && a->link != NULL)
        a->pong_pending = true; /* a failed send counts as a miss too */
}

static double
sweep_interval(const butte_master_t *m)
{
    return m->ping_timeout / 4 < 1.0 ? m->ping_timeout / 4 : 1.0;
}

static void
ping_sweep(void *arg)
{
    butte_master_t *m = arg;
    double now = butte_loop_now(m->loop);
    butte_magent_t *next;

    for (butte_magent_t *a = m->agents; a != NULL; a = next) {
        /* ping may remove a (and nothing else) */
        next = a->next;
        /* a wall clock that stepped back must not starve an agent */
        if (a->next_ping > now + m->ping_timeout)
            a->next_ping = now + m->ping_timeout;
        if (a->next_ping > now)
            continue;
        a->next_ping += m->ping_timeout;
        if (a->next_ping <= now) /* the loop was stalled, or the clock jumped */
            a->next_ping = now + m->ping_timeout;
        ping(a);
    }
    if (m->agents == NULL) {
        butte_timer_stop(m->ping_sweep);
        m->ping_sweep = NULL;
    }
}

static void
failure_event(butte_master_t *m, butte_mfw_t *only, const char *agent_id,
              const char *executor_id, bool has_status, int status)
{
    Mesos__V1__Scheduler__Event ev = MESOS__V1__SCHEDULER__EVENT__INIT;
    Mesos__V1__Scheduler__Event__Failure f = MESOS__V1__SCHEDULER__EVENT__FAILURE__INIT;
    Mesos__V1__AgentID aid = MESOS__V1__AGENT_ID__INIT;
    Mesos__V1__ExecutorID eid = MESOS__V1__EXECUTOR_ID__INIT;

    ev.has_type = true;
    ev.type = MESOS__V1__SCHEDULER__EVENT__TYPE__FAILURE;
    aid.value = (char *)agent_id;
    f.agent_id = &aid;
    if (executor_id != NULL) {
        eid.value = (char *)executor_id;
        f.executor_id = &eid;
    }
    f.has_status = has_status;
    f.status = status;
    ev.failure = &f;
    for (butte_mfw_t *fw = m->frameworks; fw != NULL; fw = fw->next)
        if (only == NULL || only == fw)
            butte_master_send_event(fw, &ev);
}

void
butte_master_agent_remove(butte_magent_t *a, const char *why, bool unreachable)
{
    butte_master_t *m = a->m;
    butte_pool_t *tmp = butte_pool_create(NULL);
    char *msg = butte_pool_printf(tmp, "Agent %s (%s) removed: %s", a->id, a->hostname, why);
    butte_mgone_t *g;

    butte_log(m->log, BUTTE_LOG_WARNING, "%s", msg);
    m->stats.slave_removals++;
    butte_master_offers_of_agent(a, false, true);
    while (a->tasks != NULL) {
        butte_mtask_t *t = a->tasks;
        Mesos__V1__TaskState state =
            !t->fw->partition_aware ? MESOS__V1__TASK_STATE__TASK_LOST
            : unreachable           ? MESOS__V1__TASK_STATE__TASK_UNREACHABLE
                                    : MESOS__V1__TASK_STATE__TASK_GONE;
        Mesos__V1__TaskStatus *s =
            butte_master_status(tmp, t->id, state, MESOS__V1__TASK_STATUS__REASON__REASON_AGENT_REMOVED,
                                a->id, msg);

        if (!butte_master_state_terminal(t->state)) {
            /* the allocator forgets the agent as a whole: nothing to recover */
            t->recovered = true;
            butte_master_task_update(t, s, state);
            butte_master_send_update(t->fw, s);
            if (state == MESOS__V1__TASK_STATE__TASK_UNREACHABLE)
                m->stats.tasks_unreachable++;
        }
        butte_master_task_complete(t);
    }
    failure_event(m, NULL, a->id, NULL, false, 0);
    butte_master_alloc_remove_agent(a);

    g = butte_pool_alloc(m->pool, sizeof *g);
    g->id = butte_pool_strdup(m->pool, a->id);
    g->when = butte_loop_now(m->loop);
    g->next = m->gone;
    m->gone = g;
    butte_strmap_put(&m->gone_by_id, g->id, g);

    if (a->link != NULL) {
        Butte__Internal__Envelope env = BUTTE__INTERNAL__ENVELOPE__INIT;
        Butte__Internal__Shutdown sd = BUTTE__INTERNAL__SHUTDOWN__INIT;
        sd.message = msg;
        env.has_type = true;
        env.type = BUTTE__INTERNAL__ENVELOPE__TYPE__SHUTDOWN;
        env.shutdown = &sd;
        butte_link_send(a->link, &env);
        /* keep the link open until the agent hangs up (the Shutdown frame
         * must get out); it is no longer this agent's */
        a->link = NULL;
    }
    if (a->conn != NULL)
        ((conn_t *)a->conn)->agent = NULL;
    BUTTE_DL_UNLINK(m->agents, a, prev, next);
    butte_strmap_del_if(&m->agent_by_id, a->id, a);
    m->n_agents--;
    butte_pool_destroy(tmp);
    agent_free(a);
    butte_master_alloc_now(m);
}

/* The process name in an agent's pid ("slave(2)" of "slave(2)@ip:port"):
 * the path of its endpoints, which mesos-local numbers per agent.  Anything
 * but slave(<digits>) gives Mesos' slave(1), so a peer cannot steer the
 * Offer.url path elsewhere. */
static const char *
process_name(butte_pool_t *p, const char *pid)
{
    size_t n;

    if (pid == NULL || strncmp(pid, "slave(", 6) != 0)
        return "slave(1)";
    n = strspn(pid + 6, "0123456789");
    if (n == 0 || n > 9 || pid[6 + n] != ')' || (pid[7 + n] != '@' && pid[7 + n] != '\0'))
        return "slave(1)";
    return butte_pool_printf(p, "%.*s", (int)(7 + n), pid);
}

static char *
put_str(char **at, const char *s)
{
    char *r = *at;
    size_t n = strlen(s) + 1;

    memcpy(r, s, n);
    *at += n;
    return r;
}

static butte_magent_t *
agent_create(conn_t *c, const char *id, const Mesos__V1__AgentInfo *info,
             Mesos__V1__AgentInfo__Capability *const *caps, size_t n_caps, const char *version,
             const Mesos__V1__Address *http, const char *pid, butte_err_t *err)
{
    butte_master_t *m = c->m;
    butte_pool_t *tmp = butte_pool_create(NULL);
    butte_resources_t *total;
    Mesos__V1__AgentInfo copy = *info;
    Mesos__V1__AgentID aid = MESOS__V1__AGENT_ID__INIT;
    const char *name, *ip, *host = info->hostname != NULL ? info->hostname : "";
    char *peer_ip, *colon, *spid, *path;
    int port;
    size_t info_len, len;
    butte_magent_t *a;
    char *at;

    if (butte_resources_from_pb(tmp, info->resources, info->n_resources, &total, err) !=
        BUTTE_OK) {
        butte_pool_destroy(tmp);
        return NULL;
    }
    if (id == NULL)
        id = butte_pool_printf(tmp, "%s-S%llu", m->id, (unsigned long long)m->next_agent++);
    if (version == NULL)
        version = "1.12.0";
    /* the link's peer is "ip:port" */
    peer_ip = butte_pool_strdup(tmp, butte_link_peer(c->link));
    colon = strrchr(peer_ip, ':');
    if (colon != NULL)
        *colon = '\0';
    ip = http != NULL && http->ip != NULL ? http->ip : peer_ip;
    port = http != NULL ? http->port : (info->has_port ? info->port : 5051);
    name = process_name(tmp, pid);
    spid = butte_pool_printf(tmp, "%s@%s:%d", name, ip, port);
    path = butte_pool_printf(tmp, "/%s", name);
    aid.value = (char *)id;
    copy.id = &aid;
    info_len = mesos__v1__agent_info__get_packed_size(&copy);

    /* one block: record, capabilities (int-aligned after the record),
     * packed info, strings */
    len = sizeof *a + n_caps * sizeof *a->capabilities + info_len + strlen(id) + 1 +
          strlen(host) + 1 + strlen(ip) + 1 + strlen(spid) + 1 + strlen(path) + 1 +
          strlen(version) + 1;
    a = calloc(1, len);
    if (a == NULL) {
        butte_log(m->log, BUTTE_LOG_ERROR, "out of memory allocating %zu bytes", len);
        abort();
    }
    a->capabilities = (int *)(a + 1);
    for (size_t i = 0; i < n_caps; i++)
        if (caps[i]->has_type)
            a->capabilities[a->n_capabilities++] = (int)caps[i]->type;
    a->info_pb = (uint8_t *)(a->capabilities + n_caps);
    a->info_len = info_len;
    mesos__v1__agent_info__pack(&copy, a->info_pb);
    at = (char *)a->info_pb + info_len;
    a->id = put_str(&at, id);
    a->hostname = put_str(&at, host);
    a->ip = put_str(&at, ip);
    a->pid = put_str(&at, spid);
    a->path = put_str(&at, path);
    a->version = put_str(&at, version);
    a->m = m;
    a->info_extras = info->n_attributes > 0 || info->domain != NULL;
    a->port = port;
    a->total_shape = butte_master_shape_get(m, total);
    a->total = butte_master_shape_rs(a->total_shape);
    butte_pool_destroy(tmp);
    a->registered_time = butte_loop_now(m->loop);
    a->next_ping = a->registered_time + m->ping_timeout;
    a->active = true;
    a->link = c->link;
    a->conn = c;
    c->agent = a;
    BUTTE_DL_PUSH(m->agents, a, prev, next);
    butte_strmap_put(&m->agent_by_id, a->id, a);
    m->n_agents++;
    if (m->ping_sweep == NULL)
        m->ping_sweep = butte_timer_start(m->loop, sweep_interval(m), true, ping_sweep, m);
    return a;
}

static Mesos__V1__DurationInfo *
ping_duration(butte_pool_t *pool, butte_master_t *m)
{
    Mesos__V1__DurationInfo *d = butte_pool_alloc(pool, sizeof *d);

    mesos__v1__duration_info__init(d);
    d->nanoseconds = (int64_t)(m->ping_timeout * 1e9);
    return d;
}

static void
on_register(conn_t *c, const Butte__Internal__RegisterAgent *r, butte_pool_t *tmp)
{
    butte_master_t *m = c->m;
    Butte__Internal__Envelope env = BUTTE__INTERNAL__ENVELOPE__INIT;
    Butte__Internal__AgentRegistered ok = BUTTE__INTERNAL__AGENT_REGISTERED__INIT;
    Mesos__V1__AgentID aid = MESOS__V1__AGENT_ID__INIT;
    butte_magent_t *a;
    butte_err_t err;

    if (c->agent != NULL)
        return; /* a retry of a registration that already went through */
    a = agent_create(c, NULL, r->agent_info, r->capabilities, r->n_capabilities, r->version,
                     r->http_address, r->pid, &err);
    if (a == NULL) {
        butte_log(m->log, BUTTE_LOG_WARNING, "refusing agent at %s: %s",
                  butte_link_peer(c->link), err.msg);
        return;
    }
    m->stats.slave_registrations++;
    butte_log(m->log, BUTTE_LOG_INFO, "registered agent %s at %s (%s) with %s", a->id, a->pid,
              a->hostname, butte_resources_format(tmp, a->total));
    aid.value = a->id;
    ok.agent_id = &aid;
    ok.master_info = &m->info;
    ok.ping_timeout = ping_duration(tmp, m);
    env.has_type = true;
    env.type = BUTTE__INTERNAL__ENVELOPE__TYPE__AGENT_REGISTERED;
    env.agent_registered = &ok;
    butte_link_send(c->link, &env);
    butte_master_alloc_add_agent(a);
}

/* The tasks a re-registering agent reports, for a master that does not
 * know them (it restarted): rebuild the records. */
static void
adopt_tasks(butte_magent_t *a, const Butte__Internal__ReregisterAgent *r, butte_pool_t *tmp)
{
    Mesos__V1__AgentID aid = MESOS__V1__AGENT_ID__INIT;

    aid.value = a->id;
    for (size_t i = 0; i < r->n_tasks; i++) {
        const Mesos__V1__Task *t = r->tasks[i];
        butte_mfw_t *fw = butte_master_framework(a->m, t->framework_id->value);
        Mesos__V1__TaskInfo info = MESOS__V1__TASK_INFO__INIT;
        butte_resources_t *rs;
        const char *role = "*";
        butte_mtask_t *mt;

        if (fw == NULL || butte_master_task(fw, t->task_id->value) != NULL)
            continue; /* unknown frameworks re-subscribe and reconcile */
        if (butte_resources_from_pb(tmp, t->resources, t->n_resources, &rs, NULL) != BUTTE_OK)
            continue;
        if (butte_resources_count(rs) > 0 && butte_resources_at(rs, 0)->allocation_role != NULL)
            role = butte_resources_at(rs, 0)->allocation_role;
        else if (fw->n_roles > 0)
            role = fw->roles[0];
        info.name = t->name;
        info.task_id = t->task_id;
        info.agent_id = &aid;
        info.labels = t->labels;
        mt = butte_master_task_add(fw, a, &info, t->executor_id ? t->executor_id->value : NULL,
                                   role, rs, t->state);
        if (t->n_statuses > 0)
            butte_master_task_update(mt, t->statuses[t->n_statuses - 1], t->state);
    }
}

static void
on_reregister(conn_t *c, const Butte__Internal__ReregisterAgent *r, butte_pool_t *tmp)
{
    butte_master_t *m = c->m;
    Butte__Internal__Envelope env = BUTTE__INTERNAL__ENVELOPE__INIT;
    Butte__Internal__AgentReregistered ok = BUTTE__INTERNAL__AGENT_REREGISTERED__INIT;
    Mesos__V1__AgentID aid = MESOS__V1__AGENT_ID__INIT;
    const char *id = r->agent_info->id != NULL ? r->agent_info->id->value : NULL;
    butte_magent_t *a = id != NULL ? butte_master_agent(m, id) : NULL;
    butte_err_t err;

    if (id == NULL) {
        butte_log(m->log, BUTTE_LOG_WARNING, "agent at %s re-registered without an id",
                  butte_link_peer(c->link));
        return;
    }
    if (a != NULL) {
        /* a new connection of a known agent: the old link (if any) goes */
        if (a->link != NULL && a->link != c->link) {
            conn_t *oc = a->conn;

            a->link = NULL;
            butte_link_close(oc->link);
            conn_free(oc);
        }
        a->link = c->link;
        a->conn = c;
        c->agent = a;
        a->missed_pings = 0;
        a->pong_pending = false;
        a->reregistered_time = butte_loop_now(m->loop);
        if (!a->active) {
            a->active = true;
            butte_master_alloc_activate_agent(a, true);
        }
    } else {
        a = agent_create(c, id, r->agent_info, r->capabilities, r->n_capabilities, r->version,
                         r->http_address, r->pid, &err);
        if (a == NULL) {
            butte_log(m->log, BUTTE_LOG_WARNING, "refusing agent %s: %s", id, err.msg);
            return;
        }
        a->reregistered_time = a->registered_time;
        adopt_tasks(a, r, tmp);
        butte_master_alloc_add_agent(a);
    }
    m->stats.slave_reregistrations++;
    butte_log(m->log, BUTTE_LOG_INFO, "re-registered agent %s at %s (%s)", a->id, a->pid,
              a->hostname);
    aid.value = a->id;
    ok.agent_id = &aid;
    ok.master_info = &m->info;
    ok.ping_timeout = ping_duration(tmp, m);
    env.has_type = true;
    env.type = BUTTE__INTERNAL__ENVELOPE__TYPE__AGENT_REREGISTERED;
    env.agent_reregistered = &ok;
    butte_link_send(c->link, &env);
}

static void
on_status_update(conn_t *c, const Butte__Internal__StatusUpdate *su, butte_pool_t *tmp)
{
    butte_mfw_t *fw = butte_master_framework(c->m, su->framework_id->value);
    Mesos__V1__TaskStatus *s = su->status;
    Mesos__V1__TaskState latest = su->has_latest_state ? su->latest_state : s->state;
    butte_mtask_t *t;

    if (fw == NULL) {
        butte_log(c->m->log, BUTTE_LOG_WARNING,
                  "dropping status update %s of task %s: framework %s is unknown",
                  butte_master_state_name(s->state), s->task_id->value,
                  su->framework_id->value);
        return;
    }
    if (s->agent_id == NULL) {
        s->agent_id = butte_pool_alloc(tmp, sizeof *s->agent_id);
        mesos__v1__agent_id__init(s->agent_id);
        s->agent_id->value = c->agent->id;
    }
    t = butte_master_task(fw, s->task_id->value);
    if (t != NULL)
        butte_master_task_update(t, s, latest);
    butte_master_send_update(fw, s);
}

static void
on_message(butte_link_t *link, const Butte__Internal__Envelope *env, void *arg)
{
    conn_t *c = arg;
    butte_pool_t *tmp;

    (void)link;
    if (!env->has_type)
        return;
    if (c->agent == NULL && env->type != BUTTE__INTERNAL__ENVELOPE__TYPE__REGISTER_AGENT &&
        env->type != BUTTE__INTERNAL__ENVELOPE__TYPE__REREGISTER_AGENT) {
        butte_log(c->m->log, BUTTE_LOG_WARNING,
                  "ignoring message %d from unregistered agent at %s", (int)env->type,
                  butte_link_peer(c->link));
        return;
    }
    tmp = butte_pool_create(NULL);
    switch (env->type) {
    case BUTTE__INTERNAL__ENVELOPE__TYPE__REGISTER_AGENT:
        if (env->register_agent != NULL)
            on_register(c, env->register_agent, tmp);
        break;
    case BUTTE__INTERNAL__ENVELOPE__TYPE__REREGISTER_AGENT:
        if (env->reregister_agent != NULL)
            on_reregister(c, env->reregister_agent, tmp);
        break;
    case BUTTE__INTERNAL__ENVELOPE__TYPE__UNREGISTER_AGENT:
        butte_master_agent_remove(c->agent, "the agent unregistered", false);
        break;
    case BUTTE__INTERNAL__ENVELOPE__TYPE__PONG:
        if (env->pong != NULL && env->pong->sequence == c->agent->ping_seq) {
            c->agent->pong_pending = false;
            c->agent->missed_pings = 0;
        }
        break;
    case BUTTE__INTERNAL__ENVELOPE__TYPE__STATUS_UPDATE:
        if (env->status_update != NULL)
            on_status_update(c, env->status_update, tmp);
        break;
    case BUTTE__INTERNAL__ENVELOPE__TYPE__EXITED_EXECUTOR:
        if (env->exited_executor != NULL) {
            butte_mfw_t *fw =
                butte_master_framework(c->m, env->exited_executor->framework_id->value);

            if (fw != NULL)
                failure_event(c->m, fw, c->agent->id,
                              env->exited_executor->executor_id->value, true,
                              env->exited_executor->status);
        }
        break;
    case BUTTE__INTERNAL__ENVELOPE__TYPE__EXECUTOR_TO_FRAMEWORK:
        if (env->executor_to_framework != NULL) {
            const Butte__Internal__ExecutorToFramework *x = env->executor_to_framework;
            butte_mfw_t *fw = butte_master_framework(c->m, x->framework_id->value);
            Mesos__V1__Scheduler__Event ev = MESOS__V1__SCHEDULER__EVENT__INIT;
            Mesos__V1__Scheduler__Event__Message mm = MESOS__V1__SCHEDULER__EVENT__MESSAGE__INIT;

            if (fw == NULL)
                break;
            ev.has_type = true;
            ev.type = MESOS__V1__SCHEDULER__EVENT__TYPE__MESSAGE;
            mm.agent_id = x->agent_id;
            mm.executor_id = x->executor_id;
            mm.data = x->data;
            ev.message = &mm;
            butte_master_send_event(fw, &ev);
        }
        break;
    default:
        butte_log(c->m->log, BUTTE_LOG_DEBUG, "ignoring message %d from agent %s",
                  (int)env->type, c->agent->id);
        break;
    }
    butte_pool_destroy(tmp);
}

static void
on_close(butte_link_t *link, const char *reason, void *arg)
{
    conn_t *c = arg;
    butte_magent_t *a = c->agent;

    if (c->m->stopping) {
        if (a != NULL && a->link == link)
            a->link = NULL;
        conn_free(c);
        return;
    }
    if (a != NULL && a->link == link) {
        butte_log(c->m->log, BUTTE_LOG_WARNING, "agent %s (%s) disconnected: %s", a->id,
                  a->hostname, reason);
        a->link = NULL;
        a->conn = NULL;
        if (a->active) {
            a->active = false;
            butte_master_offers_of_agent(a, true, true);
            butte_master_alloc_activate_agent(a, false);
        }
    }
    conn_free(c);
}

void
butte_master_link_route(butte_http_req_t *req, void *arg)
{
    butte_master_t *m = arg;
    const char *upgrade = butte_http_req_header(req, "Upgrade");
    conn_t *c, *head;
    char peer_buf[80];
    struct evbuffer *early;
    const char *peer;
    int fd;
    static const butte_link_handlers_t handlers = {
        .on_message = on_message,
        .on_close = on_close,
    };

    if (upgrade == NULL || strcmp(upgrade, "butte-link/1") != 0) {
        butte_http_reply_text(req, 400, "Expecting 'Upgrade: butte-link/1'");
        return;
    }
    c = calloc(1, sizeof *c);
    if (c == NULL) {
        butte_log(m->log, BUTTE_LOG_ERROR, "out of memory accepting an agent link");
        abort();
    }
    if (m->conns == NULL && !m->conns_cleanup) {
        butte_pool_on_destroy(m->pool, conns_free, m);
        m->conns_cleanup = true;
    }
    c->m = m;
    head = m->conns;
    BUTTE_DL_PUSH(head, c, prev, next);
    m->conns = head;
    /* copied: the request is gone after the takeover */
    peer = butte_http_req_peer(req);
    snprintf(peer_buf, sizeof peer_buf, "%s", peer != NULL ? peer : "");
    peer = peer_buf;
    fd = butte_http_takeover(req, &early);
    if (fd < 0) {
        conn_free(c);
        return;
    }
    c->link = butte_link_adopt(m->loop, fd, early, peer, &handlers, c);
    if (c->link == NULL)
        conn_free(c);
}

void
butte_master_agents_stop(butte_master_t *m)
{
    butte_timer_stop(m->ping_sweep);
    m->ping_sweep = NULL;
    for (butte_magent_t *a = m->agents; a != NULL; a = a->next) {
        if (a->link != NULL) {
            butte_link_t *l = a->link;

            a->link = NULL;
            butte_link_close(l);
        }
    }
}
