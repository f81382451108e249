/*
 * tests/modules/wrong_kind.c - a descriptor of a kind no kernel knows.
 */
#include <butte/anonymous.h>

static const butte_anonymous_ops_t ops = { .size = sizeof ops };

static int
noop_create(butte_instance_t *self, const butte_params_t *params, void **state,
            butte_err_t *err)
{
    return 0;
}

BUTTE_EXPORT const butte_module_t wrong_kind = {
    BUTTE_MODULE_GUARD(999),
    .name = "wrong_kind",
    .ops = &ops,
    .create = noop_create,
};
