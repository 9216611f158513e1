/* etl_write.c: a worker's partition files through the ETL's Parquet writer (see etl_worker_int.h). */
#include "etl_parquet.h"
#include "etl_worker_int.h"

ev_status etl_part_write_row_group(etl_ctx *ctx, etl_part *p, ev_error *err) {
    if (p->rows.n == 0) return EV_OK;
    if (!p->writer) {
        etl_pq_codec codec;
        if (etl_pq_codec_parse(ctx->job->compression ? ctx->job->compression : "zstd", &codec) != EV_OK)
            return ev_error_set(err, EV_ERR_INPUT, "job %s: unknown compression '%s'", ctx->job->name,
                                ctx->job->compression);
        etl_pq_writer *w;
        EV_TRY(etl_pq_open(ctx->s, p->file.staged_key, codec, &w, err));
        p->writer = w;
    }
    EV_TRY(etl_pq_write_row_group(p->writer, &p->rows, err));
    p->rows_written += p->rows.n;
    etl_rows_reset(&p->rows);
    return EV_OK;
}

ev_status etl_part_finish_file(etl_ctx *ctx, etl_part *p, ev_error *err) {
    (void)ctx;
    etl_pq_writer *w = p->writer;
    p->writer = NULL;
    return etl_pq_close(w, &p->file.size, &p->file.rows, &p->file.stats_json, err);
}

void etl_part_abort_file(etl_ctx *ctx, etl_part *p) {
    (void)ctx;
    etl_pq_abort(p->writer);
    p->writer = NULL;
}

size_t etl_part_writer_memory(const etl_part *p) { return etl_pq_memory(p->writer); }
