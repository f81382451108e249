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
/* clone(2) and execvpe(3) for starting tasks */
#define _GNU_SOURCE 1
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
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

/*
 * The task's process is started with clone(CLONE_VM | CLONE_VFORK), as
 * posix_spawn does: the executor is suspended until the child exec'd or
 * died, and its page tables are neither copied nor torn down.  So the
 * child may only make async-signal-safe calls on memory prepared here:
 * the environment (the executor's, with CommandInfo's on top, as setenv
 * would leave it), argv and the error texts.
 */
#define CHILD_STACK (64 * 1024)

extern char **environ;

typedef struct spawn {
    const char *directory;
    const char *path;         /* "/bin/sh", or the program execvp looks for */
    char **argv;
    char **envp;
    bool search;              /* execvp(path) rather than execve */
    const char *cd_fail;      /* "cannot change to the sandbox \"...\": " */
    const char *exec_fail;    /* "cannot run ...: " */
} spawn_t;

/* Put "name=value" into env (n entries) as setenv(name, value, 1) would. */
static void env_set(butte_pool_t *p, char **env, size_t *n, const char *name, const char *value)
{
    size_t len = strlen(name);
    char *kv = butte_pool_printf(p, "%s=%s", name, value);
    for (size_t i = 0; i < *n; i++) {
        if (strncmp(env[i], name, len) == 0 && env[i][len] == '=') {
            env[i] = kv;
            return;
        }
    }
    env[(*n)++] = kv;
}

static char **build_env(butte_pool_t *p, const Mesos__V1__Environment *env)
{
    size_t n = 0, cap = env != NULL ? env->n_variables : 0;
    for (char **e = environ; e != NULL && *e != NULL; e++)
        cap++;
    char **out = butte_pool_alloc(p, (cap + 1) * sizeof *out);
    for (char **e = environ; e != NULL && *e != NULL; e++)
        out[n++] = *e;
    for (size_t i = 0; env != NULL && i < env->n_variables; i++) {
        const Mesos__V1__Environment__Variable *v = env->variables[i];
        if (v->has_type && v->type == MESOS__V1__ENVIRONMENT__VARIABLE__TYPE__SECRET) {
            if (v->secret != NULL && v->secret->value != NULL) {
                char *val = butte_pool_alloc(p, v->secret->value->data.len + 1);
                /* zeroed: like strndup, the value ends at its first NUL */
                memcpy(val, v->secret->value->data.data, v->secret->value->data.len);
                env_set(p, out, &n, v->name, val);
            }
            continue;
        }
        env_set(p, out, &n, v->name, v->value != NULL ? v->value : "");
    }
    out[n] = NULL;
    return out;
}

static void child_write(const char *a, const char *b)
{
    if (write(STDERR_FILENO, a, strlen(a)) < 0 || write(STDERR_FILENO, b, strlen(b)) < 0 ||
        write(STDERR_FILENO, "\n", 1) < 0) {
        /* nowhere left to say it */
    }
}

/* In the child (shares the executor's memory): never returns. */
static int child(void *arg)
{
    const spawn_t *s = arg;
    struct sigaction dfl, cur;

    /* a session and process group of its own: kill(-pid) reaches the tree */
    setsid();
    /* no handler of the executor's may run here: they would act on its
     * memory.  The table is the child's own (no CLONE_SIGHAND). */
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig == SIGPIPE || sig == SIGTERM || sig == SIGINT || sig == SIGCHLD ||
            (sigaction(sig, NULL, &cur) == 0 && cur.sa_handler != SIG_DFL &&
             cur.sa_handler != SIG_IGN))
            sigaction(sig, &dfl, NULL);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (chdir(s->directory) != 0) {
        child_write(s->cd_fail, strerror(errno));
        _exit(127);
    }
    if (s->search)
        execvpe(s->path, s->argv, s->envp);
    else
        execve(s->path, s->argv, s->envp);
    child_write(s->exec_fail, strerror(errno));
    _exit(127);
}

/* The task's process, or -1 with errno. */
static pid_t spawn_task(exec_t *ex, const Mesos__V1__CommandInfo *cmd)
{
    butte_pool_t *p = butte_pool_create(NULL);
    spawn_t s;
    sigset_t all, old;

    s.directory = ex->directory;
    s.envp = build_env(p, cmd->environment);
    s.cd_fail = butte_pool_printf(p, "cannot change to the sandbox \"%s\": ", ex->directory);
    if (!cmd->has_shell || cmd->shell) {
        s.path = "/bin/sh";
        s.search = false;
        s.argv = butte_pool_alloc(p, 4 * sizeof *s.argv);
        s.argv[0] = "sh";
        s.argv[1] = "-c";
        s.argv[2] = cmd->value;
        s.argv[3] = NULL;
        s.exec_fail = "cannot run /bin/sh: ";
    } else {
        size_t n = 0;
        s.path = cmd->value;
        s.search = true;
        s.argv = butte_pool_alloc(p, (cmd->n_arguments + 2) * sizeof *s.argv);
        for (size_t i = 0; i < cmd->n_arguments; i++)
            s.argv[n++] = cmd->arguments[i];
        if (n == 0)
            s.argv[n++] = cmd->value;
        s.argv[n] = NULL;
        s.exec_fail = butte_pool_printf(p, "cannot run \"%s\": ", cmd->value);
    }
    char *stack = butte_pool_alloc(p, CHILD_STACK);
    /* no handler may run in the child before it reset them */
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, &old);
    pid_t pid = clone(child, stack + CHILD_STACK, CLONE_VM | CLONE_VFORK | SIGCHLD, &s);
    int saved = errno;
    sigprocmask(SIG_SETMASK, &old, NULL);
    butte_pool_destroy(p);
    errno = saved;
    return pid;
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
    pid_t pid = spawn_task(ex, cmd);
    if (pid < 0) {
        char msg[256];
        snprintf(msg, sizeof msg, "could not fork the command: %s", strerror(errno));
        finish(ex, t, MESOS__V1__TASK_STATE__TASK_FAILED, msg,
               MESOS__V1__TASK_STATUS__REASON__REASON_COMMAND_EXECUTOR_FAILED);
        return;
    }
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
