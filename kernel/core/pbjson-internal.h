/*
 * kernel/core/pbjson-internal.h - what pbjson-decode.c and pbjson-encode.c
 * share (see <butte/pbjson.h> for the mapping itself).
 *
 * protobuf-c describes a message as a struct plus a descriptor giving each
 * field's offset; these helpers read and write fields through it.
 */
#ifndef BUTTE_PBJSON_INTERNAL_H
#define BUTTE_PBJSON_INTERNAL_H

#include <butte/pbjson.h>

/* The storage size of one value of a field's type (one array element for a
 * repeated field). */
size_t butte_pbjson_value_size(ProtobufCType type);

/* Whether desc is a map entry: protoc-c emits map<K,V> as a nested
 * "XxxEntry" message with exactly key = 1 and value = 2. */
bool butte_pbjson_is_map_entry(const ProtobufCMessageDescriptor *desc);

/* Whether field is deprecated.  protoc-c sets PROTOBUF_C_FIELD_FLAG_DEPRECATED
 * only for [deprecated = true], which our .proto files avoid (see
 * mesos.proto), so a short list names the ones whose default must not be
 * written. */
bool butte_pbjson_is_deprecated(const ProtobufCMessageDescriptor *desc,
                                const ProtobufCFieldDescriptor *field);

/* Whether an optional or required singular field holds a value (oneof
 * case, has_ flag, or non-NULL pointer that is not the shared default). */
bool butte_pbjson_is_set(const ProtobufCMessage *msg,
                         const ProtobufCFieldDescriptor *field);

/* Mark a singular field as holding a value (has_ flag or oneof case). */
void butte_pbjson_mark_set(ProtobufCMessage *msg,
                           const ProtobufCFieldDescriptor *field);

/* A new initialised (defaults filled) message of type desc from pool. */
ProtobufCMessage *butte_pbjson_new_message(butte_pool_t *pool,
                                           const ProtobufCMessageDescriptor *desc);

/* Standard base64 with padding.  encode returns a malloc'd NUL-terminated
 * string (aborts when out of memory); decode writes at most len / 4 * 3
 * bytes to out and returns how many, or -1 when text is not base64. */
char *butte_base64_encode(const uint8_t *data, size_t len);
long butte_base64_decode(const char *text, size_t len, uint8_t *out);

/* butte_pb_diagnose (pbcheck.c) - after protobuf-c failed to unpack
 * len bytes of data as desc: walk the wire bytes with the descriptor and
 * fill err with the first fault, by dotted path ("missing required field
 * \"acknowledge.uuid\"", or "malformed protobuf \"<type>\": field
 * \"<path>\": <what>").  Returns BUTTE_EINVAL when it found one, 0 when
 * the bytes look valid (err untouched).  err may be NULL.  Uses malloc for
 * merged sub-messages, freed before it returns. */
int butte_pb_diagnose(const ProtobufCMessageDescriptor *desc, const void *data, size_t len,
                      butte_err_t *err);

/* Abort with one log line: the jansson constructors return NULL only when
 * out of memory, which Butte does not handle (see pool.h). */
json_t *butte_pbjson_must(json_t *j);

#endif
