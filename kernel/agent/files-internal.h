/*
 * kernel/agent/files-internal.h - the /files endpoints (Mesos' "files"
 * process): browse, read and download files of attached folders, and
 * /files/debug, the map of what is attached.
 *
 * Model (as Mesos): the agent attaches each sandbox it creates under a
 * virtual path (the sandbox's own absolute path, and also
 * <work_dir>/slaves/<a>/frameworks/<f>/executors/<e>/runs/latest), and
 * detaches it when the sandbox is garbage collected (agent-sandbox.c).  A request's ?path= is a virtual
 * path: the longest attached virtual path that is a prefix of it (on a
 * component boundary) names the folder, the rest is looked up inside it.
 *
 * Confinement: a path with a ".." component, a path under no attached
 * folder, and a path whose realpath(3) leaves its attached folder (through
 * a symlink) all answer 404 "path not found", the same answer as a missing
 * file, so nothing outside a sandbox is revealed.  Directory listings show
 * a symlink entry that points outside as the link itself (lstat), never
 * its target's size or mode.
 *
 * Endpoints (GET and HEAD; prefix + ...):
 *   /files/browse?path=P   200 JSON array of {path, nlink, size, mtime,
 *                          mode ("drwxr-xr-x"), uid, gid (names)}; a file
 *                          answers an array of itself
 *   /files/read?path=P&offset=O&length=L
 *                          200 {"data": "...", "offset": O}; O missing or
 *                          -1: {"data":"","offset":<size>}; L missing or
 *                          -1: to the end; at most 16 pages per read;
 *                          400 for a bad number, O < -1, L < -1 or a
 *                          directory
 *   /files/download?path=P raw bytes, Content-Disposition: attachment
 *   /files/debug           JSON object virtual path -> real path
 * A missing or empty path= answers 400 "Expecting 'path=value' in query.".
 *
 * Runs on the loop thread.  Handlers read the file system synchronously
 * (stat, a bounded read, a directory listing); download reads the whole
 * file into the request's pool.
 */
#ifndef BUTTE_AGENT_FILES_INTERNAL_H
#define BUTTE_AGENT_FILES_INTERNAL_H

#include <butte/error.h>
#include <butte/pool.h>

#include "core/http-internal.h"

typedef struct butte_files butte_files_t;

/*
 * butte_agent_files_register - route prefix + "/files/browse", "/read",
 * "/download" and "/debug" on http (prefix NULL or "" for the root, which
 * is where Mesos serves them) and return the attachment table, which lives
 * in pool (create it from a pool that outlives http's routes, e.g. the
 * agent's).  Never NULL.  May be called again with another prefix for the
 * same table through butte_files_route.
 */
butte_files_t *butte_agent_files_register(butte_pool_t *pool, butte_http_t *http,
                                          const char *prefix);

/* butte_files_route - serve an existing table under one more prefix. */
void butte_files_route(butte_files_t *files, butte_http_t *http, const char *prefix);

/*
 * butte_files_attach - make real_path (a folder or a file that exists;
 * resolved with realpath(3) now) visible as virtual_path (absolute;
 * trailing slashes ignored).  Attaching a virtual path again replaces the
 * old mapping.  0, BUTTE_EINVAL (virtual_path not absolute or with a ".."
 * component) or BUTTE_ENOTFOUND (real_path does not exist), err filled.
 */
int butte_files_attach(butte_files_t *files, const char *real_path, const char *virtual_path,
                       butte_err_t *err);

/* butte_files_detach - forget virtual_path.  0, or BUTTE_ENOTFOUND when
 * it was not attached. */
int butte_files_detach(butte_files_t *files, const char *virtual_path);

/* butte_files_count - how many virtual paths are attached (for /state
 * and tests). */
size_t butte_files_count(const butte_files_t *files);

#endif
