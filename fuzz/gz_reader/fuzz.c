/*
 * fuzz/gz_reader: any bytes through gz_reader, from memory and from a descriptor with tiny buffers.
 * Properties: no crash or over-read; chunks are 1..window bytes; the byte counters match what was
 * returned; an error names a damage kind and repeats (sticky); memory and descriptor sources give
 * the same bytes (for corrupt or truncated deflate data, the same prefix) and the same damage at the same
 * offset (the same message, except the "near offset" of corrupt data and checksums, which depends on how far
 * ISA-L had read ahead); and, against zlib: when the reader ends cleanly, zlib decodes the same members to
 * the same bytes, and when zlib decodes every member cleanly so does the reader; gz_reader_read_into
 * (the caller's buffer) gives what gz_reader_read gives.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "ev_fs.h"
#include "gz_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OUT_CAP (1u << 20) /* stop comparing past this (deflate bombs) */

/* Buffers and readers live across inputs (speed; also checks that a reset forgets the last object). */
static uint8_t *buf_a, *buf_b, *buf_z;
static gz_reader *readers[256]; /* one per option selector */

typedef struct result {
    ev_status st;
    uint8_t *out;
    size_t len;
    int capped;
    gz_stats stats;
    char msg[EV_ERROR_MSG_MAX];
} result;

static void run(gz_reader *r, size_t window, result *res, uint8_t *buf) {
    ev_error err;
    res->out = buf;
    res->len = 0;
    res->capped = 0;
    if (!res->out) abort();
    for (;;) {
        const uint8_t *p;
        size_t n;
        ev_status st = gz_reader_read(r, &p, &n, &err);
        if (st != EV_OK) {
            if (n != 0 || p) abort();
            res->st = st;
            memcpy(res->msg, err.msg, sizeof res->msg);
            ev_error err2;
            if (gz_reader_read(r, &p, &n, &err2) != st || strcmp(err2.msg, err.msg) != 0) abort();
            break;
        }
        if (n == 0) {
            res->st = EV_OK;
            res->msg[0] = '\0';
            break;
        }
        if (n > window) abort();
        (void)((volatile const uint8_t *)p)[n - 1];
        if (res->len + n > OUT_CAP) {
            res->capped = 1;
            res->st = EV_OK;
            break;
        }
        memcpy(res->out + res->len, p, n);
        res->len += n;
    }
    gz_reader_stats(r, &res->stats);
    if (!res->capped && res->stats.bytes_out != res->len) abort();
    if (res->st == EV_ERR_CORRUPT && res->stats.damage == GZ_DAMAGE_NONE) abort();
    if (res->st == EV_OK && !res->capped && res->stats.damage != GZ_DAMAGE_NONE) abort();
}

/* run() through gz_reader_read_into with a caller buffer of `cap` bytes. */
static void run_into(gz_reader *r, size_t cap, result *res, uint8_t *buf) {
    ev_error err;
    res->out = buf;
    res->len = 0;
    res->capped = 0;
    for (;;) {
        size_t room = OUT_CAP - res->len < cap ? OUT_CAP - res->len : cap, n;
        if (room == 0) {
            res->capped = 1;
            res->st = EV_OK;
            break;
        }
        ev_status st = gz_reader_read_into(r, res->out + res->len, room, &n, &err);
        if (n > room) abort();
        if (st != EV_OK) {
            if (n != 0) abort();
            res->st = st;
            memcpy(res->msg, err.msg, sizeof res->msg);
            break;
        }
        if (n == 0) {
            res->st = EV_OK;
            res->msg[0] = '\0';
            break;
        }
        res->len += n;
    }
    gz_reader_stats(r, &res->stats);
    if (!res->capped && res->stats.bytes_out != res->len) abort();
}

/* zlib's view: 1 = every member decoded and nothing after them, 0 = damage, -1 = too big to say. */
static int zlib_decode(const uint8_t *data, size_t size, uint8_t *out, size_t *out_len, uint64_t *members) {
    *out_len = 0;
    *members = 0;
    if (size == 0) return 1;
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 15 + 16) != Z_OK) abort();
    zs.next_in = (Bytef *)data;
    zs.avail_in = (uInt)size;
    int ok = 0;
    for (;;) {
        zs.next_out = out + *out_len;
        zs.avail_out = (uInt)(OUT_CAP - *out_len);
        int rc = inflate(&zs, Z_NO_FLUSH);
        *out_len = OUT_CAP - zs.avail_out;
        if (rc == Z_STREAM_END) {
            (*members)++;
            if (zs.avail_in == 0) {
                ok = 1;
                break;
            }
            if (zs.avail_in >= 2 && zs.next_in[0] == 0x1f && zs.next_in[1] == 0x8b) {
                inflateReset(&zs);
                continue;
            }
            break; /* garbage */
        }
        if (rc == Z_OK) continue;
        if (zs.avail_out == 0) ok = -1;
        break;
    }
    inflateEnd(&zs);
    return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    uint8_t sel = data[0];
    data++;
    size--;
    gz_options opt = {2 + (size_t)(sel & 7) * 3, sel & 8 ? 1 + (sel >> 4) * 7 : 0, (sel >> 7) & 1};
    size_t window = opt.out_size ? opt.out_size : (1u << 20);
    ev_error err;
    if (!buf_a && (!(buf_a = malloc(OUT_CAP)) || !(buf_b = malloc(OUT_CAP)) || !(buf_z = malloc(OUT_CAP))))
        abort();
    unsigned ri = sel;
    if (!readers[ri] && gz_reader_create(NULL, &opt, &readers[ri], &err) != EV_OK) abort();
    gz_reader *r = readers[ri];
    gz_reader_reset_mem(r, data, size);
    result a;
    run(r, window, &a, buf_a);

    /* the same bytes through a descriptor with a tiny input buffer */
    int fd = memfd_create("fuzz", 0);
    if (fd >= 0) {
        if (ev_write_all(fd, data, size) != 0 || lseek(fd, 0, SEEK_SET) != 0) abort();
        gz_reader_reset_fd(r, fd);
        result b;
        run(r, opt.allow_plain ? (window > opt.in_size ? window : opt.in_size) : window, &b, buf_b);
        if (a.st != b.st || a.capped != b.capped) abort();
        if (a.stats.damage != b.stats.damage || a.stats.damage_offset != b.stats.damage_offset) abort();
        int fuzzy = a.stats.damage == GZ_DAMAGE_CORRUPT || a.stats.damage == GZ_DAMAGE_CHECKSUM ||
                    a.stats.damage == GZ_DAMAGE_TRUNCATED; /* messages count decoded bytes / positions */
        if (!fuzzy && strcmp(a.msg, b.msg) != 0) abort();
        /* Corrupt or truncated deflate data: ISA-L decodes in batches and may withhold the last few
         * bytes before the bad symbol or the cut, differently for different input splits: the
         * outputs agree on a prefix. */
        size_t common = a.len < b.len ? a.len : b.len;
        int partial = a.stats.damage == GZ_DAMAGE_CORRUPT || a.stats.damage == GZ_DAMAGE_TRUNCATED;
        if (!a.capped && !partial && a.len != b.len) abort();
        if (!a.capped && memcmp(a.out, b.out, common) != 0) abort();
        if (!a.capped && a.stats.members != b.stats.members) abort();
        if (!a.capped && !fuzzy && a.stats.bytes_in != b.stats.bytes_in) abort();
        close(fd);
    }

    /* the same bytes inflated into the caller's buffer (read_into): the same output and damage */
    if (!a.capped) {
        gz_reader_reset_mem(r, data, size);
        result c;
        run_into(r, window, &c, buf_b);
        if (!c.capped) {
            int partial = a.stats.damage == GZ_DAMAGE_CORRUPT || a.stats.damage == GZ_DAMAGE_TRUNCATED;
            size_t common = a.len < c.len ? a.len : c.len;
            if (a.st != c.st || a.stats.damage != c.stats.damage || a.stats.damage_offset != c.stats.damage_offset)
                abort();
            if ((!partial && a.len != c.len) || memcmp(a.out, c.out, common) != 0) abort();
            if (!partial && a.stats.damage != GZ_DAMAGE_CHECKSUM && strcmp(a.msg, c.msg) != 0) abort();
        }
    }

    /* zlib agrees on clean objects */
    if (!a.stats.plain && !a.capped) {
        uint8_t *z = buf_z;
        size_t zlen;
        uint64_t zmembers;
        int zok = zlib_decode(data, size, z, &zlen, &zmembers);
        if (a.st == EV_OK && zok == 0) abort();
        /* whatever the damage, what was delivered is what zlib decodes there */
        if (zlen >= a.len && memcmp(z, a.out, a.len) != 0) abort();
        if (a.st == EV_OK && zok == 1 &&
            (zlen != a.len || memcmp(z, a.out, zlen) != 0 || zmembers != a.stats.members))
            abort();
        if (zok == 1 && a.st != EV_OK) abort();
    }
    gz_reader_reset_mem(r, NULL, 0);
    return 0;
}
