/*
 * kernel/core/http-takeover.c - connections taken over from the HTTP server
 * (butte_http_takeover* in http-internal.h: the agent link's HTTP Upgrade):
 * the socket moves to a fresh descriptor for its taker, evhttp's connection
 * is freed, and a table remembers which server each came from so that its
 * owner hears when that server goes away.
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
 * the socket gets a fresh descriptor for its new owner at once and the
 * evhttp connection (with its request) is freed from the server's reap
 * event, once evhttp's callback that ran the handler has returned.  What
 * stays, per connection, is one slot of a table indexed by that descriptor
 * (descriptors are small and dense, so no hashing and 24 bytes a slot): the
 * server it came from and who to tell when that server goes away.  Any
 * server of the process (mesos-local runs several); loop thread only.
 */
typedef struct takeover {
    butte_http_t *http; /* NULL: not a taken-over descriptor */
    butte_http_gone_fn gone;
    void *arg;
} takeover_t;

static struct {
    takeover_t *slots; /* indexed by descriptor */
    size_t cap, n;     /* cap a power of two (or 0); n slots in use */
} takeovers;

/* Receives the descriptor number of a taken-over socket before evhttp
 * frees its connection, so evhttp's shutdown() and close() hit this
 * unconnected socket instead of the taker's. */
static int dummy_fd = -1;

static takeover_t *
takeover_find(int fd)
{
    if (fd < 0 || (size_t)fd >= takeovers.cap || !takeovers.slots[fd].http)
        return NULL;
    return &takeovers.slots[fd];
}

static void
takeover_insert(int fd, butte_http_t *http)
{
    if ((size_t)fd >= takeovers.cap) {
        size_t cap = takeovers.cap ? takeovers.cap : 64;
        while (cap <= (size_t)fd)
            cap *= 2;
        takeover_t *v = realloc(takeovers.slots, cap * sizeof *v);
        if (!v) {
            butte_log(butte_log_get("http"), BUTTE_LOG_ERROR, "out of memory taking over a connection");
            abort();
        }
        memset(v + takeovers.cap, 0, (cap - takeovers.cap) * sizeof *v);
        takeovers.slots = v;
        takeovers.cap = cap;
    }
    takeovers.slots[fd] = (takeover_t){ .http = http };
    takeovers.n++;
}

static void
takeover_delete(takeover_t *t)
{
    *t = (takeover_t){ 0 };
    if (--takeovers.n == 0) {
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

int
butte_http_takeover(butte_http_req_t *req, struct evbuffer **early)
{
    *early = NULL;
    struct evhttp_connection *evcon = evhttp_request_get_connection(req->ev);
    if (!evcon || req->state != REQ_NEW)
        return -1;
    struct bufferevent *old = evhttp_connection_get_bufferevent(evcon);
    evutil_socket_t fd = old ? bufferevent_getfd(old) : -1;
    if (fd < 0)
        return -1;
    if (dummy_fd < 0)
        dummy_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    /* evhttp reacts to nothing from here on; disabling takes the socket
     * out of the backend (epoll) while fd still names it */
    bufferevent_setcb(old, NULL, NULL, NULL, NULL);
    bufferevent_set_timeouts(old, NULL, NULL);
    bufferevent_disable(old, EV_READ | EV_WRITE);
    evhttp_connection_set_closecb(evcon, NULL, NULL);
    /* The socket gets a second descriptor for the taker, and the old
     * number is pointed at the dummy socket: freeing the evhttp connection
     * then shuts down and closes the dummy, never the taken socket
     * (libevent 2.1 cannot detach a bufferevent from a connection). */
    int nfd = dummy_fd < 0 ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (nfd < 0 || dup2(dummy_fd, fd) < 0) {
        butte_log(butte_log_get("http"), BUTTE_LOG_WARNING, "cannot take a connection over: %s",
                  strerror(errno));
        if (nfd >= 0)
            close(nfd);
        return -1; /* the caller treats it as a client that left */
    }
    (void)fcntl(fd, F_SETFD, FD_CLOEXEC); /* dup2 clears it; evhttp closes fd soon */
    /* bytes the client sent after the request head move along (the old
     * input is frozen only at its end, so its start may be drained) */
    struct evbuffer *in = bufferevent_get_input(old);
    if (evbuffer_get_length(in) > 0) {
        *early = evbuffer_new();
        if (!*early) {
            butte_log(butte_log_get("http"), BUTTE_LOG_ERROR, "out of memory taking over a connection");
            abort();
        }
        evbuffer_add_buffer(*early, in);
    }
    takeover_insert(nfd, req->http);
    /* evhttp is still on the stack (it called the handler): the
     * connection and its request go from the loop */
    reap_later(req->http, evcon);
    butte_http_req_complete(req);
    return nfd;
}

void
butte_http_takeover_watch(int fd, butte_http_gone_fn gone, void *arg)
{
    takeover_t *t = takeover_find(fd);
    if (t) {
        t->gone = gone;
        t->arg = arg;
    }
}

/* The peer sees the end of the stream now, as evhttp's free did. */
static void
close_fd(int fd)
{
    (void)shutdown(fd, SHUT_WR);
    close(fd);
}

void
butte_http_takeover_release(int fd)
{
    if (fd < 0)
        return;
    takeover_t *t = takeover_find(fd);
    if (t)
        takeover_delete(t);
    close_fd(fd);
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

    /* gone may release other connections (their slots empty out, nothing
     * moves); the table is looked up afresh at each step in case it grew */
    for (size_t fd = 0; fd < takeovers.cap; fd++) {
        takeover_t *t = &takeovers.slots[fd];
        if (t->http != http)
            continue;
        takeover_t copy = *t;
        takeover_delete(t);
        if (copy.gone)
            copy.gone((int)fd, copy.arg);
        close_fd((int)fd);
    }
}
