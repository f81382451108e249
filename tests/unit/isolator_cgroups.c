/*
 * tests/unit/isolator_cgroups.c - the cgroups/cpu, cgroups/mem and
 * cgroups/pids isolators, loaded as the real libcgroups_isolators.so through the
 * loader (names from isolators/selection.h), on this machine's real
 * cgroups: a child put in its cgroups before it execs gets cpu.shares (v2
 * cpu.weight) and a memory limit, its cpu time and memory are reported,
 * update() changes the limits, cleanup() kills what is left and removes
 * the cgroups, and a python3 that allocates 200 MB under a 64 MB limit is
 * OOM-killed and reported through watch() (and, called first, through
 * check(), still once).  --cgroups_limit_swap keeps memory.memsw equal to
 * the limit through raises and cuts; recover() destroys every cgroup
 * under the root it is not told about, with its processes.  Each run uses
 * its own cgroups_root (butte_unit_<pid>), since recover() destroys what
 * it finds under its root and tests run in parallel.  cgroups/pids (when
 * this machine has a pids hierarchy) joins every container: a container of
 * three processes shows pids.current 3 and 3 processes in usage, no limit
 * is set, and its pids cgroup goes with the others.
 *
 * A second suite drives the isolators in v2 mode (cgroups_assume_version
 * = 2) on a fake cgroup2 tree of plain files in a temp dir, so the v2
 * file layer is tested on this v1 machine: cpu.weight, cpu.max,
 * memory.max, memory.low, memory.swap.max writes, usage from cpu.stat /
 * memory.current / memory.stat, the OOM watch on memory.events (inotify;
 * only oom_kill counts), check(), the cgroup.controllers check and
 * orphan clean-up; cgroups/pids needs "pids" in cgroup.controllers,
 * enables it in subtree_control and reads pids.current.  It runs even where real cgroups cannot be made.
 *
 * When this machine cannot make cgroups (not root, no controller,
 * read-only cgroupfs) the isolators' create() fails and the real-cgroup
 * suite is skipped, printing why; the fake-tree suite still runs.  Every
 * wait polls a condition until a deadline; no timing is asserted.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <butte/isolator.h>
#include <butte/loop.h>

#include "core/loader-internal.h"
#include "core/loop-internal.h"
#include "isolators/selection.h"

static butte_pool_t *pool;
static butte_loop_t *loop;
static butte_modules_t *mods;
static const butte_isolator_ops_t *cpu, *mem, *pids;
static void *cpu_s, *mem_s, *pids_s;
/* Which isolators open_with() creates: cgroups/pids only where this
 * machine has it (main), cpu and mem only for the fake-tree tests that
 * check their subtree_control writes. */
#define WITH_CPU 1
#define WITH_MEM 2
#define WITH_PIDS 4
static int which = WITH_CPU | WITH_MEM | WITH_PIDS;
static bool v2;
static char root[64];   /* this run's cgroups_root on the real hierarchy */
static char hier[4096] = "/sys/fs/cgroup";

static const butte_isolator_ops_t *
load(const char *name, const butte_params_t *params, void **state, butte_err_t *err)
{
    const butte_module_choice_t *c = butte_isolator_choice(name);

    if (c == NULL) {
        butte_err_set(err, BUTTE_ENOTFOUND, "no first-party isolator \"%s\"", name);
        return NULL;
    }
    if (butte_modules_add_library_params(mods, c->library, c->symbol, params, err) != 0)
        return NULL;
    butte_instance_t *inst = butte_modules_create(mods, c->symbol, BUTTE_KIND_ISOLATOR, err);
    if (inst == NULL)
        return NULL;
    *state = butte_instance_state(inst);
    return butte_instance_ops(inst);
}

/* Open the loader and create the isolators of `which` with the parameters
 * (key, value, ..., NULL) on top of cgroups_hierarchy = hier and
 * cgroups_root = root; false with err filled. */
static bool
open_with(butte_err_t *err, ...)
{
    const char *dir = getenv("BUTTE_MODULE_DIR");
    butte_param_t items[16];
    butte_params_t params = { 0, items };
    va_list ap;
    const char *k;

    if (dir == NULL) {
        butte_err_set(err, BUTTE_EINVAL, "BUTTE_MODULE_DIR is not set (run through make check)");
        return false;
    }
    items[params.count++] = (butte_param_t){ "cgroups_hierarchy", hier };
    items[params.count++] = (butte_param_t){ "cgroups_root", root };
    va_start(ap, err);
    while ((k = va_arg(ap, const char *)) != NULL && params.count < 16) {
        items[params.count].key = k;
        items[params.count++].value = va_arg(ap, const char *);
    }
    va_end(ap);
    pool = butte_pool_create(NULL);
    loop = butte_loop_create(err);
    if (loop == NULL)
        return false;
    mods = butte_modules_open(pool, loop, NULL, NULL, dir, err);
    return mods != NULL &&
           (!(which & WITH_CPU) || (cpu = load("cgroups/cpu", &params, &cpu_s, err)) != NULL) &&
           (!(which & WITH_MEM) || (mem = load("cgroups/mem", &params, &mem_s, err)) != NULL) &&
           (!(which & WITH_PIDS) ||
            (pids = load("cgroups/pids", &params, &pids_s, err)) != NULL);
}

static bool
open_all(butte_err_t *err)
{
    return open_with(err, "cgroups_destroy_timeout", "10", (const char *)NULL);
}

static void
close_all(void)
{
    if (mods != NULL)
        butte_modules_close(mods);
    if (loop != NULL)
        butte_loop_destroy(loop);
    if (pool != NULL)
        butte_pool_destroy(pool);
    mods = NULL;
    loop = NULL;
    pool = NULL;
    cpu = mem = pids = NULL;
}

static void
setup(void)
{
    butte_err_t err;

    ck_assert_msg(open_all(&err), "%s", err.msg);
}

static double
mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
pause_briefly(void)
{
    struct timespec ts = { 0, 20 * 1000 * 1000 };
    nanosleep(&ts, NULL);
}

/* A container id unique to this run. */
static const char *
cid(const char *name)
{
    return butte_pool_printf(pool, "butte-test-%d-%s", (int)getpid(), name);
}

/* The cgroup dir of id for a v1 subsystem ("cpu", "memory", "pids"). */
static const char *
cgdir(const char *subsys, const char *id)
{
    return v2 ? butte_pool_printf(pool, "%s/%s/%s", hier, root, id)
              : butte_pool_printf(pool, "%s/%s/%s/%s", hier, subsys, root, id);
}

static unsigned long long
read_num(const char *dir, const char *file)
{
    char path[4096];
    unsigned long long v = 0;

    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "re");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    ck_assert_msg(fscanf(f, "%llu", &v) == 1, "no number in %s", path);
    fclose(f);
    return v;
}

/* dir/file's text, from the pool. */
static const char *
read_text(const char *dir, const char *file)
{
    char path[4096], buf[256];
    size_t n;

    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "re");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return butte_pool_strdup(pool, buf);
}

static pid_t first_pid(const char *dir);

static bool
exists(const char *dir)
{
    struct stat st;
    return stat(dir, &st) == 0;
}

/*
 * Start a container as the launcher does: prepare the isolators, fork a
 * child that waits on a pipe, isolate its pid, then let it exec script.
 */
static pid_t
start(const char *id, const char *requests, const char *limits, const char *script)
{
    butte_err_t err;
    butte_container_config_t cfg = { .size = sizeof cfg, .container_id = id,
                                     .directory = "/tmp" };
    butte_launch_info_t out = { .size = sizeof out };
    int fds[2];

    cfg.resources = butte_resources_parse(pool, requests, &err);
    ck_assert_msg(cfg.resources != NULL, "%s", err.msg);
    if (limits != NULL) {
        cfg.limits = butte_resources_parse(pool, limits, &err);
        ck_assert_msg(cfg.limits != NULL, "%s", err.msg);
    }
    ck_assert_msg(cpu->prepare(cpu_s, &cfg, pool, &out, &err) == 0, "%s", err.msg);
    ck_assert_msg(mem->prepare(mem_s, &cfg, pool, &out, &err) == 0, "%s", err.msg);
    if (pids != NULL)
        ck_assert_msg(pids->prepare(pids_s, &cfg, pool, &out, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        char go;
        close(fds[1]);
        setsid();
        if (read(fds[0], &go, 1) != 1)
            _exit(126);
        execl("/bin/sh", "sh", "-c", script, (char *)NULL);
        _exit(127);
    }
    close(fds[0]);
    ck_assert_msg(cpu->isolate(cpu_s, id, pid, &err) == 0, "%s", err.msg);
    ck_assert_msg(mem->isolate(mem_s, id, pid, &err) == 0, "%s", err.msg);
    if (pids != NULL)
        ck_assert_msg(pids->isolate(pids_s, id, pid, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(write(fds[1], "g", 1), 1);
    close(fds[1]);
    return pid;
}

/* cleanup() of every isolator; none of the cgroups of id is left. */
static void
cleanup_all(const char *id)
{
    butte_err_t err;

    ck_assert_msg(cpu->cleanup(cpu_s, id, &err) == 0, "%s", err.msg);
    ck_assert_msg(mem->cleanup(mem_s, id, &err) == 0, "%s", err.msg);
    if (pids != NULL)
        ck_assert_msg(pids->cleanup(pids_s, id, &err) == 0, "%s", err.msg);
    ck_assert_msg(!exists(cgdir("cpu", id)), "cpu cgroup of %s left behind", id);
    ck_assert_msg(!exists(cgdir("memory", id)), "memory cgroup of %s left behind", id);
    ck_assert_msg(!exists(cgdir("pids", id)), "pids cgroup of %s left behind", id);
}

static void
finish(const char *id, pid_t pid)
{
    /* cleanup() itself kills what is left; the reaping is ours. */
    cleanup_all(id);
    ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
}

START_TEST(limits_usage_update_cleanup)
{
    const char *id = cid("a");
    /* 50 MB resident, then a busy loop. */
    pid_t pid = start(id, "cpus:0.5;mem:128", NULL,
                      "exec python3 -c 'b=bytearray(50<<20)\n"
                      "b[::4096]=b\"x\"*(len(b)//4096)\nwhile True: pass'");
    butte_container_stats_t st;
    butte_err_t err;
    double deadline = mono() + 20;

    if (v2)
        ck_assert_uint_eq(read_num(cgdir("cpu", id), "cpu.weight"), 1 + (512 - 2) * 9999 / 262142);
    else
        ck_assert_uint_eq(read_num(cgdir("cpu", id), "cpu.shares"), 512);
    ck_assert_uint_eq(read_num(cgdir("memory", id), v2 ? "memory.max" : "memory.limit_in_bytes"),
                      128ull << 20);
    ck_assert_uint_eq(read_num(cgdir("cpu", id), "cgroup.procs"), (unsigned long long)pid);

    for (;;) {
        st = (butte_container_stats_t){ .size = sizeof st };
        ck_assert_msg(cpu->usage(cpu_s, id, &st, &err) == 0, "%s", err.msg);
        ck_assert_msg(mem->usage(mem_s, id, &st, &err) == 0, "%s", err.msg);
        if ((st.set & BUTTE_STAT_MEM_RSS) && st.mem_rss_bytes >= (40u << 20) &&
            (st.set & BUTTE_STAT_CPUS_USER) && st.cpus_user_time_secs >= 0.05)
            break;
        ck_assert_msg(mono() < deadline, "usage never showed 40 MB and 0.05 s: rss %llu user %.3f",
                      (unsigned long long)st.mem_rss_bytes, st.cpus_user_time_secs);
        pause_briefly();
    }
    ck_assert(st.set & BUTTE_STAT_MEM_TOTAL);
    ck_assert_uint_ge(st.mem_total_bytes, st.mem_rss_bytes);
    ck_assert_uint_eq(st.mem_limit_bytes, 128ull << 20);
    ck_assert_uint_eq(st.processes, 1);
    ck_assert(st.cpus_limit == 0.5);

    /* update: a task joined; limits above requests */
    butte_resources_t *req = butte_resources_parse(pool, "cpus:1;mem:256", &err);
    butte_resources_t *lim = butte_resources_parse(pool, "cpus:2;mem:512", &err);
    ck_assert_msg(cpu->update(cpu_s, id, req, lim, &err) == 0, "%s", err.msg);
    ck_assert_msg(mem->update(mem_s, id, req, lim, &err) == 0, "%s", err.msg);
    if (!v2) {
        /* shares follow the request, the hard limits the limits */
        ck_assert_uint_eq(read_num(cgdir("cpu", id), "cpu.shares"), 1024);
        ck_assert_uint_eq(read_num(cgdir("memory", id), "memory.soft_limit_in_bytes"),
                          256ull << 20);
    }
    ck_assert_uint_eq(read_num(cgdir("memory", id), v2 ? "memory.max" : "memory.limit_in_bytes"),
                      512ull << 20);
    finish(id, pid);
}
END_TEST

START_TEST(pids_accounting)
{
    const char *id = cid("pids");
    butte_err_t err;
    /* sh and its two sleeps: three single-threaded processes */
    pid_t pid = start(id, "cpus:0.1;mem:64", NULL, "sleep 300 & sleep 300 & wait");
    const char *pg = cgdir("pids", id);
    butte_container_stats_t st;
    double deadline = mono() + 20;

    for (;;) {
        st = (butte_container_stats_t){ .size = sizeof st };
        ck_assert_msg(pids->usage(pids_s, id, &st, &err) == 0, "%s", err.msg);
        if (st.processes >= 3)
            break;
        ck_assert_msg(mono() < deadline, "only %u processes in %s", st.processes, pg);
        pause_briefly();
    }
    ck_assert(st.set & BUTTE_STAT_PROCESSES);
    ck_assert(st.set & BUTTE_STAT_THREADS);
    ck_assert_uint_eq(st.processes, 3);
    ck_assert_uint_eq(read_num(pg, "pids.current"), 3);
    ck_assert_uint_eq(st.threads, 3); /* pids.current */
    ck_assert_uint_eq(first_pid(pg), pid);
    /* accounting only: no limit, and update() sets none */
    ck_assert_str_eq(read_text(pg, "pids.max"), "max\n");
    butte_resources_t *req = butte_resources_parse(pool, "cpus:1;mem:128", &err);
    ck_assert_msg(pids->update(pids_s, id, req, req, &err) == 0, "%s", err.msg);
    ck_assert_str_eq(read_text(pg, "pids.max"), "max\n");
    ck_assert_int_eq(pids->usage(pids_s, "nope", &st, &err), BUTTE_ENOTFOUND);
    finish(id, pid); /* kills the sleeps too; the pids cgroup is gone */
}
END_TEST

static int reported;
static butte_container_limitation_t seen;
static char seen_msg[4096], seen_id[256];

static void
on_limit(void *ctx, const char *container_id, const butte_container_limitation_t *l)
{
    (void)ctx;
    reported++;
    seen = *l;
    snprintf(seen_msg, sizeof seen_msg, "%s", l->message);
    snprintf(seen_id, sizeof seen_id, "%s", container_id);
    seen.message = seen_msg;
    seen.resources = NULL; /* borrowed for the call only */
    butte_loop_stop(loop);
}

static void
on_deadline(void *arg)
{
    (void)arg;
    butte_loop_stop(loop);
}

START_TEST(oom_kill_reported_through_watch)
{
    const char *id = cid("oom");
    butte_err_t err;
    int status;

    /* limit 64 MB, request 32 MB: the limit is what the kernel enforces */
    pid_t pid = start(id, "cpus:0.1;mem:32", "mem:64",
                      "exec python3 -c 'b=bytearray(200<<20)\n"
                      "b[::4096]=b\"x\"*(len(b)//4096)\nprint(\"survived\")'");
    ck_assert_uint_eq(read_num(cgdir("memory", id), v2 ? "memory.max" : "memory.limit_in_bytes"),
                      64ull << 20);
    ck_assert_msg(mem->watch(mem_s, id, on_limit, NULL, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(mem->watch(mem_s, id, on_limit, NULL, &err), BUTTE_ECONFLICT);
    butte_timer_t *t = butte_timer_start(loop, 30, false, on_deadline, NULL);
    butte_loop_run(loop);
    butte_timer_stop(t);

    ck_assert_int_eq(reported, 1);
    ck_assert_str_eq(seen_id, id);
    ck_assert_int_eq(seen.reason, 8); /* REASON_CONTAINER_LIMITATION_MEMORY */
    ck_assert_msg(strncmp(seen_msg, "Memory limit exceeded: Requested: 64MB", 38) == 0, "%s",
                  seen_msg);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "status %d", status);
    cleanup_all(id);
}
END_TEST

START_TEST(minimums_errors_and_leftovers)
{
    const char *id = cid("min");
    butte_err_t err;
    butte_container_config_t cfg = { .size = sizeof cfg, .container_id = id };
    butte_launch_info_t out = { .size = sizeof out };

    /* shares never below 2, memory never below 32 MB */
    pid_t pid = start(id, "cpus:0.001;mem:8", NULL,
                      "sleep 300 & sleep 300 & wait"); /* children cleanup must kill */
    if (!v2)
        ck_assert_uint_eq(read_num(cgdir("cpu", id), "cpu.shares"), 2);
    ck_assert_uint_eq(read_num(cgdir("memory", id), v2 ? "memory.max" : "memory.limit_in_bytes"),
                      32ull << 20);
    ck_assert_int_eq(cpu->prepare(cpu_s, &cfg, pool, &out, &err), BUTTE_ECONFLICT);
    ck_assert_int_eq(mem->isolate(mem_s, "nope", 1, &err), BUTTE_ENOTFOUND);
    ck_assert_int_eq(mem->cleanup(mem_s, "nope", &err), 0);
    cfg.container_id = "../escape";
    ck_assert_int_eq(mem->prepare(mem_s, &cfg, pool, &out, &err), BUTTE_EINVAL);
    /* wait until both sleeps joined the cgroup, then leave them to cleanup */
    double deadline = mono() + 20;
    for (;;) {
        butte_container_stats_t st = { .size = sizeof st };
        ck_assert_msg(cpu->usage(cpu_s, id, &st, &err) == 0, "%s", err.msg);
        if (st.processes >= 3)
            break;
        ck_assert_msg(mono() < deadline, "only %u processes", st.processes);
        pause_briefly();
    }
    finish(id, pid);
}
END_TEST

START_TEST(cfs_quota_and_swap_limit)
{
    butte_err_t err;

    close_all();
    ck_assert_msg(open_with(&err, "cgroups_enable_cfs", "true", "cgroups_limit_swap",
                            v2 ? "false" : "true", (const char *)NULL),
                  "%s", err.msg);
    const char *id = cid("cfs"); /* (from the new pool) */
    pid_t pid = start(id, "cpus:0.5;mem:64", "cpus:1.5;mem:96", "exec sleep 300");
    if (v2) {
        finish(id, pid);
        return;
    }
    const char *cg = cgdir("cpu", id), *mg = cgdir("memory", id);
    /* shares from the request, the quota from the limit */
    ck_assert_uint_eq(read_num(cg, "cpu.shares"), 512);
    ck_assert_uint_eq(read_num(cg, "cpu.cfs_period_us"), 100000);
    ck_assert_uint_eq(read_num(cg, "cpu.cfs_quota_us"), 150000);
    ck_assert_uint_eq(read_num(mg, "memory.limit_in_bytes"), 96ull << 20);
    ck_assert_uint_eq(read_num(mg, "memory.memsw.limit_in_bytes"), 96ull << 20);
    ck_assert_uint_eq(read_num(mg, "memory.soft_limit_in_bytes"), 64ull << 20);
    /* a raise (memsw must go first) */
    butte_resources_t *req = butte_resources_parse(pool, "cpus:0.01;mem:128", &err);
    butte_resources_t *lim = butte_resources_parse(pool, "mem:256", &err);
    ck_assert_msg(mem->update(mem_s, id, req, lim, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(read_num(mg, "memory.limit_in_bytes"), 256ull << 20);
    ck_assert_uint_eq(read_num(mg, "memory.memsw.limit_in_bytes"), 256ull << 20);
    ck_assert_msg(cpu->update(cpu_s, id, req, lim, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(read_num(cg, "cpu.cfs_quota_us"), 1000); /* at least 1 ms */
    /* a running container's hard limit never shrinks (Mesos): a task
     * that left its executor only lowers the soft limit */
    req = butte_resources_parse(pool, "cpus:1;mem:48", &err);
    ck_assert_msg(mem->update(mem_s, id, req, NULL, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(read_num(mg, "memory.limit_in_bytes"), 256ull << 20);
    ck_assert_uint_eq(read_num(mg, "memory.memsw.limit_in_bytes"), 256ull << 20);
    ck_assert_uint_eq(read_num(mg, "memory.soft_limit_in_bytes"), 48ull << 20);
    finish(id, pid);
}
END_TEST

START_TEST(oom_seen_first_by_check)
{
    const char *id = cid("chk");
    butte_err_t err;
    int status;

    pid_t pid = start(id, "cpus:0.1;mem:64", NULL,
                      "exec python3 -c 'b=bytearray(200<<20)\n"
                      "b[::4096]=b\"x\"*(len(b)//4096)\nprint(\"survived\")'");
    ck_assert_msg(mem->watch(mem_s, id, on_limit, NULL, &err) == 0, "%s", err.msg);
    /* As the agent does when the executor says "exited with status 137"
     * before the OOM event was read: the child is gone, check() reports. */
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "status %d", status);
    ck_assert_int_eq(reported, 0);
    ck_assert_msg(mem->check(mem_s, id, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(reported, 1);
    ck_assert_int_eq(seen.reason, 8);
    ck_assert_msg(strstr(seen_msg, "Memory limit exceeded: Requested: 64MB Maximum Used: ") ==
                      seen_msg && strstr(seen_msg, "MEMORY STATISTICS") != NULL,
                  "%s", seen_msg);
    /* The pending event must not make a second report, nor a second check. */
    butte_timer_t *t = butte_timer_start(loop, 0.3, false, on_deadline, NULL);
    butte_loop_run(loop);
    butte_timer_stop(t);
    ck_assert_msg(mem->check(mem_s, id, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(reported, 1);
    cleanup_all(id);
}
END_TEST

/* The first pid in dir/cgroup.procs, 0 when none. */
static pid_t
first_pid(const char *dir)
{
    char path[4096];
    int pid = 0;

    snprintf(path, sizeof path, "%s/cgroup.procs", dir);
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return 0;
    if (fscanf(f, "%d", &pid) != 1)
        pid = 0;
    fclose(f);
    return pid;
}

/* A process in the cgroups of id, made by hand as a killed agent leaves
 * them: the child joins each cgroup, then sleeps. */
static pid_t
leftover(const char *id)
{
    const char *subs[] = { "cpu", "cpuacct", "memory", "pids" };
    size_t n = v2 ? 1 : pids != NULL ? 4 : 3;

    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(mkdir(cgdir(subs[i], id), 0755), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        for (size_t i = 0; i < n; i++) {
            char path[4096];
            snprintf(path, sizeof path, "%s/cgroup.procs", cgdir(subs[i], id));
            FILE *f = fopen(path, "we");
            if (f == NULL || fprintf(f, "%d", (int)getpid()) < 0 || fclose(f) != 0)
                _exit(126);
        }
        execl("/bin/sleep", "sleep", "300", (char *)NULL);
        _exit(127);
    }
    double deadline = mono() + 20;
    while (first_pid(cgdir("memory", id)) != pid) {
        ck_assert_msg(mono() < deadline, "the leftover never joined its cgroups");
        pause_briefly();
    }
    return pid;
}

START_TEST(recover_destroys_orphans)
{
    const char *orphan = cid("orphan"), *kept = cid("kept"), *named = cid("named");
    butte_err_t err;
    int status;

    pid_t op = leftover(orphan), np = leftover(named), kp = leftover(kept);
    butte_container_state_t st = { .size = sizeof st, .container_id = kept, .pid = kp };
    const char *orphans[] = { named };
    ck_assert_msg(cpu->recover(cpu_s, &st, 1, orphans, 1, &err) == 0, "%s", err.msg);
    ck_assert_msg(mem->recover(mem_s, &st, 1, orphans, 1, &err) == 0, "%s", err.msg);
    if (pids != NULL)
        ck_assert_msg(pids->recover(pids_s, &st, 1, orphans, 1, &err) == 0, "%s", err.msg);
    /* the unknown and the named orphan are gone with their processes */
    ck_assert_int_eq(waitpid(op, &status, 0), op);
    ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    ck_assert_int_eq(waitpid(np, &status, 0), np);
    ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    ck_assert(!exists(cgdir("cpu", orphan)) && !exists(cgdir("cpuacct", orphan)) &&
              !exists(cgdir("memory", orphan)) && !exists(cgdir("memory", named)) &&
              !exists(cgdir("pids", orphan)) && !exists(cgdir("pids", named)));
    /* the survivor stays, is known (usage) and is cleaned up as usual */
    ck_assert(exists(cgdir("cpu", kept)) && exists(cgdir("memory", kept)));
    ck_assert_int_eq(kill(kp, 0), 0);
    butte_container_stats_t stats = { .size = sizeof stats };
    ck_assert_msg(mem->usage(mem_s, kept, &stats, &err) == 0, "%s", err.msg);
    finish(kept, kp);
    ck_assert(!exists(cgdir("cpuacct", kept)));
}
END_TEST

/* ------------------------------------------------------------ fake v2 tree */

static char fake[4096];
static char saved_hier[4096], saved_root[64];
static bool saved_v2;
static int saved_which;

static void
put(const char *dir, const char *file, const char *text)
{
    char path[8192];

    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "we");
    ck_assert_msg(f != NULL, "cannot create %s", path);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

static const char *
get(const char *dir, const char *file)
{
    char path[8192], buf[1024];
    size_t n;

    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "re");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return butte_pool_strdup(pool, buf);
}

/* The files the kernel would make in a new cgroup2 directory. */
static const char *
fake_cgroup(const char *name)
{
    const char *d = butte_pool_printf(pool, "%s/r/%s", fake, name);
    static const char *const files[] = { "cpu.weight", "cpu.max", "memory.max", "memory.low",
                                         "memory.swap.max", "cgroup.procs", "cgroup.threads",
                                         NULL };

    ck_assert_int_eq(mkdir(d, 0755), 0);
    for (size_t i = 0; files[i] != NULL; i++)
        put(d, files[i], "");
    put(d, "memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n");
    return d;
}

/* Empty a fake cgroup of its files, as the kernel would allow rmdir. */
static void
unfake(const char *d)
{
    char cmd[8192];

    snprintf(cmd, sizeof cmd, "find '%s' -maxdepth 1 -type f -delete", d);
    ck_assert_int_eq(system(cmd), 0);
}

static void
fake_setup(void)
{
    butte_err_t err;

    snprintf(fake, sizeof fake, "%s/butte-cgv2.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR")
                                                                           : "/tmp");
    ck_assert(mkdtemp(fake) != NULL);
    put(fake, "cgroup.controllers", "cpuset cpu io memory pids\n");
    put(fake, "cgroup.subtree_control", "");
    char r[4200];
    snprintf(r, sizeof r, "%s/r", fake);
    ck_assert_int_eq(mkdir(r, 0755), 0);
    put(r, "cgroup.subtree_control", "");
    put(r, "memory.swap.max", "max\n");
    snprintf(saved_hier, sizeof saved_hier, "%s", hier);
    snprintf(saved_root, sizeof saved_root, "%s", root);
    saved_v2 = v2;
    saved_which = which;
    /* cpu and mem only: their subtree_control writes are checked below
     * (a plain file, not truncated as cgroupfs would take each write) */
    which = WITH_CPU | WITH_MEM;
    snprintf(hier, sizeof hier, "%s", fake);
    snprintf(root, sizeof root, "r");
    v2 = true;
    ck_assert_msg(open_with(&err, "cgroups_assume_version", "2", "cgroups_enable_cfs", "true",
                            "cgroups_limit_swap", "true", "cgroups_destroy_timeout", "1",
                            (const char *)NULL),
                  "%s", err.msg);
}

static void
fake_teardown(void)
{
    close_all();
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fake);
    ck_assert_int_eq(system(cmd), 0);
    /* (the fixture runs in the test's child unless CK_FORK=no) */
    snprintf(hier, sizeof hier, "%s", saved_hier);
    snprintf(root, sizeof root, "%s", saved_root);
    v2 = saved_v2;
    which = saved_which;
}
START_TEST(v2_limits_usage_cleanup)
{
    butte_err_t err;
    butte_container_config_t cfg = { .size = sizeof cfg, .container_id = "c1",
                                     .directory = "/tmp" };
    butte_launch_info_t out = { .size = sizeof out };
    const char *d = fake_cgroup("c1");

    /* the root enables the controllers for its children */
    ck_assert_str_eq(get(fake, "cgroup.subtree_control"), "+memory");
    ck_assert_str_eq(get(butte_pool_printf(pool, "%s/r", fake), "cgroup.subtree_control"),
                     "+memory");
    cfg.resources = butte_resources_parse(pool, "cpus:0.5;mem:64", &err);
    cfg.limits = butte_resources_parse(pool, "cpus:1;mem:128", &err);
    ck_assert_msg(cpu->prepare(cpu_s, &cfg, pool, &out, &err) == 0, "%s", err.msg);
    ck_assert_msg(mem->prepare(mem_s, &cfg, pool, &out, &err) == 0, "%s", err.msg);
    ck_assert_str_eq(get(d, "cpu.weight"), "20"); /* 1 + (512 - 2) * 9999 / 262142 */
    ck_assert_str_eq(get(d, "cpu.max"), "100000 100000");
    ck_assert_str_eq(get(d, "memory.max"), "134217728");
    ck_assert_str_eq(get(d, "memory.low"), "67108864");
    ck_assert_str_eq(get(d, "memory.swap.max"), "0");
    ck_assert_msg(cpu->isolate(cpu_s, "c1", 4242, &err) == 0, "%s", err.msg);
    ck_assert_str_eq(get(d, "cgroup.procs"), "4242");

    put(d, "cgroup.procs", "4242\n4243\n");
    put(d, "cgroup.threads", "4242\n4243\n4244\n");
    put(d, "cpu.stat", "usage_usec 3000000\nuser_usec 2000000\nsystem_usec 1000000\n"
                       "nr_periods 10\nnr_throttled 4\nthrottled_usec 500000\n");
    put(d, "memory.current", "10485760\n");
    put(d, "memory.stat", "anon 6291456\nfile 2097152\nkernel 0\n");
    put(d, "memory.swap.current", "4096\n");
    butte_container_stats_t st = { .size = sizeof st };
    ck_assert_msg(cpu->usage(cpu_s, "c1", &st, &err) == 0, "%s", err.msg);
    ck_assert_msg(mem->usage(mem_s, "c1", &st, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(st.processes, 2);
    ck_assert_uint_eq(st.threads, 3);
    ck_assert(st.cpus_user_time_secs == 2.0 && st.cpus_system_time_secs == 1.0);
    ck_assert(st.set & BUTTE_STAT_CPUS_THROTTLED);
    ck_assert_uint_eq(st.cpus_nr_periods, 10);
    ck_assert_uint_eq(st.cpus_nr_throttled, 4);
    ck_assert(st.cpus_throttled_time_secs == 0.5);
    ck_assert(st.cpus_limit == 1.0);
    ck_assert_uint_eq(st.mem_total_bytes, 10485760);
    ck_assert_uint_eq(st.mem_rss_bytes, 6291456);
    ck_assert_uint_eq(st.mem_cache_bytes, 2097152);
    ck_assert_uint_eq(st.mem_swap_bytes, 4096);
    ck_assert_uint_eq(st.mem_limit_bytes, 134217728);

    /* update: no limits any more, so the request is the hard limit too */
    butte_resources_t *req = butte_resources_parse(pool, "cpus:2;mem:256", &err);
    put(d, "cpu.max", "");
    put(d, "memory.max", "");
    ck_assert_msg(cpu->update(cpu_s, "c1", req, NULL, &err) == 0, "%s", err.msg);
    ck_assert_msg(mem->update(mem_s, "c1", req, NULL, &err) == 0, "%s", err.msg);
    ck_assert_str_eq(get(d, "cpu.max"), "200000 100000");
    ck_assert_str_eq(get(d, "memory.max"), "268435456");

    /* a cgroup the kernel would not let go stays, and cleanup says so */
    ck_assert_int_ne(mem->cleanup(mem_s, "c1", &err), 0);
    ck_assert_msg(strstr(err.msg, "c1") != NULL, "%s", err.msg);
    unfake(d);
    ck_assert_msg(cpu->cleanup(cpu_s, "c1", &err) == 0, "%s", err.msg);
    ck_assert_msg(mem->cleanup(mem_s, "c1", &err) == 0, "%s", err.msg);
    ck_assert(!exists(d));
}
END_TEST

/* Run the loop until a report or secs passed. */
static void
run_for(double secs)
{
    butte_timer_t *t = butte_timer_start(loop, secs, false, on_deadline, NULL);
    butte_loop_run(loop);
    butte_timer_stop(t);
}

START_TEST(v2_oom_watch_and_check)
{
    butte_err_t err;
    butte_container_config_t cfg = { .size = sizeof cfg, .container_id = "c2",
                                     .directory = "/tmp" };
    butte_launch_info_t out = { .size = sizeof out };
    const char *d = fake_cgroup("c2");

    cfg.resources = butte_resources_parse(pool, "mem:64", &err);
    put(d, "memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n"); /* before watch */
    ck_assert_msg(mem->prepare(mem_s, &cfg, pool, &out, &err) == 0, "%s", err.msg);
    ck_assert_msg(mem->watch(mem_s, "c2", on_limit, NULL, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(mem->watch(mem_s, "c2", on_limit, NULL, &err), BUTTE_ECONFLICT);
    /* memory events that are no OOM kill: no report */
    put(d, "memory.events", "low 0\nhigh 7\nmax 9\noom 1\noom_kill 1\n");
    ck_assert_msg(mem->check(mem_s, "c2", &err) == 0, "%s", err.msg);
    run_for(0.3);
    ck_assert_int_eq(reported, 0);
    /* a kill: the inotify watch reports it, once */
    put(d, "memory.peak", "67108864\n");
    put(d, "memory.stat", "anon 67000000\n");
    put(d, "memory.events", "low 0\nhigh 7\nmax 12\noom 2\noom_kill 2\n");
    run_for(20);
    ck_assert_int_eq(reported, 1);
    ck_assert_str_eq(seen_id, "c2");
    ck_assert_int_eq(seen.reason, 8);
    ck_assert_msg(strcmp(seen_msg, "Memory limit exceeded: Requested: 64MB Maximum Used: 64MB\n\n"
                                   "MEMORY STATISTICS: \nanon 67000000\n") == 0,
                  "%s", seen_msg);
    put(d, "memory.events", "low 0\nhigh 7\nmax 12\noom 3\noom_kill 3\n");
    ck_assert_msg(mem->check(mem_s, "c2", &err) == 0, "%s", err.msg);
    run_for(0.3);
    ck_assert_int_eq(reported, 1);
    unfake(d);
    ck_assert_msg(mem->cleanup(mem_s, "c2", &err) == 0, "%s", err.msg);

    /* check() sees a kill before the watch fd is read: one report */
    reported = 0;
    d = fake_cgroup("c3");
    cfg.container_id = "c3";
    ck_assert_msg(mem->prepare(mem_s, &cfg, pool, &out, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(mem->check(mem_s, "c3", &err), 0); /* not watched yet: nothing */
    ck_assert_msg(mem->watch(mem_s, "c3", on_limit, NULL, &err) == 0, "%s", err.msg);
    put(d, "memory.events", "oom 1\noom_kill 1\n");
    ck_assert_msg(mem->check(mem_s, "c3", &err) == 0, "%s", err.msg);
    ck_assert_int_eq(reported, 1);
    run_for(0.3);
    ck_assert_int_eq(reported, 1);
    ck_assert_int_eq(mem->check(mem_s, "nope", &err), BUTTE_ENOTFOUND);
    unfake(d);
    ck_assert_msg(mem->cleanup(mem_s, "c3", &err) == 0, "%s", err.msg);
}
END_TEST

START_TEST(v2_controllers_params_and_orphans)
{
    butte_err_t err;
    const char *r = butte_pool_printf(pool, "%s/r", fake);

    /* recover: the orphan (with a child cgroup) goes, the survivor stays */
    ck_assert_int_eq(mkdir(butte_pool_printf(pool, "%s/old", r), 0755), 0);
    ck_assert_int_eq(mkdir(butte_pool_printf(pool, "%s/old/leaf", r), 0755), 0);
    ck_assert_int_eq(mkdir(butte_pool_printf(pool, "%s/alive", r), 0755), 0);
    butte_container_state_t st = { .size = sizeof st, .container_id = "alive", .pid = 1 };
    ck_assert_msg(cpu->recover(cpu_s, &st, 1, NULL, 0, &err) == 0, "%s", err.msg);
    ck_assert(!exists(butte_pool_printf(pool, "%s/old", r)));
    ck_assert(exists(butte_pool_printf(pool, "%s/alive", r)));
    ck_assert_msg(cpu->cleanup(cpu_s, "alive", &err) == 0, "%s", err.msg);
    ck_assert(!exists(butte_pool_printf(pool, "%s/alive", r)));
    close_all();

    /* no memory controller: cgroups/mem refuses to start and says why */
    put(fake, "cgroup.controllers", "cpu io pids\n");
    ck_assert(!open_with(&err, "cgroups_assume_version", "2", (const char *)NULL));
    ck_assert_msg(strstr(err.msg, "cgroups/mem") && strstr(err.msg, "no memory controller"),
                  "%s", err.msg);
    close_all();
    put(fake, "cgroup.controllers", "cpu memory\n");
    ck_assert(!open_with(&err, "cgroups_assume_version", "3", (const char *)NULL));
    ck_assert_msg(strstr(err.msg, "cgroups_assume_version"), "%s", err.msg);
    close_all();
    ck_assert(!open_with(&err, "cgroups_assume_version", "2", "cgroups_destroy_timeout", "soon",
                         (const char *)NULL));
    ck_assert_msg(strstr(err.msg, "cgroups_destroy_timeout"), "%s", err.msg);
    close_all();
    /* limit_swap where the kernel has no swap accounting */
    char swap[4200];
    snprintf(swap, sizeof swap, "%s/r/memory.swap.max", fake);
    ck_assert_int_eq(remove(swap), 0);
    ck_assert(!open_with(&err, "cgroups_assume_version", "2", "cgroups_limit_swap", "true",
                         (const char *)NULL));
    ck_assert_msg(strstr(err.msg, "memory.swap.max"), "%s", err.msg);
}
END_TEST

START_TEST(v2_pids_accounting_and_controller)
{
    butte_err_t err;
    butte_container_config_t cfg = { .size = sizeof cfg, .container_id = "c4",
                                     .directory = "/tmp" };
    butte_launch_info_t out = { .size = sizeof out };
    char r[4200]; /* (not from the pool: close_all() frees it) */

    snprintf(r, sizeof r, "%s/r", fake);
    close_all();
    which = WITH_PIDS;
    put(fake, "cgroup.subtree_control", "");
    put(r, "cgroup.subtree_control", "");
    ck_assert_msg(open_with(&err, "cgroups_assume_version", "2", "cgroups_destroy_timeout", "1",
                            (const char *)NULL),
                  "%s", err.msg);
    ck_assert(cpu == NULL && mem == NULL && pids != NULL);
    /* the root and <root> enable pids for their children */
    ck_assert_str_eq(get(fake, "cgroup.subtree_control"), "+pids");
    ck_assert_str_eq(get(r, "cgroup.subtree_control"), "+pids");

    const char *d = fake_cgroup("c4");
    put(d, "pids.max", "max\n");
    cfg.resources = butte_resources_parse(pool, "cpus:1;mem:64", &err);
    ck_assert_msg(pids->prepare(pids_s, &cfg, pool, &out, &err) == 0, "%s", err.msg);
    ck_assert_str_eq(get(d, "pids.max"), "max\n"); /* no limit */
    ck_assert_msg(pids->isolate(pids_s, "c4", 4242, &err) == 0, "%s", err.msg);
    ck_assert_str_eq(get(d, "cgroup.procs"), "4242");
    /* three processes, five tasks: threads is the kernel's pids.current */
    put(d, "cgroup.procs", "4242\n4243\n4244\n");
    put(d, "pids.current", "5\n");
    butte_container_stats_t st = { .size = sizeof st };
    ck_assert_msg(pids->usage(pids_s, "c4", &st, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(st.processes, 3);
    ck_assert_uint_eq(st.threads, 5);
    ck_assert_uint_eq(st.set, BUTTE_STAT_PROCESSES | BUTTE_STAT_THREADS);
    /* without pids.current: cgroup.threads */
    unfake(d);
    put(d, "cgroup.procs", "4242\n");
    put(d, "cgroup.threads", "4242\n4250\n");
    st = (butte_container_stats_t){ .size = sizeof st };
    ck_assert_msg(pids->usage(pids_s, "c4", &st, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(st.processes, 1);
    ck_assert_uint_eq(st.threads, 2);
    ck_assert_msg(pids->update(pids_s, "c4", cfg.resources, NULL, &err) == 0, "%s", err.msg);
    unfake(d);
    ck_assert_msg(pids->cleanup(pids_s, "c4", &err) == 0, "%s", err.msg);
    ck_assert(!exists(d));

    /* recover: an orphan under the root goes */
    ck_assert_int_eq(mkdir(butte_pool_printf(pool, "%s/old", r), 0755), 0);
    ck_assert_msg(pids->recover(pids_s, NULL, 0, NULL, 0, &err) == 0, "%s", err.msg);
    ck_assert(!exists(butte_pool_printf(pool, "%s/old", r)));
    close_all();

    /* no pids controller: cgroups/pids refuses to start and says why */
    put(fake, "cgroup.controllers", "cpuset cpu io memory\n");
    ck_assert(!open_with(&err, "cgroups_assume_version", "2", (const char *)NULL));
    ck_assert_msg(strstr(err.msg, "cgroups/pids") && strstr(err.msg, "no pids controller"),
                  "%s", err.msg);
}
END_TEST

static Suite *
suite(bool real)
{
    Suite *s = suite_create("isolator_cgroups");
    TCase *tc = tcase_create("cgroups");
    TCase *fk = tcase_create("fake_v2");

    if (real) {
        tcase_add_checked_fixture(tc, setup, close_all);
        tcase_set_timeout(tc, 90);
        tcase_add_test(tc, limits_usage_update_cleanup);
        tcase_add_test(tc, oom_kill_reported_through_watch);
        tcase_add_test(tc, minimums_errors_and_leftovers);
        tcase_add_test(tc, cfs_quota_and_swap_limit);
        tcase_add_test(tc, oom_seen_first_by_check);
        tcase_add_test(tc, recover_destroys_orphans);
        if (which & WITH_PIDS)
            tcase_add_test(tc, pids_accounting);
        suite_add_tcase(s, tc);
    }
    tcase_add_checked_fixture(fk, fake_setup, fake_teardown);
    tcase_set_timeout(fk, 60);
    tcase_add_test(fk, v2_limits_usage_cleanup);
    tcase_add_test(fk, v2_oom_watch_and_check);
    tcase_add_test(fk, v2_controllers_params_and_orphans);
    tcase_add_test(fk, v2_pids_accounting_and_controller);
    suite_add_tcase(s, fk);
    return s;
}

int
main(void)
{
    butte_err_t err;
    bool real = true;

    snprintf(root, sizeof root, "butte_unit_%d", (int)getpid());
    /* Skip the real-cgroup tests, with the isolators' own reason, where
     * cgroups cannot be made. */
    if (!open_all(&err) && strstr(err.msg, "cgroups/pids") != NULL) {
        /* No pids hierarchy: the cpu and mem tests still run. */
        printf("SKIP (real cgroups/pids): %s\n", err.msg);
        close_all();
        which = WITH_CPU | WITH_MEM;
        if (open_all(&err))
            err.msg[0] = '\0';
    }
    if (mods == NULL || cpu == NULL || mem == NULL || ((which & WITH_PIDS) && pids == NULL)) {
        /* Only the isolators' own refusal is a skip; a missing library
         * or module dir is a failure. */
        if (strstr(err.msg, "cgroups/") == NULL) {
            printf("FAIL: %s\n", err.msg);
            close_all();
            return EXIT_FAILURE;
        }
        printf("SKIP (real cgroups): cgroups isolators unavailable here: %s\n", err.msg);
        real = false;
    }
    close_all();
    v2 = exists("/sys/fs/cgroup/cgroup.controllers");
    if (real && system("python3 -c pass") != 0) {
        printf("SKIP (real cgroups): python3 is needed\n");
        real = false;
    }
    SRunner *sr = srunner_create(suite(real));
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    /* This run's root cgroups (empty once every test cleaned up). */
    const char *subs[] = { "cpu", "cpuacct", "memory", "pids" };
    for (size_t i = 0; real && i < (v2 ? 1 : which & WITH_PIDS ? 4 : 3); i++) {
        char path[4200];
        if (v2)
            snprintf(path, sizeof path, "%s/%s", hier, root);
        else
            snprintf(path, sizeof path, "%s/%s/%s", hier, subs[i], root);
        if (rmdir(path) != 0)
            printf("cannot remove %s: %s\n", path, strerror(errno));
    }
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
