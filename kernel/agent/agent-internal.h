/*
 * kernel/agent/agent-internal.h - the agent role: what mesos-agent runs
 * and what mesos-local starts once per simulated agent.
 *
 * An agent registers with its master over the link (link-internal.h),
 * keeps the frameworks and tasks the master sent it, hands each task to
 * the launcher (launcher-internal.h) and reports task states through the
 * status update manager (status-updates-internal.h).  It serves /state,
 * /metrics/snapshot, /monitor/statistics, /files/... and
 * /api/v1/executor on the HTTP server it is given, under its prefix
 * ("/slave(1)") and, unless prefix_only, at the bare paths too.
 *
 * Everything runs on the loop; the agent blocks only at start-up (reading
 * /proc for resources, creating --work_dir) and for a moment when it
 * resolves the master's host name before each connection attempt.
 */
#ifndef BUTTE_AGENT_INTERNAL_H
#define BUTTE_AGENT_INTERNAL_H

#include <butte/error.h>
#include <butte/loop.h>
#include <butte/pool.h>

#include "core/flags-internal.h"
#include "core/http-internal.h"
#include "core/role-internal.h"
#include "mesos/v1/mesos.pb-c.h"

typedef struct butte_agent butte_agent_t;

/* What an agent runs on; all borrowed and alive until butte_agent_destroy. */
typedef struct butte_agent_env {
    butte_pool_t *pool;          /* the agent lives in a child of it */
    butte_loop_t *loop;
    butte_http_t *http;          /* its endpoints are routed here */
    const butte_flags_t *flags;  /* an agent flag table (agent-flags.c) */
    const char *prefix;          /* "/slave(1)": alias for its endpoints; NULL none */
    butte_modules_t *modules;    /* for the --isolation modules; NULL: none */
    /* prefix_only - route the endpoints under prefix only: mesos-local's
     * agents share the master's HTTP server, whose /state, /metrics/snapshot
     * ... are the master's.  The prefix "/slave(N)" also names the agent's
     * pid "slave(N)@ip:port", which the master puts in Offer.url. */
    bool prefix_only;
} butte_agent_env_t;

/*
 * butte_agent_check_flags - the agent's rules across flags, for
 * spec->validate: --master must be host:port, master@host:port or file://
 * holding either (zk:// is refused: "zk:// needs the HA issue: not
 * implemented yet"), --resources and --attributes must parse.  0 or
 * BUTTE_EINVAL with err naming the flag.
 */
int butte_agent_check_flags(const butte_flags_t *flags, butte_err_t *err);

/*
 * butte_agent_create - create --work_dir, detect the resources, route the
 * endpoints and start registering (the first attempt goes out from the
 * loop after a random delay in [0, --registration_backoff_factor]).
 * NULL with err filled on a bad flag or an unusable --work_dir.
 */
butte_agent_t *butte_agent_create(const butte_agent_env_t *env, butte_err_t *err);

/* butte_agent_destroy - close the link, stop every timer, free the agent.
 * agent may be NULL. */
void butte_agent_destroy(butte_agent_t *agent);

/* butte_agent_start / _stop - spec->start / spec->stop for mesos-agent
 * (arg: a butte_agent_t ** that receives / gives up the agent). */
int butte_agent_start(butte_role_t *role, void *arg, butte_err_t *err);
void butte_agent_stop(butte_role_t *role, void *arg);

/* butte_agent_id - the id the master gave, NULL before registration. */
const char *butte_agent_id(const butte_agent_t *agent);

/* butte_agent_loop / _work_dir / _log - for the launcher. */
butte_loop_t *butte_agent_loop(const butte_agent_t *agent);
const char *butte_agent_work_dir(const butte_agent_t *agent);

/*
 * butte_agent_status - the launcher (or the agent itself) reports that a
 * task reached state: the task's state in /state changes and a status
 * update (source SOURCE_AGENT when from_executor is false, else
 * SOURCE_EXECUTOR; a fresh uuid) is queued to the master.  message and
 * executor_id may be NULL; reason < 0 means none.  A terminal state keeps
 * the task (as completed) until the update is acknowledged.  0, or
 * BUTTE_ENOTFOUND for a task the agent does not know.
 */
int butte_agent_status(butte_agent_t *agent, const char *framework_id, const char *task_id,
                       Mesos__V1__TaskState state, int reason, const char *message,
                       bool from_executor, butte_err_t *err);

#endif
