/*
 * kernel/agent/launcher-env.c - what an executor is started with
 * (executor-internal.h): its environment (the MESOS_* variables that point
 * it at this agent, --executor_environment_variables, CommandInfo's
 * environment), the built-in command executor's ExecutorInfo, where
 * mesos-executor lives, its sandbox's folders, and container ids.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "agent/executor-internal.h"

#ifndef BUTTE_LAUNCHER_DIR
#define BUTTE_LAUNCHER_DIR "/usr/local/libexec/mesos"
#endif

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

char *
butte_exec_uuid_text(butte_pool_t *pool)
{
    uint8_t u[16];

    butte_uuid_random(u);
    return butte_pool_printf(pool,
                             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                             u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10],
                             u[11], u[12], u[13], u[14], u[15]);
}

/* Mesos' Duration text: "5secs", "1.5secs", "2mins". */
char *
butte_exec_duration_text(butte_pool_t *pool, double secs)
{
    if (secs >= 60 && (long long)secs % 60 == 0)
        return butte_pool_printf(pool, "%lldmins", (long long)secs / 60);
    return butte_pool_printf(pool, "%gsecs", secs);
}

/* mkdir -p, deepest first: a new run's parents mostly exist already, so
 * this costs one or a few mkdir calls instead of one per component. */
static int
mkdirs(char *path, size_t len)
{
    if (mkdir(path, 0755) == 0 || errno == EEXIST)
        return 0;
    if (errno != ENOENT)
        return -1;
    /* the parent: drop the last component and the slashes before it */
    while (len > 0 && path[len - 1] != '/')
        len--;
    while (len > 0 && path[len - 1] == '/')
        len--;
    if (len == 0) {
        errno = ENOENT; /* no parent left to create ("/x" or "x") */
        return -1;
    }
    char saved = path[len];
    path[len] = '\0';
    int rc = mkdirs(path, len);
    path[len] = saved;
    if (rc != 0)
        return -1;
    return mkdir(path, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

int
butte_exec_mkdirs(char *path, butte_err_t *err)
{
    if (mkdirs(path, strlen(path)) == 0)
        return BUTTE_OK;
    return butte_err_set(err, BUTTE_EIO, "cannot create the sandbox \"%s\": %s", path,
                         strerror(errno));
}

/* ------------------------------------------------------------ launching */

/* The environment of a new executor: not the agent's (Mesos). */
const char **
butte_exec_env(butte_agent_t *a, agent_executor_t *ex, const Mesos__V1__CommandInfo *cmd,
             const char *launcher_dir, butte_pool_t *pool)
{
    size_t cap = 32 + (cmd && cmd->environment ? cmd->environment->n_variables : 0);
    const char **env;
    size_t n = 0;
    bool have_path = false;
    const char *evars = butte_flags_str(a->flags, "executor_environment_variables");
    json_t *j = NULL;

    if (evars && *evars) {
        j = json_loads(evars, 0, NULL);
        if (json_is_object(j))
            cap += json_object_size(j);
    }
    env = butte_pool_alloc(pool, cap * sizeof *env);
    if (json_is_object(j)) {
        const char *k;
        json_t *v;
        json_object_foreach(j, k, v) {
            if (!json_is_string(v))
                continue;
            env[n++] = butte_pool_printf(pool, "%s=%s", k, json_string_value(v));
            have_path |= strcmp(k, "PATH") == 0;
        }
    }
    json_decref(j);
    if (!have_path)
        env[n++] = "PATH=" DEFAULT_PATH;
    for (size_t i = 0; cmd && cmd->environment && i < cmd->environment->n_variables; i++) {
        const Mesos__V1__Environment__Variable *v = cmd->environment->variables[i];
        if (v->name && v->value &&
            (!v->has_type || v->type == MESOS__V1__ENVIRONMENT__VARIABLE__TYPE__VALUE))
            env[n++] = butte_pool_printf(pool, "%s=%s", v->name, v->value);
    }
    env[n++] = butte_pool_printf(pool, "MESOS_FRAMEWORK_ID=%s", ex->framework_id);
    env[n++] = butte_pool_printf(pool, "MESOS_EXECUTOR_ID=%s", ex->id);
    env[n++] = butte_pool_printf(pool, "MESOS_AGENT_ENDPOINT=%s:%u", a->ip, (unsigned)a->port);
    env[n++] = butte_pool_printf(pool, "MESOS_DIRECTORY=%s", ex->directory);
    env[n++] = butte_pool_printf(pool, "MESOS_SANDBOX=%s", ex->directory);
    env[n++] = butte_pool_printf(pool, "MESOS_CHECKPOINT=%d", ex->checkpoint ? 1 : 0);
    env[n++] = butte_pool_printf(pool, "MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD=%s",
                                 butte_exec_duration_text(pool, ex->grace));
    env[n++] = butte_pool_printf(pool, "MESOS_SLAVE_ID=%s", a->id ? a->id : "");
    env[n++] = butte_pool_printf(pool, "MESOS_SLAVE_PID=%s", a->pid);
    env[n++] = butte_pool_printf(pool, "MESOS_CONTAINER_ID=%s", ex->container_id);
    env[n++] = butte_pool_printf(pool, "LIBPROCESS_IP=%s", a->ip);
    env[n++] = "LIBPROCESS_PORT=0";
    if (ex->checkpoint) {
        env[n++] = butte_pool_printf(pool, "MESOS_RECOVERY_TIMEOUT=%s",
                                     butte_exec_duration_text(pool, butte_flags_double(a->flags,
                                                                            "recovery_timeout")));
        env[n++] = "MESOS_SUBSCRIPTION_BACKOFF_MAX=2secs";
    }
    if (ex->command) {
        env[n++] = "MESOS_HTTP_COMMAND_EXECUTOR=1";
        env[n++] = butte_pool_printf(pool, "MESOS_LAUNCHER_DIR=%s", launcher_dir);
    }
    env[n] = NULL;
    return env;
}

const char *
butte_exec_launcher_dir(butte_agent_t *a)
{
    const char *env = getenv("BUTTE_LAUNCHER_DIR");

    if (butte_flags_is_set(a->flags, "launcher_dir"))
        return butte_flags_str(a->flags, "launcher_dir");
    if (env && *env)
        return env;
    /* Not installed yet (running from the build tree after "make"): the
     * executors are built at the top of the build folder. */
    if (access(BUTTE_LAUNCHER_DIR "/mesos-executor", X_OK) != 0 &&
        access(BUTTE_BUILD_LAUNCHER_DIR "/mesos-executor", X_OK) == 0)
        return BUTTE_BUILD_LAUNCHER_DIR;
    return BUTTE_LAUNCHER_DIR;
}

/* The ExecutorInfo of the built-in command executor for task ti. */
Mesos__V1__ExecutorInfo *
butte_exec_command_info(butte_pool_t *pool, const char *framework_id, const Mesos__V1__TaskInfo *ti,
                 const char *path, const char *dir)
{
    Mesos__V1__ExecutorInfo *ei = butte_pool_alloc(pool, sizeof *ei);
    Mesos__V1__CommandInfo *cmd = butte_pool_alloc(pool, sizeof *cmd);
    Mesos__V1__ExecutorID *eid = butte_pool_alloc(pool, sizeof *eid);
    Mesos__V1__FrameworkID *fid = butte_pool_alloc(pool, sizeof *fid);

    mesos__v1__executor_info__init(ei);
    mesos__v1__command_info__init(cmd);
    mesos__v1__executor_id__init(eid);
    mesos__v1__framework_id__init(fid);
    eid->value = ti->task_id->value;
    fid->value = (char *)framework_id;
    cmd->value = (char *)path;
    cmd->has_shell = 1;
    cmd->shell = 0;
    cmd->n_arguments = 2;
    cmd->arguments = butte_pool_alloc(pool, 2 * sizeof(char *));
    cmd->arguments[0] = "mesos-executor";
    cmd->arguments[1] = butte_pool_printf(pool, "--launcher_dir=%s", dir);
    ei->executor_id = eid;
    ei->framework_id = fid;
    ei->command = cmd;
    ei->has_type = 1;
    ei->type = MESOS__V1__EXECUTOR_INFO__TYPE__DEFAULT;
    ei->name = butte_pool_printf(pool, "Command Executor (Task: %s) (Command: %s)",
                                 ti->task_id->value,
                                 ti->command && ti->command->value ? ti->command->value : "");
    ei->source = ti->task_id->value;
    return ei;
}

