/*
 * kernel/agent/checkpoint-internal.h - what the agent writes under
 * work_dir/meta so that no status update is lost when it restarts: per
 * task (of a framework with FrameworkInfo.checkpoint) the TaskInfo and the
 * task's status update stream, in Mesos' layout
 *
 *   <work_dir>/meta/slaves/<agent>/frameworks/<fw>/executors/<ex>/runs/
 *       <container>/tasks/<task>/task.info      packed mesos.v1.TaskInfo
 *       <container>/tasks/<task>/task.updates   the stream, append-only
 *
 * task.updates is a sequence of records, each
 *
 *   uint32 length (little endian, of what follows) | uint8 type | payload
 *
 * with type 1 (UPDATE: a packed butte.internal.StatusUpdate, as queued)
 * or 2 (ACK: the 16-byte uuid the framework acknowledged).  Every append
 * is one write(2) followed by fsync(2) before the caller goes on, so an
 * update the agent accepted is on disk before it is forwarded and before
 * the executor sees ACKNOWLEDGED.  A crash can leave at most the last
 * record torn; the reader stops there and says so.
 *
 * Blocking: every call does file I/O on the calling thread (the loop);
 * fsync is the cost (measured in the note, not moved off the loop
 * yet).  Paths and handles live in the pool given.
 */
#ifndef BUTTE_AGENT_CHECKPOINT_INTERNAL_H
#define BUTTE_AGENT_CHECKPOINT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <butte/error.h>
#include <butte/pool.h>

#include "butte/internal.pb-c.h"

#define BUTTE_CKPT_UPDATE 1
#define BUTTE_CKPT_ACK 2

typedef struct butte_ckpt_file butte_ckpt_file_t;

/* butte_ckpt_run_dir - <work_dir>/meta/slaves/<a>/frameworks/<f>/
 * executors/<e>/runs/<c>, from pool. */
char *butte_ckpt_run_dir(butte_pool_t *pool, const char *work_dir, const char *agent_id,
                         const char *framework_id, const char *executor_id,
                         const char *container_id);

/* butte_ckpt_write_file - write data to path atomically (a temporary
 * beside it, fsync, rename), creating the folders above it.  0 or
 * BUTTE_EIO with err. */
int butte_ckpt_write_file(const char *path, const void *data, size_t len, butte_err_t *err);

/* butte_ckpt_open - open (create; folders too) dir/task.updates for
 * appending.  The handle lives in pool until butte_ckpt_close.  NULL
 * with err (BUTTE_EIO). */
butte_ckpt_file_t *butte_ckpt_open(butte_pool_t *pool, const char *dir, butte_err_t *err);

/* butte_ckpt_append - one record (type BUTTE_CKPT_UPDATE or _ACK), then
 * fsync.  0 or BUTTE_EIO with err (the record may be torn; the reader
 * drops a torn tail). */
int butte_ckpt_append(butte_ckpt_file_t *f, int type, const void *data, size_t len,
                      butte_err_t *err);

/* butte_ckpt_close - close the file (f may be NULL). */
void butte_ckpt_close(butte_ckpt_file_t *f);

/* What a task.updates file held. */
typedef struct butte_ckpt_stream {
    Butte__Internal__StatusUpdate **updates; /* every UPDATE, file order */
    size_t n_updates;
    Butte__Internal__StatusUpdate **pending; /* not acknowledged, in order */
    size_t n_pending;
    size_t n_acks;        /* ACK records that matched an update */
    size_t n_stray_acks;  /* ACK records for no pending update */
    bool torn;            /* a torn last record was ignored */
} butte_ckpt_stream_t;

/*
 * butte_ckpt_read - read a task.updates file (its path) into out; the
 * unpacked updates live in pool.  A torn last record sets out->torn and
 * is not an error; a record of an unknown type or an UPDATE that does
 * not unpack is (BUTTE_EINVAL, err says at which byte).  BUTTE_ENOTFOUND
 * when the file does not exist, BUTTE_EIO when it cannot be read.
 */
int butte_ckpt_read(butte_pool_t *pool, const char *path, butte_ckpt_stream_t *out,
                    butte_err_t *err);

/* butte_ckpt_scan_fn - one task.updates found by butte_ckpt_scan (path
 * borrowed for the call). */
typedef void (*butte_ckpt_scan_fn)(void *arg, const char *path);

/*
 * butte_ckpt_scan - call fn for every meta/slaves/<agent_id>/frameworks/
 * * /executors/ * /runs/ * /tasks/ * /task.updates under work_dir (agent_id
 * may be "latest").  Returns how many were found.
 */
size_t butte_ckpt_scan(const char *work_dir, const char *agent_id, butte_ckpt_scan_fn fn,
                       void *arg);

#endif
