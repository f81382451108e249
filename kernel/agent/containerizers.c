/*
 * kernel/agent/containerizers.c - the --containerizers chain
 * (containerizers-internal.h): the built-in Mesos containerizer and
 * containerizer modules behind one set of calls for the launcher.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <butte/log.h>

#include "agent/containerizers-internal.h"
#include "core/strmap-internal.h"
#include "mesos/v1/mesos.pb-c.h"

#define FIRST_PARTY_DOCKER_LIBRARY "docker_containerizer"
#define FIRST_PARTY_DOCKER_SYMBOL "org_apache_mesos_DockerContainerizer"

typedef struct entry {
    const char *name;
    butte_mc_t *mc;                          /* "mesos", else NULL */
    const butte_containerizer_ops_t *ops;    /* a module */
    void *state;
} entry_t;

struct butte_ctz {
    butte_pool_t *pool;
    butte_loop_t *loop;
    butte_log_t *log;
    entry_t *entries;
    size_t n;
    butte_mc_t *mc;          /* the Mesos containerizer when listed */
    butte_strmap_t runs;     /* container id -> run_t */
};

/* One launched container. */
typedef struct run {
    butte_ctz_t *z;
    butte_pool_t *pool;
    char *id;
    entry_t *owner;
    butte_ctz_exit_fn fn;   /* NULL once reported or abandoned */
    void *ctx;
    butte_mc_limit_fn on_limit;
    bool launching;         /* inside the module's launch(): report later */
    int launch_code;        /* a module's done() that came early */
    char *launch_msg;
    bool launch_done;
    bool kill_pending;      /* killed while a module was still launching it */
} run_t;

/* ------------------------------------------------------------ params */

typedef struct pass {
    const char *flag;
    char kind; /* s = text, b = bool, d = duration in seconds */
} pass_t;

static const pass_t cgroups_pass[] = {
    { "cgroups_hierarchy", 's' }, { "cgroups_root", 's' },      { "cgroups_enable_cfs", 'b' },
    { "cgroups_limit_swap", 'b' }, { "cgroups_destroy_timeout", 'd' }, { "runtime_dir", 's' },
    { "work_dir", 's' },           { NULL, 0 },
};

static const pass_t docker_pass[] = {
    { "docker", 's' },         { "docker_socket", 's' },       { "docker_remove_delay", 'd' },
    { "docker_stop_timeout", 'd' }, { "docker_kill_orphans", 'b' }, { "docker_config", 's' },
    { "launcher_dir", 's' },   { "work_dir", 's' },            { "runtime_dir", 's' },
    { "switch_user", 'b' },    { NULL, 0 },
};

butte_params_t
butte_ctz_params(butte_pool_t *pool, const butte_flags_t *flags, const char *library)
{
    const pass_t *table = NULL;
    butte_params_t out = { 0, NULL };
    size_t n = 0;

    if (strcmp(library, "cgroups_isolators") == 0)
        table = cgroups_pass;
    else if (strcmp(library, FIRST_PARTY_DOCKER_LIBRARY) == 0)
        table = docker_pass;
    if (table == NULL)
        return out;
    while (table[n].flag != NULL)
        n++;
    butte_param_t *items = butte_pool_alloc(pool, (n + 1) * sizeof *items);
    for (size_t i = 0; i < n; i++) {
        const char *f = table[i].flag;
        const char *v;
        if (table[i].kind == 'b')
            v = butte_flags_bool(flags, f) ? "true" : "false";
        else if (table[i].kind == 'd')
            v = butte_pool_printf(pool, "%.9g", butte_flags_double(flags, f));
        else
            v = butte_flags_str(flags, f);
        if (v == NULL)
            continue;
        items[out.count].key = f;
        items[out.count].value = v;
        out.count++;
    }
    out.items = items;
    return out;
}

/* ------------------------------------------------------------ reporting */

static void
forget(run_t *r)
{
    butte_strmap_del_if(&r->z->runs, r->id, r);
    butte_pool_destroy(r->pool);
}

static void
report(run_t *r, const butte_container_termination_t *term)
{
    butte_ctz_exit_fn fn = r->fn;
    void *ctx = r->ctx;
    char id[256];

    snprintf(id, sizeof id, "%s", r->id);
    r->fn = NULL;
    forget(r);
    if (fn != NULL)
        fn(ctx, id, term);
}

static void
report_failure(run_t *r, const char *message)
{
    butte_container_termination_t term = {
        .size = sizeof term,
        .has_status = false,
        .state = MESOS__V1__TASK_STATE__TASK_FAILED,
        .reason = MESOS__V1__TASK_STATUS__REASON__REASON_CONTAINER_LAUNCH_FAILED,
        .message = message,
    };
    report(r, &term);
}

/* Mesos containerizer callbacks */
static void
mesos_exited(void *ctx, const char *container_id, int wait_status)
{
    run_t *r = ctx;
    butte_container_termination_t term = {
        .size = sizeof term,
        .has_status = true,
        .status = wait_status,
        .state = MESOS__V1__TASK_STATE__TASK_FAILED,
    };

    (void)container_id;
    report(r, &term);
}

static void
mesos_limited(void *ctx, const char *container_id, int reason, const char *message)
{
    run_t *r = ctx;

    if (r->on_limit != NULL && r->fn != NULL)
        r->on_limit(r->ctx, container_id, reason, message);
}

/* module callbacks */
static void
module_waited(void *ctx, const char *container_id, const butte_container_termination_t *term)
{
    (void)container_id;
    report(ctx, term);
}

static void
module_started(run_t *r)
{
    butte_err_t err;

    if (r->launch_code != 0) {
        butte_log(r->z->log, BUTTE_LOG_WARNING, "containerizer '%s': container %s: %s",
                  r->owner->name, r->id, r->launch_msg);
        report_failure(r, r->launch_msg);
        return;
    }
    butte_err_clear(&err);
    if (r->owner->ops->wait(r->owner->state, r->id, module_waited, r, &err) != 0) {
        butte_container_termination_t term = {
            .size = sizeof term,
            .state = MESOS__V1__TASK_STATE__TASK_FAILED,
            .message = butte_pool_printf(r->pool, "cannot wait for the container: %s", err.msg),
        };
        report(r, &term);
        return;
    }
    /* the agent gave up on it while it was starting: end it now */
    if (r->kill_pending)
        butte_ctz_kill(r->z, r->id);
}

static void
module_started_later(void *arg)
{
    module_started(arg);
}

static void
module_launched(void *ctx, const char *container_id, int code, const butte_err_t *err)
{
    run_t *r = ctx;

    (void)container_id;
    r->launch_done = true;
    r->launch_code = code;
    if (code == BUTTE_EDECLINED)
        r->launch_msg = butte_pool_printf(r->pool, "containerizer '%s' declined the container "
                                          "after accepting it", r->owner->name);
    else if (code != 0)
        r->launch_msg = butte_pool_strdup(r->pool, err && err->msg[0] ? err->msg
                                                                      : "the launch failed");
    if (r->launching)
        butte_loop_defer(r->z->loop, module_started_later, r); /* launch() has not returned */
    else
        module_started(r);
}

/* ------------------------------------------------------------ launching */

static bool
is_docker(const butte_ctz_launch_t *l)
{
    Mesos__V1__ContainerInfo *ci;
    bool docker;

    if (l->container_info.data == NULL)
        return false;
    ci = mesos__v1__container_info__unpack(NULL, l->container_info.len, l->container_info.data);
    docker = ci != NULL && ci->type == MESOS__V1__CONTAINER_INFO__TYPE__DOCKER;
    if (ci != NULL)
        mesos__v1__container_info__free_unpacked(ci, NULL);
    return docker;
}

int
butte_ctz_launch(butte_ctz_t *z, const butte_ctz_launch_t *l, butte_ctz_exit_fn fn, void *ctx,
                 pid_t *pid, butte_err_t *err)
{
    bool docker = is_docker(l);
    const char *tried = "";

    *pid = 0;
    for (size_t i = 0; i < z->n; i++) {
        entry_t *e = &z->entries[i];
        butte_pool_t *pool = butte_pool_create(NULL);
        run_t *r = butte_pool_alloc(pool, sizeof *r);
        int rc;

        memset(r, 0, sizeof *r);
        r->z = z;
        r->pool = pool;
        r->id = butte_pool_strdup(pool, l->mc.container_id);
        r->owner = e;
        r->fn = fn;
        r->ctx = ctx;
        r->on_limit = l->on_limit;
        if (e->mc != NULL) {
            if (docker) {
                /* Mesos' containerizer runs no DOCKER containers either */
                butte_pool_destroy(pool);
                tried = butte_pool_printf(z->pool, "%s%s'%s'", tried, *tried ? ", " : "",
                                          e->name);
                continue;
            }
            butte_mc_launch_t ml = l->mc;
            ml.on_limit = mesos_limited;
            ml.task_info = l->task_info;
            ml.container_info = l->container_info;
            ml.limits = l->limits;
            butte_strmap_put(&z->runs, r->id, r);
            rc = butte_mc_launch(e->mc, &ml, mesos_exited, r, pid, err);
            if (rc != 0) {
                forget(r);
                return rc;
            }
            return BUTTE_OK;
        }
        butte_container_config_t cfg;
        memset(&cfg, 0, sizeof cfg);
        cfg.size = sizeof cfg;
        cfg.container_id = l->mc.container_id;
        cfg.directory = l->mc.directory;
        cfg.user = l->mc.user;
        cfg.task_info = l->task_info;
        cfg.executor_info = l->mc.executor_info;
        cfg.command_info = l->mc.command_info;
        cfg.container_info = l->container_info;
        cfg.resources = l->mc.resources;
        cfg.limits = l->limits;
        cfg.env = l->mc.env;
        cfg.argv = l->mc.argv;
        butte_strmap_put(&z->runs, r->id, r);
        r->launching = true;
        butte_err_clear(err);
        rc = e->ops->launch(e->state, &cfg, module_launched, r, err);
        r->launching = false;
        if (rc == BUTTE_EDECLINED) {
            forget(r);
            tried = butte_pool_printf(z->pool, "%s%s'%s'", tried, *tried ? ", " : "", e->name);
            continue;
        }
        if (rc != 0) {
            forget(r);
            return butte_err_prefix(err, "containerizer '%s'", e->name);
        }
        return BUTTE_OK;
    }
    return butte_err_set(err, BUTTE_EINVAL,
                         "no containerizer can launch this %scontainer (tried %s; see "
                         "--containerizers)",
                         docker ? "DOCKER " : "", *tried ? tried : "none");
}

/* ------------------------------------------------------------ the rest */

static void
destroyed(void *ctx, const char *container_id, int code, const butte_err_t *err)
{
    butte_ctz_t *z = ctx;

    if (code != 0)
        butte_log(z->log, BUTTE_LOG_WARNING, "cannot destroy container %s: %s", container_id,
                  err && err->msg[0] ? err->msg : "unknown error");
}

int
butte_ctz_kill(butte_ctz_t *z, const char *container_id)
{
    run_t *r = butte_strmap_get(&z->runs, container_id);
    butte_err_t err;

    if (r == NULL)
        return BUTTE_ENOTFOUND;
    if (r->owner->mc != NULL)
        return butte_mc_kill(r->owner->mc, container_id, SIGKILL);
    if (!r->launch_done) {
        r->kill_pending = true; /* destroyed as soon as the launch reports */
        return BUTTE_OK;
    }
    butte_err_clear(&err);
    if (r->owner->ops->destroy(r->owner->state, container_id, destroyed, z, &err) != 0) {
        butte_log(z->log, BUTTE_LOG_WARNING, "containerizer '%s': destroy of %s: %s",
                  r->owner->name, container_id, err.msg);
        return err.code ? err.code : BUTTE_EIO;
    }
    return BUTTE_OK;
}

void
butte_ctz_update(butte_ctz_t *z, const char *container_id, const butte_resources_t *res,
                 const butte_resources_t *limits)
{
    run_t *r = butte_strmap_get(&z->runs, container_id);
    butte_err_t err;

    if (r == NULL)
        return;
    if (r->owner->mc != NULL) {
        butte_mc_update(r->owner->mc, container_id, res, limits);
        return;
    }
    butte_err_clear(&err);
    if (r->owner->ops->update != NULL && r->launch_done &&
        r->owner->ops->update(r->owner->state, container_id, res, limits, &err) != 0)
        butte_log(z->log, BUTTE_LOG_WARNING, "containerizer '%s': update of %s: %s",
                  r->owner->name, container_id, err.msg);
}

int
butte_ctz_usage(butte_ctz_t *z, const char *container_id, butte_container_stats_t *st)
{
    run_t *r = butte_strmap_get(&z->runs, container_id);
    butte_err_t err;

    if (r == NULL)
        return BUTTE_ENOTFOUND;
    if (r->owner->mc != NULL)
        return butte_mc_usage(r->owner->mc, container_id, st);
    memset(st, 0, sizeof *st);
    st->size = sizeof *st;
    st->timestamp = butte_loop_now(z->loop);
    if (r->owner->ops->usage == NULL)
        return BUTTE_OK;
    butte_err_clear(&err);
    if (r->owner->ops->usage(r->owner->state, container_id, st, &err) != 0)
        butte_log(z->log, BUTTE_LOG_DEBUG, "containerizer '%s': usage of %s: %s",
                  r->owner->name, container_id, err.msg);
    return BUTTE_OK;
}

void
butte_ctz_check(butte_ctz_t *z, const char *container_id)
{
    run_t *r = butte_strmap_get(&z->runs, container_id);

    if (r != NULL && r->owner->mc != NULL)
        butte_mc_check(r->owner->mc, container_id);
}

const char *
butte_ctz_isolators(const butte_ctz_t *z)
{
    return z->mc != NULL ? butte_mc_isolators(z->mc) : "";
}

/* ------------------------------------------------------------ life cycle */

static int
add_module(butte_ctz_t *z, butte_modules_t *mods, const butte_flags_t *flags, const char *name,
           entry_t *e, butte_err_t *err)
{
    const char *module = name;
    butte_instance_t *inst;

    if (mods == NULL)
        return butte_err_set(err, BUTTE_EINVAL,
                             "flag '--containerizers': containerizer '%s' needs the module "
                             "loader", name);
    if (strcmp(name, "docker") == 0 && !butte_modules_loaded(mods, name)) {
        module = FIRST_PARTY_DOCKER_SYMBOL;
        if (!butte_modules_loaded(mods, module)) {
            butte_params_t p = butte_ctz_params(z->pool, flags, FIRST_PARTY_DOCKER_LIBRARY);
            if (butte_modules_add_library_params(mods, FIRST_PARTY_DOCKER_LIBRARY, module, &p,
                                                 err) != 0)
                return butte_err_prefix(err, "flag '--containerizers': containerizer '%s'",
                                        name);
        }
    } else if (!butte_modules_loaded(mods, name)) {
        return butte_err_set(err, BUTTE_EINVAL,
                             "flag '--containerizers': unknown containerizer '%s' (mesos, "
                             "docker, or a module loaded with --modules)", name);
    }
    inst = butte_modules_create(mods, module, BUTTE_KIND_CONTAINERIZER, err);
    if (inst == NULL)
        return butte_err_prefix(err, "flag '--containerizers': containerizer '%s'", name);
    e->ops = butte_instance_ops(inst);
    e->state = butte_instance_state(inst);
    if (e->ops->recover != NULL && e->ops->recover(e->state, NULL, 0, err) != 0)
        return butte_err_prefix(err, "containerizer '%s': recovery", name);
    return BUTTE_OK;
}

butte_ctz_t *
butte_ctz_create(butte_pool_t *parent, butte_loop_t *loop, const butte_flags_t *flags,
                 butte_modules_t *mods, butte_err_t *err)
{
    butte_pool_t *pool = butte_pool_create(parent);
    butte_ctz_t *z = butte_pool_alloc(pool, sizeof *z);
    const char *list = butte_flags_str(flags, "containerizers");
    char *copy, *save = NULL;
    size_t cap = 4;

    memset(z, 0, sizeof *z);
    z->pool = pool;
    z->loop = loop;
    z->log = butte_log_get("agent");
    butte_strmap_init(&z->runs, pool);
    z->entries = butte_pool_alloc(pool, cap * sizeof *z->entries);
    copy = butte_pool_strdup(pool, list != NULL && *list ? list : "mesos");
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        if (*tok == '\0')
            continue;
        for (size_t i = 0; i < z->n; i++)
            if (strcmp(z->entries[i].name, tok) == 0) {
                butte_err_set(err, BUTTE_EINVAL,
                              "flag '--containerizers': '%s' is listed twice", tok);
                goto fail;
            }
        if (z->n == cap) {
            entry_t *grown = butte_pool_alloc(pool, 2 * cap * sizeof *grown);
            memcpy(grown, z->entries, cap * sizeof *grown);
            z->entries = grown;
            cap *= 2;
        }
        entry_t *e = &z->entries[z->n];
        memset(e, 0, sizeof *e);
        e->name = tok;
        if (strcmp(tok, "mesos") == 0) {
            e->mc = butte_mc_create(pool, loop, flags, mods, err);
            if (e->mc == NULL)
                goto fail;
            z->mc = e->mc;
        } else if (add_module(z, mods, flags, tok, e, err) != BUTTE_OK) {
            goto fail;
        }
        z->n++;
    }
    return z;
fail:
    butte_ctz_destroy(z);
    return NULL;
}

void
butte_ctz_destroy(butte_ctz_t *z)
{
    butte_err_t err;

    if (z == NULL)
        return;
    /* nothing is reported any more; modules clean up as they can (their
     * own destroy() runs when the module loader closes) */
    for (size_t i = 0; i < z->runs.cap; i++) {
        run_t *r = z->runs.keys[i] ? z->runs.vals[i] : NULL;
        if (r == NULL)
            continue;
        r->fn = NULL;
        if (r->owner->ops != NULL && r->launch_done) {
            butte_err_clear(&err);
            r->owner->ops->destroy(r->owner->state, r->id, destroyed, z, &err);
        }
    }
    for (size_t i = 0; i < z->runs.cap; i++)
        if (z->runs.keys[i] != NULL)
            butte_pool_destroy(((run_t *)z->runs.vals[i])->pool);
    for (size_t i = 0; i < z->n; i++)
        butte_mc_destroy(z->entries[i].mc);
    butte_pool_destroy(z->pool);
}
