/*
 * isolators/docker/docker-internal.h - what the docker containerizer's
 * files share: its records (docker.c: the ops of running containers;
 * docker-engine.c: start-up orphans and shutdown).
 */
#ifndef ISOLATORS_DOCKER_DOCKER_INTERNAL_H
#define ISOLATORS_DOCKER_DOCKER_INTERNAL_H

#include <stdbool.h>
#include <sys/types.h>

#include <butte/containerizer.h>
#include <butte/log.h>
#include <butte/loop.h>

#include "isolators/docker/docker-cli.h"
#include "isolators/docker/docker-usage.h"

#define EXECUTOR_NAME "mesos-docker-executor"
#define NAME_PREFIX "mesos-"
#define SYNC_TIMEOUT 60.0

typedef struct dk dk_t;

typedef struct waiter {
    struct waiter *next;
    butte_wait_fn fn;
    void *ctx;
} waiter_t;

typedef struct destroyer {
    struct destroyer *next;
    butte_destroy_done_fn fn;
    void *ctx;
} destroyer_t;

typedef struct container {
    struct container *next;
    dk_t *dk;
    butte_pool_t *pool;     /* the container's; freed when it is forgotten */
    char *id;
    char *name;             /* mesos-<id> */
    pid_t pid;              /* the executor; its session and group id too */
    butte_watch_t *watch;   /* on the executor, until it is reaped */
    butte_docker_cmd_t *cmd; /* the docker stop / rm in flight, or NULL */
    butte_launch_done_fn launch_done; /* until the deferred report ran */
    void *launch_ctx;
    bool launched;          /* launch_done was called */
    bool exited;            /* the executor was reaped */
    int status;             /* its wait status */
    bool destroying;
    bool terminated;        /* waiters were told; only the removal is left */
    waiter_t *waiters;
    destroyer_t *destroyers;
    butte_timer_t *remove_timer;
    butte_docker_mon_t *mon; /* statistics and updates (docker-usage.h) */
} container_t;

struct dk {
    butte_pool_t *pool;
    butte_loop_t *loop;
    butte_log_t *log;
    butte_docker_t d;
    double remove_delay;
    double stop_timeout;
    bool kill_orphans;
    const char *launcher_dir;
    container_t *containers;
};

/*
 * butte_dk_recover - the recover slot: lists the engine's mesos-*
 * containers (which also proves the engine answers; an error fails agent
 * start-up) and, with docker_kill_orphans, removes them all (this agent
 * recovers none).  Synchronous: runs the docker CLI and waits, up to
 * SYNC_TIMEOUT per call.
 */
int butte_dk_recover(void *state, const butte_container_state_t *list, size_t n,
                     butte_err_t *err);

/*
 * butte_dk_shutdown - the module's destroy(): kills every executor and
 * removes every container with one synchronous `docker rm -f`; no callback
 * is called any more.  Blocks (the loop will not run again).
 */
void butte_dk_shutdown(void *state);

#endif
