/*
 * kernel/core/attributes.c - agent attributes (--attributes, protocol §F):
 * "name:value" pairs copied into offers for frameworks to place tasks by.
 *
 * Unlike resources they are never added or subtracted, so a list is a
 * plain pool array and values are kept as given (a scalar stays a double).
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/resources-internal.h"

#define TEXT_CHARS                                                                     \
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_/.-"

struct butte_attributes {
    butte_pool_t *pool;
    butte_attr_t *v;
    size_t n, cap;
};

butte_attributes_t *
butte_attributes_create(butte_pool_t *pool)
{
    butte_attributes_t *a = butte_pool_alloc(pool, sizeof *a);

    a->pool = pool;
    return a;
}

int
butte_attributes_add(butte_attributes_t *a, const butte_attr_t *attr, butte_err_t *err)
{
    butte_attr_t in = { 0 }, *d;
    char what[160];

    if (attr == NULL || attr->size < offsetof(butte_attr_t, name) + sizeof attr->name)
        return butte_err_set(err, BUTTE_EINVAL, "attribute size is not set");
    memcpy(&in, attr, attr->size < sizeof in ? attr->size : sizeof in);
    if (in.name == NULL || in.name[0] == '\0')
        return butte_err_set(err, BUTTE_EINVAL, "attribute name is empty");
    snprintf(what, sizeof what, "attribute '%s'", in.name);
    switch (in.type) {
    case BUTTE_VALUE_SCALAR:
        if (!(in.scalar >= 0 && in.scalar <= 1e300))
            return butte_err_set(err, BUTTE_EINVAL, "%s: value %g is not a finite number >= 0",
                                 what, in.scalar);
        break;
    case BUTTE_VALUE_RANGES:
        if (in.nranges > 0 && in.ranges == NULL)
            return butte_err_set(err, BUTTE_EINVAL, "%s: ranges are missing", what);
        break;
    case BUTTE_VALUE_TEXT:
        if (in.text == NULL || in.text[0] == '\0')
            return butte_err_set(err, BUTTE_EINVAL, "%s: value is empty", what);
        if (in.text[strspn(in.text, TEXT_CHARS)] != '\0')
            return butte_err_set(err, BUTTE_EINVAL,
                                 "%s: value '%s' has characters outside [a-zA-Z0-9_/.-]", what,
                                 in.text);
        break;
    default:
        return butte_err_set(err, BUTTE_EINVAL, "%s: type %s is not allowed for attributes", what,
                             butte_res_type_name(in.type));
    }
    if (in.type == BUTTE_VALUE_RANGES && in.nranges > 0) {
        butte_range_t *v = butte_pool_alloc(a->pool, in.nranges * sizeof *v);

        memcpy(v, in.ranges, in.nranges * sizeof *v);
        if (butte_res_ranges_normalize(v, &in.nranges, what, err) < 0)
            return BUTTE_EINVAL;
        in.ranges = v;
    }
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 8;
        butte_attr_t *v = butte_pool_alloc(a->pool, cap * sizeof *v);

        if (a->n)
            memcpy(v, a->v, a->n * sizeof *v);
        a->v = v;
        a->cap = cap;
    }
    d = &a->v[a->n++];
    *d = in;
    d->size = sizeof *d;
    d->name = butte_pool_strdup(a->pool, in.name);
    d->text = in.type == BUTTE_VALUE_TEXT ? butte_pool_strdup(a->pool, in.text) : NULL;
    if (in.type != BUTTE_VALUE_RANGES) {
        d->ranges = NULL;
        d->nranges = 0;
    }
    return 0;
}

static char *
trim(char *s)
{
    char *e;

    while (isspace((unsigned char)*s))
        s++;
    e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

/* One "name:value", trimmed and non-empty. */
static int
parse_one(butte_attributes_t *a, char *tok, butte_err_t *err)
{
    butte_attr_t attr = { .size = sizeof attr };
    butte_range_t *ranges = NULL;
    char *colon = strchr(tok, ':'), *value, what[160];
    double d;
    int rc;

    if (colon == NULL)
        return butte_err_set(err, BUTTE_EINVAL, "attribute '%s': expected 'name:value'", tok);
    *colon = '\0';
    attr.name = trim(tok);
    value = trim(colon + 1);
    if (attr.name[0] == '\0')
        return butte_err_set(err, BUTTE_EINVAL, "attribute ':%s' has an empty name", value);
    snprintf(what, sizeof what, "attribute '%s'", attr.name);
    if (value[0] == '\0')
        return butte_err_set(err, BUTTE_EINVAL, "%s: value is empty", what);
    if (value[0] == '{')
        return butte_err_set(err, BUTTE_EINVAL, "%s: set values are not supported", what);
    if (value[0] == '[') {
        char *q = value;

        for (const char *p = value; *p; p++) /* "[1-2, 4-5]" reads as "[1-2,4-5]" */
            if (!isspace((unsigned char)*p))
                *q++ = *p;
        *q = '\0';
        attr.type = BUTTE_VALUE_RANGES;
        if (butte_res_parse_ranges(value, what, &ranges, &attr.nranges, err) < 0)
            return BUTTE_EINVAL;
        attr.ranges = ranges;
    } else if (butte_res_parse_number(value, &d) == 0 && d >= 0 && d <= 1e300) {
        attr.type = BUTTE_VALUE_SCALAR;
        attr.scalar = d;
    } else {
        attr.type = BUTTE_VALUE_TEXT;
        attr.text = value;
    }
    rc = butte_attributes_add(a, &attr, err);
    free(ranges);
    return rc;
}

int
butte_attributes_parse(butte_pool_t *pool, const char *text, butte_attributes_t **out,
                       butte_err_t *err)
{
    butte_attributes_t *a = butte_attributes_create(pool);
    char *buf = butte_res_xrealloc(NULL, strlen(text ? text : "") + 1), *tok, *next;
    int rc = 0;

    *out = NULL;
    strcpy(buf, text ? text : "");
    for (tok = buf; tok != NULL && rc == 0; tok = next) {
        next = tok + strcspn(tok, ";\n");
        if (*next != '\0')
            *next++ = '\0';
        else
            next = NULL;
        tok = trim(tok);
        if (*tok != '\0')
            rc = parse_one(a, tok, err);
    }
    free(buf);
    if (rc == 0)
        *out = a;
    return rc;
}

size_t
butte_attributes_count(const butte_attributes_t *a)
{
    return a ? a->n : 0;
}

const butte_attr_t *
butte_attributes_at(const butte_attributes_t *a, size_t i)
{
    return a && i < a->n ? &a->v[i] : NULL;
}

const butte_attr_t *
butte_attributes_get(const butte_attributes_t *a, const char *name)
{
    for (size_t i = 0; a && name && i < a->n; i++)
        if (strcmp(a->v[i].name, name) == 0)
            return &a->v[i];
    return NULL;
}

/* The shortest "%g" that reads back as the same double. */
static void
print_double(FILE *f, double d)
{
    char buf[40];

    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    fputs(buf, f);
}

char *
butte_attributes_format(butte_pool_t *pool, const butte_attributes_t *a)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    if (f == NULL)
        return butte_pool_strdup(pool, "");
    for (size_t i = 0; a && i < a->n; i++) {
        const butte_attr_t *e = &a->v[i];

        fprintf(f, "%s%s:", i ? ";" : "", e->name);
        if (e->type == BUTTE_VALUE_SCALAR)
            print_double(f, e->scalar);
        else if (e->type == BUTTE_VALUE_RANGES)
            butte_res_print_ranges(f, e->ranges, e->nranges);
        else
            fputs(e->text, f);
    }
    return butte_res_stream_done(pool, f, &buf);
}
