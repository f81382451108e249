/*
 * tests/unit/files.c - the /files endpoints (kernel/agent/files.c) on a
 * real HTTP server on loopback, over a temporary sandbox: browse, read
 * with offset and length, download, /files/debug, bad parameters (400),
 * and confinement: "..", absolute paths outside, encoded traversal and
 * symlinks out of the sandbox all answer 404, a symlink inside works.
 *
 * The client is a plain blocking socket on a helper thread; the test's
 * thread runs the server's loop until the helper posts "done" (or its
 * 10 s socket timeout fails the request).  No timing is asserted.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "agent/files-internal.h"
#include "core/http-internal.h"
#include "core/loop-internal.h"

static butte_pool_t *pool;
static butte_loop_t *loop;
static butte_http_t *http;
static butte_files_t *files;
static char tmp[256];      /* the temporary tree */
static char sandbox[300];  /* tmp/sandbox: the attached folder */
static char outside[300];  /* tmp/secret: a file outside it */

typedef struct response {
    char request[2048];
    int status;
    char headers[4096];
    char *body; /* malloc'd, NUL-terminated */
    size_t len;
} response_t;

static response_t resp;

static void
stop_loop(void *arg)
{
    (void)arg;
    butte_loop_stop(loop);
}

static void *
client(void *arg)
{
    response_t *r = arg;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(butte_http_port(http)) };
    struct timeval tv = { 10, 0 };
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);

    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
        write(fd, r->request, strlen(r->request)) == (ssize_t)strlen(r->request)) {
        for (;;) {
            if (len + 4096 > cap)
                buf = realloc(buf, cap *= 2);
            ssize_t n = read(fd, buf + len, cap - len - 1);
            if (n <= 0)
                break;
            len += (size_t)n;
        }
    }
    close(fd);
    buf[len] = '\0';
    /* status line, headers, body */
    r->status = -1;
    char *end = strstr(buf, "\r\n\r\n");
    if (end != NULL && sscanf(buf, "HTTP/1.%*d %d", &r->status) == 1) {
        size_t hl = (size_t)(end - buf);
        if (hl >= sizeof r->headers)
            hl = sizeof r->headers - 1;
        memcpy(r->headers, buf, hl);
        r->headers[hl] = '\0';
        r->len = len - (size_t)(end + 4 - buf);
        r->body = malloc(r->len + 1);
        memcpy(r->body, end + 4, r->len);
        r->body[r->len] = '\0';
    }
    free(buf);
    butte_loop_post(loop, stop_loop, NULL);
    return NULL;
}

/* GET target (path and query, already encoded); fills resp. */
static void
get(const char *target)
{
    pthread_t t;

    free(resp.body);
    memset(&resp, 0, sizeof resp);
    snprintf(resp.request, sizeof resp.request,
             "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", target);
    ck_assert_int_eq(pthread_create(&t, NULL, client, &resp), 0);
    butte_loop_run(loop);
    pthread_join(t, NULL);
    ck_assert_msg(resp.status > 0, "no answer to %s", target);
}

static json_t *
get_json(const char *target, int status)
{
    json_error_t jerr;

    get(target);
    ck_assert_msg(resp.status == status, "%s: %d %s", target, resp.status,
                  resp.body ? resp.body : "");
    json_t *j = json_loadb(resp.body, resp.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    ck_assert_msg(j != NULL, "%s: not JSON: %s", target, jerr.text);
    return j;
}

static void
write_file(const char *dir, const char *name, const char *data, size_t len, mode_t mode)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
    close(fd);
    chmod(path, mode);
}

static void
setup(void)
{
    butte_err_t err;
    char path[512];

    snprintf(tmp, sizeof tmp, "/tmp/butte-files-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmp));
    snprintf(sandbox, sizeof sandbox, "%s/sandbox", tmp);
    snprintf(outside, sizeof outside, "%s/secret", tmp);
    ck_assert_int_eq(mkdir(sandbox, 0755), 0);
    write_file(tmp, "secret", "top secret\n", 11, 0644);
    write_file(sandbox, "stdout", "hello world\n", 12, 0644);
    write_file(sandbox, "stderr", "", 0, 0600);
    snprintf(path, sizeof path, "%s/sub", sandbox);
    ck_assert_int_eq(mkdir(path, 0750), 0);
    write_file(path, "inner.txt", "inner", 5, 0640);
    write_file(sandbox, "binary", "a\xff\x00z", 4, 0644);
    /* links: one to the secret outside, one to the folder above, one inside */
    snprintf(path, sizeof path, "%s/escape", sandbox);
    ck_assert_int_eq(symlink(outside, path), 0);
    snprintf(path, sizeof path, "%s/up", sandbox);
    ck_assert_int_eq(symlink("..", path), 0);
    snprintf(path, sizeof path, "%s/alias", sandbox);
    ck_assert_int_eq(symlink("sub/inner.txt", path), 0);

    pool = butte_pool_create(NULL);
    loop = butte_loop_create(&err);
    ck_assert_ptr_nonnull(loop);
    http = butte_http_create(pool, loop);
    files = butte_agent_files_register(pool, http, NULL);
    ck_assert_int_eq(butte_http_listen(http, "127.0.0.1", 0, &err), 0);
    ck_assert_msg(butte_files_attach(files, sandbox, "/sb", &err) == 0, "%s", err.msg);
    memset(&resp, 0, sizeof resp);
}

static void
teardown(void)
{
    char cmd[600];

    free(resp.body);
    resp.body = NULL;
    butte_pool_destroy(pool);
    butte_loop_destroy(loop);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    ck_assert_int_eq(system(cmd), 0);
}

static json_t *
entry(json_t *arr, const char *path)
{
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e)
        if (strcmp(json_string_value(json_object_get(e, "path")), path) == 0)
            return e;
    return NULL;
}

START_TEST(browse_lists_the_sandbox)
{
    json_t *arr = get_json("/files/browse?path=/sb", 200);

    ck_assert(json_is_array(arr));
    ck_assert_uint_eq(json_array_size(arr), 7); /* stdout stderr sub binary escape up alias */
    /* sorted by name */
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(arr, 0), "path")),
                     "/sb/alias");
    json_t *e = entry(arr, "/sb/stdout");
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(json_string_value(json_object_get(e, "mode")), "-rw-r--r--");
    ck_assert_int_eq(json_integer_value(json_object_get(e, "size")), 12);
    ck_assert_int_eq(json_integer_value(json_object_get(e, "nlink")), 1);
    ck_assert(json_number_value(json_object_get(e, "mtime")) > 1e9);
    ck_assert(json_is_string(json_object_get(e, "uid")));
    ck_assert(json_is_string(json_object_get(e, "gid")));
    e = entry(arr, "/sb/sub");
    ck_assert_str_eq(json_string_value(json_object_get(e, "mode")), "drwxr-x---");
    e = entry(arr, "/sb/stderr");
    ck_assert_str_eq(json_string_value(json_object_get(e, "mode")), "-rw-------");
    /* a link inside shows its target; links out show only themselves */
    e = entry(arr, "/sb/alias");
    ck_assert_str_eq(json_string_value(json_object_get(e, "mode")), "-rw-r-----");
    ck_assert_int_eq(json_integer_value(json_object_get(e, "size")), 5);
    e = entry(arr, "/sb/escape");
    ck_assert_int_eq(json_string_value(json_object_get(e, "mode"))[0], 'l');
    ck_assert_int_ne(json_integer_value(json_object_get(e, "size")), 11);
    e = entry(arr, "/sb/up");
    ck_assert_int_eq(json_string_value(json_object_get(e, "mode"))[0], 'l');
    json_decref(arr);

    /* a sub-folder, trailing slash and "." are the same path */
    arr = get_json("/files/browse?path=/sb/./sub/", 200);
    ck_assert_uint_eq(json_array_size(arr), 1);
    ck_assert_ptr_nonnull(entry(arr, "/sb/sub/inner.txt"));
    json_decref(arr);

    /* a file answers itself */
    arr = get_json("/files/browse?path=/sb/stdout", 200);
    ck_assert_uint_eq(json_array_size(arr), 1);
    ck_assert_ptr_nonnull(entry(arr, "/sb/stdout"));
    json_decref(arr);

    /* jsonp works as on every JSON endpoint */
    get("/files/browse?path=/sb/sub&jsonp=cb");
    ck_assert_int_eq(resp.status, 200);
    ck_assert(strncmp(resp.body, "cb(", 3) == 0);
}
END_TEST

START_TEST(read_offsets_and_lengths)
{
    json_t *o = get_json("/files/read?path=/sb/stdout&offset=6&length=5", 200);
    ck_assert_str_eq(json_string_value(json_object_get(o, "data")), "world");
    ck_assert_int_eq(json_integer_value(json_object_get(o, "offset")), 6);
    json_decref(o);

    /* no length: to the end */
    o = get_json("/files/read?path=/sb/stdout&offset=0", 200);
    ck_assert_str_eq(json_string_value(json_object_get(o, "data")), "hello world\n");
    json_decref(o);
    o = get_json("/files/read?path=/sb/stdout&offset=6&length=-1", 200);
    ck_assert_str_eq(json_string_value(json_object_get(o, "data")), "world\n");
    json_decref(o);

    /* no offset, or -1: where the end is, no data */
    o = get_json("/files/read?path=/sb/stdout", 200);
    ck_assert_str_eq(json_string_value(json_object_get(o, "data")), "");
    ck_assert_int_eq(json_integer_value(json_object_get(o, "offset")), 12);
    json_decref(o);
    o = get_json("/files/read?path=/sb/stdout&offset=-1&length=3", 200);
    ck_assert_int_eq(json_integer_value(json_object_get(o, "offset")), 12);
    json_decref(o);

    /* past the end and length 0: nothing */
    o = get_json("/files/read?path=/sb/stdout&offset=100&length=5", 200);
    ck_assert_str_eq(json_string_value(json_object_get(o, "data")), "");
    json_decref(o);
    o = get_json("/files/read?path=/sb/stdout&offset=0&length=0", 200);
    ck_assert_str_eq(json_string_value(json_object_get(o, "data")), "");
    json_decref(o);

    /* bytes that are not UTF-8 still give valid JSON, same length */
    o = get_json("/files/read?path=/sb/binary&offset=0", 200);
    const char *d = json_string_value(json_object_get(o, "data"));
    ck_assert_int_eq(d[0], 'a');
    ck_assert_int_eq(json_string_length(json_object_get(o, "data")), 1 + 3 + 1 + 1);
    json_decref(o);

    /* through a link that stays inside */
    o = get_json("/files/read?path=/sb/alias&offset=0", 200);
    ck_assert_str_eq(json_string_value(json_object_get(o, "data")), "inner");
    json_decref(o);
}
END_TEST

START_TEST(bad_parameters_are_400)
{
    static const char *bad[] = {
        "/files/read?path=/sb/stdout&offset=abc",
        "/files/read?path=/sb/stdout&offset=1x",
        "/files/read?path=/sb/stdout&offset=-2",
        "/files/read?path=/sb/stdout&offset=0&length=-5",
        "/files/read?path=/sb/stdout&offset=0&length=",
        "/files/read?offset=0",
        "/files/read?path=",
        "/files/read?path=/sb/sub&offset=0", /* a directory */
        "/files/browse",
        "/files/browse?path=",
        "/files/download",
        "/files/download?path=/sb/sub",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        get(bad[i]);
        ck_assert_msg(resp.status == 400, "%s answered %d", bad[i], resp.status);
    }
    get("/files/browse?path=/sb");
    ck_assert_int_eq(resp.status, 200);
    /* wrong method */
    free(resp.body);
    memset(&resp, 0, sizeof resp);
    snprintf(resp.request, sizeof resp.request,
             "POST /files/browse?path=/sb HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
             "Content-Length: 0\r\n\r\n");
    pthread_t t;
    pthread_create(&t, NULL, client, &resp);
    butte_loop_run(loop);
    pthread_join(t, NULL);
    ck_assert_int_eq(resp.status, 405);
}
END_TEST

START_TEST(download_sends_the_bytes)
{
    get("/files/download?path=/sb/binary");
    ck_assert_int_eq(resp.status, 200);
    ck_assert_uint_eq(resp.len, 4);
    ck_assert(memcmp(resp.body, "a\xff\x00z", 4) == 0);
    ck_assert_ptr_nonnull(strstr(resp.headers, "Content-Disposition: attachment; filename=\"binary\""));
    ck_assert_ptr_nonnull(strstr(resp.headers, "Content-Type: application/octet-stream"));
    get("/files/download?path=/sb/sub/inner.txt");
    ck_assert_int_eq(resp.status, 200);
    ck_assert_str_eq(resp.body, "inner");
}
END_TEST

START_TEST(nothing_outside_is_reachable)
{
    char target[1024];
    static const char *paths[] = {
        "/sb/../secret",
        "/sb/sub/../../secret",
        "/sb/%2e%2e/secret",
        "/sb/..%2fsecret",
        "/sb/escape",         /* symlink to the secret */
        "/sb/up/secret",      /* symlink to the folder above */
        "/sb/up",
        "/sb/nonexistent",
        "/sbx",               /* not a component-wise prefix */
        "/etc/passwd",
        "/",
        "sb/stdout",          /* relative */
    };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        static const char *ep[] = { "browse", "read", "download" };
        for (size_t k = 0; k < 3; k++) {
            snprintf(target, sizeof target, "/files/%s?path=%s&offset=0", ep[k], paths[i]);
            get(target);
            ck_assert_msg(resp.status == 404, "%s answered %d", target, resp.status);
            ck_assert_ptr_null(strstr(resp.body, "top secret"));
        }
    }
    /* the real path of the sandbox is not a virtual path either */
    snprintf(target, sizeof target, "/files/read?path=%s/stdout&offset=0", sandbox);
    get(target);
    ck_assert_int_eq(resp.status, 404);
}
END_TEST

START_TEST(attach_detach_and_debug)
{
    butte_err_t err;
    char real[PATH_MAX];

    ck_assert_ptr_nonnull(realpath(sandbox, real));
    json_t *o = get_json("/files/debug", 200);
    ck_assert_str_eq(json_string_value(json_object_get(o, "/sb")), real);
    json_decref(o);

    /* the longest attached prefix wins; a file can be attached too */
    snprintf(real, sizeof real, "%s/sub", sandbox);
    ck_assert_int_eq(butte_files_attach(files, real, "/sb/sub/deeper//", &err), 0);
    o = get_json("/files/read?path=/sb/sub/deeper/inner.txt&offset=0", 200);
    ck_assert_str_eq(json_string_value(json_object_get(o, "data")), "inner");
    json_decref(o);
    snprintf(real, sizeof real, "%s/stdout", sandbox);
    ck_assert_int_eq(butte_files_attach(files, real, "/log", &err), 0);
    o = get_json("/files/read?path=/log&offset=0&length=5", 200);
    ck_assert_str_eq(json_string_value(json_object_get(o, "data")), "hello");
    json_decref(o);
    ck_assert_uint_eq(butte_files_count(files), 3);

    ck_assert_int_eq(butte_files_attach(files, "/nonexistent/x", "/x", &err), BUTTE_ENOTFOUND);
    ck_assert_int_eq(butte_files_attach(files, sandbox, "relative", &err), BUTTE_EINVAL);
    ck_assert_int_eq(butte_files_attach(files, sandbox, "/a/../b", &err), BUTTE_EINVAL);

    ck_assert_int_eq(butte_files_detach(files, "/sb/"), 0);
    ck_assert_int_eq(butte_files_detach(files, "/sb"), BUTTE_ENOTFOUND);
    get("/files/browse?path=/sb");
    ck_assert_int_eq(resp.status, 404);
    /* the deeper attachment is independent */
    get("/files/browse?path=/sb/sub/deeper");
    ck_assert_int_eq(resp.status, 200);

    /* a second prefix serves the same table */
    butte_files_route(files, http, "/slave(1)");
    get("/slave(1)/files/read?path=/log&offset=6");
    ck_assert_int_eq(resp.status, 200);
}
END_TEST

static Suite *
suite(void)
{
    Suite *s = suite_create("files");
    TCase *tc = tcase_create("files");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, browse_lists_the_sandbox);
    tcase_add_test(tc, read_offsets_and_lengths);
    tcase_add_test(tc, bad_parameters_are_400);
    tcase_add_test(tc, download_sends_the_bytes);
    tcase_add_test(tc, nothing_outside_is_reachable);
    tcase_add_test(tc, attach_detach_and_debug);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
