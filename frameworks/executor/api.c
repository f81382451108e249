/*
 * frameworks/executor/api.c - the v1 executor API as the command executor
 * speaks it (mesos-protocol.md §B): SUBSCRIBE on a stream of its own,
 * UPDATE calls on the keep-alive connection, updates kept until the agent
 * sends ACKNOWLEDGED and resent with the next SUBSCRIBE.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <butte/pbjson.h>

#include "core/loop-internal.h"
#include "executor.h"

/* Largest event accepted: a TaskGroupInfo with big data fields. */
#define MAX_EVENT (64u << 20)
/* Seconds between the last acknowledgement and exiting, so the agent sees
 * the connection close after it stored everything. */
#define EXIT_GRACE 0.5

static const char *ctype(const exec_t *ex)
{
    return ex->json ? "application/json" : "application/x-protobuf";
}

/* Encode msg in pool as the API's body encoding. */
static void encode(exec_t *ex, butte_pool_t *pool, const ProtobufCMessage *msg, uint8_t **buf,
                   size_t *len)
{
    if (ex->json)
        *buf = (uint8_t *)butte_pbjson_encode_string(pool, msg, 0, len);
    else
        butte_pb_encode(pool, msg, buf, len);
}

static size_t headers(exec_t *ex, butte_httpc_header_t *h, char *auth, size_t auth_len)
{
    size_t n = 0;
    h[n++] = (butte_httpc_header_t){ "Content-Type", ctype(ex) };
    h[n++] = (butte_httpc_header_t){ "Accept", ctype(ex) };
    if (ex->token != NULL) {
        snprintf(auth, auth_len, "Bearer %s", ex->token);
        h[n++] = (butte_httpc_header_t){ "Authorization", auth };
    }
    return n;
}

static void init_call(exec_t *ex, Mesos__V1__Executor__Call *call, Mesos__V1__ExecutorID *eid,
                      Mesos__V1__FrameworkID *fid, int type)
{
    eid->value = (char *)ex->executor_id;
    fid->value = (char *)ex->framework_id;
    call->executor_id = eid;
    call->framework_id = fid;
    call->has_type = 1;
    call->type = type;
}

/* ---- exiting ---- */

void exec_quit(exec_t *ex, int status)
{
    ex->exit_status = status;
    butte_loop_stop(ex->loop);
}

static void on_exit_timer(void *arg)
{
    exec_t *ex = arg;
    exec_quit(ex, 0);
}

void exec_maybe_exit(exec_t *ex)
{
    if (ex->exit_timer != NULL)
        return;
    if (!ex->launched_any && !ex->shutting_down)
        return;
    for (task_t *t = ex->tasks; t != NULL; t = t->next)
        if (!t->terminal)
            return;
    /* Shutting down, the agent may never acknowledge: do not wait for it
     * beyond the grace (the agent destroys us after its own). */
    if (ex->updates != NULL && !ex->shutting_down)
        return;
    ex->exit_timer = butte_timer_start(ex->loop, ex->updates != NULL ? 1.0 : EXIT_GRACE, false,
                                       on_exit_timer, ex);
}

/* ---- updates ---- */

static void on_update_done(const butte_httpc_resp_t *resp, const butte_err_t *err, void *arg)
{
    (void)arg;
    if (resp == NULL) {
        fprintf(stderr, "mesos-executor: could not send an update: %s\n", err->msg);
        return; /* kept; resent with the next SUBSCRIBE */
    }
    int status = butte_httpc_resp_status(resp);
    if (status != 202)
        fprintf(stderr, "mesos-executor: agent answered %d to an update: %s\n", status,
                butte_httpc_resp_body(resp, NULL));
}

static void send_update(exec_t *ex, update_t *u)
{
    Mesos__V1__Executor__Call call = MESOS__V1__EXECUTOR__CALL__INIT;
    Mesos__V1__ExecutorID eid = MESOS__V1__EXECUTOR_ID__INIT;
    Mesos__V1__FrameworkID fid = MESOS__V1__FRAMEWORK_ID__INIT;
    Mesos__V1__Executor__Call__Update upd = MESOS__V1__EXECUTOR__CALL__UPDATE__INIT;
    init_call(ex, &call, &eid, &fid, MESOS__V1__EXECUTOR__CALL__TYPE__UPDATE);
    upd.status = u->status;
    call.update = &upd;
    butte_pool_t *tmp = butte_pool_create(ex->pool);
    uint8_t *body;
    size_t len;
    encode(ex, tmp, &call.base, &body, &len);
    butte_httpc_header_t h[3];
    char auth[1024];
    size_t n = headers(ex, h, auth, sizeof auth);
    butte_httpc_request(ex->http, "POST", ex->api_path, h, n, body, len, on_update_done, NULL);
    butte_pool_destroy(tmp);
}

static void random_uuid(uint8_t out[16])
{
    size_t got = 0;
    while (got < 16) {
        ssize_t r = getrandom(out + got, 16 - got, 0);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    if (got < 16) { /* no getrandom: still unique enough per process */
        for (size_t i = got; i < 16; i++)
            out[i] = (uint8_t)(rand() ^ (int)getpid());
    }
    out[6] = (uint8_t)((out[6] & 0x0f) | 0x40); /* version 4 */
    out[8] = (uint8_t)((out[8] & 0x3f) | 0x80); /* RFC 4122 variant */
}

void exec_update(exec_t *ex, task_t *task, int state, const char *message, int reason)
{
    update_t *u;
    butte_pool_t *p = butte_pool_create(ex->pool);
    u = butte_pool_alloc(p, sizeof *u);
    u->pool = p;
    u->task = task;
    Mesos__V1__TaskStatus *st = butte_pool_alloc(p, sizeof *st);
    mesos__v1__task_status__init(st);
    Mesos__V1__TaskID *tid = butte_pool_alloc(p, sizeof *tid);
    mesos__v1__task_id__init(tid);
    tid->value = butte_pool_strdup(p, task->id);
    st->task_id = tid;
    st->state = state;
    if (message != NULL)
        st->message = butte_pool_strdup(p, message);
    st->has_source = 1;
    st->source = MESOS__V1__TASK_STATUS__SOURCE__SOURCE_EXECUTOR;
    if (reason >= 0) {
        st->has_reason = 1;
        st->reason = reason;
    }
    Mesos__V1__ExecutorID *eid = butte_pool_alloc(p, sizeof *eid);
    mesos__v1__executor_id__init(eid);
    eid->value = butte_pool_strdup(p, ex->executor_id);
    st->executor_id = eid;
    if (ex->agent_id[0] != '\0') {
        Mesos__V1__AgentID *aid = butte_pool_alloc(p, sizeof *aid);
        mesos__v1__agent_id__init(aid);
        aid->value = butte_pool_strdup(p, ex->agent_id);
        st->agent_id = aid;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    st->has_timestamp = 1;
    st->timestamp = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    st->has_uuid = 1;
    st->uuid.len = 16;
    st->uuid.data = butte_pool_alloc(p, 16);
    random_uuid(st->uuid.data);
    u->status = st;

    task->state = state;
    update_t **tail = &ex->updates;
    while (*tail != NULL)
        tail = &(*tail)->next;
    *tail = u;
    fprintf(stderr, "mesos-executor: task '%s' is now %s%s%s\n", task->id,
            protobuf_c_enum_descriptor_get_value(&mesos__v1__task_state__descriptor, state)->name,
            message != NULL ? ": " : "", message != NULL ? message : "");
    if (ex->subscribed)
        send_update(ex, u);
}

static void acknowledged(exec_t *ex, const Mesos__V1__Executor__Event__Acknowledged *a)
{
    for (update_t **pp = &ex->updates; *pp != NULL; pp = &(*pp)->next) {
        update_t *u = *pp;
        if (u->status->uuid.len == a->uuid.len &&
            memcmp(u->status->uuid.data, a->uuid.data, a->uuid.len) == 0 &&
            strcmp(u->task->id, a->task_id->value) == 0) {
            u->task->acknowledged = true;
            *pp = u->next;
            butte_pool_destroy(u->pool);
            break;
        }
    }
    exec_maybe_exit(ex);
}

/* ---- events ---- */

static void subscribed(exec_t *ex, const Mesos__V1__Executor__Event__Subscribed *s)
{
    if (s->agent_info != NULL && s->agent_info->id != NULL)
        snprintf(ex->agent_id, sizeof ex->agent_id, "%s", s->agent_info->id->value);
    ex->subscribed = true;
    ex->disconnected_at = 0;
    ex->backoff = 0;
    fprintf(stderr, "mesos-executor: subscribed to agent %s on %s:%u\n", ex->agent_id,
            ex->agent_host, (unsigned)ex->agent_port);
}

static void on_event(exec_t *ex, const Mesos__V1__Executor__Event *ev)
{
    switch (ev->type) {
    case MESOS__V1__EXECUTOR__EVENT__TYPE__SUBSCRIBED:
        if (ev->subscribed != NULL)
            subscribed(ex, ev->subscribed);
        break;
    case MESOS__V1__EXECUTOR__EVENT__TYPE__LAUNCH:
        if (ev->launch != NULL && ev->launch->task != NULL && !ex->shutting_down)
            tasks_launch(ex, ev->launch->task);
        break;
    case MESOS__V1__EXECUTOR__EVENT__TYPE__LAUNCH_GROUP:
        if (ev->launch_group != NULL && ev->launch_group->task_group != NULL &&
            !ex->shutting_down)
            for (size_t i = 0; i < ev->launch_group->task_group->n_tasks; i++)
                tasks_launch(ex, ev->launch_group->task_group->tasks[i]);
        break;
    case MESOS__V1__EXECUTOR__EVENT__TYPE__KILL:
        if (ev->kill != NULL && ev->kill->task_id != NULL)
            tasks_kill(ex, ev->kill->task_id->value, ev->kill->kill_policy);
        break;
    case MESOS__V1__EXECUTOR__EVENT__TYPE__ACKNOWLEDGED:
        if (ev->acknowledged != NULL && ev->acknowledged->task_id != NULL)
            acknowledged(ex, ev->acknowledged);
        break;
    case MESOS__V1__EXECUTOR__EVENT__TYPE__SHUTDOWN:
        fprintf(stderr, "mesos-executor: shutting down\n");
        ex->shutting_down = true;
        tasks_kill_all(ex, ex->shutdown_grace);
        exec_maybe_exit(ex);
        break;
    case MESOS__V1__EXECUTOR__EVENT__TYPE__ERROR:
        fprintf(stderr, "mesos-executor: error from the agent: %s\n",
                ev->error != NULL ? ev->error->message : "");
        break;
    default: /* MESSAGE, HEARTBEAT: nothing to do for a command executor */
        break;
    }
}

/* ---- the stream ---- */

static void on_retry(void *arg)
{
    exec_t *ex = arg;
    butte_timer_stop(ex->retry_timer);
    ex->retry_timer = NULL;
    exec_subscribe(ex);
}

static void disconnected(exec_t *ex, const char *why)
{
    butte_httpc_stream_close(ex->stream);
    ex->stream = NULL;
    bool was = ex->subscribed;
    ex->subscribed = false;
    double now = butte_loop_now(ex->loop);
    if (ex->disconnected_at == 0)
        ex->disconnected_at = now;
    fprintf(stderr, "mesos-executor: %s from the agent: %s\n",
            was ? "disconnected" : "could not subscribe", why);
    if (!ex->checkpoint) {
        /* Without checkpointing the agent cannot recover us: stop, and
         * take the tasks along (their container is going anyway). */
        tasks_kill_now(ex);
        exec_quit(ex, 1);
        return;
    }
    if (now - ex->disconnected_at >= ex->recovery_timeout) {
        fprintf(stderr, "mesos-executor: the agent did not come back within %.0f s\n",
                ex->recovery_timeout);
        tasks_kill_now(ex);
        exec_quit(ex, 1);
        return;
    }
    /* Exponential backoff capped at MESOS_SUBSCRIPTION_BACKOFF_MAX. */
    ex->backoff = ex->backoff <= 0 ? 0.1 : ex->backoff * 2;
    if (ex->backoff > ex->backoff_max)
        ex->backoff = ex->backoff_max;
    ex->retry_timer = butte_timer_start(ex->loop, ex->backoff, false, on_retry, ex);
}

static void on_chunk(butte_httpc_stream_t *s, const void *data, size_t len, void *arg)
{
    exec_t *ex = arg;
    butte_recordio_decoder_feed(ex->dec, data, len);
    for (;;) {
        const void *rec;
        size_t rlen;
        butte_err_t err;
        int rc = butte_recordio_decoder_next(ex->dec, &rec, &rlen, &err);
        if (rc == 0)
            return;
        if (rc < 0) {
            disconnected(ex, err.msg);
            return;
        }
        butte_pool_t *p = butte_pool_create(ex->pool);
        ProtobufCMessage *m;
        rc = ex->json ? butte_pbjson_decode(p, &mesos__v1__executor__event__descriptor, rec, rlen,
                                            0, &m, &err)
                      : butte_pb_decode(p, &mesos__v1__executor__event__descriptor, rec, rlen, &m,
                                        &err);
        if (rc != 0) {
            butte_pool_destroy(p);
            disconnected(ex, err.msg);
            return;
        }
        on_event(ex, (Mesos__V1__Executor__Event *)m);
        butte_pool_destroy(p);
        if (ex->stream != s)
            return;
    }
}

static void on_end(butte_httpc_stream_t *s, const butte_httpc_resp_t *resp,
                   const butte_err_t *err, void *arg)
{
    exec_t *ex = arg;
    (void)s;
    ex->stream = NULL;
    char why[1024];
    if (resp == NULL)
        snprintf(why, sizeof why, "%s", err->msg);
    else if (butte_httpc_resp_status(resp) == 200)
        snprintf(why, sizeof why, "the agent closed the event stream");
    else
        snprintf(why, sizeof why, "agent answered %d: %s", butte_httpc_resp_status(resp),
                 butte_httpc_resp_body(resp, NULL));
    disconnected(ex, why);
}

void exec_subscribe(exec_t *ex)
{
    butte_pool_destroy(ex->stream_pool);
    ex->stream_pool = butte_pool_create(ex->pool);
    butte_pool_t *p = ex->stream_pool;
    ex->dec = butte_recordio_decoder_create(p, MAX_EVENT);

    Mesos__V1__Executor__Call call = MESOS__V1__EXECUTOR__CALL__INIT;
    Mesos__V1__ExecutorID eid = MESOS__V1__EXECUTOR_ID__INIT;
    Mesos__V1__FrameworkID fid = MESOS__V1__FRAMEWORK_ID__INIT;
    Mesos__V1__Executor__Call__Subscribe sub = MESOS__V1__EXECUTOR__CALL__SUBSCRIBE__INIT;
    init_call(ex, &call, &eid, &fid, MESOS__V1__EXECUTOR__CALL__TYPE__SUBSCRIBE);
    /* What the agent has not acknowledged yet: tasks none of whose
     * updates were acknowledged, and every pending update. */
    size_t nt = 0, nu = 0;
    for (task_t *t = ex->tasks; t != NULL; t = t->next)
        nt++;
    for (update_t *u = ex->updates; u != NULL; u = u->next)
        nu++;
    sub.unacknowledged_tasks = butte_pool_alloc(p, (nt + 1) * sizeof *sub.unacknowledged_tasks);
    for (task_t *t = ex->tasks; t != NULL; t = t->next)
        if (!t->acknowledged)
            sub.unacknowledged_tasks[sub.n_unacknowledged_tasks++] = t->info;
    sub.unacknowledged_updates =
        butte_pool_alloc(p, (nu + 1) * sizeof *sub.unacknowledged_updates);
    for (update_t *u = ex->updates; u != NULL; u = u->next) {
        Mesos__V1__Executor__Call__Update *cu = butte_pool_alloc(p, sizeof *cu);
        mesos__v1__executor__call__update__init(cu);
        cu->status = u->status;
        sub.unacknowledged_updates[sub.n_unacknowledged_updates++] = cu;
    }
    call.subscribe = &sub;
    uint8_t *body;
    size_t len;
    encode(ex, p, &call.base, &body, &len);
    butte_httpc_header_t h[3];
    char auth[1024];
    size_t n = headers(ex, h, auth, sizeof auth);
    ex->stream = butte_httpc_stream(ex->http, "POST", ex->api_path, h, n, body, len, NULL, on_chunk,
                                    on_end, ex);
}
