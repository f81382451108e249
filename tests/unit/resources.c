/*
 * tests/unit/resources.c - resource arithmetic: fixed point, ranges, sets,
 * identity (roles, reservations, allocation, shared and atomic volumes),
 * filters, quantities and the text form.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <butte/resources.h>

static butte_pool_t *pool;

static void
setup(void)
{
    pool = butte_pool_create(NULL);
}

static void
teardown(void)
{
    butte_pool_destroy(pool);
}

/* Parsed text; the test fails on a parse error. */
static butte_resources_t *
R(const char *text)
{
    butte_err_t err = { 0 };
    butte_resources_t *rs = NULL;

    ck_assert_msg(butte_resources_parse_role(pool, text, "*", &rs, &err) == 0, "%s: %s", text,
                  err.msg);
    return rs;
}

static const char *
F(const butte_resources_t *rs)
{
    return butte_resources_format(pool, rs);
}

START_TEST(fixed_point)
{
    butte_resources_t *rs = butte_resources_create(pool);
    butte_err_t err = { 0 };

    ck_assert_int_eq(butte_scalar_from_double(0.1) + butte_scalar_from_double(0.2),
                     butte_scalar_from_double(0.3));
    ck_assert_int_eq(butte_resources_add_scalar(rs, "cpus", NULL, 0.1, &err), 0);
    ck_assert_int_eq(butte_resources_add_scalar(rs, "cpus", NULL, 0.2, &err), 0);
    ck_assert(butte_resources_scalar(rs, "cpus") == 0.3); /* exactly, not 0.30000000000000004 */
    ck_assert_int_eq(butte_resources_scalar_milli(rs, "cpus"), 300);
    ck_assert_str_eq(F(rs), "cpus:0.3");
    ck_assert_uint_eq(butte_resources_count(rs), 1);

    /* Ten tenths make exactly one. */
    butte_resources_clear(rs);
    for (int i = 0; i < 10; i++)
        ck_assert_int_eq(butte_resources_add_scalar(rs, "cpus", "*", 0.1, &err), 0);
    ck_assert(butte_resources_scalar(rs, "cpus") == 1.0);
    ck_assert_str_eq(F(rs), "cpus:1");

    /* Mesos rounds to the nearest thousandth, halves away from zero. */
    ck_assert_int_eq(butte_scalar_from_double(0.0005), 1);
    ck_assert_int_eq(butte_scalar_from_double(0.0004), 0);
    ck_assert_int_eq(butte_scalar_from_double(0.0015), 2);
    ck_assert_int_eq(butte_scalar_from_double(-0.0005), -1);
    ck_assert_int_eq(butte_scalar_from_double(2.5), 2500);
    ck_assert(butte_scalar_to_double(1500) == 1.5);
    ck_assert(butte_scalar_to_double(300) == 0.3);
    ck_assert_str_eq(F(R("cpus:0.0005")), "cpus:0.001");
    ck_assert(butte_resources_is_empty(R("cpus:0.0004")));
    ck_assert_str_eq(F(R("mem:1.25;disk:0.1")), "mem:1.25;disk:0.1");

    /* 0.3 - 0.1 == 0.2, no residue. */
    butte_resources_t *a = R("cpus:0.3");
    butte_resources_subtract(a, R("cpus:0.1"));
    ck_assert(butte_resources_scalar(a, "cpus") == 0.2);
    butte_resources_subtract(a, R("cpus:0.2"));
    ck_assert(butte_resources_is_empty(a));
}
END_TEST

START_TEST(ranges_coalesce_and_difference)
{
    butte_resources_t *rs = butte_resources_create(pool);
    butte_err_t err = { 0 };

    ck_assert_int_eq(butte_resources_add_range(rs, "ports", NULL, 6, 10, &err), 0);
    ck_assert_int_eq(butte_resources_add_range(rs, "ports", NULL, 20, 30, &err), 0);
    ck_assert_int_eq(butte_resources_add_range(rs, "ports", NULL, 1, 5, &err), 0);
    ck_assert_str_eq(F(rs), "ports:[1-10,20-30]");
    ck_assert_uint_eq(butte_resources_at(rs, 0)->nranges, 2);
    ck_assert_int_eq(butte_resources_add_range(rs, "ports", NULL, 8, 22, &err), 0);
    ck_assert_str_eq(F(rs), "ports:[1-30]");
    ck_assert_str_eq(F(butte_resources_plus(pool, R("ports:[1-3,10-12]"),
                                            R("ports:[4-9,20-20]"))),
                     "ports:[1-12,20-20]");

    /* Difference splits ranges and drops emptied ones. */
    butte_resources_t *p = R("ports:[1-100]");
    butte_resources_subtract(p, R("ports:[10-20,50-50]"));
    ck_assert_str_eq(F(p), "ports:[1-9,21-49,51-100]");
    butte_resources_subtract(p, R("ports:[1-9,200-300]"));
    ck_assert_str_eq(F(p), "ports:[21-49,51-100]");
    butte_resources_subtract(p, R("ports:[0-1000]"));
    ck_assert(butte_resources_is_empty(p));

    /* Many splits in one go (more than any stack scratch). */
    p = R("ports:[0-100000]");
    butte_resources_t *holes = butte_resources_create(pool);
    for (uint64_t i = 1; i < 1000; i += 10)
        ck_assert_int_eq(butte_resources_add_range(holes, "ports", NULL, i, i, &err), 0);
    butte_resources_subtract(p, holes);
    ck_assert_uint_eq(butte_resources_at(p, 0)->nranges, 101);
    butte_resources_add_all(p, holes);
    ck_assert_str_eq(F(p), "ports:[0-100000]");

    /* Extremes do not wrap. */
    ck_assert_int_eq(
        butte_resources_add_range(rs, "big", NULL, UINT64_MAX - 1, UINT64_MAX, &err), 0);
    ck_assert_int_eq(butte_resources_add_range(rs, "big", NULL, 0, 0, &err), 0);
    ck_assert_str_eq(F(butte_resources_reserved(pool, rs, NULL)), "");
    ck_assert_uint_eq(butte_resources_at(rs, 1)->nranges, 2);
}
END_TEST

START_TEST(ranges_contains)
{
    ck_assert(butte_resources_contains(R("ports:[1-100]"), R("ports:[10-20,30-40]")));
    ck_assert(!butte_resources_contains(R("ports:[1-100]"), R("ports:[90-110]")));
    ck_assert(!butte_resources_contains(R("ports:[1-5,7-9]"), R("ports:[5-7]")));
    ck_assert(butte_resources_contains(R("ports:[1-5,6-9]"), R("ports:[5-7]"))); /* coalesced */
    ck_assert(!butte_resources_contains(R("ports:[1-5]"), R("ports:[1-5];cpus:1")));
    ck_assert(butte_resources_contains(R("ports:[1-5];cpus:1"), R("ports:[2-3]")));
    ck_assert(butte_resources_contains(R("cpus:1"), NULL));
    ck_assert(butte_resources_contains(NULL, R("")));
    ck_assert(!butte_resources_contains(NULL, R("cpus:1")));
}
END_TEST

START_TEST(sets)
{
    butte_resources_t *s = butte_resources_plus(pool, R("zones:{b,a}"), R("zones:{c,b}"));

    ck_assert_str_eq(F(s), "zones:{a,b,c}");
    ck_assert_uint_eq(butte_resources_at(s, 0)->nitems, 3);
    ck_assert(butte_resources_contains(s, R("zones:{c,a}")));
    ck_assert(!butte_resources_contains(s, R("zones:{d}")));
    butte_resources_subtract(s, R("zones:{a,x}"));
    ck_assert_str_eq(F(s), "zones:{b,c}");
    butte_resources_subtract(s, R("zones:{b,c}"));
    ck_assert(butte_resources_is_empty(s));
}
END_TEST

START_TEST(reservation_identity)
{
    butte_resources_t *rs = R("cpus:2;cpus(ml):1;mem:10");

    /* cpus(ml) is not merged with cpus(*). */
    ck_assert_uint_eq(butte_resources_count(rs), 3);
    ck_assert(butte_resources_scalar(rs, "cpus") == 3.0);
    butte_resources_add_all(rs, R("cpus(ml):0.5;cpus:1"));
    ck_assert_uint_eq(butte_resources_count(rs), 3);
    ck_assert_str_eq(F(rs), "cpus:3;cpus(ml):1.5;mem:10");
    ck_assert_str_eq(butte_res_role(butte_resources_at(rs, 1)), "ml");
    ck_assert_str_eq(butte_res_role(butte_resources_at(rs, 0)), "*");
    ck_assert(butte_res_is_reserved(butte_resources_at(rs, 1)));

    /* Strings are interned: the same pointer everywhere. */
    ck_assert_ptr_eq(butte_resources_at(rs, 0)->name, butte_res_intern("cpus"));
    ck_assert_ptr_eq(butte_resources_at(rs, 0)->name, butte_resources_at(rs, 1)->name);

    /* A dynamic reservation made by another principal is another resource. */
    butte_reservation_t st = { BUTTE_RESERVATION_STATIC, "eng", NULL };
    butte_reservation_t dyn[2] = { { BUTTE_RESERVATION_STATIC, "eng", NULL },
                                   { BUTTE_RESERVATION_DYNAMIC, "eng/web", "alice" } };
    butte_res_t r = BUTTE_RES_INIT;
    butte_err_t err = { 0 };
    butte_resources_t *d = butte_resources_create(pool);

    r.type = BUTTE_VALUE_SCALAR;
    r.name = "cpus";
    r.scalar = 1000;
    r.reservations = dyn;
    r.nreservations = 2;
    ck_assert_int_eq(butte_resources_add(d, &r, &err), 0);
    ck_assert_str_eq(butte_res_role(butte_resources_at(d, 0)), "eng/web");
    dyn[1].principal = "bob";
    ck_assert_int_eq(butte_resources_add(d, &r, &err), 0);
    ck_assert_uint_eq(butte_resources_count(d), 2);
    dyn[1].principal = "alice";
    ck_assert_int_eq(butte_resources_add(d, &r, &err), 0);
    ck_assert_uint_eq(butte_resources_count(d), 2);
    ck_assert_int_eq(butte_resources_at(d, 0)->scalar, 2000);
    r.reservations = &st;
    r.nreservations = 1;
    ck_assert_int_eq(butte_resources_add(d, &r, &err), 0);
    ck_assert_uint_eq(butte_resources_count(d), 3);
    ck_assert_str_eq(F(d), "cpus(eng/web):2;cpus(eng/web):1;cpus(eng):1");
}
END_TEST

START_TEST(contains_with_roles)
{
    ck_assert(!butte_resources_contains(R("cpus:4"), R("cpus(ml):1")));
    ck_assert(!butte_resources_contains(R("cpus(ml):4"), R("cpus:1")));
    ck_assert(butte_resources_contains(R("cpus(ml):4"), R("cpus(ml):1")));
    ck_assert(butte_resources_contains(R("cpus(ml):4;cpus:1"), R("cpus(ml):4;cpus:1")));
    ck_assert(!butte_resources_contains(R("cpus(ml):4;cpus:1"), R("cpus:2")));
    ck_assert(butte_resources_equals(R("cpus:1;mem:2"), R("mem:2;cpus:1")));
    ck_assert(!butte_resources_equals(R("cpus:1;mem:2"), R("mem:2;cpus(ml):1")));
    ck_assert(!butte_resources_equals(R("cpus:1"), R("cpus:1;mem:1")));
    ck_assert(butte_resources_equals(NULL, R("")));
}
END_TEST

START_TEST(subtract_to_empty)
{
    butte_resources_t *a = R("cpus:2;mem:1024;ports:[1-2]");
    butte_resources_t *b = R("cpus:2");

    butte_resources_subtract(a, b);
    ck_assert_str_eq(F(a), "mem:1024;ports:[1-2]");
    butte_resources_subtract(a, R("mem:4096;cpus(ml):1")); /* more than there is: gone */
    ck_assert_str_eq(F(a), "ports:[1-2]");
    butte_resources_subtract(a, a); /* itself */
    ck_assert(butte_resources_is_empty(a));
    ck_assert_str_eq(F(b), "cpus:2"); /* other is untouched */

    /* minus and plus leave their inputs alone. */
    butte_resources_t *x = R("cpus:4;mem:10"), *y = R("cpus:1");
    ck_assert_str_eq(F(butte_resources_minus(pool, x, y)), "cpus:3;mem:10");
    ck_assert_str_eq(F(butte_resources_plus(pool, x, y)), "cpus:5;mem:10");
    ck_assert_str_eq(F(x), "cpus:4;mem:10");
    butte_resources_add_all(x, x); /* rs += rs */
    ck_assert_str_eq(F(x), "cpus:8;mem:20");
    ck_assert_str_eq(F(butte_resources_minus(pool, NULL, y)), "");
}
END_TEST

START_TEST(allocation)
{
    butte_resources_t *rs = R("cpus:2;mem:10");
    butte_err_t err = { 0 };

    ck_assert_int_eq(butte_resources_allocate(rs, "web", &err), 0);
    ck_assert_str_eq(butte_resources_at(rs, 0)->allocation_role, "web");
    ck_assert_str_eq(F(rs), "cpus(allocated: web):2;mem(allocated: web):10");
    ck_assert(butte_resources_equals(butte_resources_allocated_to(pool, rs, "web"), rs));
    ck_assert(butte_resources_is_empty(butte_resources_allocated_to(pool, rs, "db")));
    ck_assert(!butte_resources_contains(rs, R("cpus:1"))); /* allocation is identity */

    /* The same resources allocated to two roles merge once unallocated. */
    butte_resources_t *other = R("cpus:1");
    ck_assert_int_eq(butte_resources_allocate(other, "db", &err), 0);
    butte_resources_add_all(rs, other);
    ck_assert_uint_eq(butte_resources_count(rs), 3);
    ck_assert_uint_eq(butte_resources_count(butte_resources_allocated_to(pool, rs, NULL)), 3);
    butte_resources_unallocate(rs);
    ck_assert_str_eq(F(rs), "cpus:3;mem:10");

    ck_assert_int_eq(butte_resources_allocate(rs, "a//b", &err), BUTTE_EINVAL);
    ck_assert_str_eq(err.msg, "role 'a//b' is invalid: it has an empty component");
    ck_assert_str_eq(F(rs), "cpus:3;mem:10");
}
END_TEST

static bool
has_name(const butte_res_t *r, void *arg)
{
    return strcmp(r->name, arg) == 0;
}

START_TEST(filters_and_flatten)
{
    butte_resources_t *rs = R("cpus:1;cpus(ml):2;cpus(ml/sub):3;cpus(other):4;mem(ml):5");
    butte_res_t rev = BUTTE_RES_INIT;
    butte_err_t err = { 0 };

    ck_assert_str_eq(F(butte_resources_unreserved(pool, rs)), "cpus:1");
    ck_assert_str_eq(F(butte_resources_reserved(pool, rs, "ml")), "cpus(ml):2;mem(ml):5");
    ck_assert_uint_eq(butte_resources_count(butte_resources_reserved(pool, rs, NULL)), 4);
    /* allocatable to ml/sub: unreserved, ml (an ancestor) and ml/sub. */
    ck_assert_str_eq(F(butte_resources_for_role(pool, rs, "ml/sub")),
                     "cpus:1;cpus(ml):2;cpus(ml/sub):3;mem(ml):5");
    ck_assert_str_eq(F(butte_resources_for_role(pool, rs, "ml")), "cpus:1;cpus(ml):2;mem(ml):5");
    ck_assert_str_eq(F(butte_resources_for_role(pool, rs, "mlx")), "cpus:1");
    ck_assert_str_eq(F(butte_resources_filter(pool, rs, has_name, "mem")), "mem(ml):5");

    rev.type = BUTTE_VALUE_SCALAR;
    rev.name = "cpus";
    rev.scalar = 500;
    rev.revocable = true;
    ck_assert_int_eq(butte_resources_add(rs, &rev, &err), 0);
    ck_assert_str_eq(F(butte_resources_revocable(pool, rs)), "cpus{REV}:0.5");
    ck_assert_uint_eq(butte_resources_count(butte_resources_nonrevocable(pool, rs)), 5);
    ck_assert(butte_resources_scalar(rs, "cpus") == 10.5);

    /* flatten: one identity per name and flag, as quota accounting wants. */
    ck_assert_int_eq(butte_resources_flatten(rs, NULL, &err), 0);
    ck_assert_str_eq(F(rs), "cpus:10;mem:5;cpus{REV}:0.5");
    ck_assert_int_eq(butte_resources_flatten(rs, "q", &err), 0);
    ck_assert_str_eq(F(rs), "cpus(q):10;mem(q):5;cpus(q){REV}:0.5");
    ck_assert_int_eq(butte_resources_flatten(rs, "-q", &err), BUTTE_EINVAL);
}
END_TEST

static butte_res_t
volume(const butte_disk_t *disk, int64_t mb, bool shared)
{
    butte_res_t r = BUTTE_RES_INIT;

    r.type = BUTTE_VALUE_SCALAR;
    r.name = "disk";
    r.scalar = mb * 1000;
    r.disk = disk;
    r.shared = shared;
    return r;
}

START_TEST(atomic_resources)
{
    butte_disk_t vol = BUTTE_DISK_INIT;
    butte_resources_t *rs = butte_resources_create(pool);
    butte_err_t err = { 0 };
    butte_res_t r;

    /* Shared resources never merge: each copy is a separate entry. */
    r = volume(NULL, 100, true);
    ck_assert_int_eq(butte_resources_add(rs, &r, &err), 0);
    ck_assert_int_eq(butte_resources_add(rs, &r, &err), 0);
    ck_assert_uint_eq(butte_resources_count(rs), 2);
    ck_assert_str_eq(F(rs), "disk<SHARED>:100;disk<SHARED>:100");
    butte_resources_t *one = butte_resources_create(pool);
    ck_assert_int_eq(butte_resources_add(one, &r, &err), 0);
    ck_assert(butte_resources_contains(rs, one));
    butte_resources_t *three = butte_resources_plus(pool, rs, one);
    ck_assert(!butte_resources_contains(rs, three));
    butte_resources_subtract(rs, one);
    ck_assert_uint_eq(butte_resources_count(rs), 1);

    /* A persistent volume is subtracted only whole. */
    vol.persistence_id = "vol1";
    vol.container_path = "data";
    r = volume(&vol, 64, false);
    butte_resources_t *v = butte_resources_create(pool);
    ck_assert_int_eq(butte_resources_add(v, &r, &err), 0);
    ck_assert_str_eq(F(v), "disk[vol1:data]:64");
    butte_resources_t *part = butte_resources_create(pool);
    r = volume(&vol, 32, false);
    ck_assert_int_eq(butte_resources_add(part, &r, &err), 0);
    ck_assert(!butte_resources_contains(v, part));
    butte_resources_subtract(v, part);
    ck_assert_str_eq(F(v), "disk[vol1:data]:64");
    butte_resources_add_all(v, part); /* not merged either */
    ck_assert_uint_eq(butte_resources_count(v), 2);
    butte_resources_subtract(v, part);
    ck_assert_str_eq(F(v), "disk[vol1:data]:64");
    ck_assert_ptr_eq(butte_resources_at(v, 0)->disk->persistence_id, butte_res_intern("vol1"));

    /* A plain disk with the same size is another resource. */
    ck_assert(!butte_resources_contains(v, R("disk:64")));
}
END_TEST

START_TEST(add_validation)
{
    butte_resources_t *rs = butte_resources_create(pool);
    butte_range_t overlap[2] = { { 1, 5 }, { 3, 8 } };
    const char *dup[2] = { "a", "a" };
    butte_reservation_t bad[2] = { { BUTTE_RESERVATION_STATIC, "eng", NULL },
                                   { BUTTE_RESERVATION_STATIC, "ops", NULL } };
    butte_err_t err = { 0 };
    butte_res_t r = BUTTE_RES_INIT, nosize = { 0 };

    r.type = BUTTE_VALUE_SCALAR;
    r.name = "";
    ck_assert_int_eq(butte_resources_add(rs, &r, &err), BUTTE_EINVAL);
    ck_assert_str_eq(err.msg, "resource name is empty");
    r.name = "cpus";
    r.scalar = -1;
    ck_assert_int_eq(butte_resources_add(rs, &r, &err), BUTTE_EINVAL);
    ck_assert_str_eq(err.msg, "resource 'cpus': value is negative");
    ck_assert_int_eq(butte_resources_add_scalar(rs, "cpus", NULL, -0.5, &err), BUTTE_EINVAL);
    ck_assert_str_eq(err.msg, "resource 'cpus': value -0.5 is negative");
    ck_assert_int_eq(butte_resources_add_scalar(rs, "cpus", NULL, 0.0 / 0.0, &err), BUTTE_EINVAL);
    ck_assert_str_eq(err.msg, "resource 'cpus': value is not a number");
    ck_assert_int_eq(butte_resources_add_scalar(rs, "cpus", NULL, 1e300 * 1e300, &err),
                     BUTTE_EINVAL);
    ck_assert_str_eq(err.msg, "resource 'cpus': value inf is too large");

    r.scalar = 0;
    r.type = BUTTE_VALUE_RANGES;
    r.name = "ports";
    r.ranges = overlap;
    r.nranges = 2;
    ck_assert_int_eq(butte_resources_add(rs, &r, &err), BUTTE_EINVAL);
    ck_assert_str_eq(err.msg, "resource 'ports': ranges '1-5' and '3-8' overlap");
    ck_assert_int_eq(butte_resources_add_range(rs, "ports", NULL, 9, 3, &err), BUTTE_EINVAL);
    ck_assert_str_eq(err.msg, "resource 'ports': range '9-3' has begin > end");

    r.type = BUTTE_VALUE_SET;
    r.name = "zones";
    r.items = dup;
    r.nitems = 2;
    ck_assert_int_eq(butte_resources_add(rs, &r, &err), BUTTE_EINVAL);
    ck_assert_str_eq(err.msg, "resource 'zones': item 'a' appears twice");

    r.type = BUTTE_VALUE_TEXT;
    ck_assert_int_eq(butte_resources_add(rs, &r, &err), BUTTE_EINVAL);
    ck_assert_str_eq(err.msg, "resource 'zones': type 3 is not SCALAR, RANGES or SET");

    r.type = BUTTE_VALUE_SCALAR;
    r.scalar = 1000;
    r.reservations = bad;
    r.nreservations = 2;
    ck_assert_int_eq(butte_resources_add(rs, &r, &err), BUTTE_EINVAL);
    ck_assert_str_eq(err.msg, "resource 'zones': reservation role 'ops' does not refine 'eng'");
    bad[1] = (butte_reservation_t){ BUTTE_RESERVATION_STATIC, "eng/x", NULL };
    bad[0].type = BUTTE_RESERVATION_DYNAMIC;
    ck_assert_int_eq(butte_resources_add(rs, &r, &err), BUTTE_EINVAL);
    ck_assert_str_eq(err.msg, "resource 'zones': a STATIC reservation cannot refine a DYNAMIC one");
    bad[0] = (butte_reservation_t){ BUTTE_RESERVATION_STATIC, "*", NULL };
    r.nreservations = 1;
    ck_assert_int_eq(butte_resources_add(rs, &r, &err), BUTTE_EINVAL);
    ck_assert_str_eq(err.msg, "resource 'zones': cannot reserve for role '*'");
    bad[0].role = "a b";
    ck_assert_int_eq(butte_resources_add(rs, &r, &err), BUTTE_EINVAL);
    ck_assert_str_eq(err.msg,
                     "resource 'zones': role 'a b' is invalid: it contains whitespace or DEL");
    r.nreservations = 0;
    r.allocation_role = "..";
    ck_assert_int_eq(butte_resources_add(rs, &r, &err), BUTTE_EINVAL);
    ck_assert_str_eq(err.msg, "resource 'zones': allocation: "
                              "role '..' is invalid: component '..' is reserved");

    ck_assert_int_eq(butte_resources_add(rs, &nosize, &err), BUTTE_EINVAL);
    ck_assert_str_eq(err.msg, "resource size is not set (use BUTTE_RES_INIT)");
    ck_assert(butte_resources_is_empty(rs));
}
END_TEST

START_TEST(quantities)
{
    butte_quantities_t *q = butte_resources_quantities(
        pool, R("cpus:1;cpus(ml):0.5;mem:32;ports:[1-5,10-14];zones:{a,b}"));
    butte_quantities_t *want = butte_quantities_create(pool);
    const char *name;
    int64_t milli;

    ck_assert(butte_quantities_get(q, "cpus") == 1.5);
    ck_assert_int_eq(butte_quantities_get_milli(q, "ports"), 10000);
    ck_assert(butte_quantities_get(q, "zones") == 2.0);
    ck_assert(butte_quantities_get(q, "gpus") == 0.0);
    ck_assert_uint_eq(butte_quantities_count(q), 4);
    butte_quantities_at(q, 0, &name, &milli);
    ck_assert_ptr_eq(name, butte_res_intern("cpus"));
    ck_assert_int_eq(milli, 1500);
    ck_assert_str_eq(butte_quantities_format(pool, q), "cpus:1.5;mem:32;ports:10;zones:2");

    butte_quantities_add(want, "cpus", 1500);
    butte_quantities_add(want, "ports", 10000);
    ck_assert(butte_quantities_contains(q, want));
    butte_quantities_add(want, "gpus", 1);
    ck_assert(!butte_quantities_contains(q, want));
    butte_quantities_subtract_all(q, want);
    ck_assert_str_eq(butte_quantities_format(pool, q), "mem:32;zones:2");
    butte_quantities_add_all(q, q);
    ck_assert_str_eq(butte_quantities_format(pool, q), "mem:64;zones:4");
    butte_quantities_add(q, "mem", -64000);
    ck_assert_str_eq(butte_quantities_format(pool, q), "zones:4");
    butte_quantities_subtract_all(q, q);
    ck_assert_uint_eq(butte_quantities_count(q), 0);
}
END_TEST

START_TEST(text_round_trip)
{
    static const char *const cases[] = {
        "cpus:4;mem:8192;disk:40000;ports:[31000-32000];gpus(ml):2;zones:{a,b}",
        "cpus:0.001;cpus(eng/web):1.5;ports(ops):[1-1,3-3,5-7]",
        "",
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        butte_resources_t *a = R(cases[i]);
        const char *text = F(a);

        ck_assert_str_eq(text, cases[i]);
        ck_assert(butte_resources_equals(R(text), a));
    }
    ck_assert_str_eq(F(NULL), "");
    ck_assert_str_eq(F(R(" ports : [ 3-4 , 1-2 ] ; zones : { y , x } ")),
                     "ports:[1-4];zones:{x,y}");
}
END_TEST

START_TEST(copies_are_independent)
{
    butte_resources_t *a = R("cpus:1;ports:[1-10];zones:{a}");
    butte_pool_t *child = butte_pool_create(pool);
    butte_resources_t *b = butte_resources_copy(child, a);

    butte_resources_subtract(b, R("ports:[3-4];zones:{a}"));
    ck_assert_str_eq(F(a), "cpus:1;ports:[1-10];zones:{a}");
    ck_assert_str_eq(F(b), "cpus:1;ports:[1-2,5-10]");
    butte_pool_destroy(child); /* frees b's arrays; a is unaffected */
    ck_assert_str_eq(F(a), "cpus:1;ports:[1-10];zones:{a}");
    ck_assert_uint_eq(butte_resources_count(butte_resources_copy(pool, NULL)), 0);
    ck_assert_ptr_null(butte_resources_at(a, 3));
}
END_TEST

/* Not a benchmark, a guard: the allocator's inner loop must stay cheap. */
START_TEST(hot_path_is_fast)
{
    butte_resources_t *avail = R("cpus:32;mem:131072;disk:1000000;ports:[31000-32000];gpus:4");
    butte_resources_t *ask = R("cpus:0.5;mem:512;ports:[31005-31006]");
    struct timespec t0, t1;
    double secs;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < 200000; i++) {
        ck_assert(butte_resources_contains(avail, ask));
        butte_resources_subtract(avail, ask);
        butte_resources_add_all(avail, ask);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    ck_assert_str_eq(F(avail), "cpus:32;mem:131072;disk:1000000;ports:[31000-32000];gpus:4");
    ck_assert_msg(secs < 5.0, "600k operations took %.2f s", secs);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("resources");
    TCase *tc = tcase_create("resources");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, fixed_point);
    tcase_add_test(tc, ranges_coalesce_and_difference);
    tcase_add_test(tc, ranges_contains);
    tcase_add_test(tc, sets);
    tcase_add_test(tc, reservation_identity);
    tcase_add_test(tc, contains_with_roles);
    tcase_add_test(tc, subtract_to_empty);
    tcase_add_test(tc, allocation);
    tcase_add_test(tc, filters_and_flatten);
    tcase_add_test(tc, atomic_resources);
    tcase_add_test(tc, add_validation);
    tcase_add_test(tc, quantities);
    tcase_add_test(tc, text_round_trip);
    tcase_add_test(tc, copies_are_independent);
    tcase_add_test(tc, hot_path_is_fast);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
