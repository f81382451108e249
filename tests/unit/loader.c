/*
 * tests/unit/loader.c - the module loader against the deliberately broken
 * modules of tests/modules/ (BUTTE_TEST_MODDIR) and the first-party
 * paramlog module (BUTTE_MODULE_DIR).  Error lines are asserted word for
 * word: they are what an operator sees when start-up stops.
 */
#include "config.h"

#include <stddef.h>
#include <check.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <butte/isolator.h>

#include "core/loader-internal.h"

static butte_pool_t *pool;
static const char *testdir;

static void
setup(void)
{
    testdir = getenv("BUTTE_TEST_MODDIR");
    ck_assert_msg(testdir != NULL, "BUTTE_TEST_MODDIR is not set (run through make check)");
    pool = butte_pool_create(NULL);
}

static void
teardown(void)
{
    butte_loader_set_abi_minor_for_test(BUTTE_ABI_MINOR);
    butte_pool_destroy(pool);
}

static const char *
lib(const char *name)
{
    return butte_pool_printf(pool, "%s/%s.so", testdir, name);
}

/* A one-library manifest; params is a JSON list body or NULL. */
static const char *
manifest(const char *library, const char *module, const char *params)
{
    return butte_pool_printf(pool,
                             "{\"libraries\": [{\"file\": \"%s\", \"modules\": ["
                             "{\"name\": \"%s\", \"parameters\": [%s]}]}]}",
                             lib(library), module, params != NULL ? params : "");
}

static butte_modules_t *
open_text(const char *text, butte_err_t *err)
{
    return butte_modules_open(pool, NULL, text, NULL, testdir, err);
}

/* Loading module from library must fail with exactly reason. */
static void
expect_reject(const char *library, const char *module, const char *reason)
{
    butte_err_t err = { 0 };
    char *want = butte_pool_printf(pool, "modules: library \"%s\": module \"%s\": %s",
                                   lib(library), module, reason);

    ck_assert_ptr_null(open_text(manifest(library, module, NULL), &err));
    ck_assert_int_lt(err.code, 0);
    ck_assert_str_eq(err.msg, want);
}

/* The address of a variable a loaded test module exports. */
static void *
module_var(const char *library, const char *var)
{
    void *h = dlopen(lib(library), RTLD_NOW | RTLD_NOLOAD);
    void *p;

    ck_assert_msg(h != NULL, "%s is not loaded", library);
    p = dlsym(h, var);
    ck_assert_ptr_nonnull(p);
    dlclose(h); /* drops only the reference RTLD_NOLOAD took */
    return p;
}

/* good_anonymous's create() and destroy() counters.  Compared as deltas so
 * the tests also pass with CK_FORK=no, where the library stays loaded. */
static int
counter(const char *name)
{
    return *(int *)module_var("good_anonymous", name);
}

START_TEST(rejects_guard_fields)
{
    char *reason;

    expect_reject("bad_magic", "bad_magic", "bad magic 0xdeadbeef, not a Butte module");
    reason = butte_pool_printf(pool, "built for ABI %u.0, kernel has %u.%u", BUTTE_ABI_MAJOR + 1,
                               BUTTE_ABI_MAJOR, BUTTE_ABI_MINOR);
    expect_reject("newer_major", "newer_major", reason);
    reason = butte_pool_printf(pool, "built for ABI %u.%u, kernel has %u.%u", BUTTE_ABI_MAJOR,
                               BUTTE_ABI_MINOR + 1, BUTTE_ABI_MAJOR, BUTTE_ABI_MINOR);
    expect_reject("newer_minor", "newer_minor", reason);
    reason = butte_pool_printf(pool, "descriptor size 16 is smaller than %zu (ABI 1.0)",
                               sizeof(butte_module_t));
    expect_reject("bad_magic", "bad_magic_small", reason);
    expect_reject("wrong_kind", "wrong_kind", "unknown kind 999");
}
END_TEST

START_TEST(rejects_symbols)
{
    butte_err_t err = { 0 };

    expect_reject("no_symbol", "no_symbol", "no symbol \"no_symbol\" in library");
    expect_reject("no_symbol", "no_symbol_other",
                  "descriptor name \"no_symbol_renamed\" does not match the symbol");
    expect_reject("no_symbol", "no_symbol_nocreate", "descriptor has no create()");

    ck_assert_ptr_null(open_text(manifest("does_not_exist", "x", NULL), &err));
    ck_assert_int_eq(err.code, BUTTE_ENOTFOUND);
    ck_assert_msg(strstr(err.msg, "module \"x\": cannot open library: ") != NULL, "%s", err.msg);
    ck_assert_msg(strstr(err.msg, "does_not_exist.so: cannot open shared object file") != NULL,
                  "%s", err.msg);
}
END_TEST

START_TEST(rejects_ops)
{
    char *reason = butte_pool_printf(pool,
                                     "isolator operations table size 8 is smaller than %zu "
                                     "(ABI 1.0)",
                                     /* the 1.0 table ends after cleanup */
                                     offsetof(butte_isolator_ops_t, cleanup) +
                                         sizeof(void (*)(void)));

    expect_reject("small_ops", "small_ops", reason);
    expect_reject("small_ops", "small_ops_null",
                  "isolator operations table is missing (ops is NULL)");
    expect_reject("missing_slot", "missing_slot",
                  "required operation \"prepare\" of kind isolator is missing");
    reason = butte_pool_printf(pool, "compatible() refused kernel %s", BUTTE_VERSION);
    expect_reject("incompatible", "incompatible", reason);
}
END_TEST

START_TEST(rejects_manifest_errors)
{
    butte_err_t err = { 0 };

    ck_assert_ptr_null(open_text("{bad", &err));
    ck_assert_str_eq(err.msg, "modules: --modules: invalid JSON at line 1, column 4: "
                              "string or '}' expected near 'bad'");
    ck_assert_ptr_null(butte_modules_open(pool, NULL, "{}", testdir, NULL, &err));
    ck_assert_str_eq(err.msg, "modules: --modules and --modules_dir cannot both be given");
}
END_TEST

START_TEST(parameters_reach_create)
{
    butte_err_t err = { 0 };
    butte_modules_t *mods = open_text(
        manifest("good_isolator", "good_isolator",
                 "{\"key\": \"b\", \"value\": \"2\"}, {\"key\": \"a\", \"value\": \"x y\"}"),
        &err);
    butte_instance_t *inst;
    const butte_isolator_ops_t *ops;

    ck_assert_msg(mods != NULL, "%s", err.msg);
    inst = butte_modules_create(mods, "good_isolator", BUTTE_KIND_ISOLATOR, &err);
    ck_assert_msg(inst != NULL, "%s", err.msg);
    ck_assert_str_eq(module_var("good_isolator", "good_isolator_params"), "b=2;a=x y;");
    ck_assert_str_eq(butte_instance_name(inst), "good_isolator");
    ck_assert_ptr_nonnull(butte_instance_log(inst));
    ck_assert_ptr_nonnull(butte_instance_pool(inst));
    ck_assert_ptr_null(butte_instance_loop(inst));
    ck_assert_str_eq(butte_instance_module(inst)->name, "good_isolator");

    /* The kernel's copy of the ops table. */
    ops = butte_instance_ops(inst);
    ck_assert_ptr_nonnull(ops->prepare);
    ck_assert_ptr_null(ops->watch);
    ck_assert_uint_eq(ops->features, BUTTE_ISO_F_NESTING);
    ck_assert_ptr_ne(ops, butte_instance_module(inst)->ops);
    butte_modules_close(mods);
}
END_TEST

START_TEST(create_checks_name_and_kind)
{
    butte_err_t err = { 0 };
    butte_modules_t *mods = open_text(manifest("good_isolator", "good_isolator", NULL), &err);
    char *want;

    ck_assert_ptr_nonnull(mods);
    ck_assert_ptr_null(butte_modules_create(mods, "nope", BUTTE_KIND_ISOLATOR, &err));
    ck_assert_int_eq(err.code, BUTTE_ENOTFOUND);
    ck_assert_str_eq(err.msg, "modules: module \"nope\" is not loaded");
    ck_assert_ptr_null(butte_modules_create(mods, "good_isolator", BUTTE_KIND_ALLOCATOR, &err));
    want = butte_pool_printf(pool,
                             "modules: library \"%s\": module \"good_isolator\": module is of "
                             "kind isolator, not allocator",
                             lib("good_isolator"));
    ck_assert_str_eq(err.msg, want);
}
END_TEST

static void
count_module(const char *library, const butte_module_t *m, const butte_params_t *params,
             void *arg)
{
    (*(int *)arg)++;
}

START_TEST(duplicate_identical_is_noop)
{
    butte_err_t err = { 0 };
    const char *param = "{\"key\": \"k\", \"value\": \"v\"}";
    /* The same module twice in one manifest, then a bare file name found
     * through module_dir that resolves to the same library. */
    const char *text = butte_pool_printf(
        pool,
        "{\"libraries\": [{\"file\": \"%s\", \"modules\": ["
        "{\"name\": \"good_anonymous\", \"parameters\": [%s]},"
        "{\"name\": \"good_anonymous\", \"parameters\": [%s]}]},"
        "{\"file\": \"good_anonymous.so\", \"modules\": ["
        "{\"name\": \"good_anonymous\", \"parameters\": [%s]}]}]}",
        lib("good_anonymous"), param, param, param);
    butte_modules_t *mods = open_text(text, &err);
    int n = 0, created, destroyed;

    ck_assert_msg(mods != NULL, "%s", err.msg);
    butte_modules_foreach(mods, count_module, &n);
    ck_assert_int_eq(n, 1);
    created = counter("good_anonymous_created");
    destroyed = counter("good_anonymous_destroyed");
    ck_assert_int_eq(butte_modules_create_anonymous(mods, &err), 0);
    ck_assert_int_eq(counter("good_anonymous_created"), created + 1);
    ck_assert_str_eq(module_var("good_anonymous", "good_anonymous_params"), "good_anonymous|k=v;");
    butte_modules_close(mods);
    ck_assert_int_eq(counter("good_anonymous_destroyed"), destroyed + 1);
}
END_TEST

START_TEST(duplicate_conflicting_is_rejected)
{
    butte_err_t err = { 0 };
    const char *text = butte_pool_printf(
        pool,
        "{\"libraries\": [{\"file\": \"%s\", \"modules\": ["
        "{\"name\": \"good_anonymous\", \"parameters\": [{\"key\": \"a\", \"value\": \"1\"},"
        "                                                 {\"key\": \"b\", \"value\": \"2\"}]},"
        "{\"name\": \"good_anonymous\", \"parameters\": [{\"key\": \"b\", \"value\": \"2\"},"
        "                                                 {\"key\": \"a\", \"value\": \"1\"}]}]}]}",
        lib("good_anonymous"));
    char *want = butte_pool_printf(pool,
                                   "modules: library \"%s\": module \"good_anonymous\": "
                                   "duplicate module: already loaded from \"%s\" with other "
                                   "parameters",
                                   lib("good_anonymous"), lib("good_anonymous"));

    ck_assert_ptr_null(open_text(text, &err));
    ck_assert_int_eq(err.code, BUTTE_ECONFLICT);
    ck_assert_str_eq(err.msg, want);
}
END_TEST

START_TEST(create_failure_destroys_everything)
{
    butte_err_t err = { 0 };
    const char *text = butte_pool_printf(
        pool,
        "{\"libraries\": [{\"file\": \"%s\", \"modules\": [{\"name\": \"good_anonymous\"}]},"
        "{\"file\": \"%s\", \"modules\": [{\"name\": \"good_isolator\"}]},"
        "{\"file\": \"%s\", \"modules\": [{\"name\": \"create_fails\"}]}]}",
        lib("good_anonymous"), lib("good_isolator"), lib("create_fails"));
    butte_modules_t *mods = open_text(text, &err);
    char *want = butte_pool_printf(pool,
                                   "modules: library \"%s\": module \"create_fails\": "
                                   "create() failed: refusing to start",
                                   lib("create_fails"));
    int created, destroyed;

    ck_assert_msg(mods != NULL, "%s", err.msg);
    created = counter("good_anonymous_created");
    destroyed = counter("good_anonymous_destroyed");
    ck_assert_ptr_nonnull(butte_modules_create(mods, "good_isolator", BUTTE_KIND_ISOLATOR, &err));
    ck_assert_int_eq(butte_modules_create_anonymous(mods, &err), BUTTE_EINVAL);
    ck_assert_str_eq(err.msg, want);
    ck_assert_int_eq(counter("good_anonymous_created"), created + 1);
    ck_assert_int_eq(counter("good_anonymous_destroyed"), destroyed + 1);
    butte_modules_close(mods); /* nothing left; must be harmless */
    ck_assert_int_eq(counter("good_anonymous_destroyed"), destroyed + 1);
}
END_TEST

START_TEST(older_minor_loads_on_newer_kernel)
{
    butte_err_t err = { 0 };
    const char *text = butte_pool_printf(
        pool,
        "{\"libraries\": [{\"file\": \"%s\", \"modules\": [{\"name\": \"older_minor\"}]},"
        "{\"file\": \"%s\", \"modules\": [{\"name\": \"newer_minor\"}]}]}",
        lib("older_minor"), lib("newer_minor"));
    butte_modules_t *mods;

    ck_assert_uint_eq(butte_kernel_abi(), (BUTTE_ABI_MAJOR << 16) | BUTTE_ABI_MINOR);
    /* Same kernel minor: the 1.0 module loads, the newer one does not. */
    ck_assert_ptr_nonnull(open_text(manifest("older_minor", "older_minor", NULL), &err));
    ck_assert_ptr_null(open_text(text, &err));

    /* A kernel one minor ahead takes both, without rebuilding either. */
    butte_loader_set_abi_minor_for_test(BUTTE_ABI_MINOR + 1);
    ck_assert_uint_eq(butte_kernel_abi(), (BUTTE_ABI_MAJOR << 16) | (BUTTE_ABI_MINOR + 1));
    mods = open_text(text, &err);
    ck_assert_msg(mods != NULL, "%s", err.msg);
    ck_assert_int_eq(butte_modules_create_anonymous(mods, &err), 0);
    butte_modules_close(mods);
}
END_TEST

START_TEST(first_party_by_name)
{
    const char *moddir = getenv("BUTTE_MODULE_DIR");
    butte_err_t err = { 0 };
    butte_modules_t *mods;
    butte_instance_t *inst;

    ck_assert_msg(moddir != NULL, "BUTTE_MODULE_DIR is not set (run through make check)");
    mods = butte_modules_open(pool, NULL, NULL, NULL, moddir, &err);
    ck_assert_msg(mods != NULL, "%s", err.msg);
    ck_assert_int_eq(butte_modules_add_library(mods, "paramlog", "org_apache_mesos_ParamLog", &err),
                     0);
    /* Again: already loaded, nothing to do. */
    ck_assert_int_eq(butte_modules_add_library(mods, "paramlog", "org_apache_mesos_ParamLog", &err),
                     0);
    inst = butte_modules_create(mods, "org_apache_mesos_ParamLog", BUTTE_KIND_ANONYMOUS, &err);
    ck_assert_msg(inst != NULL, "%s", err.msg);
    ck_assert_str_eq(butte_kind_name(butte_instance_module(inst)->kind), "anonymous");
    butte_modules_close(mods);

    ck_assert_int_eq(butte_modules_add_library(mods, "nosuchmodule", "x", &err), BUTTE_ENOTFOUND);
    ck_assert_msg(strstr(err.msg, "modules: library \"libnosuchmodule.so\": module \"x\": "
                                  "cannot open library: ") == err.msg,
                  "%s", err.msg);
}
END_TEST

/* Run fn(arg) with stderr (where the log sink writes) captured in pool. */
static char *
capture_stderr(void (*fn)(void *), void *arg)
{
    FILE *tmp = tmpfile();
    int saved = dup(STDERR_FILENO);
    char *out = butte_pool_alloc(pool, 4096);
    size_t n;

    ck_assert_ptr_nonnull(tmp);
    ck_assert_int_ge(saved, 0);
    ck_assert_int_ge(dup2(fileno(tmp), STDERR_FILENO), 0);
    fn(arg);
    dup2(saved, STDERR_FILENO);
    close(saved);
    rewind(tmp);
    n = fread(out, 1, 4095, tmp);
    out[n] = '\0';
    fclose(tmp);
    return out;
}

static void
create_and_close(void *arg)
{
    butte_err_t err = { 0 };

    ck_assert_int_eq(butte_modules_create_anonymous(arg, &err), 0);
    butte_modules_close(arg);
}

START_TEST(paramlog_logs_parameters)
{
    butte_err_t err = { 0 };
    butte_modules_t *mods;
    char *logged;

    /* "name": "paramlog" is libparamlog.so, found in BUTTE_MODULE_DIR. */
    mods = butte_modules_open(pool, NULL,
                              "{\"libraries\": [{\"name\": \"paramlog\", \"modules\": ["
                              "{\"name\": \"org_apache_mesos_ParamLog\", \"parameters\": ["
                              "{\"key\": \"greeting\", \"value\": \"hello\"},"
                              "{\"key\": \"answer\", \"value\": \"42\"}]}]}]}",
                              NULL, getenv("BUTTE_MODULE_DIR"), &err);
    ck_assert_msg(mods != NULL, "%s", err.msg);
    logged = capture_stderr(create_and_close, mods);
    ck_assert_msg(strstr(logged, "anonymous:org_apache_mesos_ParamLog] parameter greeting=hello\n")
                      != NULL,
                  "%s", logged);
    ck_assert_msg(strstr(logged, "anonymous:org_apache_mesos_ParamLog] parameter answer=42\n")
                      != NULL,
                  "%s", logged);
    ck_assert_msg(strstr(logged, "anonymous:org_apache_mesos_ParamLog] destroyed\n") != NULL, "%s",
                  logged);
}
END_TEST

START_TEST(params_get_and_kinds)
{
    static const butte_param_t items[] = { { "a", "1" }, { "b", "2" }, { "a", "3" } };
    const butte_params_t params = { 3, items };

    ck_assert_str_eq(butte_params_get(&params, "a"), "3");
    ck_assert_str_eq(butte_params_get(&params, "b"), "2");
    ck_assert_ptr_null(butte_params_get(&params, "c"));
    ck_assert_str_eq(butte_kind_name(BUTTE_KIND_ISOLATOR), "isolator");
    ck_assert_str_eq(butte_kind_name(BUTTE_KIND_HTTP_AUTHENTICATOR), "http_authenticator");
    ck_assert_ptr_null(butte_kind_name(0));
    ck_assert_ptr_null(butte_kind_name(999));
    ck_assert_str_eq(butte_kernel_version(), BUTTE_VERSION);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("loader");
    TCase *tc = tcase_create("loader");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, rejects_guard_fields);
    tcase_add_test(tc, rejects_symbols);
    tcase_add_test(tc, rejects_ops);
    tcase_add_test(tc, rejects_manifest_errors);
    tcase_add_test(tc, parameters_reach_create);
    tcase_add_test(tc, create_checks_name_and_kind);
    tcase_add_test(tc, duplicate_identical_is_noop);
    tcase_add_test(tc, duplicate_conflicting_is_rejected);
    tcase_add_test(tc, create_failure_destroys_everything);
    tcase_add_test(tc, older_minor_loads_on_newer_kernel);
    tcase_add_test(tc, first_party_by_name);
    tcase_add_test(tc, paramlog_logs_parameters);
    tcase_add_test(tc, params_get_and_kinds);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
