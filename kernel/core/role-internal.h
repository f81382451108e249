/*
 * kernel/core/role-internal.h - the start-up and shutdown every role process
 * (mesos-master, mesos-agent) shares.
 *
 * A role's main() fills a butte_role_spec_t and returns butte_role_main().
 * That call, in order:
 *   1. loads the flags (command line, MESOS_* environment, --config,
 *      /etc/mesos*); an error prints one line "<program>: <message>" to
 *      stderr and returns 1; --help prints the grouped usage and --version
 *      "mesos <mesos version> (butte <butte version>)", both returning 0;
 *   2. runs spec->validate (role rules the flag table cannot express);
 *   3. configures logging (--logging_level, --log_dir, --logbufsecs,
 *      --quiet), logs the flags loader's warnings (deprecated names, stray
 *      MESOS_* variables) and warns once per flag that is set but not
 *      implemented;
 *   4. opens the modules (--modules / --modules_dir; first-party libraries
 *      from $BUTTE_MODULE_DIR, else the install's module folder) and creates
 *      the anonymous ones; a failure prints one line and returns 1;
 *   5. starts the HTTP server on --ip (else 0.0.0.0) and --port (the
 *      flags loader maps LIBPROCESS_IP/LIBPROCESS_PORT onto them) with /health,
 *      /flags and /version (and the same under spec->prefix), logs
 *      "<role> listening on IP:PORT" and, when $BUTTE_PORT_FILE is set,
 *      writes the bound port there (written to a temporary name and
 *      renamed, so a reader never sees half a number);
 *   6. runs spec->start, then the loop until SIGTERM/SIGINT (logged as
 *      "received signal N, stopping") or butte_loop_stop();
 *   7. runs spec->stop, closes the HTTP server, destroys the module
 *      instances, frees the pools and the loop, and returns 0.
 *
 * $BUTTE_ETC_ROOT replaces "/etc" as the root of the packaging folders
 * (empty: do not read them); tests use it to stay hermetic.
 *
 * Runs on the main thread, which becomes the loop thread.
 */
#ifndef BUTTE_ROLE_INTERNAL_H
#define BUTTE_ROLE_INTERNAL_H

#include <jansson.h>
#include <butte/error.h>
#include <butte/log.h>
#include <butte/loop.h>
#include <butte/pool.h>

#include "core/flags-internal.h"
#include "core/http-internal.h"
#include "core/loader-internal.h"

typedef struct butte_role butte_role_t;

typedef struct butte_role_spec {
    const char *name;               /* "master" / "agent": flag role and log tag */
    const butte_flag_def_t *flags;  /* the role's flag table */
    size_t nflags;
    const char *prefix;             /* endpoint aliases: "/master", "/slave(1)"; NULL = none */

    /* validate - rules across flags ("--work_dir unless --registry=in_memory").
     * Return 0, or a BUTTE_E* code with err naming the flag.  NULL = none. */
    int (*validate)(const butte_flags_t *flags, butte_err_t *err);

    /* start - the role's own servers and timers, after the common start-up
     * and before the loop runs.  Return 0 or a BUTTE_E* code with err filled
     * (start-up then stops with one line).  NULL = none. */
    int (*start)(butte_role_t *role, void *arg, butte_err_t *err);

    /* stop - after the loop returned, while the HTTP server and the modules
     * still exist.  Called only when start succeeded.  NULL = none. */
    void (*stop)(butte_role_t *role, void *arg);

    void *arg; /* passed to start and stop */
} butte_role_spec_t;

/*
 * butte_role_main - run the role (see above).  Returns the process exit
 * status: 0 after a clean stop, --help or --version; 1 on a start-up error.
 */
int butte_role_main(const butte_role_spec_t *spec, int argc, char **argv);

/* Accessors for spec->start and spec->stop; all owned by the role and
 * valid until butte_role_main() returns. */
butte_pool_t *butte_role_pool(const butte_role_t *role);   /* the process pool */
butte_loop_t *butte_role_loop(const butte_role_t *role);
const butte_flags_t *butte_role_flags(const butte_role_t *role);
butte_http_t *butte_role_http(const butte_role_t *role);
butte_modules_t *butte_role_modules(const butte_role_t *role);
butte_log_t *butte_role_log(const butte_role_t *role);     /* tagged with spec->name */
const char *butte_role_program(const butte_role_t *role);  /* "mesos-master" */

/*
 * butte_role_flags_json - {"name": "value", ...} for every flag that has a
 * value, values as text (the "flags" member of /flags and /state).
 * butte_role_version_json - the /version object.  Both return a new
 * reference (never NULL: jansson aborts only when malloc fails).
 */
json_t *butte_role_flags_json(const butte_role_t *role);
json_t *butte_role_version_json(void);

#endif
