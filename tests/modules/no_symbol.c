/*
 * tests/modules/no_symbol.c - descriptors that do not match what the
 * manifest asks for.  The manifest names "no_symbol", which this library
 * does not export; no_symbol_other calls itself something else;
 * no_symbol_nocreate has no create().
 */
#include <butte/anonymous.h>

static const butte_anonymous_ops_t ops = { .size = sizeof ops };

static int
noop_create(butte_instance_t *self, const butte_params_t *params, void **state,
            butte_err_t *err)
{
    return 0;
}

BUTTE_EXPORT const butte_module_t no_symbol_other = {
    BUTTE_MODULE_GUARD(BUTTE_KIND_ANONYMOUS),
    .name = "no_symbol_renamed",
    .ops = &ops,
    .create = noop_create,
};

BUTTE_EXPORT const butte_module_t no_symbol_nocreate = {
    BUTTE_MODULE_GUARD(BUTTE_KIND_ANONYMOUS),
    .name = "no_symbol_nocreate",
    .ops = &ops,
};
