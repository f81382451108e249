/*
 * frameworks/docker-executor/docker-executor.h - mesos-docker-executor:
 * the executor the docker containerizer (isolators/docker) starts for a
 * command task with a DOCKER ContainerInfo.
 *
 * It is mesos-executor with another way of running tasks: the v1 executor
 * API client (frameworks/executor/api.c) and the URI fetcher
 * (frameworks/executor/fetch.c) are shared; this program brings its own
 * main.c (Mesos' flags: --container, --docker, --docker_socket,
 * --sandbox_directory, --mapped_directory, --stop_timeout,
 * --launcher_dir) and docker-tasks.c, which implements the tasks_*
 * functions of executor.h with the docker CLI:
 *
 *   LAUNCH -> TASK_STARTING; fetch URIs; pull the image when it is missing
 *   (or always with force_pull_image; failure -> TASK_FAILED with docker's
 *   stderr); `docker run --name <container> ...` (docker-run.h) with its
 *   output in the sandbox's stdout/stderr; TASK_RUNNING once `docker
 *   inspect` finds the container; at its end TASK_FINISHED or TASK_FAILED
 *   "Container exited with status N" (OOM-killed: reason
 *   REASON_CONTAINER_LIMITATION_MEMORY).
 *   KILL -> `docker stop -t <grace>` -> TASK_KILLED.
 *
 * One task per executor, as in Mesos.
 */
#ifndef BUTTE_DOCKER_EXECUTOR_H
#define BUTTE_DOCKER_EXECUTOR_H

#include "isolators/docker/docker-cli.h"

typedef struct docker_opts {
    butte_docker_t d;
    const char *container;  /* the container name, mesos-<container id> */
    const char *sandbox;    /* on the host */
    const char *mapped;     /* in the container */
    double stop_timeout;    /* docker stop's grace without a kill policy */
} docker_opts_t;

/* docker_tasks_configure - before tasks_init(); o is kept (static). */
void docker_tasks_configure(const docker_opts_t *o);

/* docker_tasks_cleanup - before exiting: stop timers, end and reap docker
 * commands still running (blocks briefly). */
void docker_tasks_cleanup(void);

#endif
