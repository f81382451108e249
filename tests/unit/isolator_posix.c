/*
 * tests/unit/isolator_posix.c - the posix/cpu and posix/mem isolators,
 * loaded as the real libposix_isolators.so through the loader
 * (BUTTE_MODULE_DIR, names from isolators/selection.h), measuring real
 * child processes: a busy loop run by a grandchild (cpu time of a child's
 * child is counted), a python3 that holds 50 MB (resident memory), one
 * that was orphaned into the session (still counted), limits from
 * prepare() and update(), and the error paths.  Every wait polls a
 * condition until a 20 s deadline; no timing is asserted.
 */
#include "config.h"

#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <butte/isolator.h>

#include "core/loader-internal.h"
#include "core/loop-internal.h"
#include "isolators/selection.h"

static butte_pool_t *pool;
static butte_loop_t *loop;
static butte_modules_t *mods;
static const butte_isolator_ops_t *cpu, *mem;
static void *cpu_s, *mem_s;

static const butte_isolator_ops_t *
load(const char *name, void **state)
{
    const butte_module_choice_t *c = butte_isolator_choice(name);
    butte_err_t err;

    ck_assert_msg(c != NULL, "no first-party isolator \"%s\"", name);
    ck_assert_msg(butte_modules_add_library(mods, c->library, c->symbol, &err) == 0, "%s",
                  err.msg);
    butte_instance_t *inst = butte_modules_create(mods, c->symbol, BUTTE_KIND_ISOLATOR, &err);
    ck_assert_msg(inst != NULL, "%s", err.msg);
    *state = butte_instance_state(inst);
    return butte_instance_ops(inst);
}

static void
setup(void)
{
    const char *dir = getenv("BUTTE_MODULE_DIR");
    butte_err_t err;

    ck_assert_msg(dir != NULL, "BUTTE_MODULE_DIR is not set (run through make check)");
    pool = butte_pool_create(NULL);
    loop = butte_loop_create(&err);
    ck_assert_ptr_nonnull(loop);
    mods = butte_modules_open(pool, loop, NULL, NULL, dir, &err);
    ck_assert_msg(mods != NULL, "%s", err.msg);
    cpu = load("posix/cpu", &cpu_s);
    mem = load("posix/mem", &mem_s);
}

static void
teardown(void)
{
    butte_modules_close(mods);
    butte_pool_destroy(pool);
    butte_loop_destroy(loop);
}

/* A container's init: a session leader running script under sh, as the
 * launcher starts an executor. */
static pid_t
spawn(const char *script)
{
    pid_t pid = fork();

    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        setsid();
        execl("/bin/sh", "sh", "-c", script, (char *)NULL);
        _exit(127);
    }
    return pid;
}

static void
reap(pid_t pid)
{
    kill(-pid, SIGKILL); /* the whole session's process group */
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

/* prepare + isolate a container in both isolators. */
static void
start(const char *id, pid_t pid, const char *resources)
{
    butte_err_t err;
    butte_container_config_t cfg = { .size = sizeof cfg, .container_id = id,
                                     .directory = "/tmp" };
    butte_launch_info_t out = { .size = sizeof out };

    if (resources != NULL) {
        cfg.resources = butte_resources_parse(pool, resources, &err);
        ck_assert_msg(cfg.resources != NULL, "%s", err.msg);
    }
    ck_assert_msg(cpu->prepare(cpu_s, &cfg, pool, &out, &err) == 0, "%s", err.msg);
    ck_assert_msg(mem->prepare(mem_s, &cfg, pool, &out, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(out.n_env, 0); /* posix isolation adds nothing */
    ck_assert_msg(cpu->isolate(cpu_s, id, pid, &err) == 0, "%s", err.msg);
    ck_assert_msg(mem->isolate(mem_s, id, pid, &err) == 0, "%s", err.msg);
}

static butte_container_stats_t
usage(const char *id)
{
    butte_container_stats_t st = { .size = sizeof st };
    butte_err_t err;

    ck_assert_msg(cpu->usage(cpu_s, id, &st, &err) == 0, "%s", err.msg);
    ck_assert_msg(mem->usage(mem_s, id, &st, &err) == 0, "%s", err.msg);
    return st;
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

START_TEST(cpu_time_of_a_grandchild)
{
    /* The busy loop runs in sh's child; sh itself only waits. */
    pid_t pid = spawn("sh -c 'while :; do :; done' & wait");
    butte_container_stats_t st;
    double deadline = mono() + 20;

    start("c1", pid, "cpus:0.5;mem:64");
    do {
        st = usage("c1");
        if (st.cpus_user_time_secs + st.cpus_system_time_secs >= 0.3)
            break;
        pause_briefly();
    } while (mono() < deadline);
    ck_assert_uint_ne(st.set & BUTTE_STAT_CPUS_USER, 0);
    ck_assert_uint_ne(st.set & BUTTE_STAT_CPUS_SYSTEM, 0);
    ck_assert_msg(st.cpus_user_time_secs + st.cpus_system_time_secs >= 0.3,
                  "cpu time stayed at %.2f s", st.cpus_user_time_secs + st.cpus_system_time_secs);
    ck_assert_uint_ge(st.processes, 2);
    ck_assert_uint_ge(st.threads, 2);
    ck_assert_uint_ne(st.set & BUTTE_STAT_CPUS_LIMIT, 0);
    ck_assert_double_eq_tol(st.cpus_limit, 0.5, 1e-9);
    ck_assert_uint_ne(st.set & BUTTE_STAT_MEM_LIMIT, 0);
    ck_assert_uint_eq(st.mem_limit_bytes, 64ull << 20);

    /* user time only grows */
    double before = st.cpus_user_time_secs;
    deadline = mono() + 20;
    do {
        st = usage("c1");
        if (st.cpus_user_time_secs > before)
            break;
        pause_briefly();
    } while (mono() < deadline);
    ck_assert(st.cpus_user_time_secs > before);

    /* update replaces the limits (limits win over requests) */
    butte_err_t err;
    butte_resources_t *req = butte_resources_parse(pool, "cpus:1;mem:128", &err);
    butte_resources_t *lim = butte_resources_parse(pool, "cpus:2;mem:256", &err);
    ck_assert_int_eq(cpu->update(cpu_s, "c1", req, lim, &err), 0);
    ck_assert_int_eq(mem->update(mem_s, "c1", req, NULL, &err), 0);
    st = usage("c1");
    ck_assert_double_eq_tol(st.cpus_limit, 2.0, 1e-9);
    ck_assert_uint_eq(st.mem_limit_bytes, 128ull << 20);

    reap(pid);
    ck_assert_int_eq(cpu->cleanup(cpu_s, "c1", &err), 0);
    ck_assert_int_eq(mem->cleanup(mem_s, "c1", &err), 0);
    butte_container_stats_t gone = { .size = sizeof gone };
    ck_assert_int_eq(cpu->usage(cpu_s, "c1", &gone, &err), BUTTE_ENOTFOUND);
}
END_TEST

START_TEST(rss_of_a_child_and_an_orphan)
{
    /* python3 touches 50 MB (bytes * n writes every page) and sleeps; it
     * runs as sh's child.  A second one is orphaned by a subshell that
     * exits at once: reparented away from sh, it is still in the session. */
    const char *py = "python3 -c 'import time; x = b\"\\x01\" * (50 << 20); time.sleep(600)'";
    char *script = butte_pool_printf(pool, "%s & (%s &) ; wait", py, py);
    pid_t pid = spawn(script);
    butte_container_stats_t st;
    double deadline = mono() + 20;

    start("m1", pid, NULL);
    do {
        st = usage("m1");
        if (st.mem_rss_bytes >= 80ull << 20)
            break;
        pause_briefly();
    } while (mono() < deadline);
    ck_assert_uint_ne(st.set & BUTTE_STAT_MEM_RSS, 0);
    ck_assert_msg(st.mem_rss_bytes >= 80ull << 20, "rss %llu bytes, expected two x 50 MB",
                  (unsigned long long)st.mem_rss_bytes);
    /* no resources given: no limits claimed */
    ck_assert_uint_eq(st.set & (BUTTE_STAT_MEM_LIMIT | BUTTE_STAT_CPUS_LIMIT), 0);
    ck_assert_uint_ge(st.processes, 3);

    reap(pid);
    butte_err_t err;
    /* The init is reaped: usage says so instead of inventing numbers. */
    butte_container_stats_t after = { .size = sizeof after };
    ck_assert_int_eq(mem->usage(mem_s, "m1", &after, &err), BUTTE_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(err.msg, "is gone"));
    ck_assert_int_eq(cpu->cleanup(cpu_s, "m1", &err), 0);
    ck_assert_int_eq(mem->cleanup(mem_s, "m1", &err), 0);
}
END_TEST

START_TEST(errors_and_bookkeeping)
{
    butte_err_t err;
    butte_container_config_t cfg = { .size = sizeof cfg, .container_id = "e1" };
    butte_launch_info_t out = { .size = sizeof out };
    butte_container_stats_t st = { .size = sizeof st };

    /* isolate / update / usage of a container never prepared */
    ck_assert_int_eq(cpu->isolate(cpu_s, "nope", getpid(), &err), BUTTE_ENOTFOUND);
    ck_assert_int_eq(cpu->usage(cpu_s, "nope", &st, &err), BUTTE_ENOTFOUND);
    ck_assert_int_eq(mem->update(mem_s, "nope", NULL, NULL, &err), BUTTE_ENOTFOUND);
    /* cleanup tolerates anything */
    ck_assert_int_eq(cpu->cleanup(cpu_s, "nope", &err), 0);

    ck_assert_int_eq(cpu->prepare(cpu_s, &cfg, pool, &out, &err), 0);
    ck_assert_int_eq(cpu->prepare(cpu_s, &cfg, pool, &out, &err), BUTTE_ECONFLICT);
    /* prepared but not isolated yet */
    ck_assert_int_eq(cpu->usage(cpu_s, "e1", &st, &err), BUTTE_EAGAIN);
    ck_assert_int_eq(cpu->isolate(cpu_s, "e1", 0, &err), BUTTE_EINVAL);
    /* our own process is a fine tree to measure */
    ck_assert_int_eq(cpu->isolate(cpu_s, "e1", getpid(), &err), 0);
    ck_assert_int_eq(cpu->usage(cpu_s, "e1", &st, &err), 0);
    ck_assert_uint_ge(st.processes, 1);
    /* posix/cpu does not claim memory fields, nor posix/mem cpu ones */
    ck_assert_uint_eq(st.set & BUTTE_STAT_MEM_RSS, 0);
    ck_assert_int_eq(cpu->cleanup(cpu_s, "e1", &err), 0);
    /* an id can be prepared again once cleaned up */
    ck_assert_int_eq(cpu->prepare(cpu_s, &cfg, pool, &out, &err), 0);
    ck_assert_int_eq(cpu->cleanup(cpu_s, "e1", &err), 0);

    /* a caller built with a smaller stats struct gets nothing past it */
    butte_container_stats_t small = { .size = offsetof(butte_container_stats_t, threads) };
    ck_assert_int_eq(mem->prepare(mem_s, &cfg, pool, &out, &err), 0);
    ck_assert_int_eq(mem->isolate(mem_s, "e1", getpid(), &err), 0);
    ck_assert_int_eq(mem->usage(mem_s, "e1", &small, &err), 0);
    ck_assert_uint_eq(small.set, 0);
    ck_assert_int_eq(mem->cleanup(mem_s, "e1", &err), 0);

    ck_assert_ptr_null(butte_isolator_choice("cgroups/nope"));
}
END_TEST

START_TEST(recover_adopts_running_containers)
{
    butte_err_t err;
    pid_t pid = spawn("sleep 600");
    butte_container_state_t states[] = {
        { .size = sizeof states[0], .container_id = "r1", .pid = pid, .directory = "/tmp" },
    };
    const char *orphans[] = { "old" };

    ck_assert_msg(cpu->recover(cpu_s, states, 1, orphans, 1, &err) == 0, "%s", err.msg);
    butte_container_stats_t st = { .size = sizeof st };
    ck_assert_int_eq(cpu->usage(cpu_s, "r1", &st, &err), 0);
    ck_assert_uint_ge(st.processes, 1);
    reap(pid);
    ck_assert_int_eq(cpu->cleanup(cpu_s, "r1", &err), 0);
}
END_TEST

static Suite *
suite(void)
{
    Suite *s = suite_create("isolator_posix");
    TCase *tc = tcase_create("posix");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, cpu_time_of_a_grandchild);
    tcase_add_test(tc, rss_of_a_child_and_an_orphan);
    tcase_add_test(tc, errors_and_bookkeeping);
    tcase_add_test(tc, recover_adopts_running_containers);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
