/*
 * kernel/core/resources-quantities.c - name -> amount maps (what DRF shares
 * and minimum offer sizes compare), --min_allocatable_resources and
 * --weights.
 *
 * A map is a short array in its pool.  It only grows when a name is new,
 * and names are few (cpus, mem, disk, gpus, ports, ...), so updating a
 * long-lived map in place never grows the pool.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/resources-internal.h"

struct qent {
    const char *name; /* interned */
    int64_t milli;
};

struct butte_quantities {
    butte_pool_t *pool;
    struct qent *v;
    size_t n, cap;
};

static int64_t
sat_add(int64_t a, int64_t b)
{
    int64_t s;

    return __builtin_add_overflow(a, b, &s) ? (b > 0 ? INT64_MAX : INT64_MIN) : s;
}

static int64_t
sat_mul(int64_t a, int64_t b)
{
    int64_t s;

    return __builtin_mul_overflow(a, b, &s) ? INT64_MAX : s;
}

butte_quantities_t *
butte_quantities_create(butte_pool_t *pool)
{
    butte_quantities_t *q = butte_pool_alloc(pool, sizeof *q);

    q->pool = pool;
    return q;
}

static struct qent *
find(const butte_quantities_t *q, const char *name)
{
    for (size_t i = 0; q != NULL && name != NULL && i < q->n; i++)
        if (q->v[i].name == name || strcmp(q->v[i].name, name) == 0)
            return &q->v[i];
    return NULL;
}

/* For a name known to be interned: pointer compares only. */
static struct qent *
find_interned(const butte_quantities_t *q, const char *name)
{
    for (size_t i = 0; i < q->n; i++)
        if (q->v[i].name == name)
            return &q->v[i];
    return NULL;
}

static void
drop(butte_quantities_t *q, struct qent *e)
{
    size_t i = (size_t)(e - q->v);

    memmove(e, e + 1, (q->n - i - 1) * sizeof *e);
    q->n--;
}

/* q[name] += milli, name interned (the hot path: no lock, no strcmp). */
static void
add_interned(butte_quantities_t *q, const char *name, int64_t milli)
{
    struct qent *e = find_interned(q, name);

    if (e != NULL) {
        e->milli = sat_add(e->milli, milli);
        if (e->milli <= 0)
            drop(q, e);
        return;
    }
    if (milli <= 0)
        return;
    if (q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 8;
        struct qent *v = butte_pool_alloc(q->pool, cap * sizeof *v);

        if (q->n)
            memcpy(v, q->v, q->n * sizeof *v);
        q->v = v;
        q->cap = cap;
    }
    q->v[q->n++] = (struct qent){ name, milli };
}

void
butte_quantities_add(butte_quantities_t *q, const char *name, int64_t milli)
{
    /* A name interned lately (every name of a collection is) needs
     * pointer compares only. */
    if (name != NULL && butte_res_intern_recent(name)) {
        add_interned(q, name, milli);
        return;
    }
    struct qent *e = find(q, name);

    /* Only intern (a lock) when the name is new to q. */
    add_interned(q, e ? e->name : butte_res_intern(name), milli);
}

void
butte_quantities_add_all(butte_quantities_t *q, const butte_quantities_t *other)
{
    size_t n = other ? other->n : 0; /* other may be q */

    for (size_t i = 0; i < n; i++)
        add_interned(q, other->v[i].name, other->v[i].milli);
}

void
butte_quantities_subtract_all(butte_quantities_t *q, const butte_quantities_t *other)
{
    if (other == q) {
        q->n = 0;
        return;
    }
    for (size_t i = 0; other != NULL && i < other->n; i++) {
        struct qent *e = find_interned(q, other->v[i].name);

        if (e != NULL && (e->milli -= other->v[i].milli) <= 0)
            drop(q, e);
    }
}

int64_t
butte_quantities_get_milli(const butte_quantities_t *q, const char *name)
{
    const struct qent *e = find(q, name);

    return e ? e->milli : 0;
}

double
butte_quantities_get(const butte_quantities_t *q, const char *name)
{
    return butte_scalar_to_double(butte_quantities_get_milli(q, name));
}

size_t
butte_quantities_count(const butte_quantities_t *q)
{
    return q ? q->n : 0;
}

void
butte_quantities_at(const butte_quantities_t *q, size_t i, const char **name, int64_t *milli)
{
    *name = q && i < q->n ? q->v[i].name : NULL;
    *milli = q && i < q->n ? q->v[i].milli : 0;
}

bool
butte_quantities_contains(const butte_quantities_t *a, const butte_quantities_t *b)
{
    for (size_t i = 0; b != NULL && i < b->n; i++) {
        const struct qent *e = a ? find_interned(a, b->v[i].name) : NULL;

        if ((e ? e->milli : 0) < b->v[i].milli)
            return false;
    }
    return true;
}

butte_quantities_t *
butte_resources_quantities(butte_pool_t *pool, const butte_resources_t *r)
{
    butte_quantities_t *q = butte_quantities_create(pool);

    for (size_t i = 0; r != NULL && i < r->n; i++) {
        const butte_res_t *e = &r->v[i];
        int64_t amount = 0;

        if (e->type == BUTTE_VALUE_SCALAR) {
            amount = e->scalar;
        } else if (e->type == BUTTE_VALUE_RANGES) {
            /* Members, not ranges: ports:[1-5] is 5 ports. */
            for (size_t k = 0; k < e->nranges; k++) {
                uint64_t m = e->ranges[k].end - e->ranges[k].begin;
                amount = sat_add(amount, m >= INT64_MAX / BUTTE_SCALAR_SCALE
                                             ? INT64_MAX
                                             : (int64_t)(m + 1) * BUTTE_SCALAR_SCALE);
            }
        } else {
            amount = sat_mul((int64_t)e->nitems, BUTTE_SCALAR_SCALE);
        }
        add_interned(q, e->name, amount);
    }
    return q;
}

char *
butte_quantities_format(butte_pool_t *pool, const butte_quantities_t *q)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    if (f == NULL)
        return butte_pool_strdup(pool, "");
    for (size_t i = 0; q != NULL && i < q->n; i++) {
        fprintf(f, "%s%s:", i ? ";" : "", q->v[i].name);
        butte_res_print_scalar(f, q->v[i].milli);
    }
    return butte_res_stream_done(pool, f, &buf);
}

/* ---- --min_allocatable_resources ---------------------------------------- */

int
butte_min_allocatable_parse(butte_pool_t *pool, const char *text, butte_quantities_t ***out,
                            size_t *n, butte_err_t *err)
{
    butte_pool_t *tmp = butte_pool_create(NULL);
    char *buf = butte_pool_strdup(tmp, text ? text : ""), *alt, *next;
    size_t k = 1, count = 0;
    int rc = 0;

    *out = NULL;
    *n = 0;
    for (const char *p = buf; *p; p++)
        k += *p == '|';
    *out = butte_pool_alloc(pool, k * sizeof **out);
    /* Empty alternatives are skipped, as Mesos' tokenizer does; an empty
     * flag means "no minimum". */
    for (alt = buf; alt != NULL && rc == 0; alt = next) {
        butte_resources_t *rs;

        if ((next = strchr(alt, '|')) != NULL)
            *next++ = '\0';
        if (alt[strspn(alt, " \t\r\n")] == '\0')
            continue;
        rc = butte_res_parse_text(tmp, alt, "*", RES_NO_JSON, &rs, NULL, err);
        for (size_t i = 0; rc == 0 && i < butte_resources_count(rs); i++)
            if (rs->v[i].nreservations > 0)
                rc = butte_err_set(err, BUTTE_EINVAL,
                                   "resource '%s': a minimum quantity cannot have a role",
                                   rs->v[i].name);
        if (rc == 0)
            (*out)[count++] = butte_resources_quantities(pool, rs);
    }
    butte_pool_destroy(tmp);
    if (rc < 0) {
        *out = NULL;
        return BUTTE_EINVAL;
    }
    *n = count;
    return 0;
}

bool
butte_min_allocatable_met(butte_quantities_t *const *alts, size_t n, const butte_quantities_t *q)
{
    if (n == 0)
        return true;
    for (size_t i = 0; i < n; i++)
        if (butte_quantities_contains(q, alts[i]))
            return true;
    return false;
}

/* ---- --weights ---------------------------------------------------------- */

static char *
trim(char *s)
{
    char *e;

    while (isspace((unsigned char)*s))
        s++;
    e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

int
butte_weights_parse(butte_pool_t *pool, const char *text, butte_weight_t **out, size_t *n,
                    butte_err_t *err)
{
    char *buf = butte_res_xrealloc(NULL, strlen(text ? text : "") + 1), *tok, *next;
    size_t k = 1, count = 0;
    int rc = 0;

    strcpy(buf, text ? text : "");
    for (const char *p = buf; *p; p++)
        k += *p == ',';
    *out = butte_pool_alloc(pool, k * sizeof **out);
    *n = 0;
    for (tok = buf; tok != NULL && rc == 0; tok = next) {
        char *eq, *role, *w;
        double d;
        size_t i;

        if ((next = strchr(tok, ',')) != NULL)
            *next++ = '\0';
        tok = trim(tok);
        if (*tok == '\0')
            continue;
        eq = strchr(tok, '=');
        if (eq == NULL || strchr(eq + 1, '=') != NULL) {
            rc = butte_err_set(err, BUTTE_EINVAL, "weight '%s' is not 'role=weight'", tok);
            break;
        }
        *eq = '\0';
        role = trim(tok);
        w = trim(eq + 1);
        if (butte_role_valid(role, err) < 0) {
            rc = BUTTE_EINVAL;
        } else if (butte_res_parse_number(w, &d) < 0) {
            rc = butte_err_set(err, BUTTE_EINVAL, "role '%s': weight '%s' is not a number", role,
                               w);
        } else if (!(d > 0 && d <= 1e300)) {
            rc = butte_err_set(err, BUTTE_EINVAL,
                               "role '%s': weight '%s' must be a positive number", role, w);
        } else {
            /* A role given twice keeps the last weight, as a map would. */
            for (i = 0; i < count && strcmp((*out)[i].role, role) != 0; i++)
                ;
            (*out)[i] = (butte_weight_t){ butte_pool_strdup(pool, role), d };
            count += i == count;
        }
    }
    free(buf);
    if (rc < 0) {
        *out = NULL;
        return BUTTE_EINVAL;
    }
    *n = count;
    return 0;
}
