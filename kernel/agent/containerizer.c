/*
 * kernel/agent/containerizer.c - the Mesos containerizer and posix
 * launcher (containerizer-internal.h): isolator chain, fork/exec, reaping.
 */
/* clone(2) and pipe2(2) for the fast launch path */
#define _GNU_SOURCE 1
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>

#include <butte/log.h>

#include "agent/containerizer-private.h"
#include "agent/containerizers-internal.h"
#include "core/loop-internal.h"

#if defined(__has_include)
#if __has_include("isolators/selection.h")
#include "isolators/selection.h"
#define HAVE_ISOLATOR_SELECTION 1
#endif
#endif

/* ------------------------------------------------------------ isolators */

/* Mesos' own isolator names that need no library here: the posix ones
 * measure only, so until their module exists the agent runs without them
 * (logged) rather than refusing to start. */
static bool
posix_name(const char *name)
{
    return strcmp(name, "posix/cpu") == 0 || strcmp(name, "posix/mem") == 0;
}

static int
add_isolator(butte_mc_t *mc, butte_modules_t *mods, const char *name, butte_err_t *err)
{
    const char *module = name;
    butte_instance_t *inst;

    if (mods == NULL || !butte_modules_loaded(mods, name)) {
#ifdef HAVE_ISOLATOR_SELECTION
        const butte_module_choice_t *c = butte_isolator_choice(name);
        if (c != NULL && mods != NULL) {
            module = c->symbol;
            butte_params_t params = butte_ctz_params(mc->pool, mc->flags, c->library);
            if (!butte_modules_loaded(mods, c->symbol) &&
                butte_modules_add_library_params(mods, c->library, c->symbol, &params, err) !=
                    BUTTE_OK) {
                butte_err_prefix(err, "flag '--isolation': isolator '%s'", name);
                return err->code;
            }
        } else
#endif
            if (posix_name(name)) {
            butte_log(mc->log, BUTTE_LOG_WARNING,
                      "isolator '%s' is not available in this build; containers run without it",
                      name);
            return BUTTE_OK;
        } else {
            return butte_err_set(err, BUTTE_EINVAL,
                                 "flag '--isolation': unknown isolator '%s' (neither a "
                                 "first-party isolator nor a module loaded with --modules)",
                                 name);
        }
    }
    inst = butte_modules_create(mods, module, BUTTE_KIND_ISOLATOR, err);
    if (inst == NULL) {
        butte_err_prefix(err, "flag '--isolation': isolator '%s'", name);
        return err->code ? err->code : BUTTE_EINVAL;
    }
    isolator_t *n = butte_pool_alloc(mc->pool, (mc->n_isolators + 1) * sizeof *n);
    if (mc->n_isolators)
        memcpy(n, mc->isolators, mc->n_isolators * sizeof *n);
    n[mc->n_isolators].name = butte_pool_strdup(mc->pool, name);
    n[mc->n_isolators].ops = butte_instance_ops(inst);
    n[mc->n_isolators].state = butte_instance_state(inst);
    mc->isolators = n;
    mc->n_isolators++;
    if (n[mc->n_isolators - 1].ops->recover != NULL &&
        n[mc->n_isolators - 1].ops->recover(n[mc->n_isolators - 1].state, NULL, 0, NULL, 0,
                                            err) != 0)
        return butte_err_prefix(err, "isolator '%s': recovery", name);
    return BUTTE_OK;
}

/* ------------------------------------------------------------ reaping */

static void
forget(butte_mc_t *mc, container_t *c)
{
    butte_err_t err;

    for (container_t **p = &mc->containers; *p; p = &(*p)->next) {
        if (*p == c) {
            *p = c->next;
            break;
        }
    }
    for (size_t i = mc->n_isolators; i-- > 0;) {
        butte_err_clear(&err);
        if (mc->isolators[i].ops->cleanup(mc->isolators[i].state, c->id, &err) != 0)
            butte_log(mc->log, BUTTE_LOG_WARNING, "isolator '%s': cleanup of %s: %s",
                      mc->isolators[i].name, c->id, err.msg);
    }
    butte_pool_destroy(c->pool);
}

/* Kill every process whose session is one of sids[n]: what tasks left
 * behind after their executors died, even in process groups of their own.
 * One pass over /proc for all of them. */
static void
kill_sessions(const pid_t *sids, size_t n, int sig)
{
    DIR *d;
    struct dirent *e;
    size_t live = 0;

    for (size_t i = 0; i < n; i++) {
        if (sids[i] > 1) {
            kill(-sids[i], sig);
            live++;
        }
    }
    if (live == 0 || (d = opendir("/proc")) == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        long pid = strtol(e->d_name, NULL, 10);
        if (pid <= 1)
            continue;
        /* getsid(2) answers for any pid on Linux: one system call instead
         * of opening and parsing /proc/<pid>/stat for every process */
        pid_t sid = getsid((pid_t)pid);
        for (size_t i = 0; sid > 1 && i < n; i++) {
            if (sid == sids[i]) {
                kill((pid_t)pid, sig);
                break;
            }
        }
    }
    closedir(d);
}

static void
kill_session(pid_t sid, int sig)
{
    kill_sessions(&sid, 1, sig);
}

static void
reap(butte_mc_t *mc)
{
    bool again = true;

    while (again) {
        size_t n = 0, cap = 0;
        pid_t *sids = NULL;

        again = false;
        for (container_t *c = mc->containers; c; c = c->next) {
            int status;
            pid_t r = c->pid > 0 ? waitpid(c->pid, &status, WNOHANG) : 0;
            if (r == c->pid || (r < 0 && errno == ECHILD)) {
                c->status = r < 0 ? 0 : status;
                c->ended = c->pid;
                c->pid = -1;
                if (n == cap) {
                    cap = cap ? 2 * cap : 16;
                    pid_t *grown = realloc(sids, cap * sizeof *grown);
                    if (grown == NULL) {
                        /* one scan each, as before batching */
                        kill_session(c->ended, SIGKILL);
                        continue;
                    }
                    sids = grown;
                }
                sids[n++] = c->ended;
            }
        }
        /* the executors are gone: nothing of their sessions may outlive them */
        kill_sessions(sids, n, SIGKILL);
        free(sids);
        for (container_t *c = mc->containers; c;) {
            if (!c->ended) {
                c = c->next;
                continue;
            }
            butte_mc_exit_fn fn = c->fn;
            void *ctx = c->ctx;
            int status = c->status;
            char id[256];
            snprintf(id, sizeof id, "%s", c->id);
            forget(mc, c);
            if (fn) /* NULL: its launch failed and was reported then */
                fn(ctx, id, status);
            /* fn may have destroyed or launched containers: start over,
             * and look for exits again once these are reported */
            again = true;
            c = mc->containers;
        }
    }
}

static void
on_sigchld(evutil_socket_t sig, short what, void *arg)
{
    (void)sig;
    (void)what;
    reap(arg);
}

/* ------------------------------------------------------------ life cycle */

butte_mc_t *
butte_mc_create(butte_pool_t *parent, butte_loop_t *loop, const butte_flags_t *flags,
                butte_modules_t *mods, butte_err_t *err)
{
    butte_pool_t *pool = butte_pool_create(parent);
    butte_mc_t *mc = butte_pool_alloc(pool, sizeof *mc);
    const char *list = butte_flags_str(flags, "isolation");
    char *copy, *save = NULL;

    memset(mc, 0, sizeof *mc);
    mc->pool = pool;
    mc->loop = loop;
    mc->flags = flags;
    mc->log = butte_log_get("agent");
    mc->names = butte_pool_strdup(pool, "");
    if (mods == NULL)
        butte_log(mc->log, BUTTE_LOG_WARNING, "no module loader: containers run without isolators");
    copy = butte_pool_strdup(pool, list ? list : "");
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        if (*tok == '\0')
            continue;
        if (add_isolator(mc, mods, tok, err) != BUTTE_OK) {
            butte_pool_destroy(pool);
            return NULL;
        }
    }
    for (size_t i = 0; i < mc->n_isolators; i++)
        mc->names = butte_pool_printf(pool, "%s%s%s", mc->names, i ? "," : "",
                                      mc->isolators[i].name);
    mc->sigchld = evsignal_new(butte_loop_base(loop), SIGCHLD, on_sigchld, mc);
    if (mc->sigchld == NULL || evsignal_add(mc->sigchld, NULL) != 0) {
        butte_err_set(err, BUTTE_EIO, "cannot watch SIGCHLD");
        if (mc->sigchld)
            event_free(mc->sigchld);
        butte_pool_destroy(pool);
        return NULL;
    }
    return mc;
}

void
butte_mc_destroy(butte_mc_t *mc)
{
    if (mc == NULL)
        return;
    event_free(mc->sigchld);
    if (mc->stack)
        munmap(mc->stack, SPAWN_STACK);
    while (mc->containers) {
        container_t *c = mc->containers;
        int status;
        if (c->pid > 0) {
            kill_session(c->pid, SIGKILL);
            /* SIGKILL cannot be caught: the wait is short */
            waitpid(c->pid, &status, 0);
        }
        forget(mc, c);
    }
    butte_pool_destroy(mc->pool);
}

const char *
butte_mc_isolators(const butte_mc_t *mc)
{
    return mc->names;
}

container_t *
butte_mc_find(butte_mc_t *mc, const char *id)
{
    for (container_t *c = mc->containers; c; c = c->next)
        if (strcmp(c->id, id) == 0)
            return c;
    return NULL;
}

int
butte_mc_kill(butte_mc_t *mc, const char *container_id, int sig)
{
    container_t *c = butte_mc_find(mc, container_id);

    if (c == NULL || c->pid <= 0)
        return BUTTE_ENOTFOUND;
    kill_session(c->pid, sig);
    return BUTTE_OK;
}

void
butte_mc_check(butte_mc_t *mc, const char *container_id)
{
    butte_err_t err;

    if (butte_mc_find(mc, container_id) == NULL)
        return;
    for (size_t i = 0; i < mc->n_isolators; i++) {
        butte_err_clear(&err);
        if (mc->isolators[i].ops->check &&
            mc->isolators[i].ops->check(mc->isolators[i].state, container_id, &err) != 0)
            butte_log(mc->log, BUTTE_LOG_DEBUG, "isolator '%s': check of %s: %s",
                      mc->isolators[i].name, container_id, err.msg);
        /* the check may have reported a limitation that destroyed it */
        if (butte_mc_find(mc, container_id) == NULL)
            return;
    }
}

void
butte_mc_update(butte_mc_t *mc, const char *container_id, const butte_resources_t *res,
                const butte_resources_t *limits)
{
    container_t *c = butte_mc_find(mc, container_id);
    butte_err_t err;

    if (c == NULL)
        return;
    for (size_t i = 0; i < mc->n_isolators; i++) {
        butte_err_clear(&err);
        if (mc->isolators[i].ops->update &&
            mc->isolators[i].ops->update(mc->isolators[i].state, container_id, res, limits,
                                         &err) != 0)
            butte_log(mc->log, BUTTE_LOG_WARNING, "isolator '%s': update of %s: %s",
                      mc->isolators[i].name, container_id, err.msg);
    }
    butte_resources_clear(c->resources);
    butte_resources_add_all(c->resources, res);
}

int
butte_mc_usage(butte_mc_t *mc, const char *container_id, butte_container_stats_t *st)
{
    container_t *c = butte_mc_find(mc, container_id);
    butte_err_t err;

    if (c == NULL)
        return BUTTE_ENOTFOUND;
    memset(st, 0, sizeof *st);
    st->size = sizeof *st;
    st->timestamp = butte_loop_now(mc->loop);
    for (size_t i = 0; i < mc->n_isolators; i++) {
        butte_err_clear(&err);
        if (mc->isolators[i].ops->usage &&
            mc->isolators[i].ops->usage(mc->isolators[i].state, container_id, st, &err) != 0)
            butte_log(mc->log, BUTTE_LOG_DEBUG, "isolator '%s': usage of %s: %s",
                      mc->isolators[i].name, container_id, err.msg);
    }
    if (!(st->set & BUTTE_STAT_CPUS_LIMIT) && c->resources) {
        st->cpus_limit = butte_resources_scalar(c->resources, "cpus");
        st->set |= BUTTE_STAT_CPUS_LIMIT;
    }
    if (!(st->set & BUTTE_STAT_MEM_LIMIT) && c->resources) {
        st->mem_limit_bytes = (uint64_t)(butte_resources_scalar(c->resources, "mem") * 1048576.0);
        st->set |= BUTTE_STAT_MEM_LIMIT;
    }
    return BUTTE_OK;
}

