/*
 * tests/modules/create_fails.c - passes every check, then refuses in
 * create(): the loader must destroy what it created before.
 */
#include <butte/anonymous.h>

static const butte_anonymous_ops_t ops = { .size = sizeof ops };

static int
fails_create(butte_instance_t *self, const butte_params_t *params, void **state,
             butte_err_t *err)
{
    return butte_err_set(err, BUTTE_EINVAL, "refusing to start");
}

BUTTE_EXPORT const butte_module_t create_fails = {
    BUTTE_MODULE_GUARD(BUTTE_KIND_ANONYMOUS),
    .name = "create_fails",
    .ops = &ops,
    .create = fails_create,
};
