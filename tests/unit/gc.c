/*
 * tests/unit/gc.c - the sandbox garbage collector (kernel/agent/gc.c) on
 * a real loop and real folders: removal after a delay (a tree larger than
 * one removal step, so it takes several loop turns), unschedule and
 * reschedule, symlinks never followed, files and missing paths, a failing
 * removal, and the disk watcher's formula with the disk usage faked
 * through butte_gc_set_usage_for_test.
 *
 * Every wait runs the loop until a condition holds or a 10 s deadline
 * passes (the deadline only fails the test; no timing is asserted).
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/gc-internal.h"
#include "core/loop-internal.h"

#define MAX_DONE 16

static butte_pool_t *pool;
static butte_loop_t *loop;
static butte_gc_t *gc;
static char tmp[256];
static bool (*cond)(void);
static bool timed_out;

static struct {
    char path[512];
    int rc;
    char msg[512];
} done[MAX_DONE];
static int ndone;

static void
removed(void *arg, const char *path, int rc, const char *message)
{
    (void)arg;
    ck_assert_int_lt(ndone, MAX_DONE);
    snprintf(done[ndone].path, sizeof done[ndone].path, "%s", path);
    done[ndone].rc = rc;
    snprintf(done[ndone].msg, sizeof done[ndone].msg, "%s", message ? message : "");
    ndone++;
}

static void
check_cond(void *arg)
{
    (void)arg;
    if (cond())
        butte_loop_stop(loop);
}

static void
deadline(void *arg)
{
    (void)arg;
    timed_out = true;
    butte_loop_stop(loop);
}

static void
wait_for(bool (*c)(void), const char *what)
{
    cond = c;
    timed_out = false;
    if (c())
        return;
    butte_timer_t *poll = butte_timer_start(loop, 0.005, true, check_cond, NULL);
    butte_timer_t *dl = butte_timer_start(loop, 10, false, deadline, NULL);
    butte_loop_run(loop);
    butte_timer_stop(poll);
    butte_timer_stop(dl);
    ck_assert_msg(!timed_out, "timed out waiting for %s", what);
}

static int want_done;
static bool
enough_done(void)
{
    return ndone >= want_done;
}

static void
wait_done(int n)
{
    want_done = n;
    wait_for(enough_done, "removals");
}

static char *
at(const char *rel)
{
    return butte_pool_printf(pool, "%s/%s", tmp, rel);
}

static void
mkfile(const char *path, const char *data)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, data, strlen(data)), (ssize_t)strlen(data));
    close(fd);
}

static bool
exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* A sandbox-like tree: n files spread over nested folders, plus links. */
static void
make_tree(const char *root, int n)
{
    ck_assert_int_eq(mkdir(root, 0755), 0);
    for (int d = 0; d < 4; d++) {
        char *dir = butte_pool_printf(pool, "%s/d%d", root, d);
        ck_assert_int_eq(mkdir(dir, 0755), 0);
        char *deep = butte_pool_printf(pool, "%s/x/y/z", dir);
        char *x = butte_pool_printf(pool, "%s/x", dir), *y = butte_pool_printf(pool, "%s/x/y", dir);
        ck_assert_int_eq(mkdir(x, 0755), 0);
        ck_assert_int_eq(mkdir(y, 0755), 0);
        ck_assert_int_eq(mkdir(deep, 0755), 0);
        for (int i = 0; i < n / 4; i++)
            mkfile(butte_pool_printf(pool, "%s/f%d", (i % 2) ? dir : deep, i), "data");
    }
    mkfile(butte_pool_printf(pool, "%s/stdout", root), "hi\n");
}

static void
start_gc(double gc_delay, double headroom, double interval)
{
    butte_err_t err;
    butte_gc_options_t o = { .work_dir = tmp, .gc_delay = gc_delay,
                             .gc_disk_headroom = headroom, .disk_watch_interval = interval };
    gc = butte_gc_create(pool, loop, &o, &err);
    ck_assert_msg(gc != NULL, "%s", err.msg);
}

static void
setup(void)
{
    butte_err_t err;

    snprintf(tmp, sizeof tmp, "/tmp/butte-gc-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmp));
    pool = butte_pool_create(NULL);
    loop = butte_loop_create(&err);
    ck_assert_ptr_nonnull(loop);
    ndone = 0;
    memset(done, 0, sizeof done);
    gc = NULL;
}

static void
teardown(void)
{
    char cmd[600];

    butte_gc_destroy(gc);
    butte_pool_destroy(pool);
    butte_loop_destroy(loop);
    snprintf(cmd, sizeof cmd, "chmod -R u+w '%s'; rm -rf '%s'", tmp, tmp);
    ck_assert_int_eq(system(cmd), 0);
}

START_TEST(removes_a_tree_after_its_delay)
{
    /* 1000 files: several steps of at most 256 unlinks each */
    make_tree(at("run1"), 1000);
    make_tree(at("outside"), 4);
    ck_assert_int_eq(symlink(at("outside"), at("run1/link-dir")), 0);
    ck_assert_int_eq(symlink(at("outside/stdout"), at("run1/d0/link-file")), 0);

    start_gc(3600, 0.1, 0);
    ck_assert_int_eq(butte_gc_schedule(gc, at("run1"), 0.05, removed, NULL), 0);
    ck_assert_uint_eq(butte_gc_scheduled(gc), 1);
    wait_done(1);
    ck_assert_str_eq(done[0].path, at("run1"));
    ck_assert_msg(done[0].rc == 0, "%s", done[0].msg);
    ck_assert(!exists(at("run1")));
    /* links were removed, not followed */
    ck_assert(exists(at("outside/stdout")));
    ck_assert(exists(at("outside/d0/x/y/z")));
    ck_assert_uint_eq(butte_gc_scheduled(gc), 0);
    ck_assert_uint_eq(butte_gc_removing(gc), 0);
}
END_TEST

START_TEST(unschedule_and_reschedule)
{
    make_tree(at("keep"), 8);
    make_tree(at("later"), 8);
    make_tree(at("sync"), 8);
    start_gc(3600, 0.1, 0);

    ck_assert_int_eq(butte_gc_schedule(gc, at("keep"), 0.02, removed, NULL), 0);
    ck_assert_int_eq(butte_gc_unschedule(gc, at("keep")), 0);
    ck_assert_int_eq(butte_gc_unschedule(gc, at("keep")), BUTTE_ENOTFOUND);
    /* rescheduled far away: the new delay replaces the short one */
    ck_assert_int_eq(butte_gc_schedule(gc, at("later"), 0.01, removed, NULL), 0);
    ck_assert_int_eq(butte_gc_schedule(gc, at("later"), 3600, removed, NULL), 0);
    ck_assert_uint_eq(butte_gc_scheduled(gc), 1);
    /* a later removal proves the loop ran past the short delays */
    ck_assert_int_eq(butte_gc_schedule(gc, at("sync"), 0.1, removed, NULL), 0);
    wait_done(1);
    ck_assert_str_eq(done[0].path, at("sync"));
    ck_assert(exists(at("keep/stdout")));
    ck_assert(exists(at("later/stdout")));
    ck_assert_uint_eq(butte_gc_scheduled(gc), 1);
}
END_TEST

START_TEST(files_missing_paths_and_order)
{
    mkfile(at("lonely"), "x");
    ck_assert_int_eq(symlink(at("lonely"), at("dangling-ish")), 0);
    start_gc(3600, 0.1, 0);
    ck_assert_int_eq(butte_gc_schedule(gc, at("lonely"), 0.01, removed, NULL), 0);
    ck_assert_int_eq(butte_gc_schedule(gc, at("never-was"), 0.02, removed, NULL), 0);
    ck_assert_int_eq(butte_gc_schedule(gc, at("dangling-ish"), 0.03, NULL, NULL), 0);
    wait_done(2);
    ck_assert_str_eq(done[0].path, at("lonely"));
    ck_assert_int_eq(done[0].rc, 0);
    ck_assert_str_eq(done[1].path, at("never-was"));
    ck_assert_int_eq(done[1].rc, 0); /* already gone is removed */
    ck_assert(!exists(at("lonely")));
}
END_TEST

static bool
link_gone(void)
{
    return !exists(at("dangling-ish"));
}

START_TEST(a_removal_without_callback_still_happens)
{
    mkfile(at("target"), "x");
    ck_assert_int_eq(symlink(at("target"), at("dangling-ish")), 0);
    start_gc(3600, 0.1, 0);
    ck_assert_int_eq(butte_gc_schedule(gc, at("dangling-ish"), 0.01, NULL, NULL), 0);
    wait_for(link_gone, "the link to go");
    ck_assert(exists(at("target")));
}
END_TEST

START_TEST(a_failed_removal_says_why)
{
    make_tree(at("locked"), 4);
    if (geteuid() == 0) {
        /* Root may remove anything: become nobody (this test runs in its
         * own forked process; unforked, it cannot fail anything) and hand
         * it the tree. */
        const char *fork_mode = getenv("CK_FORK");
        if (fork_mode != NULL && strcmp(fork_mode, "no") == 0)
            return;
        char cmd[600];
        snprintf(cmd, sizeof cmd, "chown -R 65534:65534 '%s'", tmp);
        ck_assert_int_eq(system(cmd), 0);
        ck_assert_int_eq(setgid(65534), 0);
        ck_assert_int_eq(setuid(65534), 0);
    }
    ck_assert_int_eq(chmod(at("locked/d1"), 0500), 0);
    start_gc(3600, 0.1, 0);
    ck_assert_int_eq(butte_gc_schedule(gc, at("locked"), 0.01, removed, NULL), 0);
    wait_done(1);
    ck_assert_int_eq(done[0].rc, BUTTE_EIO);
    ck_assert_msg(strstr(done[0].msg, "Permission denied") != NULL, "%s", done[0].msg);
    /* what could not be removed stays; the collector goes on */
    ck_assert(exists(at("locked/d1")));
    make_tree(at("next"), 4);
    ck_assert_int_eq(butte_gc_schedule(gc, at("next"), 0.01, removed, NULL), 0);
    wait_done(2);
    ck_assert_int_eq(done[1].rc, 0);
}
END_TEST

static bool
pruned_old(void)
{
    return ndone >= 1 && butte_gc_removing(gc) == 0;
}

START_TEST(disk_pressure_prunes_early)
{
    butte_err_t err;

    make_tree(at("young"), 4);
    make_tree(at("old"), 4);
    /* gc_delay 1000 s, headroom 0.1; no periodic watcher: passes are run
     * by hand so each one's effect is seen alone */
    start_gc(1000, 0.1, 0);
    /* "young" was just scheduled with gc_delay; "old" has only 500 s left,
     * i.e. has waited 500 s already */
    ck_assert_int_eq(butte_gc_schedule(gc, at("young"), 1000, removed, NULL), 0);
    ck_assert_int_eq(butte_gc_schedule(gc, at("old"), 500, removed, NULL), 0);

    /* usage 0.3: max age 1000 x (1 - 0.1 - 0.3) = 600 s: nobody is that old */
    butte_gc_set_usage_for_test(gc, 0.3);
    ck_assert_double_eq_tol(butte_gc_check_disk(gc, &err), 600, 1e-6);
    ck_assert_uint_eq(butte_gc_scheduled(gc), 2);
    ck_assert_uint_eq(butte_gc_removing(gc), 0);

    /* usage 0.5: max age 400 s: "old" (500 s) goes, "young" stays */
    butte_gc_set_usage_for_test(gc, 0.5);
    ck_assert_double_eq_tol(butte_gc_check_disk(gc, &err), 400, 1e-6);
    wait_for(pruned_old, "the old sandbox to be pruned");
    ck_assert_str_eq(done[0].path, at("old"));
    ck_assert(!exists(at("old")));
    ck_assert(exists(at("young/stdout")));
    ck_assert_uint_eq(butte_gc_scheduled(gc), 1);

    /* usage above 1 - headroom: max age 0, everything goes */
    butte_gc_set_usage_for_test(gc, 0.95);
    ck_assert_double_eq_tol(butte_gc_check_disk(gc, &err), 0, 1e-9);
    wait_done(2);
    ck_assert(!exists(at("young")));

    /* back to the real disk: statvfs answers, a max age in [0, gc_delay] */
    butte_gc_set_usage_for_test(gc, -1);
    double age = butte_gc_check_disk(gc, &err);
    ck_assert(age >= 0 && age <= 1000);
}
END_TEST

static bool
watcher_pruned(void)
{
    return ndone >= 1;
}

START_TEST(the_watcher_runs_by_itself)
{
    make_tree(at("run"), 4);
    start_gc(1000, 0.1, 0.02);
    ck_assert_int_eq(butte_gc_schedule(gc, at("run"), 1000, removed, NULL), 0);
    butte_gc_set_usage_for_test(gc, 0.99);
    wait_for(watcher_pruned, "the disk watcher");
    ck_assert(!exists(at("run")));
}
END_TEST

START_TEST(bad_options_and_destroy_with_pending_work)
{
    butte_err_t err;
    butte_gc_options_t o = { .work_dir = tmp, .gc_delay = 0, .gc_disk_headroom = 0.1 };

    ck_assert_ptr_null(butte_gc_create(pool, loop, &o, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "--gc_delay"));
    o.gc_delay = 10;
    o.gc_disk_headroom = 1.5;
    ck_assert_ptr_null(butte_gc_create(pool, loop, &o, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "--gc_disk_headroom"));

    /* pending timers and a removal in progress die with the collector */
    make_tree(at("big"), 2000);
    start_gc(3600, 0.1, 1);
    ck_assert_int_eq(butte_gc_schedule(gc, at("far"), 3600, removed, NULL), 0);
    ck_assert_int_eq(butte_gc_schedule(gc, at("big"), 0, removed, NULL), 0);
    butte_gc_prune(gc, 0); /* due now: queued */
    ck_assert_uint_eq(butte_gc_removing(gc), 1);
    ck_assert_int_eq(butte_gc_schedule(gc, at("big"), 10, removed, NULL), BUTTE_ECONFLICT);
    ck_assert_int_eq(butte_gc_unschedule(gc, at("big")), BUTTE_ECONFLICT);
    butte_gc_destroy(gc);
    gc = NULL;
    ck_assert_int_eq(ndone, 0);
}
END_TEST

static Suite *
suite(void)
{
    Suite *s = suite_create("gc");
    TCase *tc = tcase_create("gc");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, removes_a_tree_after_its_delay);
    tcase_add_test(tc, unschedule_and_reschedule);
    tcase_add_test(tc, files_missing_paths_and_order);
    tcase_add_test(tc, a_removal_without_callback_still_happens);
    tcase_add_test(tc, a_failed_removal_says_why);
    tcase_add_test(tc, disk_pressure_prunes_early);
    tcase_add_test(tc, the_watcher_runs_by_itself);
    tcase_add_test(tc, bad_options_and_destroy_with_pending_work);
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
