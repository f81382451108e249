/*
 * modules/paramlog/paramlog.c - a first-party anonymous module that logs
 * its parameters when created and says when it is destroyed.
 *
 * It exists to prove the module path end to end on every run (manifest,
 * loader, log handle, parameters) and as the smallest example of a module
 * built the way third parties build theirs.
 */
#include <butte/anonymous.h>

static const butte_anonymous_ops_t paramlog_ops = {
    .size = sizeof paramlog_ops, /* size */
};

static int
paramlog_create(butte_instance_t *self, const butte_params_t *params, void **state,
                butte_err_t *err)
{
    butte_log_t *log = butte_instance_log(self);

    for (size_t i = 0; i < params->count; i++)
        butte_log(log, BUTTE_LOG_INFO, "parameter %s=%s", params->items[i].key,
                  params->items[i].value);
    /* The log handle outlives the instance, so it is all the state we need. */
    *state = log;
    return 0;
}

static void
paramlog_destroy(void *state)
{
    butte_log(state, BUTTE_LOG_INFO, "destroyed");
}

#define PARAMLOG_DESCRIPTOR(sym)                                                 \
    BUTTE_EXPORT const butte_module_t sym = {                                    \
        BUTTE_MODULE_GUARD(BUTTE_KIND_ANONYMOUS),                                \
        .name = #sym,                                                            \
        .author = "Butte",                                                       \
        .email = "butte@localhost",                                              \
        .description = "logs its parameters at start-up",                        \
        .ops = &paramlog_ops,                                                    \
        .create = paramlog_create,                                               \
        .destroy = paramlog_destroy,                                             \
    }

/* Mesos-style reversed-domain name: manifests and butte_modules_add_library()
 * both use it. */
PARAMLOG_DESCRIPTOR(org_apache_mesos_ParamLog);
