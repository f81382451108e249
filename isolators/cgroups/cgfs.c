/*
 * isolators/cgroups/cgfs.c - cgroupfs helpers (see cgfs.h).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "isolators/cgroups/cgfs.h"

/* From linux/magic.h, spelled out so the build needs no kernel headers. */
#define CGROUP_MAGIC 0x27e0ebUL
#define CGROUP2_MAGIC 0x63677270UL

static bool
fs_is(const char *dir, unsigned long magic)
{
    struct statfs s;

    return statfs(dir, &s) == 0 && (unsigned long)s.f_type == magic;
}

bool
butte_cgfs_is_v2(const char *dir)
{
    return fs_is(dir, CGROUP2_MAGIC);
}

bool
butte_cgfs_is_v1(const char *dir)
{
    return fs_is(dir, CGROUP_MAGIC);
}

int
butte_cgfs_mkdir(const char *dir, butte_err_t *err)
{
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return butte_err_set(err, errno == EACCES || errno == EPERM || errno == EROFS
                                      ? BUTTE_EPERM : BUTTE_EIO,
                             "cannot create cgroup %s: %s", dir, strerror(errno));
    return 0;
}

int
butte_cgfs_write(const char *dir, const char *file, const char *value, butte_err_t *err)
{
    char path[4096];
    size_t len = strlen(value);

    snprintf(path, sizeof path, "%s/%s", dir, file);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return butte_err_set(err, BUTTE_EIO, "cannot open %s: %s", path, strerror(errno));
    /* cgroupfs takes a value in one write(); a short write is an error. */
    ssize_t n = write(fd, value, len);
    int saved = errno;
    close(fd);
    if (n != (ssize_t)len)
        return butte_err_set(err, BUTTE_EIO, "cannot write \"%s\" to %s: %s", value, path,
                             n < 0 ? strerror(saved) : "short write");
    return 0;
}

int
butte_cgfs_read(const char *dir, const char *file, char *buf, size_t size, butte_err_t *err)
{
    char path[4096];
    size_t got = 0;

    snprintf(path, sizeof path, "%s/%s", dir, file);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return butte_err_set(err, BUTTE_EIO, "cannot open %s: %s", path, strerror(errno));
    while (got + 1 < size) {
        ssize_t n = read(fd, buf + got, size - 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int saved = errno;
            close(fd);
            return butte_err_set(err, BUTTE_EIO, "cannot read %s: %s", path, strerror(saved));
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    buf[got] = '\0';
    return 0;
}

int
butte_cgfs_read_u64(const char *dir, const char *file, uint64_t *out, butte_err_t *err)
{
    char buf[64], *end;

    if (butte_cgfs_read(dir, file, buf, sizeof buf, err) != 0)
        return err != NULL ? err->code : BUTTE_EIO;
    if (strncmp(buf, "max", 3) == 0) {
        *out = UINT64_MAX;
        return 0;
    }
    errno = 0;
    *out = strtoull(buf, &end, 10);
    if (errno != 0 || end == buf)
        return butte_err_set(err, BUTTE_EINVAL, "%s/%s: not a number: \"%.20s\"", dir, file,
                             buf);
    return 0;
}

bool
butte_cgfs_key(const char *text, const char *key, uint64_t *out)
{
    size_t klen = strlen(key);

    for (const char *p = text; p != NULL && *p != '\0';) {
        if (strncmp(p, key, klen) == 0 && p[klen] == ' ') {
            *out = strtoull(p + klen + 1, NULL, 10);
            return true;
        }
        p = strchr(p, '\n');
        if (p != NULL)
            p++;
    }
    return false;
}

uint32_t
butte_cgfs_count(const char *dir, const char *file)
{
    char path[4096];
    uint32_t n = 0;
    int ch;

    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return 0;
    while ((ch = getc(f)) != EOF)
        if (ch == '\n')
            n++;
    fclose(f);
    return n;
}

int
butte_cgfs_attach(const char *dir, pid_t pid, butte_err_t *err)
{
    char v[32];

    snprintf(v, sizeof v, "%d", (int)pid);
    return butte_cgfs_write(dir, "cgroup.procs", v, err);
}

static double
mono(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* SIGKILL every pid listed in dir/cgroup.procs. */
static void
kill_all(const char *dir)
{
    char path[4096];
    int pid;

    snprintf(path, sizeof path, "%s/cgroup.procs", dir);
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return;
    while (fscanf(f, "%d", &pid) == 1)
        if (pid > 0)
            kill(pid, SIGKILL);
    fclose(f);
}

int
butte_cgfs_children(const char *dir, void (*fn)(void *arg, const char *name), void *arg,
                    butte_err_t *err)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    if (d == NULL) {
        if (errno == ENOENT)
            return 0;
        return butte_err_set(err, BUTTE_EIO, "cannot list cgroup %s: %s", dir, strerror(errno));
    }
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        /* cgroupfs fills d_type; stat only where a file system does not. */
        if (e->d_type == DT_UNKNOWN) {
            char path[4096];
            struct stat st;
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
                continue;
        } else if (e->d_type != DT_DIR) {
            continue;
        }
        fn(arg, e->d_name);
    }
    closedir(d);
    return 0;
}

typedef struct tree {
    const char *dir;
    double deadline, secs;
    int rc;
    butte_err_t *err;
} tree_t;

static int destroy_one(const char *dir, double deadline, double secs, butte_err_t *err);

static void
destroy_child(void *arg, const char *name)
{
    tree_t *t = arg;
    char path[4096];

    if (t->rc != 0)
        return;
    snprintf(path, sizeof path, "%s/%s", t->dir, name);
    t->rc = destroy_one(path, t->deadline, t->secs, t->err);
}

static int
destroy_one(const char *dir, double deadline, double secs, butte_err_t *err)
{
    struct timespec pause = { 0, 10 * 1000 * 1000 };
    tree_t t = { dir, deadline, secs, 0, err };
    char path[4096];

    /* cgroup.kill (v2, Linux 5.14+) kills the whole subtree at once, with
     * no race against fork; elsewhere the loop below kills and retries. */
    snprintf(path, sizeof path, "%s/cgroup.kill", dir);
    if (access(path, W_OK) == 0)
        butte_cgfs_write(dir, "cgroup.kill", "1", NULL);
    if (butte_cgfs_children(dir, destroy_child, &t, err) != 0)
        return err != NULL ? err->code : BUTTE_EIO;
    if (t.rc != 0)
        return t.rc;
    /* A process may fork between our read of cgroup.procs and its kill,
     * and killed processes take a moment to leave: kill and retry. */
    for (;;) {
        if (rmdir(dir) == 0 || errno == ENOENT)
            return 0;
        if (errno != EBUSY)
            return butte_err_set(err, BUTTE_EIO, "cannot remove cgroup %s: %s", dir,
                                 strerror(errno));
        if (mono() > deadline)
            return butte_err_set(err, BUTTE_EAGAIN,
                                 "cannot remove cgroup %s: still busy after %.1f s "
                                 "(%u processes left)",
                                 dir, secs, butte_cgfs_count(dir, "cgroup.procs"));
        kill_all(dir);
        nanosleep(&pause, NULL);
    }
}

int
butte_cgfs_destroy(const char *dir, double deadline_secs, butte_err_t *err)
{
    return destroy_one(dir, mono() + deadline_secs, deadline_secs, err);
}
