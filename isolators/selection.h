/*
 * isolators/selection.h - which first-party library and descriptor an
 * --isolation name selects, for the agent's Mesos containerizer:
 *
 *   posix/cpu  -> library "posix_isolators" (libposix_isolators.so),
 *                 symbol  "org_apache_mesos_PosixCpuIsolator"
 *   posix/mem  -> library "posix_isolators",
 *                 symbol  "org_apache_mesos_PosixMemIsolator"
 *   cgroups/cpu -> library "cgroups_isolators" (libcgroups_isolators.so),
 *                 symbol  "org_apache_mesos_CgroupsCpuIsolator"
 *   cgroups/mem -> library "cgroups_isolators",
 *                 symbol  "org_apache_mesos_CgroupsMemIsolator"
 *   cgroups/pids -> library "cgroups_isolators",
 *                 symbol  "org_apache_mesos_CgroupsPidsIsolator"
 *   (later: docker/runtime ... append rows here)
 *
 * Use, once per comma-separated --isolation item, in flag order:
 *
 *   const butte_module_choice_t *c = butte_isolator_choice(item);
 *   if (c != NULL) {
 *       if (butte_modules_add_library(mods, c->library, c->symbol, err) != 0) fail;
 *       inst = butte_modules_create(mods, c->symbol, BUTTE_KIND_ISOLATOR, err);
 *   } else {
 *       inst = butte_modules_create(mods, item, BUTTE_KIND_ISOLATOR, err);
 *       // NULL: neither first-party nor loaded from --modules: start-up error
 *       // "unknown isolator 'x'" (Mesos: --isolation names either).
 *   }
 *
 * Each create() gives an instance with its own state, so posix/cpu and
 * posix/mem share a library but not containers.  Add a name only when
 * its module is built.
 *
 * Header-only (static inline, static tables) so the kernel needs no link
 * dependency on the module folder.  Pure lookups: no allocation, never
 * fail, never block; the strings are static.
 */
#ifndef ISOLATORS_SELECTION_H
#define ISOLATORS_SELECTION_H

#include "allocators/selection.h" /* butte_module_choice_t, butte_choice_find */

/* butte_isolator_choice - the first-party isolator an --isolation item
 * names, or NULL. */
static inline const butte_module_choice_t *
butte_isolator_choice(const char *name)
{
    static const butte_module_choice_t table[] = {
        { "posix/cpu", "posix_isolators", "org_apache_mesos_PosixCpuIsolator" },
        { "posix/mem", "posix_isolators", "org_apache_mesos_PosixMemIsolator" },
        { "cgroups/cpu", "cgroups_isolators", "org_apache_mesos_CgroupsCpuIsolator" },
        { "cgroups/mem", "cgroups_isolators", "org_apache_mesos_CgroupsMemIsolator" },
        { "cgroups/pids", "cgroups_isolators", "org_apache_mesos_CgroupsPidsIsolator" },
    };
    return butte_choice_find(table, sizeof table / sizeof table[0], name);
}

#endif
