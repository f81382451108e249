/*
 * tests/unit/sorter.c - the drf and random sorters of libsorters.so,
 * loaded through the loader (BUTTE_MODULE_DIR) and used through their ops
 * table: order by weighted dominant share, tie-breaks, incremental moves,
 * weights, activation, removal, and that foreach() agrees with sort().
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <butte/sorter.h>

#include "allocators/selection.h"
#include "core/loader-internal.h"

static butte_pool_t *pool;
static butte_modules_t *mods;
static const butte_sorter_ops_t *O;
static butte_sorter_t *s;

static void
open_sorter(const char *which)
{
    const char *dir = getenv("BUTTE_MODULE_DIR");
    butte_err_t err;

    ck_assert_msg(dir != NULL, "BUTTE_MODULE_DIR is not set (run through make check)");
    pool = butte_pool_create(NULL);
    mods = butte_modules_open(pool, NULL, NULL, NULL, dir, &err);
    ck_assert_msg(mods != NULL, "%s", err.msg);
    const butte_module_choice_t *c = butte_sorter_choice(which);
    ck_assert_ptr_nonnull(c);
    ck_assert_msg(butte_modules_add_library(mods, c->library, c->symbol, &err) == 0, "%s",
                  err.msg);
    butte_instance_t *inst = butte_modules_create(mods, c->symbol, BUTTE_KIND_SORTER, &err);
    ck_assert_msg(inst != NULL, "%s", err.msg);
    O = butte_instance_ops(inst);
    ck_assert_int_eq(O->open(butte_instance_state(inst), &s, &err), 0);
}

static void
close_sorter(void)
{
    O->close(s);
    butte_modules_close(mods);
    butte_pool_destroy(pool);
}

static butte_resources_t *
res(const char *text)
{
    butte_err_t err;
    butte_resources_t *r = butte_resources_parse(pool, text, &err);
    ck_assert_msg(r != NULL, "%s", err.msg);
    return r;
}

static void
add(const char *client)
{
    butte_err_t err;
    ck_assert_int_eq(O->add_client(s, client, &err), 0);
    O->activate(s, client);
}

/* The order as "a,b,c"; also checks foreach() matches sort(). */
static const char *
order(void)
{
    const char **names;
    size_t n;
    butte_err_t err;
    ck_assert_int_eq(O->sort(s, pool, &names, &n, &err), 0);
    char *out = butte_pool_strdup(pool, "");
    for (size_t i = 0; i < n; i++)
        out = butte_pool_printf(pool, "%s%s%s", out, i ? "," : "", names[i]);
    return out;
}

static bool
collect(const char *client, void *data, void *arg)
{
    char **out = arg;
    (void)data;
    *out = butte_pool_printf(pool, "%s%s%s", *out, **out ? "," : "", client);
    return true;
}

static const char *
walked(void)
{
    char *out = butte_pool_strdup(pool, "");
    O->foreach(s, collect, &out);
    return out;
}

START_TEST(drf_orders_by_dominant_share)
{
    open_sorter("drf");
    O->add_total(s, "agent1", res("cpus:10;mem:100"));
    add("c");
    add("a");
    add("b");
    /* All at zero: names decide. */
    ck_assert_str_eq(order(), "a,b,c");
    O->allocated(s, "a", "agent1", res("cpus:5"));   /* share 0.5 */
    O->allocated(s, "b", "agent1", res("mem:20"));   /* share 0.2 */
    ck_assert_str_eq(order(), "c,b,a");
    ck_assert_str_eq(walked(), "c,b,a");
    O->allocated(s, "c", "agent1", res("cpus:1;mem:90")); /* share 0.9 */
    ck_assert_str_eq(order(), "b,a,c");
    O->unallocated(s, "c", "agent1", res("cpus:1;mem:90"));
    /* c is back at zero but has one allocation more than nobody: still first. */
    ck_assert_str_eq(order(), "c,b,a");
    /* More totals halve every share without changing the order. */
    O->add_total(s, "agent2", res("cpus:10;mem:100"));
    ck_assert_str_eq(walked(), "c,b,a");
    close_sorter();
}
END_TEST

START_TEST(drf_ties_go_to_fewer_allocations)
{
    open_sorter("drf");
    O->add_total(s, "agent1", res("cpus:10"));
    add("a");
    add("b");
    O->allocated(s, "a", "agent1", res("cpus:1"));
    O->allocated(s, "a", "agent1", res("cpus:1"));
    O->allocated(s, "b", "agent1", res("cpus:2"));
    /* Equal shares (0.2); b has had one allocation, a two. */
    ck_assert_str_eq(order(), "b,a");
    close_sorter();
}
END_TEST

START_TEST(drf_weights_divide_the_share)
{
    open_sorter("drf");
    O->add_total(s, "agent1", res("cpus:10"));
    O->update_weight(s, "gold", 4);
    add("gold");
    add("iron");
    O->allocated(s, "gold", "agent1", res("cpus:4"));  /* 0.4 / 4 = 0.1 */
    O->allocated(s, "iron", "agent1", res("cpus:2"));  /* 0.2 / 1 */
    ck_assert_str_eq(order(), "gold,iron");
    O->update_weight(s, "gold", 1);
    ck_assert_str_eq(order(), "iron,gold");
    close_sorter();
}
END_TEST

START_TEST(inactive_and_removed_clients_are_skipped)
{
    butte_err_t err;
    open_sorter("drf");
    add("a");
    add("b");
    add("c");
    ck_assert_int_eq(O->add_client(s, "a", &err), BUTTE_ECONFLICT);
    O->deactivate(s, "b");
    ck_assert_str_eq(order(), "a,c");
    ck_assert(O->contains(s, "b"));
    O->remove_client(s, "a");
    ck_assert(!O->contains(s, "a"));
    ck_assert_str_eq(order(), "c");
    O->activate(s, "b");
    ck_assert_str_eq(order(), "b,c");
    close_sorter();
}
END_TEST

START_TEST(allocation_reports_what_is_held)
{
    open_sorter("drf");
    add("a");
    O->allocated(s, "a", "agent1", res("cpus:2;mem:10"));
    O->allocated(s, "a", "agent2", res("cpus:1"));
    O->unallocated(s, "a", "agent1", res("mem:10"));
    const butte_resources_t *r = O->allocation(s, "a", pool);
    ck_assert_double_eq(butte_resources_scalar(r, "cpus"), 3);
    ck_assert_double_eq(butte_resources_scalar(r, "mem"), 0);
    close_sorter();
}
END_TEST

START_TEST(many_clients_stay_sorted)
{
    open_sorter("drf");
    O->add_total(s, "agent1", res("cpus:1000"));
    char name[16];
    for (int i = 0; i < 200; i++) {
        snprintf(name, sizeof name, "c%03d", i);
        add(name);
    }
    /* Pseudo-random allocations; after each, the walk must be sorted by share. */
    unsigned x = 12345;
    for (int k = 0; k < 500; k++) {
        x = x * 1103515245u + 12345u;
        snprintf(name, sizeof name, "c%03u", (x >> 8) % 200);
        O->allocated(s, name, "agent1", res(butte_pool_printf(pool, "cpus:%u", 1 + (x >> 20) % 5)));
        if (k % 50 == 0 || k == 499) {
            const char **names;
            size_t n;
            butte_err_t err;
            ck_assert_int_eq(O->sort(s, pool, &names, &n, &err), 0);
            ck_assert_uint_eq(n, 200);
            double prev = -1;
            for (size_t i = 0; i < n; i++) {
                double cpus = butte_resources_scalar(O->allocation(s, names[i], pool), "cpus");
                ck_assert(cpus >= prev);
                prev = cpus;
            }
        }
    }
    close_sorter();
}
END_TEST

/* The model the drf sorter must agree with: clients ordered by held cpus
 * (one total, weight 1), then by allocation count, then by name. */
typedef struct model {
    char name[8];
    int cpus, count;
    bool active;
} model_t;

static int
model_cmp(const void *pa, const void *pb)
{
    const model_t *a = *(model_t *const *)pa, *b = *(model_t *const *)pb;
    if (a->cpus != b->cpus)
        return a->cpus < b->cpus ? -1 : 1;
    if (a->count != b->count)
        return a->count < b->count ? -1 : 1;
    return strcmp(a->name, b->name);
}

typedef struct stop_at {
    int k;          /* stop at the k-th client */
    const char *at; /* which one that was */
} stop_at_t;

static bool
stop_at_k(const char *client, void *data, void *arg)
{
    stop_at_t *st = arg;
    (void)data;
    st->at = client;
    return st->k-- > 0;
}

START_TEST(incremental_moves_match_the_model)
{
    /* Many equal shares (ties by count and name), allocations from where
     * a walk stopped (as the allocator charges them), unallocations,
     * deactivation and reactivation: the order must always be exactly
     * the model's, with no full re-sort in between. */
    enum { N = 60 };
    model_t m[N], *v[N];
    open_sorter("drf");
    O->add_total(s, "agent1", res("cpus:100000"));
    for (int i = 0; i < N; i++) {
        snprintf(m[i].name, sizeof m[i].name, "k%02d", (i * 37) % N);
        m[i].cpus = m[i].count = 0;
        m[i].active = true;
        add(m[i].name);
    }
    unsigned x = 777;
    for (int step = 0; step < 3000; step++) {
        x = x * 1103515245u + 12345u;
        unsigned r = x >> 8;
        model_t *c = &m[r % N];
        switch ((r >> 8) % 6) {
        case 0: case 1: { /* walk, stop early, charge the client stopped at */
            stop_at_t st = { (int)((r >> 12) % 4), NULL };
            O->foreach(s, stop_at_k, &st);
            if (st.at == NULL)
                break;
            for (int i = 0; i < N; i++)
                if (strcmp(m[i].name, st.at) == 0)
                    c = &m[i];
            int k = (int)((r >> 16) % 3);
            O->allocated(s, c->name, "agent1", res(butte_pool_printf(pool, "cpus:%d", k)));
            c->cpus += k;
            c->count++;
            break;
        }
        case 2:
            O->allocated(s, c->name, "agent1", res("cpus:1"));
            c->cpus += 1;
            c->count++;
            break;
        case 3:
            if (c->cpus > 0) {
                O->unallocated(s, c->name, "agent1", res("cpus:1"));
                c->cpus -= 1;
            }
            break;
        case 4:
            if (c->active)
                O->deactivate(s, c->name);
            else
                O->activate(s, c->name);
            c->active = !c->active;
            break;
        default:
            break;
        }
        if (step % 10 != 0)
            continue;
        size_t n = 0;
        for (int i = 0; i < N; i++)
            if (m[i].active)
                v[n++] = &m[i];
        qsort(v, n, sizeof *v, model_cmp);
        char *want = butte_pool_strdup(pool, "");
        for (size_t i = 0; i < n; i++)
            want = butte_pool_printf(pool, "%s%s%s", want, i ? "," : "", v[i]->name);
        ck_assert_str_eq(walked(), want);
    }
    close_sorter();
}
END_TEST

START_TEST(random_visits_every_active_client)
{
    open_sorter("random");
    add("a");
    add("b");
    add("c");
    O->deactivate(s, "c");
    int first_a = 0;
    for (int i = 0; i < 200; i++) {
        const char *o = order();
        ck_assert(strcmp(o, "a,b") == 0 || strcmp(o, "b,a") == 0);
        first_a += o[0] == 'a';
    }
    /* Both orders occur (each has probability 1/2 per draw). */
    ck_assert_int_gt(first_a, 0);
    ck_assert_int_lt(first_a, 200);
    close_sorter();
}
END_TEST

static Suite *
suite(void)
{
    Suite *su = suite_create("sorter");
    TCase *tc = tcase_create("sorters");

    tcase_add_test(tc, drf_orders_by_dominant_share);
    tcase_add_test(tc, drf_ties_go_to_fewer_allocations);
    tcase_add_test(tc, drf_weights_divide_the_share);
    tcase_add_test(tc, inactive_and_removed_clients_are_skipped);
    tcase_add_test(tc, allocation_reports_what_is_held);
    tcase_add_test(tc, many_clients_stay_sorted);
    tcase_add_test(tc, incremental_moves_match_the_model);
    tcase_add_test(tc, random_visits_every_active_client);
    suite_add_tcase(su, tc);
    return su;
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
