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
 * The active clients stay sorted in one array (a ring).  An allocation
 * change moves just that client to its new place, found by galloping from
 * the end it heads for; only a change of totals or weights, which moves
 * every key, or a new client, whose name needs a rank, re-sorts, and that
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

/* Whether a goes before b: by key, then by the count each was placed
 * with, then by name (ranked, so no string is read).  Only the first
 * cache line of each client is read. */
static bool
drf_less(const srt_client_t *a, const srt_client_t *b)
{
    if (a->key != b->key)
        return a->key < b->key;
    if (a->scount != b->scount)
        return a->scount < b->scount;
    return a->rank < b->rank;
}

static int
drf_cmp(const void *pa, const void *pb)
{
    const srt_client_t *a = *(srt_client_t *const *)pa, *b = *(srt_client_t *const *)pb;
    return drf_less(a, b) ? -1 : drf_less(b, a) ? 1 : 0;
}

/* Where c is in the order.  The order is sorted by what each client was
 * placed with (key, scount, rank), c included, so a binary search finds
 * it; its own hint is checked first.  Other clients' hints are never
 * rewritten when a move shifts them: that touched every client in
 * between, on every offer. */
static size_t
drf_index(const butte_sorter_t *s, const srt_client_t *c)
{
    if (c->pos < s->norder && SRT_AT(s, c->pos) == c)
        return c->pos;
    size_t lo = 0, hi = s->norder;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (drf_less(SRT_AT(s, mid), c))
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < s->norder && SRT_AT(s, lo) == c)
        return lo;
    return srt_index(s, c);
}

static void
drf_changed(butte_sorter_t *s, srt_client_t *c)
{
    /* A dirty order is re-keyed wholesale before the next visit; so is
     * one with a new client, whose name has no rank yet. */
    if (s->ranks_dirty)
        s->dirty = true;
    if (s->dirty)
        return;
    size_t p = drf_index(s, c);
    c->key = drf_key(s, c);
    c->scount = c->count;
    c->pos = p;
    bool left = p > 0 && drf_less(c, SRT_AT(s, p - 1));
    bool right = p + 1 < s->norder && drf_less(SRT_AT(s, p + 1), c);
    if (!left && !right)
        return;
    /* Search for the new place from the far end, galloping, then
     * binary: a client that just got an offer usually goes (nearly) last,
     * and one that gave resources back (nearly) first, so this reads a
     * client or two where a plain binary search read log2(n), each a
     * cache miss.  Many clients often share a key, so walking there one
     * by one costs more. */
    size_t lo = left ? 0 : p + 1, hi = left ? p : s->norder;
    for (size_t step = 1; lo < hi; step *= 2) {
        if (left) {
            /* is c before order[lo + step - 1]?  then the place is in
             * [lo, lo + step - 1] */
            size_t probe = lo + step - 1 < hi ? lo + step - 1 : hi - 1;
            if (drf_less(c, SRT_AT(s, probe))) {
                hi = probe;
                break;
            }
            lo = probe + 1;
        } else {
            size_t probe = hi >= lo + step ? hi - step : lo;
            if (!drf_less(c, SRT_AT(s, probe))) {
                lo = probe + 1;
                break;
            }
            hi = probe;
        }
    }
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (drf_less(c, SRT_AT(s, mid)))
            hi = mid;
        else
            lo = mid + 1;
    }
    size_t q = left ? lo : lo - 1; /* c's index once it is out of the way */
    srt_move(s, p, q);
    c->pos = q;
}

static void
drf_prepare(butte_sorter_t *s)
{
    if (s->ranks_dirty)
        srt_rank_names(s);
    if (!s->dirty)
        return;
    srt_linearize(s);
    for (size_t i = 0; i < s->norder; i++) {
        s->order[i]->key = drf_key(s, s->order[i]);
        s->order[i]->scount = s->order[i]->count;
    }
    qsort(s->order, s->norder, sizeof *s->order, drf_cmp);
    for (size_t i = 0; i < s->norder; i++)
        s->order[i]->pos = i;
    s->dirty = false;
}

static const srt_hooks_t drf_hooks = { .changed = drf_changed, .prepare = drf_prepare };

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
    .ops = &srt_ops,
    .create = drf_create,
    .destroy = srt_module_destroy,
};
