/*
 * bench/launch-ceiling.c - the machine's ceiling for the launch benchmark
 * (issue 6, item 2): posix_spawn + waitpid of /bin/true in a tight loop,
 * one child at a time.  This is what one process can do with nothing but
 * the spawn itself; the launch benchmark compares Butte's tasks/s with it.
 *
 * Usage: launch-ceiling [--spawns N]   (default 2000)
 * Prints one line: "ceiling: N spawns in S s: R spawns/s".
 * Exit status 1 when a spawn or a child fails.
 */
#include "config.h"

#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int
main(int argc, char **argv)
{
    long n = 2000;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--spawns") == 0 && i + 1 < argc)
            n = atol(argv[++i]);
        else {
            fprintf(stderr, "usage: launch-ceiling [--spawns N]\n");
            return 2;
        }
    }
    if (n <= 0)
        n = 1;
    char *args[] = { "/bin/true", NULL };
    double t0 = now();
    for (long i = 0; i < n; i++) {
        pid_t pid;
        int rc = posix_spawn(&pid, "/bin/true", NULL, NULL, args, environ);
        if (rc != 0) {
            fprintf(stderr, "launch-ceiling: posix_spawn: %s\n", strerror(rc));
            return 1;
        }
        int status;
        if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "launch-ceiling: /bin/true failed\n");
            return 1;
        }
    }
    double dt = now() - t0;
    printf("ceiling: %ld spawns in %.3f s: %.0f spawns/s\n", n, dt, (double)n / dt);
    return 0;
}
