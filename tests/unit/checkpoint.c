/*
 * tests/unit/checkpoint.c - task.updates (kernel/agent/checkpoint.c) and
 * the status update manager's checkpointing: a stream is written (through
 * butte_sum_update_at / butte_sum_acknowledge, as the agent does), the
 * manager is thrown away without any goodbye (the "crash"), and the file
 * read back gives every update in order and the unacknowledged ones in
 * order; a torn last record is dropped and reported; garbage is an error.
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/checkpoint-internal.h"
#include "agent/status-updates-internal.h"
#include "core/loop-internal.h"

static char tmp[256];
static butte_pool_t *pool;

static void
setup(void)
{
    const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

    snprintf(tmp, sizeof tmp, "%s/butte-ckpt.XXXXXX", base);
    ck_assert_ptr_nonnull(mkdtemp(tmp));
    pool = butte_pool_create(NULL);
}

static void
teardown(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    ck_assert_int_eq(system(cmd), 0);
    butte_pool_destroy(pool);
}

static int sent;

static int
count_send(const Butte__Internal__StatusUpdate *u, void *arg)
{
    sent++;
    return 0;
}

/* An update of task t with state s and uuid bytes all = tag. */
static void
update(butte_sum_t *sum, const char *dir, const char *task, Mesos__V1__TaskState s,
       uint8_t tag)
{
    Butte__Internal__StatusUpdate u = BUTTE__INTERNAL__STATUS_UPDATE__INIT;
    Mesos__V1__TaskStatus st = MESOS__V1__TASK_STATUS__INIT;
    Mesos__V1__FrameworkID fid = MESOS__V1__FRAMEWORK_ID__INIT;
    Mesos__V1__TaskID tid = MESOS__V1__TASK_ID__INIT;
    uint8_t uuid[16];
    butte_err_t err;

    memset(uuid, tag, sizeof uuid);
    fid.value = "fw";
    tid.value = (char *)task;
    st.task_id = &tid;
    st.state = s;
    st.has_uuid = 1;
    st.uuid.data = uuid;
    st.uuid.len = 16;
    u.framework_id = &fid;
    u.status = &st;
    ck_assert_int_eq(butte_sum_update_at(sum, &u, dir, &err), 0);
}

static void
ack(butte_sum_t *sum, const char *task, uint8_t tag)
{
    uint8_t uuid[16];
    butte_err_t err;

    memset(uuid, tag, sizeof uuid);
    ck_assert_int_eq(butte_sum_acknowledge(sum, "fw", task, uuid, 16, &err), 0);
}

START_TEST(test_write_crash_read)
{
    butte_err_t err;
    butte_loop_t *loop = butte_loop_create(&err);
    butte_sum_t *sum = butte_sum_create(pool, loop, count_send, NULL, NULL);
    char *dir = butte_pool_printf(pool, "%s/meta/slaves/a/frameworks/fw/executors/e/runs/c/tasks/t",
                                  tmp);
    char *path = butte_pool_printf(pool, "%s/task.updates", dir);
    butte_ckpt_stream_t st;

    ck_assert_ptr_nonnull(loop);
    update(sum, dir, "t", MESOS__V1__TASK_STATE__TASK_STARTING, 1);
    update(sum, dir, "t", MESOS__V1__TASK_STATE__TASK_RUNNING, 2);
    ack(sum, "t", 1);
    update(sum, dir, "t", MESOS__V1__TASK_STATE__TASK_FINISHED, 3);
    /* one in flight per task: only the head went out, then the second */
    ck_assert_int_eq(sent, 2);
    /* the crash: nothing more is written, the manager is gone */
    butte_sum_destroy(sum);
    butte_loop_destroy(loop);

    ck_assert_int_eq(butte_ckpt_read(pool, path, &st, &err), 0);
    ck_assert_uint_eq(st.n_updates, 3);
    ck_assert_uint_eq(st.n_acks, 1);
    ck_assert_uint_eq(st.n_pending, 2);
    ck_assert(!st.torn);
    ck_assert_int_eq(st.pending[0]->status->state, MESOS__V1__TASK_STATE__TASK_RUNNING);
    ck_assert_int_eq(st.pending[0]->status->uuid.data[0], 2);
    ck_assert_int_eq(st.pending[1]->status->state, MESOS__V1__TASK_STATE__TASK_FINISHED);
    ck_assert_int_eq(st.pending[1]->status->uuid.data[0], 3);
    ck_assert_str_eq(st.updates[0]->status->task_id->value, "t");

    /* the scan finds it (runs/latest excluded) */
    ck_assert_uint_eq(butte_ckpt_scan(tmp, "a", NULL, NULL), 1);
}
END_TEST

START_TEST(test_all_acked)
{
    butte_err_t err;
    butte_loop_t *loop = butte_loop_create(&err);
    butte_sum_t *sum = butte_sum_create(pool, loop, count_send, NULL, NULL);
    char *dir = butte_pool_printf(pool, "%s/t2", tmp);
    butte_ckpt_stream_t st;

    update(sum, dir, "t2", MESOS__V1__TASK_STATE__TASK_RUNNING, 7);
    update(sum, dir, "t2", MESOS__V1__TASK_STATE__TASK_FAILED, 8);
    ack(sum, "t2", 7);
    ack(sum, "t2", 8);
    /* the acknowledged terminal update ended the stream */
    ck_assert(!butte_sum_has_stream(sum, "fw", "t2"));
    butte_sum_destroy(sum);
    butte_loop_destroy(loop);
    ck_assert_int_eq(butte_ckpt_read(pool, butte_pool_printf(pool, "%s/task.updates", dir), &st,
                                     &err),
                     0);
    ck_assert_uint_eq(st.n_updates, 2);
    ck_assert_uint_eq(st.n_pending, 0);
    ck_assert_uint_eq(st.n_acks, 2);
}
END_TEST

START_TEST(test_torn_and_garbage)
{
    butte_err_t err;
    char *dir = butte_pool_printf(pool, "%s/t3", tmp);
    char *path = butte_pool_printf(pool, "%s/task.updates", dir);
    butte_ckpt_file_t *f = butte_ckpt_open(pool, dir, &err);
    butte_ckpt_stream_t st;
    uint8_t uuid[16];

    ck_assert_ptr_nonnull(f);
    {
        Butte__Internal__StatusUpdate u = BUTTE__INTERNAL__STATUS_UPDATE__INIT;
        Mesos__V1__TaskStatus s = MESOS__V1__TASK_STATUS__INIT;
        Mesos__V1__TaskID tid = MESOS__V1__TASK_ID__INIT;
        Mesos__V1__FrameworkID fid = MESOS__V1__FRAMEWORK_ID__INIT;
        uint8_t buf[256];
        memset(uuid, 9, sizeof uuid);
        fid.value = "fw";
        u.framework_id = &fid;
        tid.value = "t3";
        s.task_id = &tid;
        s.has_uuid = 1;
        s.uuid.data = uuid;
        s.uuid.len = 16;
        u.status = &s;
        size_t n = butte__internal__status_update__pack(&u, buf);
        ck_assert_int_eq(butte_ckpt_append(f, BUTTE_CKPT_UPDATE, buf, n, &err), 0);
        /* an ACK of a uuid never seen: counted as stray */
        memset(uuid, 4, sizeof uuid);
        ck_assert_int_eq(butte_ckpt_append(f, BUTTE_CKPT_ACK, uuid, 16, &err), 0);
    }
    butte_ckpt_close(f);
    /* the crash cut a record: its header says 100 bytes, 3 are there */
    int fd = open(path, O_WRONLY | O_APPEND);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "\x65\0\0\0\x01" "ab", 7), 7);
    close(fd);
    ck_assert_int_eq(butte_ckpt_read(pool, path, &st, &err), 0);
    ck_assert(st.torn);
    ck_assert_uint_eq(st.n_updates, 1);
    ck_assert_uint_eq(st.n_pending, 1);
    ck_assert_uint_eq(st.n_stray_acks, 1);

    /* a whole record of an unknown type is garbage, not a torn tail */
    fd = open(path, O_WRONLY | O_TRUNC);
    ck_assert_int_eq(write(fd, "\x02\0\0\0\x07x", 6), 6);
    close(fd);
    ck_assert_int_eq(butte_ckpt_read(pool, path, &st, &err), BUTTE_EINVAL);
    ck_assert_int_eq(butte_ckpt_read(pool, butte_pool_printf(pool, "%s/none", tmp), &st, &err),
                     BUTTE_ENOTFOUND);
}
END_TEST

START_TEST(test_write_file)
{
    butte_err_t err;
    char *path = butte_pool_printf(pool, "%s/x/y/task.info", tmp);
    char buf[16] = "";
    FILE *fp;

    ck_assert_int_eq(butte_ckpt_write_file(path, "one", 3, &err), 0);
    ck_assert_int_eq(butte_ckpt_write_file(path, "two!", 4, &err), 0);
    fp = fopen(path, "r");
    ck_assert_ptr_nonnull(fp);
    ck_assert_uint_eq(fread(buf, 1, sizeof buf - 1, fp), 4);
    fclose(fp);
    ck_assert_str_eq(buf, "two!");
}
END_TEST

static Suite *
suite(void)
{
    Suite *s = suite_create("checkpoint");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_write_crash_read);
    tcase_add_test(tc, test_all_acked);
    tcase_add_test(tc, test_torn_and_garbage);
    tcase_add_test(tc, test_write_file);
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
