/*
 * kernel/core/loop.c - the process's one libevent loop (loop-internal.h).
 *
 * Threads hand work back through one queue guarded by a mutex and woken
 * by an eventfd; everything else here runs on the loop thread only.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>

#include "core/loop-internal.h"

struct post {
    struct post *next;
    butte_loop_fn fn;
    void *arg;
};

struct butte_loop {
    struct event_base *base;
    struct event *sigterm, *sigint, *wake;
    int wake_fd;
    int stop_signal;
    pthread_mutex_t lock;
    struct post *head, *tail; /* posted from other threads, FIFO */
    struct defer *defers;     /* deferred calls not run yet */
};

struct butte_timer {
    struct event *ev;
    butte_loop_fn fn;
    void *arg;
};

struct defer {
    struct defer *next, *prev; /* the loop's pending list, freed by destroy */
    butte_loop_t *loop;
    butte_loop_fn fn;
    void *arg;
};

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
    butte_loop_t *loop = arg;

    loop->stop_signal = (int)sig;
    event_base_loopbreak(loop->base);
}

static void
drain_posts(evutil_socket_t fd, short what, void *arg)
{
    butte_loop_t *loop = arg;
    uint64_t n;
    struct post *list;

    /* The counter only wakes us; the queue is the truth. */
    if (read(loop->wake_fd, &n, sizeof n) < 0 && errno != EAGAIN)
        return;
    pthread_mutex_lock(&loop->lock);
    list = loop->head;
    loop->head = loop->tail = NULL;
    pthread_mutex_unlock(&loop->lock);
    while (list != NULL) {
        struct post *p = list;
        list = p->next;
        p->fn(p->arg);
        free(p);
    }
}

butte_loop_t *
butte_loop_create(butte_err_t *err)
{
    butte_loop_t *loop = calloc(1, sizeof *loop);

    if (loop == NULL)
        abort();
    pthread_mutex_init(&loop->lock, NULL);
    loop->wake_fd = -1;
    loop->base = event_base_new();
    if (loop->base == NULL) {
        butte_err_set(err, BUTTE_EIO, "could not create the event loop");
        goto fail;
    }
    loop->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (loop->wake_fd < 0) {
        butte_err_set(err, BUTTE_EIO, "could not create an eventfd: %s", strerror(errno));
        goto fail;
    }
    loop->wake = event_new(loop->base, loop->wake_fd, EV_READ | EV_PERSIST, drain_posts, loop);
    loop->sigterm = evsignal_new(loop->base, SIGTERM, on_signal, loop);
    loop->sigint = evsignal_new(loop->base, SIGINT, on_signal, loop);
    if (loop->wake == NULL || loop->sigterm == NULL || loop->sigint == NULL ||
        event_add(loop->wake, NULL) != 0 || event_add(loop->sigterm, NULL) != 0 ||
        event_add(loop->sigint, NULL) != 0) {
        butte_err_set(err, BUTTE_EIO, "could not register loop events");
        goto fail;
    }
    /* A peer closing a socket must not kill the process. */
    signal(SIGPIPE, SIG_IGN);
    return loop;
fail:
    butte_loop_destroy(loop);
    return NULL;
}

int
butte_loop_run(butte_loop_t *loop)
{
    loop->stop_signal = 0;
    event_base_dispatch(loop->base);
    return loop->stop_signal;
}

void
butte_loop_stop(butte_loop_t *loop)
{
    event_base_loopbreak(loop->base);
}

struct event_base *
butte_loop_base(butte_loop_t *loop)
{
    return loop->base;
}

void
butte_loop_destroy(butte_loop_t *loop)
{
    if (loop == NULL)
        return;
    if (loop->wake != NULL)
        event_free(loop->wake);
    if (loop->sigterm != NULL)
        event_free(loop->sigterm);
    if (loop->sigint != NULL)
        event_free(loop->sigint);
    if (loop->wake_fd >= 0)
        close(loop->wake_fd);
    while (loop->head != NULL) {
        struct post *p = loop->head;
        loop->head = p->next;
        free(p);
    }
    while (loop->defers != NULL) {
        struct defer *d = loop->defers;
        loop->defers = d->next;
        free(d);
    }
    if (loop->base != NULL)
        event_base_free(loop->base);
    pthread_mutex_destroy(&loop->lock);
    free(loop);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
    butte_timer_t *t = arg;

    t->fn(t->arg);
}

static struct timeval
to_timeval(double secs)
{
    struct timeval tv;

    if (secs < 0)
        secs = 0;
    tv.tv_sec = (time_t)secs;
    tv.tv_usec = (suseconds_t)((secs - (double)tv.tv_sec) * 1e6);
    return tv;
}

butte_timer_t *
butte_timer_start(butte_loop_t *loop, double secs, bool repeat, butte_loop_fn fn, void *arg)
{
    butte_timer_t *t = calloc(1, sizeof *t);
    struct timeval tv = to_timeval(secs);

    if (t == NULL)
        abort();
    t->fn = fn;
    t->arg = arg;
    t->ev = event_new(loop->base, -1, repeat ? EV_PERSIST : 0, on_timer, t);
    if (t->ev == NULL || event_add(t->ev, &tv) != 0)
        abort(); /* only fails when out of memory */
    return t;
}

void
butte_timer_stop(butte_timer_t *t)
{
    if (t == NULL)
        return;
    event_free(t->ev);
    free(t);
}

static void
run_defer(evutil_socket_t fd, short what, void *arg)
{
    struct defer *d = arg;
    butte_loop_fn fn = d->fn;
    void *fn_arg = d->arg;

    if (d->prev != NULL)
        d->prev->next = d->next;
    else
        d->loop->defers = d->next;
    if (d->next != NULL)
        d->next->prev = d->prev;
    free(d);
    fn(fn_arg);
}

void
butte_loop_defer(butte_loop_t *loop, butte_loop_fn fn, void *arg)
{
    struct defer *d = malloc(sizeof *d);
    /* Not zero: libevent activates a zero-timeout event_base_once at once,
     * in the same dispatch round, so a callback that defers again (an
     * allocation pass whose offers are declined on the spot) would starve
     * I/O and timers.  One microsecond goes through the timer heap and runs
     * after the next poll. */
    struct timeval next_round = { 0, 1 };

    if (d == NULL)
        abort();
    d->fn = fn;
    d->arg = arg;
    d->loop = loop;
    d->prev = NULL;
    d->next = loop->defers;
    if (loop->defers != NULL)
        loop->defers->prev = d;
    loop->defers = d;
    if (event_base_once(loop->base, -1, EV_TIMEOUT, run_defer, d, &next_round) != 0)
        abort();
}

void
butte_loop_post(butte_loop_t *loop, butte_loop_fn fn, void *arg)
{
    struct post *p = malloc(sizeof *p);
    uint64_t one = 1;

    if (p == NULL)
        abort();
    p->fn = fn;
    p->arg = arg;
    p->next = NULL;
    pthread_mutex_lock(&loop->lock);
    if (loop->tail != NULL)
        loop->tail->next = p;
    else
        loop->head = p;
    loop->tail = p;
    pthread_mutex_unlock(&loop->lock);
    /* EAGAIN means the counter is already non-zero: the loop will wake. */
    if (write(loop->wake_fd, &one, sizeof one) < 0 && errno != EAGAIN)
        butte_log(NULL, BUTTE_LOG_ERROR, "could not wake the loop: %s", strerror(errno));
}

double
butte_loop_now(butte_loop_t *loop)
{
    struct timeval tv;

    if (event_base_gettimeofday_cached(loop->base, &tv) != 0)
        return 0;
    return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

/* ------------------------------------------------------------ watches */

struct butte_watch {
    struct event *ev;
    butte_loop_fn fn;      /* fd watch */
    butte_child_fn child;  /* child watch */
    void *arg;
    pid_t pid;
    int pidfd;             /* ours to close (child watch), else -1 */
};

static void
on_fd(evutil_socket_t fd, short what, void *arg)
{
    butte_watch_t *w = arg;

    (void)fd;
    (void)what;
    w->fn(w->arg);
}

butte_watch_t *
butte_watch_fd(butte_loop_t *loop, int fd, butte_loop_fn fn, void *arg)
{
    butte_watch_t *w = calloc(1, sizeof *w);

    if (w == NULL)
        abort();
    w->fn = fn;
    w->arg = arg;
    w->pidfd = -1;
    w->ev = event_new(loop->base, fd, EV_READ | EV_PERSIST, on_fd, w);
    if (w->ev == NULL || event_add(w->ev, NULL) != 0)
        abort(); /* only fails when out of memory or for a bad fd */
    return w;
}

void
butte_watch_stop(butte_watch_t *w)
{
    if (w == NULL)
        return;
    event_free(w->ev);
    if (w->pidfd >= 0)
        close(w->pidfd);
    free(w);
}

/* The pidfd is readable once the child exited: reap exactly that pid. */
static void
on_child(evutil_socket_t fd, short what, void *arg)
{
    butte_watch_t *w = arg;
    siginfo_t si;
    int status;

    (void)fd;
    (void)what;
    memset(&si, 0, sizeof si);
    if (waitid(P_PID, (id_t)w->pid, &si, WEXITED | WNOHANG) != 0 || si.si_pid == 0)
        return; /* spurious wake-up; a persistent event calls again */
    /* Rebuild the wait(2) status callers know from WIFEXITED & co. */
    if (si.si_code == CLD_EXITED)
        status = (si.si_status & 0xff) << 8;
    else
        status = (si.si_status & 0x7f) | (si.si_code == CLD_DUMPED ? 0x80 : 0);
    w->child(w->arg, w->pid, status);
    butte_watch_stop(w);
}

butte_watch_t *
butte_watch_child(butte_loop_t *loop, pid_t pid, butte_child_fn fn, void *arg,
                  butte_err_t *err)
{
    int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
    butte_watch_t *w;

    if (pfd < 0) {
        butte_err_set(err, errno == ESRCH ? BUTTE_ENOTFOUND : BUTTE_EIO,
                      "cannot watch process %d: pidfd_open: %s", (int)pid, strerror(errno));
        return NULL;
    }
    (void)fcntl(pfd, F_SETFD, FD_CLOEXEC);
    w = calloc(1, sizeof *w);
    if (w == NULL)
        abort();
    w->child = fn;
    w->arg = arg;
    w->pid = pid;
    w->pidfd = pfd;
    w->ev = event_new(loop->base, pfd, EV_READ | EV_PERSIST, on_child, w);
    if (w->ev == NULL || event_add(w->ev, NULL) != 0)
        abort();
    return w;
}
