/*
 * kernel/core/resources-pb.h - mesos.v1.Resource (protobuf-c) <->
 * butte_resources_t, for the master (offers, task validation, /state) and
 * the agent (registration).
 *
 * Code that includes this header adds $(PROTO_CPPFLAGS).  Nothing here
 * blocks or logs; everything runs on the caller's thread with the caller's
 * pool.
 */
#ifndef BUTTE_RESOURCES_PB_H
#define BUTTE_RESOURCES_PB_H

#include <jansson.h>
#include <butte/resources.h>

#include "mesos/v1/mesos.pb-c.h"

/*
 * butte_resources_from_pb - the n resources v[] as a new collection in
 * pool.  Both reservation formats are read: "reservations" (refinement)
 * when present, else the legacy "role" (+ "reservation" for a dynamic
 * one).  Returns 0 with *out set, or BUTTE_EINVAL with err naming the
 * entry ("resources[1]: ...") and *out untouched.
 */
int butte_resources_from_pb(butte_pool_t *pool, Mesos__V1__Resource *const *v, size_t n,
                            butte_resources_t **out, butte_err_t *err);

/*
 * butte_resources_to_pb - rs as an array of *n Resource messages, all
 * memory from pool.  legacy: write the pre-refinement format (role and
 * reservation, no reservations stack) that frameworks without the
 * RESERVATION_REFINEMENT capability expect; else the reservations stack.
 * Never fails.
 */
void butte_resources_to_pb(butte_pool_t *pool, const butte_resources_t *rs, bool legacy,
                           Mesos__V1__Resource ***out, size_t *n);

/*
 * butte_resources_to_state_json - the {"cpus":1.0,"mem":128.0,
 * "ports":"[31000-32000]"} object /state uses (totals per name across
 * roles; ranges and sets in text form).  New reference, never NULL.
 */
json_t *butte_resources_to_state_json(butte_pool_t *pool, const butte_resources_t *rs);

#endif
