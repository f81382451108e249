/*
 * kernel/master/accept.c - ACCEPT: offers checked (exist, belong to the
 * framework, one agent, each once), then LAUNCH and LAUNCH_GROUP validated
 * task by task against what the offers still hold (§A.4, features rows
 * 17-18).  A bad task gets TASK_ERROR and changes nothing else; whatever
 * the operations left is given back to the allocator with the call's
 * filters.
 */
#include "config.h"

#include <string.h>

#include "core/resources-pb.h"
#include "master/master-internal.h"

/* One ACCEPT in progress. */
typedef struct accept_ctx {
    butte_mfw_t *fw;
    butte_magent_t *agent;
    const char *role;             /* the offers' allocation role */
    butte_resources_t *remaining; /* offered and not used yet */
    butte_pool_t *tmp;
    char **executors;             /* executors launched by this call */
    size_t n_executors, cap_executors;
} accept_ctx_t;

static void
task_error(accept_ctx_t *c, const char *task_id, Mesos__V1__TaskStatus__Reason reason,
           const char *msg)
{
    Mesos__V1__TaskStatus *s = butte_master_status(c->tmp, task_id,
                                                   MESOS__V1__TASK_STATE__TASK_ERROR, reason,
                                                   c->agent->id, msg);

    butte_log(c->fw->m->log, BUTTE_LOG_WARNING, "task %s of framework %s is invalid: %s",
              task_id, c->fw->id, msg);
    c->fw->m->stats.tasks_error++;
    butte_master_send_update(c->fw, s);
}

/* Whether executor_id of the framework runs on the agent already or was
 * launched earlier in this call (its resources are then not needed). */
static bool
executor_known(accept_ctx_t *c, const char *executor_id)
{
    for (butte_mtask_t *t = c->agent->tasks; t != NULL; t = t->agent_next)
        if (t->fw == c->fw && t->executor_id != NULL && strcmp(t->executor_id, executor_id) == 0)
            return true;
    for (size_t i = 0; i < c->n_executors; i++)
        if (strcmp(c->executors[i], executor_id) == 0)
            return true;
    return false;
}

static void
executor_launched(accept_ctx_t *c, const char *executor_id)
{
    if (c->n_executors == c->cap_executors) {
        char **v;

        c->cap_executors = c->cap_executors ? 2 * c->cap_executors : 8;
        v = butte_pool_alloc(c->tmp, c->cap_executors * sizeof *v);
        if (c->n_executors > 0)
            memcpy(v, c->executors, c->n_executors * sizeof *v);
        c->executors = v;
    }
    c->executors[c->n_executors++] = (char *)executor_id;
}

/* rs allocated to the offers' role; NULL with msg when a resource names
 * another role. */
static butte_resources_t *
allocated(accept_ctx_t *c, Mesos__V1__Resource *const *v, size_t n, const char **msg)
{
    butte_resources_t *rs;
    butte_err_t err;

    if (butte_resources_from_pb(c->tmp, v, n, &rs, &err) != BUTTE_OK) {
        *msg = butte_pool_printf(c->tmp, "Invalid resources: %s", err.msg);
        return NULL;
    }
    for (size_t i = 0; i < butte_resources_count(rs); i++) {
        const butte_res_t *r = butte_resources_at(rs, i);

        if (r->allocation_role != NULL && strcmp(r->allocation_role, c->role) != 0) {
            *msg = butte_pool_printf(c->tmp,
                                     "Resources are allocated to role '%s', the offers to '%s'",
                                     r->allocation_role, c->role);
            return NULL;
        }
    }
    /* frameworks that are not MULTI_ROLE never set allocation_info: the
     * master injects the offers' role, as Mesos does */
    if (butte_resources_allocate(rs, c->role, &err) != BUTTE_OK) {
        *msg = butte_pool_printf(c->tmp, "Invalid resources: %s", err.msg);
        return NULL;
    }
    return rs;
}

/* Checks of one TaskInfo that do not depend on resources; NULL when fine. */
static const char *
check_task(accept_ctx_t *c, const Mesos__V1__TaskInfo *t, bool in_group)
{
    const char *why = butte_master_id_valid(t->task_id->value);

    if (why != NULL)
        return butte_pool_printf(c->tmp, "Task ID '%s' is invalid: %s", t->task_id->value, why);
    if (butte_master_task(c->fw, t->task_id->value) != NULL)
        return butte_pool_printf(c->tmp, "Task has duplicate ID: %s", t->task_id->value);
    if (strcmp(t->agent_id->value, c->agent->id) != 0)
        return butte_pool_printf(c->tmp, "Task uses invalid agent: %s", t->agent_id->value);
    if (in_group) {
        if (t->executor != NULL)
            return "Task in a task group cannot have an executor";
    } else if ((t->executor != NULL) == (t->command != NULL)) {
        return "Task should have at least one (but not both) of CommandInfo or ExecutorInfo "
               "present";
    }
    if (t->executor != NULL) {
        why = butte_master_id_valid(t->executor->executor_id->value);
        if (why != NULL)
            return butte_pool_printf(c->tmp, "Executor ID '%s' is invalid: %s",
                                     t->executor->executor_id->value, why);
    }
    if (t->n_resources == 0)
        return "Task uses no resources";
    return NULL;
}

/* need must fit into what is left; on success it is taken from there. */
static const char *
take(accept_ctx_t *c, const butte_resources_t *need)
{
    if (!butte_resources_contains(c->remaining, need))
        return butte_pool_printf(c->tmp, "Task uses more resources %s than available %s",
                                 butte_resources_format(c->tmp, need),
                                 butte_resources_format(c->tmp, c->remaining));
    butte_resources_subtract(c->remaining, need);
    return NULL;
}

static void
send_run(accept_ctx_t *c, Mesos__V1__ExecutorInfo *executor, Mesos__V1__TaskInfo *task,
         Mesos__V1__TaskGroupInfo *group, bool launch_executor)
{
    Butte__Internal__Envelope env = BUTTE__INTERNAL__ENVELOPE__INIT;
    Butte__Internal__RunTask run = BUTTE__INTERNAL__RUN_TASK__INIT;

    run.framework_info = c->fw->info;
    run.executor = executor;
    run.task = task;
    run.task_group = group;
    run.has_launch_executor = true;
    run.launch_executor = launch_executor;
    env.has_type = true;
    env.type = BUTTE__INTERNAL__ENVELOPE__TYPE__RUN_TASK;
    env.run_task = &run;
    if (!butte_master_agent_send(c->agent, &env))
        butte_log(c->fw->m->log, BUTTE_LOG_WARNING,
                  "agent %s is disconnected; its task launch is pending", c->agent->id);
}

static void
fix_executor(accept_ctx_t *c, Mesos__V1__ExecutorInfo *e)
{
    if (e->framework_id == NULL) {
        e->framework_id = butte_pool_alloc(c->tmp, sizeof *e->framework_id);
        mesos__v1__framework_id__init(e->framework_id);
    }
    e->framework_id->value = c->fw->id;
}

static void
launch(accept_ctx_t *c, Mesos__V1__TaskInfo *t)
{
    const char *msg = check_task(c, t, false);
    butte_resources_t *need = NULL, *exec = NULL;
    bool new_executor = false;

    if (msg == NULL)
        need = allocated(c, t->resources, t->n_resources, &msg);
    if (msg == NULL && t->executor != NULL &&
        !executor_known(c, t->executor->executor_id->value)) {
        new_executor = true;
        exec = allocated(c, t->executor->resources, t->executor->n_resources, &msg);
        if (exec != NULL)
            butte_resources_add_all(need, exec);
    }
    if (msg == NULL)
        msg = take(c, need);
    if (msg != NULL) {
        task_error(c, t->task_id->value, MESOS__V1__TASK_STATUS__REASON__REASON_TASK_INVALID,
                   msg);
        return;
    }
    /* the agent gets the resources as the master accounts them */
    butte_resources_to_pb(c->tmp, need, false, &t->resources, &t->n_resources);
    if (t->executor != NULL) {
        fix_executor(c, t->executor);
        if (new_executor)
            executor_launched(c, t->executor->executor_id->value);
    }
    butte_master_task_add(c->fw, c->agent, t,
                          t->executor != NULL ? t->executor->executor_id->value : NULL, c->role,
                          need, MESOS__V1__TASK_STATE__TASK_STAGING);
    c->fw->m->stats.tasks_launched++;
    butte_log(c->fw->m->log, BUTTE_LOG_INFO, "launching task %s of framework %s on agent %s",
              t->task_id->value, c->fw->id, c->agent->id);
    send_run(c, t->executor, t, NULL, new_executor || t->executor == NULL);
}

static void
launch_group(accept_ctx_t *c, Mesos__V1__Offer__Operation__LaunchGroup *lg)
{
    Mesos__V1__ExecutorInfo *e = lg->executor;
    Mesos__V1__TaskGroupInfo *g = lg->task_group;
    const char *msg = butte_master_id_valid(e->executor_id->value);
    butte_resources_t *need = butte_resources_create(c->tmp);
    butte_resources_t **each = butte_pool_alloc(c->tmp, (g->n_tasks + 1) * sizeof *each);
    bool new_executor = !executor_known(c, e->executor_id->value);

    if (msg != NULL)
        msg = butte_pool_printf(c->tmp, "Executor ID '%s' is invalid: %s", e->executor_id->value,
                                msg);
    if (msg == NULL && g->n_tasks == 0)
        msg = "Task group must contain at least one task";
    for (size_t i = 0; i < g->n_tasks && msg == NULL; i++) {
        msg = check_task(c, g->tasks[i], true);
        for (size_t j = 0; j < i && msg == NULL; j++)
            if (strcmp(g->tasks[i]->task_id->value, g->tasks[j]->task_id->value) == 0)
                msg = butte_pool_printf(c->tmp, "Task has duplicate ID: %s",
                                        g->tasks[i]->task_id->value);
        if (msg == NULL)
            each[i] = allocated(c, g->tasks[i]->resources, g->tasks[i]->n_resources, &msg);
        if (msg == NULL)
            butte_resources_add_all(need, each[i]);
    }
    if (msg == NULL && new_executor) {
        butte_resources_t *exec = allocated(c, e->resources, e->n_resources, &msg);

        if (exec != NULL)
            butte_resources_add_all(need, exec);
    }
    if (msg == NULL)
        msg = take(c, need);
    if (msg != NULL) {
        /* all or nothing: every task of the group fails the same way */
        for (size_t i = 0; i < g->n_tasks; i++)
            task_error(c, g->tasks[i]->task_id->value,
                       MESOS__V1__TASK_STATUS__REASON__REASON_TASK_GROUP_INVALID, msg);
        return;
    }
    fix_executor(c, e);
    for (size_t i = 0; i < g->n_tasks; i++) {
        Mesos__V1__TaskInfo *t = g->tasks[i];

        butte_resources_to_pb(c->tmp, each[i], false, &t->resources, &t->n_resources);
        butte_master_task_add(c->fw, c->agent, t, e->executor_id->value, c->role, each[i],
                              MESOS__V1__TASK_STATE__TASK_STAGING);
        c->fw->m->stats.tasks_launched++;
    }
    if (new_executor)
        executor_launched(c, e->executor_id->value);
    butte_log(c->fw->m->log, BUTTE_LOG_INFO,
              "launching task group of %zu tasks of framework %s on agent %s", g->n_tasks,
              c->fw->id, c->agent->id);
    send_run(c, e, NULL, g, new_executor);
}

/* Every task of the call gets TASK_DROPPED/TASK_LOST: the offers were bad. */
static void
drop_all(butte_mfw_t *fw, const Mesos__V1__Scheduler__Call__Accept *a, const char *why,
         butte_pool_t *tmp)
{
    Mesos__V1__TaskState state = fw->partition_aware ? MESOS__V1__TASK_STATE__TASK_DROPPED
                                                     : MESOS__V1__TASK_STATE__TASK_LOST;

    for (size_t i = 0; i < a->n_operations; i++) {
        const Mesos__V1__Offer__Operation *op = a->operations[i];
        Mesos__V1__TaskInfo **tasks = NULL;
        size_t n = 0;

        if (op->launch != NULL) {
            tasks = op->launch->task_infos;
            n = op->launch->n_task_infos;
        } else if (op->launch_group != NULL) {
            tasks = op->launch_group->task_group->tasks;
            n = op->launch_group->task_group->n_tasks;
        }
        for (size_t j = 0; j < n; j++) {
            Mesos__V1__TaskStatus *s = butte_master_status(
                tmp, tasks[j]->task_id->value, state,
                MESOS__V1__TASK_STATUS__REASON__REASON_INVALID_OFFERS,
                tasks[j]->agent_id->value, why);

            if (fw->partition_aware)
                fw->m->stats.tasks_dropped++;
            else
                fw->m->stats.tasks_lost++;
            butte_master_send_update(fw, s);
        }
    }
}

int
butte_master_accept(butte_mfw_t *fw, const Mesos__V1__Scheduler__Call__Accept *a,
                    butte_pool_t *tmp)
{
    butte_master_t *m = fw->m;
    double refuse =
        a->filters != NULL && a->filters->has_refuse_seconds ? a->filters->refuse_seconds : -1;
    butte_moffer_t **offers = butte_pool_alloc(tmp, (a->n_offer_ids + 1) * sizeof *offers);
    const char *invalid = a->n_offer_ids == 0 ? "No offers specified" : NULL;
    accept_ctx_t c = { .fw = fw, .tmp = tmp };

    for (size_t i = 0; i < a->n_offer_ids && invalid == NULL; i++) {
        const char *id = a->offer_ids[i]->value;
        butte_moffer_t *o = butte_master_offer(m, id);

        if (o == NULL) {
            invalid = butte_pool_printf(tmp, "Offer %s is no longer valid", id);
            break;
        }
        if (o->fw != fw)
            invalid = butte_pool_printf(tmp, "Offer %s has invalid framework", id);
        for (size_t j = 0; j < i && invalid == NULL; j++)
            if (offers[j] == o)
                invalid = butte_pool_printf(tmp, "Offer %s is used more than once", id);
        if (invalid == NULL && i > 0 && o->agent != offers[0]->agent)
            invalid = "Aggregated offers must belong to one single agent";
        if (invalid == NULL && i > 0 && strcmp(o->role, offers[0]->role) != 0)
            invalid = "Aggregated offers must be allocated to the same role";
        offers[i] = o;
    }
    if (invalid != NULL) {
        butte_log(m->log, BUTTE_LOG_WARNING, "ACCEPT of framework %s refused: %s", fw->id,
                  invalid);
        /* the good offers of the call go back; the framework learns about
         * its tasks through TASK_DROPPED/TASK_LOST (§A.6) */
        for (size_t i = 0; i < a->n_offer_ids; i++) {
            butte_moffer_t *o = butte_master_offer(m, a->offer_ids[i]->value);

            if (o != NULL && o->fw == fw)
                butte_master_offer_remove(o, true, false, 0);
        }
        drop_all(fw, a, invalid, tmp);
        butte_master_alloc_now(m);
        return 202;
    }

    c.agent = offers[0]->agent;
    c.role = butte_pool_strdup(tmp, offers[0]->role);
    c.remaining = butte_resources_create(tmp);
    for (size_t i = 0; i < a->n_offer_ids; i++) {
        butte_resources_add_all(c.remaining, offers[i]->resources);
        butte_master_offer_remove(offers[i], false, false, 0);
    }

    for (size_t i = 0; i < a->n_operations; i++) {
        Mesos__V1__Offer__Operation *op = a->operations[i];

        if (op->has_type && op->type == MESOS__V1__OFFER__OPERATION__TYPE__LAUNCH &&
            op->launch != NULL) {
            for (size_t j = 0; j < op->launch->n_task_infos; j++)
                launch(&c, op->launch->task_infos[j]);
        } else if (op->has_type && op->type == MESOS__V1__OFFER__OPERATION__TYPE__LAUNCH_GROUP &&
                   op->launch_group != NULL) {
            launch_group(&c, op->launch_group);
        } else {
            butte_log(m->log, BUTTE_LOG_WARNING,
                      "framework %s: offer operation %d is not supported yet; ignored", fw->id,
                      op->has_type ? (int)op->type : 0);
        }
    }
    if (!butte_resources_is_empty(c.remaining))
        butte_master_alloc_recover(m, fw->id, c.agent->id, c.remaining, refuse);
    return 202;
}
