/*
 * kernel/core/http-private.h - what http.c (server, routing, request
 * lifetime) and http-reply.c (request accessors, replies, streams) share.
 * Nothing outside those two files includes it.
 */
#ifndef BUTTE_HTTP_PRIVATE_H
#define BUTTE_HTTP_PRIVATE_H

#include <event2/http.h>

#include "core/http-internal.h"

typedef struct route {
    struct route *next;
    char *path;
    size_t len;
    unsigned methods;
    bool prefix;
    butte_http_handler_fn fn;
    void *arg;
} route_t;

struct butte_http {
    butte_pool_t *pool;
    butte_loop_t *loop;
    struct evhttp *ev;
    route_t *routes;
    butte_http_req_t *live; /* requests not yet complete */
    /* taken-over connections for evhttp to free once it returned (http.c) */
    struct event *reap_ev;
    struct evhttp_connection **reap;
    size_t nreap, reap_cap;
    uint16_t port;
    bool destroyed;
    char address[INET6_ADDRSTRLEN + 16];
};

typedef enum req_state {
    REQ_NEW,       /* the handler has not answered yet */
    REQ_DEFERRED,  /* the owner answers later */
    REQ_STREAMING, /* headers sent, chunks follow */
    REQ_DONE       /* complete; freed once the handler returns */
} req_state_t;

struct butte_http_req {
    butte_http_req_t *prev, *next; /* in http->live */
    butte_http_t *http;
    struct evhttp_request *ev;
    butte_pool_t *pool;
    req_state_t state;
    bool in_handler; /* freeing waits until the handler has returned */
    bool closing;    /* on_close is running: replies are no-ops */
    unsigned method;
    const char *path;
    const char *query;
    const char *body;
    size_t body_len;
    char *peer;
    butte_http_closed_fn on_close;
    void *close_arg;
};

/* butte_http_method_name - "GET" for BUTTE_HTTP_GET, ... */
const char *butte_http_method_name(unsigned bit);

/* butte_http_req_complete - the reply is done: free the request now, or
 * when its handler returns. */
void butte_http_req_complete(butte_http_req_t *req);

/* butte_http_req_watch - call on_close(arg) if the client goes away before
 * the reply completes; butte_http_req_unwatch - stop watching (before the
 * final reply). */
void butte_http_req_watch(butte_http_req_t *req, butte_http_closed_fn on_close, void *arg);
void butte_http_req_unwatch(butte_http_req_t *req);

/* butte_http_takeovers_gone - http is being destroyed: tell the owner of
 * every connection taken over from it, then close them (http-takeover.c). */
void butte_http_takeovers_gone(butte_http_t *http);

#endif
