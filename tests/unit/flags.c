/*
 * tests/unit/flags.c - loading flags: command line syntax, MESOS_* variables,
 * file:// values, --config YAML, the /etc packaging directories, deprecated
 * names, errors and --help, against the real master and agent tables.
 */
#define _XOPEN_SOURCE 700  /* nftw, open_memstream */
#include "config.h"

#include <check.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/flags-internal.h"

#define MASTER butte_master_flags, butte_master_flags_count, "master"
#define AGENT butte_agent_flags, butte_agent_flags_count, "agent"

static butte_pool_t *pool;
static butte_err_t err;
static char tmp[64];

static void
setup(void)
{
    pool = butte_pool_create(NULL);
    butte_err_clear(&err);
    strcpy(tmp, "/tmp/butte-flags-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmp));
    /* Tests set these; without CK_FORK they would leak into the next one. */
    unsetenv("MESOS_PORT");
    unsetenv("MESOS_CONFIG");
    unsetenv("MESOS_QUIET");
    unsetenv("MESOS_quiet");
    unsetenv("MESOS_NOT_A_FLAG");
    unsetenv("MESOS_ALLOCATION_INTERVAL");
    unsetenv("MESOS_MAX_SLAVE_PING_TIMEOUTS");
    unsetenv("LIBPROCESS_IP");
    unsetenv("LIBPROCESS_PORT");
}

static int
remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    return remove(path);
}

static void
teardown(void)
{
    nftw(tmp, remove_one, 16, FTW_DEPTH | FTW_PHYS);
    butte_pool_destroy(pool);
}

/* load - butte_flags_load with the arguments after etc, NULL-terminated. */
static butte_flags_t *
load(const butte_flag_def_t *table, size_t n, const char *role, const char *etc, ...)
{
    char *argv[32] = { (char *)"mesos-test" };
    int argc = 1;
    va_list ap;
    char *a;

    va_start(ap, etc);
    while ((a = va_arg(ap, char *)) != NULL && argc < 31)
        argv[argc++] = a;
    va_end(ap);
    butte_err_clear(&err);
    return butte_flags_load(pool, table, n, role, argc, argv, etc, &err);
}

static char *
write_file(const char *rel, const char *text)
{
    char *path = butte_pool_printf(pool, "%s/%s", tmp, rel);
    char *slash = strrchr(path, '/');
    FILE *fp;

    *slash = '\0';
    mkdir(path, 0755);
    *slash = '/';
    fp = fopen(path, "w");
    ck_assert_ptr_nonnull(fp);
    fputs(text, fp);
    fclose(fp);
    return path;
}

static bool
has_warning(const butte_flags_t *f, const char *text)
{
    size_t n;
    const char *const *w = butte_flags_warnings(f, &n);

    for (size_t i = 0; i < n; i++)
        if (strcmp(w[i], text) == 0)
            return true;
    return false;
}

START_TEST(defaults_when_nothing_is_given)
{
    butte_flags_t *f = load(MASTER, NULL, NULL);

    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(butte_flags_int(f, "port"), 5050);
    ck_assert(!butte_flags_is_set(f, "port"));
    ck_assert_int_eq(butte_flags_source(f, "port"), BUTTE_FLAG_SRC_DEFAULT);
    ck_assert_double_eq_tol(butte_flags_double(f, "allocation_interval"), 1.0, 1e-12);
    ck_assert_double_eq_tol(butte_flags_double(f, "heartbeat_interval"), 15.0, 1e-12);
    ck_assert_uint_eq(butte_flags_bytes(f, "offer_constraints_re2_max_mem"), 4096);
    ck_assert(butte_flags_bool(f, "hostname_lookup"));
    ck_assert(!butte_flags_bool(f, "quiet"));
    ck_assert_ptr_null(butte_flags_str(f, "zk"));
    ck_assert_int_eq(butte_flags_int(f, "quorum"), 0);
    ck_assert_str_eq(butte_flags_str(f, "registry"), "replicated_log");
    ck_assert_str_eq(butte_flags_str(f, "logging_level"), "INFO");
    ck_assert_str_eq(butte_flags_origin(f, "port"), "default");
    ck_assert(!butte_flags_help_requested(f));
    ck_assert(!butte_flags_version_requested(f));
}
END_TEST

START_TEST(command_line_forms)
{
    butte_flags_t *f = load(MASTER, NULL, "--port=5055", "--quiet", "--no-hostname_lookup",
                            "--log_auto_initialize=false", "--root_submissions=0",
                            "--filter_gpu_resources=", "--allocation_interval=500ms",
                            "--Cluster=Prod", "--", "ignored", "--port=1", NULL);

    ck_assert_msg(f != NULL, "%s", err.msg);
    ck_assert_int_eq(butte_flags_int(f, "port"), 5055);
    ck_assert(butte_flags_is_set(f, "port"));
    ck_assert_int_eq(butte_flags_source(f, "port"), BUTTE_FLAG_SRC_CMDLINE);
    ck_assert_str_eq(butte_flags_origin(f, "port"), "command line");
    ck_assert(butte_flags_bool(f, "quiet"));
    ck_assert(!butte_flags_bool(f, "hostname_lookup"));
    ck_assert(!butte_flags_bool(f, "log_auto_initialize"));
    ck_assert(!butte_flags_bool(f, "root_submissions"));
    ck_assert(butte_flags_bool(f, "filter_gpu_resources"));
    ck_assert_double_eq_tol(butte_flags_double(f, "allocation_interval"), 0.5, 1e-12);
    /* Names are case-insensitive, values are not. */
    ck_assert_str_eq(butte_flags_str(f, "cluster"), "Prod");
}
END_TEST

START_TEST(syntax_errors_name_the_flag)
{
    ck_assert_ptr_null(load(MASTER, NULL, "--port=abc", NULL));
    ck_assert_str_eq(err.msg, "flag '--port': invalid integer 'abc'");
    ck_assert_int_eq(err.code, BUTTE_EINVAL);

    ck_assert_ptr_null(load(MASTER, NULL, "--port=99999999999999999999", NULL));
    ck_assert_str_eq(err.msg, "flag '--port': integer '99999999999999999999' is out of range");

    ck_assert_ptr_null(load(MASTER, NULL, "--port", NULL));
    ck_assert_str_eq(err.msg, "flag '--port' needs a value");

    ck_assert_ptr_null(load(MASTER, NULL, "--no-port", NULL));
    ck_assert_str_eq(err.msg, "flag '--port' is not a boolean; '--no-port' is invalid");

    ck_assert_ptr_null(load(MASTER, NULL, "--no-quiet=true", NULL));
    ck_assert_str_eq(err.msg, "flag '--no-quiet' takes no value");

    ck_assert_ptr_null(load(MASTER, NULL, "--quiet=yes", NULL));
    ck_assert_str_eq(err.msg, "flag '--quiet': invalid boolean 'yes' (expected true, false, 1 "
                              "or 0)");

    ck_assert_ptr_null(load(MASTER, NULL, "--agent_ping_timeout=10", NULL));
    ck_assert_str_eq(err.msg, "flag '--agent_ping_timeout': invalid duration '10': missing unit "
                              "(ns, us, ms, secs, mins, hrs, days or weeks)");

    ck_assert_ptr_null(load(MASTER, NULL, "--offer_constraints_re2_max_mem=4kb", NULL));
    ck_assert_ptr_nonnull(strstr(err.msg, "flag '--offer_constraints_re2_max_mem': invalid byte "
                                          "size '4kb'"));

    ck_assert_ptr_null(load(MASTER, NULL, "--allocator_agent_recovery_factor=lots", NULL));
    ck_assert_str_eq(err.msg, "flag '--allocator_agent_recovery_factor': invalid number 'lots'");

    ck_assert_ptr_null(load(MASTER, NULL, "master.conf", NULL));
    ck_assert_str_eq(err.msg, "unexpected argument 'master.conf' (flags look like "
                              "'--name=value')");
    ck_assert_ptr_null(load(MASTER, NULL, "-port=5050", NULL));
}
END_TEST

START_TEST(unknown_flags_get_a_suggestion)
{
    ck_assert_ptr_null(load(MASTER, NULL, "--prot=5050", NULL));
    ck_assert_str_eq(err.msg, "unknown flag '--prot'; did you mean '--port'?");

    ck_assert_ptr_null(load(MASTER, NULL, "--agent_ping_timout=5secs", NULL));
    ck_assert_str_eq(err.msg, "unknown flag '--agent_ping_timout'; did you mean "
                              "'--agent_ping_timeout'?");

    ck_assert_ptr_null(load(MASTER, NULL, "--no-quite", NULL));
    ck_assert_str_eq(err.msg, "unknown flag '--no-quite'; did you mean '--no-quiet'?");

    ck_assert_ptr_null(load(MASTER, NULL, "--frobnicate", NULL));
    ck_assert_str_eq(err.msg, "unknown flag '--frobnicate'");

    /* An agent flag is unknown to the master. */
    ck_assert_ptr_null(load(MASTER, NULL, "--isolation=posix/cpu", NULL));
    ck_assert_ptr_nonnull(strstr(err.msg, "unknown flag '--isolation'"));

    ck_assert_str_eq(butte_flags_suggest(butte_master_flags, butte_master_flags_count,
                                         "work-dir"), "work_dir");
    ck_assert_ptr_null(butte_flags_suggest(butte_master_flags, butte_master_flags_count, ""));
}
END_TEST

START_TEST(given_twice)
{
    ck_assert_ptr_null(load(MASTER, NULL, "--port=5050", "--port=5051", NULL));
    ck_assert_str_eq(err.msg, "flag '--port' given twice with different values ('5050' and "
                              "'5051')");
    ck_assert_ptr_nonnull(load(MASTER, NULL, "--port=5050", "--port=5050", NULL));
    ck_assert_ptr_nonnull(load(MASTER, NULL, "--quiet", "--quiet=true", NULL));
    ck_assert_ptr_null(load(MASTER, NULL, "--authenticate", "--no-authenticate_frameworks",
                            NULL));
    ck_assert_ptr_nonnull(strstr(err.msg, "'--authenticate_frameworks' given twice"));
}
END_TEST

START_TEST(environment_and_precedence)
{
    butte_flags_t *f;

    setenv("MESOS_PORT", "5055", 1);
    setenv("MESOS_quiet", "true", 1);
    setenv("MESOS_NOT_A_FLAG", "x", 1);
    setenv("MESOS_ALLOCATION_INTERVAL", "2secs", 1);
    f = load(MASTER, NULL, NULL);
    ck_assert_msg(f != NULL, "%s", err.msg);
    ck_assert_int_eq(butte_flags_int(f, "port"), 5055);
    ck_assert_int_eq(butte_flags_source(f, "port"), BUTTE_FLAG_SRC_ENV);
    ck_assert_str_eq(butte_flags_origin(f, "port"), "environment variable MESOS_PORT");
    ck_assert(butte_flags_bool(f, "quiet"));
    ck_assert(has_warning(f, "environment variable MESOS_NOT_A_FLAG does not name a flag; "
                             "ignored"));

    /* The command line wins over the environment. */
    f = load(MASTER, NULL, "--port=6000", NULL);
    ck_assert_int_eq(butte_flags_int(f, "port"), 6000);
    ck_assert_int_eq(butte_flags_source(f, "port"), BUTTE_FLAG_SRC_CMDLINE);
    ck_assert_double_eq_tol(butte_flags_double(f, "allocation_interval"), 2, 1e-12);

    /* libprocess' variables count, below MESOS_*. */
    setenv("LIBPROCESS_PORT", "7000", 1);
    setenv("LIBPROCESS_IP", "10.0.0.7", 1);
    f = load(MASTER, NULL, NULL);
    ck_assert_int_eq(butte_flags_int(f, "port"), 5055);
    ck_assert_str_eq(butte_flags_str(f, "ip"), "10.0.0.7");
    unsetenv("MESOS_PORT");
    f = load(MASTER, NULL, NULL);
    ck_assert_int_eq(butte_flags_int(f, "port"), 7000);

    /* A bad value from the environment says where it came from. */
    setenv("MESOS_PORT", "fifty", 1);
    ck_assert_ptr_null(load(MASTER, NULL, NULL));
    ck_assert_str_eq(err.msg, "flag '--port' (from environment variable MESOS_PORT): invalid "
                              "integer 'fifty'");
    /* ... unless the command line overrides it. */
    ck_assert_ptr_nonnull(load(MASTER, NULL, "--port=5050", NULL));
}
END_TEST

START_TEST(file_values_are_expanded)
{
    char *zk = write_file("zk.txt", "zk://10.0.0.1:2181,10.0.0.2:2181/mesos\n");
    char *zkarg = butte_pool_printf(pool, "--zk=file://%s", zk);
    char *wdarg = butte_pool_printf(pool, "--work_dir=file://%s", zk);
    butte_flags_t *f = load(MASTER, NULL, zkarg, wdarg, NULL);

    ck_assert_msg(f != NULL, "%s", err.msg);
    ck_assert_str_eq(butte_flags_str(f, "zk"), "zk://10.0.0.1:2181,10.0.0.2:2181/mesos");
    /* Path flags keep file:// as written. */
    ck_assert_str_eq(butte_flags_str(f, "work_dir"), wdarg + strlen("--work_dir="));

    ck_assert_ptr_null(load(MASTER, NULL, "--zk=file:///nonexistent/zk", NULL));
    ck_assert_str_eq(err.msg, "flag '--zk': could not read \"/nonexistent/zk\": No such file or "
                              "directory");
}
END_TEST

START_TEST(json_flags_are_checked)
{
    char *acls = write_file("acls.json", "{\"permissive\": false}\n");
    size_t nwarnings;
    butte_flags_t *f;

    f = load(MASTER, NULL, "--acls={\"permissive\": true}", NULL);
    ck_assert_msg(f != NULL, "%s", err.msg);
    ck_assert_str_eq(butte_flags_str(f, "acls"), "{\"permissive\": true}");

    f = load(MASTER, NULL, butte_pool_printf(pool, "--acls=file://%s", acls), NULL);
    ck_assert_str_eq(butte_flags_str(f, "acls"), "{\"permissive\": false}");
    butte_flags_warnings(f, &nwarnings);
    ck_assert_uint_eq(nwarnings, 0);

    /* A bare path still works for JSON, with a warning. */
    f = load(MASTER, NULL, butte_pool_printf(pool, "--acls=%s", acls), NULL);
    ck_assert_msg(f != NULL, "%s", err.msg);
    ck_assert_str_eq(butte_flags_str(f, "acls"), "{\"permissive\": false}");
    ck_assert(has_warning(f, butte_pool_printf(pool, "flag '--acls': a bare path is "
                                                     "deprecated, use 'file://%s'", acls)));

    ck_assert_ptr_null(load(MASTER, NULL, "--acls={\"permissive\": tru}", NULL));
    ck_assert_ptr_nonnull(strstr(err.msg, "flag '--acls': invalid JSON: "));
    ck_assert_ptr_nonnull(strstr(err.msg, "(line 1, column"));

    write_file("bad.json", "{\n  \"permissive\": false,\n}\n");
    ck_assert_ptr_null(load(MASTER, NULL,
                            butte_pool_printf(pool, "--firewall_rules=file://%s/bad.json", tmp), NULL));
    ck_assert_ptr_nonnull(strstr(err.msg, "flag '--firewall_rules': invalid JSON: "));
    ck_assert_ptr_nonnull(strstr(err.msg, "(line 3, column"));
}
END_TEST

START_TEST(required_flags)
{
    butte_flags_t *f;

    ck_assert_ptr_null(load(AGENT, NULL, "--master=10.0.0.1:5050", NULL));
    ck_assert_str_eq(err.msg, "missing required flag '--work_dir'");
    ck_assert_ptr_null(load(AGENT, NULL, "--work_dir=/var/lib/mesos", NULL));
    ck_assert_str_eq(err.msg, "missing required flag '--master'");

    f = load(AGENT, NULL, "--work_dir=/var/lib/mesos", "--master=zk://h:2181/mesos", NULL);
    ck_assert_msg(f != NULL, "%s", err.msg);
    ck_assert_int_eq(butte_flags_int(f, "port"), 5051);
    ck_assert_str_eq(butte_flags_str(f, "isolation"), "posix/cpu,posix/mem");
    ck_assert_uint_eq(butte_flags_bytes(f, "fetcher_cache_size"), 2ull << 30);
    ck_assert_double_eq_tol(butte_flags_double(f, "gc_delay"), 7 * 86400, 1e-6);
    ck_assert_double_eq_tol(butte_flags_double(f, "gc_disk_headroom"), 0.1, 1e-12);

    /* --help and --version work without them. */
    f = load(AGENT, NULL, "--help", NULL);
    ck_assert_msg(f != NULL, "%s", err.msg);
    ck_assert(butte_flags_help_requested(f));
    f = load(AGENT, NULL, "--version", NULL);
    ck_assert_msg(f != NULL, "%s", err.msg);
    ck_assert(butte_flags_version_requested(f));
    ck_assert(!butte_flags_help_requested(f));
}
END_TEST

START_TEST(yaml_config_file)
{
    char *yaml = write_file("butte.yaml",
                            "# flags for the master\n"
                            "port: 5060\n"
                            "quiet: true\n"
                            "cluster: \"prod east\"\n"
                            "hooks: [label_hook, env_hook]\n"
                            "http_authenticators:\n  - basic\n  - jwt\n"
                            "zk_session_timeout: 20secs\n"
                            "agent:\n  port: 9999\n"
                            "master:\n  registry: in_memory\n");
    char *arg = butte_pool_printf(pool, "--config=%s", yaml);
    butte_flags_t *f = load(MASTER, NULL, arg, NULL);

    ck_assert_msg(f != NULL, "%s", err.msg);
    ck_assert_int_eq(butte_flags_int(f, "port"), 5060);
    ck_assert_int_eq(butte_flags_source(f, "port"), BUTTE_FLAG_SRC_FILE);
    ck_assert_str_eq(butte_flags_origin(f, "port"),
                     butte_pool_printf(pool, "config file \"%s\"", yaml));
    ck_assert(butte_flags_bool(f, "quiet"));
    ck_assert_str_eq(butte_flags_str(f, "cluster"), "prod east");
    ck_assert_str_eq(butte_flags_str(f, "hooks"), "label_hook,env_hook");
    ck_assert_str_eq(butte_flags_str(f, "http_authenticators"), "basic,jwt");
    ck_assert_double_eq_tol(butte_flags_double(f, "zk_session_timeout"), 20, 1e-12);
    ck_assert_str_eq(butte_flags_str(f, "registry"), "in_memory");

    /* The command line and the environment win over the file. */
    setenv("MESOS_QUIET", "false", 1);
    f = load(MASTER, NULL, arg, "--port=5061", NULL);
    ck_assert_int_eq(butte_flags_int(f, "port"), 5061);
    ck_assert(!butte_flags_bool(f, "quiet"));
    unsetenv("MESOS_QUIET");

    /* MESOS_CONFIG names the file too. */
    setenv("MESOS_CONFIG", yaml, 1);
    f = load(MASTER, NULL, NULL);
    ck_assert_int_eq(butte_flags_int(f, "port"), 5060);
    unsetenv("MESOS_CONFIG");

    write_file("typo.yaml", "prot: 5050\n");
    ck_assert_ptr_null(load(MASTER, NULL, butte_pool_printf(pool, "--config=%s/typo.yaml", tmp),
                            NULL));
    ck_assert_str_eq(err.msg, butte_pool_printf(pool, "unknown flag '--prot' (from config file "
                                                      "\"%s/typo.yaml\"); did you mean '--port'?",
                                                tmp));

    write_file("broken.yaml", "port: [5050\n");
    ck_assert_ptr_null(load(MASTER, NULL, butte_pool_printf(pool, "--config=%s/broken.yaml", tmp),
                            NULL));
    ck_assert_ptr_nonnull(strstr(err.msg, "broken.yaml\": line"));

    write_file("nested.yaml", "acls:\n  permissive: true\n");
    ck_assert_ptr_null(load(MASTER, NULL, butte_pool_printf(pool, "--config=%s/nested.yaml", tmp),
                            NULL));
    ck_assert_ptr_nonnull(strstr(err.msg, "flag '--acls' (from config file"));

    ck_assert_ptr_null(load(MASTER, NULL, "--config=/nonexistent.yaml", NULL));
    ck_assert_str_eq(err.msg, "could not open config file \"/nonexistent.yaml\": No such file "
                              "or directory");
}
END_TEST

START_TEST(packaging_directories)
{
    butte_flags_t *f;
    char *yaml;

    write_file("mesos/zk", "zk://10.0.0.1:2181/mesos\n");
    write_file("mesos-master/quorum", "2\n");
    write_file("mesos-master/work_dir", "  /var/lib/mesos  \n");
    write_file("mesos-master/quiet", "");
    write_file("mesos-master/?no-hostname_lookup", "");
    write_file("mesos-master/port", "5070\n");
    f = load(MASTER, tmp, NULL);
    ck_assert_msg(f != NULL, "%s", err.msg);
    ck_assert_str_eq(butte_flags_str(f, "zk"), "zk://10.0.0.1:2181/mesos");
    ck_assert_int_eq(butte_flags_int(f, "quorum"), 2);
    ck_assert_int_eq(butte_flags_source(f, "quorum"), BUTTE_FLAG_SRC_FILE);
    ck_assert_str_eq(butte_flags_origin(f, "quorum"),
                     butte_pool_printf(pool, "file \"%s/mesos-master/quorum\"", tmp));
    ck_assert_str_eq(butte_flags_str(f, "work_dir"), "/var/lib/mesos");
    ck_assert(butte_flags_bool(f, "quiet"));
    ck_assert(!butte_flags_bool(f, "hostname_lookup"));
    ck_assert_int_eq(butte_flags_int(f, "port"), 5070);

    /* The environment and the --config file win over the directories. */
    yaml = write_file("c.yaml", "quorum: 3\n");
    setenv("MESOS_PORT", "5080", 1);
    f = load(MASTER, tmp, butte_pool_printf(pool, "--config=%s", yaml), NULL);
    ck_assert_msg(f != NULL, "%s", err.msg);
    ck_assert_int_eq(butte_flags_int(f, "port"), 5080);
    ck_assert_int_eq(butte_flags_int(f, "quorum"), 3);
    unsetenv("MESOS_PORT");

    /* NULL etc_root reads nothing. */
    f = load(MASTER, NULL, NULL);
    ck_assert_ptr_null(butte_flags_str(f, "zk"));

    /* For the agent the zk file is --master, and mesos-agent beats mesos-slave. */
    write_file("mesos-slave/port", "5052");
    write_file("mesos-slave/work_dir", "/var/lib/mesos-agent");
    write_file("mesos-agent/port", "5053");
    f = load(AGENT, tmp, NULL);
    ck_assert_msg(f != NULL, "%s", err.msg);
    ck_assert_str_eq(butte_flags_str(f, "master"), "zk://10.0.0.1:2181/mesos");
    ck_assert_int_eq(butte_flags_int(f, "port"), 5053);
    ck_assert_str_eq(butte_flags_str(f, "work_dir"), "/var/lib/mesos-agent");

    write_file("mesos-master/qourum", "2");
    ck_assert_ptr_null(load(MASTER, tmp, NULL));
    ck_assert_str_eq(err.msg, butte_pool_printf(pool, "unknown flag '--qourum' (from file "
                                                      "\"%s/mesos-master/qourum\"); did you mean "
                                                      "'--quorum'?", tmp));
}
END_TEST

START_TEST(deprecated_names)
{
    butte_flags_t *f = load(MASTER, NULL, "--slave_ping_timeout=30secs", "--no-authenticate",
                            "--user_sorter=random", "--weights=a=2", NULL);

    ck_assert_msg(f != NULL, "%s", err.msg);
    ck_assert_double_eq_tol(butte_flags_double(f, "agent_ping_timeout"), 30, 1e-12);
    ck_assert_double_eq_tol(butte_flags_double(f, "slave_ping_timeout"), 30, 1e-12);
    ck_assert(!butte_flags_bool(f, "authenticate_frameworks"));
    ck_assert_int_eq(butte_flags_source(f, "authenticate_frameworks"), BUTTE_FLAG_SRC_CMDLINE);
    ck_assert_str_eq(butte_flags_str(f, "role_sorter"), "random");
    ck_assert(has_warning(f, "flag '--slave_ping_timeout' is deprecated, use "
                             "'--agent_ping_timeout'"));
    ck_assert(has_warning(f, "flag '--authenticate' is deprecated, use "
                             "'--authenticate_frameworks'"));
    ck_assert(has_warning(f, "flag '--user_sorter' is deprecated, use '--role_sorter'"));
    ck_assert(has_warning(f, "flag '--weights' is deprecated"));

    f = load(MASTER, NULL, "--authenticate", "--authenticate_slaves", NULL);
    ck_assert(butte_flags_bool(f, "authenticate_frameworks"));
    ck_assert(butte_flags_bool(f, "authenticate_agents"));

    setenv("MESOS_MAX_SLAVE_PING_TIMEOUTS", "7", 1);
    f = load(MASTER, NULL, NULL);
    ck_assert_int_eq(butte_flags_int(f, "max_agent_ping_timeouts"), 7);
    ck_assert(has_warning(f, "flag '--max_slave_ping_timeouts' is deprecated, use "
                             "'--max_agent_ping_timeouts'"));
    unsetenv("MESOS_MAX_SLAVE_PING_TIMEOUTS");

    f = load(AGENT, NULL, "--work_dir=/w", "--master=m:5050", "--slave_subsystems=cpu,memory",
             NULL);
    ck_assert_msg(f != NULL, "%s", err.msg);
    ck_assert_str_eq(butte_flags_str(f, "agent_subsystems"), "cpu,memory");
}
END_TEST

struct seen {
    size_t count;
    const char *names[8];
};

static void
collect(const butte_flag_def_t *def, const char *value, butte_flag_source_t src, void *arg)
{
    struct seen *s = arg;

    if (s->count < 8)
        s->names[s->count] = def->name;
    s->count++;
}

START_TEST(visiting_and_unimplemented)
{
    butte_flags_t *f = load(MASTER, NULL, "--port=6000", "--zk_session_timeout=20secs",
                            "--max_completed_frameworks=50", "--registry_gc_interval=900secs",
                            "--agent_removal_rate_limit=1/10mins", NULL);
    struct seen all = { 0 }, todo = { 0 };
    size_t with_value = 0;

    ck_assert_msg(f != NULL, "%s", err.msg);
    butte_flags_foreach(f, collect, &all);
    for (size_t i = 0; i < butte_master_flags_count; i++)
        if (butte_master_flags[i].alias_of == NULL && butte_master_flags[i].def != NULL)
            with_value++;
    /* Every default plus the one flag without a default that was given. */
    ck_assert_uint_eq(all.count, with_value + 1);
    ck_assert_str_eq(all.names[0], "help");

    /* Set to its default (even spelled differently) is not "away from it". */
    butte_flags_unimplemented(f, collect, &todo);
    ck_assert_uint_eq(todo.count, 2);
    ck_assert_str_eq(todo.names[0], "zk_session_timeout");
    ck_assert_str_eq(todo.names[1], "agent_removal_rate_limit");
}
END_TEST

static void
check_help_lists_table(const butte_flag_def_t *table, size_t n, const char *program)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);

    butte_flags_print_help(table, n, program, out);
    fclose(out);
    ck_assert_ptr_nonnull(strstr(text, butte_pool_printf(pool, "Usage: %s [options]", program)));
    for (size_t i = 0; i < n; i++) {
        const char *name = table[i].name;
        bool found = strstr(text, butte_pool_printf(pool, "--[no-]%s", name)) != NULL ||
                     strstr(text, butte_pool_printf(pool, "--%s", name)) != NULL;

        ck_assert_msg(found, "--help of %s lacks '--%s'", program, name);
        if (table[i].alias_of == NULL && table[i].group != NULL)
            ck_assert_ptr_nonnull(strstr(text, butte_pool_printf(pool, "\n%s:\n",
                                                                 table[i].group)));
    }
    free(text);
}

START_TEST(help_lists_every_flag)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out;

    check_help_lists_table(butte_master_flags, butte_master_flags_count, "mesos-master");
    check_help_lists_table(butte_agent_flags, butte_agent_flags_count, "mesos-agent");

    out = open_memstream(&text, &len);
    butte_flags_print_help(butte_master_flags, butte_master_flags_count, "mesos-master", out);
    fclose(out);
    ck_assert_ptr_nonnull(strstr(text, "  --[no-]quiet "));
    ck_assert_ptr_nonnull(strstr(text, "  --port=VALUE "));
    ck_assert_ptr_nonnull(strstr(text, "(default: 5050)"));
    ck_assert_ptr_nonnull(strstr(text, "(deprecated name: --authenticate)"));
    free(text);
}
END_TEST

static void
check_table(const butte_flag_def_t *table, size_t n, const char *const *must, const char *role)
{
    for (size_t i = 0; i < n; i++) {
        ck_assert_msg(strspn(table[i].name, "abcdefghijklmnopqrstuvwxyz0123456789_") ==
                      strlen(table[i].name), "bad name '%s'", table[i].name);
        if (table[i].alias_of == NULL)
            ck_assert_msg(table[i].help != NULL && table[i].group != NULL, "'%s' lacks help",
                          table[i].name);
        for (size_t j = i + 1; j < n; j++)
            ck_assert_msg(strcmp(table[i].name, table[j].name) != 0, "'%s' twice in %s",
                          table[i].name, role);
    }
    for (; *must != NULL; must++) {
        bool found = false;

        for (size_t i = 0; i < n && !found; i++)
            found = strcmp(table[i].name, *must) == 0;
        ck_assert_msg(found, "%s table lacks '--%s'", role, *must);
    }
}

START_TEST(tables_are_complete)
{
    static const char *const master[] = {
        "port", "ip", "advertise_ip", "advertise_port", "hostname", "hostname_lookup",
        "ip_discovery_command", "work_dir", "log_dir", "logging_level", "quiet", "logbufsecs",
        "external_log_file", "zk", "zk_session_timeout", "quorum", "registry",
        "registry_fetch_timeout", "registry_store_timeout", "registry_strict",
        "registry_max_agent_age", "registry_max_agent_count", "registry_gc_interval",
        "log_auto_initialize", "agent_ping_timeout", "max_agent_ping_timeouts",
        "agent_reregister_timeout", "agent_removal_rate_limit", "recovery_agent_removal_limit",
        "allocator", "allocation_interval", "role_sorter", "framework_sorter", "weights",
        "roles", "min_allocatable_resources", "fair_sharing_excluded_resource_names",
        "filter_gpu_resources", "allocator_agent_recovery_factor",
        "allocator_recovery_timeout", "offer_timeout", "authenticate_frameworks",
        "authenticate", "authenticate_agents", "authenticate_slaves",
        "authenticate_http_readonly", "authenticate_http_readwrite",
        "authenticate_http_frameworks", "authenticators", "http_authenticators",
        "http_framework_authenticators", "credentials", "acls", "authorizers", "modules",
        "modules_dir", "hooks", "cluster", "root_submissions", "whitelist", "rate_limits",
        "max_executors_per_agent", "max_completed_frameworks",
        "max_completed_tasks_per_framework", "max_unreachable_tasks_per_framework",
        "max_operator_event_stream_subscribers", "publish_per_framework_metrics", "webui_dir",
        "firewall_rules", "domain", "require_agent_domain", "master_contender",
        "master_detector", "authentication_v0_timeout", "offer_constraints_re2_max_mem",
        "offer_constraints_re2_max_program_size", "version", "help", "config",
        "heartbeat_interval", "memory_profiling", "slave_ping_timeout",
        "max_slave_ping_timeouts", "slave_reregister_timeout", "slave_removal_rate_limit",
        "recovery_slave_removal_limit", "max_executors_per_slave", "user_sorter",
        "authenticate_http", NULL
    };
    static const char *const agent[] = {
        "master", "work_dir", "port", "resources", "attributes", "default_role", "isolation",
        "containerizers", "launcher", "launcher_dir", "registration_backoff_factor",
        "executor_registration_timeout", "executor_shutdown_grace_period",
        "executor_environment_variables", "switch_user", "gc_delay", "gc_disk_headroom",
        "disk_watch_interval", "recover", "recovery_timeout", "strict",
        "reconfiguration_policy", "runtime_dir", "cgroups_hierarchy", "cgroups_root",
        "cgroups_enable_cfs", "cgroups_limit_swap", "cgroups_destroy_timeout", "docker",
        "docker_socket", "docker_remove_delay", "docker_kill_orphans", "docker_config",
        "docker_mesos_image", "docker_stop_timeout", "fetcher_cache_dir", "fetcher_cache_size",
        "fetcher_stall_timeout", "frameworks_home", "hadoop_home", "sandbox_directory",
        "agent_features", "credential", "http_credentials", "authenticatee",
        "authentication_backoff_factor", "authentication_timeout_min",
        "authentication_timeout_max", "authorizer", "http_executor_domain_sockets",
        "domain_socket_location", "resource_estimator", "qos_controller",
        "oversubscribed_resources_interval", "container_logger", "image_providers",
        "docker_registry", "default_container_info", "enforce_container_disk_quota",
        "jwt_secret_key", "authenticate_http_executors", "executor_reregistration_timeout",
        "max_completed_executors_per_framework", "hostname", "ip", "advertise_ip",
        "advertise_port", "hooks", "modules", "modules_dir", "log_dir", "logging_level",
        "quiet", "logbufsecs", "external_log_file", "zk_session_timeout", "master_detector",
        "secret_resolver", "disk_profile_adaptor", "resource_provider_config_dir",
        "csi_plugin_config_dir", "hostname_lookup", "config", "help", "version",
        "slave_subsystems", "allowed_capabilities", "executor_secret_key", NULL
    };

    check_table(butte_master_flags, butte_master_flags_count, master, "master");
    check_table(butte_agent_flags, butte_agent_flags_count, agent, "agent");
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("flags");
    TCase *tc = tcase_create("flags");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, defaults_when_nothing_is_given);
    tcase_add_test(tc, command_line_forms);
    tcase_add_test(tc, syntax_errors_name_the_flag);
    tcase_add_test(tc, unknown_flags_get_a_suggestion);
    tcase_add_test(tc, given_twice);
    tcase_add_test(tc, environment_and_precedence);
    tcase_add_test(tc, file_values_are_expanded);
    tcase_add_test(tc, json_flags_are_checked);
    tcase_add_test(tc, required_flags);
    tcase_add_test(tc, yaml_config_file);
    tcase_add_test(tc, packaging_directories);
    tcase_add_test(tc, deprecated_names);
    tcase_add_test(tc, visiting_and_unimplemented);
    tcase_add_test(tc, help_lists_every_flag);
    tcase_add_test(tc, tables_are_complete);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
