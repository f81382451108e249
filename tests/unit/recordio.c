/*
 * tests/unit/recordio.c - RecordIO framing: the reference example, records
 * split anywhere, several per chunk, and every malformed size line.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <butte/error.h>
#include <butte/pool.h>
#include <butte/recordio.h>

#define HEARTBEAT "{\"type\":\"HEARTBEAT\"}"

/* Three records, one with an LF and digits inside its data (data is
 * opaque: only the size says where it ends). */
static const char *const records[] = {
    HEARTBEAT,
    "7\n12\n345",
    "{\"type\":\"UPDATE\",\"update\":{\"status\":{\"task_id\":{\"value\":\"t\"},"
    "\"state\":\"TASK_RUNNING\"}}}",
};
#define NRECORDS (sizeof records / sizeof records[0])

/* The three records framed back to back, in pool. */
static char *
stream(butte_pool_t *p, size_t *len)
{
    char *out = butte_pool_alloc(p, 1024);

    *len = 0;
    for (size_t i = 0; i < NRECORDS; i++) {
        size_t n;
        char *r = butte_recordio_encode(p, records[i], strlen(records[i]), &n);

        memcpy(out + *len, r, n);
        *len += n;
    }
    return out;
}

/* Take every complete record out of d and check it against records[*next]. */
static void
drain(butte_recordio_decoder_t *d, size_t *next)
{
    const void *data;
    size_t len;
    butte_err_t err = { 0 };
    int rc;

    while ((rc = butte_recordio_decoder_next(d, &data, &len, &err)) == 1) {
        ck_assert_uint_lt(*next, NRECORDS);
        ck_assert_uint_eq(len, strlen(records[*next]));
        ck_assert(memcmp(data, records[*next], len) == 0);
        (*next)++;
    }
    ck_assert_int_eq(rc, 0);
}

START_TEST(header_and_reference_example)
{
    butte_pool_t *p = butte_pool_create(NULL);
    char buf[BUTTE_RECORDIO_HEADER_MAX];
    size_t n;
    char *r;

    ck_assert_uint_eq(butte_recordio_header(buf, 20), 3);
    ck_assert(memcmp(buf, "20\n", 3) == 0);
    ck_assert_uint_eq(butte_recordio_header(buf, 7), 2);
    ck_assert_uint_eq(butte_recordio_header(buf, SIZE_MAX), 21);
    ck_assert(memcmp(buf, "18446744073709551615\n", 21) == 0);

    r = butte_recordio_encode(p, HEARTBEAT, strlen(HEARTBEAT), &n);
    ck_assert_uint_eq(n, 23);
    ck_assert(memcmp(r, "20\n{\"type\":\"HEARTBEAT\"}", 23) == 0);
    butte_pool_destroy(p);
}
END_TEST

START_TEST(several_records_in_one_chunk)
{
    butte_pool_t *p = butte_pool_create(NULL);
    butte_recordio_decoder_t *d = butte_recordio_decoder_create(p, 1 << 20);
    size_t len, next = 0;
    char *s = stream(p, &len);

    butte_recordio_decoder_feed(d, s, len);
    drain(d, &next);
    ck_assert_uint_eq(next, NRECORDS);
    ck_assert_uint_eq(butte_recordio_decoder_pending(d), 0);
    butte_pool_destroy(p);
}
END_TEST

START_TEST(split_at_every_byte_boundary)
{
    butte_pool_t *p = butte_pool_create(NULL);
    size_t len;
    char *s = stream(p, &len);

    for (size_t k = 0; k <= len; k++) {
        butte_pool_t *q = butte_pool_create(p);
        butte_recordio_decoder_t *d = butte_recordio_decoder_create(q, 0);
        size_t next = 0;

        butte_recordio_decoder_feed(d, s, k);
        drain(d, &next);
        butte_recordio_decoder_feed(d, s + k, len - k);
        drain(d, &next);
        ck_assert_uint_eq(next, NRECORDS);
        butte_pool_destroy(q);
    }
    butte_pool_destroy(p);
}
END_TEST

START_TEST(one_byte_at_a_time)
{
    butte_pool_t *p = butte_pool_create(NULL);
    butte_recordio_decoder_t *d = butte_recordio_decoder_create(p, 100);
    size_t len, next = 0;
    char *s = stream(p, &len);

    for (size_t i = 0; i < len; i++) {
        butte_recordio_decoder_feed(d, s + i, 1);
        drain(d, &next);
    }
    ck_assert_uint_eq(next, NRECORDS);
    /* A partial record at the end shows as pending. */
    butte_recordio_decoder_feed(d, "5\nab", 4);
    drain(d, &next);
    ck_assert_uint_eq(butte_recordio_decoder_pending(d), 4);
    butte_pool_destroy(p);
}
END_TEST

/* Feed text, expect an error whose message contains want; then check the
 * error sticks. */
static void
expect_error(const char *text, size_t limit, const char *want)
{
    butte_pool_t *p = butte_pool_create(NULL);
    butte_recordio_decoder_t *d = butte_recordio_decoder_create(p, limit);
    butte_err_t err = { 0 };
    const void *data;
    size_t len;

    butte_recordio_decoder_feed(d, text, strlen(text));
    ck_assert_int_eq(butte_recordio_decoder_next(d, &data, &len, &err), BUTTE_EINVAL);
    ck_assert_int_eq(err.code, BUTTE_EINVAL);
    ck_assert_msg(strstr(err.msg, want) != NULL, "\"%s\" lacks \"%s\"", err.msg, want);
    butte_err_clear(&err);
    butte_recordio_decoder_feed(d, "1\nx", 3);
    ck_assert_int_eq(butte_recordio_decoder_next(d, &data, &len, &err), BUTTE_EINVAL);
    ck_assert(strstr(err.msg, want) != NULL);
    butte_pool_destroy(p);
}

START_TEST(bad_sizes)
{
    expect_error("2x\n{}", 0, "'x' (0x78) is not a digit");
    expect_error("-1\n", 0, "'-' (0x2d) is not a digit");
    expect_error(" 5\nhello", 0, "' ' (0x20) is not a digit");
    expect_error("\r\n", 0, "byte 0x0d is not a digit");
    expect_error("\n{}", 0, "empty size line");
    expect_error("0\n", 0, "0 (records are never empty)");
    expect_error("000\n", 0, "0 (records are never empty)");
    /* Refused as soon as the size says so: no LF, no data yet. */
    expect_error("1025", 1024, "exceeds the limit of 1024 bytes");
    expect_error("99999999999999999999", 0, "exceeds the limit");
    expect_error("000000000000000000001\n", 0, "more than 20 digits");
}
END_TEST

START_TEST(limit_is_inclusive)
{
    butte_pool_t *p = butte_pool_create(NULL);
    butte_recordio_decoder_t *d = butte_recordio_decoder_create(p, 3);
    butte_err_t err = { 0 };
    const void *data;
    size_t len;

    butte_recordio_decoder_feed(d, "3\nabc", 5);
    ck_assert_int_eq(butte_recordio_decoder_next(d, &data, &len, &err), 1);
    ck_assert_uint_eq(len, 3);
    ck_assert_int_eq(butte_recordio_decoder_next(d, &data, &len, &err), 0);
    butte_pool_destroy(p);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("recordio");
    TCase *tc = tcase_create("core");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, header_and_reference_example);
    tcase_add_test(tc, several_records_in_one_chunk);
    tcase_add_test(tc, split_at_every_byte_boundary);
    tcase_add_test(tc, one_byte_at_a_time);
    tcase_add_test(tc, bad_sizes);
    tcase_add_test(tc, limit_is_inclusive);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
