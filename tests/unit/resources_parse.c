/*
 * tests/unit/resources_parse.c - the flag formats of protocol §F:
 * --resources (text and JSON), --attributes, --min_allocatable_resources,
 * --weights; role names (feature row 80); agent resource detection on
 * this machine (row 27).
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <butte/resources.h>

static butte_pool_t *pool;
static butte_err_t err;

static void
setup(void)
{
    pool = butte_pool_create(NULL);
    memset(&err, 0, sizeof err);
}

static void
teardown(void)
{
    butte_pool_destroy(pool);
}

static butte_resources_t *
parse_ok(const char *text, const char *role)
{
    butte_resources_t *rs = NULL;

    ck_assert_msg(butte_resources_parse_role(pool, text, role, &rs, &err) == 0, "%s: %s", text,
                  err.msg);
    ck_assert_ptr_nonnull(rs);
    return rs;
}

/* The error message for text that must not parse. */
static const char *
parse_err(const char *text)
{
    butte_resources_t *rs = (butte_resources_t *)&rs;

    ck_assert_msg(butte_resources_parse_role(pool, text, "*", &rs, &err) == BUTTE_EINVAL,
                  "'%s' parsed", text);
    ck_assert_ptr_null(rs);
    return err.msg;
}

static const char *
F(const butte_resources_t *rs)
{
    return butte_resources_format(pool, rs);
}

START_TEST(text_form)
{
    butte_resources_t *rs =
        parse_ok("cpus:4;mem:8192;disk:40000;ports:[31000-32000];gpus(ml):2;zones:{a,b}", "*");
    const butte_res_t *gpus = butte_resources_at(rs, 4);

    ck_assert_uint_eq(butte_resources_count(rs), 6);
    ck_assert(butte_resources_scalar(rs, "cpus") == 4.0);
    ck_assert(butte_resources_scalar(rs, "mem") == 8192.0);
    ck_assert(butte_resources_scalar(rs, "disk") == 40000.0);
    ck_assert_int_eq(butte_resources_at(rs, 3)->type, BUTTE_VALUE_RANGES);
    ck_assert_uint_eq(butte_resources_at(rs, 3)->ranges[0].begin, 31000);
    ck_assert_uint_eq(butte_resources_at(rs, 3)->ranges[0].end, 32000);
    ck_assert_str_eq(gpus->name, "gpus");
    ck_assert_uint_eq(gpus->nreservations, 1);
    ck_assert_int_eq(gpus->reservations[0].type, BUTTE_RESERVATION_STATIC);
    ck_assert_str_eq(gpus->reservations[0].role, "ml");
    ck_assert_int_eq(butte_resources_at(rs, 5)->type, BUTTE_VALUE_SET);

    /* Whitespace anywhere is dropped; empty pieces are skipped. */
    ck_assert_str_eq(F(parse_ok(" cpus : 4 ;\n mem : 1 024 ;; ", "*")), "cpus:4;mem:1024");
    /* Zero values parse but are not kept. */
    ck_assert_str_eq(F(parse_ok("cpus:0;mem:1;ports:[];zones:{}", "*")), "mem:1");
    ck_assert(butte_resources_is_empty(parse_ok("", "*")));
    ck_assert(butte_resources_is_empty(parse_ok(NULL, NULL)));

    /* The default role applies to resources without one; (*) opts out. */
    ck_assert_str_eq(F(parse_ok("cpus:1;mem(*):2;disk(ops):3", "ml")),
                     "cpus(ml):1;mem:2;disk(ops):3");
    /* The same name in two roles is fine. */
    ck_assert_str_eq(F(parse_ok("cpus:1;cpus(ml):2", "*")), "cpus:1;cpus(ml):2");

    /* The three-argument form: default role "*", NULL on error. */
    ck_assert_str_eq(F(butte_resources_parse(pool, "cpus:2;mem:1024;ports:[31000-32000]", &err)),
                     "cpus:2;mem:1024;ports:[31000-32000]");
    ck_assert_ptr_null(butte_resources_parse(pool, "cpus:x", &err));
    ck_assert_str_eq(err.msg, "resource 'cpus': value 'x' is not a number");
}
END_TEST

START_TEST(text_errors)
{
    ck_assert_str_eq(parse_err("mem:abc"), "resource 'mem': value 'abc' is not a number");
    ck_assert_str_eq(parse_err("cpus:inf"), "resource 'cpus': value 'inf' is not a number");
    ck_assert_str_eq(parse_err("cpus:0x10"), "resource 'cpus': value '0x10' is not a number");
    ck_assert_str_eq(parse_err("cpus:1.2.3"), "resource 'cpus': value '1.2.3' is not a number");
    ck_assert_str_eq(parse_err("cpus:-1"), "resource 'cpus': value '-1' is negative");
    ck_assert_str_eq(parse_err("cpus:1e999"), "resource 'cpus': value '1e999' is too large");
    ck_assert_str_eq(parse_err("cpus"), "resource 'cpus': expected 'name:value'");
    ck_assert_str_eq(parse_err("cpus:1;mem"), "resource 'mem': expected 'name:value'");
    ck_assert_str_eq(parse_err(":4"), "resource ':4' has an empty name");
    ck_assert_str_eq(parse_err("cpus:"), "resource 'cpus': value is empty");
    ck_assert_str_eq(parse_err("cpus(ml:1"), "resource 'cpus': role has no closing ')'");
    ck_assert_str_eq(parse_err("cpus():1"), "resource 'cpus': role is empty");
    ck_assert_str_eq(parse_err("cpus(ml)1"), "resource 'cpus': expected ':' after the role");
    ck_assert_str_eq(parse_err("cpus(-x):1"),
                     "resource 'cpus': role '-x' is invalid: component '-x' starts with '-'");
    ck_assert_str_eq(parse_err("cpus:1;mem:2;cpus:3"),
                     "resource 'cpus' with role '*' is given more than once");
    ck_assert_str_eq(parse_err("gpus(ml):1;gpus(ml):1"),
                     "resource 'gpus' with role 'ml' is given more than once");
    ck_assert_str_eq(parse_err("foo:1;foo(ml):[1-2]"),
                     "resource 'foo' is given as both SCALAR and RANGES");
    ck_assert_str_eq(parse_err("ports:5"), "resource 'ports' must be RANGES, not SCALAR");
    ck_assert_str_eq(parse_err("mem:{a}"), "resource 'mem' must be SCALAR, not SET");
    ck_assert_str_eq(parse_err("ports:[1-5,3-8]"),
                     "resource 'ports': ranges '1-5' and '3-8' overlap");
    ck_assert_str_eq(parse_err("ports:[5-3]"), "resource 'ports': range '5-3' has begin > end");
    ck_assert_str_eq(parse_err("ports:[1-2"), "resource 'ports': value '[1-2' has no closing ']'");
    ck_assert_str_eq(parse_err("ports:[80]"), "resource 'ports': range '80' is not 'begin-end'");
    ck_assert_str_eq(parse_err("ports:[1-2,]"), "resource 'ports': range '' is not 'begin-end'");
    ck_assert_str_eq(parse_err("ports:[a-b]"), "resource 'ports': range 'a-b' is not 'begin-end'");
    ck_assert_str_eq(parse_err("ports:[1-99999999999999999999]"),
                     "resource 'ports': range '1-99999999999999999999' is out of range");
    ck_assert_str_eq(parse_err("zones:{a,a}"), "resource 'zones': item 'a' appears twice");
    ck_assert_str_eq(parse_err("zones:{a,}"), "resource 'zones': set has an empty item");
    ck_assert_str_eq(parse_err("zones:{a"), "resource 'zones': value '{a' has no closing '}'");

    butte_resources_t *rs;
    ck_assert_int_eq(butte_resources_parse_role(pool, "cpus:1", "a//b", &rs, &err), BUTTE_EINVAL);
    ck_assert_str_eq(err.msg, "default role: role 'a//b' is invalid: it has an empty component");
}
END_TEST

START_TEST(json_form)
{
    butte_resources_t *rs = parse_ok(
        "  [{\"name\":\"cpus\",\"type\":\"SCALAR\",\"scalar\":{\"value\":8}}, "
        "{\"name\":\"ports\",\"type\":\"RANGES\","
        "\"ranges\":{\"range\":[{\"begin\":31000,\"end\":31999}]}}, "
        "{\"name\":\"zones\",\"type\":\"SET\",\"set\":{\"item\":[\"x\",\"y\"]},\"role\":\"ops\"}]",
        "*");

    ck_assert_str_eq(F(rs), "cpus:8;ports:[31000-31999];zones(ops):{x,y}");
    ck_assert(butte_resources_equals(rs, parse_ok("cpus:8;ports:[31000-31999];zones(ops):{x,y}",
                                                  "*")));

    /* Numbers as strings, null as absent, unknown keys ignored, default role. */
    rs = parse_ok("[{\"name\":\"mem\",\"type\":\"SCALAR\",\"scalar\":{\"value\":\"1.5\"},"
                  "\"role\":null,\"color\":\"blue\"}]",
                  "ml");
    ck_assert_str_eq(F(rs), "mem(ml):1.5");

    /* Refinement format, legacy dynamic format, and the other fields. */
    rs = parse_ok("[{\"name\":\"cpus\",\"type\":\"SCALAR\",\"scalar\":{\"value\":1},"
                  "\"reservations\":[{\"type\":\"STATIC\",\"role\":\"eng\"},"
                  "{\"type\":\"DYNAMIC\",\"role\":\"eng/web\",\"principal\":\"p\"}]},"
                  "{\"name\":\"mem\",\"type\":\"SCALAR\",\"scalar\":{\"value\":2},"
                  "\"role\":\"ml\",\"reservation\":{\"principal\":\"q\"},"
                  "\"allocation_info\":{\"role\":\"ml/x\"},\"revocable\":{}},"
                  "{\"name\":\"disk\",\"type\":\"SCALAR\",\"scalar\":{\"value\":64},\"shared\":{},"
                  "\"disk\":{\"persistence\":{\"id\":\"v1\",\"principal\":\"p\"},"
                  "\"volume\":{\"container_path\":\"data\",\"mode\":\"RW\"},"
                  "\"source\":{\"type\":\"MOUNT\",\"mount\":{\"root\":\"/mnt/a\"}}}}]",
                  "*");
    ck_assert_uint_eq(butte_resources_count(rs), 3);
    const butte_res_t *c = butte_resources_at(rs, 0), *m = butte_resources_at(rs, 1),
                      *d = butte_resources_at(rs, 2);
    ck_assert_uint_eq(c->nreservations, 2);
    ck_assert_str_eq(butte_res_role(c), "eng/web");
    ck_assert_int_eq(c->reservations[1].type, BUTTE_RESERVATION_DYNAMIC);
    ck_assert_str_eq(c->reservations[1].principal, "p");
    ck_assert_int_eq(m->reservations[0].type, BUTTE_RESERVATION_DYNAMIC);
    ck_assert_str_eq(m->reservations[0].principal, "q");
    ck_assert_str_eq(m->allocation_role, "ml/x");
    ck_assert(m->revocable);
    ck_assert(d->shared);
    ck_assert_str_eq(d->disk->persistence_id, "v1");
    ck_assert_str_eq(d->disk->container_path, "data");
    ck_assert_int_eq(d->disk->volume_mode, 1);
    ck_assert_int_eq(d->disk->source_type, BUTTE_DISK_SOURCE_MOUNT);
    ck_assert_str_eq(d->disk->source_root, "/mnt/a");
    ck_assert_str_eq(F(rs), "cpus(eng/web):1;mem(ml)(allocated: ml/x){REV}:2;"
                            "disk[v1:data]<SHARED>:64");

    /* JSON entries with the same identity merge. */
    rs = parse_ok("[{\"name\":\"cpus\",\"type\":\"SCALAR\",\"scalar\":{\"value\":1}},"
                  "{\"name\":\"cpus\",\"type\":\"SCALAR\",\"scalar\":{\"value\":2}}]",
                  "*");
    ck_assert_str_eq(F(rs), "cpus:3");
}
END_TEST

START_TEST(json_errors)
{
    /* The middle is jansson's own wording. */
    const char *msg = parse_err("[{\"name\":\"cpus\"]");
    ck_assert_msg(strncmp(msg, "resources are not valid JSON: ", 30) == 0, "%s", msg);
    ck_assert_msg(strstr(msg, "(line 1, column 16)") != NULL, "%s", msg);
    ck_assert_str_eq(parse_err("[1]"), "resource #1 is not a JSON object");
    ck_assert_str_eq(parse_err("[{\"type\":\"SCALAR\"}]"), "resource #1 has no 'name'");
    ck_assert_str_eq(parse_err("[{\"name\":\"cpus\"}]"), "resource 'cpus': 'type' is missing");
    ck_assert_str_eq(parse_err("[{\"name\":\"cpus\",\"type\":0}]"),
                     "resource 'cpus': 'type' must be a name, not a number");
    ck_assert_str_eq(parse_err("[{\"name\":\"cpus\",\"type\":\"FOO\"}]"),
                     "resource 'cpus': unknown type 'FOO'");
    ck_assert_str_eq(parse_err("[{\"name\":\"cpus\",\"type\":\"TEXT\"}]"),
                     "resource 'cpus': type TEXT is not allowed for resources");
    ck_assert_str_eq(parse_err("[{\"name\":\"cpus\",\"type\":\"SCALAR\"}]"),
                     "resource 'cpus': type SCALAR needs 'scalar'");
    ck_assert_str_eq(parse_err("[{\"name\":\"cpus\",\"type\":\"SCALAR\","
                               "\"scalar\":{\"value\":\"x\"}}]"),
                     "resource 'cpus': 'scalar.value' is not a number");
    ck_assert_str_eq(parse_err("[{\"name\":\"cpus\",\"type\":\"SCALAR\","
                               "\"scalar\":{\"value\":-2}}]"),
                     "resource 'cpus': value -2 is negative");
    ck_assert_str_eq(parse_err("[{\"name\":\"ports\",\"type\":\"RANGES\","
                               "\"ranges\":{\"range\":[{\"begin\":5}]}}]"),
                     "resource 'ports': range 1 needs a non-negative 'begin' and 'end'");
    ck_assert_str_eq(parse_err("[{\"name\":\"ports\",\"type\":\"RANGES\",\"ranges\":{\"range\":"
                               "[{\"begin\":1,\"end\":5},{\"begin\":3,\"end\":8}]}}]"),
                     "resource 'ports': ranges '1-5' and '3-8' overlap");
    ck_assert_str_eq(parse_err("[{\"name\":\"z\",\"type\":\"SET\",\"set\":{\"item\":[1]}}]"),
                     "resource 'z': set item 1 is not a string");
    ck_assert_str_eq(parse_err("[{\"name\":\"cpus\",\"type\":\"SCALAR\",\"scalar\":{\"value\":1},"
                               "\"reservation\":{\"principal\":\"p\"}}]"),
                     "resource 'cpus': 'reservation' needs a 'role' other than '*'");
    ck_assert_str_eq(parse_err("[{\"name\":\"cpus\",\"type\":\"SCALAR\",\"scalar\":{\"value\":1},"
                               "\"reservations\":[{\"role\":\"eng\"}]}]"),
                     "resource 'cpus': reservation 1 has no valid type");
    ck_assert_str_eq(parse_err("[{\"name\":\"ports\",\"type\":\"SCALAR\","
                               "\"scalar\":{\"value\":1}}]"),
                     "resource 'ports' must be RANGES, not SCALAR");
}
END_TEST

START_TEST(attributes)
{
    butte_attributes_t *a = NULL;
    const butte_attr_t *e;

    ck_assert_int_eq(butte_attributes_parse(pool, "dc:ams1;row:7;tier:gold;slots:[10-20, 30-31]\n"
                                                  " rack : r1/a.b_c ; w:1.5;neg:-5;",
                                            &a, &err),
                     0);
    ck_assert_uint_eq(butte_attributes_count(a), 7);
    e = butte_attributes_at(a, 0);
    ck_assert_int_eq(e->type, BUTTE_VALUE_TEXT);
    ck_assert_str_eq(e->text, "ams1");
    e = butte_attributes_get(a, "row");
    ck_assert_int_eq(e->type, BUTTE_VALUE_SCALAR);
    ck_assert(e->scalar == 7.0);
    e = butte_attributes_get(a, "slots");
    ck_assert_int_eq(e->type, BUTTE_VALUE_RANGES);
    ck_assert_uint_eq(e->nranges, 2);
    ck_assert_str_eq(butte_attributes_get(a, "rack")->text, "r1/a.b_c");
    ck_assert(butte_attributes_get(a, "w")->scalar == 1.5);
    ck_assert_int_eq(butte_attributes_get(a, "neg")->type, BUTTE_VALUE_TEXT); /* not >= 0 */
    ck_assert_ptr_null(butte_attributes_get(a, "nope"));
    ck_assert_str_eq(butte_attributes_format(pool, a),
                     "dc:ams1;row:7;tier:gold;slots:[10-20,30-31];rack:r1/a.b_c;w:1.5;neg:-5");

    ck_assert_int_eq(butte_attributes_parse(pool, "", &a, &err), 0);
    ck_assert_uint_eq(butte_attributes_count(a), 0);

    ck_assert_int_eq(butte_attributes_parse(pool, "zones:{a,b}", &a, &err), BUTTE_EINVAL);
    ck_assert_ptr_null(a);
    ck_assert_str_eq(err.msg, "attribute 'zones': set values are not supported");
    ck_assert_int_eq(butte_attributes_parse(pool, "dc:a b", &a, &err), BUTTE_EINVAL);
    ck_assert_str_eq(err.msg, "attribute 'dc': value 'a b' has characters outside [a-zA-Z0-9_/.-]");
    ck_assert_int_eq(butte_attributes_parse(pool, "dc", &a, &err), BUTTE_EINVAL);
    ck_assert_str_eq(err.msg, "attribute 'dc': expected 'name:value'");
    ck_assert_int_eq(butte_attributes_parse(pool, "dc:", &a, &err), BUTTE_EINVAL);
    ck_assert_str_eq(err.msg, "attribute 'dc': value is empty");
    ck_assert_int_eq(butte_attributes_parse(pool, ":x", &a, &err), BUTTE_EINVAL);
    ck_assert_str_eq(err.msg, "attribute ':x' has an empty name");
    ck_assert_int_eq(butte_attributes_parse(pool, "s:[5-1]", &a, &err), BUTTE_EINVAL);
    ck_assert_str_eq(err.msg, "attribute 's': range '5-1' has begin > end");

    /* Built by hand, as the protobuf conversion will. */
    butte_attr_t t = { .size = sizeof t, .type = BUTTE_VALUE_SET, .name = "x" };
    a = butte_attributes_create(pool);
    ck_assert_int_eq(butte_attributes_add(a, &t, &err), BUTTE_EINVAL);
    ck_assert_str_eq(err.msg, "attribute 'x': type SET is not allowed for attributes");
    t.type = BUTTE_VALUE_TEXT;
    t.text = "ok";
    ck_assert_int_eq(butte_attributes_add(a, &t, &err), 0);
    ck_assert_str_eq(butte_attributes_format(pool, a), "x:ok");
}
END_TEST

START_TEST(min_allocatable)
{
    butte_quantities_t **alts = NULL;
    size_t n = 0;

    ck_assert_int_eq(butte_min_allocatable_parse(pool, "cpus:0.01|mem:32", &alts, &n, &err), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(butte_quantities_get_milli(alts[0], "cpus"), 10);
    ck_assert(butte_quantities_get(alts[1], "mem") == 32.0);
    ck_assert(butte_min_allocatable_met(
        alts, n, butte_resources_quantities(pool, parse_ok("cpus(ml):0.01", "*"))));
    ck_assert(!butte_min_allocatable_met(
        alts, n, butte_resources_quantities(pool, parse_ok("mem:31;cpus:0.009", "*"))));
    ck_assert(butte_min_allocatable_met(
        alts, n, butte_resources_quantities(pool, parse_ok("mem:32", "*"))));

    /* ';' is AND; ranges and sets count members. */
    ck_assert_int_eq(butte_min_allocatable_parse(
                         pool, " cpus:1 ; ports:[1-5] | mem:64;zones:{a,b} ", &alts, &n, &err),
                     0);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(butte_quantities_get_milli(alts[0], "ports"), 5000);
    ck_assert(butte_quantities_get(alts[1], "zones") == 2.0);
    ck_assert(butte_min_allocatable_met(
        alts, n, butte_resources_quantities(pool, parse_ok("cpus:1;ports:[10-14]", "*"))));
    ck_assert(!butte_min_allocatable_met(
        alts, n, butte_resources_quantities(pool, parse_ok("cpus:1;ports:[10-13]", "*"))));
    ck_assert(!butte_min_allocatable_met(alts, n, NULL));

    ck_assert_int_eq(butte_min_allocatable_parse(pool, "", &alts, &n, &err), 0);
    ck_assert_uint_eq(n, 0);
    ck_assert(butte_min_allocatable_met(alts, n, NULL));

    ck_assert_int_eq(butte_min_allocatable_parse(pool, "cpus(ml):1", &alts, &n, &err),
                     BUTTE_EINVAL);
    ck_assert_str_eq(err.msg, "resource 'cpus': a minimum quantity cannot have a role");
    ck_assert_int_eq(butte_min_allocatable_parse(pool, "cpus:1|mem:lots", &alts, &n, &err),
                     BUTTE_EINVAL);
    ck_assert_str_eq(err.msg, "resource 'mem': value 'lots' is not a number");
    ck_assert_int_eq(butte_min_allocatable_parse(pool, "cpus:1;cpus:2", &alts, &n, &err),
                     BUTTE_EINVAL);
    ck_assert_str_eq(err.msg, "resource 'cpus' with role '*' is given more than once");
    ck_assert_ptr_null(alts);
}
END_TEST

START_TEST(weights)
{
    butte_weight_t *w = NULL;
    size_t n = 0;

    ck_assert_int_eq(butte_weights_parse(pool, "ml=2,eng/web=0.5", &w, &n, &err), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(w[0].role, "ml");
    ck_assert(w[0].weight == 2.0);
    ck_assert_str_eq(w[1].role, "eng/web");
    ck_assert(w[1].weight == 0.5);
    ck_assert_int_eq(butte_weights_parse(pool, " a = 1 , b=2, a=3 ,", &w, &n, &err), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert(w[0].weight == 3.0);
    ck_assert_int_eq(butte_weights_parse(pool, "", &w, &n, &err), 0);
    ck_assert_uint_eq(n, 0);

    ck_assert_int_eq(butte_weights_parse(pool, "ml", &w, &n, &err), BUTTE_EINVAL);
    ck_assert_str_eq(err.msg, "weight 'ml' is not 'role=weight'");
    ck_assert_int_eq(butte_weights_parse(pool, "ml=1=2", &w, &n, &err), BUTTE_EINVAL);
    ck_assert_str_eq(err.msg, "weight 'ml=1=2' is not 'role=weight'");
    ck_assert_int_eq(butte_weights_parse(pool, "ml=0", &w, &n, &err), BUTTE_EINVAL);
    ck_assert_str_eq(err.msg, "role 'ml': weight '0' must be a positive number");
    ck_assert_int_eq(butte_weights_parse(pool, "ml=-1", &w, &n, &err), BUTTE_EINVAL);
    ck_assert_str_eq(err.msg, "role 'ml': weight '-1' must be a positive number");
    ck_assert_int_eq(butte_weights_parse(pool, "ml=abc", &w, &n, &err), BUTTE_EINVAL);
    ck_assert_str_eq(err.msg, "role 'ml': weight 'abc' is not a number");
    ck_assert_int_eq(butte_weights_parse(pool, "a b=1", &w, &n, &err), BUTTE_EINVAL);
    ck_assert_str_eq(err.msg, "role 'a b' is invalid: it contains whitespace or DEL");
    ck_assert_int_eq(butte_weights_parse(pool, "=1", &w, &n, &err), BUTTE_EINVAL);
    ck_assert_str_eq(err.msg, "role name is empty");
    ck_assert_ptr_null(w);
}
END_TEST

START_TEST(role_names)
{
    static const char *const valid[] = { "*", "eng", "eng/web", "a.b", "a-b", "x..y", "x.",
                                         "web*", "a/b/c", "ROLE_1", "\xc3\xa9t\xc3\xa9" };
    static const struct {
        const char *role, *msg;
    } invalid[] = {
        { "", "role name is empty" },
        { ".", "role '.' is invalid: component '.' is reserved" },
        { "..", "role '..' is invalid: component '..' is reserved" },
        { "-x", "role '-x' is invalid: component '-x' starts with '-'" },
        { "a/-b", "role 'a/-b' is invalid: component '-b' starts with '-'" },
        { "a b", "role 'a b' is invalid: it contains whitespace or DEL" },
        { "a\tb", "role 'a\tb' is invalid: it contains whitespace or DEL" },
        { "a\nb", "role 'a\nb' is invalid: it contains whitespace or DEL" },
        { "a\vb", "role 'a\vb' is invalid: it contains whitespace or DEL" },
        { "a\fb", "role 'a\fb' is invalid: it contains whitespace or DEL" },
        { "a\rb", "role 'a\rb' is invalid: it contains whitespace or DEL" },
        { "a\x7f", "role 'a\x7f' is invalid: it contains whitespace or DEL" },
        { "/a", "role '/a' is invalid: it starts with '/'" },
        { "a/", "role 'a/' is invalid: it ends with '/'" },
        { "a//b", "role 'a//b' is invalid: it has an empty component" },
        { "a/./b", "role 'a/./b' is invalid: component '.' is reserved" },
        { "a/../b", "role 'a/../b' is invalid: component '..' is reserved" },
        { "a/*", "role 'a/*' is invalid: component '*' is reserved" },
        { "*/a", "role '*/a' is invalid: component '*' is reserved" },
        { "**", NULL },
    };

    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++)
        ck_assert_msg(butte_role_valid(valid[i], &err) == 0, "'%s': %s", valid[i], err.msg);
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        if (invalid[i].msg == NULL) { /* "**" is a plain component: valid */
            ck_assert_int_eq(butte_role_valid(invalid[i].role, &err), 0);
            continue;
        }
        ck_assert_msg(butte_role_valid(invalid[i].role, &err) == BUTTE_EINVAL, "'%s' passed",
                      invalid[i].role);
        ck_assert_str_eq(err.msg, invalid[i].msg);
    }
    ck_assert_int_eq(butte_role_valid(NULL, NULL), BUTTE_EINVAL);

    ck_assert(butte_role_is_subrole("eng/web", "eng"));
    ck_assert(butte_role_is_subrole("eng", "eng"));
    ck_assert(!butte_role_is_subrole("engineering", "eng"));
    ck_assert(!butte_role_is_subrole("eng", "eng/web"));
    ck_assert(!butte_role_is_subrole("eng", "*"));
}
END_TEST

START_TEST(detect)
{
    butte_resources_t *rs = NULL;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

    ck_assert_int_eq(butte_resources_detect(pool, "/tmp", NULL, "*", &rs, &err), 0);
    ck_assert(butte_resources_scalar(rs, "cpus") >= 1.0);
    ck_assert(butte_resources_scalar(rs, "cpus") == (double)(ncpu > 0 ? ncpu : 1));
    ck_assert(butte_resources_scalar(rs, "mem") > 0.0);
    ck_assert(butte_resources_scalar(rs, "disk") >= 0.0);
    ck_assert(butte_resources_contains(rs, parse_ok("ports:[31000-32000]", "*")));
    ck_assert(!butte_resources_contains(rs, parse_ok("ports:[30999-30999]", "*")));
    ck_assert(!butte_resources_contains(rs, parse_ok("ports:[32001-32001]", "*")));
    ck_assert(butte_resources_is_empty(butte_resources_reserved(pool, rs, NULL)));

    /* What the text names wins, in any role; the rest is detected, disk
     * from the nearest existing parent of a work_dir not made yet. */
    ck_assert_int_eq(butte_resources_detect(pool, "/tmp/butte-no/such/dir",
                                            "cpus(ml):3;ports:[1-2]", "*", &rs, &err),
                     0);
    ck_assert(butte_resources_scalar(rs, "cpus") == 3.0);
    ck_assert_str_eq(F(butte_resources_reserved(pool, rs, "ml")), "cpus(ml):3");
    ck_assert(butte_resources_scalar(rs, "mem") > 0.0);
    ck_assert(butte_resources_scalar(rs, "disk") >= 0.0);
    ck_assert(butte_resources_contains(rs, parse_ok("ports:[1-2]", "*")));
    ck_assert(!butte_resources_contains(rs, parse_ok("ports:[31000-31000]", "*")));

    /* Given as 0 still counts as given: not detected, and no work_dir
     * needed. */
    ck_assert_int_eq(butte_resources_detect(pool, NULL, "disk:0", "*", &rs, &err), 0);
    ck_assert(butte_resources_scalar(rs, "disk") == 0.0);
    ck_assert(butte_resources_scalar(rs, "cpus") >= 1.0);

    /* Detected resources get the default role. */
    ck_assert_int_eq(butte_resources_detect(pool, "/", "mem:512", "ops", &rs, &err), 0);
    ck_assert(butte_resources_is_empty(butte_resources_unreserved(pool, rs)));
    ck_assert(butte_resources_scalar(rs, "mem") == 512.0);
    ck_assert(butte_resources_contains(rs, parse_ok("ports(ops):[31000-32000]", "*")));

    ck_assert_int_eq(butte_resources_detect(pool, "/tmp", "mem:x", "*", &rs, &err), BUTTE_EINVAL);
    ck_assert_ptr_null(rs);
    ck_assert_str_eq(err.msg, "resource 'mem': value 'x' is not a number");
    ck_assert_int_eq(butte_resources_detect(pool, NULL, "cpus:1", "*", &rs, &err), BUTTE_EINVAL);
    ck_assert_str_eq(err.msg, "cannot detect disk: work_dir is not set");
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("resources_parse");
    TCase *tc = tcase_create("resources_parse");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, text_form);
    tcase_add_test(tc, text_errors);
    tcase_add_test(tc, json_form);
    tcase_add_test(tc, json_errors);
    tcase_add_test(tc, attributes);
    tcase_add_test(tc, min_allocatable);
    tcase_add_test(tc, weights);
    tcase_add_test(tc, role_names);
    tcase_add_test(tc, detect);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
