/*
 * kernel/core/resources-view.c - views of a collection: filters (new
 * collections holding some entries) and the text form for logs.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <butte/log.h>

#include "core/resources-internal.h"

/* ---- filters ------------------------------------------------------------ */

butte_resources_t *
butte_resources_filter(butte_pool_t *pool, const butte_resources_t *r, butte_res_pred_fn pred,
                       void *arg)
{
    butte_resources_t *rs = butte_resources_create(pool);

    /* A subset of a normalized collection is normalized: no merging. */
    for (size_t i = 0; r && i < r->n; i++)
        if (pred(&r->v[i], arg))
            butte_res_append_copy(rs, &r->v[i]);
    return rs;
}

static bool
is_unreserved(const butte_res_t *r, void *arg)
{
    return r->nreservations == 0;
}

static bool
is_reserved_to(const butte_res_t *r, void *role)
{
    return r->nreservations > 0 && (role == NULL || strcmp(butte_res_role(r), role) == 0);
}

static bool
is_for_role(const butte_res_t *r, void *role)
{
    return r->nreservations == 0 || butte_role_is_subrole(role, butte_res_role(r));
}

static bool
is_revocable(const butte_res_t *r, void *arg)
{
    return r->revocable;
}

static bool
is_nonrevocable(const butte_res_t *r, void *arg)
{
    return !r->revocable;
}

static bool
is_allocated_to(const butte_res_t *r, void *role)
{
    return r->allocation_role != NULL && (role == NULL || strcmp(r->allocation_role, role) == 0);
}

butte_resources_t *
butte_resources_unreserved(butte_pool_t *pool, const butte_resources_t *r)
{
    return butte_resources_filter(pool, r, is_unreserved, NULL);
}

butte_resources_t *
butte_resources_reserved(butte_pool_t *pool, const butte_resources_t *r, const char *role)
{
    return butte_resources_filter(pool, r, is_reserved_to, (void *)role);
}

butte_resources_t *
butte_resources_for_role(butte_pool_t *pool, const butte_resources_t *r, const char *role)
{
    return butte_resources_filter(pool, r, is_for_role, (void *)role);
}

butte_resources_t *
butte_resources_revocable(butte_pool_t *pool, const butte_resources_t *r)
{
    return butte_resources_filter(pool, r, is_revocable, NULL);
}

butte_resources_t *
butte_resources_nonrevocable(butte_pool_t *pool, const butte_resources_t *r)
{
    return butte_resources_filter(pool, r, is_nonrevocable, NULL);
}

butte_resources_t *
butte_resources_allocated_to(butte_pool_t *pool, const butte_resources_t *r, const char *role)
{
    return butte_resources_filter(pool, r, is_allocated_to, (void *)role);
}

/* ---- text --------------------------------------------------------------- */

void
butte_res_print_scalar(FILE *f, int64_t milli)
{
    char frac[8];
    int len;

    if (milli < 0) {
        fputc('-', f);
        milli = milli == INT64_MIN ? INT64_MAX : -milli;
    }
    if (milli % BUTTE_SCALAR_SCALE == 0) {
        fprintf(f, "%lld", (long long)(milli / BUTTE_SCALAR_SCALE));
        return;
    }
    /* Exact from the integer: no float formatting, no "0.30000000000004". */
    len = snprintf(frac, sizeof frac, "%03lld", (long long)(milli % BUTTE_SCALAR_SCALE));
    while (len > 0 && frac[len - 1] == '0')
        frac[--len] = '\0';
    fprintf(f, "%lld.%s", (long long)(milli / BUTTE_SCALAR_SCALE), frac);
}

void
butte_res_print_ranges(FILE *f, const butte_range_t *v, size_t n)
{
    fputc('[', f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s%llu-%llu", i ? "," : "", (unsigned long long)v[i].begin,
                (unsigned long long)v[i].end);
    fputc(']', f);
}

char *
butte_res_stream_done(butte_pool_t *pool, FILE *f, char **buf)
{
    char *s;

    fclose(f); /* *buf is only final after this */
    s = butte_pool_strdup(pool, *buf ? *buf : "");
    free(*buf);
    return s;
}

static FILE *
stream_open(char **buf, size_t *len)
{
    FILE *f = open_memstream(buf, len);

    if (f == NULL) { /* only on out of memory */
        butte_log(NULL, BUTTE_LOG_ERROR, "out of memory formatting resources");
        abort();
    }
    return f;
}

static void
print_entry(FILE *f, const butte_res_t *r)
{
    fputs(r->name, f);
    if (r->nreservations)
        fprintf(f, "(%s)", butte_res_role(r));
    if (r->allocation_role)
        fprintf(f, "(allocated: %s)", r->allocation_role);
    if (r->disk && (r->disk->persistence_id || r->disk->container_path))
        fprintf(f, "[%s:%s]", r->disk->persistence_id ? r->disk->persistence_id : "",
                r->disk->container_path ? r->disk->container_path : "");
    if (r->revocable)
        fputs("{REV}", f);
    if (r->shared)
        fputs("<SHARED>", f);
    fputc(':', f);
    if (r->type == BUTTE_VALUE_SCALAR) {
        butte_res_print_scalar(f, r->scalar);
    } else if (r->type == BUTTE_VALUE_RANGES) {
        butte_res_print_ranges(f, r->ranges, r->nranges);
    } else {
        fputc('{', f);
        for (size_t i = 0; i < r->nitems; i++)
            fprintf(f, "%s%s", i ? "," : "", r->items[i]);
        fputc('}', f);
    }
}

char *
butte_resources_format(butte_pool_t *pool, const butte_resources_t *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = stream_open(&buf, &len);

    for (size_t i = 0; r && i < r->n; i++) {
        if (i)
            fputc(';', f);
        print_entry(f, &r->v[i]);
    }
    return butte_res_stream_done(pool, f, &buf);
}
