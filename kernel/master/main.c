/*
 * kernel/master/main.c - mesos-master: the master role's start-up.
 *
 * The common start-up (flags, logging, modules, HTTP, signals) lives in
 * kernel/core/role.c; the master itself in the other kernel/master files
 * (master.c starts it).
 */
#include "config.h"

#include <string.h>

#include "core/role-internal.h"

/* kernel/master/master.c, in libbutte (so mesos-local can run it too). */
int butte_master_start(butte_role_t *role, void *arg, butte_err_t *err);
void butte_master_stop(butte_role_t *role, void *arg);

/* Mesos' rule: the replicated log lives under --work_dir, so the flag is
 * required unless the registry is kept in memory. */
static int
validate(const butte_flags_t *flags, butte_err_t *err)
{
    const char *registry = butte_flags_str(flags, "registry");
    const char *work_dir = butte_flags_str(flags, "work_dir");

    if (registry != NULL && strcmp(registry, "in_memory") != 0 &&
        strcmp(registry, "replicated_log") != 0)
        return butte_err_set(err, BUTTE_EINVAL,
                             "flag '--registry': \"%s\" is not one of in_memory, replicated_log",
                             registry);
    if ((registry == NULL || strcmp(registry, "in_memory") != 0) &&
        (work_dir == NULL || *work_dir == '\0'))
        return butte_err_set(err, BUTTE_EINVAL,
                             "flag '--work_dir' is required unless --registry=in_memory");
    return BUTTE_OK;
}

int
main(int argc, char **argv)
{
    void *master = NULL; /* the butte_master_t, set by start */
    butte_role_spec_t spec = {
        .name = "master",
        .flags = butte_master_flags,
        .nflags = butte_master_flags_count,
        .prefix = "/master",
        .validate = validate,
        .start = butte_master_start,
        .stop = butte_master_stop,
        .arg = &master,
    };

    return butte_role_main(&spec, argc, argv);
}
