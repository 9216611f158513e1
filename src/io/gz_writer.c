/* gz_writer.c: chunked deflate on ISA-L and the gzip member framing (see gz_writer.h). */
#include "gz_writer.h"

#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>
#include <string.h>
#include <zlib.h>

struct gz_deflater {
    const ev_allocator *alloc;
    int level;
    uint8_t *level_buf;
    uint32_t level_buf_size;
};

static uint32_t level_buf_size(int level) {
    switch (level) {
    case 1: return ISAL_DEF_LVL1_DEFAULT;
    case 2: return ISAL_DEF_LVL2_DEFAULT;
    case 3: return ISAL_DEF_LVL3_DEFAULT;
    default: return 0;
    }
}

ev_status gz_deflater_create(int level, const ev_allocator *alloc, gz_deflater **out, ev_error *err) {
    *out = NULL;
    if (level < 0 || level > 3)
        return ev_error_set(err, EV_ERR_INPUT, "gzip level %d out of range 0-3", level);
    gz_deflater *d = ev_calloc(alloc, 1, sizeof *d);
    if (!d) return ev_error_set(err, EV_ERR_NOMEM, "out of memory for the gzip compressor");
    d->alloc = alloc;
    d->level = level;
    d->level_buf_size = level_buf_size(level);
    if (d->level_buf_size) {
        d->level_buf = ev_alloc(alloc, d->level_buf_size);
        if (!d->level_buf) {
            ev_free(alloc, d, sizeof *d);
            return ev_error_set(err, EV_ERR_NOMEM, "out of memory for the gzip compressor");
        }
    }
    *out = d;
    return EV_OK;
}

void gz_deflater_destroy(gz_deflater *d) {
    if (!d) return;
    ev_free(d->alloc, d->level_buf, d->level_buf_size);
    ev_free(d->alloc, d, sizeof *d);
}

ev_status gz_deflater_chunk(gz_deflater *d, const uint8_t *in, size_t len, int last, ev_buf *out,
                            uint32_t *crc, ev_error *err) {
    if (len > UINT32_MAX / 2) return ev_error_set(err, EV_ERR_INPUT, "gzip chunk of %zu bytes is too large", len);
    /* Stored blocks cost 5 bytes per 64 KiB; ISA-L falls back to them when data does not compress. */
    size_t bound = len + len / 64 + 1024;
    if (ev_buf_reserve(out, bound) != EV_OK)
        return ev_error_set(err, EV_ERR_NOMEM, "out of memory compressing %zu bytes", len);
    struct isal_zstream zs;
    isal_deflate_stateless_init(&zs);
    zs.level = (uint32_t)d->level;
    zs.level_buf = d->level_buf;
    zs.level_buf_size = d->level_buf_size;
    zs.next_in = (uint8_t *)in;
    zs.avail_in = (uint32_t)len;
    zs.next_out = out->data + out->len;
    zs.avail_out = (uint32_t)bound;
    zs.end_of_stream = last ? 1 : 0;
    zs.flush = last ? NO_FLUSH : FULL_FLUSH;
    zs.gzip_flag = IGZIP_DEFLATE;
    int rc = isal_deflate_stateless(&zs);
    if (rc != COMP_OK || zs.avail_in != 0)
        return ev_error_set(err, EV_ERR_INTERNAL, "ISA-L deflate failed (code %d) on a %zu-byte chunk", rc, len);
    out->len += bound - zs.avail_out;
    *crc = crc32_gzip_refl(0, in, len);
    return EV_OK;
}

void gz_member_header(uint32_t mtime_sec, uint8_t out[GZ_HEADER_SIZE]) {
    out[0] = 0x1f;
    out[1] = 0x8b;
    out[2] = 8; /* deflate */
    out[3] = 0; /* no flags */
    out[4] = (uint8_t)mtime_sec;
    out[5] = (uint8_t)(mtime_sec >> 8);
    out[6] = (uint8_t)(mtime_sec >> 16);
    out[7] = (uint8_t)(mtime_sec >> 24);
    out[8] = 4; /* XFL: fastest compression */
    out[9] = 3; /* OS: Unix */
}

void gz_member_trailer(uint32_t crc, uint64_t total_len, uint8_t out[GZ_TRAILER_SIZE]) {
    uint32_t isize = (uint32_t)total_len;
    for (int i = 0; i < 4; i++) {
        out[i] = (uint8_t)(crc >> (8 * i));
        out[4 + i] = (uint8_t)(isize >> (8 * i));
    }
}

uint32_t gz_crc32_combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b) {
    return (uint32_t)crc32_combine64(crc_a, crc_b, (z_off64_t)len_b);
}
