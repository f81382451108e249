/*
 * allocators/sorter-common.h - what the drf and random sorters share:
 * the client table (hash by name), per-client accounting of the scalars
 * each client holds (allocation() reports those, by name), cluster totals per resource name, weights by path, and
 * the generic slots of butte_sorter_ops_t.  Each sorter adds its order on
 * top through srt_hooks_t.
 *
 * Private to libsorters.so (hidden visibility); nothing here is ABI.
 * Everything runs on the loop thread; nothing blocks; memory comes from
 * the sorter's pool (one child pool per client, dropped on removal).
 */
#ifndef ALLOCATORS_SORTER_COMMON_H
#define ALLOCATORS_SORTER_COMMON_H

#include <butte/sorter.h>

/* Scalar resource names a share is computed over.  Clusters have a
 * handful (cpus, mem, disk, gpus); names past this bound are ignored. */
#define SRT_MAX_NAMES 16

typedef struct srt_client {
    char *name;
    uint64_t hash;
    void *data;              /* attach() */
    butte_pool_t *pool;      /* this client's memory; dies on remove */
    double weight;
    double key;              /* the order key: drf share / weight, random draw */
    uint64_t count;          /* allocated() calls: DRF's first tie-break */
    bool active;
    size_t pos;              /* index in the sorter's order array while active */
    int64_t alloc[SRT_MAX_NAMES];   /* scalar milli-units held, per name index */
} srt_client_t;

struct butte_sorter;

/* The order a sorter keeps on top of the shared table. */
typedef struct srt_hooks {
    /* a client's allocation changed (it is active when pos is valid) */
    void (*changed)(struct butte_sorter *s, srt_client_t *c);
    /* make s->order hold the active clients in order (before a visit) */
    void (*prepare)(struct butte_sorter *s);
} srt_hooks_t;

typedef struct srt_weight {
    const char *path;
    double weight;
} srt_weight_t;

struct butte_sorter {
    butte_pool_t *pool;
    const srt_hooks_t *hooks;
    srt_client_t **table;    /* open addressing, linear probing */
    size_t table_cap;        /* power of two */
    size_t nclients;
    srt_client_t **order;    /* the active clients */
    size_t norder, order_cap;
    bool dirty;              /* totals or weights changed: every key is stale */
    const char *names[SRT_MAX_NAMES]; /* interned resource names */
    int64_t total[SRT_MAX_NAMES];
    size_t nnames;
    srt_weight_t *weights;
    size_t nweights, weights_cap;
    uint64_t rng;            /* xorshift state for the random sorter */
};

/* The generic slots; drf and random fill the rest of their ops tables. */
int srt_open(void *state, butte_sorter_t **out, butte_err_t *err);
void srt_close(butte_sorter_t *s);
int srt_add_client(butte_sorter_t *s, const char *client, butte_err_t *err);
void srt_remove_client(butte_sorter_t *s, const char *client);
void srt_activate(butte_sorter_t *s, const char *client);
void srt_deactivate(butte_sorter_t *s, const char *client);
void srt_update_weight(butte_sorter_t *s, const char *path, double weight);
void srt_allocated(butte_sorter_t *s, const char *client, const char *agent_id,
                   const butte_resources_t *r);
void srt_unallocated(butte_sorter_t *s, const char *client, const char *agent_id,
                     const butte_resources_t *r);
void srt_add_total(butte_sorter_t *s, const char *agent_id, const butte_resources_t *r);
void srt_remove_total(butte_sorter_t *s, const char *agent_id, const butte_resources_t *r);
int srt_sort(butte_sorter_t *s, butte_pool_t *pool, const char ***names, size_t *count,
             butte_err_t *err);
bool srt_contains(butte_sorter_t *s, const char *client);
const butte_resources_t *srt_allocation(butte_sorter_t *s, const char *client,
                                        butte_pool_t *pool);
void srt_attach(butte_sorter_t *s, const char *client, void *data);
void srt_foreach(butte_sorter_t *s, bool (*fn)(const char *client, void *data, void *arg),
                 void *arg);

/* srt_dominant_share - max over names of alloc/total (0 when no totals). */
double srt_dominant_share(const butte_sorter_t *s, const srt_client_t *c);

/* Module instance state: the hooks every sorter it opens gets. */
typedef struct srt_module {
    butte_pool_t *pool;      /* the instance pool; sorters are its children */
    const srt_hooks_t *hooks;
} srt_module_t;

/* srt_module_create / srt_module_destroy - the create()/destroy() of
 * both descriptors; hooks come from the descriptor's own file. */
int srt_module_create(butte_instance_t *self, const srt_hooks_t *hooks, void **state,
                      butte_err_t *err);
void srt_module_destroy(void *state);

#endif
