/*
 * kernel/master/master-internal.h - the master role's state and the
 * functions its files share.
 *
 * Files, by responsibility:
 *   master.c          start/stop, MasterInfo, ids, small shared helpers
 *   frameworks.c      framework lifecycle: subscribe, failover, teardown, events
 *   scheduler-api.c   POST /api/v1/scheduler: parsing, checks, dispatch
 *   calls.c           the non-subscribe calls (decline, revive, kill, ...)
 *   accept.c          ACCEPT: offer and task validation, launching
 *   offers.c          the allocator's offer callback, rescinds, offer timeout
 *   tasks.c           task records, status updates, reconciliation
 *   agents.c          the agent link: (re)registration, pings, removal
 *   state-json.c      /state, /state-summary, /frameworks, /slaves, /tasks
 *   metrics.c         /metrics/snapshot, /redirect
 *   allocator-glue.c  --allocator/--role_sorter/--framework_sorter, ops calls
 *
 * Ownership: the master owns every framework, agent, offer and task; each
 * lives in its own pool (child of the master's pool, or of its framework's
 * for tasks) and is freed exactly where it is unlinked.  Everything runs on
 * the one loop; nothing here blocks or takes locks.
 */
#ifndef BUTTE_MASTER_INTERNAL_H
#define BUTTE_MASTER_INTERNAL_H

#include <butte/allocator.h>
#include <butte/resources.h>

#include "core/http-internal.h"
#include "core/link-internal.h"
#include "core/role-internal.h"
#include "core/strmap-internal.h"

#include "butte/internal.pb-c.h"
#include "mesos/v1/mesos.pb-c.h"
#include "mesos/v1/scheduler.pb-c.h"

typedef struct butte_master butte_master_t;
typedef struct butte_mfw butte_mfw_t;
typedef struct butte_magent butte_magent_t;
typedef struct butte_moffer butte_moffer_t;
typedef struct butte_mtask butte_mtask_t;

/* The optional TaskInfo fields a task keeps (shown by /state or kept for
 * later features); allocated only for a task that has one of them. */
typedef struct butte_mtask_extra {
    butte_pool_t *pool; /* holds this and the copies */
    Mesos__V1__Labels *labels;
    Mesos__V1__DiscoveryInfo *discovery;
    Mesos__V1__ContainerInfo *container;
    Mesos__V1__HealthCheck *health_check;
    Mesos__V1__KillPolicy *kill_policy;
} butte_mtask_extra_t;

/* Resources that tasks share: equal allocations (the common case: many
 * tasks of one shape) are kept once, refcounted (tasks.c). */
typedef struct butte_mshape butte_mshape_t;

/* A task the master knows: launched (STAGING) or reported by an agent.
 *
 * Memory is what bounds a master's task count, so a task is one malloc'd
 * record with its strings inline, its resources shared, and its latest
 * status packed (butte_master_task_status() unpacks it); see tasks.c.
 * Freed by butte_master_task_free(): when dropped from the completed list,
 * or with its framework's pool. */
struct butte_mtask {
    butte_mtask_t *fw_prev, *fw_next;       /* in fw->tasks / fw->completed */
    butte_mtask_t *agent_prev, *agent_next; /* in agent->tasks (live only) */
    butte_mfw_t *fw;
    butte_magent_t *agent;                  /* NULL once completed */
    char *id;                               /* inline */
    char *name;                             /* inline (NULL when the TaskInfo had none) */
    char *agent_id;                         /* inline; kept after completion */
    char *executor_id;                      /* inline; NULL for command tasks */
    const char *role;                       /* allocation role (interned) */
    const butte_resources_t *resources;     /* allocated (allocation_info set); shared, read-only */
    butte_mshape_t *shape;                  /* owns resources (one reference) */
    butte_mtask_extra_t *extra;             /* NULL: no labels, discovery, ... */
    uint8_t *status_pb;                     /* latest TaskStatus packed (malloc'd) without
                                             * what the fields below hold; NULL before
                                             * the first */
    uint32_t status_len;
    Mesos__V1__TaskState state;             /* the latest known state */
    Mesos__V1__TaskState status_state;      /* the latest status's own state */
    double status_timestamp;                /* its timestamp (0 when it had none) */
    uint8_t status_uuid[16];                /* its uuid when status_uuid16 */
    bool status_uuid16;                     /* the status had a 16-byte uuid */
    bool status_container;                  /* the status has container_status */
    bool status_agent;                      /* its agent_id was the task's agent */
    bool recovered;                         /* resources went back to the allocator */
    bool completed;
};

/* An outstanding offer: resources of one agent for one framework and role. */
struct butte_moffer {
    butte_moffer_t *prev, *next; /* in master->offers */
    butte_pool_t *pool;
    char *id;
    butte_mfw_t *fw;
    butte_magent_t *agent;
    char *role;
    butte_resources_t *resources; /* allocation_info.role = role */
    butte_timer_t *timeout;       /* --offer_timeout, or NULL */
};

struct butte_mfw {
    butte_mfw_t *prev, *next; /* in master->frameworks or master->completed */
    butte_master_t *m;
    butte_pool_t *pool;       /* the framework's lifetime */
    char *id;
    butte_pool_t *info_pool;  /* holds info and roles; replaced on re-subscribe */
    Mesos__V1__FrameworkInfo *info; /* id set */
    char **roles;
    size_t n_roles;
    char **suppressed;        /* subset of roles */
    size_t n_suppressed;
    bool partition_aware;
    bool refinement;          /* RESERVATION_REFINEMENT */

    butte_http_req_t *stream; /* the SUBSCRIBE stream, NULL when disconnected */
    bool stream_json;         /* event encoding */
    char stream_id[40];
    butte_timer_t *heartbeat;
    butte_timer_t *failover;  /* failover_timeout after a disconnect */

    bool active;              /* known to the allocator as active */
    bool in_allocator;
    bool completed;
    double registered_time, reregistered_time, unregistered_time;

    butte_mtask_t *tasks;     /* live tasks */
    butte_mtask_t *completed_tasks; /* newest first */
    butte_mtask_t *completed_tail;  /* the oldest, dropped first */
    size_t n_tasks, n_completed_tasks;
    /* lookups by task id (keys are t->id; arrays in pool): the lists
     * above keep the order /state shows */
    butte_strmap_t task_by_id;      /* live */
    butte_strmap_t completed_by_id; /* the newest completed one per id */
};

/* An agent: one malloc'd block holding the record, its strings, its
 * capabilities and its packed AgentInfo (a pool per agent, with its
 * blocks, cost ~450 bytes more); freed by agents.c at removal or when the
 * master's pool goes. */
struct butte_magent {
    butte_magent_t *prev, *next; /* in master->agents */
    butte_master_t *m;
    char *id;                   /* this and every pointer below: in the block */
    uint8_t *info_pb;           /* AgentInfo packed, id set (kept packed:
                                 * only the allocator and /state's attributes read
                                 * it, and unpacked it was most of an agent) */
    size_t info_len;
    bool info_extras;           /* info has attributes or a domain (offers and
                                 * /state unpack it for them) */
    char *hostname;
    char *ip;                   /* HTTP address of the agent */
    int port;
    char *pid;                  /* "slave(N)@ip:port" (RegisterAgent.pid; N=1 if absent) */
    char *path;                 /* "/slave(N)": its endpoints' path, for Offer.url */
    char *version;
    int *capabilities;          /* AgentInfo.Capability.Type values */
    size_t n_capabilities;
    const butte_resources_t *total; /* shared with agents of equal resources */
    butte_mshape_t *total_shape;    /* owns total (one reference) */
    butte_link_t *link;         /* NULL while disconnected */
    void *conn;                 /* agents.c's record of that link */
    bool active;
    bool in_allocator;
    double registered_time, reregistered_time;
    double next_ping;           /* when the master's ping sweep pings it next
                                 * (agents.c: one timer for all agents) */
    uint64_t ping_seq;
    bool pong_pending;
    int64_t missed_pings;
    butte_mtask_t *tasks;
    size_t n_tasks;
};

/* An agent that was removed: reconciliation answers TASK_UNREACHABLE. */
typedef struct butte_mgone {
    struct butte_mgone *next;
    char *id;
    double when;
} butte_mgone_t;

struct butte_master {
    butte_role_t *role;
    butte_pool_t *pool;
    butte_loop_t *loop;
    butte_log_t *log;
    butte_http_t *http;
    const butte_flags_t *flags;

    char id[40];
    Mesos__V1__MasterInfo info; /* strings in pool */
    char *ip, *hostname, *pid, *address; /* "ip:port" */
    uint16_t port;
    double start_time, elected_time;
    bool stopping; /* stop() ran: close callbacks only drop pointers */

    double heartbeat_interval, offer_timeout, ping_timeout;
    int64_t max_ping_timeouts;

    uint64_t next_framework, next_agent, next_offer;

    butte_mfw_t *frameworks;        /* not completed */
    butte_mfw_t *completed;         /* newest first, at most max_completed */
    size_t n_frameworks, n_completed;
    butte_magent_t *agents;
    size_t n_agents;
    butte_moffer_t *offers;
    size_t n_offers;
    butte_mgone_t *gone;            /* in pool; only grows (bounded by removals) */
    void *conns;                    /* agents.c's records of open links (malloc'd) */
    bool conns_cleanup;             /* agents.c registered the cleanup of
                                     * conns and agents (both malloc'd) */
    butte_timer_t *ping_sweep;      /* agents.c: pings due agents; runs while
                                     * there are agents */
    butte_timer_t *trim;            /* state-json.c: malloc_trim after a render */

    /* O(1) lookups by id (keys are the records' own id strings; arrays in
     * pool); the lists above keep iteration order for /state */
    butte_strmap_t fw_by_id;        /* live and completed frameworks */
    butte_strmap_t agent_by_id;
    butte_strmap_t offer_by_id;
    butte_strmap_t gone_by_id;      /* the newest butte_mgone_t per agent id */
    butte_strmap_t shapes;          /* butte_mshape_t by resources text (tasks.c) */

    /* the allocator (NULL ops: none loaded, no offers are made) */
    const butte_allocator_ops_t *aops;
    void *astate;
    butte_allocator_options_t aopts;
    butte_allocator_kernel_t akernel;

    /* counters for /metrics/snapshot */
    struct {
        uint64_t tasks_finished, tasks_failed, tasks_killed, tasks_lost, tasks_error,
            tasks_dropped, tasks_unreachable, tasks_gone;
        uint64_t valid_calls, invalid_calls, events, offers_declined, offers_rescinded,
            slave_registrations, slave_reregistrations, slave_removals;
        uint64_t tasks_launched;
    } stats;
};

/* ---- master.c ---- */

/* butte_master_start / _stop - the role's spec->start / spec->stop. */
int butte_master_start(butte_role_t *role, void *arg, butte_err_t *err);
void butte_master_stop(butte_role_t *role, void *arg);

/* butte_master_uuid - a random RFC 4122 version 4 UUID: text (37 bytes
 * with the NUL) and/or raw (16 bytes); either may be NULL. */
void butte_master_uuid(char *text, uint8_t *raw);

/* butte_master_pb_copy - a deep copy of msg allocated from pool (by
 * packing and unpacking); NULL only when msg is NULL. */
void *butte_master_pb_copy(butte_pool_t *pool, const ProtobufCMessage *msg);

/* butte_master_id_valid - §0.4 rules for task/executor/framework ids;
 * NULL when valid, else a static reason. */
const char *butte_master_id_valid(const char *id);

/* butte_master_state_terminal - a terminal TaskState (§14 row 119). */
bool butte_master_state_terminal(Mesos__V1__TaskState s);

/* butte_master_link_route - POST /master/link: hand the connection to
 * the link layer (agents.c). */
void butte_master_link_route(butte_http_req_t *req, void *arg);

/* ---- frameworks.c ---- */

butte_mfw_t *butte_master_framework(butte_master_t *m, const char *id); /* live only */
butte_mfw_t *butte_master_completed_framework(butte_master_t *m, const char *id);

/* butte_master_subscribe - handle a SUBSCRIBE whose HTTP checks passed:
 * starts the stream on req (200), then SUBSCRIBED or ERROR + close. */
void butte_master_subscribe(butte_master_t *m, butte_http_req_t *req,
                            const Mesos__V1__Scheduler__Call__Subscribe *sub, bool json);

/* butte_master_send_event - queue ev on fw's stream (dropped when the
 * framework is disconnected, as Mesos does). */
void butte_master_send_event(butte_mfw_t *fw, const Mesos__V1__Scheduler__Event *ev);

/* butte_master_send_update - an UPDATE event carrying status. */
void butte_master_send_update(butte_mfw_t *fw, const Mesos__V1__TaskStatus *status);

/* butte_master_teardown - remove fw: its offers go back, its tasks are
 * killed (ShutdownFramework to every agent), its stream ends, and it moves
 * to the completed list. */
void butte_master_teardown(butte_mfw_t *fw, const char *why);

/* butte_master_update_framework - UPDATE_FRAMEWORK (§A.4): validates
 * everything first (400 + reason, nothing changed), then takes the new
 * FrameworkInfo, rescinds offers of roles that were removed and tells the
 * allocator.  Returns 200 or 400. */
int butte_master_update_framework(butte_mfw_t *fw,
                                  const Mesos__V1__Scheduler__Call__UpdateFramework *u,
                                  butte_pool_t *tmp, butte_err_t *err);

/* butte_master_framework_has_role - whether fw subscribed to role. */
bool butte_master_framework_has_role(const butte_mfw_t *fw, const char *role);

/* ---- scheduler-api.c ---- */

void butte_master_scheduler_route(butte_http_req_t *req, void *arg);

/* ---- calls.c: each returns the HTTP status to answer (202 or 4xx) and
 * fills reason for 4xx ---- */

int butte_master_call(butte_mfw_t *fw, const Mesos__V1__Scheduler__Call *call, butte_pool_t *tmp,
                      butte_err_t *reason);

/* ---- accept.c ---- */

int butte_master_accept(butte_mfw_t *fw, const Mesos__V1__Scheduler__Call__Accept *accept,
                        butte_pool_t *tmp);

/* ---- offers.c ---- */

/* The allocator's offer callback (ctx is the master). */
void butte_master_offer_cb(void *ctx, const char *framework_id, const butte_allocation_t *a,
                           size_t n);
butte_moffer_t *butte_master_offer(butte_master_t *m, const char *id);

/* butte_master_offer_remove - unlink and free o.  recover: give its
 * resources back to the allocator with refuse_seconds (< 0: default).
 * rescind: tell the framework (RESCIND event). */
void butte_master_offer_remove(butte_moffer_t *o, bool recover, bool rescind,
                               double refuse_seconds);

/* Remove every offer of fw / of agent (recovering and rescinding as above). */
void butte_master_offers_of_framework(butte_mfw_t *fw, bool recover, bool rescind);
void butte_master_offers_of_agent(butte_magent_t *a, bool recover, bool rescind);

/* ---- tasks.c ---- */

butte_mtask_t *butte_master_task(const butte_mfw_t *fw, const char *task_id);

/* butte_master_task_add - a new live task on agent, in state, from info
 * (copied).  resources are copied (allocated to role). */
butte_mtask_t *butte_master_task_add(butte_mfw_t *fw, butte_magent_t *agent,
                                     const Mesos__V1__TaskInfo *info, const char *executor_id,
                                     const char *role, const butte_resources_t *resources,
                                     Mesos__V1__TaskState state);

/* butte_master_task_update - record status (copied) as t's latest; a
 * terminal state recovers its resources to the allocator once. */
void butte_master_task_update(butte_mtask_t *t, const Mesos__V1__TaskStatus *status,
                              Mesos__V1__TaskState latest);

/* butte_master_shape_get - a shared, read-only copy of rs (one more
 * reference to an equal one when there is one); _rs its resources;
 * _put drops the reference (the last one frees it).  Shapes have no
 * parent pool: they live as long as their last holder. */
butte_mshape_t *butte_master_shape_get(butte_master_t *m, const butte_resources_t *rs);
const butte_resources_t *butte_master_shape_rs(const butte_mshape_t *sh);
void butte_master_shape_put(butte_master_t *m, butte_mshape_t *sh);

/* butte_master_task_status - t's latest status rebuilt in pool (task_id,
 * agent_id, uuid and timestamp as received), or NULL before the first. */
Mesos__V1__TaskStatus *butte_master_task_status(const butte_mtask_t *t, butte_pool_t *pool);

/* butte_master_task_free - free t (already unlinked from every list and
 * map, or going with its framework's pool). */
void butte_master_task_free(butte_mtask_t *t);

/* butte_master_tasks_of_framework - free every task of fw (a cleanup on
 * fw's pool, registered by frameworks.c). */
void butte_master_tasks_of_framework(void *fw);

/* butte_master_task_complete - move t to its framework's completed list
 * (unlinks from its agent). */
void butte_master_task_complete(butte_mtask_t *t);

/* butte_master_status - a master-generated TaskStatus (no uuid) in pool. */
Mesos__V1__TaskStatus *butte_master_status(butte_pool_t *pool, const char *task_id,
                                           Mesos__V1__TaskState state,
                                           Mesos__V1__TaskStatus__Reason reason,
                                           const char *agent_id, const char *message);

/* butte_master_reconcile - answer a RECONCILE call (§A.6). */
void butte_master_reconcile(butte_mfw_t *fw, const Mesos__V1__Scheduler__Call__Reconcile *r,
                            butte_pool_t *tmp);

/* butte_master_reconcile_one - the explicit answer for one task id. */
void butte_master_reconcile_one(butte_mfw_t *fw, const char *task_id, const char *agent_id,
                                butte_pool_t *tmp);

/* butte_master_state_name - "TASK_RUNNING" */
const char *butte_master_state_name(Mesos__V1__TaskState s);

/* ---- agents.c ---- */

butte_magent_t *butte_master_agent(butte_master_t *m, const char *id);

/* butte_master_agent_info - a's AgentInfo (id set) unpacked in pool. */
Mesos__V1__AgentInfo *butte_master_agent_info(const butte_magent_t *a, butte_pool_t *pool);

/* butte_master_agent_send - send env to a's link; false when a is not
 * connected (the message is dropped). */
bool butte_master_agent_send(butte_magent_t *a, const Butte__Internal__Envelope *env);

/* butte_master_agent_remove - forget a: its tasks are reported
 * TASK_LOST/UNREACHABLE, its offers rescinded, the allocator told. */
void butte_master_agent_remove(butte_magent_t *a, const char *why, bool unreachable);

/* butte_master_agents_stop - stop timers and close links (at stop). */
void butte_master_agents_stop(butte_master_t *m);

/* ---- state-json.c / metrics.c ---- */

void butte_master_routes_state(butte_master_t *m);
void butte_master_routes_metrics(butte_master_t *m);
json_t *butte_master_framework_json(butte_master_t *m, butte_mfw_t *fw, butte_pool_t *tmp);
json_t *butte_master_task_json(butte_mtask_t *t, butte_pool_t *tmp);

/* ---- allocator-glue.c ---- */

/* butte_master_allocator_start - resolve --allocator, --role_sorter and
 * --framework_sorter (a module loaded by --modules wins; else the
 * first-party table), create and initialize.  Start-up error naming the
 * flag for an unknown name. */
int butte_master_allocator_start(butte_master_t *m, butte_err_t *err);

/* Thin wrappers that do nothing when no allocator is loaded. */
void butte_master_alloc_add_framework(butte_mfw_t *fw);
void butte_master_alloc_update_framework(butte_mfw_t *fw);
void butte_master_alloc_remove_framework(butte_mfw_t *fw);
/* butte_master_alloc_change_framework - UPDATE_FRAMEWORK: give the
 * allocator fw's next roles, suppressed roles and info before the master
 * takes them.  check_only: only say whether it would be refused (an
 * allocator without update_framework cannot change roles).  BUTTE_OK, or
 * negative with err (nothing changed) when refused. */
int butte_master_alloc_change_framework(butte_mfw_t *fw, const Mesos__V1__FrameworkInfo *info,
                                        char **roles, size_t n_roles, char **suppressed,
                                        size_t n_suppressed, bool check_only, butte_err_t *err);
void butte_master_alloc_activate_framework(butte_mfw_t *fw, bool active);
void butte_master_alloc_add_agent(butte_magent_t *a);
void butte_master_alloc_remove_agent(butte_magent_t *a);
void butte_master_alloc_activate_agent(butte_magent_t *a, bool active);
void butte_master_alloc_recover(butte_master_t *m, const char *framework_id,
                                const char *agent_id, const butte_resources_t *r,
                                double refuse_seconds);
void butte_master_alloc_suppress(butte_mfw_t *fw, char *const *roles, size_t n, bool revive);
void butte_master_alloc_request(butte_mfw_t *fw, const Mesos__V1__Scheduler__Call__Request *r,
                                butte_pool_t *tmp);
void butte_master_alloc_now(butte_master_t *m);

/* Doubly linked list helpers on prev/next members. */
#define BUTTE_DL_PUSH(head, node, prev, next)                                  \
    do {                                                                       \
        (node)->prev = NULL;                                                   \
        (node)->next = (head);                                                 \
        if ((head) != NULL)                                                    \
            (head)->prev = (node);                                             \
        (head) = (node);                                                       \
    } while (0)
#define BUTTE_DL_UNLINK(head, node, prev, next)                                \
    do {                                                                       \
        if ((node)->prev != NULL)                                              \
            (node)->prev->next = (node)->next;                                 \
        else                                                                   \
            (head) = (node)->next;                                             \
        if ((node)->next != NULL)                                              \
            (node)->next->prev = (node)->prev;                                 \
        (node)->prev = (node)->next = NULL;                                    \
    } while (0)

#endif
