/*
 * isolators/docker/docker-usage.c - statistics and updates of a docker
 * container (docker-usage.h).
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isolators/docker/docker-run.h"
#include "isolators/docker/docker-usage.h"

#define INSPECT_EVERY_SECS 1.0
/* v1 memory.limit_in_bytes without a limit is near 2^63 */
#define NO_LIMIT (UINT64_C(1) << 62)

struct butte_docker_mon {
    butte_pool_t *pool;
    butte_loop_t *loop;
    butte_log_t *log;
    const butte_docker_t *d;
    const char *name;
    double cpus, mem;                 /* wanted (MB); < 0 = none given */
    double applied_cpus, applied_mem; /* what docker was last told */
    double pending_cpus, pending_mem; /* what the running update tells it */
    bool resolved;                    /* cg holds the container's cgroups */
    butte_docker_cgroups_t cg;
    butte_docker_cmd_t *inspect;
    double inspected_at;
    butte_docker_cmd_t *update;
};

/* ------------------------------------------------------------ /proc */

/* The whole (small) file path into buf; false when it cannot be read. */
static bool
slurp(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "re");
    size_t n;

    if (f == NULL)
        return false;
    n = fread(buf, 1, size - 1, f);
    buf[n] = '\0';
    fclose(f);
    return true;
}

/* Whether the comma-separated list has the item. */
static bool
has_item(const char *list, const char *item)
{
    size_t len = strlen(item);

    for (const char *p = list; p != NULL && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
        if (strncmp(p, item, len) == 0 && (p[len] == ',' || p[len] == '\0'))
            return true;
    return false;
}

/* A cgroup mount of /proc/self/mountinfo. */
typedef struct mount {
    char root[256], dir[256], type[16], opts[256];
} mount_t;

/* The cgroup mounts (at most max); their number. */
static size_t
cgroup_mounts(mount_t *m, size_t max)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    char line[1024];
    size_t n = 0;

    if (f == NULL)
        return 0;
    while (n < max && fgets(line, sizeof line, f) != NULL) {
        char *dash = strstr(line, " - ");
        /* id parent dev root mountpoint ... - type source superoptions */
        if (dash == NULL ||
            sscanf(line, "%*s %*s %*s %255s %255s", m[n].root, m[n].dir) != 2 ||
            sscanf(dash + 3, "%15s %*s %255s", m[n].type, m[n].opts) != 2)
            continue;
        if (strcmp(m[n].type, "cgroup") == 0 || strcmp(m[n].type, "cgroup2") == 0)
            n++;
    }
    fclose(f);
    return n;
}

/* The directory of cgroup path (as /proc/<pid>/cgroup says it) under
 * mount m, from pool. */
static const char *
under_mount(butte_pool_t *pool, const mount_t *m, const char *path)
{
    size_t rl = strlen(m->root);

    /* a mount of a sub-tree (a cgroup namespace's view) drops its root */
    if (strcmp(m->root, "/") != 0 && strncmp(path, m->root, rl) == 0)
        path += rl;
    return butte_pool_printf(pool, "%s%s%s", m->dir, path[0] == '/' ? "" : "/",
                             strcmp(path, "/") == 0 ? "" : path);
}

int
butte_docker_cgroups_of(butte_pool_t *pool, pid_t pid, butte_docker_cgroups_t *cg,
                        butte_err_t *err)
{
    static const char *const wanted[] = { "cpu", "cpuacct", "memory" };
    mount_t mounts[24];
    size_t n = cgroup_mounts(mounts, sizeof mounts / sizeof mounts[0]);
    const char *v1[3] = { NULL, NULL, NULL }, *v2 = NULL;
    char path[64], text[4096];
    char *save = NULL;

    memset(cg, 0, sizeof *cg);
    snprintf(path, sizeof path, "/proc/%d/cgroup", (int)pid);
    if (!slurp(path, text, sizeof text))
        return butte_err_set(err, BUTTE_ENOTFOUND, "%s: %s", path, strerror(errno));
    /* hierarchy-id:controllers:path; v2 is "0::path" */
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (c2 == NULL)
            continue;
        *c2 = '\0';
        const char *ctls = c1 + 1, *cgpath = c2 + 1;
        for (size_t k = 0; k < n; k++) {
            if (ctls[0] == '\0' && strcmp(mounts[k].type, "cgroup2") == 0) {
                v2 = under_mount(pool, &mounts[k], cgpath);
                continue;
            }
            if (ctls[0] == '\0' || strcmp(mounts[k].type, "cgroup") != 0)
                continue;
            for (size_t w = 0; w < 3; w++)
                if (v1[w] == NULL && has_item(ctls, wanted[w]) &&
                    has_item(mounts[k].opts, wanted[w]))
                    v1[w] = under_mount(pool, &mounts[k], cgpath);
        }
    }
    if (v1[1] != NULL || v1[2] != NULL) {
        cg->cpu = v1[0];
        cg->cpuacct = v1[1];
        cg->memory = v1[2];
        return BUTTE_OK;
    }
    if (v2 != NULL) {
        cg->v2 = true;
        cg->unified = v2;
        return BUTTE_OK;
    }
    return butte_err_set(err, BUTTE_ENOTFOUND, "no cpuacct or memory cgroup of pid %d is "
                         "mounted", (int)pid);
}

/* ------------------------------------------------------------ cgroupfs */

static bool
read_file(const char *dir, const char *file, char *buf, size_t size)
{
    char path[PATH_MAX];

    if (dir == NULL)
        return false;
    snprintf(path, sizeof path, "%s/%s", dir, file);
    return slurp(path, buf, size);
}

/* In "key value" lines, the value of key. */
static bool
key(const char *text, const char *name, uint64_t *out)
{
    size_t len = strlen(name);

    for (const char *p = text; p != NULL && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (strncmp(p, name, len) == 0 && p[len] == ' ') {
            *out = strtoull(p + len + 1, NULL, 10);
            return true;
        }
    return false;
}

static bool
read_u64(const char *dir, const char *file, uint64_t *out)
{
    char buf[64];
    char *end;

    if (!read_file(dir, file, buf, sizeof buf) || strncmp(buf, "max", 3) == 0)
        return false;
    errno = 0;
    *out = strtoull(buf, &end, 10);
    return errno == 0 && end != buf;
}

static uint32_t
count_lines(const char *dir, const char *file)
{
    char buf[16384];
    uint32_t n = 0;

    if (!read_file(dir, file, buf, sizeof buf))
        return 0;
    for (const char *p = buf; *p; p++)
        n += *p == '\n';
    return n;
}

/* Whether the caller's stats struct (its size) holds field. */
#define FITS(field) (offsetof(butte_container_stats_t, field) + sizeof stats->field <= stats->size)

void
butte_docker_cgroups_stats(const butte_docker_cgroups_t *cg, butte_container_stats_t *stats)
{
    const char *procs = cg->v2 ? cg->unified : cg->memory ? cg->memory : cg->cpuacct;
    const char *mem = cg->v2 ? cg->unified : cg->memory;
    char buf[4096];
    uint64_t a, b, c;

    if (FITS(threads) && procs != NULL) {
        stats->processes = count_lines(procs, "cgroup.procs");
        stats->threads = count_lines(procs, cg->v2 ? "cgroup.threads" : "tasks");
        stats->set |= BUTTE_STAT_PROCESSES | BUTTE_STAT_THREADS;
    }
    /* cpu times: v1 cpuacct.stat in clock ticks, v2 cpu.stat in us */
    if (FITS(cpus_system_time_secs)) {
        long hz = sysconf(_SC_CLK_TCK);
        double unit = cg->v2 ? 1e6 : (double)(hz > 0 ? hz : 100);
        if (read_file(cg->v2 ? cg->unified : cg->cpuacct, cg->v2 ? "cpu.stat" : "cpuacct.stat",
                      buf, sizeof buf) &&
            key(buf, cg->v2 ? "user_usec" : "user", &a) &&
            key(buf, cg->v2 ? "system_usec" : "system", &b)) {
            stats->cpus_user_time_secs = (double)a / unit;
            stats->cpus_system_time_secs = (double)b / unit;
            stats->set |= BUTTE_STAT_CPUS_USER | BUTTE_STAT_CPUS_SYSTEM;
        }
    }
    /* CFS throttling: v1 throttled_time in ns, v2 throttled_usec in us */
    if (FITS(cpus_throttled_time_secs) &&
        read_file(cg->v2 ? cg->unified : cg->cpu, "cpu.stat", buf, sizeof buf) &&
        key(buf, "nr_periods", &a) && key(buf, "nr_throttled", &b) &&
        (key(buf, "throttled_time", &c) || key(buf, "throttled_usec", &c))) {
        stats->cpus_nr_periods = (uint32_t)a;
        stats->cpus_nr_throttled = (uint32_t)b;
        stats->cpus_throttled_time_secs = cg->v2 ? (double)c / 1e6 : (double)c / 1e9;
        stats->set |= BUTTE_STAT_CPUS_THROTTLED;
    }
    if (mem == NULL)
        return;
    if (FITS(mem_total_bytes) &&
        read_u64(mem, cg->v2 ? "memory.current" : "memory.usage_in_bytes", &a)) {
        stats->mem_total_bytes = a;
        stats->set |= BUTTE_STAT_MEM_TOTAL;
    }
    if (FITS(mem_swap_bytes) && read_file(mem, "memory.stat", buf, sizeof buf)) {
        /* v1: the total_ keys count the sub-cgroups too */
        if (key(buf, cg->v2 ? "anon" : "total_rss", &a) || (!cg->v2 && key(buf, "rss", &a))) {
            stats->mem_rss_bytes = a;
            stats->set |= BUTTE_STAT_MEM_RSS;
        }
        if (key(buf, cg->v2 ? "file" : "total_cache", &a) || (!cg->v2 && key(buf, "cache", &a))) {
            stats->mem_cache_bytes = a;
            stats->set |= BUTTE_STAT_MEM_CACHE;
        }
        if (cg->v2 ? read_u64(mem, "memory.swap.current", &a) : key(buf, "total_swap", &a)) {
            stats->mem_swap_bytes = a;
            stats->set |= BUTTE_STAT_MEM_SWAP;
        }
    }
    if (FITS(mem_limit_bytes) &&
        read_u64(mem, cg->v2 ? "memory.max" : "memory.limit_in_bytes", &a) && a < NO_LIMIT) {
        stats->mem_limit_bytes = a;
        stats->set |= BUTTE_STAT_MEM_LIMIT;
    }
}

/* ------------------------------------------------------------ monitor */

butte_docker_mon_t *
butte_docker_mon_create(butte_pool_t *pool, butte_loop_t *loop, butte_log_t *log,
                        const butte_docker_t *d, const char *name, double cpus, double mem)
{
    butte_docker_mon_t *m = butte_pool_alloc(pool, sizeof *m);

    memset(m, 0, sizeof *m);
    m->pool = pool;
    m->loop = loop;
    m->log = log;
    m->d = d;
    m->name = name;
    m->cpus = m->applied_cpus = cpus;
    m->mem = m->applied_mem = mem;
    m->inspected_at = -INSPECT_EVERY_SECS;
    return m;
}

static void
inspected(void *arg, int status, const char *out, const char *errout)
{
    butte_docker_mon_t *m = arg;
    butte_pool_t *tmp;
    butte_docker_cgroups_t cg;
    butte_err_t err;
    int pid = 0;

    (void)errout;
    m->inspect = NULL;
    /* 0: not running (yet, or any more); asked again on a later usage() */
    if (status != 0 || sscanf(out, "%d", &pid) != 1 || pid <= 0)
        return;
    tmp = butte_pool_create(NULL);
    if (butte_docker_cgroups_of(tmp, pid, &cg, &err) != 0) {
        butte_log(m->log, BUTTE_LOG_DEBUG, "cgroups of %s: %s", m->name, err.msg);
    } else {
        /* copied once into the container's pool: the paths stay valid
         * for the container's life */
        m->cg.v2 = cg.v2;
        m->cg.cpu = cg.cpu ? butte_pool_strdup(m->pool, cg.cpu) : NULL;
        m->cg.cpuacct = cg.cpuacct ? butte_pool_strdup(m->pool, cg.cpuacct) : NULL;
        m->cg.memory = cg.memory ? butte_pool_strdup(m->pool, cg.memory) : NULL;
        m->cg.unified = cg.unified ? butte_pool_strdup(m->pool, cg.unified) : NULL;
        m->resolved = true;
        butte_log(m->log, BUTTE_LOG_DEBUG, "container %s (pid %d): cgroup %s", m->name, pid,
                  cg.v2 ? cg.unified : cg.memory ? cg.memory : cg.cpuacct);
    }
    butte_pool_destroy(tmp);
}

void
butte_docker_mon_usage(butte_docker_mon_t *m, butte_container_stats_t *stats)
{
    double now = butte_loop_now(m->loop);

    if (m->resolved) {
        butte_docker_cgroups_stats(&m->cg, stats);
    } else if (m->inspect == NULL && now - m->inspected_at >= INSPECT_EVERY_SECS) {
        const char *args[] = { "inspect", "--type=container", "--format", "{{.State.Pid}}",
                               m->name, NULL };
        butte_err_t err;
        m->inspected_at = now;
        m->inspect = butte_docker_start(m->loop, m->d, args, 0, inspected, m, &err);
        if (m->inspect == NULL)
            butte_log(m->log, BUTTE_LOG_DEBUG, "inspect %s: %s", m->name, err.msg);
    }
    /* the allocation, as Mesos reports it */
    if (m->cpus >= 0 && offsetof(butte_container_stats_t, cpus_limit) +
                        sizeof stats->cpus_limit <= stats->size) {
        stats->cpus_limit = m->cpus;
        stats->set |= BUTTE_STAT_CPUS_LIMIT;
    }
    if (!(stats->set & BUTTE_STAT_MEM_LIMIT) && m->mem >= 0 &&
        offsetof(butte_container_stats_t, mem_limit_bytes) + sizeof stats->mem_limit_bytes <=
            stats->size) {
        stats->mem_limit_bytes = butte_docker_memory_bytes(m->mem);
        stats->set |= BUTTE_STAT_MEM_LIMIT;
    }
}

static void start_update(butte_docker_mon_t *m);

static void
updated(void *arg, int status, const char *out, const char *errout)
{
    butte_docker_mon_t *m = arg;

    (void)out;
    m->update = NULL;
    if (status != 0) {
        butte_pool_t *tmp = butte_pool_create(NULL);
        const char *args[] = { "update", m->name, NULL };
        butte_log(m->log, BUTTE_LOG_WARNING, "cannot update the resources of %s: %s", m->name,
                  butte_docker_failure(tmp, m->d, args, status, errout));
        butte_pool_destroy(tmp);
    } else {
        butte_log(m->log, BUTTE_LOG_INFO, "updated %s to cpus %g, mem %g MB", m->name,
                  m->pending_cpus, m->pending_mem);
    }
    /* a failure is not retried with the same values */
    m->applied_cpus = m->pending_cpus;
    m->applied_mem = m->pending_mem;
    start_update(m); /* newer values may have come meanwhile */
}

static void
start_update(butte_docker_mon_t *m)
{
    char shares[32], bytes[32], swap[32];
    const char *args[12];
    size_t n = 0;
    butte_err_t err;

    if (m->update != NULL || (m->cpus == m->applied_cpus && m->mem == m->applied_mem))
        return;
    args[n++] = "update";
    if (m->cpus >= 0) {
        snprintf(shares, sizeof shares, "%llu",
                 (unsigned long long)butte_docker_cpu_shares(m->cpus));
        args[n++] = "--cpu-shares";
        args[n++] = shares;
    }
    if (m->mem >= 0) {
        unsigned long long b = (unsigned long long)butte_docker_memory_bytes(m->mem);
        snprintf(bytes, sizeof bytes, "%llu", b);
        snprintf(swap, sizeof swap, "%llu", 2 * b);
        args[n++] = "--memory";
        args[n++] = bytes;
        args[n++] = "--memory-swap";
        args[n++] = swap;
    }
    args[n++] = m->name;
    args[n] = NULL;
    m->pending_cpus = m->cpus;
    m->pending_mem = m->mem;
    m->update = butte_docker_start(m->loop, m->d, args, 0, updated, m, &err);
    if (m->update == NULL) {
        butte_log(m->log, BUTTE_LOG_WARNING, "cannot update the resources of %s: %s", m->name,
                  err.msg);
        m->applied_cpus = m->pending_cpus;
        m->applied_mem = m->pending_mem;
    }
}

void
butte_docker_mon_update(butte_docker_mon_t *m, double cpus, double mem)
{
    if (cpus >= 0)
        m->cpus = cpus;
    if (mem >= 0)
        m->mem = mem;
    start_update(m);
}

void
butte_docker_mon_stop(butte_docker_mon_t *m, bool wait)
{
    if (m == NULL)
        return;
    butte_docker_abandon(m->inspect, wait ? SIGKILL : 0, wait);
    butte_docker_abandon(m->update, wait ? SIGKILL : 0, wait);
    m->inspect = m->update = NULL;
}
