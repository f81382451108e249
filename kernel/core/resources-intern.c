/*
 * kernel/core/resources-intern.c - interned strings, reservation stacks and
 * disks; role names; fixed-point conversion.
 *
 * Interning makes the allocator's hot comparisons (is this the same name,
 * the same reservation stack, the same volume?) single pointer compares,
 * and lets collections copy entries without copying strings.  The table
 * is process-wide and never shrinks: what it holds (resource names, roles,
 * principals, set items, volume ids) is small and bounded in practice.
 * A mutex guards it because a module may build resources on a thread of
 * its own; the arithmetic itself never takes the lock.
 */
#include "config.h"

#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <butte/log.h>

#include "core/resources-internal.h"

enum { KIND_STRING = 1, KIND_STACK = 2, KIND_DISK = 3 };

struct node {
    struct node *next;
    uint64_t hash;
    uint32_t kind;
    size_t keylen;
    size_t valoff; /* where the value starts in data; 0: the key is the value */
    alignas(max_align_t) unsigned char data[];
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct node **buckets;
static size_t nbuckets, nnodes;

void *
butte_res_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);

    /* Same policy as the pools: out of memory is not something every
     * caller can handle, so log one line and stop. */
    if (q == NULL) {
        butte_log(NULL, BUTTE_LOG_ERROR, "out of memory allocating %zu bytes", n);
        abort();
    }
    return q;
}

static uint64_t
hash_bytes(uint32_t kind, const void *p, size_t n)
{
    const unsigned char *b = p;
    uint64_t h = 0xcbf29ce484222325u ^ kind; /* FNV-1a */

    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3u;
    }
    return h;
}

static void
grow(void)
{
    size_t nb = nbuckets ? nbuckets * 2 : 256;
    struct node **nv = butte_res_xrealloc(NULL, nb * sizeof *nv);

    memset(nv, 0, nb * sizeof *nv);
    for (size_t i = 0; i < nbuckets; i++) {
        struct node *e = buckets[i], *next;
        for (; e != NULL; e = next) {
            next = e->next;
            e->next = nv[e->hash & (nb - 1)];
            nv[e->hash & (nb - 1)] = e;
        }
    }
    free(buckets);
    buckets = nv;
    nbuckets = nb;
}

/*
 * The one lookup: key bytes identify the object; val (vallen bytes) is
 * what is returned, stored after the key.  val NULL: the key itself.
 */
static const void *
intern(uint32_t kind, const void *key, size_t keylen, const void *val, size_t vallen)
{
    uint64_t h = hash_bytes(kind, key, keylen);
    const void *res;
    struct node *e;

    pthread_mutex_lock(&lock);
    if (nbuckets == 0 || nnodes >= nbuckets)
        grow();
    for (e = buckets[h & (nbuckets - 1)]; e != NULL; e = e->next)
        if (e->hash == h && e->kind == kind && e->keylen == keylen &&
            memcmp(e->data, key, keylen) == 0)
            break;
    if (e == NULL) {
        size_t off = val ? (keylen + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1) : 0;
        e = butte_res_xrealloc(NULL, sizeof *e + (val ? off + vallen : keylen));
        e->hash = h;
        e->kind = kind;
        e->keylen = keylen;
        e->valoff = off;
        memcpy(e->data, key, keylen);
        if (val)
            memcpy(e->data + off, val, vallen);
        e->next = buckets[h & (nbuckets - 1)];
        buckets[h & (nbuckets - 1)] = e;
        nnodes++;
    }
    res = e->data + e->valoff;
    pthread_mutex_unlock(&lock);
    return res;
}

const char *
butte_res_intern_n(const char *s, size_t len)
{
    char small[128];
    char *k = len < sizeof small ? small : butte_res_xrealloc(NULL, len + 1);
    const char *r;

    /* The key carries its NUL so the stored copy is a C string. */
    memcpy(k, s, len);
    k[len] = '\0';
    r = intern(KIND_STRING, k, len + 1, NULL, 0);
    if (k != small)
        free(k);
    return r;
}

/* Pointers butte_res_intern returned lately, direct-mapped by address.
 * A string at one of them is interned (interned strings live for ever and
 * never change), so re-interning it -- the allocator does, for every
 * resource name and role of every offer -- costs one compare instead of a
 * hash and the lock.  Any value a slot ever held is an interned pointer,
 * so relaxed atomics suffice between threads. */
#define RECENT 64
static _Atomic(const char *) recent[RECENT];

static size_t
recent_slot(const char *s)
{
    /* Fibonacci hashing: nearby heap addresses spread over the slots. */
    return (size_t)(((uint64_t)(uintptr_t)s * 0x9e3779b97f4a7c15ull) >> 58) % RECENT;
}

bool
butte_res_intern_recent(const char *s)
{
    return atomic_load_explicit(&recent[recent_slot(s)], memory_order_relaxed) == s;
}

const char *
butte_res_intern(const char *s)
{
    const char *r;

    if (s == NULL)
        return NULL;
    if (butte_res_intern_recent(s))
        return s;
    r = butte_res_intern_n(s, strlen(s));
    atomic_store_explicit(&recent[recent_slot(r)], r, memory_order_relaxed);
    return r;
}

const butte_reservation_t *
butte_res_intern_stack(const butte_reservation_t *v, size_t n)
{
    uintptr_t small[3 * 4];
    uintptr_t *k;
    const void *r;

    if (n == 0)
        return NULL;
    /* Key by words rather than the struct bytes: the struct has padding. */
    k = n <= 4 ? small : butte_res_xrealloc(NULL, 3 * n * sizeof *k);
    for (size_t i = 0; i < n; i++) {
        k[3 * i] = (uintptr_t)v[i].type;
        k[3 * i + 1] = (uintptr_t)v[i].role;
        k[3 * i + 2] = (uintptr_t)v[i].principal;
    }
    r = intern(KIND_STACK, k, 3 * n * sizeof *k, v, n * sizeof *v);
    if (k != small)
        free(k);
    return r;
}

const butte_disk_t *
butte_res_intern_disk(const butte_disk_t *d)
{
    uintptr_t k[8] = {
        (uintptr_t)d->persistence_id, (uintptr_t)d->persistence_principal,
        (uintptr_t)d->container_path, (uintptr_t)d->volume_mode,
        (uintptr_t)d->source_type,    (uintptr_t)d->source_root,
        (uintptr_t)d->source_id,      (uintptr_t)d->source_profile,
    };
    butte_disk_t v = *d;

    v.size = sizeof v;
    return intern(KIND_DISK, k, sizeof k, &v, sizeof v);
}

/* ---- fixed point -------------------------------------------------------- */

int64_t
butte_scalar_from_double(double v)
{
    double x = v * BUTTE_SCALAR_SCALE;
    int64_t t;
    double frac;

    /* Clamp first: converting an out-of-range double is undefined. */
    if (!(x == x))
        return 0;
    if (x >= 9.2e18)
        return INT64_MAX;
    if (x <= -9.2e18)
        return INT64_MIN;
    /* Round half away from zero, like llround, without libm: the
     * fractional part x - t is exact for every double in this range. */
    t = (int64_t)x;
    frac = x - (double)t;
    if (frac >= 0.5)
        t++;
    else if (frac <= -0.5)
        t--;
    return t;
}

double
butte_scalar_to_double(int64_t milli)
{
    /* Integer part and thousandths apart, so the division only ever sees
     * [0, 999] and 1500 comes back as exactly 1.5. */
    return (double)(milli / BUTTE_SCALAR_SCALE) +
           (double)(milli % BUTTE_SCALAR_SCALE) / BUTTE_SCALAR_SCALE;
}

/* ---- roles ---------------------------------------------------------------- */

const char *
butte_res_role(const butte_res_t *r)
{
    return r->nreservations ? r->reservations[r->nreservations - 1].role : "*";
}

bool
butte_res_is_reserved(const butte_res_t *r)
{
    return r->nreservations > 0;
}

int
butte_role_valid(const char *role, butte_err_t *err)
{
    const char *c, *start;

    if (role == NULL || role[0] == '\0')
        return butte_err_set(err, BUTTE_EINVAL, "role name is empty");
    if (strcmp(role, "*") == 0)
        return 0;
    for (c = role; *c; c++)
        if (strchr(" \t\n\v\f\r\x7f", *c))
            return butte_err_set(err, BUTTE_EINVAL,
                                 "role '%s' is invalid: it contains whitespace or DEL", role);
    if (role[0] == '/')
        return butte_err_set(err, BUTTE_EINVAL, "role '%s' is invalid: it starts with '/'",
                             role);
    if (c[-1] == '/')
        return butte_err_set(err, BUTTE_EINVAL, "role '%s' is invalid: it ends with '/'", role);
    for (start = role;; start = c + 1) {
        size_t len;

        c = strchr(start, '/');
        len = c ? (size_t)(c - start) : strlen(start);
        if (len == 0)
            return butte_err_set(err, BUTTE_EINVAL,
                                 "role '%s' is invalid: it has an empty component", role);
        if ((len == 1 && (start[0] == '.' || start[0] == '*')) ||
            (len == 2 && start[0] == '.' && start[1] == '.'))
            return butte_err_set(err, BUTTE_EINVAL,
                                 "role '%s' is invalid: component '%.*s' is reserved", role,
                                 (int)len, start);
        if (start[0] == '-')
            return butte_err_set(err, BUTTE_EINVAL,
                                 "role '%s' is invalid: component '%.*s' starts with '-'", role,
                                 (int)len, start);
        if (c == NULL)
            return 0;
    }
}

bool
butte_role_is_subrole(const char *role, const char *ancestor)
{
    size_t n;

    if (role == NULL || ancestor == NULL || strcmp(ancestor, "*") == 0)
        return false;
    n = strlen(ancestor);
    return strncmp(role, ancestor, n) == 0 && (role[n] == '\0' || role[n] == '/');
}
