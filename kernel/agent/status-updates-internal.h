/*
 * kernel/agent/status-updates-internal.h - the agent's status update
 * manager: one ordered stream of updates per task, each update retried
 * until the master relays the scheduler's acknowledgement.
 *
 * Per task (framework id, task id) exactly one update is in flight: the
 * oldest unacknowledged one.  It is sent at once, then again after 10 s,
 * 20 s, 40 s ... capped at 10 min (Mesos' STATUS_UPDATE_RETRY_INTERVAL_MIN
 * / _MAX), until acknowledged with its uuid; then the next one goes out.
 * latest_state of every update sent is the newest state queued for its
 * task.  A stream whose terminal update was acknowledged goes away.
 *
 * Updates from executors and from the agent itself go through the same
 * call.  A stream given a checkpoint folder (butte_sum_update_at) also
 * appends each update, and each acknowledgement, to task.updates there
 * (checkpoint-internal.h) before it goes on, fsync'ed; recovery reads
 * them back (the recovery work).
 *
 * Everything runs on the loop; nothing blocks.  The manager lives in the
 * pool given to create; butte_sum_destroy stops its timers (call it before
 * the loop goes).
 */
#ifndef BUTTE_AGENT_STATUS_UPDATES_INTERNAL_H
#define BUTTE_AGENT_STATUS_UPDATES_INTERNAL_H

#include <butte/error.h>
#include <butte/loop.h>
#include <butte/pool.h>

#include "butte/internal.pb-c.h"

typedef struct butte_sum butte_sum_t;

/* send - put u on the wire now; return 0 when it went out, non-zero when
 * there is no connection (the retry timer tries again later; call
 * butte_sum_resend after reconnecting).  u is only borrowed. */
typedef int (*butte_sum_send_fn)(const Butte__Internal__StatusUpdate *u, void *arg);

/* acked - the acknowledged update u has left its stream (for terminal
 * states the agent forgets the task then).  u is only borrowed. */
typedef void (*butte_sum_acked_fn)(const Butte__Internal__StatusUpdate *u, void *arg);

/* butte_sum_create - an empty manager.  Never NULL. */
butte_sum_t *butte_sum_create(butte_pool_t *pool, butte_loop_t *loop, butte_sum_send_fn send,
                              butte_sum_acked_fn acked, void *arg);

/* butte_sum_destroy - stop every timer and free every stream. */
void butte_sum_destroy(butte_sum_t *sum);

/*
 * butte_sum_update - queue a copy of u (framework_id, status.task_id and a
 * 16-byte status.uuid required) on its task's stream; sends it at once when
 * it is the stream's head.  0, or BUTTE_EINVAL with err when a required
 * field is missing.
 */
int butte_sum_update(butte_sum_t *sum, const Butte__Internal__StatusUpdate *u, butte_err_t *err);

/*
 * butte_sum_update_at - butte_sum_update, and when ckpt_dir is not NULL
 * (the task's meta folder: the framework checkpoints) the update is
 * appended to ckpt_dir/task.updates first; later acknowledgements of the
 * stream are appended there too.  Blocks for the fsync.  A checkpoint
 * that fails is logged and the update still queued in memory.
 */
int butte_sum_update_at(butte_sum_t *sum, const Butte__Internal__StatusUpdate *u,
                        const char *ckpt_dir, butte_err_t *err);

/*
 * butte_sum_acknowledge - the scheduler acknowledged uuid (16 bytes) for
 * the task.  0 when it matched the update in flight (the next one is sent
 * now); BUTTE_ENOTFOUND for an unknown stream, BUTTE_ECONFLICT for a uuid
 * that is not the one in flight (a duplicate ack: ignore it), with err.
 */
int butte_sum_acknowledge(butte_sum_t *sum, const char *framework_id, const char *task_id,
                          const uint8_t *uuid, size_t uuid_len, butte_err_t *err);

/* butte_sum_resend - send every stream's head now and restart its backoff
 * (after the agent (re-)registered). */
void butte_sum_resend(butte_sum_t *sum);

/* butte_sum_forget_framework - drop the framework's streams (it is gone). */
void butte_sum_forget_framework(butte_sum_t *sum, const char *framework_id);

/* butte_sum_has_stream - the task has updates not yet acknowledged. */
bool butte_sum_has_stream(const butte_sum_t *sum, const char *framework_id, const char *task_id);

/* butte_sum_pending - updates queued and not yet acknowledged. */
size_t butte_sum_pending(const butte_sum_t *sum);

/* butte_uuid_random - 16 random bytes shaped as an RFC 4122 version 4 UUID. */
void butte_uuid_random(uint8_t out[16]);

#endif
