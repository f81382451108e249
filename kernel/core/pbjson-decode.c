/*
 * kernel/core/pbjson-decode.c - JSON to protobuf-c messages, the way Mesos
 * parses v1 API bodies (see <butte/pbjson.h> for the mapping).
 *
 * The walk follows the JSON, not the descriptor: each key is looked up as a
 * field and its value stored through the field's offset; a second pass over
 * the descriptor then checks the required fields.  Every value lands in
 * pool memory, so a failure half-way needs no unwinding.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pbjson-internal.h"

#define PATH_MAX_LEN 256

typedef struct {
    butte_pool_t *pool;
    unsigned flags;
    butte_err_t *err;
    size_t plen;
    char path[PATH_MAX_LEN]; /* where we are: "accept.operations[0].type" */
} ctx_t;

static int decode_message(ctx_t *c, const ProtobufCMessageDescriptor *desc,
                          json_t *obj, ProtobufCMessage **out);

/* ---------------------------------------------------------------- path and errors */

/* Append to the path; returns the old length for pop().  A path too long
 * for the buffer is cut short rather than failing the parse. */
static size_t
push(ctx_t *c, const char *fmt, ...) BUTTE_PRINTF(2, 3);

static size_t
push(ctx_t *c, const char *fmt, ...)
{
    size_t old = c->plen;
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(c->path + c->plen, sizeof c->path - c->plen, fmt, ap);
    va_end(ap);
    if (n > 0)
        c->plen += (size_t)n < sizeof c->path - c->plen ? (size_t)n
                                                        : sizeof c->path - c->plen - 1;
    return old;
}

static size_t
push_field(ctx_t *c, const char *name)
{
    return c->plen == 0 ? push(c, "%s", name) : push(c, ".%s", name);
}

static void
pop(ctx_t *c, size_t old)
{
    c->plen = old;
    c->path[old] = '\0';
}

static int
expected(ctx_t *c, const char *what)
{
    if (c->plen == 0)
        return butte_err_set(c->err, BUTTE_EINVAL, "expected %s", what);
    return butte_err_set(c->err, BUTTE_EINVAL, "field \"%s\": expected %s", c->path, what);
}

static int
invalid(ctx_t *c, const char *fmt, ...) BUTTE_PRINTF(2, 3);

static int
invalid(ctx_t *c, const char *fmt, ...)
{
    char why[BUTTE_ERR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return butte_err_set(c->err, BUTTE_EINVAL, "field \"%s\": %s", c->path, why);
}

/* ---------------------------------------------------------------- scalars */

/* A JSON integer, an integral real, or a string of decimal digits, within
 * [min, max].  what names the type for errors ("int32"). */
static int
get_signed(ctx_t *c, json_t *v, int64_t min, int64_t max, const char *what, int64_t *out)
{
    int64_t x;

    if (json_is_integer(v)) {
        x = json_integer_value(v);
    } else if (json_is_real(v)) {
        double d = json_real_value(v);

        /* 2^63 is exact in a double; anything >= it does not fit. */
        if (d != trunc(d) || d < -9223372036854775808.0 || d >= 9223372036854775808.0)
            return invalid(c, "%g is not a valid %s", d, what);
        x = (int64_t)d;
    } else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        char *end;

        errno = 0;
        x = strtoll(s, &end, 10);
        if (!(s[0] == '-' || (s[0] >= '0' && s[0] <= '9')) || *end != '\0' || errno != 0)
            return invalid(c, "\"%s\" is not a valid %s", s, what);
    } else {
        char buf[64];

        snprintf(buf, sizeof buf, "an integer (%s)", what);
        return expected(c, buf);
    }
    if (x < min || x > max)
        return invalid(c, "%" PRId64 " is out of range for %s", x, what);
    *out = x;
    return 0;
}

static int
get_unsigned(ctx_t *c, json_t *v, uint64_t max, const char *what, uint64_t *out)
{
    uint64_t x;

    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);

        if (i < 0)
            return invalid(c, "%" JSON_INTEGER_FORMAT " is out of range for %s", i, what);
        x = (uint64_t)i;
    } else if (json_is_real(v)) {
        double d = json_real_value(v);

        if (d != trunc(d) || d < 0 || d >= 18446744073709551616.0)
            return invalid(c, "%g is not a valid %s", d, what);
        x = (uint64_t)d;
    } else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        char *end;

        /* strtoull would wrap "-1" around; only digits are accepted. */
        errno = 0;
        x = strtoull(s, &end, 10);
        if (!(s[0] >= '0' && s[0] <= '9') || *end != '\0' || errno != 0)
            return invalid(c, "\"%s\" is not a valid %s", s, what);
    } else {
        char buf[64];

        snprintf(buf, sizeof buf, "a non-negative integer (%s)", what);
        return expected(c, buf);
    }
    if (x > max)
        return invalid(c, "%" PRIu64 " is out of range for %s", x, what);
    *out = x;
    return 0;
}

/* A JSON number or a string strtod takes whole ("5", "Infinity", "1e3"). */
static int
get_double(ctx_t *c, json_t *v, double *out)
{
    if (json_is_number(v)) {
        *out = json_number_value(v);
        return 0;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        char *end;

        errno = 0;
        *out = strtod(s, &end);
        /* strtod skips leading blanks; a JSON value with them is wrong. */
        if (s[0] == '\0' || s[0] == ' ' || s[0] == '\t' || s[0] == '\n' ||
            *end != '\0' || (errno == ERANGE && fabs(*out) > 1.0))
            return invalid(c, "\"%s\" is not a valid number", s);
        return 0;
    }
    return expected(c, "a number");
}

static int
get_bool(ctx_t *c, json_t *v, protobuf_c_boolean *out)
{
    if (json_is_boolean(v)) {
        *out = json_is_true(v);
        return 0;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);

        if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0) {
            *out = s[0] == 't';
            return 0;
        }
        return invalid(c, "\"%s\" is not a valid boolean", s);
    }
    return expected(c, "a boolean");
}

/*
 * Store one value of field's type from v into slot.  Returns 1 when
 * stored, 0 when dropped (an unknown enum name outside a required field,
 * as Mesos does), negative on error.
 */
static int
decode_value(ctx_t *c, const ProtobufCFieldDescriptor *f, json_t *v, void *slot)
{
    int64_t i;
    uint64_t u;
    int rc = 0;

    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        if ((rc = get_signed(c, v, INT32_MIN, INT32_MAX, "int32", &i)) == 0)
            *(int32_t *)slot = (int32_t)i;
        break;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        if ((rc = get_signed(c, v, INT64_MIN, INT64_MAX, "int64", &i)) == 0)
            *(int64_t *)slot = i;
        break;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        if ((rc = get_unsigned(c, v, UINT32_MAX, "uint32", &u)) == 0)
            *(uint32_t *)slot = (uint32_t)u;
        break;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        if ((rc = get_unsigned(c, v, UINT64_MAX, "uint64", &u)) == 0)
            *(uint64_t *)slot = u;
        break;
    case PROTOBUF_C_TYPE_FLOAT: {
        double d;

        if ((rc = get_double(c, v, &d)) == 0)
            *(float *)slot = (float)d;
        break;
    }
    case PROTOBUF_C_TYPE_DOUBLE:
        rc = get_double(c, v, slot);
        break;
    case PROTOBUF_C_TYPE_BOOL:
        rc = get_bool(c, v, slot);
        break;
    case PROTOBUF_C_TYPE_ENUM: {
        const ProtobufCEnumDescriptor *ed = f->descriptor;
        const ProtobufCEnumValue *ev;

        /* Mesos rejects numbers: only names are part of the JSON form. */
        if (!json_is_string(v))
            return expected(c, "an enum name string");
        ev = protobuf_c_enum_descriptor_get_value_by_name(ed, json_string_value(v));
        if (ev == NULL) {
            if (f->label == PROTOBUF_C_LABEL_REQUIRED)
                return invalid(c, "\"%s\" is not a %s value", json_string_value(v), ed->name);
            return 0;
        }
        *(int *)slot = ev->value;
        break;
    }
    case PROTOBUF_C_TYPE_STRING:
        if (!json_is_string(v))
            return expected(c, "a string");
        /* protobuf-c strings are C strings: a NUL would cut them short. */
        if (strlen(json_string_value(v)) != json_string_length(v))
            return invalid(c, "string contains a NUL character");
        *(char **)slot = butte_pool_strndup(c->pool, json_string_value(v),
                                            json_string_length(v));
        break;
    case PROTOBUF_C_TYPE_BYTES: {
        ProtobufCBinaryData *b = slot;
        size_t n;
        long got;

        if (!json_is_string(v))
            return expected(c, "a base64 string");
        n = json_string_length(v);
        b->data = butte_pool_alloc(c->pool, n / 4 * 3 + 1);
        got = butte_base64_decode(json_string_value(v), n, b->data);
        if (got < 0)
            return invalid(c, "invalid base64");
        b->len = (size_t)got;
        break;
    }
    case PROTOBUF_C_TYPE_MESSAGE:
        rc = decode_message(c, f->descriptor, v, slot);
        break;
    }
    return rc < 0 ? rc : 1;
}

/* ---------------------------------------------------------------- maps */

/* A message whose only field is a double named "value" (Value.Scalar): as
 * a map value it may be written as the bare number. */
static bool
is_scalar_wrapper(const ProtobufCMessageDescriptor *d)
{
    return d->n_fields == 1 && d->fields[0].type == PROTOBUF_C_TYPE_DOUBLE &&
           strcmp(d->fields[0].name, "value") == 0;
}

/* One JSON object member as a new map entry.  Returns 1 stored, 0 dropped. */
static int
decode_entry(ctx_t *c, const ProtobufCMessageDescriptor *ed, const char *key,
             json_t *v, ProtobufCMessage **out)
{
    const ProtobufCFieldDescriptor *kf = &ed->fields[0], *vf = &ed->fields[1];
    ProtobufCMessage *entry = butte_pbjson_new_message(c->pool, ed);
    char *vslot = (char *)entry + vf->offset;
    int rc;

    /* Keys arrive as strings whatever the key type; the string form of a
     * number is what decode_value accepts anyway. */
    if (kf->type == PROTOBUF_C_TYPE_STRING) {
        *(char **)((char *)entry + kf->offset) = butte_pool_strdup(c->pool, key);
    } else {
        json_t *k = butte_pbjson_must(json_string(key));

        rc = decode_value(c, kf, k, (char *)entry + kf->offset);
        json_decref(k);
        if (rc <= 0)
            return rc;
    }
    butte_pbjson_mark_set(entry, kf);

    if (vf->type == PROTOBUF_C_TYPE_MESSAGE && !json_is_object(v) &&
        is_scalar_wrapper(vf->descriptor) && (json_is_number(v) || json_is_string(v))) {
        const ProtobufCMessageDescriptor *sd = vf->descriptor;
        ProtobufCMessage *scalar = butte_pbjson_new_message(c->pool, sd);

        rc = get_double(c, v, (double *)((char *)scalar + sd->fields[0].offset));
        if (rc < 0)
            return rc;
        *(ProtobufCMessage **)vslot = scalar;
        rc = 1;
    } else {
        rc = decode_value(c, vf, v, vslot);
    }
    if (rc <= 0)
        return rc;
    butte_pbjson_mark_set(entry, vf);
    *out = entry;
    return 1;
}

static int
decode_map(ctx_t *c, const ProtobufCFieldDescriptor *f, json_t *obj, void *member,
           size_t *count)
{
    ProtobufCMessage **entries;
    const char *key;
    json_t *v;
    size_t n = 0;

    entries = butte_pool_alloc(c->pool, (json_object_size(obj) + 1) * sizeof *entries);
    json_object_foreach(obj, key, v) {
        size_t mark = push(c, ".%s", key);

        /* null = no entry, as for any absent value. */
        if (!json_is_null(v)) {
            int rc = decode_entry(c, f->descriptor, key, v, &entries[n]);

            if (rc < 0)
                return rc;
            n += (size_t)rc;
        }
        pop(c, mark);
    }
    *(ProtobufCMessage ***)member = entries;
    *count = n;
    return 0;
}

/* ---------------------------------------------------------------- fields and messages */

static int
decode_repeated(ctx_t *c, ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f,
                json_t *v)
{
    char *member = (char *)msg + f->offset;
    size_t *count = (size_t *)((char *)msg + f->quantifier_offset);
    bool is_map = f->type == PROTOBUF_C_TYPE_MESSAGE && butte_pbjson_is_map_entry(f->descriptor);
    size_t size = butte_pbjson_value_size(f->type);
    char *values;
    size_t n = 0;

    if (is_map && json_is_object(v))
        return decode_map(c, f, v, member, count);
    /* A map also takes its wire form, an array of {"key":..,"value":..}. */
    if (!json_is_array(v))
        return expected(c, is_map ? "an object" : "an array");
    values = butte_pool_alloc(c->pool, (json_array_size(v) + 1) * size);
    for (size_t i = 0; i < json_array_size(v); i++) {
        size_t mark = push(c, "[%zu]", i);
        json_t *e = json_array_get(v, i);
        int rc;

        if (json_is_null(e))
            return invalid(c, "null is not allowed in an array");
        rc = decode_value(c, f, e, values + n * size);
        if (rc < 0)
            return rc;
        n += (size_t)rc;
        pop(c, mark);
    }
    *(void **)member = values;
    *count = n;
    return 0;
}

static int
decode_field(ctx_t *c, ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f, json_t *v)
{
    int rc;

    if (f->label == PROTOBUF_C_LABEL_REPEATED)
        return decode_repeated(c, msg, f, v);
    rc = decode_value(c, f, v, (char *)msg + f->offset);
    if (rc > 0)
        butte_pbjson_mark_set(msg, f);
    return rc < 0 ? rc : 0;
}

static int
decode_message(ctx_t *c, const ProtobufCMessageDescriptor *desc, json_t *obj,
               ProtobufCMessage **out)
{
    ProtobufCMessage *msg;
    const char *key;
    json_t *v;

    if (!json_is_object(obj))
        return expected(c, "an object");
    msg = butte_pbjson_new_message(c->pool, desc);
    json_object_foreach(obj, key, v) {
        const ProtobufCFieldDescriptor *f =
            protobuf_c_message_descriptor_get_field_by_name(desc, key);
        size_t mark = push_field(c, key);
        int rc;

        if (f == NULL) {
            /* Mesos ignores what it does not know (newer clients). */
            if (c->flags & BUTTE_PBJSON_STRICT)
                return butte_err_set(c->err, BUTTE_EINVAL, "unknown field \"%s\"", c->path);
        } else if (!json_is_null(v) && (rc = decode_field(c, msg, f, v)) < 0) {
            return rc;
        }
        pop(c, mark);
    }
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &desc->fields[i];

        if (f->label != PROTOBUF_C_LABEL_REQUIRED)
            continue;
        v = json_object_get(obj, f->name);
        if (v == NULL || json_is_null(v)) {
            push_field(c, f->name);
            return butte_err_set(c->err, BUTTE_EINVAL, "missing required field \"%s\"",
                                 c->path);
        }
    }
    *out = msg;
    return 0;
}

/* ---------------------------------------------------------------- API */

int
butte_pbjson_decode_json(butte_pool_t *pool, const ProtobufCMessageDescriptor *desc,
                         json_t *json, unsigned flags, ProtobufCMessage **out,
                         butte_err_t *err)
{
    ctx_t c = { .pool = pool, .flags = flags, .err = err };
    ProtobufCMessage *msg;
    int rc;

    rc = decode_message(&c, desc, json, &msg);
    if (rc < 0)
        return rc;
    *out = msg;
    return 0;
}

int
butte_pbjson_decode(butte_pool_t *pool, const ProtobufCMessageDescriptor *desc,
                    const char *json, size_t len, unsigned flags, ProtobufCMessage **out,
                    butte_err_t *err)
{
    json_error_t jerr;
    json_t *j;
    int rc;

    /* Objects only (the default): every v1 body is a message. */
    j = json_loadb(json, len, 0, &jerr);
    if (j == NULL)
        return butte_err_set(err, BUTTE_EINVAL, "invalid JSON at line %d, column %d: %s",
                             jerr.line, jerr.column, jerr.text);
    rc = butte_pbjson_decode_json(pool, desc, j, flags, out, err);
    json_decref(j);
    return rc;
}
