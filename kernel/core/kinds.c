/*
 * kernel/core/kinds.c - the per-kind table the loader checks operations
 * tables against.
 *
 * Rule: ops_min_size is the size of a kind's table as ABI 1.0 shipped it
 * and never changes.  When a minor release appends a slot, ops_size grows
 * (it is sizeof) but the minimum keeps naming the last 1.0 slot, so
 * modules built against 1.0 still load.  Required slots are only ever 1.0
 * slots: a slot added later cannot be required of older modules.
 */
#include "config.h"

#include <stddef.h>

#include <butte/allocator.h>
#include <butte/anonymous.h>
#include <butte/authenticator.h>
#include <butte/containerizer.h>
#include <butte/hook.h>
#include <butte/isolator.h>
#include <butte/sorter.h>

#include "core/kinds-internal.h"

/* The end of slot in type: a table that ends there holds it. */
#define OPS_END(type, slot) (offsetof(type, slot) + sizeof(((type *)0)->slot))
#define SLOT(type, slot) { #slot, offsetof(type, slot) }
#define N(a) (sizeof(a) / sizeof((a)[0]))

static const butte_kind_slot_t allocator_required[] = {
    SLOT(butte_allocator_ops_t, initialize),
    SLOT(butte_allocator_ops_t, add_framework),
    SLOT(butte_allocator_ops_t, remove_framework),
    SLOT(butte_allocator_ops_t, activate_framework),
    SLOT(butte_allocator_ops_t, deactivate_framework),
    SLOT(butte_allocator_ops_t, add_agent),
    SLOT(butte_allocator_ops_t, remove_agent),
    SLOT(butte_allocator_ops_t, activate_agent),
    SLOT(butte_allocator_ops_t, deactivate_agent),
    SLOT(butte_allocator_ops_t, recover_resources),
};

static const butte_kind_slot_t sorter_required[] = {
    SLOT(butte_sorter_ops_t, open),
    SLOT(butte_sorter_ops_t, close),
    SLOT(butte_sorter_ops_t, add_client),
    SLOT(butte_sorter_ops_t, remove_client),
    SLOT(butte_sorter_ops_t, activate),
    SLOT(butte_sorter_ops_t, deactivate),
    SLOT(butte_sorter_ops_t, update_weight),
    SLOT(butte_sorter_ops_t, allocated),
    SLOT(butte_sorter_ops_t, unallocated),
    SLOT(butte_sorter_ops_t, add_total),
    SLOT(butte_sorter_ops_t, remove_total),
    SLOT(butte_sorter_ops_t, sort),
};

static const butte_kind_slot_t isolator_required[] = {
    SLOT(butte_isolator_ops_t, prepare),
    SLOT(butte_isolator_ops_t, isolate),
    SLOT(butte_isolator_ops_t, cleanup),
};

static const butte_kind_slot_t containerizer_required[] = {
    SLOT(butte_containerizer_ops_t, launch),
    SLOT(butte_containerizer_ops_t, wait),
    SLOT(butte_containerizer_ops_t, destroy),
    SLOT(butte_containerizer_ops_t, containers),
};

static const butte_kind_slot_t authenticator_required[] = {
    SLOT(butte_authenticator_ops_t, mechanisms),
    SLOT(butte_authenticator_ops_t, start),
    SLOT(butte_authenticator_ops_t, step),
};

static const butte_kind_slot_t authenticatee_required[] = {
    SLOT(butte_authenticatee_ops_t, start),
    SLOT(butte_authenticatee_ops_t, step),
};

static const butte_kind_slot_t http_authenticator_required[] = {
    SLOT(butte_http_authenticator_ops_t, scheme),
    SLOT(butte_http_authenticator_ops_t, authenticate),
};

#define KIND(k, name, type, last10, req) \
    { k, name, OPS_END(type, last10), sizeof(type), req, N(req) }
#define KIND_NOREQ(k, name, type, last10) \
    { k, name, OPS_END(type, last10), sizeof(type), NULL, 0 }

/* Indexed by kind number; the numbers are ABI (module.h). */
static const butte_kind_info_t kinds[] = {
    [BUTTE_KIND_ALLOCATOR] = KIND(BUTTE_KIND_ALLOCATOR, "allocator", butte_allocator_ops_t,
                                  stats, allocator_required),
    [BUTTE_KIND_SORTER] = KIND(BUTTE_KIND_SORTER, "sorter", butte_sorter_ops_t, allocation,
                               sorter_required),
    [BUTTE_KIND_ISOLATOR] = KIND(BUTTE_KIND_ISOLATOR, "isolator", butte_isolator_ops_t, cleanup,
                                 isolator_required),
    [BUTTE_KIND_CONTAINERIZER] = KIND(BUTTE_KIND_CONTAINERIZER, "containerizer",
                                      butte_containerizer_ops_t, containers,
                                      containerizer_required),
    [BUTTE_KIND_AUTHENTICATOR] = KIND(BUTTE_KIND_AUTHENTICATOR, "authenticator",
                                      butte_authenticator_ops_t, finish,
                                      authenticator_required),
    [BUTTE_KIND_AUTHENTICATEE] = KIND(BUTTE_KIND_AUTHENTICATEE, "authenticatee",
                                      butte_authenticatee_ops_t, finish,
                                      authenticatee_required),
    [BUTTE_KIND_HTTP_AUTHENTICATOR] = KIND(BUTTE_KIND_HTTP_AUTHENTICATOR, "http_authenticator",
                                           butte_http_authenticator_ops_t, authenticate,
                                           http_authenticator_required),
    [BUTTE_KIND_HOOK] = KIND_NOREQ(BUTTE_KIND_HOOK, "hook", butte_hook_ops_t, agent_attributes),
    [BUTTE_KIND_ANONYMOUS] = KIND_NOREQ(BUTTE_KIND_ANONYMOUS, "anonymous", butte_anonymous_ops_t,
                                        stopping),
};

const butte_kind_info_t *
butte_kind_info(uint32_t kind)
{
    /* Gaps in the designated initializer have a NULL name. */
    if (kind >= N(kinds) || kinds[kind].name == NULL)
        return NULL;
    return &kinds[kind];
}

const char *
butte_kind_name(uint32_t kind)
{
    const butte_kind_info_t *k = butte_kind_info(kind);

    return k != NULL ? k->name : NULL;
}
