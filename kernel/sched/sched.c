/*
 * kernel/sched/sched.c - the v1 scheduler client (see sched-internal.h).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <butte/pbjson.h>
#include <butte/recordio.h>

#include "core/httpc-internal.h"
#include "sched/sched-internal.h"

/* Redirects followed in a row before giving up (a loop between masters). */
#define MAX_REDIRECTS 5
/* Largest event accepted (offers of a large cluster stay well below). */
#define MAX_EVENT (64u << 20)

struct butte_sched {
    butte_pool_t *pool;       /* the client's */
    butte_pool_t *conn_pool;  /* the current master's connections */
    butte_loop_t *loop;
    butte_httpc_t *http;
    char host[256];
    uint16_t port;
    char path[256];           /* the scheduler endpoint on that master */
    butte_sched_encoding_t enc;
    butte_sched_callbacks_t cbs;
    void *arg;

    butte_httpc_stream_t *stream;
    butte_recordio_decoder_t *dec;
    butte_pool_t *stream_pool; /* decoder and subscribe body */
    uint8_t *sub_body;         /* the SUBSCRIBE body, resent on redirect */
    size_t sub_len;
    int redirects;
    char framework_id[256];
    char stream_id[130];
    bool subscribed;
    bool closed;
    struct pending *pending; /* calls in flight (malloc'd) */
};

/* One call in flight. */
typedef struct pending {
    butte_sched_t *s;
    struct pending *prev, *next;
    butte_sched_done_fn done;
    void *arg;
} pending_t;

static const char *content_type(const butte_sched_t *s)
{
    return s->enc == BUTTE_SCHED_JSON ? "application/json" : "application/x-protobuf";
}

/* Parse "host:port" / "[v6]:port" (after an optional http://), path
 * defaulting to /api/v1/scheduler. */
static int parse_master(butte_sched_t *s, const char *master, butte_err_t *err)
{
    if (strncmp(master, "zk://", 5) == 0)
        return butte_err_set(err, BUTTE_EINVAL, "zk:// masters are not implemented yet: \"%s\"",
                             master);
    if (strncmp(master, "http://", 7) == 0)
        master += 7;
    const char *hp = master;
    const char *slash = strchr(hp, '/');
    size_t hp_len = slash != NULL ? (size_t)(slash - hp) : strlen(hp);
    const char *colon = NULL;
    const char *h = hp;
    size_t hlen;
    if (hp[0] == '[') {
        const char *rb = memchr(hp, ']', hp_len);
        if (rb == NULL || rb + 1 >= hp + hp_len || rb[1] != ':')
            goto bad;
        h = hp + 1;
        hlen = (size_t)(rb - h);
        colon = rb + 1;
    } else {
        colon = memchr(hp, ':', hp_len);
        if (colon == NULL)
            goto bad;
        hlen = (size_t)(colon - hp);
    }
    if (hlen == 0 || hlen >= sizeof s->host)
        goto bad;
    char *end;
    errno = 0;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (errno != 0 || end == colon + 1 || end != hp + hp_len || port == 0 || port > 65535)
        goto bad;
    memcpy(s->host, h, hlen);
    s->host[hlen] = '\0';
    s->port = (uint16_t)port;
    snprintf(s->path, sizeof s->path, "%s",
             slash != NULL && strlen(slash) > 1 ? slash : "/api/v1/scheduler");
    return 0;
bad:
    return butte_err_set(err, BUTTE_EINVAL, "cannot use master \"%s\": expected host:port",
                         master);
}

static void pending_unlink(butte_sched_t *s, struct pending *p)
{
    if (p->prev != NULL)
        p->prev->next = p->next;
    else
        s->pending = p->next;
    if (p->next != NULL)
        p->next->prev = p->prev;
}

static void connect_master(butte_sched_t *s)
{
    butte_pool_destroy(s->conn_pool); /* closes the old connections */
    /* their calls' callbacks never run now */
    while (s->pending != NULL) {
        struct pending *p = s->pending;
        s->pending = p->next;
        free(p);
    }
    s->conn_pool = butte_pool_create(s->pool);
    s->http = butte_httpc_create(s->conn_pool, s->loop, s->host, s->port, 30);
}

static void on_pool_destroy(void *arg)
{
    butte_sched_t *s = arg;
    while (s->pending != NULL) {
        struct pending *p = s->pending;
        s->pending = p->next;
        free(p);
    }
}

butte_sched_t *butte_sched_create(butte_pool_t *pool, butte_loop_t *loop, const char *master,
                                  butte_sched_encoding_t encoding,
                                  const butte_sched_callbacks_t *cbs, void *arg,
                                  butte_err_t *err)
{
    butte_sched_t *s = butte_pool_alloc(pool, sizeof *s);
    if (parse_master(s, master, err) != 0)
        return NULL;
    s->pool = pool;
    s->loop = loop;
    s->enc = encoding;
    s->cbs = *cbs;
    s->arg = arg;
    connect_master(s);
    butte_pool_on_destroy(pool, on_pool_destroy, s);
    return s;
}

const char *butte_sched_framework_id(const butte_sched_t *s)
{
    return s->framework_id[0] != '\0' ? s->framework_id : NULL;
}

const char *butte_sched_stream_id(const butte_sched_t *s)
{
    return s->subscribed ? s->stream_id : NULL;
}

/* ---- the stream ---- */

static void open_stream(butte_sched_t *s);

static void stream_down(butte_sched_t *s, const butte_err_t *err)
{
    butte_httpc_stream_close(s->stream);
    s->stream = NULL;
    s->subscribed = false;
    s->stream_id[0] = '\0';
    s->cbs.disconnected(s, err, s->arg);
}

static void on_head(butte_httpc_stream_t *st, const butte_httpc_resp_t *resp, void *arg)
{
    butte_sched_t *s = arg;
    (void)st;
    if (butte_httpc_resp_status(resp) != 200)
        return; /* the whole answer comes to on_end */
    const char *id = butte_httpc_resp_header(resp, "Mesos-Stream-Id");
    snprintf(s->stream_id, sizeof s->stream_id, "%s", id != NULL ? id : "");
    s->redirects = 0;
}

static void deliver(butte_sched_t *s, const void *data, size_t len)
{
    butte_pool_t *p = butte_pool_create(s->pool);
    ProtobufCMessage *m = NULL;
    butte_err_t err;
    int rc = s->enc == BUTTE_SCHED_JSON
                 ? butte_pbjson_decode(p, &mesos__v1__scheduler__event__descriptor, data, len, 0,
                                       &m, &err)
                 : butte_pb_decode(p, &mesos__v1__scheduler__event__descriptor, data, len, &m,
                                   &err);
    if (rc != 0) {
        butte_pool_destroy(p);
        butte_err_prefix(&err, "cannot decode an event from the master");
        stream_down(s, &err);
        return;
    }
    Mesos__V1__Scheduler__Event *ev = (Mesos__V1__Scheduler__Event *)m;
    if (ev->type == MESOS__V1__SCHEDULER__EVENT__TYPE__SUBSCRIBED && ev->subscribed != NULL &&
        ev->subscribed->framework_id != NULL) {
        snprintf(s->framework_id, sizeof s->framework_id, "%s",
                 ev->subscribed->framework_id->value);
        s->subscribed = true;
    }
    s->cbs.event(s, ev, s->arg);
    butte_pool_destroy(p);
}

static void on_chunk(butte_httpc_stream_t *st, const void *data, size_t len, void *arg)
{
    butte_sched_t *s = arg;
    butte_recordio_decoder_feed(s->dec, data, len);
    for (;;) {
        const void *rec;
        size_t rlen;
        butte_err_t err;
        int rc = butte_recordio_decoder_next(s->dec, &rec, &rlen, &err);
        if (rc == 0)
            return;
        if (rc < 0) {
            butte_err_prefix(&err, "bad event stream from the master");
            stream_down(s, &err);
            return;
        }
        deliver(s, rec, rlen);
        /* the callback may have closed or replaced the stream */
        if (s->stream != st)
            return;
    }
}

/* "//host:port/path" (or "http://host:port/path") into host, port, path. */
static int follow(butte_sched_t *s, const char *location, butte_err_t *err)
{
    if (location == NULL)
        return butte_err_set(err, BUTTE_EINVAL, "master answered 307 without a Location");
    const char *l = location;
    if (strncmp(l, "//", 2) == 0)
        l += 2;
    else if (strncmp(l, "http://", 7) == 0)
        l += 7;
    else
        return butte_err_set(err, BUTTE_EINVAL, "cannot follow redirect to \"%s\"", location);
    if (++s->redirects > MAX_REDIRECTS)
        return butte_err_set(err, BUTTE_EINVAL, "too many redirects (last to \"%s\")", location);
    if (parse_master(s, l, err) != 0)
        return err->code;
    connect_master(s);
    return 0;
}

static void on_end(butte_httpc_stream_t *st, const butte_httpc_resp_t *resp,
                   const butte_err_t *err, void *arg)
{
    butte_sched_t *s = arg;
    (void)st;
    s->stream = NULL; /* the handle dies after this */
    butte_err_t e;
    if (resp == NULL) {
        stream_down(s, err);
        return;
    }
    int status = butte_httpc_resp_status(resp);
    if (status == 307) {
        if (follow(s, butte_httpc_resp_header(resp, "Location"), &e) != 0) {
            stream_down(s, &e);
            return;
        }
        open_stream(s);
        return;
    }
    if (status == 200)
        butte_err_set(&e, BUTTE_EIO, "the master closed the event stream");
    else
        butte_err_set(&e, status == 503 ? BUTTE_EAGAIN : BUTTE_EPERM,
                      "master answered %d: %s", status, butte_httpc_resp_body(resp, NULL));
    stream_down(s, &e);
}

static void open_stream(butte_sched_t *s)
{
    const char *ct = content_type(s);
    butte_httpc_header_t h[] = { { "Content-Type", ct }, { "Accept", ct } };
    s->dec = butte_recordio_decoder_create(s->stream_pool, MAX_EVENT);
    s->stream = butte_httpc_stream(s->http, "POST", s->path, h, 2, s->sub_body, s->sub_len,
                                   on_head, on_chunk, on_end, s);
}

int butte_sched_subscribe(butte_sched_t *s, const Mesos__V1__FrameworkInfo *fi, butte_err_t *err)
{
    (void)err;
    butte_sched_close(s);
    butte_pool_destroy(s->stream_pool);
    s->stream_pool = butte_pool_create(s->pool);
    s->redirects = 0;

    Mesos__V1__Scheduler__Call call = MESOS__V1__SCHEDULER__CALL__INIT;
    Mesos__V1__Scheduler__Call__Subscribe sub = MESOS__V1__SCHEDULER__CALL__SUBSCRIBE__INIT;
    call.has_type = 1;
    call.type = MESOS__V1__SCHEDULER__CALL__TYPE__SUBSCRIBE;
    sub.framework_info = (Mesos__V1__FrameworkInfo *)fi;
    call.subscribe = &sub;
    call.framework_id = fi->id;
    if (fi->id != NULL)
        snprintf(s->framework_id, sizeof s->framework_id, "%s", fi->id->value);
    if (s->enc == BUTTE_SCHED_JSON) {
        size_t len;
        char *j = butte_pbjson_encode_string(s->stream_pool, &call.base, 0, &len);
        s->sub_body = (uint8_t *)j;
        s->sub_len = len;
    } else {
        butte_pb_encode(s->stream_pool, &call.base, &s->sub_body, &s->sub_len);
    }
    s->closed = false;
    open_stream(s);
    return 0;
}

void butte_sched_close(butte_sched_t *s)
{
    butte_httpc_stream_close(s->stream);
    s->stream = NULL;
    s->subscribed = false;
    s->stream_id[0] = '\0';
    /* Pending calls' callbacks must not run: drop their connection. */
    if (!s->closed)
        connect_master(s);
    s->closed = true;
}

/* ---- calls ---- */

static void on_call_done(const butte_httpc_resp_t *resp, const butte_err_t *err, void *arg)
{
    pending_t *p = arg;
    butte_sched_t *s = p->s;
    int status = 0;
    butte_err_t e;
    const butte_err_t *out = err;
    if (resp != NULL) {
        status = butte_httpc_resp_status(resp);
        out = NULL;
        if (status < 200 || status > 299) {
            butte_err_set(&e, BUTTE_EPERM, "master answered %d: %s", status,
                          butte_httpc_resp_body(resp, NULL));
            out = &e;
        }
    }
    butte_sched_done_fn done = p->done;
    void *darg = p->arg;
    pending_unlink(s, p);
    free(p);
    if (done != NULL)
        done(s, status, out, darg);
}

int butte_sched_call(butte_sched_t *s, Mesos__V1__Scheduler__Call *call, butte_sched_done_fn done,
                     void *arg, butte_err_t *err)
{
    if (!s->subscribed)
        return butte_err_set(err, BUTTE_EAGAIN, "not subscribed");
    Mesos__V1__FrameworkID fid = MESOS__V1__FRAMEWORK_ID__INIT;
    Mesos__V1__FrameworkID *old = call->framework_id;
    if (old == NULL) {
        fid.value = s->framework_id;
        call->framework_id = &fid;
    }
    butte_pool_t *tmp = butte_pool_create(s->pool);
    uint8_t *body;
    size_t len;
    if (s->enc == BUTTE_SCHED_JSON)
        body = (uint8_t *)butte_pbjson_encode_string(tmp, &call->base, 0, &len);
    else
        butte_pb_encode(tmp, &call->base, &body, &len);
    call->framework_id = old;
    const char *ct = content_type(s);
    butte_httpc_header_t h[] = {
        { "Content-Type", ct }, { "Accept", ct }, { "Mesos-Stream-Id", s->stream_id }
    };
    pending_t *p = calloc(1, sizeof *p);
    if (p == NULL)
        abort();
    p->s = s;
    p->done = done;
    p->arg = arg;
    p->next = s->pending;
    if (s->pending != NULL)
        s->pending->prev = p;
    s->pending = p;
    butte_httpc_request(s->http, "POST", s->path, h, 3, body, len, on_call_done, p);
    butte_pool_destroy(tmp); /* httpc copied the body */
    return 0;
}

int butte_sched_acknowledge(butte_sched_t *s, const Mesos__V1__TaskStatus *status,
                            butte_err_t *err)
{
    if (!status->has_uuid || status->agent_id == NULL)
        return butte_err_set(err, BUTTE_EINVAL, "update of task \"%s\" has nothing to acknowledge",
                             status->task_id != NULL ? status->task_id->value : "");
    Mesos__V1__Scheduler__Call call = MESOS__V1__SCHEDULER__CALL__INIT;
    Mesos__V1__Scheduler__Call__Acknowledge ack = MESOS__V1__SCHEDULER__CALL__ACKNOWLEDGE__INIT;
    call.has_type = 1;
    call.type = MESOS__V1__SCHEDULER__CALL__TYPE__ACKNOWLEDGE;
    ack.agent_id = status->agent_id;
    ack.task_id = status->task_id;
    ack.uuid = status->uuid;
    call.acknowledge = &ack;
    return butte_sched_call(s, &call, NULL, NULL, err);
}

int butte_sched_decline(butte_sched_t *s, const char *offer_id, double refuse_seconds,
                        butte_err_t *err)
{
    Mesos__V1__Scheduler__Call call = MESOS__V1__SCHEDULER__CALL__INIT;
    Mesos__V1__Scheduler__Call__Decline dec = MESOS__V1__SCHEDULER__CALL__DECLINE__INIT;
    Mesos__V1__OfferID oid = MESOS__V1__OFFER_ID__INIT;
    Mesos__V1__OfferID *oids[1] = { &oid };
    Mesos__V1__Filters filters = MESOS__V1__FILTERS__INIT;
    oid.value = (char *)offer_id;
    call.has_type = 1;
    call.type = MESOS__V1__SCHEDULER__CALL__TYPE__DECLINE;
    dec.n_offer_ids = 1;
    dec.offer_ids = oids;
    if (refuse_seconds >= 0) {
        filters.has_refuse_seconds = 1;
        filters.refuse_seconds = refuse_seconds;
        dec.filters = &filters;
    }
    call.decline = &dec;
    return butte_sched_call(s, &call, NULL, NULL, err);
}

int butte_sched_kill(butte_sched_t *s, const char *task_id, const char *agent_id,
                     butte_err_t *err)
{
    Mesos__V1__Scheduler__Call call = MESOS__V1__SCHEDULER__CALL__INIT;
    Mesos__V1__Scheduler__Call__Kill kill = MESOS__V1__SCHEDULER__CALL__KILL__INIT;
    Mesos__V1__TaskID tid = MESOS__V1__TASK_ID__INIT;
    Mesos__V1__AgentID aid = MESOS__V1__AGENT_ID__INIT;
    tid.value = (char *)task_id;
    kill.task_id = &tid;
    if (agent_id != NULL) {
        aid.value = (char *)agent_id;
        kill.agent_id = &aid;
    }
    call.has_type = 1;
    call.type = MESOS__V1__SCHEDULER__CALL__TYPE__KILL;
    call.kill = &kill;
    return butte_sched_call(s, &call, NULL, NULL, err);
}

int butte_sched_teardown(butte_sched_t *s, butte_sched_done_fn done, void *arg,
                         butte_err_t *err)
{
    Mesos__V1__Scheduler__Call call = MESOS__V1__SCHEDULER__CALL__INIT;
    call.has_type = 1;
    call.type = MESOS__V1__SCHEDULER__CALL__TYPE__TEARDOWN;
    return butte_sched_call(s, &call, done, arg, err);
}

/* ---- names ---- */

static const char *enum_name(const ProtobufCEnumDescriptor *d, int v, const char *unknown)
{
    const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(d, v);
    return ev != NULL ? ev->name : unknown;
}

const char *butte_sched_state_name(int state)
{
    return enum_name(&mesos__v1__task_state__descriptor, state, "TASK_?");
}

const char *butte_sched_reason_name(int reason)
{
    return enum_name(&mesos__v1__task_status__reason__descriptor, reason, "REASON_?");
}

const char *butte_sched_source_name(int source)
{
    return enum_name(&mesos__v1__task_status__source__descriptor, source, "SOURCE_?");
}

bool butte_sched_state_terminal(int state)
{
    switch (state) {
    case MESOS__V1__TASK_STATE__TASK_FINISHED:
    case MESOS__V1__TASK_STATE__TASK_FAILED:
    case MESOS__V1__TASK_STATE__TASK_KILLED:
    case MESOS__V1__TASK_STATE__TASK_ERROR:
    case MESOS__V1__TASK_STATE__TASK_LOST:
    case MESOS__V1__TASK_STATE__TASK_DROPPED:
    case MESOS__V1__TASK_STATE__TASK_GONE:
    case MESOS__V1__TASK_STATE__TASK_GONE_BY_OPERATOR:
        return true;
    default:
        return false;
    }
}
