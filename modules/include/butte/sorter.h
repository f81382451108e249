/*
 * butte/sorter.h - the sorter kind: orders clients (roles or frameworks) by
 * how much they should get next.  The allocator uses one sorter for roles
 * and one per role for that role's frameworks (--role_sorter,
 * --framework_sorter; Mesos' "drf" and "random").  Mesos has no sorter
 * module kind; Butte does.
 *
 * One module instance is a factory: open() makes an independent sorter,
 * and every other slot works on one sorter.  The kernel hands the
 * allocator the sorter instance's ops and state (butte_allocator_kernel_t),
 * so the allocator is the only caller of these slots.
 *
 * Conventions for every slot:
 * - Runs on the loop thread and must not block.
 * - Strings and resources passed in are borrowed for the call; a sorter
 *   that keeps a client name copies it into its own memory.
 * - Client names are role paths ("eng/web") or framework ids; a sorter
 *   that supports hierarchy treats "/" as the separator.
 * - Slots returning void cannot fail: a call naming an unknown client is a
 *   caller bug and the sorter may ignore it.
 *
 * Ops table rules (see module.h): starts with size, append-only; slots
 * marked "required" must be non-NULL or the module is rejected at load.
 */
#ifndef BUTTE_SORTER_H
#define BUTTE_SORTER_H

#include <butte/module.h>
#include <butte/resources.h>

BUTTE_BEGIN_DECLS

/* One sorter, made by open().  Its layout belongs to the module. */
typedef struct butte_sorter butte_sorter_t;

typedef struct butte_sorter_ops {
    uint32_t size;     /* sizeof (butte_sorter_ops_t) at build time */
    uint32_t features; /* none defined yet; 0 */

    /*
     * open - make an empty sorter.  Required.
     * state: the module instance's state from create().  *out receives the
     * sorter, owned by the module until close().  Returns 0, or a negative
     * BUTTE_E* with err filled (the allocator then fails to initialize).
     */
    int (*open)(void *state, butte_sorter_t **out, butte_err_t *err);

    /* close - free a sorter and everything it holds.  Required.  Never
     * fails; s is invalid afterwards. */
    void (*close)(butte_sorter_t *s);

    /*
     * add_client - a new client, inactive until activate().  Required.
     * Returns 0; BUTTE_ECONFLICT (err filled) if it is already present.
     */
    int (*add_client)(butte_sorter_t *s, const char *client, butte_err_t *err);

    /* remove_client - forget a client and its allocations.  Required. */
    void (*remove_client)(butte_sorter_t *s, const char *client);

    /* activate / deactivate - include or skip a client in sort().  Both
     * required.  A deactivated client keeps its allocations. */
    void (*activate)(butte_sorter_t *s, const char *client);
    void (*deactivate)(butte_sorter_t *s, const char *client);

    /*
     * update_weight - set the weight of path (a client or, for hierarchical
     * sorters, an inner role path); weight > 0, default 1.0.  Required.
     * Applies to clients added later under that path too.
     */
    void (*update_weight)(butte_sorter_t *s, const char *path, double weight);

    /*
     * allocated - resources on agent_id were allocated to client.
     * unallocated - they were given back.  Both required.  r is borrowed.
     */
    void (*allocated)(butte_sorter_t *s, const char *client, const char *agent_id,
                      const butte_resources_t *r);
    void (*unallocated)(butte_sorter_t *s, const char *client, const char *agent_id,
                        const butte_resources_t *r);

    /*
     * update - an allocation changed shape without changing owner (a
     * reservation or volume was created from it).  Optional: NULL means the
     * allocator calls unallocated(old) then allocated(new_) instead.
     */
    void (*update)(butte_sorter_t *s, const char *client, const char *agent_id,
                   const butte_resources_t *old, const butte_resources_t *new_);

    /* add_total / remove_total - an agent's resources joined or left the
     * pool the shares are computed against.  Both required. */
    void (*add_total)(butte_sorter_t *s, const char *agent_id, const butte_resources_t *r);
    void (*remove_total)(butte_sorter_t *s, const char *agent_id, const butte_resources_t *r);

    /*
     * sort - the active clients, the one that should be offered next
     * first.  Required.  *names receives an array of *count client names
     * allocated from pool (array and strings; the caller's pool, typically
     * one allocation pass).  Returns 0, or a negative BUTTE_E* with err
     * filled (the allocator skips that pass).
     */
    int (*sort)(butte_sorter_t *s, butte_pool_t *pool, const char ***names, size_t *count,
                butte_err_t *err);

    /* contains - whether client was added and not removed.  Optional: NULL
     * means the allocator keeps its own record. */
    bool (*contains)(butte_sorter_t *s, const char *client);

    /*
     * allocation - what client holds, across agents, as a new resources
     * value in pool (empty if none).  Optional (for metrics and /roles).
     */
    const butte_resources_t *(*allocation)(butte_sorter_t *s, const char *client,
                                           butte_pool_t *pool);

    /*
     * attach - remember an opaque caller pointer with client; foreach()
     * hands it back, so the caller needs no name lookup per visit.
     * Optional (the allocator then looks clients up by name).  The sorter
     * never dereferences data.
     */
    void (*attach)(butte_sorter_t *s, const char *client, void *data);

    /*
     * foreach - visit the active clients in sort() order without copying
     * them: fn(client, data, arg) gets the sorter's own copy of the name
     * (valid until the client is removed) and the attach()ed pointer (NULL
     * if none).  Stops early when fn returns false.  fn must not change the
     * sorter (no allocated(), activate(), ...): callers collect changes and
     * apply them after foreach returns.  Cost is proportional to the
     * clients visited, not to all clients, for sorters that keep their
     * order incrementally.  Optional: NULL means the allocator calls sort().
     */
    void (*foreach)(butte_sorter_t *s, bool (*fn)(const char *client, void *data, void *arg),
                    void *arg);

    /* ABI 1.x: new slots go below this line, never above. */
} butte_sorter_ops_t;

BUTTE_END_DECLS

#endif
