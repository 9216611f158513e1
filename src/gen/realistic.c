/*
 * realistic.c: the `realistic` profile: the starter's schema and layout, with shape.
 *
 * - A fixed catalog per seed: the starter's 30 products, each with a popularity rank (Zipf,
 *   s = 1.1), a price (per category range, ending in .99), a cart propensity and a purchase
 *   propensity, so conversion differs by product.
 * - Users u_10000..u_99999 with skewed activity; each session belongs to exactly one user and has
 *   an id no other session has ("s_" + object slot, chunk and ordinal).
 * - A session walks a funnel in time order: maybe a search, product views, add-to-cart by the
 *   product's propensity, some removals, then a purchase of what is left in the cart, or
 *   abandonment. Gaps between a session's events are 2 s + exponential(20 s).
 * - The number of events per object follows a diurnal curve (peak at 20:00 UTC, trough at 08:00).
 * - A configurable share of lines is malformed on purpose (truncated JSON, a wrong type, an
 *   unknown event type, a missing or unparsable timestamp), for testing the quarantine.
 * Lines are in time order within each chunk; chunks cover consecutive slices of the object's window.
 */
#include <math.h>
#include <stdlib.h>

#include "ev_time.h"
#include "gen_int.h"

#define NPRODUCTS 30

typedef struct product_info {
    double weight_cum;   /* cumulative Zipf weight, normalized to 1 */
    uint32_t price_cents;
    double p_cart;
    double p_buy;
} product_info;

typedef struct shop {
    product_info products[NPRODUCTS];
} shop;

static void shop_build(uint64_t seed, shop *sh) {
    static const uint32_t price_lo[6] = {4999, 1999, 1499, 999, 1499, 999};
    static const uint32_t price_hi[6] = {29999, 12999, 19999, 4999, 14999, 7999};
    gen_rng r;
    gen_rng_seed(&r, seed, 0, 0, GEN_STREAM_CATALOG);
    int rank[NPRODUCTS];
    for (int i = 0; i < NPRODUCTS; i++) rank[i] = i;
    for (int i = NPRODUCTS - 1; i > 0; i--) { /* Fisher-Yates: which product gets which rank */
        int j = (int)gen_below(&r, (uint32_t)i + 1);
        int t = rank[i];
        rank[i] = rank[j];
        rank[j] = t;
    }
    double total = 0, w[NPRODUCTS];
    for (int i = 0; i < NPRODUCTS; i++) total += w[i] = 1.0 / pow(rank[i] + 1, 1.1);
    double cum = 0;
    for (int i = 0; i < NPRODUCTS; i++) {
        product_info *p = &sh->products[i];
        cum += w[i] / total;
        p->weight_cum = cum;
        int c = i / 5;
        uint32_t dollars = (price_lo[c] + gen_below(&r, price_hi[c] - price_lo[c])) / 100;
        p->price_cents = dollars * 100 + 99;
        p->p_cart = 0.15 + 0.25 * gen_unit(&r);
        p->p_buy = 0.30 + 0.40 * gen_unit(&r);
    }
    sh->products[NPRODUCTS - 1].weight_cum = 1.0;
}

static uint8_t draw_product(gen_rng *r, const shop *sh) {
    double u = gen_unit(r);
    int i = 0;
    while (i < NPRODUCTS - 1 && sh->products[i].weight_cum <= u) i++;
    return (uint8_t)i;
}

/* Skewed user activity, scattered over the id range by a bijection (7919 is prime to 90000). */
static uint32_t draw_user(gen_rng *r) {
    uint32_t idx = (uint32_t)(90000 * pow(gen_unit(r), 1.6));
    if (idx >= 90000) idx = 89999;
    return 10000 + (uint32_t)(((uint64_t)idx * 7919 + 12345) % 90000);
}

static int64_t draw_gap(gen_rng *r) {
    return 2 * EV_USEC_PER_SEC + (int64_t)(-log(1.0 - gen_unit(r)) * 20.0 * (double)EV_USEC_PER_SEC);
}

/* Diurnal factor in [0.25, 1]: peak at 20:00 UTC. */
static double diurnal(int64_t usec) {
    double h = (double)(usec - ev_time_floor(usec, EV_USEC_PER_DAY)) / (double)EV_USEC_PER_HOUR;
    return 0.625 + 0.375 * cos((h - 20.0) * 3.14159265358979 / 12.0);
}

uint32_t gen_realistic_scale(uint32_t base, int64_t window_start) {
    uint32_t n = (uint32_t)((double)base * diurnal(window_start));
    return n ? n : 1;
}

typedef struct session_walk {
    gen_event *events;
    uint32_t n, cap;
    int64_t t, t_end;
} session_walk;

static void walk_emit(session_walk *w, const gen_event *proto, uint8_t type, gen_rng *r) {
    if (w->n == w->cap) return;
    gen_event e = *proto;
    e.type = type;
    e.ts = w->t < w->t_end ? w->t : w->t_end;
    w->events[w->n++] = e;
    w->t += draw_gap(r);
}

/* One session's funnel into w (stops when w is full). */
static void walk_session(session_walk *w, const shop *sh, gen_rng *r, uint32_t user, uint64_t sid) {
    gen_event proto = {0};
    proto.user = user;
    proto.session = sid;
    if (gen_unit(r) < 0.25) {
        proto.query = (uint8_t)gen_below(r, 8);
        walk_emit(w, &proto, GEN_ET_SEARCH, r);
    }
    uint8_t cart[8];
    uint8_t qty[8];
    int ncart = 0;
    int views = 1;
    while (views < 8 && gen_unit(r) < 0.55) views++;
    for (int v = 0; v < views; v++) {
        proto.product = draw_product(r, sh);
        const product_info *p = &sh->products[proto.product];
        proto.quantity = 0;
        proto.price_cents = 0;
        walk_emit(w, &proto, GEN_ET_PAGE_VIEW, r);
        if (gen_unit(r) >= p->p_cart || ncart == 8) continue;
        proto.quantity = (uint8_t)(1 + (gen_unit(r) < 0.2) + (gen_unit(r) < 0.05));
        proto.price_cents = p->price_cents;
        walk_emit(w, &proto, GEN_ET_ADD_TO_CART, r);
        if (gen_unit(r) < 0.15) {
            walk_emit(w, &proto, GEN_ET_REMOVE_FROM_CART, r);
        } else {
            cart[ncart] = proto.product;
            qty[ncart++] = proto.quantity;
        }
    }
    if (ncart == 0) return;
    double p_buy = 0;
    for (int i = 0; i < ncart; i++) p_buy += sh->products[cart[i]].p_buy;
    if (gen_unit(r) >= p_buy / ncart) return; /* abandoned cart */
    for (int i = 0; i < ncart; i++) {
        proto.product = cart[i];
        proto.quantity = qty[i];
        proto.price_cents = sh->products[cart[i]].price_cents;
        walk_emit(w, &proto, GEN_ET_PURCHASE, r);
    }
}

static int cmp_event_time(const void *a, const void *b) {
    const gen_event *x = a, *y = b;
    if (x->ts != y->ts) return x->ts < y->ts ? -1 : 1;
    /* Session ids are unique and increase in walk order: a total, deterministic order. */
    if (x->session != y->session) return x->session < y->session ? -1 : 1;
    return 0;
}

/* Writes a deliberately malformed variant of `e`; returns the new write position. */
static char *put_bad_line(gen_ts_cache *tc, char *p, const gen_event *e, gen_rng *r) {
    char *start = p;
    switch (gen_below(r, 5)) {
    case 0: { /* truncated JSON */
        p = gen_put_event(tc, p, e);
        size_t len = (size_t)(p - start);
        return start + 10 + gen_below(r, (uint32_t)(len - 20));
    }
    case 1: /* wrong type */
        p = gen_put_event_head(tc, p, e);
        return GEN_PUT_LIT(p, "\"purchase\", \"product_id\": \"p_1001\", \"quantity\": "
                              "\"two\", \"price\": 19.99, \"category\": \"electronics\", \"search_query\": null}");
    case 2: /* unknown event type */
        p = gen_put_event_head(tc, p, e);
        return GEN_PUT_LIT(p, "\"hover\", \"product_id\": \"p_1001\", \"quantity\": null, \"price\": null, "
                              "\"category\": \"electronics\", \"search_query\": null}");
    case 3: /* missing timestamp */
        p = GEN_PUT_LIT(p, "{\"user_id\": \"u_");
        p = gen_put_u64(p, e->user);
        return GEN_PUT_LIT(p, "\", \"session_id\": \"s_10000\", \"event_type\": \"page_view\", \"product_id\": "
                              "\"p_1001\", \"quantity\": null, \"price\": null, \"category\": \"electronics\", "
                              "\"search_query\": null}");
    default: /* unparsable timestamp */
        p = GEN_PUT_LIT(p, "{\"timestamp\": \"yesterday at noon\", \"user_id\": \"u_");
        p = gen_put_u64(p, e->user);
        return GEN_PUT_LIT(p, "\", \"session_id\": \"s_10000\", \"event_type\": \"page_view\", \"product_id\": "
                              "\"p_1001\", \"quantity\": null, \"price\": null, \"category\": \"electronics\", "
                              "\"search_query\": null}");
    }
}

ev_status gen_realistic_chunk(const gen_options *o, int64_t window_start, uint32_t chunk, uint32_t first,
                              uint32_t count, uint32_t total, ev_buf *out, uint64_t *bad, ev_error *err) {
    size_t events_size = (size_t)(count ? count : 1) * sizeof(gen_event);
    gen_event *events = ev_calloc(NULL, 1, events_size);
    if (!events || ev_buf_reserve(out, (size_t)count * GEN_LINE_MAX) != EV_OK) {
        ev_free(NULL, events, events_size);
        return ev_error_set(err, EV_ERR_NOMEM, "out of memory rendering %u events", count);
    }
    shop sh;
    shop_build(o->seed, &sh);
    gen_rng r;
    gen_rng_seed(&r, o->seed, (uint64_t)window_start, chunk, GEN_STREAM_CHUNK);
    const int64_t interval = o->interval_usec;
    int64_t slice_start = window_start + (int64_t)first * interval / total;
    int64_t slice_len = (int64_t)count * interval / total;
    uint64_t slot = (uint64_t)(window_start / interval);
    session_walk w = {events, 0, count, 0, window_start + interval - 1};
    for (uint64_t k = 0; w.n < count; k++) {
        w.t = slice_start + (slice_len > 0 ? (int64_t)(gen_unit(&r) * (double)slice_len) : 0);
        uint64_t sid = (slot * 100 + chunk) * 100000 + k;
        walk_session(&w, &sh, &r, draw_user(&r), sid);
    }
    qsort(events, count, sizeof *events, cmp_event_time);

    gen_ts_cache tc = {INT64_MIN, {0}};
    char *p = (char *)out->data + out->len;
    for (uint32_t i = 0; i < count; i++) {
        if (o->bad_rate > 0 && gen_unit(&r) < o->bad_rate) {
            p = put_bad_line(&tc, p, &events[i], &r);
            (*bad)++;
        } else {
            p = gen_put_event(&tc, p, &events[i]);
        }
        if (first + i + 1 < total) *p++ = '\n';
    }
    out->len = (size_t)(p - (char *)out->data);
    ev_free(NULL, events, events_size);
    return EV_OK;
}
