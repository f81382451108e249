/*
 * kernel/core/http.c - the HTTP server on the loop (evhttp underneath):
 * the socket, routing, and the request lifetime rules of http-internal.h.
 * Replies and streams are in http-reply.c.
 *
 * Each request gets its own pool, owned here (not a child of the server's
 * pool) so that tearing the server down can first let evhttp close the
 * connections -- which runs the on_close callbacks of deferred and
 * streaming requests -- and only then free what is left.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

#include <butte/log.h>

#include "core/http-private.h"
#include "core/loop-internal.h"

/* Larger bodies are refused with 413 by evhttp: nothing Mesos accepts
 * comes close, and an unbounded body is an easy way to exhaust memory. */
#define MAX_BODY_BYTES (64u * 1024u * 1024u)
#define LISTEN_BACKLOG 128

static void takeovers_gone(butte_http_t *http);

static butte_log_t *
http_log(void)
{
    return butte_log_get("http");
}

/* ------------------------------------------------------------ requests */

static unsigned
method_bit(enum evhttp_cmd_type cmd)
{
    switch (cmd) {
    case EVHTTP_REQ_GET: return BUTTE_HTTP_GET;
    case EVHTTP_REQ_POST: return BUTTE_HTTP_POST;
    case EVHTTP_REQ_PUT: return BUTTE_HTTP_PUT;
    case EVHTTP_REQ_DELETE: return BUTTE_HTTP_DELETE;
    case EVHTTP_REQ_HEAD: return BUTTE_HTTP_HEAD;
    case EVHTTP_REQ_OPTIONS: return BUTTE_HTTP_OPTIONS;
    case EVHTTP_REQ_PATCH: return BUTTE_HTTP_PATCH;
    default: return 0;
    }
}

const char *
butte_http_method_name(unsigned bit)
{
    switch (bit) {
    case BUTTE_HTTP_GET: return "GET";
    case BUTTE_HTTP_POST: return "POST";
    case BUTTE_HTTP_PUT: return "PUT";
    case BUTTE_HTTP_DELETE: return "DELETE";
    case BUTTE_HTTP_HEAD: return "HEAD";
    case BUTTE_HTTP_OPTIONS: return "OPTIONS";
    case BUTTE_HTTP_PATCH: return "PATCH";
    default: return "UNKNOWN";
    }
}

static void
req_unlink(butte_http_req_t *req)
{
    if (req->prev)
        req->prev->next = req->next;
    else
        req->http->live = req->next;
    if (req->next)
        req->next->prev = req->prev;
    req->prev = req->next = NULL;
}

/* The request memory goes; the evhttp request is libevent's (or already
 * freed) by the time this runs. */
static void
req_free(butte_http_req_t *req)
{
    req_unlink(req);
    butte_pool_destroy(req->pool);
}

/* Called by every completing reply: frees now, or after the handler. */
void
butte_http_req_complete(butte_http_req_t *req)
{
    req->state = REQ_DONE;
    if (!req->in_handler)
        req_free(req);
}

static void
conn_closed(struct evhttp_connection *evcon, void *arg)
{
    butte_http_req_t *req = arg;

    evhttp_connection_set_closecb(evcon, NULL, NULL);
    /* evhttp detaches a request it has not finished from a connection that
     * fails (client gone, timeout) and leaves freeing it to us; on server
     * shutdown the request stays attached and evhttp frees it after this
     * callback returns. */
    bool detached = evhttp_request_get_connection(req->ev) == NULL;
    req->closing = true;
    if (req->on_close)
        req->on_close(req, req->close_arg);
    if (detached)
        evhttp_request_free(req->ev);
    req->state = REQ_DONE;
    req_free(req);
}

void
butte_http_req_watch(butte_http_req_t *req, butte_http_closed_fn on_close, void *arg)
{
    req->on_close = on_close;
    req->close_arg = arg;
    struct evhttp_connection *evcon = evhttp_request_get_connection(req->ev);
    if (evcon)
        evhttp_connection_set_closecb(evcon, conn_closed, req);
}

void
butte_http_req_unwatch(butte_http_req_t *req)
{
    struct evhttp_connection *evcon = evhttp_request_get_connection(req->ev);
    if (evcon && (req->state == REQ_DEFERRED || req->state == REQ_STREAMING))
        evhttp_connection_set_closecb(evcon, NULL, NULL);
}

/* ------------------------------------------------------------ routing */

static const route_t *
find_route(const butte_http_t *http, const char *path)
{
    const route_t *best = NULL;
    for (const route_t *r = http->routes; r; r = r->next) {
        if (!r->prefix) {
            if (strcmp(r->path, path) == 0)
                return r;
            continue;
        }
        /* "/files" takes "/files" and "/files/..." but not "/filesx" */
        if (strncmp(r->path, path, r->len) != 0)
            continue;
        char next = path[r->len];
        bool boundary = next == '\0' || next == '/' || (r->len > 0 && r->path[r->len - 1] == '/');
        if (boundary && (!best || r->len > best->len))
            best = r;
    }
    return best;
}

static void
reply_not_allowed(butte_http_req_t *req, const route_t *r)
{
    char allow[64] = "";
    unsigned methods = r->methods;
    if (methods & BUTTE_HTTP_GET)
        methods |= BUTTE_HTTP_HEAD;
    for (unsigned bit = 1; bit <= BUTTE_HTTP_PATCH; bit <<= 1) {
        if (!(methods & bit))
            continue;
        if (allow[0])
            strcat(allow, ", ");
        strcat(allow, butte_http_method_name(bit));
    }
    butte_http_add_header(req, "Allow", allow);
    butte_http_reply_text(req, 405, "expecting one of {'%s'}, but received '%s'", allow,
                          butte_http_method_name(req->method));
}

static void
on_request(struct evhttp_request *ev, void *arg)
{
    butte_http_t *http = arg;
    butte_pool_t *pool = butte_pool_create(NULL);
    butte_http_req_t *req = butte_pool_alloc(pool, sizeof *req);
    req->http = http;
    req->ev = ev;
    req->pool = pool;
    req->state = REQ_NEW;
    req->method = method_bit(evhttp_request_get_command(ev));
    req->next = http->live;
    if (http->live)
        http->live->prev = req;
    http->live = req;

    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(ev);
    const char *raw = uri ? evhttp_uri_get_path(uri) : NULL;
    if (!raw || !*raw)
        raw = "/";
    char *decoded = evhttp_uridecode(raw, 0, NULL);
    req->path = butte_pool_strdup(pool, decoded ? decoded : raw);
    free(decoded);
    const char *query = uri ? evhttp_uri_get_query(uri) : NULL;
    req->query = butte_pool_strdup(pool, query);

    req->in_handler = true;
    const route_t *r = find_route(http, req->path);
    if (!r) {
        butte_http_reply_text(req, 404, "no endpoint at \"%s\"", req->path);
    } else if (!(req->method & r->methods) &&
               !(req->method == BUTTE_HTTP_HEAD && (r->methods & BUTTE_HTTP_GET))) {
        reply_not_allowed(req, r);
    } else {
        r->fn(req, r->arg);
        if (req->state == REQ_NEW) {
            butte_log(http_log(), BUTTE_LOG_ERROR, "handler for %s %s returned without a reply",
                      butte_http_method_name(req->method), req->path);
            butte_http_reply_text(req, 500, "the handler did not answer");
        }
    }
    req->in_handler = false;
    if (req->state == REQ_DONE)
        req_free(req);
}

void
butte_http_route(butte_http_t *http, const char *path, unsigned methods, bool prefix,
    butte_http_handler_fn fn, void *arg)
{
    for (route_t *r = http->routes; r; r = r->next) {
        if (r->prefix == prefix && strcmp(r->path, path) == 0) {
            r->methods = methods;
            r->fn = fn;
            r->arg = arg;
            return;
        }
    }
    route_t *r = butte_pool_alloc(http->pool, sizeof *r);
    r->path = butte_pool_strdup(http->pool, path);
    r->len = strlen(path);
    r->methods = methods;
    r->prefix = prefix;
    r->fn = fn;
    r->arg = arg;
    r->next = http->routes;
    http->routes = r;
}

/* ------------------------------------------------------------ server */

static void
http_cleanup(void *arg)
{
    butte_http_destroy(arg);
}

butte_http_t *
butte_http_create(butte_pool_t *pool, butte_loop_t *loop)
{
    butte_http_t *http = butte_pool_alloc(pool, sizeof *http);
    http->pool = pool;
    http->loop = loop;
    http->ev = evhttp_new(butte_loop_base(loop));
    if (!http->ev) {
        /* evhttp_new fails only when malloc does: the pool rule applies */
        butte_log(http_log(), BUTTE_LOG_ERROR, "out of memory creating the HTTP server");
        abort();
    }
    evhttp_set_gencb(http->ev, on_request, http);
    /* every method reaches on_request, so a wrong one gets our 405 with an
     * Allow header instead of evhttp's bare one */
    evhttp_set_allowed_methods(http->ev, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
                                             EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
                                             EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
    evhttp_set_max_body_size(http->ev, MAX_BODY_BYTES);
    butte_pool_on_destroy(pool, http_cleanup, http);
    return http;
}

static void
format_address(char *out, size_t n, int family, const char *ip, unsigned port)
{
    if (family == AF_INET6)
        snprintf(out, n, "[%s]:%u", ip, port);
    else
        snprintf(out, n, "%s:%u", ip, port);
}

int
butte_http_listen(butte_http_t *http, const char *ip, uint16_t port, butte_err_t *err)
{
    char want[INET6_ADDRSTRLEN + 16];
    char service[8];
    snprintf(service, sizeof service, "%u", (unsigned)port);
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC,
        .ai_socktype = SOCK_STREAM,
        .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
    };
    struct addrinfo *ai = NULL;
    int rc = getaddrinfo(ip, service, &hints, &ai);
    if (rc == EAI_NONAME)
        return butte_err_set(err, BUTTE_EINVAL, "\"%s\" is not a numeric IP address", ip);
    if (rc != 0)
        return butte_err_set(err, BUTTE_EINVAL, "cannot use IP address \"%s\": %s", ip,
                             gai_strerror(rc));
    format_address(want, sizeof want, ai->ai_family, ip, port);

    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        int e = errno;
        freeaddrinfo(ai);
        return butte_err_set(err, BUTTE_EIO, "could not listen on %s: %s", want, strerror(e));
    }
    /* a restarted master must not wait out TIME_WAIT of its predecessor */
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    butte_tcp_nodelay(fd);
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, LISTEN_BACKLOG) != 0) {
        int e = errno;
        close(fd);
        freeaddrinfo(ai);
        return butte_err_set(err, BUTTE_EIO, "could not listen on %s: %s", want, strerror(e));
    }
    freeaddrinfo(ai);

    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    char host[INET6_ADDRSTRLEN] = "";
    unsigned bound = port;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
        if (ss.ss_family == AF_INET6) {
            const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&ss;
            inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof host);
            bound = ntohs(s6->sin6_port);
        } else {
            const struct sockaddr_in *s4 = (const struct sockaddr_in *)&ss;
            inet_ntop(AF_INET, &s4->sin_addr, host, sizeof host);
            bound = ntohs(s4->sin_port);
        }
    }
    if (!evhttp_accept_socket_with_handle(http->ev, fd)) {
        close(fd);
        return butte_err_set(err, BUTTE_EIO, "could not listen on %s: cannot accept connections",
                             want);
    }
    http->port = (uint16_t)bound;
    format_address(http->address, sizeof http->address, ss.ss_family, host[0] ? host : ip, bound);
    return BUTTE_OK;
}

uint16_t
butte_http_port(const butte_http_t *http)
{
    return http->port;
}

const char *
butte_http_address(const butte_http_t *http)
{
    return http->address;
}

void
butte_http_destroy(butte_http_t *http)
{
    if (!http || http->destroyed)
        return;
    http->destroyed = true;
    /* owners of taken-over connections hear it before evhttp frees them */
    takeovers_gone(http);
    /* closes the socket and every connection; deferred and streaming
     * requests hear about it through conn_closed, which frees them */
    evhttp_free(http->ev);
    http->ev = NULL;
    /* a request whose connection evhttp had already let go of */
    while (http->live) {
        butte_http_req_t *req = http->live;
        req->closing = true;
        if (req->on_close)
            req->on_close(req, req->close_arg);
        req_free(req);
    }
}

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
            butte_log(http_log(), BUTTE_LOG_ERROR, "out of memory taking over a connection");
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
    butte_log(http_log(), BUTTE_LOG_ERROR, "out of memory taking over a connection");
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
        butte_log(http_log(), BUTTE_LOG_WARNING, "cannot take a connection over: %s",
                  strerror(errno));
        if (nfd >= 0)
            close(nfd);
        return NULL; /* the caller treats it as a client that left */
    }
    (void)fcntl(fd, F_SETFD, FD_CLOEXEC); /* dup2 clears it; evhttp closes fd soon */
    struct bufferevent *bev =
        bufferevent_socket_new(butte_loop_base(req->http->loop), nfd, BEV_OPT_CLOSE_ON_FREE);
    if (!bev) {
        butte_log(http_log(), BUTTE_LOG_ERROR, "out of memory taking over a connection");
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
static void
takeovers_gone(butte_http_t *http)
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
            butte_log(http_log(), BUTTE_LOG_ERROR, "out of memory closing taken-over connections");
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

void
butte_tcp_nodelay(int fd)
{
    int one = 1;

    if (fd >= 0)
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/* Whether the Accept header admits media type want ("type/sub").  A
 * missing header admits everything; so do "*" + "/" + "*" and "type/" + "*";
 * q=0 excludes. */
bool
butte_http_accepts(const char *accept, const char *want)
{
    const char *p = accept;
    size_t typelen = strchr(want, '/') - want;

    if (accept == NULL)
        return true;
    while (*p != '\0') {
        const char *end = strchr(p, ',');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        char item[256];
        char *semi, *s = item, *e;
        bool zero = false;

        if (len >= sizeof item)
            len = sizeof item - 1;
        memcpy(item, p, len);
        item[len] = '\0';
        semi = strchr(item, ';');
        if (semi != NULL) {
            const char *q = strstr(semi, "q=");

            zero = q != NULL && strtod(q + 2, NULL) == 0;
            *semi = '\0';
        }
        while (*s == ' ' || *s == '\t')
            s++;
        e = s + strlen(s);
        while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
            *--e = '\0';
        if (!zero && (strcasecmp(s, want) == 0 || strcmp(s, "*/*") == 0 ||
                      (strlen(s) == typelen + 2 && strncasecmp(s, want, typelen) == 0 &&
                       strcmp(s + typelen, "/*") == 0)))
            return true;
        if (end == NULL)
            break;
        p = end + 1;
    }
    return false;
}
