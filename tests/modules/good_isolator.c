/*
 * tests/modules/good_isolator.c - a valid isolator whose create() records
 * its parameters in good_isolator_params ("key=value;...").
 */
#include <stdio.h>
#include <string.h>

#include <butte/isolator.h>

BUTTE_EXPORT char good_isolator_params[1024];

static int
iso_prepare(void *state, const butte_container_config_t *config, butte_pool_t *pool,
            butte_launch_info_t *out, butte_err_t *err)
{
    return 0;
}

static int
iso_isolate(void *state, const char *container_id, pid_t pid, butte_err_t *err)
{
    return 0;
}

static int
iso_cleanup(void *state, const char *container_id, butte_err_t *err)
{
    return 0;
}

static const butte_isolator_ops_t ops = {
    .size = sizeof ops,                   /* size */
    .features = BUTTE_ISO_F_NESTING,      /* features */
    .prepare = iso_prepare,               /* prepare */
    .isolate = iso_isolate,               /* isolate */
    .cleanup = iso_cleanup,               /* cleanup */
};

static int
iso_create(butte_instance_t *self, const butte_params_t *params, void **state,
           butte_err_t *err)
{
    good_isolator_params[0] = '\0';
    for (size_t i = 0; i < params->count; i++) {
        size_t used = strlen(good_isolator_params);

        snprintf(good_isolator_params + used, sizeof good_isolator_params - used, "%s=%s;",
                 params->items[i].key, params->items[i].value);
    }
    *state = NULL;
    return 0;
}

BUTTE_EXPORT const butte_module_t good_isolator = {
    BUTTE_MODULE_GUARD(BUTTE_KIND_ISOLATOR),
    .name = "good_isolator",
    .author = "Butte tests",
    .email = "tests@localhost",
    .description = "an isolator that isolates nothing",
    .ops = &ops,
    .create = iso_create,
};
