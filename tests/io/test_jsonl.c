/* test_jsonl.c: the line splitter (numbers, offsets, CRLF, last line, every chunking, long lines,
 * gzip damage) and the flat-object scanner (every hostile input of events.md, exact values, exact
 * errors with columns), number conversion helpers, schema hashing. */
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "jsonl.h"

static const char EVENT[] =
    "{\"timestamp\": \"2025-11-19T17:44:54.718325+00:00\", \"user_id\": \"u_48213\", "
    "\"session_id\": \"s_77120\", \"event_type\": \"purchase\", \"product_id\": \"p_3004\", "
    "\"quantity\": 2, \"price\": 123.45, \"category\": \"home\", \"search_query\": null}";

/* ---- helpers ---- */

static void gz_member(ev_buf *out, const void *data, size_t len) {
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
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

/* A source that hands out the data in chunks of a cycling size, each in a fresh heap copy that is
 * scribbled over and freed on the next call: the splitter must not keep pointers into old chunks. */
typedef struct chunky {
    const uint8_t *data;
    size_t len, pos, step;
    uint8_t *cur;
    size_t cur_len;
    int fail_at_end; /* return an error instead of the end */
} chunky;

static ev_status chunky_read(void *ctx, const uint8_t **ptr, size_t *len, ev_error *err) {
    chunky *c = ctx;
    if (c->cur) {
        memset(c->cur, '#', c->cur_len);
        free(c->cur);
        c->cur = NULL;
    }
    if (c->pos == c->len) {
        *ptr = NULL;
        *len = 0;
        if (c->fail_at_end) return ev_error_set(err, EV_ERR_CORRUPT, "source broke at %zu", c->pos);
        return EV_OK;
    }
    size_t n = c->step % 7 + 1 + (c->step % 3 == 0 ? 50 : 0);
    c->step++;
    if (n > c->len - c->pos) n = c->len - c->pos;
    c->cur = malloc(n);
    assert_non_null(c->cur);
    memcpy(c->cur, c->data + c->pos, n);
    c->cur_len = n;
    c->pos += n;
    *ptr = c->cur;
    *len = n;
    return EV_OK;
}

typedef struct ref_line {
    size_t off, len;
} ref_line;

/* The naive reference split: lines at '\n', a '\r' before it (or at the very end) dropped. */
static size_t ref_split(const char *d, size_t len, ref_line *out, size_t cap) {
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len && start == len) break;
        if (i == len || d[i] == '\n') {
            size_t l = i - start;
            if (l && d[start + l - 1] == '\r') l--;
            assert_true(n < cap);
            out[n].off = start;
            out[n].len = l;
            n++;
            start = i + 1;
        }
    }
    return n;
}

/* ---- lines ---- */

static void test_lines_basic(void **state) {
    (void)state;
    js_lines *l;
    ev_error err;
    assert_int_equal(js_lines_create(NULL, 0, &l, &err), EV_OK);
    const char *text = "a\nbb\r\n\n{\"x\": 1}\r\nlast";
    js_lines_reset_mem(l, text, strlen(text));
    struct {
        const char *s;
        uint64_t off;
    } want[] = {{"a", 0}, {"bb", 2}, {"", 6}, {"{\"x\": 1}", 7}, {"last", 17}};
    js_line line;
    int have;
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(js_lines_next(l, &line, &have, &err), EV_OK);
        assert_int_equal(have, 1);
        assert_int_equal(line.number, i + 1);
        assert_int_equal(line.offset, want[i].off);
        assert_int_equal(line.len, strlen(want[i].s));
        assert_memory_equal(line.ptr, want[i].s, line.len);
        assert_int_equal(line.full_len, line.len);
        assert_int_equal(line.too_long, 0);
        assert_int_equal(line.cut, 0);
        /* zero-copy from memory */
        assert_ptr_equal(line.ptr, text + want[i].off);
    }
    assert_int_equal(js_lines_next(l, &line, &have, &err), EV_OK);
    assert_int_equal(have, 0);
    assert_int_equal(js_lines_next(l, &line, &have, &err), EV_OK);
    assert_int_equal(have, 0);

    /* the end of the stream: "", "\n", "a\n", "\r\n", "x\r" */
    struct {
        const char *in;
        int n;
        const char *first;
    } ends[] = {{"", 0, NULL},   {"\n", 1, ""},   {"a\n", 1, "a"},
                {"\r\n", 1, ""}, {"x\r", 1, "x"}, {"\n\n", 2, ""}};
    for (size_t i = 0; i < sizeof ends / sizeof *ends; i++) {
        js_lines_reset_mem(l, ends[i].in, strlen(ends[i].in));
        int count = 0;
        for (;;) {
            assert_int_equal(js_lines_next(l, &line, &have, &err), EV_OK);
            if (!have) break;
            if (count == 0) {
                assert_int_equal(line.len, strlen(ends[i].first));
                assert_memory_equal(line.ptr, ends[i].first, line.len);
            }
            count++;
        }
        assert_int_equal(count, ends[i].n);
    }
    js_lines_reset_mem(l, NULL, 0);
    assert_int_equal(js_lines_next(l, &line, &have, &err), EV_OK);
    assert_int_equal(have, 0);
    js_lines_destroy(l);
    js_lines_destroy(NULL);
}

/* Every chunking of a text with CRLF, empty lines and lines longer than the chunks gives the same
 * lines, numbers and offsets as the naive split. */
static void test_lines_chunked(void **state) {
    (void)state;
    ev_buf text;
    ev_buf_init(&text, NULL);
    uint32_t x = 7;
    for (int i = 0; i < 400; i++) {
        x = x * 1103515245u + 12345u;
        size_t n = (x >> 8) % 300;
        for (size_t k = 0; k < n; k++)
            assert_int_equal(ev_buf_append(&text, "abcdefghij" + k % 10, 1), EV_OK);
        assert_int_equal(ev_buf_append_str(&text, (x >> 20) % 3 == 0 ? "\r\n" : "\n"), EV_OK);
    }
    assert_int_equal(ev_buf_append_str(&text, "tail without newline"), EV_OK);
    static ref_line ref[1000];
    size_t nref = ref_split((const char *)text.data, text.len, ref, 1000);
    assert_int_equal(nref, 401);
    js_lines *l;
    ev_error err;
    assert_int_equal(js_lines_create(NULL, 0, &l, &err), EV_OK);
    for (size_t start = 0; start < 11; start++) {
        chunky c = {text.data, text.len, 0, start, NULL, 0, 0};
        js_lines_reset(l, chunky_read, &c);
        js_line line;
        int have;
        size_t i = 0;
        for (;; i++) {
            assert_int_equal(js_lines_next(l, &line, &have, &err), EV_OK);
            if (!have) break;
            assert_true(i < nref);
            assert_int_equal(line.number, i + 1);
            assert_int_equal(line.offset, ref[i].off);
            assert_int_equal(line.len, ref[i].len);
            assert_memory_equal(line.ptr, text.data + ref[i].off, line.len);
        }
        assert_int_equal(i, nref);
        free(c.cur);
    }
    js_lines_destroy(l);
    ev_buf_free(&text);
}

static void test_lines_too_long(void **state) {
    (void)state;
    js_lines *l;
    ev_error err;
    assert_int_equal(js_lines_create(NULL, 100, &l, &err), EV_OK);
    ev_buf text;
    ev_buf_init(&text, NULL);
    size_t lens[] = {99, 100, 101, 250, 100, 3};
    const char *ends[] = {"\n", "\r\n", "\n", "\r\n", "\n", ""};
    for (size_t i = 0; i < 6; i++) {
        for (size_t k = 0; k < lens[i]; k++) {
            char ch = (char)('a' + (k + i) % 26);
            assert_int_equal(ev_buf_append(&text, &ch, 1), EV_OK);
        }
        assert_int_equal(ev_buf_append_str(&text, ends[i]), EV_OK);
    }
    for (int chunked = 0; chunked < 2; chunked++) {
        chunky c = {text.data, text.len, 0, 3, NULL, 0, 0};
        if (chunked)
            js_lines_reset(l, chunky_read, &c);
        else
            js_lines_reset_mem(l, text.data, text.len);
        js_line line;
        int have;
        uint64_t off = 0;
        for (size_t i = 0; i < 6; i++) {
            assert_int_equal(js_lines_next(l, &line, &have, &err), EV_OK);
            assert_int_equal(have, 1);
            assert_int_equal(line.number, i + 1);
            assert_int_equal(line.offset, off);
            assert_int_equal(line.full_len, lens[i]);
            assert_int_equal(line.too_long, lens[i] > 100);
            assert_int_equal(line.len, lens[i] > 100 ? 100 : lens[i]);
            assert_memory_equal(line.ptr, text.data + off, line.len); /* the prefix */
            off += lens[i] + strlen(ends[i]);
        }
        assert_int_equal(js_lines_next(l, &line, &have, &err), EV_OK);
        assert_int_equal(have, 0);
        free(c.cur);
    }
    js_lines_destroy(l);
    ev_buf_free(&text);
}

/* A 3 MB line through gzip: whole with the default limit, too long with a 1 MiB limit; the lines
 * around it are intact either way. */
static void test_lines_over_1mb_gzip(void **state) {
    (void)state;
    ev_buf text, gz;
    ev_buf_init(&text, NULL);
    ev_buf_init(&gz, NULL);
    assert_int_equal(ev_buf_append_str(&text, "{\"user_id\": \"u_1\"}\n{\"blob\": \""), EV_OK);
    size_t big_start = 19;
    uint32_t x = 1;
    for (size_t i = 0; i < (3u << 20); i++) {
        x = x * 1103515245u + 12345u;
        char ch = (char)('a' + (x >> 16) % 26);
        assert_int_equal(ev_buf_append(&text, &ch, 1), EV_OK);
    }
    assert_int_equal(ev_buf_append_str(&text, "\"}\r\n{\"user_id\": \"u_3\"}"), EV_OK);
    size_t big_len = text.len - big_start - 2 - 18;
    gz_member(&gz, text.data, text.len);
    for (int limited = 0; limited < 2; limited++) {
        js_lines *l;
        gz_reader *r;
        ev_error err;
        assert_int_equal(js_lines_create(NULL, limited ? (1u << 20) : 0, &l, &err), EV_OK);
        assert_int_equal(gz_reader_open_mem(NULL, gz.data, gz.len, NULL, &r, &err), EV_OK);
        js_lines_reset_gz(l, r);
        js_line line;
        int have;
        assert_int_equal(js_lines_next(l, &line, &have, &err), EV_OK);
        assert_int_equal(line.len, 18);
        assert_int_equal(js_lines_next(l, &line, &have, &err), EV_OK);
        assert_int_equal(line.number, 2);
        assert_int_equal(line.offset, big_start);
        assert_int_equal(line.full_len, big_len);
        assert_int_equal(line.too_long, limited);
        assert_int_equal(line.len, limited ? (1u << 20) : big_len);
        assert_memory_equal(line.ptr, text.data + big_start, line.len);
        assert_int_equal(js_lines_next(l, &line, &have, &err), EV_OK);
        assert_int_equal(line.number, 3);
        assert_int_equal(line.offset, big_start + big_len + 2);
        assert_int_equal(line.len, 18);
        assert_memory_equal(line.ptr, "{\"user_id\": \"u_3\"}", 18);
        assert_int_equal(js_lines_next(l, &line, &have, &err), EV_OK);
        assert_int_equal(have, 0);
        gz_reader_close(r);
        js_lines_destroy(l);
    }
    ev_buf_free(&text);
    ev_buf_free(&gz);
}

/* Truncated gzip: the whole lines, then the cut line marked, then the gzip error (sticky). A member
 * boundary inside a line joins the line. */
static void test_lines_gzip_damage(void **state) {
    (void)state;
    ev_buf text, gz;
    ev_buf_init(&text, NULL);
    ev_buf_init(&gz, NULL);
    assert_int_equal(ev_buf_append_str(&text, "line one\nline two\n"), EV_OK);
    uint32_t x = 3;
    for (int i = 0; i < 20000; i++) { /* incompressible: the cut lands inside this line */
        x = x * 1103515245u + 12345u;
        char ch = (char)('A' + (x >> 16) % 26);
        assert_int_equal(ev_buf_append(&text, &ch, 1), EV_OK);
    }
    assert_int_equal(ev_buf_append_str(&text, "\nline four\n"), EV_OK);
    gz_member(&gz, text.data, text.len);
    size_t cut = gz.len / 2;
    js_lines *l;
    gz_reader *r;
    ev_error err;
    assert_int_equal(js_lines_create(NULL, 0, &l, &err), EV_OK);
    assert_int_equal(gz_reader_open_mem(NULL, gz.data, cut, NULL, &r, &err), EV_OK);
    js_lines_reset_gz(l, r);
    js_line line;
    int have;
    assert_int_equal(js_lines_next(l, &line, &have, &err), EV_OK);
    assert_memory_equal(line.ptr, "line one", 8);
    assert_int_equal(js_lines_next(l, &line, &have, &err), EV_OK);
    assert_memory_equal(line.ptr, "line two", 8);
    assert_int_equal(js_lines_next(l, &line, &have, &err), EV_OK);
    assert_int_equal(have, 1);
    assert_int_equal(line.cut, 1);
    assert_int_equal(line.number, 3);
    assert_int_equal(line.offset, 18);
    assert_true(line.len > 0 && line.len < 20000);
    assert_memory_equal(line.ptr, text.data + 18, line.len);
    gz_stats s;
    gz_reader_stats(r, &s);
    assert_int_equal(s.bytes_out, 18 + line.len);
    char want[200];
    snprintf(want, sizeof want,
             "truncated gzip member at compressed offset 0: the input ends at offset %zu inside member 1 "
             "(%zu bytes "
             "decoded from it)",
             cut, (size_t)(18 + line.len));
    for (int i = 0; i < 2; i++) {
        assert_int_equal(js_lines_next(l, &line, &have, &err), EV_ERR_CORRUPT);
        assert_int_equal(have, 0);
        assert_string_equal(err.msg, want);
    }

    /* a member boundary inside a line */
    ev_buf_reset(&gz);
    gz_member(&gz, "a\nhal", 5);
    gz_member(&gz, "f\r\nc\n", 5);
    gz_reader_reset_mem(r, gz.data, gz.len);
    js_lines_reset_gz(l, r);
    const char *want_lines[] = {"a", "half", "c"};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(js_lines_next(l, &line, &have, &err), EV_OK);
        assert_int_equal(line.len, strlen(want_lines[i]));
        assert_memory_equal(line.ptr, want_lines[i], line.len);
    }
    assert_int_equal(js_lines_next(l, &line, &have, &err), EV_OK);
    assert_int_equal(have, 0);

    /* a source that fails right after a newline: no cut line, the error at once */
    chunky c = {(const uint8_t *)"x\ny\n", 4, 0, 0, NULL, 0, 1};
    js_lines_reset(l, chunky_read, &c);
    assert_int_equal(js_lines_next(l, &line, &have, &err), EV_OK);
    assert_int_equal(js_lines_next(l, &line, &have, &err), EV_OK);
    assert_memory_equal(line.ptr, "y", 1);
    assert_int_equal(js_lines_next(l, &line, &have, &err), EV_ERR_CORRUPT);
    assert_string_equal(err.msg, "source broke at 4");
    free(c.cur);
    gz_reader_close(r);
    js_lines_destroy(l);
    ev_buf_free(&text);
    ev_buf_free(&gz);
}

static void test_lines_nomem(void **state) {
    (void)state;
    ev_limit_allocator lim;
    ev_limit_allocator_init(&lim, NULL, SIZE_MAX, 100000); /* the splitter fits, a 200 KB line does not */
    js_lines *l;
    ev_error err;
    assert_int_equal(js_lines_create(&lim.iface, 0, &l, &err), EV_OK);
    ev_buf text;
    ev_buf_init(&text, NULL);
    for (int i = 0; i < 200000; i++)
        assert_int_equal(ev_buf_append(&text, "x", 1), EV_OK);
    chunky c = {text.data, text.len, 0, 0, NULL, 0, 0};
    js_lines_reset(l, chunky_read, &c);
    js_line line;
    int have;
    ev_status st;
    while ((st = js_lines_next(l, &line, &have, &err)) == EV_OK && have) {
    }
    assert_int_equal(st, EV_ERR_NOMEM);
    assert_non_null(strstr(err.msg, "out of memory assembling line 1"));
    free(c.cur);
    js_lines_destroy(l);
    assert_int_equal(lim.live_bytes, 0);
    ev_limit_allocator_init(&lim, NULL, 0, 0);
    assert_int_equal(js_lines_create(&lim.iface, 0, &l, &err), EV_ERR_NOMEM);
    ev_buf_free(&text);
}

/* ---- scanner ---- */

typedef struct fixture {
    js_schema schema;
    js_scanner *s;
    js_value v[JS_EV_NFIELDS];
    js_scan_info info;
    ev_error err;
} fixture;

static int setup(void **state) {
    fixture *f = calloc(1, sizeof *f);
    assert_int_equal(js_schema_init_events(&f->schema, &f->err), EV_OK);
    assert_int_equal(js_scanner_create(NULL, &f->schema, 0, &f->s, &f->err), EV_OK);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    js_scanner_destroy(f->s);
    free(f);
    return 0;
}

static ev_status scan(fixture *f, const char *line) {
    return js_scan(f->s, line, strlen(line), 17, f->v, &f->info, &f->err);
}

static void assert_str(const js_value *v, const char *want) {
    assert_int_equal(v->type, JS_STRING);
    assert_int_equal(v->len, strlen(want));
    assert_memory_equal(v->ptr, want, v->len);
}

static void check_event(fixture *f) {
    assert_str(&f->v[JS_EV_TIMESTAMP], "2025-11-19T17:44:54.718325+00:00");
    assert_str(&f->v[JS_EV_USER_ID], "u_48213");
    assert_str(&f->v[JS_EV_SESSION_ID], "s_77120");
    assert_str(&f->v[JS_EV_EVENT_TYPE], "purchase");
    assert_str(&f->v[JS_EV_PRODUCT_ID], "p_3004");
    assert_int_equal(f->v[JS_EV_QUANTITY].type, JS_NUMBER);
    assert_int_equal(f->v[JS_EV_QUANTITY].is_int, 1);
    assert_int_equal(f->v[JS_EV_QUANTITY].i, 2);
    assert_int_equal(f->v[JS_EV_PRICE].type, JS_NUMBER);
    assert_int_equal(f->v[JS_EV_PRICE].is_int, 0);
    assert_true(f->v[JS_EV_PRICE].d == 123.45);
    assert_int_equal(f->v[JS_EV_PRICE].len, 6);
    assert_memory_equal(f->v[JS_EV_PRICE].ptr, "123.45", 6);
    assert_str(&f->v[JS_EV_CATEGORY], "home");
    assert_int_equal(f->v[JS_EV_SEARCH_QUERY].type, JS_NULL);
}

static void test_scan_event(void **state) {
    fixture *f = *state;
    assert_int_equal(scan(f, EVENT), EV_OK);
    check_event(f);
    assert_int_equal(f->info.unknown_keys, 0);
    assert_int_equal(f->info.duplicate_keys, 0);
    /* zero-copy: the strings point into the line; columns are 1-based */
    assert_ptr_equal(f->v[JS_EV_USER_ID].ptr, strstr(EVENT, "u_48213"));
    assert_int_equal(f->v[JS_EV_USER_ID].escaped, 0);
    assert_int_equal(f->v[JS_EV_TIMESTAMP].col, 15);
    assert_int_equal(f->v[JS_EV_QUANTITY].col, (uint32_t)(strstr(EVENT, "2, \"price") - EVENT) + 1);

    /* another order, other whitespace (tabs, none, around colons), CRLF-stripped line */
    const char *shuffled =
        "  {\"search_query\":null,\"price\" :\t123.45 ,\"quantity\":2,\"category\":\"home\","
        "\r\n\"product_id\"\t:\"p_3004\", \"event_type\": \"purchase\",\"session_id\":\"s_77120\","
        "\"user_id\":\"u_48213\",\"timestamp\":\"2025-11-19T17:44:54.718325+00:00\"}\t ";
    assert_int_equal(scan(f, shuffled), EV_OK);
    check_event(f);
    /* missing fields and an empty object */
    assert_int_equal(scan(f, "{\"user_id\": \"u_1\"}"), EV_OK);
    assert_str(&f->v[JS_EV_USER_ID], "u_1");
    for (int i = 0; i < JS_EV_NFIELDS; i++)
        if (i != JS_EV_USER_ID) assert_int_equal(f->v[i].type, JS_ABSENT);
    assert_int_equal(scan(f, " { } "), EV_OK);
    for (int i = 0; i < JS_EV_NFIELDS; i++)
        assert_int_equal(f->v[i].type, JS_ABSENT);
    /* null where a value is expected; booleans; nested values in schema fields */
    assert_int_equal(
        scan(f, "{\"quantity\": null, \"price\": true, \"category\": false, \"user_id\": [1, {\"a\": "
                "[]}], \"session_id\": {}}"),
        EV_OK);
    assert_int_equal(f->v[JS_EV_QUANTITY].type, JS_NULL);
    assert_int_equal(f->v[JS_EV_PRICE].type, JS_BOOL);
    assert_int_equal(f->v[JS_EV_PRICE].b, 1);
    assert_int_equal(f->v[JS_EV_CATEGORY].type, JS_BOOL);
    assert_int_equal(f->v[JS_EV_CATEGORY].b, 0);
    assert_int_equal(f->v[JS_EV_USER_ID].type, JS_ARRAY);
    assert_int_equal(f->v[JS_EV_USER_ID].len, strlen("[1, {\"a\": []}]"));
    assert_memory_equal(f->v[JS_EV_USER_ID].ptr, "[1, {\"a\": []}]", f->v[JS_EV_USER_ID].len);
    assert_int_equal(f->v[JS_EV_SESSION_ID].type, JS_OBJECT);
    assert_int_equal(f->v[JS_EV_SESSION_ID].len, 2);
    assert_string_equal(js_type_name(JS_OBJECT), "object");
}

static void test_scan_unknown_and_duplicate_keys(void **state) {
    fixture *f = *state;
    const char *line =
        "{\"x\": {\"a\": [1, {\"b\": null, \"c\": \"}]\\\"\"}], \"d\": -0.5e+3}, \"user_id\": \"u_1\", "
        "\"y\": [[], [[true, false]], {}], \"z\": \"\\u00e9\", \"user_id\": \"u_2\", \"n\": 1}";
    assert_int_equal(scan(f, line), EV_OK);
    assert_str(&f->v[JS_EV_USER_ID], "u_2"); /* the last wins */
    assert_int_equal(f->info.unknown_keys, 4);
    assert_int_equal(f->info.duplicate_keys, 1);
    /* a key spelled with an escape is the same key */
    assert_int_equal(scan(f, "{\"user\\u005fid\": \"u_9\"}"), EV_OK);
    assert_str(&f->v[JS_EV_USER_ID], "u_9");
    assert_int_equal(f->info.unknown_keys, 0);
    /* keys that only look like schema keys */
    assert_int_equal(scan(f, "{\"user_i\": 1, \"user_idx\": 2, \"User_id\": 3, \"\": 4}"), EV_OK);
    assert_int_equal(f->v[JS_EV_USER_ID].type, JS_ABSENT);
    assert_int_equal(f->info.unknown_keys, 4);
}

static void test_scan_escapes(void **state) {
    fixture *f = *state;
    const char *line =
        "{\"search_query\": \"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t|\\u00e9\\u20AC\\ud83d\\ude00|\\u0000z\", "
        "\"category\": \"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}";
    assert_int_equal(scan(f, line), EV_OK);
    const char want[] = "a\"b\\c/d\b\f\n\r\t|\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80|\0z";
    const js_value *q = &f->v[JS_EV_SEARCH_QUERY];
    assert_int_equal(q->type, JS_STRING);
    assert_int_equal(q->escaped, 1);
    assert_int_equal(q->len, sizeof want - 1);
    assert_memory_equal(q->ptr, want, q->len);
    assert_true(q->ptr < line || q->ptr >= line + strlen(line)); /* decoded into the scratch */
    assert_str(&f->v[JS_EV_CATEGORY], "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"); /* raw UTF-8, zero-copy */
    assert_int_equal(f->v[JS_EV_CATEGORY].escaped, 0);
    /* two escaped strings in one line keep their own bytes */
    assert_int_equal(
        scan(f, "{\"user_id\": \"\\u0041\\n\", \"session_id\": \"x\\ty\", \"event_type\": \"\\\\\"}"), EV_OK);
    assert_str(&f->v[JS_EV_USER_ID], "A\n");
    assert_str(&f->v[JS_EV_SESSION_ID], "x\ty");
    assert_str(&f->v[JS_EV_EVENT_TYPE], "\\");
}

/* Every kind of malformed line: the exact message and column. */
static void test_scan_errors(void **state) {
    fixture *f = *state;
    struct {
        const char *line;
        const char *msg;
    } cases[] = {
        {"", "line 17 col 1: empty line: expected a JSON object"},
        {"   ", "line 17 col 4: empty line: expected a JSON object"},
        {"[1]", "line 17 col 1: expected '{': a line holds one JSON object"},
        {"{\"user_id\" \"u_1\"}", "line 17 col 12: expected ':' after object key"},
        {"{\"user_id\": \"u_1\",}", "line 17 col 19: expected a string key after ','"},
        {"{\"user_id\": \"u_1\"", "line 17 col 18: expected ',' or '}' after a value"},
        {"{\"user_id\": \"u_1\"} x", "line 17 col 20: unexpected data after the object"},
        {"{\"user_id\": \"u_1\"}{}", "line 17 col 19: unexpected data after the object"},
        {"{\"user_id\": \"u_1", "line 17 col 13: unterminated string"},
        {"{\"user_id\": \"u\\", "line 17 col 13: unterminated string"},
        {"{\"user_id\": \"a\tb\"}", "line 17 col 15: unescaped control character in string"},
        {"{\"user_id\": \"a\\xb\"}", "line 17 col 15: invalid escape in string"},
        {"{\"user_id\": \"\\u12G4\"}", "line 17 col 14: invalid \\u escape (4 hex digits expected)"},
        {"{\"user_id\": \"\\ud800\"}", "line 17 col 14: unpaired UTF-16 surrogate in \\u escape"},
        {"{\"user_id\": \"\\ud800\\u0041\"}", "line 17 col 14: unpaired UTF-16 surrogate in \\u escape"},
        {"{\"user_id\": \"\\udc00\"}", "line 17 col 14: unpaired UTF-16 surrogate in \\u escape"},
        {"{\"quantity\": 01}", "line 17 col 15: invalid number"},
        {"{\"quantity\": 1.}", "line 17 col 16: invalid number"},
        {"{\"quantity\": -}", "line 17 col 15: invalid number"},
        {"{\"quantity\": 1e}", "line 17 col 16: invalid number"},
        {"{\"quantity\": .5}", "line 17 col 14: expected a value"},
        {"{\"quantity\": +1}", "line 17 col 14: expected a value"},
        {"{\"quantity\": tru}", "line 17 col 14: invalid literal"},
        {"{\"quantity\": nul}", "line 17 col 14: invalid literal"},
        {"{\"quantity\": NaN}", "line 17 col 14: expected a value"},
        {"{\"quantity\": }", "line 17 col 14: expected a value"},
        {"{\"quantity\":", "line 17 col 13: expected a value"},
        {"{\"x\": [1, 2}", "line 17 col 12: expected ',' or ']' after an array element"},
        {"{\"x\": {\"a\" 1}}", "line 17 col 12: expected ':' after object key"},
        {"{\"x\": {1: 2}}", "line 17 col 8: expected a string key or '}'"},
        {"{\"x\": [1,]}", "line 17 col 10: expected a value"},
        {"{\"x\": {\"a\": 1,}}", "line 17 col 15: expected a string key after ','"},
        {"{\"x\": [\"\xff\"]}", "line 17 col 9: invalid UTF-8 in string"},
        {"{'user_id': 1}", "line 17 col 2: expected a string key or '}'"},
        {"{\"a\": 1 \"b\": 2}", "line 17 col 9: expected ',' or '}' after a value"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t len = strlen(cases[i].line);
        ev_status st = js_scan(f->s, cases[i].line, len, 17, f->v, &f->info, &f->err);
        if (st != EV_ERR_INPUT || strcmp(f->err.msg, cases[i].msg) != 0)
            fprintf(stderr, "case %zu: %s -> %s\n", i, cases[i].line, f->err.msg);
        assert_int_equal(st, EV_ERR_INPUT);
        assert_string_equal(f->err.msg, cases[i].msg);
        assert_non_null(f->info.err_reason);
        assert_true(f->info.err_col >= 1 && f->info.err_col <= len + 1);
    }
    /* a NUL byte outside a string */
    assert_int_equal(js_scan(f->s, "{\"user_id\": \"u_1\"\0}", 19, 17, f->v, &f->info, &f->err),
                     EV_ERR_INPUT);
    assert_string_equal(f->err.msg, "line 17 col 18: expected ',' or '}' after a value");
    /* no line number: just the column */
    assert_int_equal(js_scan(f->s, "{", 1, 0, f->v, NULL, &f->err), EV_ERR_INPUT);
    assert_string_equal(f->err.msg, "col 2: expected a string key or '}'");
}

static void test_scan_invalid_utf8(void **state) {
    fixture *f = *state;
    struct {
        const char *bytes;
        int ok;
    } cases[] = {
        {"\xc3\xa9", 1},
        {"\xe2\x82\xac", 1},
        {"\xf0\x9f\x98\x80", 1},
        {"\xf4\x8f\xbf\xbf", 1},
        {"\xc0\xaf", 0},
        {"\xc1\xbf", 0},
        {"\xe0\x80\xaf", 0},
        {"\xed\xa0\x80", 0},
        {"\xf0\x80\x80\xaf", 0},
        {"\xf4\x90\x80\x80", 0},
        {"\xf5\x80\x80\x80", 0},
        {"\xff", 0},
        {"\x80", 0},
        {"\xe2\x82", 0},
        {"\xc3", 0},
        {"\xc3\x28", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char line[128];
        /* in a schema field, in a skipped field, and in a key; at the start and after 20 ASCII bytes
         * (the vector path) */
        const char *fmts[] = {"{\"user_id\": \"%s\"}", "{\"other\": [\"abcdefghijklmnopqrst%s\"]}",
                              "{\"k%s\": 1}"};
        for (int k = 0; k < 3; k++) {
            snprintf(line, sizeof line, fmts[k], cases[i].bytes);
            ev_status st = scan(f, line);
            assert_int_equal(st, cases[i].ok ? EV_OK : EV_ERR_INPUT);
            if (!cases[i].ok) {
                size_t col = (size_t)(strstr(line, cases[i].bytes) - line) + 1;
                char want[64];
                snprintf(want, sizeof want, "line 17 col %zu: invalid UTF-8 in string", col);
                assert_string_equal(f->err.msg, want);
            }
        }
    }
    /* non-ASCII outside strings */
    assert_int_equal(scan(f, "{\"a\": \xc3\xa9}"), EV_ERR_INPUT);
    assert_string_equal(f->err.msg, "line 17 col 7: expected a value");
}

/* Deep nesting in an unknown field: bounded, iterative, exact column; up to the limit it is fine. */
static void test_scan_deep_nesting(void **state) {
    fixture *f = *state;
    size_t n = 200000;
    char *line = malloc(n * 2 + 32);
    assert_non_null(line);
    size_t o = (size_t)sprintf(line, "{\"x\": ");
    for (size_t i = 0; i < n; i++)
        line[o++] = '[';
    for (size_t i = 0; i < n; i++)
        line[o++] = ']';
    line[o++] = '}';
    assert_int_equal(js_scan(f->s, line, o, 3, f->v, &f->info, &f->err), EV_ERR_INPUT);
    /* depth 1 is the line's object: 63 arrays fit in the default 64, the 64th fails */
    assert_string_equal(f->err.msg, "line 3 col 70: nesting too deep");
    o = (size_t)sprintf(line, "{\"x\": ");
    for (size_t i = 0; i < 63; i++)
        line[o++] = '[';
    for (size_t i = 0; i < 63; i++)
        line[o++] = ']';
    o += (size_t)sprintf(line + o, ", \"user_id\": \"u\"}");
    assert_int_equal(js_scan(f->s, line, o, 3, f->v, &f->info, &f->err), EV_OK);
    assert_str(&f->v[JS_EV_USER_ID], "u");
    assert_int_equal(f->info.unknown_keys, 1);
    /* a scanner with a higher limit takes the deep line */
    js_scanner *deep;
    assert_int_equal(js_scanner_create(NULL, &f->schema, 4096, &deep, &f->err), EV_OK);
    o = (size_t)sprintf(line, "{\"x\": ");
    for (size_t i = 0; i < 4095; i++)
        line[o++] = '[';
    for (size_t i = 0; i < 4095; i++)
        line[o++] = ']';
    line[o++] = '}';
    assert_int_equal(js_scan(deep, line, o, 3, f->v, &f->info, &f->err), EV_OK);
    js_scanner_destroy(deep);
    assert_int_equal(js_scanner_create(NULL, &f->schema, 4097, &deep, &f->err), EV_ERR_INPUT);
    free(line);
}

static void test_numbers(void **state) {
    fixture *f = *state;
    struct {
        const char *text;
        int is_int;
        int64_t i;
        double d;
    } cases[] = {
        {"0", 1, 0, 0.0},
        {"-0", 1, 0, -0.0},
        {"2", 1, 2, 2.0},
        {"-17", 1, -17, -17.0},
        {"9223372036854775807", 1, INT64_MAX, 9223372036854775807.0},
        {"-9223372036854775808", 1, INT64_MIN, -9223372036854775808.0},
        {"9223372036854775808", 0, 0, 9223372036854775808.0},
        {"12345678901234567890123", 0, 0, 1.2345678901234568e22},
        {"123.45", 0, 0, 123.45},
        {"0.1", 0, 0, 0.1},
        {"1e2", 0, 0, 100.0},
        {"1E+2", 0, 0, 100.0},
        {"2.5e-3", 0, 0, 0.0025},
        {"1.7976931348623157e308", 0, 0, 1.7976931348623157e308},
        {"5e-324", 0, 0, 5e-324},
        {"1e400", 0, 0, HUGE_VAL},
        {"-1e400", 0, 0, -HUGE_VAL},
        {"0.30000000000000004", 0, 0, 0.30000000000000004},
        {"299.99", 0, 0, 299.99},
        {"9007199254740993", 1, 9007199254740993, 9007199254740992.0},
        {"9007199254740993.0", 0, 0, 9007199254740992.0},
        {"0.000000000000000000000000000001", 0, 0, 1e-30},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char line[128];
        snprintf(line, sizeof line, "{\"price\": %s}", cases[i].text);
        assert_int_equal(scan(f, line), EV_OK);
        const js_value *v = &f->v[JS_EV_PRICE];
        assert_int_equal(v->type, JS_NUMBER);
        assert_int_equal(v->len, strlen(cases[i].text));
        assert_int_equal(v->is_int, cases[i].is_int);
        if (cases[i].is_int) assert_true(v->i == cases[i].i);
        assert_true(v->d == cases[i].d);
        assert_int_equal(signbit(v->d) != 0, signbit(cases[i].d) != 0);
    }
    /* against strtod: random doubles in several notations */
    uint64_t x = 12345;
    for (int i = 0; i < 200000; i++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        double d;
        uint64_t bits = x;
        memcpy(&d, &bits, sizeof d);
        if (!isfinite(d)) continue;
        char text[64];
        const char *fmt[] = {"%.17g", "%.15g", "%.2f", "%.6e"};
        snprintf(text, sizeof text, fmt[i % 4], i % 4 == 2 ? fmod(d, 1e6) : d);
        if (strchr(text, 'n') || strchr(text, 'i')) continue;
        double got;
        assert_int_equal(js_parse_double(text, strlen(text), &got), JS_NUM_OK);
        double want = strtod(text, NULL);
        if (got != want) fprintf(stderr, "%s: %.17g != %.17g\n", text, got, want);
        assert_true(got == want);
    }
}

static void test_conversion_helpers(void **state) {
    fixture *f = *state;
    struct {
        const char *text;
        js_num_status st;
        int32_t v;
    } ints[] = {
        {"2", JS_NUM_OK, 2},
        {"-2147483648", JS_NUM_OK, INT32_MIN},
        {"2147483647", JS_NUM_OK, INT32_MAX},
        {"2147483648", JS_NUM_RANGE, 0},
        {"-2147483649", JS_NUM_RANGE, 0},
        {"99999999999999999999999", JS_NUM_RANGE, 0},
        {"2.0", JS_NUM_OK, 2},
        {"1e2", JS_NUM_OK, 100},
        {"2.5", JS_NUM_FRACTION, 0},
        {"1e10", JS_NUM_RANGE, 0},
        {"1e400", JS_NUM_RANGE, 0},
        {"-0", JS_NUM_OK, 0},
        {"", JS_NUM_NOT_NUMBER, 0},
        {" 1", JS_NUM_NOT_NUMBER, 0},
        {"1 ", JS_NUM_NOT_NUMBER, 0},
        {"+1", JS_NUM_NOT_NUMBER, 0},
        {"0x10", JS_NUM_NOT_NUMBER, 0},
        {"1,5", JS_NUM_NOT_NUMBER, 0},
        {"inf", JS_NUM_NOT_NUMBER, 0},
        {"abc", JS_NUM_NOT_NUMBER, 0},
    };
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) {
        int32_t v = -1;
        assert_int_equal(js_parse_int32(ints[i].text, strlen(ints[i].text), &v), ints[i].st);
        if (ints[i].st == JS_NUM_OK) assert_int_equal(v, ints[i].v);
    }
    double d;
    assert_int_equal(js_parse_double("1e400", 5, &d), JS_NUM_RANGE);
    assert_int_equal(js_parse_double("-12.5", 5, &d), JS_NUM_OK);
    assert_true(d == -12.5);
    assert_int_equal(js_parse_double("12.", 3, &d), JS_NUM_NOT_NUMBER);

    /* values: a number, a number in a string, other types */
    int32_t q;
    int from_string;
    assert_int_equal(scan(f, "{\"quantity\": \"2\", \"price\": \"12.50\", \"category\": 3}"), EV_OK);
    assert_int_equal(f->v[JS_EV_QUANTITY].type, JS_STRING);
    assert_int_equal(js_value_int32(&f->v[JS_EV_QUANTITY], &q, &from_string), JS_NUM_OK);
    assert_int_equal(q, 2);
    assert_int_equal(from_string, 1);
    assert_int_equal(js_value_double(&f->v[JS_EV_PRICE], &d, &from_string), JS_NUM_OK);
    assert_true(d == 12.5);
    assert_int_equal(from_string, 1);
    assert_int_equal(scan(f, "{\"quantity\": 3, \"price\": 9.99, \"user_id\": \"2x\", \"category\": true}"),
                     EV_OK);
    assert_int_equal(js_value_int32(&f->v[JS_EV_QUANTITY], &q, &from_string), JS_NUM_OK);
    assert_int_equal(q, 3);
    assert_int_equal(from_string, 0);
    assert_int_equal(js_value_double(&f->v[JS_EV_PRICE], &d, NULL), JS_NUM_OK);
    assert_true(d == 9.99);
    assert_int_equal(js_value_int32(&f->v[JS_EV_PRICE], &q, NULL), JS_NUM_FRACTION);
    assert_int_equal(js_value_int32(&f->v[JS_EV_USER_ID], &q, &from_string), JS_NUM_NOT_NUMBER);
    assert_int_equal(from_string, 0);
    assert_int_equal(js_value_int32(&f->v[JS_EV_CATEGORY], &q, NULL), JS_NUM_NOT_NUMBER);
    assert_int_equal(js_value_int32(&f->v[JS_EV_SEARCH_QUERY], &q, NULL), JS_NUM_NOT_NUMBER); /* absent */
    assert_int_equal(js_value_double(&f->v[JS_EV_SESSION_ID], &d, NULL), JS_NUM_NOT_NUMBER);
    assert_int_equal(scan(f, "{\"quantity\": 1e999}"), EV_OK);
    assert_int_equal(js_value_double(&f->v[JS_EV_QUANTITY], &d, NULL), JS_NUM_RANGE);
    assert_string_equal(js_num_status_name(JS_NUM_FRACTION), "has a fraction");
}

static void test_schema(void **state) {
    (void)state;
    js_schema s;
    ev_error err;
    assert_int_equal(js_schema_init_events(&s, &err), EV_OK);
    assert_int_equal(s.perfect, 1);
    assert_int_equal(js_schema_find(&s, "price", 5), JS_EV_PRICE);
    assert_int_equal(js_schema_find(&s, "search_query", 12), JS_EV_SEARCH_QUERY);
    assert_int_equal(js_schema_find(&s, "prices", 6), -1);
    assert_int_equal(js_schema_find(&s, "", 0), -1);
    /* names that share length, first and last byte: still exact */
    const char *same[] = {"axb", "ayb", "azb", "awb", "a", "b", "ab"};
    assert_int_equal(js_schema_init(&s, same, 7, &err), EV_OK);
    for (int i = 0; i < 7; i++)
        assert_int_equal(js_schema_find(&s, same[i], strlen(same[i])), i);
    assert_int_equal(js_schema_find(&s, "avb", 3), -1);
    /* 64 names */
    static char names[64][8];
    const char *ptrs[65];
    for (int i = 0; i < 64; i++) {
        snprintf(names[i], sizeof names[i], "f%d", i);
        ptrs[i] = names[i];
    }
    assert_int_equal(js_schema_init(&s, ptrs, 64, &err), EV_OK);
    for (int i = 0; i < 64; i++)
        assert_int_equal(js_schema_find(&s, ptrs[i], strlen(ptrs[i])), i);
    ptrs[64] = "x";
    assert_int_equal(js_schema_init(&s, ptrs, 65, &err), EV_ERR_INPUT);
    assert_string_equal(err.msg, "a schema holds 1 to 64 field names, not 65");
    const char *dup[] = {"a", "b", "a"};
    assert_int_equal(js_schema_init(&s, dup, 3, &err), EV_ERR_INPUT);
    assert_string_equal(err.msg, "schema field 'a' appears twice");
    const char *empty[] = {"a", ""};
    assert_int_equal(js_schema_init(&s, empty, 2, &err), EV_ERR_INPUT);
    assert_string_equal(err.msg, "schema field 2: a name has 1 to 255 bytes");
}

static void test_scanner_nomem(void **state) {
    (void)state;
    js_schema sc;
    ev_error err;
    assert_int_equal(js_schema_init_events(&sc, &err), EV_OK);
    ev_limit_allocator lim;
    ev_limit_allocator_init(&lim, NULL, 1, 0);
    js_scanner *s;
    assert_int_equal(js_scanner_create(&lim.iface, &sc, 0, &s, &err), EV_OK);
    js_value v[JS_EV_NFIELDS];
    assert_int_equal(js_scan(s, EVENT, strlen(EVENT), 1, v, NULL, &err), EV_ERR_NOMEM);
    char want[64];
    snprintf(want, sizeof want, "out of memory scanning a %zu-byte line", strlen(EVENT));
    assert_string_equal(err.msg, want);
    js_scanner_destroy(s);
    assert_int_equal(lim.live_bytes, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines_basic),
        cmocka_unit_test(test_lines_chunked),
        cmocka_unit_test(test_lines_too_long),
        cmocka_unit_test(test_lines_over_1mb_gzip),
        cmocka_unit_test(test_lines_gzip_damage),
        cmocka_unit_test(test_lines_nomem),
        cmocka_unit_test_setup_teardown(test_scan_event, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scan_unknown_and_duplicate_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scan_escapes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scan_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scan_invalid_utf8, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scan_deep_nesting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_numbers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conversion_helpers, setup, teardown),
        cmocka_unit_test(test_schema),
        cmocka_unit_test(test_scanner_nomem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
