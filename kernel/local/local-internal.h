/*
 * kernel/local/local-internal.h - mesos-local's flag table (local-flags.c),
 * shared with its main.c.
 *
 * mesos-local runs one master and N agents in one process on one loop (see
 * main.c).  Its flags are the master's, plus --num_slaves, plus the agent
 * flags that make sense for every agent of the cluster (--resources,
 * --isolation, ...), which it forwards to each agent.
 */
#ifndef BUTTE_LOCAL_INTERNAL_H
#define BUTTE_LOCAL_INTERNAL_H

#include <stddef.h>

#include "core/flags-internal.h"

/*
 * butte_local_flags_build - the mesos-local flag table, built once at
 * start-up (malloc'd; *n receives its length).  Free it with
 * butte_local_flags_free() after butte_role_main() returned.  Aborts only
 * when out of memory.
 */
butte_flag_def_t *butte_local_flags_build(size_t *n);
void butte_local_flags_free(butte_flag_def_t *table);

/*
 * butte_local_forwarded - the names of the flags every agent receives when
 * they are set on mesos-local (NULL-terminated): the agent-only flags of the
 * table above, plus the networking flags both roles know (--ip,
 * --hostname, --advertise_ip), so agents advertise what the master does.
 */
extern const char *const butte_local_forwarded[];

#endif
