/*
 * kernel/agent/checkpoint.c - task.info and task.updates under
 * work_dir/meta (checkpoint-internal.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <butte/pbjson.h>

#include "agent/checkpoint-internal.h"

struct butte_ckpt_file {
    int fd;
    char *path;
};

char *
butte_ckpt_run_dir(butte_pool_t *pool, const char *work_dir, const char *agent_id,
                   const char *framework_id, const char *executor_id, const char *container_id)
{
    return butte_pool_printf(pool, "%s/meta/slaves/%s/frameworks/%s/executors/%s/runs/%s",
                             work_dir, agent_id, framework_id, executor_id, container_id);
}

/* mkdir -p of the folder that holds path's last component (or of path). */
static int
make_parents(const char *path, bool self, butte_err_t *err)
{
    size_t n = strlen(path);
    char *buf = malloc(n + 1);

    if (!buf)
        abort(); /* heap exhaustion is fatal everywhere (pool.h) */
    memcpy(buf, path, n + 1);
    if (!self) {
        char *slash = strrchr(buf, '/');
        if (!slash || slash == buf) {
            free(buf);
            return BUTTE_OK;
        }
        *slash = '\0';
    }
    for (char *p = buf + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
            int rc = butte_err_set(err, BUTTE_EIO, "cannot create \"%s\": %s", buf,
                                   strerror(errno));
            free(buf);
            return rc;
        }
        if (c == '\0')
            break;
        *p = c;
    }
    free(buf);
    return BUTTE_OK;
}

/* write(2) all of it, across short writes and EINTR. */
static int
write_all(int fd, const void *data, size_t len)
{
    const uint8_t *p = data;

    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

int
butte_ckpt_write_file(const char *path, const void *data, size_t len, butte_err_t *err)
{
    char tmp[4096];
    int fd;

    if (make_parents(path, false, err) != 0)
        return err->code;
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
        return butte_err_set(err, BUTTE_EINVAL, "path too long: \"%s\"", path);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return butte_err_set(err, BUTTE_EIO, "cannot create \"%s\": %s", tmp, strerror(errno));
    if (write_all(fd, data, len) != 0 || fsync(fd) != 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        return butte_err_set(err, BUTTE_EIO, "cannot write \"%s\": %s", tmp, strerror(e));
    }
    close(fd);
    /* rename is what makes the new content appear whole or not at all */
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return butte_err_set(err, BUTTE_EIO, "cannot rename \"%s\": %s", tmp, strerror(e));
    }
    return BUTTE_OK;
}

butte_ckpt_file_t *
butte_ckpt_open(butte_pool_t *pool, const char *dir, butte_err_t *err)
{
    butte_ckpt_file_t *f;
    char *path = butte_pool_printf(pool, "%s/task.updates", dir);
    int fd;

    if (make_parents(dir, true, err) != 0)
        return NULL;
    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        butte_err_set(err, BUTTE_EIO, "cannot open \"%s\": %s", path, strerror(errno));
        return NULL;
    }
    f = butte_pool_alloc(pool, sizeof *f);
    f->fd = fd;
    f->path = path;
    return f;
}

int
butte_ckpt_append(butte_ckpt_file_t *f, int type, const void *data, size_t len,
                  butte_err_t *err)
{
    uint8_t *rec;
    size_t n = 5 + len;
    uint32_t body = (uint32_t)(len + 1);

    if (type != BUTTE_CKPT_UPDATE && type != BUTTE_CKPT_ACK)
        return butte_err_set(err, BUTTE_EINVAL, "unknown checkpoint record type %d", type);
    rec = malloc(n);
    if (!rec)
        abort();
    rec[0] = (uint8_t)body;
    rec[1] = (uint8_t)(body >> 8);
    rec[2] = (uint8_t)(body >> 16);
    rec[3] = (uint8_t)(body >> 24);
    rec[4] = (uint8_t)type;
    if (len)
        memcpy(rec + 5, data, len);
    /* one write: with O_APPEND a record is never interleaved with another */
    int rc = write_all(f->fd, rec, n) == 0 && fdatasync(f->fd) == 0 ? 0 : -1;
    free(rec);
    if (rc != 0)
        return butte_err_set(err, BUTTE_EIO, "cannot append to \"%s\": %s", f->path,
                             strerror(errno));
    return BUTTE_OK;
}

void
butte_ckpt_close(butte_ckpt_file_t *f)
{
    if (f && f->fd >= 0) {
        close(f->fd);
        f->fd = -1;
    }
}

/* ------------------------------------------------------------ reading */

static uint8_t *
slurp(butte_pool_t *pool, const char *path, size_t *len, butte_err_t *err)
{
    FILE *fp = fopen(path, "rb");
    struct stat st;
    uint8_t *buf;

    if (!fp) {
        if (errno == ENOENT)
            butte_err_set(err, BUTTE_ENOTFOUND, "\"%s\" does not exist", path);
        else
            butte_err_set(err, BUTTE_EIO, "cannot open \"%s\": %s", path, strerror(errno));
        return NULL;
    }
    if (fstat(fileno(fp), &st) != 0) {
        butte_err_set(err, BUTTE_EIO, "cannot stat \"%s\": %s", path, strerror(errno));
        fclose(fp);
        return NULL;
    }
    buf = butte_pool_alloc(pool, (size_t)st.st_size + 1);
    *len = fread(buf, 1, (size_t)st.st_size, fp);
    if (ferror(fp)) {
        butte_err_set(err, BUTTE_EIO, "cannot read \"%s\"", path);
        fclose(fp);
        return NULL;
    }
    fclose(fp);
    return buf;
}

static void
push(butte_pool_t *pool, Butte__Internal__StatusUpdate ***arr, size_t *n,
     Butte__Internal__StatusUpdate *u)
{
    /* arrays grow by doubling; the old ones stay in the pool until it goes */
    if ((*n & (*n - 1)) == 0) {
        size_t cap = *n ? *n * 2 : 4;
        Butte__Internal__StatusUpdate **grown = butte_pool_alloc(pool, cap * sizeof *grown);
        if (*n)
            memcpy(grown, *arr, *n * sizeof *grown);
        *arr = grown;
    }
    (*arr)[(*n)++] = u;
}

int
butte_ckpt_read(butte_pool_t *pool, const char *path, butte_ckpt_stream_t *out,
                butte_err_t *err)
{
    size_t len = 0, off = 0;
    uint8_t *buf;
    ProtobufCAllocator alloc;

    memset(out, 0, sizeof *out);
    if (!(buf = slurp(pool, path, &len, err)))
        return err->code;
    butte_pb_allocator(pool, &alloc);
    while (off < len) {
        if (len - off < 5) {
            out->torn = true;
            break;
        }
        uint32_t body = (uint32_t)buf[off] | (uint32_t)buf[off + 1] << 8 |
                        (uint32_t)buf[off + 2] << 16 | (uint32_t)buf[off + 3] << 24;
        if (body == 0 || body - 1 > len - off - 5) {
            out->torn = true; /* the crash cut the last record */
            break;
        }
        int type = buf[off + 4];
        const uint8_t *data = buf + off + 5;
        size_t dlen = body - 1;
        if (type == BUTTE_CKPT_UPDATE) {
            Butte__Internal__StatusUpdate *u =
                butte__internal__status_update__unpack(&alloc, dlen, data);
            if (!u || !u->status || !u->status->has_uuid || u->status->uuid.len != 16)
                return butte_err_set(err, BUTTE_EINVAL,
                                     "\"%s\": the update at byte %zu does not unpack", path, off);
            push(pool, &out->updates, &out->n_updates, u);
            push(pool, &out->pending, &out->n_pending, u);
        } else if (type == BUTTE_CKPT_ACK) {
            bool found = false;
            if (dlen != 16)
                return butte_err_set(err, BUTTE_EINVAL,
                                     "\"%s\": the acknowledgement at byte %zu is not 16 bytes",
                                     path, off);
            for (size_t i = 0; i < out->n_pending && !found; i++) {
                if (memcmp(out->pending[i]->status->uuid.data, data, 16) != 0)
                    continue;
                memmove(out->pending + i, out->pending + i + 1,
                        (out->n_pending - i - 1) * sizeof *out->pending);
                out->n_pending--;
                found = true;
            }
            if (found)
                out->n_acks++;
            else
                out->n_stray_acks++;
        } else {
            return butte_err_set(err, BUTTE_EINVAL, "\"%s\": unknown record type %d at byte %zu",
                                 path, type, off);
        }
        off += 5 + dlen;
    }
    return BUTTE_OK;
}

size_t
butte_ckpt_scan(const char *work_dir, const char *agent_id, butte_ckpt_scan_fn fn, void *arg)
{
    char pattern[4096];
    glob_t g;
    size_t n = 0;

    if ((size_t)snprintf(pattern, sizeof pattern,
                         "%s/meta/slaves/%s/frameworks/*/executors/*/runs/*/tasks/*/task.updates",
                         work_dir, agent_id) >= sizeof pattern)
        return 0;
    if (glob(pattern, GLOB_NOSORT, NULL, &g) != 0)
        return 0;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        /* runs/latest is an alias of a run already listed */
        if (strstr(g.gl_pathv[i], "/runs/latest/"))
            continue;
        n++;
        if (fn)
            fn(arg, g.gl_pathv[i]);
    }
    globfree(&g);
    return n;
}
