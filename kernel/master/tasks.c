/*
 * kernel/master/tasks.c - the master's task records: creation at launch,
 * status updates from agents, completion, and reconciliation (§A.6).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <butte/log.h>
#include <butte/pbjson.h>

#include "core/resources-pb.h"
#include "master/master-internal.h"

const char *
butte_master_state_name(Mesos__V1__TaskState s)
{
    const ProtobufCEnumValue *v =
        protobuf_c_enum_descriptor_get_value(&mesos__v1__task_state__descriptor, (int)s);

    return v != NULL ? v->name : "TASK_UNKNOWN";
}

butte_mtask_t *
butte_master_task(const butte_mfw_t *fw, const char *task_id)
{
    return butte_strmap_get(&fw->task_by_id, task_id);
}

/* ------------------------------------------------------------ shared resources */

/* Tasks of one shape (the same allocated resources) share one collection
 * (a copy per task was a third of a task's memory), and so do agents of
 * one size.  Keyed by the text form;
 * equality is still checked, since the text does not show every field
 * (labels, for one).  The pool has no parent: the shape dies with its last
 * task, which may come after the master's pool started to go. */
struct butte_mshape {
    butte_pool_t *pool;
    char *key;                 /* in pool */
    butte_resources_t *rs;     /* in pool */
    size_t refs;
    bool mapped;               /* in m->shapes under key */
};

const butte_resources_t *
butte_master_shape_rs(const butte_mshape_t *sh)
{
    return sh->rs;
}

butte_mshape_t *
butte_master_shape_get(butte_master_t *m, const butte_resources_t *rs)
{
    butte_pool_t *tmp = butte_pool_create(NULL);
    char *key = butte_resources_format(tmp, rs);
    butte_mshape_t *sh = butte_strmap_get(&m->shapes, key);

    if (sh != NULL && butte_resources_equals(sh->rs, rs)) {
        sh->refs++;
        butte_pool_destroy(tmp);
        return sh;
    }
    butte_pool_t *p = butte_pool_create(NULL);
    butte_mshape_t *n = butte_pool_alloc(p, sizeof *n);

    n->pool = p;
    n->key = butte_pool_strdup(p, key);
    n->rs = butte_resources_copy(p, rs);
    n->refs = 1;
    /* a key taken by unequal resources: this one stays private */
    if (sh == NULL) {
        butte_strmap_put(&m->shapes, n->key, n);
        n->mapped = true;
    }
    butte_pool_destroy(tmp);
    return n;
}

void
butte_master_shape_put(butte_master_t *m, butte_mshape_t *sh)
{
    if (sh == NULL || --sh->refs > 0)
        return;
    if (sh->mapped)
        butte_strmap_del_if(&m->shapes, sh->key, sh);
    butte_pool_destroy(sh->pool);
}

/* ------------------------------------------------------------ records */

static char *
put_str(char **at, const char *s)
{
    char *r = *at;
    size_t n = strlen(s) + 1;

    memcpy(r, s, n);
    *at += n;
    return r;
}

butte_mtask_t *
butte_master_task_add(butte_mfw_t *fw, butte_magent_t *agent, const Mesos__V1__TaskInfo *info,
                      const char *executor_id, const char *role,
                      const butte_resources_t *resources, Mesos__V1__TaskState state)
{
    size_t len = sizeof(butte_mtask_t) + strlen(info->task_id->value) + 1 +
                 (info->name != NULL ? strlen(info->name) + 1 : 0) +
                 strlen(agent->id) + 1 + (executor_id != NULL ? strlen(executor_id) + 1 : 0);
    butte_mtask_t *t = calloc(1, len);
    char *at = (char *)(t + 1);

    if (t == NULL) {
        butte_log(NULL, BUTTE_LOG_ERROR, "out of memory allocating %zu bytes", len);
        abort();
    }
    t->fw = fw;
    t->agent = agent;
    t->id = put_str(&at, info->task_id->value);
    t->name = info->name != NULL ? put_str(&at, info->name) : NULL;
    t->agent_id = put_str(&at, agent->id);
    t->executor_id = executor_id != NULL ? put_str(&at, executor_id) : NULL;
    t->role = butte_res_intern(role);
    t->state = state;
    t->shape = butte_master_shape_get(fw->m, resources);
    t->resources = butte_master_shape_rs(t->shape);
    if (info->labels != NULL || info->discovery != NULL || info->container != NULL ||
        info->health_check != NULL || info->kill_policy != NULL) {
        butte_pool_t *p = butte_pool_create(NULL);
        butte_mtask_extra_t *x = butte_pool_alloc(p, sizeof *x);

        x->pool = p;
        x->labels = butte_master_pb_copy(p, info->labels ? &info->labels->base : NULL);
        x->discovery = butte_master_pb_copy(p, info->discovery ? &info->discovery->base : NULL);
        x->container = butte_master_pb_copy(p, info->container ? &info->container->base : NULL);
        x->health_check =
            butte_master_pb_copy(p, info->health_check ? &info->health_check->base : NULL);
        x->kill_policy =
            butte_master_pb_copy(p, info->kill_policy ? &info->kill_policy->base : NULL);
        t->extra = x;
    }

    BUTTE_DL_PUSH(fw->tasks, t, fw_prev, fw_next);
    butte_strmap_put(&fw->task_by_id, t->id, t);
    fw->n_tasks++;
    BUTTE_DL_PUSH(agent->tasks, t, agent_prev, agent_next);
    agent->n_tasks++;
    return t;
}

void
butte_master_task_free(butte_mtask_t *t)
{
    if (t == NULL)
        return;
    butte_master_shape_put(t->fw->m, t->shape);
    if (t->extra != NULL)
        butte_pool_destroy(t->extra->pool);
    free(t->status_pb);
    free(t);
}

void
butte_master_tasks_of_framework(void *arg)
{
    butte_mfw_t *fw = arg;

    /* live tasks only at shutdown (a teardown completes them first), when
     * their agents may be gone already: no unlinking from agents */
    while (fw->tasks != NULL) {
        butte_mtask_t *t = fw->tasks;

        fw->tasks = t->fw_next;
        butte_master_task_free(t);
    }
    while (fw->completed_tasks != NULL) {
        butte_mtask_t *t = fw->completed_tasks;

        fw->completed_tasks = t->fw_next;
        butte_master_task_free(t);
    }
    fw->completed_tail = NULL;
    fw->n_tasks = fw->n_completed_tasks = 0;
}

/* What the record holds outside status_pb (task id, agent id, a 16-byte
 * uuid) a TaskStatus packs without; butte_master_task_status() puts them
 * back.  The timestamp stays in both: /state reads it for every task. */
static const Mesos__V1__TaskID no_task_id = MESOS__V1__TASK_ID__INIT;

static void
keep_status(butte_mtask_t *t, const Mesos__V1__TaskStatus *status)
{
    Mesos__V1__TaskStatus s = *status;
    size_t len;
    uint8_t *buf;

    t->status_state = status->state;
    t->status_timestamp = status->has_timestamp ? status->timestamp : 0;
    t->status_uuid16 = status->has_uuid && status->uuid.len == 16;
    if (t->status_uuid16)
        memcpy(t->status_uuid, status->uuid.data, 16);
    t->status_container = status->container_status != NULL;
    /* the task's own id and agent id are in the record already (the
     * empty TaskID stands for t->id: the field is required) */
    if (s.task_id != NULL && s.task_id->value != NULL && strcmp(s.task_id->value, t->id) == 0)
        s.task_id = (Mesos__V1__TaskID *)&no_task_id;
    t->status_agent = s.agent_id != NULL && s.agent_id->value != NULL &&
                      strcmp(s.agent_id->value, t->agent_id) == 0;
    if (t->status_agent)
        s.agent_id = NULL;
    if (t->status_uuid16)
        s.has_uuid = false;
    len = mesos__v1__task_status__get_packed_size(&s);
    buf = realloc(t->status_pb, len > 0 ? len : 1);
    if (buf == NULL) {
        butte_log(NULL, BUTTE_LOG_ERROR, "out of memory allocating %zu bytes", len);
        abort();
    }
    mesos__v1__task_status__pack(&s, buf);
    t->status_pb = buf;
    t->status_len = (uint32_t)len;
}

Mesos__V1__TaskStatus *
butte_master_task_status(const butte_mtask_t *t, butte_pool_t *pool)
{
    ProtobufCMessage *out = NULL;
    Mesos__V1__TaskStatus *s;

    if (t->status_pb == NULL)
        return NULL;
    /* we packed it: it unpacks */
    if (butte_pb_decode(pool, &mesos__v1__task_status__descriptor, t->status_pb, t->status_len,
                        &out, NULL) != BUTTE_OK)
        abort();
    s = (Mesos__V1__TaskStatus *)out;
    if (s->task_id->value == NULL || s->task_id->value[0] == '\0')
        s->task_id->value = t->id;
    if (t->status_agent) {
        s->agent_id = butte_pool_alloc(pool, sizeof *s->agent_id);
        mesos__v1__agent_id__init(s->agent_id);
        s->agent_id->value = t->agent_id;
    }
    if (t->status_uuid16) {
        s->has_uuid = true;
        s->uuid.len = 16;
        s->uuid.data = butte_pool_alloc(pool, 16);
        memcpy(s->uuid.data, t->status_uuid, 16);
    }
    return s;
}

static void
count_terminal(butte_master_t *m, Mesos__V1__TaskState s)
{
    switch (s) {
    case MESOS__V1__TASK_STATE__TASK_FINISHED: m->stats.tasks_finished++; break;
    case MESOS__V1__TASK_STATE__TASK_FAILED: m->stats.tasks_failed++; break;
    case MESOS__V1__TASK_STATE__TASK_KILLED: m->stats.tasks_killed++; break;
    case MESOS__V1__TASK_STATE__TASK_LOST: m->stats.tasks_lost++; break;
    case MESOS__V1__TASK_STATE__TASK_ERROR: m->stats.tasks_error++; break;
    case MESOS__V1__TASK_STATE__TASK_DROPPED: m->stats.tasks_dropped++; break;
    case MESOS__V1__TASK_STATE__TASK_GONE:
    case MESOS__V1__TASK_STATE__TASK_GONE_BY_OPERATOR: m->stats.tasks_gone++; break;
    default: break;
    }
}

void
butte_master_task_update(butte_mtask_t *t, const Mesos__V1__TaskStatus *status,
                         Mesos__V1__TaskState latest)
{
    butte_master_t *m = t->fw->m;
    bool was_terminal = butte_master_state_terminal(t->state);

    keep_status(t, status);
    t->state = latest;
    if (butte_master_state_terminal(latest) && !was_terminal)
        count_terminal(m, latest);
    /* Mesos recovers on the latest state, not on the update being
     * delivered: the resources are free as soon as the agent says so */
    if (butte_master_state_terminal(latest) && !t->recovered && t->agent != NULL) {
        t->recovered = true;
        butte_master_alloc_recover(m, t->fw->id, t->agent->id, t->resources, 0);
        butte_master_alloc_now(m);
    }
}

void
butte_master_task_complete(butte_mtask_t *t)
{
    butte_mfw_t *fw = t->fw;
    int64_t max = butte_flags_int(fw->m->flags, "max_completed_tasks_per_framework");

    if (t->completed)
        return;
    if (t->agent != NULL) {
        BUTTE_DL_UNLINK(t->agent->tasks, t, agent_prev, agent_next);
        t->agent->n_tasks--;
        t->agent = NULL;
    }
    BUTTE_DL_UNLINK(fw->tasks, t, fw_prev, fw_next);
    butte_strmap_del_if(&fw->task_by_id, t->id, t);
    fw->n_tasks--;
    t->completed = true;
    BUTTE_DL_PUSH(fw->completed_tasks, t, fw_prev, fw_next);
    if (fw->completed_tail == NULL)
        fw->completed_tail = t;
    butte_strmap_put(&fw->completed_by_id, t->id, t);
    fw->n_completed_tasks++;
    /* bounded memory: drop the oldest beyond the flag (the tail, so a
     * completion costs O(1) however long the list is) */
    if (max >= 0 && fw->n_completed_tasks > (size_t)max) {
        butte_mtask_t *last = fw->completed_tail;

        fw->completed_tail = last->fw_prev;
        BUTTE_DL_UNLINK(fw->completed_tasks, last, fw_prev, fw_next);
        butte_strmap_del_if(&fw->completed_by_id, last->id, last);
        fw->n_completed_tasks--;
        butte_master_task_free(last);
    }
}

Mesos__V1__TaskStatus *
butte_master_status(butte_pool_t *pool, const char *task_id, Mesos__V1__TaskState state,
                    Mesos__V1__TaskStatus__Reason reason, const char *agent_id,
                    const char *message)
{
    Mesos__V1__TaskStatus *s = butte_pool_alloc(pool, sizeof *s);
    struct timespec now;

    mesos__v1__task_status__init(s);
    s->task_id = butte_pool_alloc(pool, sizeof *s->task_id);
    mesos__v1__task_id__init(s->task_id);
    s->task_id->value = butte_pool_strdup(pool, task_id);
    s->state = state;
    s->has_source = true;
    s->source = MESOS__V1__TASK_STATUS__SOURCE__SOURCE_MASTER;
    s->has_reason = true;
    s->reason = reason;
    s->message = butte_pool_strdup(pool, message);
    if (agent_id != NULL) {
        s->agent_id = butte_pool_alloc(pool, sizeof *s->agent_id);
        mesos__v1__agent_id__init(s->agent_id);
        s->agent_id->value = butte_pool_strdup(pool, agent_id);
    }
    s->has_timestamp = true;
    clock_gettime(CLOCK_REALTIME, &now);
    s->timestamp = (double)now.tv_sec + now.tv_nsec / 1e9;
    return s;
}

/* The latest state of a known task, as a reconciliation answer. */
static void
answer_known(butte_mfw_t *fw, butte_mtask_t *t, butte_pool_t *tmp)
{
    Mesos__V1__TaskStatus *s =
        butte_master_status(tmp, t->id, t->state,
                            MESOS__V1__TASK_STATUS__REASON__REASON_RECONCILIATION,
                            t->agent_id, "Reconciliation: Latest task state");
    Mesos__V1__TaskStatus *last = butte_master_task_status(t, tmp);

    if (last != NULL) {
        /* keep what the executor said (healthy, data, ...) but never its
         * uuid: reconciliation answers are not acknowledged */
        s->message = last->message;
        s->healthy = last->healthy;
        s->has_healthy = last->has_healthy;
        s->executor_id = last->executor_id;
        s->container_status = last->container_status;
        s->labels = last->labels;
    }
    butte_master_send_update(fw, s);
}

void
butte_master_reconcile_one(butte_mfw_t *fw, const char *task_id, const char *agent_id,
                           butte_pool_t *tmp)
{
    butte_master_t *m = fw->m;
    butte_mtask_t *t = butte_master_task(fw, task_id);
    Mesos__V1__TaskState state;
    Mesos__V1__TaskStatus *s;
    double unreachable = 0;

    if (t != NULL) {
        answer_known(fw, t, tmp);
        return;
    }
    t = butte_strmap_get(&fw->completed_by_id, task_id);
    if (t != NULL) {
        answer_known(fw, t, tmp);
        return;
    }
    if (agent_id != NULL && butte_master_agent(m, agent_id) != NULL) {
        state = MESOS__V1__TASK_STATE__TASK_GONE;
    } else {
        state = MESOS__V1__TASK_STATE__TASK_UNKNOWN;
        butte_mgone_t *g = agent_id != NULL ? butte_strmap_get(&m->gone_by_id, agent_id) : NULL;

        if (g != NULL) {
            state = MESOS__V1__TASK_STATE__TASK_UNREACHABLE;
            unreachable = g->when;
        }
    }
    if (!fw->partition_aware)
        state = MESOS__V1__TASK_STATE__TASK_LOST;
    s = butte_master_status(tmp, task_id, state,
                            MESOS__V1__TASK_STATUS__REASON__REASON_RECONCILIATION, agent_id,
                            "Reconciliation: Task is unknown");
    if (state == MESOS__V1__TASK_STATE__TASK_UNREACHABLE) {
        s->unreachable_time = butte_pool_alloc(tmp, sizeof *s->unreachable_time);
        mesos__v1__time_info__init(s->unreachable_time);
        s->unreachable_time->nanoseconds = (int64_t)(unreachable * 1e9);
    }
    butte_master_send_update(fw, s);
}

void
butte_master_reconcile(butte_mfw_t *fw, const Mesos__V1__Scheduler__Call__Reconcile *r,
                       butte_pool_t *tmp)
{
    if (r->n_tasks == 0) {
        /* implicit: every task the master knows for the framework */
        for (butte_mtask_t *t = fw->tasks; t != NULL; t = t->fw_next)
            answer_known(fw, t, tmp);
        return;
    }
    for (size_t i = 0; i < r->n_tasks; i++)
        butte_master_reconcile_one(fw, r->tasks[i]->task_id->value,
                                   r->tasks[i]->agent_id != NULL ? r->tasks[i]->agent_id->value
                                                                 : NULL,
                                   tmp);
}
