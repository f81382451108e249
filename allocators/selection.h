/*
 * allocators/selection.h - which first-party library and descriptor a
 * selection flag value names, for the master:
 *
 *   --allocator=hierarchical | HierarchicalDRF
 *       -> library "hierarchical" (libhierarchical.so),
 *          symbol  "org_apache_mesos_HierarchicalDRF"
 *   --role_sorter / --user_sorter / --framework_sorter = drf | random
 *       -> library "sorters" (libsorters.so),
 *          symbol  "org_apache_mesos_DRFSorter" / "org_apache_mesos_RandomSorter"
 *
 * Use: c = butte_allocator_choice(flag); if c is NULL the value names a
 * module from --modules instead; else
 * butte_modules_add_library(mods, c->library, c->symbol, err) and
 * butte_modules_create(mods, c->symbol, BUTTE_KIND_ALLOCATOR, err).
 *
 * Header-only (static inline, static tables) so the kernel needs no link
 * dependency on the module folder.  Pure lookups: no allocation, never
 * fail, never block; the strings are static.
 */
#ifndef ALLOCATORS_SELECTION_H
#define ALLOCATORS_SELECTION_H

#include <stddef.h>
#include <string.h>

typedef struct butte_module_choice {
    const char *name;    /* the flag value */
    const char *library; /* for butte_modules_add_library: lib<library>.so */
    const char *symbol;  /* the descriptor, also the module name to create */
} butte_module_choice_t;

static inline const butte_module_choice_t *
butte_choice_find(const butte_module_choice_t *table, size_t n, const char *name)
{
    for (size_t i = 0; name != NULL && i < n; i++)
        if (strcmp(table[i].name, name) == 0)
            return &table[i];
    return NULL;
}

/* butte_allocator_choice - the first-party allocator named by
 * --allocator, or NULL. */
static inline const butte_module_choice_t *
butte_allocator_choice(const char *name)
{
    static const butte_module_choice_t table[] = {
        { "hierarchical", "hierarchical", "org_apache_mesos_HierarchicalDRF" },
        { "HierarchicalDRF", "hierarchical", "org_apache_mesos_HierarchicalDRF" },
    };
    return butte_choice_find(table, sizeof table / sizeof table[0], name);
}

/* butte_sorter_choice - the first-party sorter named by --role_sorter,
 * --user_sorter or --framework_sorter, or NULL. */
static inline const butte_module_choice_t *
butte_sorter_choice(const char *name)
{
    static const butte_module_choice_t table[] = {
        { "drf", "sorters", "org_apache_mesos_DRFSorter" },
        { "random", "sorters", "org_apache_mesos_RandomSorter" },
    };
    return butte_choice_find(table, sizeof table / sizeof table[0], name);
}

#endif
