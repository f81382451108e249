/*
 * tests/unit/manifest.c - --modules / --modules_dir manifests: JSON and
 * YAML, the flag forms, folder order, and every error line word for word.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/manifest-internal.h"

static butte_pool_t *pool;
static char tmpdir[64];

static void
setup(void)
{
    pool = butte_pool_create(NULL);
    snprintf(tmpdir, sizeof tmpdir, "/tmp/butte-manifest-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void
teardown(void)
{
    char cmd[128];

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
    butte_pool_destroy(pool);
}

static const char *
write_file(const char *dir, const char *name, const char *text)
{
    char *path = butte_pool_printf(pool, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");

    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    return path;
}

/* Parse text (JSON unless yaml) and expect the exact error line. */
static void
expect_parse_error(const char *text, bool yaml, const char *want)
{
    butte_err_t err = { 0 };

    ck_assert_ptr_null(butte_manifest_parse(pool, text, yaml, "--modules", &err));
    ck_assert_int_eq(err.code, BUTTE_EINVAL);
    ck_assert_str_eq(err.msg, want);
}

/* A butte_manifest_fn that records each manifest's origin, in order. */
typedef struct seen {
    size_t n;
    const char *origins[8];
    const butte_manifest_t *last;
} seen_t;

static int
record(const butte_manifest_t *m, void *arg, butte_err_t *err)
{
    seen_t *s = arg;

    if (s->n < 8)
        s->origins[s->n] = m->origin;
    s->n++;
    s->last = m;
    return 0;
}

static const char good_json[] =
    "{\"libraries\": ["
    " {\"file\": \"/opt/libx.so\", \"modules\": ["
    "   {\"name\": \"com_x_A\", \"parameters\": [{\"key\": \"k1\", \"value\": \"v1\"},"
    "                                           {\"key\": \"k2\", \"value\": \"\"}]},"
    "   {\"name\": \"com_x_B\"}]},"
    " {\"name\": \"y\", \"file\": null}]}";

START_TEST(json_parses)
{
    butte_err_t err = { 0 };
    butte_manifest_t *m = butte_manifest_parse(pool, good_json, false, "--modules", &err);

    ck_assert_msg(m != NULL, "%s", err.msg);
    ck_assert_str_eq(m->origin, "--modules");
    ck_assert_uint_eq(m->n_libraries, 2);
    ck_assert_str_eq(m->libraries[0].file, "/opt/libx.so");
    ck_assert_ptr_null(m->libraries[0].name);
    ck_assert_uint_eq(m->libraries[0].n_modules, 2);
    ck_assert_str_eq(m->libraries[0].modules[0].name, "com_x_A");
    ck_assert_uint_eq(m->libraries[0].modules[0].params.count, 2);
    ck_assert_str_eq(m->libraries[0].modules[0].params.items[0].key, "k1");
    ck_assert_str_eq(m->libraries[0].modules[0].params.items[0].value, "v1");
    ck_assert_str_eq(m->libraries[0].modules[0].params.items[1].value, "");
    ck_assert_str_eq(butte_params_get(&m->libraries[0].modules[0].params, "k1"), "v1");
    ck_assert_ptr_null(butte_params_get(&m->libraries[0].modules[0].params, "nope"));
    ck_assert_uint_eq(m->libraries[0].modules[1].params.count, 0);
    ck_assert_ptr_null(m->libraries[1].file); /* null counts as absent */
    ck_assert_str_eq(m->libraries[1].name, "y");
    ck_assert_uint_eq(m->libraries[1].n_modules, 0);
}
END_TEST

START_TEST(json_empty_object)
{
    butte_err_t err = { 0 };
    butte_manifest_t *m = butte_manifest_parse(pool, "{}", false, "--modules", &err);

    ck_assert_ptr_nonnull(m);
    ck_assert_uint_eq(m->n_libraries, 0);
}
END_TEST

START_TEST(json_syntax_errors)
{
    expect_parse_error("{bad", false,
                       "modules: --modules: invalid JSON at line 1, column 4: "
                       "string or '}' expected near 'bad'");
    expect_parse_error("{\"libraries\": [], \"libraries\": []}", false,
                       "modules: --modules: invalid JSON at line 1, column 29: "
                       "duplicate object key near '\"libraries\"'");
}
END_TEST

START_TEST(schema_errors)
{
    expect_parse_error("[]", false,
                       "modules: --modules: a manifest must be an object with \"libraries\"");
    expect_parse_error("{\"librarys\": []}", false, "modules: --modules: unknown key \"librarys\"");
    expect_parse_error("{\"libraries\": {}}", false,
                       "modules: --modules: \"libraries\" must be a list");
    expect_parse_error("{\"libraries\": [{\"flie\": \"x\"}]}", false,
                       "modules: --modules: libraries[0]: unknown key \"flie\"");
    expect_parse_error("{\"libraries\": [{\"modules\": []}]}", false,
                       "modules: --modules: libraries[0]: \"file\" or \"name\" is required");
    expect_parse_error("{\"libraries\": [{\"file\": 7}]}", false,
                       "modules: --modules: libraries[0]: \"file\" must be a string");
    expect_parse_error("{\"libraries\": [{\"file\": \"\"}]}", false,
                       "modules: --modules: libraries[0]: \"file\" must not be empty");
    expect_parse_error("{\"libraries\": [{\"name\": \"x\", \"modules\": [{}]}]}", false,
                       "modules: --modules: libraries[0].modules[0]: \"name\" is required");
    expect_parse_error("{\"libraries\": [{\"name\": \"x\", \"modules\": ["
                       "{\"name\": \"a\"}, {\"name\": \"b\", \"parameters\": ["
                       "{\"key\": \"k\", \"value\": \"v\"}, {\"key\": \"k2\"}]}]}]}",
                       false,
                       "modules: --modules: libraries[0].modules[1].parameters[1]: "
                       "\"value\" is required");
    expect_parse_error("{\"libraries\": [{\"name\": \"x\", \"modules\": [{\"name\": \"a\", "
                       "\"parameters\": [{\"value\": \"v\"}]}]}]}",
                       false,
                       "modules: --modules: libraries[0].modules[0].parameters[0]: "
                       "\"key\" is required");
    expect_parse_error("{\"libraries\": [{\"name\": \"x\", \"modules\": [{\"name\": \"a\", "
                       "\"parameters\": [{\"key\": \"k\", \"value\": 1}]}]}]}",
                       false,
                       "modules: --modules: libraries[0].modules[0].parameters[0]: "
                       "\"value\" must be a string");
    expect_parse_error("{\"libraries\": [{\"name\": \"x\", \"modules\": [{\"name\": \"a\", "
                       "\"params\": []}]}]}",
                       false,
                       "modules: --modules: libraries[0].modules[0]: unknown key \"params\"");
    expect_parse_error("{\"libraries\": [\"x\"]}", false,
                       "modules: --modules: libraries[0]: must be an object");
}
END_TEST

static const char good_yaml[] =
    "libraries:\n"
    "  - file: /opt/libx.so\n"
    "    modules:\n"
    "      - name: com_x_A\n"
    "        parameters:\n"
    "          - key: answer\n"
    "            value: 42\n"
    "          - key: quoted\n"
    "            value: \"\"\n";

START_TEST(yaml_parses)
{
    butte_err_t err = { 0 };
    butte_manifest_t *m = butte_manifest_parse(pool, good_yaml, true, "--modules", &err);

    ck_assert_msg(m != NULL, "%s", err.msg);
    ck_assert_uint_eq(m->n_libraries, 1);
    ck_assert_str_eq(m->libraries[0].file, "/opt/libx.so");
    ck_assert_str_eq(m->libraries[0].modules[0].name, "com_x_A");
    /* Scalars are text: 42 arrives as "42". */
    ck_assert_str_eq(m->libraries[0].modules[0].params.items[0].value, "42");
    ck_assert_str_eq(m->libraries[0].modules[0].params.items[1].value, "");
}
END_TEST

START_TEST(yaml_errors)
{
    expect_parse_error("libraries: [\n", true,
                       "modules: --modules: invalid YAML at line 2, column 1: "
                       "did not find expected node content");
    expect_parse_error("", true, "modules: --modules: the manifest is empty");
    /* A plain empty value is YAML's null, i.e. absent. */
    expect_parse_error("libraries:\n  - name: x\n    modules:\n      - name: a\n"
                       "        parameters:\n          - key: k\n            value:\n",
                       true,
                       "modules: --modules: libraries[0].modules[0].parameters[0]: "
                       "\"value\" is required");
    expect_parse_error("libraries: []\nlibraries: []\n", true,
                       "modules: --modules: invalid YAML at line 2: duplicate key \"libraries\"");
    expect_parse_error("libraries:\n  - name: x\n    colour: red\n", true,
                       "modules: --modules: libraries[0]: unknown key \"colour\"");
    /* An anchor that contains itself must not recurse forever. */
    expect_parse_error("libraries: &a [*a]\n", true,
                       "modules: --modules: invalid YAML: nesting too deep or too large");
}
END_TEST

START_TEST(flags_inline_json_and_yaml)
{
    butte_err_t err = { 0 };
    seen_t s = { 0 };

    ck_assert_int_eq(butte_manifest_load(pool, good_json, NULL, record, &s, &err), 0);
    ck_assert_uint_eq(s.n, 1);
    ck_assert_str_eq(s.origins[0], "--modules");
    /* Text with a newline that is not JSON is inline YAML. */
    ck_assert_int_eq(butte_manifest_load(pool, good_yaml, NULL, record, &s, &err), 0);
    ck_assert_uint_eq(s.n, 2);
    ck_assert_str_eq(s.last->libraries[0].modules[0].name, "com_x_A");
    /* Neither flag: nothing to do. */
    ck_assert_int_eq(butte_manifest_load(pool, NULL, NULL, record, &s, &err), 0);
    ck_assert_uint_eq(s.n, 2);
}
END_TEST

START_TEST(flags_files)
{
    butte_err_t err = { 0 };
    seen_t s = { 0 };
    const char *json = write_file(tmpdir, "m.json", good_json);
    const char *yaml = write_file(tmpdir, "m.yml", good_yaml);
    char *flag = butte_pool_printf(pool, "file://%s", json);

    ck_assert_int_eq(butte_manifest_load(pool, flag, NULL, record, &s, &err), 0);
    ck_assert_str_eq(s.origins[0], butte_pool_printf(pool, "manifest \"%s\"", json));
    /* A bare path still works (deprecated, logs a warning). */
    ck_assert_int_eq(butte_manifest_load(pool, json, NULL, record, &s, &err), 0);
    /* .yml files are YAML. */
    flag = butte_pool_printf(pool, "file://%s", yaml);
    ck_assert_int_eq(butte_manifest_load(pool, flag, NULL, record, &s, &err), 0);
    ck_assert_uint_eq(s.n, 3);
    ck_assert_str_eq(s.last->libraries[0].modules[0].params.items[0].value, "42");
}
END_TEST

START_TEST(flags_errors)
{
    butte_err_t err = { 0 };
    seen_t s = { 0 };
    const char *bad = write_file(tmpdir, "bad.json", "{\"libraries\": 1}");
    char *missing = butte_pool_printf(pool, "%s/missing.json", tmpdir);
    char *want;

    ck_assert_int_eq(butte_manifest_load(pool, good_json, tmpdir, record, &s, &err),
                     BUTTE_EINVAL);
    ck_assert_str_eq(err.msg, "modules: --modules and --modules_dir cannot both be given");

    ck_assert_int_eq(butte_manifest_load(pool, "  \n", NULL, record, &s, &err), BUTTE_EINVAL);
    ck_assert_str_eq(err.msg, "modules: --modules is empty");

    ck_assert_int_eq(butte_manifest_load(pool, butte_pool_printf(pool, "file://%s", missing),
                                         NULL, record, &s, &err),
                     BUTTE_EIO);
    want = butte_pool_printf(pool,
                             "modules: cannot read manifest \"%s\": No such file or directory",
                             missing);
    ck_assert_str_eq(err.msg, want);

    ck_assert_int_eq(butte_manifest_load(pool, bad, NULL, record, &s, &err), BUTTE_EINVAL);
    want = butte_pool_printf(pool, "modules: manifest \"%s\": \"libraries\" must be a list", bad);
    ck_assert_str_eq(err.msg, want);

    ck_assert_int_eq(butte_manifest_load(pool, NULL, missing, record, &s, &err), BUTTE_EIO);
    want = butte_pool_printf(pool,
                             "modules: cannot read --modules_dir \"%s\": No such file or directory",
                             missing);
    ck_assert_str_eq(err.msg, want);
    ck_assert_uint_eq(s.n, 0);
}
END_TEST

START_TEST(dir_order)
{
    butte_err_t err = { 0 };
    seen_t s = { 0 };
    char *sub = butte_pool_printf(pool, "%s/d", tmpdir);

    ck_assert_int_eq(mkdir(sub, 0700), 0);
    write_file(sub, "b.json", "{}");
    write_file(sub, "a.yaml", "libraries: []\n");
    write_file(sub, "B.json", "{}"); /* byte order: upper case first */
    write_file(sub, "c", "{}");      /* any regular file is a manifest */
    ck_assert_int_eq(mkdir(butte_pool_printf(pool, "%s/sub.json", sub), 0700), 0);

    ck_assert_int_eq(butte_manifest_load(pool, NULL, sub, record, &s, &err), 0);
    ck_assert_uint_eq(s.n, 4);
    ck_assert_str_eq(s.origins[0], butte_pool_printf(pool, "manifest \"%s/B.json\"", sub));
    ck_assert_str_eq(s.origins[1], butte_pool_printf(pool, "manifest \"%s/a.yaml\"", sub));
    ck_assert_str_eq(s.origins[2], butte_pool_printf(pool, "manifest \"%s/b.json\"", sub));
    ck_assert_str_eq(s.origins[3], butte_pool_printf(pool, "manifest \"%s/c\"", sub));
}
END_TEST

START_TEST(dir_stops_at_first_bad)
{
    butte_err_t err = { 0 };
    seen_t s = { 0 };
    char *sub = butte_pool_printf(pool, "%s/d", tmpdir);
    char *want;

    ck_assert_int_eq(mkdir(sub, 0700), 0);
    write_file(sub, "1-good.json", "{}");
    write_file(sub, "2-bad.json", "{bad");
    write_file(sub, "3-bad.json", "{\"x\": 1}");

    ck_assert_int_eq(butte_manifest_load(pool, NULL, sub, record, &s, &err), BUTTE_EINVAL);
    ck_assert_uint_eq(s.n, 1);
    want = butte_pool_printf(pool,
                             "modules: manifest \"%s/2-bad.json\": invalid JSON at line 1, "
                             "column 4: string or '}' expected near 'bad'",
                             sub);
    ck_assert_str_eq(err.msg, want);
}
END_TEST

static int
refuse(const butte_manifest_t *m, void *arg, butte_err_t *err)
{
    return butte_err_set(err, BUTTE_ECONFLICT, "refused %s", m->origin);
}

START_TEST(callback_error_stops)
{
    butte_err_t err = { 0 };

    ck_assert_int_eq(butte_manifest_load(pool, "{}", NULL, refuse, NULL, &err), BUTTE_ECONFLICT);
    ck_assert_str_eq(err.msg, "refused --modules");
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("manifest");
    TCase *tc = tcase_create("manifest");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, json_parses);
    tcase_add_test(tc, json_empty_object);
    tcase_add_test(tc, json_syntax_errors);
    tcase_add_test(tc, schema_errors);
    tcase_add_test(tc, yaml_parses);
    tcase_add_test(tc, yaml_errors);
    tcase_add_test(tc, flags_inline_json_and_yaml);
    tcase_add_test(tc, flags_files);
    tcase_add_test(tc, flags_errors);
    tcase_add_test(tc, dir_order);
    tcase_add_test(tc, dir_stops_at_first_bad);
    tcase_add_test(tc, callback_error_stops);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
