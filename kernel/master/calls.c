/*
 * kernel/master/calls.c - the scheduler calls other than SUBSCRIBE and
 * ACCEPT, after scheduler-api.c checked the framework and stream id.
 * Each answers 202 (everything asynchronous happens through events) or a
 * 4xx status with the reason in err; UPDATE_FRAMEWORK is synchronous (200).
 */
#include "config.h"

#include <string.h>

#include "master/master-internal.h"

static double
refuse_seconds(const Mesos__V1__Filters *f)
{
    /* < 0 tells the allocator "none given, use the 5 s default" */
    return f != NULL && f->has_refuse_seconds ? f->refuse_seconds : -1;
}

static void
decline(butte_mfw_t *fw, const Mesos__V1__Scheduler__Call__Decline *d)
{
    double refuse = refuse_seconds(d->filters);

    for (size_t i = 0; i < d->n_offer_ids; i++) {
        butte_moffer_t *o = butte_master_offer(fw->m, d->offer_ids[i]->value);

        if (o == NULL || o->fw != fw) {
            butte_log(fw->m->log, BUTTE_LOG_WARNING,
                      "ignoring decline of offer %s by framework %s: no such offer",
                      d->offer_ids[i]->value, fw->id);
            continue;
        }
        fw->m->stats.offers_declined++;
        butte_master_offer_remove(o, true, false, refuse);
    }
}

static int
check_roles(butte_mfw_t *fw, char **roles, size_t n, butte_err_t *err)
{
    for (size_t i = 0; i < n; i++) {
        butte_err_t e;

        if (butte_role_valid(roles[i], &e) != BUTTE_OK)
            return butte_err_set(err, 400, "%s", e.msg);
        if (!butte_master_framework_has_role(fw, roles[i]))
            return butte_err_set(err, 400, "Role '%s' is not one of the framework's roles",
                                 roles[i]);
    }
    return 202;
}

/* Keep fw->suppressed in step with SUPPRESS/REVIVE (for /state and
 * re-registration of the allocator). */
static void
set_suppressed(butte_mfw_t *fw, char **roles, size_t n, bool suppress)
{
    char **all = n > 0 ? roles : fw->roles;
    size_t count = n > 0 ? n : fw->n_roles;
    char **next = butte_pool_alloc(fw->info_pool, (fw->n_roles + 1) * sizeof *next);
    size_t k = 0;

    for (size_t i = 0; i < fw->n_roles; i++) {
        bool was = false, named = false;

        for (size_t j = 0; j < fw->n_suppressed; j++)
            was = was || strcmp(fw->suppressed[j], fw->roles[i]) == 0;
        for (size_t j = 0; j < count; j++)
            named = named || strcmp(all[j], fw->roles[i]) == 0;
        if (named ? suppress : was)
            next[k++] = fw->roles[i];
    }
    fw->suppressed = next;
    fw->n_suppressed = k;
}

static void
kill_task(butte_mfw_t *fw, const Mesos__V1__Scheduler__Call__Kill *k, butte_pool_t *tmp)
{
    butte_mtask_t *t = butte_master_task(fw, k->task_id->value);
    Butte__Internal__Envelope env = BUTTE__INTERNAL__ENVELOPE__INIT;
    Butte__Internal__KillTask kt = BUTTE__INTERNAL__KILL_TASK__INIT;
    Mesos__V1__FrameworkID fid = MESOS__V1__FRAMEWORK_ID__INIT;

    if (t == NULL || t->agent == NULL) {
        /* §A.4: an unknown task is answered as an explicit reconciliation */
        butte_master_reconcile_one(fw, k->task_id->value,
                                   k->agent_id != NULL ? k->agent_id->value : NULL, tmp);
        return;
    }
    fid.value = fw->id;
    kt.framework_id = &fid;
    kt.task_id = k->task_id;
    kt.kill_policy = k->kill_policy;
    env.has_type = true;
    env.type = BUTTE__INTERNAL__ENVELOPE__TYPE__KILL_TASK;
    env.kill_task = &kt;
    if (!butte_master_agent_send(t->agent, &env))
        butte_log(fw->m->log, BUTTE_LOG_WARNING,
                  "cannot kill task %s of framework %s: agent %s is disconnected", t->id, fw->id,
                  t->agent->id);
}

static int
acknowledge(butte_mfw_t *fw, const Mesos__V1__Scheduler__Call__Acknowledge *a, butte_err_t *err)
{
    butte_magent_t *agent;
    butte_mtask_t *t;
    Butte__Internal__Envelope env = BUTTE__INTERNAL__ENVELOPE__INIT;
    Butte__Internal__StatusUpdateAcknowledgement ack =
        BUTTE__INTERNAL__STATUS_UPDATE_ACKNOWLEDGEMENT__INIT;
    Mesos__V1__FrameworkID fid = MESOS__V1__FRAMEWORK_ID__INIT;

    if (a->uuid.len != 16)
        return butte_err_set(err, 400, "Not a valid UUID: expected 16 bytes, got %zu",
                             a->uuid.len);
    agent = butte_master_agent(fw->m, a->agent_id->value);
    if (agent == NULL) {
        butte_log(fw->m->log, BUTTE_LOG_WARNING,
                  "ignoring acknowledgement of task %s: agent %s is unknown",
                  a->task_id->value, a->agent_id->value);
        return 202;
    }
    fid.value = fw->id;
    ack.agent_id = a->agent_id;
    ack.framework_id = &fid;
    ack.task_id = a->task_id;
    ack.uuid = a->uuid;
    env.has_type = true;
    env.type = BUTTE__INTERNAL__ENVELOPE__TYPE__STATUS_UPDATE_ACKNOWLEDGEMENT;
    env.status_update_acknowledgement = &ack;
    butte_master_agent_send(agent, &env);

    /* Mesos forgets a terminal task once its terminal update is acked */
    t = butte_master_task(fw, a->task_id->value);
    if (t != NULL && !t->completed && t->status_pb != NULL && t->status_uuid16 &&
        a->uuid.len == 16 && memcmp(t->status_uuid, a->uuid.data, 16) == 0 &&
        butte_master_state_terminal(t->status_state))
        butte_master_task_complete(t);
    return 202;
}

static void
shutdown_executor(butte_mfw_t *fw, const Mesos__V1__Scheduler__Call__Shutdown *s)
{
    butte_magent_t *agent = butte_master_agent(fw->m, s->agent_id->value);
    Butte__Internal__Envelope env = BUTTE__INTERNAL__ENVELOPE__INIT;
    Butte__Internal__ShutdownExecutor se = BUTTE__INTERNAL__SHUTDOWN_EXECUTOR__INIT;
    Mesos__V1__FrameworkID fid = MESOS__V1__FRAMEWORK_ID__INIT;

    if (agent == NULL)
        return;
    fid.value = fw->id;
    se.framework_id = &fid;
    se.executor_id = s->executor_id;
    env.has_type = true;
    env.type = BUTTE__INTERNAL__ENVELOPE__TYPE__SHUTDOWN_EXECUTOR;
    env.shutdown_executor = &se;
    butte_master_agent_send(agent, &env);
}

static void
message(butte_mfw_t *fw, const Mesos__V1__Scheduler__Call__Message *msg)
{
    butte_magent_t *agent = butte_master_agent(fw->m, msg->agent_id->value);
    Butte__Internal__Envelope env = BUTTE__INTERNAL__ENVELOPE__INIT;
    Butte__Internal__FrameworkToExecutor fe = BUTTE__INTERNAL__FRAMEWORK_TO_EXECUTOR__INIT;
    Mesos__V1__FrameworkID fid = MESOS__V1__FRAMEWORK_ID__INIT;

    if (agent == NULL) {
        butte_log(fw->m->log, BUTTE_LOG_WARNING, "dropping message to agent %s: unknown agent",
                  msg->agent_id->value);
        return;
    }
    fid.value = fw->id;
    fe.agent_id = msg->agent_id;
    fe.framework_id = &fid;
    fe.executor_id = msg->executor_id;
    fe.data = msg->data;
    env.has_type = true;
    env.type = BUTTE__INTERNAL__ENVELOPE__TYPE__FRAMEWORK_TO_EXECUTOR;
    env.framework_to_executor = &fe;
    butte_master_agent_send(agent, &env);
}

int
butte_master_call(butte_mfw_t *fw, const Mesos__V1__Scheduler__Call *call, butte_pool_t *tmp,
                  butte_err_t *err)
{
    int rc;

    switch (call->type) {
    case MESOS__V1__SCHEDULER__CALL__TYPE__TEARDOWN:
        butte_master_teardown(fw, "the framework asked to be torn down");
        return 202;
    case MESOS__V1__SCHEDULER__CALL__TYPE__ACCEPT:
        return butte_master_accept(fw, call->accept, tmp);
    case MESOS__V1__SCHEDULER__CALL__TYPE__DECLINE:
        decline(fw, call->decline);
        return 202;
    case MESOS__V1__SCHEDULER__CALL__TYPE__REVIVE:
    case MESOS__V1__SCHEDULER__CALL__TYPE__SUPPRESS: {
        bool revive = call->type == MESOS__V1__SCHEDULER__CALL__TYPE__REVIVE;
        char **roles = revive ? (call->revive ? call->revive->roles : NULL)
                              : (call->suppress ? call->suppress->roles : NULL);
        size_t n = revive ? (call->revive ? call->revive->n_roles : 0)
                          : (call->suppress ? call->suppress->n_roles : 0);

        rc = check_roles(fw, roles, n, err);
        if (rc != 202)
            return rc;
        set_suppressed(fw, roles, n, !revive);
        butte_master_alloc_suppress(fw, roles, n, revive);
        return 202;
    }
    case MESOS__V1__SCHEDULER__CALL__TYPE__KILL:
        kill_task(fw, call->kill, tmp);
        return 202;
    case MESOS__V1__SCHEDULER__CALL__TYPE__SHUTDOWN:
        shutdown_executor(fw, call->shutdown);
        return 202;
    case MESOS__V1__SCHEDULER__CALL__TYPE__ACKNOWLEDGE:
        return acknowledge(fw, call->acknowledge, err);
    case MESOS__V1__SCHEDULER__CALL__TYPE__RECONCILE:
        butte_master_reconcile(fw, call->reconcile, tmp);
        return 202;
    case MESOS__V1__SCHEDULER__CALL__TYPE__MESSAGE:
        message(fw, call->message);
        return 202;
    case MESOS__V1__SCHEDULER__CALL__TYPE__REQUEST:
        butte_master_alloc_request(fw, call->request, tmp);
        return 202;
    case MESOS__V1__SCHEDULER__CALL__TYPE__ACCEPT_INVERSE_OFFERS:
    case MESOS__V1__SCHEDULER__CALL__TYPE__DECLINE_INVERSE_OFFERS:
    case MESOS__V1__SCHEDULER__CALL__TYPE__ACKNOWLEDGE_OPERATION_STATUS:
    case MESOS__V1__SCHEDULER__CALL__TYPE__RECONCILE_OPERATIONS:
        /* no maintenance or operation feedback yet: nothing can match */
        return 202;
    case MESOS__V1__SCHEDULER__CALL__TYPE__UPDATE_FRAMEWORK:
        return butte_master_update_framework(fw, call->update_framework, tmp, err);
    default:
        return butte_err_set(err, 501, "Received an unknown call type");
    }
}
