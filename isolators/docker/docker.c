/*
 * isolators/docker/docker.c - the docker containerizer
 * (libdocker_containerizer.so: org_apache_mesos_DockerContainerizer),
 * selected with --containerizers=docker[,mesos].
 *
 * As in Mesos, a command task whose ContainerInfo is DOCKER is run by
 * mesos-docker-executor (frameworks/docker-executor), which this module
 * starts from the launcher folder in the task's sandbox, in a session of
 * its own, with the executor environment the agent prepared and its
 * stdout/stderr in the sandbox.  The executor subscribes to the agent,
 * pulls the image, runs `docker run --name mesos-<container id>` and
 * reports the task's states.  The module watches the executor process:
 * when it ends, `docker stop` makes sure the container ended too, the
 * waiters hear of it, and `docker rm -f` follows after
 * docker_remove_delay.  Containers of custom executors with a DOCKER
 * ContainerInfo are not supported (the launch fails saying so); any
 * other container is declined for the next containerizer.
 *
 * Module parameters (the agent passes its flags of the same names):
 *   docker               the docker program (default "docker", PATH)
 *   docker_socket        the engine's unix socket (default /var/run/docker.sock)
 *   docker_remove_delay  seconds from a container's end to its removal (21600)
 *   docker_stop_timeout  seconds docker stop waits before SIGKILL (0)
 *   docker_kill_orphans  remove every mesos-* container at start (true):
 *                        this agent does not recover containers, so all are
 *                        orphans.  Note that agents sharing one docker
 *                        engine would remove each other's containers.
 *   launcher_dir         where mesos-docker-executor is, when the agent's
 *                        executor command does not say (see launch())
 *   docker_config, work_dir, runtime_dir, switch_user: accepted; the
 *   executor runs as the agent's user and docker credentials are docker's.
 *
 * usage() reads the container's cgroups, found once with an asynchronous
 * docker inspect; update() runs docker update (docker-usage.h).
 *
 * Everything runs on the agent's loop; the docker CLI runs asynchronously
 * (docker-cli.h) except at start-up (orphans) and shutdown (destroy()).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <butte/containerizer.h>
#include <butte/log.h>
#include <butte/loop.h>
#include <butte/resources.h>

#include "isolators/docker/docker-cli.h"
#include "isolators/docker/docker-run.h"
#include "isolators/docker/docker-usage.h"
#include "mesos/v1/mesos.pb-c.h"

#include "isolators/docker/docker-internal.h"

/* ------------------------------------------------------------ helpers */

static container_t *
find(dk_t *dk, const char *id)
{
    for (container_t *c = dk->containers; c != NULL; c = c->next)
        if (strcmp(c->id, id) == 0)
            return c;
    return NULL;
}

static void
forget(container_t *c)
{
    for (container_t **p = &c->dk->containers; *p != NULL; p = &(*p)->next)
        if (*p == c) {
            *p = c->next;
            break;
        }
    butte_timer_stop(c->remove_timer);
    butte_docker_mon_stop(c->mon, false);
    butte_pool_destroy(c->pool);
}

/* The docker program as a path: the executor's PATH may not find it. */
static const char *
resolve_program(butte_pool_t *pool, const char *prog)
{
    const char *path = getenv("PATH");
    char *copy, *save = NULL;

    if (strchr(prog, '/') != NULL || path == NULL)
        return prog;
    copy = butte_pool_strdup(pool, path);
    for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
        char *full = butte_pool_printf(pool, "%s/%s", *dir ? dir : ".", prog);
        if (access(full, X_OK) == 0)
            return full;
    }
    return prog;
}

/* ------------------------------------------------------------ removal */

static void
removed(void *arg, int status, const char *out, const char *errout)
{
    container_t *c = arg;
    dk_t *dk = c->dk;

    (void)out;
    c->cmd = NULL;
    if (status != 0 && strstr(errout, "No such container") == NULL)
        butte_log(dk->log, BUTTE_LOG_WARNING, "cannot remove docker container %s: %s", c->name,
                  errout);
    else
        butte_log(dk->log, BUTTE_LOG_INFO, "removed docker container %s", c->name);
    forget(c);
}

static void
remove_now(void *arg)
{
    container_t *c = arg;
    const char *args[] = { "rm", "-f", c->name, NULL };
    butte_err_t err;

    butte_timer_stop(c->remove_timer);
    c->remove_timer = NULL;
    if (c->cmd != NULL)
        return; /* a stop still runs; it schedules the removal again */
    c->cmd = butte_docker_start(c->dk->loop, &c->dk->d, args, 0, removed, c, &err);
    if (c->cmd == NULL) {
        butte_log(c->dk->log, BUTTE_LOG_WARNING, "cannot remove docker container %s: %s",
                  c->name, err.msg);
        forget(c);
    }
}

/* ------------------------------------------------------------ termination */

/* The executor and the container are gone: tell the waiters, then the
 * destroyers, then remove the container after the delay. */
static void
terminate(container_t *c)
{
    dk_t *dk = c->dk;
    butte_container_termination_t term = {
        .size = sizeof term,
        .has_status = true,
        .status = c->status,
        .state = MESOS__V1__TASK_STATE__TASK_FAILED,
        .message = c->destroying ? "Container destroyed" : NULL,
    };
    char id[256];

    snprintf(id, sizeof id, "%s", c->id);
    c->terminated = true;
    while (c->waiters != NULL) {
        waiter_t *w = c->waiters;
        c->waiters = w->next;
        w->fn(w->ctx, id, &term);
    }
    while (c->destroyers != NULL) {
        destroyer_t *d = c->destroyers;
        c->destroyers = d->next;
        d->fn(d->ctx, id, 0, NULL);
    }
    butte_log(dk->log, BUTTE_LOG_INFO, "container %s ended (executor %s); %s removed in %gs",
              c->id, butte_docker_describe(c->pool, c->status), c->name, dk->remove_delay);
    c->remove_timer = butte_timer_start(dk->loop, dk->remove_delay > 0 ? dk->remove_delay : 0,
                                        false, remove_now, c);
}

static void
stopped(void *arg, int status, const char *out, const char *errout)
{
    container_t *c = arg;

    (void)out;
    c->cmd = NULL;
    /* "No such container": the executor never got as far as creating it */
    if (status != 0 && strstr(errout, "No such container") == NULL)
        butte_log(c->dk->log, BUTTE_LOG_WARNING, "docker stop %s: %s", c->name, errout);
    terminate(c);
}

static void
executor_exited(void *arg, pid_t pid, int status)
{
    container_t *c = arg;
    dk_t *dk = c->dk;
    char t[32];
    const char *args[] = { "stop", "-t", t, c->name, NULL };
    butte_err_t err;

    (void)pid;
    c->watch = NULL;
    c->exited = true;
    c->status = status;
    /* what the executor left behind (its docker run client) goes too */
    kill(-c->pid, SIGKILL);
    if (!c->launched)
        return; /* the deferred launch report comes first and terminates */
    /* the executor normally saw its container end; if it died first, the
     * container must not outlive it (Mesos stops it the same way) */
    snprintf(t, sizeof t, "%d", c->destroying ? 0 : (int)dk->stop_timeout);
    c->cmd = butte_docker_start(dk->loop, &dk->d, args, 0, stopped, c, &err);
    if (c->cmd == NULL) {
        butte_log(dk->log, BUTTE_LOG_WARNING, "cannot stop %s: %s", c->name, err.msg);
        terminate(c);
    }
}

/* ------------------------------------------------------------ launch */

static void
report_launch(void *arg)
{
    container_t *c = arg;
    butte_launch_done_fn fn = c->launch_done;

    c->launch_done = NULL;
    c->launched = true;
    fn(c->launch_ctx, c->id, 0, NULL);
    if (c->exited && !c->terminated && c->cmd == NULL)
        terminate(c);
}

/* The ContainerInfo, unpacked, or NULL. */
static Mesos__V1__ContainerInfo *
container_info(const butte_container_config_t *config)
{
    if (config->container_info.data == NULL || config->container_info.len == 0)
        return NULL;
    return mesos__v1__container_info__unpack(NULL, config->container_info.len,
                                             config->container_info.data);
}

/* The launcher folder: where the agent found mesos-executor (argv[0] of
 * the command executor), else MESOS_LAUNCHER_DIR, else the parameter. */
static const char *
launcher_dir(dk_t *dk, butte_pool_t *pool, const butte_container_config_t *config)
{
    bool v11 = config->size >= offsetof(butte_container_config_t, argv) + sizeof config->argv;

    if (v11 && config->argv != NULL && config->argv[0] != NULL) {
        const char *slash = strrchr(config->argv[0], '/');
        if (slash != NULL && strcmp(slash + 1, "mesos-executor") == 0)
            return butte_pool_strndup(pool, config->argv[0],
                                      (size_t)(slash - config->argv[0]));
    }
    for (size_t i = 0; v11 && config->env != NULL && config->env[i] != NULL; i++)
        if (strncmp(config->env[i], "MESOS_LAUNCHER_DIR=", 19) == 0)
            return config->env[i] + 19;
    return dk->launcher_dir;
}

/* Fork the executor: a session of its own, in the sandbox, output in the
 * sandbox's stdout/stderr.  Async-signal-safe calls only in the child. */
static pid_t
spawn_executor(const char *dir, char *const *argv, char *const *envp, butte_err_t *err)
{
    butte_pool_t *tmp = butte_pool_create(NULL);
    const char *out = butte_pool_printf(tmp, "%s/stdout", dir);
    const char *errp = butte_pool_printf(tmp, "%s/stderr", dir);
    pid_t pid = fork();

    if (pid < 0) {
        butte_pool_destroy(tmp);
        return butte_err_set(err, BUTTE_EIO, "fork: %s", strerror(errno));
    }
    if (pid == 0) {
        sigset_t none;
        int fd;
        setsid();
        signal(SIGPIPE, SIG_DFL);
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        if (chdir(dir) != 0)
            _exit(127);
        if ((fd = open("/dev/null", O_RDONLY)) >= 0)
            dup2(fd, STDIN_FILENO);
        if ((fd = open(out, O_WRONLY | O_CREAT | O_APPEND, 0644)) >= 0)
            dup2(fd, STDOUT_FILENO);
        if ((fd = open(errp, O_WRONLY | O_CREAT | O_APPEND, 0644)) >= 0)
            dup2(fd, STDERR_FILENO);
        if (syscall(SYS_close_range, 3u, ~0u, 0u) != 0)
            for (fd = 3; fd < 1024; fd++)
                close(fd);
        execve(argv[0], argv, envp);
        {
            static const char m[] = "cannot run " EXECUTOR_NAME "\n";
            if (write(STDERR_FILENO, m, sizeof m - 1) < 0) {
                /* nowhere left to say it */
            }
        }
        _exit(127);
    }
    butte_pool_destroy(tmp);
    return pid;
}

extern char **environ;

/* The monitor of container name, starting from the resources of the task
 * (what the executor's docker run gives the container). */
static butte_docker_mon_t *
new_monitor(dk_t *dk, butte_pool_t *pool, const char *name,
            const butte_container_config_t *config)
{
    Mesos__V1__TaskInfo *task = mesos__v1__task_info__unpack(NULL, config->task_info.len,
                                                             config->task_info.data);
    double cpus = -1, mem = -1;

    if (task != NULL) {
        cpus = butte_docker_task_scalar(task, "cpus");
        mem = butte_docker_task_scalar(task, "mem");
        mesos__v1__task_info__free_unpacked(task, NULL);
    }
    return butte_docker_mon_create(pool, dk->loop, dk->log, &dk->d, name, cpus, mem);
}

static int
launch(void *state, const butte_container_config_t *config, butte_launch_done_fn done,
       void *ctx, butte_err_t *err)
{
    dk_t *dk = state;
    Mesos__V1__ContainerInfo *ci = container_info(config);
    bool docker = ci != NULL && ci->type == MESOS__V1__CONTAINER_INFO__TYPE__DOCKER;
    bool v11 = config->size >= offsetof(butte_container_config_t, argv) + sizeof config->argv;
    butte_pool_t *pool;
    container_t *c;
    const char *ldir, *exe;
    const char **argv;
    size_t n = 0;

    if (ci != NULL)
        mesos__v1__container_info__free_unpacked(ci, NULL);
    if (!docker)
        return BUTTE_EDECLINED;
    if (config->task_info.data == NULL)
        return butte_err_set(err, BUTTE_EINVAL,
                             "custom executors in DOCKER containers are not supported; "
                             "use a command task");
    if (find(dk, config->container_id) != NULL)
        return butte_err_set(err, BUTTE_ECONFLICT, "container %s already exists",
                             config->container_id);
    pool = butte_pool_create(dk->pool);
    ldir = launcher_dir(dk, pool, config);
    exe = butte_pool_printf(pool, "%s/" EXECUTOR_NAME, ldir);
    if (access(exe, X_OK) != 0) {
        butte_err_set(err, BUTTE_ENOTFOUND, "executor binary \"%s\" not found: %s", exe,
                      strerror(errno));
        butte_pool_destroy(pool);
        return err->code;
    }
    c = butte_pool_alloc(pool, sizeof *c);
    memset(c, 0, sizeof *c);
    c->dk = dk;
    c->pool = pool;
    c->id = butte_pool_strdup(pool, config->container_id);
    c->name = butte_pool_printf(pool, NAME_PREFIX "%s", config->container_id);
    c->mon = new_monitor(dk, pool, c->name, config);

    /* Mesos' flags for mesos-docker-executor */
    argv = butte_pool_alloc(pool, 12 * sizeof *argv);
    argv[n++] = exe;
    argv[n++] = butte_pool_printf(pool, "--container=%s", c->name);
    argv[n++] = butte_pool_printf(pool, "--docker=%s", dk->d.docker);
    argv[n++] = butte_pool_printf(pool, "--docker_socket=%s", dk->d.socket);
    argv[n++] = butte_pool_printf(pool, "--sandbox_directory=%s", config->directory);
    argv[n++] = "--mapped_directory=" BUTTE_DOCKER_MAPPED_DIR;
    argv[n++] = butte_pool_printf(pool, "--stop_timeout=%gsecs", dk->stop_timeout);
    argv[n++] = butte_pool_printf(pool, "--launcher_dir=%s", ldir);
    argv[n] = NULL;

    c->pid = spawn_executor(config->directory, (char *const *)argv,
                            v11 && config->env != NULL ? (char *const *)config->env : environ,
                            err);
    if (c->pid < 0) {
        butte_err_prefix(err, "cannot start %s", exe);
        butte_pool_destroy(pool);
        return err->code;
    }
    c->watch = butte_watch_child(dk->loop, c->pid, executor_exited, c, err);
    if (c->watch == NULL) {
        kill(-c->pid, SIGKILL);
        waitpid(c->pid, NULL, 0);
        butte_pool_destroy(pool);
        return err->code;
    }
    c->launch_done = done;
    c->launch_ctx = ctx;
    c->next = dk->containers;
    dk->containers = c;
    butte_log(dk->log, BUTTE_LOG_INFO, "container %s: %s started (pid %d) for docker "
              "container %s", c->id, EXECUTOR_NAME, (int)c->pid, c->name);
    /* the contract: done comes after launch() returned */
    butte_loop_defer(dk->loop, report_launch, c);
    return BUTTE_OK;
}

/* ------------------------------------------------------------ wait, destroy */

typedef struct late_wait {
    container_t *c;
    butte_wait_fn fn;
    void *ctx;
} late_wait_t;

static void
wait_late(void *arg)
{
    late_wait_t *lw = arg;
    butte_container_termination_t term = {
        .size = sizeof term,
        .has_status = true,
        .status = lw->c->status,
        .state = MESOS__V1__TASK_STATE__TASK_FAILED,
    };

    lw->fn(lw->ctx, lw->c->id, &term);
}

static int
wait_container(void *state, const char *container_id, butte_wait_fn fn, void *ctx,
               butte_err_t *err)
{
    container_t *c = find(state, container_id);

    if (c == NULL)
        return butte_err_set(err, BUTTE_ENOTFOUND, "unknown container %s", container_id);
    if (c->terminated) {
        late_wait_t *lw = butte_pool_alloc(c->pool, sizeof *lw);
        lw->c = c;
        lw->fn = fn;
        lw->ctx = ctx;
        butte_loop_defer(c->dk->loop, wait_late, lw);
        return BUTTE_OK;
    }
    waiter_t *w = butte_pool_alloc(c->pool, sizeof *w);
    w->fn = fn;
    w->ctx = ctx;
    w->next = c->waiters;
    c->waiters = w;
    return BUTTE_OK;
}

typedef struct late_destroy {
    container_t *c;
    butte_destroy_done_fn fn;
    void *ctx;
} late_destroy_t;

static void
destroy_late(void *arg)
{
    late_destroy_t *ld = arg;

    ld->fn(ld->ctx, ld->c->id, 0, NULL);
}

static int
destroy_container(void *state, const char *container_id, butte_destroy_done_fn done, void *ctx,
                  butte_err_t *err)
{
    container_t *c = find(state, container_id);

    if (c == NULL)
        return butte_err_set(err, BUTTE_ENOTFOUND, "unknown container %s", container_id);
    if (c->terminated) {
        late_destroy_t *ld = butte_pool_alloc(c->pool, sizeof *ld);
        ld->c = c;
        ld->fn = done;
        ld->ctx = ctx;
        butte_loop_defer(c->dk->loop, destroy_late, ld);
        return BUTTE_OK;
    }
    destroyer_t *d = butte_pool_alloc(c->pool, sizeof *d);
    d->fn = done;
    d->ctx = ctx;
    d->next = c->destroyers;
    c->destroyers = d;
    if (!c->destroying) {
        c->destroying = true;
        butte_log(c->dk->log, BUTTE_LOG_INFO, "destroying container %s", c->id);
        /* the executor's session: it and its docker clients; the
         * container itself is stopped once the executor is reaped */
        if (!c->exited)
            kill(-c->pid, SIGKILL);
    }
    return BUTTE_OK;
}

/* ------------------------------------------------------------ usage, update */

static int
usage(void *state, const char *container_id, butte_container_stats_t *stats, butte_err_t *err)
{
    container_t *c = find(state, container_id);

    if (c == NULL)
        return butte_err_set(err, BUTTE_ENOTFOUND, "unknown container %s", container_id);
    if (!c->terminated)
        butte_docker_mon_usage(c->mon, stats);
    return BUTTE_OK;
}

/* As in Mesos, only cpus and mem are enforced after launch. */
static int
update(void *state, const char *container_id, const butte_resources_t *requests,
       const butte_resources_t *limits, butte_err_t *err)
{
    container_t *c = find(state, container_id);
    double cpus, mem;

    (void)limits;
    if (c == NULL)
        return butte_err_set(err, BUTTE_ENOTFOUND, "unknown container %s", container_id);
    if (c->terminated || c->exited || requests == NULL)
        return BUTTE_OK;
    cpus = butte_resources_scalar(requests, "cpus");
    mem = butte_resources_scalar(requests, "mem");
    butte_docker_mon_update(c->mon, cpus > 0 ? cpus : -1, mem > 0 ? mem : -1);
    return BUTTE_OK;
}

static int
containers(void *state, butte_pool_t *pool, const char ***ids, size_t *n, butte_err_t *err)
{
    dk_t *dk = state;
    size_t count = 0;

    (void)err;
    for (container_t *c = dk->containers; c != NULL; c = c->next)
        count++;
    *ids = butte_pool_alloc(pool, (count + 1) * sizeof **ids);
    *n = 0;
    for (container_t *c = dk->containers; c != NULL; c = c->next)
        if (!c->terminated)
            (*ids)[(*n)++] = butte_pool_strdup(pool, c->id);
    return BUTTE_OK;
}

/* ------------------------------------------------------------ life cycle */

static int
create(butte_instance_t *self, const butte_params_t *params, void **state, butte_err_t *err)
{
    butte_pool_t *pool = butte_instance_pool(self);
    dk_t *dk = butte_pool_alloc(pool, sizeof *dk);
    const char *v;
    char *end;

    memset(dk, 0, sizeof *dk);
    dk->pool = pool;
    dk->loop = butte_instance_loop(self);
    dk->log = butte_instance_log(self);
    v = butte_params_get(params, "docker");
    dk->d.docker = resolve_program(pool, v != NULL && *v ? v : "docker");
    v = butte_params_get(params, "docker_socket");
    dk->d.socket = butte_pool_strdup(pool, v != NULL && *v ? v : "/var/run/docker.sock");
    dk->remove_delay = 6 * 3600;
    dk->stop_timeout = 0;
    dk->kill_orphans = true;
    if ((v = butte_params_get(params, "docker_remove_delay")) != NULL) {
        dk->remove_delay = strtod(v, &end);
        if (*end != '\0' || dk->remove_delay < 0)
            return butte_err_set(err, BUTTE_EINVAL, "docker_remove_delay: bad seconds \"%s\"",
                                 v);
    }
    if ((v = butte_params_get(params, "docker_stop_timeout")) != NULL) {
        dk->stop_timeout = strtod(v, &end);
        if (*end != '\0' || dk->stop_timeout < 0)
            return butte_err_set(err, BUTTE_EINVAL, "docker_stop_timeout: bad seconds \"%s\"",
                                 v);
    }
    if ((v = butte_params_get(params, "docker_kill_orphans")) != NULL)
        dk->kill_orphans = strcmp(v, "false") != 0 && strcmp(v, "0") != 0;
    v = butte_params_get(params, "launcher_dir");
    dk->launcher_dir = butte_pool_strdup(pool, v != NULL && *v ? v : "/usr/local/libexec/mesos");
    if ((v = butte_params_get(params, "docker_config")) != NULL && *v)
        butte_log(dk->log, BUTTE_LOG_WARNING,
                  "--docker_config is not used: docker reads its own credentials");
    butte_log(dk->log, BUTTE_LOG_INFO, "docker %s on unix://%s; containers removed %gs after "
              "they end%s", dk->d.docker, dk->d.socket, dk->remove_delay,
              dk->kill_orphans ? "; orphans removed at start" : "");
    *state = dk;
    return BUTTE_OK;
}

static const butte_containerizer_ops_t ops = {
    .size = sizeof ops,
    .recover = butte_dk_recover,
    .launch = launch,
    .update = update,
    .usage = usage,
    .wait = wait_container,
    .destroy = destroy_container,
    .containers = containers,
};

BUTTE_EXPORT const butte_module_t org_apache_mesos_DockerContainerizer = {
    BUTTE_MODULE_GUARD(BUTTE_KIND_CONTAINERIZER),
    .name = "org_apache_mesos_DockerContainerizer",
    .author = "Butte",
    .email = "butte@localhost",
    .description = "docker: runs command tasks with a DOCKER ContainerInfo through "
                   "mesos-docker-executor and the docker CLI",
    .ops = &ops,
    .create = create,
    .destroy = butte_dk_shutdown,
};
