/*
 * kernel/master/metrics.c - /metrics/snapshot (flat {"name": number},
 * Mesos' master and allocator metric names) and /redirect.
 */
#include "config.h"

#include <string.h>

#include "master/master-internal.h"

static void
put(json_t *o, const char *name, double v)
{
    json_object_set_new(o, name, json_real(v));
}

static void
alloc_metric(void *ctx, const char *name, double value)
{
    put(ctx, name, value);
}

static void
resource_metrics(butte_master_t *m, butte_pool_t *tmp, json_t *o)
{
    static const char *const names[] = { "cpus", "mem", "disk", "gpus" };
    butte_resources_t *total = butte_resources_create(tmp);
    butte_resources_t *used = butte_resources_create(tmp);

    for (butte_magent_t *a = m->agents; a != NULL; a = a->next) {
        butte_resources_add_all(total, a->total);
        for (butte_mtask_t *t = a->tasks; t != NULL; t = t->agent_next)
            if (!t->recovered)
                butte_resources_add_all(used, t->resources);
    }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        double tv = butte_resources_scalar(total, names[i]);
        double uv = butte_resources_scalar(used, names[i]);

        put(o, butte_pool_printf(tmp, "master/%s_total", names[i]), tv);
        put(o, butte_pool_printf(tmp, "master/%s_used", names[i]), uv);
        put(o, butte_pool_printf(tmp, "master/%s_percent", names[i]), tv > 0 ? uv / tv : 0);
    }
}

static void
serve_metrics(butte_http_req_t *req, void *arg)
{
    butte_master_t *m = arg;
    butte_pool_t *tmp = butte_http_req_pool(req);
    json_t *o = json_object();
    size_t active = 0, inactive = 0, connected = 0, disconnected = 0;
    size_t staging = 0, starting = 0, running = 0, killing = 0, unreachable = 0;

    for (butte_magent_t *a = m->agents; a != NULL; a = a->next) {
        active += a->active;
        inactive += !a->active;
        connected += a->link != NULL;
        disconnected += a->link == NULL;
    }
    put(o, "master/elected", 1);
    put(o, "master/uptime_secs", butte_loop_now(m->loop) - m->start_time);
    put(o, "master/slaves_active", (double)active);
    put(o, "master/slaves_inactive", (double)inactive);
    put(o, "master/slaves_connected", (double)connected);
    put(o, "master/slaves_disconnected", (double)disconnected);
    put(o, "master/slaves_unreachable", 0);
    put(o, "master/slave_registrations", (double)m->stats.slave_registrations);
    put(o, "master/slave_reregistrations", (double)m->stats.slave_reregistrations);
    put(o, "master/slave_removals", (double)m->stats.slave_removals);
    {
        size_t fa = 0, fi = 0, fc = 0, fd = 0;

        for (butte_mfw_t *fw = m->frameworks; fw != NULL; fw = fw->next) {
            fa += fw->stream != NULL;
            fi += fw->stream == NULL;
            fc += fw->stream != NULL;
            fd += fw->stream == NULL;
            for (butte_mtask_t *t = fw->tasks; t != NULL; t = t->fw_next) {
                staging += t->state == MESOS__V1__TASK_STATE__TASK_STAGING;
                starting += t->state == MESOS__V1__TASK_STATE__TASK_STARTING;
                running += t->state == MESOS__V1__TASK_STATE__TASK_RUNNING;
                killing += t->state == MESOS__V1__TASK_STATE__TASK_KILLING;
                unreachable += t->state == MESOS__V1__TASK_STATE__TASK_UNREACHABLE;
            }
        }
        put(o, "master/frameworks_active", (double)fa);
        put(o, "master/frameworks_inactive", (double)fi);
        put(o, "master/frameworks_connected", (double)fc);
        put(o, "master/frameworks_disconnected", (double)fd);
    }
    put(o, "master/outstanding_offers", (double)m->n_offers);
    put(o, "master/tasks_staging", (double)staging);
    put(o, "master/tasks_starting", (double)starting);
    put(o, "master/tasks_running", (double)running);
    put(o, "master/tasks_killing", (double)killing);
    put(o, "master/tasks_unreachable", (double)unreachable);
    put(o, "master/tasks_finished", (double)m->stats.tasks_finished);
    put(o, "master/tasks_failed", (double)m->stats.tasks_failed);
    put(o, "master/tasks_killed", (double)m->stats.tasks_killed);
    put(o, "master/tasks_lost", (double)m->stats.tasks_lost);
    put(o, "master/tasks_error", (double)m->stats.tasks_error);
    put(o, "master/tasks_dropped", (double)m->stats.tasks_dropped);
    put(o, "master/tasks_gone", (double)m->stats.tasks_gone);
    put(o, "master/valid_framework_to_executor_messages", 0);
    put(o, "master/messages_scheduler_calls", (double)(m->stats.valid_calls));
    put(o, "master/valid_calls", (double)m->stats.valid_calls);
    put(o, "master/invalid_calls", (double)m->stats.invalid_calls);
    put(o, "master/event_queue_messages", 0);
    put(o, "master/event_queue_dispatches", 0);
    put(o, "master/event_queue_http_requests", 0);
    put(o, "master/offers_declined", (double)m->stats.offers_declined);
    put(o, "master/offers_rescinded", (double)m->stats.offers_rescinded);
    put(o, "registrar/state_fetch_ms", 0);
    put(o, "registrar/state_store_ms", 0);
    put(o, "registrar/registry_size_bytes", 0);
    resource_metrics(m, tmp, o);
    if (m->aops != NULL && m->aops->stats != NULL) {
        butte_allocator_stats_t st;

        memset(&st, 0, sizeof st);
        st.size = sizeof st;
        m->aops->stats(m->astate, &st, alloc_metric, o);
        put(o, "allocator/mesos/allocation_runs", (double)st.passes);
        put(o, "allocator/mesos/allocation_run_ms", st.last_pass_secs * 1000);
    }
    butte_http_reply_json(req, 200, o);
}

/* /redirect: 307 to the leader's base URL (this master leads: no --zk). */
static void
serve_redirect(butte_http_req_t *req, void *arg)
{
    butte_master_t *m = arg;
    const char *path = butte_http_req_path(req);

    if (strcmp(path, "/redirect") != 0 && strcmp(path, "/master/redirect") != 0) {
        butte_http_reply_text(req, 404, "Not found");
        return;
    }
    butte_http_add_header(req, "Location",
                          butte_pool_printf(butte_http_req_pool(req), "//%s:%u", m->hostname,
                                            (unsigned)m->port));
    butte_http_reply(req, 307, NULL, "", 0);
}

void
butte_master_routes_metrics(butte_master_t *m)
{
    butte_http_route(m->http, "/metrics/snapshot", BUTTE_HTTP_GET, false, serve_metrics, m);
    butte_http_route(m->http, "/master/metrics/snapshot", BUTTE_HTTP_GET, false, serve_metrics,
                     m);
    butte_http_route(m->http, "/redirect", BUTTE_HTTP_GET, true, serve_redirect, m);
    butte_http_route(m->http, "/master/redirect", BUTTE_HTTP_GET, true, serve_redirect, m);
}
