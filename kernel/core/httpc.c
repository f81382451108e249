/*
 * kernel/core/httpc.c - the HTTP/1.1 client (see httpc-internal.h).
 *
 * Built on evhttp's client side.  Two libevent behaviours shape the code:
 *  - a failed request's callback runs with req == NULL after the request
 *    was freed, and the reason only reaches the error callback, which runs
 *    just before: the reason is parked in the handle in between;
 *  - freeing an evhttp connection from inside one of its own callbacks
 *    (a chunk callback above all) pulls the bufferevent from under
 *    libevent's feet.  So a connection closed from a callback is only
 *    marked dead there and freed from a fresh loop iteration; the handle
 *    that its callbacks point to lives until then.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "core/http-internal.h"
#include "core/httpc-internal.h"
#include "core/loop-internal.h"

struct butte_httpc {
    butte_pool_t *pool;
    butte_loop_t *loop;
    struct event_base *base;
    char *host;
    uint16_t port;
    double timeout;
    struct evhttp_connection *evcon; /* the calls' keep-alive connection */
    butte_httpc_call_t *calls;       /* open calls (doubly linked) */
    butte_httpc_stream_t *streams;   /* open streams */
    bool destroyed;
};

struct butte_httpc_resp {
    int status;
    struct evkeyvalq *headers;
    const char *body;
    size_t body_len;
};

struct butte_httpc_call {
    butte_httpc_t *c;
    butte_httpc_call_t *prev, *next;
    butte_httpc_done_fn done;
    void *arg;
    int error; /* evhttp_request_error from the error callback, or -1 */
    int sys_errno;
};

struct butte_httpc_stream {
    butte_httpc_t *c;
    struct event_base *base; /* the client may be gone before the handle */
    butte_httpc_stream_t *prev, *next;
    struct evhttp_connection *evcon;
    struct evhttp_request *req;
    butte_httpc_head_fn head;
    butte_httpc_chunk_fn chunk;
    butte_httpc_end_fn end;
    void *arg;
    int status;           /* 0 until the head arrived */
    struct evbuffer *err_body; /* the body of a non-200 reply */
    int error;
    int sys_errno;
    bool closed;
};

/* Depth of user callbacks running now: a connection may only be freed at
 * once when this is 0 (one loop thread, so a plain counter). */
static int cb_depth;

static struct timeval secs_tv(double secs)
{
    struct timeval tv;
    tv.tv_sec = (time_t)secs;
    tv.tv_usec = (suseconds_t)((secs - (double)tv.tv_sec) * 1e6);
    return tv;
}

static void error_text(butte_err_t *err, const butte_httpc_t *c, int error, int sys_errno)
{
    const char *why;
    switch (error) {
    case EVREQ_HTTP_TIMEOUT: why = "timed out"; break;
    case EVREQ_HTTP_EOF: why = "connection closed"; break;
    case EVREQ_HTTP_INVALID_HEADER: why = "invalid response head"; break;
    case EVREQ_HTTP_BUFFER_ERROR: why = "read or write error"; break;
    case EVREQ_HTTP_DATA_TOO_LONG: why = "response too long"; break;
    case EVREQ_HTTP_REQUEST_CANCEL: why = "cancelled"; break;
    default: why = "connection failed"; break;
    }
    if (sys_errno != 0)
        butte_err_set(err, BUTTE_EIO, "could not talk to %s:%u: %s (%s)", c->host,
                      (unsigned)c->port, why, strerror(sys_errno));
    else
        butte_err_set(err, BUTTE_EIO, "could not talk to %s:%u: %s", c->host,
                      (unsigned)c->port, why);
}

/* ---- connections and freeing ---- */

struct deferred_free {
    struct evhttp_connection *evcon;
    void *handle;
};

static void run_deferred_free(evutil_socket_t fd, short what, void *arg)
{
    struct deferred_free *d = arg;
    (void)fd;
    (void)what;
    if (d->evcon != NULL)
        evhttp_connection_free(d->evcon);
    free(d->handle);
    free(d);
}

/* Free evcon (may be NULL) and then handle (malloc'd, may be NULL): now
 * when no callback runs, else from the next loop iteration. */
static void free_later(struct event_base *base, struct evhttp_connection *evcon, void *handle)
{
    if (cb_depth == 0) {
        if (evcon != NULL)
            evhttp_connection_free(evcon);
        free(handle);
        return;
    }
    struct deferred_free *d = calloc(1, sizeof *d);
    if (d == NULL)
        abort();
    d->evcon = evcon;
    d->handle = handle;
    static const struct timeval zero = { 0, 0 };
    if (event_base_once(base, -1, EV_TIMEOUT, run_deferred_free, d, &zero) != 0)
        abort();
}

static struct evhttp_connection *new_evcon(butte_httpc_t *c)
{
    struct evhttp_connection *evcon =
        evhttp_connection_base_new(c->base, NULL, c->host, c->port);
    if (evcon == NULL)
        abort(); /* only fails on allocation */
    struct timeval tv = secs_tv(c->timeout);
    evhttp_connection_set_timeout_tv(evcon, &tv);
    return evcon;
}

static void on_pool_destroy(void *arg)
{
    butte_httpc_destroy(arg);
}

butte_httpc_t *butte_httpc_create(butte_pool_t *pool, butte_loop_t *loop, const char *host,
                                  uint16_t port, double timeout)
{
    butte_httpc_t *c = butte_pool_alloc(pool, sizeof *c);
    c->pool = pool;
    c->loop = loop;
    c->base = butte_loop_base(loop);
    c->host = butte_pool_strdup(pool, host);
    c->port = port;
    c->timeout = timeout > 0 ? timeout : 30.0;
    butte_pool_on_destroy(pool, on_pool_destroy, c);
    return c;
}

const char *butte_httpc_host(const butte_httpc_t *c)
{
    return c->host;
}

uint16_t butte_httpc_port(const butte_httpc_t *c)
{
    return c->port;
}

void butte_httpc_destroy(butte_httpc_t *c)
{
    if (c == NULL || c->destroyed)
        return;
    c->destroyed = true;
    /* Freeing the calls' connection frees its queued requests without
     * running their callbacks, so the call handles can go with it. */
    struct evhttp_connection *evcon = c->evcon;
    c->evcon = NULL;
    butte_httpc_call_t *calls = c->calls;
    c->calls = NULL;
    if (cb_depth == 0) {
        if (evcon != NULL)
            evhttp_connection_free(evcon);
        while (calls != NULL) {
            butte_httpc_call_t *next = calls->next;
            free(calls);
            calls = next;
        }
    } else {
        /* The first handle waits for the connection; the rest are
         * unreachable from libevent once it is gone, but a callback of
         * one of them may be running right now: free them all later. */
        free_later(c->base, evcon, NULL);
        while (calls != NULL) {
            butte_httpc_call_t *next = calls->next;
            calls->done = NULL;
            calls->c = NULL; /* the client's memory may go before this */
            free_later(c->base, NULL, calls);
            calls = next;
        }
    }
    while (c->streams != NULL)
        butte_httpc_stream_close(c->streams);
}

/* ---- responses ---- */

static void resp_init(butte_httpc_resp_t *r, struct evhttp_request *req)
{
    r->status = evhttp_request_get_response_code(req);
    r->headers = evhttp_request_get_input_headers(req);
    r->body = "";
    r->body_len = 0;
}

int butte_httpc_resp_status(const butte_httpc_resp_t *r)
{
    return r->status;
}

const char *butte_httpc_resp_header(const butte_httpc_resp_t *r, const char *name)
{
    /* evhttp_find_header compares without case already */
    return r->headers != NULL ? evhttp_find_header(r->headers, name) : NULL;
}

const char *butte_httpc_resp_body(const butte_httpc_resp_t *r, size_t *len)
{
    if (len != NULL)
        *len = r->body_len;
    return r->body;
}

/* Body of req as a NUL-terminated string in buf's linear memory. */
static const char *take_body(struct evbuffer *buf, size_t *len)
{
    *len = evbuffer_get_length(buf);
    evbuffer_add(buf, "", 1);
    return (const char *)evbuffer_pullup(buf, -1);
}

/* ---- building requests ---- */

static struct evhttp_request *make_request(butte_httpc_t *c, void (*cb)(struct evhttp_request *, void *),
                                           void *arg, const butte_httpc_header_t *headers, size_t n,
                                           const void *body, size_t len)
{
    struct evhttp_request *req = evhttp_request_new(cb, arg);
    if (req == NULL)
        abort();
    struct evkeyvalq *out = evhttp_request_get_output_headers(req);
    bool have_host = false;
    for (size_t i = 0; i < n; i++) {
        if (strcasecmp(headers[i].name, "Host") == 0)
            have_host = true;
        evhttp_add_header(out, headers[i].name, headers[i].value);
    }
    if (!have_host) {
        char host[300];
        if (strchr(c->host, ':') != NULL)
            snprintf(host, sizeof host, "[%s]:%u", c->host, (unsigned)c->port);
        else
            snprintf(host, sizeof host, "%s:%u", c->host, (unsigned)c->port);
        evhttp_add_header(out, "Host", host);
    }
    if (len > 0)
        evbuffer_add(evhttp_request_get_output_buffer(req), body, len);
    return req;
}

static enum evhttp_cmd_type method_of(const char *method)
{
    static const struct {
        const char *name;
        enum evhttp_cmd_type type;
    } methods[] = {
        { "GET", EVHTTP_REQ_GET },       { "POST", EVHTTP_REQ_POST },
        { "PUT", EVHTTP_REQ_PUT },       { "DELETE", EVHTTP_REQ_DELETE },
        { "HEAD", EVHTTP_REQ_HEAD },     { "OPTIONS", EVHTTP_REQ_OPTIONS },
        { "PATCH", EVHTTP_REQ_PATCH },
    };
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (strcmp(methods[i].name, method) == 0)
            return methods[i].type;
    return EVHTTP_REQ_POST;
}

/* ---- calls ---- */

static void call_unlink(butte_httpc_call_t *call)
{
    butte_httpc_t *c = call->c;
    if (call->prev != NULL)
        call->prev->next = call->next;
    else if (c->calls == call)
        c->calls = call->next;
    if (call->next != NULL)
        call->next->prev = call->prev;
    call->prev = call->next = NULL;
}

static void on_call_error(enum evhttp_request_error error, void *arg)
{
    butte_httpc_call_t *call = arg;
    call->error = (int)error;
    call->sys_errno = errno;
}

static void on_call_done(struct evhttp_request *req, void *arg)
{
    butte_httpc_call_t *call = arg;
    if (call->c == NULL) /* the client was destroyed; freed later */
        return;
    call_unlink(call);
    butte_httpc_done_fn done = call->done;
    cb_depth++;
    if (done != NULL) {
        if (req == NULL || evhttp_request_get_response_code(req) == 0) {
            butte_err_t err;
            error_text(&err, call->c, call->error, call->sys_errno);
            done(NULL, &err, call->arg);
        } else {
            butte_httpc_resp_t r;
            resp_init(&r, req);
            r.body = take_body(evhttp_request_get_input_buffer(req), &r.body_len);
            done(&r, NULL, call->arg);
        }
    }
    cb_depth--;
    free(call);
}

butte_httpc_call_t *butte_httpc_request(butte_httpc_t *c, const char *method, const char *path,
                                        const butte_httpc_header_t *headers, size_t n,
                                        const void *body, size_t len, butte_httpc_done_fn done,
                                        void *arg)
{
    butte_httpc_call_t *call = calloc(1, sizeof *call);
    if (call == NULL)
        abort();
    call->c = c;
    call->done = done;
    call->arg = arg;
    call->error = -1;
    call->next = c->calls;
    if (c->calls != NULL)
        c->calls->prev = call;
    c->calls = call;
    if (c->evcon == NULL)
        c->evcon = new_evcon(c);
    struct evhttp_request *req = make_request(c, on_call_done, call, headers, n, body, len);
    evhttp_request_set_error_cb(req, on_call_error);
    /* On failure evhttp has already called on_call_done (req NULL). */
    (void)evhttp_make_request(c->evcon, req, method_of(method), path);
    /* evhttp creates the socket inside make_request; set it each time, as a
     * dropped keep-alive connection comes back with a new one. */
    butte_tcp_nodelay(bufferevent_getfd(evhttp_connection_get_bufferevent(c->evcon)));
    return call;
}

void butte_httpc_call_forget(butte_httpc_call_t *call)
{
    if (call != NULL)
        call->done = NULL;
}

/* ---- streams ---- */

static void stream_unlink(butte_httpc_stream_t *s)
{
    butte_httpc_t *c = s->c;
    if (s->prev != NULL)
        s->prev->next = s->next;
    else if (c->streams == s)
        c->streams = s->next;
    if (s->next != NULL)
        s->next->prev = s->prev;
    s->prev = s->next = NULL;
}

static void stream_release(butte_httpc_stream_t *s)
{
    if (s->err_body != NULL)
        evbuffer_free(s->err_body);
    s->err_body = NULL;
    struct evhttp_connection *evcon = s->evcon;
    s->evcon = NULL;
    free_later(s->base, evcon, s);
}

void butte_httpc_stream_close(butte_httpc_stream_t *s)
{
    if (s == NULL || s->closed)
        return;
    s->closed = true;
    stream_unlink(s);
    stream_release(s);
}

static int on_stream_head(struct evhttp_request *req, void *arg)
{
    butte_httpc_stream_t *s = arg;
    if (s->closed)
        return -1;
    s->status = evhttp_request_get_response_code(req);
    if (s->status == 200) {
        /* No read timeout from here on: a stream may stay silent long. */
        struct timeval year = { 365 * 24 * 3600, 0 };
        evhttp_connection_set_timeout_tv(s->evcon, &year);
    } else {
        s->err_body = evbuffer_new();
    }
    if (s->head != NULL) {
        butte_httpc_resp_t r;
        resp_init(&r, req);
        cb_depth++;
        s->head(s, &r, s->arg);
        cb_depth--;
    }
    return s->closed ? -1 : 0;
}

static void on_stream_chunk(struct evhttp_request *req, void *arg)
{
    butte_httpc_stream_t *s = arg;
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    if (s->closed) {
        evbuffer_drain(in, evbuffer_get_length(in));
        return;
    }
    if (s->status != 200) {
        evbuffer_add_buffer(s->err_body, in);
        return;
    }
    cb_depth++;
    /* Hand the bytes over piece by piece, without copying them. */
    while (!s->closed && evbuffer_get_length(in) > 0) {
        struct evbuffer_iovec v;
        if (evbuffer_peek(in, -1, NULL, &v, 1) < 1)
            break;
        s->chunk(s, v.iov_base, v.iov_len, s->arg);
        evbuffer_drain(in, v.iov_len);
    }
    cb_depth--;
    if (s->closed)
        evbuffer_drain(in, evbuffer_get_length(in));
}

static void on_stream_error(enum evhttp_request_error error, void *arg)
{
    butte_httpc_stream_t *s = arg;
    s->error = (int)error;
    s->sys_errno = errno;
}

static void on_stream_done(struct evhttp_request *req, void *arg)
{
    butte_httpc_stream_t *s = arg;
    if (s->closed)
        return;
    s->closed = true;
    stream_unlink(s);
    cb_depth++;
    if (req == NULL || evhttp_request_get_response_code(req) == 0) {
        butte_err_t err;
        error_text(&err, s->c, s->error, s->sys_errno);
        s->end(s, NULL, &err, s->arg);
    } else {
        butte_httpc_resp_t r;
        resp_init(&r, req);
        if (s->err_body != NULL) {
            /* what the chunk callback did not take yet */
            evbuffer_add_buffer(s->err_body, evhttp_request_get_input_buffer(req));
            r.body = take_body(s->err_body, &r.body_len);
        }
        s->end(s, &r, NULL, s->arg);
    }
    cb_depth--;
    stream_release(s);
}

butte_httpc_stream_t *butte_httpc_stream(butte_httpc_t *c, const char *method, const char *path,
                                         const butte_httpc_header_t *headers, size_t n,
                                         const void *body, size_t len, butte_httpc_head_fn head,
                                         butte_httpc_chunk_fn chunk, butte_httpc_end_fn end,
                                         void *arg)
{
    butte_httpc_stream_t *s = calloc(1, sizeof *s);
    if (s == NULL)
        abort();
    s->c = c;
    s->base = c->base;
    s->head = head;
    s->chunk = chunk;
    s->end = end;
    s->arg = arg;
    s->error = -1;
    s->next = c->streams;
    if (c->streams != NULL)
        c->streams->prev = s;
    c->streams = s;
    s->evcon = new_evcon(c);
    struct evhttp_request *req = make_request(c, on_stream_done, s, headers, n, body, len);
    evhttp_request_set_header_cb(req, on_stream_head);
    evhttp_request_set_chunked_cb(req, on_stream_chunk);
    evhttp_request_set_error_cb(req, on_stream_error);
    s->req = req;
    (void)evhttp_make_request(s->evcon, req, method_of(method), path);
    butte_tcp_nodelay(bufferevent_getfd(evhttp_connection_get_bufferevent(s->evcon)));
    return s;
}
