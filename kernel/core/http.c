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
    butte_http_takeovers_gone(http);
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
