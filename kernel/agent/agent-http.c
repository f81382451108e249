/*
 * kernel/agent/agent-http.c - the agent's endpoints: /state (and
 * /slave(1)/state, the libprocess path the Mesos web UI asks), and
 * /metrics/snapshot with the slave metrics that exist so far.
 * /health, /flags and /version are the role's (kernel/core/role.c).
 */
#include "config.h"

#include <string.h>

#include <butte/version.h>

#include "agent/agent-private.h"
#include "core/resources-pb.h"
#include "kernel/core/build-info.h"

static void
add_flag(const butte_flag_def_t *def, const char *value, butte_flag_source_t src, void *arg)
{
    /* Mesos reports every value as a string */
    json_object_set_new(arg, def->name, json_string(value));
}

/* Mesos' /state form: {"dc": "ams1", "row": 7, "slots": "[10-20]"}. */
static json_t *
attributes_json(butte_pool_t *pool, const butte_attributes_t *attrs)
{
    json_t *obj = json_object();

    for (size_t i = 0; i < butte_attributes_count(attrs); i++) {
        const butte_attr_t *at = butte_attributes_at(attrs, i);
        if (at->type == BUTTE_VALUE_SCALAR) {
            json_object_set_new(obj, at->name, json_real(at->scalar));
        } else if (at->type == BUTTE_VALUE_RANGES) {
            butte_attributes_t *one = butte_attributes_create(pool);
            butte_err_t err;
            butte_attributes_add(one, at, &err);
            const char *text = butte_attributes_format(pool, one);
            const char *colon = strchr(text, ':');
            json_object_set_new(obj, at->name, json_string(colon ? colon + 1 : text));
        } else {
            json_object_set_new(obj, at->name, json_string(at->text ? at->text : ""));
        }
    }
    return obj;
}

static json_t *
task_json(butte_pool_t *pool, const butte_agent_t *a, const agent_framework_t *f,
          const agent_task_t *t)
{
    json_t *o = json_object();

    json_object_set_new(o, "id", json_string(t->id));
    json_object_set_new(o, "name", json_string(t->name));
    json_object_set_new(o, "framework_id", json_string(f->id));
    json_object_set_new(o, "executor_id", json_string(t->executor_id ? t->executor_id : ""));
    json_object_set_new(o, "slave_id", json_string(a->id ? a->id : ""));
    json_object_set_new(o, "state", json_string(butte_agent_state_name(t->state)));
    json_object_set_new(o, "resources", butte_resources_to_state_json(pool, t->resources));
    return o;
}

/* Tasks grouped by executor; a command task's executor id is its task id. */
static json_t *
framework_json(butte_pool_t *pool, const butte_agent_t *a, const agent_framework_t *f)
{
    json_t *o = json_object();
    json_t *execs = json_array();

    json_object_set_new(o, "id", json_string(f->id));
    json_object_set_new(o, "name", json_string(f->name));
    json_object_set_new(o, "user", json_string(f->user));
    json_object_set_new(o, "role", json_string(f->role));
    for (const agent_task_t *t = f->tasks; t; t = t->next) {
        const char *eid = t->executor_id ? t->executor_id : t->id;
        json_t *exec = NULL;
        size_t i;
        json_t *e;
        json_array_foreach(execs, i, e) {
            if (strcmp(json_string_value(json_object_get(e, "id")), eid) == 0)
                exec = e;
        }
        if (!exec) {
            exec = json_object();
            json_object_set_new(exec, "id", json_string(eid));
            json_object_set_new(exec, "name", json_string(""));
            json_object_set_new(exec, "framework_id", json_string(f->id));
            json_object_set_new(exec, "tasks", json_array());
            json_object_set_new(exec, "queued_tasks", json_array());
            json_object_set_new(exec, "completed_tasks", json_array());
            json_array_append_new(execs, exec);
        }
        json_array_append_new(json_object_get(exec, "tasks"), task_json(pool, a, f, t));
    }
    json_object_set_new(o, "executors", execs);
    json_object_set_new(o, "completed_executors", json_array());
    return o;
}

static void
serve_state(butte_http_req_t *req, void *arg)
{
    butte_agent_t *a = arg;
    butte_pool_t *pool = butte_http_req_pool(req);
    json_t *s = json_object();
    json_t *flags = json_object();
    json_t *fws = json_array();

    butte_flags_foreach(a->flags, add_flag, flags);
    for (const agent_framework_t *f = a->frameworks; f; f = f->next)
        json_array_append_new(fws, framework_json(pool, a, f));
    json_object_set_new(s, "version", json_string(BUTTE_MESOS_VERSION));
    json_object_set_new(s, "build_date", json_string(BUTTE_BUILD_DATE));
    json_object_set_new(s, "build_time", json_integer(BUTTE_BUILD_TIME));
    json_object_set_new(s, "build_user", json_string(BUTTE_BUILD_USER));
    json_object_set_new(s, "start_time", json_real(a->start_time));
    json_object_set_new(s, "id", json_string(a->id ? a->id : ""));
    json_object_set_new(s, "pid", json_string(a->pid));
    json_object_set_new(s, "hostname", json_string(a->hostname));
    json_object_set_new(s, "resources", butte_resources_to_state_json(pool, a->resources));
    json_object_set_new(s, "attributes", attributes_json(pool, a->attributes));
    json_object_set_new(s, "master_hostname", json_string(a->master_host));
    json_object_set_new(s, "flags", flags);
    json_object_set_new(s, "frameworks", fws);
    json_object_set_new(s, "completed_frameworks", json_array());
    butte_http_reply_json(req, 200, s);
}

static void
serve_metrics(butte_http_req_t *req, void *arg)
{
    butte_agent_t *a = arg;
    json_t *m = json_object();
    uint64_t staging = 0, running = 0, frameworks = 0;

    for (const agent_framework_t *f = a->frameworks; f; f = f->next) {
        frameworks++;
        for (const agent_task_t *t = f->tasks; t; t = t->next) {
            if (t->state == MESOS__V1__TASK_STATE__TASK_STAGING)
                staging++;
            else if (t->state == MESOS__V1__TASK_STATE__TASK_RUNNING)
                running++;
        }
    }
    json_object_set_new(m, "slave/registered", json_real(a->registered ? 1 : 0));
    json_object_set_new(m, "slave/uptime_secs",
                        json_real(butte_loop_now(a->loop) - a->start_time));
    json_object_set_new(m, "slave/frameworks_active", json_real((double)frameworks));
    json_object_set_new(m, "slave/tasks_staging", json_real((double)staging));
    json_object_set_new(m, "slave/tasks_running", json_real((double)running));
    json_object_set_new(m, "slave/tasks_failed", json_real((double)a->tasks_failed));
    json_object_set_new(m, "slave/tasks_killed", json_real((double)a->tasks_killed));
    json_object_set_new(m, "slave/tasks_lost", json_real((double)a->tasks_lost));
    json_object_set_new(m, "slave/tasks_finished", json_real((double)a->tasks_finished));
    json_object_set_new(m, "slave/valid_status_updates", json_real((double)a->valid_acks));
    json_object_set_new(m, "slave/invalid_status_updates", json_real((double)a->invalid_acks));
    json_object_set_new(m, "slave/cpus_total",
                        json_real(butte_resources_scalar(a->resources, "cpus")));
    json_object_set_new(m, "slave/mem_total",
                        json_real(butte_resources_scalar(a->resources, "mem")));
    json_object_set_new(m, "slave/disk_total",
                        json_real(butte_resources_scalar(a->resources, "disk")));
    butte_http_reply_json(req, 200, m);
}

static void
route(butte_agent_t *a, const char *prefix, const char *path, butte_http_handler_fn fn)
{
    /* under mesos-local the bare paths belong to the master */
    if (!a->prefix_only)
        butte_http_route(a->http, path, BUTTE_HTTP_GET, false, fn, a);
    if (prefix)
        butte_http_route(a->http, butte_pool_printf(a->pool, "%s%s", prefix, path),
                         BUTTE_HTTP_GET, false, fn, a);
}

void
butte_agent_route(butte_agent_t *a, const char *prefix)
{
    route(a, prefix, "/state", serve_state);
    route(a, prefix, "/state.json", serve_state);
    route(a, prefix, "/metrics/snapshot", serve_metrics);
}
