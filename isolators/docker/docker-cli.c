/*
 * isolators/docker/docker-cli.c - running the docker CLI (docker-cli.h).
 */
/* memfd_create(2) */
#define _GNU_SOURCE 1
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "isolators/docker/docker-cli.h"

struct butte_docker_cmd {
    pid_t pid;
    int out_fd, err_fd;   /* memfds, -1 when inherited */
    butte_watch_t *watch;
    butte_docker_done_fn fn; /* NULL once abandoned */
    void *arg;
};

/* ------------------------------------------------------------ spawning */

/* The full argv: docker [-H unix://socket] args... (from pool). */
static char **
full_argv(butte_pool_t *pool, const butte_docker_t *d, const char *const *args)
{
    size_t n = 0, i = 0;
    char **argv;

    while (args[n] != NULL)
        n++;
    argv = butte_pool_alloc(pool, (n + 4) * sizeof *argv);
    argv[i++] = (char *)d->docker;
    if (d->socket != NULL && d->socket[0] != '\0') {
        argv[i++] = "-H";
        argv[i++] = butte_pool_printf(pool, "unix://%s", d->socket);
    }
    for (size_t k = 0; k < n; k++)
        argv[i++] = (char *)args[k];
    argv[i] = NULL;
    return argv;
}

/* In the child, after fork: async-signal-safe calls only (the agent may
 * have other threads), everything prepared by the parent. */
static void
child(char **argv, int out_fd, int err_fd, int devnull)
{
    sigset_t none;

    signal(SIGPIPE, SIG_DFL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (devnull >= 0)
        dup2(devnull, STDIN_FILENO);
    if (out_fd >= 0)
        dup2(out_fd, STDOUT_FILENO);
    if (err_fd >= 0)
        dup2(err_fd, STDERR_FILENO);
    /* the caller's sockets and files are not docker's business */
    if (syscall(SYS_close_range, 3u, ~0u, 0u) != 0)
        for (int fd = 3; fd < 1024; fd++)
            close(fd);
    execvp(argv[0], argv);
    {
        static const char m[] = "cannot run the docker program: ";
        const char *e = strerror(errno);
        if (write(STDERR_FILENO, m, sizeof m - 1) < 0 || write(STDERR_FILENO, argv[0],
                                                              strlen(argv[0])) < 0 ||
            write(STDERR_FILENO, ": ", 2) < 0 || write(STDERR_FILENO, e, strlen(e)) < 0) {
            /* nowhere left to say it */
        }
    }
    _exit(127);
}

/* Fork docker; out_fd and err_fd become memfds unless inherit. */
static pid_t
spawn(const butte_docker_t *d, const char *const *args, bool inherit, int *out_fd, int *err_fd,
      butte_err_t *err)
{
    butte_pool_t *tmp = butte_pool_create(NULL);
    char **argv = full_argv(tmp, d, args);
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    pid_t pid;

    *out_fd = *err_fd = -1;
    if (!inherit) {
        *out_fd = memfd_create("docker-stdout", MFD_CLOEXEC);
        *err_fd = memfd_create("docker-stderr", MFD_CLOEXEC);
        if (*out_fd < 0 || *err_fd < 0) {
            butte_err_set(err, BUTTE_EIO, "memfd_create: %s", strerror(errno));
            goto fail;
        }
    }
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid < 0) {
        butte_err_set(err, BUTTE_EIO, "cannot start %s: fork: %s", d->docker, strerror(errno));
        goto fail;
    }
    if (pid == 0)
        child(argv, *out_fd, *err_fd, devnull);
    if (devnull >= 0)
        close(devnull);
    butte_pool_destroy(tmp);
    return pid;
fail:
    if (devnull >= 0)
        close(devnull);
    if (*out_fd >= 0)
        close(*out_fd);
    if (*err_fd >= 0)
        close(*err_fd);
    *out_fd = *err_fd = -1;
    butte_pool_destroy(tmp);
    return -1;
}

/* What fd holds (at most BUTTE_DOCKER_OUTPUT_MAX bytes), from pool. */
static char *
slurp(butte_pool_t *pool, int fd)
{
    char *buf = butte_pool_alloc(pool, BUTTE_DOCKER_OUTPUT_MAX + 1);
    size_t len = 0;

    while (fd >= 0 && len < BUTTE_DOCKER_OUTPUT_MAX) {
        ssize_t r = pread(fd, buf + len, BUTTE_DOCKER_OUTPUT_MAX - len, (off_t)len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    buf[len] = '\0';
    return buf;
}

static void
cmd_free(butte_docker_cmd_t *c)
{
    if (c->out_fd >= 0)
        close(c->out_fd);
    if (c->err_fd >= 0)
        close(c->err_fd);
    free(c);
}

/* ------------------------------------------------------------ asynchronous */

static void
on_exit_status(void *arg, pid_t pid, int status)
{
    butte_docker_cmd_t *c = arg;

    (void)pid;
    c->watch = NULL; /* freed by the loop after we return */
    if (c->fn != NULL) {
        butte_pool_t *tmp = butte_pool_create(NULL);
        c->fn(c->arg, status, slurp(tmp, c->out_fd), slurp(tmp, c->err_fd));
        butte_pool_destroy(tmp);
    }
    cmd_free(c);
}

butte_docker_cmd_t *
butte_docker_start(butte_loop_t *loop, const butte_docker_t *d, const char *const *args,
                   unsigned flags, butte_docker_done_fn fn, void *arg, butte_err_t *err)
{
    butte_docker_cmd_t *c = calloc(1, sizeof *c);

    if (c == NULL)
        abort();
    c->fn = fn;
    c->arg = arg;
    c->pid = spawn(d, args, (flags & BUTTE_DOCKER_INHERIT) != 0, &c->out_fd, &c->err_fd, err);
    if (c->pid < 0) {
        free(c);
        return NULL;
    }
    c->watch = butte_watch_child(loop, c->pid, on_exit_status, c, err);
    if (c->watch == NULL) {
        /* cannot happen for our own fresh child short of pidfd support */
        kill(c->pid, SIGKILL);
        waitpid(c->pid, NULL, 0);
        cmd_free(c);
        return NULL;
    }
    return c;
}

pid_t
butte_docker_pid(const butte_docker_cmd_t *c)
{
    return c->pid;
}

/* waitpid with a deadline; the status, or -1 after killing it. */
static int
wait_deadline(pid_t pid, double timeout)
{
    struct timespec nap = { 0, 10 * 1000 * 1000 };
    double waited = 0;
    int status;

    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return status;
        if (r < 0 && errno != EINTR)
            return -1;
        if (waited >= timeout) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return -1;
        }
        nanosleep(&nap, NULL);
        waited += 0.01;
    }
}

void
butte_docker_abandon(butte_docker_cmd_t *c, int sig, bool wait)
{
    if (c == NULL)
        return;
    c->fn = NULL;
    if (sig > 0)
        kill(c->pid, sig);
    if (!wait)
        return; /* the watch reaps it and frees c */
    butte_watch_stop(c->watch);
    c->watch = NULL;
    wait_deadline(c->pid, 30);
    cmd_free(c);
}

/* ------------------------------------------------------------ synchronous */

int
butte_docker_sync(const butte_docker_t *d, const char *const *args, double timeout,
                  butte_pool_t *pool, char **out, char **errout, butte_err_t *err)
{
    int out_fd, err_fd, status;
    pid_t pid = spawn(d, args, false, &out_fd, &err_fd, err);

    if (pid < 0)
        return err->code ? err->code : BUTTE_EIO;
    status = wait_deadline(pid, timeout);
    if (out != NULL)
        *out = slurp(pool, out_fd);
    if (errout != NULL)
        *errout = slurp(pool, err_fd);
    close(out_fd);
    close(err_fd);
    if (status < 0)
        return butte_err_set(err, BUTTE_EIO, "'%s %s' did not end within %gs", d->docker,
                             args[0] ? args[0] : "", timeout);
    return status;
}

/* ------------------------------------------------------------ messages */

char *
butte_docker_describe(butte_pool_t *pool, int status)
{
    if (WIFEXITED(status))
        return butte_pool_printf(pool, "exited with status %d", WEXITSTATUS(status));
    if (WIFSIGNALED(status))
        return butte_pool_printf(pool, "terminated by signal %s", strsignal(WTERMSIG(status)));
    return butte_pool_printf(pool, "ended with wait status %d", status);
}

char *
butte_docker_failure(butte_pool_t *pool, const butte_docker_t *d, const char *const *args,
                     int status, const char *errout)
{
    char *cmd = butte_pool_strdup(pool, d->docker);
    size_t len = errout != NULL ? strlen(errout) : 0;

    if (d->socket != NULL && d->socket[0] != '\0')
        cmd = butte_pool_printf(pool, "%s -H unix://%s", cmd, d->socket);
    for (size_t i = 0; args[i] != NULL; i++)
        cmd = butte_pool_printf(pool, "%s %s", cmd, args[i]);
    while (len > 0 && (errout[len - 1] == '\n' || errout[len - 1] == '\r'))
        len--;
    return butte_pool_printf(pool, "Failed to run '%s': %s; stderr='%.*s'", cmd,
                             butte_docker_describe(pool, status), (int)len,
                             errout != NULL ? errout : "");
}
