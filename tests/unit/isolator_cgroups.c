/*
 * tests/unit/isolator_cgroups.c - the cgroups/cpu and cgroups/mem
 * isolators, loaded as the real libcgroups_isolators.so through the
 * loader (names from isolators/selection.h), on this machine's real
 * cgroups: a child put in its cgroups before it execs gets cpu.shares (v2
 * cpu.weight) and a memory limit, its cpu time and memory are reported,
 * update() changes the limits, cleanup() kills what is left and removes
 * the cgroups, and a python3 that allocates 200 MB under a 64 MB limit is
 * OOM-killed and reported through watch().
 *
 * When this machine cannot make cgroups (not root, no controller,
 * read-only cgroupfs) the isolators' create() fails and the test exits 77
 * (skipped) printing why.  Every wait polls a condition until a deadline;
 * no timing is asserted.
 */
#include "config.h"

#include <check.h>
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
static const butte_isolator_ops_t *cpu, *mem;
static void *cpu_s, *mem_s;
static bool v2;

static const butte_isolator_ops_t *
load(const char *name, void **state, butte_err_t *err)
{
    const butte_module_choice_t *c = butte_isolator_choice(name);

    if (c == NULL) {
        butte_err_set(err, BUTTE_ENOTFOUND, "no first-party isolator \"%s\"", name);
        return NULL;
    }
    if (butte_modules_add_library(mods, c->library, c->symbol, err) != 0)
        return NULL;
    butte_instance_t *inst = butte_modules_create(mods, c->symbol, BUTTE_KIND_ISOLATOR, err);
    if (inst == NULL)
        return NULL;
    *state = butte_instance_state(inst);
    return butte_instance_ops(inst);
}

/* Open the loader and create both isolators; false with err filled. */
static bool
open_all(butte_err_t *err)
{
    const char *dir = getenv("BUTTE_MODULE_DIR");

    if (dir == NULL) {
        butte_err_set(err, BUTTE_EINVAL, "BUTTE_MODULE_DIR is not set (run through make check)");
        return false;
    }
    pool = butte_pool_create(NULL);
    loop = butte_loop_create(err);
    if (loop == NULL)
        return false;
    mods = butte_modules_open(pool, loop, NULL, NULL, dir, err);
    return mods != NULL && (cpu = load("cgroups/cpu", &cpu_s, err)) != NULL &&
           (mem = load("cgroups/mem", &mem_s, err)) != NULL;
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

/* The cgroup dir of id for a v1 subsystem ("cpu", "memory"). */
static const char *
cgdir(const char *subsys, const char *id)
{
    return v2 ? butte_pool_printf(pool, "/sys/fs/cgroup/mesos/%s", id)
              : butte_pool_printf(pool, "/sys/fs/cgroup/%s/mesos/%s", subsys, id);
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

static bool
exists(const char *dir)
{
    struct stat st;
    return stat(dir, &st) == 0;
}

/*
 * Start a container as the launcher does: prepare both isolators, fork a
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
    ck_assert_int_eq(write(fds[1], "g", 1), 1);
    close(fds[1]);
    return pid;
}

static void
finish(const char *id, pid_t pid)
{
    butte_err_t err;

    /* cleanup() itself kills what is left; the reaping is ours. */
    ck_assert_msg(cpu->cleanup(cpu_s, id, &err) == 0, "%s", err.msg);
    ck_assert_msg(mem->cleanup(mem_s, id, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
    ck_assert_msg(!exists(cgdir("cpu", id)), "cpu cgroup of %s left behind", id);
    ck_assert_msg(!exists(cgdir("memory", id)), "memory cgroup of %s left behind", id);
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
        ck_assert_uint_eq(read_num(cgdir("cpu", id), "cpu.shares"), 2048);
        ck_assert_uint_eq(read_num(cgdir("memory", id), "memory.soft_limit_in_bytes"),
                          256ull << 20);
    }
    ck_assert_uint_eq(read_num(cgdir("memory", id), v2 ? "memory.max" : "memory.limit_in_bytes"),
                      512ull << 20);
    finish(id, pid);
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
    ck_assert_msg(cpu->cleanup(cpu_s, id, &err) == 0, "%s", err.msg);
    ck_assert_msg(mem->cleanup(mem_s, id, &err) == 0, "%s", err.msg);
    ck_assert(!exists(cgdir("memory", id)));
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

static Suite *
suite(void)
{
    Suite *s = suite_create("isolator_cgroups");
    TCase *tc = tcase_create("cgroups");

    tcase_add_checked_fixture(tc, setup, close_all);
    tcase_set_timeout(tc, 90);
    tcase_add_test(tc, limits_usage_update_cleanup);
    tcase_add_test(tc, oom_kill_reported_through_watch);
    tcase_add_test(tc, minimums_errors_and_leftovers);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    butte_err_t err;

    /* Skip, with the isolators' own reason, where cgroups cannot be made. */
    if (!open_all(&err)) {
        /* Only the isolators' own refusal is a skip; a missing library
         * or module dir is a failure. */
        if (strstr(err.msg, "cgroups/") == NULL) {
            printf("FAIL: %s\n", err.msg);
            close_all();
            return EXIT_FAILURE;
        }
        printf("SKIP: cgroups isolators unavailable here: %s\n", err.msg);
        close_all();
        return 77;
    }
    close_all();
    v2 = exists("/sys/fs/cgroup/cgroup.controllers");
    if (system("python3 -c pass") != 0) {
        printf("SKIP: python3 is needed\n");
        return 77;
    }
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
