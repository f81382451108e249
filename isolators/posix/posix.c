/*
 * isolators/posix/posix.c - the posix/cpu and posix/mem isolators
 * (libposix_isolators.so): org_apache_mesos_PosixCpuIsolator and
 * org_apache_mesos_PosixMemIsolator.
 *
 * As in Mesos they enforce nothing.  They remember each container's init
 * pid (isolate) and its resources (prepare, update) and report usage of
 * the whole process tree from /proc (proc-tree.h): posix/cpu the cpu
 * times, process and thread counts and cpus_limit; posix/mem the resident
 * set size and mem_limit_bytes.
 *
 * Memory: each container's record lives in its own child pool of the
 * instance pool, destroyed by cleanup(); the instance pool takes whatever
 * is left at destroy().
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include <butte/isolator.h>

#include "isolators/posix/proc-tree.h"

typedef struct container {
    struct container *next;
    butte_pool_t *pool;
    char *id;
    pid_t pid;        /* 0 until isolate() */
    double cpus;      /* limit (or request) in cpus; < 0 unknown */
    double mem_mb;    /* limit (or request) in MB; < 0 unknown */
} container_t;

typedef struct posix_iso {
    butte_pool_t *pool;
    bool mem;          /* posix/mem (else posix/cpu) */
    container_t *containers;
} posix_iso_t;

static container_t *
lookup(posix_iso_t *iso, const char *id)
{
    for (container_t *c = iso->containers; c != NULL; c = c->next)
        if (strcmp(c->id, id) == 0)
            return c;
    return NULL;
}

/* Limits win over requests, as Mesos reports them; a resource absent
 * from both stays unknown rather than reported as 0. */
static void
set_limits(container_t *c, const butte_resources_t *requests, const butte_resources_t *limits)
{
    const butte_resources_t *r = limits != NULL ? limits : requests;

    c->cpus = c->mem_mb = -1;
    if (r == NULL)
        return;
    for (size_t i = 0; i < butte_resources_count(r); i++) {
        const char *name = butte_resources_at(r, i)->name;
        if (strcmp(name, "cpus") == 0)
            c->cpus = butte_resources_scalar(r, "cpus");
        else if (strcmp(name, "mem") == 0)
            c->mem_mb = butte_resources_scalar(r, "mem");
    }
}

static int
iso_prepare(void *state, const butte_container_config_t *config, butte_pool_t *pool,
            butte_launch_info_t *out, butte_err_t *err)
{
    posix_iso_t *iso = state;
    container_t *c;

    (void)pool;
    (void)out; /* nothing to add to the launch: posix isolation is no isolation */
    if (lookup(iso, config->container_id) != NULL)
        return butte_err_set(err, BUTTE_ECONFLICT, "container \"%s\" was already prepared",
                             config->container_id);
    butte_pool_t *cpool = butte_pool_create(iso->pool);
    c = butte_pool_alloc(cpool, sizeof *c);
    c->pool = cpool;
    c->id = butte_pool_strdup(cpool, config->container_id);
    set_limits(c, config->resources, config->limits);
    c->next = iso->containers;
    iso->containers = c;
    return 0;
}

static int
iso_isolate(void *state, const char *container_id, pid_t pid, butte_err_t *err)
{
    container_t *c = lookup(state, container_id);

    if (c == NULL)
        return butte_err_set(err, BUTTE_ENOTFOUND, "unknown container \"%s\"", container_id);
    if (pid <= 0)
        return butte_err_set(err, BUTTE_EINVAL, "bad pid %d for container \"%s\"", (int)pid,
                             container_id);
    c->pid = pid;
    return 0;
}

static int
iso_recover(void *state, const butte_container_state_t *containers, size_t n,
            const char *const *orphans, size_t n_orphans, butte_err_t *err)
{
    posix_iso_t *iso = state;

    /* Orphans need nothing: this isolator keeps no state outside memory. */
    (void)orphans;
    (void)n_orphans;
    for (size_t i = 0; i < n; i++) {
        butte_container_config_t cfg = { .size = sizeof cfg,
                                         .container_id = containers[i].container_id };
        if (iso_prepare(iso, &cfg, NULL, NULL, err) != 0 ||
            iso_isolate(iso, containers[i].container_id, containers[i].pid, err) != 0)
            return err != NULL ? err->code : BUTTE_EINVAL;
    }
    return 0;
}

static int
iso_update(void *state, const char *container_id, const butte_resources_t *requests,
           const butte_resources_t *limits, butte_err_t *err)
{
    container_t *c = lookup(state, container_id);

    if (c == NULL)
        return butte_err_set(err, BUTTE_ENOTFOUND, "unknown container \"%s\"", container_id);
    set_limits(c, requests, limits);
    return 0;
}

static int
iso_usage(void *state, const char *container_id, butte_container_stats_t *stats,
          butte_err_t *err)
{
    posix_iso_t *iso = state;
    container_t *c = lookup(iso, container_id);
    butte_proctree_usage_t u;

    if (c == NULL)
        return butte_err_set(err, BUTTE_ENOTFOUND, "unknown container \"%s\"", container_id);
    if (c->pid == 0)
        return butte_err_set(err, BUTTE_EAGAIN, "container \"%s\" is not isolated yet",
                             container_id);
    if (butte_proctree_usage(c->pid, &u, err) != 0)
        return butte_err_prefix(err, "container \"%s\"", container_id);
    /* Fields past the caller's size do not exist in its struct. */
#define FITS(field) (offsetof(butte_container_stats_t, field) + sizeof stats->field <= stats->size)
    if (iso->mem) {
        if (FITS(mem_rss_bytes)) {
            stats->mem_rss_bytes = u.rss_bytes;
            stats->set |= BUTTE_STAT_MEM_RSS;
        }
        if (c->mem_mb >= 0 && FITS(mem_limit_bytes)) {
            stats->mem_limit_bytes = (uint64_t)(c->mem_mb * 1024.0 * 1024.0);
            stats->set |= BUTTE_STAT_MEM_LIMIT;
        }
        return 0;
    }
    if (FITS(threads)) {
        stats->processes = u.processes;
        stats->threads = u.threads;
        stats->set |= BUTTE_STAT_PROCESSES | BUTTE_STAT_THREADS;
    }
    if (FITS(cpus_system_time_secs)) {
        stats->cpus_user_time_secs = u.user_secs;
        stats->cpus_system_time_secs = u.system_secs;
        stats->set |= BUTTE_STAT_CPUS_USER | BUTTE_STAT_CPUS_SYSTEM;
    }
    if (c->cpus >= 0 && FITS(cpus_limit)) {
        stats->cpus_limit = c->cpus;
        stats->set |= BUTTE_STAT_CPUS_LIMIT;
    }
#undef FITS
    return 0;
}

static int
iso_cleanup(void *state, const char *container_id, butte_err_t *err)
{
    posix_iso_t *iso = state;

    (void)err;
    /* An unknown container is fine: cleanup must tolerate any id. */
    for (container_t **pp = &iso->containers; *pp != NULL; pp = &(*pp)->next) {
        if (strcmp((*pp)->id, container_id) == 0) {
            container_t *c = *pp;
            *pp = c->next;
            butte_pool_destroy(c->pool);
            return 0;
        }
    }
    return 0;
}

static const butte_isolator_ops_t ops = {
    .size = sizeof ops,
    .features = BUTTE_ISO_F_NESTING | BUTTE_ISO_F_STANDALONE,
    .recover = iso_recover,
    .prepare = iso_prepare,
    .isolate = iso_isolate,
    .update = iso_update,
    .usage = iso_usage,
    .cleanup = iso_cleanup,
};

static int
create(butte_instance_t *self, void **state, bool mem)
{
    posix_iso_t *iso = butte_pool_alloc(butte_instance_pool(self), sizeof *iso);

    iso->pool = butte_instance_pool(self);
    iso->mem = mem;
    *state = iso;
    return 0;
}

static int
cpu_create(butte_instance_t *self, const butte_params_t *params, void **state,
           butte_err_t *err)
{
    (void)params;
    (void)err;
    return create(self, state, false);
}

static int
mem_create(butte_instance_t *self, const butte_params_t *params, void **state,
           butte_err_t *err)
{
    (void)params;
    (void)err;
    return create(self, state, true);
}

BUTTE_EXPORT const butte_module_t org_apache_mesos_PosixCpuIsolator = {
    BUTTE_MODULE_GUARD(BUTTE_KIND_ISOLATOR),
    .name = "org_apache_mesos_PosixCpuIsolator",
    .author = "Butte",
    .email = "butte@localhost",
    .description = "posix/cpu: reports the cpu time of a container's process tree, "
                   "enforces nothing",
    .ops = &ops,
    .create = cpu_create,
};

BUTTE_EXPORT const butte_module_t org_apache_mesos_PosixMemIsolator = {
    BUTTE_MODULE_GUARD(BUTTE_KIND_ISOLATOR),
    .name = "org_apache_mesos_PosixMemIsolator",
    .author = "Butte",
    .email = "butte@localhost",
    .description = "posix/mem: reports the resident memory of a container's process tree, "
                   "enforces nothing",
    .ops = &ops,
    .create = mem_create,
};
