/*
 * cmd_parquet.c: `evlake parquet meta FILE` and `evlake parquet cat FILE`: look inside any Parquet
 * file (ours, DuckDB's, Spark's) with evlake's own reader, as parquet-tools does.
 *
 * meta prints the file summary, key-value metadata, the schema (physical, logical and converted
 * types, repetition), and per row group and column chunk: codec, encodings, values, sizes, page
 * offsets and statistics (decoded for the column's type). cat prints rows as an aligned table, CSV
 * or JSON lines, streaming one vector at a time per column.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ev_time.h"
#include "pq.h"

static const char *const parquet_help =
    "usage: evlake parquet meta FILE\n"
    "       evlake parquet cat FILE [--limit N] [--columns a,b,...] [--format table|csv|json]\n"
    "\n"
    "meta: the file's schema, row groups, and per column chunk its codec, encodings, value count,\n"
    "      compressed and uncompressed sizes, page offsets, null count and min/max statistics.\n"
    "cat:  the rows (all, or the first N), of all columns or those named; table (default), CSV with\n"
    "      a header, or one JSON object per line. Timestamps print in UTC with microseconds,\n"
    "      decimals with their scale, binary values in hex.\n";

/* ---- value rendering ---- */

typedef enum fmt { FMT_TABLE, FMT_CSV, FMT_JSON } fmt;

static void put_double(ev_buf *b, double d, bool is_float, ev_status *st) {
    char tmp[64];
    if (isnan(d))
        snprintf(tmp, sizeof tmp, "NaN");
    else if (isinf(d))
        snprintf(tmp, sizeof tmp, d > 0 ? "Infinity" : "-Infinity");
    else {
        /* the shortest form that reads back to the same value */
        for (int prec = is_float ? 6 : 15; prec <= 17; prec++) {
            snprintf(tmp, sizeof tmp, "%.*g", prec, d);
            if (is_float ? (float)strtod(tmp, NULL) == (float)d : strtod(tmp, NULL) == d) break;
        }
    }
    if (*st == EV_OK) *st = ev_buf_append_str(b, tmp);
}

static void put_ts(ev_buf *b, int64_t us, bool iso, ev_status *st) {
    ev_civil c;
    ev_time_to_civil(us, &c);
    char tmp[64];
    int n = snprintf(tmp, sizeof tmp, "%04d-%02d-%02d%c%02d:%02d:%02d", c.year, c.month, c.day,
                     iso ? 'T' : ' ', c.hour, c.minute, c.second);
    if (c.usec) n += snprintf(tmp + n, sizeof tmp - (size_t)n, ".%06d", c.usec);
    if (iso) snprintf(tmp + n, sizeof tmp - (size_t)n, "Z");
    if (*st == EV_OK) *st = ev_buf_append_str(b, tmp);
}

static void put_date(ev_buf *b, int64_t days, ev_status *st) {
    int y, m, d;
    ev_civil_from_days(days, &y, &m, &d);
    if (*st == EV_OK) *st = ev_buf_printf(b, "%04d-%02d-%02d", y, m, d);
}

static bool is_text(const pq_column_desc *c) {
    return c->logical.kind == PQ_LOGICAL_STRING || c->logical.kind == PQ_LOGICAL_JSON ||
           c->logical.kind == PQ_LOGICAL_ENUM;
}

/* Appends the text form of one value. `quoted`: JSON strings with quotes and escapes. */
static void put_bytes(ev_buf *b, const pq_column_desc *c, const char *p, size_t n, fmt f, ev_status *st) {
    if (*st != EV_OK) return;
    if (!is_text(c)) {
        if (f == FMT_JSON) *st = ev_buf_append(b, "\"", 1);
        for (size_t i = 0; i < n && *st == EV_OK; i++)
            *st = ev_buf_printf(b, "%02x", (unsigned char)p[i]);
        if (f == FMT_JSON && *st == EV_OK) *st = ev_buf_append(b, "\"", 1);
        return;
    }
    if (f == FMT_JSON) {
        *st = ev_buf_append(b, "\"", 1);
        for (size_t i = 0; i < n && *st == EV_OK; i++) {
            unsigned char ch = (unsigned char)p[i];
            if (ch == '"' || ch == '\\')
                *st = ev_buf_printf(b, "\\%c", ch);
            else if (ch < 0x20)
                *st = ev_buf_printf(b, "\\u%04x", ch);
            else
                *st = ev_buf_append(b, &p[i], 1);
        }
        if (*st == EV_OK) *st = ev_buf_append(b, "\"", 1);
    } else if (f == FMT_CSV) {
        bool q = false;
        for (size_t i = 0; i < n; i++)
            if (p[i] == ',' || p[i] == '"' || p[i] == '\n' || p[i] == '\r') q = true;
        if (q) *st = ev_buf_append(b, "\"", 1);
        for (size_t i = 0; i < n && *st == EV_OK; i++)
            *st = p[i] == '"' ? ev_buf_append(b, "\"\"", 2) : ev_buf_append(b, &p[i], 1);
        if (q && *st == EV_OK) *st = ev_buf_append(b, "\"", 1);
    } else {
        for (size_t i = 0; i < n && *st == EV_OK; i++) {
            unsigned char ch = (unsigned char)p[i];
            *st = ch < 0x20 ? ev_buf_printf(b, "\\x%02x", ch) : ev_buf_append(b, &p[i], 1);
        }
    }
}

/* A value of the column's vector kind at `p` (after the reader's conversions). */
static void put_value(ev_buf *b, const pq_column_desc *c, const void *p, fmt f, ev_status *st) {
    const pq_logical *l = &c->logical;
    switch (c->vec_kind) {
    case PQ_VEC_BOOL:
        if (*st == EV_OK) *st = ev_buf_append_str(b, *(const uint8_t *)p ? "true" : "false");
        break;
    case PQ_VEC_I32: {
        int32_t v;
        memcpy(&v, p, 4);
        if (l->kind == PQ_LOGICAL_DATE) {
            if (f == FMT_JSON && *st == EV_OK) *st = ev_buf_append(b, "\"", 1);
            put_date(b, v, st);
            if (f == FMT_JSON && *st == EV_OK) *st = ev_buf_append(b, "\"", 1);
        } else if (*st == EV_OK) {
            *st = ev_buf_printf(b, "%d", v);
        }
        break;
    }
    case PQ_VEC_I64: {
        int64_t v;
        memcpy(&v, p, 8);
        if (l->kind == PQ_LOGICAL_TIMESTAMP) {
            if (f == FMT_JSON && *st == EV_OK) *st = ev_buf_append(b, "\"", 1);
            put_ts(b, v, f == FMT_JSON, st);
            if (f == FMT_JSON && *st == EV_OK) *st = ev_buf_append(b, "\"", 1);
        } else if (l->kind == PQ_LOGICAL_INT && !l->is_signed && l->bit_width == 64) {
            if (*st == EV_OK) *st = ev_buf_printf(b, "%" PRIu64, (uint64_t)v);
        } else if (*st == EV_OK) {
            *st = ev_buf_printf(b, "%" PRId64, v);
        }
        break;
    }
    case PQ_VEC_F32: {
        float v;
        memcpy(&v, p, 4);
        put_double(b, v, true, st);
        break;
    }
    case PQ_VEC_F64: {
        double v;
        memcpy(&v, p, 8);
        if (l->kind == PQ_LOGICAL_DECIMAL && isfinite(v) && *st == EV_OK)
            *st = ev_buf_printf(b, "%.*f", (int)l->scale, v);
        else
            put_double(b, v, false, st);
        break;
    }
    case PQ_VEC_BYTES: {
        const pq_str *s = p;
        put_bytes(b, c, s->ptr, s->len, f, st);
        break;
    }
    }
}

/* Decodes a PLAIN-encoded statistic into text. */
static void put_stat(ev_buf *b, const pq_column_desc *c, pq_str v, ev_status *st) {
    uint8_t tmp[16] = {0};
    size_t w = c->type == PQ_INT32 || c->type == PQ_FLOAT    ? 4
               : c->type == PQ_INT64 || c->type == PQ_DOUBLE ? 8
               : c->type == PQ_BOOLEAN                       ? 1
                                                             : 0;
    if (c->type == PQ_INT96 || (w && v.len != w)) {
        if (*st == EV_OK) *st = ev_buf_append_str(b, "?");
        return;
    }
    if (!w) {
        if (c->logical.kind == PQ_LOGICAL_DECIMAL) {
            if (*st == EV_OK) *st = ev_buf_append_str(b, "(decimal)");
            return;
        }
        put_bytes(b, c, v.ptr, v.len > 64 ? 64 : v.len, FMT_TABLE, st);
        if (v.len > 64 && *st == EV_OK) *st = ev_buf_append_str(b, "...");
        return;
    }
    memcpy(tmp, v.ptr, w);
    /* convert like the reader does */
    union {
        int32_t i32;
        int64_t i64;
        float f;
        double d;
        uint8_t b;
    } u;
    memcpy(&u, tmp, 8);
    if (c->vec_kind == PQ_VEC_F64 && c->logical.kind == PQ_LOGICAL_DECIMAL) {
        double d = (c->type == PQ_INT32 ? (double)u.i32 : (double)u.i64) / pow(10, c->logical.scale);
        put_value(b, c, &d, FMT_TABLE, st);
    } else if (c->vec_kind == PQ_VEC_I64 && c->type == PQ_INT32) {
        int64_t x = (int64_t)(uint32_t)u.i32;
        put_value(b, c, &x, FMT_TABLE, st);
    } else if (c->vec_kind == PQ_VEC_I64 && c->logical.kind == PQ_LOGICAL_TIMESTAMP) {
        int64_t x = u.i64;
        if (c->logical.unit == PQ_UNIT_MILLIS) x = (int64_t)((uint64_t)x * 1000u);
        if (c->logical.unit == PQ_UNIT_NANOS) x = x / 1000 - (x % 1000 < 0);
        put_value(b, c, &x, FMT_TABLE, st);
    } else {
        put_value(b, c, tmp, FMT_TABLE, st);
    }
}

/* ---- meta ---- */

static int cmd_meta(const char *path) {
    pq_reader *r;
    ev_error err = {0};
    if (pq_reader_open_file(path, NULL, &r, &err) != EV_OK) return cli_fail("parquet", &err);
    const pq_file_meta *m = pq_reader_meta(r);
    ev_buf b;
    ev_buf_init(&b, NULL);
    ev_status st = EV_OK;
    printf("file:        %s\n", path);
    printf("size:        %" PRIu64 " bytes (footer %u bytes)\n", m->file_size, m->footer_length);
    printf("created by:  %s\n", m->created_by[0] ? m->created_by : "(unknown)");
    printf("version:     %d\n", (int)m->version);
    printf("rows:        %" PRId64 " in %zu row group%s\n", m->num_rows, m->num_row_groups,
           m->num_row_groups == 1 ? "" : "s");
    if (m->num_kv) {
        printf("key-value metadata:\n");
        for (size_t i = 0; i < m->num_kv; i++) {
            const char *v = m->kv[i].value;
            size_t vl = v ? strlen(v) : 0;
            printf("  %s = %.*s%s\n", m->kv[i].key, (int)(vl > 200 ? 200 : vl), v ? v : "(null)",
                   vl > 200 ? "..." : "");
        }
    }
    printf("schema (%zu columns):\n", m->num_columns);
    size_t w = 4;
    for (size_t c = 0; c < m->num_columns; c++)
        if (strlen(m->columns[c].path) > w) w = strlen(m->columns[c].path);
    for (size_t c = 0; c < m->num_columns; c++) {
        const pq_column_desc *cd = &m->columns[c];
        char lt[64];
        pq_logical_format(cd, lt, sizeof lt);
        char phys[48];
        if (cd->type == PQ_FIXED_LEN_BYTE_ARRAY)
            snprintf(phys, sizeof phys, "FIXED_LEN_BYTE_ARRAY(%d)", (int)cd->type_length);
        else
            snprintf(phys, sizeof phys, "%s", pq_type_name(cd->type));
        printf("  %3zu  %-*s  %-8s  %-20s %s%s\n", c, (int)w, cd->path,
               cd->repetition == PQ_REQUIRED   ? "REQUIRED"
               : cd->repetition == PQ_OPTIONAL ? "OPTIONAL"
                                               : "REPEATED",
               phys, lt, cd->max_rep ? "  (nested: not decoded)" : "");
    }
    for (size_t g = 0; g < m->num_row_groups; g++) {
        const pq_row_group_meta *rg = &m->row_groups[g];
        printf("row group %zu: %" PRId64 " rows, %" PRId64 " bytes compressed, %" PRId64 " uncompressed\n", g,
               rg->num_rows, rg->total_compressed_size, rg->total_byte_size);
        for (size_t c = 0; c < m->num_columns; c++) {
            const pq_chunk_meta *ch = &rg->chunks[c];
            const pq_column_desc *cd = &m->columns[c];
            ev_buf_reset(&b);
            for (int e = 0; e < 10 && st == EV_OK; e++)
                if (ch->encodings & (1u << e))
                    st = ev_buf_printf(&b, "%s%s", b.len ? "," : "", pq_encoding_name((pq_encoding)e));
            printf("  %-*s  %-12s %-40s values %-9" PRId64 " compressed %-9" PRId64
                   " uncompressed %-9" PRId64,
                   (int)w, cd->path, pq_codec_name(ch->codec), b.len ? (char *)b.data : "-", ch->num_values,
                   ch->total_compressed_size, ch->total_uncompressed_size);
            if (ch->dictionary_page_offset >= 0) printf(" dict@%" PRId64, ch->dictionary_page_offset);
            printf(" data@%" PRId64, ch->data_page_offset);
            if (ch->offset_index_offset >= 0) printf(" page-index");
            if (ch->has_stats) {
                if (ch->stats.has_null_count) printf(" nulls %" PRId64, ch->stats.null_count);
                if (ch->stats.has_min_max) {
                    ev_buf_reset(&b);
                    put_stat(&b, cd, ch->stats.min, &st);
                    if (st == EV_OK) st = ev_buf_append_str(&b, " .. ");
                    put_stat(&b, cd, ch->stats.max, &st);
                    if (st == EV_OK) st = ev_buf_append(&b, "", 1);
                    if (st == EV_OK)
                        printf(" min/max %s%s", (char *)b.data, ch->stats.legacy ? " (legacy)" : "");
                }
            }
            printf("\n");
        }
    }
    ev_buf_free(&b);
    pq_reader_close(r);
    if (fflush(stdout) != 0 || st != EV_OK) {
        err.code = st != EV_OK ? st : EV_ERR_IO;
        snprintf(err.msg, sizeof err.msg, "cannot write the output");
        return cli_fail("parquet", &err);
    }
    return 0;
}

/* ---- cat ---- */

typedef struct catcol {
    size_t index;
    const pq_column_desc *desc;
    pq_column_reader *cr;
    pq_vector v;
    size_t pos;
} catcol;

static int cmd_cat(const char *path, int64_t limit, const char *columns, fmt f) {
    pq_reader *r;
    ev_error err = {0};
    if (pq_reader_open_file(path, NULL, &r, &err) != EV_OK) return cli_fail("parquet", &err);
    const pq_file_meta *m = pq_reader_meta(r);
    size_t ncols = 0;
    catcol *cols = calloc(m->num_columns ? m->num_columns : 1, sizeof *cols);
    int rc = 0;
    ev_status st = EV_OK;
    ev_buf line, cell;
    ev_buf_init(&line, NULL);
    ev_buf_init(&cell, NULL);
    size_t *widths = NULL;
    if (!cols) {
        pq_reader_close(r);
        err.code = EV_ERR_NOMEM;
        snprintf(err.msg, sizeof err.msg, "out of memory");
        return cli_fail("parquet", &err);
    }
    if (columns) {
        const char *p = columns;
        while (*p) {
            const char *e = strchr(p, ',');
            size_t n = e ? (size_t)(e - p) : strlen(p);
            char name[512];
            snprintf(name, sizeof name, "%.*s", (int)n, p);
            int k = pq_reader_find_column(r, name);
            if (k < 0) {
                rc = cli_usage_error("parquet", "%s has no column '%s'", path, name);
                goto done;
            }
            if (ncols >= m->num_columns) {
                rc = cli_usage_error("parquet", "--columns names more columns than %s has", path);
                goto done;
            }
            cols[ncols++].index = (size_t)k;
            if (!e) break;
            p = e + 1;
        }
    } else {
        for (size_t c = 0; c < m->num_columns; c++)
            cols[ncols++].index = c;
    }
    for (size_t c = 0; c < ncols; c++) {
        cols[c].desc = &m->columns[cols[c].index];
        if (cols[c].desc->max_rep > 0) {
            err.code = EV_ERR_UNSUPPORTED;
            snprintf(err.msg, sizeof err.msg,
                     "%s: column %s is repeated (nested lists are not supported); pick others with --columns",
                     path, cols[c].desc->path);
            rc = cli_fail("parquet", &err);
            goto done;
        }
    }
    widths = calloc(ncols ? ncols : 1, sizeof *widths);
    /* header */
    if (f != FMT_JSON) {
        for (size_t c = 0; c < ncols; c++) {
            const char *name = cols[c].desc->path;
            const pq_column_desc *cd = cols[c].desc;
            size_t tw = cd->vec_kind == PQ_VEC_BOOL    ? 5
                        : cd->vec_kind == PQ_VEC_I32   ? (cd->logical.kind == PQ_LOGICAL_DATE ? 10 : 11)
                        : cd->vec_kind == PQ_VEC_I64   ? (cd->logical.kind == PQ_LOGICAL_TIMESTAMP ? 26 : 20)
                        : cd->vec_kind == PQ_VEC_BYTES ? 16
                                                       : 12;
            widths[c] = strlen(name) > tw ? strlen(name) : tw;
            if (c && st == EV_OK) st = ev_buf_append_str(&line, f == FMT_CSV ? "," : " | ");
            if (f == FMT_CSV)
                put_bytes(&line, &(pq_column_desc){.logical.kind = PQ_LOGICAL_STRING}, name, strlen(name),
                          FMT_CSV, &st);
            else if (st == EV_OK)
                st = ev_buf_printf(&line, "%-*s", (int)widths[c], name);
        }
        if (st == EV_OK) st = ev_buf_append(&line, "\n", 1);
        if (st == EV_OK) fwrite(line.data, 1, line.len, stdout);
        if (f == FMT_TABLE) {
            ev_buf_reset(&line);
            for (size_t c = 0; c < ncols && st == EV_OK; c++) {
                if (c) st = ev_buf_append_str(&line, "-+-");
                for (size_t k = 0; k < widths[c] && st == EV_OK; k++)
                    st = ev_buf_append(&line, "-", 1);
            }
            if (st == EV_OK) st = ev_buf_append(&line, "\n", 1);
            if (st == EV_OK) fwrite(line.data, 1, line.len, stdout);
        }
    }
    int64_t printed = 0;
    for (size_t g = 0; g < m->num_row_groups && (limit < 0 || printed < limit) && st == EV_OK; g++) {
        for (size_t c = 0; c < ncols; c++) {
            if (pq_column_open(r, g, cols[c].index, 0, &cols[c].cr, &err) != EV_OK) {
                rc = cli_fail("parquet", &err);
                goto done;
            }
            cols[c].pos = cols[c].v.n = 0;
        }
        for (int64_t row = 0;
             row < m->row_groups[g].num_rows && (limit < 0 || printed < limit) && st == EV_OK; row++) {
            ev_buf_reset(&line);
            if (f == FMT_JSON) st = ev_buf_append(&line, "{", 1);
            for (size_t c = 0; c < ncols && st == EV_OK; c++) {
                catcol *cc = &cols[c];
                if (cc->pos >= cc->v.n) {
                    if (pq_column_next(cc->cr, &cc->v, &err) != EV_OK) {
                        rc = cli_fail("parquet", &err);
                        goto done;
                    }
                    cc->pos = 0;
                    if (cc->v.n == 0) {
                        err.code = EV_ERR_CORRUPT;
                        snprintf(err.msg, sizeof err.msg,
                                 "%s: column %s of row group %zu ends before its %" PRId64 " rows", path,
                                 cc->desc->path, g, m->row_groups[g].num_rows);
                        rc = cli_fail("parquet", &err);
                        goto done;
                    }
                }
                const pq_vector *v = &cc->v;
                size_t i = cc->pos++;
                if (c) st = ev_buf_append_str(&line, f == FMT_CSV ? "," : f == FMT_JSON ? ", " : " | ");
                if (f == FMT_JSON && st == EV_OK) {
                    put_bytes(&line, &(pq_column_desc){.logical.kind = PQ_LOGICAL_STRING}, cc->desc->path,
                              strlen(cc->desc->path), FMT_JSON, &st);
                    if (st == EV_OK) st = ev_buf_append(&line, ": ", 2);
                }
                ev_buf_reset(&cell);
                if (v->valid && !v->valid[i]) {
                    if (st == EV_OK)
                        st = ev_buf_append_str(&cell, f == FMT_JSON ? "null" : f == FMT_CSV ? "" : "NULL");
                } else {
                    size_t ks = v->kind == PQ_VEC_BOOL                           ? 1
                                : v->kind == PQ_VEC_I32 || v->kind == PQ_VEC_F32 ? 4
                                : v->kind == PQ_VEC_BYTES                        ? sizeof(pq_str)
                                                                                 : 8;
                    put_value(&cell, cc->desc, (const uint8_t *)v->values + i * ks, f, &st);
                }
                if (st == EV_OK) st = ev_buf_append(&line, cell.data, cell.len);
                if (f == FMT_TABLE && st == EV_OK && c + 1 < ncols)
                    for (size_t k = cell.len; k < widths[c] && st == EV_OK; k++)
                        st = ev_buf_append(&line, " ", 1);
            }
            if (f == FMT_JSON && st == EV_OK) st = ev_buf_append(&line, "}", 1);
            if (st == EV_OK) st = ev_buf_append(&line, "\n", 1);
            if (st == EV_OK && fwrite(line.data, 1, line.len, stdout) != line.len) st = EV_ERR_IO;
            printed++;
        }
        for (size_t c = 0; c < ncols; c++) {
            pq_column_close(cols[c].cr);
            cols[c].cr = NULL;
        }
    }
    if (st != EV_OK || fflush(stdout) != 0) {
        err.code = st != EV_OK ? st : EV_ERR_IO;
        snprintf(err.msg, sizeof err.msg, "cannot write the output");
        rc = cli_fail("parquet", &err);
    }
done:
    for (size_t c = 0; c < ncols; c++)
        pq_column_close(cols[c].cr);
    free(cols);
    free(widths);
    ev_buf_free(&line);
    ev_buf_free(&cell);
    pq_reader_close(r);
    return rc;
}

int cli_cmd_parquet(const cli_ctx *ctx, int argc, char **argv) {
    (void)ctx;
    if (cli_wants_help(argc, argv)) {
        fputs(parquet_help, stdout);
        return 0;
    }
    if (argc < 2) return cli_usage_error("parquet", "say what to do: meta FILE or cat FILE");
    const char *sub = argv[1];
    if (strcmp(sub, "meta") != 0 && strcmp(sub, "cat") != 0)
        return cli_usage_error("parquet", "unknown subcommand '%s' (meta or cat)", sub);
    const char *file = NULL, *columns = NULL;
    int64_t limit = -1;
    fmt f = FMT_TABLE;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        bool is_cat = sub[0] == 'c';
        if (is_cat && !strcmp(a, "--limit") && i + 1 < argc) {
            char *end;
            long long v = strtoll(argv[++i], &end, 10);
            if (*end || v < 0 || end == argv[i])
                return cli_usage_error("parquet", "--limit: '%s' is not a count", argv[i]);
            limit = v;
        } else if (is_cat && !strcmp(a, "--columns") && i + 1 < argc) {
            columns = argv[++i];
            if (!columns[0]) return cli_usage_error("parquet", "--columns: name at least one column");
        } else if (is_cat && !strcmp(a, "--format") && i + 1 < argc) {
            const char *v = argv[++i];
            if (!strcmp(v, "table"))
                f = FMT_TABLE;
            else if (!strcmp(v, "csv"))
                f = FMT_CSV;
            else if (!strcmp(v, "json"))
                f = FMT_JSON;
            else
                return cli_usage_error("parquet", "--format: '%s' is not table, csv or json", v);
        } else if (a[0] == '-' && a[1]) {
            return cli_usage_error("parquet", "unknown option '%s' for %s", a, sub);
        } else if (!file) {
            file = a;
        } else {
            return cli_usage_error("parquet", "unexpected argument '%s'", a);
        }
    }
    if (!file) return cli_usage_error("parquet", "%s needs a FILE", sub);
    return sub[0] == 'm' ? cmd_meta(file) : cmd_cat(file, limit, columns, f);
}
