/*
 * kernel/core/resources.c - resource collections and their arithmetic
 * (see <butte/resources.h> for the contract, resources-internal.h for the
 * memory layout).
 *
 * Collections are short linear arrays (an agent has a handful of entries),
 * so a linear scan with pointer compares beats any index: contains() and
 * most subtract() calls touch no allocator at all.  Range and set results
 * are built in a stack buffer first and copied back only when they change.
 */
#include "config.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/resources-internal.h"

#define STACK_RANGES 64
#define STACK_ITEMS 64

static void *
arr_dup(const void *src, size_t n, size_t size)
{
    void *p;

    if (n == 0)
        return NULL;
    p = butte_res_xrealloc(NULL, butte_res_capof(n) * size);
    memcpy(p, src, n * size);
    return p;
}

/* Replace r's ranges with v[0..n), growing its array only when needed.
 * (v is not const only so GCC's maybe-uninitialized analysis does not
 * flag a stack scratch buffer that is empty when n is 0.) */
static void
ranges_set(butte_res_t *r, butte_range_t *v, size_t n)
{
    if (n > butte_res_capof(r->nranges))
        r->ranges = butte_res_xrealloc((void *)r->ranges, butte_res_capof(n) * sizeof *v);
    memcpy((void *)r->ranges, v, n * sizeof *v);
    r->nranges = n;
}

static void
items_set(butte_res_t *r, const char **v, size_t n)
{
    if (n > butte_res_capof(r->nitems))
        r->items = butte_res_xrealloc((void *)r->items, butte_res_capof(n) * sizeof *v);
    memcpy((void *)r->items, v, n * sizeof *v);
    r->nitems = n;
}

void
butte_res_free_arrays(butte_res_t *c)
{
    free((void *)c->ranges);
    free((void *)c->items);
    c->ranges = NULL;
    c->items = NULL;
    c->nranges = c->nitems = 0;
}

/* ---- values ------------------------------------------------------------- */

static size_t
ranges_union(const butte_range_t *a, size_t na, const butte_range_t *b, size_t nb,
             butte_range_t *out)
{
    size_t i = 0, j = 0, n = 0;

    while (i < na || j < nb) {
        butte_range_t r = (j >= nb || (i < na && a[i].begin <= b[j].begin)) ? a[i++] : b[j++];

        /* Overlapping or adjacent (begin - 1 cannot wrap: begin 0 is
         * always inside the previous range). */
        if (n > 0 && (r.begin == 0 || r.begin - 1 <= out[n - 1].end)) {
            if (r.end > out[n - 1].end)
                out[n - 1].end = r.end;
        } else {
            out[n++] = r;
        }
    }
    return n;
}

/* a - b; at most na + nb ranges (each b range splits at most one). */
static size_t
ranges_diff(const butte_range_t *a, size_t na, const butte_range_t *b, size_t nb,
            butte_range_t *out)
{
    size_t j = 0, n = 0;

    for (size_t i = 0; i < na; i++) {
        uint64_t s = a[i].begin, e = a[i].end;
        bool alive = true;
        size_t k;

        while (j < nb && b[j].end < s)
            j++;
        for (k = j; alive && k < nb && b[k].begin <= e; k++) {
            if (b[k].begin > s)
                out[n++] = (butte_range_t){ s, b[k].begin - 1 };
            if (b[k].end >= e)
                alive = false;
            else
                s = b[k].end + 1;
        }
        if (alive)
            out[n++] = (butte_range_t){ s, e };
    }
    return n;
}

static bool
ranges_contain(const butte_range_t *a, size_t na, const butte_range_t *b, size_t nb)
{
    size_t i = 0;

    /* a is coalesced, so each b range must sit inside one a range. */
    for (size_t j = 0; j < nb; j++) {
        while (i < na && a[i].end < b[j].begin)
            i++;
        if (i == na || a[i].begin > b[j].begin || a[i].end < b[j].end)
            return false;
    }
    return true;
}

static int
item_cmp(const char *x, const char *y)
{
    return x == y ? 0 : strcmp(x, y); /* interned: equal means same pointer */
}

static size_t
items_union(const char *const *a, size_t na, const char *const *b, size_t nb, const char **out)
{
    size_t i = 0, j = 0, n = 0;

    while (i < na || j < nb) {
        int c = i == na ? 1 : j == nb ? -1 : item_cmp(a[i], b[j]);
        out[n++] = c <= 0 ? a[i] : b[j];
        i += c <= 0;
        j += c >= 0;
    }
    return n;
}

static size_t
items_diff(const char *const *a, size_t na, const char *const *b, size_t nb, const char **out)
{
    size_t j = 0, n = 0;

    for (size_t i = 0; i < na; i++) {
        int c = 1;
        while (j < nb && (c = item_cmp(b[j], a[i])) < 0)
            j++;
        if (j == nb || c != 0)
            out[n++] = a[i];
    }
    return n;
}

static bool
items_contain(const char *const *a, size_t na, const char *const *b, size_t nb)
{
    size_t i = 0;

    for (size_t j = 0; j < nb; j++) {
        while (i < na && item_cmp(a[i], b[j]) < 0)
            i++;
        if (i == na || a[i] != b[j])
            return false;
    }
    return true;
}

static int64_t
sat_add(int64_t a, int64_t b)
{
    int64_t s;

    return __builtin_add_overflow(a, b, &s) ? (b > 0 ? INT64_MAX : INT64_MIN) : s;
}

static void *
scratch(void *stackbuf, size_t stackbytes, size_t need)
{
    return need <= stackbytes ? stackbuf : butte_res_xrealloc(NULL, need);
}

/* ---- entries ---------------------------------------------------------- */

static bool
same_identity(const butte_res_t *a, const butte_res_t *b)
{
    return a->name == b->name && a->type == b->type && a->reservations == b->reservations &&
           a->allocation_role == b->allocation_role && a->disk == b->disk &&
           a->provider_id == b->provider_id && a->revocable == b->revocable &&
           a->shared == b->shared;
}

/* Atomic entries are whole things (a volume, a mount, a shared resource):
 * they never merge or split. */
static bool
atomic(const butte_res_t *c)
{
    return c->shared || (c->disk != NULL && (c->disk->persistence_id != NULL ||
                                             c->disk->source_type == BUTTE_DISK_SOURCE_MOUNT ||
                                             c->disk->source_type == BUTTE_DISK_SOURCE_BLOCK));
}

static bool
value_empty(const butte_res_t *c)
{
    switch (c->type) {
    case BUTTE_VALUE_SCALAR: return c->scalar <= 0;
    case BUTTE_VALUE_RANGES: return c->nranges == 0;
    default: return c->nitems == 0;
    }
}

static bool
same_value(const butte_res_t *a, const butte_res_t *b)
{
    switch (a->type) {
    case BUTTE_VALUE_SCALAR: return a->scalar == b->scalar;
    case BUTTE_VALUE_RANGES:
        return a->nranges == b->nranges &&
               memcmp(a->ranges, b->ranges, a->nranges * sizeof *a->ranges) == 0;
    default:
        return a->nitems == b->nitems &&
               memcmp(a->items, b->items, a->nitems * sizeof *a->items) == 0;
    }
}

static bool
value_contains(const butte_res_t *a, const butte_res_t *b)
{
    switch (a->type) {
    case BUTTE_VALUE_SCALAR: return a->scalar >= b->scalar;
    case BUTTE_VALUE_RANGES: return ranges_contain(a->ranges, a->nranges, b->ranges, b->nranges);
    default: return items_contain(a->items, a->nitems, b->items, b->nitems);
    }
}

/* dst += src, same identity. */
static void
merge_into(butte_res_t *dst, const butte_res_t *src)
{
    if (dst->type == BUTTE_VALUE_SCALAR) {
        dst->scalar = sat_add(dst->scalar, src->scalar);
    } else if (dst->type == BUTTE_VALUE_RANGES) {
        butte_range_t sb[STACK_RANGES];
        size_t need = dst->nranges + src->nranges;
        butte_range_t *t = scratch(sb, sizeof sb, need * sizeof *t);

        ranges_set(dst, t, ranges_union(dst->ranges, dst->nranges, src->ranges, src->nranges, t));
        if (t != sb)
            free(t);
    } else {
        const char *sb[STACK_ITEMS];
        size_t need = dst->nitems + src->nitems;
        const char **t = scratch(sb, sizeof sb, need * sizeof *t);

        items_set(dst, t, items_union(dst->items, dst->nitems, src->items, src->nitems, t));
        if (t != sb)
            free(t);
    }
}

/* dst -= src, same identity; true when nothing is left. */
static bool
subtract_from(butte_res_t *dst, const butte_res_t *src)
{
    size_t n;

    if (dst->type == BUTTE_VALUE_SCALAR) {
        if (dst->scalar <= src->scalar)
            return true;
        dst->scalar -= src->scalar;
        return false;
    }
    if (dst->type == BUTTE_VALUE_RANGES) {
        butte_range_t sb[STACK_RANGES];
        butte_range_t *t = scratch(sb, sizeof sb, (dst->nranges + src->nranges) * sizeof *t);

        n = ranges_diff(dst->ranges, dst->nranges, src->ranges, src->nranges, t);
        if (n > 0)
            ranges_set(dst, t, n);
        if (t != sb)
            free(t);
        return n == 0;
    }
    const char *sb[STACK_ITEMS];
    const char **t = scratch(sb, sizeof sb, dst->nitems * sizeof *t);

    n = items_diff(dst->items, dst->nitems, src->items, src->nitems, t);
    if (n > 0)
        items_set(dst, t, n);
    if (t != sb)
        free(t);
    return n == 0;
}

/* ---- collections ------------------------------------------------------- */

static void
collection_free(void *arg)
{
    butte_resources_t *rs = arg;

    for (size_t i = 0; i < rs->n; i++)
        butte_res_free_arrays(&rs->v[i]);
    free(rs->v);
}

butte_resources_t *
butte_resources_create(butte_pool_t *pool)
{
    butte_resources_t *rs = butte_pool_alloc(pool, sizeof *rs);

    rs->pool = pool;
    butte_pool_on_destroy(pool, collection_free, rs);
    return rs;
}

static butte_res_t *
push(butte_resources_t *rs)
{
    if (rs->n == rs->cap) {
        rs->cap = rs->cap ? rs->cap * 2 : 4;
        rs->v = butte_res_xrealloc(rs->v, rs->cap * sizeof *rs->v);
    }
    return &rs->v[rs->n++];
}

static void
remove_at(butte_resources_t *rs, size_t i)
{
    butte_res_free_arrays(&rs->v[i]);
    memmove(&rs->v[i], &rs->v[i + 1], (rs->n - i - 1) * sizeof *rs->v);
    rs->n--;
}

void
butte_res_append_copy(butte_resources_t *rs, const butte_res_t *c)
{
    butte_res_t *d = push(rs);

    *d = *c;
    d->ranges = arr_dup(c->ranges, c->nranges, sizeof *c->ranges);
    d->items = arr_dup(c->items, c->nitems, sizeof *c->items);
}

static butte_res_t *
find_mergeable(butte_resources_t *rs, const butte_res_t *c)
{
    if (atomic(c))
        return NULL;
    for (size_t i = 0; i < rs->n; i++)
        if (same_identity(&rs->v[i], c))
            return &rs->v[i];
    return NULL;
}

static void
add_canon(butte_resources_t *rs, const butte_res_t *c)
{
    butte_res_t *d;

    if (value_empty(c))
        return;
    if ((d = find_mergeable(rs, c)) != NULL)
        merge_into(d, c);
    else
        butte_res_append_copy(rs, c);
}

void
butte_res_add_owned(butte_resources_t *rs, butte_res_t *c)
{
    butte_res_t *d;

    if (value_empty(c)) {
        butte_res_free_arrays(c);
    } else if ((d = find_mergeable(rs, c)) != NULL) {
        merge_into(d, c);
        butte_res_free_arrays(c);
    } else {
        *push(rs) = *c; /* the collection takes c's arrays */
    }
}

butte_resources_t *
butte_resources_copy(butte_pool_t *pool, const butte_resources_t *r)
{
    butte_resources_t *rs = butte_resources_create(pool);

    if (r == NULL || r->n == 0)
        return rs;
    rs->cap = r->n;
    rs->v = butte_res_xrealloc(NULL, rs->cap * sizeof *rs->v);
    for (size_t i = 0; i < r->n; i++)
        butte_res_append_copy(rs, &r->v[i]);
    return rs;
}

size_t
butte_resources_count(const butte_resources_t *rs)
{
    return rs ? rs->n : 0;
}

const butte_res_t *
butte_resources_at(const butte_resources_t *rs, size_t i)
{
    return rs && i < rs->n ? &rs->v[i] : NULL;
}

void
butte_resources_add_all(butte_resources_t *rs, const butte_resources_t *other)
{
    if (other == NULL)
        return;
    if (other == rs) {
        /* rs += rs: scalars double, ranges and sets stay, atomic entries
         * repeat.  Copy each before appending: push() may move rs->v. */
        size_t n0 = rs->n;

        for (size_t i = 0; i < n0; i++) {
            butte_res_t c = rs->v[i];

            if (c.type == BUTTE_VALUE_SCALAR && !atomic(&c))
                rs->v[i].scalar = sat_add(c.scalar, c.scalar);
            else if (atomic(&c))
                butte_res_append_copy(rs, &c);
        }
        return;
    }
    if (rs->n == 0) {
        /* Into an empty collection (the allocator's recycled ones): other
         * is canonical, so there is nothing to merge or to check. */
        if (rs->cap < other->n) {
            rs->cap = other->n;
            rs->v = butte_res_xrealloc(rs->v, rs->cap * sizeof *rs->v);
        }
        for (size_t i = 0; i < other->n; i++)
            butte_res_append_copy(rs, &other->v[i]);
        return;
    }
    for (size_t i = 0; i < other->n; i++)
        add_canon(rs, &other->v[i]);
}

void
butte_resources_subtract(butte_resources_t *rs, const butte_resources_t *other)
{
    if (other == NULL)
        return;
    if (other == rs) {
        butte_resources_clear(rs);
        return;
    }
    for (size_t j = 0; j < other->n; j++) {
        const butte_res_t *o = &other->v[j];
        bool whole = atomic(o);

        for (size_t i = 0; i < rs->n; i++) {
            butte_res_t *d = &rs->v[i];

            if (!same_identity(d, o))
                continue;
            if (whole) {
                if (!same_value(d, o))
                    continue; /* another copy of this volume may match */
                remove_at(rs, i);
            } else if (subtract_from(d, o)) {
                remove_at(rs, i);
            }
            break;
        }
    }
}

void
butte_resources_clear(butte_resources_t *rs)
{
    for (size_t i = 0; i < rs->n; i++)
        butte_res_free_arrays(&rs->v[i]);
    rs->n = 0;
}

butte_resources_t *
butte_resources_plus(butte_pool_t *pool, const butte_resources_t *a, const butte_resources_t *b)
{
    butte_resources_t *rs = butte_resources_copy(pool, a);

    butte_resources_add_all(rs, b);
    return rs;
}

butte_resources_t *
butte_resources_minus(butte_pool_t *pool, const butte_resources_t *a,
                      const butte_resources_t *b)
{
    butte_resources_t *rs = butte_resources_copy(pool, a);

    butte_resources_subtract(rs, b);
    return rs;
}

bool
butte_resources_is_empty(const butte_resources_t *r)
{
    return r == NULL || r->n == 0; /* entries are never empty values */
}

static size_t
count_equal(const butte_resources_t *rs, size_t upto, const butte_res_t *c)
{
    size_t k = 0;

    for (size_t i = 0; i < upto; i++)
        k += same_identity(&rs->v[i], c) && same_value(&rs->v[i], c);
    return k;
}

bool
butte_resources_contains(const butte_resources_t *a, const butte_resources_t *b)
{
    size_t na = a ? a->n : 0;

    if (b == NULL)
        return true;
    for (size_t j = 0; j < b->n; j++) {
        const butte_res_t *e = &b->v[j];
        size_t i;

        if (atomic(e)) {
            /* Atomic entries may repeat: a needs as many copies as b. */
            if (na == 0 || count_equal(a, na, e) < count_equal(b, j + 1, e))
                return false;
            continue;
        }
        for (i = 0; i < na && !same_identity(&a->v[i], e); i++)
            ;
        if (i == na || !value_contains(&a->v[i], e))
            return false;
    }
    return true;
}

bool
butte_resources_equals(const butte_resources_t *a, const butte_resources_t *b)
{
    return butte_resources_count(a) == butte_resources_count(b) &&
           butte_resources_contains(a, b) && butte_resources_contains(b, a);
}

int64_t
butte_resources_scalar_milli(const butte_resources_t *r, const char *name)
{
    int64_t sum = 0;

    for (size_t i = 0; r && name && i < r->n; i++)
        if (r->v[i].type == BUTTE_VALUE_SCALAR &&
            (r->v[i].name == name || strcmp(r->v[i].name, name) == 0))
            sum = sat_add(sum, r->v[i].scalar);
    return sum;
}

double
butte_resources_scalar(const butte_resources_t *r, const char *name)
{
    return butte_scalar_to_double(butte_resources_scalar_milli(r, name));
}

/* ---- identity changes ------------------------------------------------- */

/* After identities changed in place, fold entries that became equal. */
static void
renormalize(butte_resources_t *rs)
{
    for (size_t i = 0; i < rs->n; i++) {
        if (atomic(&rs->v[i]))
            continue;
        for (size_t j = i + 1; j < rs->n;) {
            if (same_identity(&rs->v[i], &rs->v[j])) {
                merge_into(&rs->v[i], &rs->v[j]);
                remove_at(rs, j);
            } else {
                j++;
            }
        }
    }
}

/* Set every entry's allocation role to r.  Entries that all had one
 * allocation role before differ in something else, so they stay apart:
 * only a mixed collection needs folding. */
static void
set_allocation_role(butte_resources_t *rs, const char *r)
{
    const char *was = rs->n > 0 ? rs->v[0].allocation_role : NULL;
    bool uniform = true;

    for (size_t i = 0; i < rs->n; i++) {
        uniform = uniform && rs->v[i].allocation_role == was;
        rs->v[i].allocation_role = r;
    }
    if (!uniform)
        renormalize(rs);
}

/* Valid interned roles seen lately, direct-mapped by address: the
 * allocator allocates to the same few roles on every offer, and an
 * interned string never changes, so a hit needs no validation.  Every
 * value a slot ever held is a valid interned role, so relaxed atomics
 * suffice between threads. */
#define VALID_ROLES 64
static _Atomic(const char *) valid_roles[VALID_ROLES];

static _Atomic(const char *) *
valid_slot(const char *role)
{
    /* Fibonacci hashing: nearby heap addresses spread over the slots. */
    return &valid_roles[(((uint64_t)(uintptr_t)role * 0x9e3779b97f4a7c15ull) >> 58) %
                        VALID_ROLES];
}

int
butte_resources_allocate(butte_resources_t *rs, const char *role, butte_err_t *err)
{
    const char *r = role;

    if (role == NULL || atomic_load_explicit(valid_slot(role), memory_order_relaxed) != role) {
        if (butte_role_valid(role, err) < 0)
            return BUTTE_EINVAL;
        r = butte_res_intern(role);
        atomic_store_explicit(valid_slot(r), r, memory_order_relaxed);
    }
    set_allocation_role(rs, r);
    return 0;
}

void
butte_resources_unallocate(butte_resources_t *rs)
{
    set_allocation_role(rs, NULL);
}

int
butte_resources_flatten(butte_resources_t *rs, const char *role, butte_err_t *err)
{
    const butte_reservation_t *stack = NULL;
    size_t n = 0;

    if (role != NULL && strcmp(role, "*") != 0) {
        butte_reservation_t one = { BUTTE_RESERVATION_STATIC, NULL, NULL };

        if (butte_role_valid(role, err) < 0)
            return BUTTE_EINVAL;
        one.role = butte_res_intern(role);
        stack = butte_res_intern_stack(&one, 1);
        n = 1;
    }
    for (size_t i = 0; i < rs->n; i++) {
        rs->v[i].reservations = stack;
        rs->v[i].nreservations = n;
    }
    renormalize(rs);
    return 0;
}
