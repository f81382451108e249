/*
 * butte/allocator.h - the allocator kind: decides which framework is
 * offered which agent's resources (--allocator; first party
 * "hierarchical", alias HierarchicalDRF).  Mirrors Mesos'
 * mesos::allocator::Allocator interface.
 *
 * The master tells the allocator about agents, frameworks and resources
 * coming and going; the allocator answers, whenever it decides to, by
 * calling the kernel's offer callback (butte_allocator_offer_fn) with the
 * resources a framework should be offered.  Allocation passes run on the
 * loop: on the allocator's own timer (options->allocation_interval), and
 * when the kernel calls allocate_now() after an event that freed resources.
 *
 * Conventions for every slot unless it says otherwise:
 * - state is the instance state from create().
 * - Runs on the loop thread; must not block.  An allocator that wants a
 *   pass later uses butte_timer_start / butte_loop_defer on
 *   butte_instance_loop(), never a thread that touches its state.
 * - Strings, butte_pb_t bytes and resources passed in are borrowed for the
 *   call; copy what you keep (see resources.h).
 * - Slots returning int return 0, or a negative BUTTE_E* with err filled;
 *   the master logs the error and, where the slot says so, refuses the
 *   request that caused it.  Slots returning void cannot fail.
 * - Ids are the "value" strings of the mesos.v1 *ID messages.
 *
 * Ops table rules (see module.h): starts with size, append-only; slots
 * marked "required" must be non-NULL or the module is rejected at load.
 */
#ifndef BUTTE_ALLOCATOR_H
#define BUTTE_ALLOCATOR_H

#include <butte/module.h>
#include <butte/resources.h>
#include <butte/sorter.h>

BUTTE_BEGIN_DECLS

/* Resources on one agent held by (or offered to) one framework in one role. */
typedef struct butte_allocation {
    const char *framework_id;
    const char *role;
    const char *agent_id;
    const butte_resources_t *resources;
} butte_allocation_t;

/* One role's weight (--weights, UPDATE_WEIGHTS). */
typedef struct butte_role_weight {
    const char *role;
    double weight;
} butte_role_weight_t;

/*
 * butte_allocator_offer_fn - the kernel's offer callback.  The allocator
 * calls it from an allocation pass with everything it decided to offer one
 * framework: n entries, all with that framework_id.  The kernel copies what
 * it needs before returning; the array and its contents stay the
 * allocator's.  Runs the master's offer path on the loop; never blocks and
 * must not be called from another thread.  The resources count as
 * allocated to the framework from this call until recover_resources().
 */
typedef void (*butte_allocator_offer_fn)(void *ctx, const char *framework_id,
                                         const butte_allocation_t *offers, size_t n);

/* butte_metric_fn - report one metric ("allocator/event_queue_dispatches"
 * style name, value) from stats(); the kernel copies the name. */
typedef void (*butte_metric_fn)(void *ctx, const char *name, double value);

/*
 * Settings from the master's flags.  Filled by the kernel; read fields that
 * a newer kernel appended only behind BUTTE_HAS_FIELD.  Everything it
 * points to lives as long as the allocator instance.
 */
typedef struct butte_allocator_options {
    uint32_t size;
    double allocation_interval;        /* seconds between periodic passes (--allocation_interval) */
    const char *const *fairness_excluded_resource_names; /* NULL-terminated, may be NULL */
    bool filter_gpu_resources;         /* --filter_gpu_resources */
    /*
     * --min_allocatable_resources: n_min_allocatable alternatives (as
     * butte_min_allocatable_parse returns them); an offer is made only when
     * the candidate resources meet at least one.  n_min_allocatable 0 (and
     * min_allocatable NULL): no minimum.
     */
    const butte_quantities_t *const *min_allocatable;
    size_t n_min_allocatable;
    size_t max_completed_frameworks;   /* --max_completed_frameworks */
    bool publish_per_framework_metrics;
    double recovery_timeout;           /* seconds; default 600 */
    double agent_recovery_factor;      /* fraction of agents to wait for; default 0.80 */
    butte_pb_t domain;                 /* mesos.v1.DomainInfo of the master, may be absent */
} butte_allocator_options_t;

/*
 * What the kernel gives the allocator at initialize(): the offer callback
 * and the sorter instances --role_sorter and --framework_sorter selected
 * (ops are the kernel's zero-extended copies).  Valid for the allocator
 * instance's lifetime.
 */
typedef struct butte_allocator_kernel {
    uint32_t size;
    butte_allocator_offer_fn offer;
    void *offer_ctx;
    const butte_sorter_ops_t *role_sorter;
    void *role_sorter_state;
    const butte_sorter_ops_t *framework_sorter;
    void *framework_sorter_state;
} butte_allocator_kernel_t;

/* A framework as the allocator sees it (read fields behind BUTTE_HAS_FIELD). */
typedef struct butte_allocator_framework {
    uint32_t size;
    const char *id;
    const char *const *roles; /* n_roles role names the framework subscribed with */
    size_t n_roles;
    const char *const *suppressed_roles; /* roles it asked not to be offered */
    size_t n_suppressed_roles;
    butte_pb_t info;                     /* mesos.v1.FrameworkInfo */
} butte_allocator_framework_t;

/* An agent as the allocator sees it. */
typedef struct butte_allocator_agent {
    uint32_t size;
    const char *id;
    const char *hostname;
    butte_pb_t info;                    /* mesos.v1.AgentInfo */
    const butte_resources_t *total;     /* everything the agent has */
    const butte_allocation_t *used;     /* what running tasks hold, per framework/role */
    size_t n_used;
    butte_pb_t capabilities;            /* mesos.v1.AgentInfo, only .capabilities */
    butte_pb_t unavailability;          /* mesos.v1.Unavailability, may be absent */
} butte_allocator_agent_t;

/* Counters for /metrics/snapshot, also reported through stats(). */
typedef struct butte_allocator_stats {
    uint32_t size;
    uint64_t passes;             /* allocation passes run */
    double last_pass_secs;       /* duration of the last pass */
    uint64_t offers;             /* offer callbacks made */
    size_t frameworks, agents;   /* known now */
} butte_allocator_stats_t;

typedef struct butte_allocator_ops {
    uint32_t size;     /* sizeof (butte_allocator_ops_t) at build time */
    uint32_t features; /* none defined yet; 0 */

    /*
     * initialize - called once, before any other slot.  Required.
     * opts and k (and what they point to) live as long as the instance.
     * Open sorters here and start the periodic pass timer.  Failure stops
     * master start-up.
     */
    int (*initialize)(void *state, const butte_allocator_options_t *opts,
                      const butte_allocator_kernel_t *k, butte_err_t *err);

    /*
     * recover - a failed-over master expects expected_agents agents to
     * re-register; the allocator may hold back offers until
     * agent_recovery_factor of them did or recovery_timeout passed.
     * Optional: NULL = offer at once.
     */
    int (*recover)(void *state, size_t expected_agents, butte_err_t *err);

    /*
     * add_framework - a framework subscribed (active true) or was recovered
     * from a re-registering agent (active false), already holding used
     * (n_used entries, all its own).  Required.  BUTTE_ECONFLICT if known.
     */
    int (*add_framework)(void *state, const butte_allocator_framework_t *fw,
                         const butte_allocation_t *used, size_t n_used, bool active,
                         butte_err_t *err);

    /* remove_framework - forget framework_id; its resources were already
     * recovered by the master.  Required. */
    void (*remove_framework)(void *state, const char *framework_id);

    /* activate_framework / deactivate_framework - the framework's scheduler
     * connected / disconnected: offer to it or not.  Both required. */
    void (*activate_framework)(void *state, const char *framework_id);
    void (*deactivate_framework)(void *state, const char *framework_id);

    /*
     * update_framework - roles, suppressed roles or FrameworkInfo changed
     * (UPDATE_FRAMEWORK or re-subscription).  Optional: NULL makes the
     * master refuse role changes with "the allocator cannot change roles".
     */
    int (*update_framework)(void *state, const butte_allocator_framework_t *fw,
                            butte_err_t *err);

    /* add_agent - an agent registered or re-registered.  Required.
     * BUTTE_ECONFLICT if known. */
    int (*add_agent)(void *state, const butte_allocator_agent_t *agent, butte_err_t *err);

    /* remove_agent - the agent is gone for good.  Required. */
    void (*remove_agent)(void *state, const char *agent_id);

    /* update_agent - total resources or capabilities changed (agent
     * re-registered with new resources).  Optional: NULL = remove+add. */
    int (*update_agent)(void *state, const butte_allocator_agent_t *agent, butte_err_t *err);

    /* activate_agent / deactivate_agent - the agent reconnected /
     * disconnected; a deactivated agent is not offered.  Both required. */
    void (*activate_agent)(void *state, const char *agent_id);
    void (*deactivate_agent)(void *state, const char *agent_id);

    /*
     * update_available - apply operations (reserve, unreserve, create and
     * destroy volumes) to unallocated resources on agent_id, all or none.
     * operations: n serialized mesos.v1.Offer.Operation.  Optional: NULL
     * makes the master refuse operator reservations.  BUTTE_ECONFLICT when
     * the resources are not available; nothing changes then.
     */
    int (*update_available)(void *state, const char *agent_id, const butte_pb_t *operations,
                            size_t n, butte_err_t *err);

    /*
     * update_allocation - apply operations to resources already allocated
     * to framework_id on agent_id (an ACCEPT with RESERVE/CREATE).  Same
     * encoding and atomicity as update_available.  Optional: NULL makes
     * the master refuse those operations with TASK_ERROR-style reasons.
     */
    int (*update_allocation)(void *state, const char *framework_id, const char *agent_id,
                             const butte_pb_t *operations, size_t n, butte_err_t *err);

    /*
     * recover_resources - resources offered or allocated to framework_id
     * on agent_id came back (offer declined, rescinded, task finished).
     * refuse_seconds > 0: do not offer these resources on that agent to
     * that framework again for that long (the Filters of a DECLINE; < 0
     * means none given, use the 5 s default).  Required.
     */
    void (*recover_resources)(void *state, const char *framework_id, const char *agent_id,
                              const butte_resources_t *resources, double refuse_seconds);

    /*
     * suppress_offers / revive_offers - stop / resume offers to
     * framework_id for roles (n_roles names; n_roles 0 = all its roles).
     * revive also clears the framework's refusal filters.  Optional: NULL
     * suppress is ignored; NULL revive only triggers allocate_now().
     */
    void (*suppress_offers)(void *state, const char *framework_id, const char *const *roles,
                            size_t n_roles);
    void (*revive_offers)(void *state, const char *framework_id, const char *const *roles,
                          size_t n_roles);

    /*
     * update_weights - set the weights of n roles (weight > 0, checked by
     * the master).  Optional: NULL makes the master answer 501 to
     * UPDATE_WEIGHTS and ignore --weights.
     */
    int (*update_weights)(void *state, const butte_role_weight_t *weights, size_t n,
                          butte_err_t *err);

    /*
     * update_quota - set (resources non-NULL) or remove (NULL) the
     * guaranteed quota of role.  Optional: NULL makes the master answer 501
     * to quota calls.
     */
    int (*update_quota)(void *state, const char *role, const butte_resources_t *guarantee,
                        butte_err_t *err);

    /*
     * request_resources - a framework's REQUEST call: n serialized
     * mesos.v1.Request.  Advisory.  Optional: NULL = ignored (as in Mesos'
     * hierarchical allocator).
     */
    void (*request_resources)(void *state, const char *framework_id, const butte_pb_t *requests,
                              size_t n);

    /* pause / resume - stop and restart allocation passes (maintenance,
     * tests).  Optional: NULL = not supported, the calls are ignored. */
    void (*pause)(void *state);
    void (*resume)(void *state);

    /*
     * allocate_now - run an allocation pass soon, for event-driven
     * allocation after resources were freed.  The allocator may coalesce
     * (butte_loop_defer) rather than run inside the master's callback; it
     * must not call the offer callback re-entrantly from within this call
     * if it can defer.  Optional: NULL = rely on the periodic pass.
     */
    void (*allocate_now)(void *state);

    /*
     * stats - fill *out (the kernel zeroed it and set out->size; write only
     * fields below out->size) and report extra metrics through emit, which
     * the kernel copies.  Optional: NULL = no allocator metrics.
     */
    void (*stats)(void *state, butte_allocator_stats_t *out, butte_metric_fn emit, void *ctx);

    /* ABI 1.x: new slots go below this line, never above. */
} butte_allocator_ops_t;

BUTTE_END_DECLS

#endif
