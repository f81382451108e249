/*
 * kernel/core/resources-parse.c - the --resources text grammar (protocol
 * §F) and the number and range pieces the other parsers share.
 *
 *   resources = resource (';' resource)*
 *   resource  = name ['(' role ')'] ':' value
 *   value     = scalar | '[' begin '-' end (',' begin '-' end)* ']'
 *             | '{' item (',' item)* '}'
 *
 * Whitespace anywhere is dropped first, as Mesos does, so "cpus: 4; mem:
 * 1024" is fine.  Errors name the resource and quote what was wrong,
 * because a flag value is usually fixed by reading the message.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/resources-internal.h"

const char *
butte_res_type_name(butte_value_type_t t)
{
    static const char *const names[] = { "SCALAR", "RANGES", "SET", "TEXT" };

    return (unsigned)t < 4 ? names[t] : "UNKNOWN";
}

int
butte_res_parse_number(const char *s, double *out)
{
    char *end;

    /* strtod alone would also take "inf", "nan" and hex floats. */
    if (*s == '\0' || s[strspn(s, "0123456789.eE+-")] != '\0')
        return -1;
    errno = 0;
    *out = strtod(s, &end);
    return end != s && *end == '\0' ? 0 : -1;
}

static int
parse_u64(const char *s, size_t len, uint64_t *out)
{
    uint64_t v = 0;

    if (len == 0)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
            return -2;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return 0;
}

int
butte_res_parse_ranges(const char *s, const char *what, butte_range_t **out, size_t *n,
                       butte_err_t *err)
{
    size_t len = strlen(s), k = 1, count = 0;
    const char *p, *end;
    butte_range_t *v;

    *out = NULL;
    *n = 0;
    if (len < 2 || s[len - 1] != ']')
        return butte_err_set(err, BUTTE_EINVAL, "%s: value '%s' has no closing ']'", what, s);
    if (len == 2)
        return 0; /* "[]": no ranges */
    for (p = s + 1; p < s + len - 1; p++)
        k += *p == ',';
    v = butte_res_xrealloc(NULL, k * sizeof *v);
    for (p = s + 1, end = s + len - 1; p <= end; p++) {
        const char *comma = memchr(p, ',', (size_t)(end - p)), *dash;
        size_t tlen = (size_t)((comma ? comma : end) - p);
        int rb = -1, re = -1;

        dash = memchr(p, '-', tlen);
        if (dash != NULL) {
            rb = parse_u64(p, (size_t)(dash - p), &v[count].begin);
            re = parse_u64(dash + 1, tlen - (size_t)(dash - p) - 1, &v[count].end);
        }
        if (rb == -2 || re == -2) {
            butte_err_set(err, BUTTE_EINVAL, "%s: range '%.*s' is out of range", what,
                          (int)tlen, p);
            goto fail;
        }
        if (rb < 0 || re < 0) {
            butte_err_set(err, BUTTE_EINVAL, "%s: range '%.*s' is not 'begin-end'", what,
                          (int)tlen, p);
            goto fail;
        }
        count++;
        p += tlen;
    }
    if (butte_res_ranges_normalize(v, &count, what, err) < 0)
        goto fail;
    *out = v;
    *n = count;
    return 0;
fail:
    free(v);
    return BUTTE_EINVAL;
}

int
butte_res_seen_check(butte_res_seen_t *seen, const char *name, const char *role,
                     butte_value_type_t type, bool unique, int flags, butte_err_t *err)
{
    static const struct {
        const char *name;
        butte_value_type_t type;
    } known[] = { { "cpus", BUTTE_VALUE_SCALAR }, { "mem", BUTTE_VALUE_SCALAR },
                  { "disk", BUTTE_VALUE_SCALAR }, { "gpus", BUTTE_VALUE_SCALAR },
                  { "ports", BUTTE_VALUE_RANGES } };

    if (flags & RES_KNOWN_TYPES)
        for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
            if (strcmp(name, known[i].name) == 0 && type != known[i].type)
                return butte_err_set(err, BUTTE_EINVAL, "resource '%s' must be %s, not %s", name,
                                     butte_res_type_name(known[i].type),
                                     butte_res_type_name(type));
    name = butte_res_intern(name);
    role = butte_res_intern(role);
    for (size_t i = 0; i < seen->n; i++) {
        if (seen->v[i].name != name)
            continue;
        if (seen->v[i].type != type)
            return butte_err_set(err, BUTTE_EINVAL, "resource '%s' is given as both %s and %s",
                                 name, butte_res_type_name(seen->v[i].type),
                                 butte_res_type_name(type));
        if (unique && seen->v[i].role == role)
            return butte_err_set(err, BUTTE_EINVAL,
                                 "resource '%s' with role '%s' is given more than once", name,
                                 role);
    }
    if (seen->n == seen->cap) {
        seen->cap = seen->cap ? seen->cap * 2 : 8;
        seen->v = butte_res_xrealloc(seen->v, seen->cap * sizeof *seen->v);
    }
    seen->v[seen->n++] = (struct butte_res_seen_entry){ name, role, type };
    return 0;
}

/* "{a,b}" -> items pointing into s, which is cut at the commas. */
static int
parse_set(char *s, const char *what, const char ***items, size_t *n, butte_err_t *err)
{
    size_t len = strlen(s), k = 1;
    char *p;

    *items = NULL;
    *n = 0;
    if (len < 2 || s[len - 1] != '}')
        return butte_err_set(err, BUTTE_EINVAL, "%s: value '%s' has no closing '}'", what, s);
    s[len - 1] = '\0';
    if (len == 2)
        return 0;
    for (p = s + 1; *p; p++)
        k += *p == ',';
    *items = butte_res_xrealloc(NULL, k * sizeof **items);
    for (p = s + 1;; p++) {
        char *comma = strchr(p, ',');

        (*items)[(*n)++] = p;
        if (comma == NULL)
            return 0;
        *comma = '\0';
        p = comma;
    }
}

/* One "name(role):value" token, whitespace already gone. */
static int
parse_one(char *tok, const char *default_role, int flags, butte_resources_t *rs,
          butte_res_seen_t *seen, butte_err_t *err)
{
    butte_res_t r = BUTTE_RES_INIT;
    butte_reservation_t one = { BUTTE_RESERVATION_STATIC, NULL, NULL };
    butte_range_t *ranges = NULL;
    const char **items = NULL;
    const char *role = default_role;
    char what[160], *p, *value;
    size_t nlen = strcspn(tok, "(:");
    int rc;

    if (tok[nlen] == '\0')
        return butte_err_set(err, BUTTE_EINVAL, "resource '%s': expected 'name:value'", tok);
    if (nlen == 0)
        return butte_err_set(err, BUTTE_EINVAL, "resource '%s' has an empty name", tok);
    p = tok + nlen;
    if (*p == '(') {
        char *close = strchr(p, ')');

        *p = '\0';
        if (close == NULL)
            return butte_err_set(err, BUTTE_EINVAL, "resource '%s': role has no closing ')'",
                                 tok);
        *close = '\0';
        role = p + 1;
        p = close + 1;
        if (*role == '\0')
            return butte_err_set(err, BUTTE_EINVAL, "resource '%s': role is empty", tok);
        if (butte_role_valid(role, err) < 0)
            return butte_err_prefix(err, "resource '%s'", tok);
        if (*p != ':')
            return butte_err_set(err, BUTTE_EINVAL, "resource '%s': expected ':' after the role",
                                 tok);
    }
    *p = '\0';
    value = p + 1;
    snprintf(what, sizeof what, "resource '%s'", tok);
    if (*value == '\0')
        return butte_err_set(err, BUTTE_EINVAL, "%s: value is empty", what);

    r.name = tok;
    if (*value == '[') {
        r.type = BUTTE_VALUE_RANGES;
        if (butte_res_parse_ranges(value, what, &ranges, &r.nranges, err) < 0)
            return BUTTE_EINVAL;
        r.ranges = ranges;
    } else if (*value == '{') {
        r.type = BUTTE_VALUE_SET;
        if (parse_set(value, what, &items, &r.nitems, err) < 0)
            return BUTTE_EINVAL;
        r.items = items;
    } else {
        double d;

        r.type = BUTTE_VALUE_SCALAR;
        if (butte_res_parse_number(value, &d) < 0)
            return butte_err_set(err, BUTTE_EINVAL, "%s: value '%s' is not a number", what, value);
        if (d < 0)
            return butte_err_set(err, BUTTE_EINVAL, "%s: value '%s' is negative", what, value);
        if (!(d <= BUTTE_SCALAR_MAX))
            return butte_err_set(err, BUTTE_EINVAL, "%s: value '%s' is too large", what, value);
        r.scalar = butte_scalar_from_double(d);
    }
    if (strcmp(role, "*") != 0) {
        one.role = role;
        r.reservations = &one;
        r.nreservations = 1;
    }
    rc = butte_res_seen_check(seen, tok, role, r.type, true, flags, err);
    if (rc == 0)
        rc = butte_resources_add(rs, &r, err);
    free(ranges);
    free(items);
    return rc;
}

/* A copy of text without whitespace, malloc'd. */
static char *
strip_spaces(const char *text)
{
    char *buf = butte_res_xrealloc(NULL, strlen(text) + 1), *q = buf;

    for (const char *p = text; *p; p++)
        if (!isspace((unsigned char)*p))
            *q++ = *p;
    *q = '\0';
    return buf;
}

int
butte_res_parse_text(butte_pool_t *pool, const char *text, const char *default_role,
                     int flags, butte_resources_t **out, butte_res_seen_t *seen, butte_err_t *err)
{
    butte_res_seen_t local = { 0 };
    butte_resources_t *rs;
    char *buf, *tok, *next;
    int rc = 0;

    *out = NULL;
    if (default_role == NULL)
        default_role = "*";
    if (butte_role_valid(default_role, err) < 0)
        return butte_err_prefix(err, "default role");
    if (seen == NULL)
        seen = &local;
    rs = butte_resources_create(pool);
    text = text ? text : "";
    buf = strip_spaces(text);
    if (buf[0] == '[' && !(flags & RES_NO_JSON)) {
        rc = butte_res_parse_json(text, default_role, flags, rs, seen, err);
    } else {
        for (tok = buf; tok != NULL && rc == 0; tok = next) {
            next = strchr(tok, ';');
            if (next != NULL)
                *next++ = '\0';
            if (*tok != '\0')
                rc = parse_one(tok, default_role, flags, rs, seen, err);
        }
    }
    free(buf);
    free(local.v);
    if (rc < 0) {
        butte_resources_clear(rs); /* give the arrays back now, not at pool end */
        return BUTTE_EINVAL;
    }
    *out = rs;
    return 0;
}

int
butte_resources_parse_role(butte_pool_t *pool, const char *text, const char *default_role,
                           butte_resources_t **out, butte_err_t *err)
{
    return butte_res_parse_text(pool, text, default_role, RES_KNOWN_TYPES, out, NULL, err);
}

butte_resources_t *
butte_resources_parse(butte_pool_t *pool, const char *text, butte_err_t *err)
{
    butte_resources_t *rs;

    return butte_resources_parse_role(pool, text, "*", &rs, err) < 0 ? NULL : rs;
}
