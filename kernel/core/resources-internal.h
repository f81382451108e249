/*
 * kernel/core/resources-internal.h - what the resources files share.
 *
 * A collection keeps its entries in one malloc'd array, and each entry's
 * ranges and set items in malloc'd arrays it owns alone, so in-place
 * arithmetic can resize them and free what it drops; a pool cleanup frees
 * the rest.  (Plain pool memory would grow without bound under the
 * allocator's millions of in-place updates on long-lived collections.)
 * Every other pointer in an entry is interned and shared, so identity
 * checks are pointer comparisons.
 */
#ifndef BUTTE_RESOURCES_INTERNAL_H
#define BUTTE_RESOURCES_INTERNAL_H

#include <stdio.h>

#include <butte/resources.h>

struct butte_resources {
    butte_pool_t *pool;
    butte_res_t *v; /* malloc'd; entries are canonical (see below) */
    size_t n;
    size_t cap;
};

/*
 * A canonical entry: name, roles, principals, provider, set items are
 * interned strings; reservations and disk are interned (NULL when there are
 * none); ranges are sorted and coalesced; items sorted and unique; size is
 * sizeof (butte_res_t).
 */

/*
 * butte_res_capof - the capacity of an entry's ranges or items array that
 * holds n elements.  Arrays are allocated at powers of two, so the
 * capacity need not be stored in the public struct (a shrunk array may be
 * larger than this; never smaller).
 */
static inline size_t
butte_res_capof(size_t n)
{
    size_t c = 1;

    if (n == 0)
        return 0;
    while (c < n)
        c <<= 1;
    return c;
}

/* --- resources-intern.c --------------------------------------------- */

/* butte_res_intern_n - the interned copy of the len bytes at s. */
const char *butte_res_intern_n(const char *s, size_t len);

/* butte_res_intern_stack - the interned copy of n reservations whose
 * strings are already interned; NULL when n is 0. */
const butte_reservation_t *butte_res_intern_stack(const butte_reservation_t *v, size_t n);

/* butte_res_intern_disk - the interned copy of d, strings already
 * interned. */
const butte_disk_t *butte_res_intern_disk(const butte_disk_t *d);

/* butte_res_intern_recent - true when s is an interned pointer that
 * butte_res_intern returned lately (false says nothing).  Lock-free. */
bool butte_res_intern_recent(const char *s);

/* butte_res_xrealloc - realloc that aborts on out of memory (pool.h). */
void *butte_res_xrealloc(void *p, size_t n);

/* --- resources.c ---------------------------------------------------- */

/*
 * butte_res_canon - validate r (a caller's struct of r->size bytes) and
 * write its canonical form to out, with freshly malloc'd ranges and items
 * that out then owns.  0 or BUTTE_EINVAL ("resource 'x': ...").
 */
int butte_res_canon(const butte_res_t *r, butte_res_t *out, butte_err_t *err);

/* butte_res_add_owned - rs += c, c canonical; takes c's arrays (frees
 * them when merged or empty). */
void butte_res_add_owned(butte_resources_t *rs, butte_res_t *c);

/* butte_res_append_copy - append a copy of the canonical entry c (arrays
 * duplicated) without looking for an entry to merge with.  c must not
 * point into rs. */
void butte_res_append_copy(butte_resources_t *rs, const butte_res_t *c);

/* butte_res_free_arrays - free the arrays a canonical entry owns. */
void butte_res_free_arrays(butte_res_t *c);

/* butte_res_ranges_normalize - sort v[0..*n), reject overlap (err names
 * what, e.g. "resource 'ports'"), coalesce adjacent ranges in place. */
int butte_res_ranges_normalize(butte_range_t *v, size_t *n, const char *what, butte_err_t *err);

/* butte_res_print_scalar / _ranges - text forms ("1.5", "[1-2,4-5]"). */
void butte_res_print_scalar(FILE *f, int64_t milli);
void butte_res_print_ranges(FILE *f, const butte_range_t *v, size_t n);

/* butte_res_stream_done - close an open_memstream(buf, ...) and move its
 * text into pool. */
char *butte_res_stream_done(butte_pool_t *pool, FILE *f, char **buf);

/* --- resources-parse.c ---------------------------------------------- */

/* butte_res_parse_number - s is a plain decimal number (no hex, inf or
 * nan); 0 with *out set, or -1. */
int butte_res_parse_number(const char *s, double *out);

/* butte_res_parse_ranges - "[b-e,...]" (s includes the brackets, no
 * spaces) into a malloc'd, normalized array.  err names what. */
int butte_res_parse_ranges(const char *s, const char *what, butte_range_t **out, size_t *n,
                           butte_err_t *err);

/* What the parsers may allow.  RES_KNOWN_TYPES: cpus, mem, disk, gpus
 * must be SCALAR and ports RANGES.  RES_NO_JSON: text only. */
enum { RES_KNOWN_TYPES = 1, RES_NO_JSON = 2 };

/* The (name, role, type) triples a parse has seen, zero values included:
 * for uniqueness, one type per name, and detection's "given" names. */
typedef struct butte_res_seen {
    struct butte_res_seen_entry {
        const char *name; /* interned */
        const char *role; /* interned, "*" when unreserved */
        butte_value_type_t type;
    } *v; /* malloc'd; the owner calls free(seen.v) */
    size_t n, cap;
} butte_res_seen_t;

/* butte_res_seen_check - record a triple; BUTTE_EINVAL when the name was
 * seen with another type, or (unique) with the same role, or its type is
 * wrong for a known name (flags & RES_KNOWN_TYPES). */
int butte_res_seen_check(butte_res_seen_t *seen, const char *name, const char *role,
                         butte_value_type_t type, bool unique, int flags, butte_err_t *err);

/* butte_res_type_name - "SCALAR", "RANGES", "SET", "TEXT". */
const char *butte_res_type_name(butte_value_type_t t);

/*
 * butte_res_parse_text - the --resources parser (text, or JSON when the
 * text starts with '[' and flags allow).  0 with *out a new collection in
 * pool, or BUTTE_EINVAL with *out NULL.  seen (may be NULL) collects what
 * was given.
 */
int butte_res_parse_text(butte_pool_t *pool, const char *text, const char *default_role,
                         int flags, butte_resources_t **out, butte_res_seen_t *seen,
                         butte_err_t *err);

/* --- resources-json.c ----------------------------------------------- */

/* butte_res_parse_json - a JSON array of mesos.v1.Resource into rs. */
int butte_res_parse_json(const char *text, const char *default_role, int flags,
                         butte_resources_t *rs, butte_res_seen_t *seen, butte_err_t *err);

#endif
