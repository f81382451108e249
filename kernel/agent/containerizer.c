/*
 * kernel/agent/containerizer.c - the Mesos containerizer and posix
 * launcher (containerizer-internal.h): isolator chain, fork/exec, reaping.
 */
/* clone(2) and pipe2(2) for the fast launch path */
#define _GNU_SOURCE 1
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>

#include <butte/log.h>

#include "agent/containerizer-internal.h"
#include "agent/containerizers-internal.h"
#include "core/loop-internal.h"

#if defined(__has_include)
#if __has_include("isolators/selection.h")
#include "isolators/selection.h"
#define HAVE_ISOLATOR_SELECTION 1
#endif
#endif

#define SPAWN_STACK (128 * 1024) /* the fast launch path's child stack */

typedef struct isolator {
    const char *name;
    const butte_isolator_ops_t *ops;
    void *state;
} isolator_t;

typedef struct container {
    struct container *next;
    butte_mc_t *mc;
    butte_pool_t *pool;
    char *id;
    pid_t pid;
    pid_t ended;     /* reaped, not yet reported: the pid it had */
    int status;      /* its wait status then */
    butte_resources_t *resources;
    butte_mc_exit_fn fn;
    butte_mc_limit_fn on_limit;
    void *ctx;
} container_t;

struct butte_mc {
    butte_pool_t *pool;
    butte_loop_t *loop;
    butte_log_t *log;
    const butte_flags_t *flags;
    isolator_t *isolators;
    size_t n_isolators;
    char *names;
    container_t *containers;
    struct event *sigchld;
    void *stack; /* the fast path's child stack (mmap'd), reused */
};

/* ------------------------------------------------------------ isolators */

/* Mesos' own isolator names that need no library here: the posix ones
 * measure only, so until their module exists the agent runs without them
 * (logged) rather than refusing to start. */
static bool
posix_name(const char *name)
{
    return strcmp(name, "posix/cpu") == 0 || strcmp(name, "posix/mem") == 0;
}

static int
add_isolator(butte_mc_t *mc, butte_modules_t *mods, const char *name, butte_err_t *err)
{
    const char *module = name;
    butte_instance_t *inst;

    if (mods == NULL || !butte_modules_loaded(mods, name)) {
#ifdef HAVE_ISOLATOR_SELECTION
        const butte_module_choice_t *c = butte_isolator_choice(name);
        if (c != NULL && mods != NULL) {
            module = c->symbol;
            butte_params_t params = butte_ctz_params(mc->pool, mc->flags, c->library);
            if (!butte_modules_loaded(mods, c->symbol) &&
                butte_modules_add_library_params(mods, c->library, c->symbol, &params, err) !=
                    BUTTE_OK) {
                butte_err_prefix(err, "flag '--isolation': isolator '%s'", name);
                return err->code;
            }
        } else
#endif
            if (posix_name(name)) {
            butte_log(mc->log, BUTTE_LOG_WARNING,
                      "isolator '%s' is not available in this build; containers run without it",
                      name);
            return BUTTE_OK;
        } else {
            return butte_err_set(err, BUTTE_EINVAL,
                                 "flag '--isolation': unknown isolator '%s' (neither a "
                                 "first-party isolator nor a module loaded with --modules)",
                                 name);
        }
    }
    inst = butte_modules_create(mods, module, BUTTE_KIND_ISOLATOR, err);
    if (inst == NULL) {
        butte_err_prefix(err, "flag '--isolation': isolator '%s'", name);
        return err->code ? err->code : BUTTE_EINVAL;
    }
    isolator_t *n = butte_pool_alloc(mc->pool, (mc->n_isolators + 1) * sizeof *n);
    if (mc->n_isolators)
        memcpy(n, mc->isolators, mc->n_isolators * sizeof *n);
    n[mc->n_isolators].name = butte_pool_strdup(mc->pool, name);
    n[mc->n_isolators].ops = butte_instance_ops(inst);
    n[mc->n_isolators].state = butte_instance_state(inst);
    mc->isolators = n;
    mc->n_isolators++;
    if (n[mc->n_isolators - 1].ops->recover != NULL &&
        n[mc->n_isolators - 1].ops->recover(n[mc->n_isolators - 1].state, NULL, 0, NULL, 0,
                                            err) != 0)
        return butte_err_prefix(err, "isolator '%s': recovery", name);
    return BUTTE_OK;
}

/* ------------------------------------------------------------ reaping */

static void
forget(butte_mc_t *mc, container_t *c)
{
    butte_err_t err;

    for (container_t **p = &mc->containers; *p; p = &(*p)->next) {
        if (*p == c) {
            *p = c->next;
            break;
        }
    }
    for (size_t i = mc->n_isolators; i-- > 0;) {
        butte_err_clear(&err);
        if (mc->isolators[i].ops->cleanup(mc->isolators[i].state, c->id, &err) != 0)
            butte_log(mc->log, BUTTE_LOG_WARNING, "isolator '%s': cleanup of %s: %s",
                      mc->isolators[i].name, c->id, err.msg);
    }
    butte_pool_destroy(c->pool);
}

/* Kill every process whose session is one of sids[n]: what tasks left
 * behind after their executors died, even in process groups of their own.
 * One pass over /proc for all of them. */
static void
kill_sessions(const pid_t *sids, size_t n, int sig)
{
    DIR *d;
    struct dirent *e;
    size_t live = 0;

    for (size_t i = 0; i < n; i++) {
        if (sids[i] > 1) {
            kill(-sids[i], sig);
            live++;
        }
    }
    if (live == 0 || (d = opendir("/proc")) == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        long pid = strtol(e->d_name, NULL, 10);
        if (pid <= 1)
            continue;
        /* getsid(2) answers for any pid on Linux: one system call instead
         * of opening and parsing /proc/<pid>/stat for every process */
        pid_t sid = getsid((pid_t)pid);
        for (size_t i = 0; sid > 1 && i < n; i++) {
            if (sid == sids[i]) {
                kill((pid_t)pid, sig);
                break;
            }
        }
    }
    closedir(d);
}

static void
kill_session(pid_t sid, int sig)
{
    kill_sessions(&sid, 1, sig);
}

static void
reap(butte_mc_t *mc)
{
    bool again = true;

    while (again) {
        size_t n = 0, cap = 0;
        pid_t *sids = NULL;

        again = false;
        for (container_t *c = mc->containers; c; c = c->next) {
            int status;
            pid_t r = c->pid > 0 ? waitpid(c->pid, &status, WNOHANG) : 0;
            if (r == c->pid || (r < 0 && errno == ECHILD)) {
                c->status = r < 0 ? 0 : status;
                c->ended = c->pid;
                c->pid = -1;
                if (n == cap) {
                    cap = cap ? 2 * cap : 16;
                    pid_t *grown = realloc(sids, cap * sizeof *grown);
                    if (grown == NULL) {
                        /* one scan each, as before batching */
                        kill_session(c->ended, SIGKILL);
                        continue;
                    }
                    sids = grown;
                }
                sids[n++] = c->ended;
            }
        }
        /* the executors are gone: nothing of their sessions may outlive them */
        kill_sessions(sids, n, SIGKILL);
        free(sids);
        for (container_t *c = mc->containers; c;) {
            if (!c->ended) {
                c = c->next;
                continue;
            }
            butte_mc_exit_fn fn = c->fn;
            void *ctx = c->ctx;
            int status = c->status;
            char id[256];
            snprintf(id, sizeof id, "%s", c->id);
            forget(mc, c);
            if (fn) /* NULL: its launch failed and was reported then */
                fn(ctx, id, status);
            /* fn may have destroyed or launched containers: start over,
             * and look for exits again once these are reported */
            again = true;
            c = mc->containers;
        }
    }
}

static void
on_sigchld(evutil_socket_t sig, short what, void *arg)
{
    (void)sig;
    (void)what;
    reap(arg);
}

/* ------------------------------------------------------------ life cycle */

butte_mc_t *
butte_mc_create(butte_pool_t *parent, butte_loop_t *loop, const butte_flags_t *flags,
                butte_modules_t *mods, butte_err_t *err)
{
    butte_pool_t *pool = butte_pool_create(parent);
    butte_mc_t *mc = butte_pool_alloc(pool, sizeof *mc);
    const char *list = butte_flags_str(flags, "isolation");
    char *copy, *save = NULL;

    memset(mc, 0, sizeof *mc);
    mc->pool = pool;
    mc->loop = loop;
    mc->flags = flags;
    mc->log = butte_log_get("agent");
    mc->names = butte_pool_strdup(pool, "");
    if (mods == NULL)
        butte_log(mc->log, BUTTE_LOG_WARNING, "no module loader: containers run without isolators");
    copy = butte_pool_strdup(pool, list ? list : "");
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        if (*tok == '\0')
            continue;
        if (add_isolator(mc, mods, tok, err) != BUTTE_OK) {
            butte_pool_destroy(pool);
            return NULL;
        }
    }
    for (size_t i = 0; i < mc->n_isolators; i++)
        mc->names = butte_pool_printf(pool, "%s%s%s", mc->names, i ? "," : "",
                                      mc->isolators[i].name);
    mc->sigchld = evsignal_new(butte_loop_base(loop), SIGCHLD, on_sigchld, mc);
    if (mc->sigchld == NULL || evsignal_add(mc->sigchld, NULL) != 0) {
        butte_err_set(err, BUTTE_EIO, "cannot watch SIGCHLD");
        if (mc->sigchld)
            event_free(mc->sigchld);
        butte_pool_destroy(pool);
        return NULL;
    }
    return mc;
}

void
butte_mc_destroy(butte_mc_t *mc)
{
    if (mc == NULL)
        return;
    event_free(mc->sigchld);
    if (mc->stack)
        munmap(mc->stack, SPAWN_STACK);
    while (mc->containers) {
        container_t *c = mc->containers;
        int status;
        if (c->pid > 0) {
            kill_session(c->pid, SIGKILL);
            /* SIGKILL cannot be caught: the wait is short */
            waitpid(c->pid, &status, 0);
        }
        forget(mc, c);
    }
    butte_pool_destroy(mc->pool);
}

const char *
butte_mc_isolators(const butte_mc_t *mc)
{
    return mc->names;
}

static container_t *
find(butte_mc_t *mc, const char *id)
{
    for (container_t *c = mc->containers; c; c = c->next)
        if (strcmp(c->id, id) == 0)
            return c;
    return NULL;
}

int
butte_mc_kill(butte_mc_t *mc, const char *container_id, int sig)
{
    container_t *c = find(mc, container_id);

    if (c == NULL || c->pid <= 0)
        return BUTTE_ENOTFOUND;
    kill_session(c->pid, sig);
    return BUTTE_OK;
}

void
butte_mc_check(butte_mc_t *mc, const char *container_id)
{
    butte_err_t err;

    if (find(mc, container_id) == NULL)
        return;
    for (size_t i = 0; i < mc->n_isolators; i++) {
        butte_err_clear(&err);
        if (mc->isolators[i].ops->check &&
            mc->isolators[i].ops->check(mc->isolators[i].state, container_id, &err) != 0)
            butte_log(mc->log, BUTTE_LOG_DEBUG, "isolator '%s': check of %s: %s",
                      mc->isolators[i].name, container_id, err.msg);
        /* the check may have reported a limitation that destroyed it */
        if (find(mc, container_id) == NULL)
            return;
    }
}

void
butte_mc_update(butte_mc_t *mc, const char *container_id, const butte_resources_t *res,
                const butte_resources_t *limits)
{
    container_t *c = find(mc, container_id);
    butte_err_t err;

    if (c == NULL)
        return;
    for (size_t i = 0; i < mc->n_isolators; i++) {
        butte_err_clear(&err);
        if (mc->isolators[i].ops->update &&
            mc->isolators[i].ops->update(mc->isolators[i].state, container_id, res, limits,
                                         &err) != 0)
            butte_log(mc->log, BUTTE_LOG_WARNING, "isolator '%s': update of %s: %s",
                      mc->isolators[i].name, container_id, err.msg);
    }
    butte_resources_clear(c->resources);
    butte_resources_add_all(c->resources, res);
}

int
butte_mc_usage(butte_mc_t *mc, const char *container_id, butte_container_stats_t *st)
{
    container_t *c = find(mc, container_id);
    butte_err_t err;

    if (c == NULL)
        return BUTTE_ENOTFOUND;
    memset(st, 0, sizeof *st);
    st->size = sizeof *st;
    st->timestamp = butte_loop_now(mc->loop);
    for (size_t i = 0; i < mc->n_isolators; i++) {
        butte_err_clear(&err);
        if (mc->isolators[i].ops->usage &&
            mc->isolators[i].ops->usage(mc->isolators[i].state, container_id, st, &err) != 0)
            butte_log(mc->log, BUTTE_LOG_DEBUG, "isolator '%s': usage of %s: %s",
                      mc->isolators[i].name, container_id, err.msg);
    }
    if (!(st->set & BUTTE_STAT_CPUS_LIMIT) && c->resources) {
        st->cpus_limit = butte_resources_scalar(c->resources, "cpus");
        st->set |= BUTTE_STAT_CPUS_LIMIT;
    }
    if (!(st->set & BUTTE_STAT_MEM_LIMIT) && c->resources) {
        st->mem_limit_bytes = (uint64_t)(butte_resources_scalar(c->resources, "mem") * 1048576.0);
        st->set |= BUTTE_STAT_MEM_LIMIT;
    }
    return BUTTE_OK;
}

/* ------------------------------------------------------------ launching */

/* In the child, after fork: only async-signal-safe calls until exec. */
static void
child_fail(int fd, const char *what)
{
    const char *e = strerror(errno);
    if (write(fd, what, strlen(what)) < 0 || write(fd, ": ", 2) < 0 ||
        write(fd, e, strlen(e)) < 0 || write(fd, "\n", 1) < 0) {
        /* nothing left to report to */
    }
    _exit(127);
}

/*
 * The fast path (no isolator pre-exec commands): the child shares the
 * agent's memory (clone(CLONE_VM)) instead of copying its page tables, as
 * posix_spawn does, so launching costs the same however large the agent
 * is.  Everything it needs (argv, envp, uid, gid, groups) is computed by
 * the parent; the child makes async-signal-safe calls only.  The parent
 * blocks (all signals blocked, so nothing of its own runs and the shared
 * errno is not touched) until the child is parked on the sync pipe, runs
 * the isolators' isolate() with the pid, releases it, and waits until it
 * exec'd or died (EOF on a close-on-exec pipe) before its stack and the
 * launch's memory may be reused.
 */
typedef struct spawn_args {
    int out, errfd, sync_rd, report_wr;
    const char *workdir;
    bool switch_user;
    uid_t uid;
    gid_t gid;
    const gid_t *groups;
    size_t n_groups;
    const char *const *argv;
    const char *const *env;
} spawn_args_t;

static int
spawn_child(void *arg)
{
    const spawn_args_t *s = arg;
    sigset_t none;
    char b;

    /* the loop's handlers are not the executor's business; the mask the
     * parent blocked everything with goes only after they are gone */
    for (int sig = 1; sig < NSIG; sig++)
        signal(sig, SIG_DFL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    setsid();
    if (dup2(s->out, 1) < 0 || dup2(s->errfd, 2) < 0)
        _exit(127);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0 && devnull != 0) {
        dup2(devnull, 0);
        close(devnull);
    }
    /* parked: the parent runs the isolators with our pid now */
    if (write(s->report_wr, "r", 1) != 1)
        _exit(127);
    while (read(s->sync_rd, &b, 1) < 0 && errno == EINTR)
        ;
    if (chdir(s->workdir) != 0)
        child_fail(2, "chdir to the sandbox");
    if (s->switch_user) {
        if (setgroups(s->n_groups, s->groups) != 0 || setgid(s->gid) != 0 ||
            setuid(s->uid) != 0)
            child_fail(2, "switching user");
    }
    execve(s->argv[0], (char *const *)s->argv, (char *const *)s->env);
    child_fail(2, s->argv[0]);
    return 127;
}

/* 0 with *pidp, or -1 with errno (nothing started). */
static int
spawn_fast(butte_mc_t *mc, container_t *c, spawn_args_t *s, int sync_wr, butte_err_t *err,
           pid_t *pidp, int *isolate_rc)
{
    int report[2];
    sigset_t all, old;
    char b;
    ssize_t n;

    if (mc->stack == NULL) {
        void *st = mmap(NULL, SPAWN_STACK, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
        if (st == MAP_FAILED)
            return -1;
        mc->stack = st;
    }
    if (pipe2(report, O_CLOEXEC) != 0)
        return -1;
    s->report_wr = report[1];
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, &old);
    pid_t pid = clone(spawn_child, (char *)mc->stack + SPAWN_STACK, CLONE_VM | SIGCHLD, s);
    int saved = errno;
    close(report[1]);
    if (pid < 0) {
        sigprocmask(SIG_SETMASK, &old, NULL);
        close(report[0]);
        errno = saved;
        return -1;
    }
    /* wait until it is parked on the sync pipe (or died: EOF) */
    while ((n = read(report[0], &b, 1)) < 0 && errno == EINTR)
        ;
    *isolate_rc = 0;
    for (size_t i = 0; i < mc->n_isolators; i++) {
        isolator_t *iso = &mc->isolators[i];
        if (iso->ops->isolate(iso->state, c->id, pid, err) != 0) {
            butte_err_prefix(err, "isolator '%s'", iso->name);
            /* the child never runs the executor; reap() cleans up */
            kill(pid, SIGKILL);
            *isolate_rc = err->code ? err->code : BUTTE_EIO;
            break;
        }
    }
    if (*isolate_rc == 0 && write(sync_wr, "x", 1) != 1)
        butte_log(mc->log, BUTTE_LOG_WARNING, "container %s: cannot release the child: %s",
                  c->id, strerror(errno));
    close(sync_wr);
    /* until it exec'd or died it runs on our stack and memory */
    while ((n = read(report[0], &b, 1)) != 0 && (n > 0 || errno == EINTR))
        ;
    close(report[0]);
    sigprocmask(SIG_SETMASK, &old, NULL);
    *pidp = pid;
    return 0;
}

static container_t *
find_container(butte_mc_t *mc, const char *id)
{
    for (container_t *c = mc->containers; c != NULL; c = c->next)
        if (strcmp(c->id, id) == 0)
            return c;
    return NULL;
}

/* An isolator's watch() fired.  Look the container up again rather than
 * trusting ctx: the isolator may report after the container is gone. */
static void
limitation(void *ctx, const char *container_id, const butte_container_limitation_t *lim)
{
    butte_mc_t *mc = ctx;
    container_t *c = find_container(mc, container_id);

    if (c == NULL || c->on_limit == NULL || lim == NULL)
        return;
    butte_log(mc->log, BUTTE_LOG_WARNING, "container %s: %s", c->id,
              lim->message != NULL ? lim->message : "limitation reached");
    c->on_limit(c->ctx, c->id, lim->reason, lim->message != NULL ? lim->message : "");
}

/* Start every isolator's watch for a container that now runs. */
static void
start_watches(butte_mc_t *mc, container_t *c)
{
    for (size_t i = 0; i < mc->n_isolators; i++) {
        isolator_t *iso = &mc->isolators[i];
        butte_err_t err = { 0 };

        if (iso->ops->watch == NULL)
            continue;
        if (iso->ops->watch(iso->state, c->id, limitation, mc, &err) != 0)
            butte_log(mc->log, BUTTE_LOG_WARNING, "container %s: isolator '%s' cannot watch: %s",
                      c->id, iso->name, err.msg);
    }
}

int
butte_mc_launch(butte_mc_t *mc, const butte_mc_launch_t *l, butte_mc_exit_fn fn, void *ctx,
                pid_t *pidp, butte_err_t *err)
{
    butte_pool_t *pool = butte_pool_create(NULL);
    container_t *c = butte_pool_alloc(pool, sizeof *c);
    struct passwd *pw = NULL;
    size_t prepared = 0;
    const char **env;
    size_t n_env = 0, cap_env;
    const char *const **pre = butte_pool_alloc(pool, (mc->n_isolators + 1) * sizeof *pre);
    size_t *n_pre = butte_pool_alloc(pool, (mc->n_isolators + 1) * sizeof *n_pre);
    const char *workdir = l->directory;
    int out = -1, errfd = -1, sync[2] = { -1, -1 };
    pid_t pid;
    int rc;

    memset(c, 0, sizeof *c);
    c->mc = mc;
    c->pool = pool;
    c->id = butte_pool_strdup(pool, l->container_id);
    c->fn = fn;
    c->on_limit = l->on_limit;
    c->ctx = ctx;
    c->pid = -1;
    c->resources = butte_resources_create(pool);
    if (l->resources)
        butte_resources_add_all(c->resources, l->resources);

    if (l->user) {
        errno = 0;
        pw = getpwnam(l->user);
        if (pw == NULL) {
            rc = butte_err_set(err, BUTTE_ENOTFOUND,
                               "cannot run as user '%s': the user does not exist on this agent",
                               l->user);
            goto fail;
        }
    }

    for (cap_env = 0; l->env && l->env[cap_env]; cap_env++)
        ;
    cap_env += 1;
    env = butte_pool_alloc(pool, cap_env * sizeof *env);
    for (size_t i = 0; l->env && l->env[i]; i++)
        env[n_env++] = l->env[i];
    env[n_env] = NULL;

    butte_container_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.size = sizeof cfg;
    cfg.container_id = l->container_id;
    cfg.directory = l->directory;
    cfg.user = l->user;
    cfg.executor_info = l->executor_info;
    cfg.command_info = l->command_info;
    cfg.task_info = l->task_info;
    cfg.container_info = l->container_info;
    cfg.resources = c->resources;
    cfg.limits = l->limits;
    cfg.env = l->env;
    cfg.argv = l->argv;
    for (; prepared < mc->n_isolators; prepared++) {
        isolator_t *iso = &mc->isolators[prepared];
        butte_launch_info_t li;
        memset(&li, 0, sizeof li);
        li.size = sizeof li;
        if (iso->ops->prepare(iso->state, &cfg, pool, &li, err) != 0) {
            butte_err_prefix(err, "isolator '%s'", iso->name);
            rc = err->code ? err->code : BUTTE_EIO;
            prepared++; /* cleanup() also sees the one that failed */
            goto fail;
        }
        if (li.n_env) {
            const char **grown = butte_pool_alloc(pool, (n_env + li.n_env + 1) * sizeof *grown);
            memcpy(grown, env, n_env * sizeof *grown);
            for (size_t i = 0; i < li.n_env; i++)
                grown[n_env++] =
                    butte_pool_printf(pool, "%s=%s", li.env[i].key, li.env[i].value);
            grown[n_env] = NULL;
            env = grown;
        }
        pre[prepared] = li.pre_exec;
        n_pre[prepared] = li.n_pre_exec;
        if (li.working_directory)
            workdir = li.working_directory;
    }

    const char *opath = butte_pool_printf(pool, "%s/stdout", l->directory);
    const char *epath = butte_pool_printf(pool, "%s/stderr", l->directory);
    out = open(opath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    errfd = open(epath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (out < 0 || errfd < 0 || pipe(sync) != 0 || fcntl(sync[0], F_SETFD, FD_CLOEXEC) != 0 ||
        fcntl(sync[1], F_SETFD, FD_CLOEXEC) != 0) {
        rc = butte_err_set(err, BUTTE_EIO, "cannot open the sandbox's stdout/stderr in \"%s\": %s",
                           l->directory, strerror(errno));
        goto fail;
    }
    if (pw && fchown(out, pw->pw_uid, pw->pw_gid) == 0 && fchown(errfd, pw->pw_uid, pw->pw_gid) == 0 &&
        chown(l->directory, pw->pw_uid, pw->pw_gid) != 0)
        butte_log(mc->log, BUTTE_LOG_WARNING, "cannot give \"%s\" to user '%s': %s",
                  l->directory, l->user, strerror(errno));

    size_t n_pre_all = 0;
    for (size_t i = 0; i < prepared; i++)
        n_pre_all += n_pre[i];
    if (n_pre_all == 0) {
        spawn_args_t sa = {
            .out = out, .errfd = errfd, .sync_rd = sync[0], .workdir = workdir,
            .switch_user = pw && getuid() == 0, .argv = l->argv, .env = env,
        };
        if (sa.switch_user) {
            /* initgroups() reads /etc/group: not for the child */
            int ng = 64;
            gid_t *groups = butte_pool_alloc(pool, (size_t)ng * sizeof *groups);
            if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &ng) < 0) {
                groups = butte_pool_alloc(pool, (size_t)ng * sizeof *groups);
                if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &ng) < 0) {
                    rc = butte_err_set(err, BUTTE_EIO, "cannot list the groups of user '%s'",
                                       l->user);
                    goto fail;
                }
            }
            sa.uid = pw->pw_uid;
            sa.gid = pw->pw_gid;
            sa.groups = groups;
            sa.n_groups = (size_t)ng;
        }
        int iso_rc = 0;
        int sync_wr = sync[1];
        if (spawn_fast(mc, c, &sa, sync_wr, err, &pid, &iso_rc) != 0) {
            rc = butte_err_set(err, BUTTE_EIO, "clone: %s", strerror(errno));
            goto fail;
        }
        sync[1] = -1; /* spawn_fast closed it */
        close(sync[0]);
        close(out);
        close(errfd);
        c->pid = pid;
        c->next = mc->containers;
        mc->containers = c;
        if (iso_rc != 0) {
            c->fn = NULL;
            return iso_rc;
        }
        start_watches(mc, c);
        *pidp = pid;
        return BUTTE_OK;
    }

    pid = fork();
    if (pid < 0) {
        rc = butte_err_set(err, BUTTE_EIO, "fork: %s", strerror(errno));
        goto fail;
    }
    if (pid == 0) {
        sigset_t all;
        char b;
        /* the loop's handlers and mask are not the executor's business */
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
        for (int s = 1; s < NSIG; s++)
            signal(s, SIG_DFL);
        setsid();
        if (dup2(out, 1) < 0 || dup2(errfd, 2) < 0)
            _exit(127);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0 && devnull != 0) {
            dup2(devnull, 0);
            close(devnull);
        }
        close(sync[1]);
        /* wait until the isolators have the pid: EOF or a byte */
        while (read(sync[0], &b, 1) < 0 && errno == EINTR)
            ;
        if (chdir(workdir) != 0)
            child_fail(2, "chdir to the sandbox");
        if (pw && getuid() == 0) {
            if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
                setuid(pw->pw_uid) != 0)
                child_fail(2, "switching user");
        }
        for (size_t i = 0; i < prepared; i++) {
            for (size_t j = 0; j < n_pre[i]; j++) {
                pid_t p = fork();
                int st;
                if (p == 0) {
                    execle("/bin/sh", "sh", "-c", pre[i][j], (char *)NULL, (char *const *)env);
                    _exit(127);
                }
                if (p < 0 || waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
                    child_fail(2, "a pre-exec command of an isolator failed");
            }
        }
        execve(l->argv[0], (char *const *)l->argv, (char *const *)env);
        child_fail(2, l->argv[0]);
    }
    close(sync[0]);
    sync[0] = -1;
    close(out);
    close(errfd);
    out = errfd = -1;
    c->pid = pid;
    c->next = mc->containers;
    mc->containers = c;
    for (size_t i = 0; i < mc->n_isolators; i++) {
        isolator_t *iso = &mc->isolators[i];
        if (iso->ops->isolate(iso->state, c->id, pid, err) != 0) {
            butte_err_prefix(err, "isolator '%s'", iso->name);
            /* the child never runs the executor; reap() cleans up */
            kill(pid, SIGKILL);
            close(sync[1]);
            c->fn = NULL;
            return err->code ? err->code : BUTTE_EIO;
        }
    }
    if (write(sync[1], "x", 1) != 1)
        butte_log(mc->log, BUTTE_LOG_WARNING, "container %s: cannot release the child: %s",
                  c->id, strerror(errno));
    close(sync[1]);
    start_watches(mc, c);
    *pidp = pid;
    return BUTTE_OK;

fail:
    if (out >= 0)
        close(out);
    if (errfd >= 0)
        close(errfd);
    if (sync[0] >= 0)
        close(sync[0]);
    if (sync[1] >= 0)
        close(sync[1]);
    for (size_t i = prepared; i-- > 0;) {
        butte_err_t e2;
        butte_err_clear(&e2);
        mc->isolators[i].ops->cleanup(mc->isolators[i].state, l->container_id, &e2);
    }
    butte_pool_destroy(pool);
    return rc;
}
