/*
 * isolators/cgroups/cgroups-stats.c - the usage slot of the cgroups
 * isolators (see cgroups-internal.h): Mesos' ResourceStatistics fields
 * read from the container's cgroups.
 *
 * cgroups/cpu: processes and threads (cgroup.procs, tasks / v2
 * cgroup.threads), user and system time (v1 cpuacct.stat in clock ticks,
 * v2 cpu.stat in microseconds), CFS throttling (cpu.stat nr_periods,
 * nr_throttled, throttled_time in ns / v2 throttled_usec) and the cpu
 * limit.  cgroups/mem: total (memory.usage_in_bytes / v2
 * memory.current), rss and cache (memory.stat total_rss, total_cache / v2
 * anon, file), swap (v1 total_swap / v2 memory.swap.current) and the hard
 * limit.  cgroups/pids: processes (cgroup.procs) and threads: pids.current,
 * the kernel's count of the tasks (threads) in the cgroup, which is what a
 * pids limit would count (cgroup.threads / tasks when it cannot be
 * read).  A field whose file or key is missing is left unset.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "isolators/cgroups/cgfs.h"
#include "isolators/cgroups/cgroups-internal.h"

/* Whether the caller's stats struct (its size) holds field. */
#define FITS(field) (offsetof(butte_container_stats_t, field) + sizeof stats->field <= stats->size)

static void
throttling(const char *text, bool v2, butte_container_stats_t *stats)
{
    uint64_t a, b, p;

    /* v1 throttled_time is in ns, v2 throttled_usec in us. */
    if (FITS(cpus_throttled_time_secs) && butte_cgfs_key(text, "nr_periods", &a) &&
        butte_cgfs_key(text, "nr_throttled", &b) &&
        (butte_cgfs_key(text, "throttled_time", &p) || butte_cgfs_key(text, "throttled_usec", &p))) {
        stats->cpus_nr_periods = (uint32_t)a;
        stats->cpus_nr_throttled = (uint32_t)b;
        stats->cpus_throttled_time_secs = v2 ? (double)p / 1e6 : (double)p / 1e9;
        stats->set |= BUTTE_STAT_CPUS_THROTTLED;
    }
}

static int
cpu_usage(butte_cg_iso_t *iso, butte_cg_container_t *c, butte_container_stats_t *stats,
          butte_err_t *err)
{
    char buf[1024];
    uint64_t a, b;

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
    throttling(buf, iso->v2, stats);
    if (c->cpus >= 0 && FITS(cpus_limit)) {
        stats->cpus_limit = c->cpus;
        stats->set |= BUTTE_STAT_CPUS_LIMIT;
    }
    return 0;
}

static int
pids_usage(butte_cg_iso_t *iso, butte_cg_container_t *c, butte_container_stats_t *stats,
           butte_err_t *err)
{
    uint64_t n;

    (void)err; /* counts of files that cannot be read are 0, as for cgroups/cpu */
    if (!FITS(threads))
        return 0;
    stats->processes = butte_cgfs_count(c->dirs[0], "cgroup.procs");
    if (butte_cgfs_read_u64(c->dirs[0], "pids.current", &n, NULL) == 0 && n <= UINT32_MAX)
        stats->threads = (uint32_t)n;
    else
        stats->threads = butte_cgfs_count(c->dirs[0], iso->v2 ? "cgroup.threads" : "tasks");
    stats->set |= BUTTE_STAT_PROCESSES | BUTTE_STAT_THREADS;
    return 0;
}

static int
mem_usage(butte_cg_iso_t *iso, butte_cg_container_t *c, butte_container_stats_t *stats,
          butte_err_t *err)
{
    char buf[4096];
    uint64_t total, v;
    const char *dir = c->dirs[0];

    if (butte_cgfs_read_u64(dir, iso->v2 ? "memory.current" : "memory.usage_in_bytes", &total,
                            err) != 0 ||
        butte_cgfs_read(dir, "memory.stat", buf, sizeof buf, err) != 0)
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
    if (FITS(mem_swap_bytes) &&
        (iso->v2 ? butte_cgfs_read_u64(dir, "memory.swap.current", &v, NULL) == 0
                 : butte_cgfs_key(buf, "total_swap", &v))) {
        stats->mem_swap_bytes = v;
        stats->set |= BUTTE_STAT_MEM_SWAP;
    }
    if (FITS(mem_limit_bytes) &&
        butte_cgfs_read_u64(dir, iso->v2 ? "memory.max" : "memory.limit_in_bytes", &v, NULL) ==
            0 &&
        v != UINT64_MAX) {
        stats->mem_limit_bytes = v;
        stats->set |= BUTTE_STAT_MEM_LIMIT;
    }
    return 0;
}
#undef FITS

int
butte_cg_usage(void *state, const char *container_id, butte_container_stats_t *stats,
               butte_err_t *err)
{
    butte_cg_iso_t *iso = state;
    butte_cg_container_t *c = butte_cg_lookup(iso, container_id);
    int rc;

    if (c == NULL)
        return butte_err_set(err, BUTTE_ENOTFOUND, "unknown container \"%s\"", container_id);
    switch (iso->kind) {
    case BUTTE_CG_MEM:
        rc = mem_usage(iso, c, stats, err);
        break;
    case BUTTE_CG_PIDS:
        rc = pids_usage(iso, c, stats, err);
        break;
    default:
        rc = cpu_usage(iso, c, stats, err);
        break;
    }
    return rc != 0 ? butte_err_prefix(err, "container \"%s\"", container_id) : 0;
}
