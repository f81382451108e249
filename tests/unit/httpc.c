/*
 * tests/unit/httpc.c - the HTTP client against the real HTTP server
 * (kernel/core/http.c) on loopback: calls with headers and bodies, several
 * calls on one keep-alive connection, a chunked stream read piece by piece
 * into a RecordIO decoder, a stream answered with an error status, the
 * server ending a stream, closing a stream from its own callback, and a
 * refused connection.
 *
 * Every wait runs the loop until a condition holds or a 10 s deadline
 * passes (the deadline only fails the test; no timing is asserted).
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <butte/recordio.h>

#include "core/http-internal.h"
#include "core/httpc-internal.h"
#include "core/loop-internal.h"

static butte_loop_t *loop;
static butte_pool_t *pool;
static butte_http_t *http;
static butte_httpc_t *client;
static bool (*cond)(void);
static bool timed_out;

/* server side */
static butte_http_req_t *stream_req; /* the open stream, if any */
static int stream_closed;            /* on_close runs */
static char peers[8][64];            /* client address of each /echo call */
static int npeers;

/* client side */
static int calls_done;
static int last_status;
static char last_body[4096];
static char last_header[256];
static char last_err[512];
static int heads, ends, records;
static char rec[16][64];
static butte_recordio_decoder_t *dec;
static bool close_in_chunk;

static void check_cond(void *arg)
{
    (void)arg;
    if (cond != NULL && cond())
        butte_loop_stop(loop);
}

static void on_deadline(void *arg)
{
    (void)arg;
    timed_out = true;
    butte_loop_stop(loop);
}

static void wait_for(bool (*c)(void))
{
    cond = c;
    if (c())
        return;
    timed_out = false;
    butte_timer_t *poll = butte_timer_start(loop, 0.005, true, check_cond, NULL);
    butte_timer_t *dl = butte_timer_start(loop, 10, false, on_deadline, NULL);
    butte_loop_run(loop);
    butte_timer_stop(poll);
    butte_timer_stop(dl);
    cond = NULL;
    ck_assert_msg(!timed_out, "condition not reached within 10 s (heads %d records %d ends %d calls %d)", heads, records, ends, calls_done);
}

/* ---- server routes ---- */

static void h_echo(butte_http_req_t *req, void *arg)
{
    (void)arg;
    size_t len;
    const char *body = butte_http_req_body(req, &len);
    const char *x = butte_http_req_header(req, "X-Test");
    if (npeers < 8)
        snprintf(peers[npeers++], sizeof peers[0], "%s", butte_http_req_peer(req));
    butte_http_add_header(req, "X-Echo", x != NULL ? x : "-");
    butte_http_reply(req, 201, "text/plain", body, len);
}

static void on_stream_gone(butte_http_req_t *req, void *arg)
{
    (void)req;
    (void)arg;
    stream_closed++;
    stream_req = NULL;
}

static void h_stream(butte_http_req_t *req, void *arg)
{
    (void)arg;
    butte_http_add_header(req, "Mesos-Stream-Id", "abc");
    butte_http_stream_start(req, 200, "application/json", on_stream_gone, NULL);
    stream_req = req;
}

static void h_forbidden(butte_http_req_t *req, void *arg)
{
    (void)arg;
    butte_http_reply_text(req, 403, "Framework is not subscribed");
}

static void setup(void)
{
    butte_err_t err;
    loop = butte_loop_create(&err);
    ck_assert_ptr_nonnull(loop);
    pool = butte_pool_create(NULL);
    http = butte_http_create(pool, loop);
    butte_http_route(http, "/echo", BUTTE_HTTP_POST, false, h_echo, NULL);
    butte_http_route(http, "/stream", BUTTE_HTTP_POST, false, h_stream, NULL);
    butte_http_route(http, "/forbidden", BUTTE_HTTP_POST, false, h_forbidden, NULL);
    ck_assert_int_eq(butte_http_listen(http, "127.0.0.1", 0, &err), 0);
    client = butte_httpc_create(pool, loop, "127.0.0.1", butte_http_port(http), 10);
    dec = butte_recordio_decoder_create(pool, 0);
    stream_req = NULL;
    stream_closed = npeers = calls_done = last_status = heads = ends = records = 0;
    last_body[0] = last_header[0] = last_err[0] = '\0';
    close_in_chunk = false;
}

static void teardown(void)
{
    butte_pool_destroy(pool);
    butte_loop_destroy(loop);
}

/* ---- client callbacks ---- */

static void on_done(const butte_httpc_resp_t *resp, const butte_err_t *err, void *arg)
{
    (void)arg;
    calls_done++;
    if (resp == NULL) {
        last_status = 0;
        snprintf(last_err, sizeof last_err, "%s", err->msg);
        return;
    }
    size_t len;
    const char *body = butte_httpc_resp_body(resp, &len);
    ck_assert_uint_eq(strlen(body), len);
    last_status = butte_httpc_resp_status(resp);
    snprintf(last_body, sizeof last_body, "%s", body);
    const char *h = butte_httpc_resp_header(resp, "x-echo");
    snprintf(last_header, sizeof last_header, "%s", h != NULL ? h : "");
}

static bool one_done(void) { return calls_done >= 1; }
static bool three_done(void) { return calls_done >= 3; }

START_TEST(call_with_headers_and_body)
{
    butte_httpc_header_t h[] = { { "X-Test", "yes" }, { "Content-Type", "text/plain" } };
    butte_httpc_request(client, "POST", "/echo", h, 2, "hello", 5, on_done, NULL);
    wait_for(one_done);
    ck_assert_int_eq(last_status, 201);
    ck_assert_str_eq(last_body, "hello");
    ck_assert_str_eq(last_header, "yes");

    /* unknown path: the server's 404 comes back as a response */
    butte_httpc_request(client, "POST", "/nowhere", NULL, 0, NULL, 0, on_done, NULL);
    calls_done = 0;
    wait_for(one_done);
    ck_assert_int_eq(last_status, 404);
}
END_TEST

START_TEST(calls_share_one_connection)
{
    for (int i = 0; i < 3; i++)
        butte_httpc_request(client, "POST", "/echo", NULL, 0, "x", 1, on_done, NULL);
    wait_for(three_done);
    ck_assert_int_eq(npeers, 3);
    /* the same client port each time: one keep-alive connection */
    ck_assert_str_eq(peers[0], peers[1]);
    ck_assert_str_eq(peers[1], peers[2]);
}
END_TEST

static void forget_me(const butte_httpc_resp_t *resp, const butte_err_t *err, void *arg)
{
    (void)resp;
    (void)err;
    (void)arg;
    ck_abort_msg("a forgotten call's callback ran");
}

START_TEST(forgotten_call_stays_silent)
{
    butte_httpc_call_t *c1 = butte_httpc_request(client, "POST", "/echo", NULL, 0, "a", 1,
                                                 forget_me, NULL);
    butte_httpc_call_forget(c1);
    butte_httpc_request(client, "POST", "/echo", NULL, 0, "b", 1, on_done, NULL);
    wait_for(one_done);
    ck_assert_str_eq(last_body, "b");
    ck_assert_int_eq(npeers, 2); /* the first one still went out */
}
END_TEST

/* ---- streams ---- */

static void s_head(butte_httpc_stream_t *s, const butte_httpc_resp_t *resp, void *arg)
{
    (void)s;
    (void)arg;
    heads++;
    last_status = butte_httpc_resp_status(resp);
    const char *id = butte_httpc_resp_header(resp, "mesos-stream-id");
    snprintf(last_header, sizeof last_header, "%s", id != NULL ? id : "");
}

static void s_chunk(butte_httpc_stream_t *s, const void *data, size_t len, void *arg)
{
    (void)arg;
    butte_recordio_decoder_feed(dec, data, len);
    const void *r;
    size_t rlen;
    butte_err_t err;
    while (butte_recordio_decoder_next(dec, &r, &rlen, &err) == 1) {
        ck_assert_int_lt(records, 16);
        snprintf(rec[records++], sizeof rec[0], "%.*s", (int)rlen, (const char *)r);
        if (close_in_chunk) {
            butte_httpc_stream_close(s);
            return;
        }
    }
}

static void s_end(butte_httpc_stream_t *s, const butte_httpc_resp_t *resp,
                  const butte_err_t *err, void *arg)
{
    (void)s;
    (void)arg;
    ends++;
    if (resp != NULL) {
        last_status = butte_httpc_resp_status(resp);
        snprintf(last_body, sizeof last_body, "%s", butte_httpc_resp_body(resp, NULL));
    } else {
        snprintf(last_err, sizeof last_err, "%s", err->msg);
    }
}

static bool stream_open(void) { return stream_req != NULL && heads == 1; }
static bool three_records(void) { return records >= 3; }
static bool ended(void) { return ends >= 1; }
static bool server_saw_close(void) { return stream_closed >= 1; }

static void send_record(const char *text)
{
    size_t len;
    char *r = butte_recordio_encode(pool, text, strlen(text), &len);
    butte_http_stream_send(stream_req, r, len);
}

START_TEST(stream_delivers_chunks_as_they_come)
{
    butte_httpc_header_t h[] = { { "Content-Type", "application/json" } };
    butte_httpc_stream(client, "POST", "/stream", h, 1, "{}", 2, s_head, s_chunk, s_end, NULL);
    wait_for(stream_open);
    ck_assert_int_eq(last_status, 200);
    ck_assert_str_eq(last_header, "abc");

    /* a record split over two chunks, then two records in one chunk */
    size_t len;
    char *r = butte_recordio_encode(pool, "{\"type\":\"SUBSCRIBED\"}", 21, &len);
    butte_http_stream_send(stream_req, r, 5);
    butte_http_stream_send(stream_req, r + 5, len - 5);
    char both[64];
    snprintf(both, sizeof both, "%s%s", "8\n{\"n\":11}", "8\n{\"n\":22}");
    butte_http_stream_send(stream_req, both, strlen(both));
    wait_for(three_records);
    ck_assert_str_eq(rec[0], "{\"type\":\"SUBSCRIBED\"}");
    ck_assert_str_eq(rec[1], "{\"n\":11}");
    ck_assert_str_eq(rec[2], "{\"n\":22}");
    ck_assert_int_eq(ends, 0);

    /* calls still work while the stream is open (another connection) */
    butte_httpc_request(client, "POST", "/echo", NULL, 0, "z", 1, on_done, NULL);
    wait_for(one_done);
    ck_assert_str_eq(last_body, "z");

    /* the server ends the stream */
    send_record("{\"last\":1}");
    butte_http_stream_end(stream_req);
    stream_req = NULL;
    wait_for(ended);
    ck_assert_int_eq(records, 4);
    ck_assert_int_eq(last_status, 200);
}
END_TEST

START_TEST(stream_error_status_has_body)
{
    butte_httpc_stream(client, "POST", "/forbidden", NULL, 0, "{}", 2, s_head, s_chunk, s_end,
                       NULL);
    wait_for(ended);
    ck_assert_int_eq(heads, 1);
    ck_assert_int_eq(last_status, 403);
    ck_assert_str_eq(last_body, "Framework is not subscribed");
    ck_assert_int_eq(records, 0);
}
END_TEST

START_TEST(stream_closed_from_its_chunk_callback)
{
    close_in_chunk = true;
    butte_httpc_stream(client, "POST", "/stream", NULL, 0, "{}", 2, s_head, s_chunk, s_end, NULL);
    wait_for(stream_open);
    send_record("{\"a\":1}");
    send_record("{\"b\":2}");
    wait_for(server_saw_close);
    ck_assert_int_eq(records, 1);
    ck_assert_int_eq(ends, 0); /* no callback after close */
}
END_TEST

START_TEST(server_going_away_ends_stream_with_error)
{
    butte_httpc_stream(client, "POST", "/stream", NULL, 0, "{}", 2, s_head, s_chunk, s_end, NULL);
    wait_for(stream_open);
    butte_http_destroy(http);
    wait_for(ended);
    ck_assert_str_ne(last_err, "");
}
END_TEST

START_TEST(refused_connection_is_an_error)
{
    /* a port nobody listens on: bind the server, note its port, close it */
    uint16_t port = butte_http_port(http);
    butte_http_destroy(http);
    butte_httpc_t *c2 = butte_httpc_create(pool, loop, "127.0.0.1", port, 5);
    butte_httpc_request(c2, "POST", "/echo", NULL, 0, NULL, 0, on_done, NULL);
    wait_for(one_done);
    ck_assert_int_eq(last_status, 0);
    ck_assert_msg(strstr(last_err, "127.0.0.1") != NULL, "%s", last_err);
    butte_httpc_stream(c2, "POST", "/stream", NULL, 0, NULL, 0, s_head, s_chunk, s_end, NULL);
    wait_for(ended);
    ck_assert_int_eq(heads, 0);
}
END_TEST

START_TEST(destroy_with_open_stream_and_call)
{
    butte_httpc_stream(client, "POST", "/stream", NULL, 0, "{}", 2, s_head, s_chunk, s_end, NULL);
    wait_for(stream_open);
    butte_httpc_request(client, "POST", "/echo", NULL, 0, "q", 1, forget_me, NULL);
    butte_httpc_destroy(client);
    wait_for(server_saw_close);
    ck_assert_int_eq(ends, 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("httpc");
    TCase *tc = tcase_create("httpc");
    suite_add_tcase(s, tc);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, call_with_headers_and_body);
    tcase_add_test(tc, calls_share_one_connection);
    tcase_add_test(tc, forgotten_call_stays_silent);
    tcase_add_test(tc, stream_delivers_chunks_as_they_come);
    tcase_add_test(tc, stream_error_status_has_body);
    tcase_add_test(tc, stream_closed_from_its_chunk_callback);
    tcase_add_test(tc, server_going_away_ends_stream_with_error);
    tcase_add_test(tc, refused_connection_is_an_error);
    tcase_add_test(tc, destroy_with_open_stream_and_call);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
