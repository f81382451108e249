/*
 * tests/modules/newer_major.c - built for the next ABI major (2.0 today):
 * must be rejected.
 */
#include <butte/anonymous.h>

static const butte_anonymous_ops_t ops = { .size = sizeof ops };

static int
noop_create(butte_instance_t *self, const butte_params_t *params, void **state,
            butte_err_t *err)
{
    return 0;
}

BUTTE_EXPORT const butte_module_t newer_major = {
    /* guard fields by hand: BUTTE_MODULE_GUARD cannot be overridden
     * without -Woverride-init complaining */
    .magic = BUTTE_MODULE_MAGIC,
    .abi_major = BUTTE_ABI_MAJOR + 1,
    .abi_minor = 0,
    .size = sizeof(butte_module_t),
    .kind = BUTTE_KIND_ANONYMOUS,
    .built_for = BUTTE_VERSION,
    .name = "newer_major",
    .ops = &ops,
    .create = noop_create,
};
