/*
 * isolators/cgroups/cgroups.c - the cgroups/cpu, cgroups/mem and
 * cgroups/pids isolators (libcgroups_isolators.so):
 * org_apache_mesos_CgroupsCpuIsolator, org_apache_mesos_CgroupsMemIsolator
 * and org_apache_mesos_CgroupsPidsIsolator.  This file: set-up, limits and the
 * container life cycle; usage is in cgroups-stats.c, the OOM watch in
 * cgroups-oom.c.
 *
 * Layout, as in Mesos: cgroup v1 puts a container in
 * <hierarchy>/<subsystem>/<root>/<container id> (cpu and cpuacct for
 * cgroups/cpu, memory for cgroups/mem, pids for cgroups/pids; cpu and
 * cpuacct may be one mount or two); when <hierarchy> itself is a cgroup2
 * mount (the unified hierarchy) all use <hierarchy>/<root>/<container id>
 * (flat: no "leaf" child as Mesos makes), each enabling its controller in
 * the subtree_control of <hierarchy> and <root>.  Nested containers get a flat cgroup of their
 * own, not one under their parent.
 *
 * Module parameters (the agent passes its flags of the same names; a
 * manifest may set them too):
 *   cgroups_hierarchy        default /sys/fs/cgroup
 *   cgroups_root             default mesos
 *   cgroups_enable_cfs       default false  ("enable_cfs" is an alias)
 *   cgroups_limit_swap       default false
 *   cgroups_destroy_timeout  default 60     (seconds)
 *   cgroups_assume_version   for tests only: "1" or "2" skips the
 *                            file-system check of the hierarchy, so a
 *                            unit test can drive a fake tree of files
 *
 * cgroups/cpu: cpu.shares = 1024 x requested cpus, at least 2 (v2:
 * cpu.weight mapped from the shares); with cgroups_enable_cfs a hard CFS
 * quota of cpus (limit, else request) x 100 ms per 100 ms period (at
 * least 1 ms; v2 cpu.max).  Usage from cpuacct.stat (v2 cpu.stat),
 * throttling from cpu.stat.
 * cgroups/mem: memory.limit_in_bytes (v2 memory.max) = limit, else
 * request, at least 32 MB; memory.soft_limit_in_bytes (v2 memory.low) =
 * request.  With cgroups_limit_swap, v1 memory.memsw.limit_in_bytes = the
 * same limit (memory and swap together may not exceed it; create() fails
 * when the kernel has no swap accounting), v2 memory.swap.max = 0.  OOM
 * kills are watched (cgroups-oom.c) and reported once as
 * REASON_CONTAINER_LIMITATION_MEMORY.
 * cgroups/pids: no limit (pids.max stays "max", as in Mesos by default);
 * the cgroup gives accounting: processes and threads (pids.current) for
 * usage, and cleanup finds every process the container forked.
 *
 * Clean-up leaves no cgroup behind, even after the agent was killed:
 * cleanup() kills what is left in a container's cgroups and removes them
 * (waiting up to cgroups_destroy_timeout), and recover() - which the
 * agent calls at every start - destroys, besides the orphans it is given,
 * every cgroup under <root> (in each of this isolator's hierarchies) that
 * is not one of the containers it is told survived: their processes are
 * killed and the cgroups removed.  So two agents must never share a
 * cgroups_root.  A cgroup that cannot be removed in time is logged and
 * left; start-up goes on.
 *
 * create() fails when the hierarchy has no usable controller or the root
 * cgroup cannot be created (not root, read-only cgroupfs); the message
 * names the path and errno.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isolators/cgroups/cgfs.h"
#include "isolators/cgroups/cgroups-internal.h"

#define MIN_SHARES 2
#define CFS_PERIOD_US 100000
#define MIN_CFS_QUOTA_US 1000
#define MIN_MEM_BYTES (32ull * 1024 * 1024)
#define DEFAULT_DESTROY_SECS 60.0

butte_cg_container_t *
butte_cg_lookup(butte_cg_iso_t *iso, const char *id)
{
    for (butte_cg_container_t *c = iso->containers; c != NULL; c = c->next)
        if (strcmp(c->id, id) == 0)
            return c;
    return NULL;
}

#define UNKNOWN(err, id) butte_err_set(err, BUTTE_ENOTFOUND, "unknown container \"%s\"", id)

/* ------------------------------------------------------------ limits */

static int
set_cpu(butte_cg_iso_t *iso, butte_cg_container_t *c, butte_err_t *err)
{
    char v[64];
    uint64_t shares;

    if (c->cpus_req >= 0) {
        shares = (uint64_t)(1024.0 * c->cpus_req);
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
    }
    if (!iso->cfs || c->cpus < 0)
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

/* v1 hard limit, with the memory+swap limit kept equal when
 * cgroups_limit_swap: the kernel refuses memsw below memory at any time,
 * so a raise writes memsw first and a cut writes memory first. */
static int
set_v1_limit(butte_cg_iso_t *iso, butte_cg_container_t *c, const char *v, uint64_t limit,
             butte_err_t *err)
{
    uint64_t cur = 0;
    const char *dir = c->dirs[0];

    if (!iso->limit_swap)
        return butte_cgfs_write(dir, "memory.limit_in_bytes", v, err);
    if (butte_cgfs_read_u64(dir, "memory.limit_in_bytes", &cur, err) != 0)
        return err->code;
    if (limit > cur)
        return butte_cgfs_write(dir, "memory.memsw.limit_in_bytes", v, err) != 0
                   ? err->code
                   : butte_cgfs_write(dir, "memory.limit_in_bytes", v, err);
    return butte_cgfs_write(dir, "memory.limit_in_bytes", v, err) != 0
               ? err->code
               : butte_cgfs_write(dir, "memory.memsw.limit_in_bytes", v, err);
}

/* v1 reads "no limit" as PAGE_COUNTER_MAX pages (2^63 - 4096 on x86_64),
 * v2 as "max" (read as UINT64_MAX); anything this large is no limit. */
#define UNLIMITED_V1 (1ull << 62)

static int
set_mem(butte_cg_iso_t *iso, butte_cg_container_t *c, double soft_mb, bool raise_only,
        butte_err_t *err)
{
    char v[64];
    uint64_t cur;

    if (c->mem_mb < 0)
        return 0;
    uint64_t limit = (uint64_t)(c->mem_mb * BUTTE_CG_MB);
    if (limit < MIN_MEM_BYTES)
        limit = MIN_MEM_BYTES;
    uint64_t soft = soft_mb >= 0 ? (uint64_t)(soft_mb * BUTTE_CG_MB) : limit;
    if (soft > limit)
        soft = limit;
    /* As Mesos: a running container's hard limit only grows.  Cutting it
     * below what the processes use would make the kernel OOM-kill them (v2)
     * or fail with EBUSY (v1) just because a task of the executor ended;
     * the soft limit still follows the request. */
    if (raise_only &&
        butte_cgfs_read_u64(c->dirs[0], iso->v2 ? "memory.max" : "memory.limit_in_bytes", &cur,
                            NULL) == 0 && cur < UNLIMITED_V1 && limit < cur) {
        c->mem_mb = (double)cur / BUTTE_CG_MB;
        if (soft > cur)
            soft = cur;
        goto soft_only;
    }
    snprintf(v, sizeof v, "%llu", (unsigned long long)limit);
    if (iso->v2) {
        if (butte_cgfs_write(c->dirs[0], "memory.max", v, err) != 0)
            return err->code;
        /* memory + swap = the limit: no swap at all. */
        if (iso->limit_swap && butte_cgfs_write(c->dirs[0], "memory.swap.max", "0", err) != 0)
            return err->code;
    } else if (set_v1_limit(iso, c, v, limit, err) != 0) {
        return err->code;
    }
soft_only:
    snprintf(v, sizeof v, "%llu", (unsigned long long)soft);
    return butte_cgfs_write(c->dirs[0], iso->v2 ? "memory.low" : "memory.soft_limit_in_bytes",
                            v, err);
}

/* The value of name in rs, or -1 when rs does not hold it. */
static double
scalar_or_unknown(const butte_resources_t *rs, const char *name)
{
    for (size_t i = 0; rs != NULL && i < butte_resources_count(rs); i++)
        if (strcmp(butte_resources_at(rs, i)->name, name) == 0)
            return butte_resources_scalar(rs, name);
    return -1;
}

/* Limits win over requests for the hard limit; the request is the soft
 * one (cpu.shares, memory soft limit).  A resource absent from both stays
 * unknown and is not written. */
static int
apply(butte_cg_iso_t *iso, butte_cg_container_t *c, const butte_resources_t *requests,
      const butte_resources_t *limits, bool running, butte_err_t *err)
{
    if (iso->kind == BUTTE_CG_PIDS)
        return 0; /* accounting only: no resource maps to pids.max */

    const char *name = iso->kind == BUTTE_CG_MEM ? "mem" : "cpus";
    double req = scalar_or_unknown(requests, name), lim = scalar_or_unknown(limits, name);

    if (iso->kind == BUTTE_CG_MEM) {
        c->mem_mb = lim >= 0 ? lim : req;
        return set_mem(iso, c, req, running, err);
    }
    c->cpus_req = req;
    c->cpus = lim >= 0 ? lim : req;
    return set_cpu(iso, c, err);
}

/* ------------------------------------------------------------ life cycle */

static int
destroy_cgroups(butte_cg_iso_t *iso, butte_cg_container_t *c, butte_err_t *err)
{
    int rc = 0;

    for (size_t i = 0; i < c->n_dirs; i++)
        if (butte_cgfs_destroy(c->dirs[i], iso->destroy_secs, err) != 0)
            rc = err->code;
    return rc;
}

static bool
id_ok(const char *id)
{
    return id[0] != '\0' && id[0] != '.' && strchr(id, '/') == NULL;
}

static butte_cg_container_t *
add(butte_cg_iso_t *iso, const char *id, butte_err_t *err)
{
    if (!id_ok(id)) {
        butte_err_set(err, BUTTE_EINVAL, "container id \"%s\" cannot name a cgroup", id);
        return NULL;
    }
    butte_pool_t *cpool = butte_pool_create(iso->pool);
    butte_cg_container_t *c = butte_pool_alloc(cpool, sizeof *c);
    c->pool = cpool;
    c->id = butte_pool_strdup(cpool, id);
    c->cpus = c->cpus_req = c->mem_mb = -1;
    c->oom_fd = -1;
    for (size_t i = 0; i < iso->n_base; i++)
        c->dirs[c->n_dirs++] = butte_pool_printf(cpool, "%s/%s", iso->base[i], id);
    c->next = iso->containers;
    iso->containers = c;
    return c;
}

static void
drop(butte_cg_iso_t *iso, butte_cg_container_t *c)
{
    for (butte_cg_container_t **pp = &iso->containers; *pp != NULL; pp = &(*pp)->next)
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    butte_cg_oom_stop(c);
    butte_pool_destroy(c->pool);
}

static int
iso_prepare(void *state, const butte_container_config_t *config, butte_pool_t *pool,
            butte_launch_info_t *out, butte_err_t *err)
{
    butte_cg_iso_t *iso = state;
    butte_cg_container_t *c;

    (void)pool;
    (void)out; /* the cgroup is joined in isolate(); nothing to add to the launch */
    if (butte_cg_lookup(iso, config->container_id) != NULL)
        return butte_err_set(err, BUTTE_ECONFLICT, "container \"%s\" was already prepared",
                             config->container_id);
    c = add(iso, config->container_id, err);
    if (c == NULL)
        return err->code;
    for (size_t i = 0; i < c->n_dirs; i++)
        if (butte_cgfs_mkdir(c->dirs[i], err) != 0)
            return err->code; /* cleanup() still comes and removes what was made */
    return apply(iso, c, config->resources, config->limits, false, err);
}

static int
iso_isolate(void *state, const char *container_id, pid_t pid, butte_err_t *err)
{
    butte_cg_container_t *c = butte_cg_lookup(state, container_id);

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

/* Destroy the cgroups of an orphan id now; a failure is logged. */
static void
destroy_orphan(butte_cg_iso_t *iso, const char *id)
{
    butte_err_t err;
    butte_cg_container_t *c = add(iso, id, &err);

    if (c == NULL) {
        butte_log(iso->log, BUTTE_LOG_WARNING, "%s: orphan %s: %s", iso->what, id, err.msg);
        return;
    }
    butte_log(iso->log, BUTTE_LOG_INFO, "%s: destroying orphan cgroup %s", iso->what, id);
    if (destroy_cgroups(iso, c, &err) != 0)
        butte_log(iso->log, BUTTE_LOG_WARNING, "%s: orphan %s left behind: %s", iso->what, id,
                  err.msg);
    drop(iso, c);
}

typedef struct scan {
    butte_cg_iso_t *iso;
    const char **names;
    size_t n, cap;
} scan_t;

static void
collect(void *arg, const char *name)
{
    scan_t *s = arg;

    if (butte_cg_lookup(s->iso, name) != NULL)
        return; /* a container the agent still runs */
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        const char **n = butte_pool_alloc(s->iso->pool, cap * sizeof *n);
        if (s->n)
            memcpy(n, s->names, s->n * sizeof *n);
        s->names = n;
        s->cap = cap;
    }
    s->names[s->n++] = butte_pool_strdup(s->iso->pool, name);
}

static int
iso_recover(void *state, const butte_container_state_t *containers, size_t n,
            const char *const *orphans, size_t n_orphans, butte_err_t *err)
{
    butte_cg_iso_t *iso = state;

    for (size_t i = 0; i < n; i++) {
        butte_cg_container_t *c = add(iso, containers[i].container_id, err);
        if (c == NULL)
            return err->code;
        c->pid = containers[i].pid;
        /* The limits stay in the cgroup; remember them for usage(). */
        uint64_t v;
        if (iso->kind == BUTTE_CG_MEM && butte_cgfs_read_u64(c->dirs[0], iso->v2 ? "memory.max"
                                                                  : "memory.limit_in_bytes",
                                            &v, NULL) == 0 && v != UINT64_MAX)
            c->mem_mb = (double)v / BUTTE_CG_MB;
    }
    for (size_t i = 0; i < n_orphans; i++)
        destroy_orphan(iso, orphans[i]);
    /* Every other cgroup under the root is a container of an agent that
     * died without cleaning up.  The names are collected first (from the
     * instance pool: recover runs once) so no cgroup is removed while its
     * parent is being read. */
    for (size_t b = 0; b < iso->n_base; b++) {
        scan_t s = { iso, NULL, 0, 0 };
        if (butte_cgfs_children(iso->base[b], collect, &s, err) != 0)
            return butte_err_prefix(err, "%s: recovery", iso->what);
        for (size_t i = 0; i < s.n; i++)
            destroy_orphan(iso, s.names[i]);
    }
    return 0;
}

static int
iso_update(void *state, const char *container_id, const butte_resources_t *requests,
           const butte_resources_t *limits, butte_err_t *err)
{
    butte_cg_container_t *c = butte_cg_lookup(state, container_id);

    if (c == NULL)
        return UNKNOWN(err, container_id);
    return apply(state, c, requests, limits, true, err);
}

static int
iso_cleanup(void *state, const char *container_id, butte_err_t *err)
{
    butte_cg_iso_t *iso = state;
    butte_cg_container_t *c = butte_cg_lookup(iso, container_id);

    /* An unknown container is fine: cleanup must tolerate any id. */
    if (c == NULL)
        return 0;
    butte_cg_oom_stop(c);
    if (destroy_cgroups(iso, c, err) != 0)
        return butte_err_prefix(err, "container \"%s\"", container_id);
    drop(iso, c);
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
    .usage = butte_cg_usage,
    .cleanup = iso_cleanup,
};

static const butte_isolator_ops_t pids_ops = {
    .size = sizeof pids_ops,
    .features = BUTTE_ISO_F_NESTING | BUTTE_ISO_F_STANDALONE,
    .recover = iso_recover,
    .prepare = iso_prepare,
    .isolate = iso_isolate,
    .update = iso_update,
    .usage = butte_cg_usage,
    .cleanup = iso_cleanup,
};

static const butte_isolator_ops_t mem_ops = {
    .size = sizeof mem_ops,
    .features = BUTTE_ISO_F_NESTING | BUTTE_ISO_F_STANDALONE,
    .recover = iso_recover,
    .prepare = iso_prepare,
    .isolate = iso_isolate,
    .watch = butte_cg_watch,
    .update = iso_update,
    .usage = butte_cg_usage,
    .cleanup = iso_cleanup,
    .check = butte_cg_check,
};

/* The v2 controller, and first v1 subsystem, of each kind (cgroups/cpu
 * also uses cpuacct on v1). */
static const char *const controller[] = { "cpu", "memory", "pids" };

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

static int
setup_v2(butte_cg_iso_t *iso, const char *hier, const char *root, butte_err_t *err)
{
    char ctl[512];
    const char *need = controller[iso->kind];

    if (butte_cgfs_read(hier, "cgroup.controllers", ctl, sizeof ctl, err) != 0)
        return butte_err_prefix(err, "%s", iso->what);
    if (!has_word(ctl, need))
        return butte_err_set(err, BUTTE_ENOTFOUND, "%s: cgroup2 at %s has no %s controller",
                             iso->what, hier, need);
    const char *base = butte_pool_printf(iso->pool, "%s/%s", hier, root);
    char en[16];
    snprintf(en, sizeof en, "+%s", need);
    /* Controllers reach a cgroup only when every ancestor enables them
     * for its children. */
    if (butte_cgfs_write(hier, "cgroup.subtree_control", en, err) != 0 ||
        butte_cgfs_mkdir(base, err) != 0 ||
        butte_cgfs_write(base, "cgroup.subtree_control", en, err) != 0)
        return butte_err_prefix(err, "%s", iso->what);
    if (iso->kind == BUTTE_CG_MEM && iso->limit_swap) {
        char swap[4096];
        snprintf(swap, sizeof swap, "%s/memory.swap.max", base);
        if (access(swap, F_OK) != 0)
            return butte_err_set(err, BUTTE_ENOTFOUND,
                                 "%s: cgroups_limit_swap needs swap accounting: no %s",
                                 iso->what, swap);
    }
    iso->base[iso->n_base++] = base;
    return 0;
}

static int
setup_v1(butte_cg_iso_t *iso, const char *hier, const char *root, bool check_fs,
         butte_err_t *err)
{
    const char *subs[2] = { controller[iso->kind],
                            iso->kind == BUTTE_CG_CPU ? "cpuacct" : NULL };
    char first[PATH_MAX] = "";

    for (size_t i = 0; i < 2 && subs[i] != NULL; i++) {
        const char *mnt = butte_pool_printf(iso->pool, "%s/%s", hier, subs[i]);
        if (check_fs && !butte_cgfs_is_v1(mnt))
            return butte_err_set(err, BUTTE_ENOTFOUND,
                                 "%s: no %s controller: %s is not a cgroup v1 mount and %s "
                                 "is not a cgroup2 mount",
                                 iso->what, subs[i], mnt, hier);
        /* cpu and cpuacct are often one mount ("cpu,cpuacct") seen twice. */
        char real[PATH_MAX];
        if (realpath(mnt, real) != NULL && strcmp(real, first) == 0)
            continue;
        if (i == 0 && realpath(mnt, first) == NULL)
            first[0] = '\0';
        const char *base = butte_pool_printf(iso->pool, "%s/%s", mnt, root);
        if (butte_cgfs_mkdir(base, err) != 0)
            return butte_err_prefix(err, "%s", iso->what);
        if (access(base, W_OK) != 0)
            return butte_err_set(err, BUTTE_EPERM, "%s: cgroup %s is not writable", iso->what,
                                 base);
        if (iso->kind == BUTTE_CG_MEM && iso->limit_swap) {
            char memsw[4096];
            snprintf(memsw, sizeof memsw, "%s/memory.memsw.limit_in_bytes", base);
            if (access(memsw, W_OK) != 0)
                return butte_err_set(err, BUTTE_ENOTFOUND,
                                     "%s: cgroups_limit_swap needs swap accounting "
                                     "(swapaccount=1): no %s",
                                     iso->what, memsw);
        }
        iso->base[iso->n_base++] = base;
    }
    return 0;
}

/* Find the hierarchy, check the controllers, create the root cgroup. */
static int
setup(butte_cg_iso_t *iso, const char *hier, const char *root, const char *assume,
      butte_err_t *err)
{
    if (root[0] == '\0' || root[0] == '/' || strstr(root, "..") != NULL)
        return butte_err_set(err, BUTTE_EINVAL, "%s: bad cgroups_root \"%s\"", iso->what,
                             root);
    if (assume != NULL && strcmp(assume, "1") != 0 && strcmp(assume, "2") != 0)
        return butte_err_set(err, BUTTE_EINVAL,
                             "%s: bad cgroups_assume_version \"%s\" (1 or 2)", iso->what,
                             assume);
    iso->v2 = assume != NULL ? strcmp(assume, "2") == 0 : butte_cgfs_is_v2(hier);
    return iso->v2 ? setup_v2(iso, hier, root, err)
                   : setup_v1(iso, hier, root, assume == NULL, err);
}

static bool
param_bool(const butte_params_t *params, const char *key, const char *alias)
{
    const char *v = butte_params_get(params, key);

    if (v == NULL && alias != NULL)
        v = butte_params_get(params, alias);
    return v != NULL && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

static int
create(butte_instance_t *self, const butte_params_t *params, void **state,
       butte_cg_kind_t kind, butte_err_t *err)
{
    butte_cg_iso_t *iso = butte_pool_alloc(butte_instance_pool(self), sizeof *iso);
    const char *hier = butte_params_get(params, "cgroups_hierarchy");
    const char *root = butte_params_get(params, "cgroups_root");
    const char *timeout = butte_params_get(params, "cgroups_destroy_timeout");

    iso->pool = butte_instance_pool(self);
    iso->log = butte_instance_log(self);
    iso->loop = butte_instance_loop(self);
    iso->kind = kind;
    iso->what = kind == BUTTE_CG_MEM    ? "cgroups/mem"
                : kind == BUTTE_CG_PIDS ? "cgroups/pids"
                                        : "cgroups/cpu";
    iso->cfs = param_bool(params, "cgroups_enable_cfs", "enable_cfs");
    iso->limit_swap = param_bool(params, "cgroups_limit_swap", NULL);
    iso->destroy_secs = DEFAULT_DESTROY_SECS;
    if (timeout != NULL) {
        char *end;
        iso->destroy_secs = strtod(timeout, &end);
        if (end == timeout || *end != '\0' || !(iso->destroy_secs >= 0))
            return butte_err_set(err, BUTTE_EINVAL,
                                 "%s: bad cgroups_destroy_timeout \"%s\" (seconds)", iso->what,
                                 timeout);
    }
    if (setup(iso, hier != NULL ? hier : "/sys/fs/cgroup", root != NULL ? root : "mesos",
              butte_params_get(params, "cgroups_assume_version"), err) != 0)
        return err->code;
    butte_log(iso->log, BUTTE_LOG_INFO, "%s: cgroup %s under %s%s%s%s%s", iso->what,
              iso->v2 ? "v2" : "v1", iso->base[0], iso->n_base > 1 ? " and " : "",
              iso->n_base > 1 ? iso->base[1] : "",
              kind == BUTTE_CG_CPU && iso->cfs ? ", CFS quota" : "",
              kind == BUTTE_CG_MEM && iso->limit_swap ? ", swap limited" : "");
    *state = iso;
    return 0;
}

static void
destroy(void *state)
{
    butte_cg_iso_t *iso = state;

    /* Containers still here belong to a running agent that stops: their
     * cgroups stay for the next start's recover(); only the watches go. */
    for (butte_cg_container_t *c = iso->containers; c != NULL; c = c->next)
        butte_cg_oom_stop(c);
}

static int
cpu_create(butte_instance_t *self, const butte_params_t *params, void **state,
           butte_err_t *err)
{
    return create(self, params, state, BUTTE_CG_CPU, err);
}

static int
mem_create(butte_instance_t *self, const butte_params_t *params, void **state,
           butte_err_t *err)
{
    return create(self, params, state, BUTTE_CG_MEM, err);
}

static int
pids_create(butte_instance_t *self, const butte_params_t *params, void **state,
            butte_err_t *err)
{
    return create(self, params, state, BUTTE_CG_PIDS, err);
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

BUTTE_EXPORT const butte_module_t org_apache_mesos_CgroupsPidsIsolator = {
    BUTTE_MODULE_GUARD(BUTTE_KIND_ISOLATOR),
    .name = "org_apache_mesos_CgroupsPidsIsolator",
    .author = "Butte",
    .email = "butte@localhost",
    .description = "cgroups/pids: a pids cgroup per container (no limit); process and "
                   "thread accounting",
    .ops = &pids_ops,
    .create = pids_create,
    .destroy = destroy,
};
