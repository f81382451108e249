/*
 * tests/unit/strmap.c - the string -> pointer map: get/put/del, replacing,
 * growth, and heavy churn checked against a plain array as the model.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strmap-internal.h"

START_TEST(basics)
{
    butte_pool_t *p = butte_pool_create(NULL);
    butte_strmap_t m;
    int a = 1, b = 2;
    char key[] = "agent-1";

    butte_strmap_init(&m, p);
    ck_assert_ptr_null(butte_strmap_get(&m, "x"));
    ck_assert_ptr_null(butte_strmap_del(&m, "x"));
    butte_strmap_put(&m, "agent-1", &a);
    ck_assert_ptr_eq(butte_strmap_get(&m, key), &a); /* equal string, other pointer */
    butte_strmap_put(&m, key, &b);                   /* replaces */
    ck_assert_uint_eq(butte_strmap_count(&m), 1);
    ck_assert_ptr_eq(butte_strmap_get(&m, "agent-1"), &b);
    ck_assert_ptr_eq(butte_strmap_del(&m, "agent-1"), &b);
    ck_assert_ptr_null(butte_strmap_get(&m, "agent-1"));
    ck_assert_uint_eq(butte_strmap_count(&m), 0);
    butte_pool_destroy(p);
}
END_TEST

#define N 20000

/* Random puts and deletes over a key space twice the live set: every key
 * is checked against the model after the churn, and a sample during. */
START_TEST(churn_matches_model)
{
    butte_pool_t *p = butte_pool_create(NULL);
    butte_strmap_t m;
    static char keys[N][24];
    static int present[N];
    size_t live = 0;

    srand(7);
    butte_strmap_init(&m, p);
    for (size_t i = 0; i < N; i++) {
        snprintf(keys[i], sizeof keys[i], "fw-0000-%zu", i);
        present[i] = 0;
    }
    for (size_t step = 0; step < 8 * N; step++) {
        size_t k = (size_t)rand() % N;

        if (present[k]) {
            ck_assert_ptr_eq(butte_strmap_del(&m, keys[k]), &present[k]);
            present[k] = 0;
            live--;
        } else {
            present[k] = 1;
            butte_strmap_put(&m, keys[k], &present[k]);
            live++;
        }
        if (step % 997 == 0) {
            size_t q = (size_t)rand() % N;

            ck_assert_ptr_eq(butte_strmap_get(&m, keys[q]), present[q] ? &present[q] : NULL);
        }
    }
    ck_assert_uint_eq(butte_strmap_count(&m), live);
    for (size_t i = 0; i < N; i++)
        ck_assert_ptr_eq(butte_strmap_get(&m, keys[i]), present[i] ? &present[i] : NULL);
    for (size_t i = 0; i < N; i++)
        if (present[i])
            butte_strmap_del(&m, keys[i]);
    ck_assert_uint_eq(butte_strmap_count(&m), 0);
    ck_assert_ptr_null(butte_strmap_get(&m, keys[0]));
    butte_pool_destroy(p);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("strmap");
    TCase *tc = tcase_create("strmap");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, basics);
    tcase_add_test(tc, churn_matches_model);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
