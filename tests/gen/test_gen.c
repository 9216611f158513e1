/* test_gen.c: the generator: exact format, distributions, determinism, gzip framing, atomicity
 * under SIGKILL, I/O errors, and the `evlake gen` / `evlake init` command lines. */
#include "test_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "catalog.h"
#include "ev_fs.h"
#include "ev_time.h"
#include "gen.h"
#include "gen_int.h"
#include "store.h"

#define T_2025_11_20 INT64_C(1763596800000000) /* 2025-11-20T00:00:00Z */

/* ---- metrics printed by tests/gen/check_events.py ---- */

typedef struct metrics {
    ev_buf text;
} metrics;

static long metric(const metrics *m, const char *name) {
    size_t n = strlen(name);
    const char *p = (const char *)m->text.data;
    while (p && *p) {
        if (!strncmp(p, name, n) && p[n] == ' ') return atol(p + n + 1);
        p = strchr(p, '\n');
        if (p) p++;
    }
    fail_msg("metric '%s' missing from checker output:\n%s", name, (const char *)m->text.data);
    return -1;
}

/* Runs the independent checker over every object under <home>/raw. */
static void check_objects(const char *profile, const char *home, metrics *m) {
    ev_buf err;
    ev_buf_init(&m->text, NULL);
    ev_buf_init(&err, NULL);
    int rc = tu_run_sh(&m->text, &err, "python3 tests/gen/check_events.py %s $(find %s/raw -name '*.jsonl.gz' | sort)",
                       profile, home);
    if (rc != 0) fail_msg("checker failed (%d): %s%s", rc, (char *)m->text.data, (char *)err.data);
    ev_buf_free(&err);
}

static void assert_near(long value, long want, long tol, const char *what) {
    if (value < want - tol || value > want + tol) fail_msg("%s = %ld, want %ld +- %ld", what, value, want, tol);
}

/* ---- unit level ---- */

static void test_timestamp_and_price_format(void **state) {
    (void)state;
    gen_ts_cache tc = {INT64_MIN, {0}};
    char buf[64];
    char *end = gen_put_timestamp(&tc, buf, INT64_C(1763574294718325));
    assert_int_equal(end - buf, 32);
    assert_memory_equal(buf, "2025-11-19T17:44:54.718325+00:00", 32);
    end = gen_put_timestamp(&tc, buf, INT64_C(1763574294000000)); /* microseconds 0: no fraction */
    assert_int_equal(end - buf, 25);
    assert_memory_equal(buf, "2025-11-19T17:44:54+00:00", 25);
    end = gen_put_timestamp(&tc, buf, INT64_C(1763574295000010)); /* next second, cache refresh */
    assert_memory_equal(buf, "2025-11-19T17:44:55.000010+00:00", 32);
    const struct { uint32_t cents; const char *text; } prices[] = {
        {999, "9.99"}, {29999, "299.99"}, {1230, "12.3"}, {1200, "12.0"}, {10005, "100.05"}, {1001, "10.01"}};
    for (size_t i = 0; i < sizeof prices / sizeof prices[0]; i++) {
        end = gen_put_price(buf, prices[i].cents);
        *end = '\0';
        assert_string_equal(buf, prices[i].text);
    }
}

static void test_event_line_exact(void **state) {
    (void)state;
    gen_ts_cache tc = {INT64_MIN, {0}};
    char buf[GEN_LINE_MAX];
    gen_event e = {INT64_C(1763574294718325), 77120, 48213, 12345, GEN_ET_PURCHASE, 12, 2, 0};
    char *end = gen_put_event(&tc, buf, &e);
    *end = '\0';
    assert_string_equal(buf, "{\"timestamp\": \"2025-11-19T17:44:54.718325+00:00\", \"user_id\": \"u_48213\", "
                             "\"session_id\": \"s_77120\", \"event_type\": \"purchase\", \"product_id\": \"p_3003\", "
                             "\"quantity\": 2, \"price\": 123.45, \"category\": \"home\", \"search_query\": null}");
    gen_event s = {INT64_C(1763574294000000), 10000, 99999, 0, GEN_ET_SEARCH, 0, 0, 3};
    end = gen_put_event(&tc, buf, &s);
    *end = '\0';
    assert_string_equal(buf, "{\"timestamp\": \"2025-11-19T17:44:54+00:00\", \"user_id\": \"u_99999\", "
                             "\"session_id\": \"s_10000\", \"event_type\": \"search\", \"product_id\": null, "
                             "\"quantity\": null, \"price\": null, \"category\": null, \"search_query\": \"python books\"}");
    gen_event v = {INT64_C(1763574294000001), 10000, 10000, 0, GEN_ET_PAGE_VIEW, 29, 0, 0};
    end = gen_put_event(&tc, buf, &v);
    *end = '\0';
    assert_string_equal(buf, "{\"timestamp\": \"2025-11-19T17:44:54.000001+00:00\", \"user_id\": \"u_10000\", "
                             "\"session_id\": \"s_10000\", \"event_type\": \"page_view\", \"product_id\": \"p_6005\", "
                             "\"quantity\": null, \"price\": null, \"category\": \"toys\", \"search_query\": null}");
}

static void test_object_key(void **state) {
    (void)state;
    char key[256];
    assert_int_equal(gen_object_key("raw/events", T_2025_11_20 + 5 * EV_USEC_PER_MIN, key, sizeof key), EV_OK);
    assert_string_equal(key, "raw/events/year=2025/month=11/day=20/hour=00/minute=05/events-20251120-000500.jsonl.gz");
    assert_int_equal(gen_object_key("raw/events", T_2025_11_20 - 1 * EV_USEC_PER_SEC, key, sizeof key), EV_OK);
    assert_string_equal(key, "raw/events/year=2025/month=11/day=19/hour=23/minute=59/events-20251119-235959.jsonl.gz");
    assert_int_equal(gen_object_key("raw/events", T_2025_11_20, key, 20), EV_ERR_INPUT);
}

static void test_event_counts_and_diurnal(void **state) {
    (void)state;
    gen_options o;
    gen_options_default(&o);
    for (int i = 0; i < 200; i++) {
        uint32_t n = gen_object_events(&o, T_2025_11_20 + i * o.interval_usec);
        assert_true(n >= 500000 && n <= 750000);
    }
    o.events_min = o.events_max = 600000;
    assert_int_equal(gen_object_events(&o, T_2025_11_20), 600000);
    o.profile = GEN_PROFILE_REALISTIC;
    uint32_t peak = gen_object_events(&o, T_2025_11_20 + 20 * EV_USEC_PER_HOUR);
    uint32_t trough = gen_object_events(&o, T_2025_11_20 + 8 * EV_USEC_PER_HOUR);
    assert_int_equal(peak, 600000);
    assert_int_equal(trough, 150000);
}

/* ---- whole objects ---- */

static void read_gzip(const char *path, ev_buf *out) {
    gzFile f = gzopen(path, "rb");
    assert_non_null(f);
    char tmp[1 << 16];
    int n;
    while ((n = gzread(f, tmp, sizeof tmp)) > 0) assert_int_equal(ev_buf_append(out, tmp, (size_t)n), EV_OK);
    int zerr;
    gzerror(f, &zerr);
    assert_int_equal(zerr, Z_OK);
    assert_int_equal(n, 0);
    gzclose(f);
}

typedef struct key_list {
    char keys[64][256];
    int n;
} key_list;

static int collect_key(const store_object_info *info, void *ctx) {
    key_list *l = ctx;
    if (l->n < 64) snprintf(l->keys[l->n++], 256, "%s", info->key);
    return 0;
}

static void list_keys(store *s, key_list *l) {
    ev_error err;
    l->n = 0;
    assert_int_equal(store_list(s, "raw/events/", collect_key, l, &err), EV_OK);
}

static void generate(const char *home, gen_options *o, gen_stats *st) {
    store *s;
    ev_error err;
    assert_int_equal(store_open_local(home, NULL, &s, &err), EV_OK);
    ev_status rc = gen_run(s, o, NULL, NULL, NULL, st, &err);
    if (rc != EV_OK) fail_msg("gen_run: %s", err.msg);
    store_close(s);
}

static void test_gzip_framing_and_content(void **state) {
    (void)state;
    char home[256], path[1024];
    tu_mkdtemp(home, "gen-gz");
    gen_options o;
    gen_options_default(&o);
    o.start_usec = T_2025_11_20;
    o.objects = 1;
    o.events_min = o.events_max = 150000; /* three chunks, the last one short */
    gen_stats st;
    generate(home, &o, &st);
    assert_int_equal(st.objects, 1);
    assert_int_equal(st.events, 150000);
    snprintf(path, sizeof path, "%s/raw/events/year=2025/month=11/day=20/hour=00/minute=05/events-20251120-000500.jsonl.gz",
             home);
    ev_buf gz, plain, expect;
    ev_buf_init(&gz, NULL);
    ev_buf_init(&plain, NULL);
    ev_buf_init(&expect, NULL);
    ev_error err;
    assert_int_equal(ev_read_file(path, &gz, &err), EV_OK);
    assert_int_equal(gz.len, st.gz_bytes);
    /* One member: magic, deflate, mtime = the object's end time, Unix. */
    assert_int_equal(gz.data[0], 0x1f);
    assert_int_equal(gz.data[1], 0x8b);
    assert_int_equal(gz.data[2], 8);
    uint32_t mtime = gz.data[4] | gz.data[5] << 8 | gz.data[6] << 16 | (uint32_t)gz.data[7] << 24;
    assert_int_equal(mtime, (T_2025_11_20 + 5 * EV_USEC_PER_MIN) / EV_USEC_PER_SEC);
    read_gzip(path, &plain);
    for (uint32_t c = 0; c < 3; c++) {
        uint64_t bad;
        assert_int_equal(gen_render_chunk(&o, T_2025_11_20, c, &expect, &bad, &err), EV_OK);
    }
    assert_int_equal(plain.len, expect.len);
    assert_int_equal(plain.len, st.raw_bytes);
    assert_memory_equal(plain.data, expect.data, plain.len);
    assert_int_equal(tu_count_lines(plain.data, plain.len), 150000);
    assert_int_not_equal(plain.data[plain.len - 1], '\n'); /* no trailing newline, as the starter */
    /* Event times fall inside the object's 5-minute window, in order. */
    int64_t first, last;
    assert_int_equal(ev_time_parse((char *)plain.data + 15, 32, &first), EV_OK);
    const char *lastline = strrchr((char *)plain.data, '\n') + 1;
    const char *q = strchr(lastline + 15, '"');
    assert_int_equal(ev_time_parse(lastline + 15, (size_t)(q - lastline - 15), &last), EV_OK);
    assert_true(first >= T_2025_11_20 && first < T_2025_11_20 + 2 * EV_USEC_PER_SEC);
    assert_true(last > first && last < T_2025_11_20 + 5 * EV_USEC_PER_MIN);
    ev_buf_free(&gz);
    ev_buf_free(&plain);
    ev_buf_free(&expect);
    tu_rmtree(home);
}

static void check_deterministic_across_threads(gen_profile profile) {
    char homes[3][256];
    int threads[3] = {1, 2, 5};
    gen_options o;
    gen_options_default(&o);
    o.profile = profile;
    o.start_usec = T_2025_11_20 + 7 * EV_USEC_PER_HOUR;
    o.objects = 3;
    o.events_min = 100000;
    o.events_max = 200000;
    for (int i = 0; i < 3; i++) {
        gen_stats st;
        tu_mkdtemp(homes[i], "gen-det");
        o.threads = threads[i];
        generate(homes[i], &o, &st);
        assert_int_equal(st.objects, 3);
    }
    store *s0;
    ev_error err;
    assert_int_equal(store_open_local(homes[0], NULL, &s0, &err), EV_OK);
    key_list keys;
    list_keys(s0, &keys);
    assert_int_equal(keys.n, 3);
    for (int k = 0; k < keys.n; k++) {
        ev_buf a, b;
        ev_buf_init(&a, NULL);
        assert_int_equal(store_get(s0, keys.keys[k], &a, &err), EV_OK);
        for (int i = 1; i < 3; i++) {
            store *si;
            assert_int_equal(store_open_local(homes[i], NULL, &si, &err), EV_OK);
            ev_buf_init(&b, NULL);
            assert_int_equal(store_get(si, keys.keys[k], &b, &err), EV_OK);
            assert_int_equal(a.len, b.len);
            assert_memory_equal(a.data, b.data, a.len);
            ev_buf_free(&b);
            store_close(si);
        }
        ev_buf_free(&a);
    }
    store_close(s0);
    /* Another seed gives other bytes. */
    ev_buf x, y;
    ev_buf_init(&x, NULL);
    ev_buf_init(&y, NULL);
    uint64_t bad;
    assert_int_equal(gen_render_chunk(&o, o.start_usec, 0, &x, &bad, &err), EV_OK);
    o.seed = 43;
    assert_int_equal(gen_render_chunk(&o, o.start_usec, 0, &y, &bad, &err), EV_OK);
    assert_true(x.len != y.len || memcmp(x.data, y.data, x.len) != 0);
    ev_buf_free(&x);
    ev_buf_free(&y);
    for (int i = 0; i < 3; i++) tu_rmtree(homes[i]);
}

static void test_deterministic_across_threads(void **state) {
    (void)state;
    check_deterministic_across_threads(GEN_PROFILE_STARTER);
    check_deterministic_across_threads(GEN_PROFILE_REALISTIC);
}

static void test_starter_format_and_distribution(void **state) {
    (void)state;
    char home[256];
    tu_mkdtemp(home, "gen-dist");
    ev_buf out, err;
    ev_buf_init(&out, NULL);
    ev_buf_init(&err, NULL);
    int rc = tu_run_cli(&out, &err, "gen --home %s --objects 1 --events 600000 --start 2025-11-20T10:00:00Z", home);
    assert_int_equal(rc, 0);
    assert_non_null(strstr((char *)out.data, "generated 1 object, 600000 events"));
    metrics m;
    check_objects("starter", home, &m);
    assert_int_equal(metric(&m, "objects"), 1);
    assert_int_equal(metric(&m, "events"), 600000);
    assert_int_equal(metric(&m, "trailing_newline"), 0);
    assert_int_equal(metric(&m, "bad_lines"), 0);
    assert_near(metric(&m, "permille_page_view"), 500, 5, "page_view share");
    assert_near(metric(&m, "permille_add_to_cart"), 200, 5, "add_to_cart share");
    assert_near(metric(&m, "permille_remove_from_cart"), 100, 5, "remove_from_cart share");
    assert_near(metric(&m, "permille_purchase"), 100, 5, "purchase share");
    assert_near(metric(&m, "permille_search"), 100, 5, "search share");
    assert_near(metric(&m, "conversion_permille"), 200, 10, "conversion purchases/page_views");
    assert_int_equal(metric(&m, "distinct_products"), 30);
    assert_near(metric(&m, "product_conv_min_permille"), 200, 40, "lowest product conversion");
    assert_near(metric(&m, "product_conv_max_permille"), 200, 40, "highest product conversion");
    assert_int_equal(metric(&m, "price_min_cents"), 999);
    assert_int_equal(metric(&m, "price_max_cents"), 29999);
    assert_near(metric(&m, "priced") * 1000 / 600000, 400, 6, "share of events with a price");
    long mean_cents = metric(&m, "price_sum_cents") / metric(&m, "priced");
    assert_near(mean_cents, 15499, 150, "mean price (cents)");
    ev_buf_free(&m.text);
    ev_buf_free(&out);
    ev_buf_free(&err);
    tu_rmtree(home);
}

static void test_realistic_profile(void **state) {
    (void)state;
    char home[256];
    tu_mkdtemp(home, "gen-real");
    ev_buf out, err;
    ev_buf_init(&out, NULL);
    ev_buf_init(&err, NULL);
    int rc = tu_run_cli(&out, &err,
                        "gen --home %s --profile realistic --objects 2 --events 200000 --bad-rate 0.02 "
                        "--start 2025-11-20T19:50:00Z --json",
                        home);
    assert_int_equal(rc, 0);
    long events = atol(strstr((char *)out.data, "\"events\": ") + 10);
    long bad = atol(strstr((char *)out.data, "\"bad_lines\": ") + 13);
    metrics m;
    check_objects("realistic", home, &m);
    assert_int_equal(metric(&m, "events") + metric(&m, "bad_lines"), events);
    assert_int_equal(metric(&m, "bad_lines"), bad);
    assert_near(bad * 1000 / events, 20, 3, "malformed share (permille)");
    assert_true(metric(&m, "sessions") > 10000);
    /* Conversion differs by product, popularity is skewed. */
    assert_true(metric(&m, "product_conv_max_permille") - metric(&m, "product_conv_min_permille") > 80);
    assert_true(metric(&m, "top_product_views") > 5 * metric(&m, "bottom_product_views"));
    assert_true(metric(&m, "permille_page_view") > metric(&m, "permille_add_to_cart"));
    assert_true(metric(&m, "permille_add_to_cart") > metric(&m, "permille_purchase"));
    ev_buf_free(&m.text);
    ev_buf_free(&out);
    ev_buf_free(&err);
    tu_rmtree(home);
}

/* ---- crash safety and errors ---- */

static int count_hidden(const char *dir) {
    int n = 0;
    DIR *d = opendir(dir);
    if (!d) return 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        char sub[1024];
        snprintf(sub, sizeof sub, "%s/%s", dir, de->d_name);
        if (de->d_name[0] == '.') n++;
        else if (ev_is_dir(sub)) n += count_hidden(sub);
    }
    closedir(d);
    return n;
}

static void test_sigkill_leaves_no_partial_object(void **state) {
    (void)state;
    const int delays_ms[] = {40, 150, 320, 600, 900};
    int saw_temporary = 0;
    for (size_t round = 0; round < sizeof delays_ms / sizeof delays_ms[0]; round++) {
        char home[256];
        tu_mkdtemp(home, "gen-kill");
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            int devnull = open("/dev/null", O_WRONLY);
            dup2(devnull, 1);
            dup2(devnull, 2);
            execl(tu_evlake_bin(), "evlake", "gen", "--home", home, "--objects", "40", "--events", "300000",
                  "--threads", "1", "--start", "2025-11-20T00:00:00Z", (char *)NULL);
            _exit(127);
        }
        struct timespec ts = {0, delays_ms[round] * 1000000L};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        assert_true(WIFSIGNALED(status));
        /* Every object under its final name is whole: it inflates, and holds its planned events. */
        store *s;
        ev_error err;
        assert_int_equal(store_open_local(home, NULL, &s, &err), EV_OK);
        key_list keys;
        list_keys(s, &keys);
        gen_options o;
        gen_options_default(&o);
        o.events_min = o.events_max = 300000;
        for (int k = 0; k < keys.n; k++) {
            char path[1024];
            assert_int_equal(store_local_path(s, keys.keys[k], path, sizeof path), EV_OK);
            ev_buf plain;
            ev_buf_init(&plain, NULL);
            read_gzip(path, &plain);
            assert_int_equal(tu_count_lines(plain.data, plain.len), 300000);
            ev_buf_free(&plain);
            assert_non_null(strstr(keys.keys[k], "events-20251120-"));
        }
        /* What the kill interrupted is hidden; a sweep removes it since its writer is dead. */
        int hidden = count_hidden(home);
        saw_temporary += hidden > 0;
        size_t removed = 0;
        assert_int_equal(store_sweep_temporaries(s, "raw/", &removed, &err), EV_OK);
        assert_int_equal((int)removed, hidden);
        assert_int_equal(count_hidden(home), 0);
        store_close(s);
        tu_rmtree(home);
    }
    assert_true(saw_temporary > 0); /* the kills did land mid-object */
}

static void test_io_errors_are_clear(void **state) {
    (void)state;
    char dir[256], file[512];
    tu_mkdtemp(dir, "gen-io");
    snprintf(file, sizeof file, "%s/plain-file", dir);
    assert_int_equal(ev_write_file_atomic(file, "x", 1, NULL), EV_OK);
    ev_buf out, err;
    ev_buf_init(&out, NULL);
    ev_buf_init(&err, NULL);
    /* A lake home below a regular file cannot be created. */
    int rc = tu_run_cli(&out, &err, "gen --home %s/lake --objects 1 --events 10", file);
    assert_int_equal(rc, 2);
    assert_non_null(strstr((char *)err.data, "evlake gen: cannot create directory"));
    assert_non_null(strstr((char *)err.data, "Not a directory"));
    /* A write that fails mid-object (file size limit, as a full disk would) leaves no object. */
    ev_buf_reset(&err);
    rc = tu_run_sh(&out, &err, "ulimit -f 256; exec $EVLAKE gen --home %s/lake2 --objects 2 --events 100000 "
                               "--start 2025-11-20T00:00:00Z", dir);
    assert_int_equal(rc, 2);
    assert_non_null(strstr((char *)err.data, "evlake gen: cannot write"));
    assert_non_null(strstr((char *)err.data, "File too large"));
    ev_buf found;
    ev_buf_init(&found, NULL);
    assert_int_equal(tu_run_sh(&found, NULL, "find %s/lake2 -name 'events-*' -o -name '.events-*' | wc -l", dir), 0);
    assert_int_equal(atoi((char *)found.data), 0);
    ev_buf_free(&found);
    ev_buf_free(&out);
    ev_buf_free(&err);
    tu_rmtree(dir);
}

/* ---- command line ---- */

static void expect_cli(int want_rc, const char *want_text, const char *args) {
    ev_buf out, err;
    ev_buf_init(&out, NULL);
    ev_buf_init(&err, NULL);
    int rc = tu_run_cli(&out, &err, "%s", args);
    if (rc != want_rc || !strstr(want_rc ? (char *)err.data : (char *)out.data, want_text))
        fail_msg("evlake %s: exit %d, stdout '%s', stderr '%s'; want exit %d and '%s'", args, rc,
                 (char *)out.data, (char *)err.data, want_rc, want_text);
    ev_buf_free(&out);
    ev_buf_free(&err);
}

static void test_cli_usage_and_exit_codes(void **state) {
    (void)state;
    expect_cli(0, "usage: evlake [--home DIR] <command>", "--help");
    expect_cli(0, "usage: evlake gen --objects N", "gen --help");
    expect_cli(0, "usage: evlake init", "init --help");
    expect_cli(0, "usage: evlake sql -c SQL", "sql --help");
    expect_cli(1, "evlake: unknown command 'frobnicate'", "frobnicate");
    expect_cli(1, "evlake gen: say how much", "gen --home /nonexistent/x");
    expect_cli(1, "--events: empty range '5-2'", "gen --objects 1 --events 5-2");
    expect_cli(1, "--from: 'yesterday' is not an ISO-8601 time", "gen --from yesterday --to 2025-11-20");
    expect_cli(1, "--from and --to go together", "gen --from 2025-11-20");
    expect_cli(1, "--profile: 'fancy' is not starter or realistic", "gen --objects 1 --profile fancy");
    expect_cli(1, "unknown or incomplete option '--colour'", "gen --objects 1 --colour");
    expect_cli(1, "--threads must be at least 1", "gen --objects 1 --threads 0");
    expect_cli(0, "usage: evlake compact [DB.TABLE]", "compact --help");
    expect_cli(1, "--min-files takes a whole number from 2 to 1000000, not '1'", "compact --min-files 1");
    /* numbers given to options are whole numbers in range, never read as far as they go */
    expect_cli(1, "evlake sql: --threads takes a whole number from 1 to 64, not '4x'", "sql --threads 4x -c 'SELECT 1'");
    expect_cli(1, "--memory-limit takes a whole number from 16 to 1073741824, not 'lots'",
               "sql --memory-limit lots -c 'SELECT 1'");
    expect_cli(1, "evlake etl: --threads takes a whole number from 1 to 64, not '0'", "etl run --threads 0");
    expect_cli(1, "evlake demo: --hours takes a whole number from 1 to 48, not '99'", "demo --hours 99");
    expect_cli(1, "--sample takes a whole number from 1 to 100000000, not ''", "crawl --sample=");
    expect_cli(1, "evlake compact: no lake at '/nonexistent/x'", "compact --home /nonexistent/x");
}

static void test_cli_from_to_and_live(void **state) {
    (void)state;
    char home[256];
    tu_mkdtemp(home, "gen-cli");
    ev_buf out, err;
    ev_buf_init(&out, NULL);
    ev_buf_init(&err, NULL);
    int rc = tu_run_cli(&out, &err, "gen --from 2025-11-20T00:00:00Z --to 2025-11-20T01:00:00Z --events 10 --home %s",
                        home);
    assert_int_equal(rc, 0);
    assert_non_null(strstr((char *)out.data, "generated 12 objects, 120 events"));
    assert_non_null(strstr((char *)out.data,
                           "first  raw/events/year=2025/month=11/day=20/hour=00/minute=05/events-20251120-000500.jsonl.gz"));
    assert_non_null(strstr((char *)out.data,
                           "last   raw/events/year=2025/month=11/day=20/hour=01/minute=00/events-20251120-010000.jsonl.gz"));
    /* Live: 60-second windows at 600x: two objects in about 0.2 s of real time. */
    ev_buf_reset(&out);
    rc = tu_run_cli(&out, &err, "gen --live --interval 60s --speed 600 --count 2 --events 5 --start 2025-11-21T00:00:00Z "
                                "--quiet --home %s", home);
    assert_int_equal(rc, 0);
    assert_non_null(strstr((char *)out.data, "wrote raw/events/year=2025/month=11/day=21/hour=00/minute=01/"
                                             "events-20251121-000100.jsonl.gz (5 events"));
    assert_non_null(strstr((char *)out.data, "events-20251121-000200.jsonl.gz (5 events"));
    assert_non_null(strstr((char *)out.data, "generated 2 objects, 10 events"));
    ev_buf_free(&out);
    ev_buf_free(&err);
    tu_rmtree(home);
}

static void test_init_creates_and_keeps(void **state) {
    (void)state;
    char home[256], path[512];
    tu_mkdtemp(home, "init");
    ev_buf out, err;
    ev_buf_init(&out, NULL);
    ev_buf_init(&err, NULL);
    assert_int_equal(tu_run_cli(&out, &err, "--home %s/lake init", home), 0);
    assert_non_null(strstr((char *)out.data, "created  "));
    char want[64];
    snprintf(want, sizeof want, "catalog.db (schema v%d, 1 database)", cat_current_schema_version());
    assert_non_null(strstr((char *)out.data, want));
    const char *expect[] = {"pipeline.yml", "catalog.db", "raw", "analytics", "quarantine", "results"};
    for (size_t i = 0; i < 6; i++) {
        snprintf(path, sizeof path, "%s/lake/%s", home, expect[i]);
        assert_true(ev_path_exists(path));
    }
    snprintf(path, sizeof path, "%s/lake/pipeline.yml", home);
    assert_int_equal(ev_write_file_atomic(path, "# mine\n", 7, NULL), EV_OK);
    ev_buf_reset(&out);
    assert_int_equal(tu_run_cli(&out, &err, "init --home %s/lake", home), 0); /* --home after the command */
    assert_non_null(strstr((char *)out.data, "kept     "));
    ev_buf yaml;
    ev_buf_init(&yaml, NULL);
    assert_int_equal(ev_read_file(path, &yaml, NULL), EV_OK);
    assert_int_equal(yaml.len, 7); /* the user's file is not overwritten */
    ev_buf_free(&yaml);
    snprintf(path, sizeof path, "%s/lake/catalog.db", home);
    cat *c;
    ev_error e;
    assert_int_equal(cat_open(path, NULL, &c, &e), EV_OK);
    assert_int_equal(cat_schema_version(c), cat_current_schema_version());
    int ndb;
    assert_int_equal(cat_count_databases(c, &ndb, &e), EV_OK);
    assert_int_equal(ndb, 1);
    cat_close(c);
    /* EVLAKE_HOME is honoured. */
    snprintf(path, sizeof path, "%s/env-lake", home);
    setenv("EVLAKE_HOME", path, 1);
    assert_int_equal(tu_run_cli(&out, &err, "init"), 0);
    unsetenv("EVLAKE_HOME");
    snprintf(path, sizeof path, "%s/env-lake/catalog.db", home);
    assert_true(ev_path_exists(path));
    ev_buf_free(&out);
    ev_buf_free(&err);
    tu_rmtree(home);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timestamp_and_price_format),
        cmocka_unit_test(test_event_line_exact),
        cmocka_unit_test(test_object_key),
        cmocka_unit_test(test_event_counts_and_diurnal),
        cmocka_unit_test(test_gzip_framing_and_content),
        cmocka_unit_test(test_deterministic_across_threads),
        cmocka_unit_test(test_starter_format_and_distribution),
        cmocka_unit_test(test_realistic_profile),
        cmocka_unit_test(test_sigkill_leaves_no_partial_object),
        cmocka_unit_test(test_io_errors_are_clear),
        cmocka_unit_test(test_cli_usage_and_exit_codes),
        cmocka_unit_test(test_cli_from_to_and_live),
        cmocka_unit_test(test_init_creates_and_keeps),
    };
    return cmocka_run_group_tests_name("gen", tests, NULL, NULL);
}
