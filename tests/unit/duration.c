/*
 * tests/unit/duration.c - the value grammars flags use: durations, byte
 * sizes and booleans, as Mesos writes them.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/flags-internal.h"

static double
secs_of(const char *text)
{
    butte_err_t err = { 0 };
    double secs = -1;

    ck_assert_msg(butte_parse_duration(text, &secs, &err) == 0, "'%s': %s", text, err.msg);
    return secs;
}

static const char *
duration_error(const char *text)
{
    static butte_err_t err;
    double secs = 42;

    butte_err_clear(&err);
    ck_assert_int_eq(butte_parse_duration(text, &secs, &err), BUTTE_EINVAL);
    ck_assert_double_eq(secs, 42);
    ck_assert_int_eq(err.code, BUTTE_EINVAL);
    return err.msg;
}

START_TEST(durations_in_every_unit)
{
    ck_assert_double_eq_tol(secs_of("10secs"), 10, 1e-12);
    ck_assert_double_eq_tol(secs_of("1mins"), 60, 1e-12);
    ck_assert_double_eq_tol(secs_of("500ms"), 0.5, 1e-12);
    ck_assert_double_eq_tol(secs_of("2weeks"), 2 * 7 * 86400, 1e-9);
    ck_assert_double_eq_tol(secs_of("1.5hrs"), 5400, 1e-9);
    ck_assert_double_eq_tol(secs_of("3days"), 3 * 86400, 1e-9);
    ck_assert_double_eq_tol(secs_of("250us"), 250e-6, 1e-15);
    ck_assert_double_eq_tol(secs_of("100ns"), 100e-9, 1e-18);
    ck_assert_double_eq(secs_of("0ns"), 0);
    ck_assert_double_eq_tol(secs_of(".5secs"), 0.5, 1e-12);
}
END_TEST

START_TEST(bad_durations_say_why)
{
    ck_assert_str_eq(duration_error("10"),
                     "invalid duration '10': missing unit (ns, us, ms, secs, mins, hrs, days "
                     "or weeks)");
    ck_assert_ptr_nonnull(strstr(duration_error("secs"), "expected a number and a unit"));
    ck_assert_ptr_nonnull(strstr(duration_error("-1secs"), "must not be negative"));
    ck_assert_ptr_nonnull(strstr(duration_error("10sec"), "unknown unit 'sec'"));
    ck_assert_ptr_nonnull(strstr(duration_error("10 secs"), "unknown unit ' secs'"));
    ck_assert_ptr_nonnull(strstr(duration_error("1e3secs"), "unknown unit"));
    ck_assert_ptr_nonnull(strstr(duration_error(""), "expected a number"));
    ck_assert_ptr_nonnull(strstr(duration_error("infsecs"), "expected a number"));
    ck_assert_ptr_nonnull(strstr(duration_error("1.2.3secs"), "unknown unit"));
}
END_TEST

START_TEST(byte_sizes)
{
    butte_err_t err = { 0 };
    uint64_t b = 0;

    ck_assert_int_eq(butte_parse_bytes("64MB", &b, &err), 0);
    ck_assert_uint_eq(b, 64ull << 20);
    ck_assert_int_eq(butte_parse_bytes("1GB", &b, &err), 0);
    ck_assert_uint_eq(b, 1ull << 30);
    ck_assert_int_eq(butte_parse_bytes("4KB", &b, &err), 0);
    ck_assert_uint_eq(b, 4096);
    ck_assert_int_eq(butte_parse_bytes("10B", &b, &err), 0);
    ck_assert_uint_eq(b, 10);
    ck_assert_int_eq(butte_parse_bytes("2TB", &b, &err), 0);
    ck_assert_uint_eq(b, 2ull << 40);
    ck_assert_int_eq(butte_parse_bytes("1.5KB", &b, &err), 0);
    ck_assert_uint_eq(b, 1536);

    b = 7;
    ck_assert_int_eq(butte_parse_bytes("64mb", &b, &err), BUTTE_EINVAL);
    ck_assert_str_eq(err.msg, "invalid byte size '64mb': unknown unit 'mb' (B, KB, MB, GB or TB)");
    ck_assert_int_eq(butte_parse_bytes("64PB", &b, &err), BUTTE_EINVAL);
    ck_assert_int_eq(butte_parse_bytes("64", &b, &err), BUTTE_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "missing unit"));
    ck_assert_int_eq(butte_parse_bytes("-1MB", &b, &err), BUTTE_EINVAL);
    ck_assert_int_eq(butte_parse_bytes("MB", &b, &err), BUTTE_EINVAL);
    ck_assert_int_eq(butte_parse_bytes("99999999TB", &b, &err), BUTTE_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "too large"));
    ck_assert_uint_eq(b, 7);
}
END_TEST

START_TEST(booleans)
{
    butte_err_t err = { 0 };
    bool v = false;

    ck_assert_int_eq(butte_parse_bool("true", &v, &err), 0);
    ck_assert(v);
    ck_assert_int_eq(butte_parse_bool("0", &v, &err), 0);
    ck_assert(!v);
    ck_assert_int_eq(butte_parse_bool("1", &v, &err), 0);
    ck_assert(v);
    ck_assert_int_eq(butte_parse_bool("false", &v, &err), 0);
    ck_assert(!v);
    ck_assert_int_eq(butte_parse_bool("yes", &v, &err), BUTTE_EINVAL);
    ck_assert_str_eq(err.msg, "invalid boolean 'yes' (expected true, false, 1 or 0)");
    ck_assert_int_eq(butte_parse_bool("", &v, &err), BUTTE_EINVAL);
    ck_assert_int_eq(butte_parse_bool("TRUE", &v, &err), BUTTE_EINVAL);
    /* A caller may pass no error holder. */
    ck_assert_int_eq(butte_parse_bool("maybe", &v, NULL), BUTTE_EINVAL);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("duration");
    TCase *tc = tcase_create("grammars");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, durations_in_every_unit);
    tcase_add_test(tc, bad_durations_say_why);
    tcase_add_test(tc, byte_sizes);
    tcase_add_test(tc, booleans);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
