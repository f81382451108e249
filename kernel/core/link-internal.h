/*
 * kernel/core/link-internal.h - the master <-> agent link.
 *
 * One persistent TCP connection per agent, opened by the agent to the
 * master's HTTP port (so --master=host:5050 is all an agent needs, and
 * operators open one port): the agent sends
 *
 *   POST /master/link HTTP/1.1
 *   Host: <master>
 *   Connection: Upgrade
 *   Upgrade: butte-link/1
 *   Content-Length: 0
 *
 * and the master's HTTP server hands the connection over (the route calls
 * butte_http_takeover() and butte_link_adopt()), answers
 * "HTTP/1.1 101 Switching Protocols" with "Upgrade: butte-link/1", and from
 * then on both ends exchange frames.  Every frame is one
 * butte.internal.Envelope (kernel/proto/butte/internal.proto) framed as a
 * RecordIO record.  Both ends run on the loop; nothing blocks.
 * A frame that does not parse, or exceeds the size limit, closes the link
 * (with a log line naming the peer and the reason): a peer that speaks
 * garbage cannot be resynchronised.
 *
 * Lifetime: a link lives until butte_link_close() or until the peer goes
 * away; in the latter case on_close runs once and the link is freed right
 * after it returns.  Do not use the pointer after on_close.
 */
#ifndef BUTTE_LINK_INTERNAL_H
#define BUTTE_LINK_INTERNAL_H

#include <butte/error.h>
#include <butte/loop.h>
#include <butte/pool.h>

#include "butte/internal.pb-c.h"

typedef struct butte_link butte_link_t;

typedef struct butte_link_handlers {
    /* A whole envelope arrived; env and what it points to live in a pool
     * destroyed when the callback returns (copy what you keep). */
    void (*on_message)(butte_link_t *link, const Butte__Internal__Envelope *env, void *arg);
    /* The peer closed, the connection failed, or a frame was bad.  reason is
     * a static or short-lived string for the log. */
    void (*on_close)(butte_link_t *link, const char *reason, void *arg);
    /* Connect only: the TCP connection is up (frames may be sent before;
     * they are queued). */
    void (*on_connect)(butte_link_t *link, void *arg);
} butte_link_handlers_t;

/* Largest frame accepted (a re-registration with many tasks is big). */
#define BUTTE_LINK_MAX_FRAME (64u * 1024u * 1024u)

struct evbuffer;

/*
 * butte_link_adopt - master side: take over an HTTP connection whose
 * request asked for "Upgrade: butte-link/1" (fd and early from
 * butte_http_takeover; the link owns both from now on, and releases fd
 * through butte_http_takeover_release), write the 101 answer and start
 * reading frames.  The early bytes (the client's after its request head;
 * NULL: none) are handed out as frames from the loop, never before adopt
 * returns.  If the HTTP server is destroyed first, on_close runs with
 * "the HTTP server is shutting down".
 */
butte_link_t *butte_link_adopt(butte_loop_t *loop, int fd, struct evbuffer *early,
                               const char *peer, const butte_link_handlers_t *handlers,
                               void *arg);

/* butte_link_connect - agent side: connect to the master's HTTP port at
 * host:port, send the upgrade request, and call on_connect once the 101
 * answer arrived (frames sent before are queued).  Failures (refused, a
 * non-101 answer, a dropped connection) arrive as on_close.  NULL with err
 * for a host that does not resolve. */
butte_link_t *butte_link_connect(butte_loop_t *loop, const char *host, uint16_t port,
                                 const butte_link_handlers_t *handlers, void *arg,
                                 butte_err_t *err);

/* butte_link_send - queue one envelope (serialized at once; env may be
 * freed after the call).  Returns 0, or BUTTE_EIO if the link is closed. */
int butte_link_send(butte_link_t *link, const Butte__Internal__Envelope *env);

/* butte_link_peer - "ip:port" of the other end (for logs). */
const char *butte_link_peer(const butte_link_t *link);

/* butte_link_set_arg - change the arg the handlers receive. */
void butte_link_set_arg(butte_link_t *link, void *arg);

/* butte_link_close - close now without calling on_close; frees the link. */
void butte_link_close(butte_link_t *link);

#endif
