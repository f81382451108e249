/*
 * frameworks/execute/main.c - mesos-execute: subscribe, wait for an offer
 * that fits, launch the task (LAUNCH) or the task group (LAUNCH_GROUP with
 * a DEFAULT executor), print every status update as Mesos' tool does,
 * acknowledge it, and tear down once every task is terminal.
 *
 * Exit status: 0 only when every task ended TASK_FINISHED; 1 otherwise
 * (task failed, killed, lost; the master refused or went away); 2 for a
 * bad command line.
 */
#include "config.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/loop-internal.h"
#include "execute.h"
#include "sched/sched-internal.h"

#define MAX_WANTS 32
#define MAX_OFFER_RES 256

typedef struct run {
    opts_t o;
    butte_pool_t *pool;
    butte_loop_t *loop;
    butte_sched_t *sched;
    Mesos__V1__TaskInfo **tasks; /* the task, or the group's tasks */
    size_t n_tasks;
    int *states;                 /* last state per task, -1 none */
    bool launched;
    bool tearing_down;
    bool done;
    int status;
    butte_timer_t *kill_timer;
    char agent_id[256];
} run_t;

static void finish(run_t *r, int status)
{
    if (r->done)
        return;
    r->done = true;
    r->status = status;
    butte_loop_stop(r->loop);
}

/* ---- offers ---- */

typedef struct avail {
    const Mesos__V1__Resource *r;
    double left;
} avail_t;

/* Take w from the offer's resources into out (copies of the offer's
 * Resource with the amount taken).  False when the offer lacks it. */
static bool take(butte_pool_t *pool, avail_t *av, size_t nav, const want_t *w,
                 Mesos__V1__Resource **out, size_t *nout)
{
    double need = w->amount;
    for (size_t i = 0; i < nav && need > 1e-9; i++) {
        if (strcmp(av[i].r->name, w->name) != 0 || av[i].left <= 1e-9)
            continue;
        double got = av[i].left < need ? av[i].left : need;
        av[i].left -= got;
        need -= got;
        Mesos__V1__Resource *c = butte_pool_alloc(pool, sizeof *c);
        *c = *av[i].r; /* role, reservations, allocation_info of the offer */
        c->scalar = butte_pool_alloc(pool, sizeof *c->scalar);
        mesos__v1__value__scalar__init(c->scalar);
        c->scalar->value = got;
        out[(*nout)++] = c;
    }
    return need <= 1e-9;
}

/* Resources for t (its wants) from the offer; false when they do not fit. */
static bool assign(butte_pool_t *pool, avail_t *av, size_t nav, const want_t *w, size_t nw,
                   Mesos__V1__Resource ***res, size_t *nres)
{
    *res = butte_pool_alloc(pool, (nav * nw + 1) * sizeof **res);
    *nres = 0;
    for (size_t i = 0; i < nw; i++)
        if (!take(pool, av, nav, &w[i], *res, nres))
            return false;
    return true;
}

static void wants_of_text(const char *text, want_t *w, size_t *n)
{
    /* the default executor's share, as Mesos' mesos-execute asks */
    static const want_t dflt[] = { { "cpus", 0.1 }, { "mem", 32 }, { "disk", 32 } };
    (void)text;
    for (size_t i = 0; i < 3; i++)
        w[i] = dflt[i];
    *n = 3;
}

static bool try_offer(run_t *r, const Mesos__V1__Offer *offer)
{
    butte_pool_t *p = butte_pool_create(r->pool);
    avail_t av[MAX_OFFER_RES];
    size_t nav = 0;
    for (size_t i = 0; i < offer->n_resources && nav < MAX_OFFER_RES; i++)
        if (offer->resources[i]->scalar != NULL && offer->resources[i]->revocable == NULL) {
            av[nav].r = offer->resources[i];
            av[nav].left = offer->resources[i]->scalar->value;
            nav++;
        }
    want_t w[MAX_WANTS];
    bool fits = true;
    Mesos__V1__Resource **saved[64];
    size_t nsaved[64];
    for (size_t t = 0; t < r->n_tasks && t < 64 && fits; t++) {
        size_t nw = opts_wants(r->tasks[t], w, MAX_WANTS);
        fits = assign(p, av, nav, w, nw, &saved[t], &nsaved[t]);
    }
    Mesos__V1__ExecutorInfo exec = MESOS__V1__EXECUTOR_INFO__INIT;
    Mesos__V1__ExecutorID eid = MESOS__V1__EXECUTOR_ID__INIT;
    Mesos__V1__FrameworkID fid = MESOS__V1__FRAMEWORK_ID__INIT;
    if (fits && r->o.group != NULL) {
        size_t nw;
        wants_of_text(NULL, w, &nw);
        fits = assign(p, av, nav, w, nw, &exec.resources, &exec.n_resources);
    }
    if (!fits) {
        butte_pool_destroy(p);
        return false;
    }
    for (size_t t = 0; t < r->n_tasks; t++) {
        r->tasks[t]->resources = saved[t];
        r->tasks[t]->n_resources = nsaved[t];
        r->tasks[t]->agent_id = offer->agent_id;
    }

    Mesos__V1__Scheduler__Call call = MESOS__V1__SCHEDULER__CALL__INIT;
    Mesos__V1__Scheduler__Call__Accept acc = MESOS__V1__SCHEDULER__CALL__ACCEPT__INIT;
    Mesos__V1__Offer__Operation op = MESOS__V1__OFFER__OPERATION__INIT;
    Mesos__V1__Offer__Operation__Launch launch = MESOS__V1__OFFER__OPERATION__LAUNCH__INIT;
    Mesos__V1__Offer__Operation__LaunchGroup lg = MESOS__V1__OFFER__OPERATION__LAUNCH_GROUP__INIT;
    Mesos__V1__Offer__Operation *ops[1] = { &op };
    Mesos__V1__OfferID *oids[1] = { offer->id };
    call.has_type = 1;
    call.type = MESOS__V1__SCHEDULER__CALL__TYPE__ACCEPT;
    acc.n_offer_ids = 1;
    acc.offer_ids = oids;
    acc.n_operations = 1;
    acc.operations = ops;
    op.has_type = 1;
    if (r->o.group != NULL) {
        op.type = MESOS__V1__OFFER__OPERATION__TYPE__LAUNCH_GROUP;
        exec.has_type = 1;
        exec.type = MESOS__V1__EXECUTOR_INFO__TYPE__DEFAULT;
        eid.value = "default";
        exec.executor_id = &eid;
        fid.value = (char *)butte_sched_framework_id(r->sched);
        exec.framework_id = &fid;
        lg.executor = &exec;
        lg.task_group = r->o.group;
        op.launch_group = &lg;
    } else {
        op.type = MESOS__V1__OFFER__OPERATION__TYPE__LAUNCH;
        launch.n_task_infos = r->n_tasks;
        launch.task_infos = r->tasks;
        op.launch = &launch;
    }
    call.accept = &acc;
    butte_err_t err;
    int rc = butte_sched_call(r->sched, &call, NULL, NULL, &err);
    /* the resources pointed into the event: drop them now that they are sent */
    for (size_t t = 0; t < r->n_tasks; t++) {
        r->tasks[t]->resources = NULL;
        r->tasks[t]->n_resources = 0;
        r->tasks[t]->agent_id = NULL;
    }
    butte_pool_destroy(p);
    if (rc != 0) {
        fprintf(stderr, "mesos-execute: %s\n", err.msg);
        return false;
    }
    snprintf(r->agent_id, sizeof r->agent_id, "%s", offer->agent_id->value);
    if (r->o.group != NULL) {
        printf("Submitted task group with tasks [");
        for (size_t t = 0; t < r->n_tasks; t++)
            printf("%s%s", t > 0 ? ", " : "", r->tasks[t]->task_id->value);
        printf("] to agent '%s'\n", r->agent_id);
    } else {
        printf("Submitted task '%s' to agent '%s'\n", r->tasks[0]->task_id->value, r->agent_id);
    }
    for (size_t t = 0; t < r->n_tasks; t++)
        printf("Task '%s' is TASK_STAGING\n", r->tasks[t]->task_id->value);
    return true;
}

static void on_offers(run_t *r, const Mesos__V1__Scheduler__Event__Offers *offers)
{
    butte_err_t err;
    for (size_t i = 0; i < offers->n_offers; i++) {
        const Mesos__V1__Offer *o = offers->offers[i];
        if (!r->launched && try_offer(r, o)) {
            r->launched = true;
            /* no more offers: we have what we need */
            Mesos__V1__Scheduler__Call call = MESOS__V1__SCHEDULER__CALL__INIT;
            Mesos__V1__Scheduler__Call__Suppress sup = MESOS__V1__SCHEDULER__CALL__SUPPRESS__INIT;
            call.has_type = 1;
            call.type = MESOS__V1__SCHEDULER__CALL__TYPE__SUPPRESS;
            call.suppress = &sup;
            (void)butte_sched_call(r->sched, &call, NULL, NULL, &err);
            continue;
        }
        (void)butte_sched_decline(r->sched, o->id->value, r->launched ? 3600 : -1, &err);
    }
}

/* ---- updates ---- */

static void on_kill_timer(void *arg)
{
    run_t *r = arg;
    butte_err_t err;
    butte_timer_stop(r->kill_timer);
    r->kill_timer = NULL;
    for (size_t t = 0; t < r->n_tasks; t++) {
        if (r->states[t] >= 0 && butte_sched_state_terminal(r->states[t]))
            continue;
        printf("Killing task '%s'\n", r->tasks[t]->task_id->value);
        fflush(stdout);
        if (butte_sched_kill(r->sched, r->tasks[t]->task_id->value, r->agent_id, &err) != 0)
            fprintf(stderr, "mesos-execute: %s\n", err.msg);
        if (r->o.group != NULL)
            break; /* killing one task of a group kills the group */
    }
}

static void on_torn_down(butte_sched_t *s, int status, const butte_err_t *err, void *arg)
{
    (void)s;
    (void)status;
    (void)err;
    run_t *r = arg;
    /* 0 only when every task finished */
    bool ok = true;
    for (size_t t = 0; t < r->n_tasks; t++)
        ok = ok && r->states[t] == MESOS__V1__TASK_STATE__TASK_FINISHED;
    finish(r, ok ? 0 : 1);
}

static void on_update(run_t *r, const Mesos__V1__TaskStatus *st)
{
    printf("Received status update %s for task '%s'\n", butte_sched_state_name(st->state),
           st->task_id->value);
    if (st->message != NULL)
        printf("  message: '%s'\n", st->message);
    if (st->has_source)
        printf("  source: %s\n", butte_sched_source_name(st->source));
    if (st->has_reason)
        printf("  reason: %s\n", butte_sched_reason_name(st->reason));
    if (st->has_healthy)
        printf("  healthy?: %d\n", st->healthy ? 1 : 0);
    fflush(stdout);
    butte_err_t err;
    if (st->has_uuid && butte_sched_acknowledge(r->sched, st, &err) != 0)
        fprintf(stderr, "mesos-execute: %s\n", err.msg);

    bool all_terminal = true;
    for (size_t t = 0; t < r->n_tasks; t++) {
        if (strcmp(r->tasks[t]->task_id->value, st->task_id->value) == 0)
            r->states[t] = st->state;
        all_terminal = all_terminal && r->states[t] >= 0 &&
                       butte_sched_state_terminal(r->states[t]);
    }
    if (st->state == MESOS__V1__TASK_STATE__TASK_RUNNING && r->o.kill_after >= 0 &&
        r->kill_timer == NULL)
        r->kill_timer = butte_timer_start(r->loop, r->o.kill_after, false, on_kill_timer, r);
    if (all_terminal) {
        butte_timer_stop(r->kill_timer);
        r->kill_timer = NULL;
        r->tearing_down = true;
        if (butte_sched_teardown(r->sched, on_torn_down, r, &err) != 0)
            on_torn_down(r->sched, 0, NULL, r);
    }
}

static void on_event(butte_sched_t *s, const Mesos__V1__Scheduler__Event *ev, void *arg)
{
    run_t *r = arg;
    (void)s;
    switch (ev->type) {
    case MESOS__V1__SCHEDULER__EVENT__TYPE__SUBSCRIBED:
        printf("Subscribed with ID %s\n", ev->subscribed->framework_id->value);
        fflush(stdout);
        break;
    case MESOS__V1__SCHEDULER__EVENT__TYPE__OFFERS:
        if (ev->offers != NULL)
            on_offers(r, ev->offers);
        fflush(stdout);
        break;
    case MESOS__V1__SCHEDULER__EVENT__TYPE__UPDATE:
        if (ev->update != NULL && ev->update->status != NULL)
            on_update(r, ev->update->status);
        break;
    case MESOS__V1__SCHEDULER__EVENT__TYPE__ERROR:
        fprintf(stderr, "mesos-execute: error from the master: %s\n",
                ev->error != NULL ? ev->error->message : "");
        finish(r, 1);
        break;
    case MESOS__V1__SCHEDULER__EVENT__TYPE__FAILURE:
        if (ev->failure != NULL && ev->failure->executor_id != NULL)
            printf("Executor '%s' lost%s\n", ev->failure->executor_id->value,
                   ev->failure->has_status ? " (it exited)" : "");
        break;
    default:
        break;
    }
}

static void on_disconnected(butte_sched_t *s, const butte_err_t *err, void *arg)
{
    (void)s;
    run_t *r = arg;
    if (r->done)
        return;
    if (r->tearing_down) { /* the master closes the stream on TEARDOWN */
        on_torn_down(s, 0, NULL, r);
        return;
    }
    fprintf(stderr, "mesos-execute: disconnected from the master: %s\n", err->msg);
    finish(r, 1);
}

int main(int argc, char **argv)
{
    run_t r;
    memset(&r, 0, sizeof r);
    setvbuf(stdout, NULL, _IOLBF, 0);
    r.pool = butte_pool_create(NULL);
    butte_err_t err;
    int rc = opts_parse(r.pool, argc, argv, &r.o, &err);
    if (rc != 0) {
        butte_pool_destroy(r.pool);
        if (rc == 1)
            return 0;
        fprintf(stderr, "mesos-execute: %s\n", err.msg);
        return 2;
    }
    if (r.o.group != NULL) {
        r.tasks = r.o.group->tasks;
        r.n_tasks = r.o.group->n_tasks;
    } else {
        r.tasks = &r.o.task;
        r.n_tasks = 1;
    }
    r.states = butte_pool_alloc(r.pool, r.n_tasks * sizeof *r.states);
    for (size_t i = 0; i < r.n_tasks; i++)
        r.states[i] = -1;

    r.loop = butte_loop_create(&err);
    if (r.loop == NULL) {
        fprintf(stderr, "mesos-execute: %s\n", err.msg);
        return 1;
    }
    butte_sched_callbacks_t cbs = { on_event, on_disconnected };
    r.sched = butte_sched_create(r.pool, r.loop, r.o.master,
                                 r.o.json ? BUTTE_SCHED_JSON : BUTTE_SCHED_PROTOBUF, &cbs, &r,
                                 &err);
    if (r.sched == NULL) {
        fprintf(stderr, "mesos-execute: %s\n", err.msg);
        return 2;
    }

    Mesos__V1__FrameworkInfo fi = MESOS__V1__FRAMEWORK_INFO__INIT;
    Mesos__V1__FrameworkInfo__Capability cap = MESOS__V1__FRAMEWORK_INFO__CAPABILITY__INIT;
    Mesos__V1__FrameworkInfo__Capability *caps[1] = { &cap };
    struct passwd *pw = getpwuid(getuid());
    fi.user = pw != NULL ? pw->pw_name : "root";
    fi.name = (char *)r.o.framework_name;
    fi.role = (char *)r.o.role;
    fi.has_checkpoint = 1;
    fi.checkpoint = r.o.checkpoint;
    fi.principal = (char *)r.o.principal;
    if (r.o.partition_aware) {
        cap.has_type = 1;
        cap.type = MESOS__V1__FRAMEWORK_INFO__CAPABILITY__TYPE__PARTITION_AWARE;
        fi.capabilities = caps;
        fi.n_capabilities = 1;
    }
    butte_sched_subscribe(r.sched, &fi, &err);
    int sig = butte_loop_run(r.loop);
    if (sig != 0 && !r.done)
        r.status = 1;
    butte_timer_stop(r.kill_timer);
    butte_pool_destroy(r.pool);
    butte_loop_destroy(r.loop);
    return r.status;
}
