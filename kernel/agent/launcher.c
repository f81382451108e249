/*
 * kernel/agent/launcher.c - the agent's executors (launcher-internal.h,
 * executor-internal.h): which executor runs a task, its sandbox and
 * environment, launching it through the containerizer, handing it tasks,
 * kills, shutdowns, the registration timeout, and what its exit means for
 * its tasks.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <butte/pbjson.h>

#include "agent/checkpoint-internal.h"
#include "agent/containerizers-internal.h"
#include "agent/executor-internal.h"
#include "agent/launcher-internal.h"
#include "core/resources-pb.h"

/* ------------------------------------------------------------ helpers */

agent_executor_t *
butte_exec_find(butte_agent_t *a, const char *framework_id, const char *id)
{
    for (agent_executor_t *ex = a->executors; ex; ex = ex->next)
        if (strcmp(ex->framework_id, framework_id) == 0 && strcmp(ex->id, id) == 0)
            return ex;
    return NULL;
}

static exec_task_t *
exec_task(agent_executor_t *ex, const char *task_id)
{
    for (exec_task_t *t = ex->tasks; t; t = t->next)
        if (strcmp(t->id, task_id) == 0)
            return t;
    return NULL;
}

static agent_executor_t *
owner(butte_agent_t *a, const char *framework_id, const char *task_id, exec_task_t **tp)
{
    for (agent_executor_t *ex = a->executors; ex; ex = ex->next) {
        exec_task_t *t;
        if (strcmp(ex->framework_id, framework_id) == 0 && (t = exec_task(ex, task_id))) {
            *tp = t;
            return ex;
        }
    }
    return NULL;
}

butte_resources_t *
butte_exec_limits(butte_pool_t *pool, const butte_resources_t *requests,
                  const Mesos__V1__TaskInfo *ti)
{
    butte_resources_t *task = NULL, *out;
    butte_err_t err;

    if (ti == NULL || ti->n_limits == 0)
        return NULL;
    butte_resources_from_pb(pool, ti->resources, ti->n_resources, &task, &err);
    out = butte_resources_create(pool);
    for (size_t i = 0; i < ti->n_limits; i++) {
        const char *name = ti->limits[i]->key;
        double v = ti->limits[i]->value ? ti->limits[i]->value->value : -1;
        if (name == NULL || !(v >= 0) || v == INFINITY)
            continue;
        double rest = butte_resources_scalar(requests, name) -
                      (task ? butte_resources_scalar(task, name) : 0);
        butte_err_clear(&err);
        butte_resources_add_scalar(out, name, NULL, (rest > 0 ? rest : 0) + v, &err);
    }
    return butte_resources_count(out) ? out : NULL;
}

/* ------------------------------------------------------------ exit */

static void
forget(agent_executor_t *ex)
{
    butte_agent_t *a = ex->agent;

    for (agent_executor_t **p = &a->executors; *p; p = &(*p)->next) {
        if (*p == ex) {
            *p = ex->next;
            break;
        }
    }
    butte_timer_stop(ex->reg_timer);
    butte_timer_stop(ex->grace_timer);
    ex->reg_timer = ex->grace_timer = NULL;
    /* stops the heartbeat timer too (once: it is not stopped here) */
    butte_exec_close_stream(ex);
    butte_pool_destroy(ex->pool);
}

static char *
status_text(butte_pool_t *pool, int st)
{
    if (WIFEXITED(st))
        return butte_pool_printf(pool, "exited with status %d", WEXITSTATUS(st));
    if (WIFSIGNALED(st))
        return butte_pool_printf(pool, "terminated by signal %s", strsignal(WTERMSIG(st)));
    return butte_pool_printf(pool, "ended with wait status %d", st);
}

/* The executor's process ended: its tasks that did not end are failed
 * (killed when a kill or shutdown was asked), the master hears of it. */
static void
executor_exited(void *ctx, const char *container_id, const butte_container_termination_t *term)
{
    agent_executor_t *ex = ctx;
    butte_agent_t *a = ex->agent;
    butte_err_t err;
    int st = term->has_status ? term->status : -1;
    char *what = term->has_status ? status_text(ex->pool, st)
                                  : butte_pool_strdup(ex->pool, term->message ? term->message
                                                                              : "ended");

    if (term->reason > 0 && ex->term_reason < 0) {
        /* the containerizer knows why (a failed launch, an OOM-killed
         * docker container): that is what the tasks report */
        ex->term_reason = term->reason;
        ex->term_message = butte_pool_strdup(ex->pool, term->message ? term->message : what);
    }

    butte_log(a->log, BUTTE_LOG_INFO, "executor '%s' of framework '%s' (container %s) %s",
              ex->id, ex->framework_id, container_id, what);
    for (exec_task_t *t = ex->tasks; t; t = t->next) {
        Mesos__V1__TaskState s;
        if (!butte_agent_task_state(a, ex->framework_id, t->id, &s) || butte_agent_state_terminal(s))
            continue;
        bool killed = t->killing || (ex->state == EXEC_TERMINATING && ex->term_reason < 0);
        int reason = ex->term_reason >= 0
                         ? ex->term_reason
                         : MESOS__V1__TASK_STATUS__REASON__REASON_EXECUTOR_TERMINATED;
        const char *msg = ex->term_message
                              ? ex->term_message
                              : butte_pool_printf(ex->pool, "Executor terminated: %s", what);
        butte_err_clear(&err);
        butte_agent_status(a, ex->framework_id, t->id,
                           killed ? MESOS__V1__TASK_STATE__TASK_KILLED
                                  : MESOS__V1__TASK_STATE__TASK_FAILED,
                           reason, msg, false, &err);
    }
    Butte__Internal__Envelope env = BUTTE__INTERNAL__ENVELOPE__INIT;
    Butte__Internal__ExitedExecutor x = BUTTE__INTERNAL__EXITED_EXECUTOR__INIT;
    Mesos__V1__AgentID aid = MESOS__V1__AGENT_ID__INIT;
    Mesos__V1__FrameworkID fid = MESOS__V1__FRAMEWORK_ID__INIT;
    Mesos__V1__ExecutorID eid = MESOS__V1__EXECUTOR_ID__INIT;
    aid.value = a->id ? a->id : "";
    fid.value = ex->framework_id;
    eid.value = ex->id;
    x.agent_id = &aid;
    x.framework_id = &fid;
    x.executor_id = &eid;
    x.status = st;
    env.has_type = 1;
    env.type = BUTTE__INTERNAL__ENVELOPE__TYPE__EXITED_EXECUTOR;
    env.exited_executor = &x;
    butte_agent_send_envelope(a, &env);
    butte_agent_sandbox_exited(a, ex);
    forget(ex);
    /* a run whose updates were all acknowledged is collected from now */
    butte_agent_sandbox_check(a);
}

/* Destroy the container now; executor_exited reports with reason and message. */
static void
destroy(agent_executor_t *ex, int reason, const char *message)
{
    if (ex->term_reason < 0 && reason >= 0) {
        ex->term_reason = reason;
        ex->term_message = butte_pool_strdup(ex->pool, message);
    }
    ex->state = EXEC_TERMINATING;
    butte_ctz_kill(ex->agent->ctz, ex->container_id);
}

/* An isolator saw the container cross a limit (memory): Mesos destroys the
 * container and fails its tasks with the isolator's reason and message. */
static void
executor_limited(void *ctx, const char *container_id, int reason, const char *message)
{
    agent_executor_t *ex = ctx;

    butte_log(ex->agent->log, BUTTE_LOG_WARNING,
              "executor '%s' of framework '%s' reached a limit: destroying container %s",
              ex->id, ex->framework_id, container_id);
    destroy(ex, reason, message);
}

static void
registration_timeout(void *arg)
{
    agent_executor_t *ex = arg;
    double secs = butte_flags_double(ex->agent->flags, "executor_registration_timeout");

    if (ex->state != EXEC_REGISTERING)
        return;
    butte_log(ex->agent->log, BUTTE_LOG_WARNING,
              "executor '%s' of framework '%s' did not subscribe within %gs: destroying it",
              ex->id, ex->framework_id, secs);
    destroy(ex, MESOS__V1__TASK_STATUS__REASON__REASON_EXECUTOR_REGISTRATION_TIMEOUT,
            butte_pool_printf(ex->pool, "Executor did not register within %s",
                              butte_exec_duration_text(ex->pool, secs)));
}

static void
grace_over(void *arg)
{
    agent_executor_t *ex = arg;

    butte_log(ex->agent->log, BUTTE_LOG_INFO,
              "executor '%s' of framework '%s' still runs after its %gs grace period: killing it",
              ex->id, ex->framework_id, ex->grace);
    butte_ctz_kill(ex->agent->ctz, ex->container_id);
}

void
butte_exec_shutdown(agent_executor_t *ex)
{
    Mesos__V1__Executor__Event ev = MESOS__V1__EXECUTOR__EVENT__INIT;

    if (ex->state == EXEC_TERMINATING && ex->grace_timer)
        return;
    ex->state = EXEC_TERMINATING;
    ev.has_type = 1;
    ev.type = MESOS__V1__EXECUTOR__EVENT__TYPE__SHUTDOWN;
    if (!butte_exec_send(ex, &ev)) {
        /* it cannot hear a SHUTDOWN: there is nothing to wait for */
        butte_ctz_kill(ex->agent->ctz, ex->container_id);
        return;
    }
    butte_timer_stop(ex->grace_timer);
    ex->grace_timer = butte_timer_start(ex->agent->loop, ex->grace, false, grace_over, ex);
}

/* ------------------------------------------------------------ tasks */

void
butte_exec_flush(agent_executor_t *ex)
{
    butte_pool_t *tmp = butte_pool_create(NULL);
    ProtobufCAllocator alloc;

    butte_pb_allocator(tmp, &alloc);
    while (ex->queue && ex->stream) {
        exec_launch_t *l = ex->queue;
        Mesos__V1__Executor__Event ev = MESOS__V1__EXECUTOR__EVENT__INIT;
        Mesos__V1__Executor__Event__Launch launch = MESOS__V1__EXECUTOR__EVENT__LAUNCH__INIT;
        Mesos__V1__Executor__Event__LaunchGroup group =
            MESOS__V1__EXECUTOR__EVENT__LAUNCH_GROUP__INIT;

        ev.has_type = 1;
        if (l->group) {
            group.task_group = mesos__v1__task_group_info__unpack(&alloc, l->len, l->data);
            ev.type = MESOS__V1__EXECUTOR__EVENT__TYPE__LAUNCH_GROUP;
            ev.launch_group = &group;
            for (size_t i = 0; group.task_group && i < group.task_group->n_tasks; i++) {
                exec_task_t *t = exec_task(ex, group.task_group->tasks[i]->task_id->value);
                if (t)
                    t->launched = true;
            }
        } else {
            launch.task = mesos__v1__task_info__unpack(&alloc, l->len, l->data);
            ev.type = MESOS__V1__EXECUTOR__EVENT__TYPE__LAUNCH;
            ev.launch = &launch;
            exec_task_t *t = launch.task ? exec_task(ex, launch.task->task_id->value) : NULL;
            if (t)
                t->launched = true;
        }
        ex->queue = l->next;
        if (!ex->queue)
            ex->queue_tail = NULL;
        butte_exec_send(ex, &ev);
    }
    butte_pool_destroy(tmp);
}

static void
add_task(agent_executor_t *ex, const Mesos__V1__TaskInfo *ti)
{
    exec_task_t *t = butte_pool_alloc(ex->pool, sizeof *t);
    butte_resources_t *rs;
    butte_err_t err;

    memset(t, 0, sizeof *t);
    t->id = butte_pool_strdup(ex->pool, ti->task_id->value);
    if (ti->kill_policy) {
        t->kill_policy_len = mesos__v1__kill_policy__get_packed_size(ti->kill_policy);
        t->kill_policy = butte_pool_alloc(ex->pool, t->kill_policy_len + 1);
        mesos__v1__kill_policy__pack(ti->kill_policy, t->kill_policy);
    }
    t->next = ex->tasks;
    ex->tasks = t;
    if (butte_resources_from_pb(ex->pool, ti->resources, ti->n_resources, &rs, &err) == 0) {
        butte_resources_add_all(ex->resources, rs);
        t->resources = rs;
    }
    if (ex->meta_dir) {
        /* task.info beside its update stream, for the recovery to find */
        butte_pool_t *tmp = butte_pool_create(NULL);
        size_t len = mesos__v1__task_info__get_packed_size(ti);
        uint8_t *data = butte_pool_alloc(tmp, len + 1);
        mesos__v1__task_info__pack(ti, data);
        butte_err_clear(&err);
        if (butte_ckpt_write_file(butte_pool_printf(tmp, "%s/tasks/%s/task.info", ex->meta_dir,
                                                    t->id),
                                  data, len, &err) != 0)
            butte_log(ex->agent->log, BUTTE_LOG_WARNING, "cannot checkpoint task '%s': %s",
                      t->id, err.msg);
        butte_pool_destroy(tmp);
    }
}

void
butte_exec_task_ended(agent_executor_t *ex, const char *task_id)
{
    exec_task_t *t = exec_task(ex, task_id);

    if (t == NULL || t->ended)
        return;
    t->ended = true;
    if (t->resources == NULL || ex->state == EXEC_TERMINATING)
        return;
    butte_resources_subtract(ex->resources, t->resources);
    /* its last task ended: the executor exits next, nothing to resize
     * (a docker container would get a pointless `docker update`) */
    bool live = false;
    for (exec_task_t *o = ex->tasks; o != NULL && !live; o = o->next)
        live = !o->ended;
    if (!live)
        return;
    butte_ctz_update(ex->agent->ctz, ex->container_id, ex->resources, ex->limits);
}

char *
butte_exec_task_meta(butte_agent_t *a, const char *framework_id, const char *task_id,
                     butte_pool_t *pool)
{
    exec_task_t *t;
    agent_executor_t *ex = owner(a, framework_id, task_id, &t);

    if (!ex || !ex->meta_dir)
        return NULL;
    return butte_pool_printf(pool, "%s/tasks/%s", ex->meta_dir, task_id);
}

static void
enqueue(agent_executor_t *ex, const ProtobufCMessage *msg, bool group)
{
    exec_launch_t *l = butte_pool_alloc(ex->pool, sizeof *l);

    l->next = NULL;
    l->group = group;
    l->len = protobuf_c_message_get_packed_size(msg);
    l->data = butte_pool_alloc(ex->pool, l->len + 1);
    protobuf_c_message_pack(msg, l->data);
    if (ex->queue_tail)
        ex->queue_tail->next = l;
    else
        ex->queue = l;
    ex->queue_tail = l;
}


/* default_executor_info - a copy of ei that runs
 * <launcher_dir>/mesos-default-executor; NULL with err when it is missing. */
static const Mesos__V1__ExecutorInfo *
default_executor_info(butte_pool_t *pool, const Mesos__V1__ExecutorInfo *ei, const char *ldir,
                      butte_err_t *err)
{
    const char *path = butte_pool_printf(pool, "%s/mesos-default-executor", ldir);
    Mesos__V1__ExecutorInfo *copy;
    Mesos__V1__CommandInfo *cmd;

    if (access(path, X_OK) != 0) {
        butte_err_set(err, BUTTE_ENOTFOUND,
                      "executor binary \"%s\" not found: %s (set --launcher_dir)", path,
                      strerror(errno));
        return NULL;
    }
    copy = butte_pool_alloc(pool, sizeof *copy);
    *copy = *ei;
    cmd = butte_pool_alloc(pool, sizeof *cmd);
    mesos__v1__command_info__init(cmd);
    cmd->value = (char *)path;
    cmd->has_shell = 1;
    cmd->shell = 0;
    cmd->n_arguments = 2;
    cmd->arguments = butte_pool_alloc(pool, 2 * sizeof(char *));
    cmd->arguments[0] = "mesos-default-executor";
    cmd->arguments[1] = butte_pool_printf(pool, "--launcher_dir=%s", ldir);
    copy->command = cmd;
    return copy;
}

static agent_executor_t *
start_executor(butte_agent_t *a, const Butte__Internal__RunTask *run,
               const Mesos__V1__ExecutorInfo *given, butte_err_t *err)
{
    const Mesos__V1__FrameworkInfo *fi = run->framework_info;
    butte_pool_t *pool = butte_pool_create(NULL);
    agent_executor_t *ex = butte_pool_alloc(pool, sizeof *ex);
    const char *ldir = butte_exec_launcher_dir(a);
    const Mesos__V1__ExecutorInfo *ei = given;
    const Mesos__V1__CommandInfo *cmd;
    const char **argv;
    butte_ctz_launch_t cl;
    butte_mc_launch_t *l = &cl.mc;

    memset(ex, 0, sizeof *ex);
    ex->agent = a;
    ex->pool = pool;
    ex->term_reason = -1;
    ex->framework_id = butte_pool_strdup(pool, fi->id->value);
    ex->checkpoint = fi->has_checkpoint && fi->checkpoint;
    ex->resources = butte_resources_create(pool);
    ex->launched_at = butte_loop_now(a->loop);
    if (!ei) {
        const char *path = butte_pool_printf(pool, "%s/mesos-executor", ldir);
        if (access(path, X_OK) != 0) {
            butte_err_set(err, BUTTE_ENOTFOUND,
                          "executor binary \"%s\" not found: %s (set --launcher_dir)", path,
                          strerror(errno));
            goto fail;
        }
        ei = butte_exec_command_info(pool, ex->framework_id, run->task, path, ldir);
        ex->command = true;
    } else if (ei->has_type && ei->type == MESOS__V1__EXECUTOR_INFO__TYPE__DEFAULT &&
               (ei->command == NULL ||
                (ei->command->value == NULL && ei->command->n_arguments == 0))) {
        /* A DEFAULT executor without a command is Mesos' default executor
         * (task groups): run ours from the launcher folder under the
         * framework's executor id. */
        ei = default_executor_info(pool, ei, ldir, err);
        if (ei == NULL)
            goto fail;
    }
    cmd = ei->command;
    if (!cmd || (!cmd->value && cmd->n_arguments == 0)) {
        butte_err_set(err, BUTTE_EINVAL, "executor '%s' has no command to run",
                      ei->executor_id->value);
        goto fail;
    }
    ex->id = butte_pool_strdup(pool, ei->executor_id->value);
    ex->name = butte_pool_strdup(pool, ei->name ? ei->name : "");
    ex->container_id = butte_exec_uuid_text(pool);
    ex->grace = ei->shutdown_grace_period && ei->shutdown_grace_period->nanoseconds > 0
                    ? (double)ei->shutdown_grace_period->nanoseconds / 1e9
                    : butte_flags_double(a->flags, "executor_shutdown_grace_period");
    {
        butte_resources_t *rs;
        butte_err_t e2;
        if (butte_resources_from_pb(pool, ei->resources, ei->n_resources, &rs, &e2) == 0)
            butte_resources_add_all(ex->resources, rs);
    }

    /* the sandbox, and runs/latest pointing at it */
    char *runs = butte_pool_printf(pool, "%s/slaves/%s/frameworks/%s/executors/%s/runs",
                                   a->work_dir, a->id ? a->id : "unregistered", ex->framework_id,
                                   ex->id);
    ex->directory = butte_pool_printf(pool, "%s/%s", runs, ex->container_id);
    if (butte_exec_mkdirs(ex->directory, err) != 0)
        goto fail;
    if (ex->checkpoint)
        ex->meta_dir = butte_ckpt_run_dir(pool, a->work_dir, a->id ? a->id : "unregistered",
                                          ex->framework_id, ex->id, ex->container_id);
    char *latest = butte_pool_printf(pool, "%s/latest", runs);
    unlink(latest);
    if (symlink(ex->container_id, latest) != 0)
        butte_log(a->log, BUTTE_LOG_WARNING, "cannot link \"%s\": %s", latest, strerror(errno));

    /* keep what SUBSCRIBED needs, with framework_id filled in */
    {
        Mesos__V1__ExecutorInfo copy = *ei;
        Mesos__V1__FrameworkID fid = MESOS__V1__FRAMEWORK_ID__INIT;
        fid.value = ex->framework_id;
        copy.framework_id = &fid;
        ex->info_len = mesos__v1__executor_info__get_packed_size(&copy);
        ex->info = butte_pool_alloc(pool, ex->info_len + 1);
        mesos__v1__executor_info__pack(&copy, ex->info);
        ex->framework_len = mesos__v1__framework_info__get_packed_size(fi);
        ex->framework = butte_pool_alloc(pool, ex->framework_len + 1);
        mesos__v1__framework_info__pack(fi, ex->framework);
    }

    if (cmd->has_shell && !cmd->shell) {
        argv = butte_pool_alloc(pool, (cmd->n_arguments + 2) * sizeof *argv);
        argv[0] = cmd->value ? cmd->value : cmd->arguments[0];
        for (size_t i = 1; i < cmd->n_arguments; i++)
            argv[i] = cmd->arguments[i];
        argv[cmd->n_arguments ? cmd->n_arguments : 1] = NULL;
        if (strchr(argv[0], '/') && access(argv[0], X_OK) != 0) {
            butte_err_set(err, BUTTE_ENOTFOUND, "executor binary \"%s\" not found: %s", argv[0],
                          strerror(errno));
            goto fail;
        }
    } else {
        argv = butte_pool_alloc(pool, 4 * sizeof *argv);
        argv[0] = "/bin/sh";
        argv[1] = "-c";
        argv[2] = cmd->value ? cmd->value : "";
        argv[3] = NULL;
    }

    memset(&cl, 0, sizeof cl);
    l->container_id = ex->container_id;
    l->directory = ex->directory;
    if (butte_flags_bool(a->flags, "switch_user")) {
        const char *user = cmd->user && *cmd->user ? cmd->user : NULL;
        if (!user && ex->command && run->task->command->user && *run->task->command->user)
            user = run->task->command->user;
        if (!user && fi->user && *fi->user)
            user = fi->user;
        l->user = user;
    }
    l->argv = argv;
    l->env = butte_exec_env(a, ex, ex->command ? NULL : cmd, ldir, pool);
    l->resources = ex->resources;
    l->executor_info.data = ex->info;
    l->executor_info.len = ex->info_len;
    cl.on_limit = executor_limited;
    {
        /* what a containerizer module needs to pick and build the container */
        const Mesos__V1__ContainerInfo *ci = ex->command ? run->task->container : given->container;
        if (ex->command) {
            size_t len = mesos__v1__task_info__get_packed_size(run->task);
            uint8_t *data = butte_pool_alloc(pool, len + 1);
            mesos__v1__task_info__pack(run->task, data);
            cl.task_info.data = data;
            cl.task_info.len = len;
            ex->limits = butte_exec_limits(pool, ex->resources, run->task);
        }
        if (ci != NULL) {
            size_t len = mesos__v1__container_info__get_packed_size(ci);
            uint8_t *data = butte_pool_alloc(pool, len + 1);
            mesos__v1__container_info__pack(ci, data);
            cl.container_info.data = data;
            cl.container_info.len = len;
        }
        cl.limits = ex->limits;
    }
    if (butte_ctz_launch(a->ctz, &cl, executor_exited, ex, &ex->pid, err) != 0)
        goto fail;
    ex->state = EXEC_REGISTERING;
    ex->next = a->executors;
    a->executors = ex;
    butte_agent_sandbox_launched(a, ex);
    ex->reg_timer =
        butte_timer_start(a->loop, butte_flags_double(a->flags, "executor_registration_timeout"),
                          false, registration_timeout, ex);
    butte_log(a->log, BUTTE_LOG_INFO,
              "launched executor '%s' of framework '%s' in container %s (%s), sandbox %s",
              ex->id, ex->framework_id, ex->container_id,
              ex->pid > 0 ? butte_pool_printf(pool, "pid %d", (int)ex->pid)
                          : "run by a containerizer module",
              ex->directory);
    return ex;
fail:
    butte_pool_destroy(pool);
    return NULL;
}

int
butte_agent_launch(butte_agent_t *a, const Butte__Internal__RunTask *run, butte_err_t *err)
{
    const char *fw = run->framework_info->id->value;
    const Mesos__V1__ExecutorInfo *ei = NULL;
    const char *ex_id;
    agent_executor_t *ex;

    if (run->task) {
        if (run->task->executor && run->task->command)
            return butte_err_set(err, BUTTE_EINVAL, "a task sets both 'executor' and 'command'");
        ei = run->task->executor;
        if (!ei && !run->task->command)
            return butte_err_set(err, BUTTE_EINVAL, "a task sets neither 'executor' nor 'command'");
        ex_id = ei ? ei->executor_id->value : run->task->task_id->value;
    } else {
        ei = run->executor;
        if (!ei || !ei->executor_id)
            return butte_err_set(err, BUTTE_EINVAL, "a task group comes without its executor");
        ex_id = ei->executor_id->value;
    }
    ex = butte_exec_find(a, fw, ex_id);
    if (ex && ex->state == EXEC_TERMINATING)
        return butte_err_set(err, BUTTE_ECONFLICT, "executor '%s' is terminating", ex_id);
    if (!ex) {
        if (run->has_launch_executor && !run->launch_executor)
            return butte_err_set(err, BUTTE_ENOTFOUND,
                                 "executor '%s' is not running on this agent", ex_id);
        ex = start_executor(a, run, ei, err);
        if (!ex)
            return err->code ? err->code : BUTTE_EIO;
    }
    if (run->task) {
        add_task(ex, run->task);
        enqueue(ex, &run->task->base, false);
    } else {
        for (size_t i = 0; i < run->task_group->n_tasks; i++)
            add_task(ex, run->task_group->tasks[i]);
        enqueue(ex, &run->task_group->base, true);
    }
    butte_ctz_update(a->ctz, ex->container_id, ex->resources, ex->limits);
    if (ex->state == EXEC_RUNNING)
        butte_exec_flush(ex);
    return BUTTE_OK;
}

/* ------------------------------------------------------------ kill, shutdown */

int
butte_agent_launcher_kill(butte_agent_t *a, const char *framework_id, const char *task_id,
                          const Mesos__V1__KillPolicy *policy, butte_err_t *err)
{
    exec_task_t *t = NULL;
    agent_executor_t *ex = owner(a, framework_id, task_id, &t);

    if (!ex)
        return butte_err_set(err, BUTTE_ENOTFOUND, "nothing runs for task '%s'", task_id);
    t->killing = true;
    if (!t->launched) {
        /* still queued: it never reaches the executor */
        for (exec_launch_t **p = &ex->queue; *p; p = &(*p)->next) {
            Mesos__V1__TaskInfo *ti =
                (*p)->group ? NULL : mesos__v1__task_info__unpack(NULL, (*p)->len, (*p)->data);
            bool match = ti && strcmp(ti->task_id->value, task_id) == 0;
            if (ti)
                mesos__v1__task_info__free_unpacked(ti, NULL);
            if (match) {
                *p = (*p)->next;
                ex->queue_tail = NULL;
                for (exec_launch_t *q = ex->queue; q; q = q->next)
                    ex->queue_tail = q;
                break;
            }
        }
        butte_agent_status(a, framework_id, task_id, MESOS__V1__TASK_STATE__TASK_KILLED,
                           MESOS__V1__TASK_STATUS__REASON__REASON_TASK_KILLED_DURING_LAUNCH,
                           "killed before the executor received it", false, err);
        butte_exec_task_ended(ex, task_id);
        bool live = false;
        for (exec_task_t *o = ex->tasks; o; o = o->next)
            live |= !o->killing;
        if (!live)
            butte_exec_shutdown(ex);
        return BUTTE_OK;
    }
    Mesos__V1__Executor__Event ev = MESOS__V1__EXECUTOR__EVENT__INIT;
    Mesos__V1__Executor__Event__Kill k = MESOS__V1__EXECUTOR__EVENT__KILL__INIT;
    Mesos__V1__TaskID tid = MESOS__V1__TASK_ID__INIT;
    Mesos__V1__KillPolicy *own = NULL;
    tid.value = (char *)task_id;
    k.task_id = &tid;
    if (!policy && t->kill_policy)
        policy = own = mesos__v1__kill_policy__unpack(NULL, t->kill_policy_len, t->kill_policy);
    k.kill_policy = (Mesos__V1__KillPolicy *)policy;
    ev.has_type = 1;
    ev.type = MESOS__V1__EXECUTOR__EVENT__TYPE__KILL;
    ev.kill = &k;
    bool sent = butte_exec_send(ex, &ev);
    if (own)
        mesos__v1__kill_policy__free_unpacked(own, NULL);
    if (!sent)
        butte_exec_shutdown(ex); /* disconnected: stop it, the task ends KILLED */
    return BUTTE_OK;
}

int
butte_agent_launcher_shutdown_executor(butte_agent_t *a, const char *framework_id,
                                       const char *executor_id, butte_err_t *err)
{
    agent_executor_t *ex = butte_exec_find(a, framework_id, executor_id);

    if (!ex)
        return butte_err_set(err, BUTTE_ENOTFOUND, "executor '%s' does not run here",
                             executor_id);
    butte_exec_shutdown(ex);
    return BUTTE_OK;
}

int
butte_agent_launcher_message(butte_agent_t *a, const char *framework_id,
                             const char *executor_id, const uint8_t *data, size_t len,
                             butte_err_t *err)
{
    agent_executor_t *ex = butte_exec_find(a, framework_id, executor_id);
    Mesos__V1__Executor__Event ev = MESOS__V1__EXECUTOR__EVENT__INIT;
    Mesos__V1__Executor__Event__Message m = MESOS__V1__EXECUTOR__EVENT__MESSAGE__INIT;

    if (!ex)
        return butte_err_set(err, BUTTE_ENOTFOUND, "executor '%s' does not run here",
                             executor_id);
    m.data.data = (uint8_t *)data;
    m.data.len = len;
    ev.has_type = 1;
    ev.type = MESOS__V1__EXECUTOR__EVENT__TYPE__MESSAGE;
    ev.message = &m;
    if (!butte_exec_send(ex, &ev))
        return butte_err_set(err, BUTTE_ENOTFOUND, "executor '%s' is not subscribed",
                             executor_id);
    return BUTTE_OK;
}

void
butte_agent_launcher_shutdown_framework(butte_agent_t *a, const char *framework_id)
{
    for (agent_executor_t *ex = a->executors; ex; ex = ex->next)
        if (strcmp(ex->framework_id, framework_id) == 0)
            butte_exec_shutdown(ex);
}

/* ------------------------------------------------------------ start, stop */

int
butte_agent_launcher_start(butte_agent_t *a, butte_err_t *err)
{
    a->ctz = butte_ctz_create(a->pool, a->loop, a->flags, a->modules, err);
    if (!a->ctz)
        return err->code ? err->code : BUTTE_EINVAL;
    return BUTTE_OK;
}

void
butte_exec_destroy_all(butte_agent_t *a)
{
    /* the containerizer kills and reaps; nothing is reported any more */
    while (a->executors)
        forget(a->executors);
    butte_ctz_destroy(a->ctz);
    a->ctz = NULL;
}

void
butte_agent_launcher_stop(butte_agent_t *a)
{
    butte_exec_destroy_all(a);
}
