/*
 * pq_codec.c: page compression over Debian's libraries: zstd (libzstd), snappy (libsnappy's C API),
 * gzip (libdeflate, whole-buffer; Parquet pages know their uncompressed size) and LZ4_RAW (liblz4,
 * read only). Contexts are reused across pages of a reader or writer.
 */
#include <libdeflate.h>
#include <lz4.h>
#include <snappy-c.h>
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_compressSequences: literals-only blocks, see pq_compress_split */
#include <zstd.h>

#include "pq_int.h"

struct pq_codec_ctx {
    const ev_allocator *alloc;
    ZSTD_CCtx *zc;
    ZSTD_DCtx *zd;
    struct libdeflate_compressor *gz_c;
    int gz_level;
    struct libdeflate_decompressor *gz_d;
    ev_buf alt; /* pq_compress_split's second candidate */
    ZSTD_Sequence *seqs;
    size_t seqs_cap;
};

ev_status pq_codec_ctx_new(const ev_allocator *a, pq_codec_ctx **out) {
    pq_codec_ctx *c = ev_calloc(a, 1, sizeof *c);
    if (!c) return EV_ERR_NOMEM;
    c->alloc = a;
    ev_buf_init(&c->alt, a);
    *out = c;
    return EV_OK;
}

void pq_codec_ctx_free(pq_codec_ctx *c) {
    if (!c) return;
    ZSTD_freeCCtx(c->zc);
    ZSTD_freeDCtx(c->zd);
    if (c->gz_c) libdeflate_free_compressor(c->gz_c);
    if (c->gz_d) libdeflate_free_decompressor(c->gz_d);
    ev_buf_free(&c->alt);
    ev_free(c->alloc, c->seqs, c->seqs_cap * sizeof *c->seqs);
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

/* zstd with the levels and the values in separate blocks (ZSTD_e_flush ends a block). */
static ev_status zstd_two_blocks(pq_codec_ctx *c, int level, const void *src, size_t len, size_t split,
                                 ev_buf *out, ev_error *err) {
    ev_buf_reset(out);
    size_t bound = ZSTD_compressBound(len) + 64;
    EV_TRY(ev_buf_reserve(out, bound));
    size_t r = ZSTD_CCtx_reset(c->zc, ZSTD_reset_session_and_parameters);
    if (!ZSTD_isError(r)) r = ZSTD_CCtx_setParameter(c->zc, ZSTD_c_compressionLevel, level);
    if (!ZSTD_isError(r)) r = ZSTD_CCtx_setPledgedSrcSize(c->zc, len);
    ZSTD_outBuffer ob = {out->data, bound, 0};
    ZSTD_inBuffer a = {src, split, 0}, b = {(const uint8_t *)src + split, len - split, 0};
    while (!ZSTD_isError(r) && (a.pos < a.size || r != 0))
        r = ZSTD_compressStream2(c->zc, &ob, &a, ZSTD_e_flush);
    if (!ZSTD_isError(r)) do
            r = ZSTD_compressStream2(c->zc, &ob, &b, ZSTD_e_end);
        while (!ZSTD_isError(r) && r != 0);
    if (ZSTD_isError(r)) return ev_error_set(err, EV_ERR_INTERNAL, "zstd: %s", ZSTD_getErrorName(r));
    out->len = ob.pos;
    return EV_OK;
}

/* zstd without matches: every block is literals only, Huffman-coded (blocks end at `split` and every
 * 128 KiB). Built with ZSTD_compressSequences from one match-free sequence per block. */
static ev_status zstd_literals(pq_codec_ctx *c, int level, const void *src, size_t len, size_t split,
                               ev_buf *out, ev_error *err) {
    const size_t BLK = ZSTD_BLOCKSIZE_MAX;
    size_t need = len / BLK + 3;
    if (need > c->seqs_cap) {
        ZSTD_Sequence *ns = ev_realloc(c->alloc, c->seqs, c->seqs_cap * sizeof *ns, need * sizeof *ns);
        if (!ns) return ev_error_set(err, EV_ERR_NOMEM, "zstd: out of memory");
        c->seqs = ns;
        c->seqs_cap = need;
    }
    size_t ns = 0;
    size_t parts[2][2] = {{0, split}, {split, len}};
    for (int k = 0; k < 2; k++)
        for (size_t p = parts[k][0]; p < parts[k][1]; p += BLK) {
            size_t n = parts[k][1] - p < BLK ? parts[k][1] - p : BLK;
            c->seqs[ns++] =
                (ZSTD_Sequence){.offset = 0, .litLength = (unsigned)n, .matchLength = 0, .rep = 0};
        }
    ev_buf_reset(out);
    size_t bound = ZSTD_compressBound(len) + 64 + 8 * ns;
    EV_TRY(ev_buf_reserve(out, bound));
    size_t r = ZSTD_CCtx_reset(c->zc, ZSTD_reset_session_and_parameters);
    if (!ZSTD_isError(r)) r = ZSTD_CCtx_setParameter(c->zc, ZSTD_c_compressionLevel, level);
    if (!ZSTD_isError(r))
        r = ZSTD_CCtx_setParameter(c->zc, ZSTD_c_blockDelimiters, ZSTD_sf_explicitBlockDelimiters);
    if (!ZSTD_isError(r)) r = ZSTD_compressSequences(c->zc, out->data, bound, c->seqs, ns, src, len);
    if (ZSTD_isError(r)) return ev_error_set(err, EV_ERR_INTERNAL, "zstd: %s", ZSTD_getErrorName(r));
    out->len = r;
    /* leave the context as ZSTD_compressCCtx expects it */
    ZSTD_CCtx_reset(c->zc, ZSTD_reset_session_and_parameters);
    return EV_OK;
}

ev_status pq_compress_dict(pq_codec_ctx *c, pq_codec codec, int level, const void *src, size_t len,
                           ev_buf *out, ev_error *err) {
    EV_TRY(pq_compress(c, codec, level, src, len, out, err));
    if (codec != PQ_CODEC_ZSTD || len < 4096) return EV_OK;
    ev_buf_reset(&c->alt);
    size_t bound = ZSTD_compressBound(len);
    EV_TRY(ev_buf_reserve(&c->alt, bound));
    size_t r = ZSTD_CCtx_reset(c->zc, ZSTD_reset_session_and_parameters);
    if (!ZSTD_isError(r)) r = ZSTD_CCtx_setParameter(c->zc, ZSTD_c_compressionLevel, level ? level : 3);
    if (!ZSTD_isError(r)) r = ZSTD_CCtx_setParameter(c->zc, ZSTD_c_minMatch, 4);
    if (!ZSTD_isError(r)) r = ZSTD_compress2(c->zc, c->alt.data, bound, src, len);
    if (ZSTD_isError(r)) return ev_error_set(err, EV_ERR_INTERNAL, "zstd: %s", ZSTD_getErrorName(r));
    c->alt.len = r;
    ZSTD_CCtx_reset(c->zc, ZSTD_reset_session_and_parameters);
    if (c->alt.len < out->len) {
        ev_buf t = *out;
        *out = c->alt;
        c->alt = t;
    }
    return EV_OK;
}

ev_status pq_compress_split_mode(pq_codec_ctx *c, pq_codec codec, int level, const void *src, size_t len,
                                 size_t split, int *mode, ev_buf *out, ev_error *err) {
    if (codec != PQ_CODEC_ZSTD || len == 0) return pq_compress(c, codec, level, src, len, out, err);
    if (!c->zc && !(c->zc = ZSTD_createCCtx())) return ev_error_set(err, EV_ERR_NOMEM, "zstd: out of memory");
    if (split > len) split = len;
    level = level ? level : 3;
    if (*mode == PQ_CSPLIT_LITERALS) return zstd_literals(c, level, src, len, split, out, err);
    /* below ~1 KiB on either side a block of its own costs more (headers, tables) than it saves; a
     * literals-only block costs 3 bytes of header when stored raw */
    if (split < 1024 || len - split < 1024)
        EV_TRY(pq_compress(c, codec, level, src, len, out, err));
    else
        EV_TRY(zstd_two_blocks(c, level, src, len, split, out, err));
    if (*mode == PQ_CSPLIT_MATCHES) return EV_OK;
    /* Levels and dictionary codes are short symbols with skewed frequencies and no long repeats:
     * zstd's fast match finders take matches of a few bytes that cost more than the literals they
     * replace (event types a byte each: 2.6 bits each at level 3, 2.0 as Huffman-coded literals,
     * which is their entropy). Literals-only blocks are tried too (~600 MB/s); the smaller wins. */
    EV_TRY(zstd_literals(c, level, src, len, split, &c->alt, err));
    *mode = PQ_CSPLIT_MATCHES;
    if (c->alt.len < out->len) {
        ev_buf t = *out;
        *out = c->alt;
        c->alt = t;
        *mode = PQ_CSPLIT_LITERALS;
    }
    return EV_OK;
}

ev_status pq_compress_split(pq_codec_ctx *c, pq_codec codec, int level, const void *src, size_t len,
                            size_t split, ev_buf *out, ev_error *err) {
    int mode = PQ_CSPLIT_BOTH;
    return pq_compress_split_mode(c, codec, level, src, len, split, &mode, out, err);
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
