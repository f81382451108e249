/*
 * tests/modules/good_anonymous.c - a valid anonymous module that records
 * what the loader gave it, for tests/unit/loader.c (which reads the
 * exported good_anonymous_* variables with dlsym()).
 */
#include <stdio.h>
#include <string.h>

#include <butte/anonymous.h>

BUTTE_EXPORT int good_anonymous_created;
BUTTE_EXPORT int good_anonymous_destroyed;
/* "name|key=value;key=value;" of the last create() */
BUTTE_EXPORT char good_anonymous_params[1024];

static const butte_anonymous_ops_t ops = { .size = sizeof ops };

static int
good_create(butte_instance_t *self, const butte_params_t *params, void **state,
            butte_err_t *err)
{
    size_t used;

    snprintf(good_anonymous_params, sizeof good_anonymous_params, "%s|",
             butte_instance_name(self));
    for (size_t i = 0; i < params->count; i++) {
        used = strlen(good_anonymous_params);
        snprintf(good_anonymous_params + used, sizeof good_anonymous_params - used, "%s=%s;",
                 params->items[i].key, params->items[i].value);
    }
    /* Prove the instance pool works and hand it back as state. */
    *state = butte_pool_strdup(butte_instance_pool(self), "state");
    good_anonymous_created++;
    return 0;
}

static void
good_destroy(void *state)
{
    if (state != NULL && strcmp(state, "state") == 0)
        good_anonymous_destroyed++;
}

BUTTE_EXPORT const butte_module_t good_anonymous = {
    BUTTE_MODULE_GUARD(BUTTE_KIND_ANONYMOUS),
    .name = "good_anonymous",
    .author = "Butte tests",
    .email = "tests@localhost",
    .description = "records its parameters",
    .ops = &ops,
    .create = good_create,
    .destroy = good_destroy,
};
