/*
 * kernel/agent/containerizer-private.h - what the Mesos containerizer's two
 * files share: its records (containerizer.c: isolators, reaping, queries;
 * containerizer-launch.c: preparing isolators and starting the child).
 * Not for other files: they use containerizer-internal.h.
 */
#ifndef BUTTE_AGENT_CONTAINERIZER_PRIVATE_H
#define BUTTE_AGENT_CONTAINERIZER_PRIVATE_H

#include <event2/event.h>

#include "agent/containerizer-internal.h"

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

/* butte_mc_find - the running (or not yet reported) container id, or NULL. */
container_t *butte_mc_find(butte_mc_t *mc, const char *id);

#endif
