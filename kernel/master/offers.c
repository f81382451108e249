/*
 * kernel/master/offers.c - offers: the allocator's decisions become
 * Offer messages in OFFERS events; offers end by ACCEPT/DECLINE, by
 * --offer_timeout, or when their agent or framework goes (RESCIND).
 */
#include "config.h"

#include <string.h>

#include "core/resources-pb.h"
#include "master/master-internal.h"

butte_moffer_t *
butte_master_offer(butte_master_t *m, const char *id)
{
    return butte_strmap_get(&m->offer_by_id, id);
}

static void
send_rescind(butte_moffer_t *o)
{
    Mesos__V1__Scheduler__Event ev = MESOS__V1__SCHEDULER__EVENT__INIT;
    Mesos__V1__Scheduler__Event__Rescind r = MESOS__V1__SCHEDULER__EVENT__RESCIND__INIT;
    Mesos__V1__OfferID oid = MESOS__V1__OFFER_ID__INIT;

    ev.has_type = true;
    ev.type = MESOS__V1__SCHEDULER__EVENT__TYPE__RESCIND;
    oid.value = o->id;
    r.offer_id = &oid;
    ev.rescind = &r;
    butte_master_send_event(o->fw, &ev);
}

void
butte_master_offer_remove(butte_moffer_t *o, bool recover, bool rescind, double refuse_seconds)
{
    butte_master_t *m = o->fw->m;

    butte_timer_stop(o->timeout);
    o->timeout = NULL;
    BUTTE_DL_UNLINK(m->offers, o, prev, next);
    butte_strmap_del_if(&m->offer_by_id, o->id, o);
    m->n_offers--;
    if (rescind) {
        m->stats.offers_rescinded++;
        send_rescind(o);
    }
    if (recover)
        butte_master_alloc_recover(m, o->fw->id, o->agent->id, o->resources, refuse_seconds);
    butte_pool_destroy(o->pool);
}

void
butte_master_offers_of_framework(butte_mfw_t *fw, bool recover, bool rescind)
{
    butte_moffer_t *o = fw->m->offers;

    while (o != NULL) {
        butte_moffer_t *next = o->next;

        if (o->fw == fw)
            butte_master_offer_remove(o, recover, rescind, 0);
        o = next;
    }
}

void
butte_master_offers_of_agent(butte_magent_t *a, bool recover, bool rescind)
{
    butte_moffer_t *o = a->m->offers;

    while (o != NULL) {
        butte_moffer_t *next = o->next;

        if (o->agent == a)
            butte_master_offer_remove(o, recover, rescind, 0);
        o = next;
    }
}

static void
offer_expired(void *arg)
{
    butte_moffer_t *o = arg;
    butte_master_t *m = o->fw->m;

    butte_log(m->log, BUTTE_LOG_INFO, "rescinding offer %s: --offer_timeout passed", o->id);
    /* recovered without a filter: someone else may want it now */
    butte_master_offer_remove(o, true, true, 0); /* frees o */
    butte_master_alloc_now(m);
}

/* The executors of fw running on agent (Offer.executor_ids). */
static void
executor_ids(butte_pool_t *pool, butte_mfw_t *fw, butte_magent_t *a, Mesos__V1__Offer *offer)
{
    size_t n = 0;

    offer->executor_ids = butte_pool_alloc(pool, (a->n_tasks + 1) * sizeof *offer->executor_ids);
    for (butte_mtask_t *t = a->tasks; t != NULL; t = t->agent_next) {
        bool dup = false;

        if (t->fw != fw || t->executor_id == NULL)
            continue;
        for (size_t i = 0; i < n && !dup; i++)
            dup = strcmp(offer->executor_ids[i]->value, t->executor_id) == 0;
        if (dup)
            continue;
        offer->executor_ids[n] = butte_pool_alloc(pool, sizeof **offer->executor_ids);
        mesos__v1__executor_id__init(offer->executor_ids[n]);
        offer->executor_ids[n]->value = t->executor_id;
        n++;
    }
    offer->n_executor_ids = n;
}

static Mesos__V1__Offer *
offer_pb(butte_pool_t *pool, butte_moffer_t *o)
{
    Mesos__V1__Offer *p = butte_pool_alloc(pool, sizeof *p);
    butte_magent_t *a = o->agent;

    mesos__v1__offer__init(p);
    p->id = butte_pool_alloc(pool, sizeof *p->id);
    mesos__v1__offer_id__init(p->id);
    p->id->value = o->id;
    p->framework_id = butte_pool_alloc(pool, sizeof *p->framework_id);
    mesos__v1__framework_id__init(p->framework_id);
    p->framework_id->value = o->fw->id;
    p->agent_id = butte_pool_alloc(pool, sizeof *p->agent_id);
    mesos__v1__agent_id__init(p->agent_id);
    p->agent_id->value = a->id;
    p->hostname = a->hostname;
    /* the agent's HTTP address and path (/slave(1), or /slave(N) for
     * mesos-local's N-th agent), as Mesos sends it */
    p->url = butte_pool_alloc(pool, sizeof *p->url);
    mesos__v1__url__init(p->url);
    p->url->scheme = (char *)"http";
    p->url->address = butte_pool_alloc(pool, sizeof *p->url->address);
    mesos__v1__address__init(p->url->address);
    p->url->address->hostname = a->hostname;
    p->url->address->ip = a->ip;
    p->url->address->port = a->port;
    p->url->path = a->path;
    if (a->info_extras) {
        Mesos__V1__AgentInfo *info = butte_master_agent_info(a, pool);

        p->domain = info->domain;
        p->n_attributes = info->n_attributes;
        p->attributes = info->attributes;
    }
    butte_resources_to_pb(pool, o->resources, !o->fw->refinement, &p->resources,
                          &p->n_resources);
    executor_ids(pool, o->fw, a, p);
    p->allocation_info = butte_pool_alloc(pool, sizeof *p->allocation_info);
    mesos__v1__resource__allocation_info__init(p->allocation_info);
    p->allocation_info->role = o->role;
    return p;
}

void
butte_master_offer_cb(void *ctx, const char *framework_id, const butte_allocation_t *a, size_t n)
{
    butte_master_t *m = ctx;
    butte_mfw_t *fw = butte_master_framework(m, framework_id);
    butte_pool_t *tmp;
    Mesos__V1__Scheduler__Event ev = MESOS__V1__SCHEDULER__EVENT__INIT;
    Mesos__V1__Scheduler__Event__Offers offers = MESOS__V1__SCHEDULER__EVENT__OFFERS__INIT;

    if (n == 0)
        return;
    tmp = butte_pool_create(NULL);
    offers.offers = butte_pool_alloc(tmp, n * sizeof *offers.offers);
    for (size_t i = 0; i < n; i++) {
        butte_magent_t *agent = butte_master_agent(m, a[i].agent_id);
        butte_pool_t *p;
        butte_moffer_t *o;
        butte_err_t err;

        if (fw == NULL || agent == NULL || fw->stream == NULL || !agent->active) {
            /* the allocator raced a removal: give it straight back */
            butte_master_alloc_recover(m, framework_id, a[i].agent_id, a[i].resources, 0);
            continue;
        }
        p = butte_pool_create(m->pool);
        o = butte_pool_alloc(p, sizeof *o);
        o->pool = p;
        o->id = butte_pool_printf(p, "%s-O%llu", m->id, (unsigned long long)m->next_offer++);
        o->fw = fw;
        o->agent = agent;
        o->role = butte_pool_strdup(p, a[i].role);
        o->resources = butte_resources_copy(p, a[i].resources);
        if (butte_resources_allocate(o->resources, o->role, &err) != BUTTE_OK)
            butte_log(m->log, BUTTE_LOG_WARNING, "offer %s: %s", o->id, err.msg);
        BUTTE_DL_PUSH(m->offers, o, prev, next);
        butte_strmap_put(&m->offer_by_id, o->id, o);
        m->n_offers++;
        if (m->offer_timeout > 0)
            o->timeout = butte_timer_start(m->loop, m->offer_timeout, false, offer_expired, o);
        offers.offers[offers.n_offers++] = offer_pb(tmp, o);
    }
    if (offers.n_offers > 0) {
        ev.has_type = true;
        ev.type = MESOS__V1__SCHEDULER__EVENT__TYPE__OFFERS;
        ev.offers = &offers;
        butte_master_send_event(fw, &ev);
    }
    butte_pool_destroy(tmp);
}
