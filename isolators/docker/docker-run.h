/*
 * isolators/docker/docker-run.h - the `docker run` command line of a task
 * (what mesos-docker-executor runs), from its TaskInfo, as Mesos' docker
 * containerizer builds it:
 *
 *   run [--cpu-shares N] [--memory BYTES] [-e K=V ...]
 *       -e MESOS_SANDBOX=<mapped> -e MESOS_CONTAINER_NAME=<name>
 *       -v <sandbox>:<mapped> [-v host:container:rw|ro ...]
 *       [--net host|bridge|none|<network>] [--hostname H] [-p host:container/proto ...]
 *       [--privileged] [--<key>=<value> (DockerInfo.parameters) ...]
 *       [--entrypoint /bin/sh] --name <name> <image> [-c <value> | <value> <arguments...>]
 *
 * cpu shares are 1024 per cpu (at least 2), memory the task's mem (at
 * least 32 MB) in bytes.  A relative volume host path is inside the
 * sandbox, a relative container path inside the mapped sandbox.
 */
#ifndef BUTTE_DOCKER_RUN_H
#define BUTTE_DOCKER_RUN_H

#include <butte/error.h>
#include <butte/pool.h>

#include "mesos/v1/mesos.pb-c.h"

/* The mount point of the sandbox in the container (Mesos' default). */
#define BUTTE_DOCKER_MAPPED_DIR "/mnt/mesos/sandbox"

/*
 * butte_docker_run_args - the arguments after the docker program and -H
 * (NULL-terminated, from pool) that start task in container name.
 * sandbox: the sandbox on the host; mapped: its path in the container.
 * BUTTE_EINVAL with err when the task is not a DOCKER task with an image,
 * or its command cannot be expressed (shell without a value).
 */
int butte_docker_run_args(butte_pool_t *pool, const Mesos__V1__TaskInfo *task, const char *name,
                          const char *sandbox, const char *mapped, const char ***argv,
                          butte_err_t *err);

/* butte_docker_task_scalar - the sum of the task's scalar resource name
 * ("cpus", "mem"), or -1 when it has none. */
double butte_docker_task_scalar(const Mesos__V1__TaskInfo *task, const char *name);

/* butte_docker_cpu_shares - docker's --cpu-shares for cpus (1024 per cpu,
 * at least 2); butte_docker_memory_bytes - its --memory for mem MB (at
 * least 32 MB). */
unsigned long long butte_docker_cpu_shares(double cpus);
unsigned long long butte_docker_memory_bytes(double mem);

/* butte_docker_task_image - the task's DockerInfo.image, or NULL. */
const char *butte_docker_task_image(const Mesos__V1__TaskInfo *task);

#endif
