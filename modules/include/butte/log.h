/*
 * butte/log.h - the one logger.
 *
 * Every line goes through one sink configured at start-up (--logging_level,
 * --log_dir, --logbufsecs, --quiet).  A handle carries a tag that is printed
 * on every line: the kernel hands each module instance a handle tagged
 * "<kind>:<name>", so an author never types it.
 *
 * Line format, glog-like so Mesos log tooling reads it:
 *   I1125 22:48:16.123456  4242 master] message
 * Logging is thread-safe and never fails; it may block briefly on write(2).
 */
#ifndef BUTTE_LOG_H
#define BUTTE_LOG_H

#include <stdarg.h>
#include <butte/common.h>

BUTTE_BEGIN_DECLS

typedef enum butte_log_level {
    BUTTE_LOG_ERROR = 0,
    BUTTE_LOG_WARNING = 1,
    BUTTE_LOG_INFO = 2,
    BUTTE_LOG_DEBUG = 3
} butte_log_level_t;

typedef struct butte_log butte_log_t;

/*
 * butte_log_get - the handle for tag.  Handles are interned and live until
 * the process exits; the same tag returns the same handle.  Never NULL.
 */
BUTTE_API butte_log_t *butte_log_get(const char *tag);

/* butte_log - write one line at level if the sink's level lets it through.
 * log may be NULL (tagged "butte"). */
BUTTE_API void butte_log(butte_log_t *log, butte_log_level_t level, const char *fmt, ...)
    BUTTE_PRINTF(3, 4);
BUTTE_API void butte_vlog(butte_log_t *log, butte_log_level_t level, const char *fmt,
                          va_list ap);

/* butte_log_enabled - whether a line at level would be written now. */
BUTTE_API bool butte_log_enabled(butte_log_level_t level);

BUTTE_END_DECLS

#endif
