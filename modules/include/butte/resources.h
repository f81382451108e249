/*
 * butte/resources.h - the values kind operations exchange: resources and
 * serialized protocol messages.
 *
 * Resources (cpus, mem, disk, ports, ... with roles, reservations and
 * volumes) reach modules as an opaque butte_resources_t handle.  Its layout
 * is never part of the ABI; modules read and build resources only through
 * the butte_resources_* functions.  One resource inside a collection is a
 * butte_res_t, a size-prefixed struct modules may read directly (fields are
 * only ever appended; test new ones with BUTTE_HAS_FIELD).
 *
 * Protocol objects (TaskInfo, FrameworkInfo, AgentInfo, Labels, ...) reach
 * modules as a butte_pb_t: the binary protobuf encoding of the named
 * mesos.v1 message (the same bytes a v1 HTTP client sends with
 * Content-Type: application/x-protobuf).  The encoding is the stable
 * contract: decode it with the generated mesos__v1__* descriptors libbutte
 * exports, or with any protobuf library.  Where a Mesos interface passes a
 * repeated field that has no message of its own (attributes, say), the
 * header names a containing message of which only that field is read or
 * written ("AgentInfo, only .attributes").
 *
 * Ownership, unless a slot says otherwise: a handle or a butte_pb_t passed
 * *into* a module is borrowed for the duration of the call; a module that
 * keeps it must copy it (butte_resources_copy, or memcpy of the bytes) into
 * its own pool.  A value a module passes *out* is allocated from the pool
 * the slot gives it, and the kernel copies it before that pool dies.
 *
 * Arithmetic
 * ----------
 * Scalars are fixed-point with three decimals, as in Mesos: a scalar is an
 * int64_t count of thousandths ("milli-units"), so 0.1 + 0.2 == 0.3 exactly
 * and sums never drift.  Ranges are kept sorted and coalesced, sets sorted
 * (strcmp) and unique.  Two resources with the same identity (name, type,
 * reservation stack, allocation role, disk, provider, revocable) are kept as
 * one entry whose values are summed; shared resources, persistent volumes
 * and MOUNT/BLOCK disks are atomic: they never merge, and subtract or
 * contain only as whole equal entries.
 *
 * Strings inside a butte_res_t (names, roles, principals, set items, disk
 * fields) are interned: they live for the whole process, and two equal
 * strings from the kernel are the same pointer.
 *
 * Functions named *_add*, *_subtract*, *_clear, *_allocate, *_unallocate
 * and *_flatten change the collection they are given ("in place"); all
 * others leave their inputs alone and return new collections.  A pointer
 * from butte_resources_at() is valid until the collection is next changed.
 * Nothing here blocks except butte_resources_detect (it reads /proc and
 * statvfs()s a folder).  Collections are not thread-safe (like pools);
 * interning is.
 */
#ifndef BUTTE_RESOURCES_H
#define BUTTE_RESOURCES_H

#include <butte/common.h>
#include <butte/error.h>
#include <butte/pool.h>

BUTTE_BEGIN_DECLS

/*
 * BUTTE_HAS_FIELD - whether a size-prefixed struct the other side filled
 * (options, launch info, statistics, ...) is large enough to hold field.
 * Structs passed across the ABI start with "uint32_t size" and grow only at
 * the end; read a field the other side may not know only behind this test.
 */
#define BUTTE_HAS_FIELD(p, type, field) \
    ((p)->size >= offsetof(type, field) + sizeof(((type *)0)->field))

/* A serialized protobuf message.  data == NULL (len 0) means "absent". */
typedef struct butte_pb {
    const void *data;
    size_t len;
} butte_pb_t;

/*
 * A set of resources.  Opaque.  A collection handed to a module is const
 * and borrowed; one a module made (create, copy, parse, plus, minus,
 * filters) is its own to change until the pool it lives in is destroyed.
 */
typedef struct butte_resources butte_resources_t;

/* ---- values ------------------------------------------------------------ */

/* mesos.v1.Value.Type; the numbers are the protobuf's.  TEXT is only for
 * attributes. */
typedef enum butte_value_type {
    BUTTE_VALUE_SCALAR = 0,
    BUTTE_VALUE_RANGES = 1,
    BUTTE_VALUE_SET = 2,
    BUTTE_VALUE_TEXT = 3
} butte_value_type_t;

/* Milli-units per unit of a scalar. */
#define BUTTE_SCALAR_SCALE 1000

/* The largest scalar (in units) a resource may hold; keeps every sum of
 * two valid scalars inside int64_t milli-units. */
#define BUTTE_SCALAR_MAX 4.0e15

/*
 * butte_scalar_from_double - v rounded to the nearest thousandth, halves
 * away from zero (Mesos' llround(v * 1000)): 0.0005 -> 1, 0.0004 -> 0.
 * v must be finite; out-of-range values are clamped.  Never fails.
 */
BUTTE_API int64_t butte_scalar_from_double(double v);

/* butte_scalar_to_double - milli-units back to a double (1500 -> 1.5). */
BUTTE_API double butte_scalar_to_double(int64_t milli);

/* One inclusive range [begin, end] (mesos.v1.Value.Range). */
typedef struct butte_range {
    uint64_t begin;
    uint64_t end;
} butte_range_t;

/* ---- one resource ------------------------------------------------------ */

/* Resource.ReservationInfo.Type; numbers are the protobuf's. */
typedef enum butte_reservation_type {
    BUTTE_RESERVATION_UNKNOWN = 0,
    BUTTE_RESERVATION_STATIC = 1,
    BUTTE_RESERVATION_DYNAMIC = 2
} butte_reservation_type_t;

/* One entry of Resource.reservations (labels are not modelled). */
typedef struct butte_reservation {
    butte_reservation_type_t type;
    const char *role;       /* never "*" */
    const char *principal;  /* NULL when absent */
} butte_reservation_t;

/* Resource.DiskInfo.Source.Type; numbers are the protobuf's.  NONE (0,
 * the protobuf's UNKNOWN) means "no source". */
typedef enum butte_disk_source {
    BUTTE_DISK_SOURCE_NONE = 0,
    BUTTE_DISK_SOURCE_PATH = 1,
    BUTTE_DISK_SOURCE_MOUNT = 2,
    BUTTE_DISK_SOURCE_BLOCK = 3,
    BUTTE_DISK_SOURCE_RAW = 4
} butte_disk_source_t;

/*
 * The parts of Resource.DiskInfo the arithmetic needs; enough for the
 * protobuf conversion to round-trip persistent volumes and disk sources.
 * A disk with persistence_id, or a MOUNT or BLOCK source, is atomic.
 */
typedef struct butte_disk {
    uint32_t size;                     /* sizeof (butte_disk_t) of the writer */
    const char *persistence_id;        /* NULL: not a persistent volume */
    const char *persistence_principal;
    const char *container_path;        /* volume.container_path, NULL: none */
    int volume_mode;                   /* Volume.Mode: 0 unset, 1 RW, 2 RO */
    butte_disk_source_t source_type;
    const char *source_root;           /* source.path.root or source.mount.root */
    const char *source_id;
    const char *source_profile;
} butte_disk_t;

/*
 * One resource (mesos.v1.Resource).  Exactly one of the value fields is
 * meaningful, by type.  The role of a resource is the role of its last
 * reservation, "*" when it has none (see butte_res_role).
 *
 * A module that builds one for butte_resources_add starts from
 * BUTTE_RES_INIT (it sets size) and points the fields at its own memory;
 * the kernel copies everything.
 */
typedef struct butte_res {
    uint32_t size;                     /* sizeof (butte_res_t) of the writer */
    butte_value_type_t type;           /* SCALAR, RANGES or SET */
    const char *name;
    int64_t scalar;                    /* milli-units (2.5 cpus = 2500) */
    const butte_range_t *ranges;       /* sorted, coalesced */
    size_t nranges;
    const char *const *items;          /* sorted (strcmp), unique */
    size_t nitems;
    const butte_reservation_t *reservations; /* oldest first */
    size_t nreservations;
    const char *allocation_role;       /* allocation_info.role, NULL: none */
    const butte_disk_t *disk;          /* NULL: no DiskInfo */
    const char *provider_id;           /* NULL: none */
    bool revocable;
    bool shared;
} butte_res_t;

#define BUTTE_RES_INIT { .size = sizeof(butte_res_t) }
#define BUTTE_DISK_INIT { .size = sizeof(butte_disk_t) }

/* butte_res_role - r's current role: its last reservation's, or "*". */
BUTTE_API const char *butte_res_role(const butte_res_t *r);

/* butte_res_is_reserved - whether r has at least one reservation. */
BUTTE_API bool butte_res_is_reserved(const butte_res_t *r);

/*
 * butte_res_intern - the process-wide copy of s (NULL -> NULL).  Strings in
 * collections are interned, so a module that interns the names it looks up
 * once may compare them with ==.  Thread-safe; never fails.
 */
BUTTE_API const char *butte_res_intern(const char *s);

/*
 * butte_role_valid - 0 when role is a valid role name (row 80: "*", or
 * '/'-separated components, each non-empty, not ".", ".." or "*", not
 * starting with '-', without whitespace or DEL), else BUTTE_EINVAL with
 * err saying why ("role 'a//b' is invalid: it has an empty component").
 */
BUTTE_API int butte_role_valid(const char *role, butte_err_t *err);

/* butte_role_is_subrole - whether role is ancestor or lies below it
 * ("eng/web" is a subrole of "eng"; "eng" of itself; nothing of "*"). */
BUTTE_API bool butte_role_is_subrole(const char *role, const char *ancestor);

/* ---- collections ------------------------------------------------------- */

/* butte_resources_create - an empty collection in pool.  Never fails. */
BUTTE_API butte_resources_t *butte_resources_create(butte_pool_t *pool);

/* butte_resources_copy - a copy of r that lives in pool (r NULL -> empty).
 * The copy is the caller's to change.  Never fails. */
BUTTE_API butte_resources_t *butte_resources_copy(butte_pool_t *pool,
                                                  const butte_resources_t *r);

/* butte_resources_count / _at - iterate over the entries.  The pointer
 * stays valid until rs is changed; the strings in it, for ever. */
BUTTE_API size_t butte_resources_count(const butte_resources_t *rs);
BUTTE_API const butte_res_t *butte_resources_at(const butte_resources_t *rs, size_t i);

/*
 * butte_resources_add - in place: rs += r, merging with an entry of the
 * same identity.  r is validated (name, scalar range, ranges not
 * overlapping, unique set items, valid roles, refinement order) and copied;
 * an empty r is a no-op.  Returns 0, or BUTTE_EINVAL with err filled and rs
 * unchanged.
 */
BUTTE_API int butte_resources_add(butte_resources_t *rs, const butte_res_t *r, butte_err_t *err);

/*
 * butte_resources_add_scalar / _add_range - in place: add "name(role):v"
 * or "name(role):[begin-end]", statically reserved for role unless role is
 * NULL or "*".  Conveniences for tests and the agent; same errors as
 * butte_resources_add (plus a non-finite or negative scalar).
 */
BUTTE_API int butte_resources_add_scalar(butte_resources_t *rs, const char *name,
                                         const char *role, double value, butte_err_t *err);
BUTTE_API int butte_resources_add_range(butte_resources_t *rs, const char *name,
                                        const char *role, uint64_t begin, uint64_t end,
                                        butte_err_t *err);

/* butte_resources_add_all - in place: rs += other.  Never fails. */
BUTTE_API void butte_resources_add_all(butte_resources_t *rs, const butte_resources_t *other);

/*
 * butte_resources_subtract - in place: rs -= other.  Scalars subtract,
 * ranges and sets take the difference, atomic entries go only when an
 * equal entry is subtracted; an entry that reaches zero (or would go
 * negative) is dropped; parts of other that rs lacks are ignored.
 * Allocates nothing unless a range splits beyond its array.
 */
BUTTE_API void butte_resources_subtract(butte_resources_t *rs, const butte_resources_t *other);

/* butte_resources_clear - in place: remove every entry. */
BUTTE_API void butte_resources_clear(butte_resources_t *rs);

/* butte_resources_plus / _minus - a new collection a + b or a - b in
 * pool (NULL inputs are empty).  Never fail. */
BUTTE_API butte_resources_t *butte_resources_plus(butte_pool_t *pool, const butte_resources_t *a,
                                                  const butte_resources_t *b);
BUTTE_API butte_resources_t *butte_resources_minus(butte_pool_t *pool, const butte_resources_t *a,
                                                   const butte_resources_t *b);

/* butte_resources_is_empty - true for NULL or an empty set. */
BUTTE_API bool butte_resources_is_empty(const butte_resources_t *r);

/* butte_resources_contains - true when a holds at least everything in b,
 * entry by entry with the same identity (cpus(*):4 does not contain
 * cpus(ml):1).  Allocates nothing. */
BUTTE_API bool butte_resources_contains(const butte_resources_t *a, const butte_resources_t *b);

/* butte_resources_equals - a contains b and b contains a. */
BUTTE_API bool butte_resources_equals(const butte_resources_t *a, const butte_resources_t *b);

/* butte_resources_scalar - the total of the scalar resource name ("cpus",
 * "mem" in MB, "disk" in MB, "gpus") across roles; 0 when absent. */
BUTTE_API double butte_resources_scalar(const butte_resources_t *r, const char *name);

/* butte_resources_scalar_milli - the same total in milli-units. */
BUTTE_API int64_t butte_resources_scalar_milli(const butte_resources_t *r, const char *name);

/* ---- filters: new collections in pool; the input is unchanged ---------- */

typedef bool (*butte_res_pred_fn)(const butte_res_t *r, void *arg);

/* butte_resources_filter - the entries of r for which pred returns true. */
BUTTE_API butte_resources_t *butte_resources_filter(butte_pool_t *pool, const butte_resources_t *r,
                                                    butte_res_pred_fn pred, void *arg);

/* butte_resources_unreserved - the entries with no reservation. */
BUTTE_API butte_resources_t *butte_resources_unreserved(butte_pool_t *pool,
                                                        const butte_resources_t *r);

/* butte_resources_reserved - the entries whose current role is role
 * exactly; every reserved entry when role is NULL. */
BUTTE_API butte_resources_t *butte_resources_reserved(butte_pool_t *pool,
                                                      const butte_resources_t *r,
                                                      const char *role);

/* butte_resources_for_role - what may be allocated to role: unreserved
 * entries and those reserved to role or one of its ancestors (Mesos'
 * allocatableTo). */
BUTTE_API butte_resources_t *butte_resources_for_role(butte_pool_t *pool,
                                                      const butte_resources_t *r,
                                                      const char *role);

/* butte_resources_revocable / _nonrevocable - by the revocable flag. */
BUTTE_API butte_resources_t *butte_resources_revocable(butte_pool_t *pool,
                                                       const butte_resources_t *r);
BUTTE_API butte_resources_t *butte_resources_nonrevocable(butte_pool_t *pool,
                                                          const butte_resources_t *r);

/* butte_resources_allocated_to - the entries allocated to role; every
 * allocated entry when role is NULL. */
BUTTE_API butte_resources_t *butte_resources_allocated_to(butte_pool_t *pool,
                                                          const butte_resources_t *r,
                                                          const char *role);

/* ---- identity changes: in place, entries that become equal merge ------- */

/* butte_resources_allocate - set allocation_info.role of every entry.
 * role must be a valid role (BUTTE_EINVAL otherwise, rs unchanged). */
BUTTE_API int butte_resources_allocate(butte_resources_t *rs, const char *role, butte_err_t *err);

/* butte_resources_unallocate - clear allocation_info of every entry. */
BUTTE_API void butte_resources_unallocate(butte_resources_t *rs);

/* butte_resources_flatten - replace every reservation stack with one
 * STATIC reservation for role (none when role is NULL or "*"), as Mesos'
 * flatten() does for quota and DRF accounting.  BUTTE_EINVAL for an
 * invalid role, rs unchanged. */
BUTTE_API int butte_resources_flatten(butte_resources_t *rs, const char *role, butte_err_t *err);

/* ---- text -------------------------------------------------------------- */

/*
 * butte_resources_format - Mesos' text form of r, in pool (for logs):
 * "cpus:2;mem:1024;ports:[31000-32000];gpus(ml):2;zones:{a,b}".  Extras
 * that the text grammar cannot express follow the name: "(allocated: r)",
 * "[persistence_id:container_path]", "{REV}", "<SHARED>".  "" when empty.
 */
BUTTE_API char *butte_resources_format(butte_pool_t *pool, const butte_resources_t *r);

/*
 * butte_resources_parse - resources from Mesos' text form
 * ("cpus:2;mem:1024;ports:[31000-32000]") or a JSON array of Resource.
 * The result lives in pool.  NULL with err filled on a syntax error.
 * Same as butte_resources_parse_role with default role "*".  Never blocks.
 */
BUTTE_API butte_resources_t *butte_resources_parse(butte_pool_t *pool, const char *text,
                                                   butte_err_t *err);

/*
 * butte_resources_parse_role - the --resources grammar (protocol §F).
 * Text: "name[(role)]:value" separated by ';', whitespace ignored, value a
 * scalar >= 0, "[b-e,...]" or "{item,...}"; a name appears at most once
 * per role and with one type.  Text starting with '[' is a JSON array of
 * mesos.v1.Resource (legacy "role"/"reservation" or "reservations").
 * Resources without a role get default_role (a static reservation unless
 * it is "*").  On success *out is a new collection in pool (zero values
 * dropped) and 0 is returned; else *out is NULL and BUTTE_EINVAL is
 * returned with err naming the resource ("resource 'mem': value 'abc' is
 * not a number").  Never blocks.
 */
BUTTE_API int butte_resources_parse_role(butte_pool_t *pool, const char *text,
                                         const char *default_role, butte_resources_t **out,
                                         butte_err_t *err);

/*
 * butte_resources_detect - the agent's resources: text (may be NULL) parsed
 * as --resources with default_role, plus, for each of cpus, mem, disk and
 * ports not named in it (in any role): cpus = online CPUs (fallback 1);
 * mem = total MB - 1024 when total >= 2048, else half; disk = MB of the
 * file system holding work_dir (or its nearest existing parent) - 5120
 * when >= 10240, else half; ports = [31000-32000].  Detected resources
 * get default_role.  0 with *out in pool, or (*out NULL) BUTTE_EINVAL for
 * bad text or a NULL work_dir when disk must be detected, BUTTE_EIO when
 * memory or statvfs() cannot be read, with err filled.  Blocks briefly on
 * /proc and statvfs().
 */
BUTTE_API int butte_resources_detect(butte_pool_t *pool, const char *work_dir, const char *text,
                                     const char *default_role, butte_resources_t **out,
                                     butte_err_t *err);

/* ---- quantities -------------------------------------------------------- */

/*
 * A name -> amount map (Mesos' ResourceQuantities): what DRF shares and
 * minimum offer sizes compare.  Scalars count their value, ranges their
 * members, sets their items; roles and other identity are ignored.
 * Opaque; amounts are milli-units.  Changes in place never allocate once a
 * name has been seen.
 */
typedef struct butte_quantities butte_quantities_t;

/* butte_quantities_create - an empty map in pool.  Never fails. */
BUTTE_API butte_quantities_t *butte_quantities_create(butte_pool_t *pool);

/* butte_resources_quantities - the quantities of r, new in pool. */
BUTTE_API butte_quantities_t *butte_resources_quantities(butte_pool_t *pool,
                                                         const butte_resources_t *r);

/* butte_quantities_get / _get_milli - the amount of name; 0 if absent. */
BUTTE_API double butte_quantities_get(const butte_quantities_t *q, const char *name);
BUTTE_API int64_t butte_quantities_get_milli(const butte_quantities_t *q, const char *name);

/* butte_quantities_count / _at - iterate; *name is interned. */
BUTTE_API size_t butte_quantities_count(const butte_quantities_t *q);
BUTTE_API void butte_quantities_at(const butte_quantities_t *q, size_t i, const char **name,
                                   int64_t *milli);

/* butte_quantities_add / _add_all / _subtract_all - in place; amounts
 * saturate, and never go below zero (a zero amount is removed). */
BUTTE_API void butte_quantities_add(butte_quantities_t *q, const char *name, int64_t milli);
BUTTE_API void butte_quantities_add_all(butte_quantities_t *q, const butte_quantities_t *other);
BUTTE_API void butte_quantities_subtract_all(butte_quantities_t *q,
                                             const butte_quantities_t *other);

/* butte_quantities_contains - every amount of b is <= its amount in a. */
BUTTE_API bool butte_quantities_contains(const butte_quantities_t *a, const butte_quantities_t *b);

/* butte_quantities_format - "cpus:0.01;mem:32" in pool ("" when empty). */
BUTTE_API char *butte_quantities_format(butte_pool_t *pool, const butte_quantities_t *q);

/*
 * butte_min_allocatable_parse - --min_allocatable_resources: alternatives
 * separated by '|', each "name:quantity" pairs separated by ';' (quantity
 * a scalar, "[b-e,...]" or "{a,...}", counted).  On success *out is an
 * array of *n quantities in pool and 0 is returned; else BUTTE_EINVAL with
 * err filled.
 */
BUTTE_API int butte_min_allocatable_parse(butte_pool_t *pool, const char *text,
                                          butte_quantities_t ***out, size_t *n, butte_err_t *err);

/* butte_min_allocatable_met - whether q meets one of the n alternatives
 * (true when n is 0).  Allocates nothing. */
BUTTE_API bool butte_min_allocatable_met(butte_quantities_t *const *alts, size_t n,
                                         const butte_quantities_t *q);

/* ---- weights ----------------------------------------------------------- */

/* One role's weight (--weights, /weights).  Never grows. */
typedef struct butte_weight {
    const char *role;
    double weight;
} butte_weight_t;

/*
 * butte_weights_parse - "role=weight(,role=weight)*", weight a positive
 * finite number, role valid; a role given twice keeps the last weight.
 * 0 with *out an array of *n entries in pool, or BUTTE_EINVAL.
 */
BUTTE_API int butte_weights_parse(butte_pool_t *pool, const char *text, butte_weight_t **out,
                                  size_t *n, butte_err_t *err);

/* ---- attributes -------------------------------------------------------- */

/* One agent attribute (mesos.v1.Attribute): SCALAR, RANGES or TEXT. */
typedef struct butte_attr {
    uint32_t size;                     /* sizeof (butte_attr_t) of the writer */
    butte_value_type_t type;
    const char *name;
    double scalar;                     /* attributes are not fixed-point */
    const butte_range_t *ranges;       /* sorted, coalesced */
    size_t nranges;
    const char *text;
} butte_attr_t;

/* An agent's attributes in their given order.  Opaque; immutable once a
 * module sees it. */
typedef struct butte_attributes butte_attributes_t;

/*
 * butte_attributes_parse - --attributes: "name:value" separated by ';' or
 * newlines.  "[b-e,...]" is RANGES, a finite number >= 0 is SCALAR,
 * anything else TEXT of [a-zA-Z0-9_/.-]; "{...}" sets are rejected.  0
 * with *out in pool (empty text: no attributes), or BUTTE_EINVAL.
 */
BUTTE_API int butte_attributes_parse(butte_pool_t *pool, const char *text,
                                     butte_attributes_t **out, butte_err_t *err);

/* butte_attributes_create - an empty list in pool.  Never fails. */
BUTTE_API butte_attributes_t *butte_attributes_create(butte_pool_t *pool);

/* butte_attributes_add - in place: append a copy of attr (validated as
 * the parser would; names may repeat).  0 or BUTTE_EINVAL. */
BUTTE_API int butte_attributes_add(butte_attributes_t *a, const butte_attr_t *attr,
                                   butte_err_t *err);

/* butte_attributes_count / _at / _get - iterate; get finds the first with
 * name (NULL if none).  NULL a counts as empty. */
BUTTE_API size_t butte_attributes_count(const butte_attributes_t *a);
BUTTE_API const butte_attr_t *butte_attributes_at(const butte_attributes_t *a, size_t i);
BUTTE_API const butte_attr_t *butte_attributes_get(const butte_attributes_t *a,
                                                   const char *name);

/* butte_attributes_format - "dc:ams1;row:7;slots:[10-20]" in pool. */
BUTTE_API char *butte_attributes_format(butte_pool_t *pool, const butte_attributes_t *a);

BUTTE_END_DECLS

#endif
