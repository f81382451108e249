/*
 * kernel/core/log-internal.h - configuring the log sink.
 *
 * Until butte_log_configure() runs, lines at INFO and above go to stderr.
 */
#ifndef BUTTE_LOG_INTERNAL_H
#define BUTTE_LOG_INTERNAL_H

#include <butte/error.h>
#include <butte/log.h>

/*
 * butte_log_configure - set the sink from the role's flags.
 *
 * level: "INFO", "WARNING" or "ERROR" (--logging_level; "DEBUG" too).
 * log_dir: NULL for no file, else a folder in which
 *   "<program>.<hostname>.<user>.log.<LEVEL>.<yyyymmdd-hhmmss>.<pid>" is
 *   created with a "<program>.INFO" symlink to it, as glog does.
 * logbufsecs: how long file lines may sit in the buffer (0 = write at once).
 * quiet: no stderr output (--quiet).
 * Returns 0, or BUTTE_EINVAL/BUTTE_EIO with err naming the flag.
 * Call once, from main, before threads start.
 */
int butte_log_configure(const char *program, const char *level, const char *log_dir,
                        double logbufsecs, bool quiet, butte_err_t *err);

/* butte_log_file_path - the current log file, or NULL (for /state log_dir). */
const char *butte_log_file_path(void);

/* butte_log_set_level - change the level at run time (/logging/toggle). */
void butte_log_set_level(butte_log_level_t level);

/* butte_log_parse_level - "INFO" -> BUTTE_LOG_INFO; -1 when unknown. */
int butte_log_parse_level(const char *text);

/* butte_log_flush - write out any buffered lines (at exit). */
void butte_log_flush(void);

#endif
