/*
 * allocators/sorter-drf.c - the "drf" sorter: weighted Dominant Resource
 * Fairness (Mesos' DRFSorter).
 *
 * Library libsorters.so, descriptor symbol org_apache_mesos_DRFSorter
 * (see allocators/README.md and allocators/selection.h).
 *
 * A client's key is its dominant share (max over scalar resource names of
 * held / cluster total) divided by its weight; lower keys come first, ties
 * go to the client with fewer allocations, then to the smaller name.
 *
 * The active clients stay sorted in one array.  An allocation change moves
 * just that client to its new place (it usually moves a short way); only a
 * change of totals or weights, which moves every key, re-sorts, and that
 * lazily, once, before the next visit.  So an allocation pass that visits
 * the first few clients per agent costs a few clients, not all of them.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "allocators/sorter-common.h"

static double
drf_key(const butte_sorter_t *s, const srt_client_t *c)
{
    return srt_dominant_share(s, c) / c->weight;
}

/* Whether a goes before b. */
static bool
drf_less(const srt_client_t *a, const srt_client_t *b)
{
    if (a->key != b->key)
        return a->key < b->key;
    if (a->count != b->count)
        return a->count < b->count;
    return strcmp(a->name, b->name) < 0;
}

static int
drf_cmp(const void *pa, const void *pb)
{
    const srt_client_t *a = *(srt_client_t *const *)pa, *b = *(srt_client_t *const *)pb;
    return drf_less(a, b) ? -1 : drf_less(b, a) ? 1 : 0;
}

static void
drf_changed(butte_sorter_t *s, srt_client_t *c)
{
    /* A dirty order is re-keyed wholesale before the next visit. */
    if (s->dirty)
        return;
    c->key = drf_key(s, c);
    size_t p = c->pos;
    /* Insertion step in whichever direction the key moved. */
    while (p > 0 && drf_less(c, s->order[p - 1])) {
        s->order[p] = s->order[p - 1];
        s->order[p]->pos = p;
        p--;
    }
    while (p + 1 < s->norder && drf_less(s->order[p + 1], c)) {
        s->order[p] = s->order[p + 1];
        s->order[p]->pos = p;
        p++;
    }
    s->order[p] = c;
    c->pos = p;
}

static void
drf_prepare(butte_sorter_t *s)
{
    if (!s->dirty)
        return;
    for (size_t i = 0; i < s->norder; i++)
        s->order[i]->key = drf_key(s, s->order[i]);
    qsort(s->order, s->norder, sizeof *s->order, drf_cmp);
    for (size_t i = 0; i < s->norder; i++)
        s->order[i]->pos = i;
    s->dirty = false;
}

static const srt_hooks_t drf_hooks = { .changed = drf_changed, .prepare = drf_prepare };

static const butte_sorter_ops_t drf_ops = {
    .size = sizeof drf_ops,
    .open = srt_open,
    .close = srt_close,
    .add_client = srt_add_client,
    .remove_client = srt_remove_client,
    .activate = srt_activate,
    .deactivate = srt_deactivate,
    .update_weight = srt_update_weight,
    .allocated = srt_allocated,
    .unallocated = srt_unallocated,
    .add_total = srt_add_total,
    .remove_total = srt_remove_total,
    .sort = srt_sort,
    .contains = srt_contains,
    .allocation = srt_allocation,
    .attach = srt_attach,
    .foreach = srt_foreach,
};

static int
drf_create(butte_instance_t *self, const butte_params_t *params, void **state,
           butte_err_t *err)
{
    (void)params;
    return srt_module_create(self, &drf_hooks, state, err);
}

BUTTE_EXPORT const butte_module_t org_apache_mesos_DRFSorter = {
    BUTTE_MODULE_GUARD(BUTTE_KIND_SORTER),
    .name = "org_apache_mesos_DRFSorter",
    .author = "Butte",
    .email = "butte@localhost",
    .description = "weighted dominant resource fairness sorter (drf)",
    .ops = &drf_ops,
    .create = drf_create,
    .destroy = srt_module_destroy,
};
