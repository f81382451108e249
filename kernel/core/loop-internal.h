/*
 * kernel/core/loop-internal.h - the process's one libevent loop.
 *
 * The role's main() creates the loop, registers its servers and timers,
 * runs it, and destroys it after it returns.  SIGTERM and SIGINT make
 * butte_loop_run() return cleanly (the signal is handled on the loop, so
 * role code sees no asynchronous interruption).
 */
#ifndef BUTTE_LOOP_INTERNAL_H
#define BUTTE_LOOP_INTERNAL_H

#include <butte/error.h>
#include <butte/log.h>
#include <butte/loop.h>

struct event_base;

/* butte_loop_create - a new loop; NULL with err filled when libevent fails. */
butte_loop_t *butte_loop_create(butte_err_t *err);

/* butte_loop_run - dispatch until butte_loop_stop() or SIGTERM/SIGINT.
 * Returns the signal number that stopped it, or 0. */
int butte_loop_run(butte_loop_t *loop);

/* butte_loop_stop - make butte_loop_run() return after this callback. */
void butte_loop_stop(butte_loop_t *loop);

/* butte_loop_base - libevent's base, for the HTTP server and bufferevents. */
struct event_base *butte_loop_base(butte_loop_t *loop);

/* butte_loop_destroy - free the loop; pending timers must be stopped. */
void butte_loop_destroy(butte_loop_t *loop);

#endif
