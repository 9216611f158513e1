/*
 * pq_meta.c: Parquet's Thrift structures, decoded into pq_file_meta / pq_page_header / pq_page_index
 * and encoded from the writer's state: FileMetaData, SchemaElement (with LogicalType and
 * ConvertedType), RowGroup, ColumnChunk, ColumnMetaData, Statistics, KeyValue, PageHeader (data v1,
 * data v2, dictionary), ColumnIndex and OffsetIndex. Field ids follow parquet.thrift; unknown fields
 * are skipped. Every decoded value that later code relies on (types, counts, sizes) is range-checked
 * here, so the decoders downstream can trust the metadata's shape.
 */
#include <stdio.h>

#include "pq_int.h"

#define TRY EV_TRY

/* Iterates the fields of a struct: `ty`, `id` are declared by the caller. */
#define FIELDS(t)                                                                                            \
    TRY(thrift_struct_begin(t));                                                                             \
    for (;;)

#define NEXT_FIELD(t)                                                                                        \
    TRY(thrift_field(t, &ty, &id));                                                                          \
    if (ty == THRIFT_STOP) break

static char *dup_str(ev_arena *a, const uint8_t *p, uint32_t n) {
    return ev_arena_strndup(a, (const char *)p, n);
}

static ev_status nomem(thrift_reader *t) {
    return ev_error_set(t->err, EV_ERR_NOMEM, "%s: out of memory decoding %s", t->name, t->what);
}

/* ---- Statistics ---- */
static ev_status read_stats(thrift_reader *t, pq_stats *s) {
    int ty;
    int16_t id;
    pq_str lmin = {0}, lmax = {0}, vmin = {0}, vmax = {0};
    bool has_lmin = false, has_lmax = false, has_vmin = false, has_vmax = false;
    memset(s, 0, sizeof *s);
    FIELDS(t) {
        NEXT_FIELD(t);
        const uint8_t *p;
        uint32_t n;
        switch (id) {
        case 1:
            TRY(thrift_read_binary(t, ty, &p, &n));
            lmax = (pq_str){(const char *)p, n};
            has_lmax = true;
            break;
        case 2:
            TRY(thrift_read_binary(t, ty, &p, &n));
            lmin = (pq_str){(const char *)p, n};
            has_lmin = true;
            break;
        case 3:
            TRY(thrift_read_i64(t, ty, &s->null_count));
            s->has_null_count = true;
            break;
        case 4:
            TRY(thrift_read_i64(t, ty, &s->distinct_count));
            s->has_distinct_count = true;
            break;
        case 5:
            TRY(thrift_read_binary(t, ty, &p, &n));
            vmax = (pq_str){(const char *)p, n};
            has_vmax = true;
            break;
        case 6:
            TRY(thrift_read_binary(t, ty, &p, &n));
            vmin = (pq_str){(const char *)p, n};
            has_vmin = true;
            break;
        default:
            TRY(thrift_skip(t, ty));
        }
    }
    if (has_vmin && has_vmax) {
        s->has_min_max = true;
        s->min = vmin;
        s->max = vmax;
    } else if (has_lmin && has_lmax) {
        s->has_min_max = true;
        s->legacy = true;
        s->min = lmin;
        s->max = lmax;
    }
    return EV_OK;
}

/* ---- page headers ---- */
static ev_status check_encoding(thrift_reader *t, int32_t e) {
    if (e < 0 || e > 9 || e == 1) return thrift_fail(t, "unknown encoding %d", e);
    return EV_OK;
}

ev_status pq_page_header_read(const uint8_t *data, size_t len, uint64_t base, const char *name,
                              pq_page_header *h, size_t *used, ev_error *err) {
    thrift_reader tr, *t = &tr;
    thrift_reader_init(t, data, len, base, name, "page header", err);
    memset(h, 0, sizeof *h);
    h->type = -1;
    h->uncompressed_size = h->compressed_size = -1;
    h->is_compressed = true;
    bool got_sub = false;
    int ty;
    int16_t id;
    int32_t v;
    FIELDS(t) {
        NEXT_FIELD(t);
        switch (id) {
        case 1:
            TRY(thrift_read_i32(t, ty, &v));
            h->type = v;
            break;
        case 2:
            TRY(thrift_read_i32(t, ty, &h->uncompressed_size));
            break;
        case 3:
            TRY(thrift_read_i32(t, ty, &h->compressed_size));
            break;
        case 5: /* DataPageHeader */
        case 7: /* DictionaryPageHeader */
        case 8: /* DataPageHeaderV2 */ {
            if (ty != THRIFT_STRUCT) return thrift_fail(t, "page sub-header is not a struct");
            int fid = id;
            got_sub = true;
            h->def_encoding = h->rep_encoding = PQ_RLE;
            FIELDS(t) {
                NEXT_FIELD(t);
                if (fid == 5) {
                    switch (id) {
                    case 1:
                        TRY(thrift_read_i32(t, ty, &h->num_values));
                        break;
                    case 2:
                        TRY(thrift_read_i32(t, ty, &v));
                        TRY(check_encoding(t, v));
                        h->encoding = v;
                        break;
                    case 3:
                        TRY(thrift_read_i32(t, ty, &v));
                        TRY(check_encoding(t, v));
                        h->def_encoding = v;
                        break;
                    case 4:
                        TRY(thrift_read_i32(t, ty, &v));
                        TRY(check_encoding(t, v));
                        h->rep_encoding = v;
                        break;
                    case 5:
                        if (ty != THRIFT_STRUCT) return thrift_fail(t, "statistics is not a struct");
                        TRY(read_stats(t, &h->stats));
                        h->has_stats = true;
                        break;
                    default:
                        TRY(thrift_skip(t, ty));
                    }
                } else if (fid == 7) {
                    switch (id) {
                    case 1:
                        TRY(thrift_read_i32(t, ty, &h->num_values));
                        break;
                    case 2:
                        TRY(thrift_read_i32(t, ty, &v));
                        TRY(check_encoding(t, v));
                        h->encoding = v;
                        break;
                    default:
                        TRY(thrift_skip(t, ty));
                    }
                } else {
                    bool b;
                    switch (id) {
                    case 1:
                        TRY(thrift_read_i32(t, ty, &h->num_values));
                        break;
                    case 2:
                        TRY(thrift_read_i32(t, ty, &h->num_nulls));
                        break;
                    case 3:
                        TRY(thrift_read_i32(t, ty, &h->num_rows));
                        break;
                    case 4:
                        TRY(thrift_read_i32(t, ty, &v));
                        TRY(check_encoding(t, v));
                        h->encoding = v;
                        break;
                    case 5:
                        TRY(thrift_read_i32(t, ty, &h->def_len));
                        break;
                    case 6:
                        TRY(thrift_read_i32(t, ty, &h->rep_len));
                        break;
                    case 7:
                        TRY(thrift_read_bool(t, ty, &b));
                        h->is_compressed = b;
                        break;
                    case 8:
                        if (ty != THRIFT_STRUCT) return thrift_fail(t, "statistics is not a struct");
                        TRY(read_stats(t, &h->stats));
                        h->has_stats = true;
                        break;
                    default:
                        TRY(thrift_skip(t, ty));
                    }
                }
            }
            break;
        }
        default:
            TRY(thrift_skip(t, ty));
        }
    }
    if (h->type < 0 || h->type > 3) return thrift_fail(t, "missing or unknown page type %d", h->type);
    if (h->uncompressed_size < 0 || h->compressed_size < 0)
        return thrift_fail(t, "missing or negative page size");
    if (h->type != PQ_PAGE_INDEX && !got_sub)
        return thrift_fail(t, "page header without its type's sub-header");
    if (h->num_values < 0 || h->num_nulls < 0 || h->num_rows < 0 || h->def_len < 0 || h->rep_len < 0)
        return thrift_fail(t, "negative count in page header");
    if (h->type == PQ_PAGE_DATA_V2) {
        if (h->num_nulls > h->num_values) return thrift_fail(t, "more nulls than values");
        if ((int64_t)h->def_len + h->rep_len > h->compressed_size ||
            (int64_t)h->def_len + h->rep_len > h->uncompressed_size)
            return thrift_fail(t, "level lengths exceed the page size");
    }
    *used = (size_t)(t->p - t->start);
    return EV_OK;
}

static void write_stats(thrift_writer *w, int16_t id, const pq_stats *s) {
    thrift_w_struct_begin(w, id);
    if (s->has_null_count) thrift_w_i64(w, 3, s->null_count);
    if (s->has_distinct_count) thrift_w_i64(w, 4, s->distinct_count);
    if (s->has_min_max) {
        thrift_w_binary(w, 5, s->max.ptr, s->max.len);
        thrift_w_binary(w, 6, s->min.ptr, s->min.len);
    }
    thrift_w_struct_end(w);
}

ev_status pq_page_header_write(ev_buf *out, const pq_page_header *h) {
    thrift_writer tw, *w = &tw;
    thrift_writer_init(w, out);
    thrift_w_i32(w, 1, h->type);
    thrift_w_i32(w, 2, h->uncompressed_size);
    thrift_w_i32(w, 3, h->compressed_size);
    if (h->type == PQ_PAGE_DATA) {
        thrift_w_struct_begin(w, 5);
        thrift_w_i32(w, 1, h->num_values);
        thrift_w_i32(w, 2, h->encoding);
        thrift_w_i32(w, 3, PQ_RLE);
        thrift_w_i32(w, 4, PQ_RLE);
        if (h->has_stats) write_stats(w, 5, &h->stats);
        thrift_w_struct_end(w);
    } else if (h->type == PQ_PAGE_DICT) {
        thrift_w_struct_begin(w, 7);
        thrift_w_i32(w, 1, h->num_values);
        thrift_w_i32(w, 2, PQ_PLAIN);
        thrift_w_struct_end(w);
    } else {
        thrift_w_struct_begin(w, 8);
        thrift_w_i32(w, 1, h->num_values);
        thrift_w_i32(w, 2, h->num_nulls);
        thrift_w_i32(w, 3, h->num_rows);
        thrift_w_i32(w, 4, h->encoding);
        thrift_w_i32(w, 5, h->def_len);
        thrift_w_i32(w, 6, h->rep_len);
        thrift_w_bool(w, 7, h->is_compressed);
        if (h->has_stats) write_stats(w, 8, &h->stats);
        thrift_w_struct_end(w);
    }
    thrift_w_end(w);
    return w->st;
}

/* ---- schema ---- */
typedef struct schema_el {
    const char *name;
    int32_t type; /* -1: group */
    int32_t type_length;
    int32_t repetition; /* -1: absent */
    int32_t num_children;
    int32_t converted;
    int32_t scale, precision;
    pq_logical logical;
    bool has_logical;
} schema_el;

static ev_status read_time_unit(thrift_reader *t, pq_time_unit *u) {
    int ty;
    int16_t id;
    FIELDS(t) {
        NEXT_FIELD(t);
        if (id >= 1 && id <= 3) *u = (pq_time_unit)id;
        TRY(thrift_skip(t, ty));
    }
    return EV_OK;
}

static ev_status read_logical(thrift_reader *t, pq_logical *lt) {
    int ty;
    int16_t id;
    memset(lt, 0, sizeof *lt);
    FIELDS(t) {
        NEXT_FIELD(t);
        if (ty != THRIFT_STRUCT) {
            TRY(thrift_skip(t, ty));
            continue;
        }
        int outer = id;
        switch (outer) {
        case 1:
            lt->kind = PQ_LOGICAL_STRING;
            break;
        case 4:
            lt->kind = PQ_LOGICAL_ENUM;
            break;
        case 6:
            lt->kind = PQ_LOGICAL_DATE;
            break;
        case 11:
            lt->kind = PQ_LOGICAL_NULL;
            break;
        case 12:
            lt->kind = PQ_LOGICAL_JSON;
            break;
        case 13:
            lt->kind = PQ_LOGICAL_BSON;
            break;
        case 14:
            lt->kind = PQ_LOGICAL_UUID;
            break;
        case 15:
            lt->kind = PQ_LOGICAL_FLOAT16;
            break;
        case 5:
            lt->kind = PQ_LOGICAL_DECIMAL;
            break;
        case 7:
            lt->kind = PQ_LOGICAL_TIME;
            break;
        case 8:
            lt->kind = PQ_LOGICAL_TIMESTAMP;
            break;
        case 10:
            lt->kind = PQ_LOGICAL_INT;
            break;
        default:
            lt->kind = PQ_LOGICAL_OTHER;
            break;
        }
        FIELDS(t) {
            NEXT_FIELD(t);
            int32_t v;
            bool b;
            if (outer == 5 && (id == 1 || id == 2)) {
                TRY(thrift_read_i32(t, ty, &v));
                if (id == 1)
                    lt->scale = v;
                else
                    lt->precision = v;
            } else if ((outer == 7 || outer == 8) && id == 1) {
                TRY(thrift_read_bool(t, ty, &b));
                lt->utc = b;
            } else if ((outer == 7 || outer == 8) && id == 2 && ty == THRIFT_STRUCT) {
                TRY(read_time_unit(t, &lt->unit));
            } else if (outer == 10 && id == 1) {
                TRY(thrift_read_i32(t, ty, &v));
                lt->bit_width = v;
            } else if (outer == 10 && id == 2) {
                TRY(thrift_read_bool(t, ty, &b));
                lt->is_signed = b;
            } else {
                TRY(thrift_skip(t, ty));
            }
        }
    }
    return EV_OK;
}

static ev_status read_schema_el(thrift_reader *t, ev_arena *a, schema_el *e) {
    int ty;
    int16_t id;
    memset(e, 0, sizeof *e);
    e->type = -1;
    e->repetition = -1;
    e->converted = -1;
    e->name = NULL;
    FIELDS(t) {
        NEXT_FIELD(t);
        const uint8_t *p;
        uint32_t n;
        switch (id) {
        case 1:
            TRY(thrift_read_i32(t, ty, &e->type));
            break;
        case 2:
            TRY(thrift_read_i32(t, ty, &e->type_length));
            break;
        case 3:
            TRY(thrift_read_i32(t, ty, &e->repetition));
            break;
        case 4:
            TRY(thrift_read_binary(t, ty, &p, &n));
            if (!(e->name = dup_str(a, p, n))) return nomem(t);
            break;
        case 5:
            TRY(thrift_read_i32(t, ty, &e->num_children));
            break;
        case 6:
            TRY(thrift_read_i32(t, ty, &e->converted));
            break;
        case 7:
            TRY(thrift_read_i32(t, ty, &e->scale));
            break;
        case 8:
            TRY(thrift_read_i32(t, ty, &e->precision));
            break;
        case 10:
            if (ty != THRIFT_STRUCT) return thrift_fail(t, "logicalType is not a struct");
            TRY(read_logical(t, &e->logical));
            e->has_logical = true;
            break;
        default:
            TRY(thrift_skip(t, ty));
        }
    }
    if (!e->name) return thrift_fail(t, "schema element without a name");
    if (e->type < -1 || e->type > 7)
        return thrift_fail(t, "schema element '%s' has unknown type %d", e->name, e->type);
    if (e->repetition < -1 || e->repetition > 3)
        return thrift_fail(t, "schema element '%s' has unknown repetition %d", e->name, e->repetition);
    return EV_OK;
}

static pq_logical logical_from_converted(const schema_el *e) {
    pq_logical l = {0};
    switch (e->converted) {
    case 0:
        l.kind = PQ_LOGICAL_STRING;
        break;
    case 4:
        l.kind = PQ_LOGICAL_ENUM;
        break;
    case 5:
        l.kind = PQ_LOGICAL_DECIMAL;
        l.scale = e->scale;
        l.precision = e->precision;
        break;
    case 6:
        l.kind = PQ_LOGICAL_DATE;
        break;
    case 7:
        l.kind = PQ_LOGICAL_TIME;
        l.unit = PQ_UNIT_MILLIS;
        l.utc = true;
        break;
    case 8:
        l.kind = PQ_LOGICAL_TIME;
        l.unit = PQ_UNIT_MICROS;
        l.utc = true;
        break;
    case 9:
        l.kind = PQ_LOGICAL_TIMESTAMP;
        l.unit = PQ_UNIT_MILLIS;
        l.utc = true;
        break;
    case 10:
        l.kind = PQ_LOGICAL_TIMESTAMP;
        l.unit = PQ_UNIT_MICROS;
        l.utc = true;
        break;
    case 11:
    case 12:
    case 13:
    case 14:
        l.kind = PQ_LOGICAL_INT;
        l.is_signed = false;
        l.bit_width = 8 << (e->converted - 11);
        break;
    case 15:
    case 16:
    case 17:
    case 18:
        l.kind = PQ_LOGICAL_INT;
        l.is_signed = true;
        l.bit_width = 8 << (e->converted - 15);
        break;
    case 19:
        l.kind = PQ_LOGICAL_JSON;
        break;
    case 20:
        l.kind = PQ_LOGICAL_BSON;
        break;
    default:
        break;
    }
    return l;
}

static pq_vec_kind vec_kind_of(const pq_column_desc *c) {
    const pq_logical *l = &c->logical;
    switch (c->type) {
    case PQ_BOOLEAN:
        return PQ_VEC_BOOL;
    case PQ_INT32:
        if (l->kind == PQ_LOGICAL_DECIMAL) return PQ_VEC_F64;
        if (l->kind == PQ_LOGICAL_INT && !l->is_signed && l->bit_width >= 32) return PQ_VEC_I64;
        return PQ_VEC_I32;
    case PQ_INT64:
    case PQ_INT96:
        if (l->kind == PQ_LOGICAL_DECIMAL) return PQ_VEC_F64;
        return PQ_VEC_I64;
    case PQ_FLOAT:
        return PQ_VEC_F32;
    case PQ_DOUBLE:
        return PQ_VEC_F64;
    case PQ_BYTE_ARRAY:
    case PQ_FIXED_LEN_BYTE_ARRAY:
        if (l->kind == PQ_LOGICAL_DECIMAL) return PQ_VEC_F64;
        return PQ_VEC_BYTES;
    }
    return PQ_VEC_BYTES;
}

static ev_status build_schema(thrift_reader *t, ev_arena *a, schema_el *els, uint32_t n, pq_file_meta *m) {
    if (n == 0) return thrift_fail(t, "empty schema");
    if (els[0].num_children < 0) return thrift_fail(t, "bad root num_children");
    /* count leaves */
    size_t leaves = 0;
    for (uint32_t i = 1; i < n; i++)
        if (els[i].num_children <= 0) leaves++;
    m->columns = ev_arena_alloc(a, (leaves ? leaves : 1) * sizeof *m->columns);
    if (!m->columns) return nomem(t);
    m->num_columns = 0;
    /* depth-first walk with an explicit stack of (children left, def, rep, path length) */
    struct {
        int32_t left;
        int def, rep;
        size_t path_len;
    } st[64];
    int sp = 0;
    st[0].left = els[0].num_children;
    st[0].def = st[0].rep = 0;
    st[0].path_len = 0;
    char path[4096];
    uint32_t i = 1;
    while (sp >= 0) {
        if (st[sp].left == 0) {
            sp--;
            continue;
        }
        if (i >= n) return thrift_fail(t, "schema has fewer elements than its num_children say");
        st[sp].left--;
        schema_el *e = &els[i++];
        int def = st[sp].def, rep = st[sp].rep;
        if (e->repetition == PQ_OPTIONAL) def++;
        if (e->repetition == PQ_REPEATED) {
            def++;
            rep++;
        }
        size_t pl = st[sp].path_len;
        size_t nl = strlen(e->name);
        if (pl + nl + 2 > sizeof path) return thrift_fail(t, "schema path too long");
        if (pl) path[pl++] = '.';
        memcpy(path + pl, e->name, nl);
        pl += nl;
        if (e->num_children > 0) {
            if (sp + 1 >= 64) return thrift_fail(t, "schema nested deeper than 64");
            if (e->type >= 0 && e->num_children > 0) {
                /* a leaf type on a group: ignore the type */
            }
            sp++;
            st[sp].left = e->num_children;
            st[sp].def = def;
            st[sp].rep = rep;
            st[sp].path_len = pl;
            continue;
        }
        if (e->type < 0) return thrift_fail(t, "schema leaf '%s' has no type", e->name);
        pq_column_desc *c = &m->columns[m->num_columns++];
        memset(c, 0, sizeof *c);
        c->name = e->name;
        if (!(c->path = ev_arena_strndup(a, path, pl))) return nomem(t);
        c->type = (pq_type)e->type;
        c->type_length = e->type_length;
        c->repetition =
            e->repetition < 0 ? PQ_REQUIRED : (pq_repetition)(e->repetition > 2 ? 2 : e->repetition);
        c->converted_type = e->converted;
        c->logical = e->has_logical ? e->logical : logical_from_converted(e);
        if (c->logical.kind == PQ_LOGICAL_DECIMAL && c->logical.precision == 0) {
            c->logical.precision = e->precision;
            c->logical.scale = e->scale;
        }
        c->max_def = def;
        c->max_rep = rep;
        if (c->type == PQ_FIXED_LEN_BYTE_ARRAY && (c->type_length <= 0 || c->type_length > (1 << 24)))
            return thrift_fail(t, "column '%s': bad FIXED_LEN_BYTE_ARRAY length %d", c->path, c->type_length);
        if (c->logical.kind == PQ_LOGICAL_DECIMAL && (c->logical.scale < 0 || c->logical.scale > 76))
            return thrift_fail(t, "column '%s': bad decimal scale %d", c->path, c->logical.scale);
        /* annotations that do not fit the physical type are dropped rather than misread */
        if (c->logical.kind == PQ_LOGICAL_TIMESTAMP && c->type != PQ_INT64) c->logical.kind = PQ_LOGICAL_NONE;
        if (c->logical.kind == PQ_LOGICAL_DATE && c->type != PQ_INT32) c->logical.kind = PQ_LOGICAL_NONE;
        if (c->logical.kind == PQ_LOGICAL_INT && c->type != PQ_INT32 && c->type != PQ_INT64)
            c->logical.kind = PQ_LOGICAL_NONE;
        if (c->logical.kind == PQ_LOGICAL_DECIMAL &&
            (c->type == PQ_BOOLEAN || c->type == PQ_FLOAT || c->type == PQ_DOUBLE || c->type == PQ_INT96))
            c->logical.kind = PQ_LOGICAL_NONE;
        if (c->type == PQ_INT96) {
            c->logical.kind = PQ_LOGICAL_TIMESTAMP;
            c->logical.unit = PQ_UNIT_NANOS;
        }
        c->vec_kind = vec_kind_of(c);
        while (sp >= 0 && st[sp].left == 0)
            sp--;
        if (sp < 0) break;
    }
    if (i != n) return thrift_fail(t, "schema has %u elements beyond its tree", n - i);
    return EV_OK;
}

/* ---- column chunks, row groups ---- */
static ev_status read_col_meta(thrift_reader *t, pq_chunk_meta *c) {
    int ty;
    int16_t id;
    int et;
    uint32_t n;
    int32_t v;
    bool got_type = false, got_codec = false, got_dpo = false;
    FIELDS(t) {
        NEXT_FIELD(t);
        switch (id) {
        case 1:
            TRY(thrift_read_i32(t, ty, &v));
            if (v < 0 || v > 7) return thrift_fail(t, "unknown column type %d", v);
            c->type = (pq_type)v;
            got_type = true;
            break;
        case 2:
            TRY(thrift_list_begin(t, ty, &et, &n));
            for (uint32_t i = 0; i < n; i++) {
                TRY(thrift_elem_i32(t, et, &v));
                if (v >= 0 && v < 32) c->encodings |= 1u << v;
            }
            break;
        case 4:
            TRY(thrift_read_i32(t, ty, &v));
            if (v < 0 || v > 7) return thrift_fail(t, "unknown codec %d", v);
            c->codec = (pq_codec)v;
            got_codec = true;
            break;
        case 5:
            TRY(thrift_read_i64(t, ty, &c->num_values));
            break;
        case 6:
            TRY(thrift_read_i64(t, ty, &c->total_uncompressed_size));
            break;
        case 7:
            TRY(thrift_read_i64(t, ty, &c->total_compressed_size));
            break;
        case 9:
            TRY(thrift_read_i64(t, ty, &c->data_page_offset));
            got_dpo = true;
            break;
        case 11:
            TRY(thrift_read_i64(t, ty, &c->dictionary_page_offset));
            break;
        case 12:
            if (ty != THRIFT_STRUCT) return thrift_fail(t, "statistics is not a struct");
            TRY(read_stats(t, &c->stats));
            c->has_stats = true;
            break;
        default:
            TRY(thrift_skip(t, ty));
        }
    }
    if (!got_type || !got_codec || !got_dpo)
        return thrift_fail(t, "column metadata lacks type, codec or data_page_offset");
    if (c->num_values < 0 || c->total_compressed_size < 0 || c->total_uncompressed_size < 0 ||
        c->data_page_offset < 0)
        return thrift_fail(t, "negative size or offset in column metadata");
    return EV_OK;
}

static ev_status read_chunk(thrift_reader *t, pq_chunk_meta *c) {
    int ty;
    int16_t id;
    bool got_meta = false;
    memset(c, 0, sizeof *c);
    c->dictionary_page_offset = -1;
    c->offset_index_offset = c->column_index_offset = -1;
    FIELDS(t) {
        NEXT_FIELD(t);
        switch (id) {
        case 3:
            if (ty != THRIFT_STRUCT) return thrift_fail(t, "meta_data is not a struct");
            TRY(read_col_meta(t, c));
            got_meta = true;
            break;
        case 4:
            TRY(thrift_read_i64(t, ty, &c->offset_index_offset));
            break;
        case 5:
            TRY(thrift_read_i32(t, ty, &c->offset_index_length));
            break;
        case 6:
            TRY(thrift_read_i64(t, ty, &c->column_index_offset));
            break;
        case 7:
            TRY(thrift_read_i32(t, ty, &c->column_index_length));
            break;
        case 8:
        case 9:
            return ev_error_set(t->err, EV_ERR_UNSUPPORTED, "%s: encrypted column chunks are not supported",
                                t->name);
        default:
            TRY(thrift_skip(t, ty));
        }
    }
    if (!got_meta) return thrift_fail(t, "column chunk without meta_data");
    /* old writers put 0 where they mean "no dictionary" */
    if (c->dictionary_page_offset == 0) c->dictionary_page_offset = -1;
    return EV_OK;
}

static ev_status read_row_group(thrift_reader *t, ev_arena *a, const pq_file_meta *m, pq_row_group_meta *rg) {
    int ty;
    int16_t id;
    bool got_cols = false, got_rows = false, got_tcs = false;
    memset(rg, 0, sizeof *rg);
    FIELDS(t) {
        NEXT_FIELD(t);
        switch (id) {
        case 1: {
            int et;
            uint32_t n;
            TRY(thrift_list_begin(t, ty, &et, &n));
            if (n != m->num_columns)
                return thrift_fail(t, "row group has %u column chunks for %zu columns", n, m->num_columns);
            if (n && et != THRIFT_STRUCT) return thrift_fail(t, "column chunks are not structs");
            rg->chunks = ev_arena_alloc(a, (n ? n : 1) * sizeof *rg->chunks);
            if (!rg->chunks) return nomem(t);
            for (uint32_t i = 0; i < n; i++) {
                TRY(read_chunk(t, &rg->chunks[i]));
                if (rg->chunks[i].type != m->columns[i].type)
                    return thrift_fail(t, "column chunk %u has type %s, the schema says %s", i,
                                       pq_type_name(rg->chunks[i].type), pq_type_name(m->columns[i].type));
            }
            got_cols = true;
            break;
        }
        case 2:
            TRY(thrift_read_i64(t, ty, &rg->total_byte_size));
            break;
        case 3:
            TRY(thrift_read_i64(t, ty, &rg->num_rows));
            got_rows = true;
            break;
        case 6:
            TRY(thrift_read_i64(t, ty, &rg->total_compressed_size));
            got_tcs = true;
            break;
        default:
            TRY(thrift_skip(t, ty));
        }
    }
    if (!got_cols || !got_rows) return thrift_fail(t, "row group lacks columns or num_rows");
    if (rg->num_rows < 0) return thrift_fail(t, "negative num_rows in a row group");
    if (!got_tcs) {
        rg->total_compressed_size = 0;
        for (size_t i = 0; i < m->num_columns; i++)
            rg->total_compressed_size += rg->chunks[i].total_compressed_size;
    }
    return EV_OK;
}

ev_status pq_footer_read(const uint8_t *data, size_t len, uint64_t base, const char *name, ev_arena *a,
                         pq_file_meta *m, ev_error *err) {
    thrift_reader tr, *t = &tr;
    thrift_reader_init(t, data, len, base, name, "footer", err);
    int ty;
    int16_t id;
    bool got_schema = false, got_rows = false, got_rgs = false;
    const uint8_t *rg_start = NULL;
    uint32_t rg_n = 0;
    int rg_et = 0;
    m->created_by = "";
    FIELDS(t) {
        NEXT_FIELD(t);
        switch (id) {
        case 1:
            TRY(thrift_read_i32(t, ty, &m->version));
            break;
        case 2: {
            int et;
            uint32_t n;
            TRY(thrift_list_begin(t, ty, &et, &n));
            if (n && et != THRIFT_STRUCT) return thrift_fail(t, "schema elements are not structs");
            schema_el *els = ev_arena_alloc(a, (n ? n : 1) * sizeof *els);
            if (!els) return nomem(t);
            for (uint32_t i = 0; i < n; i++)
                TRY(read_schema_el(t, a, &els[i]));
            TRY(build_schema(t, a, els, n, m));
            got_schema = true;
            break;
        }
        case 3:
            TRY(thrift_read_i64(t, ty, &m->num_rows));
            got_rows = true;
            break;
        case 4: /* decoded after the schema, which may in theory come later */
            TRY(thrift_list_begin(t, ty, &rg_et, &rg_n));
            if (rg_n && rg_et != THRIFT_STRUCT) return thrift_fail(t, "row groups are not structs");
            rg_start = t->p;
            for (uint32_t i = 0; i < rg_n; i++)
                TRY(thrift_skip(t, THRIFT_STRUCT));
            got_rgs = true;
            break;
        case 5: {
            int et;
            uint32_t n;
            TRY(thrift_list_begin(t, ty, &et, &n));
            if (n && et != THRIFT_STRUCT) return thrift_fail(t, "key_value_metadata entries are not structs");
            m->kv = ev_arena_alloc(a, (n ? n : 1) * sizeof *m->kv);
            if (!m->kv) return nomem(t);
            m->num_kv = n;
            for (uint32_t i = 0; i < n; i++) {
                m->kv[i].key = NULL;
                m->kv[i].value = NULL;
                FIELDS(t) {
                    NEXT_FIELD(t);
                    const uint8_t *p;
                    uint32_t l;
                    if (id == 1 || id == 2) {
                        TRY(thrift_read_binary(t, ty, &p, &l));
                        char *s = dup_str(a, p, l);
                        if (!s) return nomem(t);
                        if (id == 1)
                            m->kv[i].key = s;
                        else
                            m->kv[i].value = s;
                    } else {
                        TRY(thrift_skip(t, ty));
                    }
                }
                if (!m->kv[i].key) return thrift_fail(t, "key_value_metadata entry without a key");
            }
            break;
        }
        case 6: {
            const uint8_t *p;
            uint32_t l;
            TRY(thrift_read_binary(t, ty, &p, &l));
            if (!(m->created_by = dup_str(a, p, l))) return nomem(t);
            break;
        }
        case 8:
        case 9:
            return ev_error_set(err, EV_ERR_UNSUPPORTED, "%s: encrypted Parquet files are not supported",
                                name);
        default:
            TRY(thrift_skip(t, ty));
        }
    }
    if (!got_schema || !got_rows || !got_rgs)
        return thrift_fail(t, "footer lacks schema, num_rows or row_groups");
    if (m->num_rows < 0) return thrift_fail(t, "negative num_rows");
    /* row groups */
    thrift_reader t2 = *t;
    t2.p = rg_start;
    t2.depth = 0;
    m->row_groups = ev_arena_alloc(a, (rg_n ? rg_n : 1) * sizeof *m->row_groups);
    if (!m->row_groups) return nomem(t);
    m->num_row_groups = rg_n;
    int64_t total = 0;
    for (uint32_t i = 0; i < rg_n; i++) {
        TRY(read_row_group(&t2, a, m, &m->row_groups[i]));
        if (m->row_groups[i].num_rows > INT64_MAX - total) return thrift_fail(&t2, "row counts overflow");
        total += m->row_groups[i].num_rows;
    }
    if (total != m->num_rows)
        return ev_error_set(err, EV_ERR_CORRUPT, "%s: footer says %lld rows, its row groups hold %lld", name,
                            (long long)m->num_rows, (long long)total);
    return EV_OK;
}

/* ---- page index ---- */
ev_status pq_offset_index_read(const uint8_t *data, size_t len, uint64_t base, const char *name, ev_arena *a,
                               pq_page_index *out, ev_error *err) {
    thrift_reader tr, *t = &tr;
    thrift_reader_init(t, data, len, base, name, "offset index", err);
    int ty;
    int16_t id;
    bool got = false;
    memset(out, 0, sizeof *out);
    out->boundary_order = -1;
    FIELDS(t) {
        NEXT_FIELD(t);
        if (id != 1) {
            TRY(thrift_skip(t, ty));
            continue;
        }
        int et;
        uint32_t n;
        TRY(thrift_list_begin(t, ty, &et, &n));
        if (n && et != THRIFT_STRUCT) return thrift_fail(t, "page locations are not structs");
        out->pages = ev_arena_alloc(a, (n ? n : 1) * sizeof *out->pages);
        if (!out->pages) return nomem(t);
        out->num_pages = n;
        for (uint32_t i = 0; i < n; i++) {
            pq_page_entry *pe = &out->pages[i];
            memset(pe, 0, sizeof *pe);
            pe->null_count = -1;
            FIELDS(t) {
                NEXT_FIELD(t);
                switch (id) {
                case 1:
                    TRY(thrift_read_i64(t, ty, &pe->offset));
                    break;
                case 2:
                    TRY(thrift_read_i32(t, ty, &pe->compressed_size));
                    break;
                case 3:
                    TRY(thrift_read_i64(t, ty, &pe->first_row));
                    break;
                default:
                    TRY(thrift_skip(t, ty));
                }
            }
        }
        got = true;
    }
    if (!got) return thrift_fail(t, "offset index without page locations");
    return EV_OK;
}

ev_status pq_column_index_read(const uint8_t *data, size_t len, uint64_t base, const char *name, ev_arena *a,
                               pq_page_index *out, ev_error *err) {
    (void)a;
    thrift_reader tr, *t = &tr;
    thrift_reader_init(t, data, len, base, name, "column index", err);
    int ty;
    int16_t id;
    int et;
    uint32_t n;
    FIELDS(t) {
        NEXT_FIELD(t);
        if (id < 1 || id > 5 || id == 4) {
            if (id == 4) {
                int32_t v;
                TRY(thrift_read_i32(t, ty, &v));
                out->boundary_order = v;
            } else {
                TRY(thrift_skip(t, ty));
            }
            continue;
        }
        TRY(thrift_list_begin(t, ty, &et, &n));
        if (n != out->num_pages)
            return thrift_fail(t, "column index has %u entries for %zu pages", n, out->num_pages);
        for (uint32_t i = 0; i < n; i++) {
            pq_page_entry *pe = &out->pages[i];
            const uint8_t *p;
            uint32_t l;
            if (id == 1) {
                TRY(thrift_elem_bool(t, et, &pe->null_page));
            } else if (id == 2 || id == 3) {
                TRY(thrift_elem_binary(t, et, &p, &l));
                if (id == 2)
                    pe->min = (pq_str){(const char *)p, l};
                else
                    pe->max = (pq_str){(const char *)p, l};
                pe->has_min_max = true;
            } else {
                TRY(thrift_elem_i64(t, et, &pe->null_count));
            }
        }
    }
    for (size_t i = 0; i < out->num_pages; i++)
        if (out->pages[i].null_page) out->pages[i].has_min_max = false;
    return EV_OK;
}

/* ---- footer writer ---- */
static void write_schema_leaf(thrift_writer *w, const pq_column_spec *c) {
    thrift_w_elem_struct_begin(w);
    thrift_w_i32(w, 1, c->type);
    thrift_w_i32(w, 3, c->optional ? PQ_OPTIONAL : PQ_REQUIRED);
    thrift_w_string(w, 4, c->name);
    pq_time_unit unit = c->unit == PQ_UNIT_NONE ? PQ_UNIT_MICROS : c->unit;
    switch (c->logical) {
    case PQ_LOGICAL_STRING:
        thrift_w_i32(w, 6, 0);
        thrift_w_struct_begin(w, 10);
        thrift_w_struct_begin(w, 1);
        thrift_w_struct_end(w);
        thrift_w_struct_end(w);
        break;
    case PQ_LOGICAL_DATE:
        thrift_w_i32(w, 6, 6);
        thrift_w_struct_begin(w, 10);
        thrift_w_struct_begin(w, 6);
        thrift_w_struct_end(w);
        thrift_w_struct_end(w);
        break;
    case PQ_LOGICAL_TIMESTAMP:
        /* ConvertedType only where it means the same (UTC-adjusted millis/micros) */
        if (c->utc && unit == PQ_UNIT_MILLIS) thrift_w_i32(w, 6, 9);
        if (c->utc && unit == PQ_UNIT_MICROS) thrift_w_i32(w, 6, 10);
        thrift_w_struct_begin(w, 10);
        thrift_w_struct_begin(w, 8);
        thrift_w_bool(w, 1, c->utc);
        thrift_w_struct_begin(w, 2);
        thrift_w_struct_begin(w, (int16_t)unit);
        thrift_w_struct_end(w);
        thrift_w_struct_end(w);
        thrift_w_struct_end(w);
        thrift_w_struct_end(w);
        break;
    default:
        break;
    }
    thrift_w_struct_end(w);
}

ev_status pq_footer_write(ev_buf *out, const pq_wschema *s, const pq_wrow_group *rgs, size_t nrg,
                          int64_t num_rows, const pq_kv *kv, size_t nkv, const char *created_by) {
    thrift_writer tw, *w = &tw;
    thrift_writer_init(w, out);
    thrift_w_i32(w, 1, 1);
    thrift_w_list(w, 2, THRIFT_STRUCT, (uint32_t)(s->ncols + 1));
    thrift_w_elem_struct_begin(w);
    thrift_w_string(w, 4, "schema");
    thrift_w_i32(w, 5, (int32_t)s->ncols);
    thrift_w_struct_end(w);
    for (size_t i = 0; i < s->ncols; i++)
        write_schema_leaf(w, &s->cols[i]);
    thrift_w_i64(w, 3, num_rows);
    thrift_w_list(w, 4, THRIFT_STRUCT, (uint32_t)nrg);
    for (size_t g = 0; g < nrg; g++) {
        const pq_wrow_group *rg = &rgs[g];
        thrift_w_elem_struct_begin(w);
        thrift_w_list(w, 1, THRIFT_STRUCT, (uint32_t)s->ncols);
        for (size_t i = 0; i < s->ncols; i++) {
            const pq_wchunk *c = &rg->chunks[i];
            thrift_w_elem_struct_begin(w);
            thrift_w_i64(w, 2, 0);
            thrift_w_struct_begin(w, 3);
            thrift_w_i32(w, 1, s->cols[i].type);
            int ne = 0;
            for (int e = 0; e < 10; e++)
                ne += (c->encodings >> e) & 1;
            thrift_w_list(w, 2, THRIFT_I32, (uint32_t)ne);
            for (int e = 0; e < 10; e++)
                if ((c->encodings >> e) & 1) thrift_w_elem_i32(w, e);
            thrift_w_list(w, 3, THRIFT_BINARY, 1);
            thrift_w_elem_binary(w, s->cols[i].name, strlen(s->cols[i].name));
            thrift_w_i32(w, 4, c->codec);
            thrift_w_i64(w, 5, c->num_values);
            thrift_w_i64(w, 6, c->total_uncompressed);
            thrift_w_i64(w, 7, c->total_compressed);
            thrift_w_i64(w, 9, c->data_page_offset);
            if (c->dictionary_page_offset >= 0) thrift_w_i64(w, 11, c->dictionary_page_offset);
            write_stats(w, 12, &c->stats);
            /* encoding_stats: lets readers see that every data page is dictionary-encoded */
            int nes = (c->dict_pages > 0) + (c->data_pages_dict > 0) + (c->data_pages_plain > 0) +
                      (c->data_pages_delta > 0);
            thrift_w_list(w, 13, THRIFT_STRUCT, (uint32_t)nes);
            struct {
                int32_t count;
                int page_type, enc;
            } es[4] = {{c->dict_pages, PQ_PAGE_DICT, PQ_PLAIN},
                       {c->data_pages_dict, PQ_PAGE_DATA, PQ_RLE_DICTIONARY},
                       {c->data_pages_plain, PQ_PAGE_DATA, PQ_PLAIN},
                       {c->data_pages_delta, PQ_PAGE_DATA, PQ_DELTA_BINARY_PACKED}};
            for (int k = 0; k < 4; k++) {
                if (!es[k].count) continue;
                thrift_w_elem_struct_begin(w);
                thrift_w_i32(w, 1, es[k].page_type);
                thrift_w_i32(w, 2, es[k].enc);
                thrift_w_i32(w, 3, es[k].count);
                thrift_w_struct_end(w);
            }
            thrift_w_struct_end(w);
            if (c->offset_index_offset >= 0) {
                thrift_w_i64(w, 4, c->offset_index_offset);
                thrift_w_i32(w, 5, c->offset_index_length);
            }
            if (c->column_index_offset >= 0) {
                thrift_w_i64(w, 6, c->column_index_offset);
                thrift_w_i32(w, 7, c->column_index_length);
            }
            thrift_w_struct_end(w);
        }
        thrift_w_i64(w, 2, rg->total_byte_size);
        thrift_w_i64(w, 3, rg->num_rows);
        thrift_w_i64(w, 5, rg->file_offset);
        thrift_w_i64(w, 6, rg->total_compressed_size);
        thrift_w_struct_end(w);
    }
    if (nkv) {
        thrift_w_list(w, 5, THRIFT_STRUCT, (uint32_t)nkv);
        for (size_t i = 0; i < nkv; i++) {
            thrift_w_elem_struct_begin(w);
            thrift_w_string(w, 1, kv[i].key);
            if (kv[i].value) thrift_w_string(w, 2, kv[i].value);
            thrift_w_struct_end(w);
        }
    }
    thrift_w_string(w, 6, created_by);
    thrift_w_list(w, 7, THRIFT_STRUCT, (uint32_t)s->ncols);
    for (size_t i = 0; i < s->ncols; i++) {
        thrift_w_elem_struct_begin(w);
        thrift_w_struct_begin(w, 1);
        thrift_w_struct_end(w);
        thrift_w_struct_end(w);
    }
    thrift_w_end(w);
    return w->st;
}
