/*
 * allocators/sorter-random.c - the "random" sorter: a weighted random
 * shuffle of the active clients on every visit (Mesos' RandomSorter).
 *
 * Library libsorters.so, descriptor symbol org_apache_mesos_RandomSorter
 * (see allocators/README.md and allocators/selection.h).
 *
 * Each visit draws key = u^(1/weight) per client (u uniform in (0,1)) and
 * orders by descending key (Efraimidis-Spirakis): a client of weight 2 is
 * first twice as often as one of weight 1.  Allocations are accounted (for
 * allocation()) but do not affect the order.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "allocators/sorter-common.h"

static double
rnd_uniform(butte_sorter_t *s)
{
    /* xorshift64*: fast, and good enough to shuffle offers. */
    s->rng ^= s->rng >> 12;
    s->rng ^= s->rng << 25;
    s->rng ^= s->rng >> 27;
    uint64_t x = s->rng * 2685821657736338717ull;
    return ((double)(x >> 11) + 0.5) / 9007199254740992.0; /* (0, 1) */
}

static void
rnd_changed(butte_sorter_t *s, srt_client_t *c)
{
    /* Allocations never move a client; the next visit reshuffles. */
    (void)s;
    (void)c;
}

static int
rnd_cmp(const void *pa, const void *pb)
{
    const srt_client_t *a = *(srt_client_t *const *)pa, *b = *(srt_client_t *const *)pb;
    return a->key > b->key ? -1 : a->key < b->key ? 1 : 0;
}

static void
rnd_prepare(butte_sorter_t *s)
{
    srt_linearize(s);
    for (size_t i = 0; i < s->norder; i++)
        s->order[i]->key = pow(rnd_uniform(s), 1.0 / s->order[i]->weight);
    qsort(s->order, s->norder, sizeof *s->order, rnd_cmp);
    for (size_t i = 0; i < s->norder; i++)
        s->order[i]->pos = i;
    s->dirty = false;
}

static const srt_hooks_t rnd_hooks = { .changed = rnd_changed, .prepare = rnd_prepare };

static int
rnd_create(butte_instance_t *self, const butte_params_t *params, void **state,
           butte_err_t *err)
{
    (void)params;
    return srt_module_create(self, &rnd_hooks, state, err);
}

BUTTE_EXPORT const butte_module_t org_apache_mesos_RandomSorter = {
    BUTTE_MODULE_GUARD(BUTTE_KIND_SORTER),
    .name = "org_apache_mesos_RandomSorter",
    .author = "Butte",
    .email = "butte@localhost",
    .description = "weighted random sorter (random)",
    .ops = &srt_ops,
    .create = rnd_create,
    .destroy = srt_module_destroy,
};
