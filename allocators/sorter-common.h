/*
 * allocators/sorter-common.h - what the drf and random sorters share:
 * the client table (hash by name), per-client accounting of the scalars
 * each client holds (allocation() reports those, by name), cluster totals per resource name, weights by path, and
 * the generic slots of butte_sorter_ops_t.  Each sorter adds its order on
 * top through srt_hooks_t.
 *
 * Private to libsorters.so (hidden visibility); nothing here is ABI.
 * Everything runs on the loop thread; nothing blocks; memory comes from
 * the sorter's pool (removed clients go to a free list and are reused).
 */
#ifndef ALLOCATORS_SORTER_COMMON_H
#define ALLOCATORS_SORTER_COMMON_H

#include <butte/sorter.h>

/* Scalar resource names a share is computed over.  Clusters have a
 * handful (cpus, mem, disk, gpus); names past this bound are ignored. */
#define SRT_MAX_NAMES 16

typedef struct srt_client {
    /* What placing and finding a client compares, together at the front
     * (one cache line with the name and hash). */
    double key;              /* the order key: drf share / weight, random draw */
    uint64_t scount;         /* count when last placed (drf sorts by it) */
    uint64_t rank;           /* name order among the sorter's clients (drf's
                              * last tie-break, without reading strings) */
    const char *name;        /* interned (butte_res_intern): compares with == */
    uint64_t hash;
    void *data;              /* attach() */
    struct srt_client *next_free; /* on the sorter's free list once removed */
    double weight;
    uint64_t count;          /* allocated() calls: DRF's first tie-break */
    bool active;
    size_t pos;              /* index in the order array when last placed;
                              * only a hint: moves of others shift it, and
                              * are not written back (check order[pos]) */
    int64_t alloc[SRT_MAX_NAMES];   /* scalar milli-units held, per name index */
} srt_client_t;

struct butte_sorter;

/* The order a sorter keeps on top of the shared table. */
typedef struct srt_hooks {
    /* a client's allocation changed (called only for active clients) */
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
    srt_client_t **order;    /* the active clients, a ring: the i-th is
                              * at (head + i) & (order_cap - 1) (SRT_AT),
                              * so taking the first and putting it last --
                              * what an offer does to a DRF order -- moves
                              * nothing */
    size_t head, norder, order_cap; /* order_cap: a power of two */
    bool dirty;              /* totals or weights changed: every key is stale */
    bool ranks_dirty;        /* a client was added: name ranks are stale */
    const char *names[SRT_MAX_NAMES]; /* interned resource names */
    int64_t total[SRT_MAX_NAMES];
    size_t nnames;
    srt_weight_t *weights;
    size_t nweights, weights_cap;
    uint64_t rng;            /* xorshift state for the random sorter */
    srt_client_t *free_clients; /* removed clients, reused by add_client:
                              * clients sit together in the sorter's pool */
    srt_client_t *last;      /* the client last found or last visited: the
                              * allocator charges the one its walk stopped
                              * at, by the same interned name */
};

/* The generic slots; drf and random fill the rest of their ops tables. */
/* srt_ops - the ops table both sorter descriptors point at (hidden). */
extern const butte_sorter_ops_t srt_ops;

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

/* SRT_AT - the i-th active client of s, in order (an lvalue). */
#define SRT_AT(s, i) ((s)->order[((s)->head + (i)) & ((s)->order_cap - 1)])

/* srt_linearize - make the ring start at s->order[0] (head 0), so the
 * active clients are s->order[0 .. norder) for qsort. */
void srt_linearize(butte_sorter_t *s);

/* srt_move - move the client at index p to index q (both in the order
 * as it is before the move), shifting whichever side is shorter. */
void srt_move(butte_sorter_t *s, size_t p, size_t q);

/* srt_index - where active client c is in s->order: its hint when that
 * still holds, else a linear scan. */
size_t srt_index(const butte_sorter_t *s, const srt_client_t *c);

/* srt_rank_names - give every client its name's rank (strcmp order), so
 * ties compare integers, not strings.  O(n log n); after additions. */
void srt_rank_names(butte_sorter_t *s);

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
