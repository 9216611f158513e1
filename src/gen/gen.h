/*
 * gen: the event generator (the classic pipeline's scheduled Lambda), in two profiles.
 *
 * `starter` reproduces the course-starter generator's output format byte for byte (events.md):
 * Python json.dumps key order and separators, nulls, timestamps with 6 fractional digits or none,
 * lines joined by "\n" with no trailing newline, the same distributions. `realistic` keeps schema
 * and layout but gives the data shape: users own sessions, sessions walk a funnel in time order
 * with abandonment, Zipf product popularity, per-product prices, a diurnal curve, and a
 * configurable rate of malformed lines.
 *
 * Object i of a run covers the 5 minutes [start + i*interval, start + (i+1)*interval) and is
 * written under the key of its end time, as the Lambda names objects after the wall clock once the
 * batch is done: raw/events/year=…/minute=mm/events-YYYYMMDD-HHMMSS.jsonl.gz.
 *
 * Determinism: an object's bytes depend only on (profile, seed, its time, interval, event-count
 * range, bad rate, level). Each object is split into fixed chunks of GEN_CHUNK_EVENTS events, each
 * with its own random stream and compressed independently (gz_writer.h), so any thread count
 * produces the same bytes.
 */
#ifndef EV_GEN_H
#define EV_GEN_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "ev_status.h"
#include "store.h"

#define GEN_CHUNK_EVENTS 65536
#define GEN_DEFAULT_PREFIX "raw/events"

typedef enum gen_profile { GEN_PROFILE_STARTER = 0, GEN_PROFILE_REALISTIC = 1 } gen_profile;

typedef struct gen_options {
    gen_profile profile;
    uint64_t seed;
    int64_t start_usec;    /* beginning of the first object's window */
    int64_t interval_usec; /* object spacing and window length (5 minutes) */
    size_t objects;
    uint32_t events_min;   /* events per object, uniform in [min, max] */
    uint32_t events_max;
    double bad_rate;       /* realistic: fraction of malformed lines, 0..1 */
    int threads;           /* >= 1 */
    int level;             /* deflate level 0-3 (ISA-L) */
    const char *prefix;    /* key prefix, GEN_DEFAULT_PREFIX by default */
} gen_options;

/* Fills the defaults: starter, seed 42, 5-minute interval, 500000-750000 events,
 * level 2, 2 threads, 1% bad lines (used by realistic only). start_usec and objects are left 0. */
void gen_options_default(gen_options *o);

typedef struct gen_stats {
    size_t objects;       /* objects committed */
    uint64_t events;      /* lines written (malformed ones included) */
    uint64_t bad_lines;   /* malformed lines written on purpose */
    uint64_t raw_bytes;   /* uncompressed bytes */
    uint64_t gz_bytes;    /* compressed bytes */
    int64_t elapsed_usec;
} gen_stats;

/* Progress callback, called from the writing thread after each object is committed. */
typedef void (*gen_progress_fn)(const gen_stats *so_far, size_t objects_total, const char *last_key,
                                void *ctx);

/* Writes o->objects objects into the store. `stop` (may be NULL) is polled: when it becomes
 * non-zero the run ends with EV_ERR_CANCELLED after discarding the object in flight (objects
 * already committed stay). `stats` receives the totals (also on failure). */
ev_status gen_run(store *s, const gen_options *o, gen_progress_fn progress, void *progress_ctx,
                  volatile sig_atomic_t *stop, gen_stats *stats, ev_error *err) EV_WUR;

/* The key of the object whose window ends at end_usec (seconds precision). */
ev_status gen_object_key(const char *prefix, int64_t end_usec, char *out, size_t cap) EV_WUR;

/* The number of events of the object whose window starts at window_start_usec. */
uint32_t gen_object_events(const gen_options *o, int64_t window_start_usec);

/* Renders chunk `chunk` of the object starting at window_start_usec, uncompressed, appending to
 * `out`; *bad receives the count of malformed lines. For tests and tools; gen_run uses it too. */
ev_status gen_render_chunk(const gen_options *o, int64_t window_start_usec, uint32_t chunk, ev_buf *out,
                           uint64_t *bad, ev_error *err) EV_WUR;

/* Parses "starter" / "realistic". */
ev_status gen_profile_parse(const char *name, gen_profile *out) EV_WUR;

#endif
