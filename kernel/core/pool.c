/*
 * kernel/core/pool.c - memory pools (see <butte/pool.h>).
 *
 * A pool hands out memory from blocks it mallocs; large requests get a
 * block of their own.  Cleanups and children are kept on singly linked
 * lists, newest first, which is also the order they are undone in.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <butte/log.h>
#include <butte/pool.h>

#define POOL_BLOCK 4096      /* largest ordinary block */
#define POOL_FIRST_BLOCK 256 /* first block: most per-object pools stay tiny */
#define POOL_ALIGN 16

struct block {
    struct block *next;
    size_t used, cap;
    _Alignas(POOL_ALIGN) unsigned char data[];
};

struct cleanup {
    struct cleanup *next;
    butte_cleanup_fn fn;
    void *arg;
};

struct butte_pool {
    butte_pool_t *parent;
    butte_pool_t *children;     /* newest first */
    butte_pool_t *next_sibling;
    butte_pool_t *prev_sibling;
    struct block *blocks;       /* blocks[0] is the one being filled */
    struct cleanup *cleanups;   /* newest first */
    size_t next_block;          /* size of the next ordinary block */
};

static void *
xmalloc(size_t n)
{
    void *p = calloc(1, n);

    /* Out of memory is not recoverable here: every caller would need an
     * untested branch, so log one line and stop. */
    if (p == NULL) {
        butte_log(NULL, BUTTE_LOG_ERROR, "out of memory allocating %zu bytes", n);
        abort();
    }
    return p;
}

butte_pool_t *
butte_pool_create(butte_pool_t *parent)
{
    butte_pool_t *p = xmalloc(sizeof *p);

    /* Blocks grow 256 -> 4096 bytes: a master holds one pool per task and
     * per agent, and a fixed 4 KiB first block was most of their memory. */
    p->next_block = POOL_FIRST_BLOCK;
    p->parent = parent;
    if (parent != NULL) {
        p->next_sibling = parent->children;
        if (parent->children != NULL)
            parent->children->prev_sibling = p;
        parent->children = p;
    }
    return p;
}

void
butte_pool_destroy(butte_pool_t *p)
{
    if (p == NULL)
        return;
    while (p->children != NULL)
        butte_pool_destroy(p->children);
    /* Cleanups run before memory goes: they may still read pool data. */
    while (p->cleanups != NULL) {
        struct cleanup *c = p->cleanups;
        p->cleanups = c->next;
        c->fn(c->arg);
    }
    while (p->blocks != NULL) {
        struct block *b = p->blocks;
        p->blocks = b->next;
        free(b);
    }
    if (p->parent != NULL) {
        if (p->prev_sibling != NULL)
            p->prev_sibling->next_sibling = p->next_sibling;
        else
            p->parent->children = p->next_sibling;
        if (p->next_sibling != NULL)
            p->next_sibling->prev_sibling = p->prev_sibling;
    }
    free(p);
}

void *
butte_pool_alloc(butte_pool_t *p, size_t n)
{
    struct block *b = p->blocks;
    size_t need = (n + POOL_ALIGN - 1) & ~(size_t)(POOL_ALIGN - 1);

    if (need == 0)
        need = POOL_ALIGN;
    if (b != NULL && b->cap - b->used >= need) {
        void *r = b->data + b->used;
        b->used += need;
        return r;
    }
    if (need > POOL_BLOCK / 4) {
        /* A big request gets its own block, linked behind the current one
         * so the current block keeps filling. */
        struct block *big = xmalloc(sizeof *big + need);
        big->cap = big->used = need;
        if (b != NULL) {
            big->next = b->next;
            b->next = big;
        } else {
            p->blocks = big;
        }
        return big->data;
    }
    size_t cap = p->next_block > need ? p->next_block : need;

    b = xmalloc(sizeof *b + cap);
    b->cap = cap;
    b->used = need;
    if (p->next_block < POOL_BLOCK)
        p->next_block *= 2;
    b->next = p->blocks;
    p->blocks = b;
    return b->data;
}

char *
butte_pool_strndup(butte_pool_t *p, const char *s, size_t n)
{
    char *r;
    size_t len;

    if (s == NULL)
        return NULL;
    len = strnlen(s, n);
    r = butte_pool_alloc(p, len + 1);
    memcpy(r, s, len);
    r[len] = '\0';
    return r;
}

char *
butte_pool_strdup(butte_pool_t *p, const char *s)
{
    return s == NULL ? NULL : butte_pool_strndup(p, s, strlen(s));
}

char *
butte_pool_vprintf(butte_pool_t *p, const char *fmt, va_list ap)
{
    va_list ap2;
    int len;
    char *r;

    va_copy(ap2, ap);
    len = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (len < 0)
        len = 0;
    r = butte_pool_alloc(p, (size_t)len + 1);
    vsnprintf(r, (size_t)len + 1, fmt, ap);
    return r;
}

char *
butte_pool_printf(butte_pool_t *p, const char *fmt, ...)
{
    va_list ap;
    char *r;

    va_start(ap, fmt);
    r = butte_pool_vprintf(p, fmt, ap);
    va_end(ap);
    return r;
}

void
butte_pool_on_destroy(butte_pool_t *p, butte_cleanup_fn fn, void *arg)
{
    struct cleanup *c = butte_pool_alloc(p, sizeof *c);

    c->fn = fn;
    c->arg = arg;
    c->next = p->cleanups;
    p->cleanups = c;
}
