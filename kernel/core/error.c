/*
 * kernel/core/error.c - the error convention (see <butte/error.h>).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <butte/error.h>

int
butte_err_set(butte_err_t *err, int code, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL)
        return code;
    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return code;
}

int
butte_err_prefix(butte_err_t *err, const char *fmt, ...)
{
    char prefix[BUTTE_ERR_MSG_MAX];
    char old[BUTTE_ERR_MSG_MAX];
    va_list ap;

    if (err == NULL)
        return BUTTE_EINVAL;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    snprintf(err->msg, sizeof err->msg, "%s: %s", prefix, old);
    return err->code;
}

void
butte_err_clear(butte_err_t *err)
{
    if (err == NULL)
        return;
    err->code = BUTTE_OK;
    err->msg[0] = '\0';
}

const char *
butte_strerror(int code)
{
    switch (code) {
    case BUTTE_OK: return "success";
    case BUTTE_EINVAL: return "invalid argument";
    case BUTTE_ENOTFOUND: return "not found";
    case BUTTE_EABI: return "module ABI mismatch";
    case BUTTE_EAGAIN: return "try again";
    case BUTTE_EDECLINED: return "declined";
    case BUTTE_EIO: return "input/output error";
    case BUTTE_ECONFLICT: return "conflict";
    case BUTTE_EPERM: return "not permitted";
    case BUTTE_ENOMEM: return "out of resources";
    default: return "unknown error";
    }
}
