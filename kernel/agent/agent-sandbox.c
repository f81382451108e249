/*
 * kernel/agent/agent-sandbox.c - what the agent does with its executors'
 * sandboxes (agent-private.h): makes each visible through /files while it
 * exists, and has it garbage collected once its executor ended and every
 * update of its tasks was acknowledged (Mesos' rule: a completed executor's
 * run is scheduled for removal after --gc_delay; the disk watcher ages
 * it faster when the disk fills, gc-internal.h).
 *
 * /files under the agent's prefix ("/slave(N)/files/..."); also at the
 * bare "/files/..." when the agent has the server to itself, and under
 * mesos-local (prefix_only) for agent 1 only: the master does not serve
 * /files, and Mesos' web UI asks the bare path, so one local agent works
 * as in Mesos; the others answer under their own prefix.
 *
 * Per run the agent attaches the sandbox under its own absolute path and
 * under .../executors/<e>/runs/latest (as Mesos does), and detaches both
 * when the collector removed it (latest only while it still names this
 * run).  Everything runs on the loop.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/checkpoint-internal.h"
#include "agent/executor-internal.h"

/* A run whose executor ended; it waits for its tasks' acknowledgements,
 * then for the collector.  Lives in its own pool. */
typedef struct sandbox_run {
    struct sandbox_run *next;
    struct sandbox_run **pprev; /* the link that points here: O(1) unlinking */
    butte_pool_t *pool;
    butte_agent_t *agent;
    char *framework_id;
    char *executor_id;
    char *container_id;
    char *directory;    /* the run's sandbox (attached under this path too) */
    char *runs;         /* its runs/ folder */
    char *meta;         /* its meta run folder, NULL when not checkpointed */
    char **tasks;
    size_t n_tasks;
    bool scheduled;
} sandbox_run_t;

int
butte_agent_sandbox_start(butte_agent_t *a, butte_err_t *err)
{
    const butte_flags_t *fl = a->flags;
    butte_gc_options_t opts = {
        .work_dir = a->work_dir,
        .gc_delay = butte_flags_double(fl, "gc_delay"),
        .gc_disk_headroom = butte_flags_double(fl, "gc_disk_headroom"),
        .disk_watch_interval = butte_flags_double(fl, "disk_watch_interval"),
    };

    a->gc = butte_gc_create(a->pool, a->loop, &opts, err);
    if (!a->gc) {
        butte_err_prefix(err, "flag '--gc_delay' or '--gc_disk_headroom'");
        return err->code ? err->code : BUTTE_EINVAL;
    }
    a->files = butte_agent_files_register(a->pool, a->http, a->prefix);
    if (a->prefix && (!a->prefix_only || strcmp(a->prefix, "/slave(1)") == 0))
        butte_files_route(a->files, a->http, NULL);
    return BUTTE_OK;
}

static void
run_unlink(sandbox_run_t *r)
{
    *r->pprev = r->next;
    if (r->next)
        r->next->pprev = r->pprev;
}

static void
run_push(sandbox_run_t **head, sandbox_run_t *r)
{
    r->next = *head;
    if (r->next)
        r->next->pprev = &r->next;
    *head = r;
    r->pprev = head;
}

static void
run_free(butte_agent_t *a, sandbox_run_t *r)
{
    (void)a;
    run_unlink(r);
    butte_pool_destroy(r->pool);
}

void
butte_agent_sandbox_stop(butte_agent_t *a)
{
    /* the collector's pending callbacks are not called at destruction */
    butte_gc_destroy(a->gc);
    a->gc = NULL;
    while (a->done_runs)
        run_free(a, a->done_runs);
    while (a->gc_runs)
        run_free(a, a->gc_runs);
}

void
butte_agent_sandbox_launched(butte_agent_t *a, agent_executor_t *ex)
{
    butte_pool_t *tmp = butte_pool_create(NULL);
    butte_err_t err;
    char *runs = butte_pool_strdup(tmp, ex->directory);
    char *slash = strrchr(runs, '/');

    butte_err_clear(&err);
    if (slash)
        *slash = '\0';
    /* a new run of an executor whose folder was scheduled: keep it */
    char *exdir = butte_pool_strdup(tmp, runs);
    if ((slash = strrchr(exdir, '/')))
        *slash = '\0';
    if (butte_gc_unschedule(a->gc, exdir) == BUTTE_ECONFLICT)
        butte_log(a->log, BUTTE_LOG_WARNING,
                  "executor folder \"%s\" is being removed while a new run starts", exdir);
    if (butte_files_attach(a->files, ex->directory, ex->directory, &err) != 0 ||
        butte_files_attach(a->files, ex->directory, butte_pool_printf(tmp, "%s/latest", runs),
                           &err) != 0)
        butte_log(a->log, BUTTE_LOG_WARNING, "cannot attach sandbox \"%s\": %s", ex->directory,
                  err.msg);
    butte_pool_destroy(tmp);
}

/* The collector removed the sandbox: it leaves /files. */
static void
removed(void *arg, const char *path, int rc, const char *message)
{
    sandbox_run_t *r = arg;
    butte_agent_t *a = r->agent;
    char target[PATH_MAX];
    char *latest = butte_pool_printf(r->pool, "%s/latest", r->runs);
    ssize_t n = readlink(latest, target, sizeof target - 1);

    if (rc != 0)
        butte_log(a->log, BUTTE_LOG_WARNING, "cannot remove sandbox \"%s\": %s", path,
                  message ? message : "");
    else
        butte_log(a->log, BUTTE_LOG_INFO, "removed sandbox \"%s\"", path);
    butte_files_detach(a->files, r->directory);
    /* runs/latest names a newer run once one started: that one keeps it */
    if (n < 0 || ((size_t)n == strlen(r->container_id) &&
                  memcmp(target, r->container_id, (size_t)n) == 0))
        butte_files_detach(a->files, latest);
    run_free(a, r);
}

static void
schedule(butte_agent_t *a, sandbox_run_t *r)
{
    double delay = butte_flags_double(a->flags, "gc_delay");
    char *exdir = butte_pool_strdup(r->pool, r->runs);
    char *slash = strrchr(exdir, '/');

    r->scheduled = true;
    /* scheduled runs wait for the collector only: later checks (one per
     * exited executor) must not scan them, or every exit costs O(runs) */
    run_unlink(r);
    run_push(&a->gc_runs, r);
    if (butte_gc_schedule(a->gc, r->directory, delay, removed, r) != 0) {
        run_free(a, r);
        return;
    }
    if (r->meta)
        butte_gc_schedule(a->gc, r->meta, delay, NULL, NULL);
    /* the executor's folder goes too unless another run of it starts
     * (butte_agent_sandbox_launched unschedules it then) */
    if (slash && !butte_exec_find(a, r->framework_id, r->executor_id)) {
        *slash = '\0';
        butte_gc_schedule(a->gc, exdir, delay, NULL, NULL);
    }
    butte_log(a->log, BUTTE_LOG_INFO, "scheduled sandbox \"%s\" for removal in %gs",
              r->directory, delay);
}

void
butte_agent_sandbox_check(butte_agent_t *a)
{
    sandbox_run_t *r = a->done_runs;

    while (r) {
        sandbox_run_t *next = r->next;
        bool pending = false;
        for (size_t i = 0; !r->scheduled && i < r->n_tasks && !pending; i++)
            pending = butte_sum_has_stream(a->sum, r->framework_id, r->tasks[i]);
        if (!r->scheduled && !pending)
            schedule(a, r);
        r = next;
    }
}

void
butte_agent_sandbox_exited(butte_agent_t *a, agent_executor_t *ex)
{
    butte_pool_t *pool = butte_pool_create(NULL);
    sandbox_run_t *r = butte_pool_alloc(pool, sizeof *r);
    size_t n = 0;
    char *slash;

    r->pool = pool;
    r->agent = a;
    r->framework_id = butte_pool_strdup(pool, ex->framework_id);
    r->executor_id = butte_pool_strdup(pool, ex->id);
    r->container_id = butte_pool_strdup(pool, ex->container_id);
    r->directory = butte_pool_strdup(pool, ex->directory);
    r->runs = butte_pool_strdup(pool, ex->directory);
    if ((slash = strrchr(r->runs, '/')))
        *slash = '\0';
    r->meta = ex->meta_dir ? butte_pool_strdup(pool, ex->meta_dir) : NULL;
    for (exec_task_t *t = ex->tasks; t; t = t->next)
        n++;
    r->tasks = butte_pool_alloc(pool, (n + 1) * sizeof *r->tasks);
    for (exec_task_t *t = ex->tasks; t; t = t->next)
        r->tasks[r->n_tasks++] = butte_pool_strdup(pool, t->id);
    run_push(&a->done_runs, r);
    butte_agent_sandbox_check(a);
}
