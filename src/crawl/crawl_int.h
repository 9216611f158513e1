/* crawl_int.h: what the crawler's files share: the inferred schema of a location. */
#ifndef EV_CRAWL_INT_H
#define EV_CRAWL_INT_H

#include "crawl.h"

/* A column as inferred from the files, with the first file it was seen in. */
typedef struct crawl_col {
    char name[CRAWL_NAME_MAX];
    char type[CRAWL_TYPE_MAX];
    char file[CRAWL_PATH_MAX];
    /* JSON only: which kinds of values were seen, folded into `type` at the end, and the file
     * where the last new kind showed (the file a type conflict is about) */
    unsigned kinds;
    char changed_in[CRAWL_PATH_MAX];
} crawl_col;

typedef struct crawl_schema {
    crawl_col *cols;
    size_t n, cap;
} crawl_schema;

void crawl_schema_free(crawl_schema *s);

/* Infers the columns of the files of `scan` (format "parquet": every footer; "json": the first
 * `sample_lines` lines of each file). Columns come in order of first appearance. Between files, a
 * Parquet column's first type is kept and a different one is a conflict (in rep->conflicts);
 * JSON values widen (bigint and double give double; anything else mixed gives string). Unreadable
 * files, unparsable JSON lines and nested columns are counted in rep, never fatal. */
ev_status crawl_infer(store *s, const crawl_scan *scan, size_t sample_lines, crawl_schema *out, crawl_report *rep,
                      ev_error *err) EV_WUR;

/* Records a note (a column and types) in one of the report's bounded lists. */
void crawl_note_add(crawl_note *notes, size_t *count, const char *column, const char *type, const char *kept,
                    const char *file);

#endif
