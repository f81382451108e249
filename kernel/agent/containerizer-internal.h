/*
 * kernel/agent/containerizer-internal.h - the Mesos containerizer with the
 * posix launcher: forks an executor into its sandbox, in its own session
 * and process group, with a fresh environment, under the isolators named
 * by --isolation (called through the isolator module ops, in that order),
 * and reports its exit.
 *
 * Exits are noticed with a SIGCHLD event on the loop (libevent signal
 * event, no thread); each containerizer reaps only the pids it forked
 * (waitpid(pid, WNOHANG)), so several agents in one process (mesos-local)
 * and other code that forks do not steal each other's children.
 *
 * Everything runs on the loop thread.  butte_mc_launch blocks for a few
 * directory/file operations and the start of the child: without isolator
 * pre-exec commands the child shares the agent's memory (clone(CLONE_VM),
 * as posix_spawn) and launch returns once it exec'd; with them it is a
 * fork() and launch returns once the isolators have its pid.
 */
#ifndef BUTTE_AGENT_CONTAINERIZER_INTERNAL_H
#define BUTTE_AGENT_CONTAINERIZER_INTERNAL_H

#include <sys/types.h>

#include <butte/error.h>
#include <butte/isolator.h>
#include <butte/loop.h>
#include <butte/pool.h>

#include "core/flags-internal.h"
#include "core/loader-internal.h"

typedef struct butte_mc butte_mc_t;

/*
 * butte_mc_exit_fn - the container's init process (the executor) exited
 * with wait(2) status; every process left in its session has been killed
 * and the isolators cleaned up.  The container is forgotten after fn
 * returns.  Called once per launched container, on the loop.
 */
typedef void (*butte_mc_exit_fn)(void *ctx, const char *container_id, int wait_status);

/*
 * butte_mc_limit_fn - an isolator's watch() reported that the container
 * crossed a limit (memory: the kernel OOM-killed it); reason is a
 * mesos.v1.TaskStatus.Reason, message says what was exceeded.  The
 * container is still running or dying: the callee decides (the agent
 * destroys it and fails its tasks with that reason).  On the loop.
 */
typedef void (*butte_mc_limit_fn)(void *ctx, const char *container_id, int reason,
                                  const char *message);

/*
 * butte_mc_create - the isolators of --isolation (comma list; a module of
 * that name loaded with --modules wins, else the first-party table in
 * isolators/selection.h names a library in the module folder).  mods may
 * be NULL (no module loader: no isolators, logged once).  NULL with err
 * naming the flag and the isolator on an unknown name or a module that
 * cannot be created.  First-party isolators get their agent flags as
 * module parameters (butte_ctz_params in containerizers-internal.h).
 * Each isolator's recover() is then called with no surviving container
 * (the agent does not recover containers yet), so it removes what an
 * earlier agent left behind; a failing recover() fails creation.  Lives
 * in a child of pool.
 */
butte_mc_t *butte_mc_create(butte_pool_t *pool, butte_loop_t *loop, const butte_flags_t *flags,
                            butte_modules_t *mods, butte_err_t *err);

/* butte_mc_destroy - SIGKILL every container still running, reap what
 * can be reaped, clean up the isolators, free.  mc may be NULL. */
void butte_mc_destroy(butte_mc_t *mc);

/* What to launch; all borrowed for the call. */
typedef struct butte_mc_launch {
    const char *container_id;
    const char *directory;         /* the sandbox; must exist */
    const char *user;              /* run as; NULL = the agent's user */
    const char *const *argv;       /* argv[0] is the path to exec */
    const char *const *env;        /* NULL-terminated "NAME=value" */
    const butte_resources_t *resources;
    butte_pb_t executor_info;      /* mesos.v1.ExecutorInfo, packed */
    butte_pb_t command_info;       /* mesos.v1.CommandInfo, packed */
    butte_mc_limit_fn on_limit;    /* may be NULL; gets the same ctx as the exit fn */
    butte_pb_t task_info;          /* mesos.v1.TaskInfo of a command task, else absent */
    butte_pb_t container_info;     /* mesos.v1.ContainerInfo, absent when none */
    const butte_resources_t *limits; /* NULL = limits equal the resources */
} butte_mc_launch_t;

/*
 * butte_mc_launch - prepare every isolator, fork, isolate the child before
 * it execs, let it exec argv in the sandbox with stdout/stderr going to
 * <directory>/stdout and <directory>/stderr.  *pid receives the child.
 * 0, or an error (the isolators prepared so far are cleaned up; fn is not
 * called): BUTTE_ENOTFOUND "user 'x' does not exist", BUTTE_EIO ...
 */
int butte_mc_launch(butte_mc_t *mc, const butte_mc_launch_t *l, butte_mc_exit_fn fn, void *ctx,
                    pid_t *pid, butte_err_t *err);

/*
 * butte_mc_kill - send sig to the container's process group and to every
 * other process of its session (a task that made its own process group
 * is still found).  BUTTE_ENOTFOUND for an unknown container.
 */
int butte_mc_kill(butte_mc_t *mc, const char *container_id, int sig);

/* butte_mc_update - tell the isolators the container's resources (and
 * limits, NULL = equal to them) changed. */
void butte_mc_update(butte_mc_t *mc, const char *container_id, const butte_resources_t *res,
                     const butte_resources_t *limits);

/* butte_mc_check - run the isolators' check slot for the container: a
 * limitation they find is reported through on_limit before this returns. */
void butte_mc_check(butte_mc_t *mc, const char *container_id);

/*
 * butte_mc_usage - the isolators' usage of a running container, with
 * timestamp set and cpus_limit / mem_limit_bytes from its resources when
 * no isolator reported them.  BUTTE_ENOTFOUND for an unknown container.
 */
int butte_mc_usage(butte_mc_t *mc, const char *container_id, butte_container_stats_t *stats);

/* butte_mc_isolators - the names in use, comma-separated ("" for none). */
const char *butte_mc_isolators(const butte_mc_t *mc);

#endif
