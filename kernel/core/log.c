/*
 * kernel/core/log.c - the log sink (see <butte/log.h>, log-internal.h).
 *
 * The sink is one of the few process globals (style rule: log sink, signal
 * flags, the module registry).  A mutex guards it because module threads
 * (ZooKeeper client, blocking work) log too.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/log-internal.h"

struct butte_log {
    struct butte_log *next;
    char tag[];
};

static struct {
    pthread_mutex_t lock;
    struct butte_log *handles;
    butte_log_level_t level;
    bool quiet;
    FILE *file;
    char *file_path;
    double bufsecs;
    double last_flush;
} sink = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .level = BUTTE_LOG_INFO,
};

static const char level_letter[] = { 'E', 'W', 'I', 'D' };
static const char *const level_names[] = { "ERROR", "WARNING", "INFO", "DEBUG" };

butte_log_t *
butte_log_get(const char *tag)
{
    struct butte_log *h;
    size_t len = strlen(tag);

    pthread_mutex_lock(&sink.lock);
    for (h = sink.handles; h != NULL; h = h->next)
        if (strcmp(h->tag, tag) == 0)
            break;
    if (h == NULL) {
        h = malloc(sizeof *h + len + 1);
        if (h == NULL)
            abort();
        memcpy(h->tag, tag, len + 1);
        h->next = sink.handles;
        sink.handles = h;
    }
    pthread_mutex_unlock(&sink.lock);
    return h;
}

bool
butte_log_enabled(butte_log_level_t level)
{
    return level <= __atomic_load_n(&sink.level, __ATOMIC_RELAXED);
}

static double
now_secs(struct timeval *tv)
{
    gettimeofday(tv, NULL);
    return (double)tv->tv_sec + tv->tv_usec / 1e6;
}

void
butte_vlog(butte_log_t *log, butte_log_level_t level, const char *fmt, va_list ap)
{
    char line[4096];
    struct timeval tv;
    struct tm tm;
    int n;
    double now;

    if (!butte_log_enabled(level))
        return;
    if ((unsigned)level > BUTTE_LOG_DEBUG)
        level = BUTTE_LOG_DEBUG;
    now = now_secs(&tv);
    localtime_r(&tv.tv_sec, &tm);
    n = snprintf(line, sizeof line, "%c%02d%02d %02d:%02d:%02d.%06ld %6d %s] ",
                 level_letter[level], tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                 tm.tm_sec, (long)tv.tv_usec, (int)getpid(),
                 log != NULL ? log->tag : "butte");
    if (n < 0 || (size_t)n >= sizeof line)
        n = 0;
    vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    pthread_mutex_lock(&sink.lock);
    if (!sink.quiet)
        fprintf(stderr, "%s\n", line);
    if (sink.file != NULL) {
        fprintf(sink.file, "%s\n", line);
        /* Errors are flushed at once: they are what a reader looks for
         * after a crash. */
        if (sink.bufsecs <= 0 || level == BUTTE_LOG_ERROR ||
            now - sink.last_flush >= sink.bufsecs) {
            fflush(sink.file);
            sink.last_flush = now;
        }
    }
    pthread_mutex_unlock(&sink.lock);
}

void
butte_log(butte_log_t *log, butte_log_level_t level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    butte_vlog(log, level, fmt, ap);
    va_end(ap);
}

int
butte_log_parse_level(const char *text)
{
    for (size_t i = 0; i < sizeof level_names / sizeof level_names[0]; i++)
        if (strcasecmp(text, level_names[i]) == 0)
            return (int)i;
    return -1;
}

void
butte_log_set_level(butte_log_level_t level)
{
    __atomic_store_n(&sink.level, level, __ATOMIC_RELAXED);
}

void
butte_log_flush(void)
{
    pthread_mutex_lock(&sink.lock);
    if (sink.file != NULL)
        fflush(sink.file);
    pthread_mutex_unlock(&sink.lock);
}

const char *
butte_log_file_path(void)
{
    return sink.file_path;
}

static int
open_log_file(const char *program, const char *dir, butte_err_t *err)
{
    char host[HOST_NAME_MAX + 1] = "localhost";
    char path[PATH_MAX], link[PATH_MAX];
    const char *base = strrchr(program, '/');
    struct passwd *pw = getpwuid(geteuid());
    time_t t = time(NULL);
    struct tm tm;
    int n;

    base = base != NULL ? base + 1 : program;
    /* libtool's uninstalled wrappers run "lt-mesos-master". */
    if (strncmp(base, "lt-", 3) == 0)
        base += 3;
    gethostname(host, sizeof host - 1);
    localtime_r(&t, &tm);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return butte_err_set(err, BUTTE_EIO, "--log_dir: cannot create \"%s\": %s", dir,
                             strerror(errno));
    n = snprintf(path, sizeof path, "%s/%s.%s.%s.log.INFO.%04d%02d%02d-%02d%02d%02d.%d", dir,
                 base, host, pw != NULL ? pw->pw_name : "unknown", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)getpid());
    if (n < 0 || (size_t)n >= sizeof path)
        return butte_err_set(err, BUTTE_EINVAL, "--log_dir: path \"%s\" is too long", dir);
    sink.file = fopen(path, "a");
    if (sink.file == NULL)
        return butte_err_set(err, BUTTE_EIO, "--log_dir: cannot open \"%s\": %s", path,
                             strerror(errno));
    sink.file_path = strdup(path);
    snprintf(link, sizeof link, "%s/%s.INFO", dir, base);
    unlink(link);
    /* The symlink is a convenience (the web UI and tail -F use it); its
     * failure does not stop logging. */
    if (symlink(strrchr(path, '/') + 1, link) != 0)
        butte_log(NULL, BUTTE_LOG_WARNING, "could not link \"%s\": %s", link, strerror(errno));
    return 0;
}

int
butte_log_configure(const char *program, const char *level, const char *log_dir,
                    double logbufsecs, bool quiet, butte_err_t *err)
{
    int lv = level != NULL ? butte_log_parse_level(level) : BUTTE_LOG_INFO;

    if (lv < 0)
        return butte_err_set(err, BUTTE_EINVAL,
                             "--logging_level: '%s' is not one of INFO, WARNING, ERROR", level);
    if (logbufsecs < 0)
        return butte_err_set(err, BUTTE_EINVAL, "--logbufsecs: must not be negative");
    if (log_dir != NULL && log_dir[0] != '\0') {
        int rc = open_log_file(program, log_dir, err);
        if (rc != 0)
            return rc;
        atexit(butte_log_flush);
    }
    butte_log_set_level((butte_log_level_t)lv);
    sink.quiet = quiet;
    sink.bufsecs = logbufsecs;
    return 0;
}
