/*
 * kernel/core/flags-value.c - the grammars of flag values that Mesos users
 * write: booleans, durations ("1.5hrs") and byte sizes ("64MB").  Exposed
 * for other parsers too ("1/10mins" rate limits, resource quantities).
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/flags-internal.h"

int
butte_parse_bool(const char *text, bool *value, butte_err_t *err)
{
    if (strcmp(text, "true") == 0 || strcmp(text, "1") == 0)
        *value = true;
    else if (strcmp(text, "false") == 0 || strcmp(text, "0") == 0)
        *value = false;
    else
        return butte_err_set(err, BUTTE_EINVAL,
                             "invalid boolean '%.64s' (expected true, false, 1 or 0)", text);
    return 0;
}

typedef struct unit {
    const char *name;
    double scale;
} unit_t;

/* number_unit - "<digits>[.<digits>]<unit>" with a unit from units. */
static int
number_unit(const char *text, const unit_t *units, size_t nunits, const char *what,
            const char *expected, double *out, butte_err_t *err)
{
    const char *p = text;
    size_t digits = 0;

    if (*p == '-')
        return butte_err_set(err, BUTTE_EINVAL, "invalid %s '%.64s': must not be negative",
                             what, text);
    for (; isdigit((unsigned char)*p); p++)
        digits++;
    if (*p == '.')
        for (p++; isdigit((unsigned char)*p); p++)
            digits++;
    if (digits == 0)
        return butte_err_set(err, BUTTE_EINVAL,
                             "invalid %s '%.64s': expected a number and a unit (%s)", what, text,
                             expected);
    if (*p == '\0')
        return butte_err_set(err, BUTTE_EINVAL, "invalid %s '%.64s': missing unit (%s)", what,
                             text, expected);
    for (size_t k = 0; k < nunits; k++) {
        if (strcmp(p, units[k].name) == 0) {
            *out = strtod(text, NULL) * units[k].scale;
            return 0;
        }
    }
    return butte_err_set(err, BUTTE_EINVAL, "invalid %s '%.64s': unknown unit '%.16s' (%s)",
                         what, text, p, expected);
}

int
butte_parse_duration(const char *text, double *secs, butte_err_t *err)
{
    static const unit_t units[] = {
        { "ns", 1e-9 }, { "us", 1e-6 }, { "ms", 1e-3 }, { "secs", 1 }, { "mins", 60 },
        { "hrs", 3600 }, { "days", 86400 }, { "weeks", 604800 },
    };

    return number_unit(text, units, sizeof units / sizeof units[0], "duration",
                       "ns, us, ms, secs, mins, hrs, days or weeks", secs, err);
}

int
butte_parse_bytes(const char *text, uint64_t *bytes, butte_err_t *err)
{
    static const unit_t units[] = {
        { "B", 1 }, { "KB", 1024.0 }, { "MB", 1048576.0 }, { "GB", 1073741824.0 },
        { "TB", 1099511627776.0 },
    };
    double v;
    int rc = number_unit(text, units, sizeof units / sizeof units[0], "byte size",
                         "B, KB, MB, GB or TB", &v, err);

    if (rc != 0)
        return rc;
    if (v >= 18446744073709551616.0)
        return butte_err_set(err, BUTTE_EINVAL, "invalid byte size '%.64s': too large", text);
    *bytes = (uint64_t)v;
    return 0;
}
