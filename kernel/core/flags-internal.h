/*
 * kernel/core/flags-internal.h - command-line flags with Mesos' syntax.
 *
 * A role (master, agent, local) describes its flags in one static table of
 * butte_flag_def_t.  butte_flags_load() fills values from, in order of
 * precedence: the command line, MESOS_<NAME> environment variables, the
 * --config YAML file, the Mesos packaging directories (/etc/mesos/zk,
 * /etc/mesos-<role>/<flag>), then the table's defaults.
 *
 * Syntax: --name=value, --name (true), --no-name (false), "--" ends
 * parsing.  Booleans take true/false/1/0.  Durations: <number><unit>, units
 * ns us ms secs mins hrs days weeks.  Byte sizes: <number><unit>, units B KB
 * MB GB TB.  A value "file:///path" is replaced by the file's contents (not
 * for PATH flags); a JSON flag also takes a bare "/path".
 *
 * Everything here runs at start-up on the main thread and may read files.
 */
#ifndef BUTTE_FLAGS_INTERNAL_H
#define BUTTE_FLAGS_INTERNAL_H

#include <stdio.h>
#include <butte/error.h>
#include <butte/pool.h>

typedef enum butte_flag_type {
    BUTTE_FLAG_STRING,   /* any text */
    BUTTE_FLAG_BOOL,     /* true/false */
    BUTTE_FLAG_INT,      /* signed 64-bit integer */
    BUTTE_FLAG_DOUBLE,   /* floating point */
    BUTTE_FLAG_DURATION, /* "10secs" -> seconds as double */
    BUTTE_FLAG_BYTES,    /* "64MB" -> bytes as uint64 */
    BUTTE_FLAG_PATH,     /* a path: "file://" is not expanded */
    BUTTE_FLAG_JSON,     /* JSON text, inline, file:// or /path; checked for syntax */
    BUTTE_FLAG_LIST      /* comma-separated names */
} butte_flag_type_t;

/* butte_flag_def_t.attrs bits */
#define BUTTE_FLAG_IMPLEMENTED (1u << 0) /* the feature behind it works */
#define BUTTE_FLAG_REQUIRED (1u << 1)    /* start-up fails without it */
#define BUTTE_FLAG_DEPRECATED (1u << 2)  /* accepted, warns */

typedef struct butte_flag_def {
    const char *name;       /* lower case, underscores: "agent_ping_timeout" */
    butte_flag_type_t type;
    const char *def;        /* default as text, NULL = no default (unset) */
    const char *group;      /* heading in --help: "Networking", "Logging", ... */
    const char *help;       /* one or two sentences */
    unsigned attrs;         /* BUTTE_FLAG_* bits */
    const char *alias_of;   /* non-NULL: a deprecated spelling of that flag */
} butte_flag_def_t;

/* Where a value came from (for /flags and start-up reports). */
typedef enum butte_flag_source {
    BUTTE_FLAG_SRC_DEFAULT = 0,
    BUTTE_FLAG_SRC_FILE,    /* --config or /etc/mesos* */
    BUTTE_FLAG_SRC_ENV,
    BUTTE_FLAG_SRC_CMDLINE
} butte_flag_source_t;

typedef struct butte_flags butte_flags_t;

/*
 * butte_flags_load - parse argv (argv[0] is the program) and the environment
 * against table (n entries) for role ("master", "agent" or "local"; names the
 * /etc/mesos-<role> directory and "slave" is also read for the agent).
 *
 * The result lives in pool.  On an unknown flag or a bad value returns NULL
 * and fills err with one line naming the flag, what was wrong and, for an
 * unknown name, the closest known one ("unknown flag '--prot'; did you mean
 * '--port'?").  "--help" and "--version" set butte_flags_help_requested() /
 * butte_flags_version_requested() instead of failing (required flags are
 * then not checked).  What loading noticed without failing (deprecated
 * names, ignored MESOS_* variables) is in butte_flags_warnings().
 *
 * etc_root is the root for packaging directories ("/etc" normally; tests
 * pass a temporary folder, NULL disables reading them).
 */
butte_flags_t *butte_flags_load(butte_pool_t *pool, const butte_flag_def_t *table, size_t n,
                                const char *role, int argc, char **argv, const char *etc_root,
                                butte_err_t *err);

bool butte_flags_help_requested(const butte_flags_t *f);
bool butte_flags_version_requested(const butte_flags_t *f);

/* Typed getters.  name must be in the table (abort otherwise: a bug).  An
 * unset flag without default gives NULL / false / 0. */
bool butte_flags_is_set(const butte_flags_t *f, const char *name); /* not default */
const char *butte_flags_str(const butte_flags_t *f, const char *name);  /* text as given (after file://) */
bool butte_flags_bool(const butte_flags_t *f, const char *name);
int64_t butte_flags_int(const butte_flags_t *f, const char *name);
double butte_flags_double(const butte_flags_t *f, const char *name);  /* DOUBLE, DURATION (secs) */
uint64_t butte_flags_bytes(const butte_flags_t *f, const char *name);
butte_flag_source_t butte_flags_source(const butte_flags_t *f, const char *name);

/* butte_flags_foreach - visit every flag that has a value, table order. */
typedef void (*butte_flags_visit_fn)(const butte_flag_def_t *def, const char *value,
                                     butte_flag_source_t src, void *arg);
void butte_flags_foreach(const butte_flags_t *f, butte_flags_visit_fn fn, void *arg);

/* butte_flags_unimplemented - call fn for each flag set away from its
 * default whose feature is not built yet (the role logs "not implemented
 * yet" for each). */
void butte_flags_unimplemented(const butte_flags_t *f, butte_flags_visit_fn fn, void *arg);

/* butte_flags_print_help - usage grouped by def->group, to out. */
void butte_flags_print_help(const butte_flag_def_t *table, size_t n, const char *program,
                            FILE *out);

/*
 * butte_flags_warnings - what loading had to say without failing, one line
 * each: a deprecated name used ("flag '--authenticate' is deprecated, use
 * '--authenticate_frameworks'"), a MESOS_* variable that names no flag, a
 * bare JSON path.  The role logs them.  The array lives in the flags' pool;
 * *n gets its length.
 */
const char *const *butte_flags_warnings(const butte_flags_t *f, size_t *n);

/* butte_flags_origin - where name's value came from, for messages:
 * "default", "command line", "environment variable MESOS_PORT",
 * "config file \"/etc/butte.yaml\"", "file \"/etc/mesos-master/quorum\"". */
const char *butte_flags_origin(const butte_flags_t *f, const char *name);

/*
 * Flags kept in files (kernel/core/flags-files.c).  The readers know the file
 * formats, not the tables: each flag found is handed to emit as name (maybe
 * "no-x" or an alias), value (NULL for a bare "--name") and origin ("file
 * \"/etc/mesos-master/quorum\"") for messages.  emit returns 0 or a negative
 * code with err filled, which stops the reading.
 */
typedef int (*butte_flags_emit_fn)(void *arg, const char *name, const char *value,
                                   const char *origin, butte_err_t *err);

/* butte_flags_read_yaml - the flags in a --config YAML file: a mapping of
 * name: value, a list value joined by commas; a mapping under the key
 * "master", "agent" ("slave") or "local" holds flags for that role only.
 * 0, or a negative code with err naming the file and line. */
int butte_flags_read_yaml(butte_pool_t *pool, const char *path, const char *role,
                          butte_flags_emit_fn emit, void *arg, butte_err_t *err);

/* butte_flags_read_etc - the Mesos packaging layout under etc_root:
 * <etc_root>/mesos/zk (as --zk for "master", --master for "agent"), then one
 * file per flag in <etc_root>/mesos-<role>/ (for "agent", mesos-slave/ first
 * and mesos-agent/ over it).  A file's text is trimmed; an empty file is a
 * bare "--name" for booleans; a file "?name" is "--name".  Missing
 * directories are not an error. */
int butte_flags_read_etc(butte_pool_t *pool, const char *etc_root, const char *role,
                         butte_flags_emit_fn emit, void *arg, butte_err_t *err);

/* butte_flags_read_file - the whole file, NUL-terminated, in pool; *len (if
 * len is not NULL) gets its length.  NULL with errno set if it cannot be read. */
char *butte_flags_read_file(butte_pool_t *pool, const char *path, size_t *len);

/* butte_flags_suggest - the table's flag name (aliases left out) closest to
 * name by edit distance, or NULL when none is close enough to be a typo. */
const char *butte_flags_suggest(const butte_flag_def_t *table, size_t n, const char *name);

/* Value grammars, exposed for other parsers and the unit tests. */
int butte_parse_duration(const char *text, double *secs, butte_err_t *err);
int butte_parse_bytes(const char *text, uint64_t *bytes, butte_err_t *err);
int butte_parse_bool(const char *text, bool *value, butte_err_t *err);

/* The role tables (kernel/master/master-flags.c, kernel/agent/agent-flags.c). */
extern const butte_flag_def_t butte_master_flags[];
extern const size_t butte_master_flags_count;
extern const butte_flag_def_t butte_agent_flags[];
extern const size_t butte_agent_flags_count;

#endif
