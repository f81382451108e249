/*
 * isolators/docker/docker-usage.h - resource statistics and resource
 * updates of one docker container, for the usage() and update() slots of
 * the docker containerizer (docker.c).
 *
 * Statistics come from the container's cgroups, which docker made: the
 * container's init pid (`docker inspect --format {{.State.Pid}}`, run
 * asynchronously the first time usage is asked while the paths are not
 * known, at most once a second) and its /proc/<pid>/cgroup lines locate
 * the cpu, cpuacct and memory cgroups (v1) or the unified one (v2) under
 * the mounts of /proc/self/mountinfo.  The paths are cached: usage() reads
 * only small cgroupfs files and never waits for docker.  Until they are
 * known, and for what the cgroups do not say, the limits are the ones the
 * container was started with (docker-run.h: shares / 1024 cpus, at least
 * 32 MB).
 *
 * Updates run `docker update --cpu-shares N --memory B --memory-swap 2B
 * <name>` asynchronously (docker run's own swap default is twice the
 * memory, and docker refuses a memory above the swap limit); one at a
 * time, the latest wanted values winning, failures logged.
 *
 * Everything runs on the loop that was given; nothing blocks on docker.
 */
#ifndef BUTTE_DOCKER_USAGE_H
#define BUTTE_DOCKER_USAGE_H

#include <sys/types.h>

#include <butte/isolator.h>
#include <butte/log.h>
#include <butte/loop.h>
#include <butte/pool.h>

#include "isolators/docker/docker-cli.h"

/* Where a container's cgroups are (absolute directories, NULL = not
 * found); from the pool given to butte_docker_cgroups_of. */
typedef struct butte_docker_cgroups {
    bool v2;             /* unified: only `unified` is set */
    const char *cpu;     /* v1 cpu (cpu.shares, cpu.stat) */
    const char *cpuacct; /* v1 cpuacct (cpuacct.stat) */
    const char *memory;  /* v1 memory */
    const char *unified; /* v2 */
} butte_docker_cgroups_t;

/*
 * butte_docker_cgroups_of - the cgroups of process pid, from
 * /proc/<pid>/cgroup and the cgroup mounts of /proc/self/mountinfo (v1
 * controllers preferred; the v2 group only when no v1 hierarchy has cpu
 * accounting or memory).  BUTTE_ENOTFOUND with err when the process is
 * gone or none of them is mounted.  Short /proc reads only.
 */
int butte_docker_cgroups_of(butte_pool_t *pool, pid_t pid, butte_docker_cgroups_t *cg,
                            butte_err_t *err);

/*
 * butte_docker_cgroups_stats - add what the cgroups say to stats (fields
 * below stats->size only; their BUTTE_STAT_* bits set): processes,
 * threads, user/system cpu time, throttling, memory total/rss/cache/swap
 * and the memory limit.  A missing file leaves its fields unset.
 */
void butte_docker_cgroups_stats(const butte_docker_cgroups_t *cg, butte_container_stats_t *stats);

/* One container's monitor; lives in the pool given at creation. */
typedef struct butte_docker_mon butte_docker_mon_t;

/*
 * butte_docker_mon_create - a monitor for container name (borrowed: it
 * must live as long as pool), started with cpus / mem (MB; < 0 = none
 * given).  d and log are borrowed for the monitor's life.
 */
butte_docker_mon_t *butte_docker_mon_create(butte_pool_t *pool, butte_loop_t *loop,
                                            butte_log_t *log, const butte_docker_t *d,
                                            const char *name, double cpus, double mem);

/* butte_docker_mon_usage - fill stats (see the top of this file); may
 * start the inspect that finds the cgroups. */
void butte_docker_mon_usage(butte_docker_mon_t *m, butte_container_stats_t *stats);

/* butte_docker_mon_update - the container should have cpus / mem (MB;
 * < 0 = unchanged) from now on; applied asynchronously, failures logged. */
void butte_docker_mon_update(butte_docker_mon_t *m, double cpus, double mem);

/* butte_docker_mon_stop - before the monitor's pool goes: its docker
 * commands still running are abandoned (never reported); with wait (agent
 * shutdown, the loop does not run again) they are killed and reaped now.
 * m may be NULL. */
void butte_docker_mon_stop(butte_docker_mon_t *m, bool wait);

#endif
