/*
 * tests/unit/allocator.c - the hierarchical allocator module, loaded as a
 * real .so through the loader (BUTTE_MODULE_DIR) and driven through its
 * ops table with a real loop.  Simulated frameworks live in the offer
 * callback: they launch tasks (keep part of an offer) and decline the
 * rest through recover_resources, as a scheduler would through the
 * master.  Every wait is on a condition with a deadline.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <butte/allocator.h>

#include "allocators/selection.h"
#include "core/loader-internal.h"
#include "core/loop-internal.h"

#define MAX_FW 8

typedef enum { SIM_TASKS, SIM_DECLINE, SIM_KEEP } sim_mode_t;

typedef struct sim_fw {
    const char *id;
    const char *role;
    sim_mode_t mode;
    const char *task;      /* SIM_TASKS: one task's resources per offer */
    double refuse;         /* SIM_DECLINE: refuse_seconds */
    int tasks;             /* tasks launched */
    int offers;            /* offer entries received */
    bool gave_up;          /* declined because the task did not fit */
    double last_offer_at;
    char last_agent[64];
    double last_cpus;      /* cpus in the last offer entry */
} sim_fw_t;

static butte_pool_t *pool;
static butte_loop_t *loop;
static butte_modules_t *mods;
static const butte_allocator_ops_t *A;
static void *S;
static sim_fw_t fws[MAX_FW];
static size_t nfws;
static butte_allocator_options_t opts;
static butte_allocator_kernel_t kern;

static sim_fw_t *
sim(const char *id)
{
    for (size_t i = 0; i < nfws; i++)
        if (strcmp(fws[i].id, id) == 0)
            return &fws[i];
    return NULL;
}

/* Set by a test: the first offer callback removes every agent but the
 * one it was offered, while other offers of the pass are still unsent. */
static bool remove_others_on_offer;
static const char *const *all_agents;
static size_t n_all_agents;

static void
on_offer(void *ctx, const char *framework_id, const butte_allocation_t *offers, size_t n)
{
    sim_fw_t *f = sim(framework_id);
    butte_err_t err;

    (void)ctx;
    ck_assert_ptr_nonnull(f);
    if (remove_others_on_offer) {
        remove_others_on_offer = false;
        for (size_t i = 0; i < n_all_agents; i++)
            if (strcmp(all_agents[i], offers[0].agent_id) != 0)
                A->remove_agent(S, all_agents[i]);
    }
    for (size_t i = 0; i < n; i++) {
        const butte_allocation_t *o = &offers[i];
        ck_assert_str_eq(o->framework_id, framework_id);
        /* Every entry carries its role as allocation_info.role. */
        for (size_t k = 0; k < butte_resources_count(o->resources); k++)
            ck_assert_str_eq(butte_resources_at(o->resources, k)->allocation_role, o->role);
        f->offers++;
        f->last_offer_at = butte_loop_now(loop);
        f->last_cpus = butte_resources_scalar(o->resources, "cpus");
        snprintf(f->last_agent, sizeof f->last_agent, "%s", o->agent_id);
        if (f->mode == SIM_KEEP)
            continue;
        if (f->mode == SIM_DECLINE) {
            A->recover_resources(S, framework_id, o->agent_id, o->resources, f->refuse);
            continue;
        }
        butte_pool_t *tmp = butte_pool_create(pool);
        butte_resources_t *task = butte_resources_parse(tmp, f->task, &err);
        ck_assert_ptr_nonnull(task);
        ck_assert_int_eq(butte_resources_allocate(task, o->role, &err), 0);
        if (butte_resources_contains(o->resources, task)) {
            f->tasks++;
            A->recover_resources(S, framework_id, o->agent_id,
                                 butte_resources_minus(tmp, o->resources, task), 0);
        } else {
            f->gave_up = true;
            A->recover_resources(S, framework_id, o->agent_id, o->resources, 3600);
        }
        butte_pool_destroy(tmp);
    }
}

/* ---- loop driving ------------------------------------------------------ */

typedef bool (*cond_fn)(void);
static cond_fn waiting_for;
static double deadline;

static void
poll_cond(void *arg)
{
    (void)arg;
    if (waiting_for() || butte_loop_now(loop) > deadline)
        butte_loop_stop(loop);
}

/* Run the loop until cond() holds or secs pass; returns cond(). */
static bool
run_until(cond_fn cond, double secs)
{
    waiting_for = cond;
    deadline = butte_loop_now(loop) + secs;
    if (cond())
        return true;
    butte_timer_t *t = butte_timer_start(loop, 0.002, true, poll_cond, NULL);
    butte_loop_run(loop);
    butte_timer_stop(t);
    return cond();
}

static uint64_t passes_target;

static uint64_t
passes(void)
{
    butte_allocator_stats_t st = { .size = sizeof st };
    A->stats(S, &st, NULL, NULL);
    return st.passes;
}

static bool
passes_reached(void)
{
    return passes() >= passes_target;
}

/* Let n more passes run (periodic or event-driven). */
static void
run_passes(uint64_t n)
{
    passes_target = passes() + n;
    ck_assert_msg(run_until(passes_reached, 10), "passes did not run");
}

/* ---- set-up -------------------------------------------------------------- */

static void
start(double interval, const char *sorter, const char *min_text)
{
    const char *dir = getenv("BUTTE_MODULE_DIR");
    butte_err_t err;

    ck_assert_msg(dir != NULL, "BUTTE_MODULE_DIR is not set (run through make check)");
    pool = butte_pool_create(NULL);
    loop = butte_loop_create(&err);
    ck_assert_ptr_nonnull(loop);
    mods = butte_modules_open(pool, loop, NULL, NULL, dir, &err);
    ck_assert_msg(mods != NULL, "%s", err.msg);
    const butte_module_choice_t *sc = butte_sorter_choice(sorter);
    const butte_module_choice_t *ac = butte_allocator_choice("HierarchicalDRF");
    ck_assert_ptr_nonnull(sc);
    ck_assert_ptr_nonnull(ac);
    ck_assert_msg(butte_modules_add_library(mods, sc->library, sc->symbol, &err) == 0, "%s",
                  err.msg);
    ck_assert_msg(butte_modules_add_library(mods, ac->library, ac->symbol, &err) == 0, "%s",
                  err.msg);
    butte_instance_t *si = butte_modules_create(mods, sc->symbol, BUTTE_KIND_SORTER, &err);
    ck_assert_msg(si != NULL, "%s", err.msg);
    butte_instance_t *ai = butte_modules_create(mods, ac->symbol, BUTTE_KIND_ALLOCATOR, &err);
    ck_assert_msg(ai != NULL, "%s", err.msg);
    A = butte_instance_ops(ai);
    S = butte_instance_state(ai);

    opts = (butte_allocator_options_t){ .size = sizeof opts, .allocation_interval = interval };
    if (min_text != NULL) {
        butte_quantities_t **alts;
        size_t n;
        ck_assert_int_eq(butte_min_allocatable_parse(pool, min_text, &alts, &n, &err), 0);
        opts.min_allocatable = (const butte_quantities_t *const *)alts;
        opts.n_min_allocatable = n;
    }
    kern = (butte_allocator_kernel_t){
        .size = sizeof kern,
        .offer = on_offer,
        .role_sorter = butte_instance_ops(si),
        .role_sorter_state = butte_instance_state(si),
        .framework_sorter = butte_instance_ops(si),
        .framework_sorter_state = butte_instance_state(si),
    };
    ck_assert_msg(A->initialize(S, &opts, &kern, &err) == 0, "%s", err.msg);
    memset(fws, 0, sizeof fws);
    nfws = 0;
}

static bool
never(void)
{
    return false;
}

static void
stop(void)
{
    /* Quiet the frameworks and let queued passes run, so no deferred pass
     * outlives the loop (the short spell is clean-up, not a wait). */
    for (size_t i = 0; i < nfws; i++)
        fws[i].mode = SIM_KEEP;
    run_until(never, 0.05);
    butte_modules_close(mods);
    butte_loop_destroy(loop);
    butte_pool_destroy(pool);
}

static void
add_agent(const char *id, const char *resources)
{
    butte_err_t err;
    butte_resources_t *r = butte_resources_parse(pool, resources, &err);
    ck_assert_msg(r != NULL, "%s", err.msg);
    butte_allocator_agent_t a = { .size = sizeof a, .id = id, .hostname = id, .total = r };
    ck_assert_msg(A->add_agent(S, &a, &err) == 0, "%s", err.msg);
}

static sim_fw_t *
add_fw(const char *id, const char *role, sim_mode_t mode, const char *task)
{
    butte_err_t err;
    sim_fw_t *f = &fws[nfws++];
    f->id = id;
    f->role = role;
    f->mode = mode;
    f->task = task;
    const char *roles[] = { role };
    butte_allocator_framework_t fw = { .size = sizeof fw, .id = id, .roles = roles,
                                       .n_roles = 1 };
    ck_assert_msg(A->add_framework(S, &fw, NULL, 0, true, &err) == 0, "%s", err.msg);
    return f;
}

static bool
all_gave_up(void)
{
    for (size_t i = 0; i < nfws; i++)
        if (!fws[i].gave_up)
            return false;
    return true;
}

/* ---- tests ----------------------------------------------------------------- */

/* The DRF paper's example: 9 cpus, 18 GB; A's tasks <1 cpu, 4 GB>, B's
 * <3 cpus, 1 GB>.  DRF ends with A 3 tasks and B 2: both at share 2/3. */
START_TEST(drf_equalises_dominant_shares)
{
    start(3600, "drf", NULL);
    add_agent("agent1", "cpus:9;mem:18432");
    sim_fw_t *a = add_fw("fw-a", "*", SIM_TASKS, "cpus:1;mem:4096");
    sim_fw_t *b = add_fw("fw-b", "*", SIM_TASKS, "cpus:3;mem:1024");
    ck_assert(run_until(all_gave_up, 10));
    ck_assert_int_eq(a->tasks, 3);
    ck_assert_int_eq(b->tasks, 2);
    double share_a = fmax(a->tasks * 1.0 / 9, a->tasks * 4096.0 / 18432);
    double share_b = fmax(b->tasks * 3.0 / 9, b->tasks * 1024.0 / 18432);
    ck_assert_double_eq_tol(share_a, share_b, 1e-9);
    stop();
}
END_TEST

START_TEST(weights_set_the_ratio)
{
    butte_err_t err;
    start(3600, "drf", NULL);
    butte_role_weight_t w[] = { { "gold", 2.0 }, { "bronze", 1.0 } };
    ck_assert_int_eq(A->update_weights(S, w, 2, &err), 0);
    /* Memory is left over when the cpus run out, so both get a last
     * offer their task does not fit and give up. */
    add_agent("agent1", "cpus:30;mem:40960");
    sim_fw_t *g = add_fw("fw-gold", "gold", SIM_TASKS, "cpus:1;mem:1024");
    sim_fw_t *b = add_fw("fw-bronze", "bronze", SIM_TASKS, "cpus:1;mem:1024");
    ck_assert(run_until(all_gave_up, 10));
    ck_assert_int_eq(g->tasks, 20);
    ck_assert_int_eq(b->tasks, 10);
    stop();
}
END_TEST

static sim_fw_t *watched;
static int watched_offers;

static bool
watched_offered(void)
{
    return watched->offers > watched_offers;
}

START_TEST(declined_offer_is_filtered_until_expiry)
{
    start(0.02, "drf", NULL);
    add_agent("agent1", "cpus:4;mem:4096");
    watched = add_fw("fw-a", "*", SIM_DECLINE, NULL);
    watched->refuse = 0.3;
    watched_offers = 0;
    ck_assert(run_until(watched_offered, 5));
    double declined_at = watched->last_offer_at;
    uint64_t before = passes();
    watched_offers = watched->offers;
    /* Stop declining so the count stays put once the filter lapses. */
    watched->mode = SIM_KEEP;
    ck_assert(run_until(watched_offered, 5));
    ck_assert_int_eq(watched->offers, watched_offers + 1);
    /* Several passes ran while the filter held, and it held for refuse_seconds. */
    ck_assert_uint_ge(passes() - before, 3);
    ck_assert(watched->last_offer_at - declined_at >= 0.3 - 1e-3);
    stop();
}
END_TEST

START_TEST(suppress_holds_and_revive_clears)
{
    start(0.02, "drf", NULL);
    add_agent("agent1", "cpus:4;mem:4096");
    watched = add_fw("fw-a", "*", SIM_DECLINE, NULL);
    watched->refuse = 3600;
    watched_offers = 0;
    ck_assert(run_until(watched_offered, 5));
    ck_assert_int_eq(watched->offers, 1);
    /* Filtered for an hour, and suppressed too. */
    A->suppress_offers(S, "fw-a", NULL, 0);
    run_passes(5);
    ck_assert_int_eq(watched->offers, 1);
    /* Revive clears the hour-long filter as well as the suppression. */
    watched->mode = SIM_KEEP;
    watched_offers = 1;
    A->revive_offers(S, "fw-a", NULL, 0);
    ck_assert(run_until(watched_offered, 5));
    ck_assert_int_eq(watched->offers, 2);
    stop();
}
END_TEST

START_TEST(deactivated_framework_gets_no_offers)
{
    start(0.02, "drf", NULL);
    add_agent("agent1", "cpus:4;mem:4096");
    watched = add_fw("fw-a", "*", SIM_DECLINE, NULL);
    watched->refuse = 0;
    A->deactivate_framework(S, "fw-a");
    run_passes(5);
    ck_assert_int_eq(watched->offers, 0);
    watched->mode = SIM_KEEP;
    watched_offers = 0;
    A->activate_framework(S, "fw-a");
    ck_assert(run_until(watched_offered, 5));
    stop();
}
END_TEST

START_TEST(deactivated_agent_is_not_offered)
{
    start(0.02, "drf", NULL);
    add_agent("agent1", "cpus:4;mem:4096");
    A->deactivate_agent(S, "agent1");
    watched = add_fw("fw-a", "*", SIM_KEEP, NULL);
    run_passes(5);
    ck_assert_int_eq(watched->offers, 0);
    watched_offers = 0;
    A->activate_agent(S, "agent1");
    ck_assert(run_until(watched_offered, 5));
    stop();
}
END_TEST

static bool
two_offers(void)
{
    return watched->offers >= 2;
}

START_TEST(removed_agent_takes_its_resources)
{
    butte_err_t err;
    start(3600, "drf", NULL);
    add_agent("agent1", "cpus:4;mem:4096");
    add_agent("agent2", "cpus:8;mem:8192");
    watched = add_fw("fw-a", "*", SIM_KEEP, NULL);
    ck_assert(run_until(two_offers, 5));
    A->remove_agent(S, "agent1");
    butte_allocator_stats_t st = { .size = sizeof st };
    A->stats(S, &st, NULL, NULL);
    ck_assert_uint_eq(st.agents, 1);
    /* A late recovery for the removed agent changes nothing. */
    butte_resources_t *r = butte_resources_parse(pool, "cpus:4;mem:4096", &err);
    ck_assert_int_eq(butte_resources_allocate(r, "*", &err), 0);
    A->recover_resources(S, "fw-a", "agent1", r, 0);
    /* Give agent2 back: the next offer is agent2's resources alone. */
    watched_offers = watched->offers;
    butte_resources_t *r2 = butte_resources_parse(pool, "cpus:8;mem:8192", &err);
    ck_assert_int_eq(butte_resources_allocate(r2, "*", &err), 0);
    A->recover_resources(S, "fw-a", "agent2", r2, 0);
    ck_assert(run_until(watched_offered, 5));
    ck_assert_str_eq(watched->last_agent, "agent2");
    ck_assert_double_eq(watched->last_cpus, 8);
    ck_assert_int_eq(watched->offers, watched_offers + 1);
    stop();
}
END_TEST

/* With an hour between periodic passes, a re-offer within seconds can
 * only come from the event-driven pass that recovery queues. */
START_TEST(recovery_triggers_a_pass_without_the_timer)
{
    start(3600, "drf", NULL);
    add_agent("agent1", "cpus:4;mem:4096");
    watched = add_fw("fw-a", "*", SIM_DECLINE, NULL);
    watched->refuse = 0;
    watched_offers = 4;
    ck_assert(run_until(watched_offered, 5));
    ck_assert_int_ge(watched->offers, 5);
    stop();
}
END_TEST

/* An offer of a whole agent hands the agent's own collection over; what
 * comes back must rebuild it exactly: a recovery twice over mints
 * nothing, and a partial one is offered alone. */
START_TEST(recoveries_rebuild_the_agent_exactly)
{
    butte_err_t err;
    start(3600, "drf", NULL);
    add_agent("agent1", "cpus:4;mem:4096;ports:[31000-32000]");
    watched = add_fw("fw-a", "*", SIM_KEEP, NULL);
    watched_offers = 0;
    ck_assert(run_until(watched_offered, 5));
    ck_assert_double_eq(watched->last_cpus, 4);
    butte_resources_t *all = butte_resources_parse(pool, "cpus:4;mem:4096;ports:[31000-32000]",
                                                   &err);
    ck_assert_int_eq(butte_resources_allocate(all, "*", &err), 0);
    A->recover_resources(S, "fw-a", "agent1", all, 0);
    A->recover_resources(S, "fw-a", "agent1", all, 0);
    watched_offers = 1;
    ck_assert(run_until(watched_offered, 5));
    ck_assert_double_eq(watched->last_cpus, 4); /* not 8 */
    butte_resources_t *one = butte_resources_parse(pool, "cpus:1;ports:[31000-31009]", &err);
    ck_assert_int_eq(butte_resources_allocate(one, "*", &err), 0);
    A->recover_resources(S, "fw-a", "agent1", one, 0);
    watched_offers = 2;
    ck_assert(run_until(watched_offered, 5));
    ck_assert_double_eq(watched->last_cpus, 1);
    /* Everything back, in two parts: the agent is whole again. */
    A->recover_resources(S, "fw-a", "agent1", one, 0);
    A->recover_resources(S, "fw-a", "agent1", butte_resources_minus(pool, all, one), 0);
    watched_offers = 3;
    ck_assert(run_until(watched_offered, 5));
    ck_assert_double_eq(watched->last_cpus, 4);
    stop();
}
END_TEST

static int
total_offers(void)
{
    int k = 0;
    for (size_t i = 0; i < nfws; i++)
        k += fws[i].offers;
    return k;
}

static bool
four_offers(void)
{
    return total_offers() >= 4;
}

/* A callback that removes agents while other offers of the same pass are
 * still to be sent: those offers stay readable and whole (the holding
 * and the offer share one collection until the callbacks are over), and
 * what is left keeps working. */
START_TEST(offer_callbacks_may_remove_agents)
{
    static const char *const agents[] = { "agent1", "agent2", "agent3", "agent4" };
    start(3600, "drf", NULL);
    all_agents = agents;
    n_all_agents = 4;
    for (size_t i = 0; i < 4; i++)
        add_agent(agents[i], "cpus:4;mem:4096;ports:[31000-32000]");
    add_fw("fw-a", "*", SIM_KEEP, NULL);
    add_fw("fw-b", "*", SIM_KEEP, NULL);
    remove_others_on_offer = true;
    ck_assert(run_until(four_offers, 5));
    /* Every offer of that pass arrived whole (on_offer checked each entry). */
    ck_assert_double_eq(fws[0].last_cpus, 4);
    ck_assert_double_eq(fws[1].last_cpus, 4);
    /* One agent is left; declining its offer gets it offered again. */
    butte_allocator_stats_t st = { .size = sizeof st };
    A->stats(S, &st, NULL, NULL);
    ck_assert_uint_eq(st.agents, 1);
    for (size_t i = 0; i < nfws; i++)
        fws[i].mode = SIM_DECLINE;
    fws[0].refuse = fws[1].refuse = 0;
    /* The survivor is held by whoever got it; give it back. */
    butte_err_t err;
    butte_resources_t *all = butte_resources_parse(pool, "cpus:4;mem:4096;ports:[31000-32000]",
                                                   &err);
    ck_assert_int_eq(butte_resources_allocate(all, "*", &err), 0);
    for (size_t i = 0; i < 4; i++) {
        A->recover_resources(S, "fw-a", agents[i], all, 0);
        A->recover_resources(S, "fw-b", agents[i], all, 0);
    }
    /* Each offer is declined inside its callback (the holding and the
     * offer share a collection then), and comes back whole. */
    watched = &fws[0];
    watched_offers = fws[0].offers + 2;
    ck_assert(run_until(watched_offered, 5));
    ck_assert_double_eq(fws[0].last_cpus, 4);
    ck_assert_double_eq(fws[1].last_cpus, 4);
    stop();
}
END_TEST

START_TEST(min_allocatable_holds_back_small_offers)
{
    start(0.02, "drf", "cpus:1;mem:64|mem:2048");
    add_agent("small", "cpus:0.5;mem:1024");
    watched = add_fw("fw-a", "*", SIM_TASKS, "cpus:1.5;mem:128");
    run_passes(5);
    ck_assert_int_eq(watched->offers, 0);
    add_agent("big", "cpus:2;mem:1024");
    watched_offers = 0;
    ck_assert(run_until(watched_offered, 5));
    ck_assert_str_eq(watched->last_agent, "big");
    /* The task took 1.5 cpus; 0.5 cpus and 896 MB meet neither alternative. */
    run_passes(5);
    ck_assert_int_eq(watched->offers, 1);
    ck_assert_int_eq(watched->tasks, 1);
    stop();
}
END_TEST

START_TEST(random_sorter_offers_to_everyone)
{
    start(3600, "random", NULL);
    add_agent("agent1", "cpus:4;mem:4096");
    for (int i = 0; i < 4; i++) {
        sim_fw_t *f = add_fw(i == 0 ? "fw-0" : i == 1 ? "fw-1" : i == 2 ? "fw-2" : "fw-3",
                             "*", SIM_TASKS, "cpus:100");
        (void)f;
    }
    /* Each declines for an hour once offered; all must get their turn. */
    ck_assert(run_until(all_gave_up, 5));
    for (size_t i = 0; i < nfws; i++)
        ck_assert_int_eq(fws[i].offers, 1);
    stop();
}
END_TEST

START_TEST(conflicts_and_bad_roles_are_refused)
{
    butte_err_t err;
    start(3600, "drf", NULL);
    add_agent("agent1", "cpus:1");
    butte_allocator_agent_t a = { .size = sizeof a, .id = "agent1",
                                  .total = butte_resources_create(pool) };
    ck_assert_int_eq(A->add_agent(S, &a, &err), BUTTE_ECONFLICT);
    const char *bad[] = { "a//b" };
    butte_allocator_framework_t fw = { .size = sizeof fw, .id = "fw", .roles = bad, .n_roles = 1 };
    ck_assert_int_eq(A->add_framework(S, &fw, NULL, 0, true, &err), BUTTE_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "a//b"));
    stop();
}
END_TEST

static Suite *
suite(void)
{
    Suite *s = suite_create("allocator");
    TCase *tc = tcase_create("hierarchical");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, drf_equalises_dominant_shares);
    tcase_add_test(tc, weights_set_the_ratio);
    tcase_add_test(tc, declined_offer_is_filtered_until_expiry);
    tcase_add_test(tc, suppress_holds_and_revive_clears);
    tcase_add_test(tc, deactivated_framework_gets_no_offers);
    tcase_add_test(tc, deactivated_agent_is_not_offered);
    tcase_add_test(tc, removed_agent_takes_its_resources);
    tcase_add_test(tc, recovery_triggers_a_pass_without_the_timer);
    tcase_add_test(tc, recoveries_rebuild_the_agent_exactly);
    tcase_add_test(tc, offer_callbacks_may_remove_agents);
    tcase_add_test(tc, min_allocatable_holds_back_small_offers);
    tcase_add_test(tc, random_sorter_offers_to_everyone);
    tcase_add_test(tc, conflicts_and_bad_roles_are_refused);
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
