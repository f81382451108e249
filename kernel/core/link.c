/*
 * kernel/core/link.c - the master <-> agent link (link-internal.h): RecordIO
 * framed butte.internal.Envelope over one TCP connection.  The agent side
 * runs on a bufferevent (it connects, and has one link); the master side,
 * with one link per agent, runs on a bare descriptor and one event.
 *
 * Re-entrancy: handlers may call butte_link_send or butte_link_close on the
 * link they were called for.  A link closed while one of its callbacks runs
 * is only marked dead and freed when the outermost callback returns
 * (depth), so no frame of this file touches freed memory.
 *
 * Memory: a master holds one link per agent, so an idle adopted link is one
 * malloc'd record with its peer string inline (a pool per link cost ~250
 * bytes more), one struct event (reading, plus writing while output is
 * queued) and its slot in the HTTP server's takeover table; a bufferevent
 * with its two evbuffers cost ~1 KB more.  The output evbuffer exists only
 * while bytes wait for the socket, and the decoder with its pool only while
 * a frame is partly read or being handed out.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include <butte/log.h>
#include <butte/recordio.h>

#include "core/http-internal.h"
#include "core/link-internal.h"
#include "core/loop-internal.h"

/* An HTTP answer head longer than this is not a master talking. */
#define MAX_HEAD 8192
#define UPGRADE_TOKEN "butte-link/1"

/* Bytes read from an adopted link's socket per read call, and read calls
 * per readiness (then the loop serves others: a 64 MB frame takes many). */
#define READ_CHUNK 16384
#define READS_PER_WAKEUP 4

struct butte_link {
    butte_loop_t *loop;
    struct bufferevent *bev; /* agent side; NULL on the master side */
    struct event *ev;        /* master side: reads, and writes while out holds bytes */
    struct evbuffer *out;    /* master side: bytes the socket has not taken; NULL if none */
    butte_pool_t *dpool;       /* holds decoder; both NULL between frames */
    butte_recordio_decoder_t *decoder;
    butte_link_handlers_t h;
    void *arg;
    struct evbuffer *pending; /* frames sent before the 101 answer */
    butte_timer_t *fail_timer; /* reports a connect that failed at once */
    char *fail_reason;         /* malloc'd, with fail_timer */
    int fd;        /* master side: the taken-over socket; -1 once the server took it back */
    short ev_mask; /* what ev waits for: EV_READ, plus EV_WRITE while out exists */
    bool adopted;  /* master side: fd came from butte_http_takeover */
    bool upgraded; /* frames flow */
    bool dead;     /* closed; freed when depth drops to 0 */
    int depth;     /* nesting of our callbacks into handlers */
    char peer[];   /* "ip:port", in the record's block */
};

static butte_log_t *
link_log(void)
{
    return butte_log_get("link");
}

static void
link_free(butte_link_t *link)
{
    butte_timer_stop(link->fail_timer);
    if (link->ev) {
        event_free(link->ev);
        link->ev = NULL;
    }
    if (link->fd >= 0) {
        /* best effort, never blocking: what was queued (a 101, a last
         * Shutdown message) reaches a peer that still reads */
        if (link->out)
            evbuffer_write(link->out, link->fd);
        butte_http_takeover_release(link->fd);
        link->fd = -1;
    }
    if (link->out)
        evbuffer_free(link->out);
    if (link->bev) {
        evutil_socket_t fd = bufferevent_getfd(link->bev);
        if (fd >= 0 && link->upgraded) {
            /* a socket bufferevent freezes its output's start for all but
             * its own write callback */
            struct evbuffer *out = bufferevent_get_output(link->bev);
            evbuffer_unfreeze(out, 1);
            evbuffer_write(out, fd);
            evbuffer_freeze(out, 1);
        }
        bufferevent_setcb(link->bev, NULL, NULL, NULL, NULL);
        bufferevent_disable(link->bev, EV_READ | EV_WRITE);
        bufferevent_free(link->bev);
        link->bev = NULL;
    }
    if (link->pending)
        evbuffer_free(link->pending);
    butte_pool_destroy(link->dpool);
    free(link->fail_reason);
    free(link);
}

/* Stop reacting to the socket (the link is closed but not yet freed). */
static void
quiesce(butte_link_t *link)
{
    if (link->ev)
        event_del(link->ev);
    else if (link->bev)
        bufferevent_disable(link->bev, EV_READ | EV_WRITE);
}

/* Leave a callback: free a link that was closed meanwhile. */
static void
leave(butte_link_t *link)
{
    if (--link->depth == 0 && link->dead)
        link_free(link);
}

/* The link ends by the peer or an error: on_close once, then free. */
static void
fail(butte_link_t *link, const char *reason)
{
    if (link->dead)
        return;
    link->dead = true;
    quiesce(link);
    link->depth++;
    if (link->h.on_close)
        link->h.on_close(link, reason, link->arg);
    leave(link);
}

static butte_link_t *
link_new(butte_loop_t *loop, const char *peer, const butte_link_handlers_t *handlers,
         void *arg)
{
    size_t n = strlen(peer) + 1;
    butte_link_t *link = calloc(1, sizeof *link + n);

    if (link == NULL) {
        butte_log(link_log(), BUTTE_LOG_ERROR, "out of memory creating a link");
        abort();
    }
    memcpy(link->peer, peer, n);
    link->fd = -1;
    link->loop = loop;
    link->h = *handlers;
    link->arg = arg;
    return link;
}

/* ------------------------------------------------------------ frames */

static void
dispatch(butte_link_t *link, const void *data, size_t len)
{
    Butte__Internal__Envelope *env =
        butte__internal__envelope__unpack(NULL, len, (const uint8_t *)data);
    if (!env) {
        butte_log(link_log(), BUTTE_LOG_WARNING,
                  "closing the link with %s: a frame of %zu bytes is not an Envelope",
                  link->peer, len);
        fail(link, "a frame is not a butte.internal.Envelope");
        return;
    }
    if (link->h.on_message)
        link->h.on_message(link, env, link->arg);
    butte__internal__envelope__free_unpacked(env, NULL);
}

/* Give the decoder what arrived (it copies). */
static void
feed(butte_link_t *link, const void *data, size_t n)
{
    if (n == 0)
        return;
    if (!link->decoder) {
        link->dpool = butte_pool_create(NULL);
        link->decoder = butte_recordio_decoder_create(link->dpool, BUTTE_LINK_MAX_FRAME);
    }
    butte_recordio_decoder_feed(link->decoder, data, n);
}

/* Hand out every whole frame the decoder holds. */
static void
drain_frames(butte_link_t *link)
{
    while (link->decoder && !link->dead) {
        const void *data;
        size_t len;
        butte_err_t err;
        butte_err_clear(&err);
        int rc = butte_recordio_decoder_next(link->decoder, &data, &len, &err);
        if (rc == 0) {
            /* nothing partial left: an idle link keeps no decoder (a
             * master has one link per agent) */
            if (butte_recordio_decoder_pending(link->decoder) == 0) {
                butte_pool_destroy(link->dpool);
                link->dpool = NULL;
                link->decoder = NULL;
            }
            return;
        }
        if (rc < 0) {
            char reason[BUTTE_ERR_MSG_MAX + 16];
            snprintf(reason, sizeof reason, "bad frame: %s", err.msg);
            butte_log(link_log(), BUTTE_LOG_WARNING, "closing the link with %s: %s", link->peer,
                      reason);
            fail(link, reason);
            return;
        }
        dispatch(link, data, len);
    }
}

/* Agent side: feed what arrived to the decoder and hand out every whole
 * frame. */
static void
read_frames(butte_link_t *link, struct evbuffer *in)
{
    size_t n = evbuffer_get_length(in);
    if (n == 0)
        return;
    /* pullup makes the input one contiguous span */
    feed(link, evbuffer_pullup(in, (ev_ssize_t)n), n);
    evbuffer_drain(in, n);
    drain_frames(link);
}

/* Agent side: wait for "HTTP/1.1 101 ..." and its blank line. */
static bool
read_answer(butte_link_t *link, struct evbuffer *in)
{
    struct evbuffer_ptr end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
    if (end.pos < 0) {
        if (evbuffer_get_length(in) > MAX_HEAD)
            fail(link, "the master's answer to the link upgrade is too long");
        return false;
    }
    size_t head_len = (size_t)end.pos + 4;
    char *head = malloc(head_len + 1);
    if (head == NULL) {
        butte_log(link_log(), BUTTE_LOG_ERROR, "out of memory reading a link answer");
        abort();
    }
    evbuffer_remove(in, head, head_len);
    head[head_len] = '\0';
    char *eol = strstr(head, "\r\n");
    *eol = '\0';
    if (strncmp(head, "HTTP/1.1 101", 12) != 0 && strncmp(head, "HTTP/1.0 101", 12) != 0) {
        char reason[256];
        snprintf(reason, sizeof reason, "the master refused the link: \"%.200s\"", head);
        free(head);
        fail(link, reason);
        return false;
    }
    free(head);
    link->upgraded = true;
    if (link->pending) {
        bufferevent_write_buffer(link->bev, link->pending);
        evbuffer_free(link->pending);
        link->pending = NULL;
    }
    if (link->h.on_connect)
        link->h.on_connect(link, link->arg);
    return !link->dead;
}

static void
on_read(struct bufferevent *bev, void *arg)
{
    butte_link_t *link = arg;
    struct evbuffer *in = bufferevent_get_input(bev);

    link->depth++;
    if (!link->dead && (link->upgraded || read_answer(link, in)))
        read_frames(link, in);
    leave(link);
}

static void
fail_errno(butte_link_t *link, int e)
{
    char reason[256];
    snprintf(reason, sizeof reason, "connection error: %s", e ? strerror(e) : "unknown error");
    fail(link, reason);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
    butte_link_t *link = arg;

    if (what & BEV_EVENT_CONNECTED)
        return;
    link->depth++;
    if (what & BEV_EVENT_EOF) {
        fail(link, "the peer closed the connection");
    } else if (what & BEV_EVENT_ERROR) {
        fail_errno(link, EVUTIL_SOCKET_ERROR());
    } else {
        fail(link, "connection timed out");
    }
    leave(link);
}

static void on_io(evutil_socket_t fd, short what, void *arg);

/* Master side: make ev wait for want (EV_READ, EV_READ | EV_WRITE).  An
 * event's kinds are fixed while it is added, so it is re-assigned. */
static void
set_mask(butte_link_t *link, short want)
{
    if (link->ev_mask == want)
        return;
    event_del(link->ev);
    event_assign(link->ev, butte_loop_base(link->loop), link->fd, want | EV_PERSIST, on_io, link);
    link->ev_mask = want;
    if (!link->dead)
        event_add(link->ev, NULL);
}

/* Master side: the output buffer, created (and writing watched) on first
 * use after it last emptied. */
static struct evbuffer *
master_output(butte_link_t *link)
{
    if (!link->out) {
        link->out = evbuffer_new();
        if (!link->out) {
            butte_log(link_log(), BUTTE_LOG_ERROR, "out of memory queueing a frame");
            abort();
        }
        set_mask(link, EV_READ | EV_WRITE);
    }
    return link->out;
}

int
butte_link_send(butte_link_t *link, const Butte__Internal__Envelope *env)
{
    if (link->dead || (!link->bev && link->fd < 0))
        return BUTTE_EIO;
    size_t len = butte__internal__envelope__get_packed_size(env);
    /* an Envelope with no field set packs to nothing, and RecordIO has no
     * empty record: such a frame carries "type = UNKNOWN" explicitly */
    uint8_t *buf = malloc(len > 2 ? len : 2);
    char hdr[BUTTE_RECORDIO_HEADER_MAX];
    if (!buf) {
        butte_log(link_log(), BUTTE_LOG_ERROR, "out of memory framing an envelope");
        abort();
    }
    if (len == 0) {
        buf[0] = 0x08; /* field 1, varint */
        buf[1] = 0x00;
        len = 2;
    } else {
        butte__internal__envelope__pack(env, buf);
    }
    size_t hl = butte_recordio_header(hdr, len);
    struct evbuffer *out;
    if (!link->upgraded)
        out = link->pending;
    else if (link->bev)
        out = bufferevent_get_output(link->bev);
    else
        out = master_output(link);
    evbuffer_add(out, hdr, hl);
    evbuffer_add(out, buf, len);
    free(buf);
    return BUTTE_OK;
}

const char *
butte_link_peer(const butte_link_t *link)
{
    return link->peer;
}

void
butte_link_set_arg(butte_link_t *link, void *arg)
{
    link->arg = arg;
}

void
butte_link_close(butte_link_t *link)
{
    if (!link || link->dead)
        return;
    link->dead = true;
    if (link->depth == 0)
        link_free(link);
    else
        quiesce(link);
}

/* ------------------------------------------------------------ master side */

/* Write what the socket takes; an empty buffer goes, and writing is no
 * longer watched. */
static void
flush_out(butte_link_t *link)
{
    if (evbuffer_write(link->out, link->fd) < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
        errno != EINTR) {
        fail_errno(link, errno);
        return;
    }
    if (evbuffer_get_length(link->out) == 0) {
        evbuffer_free(link->out);
        link->out = NULL;
        set_mask(link, EV_READ);
    }
}

/* Read what the socket has (a bounded amount), then hand out the frames;
 * the end of the stream or an error counts after the frames before it. */
static void
read_socket(butte_link_t *link)
{
    char buf[READ_CHUNK];
    bool eof = false;
    int err = 0;

    for (int i = 0; i < READS_PER_WAKEUP; i++) {
        ssize_t n = recv(link->fd, buf, sizeof buf, 0);
        if (n > 0) {
            feed(link, buf, (size_t)n);
            if ((size_t)n < sizeof buf)
                break;
        } else if (n == 0) {
            eof = true;
            break;
        } else if (errno != EINTR) {
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                err = errno;
            break;
        }
    }
    /* early bytes (adopt) are in the decoder even when nothing was read */
    drain_frames(link);
    if (link->dead)
        return;
    if (eof)
        fail(link, "the peer closed the connection");
    else if (err)
        fail_errno(link, err);
}

static void
on_io(evutil_socket_t fd, short what, void *arg)
{
    butte_link_t *link = arg;

    (void)fd;
    link->depth++;
    if (!link->dead && link->out && (what & EV_WRITE))
        flush_out(link);
    if (!link->dead)
        read_socket(link);
    leave(link);
}

/* The HTTP server is destroyed under an adopted link: it closes fd. */
static void
server_gone(int fd, void *arg)
{
    butte_link_t *link = arg;

    (void)fd;
    if (link->ev) {
        event_free(link->ev);
        link->ev = NULL;
    }
    if (link->out) {
        evbuffer_free(link->out);
        link->out = NULL;
    }
    link->fd = -1;
    link->depth++;
    fail(link, "the HTTP server is shutting down");
    leave(link);
}

/* Adopt never reads synchronously: the route handler that called it runs
 * inside evhttp, and the caller has not even got the link yet.  Early
 * bytes go to the decoder now, and an activation of ev hands them out from
 * the loop. */
butte_link_t *
butte_link_adopt(butte_loop_t *loop, int fd, struct evbuffer *early, const char *peer,
                 const butte_link_handlers_t *handlers, void *arg)
{
    butte_link_t *link = link_new(loop, peer ? peer : "?", handlers, arg);
    static const char answer[] = "HTTP/1.1 101 Switching Protocols\r\n"
                                 "Upgrade: " UPGRADE_TOKEN "\r\n"
                                 "Connection: Upgrade\r\n\r\n";

    link->fd = fd;
    link->adopted = true;
    link->upgraded = true;
    /* accepted sockets inherit it from the listener; a cheap guarantee */
    butte_tcp_nodelay(fd);
    link->ev = event_new(butte_loop_base(loop), fd, EV_READ | EV_WRITE | EV_PERSIST, on_io, link);
    link->out = evbuffer_new();
    if (!link->ev || !link->out) {
        butte_log(link_log(), BUTTE_LOG_ERROR, "out of memory adopting a link");
        abort();
    }
    link->ev_mask = EV_READ | EV_WRITE;
    evbuffer_add(link->out, answer, sizeof answer - 1);
    event_add(link->ev, NULL);
    butte_http_takeover_watch(fd, server_gone, link);
    if (early) {
        size_t n = evbuffer_get_length(early);
        feed(link, evbuffer_pullup(early, (ev_ssize_t)n), n);
        evbuffer_free(early);
        if (n > 0)
            event_active(link->ev, EV_READ, 0);
    }
    return link;
}

/* ------------------------------------------------------------ agent side */

static void
report_fail(void *arg)
{
    butte_link_t *link = arg;

    link->depth++;
    fail(link, link->fail_reason);
    leave(link);
}

butte_link_t *
butte_link_connect(butte_loop_t *loop, const char *host, uint16_t port,
                   const butte_link_handlers_t *handlers, void *arg, butte_err_t *err)
{
    char service[8];
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
    struct addrinfo *ai = NULL;

    snprintf(service, sizeof service, "%u", (unsigned)port);
    /* blocking, but only at (re)connect time and answered from /etc/hosts
     * or the resolver cache for a configured master */
    int rc = getaddrinfo(host, service, &hints, &ai);
    if (rc != 0 || !ai) {
        butte_err_set(err, BUTTE_EINVAL, "cannot resolve master host \"%s\": %s", host,
                      gai_strerror(rc));
        return NULL;
    }
    char ip[INET6_ADDRSTRLEN] = "?";
    char peer[INET6_ADDRSTRLEN + 16];
    if (ai->ai_family == AF_INET6) {
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, ip, sizeof ip);
        snprintf(peer, sizeof peer, "[%s]:%u", ip, (unsigned)port);
    } else {
        inet_ntop(AF_INET, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, ip, sizeof ip);
        snprintf(peer, sizeof peer, "%s:%u", ip, (unsigned)port);
    }
    butte_link_t *link = link_new(loop, peer, handlers, arg);
    link->pending = evbuffer_new();
    link->bev = bufferevent_socket_new(butte_loop_base(loop), -1, BEV_OPT_CLOSE_ON_FREE);
    if (!link->pending || !link->bev) {
        butte_log(link_log(), BUTTE_LOG_ERROR, "out of memory creating a link");
        abort();
    }
    bufferevent_setcb(link->bev, on_read, NULL, on_event, link);
    evbuffer_add_printf(bufferevent_get_output(link->bev),
                        "POST /master/link HTTP/1.1\r\n"
                        "Host: %s:%u\r\n"
                        "Connection: Upgrade\r\n"
                        "Upgrade: " UPGRADE_TOKEN "\r\n"
                        "Content-Length: 0\r\n\r\n",
                        host, (unsigned)port);
    if (bufferevent_socket_connect(link->bev, ai->ai_addr, (int)ai->ai_addrlen) != 0) {
        char reason[256 + sizeof peer];
        snprintf(reason, sizeof reason, "cannot connect to %s: %s", link->peer, strerror(errno));
        link->fail_reason = strdup(reason);
        if (link->fail_reason == NULL)
            abort();
        link->fail_timer = butte_timer_start(loop, 0, false, report_fail, link);
    } else {
        butte_tcp_nodelay(bufferevent_getfd(link->bev));
        bufferevent_enable(link->bev, EV_READ | EV_WRITE);
    }
    freeaddrinfo(ai);
    return link;
}
