/*
 * tests/modules/missing_slot.c - an isolator without its required
 * prepare() slot.
 */
#include <butte/isolator.h>

static int
iso_isolate(void *state, const char *container_id, pid_t pid, butte_err_t *err)
{
    return 0;
}

static int
iso_cleanup(void *state, const char *container_id, butte_err_t *err)
{
    return 0;
}

static const butte_isolator_ops_t ops = {
    .size = sizeof ops,     /* size */
    .isolate = iso_isolate, /* isolate */
    .cleanup = iso_cleanup, /* cleanup */
};

static int
noop_create(butte_instance_t *self, const butte_params_t *params, void **state,
            butte_err_t *err)
{
    return 0;
}

BUTTE_EXPORT const butte_module_t missing_slot = {
    BUTTE_MODULE_GUARD(BUTTE_KIND_ISOLATOR),
    .name = "missing_slot",
    .ops = &ops,
    .create = noop_create,
};
