/*
 * isolators/docker/docker-run.c - the `docker run` command line of a task
 * (docker-run.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "isolators/docker/docker-run.h"

#define MIN_CPU_SHARES 2
#define CPU_SHARES_PER_CPU 1024
#define MIN_MEMORY_MB 32

/* A growing argv in a pool. */
typedef struct args {
    butte_pool_t *pool;
    const char **v;
    size_t n, cap;
} args_t;

static void
add(args_t *a, const char *s)
{
    if (a->n + 2 > a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 32;
        const char **v = butte_pool_alloc(a->pool, cap * sizeof *v);
        if (a->n)
            memcpy(v, a->v, a->n * sizeof *v);
        a->v = v;
        a->cap = cap;
    }
    a->v[a->n++] = s;
    a->v[a->n] = NULL;
}

static void
add2(args_t *a, const char *flag, const char *value)
{
    add(a, flag);
    add(a, value);
}

double
butte_docker_task_scalar(const Mesos__V1__TaskInfo *task, const char *name)
{
    double sum = -1;

    for (size_t i = 0; i < task->n_resources; i++) {
        const Mesos__V1__Resource *r = task->resources[i];
        if (r->name == NULL || strcmp(r->name, name) != 0 || r->scalar == NULL)
            continue;
        sum = (sum < 0 ? 0 : sum) + r->scalar->value;
    }
    return sum;
}

unsigned long long
butte_docker_cpu_shares(double cpus)
{
    unsigned long long shares = (unsigned long long)(cpus * CPU_SHARES_PER_CPU);

    return shares < MIN_CPU_SHARES ? MIN_CPU_SHARES : shares;
}

unsigned long long
butte_docker_memory_bytes(double mem)
{
    return (unsigned long long)((mem < MIN_MEMORY_MB ? MIN_MEMORY_MB : mem) * 1024 * 1024);
}

const char *
butte_docker_task_image(const Mesos__V1__TaskInfo *task)
{
    const Mesos__V1__ContainerInfo *ci = task->container;

    if (ci == NULL || ci->type != MESOS__V1__CONTAINER_INFO__TYPE__DOCKER || ci->docker == NULL ||
        ci->docker->image == NULL || ci->docker->image[0] == '\0')
        return NULL;
    return ci->docker->image;
}

/* path, or base/path when path is relative. */
static const char *
under(butte_pool_t *pool, const char *base, const char *path)
{
    return path[0] == '/' ? path : butte_pool_printf(pool, "%s/%s", base, path);
}

static int
volumes(args_t *a, const Mesos__V1__ContainerInfo *ci, const char *sandbox, const char *mapped,
        butte_err_t *err)
{
    for (size_t i = 0; i < ci->n_volumes; i++) {
        const Mesos__V1__Volume *v = ci->volumes[i];
        const char *mode = v->mode == MESOS__V1__VOLUME__MODE__RO ? "ro" : "rw";
        const char *host = v->host_path;
        const char *target;

        if (v->container_path == NULL || v->container_path[0] == '\0')
            return butte_err_set(err, BUTTE_EINVAL, "volume %zu has no container_path", i + 1);
        target = under(a->pool, mapped, v->container_path);
        if (host == NULL && v->source != NULL) {
            if (v->source->host_path != NULL)
                host = v->source->host_path->path;
            else if (v->source->sandbox_path != NULL)
                host = v->source->sandbox_path->path;
            else if (v->source->docker_volume != NULL) {
                /* a named docker volume; its driver is docker's business */
                if (v->source->docker_volume->driver != NULL &&
                    v->source->docker_volume->driver[0] != '\0')
                    add2(a, "--volume-driver", v->source->docker_volume->driver);
                add2(a, "-v", butte_pool_printf(a->pool, "%s:%s:%s",
                                                v->source->docker_volume->name, target, mode));
                continue;
            }
        }
        if (host == NULL || host[0] == '\0') {
            add2(a, "-v", target); /* an anonymous volume */
            continue;
        }
        add2(a, "-v", butte_pool_printf(a->pool, "%s:%s:%s", under(a->pool, sandbox, host),
                                        target, mode));
    }
    return BUTTE_OK;
}

static void
network(args_t *a, const Mesos__V1__ContainerInfo *ci)
{
    const Mesos__V1__ContainerInfo__DockerInfo *di = ci->docker;
    int net = di->has_network ? (int)di->network : MESOS__V1__CONTAINER_INFO__DOCKER_INFO__NETWORK__HOST;

    switch (net) {
    case MESOS__V1__CONTAINER_INFO__DOCKER_INFO__NETWORK__BRIDGE:
        add2(a, "--net", "bridge");
        break;
    case MESOS__V1__CONTAINER_INFO__DOCKER_INFO__NETWORK__NONE:
        add2(a, "--net", "none");
        break;
    case MESOS__V1__CONTAINER_INFO__DOCKER_INFO__NETWORK__USER:
        /* the user-defined network is named by the first NetworkInfo */
        if (ci->n_network_infos > 0 && ci->network_infos[0]->name != NULL)
            add2(a, "--net", ci->network_infos[0]->name);
        break;
    default:
        add2(a, "--net", "host");
        break;
    }
    /* docker refuses a hostname in the host's network namespace */
    if (ci->hostname != NULL && ci->hostname[0] != '\0' &&
        net != MESOS__V1__CONTAINER_INFO__DOCKER_INFO__NETWORK__HOST)
        add2(a, "--hostname", ci->hostname);
    for (size_t i = 0; i < di->n_port_mappings; i++) {
        const Mesos__V1__ContainerInfo__DockerInfo__PortMapping *pm = di->port_mappings[i];
        add2(a, "-p", butte_pool_printf(a->pool, "%u:%u/%s", (unsigned)pm->host_port,
                                        (unsigned)pm->container_port,
                                        pm->protocol && pm->protocol[0] ? pm->protocol : "tcp"));
    }
}

static void
environment(args_t *a, const Mesos__V1__Environment *env)
{
    for (size_t i = 0; env != NULL && i < env->n_variables; i++) {
        const Mesos__V1__Environment__Variable *v = env->variables[i];
        const char *value = v->value != NULL ? v->value : "";
        if (v->name == NULL)
            continue;
        if (v->has_type && v->type == MESOS__V1__ENVIRONMENT__VARIABLE__TYPE__SECRET) {
            if (v->secret == NULL || v->secret->value == NULL)
                continue;
            value = butte_pool_strndup(a->pool, (const char *)v->secret->value->data.data,
                                       v->secret->value->data.len);
        }
        add2(a, "-e", butte_pool_printf(a->pool, "%s=%s", v->name, value));
    }
}

int
butte_docker_run_args(butte_pool_t *pool, const Mesos__V1__TaskInfo *task, const char *name,
                      const char *sandbox, const char *mapped, const char ***argv,
                      butte_err_t *err)
{
    const Mesos__V1__ContainerInfo *ci = task->container;
    const Mesos__V1__CommandInfo *cmd = task->command;
    const char *image = butte_docker_task_image(task);
    bool shell = cmd == NULL || !cmd->has_shell || cmd->shell;
    args_t a = { pool, NULL, 0, 0 };
    double cpus = butte_docker_task_scalar(task, "cpus");
    double mem = butte_docker_task_scalar(task, "mem");

    if (image == NULL)
        return butte_err_set(err, BUTTE_EINVAL,
                             "the task has no docker image (ContainerInfo.docker.image)");
    if (shell && (cmd == NULL || cmd->value == NULL))
        return butte_err_set(err, BUTTE_EINVAL, "Shell specified but no command value provided");
    add(&a, "run");
    if (cpus >= 0)
        add2(&a, "--cpu-shares", butte_pool_printf(pool, "%llu", butte_docker_cpu_shares(cpus)));
    if (mem >= 0)
        add2(&a, "--memory", butte_pool_printf(pool, "%llu", butte_docker_memory_bytes(mem)));
    if (cmd != NULL)
        environment(&a, cmd->environment);
    add2(&a, "-e", butte_pool_printf(pool, "MESOS_SANDBOX=%s", mapped));
    add2(&a, "-e", butte_pool_printf(pool, "MESOS_CONTAINER_NAME=%s", name));
    add2(&a, "-v", butte_pool_printf(pool, "%s:%s", sandbox, mapped));
    if (volumes(&a, ci, sandbox, mapped, err) != 0)
        return err->code;
    network(&a, ci);
    if (ci->docker->has_privileged && ci->docker->privileged)
        add(&a, "--privileged");
    for (size_t i = 0; i < ci->docker->n_parameters; i++) {
        const Mesos__V1__Parameter *p = ci->docker->parameters[i];
        add(&a, butte_pool_printf(pool, "--%s=%s", p->key, p->value ? p->value : ""));
    }
    /* a shell command runs in the image's /bin/sh, whatever its entrypoint
     * (Mesos does the same: MESOS-1770) */
    if (shell)
        add2(&a, "--entrypoint", "/bin/sh");
    add2(&a, "--name", name);
    add(&a, image);
    if (shell) {
        add2(&a, "-c", cmd->value);
    } else if (cmd != NULL) {
        if (cmd->value != NULL)
            add(&a, cmd->value);
        for (size_t i = 0; i < cmd->n_arguments; i++)
            add(&a, cmd->arguments[i]);
    }
    *argv = a.v;
    return BUTTE_OK;
}
