/*
 * frameworks/execute/execute.h - mesos-execute: run one command (or one
 * task group) on the cluster and print each state change.
 *
 *   options.c  the command line, and the TaskInfo / TaskGroupInfo it
 *              describes (allocated from the program's pool);
 *   main.c     the framework: subscribe, take a fitting offer, launch,
 *              acknowledge, kill after --kill_after, exit status.
 */
#ifndef BUTTE_EXECUTE_H
#define BUTTE_EXECUTE_H

#include <butte/error.h>
#include <butte/pool.h>

#include "mesos/v1/scheduler.pb-c.h"

/* A requested scalar resource (only scalars are supported). */
typedef struct want {
    const char *name;
    double amount;
} want_t;

typedef struct opts {
    const char *master;
    const char *name;
    const char *command;
    const char *resources;   /* text as given */
    const char *env;         /* JSON object or NULL */
    bool shell;
    const char *role;
    bool checkpoint;
    double kill_after;       /* seconds, < 0 when not set */
    const char *task_group;  /* JSON text (file:// already read) or NULL */
    const char *framework_name;
    const char *principal;
    bool json;               /* --content_type=json */
    bool partition_aware;
    const char *docker_image; /* --docker_image or NULL */
    const char *containerizer; /* --containerizer: "mesos" (default) or "docker" */
    /* what to launch */
    Mesos__V1__TaskInfo *task;           /* --command */
    Mesos__V1__TaskGroupInfo *group;     /* --task_group */
} opts_t;

/*
 * opts_parse - argv into o (strings point into argv or pool).  Returns 0;
 * 1 when --help was printed; or a negative code with err filled.
 */
int opts_parse(butte_pool_t *pool, int argc, char **argv, opts_t *o, butte_err_t *err);

/* opts_wants - the scalar resources of a TaskInfo (summed by name) into
 * w (at most max entries); returns how many. */
size_t opts_wants(const Mesos__V1__TaskInfo *t, want_t *w, size_t max);

#endif
