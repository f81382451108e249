/*
 * tests/unit/link.c - the master <-> agent link over a real HTTP server on
 * loopback: the upgrade handshake (POST /master/link -> 101), ping-pong and
 * bursts of envelopes both ways, frames queued before the connection is
 * up, bytes sent with the request head, a bad frame, peer close, a refused
 * connection, a non-101 answer, the server going away, frames far larger
 * than a socket buffer both ways and a last frame sent right before close.
 *
 * Every wait runs the loop until a condition holds or a 10 s deadline
 * passes (the deadline only fails the test; no timing is asserted).
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/bufferevent.h>

#include <butte/recordio.h>

#include "core/http-internal.h"
#include "core/link-internal.h"
#include "core/loop-internal.h"

#define N 1000

typedef struct side {
    butte_link_t *link;
    int connects, closes, messages;
    uint64_t next_seq; /* next sequence expected */
    bool in_order;
    char reason[256];
    bool echo;         /* answer each Ping with a Pong of the same sequence */
    bool pingpong;     /* client: on Pong i send Ping i+1 until N */
    size_t big_len;    /* length of the last Shutdown message received */
} side_t;

static butte_loop_t *loop;
static butte_pool_t *pool;
static butte_http_t *http;
static side_t server, client;
static bool (*cond)(void);
static bool timed_out;

static void
send_kind(butte_link_t *link, int type, uint64_t seq)
{
    Butte__Internal__Envelope env = BUTTE__INTERNAL__ENVELOPE__INIT;
    Butte__Internal__Ping ping = BUTTE__INTERNAL__PING__INIT;
    Butte__Internal__Pong pong = BUTTE__INTERNAL__PONG__INIT;

    env.has_type = 1;
    env.type = type;
    if (type == BUTTE__INTERNAL__ENVELOPE__TYPE__PING) {
        ping.sequence = seq;
        env.ping = &ping;
    } else {
        pong.sequence = seq;
        env.pong = &pong;
    }
    ck_assert_int_eq(butte_link_send(link, &env), 0);
}

static void
check_cond(void *arg)
{
    if (cond && cond())
        butte_loop_stop(loop);
}

static void
on_message(butte_link_t *link, const Butte__Internal__Envelope *env, void *arg)
{
    side_t *s = arg;
    uint64_t seq = env->ping ? env->ping->sequence : env->pong ? env->pong->sequence : ~0ull;

    s->messages++;
    if (env->shutdown && env->shutdown->message) {
        s->big_len = strlen(env->shutdown->message);
        check_cond(NULL);
        return;
    }
    if (seq != s->next_seq)
        s->in_order = false;
    s->next_seq = seq + 1;
    if (s->echo && env->ping)
        send_kind(link, BUTTE__INTERNAL__ENVELOPE__TYPE__PONG, seq);
    if (s->pingpong && env->pong && seq + 1 < N)
        send_kind(link, BUTTE__INTERNAL__ENVELOPE__TYPE__PING, seq + 1);
    check_cond(NULL);
}

static void
on_close(butte_link_t *link, const char *reason, void *arg)
{
    side_t *s = arg;

    s->closes++;
    s->link = NULL;
    snprintf(s->reason, sizeof s->reason, "%s", reason);
    check_cond(NULL);
}

static void
on_connect(butte_link_t *link, void *arg)
{
    side_t *s = arg;

    s->connects++;
    check_cond(NULL);
}

static const butte_link_handlers_t handlers = { on_message, on_close, on_connect };

static void
serve_link(butte_http_req_t *req, void *arg)
{
    struct evbuffer *early;
    int fd = butte_http_takeover(req, &early);

    ck_assert_int_ge(fd, 0);
    server.link = butte_link_adopt(loop, fd, early, butte_http_req_peer(req), &handlers, &server);
}

static void
deadline(void *arg)
{
    timed_out = true;
    butte_loop_stop(loop);
}

/* Run the loop until c() holds; fail after 10 s. */
static void
run_until(bool (*c)(void))
{
    cond = c;
    timed_out = false;
    if (!c()) {
        butte_timer_t *t = butte_timer_start(loop, 10, false, deadline, NULL);
        butte_timer_t *poll = butte_timer_start(loop, 0.01, true, check_cond, NULL);
        butte_loop_run(loop);
        butte_timer_stop(t);
        butte_timer_stop(poll);
    }
    cond = NULL;
    ck_assert_msg(!timed_out, "condition not met within 10 s");
}

static void
setup(void)
{
    butte_err_t err = { 0 };

    memset(&server, 0, sizeof server);
    memset(&client, 0, sizeof client);
    server.in_order = client.in_order = true;
    loop = butte_loop_create(&err);
    ck_assert_ptr_nonnull(loop);
    pool = butte_pool_create(NULL);
    http = butte_http_create(pool, loop);
    butte_http_route(http, "/master/link", BUTTE_HTTP_POST, false, serve_link, NULL);
    ck_assert_int_eq(butte_http_listen(http, "127.0.0.1", 0, &err), 0);
}

static void
teardown(void)
{
    if (client.link)
        butte_link_close(client.link);
    if (server.link)
        butte_link_close(server.link);
    butte_pool_destroy(pool);
    butte_loop_destroy(loop);
}

static butte_link_t *
connect_client(void)
{
    butte_err_t err = { 0 };
    butte_link_t *l =
        butte_link_connect(loop, "127.0.0.1", butte_http_port(http), &handlers, &client, &err);

    ck_assert_msg(l != NULL, "%s", err.msg);
    client.link = l;
    return l;
}

static bool both_connected(void) { return client.connects == 1 && server.link != NULL; }
static bool server_got_n(void) { return server.messages == N; }
static bool client_got_n(void) { return client.messages == N; }
static bool server_closed(void) { return server.closes > 0; }
static bool client_closed(void) { return client.closes > 0; }

START_TEST(pingpong_and_bursts)
{
    connect_client();
    server.echo = true;
    client.pingpong = true;
    /* queued before the connection is up */
    send_kind(client.link, BUTTE__INTERNAL__ENVELOPE__TYPE__PING, 0);
    ck_assert_int_eq(client.connects, 0);
    run_until(client_got_n);
    ck_assert_int_eq(client.connects, 1);
    ck_assert_int_eq(server.messages, N);
    ck_assert(server.in_order && client.in_order);
    ck_assert_str_eq(butte_link_peer(client.link),
                     butte_pool_printf(pool, "127.0.0.1:%u", butte_http_port(http)));

    /* bursts: N frames each way without waiting */
    server.echo = client.pingpong = false;
    server.messages = client.messages = 0;
    server.next_seq = client.next_seq = 0;
    for (uint64_t i = 0; i < N; i++)
        send_kind(client.link, BUTTE__INTERNAL__ENVELOPE__TYPE__PING, i);
    for (uint64_t i = 0; i < N; i++)
        send_kind(server.link, BUTTE__INTERNAL__ENVELOPE__TYPE__PONG, i);
    run_until(server_got_n);
    run_until(client_got_n);
    ck_assert(server.in_order && client.in_order);
    ck_assert_int_eq(server.closes + client.closes, 0);
}
END_TEST

START_TEST(peer_close_once)
{
    connect_client();
    run_until(both_connected);
    butte_link_close(client.link);
    client.link = NULL;
    run_until(server_closed);
    ck_assert_int_eq(client.closes, 0); /* close() does not call on_close */

    /* and the other way round */
    server.link = NULL;
    server.closes = 0;
    client.connects = 0;
    connect_client();
    run_until(both_connected);
    butte_link_close(server.link);
    server.link = NULL;
    run_until(client_closed);
    ck_assert_int_eq(client.closes, 1);
    ck_assert_int_eq(server.closes, 0);
    ck_assert_ptr_null(client.link);
}
END_TEST

/* A plain socket that sent the upgrade request plus extra bytes at once. */
static int
raw_client(const void *extra, size_t len)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(butte_http_port(http)) };
    static const char head[] = "POST /master/link HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
                               "Upgrade: butte-link/1\r\nContent-Length: 0\r\n\r\n";
    char buf[4096];

    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    memcpy(buf, head, sizeof head - 1);
    memcpy(buf + sizeof head - 1, extra, len);
    ck_assert_int_eq(write(fd, buf, sizeof head - 1 + len), (ssize_t)(sizeof head - 1 + len));
    return fd;
}

static bool server_got_one(void) { return server.messages == 1; }

START_TEST(bytes_after_head_are_kept)
{
    Butte__Internal__Envelope env = BUTTE__INTERNAL__ENVELOPE__INIT;
    Butte__Internal__Ping ping = BUTTE__INTERNAL__PING__INIT;
    uint8_t body[64];
    size_t n;
    char *rec;

    env.has_type = 1;
    env.type = BUTTE__INTERNAL__ENVELOPE__TYPE__PING;
    ping.sequence = 0;
    env.ping = &ping;
    n = butte__internal__envelope__pack(&env, body);
    rec = butte_recordio_encode(pool, body, n, &n);
    int fd = raw_client(rec, n);
    run_until(server_got_one);
    ck_assert_int_eq(server.closes, 0);
    close(fd);
    run_until(server_closed);
    ck_assert_int_eq(server.closes, 1);
}
END_TEST

START_TEST(bad_frame_closes_with_reason)
{
    char answer[512];
    ssize_t got = 0, r;

    int fd = raw_client("abc\n", 4);
    run_until(server_closed);
    ck_assert_msg(strstr(server.reason, "bad frame") != NULL, "reason: %s", server.reason);
    /* the client saw the 101, then the end of the stream */
    while ((r = read(fd, answer + got, sizeof answer - 1 - (size_t)got)) > 0)
        got += r;
    answer[got] = '\0';
    ck_assert_msg(strncmp(answer, "HTTP/1.1 101 Switching Protocols\r\n", 34) == 0, "%s", answer);
    ck_assert(strstr(answer, "Upgrade: butte-link/1\r\n") != NULL);
    close(fd);
}
END_TEST

START_TEST(refused_and_not_upgraded)
{
    butte_err_t err = { 0 };
    /* a port nobody listens on: bind one, learn it, close it */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET };
    socklen_t sl = sizeof sa;

    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
    close(fd);
    client.link = butte_link_connect(loop, "127.0.0.1", ntohs(sa.sin_port), &handlers, &client,
                                     &err);
    ck_assert_ptr_nonnull(client.link);
    run_until(client_closed);
    ck_assert_int_eq(client.connects, 0);
    ck_assert_msg(strstr(client.reason, "refused") != NULL, "reason: %s", client.reason);

    /* a server without the route answers 404, not 101 */
    butte_http_route(http, "/master/link", BUTTE_HTTP_GET, false, serve_link, NULL);
    client.closes = 0;
    connect_client();
    run_until(client_closed);
    ck_assert_int_eq(client.connects, 0);
    ck_assert_msg(strstr(client.reason, "refused the link") != NULL, "reason: %s",
                  client.reason);

    ck_assert_ptr_null(butte_link_connect(loop, "no-such-host.invalid", 1, &handlers, &client,
                                          &err));
    ck_assert(strstr(err.msg, "no-such-host.invalid") != NULL);
}
END_TEST

START_TEST(server_destroyed_under_link)
{
    connect_client();
    run_until(both_connected);
    butte_http_destroy(http);
    ck_assert_int_eq(server.closes, 1);
    ck_assert_msg(strstr(server.reason, "shutting down") != NULL, "%s", server.reason);
    run_until(client_closed);
}
END_TEST

/* A Shutdown whose message is len bytes: one frame of about len bytes. */
static void
send_big(butte_link_t *link, size_t len)
{
    Butte__Internal__Envelope env = BUTTE__INTERNAL__ENVELOPE__INIT;
    Butte__Internal__Shutdown sd = BUTTE__INTERNAL__SHUTDOWN__INIT;
    char *msg = malloc(len + 1);

    ck_assert_ptr_nonnull(msg);
    memset(msg, 'x', len);
    msg[len] = '\0';
    sd.message = msg;
    env.has_type = 1;
    env.type = BUTTE__INTERNAL__ENVELOPE__TYPE__SHUTDOWN;
    env.shutdown = &sd;
    ck_assert_int_eq(butte_link_send(link, &env), 0);
    free(msg);
}

#define BIG (6u * 1024u * 1024u)

static bool both_got_big(void) { return server.messages == 1 && client.messages == 2; }
static bool client_got_one_closed(void) { return client.messages == 1 && client.closes == 1; }

/* The adopted side writes in pieces as the socket drains (its output
 * buffer comes and goes) and reads a frame over many wakeups; order holds
 * across a big and a small frame, and a frame queued right before
 * butte_link_close still reaches the peer before the end of the stream. */
START_TEST(big_frames_and_last_words)
{
    connect_client();
    run_until(both_connected);
    send_big(client.link, BIG);
    send_big(server.link, BIG);
    send_kind(server.link, BUTTE__INTERNAL__ENVELOPE__TYPE__PONG, 0);
    run_until(both_got_big);
    ck_assert_uint_eq(server.big_len, BIG);
    ck_assert_uint_eq(client.big_len, BIG);
    ck_assert(client.in_order);
    ck_assert_int_eq(server.closes + client.closes, 0);

    /* an idle link again: the last words go out with the close */
    client.messages = 0;
    send_kind(server.link, BUTTE__INTERNAL__ENVELOPE__TYPE__PONG, 1);
    butte_link_close(server.link);
    server.link = NULL;
    run_until(client_got_one_closed);
    ck_assert(client.in_order);
    ck_assert_int_eq(server.closes, 0);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("link");
    TCase *tc = tcase_create("link");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, pingpong_and_bursts);
    tcase_add_test(tc, peer_close_once);
    tcase_add_test(tc, bytes_after_head_are_kept);
    tcase_add_test(tc, bad_frame_closes_with_reason);
    tcase_add_test(tc, refused_and_not_upgraded);
    tcase_add_test(tc, server_destroyed_under_link);
    tcase_add_test(tc, big_frames_and_last_words);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
