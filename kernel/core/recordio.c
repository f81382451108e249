/*
 * kernel/core/recordio.c - RecordIO framing (see <butte/recordio.h>).
 *
 * The decoder keeps one malloc'd buffer: fed bytes are appended at the end,
 * records are taken from the front.  Consumed bytes are dropped lazily, at
 * the next feed, so a record handed out stays valid until then.  The size
 * line is re-parsed from the buffer on every call instead of being kept as
 * state: it is at most 21 bytes, and statelessness leaves nothing to get
 * out of step when a line arrives one byte at a time.
 *
 * Memory: a master holds one decoder per agent link, so an idle decoder
 * must be small.  The buffer is sized to what is live (a power of two from
 * 64 bytes), and shrinks again at a feed that finds everything consumed;
 * the error (a 512-byte message) is allocated only when the stream breaks.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <butte/log.h>
#include <butte/recordio.h>

/* More digits than UINT64_MAX has cannot be a size, leading zeros or not:
 * refusing them bounds how much of a bad size line is buffered. */
#define MAX_DIGITS 20

#define MIN_BUFFER 64

struct butte_recordio_decoder {
    char *buf;
    size_t start;       /* first byte not yet returned */
    size_t end;         /* one past the last byte fed */
    size_t cap;
    size_t max_size;    /* 0 = no limit */
    butte_pool_t *pool; /* the decoder's, for the error */
    butte_err_t *error; /* non-NULL once the stream is broken */
};

size_t
butte_recordio_header(char *buf, size_t len)
{
    char digits[MAX_DIGITS];
    size_t n = 0;

    /* By hand rather than snprintf: no NUL wanted, no size_t format games. */
    do {
        digits[n++] = (char)('0' + len % 10);
        len /= 10;
    } while (len > 0);
    for (size_t i = 0; i < n; i++)
        buf[i] = digits[n - 1 - i];
    buf[n] = '\n';
    return n + 1;
}

char *
butte_recordio_encode(butte_pool_t *pool, const void *data, size_t len,
                      size_t *out_len)
{
    char header[BUTTE_RECORDIO_HEADER_MAX];
    size_t hlen = butte_recordio_header(header, len);
    char *out = butte_pool_alloc(pool, hlen + len);

    memcpy(out, header, hlen);
    if (len > 0)
        memcpy(out + hlen, data, len);
    if (out_len != NULL)
        *out_len = hlen + len;
    return out;
}

static void
free_buffer(void *arg)
{
    butte_recordio_decoder_t *d = arg;

    free(d->buf);
    d->buf = NULL;
}

butte_recordio_decoder_t *
butte_recordio_decoder_create(butte_pool_t *pool, size_t max_size)
{
    butte_recordio_decoder_t *d = butte_pool_alloc(pool, sizeof *d);

    d->max_size = max_size;
    d->pool = pool;
    butte_pool_on_destroy(pool, free_buffer, d);
    return d;
}

static void *
xrealloc(void *p, size_t n)
{
    p = realloc(p, n);
    if (p == NULL) {
        /* Same policy as pools: out of memory is not handled. */
        butte_log(NULL, BUTTE_LOG_ERROR, "out of memory allocating %zu bytes", n);
        abort();
    }
    return p;
}

void
butte_recordio_decoder_feed(butte_recordio_decoder_t *d, const void *data,
                            size_t len)
{
    size_t live, need, cap;

    if (len == 0 || d->error != NULL)
        return;
    /* Drop what was returned already; this is what invalidates records. */
    live = d->end - d->start;
    if (d->start > 0) {
        memmove(d->buf, d->buf + d->start, live);
        d->start = 0;
        d->end = live;
    }
    need = live + len;
    for (cap = MIN_BUFFER; cap < need; cap *= 2)
        ;
    /* Grow to fit; shrink only when nothing is live (no copy) and the
     * buffer is four times what this feed needs, so a stream of similar
     * records does not reallocate at every feed. */
    if (cap > d->cap) {
        d->buf = xrealloc(d->buf, cap);
        d->cap = cap;
    } else if (live == 0 && d->cap >= 4 * cap) {
        free(d->buf);
        d->buf = xrealloc(NULL, cap);
        d->cap = cap;
    }
    memcpy(d->buf + d->end, data, len);
    d->end += len;
}

/* Record the error that breaks the stream (final). */
static butte_err_t *
broken(butte_recordio_decoder_t *d)
{
    d->error = butte_pool_alloc(d->pool, sizeof *d->error);
    return d->error;
}

static int
fail(butte_recordio_decoder_t *d, butte_err_t *err)
{
    if (err != NULL)
        *err = *d->error;
    return d->error->code;
}

int
butte_recordio_decoder_next(butte_recordio_decoder_t *d, const void **data,
                            size_t *len, butte_err_t *err)
{
    const unsigned char *p;
    size_t avail, i;
    uint64_t size = 0;

    if (d->error != NULL)
        return fail(d, err);
    p = (const unsigned char *)d->buf + d->start;
    avail = d->end - d->start;
    for (i = 0; i < avail && p[i] != '\n'; i++) {
        unsigned c = p[i];

        if (c < '0' || c > '9') {
            if (c >= 0x20 && c < 0x7f)
                butte_err_set(broken(d), BUTTE_EINVAL,
                              "invalid RecordIO size: '%c' (0x%02x) is not a digit",
                              (int)c, c);
            else
                butte_err_set(broken(d), BUTTE_EINVAL,
                              "invalid RecordIO size: byte 0x%02x is not a digit", c);
            return fail(d, err);
        }
        if (i == MAX_DIGITS || size > (UINT64_MAX - (c - '0')) / 10) {
            butte_err_set(broken(d), BUTTE_EINVAL,
                          "invalid RecordIO size: more than %d digits", MAX_DIGITS);
            return fail(d, err);
        }
        size = size * 10 + (c - '0');
        if ((d->max_size > 0 && size > d->max_size) || size > SIZE_MAX / 2) {
            /* Checked per digit so a huge size fails before its LF. */
            butte_err_set(broken(d), BUTTE_EINVAL,
                          "RecordIO record size (at least %" PRIu64
                          ") exceeds the limit of %zu bytes",
                          size, d->max_size > 0 ? d->max_size : SIZE_MAX / 2);
            return fail(d, err);
        }
    }
    if (i == avail)
        return 0; /* size line not complete yet */
    if (i == 0) {
        butte_err_set(broken(d), BUTTE_EINVAL, "invalid RecordIO size: empty size line");
        return fail(d, err);
    }
    if (size == 0) {
        butte_err_set(broken(d), BUTTE_EINVAL, "invalid RecordIO size: 0 (records are never empty)");
        return fail(d, err);
    }
    if (avail - (i + 1) < size)
        return 0; /* data not complete yet */
    *data = p + i + 1;
    *len = (size_t)size;
    d->start += i + 1 + (size_t)size;
    return 1;
}

size_t
butte_recordio_decoder_pending(const butte_recordio_decoder_t *d)
{
    return d->end - d->start;
}
