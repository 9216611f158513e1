/*
 * pq_names.c: printable names of Parquet's enums and logical types, and codec-name parsing, for
 * messages, `evlake parquet meta` and configuration files.
 */
#include <stdio.h>
#include <strings.h>

#include "pq_int.h"

const char *pq_type_name(pq_type t) {
    static const char *const n[] = {"BOOLEAN", "INT32",  "INT64",      "INT96",
                                    "FLOAT",   "DOUBLE", "BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"};
    return (unsigned)t < 8 ? n[t] : "UNKNOWN";
}

const char *pq_codec_name(pq_codec c) {
    static const char *const n[] = {"UNCOMPRESSED", "SNAPPY", "GZIP", "LZO",
                                    "BROTLI",       "LZ4",    "ZSTD", "LZ4_RAW"};
    return (unsigned)c < 8 ? n[c] : "UNKNOWN";
}

const char *pq_encoding_name(pq_encoding e) {
    static const char *const n[] = {
        "PLAIN",          "GROUP_VAR_INT",       "PLAIN_DICTIONARY",        "RLE",
        "BIT_PACKED",     "DELTA_BINARY_PACKED", "DELTA_LENGTH_BYTE_ARRAY", "DELTA_BYTE_ARRAY",
        "RLE_DICTIONARY", "BYTE_STREAM_SPLIT"};
    return (unsigned)e < 10 ? n[e] : "UNKNOWN";
}

ev_status pq_codec_parse(const char *s, pq_codec *out) {
    static const struct {
        const char *name;
        pq_codec c;
    } t[] = {{"zstd", PQ_CODEC_ZSTD},
             {"snappy", PQ_CODEC_SNAPPY},
             {"gzip", PQ_CODEC_GZIP},
             {"none", PQ_CODEC_UNCOMPRESSED},
             {"uncompressed", PQ_CODEC_UNCOMPRESSED},
             {"lz4_raw", PQ_CODEC_LZ4_RAW}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        if (strcasecmp(s, t[i].name) == 0) {
            *out = t[i].c;
            return EV_OK;
        }
    }
    return EV_ERR_INPUT;
}

void pq_logical_format(const pq_column_desc *c, char *out, size_t cap) {
    static const char *const units[] = {"", "MILLIS", "MICROS", "NANOS"};
    const pq_logical *l = &c->logical;
    const char *u = (unsigned)l->unit < 4 ? units[l->unit] : "";
    switch (l->kind) {
    case PQ_LOGICAL_STRING:
        snprintf(out, cap, "STRING");
        break;
    case PQ_LOGICAL_ENUM:
        snprintf(out, cap, "ENUM");
        break;
    case PQ_LOGICAL_JSON:
        snprintf(out, cap, "JSON");
        break;
    case PQ_LOGICAL_BSON:
        snprintf(out, cap, "BSON");
        break;
    case PQ_LOGICAL_UUID:
        snprintf(out, cap, "UUID");
        break;
    case PQ_LOGICAL_DATE:
        snprintf(out, cap, "DATE");
        break;
    case PQ_LOGICAL_FLOAT16:
        snprintf(out, cap, "FLOAT16");
        break;
    case PQ_LOGICAL_NULL:
        snprintf(out, cap, "NULL");
        break;
    case PQ_LOGICAL_OTHER:
        snprintf(out, cap, "OTHER");
        break;
    case PQ_LOGICAL_TIME:
        snprintf(out, cap, "TIME(%s,%s)", u, l->utc ? "UTC" : "local");
        break;
    case PQ_LOGICAL_TIMESTAMP:
        if (c->type == PQ_INT96)
            snprintf(out, cap, "TIMESTAMP(INT96)");
        else
            snprintf(out, cap, "TIMESTAMP(%s,%s)", u, l->utc ? "UTC" : "local");
        break;
    case PQ_LOGICAL_INT:
        snprintf(out, cap, "INT(%d,%s)", l->bit_width, l->is_signed ? "signed" : "unsigned");
        break;
    case PQ_LOGICAL_DECIMAL:
        snprintf(out, cap, "DECIMAL(%d,%d)", (int)l->precision, (int)l->scale);
        break;
    default:
        if (cap) out[0] = '\0';
    }
}
