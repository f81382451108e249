/*
 * isolators/docker/docker-cli.h - running the docker CLI
 * (`<docker> -H unix://<socket> ARGS...`), shared by the docker
 * containerizer module (in the agent) and mesos-docker-executor.
 *
 * Two ways:
 * - butte_docker_start: asynchronous.  The child is forked, watched with
 *   butte_watch_child (only that pid is reaped) and its stdout/stderr are
 *   captured in anonymous memory files (memfd), or inherited from the
 *   caller (BUTTE_DOCKER_INHERIT: `docker run` writes to the sandbox's
 *   stdout/stderr, which are the executor's).  fn is called once on the
 *   loop with the outcome.
 * - butte_docker_sync: blocks until the command ends or timeout seconds
 *   passed (then SIGKILL).  Only for agent start-up (orphan clean-up) and
 *   shutdown, and the executor's last moments.
 *
 * The child gets the caller's environment and process group (a kill of
 * the executor's group takes its docker clients along), stdin from
 * /dev/null, and no other descriptor.
 */
#ifndef BUTTE_DOCKER_CLI_H
#define BUTTE_DOCKER_CLI_H

#include <sys/types.h>

#include <butte/error.h>
#include <butte/loop.h>
#include <butte/pool.h>

/* Where the docker program is and which engine it talks to; borrowed. */
typedef struct butte_docker {
    const char *docker; /* program: a path, or a name PATH finds */
    const char *socket; /* unix socket path; NULL or "" = docker's default */
} butte_docker_t;

/* butte_docker_start flags */
#define BUTTE_DOCKER_INHERIT (1u << 0) /* stdout/stderr: the caller's */

/* Longest captured output kept per stream (the rest is dropped). */
#define BUTTE_DOCKER_OUTPUT_MAX (64 * 1024)

/*
 * butte_docker_done_fn - the command ended.  status: its wait(2) status.
 * out/errout: what it printed (NUL-terminated, never NULL, "" when
 * inherited), borrowed for the call.
 */
typedef void (*butte_docker_done_fn)(void *arg, int status, const char *out, const char *errout);

typedef struct butte_docker_cmd butte_docker_cmd_t;

/*
 * butte_docker_start - run docker with args (NULL-terminated, without the
 * program and -H) in the background.  Returns the command (owned by this
 * file: freed after fn returned, or by butte_docker_abandon) or NULL with
 * err filled when it could not even be started (fn is then not called).
 */
butte_docker_cmd_t *butte_docker_start(butte_loop_t *loop, const butte_docker_t *d,
                                       const char *const *args, unsigned flags,
                                       butte_docker_done_fn fn, void *arg, butte_err_t *err);

/* butte_docker_pid - the command's process id. */
pid_t butte_docker_pid(const butte_docker_cmd_t *c);

/*
 * butte_docker_abandon - fn will not be called.  sig > 0 is sent to the
 * command first.  When wait is true the call blocks until the process
 * ended (at most 30 s, then SIGKILL) and frees everything now (use at
 * shutdown, when the loop will not run again); otherwise the process is
 * still reaped by its watch on the loop and freed then.
 */
void butte_docker_abandon(butte_docker_cmd_t *c, int sig, bool wait);

/*
 * butte_docker_sync - run docker with args and wait at most timeout
 * seconds.  Returns its wait(2) status (>= 0) with *out / *errout (may be
 * NULL) set to its output from pool, or a negative BUTTE_E* with err
 * filled when it could not run or timed out (it is then killed).
 */
int butte_docker_sync(const butte_docker_t *d, const char *const *args, double timeout,
                      butte_pool_t *pool, char **out, char **errout, butte_err_t *err);

/*
 * butte_docker_describe - "exited with status N" / "terminated by signal
 * S" for a wait status, from pool.
 */
char *butte_docker_describe(butte_pool_t *pool, int status);

/*
 * butte_docker_failure - a message for a failed command, as Mesos words
 * it: "Failed to run 'docker ARGS': exited with status 1; stderr='...'"
 * (trailing newlines of stderr dropped), from pool.
 */
char *butte_docker_failure(butte_pool_t *pool, const butte_docker_t *d, const char *const *args,
                           int status, const char *errout);

#endif
