/*
 * kernel/core/loader.c - read --modules manifests, open libraries, check
 * descriptors (pass 1), create instances (pass 2).  See loader-internal.h.
 *
 * Rules this file keeps:
 * - Pass 1 reads descriptors and ops tables but calls nothing in a module
 *   except compatible(), and that only after every other check passed.
 * - Every error is one line: modules: library "L": module "M": reason.
 *   Tests assert the reasons word for word; change them only on purpose.
 * - Libraries are never dlclose()d: a module may have left timers, threads
 *   or atexit handlers behind, and unmapping their code would crash later.
 */
#include "config.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/kinds-internal.h"
#include "core/loader-internal.h"
#include "core/manifest-internal.h"

#define INSTANCE_MAGIC 0x42494e53u /* "BINS" */

/* The ABI 1.0 descriptor ends with destroy; a smaller one is truncated. */
#define DESCRIPTOR_SIZE_1_0 (offsetof(butte_module_t, destroy) + sizeof(void (*)(void)))

/* The kernel's ABI minor; only tests move it (see loader-internal.h). */
static uint16_t kernel_abi_minor = BUTTE_ABI_MINOR;

/* One module that passed pass 1. */
typedef struct loaded {
    struct loaded *next;
    const char *library; /* the path dlopen() was given */
    void *handle;
    const butte_module_t *desc;
    const butte_kind_info_t *kind;
    butte_params_t params;
    unsigned instances; /* live instances, so create_anonymous makes one */
} loaded_t;

struct butte_instance {
    uint32_t magic;
    butte_instance_t *next; /* the next older instance */
    butte_modules_t *mods;
    loaded_t *mod;
    butte_pool_t *pool; /* holds this struct too: dies after destroy() */
    butte_log_t *log;
    void *ops; /* kernel-size, zero-extended copy */
    void *state;
};

struct butte_modules {
    butte_pool_t *pool;
    butte_loop_t *loop;
    const char *module_dir; /* NULL: no first-party folder */
    loaded_t *first, **tail;
    butte_instance_t *instances; /* newest first */
};

static int BUTTE_PRINTF(5, 6)
reject(butte_err_t *err, int code, const char *library, const char *module, const char *fmt,
       ...)
{
    char reason[BUTTE_ERR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    if (module == NULL)
        return butte_err_set(err, code, "modules: library \"%s\": %s", library, reason);
    return butte_err_set(err, code, "modules: library \"%s\": module \"%s\": %s", library,
                         module, reason);
}

static loaded_t *
find_loaded(const butte_modules_t *mods, const char *name)
{
    for (loaded_t *l = mods->first; l != NULL; l = l->next)
        if (strcmp(l->desc->name, name) == 0)
            return l;
    return NULL;
}

static bool
same_params(const butte_params_t *a, const butte_params_t *b)
{
    if (a->count != b->count)
        return false;
    for (size_t i = 0; i < a->count; i++)
        if (strcmp(a->items[i].key, b->items[i].key) != 0 ||
            strcmp(a->items[i].value, b->items[i].value) != 0)
            return false;
    return true;
}

/*
 * A bare file name is looked up in the first-party folder first, so
 * "name": "paramlog" finds our own module before anything on
 * LD_LIBRARY_PATH; otherwise dlopen() searches as the manifest asked.
 */
static const char *
resolve(butte_modules_t *mods, const char *file)
{
    char *candidate;

    if (strchr(file, '/') != NULL || mods->module_dir == NULL)
        return file;
    candidate = butte_pool_printf(mods->pool, "%s/%s", mods->module_dir, file);
    return access(candidate, F_OK) == 0 ? candidate : file;
}

static void *
open_library(const char *path, const char *module, butte_err_t *err)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);

    if (h == NULL) {
        const char *why = dlerror();

        reject(err, BUTTE_ENOTFOUND, path, module, "cannot open library: %s",
               why != NULL ? why : "unknown error");
    }
    return h;
}

/* Checks of the descriptor itself, in the documented order. */
static int
check_descriptor(const butte_module_t *d, const char *path, const char *sym, butte_err_t *err)
{
    if (d->magic != BUTTE_MODULE_MAGIC)
        return reject(err, BUTTE_EABI, path, sym, "bad magic 0x%08x, not a Butte module",
                      (unsigned)d->magic);
    if (d->abi_major != BUTTE_ABI_MAJOR || d->abi_minor > kernel_abi_minor)
        return reject(err, BUTTE_EABI, path, sym, "built for ABI %u.%u, kernel has %u.%u",
                      (unsigned)d->abi_major, (unsigned)d->abi_minor, BUTTE_ABI_MAJOR,
                      (unsigned)kernel_abi_minor);
    if (d->size < DESCRIPTOR_SIZE_1_0)
        return reject(err, BUTTE_EABI, path, sym,
                      "descriptor size %u is smaller than %zu (ABI 1.0)", (unsigned)d->size,
                      DESCRIPTOR_SIZE_1_0);
    if (butte_kind_info(d->kind) == NULL)
        return reject(err, BUTTE_EABI, path, sym, "unknown kind %u", (unsigned)d->kind);
    if (d->name == NULL || strcmp(d->name, sym) != 0)
        return reject(err, BUTTE_EABI, path, sym,
                      "descriptor name \"%s\" does not match the symbol",
                      d->name != NULL ? d->name : "(null)");
    if (d->create == NULL)
        return reject(err, BUTTE_EABI, path, sym, "descriptor has no create()");
    return 0;
}

/* The kind's operations table: present, large enough, required slots set. */
static int
check_ops(const butte_module_t *d, const char *path, const char *sym, butte_err_t *err)
{
    const butte_kind_info_t *k = butte_kind_info(d->kind);
    uint32_t size;

    if (d->ops == NULL)
        return reject(err, BUTTE_EABI, path, sym, "%s operations table is missing (ops is NULL)",
                      k->name);
    memcpy(&size, d->ops, sizeof size);
    if (size < k->ops_min_size)
        return reject(err, BUTTE_EABI, path, sym,
                      "%s operations table size %u is smaller than %zu (ABI 1.0)", k->name,
                      (unsigned)size, k->ops_min_size);
    for (size_t i = 0; i < k->n_required; i++) {
        void (*slot)(void);

        /* Required slots are 1.0 slots, so size >= ops_min_size covers them. */
        memcpy(&slot, (const char *)d->ops + k->required[i].offset, sizeof slot);
        if (slot == NULL)
            return reject(err, BUTTE_EABI, path, sym,
                          "required operation \"%s\" of kind %s is missing",
                          k->required[i].name, k->name);
    }
    return 0;
}

/*
 * Pass 1 for one module: open its library, find and check its descriptor.
 * params NULL (selection flags) accepts an already loaded module whatever
 * its manifest parameters were.
 */
static int
add_module(butte_modules_t *mods, const char *path, const char *sym,
           const butte_params_t *params, butte_err_t *err)
{
    static const butte_params_t none = { 0, NULL };
    const butte_module_t *d;
    loaded_t *l, *prev;
    void *h;
    int rc;

    if ((h = open_library(path, sym, err)) == NULL)
        return BUTTE_ENOTFOUND;
    prev = find_loaded(mods, sym);
    if (prev != NULL) {
        if (prev->handle == h && (params == NULL || same_params(&prev->params, params)))
            return 0; /* the same entry again: Mesos allows it, so do we */
        return reject(err, BUTTE_ECONFLICT, path, sym,
                      "duplicate module: already loaded from \"%s\" with %s", prev->library,
                      prev->handle == h ? "other parameters" : "another library");
    }
    d = dlsym(h, sym);
    if (d == NULL)
        return reject(err, BUTTE_ENOTFOUND, path, sym, "no symbol \"%s\" in library", sym);
    if ((rc = check_descriptor(d, path, sym, err)) != 0 || (rc = check_ops(d, path, sym, err)) != 0)
        return rc;
    if (d->compatible != NULL && !d->compatible())
        return reject(err, BUTTE_EABI, path, sym, "compatible() refused kernel %s",
                      butte_kernel_version());

    l = butte_pool_alloc(mods->pool, sizeof *l);
    l->library = butte_pool_strdup(mods->pool, path);
    l->handle = h;
    l->desc = d;
    l->kind = butte_kind_info(d->kind);
    l->params = params != NULL ? *params : none;
    *mods->tail = l;
    mods->tail = &l->next;
    return 0;
}

/* butte_manifest_fn: pass 1 for every library and module of one manifest. */
static int
add_manifest(const butte_manifest_t *m, void *arg, butte_err_t *err)
{
    butte_modules_t *mods = arg;

    for (size_t i = 0; i < m->n_libraries; i++) {
        const butte_manifest_library_t *lib = &m->libraries[i];
        const char *file = lib->file != NULL
                               ? lib->file
                               : butte_pool_printf(mods->pool, "lib%s.so", lib->name);
        const char *path = resolve(mods, file);
        int rc;

        /* A library without modules is still opened, as Mesos does: its
         * absence is a configuration error worth reporting. */
        if (lib->n_modules == 0 && open_library(path, NULL, err) == NULL)
            return BUTTE_ENOTFOUND;
        for (size_t j = 0; j < lib->n_modules; j++) {
            const butte_manifest_module_t *mm = &lib->modules[j];

            if ((rc = add_module(mods, path, mm->name, &mm->params, err)) != 0)
                return rc;
        }
    }
    return 0;
}

butte_modules_t *
butte_modules_open(butte_pool_t *pool, butte_loop_t *loop, const char *manifests,
                   const char *modules_dir, const char *module_dir, butte_err_t *err)
{
    butte_pool_t *p = butte_pool_create(pool);
    butte_modules_t *mods = butte_pool_alloc(p, sizeof *mods);

    mods->pool = p;
    mods->loop = loop;
    mods->module_dir = butte_pool_strdup(p, module_dir);
    mods->tail = &mods->first;
    if (butte_manifest_load(p, manifests, modules_dir, add_manifest, mods, err) != 0) {
        /* Nothing was created yet, so dropping the pool undoes pass 1. */
        butte_pool_destroy(p);
        return NULL;
    }
    return mods;
}

int
butte_modules_add_library(butte_modules_t *mods, const char *library, const char *symbol,
                          butte_err_t *err)
{
    const char *file = butte_pool_printf(mods->pool, "lib%s.so", library);

    return add_module(mods, resolve(mods, file), symbol, NULL, err);
}

int
butte_modules_add_library_params(butte_modules_t *mods, const char *library,
                                 const char *symbol, const butte_params_t *params,
                                 butte_err_t *err)
{
    const char *file = butte_pool_printf(mods->pool, "lib%s.so", library);
    butte_param_t *items = butte_pool_alloc(mods->pool, (params->count + 1) * sizeof *items);
    butte_params_t copy = { params->count, items };

    /* The loaded module keeps its parameters for every later create(). */
    for (size_t i = 0; i < params->count; i++) {
        items[i].key = butte_pool_strdup(mods->pool, params->items[i].key);
        items[i].value = butte_pool_strdup(mods->pool, params->items[i].value);
    }
    return add_module(mods, resolve(mods, file), symbol, &copy, err);
}

/* ---------------------------------------------------------------- pass 2 */

static void
destroy_instance(butte_instance_t *inst)
{
    if (inst->mod->desc->destroy != NULL)
        inst->mod->desc->destroy(inst->state);
    inst->mod->instances--;
    inst->magic = 0; /* a stale pointer now fails the accessors' check */
    butte_pool_destroy(inst->pool);
}

static butte_instance_t *
instantiate(butte_modules_t *mods, loaded_t *l, butte_err_t *err)
{
    butte_pool_t *p = butte_pool_create(mods->pool);
    butte_instance_t *inst = butte_pool_alloc(p, sizeof *inst);
    const char *tag = butte_pool_printf(p, "%s:%s", l->kind->name, l->desc->name);
    butte_err_t why = { 0 };
    uint32_t size;
    int rc;

    inst->magic = INSTANCE_MAGIC;
    inst->mods = mods;
    inst->mod = l;
    inst->pool = p;
    inst->log = butte_log_get(tag);
    /* Zero-extend: slots a module built against an older minor does not
     * know read as NULL, which every kind header defines as "absent". */
    memcpy(&size, l->desc->ops, sizeof size);
    inst->ops = butte_pool_alloc(p, l->kind->ops_size);
    memcpy(inst->ops, l->desc->ops, size < l->kind->ops_size ? size : l->kind->ops_size);

    rc = l->desc->create(inst, &l->params, &inst->state, &why);
    if (rc != 0) {
        /* create() cleans up after itself; its pool is ours to drop. */
        butte_pool_destroy(p);
        reject(err, rc < 0 ? rc : BUTTE_EINVAL, l->library, l->desc->name,
               "create() failed: %s", why.msg[0] != '\0' ? why.msg : butte_strerror(rc));
        butte_modules_close(mods);
        return NULL;
    }
    l->instances++;
    inst->next = mods->instances;
    mods->instances = inst;
    return inst;
}

butte_instance_t *
butte_modules_create(butte_modules_t *mods, const char *name, butte_kind_t kind,
                     butte_err_t *err)
{
    loaded_t *l = find_loaded(mods, name);

    if (l == NULL) {
        butte_err_set(err, BUTTE_ENOTFOUND, "modules: module \"%s\" is not loaded", name);
    } else if (l->desc->kind != (uint32_t)kind) {
        const char *want = butte_kind_name(kind);

        reject(err, BUTTE_EINVAL, l->library, name, "module is of kind %s, not %s",
               l->kind->name, want != NULL ? want : "a known kind");
    } else {
        return instantiate(mods, l, err);
    }
    /* Same promise as a failing create(): nothing stays half-started. */
    butte_modules_close(mods);
    return NULL;
}

int
butte_modules_create_anonymous(butte_modules_t *mods, butte_err_t *err)
{
    for (loaded_t *l = mods->first; l != NULL; l = l->next)
        if (l->desc->kind == BUTTE_KIND_ANONYMOUS && l->instances == 0 &&
            instantiate(mods, l, err) == NULL)
            return err != NULL && err->code != 0 ? err->code : BUTTE_EINVAL;
    return 0;
}

void
butte_modules_close(butte_modules_t *mods)
{
    if (mods == NULL)
        return;
    while (mods->instances != NULL) {
        butte_instance_t *inst = mods->instances;

        mods->instances = inst->next;
        destroy_instance(inst);
    }
}

void
butte_modules_foreach_instance(const butte_modules_t *mods, butte_kind_t kind,
                               butte_instance_visit_fn fn, void *arg)
{
    /* Instances are kept newest first; callers expect creation order. */
    size_t n = 0, i = 0;
    const butte_instance_t *inst;
    const butte_instance_t **v;

    for (inst = mods->instances; inst != NULL; inst = inst->next)
        n += inst->mod->desc->kind == (uint32_t)kind;
    if (n == 0)
        return;
    v = calloc(n, sizeof *v);
    if (v == NULL)
        abort();
    for (inst = mods->instances; inst != NULL; inst = inst->next)
        if (inst->mod->desc->kind == (uint32_t)kind)
            v[n - 1 - i++] = inst;
    for (i = 0; i < n; i++)
        fn((butte_instance_t *)v[i], arg);
    free(v);
}

bool
butte_modules_loaded(const butte_modules_t *mods, const char *name)
{
    return find_loaded(mods, name) != NULL;
}

void
butte_modules_foreach(const butte_modules_t *mods, butte_modules_visit_fn fn, void *arg)
{
    for (const loaded_t *l = mods->first; l != NULL; l = l->next)
        fn(l->library, l->desc, &l->params, arg);
}

/* ---------------------------------------------------------------- accessors */

static const butte_instance_t *
checked(const butte_instance_t *inst)
{
    /* A module handing back a wrong or stale pointer is a bug worth a
     * crash here rather than three callbacks later. */
    if (inst == NULL || inst->magic != INSTANCE_MAGIC)
        abort();
    return inst;
}

const void *
butte_instance_ops(const butte_instance_t *inst)
{
    return checked(inst)->ops;
}

void *
butte_instance_state(const butte_instance_t *inst)
{
    return checked(inst)->state;
}

const butte_module_t *
butte_instance_module(const butte_instance_t *inst)
{
    return checked(inst)->mod->desc;
}

butte_log_t *
butte_instance_log(const butte_instance_t *self)
{
    return checked(self)->log;
}

butte_pool_t *
butte_instance_pool(const butte_instance_t *self)
{
    return checked(self)->pool;
}

butte_loop_t *
butte_instance_loop(const butte_instance_t *self)
{
    return checked(self)->mods->loop;
}

const char *
butte_instance_name(const butte_instance_t *self)
{
    return checked(self)->mod->desc->name;
}

const char *
butte_params_get(const butte_params_t *params, const char *key)
{
    const char *value = NULL;

    /* The last one wins, as with repeated command-line flags. */
    for (size_t i = 0; params != NULL && i < params->count; i++)
        if (strcmp(params->items[i].key, key) == 0)
            value = params->items[i].value;
    return value;
}

const char *
butte_kernel_version(void)
{
    return BUTTE_VERSION;
}

uint32_t
butte_kernel_abi(void)
{
    return (BUTTE_ABI_MAJOR << 16) | kernel_abi_minor;
}

void
butte_loader_set_abi_minor_for_test(uint16_t minor)
{
    kernel_abi_minor = minor;
}
