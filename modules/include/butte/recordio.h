/*
 * butte/recordio.h - RecordIO framing: "size LF data", repeated.
 *
 * The v1 event streams (scheduler, executor and operator SUBSCRIBE) carry
 * one serialized Event per record; size is the decimal byte length of data
 * (never 0) and nothing separates data from the next size.  Record
 * boundaries have nothing to do with HTTP chunk or read() boundaries, so
 * the decoder buffers: feed it whatever arrived, then take the complete
 * records out.  Butte's master <-> agent link uses the same framing.
 *
 * Nothing here blocks or logs.  A decoder is used by one thread.
 */
#ifndef BUTTE_RECORDIO_H
#define BUTTE_RECORDIO_H

#include <butte/common.h>
#include <butte/error.h>
#include <butte/pool.h>

BUTTE_BEGIN_DECLS

/* The longest size line: 20 digits (UINT64_MAX) and the LF. */
#define BUTTE_RECORDIO_HEADER_MAX 21

/*
 * butte_recordio_header - write the size line for a record of len bytes
 * ("20\n") into buf, which holds at least BUTTE_RECORDIO_HEADER_MAX bytes
 * (no NUL is written).  Returns the number of bytes written.  For writers
 * that send the header and the data separately (evbuffer, writev).
 */
BUTTE_API size_t butte_recordio_header(char *buf, size_t len);

/*
 * butte_recordio_encode - the record for len bytes of data (size line then
 * data) in a buffer from pool; *out_len receives its length.  len 0 is not
 * a valid record: the caller never frames an empty message.  Never fails.
 */
BUTTE_API char *butte_recordio_encode(butte_pool_t *pool, const void *data,
                                      size_t len, size_t *out_len);

typedef struct butte_recordio_decoder butte_recordio_decoder_t;

/*
 * butte_recordio_decoder_create - an incremental decoder living in pool
 * (its buffer is freed when the pool dies).  Records larger than max_size
 * bytes are an error as soon as their size line says so, before their data
 * is buffered; max_size 0 means no limit beyond what memory allows.
 */
BUTTE_API butte_recordio_decoder_t *butte_recordio_decoder_create(butte_pool_t *pool,
                                                                  size_t max_size);

/*
 * butte_recordio_decoder_feed - append len bytes of the stream (any
 * amount, split anywhere).  Never fails; it copies data.  Feeding makes the
 * records returned earlier invalid.
 */
BUTTE_API void butte_recordio_decoder_feed(butte_recordio_decoder_t *d,
                                           const void *data, size_t len);

/*
 * butte_recordio_decoder_next - take the next complete record.
 *
 * Returns 1 and sets *data / *len to the record's bytes (inside the
 * decoder, valid until the next feed; not NUL-terminated), 0 when more
 * input is needed, or BUTTE_EINVAL with err filled when the stream is
 * malformed: a size line with a byte that is not a digit, an empty size,
 * size 0, or a size above the limit.  An error is final: the stream cannot
 * be resynchronised, and every later call returns it again.
 */
BUTTE_API int butte_recordio_decoder_next(butte_recordio_decoder_t *d,
                                          const void **data, size_t *len,
                                          butte_err_t *err);

/*
 * butte_recordio_decoder_pending - bytes fed but not yet returned as
 * records (a partial record at the end of a stream shows here).
 */
BUTTE_API size_t butte_recordio_decoder_pending(const butte_recordio_decoder_t *d);

BUTTE_END_DECLS

#endif
