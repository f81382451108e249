/*
 * tests/modules/older_minor.c - built against ABI 1.0 (tests/local.mk
 * passes -DBUTTE_ABI_MINOR=0): must load on every 1.y kernel.
 */
#include <butte/anonymous.h>

#if BUTTE_ABI_MINOR != 0
#error "older_minor must be built with -DBUTTE_ABI_MINOR=0"
#endif

static const butte_anonymous_ops_t ops = { .size = sizeof ops };

static int
noop_create(butte_instance_t *self, const butte_params_t *params, void **state,
            butte_err_t *err)
{
    *state = NULL;
    return 0;
}

BUTTE_EXPORT const butte_module_t older_minor = {
    BUTTE_MODULE_GUARD(BUTTE_KIND_ANONYMOUS),
    .name = "older_minor",
    .ops = &ops,
    .create = noop_create,
};
