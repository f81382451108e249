/*
 * kernel/core/loader-internal.h - the module loader.
 *
 * Start-up runs:  butte_modules_open() (pass 1: read manifests, dlopen,
 * check descriptors and ops tables; touches no kernel state) and then
 * butte_modules_create_*() for what the role selects (pass 2).  A failure in
 * either stops start-up with one line naming library, module and reason;
 * on failure every instance already created is destroyed again, so nothing
 * is half-loaded.  Libraries are never dlclose()d.
 *
 * Runs on the loop thread at start-up; blocks on file reads and dlopen.
 */
#ifndef BUTTE_LOADER_INTERNAL_H
#define BUTTE_LOADER_INTERNAL_H

#include <butte/module.h>

typedef struct butte_modules butte_modules_t;

/*
 * butte_modules_open - pass 1.
 *
 * manifests: the --modules value (inline JSON or YAML, "file://path" or a
 * bare path) or NULL; modules_dir: the --modules_dir value or NULL (both
 * set is an error).  module_dir: the folder first-party modules live in
 * (the install's $(pkglibdir)/modules, or $BUTTE_MODULE_DIR when set); a
 * library named by "name" is looked up there first, then by the system's
 * dynamic loader.
 *
 * Returns NULL with err filled: "modules: library \"libx.so\": module
 * \"com_x_Y\": built for ABI 2.0, kernel has 1.0".
 */
butte_modules_t *butte_modules_open(butte_pool_t *pool, butte_loop_t *loop,
                                    const char *manifests, const char *modules_dir,
                                    const char *module_dir, butte_err_t *err);

/*
 * butte_modules_add_library - make sure a first-party module whose
 * library is module_dir/lib<library>.so and whose descriptor is symbol is
 * loaded (pass 1 rules), for selection flags like --allocator=NAME that
 * need no manifest.  Returns 0 or a BUTTE_E* code with err filled.
 */
int butte_modules_add_library(butte_modules_t *mods, const char *library, const char *symbol,
                              butte_err_t *err);

/*
 * butte_modules_add_library_params - the same with the parameters create()
 * gets (copied), for a first-party module configured from role flags.  A
 * module already loaded with other parameters is BUTTE_ECONFLICT.
 */
int butte_modules_add_library_params(butte_modules_t *mods, const char *library,
                                     const char *symbol, const butte_params_t *params,
                                     butte_err_t *err);

/*
 * butte_modules_create - pass 2 for one module: instantiate the module
 * named name, which must be of kind.  Returns the instance (owned by mods)
 * or NULL with err filled; on failure (unknown name, wrong kind, create()
 * refused) every instance created so far is destroyed first, as by
 * butte_modules_close().  A failing create() is not followed by destroy():
 * it must clean up after itself; its instance pool is dropped.
 */
butte_instance_t *butte_modules_create(butte_modules_t *mods, const char *name,
                                       butte_kind_t kind, butte_err_t *err);

/* butte_modules_create_anonymous - create every loaded anonymous module. */
int butte_modules_create_anonymous(butte_modules_t *mods, butte_err_t *err);

/* The instance's copy of its ops table (zero-extended to the kernel's
 * size) and its state, for the kind adapters. */
const void *butte_instance_ops(const butte_instance_t *inst);
void *butte_instance_state(const butte_instance_t *inst);
const butte_module_t *butte_instance_module(const butte_instance_t *inst);

/* butte_modules_loaded - whether pass 1 loaded a module named name (so a
 * selection flag names a --modules module rather than a first-party one). */
bool butte_modules_loaded(const butte_modules_t *mods, const char *name);

/* butte_modules_foreach - every loaded module (for /flags, logs, tests). */
typedef void (*butte_modules_visit_fn)(const char *library, const butte_module_t *m,
                                       const butte_params_t *params, void *arg);
void butte_modules_foreach(const butte_modules_t *mods, butte_modules_visit_fn fn, void *arg);

/* butte_modules_foreach_instance - every created instance of kind, oldest
 * first (for the role to call a kind's slots, e.g. anonymous started()).
 * fn must not create or destroy instances. */
typedef void (*butte_instance_visit_fn)(butte_instance_t *inst, void *arg);
void butte_modules_foreach_instance(const butte_modules_t *mods, butte_kind_t kind,
                                    butte_instance_visit_fn fn, void *arg);

/* butte_modules_close - destroy every created instance, newest first.
 * Libraries stay mapped. */
void butte_modules_close(butte_modules_t *mods);

/*
 * butte_loader_set_abi_minor_for_test - make the kernel claim ABI
 * 1.<minor> instead of 1.BUTTE_ABI_MINOR, so tests/unit/loader.c can show
 * that a module built against an older minor loads on a newer kernel
 * without building a second kernel.  Test-only: roles never call it.
 * Affects pass 1 checks and butte_kernel_abi() from the next call on.
 */
void butte_loader_set_abi_minor_for_test(uint16_t minor);

#endif
