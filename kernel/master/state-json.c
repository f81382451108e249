/*
 * kernel/master/state-json.c - the master's JSON views: /state,
 * /state-summary, /master/frameworks, /master/slaves, /master/tasks
 * (features rows 65-66), each also under /master.  Field names are Mesos'
 * (the web UI and many tools read them).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <butte/pbjson.h>

#include "core/log-internal.h"
#include "core/resources-pb.h"
#include "master/master-internal.h"

/* A render of a big cluster allocates hundreds of MiB in small pieces (the
 * JSON tree, then its text) that malloc keeps for reuse once freed: give
 * them back to the system once the answers have left, a second after the
 * last render (each render restarts the wait, so that back-to-back
 * polling does not pay for faulting the memory in again every time). */
static void
trim(void *arg)
{
    butte_master_t *m = arg;

    butte_timer_stop(m->trim);
    m->trim = NULL;
#ifdef __GLIBC__
    malloc_trim(0);
#endif
}

static void
trim_later(butte_master_t *m)
{
    butte_timer_stop(m->trim);
    m->trim = m->stopping ? NULL : butte_timer_start(m->loop, 1.0, false, trim, m);
}

static json_t *
pb_json(const ProtobufCMessage *msg)
{
    return msg != NULL ? butte_pbjson_encode(msg, 0) : json_null();
}

/* Labels as Mesos' /state shows them: the bare array. */
static json_t *
labels_json(const Mesos__V1__Labels *labels)
{
    json_t *o = butte_pbjson_encode(&labels->base, 0);
    json_t *arr = json_object_get(o, "labels");

    arr = arr != NULL ? json_incref(arr) : json_array();
    json_decref(o);
    return arr;
}

static butte_resources_t *
agent_used(butte_pool_t *tmp, butte_magent_t *a, butte_mfw_t *only)
{
    butte_resources_t *r = butte_resources_create(tmp);

    for (butte_mtask_t *t = a->tasks; t != NULL; t = t->agent_next)
        if (!t->recovered && (only == NULL || t->fw == only))
            butte_resources_add_all(r, t->resources);
    return r;
}

static butte_resources_t *
offered(butte_pool_t *tmp, butte_master_t *m, butte_magent_t *a, butte_mfw_t *fw)
{
    butte_resources_t *r = butte_resources_create(tmp);

    for (butte_moffer_t *o = m->offers; o != NULL; o = o->next)
        if ((a == NULL || o->agent == a) && (fw == NULL || o->fw == fw))
            butte_resources_add_all(r, o->resources);
    return r;
}

static json_t *
res_full(butte_pool_t *tmp, const butte_resources_t *rs)
{
    Mesos__V1__Resource **v;
    size_t n;
    json_t *arr = json_array();

    butte_resources_to_pb(tmp, rs, false, &v, &n);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, butte_pbjson_encode(&v[i]->base, 0));
    return arr;
}

json_t *
butte_master_task_json(butte_mtask_t *t, butte_pool_t *tmp)
{
    json_t *o = json_object();
    json_t *statuses = json_array();

    json_object_set_new(o, "id", json_string(t->id));
    json_object_set_new(o, "name", json_string(t->name));
    json_object_set_new(o, "framework_id", json_string(t->fw->id));
    json_object_set_new(o, "executor_id", json_string(t->executor_id ? t->executor_id : ""));
    json_object_set_new(o, "slave_id", json_string(t->agent_id));
    json_object_set_new(o, "agent_id", json_string(t->agent_id));
    json_object_set_new(o, "state", json_string(butte_master_state_name(t->state)));
    json_object_set_new(o, "resources", butte_resources_to_state_json(tmp, t->resources));
    json_object_set_new(o, "role", json_string(t->role));
    if (t->status_pb != NULL) {
        json_t *s = json_object();

        json_object_set_new(s, "state", json_string(butte_master_state_name(t->status_state)));
        json_object_set_new(s, "timestamp", json_real(t->status_timestamp));
        /* the packed status is unpacked only when it has something to show */
        if (t->status_container) {
            Mesos__V1__TaskStatus *st = butte_master_task_status(t, tmp);

            json_object_set_new(s, "container_status", pb_json(&st->container_status->base));
        }
        json_array_append_new(statuses, s);
    }
    json_object_set_new(o, "statuses", statuses);
    if (t->extra != NULL && t->extra->labels != NULL)
        json_object_set_new(o, "labels", labels_json(t->extra->labels));
    if (t->extra != NULL && t->extra->discovery != NULL)
        json_object_set_new(o, "discovery", pb_json(&t->extra->discovery->base));
    if (t->extra != NULL && t->extra->container != NULL)
        json_object_set_new(o, "container", pb_json(&t->extra->container->base));
    return o;
}

static json_t *
tasks_json(butte_mtask_t *list, butte_pool_t *tmp)
{
    json_t *arr = json_array();

    for (butte_mtask_t *t = list; t != NULL; t = t->fw_next)
        json_array_append_new(arr, butte_master_task_json(t, tmp));
    return arr;
}

static json_t *
capability_names(const Mesos__V1__FrameworkInfo *info)
{
    json_t *arr = json_array();

    for (size_t i = 0; i < info->n_capabilities; i++) {
        const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(
            &mesos__v1__framework_info__capability__type__descriptor,
            (int)info->capabilities[i]->type);

        if (v != NULL)
            json_array_append_new(arr, json_string(v->name));
    }
    return arr;
}

/* One framework; summary: without tasks, completed_tasks and offers
 * (/state-summary drops them, and they are most of a render). */
static json_t *
framework_json(butte_master_t *m, butte_mfw_t *fw, butte_pool_t *tmp, bool summary)
{
    json_t *o = json_object();
    json_t *roles = json_array();
    json_t *offers = json_array();
    butte_resources_t *used = butte_resources_create(tmp);
    butte_resources_t *off = offered(tmp, m, NULL, fw);
    bool multi = false;

    for (butte_mtask_t *t = fw->tasks; t != NULL; t = t->fw_next)
        if (!t->recovered)
            butte_resources_add_all(used, t->resources);
    for (size_t i = 0; i < fw->info->n_capabilities; i++)
        multi = multi || fw->info->capabilities[i]->type ==
                             MESOS__V1__FRAMEWORK_INFO__CAPABILITY__TYPE__MULTI_ROLE;
    json_object_set_new(o, "id", json_string(fw->id));
    json_object_set_new(o, "name", json_string(fw->info->name));
    json_object_set_new(o, "user", json_string(fw->info->user));
    json_object_set_new(o, "hostname", json_string(fw->info->hostname ? fw->info->hostname : ""));
    json_object_set_new(o, "webui_url",
                        json_string(fw->info->webui_url ? fw->info->webui_url : ""));
    if (fw->info->principal != NULL)
        json_object_set_new(o, "principal", json_string(fw->info->principal));
    for (size_t i = 0; i < fw->n_roles; i++)
        json_array_append_new(roles, json_string(fw->roles[i]));
    if (!multi)
        json_object_set_new(o, "role", json_string(fw->roles[0]));
    json_object_set_new(o, "roles", roles);
    json_object_set_new(o, "capabilities", capability_names(fw->info));
    json_object_set_new(o, "failover_timeout",
                        json_real(fw->info->has_failover_timeout ? fw->info->failover_timeout : 0));
    json_object_set_new(o, "checkpoint", json_boolean(fw->info->checkpoint));
    json_object_set_new(o, "active", json_boolean(fw->stream != NULL));
    json_object_set_new(o, "connected", json_boolean(fw->stream != NULL));
    json_object_set_new(o, "recovered", json_false());
    json_object_set_new(o, "registered_time", json_real(fw->registered_time));
    if (fw->reregistered_time > 0)
        json_object_set_new(o, "reregistered_time", json_real(fw->reregistered_time));
    json_object_set_new(o, "unregistered_time", json_real(fw->stream ? 0 : fw->unregistered_time));
    json_object_set_new(o, "resources", butte_resources_to_state_json(tmp, butte_resources_plus(tmp, used, off)));
    json_object_set_new(o, "used_resources", butte_resources_to_state_json(tmp, used));
    json_object_set_new(o, "offered_resources", butte_resources_to_state_json(tmp, off));
    if (!summary)
        json_object_set_new(o, "tasks", tasks_json(fw->tasks, tmp));
    json_object_set_new(o, "unreachable_tasks", json_array());
    if (!summary)
        json_object_set_new(o, "completed_tasks", tasks_json(fw->completed_tasks, tmp));
    for (butte_moffer_t *of = m->offers; of != NULL && !summary; of = of->next) {
        json_t *j;

        if (of->fw != fw)
            continue;
        j = json_object();
        json_object_set_new(j, "id", json_string(of->id));
        json_object_set_new(j, "framework_id", json_string(fw->id));
        json_object_set_new(j, "slave_id", json_string(of->agent->id));
        json_object_set_new(j, "resources", butte_resources_to_state_json(tmp, of->resources));
        json_array_append_new(offers, j);
    }
    if (!summary)
        json_object_set_new(o, "offers", offers);
    else
        json_decref(offers);
    json_object_set_new(o, "executors", json_array());
    if (fw->info->labels != NULL)
        json_object_set_new(o, "labels", labels_json(fw->info->labels));
    return o;
}

json_t *
butte_master_framework_json(butte_master_t *m, butte_mfw_t *fw, butte_pool_t *tmp)
{
    return framework_json(m, fw, tmp, false);
}

static json_t *
agent_json(butte_master_t *m, butte_magent_t *a, butte_pool_t *tmp)
{
    json_t *o = json_object();
    json_t *attrs = json_object();
    json_t *caps = json_array();
    butte_resources_t *used = agent_used(tmp, a, NULL);
    butte_resources_t *off = offered(tmp, m, a, NULL);
    butte_resources_t *reserved = butte_resources_reserved(tmp, a->total, NULL);
    json_t *reserved_by_role = json_object();

    json_object_set_new(o, "id", json_string(a->id));
    json_object_set_new(o, "pid", json_string(a->pid));
    json_object_set_new(o, "hostname", json_string(a->hostname));
    json_object_set_new(o, "port", json_integer(a->port));
    json_object_set_new(o, "registered_time", json_real(a->registered_time));
    if (a->reregistered_time > 0)
        json_object_set_new(o, "reregistered_time", json_real(a->reregistered_time));
    json_object_set_new(o, "resources", butte_resources_to_state_json(tmp, a->total));
    json_object_set_new(o, "used_resources", butte_resources_to_state_json(tmp, used));
    json_object_set_new(o, "offered_resources", butte_resources_to_state_json(tmp, off));
    for (size_t i = 0; i < butte_resources_count(reserved); i++) {
        const char *role = butte_res_role(butte_resources_at(reserved, i));

        if (json_object_get(reserved_by_role, role) == NULL)
            json_object_set_new(reserved_by_role, role,
                                butte_resources_to_state_json(
                                    tmp, butte_resources_reserved(tmp, a->total, role)));
    }
    json_object_set_new(o, "reserved_resources", reserved_by_role);
    json_object_set_new(o, "unreserved_resources",
                        butte_resources_to_state_json(tmp, butte_resources_unreserved(tmp, a->total)));
    json_object_set_new(o, "reserved_resources_full", json_object());
    json_object_set_new(o, "unreserved_resources_full",
                        res_full(tmp, butte_resources_unreserved(tmp, a->total)));
    json_object_set_new(o, "used_resources_full", res_full(tmp, used));
    json_object_set_new(o, "offered_resources_full", res_full(tmp, off));
    const Mesos__V1__AgentInfo *info = a->info_extras ? butte_master_agent_info(a, tmp) : NULL;

    for (size_t i = 0; info != NULL && i < info->n_attributes; i++) {
        const Mesos__V1__Attribute *at = info->attributes[i];

        if (at->type == MESOS__V1__VALUE__TYPE__SCALAR && at->scalar != NULL)
            json_object_set_new(attrs, at->name, json_real(at->scalar->value));
        else if (at->type == MESOS__V1__VALUE__TYPE__TEXT && at->text != NULL)
            json_object_set_new(attrs, at->name, json_string(at->text->value));
        else if (at->type == MESOS__V1__VALUE__TYPE__RANGES && at->ranges != NULL) {
            char *s = butte_pool_strdup(tmp, "[");

            for (size_t j = 0; j < at->ranges->n_range; j++)
                s = butte_pool_printf(tmp, "%s%s%llu-%llu", s, j ? ", " : "",
                                      (unsigned long long)at->ranges->range[j]->begin,
                                      (unsigned long long)at->ranges->range[j]->end);
            json_object_set_new(attrs, at->name, json_string(butte_pool_printf(tmp, "%s]", s)));
        }
    }
    json_object_set_new(o, "attributes", attrs);
    json_object_set_new(o, "active", json_boolean(a->active));
    json_object_set_new(o, "deactivated", json_boolean(!a->active));
    json_object_set_new(o, "version", json_string(a->version));
    for (size_t i = 0; i < a->n_capabilities; i++) {
        const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(
            &mesos__v1__agent_info__capability__type__descriptor, a->capabilities[i]);

        if (v != NULL)
            json_array_append_new(caps, json_string(v->name));
    }
    json_object_set_new(o, "capabilities", caps);
    return o;
}

static size_t
count_active_agents(butte_master_t *m, bool active)
{
    size_t n = 0;

    for (butte_magent_t *a = m->agents; a != NULL; a = a->next)
        n += a->active == active;
    return n;
}

static json_t *
frameworks_array(butte_master_t *m, butte_mfw_t *list, butte_pool_t *tmp, const char *only)
{
    json_t *arr = json_array();

    for (butte_mfw_t *fw = list; fw != NULL; fw = fw->next)
        if (only == NULL || strcmp(only, fw->id) == 0)
            json_array_append_new(arr, butte_master_framework_json(m, fw, tmp));
    return arr;
}

static json_t *
agents_array(butte_master_t *m, butte_pool_t *tmp, const char *only)
{
    json_t *arr = json_array();

    for (butte_magent_t *a = m->agents; a != NULL; a = a->next)
        if (only == NULL || strcmp(only, a->id) == 0)
            json_array_append_new(arr, agent_json(m, a, tmp));
    return arr;
}

static void
serve_state(butte_http_req_t *req, void *arg)
{
    butte_master_t *m = arg;
    butte_pool_t *tmp = butte_http_req_pool(req);
    json_t *o = butte_role_version_json();
    json_t *caps = json_array();
    const char *cluster = butte_flags_str(m->flags, "cluster");
    const char *log = butte_log_file_path();

    json_object_set_new(o, "start_time", json_real(m->start_time));
    json_object_set_new(o, "elected_time", json_real(m->elected_time));
    json_object_set_new(o, "id", json_string(m->id));
    json_object_set_new(o, "pid", json_string(m->pid));
    json_object_set_new(o, "hostname", json_string(m->hostname));
    json_array_append_new(caps, json_string("AGENT_UPDATE"));
    json_object_set_new(o, "capabilities", caps);
    json_object_set_new(o, "activated_slaves", json_integer((json_int_t)count_active_agents(m, true)));
    json_object_set_new(o, "deactivated_slaves",
                        json_integer((json_int_t)count_active_agents(m, false)));
    json_object_set_new(o, "unreachable_slaves", json_integer(0));
    if (cluster != NULL)
        json_object_set_new(o, "cluster", json_string(cluster));
    json_object_set_new(o, "leader", json_string(m->pid));
    json_object_set_new(o, "leader_info", pb_json(&m->info.base));
    if (log != NULL)
        json_object_set_new(o, "log_dir", json_string(butte_flags_str(m->flags, "log_dir")));
    json_object_set_new(o, "flags", butte_role_flags_json(m->role));
    json_object_set_new(o, "slaves", agents_array(m, tmp, NULL));
    json_object_set_new(o, "recovered_slaves", json_array());
    json_object_set_new(o, "frameworks", frameworks_array(m, m->frameworks, tmp, NULL));
    json_object_set_new(o, "completed_frameworks", frameworks_array(m, m->completed, tmp, NULL));
    json_object_set_new(o, "orphan_tasks", json_array());
    json_object_set_new(o, "unregistered_frameworks", json_array());
    butte_http_reply_json(req, 200, o);
    trim_later(m);
}

static void
task_counts(json_t *o, butte_mtask_t *const *lists, size_t nlists, butte_magent_t *agent)
{
    static const Mesos__V1__TaskState states[] = {
        MESOS__V1__TASK_STATE__TASK_STAGING, MESOS__V1__TASK_STATE__TASK_STARTING,
        MESOS__V1__TASK_STATE__TASK_RUNNING, MESOS__V1__TASK_STATE__TASK_KILLING,
        MESOS__V1__TASK_STATE__TASK_FINISHED, MESOS__V1__TASK_STATE__TASK_KILLED,
        MESOS__V1__TASK_STATE__TASK_FAILED, MESOS__V1__TASK_STATE__TASK_LOST,
        MESOS__V1__TASK_STATE__TASK_ERROR, MESOS__V1__TASK_STATE__TASK_UNREACHABLE,
    };

    for (size_t s = 0; s < sizeof states / sizeof states[0]; s++) {
        json_int_t n = 0;

        for (size_t l = 0; l < nlists; l++)
            for (butte_mtask_t *t = lists[l]; t != NULL; t = agent ? t->agent_next : t->fw_next)
                n += t->state == states[s];
        json_object_set_new(o, butte_master_state_name(states[s]), json_integer(n));
    }
}

static void
serve_summary(butte_http_req_t *req, void *arg)
{
    butte_master_t *m = arg;
    butte_pool_t *tmp = butte_http_req_pool(req);
    json_t *o = json_object();
    json_t *agents = json_array(), *fws = json_array();
    const char *cluster = butte_flags_str(m->flags, "cluster");

    json_object_set_new(o, "hostname", json_string(m->hostname));
    if (cluster != NULL)
        json_object_set_new(o, "cluster", json_string(cluster));
    for (butte_magent_t *a = m->agents; a != NULL; a = a->next) {
        json_t *j = json_object();
        json_t *ids = json_array();

        json_object_set_new(j, "id", json_string(a->id));
        json_object_set_new(j, "pid", json_string(a->pid));
        json_object_set_new(j, "hostname", json_string(a->hostname));
        json_object_set_new(j, "registered_time", json_real(a->registered_time));
        json_object_set_new(j, "resources", butte_resources_to_state_json(tmp, a->total));
        json_object_set_new(j, "used_resources",
                            butte_resources_to_state_json(tmp, agent_used(tmp, a, NULL)));
        json_object_set_new(j, "offered_resources",
                            butte_resources_to_state_json(tmp, offered(tmp, m, a, NULL)));
        json_object_set_new(j, "active", json_boolean(a->active));
        task_counts(j, &a->tasks, 1, a);
        for (butte_mfw_t *fw = m->frameworks; fw != NULL; fw = fw->next)
            for (butte_mtask_t *t = a->tasks; t != NULL; t = t->agent_next)
                if (t->fw == fw) {
                    json_array_append_new(ids, json_string(fw->id));
                    break;
                }
        json_object_set_new(j, "framework_ids", ids);
        json_array_append_new(agents, j);
    }
    for (butte_mfw_t *fw = m->frameworks; fw != NULL; fw = fw->next) {
        json_t *j = framework_json(m, fw, tmp, true);
        butte_mtask_t *lists[2] = { fw->tasks, fw->completed_tasks };
        json_t *ids = json_array();

        task_counts(j, lists, 2, NULL);
        for (butte_magent_t *a = m->agents; a != NULL; a = a->next)
            for (butte_mtask_t *t = a->tasks; t != NULL; t = t->agent_next)
                if (t->fw == fw) {
                    json_array_append_new(ids, json_string(a->id));
                    break;
                }
        json_object_set_new(j, "slave_ids", ids);
        json_array_append_new(fws, j);
    }
    json_object_set_new(o, "slaves", agents);
    json_object_set_new(o, "frameworks", fws);
    butte_http_reply_json(req, 200, o);
    trim_later(m);
}

static void
serve_frameworks(butte_http_req_t *req, void *arg)
{
    butte_master_t *m = arg;
    butte_pool_t *tmp = butte_http_req_pool(req);
    const char *only = butte_http_req_param(req, "framework_id");
    json_t *o = json_object();

    json_object_set_new(o, "frameworks", frameworks_array(m, m->frameworks, tmp, only));
    json_object_set_new(o, "completed_frameworks", frameworks_array(m, m->completed, tmp, only));
    json_object_set_new(o, "unregistered_frameworks", json_array());
    butte_http_reply_json(req, 200, o);
    trim_later(m);
}

static void
serve_slaves(butte_http_req_t *req, void *arg)
{
    butte_master_t *m = arg;
    json_t *o = json_object();

    json_object_set_new(o, "slaves",
                        agents_array(m, butte_http_req_pool(req),
                                     butte_http_req_param(req, "slave_id")));
    json_object_set_new(o, "recovered_slaves", json_array());
    butte_http_reply_json(req, 200, o);
    trim_later(m);
}

static void
serve_tasks(butte_http_req_t *req, void *arg)
{
    butte_master_t *m = arg;
    butte_pool_t *tmp = butte_http_req_pool(req);
    const char *limit_s = butte_http_req_param(req, "limit");
    const char *offset_s = butte_http_req_param(req, "offset");
    const char *order = butte_http_req_param(req, "order");
    const char *fid = butte_http_req_param(req, "framework_id");
    const char *tid = butte_http_req_param(req, "task_id");
    long limit = limit_s != NULL ? strtol(limit_s, NULL, 10) : 100;
    long offset = offset_s != NULL ? strtol(offset_s, NULL, 10) : 0;
    json_t *all = json_array(), *page = json_array(), *o = json_object();
    size_t n;

    for (butte_mfw_t *fw = m->frameworks; fw != NULL; fw = fw->next) {
        butte_mtask_t *lists[2] = { fw->tasks, fw->completed_tasks };

        if (fid != NULL && strcmp(fid, fw->id) != 0)
            continue;
        for (size_t l = 0; l < 2; l++)
            for (butte_mtask_t *t = lists[l]; t != NULL; t = t->fw_next)
                if (tid == NULL || strcmp(tid, t->id) == 0)
                    json_array_append_new(all, butte_master_task_json(t, tmp));
    }
    n = json_array_size(all);
    for (long i = offset < 0 ? 0 : offset; i < (long)n && (long)json_array_size(page) < limit; i++) {
        /* "des" (the default) is newest first; our lists are newest first */
        size_t idx = order != NULL && strcmp(order, "asc") == 0 ? n - 1 - (size_t)i : (size_t)i;

        json_array_append(page, json_array_get(all, idx));
    }
    json_decref(all);
    json_object_set_new(o, "tasks", page);
    butte_http_reply_json(req, 200, o);
    trim_later(m);
}

static void
route_get(butte_master_t *m, const char *path, butte_http_handler_fn fn)
{
    butte_http_route(m->http, path, BUTTE_HTTP_GET, false, fn, m);
    butte_http_route(m->http, butte_pool_printf(m->pool, "/master%s", path), BUTTE_HTTP_GET, false,
                     fn, m);
}

void
butte_master_routes_state(butte_master_t *m)
{
    route_get(m, "/state", serve_state);
    route_get(m, "/state.json", serve_state);
    route_get(m, "/state-summary", serve_summary);
    route_get(m, "/frameworks", serve_frameworks);
    route_get(m, "/slaves", serve_slaves);
    route_get(m, "/tasks", serve_tasks);
    route_get(m, "/tasks.json", serve_tasks);
}
