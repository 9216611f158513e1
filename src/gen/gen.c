/*
 * gen.c: planning objects, the worker pool and the ordered writer (see gen.h).
 *
 * Work items are (object, chunk) pairs in key order. Workers render and deflate items into a
 * ring of slots; the calling thread writes slots strictly in order into the object being built
 * and commits each object atomically. The ring bounds memory (threads * 2 + 1 compressed
 * chunks, plus one raw chunk per worker) however many objects are asked for.
 */
#include "gen.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ev_time.h"
#include "gen_int.h"
#include "gz_writer.h"

void gen_options_default(gen_options *o) {
    memset(o, 0, sizeof *o);
    o->profile = GEN_PROFILE_STARTER;
    o->seed = 42;
    o->interval_usec = 5 * EV_USEC_PER_MIN;
    o->events_min = 500000;
    o->events_max = 750000;
    o->bad_rate = 0.01;
    o->threads = 2;
    o->level = 2;
    o->prefix = GEN_DEFAULT_PREFIX;
}

ev_status gen_profile_parse(const char *name, gen_profile *out) {
    if (!strcmp(name, "starter")) *out = GEN_PROFILE_STARTER;
    else if (!strcmp(name, "realistic")) *out = GEN_PROFILE_REALISTIC;
    else return EV_ERR_INPUT;
    return EV_OK;
}

ev_status gen_object_key(const char *prefix, int64_t end_usec, char *out, size_t cap) {
    ev_civil c;
    ev_time_to_civil(end_usec, &c);
    int n = snprintf(out, cap,
                     "%s/year=%04d/month=%02d/day=%02d/hour=%02d/minute=%02d/"
                     "events-%04d%02d%02d-%02d%02d%02d.jsonl.gz",
                     prefix, c.year, c.month, c.day, c.hour, c.minute, c.year, c.month, c.day, c.hour,
                     c.minute, c.second);
    return n > 0 && (size_t)n < cap ? EV_OK : EV_ERR_INPUT;
}

uint32_t gen_object_events(const gen_options *o, int64_t window_start) {
    gen_rng r;
    gen_rng_seed(&r, o->seed, (uint64_t)window_start, 0, GEN_STREAM_OBJECT);
    uint32_t n = o->events_min + gen_below(&r, o->events_max - o->events_min + 1);
    return o->profile == GEN_PROFILE_REALISTIC ? gen_realistic_scale(n, window_start) : n;
}

static uint32_t chunks_of(uint32_t events) {
    return events ? (events + GEN_CHUNK_EVENTS - 1) / GEN_CHUNK_EVENTS : 1;
}

static ev_status render_chunk(const gen_options *o, int64_t window_start, uint32_t total, uint32_t chunk,
                              ev_buf *out, uint64_t *bad, ev_error *err) {
    uint32_t first = chunk * GEN_CHUNK_EVENTS;
    if (total == 0) return EV_OK;
    if (first >= total) return ev_error_set(err, EV_ERR_INPUT, "chunk %u is past the object's end", chunk);
    uint32_t count = total - first < GEN_CHUNK_EVENTS ? total - first : GEN_CHUNK_EVENTS;
    if (o->profile == GEN_PROFILE_REALISTIC)
        return gen_realistic_chunk(o, window_start, chunk, first, count, total, out, bad, err);
    return gen_starter_chunk(o, window_start, chunk, first, count, total, out, err);
}

ev_status gen_render_chunk(const gen_options *o, int64_t window_start, uint32_t chunk, ev_buf *out,
                           uint64_t *bad, ev_error *err) {
    *bad = 0;
    return render_chunk(o, window_start, gen_object_events(o, window_start), chunk, out, bad, err);
}

/* ---- the parallel run ---- */

typedef struct gen_slot {
    ev_buf gz;
    uint32_t crc;
    uint64_t raw_len;
    uint64_t bad;
    int ready;
    ev_status st;
    ev_error err;
} gen_slot;

typedef struct gen_run_state {
    const gen_options *o;
    pthread_mutex_t mu;
    pthread_cond_t cv_work;  /* workers wait for a free slot */
    pthread_cond_t cv_done;  /* the writer waits for its next slot */
    uint32_t *obj_events;    /* events per object, planned up front */
    size_t next_obj;         /* next item to hand out */
    uint32_t next_chunk;
    uint64_t next_seq;
    uint64_t write_seq;      /* next item the writer consumes */
    gen_slot *slots;
    size_t nslots;
    int quit;                /* set on failure or stop: workers leave */
} gen_run_state;

typedef struct gen_worker {
    gen_run_state *run;
    pthread_t thread;
    ev_buf raw;
    gz_deflater *deflater;
} gen_worker;

static int64_t window_start_of(const gen_options *o, size_t obj) {
    return o->start_usec + (int64_t)obj * o->interval_usec;
}

/* Takes the next item, or returns 0 when there is none left (or the run is quitting). */
static int take_item(gen_run_state *run, uint64_t *seq, size_t *obj, uint32_t *chunk) {
    pthread_mutex_lock(&run->mu);
    while (!run->quit && run->next_obj < run->o->objects && run->next_seq >= run->write_seq + run->nslots)
        pthread_cond_wait(&run->cv_work, &run->mu);
    int ok = !run->quit && run->next_obj < run->o->objects;
    if (ok) {
        *seq = run->next_seq++;
        *obj = run->next_obj;
        *chunk = run->next_chunk;
        if (++run->next_chunk == chunks_of(run->obj_events[run->next_obj])) {
            run->next_chunk = 0;
            run->next_obj++;
        }
    }
    pthread_mutex_unlock(&run->mu);
    return ok;
}

static void *worker_main(void *arg) {
    gen_worker *w = arg;
    gen_run_state *run = w->run;
    const gen_options *o = run->o;
    uint64_t seq;
    size_t obj;
    uint32_t chunk;
    while (take_item(run, &seq, &obj, &chunk)) {
        gen_slot *slot = &run->slots[seq % run->nslots];
        uint32_t total = run->obj_events[obj];
        ev_buf_reset(&w->raw);
        ev_buf_reset(&slot->gz);
        slot->bad = 0;
        ev_error_clear(&slot->err);
        slot->st = render_chunk(o, window_start_of(o, obj), total, chunk, &w->raw, &slot->bad, &slot->err);
        if (slot->st == EV_OK) {
            int last = chunk + 1 == chunks_of(total);
            slot->st = gz_deflater_chunk(w->deflater, w->raw.data, w->raw.len, last, &slot->gz, &slot->crc,
                                         &slot->err);
            slot->raw_len = w->raw.len;
        }
        pthread_mutex_lock(&run->mu);
        slot->ready = 1;
        pthread_cond_broadcast(&run->cv_done);
        pthread_mutex_unlock(&run->mu);
    }
    return NULL;
}

/* Waits for the writer's next slot; returns NULL if `stop` was raised meanwhile. */
static gen_slot *await_slot(gen_run_state *run, volatile sig_atomic_t *stop) {
    gen_slot *slot = &run->slots[run->write_seq % run->nslots];
    pthread_mutex_lock(&run->mu);
    while (!slot->ready && !(stop && *stop)) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 100 * 1000 * 1000;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&run->cv_done, &run->mu, &ts);
    }
    int ready = slot->ready;
    pthread_mutex_unlock(&run->mu);
    return ready ? slot : NULL;
}

static void release_slot(gen_run_state *run, gen_slot *slot) {
    pthread_mutex_lock(&run->mu);
    slot->ready = 0;
    run->write_seq++;
    pthread_cond_broadcast(&run->cv_work);
    pthread_mutex_unlock(&run->mu);
}

/* Writes object `obj` from its slots, in order, and commits it. */
static ev_status write_object(gen_run_state *run, store *s, size_t obj, volatile sig_atomic_t *stop,
                              gen_stats *stats, char *key, size_t key_cap, ev_error *err) {
    const gen_options *o = run->o;
    int64_t end = window_start_of(o, obj) + o->interval_usec;
    if (gen_object_key(o->prefix, end, key, key_cap) != EV_OK)
        return ev_error_set(err, EV_ERR_INPUT, "object key too long under prefix '%s'", o->prefix);
    store_writer *w;
    EV_TRY(store_writer_open(s, key, &w, err));
    uint8_t frame[GZ_HEADER_SIZE];
    gz_member_header((uint32_t)(end / EV_USEC_PER_SEC), frame);
    ev_status st = store_writer_write(w, frame, GZ_HEADER_SIZE, err);
    uint32_t crc = 0;
    uint64_t raw_len = 0, gz_len = GZ_HEADER_SIZE + GZ_TRAILER_SIZE, bad = 0;
    uint32_t nchunks = chunks_of(run->obj_events[obj]);
    for (uint32_t c = 0; st == EV_OK && c < nchunks; c++) {
        gen_slot *slot = await_slot(run, stop);
        if (!slot) {
            st = ev_error_set(err, EV_ERR_CANCELLED, "stopped while writing '%s'", key);
            break;
        }
        if (slot->st != EV_OK) {
            st = slot->st;
            if (err) *err = slot->err;
            break;
        }
        st = store_writer_write(w, slot->gz.data, slot->gz.len, err);
        crc = gz_crc32_combine(crc, slot->crc, slot->raw_len);
        raw_len += slot->raw_len;
        gz_len += slot->gz.len;
        bad += slot->bad;
        release_slot(run, slot);
    }
    if (st == EV_OK) {
        uint8_t trailer[GZ_TRAILER_SIZE];
        gz_member_trailer(crc, raw_len, trailer);
        st = store_writer_write(w, trailer, GZ_TRAILER_SIZE, err);
    }
    if (st != EV_OK) {
        store_writer_abort(w);
        return st;
    }
    EV_TRY(store_writer_commit(w, err));
    stats->objects++;
    stats->events += run->obj_events[obj];
    stats->bad_lines += bad;
    stats->raw_bytes += raw_len;
    stats->gz_bytes += gz_len;
    return EV_OK;
}

static ev_status validate(const gen_options *o, ev_error *err) {
    if (o->threads < 1 || o->threads > 256)
        return ev_error_set(err, EV_ERR_INPUT, "--threads must be 1-256, not %d", o->threads);
    if (o->events_min > o->events_max)
        return ev_error_set(err, EV_ERR_INPUT, "event range %u-%u is empty", o->events_min, o->events_max);
    if (o->events_max > 99u * GEN_CHUNK_EVENTS)
        return ev_error_set(err, EV_ERR_INPUT, "at most %u events per object", 99u * GEN_CHUNK_EVENTS);
    if (o->interval_usec < EV_USEC_PER_SEC || o->interval_usec % EV_USEC_PER_SEC)
        return ev_error_set(err, EV_ERR_INPUT, "the interval must be a whole number of seconds, at least 1");
    if (o->bad_rate < 0 || o->bad_rate > 1)
        return ev_error_set(err, EV_ERR_INPUT, "--bad-rate must be between 0 and 1");
    if (o->level < 0 || o->level > 3) return ev_error_set(err, EV_ERR_INPUT, "--level must be 0-3");
    return EV_OK;
}

ev_status gen_run(store *s, const gen_options *o, gen_progress_fn progress, void *progress_ctx,
                  volatile sig_atomic_t *stop, gen_stats *stats, ev_error *err) {
    memset(stats, 0, sizeof *stats);
    EV_TRY(validate(o, err));
    if (o->objects == 0) return EV_OK;
    int64_t t0 = ev_time_monotonic();
    ev_status st = EV_OK;
    gen_run_state run;
    memset(&run, 0, sizeof run);
    run.o = o;
    pthread_mutex_init(&run.mu, NULL);
    pthread_cond_init(&run.cv_work, NULL);
    pthread_cond_init(&run.cv_done, NULL);
    run.nslots = (size_t)o->threads * 2 + 1;
    run.obj_events = ev_calloc(NULL, o->objects, sizeof *run.obj_events);
    run.slots = ev_calloc(NULL, run.nslots, sizeof *run.slots);
    gen_worker *workers = ev_calloc(NULL, (size_t)o->threads, sizeof *workers);
    int started = 0;
    if (!run.obj_events || !run.slots || !workers) {
        st = ev_error_set(err, EV_ERR_NOMEM, "out of memory planning %zu objects", o->objects);
        goto done;
    }
    for (size_t i = 0; i < o->objects; i++) run.obj_events[i] = gen_object_events(o, window_start_of(o, i));
    for (size_t i = 0; i < run.nslots; i++) ev_buf_init(&run.slots[i].gz, NULL);
    for (int t = 0; t < o->threads; t++) {
        workers[t].run = &run;
        ev_buf_init(&workers[t].raw, NULL);
        EV_CHECK(gz_deflater_create(o->level, NULL, &workers[t].deflater, err));
    }
    for (int t = 0; t < o->threads; t++, started++) {
        if (pthread_create(&workers[t].thread, NULL, worker_main, &workers[t]) != 0) {
            st = ev_error_set(err, EV_ERR_IO, "cannot start generator thread %d", t);
            goto done;
        }
    }
    char key[1024];
    for (size_t i = 0; i < o->objects; i++) {
        EV_CHECK(write_object(&run, s, i, stop, stats, key, sizeof key, err));
        stats->elapsed_usec = ev_time_monotonic() - t0;
        if (progress) progress(stats, o->objects, key, progress_ctx);
    }
done:
    pthread_mutex_lock(&run.mu);
    run.quit = 1;
    pthread_cond_broadcast(&run.cv_work);
    pthread_mutex_unlock(&run.mu);
    for (int t = 0; t < started; t++) pthread_join(workers[t].thread, NULL);
    if (workers)
        for (int t = 0; t < o->threads; t++) {
            ev_buf_free(&workers[t].raw);
            gz_deflater_destroy(workers[t].deflater);
        }
    if (run.slots)
        for (size_t i = 0; i < run.nslots; i++) ev_buf_free(&run.slots[i].gz);
    ev_free(NULL, workers, (size_t)o->threads * sizeof *workers);
    ev_free(NULL, run.slots, run.nslots * sizeof *run.slots);
    ev_free(NULL, run.obj_events, o->objects * sizeof *run.obj_events);
    pthread_cond_destroy(&run.cv_work);
    pthread_cond_destroy(&run.cv_done);
    pthread_mutex_destroy(&run.mu);
    stats->elapsed_usec = ev_time_monotonic() - t0;
    return st;
}
