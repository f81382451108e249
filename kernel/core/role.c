/*
 * kernel/core/role.c - start-up, common endpoints and shutdown of a role
 * process (role-internal.h).
 *
 * Everything that can fail before the loop runs prints exactly one line
 * "<program>: <message>" on stderr and returns 1, so an operator (or an init
 * system's log) sees the cause without reading a log file.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <butte/anonymous.h>
#include <butte/version.h>

#include "core/log-internal.h"
#include "core/loop-internal.h"
#include "core/role-internal.h"
#include "kernel/core/build-info.h"

struct butte_role {
    const butte_role_spec_t *spec;
    const char *program;
    butte_pool_t *pool;
    butte_loop_t *loop;
    butte_flags_t *flags;
    butte_http_t *http;
    butte_modules_t *modules;
    butte_log_t *log;
};

butte_pool_t *
butte_role_pool(const butte_role_t *role)
{
    return role->pool;
}

butte_loop_t *
butte_role_loop(const butte_role_t *role)
{
    return role->loop;
}

const butte_flags_t *
butte_role_flags(const butte_role_t *role)
{
    return role->flags;
}

butte_http_t *
butte_role_http(const butte_role_t *role)
{
    return role->http;
}

butte_modules_t *
butte_role_modules(const butte_role_t *role)
{
    return role->modules;
}

butte_log_t *
butte_role_log(const butte_role_t *role)
{
    return role->log;
}

const char *
butte_role_program(const butte_role_t *role)
{
    return role->program;
}

/* ------------------------------------------------------------ endpoints */

static void
add_flag(const butte_flag_def_t *def, const char *value, butte_flag_source_t src, void *arg)
{
    json_t *obj = arg;

    /* Mesos reports every value as a string, booleans and numbers too */
    json_object_set_new(obj, def->name, json_string(value));
}

json_t *
butte_role_flags_json(const butte_role_t *role)
{
    json_t *obj = json_object();

    butte_flags_foreach(role->flags, add_flag, obj);
    return obj;
}

json_t *
butte_role_version_json(void)
{
    json_t *v = json_object();

    json_object_set_new(v, "version", json_string(BUTTE_MESOS_VERSION));
    json_object_set_new(v, "build_date", json_string(BUTTE_BUILD_DATE));
    json_object_set_new(v, "build_time", json_integer(BUTTE_BUILD_TIME));
    json_object_set_new(v, "build_user", json_string(BUTTE_BUILD_USER));
    /* Mesos leaves the git fields out when it was not built from git */
    if (BUTTE_GIT_SHA[0] != '\0') {
        json_object_set_new(v, "git_sha", json_string(BUTTE_GIT_SHA));
        if (BUTTE_GIT_BRANCH[0] != '\0')
            json_object_set_new(v, "git_branch", json_string(BUTTE_GIT_BRANCH));
        if (BUTTE_GIT_TAG[0] != '\0')
            json_object_set_new(v, "git_tag", json_string(BUTTE_GIT_TAG));
    }
    return v;
}

static void
serve_health(butte_http_req_t *req, void *arg)
{
    butte_http_reply(req, 200, NULL, NULL, 0);
}

static void
serve_flags(butte_http_req_t *req, void *arg)
{
    butte_role_t *role = arg;
    json_t *body = json_object();

    json_object_set_new(body, "flags", butte_role_flags_json(role));
    butte_http_reply_json(req, 200, body);
}

static void
serve_version(butte_http_req_t *req, void *arg)
{
    butte_http_reply_json(req, 200, butte_role_version_json());
}

static void
route_both(butte_role_t *role, const char *path, butte_http_handler_fn fn)
{
    butte_http_route(role->http, path, BUTTE_HTTP_GET, false, fn, role);
    if (role->spec->prefix != NULL) {
        char *alias = butte_pool_printf(role->pool, "%s%s", role->spec->prefix, path);

        butte_http_route(role->http, alias, BUTTE_HTTP_GET, false, fn, role);
    }
}

/* ------------------------------------------------------------ start-up steps */

/* The name errors are prefixed with: what the user typed, without the
 * directory or the "lt-" libtool gives build-tree programs. */
static const char *
program_name(const char *argv0, const char *role)
{
    const char *base;

    if (argv0 == NULL || *argv0 == '\0')
        return role;
    base = strrchr(argv0, '/');
    base = base != NULL ? base + 1 : argv0;
    if (strncmp(base, "lt-", 3) == 0)
        base += 3;
    return base;
}

static const butte_flag_def_t *
find_def(const butte_role_spec_t *spec, const char *name)
{
    for (size_t i = 0; i < spec->nflags; i++)
        if (strcmp(spec->flags[i].name, name) == 0)
            return &spec->flags[i];
    return NULL;
}

/* A numeric flag read with the getter its table type asks for (the
 * getters abort on a mismatch, and tables may differ between roles). */
static double
flag_number(const butte_role_t *role, const char *name, double fallback)
{
    const butte_flag_def_t *def = find_def(role->spec, name);

    if (def == NULL)
        return fallback;
    switch (def->type) {
    case BUTTE_FLAG_INT:
        return (double)butte_flags_int(role->flags, name);
    case BUTTE_FLAG_DOUBLE:
    case BUTTE_FLAG_DURATION:
        return butte_flags_double(role->flags, name);
    default:
        return fallback;
    }
}

static const char *
flag_str(const butte_role_t *role, const char *name)
{
    return find_def(role->spec, name) != NULL ? butte_flags_str(role->flags, name) : NULL;
}

static bool
flag_bool(const butte_role_t *role, const char *name)
{
    return find_def(role->spec, name) != NULL && butte_flags_bool(role->flags, name);
}

static void
warn_unimplemented(const butte_flag_def_t *def, const char *value, butte_flag_source_t src,
    void *arg)
{
    butte_role_t *role = arg;

    butte_log(role->log, BUTTE_LOG_WARNING, "flag '--%s' is not implemented yet", def->name);
}

static void
log_module(const char *library, const butte_module_t *m, const butte_params_t *params, void *arg)
{
    butte_role_t *role = arg;

    butte_log(role->log, BUTTE_LOG_INFO, "loaded module '%s' (%s) from \"%s\"", m->name,
              butte_kind_name(m->kind) != NULL ? butte_kind_name(m->kind) : "unknown", library);
}

static int
load_modules(butte_role_t *role, butte_err_t *err)
{
    const char *module_dir = getenv("BUTTE_MODULE_DIR");

    if (module_dir == NULL || *module_dir == '\0')
        module_dir = BUTTE_MODDIR;
    /* Not installed yet (running from the build tree after "make"): the
     * build links every first-party module into one folder. */
    if (access(module_dir, R_OK | X_OK) != 0 && access(BUTTE_BUILD_MODDIR, R_OK | X_OK) == 0)
        module_dir = BUTTE_BUILD_MODDIR;
    role->modules = butte_modules_open(role->pool, role->loop, flag_str(role, "modules"),
                                       flag_str(role, "modules_dir"), module_dir, err);
    if (role->modules == NULL)
        return err->code != 0 ? err->code : BUTTE_EINVAL;
    butte_modules_foreach(role->modules, log_module, role);
    return butte_modules_create_anonymous(role->modules, err);
}

/* The address to bind: --ip (the flags loader also takes libprocess'
 * LIBPROCESS_IP / LIBPROCESS_PORT, as Mesos does), else every interface. */
static int
bind_address(const butte_role_t *role, const char **ip, uint16_t *port, butte_err_t *err)
{
    double p = flag_number(role, "port", 0);

    *ip = flag_str(role, "ip");
    if (*ip == NULL || **ip == '\0')
        *ip = "0.0.0.0";
    if (p < 0 || p > 65535)
        return butte_err_set(err, BUTTE_EINVAL, "flag '--port' (%s): %.0f is not a port (0-65535)",
                             butte_flags_origin(role->flags, "port"), p);
    *port = (uint16_t)p;
    return BUTTE_OK;
}

/* Tests start roles on --port=0 and learn the port from this file; it is
 * renamed into place so a poller never reads it half-written. */
static int
write_port_file(const char *path, unsigned port, butte_err_t *err)
{
    char tmp[4096];
    FILE *f;

    if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp)
        return butte_err_set(err, BUTTE_EINVAL, "BUTTE_PORT_FILE \"%s\" is too long", path);
    f = fopen(tmp, "w");
    if (f == NULL)
        return butte_err_set(err, BUTTE_EIO, "could not write \"%s\": %s", tmp, strerror(errno));
    fprintf(f, "%u\n", port);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        int e = errno;

        unlink(tmp);
        return butte_err_set(err, BUTTE_EIO, "could not write \"%s\": %s", path, strerror(e));
    }
    return BUTTE_OK;
}

static int
start_http(butte_role_t *role, butte_err_t *err)
{
    const char *ip = NULL;
    uint16_t port = 0;
    const char *port_file = getenv("BUTTE_PORT_FILE");

    if (bind_address(role, &ip, &port, err) != 0)
        return err->code;
    role->http = butte_http_create(role->pool, role->loop);
    route_both(role, "/health", serve_health);
    route_both(role, "/flags", serve_flags);
    route_both(role, "/version", serve_version);
    if (butte_http_listen(role->http, ip, port, err) != 0) {
        if (err->code == BUTTE_EINVAL)
            butte_err_prefix(err, "flag '--ip' (%s)", butte_flags_origin(role->flags, "ip"));
        return err->code;
    }
    butte_log(role->log, BUTTE_LOG_INFO, "%s listening on %s", role->spec->name,
              butte_http_address(role->http));
    if (port_file != NULL && *port_file != '\0')
        return write_port_file(port_file, butte_http_port(role->http), err);
    return BUTTE_OK;
}

static int
configure_logging(butte_role_t *role, butte_err_t *err)
{
    const char *level = flag_str(role, "logging_level");

    return butte_log_configure(role->program, level != NULL ? level : "INFO",
                               flag_str(role, "log_dir"), flag_number(role, "logbufsecs", 0),
                               flag_bool(role, "quiet"), err);
}

static void
anonymous_started(butte_instance_t *inst, void *arg)
{
    const butte_anonymous_ops_t *ops = butte_instance_ops(inst);

    if (ops->started != NULL)
        ops->started(butte_instance_state(inst), arg);
}

static void
anonymous_stopping(butte_instance_t *inst, void *arg)
{
    const butte_anonymous_ops_t *ops = butte_instance_ops(inst);

    if (ops->stopping != NULL)
        ops->stopping(butte_instance_state(inst));
}

/* Tears down whatever was set up, newest first; safe at any stage. */
static void
teardown(butte_role_t *role)
{
    butte_http_destroy(role->http);
    role->http = NULL;
    if (role->modules != NULL)
        butte_modules_close(role->modules);
    role->modules = NULL;
    butte_pool_destroy(role->pool);
    role->pool = NULL;
    butte_loop_destroy(role->loop);
    role->loop = NULL;
    butte_log_flush();
}

static int
fail(butte_role_t *role, const butte_err_t *err)
{
    fprintf(stderr, "%s: %s\n", role->program,
            err->msg[0] != '\0' ? err->msg : butte_strerror(err->code));
    fflush(stderr);
    teardown(role);
    return 1;
}

int
butte_role_main(const butte_role_spec_t *spec, int argc, char **argv)
{
    butte_role_t role = { .spec = spec };
    butte_err_t err;
    const char *etc_root = getenv("BUTTE_ETC_ROOT");
    const char *const *warnings;
    size_t n_warnings = 0;
    int sig;

    butte_err_clear(&err);
    role.program = program_name(argc > 0 ? argv[0] : NULL, spec->name);
    role.pool = butte_pool_create(NULL);
    role.log = butte_log_get(spec->name);
    if (etc_root == NULL)
        etc_root = "/etc";
    else if (*etc_root == '\0')
        etc_root = NULL;

    role.flags = butte_flags_load(role.pool, spec->flags, spec->nflags, spec->name, argc, argv,
                                  etc_root, &err);
    if (role.flags == NULL)
        return fail(&role, &err);
    if (butte_flags_help_requested(role.flags)) {
        butte_flags_print_help(spec->flags, spec->nflags, role.program, stdout);
        teardown(&role);
        return 0;
    }
    if (butte_flags_version_requested(role.flags)) {
        printf("mesos %s (butte %s)\n", BUTTE_MESOS_VERSION, BUTTE_VERSION);
        teardown(&role);
        return 0;
    }
    if (spec->validate != NULL && spec->validate(role.flags, &err) != 0)
        return fail(&role, &err);
    if (configure_logging(&role, &err) != 0)
        return fail(&role, &err);
    butte_log(role.log, BUTTE_LOG_INFO, "%s %s (butte %s) starting, pid %ld", role.program,
              BUTTE_MESOS_VERSION, BUTTE_VERSION, (long)getpid());
    warnings = butte_flags_warnings(role.flags, &n_warnings);
    for (size_t i = 0; i < n_warnings; i++)
        butte_log(role.log, BUTTE_LOG_WARNING, "%s", warnings[i]);
    butte_flags_unimplemented(role.flags, warn_unimplemented, &role);

    role.loop = butte_loop_create(&err);
    if (role.loop == NULL)
        return fail(&role, &err);
    if (load_modules(&role, &err) != 0)
        return fail(&role, &err);
    if (start_http(&role, &err) != 0)
        return fail(&role, &err);
    if (spec->start != NULL && spec->start(&role, spec->arg, &err) != 0)
        return fail(&role, &err);
    /* Anonymous modules hear "started" only once the role really serves:
     * a module that starts talking to peers must find the role ready. */
    butte_modules_foreach_instance(role.modules, BUTTE_KIND_ANONYMOUS, anonymous_started,
                                   (void *)spec->name);

    sig = butte_loop_run(role.loop);
    if (sig != 0)
        butte_log(role.log, BUTTE_LOG_INFO, "received signal %d, stopping", sig);
    else
        butte_log(role.log, BUTTE_LOG_INFO, "stopping");
    butte_modules_foreach_instance(role.modules, BUTTE_KIND_ANONYMOUS, anonymous_stopping,
                                   NULL);
    if (spec->stop != NULL)
        spec->stop(&role, spec->arg);
    teardown(&role);
    return 0;
}
