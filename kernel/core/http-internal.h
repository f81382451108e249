/*
 * kernel/core/http-internal.h - the process's HTTP server.
 *
 * One server per role process, on the loop (libevent's evhttp underneath).
 * Routes are matched on the decoded request path: an exact route first, then
 * the longest prefix route.  An unknown path answers 404, a known path with
 * a method the route does not take answers 405 with an Allow header.
 *
 * Request lifetime
 * ----------------
 * A handler receives a butte_http_req_t and must do exactly one of:
 *   - reply now (butte_http_reply*, butte_http_reply_json, ...);
 *   - start a stream (butte_http_stream_start) and send chunks later;
 *   - defer (butte_http_defer) and reply later from another callback.
 * A handler that returns having done none of these gets a 500 for it.
 * The request, its pool and every string read from it live until the reply
 * is complete: for an immediate reply that is when the handler returns; for
 * a deferred reply or a stream, until the final reply / butte_http_stream_end,
 * or until the client goes away, whichever comes first.  When the client goes
 * away first, the on_close callback given to butte_http_defer/stream_start
 * runs once and the request is dead when it returns: drop every pointer to it.
 * A stream notices a departed client at once (evhttp keeps reading its
 * socket for EOF); a deferred request does not read while it waits, so its
 * on_close runs only when the server shuts down, and a reply to a client
 * that already left is dropped quietly.
 *
 * Everything here runs on the loop thread and never blocks.
 */
#ifndef BUTTE_HTTP_INTERNAL_H
#define BUTTE_HTTP_INTERNAL_H

#include <jansson.h>
#include <butte/error.h>
#include <butte/loop.h>
#include <butte/pool.h>

typedef struct butte_http butte_http_t;
typedef struct butte_http_req butte_http_req_t;

/* Methods, as a bit set for routes.  A route that takes GET also takes HEAD
 * (evhttp sends the headers without the body). */
#define BUTTE_HTTP_GET (1u << 0)
#define BUTTE_HTTP_POST (1u << 1)
#define BUTTE_HTTP_PUT (1u << 2)
#define BUTTE_HTTP_DELETE (1u << 3)
#define BUTTE_HTTP_HEAD (1u << 4)
#define BUTTE_HTTP_OPTIONS (1u << 5)
#define BUTTE_HTTP_PATCH (1u << 6)
#define BUTTE_HTTP_ANY 0x7fu

typedef void (*butte_http_handler_fn)(butte_http_req_t *req, void *arg);
/* The client went away before the reply was complete. */
typedef void (*butte_http_closed_fn)(butte_http_req_t *req, void *arg);

/*
 * butte_http_create - a server with no routes and no socket.  It lives in
 * pool (destroying the pool closes the socket and every open connection;
 * pending on_close callbacks run then).  Never NULL.
 */
butte_http_t *butte_http_create(butte_pool_t *pool, butte_loop_t *loop);

/*
 * butte_http_listen - bind ip:port and start accepting.  ip is a numeric
 * IPv4 or IPv6 address; port 0 lets the OS choose (see butte_http_port).
 * Returns 0, or BUTTE_EINVAL (bad ip) / BUTTE_EIO with err filled:
 * "could not listen on 127.0.0.1:5050: Address already in use".
 * Call once per server.
 */
int butte_http_listen(butte_http_t *http, const char *ip, uint16_t port, butte_err_t *err);

/* butte_http_port - the bound port (0 before butte_http_listen succeeded). */
uint16_t butte_http_port(const butte_http_t *http);

/* butte_http_address - "IP:PORT" as bound ("[::1]:5050" for IPv6), owned
 * by the server; "" before listening. */
const char *butte_http_address(const butte_http_t *http);

/*
 * butte_http_route - serve path with fn(req, arg) for the methods in the
 * set.  With prefix, the route also takes every path below it
 * ("/files" takes "/files/read", not "/filesx").  path is copied.  A second
 * route for the same path and kind replaces the first.
 */
void butte_http_route(butte_http_t *http, const char *path, unsigned methods, bool prefix,
                      butte_http_handler_fn fn, void *arg);

/* butte_http_destroy - close everything now (also done by the pool).
 * http may be NULL. */
void butte_http_destroy(butte_http_t *http);

/* ---- the request (all strings owned by the request) ---- */

/* butte_http_req_method - one BUTTE_HTTP_* bit; _method_name - "GET" etc. */
unsigned butte_http_req_method(const butte_http_req_t *req);
const char *butte_http_req_method_name(const butte_http_req_t *req);

/* butte_http_req_path - the percent-decoded path, never NULL. */
const char *butte_http_req_path(const butte_http_req_t *req);

/* butte_http_req_query - the raw query string after '?', or NULL. */
const char *butte_http_req_query(const butte_http_req_t *req);

/* butte_http_req_param - the decoded value of query parameter name (first
 * occurrence; "" for "?name"), or NULL when absent. */
const char *butte_http_req_param(butte_http_req_t *req, const char *name);

/* butte_http_req_header - a request header, name compared without case;
 * NULL when absent. */
const char *butte_http_req_header(const butte_http_req_t *req, const char *name);

/* butte_http_req_body - the body as a NUL-terminated copy (the NUL is not
 * counted in *len; len may be NULL).  "" for no body. */
const char *butte_http_req_body(butte_http_req_t *req, size_t *len);

/* butte_http_req_peer - "IP:PORT" of the client. */
const char *butte_http_req_peer(butte_http_req_t *req);

/* butte_http_req_pool - scratch memory that dies with the request. */
butte_pool_t *butte_http_req_pool(butte_http_req_t *req);

/* ---- replying ---- */

/* butte_http_add_header - add a response header (before the reply). */
void butte_http_add_header(butte_http_req_t *req, const char *name, const char *value);

/*
 * butte_http_reply - send status with body (len bytes, may be 0) and, when
 * content_type is not NULL, that Content-Type.  Completes the request.
 */
void butte_http_reply(butte_http_req_t *req, int status, const char *content_type,
                      const void *body, size_t len);

/* butte_http_reply_text - status with a text/plain body (a reason). */
void butte_http_reply_text(butte_http_req_t *req, int status, const char *fmt, ...)
    BUTTE_PRINTF(3, 4);

/*
 * butte_http_reply_json - status with json as compact JSON and
 * "Content-Type: application/json".  With a "jsonp" query parameter the
 * body is "cb(<json>);" as text/javascript (what Mesos sends); a callback
 * name that is not a JavaScript identifier path answers 400 instead.
 * Steals the reference to json (NULL answers 500).
 */
void butte_http_reply_json(butte_http_req_t *req, int status, json_t *json);

/*
 * butte_http_defer - the handler will reply later.  on_close (may be NULL)
 * runs if the client disconnects first; the request is dead after it.
 */
void butte_http_defer(butte_http_req_t *req, butte_http_closed_fn on_close, void *arg);

/* ---- streaming (chunked) replies ---- */

/*
 * butte_http_stream_start - send status and headers with
 * "Transfer-Encoding: chunked" and no Content-Length, and keep the request
 * open for butte_http_stream_send.  The connection's read timeout is
 * lifted (a subscriber may stay silent for hours).  on_close as for
 * butte_http_defer.
 */
void butte_http_stream_start(butte_http_req_t *req, int status, const char *content_type,
                             butte_http_closed_fn on_close, void *arg);

/* butte_http_stream_send - queue len bytes as one chunk; it is written as
 * soon as the socket takes it.  len 0 sends nothing. */
void butte_http_stream_send(butte_http_req_t *req, const void *data, size_t len);

/* butte_http_stream_end - send the last chunk and complete the request
 * (on_close does not run). */
void butte_http_stream_end(butte_http_req_t *req);

/* ---- taking a connection over (protocol upgrades) ---- */

/*
 * What a takeover keeps: libevent 2.1 cannot detach a bufferevent from an
 * evhttp connection, and freeing the connection shuts its socket down
 * (shutdown(SHUT_WR), which a dup()'d descriptor shares).  So the socket
 * gets a second descriptor for the taker, the old descriptor number is
 * pointed at an unconnected dummy socket, and the evhttp connection and
 * request are freed from the loop right after the handler returned: a
 * long-lived upgraded connection (one per agent on a master) costs what
 * its taker builds on the descriptor and one 24-byte slot of a table
 * indexed by it, nothing of evhttp.
 */
struct evbuffer;

/* The server is going away and shuts down and closes fd after this
 * returns: remove every event on fd now and stop using it (do not release
 * it). */
typedef void (*butte_http_gone_fn)(int fd, void *arg);

/*
 * butte_http_accepts - whether an Accept header value admits the media
 * type want ("application/json"): exact, "type/any" and "any/any" ranges
 * case-insensitive, q=0 excludes; a missing header (NULL) admits all.
 * Pure; never blocks.
 */
bool butte_http_accepts(const char *accept, const char *want);

/*
 * butte_tcp_nodelay - turn off Nagle's algorithm on a connected or
 * listening TCP socket (accepted sockets inherit it from the listener).
 * Event streams and the agent link send many small writes; with Nagle each
 * one after the first waits for the peer's delayed ACK (~40 ms).  Errors are
 * ignored: a socket that is not TCP simply keeps its behaviour.
 */
void butte_tcp_nodelay(int fd);

/*
 * butte_http_takeover - from a route's handler, instead of replying: the
 * caller owns the connection from now on (it writes its own status line).
 * Returns the socket's descriptor (non-blocking, close-on-exec, no events
 * on it), and in *early a new evbuffer the caller owns holding the bytes
 * the client sent after the request head (and body), or NULL when there
 * were none.  The request is complete (dead once the handler returns).
 * -1 (and *early NULL) when the client already left.  Close the descriptor
 * with butte_http_takeover_release, never close().
 */
int butte_http_takeover(butte_http_req_t *req, struct evbuffer **early);

/* butte_http_takeover_watch - call gone(fd, arg) if the server is
 * destroyed while the caller still owns fd (NULL gone: stop watching). */
void butte_http_takeover_watch(int fd, butte_http_gone_fn gone, void *arg);

/* butte_http_takeover_release - close a taken-over connection: forget its
 * slot, shut the socket down (the peer sees the end of the stream at once)
 * and close fd.  A descriptor that did not come from butte_http_takeover
 * is shut down and closed too; negative fd: nothing.  Remove the events on
 * fd first. */
void butte_http_takeover_release(int fd);

#endif
