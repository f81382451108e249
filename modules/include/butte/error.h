/*
 * butte/error.h - the one error convention.
 *
 * A fallible function returns an int (0 = success, a negative BUTTE_E* code
 * on failure) or a pointer (NULL = failure) and, when the caller passes a
 * butte_err_t, writes one message into it.  The message buffer belongs to the
 * caller.  A function either fills the error or logs, never both: the top of
 * the call (HTTP handler, loader, status-update path) decides what an error
 * becomes.
 *
 * Message style: lower case, no trailing period, names and paths in double
 * quotes, says why it failed ("could not" for something that may succeed
 * later, "cannot" for something permanent).
 */
#ifndef BUTTE_ERROR_H
#define BUTTE_ERROR_H

#include <butte/common.h>

BUTTE_BEGIN_DECLS

enum {
    BUTTE_OK = 0,
    BUTTE_EINVAL = -1,    /* the input is malformed or out of range */
    BUTTE_ENOTFOUND = -2, /* a named thing does not exist */
    BUTTE_EABI = -3,      /* a module does not match the kernel's ABI */
    BUTTE_EAGAIN = -4,    /* not now; try again later */
    BUTTE_EDECLINED = -5, /* not mine: ask the next module in the chain */
    BUTTE_EIO = -6,       /* an operating-system call failed */
    BUTTE_ECONFLICT = -7, /* the request contradicts existing state */
    BUTTE_EPERM = -8,     /* not allowed */
    BUTTE_ENOMEM = -9     /* out of a bounded resource (not heap: see pool.h) */
};

#define BUTTE_ERR_MSG_MAX 512

typedef struct butte_err {
    int code;                     /* one of BUTTE_E*, 0 when clear */
    char msg[BUTTE_ERR_MSG_MAX];  /* NUL-terminated, may be truncated */
} butte_err_t;

/*
 * butte_err_set - record an error and return its code.
 *
 * err may be NULL (the message is dropped).  Returns code, so a caller can
 * write "return butte_err_set(err, BUTTE_EINVAL, ...)".  Never blocks.
 */
BUTTE_API int butte_err_set(butte_err_t *err, int code, const char *fmt, ...)
    BUTTE_PRINTF(3, 4);

/*
 * butte_err_prefix - put "PREFIX: " in front of the message already in err,
 * for a caller that adds where the error happened.  Returns err->code.
 */
BUTTE_API int butte_err_prefix(butte_err_t *err, const char *fmt, ...)
    BUTTE_PRINTF(2, 3);

/* butte_err_clear - reset err to "no error".  err may be NULL. */
BUTTE_API void butte_err_clear(butte_err_t *err);

/* butte_strerror - a static name for a BUTTE_E* code ("invalid argument"). */
BUTTE_API const char *butte_strerror(int code);

BUTTE_END_DECLS

#endif
