/*
 * kernel/sched/sched-internal.h - the scheduler side of the v1 scheduler
 * API (mesos-protocol.md §A), for frameworks written in C on the loop:
 * mesos-execute now, marathon later.
 *
 * A butte_sched_t holds one SUBSCRIBE stream to a master and one
 * keep-alive connection for the calls (JSON or protobuf bodies).  Events
 * arrive as decoded mesos.v1.scheduler.Event protobuf-c structs; calls are
 * sent with the framework id and the Mesos-Stream-Id filled in.  A 307 to
 * the leader ("Location: //host:port/path") is followed, for the
 * subscription and for calls.  Nothing reconnects by itself: when the
 * stream ends the disconnected callback says why and the framework decides
 * (subscribe again with its framework id, or give up).
 *
 * Lifetimes: the client lives in the pool given to butte_sched_create
 * (destroying it closes the connections; no callback runs after).  An
 * event, and everything it points to, lives only during the callback that
 * receives it.  Callbacks run on the loop; nothing here blocks (host names
 * other than numeric addresses are resolved with getaddrinfo()).
 */
#ifndef BUTTE_SCHED_INTERNAL_H
#define BUTTE_SCHED_INTERNAL_H

#include <butte/error.h>
#include <butte/loop.h>
#include <butte/pool.h>

#include "mesos/v1/scheduler.pb-c.h"

typedef struct butte_sched butte_sched_t;

typedef enum butte_sched_encoding {
    BUTTE_SCHED_JSON,    /* application/json */
    BUTTE_SCHED_PROTOBUF /* application/x-protobuf */
} butte_sched_encoding_t;

typedef struct butte_sched_callbacks {
    /* Every event in stream order, SUBSCRIBED and HEARTBEAT included (the
     * framework id and stream id are already recorded when SUBSCRIBED
     * arrives).  Required. */
    void (*event)(butte_sched_t *s, const Mesos__V1__Scheduler__Event *ev, void *arg);
    /* The subscription ended: refused (non-200 answer: err says
     * "master answered 400: ..."), broken, closed by the master, or a
     * stream that could not be decoded.  Calls are refused until the next
     * butte_sched_subscribe().  Required. */
    void (*disconnected)(butte_sched_t *s, const butte_err_t *err, void *arg);
} butte_sched_callbacks_t;

/*
 * butte_sched_create - a client for the master at "host:port" (also
 * "http://host:port"; "zk://..." is refused: "zk:// masters are not
 * implemented yet").  cbs is copied.  Returns NULL with err filled for a
 * master string it cannot use.
 */
butte_sched_t *butte_sched_create(butte_pool_t *pool, butte_loop_t *loop, const char *master,
                                  butte_sched_encoding_t encoding,
                                  const butte_sched_callbacks_t *cbs, void *arg,
                                  butte_err_t *err);

/*
 * butte_sched_subscribe - open the SUBSCRIBE stream with framework_info
 * (copied; its id, when set, re-subscribes that framework).  An earlier
 * stream of this client is closed first.  The result comes as the
 * SUBSCRIBED event or the disconnected callback.  Returns 0.
 */
int butte_sched_subscribe(butte_sched_t *s, const Mesos__V1__FrameworkInfo *framework_info,
                          butte_err_t *err);

/* butte_sched_framework_id - the framework id from SUBSCRIBED (or from the
 * FrameworkInfo given to subscribe), NULL before. */
const char *butte_sched_framework_id(const butte_sched_t *s);

/* butte_sched_stream_id - the current Mesos-Stream-Id, NULL when not
 * subscribed. */
const char *butte_sched_stream_id(const butte_sched_t *s);

/*
 * The outcome of a call: the master's status (202, 200, 400, ...) and, for
 * anything but 2xx, err with "master answered 400: <reason>"; status 0
 * when the call could not be sent (err says why).
 */
typedef void (*butte_sched_done_fn)(butte_sched_t *s, int status, const butte_err_t *err,
                                    void *arg);

/*
 * butte_sched_call - send call (type and payload set by the caller; the
 * framework id is filled in when absent).  done may be NULL.  Returns 0,
 * or BUTTE_EAGAIN with err filled when not subscribed (done does not run
 * then).  call is only read.
 */
int butte_sched_call(butte_sched_t *s, Mesos__V1__Scheduler__Call *call, butte_sched_done_fn done,
                     void *arg, butte_err_t *err);

/* Shorthands over butte_sched_call (same return values). */

/* butte_sched_acknowledge - ACKNOWLEDGE status (needs its uuid and
 * agent_id; a status without uuid returns BUTTE_EINVAL: nothing to ack). */
int butte_sched_acknowledge(butte_sched_t *s, const Mesos__V1__TaskStatus *status,
                            butte_err_t *err);

/* butte_sched_decline - DECLINE one offer, refusing it for refuse_seconds
 * (< 0: the master's default, 5 s). */
int butte_sched_decline(butte_sched_t *s, const char *offer_id, double refuse_seconds,
                        butte_err_t *err);

/* butte_sched_kill - KILL task_id (agent_id may be NULL). */
int butte_sched_kill(butte_sched_t *s, const char *task_id, const char *agent_id,
                     butte_err_t *err);

/* butte_sched_teardown - TEARDOWN the framework; done as for calls. */
int butte_sched_teardown(butte_sched_t *s, butte_sched_done_fn done, void *arg,
                         butte_err_t *err);

/* butte_sched_close - close the stream and forget pending calls (no more
 * callbacks); the client can subscribe again. */
void butte_sched_close(butte_sched_t *s);

/* butte_sched_state_name - "TASK_RUNNING" for a TaskState, "TASK_?" for
 * an unknown number; butte_sched_reason_name / _source_name likewise. */
const char *butte_sched_state_name(int state);
const char *butte_sched_reason_name(int reason);
const char *butte_sched_source_name(int source);

/* butte_sched_state_terminal - FINISHED, FAILED, KILLED, ERROR, LOST,
 * DROPPED, GONE, GONE_BY_OPERATOR. */
bool butte_sched_state_terminal(int state);

#endif
