/*
 * pq_codec.c: page compression over Debian's libraries: zstd (libzstd), snappy (libsnappy's C API),
 * gzip (libdeflate, whole-buffer; Parquet pages know their uncompressed size) and LZ4_RAW (liblz4,
 * read only). Contexts are reused across pages of a reader or writer.
 */
#include <libdeflate.h>
#include <lz4.h>
#include <snappy-c.h>
#include <zstd.h>

#include "pq_int.h"

struct pq_codec_ctx {
    const ev_allocator *alloc;
    ZSTD_CCtx *zc;
    ZSTD_DCtx *zd;
    struct libdeflate_compressor *gz_c;
    int gz_level;
    struct libdeflate_decompressor *gz_d;
};

ev_status pq_codec_ctx_new(const ev_allocator *a, pq_codec_ctx **out) {
    pq_codec_ctx *c = ev_calloc(a, 1, sizeof *c);
    if (!c) return EV_ERR_NOMEM;
    c->alloc = a;
    *out = c;
    return EV_OK;
}

void pq_codec_ctx_free(pq_codec_ctx *c) {
    if (!c) return;
    ZSTD_freeCCtx(c->zc);
    ZSTD_freeDCtx(c->zd);
    if (c->gz_c) libdeflate_free_compressor(c->gz_c);
    if (c->gz_d) libdeflate_free_decompressor(c->gz_d);
    ev_free(c->alloc, c, sizeof *c);
}

ev_status pq_compress(pq_codec_ctx *c, pq_codec codec, int level, const void *src, size_t len, ev_buf *out,
                      ev_error *err) {
    ev_buf_reset(out);
    switch (codec) {
    case PQ_CODEC_UNCOMPRESSED:
        return ev_buf_append(out, src, len);
    case PQ_CODEC_ZSTD: {
        if (!c->zc && !(c->zc = ZSTD_createCCtx()))
            return ev_error_set(err, EV_ERR_NOMEM, "zstd: out of memory");
        size_t bound = ZSTD_compressBound(len);
        EV_TRY(ev_buf_reserve(out, bound));
        size_t n = ZSTD_compressCCtx(c->zc, out->data, bound, src, len, level ? level : 3);
        if (ZSTD_isError(n)) return ev_error_set(err, EV_ERR_INTERNAL, "zstd: %s", ZSTD_getErrorName(n));
        out->len = n;
        return EV_OK;
    }
    case PQ_CODEC_SNAPPY: {
        size_t bound = snappy_max_compressed_length(len);
        EV_TRY(ev_buf_reserve(out, bound));
        size_t n = bound;
        if (snappy_compress(src, len, (char *)out->data, &n) != SNAPPY_OK)
            return ev_error_set(err, EV_ERR_INTERNAL, "snappy: compression failed");
        out->len = n;
        return EV_OK;
    }
    case PQ_CODEC_GZIP: {
        int lv = level ? level : 6;
        if (c->gz_c && c->gz_level != lv) {
            libdeflate_free_compressor(c->gz_c);
            c->gz_c = NULL;
        }
        if (!c->gz_c) {
            if (!(c->gz_c = libdeflate_alloc_compressor(lv)))
                return ev_error_set(err, EV_ERR_INPUT, "gzip: bad level %d", lv);
            c->gz_level = lv;
        }
        size_t bound = libdeflate_gzip_compress_bound(c->gz_c, len);
        EV_TRY(ev_buf_reserve(out, bound));
        size_t n = libdeflate_gzip_compress(c->gz_c, src, len, out->data, bound);
        if (n == 0) return ev_error_set(err, EV_ERR_INTERNAL, "gzip: compression failed");
        out->len = n;
        return EV_OK;
    }
    default:
        return ev_error_set(err, EV_ERR_INPUT, "codec %s cannot be written", pq_codec_name(codec));
    }
}

ev_status pq_decompress(pq_codec_ctx *c, pq_codec codec, const void *src, size_t len, void *dst,
                        size_t dst_len, const char *where, ev_error *err) {
    switch (codec) {
    case PQ_CODEC_UNCOMPRESSED:
        if (len != dst_len)
            return ev_error_set(err, EV_ERR_CORRUPT, "%s: uncompressed page of %zu bytes claims %zu", where,
                                len, dst_len);
        memcpy(dst, src, len);
        return EV_OK;
    case PQ_CODEC_ZSTD: {
        if (!c->zd && !(c->zd = ZSTD_createDCtx()))
            return ev_error_set(err, EV_ERR_NOMEM, "zstd: out of memory");
        size_t n = ZSTD_decompressDCtx(c->zd, dst, dst_len, src, len);
        if (ZSTD_isError(n))
            return ev_error_set(err, EV_ERR_CORRUPT, "%s: zstd: %s", where, ZSTD_getErrorName(n));
        if (n != dst_len)
            return ev_error_set(err, EV_ERR_CORRUPT, "%s: zstd gave %zu bytes, the header says %zu", where, n,
                                dst_len);
        return EV_OK;
    }
    case PQ_CODEC_SNAPPY: {
        size_t n;
        if (snappy_uncompressed_length(src, len, &n) != SNAPPY_OK || n != dst_len)
            return ev_error_set(err, EV_ERR_CORRUPT, "%s: snappy: bad data or size (header says %zu)", where,
                                dst_len);
        if (snappy_uncompress(src, len, dst, &n) != SNAPPY_OK || n != dst_len)
            return ev_error_set(err, EV_ERR_CORRUPT, "%s: snappy: corrupt data", where);
        return EV_OK;
    }
    case PQ_CODEC_GZIP: {
        if (!c->gz_d && !(c->gz_d = libdeflate_alloc_decompressor()))
            return ev_error_set(err, EV_ERR_NOMEM, "gzip: out of memory");
        size_t n = 0;
        enum libdeflate_result r = libdeflate_gzip_decompress(c->gz_d, src, len, dst, dst_len, &n);
        if (r != LIBDEFLATE_SUCCESS || n != dst_len)
            return ev_error_set(err, EV_ERR_CORRUPT, "%s: gzip: corrupt data or wrong size (header says %zu)",
                                where, dst_len);
        return EV_OK;
    }
    case PQ_CODEC_LZ4_RAW: {
        if (len > INT32_MAX || dst_len > INT32_MAX)
            return ev_error_set(err, EV_ERR_CORRUPT, "%s: lz4 page too big", where);
        int n = LZ4_decompress_safe(src, dst, (int)len, (int)dst_len);
        if (n < 0 || (size_t)n != dst_len)
            return ev_error_set(err, EV_ERR_CORRUPT,
                                "%s: lz4_raw: corrupt data or wrong size (header says %zu)", where, dst_len);
        return EV_OK;
    }
    default:
        return ev_error_set(err, EV_ERR_UNSUPPORTED, "%s: codec %s is not supported", where,
                            pq_codec_name(codec));
    }
}
