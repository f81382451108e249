/*
 * isolators/posix/proc-tree.h - resource usage of a process tree, read
 * from /proc (the posix isolators' only source).
 *
 * A process belongs to the tree of root when root is among its ancestors
 * (following PPid), or when it is in root's session and root leads that
 * session (the launcher makes each container's init a session leader, so
 * a daemon that double-forked away from its parent is still counted).
 *
 * Module-internal (hidden by -fvisibility=hidden).  Reads /proc only:
 * blocks for a few milliseconds per thousand processes, never longer.
 */
#ifndef ISOLATORS_POSIX_PROC_TREE_H
#define ISOLATORS_POSIX_PROC_TREE_H

#include <stdint.h>
#include <sys/types.h>

#include <butte/error.h>

typedef struct butte_proctree_usage {
    uint32_t processes;       /* live (or zombie) processes in the tree */
    uint32_t threads;         /* sum of their num_threads */
    double user_secs;         /* utime + cutime of every member */
    double system_secs;       /* stime + cstime of every member */
    uint64_t rss_bytes;       /* sum of resident pages x page size */
} butte_proctree_usage_t;

/*
 * butte_proctree_usage - fill *out for the tree of root.  Time of children
 * a member has reaped is included (cutime/cstime); a child still alive is
 * counted once, as itself.  Returns 0, BUTTE_ENOTFOUND when root is gone
 * ("process 123 is gone"), or BUTTE_EIO when /proc cannot be read.
 */
int butte_proctree_usage(pid_t root, butte_proctree_usage_t *out, butte_err_t *err);

#endif
