/* test_gz_reader.c: gzip reader on data built with zlib: exact bytes at every buffer split,
 * multi-member, empty members and objects, every kind of damage with its exact message, plain
 * pass-through, descriptors, read errors and allocation failures. */
#include "test_util.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "ev_fs.h"
#include "gz_reader.h"

/* ---- helpers ---- */

/* Appends one gzip member of `data` (zlib, gzip wrapper) to `out`. */
static void gz_member(ev_buf *out, const void *data, size_t len, int level) {
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    assert_int_equal(deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    uLong bound = deflateBound(&zs, (uLong)len) + 64;
    assert_int_equal(ev_buf_reserve(out, bound), EV_OK);
    zs.next_in = (Bytef *)data;
    zs.avail_in = (uInt)len;
    zs.next_out = out->data + out->len;
    zs.avail_out = (uInt)bound;
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    out->len += zs.total_out;
    deflateEnd(&zs);
}

/* Appends a raw deflate stream (no wrapper). */
static void raw_deflate(ev_buf *out, const void *data, size_t len) {
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
    uLong bound = deflateBound(&zs, (uLong)len) + 64;
    assert_int_equal(ev_buf_reserve(out, bound), EV_OK);
    zs.next_in = (Bytef *)data;
    zs.avail_in = (uInt)len;
    zs.next_out = out->data + out->len;
    zs.avail_out = (uInt)bound;
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    out->len += zs.total_out;
    deflateEnd(&zs);
}

static void put32le(ev_buf *b, uint32_t v) {
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    assert_int_equal(ev_buf_append(b, x, 4), EV_OK);
}

/* JSON-lines-like text with long-distance repeats (back-references across output windows). */
static void make_text(ev_buf *b, size_t approx, uint32_t seed) {
    uint32_t x = seed;
    while (b->len < approx) {
        x = x * 1103515245u + 12345u;
        assert_int_equal(ev_buf_printf(b,
                                       "{\"timestamp\": \"2025-11-19T17:%02u:%02u.%06u+00:00\", \"user_id\": "
                                       "\"u_%05u\", \"event_type\": \"page_view\", \"price\": %u.%02u}\n",
                                       (x >> 8) % 60, (x >> 14) % 60, x % 1000000, 10000 + (x >> 3) % 90000,
                                       (x >> 5) % 300, x % 100),
                         EV_OK);
    }
}

/* Reads the whole object; returns the final status, the bytes in `out`, the error in `err`.
 * Clobbers every chunk after copying it, to prove the reader keeps no history in its window. */
static ev_status drain(gz_reader *r, ev_buf *out, ev_error *err, size_t max_chunk) {
    for (;;) {
        const uint8_t *p;
        size_t n;
        ev_status st = gz_reader_read(r, &p, &n, err);
        if (st != EV_OK) {
            assert_null(p);
            assert_int_equal(n, 0);
            return st;
        }
        if (n == 0) return EV_OK;
        assert_non_null(p);
        if (max_chunk) assert_true(n <= max_chunk);
        assert_int_equal(ev_buf_append(out, p, n), EV_OK);
        memset((void *)p, 0xAA, n);
    }
}

static ev_status read_mem(const void *data, size_t len, const gz_options *opt, ev_buf *out, ev_error *err,
                          gz_stats *stats) {
    gz_reader *r;
    assert_int_equal(gz_reader_open_mem(NULL, data, len, opt, &r, err), EV_OK);
    ev_status st = drain(r, out, err, opt && opt->out_size ? opt->out_size : (1u << 20));
    if (stats) gz_reader_stats(r, stats);
    /* sticky: the end or the error repeats */
    const uint8_t *p;
    size_t n;
    ev_error err2;
    assert_int_equal(gz_reader_read(r, &p, &n, &err2), st);
    assert_int_equal(n, 0);
    if (st != EV_OK) assert_string_equal(err2.msg, err->msg);
    gz_reader_close(r);
    return st;
}

/* drain() through gz_reader_read_into with a caller buffer of `cap` bytes; `mix` alternates it
 * with gz_reader_read (the two may be mixed on one object). */
static ev_status drain_into(gz_reader *r, ev_buf *out, ev_error *err, size_t cap, int mix) {
    uint8_t *dst = malloc(cap);
    assert_non_null(dst);
    ev_status st;
    for (int i = 0;; i++) {
        size_t n;
        if (mix && i % 2) {
            const uint8_t *p;
            st = gz_reader_read(r, &p, &n, err);
            if (st == EV_OK && n) assert_int_equal(ev_buf_append(out, p, n), EV_OK);
        } else {
            memset(dst, 0x55, cap);
            st = gz_reader_read_into(r, dst, cap, &n, err);
            if (st == EV_OK) assert_true(n <= cap);
            if (st == EV_OK && n) assert_int_equal(ev_buf_append(out, dst, n), EV_OK);
        }
        if (st != EV_OK) {
            assert_int_equal(n, 0);
            break;
        }
        if (n == 0) break;
    }
    free(dst);
    return st;
}

/* Writes `data` to a temporary file and returns an open descriptor on it. */
static int temp_fd(const void *data, size_t len) {
    char path[] = "/tmp/evlake-test-gz-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    assert_int_equal(ev_write_all(fd, data, len), 0);
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    return fd;
}

/* ---- tests ---- */

static void test_roundtrip_default(void **state) {
    (void)state;
    ev_buf text, gz, out;
    ev_buf_init(&text, NULL);
    ev_buf_init(&gz, NULL);
    ev_buf_init(&out, NULL);
    make_text(&text, 3u << 20, 1);
    gz_member(&gz, text.data, text.len, 6);
    ev_error err;
    gz_stats s;
    assert_int_equal(read_mem(gz.data, gz.len, NULL, &out, &err, &s), EV_OK);
    assert_int_equal(out.len, text.len);
    assert_memory_equal(out.data, text.data, text.len);
    assert_int_equal(s.members, 1);
    assert_int_equal(s.bytes_in, gz.len);
    assert_int_equal(s.bytes_out, text.len);
    assert_int_equal(s.damage, GZ_DAMAGE_NONE);
    assert_int_equal(s.plain, 0);
    ev_buf_free(&text);
    ev_buf_free(&gz);
    ev_buf_free(&out);
}

/* Every small input split and output window, from memory and from a descriptor, over three members
 * (one of them empty): the bytes are exact and the member boundaries fall everywhere. */
static void test_small_buffers_multi_member(void **state) {
    (void)state;
    ev_buf a, b, gz, want;
    ev_buf_init(&a, NULL);
    ev_buf_init(&b, NULL);
    ev_buf_init(&gz, NULL);
    ev_buf_init(&want, NULL);
    make_text(&a, 40000, 2);
    make_text(&b, 7000, 3);
    gz_member(&gz, a.data, a.len, 9);
    gz_member(&gz, "", 0, 6);
    gz_member(&gz, b.data, b.len, 1);
    assert_int_equal(ev_buf_append(&want, a.data, a.len), EV_OK);
    assert_int_equal(ev_buf_append(&want, b.data, b.len), EV_OK);
    size_t in_sizes[] = {2, 3, 7, 64, 1000, 65536};
    size_t out_sizes[] = {1, 5, 333, 4096, 100000};
    for (size_t i = 0; i < sizeof in_sizes / sizeof *in_sizes; i++) {
        for (size_t o = 0; o < sizeof out_sizes / sizeof *out_sizes; o++) {
            gz_options opt = {in_sizes[i], out_sizes[o], 0};
            ev_buf out;
            ev_buf_init(&out, NULL);
            ev_error err;
            gz_stats s;
            /* memory */
            assert_int_equal(read_mem(gz.data, gz.len, &opt, &out, &err, &s), EV_OK);
            assert_int_equal(out.len, want.len);
            assert_memory_equal(out.data, want.data, want.len);
            assert_int_equal(s.members, 3);
            assert_int_equal(s.bytes_in, gz.len);
            /* descriptor */
            ev_buf_reset(&out);
            int fd = temp_fd(gz.data, gz.len);
            gz_reader *r;
            assert_int_equal(gz_reader_open_fd(NULL, fd, &opt, &r, &err), EV_OK);
            assert_int_equal(drain(r, &out, &err, out_sizes[o]), EV_OK);
            gz_reader_stats(r, &s);
            assert_int_equal(out.len, want.len);
            assert_memory_equal(out.data, want.data, want.len);
            assert_int_equal(s.members, 3);
            assert_int_equal(s.bytes_in, gz.len);
            assert_int_equal(s.bytes_out, want.len);
            gz_reader_close(r);
            close(fd);
            ev_buf_free(&out);
        }
    }
    ev_buf_free(&a);
    ev_buf_free(&b);
    ev_buf_free(&gz);
    ev_buf_free(&want);
}

static void test_empty_object_and_empty_member(void **state) {
    (void)state;
    ev_buf out, gz;
    ev_buf_init(&out, NULL);
    ev_buf_init(&gz, NULL);
    ev_error err;
    gz_stats s;
    assert_int_equal(read_mem("", 0, NULL, &out, &err, &s), EV_OK);
    assert_int_equal(out.len, 0);
    assert_int_equal(s.members, 0);
    assert_int_equal(s.bytes_in, 0);
    assert_int_equal(read_mem(NULL, 0, NULL, &out, &err, &s), EV_OK);
    /* an empty descriptor */
    int fd = temp_fd("", 0);
    gz_reader *r;
    assert_int_equal(gz_reader_open_fd(NULL, fd, NULL, &r, &err), EV_OK);
    assert_int_equal(drain(r, &out, &err, 0), EV_OK);
    assert_int_equal(out.len, 0);
    gz_reader_close(r);
    close(fd);
    /* a gzip member of nothing */
    gz_member(&gz, "", 0, 6);
    assert_int_equal(read_mem(gz.data, gz.len, NULL, &out, &err, &s), EV_OK);
    assert_int_equal(out.len, 0);
    assert_int_equal(s.members, 1);
    assert_int_equal(s.bytes_in, gz.len);
    ev_buf_free(&out);
    ev_buf_free(&gz);
}

/* A truncated member: everything before the cut is delivered, then the exact message. */
static void test_truncated(void **state) {
    (void)state;
    ev_buf text, gz, out;
    ev_buf_init(&text, NULL);
    ev_buf_init(&gz, NULL);
    ev_buf_init(&out, NULL);
    make_text(&text, 200000, 4);
    gz_member(&gz, text.data, text.len, 6);
    size_t m1 = gz.len;
    gz_member(&gz, text.data, text.len, 6);
    ev_error err;
    gz_stats s;

    /* cut in the middle of the second member */
    size_t cut = m1 + (gz.len - m1) / 2;
    assert_int_equal(read_mem(gz.data, cut, NULL, &out, &err, &s), EV_ERR_CORRUPT);
    char want[256];
    assert_true(out.len > text.len && out.len < 2 * text.len);
    assert_memory_equal(out.data, text.data, text.len);
    assert_memory_equal(out.data + text.len, text.data, out.len - text.len);
    snprintf(
        want, sizeof want,
        "truncated gzip member at compressed offset %zu: the input ends at offset %zu inside member 2 (%zu "
        "bytes decoded from it)",
        m1, cut, out.len - text.len);
    assert_string_equal(err.msg, want);
    assert_int_equal(s.damage, GZ_DAMAGE_TRUNCATED);
    assert_int_equal(s.damage_offset, m1);
    assert_int_equal(s.members, 1);
    assert_int_equal(s.bytes_out, out.len);
    assert_string_equal(gz_damage_name(s.damage), "truncated");

    /* only the trailer is missing: every byte is delivered, the member is still reported cut */
    ev_buf_reset(&out);
    assert_int_equal(read_mem(gz.data, m1 - 8, NULL, &out, &err, &s), EV_ERR_CORRUPT);
    assert_int_equal(out.len, text.len);
    assert_memory_equal(out.data, text.data, text.len);
    snprintf(
        want, sizeof want,
        "truncated gzip member at compressed offset 0: the input ends at offset %zu inside member 1 (%zu "
        "bytes decoded from it)",
        m1 - 8, text.len);
    assert_string_equal(err.msg, want);

    /* every cut point of a small member, through a descriptor with a tiny input buffer too */
    ev_buf small;
    ev_buf_init(&small, NULL);
    gz_member(&small, "hello, world\n", 13, 6);
    for (size_t c = 1; c < small.len; c++) {
        ev_buf_reset(&out);
        assert_int_equal(read_mem(small.data, c, NULL, &out, &err, &s), EV_ERR_CORRUPT);
        assert_int_equal(s.damage, GZ_DAMAGE_TRUNCATED);
        assert_true(out.len <= 13);
        assert_memory_equal(out.data, "hello, world\n", out.len);
        assert_non_null(
            strstr(err.msg, "truncated gzip member at compressed offset 0: the input ends at offset"));
        gz_options opt = {2, 4, 0};
        int fd = temp_fd(small.data, c);
        gz_reader *r;
        ev_buf_reset(&out);
        assert_int_equal(gz_reader_open_fd(NULL, fd, &opt, &r, &err), EV_OK);
        assert_int_equal(drain(r, &out, &err, 4), EV_ERR_CORRUPT);
        gz_reader_stats(r, &s);
        assert_int_equal(s.damage, GZ_DAMAGE_TRUNCATED);
        assert_memory_equal(out.data, "hello, world\n", out.len);
        gz_reader_close(r);
        close(fd);
    }
    /* one stray magic byte after a member */
    ev_buf_reset(&out);
    assert_int_equal(ev_buf_append(&small, "\x1f", 1), EV_OK);
    assert_int_equal(read_mem(small.data, small.len, NULL, &out, &err, &s), EV_ERR_CORRUPT);
    snprintf(
        want, sizeof want,
        "truncated gzip member at compressed offset %zu: the input ends at offset %zu inside member 2 (0 "
        "bytes decoded from it)",
        small.len - 1, small.len);
    assert_string_equal(err.msg, want);
    assert_int_equal(out.len, 13);
    ev_buf_free(&small);
    ev_buf_free(&text);
    ev_buf_free(&gz);
    ev_buf_free(&out);
}

static void test_garbage_after_last_member(void **state) {
    (void)state;
    ev_buf gz, out;
    ev_buf_init(&gz, NULL);
    ev_buf_init(&out, NULL);
    gz_member(&gz, "a\nb\n", 4, 6);
    size_t m = gz.len;
    assert_int_equal(ev_buf_append(&gz, "GARBAGE!", 8), EV_OK);
    ev_error err;
    gz_stats s;
    char want[256];
    snprintf(want, sizeof want,
             "garbage after the last gzip member: 8 bytes at compressed offset %zu (starting 47 41) are not "
             "a gzip "
             "member",
             m);
    assert_int_equal(read_mem(gz.data, gz.len, NULL, &out, &err, &s), EV_ERR_CORRUPT);
    assert_string_equal(err.msg, want);
    assert_int_equal(out.len, 4);
    assert_memory_equal(out.data, "a\nb\n", 4);
    assert_int_equal(s.damage, GZ_DAMAGE_GARBAGE);
    assert_int_equal(s.damage_offset, m);
    assert_int_equal(s.members, 1);
    /* the same through a descriptor with a 3-byte input buffer: the count is still exact */
    gz_options opt = {3, 0, 0};
    int fd = temp_fd(gz.data, gz.len);
    gz_reader *r;
    ev_buf_reset(&out);
    assert_int_equal(gz_reader_open_fd(NULL, fd, &opt, &r, &err), EV_OK);
    assert_int_equal(drain(r, &out, &err, 0), EV_ERR_CORRUPT);
    assert_string_equal(err.msg, want);
    assert_int_equal(out.len, 4);
    gz_reader_close(r);
    close(fd);
    /* a single trailing zero byte */
    gz.len = m;
    assert_int_equal(ev_buf_append(&gz, "\0", 1), EV_OK);
    ev_buf_reset(&out);
    assert_int_equal(read_mem(gz.data, gz.len, NULL, &out, &err, &s), EV_ERR_CORRUPT);
    snprintf(want, sizeof want,
             "garbage after the last gzip member: 1 byte (00) at compressed offset %zu is not a gzip member",
             m);
    assert_string_equal(err.msg, want);
    ev_buf_free(&gz);
    ev_buf_free(&out);
}

static void test_checksum_and_size_mismatch(void **state) {
    (void)state;
    ev_buf text, gz, out;
    ev_buf_init(&text, NULL);
    ev_buf_init(&gz, NULL);
    ev_buf_init(&out, NULL);
    make_text(&text, 10000, 5);
    gz_member(&gz, "first\n", 6, 6);
    size_t m1 = gz.len;
    gz_member(&gz, text.data, text.len, 6);
    ev_error err;
    gz_stats s;
    char want[256];
    for (int which = 0; which < 2; which++) {
        size_t at = which == 0 ? gz.len - 8 : gz.len - 4; /* CRC-32, then ISIZE */
        gz.data[at] ^= 0x01;
        ev_buf_reset(&out);
        assert_int_equal(read_mem(gz.data, gz.len, NULL, &out, &err, &s), EV_ERR_CORRUPT);
        snprintf(
            want, sizeof want,
            "gzip checksum mismatch (CRC-32 or length in the trailer) in member 2 at compressed offset %zu, "
            "detected near offset %zu",
            m1, gz.len);
        assert_string_equal(err.msg, want);
        assert_int_equal(s.damage, GZ_DAMAGE_CHECKSUM);
        assert_int_equal(s.damage_offset, m1);
        assert_int_equal(s.members, 1);
        /* the member's bytes were streamed before its trailer could be checked */
        assert_int_equal(out.len, 6 + text.len);
        gz.data[at] ^= 0x01;
    }
    ev_buf_reset(&out);
    assert_int_equal(read_mem(gz.data, gz.len, NULL, &out, &err, &s), EV_OK);
    ev_buf_free(&text);
    ev_buf_free(&gz);
    ev_buf_free(&out);
}

static void test_corrupt_deflate_data(void **state) {
    (void)state;
    ev_buf gz, out;
    ev_buf_init(&gz, NULL);
    ev_buf_init(&out, NULL);
    gz_member(&gz, "ok\n", 3, 6);
    size_t m1 = gz.len;
    /* a header, then a block with the reserved type 3 */
    static const uint8_t bad[] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0x07, 0, 0, 0, 0, 0, 0, 0, 0};
    assert_int_equal(ev_buf_append(&gz, bad, sizeof bad), EV_OK);
    ev_error err;
    gz_stats s;
    assert_int_equal(read_mem(gz.data, gz.len, NULL, &out, &err, &s), EV_ERR_CORRUPT);
    assert_int_equal(out.len, 3);
    assert_int_equal(s.damage, GZ_DAMAGE_CORRUPT);
    assert_int_equal(s.damage_offset, m1);
    char want[128];
    snprintf(want, sizeof want,
             "corrupt gzip member 2 at compressed offset %zu: invalid deflate block near offset", m1);
    assert_memory_equal(err.msg, want, strlen(want));
    /* a method other than deflate */
    static const uint8_t meth[] = {0x1f, 0x8b, 7, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    ev_buf_reset(&out);
    assert_int_equal(read_mem(meth, sizeof meth, NULL, &out, &err, &s), EV_ERR_CORRUPT);
    assert_int_equal(s.damage, GZ_DAMAGE_CORRUPT);
    assert_string_equal(
        err.msg, "corrupt gzip member 1 at compressed offset 0: compression method 7 is not deflate (8)");
    ev_buf_free(&gz);
    ev_buf_free(&out);
}

/* FEXTRA, FNAME, FCOMMENT and FHCRC in a hand-built header: all skipped. */
static void test_header_fields(void **state) {
    (void)state;
    ev_buf gz, out;
    ev_buf_init(&gz, NULL);
    ev_buf_init(&out, NULL);
    const char *text = "{\"a\": 1}\n{\"a\": 2}\n";
    size_t len = strlen(text);
    uint8_t hdr[10] = {0x1f, 0x8b, 8, 0x04 | 0x08 | 0x10 | 0x02, 0, 0, 0, 0, 0, 3};
    assert_int_equal(ev_buf_append(&gz, hdr, 10), EV_OK);
    assert_int_equal(ev_buf_append(&gz,
                                   "\x05\x00"
                                   "ab\x03\x00z",
                                   7),
                     EV_OK);                                         /* XLEN 5, one subfield */
    assert_int_equal(ev_buf_append(&gz, "events.jsonl", 13), EV_OK); /* with its NUL */
    assert_int_equal(ev_buf_append(&gz, "a comment", 10), EV_OK);
    uint32_t hcrc = (uint32_t)crc32(0, gz.data, (uInt)gz.len);
    uint8_t h2[2] = {(uint8_t)hcrc, (uint8_t)(hcrc >> 8)};
    assert_int_equal(ev_buf_append(&gz, h2, 2), EV_OK);
    raw_deflate(&gz, text, len);
    put32le(&gz, (uint32_t)crc32(0, (const Bytef *)text, (uInt)len));
    put32le(&gz, (uint32_t)len);
    ev_error err;
    gz_stats s;
    for (size_t in = 2; in < 60; in += 1) {
        gz_options opt = {in, 7, 0};
        ev_buf_reset(&out);
        int fd = temp_fd(gz.data, gz.len);
        gz_reader *r;
        assert_int_equal(gz_reader_open_fd(NULL, fd, &opt, &r, &err), EV_OK);
        ev_status st = drain(r, &out, &err, 7);
        assert_int_equal(st, EV_OK);
        gz_reader_stats(r, &s);
        assert_int_equal(out.len, len);
        assert_memory_equal(out.data, text, len);
        assert_int_equal(s.members, 1);
        gz_reader_close(r);
        close(fd);
    }
    /* a wrong header CRC-16, then reserved flag bits */
    gz.data[40] ^= 0xff;
    ev_buf_reset(&out);
    assert_int_equal(read_mem(gz.data, gz.len, NULL, &out, &err, &s), EV_ERR_CORRUPT);
    char want[160];
    snprintf(
        want, sizeof want,
        "corrupt gzip member 1 at compressed offset 0: gzip header checksum mismatch (stored %04x, computed "
        "%04x)",
        (unsigned)((hcrc & 0xffff) ^ 0xff), (unsigned)(hcrc & 0xffff));
    assert_string_equal(err.msg, want);
    assert_int_equal(s.damage, GZ_DAMAGE_CORRUPT);
    assert_int_equal(out.len, 0);
    gz.data[40] ^= 0xff;
    gz.data[3] |= 0x80;
    assert_int_equal(read_mem(gz.data, gz.len, NULL, &out, &err, &s), EV_ERR_CORRUPT);
    assert_string_equal(
        err.msg,
        "corrupt gzip member 1 at compressed offset 0: invalid gzip header (reserved flag bits 80 set)");
    ev_buf_free(&gz);
    ev_buf_free(&out);
}

static void test_not_gzip_and_plain(void **state) {
    (void)state;
    ev_buf out;
    ev_buf_init(&out, NULL);
    ev_error err;
    gz_stats s;
    const char *json = "{\"a\": 1}\n";
    assert_int_equal(read_mem(json, strlen(json), NULL, &out, &err, &s), EV_ERR_CORRUPT);
    assert_string_equal(
        err.msg, "not gzip data: the object starts with bytes 7b 22 at compressed offset 0, not the gzip "
                 "magic 1f 8b");
    assert_int_equal(s.damage, GZ_DAMAGE_NOT_GZIP);
    assert_int_equal(out.len, 0);
    assert_int_equal(read_mem("x", 1, NULL, &out, &err, &s), EV_ERR_CORRUPT);
    assert_string_equal(err.msg,
                        "not gzip data: the 1-byte object (78) does not start with the gzip magic 1f 8b");
    assert_int_equal(read_mem("\x1f", 1, NULL, &out, &err, &s), EV_ERR_CORRUPT);
    assert_string_equal(err.msg,
                        "truncated gzip member at compressed offset 0: the input ends at offset 1 inside "
                        "member 1 (0 bytes decoded from it)");
    /* zlib wrapper (not gzip) */
    assert_int_equal(read_mem("\x78\x9c\x03\x00\x00\x00\x00\x01", 8, NULL, &out, &err, &s), EV_ERR_CORRUPT);
    assert_int_equal(s.damage, GZ_DAMAGE_NOT_GZIP);

    /* allow_plain: the bytes as they are, memory in out_size pieces, descriptor */
    gz_options opt = {0, 4, 1};
    char copy[16]; /* plain memory is returned zero-copy, and drain() scribbles on chunks */
    memcpy(copy, json, strlen(json));
    ev_buf_reset(&out);
    assert_int_equal(read_mem(copy, strlen(json), &opt, &out, &err, &s), EV_OK);
    assert_int_equal(out.len, strlen(json));
    assert_memory_equal(out.data, json, out.len);
    assert_int_equal(s.plain, 1);
    assert_int_equal(s.bytes_in, strlen(json));
    assert_int_equal(s.bytes_out, strlen(json));
    ev_buf big;
    ev_buf_init(&big, NULL);
    make_text(&big, 300000, 9);
    gz_options opt2 = {1000, 777, 1};
    int fd = temp_fd(big.data, big.len);
    gz_reader *r;
    ev_buf_reset(&out);
    assert_int_equal(gz_reader_open_fd(NULL, fd, &opt2, &r, &err), EV_OK);
    assert_int_equal(drain(r, &out, &err, 1000), EV_OK);
    gz_reader_stats(r, &s);
    assert_int_equal(out.len, big.len);
    assert_memory_equal(out.data, big.data, big.len);
    assert_int_equal(s.bytes_out, big.len);
    assert_int_equal(s.plain, 1);
    gz_reader_close(r);
    close(fd);
    ev_buf_free(&big);
    ev_buf_free(&out);
}

/* One reader, many objects: statistics and state restart, no leftovers. */
static void test_reuse_reader(void **state) {
    (void)state;
    ev_buf gz1, gz2, out;
    ev_buf_init(&gz1, NULL);
    ev_buf_init(&gz2, NULL);
    ev_buf_init(&out, NULL);
    gz_member(&gz1, "one\n", 4, 6);
    gz_member(&gz2, "two\nthree\n", 10, 6);
    gz_reader *r;
    ev_error err;
    gz_stats s;
    assert_int_equal(gz_reader_create(NULL, NULL, &r, &err), EV_OK);
    const uint8_t *p;
    size_t n;
    assert_int_equal(gz_reader_read(r, &p, &n, &err), EV_OK); /* no source yet: an empty stream */
    assert_int_equal(n, 0);
    gz_reader_reset_mem(r, "junk", 4);
    assert_int_equal(drain(r, &out, &err, 0), EV_ERR_CORRUPT);
    for (int i = 0; i < 3; i++) {
        ev_buf_reset(&out);
        gz_reader_reset_mem(r, gz1.data, gz1.len);
        assert_int_equal(drain(r, &out, &err, 0), EV_OK);
        assert_int_equal(out.len, 4);
        ev_buf_reset(&out);
        int fd = temp_fd(gz2.data, gz2.len);
        gz_reader_reset_fd(r, fd);
        assert_int_equal(drain(r, &out, &err, 0), EV_OK);
        gz_reader_stats(r, &s);
        assert_int_equal(out.len, 10);
        assert_memory_equal(out.data, "two\nthree\n", 10);
        assert_int_equal(s.bytes_in, gz2.len);
        assert_int_equal(s.bytes_out, 10);
        assert_int_equal(s.members, 1);
        close(fd);
    }
    gz_reader_close(r);
    gz_reader_close(NULL);
    ev_buf_free(&gz1);
    ev_buf_free(&gz2);
    ev_buf_free(&out);
}

static void test_read_error_and_nomem(void **state) {
    (void)state;
    ev_error err;
    int fd = open("/", O_RDONLY | O_DIRECTORY);
    assert_true(fd >= 0);
    gz_reader *r;
    assert_int_equal(gz_reader_open_fd(NULL, fd, NULL, &r, &err), EV_OK);
    const uint8_t *p;
    size_t n;
    assert_int_equal(gz_reader_read(r, &p, &n, &err), EV_ERR_IO);
    assert_string_equal(err.msg, "read error at compressed offset 0: Is a directory");
    gz_reader_close(r);
    close(fd);

    for (size_t budget = 0; budget < 3; budget++) {
        ev_limit_allocator lim;
        ev_limit_allocator_init(&lim, NULL, budget, 0);
        ev_status st = gz_reader_open_fd(&lim.iface, 0, NULL, &r, &err);
        assert_int_equal(st, EV_ERR_NOMEM); /* reader, window, then input buffer */
        assert_null(r);
        assert_non_null(strstr(err.msg, "out of memory"));
        assert_int_equal(lim.live_bytes, 0);
    }
    ev_limit_allocator lim;
    ev_limit_allocator_init(&lim, NULL, SIZE_MAX, 1u << 20); /* 1 MiB: the default window is too big */
    assert_int_equal(gz_reader_create(&lim.iface, NULL, &r, &err), EV_ERR_NOMEM);
    assert_string_equal(err.msg, "out of memory allocating a 1048576-byte gzip output window");
    assert_int_equal(lim.live_bytes, 0);
}

/* Output from the system's gzip tool (another producer), multi-member via `cat`. */
/* gz_reader_read_into gives the bytes, statistics and damage messages gz_reader_read gives, for
 * every caller buffer size, gzip or plain, memory or descriptor, mixed with gz_reader_read. */
static void test_read_into(void **state) {
    (void)state;
    ev_buf text, gz, want, got;
    ev_buf_init(&text, NULL);
    ev_buf_init(&gz, NULL);
    ev_buf_init(&want, NULL);
    ev_buf_init(&got, NULL);
    make_text(&text, 300000, 12);
    gz_member(&gz, text.data, text.len, 6);
    gz_member(&gz, "", 0, 6);
    gz_member(&gz, text.data, 1000, 1);
    size_t whole = gz.len;
    const size_t caps[] = {1, 7, 4096, 65536, 1u << 20};
    /* plain memory is returned zero-copy and drain() scribbles on chunks: a copy, restored per read */
    uint8_t *plain = malloc(text.len);
    assert_non_null(plain);
    /* whole, truncated in the last member, trailing garbage, plain text */
    for (int obj = 0; obj < 4; obj++) {
        const uint8_t *data = obj == 3 ? plain : gz.data;
        size_t len = obj == 0 ? whole : obj == 1 ? whole - 300 : obj == 2 ? whole : text.len;
        if (obj == 2) assert_int_equal(ev_buf_append(&gz, "junk", 4), EV_OK), len = gz.len;
        for (int fd_source = 0; fd_source < 2; fd_source++) {
            gz_options opt = {fd_source ? 5000 : 0, 3000, 1};
            ev_error err1, err2;
            gz_stats s1, s2;
            gz_reader *r;
            int fd = fd_source ? temp_fd(data, len) : -1;
            ev_buf_reset(&want);
            memcpy(plain, text.data, text.len);
            if (fd_source) assert_int_equal(gz_reader_open_fd(NULL, fd, &opt, &r, &err1), EV_OK);
            else assert_int_equal(gz_reader_open_mem(NULL, data, len, &opt, &r, &err1), EV_OK);
            ev_status st1 = drain(r, &want, &err1, 0);
            gz_reader_stats(r, &s1);
            for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++) {
                for (int mix = 0; mix < 2; mix++) {
                    ev_buf_reset(&got);
                    if (fd_source) {
                        assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
                        gz_reader_reset_fd(r, fd);
                    } else {
                        memcpy(plain, text.data, text.len);
                        gz_reader_reset_mem(r, data, len);
                    }
                    ev_status st2 = drain_into(r, &got, &err2, caps[c], mix);
                    gz_reader_stats(r, &s2);
                    assert_int_equal(st2, st1);
                    assert_int_equal(got.len, want.len);
                    assert_memory_equal(got.data, want.data, want.len);
                    if (st1 != EV_OK) assert_string_equal(err2.msg, err1.msg);
                    assert_int_equal(s2.bytes_out, s1.bytes_out);
                    assert_int_equal(s2.bytes_in, s1.bytes_in);
                    assert_int_equal(s2.members, s1.members);
                    assert_int_equal(s2.damage, s1.damage);
                    assert_int_equal(s2.plain, s1.plain);
                }
            }
            assert_int_equal(st1, obj == 0 || obj == 3 ? EV_OK : EV_ERR_CORRUPT);
            if (obj != 1) assert_int_equal(want.len, obj == 3 ? text.len : text.len + 1000);
            gz_reader_close(r);
            if (fd_source) close(fd);
        }
    }
    free(plain);
    ev_buf_free(&text);
    ev_buf_free(&gz);
    ev_buf_free(&want);
    ev_buf_free(&got);
}

static void test_gzip_tool_output(void **state) {
    (void)state;
    char dir[256];
    tu_mkdtemp(dir, "gz");
    ev_buf out, err_out, want, gz;
    ev_buf_init(&out, NULL);
    ev_buf_init(&err_out, NULL);
    ev_buf_init(&want, NULL);
    ev_buf_init(&gz, NULL);
    int rc =
        tu_run_sh(&out, &err_out,
                  "cd %s && printf 'line one\\nline two' > a && printf '\\r\\nthird\\r\\n' > b && gzip -9 a "
                  "&& gzip -1 -n b && cat a.gz b.gz > ab.gz",
                  dir);
    assert_int_equal(rc, 0);
    char path[300];
    snprintf(path, sizeof path, "%s/ab.gz", dir);
    ev_error err;
    assert_int_equal(ev_read_file(path, &gz, &err), EV_OK);
    ev_buf_reset(&out);
    gz_stats s;
    assert_int_equal(read_mem(gz.data, gz.len, NULL, &out, &err, &s), EV_OK);
    const char *expect = "line one\nline two\r\nthird\r\n";
    assert_int_equal(out.len, strlen(expect));
    assert_memory_equal(out.data, expect, out.len);
    assert_int_equal(s.members, 2);
    tu_rmtree(dir);
    ev_buf_free(&out);
    ev_buf_free(&err_out);
    ev_buf_free(&want);
    ev_buf_free(&gz);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_default),
        cmocka_unit_test(test_small_buffers_multi_member),
        cmocka_unit_test(test_empty_object_and_empty_member),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_garbage_after_last_member),
        cmocka_unit_test(test_checksum_and_size_mismatch),
        cmocka_unit_test(test_corrupt_deflate_data),
        cmocka_unit_test(test_header_fields),
        cmocka_unit_test(test_not_gzip_and_plain),
        cmocka_unit_test(test_reuse_reader),
        cmocka_unit_test(test_read_error_and_nomem),
        cmocka_unit_test(test_gzip_tool_output),
        cmocka_unit_test(test_read_into),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
