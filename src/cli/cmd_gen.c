/* cmd_gen.c: `evlake gen`: backfill or live generation of raw clickstream objects. */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "ev_time.h"
#include "gen.h"
#include "store.h"

static const char *const gen_help =
    "usage: evlake gen --objects N [--start T] [options]\n"
    "       evlake gen --from T --to T [options]\n"
    "       evlake gen --live [--interval 5m] [--speed X] [--start T] [--count N] [options]\n"
    "\n"
    "Writes gzipped JSON Lines objects of clickstream events into the lake's raw area:\n"
    "  raw/events/year=YYYY/month=MM/day=DD/hour=HH/minute=mm/events-YYYYMMDD-HHMMSS.jsonl.gz\n"
    "Object i covers [start + i*interval, start + (i+1)*interval) and is named after its end,\n"
    "as the classic generator names objects after the clock once the batch is done.\n"
    "\n"
    "backfill:\n"
    "  --objects N          N objects starting at --start (default: the N intervals before now)\n"
    "  --from T --to T      every interval between two times (ISO-8601, e.g. 2025-11-20T00:00:00Z)\n"
    "  --start T            start of the first object's window (alias of --from with --objects)\n"
    "live:\n"
    "  --live               write one object per interval until stopped (Ctrl-C, SIGTERM)\n"
    "  --interval D         object spacing and window (default 5m; e.g. 30s, 5m, 1h)\n"
    "  --speed X            run the clock X times faster than real time (default 1)\n"
    "  --count N            stop after N objects\n"
    "content:\n"
    "  --profile P          starter (byte-compatible with the classic generator, default) or realistic\n"
    "  --events N|MIN-MAX   events per object (default 500000-750000)\n"
    "  --seed S             random seed (default 42); same seed and options give the same bytes\n"
    "  --bad-rate R         realistic: share of malformed lines (default 0.01)\n"
    "performance and output:\n"
    "  --threads N          worker threads (default: the number of cores); output does not depend on it\n"
    "  --level L            gzip level 0-3 (ISA-L; default 2)\n"
    "  --json               print the summary as one JSON object\n"
    "  --quiet              no progress bar\n";

static volatile sig_atomic_t gen_stop_requested;

static void on_stop_signal(int sig) {
    (void)sig;
    gen_stop_requested = 1;
}

typedef struct gen_cli {
    gen_options o;
    int live, json, quiet, have_objects, have_from, have_to, have_start;
    int64_t from, to, start;
    double speed;
    size_t count;
    const cli_ctx *ctx;
    char first_key[1024];
    char last_key[1024];
} gen_cli;

static void format_bytes(uint64_t b, char *out, size_t cap) {
    if (b >= 1000000000ULL) snprintf(out, cap, "%.2f GB", (double)b / 1e9);
    else if (b >= 1000000ULL) snprintf(out, cap, "%.1f MB", (double)b / 1e6);
    else snprintf(out, cap, "%.1f kB", (double)b / 1e3);
}

static void progress(const gen_stats *s, size_t total, const char *key, void *arg) {
    gen_cli *g = arg;
    if (!g->first_key[0]) snprintf(g->first_key, sizeof g->first_key, "%s", key);
    snprintf(g->last_key, sizeof g->last_key, "%s", key);
    if (g->quiet || !g->ctx->stderr_tty) return;
    double secs = (double)s->elapsed_usec / 1e6;
    double eps = secs > 0 ? (double)s->events / secs : 0;
    double eta = s->objects ? secs / (double)s->objects * (double)(total - s->objects) : 0;
    int width = 30, filled = (int)((double)width * (double)s->objects / (double)total);
    char bar[64];
    for (int i = 0; i < width; i++) bar[i] = i < filled ? '#' : '.';
    bar[width] = '\0';
    fprintf(stderr, "\r[%s] %zu/%zu objects  %.2f M events/s  ETA %dm%02ds ", bar, s->objects, total, eps / 1e6,
            (int)eta / 60, (int)eta % 60);
    if (s->objects == total) fputc('\n', stderr);
    fflush(stderr);
}

static void print_summary(const gen_cli *g, const gen_stats *s) {
    double secs = (double)s->elapsed_usec / 1e6;
    double eps = secs > 0 ? (double)s->events / secs : 0;
    if (g->json) {
        printf("{\"objects\": %zu, \"events\": %" PRIu64 ", \"bad_lines\": %" PRIu64 ", \"raw_bytes\": %" PRIu64
               ", \"gz_bytes\": %" PRIu64 ", \"seconds\": %.3f, \"events_per_sec\": %.0f, "
               "\"first_key\": \"%s\", \"last_key\": \"%s\"}\n",
               s->objects, s->events, s->bad_lines, s->raw_bytes, s->gz_bytes, secs, eps, g->first_key,
               g->last_key);
        return;
    }
    char raw[32], gz[32];
    format_bytes(s->raw_bytes, raw, sizeof raw);
    format_bytes(s->gz_bytes, gz, sizeof gz);
    printf("generated %zu object%s, %" PRIu64 " events (%s raw, %s gzip) in %.2f s: %.2f M events/s\n",
           s->objects, s->objects == 1 ? "" : "s", s->events, raw, gz, secs, eps / 1e6);
    if (s->bad_lines) printf("malformed lines written on purpose: %" PRIu64 "\n", s->bad_lines);
    if (s->objects) printf("first  %s\nlast   %s\n", g->first_key, g->last_key);
}

static int parse_time_arg(const char *opt, const char *v, int64_t *out) {
    if (ev_time_parse(v, strlen(v), out) != EV_OK)
        return cli_usage_error("gen", "%s: '%s' is not an ISO-8601 time (e.g. 2025-11-20T00:00:00Z)", opt, v);
    return 0;
}

static int parse_u64_arg(const char *opt, const char *v, uint64_t max, uint64_t *out) {
    char *end;
    unsigned long long x = strtoull(v, &end, 10);
    if (!*v || *end || v[0] == '-' || x > max)
        return cli_usage_error("gen", "%s: '%s' is not a whole number up to %" PRIu64, opt, v, max);
    *out = x;
    return 0;
}

static int parse_events(gen_cli *g, const char *v) {
    uint64_t lo, hi;
    const char *dash = strchr(v, '-');
    char first[32];
    if (dash && (size_t)(dash - v) < sizeof first) {
        memcpy(first, v, (size_t)(dash - v));
        first[dash - v] = '\0';
        if (parse_u64_arg("--events", first, UINT32_MAX, &lo) || parse_u64_arg("--events", dash + 1, UINT32_MAX, &hi))
            return 1;
    } else {
        if (parse_u64_arg("--events", v, UINT32_MAX, &lo)) return 1;
        hi = lo;
    }
    if (lo > hi) return cli_usage_error("gen", "--events: empty range '%s'", v);
    g->o.events_min = (uint32_t)lo;
    g->o.events_max = (uint32_t)hi;
    return 0;
}

static int parse_args(gen_cli *g, int argc, char **argv) {
    enum { O_FROM = 256, O_TO, O_START, O_LIVE, O_INTERVAL, O_SPEED, O_COUNT, O_PROFILE, O_EVENTS, O_SEED,
           O_BAD, O_THREADS, O_LEVEL, O_JSON, O_QUIET, O_OBJECTS };
    static const struct option opts[] = {
        {"objects", required_argument, 0, O_OBJECTS}, {"from", required_argument, 0, O_FROM},
        {"to", required_argument, 0, O_TO},           {"start", required_argument, 0, O_START},
        {"live", no_argument, 0, O_LIVE},             {"interval", required_argument, 0, O_INTERVAL},
        {"speed", required_argument, 0, O_SPEED},     {"count", required_argument, 0, O_COUNT},
        {"profile", required_argument, 0, O_PROFILE}, {"events", required_argument, 0, O_EVENTS},
        {"seed", required_argument, 0, O_SEED},       {"bad-rate", required_argument, 0, O_BAD},
        {"threads", required_argument, 0, O_THREADS}, {"level", required_argument, 0, O_LEVEL},
        {"json", no_argument, 0, O_JSON},             {"quiet", no_argument, 0, O_QUIET},
        {0, 0, 0, 0}};
    uint64_t u;
    char *end;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case O_OBJECTS:
            if (parse_u64_arg("--objects", optarg, 10000000, &u)) return 1;
            g->o.objects = (size_t)u;
            g->have_objects = 1;
            break;
        case O_FROM:
            if (parse_time_arg("--from", optarg, &g->from)) return 1;
            g->have_from = 1;
            break;
        case O_TO:
            if (parse_time_arg("--to", optarg, &g->to)) return 1;
            g->have_to = 1;
            break;
        case O_START:
            if (parse_time_arg("--start", optarg, &g->start)) return 1;
            g->have_start = 1;
            break;
        case O_LIVE: g->live = 1; break;
        case O_INTERVAL:
            if (ev_duration_parse(optarg, &g->o.interval_usec) != EV_OK)
                return cli_usage_error("gen", "--interval: '%s' is not a duration (e.g. 30s, 5m, 1h)", optarg);
            break;
        case O_SPEED:
            g->speed = strtod(optarg, &end);
            if (*end || !(g->speed > 0 && g->speed <= 1e6))
                return cli_usage_error("gen", "--speed: '%s' is not a factor in (0, 1000000]", optarg);
            break;
        case O_COUNT:
            if (parse_u64_arg("--count", optarg, 10000000, &u)) return 1;
            g->count = (size_t)u;
            break;
        case O_PROFILE:
            if (gen_profile_parse(optarg, &g->o.profile) != EV_OK)
                return cli_usage_error("gen", "--profile: '%s' is not starter or realistic", optarg);
            break;
        case O_EVENTS:
            if (parse_events(g, optarg)) return 1;
            break;
        case O_SEED:
            if (parse_u64_arg("--seed", optarg, UINT64_MAX, &u)) return 1;
            g->o.seed = u;
            break;
        case O_BAD:
            g->o.bad_rate = strtod(optarg, &end);
            if (*end || !(g->o.bad_rate >= 0 && g->o.bad_rate <= 1))
                return cli_usage_error("gen", "--bad-rate: '%s' is not a share between 0 and 1", optarg);
            break;
        case O_THREADS:
            if (parse_u64_arg("--threads", optarg, 256, &u) || u == 0)
                return u == 0 ? cli_usage_error("gen", "--threads must be at least 1") : 1;
            g->o.threads = (int)u;
            break;
        case O_LEVEL:
            if (parse_u64_arg("--level", optarg, 3, &u)) return 1;
            g->o.level = (int)u;
            break;
        case O_JSON: g->json = 1; break;
        case O_QUIET: g->quiet = 1; break;
        default: return cli_usage_error("gen", "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc) return cli_usage_error("gen", "unexpected argument '%s'", argv[optind]);
    return 0;
}

/* Works out start and object count of a backfill from the options. */
static int plan_backfill(gen_cli *g) {
    int64_t iv = g->o.interval_usec;
    if (g->have_from != g->have_to) return cli_usage_error("gen", "--from and --to go together");
    if (g->have_from) {
        if (g->have_objects || g->have_start)
            return cli_usage_error("gen", "--from/--to cannot be combined with --objects or --start");
        if (g->to <= g->from) return cli_usage_error("gen", "--to must be after --from");
        g->o.start_usec = g->from;
        g->o.objects = (size_t)((g->to - g->from + iv - 1) / iv);
        return 0;
    }
    if (!g->have_objects) return cli_usage_error("gen", "say how much: --objects N, --from T --to T, or --live");
    g->o.start_usec = g->have_start ? g->start
                                    : ev_time_floor(ev_time_now(), iv) - (int64_t)g->o.objects * iv;
    return 0;
}

static int open_raw_store(const cli_ctx *ctx, store **s) {
    ev_error err;
    ev_error_clear(&err);
    if (store_open_local(ctx->home, NULL, s, &err) != EV_OK) return cli_fail("gen", &err);
    return 0;
}

static void sleep_usec(int64_t us) {
    struct timespec ts = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

/* Live mode: a simulated clock runs at --speed; each time it passes the end of the current window,
 * that window's object is written. */
static int run_live(gen_cli *g, store *s) {
    int64_t iv = g->o.interval_usec;
    int64_t sim_start = g->have_start ? g->start : ev_time_floor(ev_time_now(), EV_USEC_PER_SEC);
    int64_t mono0 = ev_time_monotonic();
    int64_t ws = sim_start;
    gen_stats total = {0};
    size_t written = 0;
    if (!g->quiet)
        fprintf(stderr, "evlake gen: live, one object per %.0f s of simulated time at %gx; Ctrl-C stops\n",
                (double)iv / 1e6, g->speed);
    while (!gen_stop_requested && (g->count == 0 || written < g->count)) {
        int64_t end = ws + iv;
        for (;;) {
            int64_t sim_now = sim_start + (int64_t)((double)(ev_time_monotonic() - mono0) * g->speed);
            if (sim_now >= end || gen_stop_requested) break;
            int64_t wait = (int64_t)((double)(end - sim_now) / g->speed);
            sleep_usec(wait < 100000 ? wait : 100000);
        }
        if (gen_stop_requested) break;
        gen_options o = g->o;
        o.start_usec = ws;
        o.objects = 1;
        gen_stats st;
        ev_error err;
        ev_error_clear(&err);
        ev_status rc = gen_run(s, &o, NULL, NULL, &gen_stop_requested, &st, &err);
        if (rc == EV_ERR_CANCELLED) break;
        if (rc != EV_OK) return cli_fail("gen", &err);
        char key[1024], gz[32];
        if (gen_object_key(o.prefix, end, key, sizeof key) != EV_OK) key[0] = '\0';
        format_bytes(st.gz_bytes, gz, sizeof gz);
        if (!g->first_key[0]) snprintf(g->first_key, sizeof g->first_key, "%s", key);
        snprintf(g->last_key, sizeof g->last_key, "%s", key);
        if (!g->json) printf("wrote %s (%" PRIu64 " events, %s)\n", key, st.events, gz);
        fflush(stdout);
        total.objects += st.objects;
        total.events += st.events;
        total.bad_lines += st.bad_lines;
        total.raw_bytes += st.raw_bytes;
        total.gz_bytes += st.gz_bytes;
        written++;
        ws = end;
    }
    total.elapsed_usec = ev_time_monotonic() - mono0;
    print_summary(g, &total);
    return 0;
}

int cli_cmd_gen(const cli_ctx *ctx, int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        fputs(gen_help, stdout);
        return 0;
    }
    gen_cli g;
    memset(&g, 0, sizeof g);
    g.ctx = ctx;
    g.speed = 1.0;
    gen_options_default(&g.o);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    g.o.threads = cores > 0 ? (int)(cores < 256 ? cores : 256) : 2;
    if (parse_args(&g, argc, argv)) return 1;
    if (g.live && (g.have_objects || g.have_from || g.have_to))
        return cli_usage_error("gen", "--live cannot be combined with --objects or --from/--to");
    if (!g.live && plan_backfill(&g)) return 1;

    store *s;
    if (open_raw_store(ctx, &s)) return 2;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    int rc;
    if (g.live) {
        rc = run_live(&g, s);
    } else {
        gen_stats st;
        ev_error err;
        ev_error_clear(&err);
        ev_status est = gen_run(s, &g.o, progress, &g, &gen_stop_requested, &st, &err);
        if (est == EV_ERR_CANCELLED) {
            fprintf(stderr, "\nevlake gen: stopped; %zu complete object%s kept, the one in progress discarded\n",
                    st.objects, st.objects == 1 ? "" : "s");
            print_summary(&g, &st);
            rc = 0;
        } else if (est != EV_OK) {
            if (ctx->stderr_tty && !g.quiet) fputc('\n', stderr);
            rc = cli_fail("gen", &err);
        } else {
            print_summary(&g, &st);
            rc = 0;
        }
    }
    store_close(s);
    return rc;
}
