/*
 * frameworks/executor/tasks.c - running the tasks of the command executor.
 *
 * Each task runs in a process group (and session) of its own, led by the
 * process forked for it, so that a kill reaches its whole tree: SIGTERM to
 * the group, SIGKILL to the group after the grace period, and SIGKILL to
 * the group again once the leader is gone (stragglers that ignored
 * SIGTERM or were started in the background).  The executor is also a
 * child subreaper, so orphans of a task are reparented to it and reaped.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>

#include <butte/pbjson.h>

#include "core/loop-internal.h"
#include "executor.h"

#define DEFAULT_GRACE 3.0

task_t *tasks_find(exec_t *ex, const char *task_id)
{
    for (task_t *t = ex->tasks; t != NULL; t = t->next)
        if (strcmp(t->id, task_id) == 0)
            return t;
    return NULL;
}

static void finish(exec_t *ex, task_t *t, int state, const char *message, int reason)
{
    butte_timer_stop(t->kill_timer);
    t->kill_timer = NULL;
    t->terminal = true;
    exec_update(ex, t, state, message, reason);
    exec_maybe_exit(ex);
}

/* ---- reaping ---- */

static void exited(exec_t *ex, task_t *t, int status)
{
    /* whatever the leader left behind in its group goes too */
    kill(-t->pid, SIGKILL);
    char msg[256];
    int state;
    if (WIFEXITED(status)) {
        snprintf(msg, sizeof msg, "Command exited with status %d", WEXITSTATUS(status));
        state = WEXITSTATUS(status) == 0 ? MESOS__V1__TASK_STATE__TASK_FINISHED
                                         : MESOS__V1__TASK_STATE__TASK_FAILED;
    } else {
        int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
        snprintf(msg, sizeof msg, "Command terminated with signal %s", strsignal(sig));
        state = MESOS__V1__TASK_STATE__TASK_FAILED;
    }
    if (t->killing)
        state = MESOS__V1__TASK_STATE__TASK_KILLED;
    t->pid = -t->pid; /* reaped: keep the number for logs, never signal it */
    finish(ex, t, state, msg, -1);
}

static void on_sigchld(evutil_socket_t sig, short what, void *arg)
{
    exec_t *ex = arg;
    (void)sig;
    (void)what;
    for (;;) {
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid <= 0)
            break;
        for (task_t *t = ex->tasks; t != NULL; t = t->next)
            if (t->pid == pid) {
                exited(ex, t, status);
                break;
            }
        /* else: an orphan reparented to us (subreaper), nothing to report */
    }
}

void tasks_init(exec_t *ex)
{
    (void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    struct event *ev = evsignal_new(butte_loop_base(ex->loop), SIGCHLD, on_sigchld, ex);
    event_add(ev, NULL);
    /* the event lives as long as the process (the executor's pool) */
    butte_pool_on_destroy(ex->pool, (butte_cleanup_fn)event_free, ev);
}

/* ---- launching ---- */

static void set_env(const Mesos__V1__Environment *env)
{
    if (env == NULL)
        return;
    for (size_t i = 0; i < env->n_variables; i++) {
        const Mesos__V1__Environment__Variable *v = env->variables[i];
        if (v->has_type && v->type == MESOS__V1__ENVIRONMENT__VARIABLE__TYPE__SECRET) {
            if (v->secret != NULL && v->secret->value != NULL) {
                char *val = strndup((const char *)v->secret->value->data.data,
                                    v->secret->value->data.len);
                if (val != NULL)
                    setenv(v->name, val, 1);
            }
            continue;
        }
        setenv(v->name, v->value != NULL ? v->value : "", 1);
    }
}

/* In the child: never returns. */
static void child(exec_t *ex, const Mesos__V1__CommandInfo *cmd)
{
    /* a session and process group of its own: kill(-pid) reaches the tree */
    setsid();
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGCHLD, SIG_DFL);
    if (chdir(ex->directory) != 0) {
        fprintf(stderr, "cannot change to the sandbox \"%s\": %s\n", ex->directory,
                strerror(errno));
        _exit(127);
    }
    set_env(cmd->environment);
    if (!cmd->has_shell || cmd->shell) {
        execl("/bin/sh", "sh", "-c", cmd->value, (char *)NULL);
        fprintf(stderr, "cannot run /bin/sh: %s\n", strerror(errno));
    } else {
        char **argv = calloc(cmd->n_arguments + 2, sizeof *argv);
        if (argv == NULL)
            _exit(127);
        size_t n = 0;
        for (size_t i = 0; i < cmd->n_arguments; i++)
            argv[n++] = cmd->arguments[i];
        if (n == 0)
            argv[n++] = cmd->value;
        argv[n] = NULL;
        execvp(cmd->value, argv);
        fprintf(stderr, "cannot run \"%s\": %s\n", cmd->value, strerror(errno));
    }
    _exit(127);
}

static task_t *new_task(exec_t *ex, const Mesos__V1__TaskInfo *info)
{
    butte_pool_t *p = butte_pool_create(ex->pool);
    task_t *t = butte_pool_alloc(p, sizeof *t);
    t->pool = p;
    /* a copy that outlives the event (resent in SUBSCRIBE) */
    uint8_t *buf;
    size_t len;
    butte_pb_encode(p, &info->base, &buf, &len);
    ProtobufCMessage *m = NULL;
    if (butte_pb_decode(p, &mesos__v1__task_info__descriptor, buf, len, &m, NULL) != 0) {
        butte_pool_destroy(p);
        return NULL;
    }
    t->info = (Mesos__V1__TaskInfo *)m;
    t->id = t->info->task_id->value;
    t->grace = DEFAULT_GRACE;
    if (t->info->kill_policy != NULL && t->info->kill_policy->grace_period != NULL)
        t->grace = (double)t->info->kill_policy->grace_period->nanoseconds / 1e9;
    task_t **tail = &ex->tasks;
    while (*tail != NULL)
        tail = &(*tail)->next;
    *tail = t;
    return t;
}

void tasks_launch(exec_t *ex, const Mesos__V1__TaskInfo *info)
{
    if (info->task_id == NULL)
        return;
    if (tasks_find(ex, info->task_id->value) != NULL) {
        fprintf(stderr, "mesos-executor: task '%s' is already known; ignoring LAUNCH\n",
                info->task_id->value);
        return;
    }
    task_t *t = new_task(ex, info);
    if (t == NULL)
        return;
    ex->launched_any = true;
    exec_update(ex, t, MESOS__V1__TASK_STATE__TASK_STARTING, NULL, -1);

    const Mesos__V1__CommandInfo *cmd = t->info->command;
    if (cmd == NULL || cmd->value == NULL) {
        finish(ex, t, MESOS__V1__TASK_STATE__TASK_FAILED,
               "the task has no command to run (CommandInfo.value is not set)",
               MESOS__V1__TASK_STATUS__REASON__REASON_TASK_INVALID);
        return;
    }
    butte_err_t err;
    if (fetch_uris(cmd, ex->directory, &err) != 0) {
        finish(ex, t, MESOS__V1__TASK_STATE__TASK_FAILED, err.msg,
               MESOS__V1__TASK_STATUS__REASON__REASON_CONTAINER_LAUNCH_FAILED);
        return;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        char msg[256];
        snprintf(msg, sizeof msg, "could not fork the command: %s", strerror(errno));
        finish(ex, t, MESOS__V1__TASK_STATE__TASK_FAILED, msg,
               MESOS__V1__TASK_STATUS__REASON__REASON_COMMAND_EXECUTOR_FAILED);
        return;
    }
    if (pid == 0)
        child(ex, cmd);
    /* the child's setsid() may not have run yet: make the group here too
     * so that an immediate kill(-pid) finds it (EPERM once it did) */
    (void)setpgid(pid, pid);
    t->pid = pid;
    printf("Starting task %s\nForked command at %d\n", t->id, (int)pid);
    fflush(stdout);
    exec_update(ex, t, MESOS__V1__TASK_STATE__TASK_RUNNING, NULL, -1);
}

/* ---- killing ---- */

static void on_grace_over(void *arg)
{
    task_t *t = arg;
    butte_timer_stop(t->kill_timer);
    t->kill_timer = NULL;
    if (t->pid > 0)
        kill(-t->pid, SIGKILL);
}

static void kill_task(exec_t *ex, task_t *t, double grace)
{
    if (t->terminal)
        return;
    if (t->pid <= 0) { /* never started */
        finish(ex, t, MESOS__V1__TASK_STATE__TASK_KILLED, "Task killed before it started", -1);
        return;
    }
    if (t->killing) {
        /* a second kill may only shorten the grace period */
        if (grace <= 0)
            on_grace_over(t);
        return;
    }
    t->killing = true;
    fprintf(stderr, "mesos-executor: sending SIGTERM to the process group of task '%s' "
                    "(SIGKILL in %.1f s)\n", t->id, grace);
    if (grace <= 0) {
        kill(-t->pid, SIGKILL);
        return;
    }
    kill(-t->pid, SIGTERM);
    kill(-t->pid, SIGCONT); /* a stopped task could not act on SIGTERM */
    t->kill_timer = butte_timer_start(ex->loop, grace, false, on_grace_over, t);
}

void tasks_kill(exec_t *ex, const char *task_id, const Mesos__V1__KillPolicy *policy)
{
    task_t *t = tasks_find(ex, task_id);
    if (t == NULL) {
        fprintf(stderr, "mesos-executor: KILL for unknown task '%s' ignored\n", task_id);
        return;
    }
    double grace = t->grace;
    if (policy != NULL && policy->grace_period != NULL)
        grace = (double)policy->grace_period->nanoseconds / 1e9;
    kill_task(ex, t, grace);
}

void tasks_kill_all(exec_t *ex, double max_grace)
{
    for (task_t *t = ex->tasks; t != NULL; t = t->next) {
        double g = t->grace;
        if (max_grace >= 0 && g > max_grace)
            g = max_grace;
        kill_task(ex, t, g);
    }
}

void tasks_kill_now(exec_t *ex)
{
    for (task_t *t = ex->tasks; t != NULL; t = t->next)
        if (t->pid > 0)
            kill(-t->pid, SIGKILL);
}
