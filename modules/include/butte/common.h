/*
 * butte/common.h - macros every public Butte header uses.
 *
 * Included by all other <butte/...> headers; a module never needs to include
 * it by hand.
 */
#ifndef BUTTE_COMMON_H
#define BUTTE_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
#define BUTTE_BEGIN_DECLS extern "C" {
#define BUTTE_END_DECLS }
#else
#define BUTTE_BEGIN_DECLS
#define BUTTE_END_DECLS
#endif

/* BUTTE_API marks a function libbutte.so exports; BUTTE_EXPORT marks the
 * descriptor a module library exports.  Everything else is hidden. */
#define BUTTE_API __attribute__((visibility("default")))
#define BUTTE_EXPORT __attribute__((visibility("default")))

#define BUTTE_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))

#endif
