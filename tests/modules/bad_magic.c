/*
 * tests/modules/bad_magic.c - guard-field failures: a descriptor with the
 * wrong magic (bad_magic) and one truncated below the ABI 1.0 descriptor
 * size (bad_magic_small).
 */
#include <butte/anonymous.h>

static const butte_anonymous_ops_t ops = { .size = sizeof ops };

static int
noop_create(butte_instance_t *self, const butte_params_t *params, void **state,
            butte_err_t *err)
{
    return 0;
}

BUTTE_EXPORT const butte_module_t bad_magic = {
    /* guard fields by hand: BUTTE_MODULE_GUARD cannot be overridden
     * without -Woverride-init complaining */
    .magic = 0xdeadbeefu,
    .abi_major = BUTTE_ABI_MAJOR,
    .abi_minor = BUTTE_ABI_MINOR,
    .size = sizeof(butte_module_t),
    .kind = BUTTE_KIND_ANONYMOUS,
    .built_for = BUTTE_VERSION,
    .name = "bad_magic",
    .ops = &ops,
    .create = noop_create,
};

BUTTE_EXPORT const butte_module_t bad_magic_small = {
    /* guard fields by hand: BUTTE_MODULE_GUARD cannot be overridden
     * without -Woverride-init complaining */
    .magic = BUTTE_MODULE_MAGIC,
    .abi_major = BUTTE_ABI_MAJOR,
    .abi_minor = BUTTE_ABI_MINOR,
    .size = 16 /* a truncated descriptor */,
    .kind = BUTTE_KIND_ANONYMOUS,
    .built_for = BUTTE_VERSION,
    .name = "bad_magic_small",
    .ops = &ops,
    .create = noop_create,
};
