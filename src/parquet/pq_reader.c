/*
 * pq_reader.c: the Parquet reader: footer, page walk, level and value decoding into vectors.
 *
 * Why hand-written: Debian ships no C Parquet library (Arrow's C++ one is not packaged for C, and
 * would bring a large C++ runtime), and Parquet is the heart of this product: the ETL writes it,
 * the SQL engine scans it, and bytes scanned is what users pay attention to. Owning the codec lets
 * the engine filter and group on dictionary codes, skip row groups by statistics and count every
 * byte it reads. DuckDB and Arrow own theirs for the same reasons.
 *
 * Shape: a reader holds the file (mmap or caller memory) and its decoded footer (arena). A column
 * reader walks one column chunk's pages: a dictionary page is decoded once per chunk; each data page
 * is decompressed into a reused buffer and its levels decoded whole to validity bytes. Values are
 * decoded a vector (at most PQ_VECTOR_SIZE rows) at a time from the page's bytes when they are
 * dictionary codes or PLAIN (the common case: the working set stays in cache, and null rows are
 * filled without branches), else decoded whole at page load and handed out in slices. Memory is
 * bounded by the biggest page (max_page_bytes). Closed column readers are kept (a few per reader)
 * with their buffers for the next pq_column_open, so a scan does not fault in fresh memory per chunk.
 *
 * Threads: pq_reader_open*, pq_column_open and pq_reader_page_index on one reader must not run
 * concurrently; column readers of one reader may run on different threads at once (bytes_read is
 * atomic, the file is read-only).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __SSE4_1__
#include <smmintrin.h>
#elif defined(__SSSE3__)
#include <tmmintrin.h>
#endif

#include "pq_int.h"

#define PQ_STASH 4                     /* column readers kept for reuse per reader */
#define PQ_STASH_MAX_BYTES (32u << 20) /* ... unless they hold more than this */

struct pq_reader {
    const ev_allocator *alloc;
    const uint8_t *data;
    size_t size;
    void *map; /* mmap'ed region (NULL for memory input) */
    size_t map_len;
    char *name;
    size_t name_len;
    ev_arena arena;
    pq_file_meta meta;
    pq_reader_options opts;
    size_t data_end; /* where the footer starts: pages must end before it */
    _Atomic uint64_t bytes_read;
    /* Closed column readers kept with their buffers for the next pq_column_open: a scan opens one
     * per column chunk, and fresh megabyte buffers (dictionaries, pages) cost a page fault per 4 KiB
     * on first touch, ~12% of decoding the events schema. Closes may come from several threads. */
    pthread_mutex_t stash_mu;
    struct pq_column_reader *stash[PQ_STASH];
    size_t nstash;
    /* Decoded dictionaries kept per (row group, column) when the pool has a dictionary cache:
     * NULL slots until a column reader decodes one; an entry is immutable once published and
     * lives until the reader closes. NULL when there is no cache. */
    _Atomic(struct dict_entry *) *dicts;
};

typedef struct dict_entry {
    void *mem; /* the decoded values, after the page's bytes when they are strings that point into them */
    size_t bytes;
    const void *vals;
    uint32_t n;
} dict_entry;

static ev_status corrupt(ev_error *err, const char *name, uint64_t off, const char *fmt, ...) EV_PRINTF(4, 5);
static ev_status corrupt(ev_error *err, const char *name, uint64_t off, const char *fmt, ...) {
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ev_error_set(err, EV_ERR_CORRUPT, "%s: at byte %llu: %s", name, (unsigned long long)off, msg);
}

static void dicts_init(pq_reader *r);

static ev_status open_common(pq_reader *r, ev_error *err) {
    const char *name = r->name;
    if (r->size < 12)
        return corrupt(err, name, 0, "not a Parquet file: %zu bytes, fewer than the 12 of an empty one",
                       r->size);
    if (memcmp(r->data, "PAR1", 4) != 0) {
        if (memcmp(r->data, "PARE", 4) == 0)
            return ev_error_set(err, EV_ERR_UNSUPPORTED, "%s: encrypted Parquet files are not supported",
                                name);
        return corrupt(err, name, 0, "not a Parquet file (no PAR1 magic at the start)");
    }
    const uint8_t *tail = r->data + r->size - 8;
    if (memcmp(tail + 4, "PAR1", 4) != 0) {
        if (memcmp(tail + 4, "PARE", 4) == 0)
            return ev_error_set(err, EV_ERR_UNSUPPORTED, "%s: encrypted Parquet files are not supported",
                                name);
        return corrupt(err, name, r->size - 4, "no PAR1 magic at the end (truncated or not Parquet)");
    }
    uint32_t flen = pq_load32(tail);
    if ((uint64_t)flen + 12 > r->size)
        return corrupt(err, name, r->size - 8, "footer length %u is more than the file holds (%zu bytes)",
                       flen, r->size);
    size_t maxf = r->opts.max_footer_bytes ? r->opts.max_footer_bytes : (256u << 20);
    if (flen > maxf)
        return ev_error_set(err, EV_ERR_LIMIT, "%s: footer of %u bytes exceeds the limit of %zu", name, flen,
                            maxf);
    size_t fstart = r->size - 8 - flen;
    r->data_end = fstart;
    memset(&r->meta, 0, sizeof r->meta);
    EV_TRY(pq_footer_read(r->data + fstart, flen, fstart, name, &r->arena, &r->meta, err));
    r->meta.file_size = r->size;
    r->meta.footer_length = flen;
    atomic_store(&r->bytes_read, (uint64_t)flen + 8);
    dicts_init(r);
    return EV_OK;
}

static ev_status reader_new(const char *name, const pq_reader_options *opts, pq_reader **out, ev_error *err) {
    const ev_allocator *a = opts ? opts->alloc : NULL;
    pq_reader *r = ev_calloc(a, 1, sizeof *r);
    if (!r) return ev_error_set(err, EV_ERR_NOMEM, "%s: out of memory", name);
    r->alloc = a;
    if (opts) r->opts = *opts;
    r->name_len = strlen(name) + 1;
    r->name = ev_alloc(a, r->name_len);
    if (!r->name) {
        ev_free(a, r, sizeof *r);
        return ev_error_set(err, EV_ERR_NOMEM, "%s: out of memory", name);
    }
    memcpy(r->name, name, r->name_len);
    ev_arena_init(&r->arena, a, 64 * 1024);
    pthread_mutex_init(&r->stash_mu, NULL);
    *out = r;
    return EV_OK;
}

ev_status pq_reader_open_mem(const void *data, size_t len, const char *name, const pq_reader_options *opts,
                             pq_reader **out, ev_error *err) {
    pq_reader *r;
    *out = NULL;
    EV_TRY(reader_new(name ? name : "<memory>", opts, &r, err));
    r->data = data;
    r->size = len;
    ev_status st = open_common(r, err);
    if (st != EV_OK) {
        pq_reader_close(r);
        return st;
    }
    *out = r;
    return EV_OK;
}

ev_status pq_reader_open_file(const char *path, const pq_reader_options *opts, pq_reader **out,
                              ev_error *err) {
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ev_error_errno(err, errno == ENOENT ? EV_ERR_NOT_FOUND : EV_ERR_IO, errno, "%s: cannot open",
                              path);
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        int e = errno;
        close(fd);
        return ev_error_errno(err, EV_ERR_IO, e, "%s: cannot stat", path);
    }
    if (!S_ISREG(sb.st_mode)) {
        close(fd);
        return ev_error_set(err, EV_ERR_INPUT, "%s: not a regular file", path);
    }
    pq_reader *r;
    ev_status st = reader_new(path, opts, &r, err);
    if (st != EV_OK) {
        close(fd);
        return st;
    }
    size_t size = (size_t)sb.st_size;
    static const uint8_t empty[1];
    if (size > 0) {
        void *m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m == MAP_FAILED) {
            int e = errno;
            close(fd);
            pq_reader_close(r);
            return ev_error_errno(err, EV_ERR_IO, e, "%s: cannot map", path);
        }
        r->map = m;
        r->map_len = size;
        r->data = m;
    } else {
        r->data = empty;
    }
    close(fd);
    r->size = size;
    st = open_common(r, err);
    if (st != EV_OK) {
        pq_reader_close(r);
        return st;
    }
    *out = r;
    return EV_OK;
}

static void column_free(struct pq_column_reader *c);
static void column_free_alloc(struct pq_column_reader *c, const ev_allocator *alloc);

#define PQ_POOL_MAX 32
struct pq_pool {
    pthread_mutex_t mu;
    struct pq_column_reader *items[PQ_POOL_MAX];
    size_t n;
    size_t dict_budget, dict_entry_max; /* 0: no dictionary cache */
    _Atomic size_t dict_held;
};

pq_pool *pq_pool_new(void) {
    pq_pool *p = calloc(1, sizeof *p);
    if (p) pthread_mutex_init(&p->mu, NULL);
    return p;
}

void pq_pool_free(pq_pool *p) {
    if (!p) return;
    for (size_t i = 0; i < p->n; i++)
        column_free_alloc(p->items[i], NULL);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

static pq_pool *reader_pool(const pq_reader *r) {
    return r->opts.alloc ? NULL : r->opts.pool;
}

void pq_pool_set_dict_cache(pq_pool *p, size_t budget, size_t entry_max) {
    p->dict_budget = budget;
    p->dict_entry_max = entry_max;
}

size_t pq_pool_dict_bytes(pq_pool *p) {
    return atomic_load(&p->dict_held);
}

/* The dictionary cache's slots, when the reader's pool keeps one (an allocation failure only
 * means no cache). */
static void dicts_init(pq_reader *r) {
    pq_pool *p = reader_pool(r);
    size_t slots = r->meta.num_row_groups * r->meta.num_columns;
    if (!p || !p->dict_budget || !slots) return;
    r->dicts = calloc(slots, sizeof *r->dicts);
    if (r->dicts)
        for (size_t i = 0; i < slots; i++)
            atomic_init(&r->dicts[i], NULL);
}

static void dicts_free(pq_reader *r) {
    if (!r->dicts) return;
    pq_pool *p = reader_pool(r);
    for (size_t i = 0, slots = r->meta.num_row_groups * r->meta.num_columns; i < slots; i++) {
        dict_entry *e = atomic_load(&r->dicts[i]);
        if (!e) continue;
        atomic_fetch_sub(&p->dict_held, e->bytes);
        free(e->mem);
        free(e);
    }
    free(r->dicts);
}

void pq_reader_close(pq_reader *r) {
    if (!r) return;
    dicts_free(r);
    for (size_t i = 0; i < r->nstash; i++)
        column_free(r->stash[i]);
    pthread_mutex_destroy(&r->stash_mu);
    if (r->map) munmap(r->map, r->map_len);
    ev_arena_destroy(&r->arena);
    ev_free(r->alloc, r->name, r->name_len);
    ev_free(r->alloc, r, sizeof *r);
}

const pq_file_meta *pq_reader_meta(const pq_reader *r) {
    return &r->meta;
}

uint64_t pq_reader_bytes_read(const pq_reader *r) {
    return atomic_load(&((pq_reader *)r)->bytes_read);
}

int pq_reader_find_column(const pq_reader *r, const char *name) {
    for (size_t i = 0; i < r->meta.num_columns; i++)
        if (strcmp(r->meta.columns[i].path, name) == 0) return (int)i;
    for (size_t i = 0; i < r->meta.num_columns; i++)
        if (strcmp(r->meta.columns[i].name, name) == 0) return (int)i;
    return -1;
}

ev_status pq_reader_page_index(pq_reader *r, size_t rg, size_t col, pq_page_index *out, ev_error *err) {
    if (rg >= r->meta.num_row_groups || col >= r->meta.num_columns)
        return ev_error_set(err, EV_ERR_INPUT, "%s: no column %zu in row group %zu", r->name, col, rg);
    const pq_chunk_meta *c = &r->meta.row_groups[rg].chunks[col];
    memset(out, 0, sizeof *out);
    out->boundary_order = -1;
    if (c->offset_index_offset < 0)
        return ev_error_set(err, EV_ERR_NOT_FOUND, "%s: column %s of row group %zu has no page index",
                            r->name, r->meta.columns[col].path, rg);
    if (c->offset_index_length <= 0 || (uint64_t)c->offset_index_offset > r->data_end ||
        (uint64_t)c->offset_index_length > r->data_end - (uint64_t)c->offset_index_offset)
        return corrupt(err, r->name, (uint64_t)c->offset_index_offset,
                       "offset index of column %s lies outside the file", r->meta.columns[col].path);
    EV_TRY(pq_offset_index_read(r->data + c->offset_index_offset, (size_t)c->offset_index_length,
                                (uint64_t)c->offset_index_offset, r->name, &r->arena, out, err));
    atomic_fetch_add(&r->bytes_read, (uint64_t)c->offset_index_length);
    if (c->column_index_offset >= 0 && c->column_index_length > 0) {
        if ((uint64_t)c->column_index_offset > r->data_end ||
            (uint64_t)c->column_index_length > r->data_end - (uint64_t)c->column_index_offset)
            return corrupt(err, r->name, (uint64_t)c->column_index_offset,
                           "column index of column %s lies outside the file", r->meta.columns[col].path);
        out->boundary_order = 0;
        EV_TRY(pq_column_index_read(r->data + c->column_index_offset, (size_t)c->column_index_length,
                                    (uint64_t)c->column_index_offset, r->name, &r->arena, out, err));
        atomic_fetch_add(&r->bytes_read, (uint64_t)c->column_index_length);
    }
    return EV_OK;
}

/* ---- column reader ---- */

struct pq_column_reader {
    pq_reader *r;
    const pq_column_desc *col;
    const pq_chunk_meta *cm;
    size_t rg_index, col_index;
    unsigned flags;
    const uint8_t *chunk;
    uint64_t chunk_off;
    size_t chunk_len, pos;
    int64_t values_left;
    uint64_t next_row;
    size_t kind_size;
    pq_codec_ctx *codec;
    size_t max_page;
    /* dictionary */
    bool have_dict, seen_data;
    const void *dict;
    uint32_t dict_n;
    ev_buf dict_raw, dict_vals; /* the dictionary page decompressed, its values decoded */
    /* current page: levels are decoded whole at load (page_bits, a bitmap of the non-null rows,
     * NULL when none is null; page_rank[q], the non-null rows before its 64-bit word q); values
     * a vector at a time from the page's bytes (dictionary codes, PLAIN), or for the other
     * encodings from values decoded whole at load (page_dense, non-null values only) */
    ev_arena page_arena;
    ev_buf decomp;
    uint64_t page_off;
    size_t page_n, page_pos;
    const uint8_t *page_bits;
    const uint32_t *page_rank;
    enum { VAL_DENSE, VAL_DICT, VAL_PLAIN } page_mode;
    pq_rle_dec code_dec;  /* VAL_DICT */
    const uint8_t *plain; /* VAL_PLAIN: the values' bytes */
    size_t plain_len, plain_pos;
    const uint8_t *page_dense; /* VAL_DENSE */
    size_t dense_pos;
    ev_buf valid_buf, rank_buf, dense_buf; /* page_bits, page_rank, page_dense */
    /* one vector's scratch: codes, values of non-null rows, values per row, codes per row; for a
     * selective read the chosen rows' validity and their offsets among the non-null values */
    uint32_t *vcodes, *vrc, *vidx;
    uint8_t *vdense, *vout, *vvalid;
    size_t vbytes;
    ev_status sticky;
    char where[300];
};

static size_t kind_size(pq_vec_kind k) {
    switch (k) {
    case PQ_VEC_BOOL:
        return 1;
    case PQ_VEC_I32:
    case PQ_VEC_F32:
        return 4;
    case PQ_VEC_I64:
    case PQ_VEC_F64:
        return 8;
    case PQ_VEC_BYTES:
        return sizeof(pq_str);
    }
    return 16;
}

/* Maps a chunk's pages of a file mapping in one call rather than a fault per page as the decoder
 * walks it (a tenth of a scan's time otherwise). A hint: kernels without it are simply slower. */
static void prefault(const pq_reader *r, const uint8_t *p, size_t len) {
#ifdef MADV_POPULATE_READ
    if (!r->map || !len) return;
    uintptr_t page = 4096, a = (uintptr_t)p & ~(page - 1), end = (uintptr_t)p + len;
    (void)madvise((void *)a, end - a, MADV_POPULATE_READ);
#else
    (void)r, (void)p, (void)len;
#endif
}

ev_status pq_column_open(pq_reader *r, size_t rg, size_t col, unsigned flags, pq_column_reader **out,
                         ev_error *err) {
    *out = NULL;
    const pq_file_meta *m = &r->meta;
    if (rg >= m->num_row_groups)
        return ev_error_set(err, EV_ERR_INPUT, "%s: no row group %zu (the file has %zu)", r->name, rg,
                            m->num_row_groups);
    if (col >= m->num_columns)
        return ev_error_set(err, EV_ERR_INPUT, "%s: no column %zu (the file has %zu)", r->name, col,
                            m->num_columns);
    const pq_column_desc *cd = &m->columns[col];
    const pq_chunk_meta *cm = &m->row_groups[rg].chunks[col];
    if (cd->max_rep > 0)
        return ev_error_set(err, EV_ERR_UNSUPPORTED,
                            "%s: column %s is repeated (nested lists are not supported)", r->name, cd->path);
    if (cm->codec != PQ_CODEC_UNCOMPRESSED && cm->codec != PQ_CODEC_SNAPPY && cm->codec != PQ_CODEC_GZIP &&
        cm->codec != PQ_CODEC_ZSTD && cm->codec != PQ_CODEC_LZ4_RAW)
        return ev_error_set(err, EV_ERR_UNSUPPORTED,
                            "%s: column %s uses codec %s, which evlake does not read", r->name, cd->path,
                            pq_codec_name(cm->codec));
    int64_t start = cm->data_page_offset;
    if (cm->dictionary_page_offset >= 0 && cm->dictionary_page_offset < start)
        start = cm->dictionary_page_offset;
    if (start < 4 || (uint64_t)start > r->data_end ||
        (uint64_t)cm->total_compressed_size > r->data_end - (uint64_t)start)
        return corrupt(
            err, r->name, (uint64_t)(start < 0 ? 0 : start),
            "column %s of row group %zu: chunk of %lld bytes lies outside the data (which ends at byte %zu)",
            cd->path, rg, (long long)cm->total_compressed_size, r->data_end);
    if (cm->num_values != m->row_groups[rg].num_rows)
        return corrupt(err, r->name, (uint64_t)start,
                       "column %s of row group %zu holds %lld values for %lld rows", cd->path, rg,
                       (long long)cm->num_values, (long long)m->row_groups[rg].num_rows);
    pq_column_reader *c = NULL;
    pq_pool *pool = reader_pool(r);
    if (pool) {
        pthread_mutex_lock(&pool->mu);
        if (pool->n > 0) c = pool->items[--pool->n];
        pthread_mutex_unlock(&pool->mu);
    } else {
        pthread_mutex_lock(&r->stash_mu);
        if (r->nstash > 0) c = r->stash[--r->nstash];
        pthread_mutex_unlock(&r->stash_mu);
    }
    if (c) {
        /* a closed reader's buffers, emptied; everything else starts afresh */
        pq_column_reader keep = *c;
        memset(c, 0, sizeof *c);
        c->codec = keep.codec;
        c->page_arena = keep.page_arena;
        c->decomp = keep.decomp;
        c->dict_raw = keep.dict_raw;
        c->dict_vals = keep.dict_vals;
        c->valid_buf = keep.valid_buf;
        c->rank_buf = keep.rank_buf;
        c->dense_buf = keep.dense_buf;
        c->vcodes = keep.vcodes;
        c->vbytes = keep.vbytes;
        ev_arena_reset(&c->page_arena);
        ev_buf_reset(&c->decomp);
        ev_buf_reset(&c->dict_raw);
        ev_buf_reset(&c->dict_vals);
        ev_buf_reset(&c->valid_buf);
        ev_buf_reset(&c->rank_buf);
        ev_buf_reset(&c->dense_buf);
    } else {
        c = ev_calloc(r->alloc, 1, sizeof *c);
        if (!c) return ev_error_set(err, EV_ERR_NOMEM, "%s: out of memory", r->name);
        c->r = r;
        ev_arena_init(&c->page_arena, r->alloc, 256 * 1024);
        ev_buf_init(&c->decomp, r->alloc);
        ev_buf_init(&c->dict_raw, r->alloc);
        ev_buf_init(&c->dict_vals, r->alloc);
        ev_buf_init(&c->valid_buf, r->alloc);
        ev_buf_init(&c->rank_buf, r->alloc);
        ev_buf_init(&c->dense_buf, r->alloc);
        /* one vector's scratch, sized for the widest kind (pq_str) */
        c->vbytes = (PQ_VECTOR_SIZE + 8) * 4 * 3 + (PQ_VECTOR_SIZE + 1) * sizeof(pq_str) * 2 + PQ_VECTOR_SIZE + 8;
        c->vcodes = ev_alloc(r->alloc, c->vbytes);
        if (!c->vcodes || pq_codec_ctx_new(r->alloc, &c->codec) != EV_OK) {
            column_free(c);
            return ev_error_set(err, EV_ERR_NOMEM, "%s: out of memory", r->name);
        }
    }
    c->r = r;
    c->vrc = c->vcodes + PQ_VECTOR_SIZE + 8;
    c->vdense = (uint8_t *)(c->vrc + PQ_VECTOR_SIZE + 8);
    c->vout = c->vdense + (PQ_VECTOR_SIZE + 1) * sizeof(pq_str);
    c->vidx = (uint32_t *)(c->vout + (PQ_VECTOR_SIZE + 1) * sizeof(pq_str));
    c->vvalid = (uint8_t *)(c->vidx + PQ_VECTOR_SIZE + 8);
    c->col = cd;
    c->cm = cm;
    c->rg_index = rg;
    c->col_index = col;
    c->flags = flags;
    c->chunk = r->data + start;
    c->chunk_off = (uint64_t)start;
    c->chunk_len = (size_t)cm->total_compressed_size;
    prefault(r, c->chunk, c->chunk_len);
    c->values_left = cm->num_values;
    c->kind_size = kind_size(cd->vec_kind);
    c->max_page = r->opts.max_page_bytes ? r->opts.max_page_bytes : ((size_t)1 << 30);
    *out = c;
    return EV_OK;
}

static void column_free(pq_column_reader *c) {
    if (c) column_free_alloc(c, c->r->alloc);
}

static void column_free_alloc(pq_column_reader *c, const ev_allocator *alloc) {
    if (!c) return;
    pq_codec_ctx_free(c->codec);
    ev_arena_destroy(&c->page_arena);
    ev_buf_free(&c->decomp);
    ev_buf_free(&c->dict_raw);
    ev_buf_free(&c->dict_vals);
    ev_buf_free(&c->valid_buf);
    ev_buf_free(&c->rank_buf);
    ev_buf_free(&c->dense_buf);
    ev_free(alloc, c->vcodes, c->vbytes);
    ev_free(alloc, c, sizeof *c);
}

void pq_column_close(pq_column_reader *c) {
    if (!c) return;
    pq_reader *r = c->r;
    size_t held = c->decomp.cap + c->dict_raw.cap + c->dict_vals.cap + c->valid_buf.cap + c->rank_buf.cap +
                  c->dense_buf.cap + c->page_arena.total_reserved;
    bool kept = false;
    pq_pool *pool = reader_pool(r);
    if (held <= PQ_STASH_MAX_BYTES && pool) {
        pthread_mutex_lock(&pool->mu);
        if (pool->n < PQ_POOL_MAX) {
            pool->items[pool->n++] = c;
            kept = true;
        }
        pthread_mutex_unlock(&pool->mu);
    } else if (held <= PQ_STASH_MAX_BYTES) {
        pthread_mutex_lock(&r->stash_mu);
        if (r->nstash < PQ_STASH) {
            r->stash[r->nstash++] = c;
            kept = true;
        }
        pthread_mutex_unlock(&r->stash_mu);
    }
    if (!kept) column_free(c);
}

/* An error inside a page: names file, page offset, column and row group. */
static ev_status page_fail(pq_column_reader *c, ev_error *err, uint64_t off, const char *fmt, ...)
    EV_PRINTF(4, 5);
static ev_status page_fail(pq_column_reader *c, ev_error *err, uint64_t off, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ev_error_set(err, EV_ERR_CORRUPT, "%s: at byte %llu (page of column %s, row group %zu): %s",
                        c->r->name, (unsigned long long)off, c->col->path, c->rg_index, msg);
}

/* ---- value conversion to the column's vector kind ---- */

static double pow10_of(int s) {
    static const double p[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8, 1e9,
                               1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18};
    return s >= 0 && s <= 18 ? p[s] : pow(10.0, s);
}

static double decimal_bytes(const uint8_t *p, uint32_t n, int scale) {
    if (n == 0) return 0;
    double acc = (double)(int8_t)p[0];
    for (uint32_t i = 1; i < n; i++)
        acc = acc * 256.0 + p[i];
    return acc / pow10_of(scale);
}

static int64_t int96_to_micros(const uint8_t *p) {
    int64_t nanos = (int64_t)pq_load64(p);
    int32_t jd = (int32_t)pq_load32(p + 8);
    int64_t days = (int64_t)jd - 2440588;
    int64_t q = nanos / 1000, rem = nanos % 1000;
    if (rem < 0) q--;
    return (int64_t)((uint64_t)days * 86400000000ULL + (uint64_t)q);
}

/* int32 values -> kind */
static void conv_i32(const pq_column_desc *cd, const int32_t *src, size_t n, void *dst) {
    switch (cd->vec_kind) {
    case PQ_VEC_I32:
        if ((const void *)src != dst) memcpy(dst, src, n * 4);
        break;
    case PQ_VEC_I64: {
        int64_t *d = dst;
        for (size_t i = n; i-- > 0;)
            d[i] = (int64_t)(uint32_t)src[i];
        break;
    }
    case PQ_VEC_F64: {
        double *d = dst, div = pow10_of(cd->logical.scale);
        for (size_t i = n; i-- > 0;)
            d[i] = (double)src[i] / div;
        break;
    }
    default:
        break;
    }
}

static void conv_i64(const pq_column_desc *cd, int64_t *v, size_t n, void *dst) {
    if (cd->vec_kind == PQ_VEC_F64) {
        double *d = dst, div = pow10_of(cd->logical.scale);
        for (size_t i = 0; i < n; i++)
            d[i] = (double)v[i] / div;
        return;
    }
    int64_t *d = dst;
    if (cd->logical.kind == PQ_LOGICAL_TIMESTAMP && cd->logical.unit == PQ_UNIT_MILLIS) {
        for (size_t i = 0; i < n; i++)
            d[i] = (int64_t)((uint64_t)v[i] * 1000u);
    } else if (cd->logical.kind == PQ_LOGICAL_TIMESTAMP && cd->logical.unit == PQ_UNIT_NANOS) {
        for (size_t i = 0; i < n; i++) {
            int64_t q = v[i] / 1000;
            if (v[i] % 1000 < 0) q--;
            d[i] = q;
        }
    } else if ((void *)v != dst) {
        memcpy(dst, v, n * 8);
    }
}

/* ---- PLAIN ---- */

/* Decodes n PLAIN values of the column's physical type from p[0..len) into dst (kind-typed).
 * *used = bytes consumed. Returns a message or NULL. */
static const char *decode_plain(const pq_column_desc *cd, const uint8_t *p, size_t len, size_t n, void *dst,
                                size_t *used) {
    size_t w = 0;
    switch (cd->type) {
    case PQ_BOOLEAN: {
        if ((n + 7) / 8 > len) return "PLAIN booleans run past the page";
        uint8_t *d = dst;
        for (size_t i = 0; i < n; i++)
            d[i] = (p[i >> 3] >> (i & 7)) & 1;
        *used = (n + 7) / 8;
        return NULL;
    }
    case PQ_INT32:
        if (n > len / 4) return "PLAIN INT32 values run past the page";
        if (cd->vec_kind == PQ_VEC_I32) {
            memcpy(dst, p, n * 4);
        } else {
            /* widen in place from the back: dst is at least 8 bytes per value */
            memcpy(dst, p, n * 4);
            conv_i32(cd, dst, n, dst);
        }
        *used = n * 4;
        return NULL;
    case PQ_INT64:
        if (n > len / 8) return "PLAIN INT64 values run past the page";
        memcpy(dst, p, n * 8);
        conv_i64(cd, dst, n, dst);
        *used = n * 8;
        return NULL;
    case PQ_INT96: {
        if (n > len / 12) return "PLAIN INT96 values run past the page";
        int64_t *d = dst;
        for (size_t i = 0; i < n; i++)
            d[i] = int96_to_micros(p + 12 * i);
        *used = n * 12;
        return NULL;
    }
    case PQ_FLOAT:
        if (n > len / 4) return "PLAIN FLOAT values run past the page";
        memcpy(dst, p, n * 4);
        *used = n * 4;
        return NULL;
    case PQ_DOUBLE:
        if (n > len / 8) return "PLAIN DOUBLE values run past the page";
        memcpy(dst, p, n * 8);
        *used = n * 8;
        return NULL;
    case PQ_BYTE_ARRAY: {
        size_t off = 0;
        bool dec = cd->vec_kind == PQ_VEC_F64;
        for (size_t i = 0; i < n; i++) {
            if (len - off < 4) return "PLAIN BYTE_ARRAY length runs past the page";
            uint32_t l = pq_load32(p + off);
            off += 4;
            if (l > len - off) return "PLAIN BYTE_ARRAY value runs past the page";
            if (dec)
                ((double *)dst)[i] = decimal_bytes(p + off, l, cd->logical.scale);
            else
                ((pq_str *)dst)[i] = (pq_str){(const char *)p + off, l};
            off += l;
        }
        *used = off;
        return NULL;
    }
    case PQ_FIXED_LEN_BYTE_ARRAY: {
        w = (size_t)cd->type_length;
        if (n > len / w) return "PLAIN FIXED_LEN_BYTE_ARRAY values run past the page";
        for (size_t i = 0; i < n; i++) {
            if (cd->vec_kind == PQ_VEC_F64)
                ((double *)dst)[i] = decimal_bytes(p + i * w, (uint32_t)w, cd->logical.scale);
            else
                ((pq_str *)dst)[i] = (pq_str){(const char *)p + i * w, (uint32_t)w};
        }
        *used = n * w;
        return NULL;
    }
    }
    return "unknown physical type";
}

/* Physical width for BYTE_STREAM_SPLIT. */
static size_t phys_width(const pq_column_desc *cd) {
    switch (cd->type) {
    case PQ_INT32:
    case PQ_FLOAT:
        return 4;
    case PQ_INT64:
    case PQ_DOUBLE:
        return 8;
    case PQ_FIXED_LEN_BYTE_ARRAY:
        return (size_t)cd->type_length;
    default:
        return 0;
    }
}

/* Publishes the column reader's freshly decoded dictionary (page of ulen bytes) in the reader's
 * cache, if the pool's budget has room: a session's queries over the same files then decompress
 * each dictionary page once, not once per query (Q2's price dictionaries, 232 KB each, were 9% of
 * it). A copy of exact size, so the column reader keeps its buffers for the next chunk. */
static void keep_dict(pq_column_reader *c, _Atomic(dict_entry *) *slot, size_t ulen) {
    pq_pool *p = reader_pool(c->r);
    /* only strings point into the page's bytes: other kinds keep just their values */
    bool strings = c->col->vec_kind == PQ_VEC_BYTES;
    size_t ks = c->kind_size, n = c->dict_n, vbytes = (n + 1) * ks;
    size_t raw = strings ? (ulen + 15) & ~(size_t)15 : 0;
    size_t bytes = raw + vbytes + sizeof(dict_entry);
    if (bytes > p->dict_entry_max) return;
    if (atomic_fetch_add(&p->dict_held, bytes) + bytes > p->dict_budget) {
        atomic_fetch_sub(&p->dict_held, bytes);
        return;
    }
    dict_entry *e = malloc(sizeof *e);
    uint8_t *mem = malloc(raw + vbytes);
    if (!e || !mem) goto undo;
    if (strings) memcpy(mem, c->dict_raw.data, ulen);
    memcpy(mem + raw, c->dict_vals.data, vbytes);
    if (strings) {
        /* the strings point into the page's bytes: into the copy's now (entry n is the static "") */
        pq_str *v = (pq_str *)(mem + raw);
        for (size_t i = 0; i < n; i++)
            v[i].ptr = (const char *)mem + (v[i].ptr - (const char *)c->dict_raw.data);
    }
    *e = (dict_entry){.mem = mem, .bytes = bytes, .vals = mem + raw, .n = (uint32_t)n};
    dict_entry *none = NULL;
    if (atomic_compare_exchange_strong_explicit(slot, &none, e, memory_order_acq_rel, memory_order_acquire))
        return;
undo: /* no memory, or another thread published the same dictionary first */
    free(mem);
    free(e);
    atomic_fetch_sub(&p->dict_held, bytes);
}

static ev_status decode_dict_page(pq_column_reader *c, const pq_page_header *h, const uint8_t *body,
                                  uint64_t off, ev_error *err) {
    if (c->have_dict) return page_fail(c, err, off, "a second dictionary page");
    if (c->seen_data) return page_fail(c, err, off, "dictionary page after data pages");
    if (h->encoding != PQ_PLAIN && h->encoding != PQ_PLAIN_DICTIONARY)
        return page_fail(c, err, off, "dictionary page encoded %s (only PLAIN is defined)",
                         pq_encoding_name(h->encoding));
    size_t ulen = (size_t)h->uncompressed_size;
    if (ulen > c->max_page)
        return ev_error_set(err, EV_ERR_LIMIT, "%s: dictionary page of %zu bytes exceeds the limit",
                            c->r->name, ulen);
    size_t n = (size_t)h->num_values;
    if (c->col->type != PQ_BOOLEAN && n > ulen + 1)
        return page_fail(c, err, off, "dictionary claims %zu entries in %zu bytes", n, ulen);
    if (n > ulen * 8 + 8)
        return page_fail(c, err, off, "dictionary claims %zu entries in %zu bytes", n, ulen);
    _Atomic(dict_entry *) *slot = c->r->dicts ? &c->r->dicts[c->rg_index * c->r->meta.num_columns + c->col_index]
                                              : NULL;
    const dict_entry *e = slot ? atomic_load_explicit(slot, memory_order_acquire) : NULL;
    if (e) {
        c->dict = e->vals;
        c->dict_n = e->n;
        c->have_dict = true;
        return EV_OK;
    }
    ev_buf_reset(&c->dict_raw);
    ev_buf_reset(&c->dict_vals);
    if (ev_buf_reserve(&c->dict_raw, ulen + 1) != EV_OK ||
        ev_buf_reserve(&c->dict_vals, (n + 1) * (c->kind_size > 8 ? c->kind_size : 8)) != EV_OK)
        return ev_error_set(err, EV_ERR_NOMEM, "%s: out of memory for a dictionary", c->r->name);
    uint8_t *buf = c->dict_raw.data;
    void *vals = c->dict_vals.data;
    EV_TRY(pq_decompress(c->codec, c->cm->codec, body, (size_t)h->compressed_size, buf, ulen, c->where, err));
    size_t used;
    const char *why = decode_plain(c->col, buf, ulen, n, vals, &used);
    if (why) return page_fail(c, err, off, "dictionary: %s", why);
    /* entry n is zero (an empty string for BYTE_ARRAY): null rows gather it (see gather_dict),
     * and a reader of codes can index it with the code of NULL rows, dict_n */
    memset((uint8_t *)vals + n * c->kind_size, 0, c->kind_size);
    if (c->col->vec_kind == PQ_VEC_BYTES) ((pq_str *)vals)[n] = (pq_str){"", 0};
    c->dict = vals;
    c->dict_n = (uint32_t)n;
    c->have_dict = true;
    if (slot) keep_dict(c, slot, ulen);
    return EV_OK;
}

/* Decodes `nn` non-null values of a data page (encoding `enc`, neither PLAIN nor a dictionary
 * encoding, which pq_column_next decodes a vector at a time) from p[0..len) into dense kind-typed
 * values. */
static ev_status decode_values(pq_column_reader *c, int enc, const uint8_t *p, size_t len, size_t nn,
                               void *dense, uint64_t off, ev_error *err) {
    const pq_column_desc *cd = c->col;
    ev_arena *a = &c->page_arena;
    const char *why = NULL;
    size_t used;
    switch (enc) {
    case PQ_PLAIN:
        why = decode_plain(cd, p, len, nn, dense, &used);
        break;
    case PQ_RLE: {
        if (cd->type != PQ_BOOLEAN)
            return page_fail(c, err, off, "RLE encoding on a %s column", pq_type_name(cd->type));
        if (len < 4) return page_fail(c, err, off, "RLE booleans without a length");
        uint32_t l = pq_load32(p);
        if (l > len - 4) return page_fail(c, err, off, "RLE boolean length %u runs past the page", l);
        pq_rle_dec d;
        pq_rle_dec_init(&d, p + 4, l, 1);
        if (!pq_rle_dec_u8(&d, dense, nn))
            return page_fail(c, err, off, "RLE booleans end early or are malformed");
        break;
    }
    case PQ_DELTA_BINARY_PACKED: {
        if (cd->type != PQ_INT32 && cd->type != PQ_INT64)
            return page_fail(c, err, off, "DELTA_BINARY_PACKED on a %s column", pq_type_name(cd->type));
        int64_t *tmp = dense; /* (nn + 1) slots of 8 bytes; narrowed or converted in place */
        size_t got;
        if (!pq_delta_decode(p, len, tmp, nn, &got, &used, cd->type == PQ_INT32, &why)) break;
        if (got != nn) {
            why = "DELTA_BINARY_PACKED value count differs from the page's";
            break;
        }
        if (cd->type == PQ_INT32) {
            int32_t *t32 = (int32_t *)tmp;
            for (size_t i = 0; i < nn; i++)
                t32[i] = (int32_t)tmp[i];
            conv_i32(cd, t32, nn, dense);
        } else {
            conv_i64(cd, tmp, nn, dense);
        }
        break;
    }
    case PQ_DELTA_LENGTH_BYTE_ARRAY:
    case PQ_DELTA_BYTE_ARRAY: {
        if (cd->type != PQ_BYTE_ARRAY && !(enc == PQ_DELTA_BYTE_ARRAY && cd->type == PQ_FIXED_LEN_BYTE_ARRAY))
            return page_fail(c, err, off, "%s on a %s column", pq_encoding_name(enc), pq_type_name(cd->type));
        int64_t *prefix = NULL, *lens = ev_arena_alloc(a, (nn + 1) * 8);
        if (!lens) return ev_error_set(err, EV_ERR_NOMEM, "%s: out of memory", c->r->name);
        size_t got, pos = 0;
        if (enc == PQ_DELTA_BYTE_ARRAY) {
            prefix = ev_arena_alloc(a, (nn + 1) * 8);
            if (!prefix) return ev_error_set(err, EV_ERR_NOMEM, "%s: out of memory", c->r->name);
            if (!pq_delta_decode(p, len, prefix, nn, &got, &used, true, &why)) break;
            if (got != nn) {
                why = "prefix length count differs from the page's";
                break;
            }
            pos = used;
        }
        if (!pq_delta_decode(p + pos, len - pos, lens, nn, &got, &used, true, &why)) break;
        if (got != nn) {
            why = "length count differs from the page's";
            break;
        }
        pos += used;
        pq_str *s = ev_arena_alloc(a, (nn + 1) * sizeof *s);
        if (!s) return ev_error_set(err, EV_ERR_NOMEM, "%s: out of memory", c->r->name);
        size_t total = 0;
        for (size_t i = 0; i < nn && !why; i++) {
            if (lens[i] < 0 || (uint64_t)lens[i] > len - pos)
                why = "string length runs past the page";
            else if (prefix &&
                     (prefix[i] < 0 || (i == 0 ? prefix[i] != 0 : (uint64_t)prefix[i] > s[i - 1].len)))
                why = "prefix longer than the previous value";
            if (why) break;
            if (!prefix) {
                s[i] = (pq_str){(const char *)p + pos, (uint32_t)lens[i]};
            } else {
                size_t pl = (size_t)prefix[i], sl = (size_t)lens[i];
                total += pl + sl;
                if (total > c->max_page)
                    return ev_error_set(err, EV_ERR_LIMIT,
                                        "%s: DELTA_BYTE_ARRAY page expands past the limit of %zu bytes",
                                        c->r->name, c->max_page);
                char *buf = ev_arena_alloc(a, pl + sl + 1);
                if (!buf) return ev_error_set(err, EV_ERR_NOMEM, "%s: out of memory", c->r->name);
                if (pl) memcpy(buf, s[i - 1].ptr, pl);
                memcpy(buf + pl, p + pos, sl);
                s[i] = (pq_str){buf, (uint32_t)(pl + sl)};
            }
            pos += (size_t)lens[i];
        }
        if (why) break;
        for (size_t i = 0; i < nn; i++) {
            if (cd->type == PQ_FIXED_LEN_BYTE_ARRAY && s[i].len != (uint32_t)cd->type_length) {
                why = "value length differs from FIXED_LEN_BYTE_ARRAY width";
                break;
            }
            if (cd->vec_kind == PQ_VEC_F64)
                ((double *)dense)[i] = decimal_bytes((const uint8_t *)s[i].ptr, s[i].len, cd->logical.scale);
            else
                ((pq_str *)dense)[i] = s[i];
        }
        break;
    }
    case PQ_BYTE_STREAM_SPLIT: {
        size_t w = phys_width(cd);
        if (!w) return page_fail(c, err, off, "BYTE_STREAM_SPLIT on a %s column", pq_type_name(cd->type));
        if (nn > len / w) {
            why = "BYTE_STREAM_SPLIT streams run past the page";
            break;
        }
        uint8_t *tmp = ev_arena_alloc(a, nn * w + 1);
        if (!tmp) return ev_error_set(err, EV_ERR_NOMEM, "%s: out of memory", c->r->name);
        for (size_t k = 0; k < w; k++) {
            const uint8_t *src = p + k * nn;
            for (size_t i = 0; i < nn; i++)
                tmp[i * w + k] = src[i];
        }
        why = decode_plain(cd, tmp, nn * w, nn, dense, &used);
        break;
    }
    default:
        return ev_error_set(err, EV_ERR_UNSUPPORTED,
                            "%s: at byte %llu: column %s uses encoding %s, which evlake does not read",
                            c->r->name, (unsigned long long)off, cd->path, pq_encoding_name(enc));
    }
    if (why) return page_fail(c, err, off, "%s", why);
    return EV_OK;
}

/* Whether a page's definition levels open with one RLE run of max_def covering its nv rows: the
 * levels of a column that has no NULLs, which then need no decoding (max_def < 128: its value
 * fits the run's first byte). */
static bool all_defined(const uint8_t *lv, size_t len, int max_def, size_t nv) {
    uint64_t count = 0;
    size_t k = 0;
    for (int shift = 0; k < len && shift < 64; shift += 7) {
        uint8_t b = lv[k++];
        count |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) break;
        if (k == len) return false;
    }
    if (k >= len || (count & 1) || (count >> 1) < nv || max_def >= 128) return false;
    return lv[k] == max_def;
}

/* Non-null rows of rows [0, a) of the page (page_bits set). */
static inline size_t rank_at(const pq_column_reader *c, size_t a) {
    uint64_t w = pq_load64(c->page_bits + (a >> 6) * 8) & ((1ULL << (a & 63)) - 1);
    return c->page_rank[a >> 6] + (size_t)__builtin_popcountll(w);
}

/* The page's definition levels lv[0..len) for nv rows as page_bits and page_rank; *nn = the
 * non-null rows (page_bits stays NULL when that is all of them). Flat schemas (max_def 1) decode
 * straight into the bitmap; deeper levels go through bytes compared with max_def. */
static ev_status decode_validity(pq_column_reader *c, const uint8_t *lv, size_t len, size_t nv, uint64_t off,
                                 size_t *nn, ev_error *err) {
    const pq_column_desc *cd = c->col;
    size_t words = nv / 64 + 1;
    ev_buf_reset(&c->valid_buf);
    ev_buf_reset(&c->rank_buf);
    if (ev_buf_reserve(&c->valid_buf, words * 8 + 8) != EV_OK ||
        ev_buf_reserve(&c->rank_buf, (words + 1) * sizeof(uint32_t)) != EV_OK)
        return ev_error_set(err, EV_ERR_NOMEM, "%s: out of memory", c->r->name);
    uint8_t *bm = c->valid_buf.data;
    pq_rle_dec d;
    pq_rle_dec_init(&d, lv, len, pq_bit_width((uint64_t)cd->max_def));
    if (cd->max_def == 1) {
        if (!pq_rle_dec_bits1(&d, bm, nv))
            return page_fail(c, err, off, "definition levels end early or are malformed");
    } else {
        uint8_t *lev = ev_arena_alloc(&c->page_arena, nv + 8);
        if (!lev) return ev_error_set(err, EV_ERR_NOMEM, "%s: out of memory", c->r->name);
        if (!pq_rle_dec_u8(&d, lev, nv))
            return page_fail(c, err, off, "definition levels end early or are malformed");
        memset(bm, 0, words * 8 + 8);
        for (size_t i = 0; i < nv; i++)
            bm[i >> 3] |= (uint8_t)((lev[i] == cd->max_def) << (i & 7));
    }
    /* both ways leave the bits past nv zero through word `words` (pq_rle_dec_bits1 clears 8 bytes
     * past them), so the counts below and rank_at need no masking */
    uint32_t *rank = (uint32_t *)(void *)c->rank_buf.data;
    size_t cnt = 0;
    for (size_t q = 0; q <= words; q++) {
        rank[q] = (uint32_t)cnt;
        if (q < words) cnt += (size_t)__builtin_popcountll(pq_load64(bm + q * 8));
    }
    *nn = cnt;
    if (cnt < nv) {
        c->page_bits = bm;
        c->page_rank = rank;
    }
    return EV_OK;
}

/* Reads pages until a data page is decoded (returns with page_n > 0), or the chunk ends (page_n = 0). */
static ev_status load_page(pq_column_reader *c, ev_error *err) {
    pq_reader *r = c->r;
    const pq_column_desc *cd = c->col;
    for (;;) {
        c->page_n = c->page_pos = 0;
        if (c->values_left == 0) return EV_OK;
        if (c->pos >= c->chunk_len)
            return corrupt(err, r->name, c->chunk_off + c->pos,
                           "column %s of row group %zu ends %lld values early", cd->path, c->rg_index,
                           (long long)c->values_left);
        uint64_t off = c->chunk_off + c->pos;
        snprintf(c->where, sizeof c->where, "%s: at byte %llu (page of column %s, row group %zu)", r->name,
                 (unsigned long long)off, cd->path, c->rg_index);
        pq_page_header h;
        size_t hl;
        EV_TRY(pq_page_header_read(c->chunk + c->pos, c->chunk_len - c->pos, off, r->name, &h, &hl, err));
        if ((size_t)h.compressed_size > c->chunk_len - c->pos - hl)
            return page_fail(c, err, off, "page of %d bytes runs past its column chunk", h.compressed_size);
        const uint8_t *body = c->chunk + c->pos + hl;
        c->pos += hl + (size_t)h.compressed_size;
        atomic_fetch_add(&r->bytes_read, (uint64_t)(hl + (size_t)h.compressed_size));
        if (h.type == PQ_PAGE_INDEX) continue;
        if (h.type == PQ_PAGE_DICT) {
            EV_TRY(decode_dict_page(c, &h, body, off, err));
            continue;
        }
        c->seen_data = true;
        ev_arena_reset(&c->page_arena);
        size_t nv = (size_t)h.num_values;
        if ((int64_t)nv > c->values_left)
            return page_fail(c, err, off, "page holds %zu values, the chunk has %lld left", nv,
                             (long long)c->values_left);
        if ((size_t)h.uncompressed_size > c->max_page || nv > c->max_page / (c->kind_size + 6))
            return ev_error_set(err, EV_ERR_LIMIT,
                                "%s: page of %d bytes / %zu values exceeds the page limit of %zu bytes",
                                c->where, h.uncompressed_size, nv, c->max_page);
        if (nv == 0) continue;
        /* decompress */
        const uint8_t *lv = NULL, *vals;
        size_t lv_len = 0, vals_len;
        int def_enc = PQ_RLE;
        if (h.type == PQ_PAGE_DATA) {
            size_t ulen = (size_t)h.uncompressed_size;
            ev_buf_reset(&c->decomp);
            EV_TRY(ev_buf_reserve(&c->decomp, ulen + 16));
            EV_TRY(pq_decompress(c->codec, c->cm->codec, body, (size_t)h.compressed_size, c->decomp.data,
                                 ulen, c->where, err));
            const uint8_t *p = c->decomp.data;
            size_t left = ulen;
            def_enc = h.def_encoding;
            if (cd->max_def > 0) {
                if (def_enc != PQ_RLE)
                    return ev_error_set(err, EV_ERR_UNSUPPORTED,
                                        "%s: definition levels encoded %s are not supported", c->where,
                                        pq_encoding_name(def_enc));
                if (left < 4) return page_fail(c, err, off, "definition levels without a length");
                uint32_t l = pq_load32(p);
                if (l > left - 4)
                    return page_fail(c, err, off, "definition levels of %u bytes run past the page", l);
                lv = p + 4;
                lv_len = l;
                p += 4 + l;
                left -= 4 + l;
            }
            vals = p;
            vals_len = left;
        } else {
            size_t lvl = (size_t)h.def_len + (size_t)h.rep_len;
            lv = body + h.rep_len;
            lv_len = (size_t)h.def_len;
            size_t clen = (size_t)h.compressed_size - lvl, ulen = (size_t)h.uncompressed_size - lvl;
            if (h.is_compressed && c->cm->codec != PQ_CODEC_UNCOMPRESSED) {
                ev_buf_reset(&c->decomp);
                EV_TRY(ev_buf_reserve(&c->decomp, ulen + 16));
                EV_TRY(pq_decompress(c->codec, c->cm->codec, body + lvl, clen, c->decomp.data, ulen, c->where,
                                     err));
                vals = c->decomp.data;
                vals_len = ulen;
            } else {
                if (clen != ulen) return page_fail(c, err, off, "uncompressed v2 page sizes disagree");
                vals = body + lvl;
                vals_len = clen;
            }
        }
        /* levels */
        size_t nn = nv;
        c->page_bits = NULL;
        /* an OPTIONAL column without NULLs has levels that need no decoding */
        if (cd->max_def > 0 && !all_defined(lv, lv_len, cd->max_def, nv))
            EV_TRY(decode_validity(c, lv, lv_len, nv, off, &nn, err));
        /* values */
        c->page_off = off;
        if (h.encoding == PQ_PLAIN_DICTIONARY || h.encoding == PQ_RLE_DICTIONARY) {
            if (!c->have_dict)
                return page_fail(c, err, off, "dictionary-encoded page without a dictionary page");
            if (nn > 0 && vals_len < 1) return page_fail(c, err, off, "dictionary page data is empty");
            int bw = vals_len ? vals[0] : 0;
            if (bw > 32) return page_fail(c, err, off, "dictionary code bit width %d", bw);
            pq_rle_dec_init(&c->code_dec, vals_len ? vals + 1 : vals, vals_len ? vals_len - 1 : 0, bw);
            c->page_mode = VAL_DICT;
        } else if (h.encoding == PQ_PLAIN && cd->type != PQ_BOOLEAN) {
            c->plain = vals;
            c->plain_len = vals_len;
            c->plain_pos = 0;
            c->page_mode = VAL_PLAIN;
        } else {
            size_t slot = c->kind_size < 8 ? 8 : c->kind_size; /* room to widen int32 to int64 in place */
            ev_buf_reset(&c->dense_buf);
            if (ev_buf_reserve(&c->dense_buf, (nn + 1) * slot) != EV_OK)
                return ev_error_set(err, EV_ERR_NOMEM, "%s: out of memory", r->name);
            void *dense = c->dense_buf.data;
            EV_TRY(decode_values(c, h.encoding, vals, vals_len, nn, dense, off, err));
            c->page_dense = dense;
            c->dense_pos = 0;
            c->page_mode = VAL_DENSE;
        }
        c->page_n = nv;
        c->values_left -= (int64_t)nv;
        return EV_OK;
    }
}

/* Spreads the dense values of the valid rows over the rows of valid[0..rows): null rows get zeros.
 * dense has one readable slot past its values. Branch-free (masks from the 0/1 validity bytes):
 * with nulls scattered at random, a branch per row mispredicts about every other row. */
static void spread(const uint8_t *valid, size_t rows, const void *dense, size_t ks, void *out) {
    size_t j = 0;
#define SPREAD(T)                                                                                            \
    do {                                                                                                     \
        const T *d = dense;                                                                                  \
        T *o = out;                                                                                          \
        for (size_t i = 0; i < rows; i++) {                                                                  \
            T m = (T)0 - (T)valid[i];                                                                        \
            o[i] = d[j] & m;                                                                                 \
            j += valid[i];                                                                                   \
        }                                                                                                    \
    } while (0)
    switch (ks) {
    case 1:
        SPREAD(uint8_t);
        break;
    case 4:
        SPREAD(uint32_t);
        break;
    case 8:
        SPREAD(uint64_t);
        break;
    default: {
        const pq_str *d = dense;
        pq_str *o = out;
        for (size_t i = 0; i < rows; i++) {
            uintptr_t mp = (uintptr_t)0 - valid[i];
            uint32_t ml = (uint32_t)0 - valid[i];
            o[i] = (pq_str){(const char *)((uintptr_t)d[j].ptr & mp), d[j].len & ml};
            j += valid[i];
        }
        break;
    }
    }
#undef SPREAD
}

/* Dictionary values of rows[0..n): row i takes dict[codes[j]] for its j-th valid row, null rows the
 * zero entry dict[dn] (chosen with a mask, not a branch; codes has one readable slot past its
 * values). valid NULL: every row is valid. */
static void gather_dict(const uint8_t *valid, size_t n, const uint32_t *codes, const void *dict, uint32_t dn,
                        size_t ks, void *out) {
    size_t j = 0;
#define GATHER(T)                                                                                            \
    do {                                                                                                     \
        const T *d = dict;                                                                                   \
        T *o = out;                                                                                          \
        if (!valid) {                                                                                        \
            for (size_t i = 0; i < n; i++)                                                                   \
                o[i] = d[codes[i]];                                                                          \
        } else {                                                                                             \
            for (size_t i = 0; i < n; i++) {                                                                 \
                uint32_t m = (uint32_t)0 - valid[i];                                                         \
                o[i] = d[dn ^ ((codes[j] ^ dn) & m)];                                                        \
                j += valid[i];                                                                               \
            }                                                                                                \
        }                                                                                                    \
    } while (0)
    switch (ks) {
    case 1:
        GATHER(uint8_t);
        break;
    case 4:
        GATHER(uint32_t);
        break;
    case 8:
        GATHER(uint64_t);
        break;
    default:
        GATHER(pq_str);
        break;
    }
#undef GATHER
}

/* Codes of valid rows in place, dict_n in null rows: a consumer indexes a table of dict_n + 1
 * entries whose last one stands for NULL, without a branch per row. Four rows at a time: their
 * valid flags form a 4-bit mask that picks a byte shuffle moving the next dense codes into the
 * valid lanes (SSSE3, part of the x86-64-v2 baseline), and NULL lanes get dict_n. Reads up to
 * 3 codes past the dense ones: the code buffers have slack. */
#ifdef __SSSE3__
static const uint8_t spread_shuffle[16][16] = {
    {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80},
    {0x00, 0x01, 0x02, 0x03, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80},
    {0x80, 0x80, 0x80, 0x80, 0x00, 0x01, 0x02, 0x03, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80},
    {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80},
    {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x01, 0x02, 0x03, 0x80, 0x80, 0x80, 0x80},
    {0x00, 0x01, 0x02, 0x03, 0x80, 0x80, 0x80, 0x80, 0x04, 0x05, 0x06, 0x07, 0x80, 0x80, 0x80, 0x80},
    {0x80, 0x80, 0x80, 0x80, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x80, 0x80, 0x80, 0x80},
    {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x80, 0x80, 0x80, 0x80},
    {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x01, 0x02, 0x03},
    {0x00, 0x01, 0x02, 0x03, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x04, 0x05, 0x06, 0x07},
    {0x80, 0x80, 0x80, 0x80, 0x00, 0x01, 0x02, 0x03, 0x80, 0x80, 0x80, 0x80, 0x04, 0x05, 0x06, 0x07},
    {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x80, 0x80, 0x80, 0x80, 0x08, 0x09, 0x0a, 0x0b},
    {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07},
    {0x00, 0x01, 0x02, 0x03, 0x80, 0x80, 0x80, 0x80, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b},
    {0x80, 0x80, 0x80, 0x80, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b},
    {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f}};
static const uint32_t spread_nulls[16][4] = {
    {0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu},
    {0x00000000u, 0xffffffffu, 0xffffffffu, 0xffffffffu},
    {0xffffffffu, 0x00000000u, 0xffffffffu, 0xffffffffu},
    {0x00000000u, 0x00000000u, 0xffffffffu, 0xffffffffu},
    {0xffffffffu, 0xffffffffu, 0x00000000u, 0xffffffffu},
    {0x00000000u, 0xffffffffu, 0x00000000u, 0xffffffffu},
    {0xffffffffu, 0x00000000u, 0x00000000u, 0xffffffffu},
    {0x00000000u, 0x00000000u, 0x00000000u, 0xffffffffu},
    {0xffffffffu, 0xffffffffu, 0xffffffffu, 0x00000000u},
    {0x00000000u, 0xffffffffu, 0xffffffffu, 0x00000000u},
    {0xffffffffu, 0x00000000u, 0xffffffffu, 0x00000000u},
    {0x00000000u, 0x00000000u, 0xffffffffu, 0x00000000u},
    {0xffffffffu, 0xffffffffu, 0x00000000u, 0x00000000u},
    {0x00000000u, 0xffffffffu, 0x00000000u, 0x00000000u},
    {0xffffffffu, 0x00000000u, 0x00000000u, 0x00000000u},
    {0x00000000u, 0x00000000u, 0x00000000u, 0x00000000u}};
#endif

static void spread_codes(const uint8_t *valid, size_t rows, const uint32_t *dense, uint32_t dict_n,
                         uint32_t *out) {
    size_t i = 0, j = 0;
#ifdef __SSSE3__
    __m128i dn = _mm_set1_epi32((int)dict_n);
    for (; i + 4 <= rows; i += 4) {
        uint32_t w;
        memcpy(&w, valid + i, 4);
        unsigned m = ((w & 0x01010101u) * 0x01020408u) >> 24 & 0xF;
        __m128i d = _mm_loadu_si128((const __m128i *)(dense + j));
        __m128i r = _mm_shuffle_epi8(d, _mm_loadu_si128((const __m128i *)spread_shuffle[m]));
        r = _mm_or_si128(r, _mm_and_si128(dn, _mm_loadu_si128((const __m128i *)spread_nulls[m])));
        _mm_storeu_si128((__m128i *)(out + i), r);
        j += (size_t)__builtin_popcount(m);
    }
#endif
    for (; i < rows; i++) {
        out[i] = valid[i] ? dense[j] : dict_n;
        j += valid[i];
    }
}

static uint32_t max_code(const uint32_t *v, size_t n) {
    size_t i = 0;
    uint32_t top = 0;
#ifdef __SSE4_1__
    /* four chains of maxima: one waits on the previous step every load (a tenth of Q3's time) */
    __m128i m = _mm_setzero_si128(), m1 = m, m2 = m, m3 = m;
    for (; i + 16 <= n; i += 16) {
        m = _mm_max_epu32(m, _mm_loadu_si128((const __m128i *)(v + i)));
        m1 = _mm_max_epu32(m1, _mm_loadu_si128((const __m128i *)(v + i + 4)));
        m2 = _mm_max_epu32(m2, _mm_loadu_si128((const __m128i *)(v + i + 8)));
        m3 = _mm_max_epu32(m3, _mm_loadu_si128((const __m128i *)(v + i + 12)));
    }
    m = _mm_max_epu32(_mm_max_epu32(m, m1), _mm_max_epu32(m2, m3));
    for (; i + 4 <= n; i += 4)
        m = _mm_max_epu32(m, _mm_loadu_si128((const __m128i *)(v + i)));
    uint32_t lanes[4];
    _mm_storeu_si128((__m128i *)lanes, m);
    for (int k = 0; k < 4; k++)
        top = lanes[k] > top ? lanes[k] : top;
#endif
    for (; i < n; i++)
        top = v[i] > top ? v[i] : top;
    return top;
}

static ev_status next_fail(pq_column_reader *c, ev_status st) {
    c->sticky = st;
    return st;
}

ev_status pq_column_page_left(pq_column_reader *c, size_t *left, ev_error *err) {
    *left = 0;
    if (c->sticky != EV_OK)
        return ev_error_set(err, c->sticky, "%s: column %s: reading stopped after an earlier error",
                            c->r->name, c->col->path);
    if (c->page_pos >= c->page_n) {
        ev_status st = load_page(c, err);
        if (st != EV_OK) return next_fail(c, st);
    }
    *left = c->page_n - c->page_pos;
    return EV_OK;
}

ev_status pq_column_next(pq_column_reader *c, pq_vector *out, ev_error *err) {
    size_t left;
    ev_status st = pq_column_page_left(c, &left, err);
    if (st != EV_OK) {
        memset(out, 0, sizeof *out);
        out->kind = c->col->vec_kind;
        return st;
    }
    return pq_column_read(c, left < PQ_VECTOR_SIZE ? left : PQ_VECTOR_SIZE, NULL, 0, out, err);
}

/* The chosen rows sel[0..ns) of the next n of the page: their validity into vvalid, the offsets
 * (from the page's current non-null value) of the valid ones into vidx. Returns how many of the n
 * rows are valid; *m = valid chosen rows, *nulls = null chosen rows. A chosen row's offset is its
 * rank in the page's bitmap (the non-null rows before its word, plus a popcount within it) less
 * the current row's: no branch depends on the gaps between chosen rows, and no pass over the
 * rows that were not chosen. */
static size_t choose_rows(pq_column_reader *c, size_t n, const uint32_t *sel, size_t ns, size_t *m,
                          size_t *nulls) {
    if (!c->page_bits) {
        memcpy(c->vidx, sel, ns * sizeof *sel);
        *m = ns;
        *nulls = 0;
        return n;
    }
    const uint8_t *bm = c->page_bits;
    const uint32_t *rank = c->page_rank;
    uint32_t *restrict idx = c->vidx;
    uint8_t *restrict vv = c->vvalid;
    size_t base = c->page_pos, r0 = rank_at(c, base), k = 0;
    for (size_t i = 0; i < ns; i++) {
        size_t a = base + sel[i];
        uint64_t w = pq_load64(bm + (a >> 6) * 8);
        uint64_t v = (w >> (a & 63)) & 1;
        vv[i] = (uint8_t)v;
        idx[k] = (uint32_t)(rank[a >> 6] + (size_t)__builtin_popcountll(w & ((1ULL << (a & 63)) - 1)) - r0);
        k += v;
    }
    *m = k;
    *nulls = ns - k;
    return rank_at(c, base + n) - r0;
}

/* The validity of the page's next n rows as 0/1 bytes in vvalid (whole bytes of 8 rows: vvalid has
 * room for PQ_VECTOR_SIZE + 8). Returns how many are valid. */
static size_t valid_bytes(pq_column_reader *c, size_t n) {
    const uint8_t *bm = c->page_bits;
    size_t a = c->page_pos;
    for (size_t q = 0; q < n; q += 8) {
        size_t b = a + q;
        unsigned bits = (unsigned)((bm[b >> 3] | (unsigned)bm[(b >> 3) + 1] << 8) >> (b & 7)) & 0xFF;
        uint64_t lo = ((uint64_t)(bits & 0x0F) * 0x00204081u) & 0x01010101u;
        uint64_t hi = ((uint64_t)(bits >> 4) * 0x00204081u) & 0x01010101u;
        uint64_t w = lo | hi << 32;
        memcpy(c->vvalid + q, &w, 8);
    }
    return rank_at(c, a + n) - rank_at(c, a);
}

/* dst[k] = src[idx[k]] for k < m, in ks-byte slots. dst may be src: idx ascends with idx[k] >= k,
 * so a forward copy never overwrites a value still to be read. */
static void pick_values(void *dst, const void *src, const uint32_t *idx, size_t m, size_t ks) {
#define PICK(T)                                                                                              \
    do {                                                                                                     \
        T *d_ = dst;                                                                                         \
        const T *s_ = src;                                                                                   \
        for (size_t k = 0; k < m; k++)                                                                       \
            d_[k] = s_[idx[k]];                                                                              \
    } while (0)
    switch (ks) {
    case 1:
        PICK(uint8_t);
        break;
    case 4:
        PICK(uint32_t);
        break;
    case 8:
        PICK(uint64_t);
        break;
    default:
        PICK(pq_str);
        break;
    }
#undef PICK
}

ev_status pq_column_read(pq_column_reader *c, size_t n, const uint32_t *sel, size_t nsel, pq_vector *out,
                         ev_error *err) {
    memset(out, 0, sizeof *out);
    out->kind = c->col->vec_kind;
    if (c->sticky != EV_OK)
        return ev_error_set(err, c->sticky, "%s: column %s: reading stopped after an earlier error",
                            c->r->name, c->col->path);
    out->first_row = c->next_row;
    if (n == 0) return EV_OK;
    if (n > c->page_n - c->page_pos || n > PQ_VECTOR_SIZE)
        return ev_error_set(err, EV_ERR_INPUT, "%s: column %s: reading %zu rows where the page has %zu left",
                            c->r->name, c->col->path, n, c->page_n - c->page_pos);
    size_t k = sel ? nsel : n; /* rows handed out */
    size_t ks = c->kind_size;
    const uint8_t *valid = NULL;
    size_t nulls = 0, nn, m = 0; /* nn: valid rows among the n; m: values handed out */
    if (sel) {
        nn = choose_rows(c, n, sel, nsel, &m, &nulls);
        if (nulls) valid = c->vvalid;
    } else {
        if (c->page_bits) {
            nulls = n - valid_bytes(c, n);
            if (nulls) valid = c->vvalid;
        }
        nn = m = n - nulls;
    }
    out->n = k;
    if (valid || (sel && c->page_bits)) {
        out->valid = sel ? c->vvalid : valid;
        out->null_count = nulls;
    }
    const void *dense = NULL;
    switch (c->page_mode) {
    case VAL_DICT: {
        bool ok = sel ? pq_rle_dec_gather_u32(&c->code_dec, nn, c->vidx, m, c->vcodes)
                      : (nn == 0 || pq_rle_dec_u32(&c->code_dec, c->vcodes, nn));
        if (!ok)
            return next_fail(c,
                             page_fail(c, err, c->page_off, "dictionary codes end early or are malformed"));
        uint32_t dn = c->dict_n;
        /* decoded codes are < 2^bw: only a dictionary smaller than that needs the check */
        if (m && c->code_dec.bw < 32 && (1u << c->code_dec.bw) > dn && max_code(c->vcodes, m) >= dn)
            return next_fail(c, page_fail(c, err, c->page_off,
                                          "dictionary code out of range (dictionary has %u entries)", dn));
        if (c->flags & PQ_READ_DICT_CODES) {
            out->is_dict = true;
            out->dict = c->dict;
            out->dict_n = dn;
            if (valid) {
                spread_codes(valid, k, c->vcodes, dn, c->vrc);
                out->codes = c->vrc;
            } else {
                out->codes = c->vcodes;
            }
        } else {
            gather_dict(valid, k, c->vcodes, c->dict, dn, ks, c->vout);
            out->values = c->vout;
        }
        break;
    }
    case VAL_PLAIN: {
        size_t used = 0;
        const char *why = nn ? decode_plain(c->col, c->plain + c->plain_pos, c->plain_len - c->plain_pos, nn,
                                            c->vdense, &used)
                             : NULL;
        if (why) return next_fail(c, page_fail(c, err, c->page_off, "%s", why));
        c->plain_pos += used;
        if (sel) pick_values(c->vdense, c->vdense, c->vidx, m, ks);
        dense = c->vdense;
        break;
    }
    case VAL_DENSE:
        dense = c->page_dense + c->dense_pos * ks;
        c->dense_pos += nn;
        if (sel) {
            pick_values(c->vdense, dense, c->vidx, m, ks);
            dense = c->vdense;
        }
        break;
    }
    if (dense) {
        if (valid) {
            spread(valid, k, dense, ks, c->vout);
            out->values = c->vout;
        } else {
            out->values = dense;
        }
    }
    c->page_pos += n;
    c->next_row += n;
    return EV_OK;
}
