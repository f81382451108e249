/*
 * tests/unit/loop.c - timers, deferred calls, posts from threads, signals,
 * fd and child watches.
 */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/loop-internal.h"

struct counts {
    butte_loop_t *loop;
    int ticks, deferred, posted;
    butte_timer_t *repeat;
};

static void
tick(void *arg)
{
    struct counts *c = arg;

    if (++c->ticks == 3)
        butte_loop_stop(c->loop);
}

START_TEST(repeating_timer_fires_until_stopped)
{
    struct counts c = { 0 };

    c.loop = butte_loop_create(NULL);
    ck_assert_ptr_nonnull(c.loop);
    c.repeat = butte_timer_start(c.loop, 0.001, true, tick, &c);
    ck_assert_int_eq(butte_loop_run(c.loop), 0);
    ck_assert_int_eq(c.ticks, 3);
    butte_timer_stop(c.repeat);
    butte_loop_destroy(c.loop);
}
END_TEST

static void
deferred(void *arg)
{
    struct counts *c = arg;

    c->deferred++;
    butte_loop_stop(c->loop);
}

START_TEST(defer_runs_after_current_callback)
{
    struct counts c = { 0 };

    c.loop = butte_loop_create(NULL);
    butte_loop_defer(c.loop, deferred, &c);
    ck_assert_int_eq(c.deferred, 0);
    butte_loop_run(c.loop);
    ck_assert_int_eq(c.deferred, 1);
    butte_loop_destroy(c.loop);
}
END_TEST

struct starve {
    butte_loop_t *loop;
    int rounds;
    bool timer_fired;
};

static void
redefer(void *arg)
{
    struct starve *st = arg;

    st->rounds++;
    if (!st->timer_fired)
        butte_loop_defer(st->loop, redefer, st);
}

static void
timer_stops(void *arg)
{
    struct starve *st = arg;

    st->timer_fired = true;
    butte_loop_stop(st->loop);
}

/* A callback that keeps deferring itself (an allocation pass whose offers
 * are declined at once) must not starve timers and I/O. */
START_TEST(self_deferring_callback_does_not_starve_timers)
{
    struct starve st = { 0 };
    butte_timer_t *t;

    st.loop = butte_loop_create(NULL);
    butte_loop_defer(st.loop, redefer, &st);
    t = butte_timer_start(st.loop, 0.01, false, timer_stops, &st);
    butte_loop_run(st.loop); /* the tcase timeout is the deadline */
    ck_assert(st.timer_fired);
    ck_assert_int_gt(st.rounds, 1);
    butte_timer_stop(t);
    butte_loop_destroy(st.loop);
}
END_TEST

static void
posted(void *arg)
{
    struct counts *c = arg;

    if (++c->posted == 1000)
        butte_loop_stop(c->loop);
}

static void *
poster(void *arg)
{
    struct counts *c = arg;

    for (int i = 0; i < 500; i++)
        butte_loop_post(c->loop, posted, c);
    return NULL;
}

START_TEST(posts_from_threads_all_arrive)
{
    struct counts c = { 0 };
    pthread_t t1, t2;

    c.loop = butte_loop_create(NULL);
    pthread_create(&t1, NULL, poster, &c);
    pthread_create(&t2, NULL, poster, &c);
    butte_loop_run(c.loop);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    ck_assert_int_eq(c.posted, 1000);
    butte_loop_destroy(c.loop);
}
END_TEST

static void
raise_term(void *arg)
{
    raise(SIGTERM);
}

START_TEST(sigterm_stops_the_loop)
{
    butte_loop_t *loop = butte_loop_create(NULL);
    butte_timer_t *t = butte_timer_start(loop, 0, false, raise_term, NULL);

    ck_assert_int_eq(butte_loop_run(loop), SIGTERM);
    butte_timer_stop(t);
    butte_loop_destroy(loop);
}
END_TEST

struct watched {
    butte_loop_t *loop;
    int fd[2];
    butte_watch_t *w;
    int reads;
    pid_t pids[2];
    int statuses[2];
    int exits;
    butte_timer_t *guard;
};

static void
readable(void *arg)
{
    struct watched *w = arg;
    char b;

    if (read(w->fd[0], &b, 1) == 1 && ++w->reads == 2) {
        butte_watch_stop(w->w); /* from inside its own callback */
        w->w = NULL;
        butte_loop_stop(w->loop);
    }
}

static void
give_up(void *arg)
{
    butte_loop_stop(((struct watched *)arg)->loop);
}

START_TEST(fd_watch_fires_per_readable_byte)
{
    struct watched w = { 0 };

    w.loop = butte_loop_create(NULL);
    ck_assert_int_eq(pipe(w.fd), 0);
    w.w = butte_watch_fd(w.loop, w.fd[0], readable, &w);
    ck_assert_int_eq(write(w.fd[1], "ab", 2), 2);
    w.guard = butte_timer_start(w.loop, 10, false, give_up, &w);
    butte_loop_run(w.loop);
    ck_assert_int_eq(w.reads, 2);
    ck_assert_ptr_null(w.w);
    butte_timer_stop(w.guard);
    close(w.fd[0]);
    close(w.fd[1]);
    butte_loop_destroy(w.loop);
}
END_TEST

static void
child_ended(void *arg, pid_t pid, int status)
{
    struct watched *w = arg;

    for (int i = 0; i < 2; i++)
        if (w->pids[i] == pid)
            w->statuses[i] = status;
    if (++w->exits == 2)
        butte_loop_stop(w->loop);
}

START_TEST(child_watch_reaps_only_its_pid)
{
    struct watched w = { 0 };
    butte_err_t err = { 0 };
    pid_t other;
    int st;

    w.loop = butte_loop_create(NULL);
    w.pids[0] = fork();
    if (w.pids[0] == 0)
        _exit(7);
    w.pids[1] = fork();
    if (w.pids[1] == 0) {
        pause();
        _exit(0);
    }
    other = fork(); /* not watched: must stay for us to reap */
    if (other == 0)
        _exit(3);
    ck_assert_ptr_nonnull(butte_watch_child(w.loop, w.pids[0], child_ended, &w, &err));
    ck_assert_ptr_nonnull(butte_watch_child(w.loop, w.pids[1], child_ended, &w, &err));
    kill(w.pids[1], SIGKILL);
    w.guard = butte_timer_start(w.loop, 10, false, give_up, &w);
    butte_loop_run(w.loop);
    ck_assert_int_eq(w.exits, 2);
    ck_assert(WIFEXITED(w.statuses[0]) && WEXITSTATUS(w.statuses[0]) == 7);
    ck_assert(WIFSIGNALED(w.statuses[1]) && WTERMSIG(w.statuses[1]) == SIGKILL);
    ck_assert_int_eq(waitpid(other, &st, 0), other);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 3);
    /* a reaped pid is no child any more: it cannot be watched */
    ck_assert_ptr_null(butte_watch_child(w.loop, w.pids[0], child_ended, &w, &err));
    ck_assert_int_eq(err.code, BUTTE_ENOTFOUND);
    butte_timer_stop(w.guard);
    butte_loop_destroy(w.loop);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("loop");
    TCase *tc = tcase_create("loop");
    SRunner *sr;
    int failed;

    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, repeating_timer_fires_until_stopped);
    tcase_add_test(tc, defer_runs_after_current_callback);
    tcase_add_test(tc, self_deferring_callback_does_not_starve_timers);
    tcase_add_test(tc, posts_from_threads_all_arrive);
    tcase_add_test(tc, sigterm_stops_the_loop);
    tcase_add_test(tc, fd_watch_fires_per_readable_byte);
    tcase_add_test(tc, child_watch_reaps_only_its_pid);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
