/*
 * bench/launch-local.c - mesos-local child, scheduler client and reporting
 * shared by bench/launch and bench/latency (see launch-local.h).
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "launch-local.h"

double
bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void
die(const char *msg)
{
    fprintf(stderr, "bench: %s\n", msg);
    exit(1);
}

/* A port the kernel just handed out and we released; a race with another
 * process is possible but harmless here (mesos-local then fails to bind
 * and the subscribe deadline reports it). */
static int
free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0)
        die("cannot find a free port");
    close(fd);
    return ntohs(a.sin_port);
}

static void subscribe(bench_local_t *b);

static void
on_retry(void *arg)
{
    bench_local_t *b = arg;
    butte_timer_stop(b->retry);
    b->retry = NULL;
    subscribe(b);
}

static void
on_watchdog(void *arg)
{
    (void)arg;
    die("deadline passed");
}

static void
on_event(butte_sched_t *s, const Mesos__V1__Scheduler__Event *ev, void *arg)
{
    (void)s;
    bench_local_t *b = arg;
    if (ev->type == MESOS__V1__SCHEDULER__EVENT__TYPE__ERROR)
        die(ev->error != NULL ? ev->error->message : "error event");
    if (ev->type == MESOS__V1__SCHEDULER__EVENT__TYPE__SUBSCRIBED)
        b->subscribed = true;
    b->event(b, ev);
}

static void
on_disconnected(butte_sched_t *s, const butte_err_t *err, void *arg)
{
    (void)s;
    bench_local_t *b = arg;
    if (b->subscribed)
        die(err->msg);
    /* The master may not listen yet: try again shortly (the watchdog
     * ends it if it never does). */
    if (b->retry == NULL)
        b->retry = butte_timer_start(b->loop, 0.05, false, on_retry, b);
}

static void
subscribe(bench_local_t *b)
{
    Mesos__V1__FrameworkInfo fi = MESOS__V1__FRAMEWORK_INFO__INIT;
    struct passwd *pw = getpwuid(getuid());
    butte_err_t err;
    fi.user = pw != NULL ? pw->pw_name : "root";
    fi.name = "bench";
    butte_sched_subscribe(b->sched, &fi, &err);
}

void
bench_local_start(bench_local_t *b, const char *local, const char *master, const char *resources,
                  const char *name, butte_sched_encoding_t enc, double timeout)
{
    butte_err_t err;
    (void)name;
    signal(SIGPIPE, SIG_IGN);
    b->deadline = bench_now() + timeout;
    if (master != NULL) {
        snprintf(b->master, sizeof b->master, "%s", master);
    } else {
        int port = free_port();
        snprintf(b->master, sizeof b->master, "127.0.0.1:%d", port);
        /* BUTTE_BENCH_TMPDIR: where the agent's work_dir goes (default
         * /tmp), e.g. a tmpfs to take the file system out of the figures */
        const char *tmp = getenv("BUTTE_BENCH_TMPDIR");
        snprintf(b->work_dir, sizeof b->work_dir, "%s/butte-bench-%d",
                 tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp", (int)getpid());
        char a_port[32], a_res[256], a_wd[300];
        snprintf(a_port, sizeof a_port, "--port=%d", port);
        snprintf(a_res, sizeof a_res, "--resources=%s", resources);
        snprintf(a_wd, sizeof a_wd, "--work_dir=%s", b->work_dir);
        b->child = fork();
        if (b->child < 0)
            die("fork failed");
        if (b->child == 0) {
            /* mesos-local finds mesos-executor through BUTTE_LAUNCHER_DIR.
             * Executors get a fresh environment (as in Mesos): when
             * LD_LIBRARY_PATH is set (make bench points it at the build
             * tree's libbutte so that the executor is the real binary, not
             * libtool's shell wrapper), hand it on; LD_PRELOAD too, for
             * experiments with shims (e.g. one setting TCP_NODELAY). */
            const char *ldp = getenv("LD_LIBRARY_PATH"), *pre = getenv("LD_PRELOAD");
            char a_env[1400];
            snprintf(a_env, sizeof a_env,
                     "--executor_environment_variables={\"LD_LIBRARY_PATH\":\"%s\","
                     "\"LD_PRELOAD\":\"%s\"}", ldp != NULL && !strchr(ldp, '"') ? ldp : "",
                     pre != NULL && !strchr(pre, '"') ? pre : "");
            /* its log would cost more than the benchmark: WARNING and up */
            execl(local, local, "--ip=127.0.0.1", a_port, "--num_slaves=1", a_res, a_wd, a_env,
                  "--registration_backoff_factor=10ms", "--logging_level=WARNING",
                  "--isolation=posix/cpu,posix/mem", b->extra_flag, (char *)NULL);
            fprintf(stderr, "bench: cannot run %s: %s\n", local, strerror(errno));
            _exit(127);
        }
    }
    b->pool = butte_pool_create(NULL);
    b->loop = butte_loop_create(&err);
    if (b->loop == NULL)
        die(err.msg);
    butte_sched_callbacks_t cbs = { on_event, on_disconnected };
    b->sched = butte_sched_create(b->pool, b->loop, b->master, enc, &cbs, b, &err);
    if (b->sched == NULL)
        die(err.msg);
    b->watchdog = butte_timer_start(b->loop, timeout, false, on_watchdog, b);
    subscribe(b);
}

void
bench_local_stop(bench_local_t *b)
{
    butte_timer_stop(b->retry);
    butte_timer_stop(b->watchdog);
    butte_sched_close(b->sched);
    butte_pool_destroy(b->pool);
    butte_loop_destroy(b->loop);
    if (b->child > 0) {
        kill(b->child, SIGTERM);
        waitpid(b->child, NULL, 0);
        char cmd[400];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", b->work_dir);
        if (system(cmd) != 0)
            fprintf(stderr, "bench: could not remove %s\n", b->work_dir);
    }
}

double
bench_scalar(const Mesos__V1__Offer *offer, const char *name)
{
    double v = 0;
    for (size_t i = 0; i < offer->n_resources; i++)
        if (strcmp(offer->resources[i]->name, name) == 0 && offer->resources[i]->scalar != NULL)
            v += offer->resources[i]->scalar->value;
    return v;
}

static Mesos__V1__Resource *
take(butte_pool_t *pool, const Mesos__V1__Offer *offer, const char *name, double amount)
{
    for (size_t i = 0; i < offer->n_resources; i++) {
        const Mesos__V1__Resource *r = offer->resources[i];
        if (strcmp(r->name, name) != 0 || r->scalar == NULL || r->revocable != NULL)
            continue;
        Mesos__V1__Resource *c = butte_pool_alloc(pool, sizeof *c);
        *c = *r; /* role and allocation_info as offered */
        c->scalar = butte_pool_alloc(pool, sizeof *c->scalar);
        mesos__v1__value__scalar__init(c->scalar);
        c->scalar->value = amount;
        return c;
    }
    die("offer without cpus or mem");
    return NULL;
}

Mesos__V1__TaskInfo *
bench_task(butte_pool_t *pool, const Mesos__V1__Offer *offer, const char *id, const char *command,
           double cpus, double mem)
{
    Mesos__V1__TaskInfo *t = butte_pool_alloc(pool, sizeof *t);
    Mesos__V1__TaskID *tid = butte_pool_alloc(pool, sizeof *tid);
    Mesos__V1__CommandInfo *ci = butte_pool_alloc(pool, sizeof *ci);
    Mesos__V1__Resource **res = butte_pool_alloc(pool, 2 * sizeof *res);
    mesos__v1__task_info__init(t);
    mesos__v1__task_id__init(tid);
    mesos__v1__command_info__init(ci);
    tid->value = butte_pool_strdup(pool, id);
    ci->value = (char *)command;
    ci->has_shell = 1;
    ci->shell = 1;
    res[0] = take(pool, offer, "cpus", cpus);
    res[1] = take(pool, offer, "mem", mem);
    t->name = tid->value;
    t->task_id = tid;
    t->agent_id = offer->agent_id;
    t->command = ci;
    t->resources = res;
    t->n_resources = 2;
    return t;
}

void
bench_accept(bench_local_t *b, const Mesos__V1__Offer *const *offers, size_t n_offers,
             Mesos__V1__TaskInfo **tasks, size_t n_tasks)
{
    Mesos__V1__Scheduler__Call call = MESOS__V1__SCHEDULER__CALL__INIT;
    Mesos__V1__Scheduler__Call__Accept acc = MESOS__V1__SCHEDULER__CALL__ACCEPT__INIT;
    Mesos__V1__Offer__Operation op = MESOS__V1__OFFER__OPERATION__INIT;
    Mesos__V1__Offer__Operation__Launch launch = MESOS__V1__OFFER__OPERATION__LAUNCH__INIT;
    Mesos__V1__Offer__Operation *ops[1] = { &op };
    Mesos__V1__Filters filters = MESOS__V1__FILTERS__INIT;
    Mesos__V1__OfferID *oids[64];
    if (n_offers > 64)
        n_offers = 64;
    for (size_t i = 0; i < n_offers; i++)
        oids[i] = offers[i]->id;
    call.has_type = 1;
    call.type = MESOS__V1__SCHEDULER__CALL__TYPE__ACCEPT;
    acc.n_offer_ids = n_offers;
    acc.offer_ids = oids;
    acc.n_operations = n_tasks > 0 ? 1 : 0;
    acc.operations = ops;
    filters.has_refuse_seconds = 1;
    filters.refuse_seconds = 0;
    acc.filters = &filters;
    op.has_type = 1;
    op.type = MESOS__V1__OFFER__OPERATION__TYPE__LAUNCH;
    launch.n_task_infos = n_tasks;
    launch.task_infos = tasks;
    op.launch = &launch;
    call.accept = &acc;
    butte_err_t err;
    if (butte_sched_call(b->sched, &call, NULL, NULL, &err) != 0)
        die(err.msg);
}

