/*
 * isolators/cgroups/cgroups.c - the cgroups/cpu and cgroups/mem isolators
 * (libcgroups_isolators.so): org_apache_mesos_CgroupsCpuIsolator and
 * org_apache_mesos_CgroupsMemIsolator.
 *
 * Layout, as in Mesos: cgroup v1 puts a container in
 * <hierarchy>/<subsystem>/<root>/<container id> (cpu and cpuacct for
 * cgroups/cpu, memory for cgroups/mem); when <hierarchy> itself is a
 * cgroup2 mount (the unified hierarchy) both use
 * <hierarchy>/<root>/<container id>.  Nested containers get a flat
 * cgroup of their own, not one under their parent.
 *
 * Module parameters (manifest "parameters"; the isolator ops carry no
 * agent flags):
 *   cgroups_hierarchy  default /sys/fs/cgroup   (agent --cgroups_hierarchy)
 *   cgroups_root       default mesos            (agent --cgroups_root)
 *   enable_cfs         default false            (agent --cgroups_enable_cfs)
 *
 * cgroups/cpu: cpu.shares = 1024 x cpus, at least 2 (v2: cpu.weight
 * mapped from the shares); with enable_cfs a hard CFS quota of cpus x
 * 100 ms per 100 ms period (at least 1 ms).  Usage from cpuacct.stat (v2
 * cpu.stat), throttling from cpu.stat.
 * cgroups/mem: memory.limit_in_bytes (v2 memory.max) = limit, else
 * request, at least 32 MB; memory.soft_limit_in_bytes (v2 memory.low) =
 * request.  Usage from memory.usage_in_bytes / memory.stat.  watch()
 * polls the cgroup's OOM-kill counter (memory.oom_control, v2
 * memory.events) every 100 ms on the loop: the SDK gives modules timers
 * but no fd events, so the eventfd of cgroup.event_control cannot be put
 * on the loop.  A kill is reported once as REASON_CONTAINER_LIMITATION_MEMORY.
 *
 * create() fails when the hierarchy has no usable controller or the root
 * cgroup cannot be created (not root, read-only cgroupfs); the message
 * names the path and errno.
 *
 * Memory: each container's record lives in its own child pool of the
 * instance pool, destroyed by cleanup().
 */
#include "config.h"

#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <butte/isolator.h>
#include <butte/log.h>
#include <butte/loop.h>

#include "isolators/cgroups/cgfs.h"

#define MB (1024.0 * 1024.0)
#define MIN_SHARES 2
#define CFS_PERIOD_US 100000
#define MIN_CFS_QUOTA_US 1000
#define MIN_MEM_BYTES (32ull * 1024 * 1024)
#define OOM_POLL_SECS 0.1
#define DESTROY_SECS 5.0
#define REASON_CONTAINER_LIMITATION_MEMORY 8 /* mesos.v1.TaskStatus.Reason */

typedef struct container {
    struct container *next;
    butte_pool_t *pool;
    char *id;
    char *dirs[2];   /* cgroups this isolator made: cpu [+ cpuacct], or memory */
    size_t n_dirs;
    pid_t pid;       /* 0 until isolate() */
    double cpus;     /* < 0 unknown */
    double mem_mb;   /* limit (else request) in MB; < 0 unknown */
    butte_timer_t *oom_timer;
    uint64_t oom_base; /* OOM kills seen when watch() started */
    butte_limitation_fn fn;
    void *ctx;
} container_t;

typedef struct cg_iso {
    butte_pool_t *pool;
    butte_log_t *log;
    butte_loop_t *loop;
    bool mem;        /* cgroups/mem (else cgroups/cpu) */
    bool v2;
    bool cfs;
    const char *base[2]; /* <hierarchy>/<subsystem>/<root> or <hierarchy>/<root> */
    size_t n_base;
    container_t *containers;
} cg_iso_t;

static container_t *
lookup(cg_iso_t *iso, const char *id)
{
    for (container_t *c = iso->containers; c != NULL; c = c->next)
        if (strcmp(c->id, id) == 0)
            return c;
    return NULL;
}

#define UNKNOWN(err, id) butte_err_set(err, BUTTE_ENOTFOUND, "unknown container \"%s\"", id)

/* ------------------------------------------------------------ limits */

static int
set_cpu(cg_iso_t *iso, container_t *c, butte_err_t *err)
{
    char v[64];
    uint64_t shares;

    if (c->cpus < 0)
        return 0;
    shares = (uint64_t)(1024.0 * c->cpus);
    if (shares < MIN_SHARES)
        shares = MIN_SHARES;
    if (iso->v2) {
        /* The mapping systemd and runc use from shares [2, 262144] to
         * weight [1, 10000]. */
        uint64_t w = 1 + ((shares - 2) * 9999) / 262142;
        snprintf(v, sizeof v, "%llu", (unsigned long long)(w > 10000 ? 10000 : w));
        if (butte_cgfs_write(c->dirs[0], "cpu.weight", v, err) != 0)
            return err->code;
    } else {
        snprintf(v, sizeof v, "%llu", (unsigned long long)shares);
        if (butte_cgfs_write(c->dirs[0], "cpu.shares", v, err) != 0)
            return err->code;
    }
    if (!iso->cfs)
        return 0;
    long long quota = (long long)(c->cpus * CFS_PERIOD_US);
    if (quota < MIN_CFS_QUOTA_US)
        quota = MIN_CFS_QUOTA_US;
    if (iso->v2) {
        snprintf(v, sizeof v, "%lld %d", quota, CFS_PERIOD_US);
        return butte_cgfs_write(c->dirs[0], "cpu.max", v, err);
    }
    snprintf(v, sizeof v, "%d", CFS_PERIOD_US);
    if (butte_cgfs_write(c->dirs[0], "cpu.cfs_period_us", v, err) != 0)
        return err->code;
    snprintf(v, sizeof v, "%lld", quota);
    return butte_cgfs_write(c->dirs[0], "cpu.cfs_quota_us", v, err);
}

static int
set_mem(cg_iso_t *iso, container_t *c, double soft_mb, butte_err_t *err)
{
    char v[64];

    if (c->mem_mb < 0)
        return 0;
    uint64_t limit = (uint64_t)(c->mem_mb * MB);
    if (limit < MIN_MEM_BYTES)
        limit = MIN_MEM_BYTES;
    uint64_t soft = soft_mb >= 0 ? (uint64_t)(soft_mb * MB) : limit;
    if (soft > limit)
        soft = limit;
    snprintf(v, sizeof v, "%llu", (unsigned long long)limit);
    if (butte_cgfs_write(c->dirs[0], iso->v2 ? "memory.max" : "memory.limit_in_bytes", v,
                         err) != 0)
        return err->code;
    snprintf(v, sizeof v, "%llu", (unsigned long long)soft);
    return butte_cgfs_write(c->dirs[0], iso->v2 ? "memory.low" : "memory.soft_limit_in_bytes",
                            v, err);
}

/* Limits win over requests for the hard limit; the request is the soft
 * one.  A resource absent from both stays unknown and is not written. */
static int
apply(cg_iso_t *iso, container_t *c, const butte_resources_t *requests,
      const butte_resources_t *limits, butte_err_t *err)
{
    const char *name = iso->mem ? "mem" : "cpus";
    double req = -1, lim = -1;

    for (size_t i = 0; requests != NULL && i < butte_resources_count(requests); i++)
        if (strcmp(butte_resources_at(requests, i)->name, name) == 0)
            req = butte_resources_scalar(requests, name);
    for (size_t i = 0; limits != NULL && i < butte_resources_count(limits); i++)
        if (strcmp(butte_resources_at(limits, i)->name, name) == 0)
            lim = butte_resources_scalar(limits, name);
    if (iso->mem) {
        c->mem_mb = lim >= 0 ? lim : req;
        return set_mem(iso, c, req, err);
    }
    c->cpus = lim >= 0 ? lim : req;
    return set_cpu(iso, c, err);
}

/* ------------------------------------------------------------ life cycle */

static void
destroy_cgroups(container_t *c, butte_err_t *err, int *rc)
{
    for (size_t i = 0; i < c->n_dirs; i++)
        if (butte_cgfs_destroy(c->dirs[i], DESTROY_SECS, err) != 0)
            *rc = err->code;
}

static container_t *
add(cg_iso_t *iso, const char *id, butte_err_t *err)
{
    if (id[0] == '\0' || id[0] == '.' || strchr(id, '/') != NULL) {
        butte_err_set(err, BUTTE_EINVAL, "container id \"%s\" cannot name a cgroup", id);
        return NULL;
    }
    butte_pool_t *cpool = butte_pool_create(iso->pool);
    container_t *c = butte_pool_alloc(cpool, sizeof *c);
    c->pool = cpool;
    c->id = butte_pool_strdup(cpool, id);
    c->cpus = c->mem_mb = -1;
    for (size_t i = 0; i < iso->n_base; i++)
        c->dirs[c->n_dirs++] = butte_pool_printf(cpool, "%s/%s", iso->base[i], id);
    c->next = iso->containers;
    iso->containers = c;
    return c;
}

static void
drop(cg_iso_t *iso, container_t *c)
{
    for (container_t **pp = &iso->containers; *pp != NULL; pp = &(*pp)->next)
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    butte_timer_stop(c->oom_timer);
    butte_pool_destroy(c->pool);
}

static int
iso_prepare(void *state, const butte_container_config_t *config, butte_pool_t *pool,
            butte_launch_info_t *out, butte_err_t *err)
{
    cg_iso_t *iso = state;
    container_t *c;

    (void)pool;
    (void)out; /* the cgroup is joined in isolate(); nothing to add to the launch */
    if (lookup(iso, config->container_id) != NULL)
        return butte_err_set(err, BUTTE_ECONFLICT, "container \"%s\" was already prepared",
                             config->container_id);
    c = add(iso, config->container_id, err);
    if (c == NULL)
        return err->code;
    for (size_t i = 0; i < c->n_dirs; i++)
        if (butte_cgfs_mkdir(c->dirs[i], err) != 0)
            return err->code; /* cleanup() still comes and removes what was made */
    return apply(iso, c, config->resources, config->limits, err);
}

static int
iso_isolate(void *state, const char *container_id, pid_t pid, butte_err_t *err)
{
    container_t *c = lookup(state, container_id);

    if (c == NULL)
        return UNKNOWN(err, container_id);
    if (pid <= 0)
        return butte_err_set(err, BUTTE_EINVAL, "bad pid %d for container \"%s\"", (int)pid,
                             container_id);
    for (size_t i = 0; i < c->n_dirs; i++)
        if (butte_cgfs_attach(c->dirs[i], pid, err) != 0)
            return butte_err_prefix(err, "container \"%s\"", container_id);
    c->pid = pid;
    return 0;
}

static int
iso_recover(void *state, const butte_container_state_t *containers, size_t n,
            const char *const *orphans, size_t n_orphans, butte_err_t *err)
{
    cg_iso_t *iso = state;
    int rc = 0;

    for (size_t i = 0; i < n; i++) {
        container_t *c = add(iso, containers[i].container_id, err);
        if (c == NULL)
            return err->code;
        c->pid = containers[i].pid;
        /* The limits stay in the cgroup; remember them for usage(). */
        uint64_t v;
        if (iso->mem && butte_cgfs_read_u64(c->dirs[0], iso->v2 ? "memory.max"
                                                                  : "memory.limit_in_bytes",
                                            &v, NULL) == 0 && v != UINT64_MAX)
            c->mem_mb = (double)v / MB;
    }
    for (size_t i = 0; i < n_orphans; i++) {
        container_t *c = add(iso, orphans[i], err);
        if (c == NULL)
            return err->code;
        destroy_cgroups(c, err, &rc);
        drop(iso, c);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int
iso_update(void *state, const char *container_id, const butte_resources_t *requests,
           const butte_resources_t *limits, butte_err_t *err)
{
    container_t *c = lookup(state, container_id);

    if (c == NULL)
        return UNKNOWN(err, container_id);
    return apply(state, c, requests, limits, err);
}

static int
iso_cleanup(void *state, const char *container_id, butte_err_t *err)
{
    cg_iso_t *iso = state;
    container_t *c = lookup(iso, container_id);
    int rc = 0;

    /* An unknown container is fine: cleanup must tolerate any id. */
    if (c == NULL)
        return 0;
    butte_timer_stop(c->oom_timer);
    c->oom_timer = NULL;
    destroy_cgroups(c, err, &rc);
    if (rc != 0)
        return butte_err_prefix(err, "container \"%s\"", container_id);
    drop(iso, c);
    return 0;
}

/* ------------------------------------------------------------ usage, OOM */

#define FITS(field) (offsetof(butte_container_stats_t, field) + sizeof stats->field <= stats->size)

static int
cpu_usage(cg_iso_t *iso, container_t *c, butte_container_stats_t *stats, butte_err_t *err)
{
    char buf[1024];
    uint64_t a, b, p;

    if (FITS(threads)) {
        stats->processes = butte_cgfs_count(c->dirs[0], "cgroup.procs");
        stats->threads = butte_cgfs_count(c->dirs[0], iso->v2 ? "cgroup.threads" : "tasks");
        stats->set |= BUTTE_STAT_PROCESSES | BUTTE_STAT_THREADS;
    }
    if (iso->v2) {
        if (butte_cgfs_read(c->dirs[0], "cpu.stat", buf, sizeof buf, err) != 0)
            return err->code;
        if (FITS(cpus_system_time_secs) && butte_cgfs_key(buf, "user_usec", &a) &&
            butte_cgfs_key(buf, "system_usec", &b)) {
            stats->cpus_user_time_secs = (double)a / 1e6;
            stats->cpus_system_time_secs = (double)b / 1e6;
            stats->set |= BUTTE_STAT_CPUS_USER | BUTTE_STAT_CPUS_SYSTEM;
        }
    } else {
        const char *acct = c->n_dirs > 1 ? c->dirs[1] : c->dirs[0];
        long hz = sysconf(_SC_CLK_TCK);
        if (butte_cgfs_read(acct, "cpuacct.stat", buf, sizeof buf, err) != 0)
            return err->code;
        if (FITS(cpus_system_time_secs) && butte_cgfs_key(buf, "user", &a) &&
            butte_cgfs_key(buf, "system", &b)) {
            stats->cpus_user_time_secs = (double)a / (double)(hz > 0 ? hz : 100);
            stats->cpus_system_time_secs = (double)b / (double)(hz > 0 ? hz : 100);
            stats->set |= BUTTE_STAT_CPUS_USER | BUTTE_STAT_CPUS_SYSTEM;
        }
        if (butte_cgfs_read(c->dirs[0], "cpu.stat", buf, sizeof buf, err) != 0)
            return err->code;
    }
    /* v1 throttled_time is in ns, v2 throttled_usec in us. */
    if (iso->cfs && FITS(cpus_throttled_time_secs) && butte_cgfs_key(buf, "nr_periods", &a) &&
        butte_cgfs_key(buf, "nr_throttled", &b) &&
        (butte_cgfs_key(buf, "throttled_time", &p) || butte_cgfs_key(buf, "throttled_usec", &p))) {
        stats->cpus_nr_periods = (uint32_t)a;
        stats->cpus_nr_throttled = (uint32_t)b;
        stats->cpus_throttled_time_secs = iso->v2 ? (double)p / 1e6 : (double)p / 1e9;
        stats->set |= BUTTE_STAT_CPUS_THROTTLED;
    }
    if (c->cpus >= 0 && FITS(cpus_limit)) {
        stats->cpus_limit = c->cpus;
        stats->set |= BUTTE_STAT_CPUS_LIMIT;
    }
    return 0;
}

static int
mem_usage(cg_iso_t *iso, container_t *c, butte_container_stats_t *stats, butte_err_t *err)
{
    char buf[4096];
    uint64_t total, v;

    if (butte_cgfs_read_u64(c->dirs[0], iso->v2 ? "memory.current" : "memory.usage_in_bytes",
                            &total, err) != 0 ||
        butte_cgfs_read(c->dirs[0], "memory.stat", buf, sizeof buf, err) != 0)
        return err->code;
    if (FITS(mem_total_bytes)) {
        stats->mem_total_bytes = total;
        stats->set |= BUTTE_STAT_MEM_TOTAL;
    }
    if (FITS(mem_rss_bytes) && butte_cgfs_key(buf, iso->v2 ? "anon" : "total_rss", &v)) {
        stats->mem_rss_bytes = v;
        stats->set |= BUTTE_STAT_MEM_RSS;
    }
    if (FITS(mem_cache_bytes) && butte_cgfs_key(buf, iso->v2 ? "file" : "total_cache", &v)) {
        stats->mem_cache_bytes = v;
        stats->set |= BUTTE_STAT_MEM_CACHE;
    }
    if (FITS(mem_swap_bytes) && !iso->v2 && butte_cgfs_key(buf, "total_swap", &v)) {
        stats->mem_swap_bytes = v;
        stats->set |= BUTTE_STAT_MEM_SWAP;
    }
    if (FITS(mem_limit_bytes) &&
        butte_cgfs_read_u64(c->dirs[0], iso->v2 ? "memory.max" : "memory.limit_in_bytes", &v,
                            NULL) == 0 && v != UINT64_MAX) {
        stats->mem_limit_bytes = v;
        stats->set |= BUTTE_STAT_MEM_LIMIT;
    }
    return 0;
}
#undef FITS

static int
iso_usage(void *state, const char *container_id, butte_container_stats_t *stats,
          butte_err_t *err)
{
    cg_iso_t *iso = state;
    container_t *c = lookup(iso, container_id);
    int rc;

    if (c == NULL)
        return UNKNOWN(err, container_id);
    rc = iso->mem ? mem_usage(iso, c, stats, err) : cpu_usage(iso, c, stats, err);
    return rc != 0 ? butte_err_prefix(err, "container \"%s\"", container_id) : 0;
}

/* OOM kills so far in c's cgroup; 0 when the counter cannot be read. */
static uint64_t
oom_kills(cg_iso_t *iso, container_t *c)
{
    char buf[512];
    uint64_t n = 0;

    if (butte_cgfs_read(c->dirs[0], iso->v2 ? "memory.events" : "memory.oom_control", buf,
                        sizeof buf, NULL) != 0)
        return 0;
    if (!butte_cgfs_key(buf, "oom_kill", &n) && butte_cgfs_key(buf, "under_oom", &n))
        return n; /* kernels before 4.13 only say whether the cgroup is under OOM */
    return n;
}

typedef struct oom_check {
    cg_iso_t *iso;
    container_t *c;
} oom_check_t;

static void
on_oom_poll(void *arg)
{
    oom_check_t *chk = arg;
    cg_iso_t *iso = chk->iso;
    container_t *c = chk->c;
    char stat[2048] = "", msg[3072];
    uint64_t peak = 0, limit = 0;

    if (oom_kills(iso, c) <= c->oom_base)
        return;
    /* Report once: stop polling before fn, which may destroy the container
     * (cleanup) right away; the timer code does not touch the timer after
     * this callback returns. */
    butte_timer_stop(c->oom_timer);
    c->oom_timer = NULL;
    butte_cgfs_read_u64(c->dirs[0], iso->v2 ? "memory.peak" : "memory.max_usage_in_bytes",
                        &peak, NULL);
    butte_cgfs_read_u64(c->dirs[0], iso->v2 ? "memory.max" : "memory.limit_in_bytes", &limit,
                        NULL);
    butte_cgfs_read(c->dirs[0], "memory.stat", stat, sizeof stat, NULL);
    snprintf(msg, sizeof msg,
             "Memory limit exceeded: Requested: %lluMB Maximum Used: %lluMB\n\n"
             "MEMORY STATISTICS: \n%s",
             (unsigned long long)(limit / (1024 * 1024)),
             (unsigned long long)(peak / (1024 * 1024)), stat);
    butte_log(iso->log, BUTTE_LOG_INFO, "container %s: OOM killed at %llu MB (limit %llu MB)",
              c->id, (unsigned long long)(peak / (1024 * 1024)),
              (unsigned long long)(limit / (1024 * 1024)));

    butte_pool_t *tmp = butte_pool_create(NULL);
    char res[64];
    snprintf(res, sizeof res, "mem:%llu", (unsigned long long)(peak / (1024 * 1024)));
    butte_container_limitation_t lim = {
        .size = sizeof lim,
        .resources = butte_resources_parse(tmp, res, NULL),
        .message = msg,
        .reason = REASON_CONTAINER_LIMITATION_MEMORY,
    };
    butte_limitation_fn fn = c->fn;
    void *ctx = c->ctx;
    char id[256];
    snprintf(id, sizeof id, "%s", c->id); /* fn may free c through cleanup() */
    fn(ctx, id, &lim);
    butte_pool_destroy(tmp);
}

static int
iso_watch(void *state, const char *container_id, butte_limitation_fn fn, void *ctx,
          butte_err_t *err)
{
    cg_iso_t *iso = state;
    container_t *c = lookup(iso, container_id);

    if (c == NULL)
        return UNKNOWN(err, container_id);
    if (c->oom_timer != NULL)
        return butte_err_set(err, BUTTE_ECONFLICT, "container \"%s\" is already watched",
                             container_id);
    oom_check_t *chk = butte_pool_alloc(c->pool, sizeof *chk);
    chk->iso = iso;
    chk->c = c;
    c->fn = fn;
    c->ctx = ctx;
    c->oom_base = oom_kills(iso, c);
    c->oom_timer = butte_timer_start(iso->loop, OOM_POLL_SECS, true, on_oom_poll, chk);
    return 0;
}

/* ------------------------------------------------------------ module */

static const butte_isolator_ops_t cpu_ops = {
    .size = sizeof cpu_ops,
    .features = BUTTE_ISO_F_NESTING | BUTTE_ISO_F_STANDALONE,
    .recover = iso_recover,
    .prepare = iso_prepare,
    .isolate = iso_isolate,
    .update = iso_update,
    .usage = iso_usage,
    .cleanup = iso_cleanup,
};

static const butte_isolator_ops_t mem_ops = {
    .size = sizeof mem_ops,
    .features = BUTTE_ISO_F_NESTING | BUTTE_ISO_F_STANDALONE,
    .recover = iso_recover,
    .prepare = iso_prepare,
    .isolate = iso_isolate,
    .watch = iso_watch,
    .update = iso_update,
    .usage = iso_usage,
    .cleanup = iso_cleanup,
};

/* Whether the space-separated list holds word. */
static bool
has_word(const char *list, const char *word)
{
    size_t n = strlen(word);

    for (const char *p = strstr(list, word); p != NULL; p = strstr(p + 1, word))
        if ((p == list || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' ' || p[n] == '\n'))
            return true;
    return false;
}

/* Find the hierarchy, check the controllers, create the root cgroup. */
static int
setup(cg_iso_t *iso, const char *hier, const char *root, butte_err_t *err)
{
    const char *what = iso->mem ? "cgroups/mem" : "cgroups/cpu";

    if (root[0] == '\0' || strstr(root, "..") != NULL)
        return butte_err_set(err, BUTTE_EINVAL, "%s: bad cgroups_root \"%s\"", what, root);
    iso->v2 = butte_cgfs_is_v2(hier);
    if (iso->v2) {
        char ctl[512];
        const char *need = iso->mem ? "memory" : "cpu";
        if (butte_cgfs_read(hier, "cgroup.controllers", ctl, sizeof ctl, err) != 0)
            return butte_err_prefix(err, "%s", what);
        if (!has_word(ctl, need))
            return butte_err_set(err, BUTTE_ENOTFOUND,
                                 "%s: cgroup2 at %s has no %s controller", what, hier, need);
        const char *base = butte_pool_printf(iso->pool, "%s/%s", hier, root);
        char en[16];
        snprintf(en, sizeof en, "+%s", need);
        /* Controllers reach a cgroup only when every ancestor enables
         * them for its children. */
        if (butte_cgfs_write(hier, "cgroup.subtree_control", en, err) != 0 ||
            butte_cgfs_mkdir(base, err) != 0 ||
            butte_cgfs_write(base, "cgroup.subtree_control", en, err) != 0)
            return butte_err_prefix(err, "%s", what);
        iso->base[iso->n_base++] = base;
        return 0;
    }
    const char *subs[2] = { iso->mem ? "memory" : "cpu", iso->mem ? NULL : "cpuacct" };
    char first[PATH_MAX] = "";
    for (size_t i = 0; i < 2 && subs[i] != NULL; i++) {
        const char *mnt = butte_pool_printf(iso->pool, "%s/%s", hier, subs[i]);
        if (!butte_cgfs_is_v1(mnt))
            return butte_err_set(err, BUTTE_ENOTFOUND,
                                 "%s: no %s controller: %s is not a cgroup v1 mount and %s "
                                 "is not a cgroup2 mount",
                                 what, subs[i], mnt, hier);
        /* cpu and cpuacct are often one mount ("cpu,cpuacct") seen twice. */
        char real[PATH_MAX];
        if (realpath(mnt, real) != NULL && strcmp(real, first) == 0)
            continue;
        if (i == 0 && realpath(mnt, first) == NULL)
            first[0] = '\0';
        const char *base = butte_pool_printf(iso->pool, "%s/%s", mnt, root);
        if (butte_cgfs_mkdir(base, err) != 0)
            return butte_err_prefix(err, "%s", what);
        if (access(base, W_OK) != 0)
            return butte_err_set(err, BUTTE_EPERM, "%s: cgroup %s is not writable", what,
                                 base);
        iso->base[iso->n_base++] = base;
    }
    return 0;
}

static int
create(butte_instance_t *self, const butte_params_t *params, void **state, bool mem,
       butte_err_t *err)
{
    cg_iso_t *iso = butte_pool_alloc(butte_instance_pool(self), sizeof *iso);
    const char *hier = butte_params_get(params, "cgroups_hierarchy");
    const char *root = butte_params_get(params, "cgroups_root");
    const char *cfs = butte_params_get(params, "enable_cfs");

    iso->pool = butte_instance_pool(self);
    iso->log = butte_instance_log(self);
    iso->loop = butte_instance_loop(self);
    iso->mem = mem;
    iso->cfs = cfs != NULL && (strcmp(cfs, "true") == 0 || strcmp(cfs, "1") == 0);
    if (setup(iso, hier != NULL ? hier : "/sys/fs/cgroup", root != NULL ? root : "mesos", err)
        != 0)
        return err->code;
    butte_log(iso->log, BUTTE_LOG_INFO, "%s: cgroup %s under %s%s%s", mem ? "cgroups/mem"
              : "cgroups/cpu", iso->v2 ? "v2" : "v1", iso->base[0],
              iso->n_base > 1 ? " and " : "", iso->n_base > 1 ? iso->base[1] : "");
    *state = iso;
    return 0;
}

static void
destroy(void *state)
{
    cg_iso_t *iso = state;

    /* Containers still here belong to a running agent that stops: their
     * cgroups stay for recover(); only the timers must go. */
    for (container_t *c = iso->containers; c != NULL; c = c->next) {
        butte_timer_stop(c->oom_timer);
        c->oom_timer = NULL;
    }
}

static int
cpu_create(butte_instance_t *self, const butte_params_t *params, void **state,
           butte_err_t *err)
{
    return create(self, params, state, false, err);
}

static int
mem_create(butte_instance_t *self, const butte_params_t *params, void **state,
           butte_err_t *err)
{
    return create(self, params, state, true, err);
}

BUTTE_EXPORT const butte_module_t org_apache_mesos_CgroupsCpuIsolator = {
    BUTTE_MODULE_GUARD(BUTTE_KIND_ISOLATOR),
    .name = "org_apache_mesos_CgroupsCpuIsolator",
    .author = "Butte",
    .email = "butte@localhost",
    .description = "cgroups/cpu: cpu shares (optionally a CFS quota) and cpu accounting "
                   "in a cgroup per container",
    .ops = &cpu_ops,
    .create = cpu_create,
    .destroy = destroy,
};

BUTTE_EXPORT const butte_module_t org_apache_mesos_CgroupsMemIsolator = {
    BUTTE_MODULE_GUARD(BUTTE_KIND_ISOLATOR),
    .name = "org_apache_mesos_CgroupsMemIsolator",
    .author = "Butte",
    .email = "butte@localhost",
    .description = "cgroups/mem: a memory limit per container cgroup; reports OOM kills as "
                   "memory limitations",
    .ops = &mem_ops,
    .create = mem_create,
    .destroy = destroy,
};
