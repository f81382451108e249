/*
 * isolators/cgroups/cgfs.h - small cgroupfs helpers for the cgroups
 * isolators (cgroups.c): which cgroup version a hierarchy is, creating a
 * cgroup, reading and writing its control files, moving a process in,
 * and destroying a cgroup (kill what is left, rmdir until it is gone).
 *
 * All paths are absolute and borrowed.  Everything is a short read or
 * write of cgroupfs (non-blocking in the isolator.h sense) except
 * butte_cgfs_destroy(), which may wait up to its deadline for killed
 * processes to leave.  Errors are negative BUTTE_E* with err filled and
 * name the file and the errno text.
 */
#ifndef ISOLATORS_CGROUPS_CGFS_H
#define ISOLATORS_CGROUPS_CGFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <butte/error.h>

/* butte_cgfs_is_v2 - whether dir is a cgroup2 mount (the unified
 * hierarchy); butte_cgfs_is_v1 - whether it is a cgroup v1 mount. */
bool butte_cgfs_is_v2(const char *dir);
bool butte_cgfs_is_v1(const char *dir);

/* butte_cgfs_mkdir - create dir (a cgroup); an existing one is fine. */
int butte_cgfs_mkdir(const char *dir, butte_err_t *err);

/* butte_cgfs_write - write the text value to dir/file. */
int butte_cgfs_write(const char *dir, const char *file, const char *value, butte_err_t *err);

/* butte_cgfs_read - read dir/file into buf (NUL-terminated, truncated to
 * size - 1 bytes). */
int butte_cgfs_read(const char *dir, const char *file, char *buf, size_t size,
                    butte_err_t *err);

/* butte_cgfs_read_u64 - dir/file as one unsigned number ("max" reads as
 * UINT64_MAX). */
int butte_cgfs_read_u64(const char *dir, const char *file, uint64_t *out, butte_err_t *err);

/* butte_cgfs_key - in text made of "key value" lines, the value of key;
 * false when absent. */
bool butte_cgfs_key(const char *text, const char *key, uint64_t *out);

/* butte_cgfs_count - the number of lines (pids) in dir/file, 0 when the
 * file cannot be read. */
uint32_t butte_cgfs_count(const char *dir, const char *file);

/* butte_cgfs_attach - move pid into the cgroup dir (cgroup.procs). */
int butte_cgfs_attach(const char *dir, pid_t pid, butte_err_t *err);

/*
 * butte_cgfs_children - call fn(arg, name) for every child cgroup (sub
 * directory) of dir, in readdir order; name is borrowed for the call.  A
 * dir that does not exist has none.  Returns 0, or BUTTE_EIO when dir
 * cannot be read.
 */
int butte_cgfs_children(const char *dir, void (*fn)(void *arg, const char *name), void *arg,
                        butte_err_t *err);

/*
 * butte_cgfs_destroy - destroy the cgroup dir and every cgroup below it,
 * deepest first: SIGKILL every process left in it (v2: through
 * cgroup.kill when the kernel has it) and rmdir it, retrying until it is
 * gone or deadline_secs passed (then BUTTE_EAGAIN naming the processes
 * left).  A dir that does not exist is fine.  Blocks up to deadline_secs.
 */
int butte_cgfs_destroy(const char *dir, double deadline_secs, butte_err_t *err);

#endif
