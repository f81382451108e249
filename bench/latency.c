/*
 * bench/latency.c - the latency benchmark (issue 6, item 3), a C scheduler
 * on kernel/sched (protobuf) against a mesos-local with one agent on
 * loopback, one framework:
 *   - offer -> ACCEPT -> TASK_RUNNING: from the moment the OFFERS event is
 *     decoded here to the moment the TASK_RUNNING update is (one `true`
 *     command task: the agent spawns mesos-executor, which subscribes,
 *     gets the task and spawns it; STARTING is acknowledged on the way);
 *   - the scheduler API round trip of a DECLINE: from sending the call to
 *     the master's 202.
 * Both are measured only while nothing else runs (the previous task has
 * finished and every update is acknowledged); offers that arrive while a
 * task runs are declined unmeasured.  The master runs with
 * --allocation_interval=10ms so that declined resources come back quickly
 * (it does not shorten the measured paths).
 *
 * Usage: latency [--rounds N] [--local PATH | --master H:P] [--results F]
 *                [--smoke]
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launch-local.h"

static struct {
    bench_local_t b;
    int rounds, warmup;
    int launch_round, decline_round;  /* measured so far (warm-up included) */
    bool busy;                        /* a task is between ACCEPT and FINISHED */
    bool next_is_decline;
    double t_offer, t_decline;
    char *held[8];                    /* offers kept unanswered while busy */
    int n_held;
    double *run_lat, *dec_lat;
    int n_run, n_dec;
    long failed;
} T;

static void
on_declined(butte_sched_t *s, int status, const butte_err_t *err, void *arg)
{
    (void)s;
    (void)arg;
    double dt = bench_now() - T.t_decline;
    if (status != 202) {
        fprintf(stderr, "latency: DECLINE answered %d: %s\n", status, err != NULL ? err->msg : "");
        exit(1);
    }
    if (T.decline_round++ >= T.warmup)
        T.dec_lat[T.n_dec++] = dt;
}

static void
maybe_done(void)
{
    if (T.n_run >= T.rounds && T.n_dec >= T.rounds)
        butte_loop_stop(T.b.loop);
}

/* DECLINE offer_id (refuse_seconds 0) and time the round trip to the 202. */
static void
decline_timed(const char *offer_id)
{
    butte_err_t err;
    Mesos__V1__Scheduler__Call call = MESOS__V1__SCHEDULER__CALL__INIT;
    Mesos__V1__Scheduler__Call__Decline dec = MESOS__V1__SCHEDULER__CALL__DECLINE__INIT;
    Mesos__V1__Filters f = MESOS__V1__FILTERS__INIT;
    Mesos__V1__OfferID oid = MESOS__V1__OFFER_ID__INIT;
    Mesos__V1__OfferID *ids[1] = { &oid };
    oid.value = (char *)offer_id;
    call.has_type = 1;
    call.type = MESOS__V1__SCHEDULER__CALL__TYPE__DECLINE;
    dec.n_offer_ids = 1;
    dec.offer_ids = ids;
    f.has_refuse_seconds = 1;
    f.refuse_seconds = 0;
    dec.filters = &f;
    call.decline = &dec;
    T.t_decline = bench_now();
    if (butte_sched_call(T.b.sched, &call, on_declined, NULL, &err) != 0) {
        fprintf(stderr, "latency: %s\n", err.msg);
        exit(1);
    }
}

/* The task finished: answer the offers kept meanwhile; the first DECLINE
 * is timed (nothing else runs now) unless this round times none. */
static void
release_held(void)
{
    butte_err_t err;
    for (int i = 0; i < T.n_held; i++) {
        if (i == 0 && T.next_is_decline && T.n_dec < T.rounds) {
            T.next_is_decline = false;
            decline_timed(T.held[i]);
        } else {
            (void)butte_sched_decline(T.b.sched, T.held[i], 0, &err);
        }
        free(T.held[i]);
    }
    T.n_held = 0;
}

static void
on_event(bench_local_t *b, const Mesos__V1__Scheduler__Event *ev)
{
    butte_err_t err;
    if (ev->type == MESOS__V1__SCHEDULER__EVENT__TYPE__OFFERS && ev->offers != NULL) {
        double t = bench_now();
        for (size_t i = 0; i < ev->offers->n_offers; i++) {
            const Mesos__V1__Offer *o = ev->offers->offers[i];
            if (T.busy || (T.n_run >= T.rounds && T.n_dec >= T.rounds)) {
                /* Kept, not declined: a DECLINE with refuse_seconds 0 is
                 * answered with a new offer at once, and that ping-pong
                 * would load the master during the measured path.  It is
                 * declined (and timed) once the task has finished. */
                if (T.n_held < 8)
                    T.held[T.n_held++] = strdup(o->id->value);
                else
                    (void)butte_sched_decline(b->sched, o->id->value, 0, &err);
                continue;
            }
            if (T.next_is_decline && T.n_dec < T.rounds) {
                T.next_is_decline = false;
                decline_timed(o->id->value);
                continue;
            }
            T.next_is_decline = true;
            T.busy = true;
            T.t_offer = t;
            butte_pool_t *p = butte_pool_create(b->pool);
            char id[32];
            snprintf(id, sizeof id, "l%d", T.launch_round);
            Mesos__V1__TaskInfo *task = bench_task(p, o, id, "true", 0.01, 1);
            bench_accept(b, &o, 1, &task, 1);
            butte_pool_destroy(p);
        }
    } else if (ev->type == MESOS__V1__SCHEDULER__EVENT__TYPE__UPDATE && ev->update != NULL &&
               ev->update->status != NULL) {
        const Mesos__V1__TaskStatus *st = ev->update->status;
        if (st->state == MESOS__V1__TASK_STATE__TASK_RUNNING) {
            double dt = bench_now() - T.t_offer;
            if (T.launch_round++ >= T.warmup)
                T.run_lat[T.n_run++] = dt;
        }
        if (st->has_uuid && butte_sched_acknowledge(b->sched, st, &err) != 0)
            fprintf(stderr, "latency: %s\n", err.msg);
        if (butte_sched_state_terminal(st->state)) {
            if (st->state != MESOS__V1__TASK_STATE__TASK_FINISHED && T.failed++ < 3)
                fprintf(stderr, "latency: task %s %s: %s\n", st->task_id->value,
                        butte_sched_state_name(st->state), st->message != NULL ? st->message : "");
            T.busy = false;
            release_held();
            maybe_done();
        }
    }
    maybe_done();
}

int
main(int argc, char **argv)
{
    const char *local = "./mesos-local", *master = NULL, *results = NULL;
    bool smoke = false;
    T.rounds = 200;
    T.warmup = 5;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
            T.rounds = atoi(argv[++i]);
        else if (strcmp(argv[i], "--local") == 0 && i + 1 < argc)
            local = argv[++i];
        else if (strcmp(argv[i], "--master") == 0 && i + 1 < argc)
            master = argv[++i];
        else if (strcmp(argv[i], "--results") == 0 && i + 1 < argc)
            results = argv[++i];
        else if (strcmp(argv[i], "--smoke") == 0)
            smoke = true;
        else {
            fprintf(stderr, "usage: latency [--rounds N] [--local PATH | --master HOST:PORT] "
                            "[--results FILE] [--smoke]\n");
            return 2;
        }
    }
    if (smoke) {
        T.rounds = 3;
        T.warmup = 1;
    }
    if (T.rounds < 1)
        return 2;
    T.run_lat = calloc((size_t)T.rounds, sizeof *T.run_lat);
    T.dec_lat = calloc((size_t)T.rounds, sizeof *T.dec_lat);
    T.b.event = on_event;
    T.b.extra_flag = "--allocation_interval=10ms";
    bench_local_start(&T.b, local, master, "cpus:1;mem:1024;disk:1024", "bench-latency",
                      BUTTE_SCHED_PROTOBUF, smoke ? 60 : 600);
    butte_loop_run(T.b.loop);
    bench_local_stop(&T.b);

    double rm = bench_pct(T.run_lat, (size_t)T.n_run, 50), r99 = bench_pct(T.run_lat, (size_t)T.n_run, 99);
    double dm = bench_pct(T.dec_lat, (size_t)T.n_dec, 50), d99 = bench_pct(T.dec_lat, (size_t)T.n_dec, 99);
    printf("latency offer->ACCEPT->TASK_RUNNING: %d rounds, median %.2f ms, p99 %.2f ms "
           "(target median <= 5 ms: %.2f)\n", T.n_run, rm * 1e3, r99 * 1e3, rm / 5e-3);
    printf("latency DECLINE->202: %d rounds, median %.3f ms, p99 %.3f ms\n", T.n_dec, dm * 1e3,
           d99 * 1e3);
    if (results != NULL && !smoke) {
        char date[128], machine[128], commit[128], row[1024];
        bench_machine(date, machine, commit);
        snprintf(row, sizeof row,
                 "| latency | %s | %s | %s | C scheduler (protobuf), loopback, 1 framework, "
                 "agent work_dir under %s, "
                 "%d rounds: offer->ACCEPT->TASK_RUNNING median %.2f ms, p99 %.2f ms; "
                 "DECLINE->202 median %.3f ms, p99 %.3f ms | offer->RUNNING median %.2f of "
                 "the 5 ms target (<= 1 meets) |",
                 date, machine, commit,
                 getenv("BUTTE_BENCH_TMPDIR") != NULL && *getenv("BUTTE_BENCH_TMPDIR")
                     ? getenv("BUTTE_BENCH_TMPDIR")
                     : "/tmp",
                 T.n_run, rm * 1e3, r99 * 1e3, dm * 1e3, d99 * 1e3,
                 rm / 5e-3);
        bench_write_row(results, "latency", row);
    }
    return T.failed == 0 ? 0 : 1;
}
