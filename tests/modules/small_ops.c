/*
 * tests/modules/small_ops.c - operations tables the loader must refuse:
 * one smaller than the isolator's ABI 1.0 table (small_ops) and none at
 * all (small_ops_null).
 */
#include <butte/isolator.h>

static const butte_isolator_ops_t ops = {
    .size = 8, /* size and features only */
};

static int
noop_create(butte_instance_t *self, const butte_params_t *params, void **state,
            butte_err_t *err)
{
    return 0;
}

BUTTE_EXPORT const butte_module_t small_ops = {
    BUTTE_MODULE_GUARD(BUTTE_KIND_ISOLATOR),
    .name = "small_ops",
    .ops = &ops,
    .create = noop_create,
};

BUTTE_EXPORT const butte_module_t small_ops_null = {
    BUTTE_MODULE_GUARD(BUTTE_KIND_ISOLATOR),
    .name = "small_ops_null",
    .create = noop_create,
};
