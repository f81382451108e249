/*
 * kernel/core/pbjson.c - binary protobuf with pool memory, and the field
 * helpers and base64 the JSON converter's two halves share (see
 * <butte/pbjson.h>; JSON input is pbjson-decode.c, output pbjson-encode.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <butte/log.h>

#include "core/pbjson-internal.h"

/* ---------------------------------------------------------------- allocator */

static void *
pool_alloc(void *data, size_t size)
{
    /* protobuf-c may ask for 0 bytes (an empty repeated field). */
    return butte_pool_alloc(data, size > 0 ? size : 1);
}

static void
pool_free(void *data, void *ptr)
{
    /* Pool memory goes with the pool. */
    (void)data;
    (void)ptr;
}

void
butte_pb_allocator(butte_pool_t *pool, ProtobufCAllocator *a)
{
    a->alloc = pool_alloc;
    a->free = pool_free;
    a->allocator_data = pool;
}

/* ---------------------------------------------------------------- binary */

int
butte_pb_decode(butte_pool_t *pool, const ProtobufCMessageDescriptor *desc,
                const void *data, size_t len, ProtobufCMessage **out,
                butte_err_t *err)
{
    ProtobufCAllocator a;
    ProtobufCMessage *msg;

    butte_pb_allocator(pool, &a);
    msg = protobuf_c_message_unpack(desc, &a, len, data);
    if (msg == NULL) {
        /* protobuf-c says only "failed": walk the bytes again to name the
         * field, worded as the JSON converter words it (pbcheck.c) */
        if (butte_pb_diagnose(desc, data, len, err) != 0)
            return BUTTE_EINVAL;
        return butte_err_set(err, BUTTE_EINVAL,
                             "cannot parse %zu bytes as protobuf \"%s\": malformed"
                             " or a required field is missing", len, desc->name);
    }
    *out = msg;
    return 0;
}

void
butte_pb_encode(butte_pool_t *pool, const ProtobufCMessage *msg, uint8_t **buf,
                size_t *len)
{
    size_t n = protobuf_c_message_get_packed_size(msg);

    *buf = butte_pool_alloc(pool, n > 0 ? n : 1);
    *len = protobuf_c_message_pack(msg, *buf);
}

char *
butte_pbjson_encode_string(butte_pool_t *pool, const ProtobufCMessage *msg,
                           unsigned flags, size_t *len)
{
    json_t *j = butte_pbjson_encode(msg, flags);
    size_t n = json_dumpb(j, NULL, 0, BUTTE_PBJSON_DUMP_FLAGS);
    char *s = butte_pool_alloc(pool, n + 1);

    json_dumpb(j, s, n, BUTTE_PBJSON_DUMP_FLAGS);
    s[n] = '\0';
    json_decref(j);
    if (len != NULL)
        *len = n;
    return s;
}

/* ---------------------------------------------------------------- fields */

size_t
butte_pbjson_value_size(ProtobufCType type)
{
    switch (type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_ENUM:
        return 4;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_DOUBLE:
        return 8;
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_STRING:
        return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(ProtobufCMessage *);
    }
    return 0;
}

bool
butte_pbjson_is_map_entry(const ProtobufCMessageDescriptor *desc)
{
    size_t n = strlen(desc->short_name);

    return desc->n_fields == 2 && n > 5 && strcmp(desc->short_name + n - 5, "Entry") == 0 &&
           desc->fields[0].id == 1 && strcmp(desc->fields[0].name, "key") == 0 &&
           desc->fields[1].id == 2 && strcmp(desc->fields[1].name, "value") == 0;
}

bool
butte_pbjson_is_deprecated(const ProtobufCMessageDescriptor *desc,
                           const ProtobufCFieldDescriptor *field)
{
    /* Only deprecated fields that declare a default matter: the list is
     * what keeps "role":"*" out of every Resource Butte writes. */
    static const char *const deprecated[][2] = {
        { "mesos.v1.Resource", "role" },
        { "mesos.v1.FrameworkInfo", "role" },
    };

    if (field->flags & PROTOBUF_C_FIELD_FLAG_DEPRECATED)
        return true;
    for (size_t i = 0; i < sizeof deprecated / sizeof deprecated[0]; i++)
        if (strcmp(desc->name, deprecated[i][0]) == 0 &&
            strcmp(field->name, deprecated[i][1]) == 0)
            return true;
    return false;
}

bool
butte_pbjson_is_set(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *field)
{
    const char *base = (const char *)msg;
    const void *member = base + field->offset;

    if (field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        return *(const uint32_t *)(base + field->quantifier_offset) == field->id;
    if (field->type == PROTOBUF_C_TYPE_STRING || field->type == PROTOBUF_C_TYPE_MESSAGE) {
        const void *p = *(const void *const *)member;

        /* protobuf-c points an unset string with a default at the shared
         * default itself; packing skips it, and so do we. */
        return p != NULL && (field->label == PROTOBUF_C_LABEL_REQUIRED ||
                             p != field->default_value);
    }
    if (field->label == PROTOBUF_C_LABEL_REQUIRED || field->quantifier_offset == 0)
        return true;
    return *(const protobuf_c_boolean *)(base + field->quantifier_offset) != 0;
}

void
butte_pbjson_mark_set(ProtobufCMessage *msg, const ProtobufCFieldDescriptor *field)
{
    char *base = (char *)msg;

    if (field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        *(uint32_t *)(base + field->quantifier_offset) = field->id;
    else if (field->label == PROTOBUF_C_LABEL_OPTIONAL && field->quantifier_offset != 0)
        *(protobuf_c_boolean *)(base + field->quantifier_offset) = 1;
}

ProtobufCMessage *
butte_pbjson_new_message(butte_pool_t *pool, const ProtobufCMessageDescriptor *desc)
{
    ProtobufCMessage *msg = butte_pool_alloc(pool, desc->sizeof_message);

    protobuf_c_message_init(desc, msg);
    return msg;
}

json_t *
butte_pbjson_must(json_t *j)
{
    if (j == NULL) {
        butte_log(NULL, BUTTE_LOG_ERROR, "out of memory building JSON");
        abort();
    }
    return j;
}

/* ---------------------------------------------------------------- base64 */

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *
butte_base64_encode(const uint8_t *data, size_t len)
{
    char *out = malloc((len + 2) / 3 * 4 + 1);
    char *o = out;
    size_t i;

    if (out == NULL) {
        butte_log(NULL, BUTTE_LOG_ERROR, "out of memory encoding base64");
        abort();
    }
    for (i = 0; i + 2 < len; i += 3) {
        uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8 | data[i + 2];

        *o++ = b64[v >> 18];
        *o++ = b64[(v >> 12) & 63];
        *o++ = b64[(v >> 6) & 63];
        *o++ = b64[v & 63];
    }
    if (i < len) {
        uint32_t v = (uint32_t)data[i] << 16;

        if (i + 1 < len)
            v |= (uint32_t)data[i + 1] << 8;
        *o++ = b64[v >> 18];
        *o++ = b64[(v >> 12) & 63];
        *o++ = i + 1 < len ? b64[(v >> 6) & 63] : '=';
        *o++ = '=';
    }
    *o = '\0';
    return out;
}

static int
b64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

long
butte_base64_decode(const char *text, size_t len, uint8_t *out)
{
    size_t n = 0;
    uint32_t acc = 0;
    int bits = 0;

    /* Padding is required (RFC 4648 standard form, what Mesos writes). */
    if (len % 4 != 0)
        return -1;
    for (size_t i = 0; i < len; i++) {
        int v = b64_value(text[i]);

        if (v < 0) {
            /* '=' only as the last one or two characters. */
            if (text[i] != '=' || i < len - 2 || (i == len - 2 && text[i + 1] != '='))
                return -1;
            break;
        }
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (uint8_t)(acc >> bits);
        }
    }
    /* Leftover bits must be zero, or two encodings would decode alike. */
    if (bits > 0 && (acc & ((1u << bits) - 1)) != 0)
        return -1;
    return (long)n;
}
