/*
 * bench/results.c - what every benchmark shares (results.h): percentiles,
 * the machine line and the one-row-per-benchmark bench/RESULTS.md.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "results.h"

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double
bench_pct(double *v, size_t n, double p)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof *v, cmp_double);
    size_t i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

static char *
cmd_line(const char *cmd, char *buf)
{
    FILE *p = popen(cmd, "r");
    buf[0] = '\0';
    if (p != NULL) {
        if (fgets(buf, 128, p) == NULL)
            buf[0] = '\0';
        pclose(p);
    }
    buf[strcspn(buf, "\n")] = '\0';
    return buf;
}

void
bench_machine(char *date, char *machine, char *commit)
{
    cmd_line("date -u +%Y-%m-%dT%H:%MZ", date);
    snprintf(machine, 128, "nproc %ld, %.0f GiB", sysconf(_SC_NPROCESSORS_ONLN),
             (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE) / (1 << 30));
    cmd_line("git -C \"${BUTTE_SRCDIR:-.}\" describe --always --dirty=+ 2>/dev/null", commit);
}

void
bench_write_row(const char *path, const char *name, const char *row)
{
    static const char header[] =
        "# Benchmark results\n\n"
        "One row per benchmark, refreshed by `make bench` (bench/local.mk).\n\n"
        "| benchmark | date | machine | commit | figures | ratio to anchor |\n"
        "|---|---|---|---|---|---|\n";
    char prefix[64];
    snprintf(prefix, sizeof prefix, "| %s |", name);
    char *old = NULL;
    size_t len = 0;
    FILE *f = fopen(path, "r");
    if (f != NULL) {
        fseek(f, 0, SEEK_END);
        len = (size_t)ftell(f);
        rewind(f);
        old = calloc(1, len + 1);
        if (old == NULL || fread(old, 1, len, f) != len)
            len = 0;
        fclose(f);
    }
    f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "bench: cannot write %s\n", path);
        free(old);
        return;
    }
    if (old == NULL || strstr(old, "| benchmark |") == NULL) {
        fputs(header, f);
    } else {
        /* keep every other benchmark's row (and the prose), in order */
        for (char *line = strtok(old, "\n"); line != NULL; line = strtok(NULL, "\n"))
            if (strncmp(line, prefix, strlen(prefix)) != 0)
                fprintf(f, "%s\n", line);
    }
    fprintf(f, "%s\n", row);
    fclose(f);
    free(old);
}
