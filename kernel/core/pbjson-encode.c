/*
 * kernel/core/pbjson-encode.c - protobuf-c messages to JSON, the way Mesos
 * writes v1 API bodies (see <butte/pbjson.h> for the mapping).
 *
 * Fields are written in descriptor order, which protoc-c sorts by field
 * number, as Mesos' reflection-based writer does; unset optional fields
 * with a declared default come out with it (Mesos' writer lists them too).
 */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pbjson-internal.h"

static json_t *encode_message(const ProtobufCMessage *msg, unsigned flags);

/* Text that is not UTF-8 cannot go into JSON (jansson refuses it); rather
 * than failing a whole response over one bad label, bytes outside ASCII are
 * replaced when the text as a whole is invalid. */
static json_t *
string_value(const char *s)
{
    json_t *j = json_string(s);
    char *copy;

    if (j != NULL)
        return j;
    copy = strdup(s);
    if (copy == NULL)
        return butte_pbjson_must(NULL);
    for (char *p = copy; *p != '\0'; p++)
        if ((unsigned char)*p >= 0x80)
            *p = '?';
    j = butte_pbjson_must(json_string(copy));
    free(copy);
    return j;
}

static json_t *
double_value(double d)
{
    /* JSON has no literal for these; Mesos' readers take the strings. */
    if (isnan(d))
        return butte_pbjson_must(json_string("NaN"));
    if (isinf(d))
        return butte_pbjson_must(json_string(d > 0 ? "Infinity" : "-Infinity"));
    return butte_pbjson_must(json_real(d));
}

static json_t *
uint64_value(uint64_t u)
{
    char buf[24];

    /* jansson integers are signed 64-bit: beyond that, a decimal string,
     * which every numeric field accepts on input. */
    if (u <= INT64_MAX)
        return butte_pbjson_must(json_integer((json_int_t)u));
    snprintf(buf, sizeof buf, "%" PRIu64, u);
    return butte_pbjson_must(json_string(buf));
}

/* One value of f's type stored at slot, or NULL when it has no JSON form
 * (an enum number the descriptor does not name: left out, like Mesos). */
static json_t *
encode_value(const ProtobufCFieldDescriptor *f, const void *slot, unsigned flags)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        return butte_pbjson_must(json_integer(*(const int32_t *)slot));
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        return butte_pbjson_must(json_integer(*(const int64_t *)slot));
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        return butte_pbjson_must(json_integer(*(const uint32_t *)slot));
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return uint64_value(*(const uint64_t *)slot);
    case PROTOBUF_C_TYPE_FLOAT:
        return double_value(*(const float *)slot);
    case PROTOBUF_C_TYPE_DOUBLE:
        return double_value(*(const double *)slot);
    case PROTOBUF_C_TYPE_BOOL:
        return butte_pbjson_must(json_boolean(*(const protobuf_c_boolean *)slot));
    case PROTOBUF_C_TYPE_ENUM: {
        const ProtobufCEnumValue *ev =
            protobuf_c_enum_descriptor_get_value(f->descriptor, *(const int *)slot);

        return ev != NULL ? butte_pbjson_must(json_string(ev->name)) : NULL;
    }
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(const char *const *)slot;

        return string_value(s != NULL ? s : "");
    }
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *b = slot;
        char *text = butte_base64_encode(b->data, b->len);
        json_t *j = butte_pbjson_must(json_string(text));

        free(text);
        return j;
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *m = *(const ProtobufCMessage *const *)slot;

        /* A map entry's unset message value (or a required one left NULL
         * by buggy code) is written as the empty message. */
        return m != NULL ? encode_message(m, flags) : butte_pbjson_must(json_object());
    }
    }
    return NULL;
}

/* A declared default, for an unset optional field.  protobuf-c's
 * default_value points at the value, or at the characters for strings. */
static json_t *
encode_default(const ProtobufCFieldDescriptor *f, unsigned flags)
{
    if (f->type == PROTOBUF_C_TYPE_STRING)
        return string_value(f->default_value);
    return encode_value(f, f->default_value, flags);
}

static void
set(json_t *obj, const char *key, json_t *value)
{
    /* Fails only when out of memory (or on a key that is not UTF-8, which
     * field names never are and map keys are cleaned of first). */
    if (value != NULL && json_object_set_new(obj, key, value) != 0)
        butte_pbjson_must(NULL);
}

static json_t *
encode_map(const ProtobufCFieldDescriptor *f, ProtobufCMessage *const *entries,
           size_t n, unsigned flags)
{
    const ProtobufCMessageDescriptor *ed = f->descriptor;
    const ProtobufCFieldDescriptor *kf = &ed->fields[0], *vf = &ed->fields[1];
    json_t *obj = butte_pbjson_must(json_object());

    for (size_t i = 0; i < n; i++) {
        const char *base = (const char *)entries[i];
        json_t *k = encode_value(kf, base + kf->offset, flags);
        json_t *v = encode_value(vf, base + vf->offset, flags);
        char buf[32];
        const char *key = buf;

        /* Keys are strings in JSON whatever their proto type. */
        if (json_is_string(k))
            key = json_string_value(k);
        else if (json_is_integer(k))
            snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(k));
        else if (json_is_boolean(k))
            snprintf(buf, sizeof buf, "%s", json_is_true(k) ? "true" : "false");
        else
            key = NULL;
        if (key != NULL)
            set(obj, key, v);
        else
            json_decref(v);
        json_decref(k);
    }
    return obj;
}

static json_t *
encode_repeated(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f,
                unsigned flags)
{
    const char *base = (const char *)msg;
    size_t n = *(const size_t *)(base + f->quantifier_offset);
    const char *values = *(const char *const *)(base + f->offset);
    size_t size = butte_pbjson_value_size(f->type);
    json_t *arr;

    if (n == 0)
        return NULL;
    if (f->type == PROTOBUF_C_TYPE_MESSAGE && butte_pbjson_is_map_entry(f->descriptor))
        return encode_map(f, (ProtobufCMessage *const *)values, n, flags);
    arr = butte_pbjson_must(json_array());
    for (size_t i = 0; i < n; i++) {
        json_t *v = encode_value(f, values + i * size, flags);

        if (v != NULL && json_array_append_new(arr, v) != 0)
            butte_pbjson_must(NULL);
    }
    return arr;
}

static json_t *
encode_message(const ProtobufCMessage *msg, unsigned flags)
{
    const ProtobufCMessageDescriptor *desc = msg->descriptor;
    json_t *obj = butte_pbjson_must(json_object());

    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &desc->fields[i];

        if (f->label == PROTOBUF_C_LABEL_REPEATED)
            set(obj, f->name, encode_repeated(msg, f, flags));
        else if (butte_pbjson_is_set(msg, f))
            set(obj, f->name, encode_value(f, (const char *)msg + f->offset, flags));
        else if (f->default_value != NULL && !(flags & BUTTE_PBJSON_NO_DEFAULTS) &&
                 !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
                 !butte_pbjson_is_deprecated(desc, f))
            set(obj, f->name, encode_default(f, flags));
    }
    return obj;
}

json_t *
butte_pbjson_encode(const ProtobufCMessage *msg, unsigned flags)
{
    return encode_message(msg, flags);
}
