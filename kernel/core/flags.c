/*
 * kernel/core/flags.c - load a role's flags from the command line,
 * MESOS_* environment variables, a --config YAML file and the Mesos
 * packaging directories (see flags-internal.h).  The files are read by
 * flags-files.c, durations and sizes parsed by flags-value.c.
 *
 * Each source is read into its own layer of raw text first; the layers are
 * then merged by precedence and only the winning text is expanded (file://)
 * and converted, so a bad value that is overridden never stops start-up.
 * Runs once at start-up on the main thread; every byte lives in the pool.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <jansson.h>

#include "core/flags-internal.h"

extern char **environ;

typedef union flag_num {
    bool b;
    int64_t i;
    double d;
    uint64_t u;
} flag_num_t;

typedef struct flag_val {
    const char *text;        /* NULL = not given by this layer */
    const char *origin;      /* where it came from, for messages; NULL = command line */
    butte_flag_source_t src;
    flag_num_t num;          /* text converted, by def->type */
} flag_val_t;

struct butte_flags {
    butte_pool_t *pool;
    const butte_flag_def_t *table;
    size_t n;
    const char *role;
    flag_val_t *vals;        /* the merged result, one per table entry */
    flag_num_t *defnum;      /* each default converted, for "away from default" */
    const char **warnings;
    size_t nwarnings, capwarnings;
};

/* How a layer treats a name that is not in the table. */
enum unknown_policy { UNKNOWN_FAILS, UNKNOWN_WARNS };

static const char *
shown_origin(butte_pool_t *p, const char *origin)
{
    return origin == NULL ? "" : butte_pool_printf(p, " (from %s)", origin);
}

static ssize_t
lookup(const butte_flag_def_t *table, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(table[i].name, name) == 0)
            return (ssize_t)i;
    return -1;
}

/* The entry whose value an alias stores into. */
static size_t
canonical(const butte_flags_t *f, size_t i)
{
    ssize_t t;

    if (f->table[i].alias_of == NULL)
        return i;
    t = lookup(f->table, f->n, f->table[i].alias_of);
    return t < 0 ? i : (size_t)t;
}

static void
warn(butte_flags_t *f, const char *fmt, ...) BUTTE_PRINTF(2, 3);

static void
warn(butte_flags_t *f, const char *fmt, ...)
{
    va_list ap;
    char *msg;

    va_start(ap, fmt);
    msg = butte_pool_vprintf(f->pool, fmt, ap);
    va_end(ap);
    /* The same alias may come from several sources; say it once. */
    for (size_t i = 0; i < f->nwarnings; i++)
        if (strcmp(f->warnings[i], msg) == 0)
            return;
    if (f->nwarnings == f->capwarnings) {
        size_t cap = f->capwarnings ? f->capwarnings * 2 : 8;
        const char **w = butte_pool_alloc(f->pool, cap * sizeof *w);

        if (f->nwarnings > 0)
            memcpy(w, f->warnings, f->nwarnings * sizeof *w);
        f->warnings = w;
        f->capwarnings = cap;
    }
    f->warnings[f->nwarnings++] = msg;
}

static int
unknown_flag(butte_flags_t *f, const char *name, const char *origin, butte_err_t *err)
{
    bool negated = strncmp(name, "no-", 3) == 0;
    const char *hint = butte_flags_suggest(f->table, f->n, negated ? name + 3 : name);
    ssize_t h = hint != NULL ? lookup(f->table, f->n, hint) : -1;

    if (hint == NULL)
        return butte_err_set(err, BUTTE_EINVAL, "unknown flag '--%s'%s", name,
                             shown_origin(f->pool, origin));
    return butte_err_set(err, BUTTE_EINVAL, "unknown flag '--%s'%s; did you mean '--%s%s'?",
                         name, shown_origin(f->pool, origin),
                         negated && f->table[h].type == BUTTE_FLAG_BOOL ? "no-" : "", hint);
}

/*
 * assign - put one "--name[=value]" into layer.  value NULL means the name
 * was given without "=".  Returns 0, 1 when an unknown name was skipped, or
 * a negative code with err filled.
 */
static int
assign(butte_flags_t *f, flag_val_t *layer, const char *rawname, const char *value,
       butte_flag_source_t src, const char *origin, enum unknown_policy policy,
       butte_err_t *err)
{
    char *name = butte_pool_strdup(f->pool, rawname);
    bool negated = false;
    const butte_flag_def_t *def;
    ssize_t at;
    size_t i;

    for (char *c = name; *c != '\0'; c++)
        *c = (char)tolower((unsigned char)*c);
    at = lookup(f->table, f->n, name);
    if (at < 0 && strncmp(name, "no-", 3) == 0) {
        at = lookup(f->table, f->n, name + 3);
        negated = at >= 0;
    }
    if (at < 0) {
        if (policy == UNKNOWN_WARNS) {
            warn(f, "%s does not name a flag; ignored", origin);
            return 1;
        }
        return unknown_flag(f, name, origin, err);
    }
    i = canonical(f, (size_t)at);
    def = &f->table[i];
    if (def->type == BUTTE_FLAG_BOOL) {
        /* stout's rules: "--x" and "--x=" mean true, "--no-x" false. */
        if (negated && value != NULL && value[0] != '\0')
            return butte_err_set(err, BUTTE_EINVAL, "flag '--%s'%s takes no value", name,
                                 shown_origin(f->pool, origin));
        if (value == NULL || value[0] == '\0')
            value = negated ? "false" : "true";
    } else if (negated) {
        return butte_err_set(err, BUTTE_EINVAL,
                             "flag '--%s' is not a boolean; '--%s'%s is invalid", def->name,
                             name, shown_origin(f->pool, origin));
    } else if (value == NULL) {
        return butte_err_set(err, BUTTE_EINVAL, "flag '--%s'%s needs a value", def->name,
                             shown_origin(f->pool, origin));
    }

    /* The config file is found before files are read; it cannot move itself. */
    if (src == BUTTE_FLAG_SRC_FILE && strcmp(def->name, "config") == 0)
        return butte_err_set(err, BUTTE_EINVAL, "flag '--config' cannot be set from %s", origin);
    if (src == BUTTE_FLAG_SRC_CMDLINE && layer[i].text != NULL &&
        strcmp(layer[i].text, value) != 0)
        return butte_err_set(err, BUTTE_EINVAL,
                             "flag '--%s' given twice with different values ('%.64s' and '%.64s')",
                             def->name, layer[i].text, value);
    if (f->table[at].alias_of != NULL)
        warn(f, "flag '--%s' is deprecated, use '--%s'", f->table[at].name, def->name);
    else if (def->attrs & BUTTE_FLAG_DEPRECATED)
        warn(f, "flag '--%s' is deprecated", def->name);
    layer[i].text = butte_pool_strdup(f->pool, value);
    layer[i].origin = origin;
    layer[i].src = src;
    return 0;
}

static int
load_cmdline(butte_flags_t *f, flag_val_t *layer, int argc, char **argv, butte_err_t *err)
{
    for (int a = 1; a < argc; a++) {
        const char *arg = argv[a];
        const char *eq;
        char *name;
        int rc;

        if (strcmp(arg, "--") == 0)
            break;
        if (strncmp(arg, "--", 2) != 0)
            return butte_err_set(err, BUTTE_EINVAL,
                                 "unexpected argument '%.64s' (flags look like '--name=value')",
                                 arg);
        eq = strchr(arg, '=');
        name = eq ? butte_pool_strndup(f->pool, arg + 2, (size_t)(eq - arg - 2))
                  : butte_pool_strdup(f->pool, arg + 2);
        rc = assign(f, layer, name, eq ? eq + 1 : NULL, BUTTE_FLAG_SRC_CMDLINE, NULL,
                    UNKNOWN_FAILS, err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int
load_env(butte_flags_t *f, flag_val_t *layer, butte_err_t *err)
{
    static const struct { const char *var, *flag; } libprocess[] = {
        { "LIBPROCESS_IP", "ip" }, { "LIBPROCESS_PORT", "port" },
    };

    /* libprocess' own variables first so that MESOS_IP / MESOS_PORT win. */
    for (size_t k = 0; k < sizeof libprocess / sizeof libprocess[0]; k++) {
        const char *v = getenv(libprocess[k].var);
        int rc;

        if (v == NULL || lookup(f->table, f->n, libprocess[k].flag) < 0)
            continue;
        rc = assign(f, layer, libprocess[k].flag, v, BUTTE_FLAG_SRC_ENV,
                    butte_pool_printf(f->pool, "environment variable %s", libprocess[k].var),
                    UNKNOWN_FAILS, err);
        if (rc < 0)
            return rc;
    }
    for (char **e = environ; e != NULL && *e != NULL; e++) {
        const char *eq = strchr(*e, '=');
        char *name;
        int rc;

        if (strncmp(*e, "MESOS_", 6) != 0 || eq == NULL || eq == *e + 6)
            continue;
        name = butte_pool_strndup(f->pool, *e + 6, (size_t)(eq - *e - 6));
        rc = assign(f, layer, name, eq + 1, BUTTE_FLAG_SRC_ENV,
                    butte_pool_printf(f->pool, "environment variable MESOS_%s", name),
                    UNKNOWN_WARNS, err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

typedef struct file_emit {
    butte_flags_t *f;
    flag_val_t *layer;
} file_emit_t;

static int
emit_file_flag(void *arg, const char *name, const char *value, const char *origin,
               butte_err_t *err)
{
    file_emit_t *e = arg;

    return assign(e->f, e->layer, name, value, BUTTE_FLAG_SRC_FILE, origin, UNKNOWN_FAILS, err);
}

/* convert - text into num by type; JSON is only checked.  err gets the
 * reason alone; the caller adds the flag's name. */
static int
convert(const butte_flag_def_t *def, const char *text, flag_num_t *num, butte_err_t *err)
{
    char *end;

    switch (def->type) {
    case BUTTE_FLAG_BOOL:
        return butte_parse_bool(text, &num->b, err);
    case BUTTE_FLAG_INT:
        errno = 0;
        num->i = strtoll(text, &end, 10);
        if (text[0] == '\0' || isspace((unsigned char)text[0]) || *end != '\0')
            return butte_err_set(err, BUTTE_EINVAL, "invalid integer '%.64s'", text);
        if (errno == ERANGE)
            return butte_err_set(err, BUTTE_EINVAL, "integer '%.64s' is out of range", text);
        return 0;
    case BUTTE_FLAG_DOUBLE:
        num->d = strtod(text, &end);
        if (text[0] == '\0' || isspace((unsigned char)text[0]) || *end != '\0' ||
            !isfinite(num->d))
            return butte_err_set(err, BUTTE_EINVAL, "invalid number '%.64s'", text);
        return 0;
    case BUTTE_FLAG_DURATION:
        return butte_parse_duration(text, &num->d, err);
    case BUTTE_FLAG_BYTES:
        return butte_parse_bytes(text, &num->u, err);
    case BUTTE_FLAG_JSON: {
        json_error_t jerr;
        json_t *j = json_loads(text, 0, &jerr);

        if (j == NULL)
            return butte_err_set(err, BUTTE_EINVAL, "invalid JSON: %s (line %d, column %d)",
                                 jerr.text, jerr.line, jerr.column);
        json_decref(j);
        return 0;
    }
    case BUTTE_FLAG_STRING:
    case BUTTE_FLAG_PATH:
    case BUTTE_FLAG_LIST:
        return 0;
    }
    return 0;
}

/* expand - file:// (and, for JSON and lists, a bare absolute path) is
 * replaced by the file's text, without its trailing newline. */
static int
expand(butte_flags_t *f, const butte_flag_def_t *def, flag_val_t *v, butte_err_t *err)
{
    const char *path = NULL;
    char *text;
    size_t len;

    if (def->type == BUTTE_FLAG_PATH)
        return 0;
    if (strncmp(v->text, "file://", 7) == 0)
        path = v->text + 7;
    else if ((def->type == BUTTE_FLAG_JSON || def->type == BUTTE_FLAG_LIST) && v->text[0] == '/')
        path = v->text;
    if (path == NULL)
        return 0;
    if ((text = butte_flags_read_file(f->pool, path, &len)) == NULL)
        return butte_err_set(err, BUTTE_EIO, "could not read \"%s\": %s", path, strerror(errno));
    if (path == v->text && def->type == BUTTE_FLAG_JSON)
        warn(f, "flag '--%s': a bare path is deprecated, use 'file://%s'", def->name, path);
    while (len > 0 && isspace((unsigned char)text[len - 1]))
        text[--len] = '\0';
    v->text = text;
    return 0;
}

static int
check_table(const butte_flag_def_t *table, size_t n, butte_err_t *err)
{
    for (size_t i = 0; i < n; i++) {
        ssize_t t;

        if (table[i].alias_of == NULL)
            continue;
        t = lookup(table, n, table[i].alias_of);
        if (t < 0 || table[t].alias_of != NULL || table[t].type != table[i].type)
            return butte_err_set(err, BUTTE_EINVAL, "flag table: alias '--%s' names no flag "
                                 "of its type", table[i].name);
    }
    return 0;
}

butte_flags_t *
butte_flags_load(butte_pool_t *pool, const butte_flag_def_t *table, size_t n, const char *role,
                 int argc, char **argv, const char *etc_root, butte_err_t *err)
{
    butte_flags_t *f = butte_pool_alloc(pool, sizeof *f);
    flag_val_t *cmd = butte_pool_alloc(pool, n * sizeof *cmd + 1);
    flag_val_t *env = butte_pool_alloc(pool, n * sizeof *env + 1);
    flag_val_t *file = butte_pool_alloc(pool, n * sizeof *file + 1);
    ssize_t cfg = lookup(table, n, "config");
    const char *cfgpath = NULL;
    file_emit_t to_file = { f, file };
    bool help_or_version;

    f->pool = pool;
    f->table = table;
    f->n = n;
    f->role = role != NULL ? role : "";
    f->vals = butte_pool_alloc(pool, n * sizeof *f->vals + 1);
    f->defnum = butte_pool_alloc(pool, n * sizeof *f->defnum + 1);
    if (check_table(table, n, err) < 0 || load_cmdline(f, cmd, argc, argv, err) < 0 ||
        load_env(f, env, err) < 0)
        return NULL;
    if (cfg >= 0)
        cfgpath = cmd[cfg].text != NULL ? cmd[cfg].text : env[cfg].text;
    if (etc_root != NULL &&
        butte_flags_read_etc(pool, etc_root, f->role, emit_file_flag, &to_file, err) < 0)
        return NULL;
    if (cfgpath != NULL && cfgpath[0] != '\0' &&
        butte_flags_read_yaml(pool, cfgpath, f->role, emit_file_flag, &to_file, err) < 0)
        return NULL;

    for (size_t i = 0; i < n; i++) {
        const butte_flag_def_t *def = &table[i];
        flag_val_t *v = &f->vals[i];
        butte_err_t why = { 0 };

        if (def->alias_of != NULL)
            continue;
        if (def->def != NULL && convert(def, def->def, &f->defnum[i], &why) < 0) {
            butte_err_set(err, BUTTE_EINVAL, "flag table: default of '--%s': %s", def->name,
                          why.msg);
            return NULL;
        }
        *v = cmd[i].text ? cmd[i] : env[i].text ? env[i] : file[i];
        if (v->text == NULL) {
            v->text = def->def;
            v->src = BUTTE_FLAG_SRC_DEFAULT;
            v->num = f->defnum[i];
            continue;
        }
        if (expand(f, def, v, &why) < 0 || convert(def, v->text, &v->num, &why) < 0) {
            butte_err_set(err, why.code, "flag '--%s'%s: %s", def->name,
                          shown_origin(pool, v->origin), why.msg);
            return NULL;
        }
    }

    help_or_version = butte_flags_help_requested(f) || butte_flags_version_requested(f);
    for (size_t i = 0; i < n && !help_or_version; i++) {
        if ((table[i].attrs & BUTTE_FLAG_REQUIRED) && f->vals[i].text == NULL) {
            butte_err_set(err, BUTTE_EINVAL, "missing required flag '--%s'", table[i].name);
            return NULL;
        }
    }
    return f;
}

static const flag_val_t *
find(const butte_flags_t *f, const char *name, const butte_flag_def_t **def)
{
    ssize_t at = lookup(f->table, f->n, name);

    if (at < 0) {
        /* A name missing from the table is a bug in the caller, not input. */
        fprintf(stderr, "butte: no flag '--%s' in the %s flag table\n", name, f->role);
        abort();
    }
    at = (ssize_t)canonical(f, (size_t)at);
    if (def != NULL)
        *def = &f->table[at];
    return &f->vals[at];
}

static const flag_val_t *
find_typed(const butte_flags_t *f, const char *name, butte_flag_type_t t1, butte_flag_type_t t2)
{
    const butte_flag_def_t *def;
    const flag_val_t *v = find(f, name, &def);

    if (def->type != t1 && def->type != t2) {
        fprintf(stderr, "butte: flag '--%s' read with a getter of the wrong type\n", name);
        abort();
    }
    return v;
}

bool
butte_flags_help_requested(const butte_flags_t *f)
{
    ssize_t at = lookup(f->table, f->n, "help");

    return at >= 0 && f->table[at].type == BUTTE_FLAG_BOOL && f->vals[at].text != NULL &&
           f->vals[at].num.b;
}

bool
butte_flags_version_requested(const butte_flags_t *f)
{
    ssize_t at = lookup(f->table, f->n, "version");

    return at >= 0 && f->table[at].type == BUTTE_FLAG_BOOL && f->vals[at].text != NULL &&
           f->vals[at].num.b;
}

bool
butte_flags_is_set(const butte_flags_t *f, const char *name)
{
    return find(f, name, NULL)->src != BUTTE_FLAG_SRC_DEFAULT;
}

const char *
butte_flags_str(const butte_flags_t *f, const char *name)
{
    return find(f, name, NULL)->text;
}

bool
butte_flags_bool(const butte_flags_t *f, const char *name)
{
    const flag_val_t *v = find_typed(f, name, BUTTE_FLAG_BOOL, BUTTE_FLAG_BOOL);

    return v->text != NULL && v->num.b;
}

int64_t
butte_flags_int(const butte_flags_t *f, const char *name)
{
    const flag_val_t *v = find_typed(f, name, BUTTE_FLAG_INT, BUTTE_FLAG_INT);

    return v->text != NULL ? v->num.i : 0;
}

double
butte_flags_double(const butte_flags_t *f, const char *name)
{
    const flag_val_t *v = find_typed(f, name, BUTTE_FLAG_DOUBLE, BUTTE_FLAG_DURATION);

    return v->text != NULL ? v->num.d : 0.0;
}

uint64_t
butte_flags_bytes(const butte_flags_t *f, const char *name)
{
    const flag_val_t *v = find_typed(f, name, BUTTE_FLAG_BYTES, BUTTE_FLAG_BYTES);

    return v->text != NULL ? v->num.u : 0;
}

butte_flag_source_t
butte_flags_source(const butte_flags_t *f, const char *name)
{
    return find(f, name, NULL)->src;
}

const char *
butte_flags_origin(const butte_flags_t *f, const char *name)
{
    const flag_val_t *v = find(f, name, NULL);

    if (v->src == BUTTE_FLAG_SRC_DEFAULT)
        return "default";
    return v->origin != NULL ? v->origin : "command line";
}

const char *const *
butte_flags_warnings(const butte_flags_t *f, size_t *n)
{
    *n = f->nwarnings;
    return f->warnings;
}

void
butte_flags_foreach(const butte_flags_t *f, butte_flags_visit_fn fn, void *arg)
{
    for (size_t i = 0; i < f->n; i++)
        if (f->table[i].alias_of == NULL && f->vals[i].text != NULL)
            fn(&f->table[i], f->vals[i].text, f->vals[i].src, arg);
}

static bool
away_from_default(const butte_flags_t *f, size_t i)
{
    const butte_flag_def_t *def = &f->table[i];
    const flag_val_t *v = &f->vals[i];
    const flag_num_t *d = &f->defnum[i];

    if (v->src == BUTTE_FLAG_SRC_DEFAULT)
        return false;
    if (def->def == NULL)
        return true;
    switch (def->type) {
    case BUTTE_FLAG_BOOL: return v->num.b != d->b;
    case BUTTE_FLAG_INT: return v->num.i != d->i;
    case BUTTE_FLAG_DOUBLE:
    case BUTTE_FLAG_DURATION: return v->num.d != d->d;
    case BUTTE_FLAG_BYTES: return v->num.u != d->u;
    default: return strcmp(v->text, def->def) != 0;
    }
}

void
butte_flags_unimplemented(const butte_flags_t *f, butte_flags_visit_fn fn, void *arg)
{
    for (size_t i = 0; i < f->n; i++) {
        const butte_flag_def_t *def = &f->table[i];

        if (def->alias_of == NULL && !(def->attrs & BUTTE_FLAG_IMPLEMENTED) &&
            away_from_default(f, i))
            fn(def, f->vals[i].text, f->vals[i].src, arg);
    }
}
