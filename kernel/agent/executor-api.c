/*
 * kernel/agent/executor-api.c - POST /slave(N)/api/v1/executor (and the
 * bare /api/v1/executor, shared under mesos-local), GET
 * /monitor/statistics: the checks of mesos-protocol.md §B in Mesos'
 * order, SUBSCRIBE (a RecordIO event stream), UPDATE, MESSAGE, HEARTBEAT.
 *
 * Answers other than SUBSCRIBE's stream are exactly 202 with an empty body,
 * or 4xx/5xx with a short plain-text reason.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <butte/pbjson.h>
#include <butte/recordio.h>

#include "agent/containerizers-internal.h"
#include "agent/executor-internal.h"
#include "agent/launcher-internal.h"

#define HEARTBEAT_SECS (30 * 60.0)

static void
bad(butte_http_req_t *req, int status, const char *reason)
{
    butte_http_reply(req, status, "text/plain; charset=utf-8", reason, strlen(reason));
}

/* ------------------------------------------------------------ the stream */

bool
butte_exec_send(agent_executor_t *ex, const Mesos__V1__Executor__Event *ev)
{
    butte_pool_t *tmp;
    const void *data;
    size_t len, rlen;
    char *rec;

    if (ex->stream == NULL)
        return false;
    tmp = butte_pool_create(NULL);
    if (ex->stream_json) {
        data = butte_pbjson_encode_string(tmp, &ev->base, 0, &len);
    } else {
        uint8_t *buf;
        butte_pb_encode(tmp, &ev->base, &buf, &len);
        data = buf;
    }
    /* one record per chunk: clients that parse a chunk at a time work */
    rec = butte_recordio_encode(tmp, data, len, &rlen);
    butte_http_stream_send(ex->stream, rec, rlen);
    butte_pool_destroy(tmp);
    return true;
}

void
butte_exec_close_stream(agent_executor_t *ex)
{
    butte_http_req_t *req = ex->stream;

    ex->stream = NULL;
    butte_timer_stop(ex->heartbeat);
    ex->heartbeat = NULL;
    if (req)
        butte_http_stream_end(req);
}

static void
stream_closed(butte_http_req_t *req, void *arg)
{
    agent_executor_t *ex = arg;

    (void)req;
    if (ex->stream != req)
        return;
    ex->stream = NULL;
    butte_timer_stop(ex->heartbeat);
    ex->heartbeat = NULL;
    butte_log(ex->agent->log, BUTTE_LOG_INFO, "executor '%s' of framework '%s' disconnected",
              ex->id, ex->framework_id);
}

static void
heartbeat(void *arg)
{
    agent_executor_t *ex = arg;
    Mesos__V1__Executor__Event ev = MESOS__V1__EXECUTOR__EVENT__INIT;

    ev.has_type = 1;
    ev.type = MESOS__V1__EXECUTOR__EVENT__TYPE__HEARTBEAT;
    butte_exec_send(ex, &ev);
}

/* ------------------------------------------------------------ calls */

static bool
seen(agent_executor_t *ex, const uint8_t *uuid)
{
    for (size_t i = 0; i < ex->n_seen; i++)
        if (memcmp(ex->seen[i], uuid, 16) == 0)
            return true;
    return false;
}

static void
remember(agent_executor_t *ex, const uint8_t *uuid)
{
    if (ex->n_seen == ex->cap_seen) {
        size_t cap = ex->cap_seen ? ex->cap_seen * 2 : 8;
        uint8_t(*n)[16] = butte_pool_alloc(ex->pool, cap * sizeof *n);
        if (ex->n_seen)
            memcpy(n, ex->seen, ex->n_seen * sizeof *n);
        ex->seen = n;
        ex->cap_seen = cap;
    }
    memcpy(ex->seen[ex->n_seen++], uuid, 16);
}

static void
acknowledged(agent_executor_t *ex, const Mesos__V1__TaskStatus *st)
{
    Mesos__V1__Executor__Event ev = MESOS__V1__EXECUTOR__EVENT__INIT;
    Mesos__V1__Executor__Event__Acknowledged ack = MESOS__V1__EXECUTOR__EVENT__ACKNOWLEDGED__INIT;

    ack.task_id = st->task_id;
    ack.uuid = st->uuid;
    ev.has_type = 1;
    ev.type = MESOS__V1__EXECUTOR__EVENT__TYPE__ACKNOWLEDGED;
    ev.acknowledged = &ack;
    butte_exec_send(ex, &ev);
}

/* An UPDATE (or one resent in SUBSCRIBE): stored once, ACKNOWLEDGED to the
 * executor every time (it resends what it did not see acknowledged). */
static bool
limitation_reason(int reason)
{
    return reason == MESOS__V1__TASK_STATUS__REASON__REASON_CONTAINER_LIMITATION ||
           reason == MESOS__V1__TASK_STATUS__REASON__REASON_CONTAINER_LIMITATION_MEMORY ||
           reason == MESOS__V1__TASK_STATUS__REASON__REASON_CONTAINER_LIMITATION_DISK;
}

static int
update(agent_executor_t *ex, const Mesos__V1__TaskStatus *st, butte_err_t *err)
{
    Mesos__V1__TaskStatus amended;

    if ((st->state == MESOS__V1__TASK_STATE__TASK_FAILED ||
                          st->state == MESOS__V1__TASK_STATE__TASK_KILLED)) {
        /* A task the kernel OOM-killed: the executor often reports the
         * bare exit status before the isolator's notification was read.
         * Ask the isolators now; a limitation found turns the update into
         * the container limitation it is (Mesos' reason and message). */
        butte_ctz_check(ex->agent->ctz, ex->container_id);
        if (limitation_reason(ex->term_reason)) {
            amended = *st;
            amended.state = MESOS__V1__TASK_STATE__TASK_FAILED;
            amended.has_reason = 1;
            amended.reason = ex->term_reason;
            amended.message = ex->term_message;
            st = &amended;
        }
    }
    if (!seen(ex, st->uuid.data)) {
        if (butte_agent_forward_update(ex->agent, ex->framework_id, ex->id, st, err) != 0)
            return err->code;
        remember(ex, st->uuid.data);
        if (butte_agent_state_terminal(st->state))
            butte_exec_task_ended(ex, st->task_id->value);
    }
    acknowledged(ex, st);
    return BUTTE_OK;
}

/* §B call validation; NULL when valid, else the reason. */
static const char *
validate(butte_pool_t *tmp, const Mesos__V1__Executor__Call *c)
{
    if (!c->has_type)
        return "Expecting 'type' to be present";
    if (!c->executor_id || !c->executor_id->value)
        return "Expecting 'executor_id' to be present";
    if (!c->framework_id || !c->framework_id->value)
        return "Expecting 'framework_id' to be present";
    switch (c->type) {
    case MESOS__V1__EXECUTOR__CALL__TYPE__SUBSCRIBE:
        if (!c->subscribe)
            return "Expecting 'subscribe' to be present";
        return NULL;
    case MESOS__V1__EXECUTOR__CALL__TYPE__UPDATE: {
        const Mesos__V1__TaskStatus *st;
        if (!c->update || !c->update->status)
            return "Expecting 'update' to be present";
        st = c->update->status;
        if (!st->has_uuid)
            return "Expecting 'uuid' to be present";
        if (st->uuid.len != 16)
            return butte_pool_printf(tmp, "Invalid UUID: %zu bytes, expected 16",
                                     st->uuid.len);
        if (st->executor_id && st->executor_id->value &&
            strcmp(st->executor_id->value, c->executor_id->value) != 0)
            return butte_pool_printf(tmp, "ExecutorID in Call: %s does not match ExecutorID "
                                          "in TaskStatus: %s",
                                     c->executor_id->value, st->executor_id->value);
        if (!st->has_source || st->source != MESOS__V1__TASK_STATUS__SOURCE__SOURCE_EXECUTOR)
            return "Received Call from executor with invalid source, expecting SOURCE_EXECUTOR";
        if (st->state == MESOS__V1__TASK_STATE__TASK_STAGING)
            return "Received TASK_STAGING from executor which is not allowed";
        return NULL;
    }
    case MESOS__V1__EXECUTOR__CALL__TYPE__MESSAGE:
        if (!c->message)
            return "Expecting 'message' to be present";
        return NULL;
    default:
        return NULL;
    }
}

static void
subscribe(agent_executor_t *ex, butte_http_req_t *req, const Mesos__V1__Executor__Call *c,
          bool json)
{
    butte_agent_t *a = ex->agent;
    butte_pool_t *tmp = butte_pool_create(NULL);
    ProtobufCAllocator alloc;
    Mesos__V1__Executor__Event ev = MESOS__V1__EXECUTOR__EVENT__INIT;
    Mesos__V1__Executor__Event__Subscribed sub = MESOS__V1__EXECUTOR__EVENT__SUBSCRIBED__INIT;
    Mesos__V1__AgentInfo info = MESOS__V1__AGENT_INFO__INIT;
    Mesos__V1__AgentID aid = MESOS__V1__AGENT_ID__INIT;
    Mesos__V1__ContainerID cid = MESOS__V1__CONTAINER_ID__INIT;
    butte_err_t err;

    /* a second SUBSCRIBE replaces the first stream (reconnection) */
    butte_exec_close_stream(ex);
    butte_pb_allocator(tmp, &alloc);
    butte_http_stream_start(req, 200, json ? "application/json" : "application/x-protobuf",
                            stream_closed, ex);
    ex->stream = req;
    ex->stream_json = json;
    butte_timer_stop(ex->reg_timer);
    ex->reg_timer = NULL;
    if (ex->state == EXEC_REGISTERING)
        ex->state = EXEC_RUNNING;
    ex->heartbeat = butte_timer_start(a->loop, HEARTBEAT_SECS, true, heartbeat, ex);

    butte_agent_info_pb(a, tmp, &info);
    aid.value = a->id ? a->id : "";
    info.id = &aid;
    cid.value = ex->container_id;
    sub.executor_info = mesos__v1__executor_info__unpack(&alloc, ex->info_len, ex->info);
    sub.framework_info =
        mesos__v1__framework_info__unpack(&alloc, ex->framework_len, ex->framework);
    sub.agent_info = &info;
    sub.container_id = &cid;
    ev.has_type = 1;
    ev.type = MESOS__V1__EXECUTOR__EVENT__TYPE__SUBSCRIBED;
    ev.subscribed = &sub;
    butte_exec_send(ex, &ev);
    butte_log(a->log, BUTTE_LOG_INFO, "executor '%s' of framework '%s' subscribed", ex->id,
              ex->framework_id);

    /* updates it sent that it never saw acknowledged: store (once), ack */
    for (size_t i = 0; i < c->subscribe->n_unacknowledged_updates; i++) {
        const Mesos__V1__Executor__Call__Update *u = c->subscribe->unacknowledged_updates[i];
        butte_err_clear(&err);
        if (u->status && u->status->has_uuid && u->status->uuid.len == 16 &&
            update(ex, u->status, &err) != 0)
            butte_log(a->log, BUTTE_LOG_WARNING, "executor '%s': a resent update: %s", ex->id,
                      err.msg);
    }
    if (ex->state == EXEC_TERMINATING) {
        /* asked to stop while it was away */
        Mesos__V1__Executor__Event sd = MESOS__V1__EXECUTOR__EVENT__INIT;
        sd.has_type = 1;
        sd.type = MESOS__V1__EXECUTOR__EVENT__TYPE__SHUTDOWN;
        butte_exec_send(ex, &sd);
    } else {
        butte_exec_flush(ex);
    }
    butte_pool_destroy(tmp);
}

static butte_agent_t *shared_pick(butte_http_t *http, const char *framework_id,
                                  const char *executor_id);

/* One call; a is NULL on the shared bare route of http (mesos-local). */
static void
serve_call(butte_http_req_t *req, butte_agent_t *a, butte_http_t *http)
{
    butte_pool_t *tmp = butte_http_req_pool(req);
    const char *ctype = butte_http_req_header(req, "Content-Type");
    const char *accept = butte_http_req_header(req, "Accept");
    ProtobufCMessage *msg = NULL;
    Mesos__V1__Executor__Call *c;
    agent_executor_t *ex;
    const char *why;
    const char *body;
    size_t len;
    bool json;
    butte_err_t err;

    butte_err_clear(&err);
    /* 405 for other methods comes from the route; §0.1 content type */
    if (ctype == NULL)
        return bad(req, 400, "Expecting 'Content-Type' to be present");
    if (strcmp(ctype, "application/json") == 0)
        json = true;
    else if (strcmp(ctype, "application/x-protobuf") == 0)
        json = false;
    else
        return bad(req, 415,
                   butte_pool_printf(tmp,
                                     "Expecting 'Content-Type' of application/json or "
                                     "application/x-protobuf; got '%s'",
                                     ctype));
    body = butte_http_req_body(req, &len);
    if (json) {
        if (butte_pbjson_decode(tmp, &mesos__v1__executor__call__descriptor, body, len, 0, &msg,
                                &err) != BUTTE_OK)
            return bad(req, 400,
                       butte_pool_printf(tmp, "Failed to convert JSON into Call protobuf: %s",
                                         err.msg));
    } else if (butte_pb_decode(tmp, &mesos__v1__executor__call__descriptor, body, len, &msg,
                               &err) != BUTTE_OK) {
        return bad(req, 400,
                   butte_pool_printf(tmp, "Failed to parse body into Call protobuf: %s", err.msg));
    }
    c = (Mesos__V1__Executor__Call *)msg;
    if ((why = validate(tmp, c)) != NULL)
        return bad(req, 400, butte_pool_printf(tmp, "Failed to validate executor::Call: %s", why));

    bool out_json = true;
    if (c->type == MESOS__V1__EXECUTOR__CALL__TYPE__SUBSCRIBE) {
        if (butte_http_accepts(accept, "application/json"))
            out_json = true;
        else if (butte_http_accepts(accept, "application/x-protobuf"))
            out_json = false;
        else
            return bad(req, 406,
                       "Expecting 'Accept' to allow application/json or application/x-protobuf");
    }
    if (c->type == MESOS__V1__EXECUTOR__CALL__TYPE__HEARTBEAT)
        return butte_http_reply(req, 202, NULL, "", 0);
    if (c->type == MESOS__V1__EXECUTOR__CALL__TYPE__UNKNOWN)
        return bad(req, 501, "Received 'UNKNOWN' call");

    if (!a && !(a = shared_pick(http, c->framework_id->value, c->executor_id->value)))
        return bad(req, 503, "No agent serves this endpoint");
    if (!butte_agent_known_framework(a, c->framework_id->value))
        return bad(req, 400, "Framework cannot be found");
    ex = butte_exec_find(a, c->framework_id->value, c->executor_id->value);
    if (!ex)
        return bad(req, 400, "Executor cannot be found");
    if (c->type != MESOS__V1__EXECUTOR__CALL__TYPE__SUBSCRIBE && ex->state == EXEC_REGISTERING)
        return bad(req, 403, "Executor is not subscribed");

    switch (c->type) {
    case MESOS__V1__EXECUTOR__CALL__TYPE__SUBSCRIBE:
        subscribe(ex, req, c, out_json);
        return;
    case MESOS__V1__EXECUTOR__CALL__TYPE__UPDATE:
        if (update(ex, c->update->status, &err) != 0)
            return bad(req, 400, butte_pool_printf(tmp, "Failed to handle the update: %s",
                                                   err.msg));
        return butte_http_reply(req, 202, NULL, "", 0);
    case MESOS__V1__EXECUTOR__CALL__TYPE__MESSAGE: {
        Butte__Internal__Envelope env = BUTTE__INTERNAL__ENVELOPE__INIT;
        Butte__Internal__ExecutorToFramework x = BUTTE__INTERNAL__EXECUTOR_TO_FRAMEWORK__INIT;
        Mesos__V1__AgentID aid = MESOS__V1__AGENT_ID__INIT;
        aid.value = a->id ? a->id : "";
        x.agent_id = &aid;
        x.framework_id = c->framework_id;
        x.executor_id = c->executor_id;
        x.data = c->message->data;
        env.has_type = 1;
        env.type = BUTTE__INTERNAL__ENVELOPE__TYPE__EXECUTOR_TO_FRAMEWORK;
        env.executor_to_framework = &x;
        /* messages are best effort in Mesos too: dropped when disconnected */
        butte_agent_send_envelope(a, &env);
        return butte_http_reply(req, 202, NULL, "", 0);
    }
    default:
        return bad(req, 501, "Received an unknown call type");
    }
}

static void
serve(butte_http_req_t *req, void *arg)
{
    serve_call(req, arg, NULL);
}

/* GET /monitor/statistics: one entry per running executor, from the
 * isolators' usage (Mesos' ResourceStatistics field names). */
static void
serve_statistics(butte_http_req_t *req, void *arg)
{
    butte_agent_t *a = arg;
    json_t *arr = json_array();

    for (agent_executor_t *ex = a->executors; ex; ex = ex->next) {
        butte_container_stats_t st;
        json_t *o, *s;
        if (butte_ctz_usage(a->ctz, ex->container_id, &st) != 0)
            continue;
        o = json_object();
        s = json_object();
        json_object_set_new(o, "executor_id", json_string(ex->id));
        json_object_set_new(o, "executor_name", json_string(ex->name));
        json_object_set_new(o, "framework_id", json_string(ex->framework_id));
        json_object_set_new(o, "source", json_string(ex->command ? ex->id : ""));
        json_object_set_new(s, "timestamp", json_real(st.timestamp));
        if (st.set & BUTTE_STAT_PROCESSES)
            json_object_set_new(s, "processes", json_integer(st.processes));
        if (st.set & BUTTE_STAT_THREADS)
            json_object_set_new(s, "threads", json_integer(st.threads));
        if (st.set & BUTTE_STAT_CPUS_USER)
            json_object_set_new(s, "cpus_user_time_secs", json_real(st.cpus_user_time_secs));
        if (st.set & BUTTE_STAT_CPUS_SYSTEM)
            json_object_set_new(s, "cpus_system_time_secs",
                                json_real(st.cpus_system_time_secs));
        if (st.set & BUTTE_STAT_CPUS_LIMIT)
            json_object_set_new(s, "cpus_limit", json_real(st.cpus_limit));
        if (st.set & BUTTE_STAT_MEM_TOTAL)
            json_object_set_new(s, "mem_total_bytes", json_integer((json_int_t)st.mem_total_bytes));
        if (st.set & BUTTE_STAT_MEM_RSS)
            json_object_set_new(s, "mem_rss_bytes", json_integer((json_int_t)st.mem_rss_bytes));
        if (st.set & BUTTE_STAT_MEM_LIMIT)
            json_object_set_new(s, "mem_limit_bytes", json_integer((json_int_t)st.mem_limit_bytes));
        if (st.set & BUTTE_STAT_MEM_CACHE)
            json_object_set_new(s, "mem_cache_bytes", json_integer((json_int_t)st.mem_cache_bytes));
        if (st.set & BUTTE_STAT_MEM_SWAP)
            json_object_set_new(s, "mem_swap_bytes", json_integer((json_int_t)st.mem_swap_bytes));
        if (st.set & BUTTE_STAT_CPUS_THROTTLED) {
            json_object_set_new(s, "cpus_nr_periods", json_integer(st.cpus_nr_periods));
            json_object_set_new(s, "cpus_nr_throttled", json_integer(st.cpus_nr_throttled));
            json_object_set_new(s, "cpus_throttled_time_secs",
                                json_real(st.cpus_throttled_time_secs));
        }
        if (st.set & BUTTE_STAT_DISK) {
            json_object_set_new(s, "disk_limit_bytes", json_integer((json_int_t)st.disk_limit_bytes));
            json_object_set_new(s, "disk_used_bytes", json_integer((json_int_t)st.disk_used_bytes));
        }
        json_object_set_new(o, "statistics", s);
        json_array_append_new(arr, o);
    }
    butte_http_reply_json(req, 200, arr);
}

/*
 * mesos-local: agents that share one HTTP server and serve under their
 * prefix only.  The bare /api/v1/executor is still asked by executors
 * that take MESOS_AGENT_ENDPOINT (ip:port) as their whole address, so it
 * stays, shared: each call reaches the agent that runs its executor.  An
 * executor that follows MESOS_SLAVE_PID ("slave(N)@ip:port", Mesos'
 * executor library) asks /slave(N)/api/v1/executor and reaches its agent
 * directly.  Only the loop thread touches this list.
 */
static butte_agent_t **shared;
static size_t n_shared, cap_shared;

static void
serve_shared(butte_http_req_t *req, void *arg)
{
    serve_call(req, NULL, arg);
}

/* The agent of http that runs (framework_id, executor_id), else the
 * first of http (its answer is "cannot be found"), else NULL. */
static butte_agent_t *
shared_pick(butte_http_t *http, const char *framework_id, const char *executor_id)
{
    butte_agent_t *first = NULL;

    for (size_t i = 0; i < n_shared; i++) {
        if (shared[i]->http != http)
            continue;
        if (!first)
            first = shared[i];
        if (butte_exec_find(shared[i], framework_id, executor_id))
            return shared[i];
    }
    return first;
}

static void
route2(butte_agent_t *a, const char *prefix, const char *path, unsigned methods,
       butte_http_handler_fn fn)
{
    if (!a->prefix_only)
        butte_http_route(a->http, path, methods, false, fn, a);
    if (prefix)
        butte_http_route(a->http, butte_pool_printf(a->pool, "%s%s", prefix, path), methods,
                         false, fn, a);
}

void
butte_exec_route(butte_agent_t *a, const char *prefix)
{
    route2(a, prefix, "/monitor/statistics", BUTTE_HTTP_GET, serve_statistics);
    route2(a, prefix, "/monitor/statistics.json", BUTTE_HTTP_GET, serve_statistics);
    route2(a, prefix, "/api/v1/executor", BUTTE_HTTP_POST, serve);
    if (a->prefix_only) {
        if (n_shared == cap_shared) {
            size_t cap = cap_shared ? cap_shared * 2 : 4;
            butte_agent_t **grown = realloc(shared, cap * sizeof *grown);
            if (!grown)
                abort();
            shared = grown;
            cap_shared = cap;
        }
        shared[n_shared++] = a;
        butte_http_route(a->http, "/api/v1/executor", BUTTE_HTTP_POST, false, serve_shared,
                         a->http);
    }
}

void
butte_exec_unroute(butte_agent_t *a)
{
    for (size_t i = 0; i < n_shared; i++) {
        if (shared[i] == a) {
            memmove(shared + i, shared + i + 1, (n_shared - i - 1) * sizeof *shared);
            n_shared--;
            break;
        }
    }
    if (n_shared == 0) {
        free(shared);
        shared = NULL;
        cap_shared = 0;
    }
}
