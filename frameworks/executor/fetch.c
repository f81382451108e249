/*
 * frameworks/executor/fetch.c - CommandInfo.uris into the sandbox.
 *
 * Local paths and file:// URIs are copied; http(s):// and ftp:// are
 * downloaded with curl(1) when it is installed.  Then: executable ⇒ mode
 * 0755 (and no extraction); otherwise archives (.tar .tar.gz .tgz .tar.bz2
 * .tbz2 .tar.xz .txz .zip, and .gz alone) are extracted into the sandbox
 * unless extract=false, with tar(1), unzip(1) or gzip(1).  output_file
 * names the fetched file (relative to the sandbox).
 *
 * Runs synchronously before the task is forked (the executor has nothing
 * else to do meanwhile); helper processes are waited for here.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "executor.h"

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Run argv with cwd dir, stdout to stderr; 0 when it exited 0. */
static int run(char *const argv[], const char *dir, char *why, size_t why_len)
{
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, why_len, "could not fork %s: %s", argv[0], strerror(errno));
        return -1;
    }
    if (pid == 0) {
        if (chdir(dir) != 0)
            _exit(126);
        dup2(STDERR_FILENO, STDOUT_FILENO);
        execvp(argv[0], argv);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            snprintf(why, why_len, "could not wait for %s: %s", argv[0], strerror(errno));
            return -1;
        }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        snprintf(why, why_len, "%s is not installed", argv[0]);
    else
        snprintf(why, why_len, "%s failed (status %d)", argv[0],
                 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    return -1;
}

static int copy_file(const char *from, const char *to, char *why, size_t why_len)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        snprintf(why, why_len, "%s", strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(in, &st) != 0 || S_ISDIR(st.st_mode)) {
        snprintf(why, why_len, "%s", S_ISDIR(st.st_mode) ? "is a directory" : strerror(errno));
        close(in);
        return -1;
    }
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, st.st_mode & 0777);
    if (out < 0) {
        snprintf(why, why_len, "cannot create \"%s\": %s", to, strerror(errno));
        close(in);
        return -1;
    }
    char buf[65536];
    ssize_t n;
    int rc = 0;
    while ((n = read(in, buf, sizeof buf)) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            snprintf(why, why_len, "read failed: %s", strerror(errno));
            rc = -1;
            break;
        }
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0) {
                snprintf(why, why_len, "write to \"%s\" failed: %s", to, strerror(errno));
                rc = -1;
                break;
            }
            off += w;
        }
        if (rc != 0)
            break;
    }
    close(in);
    if (close(out) != 0 && rc == 0) {
        snprintf(why, why_len, "write to \"%s\" failed: %s", to, strerror(errno));
        rc = -1;
    }
    return rc;
}

static int extract(const char *file, const char *dir, char *why, size_t why_len)
{
    char *f = (char *)file;
    char *d = (char *)dir;
    if (ends_with(file, ".zip")) {
        char *argv[] = { "unzip", "-o", "-q", f, "-d", d, NULL };
        return run(argv, dir, why, why_len);
    }
    if (ends_with(file, ".tar") || ends_with(file, ".tar.gz") || ends_with(file, ".tgz") ||
        ends_with(file, ".tar.bz2") || ends_with(file, ".tbz2") || ends_with(file, ".tar.xz") ||
        ends_with(file, ".txz")) {
        /* tar recognises the compression itself */
        char *argv[] = { "tar", "-C", d, "-xf", f, NULL };
        return run(argv, dir, why, why_len);
    }
    if (ends_with(file, ".gz")) {
        char *argv[] = { "gzip", "-d", "-f", "-k", f, NULL };
        return run(argv, dir, why, why_len);
    }
    return 0; /* not an archive */
}

static int fetch_one(const Mesos__V1__CommandInfo__URI *uri, const char *dir, butte_err_t *err)
{
    const char *v = uri->value;
    char why[512] = "";
    const char *base = strrchr(v, '/');
    base = base != NULL ? base + 1 : v;
    const char *name = uri->output_file != NULL && uri->output_file[0] != '\0'
                           ? uri->output_file : base;
    if (name[0] == '\0')
        return butte_err_set(err, BUTTE_EINVAL,
                             "failed to fetch \"%s\": the URI names no file", v);
    char dest[4096];
    if (name[0] == '/')
        snprintf(dest, sizeof dest, "%s", name);
    else
        snprintf(dest, sizeof dest, "%s/%s", dir, name);

    int rc;
    if (strncmp(v, "http://", 7) == 0 || strncmp(v, "https://", 8) == 0 ||
        strncmp(v, "ftp://", 6) == 0) {
        char *argv[] = { "curl", "-sSfL", "-o", dest, (char *)v, NULL };
        rc = run(argv, dir, why, sizeof why);
    } else {
        const char *path = v;
        if (strncmp(v, "file://", 7) == 0)
            path = v + 7;
        else if (strstr(v, "://") != NULL)
            return butte_err_set(err, BUTTE_EINVAL,
                                 "failed to fetch \"%s\": unsupported URI scheme", v);
        if (path[0] != '/')
            return butte_err_set(err, BUTTE_EINVAL,
                                 "failed to fetch \"%s\": not an absolute path", v);
        rc = copy_file(path, dest, why, sizeof why);
    }
    if (rc != 0)
        return butte_err_set(err, BUTTE_EIO, "failed to fetch \"%s\": %s", v, why);

    if (uri->has_executable && uri->executable) {
        if (chmod(dest, 0755) != 0)
            return butte_err_set(err, BUTTE_EIO, "failed to fetch \"%s\": chmod: %s", v,
                                 strerror(errno));
        return 0;
    }
    if (!uri->has_extract || uri->extract) {
        if (extract(dest, dir, why, sizeof why) != 0)
            return butte_err_set(err, BUTTE_EIO, "failed to extract \"%s\": %s", v, why);
    }
    return 0;
}

int fetch_uris(const Mesos__V1__CommandInfo *command, const char *dir, butte_err_t *err)
{
    for (size_t i = 0; i < command->n_uris; i++) {
        int rc = fetch_one(command->uris[i], dir, err);
        if (rc != 0)
            return rc;
        fprintf(stderr, "mesos-executor: fetched \"%s\"\n", command->uris[i]->value);
    }
    return 0;
}
