/*
 * tests/unit/pool.c - pools free children and run cleanups in order.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <butte/error.h>
#include <butte/pool.h>

static char order[16];
static size_t order_len;

static void
record(void *arg)
{
    order[order_len++] = *(const char *)arg;
}

START_TEST(alloc_is_zeroed_and_aligned)
{
    butte_pool_t *p = butte_pool_create(NULL);

    for (size_t n = 1; n < 5000; n += 97) {
        unsigned char *b = butte_pool_alloc(p, n);
        ck_assert_uint_eq((uintptr_t)b % 16, 0);
        for (size_t i = 0; i < n; i++)
            ck_assert_uint_eq(b[i], 0);
        memset(b, 0xab, n);
    }
    butte_pool_destroy(p);
}
END_TEST

START_TEST(strings)
{
    butte_pool_t *p = butte_pool_create(NULL);

    ck_assert_str_eq(butte_pool_strdup(p, "cpus"), "cpus");
    ck_assert_ptr_null(butte_pool_strdup(p, NULL));
    ck_assert_str_eq(butte_pool_strndup(p, "mem:1024", 3), "mem");
    ck_assert_str_eq(butte_pool_printf(p, "%s-S%d", "abc", 7), "abc-S7");
    butte_pool_destroy(p);
}
END_TEST

START_TEST(children_and_cleanups_newest_first)
{
    butte_pool_t *parent = butte_pool_create(NULL);
    butte_pool_t *a = butte_pool_create(parent);
    butte_pool_t *b = butte_pool_create(parent);
    butte_pool_t *c = butte_pool_create(parent);
    static const char ka = 'a', kb = 'b', kc = 'c', kp = 'p', kq = 'q';

    order_len = 0;
    butte_pool_on_destroy(a, record, (void *)&ka);
    butte_pool_on_destroy(b, record, (void *)&kb);
    butte_pool_on_destroy(c, record, (void *)&kc);
    butte_pool_on_destroy(parent, record, (void *)&kp);
    butte_pool_on_destroy(parent, record, (void *)&kq);
    butte_pool_destroy(b); /* a middle child leaves early */
    ck_assert_uint_eq(order_len, 1);
    butte_pool_destroy(parent);
    order[order_len] = '\0';
    ck_assert_str_eq(order, "bcaqp");
}
END_TEST

START_TEST(error_convention)
{
    butte_err_t err = { 0 };

    ck_assert_int_eq(butte_err_set(&err, BUTTE_EINVAL, "flag '%s' is bad", "--port"), BUTTE_EINVAL);
    ck_assert_str_eq(err.msg, "flag '--port' is bad");
    ck_assert_int_eq(butte_err_prefix(&err, "master"), BUTTE_EINVAL);
    ck_assert_str_eq(err.msg, "master: flag '--port' is bad");
    ck_assert_int_eq(butte_err_set(NULL, BUTTE_EIO, "dropped"), BUTTE_EIO);
    butte_err_clear(&err);
    ck_assert_int_eq(err.code, 0);
    ck_assert_str_eq(err.msg, "");
    ck_assert_str_eq(butte_strerror(BUTTE_EABI), "module ABI mismatch");
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("pool");
    TCase *tc = tcase_create("pool");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, alloc_is_zeroed_and_aligned);
    tcase_add_test(tc, strings);
    tcase_add_test(tc, children_and_cleanups_newest_first);
    tcase_add_test(tc, error_convention);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
