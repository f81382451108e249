/*
 * tests/modules/incompatible.c - passes every check but vetoes the kernel
 * through compatible().
 */
#include <butte/anonymous.h>

static const butte_anonymous_ops_t ops = { .size = sizeof ops };

static bool
never_compatible(void)
{
    return false;
}

static int
noop_create(butte_instance_t *self, const butte_params_t *params, void **state,
            butte_err_t *err)
{
    return 0;
}

BUTTE_EXPORT const butte_module_t incompatible = {
    BUTTE_MODULE_GUARD(BUTTE_KIND_ANONYMOUS),
    .name = "incompatible",
    .compatible = never_compatible,
    .ops = &ops,
    .create = noop_create,
};
