/*
 * kernel/core/kinds-internal.h - what the loader knows about each module
 * kind: its name, the size of its operations table and which slots a
 * module must fill.
 */
#ifndef BUTTE_KINDS_INTERNAL_H
#define BUTTE_KINDS_INTERNAL_H

#include <butte/module.h>

/* One required slot of an operations table. */
typedef struct butte_kind_slot {
    const char *name; /* as in the header: "prepare" */
    size_t offset;    /* offsetof() in the kind's ops struct */
} butte_kind_slot_t;

typedef struct butte_kind_info {
    uint32_t kind;       /* a butte_kind_t */
    const char *name;    /* "isolator"; also the log tag prefix */
    size_t ops_min_size; /* size of the ABI 1.0 table: smaller is rejected */
    size_t ops_size;     /* this kernel's sizeof: the instance's zeroed copy */
    const butte_kind_slot_t *required;
    size_t n_required;
} butte_kind_info_t;

/* butte_kind_info - the table entry for kind, or NULL for an unknown kind.
 * Static data; never fails, never blocks. */
const butte_kind_info_t *butte_kind_info(uint32_t kind);

#endif
