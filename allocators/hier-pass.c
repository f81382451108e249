/*
 * allocators/hier-pass.c - allocation passes, refusal filters and
 * recovered resources for the hierarchical allocator.
 *
 * A pass visits agents in a fresh random order.  For each agent it walks
 * the roles in role-sorter order and, inside a role, the frameworks in
 * that role's sorter order, and offers the first framework that has no
 * refusal covering the candidate everything the role may use on the agent
 * (Mesos offers whole agents, not slices).  Unreserved agents are then
 * exhausted, so the walk stops after one offer; an agent below the
 * minimum allocatable size is skipped without visiting anyone.
 *
 * The sorters are walked with foreach() (no copies) and must not change
 * while walked, so the agent's offers are applied to the sorters right
 * after its walk: the next agent sees the new shares, which is what makes
 * a pass converge on DRF.  Offers are collected per framework and handed
 * to the kernel's offer callback once, at the end of the pass.
 *
 * When: a periodic timer (allocation_interval) runs a pass over every
 * agent; events queue a pass on a zero-second timer: agent events and
 * recovered resources for just the agents they touched, framework events
 * (add, activate, revive, weights) for all.  Bursts of events coalesce
 * into one pass.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "allocators/hier-internal.h"

/* Offers one agent can make in one walk (one per role at most). */
#define MAX_PENDING 32

/* ---- refusal filters: per agent, open addressing by fwrole id -------- */

static size_t
filter_home(uint32_t id, size_t cap)
{
    return (size_t)((id * 2654435761u) & (cap - 1));
}

static hier_filter_t *
filter_find(hier_agent_t *a, uint32_t id)
{
    if (a->filter_cap == 0)
        return NULL;
    size_t mask = a->filter_cap - 1;
    for (size_t i = filter_home(id, a->filter_cap);; i = (i + 1) & mask) {
        if (a->filters[i].fwrole == id)
            return &a->filters[i];
        if (a->filters[i].fwrole == 0)
            return NULL;
    }
}

static void
filter_delete(hier_agent_t *a, hier_filter_t *f)
{
    size_t mask = a->filter_cap - 1, i = (size_t)(f - a->filters);

    a->filters[i].fwrole = 0;
    for (size_t j = (i + 1) & mask; a->filters[j].fwrole != 0; j = (j + 1) & mask) {
        size_t home = filter_home(a->filters[j].fwrole, a->filter_cap);
        bool stays = (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
        if (!stays) {
            a->filters[i] = a->filters[j];
            a->filters[j].fwrole = 0;
            i = j;
        }
    }
    if (--a->nfilters == 0) {
        /* No refusal left: drop the refused sets they pointed at. */
        butte_pool_destroy(a->filter_pool);
        a->filter_pool = NULL;
        a->last_refused = NULL;
    }
}

static void
filter_insert(hier_agent_t *a, const hier_filter_t *f)
{
    if ((a->nfilters + 1) * 2 > a->filter_cap) {
        hier_filter_t *old = a->filters;
        size_t old_cap = a->filter_cap;
        a->filter_cap = old_cap ? old_cap * 2 : 16;
        a->filters = calloc(a->filter_cap, sizeof *a->filters);
        if (a->filters == NULL)
            abort(); /* the pool rule: out of memory is fatal */
        a->nfilters = 0;
        for (size_t i = 0; i < old_cap; i++)
            if (old[i].fwrole != 0)
                filter_insert(a, &old[i]);
        free(old);
    }
    size_t mask = a->filter_cap - 1;
    size_t i = filter_home(f->fwrole, a->filter_cap);
    while (a->filters[i].fwrole != 0 && a->filters[i].fwrole != f->fwrole)
        i = (i + 1) & mask;
    if (a->filters[i].fwrole == 0)
        a->nfilters++;
    a->filters[i] = *f;
}

/* Refuse u (unallocated form) on a to fwrole until expires. */
static void
filter_add(hier_agent_t *a, uint32_t fwrole, const butte_resources_t *u, double expires)
{
    hier_filter_t f = { .fwrole = fwrole, .expires = expires };

    if (a->filter_pool == NULL)
        a->filter_pool = butte_pool_create(NULL);
    /* Declines of one agent usually refuse the same set (often all of it):
     * share one copy instead of one per framework. */
    if (a->last_refused == NULL || !butte_resources_equals(a->last_refused, u)) {
        a->last_refused = butte_resources_copy(a->filter_pool, u);
        /* Every candidate on a is part of its total, so a refusal of the
         * whole total applies without comparing sets on each visit. */
        a->last_covers = butte_resources_contains(a->last_refused, a->total);
    }
    f.refused = a->last_refused;
    f.covers_total = a->last_covers;
    filter_insert(a, &f);
}

void
hier_filters_clear(hier_agent_t *a, uint32_t fwrole)
{
    hier_filter_t *f = filter_find(a, fwrole);
    if (f != NULL)
        filter_delete(a, f);
}

void
hier_filters_clear_all(hier_agent_t *a)
{
    free(a->filters);
    a->filters = NULL;
    a->filter_cap = 0;
    a->nfilters = 0;
    butte_pool_destroy(a->filter_pool);
    a->filter_pool = NULL;
    a->last_refused = NULL;
}

/* ---- scheduling ------------------------------------------------------- */

static void
run_deferred(void *arg)
{
    hier_t *h = arg;

    h->queued = false;
    bool full = h->want_full;
    h->want_full = false;
    hier_pass(h, full);
}

/* Keep order and dirty as large as the agent table (dirty never holds an
 * agent twice, so it never outgrows it). */
static void
grow_order(hier_t *h)
{
    if (h->order_cap >= h->agents_cap && h->order_cap > 0)
        return;
    size_t cap = h->agents_cap > 64 ? h->agents_cap : 64;
    hier_agent_t **d = butte_pool_alloc(h->pool, cap * sizeof *d);
    if (h->ndirty > 0)
        memcpy(d, h->dirty, h->ndirty * sizeof *d);
    h->dirty = d;
    h->order = butte_pool_alloc(h->pool, cap * sizeof *h->order);
    h->order_cap = cap;
}

void
hier_schedule(hier_t *h, hier_agent_t *a)
{
    if (a == NULL) {
        h->want_full = true;
    } else if (!a->dirty) {
        grow_order(h);
        a->dirty = true;
        h->dirty[h->ndirty++] = a;
    }
    if (!h->queued && h->initialized) {
        /* A zero-second timer rather than butte_loop_defer: libevent runs
         * a deferred callback in the same dispatch round, so a framework
         * that declines synchronously would chain passes forever and
         * starve I/O and timers; a timer waits for the next round.  The
         * allocator owns it, so destroy can cancel it. */
        butte_timer_stop(h->queued_timer);
        h->queued_timer = butte_timer_start(h->loop, 0, false, run_deferred, h);
        h->queued = true;
    }
}

void
hier_periodic(void *arg)
{
    hier_pass(arg, true);
}

void
hier_allocate_now(void *state)
{
    hier_t *h = state;

    /* An explicit request with no event behind it looks at everything. */
    hier_schedule(h, NULL);
}

/* ---- the pass ---------------------------------------------------------- */

typedef struct pending {
    hier_role_t *role;
    const char *fw_id;
    butte_resources_t *res;
} pending_t;

typedef struct pass {
    hier_t *h;
    butte_pool_t *pool;            /* NULL until pass_pool() needs one */
    double now;
    hier_agent_t *a;
    hier_role_t *role;
    const butte_resources_t *cand; /* what role may use on a, unallocated */
    pending_t pend[MAX_PENDING];
    size_t npend;
    size_t nrecs;                  /* records used in h->recs */
} pass_t;

/* Scratch memory for the rare cases that need it (reserved agents, a
 * sorter without foreach): most passes never make a pool. */
static butte_pool_t *
pass_pool(pass_t *p)
{
    if (p->pool == NULL)
        p->pool = butte_pool_create(p->h->pool);
    return p->pool;
}

static bool
min_met(const hier_t *h, const butte_quantities_t *q)
{
    const butte_allocator_options_t *o = h->opts;
    if (!BUTTE_HAS_FIELD(o, butte_allocator_options_t, n_min_allocatable) ||
        o->n_min_allocatable == 0)
        return true;
    return butte_min_allocatable_met((butte_quantities_t *const *)o->min_allocatable,
                                     o->n_min_allocatable, q);
}

/* Walk s in order; with a sorter that has no foreach(), sort() and let
 * fn resolve names (data NULL). */
static void
walk(const butte_sorter_ops_t *ops, butte_sorter_t *s, pass_t *p,
     bool (*fn)(const char *, void *, void *), void *arg)
{
    if (ops->foreach != NULL) {
        ops->foreach(s, fn, arg);
        return;
    }
    const char **names;
    size_t n;
    butte_err_t err;
    if (ops->sort(s, pass_pool(p), &names, &n, &err) < 0)
        return;
    for (size_t i = 0; i < n; i++)
        if (!fn(names[i], NULL, arg))
            return;
}

/* The arena's arrays only grow (in h->pool): a pass sized like the last
 * one allocates nothing for its records. */
static void
record_offer(pass_t *p, hier_fw_t *fw, hier_role_t *role, butte_resources_t *res)
{
    hier_t *h = p->h;
    if (fw->pass_gen != h->pass_gen) {
        if (p->nrecs == h->recs_cap) {
            size_t cap = h->recs_cap ? 2 * h->recs_cap : 64;
            hier_offer_rec_t *v = butte_pool_alloc(h->pool, cap * sizeof *v);
            /* Old records keep their arrays; new ones start empty. */
            if (h->recs_cap > 0)
                memcpy(v, h->recs, h->recs_cap * sizeof *v);
            memset(v + h->recs_cap, 0, (cap - h->recs_cap) * sizeof *v);
            h->recs = v;
            h->recs_cap = cap;
        }
        fw->pass_gen = h->pass_gen;
        fw->pass_slot = p->nrecs;
        hier_offer_rec_t *r = &h->recs[p->nrecs++];
        r->fw_id = fw->id;
        r->n = 0; /* keeps its array from an earlier pass */
    }
    hier_offer_rec_t *r = &h->recs[fw->pass_slot];
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 4;
        butte_allocation_t *v = butte_pool_alloc(h->pool, cap * sizeof *v);
        if (r->n > 0)
            memcpy(v, r->v, r->n * sizeof *v);
        r->v = v;
        r->cap = cap;
    }
    r->v[r->n++] = (butte_allocation_t){
        .framework_id = fw->id, .role = role->name, .agent_id = p->a->id, .resources = res
    };
}

static bool
visit_framework(const char *name, void *data, void *arg)
{
    pass_t *p = arg;
    hier_t *h = p->h;
    hier_agent_t *a = p->a;
    hier_fwrole_t *fr = data;

    if (fr == NULL) {
        hier_fw_t *fw = hier_map_get(&h->fws, name);
        fr = fw != NULL ? hier_fw_role(fw, p->role) : NULL;
    }
    if (fr == NULL || !fr->offering)
        return true;
    if (a->nfilters > 0) {
        hier_filter_t *f = filter_find(a, fr->id);
        if (f != NULL) {
            if (f->expires <= p->now)
                filter_delete(a, f);
            else if (f->covers_total || butte_resources_contains(f->refused, p->cand)) {
                h->filtered++;
                return true;
            }
        }
    }
    butte_resources_t *res;
    if (p->cand == a->avail) {
        /* The whole agent: hand its collection over instead of copying
         * it, and give the agent an empty one. */
        res = a->avail;
        a->avail = hier_res_take(h);
        butte_quantities_subtract_all(a->avail_q, a->avail_q);
    } else {
        res = hier_res_take(h);
        butte_resources_add_all(res, p->cand);
        butte_resources_subtract(a->avail, p->cand);
        hier_requantify(a);
    }
    if (butte_resources_allocate(res, p->role->name, NULL) < 0) {
        hier_res_give(h, res);
        return false; /* cannot happen: role names were validated */
    }
    hier_held_t *e = hier_held_find(h, a, fr->fw->id, p->role, true);
    if (butte_resources_is_empty(e->res) && e->shared_pass != h->pass_gen) {
        /* A new holding is exactly the offer: share the collection
         * rather than copy it (hier_held_own copies if a callback changes
         * the holding before the offer is out). */
        hier_res_give(h, e->res);
        e->res = res;
        e->shared_pass = h->pass_gen;
    } else {
        hier_held_own(h, e);
        butte_resources_add_all(e->res, res);
        hier_offered_push(h, res);
    }
    p->pend[p->npend++] = (pending_t){ p->role, fr->fw->id, res };
    record_offer(p, fr->fw, p->role, res);
    /* The role's whole candidate is gone; on to the next role. */
    return false;
}

static bool
visit_role(const char *name, void *data, void *arg)
{
    pass_t *p = arg;
    hier_t *h = p->h;
    hier_agent_t *a = p->a;
    hier_role_t *role = data != NULL ? data : hier_map_get(&h->roles, name);

    if (role == NULL || role->fws == NULL)
        return true;
    if (!a->reserved) {
        p->cand = a->avail;
    } else {
        /* Reserved agents are rare: filtering per role may allocate. */
        butte_pool_t *pool = pass_pool(p);
        butte_resources_t *c = butte_resources_for_role(pool, a->avail, role->name);
        if (butte_resources_is_empty(c) || !min_met(h, butte_resources_quantities(pool, c)))
            return !butte_resources_is_empty(a->avail);
        p->cand = c;
    }
    p->role = role;
    walk(h->k.framework_sorter, role->fws, p, visit_framework, p);
    if (p->npend == MAX_PENDING || butte_resources_is_empty(a->avail))
        return false;
    /* Unreserved: what is left (nothing, if anyone took it) is the same
     * for every role, so stop once it is below the minimum. */
    return a->reserved || min_met(h, a->avail_q);
}

/* The agents of a pass come in random order, scattered over memory, so
 * every one is a string of cache misses the hardware cannot foresee.
 * Stage them in software: the agent four ahead, its available
 * collection two ahead, that collection's entries one ahead. */
static void
prefetch_ahead(hier_agent_t **order, size_t i, size_t n)
{
    if (i + 4 < n)
        __builtin_prefetch(order[i + 4]);
    if (i + 2 < n) {
        __builtin_prefetch(order[i + 2]->avail);
        __builtin_prefetch(order[i + 2]->avail_q);
        __builtin_prefetch(order[i + 2]->held);
    }
    if (i + 1 < n) {
        const butte_resources_t *r = order[i + 1]->avail;
        size_t k = butte_resources_count(r);
        /* Entries are usually adjacent; a prefetch never faults, and the
         * bound keeps a scattered collection from costing a long loop. */
        for (size_t j = 0; j < k && j < 8; j++) {
            const char *e = (const char *)butte_resources_at(r, j);
            __builtin_prefetch(e);
            __builtin_prefetch(e + sizeof(butte_res_t) - 1);
        }
    }
}

static void
shuffle(hier_t *h, hier_agent_t **v, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        h->rng ^= h->rng >> 12;
        h->rng ^= h->rng << 25;
        h->rng ^= h->rng >> 27;
        size_t j = (size_t)((h->rng * 2685821657736338717ull) % i);
        hier_agent_t *t = v[i - 1];
        v[i - 1] = v[j];
        v[j] = t;
    }
}

void
hier_pass(hier_t *h, bool full)
{
    struct timespec t0, t1;

    if (!h->initialized || h->paused)
        return;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    grow_order(h);
    size_t n = 0;
    /* memcpy with a NULL source is undefined even for 0 bytes, and the
     * arrays are not allocated before the first agent arrives. */
    if (full) {
        n = h->nagents;
        if (n > 0)
            memcpy(h->order, h->agents, n * sizeof *h->order);
    } else {
        n = h->ndirty;
        if (n > 0)
            memcpy(h->order, h->dirty, n * sizeof *h->order);
    }
    for (size_t i = 0; i < h->ndirty; i++)
        h->dirty[i]->dirty = false;
    h->ndirty = 0;
    shuffle(h, h->order, n);

    pass_t p = { .h = h, .now = butte_loop_now(h->loop) };
    h->pass_gen++;
    h->in_pass = true;
    h->noffered = 0;
    for (size_t i = 0; i < n; i++) {
        hier_agent_t *a = h->order[i];
        prefetch_ahead(h->order, i, n);
        if (!a->active || butte_resources_is_empty(a->avail))
            continue;
        if (!a->reserved && !min_met(h, a->avail_q))
            continue;
        p.a = a;
        p.npend = 0;
        walk(h->k.role_sorter, h->roles_sorter, &p, visit_role, &p);
        for (size_t j = 0; j < p.npend; j++) {
            pending_t *e = &p.pend[j];
            h->k.role_sorter->allocated(h->roles_sorter, e->role->name, a->id, e->res);
            h->k.framework_sorter->allocated(e->role->fws, e->fw_id, a->id, e->res);
        }
    }
    /* Everything offered points into the arena (h->pool) or at interned
     * ids, so a callback that removes a framework or agent cannot pull
     * memory out from under the records still to be sent.  No callback
     * runs a pass, so nothing else uses the arena meanwhile.  Holdings
     * that share an offer's collection stay unchanged until in_pass ends
     * (hier_held_own), and removed agents' shared collections wait in
     * h->offered. */
    for (size_t i = 0; i < p.nrecs; i++) {
        h->k.offer(h->k.offer_ctx, h->recs[i].fw_id, h->recs[i].v, h->recs[i].n);
        h->stats.offers++;
    }
    h->in_pass = false;
    for (size_t i = 0; i < h->noffered; i++)
        hier_res_give(h, h->offered[i]);
    h->noffered = 0;
    butte_pool_destroy(p.pool);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    h->stats.passes++;
    h->stats.last_pass_secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
}

/* ---- recovered resources ---------------------------------------------- */

void
hier_recover_resources(void *state, const char *framework_id, const char *agent_id,
                       const butte_resources_t *resources, double refuse_seconds)
{
    hier_t *h = state;
    hier_agent_t *a = hier_map_get(&h->agents_by_id, agent_id);

    /* A removed agent's holdings were released with it. */
    if (a == NULL || butte_resources_is_empty(resources))
        return;
    hier_fw_t *fw = hier_map_get(&h->fws, framework_id);
    const char *fw_id = fw != NULL ? fw->id : butte_res_intern(framework_id);
    double refuse = refuse_seconds < 0 ? 5.0 : refuse_seconds;
    /* A filter outlives at least one interval, so the next periodic pass
     * cannot re-offer what was just declined (Mesos does the same). */
    double expires = butte_loop_now(h->loop) + (refuse > h->interval ? refuse : h->interval);
    butte_pool_t *tmp = NULL; /* only for mixed or partly unknown recoveries */
    size_t n = butte_resources_count(resources);
    bool one_role = true;

    for (size_t i = 1; i < n && one_role; i++)
        one_role = butte_resources_at(resources, i)->allocation_role ==
                   butte_resources_at(resources, 0)->allocation_role;
    for (size_t i = 0; i < n; i++) {
        const char *rname = butte_resources_at(resources, i)->allocation_role;
        bool seen = rname == NULL;
        for (size_t j = 0; j < i && !seen; j++)
            seen = butte_resources_at(resources, j)->allocation_role == rname;
        if (seen)
            continue;
        hier_role_t *role = hier_map_get(&h->roles, rname);
        hier_held_t *e = role != NULL ? hier_held_find(h, a, fw_id, role, false) : NULL;
        if (e == NULL)
            continue;
        /* The usual recovery is one offer, all in one role: use it as is. */
        const butte_resources_t *part = resources;
        if (!one_role) {
            tmp = tmp != NULL ? tmp : butte_pool_create(h->pool);
            part = butte_resources_allocated_to(tmp, resources, rname);
        }
        /* Never give back more than is held: a double recovery must not
         * mint resources. */
        if (!butte_resources_contains(e->res, part)) {
            tmp = tmp != NULL ? tmp : butte_pool_create(h->pool);
            part = butte_resources_minus(tmp, e->res, butte_resources_minus(tmp, e->res, part));
        }
        if (butte_resources_is_empty(part))
            continue;
        h->k.role_sorter->unallocated(h->roles_sorter, role->name, a->id, part);
        if (role->fws != NULL)
            h->k.framework_sorter->unallocated(role->fws, fw_id, a->id, part);
        butte_resources_t *u = h->scratch;
        butte_resources_clear(u);
        butte_resources_add_all(u, part);
        butte_resources_unallocate(u);
        /* part may be the offer's collection itself, shared with the
         * holding: the holding takes a copy before it shrinks. */
        hier_held_own(h, e);
        butte_resources_subtract(e->res, part);
        if (butte_resources_is_empty(e->res))
            hier_held_drop(h, a, e);
        butte_resources_add_all(a->avail, u);
        hier_fwrole_t *fr = fw != NULL ? hier_fw_role(fw, role) : NULL;
        if (refuse > 0 && fr != NULL)
            filter_add(a, fr->id, u, expires);
    }
    butte_pool_destroy(tmp);
    hier_requantify(a);
    hier_schedule(h, a);
}
