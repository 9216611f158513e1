/*
 * gz_reader.c: streaming gzip decompression on ISA-L with member framing and damage reports
 * (see gz_reader.h).
 *
 * The reader parses each member's gzip header itself (a small byte-at-a-time state machine, so a
 * header may span any number of input reads), then hands ISA-L the deflate data with
 * ISAL_GZIP_NO_HDR_VER: ISA-L inflates and checks the trailer's CRC-32 and ISIZE. Why not ISA-L's
 * own header parser (ISAL_GZIP): in ISA-L 2.30 it reports a false header-CRC mismatch (FHCRC)
 * whenever the header spans two isal_inflate calls (test_header_fields reproduces it), and its
 * messages cannot say what is wrong with a header. At the end of a member (block_state ==
 * ISAL_BLOCK_FINISH) ISA-L leaves next_in on the first byte after the trailer, so the reader looks
 * there for the next member's magic. The reader keeps ISA-L's input and output windows bounded and tracks
 * absolute compressed offsets (`fed` = offset of the end of the current input window) for every message.
 *
 * ISA-L keeps its own copy of the 32 KiB history (tmp_out_buffer), so the output window is reused
 * from the start on every call: a returned chunk is only valid until the next read.
 */
#include "gz_reader.h"

#include <errno.h>
#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define GZ_DEFAULT_IN (256u << 10)
#define GZ_DEFAULT_OUT (1u << 20)
#define GZ_MAX_WINDOW ((size_t)1 << 30) /* ISA-L counts in uint32_t; stay well inside */

enum gz_state { ST_IDLE, ST_START, ST_HEADER, ST_MEMBER, ST_BOUNDARY, ST_PLAIN, ST_DONE, ST_FAILED };

struct gz_reader {
    const ev_allocator *alloc;
    size_t in_size, out_size;
    int allow_plain;
    uint8_t *in_buf; /* descriptor sources only; allocated on the first descriptor reset */
    uint8_t *out_buf;

    /* the source */
    int is_mem;
    int fd;
    const uint8_t *mem;
    size_t mem_len;
    int eof;      /* no bytes beyond the current input window */
    uint64_t fed; /* absolute compressed offset of the end of the current input window */

    enum gz_state state;
    uint64_t member_start; /* compressed offset of the current member's first byte */
    uint64_t member_out;   /* bytes decoded from the current member */
    uint64_t member_no;    /* 1-based number of the current member */
    /* the gzip header being parsed (RFC 1952 section 2.3) */
    enum { H_FIXED, H_XLEN, H_EXTRA, H_NAME, H_COMMENT, H_HCRC, H_DONE } hphase;
    uint8_t hfixed[10];
    uint32_t hgot, hneed; /* bytes of the current header part read / still to skip */
    uint32_t hcrc;        /* CRC-32 of the header bytes so far (for FHCRC) */
    uint32_t hgot_crc;    /* the stored header CRC-16 */
    gz_stats st;
    ev_status fail_code;
    char fail_msg[320];

    struct inflate_state zs;
};

const char *gz_damage_name(gz_damage d) {
    switch (d) {
    case GZ_DAMAGE_NONE:
        return "none";
    case GZ_DAMAGE_TRUNCATED:
        return "truncated";
    case GZ_DAMAGE_CHECKSUM:
        return "checksum";
    case GZ_DAMAGE_CORRUPT:
        return "corrupt";
    case GZ_DAMAGE_GARBAGE:
        return "trailing garbage";
    case GZ_DAMAGE_NOT_GZIP:
        return "not gzip";
    }
    return "unknown";
}

static size_t clamp_size(size_t v, size_t dflt, size_t min) {
    if (v == 0) v = dflt;
    if (v < min) v = min;
    if (v > GZ_MAX_WINDOW) v = GZ_MAX_WINDOW;
    return v;
}

ev_status gz_reader_create(const ev_allocator *alloc, const gz_options *opt, gz_reader **out, ev_error *err) {
    *out = NULL;
    gz_reader *r = ev_calloc(alloc, 1, sizeof *r);
    if (!r) return ev_error_set(err, EV_ERR_NOMEM, "out of memory allocating a gzip reader");
    r->alloc = alloc;
    /* in_size >= 2: the magic of the next member must fit in the window (see refill). */
    r->in_size = clamp_size(opt ? opt->in_size : 0, GZ_DEFAULT_IN, 2);
    r->out_size = clamp_size(opt ? opt->out_size : 0, GZ_DEFAULT_OUT, 1);
    r->allow_plain = opt ? opt->allow_plain : 0;
    r->out_buf = ev_alloc(alloc, r->out_size);
    if (!r->out_buf) {
        size_t want = r->out_size;
        gz_reader_close(r);
        return ev_error_set(err, EV_ERR_NOMEM, "out of memory allocating a %zu-byte gzip output window",
                            want);
    }
    r->fd = -1;
    r->state = ST_IDLE;
    *out = r;
    return EV_OK;
}

void gz_reader_close(gz_reader *r) {
    if (!r) return;
    if (r->in_buf) ev_free(r->alloc, r->in_buf, r->in_size);
    if (r->out_buf) ev_free(r->alloc, r->out_buf, r->out_size);
    ev_free(r->alloc, r, sizeof *r);
}

static void reset_common(gz_reader *r) {
    r->eof = 0;
    r->fed = 0;
    r->member_start = r->member_out = r->member_no = 0;
    memset(&r->st, 0, sizeof r->st);
    r->fail_code = EV_OK;
    r->fail_msg[0] = '\0';
    r->zs.next_in = NULL;
    r->zs.avail_in = 0;
    r->state = ST_START;
}

void gz_reader_reset_fd(gz_reader *r, int fd) {
    reset_common(r);
    r->is_mem = 0;
    r->fd = fd;
    r->mem = NULL;
    r->mem_len = 0;
    if (!r->in_buf) {
        r->in_buf = ev_alloc(r->alloc, r->in_size);
        if (!r->in_buf) {
            r->state = ST_FAILED;
            r->fail_code = EV_ERR_NOMEM;
            snprintf(r->fail_msg, sizeof r->fail_msg, "out of memory allocating a %zu-byte gzip input buffer",
                     r->in_size);
        }
    }
}

void gz_reader_reset_mem(gz_reader *r, const void *data, size_t len) {
    reset_common(r);
    r->is_mem = 1;
    r->fd = -1;
    r->mem = data;
    r->mem_len = data ? len : 0;
}

ev_status gz_reader_open_fd(const ev_allocator *alloc, int fd, const gz_options *opt, gz_reader **out,
                            ev_error *err) {
    EV_TRY(gz_reader_create(alloc, opt, out, err));
    gz_reader_reset_fd(*out, fd);
    if ((*out)->state == ST_FAILED) {
        ev_status st = ev_error_set(err, (*out)->fail_code, "%s", (*out)->fail_msg);
        gz_reader_close(*out);
        *out = NULL;
        return st;
    }
    return EV_OK;
}

ev_status gz_reader_open_mem(const ev_allocator *alloc, const void *data, size_t len, const gz_options *opt,
                             gz_reader **out, ev_error *err) {
    EV_TRY(gz_reader_create(alloc, opt, out, err));
    gz_reader_reset_mem(*out, data, len);
    return EV_OK;
}

void gz_reader_stats(const gz_reader *r, gz_stats *out) {
    *out = r->st;
}

/* The compressed offset of the next byte ISA-L has not taken yet. */
static uint64_t in_pos(const gz_reader *r) {
    return r->fed - r->zs.avail_in;
}

/* Records the object's damage (or an I/O error); the reader reports it once the bytes decoded
 * before it have been returned. */
EV_PRINTF(4, 5)
static void fail(gz_reader *r, ev_status code, gz_damage damage, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->fail_msg, sizeof r->fail_msg, fmt, ap);
    va_end(ap);
    r->fail_code = code;
    r->st.damage = damage;
    r->state = ST_FAILED;
}

/* Makes new input available, keeping the avail_in bytes not yet taken (they move to the front of the
 * descriptor buffer). Returns 1 if bytes were added, 0 at the end of the source, -1 on a read error
 * (recorded with fail()). Only called when ISA-L holds no pointer into the window: between members
 * or when it has taken all of it. */
static int refill(gz_reader *r) {
    size_t keep = r->zs.avail_in;
    if (r->eof) return 0;
    if (r->is_mem) {
        uint64_t pos = r->fed - keep;
        size_t rest = r->mem_len - (size_t)pos;
        if (rest == keep) {
            r->eof = 1;
            return 0;
        }
        size_t n = rest < GZ_MAX_WINDOW ? rest : GZ_MAX_WINDOW;
        r->zs.next_in = (uint8_t *)r->mem + pos;
        r->zs.avail_in = (uint32_t)n;
        r->fed = pos + n;
        if (r->fed == r->mem_len) r->eof = 1;
        return 1;
    }
    if (keep && r->zs.next_in != r->in_buf) memmove(r->in_buf, r->zs.next_in, keep);
    ssize_t n;
    do {
        n = read(r->fd, r->in_buf + keep, r->in_size - keep);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        int e = errno;
        fail(r, EV_ERR_IO, GZ_DAMAGE_NONE, "read error at compressed offset %llu: %s",
             (unsigned long long)r->fed, strerror(e));
        return -1;
    }
    r->zs.next_in = r->in_buf;
    if (n == 0) {
        r->zs.avail_in = (uint32_t)keep;
        r->eof = 1;
        return 0;
    }
    r->zs.avail_in = (uint32_t)(keep + (size_t)n);
    r->fed += (uint64_t)n;
    return 1;
}

static void start_member(gz_reader *r) {
    r->member_start = in_pos(r);
    r->member_out = 0;
    r->member_no++;
    r->hphase = H_FIXED;
    r->hgot = 0;
    r->hneed = 0;
    r->hcrc = 0;
    r->hgot_crc = 0;
    r->state = ST_HEADER;
}

#define GZF_HCRC 0x02
#define GZF_EXTRA 0x04
#define GZF_NAME 0x08
#define GZF_COMMENT 0x10

EV_PRINTF(2, 3)
static void fail_header(gz_reader *r, const char *fmt, ...) {
    char what[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    r->st.damage_offset = r->member_start;
    fail(r, EV_ERR_CORRUPT, GZ_DAMAGE_CORRUPT, "corrupt gzip member %llu at compressed offset %llu: %s",
         (unsigned long long)r->member_no, (unsigned long long)r->member_start, what);
}

/* Whether a header part after the fixed 10 bytes is present, by the flags. */
static int part_present(uint8_t flags, int phase) {
    switch (phase) {
    case H_XLEN:
    case H_EXTRA:
        return flags & GZF_EXTRA;
    case H_NAME:
        return flags & GZF_NAME;
    case H_COMMENT:
        return flags & GZF_COMMENT;
    case H_HCRC:
        return flags & GZF_HCRC;
    default:
        return 1;
    }
}

static int part_complete(const gz_reader *r) {
    return r->hphase == H_FIXED ? r->hgot == 10 : r->hphase == H_XLEN ? r->hgot == 2 : r->hneed == 0;
}

/* Consumes header bytes from the input window. At the header's end, starts ISA-L on the deflate
 * data (state ST_MEMBER); on a bad header, fails. Returns with avail_in == 0 if it needs more. */
static void parse_header(gz_reader *r) {
    struct inflate_state *zs = &r->zs;
    while (r->state == ST_HEADER) {
        if (part_complete(r)) {
            uint8_t flags = r->hfixed[3];
            if (r->hphase == H_FIXED) {
                if (r->hfixed[2] != 8) {
                    fail_header(r, "compression method %u is not deflate (8)", r->hfixed[2]);
                    return;
                }
                if (flags & 0xe0) {
                    fail_header(r, "invalid gzip header (reserved flag bits %02x set)", flags & 0xe0);
                    return;
                }
            }
            do
                r->hphase++;
            while (r->hphase < H_DONE && !part_present(flags, (int)r->hphase));
            r->hgot = 0;
            if (r->hphase == H_XLEN) r->hneed = 0;
            if (r->hphase == H_NAME || r->hphase == H_COMMENT) r->hneed = 1; /* until the NUL */
            if (r->hphase == H_HCRC) r->hneed = 2;
            if (r->hphase == H_DONE) {
                if ((flags & GZF_HCRC) && r->hgot_crc != (r->hcrc & 0xffff)) {
                    fail_header(r, "gzip header checksum mismatch (stored %04x, computed %04x)", r->hgot_crc,
                                r->hcrc & 0xffff);
                    return;
                }
                uint8_t *next = zs->next_in;
                uint32_t avail = zs->avail_in;
                isal_inflate_init(zs);
                zs->crc_flag = ISAL_GZIP_NO_HDR_VER; /* ISA-L checks the trailer */
                zs->next_in = next;
                zs->avail_in = avail;
                r->state = ST_MEMBER;
                return;
            }
            continue;
        }
        if (zs->avail_in == 0) return;
        const uint8_t *p = zs->next_in;
        uint32_t take;
        switch (r->hphase) {
        case H_FIXED:
            take = 10 - r->hgot;
            if (take > zs->avail_in) take = zs->avail_in;
            memcpy(r->hfixed + r->hgot, p, take);
            r->hgot += take;
            break;
        case H_XLEN:
            r->hneed |= (uint32_t)p[0] << (8 * r->hgot);
            r->hgot++;
            take = 1;
            if (r->hgot == 2) r->hphase = H_EXTRA, r->hgot = 0; /* hneed = XLEN bytes to skip */
            break;
        case H_EXTRA:
            take = r->hneed < zs->avail_in ? r->hneed : zs->avail_in;
            r->hneed -= take;
            break;
        case H_NAME:
        case H_COMMENT: {
            const uint8_t *nul = memchr(p, 0, zs->avail_in);
            take = nul ? (uint32_t)(nul - p) + 1 : zs->avail_in;
            if (nul) r->hneed = 0;
            break;
        }
        default: /* H_HCRC */
            r->hgot_crc |= (uint32_t)p[0] << (8 * (2 - r->hneed));
            r->hneed--;
            take = 1;
            break;
        }
        if (r->hphase != H_HCRC) r->hcrc = crc32_gzip_refl(r->hcrc, (unsigned char *)p, take);
        zs->next_in += take;
        zs->avail_in -= take;
    }
}

static const char *isal_reason(int rc) {
    switch (rc) {
    case ISAL_INVALID_BLOCK:
        return "invalid deflate block";
    case ISAL_INVALID_SYMBOL:
        return "invalid deflate symbol";
    case ISAL_INVALID_LOOKBACK:
        return "back-reference before the start of the data";
    case ISAL_NEED_DICT:
        return "needs a preset dictionary";
    default:
        return "undecodable data";
    }
}

/* After the last byte of the source: the current member is cut short. */
static void fail_truncated(gz_reader *r) {
    r->st.damage_offset = r->member_start;
    fail(r, EV_ERR_CORRUPT, GZ_DAMAGE_TRUNCATED,
         "truncated gzip member at compressed offset %llu: the input ends at offset %llu inside member %llu "
         "(%llu bytes decoded from it)",
         (unsigned long long)r->member_start, (unsigned long long)r->fed, (unsigned long long)r->member_no,
         (unsigned long long)r->member_out);
}

/* Bytes after a complete member that are not a member: count them all for the message. */
static void fail_garbage(gz_reader *r) {
    uint64_t at = in_pos(r);
    uint8_t b0 = r->zs.next_in[0], b1 = r->zs.avail_in > 1 ? r->zs.next_in[1] : 0;
    uint64_t n;
    if (r->is_mem) {
        n = r->mem_len - at;
        r->zs.avail_in = 0;
        r->fed = r->mem_len;
        r->eof = 1;
    } else {
        n = r->zs.avail_in;
        r->zs.avail_in = 0;
        while (!r->eof) {
            if (refill(r) < 0) return; /* the read error is what gets reported */
            n += r->zs.avail_in;
            r->zs.avail_in = 0;
        }
    }
    r->st.damage_offset = at;
    if (n == 1)
        fail(r, EV_ERR_CORRUPT, GZ_DAMAGE_GARBAGE,
             "garbage after the last gzip member: 1 byte (%02x) at compressed offset %llu is not a gzip "
             "member",
             b0, (unsigned long long)at);
    else
        fail(r, EV_ERR_CORRUPT, GZ_DAMAGE_GARBAGE,
             "garbage after the last gzip member: %llu bytes at compressed offset %llu (starting %02x %02x) "
             "are "
             "not a gzip member",
             (unsigned long long)n, (unsigned long long)at, b0, b1);
}

/* ST_START: an empty object, a gzip member, or plain bytes. */
static void detect(gz_reader *r) {
    while (r->zs.avail_in < 2 && !r->eof)
        if (refill(r) < 0) return;
    if (r->zs.avail_in == 0) {
        r->state = ST_DONE; /* 0 bytes: a valid empty object */
        return;
    }
    const uint8_t *p = r->zs.next_in;
    if (r->zs.avail_in >= 2 && p[0] == 0x1f && p[1] == 0x8b) {
        start_member(r);
        return;
    }
    if (r->allow_plain) {
        r->state = ST_PLAIN;
        r->st.plain = 1;
        return;
    }
    r->st.damage_offset = 0;
    if (r->zs.avail_in == 1 && p[0] == 0x1f) {
        r->member_no = 1;
        fail_truncated(r);
    } else if (r->zs.avail_in == 1) {
        fail(r, EV_ERR_CORRUPT, GZ_DAMAGE_NOT_GZIP,
             "not gzip data: the 1-byte object (%02x) does not start with the gzip magic 1f 8b", p[0]);
    } else {
        fail(r, EV_ERR_CORRUPT, GZ_DAMAGE_NOT_GZIP,
             "not gzip data: the object starts with bytes %02x %02x at compressed offset 0, not the gzip "
             "magic "
             "1f 8b",
             p[0], p[1]);
    }
}

static ev_status report(gz_reader *r, ev_error *err) {
    return ev_error_set(err, r->fail_code, "%s", r->fail_msg);
}

/* Plain objects: the bytes as they are (memory: zero-copy; descriptor: the input buffer, then the
 * output window). */
static ev_status read_plain(gz_reader *r, size_t max, const uint8_t **ptr, size_t *len, ev_error *err) {
    if (r->zs.avail_in == 0) {
        if (r->is_mem) {
            if (refill(r) <= 0) {
                r->state = ST_DONE;
                return EV_OK;
            }
        } else {
            ssize_t n = 0;
            if (!r->eof) {
                do {
                    n = read(r->fd, r->out_buf, r->out_size < max ? r->out_size : max);
                } while (n < 0 && errno == EINTR);
            }
            if (n < 0) {
                int e = errno;
                fail(r, EV_ERR_IO, GZ_DAMAGE_NONE, "read error at offset %llu: %s",
                     (unsigned long long)r->fed, strerror(e));
                return report(r, err);
            }
            if (n == 0) {
                r->eof = 1;
                r->state = ST_DONE;
                return EV_OK;
            }
            r->fed += (uint64_t)n;
            r->st.bytes_in = r->st.bytes_out = r->fed;
            *ptr = r->out_buf;
            *len = (size_t)n;
            return EV_OK;
        }
    }
    size_t n = r->zs.avail_in;
    if (r->is_mem && n > r->out_size) n = r->out_size;
    if (n > max) n = max;
    *ptr = r->zs.next_in;
    *len = n;
    r->zs.next_in += n;
    r->zs.avail_in -= (uint32_t)n;
    r->st.bytes_in = r->st.bytes_out = in_pos(r);
    return EV_OK;
}

/* Inflates into out[0..out_size) as far as it goes (see gz_reader_read); returns the bytes written. */
static size_t inflate_into(gz_reader *r, uint8_t *out, size_t out_size) {
    size_t produced = 0;
    while (produced < out_size &&
           (r->state == ST_HEADER || r->state == ST_MEMBER || r->state == ST_BOUNDARY)) {
        if (r->state == ST_BOUNDARY) {
            /* After a complete member: the end, another member, or garbage. */
            while (r->zs.avail_in < 2 && !r->eof)
                if (refill(r) < 0) break;
            if (r->state == ST_FAILED) break;
            if (r->zs.avail_in == 0) {
                r->state = ST_DONE;
                break;
            }
            const uint8_t *p = r->zs.next_in;
            if (r->zs.avail_in >= 2 && p[0] == 0x1f && p[1] == 0x8b) {
                start_member(r);
            } else if (r->zs.avail_in == 1 && p[0] == 0x1f) {
                r->member_start = in_pos(r);
                r->member_out = 0;
                r->member_no++;
                fail_truncated(r);
                break;
            } else {
                fail_garbage(r);
                break;
            }
            continue;
        }

        if (r->zs.avail_in == 0 && refill(r) < 0) break;
        if (r->state == ST_HEADER) {
            parse_header(r);
            if (r->state == ST_HEADER && r->zs.avail_in == 0 && r->eof) fail_truncated(r);
            continue;
        }
        r->zs.next_out = out + produced;
        r->zs.avail_out = (uint32_t)(out_size - produced);
        uint32_t in_before = r->zs.avail_in;
        int rc = isal_inflate(&r->zs);
        size_t got = (out_size - produced) - r->zs.avail_out;
        produced += got;
        r->member_out += got;
        if (rc < 0) {
            r->st.damage_offset = r->member_start;
            if (rc == ISAL_INCORRECT_CHECKSUM)
                fail(r, EV_ERR_CORRUPT, GZ_DAMAGE_CHECKSUM,
                     "gzip checksum mismatch (CRC-32 or length in the trailer) in member %llu at compressed "
                     "offset "
                     "%llu, detected near offset %llu",
                     (unsigned long long)r->member_no, (unsigned long long)r->member_start,
                     (unsigned long long)in_pos(r));
            else
                fail(r, EV_ERR_CORRUPT, GZ_DAMAGE_CORRUPT,
                     "corrupt gzip member %llu at compressed offset %llu: %s near offset %llu (after %llu "
                     "bytes "
                     "decoded from it)",
                     (unsigned long long)r->member_no, (unsigned long long)r->member_start, isal_reason(rc),
                     (unsigned long long)in_pos(r), (unsigned long long)r->member_out);
            break;
        }
        if (r->zs.block_state == ISAL_BLOCK_FINISH) {
            r->st.members++;
            r->state = ST_BOUNDARY;
            continue;
        }
        if (r->zs.avail_out == 0) break; /* window full */
        if (r->zs.avail_in == 0) {
            if (r->eof) {
                fail_truncated(r);
                break;
            }
            continue; /* refill at the top */
        }
        if (got == 0 && r->zs.avail_in == in_before) { /* no progress with input and room: never loop */
            r->st.damage_offset = r->member_start;
            fail(r, EV_ERR_CORRUPT, GZ_DAMAGE_CORRUPT,
                 "corrupt gzip member %llu at compressed offset %llu: the decoder stopped near offset %llu "
                 "(status "
                 "%d)",
                 (unsigned long long)r->member_no, (unsigned long long)r->member_start,
                 (unsigned long long)in_pos(r), rc);
            break;
        }
    }
    r->st.bytes_out += produced;
    r->st.bytes_in = in_pos(r);
    return produced;
}

enum read_kind { READ_NOTHING, READ_INFLATE, READ_PLAIN };

/* What a read does: inflate, pass plain bytes, or nothing (the end, or a sticky failure, whose
 * error is returned here). */
static ev_status read_start(gz_reader *r, enum read_kind *kind, ev_error *err) {
    *kind = READ_NOTHING;
    if (r->state == ST_START) detect(r);
    switch (r->state) {
    case ST_IDLE:
    case ST_DONE: return EV_OK;
    case ST_FAILED: return report(r, err);
    case ST_PLAIN: *kind = READ_PLAIN; return EV_OK;
    default: *kind = READ_INFLATE; return EV_OK;
    }
}

ev_status gz_reader_read(gz_reader *r, const uint8_t **ptr, size_t *len, ev_error *err) {
    *ptr = NULL;
    *len = 0;
    enum read_kind kind;
    EV_TRY(read_start(r, &kind, err));
    if (kind == READ_PLAIN) return read_plain(r, SIZE_MAX, ptr, len, err);
    if (kind == READ_NOTHING) return EV_OK;
    size_t produced = inflate_into(r, r->out_buf, r->out_size);
    if (produced) {
        *ptr = r->out_buf;
        *len = produced;
        return EV_OK;
    }
    if (r->state == ST_FAILED) return report(r, err);
    return EV_OK;
}

ev_status gz_reader_read_into(gz_reader *r, uint8_t *dst, size_t cap, size_t *len, ev_error *err) {
    *len = 0;
    if (cap == 0) return EV_OK;
    if (cap > GZ_MAX_WINDOW) cap = GZ_MAX_WINDOW; /* ISA-L counts in uint32_t */
    enum read_kind kind;
    EV_TRY(read_start(r, &kind, err));
    if (kind == READ_PLAIN) {
        const uint8_t *p;
        EV_TRY(read_plain(r, cap, &p, len, err));
        if (*len) memcpy(dst, p, *len);
        return EV_OK;
    }
    if (kind == READ_NOTHING) return EV_OK;
    *len = inflate_into(r, dst, cap);
    if (*len == 0 && r->state == ST_FAILED) return report(r, err);
    return EV_OK;
}
