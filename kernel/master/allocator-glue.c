/*
 * kernel/master/allocator-glue.c - the master's side of the allocator
 * module: which module --allocator, --role_sorter and --framework_sorter
 * name, the options built from the master's flags, and thin wrappers that
 * turn master records into the allocator's ABI structs.
 *
 * Resolution of a selection flag value: a module of that name loaded by
 * --modules/--modules_dir wins; else the first-party table
 * (allocators/selection.h) names a library in the module folder; else
 * start-up stops with an error naming the flag.
 */
#include "config.h"

#include <string.h>

#include <butte/pbjson.h>

#include "allocators/selection.h"
#include "master/master-internal.h"

static butte_instance_t *
select_module(butte_master_t *m, const char *flag, butte_kind_t kind,
              const butte_module_choice_t *(*choice)(const char *), butte_err_t *err)
{
    butte_modules_t *mods = butte_role_modules(m->role);
    const char *value = butte_flags_str(m->flags, flag);
    const butte_module_choice_t *c;
    const char *name = value;
    butte_instance_t *inst;

    if (value == NULL || *value == '\0') {
        butte_err_set(err, BUTTE_EINVAL, "flag '--%s' must name a module", flag);
        return NULL;
    }
    if (!butte_modules_loaded(mods, value)) {
        c = choice(value);
        if (c == NULL) {
            butte_err_set(err, BUTTE_EINVAL,
                          "flag '--%s': \"%s\" is neither a first-party %s nor a module loaded "
                          "with --modules",
                          flag, value, butte_kind_name(kind));
            return NULL;
        }
        name = c->symbol;
        if (!butte_modules_loaded(mods, c->symbol) &&
            butte_modules_add_library(mods, c->library, c->symbol, err) != BUTTE_OK) {
            butte_err_prefix(err, "flag '--%s'", flag);
            return NULL;
        }
    }
    inst = butte_modules_create(mods, name, kind, err);
    if (inst == NULL)
        butte_err_prefix(err, "flag '--%s'", flag);
    return inst;
}

/* --fair_sharing_excluded_resource_names as a NULL-terminated array. */
static const char *const *
split_list(butte_pool_t *pool, const char *text)
{
    size_t n = 1;
    char **v, *copy, *save = NULL;
    size_t k = 0;

    if (text == NULL || *text == '\0')
        return NULL;
    for (const char *p = text; *p != '\0'; p++)
        n += *p == ',';
    v = butte_pool_alloc(pool, (n + 1) * sizeof *v);
    copy = butte_pool_strdup(pool, text);
    for (char *tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save))
        v[k++] = tok;
    v[k] = NULL;
    return (const char *const *)v;
}

int
butte_master_allocator_start(butte_master_t *m, butte_err_t *err)
{
    butte_instance_t *alloc, *rs, *fs;
    const char *weights = butte_flags_str(m->flags, "weights");

    /* sorters first: instances are destroyed newest first, and the
     * allocator closes its sorters in its destroy() */
    rs = select_module(m, "role_sorter", BUTTE_KIND_SORTER, butte_sorter_choice, err);
    if (rs == NULL)
        return err->code;
    fs = select_module(m, "framework_sorter", BUTTE_KIND_SORTER, butte_sorter_choice, err);
    if (fs == NULL)
        return err->code;
    alloc = select_module(m, "allocator", BUTTE_KIND_ALLOCATOR, butte_allocator_choice, err);
    if (alloc == NULL)
        return err->code;

    m->aops = butte_instance_ops(alloc);
    m->astate = butte_instance_state(alloc);
    m->aopts.size = sizeof m->aopts;
    m->aopts.allocation_interval = butte_flags_double(m->flags, "allocation_interval");
    m->aopts.fairness_excluded_resource_names =
        split_list(m->pool, butte_flags_str(m->flags, "fair_sharing_excluded_resource_names"));
    m->aopts.filter_gpu_resources = butte_flags_bool(m->flags, "filter_gpu_resources");
    {
        const char *min = butte_flags_str(m->flags, "min_allocatable_resources");
        butte_quantities_t **alts = NULL;
        size_t n = 0;

        if (min != NULL && *min != '\0' &&
            butte_min_allocatable_parse(m->pool, min, &alts, &n, err) != BUTTE_OK) {
            butte_err_prefix(err, "flag '--min_allocatable_resources'");
            return err->code;
        }
        m->aopts.min_allocatable = (const butte_quantities_t *const *)alts;
        m->aopts.n_min_allocatable = n;
    }
    m->aopts.max_completed_frameworks =
        (size_t)butte_flags_int(m->flags, "max_completed_frameworks");
    m->aopts.publish_per_framework_metrics =
        butte_flags_bool(m->flags, "publish_per_framework_metrics");
    m->aopts.recovery_timeout = butte_flags_double(m->flags, "allocator_recovery_timeout");
    m->aopts.agent_recovery_factor =
        butte_flags_double(m->flags, "allocator_agent_recovery_factor");
    m->akernel.size = sizeof m->akernel;
    m->akernel.offer = butte_master_offer_cb;
    m->akernel.offer_ctx = m;
    m->akernel.role_sorter = butte_instance_ops(rs);
    m->akernel.role_sorter_state = butte_instance_state(rs);
    m->akernel.framework_sorter = butte_instance_ops(fs);
    m->akernel.framework_sorter_state = butte_instance_state(fs);
    if (m->aops->initialize(m->astate, &m->aopts, &m->akernel, err) != BUTTE_OK) {
        butte_err_prefix(err, "allocator \"%s\"", butte_instance_name(alloc));
        return err->code;
    }
    if (weights != NULL && *weights != '\0' && m->aops->update_weights != NULL) {
        butte_weight_t *w;
        size_t n;

        if (butte_weights_parse(m->pool, weights, &w, &n, err) != BUTTE_OK) {
            butte_err_prefix(err, "flag '--weights'");
            return err->code;
        }
        /* same layout: role, weight */
        if (m->aops->update_weights(m->astate, (const butte_role_weight_t *)w, n, err) !=
            BUTTE_OK) {
            butte_err_prefix(err, "flag '--weights'");
            return err->code;
        }
    }
    butte_log(m->log, BUTTE_LOG_INFO, "allocator %s with sorters %s (roles) and %s (frameworks)",
              butte_instance_name(alloc), butte_instance_name(rs), butte_instance_name(fs));
    return BUTTE_OK;
}

static butte_pb_t
pb_of(butte_pool_t *pool, const ProtobufCMessage *msg)
{
    butte_pb_t out = { NULL, 0 };
    uint8_t *buf;

    if (msg == NULL)
        return out;
    butte_pb_encode(pool, msg, &buf, &out.len);
    out.data = buf;
    return out;
}

static void
fill_framework(butte_pool_t *tmp, butte_mfw_t *fw, butte_allocator_framework_t *af)
{
    memset(af, 0, sizeof *af);
    af->size = sizeof *af;
    af->id = fw->id;
    af->roles = (const char *const *)fw->roles;
    af->n_roles = fw->n_roles;
    af->suppressed_roles = (const char *const *)fw->suppressed;
    af->n_suppressed_roles = fw->n_suppressed;
    af->info = pb_of(tmp, &fw->info->base);
}

void
butte_master_alloc_add_framework(butte_mfw_t *fw)
{
    butte_master_t *m = fw->m;
    butte_pool_t *tmp;
    butte_allocator_framework_t af;
    butte_err_t err;

    if (m->aops == NULL)
        return;
    tmp = butte_pool_create(NULL);
    fill_framework(tmp, fw, &af);
    if (m->aops->add_framework(m->astate, &af, NULL, 0, fw->stream != NULL, &err) != BUTTE_OK)
        butte_log(m->log, BUTTE_LOG_WARNING, "allocator refused framework %s: %s", fw->id,
                  err.msg);
    else
        fw->in_allocator = true;
    fw->active = fw->stream != NULL;
    butte_pool_destroy(tmp);
}

void
butte_master_alloc_update_framework(butte_mfw_t *fw)
{
    butte_master_t *m = fw->m;
    butte_pool_t *tmp;
    butte_allocator_framework_t af;
    butte_err_t err;

    if (m->aops == NULL || !fw->in_allocator || m->aops->update_framework == NULL)
        return;
    tmp = butte_pool_create(NULL);
    fill_framework(tmp, fw, &af);
    if (m->aops->update_framework(m->astate, &af, &err) != BUTTE_OK)
        butte_log(m->log, BUTTE_LOG_WARNING, "allocator refused the update of framework %s: %s",
                  fw->id, err.msg);
    butte_pool_destroy(tmp);
}

static bool
same_set(char *const *a, size_t na, char *const *b, size_t nb)
{
    for (size_t i = 0; i < na; i++) {
        bool found = false;

        for (size_t j = 0; j < nb && !found; j++)
            found = strcmp(a[i], b[j]) == 0;
        if (!found)
            return false;
    }
    for (size_t j = 0; j < nb; j++) {
        bool found = false;

        for (size_t i = 0; i < na && !found; i++)
            found = strcmp(a[i], b[j]) == 0;
        if (!found)
            return false;
    }
    return true;
}

int
butte_master_alloc_change_framework(butte_mfw_t *fw, const Mesos__V1__FrameworkInfo *info,
                                    char **roles, size_t n_roles, char **suppressed,
                                    size_t n_suppressed, bool check_only, butte_err_t *err)
{
    butte_master_t *m = fw->m;
    butte_pool_t *tmp;
    butte_allocator_framework_t af;
    int rc;

    if (m->aops == NULL || !fw->in_allocator)
        return BUTTE_OK;
    if (m->aops->update_framework == NULL) {
        /* allocator.h: without the slot, role changes are refused */
        if (!same_set(fw->roles, fw->n_roles, roles, n_roles))
            return butte_err_set(err, BUTTE_EINVAL, "the allocator cannot change roles");
        if (check_only)
            return BUTTE_OK;
        /* suppression changes go through the suppress/revive slots */
        for (size_t i = 0; i < n_roles; i++) {
            bool was = false, is = false;

            for (size_t j = 0; j < fw->n_suppressed; j++)
                was = was || strcmp(fw->suppressed[j], roles[i]) == 0;
            for (size_t j = 0; j < n_suppressed; j++)
                is = is || strcmp(suppressed[j], roles[i]) == 0;
            if (was != is)
                butte_master_alloc_suppress(fw, &roles[i], 1, !is);
        }
        return BUTTE_OK;
    }
    if (check_only)
        return BUTTE_OK;
    tmp = butte_pool_create(NULL);
    memset(&af, 0, sizeof af);
    af.size = sizeof af;
    af.id = fw->id;
    af.roles = (const char *const *)roles;
    af.n_roles = n_roles;
    af.suppressed_roles = (const char *const *)suppressed;
    af.n_suppressed_roles = n_suppressed;
    af.info = pb_of(tmp, &info->base);
    rc = m->aops->update_framework(m->astate, &af, err);
    butte_pool_destroy(tmp);
    return rc;
}

void
butte_master_alloc_remove_framework(butte_mfw_t *fw)
{
    if (fw->m->aops != NULL && fw->in_allocator)
        fw->m->aops->remove_framework(fw->m->astate, fw->id);
    fw->in_allocator = false;
    fw->active = false;
}

void
butte_master_alloc_activate_framework(butte_mfw_t *fw, bool active)
{
    butte_master_t *m = fw->m;

    if (m->aops == NULL || !fw->in_allocator || fw->active == active)
        return;
    fw->active = active;
    if (active)
        m->aops->activate_framework(m->astate, fw->id);
    else
        m->aops->deactivate_framework(m->astate, fw->id);
}

void
butte_master_alloc_add_agent(butte_magent_t *a)
{
    butte_master_t *m = a->m;
    butte_pool_t *tmp;
    butte_allocator_agent_t aa;
    butte_allocation_t *used;
    size_t n = 0;
    butte_err_t err;

    if (m->aops == NULL)
        return;
    tmp = butte_pool_create(NULL);
    used = butte_pool_alloc(tmp, (a->n_tasks + 1) * sizeof *used);
    for (butte_mtask_t *t = a->tasks; t != NULL; t = t->agent_next) {
        if (t->recovered)
            continue;
        used[n].framework_id = t->fw->id;
        used[n].role = t->role;
        used[n].agent_id = a->id;
        used[n].resources = t->resources;
        n++;
    }
    memset(&aa, 0, sizeof aa);
    aa.size = sizeof aa;
    aa.id = a->id;
    aa.hostname = a->hostname;
    aa.info.data = a->info_pb;
    aa.info.len = a->info_len;
    aa.total = a->total;
    aa.used = used;
    aa.n_used = n;
    if (m->aops->add_agent(m->astate, &aa, &err) != BUTTE_OK)
        butte_log(m->log, BUTTE_LOG_WARNING, "allocator refused agent %s: %s", a->id, err.msg);
    else
        a->in_allocator = true;
    butte_pool_destroy(tmp);
}

void
butte_master_alloc_remove_agent(butte_magent_t *a)
{
    if (a->m->aops != NULL && a->in_allocator)
        a->m->aops->remove_agent(a->m->astate, a->id);
    a->in_allocator = false;
}

void
butte_master_alloc_activate_agent(butte_magent_t *a, bool active)
{
    if (a->m->aops == NULL || !a->in_allocator)
        return;
    if (active)
        a->m->aops->activate_agent(a->m->astate, a->id);
    else
        a->m->aops->deactivate_agent(a->m->astate, a->id);
}

void
butte_master_alloc_recover(butte_master_t *m, const char *framework_id, const char *agent_id,
                           const butte_resources_t *r, double refuse_seconds)
{
    if (m->aops == NULL || butte_resources_is_empty(r))
        return;
    m->aops->recover_resources(m->astate, framework_id, agent_id, r, refuse_seconds);
}

void
butte_master_alloc_suppress(butte_mfw_t *fw, char *const *roles, size_t n, bool revive)
{
    butte_master_t *m = fw->m;

    if (m->aops == NULL || !fw->in_allocator)
        return;
    if (revive) {
        if (m->aops->revive_offers != NULL)
            m->aops->revive_offers(m->astate, fw->id, (const char *const *)roles, n);
        butte_master_alloc_now(m);
    } else if (m->aops->suppress_offers != NULL) {
        m->aops->suppress_offers(m->astate, fw->id, (const char *const *)roles, n);
    }
}

void
butte_master_alloc_request(butte_mfw_t *fw, const Mesos__V1__Scheduler__Call__Request *r,
                           butte_pool_t *tmp)
{
    butte_master_t *m = fw->m;
    butte_pb_t *v;

    if (m->aops == NULL || m->aops->request_resources == NULL || r->n_requests == 0)
        return;
    v = butte_pool_alloc(tmp, r->n_requests * sizeof *v);
    for (size_t i = 0; i < r->n_requests; i++)
        v[i] = pb_of(tmp, &r->requests[i]->base);
    m->aops->request_resources(m->astate, fw->id, v, r->n_requests);
}

void
butte_master_alloc_now(butte_master_t *m)
{
    if (m->aops != NULL && m->aops->allocate_now != NULL)
        m->aops->allocate_now(m->astate);
}
