/*
 * butte/module.h - the module ABI: how a module library declares itself.
 *
 * A module library exports one descriptor (a butte_module_t) per module,
 * under the exact name the --modules manifest gives in "modules[].name".
 * It exports nothing else (build with -fvisibility=hidden and mark the
 * descriptor BUTTE_EXPORT, or use -export-symbols-regex).
 *
 *   #include <butte/anonymous.h>
 *
 *   static const butte_anonymous_ops_t ops = { .size = sizeof ops, ... };
 *
 *   BUTTE_EXPORT const butte_module_t com_example_Hello = {
 *       BUTTE_MODULE_GUARD(BUTTE_KIND_ANONYMOUS),
 *       .name = "com_example_Hello",
 *       .author = "Example", .email = "dev@example.com",
 *       .description = "says hello",
 *       .ops = &ops,
 *       .create = hello_create,
 *       .destroy = hello_destroy,
 *   };
 *
 * Loading (kernel/core/loader.c) runs in two passes.  Pass 1 opens every
 * library and checks every descriptor: magic, ABI major equal and minor not
 * newer than the kernel's, struct size, kind, name equal to the symbol,
 * compatible(), then the kind's operations table (its size and required
 * slots).  Only when every module passed does pass 2 call create().  Any
 * failure stops start-up with one line naming library, module and reason.
 * Libraries are never unloaded.
 *
 * ABI rules
 * ---------
 * - Appending a field to butte_module_t or a slot to the end of an ops
 *   table, adding a kind, or adding a libbutte function bumps
 *   BUTTE_ABI_MINOR.  A module built against 1.x loads on any kernel 1.y
 *   with y >= x, without a rebuild: the kernel copies at most the module's
 *   own "size" bytes of an ops table and zeroes the rest.
 * - Removing or changing anything a built module can see bumps
 *   BUTTE_ABI_MAJOR and resets the minor.
 * - Kernel objects reach modules as opaque handles with accessors; their
 *   layout is never part of the ABI.
 *
 * Changelog
 * ---------
 * 1.0  first release: descriptor, kinds allocator, sorter, isolator,
 *      containerizer, authenticator, authenticatee, http authenticator,
 *      hook, anonymous.
 * 1.1  loop.h: butte_watch_fd, butte_watch_child, butte_watch_stop;
 *      isolator.h: the check slot; butte_container_config_t gains env
 *      and argv (the executor's environment and command line).
 */
#ifndef BUTTE_MODULE_H
#define BUTTE_MODULE_H

#include <butte/common.h>
#include <butte/error.h>
#include <butte/log.h>
#include <butte/loop.h>
#include <butte/pool.h>
#include <butte/version.h>

BUTTE_BEGIN_DECLS

#define BUTTE_MODULE_MAGIC 0x4254544du /* "BTTM" */
#define BUTTE_ABI_MAJOR 1u
#ifndef BUTTE_ABI_MINOR
#define BUTTE_ABI_MINOR 1u
#endif

/* Module kinds.  The numbers are ABI: never renumber, only append. */
typedef enum butte_kind {
    BUTTE_KIND_ALLOCATOR = 1,
    BUTTE_KIND_SORTER = 2,
    BUTTE_KIND_ISOLATOR = 3,
    BUTTE_KIND_CONTAINERIZER = 4,
    BUTTE_KIND_AUTHENTICATOR = 5,
    BUTTE_KIND_AUTHENTICATEE = 6,
    BUTTE_KIND_HTTP_AUTHENTICATOR = 7,
    BUTTE_KIND_HOOK = 8,
    BUTTE_KIND_ANONYMOUS = 9
} butte_kind_t;

/* One "key"/"value" pair from the manifest's "parameters". */
typedef struct butte_param {
    const char *key;
    const char *value;
} butte_param_t;

/* The parameters of one module, in manifest order.  Owned by the kernel;
 * valid for the lifetime of the module instance. */
typedef struct butte_params {
    size_t count;
    const butte_param_t *items;
} butte_params_t;

/*
 * The kernel's record of one created module.  Opaque: use the accessors.
 * Lives from create() until after destroy() returns.
 */
typedef struct butte_instance butte_instance_t;

typedef struct butte_module {
    /* guard fields: the loader reads only these until they pass */
    uint32_t magic;     /* BUTTE_MODULE_MAGIC */
    uint16_t abi_major; /* == kernel's BUTTE_ABI_MAJOR */
    uint16_t abi_minor; /* <= kernel's BUTTE_ABI_MINOR */
    uint32_t size;      /* sizeof (butte_module_t) the module was built with */
    uint32_t kind;      /* a butte_kind_t */
    const char *built_for; /* BUTTE_VERSION of the SDK used (informational) */

    const char *name;        /* == exported symbol == manifest module name */
    const char *author;
    const char *email;
    const char *description;

    /* Optional veto: return false to refuse loading on this kernel (the
     * module may call butte_kernel_version() to decide).  NULL = accept. */
    bool (*compatible)(void);

    /* The kind's operations table (e.g. a butte_isolator_ops_t), static and
     * const.  It starts with a uint32_t size field. */
    const void *ops;

    /*
     * create - make one instance.  self gives the instance's log, pool and
     * loop; params are the manifest's.  Store per-instance state in *state.
     * Return 0, or a negative BUTTE_E* code with err filled (start-up then
     * stops naming the module and the message).  Runs on the loop thread
     * during start-up; may block briefly (read a file), must not wait on
     * the loop.
     */
    int (*create)(butte_instance_t *self, const butte_params_t *params, void **state,
                  butte_err_t *err);

    /* destroy - free state; called once, at shutdown or when start-up is
     * abandoned after a later module failed.  May be NULL. */
    void (*destroy)(void *state);
} butte_module_t;

/* Fills the guard fields; put it first in a descriptor's initializer. */
#define BUTTE_MODULE_GUARD(k)                                                    \
    .magic = BUTTE_MODULE_MAGIC, .abi_major = BUTTE_ABI_MAJOR,                   \
    .abi_minor = BUTTE_ABI_MINOR, .size = sizeof(butte_module_t), .kind = (k),   \
    .built_for = BUTTE_VERSION

/* butte_params_get - the value of the last parameter named key, or NULL. */
BUTTE_API const char *butte_params_get(const butte_params_t *params, const char *key);

/* Accessors for an instance; all valid from create() to destroy(). */
BUTTE_API butte_log_t *butte_instance_log(const butte_instance_t *self);   /* "<kind>:<name>" */
BUTTE_API butte_pool_t *butte_instance_pool(const butte_instance_t *self); /* dies after destroy() */
BUTTE_API butte_loop_t *butte_instance_loop(const butte_instance_t *self);
BUTTE_API const char *butte_instance_name(const butte_instance_t *self);

/* butte_kernel_version - the running kernel's BUTTE_VERSION;
 * butte_kernel_abi - its ABI as (major << 16) | minor. */
BUTTE_API const char *butte_kernel_version(void);
BUTTE_API uint32_t butte_kernel_abi(void);

/* butte_kind_name - "allocator", "isolator", ... or NULL for an unknown kind. */
BUTTE_API const char *butte_kind_name(uint32_t kind);

BUTTE_END_DECLS

#endif
