/*
 * kernel/master/frameworks.c - framework lifecycle: SUBSCRIBE (new,
 * re-subscription, failover), the event stream and its heartbeats,
 * disconnection with failover_timeout, and teardown (§A.2).
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <butte/pbjson.h>
#include <butte/recordio.h>

#include "master/master-internal.h"

butte_mfw_t *
butte_master_framework(butte_master_t *m, const char *id)
{
    butte_mfw_t *fw = butte_strmap_get(&m->fw_by_id, id);

    return fw != NULL && !fw->completed ? fw : NULL;
}

butte_mfw_t *
butte_master_completed_framework(butte_master_t *m, const char *id)
{
    butte_mfw_t *fw = butte_strmap_get(&m->fw_by_id, id);

    return fw != NULL && fw->completed ? fw : NULL;
}

bool
butte_master_framework_has_role(const butte_mfw_t *fw, const char *role)
{
    for (size_t i = 0; i < fw->n_roles; i++)
        if (strcmp(fw->roles[i], role) == 0)
            return true;
    return false;
}

/* ---- encoding events ---- */

/* One event as one RecordIO record, written as one chunk: clients that
 * parse a chunk at a time (several do) then never see half a record. */
static void
stream_event(butte_http_req_t *req, bool json, const Mesos__V1__Scheduler__Event *ev)
{
    butte_pool_t *tmp = butte_pool_create(NULL);
    const void *data;
    size_t len, rlen;
    char *rec;

    if (json) {
        data = butte_pbjson_encode_string(tmp, &ev->base, 0, &len);
    } else {
        uint8_t *buf;

        butte_pb_encode(tmp, &ev->base, &buf, &len);
        data = buf;
    }
    rec = butte_recordio_encode(tmp, data, len, &rlen);
    butte_http_stream_send(req, rec, rlen);
    butte_pool_destroy(tmp);
}

void
butte_master_send_event(butte_mfw_t *fw, const Mesos__V1__Scheduler__Event *ev)
{
    if (fw->stream == NULL)
        return; /* disconnected: events are dropped; agents retry updates */
    fw->m->stats.events++;
    stream_event(fw->stream, fw->stream_json, ev);
}

void
butte_master_send_update(butte_mfw_t *fw, const Mesos__V1__TaskStatus *status)
{
    Mesos__V1__Scheduler__Event ev = MESOS__V1__SCHEDULER__EVENT__INIT;
    Mesos__V1__Scheduler__Event__Update up = MESOS__V1__SCHEDULER__EVENT__UPDATE__INIT;

    ev.has_type = true;
    ev.type = MESOS__V1__SCHEDULER__EVENT__TYPE__UPDATE;
    up.status = (Mesos__V1__TaskStatus *)status;
    ev.update = &up;
    butte_master_send_event(fw, &ev);
}

static void
send_error_and_close(butte_http_req_t *req, bool json, const char *message)
{
    Mesos__V1__Scheduler__Event ev = MESOS__V1__SCHEDULER__EVENT__INIT;
    Mesos__V1__Scheduler__Event__Error er = MESOS__V1__SCHEDULER__EVENT__ERROR__INIT;

    ev.has_type = true;
    ev.type = MESOS__V1__SCHEDULER__EVENT__TYPE__ERROR;
    er.message = (char *)message;
    ev.error = &er;
    stream_event(req, json, &ev);
    butte_http_stream_end(req);
}

static void
heartbeat(void *arg)
{
    butte_mfw_t *fw = arg;
    Mesos__V1__Scheduler__Event ev = MESOS__V1__SCHEDULER__EVENT__INIT;

    ev.has_type = true;
    ev.type = MESOS__V1__SCHEDULER__EVENT__TYPE__HEARTBEAT;
    butte_master_send_event(fw, &ev);
}

/* ---- validation (§A.2) ---- */

static bool
has_capability(const Mesos__V1__FrameworkInfo *info, Mesos__V1__FrameworkInfo__Capability__Type t)
{
    for (size_t i = 0; i < info->n_capabilities; i++)
        if (info->capabilities[i]->has_type && info->capabilities[i]->type == t)
            return true;
    return false;
}

static bool
role_field_set(const Mesos__V1__FrameworkInfo *info)
{
    /* protobuf-c points an unset string with a default at the default */
    return info->role != NULL && info->role != mesos__v1__framework_info__role__default_value;
}

/* Why info (with the suppressed roles given next to it) is not a valid
 * FrameworkInfo (§A.2), or NULL.  Shared by SUBSCRIBE and UPDATE_FRAMEWORK. */
static const char *
validate_info(butte_pool_t *tmp, const Mesos__V1__FrameworkInfo *info, char *const *suppressed,
              size_t n_suppressed)
{
    bool multi = has_capability(info, MESOS__V1__FRAMEWORK_INFO__CAPABILITY__TYPE__MULTI_ROLE);
    butte_err_t err;

    if (multi) {
        if (role_field_set(info))
            return "'FrameworkInfo.role' must not be set when the framework is MULTI_ROLE "
                   "capable";
        for (size_t i = 0; i < info->n_roles; i++) {
            if (butte_role_valid(info->roles[i], &err) != BUTTE_OK)
                return butte_pool_printf(tmp, "'FrameworkInfo.roles' is not valid: %s",
                                         err.msg);
            for (size_t j = 0; j < i; j++)
                if (strcmp(info->roles[i], info->roles[j]) == 0)
                    return butte_pool_printf(
                        tmp, "'FrameworkInfo.roles' contains duplicate items: '%s'",
                        info->roles[i]);
        }
    } else {
        const char *role = info->role != NULL ? info->role : "*";

        if (info->n_roles > 0)
            return "'FrameworkInfo.roles' must not be set when the framework is not "
                   "MULTI_ROLE capable";
        if (butte_role_valid(role, &err) != BUTTE_OK)
            return butte_pool_printf(tmp, "'FrameworkInfo.role' is not a valid role: %s",
                                     err.msg);
    }
    if (info->has_failover_timeout &&
        (!isfinite(info->failover_timeout) || info->failover_timeout < 0 ||
         info->failover_timeout > 9.2e9))
        return "Invalid 'FrameworkInfo.failover_timeout': not a valid duration";
    if (info->id != NULL && butte_master_id_valid(info->id->value) != NULL)
        return butte_pool_printf(tmp, "'FrameworkInfo.id' is invalid: %s",
                                 butte_master_id_valid(info->id->value));
    for (size_t i = 0; i < n_suppressed; i++) {
        bool found = false;

        if (multi) {
            for (size_t j = 0; j < info->n_roles && !found; j++)
                found = strcmp(info->roles[j], suppressed[i]) == 0;
        } else {
            found = strcmp(info->role != NULL ? info->role : "*", suppressed[i]) == 0;
        }
        if (!found)
            return butte_pool_printf(tmp,
                                     "Suppressed role '%s' is not contained in the list of roles",
                                     suppressed[i]);
    }
    return NULL;
}

/* The message of the ERROR event for an invalid subscription, or NULL. */
static const char *
validate_subscribe(butte_master_t *m, butte_pool_t *tmp,
                   const Mesos__V1__Scheduler__Call__Subscribe *sub)
{
    const Mesos__V1__FrameworkInfo *info = sub->framework_info;
    const char *bad = validate_info(tmp, info, sub->suppressed_roles, sub->n_suppressed_roles);

    if (bad != NULL)
        return bad;
    if (info->id != NULL && butte_master_completed_framework(m, info->id->value) != NULL)
        return "Framework has been removed";
    return NULL;
}

/* A FrameworkInfo as the master keeps it, built before it is taken so
 * that UPDATE_FRAMEWORK can check everything first (no partial updates). */
typedef struct {
    butte_pool_t *pool; /* child of fw->pool; becomes fw->info_pool */
    Mesos__V1__FrameworkInfo *info;
    char **roles;
    size_t n_roles;
    char **suppressed;
    size_t n_suppressed;
} fw_info_t;

/* Copy info (id forced to fw's) and derive its roles into ni. */
static void
info_prepare(butte_mfw_t *fw, const Mesos__V1__FrameworkInfo *info, char *const *suppressed,
             size_t n_suppressed, fw_info_t *ni)
{
    butte_pool_t *p = butte_pool_create(fw->pool);
    Mesos__V1__FrameworkInfo *copy = butte_master_pb_copy(p, &info->base);
    bool multi = has_capability(info, MESOS__V1__FRAMEWORK_INFO__CAPABILITY__TYPE__MULTI_ROLE);

    if (copy->id == NULL) {
        copy->id = butte_pool_alloc(p, sizeof *copy->id);
        mesos__v1__framework_id__init(copy->id);
    }
    copy->id->value = butte_pool_strdup(p, fw->id);
    ni->pool = p;
    ni->info = copy;
    if (multi) {
        ni->n_roles = copy->n_roles;
        ni->roles = copy->roles;
    } else {
        ni->n_roles = 1;
        ni->roles = butte_pool_alloc(p, sizeof *ni->roles);
        ni->roles[0] = butte_pool_strdup(p, copy->role != NULL ? copy->role : "*");
    }
    ni->n_suppressed = n_suppressed;
    ni->suppressed = butte_pool_alloc(p, (n_suppressed + 1) * sizeof *ni->suppressed);
    for (size_t i = 0; i < n_suppressed; i++)
        ni->suppressed[i] = butte_pool_strdup(p, suppressed[i]);
}

/* Make ni fw's FrameworkInfo (ni's pool now belongs to fw). */
static void
info_commit(butte_mfw_t *fw, fw_info_t *ni)
{
    const Mesos__V1__FrameworkInfo *info = ni->info;

    fw->n_roles = ni->n_roles;
    fw->roles = ni->roles;
    fw->n_suppressed = ni->n_suppressed;
    fw->suppressed = ni->suppressed;
    fw->partition_aware =
        has_capability(info, MESOS__V1__FRAMEWORK_INFO__CAPABILITY__TYPE__PARTITION_AWARE);
    fw->refinement =
        has_capability(info, MESOS__V1__FRAMEWORK_INFO__CAPABILITY__TYPE__RESERVATION_REFINEMENT);
    butte_pool_destroy(fw->info_pool);
    fw->info_pool = ni->pool;
    fw->info = ni->info;
}

/* Take info (copied) as fw's FrameworkInfo; derive roles and flags. */
static void
set_info(butte_mfw_t *fw, const Mesos__V1__FrameworkInfo *info,
         const Mesos__V1__Scheduler__Call__Subscribe *sub)
{
    fw_info_t ni;

    info_prepare(fw, info, sub->suppressed_roles, sub->n_suppressed_roles, &ni);
    info_commit(fw, &ni);
}

static void failover_expired(void *arg);

/* The SUBSCRIBE stream went away: the framework is disconnected until it
 * re-subscribes or failover_timeout passes (§A.2). */
static void
stream_closed(butte_http_req_t *req, void *arg)
{
    butte_mfw_t *fw = arg;
    double timeout = fw->info->has_failover_timeout ? fw->info->failover_timeout : 0;

    (void)req;
    fw->stream = NULL;
    fw->stream_id[0] = '\0';
    if (fw->m->stopping)
        return; /* the server is closing every connection at shutdown */
    butte_timer_stop(fw->heartbeat);
    fw->heartbeat = NULL;
    fw->unregistered_time = butte_loop_now(fw->m->loop);
    butte_log(fw->m->log, BUTTE_LOG_INFO,
              "framework %s (%s) disconnected; failover timeout %gs", fw->id, fw->info->name,
              timeout);
    butte_master_alloc_activate_framework(fw, false);
    butte_master_offers_of_framework(fw, true, false);
    butte_timer_stop(fw->failover);
    /* a timer even for 0 s: never tear down from inside the HTTP
     * server's close callback */
    fw->failover = butte_timer_start(fw->m->loop, timeout, false, failover_expired, fw);
}

static void
failover_expired(void *arg)
{
    butte_mfw_t *fw = arg;

    butte_timer_stop(fw->failover);
    fw->failover = NULL;
    butte_master_teardown(fw, "failover timeout");
}

static butte_mfw_t *
framework_create(butte_master_t *m, const char *id)
{
    butte_pool_t *p = butte_pool_create(m->pool);
    butte_mfw_t *fw = butte_pool_alloc(p, sizeof *fw);

    fw->m = m;
    fw->pool = p;
    fw->id = id != NULL ? butte_pool_strdup(p, id)
                        : butte_pool_printf(p, "%s-%04llu", m->id,
                                            (unsigned long long)m->next_framework++);
    fw->registered_time = butte_loop_now(m->loop);
    butte_strmap_init(&fw->task_by_id, p);
    butte_strmap_init(&fw->completed_by_id, p);
    /* tasks are malloc'd records (tasks.c): they go with the framework */
    butte_pool_on_destroy(p, butte_master_tasks_of_framework, fw);
    butte_strmap_put(&m->fw_by_id, fw->id, fw);
    BUTTE_DL_PUSH(m->frameworks, fw, prev, next);
    m->n_frameworks++;
    return fw;
}

void
butte_master_subscribe(butte_master_t *m, butte_http_req_t *req,
                       const Mesos__V1__Scheduler__Call__Subscribe *sub, bool json)
{
    butte_pool_t *tmp = butte_http_req_pool(req);
    const Mesos__V1__FrameworkInfo *info = sub->framework_info;
    const char *bad = validate_subscribe(m, tmp, sub);
    const char *ctype = json ? "application/json" : "application/x-protobuf";
    char sid[40];
    butte_mfw_t *fw = NULL;
    bool resubscribe = false;
    Mesos__V1__Scheduler__Event ev = MESOS__V1__SCHEDULER__EVENT__INIT;
    Mesos__V1__Scheduler__Event__Subscribed sd = MESOS__V1__SCHEDULER__EVENT__SUBSCRIBED__INIT;
    Mesos__V1__FrameworkID fid = MESOS__V1__FRAMEWORK_ID__INIT;

    butte_master_uuid(sid, NULL);
    butte_http_add_header(req, "Mesos-Stream-Id", sid);
    if (bad != NULL) {
        /* §A.2: the 200 is already promised; the stream carries the error */
        butte_log(m->log, BUTTE_LOG_WARNING, "refusing subscription of framework '%s': %s",
                  info->name, bad);
        butte_http_stream_start(req, 200, ctype, NULL, NULL);
        send_error_and_close(req, json, bad);
        return;
    }

    if (info->id != NULL)
        fw = butte_master_framework(m, info->id->value);
    if (fw != NULL) {
        resubscribe = true;
        if (fw->stream != NULL) {
            butte_http_req_t *old = fw->stream;

            fw->stream = NULL;
            butte_log(m->log, BUTTE_LOG_INFO, "framework %s failed over", fw->id);
            send_error_and_close(old, fw->stream_json, "Framework failed over");
        }
        butte_timer_stop(fw->failover);
        fw->failover = NULL;
        butte_timer_stop(fw->heartbeat);
        fw->heartbeat = NULL;
        fw->reregistered_time = butte_loop_now(m->loop);
    } else {
        /* new, or known before a master failover: keep the id it has */
        fw = framework_create(m, info->id != NULL ? info->id->value : NULL);
    }
    set_info(fw, info, sub);

    fw->stream = req;
    fw->stream_json = json;
    memcpy(fw->stream_id, sid, sizeof fw->stream_id);
    butte_http_stream_start(req, 200, ctype, stream_closed, fw);

    ev.has_type = true;
    ev.type = MESOS__V1__SCHEDULER__EVENT__TYPE__SUBSCRIBED;
    fid.value = fw->id;
    sd.framework_id = &fid;
    sd.has_heartbeat_interval_seconds = true;
    sd.heartbeat_interval_seconds = m->heartbeat_interval;
    sd.master_info = &m->info;
    ev.subscribed = &sd;
    butte_master_send_event(fw, &ev);
    fw->heartbeat = butte_timer_start(m->loop, m->heartbeat_interval, true, heartbeat, fw);

    butte_log(m->log, BUTTE_LOG_INFO, "%s framework %s (%s) with stream %s",
              resubscribe ? "re-subscribed" : "subscribed", fw->id, fw->info->name, sid);
    if (!fw->in_allocator)
        butte_master_alloc_add_framework(fw);
    else
        butte_master_alloc_update_framework(fw);
    butte_master_alloc_activate_framework(fw, true);
}

static void
drop_completed(butte_master_t *m)
{
    int64_t max = butte_flags_int(m->flags, "max_completed_frameworks");
    butte_mfw_t *last = NULL;
    size_t n = 0;

    for (butte_mfw_t *fw = m->completed; fw != NULL; fw = fw->next) {
        n++;
        last = fw;
    }
    while (last != NULL && (int64_t)n > (max < 0 ? 0 : max)) {
        butte_mfw_t *prev = last->prev;

        BUTTE_DL_UNLINK(m->completed, last, prev, next);
        butte_strmap_del_if(&m->fw_by_id, last->id, last);
        butte_pool_destroy(last->pool);
        m->n_completed--;
        n--;
        last = prev;
    }
}

void
butte_master_teardown(butte_mfw_t *fw, const char *why)
{
    butte_master_t *m = fw->m;
    Butte__Internal__Envelope env = BUTTE__INTERNAL__ENVELOPE__INIT;
    Butte__Internal__ShutdownFramework sf = BUTTE__INTERNAL__SHUTDOWN_FRAMEWORK__INIT;
    Mesos__V1__FrameworkID fid = MESOS__V1__FRAMEWORK_ID__INIT;

    butte_log(m->log, BUTTE_LOG_INFO, "removing framework %s (%s): %s", fw->id,
              fw->info != NULL ? fw->info->name : "", why);
    butte_timer_stop(fw->heartbeat);
    butte_timer_stop(fw->failover);
    fw->heartbeat = fw->failover = NULL;
    butte_master_offers_of_framework(fw, true, false);

    /* every agent that may run something of it kills it */
    fid.value = fw->id;
    sf.framework_id = &fid;
    env.has_type = true;
    env.type = BUTTE__INTERNAL__ENVELOPE__TYPE__SHUTDOWN_FRAMEWORK;
    env.shutdown_framework = &sf;
    for (butte_magent_t *a = m->agents; a != NULL; a = a->next)
        butte_master_agent_send(a, &env);

    while (fw->tasks != NULL) {
        butte_mtask_t *t = fw->tasks;

        if (!butte_master_state_terminal(t->state))
            t->state = MESOS__V1__TASK_STATE__TASK_KILLED;
        if (!t->recovered && t->agent != NULL) {
            butte_master_alloc_recover(m, fw->id, t->agent->id, t->resources, 0);
            t->recovered = true;
        }
        butte_master_task_complete(t);
    }
    butte_master_alloc_remove_framework(fw);

    if (fw->stream != NULL) {
        butte_http_req_t *s = fw->stream;

        fw->stream = NULL;
        butte_http_stream_end(s);
    }
    fw->completed = true;
    fw->unregistered_time = butte_loop_now(m->loop);
    BUTTE_DL_UNLINK(m->frameworks, fw, prev, next);
    m->n_frameworks--;
    BUTTE_DL_PUSH(m->completed, fw, prev, next);
    m->n_completed++;
    drop_completed(m);
    butte_master_alloc_now(m);
}

/* ---- UPDATE_FRAMEWORK (§A.4) ---- */

static bool
str_eq(const char *a, const char *b)
{
    return (a == NULL || b == NULL) ? a == b : strcmp(a, b) == 0;
}

static bool
in_roles(char *const *roles, size_t n, const char *role)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(roles[i], role) == 0)
            return true;
    return false;
}

int
butte_master_update_framework(butte_mfw_t *fw, const Mesos__V1__Scheduler__Call__UpdateFramework *u,
                              butte_pool_t *tmp, butte_err_t *err)
{
    butte_master_t *m = fw->m;
    const Mesos__V1__FrameworkInfo *info = u->framework_info;
    const Mesos__V1__FrameworkInfo *old = fw->info;
    const char *bad;
    fw_info_t ni;
    int rc;

    if (info == NULL)
        return butte_err_set(err, 400, "Expecting 'update_framework.framework_info' to be present");
    if (info->id == NULL || strcmp(info->id->value, fw->id) != 0)
        return butte_err_set(err, 400,
                             "'framework_info.id' (%s) does not match the framework's id (%s)",
                             info->id != NULL ? info->id->value : "unset", fw->id);
    bad = validate_info(tmp, info, u->suppressed_roles, u->n_suppressed_roles);
    if (bad != NULL)
        return butte_err_set(err, 400, "%s", bad);
    /* identity and durability are fixed for the framework's lifetime */
    if (!str_eq(old->user, info->user))
        return butte_err_set(err, 400, "Updating 'FrameworkInfo.user' is unsupported");
    if (!str_eq(old->principal, info->principal))
        return butte_err_set(err, 400, "Updating 'FrameworkInfo.principal' is unsupported");
    if ((old->has_checkpoint && old->checkpoint) != (info->has_checkpoint && info->checkpoint))
        return butte_err_set(err, 400, "Updating 'FrameworkInfo.checkpoint' is unsupported");

    info_prepare(fw, info, u->suppressed_roles, u->n_suppressed_roles, &ni);
    rc = butte_master_alloc_change_framework(fw, ni.info, ni.roles, ni.n_roles, ni.suppressed,
                                             ni.n_suppressed, true, err);
    if (rc != BUTTE_OK) {
        butte_pool_destroy(ni.pool);
        return butte_err_set(err, 400, "%s", butte_pool_strdup(tmp, err->msg));
    }
    /* Offers made to roles the framework leaves go back (§A.4); done
     * before the allocator forgets the framework's share of those roles,
     * so that the recovery finds what it holds. */
    for (butte_moffer_t *o = m->offers, *next; o != NULL; o = next) {
        next = o->next;
        if (o->fw == fw && !in_roles(ni.roles, ni.n_roles, o->role))
            butte_master_offer_remove(o, true, true, 0);
    }
    rc = butte_master_alloc_change_framework(fw, ni.info, ni.roles, ni.n_roles, ni.suppressed,
                                             ni.n_suppressed, false, err);
    if (rc != BUTTE_OK) {
        butte_pool_destroy(ni.pool);
        return butte_err_set(err, 400, "%s", butte_pool_strdup(tmp, err->msg));
    }
    info_commit(fw, &ni);
    butte_log(m->log, BUTTE_LOG_INFO, "updated framework %s (%s): %zu role(s), %zu suppressed",
              fw->id, fw->info->name, fw->n_roles, fw->n_suppressed);
    butte_master_alloc_now(m);
    return 200;
}
