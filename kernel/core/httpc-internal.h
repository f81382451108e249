/*
 * kernel/core/httpc-internal.h - a small HTTP/1.1 client on the loop.
 *
 * What the v1 API clients need (the scheduler library, mesos-executor,
 * mesos-execute): POST a body with headers and get the status, headers and
 * body back; or POST and keep reading a chunked reply, one callback per
 * received piece (feed a butte_recordio_decoder to get records out).
 *
 * A client talks to one host:port.  Calls share one keep-alive connection
 * (queued one after another, reconnected transparently when the server
 * closed it while idle); every stream gets a connection of its own, as the
 * v1 APIs require (the SUBSCRIBE stream and the calls travel apart).
 * libevent's evhttp client underneath.
 *
 * Lifetimes: the client lives in the pool given to butte_httpc_create and
 * destroying that pool (or butte_httpc_destroy) closes every connection;
 * callbacks of calls and streams still open then never run.  A response
 * handed to a callback and every string read from it live only during that
 * callback.  Callbacks run on the loop; nothing here blocks, except that a
 * host name (not a numeric address) is resolved with getaddrinfo() when a
 * connection opens.
 */
#ifndef BUTTE_HTTPC_INTERNAL_H
#define BUTTE_HTTPC_INTERNAL_H

#include <butte/error.h>
#include <butte/loop.h>
#include <butte/pool.h>

typedef struct butte_httpc butte_httpc_t;
typedef struct butte_httpc_call butte_httpc_call_t;
typedef struct butte_httpc_stream butte_httpc_stream_t;
typedef struct butte_httpc_resp butte_httpc_resp_t;

/* One request header; both strings are copied when the request is made. */
typedef struct butte_httpc_header {
    const char *name;
    const char *value;
} butte_httpc_header_t;

/*
 * butte_httpc_create - a client for host:port (host numeric or a name),
 * living in pool.  Nothing connects until the first request.  timeout is
 * the seconds a call (connect, send, whole reply) may take, and the seconds
 * a stream may take to connect and send its head; <= 0 means 30.  Never NULL.
 */
butte_httpc_t *butte_httpc_create(butte_pool_t *pool, butte_loop_t *loop, const char *host,
                                  uint16_t port, double timeout);

/* butte_httpc_destroy - close everything now (also done by the pool); no
 * callback of an open call or stream runs afterwards.  c may be NULL. */
void butte_httpc_destroy(butte_httpc_t *c);

/* butte_httpc_host / _port - what the client was created for. */
const char *butte_httpc_host(const butte_httpc_t *c);
uint16_t butte_httpc_port(const butte_httpc_t *c);

/* ---- a response (valid only inside the callback that received it) ---- */

/* butte_httpc_resp_status - the HTTP status code. */
int butte_httpc_resp_status(const butte_httpc_resp_t *r);
/* butte_httpc_resp_header - a response header, name without case; NULL
 * when absent. */
const char *butte_httpc_resp_header(const butte_httpc_resp_t *r, const char *name);
/* butte_httpc_resp_body - the body (NUL-terminated, the NUL not counted in
 * *len; len may be NULL); "" when empty.  For a stream with status 200 the
 * body went to the chunk callback and this is "". */
const char *butte_httpc_resp_body(const butte_httpc_resp_t *r, size_t *len);

/* ---- calls ---- */

/*
 * done runs once: with the response (err NULL) or, when the exchange
 * failed (could not connect, connection lost, timeout), resp NULL and err
 * saying why ("could not connect to 127.0.0.1:5050: connection refused").
 */
typedef void (*butte_httpc_done_fn)(const butte_httpc_resp_t *resp, const butte_err_t *err,
                                    void *arg);

/*
 * butte_httpc_request - send method ("POST", "GET", ...) path with headers
 * (n of them; a Host header is added) and len bytes of body (a
 * Content-Length is added for a body).  Everything is copied.  The
 * returned handle is valid until done runs or butte_httpc_call_forget().
 * Never NULL (a failure to even queue the request shows in done, from the
 * loop, never from inside this call).
 */
butte_httpc_call_t *butte_httpc_request(butte_httpc_t *c, const char *method, const char *path,
                                        const butte_httpc_header_t *headers, size_t n,
                                        const void *body, size_t len, butte_httpc_done_fn done,
                                        void *arg);

/* butte_httpc_call_forget - done will not run for this call (the request
 * still goes out if it already left).  The handle is dead afterwards. */
void butte_httpc_call_forget(butte_httpc_call_t *call);

/* ---- streams ---- */

/*
 * The callbacks of a stream, in order:
 *   head(resp)  once, when status and headers have arrived;
 *   chunk(...)  for every piece of a 200 body as it arrives (any size,
 *               split anywhere; the bytes live during the call);
 *   end(resp, err) once: the server ended the reply (err NULL; resp holds
 *               the status and headers again, and for a status other than
 *               200 the whole body), or the stream failed (resp NULL when
 *               no head arrived, err says why).
 * butte_httpc_stream_close() from any of them is allowed; no callback of
 * that stream runs after it.
 */
typedef void (*butte_httpc_head_fn)(butte_httpc_stream_t *s, const butte_httpc_resp_t *resp,
                                    void *arg);
typedef void (*butte_httpc_chunk_fn)(butte_httpc_stream_t *s, const void *data, size_t len,
                                     void *arg);
typedef void (*butte_httpc_end_fn)(butte_httpc_stream_t *s, const butte_httpc_resp_t *resp,
                                   const butte_err_t *err, void *arg);

/*
 * butte_httpc_stream - like butte_httpc_request, on a new connection of its
 * own, with no read timeout once the head has arrived (a subscriber may
 * hear nothing for a long time).  head may be NULL.  The handle is valid
 * until end has run, or until butte_httpc_stream_close().  Never NULL.
 */
butte_httpc_stream_t *butte_httpc_stream(butte_httpc_t *c, const char *method, const char *path,
                                         const butte_httpc_header_t *headers, size_t n,
                                         const void *body, size_t len, butte_httpc_head_fn head,
                                         butte_httpc_chunk_fn chunk, butte_httpc_end_fn end,
                                         void *arg);

/* butte_httpc_stream_close - drop the connection; no more callbacks.
 * s may be NULL. */
void butte_httpc_stream_close(butte_httpc_stream_t *s);

#endif
