/*
 * kernel/core/resources-json.c - --resources as a JSON array of
 * mesos.v1.Resource, read with Mesos' JSON rules (protocol §0.3): field
 * names as in the .proto, null = absent, unknown keys ignored, enums by
 * name, numbers also as strings.  Both reservation formats are accepted:
 * legacy "role" (+ "reservation" for dynamic) and "reservations".
 *
 * This is the flag's reader, not the protobuf layer: it fills butte_res_t
 * directly so the agent can start before any generated code is involved.
 */
#include "config.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/resources-internal.h"

/* A member that is present and not null. */
static json_t *
field(const json_t *obj, const char *key)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

    return v == NULL || json_is_null(v) ? NULL : v;
}

static const char *
field_str(const json_t *obj, const char *key)
{
    json_t *v = field(obj, key);

    return json_is_string(v) ? json_string_value(v) : NULL;
}

static int
json_double(const json_t *v, double *out)
{
    if (json_is_number(v)) {
        *out = json_number_value(v);
        return 0;
    }
    return json_is_string(v) ? butte_res_parse_number(json_string_value(v), out) : -1;
}

static int
json_u64(const json_t *v, uint64_t *out)
{
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out = (uint64_t)json_integer_value(v);
        return 0;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);

        if (!(d >= 0 && d < 18446744073709551616.0) || d != (double)(uint64_t)d)
            return -1;
        *out = (uint64_t)d;
        return 0;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        char *end;

        if (s[0] < '0' || s[0] > '9')
            return -1;
        *out = strtoull(s, &end, 10);
        return *end == '\0' && *out != UINT64_MAX ? 0 : -1;
    }
    return -1;
}

static int
enum_value(const char *s, const char *const *names, int n)
{
    for (int i = 0; s != NULL && i < n; i++)
        if (names[i] != NULL && strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

static int
parse_value(const json_t *el, butte_res_t *r, const char *what, butte_range_t **ranges,
            const char ***items, butte_err_t *err)
{
    const json_t *v, *arr;
    size_t i;

    if (r->type == BUTTE_VALUE_SCALAR) {
        double d;

        if ((v = field(el, "scalar")) == NULL)
            return butte_err_set(err, BUTTE_EINVAL, "%s: type SCALAR needs 'scalar'", what);
        if (json_double(field(v, "value"), &d) < 0)
            return butte_err_set(err, BUTTE_EINVAL, "%s: 'scalar.value' is not a number", what);
        if (d < 0)
            return butte_err_set(err, BUTTE_EINVAL, "%s: value %g is negative", what, d);
        if (!(d <= BUTTE_SCALAR_MAX))
            return butte_err_set(err, BUTTE_EINVAL, "%s: value %g is too large", what, d);
        r->scalar = butte_scalar_from_double(d);
        return 0;
    }
    if (r->type == BUTTE_VALUE_RANGES) {
        if ((v = field(el, "ranges")) == NULL)
            return butte_err_set(err, BUTTE_EINVAL, "%s: type RANGES needs 'ranges'", what);
        arr = field(v, "range");
        if (arr != NULL && !json_is_array(arr))
            return butte_err_set(err, BUTTE_EINVAL, "%s: 'ranges.range' is not an array", what);
        r->nranges = json_array_size(arr);
        *ranges = butte_res_xrealloc(NULL, r->nranges * sizeof **ranges);
        r->ranges = *ranges;
        for (i = 0; i < r->nranges; i++) {
            const json_t *e = json_array_get(arr, i);

            if (json_u64(field(e, "begin"), &(*ranges)[i].begin) < 0 ||
                json_u64(field(e, "end"), &(*ranges)[i].end) < 0)
                return butte_err_set(err, BUTTE_EINVAL,
                                     "%s: range %zu needs a non-negative 'begin' and 'end'", what,
                                     i + 1);
        }
        return 0;
    }
    if ((v = field(el, "set")) == NULL)
        return butte_err_set(err, BUTTE_EINVAL, "%s: type SET needs 'set'", what);
    arr = field(v, "item");
    if (arr != NULL && !json_is_array(arr))
        return butte_err_set(err, BUTTE_EINVAL, "%s: 'set.item' is not an array", what);
    r->nitems = json_array_size(arr);
    *items = butte_res_xrealloc(NULL, r->nitems * sizeof **items);
    r->items = *items;
    for (i = 0; i < r->nitems; i++)
        if (((*items)[i] = json_string_value(json_array_get(arr, i))) == NULL)
            return butte_err_set(err, BUTTE_EINVAL, "%s: set item %zu is not a string", what,
                                 i + 1);
    return 0;
}

/*
 * The reservation stack, from "reservations" or the legacy "role" and
 * "reservation"; default_role when neither says anything.
 */
static int
parse_reservations(const json_t *el, butte_res_t *r, const char *default_role, const char *what,
                   butte_reservation_t **stack, const char **role_out, butte_err_t *err)
{
    static const char *const types[] = { "UNKNOWN", "STATIC", "DYNAMIC" };
    const json_t *list = field(el, "reservations"), *legacy = field(el, "reservation");
    const char *role = field_str(el, "role");
    size_t n = json_array_size(list);

    if (list != NULL && !json_is_array(list))
        return butte_err_set(err, BUTTE_EINVAL, "%s: 'reservations' is not an array", what);
    if (field(el, "role") != NULL && role == NULL)
        return butte_err_set(err, BUTTE_EINVAL, "%s: 'role' is not a string", what);
    *role_out = "*";
    if (n > 0) {
        *stack = butte_res_xrealloc(NULL, n * sizeof **stack);
        for (size_t i = 0; i < n; i++) {
            const json_t *e = json_array_get(list, i);
            int t = enum_value(field_str(e, "type"), types, 3);

            (*stack)[i] = (butte_reservation_t){ t < 0 ? BUTTE_RESERVATION_UNKNOWN : t,
                                                 field_str(e, "role"), field_str(e, "principal") };
        }
        *role_out = (*stack)[n - 1].role ? (*stack)[n - 1].role : "";
        if (role != NULL && strcmp(role, "*") != 0 && strcmp(role, *role_out) != 0)
            return butte_err_set(err, BUTTE_EINVAL,
                                 "%s: 'role' '%s' disagrees with 'reservations'", what, role);
    } else if (role != NULL && strcmp(role, "*") != 0) {
        /* Legacy format: a role alone is static, with "reservation" it is
         * dynamic (made by that principal). */
        *stack = butte_res_xrealloc(NULL, sizeof **stack);
        **stack = (butte_reservation_t){ legacy ? BUTTE_RESERVATION_DYNAMIC
                                                : BUTTE_RESERVATION_STATIC,
                                         role, field_str(legacy, "principal") };
        n = 1;
        *role_out = role;
    } else if (legacy != NULL) {
        return butte_err_set(err, BUTTE_EINVAL, "%s: 'reservation' needs a 'role' other than '*'",
                             what);
    } else if (role == NULL && strcmp(default_role, "*") != 0) {
        *stack = butte_res_xrealloc(NULL, sizeof **stack);
        **stack = (butte_reservation_t){ BUTTE_RESERVATION_STATIC, default_role, NULL };
        n = 1;
        *role_out = default_role;
    }
    r->reservations = *stack;
    r->nreservations = n;
    return 0;
}

static void
parse_disk(const json_t *el, butte_disk_t *d)
{
    static const char *const modes[] = { NULL, "RW", "RO" };
    static const char *const sources[] = { "UNKNOWN", "PATH", "MOUNT", "BLOCK", "RAW" };
    const json_t *p = field(el, "persistence"), *v = field(el, "volume"), *s = field(el, "source");
    int mode = enum_value(field_str(v, "mode"), modes, 3);
    int type = enum_value(field_str(s, "type"), sources, 5);

    d->persistence_id = field_str(p, "id");
    d->persistence_principal = field_str(p, "principal");
    d->container_path = field_str(v, "container_path");
    d->volume_mode = mode < 0 ? 0 : mode;
    d->source_type = type < 0 ? BUTTE_DISK_SOURCE_NONE : (butte_disk_source_t)type;
    d->source_root = field_str(field(s, "path"), "root");
    if (d->source_root == NULL)
        d->source_root = field_str(field(s, "mount"), "root");
    d->source_id = field_str(s, "id");
    d->source_profile = field_str(s, "profile");
}

static int
parse_resource(const json_t *el, size_t idx, const char *default_role, int flags,
               butte_resources_t *rs, butte_res_seen_t *seen, butte_err_t *err)
{
    static const char *const types[] = { "SCALAR", "RANGES", "SET", "TEXT" };
    butte_res_t r = BUTTE_RES_INIT;
    butte_disk_t disk = BUTTE_DISK_INIT;
    butte_range_t *ranges = NULL;
    butte_reservation_t *stack = NULL;
    const char **items = NULL, *type, *role = "*";
    char what[160];
    int t, rc;

    if (!json_is_object(el))
        return butte_err_set(err, BUTTE_EINVAL, "resource #%zu is not a JSON object", idx + 1);
    if ((r.name = field_str(el, "name")) == NULL || r.name[0] == '\0')
        return butte_err_set(err, BUTTE_EINVAL, "resource #%zu has no 'name'", idx + 1);
    snprintf(what, sizeof what, "resource '%s'", r.name);
    if (field(el, "type") == NULL)
        return butte_err_set(err, BUTTE_EINVAL, "%s: 'type' is missing", what);
    if ((type = field_str(el, "type")) == NULL)
        return butte_err_set(err, BUTTE_EINVAL, "%s: 'type' must be a name, not a number", what);
    if ((t = enum_value(type, types, 4)) < 0)
        return butte_err_set(err, BUTTE_EINVAL, "%s: unknown type '%s'", what, type);
    if (t == BUTTE_VALUE_TEXT)
        return butte_err_set(err, BUTTE_EINVAL, "%s: type TEXT is not allowed for resources",
                             what);
    r.type = (butte_value_type_t)t;
    rc = parse_value(el, &r, what, &ranges, &items, err);
    if (rc == 0)
        rc = parse_reservations(el, &r, default_role, what, &stack, &role, err);
    if (rc == 0) {
        if (field(el, "disk") != NULL) {
            parse_disk(field(el, "disk"), &disk);
            r.disk = &disk;
        }
        r.allocation_role = field_str(field(el, "allocation_info"), "role");
        r.provider_id = field_str(field(el, "provider_id"), "value");
        r.revocable = field(el, "revocable") != NULL;
        r.shared = field(el, "shared") != NULL;
        rc = butte_res_seen_check(seen, r.name, role, r.type, false, flags, err);
    }
    if (rc == 0)
        rc = butte_resources_add(rs, &r, err);
    free(ranges);
    free(items);
    free(stack);
    return rc;
}

int
butte_res_parse_json(const char *text, const char *default_role, int flags,
                     butte_resources_t *rs, butte_res_seen_t *seen, butte_err_t *err)
{
    json_error_t je;
    json_t *root = json_loads(text, 0, &je);
    int rc = 0;

    if (root == NULL)
        return butte_err_set(err, BUTTE_EINVAL,
                             "resources are not valid JSON: %s (line %d, column %d)", je.text,
                             je.line, je.column);
    if (!json_is_array(root))
        rc = butte_err_set(err, BUTTE_EINVAL,
                           "resources JSON must be an array of Resource objects");
    for (size_t i = 0; rc == 0 && i < json_array_size(root); i++)
        rc = parse_resource(json_array_get(root, i), i, default_role, flags, rs, seen, err);
    json_decref(root);
    return rc;
}
