/*
 * allocators/hierarchical.c - the "hierarchical" allocator (Mesos'
 * HierarchicalDRF): frameworks, roles, weights, suppression and the
 * module's life cycle.  Agents and held resources are in hier-agents.c,
 * the allocation pass, refusal filters and recovery in hier-pass.c.
 *
 * Library libhierarchical.so, descriptor symbol
 * org_apache_mesos_HierarchicalDRF; the master loads it with
 *   butte_modules_add_library(mods, "hierarchical",
 *                             "org_apache_mesos_HierarchicalDRF", err)
 * for --allocator=hierarchical (or its alias HierarchicalDRF); see
 * allocators/selection.h and allocators/README.md.
 *
 * Two levels: one role sorter orders the roles, and each role has its own
 * framework sorter (opened from the --framework_sorter instance).  A
 * framework's subscription to a role (hier_fwrole_t) is active in its
 * role's sorter only while the framework is active and not suppressed in
 * that role, and a role is active in the role sorter only while it has
 * such a subscription: a pass never visits anything it cannot offer to,
 * except frameworks filtered on one agent.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "allocators/hier-internal.h"

/* ---- roles and subscriptions ---------------------------------------- */

hier_role_t *
hier_role_get(hier_t *h, const char *name)
{
    hier_role_t *r = hier_map_get(&h->roles, name);
    butte_err_t err;

    if (r != NULL)
        return r;
    r = butte_pool_alloc(h->pool, sizeof *r);
    r->name = butte_res_intern(name);
    r->weight = 1.0;
    if (h->k.framework_sorter->open(h->k.framework_sorter_state, &r->fws, &err) < 0) {
        /* The sorter refused to open: keep the role without frameworks
         * rather than crash; subscriptions to it are never offered. */
        butte_log(h->log, BUTTE_LOG_ERROR, "cannot open a framework sorter for role \"%s\": %s",
                  name, err.msg);
        r->fws = NULL;
    } else if (!butte_resources_is_empty(h->cluster)) {
        h->k.framework_sorter->add_total(r->fws, "cluster", h->cluster);
    }
    if (h->k.role_sorter->add_client(h->roles_sorter, r->name, &err) == 0 &&
        h->k.role_sorter->attach != NULL)
        h->k.role_sorter->attach(h->roles_sorter, r->name, r);
    hier_map_put(h->pool, &h->roles, r->name, r);
    return r;
}

hier_fwrole_t *
hier_fw_role(const hier_fw_t *fw, const hier_role_t *role)
{
    for (size_t i = 0; i < fw->nroles; i++)
        if (fw->roles[i]->role == role)
            return fw->roles[i];
    return NULL;
}

/* Make fr's place in its role's sorter (and the role's in the role
 * sorter) match whether it may be offered now. */
static void
fwrole_refresh(hier_t *h, hier_fwrole_t *fr)
{
    bool want = fr->fw->active && !fr->suppressed && fr->role->fws != NULL;
    hier_role_t *r = fr->role;

    if (want == fr->offering)
        return;
    fr->offering = want;
    if (want) {
        h->k.framework_sorter->activate(r->fws, fr->fw->id);
        if (r->offering++ == 0)
            h->k.role_sorter->activate(h->roles_sorter, r->name);
    } else {
        h->k.framework_sorter->deactivate(r->fws, fr->fw->id);
        if (--r->offering == 0)
            h->k.role_sorter->deactivate(h->roles_sorter, r->name);
    }
}

static hier_fwrole_t *
fwrole_add(hier_t *h, hier_fw_t *fw, const char *role_name, bool suppressed)
{
    hier_fwrole_t *fr = butte_pool_alloc(fw->pool, sizeof *fr);
    butte_err_t err;

    fr->fw = fw;
    fr->role = hier_role_get(h, role_name);
    fr->id = ++h->next_fwrole;
    fr->suppressed = suppressed;
    if (fr->role->fws != NULL &&
        h->k.framework_sorter->add_client(fr->role->fws, fw->id, &err) == 0 &&
        h->k.framework_sorter->attach != NULL)
        h->k.framework_sorter->attach(fr->role->fws, fw->id, fr);
    return fr;
}

static void
fwrole_remove(hier_t *h, hier_fwrole_t *fr)
{
    fr->suppressed = true; /* forces it out of both sorters' active sets */
    fwrole_refresh(h, fr);
    if (fr->role->fws != NULL)
        h->k.framework_sorter->remove_client(fr->role->fws, fr->fw->id);
    for (size_t i = 0; i < h->nagents; i++)
        hier_filters_clear(h->agents[i], fr->id);
}

static bool
in_list(const char *const *list, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0)
            return true;
    return false;
}

static int
check_roles(const butte_allocator_framework_t *fw, butte_err_t *err)
{
    for (size_t i = 0; i < fw->n_roles; i++)
        if (butte_role_valid(fw->roles[i], err) < 0)
            return butte_err_prefix(err, "framework \"%s\"", fw->id);
    return 0;
}

/* ---- frameworks ------------------------------------------------------ */

static int
hier_add_framework(void *state, const butte_allocator_framework_t *info,
                   const butte_allocation_t *used, size_t n_used, bool active, butte_err_t *err)
{
    hier_t *h = state;

    if (hier_map_get(&h->fws, info->id) != NULL)
        return butte_err_set(err, BUTTE_ECONFLICT, "framework \"%s\" is already known",
                             info->id);
    if (check_roles(info, err) < 0)
        return err != NULL ? err->code : BUTTE_EINVAL;
    butte_pool_t *pool = butte_pool_create(h->pool);
    hier_fw_t *fw = butte_pool_alloc(pool, sizeof *fw);
    static const char *const star[] = { "*" };
    const char *const *roles = info->n_roles > 0 ? info->roles : star;
    size_t nroles = info->n_roles > 0 ? info->n_roles : 1;

    fw->pool = pool;
    fw->id = butte_res_intern(info->id);
    fw->active = active;
    fw->roles = butte_pool_alloc(pool, nroles * sizeof *fw->roles);
    for (size_t i = 0; i < nroles; i++) {
        if (i > 0 && in_list(roles, i, roles[i]))
            continue; /* a role listed twice is one subscription */
        bool sup = in_list(info->suppressed_roles, info->n_suppressed_roles, roles[i]);
        fw->roles[fw->nroles++] = fwrole_add(h, fw, roles[i], sup);
    }
    hier_map_put(h->pool, &h->fws, fw->id, fw);
    hier_hold_used(h, used, n_used, NULL);
    for (size_t i = 0; i < fw->nroles; i++)
        fwrole_refresh(h, fw->roles[i]);
    if (active)
        hier_schedule(h, NULL);
    return 0;
}

static void
hier_remove_framework(void *state, const char *framework_id)
{
    hier_t *h = state;
    hier_fw_t *fw = hier_map_get(&h->fws, framework_id);

    if (fw == NULL)
        return;
    /* The master recovered its resources first; anything left is handed
     * back so it cannot leak out of the cluster. */
    for (size_t i = 0; i < h->nagents; i++) {
        hier_agent_t *a = h->agents[i];
        for (size_t j = 0; j < a->nheld; j++)
            if (a->held[j].fw_id == fw->id) {
                hier_release_held(h, a, fw->id);
                hier_schedule(h, a);
                break;
            }
    }
    for (size_t i = 0; i < fw->nroles; i++)
        fwrole_remove(h, fw->roles[i]);
    hier_map_del(&h->fws, fw->id);
    butte_pool_destroy(fw->pool);
}

static void
set_framework_active(hier_t *h, const char *framework_id, bool active)
{
    hier_fw_t *fw = hier_map_get(&h->fws, framework_id);

    if (fw == NULL || fw->active == active)
        return;
    fw->active = active;
    for (size_t i = 0; i < fw->nroles; i++)
        fwrole_refresh(h, fw->roles[i]);
    if (active)
        hier_schedule(h, NULL);
}

static void
hier_activate_framework(void *state, const char *framework_id)
{
    set_framework_active(state, framework_id, true);
}

static void
hier_deactivate_framework(void *state, const char *framework_id)
{
    set_framework_active(state, framework_id, false);
}

static int
hier_update_framework(void *state, const butte_allocator_framework_t *info, butte_err_t *err)
{
    hier_t *h = state;
    hier_fw_t *fw = hier_map_get(&h->fws, info->id);

    if (fw == NULL)
        return butte_err_set(err, BUTTE_ENOTFOUND, "framework \"%s\" is not known", info->id);
    if (check_roles(info, err) < 0)
        return err != NULL ? err->code : BUTTE_EINVAL;
    static const char *const star[] = { "*" };
    const char *const *roles = info->n_roles > 0 ? info->roles : star;
    size_t nroles = info->n_roles > 0 ? info->n_roles : 1;
    hier_fwrole_t **next = butte_pool_alloc(fw->pool, nroles * sizeof *next);
    size_t n = 0;

    /* Keep subscriptions (and their filters) for roles that stay. */
    for (size_t i = 0; i < nroles; i++) {
        if (i > 0 && in_list(roles, i, roles[i]))
            continue;
        hier_fwrole_t *fr = NULL;
        for (size_t j = 0; j < fw->nroles; j++)
            if (fw->roles[j] != NULL && strcmp(fw->roles[j]->role->name, roles[i]) == 0) {
                fr = fw->roles[j];
                fw->roles[j] = NULL;
            }
        bool sup = in_list(info->suppressed_roles, info->n_suppressed_roles, roles[i]);
        if (fr == NULL)
            fr = fwrole_add(h, fw, roles[i], sup);
        fr->suppressed = sup;
        next[n++] = fr;
    }
    for (size_t j = 0; j < fw->nroles; j++)
        if (fw->roles[j] != NULL)
            fwrole_remove(h, fw->roles[j]);
    fw->roles = next;
    fw->nroles = n;
    for (size_t i = 0; i < n; i++)
        fwrole_refresh(h, next[i]);
    hier_schedule(h, NULL);
    return 0;
}

/* Apply fn to framework_id's subscriptions named in roles (all when n 0). */
static void
each_fwrole(hier_t *h, const char *framework_id, const char *const *roles, size_t n,
            bool suppress)
{
    hier_fw_t *fw = hier_map_get(&h->fws, framework_id);

    if (fw == NULL)
        return;
    for (size_t i = 0; i < fw->nroles; i++) {
        hier_fwrole_t *fr = fw->roles[i];
        if (n > 0 && !in_list(roles, n, fr->role->name))
            continue;
        fr->suppressed = suppress;
        fwrole_refresh(h, fr);
        if (!suppress)
            for (size_t j = 0; j < h->nagents; j++)
                hier_filters_clear(h->agents[j], fr->id);
    }
}

static void
hier_suppress_offers(void *state, const char *framework_id, const char *const *roles,
                     size_t n_roles)
{
    each_fwrole(state, framework_id, roles, n_roles, true);
}

static void
hier_revive_offers(void *state, const char *framework_id, const char *const *roles,
                   size_t n_roles)
{
    each_fwrole(state, framework_id, roles, n_roles, false);
    hier_schedule(state, NULL);
}

/* ---- weights, pause, stats, life cycle ------------------------------- */

static int
hier_update_weights(void *state, const butte_role_weight_t *weights, size_t n, butte_err_t *err)
{
    hier_t *h = state;

    for (size_t i = 0; i < n; i++) {
        if (butte_role_valid(weights[i].role, err) < 0)
            return err != NULL ? err->code : BUTTE_EINVAL;
        if (!(weights[i].weight > 0))
            return butte_err_set(err, BUTTE_EINVAL, "weight of role \"%s\" must be positive",
                                 weights[i].role);
    }
    for (size_t i = 0; i < n; i++) {
        hier_role_t *r = hier_map_get(&h->roles, weights[i].role);
        if (r != NULL)
            r->weight = weights[i].weight;
        /* The sorter keeps weights of roles that have no client yet. */
        h->k.role_sorter->update_weight(h->roles_sorter, weights[i].role, weights[i].weight);
    }
    hier_schedule(h, NULL);
    return 0;
}

static int
hier_recover(void *state, size_t expected_agents, butte_err_t *err)
{
    /* Mesos holds offers back after a failover only when quota is set;
     * this allocator has no quota, so it offers at once. */
    (void)state;
    (void)expected_agents;
    (void)err;
    return 0;
}

static void
hier_pause(void *state)
{
    hier_t *h = state;
    h->paused = true;
}

static void
hier_resume(void *state)
{
    hier_t *h = state;
    h->paused = false;
    hier_schedule(h, NULL);
}

static void
hier_stats(void *state, butte_allocator_stats_t *out, butte_metric_fn emit, void *ctx)
{
    hier_t *h = state;
    butte_allocator_stats_t s = h->stats;

    s.frameworks = h->fws.n;
    s.agents = h->nagents;
    s.size = out->size < sizeof s ? out->size : sizeof s;
    memcpy(out, &s, s.size);
    if (emit != NULL) {
        emit(ctx, "allocator/mesos/allocation_runs", (double)h->stats.passes);
        emit(ctx, "allocator/mesos/allocation_run_ms", h->stats.last_pass_secs * 1e3);
        emit(ctx, "allocator/mesos/offers", (double)h->stats.offers);
        emit(ctx, "allocator/mesos/filtered", (double)h->filtered);
    }
}

static int
hier_initialize(void *state, const butte_allocator_options_t *opts,
                const butte_allocator_kernel_t *k, butte_err_t *err)
{
    hier_t *h = state;

    if (h->initialized)
        return butte_err_set(err, BUTTE_ECONFLICT, "the allocator is already initialized");
    memcpy(&h->k, k, k->size < sizeof h->k ? k->size : sizeof h->k);
    if (h->k.offer == NULL || h->k.role_sorter == NULL || h->k.framework_sorter == NULL)
        return butte_err_set(err, BUTTE_EINVAL,
                             "the allocator needs an offer callback, a role sorter and a "
                             "framework sorter");
    if (h->k.role_sorter->open(h->k.role_sorter_state, &h->roles_sorter, err) < 0)
        return butte_err_prefix(err, "cannot open the role sorter");
    h->opts = opts;
    h->interval = opts->allocation_interval > 0 ? opts->allocation_interval : 1.0;
    h->timer = butte_timer_start(h->loop, h->interval, true, hier_periodic, h);
    h->initialized = true;
    return 0;
}

static int
hier_create(butte_instance_t *self, const butte_params_t *params, void **state,
            butte_err_t *err)
{
    butte_pool_t *pool = butte_instance_pool(self);
    hier_t *h = butte_pool_alloc(pool, sizeof *h);
    struct timespec ts;

    (void)params;
    (void)err;
    h->pool = pool;
    h->loop = butte_instance_loop(self);
    h->log = butte_instance_log(self);
    h->cluster = butte_resources_create(pool);
    h->scratch = butte_resources_create(pool);
    clock_gettime(CLOCK_MONOTONIC, &ts);
    /* Seeds the per-pass agent shuffle; any non-zero value works. */
    h->rng = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^ 0x9e3779b97f4a7c15ull;
    *state = h;
    return 0;
}

static void
hier_destroy(void *state)
{
    hier_t *h = state;

    butte_timer_stop(h->timer);
    butte_timer_stop(h->queued_timer);
    if (!h->initialized)
        return;
    for (size_t i = 0; i < h->roles.cap; i++)
        if (h->roles.keys[i] != NULL) {
            hier_role_t *r = h->roles.vals[i];
            if (r->fws != NULL)
                h->k.framework_sorter->close(r->fws);
        }
    h->k.role_sorter->close(h->roles_sorter);
}

static const butte_allocator_ops_t hier_ops = {
    .size = sizeof hier_ops,
    .initialize = hier_initialize,
    .recover = hier_recover,
    .add_framework = hier_add_framework,
    .remove_framework = hier_remove_framework,
    .activate_framework = hier_activate_framework,
    .deactivate_framework = hier_deactivate_framework,
    .update_framework = hier_update_framework,
    .add_agent = hier_add_agent,
    .remove_agent = hier_remove_agent,
    .update_agent = hier_update_agent,
    .activate_agent = hier_activate_agent,
    .deactivate_agent = hier_deactivate_agent,
    .recover_resources = hier_recover_resources,
    .suppress_offers = hier_suppress_offers,
    .revive_offers = hier_revive_offers,
    .update_weights = hier_update_weights,
    .pause = hier_pause,
    .resume = hier_resume,
    .allocate_now = hier_allocate_now,
    .stats = hier_stats,
};

BUTTE_EXPORT const butte_module_t org_apache_mesos_HierarchicalDRF = {
    BUTTE_MODULE_GUARD(BUTTE_KIND_ALLOCATOR),
    .name = "org_apache_mesos_HierarchicalDRF",
    .author = "Butte",
    .email = "butte@localhost",
    .description = "hierarchical weighted DRF allocator (hierarchical, HierarchicalDRF)",
    .ops = &hier_ops,
    .create = hier_create,
    .destroy = hier_destroy,
};
