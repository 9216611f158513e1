/*
 * gz_writer: gzip output built for parallel, deterministic compression (pigz's scheme on ISA-L).
 *
 * A gzip member is split into fixed chunks. Each chunk is deflated independently, with no history
 * from the previous chunk, and ended with a full flush so it is byte-aligned; only the last chunk
 * carries the final-block bit. Concatenating the chunks in order between one header and one
 * trailer gives a single standard gzip member that any reader (zcat, Python, Athena, DuckDB)
 * accepts, whatever the number of threads that produced the chunks: the bytes depend only on the
 * chunk boundaries and the level. CRCs are computed per chunk and combined.
 *
 * ISA-L (not zlib) because compression is the generator's bottleneck: ISA-L level 1 deflates
 * clickstream JSON several times faster than zlib -1 (bench/bench_gen.c measures it).
 */
#ifndef EV_GZ_WRITER_H
#define EV_GZ_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "ev_alloc.h"
#include "ev_status.h"

#define GZ_HEADER_SIZE 10
#define GZ_TRAILER_SIZE 8

/* A per-thread compressor: owns ISA-L's level buffer. Not shareable between threads. */
typedef struct gz_deflater gz_deflater;

/* level: 0 (fastest) to 3 (ISA-L's best). */
ev_status gz_deflater_create(int level, const ev_allocator *alloc, gz_deflater **out, ev_error *err) EV_WUR;
void gz_deflater_destroy(gz_deflater *d); /* accepts NULL */

/* Appends the raw-deflate segment for `in` to `out` (byte-aligned; final block only if `last`)
 * and stores the CRC-32 of `in` in *crc. */
ev_status gz_deflater_chunk(gz_deflater *d, const uint8_t *in, size_t len, int last, ev_buf *out,
                            uint32_t *crc, ev_error *err) EV_WUR;

/* The 10-byte member header; mtime_sec is recorded (0 = none), OS = Unix. */
void gz_member_header(uint32_t mtime_sec, uint8_t out[GZ_HEADER_SIZE]);
/* The 8-byte trailer: CRC-32 and the uncompressed size modulo 2^32. */
void gz_member_trailer(uint32_t crc, uint64_t total_len, uint8_t out[GZ_TRAILER_SIZE]);
/* CRC-32 of A||B from crc(A), crc(B) and len(B). */
uint32_t gz_crc32_combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b);

#endif
