/*
 * kernel/core/http-reply.c - what a handler sees of a request, and the ways
 * it answers: a whole reply (text, JSON, JSONP), a deferred one, or a
 * chunked stream (http-internal.h).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <butte/log.h>

#include "core/http-private.h"

/* A reply on a request that is already complete is a bug in the caller;
 * say so once instead of corrupting evhttp's state. */
static bool
can_reply(butte_http_req_t *req, const char *what)
{
    if (req->closing)
        return false;
    if (req->state == REQ_DONE || req->state == REQ_STREAMING) {
        butte_log(butte_log_get("http"), BUTTE_LOG_ERROR,
                  "%s on %s %s ignored: request already answered", what,
                  butte_http_method_name(req->method), req->path);
        return false;
    }
    return true;
}

unsigned
butte_http_req_method(const butte_http_req_t *req)
{
    return req->method;
}

const char *
butte_http_req_method_name(const butte_http_req_t *req)
{
    return butte_http_method_name(req->method);
}

const char *
butte_http_req_path(const butte_http_req_t *req)
{
    return req->path;
}

const char *
butte_http_req_query(const butte_http_req_t *req)
{
    return req->query;
}

const char *
butte_http_req_param(butte_http_req_t *req, const char *name)
{
    if (!req->query)
        return NULL;
    size_t nlen = strlen(name);
    const char *p = req->query;
    while (*p) {
        const char *end = strchr(p, '&');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        size_t klen = eq ? (size_t)(eq - p) : len;
        if (klen == nlen && memcmp(p, name, nlen) == 0) {
            if (!eq)
                return "";
            char *raw = butte_pool_strndup(req->pool, eq + 1, len - klen - 1);
            /* form encoding: '+' is a space in a query */
            char *dec = evhttp_uridecode(raw, 1, NULL);
            if (!dec)
                return raw;
            char *val = butte_pool_strdup(req->pool, dec);
            free(dec);
            return val;
        }
        if (!end)
            break;
        p = end + 1;
    }
    return NULL;
}

const char *
butte_http_req_header(const butte_http_req_t *req, const char *name)
{
    return evhttp_find_header(evhttp_request_get_input_headers(req->ev), name);
}

const char *
butte_http_req_body(butte_http_req_t *req, size_t *len)
{
    if (!req->body) {
        struct evbuffer *in = evhttp_request_get_input_buffer(req->ev);
        size_t n = in ? evbuffer_get_length(in) : 0;
        char *copy = butte_pool_alloc(req->pool, n + 1);
        if (n)
            evbuffer_copyout(in, copy, n);
        req->body = copy;
        req->body_len = n;
    }
    if (len)
        *len = req->body_len;
    return req->body;
}

const char *
butte_http_req_peer(butte_http_req_t *req)
{
    if (!req->peer) {
        char *host = NULL;
        ev_uint16_t port = 0;
        struct evhttp_connection *evcon = evhttp_request_get_connection(req->ev);
        if (evcon)
            evhttp_connection_get_peer(evcon, &host, &port);
        req->peer = butte_pool_printf(req->pool, "%s:%u", host ? host : "?", (unsigned)port);
    }
    return req->peer;
}

butte_pool_t *
butte_http_req_pool(butte_http_req_t *req)
{
    return req->pool;
}

/* ------------------------------------------------------------ replies */

void
butte_http_add_header(butte_http_req_t *req, const char *name, const char *value)
{
    evhttp_add_header(evhttp_request_get_output_headers(req->ev), name, value);
}

void
butte_http_reply(butte_http_req_t *req, int status, const char *content_type,
    const void *body, size_t len)
{
    if (!can_reply(req, "reply"))
        return;
    if (content_type)
        butte_http_add_header(req, "Content-Type", content_type);
    butte_http_req_unwatch(req);
    struct evbuffer *buf = NULL;
    if (len) {
        buf = evbuffer_new();
        if (buf)
            evbuffer_add(buf, body, len);
    }
    /* NULL reason: evhttp fills the standard phrase for the code */
    evhttp_send_reply(req->ev, status, NULL, buf);
    if (buf)
        evbuffer_free(buf);
    butte_http_req_complete(req);
}

void
butte_http_reply_text(butte_http_req_t *req, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = butte_pool_vprintf(req->pool, fmt, ap);
    va_end(ap);
    butte_http_reply(req, status, "text/plain; charset=utf-8", text, strlen(text));
}

/* A JSONP callback is echoed into a script, so only a JavaScript
 * identifier path ("cb", "jQuery123_456", "angular.callbacks._0") is
 * accepted: anything else would let a link inject script. */
static bool
valid_callback(const char *cb)
{
    if (!*cb)
        return false;
    for (const char *p = cb; *p; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (c >= '0' && c <= '9') || c == '_' || c == '$' || c == '.' || c == '[' ||
                  c == ']';
        if (!ok)
            return false;
    }
    return true;
}

void
butte_http_reply_json(butte_http_req_t *req, int status, json_t *json)
{
    if (!json) {
        butte_http_reply_text(req, 500, "could not build the response");
        return;
    }
    char *text = json_dumps(json, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(json);
    if (!text) {
        butte_http_reply_text(req, 500, "could not encode the response");
        return;
    }
    const char *cb = butte_http_req_param(req, "jsonp");
    if (cb && !valid_callback(cb)) {
        butte_http_reply_text(req, 400, "invalid jsonp callback");
    } else if (cb) {
        char *wrapped = butte_pool_printf(req->pool, "%s(%s);", cb, text);
        butte_http_reply(req, status, "text/javascript", wrapped, strlen(wrapped));
    } else {
        butte_http_reply(req, status, "application/json", text, strlen(text));
    }
    free(text);
}

void
butte_http_defer(butte_http_req_t *req, butte_http_closed_fn on_close, void *arg)
{
    if (!can_reply(req, "defer"))
        return;
    req->state = REQ_DEFERRED;
    butte_http_req_watch(req, on_close, arg);
}

void
butte_http_stream_start(butte_http_req_t *req, int status, const char *content_type,
    butte_http_closed_fn on_close, void *arg)
{
    if (!can_reply(req, "stream start"))
        return;
    if (content_type)
        butte_http_add_header(req, "Content-Type", content_type);
    req->state = REQ_STREAMING;
    butte_http_req_watch(req, on_close, arg);
    evhttp_send_reply_start(req->ev, status, NULL);
    /* evhttp keeps a read timeout on the connection even while it writes;
     * a subscriber sends nothing after its request, so lift it (writes keep
     * their timeout: a client that stops reading is still dropped). */
    struct evhttp_connection *evcon = evhttp_request_get_connection(req->ev);
    if (evcon) {
        struct timeval wr = {50, 0};
        bufferevent_set_timeouts(evhttp_connection_get_bufferevent(evcon), NULL, &wr);
    }
}

void
butte_http_stream_send(butte_http_req_t *req, const void *data, size_t len)
{
    if (req->closing || req->state != REQ_STREAMING || len == 0)
        return;
    struct evbuffer *buf = evbuffer_new();
    if (!buf)
        return;
    evbuffer_add(buf, data, len);
    evhttp_send_reply_chunk(req->ev, buf);
    evbuffer_free(buf);
}

void
butte_http_stream_end(butte_http_req_t *req)
{
    if (req->closing || req->state != REQ_STREAMING)
        return;
    butte_http_req_unwatch(req);
    evhttp_send_reply_end(req->ev);
    butte_http_req_complete(req);
}
