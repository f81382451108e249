/*
 * allocators/hier-agents.c - the hierarchical allocator's agents and what
 * is held on them: add, remove, update, (de)activate, and the per-agent
 * record of resources allocated to each (framework, role), which keeps
 * every agent's available resources current without recomputing them in
 * a pass.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "allocators/hier-internal.h"

/* ---- recycled collections -------------------------------------------- */

butte_resources_t *
hier_res_take(hier_t *h)
{
    if (h->nfree_res > 0)
        return h->free_res[--h->nfree_res];
    return butte_resources_create(h->pool);
}

void
hier_res_give(hier_t *h, butte_resources_t *r)
{
    butte_resources_clear(r);
    if (h->nfree_res == h->free_res_cap) {
        size_t cap = h->free_res_cap ? 2 * h->free_res_cap : 256;
        butte_resources_t **v = butte_pool_alloc(h->pool, cap * sizeof *v);
        if (h->nfree_res > 0)
            memcpy(v, h->free_res, h->nfree_res * sizeof *v);
        h->free_res = v;
        h->free_res_cap = cap;
    }
    h->free_res[h->nfree_res++] = r;
}

/* ---- held allocations ------------------------------------------------ */

hier_held_t *
hier_held_find(hier_t *h, hier_agent_t *a, const char *fw_id, const hier_role_t *role,
               bool create)
{
    for (size_t i = 0; i < a->nheld; i++)
        if (a->held[i].role == role && a->held[i].fw_id == fw_id)
            return &a->held[i];
    if (!create)
        return NULL;
    if (a->nheld == a->held_cap) {
        size_t cap = a->held_cap ? 2 * a->held_cap : 4;
        hier_held_t *v = realloc(a->held, cap * sizeof *v);
        if (v == NULL)
            abort(); /* the pool rule: out of memory is fatal */
        a->held = v;
        a->held_cap = cap;
    }
    hier_held_t *e = &a->held[a->nheld++];
    e->fw_id = fw_id;
    e->role = (hier_role_t *)role;
    /* A recycled collection: agents see offers come and go all day. */
    e->res = hier_res_take(h);
    e->shared_pass = 0;
    return e;
}

static bool
held_shared(const hier_t *h, const hier_held_t *e)
{
    return h->in_pass && e->shared_pass == h->pass_gen;
}

void
hier_offered_push(hier_t *h, butte_resources_t *r)
{
    if (h->noffered == h->offered_cap) {
        size_t cap = h->offered_cap ? 2 * h->offered_cap : 256;
        butte_resources_t **v = butte_pool_alloc(h->pool, cap * sizeof *v);
        if (h->noffered > 0)
            memcpy(v, h->offered, h->noffered * sizeof *v);
        h->offered = v;
        h->offered_cap = cap;
    }
    h->offered[h->noffered++] = r;
}

void
hier_held_own(hier_t *h, hier_held_t *e)
{
    if (!held_shared(h, e))
        return;
    /* An offer callback is changing what a not yet sent (or being sent)
     * offer shows: the holding takes a copy, the offer keeps the
     * original, which the pass gives back after the callbacks. */
    butte_resources_t *c = hier_res_take(h);
    butte_resources_add_all(c, e->res);
    hier_offered_push(h, e->res);
    e->res = c;
    e->shared_pass = 0;
}

void
hier_held_drop(hier_t *h, hier_agent_t *a, hier_held_t *e)
{
    if (held_shared(h, e))
        hier_offered_push(h, e->res); /* the offer still shows it */
    else
        hier_res_give(h, e->res);
    *e = a->held[--a->nheld];
}

void
hier_requantify(hier_agent_t *a)
{
    butte_quantities_subtract_all(a->avail_q, a->avail_q);
    size_t n = butte_resources_count(a->avail);
    for (size_t i = 0; i < n; i++) {
        const butte_res_t *e = butte_resources_at(a->avail, i);
        int64_t amount = 0;
        if (e->type == BUTTE_VALUE_SCALAR) {
            amount = e->scalar;
        } else if (e->type == BUTTE_VALUE_RANGES) {
            for (size_t k = 0; k < e->nranges; k++)
                amount += (int64_t)(e->ranges[k].end - e->ranges[k].begin + 1) *
                          BUTTE_SCALAR_SCALE;
        } else {
            amount = (int64_t)e->nitems * BUTTE_SCALAR_SCALE;
        }
        butte_quantities_add(a->avail_q, e->name, amount);
    }
}

/* Count r (used by fw_id in role, allocated form or not) as held on a and
 * in the sorters; it comes out of a->avail unless already_held. */
static void
hold(hier_t *h, hier_agent_t *a, const char *fw_id, hier_role_t *role,
     const butte_resources_t *r, bool already_held)
{
    butte_pool_t *tmp = butte_pool_create(h->pool);
    butte_resources_t *alloc = butte_resources_copy(tmp, r);
    butte_resources_t *u = butte_resources_copy(tmp, r);

    butte_resources_unallocate(u);
    if (butte_resources_allocate(alloc, role->name, NULL) == 0) {
        if (!already_held) {
            hier_held_t *e = hier_held_find(h, a, fw_id, role, true);
            hier_held_own(h, e);
            butte_resources_add_all(e->res, alloc);
            butte_resources_subtract(a->avail, u);
            hier_requantify(a);
            h->k.role_sorter->allocated(h->roles_sorter, role->name, a->id, alloc);
        }
        if (role->fws != NULL)
            h->k.framework_sorter->allocated(role->fws, fw_id, a->id, alloc);
    }
    butte_pool_destroy(tmp);
}

/* Hand everything held on a by fw_id (or by anyone, fw_id NULL) back to
 * a->avail and out of the sorters. */
void
hier_release_held(hier_t *h, hier_agent_t *a, const char *fw_id)
{
    for (size_t i = a->nheld; i-- > 0;) {
        hier_held_t *e = &a->held[i];
        if (fw_id != NULL && e->fw_id != fw_id)
            continue;
        h->k.role_sorter->unallocated(h->roles_sorter, e->role->name, a->id, e->res);
        if (e->role->fws != NULL)
            h->k.framework_sorter->unallocated(e->role->fws, e->fw_id, a->id, e->res);
        /* The entry is dropped anyway: unallocate its own collection. */
        hier_held_own(h, e);
        butte_resources_unallocate(e->res);
        butte_resources_add_all(a->avail, e->res);
        hier_held_drop(h, a, e);
    }
    hier_requantify(a);
}

/* Hold used allocations.  only non-NULL: the agent side reports them
 * (add_agent), all on that agent; NULL: the framework side
 * (add_framework), which must not count twice what an agent already
 * reported, so a (framework, role) already held there only joins the
 * framework sorter. */
void
hier_hold_used(hier_t *h, const butte_allocation_t *used, size_t n, hier_agent_t *only)
{
    for (size_t i = 0; i < n; i++) {
        const butte_allocation_t *u = &used[i];
        hier_agent_t *a = only != NULL ? only : hier_map_get(&h->agents_by_id, u->agent_id);
        if (a == NULL || u->role == NULL || butte_role_valid(u->role, NULL) < 0)
            continue;
        hier_role_t *role = hier_role_get(h, u->role);
        const char *fw_id = butte_res_intern(u->framework_id);
        bool known = only == NULL && hier_held_find(h, a, fw_id, role, false) != NULL;
        hold(h, a, fw_id, role, u->resources, known);
    }
}

/* ---- agents ---------------------------------------------------------- */

static bool
any_reserved(const butte_resources_t *r)
{
    size_t n = butte_resources_count(r);
    for (size_t i = 0; i < n; i++)
        if (butte_res_is_reserved(butte_resources_at(r, i)))
            return true;
    return false;
}

static void
add_totals(hier_t *h, hier_agent_t *a, bool add)
{
    void (*fn)(butte_sorter_t *, const char *, const butte_resources_t *) =
        add ? h->k.role_sorter->add_total : h->k.role_sorter->remove_total;
    fn(h->roles_sorter, a->id, a->total);
    fn = add ? h->k.framework_sorter->add_total : h->k.framework_sorter->remove_total;
    for (size_t i = 0; i < h->roles.cap; i++)
        if (h->roles.keys[i] != NULL) {
            hier_role_t *r = h->roles.vals[i];
            if (r->fws != NULL)
                fn(r->fws, a->id, a->total);
        }
    if (add)
        butte_resources_add_all(h->cluster, a->total);
    else
        butte_resources_subtract(h->cluster, a->total);
}

/* ---- shared totals and recycled quantities --------------------------- */

/* The shared copy of total (unallocated), one more reference. */
static hier_total_t *
total_get(hier_t *h, const butte_resources_t *total)
{
    butte_pool_t *tmp = butte_pool_create(NULL);
    butte_resources_t *u = butte_resources_copy(tmp, total);

    butte_resources_unallocate(u);
    const char *key = butte_res_intern(butte_resources_format(tmp, u));
    hier_total_t *t = hier_map_get(&h->totals, key);
    if (t != NULL && butte_resources_equals(t->rs, u)) {
        t->refs++;
        butte_pool_destroy(tmp);
        return t;
    }
    butte_pool_t *p = butte_pool_create(NULL);
    hier_total_t *n = butte_pool_alloc(p, sizeof *n);
    n->pool = p;
    n->key = key;
    n->rs = butte_resources_copy(p, u);
    n->refs = 1;
    /* a key taken by unequal resources: this one stays private */
    if (t == NULL) {
        hier_map_put(h->pool, &h->totals, key, n);
        n->mapped = true;
    }
    butte_pool_destroy(tmp);
    return n;
}

static void
total_put(hier_t *h, hier_total_t *t)
{
    if (t == NULL || --t->refs > 0)
        return;
    if (t->mapped)
        hier_map_del(&h->totals, t->key);
    butte_pool_destroy(t->pool);
}

/* An empty quantities map of h->pool: agents come and go, their maps are
 * reused rather than left behind in the pool. */
static butte_quantities_t *
q_take(hier_t *h)
{
    if (h->nfree_q > 0)
        return h->free_q[--h->nfree_q];
    return butte_quantities_create(h->pool);
}

static void
q_give(hier_t *h, butte_quantities_t *q)
{
    butte_quantities_subtract_all(q, q);
    if (h->nfree_q == h->free_q_cap) {
        size_t cap = h->free_q_cap ? 2 * h->free_q_cap : 256;
        butte_quantities_t **v = butte_pool_alloc(h->pool, cap * sizeof *v);
        if (h->nfree_q > 0)
            memcpy(v, h->free_q, h->nfree_q * sizeof *v);
        h->free_q = v;
        h->free_q_cap = cap;
    }
    h->free_q[h->nfree_q++] = q;
}

/* What an agent holds outside h->pool. */
static void
agent_free(hier_t *h, hier_agent_t *a)
{
    hier_filters_clear_all(a);
    free(a->held);
    total_put(h, a->shared_total);
    free(a);
}

/* h->pool goes: the agents still known go first (their collections and
 * quantities are h->pool's). */
static void
agents_free(void *arg)
{
    hier_t *h = arg;

    for (size_t i = 0; i < h->nagents; i++)
        agent_free(h, h->agents[i]);
    h->nagents = 0;
}

int
hier_add_agent(void *state, const butte_allocator_agent_t *info, butte_err_t *err)
{
    hier_t *h = state;

    if (hier_map_get(&h->agents_by_id, info->id) != NULL)
        return butte_err_set(err, BUTTE_ECONFLICT, "agent \"%s\" is already known", info->id);
    hier_agent_t *a = calloc(1, sizeof *a);
    if (a == NULL)
        abort(); /* the pool rule: out of memory is fatal */
    if (!h->agents_cleanup) {
        butte_pool_on_destroy(h->pool, agents_free, h);
        h->agents_cleanup = true;
    }
    a->id = butte_res_intern(info->id);
    a->active = true;
    a->shared_total = total_get(h, info->total);
    a->total = a->shared_total->rs;
    /* The allocator's, not the agent's: an offer may carry it away. */
    a->avail = hier_res_take(h);
    butte_resources_add_all(a->avail, a->total);
    a->avail_q = q_take(h);
    a->reserved = any_reserved(a->total);
    hier_requantify(a);
    if (h->nagents == h->agents_cap) {
        size_t cap = h->agents_cap ? 2 * h->agents_cap : 256;
        hier_agent_t **v = butte_pool_alloc(h->pool, cap * sizeof *v);
        if (h->nagents > 0)
            memcpy(v, h->agents, h->nagents * sizeof *v);
        h->agents = v;
        h->agents_cap = cap;
    }
    a->index = h->nagents;
    h->agents[h->nagents++] = a;
    hier_map_put(h->pool, &h->agents_by_id, a->id, a);
    add_totals(h, a, true);
    hier_hold_used(h, info->used, info->n_used, a);
    hier_schedule(h, a);
    return 0;
}

void
hier_remove_agent(void *state, const char *agent_id)
{
    hier_t *h = state;
    hier_agent_t *a = hier_map_get(&h->agents_by_id, agent_id);

    if (a == NULL)
        return;
    hier_release_held(h, a, NULL);
    add_totals(h, a, false);
    if (a->dirty)
        for (size_t i = 0; i < h->ndirty; i++)
            if (h->dirty[i] == a) {
                h->dirty[i] = h->dirty[--h->ndirty];
                break;
            }
    h->agents[a->index] = h->agents[--h->nagents];
    h->agents[a->index]->index = a->index;
    hier_map_del(&h->agents_by_id, a->id);
    hier_res_give(h, a->avail);
    q_give(h, a->avail_q);
    agent_free(h, a);
}

int
hier_update_agent(void *state, const butte_allocator_agent_t *info, butte_err_t *err)
{
    hier_t *h = state;
    hier_agent_t *a = hier_map_get(&h->agents_by_id, info->id);

    if (a == NULL)
        return butte_err_set(err, BUTTE_ENOTFOUND, "agent \"%s\" is not known", info->id);
    add_totals(h, a, false);
    hier_total_t *old = a->shared_total;
    a->shared_total = total_get(h, info->total);
    a->total = a->shared_total->rs;
    total_put(h, old);
    a->reserved = any_reserved(a->total);
    add_totals(h, a, true);
    butte_resources_clear(a->avail);
    butte_resources_add_all(a->avail, a->total);
    for (size_t i = 0; i < a->nheld; i++) {
        butte_resources_t *u = h->scratch;
        butte_resources_clear(u);
        butte_resources_add_all(u, a->held[i].res);
        butte_resources_unallocate(u);
        butte_resources_subtract(a->avail, u);
    }
    hier_requantify(a);
    /* A refusal was about the old resources. */
    hier_filters_clear_all(a);
    hier_schedule(h, a);
    return 0;
}

static void
set_agent_active(hier_t *h, const char *agent_id, bool active)
{
    hier_agent_t *a = hier_map_get(&h->agents_by_id, agent_id);

    if (a == NULL || a->active == active)
        return;
    a->active = active;
    if (active)
        hier_schedule(h, a);
}

void
hier_activate_agent(void *state, const char *agent_id)
{
    set_agent_active(state, agent_id, true);
}

void
hier_deactivate_agent(void *state, const char *agent_id)
{
    set_agent_active(state, agent_id, false);
}

