/*
 * butte/anonymous.h - the anonymous kind: a module that is not asked for
 * anything.  Every loaded anonymous module is created at start-up (no
 * selection flag), in manifest order, and destroyed at shutdown; it does
 * its work from create() and from timers or servers it registers on
 * butte_instance_loop().  Mirrors Mesos' Anonymous modules.
 *
 * No slot is required, but the descriptor still points at an ops table of
 * at least the ABI 1.0 size (all slots NULL is fine).
 *
 * Ops table rules (see module.h): starts with size, append-only.
 */
#ifndef BUTTE_ANONYMOUS_H
#define BUTTE_ANONYMOUS_H

#include <butte/module.h>

BUTTE_BEGIN_DECLS

typedef struct butte_anonymous_ops {
    uint32_t size;     /* sizeof (butte_anonymous_ops_t) at build time */
    uint32_t features; /* none defined yet; 0 */

    /*
     * started - the role is up: its servers listen and the loop is about
     * to run.  role is "master", "agent" or "local" (static string).
     * Called once, on the loop thread; must not block.  Optional.  Cannot
     * fail: a module that finds it cannot work logs and stays idle.
     */
    void (*started)(void *state, const char *role);

    /*
     * stopping - the loop stopped and shutdown began; destroy() follows.
     * Stop timers here.  Called once, on the loop thread.  Optional.
     */
    void (*stopping)(void *state);

    /* ABI 1.x: new slots go below this line, never above. */
} butte_anonymous_ops_t;

BUTTE_END_DECLS

#endif
