/*
 * cat_ddl.c: DDL that hands a catalog table to another engine (Athena/Glue, Trino's Hive
 * connector, Spark SQL, DuckDB) over the very same files: the way out when a lake outgrows one
 * machine. Column types are stored in Athena's names and mapped per dialect.
 */
#include <stdio.h>
#include <string.h>

#include "cat_int.h"

ev_status cat_dialect_parse(const char *name, cat_dialect *out) {
    static const char *const names[] = {"athena", "trino", "spark", "duckdb"};
    for (int i = 0; i < 4; i++)
        if (!strcasecmp(name, names[i])) {
            *out = (cat_dialect)i;
            return EV_OK;
        }
    return EV_ERR_INPUT;
}

/* Trino's name for an Athena/Hive type. */
static const char *trino_type(const char *t) {
    if (!strcasecmp(t, "string")) return "varchar";
    if (!strcasecmp(t, "int")) return "integer";
    if (!strcasecmp(t, "timestamp")) return "timestamp(6)";
    return t;
}

static const char *spark_type(const char *t, char *buf, size_t cap) {
    snprintf(buf, cap, "%s", t);
    for (char *p = buf; *p; p++)
        if (*p >= 'a' && *p <= 'z') *p = (char)(*p - 32);
    return buf;
}

typedef struct ddl_ctx {
    ev_buf *out;
    const cat_table *t;
    cat_dialect dialect;
    const char *base;
    ev_status st;
} ddl_ctx;

#define APPEND(...)                                                                                                    \
    do {                                                                                                               \
        if (ev_buf_printf(out, __VA_ARGS__) != EV_OK) return EV_ERR_NOMEM;                                             \
    } while (0)

/* "year=2025/month=11" -> "year='2025', month='11'" */
static ev_status partition_values(ev_buf *out, const char *spec) {
    const char *p = spec;
    int first = 1;
    while (*p) {
        const char *eq = strchr(p, '='), *slash = strchr(p, '/');
        if (!eq || (slash && slash < eq)) break;
        const char *end = slash ? slash : p + strlen(p);
        APPEND("%s%.*s='%.*s'", first ? "" : ", ", (int)(eq - p), p, (int)(end - eq - 1), eq + 1);
        first = 0;
        p = slash ? slash + 1 : end;
    }
    return EV_OK;
}

static int add_partition(const cat_partition_info *p, void *arg) {
    ddl_ctx *d = arg;
    ev_buf *out = d->out;
    if (ev_buf_printf(out, "ALTER TABLE %s.%s ADD IF NOT EXISTS PARTITION (", d->t->db, d->t->name) != EV_OK ||
        partition_values(out, p->spec) != EV_OK ||
        ev_buf_printf(out, ") LOCATION '%s/%s/';\n", d->base, p->location) != EV_OK) {
        d->st = EV_ERR_NOMEM;
        return 1;
    }
    return 0;
}

static ev_status hive_columns(ev_buf *out, const cat_table *t, int partition, cat_dialect dialect) {
    int first = 1;
    char buf[64];
    for (size_t i = 0; i < t->ncolumns; i++) {
        const cat_column_def *col = &t->columns[i];
        if (col->is_partition != partition) continue;
        const char *type = dialect == CAT_DIALECT_SPARK ? spark_type(col->type, buf, sizeof buf) : col->type;
        APPEND("%s\n  `%s` %s", first ? "" : ",", col->name, type);
        first = 0;
    }
    return EV_OK;
}

static ev_status athena_or_spark(cat *c, const cat_table *t, cat_dialect dialect, const char *base, ev_buf *out,
                                 ev_error *err) {
    APPEND("CREATE DATABASE IF NOT EXISTS %s;\n\n", t->db);
    if (dialect == CAT_DIALECT_ATHENA) APPEND("CREATE EXTERNAL TABLE IF NOT EXISTS %s.%s (", t->db, t->name);
    else APPEND("CREATE TABLE IF NOT EXISTS %s.%s (", t->db, t->name);
    EV_TRY(hive_columns(out, t, 0, dialect));
    if (dialect == CAT_DIALECT_SPARK && t->npartition_keys) EV_TRY(hive_columns(out, t, 1, dialect));
    APPEND("\n)\n");
    int json = t->format && !strcmp(t->format, "json"); /* JSON Lines, e.g. a crawled landing folder */
    if (dialect == CAT_DIALECT_SPARK) APPEND("USING %s\n", json ? "JSON" : "PARQUET");
    if (t->npartition_keys) {
        APPEND("PARTITIONED BY (");
        if (dialect == CAT_DIALECT_SPARK) {
            int first = 1;
            for (size_t i = 0; i < t->ncolumns; i++)
                if (t->columns[i].is_partition) {
                    APPEND("%s%s", first ? "" : ", ", t->columns[i].name);
                    first = 0;
                }
        } else {
            EV_TRY(hive_columns(out, t, 1, dialect));
            APPEND("\n");
        }
        APPEND(")\n");
    }
    if (dialect == CAT_DIALECT_ATHENA && json)
        APPEND("ROW FORMAT SERDE '%s'\n", t->serde ? t->serde : "org.openx.data.jsonserde.JsonSerDe");
    else if (dialect == CAT_DIALECT_ATHENA) APPEND("STORED AS PARQUET\n");
    APPEND("LOCATION '%s/%s/'", base, t->location);
    if (dialect == CAT_DIALECT_ATHENA && !json) APPEND("\nTBLPROPERTIES ('parquet.compression' = 'ZSTD')");
    APPEND(";\n");
    if (!t->npartition_keys) return EV_OK;
    if (dialect == CAT_DIALECT_SPARK) {
        APPEND("\nMSCK REPAIR TABLE %s.%s;\n", t->db, t->name);
        return EV_OK;
    }
    APPEND("\n-- partitions registered in the evlake catalog (or: MSCK REPAIR TABLE %s.%s;)\n", t->db, t->name);
    ddl_ctx d = {out, t, dialect, base, EV_OK};
    ev_status st = cat_table_partitions(c, t->id, add_partition, &d, err);
    return st == EV_ERR_CANCELLED ? d.st : st;
}

static ev_status trino(const cat_table *t, const char *base, ev_buf *out) {
    APPEND("CREATE SCHEMA IF NOT EXISTS hive.%s;\n\n", t->db);
    APPEND("CREATE TABLE IF NOT EXISTS hive.%s.%s (", t->db, t->name);
    for (size_t i = 0; i < t->ncolumns; i++)
        APPEND("%s\n  \"%s\" %s", i ? "," : "", t->columns[i].name, trino_type(t->columns[i].type));
    int json = t->format && !strcmp(t->format, "json");
    APPEND("\n)\nWITH (\n  format = '%s',\n  external_location = '%s/%s/'", json ? "JSON" : "PARQUET", base,
           t->location);
    if (t->npartition_keys) {
        APPEND(",\n  partitioned_by = ARRAY[");
        int first = 1;
        for (size_t i = 0; i < t->ncolumns; i++)
            if (t->columns[i].is_partition) {
                APPEND("%s'%s'", first ? "" : ", ", t->columns[i].name);
                first = 0;
            }
        APPEND("]");
    }
    APPEND("\n);\n");
    if (t->npartition_keys) APPEND("\nCALL hive.system.sync_partition_metadata('%s', '%s', 'ADD');\n", t->db, t->name);
    return EV_OK;
}

static ev_status duckdb(const cat_table *t, const char *base, ev_buf *out) {
    const char *path = base;
    if (!strncmp(path, "file://", 7)) path += 7;
    APPEND("CREATE SCHEMA IF NOT EXISTS %s;\n\n", t->db);
    int json = t->format && !strcmp(t->format, "json");
    APPEND("CREATE OR REPLACE VIEW %s.%s AS\nSELECT * FROM %s('%s/%s/", t->db, t->name,
           json ? "read_json" : "read_parquet", path, t->location);
    for (size_t i = 0; i < t->npartition_keys; i++) APPEND("*/");
    APPEND(json ? "*'" : "*.parquet'");
    if (json) APPEND(", format = 'newline_delimited'");
    if (t->npartition_keys) {
        APPEND(",\n  hive_partitioning = true,\n  hive_types = {");
        int first = 1;
        for (size_t i = 0; i < t->ncolumns; i++)
            if (t->columns[i].is_partition) {
                APPEND("%s'%s': VARCHAR", first ? "" : ", ", t->columns[i].name);
                first = 0;
            }
        APPEND("}");
    }
    APPEND(");\n");
    return EV_OK;
}

ev_status cat_table_ddl(cat *c, const cat_table *t, cat_dialect dialect, const char *base_uri, ev_buf *out,
                        ev_error *err) {
    char base[2048];
    snprintf(base, sizeof base, "%s", base_uri);
    size_t n = strlen(base);
    while (n > 1 && base[n - 1] == '/') base[--n] = '\0';
    ev_status st;
    switch (dialect) {
    case CAT_DIALECT_ATHENA:
    case CAT_DIALECT_SPARK: st = athena_or_spark(c, t, dialect, base, out, err); break;
    case CAT_DIALECT_TRINO: st = trino(t, base, out); break;
    default: st = duckdb(t, base, out); break;
    }
    if (st == EV_ERR_NOMEM) return ev_error_set(err, st, "out of memory writing DDL");
    return st;
}
