/*
 * kernel/core/manifest.c - read --modules / --modules_dir manifests (see
 * manifest-internal.h).
 *
 * YAML is converted into the same jansson tree JSON produces, so one schema
 * walker checks both and the two formats cannot drift apart.  Every string
 * the result holds is copied into the caller's pool; the jansson tree dies
 * before we return.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <yaml.h>

#include "core/manifest-internal.h"

/* A manifest is a few kilobytes; refuse anything absurd rather than
 * reading a device or a huge file by mistake. */
#define MANIFEST_MAX_BYTES (16u << 20)
/* YAML anchors can make cycles and exponential trees: bound the walk. */
#define YAML_MAX_DEPTH 32
#define YAML_MAX_NODES 100000

typedef struct walk {
    butte_pool_t *pool;
    const char *origin;
    butte_err_t *err;
} walk_t;

static int BUTTE_PRINTF(3, 4)
fail(walk_t *w, const char *where, const char *fmt, ...)
{
    char reason[BUTTE_ERR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    if (where != NULL && where[0] != '\0')
        return butte_err_set(w->err, BUTTE_EINVAL, "modules: %s: %s: %s", w->origin, where,
                             reason);
    return butte_err_set(w->err, BUTTE_EINVAL, "modules: %s: %s", w->origin, reason);
}

/* ---------------------------------------------------------------- schema walker */

/* Every key of obj must be in allowed (NULL-terminated). */
static int
check_keys(walk_t *w, json_t *obj, const char *where, const char *const *allowed)
{
    const char *key;
    json_t *value;

    json_object_foreach(obj, key, value) {
        const char *const *a;

        for (a = allowed; *a != NULL; a++)
            if (strcmp(*a, key) == 0)
                break;
        if (*a == NULL)
            return fail(w, where, "unknown key \"%s\"", key);
    }
    return 0;
}

/*
 * A string field: absent or null gives NULL (an error when required), a
 * non-string is an error.  allow_empty is for parameter values only: names
 * and paths that are empty are typos, not intent.
 */
static int
get_string(walk_t *w, json_t *obj, const char *key, const char *where, bool required,
           bool allow_empty, const char **out)
{
    json_t *v = json_object_get(obj, key);

    *out = NULL;
    if (v == NULL || json_is_null(v)) {
        if (required)
            return fail(w, where, "\"%s\" is required", key);
        return 0;
    }
    if (!json_is_string(v))
        return fail(w, where, "\"%s\" must be a string", key);
    if (!allow_empty && json_string_length(v) == 0)
        return fail(w, where, "\"%s\" must not be empty", key);
    *out = butte_pool_strndup(w->pool, json_string_value(v), json_string_length(v));
    return 0;
}

/* A list field: absent or null is an empty list. */
static int
get_array(walk_t *w, json_t *obj, const char *key, const char *where, json_t **out)
{
    json_t *v = json_object_get(obj, key);

    *out = NULL;
    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_array(v))
        return fail(w, where, "\"%s\" must be a list", key);
    *out = v;
    return 0;
}

static int
walk_module(walk_t *w, json_t *obj, const char *where, butte_manifest_module_t *m)
{
    static const char *const keys[] = { "name", "parameters", NULL };
    static const char *const param_keys[] = { "key", "value", NULL };
    json_t *params;
    butte_param_t *items;
    size_t i;
    int rc;

    if (!json_is_object(obj))
        return fail(w, where, "must be an object");
    if ((rc = check_keys(w, obj, where, keys)) != 0 ||
        (rc = get_string(w, obj, "name", where, true, false, &m->name)) != 0 ||
        (rc = get_array(w, obj, "parameters", where, &params)) != 0)
        return rc;
    m->params.count = params != NULL ? json_array_size(params) : 0;
    items = butte_pool_alloc(w->pool, (m->params.count + 1) * sizeof *items);
    for (i = 0; i < m->params.count; i++) {
        json_t *p = json_array_get(params, i);
        char *pw = butte_pool_printf(w->pool, "%s.parameters[%zu]", where, i);

        if (!json_is_object(p))
            return fail(w, pw, "must be an object");
        if ((rc = check_keys(w, p, pw, param_keys)) != 0 ||
            (rc = get_string(w, p, "key", pw, true, false, &items[i].key)) != 0 ||
            (rc = get_string(w, p, "value", pw, true, true, &items[i].value)) != 0)
            return rc;
    }
    m->params.items = items;
    return 0;
}

static int
walk_library(walk_t *w, json_t *obj, const char *where, butte_manifest_library_t *lib)
{
    static const char *const keys[] = { "file", "name", "modules", NULL };
    butte_manifest_module_t *mods;
    json_t *list;
    size_t i;
    int rc;

    if (!json_is_object(obj))
        return fail(w, where, "must be an object");
    if ((rc = check_keys(w, obj, where, keys)) != 0 ||
        (rc = get_string(w, obj, "file", where, false, false, &lib->file)) != 0 ||
        (rc = get_string(w, obj, "name", where, false, false, &lib->name)) != 0 ||
        (rc = get_array(w, obj, "modules", where, &list)) != 0)
        return rc;
    if (lib->file == NULL && lib->name == NULL)
        return fail(w, where, "\"file\" or \"name\" is required");
    lib->n_modules = list != NULL ? json_array_size(list) : 0;
    mods = butte_pool_alloc(w->pool, (lib->n_modules + 1) * sizeof *mods);
    for (i = 0; i < lib->n_modules; i++) {
        char *mw = butte_pool_printf(w->pool, "%s.modules[%zu]", where, i);

        if ((rc = walk_module(w, json_array_get(list, i), mw, &mods[i])) != 0)
            return rc;
    }
    lib->modules = mods;
    return 0;
}

static butte_manifest_t *
walk_root(walk_t *w, json_t *root)
{
    static const char *const keys[] = { "libraries", NULL };
    butte_manifest_t *m;
    butte_manifest_library_t *libs;
    json_t *list;
    size_t i;

    if (!json_is_object(root)) {
        fail(w, NULL, "a manifest must be an object with \"libraries\"");
        return NULL;
    }
    if (check_keys(w, root, NULL, keys) != 0 || get_array(w, root, "libraries", NULL, &list) != 0)
        return NULL;
    m = butte_pool_alloc(w->pool, sizeof *m);
    m->origin = w->origin;
    m->n_libraries = list != NULL ? json_array_size(list) : 0;
    libs = butte_pool_alloc(w->pool, (m->n_libraries + 1) * sizeof *libs);
    for (i = 0; i < m->n_libraries; i++) {
        char *lw = butte_pool_printf(w->pool, "libraries[%zu]", i);

        if (walk_library(w, json_array_get(list, i), lw, &libs[i]) != 0)
            return NULL;
    }
    m->libraries = libs;
    return m;
}

/* ---------------------------------------------------------------- YAML -> jansson */

typedef struct yconv {
    walk_t *w;
    yaml_document_t *doc;
    size_t nodes;
} yconv_t;

/* A plain (unquoted) scalar that YAML reads as null: "key:", "key: ~". */
static bool
yaml_is_null(const yaml_node_t *n)
{
    const char *v = (const char *)n->data.scalar.value;

    if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    return v[0] == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
           strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

/*
 * Scalars all become strings: the schema only has strings, and "value: 5"
 * in YAML means the text 5 to a user.  Returns a new reference or NULL with
 * the error set.
 */
static json_t *
yaml_node_to_json(yconv_t *y, yaml_node_t *n, int depth)
{
    json_t *out;

    if (n == NULL || depth > YAML_MAX_DEPTH || ++y->nodes > YAML_MAX_NODES) {
        fail(y->w, NULL, "invalid YAML: nesting too deep or too large");
        return NULL;
    }
    switch (n->type) {
    case YAML_SCALAR_NODE:
        if (yaml_is_null(n))
            return json_null();
        out = json_stringn((const char *)n->data.scalar.value, n->data.scalar.length);
        if (out == NULL)
            fail(y->w, NULL, "invalid YAML at line %zu: text is not valid UTF-8",
                 n->start_mark.line + 1);
        return out;
    case YAML_SEQUENCE_NODE:
        out = json_array();
        for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top;
             i++) {
            json_t *v = yaml_node_to_json(y, yaml_document_get_node(y->doc, *i), depth + 1);

            if (v == NULL || json_array_append_new(out, v) != 0) {
                json_decref(out);
                return NULL;
            }
        }
        return out;
    case YAML_MAPPING_NODE:
        out = json_object();
        for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
             p++) {
            yaml_node_t *k = yaml_document_get_node(y->doc, p->key);
            json_t *v;

            if (k == NULL || k->type != YAML_SCALAR_NODE) {
                fail(y->w, NULL, "invalid YAML at line %zu: a key must be a plain string",
                     n->start_mark.line + 1);
                json_decref(out);
                return NULL;
            }
            if (json_object_get(out, (const char *)k->data.scalar.value) != NULL) {
                fail(y->w, NULL, "invalid YAML at line %zu: duplicate key \"%s\"",
                     k->start_mark.line + 1, (const char *)k->data.scalar.value);
                json_decref(out);
                return NULL;
            }
            v = yaml_node_to_json(y, yaml_document_get_node(y->doc, p->value), depth + 1);
            if (v == NULL) {
                json_decref(out);
                return NULL;
            }
            json_object_set_new(out, (const char *)k->data.scalar.value, v);
        }
        return out;
    default:
        fail(y->w, NULL, "invalid YAML: empty node");
        return NULL;
    }
}

static json_t *
parse_yaml(walk_t *w, const char *text)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_node_t *root;
    json_t *out = NULL;

    if (!yaml_parser_initialize(&parser)) {
        fail(w, NULL, "could not start the YAML parser");
        return NULL;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, strlen(text));
    if (!yaml_parser_load(&parser, &doc)) {
        fail(w, NULL, "invalid YAML at line %zu, column %zu: %s",
             parser.problem_mark.line + 1, parser.problem_mark.column + 1,
             parser.problem != NULL ? parser.problem : "syntax error");
        yaml_parser_delete(&parser);
        return NULL;
    }
    root = yaml_document_get_root_node(&doc);
    if (root == NULL) {
        fail(w, NULL, "the manifest is empty");
    } else {
        yconv_t y = { .w = w, .doc = &doc };

        out = yaml_node_to_json(&y, root, 0);
    }
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    return out;
}

/* ---------------------------------------------------------------- entry points */

butte_manifest_t *
butte_manifest_parse(butte_pool_t *pool, const char *text, bool yaml, const char *origin,
                     butte_err_t *err)
{
    walk_t w = { .pool = pool, .origin = butte_pool_strdup(pool, origin), .err = err };
    butte_manifest_t *m;
    json_t *root;

    if (yaml) {
        root = parse_yaml(&w, text);
    } else {
        json_error_t jerr;

        /* Duplicate keys would silently drop a library or module. */
        root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
        if (root == NULL)
            fail(&w, NULL, "invalid JSON at line %d, column %d: %s", jerr.line, jerr.column,
                 jerr.text);
    }
    if (root == NULL)
        return NULL;
    m = walk_root(&w, root);
    json_decref(root);
    return m;
}

/* The whole file as a NUL-terminated string in pool; NULL with err set. */
static char *
read_text(butte_pool_t *pool, const char *path, butte_err_t *err)
{
    struct stat st;
    char *buf = NULL;
    size_t len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int e = 0;

    if (fd < 0 || fstat(fd, &st) != 0)
        e = errno;
    else if (!S_ISREG(st.st_mode))
        e = EISDIR;
    else if ((uintmax_t)st.st_size > MANIFEST_MAX_BYTES)
        e = EFBIG;
    else {
        buf = butte_pool_alloc(pool, (size_t)st.st_size + 1);
        while (len < (size_t)st.st_size) {
            ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);

            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                e = errno;
            if (n <= 0)
                break; /* a file that shrank while we read is read as it is now */
            len += (size_t)n;
        }
    }
    if (fd >= 0)
        close(fd);
    if (e == EISDIR) {
        butte_err_set(err, BUTTE_EINVAL, "modules: manifest \"%s\" is not a regular file", path);
        return NULL;
    }
    if (e != 0) {
        butte_err_set(err, BUTTE_EIO, "modules: cannot read manifest \"%s\": %s", path,
                      strerror(e));
        return NULL;
    }
    buf[len] = '\0';
    return buf;
}

static bool
is_yaml_name(const char *path)
{
    const char *dot = strrchr(path, '.');

    return dot != NULL && (strcasecmp(dot, ".yaml") == 0 || strcasecmp(dot, ".yml") == 0);
}

butte_manifest_t *
butte_manifest_read(butte_pool_t *pool, const char *path, butte_err_t *err)
{
    char *text = read_text(pool, path, err);

    if (text == NULL)
        return NULL;
    return butte_manifest_parse(pool, text, is_yaml_name(path),
                                butte_pool_printf(pool, "manifest \"%s\"", path), err);
}

/* Hand a parsed manifest to fn, or pass on the parse failure's code. */
static int
deliver(const butte_manifest_t *m, butte_manifest_fn fn, void *arg, butte_err_t *err)
{
    if (m == NULL)
        return err != NULL && err->code != 0 ? err->code : BUTTE_EINVAL;
    return fn(m, arg, err);
}

static int
load_file(butte_pool_t *pool, const char *path, butte_manifest_fn fn, void *arg,
          butte_err_t *err)
{
    return deliver(butte_manifest_read(pool, path, err), fn, arg, err);
}

static int
cmp_names(const void *a, const void *b)
{
    /* Byte order, not strcoll(): the load order must not depend on LANG. */
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
load_dir(butte_pool_t *pool, const char *dir, butte_manifest_fn fn, void *arg,
         butte_err_t *err)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char **names = NULL;
    size_t n = 0, cap = 0, i;
    int rc = 0;

    if (d == NULL)
        return butte_err_set(err, BUTTE_EIO, "modules: cannot read --modules_dir \"%s\": %s",
                             dir, strerror(errno));
    while ((de = readdir(d)) != NULL) {
        struct stat st;

        /* stat() follows symlinks: a link to a manifest counts as one. */
        if (fstatat(dirfd(d), de->d_name, &st, 0) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (n == cap) {
            char **more;

            cap = cap != 0 ? cap * 2 : 16;
            more = butte_pool_alloc(pool, cap * sizeof *more);
            if (n > 0)
                memcpy(more, names, n * sizeof *more);
            names = more;
        }
        names[n++] = butte_pool_printf(pool, "%s/%s", dir, de->d_name);
    }
    closedir(d);
    if (n > 0)
        qsort(names, n, sizeof *names, cmp_names);
    for (i = 0; i < n && rc == 0; i++)
        rc = load_file(pool, names[i], fn, arg, err);
    return rc;
}

int
butte_manifest_load(butte_pool_t *pool, const char *modules, const char *modules_dir,
                    butte_manifest_fn fn, void *arg, butte_err_t *err)
{
    const char *text = modules;
    butte_manifest_t *m;

    if (modules != NULL && modules_dir != NULL)
        return butte_err_set(err, BUTTE_EINVAL,
                             "modules: --modules and --modules_dir cannot both be given");
    if (modules_dir != NULL)
        return load_dir(pool, modules_dir, fn, arg, err);
    if (modules == NULL)
        return 0;

    while (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r')
        text++;
    if (*text == '\0')
        return butte_err_set(err, BUTTE_EINVAL, "modules: --modules is empty");
    if (strncmp(text, "file://", 7) == 0)
        return load_file(pool, text + 7, fn, arg, err);
    if (*text == '{')
        m = butte_manifest_parse(pool, text, false, "--modules", err);
    else if (strchr(text, '\n') != NULL)
        m = butte_manifest_parse(pool, text, true, "--modules", err);
    else {
        butte_log(butte_log_get("modules"), BUTTE_LOG_WARNING,
                  "--modules=%s: a bare path is deprecated, use --modules=file://%s", text, text);
        return load_file(pool, text, fn, arg, err);
    }
    return deliver(m, fn, arg, err);
}
