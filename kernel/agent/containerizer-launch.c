/*
 * kernel/agent/containerizer-launch.c - the Mesos containerizer's launch
 * (containerizer-internal.h): isolators' prepare(), the sandbox's
 * stdout/stderr, starting the executor (the clone(CLONE_VM) fast path or a
 * fork when isolators add pre-exec commands), isolate() before it execs,
 * then the isolators' watches.
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

#include "agent/containerizer-private.h"
#include "core/loop-internal.h"

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

/* An isolator's watch() fired.  Look the container up again rather than
 * trusting ctx: the isolator may report after the container is gone. */
static void
limitation(void *ctx, const char *container_id, const butte_container_limitation_t *lim)
{
    butte_mc_t *mc = ctx;
    container_t *c = butte_mc_find(mc, container_id);

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
