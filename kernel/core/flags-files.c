/*
 * kernel/core/flags-files.c - flags kept in files: a --config YAML file and
 * the Mesos packaging layout (/etc/mesos/zk, /etc/mesos-<role>/<flag>).
 *
 * These readers know file formats, not flag tables: each "--name[=value]"
 * they find goes to the caller's emit function, which resolves and checks
 * it.  Runs at start-up on the main thread; everything lives in the pool.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "core/flags-internal.h"

char *
butte_flags_read_file(butte_pool_t *pool, const char *path, size_t *len)
{
    size_t cap = 4096, used = 0;
    char *buf = butte_pool_alloc(pool, cap);
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return NULL;
    for (;;) {
        ssize_t got;

        if (used + 1 == cap) {
            /* A pool block cannot grow; move to one twice the size. */
            char *bigger = butte_pool_alloc(pool, cap * 2);

            memcpy(bigger, buf, used);
            buf = bigger;
            cap *= 2;
        }
        got = read(fd, buf + used, cap - 1 - used);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int saved = errno;

            close(fd);
            errno = saved;
            return NULL;
        }
        if (got == 0)
            break;
        used += (size_t)got;
    }
    close(fd);
    buf[used] = '\0';
    if (len != NULL)
        *len = used;
    return buf;
}

static char *
trim(char *s)
{
    size_t n;

    while (isspace((unsigned char)*s))
        s++;
    n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

static int
compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One file per flag, its text the value; "?name" is "--name" without one. */
static int
read_etc_dir(butte_pool_t *pool, const char *dir, butte_flags_emit_fn emit, void *arg,
             butte_err_t *err)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char **names = NULL;
    size_t count = 0, cap = 0;

    if (d == NULL)
        return 0;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if (count == cap) {
            char **more = butte_pool_alloc(pool, (cap = cap ? cap * 2 : 16) * sizeof *more);

            if (count > 0)
                memcpy(more, names, count * sizeof *more);
            names = more;
        }
        names[count++] = butte_pool_strdup(pool, de->d_name);
    }
    closedir(d);
    /* readdir order is arbitrary; "x" and "?x" must settle the same way every time. */
    if (count > 0)
        qsort(names, count, sizeof *names, compare_names);
    for (size_t k = 0; k < count; k++) {
        char *path = butte_pool_printf(pool, "%s/%s", dir, names[k]);
        const char *origin = butte_pool_printf(pool, "file \"%s\"", path);
        struct stat st;
        char *text = NULL;
        int rc;

        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (names[k][0] != '?' && (text = butte_flags_read_file(pool, path, NULL)) == NULL)
            return butte_err_set(err, BUTTE_EIO, "could not read \"%s\": %s", path,
                                 strerror(errno));
        rc = names[k][0] == '?' ? emit(arg, names[k] + 1, NULL, origin, err)
                                : emit(arg, names[k], trim(text), origin, err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int
butte_flags_read_etc(butte_pool_t *pool, const char *etc_root, const char *role,
                     butte_flags_emit_fn emit, void *arg, butte_err_t *err)
{
    const char *zkflag = strcmp(role, "master") == 0 ? "zk"
                         : strcmp(role, "agent") == 0 ? "master" : NULL;
    int rc;

    if (zkflag != NULL) {
        char *path = butte_pool_printf(pool, "%s/mesos/zk", etc_root);
        char *text = butte_flags_read_file(pool, path, NULL);

        if (text == NULL && errno != ENOENT && errno != ENOTDIR)
            return butte_err_set(err, BUTTE_EIO, "could not read \"%s\": %s", path,
                                 strerror(errno));
        if (text != NULL && *(text = trim(text)) != '\0') {
            rc = emit(arg, zkflag, text, butte_pool_printf(pool, "file \"%s\"", path), err);
            if (rc < 0)
                return rc;
        }
    }
    /* Packages used "slave" before Mesos 1.0 renamed it; the newer name wins. */
    if (strcmp(role, "agent") == 0) {
        rc = read_etc_dir(pool, butte_pool_printf(pool, "%s/mesos-slave", etc_root), emit, arg,
                          err);
        if (rc < 0)
            return rc;
    }
    return read_etc_dir(pool, butte_pool_printf(pool, "%s/mesos-%s", etc_root, role), emit, arg,
                        err);
}

static bool
is_role_section(const char *role, const char *key, bool *mine)
{
    static const char *const roles[] = { "master", "agent", "slave", "local" };

    for (size_t k = 0; k < sizeof roles / sizeof roles[0]; k++) {
        if (strcmp(key, roles[k]) != 0)
            continue;
        *mine = strcmp(key, role) == 0 ||
                (strcmp(key, "slave") == 0 && strcmp(role, "agent") == 0);
        return true;
    }
    return false;
}

typedef struct yaml_ctx {
    butte_pool_t *pool;
    const char *role;
    const char *origin;
    yaml_document_t doc;
    butte_flags_emit_fn emit;
    void *arg;
} yaml_ctx_t;

/* A list is written back in the comma-separated form flags take. */
static const char *
yaml_list(yaml_ctx_t *c, const char *key, yaml_node_t *v, butte_err_t *err)
{
    const char *value = "";

    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
         it++) {
        yaml_node_t *e = yaml_document_get_node(&c->doc, *it);

        if (e == NULL || e->type != YAML_SCALAR_NODE) {
            butte_err_set(err, BUTTE_EINVAL, "flag '--%s' (from %s): list items must be scalars",
                          key, c->origin);
            return NULL;
        }
        value = butte_pool_printf(c->pool, "%s%s%.*s", value,
                                  it == v->data.sequence.items.start ? "" : ",",
                                  (int)e->data.scalar.length, (const char *)e->data.scalar.value);
    }
    return value;
}

/* yaml_mapping - flags from one mapping; a mapping under this role's name
 * ("agent: {port: 5052}") holds flags too, other roles' are skipped. */
static int
yaml_mapping(yaml_ctx_t *c, yaml_node_t *map, bool top, butte_err_t *err)
{
    for (yaml_node_pair_t *pair = map->data.mapping.pairs.start;
         pair < map->data.mapping.pairs.top; pair++) {
        yaml_node_t *k = yaml_document_get_node(&c->doc, pair->key);
        yaml_node_t *v = yaml_document_get_node(&c->doc, pair->value);
        const char *key, *value;
        bool mine;
        int rc;

        if (k == NULL || v == NULL || k->type != YAML_SCALAR_NODE)
            return butte_err_set(err, BUTTE_EINVAL, "%s: line %zu: a key must be a flag name",
                                 c->origin, (k ? k->start_mark.line : 0) + 1);
        key = butte_pool_strndup(c->pool, (const char *)k->data.scalar.value,
                                 k->data.scalar.length);
        if (strncmp(key, "--", 2) == 0)
            key += 2;
        if (v->type == YAML_MAPPING_NODE && top && is_role_section(c->role, key, &mine)) {
            rc = mine ? yaml_mapping(c, v, false, err) : 0;
        } else if (v->type == YAML_MAPPING_NODE) {
            rc = butte_err_set(err, BUTTE_EINVAL,
                               "flag '--%s' (from %s): value must be a scalar or a list", key,
                               c->origin);
        } else {
            value = v->type == YAML_SCALAR_NODE
                    ? butte_pool_strndup(c->pool, (const char *)v->data.scalar.value,
                                         v->data.scalar.length)
                    : yaml_list(c, key, v, err);
            rc = value == NULL ? BUTTE_EINVAL : c->emit(c->arg, key, value, c->origin, err);
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

int
butte_flags_read_yaml(butte_pool_t *pool, const char *path, const char *role,
                      butte_flags_emit_fn emit, void *arg, butte_err_t *err)
{
    yaml_ctx_t c = { .pool = pool, .role = role, .emit = emit, .arg = arg };
    FILE *fp = fopen(path, "r");
    yaml_parser_t parser;
    yaml_node_t *root;
    int rc = 0;

    c.origin = butte_pool_printf(pool, "config file \"%s\"", path);
    if (fp == NULL)
        return butte_err_set(err, BUTTE_EIO, "could not open config file \"%s\": %s", path,
                             strerror(errno));
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, fp);
    if (!yaml_parser_load(&parser, &c.doc)) {
        rc = butte_err_set(err, BUTTE_EINVAL, "%s: line %zu: %s", c.origin,
                           parser.problem_mark.line + 1,
                           parser.problem ? parser.problem : "cannot parse YAML");
        yaml_parser_delete(&parser);
        fclose(fp);
        return rc;
    }
    root = yaml_document_get_root_node(&c.doc);
    if (root != NULL && root->type == YAML_MAPPING_NODE)
        rc = yaml_mapping(&c, root, true, err);
    else if (root != NULL && !(root->type == YAML_SCALAR_NODE && root->data.scalar.length == 0))
        rc = butte_err_set(err, BUTTE_EINVAL, "%s: expected a mapping of flag names to values",
                           c.origin);
    yaml_document_delete(&c.doc);
    yaml_parser_delete(&parser);
    fclose(fp);
    return rc;
}
