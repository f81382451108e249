/*
 * kernel/core/resources-canon.c - checking a resource someone built and
 * turning it into a collection entry: interned strings, interned
 * reservation stack and disk, sorted ranges and items.
 *
 * Everything a module or a parser hands in passes through here once, so
 * the arithmetic in resources.c can trust its inputs and compare pointers.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/resources-internal.h"

static int
range_cmp(const void *x, const void *y)
{
    const butte_range_t *a = x, *b = y;

    return a->begin < b->begin ? -1 : a->begin > b->begin;
}

int
butte_res_ranges_normalize(butte_range_t *v, size_t *n, const char *what, butte_err_t *err)
{
    size_t out = 0;

    for (size_t i = 0; i < *n; i++)
        if (v[i].begin > v[i].end)
            return butte_err_set(err, BUTTE_EINVAL, "%s: range '%llu-%llu' has begin > end", what,
                                 (unsigned long long)v[i].begin, (unsigned long long)v[i].end);
    qsort(v, *n, sizeof *v, range_cmp);
    for (size_t i = 0; i < *n; i++) {
        if (out > 0 && v[i].begin <= v[out - 1].end)
            return butte_err_set(err, BUTTE_EINVAL,
                                 "%s: ranges '%llu-%llu' and '%llu-%llu' overlap", what,
                                 (unsigned long long)v[out - 1].begin,
                                 (unsigned long long)v[out - 1].end,
                                 (unsigned long long)v[i].begin, (unsigned long long)v[i].end);
        if (out > 0 && v[i].begin - 1 == v[out - 1].end)
            v[out - 1].end = v[i].end; /* adjacent: one range */
        else
            v[out++] = v[i];
    }
    *n = out;
    return 0;
}

static int
str_cmp(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static int
canon_value(const butte_res_t *r, butte_res_t *out, const char *what, butte_err_t *err)
{
    switch (r->type) {
    case BUTTE_VALUE_SCALAR:
        if (r->scalar < 0)
            return butte_err_set(err, BUTTE_EINVAL, "%s: value is negative", what);
        if (r->scalar > (int64_t)(BUTTE_SCALAR_MAX * BUTTE_SCALAR_SCALE))
            return butte_err_set(err, BUTTE_EINVAL, "%s: value is too large", what);
        out->scalar = r->scalar;
        return 0;
    case BUTTE_VALUE_RANGES:
        if (r->nranges == 0)
            return 0;
        if (r->ranges == NULL)
            return butte_err_set(err, BUTTE_EINVAL, "%s: ranges are missing", what);
        out->ranges = butte_res_xrealloc(NULL, butte_res_capof(r->nranges) * sizeof *r->ranges);
        memcpy((void *)out->ranges, r->ranges, r->nranges * sizeof *r->ranges);
        out->nranges = r->nranges;
        return butte_res_ranges_normalize((butte_range_t *)out->ranges, &out->nranges, what, err);
    case BUTTE_VALUE_SET: {
        const char **v;

        if (r->nitems == 0)
            return 0;
        if (r->items == NULL)
            return butte_err_set(err, BUTTE_EINVAL, "%s: set items are missing", what);
        v = butte_res_xrealloc(NULL, butte_res_capof(r->nitems) * sizeof *v);
        out->items = v;
        out->nitems = r->nitems;
        for (size_t i = 0; i < r->nitems; i++) {
            if (r->items[i] == NULL || r->items[i][0] == '\0')
                return butte_err_set(err, BUTTE_EINVAL, "%s: set has an empty item", what);
            v[i] = butte_res_intern(r->items[i]);
        }
        qsort(v, r->nitems, sizeof *v, str_cmp);
        for (size_t i = 1; i < r->nitems; i++)
            if (v[i] == v[i - 1])
                return butte_err_set(err, BUTTE_EINVAL, "%s: item '%s' appears twice", what, v[i]);
        return 0;
    }
    default:
        return butte_err_set(err, BUTTE_EINVAL, "%s: type %d is not SCALAR, RANGES or SET", what,
                             (int)r->type);
    }
}

static int
canon_stack(const butte_res_t *r, butte_res_t *out, const char *what, butte_err_t *err)
{
    butte_reservation_t small[8];
    butte_reservation_t *v;
    int rc = 0;

    if (r->nreservations == 0)
        return 0;
    if (r->reservations == NULL)
        return butte_err_set(err, BUTTE_EINVAL, "%s: reservations are missing", what);
    v = r->nreservations <= 8 ? small : butte_res_xrealloc(NULL, r->nreservations * sizeof *v);
    for (size_t i = 0; i < r->nreservations && rc == 0; i++) {
        const butte_reservation_t *e = &r->reservations[i];

        if (e->type != BUTTE_RESERVATION_STATIC && e->type != BUTTE_RESERVATION_DYNAMIC)
            rc = butte_err_set(err, BUTTE_EINVAL, "%s: reservation %zu has no valid type", what,
                               i + 1);
        else if (e->role != NULL && strcmp(e->role, "*") == 0)
            rc = butte_err_set(err, BUTTE_EINVAL, "%s: cannot reserve for role '*'", what);
        else if (butte_role_valid(e->role, err) < 0)
            rc = butte_err_prefix(err, "%s", what);
        /* Each entry refines the one before: a strict subrole, and static
         * reservations only at the bottom of the stack. */
        else if (i > 0 && (strcmp(e->role, v[i - 1].role) == 0 ||
                           !butte_role_is_subrole(e->role, v[i - 1].role)))
            rc = butte_err_set(err, BUTTE_EINVAL, "%s: reservation role '%s' does not refine '%s'",
                               what, e->role, v[i - 1].role);
        else if (i > 0 && e->type == BUTTE_RESERVATION_STATIC &&
                 v[i - 1].type == BUTTE_RESERVATION_DYNAMIC)
            rc = butte_err_set(err, BUTTE_EINVAL,
                               "%s: a STATIC reservation cannot refine a DYNAMIC one", what);
        else
            v[i] = (butte_reservation_t){ e->type, butte_res_intern(e->role),
                                          butte_res_intern(e->principal) };
    }
    if (rc == 0) {
        out->reservations = butte_res_intern_stack(v, r->nreservations);
        out->nreservations = r->nreservations;
    }
    if (v != small)
        free(v);
    return rc;
}

static int
canon_disk(const butte_disk_t *in, butte_res_t *out, const char *what, butte_err_t *err)
{
    butte_disk_t d = BUTTE_DISK_INIT;

    if (in == NULL)
        return 0;
    if (in->size < offsetof(butte_disk_t, persistence_id) + sizeof in->persistence_id)
        return butte_err_set(err, BUTTE_EINVAL, "%s: disk size is not set (use BUTTE_DISK_INIT)",
                             what);
    memcpy(&d, in, in->size < sizeof d ? in->size : sizeof d);
    if ((unsigned)d.source_type > BUTTE_DISK_SOURCE_RAW)
        return butte_err_set(err, BUTTE_EINVAL, "%s: unknown disk source type %d", what,
                             (int)d.source_type);
    if (d.persistence_id != NULL && d.persistence_id[0] == '\0')
        return butte_err_set(err, BUTTE_EINVAL, "%s: persistence id is empty", what);
    d.persistence_id = butte_res_intern(d.persistence_id);
    d.persistence_principal = butte_res_intern(d.persistence_principal);
    d.container_path = butte_res_intern(d.container_path);
    d.source_root = butte_res_intern(d.source_root);
    d.source_id = butte_res_intern(d.source_id);
    d.source_profile = butte_res_intern(d.source_profile);
    out->disk = butte_res_intern_disk(&d);
    return 0;
}

int
butte_res_canon(const butte_res_t *in, butte_res_t *out, butte_err_t *err)
{
    butte_res_t r = { 0 };
    char what[160];

    memset(out, 0, sizeof *out);
    if (in == NULL || in->size < offsetof(butte_res_t, name) + sizeof in->name)
        return butte_err_set(err, BUTTE_EINVAL, "resource size is not set (use BUTTE_RES_INIT)");
    memcpy(&r, in, in->size < sizeof r ? in->size : sizeof r);
    if (r.name == NULL || r.name[0] == '\0')
        return butte_err_set(err, BUTTE_EINVAL, "resource name is empty");
    snprintf(what, sizeof what, "resource '%s'", r.name);
    out->size = sizeof *out;
    out->type = r.type;
    out->name = butte_res_intern(r.name);
    out->revocable = r.revocable;
    out->shared = r.shared;
    if (canon_value(&r, out, what, err) < 0 || canon_stack(&r, out, what, err) < 0 ||
        canon_disk(r.disk, out, what, err) < 0)
        goto fail;
    if (r.allocation_role != NULL) {
        if (butte_role_valid(r.allocation_role, err) < 0) {
            butte_err_prefix(err, "%s: allocation", what);
            goto fail;
        }
        out->allocation_role = butte_res_intern(r.allocation_role);
    }
    if (r.provider_id != NULL && r.provider_id[0] == '\0') {
        butte_err_set(err, BUTTE_EINVAL, "%s: provider id is empty", what);
        goto fail;
    }
    out->provider_id = butte_res_intern(r.provider_id);
    return 0;
fail:
    butte_res_free_arrays(out);
    return BUTTE_EINVAL;
}

int
butte_resources_add(butte_resources_t *rs, const butte_res_t *r, butte_err_t *err)
{
    butte_res_t c;

    if (butte_res_canon(r, &c, err) < 0)
        return BUTTE_EINVAL;
    butte_res_add_owned(rs, &c);
    return 0;
}

/* The one-reservation stack the conveniences and parsers use. */
static void
static_role(butte_res_t *r, butte_reservation_t *one, const char *role)
{
    if (role != NULL && strcmp(role, "*") != 0) {
        *one = (butte_reservation_t){ BUTTE_RESERVATION_STATIC, role, NULL };
        r->reservations = one;
        r->nreservations = 1;
    }
}

int
butte_resources_add_scalar(butte_resources_t *rs, const char *name, const char *role,
                           double value, butte_err_t *err)
{
    butte_res_t r = BUTTE_RES_INIT;
    butte_reservation_t one;

    if (value != value)
        return butte_err_set(err, BUTTE_EINVAL, "resource '%s': value is not a number",
                             name ? name : "");
    if (!(value >= 0 && value <= BUTTE_SCALAR_MAX))
        return butte_err_set(err, BUTTE_EINVAL, "resource '%s': value %g is %s", name ? name : "",
                             value, value < 0 ? "negative" : "too large");
    r.type = BUTTE_VALUE_SCALAR;
    r.name = name;
    r.scalar = butte_scalar_from_double(value);
    static_role(&r, &one, role);
    return butte_resources_add(rs, &r, err);
}

int
butte_resources_add_range(butte_resources_t *rs, const char *name, const char *role,
                          uint64_t begin, uint64_t end, butte_err_t *err)
{
    butte_res_t r = BUTTE_RES_INIT;
    butte_reservation_t one;
    butte_range_t range = { begin, end };

    r.type = BUTTE_VALUE_RANGES;
    r.name = name;
    r.ranges = &range;
    r.nranges = 1;
    static_role(&r, &one, role);
    return butte_resources_add(rs, &r, err);
}
