/*
 * kernel/master/tasks.c - the master's task records: creation at launch,
 * status updates from agents, completion, and reconciliation (§A.6).
 */
#include "config.h"

#include <string.h>
#include <time.h>

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

butte_mtask_t *
butte_master_task_add(butte_mfw_t *fw, butte_magent_t *agent, const Mesos__V1__TaskInfo *info,
                      const char *executor_id, const char *role,
                      const butte_resources_t *resources, Mesos__V1__TaskState state)
{
    butte_pool_t *p = butte_pool_create(fw->pool);
    butte_mtask_t *t = butte_pool_alloc(p, sizeof *t);
    Mesos__V1__Task *pb = butte_pool_alloc(p, sizeof *pb);

    t->pool = p;
    t->fw = fw;
    t->agent = agent;
    t->id = butte_pool_strdup(p, info->task_id->value);
    t->executor_id = butte_pool_strdup(p, executor_id);
    t->role = butte_pool_strdup(p, role);
    t->state = state;
    t->resources = butte_resources_copy(p, resources);

    mesos__v1__task__init(pb);
    pb->name = butte_pool_strdup(p, info->name);
    pb->task_id = butte_master_pb_copy(p, &info->task_id->base);
    pb->framework_id = butte_pool_alloc(p, sizeof *pb->framework_id);
    mesos__v1__framework_id__init(pb->framework_id);
    pb->framework_id->value = fw->id;
    if (executor_id != NULL) {
        pb->executor_id = butte_pool_alloc(p, sizeof *pb->executor_id);
        mesos__v1__executor_id__init(pb->executor_id);
        pb->executor_id->value = t->executor_id;
    }
    pb->agent_id = butte_pool_alloc(p, sizeof *pb->agent_id);
    mesos__v1__agent_id__init(pb->agent_id);
    pb->agent_id->value = agent->id;
    butte_resources_to_pb(p, t->resources, false, &pb->resources, &pb->n_resources);
    pb->labels = butte_master_pb_copy(p, info->labels ? &info->labels->base : NULL);
    pb->discovery = butte_master_pb_copy(p, info->discovery ? &info->discovery->base : NULL);
    pb->container = butte_master_pb_copy(p, info->container ? &info->container->base : NULL);
    pb->health_check =
        butte_master_pb_copy(p, info->health_check ? &info->health_check->base : NULL);
    pb->kill_policy = butte_master_pb_copy(p, info->kill_policy ? &info->kill_policy->base : NULL);
    t->pb = pb;

    BUTTE_DL_PUSH(fw->tasks, t, fw_prev, fw_next);
    butte_strmap_put(&fw->task_by_id, t->id, t);
    fw->n_tasks++;
    BUTTE_DL_PUSH(agent->tasks, t, agent_prev, agent_next);
    agent->n_tasks++;
    return t;
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
    butte_pool_t *p = butte_pool_create(t->pool);
    bool was_terminal = butte_master_state_terminal(t->state);

    t->status = butte_master_pb_copy(p, &status->base);
    butte_pool_destroy(t->status_pool);
    t->status_pool = p;
    t->state = latest;
    t->pb->state = latest;
    t->pb->has_status_update_state = true;
    t->pb->status_update_state = status->state;
    t->pb->n_statuses = 1;
    t->pb->statuses = butte_pool_alloc(p, sizeof *t->pb->statuses);
    t->pb->statuses[0] = t->status;
    if (status->has_uuid) {
        t->pb->has_status_update_uuid = true;
        t->pb->status_update_uuid = t->status->uuid;
    }
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
        butte_pool_destroy(last->pool);
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
                            t->pb->agent_id->value, "Reconciliation: Latest task state");

    if (t->status != NULL) {
        /* keep what the executor said (healthy, data, ...) but never its
         * uuid: reconciliation answers are not acknowledged */
        s->message = t->status->message;
        s->healthy = t->status->healthy;
        s->has_healthy = t->status->has_healthy;
        s->executor_id = t->status->executor_id;
        s->container_status = t->status->container_status;
        s->labels = t->status->labels;
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
