/*
 * butte/pbjson.h - protobuf messages to and from JSON the way Mesos does it,
 * and binary protobuf with pool memory.
 *
 * The v1 HTTP APIs accept and answer both application/json and
 * application/x-protobuf; this converter makes the JSON side match Mesos'
 * own (not proto3's) mapping, driven by any protobuf-c message descriptor
 * (mesos__v1__scheduler__call__descriptor, ...):
 *
 *  - keys are proto field names; null means "absent"; repeated fields are
 *    arrays (left out when empty); map fields (repeated XxxEntry messages
 *    with key = 1 and value = 2) are objects keyed by the key as a string;
 *  - enums are name strings; a JSON number for an enum is rejected; an
 *    unknown name is dropped in an optional or repeated field and an error
 *    in a required one;
 *  - bytes are standard base64 with padding;
 *  - 64-bit integers are JSON integers (a uint64 above 2^63-1 is written as
 *    a decimal string, since jansson's integers are signed); doubles always
 *    carry a decimal point (15.0); non-finite doubles are written as the
 *    strings "Infinity", "-Infinity", "NaN";
 *  - on input every numeric or bool field also takes a string holding the
 *    value ("5", "true"), doubles take "Infinity"/"-Infinity", integers take
 *    an integral JSON real (512.0); a map whose values are a message with a
 *    single double field "value" (Value.Scalar) also takes bare numbers
 *    ({"cpus": "Infinity", "mem": 512}, as Mesos documents TaskInfo.limits);
 *  - on output an unset optional field that declares a default is written
 *    with that default (Filters -> {"refuse_seconds":5.0}), except
 *    deprecated fields (Resource.role, FrameworkInfo.role), as Mesos does;
 *  - after parsing, every required field must be present.
 *
 * Errors name the field by its path from the top message, with array
 * indexes and map keys: "subscribe.framework_info.user",
 * "accept.operations[0].launch.task_infos[1].resources[0].scalar",
 * "limits.cpus".
 *
 * Nothing here blocks or logs.  Any thread may call these with a pool it
 * owns (pools are single-threaded); descriptors are read-only.
 */
#ifndef BUTTE_PBJSON_H
#define BUTTE_PBJSON_H

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

#include <butte/common.h>
#include <butte/error.h>
#include <butte/pool.h>

BUTTE_BEGIN_DECLS

/* Decoding flags. */
enum {
    /* Reject JSON keys that name no field (Mesos ignores them). */
    BUTTE_PBJSON_STRICT = 1u << 0
};

/* Encoding flags. */
enum {
    /* Leave unset optional fields out even when they declare a default. */
    BUTTE_PBJSON_NO_DEFAULTS = 1u << 0
};

/*
 * Flags for json_dumps()/json_dumpb() of an encoded message: compact, and
 * doubles with 15 significant digits as Mesos writes them (0.1, not
 * 0.10000000000000001).
 */
#define BUTTE_PBJSON_DUMP_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))

/*
 * butte_pbjson_decode - parse len bytes of JSON text into a new message of
 * type desc.
 *
 * On success returns 0 and sets *out to a message allocated, with all its
 * strings, arrays and sub-messages, from pool: it lives until the pool is
 * destroyed; never call protobuf_c_message_free_unpacked() on it.  On
 * failure returns BUTTE_EINVAL, fills err (invalid JSON with line and
 * column, type error or missing required field with its path, unknown
 * field under BUTTE_PBJSON_STRICT) and leaves *out untouched; memory
 * already taken from pool stays there until the pool dies.
 */
BUTTE_API int butte_pbjson_decode(butte_pool_t *pool,
                                  const ProtobufCMessageDescriptor *desc,
                                  const char *json, size_t len, unsigned flags,
                                  ProtobufCMessage **out, butte_err_t *err);

/*
 * butte_pbjson_decode_json - the same from an already parsed JSON value.
 * json is only read (the caller keeps its reference); the message shares
 * no memory with it.
 */
BUTTE_API int butte_pbjson_decode_json(butte_pool_t *pool,
                                       const ProtobufCMessageDescriptor *desc,
                                       json_t *json, unsigned flags,
                                       ProtobufCMessage **out, butte_err_t *err);

/*
 * butte_pbjson_encode - msg as a new JSON object.  The caller owns the
 * returned reference (json_decref it).  Never fails: out of memory aborts
 * the process, as pools do.  Dump it with BUTTE_PBJSON_DUMP_FLAGS to match
 * Mesos' number formatting.
 */
BUTTE_API json_t *butte_pbjson_encode(const ProtobufCMessage *msg, unsigned flags);

/*
 * butte_pbjson_encode_string - msg as compact JSON text in pool,
 * NUL-terminated; *len (if not NULL) receives its length without the NUL.
 * Never fails (out of memory aborts).
 */
BUTTE_API char *butte_pbjson_encode_string(butte_pool_t *pool,
                                           const ProtobufCMessage *msg,
                                           unsigned flags, size_t *len);

/*
 * butte_pb_decode - unpack len bytes of binary protobuf into a new message
 * of type desc, allocated from pool like butte_pbjson_decode's (no
 * free_unpacked).  Returns 0, or BUTTE_EINVAL with err filled when the
 * bytes are not a valid desc message (malformed, or a required field
 * missing: protobuf-c does not say which).
 */
BUTTE_API int butte_pb_decode(butte_pool_t *pool,
                              const ProtobufCMessageDescriptor *desc,
                              const void *data, size_t len,
                              ProtobufCMessage **out, butte_err_t *err);

/*
 * butte_pb_encode - pack msg into a buffer allocated from pool; *buf and
 * *len receive it.  Never fails (out of memory aborts).  A message with an
 * unset required field is packed as is (protobuf-c does not check).
 */
BUTTE_API void butte_pb_encode(butte_pool_t *pool, const ProtobufCMessage *msg,
                               uint8_t **buf, size_t *len);

/*
 * butte_pb_allocator - a ProtobufCAllocator whose memory comes from pool
 * (frees are no-ops), for calling protobuf-c directly.  *a must outlive
 * its use; the memory lives until the pool dies.
 */
BUTTE_API void butte_pb_allocator(butte_pool_t *pool, ProtobufCAllocator *a);

BUTTE_END_DECLS

#endif
