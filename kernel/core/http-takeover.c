/*
 * kernel/core/http-takeover.c - connections taken over from the HTTP server
 * (butte_http_takeover* in http-internal.h: the agent link's HTTP Upgrade):
 * the socket moves to a fresh bufferevent, evhttp's connection is freed,
 * and a map remembers which server each came from so that its owner hears
 * when that server goes away.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

#include <butte/log.h>

#include "core/http-private.h"
#include "core/loop-internal.h"

/* ------------------------------------------------------------ takeover */

/*
 * A taken-over connection keeps nothing of evhttp (see http-internal.h):
 * the socket moves to a fresh bufferevent at once and the evhttp connection
 * (with its request) is freed from the server's reap event, once evhttp's
 * callback that ran the handler has returned.  What stays, per connection,
 * is one slot of a map keyed by the bufferevent: the server it came from
 * and who to tell when that server goes away.  Any server of the process
 * (mesos-local runs several); loop thread only.
 */
typedef struct takeover {
    struct bufferevent *bev; /* NULL: empty slot */
    butte_http_t *http;
    butte_http_gone_fn gone;
    void *arg;
} takeover_t;

static struct {
    takeover_t *slots; /* open addressing, linear probing */
    size_t cap, n;     /* cap a power of two (or 0) */
} takeovers;

/* Receives the descriptor number of a taken-over socket before evhttp
 * frees its connection, so evhttp's shutdown() and close() hit this
 * unconnected socket instead of the link's. */
static int dummy_fd = -1;

static size_t
bev_hash(const struct bufferevent *bev)
{
    uint64_t x = (uint64_t)(uintptr_t)bev;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (size_t)x;
}

static takeover_t *
takeover_find(const struct bufferevent *bev)
{
    if (takeovers.n == 0 || !bev)
        return NULL;
    size_t mask = takeovers.cap - 1;
    for (size_t i = bev_hash(bev) & mask;; i = (i + 1) & mask) {
        takeover_t *t = &takeovers.slots[i];
        if (t->bev == bev)
            return t;
        if (!t->bev)
            return NULL;
    }
}

static void
takeover_insert(const takeover_t *t)
{
    if (2 * (takeovers.n + 1) > takeovers.cap) {
        size_t cap = takeovers.cap ? 2 * takeovers.cap : 64;
        takeover_t *old = takeovers.slots;
        size_t old_cap = takeovers.cap;
        takeovers.slots = calloc(cap, sizeof *takeovers.slots);
        if (!takeovers.slots) {
            butte_log(butte_log_get("http"), BUTTE_LOG_ERROR, "out of memory taking over a connection");
            abort();
        }
        takeovers.cap = cap;
        takeovers.n = 0;
        for (size_t i = 0; i < old_cap; i++)
            if (old[i].bev)
                takeover_insert(&old[i]);
        free(old);
    }
    size_t mask = takeovers.cap - 1;
    size_t i = bev_hash(t->bev) & mask;
    while (takeovers.slots[i].bev)
        i = (i + 1) & mask;
    takeovers.slots[i] = *t;
    takeovers.n++;
}

/* Backward-shift deletion: no tombstones, so lookups stay short however
 * many agents come and go. */
static void
takeover_delete(takeover_t *t)
{
    size_t mask = takeovers.cap - 1;
    size_t hole = (size_t)(t - takeovers.slots);
    for (size_t i = (hole + 1) & mask; takeovers.slots[i].bev; i = (i + 1) & mask) {
        size_t home = bev_hash(takeovers.slots[i].bev) & mask;
        /* the entry at i may fill the hole unless its home lies
         * cyclically in (hole, i] */
        bool stays = hole <= i ? (hole < home && home <= i) : (hole < home || home <= i);
        if (stays)
            continue;
        takeovers.slots[hole] = takeovers.slots[i];
        hole = i;
    }
    takeovers.slots[hole].bev = NULL;
    takeovers.n--;
    if (takeovers.n == 0) {
        free(takeovers.slots);
        takeovers.slots = NULL;
        takeovers.cap = 0;
    }
}

/* The server's reap event: free the evhttp connections taken over since
 * it last ran (their sockets are already elsewhere). */
static void
reap_taken(evutil_socket_t fd, short what, void *arg)
{
    butte_http_t *http = arg;

    (void)fd;
    (void)what;
    for (size_t i = 0; i < http->nreap; i++)
        evhttp_connection_free(http->reap[i]);
    http->nreap = 0;
    free(http->reap);
    http->reap = NULL;
    http->reap_cap = 0;
}

static void
reap_later(butte_http_t *http, struct evhttp_connection *evcon)
{
    if (!http->reap_ev) {
        http->reap_ev = event_new(butte_loop_base(http->loop), -1, 0, reap_taken, http);
        if (!http->reap_ev)
            goto oom;
    }
    if (http->nreap == http->reap_cap) {
        size_t cap = http->reap_cap ? 2 * http->reap_cap : 16;
        struct evhttp_connection **v = realloc(http->reap, cap * sizeof *v);
        if (!v)
            goto oom;
        http->reap = v;
        http->reap_cap = cap;
    }
    http->reap[http->nreap++] = evcon;
    event_active(http->reap_ev, 0, 0);
    return;
oom:
    butte_log(butte_log_get("http"), BUTTE_LOG_ERROR, "out of memory taking over a connection");
    abort();
}

struct bufferevent *
butte_http_takeover(butte_http_req_t *req)
{
    struct evhttp_connection *evcon = evhttp_request_get_connection(req->ev);
    if (!evcon || req->state != REQ_NEW)
        return NULL;
    struct bufferevent *old = evhttp_connection_get_bufferevent(evcon);
    evutil_socket_t fd = old ? bufferevent_getfd(old) : -1;
    if (fd < 0)
        return NULL;
    if (dummy_fd < 0)
        dummy_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    /* evhttp reacts to nothing from here on; disabling takes the socket
     * out of the backend (epoll) while fd still names it */
    bufferevent_setcb(old, NULL, NULL, NULL, NULL);
    bufferevent_set_timeouts(old, NULL, NULL);
    bufferevent_disable(old, EV_READ | EV_WRITE);
    evhttp_connection_set_closecb(evcon, NULL, NULL);
    /* The socket gets a second descriptor for the new bufferevent, and the
     * old number is pointed at the dummy socket: freeing the evhttp
     * connection then shuts down and closes the dummy, never the link
     * (libevent 2.1 cannot detach a bufferevent from a connection). */
    int nfd = dummy_fd < 0 ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (nfd < 0 || dup2(dummy_fd, fd) < 0) {
        butte_log(butte_log_get("http"), BUTTE_LOG_WARNING, "cannot take a connection over: %s",
                  strerror(errno));
        if (nfd >= 0)
            close(nfd);
        return NULL; /* the caller treats it as a client that left */
    }
    (void)fcntl(fd, F_SETFD, FD_CLOEXEC); /* dup2 clears it; evhttp closes fd soon */
    struct bufferevent *bev =
        bufferevent_socket_new(butte_loop_base(req->http->loop), nfd, BEV_OPT_CLOSE_ON_FREE);
    if (!bev) {
        butte_log(butte_log_get("http"), BUTTE_LOG_ERROR, "out of memory taking over a connection");
        abort();
    }
    /* bytes the client sent after the request head move along (a
     * bufferevent's input is frozen at its end for everyone but itself) */
    struct evbuffer *in = bufferevent_get_input(bev);
    evbuffer_unfreeze(in, 0);
    evbuffer_add_buffer(in, bufferevent_get_input(old));
    evbuffer_freeze(in, 0);
    bufferevent_disable(bev, EV_READ | EV_WRITE);
    takeover_insert(&(takeover_t){ .bev = bev, .http = req->http });
    /* evhttp is still on the stack (it called the handler): the
     * connection and its request go from the loop */
    reap_later(req->http, evcon);
    butte_http_req_complete(req);
    return bev;
}

void
butte_http_takeover_watch(struct bufferevent *bev, butte_http_gone_fn gone, void *arg)
{
    takeover_t *t = takeover_find(bev);
    if (t) {
        t->gone = gone;
        t->arg = arg;
    }
}

/* The peer sees the end of the stream now (as evhttp's free did), not when
 * libevent's deferred finalizer closes the descriptor. */
static void
close_bev(struct bufferevent *bev)
{
    evutil_socket_t fd = bufferevent_getfd(bev);

    if (fd >= 0)
        (void)shutdown(fd, SHUT_WR);
    bufferevent_setcb(bev, NULL, NULL, NULL, NULL);
    bufferevent_free(bev);
}

void
butte_http_takeover_release(struct bufferevent *bev)
{
    if (!bev)
        return;
    takeover_t *t = takeover_find(bev);
    if (t)
        takeover_delete(t);
    close_bev(bev);
}

/* The server dies: every connection taken over from it goes with it. */
void
butte_http_takeovers_gone(butte_http_t *http)
{
    /* evhttp_free frees the connections still waiting to be reaped */
    if (http->reap_ev) {
        event_free(http->reap_ev);
        http->reap_ev = NULL;
    }
    free(http->reap);
    http->reap = NULL;
    http->nreap = http->reap_cap = 0;

    /* gone may release other connections, which reshuffles the map: list
     * this server's first, then look each up again */
    size_t n = 0;
    struct bufferevent **mine = NULL;
    if (takeovers.n > 0) {
        mine = malloc(takeovers.n * sizeof *mine);
        if (!mine) {
            butte_log(butte_log_get("http"), BUTTE_LOG_ERROR, "out of memory closing taken-over connections");
            abort();
        }
        for (size_t i = 0; i < takeovers.cap; i++)
            if (takeovers.slots[i].bev && takeovers.slots[i].http == http)
                mine[n++] = takeovers.slots[i].bev;
    }
    for (size_t i = 0; i < n; i++) {
        takeover_t *t = takeover_find(mine[i]);
        if (!t)
            continue; /* released by an earlier gone */
        takeover_t copy = *t;
        takeover_delete(t);
        bufferevent_setcb(copy.bev, NULL, NULL, NULL, NULL);
        bufferevent_disable(copy.bev, EV_READ | EV_WRITE);
        if (copy.gone)
            copy.gone(copy.bev, copy.arg);
        close_bev(copy.bev);
    }
    free(mine);
}
