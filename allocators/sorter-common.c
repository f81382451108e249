/*
 * allocators/sorter-common.c - the client table and accounting shared by
 * the drf and random sorters (see sorter-common.h).
 *
 * Allocation calls are the hot path of an allocation pass: they find the
 * client (the one the last walk stopped at, by interned pointer, or by a
 * hash probe), add the scalars of r into a fixed per-name array (names
 * are interned, so a pointer compare finds the index) and tell the order
 * hooks, which reposition one client.  The order is a ring, so moving the
 * first client to the end -- what an offer does under DRF -- shifts
 * nothing.  Nothing here walks every client except a change of totals or
 * weights or a new client, which only marks the order dirty for the next
 * visit.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "allocators/sorter-common.h"

#define TABLE_MIN 64

static uint64_t
hash_name(const char *s)
{
    /* FNV-1a: client names are short ids; this is cheap and spreads well. */
    uint64_t h = 1469598103934665603ull;
    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static srt_client_t **
probe(butte_sorter_t *s, const char *name, uint64_t h)
{
    size_t mask = s->table_cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        srt_client_t **slot = &s->table[i];
        if (*slot == NULL || (*slot)->name == name ||
            ((*slot)->hash == h && strcmp((*slot)->name, name) == 0))
            return slot;
    }
}

static srt_client_t *
find(butte_sorter_t *s, const char *name)
{
    /* Names are interned, so the same pointer is the same client. */
    if (s->last != NULL && s->last->name == name)
        return s->last;
    srt_client_t *c = *probe(s, name, hash_name(name));
    if (c != NULL)
        s->last = c;
    return c;
}

static void
grow_table(butte_sorter_t *s)
{
    srt_client_t **old = s->table;
    size_t old_cap = s->table_cap;

    /* The old array stays in the pool; tables only double, so the waste
     * is bounded by the final size. */
    s->table_cap = old_cap * 2;
    s->table = butte_pool_alloc(s->pool, s->table_cap * sizeof *s->table);
    for (size_t i = 0; i < old_cap; i++)
        if (old[i] != NULL)
            *probe(s, old[i]->name, old[i]->hash) = old[i];
}

/* Backward-shift deletion keeps linear probing free of tombstones. */
static void
table_remove(butte_sorter_t *s, srt_client_t **slot)
{
    size_t mask = s->table_cap - 1;
    size_t i = (size_t)(slot - s->table);

    s->table[i] = NULL;
    for (size_t j = (i + 1) & mask; s->table[j] != NULL; j = (j + 1) & mask) {
        size_t home = s->table[j]->hash & mask;
        /* Move j into the hole at i unless its home lies cyclically in (i, j]. */
        bool stays = (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
        if (!stays) {
            s->table[i] = s->table[j];
            s->table[j] = NULL;
            i = j;
        }
    }
}

int
srt_module_create(butte_instance_t *self, const srt_hooks_t *hooks, void **state,
                  butte_err_t *err)
{
    butte_pool_t *pool = butte_instance_pool(self);
    srt_module_t *m = butte_pool_alloc(pool, sizeof *m);

    (void)err;
    m->pool = pool;
    m->hooks = hooks;
    *state = m;
    return 0;
}

void
srt_module_destroy(void *state)
{
    /* Sorters live in the instance pool, which the kernel destroys. */
    (void)state;
}

int
srt_open(void *state, butte_sorter_t **out, butte_err_t *err)
{
    srt_module_t *m = state;
    butte_pool_t *pool = butte_pool_create(m->pool);
    butte_sorter_t *s = butte_pool_alloc(pool, sizeof *s);

    (void)err;
    s->pool = pool;
    s->hooks = m->hooks;
    s->table_cap = TABLE_MIN;
    s->table = butte_pool_alloc(pool, s->table_cap * sizeof *s->table);
    s->order_cap = TABLE_MIN;
    s->order = butte_pool_alloc(pool, s->order_cap * sizeof *s->order);
    /* Any odd non-zero seed works; a fixed one keeps runs reproducible
     * except for the allocator's own agent shuffle. */
    s->rng = 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)s;
    *out = s;
    return 0;
}

void
srt_close(butte_sorter_t *s)
{
    if (s != NULL)
        butte_pool_destroy(s->pool);
}

static double
weight_of(const butte_sorter_t *s, const char *path)
{
    for (size_t i = 0; i < s->nweights; i++)
        if (strcmp(s->weights[i].path, path) == 0)
            return s->weights[i].weight;
    return 1.0;
}

int
srt_add_client(butte_sorter_t *s, const char *client, butte_err_t *err)
{
    uint64_t h = hash_name(client);
    srt_client_t **slot = probe(s, client, h);

    if (*slot != NULL)
        return butte_err_set(err, BUTTE_ECONFLICT, "sorter client \"%s\" already exists",
                             client);
    /* Clients live side by side in the sorter's pool (a pool each put
     * every client on a page of its own); removed ones are reused. */
    srt_client_t *c = s->free_clients;
    if (c != NULL) {
        s->free_clients = c->next_free;
        memset(c, 0, sizeof *c);
    } else {
        c = butte_pool_alloc(s->pool, sizeof *c);
    }
    /* Interned, like the allocator's ids: lookups by the same pointer
     * skip hashing (see find). */
    c->name = butte_res_intern(client);
    c->hash = h;
    c->weight = weight_of(s, client);
    *slot = c;
    /* Its name must be ranked among the others before it is placed. */
    s->ranks_dirty = true;
    if (++s->nclients * 2 > s->table_cap)
        grow_table(s);
    return 0;
}

size_t
srt_index(const butte_sorter_t *s, const srt_client_t *c)
{
    if (c->pos < s->norder && SRT_AT(s, c->pos) == c)
        return c->pos;
    for (size_t i = 0; i < s->norder; i++)
        if (SRT_AT(s, i) == c)
            return i;
    return s->norder; /* not reached for an active client */
}

static void
order_remove(butte_sorter_t *s, srt_client_t *c)
{
    /* Rare (deactivation, removal): a scan of the pointer array is fine,
     * and the others' position hints stay hints. */
    size_t p = srt_index(s, c);
    if (p < s->norder) {
        srt_move(s, p, s->norder - 1); /* to the end, then drop it */
        s->norder--;
    }
    c->active = false;
}

void
srt_move(butte_sorter_t *s, size_t p, size_t q)
{
    srt_client_t *c = SRT_AT(s, p);
    size_t mask = s->order_cap - 1, n = s->norder;

    if (p == q)
        return;
    /* Take c out: shift the shorter side (before p, or after it) over
     * its place. */
    if (p < n - 1 - p) {
        for (size_t i = p; i > 0; i--)
            SRT_AT(s, i) = SRT_AT(s, i - 1);
        s->head = (s->head + 1) & mask;
    } else {
        for (size_t i = p; i + 1 < n; i++)
            SRT_AT(s, i) = SRT_AT(s, i + 1);
    }
    /* Put it back at q among the n - 1 others: open a hole there by
     * shifting the shorter side again. */
    if (q < n - 1 - q) {
        s->head = (s->head - 1) & mask;
        for (size_t i = 0; i < q; i++)
            SRT_AT(s, i) = SRT_AT(s, i + 1);
    } else {
        for (size_t i = n - 1; i > q; i--)
            SRT_AT(s, i) = SRT_AT(s, i - 1);
    }
    SRT_AT(s, q) = c;
}

void
srt_linearize(butte_sorter_t *s)
{
    if (s->head == 0)
        return;
    srt_client_t **v = malloc((s->norder + 1) * sizeof *v);
    if (v == NULL)
        abort();
    for (size_t i = 0; i < s->norder; i++)
        v[i] = SRT_AT(s, i);
    memcpy(s->order, v, s->norder * sizeof *v);
    s->head = 0;
    free(v);
}

void
srt_remove_client(butte_sorter_t *s, const char *client)
{
    srt_client_t **slot = probe(s, client, hash_name(client));
    srt_client_t *c = *slot;

    if (c == NULL)
        return;
    if (c->active)
        order_remove(s, c);
    if (s->last == c)
        s->last = NULL;
    table_remove(s, slot);
    s->nclients--;
    c->next_free = s->free_clients;
    s->free_clients = c;
}

void
srt_activate(butte_sorter_t *s, const char *client)
{
    srt_client_t *c = find(s, client);

    if (c == NULL || c->active)
        return;
    if (s->norder == s->order_cap) {
        srt_client_t **bigger = butte_pool_alloc(s->pool, 2 * s->order_cap * sizeof *bigger);
        for (size_t i = 0; i < s->norder; i++)
            bigger[i] = SRT_AT(s, i);
        s->order = bigger;
        s->order_cap *= 2;
        s->head = 0;
    }
    /* Append, then let the order place it like any changed client. */
    c->active = true;
    c->pos = s->norder;
    s->norder++;
    SRT_AT(s, c->pos) = c;
    s->hooks->changed(s, c);
}

void
srt_deactivate(butte_sorter_t *s, const char *client)
{
    srt_client_t *c = find(s, client);

    if (c != NULL && c->active)
        order_remove(s, c);
}

void
srt_update_weight(butte_sorter_t *s, const char *path, double weight)
{
    if (!(weight > 0))
        return;
    size_t i;
    for (i = 0; i < s->nweights; i++)
        if (strcmp(s->weights[i].path, path) == 0)
            break;
    if (i == s->nweights) {
        if (s->nweights == s->weights_cap) {
            size_t cap = s->weights_cap ? 2 * s->weights_cap : 8;
            srt_weight_t *w = butte_pool_alloc(s->pool, cap * sizeof *w);
            if (s->nweights > 0)
                memcpy(w, s->weights, s->nweights * sizeof *w);
            s->weights = w;
            s->weights_cap = cap;
        }
        s->weights[s->nweights++].path = butte_pool_strdup(s->pool, path);
    }
    s->weights[i].weight = weight;
    srt_client_t *c = find(s, path);
    if (c != NULL) {
        c->weight = weight;
        s->dirty = true;
    }
}

static size_t
name_index(butte_sorter_t *s, const char *name)
{
    for (size_t i = 0; i < s->nnames; i++)
        if (s->names[i] == name)
            return i;
    if (s->nnames == SRT_MAX_NAMES)
        return SIZE_MAX;
    s->names[s->nnames] = name;
    return s->nnames++;
}

/* Add sign * the scalars of r into v (per name index). */
static void
account(butte_sorter_t *s, int64_t *v, const butte_resources_t *r, int sign)
{
    size_t n = butte_resources_count(r);
    for (size_t i = 0; i < n; i++) {
        const butte_res_t *e = butte_resources_at(r, i);
        if (e->type != BUTTE_VALUE_SCALAR)
            continue;
        /* Collections list names in the order they were first seen, as
         * the sorter does: try the entry's own position first. */
        size_t k = i < s->nnames && s->names[i] == e->name ? i : name_index(s, e->name);
        if (k == SIZE_MAX)
            continue;
        v[k] += sign * e->scalar;
        if (v[k] < 0)
            v[k] = 0;
    }
}

void
srt_allocated(butte_sorter_t *s, const char *client, const char *agent_id,
              const butte_resources_t *r)
{
    srt_client_t *c = find(s, client);

    (void)agent_id;
    if (c == NULL)
        return;
    account(s, c->alloc, r, +1);
    c->count++;
    if (c->active)
        s->hooks->changed(s, c);
}

void
srt_unallocated(butte_sorter_t *s, const char *client, const char *agent_id,
                const butte_resources_t *r)
{
    srt_client_t *c = find(s, client);

    (void)agent_id;
    if (c == NULL)
        return;
    account(s, c->alloc, r, -1);
    if (c->active)
        s->hooks->changed(s, c);
}

void
srt_add_total(butte_sorter_t *s, const char *agent_id, const butte_resources_t *r)
{
    (void)agent_id;
    account(s, s->total, r, +1);
    /* Every share moved; re-key lazily, once, before the next visit. */
    s->dirty = true;
}

void
srt_remove_total(butte_sorter_t *s, const char *agent_id, const butte_resources_t *r)
{
    (void)agent_id;
    account(s, s->total, r, -1);
    s->dirty = true;
}

double
srt_dominant_share(const butte_sorter_t *s, const srt_client_t *c)
{
    double share = 0;
    for (size_t i = 0; i < s->nnames; i++) {
        if (s->total[i] <= 0)
            continue;
        double f = (double)c->alloc[i] / (double)s->total[i];
        if (f > share)
            share = f;
    }
    return share;
}

int
srt_sort(butte_sorter_t *s, butte_pool_t *pool, const char ***names, size_t *count,
         butte_err_t *err)
{
    (void)err;
    s->hooks->prepare(s);
    const char **out = butte_pool_alloc(pool, (s->norder + 1) * sizeof *out);
    for (size_t i = 0; i < s->norder; i++)
        out[i] = butte_pool_strdup(pool, SRT_AT(s, i)->name);
    *names = out;
    *count = s->norder;
    return 0;
}

void
srt_foreach(butte_sorter_t *s, bool (*fn)(const char *client, void *data, void *arg),
            void *arg)
{
    s->hooks->prepare(s);
    for (size_t i = 0; i < s->norder; i++)
        if (!fn(SRT_AT(s, i)->name, SRT_AT(s, i)->data, arg)) {
            /* The walk usually stops at the client about to be charged:
             * remember it, and where it is, for that allocated(). */
            s->last = SRT_AT(s, i);
            s->last->pos = i;
            return;
        }
}

static int
name_cmp(const void *pa, const void *pb)
{
    return strcmp((*(srt_client_t *const *)pa)->name, (*(srt_client_t *const *)pb)->name);
}

void
srt_rank_names(butte_sorter_t *s)
{
    /* malloc'd scratch: a pool would keep one array per re-rank. */
    srt_client_t **v = malloc((s->nclients + 1) * sizeof *v);
    size_t n = 0;

    if (v == NULL)
        abort();
    for (size_t i = 0; i < s->table_cap; i++)
        if (s->table[i] != NULL)
            v[n++] = s->table[i];
    qsort(v, n, sizeof *v, name_cmp);
    for (size_t i = 0; i < n; i++)
        v[i]->rank = i;
    s->ranks_dirty = false;
    free(v);
}

bool
srt_contains(butte_sorter_t *s, const char *client)
{
    return find(s, client) != NULL;
}

const butte_resources_t *
srt_allocation(butte_sorter_t *s, const char *client, butte_pool_t *pool)
{
    srt_client_t *c = find(s, client);
    butte_resources_t *out = butte_resources_create(pool);

    /* Built on demand from the per-name scalars: keeping a full resources
     * copy per client cost two merges on every offer of a pass. */
    for (size_t i = 0; c != NULL && i < s->nnames; i++) {
        if (c->alloc[i] <= 0)
            continue;
        butte_res_t r = BUTTE_RES_INIT;
        r.type = BUTTE_VALUE_SCALAR;
        r.name = s->names[i];
        r.scalar = c->alloc[i];
        butte_resources_add(out, &r, NULL);
    }
    return out;
}

void
srt_attach(butte_sorter_t *s, const char *client, void *data)
{
    srt_client_t *c = find(s, client);
    if (c != NULL)
        c->data = data;
}

/* Both sorters differ only in their hooks (srt_hooks_t, given at create);
 * the ops table is the same. */
const butte_sorter_ops_t srt_ops = {
    .size = sizeof srt_ops,
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
