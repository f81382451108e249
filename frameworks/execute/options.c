/*
 * frameworks/execute/options.c - mesos-execute's command line (Mesos flag
 * syntax: --name=value, --name / --no-name for booleans) and the task it
 * describes.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <butte/pbjson.h>

#include "core/flags-internal.h"
#include "execute.h"

static const char usage[] =
    "Usage: mesos-execute --master=HOST:PORT --name=NAME [--command=CMD | --task_group=JSON]\n"
    "\n"
    "  --master=VALUE          the master, host:port (zk:// is not implemented yet)\n"
    "  --name=VALUE            the task's name (and id)\n"
    "  --command=VALUE         the shell command to run\n"
    "  --[no-]shell            run --command with /bin/sh -c (default: true); without,\n"
    "                          the command is exec'ed directly\n"
    "  --resources=VALUE       the task's resources (default: cpus:1;mem:128)\n"
    "  --env=VALUE             the task's environment, a JSON object of strings\n"
    "  --role=VALUE            the framework's role (default: *)\n"
    "  --[no-]checkpoint       ask the agent to checkpoint the task (default: false)\n"
    "  --kill_after=VALUE      kill the task this long after it started running\n"
    "  --task_group=VALUE      a TaskGroupInfo as JSON, or file:///path to one; run with\n"
    "                          LAUNCH_GROUP under the default executor\n"
    "  --framework_name=VALUE  (default: mesos-execute instance)\n"
    "  --principal=VALUE       the framework's principal\n"
    "  --[no-]partition_aware  register with the PARTITION_AWARE capability\n"
    "  --content_type=VALUE    json or protobuf (default: protobuf)\n"
    "  --docker_image=VALUE    run --command in a container of this docker image\n"
    "  --containerizer=VALUE   with --docker_image: docker (the docker containerizer,\n"
    "                          --containerizers=docker on the agent) or mesos (default;\n"
    "                          a MESOS container with a docker image)\n"
    "  --help                  print this and exit\n";

static int want_bool(const char *name, const char *value, bool *out, butte_err_t *err)
{
    if (value == NULL) {
        *out = true;
        return 0;
    }
    if (butte_parse_bool(value, out, err) != 0)
        return butte_err_prefix(err, "--%s", name);
    return 0;
}

/* --resources="cpus:1;mem:128" into Resource messages in pool. */
static int parse_resources(butte_pool_t *pool, const char *text, Mesos__V1__TaskInfo *t,
                           butte_err_t *err)
{
    char *copy = butte_pool_strdup(pool, text);
    size_t max = 1;
    for (const char *c = text; *c != '\0'; c++)
        max += *c == ';';
    t->resources = butte_pool_alloc(pool, max * sizeof *t->resources);
    char *save = NULL;
    for (char *item = strtok_r(copy, ";", &save); item != NULL;
         item = strtok_r(NULL, ";", &save)) {
        char *colon = strchr(item, ':');
        if (colon == NULL || colon == item)
            return butte_err_set(err, BUTTE_EINVAL,
                                 "--resources: cannot parse \"%s\": expected name:value", item);
        *colon = '\0';
        char *end;
        double v = strtod(colon + 1, &end);
        if (end == colon + 1 || *end != '\0' || v < 0)
            return butte_err_set(err, BUTTE_EINVAL,
                                 "--resources: \"%s\" is not a scalar (only scalar resources "
                                 "are supported here)", colon + 1);
        Mesos__V1__Resource *r = butte_pool_alloc(pool, sizeof *r);
        mesos__v1__resource__init(r);
        r->name = item;
        r->type = MESOS__V1__VALUE__TYPE__SCALAR;
        r->scalar = butte_pool_alloc(pool, sizeof *r->scalar);
        mesos__v1__value__scalar__init(r->scalar);
        r->scalar->value = v;
        t->resources[t->n_resources++] = r;
    }
    return 0;
}

static int parse_env(butte_pool_t *pool, const char *text, Mesos__V1__CommandInfo *cmd,
                     butte_err_t *err)
{
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    if (j == NULL || !json_is_object(j)) {
        json_decref(j);
        return butte_err_set(err, BUTTE_EINVAL, "--env: expected a JSON object of strings");
    }
    Mesos__V1__Environment *env = butte_pool_alloc(pool, sizeof *env);
    mesos__v1__environment__init(env);
    env->variables = butte_pool_alloc(pool, (json_object_size(j) + 1) * sizeof *env->variables);
    const char *k;
    json_t *v;
    json_object_foreach(j, k, v) {
        if (!json_is_string(v)) {
            json_decref(j);
            return butte_err_set(err, BUTTE_EINVAL, "--env: the value of \"%s\" is not a string",
                                 k);
        }
        Mesos__V1__Environment__Variable *var = butte_pool_alloc(pool, sizeof *var);
        mesos__v1__environment__variable__init(var);
        var->name = butte_pool_strdup(pool, k);
        var->value = butte_pool_strdup(pool, json_string_value(v));
        env->variables[env->n_variables++] = var;
    }
    json_decref(j);
    cmd->environment = env;
    return 0;
}

size_t opts_wants(const Mesos__V1__TaskInfo *t, want_t *w, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < t->n_resources; i++) {
        const Mesos__V1__Resource *r = t->resources[i];
        if (r->scalar == NULL)
            continue;
        size_t j;
        for (j = 0; j < n; j++)
            if (strcmp(w[j].name, r->name) == 0)
                break;
        if (j == n) {
            if (n == max)
                continue;
            w[n].name = r->name;
            w[n].amount = 0;
            n++;
        }
        w[j].amount += r->scalar->value;
    }
    return n;
}

/* --docker_image as Mesos' mesos-execute sends it: a DOCKER container
 * (host network) for --containerizer=docker, else a MESOS container with a
 * docker image. */
static Mesos__V1__ContainerInfo *container_info(butte_pool_t *pool, const opts_t *o)
{
    Mesos__V1__ContainerInfo *ci = butte_pool_alloc(pool, sizeof *ci);
    mesos__v1__container_info__init(ci);
    if (o->containerizer != NULL && strcmp(o->containerizer, "docker") == 0) {
        Mesos__V1__ContainerInfo__DockerInfo *di = butte_pool_alloc(pool, sizeof *di);
        mesos__v1__container_info__docker_info__init(di);
        di->image = (char *)o->docker_image;
        di->has_network = 1;
        di->network = MESOS__V1__CONTAINER_INFO__DOCKER_INFO__NETWORK__HOST;
        ci->type = MESOS__V1__CONTAINER_INFO__TYPE__DOCKER;
        ci->docker = di;
        return ci;
    }
    Mesos__V1__ContainerInfo__MesosInfo *mi = butte_pool_alloc(pool, sizeof *mi);
    Mesos__V1__Image *img = butte_pool_alloc(pool, sizeof *img);
    Mesos__V1__Image__Docker *d = butte_pool_alloc(pool, sizeof *d);
    mesos__v1__container_info__mesos_info__init(mi);
    mesos__v1__image__init(img);
    mesos__v1__image__docker__init(d);
    d->name = (char *)o->docker_image;
    img->type = MESOS__V1__IMAGE__TYPE__DOCKER;
    img->docker = d;
    mi->image = img;
    ci->type = MESOS__V1__CONTAINER_INFO__TYPE__MESOS;
    ci->mesos = mi;
    return ci;
}

static int build(butte_pool_t *pool, opts_t *o, butte_err_t *err)
{
    if (o->task_group != NULL) {
        ProtobufCMessage *m;
        if (butte_pbjson_decode(pool, &mesos__v1__task_group_info__descriptor, o->task_group,
                                strlen(o->task_group), 0, &m, err) != 0)
            return butte_err_prefix(err, "--task_group");
        o->group = (Mesos__V1__TaskGroupInfo *)m;
        if (o->group->n_tasks == 0)
            return butte_err_set(err, BUTTE_EINVAL, "--task_group: the group has no task");
        return 0;
    }
    Mesos__V1__TaskInfo *t = butte_pool_alloc(pool, sizeof *t);
    mesos__v1__task_info__init(t);
    t->name = (char *)o->name;
    t->task_id = butte_pool_alloc(pool, sizeof *t->task_id);
    mesos__v1__task_id__init(t->task_id);
    t->task_id->value = (char *)o->name;
    Mesos__V1__CommandInfo *cmd = butte_pool_alloc(pool, sizeof *cmd);
    mesos__v1__command_info__init(cmd);
    cmd->has_shell = 1;
    cmd->shell = o->shell;
    cmd->value = (char *)o->command;
    if (!o->shell) {
        /* the command split on blanks is the argument vector */
        char *copy = butte_pool_strdup(pool, o->command);
        size_t max = strlen(copy) / 2 + 2;
        cmd->arguments = butte_pool_alloc(pool, max * sizeof *cmd->arguments);
        char *save = NULL;
        for (char *a = strtok_r(copy, " \t", &save); a != NULL; a = strtok_r(NULL, " \t", &save))
            cmd->arguments[cmd->n_arguments++] = a;
        if (cmd->n_arguments > 0)
            cmd->value = cmd->arguments[0];
    }
    if (o->env != NULL && parse_env(pool, o->env, cmd, err) != 0)
        return err->code;
    t->command = cmd;
    if (parse_resources(pool, o->resources, t, err) != 0)
        return err->code;
    if (o->docker_image != NULL)
        t->container = container_info(pool, o);
    o->task = t;
    return 0;
}

int opts_parse(butte_pool_t *pool, int argc, char **argv, opts_t *o, butte_err_t *err)
{
    memset(o, 0, sizeof *o);
    o->resources = "cpus:1;mem:128";
    o->shell = true;
    o->role = "*";
    o->kill_after = -1;
    o->framework_name = "mesos-execute instance";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            return 1;
        }
        if (strncmp(a, "--", 2) != 0)
            return butte_err_set(err, BUTTE_EINVAL, "unexpected argument \"%s\"", a);
        char *name = butte_pool_strdup(pool, a + 2);
        char *value = strchr(name, '=');
        if (value != NULL)
            *value++ = '\0';
        bool negated = value == NULL && strncmp(name, "no-", 3) == 0;
        if (negated)
            name += 3;
        bool *bflag = strcmp(name, "shell") == 0        ? &o->shell
                      : strcmp(name, "checkpoint") == 0 ? &o->checkpoint
                      : strcmp(name, "partition_aware") == 0 ? &o->partition_aware
                                                        : NULL;
        if (bflag != NULL) {
            if (negated) {
                *bflag = false;
                continue;
            }
            if (want_bool(name, value, bflag, err) != 0)
                return err->code;
            continue;
        }
        if (value == NULL)
            return butte_err_set(err, BUTTE_EINVAL, "--%s needs a value (--%s=VALUE)", name,
                                 name);
        if (strncmp(value, "file://", 7) == 0 && strcmp(name, "task_group") == 0) {
            size_t len;
            char *text = butte_flags_read_file(pool, value + 7, &len);
            if (text == NULL)
                return butte_err_set(err, BUTTE_EINVAL, "--%s: cannot read \"%s\"", name,
                                     value + 7);
            value = text;
        }
        if (strcmp(name, "master") == 0) o->master = value;
        else if (strcmp(name, "name") == 0) o->name = value;
        else if (strcmp(name, "command") == 0) o->command = value;
        else if (strcmp(name, "resources") == 0) o->resources = value;
        else if (strcmp(name, "env") == 0) o->env = value;
        else if (strcmp(name, "role") == 0) o->role = value;
        else if (strcmp(name, "task_group") == 0) o->task_group = value;
        else if (strcmp(name, "framework_name") == 0) o->framework_name = value;
        else if (strcmp(name, "principal") == 0) o->principal = value;
        else if (strcmp(name, "secret") == 0) continue; /* no authentication yet */
        else if (strcmp(name, "kill_after") == 0) {
            if (butte_parse_duration(value, &o->kill_after, err) != 0)
                return butte_err_prefix(err, "--kill_after");
        } else if (strcmp(name, "content_type") == 0) {
            if (strcmp(value, "json") == 0)
                o->json = true;
            else if (strcmp(value, "protobuf") == 0)
                o->json = false;
            else
                return butte_err_set(err, BUTTE_EINVAL,
                                     "--content_type must be json or protobuf, not \"%s\"",
                                     value);
        } else if (strcmp(name, "docker_image") == 0) {
            o->docker_image = value;
        } else if (strcmp(name, "containerizer") == 0) {
            if (strcmp(value, "mesos") != 0 && strcmp(value, "docker") != 0)
                return butte_err_set(err, BUTTE_EINVAL,
                                     "--containerizer must be mesos or docker, not \"%s\"",
                                     value);
            o->containerizer = value;
        } else {
            return butte_err_set(err, BUTTE_EINVAL, "unknown flag \"--%s\"", name);
        }
    }
    if (o->master == NULL)
        return butte_err_set(err, BUTTE_EINVAL, "--master is required");
    if (strncmp(o->master, "zk://", 5) == 0)
        return butte_err_set(err, BUTTE_EINVAL, "--master=zk://... is not implemented yet");
    if (o->task_group == NULL) {
        if (o->name == NULL)
            return butte_err_set(err, BUTTE_EINVAL, "--name is required");
        if (o->command == NULL)
            return butte_err_set(err, BUTTE_EINVAL, "either --command or --task_group is "
                                                    "required");
    } else if (o->command != NULL) {
        return butte_err_set(err, BUTTE_EINVAL, "--command and --task_group exclude each other");
    }
    return build(pool, o, err);
}
