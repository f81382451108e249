/*
 * frameworks/docker-executor/docker-tasks.c - the task of
 * mesos-docker-executor, run with the docker CLI (docker-executor.h).
 *
 * Phases: image (inspect, then pull when missing or forced) -> run (the
 * `docker run` client runs in the foreground for the container's whole
 * life; `docker inspect` is polled until the container exists, then
 * TASK_RUNNING) -> end (one last inspect for the exit code and the OOM
 * flag).  Every docker command is asynchronous (docker-cli.h); the
 * executor's loop never blocks except in tasks_kill_now, just before it
 * exits.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <butte/pbjson.h>

#include "docker-executor.h"
#include "executor.h"
#include "isolators/docker/docker-run.h"

#define DEFAULT_GRACE 3.0
#define POLL_SECS 0.1
#define RETRY_STOP_SECS 0.2

static docker_opts_t opts;

/* The one task and where it is. */
static struct {
    exec_t *ex;
    task_t *task;
    const char **run_args;      /* from the task's pool */
    butte_docker_cmd_t *image;  /* inspect or pull of the image */
    butte_docker_cmd_t *run;    /* the docker run client */
    butte_docker_cmd_t *probe;  /* an inspect of the container */
    butte_docker_cmd_t *stop;
    butte_timer_t *poll;
    butte_timer_t *retry;
    bool pulled;                /* the image phase pulled (or is pulling) */
    bool running_sent;
    bool run_ended;
    int run_status;
} dx;

void docker_tasks_configure(const docker_opts_t *o)
{
    opts = *o;
}

task_t *tasks_find(exec_t *ex, const char *task_id)
{
    for (task_t *t = ex->tasks; t != NULL; t = t->next)
        if (strcmp(t->id, task_id) == 0)
            return t;
    return NULL;
}

void tasks_init(exec_t *ex)
{
    dx.ex = ex;
}

static void finish(task_t *t, int state, const char *message, int reason)
{
    butte_timer_stop(dx.poll);
    butte_timer_stop(dx.retry);
    dx.poll = dx.retry = NULL;
    if (t->terminal)
        return;
    t->terminal = true;
    exec_update(dx.ex, t, state, message, reason);
    exec_maybe_exit(dx.ex);
}

static void send_running(task_t *t)
{
    if (dx.running_sent || t->terminal)
        return;
    dx.running_sent = true;
    exec_update(dx.ex, t, MESOS__V1__TASK_STATE__TASK_RUNNING, NULL, -1);
}

/* ---- the end ---- */

static void on_final_inspect(void *arg, int status, const char *out, const char *errout)
{
    task_t *t = arg;
    int code = -1;
    char oom[16] = "";
    char msg[512];

    (void)errout;
    dx.probe = NULL;
    if (status == 0 && sscanf(out, "%d %15s", &code, oom) >= 1) {
        /* the container existed, so it ran, however briefly */
        send_running(t);
        if (strcmp(oom, "true") == 0) {
            double mem = butte_docker_task_scalar(t->info, "mem");
            if (mem > 0)
                snprintf(msg, sizeof msg, "Memory limit exceeded: the container was OOM-killed "
                                          "at its limit of %g MB (exit status %d)",
                         mem < 32 ? 32 : mem, code);
            else
                snprintf(msg, sizeof msg, "Memory limit exceeded: the container was OOM-killed "
                                          "(exit status %d)", code);
            finish(t, MESOS__V1__TASK_STATE__TASK_FAILED, msg,
                   MESOS__V1__TASK_STATUS__REASON__REASON_CONTAINER_LIMITATION_MEMORY);
            return;
        }
        snprintf(msg, sizeof msg, "Container exited with status %d", code);
        if (t->killing)
            finish(t, MESOS__V1__TASK_STATE__TASK_KILLED, msg, -1);
        else
            finish(t, code == 0 ? MESOS__V1__TASK_STATE__TASK_FINISHED
                                : MESOS__V1__TASK_STATE__TASK_FAILED, msg, -1);
        return;
    }
    /* no container: docker run failed before creating it (its reason is
     * in the sandbox's stderr) */
    butte_pool_t *tmp = butte_pool_create(NULL);
    snprintf(msg, sizeof msg, "Failed to launch container: docker run %s (see the sandbox's "
                              "stderr)", butte_docker_describe(tmp, dx.run_status));
    butte_pool_destroy(tmp);
    if (t->killing)
        finish(t, MESOS__V1__TASK_STATE__TASK_KILLED, "Task killed before it started", -1);
    else
        finish(t, MESOS__V1__TASK_STATE__TASK_FAILED, msg,
               MESOS__V1__TASK_STATUS__REASON__REASON_CONTAINER_LAUNCH_FAILED);
}

static void final_inspect(task_t *t)
{
    const char *args[] = { "inspect", "--type=container", "--format",
                           "{{.State.ExitCode}} {{.State.OOMKilled}}", opts.container, NULL };
    butte_err_t err;

    dx.probe = butte_docker_start(dx.ex->loop, &opts.d, args, 0, on_final_inspect, t, &err);
    if (dx.probe == NULL)
        finish(t, MESOS__V1__TASK_STATE__TASK_FAILED, err.msg,
               MESOS__V1__TASK_STATUS__REASON__REASON_EXECUTOR_TERMINATED);
}

static void on_run_end(void *arg, int status, const char *out, const char *errout)
{
    task_t *t = arg;

    (void)out;
    (void)errout;
    dx.run = NULL;
    dx.run_ended = true;
    dx.run_status = status;
    butte_timer_stop(dx.poll);
    dx.poll = NULL;
    fprintf(stderr, "mesos-docker-executor: docker run of %s %s\n", opts.container,
            WIFEXITED(status) ? "ended" : "was killed");
    if (dx.probe != NULL)
        return; /* the running probe finishes first and comes back here */
    final_inspect(t);
}

/* ---- running ---- */

static void on_probe(void *arg, int status, const char *out, const char *errout)
{
    task_t *t = arg;

    (void)out;
    (void)errout;
    dx.probe = NULL;
    if (status == 0)
        send_running(t);
    if (dx.run_ended) {
        final_inspect(t);
        return;
    }
    if (dx.running_sent) {
        butte_timer_stop(dx.poll);
        dx.poll = NULL;
    }
}

static void on_poll(void *arg)
{
    task_t *t = arg;
    const char *args[] = { "inspect", "--type=container", "--format", "{{.State.Pid}}",
                           opts.container, NULL };
    butte_err_t err;

    if (dx.probe != NULL || dx.running_sent || dx.run_ended)
        return;
    dx.probe = butte_docker_start(dx.ex->loop, &opts.d, args, 0, on_probe, t, &err);
}

static void start_run(task_t *t)
{
    butte_err_t err;

    if (t->killing) {
        finish(t, MESOS__V1__TASK_STATE__TASK_KILLED, "Task killed before it started", -1);
        return;
    }
    fflush(stdout);
    fflush(stderr);
    dx.run = butte_docker_start(dx.ex->loop, &opts.d, dx.run_args, BUTTE_DOCKER_INHERIT,
                                on_run_end, t, &err);
    if (dx.run == NULL) {
        finish(t, MESOS__V1__TASK_STATE__TASK_FAILED, err.msg,
               MESOS__V1__TASK_STATUS__REASON__REASON_CONTAINER_LAUNCH_FAILED);
        return;
    }
    fprintf(stderr, "mesos-docker-executor: started docker run of %s (pid %d)\n",
            opts.container, (int)butte_docker_pid(dx.run));
    dx.poll = butte_timer_start(dx.ex->loop, POLL_SECS, true, on_poll, t);
}

/* ---- the image ---- */

static void on_image(void *arg, int status, const char *out, const char *errout);

static void pull(task_t *t, const char *image)
{
    const char *args[] = { "pull", image, NULL };
    butte_err_t err;

    dx.pulled = true;
    fprintf(stderr, "mesos-docker-executor: pulling %s\n", image);
    dx.image = butte_docker_start(dx.ex->loop, &opts.d, args, 0, on_image, t, &err);
    if (dx.image == NULL)
        finish(t, MESOS__V1__TASK_STATE__TASK_FAILED, err.msg,
               MESOS__V1__TASK_STATUS__REASON__REASON_CONTAINER_LAUNCH_FAILED);
}

static void on_image(void *arg, int status, const char *out, const char *errout)
{
    task_t *t = arg;
    const char *image = butte_docker_task_image(t->info);

    (void)out;
    dx.image = NULL;
    if (t->killing) {
        finish(t, MESOS__V1__TASK_STATE__TASK_KILLED, "Task killed before it started", -1);
        return;
    }
    if (status == 0) {
        start_run(t);
        return;
    }
    if (!dx.pulled) {
        pull(t, image); /* not here yet */
        return;
    }
    const char *args[] = { "pull", image, NULL };
    butte_pool_t *tmp = butte_pool_create(NULL);
    char *msg = butte_pool_printf(tmp, "Failed to launch container: %s",
                                  butte_docker_failure(tmp, &opts.d, args, status, errout));
    fprintf(stderr, "mesos-docker-executor: %s\n", msg);
    finish(t, MESOS__V1__TASK_STATE__TASK_FAILED, msg,
           MESOS__V1__TASK_STATUS__REASON__REASON_CONTAINER_LAUNCH_FAILED);
    butte_pool_destroy(tmp);
}

/* ---- launching ---- */

static task_t *new_task(exec_t *ex, const Mesos__V1__TaskInfo *info)
{
    butte_pool_t *p = butte_pool_create(ex->pool);
    task_t *t = butte_pool_alloc(p, sizeof *t);
    uint8_t *buf;
    size_t len;
    ProtobufCMessage *m = NULL;

    memset(t, 0, sizeof *t);
    t->pool = p;
    /* a copy that outlives the event (resent in SUBSCRIBE) */
    butte_pb_encode(p, &info->base, &buf, &len);
    if (butte_pb_decode(p, &mesos__v1__task_info__descriptor, buf, len, &m, NULL) != 0) {
        butte_pool_destroy(p);
        return NULL;
    }
    t->info = (Mesos__V1__TaskInfo *)m;
    t->id = t->info->task_id->value;
    t->grace = opts.stop_timeout > 0 ? opts.stop_timeout : DEFAULT_GRACE;
    if (t->info->kill_policy != NULL && t->info->kill_policy->grace_period != NULL)
        t->grace = (double)t->info->kill_policy->grace_period->nanoseconds / 1e9;
    t->next = ex->tasks;
    ex->tasks = t;
    return t;
}

void tasks_launch(exec_t *ex, const Mesos__V1__TaskInfo *info)
{
    butte_err_t err;
    task_t *t;

    if (info->task_id == NULL)
        return;
    if (dx.task != NULL) {
        fprintf(stderr, "mesos-docker-executor: runs one task only; ignoring LAUNCH of '%s'\n",
                info->task_id->value);
        return;
    }
    t = new_task(ex, info);
    if (t == NULL)
        return;
    dx.task = t;
    ex->launched_any = true;
    exec_update(ex, t, MESOS__V1__TASK_STATE__TASK_STARTING, NULL, -1);

    if (butte_docker_run_args(t->pool, t->info, opts.container, opts.sandbox, opts.mapped,
                              &dx.run_args, &err) != 0) {
        finish(t, MESOS__V1__TASK_STATE__TASK_FAILED, err.msg,
               MESOS__V1__TASK_STATUS__REASON__REASON_TASK_INVALID);
        return;
    }
    if (t->info->command != NULL && fetch_uris(t->info->command, ex->directory, &err) != 0) {
        finish(t, MESOS__V1__TASK_STATE__TASK_FAILED, err.msg,
               MESOS__V1__TASK_STATUS__REASON__REASON_CONTAINER_LAUNCH_FAILED);
        return;
    }
    const char *image = butte_docker_task_image(t->info);
    const Mesos__V1__ContainerInfo__DockerInfo *di = t->info->container->docker;
    if (di->has_force_pull_image && di->force_pull_image) {
        pull(t, image);
        return;
    }
    const char *args[] = { "image", "inspect", "--format", "{{.Id}}", image, NULL };
    dx.image = butte_docker_start(ex->loop, &opts.d, args, 0, on_image, t, &err);
    if (dx.image == NULL)
        finish(t, MESOS__V1__TASK_STATE__TASK_FAILED, err.msg,
               MESOS__V1__TASK_STATUS__REASON__REASON_CONTAINER_LAUNCH_FAILED);
}

/* ---- killing ---- */

static void stop_container(task_t *t);

static void on_retry(void *arg)
{
    butte_timer_stop(dx.retry);
    dx.retry = NULL;
    stop_container(arg);
}

static void on_stopped(void *arg, int status, const char *out, const char *errout)
{
    task_t *t = arg;

    (void)out;
    dx.stop = NULL;
    if (status == 0 || dx.run_ended || t->terminal)
        return; /* docker run ends now, and reports */
    /* docker run may not have created the container yet: try again */
    fprintf(stderr, "mesos-docker-executor: docker stop %s: %s", opts.container, errout);
    dx.retry = butte_timer_start(dx.ex->loop, RETRY_STOP_SECS, false, on_retry, t);
}

static void stop_container(task_t *t)
{
    char secs[32];
    const char *args[] = { "stop", "-t", secs, opts.container, NULL };
    butte_err_t err;

    if (dx.stop != NULL || dx.run_ended || t->terminal)
        return;
    snprintf(secs, sizeof secs, "%d", (int)(t->grace + 0.999));
    dx.stop = butte_docker_start(dx.ex->loop, &opts.d, args, 0, on_stopped, t, &err);
    if (dx.stop == NULL) {
        fprintf(stderr, "mesos-docker-executor: %s\n", err.msg);
        kill(butte_docker_pid(dx.run), SIGKILL); /* its end reports */
    }
}

static void kill_task(task_t *t, double grace)
{
    if (t->terminal)
        return;
    if (t->killing && grace >= t->grace)
        return; /* a second kill may only shorten the grace period */
    t->killing = true;
    t->grace = grace < 0 ? 0 : grace;
    if (dx.run == NULL) {
        /* still in the image phase: its end reports TASK_KILLED */
        if (dx.image != NULL)
            kill(butte_docker_pid(dx.image), SIGKILL);
        return;
    }
    fprintf(stderr, "mesos-docker-executor: stopping %s (SIGKILL after %.0f s)\n",
            opts.container, t->grace);
    stop_container(t);
}

void tasks_kill(exec_t *ex, const char *task_id, const Mesos__V1__KillPolicy *policy)
{
    task_t *t = tasks_find(ex, task_id);
    double grace;

    if (t == NULL) {
        fprintf(stderr, "mesos-docker-executor: KILL for unknown task '%s' ignored\n", task_id);
        return;
    }
    grace = t->grace;
    if (policy != NULL && policy->grace_period != NULL)
        grace = (double)policy->grace_period->nanoseconds / 1e9;
    kill_task(t, grace);
}

void tasks_kill_all(exec_t *ex, double max_grace)
{
    for (task_t *t = ex->tasks; t != NULL; t = t->next)
        kill_task(t, max_grace >= 0 && t->grace > max_grace ? max_grace : t->grace);
}

/* The executor exits: the container must not outlive it.  Blocks. */
void tasks_kill_now(exec_t *ex)
{
    const char *args[] = { "kill", opts.container, NULL };
    butte_pool_t *tmp;
    butte_err_t err;

    (void)ex;
    if (dx.image != NULL)
        kill(butte_docker_pid(dx.image), SIGKILL);
    if (dx.run == NULL)
        return;
    tmp = butte_pool_create(NULL);
    butte_docker_sync(&opts.d, args, 30, tmp, NULL, NULL, &err);
    butte_pool_destroy(tmp);
}

void docker_tasks_cleanup(void)
{
    butte_timer_stop(dx.poll);
    butte_timer_stop(dx.retry);
    dx.poll = dx.retry = NULL;
    butte_docker_abandon(dx.image, SIGKILL, true);
    butte_docker_abandon(dx.run, SIGKILL, true);
    butte_docker_abandon(dx.probe, SIGKILL, true);
    butte_docker_abandon(dx.stop, SIGKILL, true);
    dx.image = dx.run = dx.probe = dx.stop = NULL;
}
