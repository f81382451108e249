/*
 * bench/results.h - helpers every benchmark shares (bench/results.c).
 * Plain C, no loop; the RESULTS.md writer rewrites the whole file (a few
 * KB) and blocks on git/date for the machine line.
 */
#ifndef BENCH_RESULTS_H
#define BENCH_RESULTS_H

#include <stddef.h>

/* bench_pct - the p-th percentile (0..100) of v (sorted in place). */
double bench_pct(double *v, size_t n, double p);

/* bench_machine - "date", "nproc N, M GiB" and the commit (git describe
 * of $BUTTE_SRCDIR), each in a buffer of 128. */
void bench_machine(char *date, char *machine, char *commit);

/* bench_write_row - replace the row starting "| NAME |" in path (keeping
 * every other row) with row, creating the file and header if needed. */
void bench_write_row(const char *path, const char *name, const char *row);

#endif
