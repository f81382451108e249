/*
 * kernel/core/pbcheck.c - say WHY binary protobuf did not unpack.
 *
 * protobuf-c's unpack answers only "failed"; a scheduler sending a Call
 * without acknowledge.uuid deserves the reason JSON gets ("missing required
 * field \"acknowledge.uuid\"").  After a failed unpack, butte_pb_decode calls
 * butte_pb_diagnose, which walks the wire bytes again with the message
 * descriptor and names the first fault by its dotted path (array indexes
 * for repeated fields, as the JSON converter writes them):
 *   - a malformed field: bad tag or wire type, a wire type that does not
 *     fit the field's type, a varint that never ends, a length or fixed
 *     value running past the end, a packed array of the wrong size;
 *   - a required field (without a declared default, as protobuf-c checks)
 *     missing from a message or a sub-message.
 *
 * Occurrences: protobuf merges repeated occurrences of a singular message
 * field, but protobuf-c unpacks (and checks) each occurrence on its own
 * before merging, so each is walked on its own here too.
 *
 * Nothing here allocates from a pool (two small malloc'd arrays per
 * message level, freed before returning).  Depth is bounded.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pbjson-internal.h"

/* protobuf-c refuses deeper nesting too (PROTOBUF_C_UNPACK_MAX_RECURSION
 * is not exported, so keep our own bound). */
#define MAX_DEPTH 64

typedef struct {
    char path[512];
    size_t len;
    char what[160]; /* "missing" or the malformation */
    bool missing;
    bool found;
} walk_t;

/* Append ".name" (or "name" at the top) / "[index]" to the path; returns
 * the length to pop back to.  Overlong paths are cut, never overrun. */
static size_t
append(walk_t *w, const char *text)
{
    size_t mark = w->len;
    size_t room = sizeof w->path - 1 - w->len;
    size_t n = strlen(text);

    if (n > room)
        n = room;
    memcpy(w->path + w->len, text, n);
    w->len += n;
    w->path[w->len] = '\0';
    return mark;
}

static size_t
push(walk_t *w, const char *name)
{
    size_t mark = w->len;

    if (w->len > 0)
        append(w, ".");
    append(w, name);
    return mark;
}

static size_t
push_index(walk_t *w, size_t index)
{
    char buf[32];

    snprintf(buf, sizeof buf, "[%zu]", index);
    return append(w, buf);
}

static void
pop(walk_t *w, size_t mark)
{
    w->len = mark;
    w->path[mark] = '\0';
}

static bool malformed(walk_t *w, const char *fmt, ...) BUTTE_PRINTF(2, 3);

static bool
malformed(walk_t *w, const char *fmt, ...)
{
    va_list ap;

    w->found = true;
    w->missing = false;
    va_start(ap, fmt);
    vsnprintf(w->what, sizeof w->what, fmt, ap);
    va_end(ap);
    return false;
}

/* A varint at *p; false when it runs past end or past 10 bytes. */
static bool
varint(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < 10 && *p < end; i++) {
        uint8_t b = *(*p)++;

        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if ((b & 0x80) == 0) {
            *out = v;
            return true;
        }
    }
    return false;
}

/* The wire type a field of this type is written with (not packed). */
static unsigned
wire_type_of(ProtobufCType t)
{
    switch (t) {
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_DOUBLE:
        return 1;
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_FLOAT:
        return 5;
    case PROTOBUF_C_TYPE_STRING:
    case PROTOBUF_C_TYPE_BYTES:
    case PROTOBUF_C_TYPE_MESSAGE:
        return 2;
    default:
        return 0;
    }
}

/* A packed repeated scalar: fixed sizes must divide, varints must end. */
static bool
check_packed(walk_t *w, ProtobufCType t, const uint8_t *p, const uint8_t *end)
{
    unsigned wt = wire_type_of(t);
    size_t n = (size_t)(end - p);
    uint64_t v;

    if (wt == 1 || wt == 5) {
        size_t each = wt == 1 ? 8 : 4;

        if (n % each != 0)
            return malformed(w, "packed array of %zu bytes is not a multiple of %zu", n, each);
        return true;
    }
    while (p < end)
        if (!varint(&p, end, &v))
            return malformed(w, "packed array ends inside a varint");
    return true;
}

static bool walk(walk_t *w, const ProtobufCMessageDescriptor *desc, const uint8_t *p,
                 size_t len, int depth);

/*
 * walk - check one message's bytes; false with w filled at the first fault:
 * every field's structure in wire order, recursing into each occurrence of
 * a message field (repeated ones with their index in the path), then this
 * message's own required fields.
 */
static bool
walk(walk_t *w, const ProtobufCMessageDescriptor *desc, const uint8_t *p, size_t len,
     int depth)
{
    const uint8_t *end = p + len;
    bool *seen = calloc(desc->n_fields > 0 ? desc->n_fields : 1, sizeof *seen);
    size_t *count = calloc(desc->n_fields > 0 ? desc->n_fields : 1, sizeof *count);
    bool ok = true;

    if (seen == NULL || count == NULL)
        abort();
    if (depth > MAX_DEPTH) {
        ok = malformed(w, "nested more than %d levels deep", MAX_DEPTH);
        goto out;
    }
    while (ok && p < end) {
        uint64_t key, l = 0;
        unsigned wt;
        uint64_t number;
        const ProtobufCFieldDescriptor *f;
        size_t mark, fi = 0;
        const uint8_t *value;

        if (!varint(&p, end, &key)) {
            ok = malformed(w, "a field tag runs past the end");
            break;
        }
        wt = key & 7;
        number = key >> 3;
        if (number == 0 || number > 536870911) {
            ok = malformed(w, "invalid field number %llu", (unsigned long long)number);
            break;
        }
        f = protobuf_c_message_descriptor_get_field(desc, (unsigned)number);
        if (f != NULL) {
            fi = (size_t)(f - desc->fields);
            mark = push(w, f->name);
        } else {
            char num[24];

            snprintf(num, sizeof num, "%llu", (unsigned long long)number);
            mark = push(w, num);
        }
        value = p;
        switch (wt) {
        case 0:
            if (!varint(&p, end, &l))
                ok = malformed(w, "a varint runs past the end");
            break;
        case 1:
        case 5:
            if ((size_t)(end - p) < (wt == 1 ? 8u : 4u))
                ok = malformed(w, "a %d-byte value runs past the end (%zu bytes left)",
                               wt == 1 ? 8 : 4, (size_t)(end - p));
            else
                p += wt == 1 ? 8 : 4;
            break;
        case 2:
            if (!varint(&p, end, &l))
                ok = malformed(w, "a length runs past the end");
            else if (l > (uint64_t)(end - p))
                ok = malformed(w, "length %llu runs past the end (%zu bytes left)",
                               (unsigned long long)l, (size_t)(end - p));
            else {
                value = p;
                p += l;
            }
            break;
        default:
            /* 3 and 4 are groups, which protobuf-c does not read; 6 and 7
             * do not exist */
            ok = malformed(w, "invalid wire type %u", wt);
            break;
        }
        if (ok && f != NULL) {
            unsigned want = wire_type_of(f->type);
            bool packed = wt == 2 && want != 2 && f->label == PROTOBUF_C_LABEL_REPEATED;

            if (wt != want && !packed)
                ok = malformed(w, "wire type %u where the field's type needs %u", wt, want);
            else if (packed)
                ok = check_packed(w, f->type, value, value + l);
            else if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
                size_t inner = f->label == PROTOBUF_C_LABEL_REPEATED
                                   ? push_index(w, count[fi])
                                   : w->len;

                ok = walk(w, f->descriptor, value, (size_t)l, depth + 1);
                if (ok)
                    pop(w, inner);
            }
            if (ok) {
                seen[fi] = true;
                count[fi]++;
            }
        }
        if (ok)
            pop(w, mark);
    }
    /* This message's required fields (protobuf-c lets a declared default
     * stand in for a missing required field). */
    for (unsigned i = 0; ok && i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &desc->fields[i];

        if (f->label == PROTOBUF_C_LABEL_REQUIRED && !seen[i] && f->default_value == NULL) {
            push(w, f->name);
            w->found = true;
            w->missing = true;
            ok = false;
        }
    }
out:
    free(seen);
    free(count);
    return ok;
}

int
butte_pb_diagnose(const ProtobufCMessageDescriptor *desc, const void *data, size_t len,
                  butte_err_t *err)
{
    walk_t w = { .len = 0 };
    static const uint8_t empty[1];

    /* no arithmetic on a NULL pointer, even for zero bytes */
    if (walk(&w, desc, data != NULL ? data : empty, len, 0) || !w.found)
        return 0;
    if (w.missing)
        return butte_err_set(err, BUTTE_EINVAL, "missing required field \"%s\"", w.path);
    if (w.len == 0)
        return butte_err_set(err, BUTTE_EINVAL, "malformed protobuf \"%s\": %s", desc->name,
                             w.what);
    return butte_err_set(err, BUTTE_EINVAL, "malformed protobuf \"%s\": field \"%s\": %s",
                         desc->name, w.path, w.what);
}
