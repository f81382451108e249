/*
 * kernel/core/manifest-internal.h - module manifests (--modules,
 * --modules_dir): parse and check the schema of mesos-protocol.md §E.1,
 * in JSON or YAML.  Opens no library; the loader does that.
 *
 *   { "libraries": [ { "file": "/usr/lib/libx.so", "name": "x",
 *                      "modules": [ { "name": "com_x_Y",
 *                                     "parameters": [ {"key": "k", "value": "v"} ] } ] } ] }
 *
 * Every error is one line: "modules: <where>: <reason>", where is
 * "--modules" for inline text or manifest "<path>" for a file, followed by
 * the position in the document ("libraries[0].modules[1]").
 *
 * Runs at start-up; blocks on file reads.
 */
#ifndef BUTTE_MANIFEST_INTERNAL_H
#define BUTTE_MANIFEST_INTERNAL_H

#include <butte/module.h>

typedef struct butte_manifest_module {
    const char *name;      /* descriptor symbol; never NULL or empty */
    butte_params_t params; /* manifest order */
} butte_manifest_module_t;

typedef struct butte_manifest_library {
    const char *file; /* NULL when not given; wins over name */
    const char *name; /* NULL when not given; "foo" means "libfoo.so" */
    const butte_manifest_module_t *modules;
    size_t n_modules;
} butte_manifest_library_t;

typedef struct butte_manifest {
    const char *origin; /* "--modules" or manifest "<path>", for error lines */
    const butte_manifest_library_t *libraries;
    size_t n_libraries;
} butte_manifest_t;

/*
 * butte_manifest_parse - parse text (NUL-terminated) as JSON, or as YAML
 * when yaml is true.  origin labels error lines.  The result and all its
 * strings live in pool.  NULL with err filled on a syntax error or a
 * schema violation (unknown key, missing or non-string field).
 */
butte_manifest_t *butte_manifest_parse(butte_pool_t *pool, const char *text, bool yaml,
                                       const char *origin, butte_err_t *err);

/*
 * butte_manifest_read - read and parse the file at path; YAML when its
 * name ends in .yaml or .yml, JSON otherwise.
 */
butte_manifest_t *butte_manifest_read(butte_pool_t *pool, const char *path, butte_err_t *err);

/* Called once per manifest, in order; a non-zero return stops loading and
 * is passed back (with err filled by the callback). */
typedef int (*butte_manifest_fn)(const butte_manifest_t *m, void *arg, butte_err_t *err);

/*
 * butte_manifest_load - resolve the flags into manifests and hand each to
 * fn.  modules (--modules): text starting with "{" is inline JSON,
 * "file://path" a file, text with a newline inline YAML, anything else a
 * bare path (deprecated; logs a warning).  modules_dir (--modules_dir):
 * every regular file in the folder, in byte order of their names,
 * stopping at the first bad one.  Both given is an error; neither is a
 * successful no-op.  Returns 0 or a negative BUTTE_E* with err filled.
 */
int butte_manifest_load(butte_pool_t *pool, const char *modules, const char *modules_dir,
                        butte_manifest_fn fn, void *arg, butte_err_t *err);

#endif
