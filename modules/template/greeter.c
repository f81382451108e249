/*
 * greeter.c - a minimal third-party Butte module, built out of tree.
 *
 * An anonymous module: the kernel creates it at start-up because it is
 * listed in --modules, and it logs a greeting taken from its "greeting"
 * parameter, then says goodbye at shutdown.  Copy this folder to start a
 * module of your own; see README.md.
 */
#include <stdlib.h>
#include <string.h>

#include <butte/anonymous.h>

struct greeter {
    butte_log_t *log;       /* tagged "anonymous:com_example_Greeter" */
    const char *greeting;   /* lives in the instance pool */
};

static int
greeter_create(butte_instance_t *self, const butte_params_t *params, void **state,
               butte_err_t *err)
{
    butte_pool_t *pool = butte_instance_pool(self);
    struct greeter *g = butte_pool_alloc(pool, sizeof *g);
    const char *greeting = butte_params_get(params, "greeting");

    if (greeting != NULL && greeting[0] == '\0')
        return butte_err_set(err, BUTTE_EINVAL, "parameter \"greeting\" must not be empty");
    g->log = butte_instance_log(self);
    g->greeting = butte_pool_strdup(pool, greeting != NULL ? greeting : "hello");
    *state = g;
    return 0;
}

static void
greeter_started(void *state, const char *role)
{
    struct greeter *g = state;

    butte_log(g->log, BUTTE_LOG_INFO, "greeter says \"%s\" to the %s", g->greeting, role);
}

static void
greeter_destroy(void *state)
{
    struct greeter *g = state;

    /* The struct itself goes with the instance pool; nothing else to free. */
    butte_log(g->log, BUTTE_LOG_INFO, "greeter says goodbye");
}

static const butte_anonymous_ops_t greeter_ops = {
    .size = sizeof(butte_anonymous_ops_t),
    .started = greeter_started,
};

BUTTE_EXPORT const butte_module_t com_example_Greeter = {
    BUTTE_MODULE_GUARD(BUTTE_KIND_ANONYMOUS),
    .name = "com_example_Greeter",
    .author = "Example Developer",
    .email = "dev@example.com",
    .description = "logs a greeting when the role starts",
    .ops = &greeter_ops,
    .create = greeter_create,
    .destroy = greeter_destroy,
};
