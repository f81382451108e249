/*
 * tests/unit/docker_usage.c - statistics and updates of docker containers
 * (isolators/docker/docker-usage.h), without a docker engine:
 * - the cgroups of this very process are found from /proc/self/cgroup and
 *   the mounts, and read (processes, cpu times, memory);
 * - fake v1 and v2 cgroup trees (plain files in a temp dir) give the
 *   expected figures, an unlimited v1 memory limit is left out;
 * - a monitor with a fake docker program (a shell script that logs its
 *   arguments and prints this process's pid for inspect) reports the
 *   allocation at once and the cgroup figures once its asynchronous
 *   inspect answered, and turns updates into one `docker update` each
 *   (none when nothing changed).
 * Waits poll a condition on the loop until a deadline.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <butte/loop.h>

#include "core/loop-internal.h"
#include "isolators/docker/docker-usage.h"

static char tmp[64];

static void
put(const char *dir, const char *file, const char *text)
{
    char path[256];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", dir, file);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static void
setup(void)
{
    snprintf(tmp, sizeof tmp, "/tmp/butte-dku.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmp));
}

static void
teardown(void)
{
    char cmd[128];

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    ck_assert_int_eq(system(cmd), 0);
}

static butte_container_stats_t
empty_stats(void)
{
    butte_container_stats_t st;

    memset(&st, 0, sizeof st);
    st.size = sizeof st;
    return st;
}

START_TEST(own_cgroups)
{
    butte_pool_t *pool = butte_pool_create(NULL);
    butte_docker_cgroups_t cg;
    butte_container_stats_t st = empty_stats();
    butte_err_t err;
    struct stat sb;

    ck_assert_int_eq(butte_docker_cgroups_of(pool, getpid(), &cg, &err), 0);
    if (cg.v2) {
        ck_assert_int_eq(stat(cg.unified, &sb), 0);
    } else {
        ck_assert(cg.memory != NULL || cg.cpuacct != NULL);
        ck_assert_int_eq(stat(cg.memory ? cg.memory : cg.cpuacct, &sb), 0);
    }
    butte_docker_cgroups_stats(&cg, &st);
    ck_assert(st.set & BUTTE_STAT_PROCESSES);
    ck_assert_uint_ge(st.processes, 1);
    ck_assert(st.set & BUTTE_STAT_CPUS_USER);
    ck_assert(st.set & BUTTE_STAT_MEM_TOTAL);
    ck_assert_int_eq(butte_docker_cgroups_of(pool, 0x7ffffff0, &cg, &err), BUTTE_ENOTFOUND);
    butte_pool_destroy(pool);
}
END_TEST

START_TEST(fake_v2)
{
    butte_docker_cgroups_t cg = { .v2 = true, .unified = tmp };
    butte_container_stats_t st = empty_stats();

    put(tmp, "cgroup.procs", "1\n7\n");
    put(tmp, "cgroup.threads", "1\n7\n8\n");
    put(tmp, "cpu.stat", "usage_usec 3500000\nuser_usec 2500000\nsystem_usec 1000000\n"
                         "nr_periods 10\nnr_throttled 4\nthrottled_usec 250000\n");
    put(tmp, "memory.current", "1048576\n");
    put(tmp, "memory.stat", "anon 409600\nfile 8192\nkernel 4096\n");
    put(tmp, "memory.swap.current", "0\n");
    put(tmp, "memory.max", "134217728\n");
    butte_docker_cgroups_stats(&cg, &st);
    ck_assert_uint_eq(st.processes, 2);
    ck_assert_uint_eq(st.threads, 3);
    ck_assert_double_eq_tol(st.cpus_user_time_secs, 2.5, 1e-9);
    ck_assert_double_eq_tol(st.cpus_system_time_secs, 1.0, 1e-9);
    ck_assert_uint_eq(st.cpus_nr_periods, 10);
    ck_assert_uint_eq(st.cpus_nr_throttled, 4);
    ck_assert_double_eq_tol(st.cpus_throttled_time_secs, 0.25, 1e-9);
    ck_assert_uint_eq(st.mem_total_bytes, 1048576);
    ck_assert_uint_eq(st.mem_rss_bytes, 409600);
    ck_assert_uint_eq(st.mem_cache_bytes, 8192);
    ck_assert_uint_eq(st.mem_limit_bytes, 134217728);
    ck_assert(st.set & BUTTE_STAT_MEM_SWAP);

    /* "max": no limit */
    put(tmp, "memory.max", "max\n");
    st = empty_stats();
    butte_docker_cgroups_stats(&cg, &st);
    ck_assert(!(st.set & BUTTE_STAT_MEM_LIMIT));
}
END_TEST

START_TEST(fake_v1)
{
    butte_docker_cgroups_t cg = { .cpu = tmp, .cpuacct = tmp, .memory = tmp };
    butte_container_stats_t st = empty_stats();
    long hz = sysconf(_SC_CLK_TCK);
    char text[64];

    put(tmp, "cgroup.procs", "42\n");
    put(tmp, "tasks", "42\n43\n");
    snprintf(text, sizeof text, "user %ld\nsystem %ld\n", 3 * hz, hz / 2);
    put(tmp, "cpuacct.stat", text);
    put(tmp, "cpu.stat", "nr_periods 5\nnr_throttled 1\nthrottled_time 2000000000\n");
    put(tmp, "memory.usage_in_bytes", "2097152\n");
    /* the total_ keys (hierarchical) win over the local ones */
    put(tmp, "memory.stat", "cache 1\nrss 2\ntotal_cache 12288\ntotal_rss 65536\n"
                            "total_swap 0\n");
    put(tmp, "memory.limit_in_bytes", "67108864\n");
    butte_docker_cgroups_stats(&cg, &st);
    ck_assert_uint_eq(st.processes, 1);
    ck_assert_uint_eq(st.threads, 2);
    ck_assert_double_eq_tol(st.cpus_user_time_secs, 3.0, 1e-9);
    ck_assert_double_eq_tol(st.cpus_system_time_secs, (double)(hz / 2) / (double)hz, 1e-9);
    ck_assert_double_eq_tol(st.cpus_throttled_time_secs, 2.0, 1e-9);
    ck_assert_uint_eq(st.mem_total_bytes, 2097152);
    ck_assert_uint_eq(st.mem_rss_bytes, 65536);
    ck_assert_uint_eq(st.mem_cache_bytes, 12288);
    ck_assert_uint_eq(st.mem_limit_bytes, 67108864);

    /* no limit set: about 2^63 */
    put(tmp, "memory.limit_in_bytes", "9223372036854771712\n");
    st = empty_stats();
    butte_docker_cgroups_stats(&cg, &st);
    ck_assert(!(st.set & BUTTE_STAT_MEM_LIMIT));
}
END_TEST

/* ---- the monitor, with a fake docker ---- */

typedef struct probe {
    butte_loop_t *loop;
    butte_docker_mon_t *mon;
    const char *log;     /* what the fake docker logged */
    const char *want;    /* a line to wait for in it, or NULL */
    butte_container_stats_t st;
    int ticks;
    bool done;
} probe_t;

static bool
logged(const char *path, const char *line)
{
    char buf[4096];
    FILE *f = fopen(path, "r");
    bool found = false;

    if (f == NULL)
        return false;
    while (!found && fgets(buf, sizeof buf, f) != NULL) {
        buf[strcspn(buf, "\n")] = '\0';
        found = strcmp(buf, line) == 0;
    }
    fclose(f);
    return found;
}

static void
tick(void *arg)
{
    probe_t *p = arg;

    p->st = empty_stats();
    butte_docker_mon_usage(p->mon, &p->st);
    p->done = p->want ? logged(p->log, p->want) : (p->st.set & BUTTE_STAT_CPUS_USER) != 0;
    if (p->done || ++p->ticks > 300) /* 15 s */
        butte_loop_stop(p->loop);
}

static void
run_until(probe_t *p)
{
    butte_timer_t *t = butte_timer_start(p->loop, 0.05, true, tick, p);

    p->done = false;
    p->ticks = 0;
    butte_loop_run(p->loop);
    butte_timer_stop(t);
}

static int
count_lines(const char *path)
{
    char buf[4096];
    FILE *f = fopen(path, "r");
    int n = 0;

    if (f == NULL)
        return 0;
    while (fgets(buf, sizeof buf, f) != NULL)
        n++;
    fclose(f);
    return n;
}

START_TEST(monitor)
{
    butte_pool_t *pool = butte_pool_create(NULL);
    butte_err_t err;
    butte_loop_t *loop = butte_loop_create(&err);
    char script[128], log[128], text[512];
    butte_docker_t d = { script, NULL };
    butte_container_stats_t st = empty_stats();
    probe_t p;

    ck_assert_ptr_nonnull(loop);
    snprintf(script, sizeof script, "%s/docker", tmp);
    snprintf(log, sizeof log, "%s/docker.log", tmp);
    snprintf(text, sizeof text,
             "#!/bin/sh\necho \"$*\" >>'%s'\n"
             "case $1 in inspect) echo %d ;; update) exit 0 ;; esac\n", log, (int)getpid());
    put(tmp, "docker", text);
    ck_assert_int_eq(chmod(script, 0755), 0);

    butte_docker_mon_t *m = butte_docker_mon_create(pool, loop, butte_log_get("test"), &d,
                                                    "mesos-c1", 0.5, 20);
    /* at once: the allocation (memory at docker's minimum of 32 MB) */
    butte_docker_mon_usage(m, &st);
    ck_assert(st.set & BUTTE_STAT_CPUS_LIMIT);
    ck_assert_double_eq(st.cpus_limit, 0.5);
    ck_assert(st.set & BUTTE_STAT_MEM_LIMIT);
    ck_assert_uint_eq(st.mem_limit_bytes, 32u << 20);
    ck_assert(!(st.set & BUTTE_STAT_CPUS_USER));

    memset(&p, 0, sizeof p);
    p.loop = loop;
    p.mon = m;
    p.log = log;
    run_until(&p);
    ck_assert_msg(p.done, "the cgroup figures never came");
    ck_assert(logged(log, "inspect --type=container --format {{.State.Pid}} mesos-c1"));
    ck_assert_int_eq(count_lines(log), 1); /* found once, then cached */

    butte_docker_mon_update(m, 1.5, 128);
    p.want = "update --cpu-shares 1536 --memory 134217728 --memory-swap 268435456 mesos-c1";
    run_until(&p);
    ck_assert_msg(p.done, "no docker update");
    ck_assert_double_eq(p.st.cpus_limit, 1.5);
    /* the same values again: nothing to do; only mem changes: only mem */
    butte_docker_mon_update(m, 1.5, 128);
    butte_docker_mon_update(m, -1, 256);
    p.want = "update --cpu-shares 1536 --memory 268435456 --memory-swap 536870912 mesos-c1";
    run_until(&p);
    ck_assert_msg(p.done, "no second docker update");
    ck_assert_int_eq(count_lines(log), 3);

    butte_docker_mon_stop(m, true);
    butte_loop_destroy(loop);
    butte_pool_destroy(pool);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("docker_usage");
    TCase *tc = tcase_create("core");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, own_cgroups);
    tcase_add_test(tc, fake_v2);
    tcase_add_test(tc, fake_v1);
    tcase_add_test(tc, monitor);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
