/*
 * allocators/hier-internal.h - the hierarchical (HierarchicalDRF)
 * allocator's state, shared by hierarchical.c (bookkeeping: frameworks,
 * roles, agents, weights, suppression) and hier-pass.c (allocation
 * passes, refusal filters, recovered resources).
 *
 * Private to libhierarchical.so; nothing here is ABI.  Everything runs on
 * the loop thread.  Ids and role names are interned (butte_res_intern):
 * they live for the process, compare with ==, and offers can point at
 * them after the framework or agent is gone.
 *
 * Memory: the allocator's pool holds roles (never freed: few, and held
 * allocations may still name a role a framework left); each framework has
 * a child pool that dies with it.  An agent is one malloc'd record (its
 * held and filter arrays malloc'd too: a pool per agent cost more than the
 * agent) whose total is shared with every agent of equal resources
 * (hier_total_t) and whose quantities come from a free list.  Agents' available sets,
 * held sets and offered sets are collections of the allocator's pool,
 * recycled through a free list (hier_res_take/_give), so an offer can
 * outlive its agent: an offer of a whole agent hands the agent's
 * available collection over instead of copying it, and a new holding
 * shares the offer's collection (see hier_held_t) instead of copying it.
 * Passes reuse one arena of offer records; a pass pool is made only when
 * a pass needs one (reserved agents, a sorter without foreach()).
 */
#ifndef ALLOCATORS_HIER_INTERNAL_H
#define ALLOCATORS_HIER_INTERNAL_H

#include <butte/allocator.h>

typedef struct hier hier_t;
typedef struct hier_role hier_role_t;
typedef struct hier_fw hier_fw_t;
typedef struct hier_agent hier_agent_t;

/* string (interned) -> pointer; open addressing, backward-shift delete */
typedef struct hier_map {
    const char **keys;
    void **vals;
    size_t cap, n;
} hier_map_t;

void *hier_map_get(const hier_map_t *m, const char *key);
void hier_map_put(butte_pool_t *pool, hier_map_t *m, const char *key, void *val);
void hier_map_del(hier_map_t *m, const char *key);

struct hier_role {
    const char *name;           /* interned */
    butte_sorter_t *fws;        /* this role's framework sorter */
    size_t offering;            /* subscriptions that may be offered now */
    double weight;
};

/* One framework's subscription to one role. */
typedef struct hier_fwrole {
    hier_fw_t *fw;
    hier_role_t *role;
    uint32_t id;                /* filter key; never reused */
    bool suppressed;
    bool offering;              /* active in role->fws */
} hier_fwrole_t;

struct hier_fw {
    const char *id;             /* interned */
    butte_pool_t *pool;
    hier_fwrole_t **roles;
    size_t nroles;
    bool active;
    uint64_t pass_gen;          /* last pass that offered to it */
    size_t pass_slot;           /* its record in that pass */
};

/* Resources on an agent allocated to (framework, role), in allocated form.
 * res comes from hier_res_take.  A holding that a pass created from one
 * offer shares that offer's collection until the offer callbacks of the
 * pass returned (shared_pass == pass_gen while h->in_pass): whoever
 * changes it first calls hier_held_own, which gives the holding a copy
 * and leaves the original to the offer. */
typedef struct hier_held {
    const char *fw_id;          /* interned; the framework may be unknown */
    hier_role_t *role;
    butte_resources_t *res;
    uint64_t shared_pass;
} hier_held_t;

/* A refusal: resources fwrole declined on this agent, until expires. */
typedef struct hier_filter {
    uint32_t fwrole;            /* 0: empty slot */
    bool covers_total;          /* refused >= agent total: always applies */
    double expires;
    const butte_resources_t *refused;
} hier_filter_t;

/* Agent totals, shared by agents of equal resources (most of a cluster
 * has a few sizes).  Keyed by the interned text form; equality is still
 * checked (the text does not show every field).  Its own parentless pool:
 * it dies with its last agent. */
typedef struct hier_total {
    butte_pool_t *pool;
    const char *key;            /* interned */
    butte_resources_t *rs;      /* unallocated, read-only */
    size_t refs;
    bool mapped;                /* in h->totals under key */
} hier_total_t;

struct hier_agent {
    const char *id;             /* interned */
    hier_total_t *shared_total; /* owns one reference; total is its rs */
    size_t index;               /* in h->agents */
    bool active, reserved, dirty;
    const butte_resources_t *total;
    butte_resources_t *avail;   /* total minus everything held; from
                                 * hier_res_take, swapped out by offers */
    butte_quantities_t *avail_q;
    hier_held_t *held;          /* malloc'd */
    size_t nheld, held_cap;
    hier_filter_t *filters;     /* open addressing by fwrole id; malloc'd */
    size_t filter_cap, nfilters;
    butte_pool_t *filter_pool;  /* refused sets (parentless); dropped when
                                 * no filter is left */
    const butte_resources_t *last_refused;
    bool last_covers;           /* last_refused contains total */
};

/* The pass's per-framework record of offers. */
typedef struct hier_offer_rec {
    const char *fw_id;
    butte_allocation_t *v;
    size_t n, cap;
} hier_offer_rec_t;

struct hier {
    butte_pool_t *pool;
    butte_loop_t *loop;
    butte_log_t *log;
    const butte_allocator_options_t *opts;
    butte_allocator_kernel_t k;
    double interval;
    butte_sorter_t *roles_sorter;
    hier_map_t roles, fws, agents_by_id;
    butte_resources_t *cluster;  /* sum of agent totals, for new role sorters */
    hier_agent_t **agents;
    size_t nagents, agents_cap;
    hier_agent_t **order;        /* pass scratch: agents to visit */
    hier_agent_t **dirty;
    size_t ndirty, order_cap;
    bool want_full, paused, initialized;
    bool queued;                 /* an event-driven pass is queued */
    butte_timer_t *queued_timer; /* its one-shot timer (or a spent one) */
    butte_timer_t *timer;
    uint32_t next_fwrole;
    uint64_t rng;
    uint64_t pass_gen;
    butte_allocator_stats_t stats;
    uint64_t filtered;           /* candidates skipped by a filter */
    butte_weight_t *weights;     /* weights of roles not created yet */
    size_t nweights;
    /* Empty collections of h->pool to reuse (hier_res_take/_give). */
    butte_resources_t **free_res;
    size_t nfree_res, free_res_cap;
    /* The pass arena, reused by every pass: per-framework offer records
     * (each keeps its array) and the collections offered. */
    hier_offer_rec_t *recs;
    size_t recs_cap;
    butte_resources_t **offered; /* to give back after the callbacks */
    size_t noffered, offered_cap;
    bool in_pass;                /* from the first offer to the last give */
    butte_resources_t *scratch;  /* recover/release: an unallocated copy */
    hier_map_t totals;           /* text form -> hier_total_t (hier-agents.c) */
    butte_quantities_t **free_q; /* agents' quantities to reuse */
    size_t nfree_q, free_q_cap;
    bool agents_cleanup;         /* agents_free registered on h->pool */
};

/* hierarchical.c */
hier_role_t *hier_role_get(hier_t *h, const char *name);
hier_fwrole_t *hier_fw_role(const hier_fw_t *fw, const hier_role_t *role);
hier_held_t *hier_held_find(hier_t *h, hier_agent_t *a, const char *fw_id,
                            const hier_role_t *role, bool create);
void hier_held_drop(hier_t *h, hier_agent_t *a, hier_held_t *e);
void hier_held_own(hier_t *h, hier_held_t *e); /* before changing e->res */
void hier_offered_push(hier_t *h, butte_resources_t *r); /* give after callbacks */
void hier_requantify(hier_agent_t *a);

/* hier-agents.c (the agent slots too) */
butte_resources_t *hier_res_take(hier_t *h);          /* empty, in h->pool */
void hier_res_give(hier_t *h, butte_resources_t *r);  /* clears r */
void hier_release_held(hier_t *h, hier_agent_t *a, const char *fw_id);
void hier_hold_used(hier_t *h, const butte_allocation_t *used, size_t n, hier_agent_t *only);
int hier_add_agent(void *state, const butte_allocator_agent_t *info, butte_err_t *err);
void hier_remove_agent(void *state, const char *agent_id);
int hier_update_agent(void *state, const butte_allocator_agent_t *info, butte_err_t *err);
void hier_activate_agent(void *state, const char *agent_id);
void hier_deactivate_agent(void *state, const char *agent_id);

/* hier-pass.c */
void hier_schedule(hier_t *h, hier_agent_t *a); /* a NULL: a full pass */
void hier_pass(hier_t *h, bool full);
void hier_periodic(void *arg);
void hier_recover_resources(void *state, const char *framework_id, const char *agent_id,
                            const butte_resources_t *resources, double refuse_seconds);
void hier_filters_clear(hier_agent_t *a, uint32_t fwrole);
void hier_filters_clear_all(hier_agent_t *a);
void hier_allocate_now(void *state);

#endif
