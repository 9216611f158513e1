/*
 * gz_reader: streaming gzip decompression of one raw object, from a file descriptor or a memory
 * buffer, in bounded memory (one compressed input buffer and one decompressed output window).
 *
 * Built on ISA-L's isal_inflate (the fastest inflate on this machine class, ~2 GB/s of output per
 * core; see performance.md). The reader owns the gzip framing that ISA-L leaves to its caller:
 *   - multi-member objects (concatenated gzip files, as `cat a.gz b.gz` or pigz -i write them) are
 *     one stream: the members' outputs follow each other with no separator;
 *   - every kind of damage is reported with the compressed offset where it is, and only after every
 *     byte decoded before it has been delivered (a truncated upload loses only its cut tail);
 *   - an empty object (0 bytes) is a valid, empty stream.
 *
 * Usage: create a reader once per thread (its buffers are large), then for each object reset it
 * onto a source and call gz_reader_read() until it returns a 0-length chunk (clean end) or an
 * error (damage; everything before it was already returned). The reader never owns the source: the
 * caller closes the descriptor / frees the memory after the last read.
 *
 * Damage and what is delivered:
 *   GZ_DAMAGE_TRUNCATED   the input ends inside a member: its decoded prefix is delivered (ISA-L
 *                         may withhold the last symbol or two before the cut when it got the tail
 *                         in one large window, where zlib decodes every complete symbol: the loss
 *                         is inside the cut line, or at worst its newline);
 *   GZ_DAMAGE_CHECKSUM    CRC-32 or ISIZE of a member does not match (the member's bytes were already
 *                         delivered: streaming cannot hold a whole member back until its trailer);
 *   GZ_DAMAGE_CORRUPT     invalid deflate data or gzip header inside a member (ISA-L decodes in
 *                         batches: the last bytes before the bad symbol may not be delivered, and how
 *                         many depends on the input split);
 *   GZ_DAMAGE_GARBAGE     bytes after the last complete member that do not start a new member;
 *   GZ_DAMAGE_NOT_GZIP    the object does not start with the gzip magic (unless allow_plain).
 * All of them return EV_ERR_CORRUPT with a message naming the offset, e.g.
 *   "truncated gzip member at compressed offset 1234: the input ends at offset 5000 inside member 2
 *    (65536 bytes decoded from it)".
 */
#ifndef EV_GZ_READER_H
#define EV_GZ_READER_H

#include <stddef.h>
#include <stdint.h>

#include "ev_alloc.h"
#include "ev_status.h"

typedef struct gz_reader gz_reader;

typedef struct gz_options {
    size_t in_size;  /* bytes read from a descriptor per read(); 0 = 256 KiB (min 1) */
    size_t out_size; /* decompressed window: the largest chunk gz_reader_read returns; 0 = 1 MiB */
    int allow_plain; /* 1: an object not starting with the gzip magic is passed through unchanged */
} gz_options;

typedef enum gz_damage {
    GZ_DAMAGE_NONE = 0,
    GZ_DAMAGE_TRUNCATED,
    GZ_DAMAGE_CHECKSUM,
    GZ_DAMAGE_CORRUPT,
    GZ_DAMAGE_GARBAGE,
    GZ_DAMAGE_NOT_GZIP
} gz_damage;

typedef struct gz_stats {
    uint64_t bytes_in;      /* compressed bytes consumed so far */
    uint64_t bytes_out;     /* decompressed bytes returned so far */
    uint64_t members;       /* complete, verified gzip members */
    int plain;              /* 1: the object was passed through as plain bytes (allow_plain) */
    gz_damage damage;       /* GZ_DAMAGE_NONE until an error is reported */
    uint64_t damage_offset; /* compressed offset the damage message names (the member start for
                               TRUNCATED/CHECKSUM/CORRUPT, the first garbage byte for GARBAGE) */
} gz_stats;

/* Allocates a reader with no source (gz_reader_read returns a clean end until a reset).
 * `alloc` may be NULL (malloc) and must outlive the reader; `opt` may be NULL (defaults).
 * Errors: EV_ERR_NOMEM. */
ev_status gz_reader_create(const ev_allocator *alloc, const gz_options *opt, gz_reader **out,
                           ev_error *err) EV_WUR;

/* Points the reader at a new object, forgetting the previous one (statistics restart at 0); no
 * allocation after the first descriptor source. The descriptor is read from its current position
 * and is not closed by the reader; `data` must stay valid and unchanged until the last
 * gz_reader_read of this object. Never fails (errors surface on read). */
void gz_reader_reset_fd(gz_reader *r, int fd);
void gz_reader_reset_mem(gz_reader *r, const void *data, size_t len);

/* create + reset in one call. */
ev_status gz_reader_open_fd(const ev_allocator *alloc, int fd, const gz_options *opt, gz_reader **out,
                            ev_error *err) EV_WUR;
ev_status gz_reader_open_mem(const ev_allocator *alloc, const void *data, size_t len, const gz_options *opt,
                             gz_reader **out, ev_error *err) EV_WUR;

/* Returns the next chunk of decompressed bytes in *ptr / *len (1 <= len <= out_size), or len 0 at
 * the clean end of the object. The chunk is owned by the reader (or, for plain memory objects, is
 * the caller's own buffer) and is valid until the next gz_reader_read or reset/close.
 * Errors (sticky: every later call returns the same error):
 *   EV_ERR_CORRUPT  damage (see the header comment); all bytes decoded before it were returned;
 *   EV_ERR_IO       read(2) failed on the descriptor ("read error at compressed offset N: ...");
 *   EV_ERR_NOMEM    the first descriptor reset could not allocate its input buffer. */
ev_status gz_reader_read(gz_reader *r, const uint8_t **ptr, size_t *len, ev_error *err) EV_WUR;

/* Like gz_reader_read, but decompresses straight into the caller's dst[0..cap) and returns the
 * bytes written in *len (1 <= *len <= cap; 0 at the clean end): no copy for a caller that keeps
 * the bytes in its own buffer (the ETL's line splitter keeps an unfinished line in front of the
 * next chunk). The output window is not used, except to pass a plain object read from a
 * descriptor through (copied). Same errors as gz_reader_read; the two may be mixed on an object. */
ev_status gz_reader_read_into(gz_reader *r, uint8_t *dst, size_t cap, size_t *len, ev_error *err) EV_WUR;

/* Counters and damage of the current object (valid at any time). */
void gz_reader_stats(const gz_reader *r, gz_stats *out);

/* Frees the reader. Accepts NULL. Does not close the descriptor. */
void gz_reader_close(gz_reader *r);

/* A short stable name for a damage kind ("truncated", "checksum", ...). Never NULL. */
const char *gz_damage_name(gz_damage d);

#endif
