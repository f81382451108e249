/*
 * tests/modules/newer_minor.c - built for the kernel's minor + 1: it may
 * use slots this kernel lacks, so it must be rejected (and accepted once
 * the test bumps the kernel's minor).
 */
#include <butte/anonymous.h>

static const butte_anonymous_ops_t ops = { .size = sizeof ops };

static int
noop_create(butte_instance_t *self, const butte_params_t *params, void **state,
            butte_err_t *err)
{
    return 0;
}

BUTTE_EXPORT const butte_module_t newer_minor = {
    /* guard fields by hand: BUTTE_MODULE_GUARD cannot be overridden
     * without -Woverride-init complaining */
    .magic = BUTTE_MODULE_MAGIC,
    .abi_major = BUTTE_ABI_MAJOR,
    .abi_minor = BUTTE_ABI_MINOR + 1,
    .size = sizeof(butte_module_t),
    .kind = BUTTE_KIND_ANONYMOUS,
    .built_for = BUTTE_VERSION,
    .name = "newer_minor",
    .ops = &ops,
    .create = noop_create,
};
