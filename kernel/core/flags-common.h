/*
 * kernel/core/flags-common.h - flag rows every role's table shares.
 *
 * The master, agent (and so mesos-local) tables put these macros where the
 * rows belong in their --help order; keeping one copy means a help text or
 * an "implemented" mark cannot drift between roles.  Each macro expands to
 * table rows (initializers) only, ending with a comma.
 */
#ifndef BUTTE_FLAGS_COMMON_H
#define BUTTE_FLAGS_COMMON_H

#include "core/flags-internal.h"

#define BUTTE_FLAGS_COMMON_GENERAL                                                   \
    { "help", BUTTE_FLAG_BOOL, "false", "General", "Print this help and exit",        \
      BUTTE_FLAG_IMPLEMENTED, NULL },                                                 \
    { "version", BUTTE_FLAG_BOOL, "false", "General", "Print the version and exit",   \
      BUTTE_FLAG_IMPLEMENTED, NULL },                                                 \
    { "config", BUTTE_FLAG_PATH, NULL, "General",                                     \
      "YAML file of 'name: value' flags; the command line and MESOS_* variables win", \
      BUTTE_FLAG_IMPLEMENTED, NULL },

#define BUTTE_FLAGS_COMMON_LOGGING                                                   \
    { "quiet", BUTTE_FLAG_BOOL, "false", "Logging", "Do not log to stderr",           \
      BUTTE_FLAG_IMPLEMENTED, NULL },                                                 \
    { "logging_level", BUTTE_FLAG_STRING, "INFO", "Logging",                          \
      "Lowest level logged: INFO, WARNING or ERROR", BUTTE_FLAG_IMPLEMENTED, NULL },  \
    { "log_dir", BUTTE_FLAG_PATH, NULL, "Logging",                                    \
      "Directory for log files; unset logs to stderr only", BUTTE_FLAG_IMPLEMENTED,   \
      NULL },                                                                         \
    { "logbufsecs", BUTTE_FLAG_INT, "0", "Logging",                                   \
      "Seconds log lines may be buffered before they are written",                    \
      BUTTE_FLAG_IMPLEMENTED, NULL },                                                 \
    { "external_log_file", BUTTE_FLAG_PATH, NULL, "Logging",                          \
      "Log file written by something else (e.g. journald export), shown in the web "  \
      "UI", 0, NULL },                                                                \
    { "initialize_driver_logging", BUTTE_FLAG_BOOL, "true", "Logging",                \
      "Whether scheduler and executor drivers set up logging", 0, NULL },

#define BUTTE_FLAGS_COMMON_MODULES                                                   \
    { "modules", BUTTE_FLAG_PATH, NULL, "Modules and hooks",                          \
      "Modules to load: inline JSON, file:///path or /path", BUTTE_FLAG_IMPLEMENTED,  \
      NULL },                                                                         \
    { "modules_dir", BUTTE_FLAG_PATH, NULL, "Modules and hooks",                      \
      "Directory of module manifests, loaded in alphabetical order",                  \
      BUTTE_FLAG_IMPLEMENTED, NULL },                                                 \
    { "hooks", BUTTE_FLAG_LIST, NULL, "Modules and hooks",                            \
      "Comma-separated hook modules to install", 0, NULL },

#endif
