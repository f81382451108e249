/*
 * kernel/agent/status-updates.c - the status update manager
 * (status-updates-internal.h).
 *
 * Updates are kept packed (the bytes that go on the wire) in their
 * stream's pool, so a stream is freed in one place when it ends.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <butte/log.h>

#include "agent/checkpoint-internal.h"
#include "agent/status-updates-internal.h"

#define RETRY_MIN 10.0
#define RETRY_MAX 600.0

typedef struct update {
    struct update *next;
    uint8_t *data;
    size_t len;
} update_t;

typedef struct stream {
    struct stream *next;
    butte_sum_t *sum;
    butte_pool_t *pool;
    char *framework_id;
    char *task_id;
    update_t *head, *tail;
    int latest_state;
    double backoff;
    butte_timer_t *timer;
    butte_ckpt_file_t *ckpt; /* task.updates, when the framework checkpoints */
} stream_t;

struct butte_sum {
    butte_loop_t *loop;
    butte_sum_send_fn send;
    butte_sum_acked_fn acked;
    void *arg;
    stream_t *streams;
    size_t pending;
};

void
butte_uuid_random(uint8_t out[16])
{
    size_t got = 0;
    while (got < 16) {
        ssize_t n = getrandom(out + got, 16 - got, 0);
        if (n <= 0) {
            /* no entropy source: still unique enough per process */
            for (; got < 16; got++)
                out[got] = (uint8_t)(rand() ^ (int)time(NULL));
            break;
        }
        got += (size_t)n;
    }
    out[6] = (uint8_t)((out[6] & 0x0f) | 0x40);
    out[8] = (uint8_t)((out[8] & 0x3f) | 0x80);
}

butte_sum_t *
butte_sum_create(butte_pool_t *pool, butte_loop_t *loop, butte_sum_send_fn send,
                 butte_sum_acked_fn acked, void *arg)
{
    butte_sum_t *sum = butte_pool_alloc(pool, sizeof *sum);
    memset(sum, 0, sizeof *sum);
    sum->loop = loop;
    sum->send = send;
    sum->acked = acked;
    sum->arg = arg;
    return sum;
}

static void
stream_free(butte_sum_t *sum, stream_t *s)
{
    for (stream_t **p = &sum->streams; *p; p = &(*p)->next) {
        if (*p == s) {
            *p = s->next;
            break;
        }
    }
    for (update_t *u = s->head; u; u = u->next)
        sum->pending--;
    butte_timer_stop(s->timer);
    butte_ckpt_close(s->ckpt);
    butte_pool_destroy(s->pool);
}

void
butte_sum_destroy(butte_sum_t *sum)
{
    while (sum->streams)
        stream_free(sum, sum->streams);
}

static void send_head(stream_t *s);

static void
retry(void *arg)
{
    stream_t *s = arg;
    butte_log(butte_log_get("agent"), BUTTE_LOG_INFO,
              "resending the status update of task '%s' of framework '%s': not acknowledged "
              "after %gs",
              s->task_id, s->framework_id, s->backoff);
    s->backoff = s->backoff * 2 > RETRY_MAX ? RETRY_MAX : s->backoff * 2;
    send_head(s);
}

/* Send the head (with the stream's latest state) and arm the retry. */
static void
send_head(stream_t *s)
{
    butte_timer_stop(s->timer);
    s->timer = NULL;
    if (!s->head)
        return;
    Butte__Internal__StatusUpdate *u =
        butte__internal__status_update__unpack(NULL, s->head->len, s->head->data);
    if (u) {
        u->has_latest_state = 1;
        u->latest_state = s->latest_state;
        s->sum->send(u, s->sum->arg);
        butte__internal__status_update__free_unpacked(u, NULL);
    }
    s->timer = butte_timer_start(s->sum->loop, s->backoff, false, retry, s);
}

static stream_t *
find(butte_sum_t *sum, const char *fw, const char *task)
{
    for (stream_t *s = sum->streams; s; s = s->next)
        if (strcmp(s->framework_id, fw) == 0 && strcmp(s->task_id, task) == 0)
            return s;
    return NULL;
}

int
butte_sum_update(butte_sum_t *sum, const Butte__Internal__StatusUpdate *u, butte_err_t *err)
{
    return butte_sum_update_at(sum, u, NULL, err);
}

/* Append to the stream's task.updates (opened on first use).  A failure
 * is logged, not returned: the update still lives in memory and is
 * retried, which is all a framework without checkpointing gets anyway. */
static void
checkpoint(stream_t *s, const char *dir, int type, const void *data, size_t len)
{
    butte_err_t err;

    butte_err_clear(&err);
    if (!s->ckpt && dir)
        s->ckpt = butte_ckpt_open(s->pool, dir, &err);
    if (s->ckpt && butte_ckpt_append(s->ckpt, type, data, len, &err) == 0)
        return;
    if (s->ckpt || dir)
        butte_log(butte_log_get("agent"), BUTTE_LOG_WARNING,
                  "cannot checkpoint the status update of task '%s': %s", s->task_id, err.msg);
}

int
butte_sum_update_at(butte_sum_t *sum, const Butte__Internal__StatusUpdate *u,
                    const char *ckpt_dir, butte_err_t *err)
{
    if (!u->framework_id || !u->framework_id->value || !u->status || !u->status->task_id ||
        !u->status->task_id->value)
        return butte_err_set(err, BUTTE_EINVAL, "a status update needs framework_id and task_id");
    if (!u->status->has_uuid || u->status->uuid.len != 16)
        return butte_err_set(err, BUTTE_EINVAL, "a status update needs a 16-byte uuid");
    stream_t *s = find(sum, u->framework_id->value, u->status->task_id->value);
    if (!s) {
        butte_pool_t *pool = butte_pool_create(NULL);
        s = butte_pool_alloc(pool, sizeof *s);
        memset(s, 0, sizeof *s);
        s->sum = sum;
        s->pool = pool;
        s->framework_id = butte_pool_strdup(pool, u->framework_id->value);
        s->task_id = butte_pool_strdup(pool, u->status->task_id->value);
        s->backoff = RETRY_MIN;
        s->next = sum->streams;
        sum->streams = s;
    }
    update_t *e = butte_pool_alloc(s->pool, sizeof *e);
    e->next = NULL;
    e->len = butte__internal__status_update__get_packed_size(u);
    e->data = butte_pool_alloc(s->pool, e->len ? e->len : 1);
    butte__internal__status_update__pack(u, e->data);
    if (ckpt_dir || s->ckpt)
        checkpoint(s, ckpt_dir, BUTTE_CKPT_UPDATE, e->data, e->len);
    s->latest_state = u->status->state;
    sum->pending++;
    if (s->tail) {
        s->tail->next = e;
        s->tail = e;
        return BUTTE_OK;
    }
    s->head = s->tail = e;
    s->backoff = RETRY_MIN;
    send_head(s);
    return BUTTE_OK;
}

int
butte_sum_acknowledge(butte_sum_t *sum, const char *framework_id, const char *task_id,
                      const uint8_t *uuid, size_t uuid_len, butte_err_t *err)
{
    stream_t *s = find(sum, framework_id, task_id);
    if (!s || !s->head)
        return butte_err_set(err, BUTTE_ENOTFOUND,
                             "no status update stream for task '%s' of framework '%s'", task_id,
                             framework_id);
    Butte__Internal__StatusUpdate *u =
        butte__internal__status_update__unpack(NULL, s->head->len, s->head->data);
    bool match = u && u->status->has_uuid && u->status->uuid.len == uuid_len &&
                 memcmp(u->status->uuid.data, uuid, uuid_len) == 0;
    if (!match) {
        if (u)
            butte__internal__status_update__free_unpacked(u, NULL);
        return butte_err_set(err, BUTTE_ECONFLICT,
                             "acknowledgement for task '%s' does not match the update in flight",
                             task_id);
    }
    if (s->ckpt)
        checkpoint(s, NULL, BUTTE_CKPT_ACK, uuid, uuid_len);
    s->head = s->head->next;
    if (!s->head)
        s->tail = NULL;
    sum->pending--;
    s->backoff = RETRY_MIN;
    if (sum->acked)
        sum->acked(u, sum->arg);
    butte__internal__status_update__free_unpacked(u, NULL);
    /* acked may have forgotten the framework: look the stream up again */
    s = find(sum, framework_id, task_id);
    if (!s)
        return BUTTE_OK;
    if (s->head)
        send_head(s);
    else
        stream_free(sum, s);
    return BUTTE_OK;
}

void
butte_sum_resend(butte_sum_t *sum)
{
    for (stream_t *s = sum->streams; s; s = s->next) {
        s->backoff = RETRY_MIN;
        send_head(s);
    }
}

void
butte_sum_forget_framework(butte_sum_t *sum, const char *framework_id)
{
    stream_t *s = sum->streams;
    while (s) {
        stream_t *next = s->next;
        if (strcmp(s->framework_id, framework_id) == 0)
            stream_free(sum, s);
        s = next;
    }
}

bool
butte_sum_has_stream(const butte_sum_t *sum, const char *framework_id, const char *task_id)
{
    return find((butte_sum_t *)sum, framework_id, task_id) != NULL;
}

size_t
butte_sum_pending(const butte_sum_t *sum)
{
    return sum->pending;
}
