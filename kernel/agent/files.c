/*
 * kernel/agent/files.c - /files/browse, /files/read, /files/download and
 * /files/debug over attached folders (files-internal.h).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "agent/files-internal.h"
#include "core/strmap-internal.h"

typedef struct attachment {
    struct attachment *next;
    struct attachment **pprev; /* the link pointing here */
    butte_pool_t *pool;   /* this entry and its strings; dies on detach */
    char *virtual_path;   /* normalized: "/a/b", or "/" */
    char *real;           /* realpath at attach time */
} attachment_t;

struct butte_files {
    butte_pool_t *pool;
    attachment_t *list;
    butte_strmap_t by_vpath; /* attach/detach run per launch: no list walks */
};

static void
index_add(butte_files_t *files, attachment_t *a)
{
    butte_strmap_put(&files->by_vpath, a->virtual_path, a);
    a->next = files->list;
    if (a->next)
        a->next->pprev = &a->next;
    files->list = a;
    a->pprev = &files->list;
}

/* A request's path, resolved. */
typedef struct target {
    const char *virtual_path; /* normalized request path */
    char *real;               /* realpath, inside its attachment */
    struct stat st;
} target_t;

/*
 * Normalize an absolute path: collapse "//", drop "." components and
 * trailing slashes.  NULL for a relative path or one with a ".."
 * component: climbing is never resolved lexically (a symlink could make
 * that wrong), it is refused.
 */
static char *
normalize(butte_pool_t *pool, const char *path)
{
    size_t len = strlen(path);
    char *out = butte_pool_alloc(pool, len + 2), *o = out;

    if (path[0] != '/')
        return NULL;
    for (const char *p = path; *p != '\0';) {
        while (*p == '/')
            p++;
        const char *end = strchr(p, '/');
        if (end == NULL)
            end = p + strlen(p);
        size_t n = (size_t)(end - p);
        if (n == 0)
            break;
        if (n == 2 && p[0] == '.' && p[1] == '.')
            return NULL;
        if (!(n == 1 && p[0] == '.')) {
            *o++ = '/';
            memcpy(o, p, n);
            o += n;
        }
        p = end;
    }
    if (o == out)
        *o++ = '/';
    *o = '\0';
    return out;
}

/* Whether inner is outer or below it, on a component boundary. */
static bool
under(const char *inner, const char *outer)
{
    size_t n = strlen(outer);

    if (strcmp(outer, "/") == 0)
        return inner[0] == '/';
    return strncmp(inner, outer, n) == 0 && (inner[n] == '\0' || inner[n] == '/');
}

static attachment_t *
longest_match(butte_files_t *files, const char *vpath)
{
    attachment_t *best = NULL;

    for (attachment_t *a = files->list; a != NULL; a = a->next)
        if (under(vpath, a->virtual_path) &&
            (best == NULL || strlen(a->virtual_path) > strlen(best->virtual_path)))
            best = a;
    return best;
}

/*
 * Resolve a request path to a real file inside its attachment.  Returns
 * 0, 400 (no path) or 404 (anything else: not attached, "..", missing,
 * or a symlink out of the attachment).
 */
static int
resolve(butte_files_t *files, butte_pool_t *pool, const char *param, target_t *t)
{
    char buf[PATH_MAX];

    if (param == NULL || param[0] == '\0')
        return 400;
    t->virtual_path = normalize(pool, param);
    if (t->virtual_path == NULL)
        return 404;
    attachment_t *a = longest_match(files, t->virtual_path);
    if (a == NULL)
        return 404;
    const char *rest = t->virtual_path + (strcmp(a->virtual_path, "/") == 0
                                              ? 0 : strlen(a->virtual_path));
    char *joined = butte_pool_printf(pool, "%s%s", a->real, rest);
    if (realpath(joined, buf) == NULL || !under(buf, a->real))
        return 404;
    if (stat(buf, &t->st) != 0)
        return 404;
    t->real = butte_pool_strdup(pool, buf);
    return 0;
}

static void
reply_path_error(butte_http_req_t *req, int status)
{
    if (status == 400)
        butte_http_reply_text(req, 400, "Expecting 'path=value' in query.\n");
    else
        butte_http_reply_text(req, 404, "path not found\n");
}

/* "drwxr-xr-x", as ls -l and Mesos print a mode. */
static void
mode_string(mode_t m, char out[11])
{
    out[0] = S_ISDIR(m) ? 'd' : S_ISLNK(m) ? 'l' : S_ISCHR(m) ? 'c' : S_ISBLK(m) ? 'b'
           : S_ISFIFO(m) ? 'p' : S_ISSOCK(m) ? 's' : '-';
    const char *rwx = "rwxrwxrwx";
    for (int i = 0; i < 9; i++)
        out[1 + i] = (m & (1u << (8 - i))) ? rwx[i] : '-';
    if (m & S_ISUID)
        out[3] = (m & S_IXUSR) ? 's' : 'S';
    if (m & S_ISGID)
        out[6] = (m & S_IXGRP) ? 's' : 'S';
    if (m & S_ISVTX)
        out[9] = (m & S_IXOTH) ? 't' : 'T';
    out[10] = '\0';
}

static json_t *
file_info(const char *vpath, const struct stat *st)
{
    char mode[11], num[32];
    struct passwd *pw = getpwuid(st->st_uid);
    struct group *gr = getgrgid(st->st_gid);
    const char *uid = pw != NULL ? pw->pw_name : NULL, *gid = gr != NULL ? gr->gr_name : NULL;
    json_t *o = json_object();

    mode_string(st->st_mode, mode);
    json_object_set_new(o, "path", json_string(vpath));
    json_object_set_new(o, "nlink", json_integer((json_int_t)st->st_nlink));
    json_object_set_new(o, "size", json_integer((json_int_t)st->st_size));
    json_object_set_new(o, "mtime", json_real((double)st->st_mtim.tv_sec +
                                              (double)st->st_mtim.tv_nsec / 1e9));
    json_object_set_new(o, "mode", json_string(mode));
    /* Unknown ids show as numbers, as ls does. */
    if (uid == NULL) {
        snprintf(num, sizeof num, "%u", (unsigned)st->st_uid);
        uid = num;
    }
    json_object_set_new(o, "uid", json_string(uid));
    if (gid == NULL) {
        snprintf(num, sizeof num, "%u", (unsigned)st->st_gid);
        gid = num;
    }
    json_object_set_new(o, "gid", json_string(gid));
    return o;
}

static int
cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
handle_browse(butte_http_req_t *req, void *arg)
{
    butte_files_t *files = arg;
    butte_pool_t *pool = butte_http_req_pool(req);
    target_t t;
    int status = resolve(files, pool, butte_http_req_param(req, "path"), &t);

    if (status != 0) {
        reply_path_error(req, status);
        return;
    }
    json_t *arr = json_array();
    if (!S_ISDIR(t.st.st_mode)) {
        json_array_append_new(arr, file_info(t.virtual_path, &t.st));
        butte_http_reply_json(req, 200, arr);
        return;
    }
    DIR *dir = opendir(t.real);
    if (dir == NULL) {
        json_decref(arr);
        butte_http_reply_text(req, 500, "cannot list \"%s\": %s\n", t.virtual_path,
                              strerror(errno));
        return;
    }
    /* Collect, sort (readdir order is arbitrary), then stat each. */
    size_t n = 0, cap = 64;
    char **names = malloc(cap * sizeof *names);
    struct dirent *de;
    while (names != NULL && (de = readdir(dir)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (n == cap) {
            char **grown = realloc(names, (cap *= 2) * sizeof *names);
            if (grown == NULL)
                break;
            names = grown;
        }
        names[n++] = butte_pool_strdup(pool, de->d_name);
    }
    closedir(dir);
    if (names == NULL) {
        json_decref(arr);
        butte_http_reply_text(req, 500, "out of memory\n");
        return;
    }
    qsort(names, n, sizeof *names, cmp_name);
    const char *sep = strcmp(t.virtual_path, "/") == 0 ? "" : "/";
    for (size_t i = 0; i < n; i++) {
        char *real = butte_pool_printf(pool, "%s/%s", t.real, names[i]);
        char resolved[PATH_MAX];
        struct stat st;
        if (lstat(real, &st) != 0)
            continue; /* removed while we listed */
        /* A symlink shows its target only when the target stays inside. */
        if (S_ISLNK(st.st_mode) && realpath(real, resolved) != NULL) {
            char *root = t.real;
            attachment_t *a = longest_match(files, t.virtual_path);
            if (a != NULL)
                root = a->real;
            struct stat tst;
            if (under(resolved, root) && stat(resolved, &tst) == 0)
                st = tst;
        }
        json_array_append_new(
            arr, file_info(butte_pool_printf(pool, "%s%s%s", t.virtual_path, sep, names[i]), &st));
    }
    free(names);
    butte_http_reply_json(req, 200, arr);
}

/* Parse an optional signed integer parameter; false for garbage. */
static bool
parse_num(const char *text, long long *out)
{
    char *end;

    if (text == NULL)
        return true;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (text[0] == '\0' || *end != '\0' || errno != 0)
        return false;
    *out = v;
    return true;
}

/*
 * Bytes as a JSON string.  JSON strings are Unicode, a file is bytes: a
 * byte that is not part of valid UTF-8 becomes U+FFFD (so does a
 * character cut at the edge of the window).
 */
static json_t *
bytes_string(butte_pool_t *pool, const char *data, size_t n)
{
    json_t *s = json_stringn(data, n);
    if (s != NULL)
        return s;
    char *out = butte_pool_alloc(pool, n * 3 + 1), *o = out;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)data[i];
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        json_t *probe = len != 0 && i + len <= n ? json_stringn(data + i, len) : NULL;
        if (probe != NULL) {
            memcpy(o, data + i, len);
            o += len;
            i += len;
            json_decref(probe);
        } else {
            json_decref(probe);
            memcpy(o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
        }
    }
    return json_stringn(out, (size_t)(o - out));
}

static void
handle_read(butte_http_req_t *req, void *arg)
{
    butte_files_t *files = arg;
    butte_pool_t *pool = butte_http_req_pool(req);
    long long offset = -1, length = -1;
    target_t t;

    if (!parse_num(butte_http_req_param(req, "offset"), &offset)) {
        butte_http_reply_text(req, 400, "Failed to parse offset: '%s'\n",
                              butte_http_req_param(req, "offset"));
        return;
    }
    if (!parse_num(butte_http_req_param(req, "length"), &length)) {
        butte_http_reply_text(req, 400, "Failed to parse length: '%s'\n",
                              butte_http_req_param(req, "length"));
        return;
    }
    if (offset < -1) {
        butte_http_reply_text(req, 400, "Negative offset provided: %lld\n", offset);
        return;
    }
    if (length < -1) {
        butte_http_reply_text(req, 400, "Negative length provided: %lld\n", length);
        return;
    }
    int status = resolve(files, pool, butte_http_req_param(req, "path"), &t);
    if (status != 0) {
        reply_path_error(req, status);
        return;
    }
    if (S_ISDIR(t.st.st_mode)) {
        butte_http_reply_text(req, 400, "Cannot read a directory\n");
        return;
    }
    long long size = (long long)t.st.st_size;
    json_t *o = json_object();
    /* offset -1: the client asks where the end is (tailing starts there). */
    if (offset == -1) {
        json_object_set_new(o, "data", json_string(""));
        json_object_set_new(o, "offset", json_integer(size));
        butte_http_reply_json(req, 200, o);
        return;
    }
    long long max = 16LL * sysconf(_SC_PAGESIZE);
    if (length == -1 || length > max)
        length = max;
    if (offset >= size)
        length = 0;
    else if (length > size - offset)
        length = size - offset;
    char *buf = butte_pool_alloc(pool, (size_t)length + 1);
    ssize_t got = 0;
    if (length > 0) {
        int fd = open(t.real, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        got = fd < 0 ? -1 : pread(fd, buf, (size_t)length, (off_t)offset);
        if (fd >= 0)
            close(fd);
        if (got < 0) {
            json_decref(o);
            butte_http_reply_text(req, 500, "cannot read \"%s\": %s\n", t.virtual_path,
                                  strerror(errno));
            return;
        }
    }
    json_object_set_new(o, "data", bytes_string(pool, buf, (size_t)got));
    json_object_set_new(o, "offset", json_integer(offset));
    butte_http_reply_json(req, 200, o);
}

static void
handle_download(butte_http_req_t *req, void *arg)
{
    butte_files_t *files = arg;
    butte_pool_t *pool = butte_http_req_pool(req);
    target_t t;
    int status = resolve(files, pool, butte_http_req_param(req, "path"), &t);

    if (status != 0) {
        reply_path_error(req, status);
        return;
    }
    if (S_ISDIR(t.st.st_mode)) {
        butte_http_reply_text(req, 400, "Cannot download a directory.\n");
        return;
    }
    int fd = open(t.real, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    size_t size = (size_t)t.st.st_size, got = 0;
    char *buf = butte_pool_alloc(pool, size + 1);
    while (fd >= 0 && got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break; /* shrank while we read: send what is there */
        got += (size_t)r;
    }
    if (fd < 0) {
        butte_http_reply_text(req, 500, "cannot open \"%s\": %s\n", t.virtual_path,
                              strerror(errno));
        return;
    }
    close(fd);
    const char *base = strrchr(t.virtual_path, '/');
    base = base != NULL ? base + 1 : t.virtual_path;
    /* The name is quoted; a quote or backslash in it would end the value. */
    char *name = butte_pool_strdup(pool, base);
    for (char *p = name; *p != '\0'; p++)
        if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
            *p = '_';
    butte_http_add_header(req, "Content-Disposition",
                          butte_pool_printf(pool, "attachment; filename=\"%s\"", name));
    butte_http_reply(req, 200, "application/octet-stream", buf, got);
}

static void
handle_debug(butte_http_req_t *req, void *arg)
{
    butte_files_t *files = arg;
    json_t *o = json_object();

    for (attachment_t *a = files->list; a != NULL; a = a->next)
        json_object_set_new(o, a->virtual_path, json_string(a->real));
    butte_http_reply_json(req, 200, o);
}

void
butte_files_route(butte_files_t *files, butte_http_t *http, const char *prefix)
{
    static const struct {
        const char *path;
        butte_http_handler_fn fn;
    } routes[] = {
        { "/files/browse", handle_browse },
        { "/files/read", handle_read },
        { "/files/download", handle_download },
        { "/files/debug", handle_debug },
    };

    if (prefix == NULL)
        prefix = "";
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s%s", prefix, routes[i].path);
        butte_http_route(http, path, BUTTE_HTTP_GET | BUTTE_HTTP_HEAD, false, routes[i].fn,
                         files);
    }
}

butte_files_t *
butte_agent_files_register(butte_pool_t *pool, butte_http_t *http, const char *prefix)
{
    butte_files_t *files = butte_pool_alloc(pool, sizeof *files);

    files->pool = pool;
    butte_strmap_init(&files->by_vpath, pool);
    butte_files_route(files, http, prefix);
    return files;
}

int
butte_files_attach(butte_files_t *files, const char *real_path, const char *virtual_path,
                   butte_err_t *err)
{
    char buf[PATH_MAX];
    butte_pool_t *pool = butte_pool_create(files->pool);
    char *vpath = normalize(pool, virtual_path);

    if (vpath == NULL) {
        butte_pool_destroy(pool);
        return butte_err_set(err, BUTTE_EINVAL,
                             "virtual path \"%s\" must be absolute, without \"..\"",
                             virtual_path);
    }
    if (realpath(real_path, buf) == NULL) {
        butte_pool_destroy(pool);
        return butte_err_set(err, BUTTE_ENOTFOUND, "cannot attach \"%s\": %s", real_path,
                             strerror(errno));
    }
    butte_files_detach(files, vpath);
    attachment_t *a = butte_pool_alloc(pool, sizeof *a);
    a->pool = pool;
    a->virtual_path = vpath;
    a->real = butte_pool_strdup(pool, buf);
    index_add(files, a);
    return 0;
}

int
butte_files_detach(butte_files_t *files, const char *virtual_path)
{
    butte_pool_t *scratch = butte_pool_create(NULL);
    char *vpath = normalize(scratch, virtual_path);
    int rc = BUTTE_ENOTFOUND;

    attachment_t *a = vpath != NULL ? butte_strmap_del(&files->by_vpath, vpath) : NULL;

    if (a != NULL) {
        *a->pprev = a->next;
        if (a->next)
            a->next->pprev = a->pprev;
        butte_pool_destroy(a->pool);
        rc = 0;
    }
    butte_pool_destroy(scratch);
    return rc;
}

size_t
butte_files_count(const butte_files_t *files)
{
    return butte_strmap_count(&files->by_vpath);
}
